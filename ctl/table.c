/*
 * Plain text in aligned columns: cells are collected, then printed
 * with every column as wide as its widest cell.  A heading that
 * starts with '>' is a column of numbers, aligned to the right.
 */

#include "compat.h"

#include <err.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pvgatectl.h"

#define TABLE_MAXCOLS	16

struct table {
	int	  ncols;
	int	  right[TABLE_MAXCOLS];
	size_t	  width[TABLE_MAXCOLS];
	char	**cells;		/* row by row, headings first */
	size_t	  ncells;
	size_t	  cap;
};

static void
table_add(struct table *t, char *s)
{
	size_t	col = t->ncells % t->ncols, n = strlen(s);

	if (t->ncells == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 64;
		if ((t->cells = reallocarray(t->cells, t->cap,
		    sizeof(*t->cells))) == NULL)
			err(1, NULL);
	}
	t->cells[t->ncells++] = s;
	if (n > t->width[col])
		t->width[col] = n;
}

struct table *
table_new(const char *const *heads, int ncols)
{
	struct table	*t;
	char		*s;
	int		 i;

	if (ncols < 1 || ncols > TABLE_MAXCOLS)
		errx(1, "%s: %d columns", __func__, ncols);
	if ((t = calloc(1, sizeof(*t))) == NULL)
		err(1, NULL);
	t->ncols = ncols;
	for (i = 0; i < ncols; i++) {
		t->right[i] = heads[i][0] == '>';
		if ((s = strdup(heads[i] + t->right[i])) == NULL)
			err(1, NULL);
		table_add(t, s);
	}
	return t;
}

void
table_cell(struct table *t, const char *fmt, ...)
{
	va_list	 ap;
	char	*s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) == -1)
		err(1, NULL);
	va_end(ap);
	table_add(t, s);
}

/* print and free; nothing when there are no rows */
void
table_print(struct table *t, FILE *fp)
{
	size_t	i, col, pad;

	if (t->ncells % t->ncols != 0)
		errx(1, "%s: a row is not complete", __func__);
	for (i = 0; t->ncells > (size_t)t->ncols && i < t->ncells; i++) {
		col = i % t->ncols;
		pad = t->width[col] - strlen(t->cells[i]);
		if (t->right[col])
			fprintf(fp, "%*s%s", (int)pad, "", t->cells[i]);
		else if (col + 1 < (size_t)t->ncols)
			fprintf(fp, "%s%*s", t->cells[i], (int)pad, "");
		else
			fputs(t->cells[i], fp);
		fputs(col + 1 < (size_t)t->ncols ? "  " : "\n", fp);
	}
	for (i = 0; i < t->ncells; i++)
		free(t->cells[i]);
	free(t->cells);
	free(t);
}
