/*
 * Owner commands, what every protocol shares: the names, the table of
 * each protocol's commands, the parsing of an argument text into
 * checked numbers, allow lists and AT prefix lists as the
 * configuration writes them, and the hook by which a protocol reports
 * the device's answer.  See cmd.h.
 */

#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "pvgate.h"
#include "proto.h"
#include "cmd.h"

#define CMD_MAXWORDS	(CMD_ARGS + 1)
#define CMD_PERCENT_MAX	1000		/* per mille */
#define CMD_REG_MAX	65535
#define CMD_COUNT_MAX	125
#define CMD_WATT_MAX	1000000
#define CMD_SERIALLEN	12

static const char *cmd_names[CMD_MAX] = {
	[CMD_NONE] =		"none",
	[CMD_POWER_LIMIT] =	"power_limit",
	[CMD_MODBUS_READ] =	"modbus_read",
	[CMD_MODBUS_WRITE] =	"modbus_write",
	[CMD_AT] =		"at",
	[CMD_INVERTER_ON] =	"inverter_on",
	[CMD_INVERTER_OFF] =	"inverter_off",
	[CMD_REBOOT] =		"reboot",
	[CMD_POWER_LIMITS] =	"power_limits",
	[CMD_WEATHER_CHARGE] =	"weather_regulated_charge",
	[CMD_SMART_SWITCH] =	"smart_switch"
};

static int	cmd_words(char *, char **, int);
static int	cmd_number(const char *, int64_t, int, int64_t *);
static int	cmd_percent(const char *, int64_t *);
static int	cmd_onoff(const char *, int64_t *);
static int	cmd_serial(const char *, int64_t *);
static int	cmd_press(const char *, int64_t *);
static void	cmd_show_percent(int64_t, char *, size_t);
static void	cmd_show_onoff(int64_t, char *, size_t);
static const struct cmd_kind *cmd_kind(int);
static int	cmd_word(int, const char *, int64_t *);
static const char *cmd_kindname(int);
static int	cmd_list_copy(char *, size_t, const char *, char *, size_t);
static char	*cmd_list_word(char **);
static int	cmd_args(const struct cmd_def *, const char *, struct pv_cmd *,
		    char *, size_t);
static void	cmd_argtext(const struct cmd_def *, struct pv_cmd *);
static const struct cmd_def *cmd_pair(unsigned int, const char *,
		    const char *, char *, size_t);

const struct cmd_proto *
cmd_proto(unsigned int proto)
{
	switch (proto) {
	case PROTO_TSUN_GEN3:
		return (&gen3_cmdproto);
	case PROTO_SOLARMAN_V5:
		return (&solarman_cmdproto);
	case PROTO_HOYMILES:
		return (&hoymiles_cmdproto);
	case PROTO_E3DC_RSCP:
		return (&e3dc_cmdproto);
	}
	return (NULL);
}

const char *
cmd_name(int id)
{
	if (id <= CMD_NONE || id >= CMD_MAX)
		return ("none");
	return (cmd_names[id]);
}

const char *
cmd_result_name(int result)
{
	switch (result) {
	case CMD_RES_OK:
		return ("ok");
	case CMD_RES_REFUSED:
		return ("refused");
	case CMD_RES_DEVICE_ERROR:
		return ("device error");
	case CMD_RES_TIMEOUT:
		return ("timeout");
	}
	return ("unknown");
}

/* the protocol's definition of command id, or NULL */
const struct cmd_def *
cmd_def(unsigned int proto, int id)
{
	const struct cmd_proto	*cp;
	size_t			 i;

	if ((cp = cmd_proto(proto)) == NULL)
		return (NULL);
	for (i = 0; i < cp->ndefs; i++)
		if (cp->defs[i].id == id)
			return (&cp->defs[i]);
	return (NULL);
}

const struct cmd_def *
cmd_byname(unsigned int proto, const char *name)
{
	const struct cmd_proto	*cp;
	size_t			 i;

	if ((cp = cmd_proto(proto)) == NULL)
		return (NULL);
	for (i = 0; i < cp->ndefs; i++)
		if (strcmp(cmd_name(cp->defs[i].id), name) == 0)
			return (&cp->defs[i]);
	return (NULL);
}

/* split at blanks, in place; -1 if there are more than max words */
static int
cmd_words(char *s, char **w, int max)
{
	int	n = 0;

	for (;;) {
		while (*s == ' ')
			s++;
		if (*s == '\0')
			return (n);
		if (n == max)
			return (-1);
		w[n++] = s;
		while (*s != ' ' && *s != '\0')
			s++;
		if (*s == ' ')
			*s++ = '\0';
	}
}

/* decimal, or 0x hex if hexok; no sign; 0 .. max */
static int
cmd_number(const char *s, int64_t max, int hexok, int64_t *out)
{
	int64_t	v = 0;
	int	base = 10, d, n = 0;

	if (hexok && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	for (; *s != '\0'; s++, n++) {
		if (isdigit((unsigned char)*s))
			d = *s - '0';
		else if (base == 16 && isxdigit((unsigned char)*s))
			d = tolower((unsigned char)*s) - 'a' + 10;
		else
			return (-1);
		v = v * base + d;
		if (v > max)
			return (-1);
	}
	if (n == 0)
		return (-1);
	*out = v;
	return (0);
}

/* "50", "50.5", "50%", "50.0": per mille, 0 .. 1000 */
static int
cmd_percent(const char *s, int64_t *out)
{
	char	buf[16], *dot;
	size_t	len = strlen(s);
	int64_t	whole, tenth = 0;

	if (len == 0 || len >= sizeof(buf))
		return (-1);
	memcpy(buf, s, len + 1);
	if (buf[len - 1] == '%')
		buf[--len] = '\0';
	if ((dot = strchr(buf, '.')) != NULL) {
		*dot++ = '\0';
		if (strlen(dot) != 1 || !isdigit((unsigned char)*dot))
			return (-1);
		tenth = *dot - '0';
	}
	if (cmd_number(buf, 100, 0, &whole) == -1)
		return (-1);
	*out = whole * 10 + tenth;
	return (*out <= CMD_PERCENT_MAX ? 0 : -1);
}

/* the on or off of a switch, as Home Assistant and owners write it */
static int
cmd_onoff(const char *w, int64_t *v)
{
	if (strcasecmp(w, "on") == 0 || strcmp(w, "1") == 0)
		*v = 1;
	else if (strcasecmp(w, "off") == 0 || strcmp(w, "0") == 0)
		*v = 0;
	else
		return (-1);
	return (0);
}

/* a Hoymiles inverter serial, 12 hex digits: its number */
static int
cmd_serial(const char *w, int64_t *v)
{
	if (strlen(w) != CMD_SERIALLEN ||
	    strspn(w, "0123456789abcdefABCDEF") != CMD_SERIALLEN)
		return (-1);
	for (*v = 0; *w != '\0'; w++)
		*v = *v * 16 + (isdigit((unsigned char)*w) ? *w - '0' :
		    tolower((unsigned char)*w) - 'a' + 10);
	return (0);
}

/* Home Assistant's button press */
static int
cmd_press(const char *w, int64_t *v)
{
	*v = 0;
	return (strcmp(w, "PRESS") == 0 ? 0 : -1);
}

static void
cmd_show_percent(int64_t v, char *buf, size_t len)
{
	(void)snprintf(buf, len, v % 10 ? "%lld.%lld" : "%lld",
	    (long long)(v / 10), (long long)(v % 10));
}

static void
cmd_show_onoff(int64_t v, char *buf, size_t len)
{
	(void)snprintf(buf, len, "%s", v ? "on" : "off");
}

/*
 * The kinds of argument words (cmd.h): a number from min to max
 * (decimal, or 0x hex too), unless a parser of its own reads it; how
 * a refusal names it; how an event shows it (NULL: not at all).
 */
static const struct cmd_kind {
	int		 kind;
	const char	*name;
	int64_t		 min, max;
	int		 hex;
	int		(*parse)(const char *, int64_t *);
	const char	*fmt;
	void		(*show)(int64_t, char *, size_t);
} cmd_kinds[] = {
	{ 'P', "a percentage, 0 to 100.0", 0, CMD_PERCENT_MAX, 0,
	    cmd_percent, NULL, cmd_show_percent },
	{ 'R', "a register, 0 to 0xffff", 0, CMD_REG_MAX, 1, NULL,
	    "0x%04llx", NULL },
	{ 'N', "a register count, 1 to 125", 1, CMD_COUNT_MAX, 0, NULL,
	    "%lld", NULL },
	{ 'V', "a value, 0 to 0xffff", 0, CMD_REG_MAX, 1, NULL, "0x%04llx",
	    NULL },
	{ 'O', "on or off", 0, 1, 0, cmd_onoff, NULL, cmd_show_onoff },
	{ 'W', "watts, 0 to 1000000", 0, CMD_WATT_MAX, 0, NULL, "%lld",
	    NULL },
	{ 'I', "an index, 0 to 65535", 0, CMD_REG_MAX, 0, NULL, "%lld",
	    NULL },
	{ 'S', "a serial of 12 hex digits", 0, 0, 0, cmd_serial, "%012llX",
	    NULL },
	{ 'B', "PRESS or nothing", 0, 0, 0, cmd_press, NULL, NULL }
};

static const struct cmd_kind *
cmd_kind(int kind)
{
	size_t	 i;

	for (i = 0; i < sizeof(cmd_kinds) / sizeof(cmd_kinds[0]); i++)
		if (cmd_kinds[i].kind == kind)
			return (&cmd_kinds[i]);
	return (NULL);
}

/* one word of a kind; -1 if it is not one */
static int
cmd_word(int kind, const char *w, int64_t *v)
{
	const struct cmd_kind	*k;

	if ((k = cmd_kind(kind)) == NULL)
		return (-1);
	if (k->parse != NULL)
		return (k->parse(w, v));
	if (cmd_number(w, k->max, k->hex, v) == -1 || *v < k->min)
		return (-1);
	return (0);
}

static const char *
cmd_kindname(int kind)
{
	const struct cmd_kind	*k;

	return ((k = cmd_kind(kind)) != NULL ? k->name : "text");
}

/* the words of the argument, each of its kind */
static int
cmd_args(const struct cmd_def *def, const char *arg, struct pv_cmd *cmd,
    char *why, size_t whylen)
{
	char		 buf[PV_CMD_TEXTLEN], *w[CMD_MAXWORDS];
	const char	*k;
	int		 n, i;

	if (strcmp(def->args, "T") == 0) {
		if (arg[0] == '\0' || strlcpy(cmd->text, arg,
		    sizeof(cmd->text)) >= sizeof(cmd->text)) {
			(void)snprintf(why, whylen, "%s needs a text of 1 to "
			    "%zu characters", cmd_name(def->id),
			    sizeof(cmd->text) - 1);
			return (-1);
		}
		return (0);
	}
	(void)strlcpy(buf, arg, sizeof(buf));
	if ((n = cmd_words(buf, w, CMD_MAXWORDS)) == -1 ||
	    (size_t)n > strlen(def->args)) {
		(void)snprintf(why, whylen, "%s: too many arguments",
		    cmd_name(def->id));
		return (-1);
	}
	for (i = 0, k = def->args; *k != '\0'; i++, k++) {
		if (i >= n) {
			if (islower((unsigned char)*k))
				break;
			(void)snprintf(why, whylen, "%s needs %s",
			    cmd_name(def->id), cmd_kindname(*k));
			return (-1);
		}
		if (cmd_word(toupper((unsigned char)*k), w[i],
		    &cmd->arg[i]) == -1) {
			(void)snprintf(why, whylen, "%s %s: not %s",
			    cmd_name(def->id), w[i],
			    cmd_kindname(toupper((unsigned char)*k)));
			return (-1);
		}
		cmd->nargs = i + 1;
	}
	return (0);
}

/* the argument as events show it: the words as parsed */
static void
cmd_argtext(const struct cmd_def *def, struct pv_cmd *cmd)
{
	const struct cmd_kind	*kd;
	char			 w[24];
	const char		*k = def->args;
	size_t			 len = sizeof(cmd->argtext);
	int			 i;
	int64_t			 v;

	cmd->argtext[0] = '\0';
	if (strcmp(k, "T") == 0) {
		(void)strlcpy(cmd->argtext, cmd->text, len);
		return;
	}
	for (i = 0; i < cmd->nargs; i++) {
		v = cmd->arg[i];
		if ((kd = cmd_kind(toupper((unsigned char)k[i]))) == NULL)
			(void)snprintf(w, sizeof(w), "%lld", (long long)v);
		else if (kd->show != NULL)
			kd->show(v, w, sizeof(w));
		else if (kd->fmt != NULL)
			(void)snprintf(w, sizeof(w), kd->fmt, (long long)v);
		else
			continue;
		if (cmd->argtext[0] != '\0')
			(void)strlcat(cmd->argtext, " ", len);
		(void)strlcat(cmd->argtext, w, len);
	}
}

/*
 * The switch of an on/off pair ("inverter" ON): the first command of
 * the pair for on, the second for off.  NULL (why set) if name is not
 * such a switch or the argument is not on or off.
 */
static const struct cmd_def *
cmd_pair(unsigned int proto, const char *name, const char *arg, char *why,
    size_t whylen)
{
	const struct cmd_proto	*cp;
	const struct cmd_def	*on = NULL, *off = NULL;
	size_t			 i;
	int64_t			 v;

	if ((cp = cmd_proto(proto)) == NULL)
		return (NULL);
	for (i = 0; i < cp->ndefs; i++) {
		if (cp->defs[i].pair == NULL ||
		    strcmp(cp->defs[i].pair, name) != 0)
			continue;
		if (on == NULL)
			on = &cp->defs[i];
		else
			off = &cp->defs[i];
	}
	if (on == NULL || off == NULL)
		return (NULL);
	if (cmd_word('O', arg, &v) == -1) {
		(void)snprintf(why, whylen, "%s %s: not on or off", name, arg);
		return (NULL);
	}
	return (v ? on : off);
}

/*
 * Parse command name with its argument text for the device (its
 * protocol, its AT lists).  truncated: the text did not reach us
 * whole.  0, or -1 with why.
 */
int
cmd_parse(const struct pv_deviceconf *dev, const char *name, const char *arg,
    int truncated, struct pv_cmd *cmd, char *why, size_t whylen)
{
	const struct cmd_proto	*cp;
	const struct cmd_def	*def;
	char			 text[PV_CMD_TEXTLEN];
	size_t			 len, i;

	memset(cmd, 0, sizeof(*cmd));
	if (dev == NULL || (cp = cmd_proto(dev->proto)) == NULL) {
		(void)snprintf(why, whylen, "the device's protocol has no "
		    "commands");
		return (-1);
	}
	(void)strlcpy(cmd->target, dev->name, sizeof(cmd->target));
	len = strlen(arg);
	if (truncated || len >= sizeof(text)) {
		(void)snprintf(why, whylen, "argument too long");
		return (-1);
	}
	for (i = 0; i < len; i++)
		if ((unsigned char)arg[i] < 0x20 ||
		    (unsigned char)arg[i] >= 0x7f) {
			(void)snprintf(why, whylen, "argument: not printable "
			    "ASCII (byte %zu is 0x%02x)", i,
			    (unsigned char)arg[i]);
			return (-1);
		}
	/* without the blanks around it, and the \r an AT line ends with */
	arg += strspn(arg, " ");
	(void)strlcpy(text, arg, sizeof(text));
	for (len = strlen(text); len > 0 && text[len - 1] == ' '; len--)
		text[len - 1] = '\0';

	why[0] = '\0';
	if ((def = cmd_byname(dev->proto, name)) == NULL &&
	    (def = cmd_pair(dev->proto, name, text, why, whylen)) == NULL) {
		if (why[0] == '\0')
			(void)snprintf(why, whylen, "%s: no such command for "
			    "%s", name, proto_byid(dev->proto)->name);
		return (-1);
	}
	cmd->id = def->id;
	if (def->pair != NULL && cmd_byname(dev->proto, name) == NULL)
		text[0] = '\0';		/* the on or off was the switch's */
	if (cmd_args(def, text, cmd, why, whylen) == -1)
		return (-1);
	if (cp->check != NULL && cp->check(dev, cmd, why, whylen) == -1)
		return (-1);
	cmd_argtext(def, cmd);
	return (0);
}

/* a list as the configuration writes it, into buf to be split */
static int
cmd_list_copy(char *buf, size_t len, const char *list, char *why,
    size_t whylen)
{
	if (strlcpy(buf, list, len) >= len) {
		(void)snprintf(why, whylen, "list too long");
		return (-1);
	}
	return (0);
}

/* its next word, "a, b c" being three; NULL at its end */
static char *
cmd_list_word(char **s)
{
	char	*w;

	while ((w = strsep(s, ", \t")) != NULL)
		if (*w != '\0')
			return (w);
	return (NULL);
}

/*
 * An allow list as the configuration writes it, "power_limit,
 * inverter_off": the bits of the protocol's commands it names.  0, or
 * -1 with why (a name the protocol does not have).
 */
int
cmd_allow(unsigned int proto, const char *list, uint32_t *mask, char *why,
    size_t whylen)
{
	const struct cmd_proto	*cp;
	const struct cmd_def	*def;
	char			 buf[512], *s, *w;
	size_t			 i;

	*mask = 0;
	if ((cp = cmd_proto(proto)) == NULL) {
		(void)snprintf(why, whylen, "%s has no commands",
		    proto_byid(proto) != NULL ? proto_byid(proto)->name :
		    "this protocol");
		return (-1);
	}
	if (cmd_list_copy(buf, sizeof(buf), list, why, whylen) == -1)
		return (-1);
	for (s = buf; (w = cmd_list_word(&s)) != NULL;) {
		for (i = 0; w[i] != '\0'; i++)
			if ((unsigned char)w[i] < 0x20 ||
			    (unsigned char)w[i] >= 0x7f) {
				(void)snprintf(why, whylen, "byte 0x%02x: "
				    "not a command name",
				    (unsigned char)w[i]);
				return (-1);
			}
		if ((def = cmd_byname(proto, w)) == NULL) {
			(void)snprintf(why, whylen, "%s: not a command of %s "
			    "(it has", w, proto_byid(proto)->name);
			for (i = 0; i < cp->ndefs; i++) {
				(void)strlcat(why, i == 0 ? " " : ", ",
				    whylen);
				(void)strlcat(why, cmd_name(cp->defs[i].id),
				    whylen);
			}
			(void)strlcat(why, ")", whylen);
			return (-1);
		}
		*mask |= CMD_BIT(def->id);
	}
	return (0);
}

/* the names of the bits, "power_limit, at"; -1 if they do not fit */
int
cmd_allow_text(uint32_t mask, char *buf, size_t len)
{
	int	id;

	if (len == 0)
		return (-1);
	buf[0] = '\0';
	for (id = CMD_NONE + 1; id < CMD_MAX; id++) {
		if ((mask & CMD_BIT(id)) == 0)
			continue;
		if ((buf[0] != '\0' && strlcat(buf, ", ", len) >= len) ||
		    strlcat(buf, cmd_name(id), len) >= len)
			return (-1);
	}
	return (0);
}

/*
 * A list of AT command prefixes, "AT+Z, AT+UPURL": each begins with AT
 * and has no blank or comma; out gets them joined by ", ".  0, or -1
 * with why.
 */
int
cmd_prefixes(const char *list, char *out, size_t outlen, char *why,
    size_t whylen)
{
	char		 buf[512], *s, *w;
	const char	*c;

	out[0] = '\0';
	if (cmd_list_copy(buf, sizeof(buf), list, why, whylen) == -1)
		return (-1);
	for (s = buf; (w = cmd_list_word(&s)) != NULL;) {
		if (strncasecmp(w, "AT", 2) != 0) {
			(void)snprintf(why, whylen, "%s: an AT prefix begins "
			    "with AT", w);
			return (-1);
		}
		for (c = w; *c != '\0'; c++)
			if (*c < 0x21 || *c > 0x7e) {
				(void)snprintf(why, whylen, "%s: not printable "
				    "ASCII", w);
				return (-1);
			}
		if ((out[0] != '\0' && strlcat(out, ", ", outlen) >= outlen) ||
		    strlcat(out, w, outlen) >= outlen) {
			(void)snprintf(why, whylen, "list too long (at most "
			    "%zu characters)", outlen - 1);
			return (-1);
		}
	}
	return (0);
}

/* does text begin with one of the prefixes of list (case ignored)? */
int
cmd_prefix_match(const char *list, const char *text)
{
	const char	*p = list, *e;
	size_t		 n;

	while (*p != '\0') {
		p += strspn(p, ", ");
		if ((e = strchr(p, ',')) == NULL)
			e = p + strlen(p);
		n = (size_t)(e - p);
		if (n > 0 && strncasecmp(text, p, n) == 0)
			return (1);
		p = e;
	}
	return (0);
}

/*
 * Is given the [device] name, as it is or as an MQTT topic level
 * carries it (every byte but [A-Za-z0-9_-] made '_')?
 */
int
cmd_name_match(const char *name, const char *given)
{
	size_t	i;

	if (strcmp(name, given) == 0)
		return (1);
	for (i = 0; name[i] != '\0' && given[i] != '\0'; i++) {
		if (name[i] == given[i])
			continue;
		if (given[i] != '_' || isalnum((unsigned char)name[i]) ||
		    name[i] == '-' || name[i] == '_')
			return (0);
	}
	return (name[i] == '\0' && given[i] == '\0');
}

/* a protocol's decoder has the device's answer to ctx->cmd */
void
pv_cmd_done(struct pvctx *ctx, int result, const char *fmt, ...)
{
	char	detail[PV_CMD_TEXTLEN];
	va_list	ap;

	if (ctx->out == NULL || ctx->out->command == NULL)
		return;
	va_start(ap, fmt);
	if (vsnprintf(detail, sizeof(detail), fmt, ap) < 0)
		detail[0] = '\0';
	va_end(ap);
	ctx->out->command(ctx, result, detail);
}
