/*
 * pvgatectl -j: one JSON object on one line of standard output.
 * Strings are escaped by the exporter's outbuf_json(), so whatever a
 * device called itself, the output stays valid JSON.
 */

#include "compat.h"

#include <err.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "exporter/exporter.h"
#include "pvgatectl.h"

#define JSON_DEPTH	8

static int	 depth;
static int	 started[JSON_DEPTH];	/* a member written at this level */
static char	 closers[JSON_DEPTH];	/* its closing bracket */

static void
json_quoted(const char *s)
{
	char		buf[1024];
	struct outbuf	o;

	outbuf_init(&o, buf, sizeof(buf));
	outbuf_json(&o, s, strlen(s), JSON_SHORTESC);
	if (outbuf_end(&o) == 0)
		errx(1, "%s: string too long", __func__);
	fputs(buf, stdout);
}

/* the comma and the key before a member; key NULL in arrays */
static void
json_key(const char *key)
{
	if (started[depth])
		putchar(',');
	started[depth] = 1;
	if (key != NULL) {
		json_quoted(key);
		putchar(':');
	}
}

static void
json_open(const char *key, int c)
{
	json_key(key);
	putchar(c);
	if (++depth >= JSON_DEPTH)
		errx(1, "%s: nested too deep", __func__);
	started[depth] = 0;
}

void
json_begin(void)
{
	depth = 0;
	started[0] = 0;
	putchar('{');
	started[++depth] = 0;
	closers[depth] = '}';
}

void
json_end(void)
{
	json_close();
	putchar('\n');
	if (depth != 0)
		errx(1, "%s: %d levels open", __func__, depth);
}

void
json_object(const char *key)
{
	json_open(key, '{');
	closers[depth] = '}';
}

void
json_array(const char *key)
{
	json_open(key, '[');
	closers[depth] = ']';
}

void
json_close(void)
{
	putchar(closers[depth]);
	depth--;
}

void
json_string(const char *key, const char *s)
{
	json_key(key);
	json_quoted(s);
}

void
json_uint(const char *key, uint64_t v)
{
	json_key(key);
	printf("%" PRIu64, v);
}

void
json_int(const char *key, int64_t v)
{
	json_key(key);
	printf("%" PRId64, v);
}

void
json_bool(const char *key, int v)
{
	json_key(key);
	fputs(v ? "true" : "false", stdout);
}

/* ISO 8601 UTC, or null when unknown (0) */
void
json_time_utc(const char *key, int64_t t)
{
	char	buf[32];

	json_key(key);
	if (t == 0 || json_time(t, buf, sizeof(buf)) == -1)
		fputs("null", stdout);
	else
		printf("\"%s\"", buf);
}
