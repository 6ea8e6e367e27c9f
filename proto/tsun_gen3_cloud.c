/*
 * TSUN GEN3, the cloud's side (see tsun_gen3.c for the frame).  What
 * logger.talent-monitoring.com sends a stick: its answers (contact info
 * 0x91/0x00 "01", the time 0x91/0x22 with 8 bytes, heartbeats
 * 0x99/0x99 "02", data 0x99/0x71 and 0x99/0x04 "01"), Modbus RTU
 * requests (0x70/0x77: 4 bytes, a length byte, the RTU frame) and
 * firmware updates (message 0x13: 4 bytes, then the download URL and
 * more as Pascal strings).
 */

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "pvgate.h"
#include "proto.h"
#include "cloud.h"

#define G3C_LENLEN	4
#define G3C_MINHDR	5
#define G3C_MAXID	17
#define G3C_IND		0x91
#define G3C_RSP		0x99
#define G3C_REQ		0x70
#define G3C_CONTACT	0x00
#define G3C_INVERTER	0x04
#define G3C_OTA		0x13
#define G3C_TIME	0x22
#define G3C_COLLECTOR	0x71
#define G3C_MODBUS	0x77
#define G3C_HEARTBEAT	0x99
#define G3C_MBHDR	5	/* 4 bytes, the RTU length */
#define G3C_OTAHDR	4	/* before the URL */
#define G3C_URLMAX	64	/* of a URL, shown */
#define G3C_KEY(msg)	(0x100U | (msg))

struct g3c_frame {
	uint8_t		 ctrl;
	uint8_t		 msg;
	const uint8_t	*p;
	size_t		 plen;
};

static int	g3c_cut(const uint8_t *, size_t, struct g3c_frame *);
static void	g3c_ack(const struct g3c_frame *, struct cloud_verdict *);
static void	g3c_ota(const struct g3c_frame *, struct cloud_verdict *);

static int
g3c_cut(const uint8_t *buf, size_t len, struct g3c_frame *f)
{
	size_t	idlen;

	if (len < G3C_MINHDR || pv_be32(buf) != len - G3C_LENLEN)
		return (-1);
	idlen = buf[G3C_LENLEN];
	if (idlen > G3C_MAXID || len < G3C_MINHDR + idlen + 2)
		return (-1);
	f->ctrl = buf[G3C_MINHDR + idlen];
	f->msg = buf[G3C_MINHDR + idlen + 1];
	f->p = buf + G3C_MINHDR + idlen + 2;
	f->plen = len - (G3C_MINHDR + idlen + 2);
	return (0);
}

/* the frames the stick sends that the cloud answers */
uint32_t
gen3_cloud_key(const uint8_t *buf, size_t len)
{
	struct g3c_frame	f;

	if (g3c_cut(buf, len, &f) == -1 || f.ctrl != G3C_IND)
		return (0);
	switch (f.msg) {
	case G3C_CONTACT:
	case G3C_TIME:
	case G3C_HEARTBEAT:
	case G3C_COLLECTOR:
	case G3C_INVERTER:
		return (G3C_KEY(f.msg));
	}
	return (0);
}

void
gen3_cloud_judge(const uint8_t *buf, size_t len, struct cloud_verdict *v)
{
	struct g3c_frame	f;

	if (g3c_cut(buf, len, &f) == -1) {
		cloud_set(v, CK_UNPARSED, "malformed frame of %zu bytes",
		    len);
		return;
	}
	if (f.msg == G3C_OTA) {
		g3c_ota(&f, v);
		return;
	}
	if (f.ctrl == G3C_REQ && f.msg == G3C_MODBUS) {
		if (f.plen < G3C_MBHDR || f.p[G3C_MBHDR - 1] !=
		    f.plen - G3C_MBHDR)
			cloud_set(v, CK_UNPARSED, "Modbus command of %zu bytes",
			    f.plen);
		else
			(void)cloud_rtu(f.p + G3C_MBHDR, f.plen - G3C_MBHDR,
			    v);
		return;
	}
	g3c_ack(&f, v);
}

/* an answer: the control byte and payload the cloud uses, exactly */
static void
g3c_ack(const struct g3c_frame *f, struct cloud_verdict *v)
{
	int	ok;

	switch (f->msg) {
	case G3C_CONTACT:
		ok = f->ctrl == G3C_IND && f->plen == 1 && f->p[0] == 0x01;
		break;
	case G3C_TIME:
		ok = f->ctrl == G3C_IND && f->plen == 8;
		break;
	case G3C_HEARTBEAT:
		ok = f->ctrl == G3C_RSP && f->plen == 1 && f->p[0] == 0x02;
		break;
	case G3C_COLLECTOR:
	case G3C_INVERTER:
		ok = f->ctrl == G3C_RSP && f->plen == 1 && f->p[0] == 0x01;
		break;
	default:
		cloud_set(v, CK_UNKNOWN, "message 0x%02x, control 0x%02x",
		    f->msg, f->ctrl);
		return;
	}
	if (ok)
		cloud_reply(v, G3C_KEY(f->msg), CK_ACK, "answer to message "
		    "0x%02x", f->msg);
	else
		cloud_reply(v, G3C_KEY(f->msg), CK_UNKNOWN, "answer to "
		    "message 0x%02x: control 0x%02x, %zu bytes", f->msg,
		    f->ctrl, f->plen);
}

/* whatever its control byte, an update is an update: show its URL */
static void
g3c_ota(const struct g3c_frame *f, struct cloud_verdict *v)
{
	char	url[G3C_URLMAX + 1];
	size_t	n;

	if (f->plen > G3C_OTAHDR) {
		n = f->p[G3C_OTAHDR];
		if (n > f->plen - G3C_OTAHDR - 1)
			n = f->plen - G3C_OTAHDR - 1;
		pv_text(url, sizeof(url), f->p + G3C_OTAHDR + 1, n);
	} else
		url[0] = '\0';
	cloud_set(v, CK_FIRMWARE, "OTA update (control 0x%02x) %s", f->ctrl,
	    url);
}
