/*
 * AlphaESS, the cloud's side (see alphaess.c for the frame).  What
 * www.alphaess.com sends a battery: answers (F2 2, the F3 of the
 * battery's request, {"Status":"Success"}) and commands (F2 1, F3 8,
 * {"CmdIndex":..,"Command":..}).
 *
 * Its answer to the battery's serial request (F3 3) may carry the
 * whole configuration, which the battery takes as new settings; with
 * any key besides Status it is a configuration write.  Of the commands,
 * Resume asks for the history the cloud lacks (a read); SetConfig and
 * SyncTime set something; one that names an update, upgrade or
 * firmware is one.
 */

#include <ctype.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "pvgate.h"
#include "proto.h"
#include "alphaess.h"
#include "cloud.h"

#define AEC_SOF		0x01
#define AEC_REQUEST	0x01
#define AEC_RESPONSE	0x02
#define AEC_HDRLEN	7
#define AEC_MINLEN	9
#define AEC_SERIAL	3	/* the serial request */
#define AEC_COMMAND	8	/* the cloud's commands */
#define AEC_NAMEMAX	32	/* of a command name, shown */
#define AEC_KEY(cmd)	(0x100U | (cmd))

static void	aec_answer(uint8_t, const uint8_t *, size_t,
		    struct cloud_verdict *);
static void	aec_command(const uint8_t *, size_t, struct cloud_verdict *);
static int	aec_contains(const struct ae_str *, const char *);

/* every request of the battery is answered with its command */
uint32_t
alphaess_cloud_key(const uint8_t *buf, size_t len)
{
	if (len < AEC_MINLEN || buf[0] != AEC_SOF || buf[1] != AEC_REQUEST ||
	    buf[2] == AEC_COMMAND)
		return (0);
	return (AEC_KEY(buf[2]));
}

void
alphaess_cloud_judge(const uint8_t *buf, size_t len, struct cloud_verdict *v)
{
	if (len < AEC_MINLEN || buf[0] != AEC_SOF ||
	    (buf[1] != AEC_REQUEST && buf[1] != AEC_RESPONSE) ||
	    (size_t)pv_be32(buf + 3) != len - AEC_MINLEN) {
		cloud_set(v, CK_UNPARSED, "malformed frame of %zu bytes",
		    len);
		return;
	}
	if (pv_crc16_modbus(buf, len - 2) != pv_be16(buf + len - 2)) {
		cloud_set(v, CK_UNPARSED, "bad CRC");
		return;
	}
	if (buf[1] == AEC_RESPONSE)
		aec_answer(buf[2], buf + AEC_HDRLEN, len - AEC_MINLEN, v);
	else if (buf[2] == AEC_COMMAND)
		aec_command(buf + AEC_HDRLEN, len - AEC_MINLEN, v);
	else
		cloud_set(v, CK_UNKNOWN, "request of command %u", buf[2]);
	/* an answer's key is the command it answers */
	if (v->reply)
		v->key = AEC_KEY(buf[2]);
}

/* {"Status":"..."} and nothing else, or the configuration */
static void
aec_answer(uint8_t cmd, const uint8_t *p, size_t n, struct cloud_verdict *v)
{
	struct ae_json	 j;
	struct ae_str	 k, val;
	int		 type, r, status = 0, others = 0;

	aj_init(&j, p, n);
	while ((r = aj_next(&j, &k, &val, &type)) == 1) {
		if (ae_is(&k, "Status") && type == AJ_STRING)
			status++;
		else
			others++;
	}
	if (r == -1) {
		cloud_set(v, CK_UNPARSED, "answer to command %u: %s", cmd,
		    j.err != NULL ? j.err : "bad JSON");
		return;
	}
	if (others > 0 && cmd == AEC_SERIAL)
		cloud_reply(v, 0, CK_CONFIG, "configuration answer with %d "
		    "settings", others);
	else if (others > 0 || status != 1)
		cloud_reply(v, 0, CK_UNKNOWN, "answer to command %u with %d "
		    "keys besides Status", cmd, others);
	else
		cloud_reply(v, 0, CK_ACK, "answer to command %u", cmd);
}

static void
aec_command(const uint8_t *p, size_t n, struct cloud_verdict *v)
{
	struct ae_json	 j;
	struct ae_str	 k, val, name;
	char		 text[AEC_NAMEMAX + 1];
	int		 type, r, have = 0;

	aj_init(&j, p, n);
	while ((r = aj_next(&j, &k, &val, &type)) == 1)
		if (ae_is(&k, "Command") && type == AJ_STRING) {
			name = val;
			have++;
		}
	if (r == -1 || have != 1) {
		cloud_set(v, CK_UNPARSED, "command: %s", r == -1 &&
		    j.err != NULL ? j.err : "no one Command");
		return;
	}
	pv_text(text, sizeof(text), name.p, name.len);
	if (ae_is(&name, "Resume"))
		cloud_set(v, CK_READ, "command %s", text);
	else if (aec_contains(&name, "update") ||
	    aec_contains(&name, "upgrade") ||
	    aec_contains(&name, "firmware"))
		cloud_set(v, CK_FIRMWARE, "command %s", text);
	else if (ae_is(&name, "SetConfig") || ae_is(&name, "SyncTime"))
		cloud_set(v, CK_CONFIG, "command %s", text);
	else
		cloud_set(v, CK_CONTROL, "command %s", text);
}

/* does s hold word, in any case? */
static int
aec_contains(const struct ae_str *s, const char *word)
{
	size_t	i, k, n = strlen(word);

	for (i = 0; i + n <= s->len; i++) {
		for (k = 0; k < n; k++)
			if (tolower(s->p[i + k]) != word[k])
				break;
		if (k == n)
			return (1);
	}
	return (0);
}
