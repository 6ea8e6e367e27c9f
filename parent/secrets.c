/*
 * Secrets files: lines "name = value" (e3dc-rscp: rscp_key, user,
 * password), "#" comments.  Only root may have access: a file that
 * belongs to someone else, or that group or others may read or write,
 * is refused.  Read by pvgated at start, sent to the decoder alone.
 */

#include "compat.h"

#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "pvgated.h"

#define SECRETS_MAX	4096	/* longest secrets file, bytes */

static int	 secrets_check(const char *, const struct stat *, char *,
		    size_t);
static int	 secrets_parse(const char *, char *, struct pv_secret *,
		    char *, size_t);
static int	 secrets_set(char *, size_t, const char *);

static int
secrets_check(const char *path, const struct stat *st, char *err,
    size_t errlen)
{
	if (!S_ISREG(st->st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		return (-1);
	}
	if (st->st_uid != 0) {
		snprintf(err, errlen, "%s: owned by uid %u, not by root",
		    path, (unsigned int)st->st_uid);
		return (-1);
	}
	if ((st->st_mode & (S_IRWXG | S_IRWXO)) != 0) {
		snprintf(err, errlen, "%s: group or others have access "
		    "(mode %04o, want 0600)", path,
		    (unsigned int)(st->st_mode & 07777));
		return (-1);
	}
	return (0);
}

static int
secrets_set(char *dst, size_t dstlen, const char *value)
{
	if (dst[0] != '\0' || strlcpy(dst, value, dstlen) >= dstlen) {
		explicit_bzero(dst, dstlen);
		return (-1);
	}
	return (0);
}

/* text: the whole file, NUL-terminated; wiped by the caller */
static int
secrets_parse(const char *path, char *text, struct pv_secret *sec,
    char *err, size_t errlen)
{
	char	*line, *name, *value, *end;
	int	 lineno = 0, bad;

	while ((line = strsep(&text, "\n")) != NULL) {
		lineno++;
		line += strspn(line, " \t");
		end = line + strlen(line);
		while (end > line && strchr(" \t\r", end[-1]) != NULL)
			*--end = '\0';
		if (*line == '\0' || *line == '#')
			continue;
		if ((value = strchr(line, '=')) == NULL) {
			snprintf(err, errlen, "%s:%d: want name = value",
			    path, lineno);
			return (-1);
		}
		name = line;
		for (end = value; end > name && strchr(" \t", end[-1]); end--)
			;
		*end = '\0';
		value++;
		value += strspn(value, " \t");
		if (*value == '\0') {
			snprintf(err, errlen, "%s:%d: %s is empty", path,
			    lineno, name);
			return (-1);
		}
		if (strcmp(name, "rscp_key") == 0)
			bad = secrets_set(sec->key, sizeof(sec->key), value);
		else if (strcmp(name, "user") == 0)
			bad = secrets_set(sec->user, sizeof(sec->user), value);
		else if (strcmp(name, "password") == 0)
			bad = secrets_set(sec->password,
			    sizeof(sec->password), value);
		else {
			snprintf(err, errlen, "%s:%d: unknown name %s", path,
			    lineno, name);
			return (-1);
		}
		if (bad) {
			snprintf(err, errlen, "%s:%d: %s twice or too long",
			    path, lineno, name);
			return (-1);
		}
	}
	if (sec->key[0] == '\0' || sec->user[0] == '\0' ||
	    sec->password[0] == '\0') {
		snprintf(err, errlen, "%s: want rscp_key, user and password",
		    path);
		return (-1);
	}
	return (0);
}

/*
 * Read path into sec.  0, or -1 with err naming the file and the
 * problem; sec is wiped then.  Someone other than root cannot read a
 * good secrets file: for pvgated -n, its owner and mode are checked
 * and its contents left alone.
 */
int
secrets_read(const char *path, struct pv_secret *sec, char *err,
    size_t errlen)
{
	char		buf[SECRETS_MAX + 1];
	struct stat	st;
	size_t		n = 0;
	ssize_t		r;
	int		fd, ret = -1;

	explicit_bzero(sec, sizeof(*sec));
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC)) == -1) {
		if (errno == EACCES && geteuid() != 0 &&
		    stat(path, &st) == 0)
			return (secrets_check(path, &st, err, errlen));
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return (-1);
	}
	if (fstat(fd, &st) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto done;
	}
	if (secrets_check(path, &st, err, errlen) == -1)
		goto done;
	while (n < sizeof(buf) - 1) {
		r = read(fd, buf + n, sizeof(buf) - 1 - n);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			goto done;
		}
		if (r == 0)
			break;
		n += r;
	}
	if (n == sizeof(buf) - 1) {
		snprintf(err, errlen, "%s: longer than %d bytes", path,
		    SECRETS_MAX);
		goto done;
	}
	buf[n] = '\0';
	ret = secrets_parse(path, buf, sec, err, errlen);
 done:
	explicit_bzero(buf, sizeof(buf));
	if (ret == -1)
		explicit_bzero(sec, sizeof(*sec));
	close(fd);
	return (ret);
}
