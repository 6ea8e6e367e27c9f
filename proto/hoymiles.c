/*
 * Hoymiles DTUs (DTU-Pro, DTU-Lite, DTU-WLite and the DTU inside the
 * HMS-xxxW-nT inverters) on TCP port 10081, protobuf payloads.  Two
 * roles:
 *
 *  - cloud: a DTU connects to us as if we were its data server.  Every
 *    frame it starts gets its 0x23xx answer at once, with the same
 *    sequence number and our clock; what it uploads becomes records.
 *    We never send commands or configuration (0x2305, 0x2307, 0x2308).
 *    The DTU is admitted (accept = known) before its frame is answered:
 *    an unknown one gets no byte back, and its connection is closed.
 *  - local poller: a connector dials a DTU (a [device] with client and
 *    interval) and asks for its real-time data with 0xA311, one package
 *    at a time, never two requests at once.  Where the [device] allows
 *    power_limit, each poll cycle (and each power_limit command) ends
 *    with 0xA309 GetConfig: the DTU's power limit, field 5 of its
 *    answer in tenths of a percent as hoymiles-wifi reads it, becomes
 *    the DTU's power_limit, which Home Assistant's number shows.
 *
 * Frame, integers big-endian:
 *
 *	0	"HM"
 *	2	u16 command
 *	4	u16 sequence
 *	6	u16 CRC-16/MODBUS of the payload
 *	8	u16 frame length, header included
 *	10	payload: one protobuf message (hoymiles.proto)
 *
 * The gateway and storage families (0xC2xx, 0xC3xx, 0xDAxx, 0xDBxx)
 * have 14 more header bytes before the payload.  Firmware that encrypts
 * (AES-128-GCM) sends a 16-byte tag after the length the header gives;
 * we cannot read such payloads and dump them.
 *
 * Unpacking allocates: protobuf-c gets an allocator over a fixed arena
 * that is reset for every frame, so nothing is allocated per frame and
 * a frame that needs more than the arena is dumped.  A multi-package
 * upload is merged in the connection's state (bounded) and exported
 * once all its packages are in.
 */

#include <inttypes.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <protobuf-c/protobuf-c.h>

#include "pvgate.h"
#include "proto.h"
#include "cmd.h"
#include "hoymiles.pb-c.h"

#define HM_HDRLEN		10
#define HM_EXTHDRLEN		24	/* 0xC2xx, 0xC3xx, 0xDAxx, 0xDBxx */
#define HM_TAGLEN		16	/* AES-GCM tag after the frame */
#define HM_REPLY		0x0100	/* 0x22xx -> 0x23xx */

/* cloud scope, DTU to cloud */
#define HM_DTU_DEVDATA		0x2201
#define HM_DTU_HEARTBEAT	0x2202
#define HM_DTU_REALDATA		0x2203
#define HM_DTU_HISTORY		0x2204
#define HM_DTU_CMDSTATUS	0x2206
#define HM_DTU_WAVE		0x220a
#define HM_DTU_ALARMS		0x220b
#define HM_DTU_REALDATANEW	0x220c
#define HM_DTU_HISTORYNEW	0x220d
#define HM_DTU_CFGREPORT	0x220e
/* app scope: our request and the DTU's answer */
#define HM_APP_REALDATANEW_REQ	0xa311
#define HM_APP_REALDATANEW	0xa211
#define HM_APP_GETCONFIG_REQ	0xa309
#define HM_APP_GETCONFIG	0xa209
#define HM_LIMIT_MAX		1000	/* tenths of a percent */

#define HM_ARENA		(256 * 1024)
#define HM_OUTMAX		256	/* largest reply payload */
#define HM_SNLEN		33	/* serial strings, NUL included */
#define HM_MAXPKG		32	/* packages of one upload */
#define HM_MAXINV		128	/* inverters of one upload */
#define HM_MAXPORT		512	/* PV ports of one upload */
#define HM_MAXMETER		8
#define HM_MAXPORTNO		12	/* pv<N>: N in 1 .. this */
#define HM_METERF		25	/* fields of a meter */
#define HM_TIME_MIN		1577836800	/* 2020-01-01: a set clock */

#define HM_POLL_MIN		30	/* s between polls, at least */
#define HM_TIMEOUT		10000	/* ms for an answer, by default */
#define HM_MISSES		2	/* timeouts in a row: redial */
#define HM_KNOWN		32	/* inverters a command may name */
#define HM_HOLD			1000	/* ms a poll waits for a command */

enum hm_layout {
	HM_LAYOUT_NONE,
	HM_LAYOUT_OLD,		/* RealData: 0x2203, 0x2204, 0xA203 */
	HM_LAYOUT_NEW		/* RealDataNew: 0x220C, 0x220D, 0xA211 */
};

enum hm_grid_kind {
	HM_GRID_NONE,		/* only PV ports seen */
	HM_GRID_1P,
	HM_GRID_3P
};

/* one inverter's grid side, raw units of the wire */
struct hm_grid {
	int64_t		sn;
	int32_t		v[3];		/* phase voltages, 0.1 V */
	int32_t		vl[3];		/* line voltages AB BC CA, 0.1 V */
	int32_t		i[3];		/* phase currents, 0.01 A */
	int32_t		freq;		/* 0.01 Hz */
	int32_t		p;		/* 0.1 W */
	int32_t		q;		/* 0.1 var */
	int32_t		pf;		/* 0.1 % */
	int32_t		temp;		/* 0.1 C */
	int32_t		link;
	uint8_t		kind;		/* enum hm_grid_kind */
};

struct hm_port {
	int64_t		sn;
	int32_t		port;		/* 1-based */
	int32_t		v;		/* 0.1 V */
	int32_t		i;		/* 0.01 A */
	int32_t		p;		/* 0.1 W */
	int32_t		etotal;		/* Wh */
	int32_t		etoday;		/* Wh */
	uint8_t		today;		/* etoday is known */
};

struct hm_meter {
	int64_t		sn;
	int32_t		f[HM_METERF];	/* field n at f[n - 1] */
};

/* an upload being merged from its packages */
struct hm_upload {
	char		dtu[HM_SNLEN];
	int32_t		time;
	int32_t		ap;		/* packages */
	uint32_t	got;		/* bit cp: package cp is in */
	uint8_t		layout;		/* enum hm_layout */
	uint8_t		totals;		/* dtu_power, dtu_energy known */
	uint64_t	dtu_power;	/* 0.1 W */
	uint64_t	dtu_energy;	/* Wh today */
	int		ngrid, nport, nmeter;
	int		left;		/* entries left out */
	const char	*why;		/* why the first was */
	struct hm_grid	grid[HM_MAXINV];
	struct hm_port	port[HM_MAXPORT];
	struct hm_meter	meter[HM_MAXMETER];
};

struct hm_state {
	char		claimed[HM_SNLEN];
	char		refused[HM_SNLEN];	/* accept = known said no */
	uint8_t		dialled;	/* a poller's connection */
	uint8_t		pending;	/* a request is out */
	uint8_t		misses;		/* timeouts in a row */
	uint8_t		asked;		/* requests in this poll cycle */
	uint8_t		config;		/* the request out is 0xA309 */
	uint8_t		configured;	/* asked for it in this cycle */
	uint16_t	seq;		/* of the last request */
	int		nknown;
	int64_t		known[HM_KNOWN];	/* inverters last uploaded */
	struct hm_upload up;
};

/* a frame the header checks passed */
struct hm_frame {
	const uint8_t	*buf;
	size_t		 len;
	uint16_t	 cmd;
	uint16_t	 seq;
	const uint8_t	*payload;
	size_t		 plen;
};

/* the time fields every message to a DTU carries */
struct hm_clock {
	int32_t		time;
	int32_t		offset;
	char		ymd_hms[32];
};

static void	*hm_alloc(void *, size_t);
static void	 hm_free(void *, void *);
static void	 hm_arena_reset(void);
static size_t	 hm_hdrlen(uint16_t);
static void	 hm_put16(uint8_t *, uint16_t);
static int	 hm_parse(struct pvctx *, const uint8_t *, size_t,
		    struct hm_frame *);
static ProtobufCMessage *hm_unpack(struct pvctx *, const struct hm_frame *,
		    const ProtobufCMessageDescriptor *);
static int	 hm_serial_ok(const char *, int);
static uint64_t	 hm_snfield(uint16_t);
static int	 hm_text(const struct hm_frame *, uint64_t, char *, size_t);
static int	 hm_admit(struct pvctx *, struct hm_state *,
		    const struct hm_frame *);
static int	 hm_admitted(struct pvctx *, struct hm_state *,
		    const struct hm_frame *, const char *);
static const char *hm_dtu(struct pvctx *, struct hm_state *,
		    const struct hm_frame *, const char *);
static void	 hm_serial(char *, size_t, int64_t);
static void	 hm_clock(time_t, struct hm_clock *);
static int	 hm_send(struct pvctx *, uint16_t, uint16_t,
		    const ProtobufCMessage *);
static void	 hm_ack(struct pvctx *, const struct hm_frame *, int32_t);
static void	 hm_claim(struct pvctx *, struct hm_state *, const char *);
static void	 hm_cloud(struct pvctx *, struct hm_state *,
		    const struct hm_frame *);
static void	 hm_heartbeat(struct pvctx *, struct hm_state *,
		    const struct hm_frame *);
static void	 hm_devdata(struct pvctx *, struct hm_state *,
		    const struct hm_frame *);
static void	 hm_devrecords(struct pvctx *, const Hm__DevDataFromDtu *,
		    const char *);
static void	 hm_undecoded(struct pvctx *, const struct hm_frame *);
static void	 hm_cmdstatus(struct pvctx *, struct hm_state *,
		    const struct hm_frame *);
static void	 hm_package(struct pvctx *, struct hm_state *,
		    const struct hm_frame *);
static void	 hm_cfgreport(struct pvctx *, struct hm_state *,
		    const struct hm_frame *);
static int	 hm_wire(const uint8_t *, size_t, size_t *, uint64_t *,
		    uint64_t *);
static int64_t	 hm_echo(const struct hm_frame *, uint64_t);
static int	 hm_layout(const uint8_t *, size_t, int);
static int	 hm_realtime(struct pvctx *, struct hm_state *,
		    const struct hm_frame *, int);
static void	 hm_clear(struct hm_upload *);
static int	 hm_begin(struct pvctx *, struct hm_state *, const char *,
		    int32_t, int32_t, int32_t, int);
static void	 hm_leave(struct hm_upload *, const char *);
static struct hm_grid *hm_grid_get(struct hm_upload *, int64_t);
static struct hm_port *hm_port_get(struct hm_upload *, int64_t, int32_t);
static void	 hm_merge_sgs(struct hm_upload *, const Hm__Sgs *);
static void	 hm_merge_tgs(struct hm_upload *, const Hm__Tgs *);
static void	 hm_merge_new(struct hm_upload *,
		    const Hm__RealDataNewFromDtu *);
static void	 hm_merge_old(struct hm_upload *, const Hm__RealDataFromDtu *);
static void	 hm_merge_meter(struct hm_upload *, const Hm__Meter *);
static int	 hm_done(struct pvctx *, struct hm_state *,
		    const struct hm_frame *);
static void	 hm_export(struct pvctx *, struct hm_state *);
static void	 hm_inverter(struct pvctx *, const struct hm_upload *,
		    const struct hm_grid *, int64_t);
static void	 hm_meter_record(struct pvctx *, const struct hm_upload *,
		    const struct hm_meter *, int64_t);
static void	 hm_poll_send(struct pvctx *, struct hm_state *, int32_t);
static void	 hm_poll_answer(struct pvctx *, struct hm_state *,
		    const struct hm_frame *);
static void	 hm_poll_next(struct pvctx *, struct hm_state *);
static void	 hm_poll_wait(struct pvctx *, struct hm_state *);
static unsigned int hm_poll_timeout(const struct pvctx *);
static int	 hm_config_wanted(const struct pvctx *, const struct hm_state *);
static void	 hm_config_send(struct pvctx *, struct hm_state *);
static void	 hm_config_answer(struct pvctx *, struct hm_state *,
		    const struct hm_frame *);

/*
 * The arena: protobuf-c's allocations while one frame is unpacked.
 * Everything is released at once by the reset before the next frame.
 */
static union {
	max_align_t	align;
	uint8_t		b[HM_ARENA];
} hm_mem;
static size_t		hm_used;
static int		hm_full;

static ProtobufCAllocator hm_allocator = { hm_alloc, hm_free, NULL };

static void *
hm_alloc(void *data, size_t size)
{
	size_t	a = _Alignof(max_align_t), n;
	void	*p;

	(void)data;
	n = (size + a - 1) / a * a;
	if (size > HM_ARENA || n > HM_ARENA - hm_used) {
		hm_full = 1;
		return (NULL);
	}
	p = hm_mem.b + hm_used;
	hm_used += n;
	return (p);
}

static void
hm_free(void *data, void *p)
{
	(void)data;
	(void)p;
}

static void
hm_arena_reset(void)
{
	hm_used = 0;
	hm_full = 0;
}

size_t
hoymiles_statesize(void)
{
	return (sizeof(struct hm_state));
}

static size_t
hm_hdrlen(uint16_t cmd)
{
	switch (cmd >> 8) {
	case 0xc2:
	case 0xc3:
	case 0xda:
	case 0xdb:
		return (HM_EXTHDRLEN);
	default:
		return (HM_HDRLEN);
	}
}

static void
hm_put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

/*
 * Length fields and bounds only.  Anything that does not start with
 * "HM" is skipped up to the next "HM".  When the bytes after a frame
 * are not "HM" but 16 bytes later are (or the buffer ends there), they
 * are the tag of an encrypted frame and go with it.
 *
 * The "exceeds maximum" reason lives in a static buffer: the listener
 * uses it before it calls the framer again.
 */
int
hoymiles_frame(const uint8_t *buf, size_t len, size_t max, size_t *n,
    const char **why)
{
	static char	toobig[PV_REASONLEN];
	size_t		flen, i;

	if (len == 0)
		return (FRAME_MORE);
	if (buf[0] != 'H' || (len > 1 && buf[1] != 'M')) {
		for (i = 1; i < len; i++)
			if (buf[i] == 'H' && (i + 1 == len || buf[i + 1] == 'M'))
				break;
		*n = i;
		*why = "no HM magic";
		return (FRAME_SKIP);
	}
	if (len < HM_HDRLEN)
		return (FRAME_MORE);
	flen = pv_be16(buf + 8);
	if (flen < HM_HDRLEN) {
		*n = 2;
		*why = "frame length below the header size";
		return (FRAME_SKIP);
	}
	if (flen > max) {
		(void)snprintf(toobig, sizeof(toobig),
		    "frame length %zu exceeds maximum %zu", flen, max);
		*why = toobig;
		return (FRAME_CLOSE);
	}
	if (len < flen)
		return (FRAME_MORE);
	*n = flen;
	if (len >= flen + HM_TAGLEN && flen + HM_TAGLEN <= max &&
	    (buf[flen] != 'H' || buf[flen + 1] != 'M') &&
	    (len == flen + HM_TAGLEN || (len >= flen + HM_TAGLEN + 2 &&
	    buf[flen + HM_TAGLEN] == 'H' && buf[flen + HM_TAGLEN + 1] == 'M')))
		*n = flen + HM_TAGLEN;
	return (FRAME_OK);
}

/* the header checks; -1: dumped */
static int
hm_parse(struct pvctx *ctx, const uint8_t *buf, size_t len,
    struct hm_frame *f)
{
	size_t		flen, hdr;
	uint16_t	crc;

	if (len < HM_HDRLEN || buf[0] != 'H' || buf[1] != 'M') {
		pv_dump(ctx, buf, len, "malformed frame of %zu bytes", len);
		return (-1);
	}
	f->buf = buf;
	f->len = len;
	f->cmd = pv_be16(buf + 2);
	f->seq = pv_be16(buf + 4);
	flen = pv_be16(buf + 8);
	hdr = hm_hdrlen(f->cmd);
	if (flen < hdr || (flen != len && flen + HM_TAGLEN != len)) {
		pv_dump(ctx, buf, len, "0x%04x: length field %zu in a frame "
		    "of %zu bytes", f->cmd, flen, len);
		return (-1);
	}
	if (flen + HM_TAGLEN == len) {
		pv_dump(ctx, buf, len, "0x%04x: encrypted payload (an AES-GCM "
		    "tag follows the frame)", f->cmd);
		return (-1);
	}
	f->payload = buf + hdr;
	f->plen = flen - hdr;
	if ((crc = pv_crc16_modbus(f->payload, f->plen)) != pv_be16(buf + 6)) {
		pv_dump(ctx, buf, len, "0x%04x: bad CRC 0x%04x, computed "
		    "0x%04x", f->cmd, pv_be16(buf + 6), crc);
		return (-1);
	}
	return (0);
}

void
hoymiles_decode(struct pvctx *ctx, const uint8_t *buf, size_t len)
{
	struct hm_state	*st = ctx->state;
	struct hm_frame	 f;
	int		 limit;

	if (st == NULL) {
		pv_dump(ctx, buf, len, "no connection state");
		return;
	}
	if (hm_parse(ctx, buf, len, &f) == -1)
		return;
	if (ctx->cmd != NULL && st->dialled) {
		limit = ctx->cmd->id == CMD_POWER_LIMIT;
		if (hoymiles_cmd_answer(ctx, f.cmd, f.seq, f.payload,
		    f.plen)) {
			/* what the limit is now, rather than at the next
			 * poll */
			if (limit && !st->pending && hm_config_wanted(ctx,
			    NULL))
				hm_config_send(ctx, st);
			return;
		}
	}
	if (f.cmd == HM_APP_REALDATANEW && st->dialled)
		hm_poll_answer(ctx, st, &f);
	else if (f.cmd == HM_APP_GETCONFIG && st->dialled)
		hm_config_answer(ctx, st, &f);
	else if ((f.cmd >> 8) == (HM_DTU_HEARTBEAT >> 8) && !st->dialled) {
		if (hm_admit(ctx, st, &f) == 0)
			hm_cloud(ctx, st, &f);
	} else
		pv_dump(ctx, buf, len, "unexpected command 0x%04x", f.cmd);
}

/* what a DTU sends its cloud */
static void
hm_cloud(struct pvctx *ctx, struct hm_state *st, const struct hm_frame *f)
{
	switch (f->cmd) {
	case HM_DTU_HEARTBEAT:
		hm_heartbeat(ctx, st, f);
		break;
	case HM_DTU_DEVDATA:
		hm_devdata(ctx, st, f);
		break;
	case HM_DTU_REALDATA:
	case HM_DTU_HISTORY:
		(void)hm_realtime(ctx, st, f, HM_LAYOUT_OLD);
		break;
	case HM_DTU_REALDATANEW:
	case HM_DTU_HISTORYNEW:
		(void)hm_realtime(ctx, st, f, HM_LAYOUT_NEW);
		break;
	case HM_DTU_CMDSTATUS:
		hm_cmdstatus(ctx, st, f);
		break;
	case HM_DTU_WAVE:
	case HM_DTU_ALARMS:
		hm_package(ctx, st, f);
		break;
	case HM_DTU_CFGREPORT:
		hm_cfgreport(ctx, st, f);
		break;
	default:
		pv_dump(ctx, f->buf, f->len, "unexpected command 0x%04x",
		    f->cmd);
		break;
	}
}

/* unpack the payload as desc in the arena; NULL: dumped */
static ProtobufCMessage *
hm_unpack(struct pvctx *ctx, const struct hm_frame *f,
    const ProtobufCMessageDescriptor *desc)
{
	ProtobufCMessage	*m;

	hm_arena_reset();
	m = protobuf_c_message_unpack(desc, &hm_allocator, f->plen,
	    f->payload);
	if (m != NULL)
		return (m);
	if (hm_full)
		pv_dump(ctx, f->buf, f->len, "0x%04x: %s needs more than %d "
		    "bytes to unpack", f->cmd, desc->short_name, HM_ARENA);
	else
		pv_dump(ctx, f->buf, f->len, "0x%04x: payload is not a %s "
		    "message (encrypted?)", f->cmd, desc->short_name);
	return (NULL);
}

/* printable, no blank, not too long; empty only where allowed */
static int
hm_serial_ok(const char *s, int empty)
{
	size_t	i;

	for (i = 0; s[i] != '\0'; i++)
		if (i >= HM_SNLEN - 1 || s[i] <= ' ' || s[i] > '~')
			return (0);
	return (i > 0 || empty);
}

/* the field of its serial in what a DTU sends; 0: it has none we know */
static uint64_t
hm_snfield(uint16_t cmd)
{
	switch (cmd) {
	case HM_DTU_HEARTBEAT:
		return (4);
	case HM_DTU_CFGREPORT:
		return (6);
	case HM_DTU_DEVDATA:
	case HM_DTU_REALDATA:
	case HM_DTU_HISTORY:
	case HM_DTU_CMDSTATUS:
	case HM_DTU_WAVE:
	case HM_DTU_ALARMS:
	case HM_DTU_REALDATANEW:
	case HM_DTU_HISTORYNEW:
		return (1);
	default:
		return (0);
	}
}

/*
 * A string field of a frame not yet unpacked, as the unpacking will
 * give it to us: its last occurrence, as C text (up to a NUL byte),
 * cut to len - 1 bytes.  -1 if the readable part of the payload has
 * no such field.
 */
static int
hm_text(const struct hm_frame *f, uint64_t field, char *dst, size_t len)
{
	const uint8_t	*s = NULL, *nul;
	size_t		 off = 0, n = 0;
	uint64_t	 tag, v;

	while (field != 0 && off < f->plen &&
	    hm_wire(f->payload, f->plen, &off, &tag, &v) == 0)
		if (tag >> 3 == field && (tag & 7) == 2) {
			s = f->payload + off - v;
			n = (size_t)v;
		}
	if (s == NULL || len == 0)
		return (-1);
	if ((nul = memchr(s, '\0', n)) != NULL)
		n = (size_t)(nul - s);
	if (n >= len)
		n = len - 1;
	memcpy(dst, s, n);
	dst[n] = '\0';
	return (0);
}

/*
 * accept = known, asked before a frame a DTU starts is answered: may
 * the DTU it speaks for be served?  That is the serial the payload
 * names or, when it names none (or none that is a serial), the one the
 * connection claimed.  A frame that names no DTU on a connection that
 * named none has nobody to refuse: it is answered, and makes no
 * record.  0: serve the frame; -1: refused and dumped.
 */
static int
hm_admit(struct pvctx *ctx, struct hm_state *st, const struct hm_frame *f)
{
	char		 sn[HM_SNLEN];
	const char	*name = st->claimed;

	if (st->refused[0] != '\0')
		name = st->refused;
	else if (hm_text(f, hm_snfield(f->cmd), sn, sizeof(sn)) == 0 &&
	    hm_serial_ok(sn, 0))
		name = sn;
	if (name[0] == '\0')
		return (0);
	return (hm_admitted(ctx, st, f, name));
}

/*
 * pv_admit() for a serial; once refused, a connection stays refused:
 * every frame it sends after is dumped for the same reason and gets
 * nothing back.  -1: refused, the frame dumped.
 */
static int
hm_admitted(struct pvctx *ctx, struct hm_state *st, const struct hm_frame *f,
    const char *sn)
{
	if (st->refused[0] == '\0') {
		if (pv_admit(ctx, sn))
			return (0);
		(void)strlcpy(st->refused, sn, sizeof(st->refused));
	}
	pv_dump(ctx, f->buf, f->len, "unknown device %s", st->refused);
	return (-1);
}

/*
 * The DTU a frame speaks for: the serial it names or, when it names
 * none (proto3 leaves an empty string out, and a DTU may send an empty
 * message), the one that earlier frames on the connection named, or on
 * a poller's connection the device it dialled.  On a cloud connection
 * the DTU is admitted (hm_admit() asked for the same serial before the
 * answer) and claimed.  NULL, dumped, when there is no such DTU or the
 * serial is garbage; the frame has had its answer already.
 */
static const char *
hm_dtu(struct pvctx *ctx, struct hm_state *st, const struct hm_frame *f,
    const char *sn)
{
	if (sn == NULL || sn[0] == '\0') {
		if (st->claimed[0] != '\0')
			return (st->claimed);
		if (st->dialled && ctx->dev != NULL &&
		    hm_serial_ok(ctx->dev->name, 0))
			return (ctx->dev->name);
		pv_dump(ctx, f->buf, f->len, "0x%04x: no DTU serial, and no "
		    "earlier frame on the connection named one", f->cmd);
		return (NULL);
	}
	if (!hm_serial_ok(sn, 0)) {
		pv_dump(ctx, f->buf, f->len, "0x%04x: no printable DTU serial "
		    "(encrypted payload?)", f->cmd);
		return (NULL);
	}
	if (st->dialled)
		return (sn);
	if (hm_admitted(ctx, st, f, sn) == -1)
		return (NULL);
	hm_claim(ctx, st, sn);
	return (st->claimed);
}

/* inverter and meter serials: the hex digits are the printed serial */
static void
hm_serial(char *dst, size_t len, int64_t sn)
{
	(void)snprintf(dst, len, "%012" PRIX64, (uint64_t)sn);
}

/* now, the local zone's offset and local time as text */
static void
hm_clock(time_t now, struct hm_clock *c)
{
	struct tm	tm;

	c->time = (int32_t)now;
	if (localtime_r(&now, &tm) == NULL) {
		c->offset = 0;
		(void)gmtime_r(&now, &tm);
	} else
		c->offset = (int32_t)tm.tm_gmtoff;
	if (strftime(c->ymd_hms, sizeof(c->ymd_hms), "%Y-%m-%d %H:%M:%S",
	    &tm) == 0)
		c->ymd_hms[0] = '\0';
}

/* frame a message and send it; -1 if it does not fit */
static int
hm_send(struct pvctx *ctx, uint16_t cmd, uint16_t seq,
    const ProtobufCMessage *m)
{
	uint8_t	out[HM_HDRLEN + HM_OUTMAX];
	size_t	n;

	if ((n = protobuf_c_message_get_packed_size(m)) > HM_OUTMAX)
		return (-1);
	(void)protobuf_c_message_pack(m, out + HM_HDRLEN);
	out[0] = 'H';
	out[1] = 'M';
	hm_put16(out + 2, cmd);
	hm_put16(out + 4, seq);
	hm_put16(out + 6, pv_crc16_modbus(out + HM_HDRLEN, n));
	hm_put16(out + 8, (uint16_t)(HM_HDRLEN + n));
	pv_reply(ctx, out, HM_HDRLEN + n);
	return (0);
}

/* the ack of real-time, history, alarm and wave uploads */
static void
hm_ack(struct pvctx *ctx, const struct hm_frame *f, int32_t idx)
{
	Hm__PackageToDtu	a;
	struct hm_clock		c;

	hm_clock(ctx->now, &c);
	hm__package_to_dtu__init(&a);
	a.ymd_hms = c.ymd_hms;
	a.package_idx = idx;
	a.err_code = 0;
	a.offset = c.offset;
	a.time = c.time;
	(void)hm_send(ctx, f->cmd + HM_REPLY, f->seq, &a.base);
}

/* one connection per DTU: a newer one replaces the older */
static void
hm_claim(struct pvctx *ctx, struct hm_state *st, const char *sn)
{
	if (strcmp(st->claimed, sn) == 0)
		return;
	(void)strlcpy(st->claimed, sn, sizeof(st->claimed));
	pv_claim(ctx, sn);
}

/*
 * The cloud answers every frame a DTU starts, whatever its payload
 * holds: a DTU left without its ack sends again or keeps the data for
 * later.  What a frame that could not be read would have echoed (a
 * package index, a command's action and id) is taken from its top
 * level fields where they can be read, else 0.
 */
static void
hm_heartbeat(struct pvctx *ctx, struct hm_state *st,
    const struct hm_frame *f)
{
	Hm__HeartbeatFromDtu	*m;
	Hm__HeartbeatToDtu	 r;
	struct hm_clock		 c;

	m = (Hm__HeartbeatFromDtu *)hm_unpack(ctx, f,
	    &hm__heartbeat_from_dtu__descriptor);
	hm_clock(ctx->now, &c);
	hm__heartbeat_to_dtu__init(&r);
	r.offset = c.offset;
	r.time = c.time;
	r.ymd_hms = c.ymd_hms;
	(void)hm_send(ctx, f->cmd + HM_REPLY, f->seq, &r.base);
	if (m != NULL)
		(void)hm_dtu(ctx, st, f, m->dtu_sn);
}

static void
hm_devdata(struct pvctx *ctx, struct hm_state *st, const struct hm_frame *f)
{
	Hm__DevDataFromDtu	*m;
	Hm__DevDataToDtu	 r;
	struct hm_clock		 c;
	const char		*sn;

	m = (Hm__DevDataFromDtu *)hm_unpack(ctx, f,
	    &hm__dev_data_from_dtu__descriptor);
	hm_clock(ctx->now, &c);
	hm__dev_data_to_dtu__init(&r);
	r.ymd_hms = c.ymd_hms;
	r.offset = c.offset;
	r.package_idx = m != NULL ? m->package_idx : (int32_t)hm_echo(f, 6);
	r.err_code = 0;
	r.time = c.time;
	(void)hm_send(ctx, f->cmd + HM_REPLY, f->seq, &r.base);
	if (m != NULL && (sn = hm_dtu(ctx, st, f, m->dtu_sn)) != NULL)
		hm_devrecords(ctx, m, sn);
}

/*
 * Device records: the DTU with the version string of its radio module,
 * and each inverter with its firmware and hardware numbers as the DTU
 * reports them.
 */
static void
hm_devrecords(struct pvctx *ctx, const Hm__DevDataFromDtu *m,
    const char *dtu)
{
	struct record		 rec;
	const Hm__InverterInfo	*inv;
	const char		*v = NULL;
	char			 text[RECORD_ATTRLEN];
	size_t			 i;

	if (m->dtu != NULL && hm_serial_ok(m->dtu->wifi_version, 0))
		v = m->dtu->wifi_version;
	else if (m->dtu != NULL && hm_serial_ok(m->dtu->gprs_version, 0))
		v = m->dtu->gprs_version;
	if (v != NULL) {
		record_init(&rec, REC_DEVICE, PROTO_HOYMILES, ctx->now);
		(void)strlcpy(rec.device, dtu, sizeof(rec.device));
		record_attr(&rec, A_FIRMWARE, v);
		pv_record(ctx, &rec);
	}
	for (i = 0; i < m->n_inverters; i++) {
		if ((inv = m->inverters[i]) == NULL || inv->sn == 0)
			continue;
		record_init(&rec, REC_DEVICE, PROTO_HOYMILES, ctx->now);
		hm_serial(rec.device, sizeof(rec.device), inv->sn);
		(void)strlcpy(rec.via, dtu, sizeof(rec.via));
		(void)snprintf(text, sizeof(text), "%d", inv->sw_version);
		record_attr(&rec, A_FIRMWARE, text);
		(void)snprintf(text, sizeof(text), "%X",
		    (unsigned int)inv->hw_part_number);
		record_attr(&rec, A_HARDWARE, text);
		pv_record(ctx, &rec);
	}
}

/* what is acked and not decoded is dumped, unless there is nothing */
static void
hm_undecoded(struct pvctx *ctx, const struct hm_frame *f)
{
	if (f->plen > 0)
		pv_dump(ctx, f->buf, f->len, "0x%04x: acknowledged, payload "
		    "not decoded", f->cmd);
}

/* command status: acked, not decoded (we never send commands) */
static void
hm_cmdstatus(struct pvctx *ctx, struct hm_state *st,
    const struct hm_frame *f)
{
	Hm__CommandStatusFromDtu	*m;
	Hm__CommandStatusToDtu		 r;

	m = (Hm__CommandStatusFromDtu *)hm_unpack(ctx, f,
	    &hm__command_status_from_dtu__descriptor);
	hm__command_status_to_dtu__init(&r);
	r.time = (int32_t)ctx->now;
	if (m != NULL) {
		r.action = m->action;
		r.package_idx = m->package_idx;
		r.tid = m->tid;
	} else {
		r.action = (int32_t)hm_echo(f, 3);
		r.package_idx = (int32_t)hm_echo(f, 5);
		r.tid = hm_echo(f, 6);
	}
	r.err_code = 0;
	(void)hm_send(ctx, f->cmd + HM_REPLY, f->seq, &r.base);
	if (m != NULL && hm_dtu(ctx, st, f, m->dtu_sn) != NULL)
		hm_undecoded(ctx, f);
}

/* waves and alarms: acked, not decoded */
static void
hm_package(struct pvctx *ctx, struct hm_state *st, const struct hm_frame *f)
{
	Hm__PackageFromDtu	*m;

	m = (Hm__PackageFromDtu *)hm_unpack(ctx, f,
	    &hm__package_from_dtu__descriptor);
	hm_ack(ctx, f, m != NULL ? m->package_idx : (int32_t)hm_echo(f, 4));
	if (m != NULL && hm_dtu(ctx, st, f, m->dtu_sn) != NULL)
		hm_undecoded(ctx, f);
}

/*
 * A configuration report: acked as the cloud does, echoing the DTU's
 * and the device's serials (the known DTU's when the report names
 * none; a serial that is not text is left out), not decoded.
 */
static void
hm_cfgreport(struct pvctx *ctx, struct hm_state *st,
    const struct hm_frame *f)
{
	Hm__DevConfigReportFromDtu	*m;
	Hm__DevConfigReportToDtu	 r;
	const char			*sn = NULL;
	char				 dtu[HM_SNLEN];

	m = (Hm__DevConfigReportFromDtu *)hm_unpack(ctx, f,
	    &hm__dev_config_report_from_dtu__descriptor);
	if (m != NULL)
		sn = hm_dtu(ctx, st, f, m->dtu_sn);
	hm__dev_config_report_to_dtu__init(&r);
	r.time = (int32_t)ctx->now;
	r.tid = m != NULL ? m->tid : hm_echo(f, 2);
	(void)strlcpy(dtu, sn != NULL ? sn : st->claimed, sizeof(dtu));
	r.dtu_sn = dtu;
	if (m != NULL && hm_serial_ok(m->dev_sn, 1))
		r.dev_sn = m->dev_sn;
	r.package_idx = m != NULL ? m->package_idx : (int32_t)hm_echo(f, 11);
	r.rule_type = m != NULL ? m->rule_type : (int32_t)hm_echo(f, 12);
	(void)hm_send(ctx, f->cmd + HM_REPLY, f->seq, &r.base);
	if (sn == NULL)
		return;
	if (!hm_serial_ok(m->dev_sn, 1))
		pv_dump(ctx, f->buf, f->len, "0x%04x: acknowledged, device "
		    "serial not printable", f->cmd);
	else
		hm_undecoded(ctx, f);
}

/* a varint at *off; -1 if it runs past len or over ten bytes */
int
hm_varint(const uint8_t *p, size_t len, size_t *off, uint64_t *v)
{
	int	k;

	*v = 0;
	for (k = 0; k < 10 && *off < len; k++) {
		*v |= (uint64_t)(p[*off] & 0x7f) << (7 * k);
		if ((p[(*off)++] & 0x80) == 0)
			return (0);
	}
	return (-1);
}

/*
 * The top-level field at *off: its tag, and for a varint its value;
 * anything else is stepped over (v: its length).  -1 if the bytes are
 * not protobuf.
 */
static int
hm_wire(const uint8_t *p, size_t len, size_t *off, uint64_t *tag,
    uint64_t *v)
{
	if (hm_varint(p, len, off, tag) == -1)
		return (-1);
	switch (*tag & 7) {
	case 0:
		return (hm_varint(p, len, off, v));
	case 1:
		*v = 8;
		break;
	case 2:
		if (hm_varint(p, len, off, v) == -1)
			return (-1);
		break;
	case 5:
		*v = 4;
		break;
	default:
		return (-1);
	}
	if (*v > len - *off)
		return (-1);
	*off += (size_t)*v;
	return (0);
}

/*
 * A varint field of a frame that did not unpack, for its ack to echo:
 * the last value the readable part of the payload gives it, else 0.
 */
static int64_t
hm_echo(const struct hm_frame *f, uint64_t field)
{
	size_t		off = 0;
	uint64_t	tag, v, got = 0;

	while (off < f->plen &&
	    hm_wire(f->payload, f->plen, &off, &tag, &v) == 0)
		if (tag >> 3 == field && (tag & 7) == 0)
			got = v;
	return ((int64_t)got);
}

/*
 * Which real-time layout a payload has, by the wire types of the
 * fields where the two differ: 6, 7 and 11 are messages in the new
 * layout and numbers in the old; 12 and 13 exist only in the new.  A
 * payload that says neither is taken as nominal; one that is not
 * protobuf is left for the unpacking to refuse.
 */
static int
hm_layout(const uint8_t *p, size_t len, int nominal)
{
	size_t		off = 0;
	uint64_t	tag, field, v;
	unsigned int	wt;

	while (off < len && hm_wire(p, len, &off, &tag, &v) == 0) {
		field = tag >> 3;
		wt = tag & 7;
		if (field == 12 || field == 13)
			return (HM_LAYOUT_NEW);
		if ((field == 6 || field == 7 || field == 11) &&
		    (wt == 0 || wt == 2))
			return (wt == 2 ? HM_LAYOUT_NEW : HM_LAYOUT_OLD);
	}
	return (nominal);
}

/*
 * A real-time or history upload (or a poll answer): unpack it in the
 * layout its content has, ack it when it came to the cloud (even when
 * it cannot be read, or names no DTU we know), merge it
 * into the upload being assembled, export when all packages are in.
 * 1: the upload is complete and exported, 0: more packages to come,
 * -1: dumped, nothing merged.
 */
static int
hm_realtime(struct pvctx *ctx, struct hm_state *st, const struct hm_frame *f,
    int nominal)
{
	Hm__RealDataNewFromDtu	*n = NULL;
	Hm__RealDataFromDtu	*o = NULL;
	const char		*sn;
	int32_t			 time, ap, cp;
	int			 layout;

	layout = hm_layout(f->payload, f->plen, nominal);
	if (layout == HM_LAYOUT_NEW)
		n = (Hm__RealDataNewFromDtu *)hm_unpack(ctx, f,
		    &hm__real_data_new_from_dtu__descriptor);
	else
		o = (Hm__RealDataFromDtu *)hm_unpack(ctx, f,
		    &hm__real_data_from_dtu__descriptor);
	if (n != NULL) {
		sn = n->dtu_sn;
		time = n->time;
		ap = n->ap;
		cp = n->cp;
	} else if (o != NULL) {
		sn = o->dtu_sn;
		time = o->time;
		ap = o->package_count;
		cp = o->package_idx;
	} else {
		if (!st->dialled)
			hm_ack(ctx, f, (int32_t)hm_echo(f,
			    layout == HM_LAYOUT_NEW ? 4 : 6));
		return (-1);
	}
	if (!st->dialled)
		hm_ack(ctx, f, cp);
	if ((sn = hm_dtu(ctx, st, f, sn)) == NULL)
		return (-1);
	if (hm_begin(ctx, st, sn, time, ap, cp, layout) == -1) {
		pv_dump(ctx, f->buf, f->len, "0x%04x: package %d of %d out of "
		    "range", f->cmd, cp, ap);
		return (-1);
	}
	if (n != NULL)
		hm_merge_new(&st->up, n);
	else
		hm_merge_old(&st->up, o);
	return (hm_done(ctx, st, f));
}

/*
 * Start merging package cp of an upload.  A package belongs to another
 * upload when the DTU, the package count or the layout differ, or when
 * its index is in already with another time (a DTU may stamp each
 * package; one that sends a package again stamps it the same); what
 * there is of the one before is sent out first.  The upload keeps the
 * time of its first package.  -1: the package index is out of range.
 */
static int
hm_begin(struct pvctx *ctx, struct hm_state *st, const char *sn,
    int32_t time, int32_t ap, int32_t cp, int layout)
{
	struct hm_upload	*up = &st->up;

	if (ap == 0)
		ap = 1;		/* proto3: a lone package may say nothing */
	if (ap < 0 || ap > HM_MAXPKG || cp < 0 || cp >= ap)
		return (-1);
	if (up->got != 0 && (strcmp(up->dtu, sn) != 0 || up->ap != ap ||
	    up->layout != layout || ((up->got & (uint32_t)1 << cp) != 0 &&
	    up->time != time)))
		hm_export(ctx, st);
	if (up->got == 0) {
		hm_clear(up);
		(void)strlcpy(up->dtu, sn, sizeof(up->dtu));
		up->time = time;
		up->ap = ap;
		up->layout = layout;
	}
	up->got |= (uint32_t)1 << cp;
	return (0);
}

/*
 * An upload back to zeros, all 30 KB of it, by zeroing what is in use:
 * its header and the entries its counts cover.  An entry beyond them is
 * zero already (each is zeroed when taken), so this is the whole of it,
 * and an idle state cuts short (decoder/dstate.c).  A memset of the
 * whole upload for every one was 15% of the decoder's time.
 */
static void
hm_clear(struct hm_upload *up)
{
	memset(up->grid, 0, (size_t)up->ngrid * sizeof(up->grid[0]));
	memset(up->port, 0, (size_t)up->nport * sizeof(up->port[0]));
	memset(up->meter, 0, (size_t)up->nmeter * sizeof(up->meter[0]));
	memset(up, 0, offsetof(struct hm_upload, grid));
}

/* an entry that does not fit or makes no sense */
static void
hm_leave(struct hm_upload *up, const char *why)
{
	if (up->left++ == 0)
		up->why = why;
}

static struct hm_grid *
hm_grid_get(struct hm_upload *up, int64_t sn)
{
	struct hm_grid	*g;
	int		 i;

	if (sn == 0) {
		hm_leave(up, "an entry without a serial");
		return (NULL);
	}
	for (i = 0; i < up->ngrid; i++)
		if (up->grid[i].sn == sn)
			return (&up->grid[i]);
	if (up->ngrid >= HM_MAXINV) {
		hm_leave(up, "more inverters than the gateway keeps");
		return (NULL);
	}
	g = &up->grid[up->ngrid++];
	memset(g, 0, sizeof(*g));
	g->sn = sn;
	return (g);
}

static struct hm_port *
hm_port_get(struct hm_upload *up, int64_t sn, int32_t port)
{
	struct hm_port	*pt;
	int		 i;

	if (port < 1 || port > HM_MAXPORTNO) {
		hm_leave(up, "a PV port number out of range");
		return (NULL);
	}
	if (hm_grid_get(up, sn) == NULL)	/* the inverter's entry */
		return (NULL);
	for (i = 0; i < up->nport; i++)
		if (up->port[i].sn == sn && up->port[i].port == port)
			return (&up->port[i]);
	if (up->nport >= HM_MAXPORT) {
		hm_leave(up, "more PV ports than the gateway keeps");
		return (NULL);
	}
	pt = &up->port[up->nport++];
	memset(pt, 0, sizeof(*pt));
	pt->sn = sn;
	pt->port = port;
	return (pt);
}

static void
hm_merge_meter(struct hm_upload *up, const Hm__Meter *m)
{
	struct hm_meter	*mt = NULL;
	int		 i;

	if (m->sn == 0) {
		hm_leave(up, "a meter without a serial");
		return;
	}
	for (i = 0; i < up->nmeter; i++)
		if (up->meter[i].sn == m->sn)
			mt = &up->meter[i];
	if (mt == NULL && up->nmeter >= HM_MAXMETER) {
		hm_leave(up, "more meters than the gateway keeps");
		return;
	}
	if (mt == NULL)
		mt = &up->meter[up->nmeter++];
	mt->sn = m->sn;
	mt->f[0] = m->device_kind;
	mt->f[1] = 0;		/* field 2 is the serial, in sn */
	mt->f[2] = m->power;
	mt->f[3] = m->power_a;
	mt->f[4] = m->power_b;
	mt->f[5] = m->power_c;
	mt->f[6] = m->pf;
	mt->f[7] = m->export_total;
	mt->f[8] = m->export_a;
	mt->f[9] = m->export_b;
	mt->f[10] = m->export_c;
	mt->f[11] = m->import_total;
	mt->f[12] = m->import_a;
	mt->f[13] = m->import_b;
	mt->f[14] = m->import_c;
	mt->f[15] = m->fault;
	mt->f[16] = m->voltage_a;
	mt->f[17] = m->voltage_b;
	mt->f[18] = m->voltage_c;
	mt->f[19] = m->current_a;
	mt->f[20] = m->current_b;
	mt->f[21] = m->current_c;
	mt->f[22] = m->pf_a;
	mt->f[23] = m->pf_b;
	mt->f[24] = m->pf_c;
}

/* a single-phase inverter's grid side */
static void
hm_merge_sgs(struct hm_upload *up, const Hm__Sgs *s)
{
	struct hm_grid	*g;

	if ((g = hm_grid_get(up, s->sn)) == NULL)
		return;
	g->kind = HM_GRID_1P;
	g->v[0] = s->voltage;
	g->freq = s->frequency;
	g->p = s->power;
	g->q = s->reactive;
	g->i[0] = s->current;
	g->pf = s->pf;
	g->temp = s->temperature;
	g->link = s->link_status;
}

/* a three-phase inverter's */
static void
hm_merge_tgs(struct hm_upload *up, const Hm__Tgs *t)
{
	struct hm_grid	*g;

	if ((g = hm_grid_get(up, t->sn)) == NULL)
		return;
	g->kind = HM_GRID_3P;
	g->v[0] = t->voltage_a;
	g->v[1] = t->voltage_b;
	g->v[2] = t->voltage_c;
	g->vl[0] = t->voltage_ab;
	g->vl[1] = t->voltage_bc;
	g->vl[2] = t->voltage_ca;
	g->freq = t->frequency;
	g->p = t->power;
	g->q = t->reactive;
	g->i[0] = t->current_a;
	g->i[1] = t->current_b;
	g->i[2] = t->current_c;
	g->pf = t->pf;
	g->temp = t->temperature;
	g->link = t->link_status;
}

static void
hm_merge_new(struct hm_upload *up, const Hm__RealDataNewFromDtu *m)
{
	const Hm__Pv	*v;
	struct hm_port	*pt;
	size_t		 i;

	for (i = 0; i < m->n_sgs; i++)
		if (m->sgs[i] != NULL)
			hm_merge_sgs(up, m->sgs[i]);
	for (i = 0; i < m->n_tgs; i++)
		if (m->tgs[i] != NULL)
			hm_merge_tgs(up, m->tgs[i]);
	for (i = 0; i < m->n_pv; i++) {
		if ((v = m->pv[i]) == NULL || (pt = hm_port_get(up, v->sn,
		    v->port)) == NULL)
			continue;
		pt->v = v->voltage;
		pt->i = v->current;
		pt->p = v->power;
		pt->etotal = v->energy_total;
		pt->etoday = v->energy_today;
		pt->today = 1;
	}
	for (i = 0; i < m->n_meters; i++)
		if (m->meters[i] != NULL)
			hm_merge_meter(up, m->meters[i]);
	/*
	 * Absent is 0: a package without the totals keeps the others'.
	 * A package with nothing at all in it says nothing of them: a
	 * daily energy of 0 from it would look like a new day.
	 */
	if (m->n_sgs + m->n_tgs + m->n_pv + m->n_meters > 0 ||
	    m->dtu_power != 0 || m->dtu_energy_today != 0)
		up->totals = 1;
	if (m->dtu_power != 0)
		up->dtu_power = m->dtu_power;
	if (m->dtu_energy_today != 0)
		up->dtu_energy = m->dtu_energy_today;
}

/* the old layout: every PV port entry carries its inverter's grid side */
static void
hm_merge_old(struct hm_upload *up, const Hm__RealDataFromDtu *m)
{
	const Hm__Panel	*e;
	struct hm_grid	*g;
	struct hm_port	*pt;
	size_t		 i;

	for (i = 0; i < m->n_panels; i++) {
		if ((e = m->panels[i]) == NULL || (pt = hm_port_get(up, e->sn,
		    e->port)) == NULL || (g = hm_grid_get(up, e->sn)) == NULL)
			continue;
		pt->v = e->voltage;
		pt->i = e->current;
		pt->p = e->power;
		pt->etotal = e->energy_total;
		g->kind = HM_GRID_1P;
		g->v[0] = e->grid_voltage;
		g->freq = e->grid_frequency;
		g->p = e->grid_power;
		g->q = e->grid_reactive;
		g->i[0] = e->grid_current;
		g->pf = e->grid_pf;
		g->temp = e->temperature;
		g->link = e->link_status;
	}
	for (i = 0; i < m->n_meters; i++)
		if (m->meters[i] != NULL)
			hm_merge_meter(up, m->meters[i]);
}

/*
 * After a package is merged: say what was left out of it, and export
 * the upload once every package is in (1).
 */
static int
hm_done(struct pvctx *ctx, struct hm_state *st, const struct hm_frame *f)
{
	struct hm_upload	*up = &st->up;
	uint32_t		 all;

	if (up->left > 0) {
		pv_dump(ctx, f->buf, f->len, "0x%04x: %d entries left out, "
		    "the first for %s", f->cmd, up->left, up->why);
		up->left = 0;
	}
	all = up->ap >= 32 ? UINT32_MAX : ((uint32_t)1 << up->ap) - 1;
	if ((up->got & all) != all)
		return (0);
	hm_export(ctx, st);
	return (1);
}

/*
 * Records of an upload, complete or not: one per inverter, one per
 * meter, one for the DTU's totals (new layout).  The sample time is
 * the DTU's unless its clock was never set.
 */
static void
hm_export(struct pvctx *ctx, struct hm_state *st)
{
	struct hm_upload	*up = &st->up;
	struct record		 rec;
	int64_t			 when = up->time, v;
	int			 i;

	if (up->got == 0)
		return;
	if (when < HM_TIME_MIN)
		when = ctx->now;
	st->nknown = 0;
	for (i = 0; i < up->ngrid; i++) {
		if (st->nknown < HM_KNOWN)
			st->known[st->nknown++] = up->grid[i].sn;
		hm_inverter(ctx, up, &up->grid[i], when);
	}
	for (i = 0; i < up->nmeter; i++)
		hm_meter_record(ctx, up, &up->meter[i], when);
	if (up->totals) {
		record_init(&rec, REC_MEASUREMENT, PROTO_HOYMILES, when);
		(void)strlcpy(rec.device, up->dtu, sizeof(rec.device));
		v = up->dtu_power > INT64_MAX ? INT64_MAX :
		    (int64_t)up->dtu_power;
		record_metric(&rec, M_AC_POWER, 0, v, 1);
		v = up->dtu_energy > INT64_MAX ? INT64_MAX :
		    (int64_t)up->dtu_energy;
		record_metric(&rec, M_ENERGY_TODAY, 0, v, 3);
		pv_record(ctx, &rec);
	}
	hm_clear(up);
}

static void
hm_inverter(struct pvctx *ctx, const struct hm_upload *up,
    const struct hm_grid *g, int64_t when)
{
	struct record		 rec;
	const struct hm_port	*pt;
	int64_t			 etotal = 0, etoday = 0;
	int			 i, nports = 0, today = 1;

	record_init(&rec, REC_MEASUREMENT, PROTO_HOYMILES, when);
	hm_serial(rec.device, sizeof(rec.device), g->sn);
	(void)strlcpy(rec.via, up->dtu, sizeof(rec.via));
	if (g->kind == HM_GRID_1P) {
		record_metric(&rec, M_AC_VOLTAGE, 0, g->v[0], 1);
		record_metric(&rec, M_AC_CURRENT, 0, g->i[0], 2);
	} else if (g->kind == HM_GRID_3P) {
		for (i = 0; i < 3; i++) {
			record_metric(&rec, M_AC_L_VOLTAGE, i + 1, g->v[i], 1);
			record_metric(&rec, M_AC_LINE_VOLTAGE, i + 1, g->vl[i], 1);
			record_metric(&rec, M_AC_L_CURRENT, i + 1, g->i[i], 2);
		}
	}
	if (g->kind != HM_GRID_NONE) {
		record_metric(&rec, M_AC_FREQUENCY, 0, g->freq, 2);
		record_metric(&rec, M_AC_POWER, 0, g->p, 1);
		record_metric(&rec, M_REACTIVE_POWER, 0, g->q, 1);
		record_metric(&rec, M_POWER_FACTOR, 0, g->pf, 1);
		record_metric(&rec, M_TEMPERATURE, 0, g->temp, 1);
		record_metric(&rec, M_LINK_STATUS, 0, g->link, 0);
	}
	for (i = 0; i < up->nport; i++) {
		pt = &up->port[i];
		if (pt->sn != g->sn)
			continue;
		nports++;
		record_metric(&rec, M_PV_VOLTAGE, pt->port, pt->v, 1);
		record_metric(&rec, M_PV_CURRENT, pt->port, pt->i, 2);
		record_metric(&rec, M_PV_POWER, pt->port, pt->p, 1);
		if (pt->today)
			record_metric(&rec, M_PV_ENERGY_TODAY, pt->port,
			    pt->etoday, 3);
		else
			today = 0;
		record_metric(&rec, M_PV_ENERGY_TOTAL, pt->port, pt->etotal,
		    3);
		etoday += pt->etoday;
		etotal += pt->etotal;
	}
	if (nports > 0) {
		if (today)
			record_metric(&rec, M_ENERGY_TODAY, 0, etoday, 3);
		record_metric(&rec, M_ENERGY_TOTAL, 0, etotal, 3);
	}
	pv_record(ctx, &rec);
}

/* a meter: powers in 10 W, energies in 10 Wh, V and A in 0.01 */
static void
hm_meter_record(struct pvctx *ctx, const struct hm_upload *up,
    const struct hm_meter *mt, int64_t when)
{
	struct record	rec;
	int		i;

	record_init(&rec, REC_MEASUREMENT, PROTO_HOYMILES, when);
	hm_serial(rec.device, sizeof(rec.device), mt->sn);
	(void)strlcpy(rec.via, up->dtu, sizeof(rec.via));
	record_metric(&rec, M_AC_POWER, 0, (int64_t)mt->f[2] * 10, 0);
	record_metric(&rec, M_POWER_FACTOR, 0, mt->f[6], 1);
	record_metric(&rec, M_GRID_EXPORT_TOTAL, 0, mt->f[7], 2);
	record_metric(&rec, M_GRID_IMPORT_TOTAL, 0, mt->f[11], 2);
	for (i = 0; i < 3; i++) {
		record_metric(&rec, M_AC_L_POWER, i + 1,
		    (int64_t)mt->f[3 + i] * 10, 0);
		record_metric(&rec, M_AC_L_VOLTAGE, i + 1, mt->f[16 + i], 2);
		record_metric(&rec, M_AC_L_CURRENT, i + 1, mt->f[19 + i], 2);
		record_metric(&rec, M_AC_L_POWER_FACTOR, i + 1,
		    mt->f[22 + i], 1);
		record_metric(&rec, M_GRID_L_EXPORT_TOTAL, i + 1,
		    mt->f[8 + i], 2);
		record_metric(&rec, M_GRID_L_IMPORT_TOTAL, i + 1,
		    mt->f[12 + i], 2);
	}
	record_metric(&rec, M_FAULT, 0, mt->f[15], 0);
	pv_record(ctx, &rec);
}

/*
 * Local polling.  open() on a dialled connection sends the first
 * request; each answer asks for the next missing package or, once the
 * upload is complete, arms the timer for the next poll.  A request
 * unanswered within the timeout is sent once more; a second silence
 * closes the connection and the connector dials again.
 */
void
hoymiles_open(struct pvctx *ctx)
{
	struct hm_state	*st = ctx->state;

	if (st == NULL || ctx->dev == NULL)
		return;		/* a DTU that came to the cloud */
	st->dialled = 1;
	if (ctx->dev->interval == 0)
		return;		/* dialled, but no polling asked for */
	st->asked = 0;
	st->configured = 0;
	hm_poll_send(ctx, st, 0);
}

void
hoymiles_tick(struct pvctx *ctx)
{
	struct hm_state	*st = ctx->state;

	if (st == NULL || !st->dialled || ctx->dev == NULL ||
	    ctx->dev->interval == 0)
		return;
	/* an owner's command is out: the poll waits for its answer */
	if (!st->pending && ctx->cmd != NULL) {
		pv_timer(ctx, HM_HOLD);
		return;
	}
	if (!st->pending) {
		st->asked = 0;		/* the interval is over */
		st->configured = 0;
		hm_poll_send(ctx, st, 0);
		return;
	}
	st->pending = 0;
	if (st->config) {
		/* a DTU that does not tell its configuration still polls */
		st->config = 0;
		hm_poll_wait(ctx, st);
		return;
	}
	if (++st->misses >= HM_MISSES) {
		pv_close(ctx);
		return;
	}
	hm_poll_next(ctx, st);
}

void
hoymiles_gone(struct pvctx *ctx)
{
	struct hm_state	*st = ctx->state;

	if (st != NULL)
		hm_export(ctx, st);	/* what there is of an upload */
}

static unsigned int
hm_poll_timeout(const struct pvctx *ctx)
{
	if (ctx->dev != NULL && ctx->dev->timeout > 0)
		return (ctx->dev->timeout);
	return (HM_TIMEOUT);
}

/* 0xA311: the real-time data, package cp */
static void
hm_poll_send(struct pvctx *ctx, struct hm_state *st, int32_t cp)
{
	Hm__PackageToDtu	r;
	struct hm_clock		c;

	hm_clock(ctx->now, &c);
	hm__package_to_dtu__init(&r);
	r.ymd_hms = c.ymd_hms;
	r.package_idx = cp;
	r.err_code = 0;
	r.offset = c.offset;
	r.time = c.time;
	st->seq++;
	st->asked++;
	st->pending = 1;
	(void)hm_send(ctx, HM_APP_REALDATANEW_REQ, st->seq, &r.base);
	pv_timer(ctx, hm_poll_timeout(ctx));
}

/*
 * The next request of this poll cycle: the first package still
 * missing, or package 0 again when nothing usable came yet; when the
 * cycle has asked enough, the wait for the next poll.
 */
static void
hm_poll_next(struct pvctx *ctx, struct hm_state *st)
{
	struct hm_upload	*up = &st->up;
	int32_t			 cp;

	if (up->got != 0 && st->asked < 2 * up->ap + HM_MISSES) {
		for (cp = 0; cp < up->ap; cp++)
			if ((up->got & (uint32_t)1 << cp) == 0) {
				hm_poll_send(ctx, st, cp);
				return;
			}
	}
	if (up->got == 0 && st->asked <= HM_MISSES) {
		hm_poll_send(ctx, st, 0);
		return;
	}
	hm_poll_wait(ctx, st);
}

/*
 * The cycle is over: what there is goes out, the configuration is
 * asked for if wanted, then the interval begins.
 */
static void
hm_poll_wait(struct pvctx *ctx, struct hm_state *st)
{
	unsigned int	ivl;

	hm_export(ctx, st);
	if (hm_config_wanted(ctx, st)) {
		hm_config_send(ctx, st);
		return;
	}
	ivl = ctx->dev->interval < HM_POLL_MIN ? HM_POLL_MIN :
	    ctx->dev->interval;
	pv_timer(ctx, ivl * 1000);
}

/*
 * Is the DTU's power limit wanted: only where the [device] allows the
 * power_limit that Home Assistant's number shows; once a cycle (st),
 * or whenever (NULL).
 */
static int
hm_config_wanted(const struct pvctx *ctx, const struct hm_state *st)
{
	if (ctx->dev == NULL || ctx->dev->interval == 0 ||
	    (ctx->dev->allow & CMD_BIT(CMD_POWER_LIMIT)) == 0)
		return (0);
	return (st == NULL || !st->configured);
}

/* 0xA309, as hoymiles-wifi asks: the zone's offset and our clock */
static void
hm_config_send(struct pvctx *ctx, struct hm_state *st)
{
	Hm__GetConfigToDtu	r;
	struct hm_clock		c;

	hm_clock(ctx->now, &c);
	hm__get_config_to_dtu__init(&r);
	r.offset = c.offset;
	r.time = c.time;
	st->seq++;
	st->pending = 1;
	st->config = 1;
	st->configured = 1;
	(void)hm_send(ctx, HM_APP_GETCONFIG_REQ, st->seq, &r.base);
	pv_timer(ctx, hm_poll_timeout(ctx));
}

/*
 * 0xA209: the DTU's configuration.  Its power limit, if it tells one,
 * is a measurement of the polled [device], on the state topic Home
 * Assistant's number reads; then the interval begins.
 */
static void
hm_config_answer(struct pvctx *ctx, struct hm_state *st,
    const struct hm_frame *f)
{
	Hm__GetConfigFromDtu	*m;
	struct record		 rec;

	if (!st->pending || !st->config || f->seq != st->seq) {
		pv_dump(ctx, f->buf, f->len, "0x%04x: answer with sequence "
		    "%u to no request of ours", f->cmd, f->seq);
		return;
	}
	st->pending = 0;
	st->config = 0;
	st->misses = 0;
	m = (Hm__GetConfigFromDtu *)hm_unpack(ctx, f,
	    &hm__get_config_from_dtu__descriptor);
	if (m == NULL || m->limit_case !=
	    HM__GET_CONFIG_FROM_DTU__LIMIT_LIMIT_POWER_MYPOWER)
		;	/* dumped, or no limit told */
	else if (m->limit_power_mypower < 0 ||
	    m->limit_power_mypower > HM_LIMIT_MAX)
		pv_dump(ctx, f->buf, f->len, "0x%04x: power limit %d, not "
		    "0 to 100.0 %%", f->cmd, m->limit_power_mypower);
	else {
		record_init(&rec, REC_MEASUREMENT, PROTO_HOYMILES,
		    m->time >= HM_TIME_MIN ? m->time : ctx->now);
		(void)strlcpy(rec.device, ctx->dev->name, sizeof(rec.device));
		record_metric(&rec, M_POWER_LIMIT, 0, m->limit_power_mypower,
		    1);
		pv_record(ctx, &rec);
	}
	hm_poll_wait(ctx, st);
}

/* 0xA211: the answer to our last request, or dumped */
static void
hm_poll_answer(struct pvctx *ctx, struct hm_state *st,
    const struct hm_frame *f)
{
	if (!st->pending || f->seq != st->seq) {
		pv_dump(ctx, f->buf, f->len, "0x%04x: answer with sequence "
		    "%u to no request of ours", f->cmd, f->seq);
		return;
	}
	st->pending = 0;
	st->misses = 0;
	if (hm_realtime(ctx, st, f, HM_LAYOUT_NEW) == 1)
		hm_poll_wait(ctx, st);
	else
		hm_poll_next(ctx, st);
}

/*
 * An owner's command (hoymiles_cmd.c) on the poller's connection, with
 * the next sequence number (*seq): 0 sent, 1 not now (a poll is out),
 * -1 not a connection we dialled, or the message does not fit.
 */
int
hoymiles_send_cmd(struct pvctx *ctx, uint16_t cmd,
    const ProtobufCMessage *m, uint16_t *seq)
{
	struct hm_state	*st = ctx->state;

	if (st == NULL || !st->dialled)
		return (-1);
	if (st->pending)
		return (1);
	if (hm_send(ctx, cmd, (uint16_t)(st->seq + 1), m) == -1)
		return (-1);
	*seq = ++st->seq;
	return (0);
}

/* does this connection reach the device: the DTU, or its inverter */
int
hoymiles_speaks(struct pvctx *ctx, const char *name)
{
	struct hm_state	*st = ctx->state;
	char		 sn[HM_SNLEN];
	int		 i;

	if (st == NULL || !st->dialled || ctx->dev == NULL)
		return (0);
	if (strcmp(ctx->dev->name, name) == 0)
		return (1);
	for (i = 0; i < st->nknown; i++) {
		hm_serial(sn, sizeof(sn), st->known[i]);
		if (strcmp(sn, name) == 0)
			return (1);
	}
	return (0);
}
