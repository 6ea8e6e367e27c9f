/*
 * APsystems ECU, the cloud's side (see apsystems_ecu.c).  What EMA
 * sends an ECU:
 *
 *  - on the data ports, the answer to a record or to the night's
 *    "which did you store?": F NN T1..Tn, a digit, two digits and NN
 *    timestamps of 14 digits; no header, no line end;
 *  - on the control port 8997, APS messages: the answer to the ECU's
 *    poll A101 (APS13AAA51A101AAA0, the ECU id, a command, a timestamp,
 *    END), which is the command the ECU then carries out, A100 being
 *    "none"; and the answer to its status report A123 (a flag, a
 *    count, that many timestamps, END).
 *
 * The commands, as the ECU firmware lists them: A1xx reports and reads
 * (A102 .. A131, A148, A149, A151); sets (A103 inverter ids, A105 time
 * zone, A107 the ECU's server and ports, A109/A122/A132 AC protection,
 * A110 maximum power, A119 talking to EMA at all, A127 IRD, A138, A150);
 * A125 the grid environment; A108 a custom command, A111 on/off, A112
 * clearing GFDI, A134 restoring; A136 an inverter firmware update.
 */

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "pvgate.h"
#include "proto.h"
#include "cloud.h"

#define APC_MAGIC	"APS"
#define APC_LENOFF	5
#define APC_LENLEN	5
#define APC_HDRLEN	10	/* magic, version, length */
#define APC_CMD		10
#define APC_CMDLEN	4
#define APC_TIMELEN	14
#define APC_POLLLEN	51
#define APC_POLLID	18
#define APC_POLLCMD	30
#define APC_POLLTIME	34
#define APC_POLLEND	48
#define APC_STFLAG	18
#define APC_STCOUNT	19
#define APC_STTIMES	21
#define APC_IDLEN	12
#define APC_QUERYLEN	22	/* APS13AAA22 and the ECU id */
#define APC_KEY_DATA	1
#define APC_KEY_POLL	101
#define APC_KEY_STATUS	123

struct apc_command {
	int	number;		/* A1xx: xx + 100 */
	int	kind;
};

static const struct apc_command	apc_commands[] = {
	{ 100, CK_ACK },
	{ 102, CK_READ }, { 104, CK_READ }, { 106, CK_READ },
	{ 113, CK_READ }, { 114, CK_READ }, { 117, CK_READ },
	{ 118, CK_READ }, { 120, CK_READ }, { 121, CK_READ },
	{ 124, CK_READ }, { 126, CK_READ }, { 128, CK_READ },
	{ 129, CK_READ }, { 130, CK_READ }, { 131, CK_READ },
	{ 148, CK_READ }, { 149, CK_READ }, { 151, CK_READ },
	{ 103, CK_CONFIG }, { 105, CK_CONFIG }, { 107, CK_CONFIG },
	{ 109, CK_CONFIG }, { 110, CK_CONFIG }, { 119, CK_CONFIG },
	{ 122, CK_CONFIG }, { 127, CK_CONFIG }, { 132, CK_CONFIG },
	{ 138, CK_CONFIG }, { 150, CK_CONFIG },
	{ 125, CK_GRID_PROFILE },
	{ 108, CK_CONTROL }, { 111, CK_CONTROL }, { 112, CK_CONTROL },
	{ 134, CK_CONTROL },
	{ 136, CK_FIRMWARE }
};

#define APC_NCOMMANDS	(sizeof(apc_commands) / sizeof(apc_commands[0]))

static int	apc_command(const uint8_t *);
static void	apc_stored(const uint8_t *, size_t, struct cloud_verdict *);
static void	apc_message(const uint8_t *, size_t, struct cloud_verdict *);
static void	apc_poll(const uint8_t *, size_t, struct cloud_verdict *);
static void	apc_status(const uint8_t *, size_t, struct cloud_verdict *);

/*
 * Bounds only: a line end alone; F NN and NN timestamps; an APS
 * message of its length field.  Anything else is skipped.
 */
int
apsystems_cloud_frame(const uint8_t *buf, size_t len, size_t max, size_t *n,
    const char **why)
{
	size_t	flen;

	if (len == 0)
		return (FRAME_MORE);
	if (buf[0] == '\n' || buf[0] == '\r') {
		*n = 1;
		return (FRAME_OK);
	}
	if (buf[0] >= '0' && buf[0] <= '9') {
		if (len < 3)
			return (FRAME_MORE);
		if (!aps_digits(buf + 1, 2)) {
			*n = len;
			*why = "no count in the answer";
			return (FRAME_SKIP);
		}
		flen = 3 + APC_TIMELEN * ((buf[1] - '0') * 10 + buf[2] - '0');
	} else if (buf[0] == 'A') {
		if (memcmp(buf, APC_MAGIC, len < 3 ? len : 3) != 0 ||
		    (len >= APC_HDRLEN &&
		    (aps_length(buf + APC_LENOFF, &flen) == -1 ||
		    flen < APC_HDRLEN))) {
			*n = len;
			*why = "no APS header";
			return (FRAME_SKIP);
		}
		if (len < APC_HDRLEN)
			return (FRAME_MORE);
	} else {
		*n = len;
		*why = "neither an answer nor an APS message";
		return (FRAME_SKIP);
	}
	if (flen > max) {
		*why = "answer exceeds max_frame";
		return (FRAME_CLOSE);
	}
	if (len < flen)
		return (FRAME_MORE);
	*n = flen;
	return (FRAME_OK);
}

/* which answer of EMA an ECU frame waits for */
uint32_t
apsystems_cloud_key(const uint8_t *buf, size_t len)
{
	if (len < APC_HDRLEN || memcmp(buf, APC_MAGIC, 3) != 0)
		return (0);
	if (len >= APC_CMD + APC_CMDLEN) {
		if (memcmp(buf + APC_CMD, "A101", APC_CMDLEN) == 0)
			return (APC_KEY_POLL);
		if (memcmp(buf + APC_CMD, "A123", APC_CMDLEN) == 0)
			return (APC_KEY_STATUS);
	}
	/* a record, or the night's question (APS13AAA22 and the id) */
	return (APC_KEY_DATA);
}

void
apsystems_cloud_judge(const uint8_t *buf, size_t len, struct cloud_verdict *v)
{
	if (len == 1 && (buf[0] == '\n' || buf[0] == '\r')) {
		cloud_set(v, CK_ACK, "line end");
		return;
	}
	if (len >= 3 && buf[0] >= '0' && buf[0] <= '9') {
		apc_stored(buf, len, v);
		return;
	}
	apc_message(buf, len, v);
}

/* F NN T1..Tn */
static void
apc_stored(const uint8_t *buf, size_t len, struct cloud_verdict *v)
{
	size_t	count;

	if (!aps_digits(buf, len)) {
		cloud_set(v, CK_UNPARSED, "answer with a byte not a digit");
		return;
	}
	count = (buf[1] - '0') * 10 + buf[2] - '0';
	if (len != 3 + APC_TIMELEN * count) {
		cloud_set(v, CK_UNPARSED, "answer of %zu bytes for %zu "
		    "timestamps", len, count);
		return;
	}
	cloud_reply(v, APC_KEY_DATA, CK_ACK, "answer %c, %zu timestamps",
	    buf[0], count);
}

/* A1xx as a number, -1 if it is none */
static int
apc_command(const uint8_t *p)
{
	if (p[0] != 'A' || !aps_digits(p + 1, 3))
		return (-1);
	return ((p[1] - '0') * 100 + (p[2] - '0') * 10 + p[3] - '0');
}

static void
apc_message(const uint8_t *buf, size_t len, struct cloud_verdict *v)
{
	size_t	flen;

	if (len < APC_CMD + APC_CMDLEN || memcmp(buf, APC_MAGIC, 3) != 0 ||
	    !aps_digits(buf + 3, 2) ||
	    aps_length(buf + APC_LENOFF, &flen) == -1) {
		cloud_set(v, CK_UNPARSED, "malformed message of %zu bytes",
		    len);
		return;
	}
	/* the ECU checks the length against what it read, exactly */
	if (flen != len && !(flen + 1 == len && buf[flen] == '\n')) {
		cloud_set(v, CK_UNPARSED, "length field %zu in a message of "
		    "%zu bytes", flen, len);
		return;
	}
	if (memcmp(buf + APC_CMD, "A123", APC_CMDLEN) == 0)
		apc_status(buf, flen, v);
	else
		apc_poll(buf, flen, v);
}

/* the answer to A101: a command, wrapped in A101 or not */
static void
apc_poll(const uint8_t *buf, size_t flen, struct cloud_verdict *v)
{
	const uint8_t	*c = buf + APC_CMD;
	size_t		 i;
	int		 number;

	if (memcmp(c, "A101", APC_CMDLEN) == 0) {
		if (flen != APC_POLLLEN ||
		    !aps_digits(buf + APC_POLLID, APC_IDLEN) ||
		    !aps_digits(buf + APC_POLLTIME, APC_TIMELEN) ||
		    memcmp(buf + APC_POLLEND, "END", 3) != 0) {
			cloud_set(v, CK_UNPARSED, "malformed answer to A101");
			return;
		}
		c = buf + APC_POLLCMD;
	}
	if ((number = apc_command(c)) == -1) {
		cloud_set(v, CK_UNPARSED, "answer to A101 without a command");
		return;
	}
	for (i = 0; i < APC_NCOMMANDS; i++)
		if (apc_commands[i].number == number) {
			cloud_reply(v, APC_KEY_POLL, apc_commands[i].kind,
			    "command A%03d", number);
			return;
		}
	cloud_reply(v, APC_KEY_POLL, CK_UNKNOWN, "command A%03d", number);
}

/* the answer to A123: a flag, a count, the timestamps, END */
static void
apc_status(const uint8_t *buf, size_t flen, struct cloud_verdict *v)
{
	size_t	count;

	if (flen < APC_STTIMES + 3 || !aps_digits(buf + APC_STFLAG, 3)) {
		cloud_set(v, CK_UNPARSED, "malformed answer to A123");
		return;
	}
	count = (buf[APC_STCOUNT] - '0') * 10 + buf[APC_STCOUNT + 1] - '0';
	if (flen < APC_STTIMES + APC_TIMELEN * count + 3 ||
	    !aps_digits(buf + APC_STTIMES, APC_TIMELEN * count) ||
	    memcmp(buf + APC_STTIMES + APC_TIMELEN * count, "END", 3) != 0) {
		cloud_set(v, CK_UNPARSED, "malformed answer to A123");
		return;
	}
	if (flen != APC_STTIMES + APC_TIMELEN * count + 3)
		cloud_reply(v, APC_KEY_STATUS, CK_UNKNOWN, "answer to A123 "
		    "with %zu more bytes", flen - (APC_STTIMES + APC_TIMELEN *
		    count + 3));
	else
		cloud_reply(v, APC_KEY_STATUS, CK_ACK, "answer to A123, %zu "
		    "timestamps", count);
}
