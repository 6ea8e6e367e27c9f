/*
 * E3/DC RSCP: Rijndael known answers, the RSCP frame and value codec
 * against the vectors in regress/vectors/e3dc-rscp (or argv[1]), and
 * the client session through the harness: authentication, identity,
 * polls, refusals with their backoff, a wrong key, timeouts and bad
 * frames.  The test plays the E3/DC: it keeps both cipher chains of
 * the connection and checks every request the session sends.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "rijndael.h"
#include "rscp.h"
#include "cmd.h"

#define DEFAULT_DIR	"regress/vectors/e3dc-rscp"

#define BLOCK		32
#define KEY		"testkey"
#define USER		"user"
#define PASSWORD	"pass"
#define DEVNAME		"e3dc"
#define SERIAL		"S10-7412345678"
#define RELEASE		"S10_2024_044"
#define T0		1700000000	/* the derived vectors' time */
#define MAXLOG		16

/* the E3/DC side of one connection */
struct peer {
	struct rijndael	 c;
	uint8_t		 txiv[BLOCK];	/* client -> E3/DC */
	uint8_t		 rxiv[BLOCK];	/* E3/DC -> client */
	int		 seen;		/* client frames read */
};

static char			 logs[MAXLOG][512];
static int			 nlogs;
static struct pv_deviceconf	 dev;
static struct pv_secret		 secret;
static struct peer		 peer;

static void	 logline(const char *);
static int	 logged(const char *);
static void	 testkey(struct rijndael *, const char *);
static void	 hexbytes(struct vec *, const char *);
static struct conn *session(const char *, int);
static int	 request(struct conn *, int, uint8_t *, size_t *);
static void	 answer(struct conn *, const uint8_t *, size_t, size_t);
static size_t	 build(uint8_t *, size_t, int64_t, uint32_t,
		    void (*)(struct rscp_builder *, void *), void *);
static size_t	 auth_answer(uint8_t *, size_t, int);
static size_t	 ident_answer(uint8_t *, size_t);
static size_t	 poll_request(uint8_t *, size_t, int64_t);
static void	 up_to_poll(struct conn *);
static void	 test_commands(void);
static void	 e3dc_command(const char *, const char *, const char *,
		    const char *, int, const char *);
static void	 want_fast(const struct record *);

static void
logline(const char *line)
{
	if (nlogs < MAXLOG)
		(void)snprintf(logs[nlogs], sizeof(logs[0]), "%s", line);
	nlogs++;
}

/* how many captured log lines contain s */
static int
logged(const char *s)
{
	int	i, n = 0;

	for (i = 0; i < nlogs && i < MAXLOG; i++)
		if (strstr(logs[i], s) != NULL)
			n++;
	return (n);
}

static void
testkey(struct rijndael *c, const char *ascii)
{
	uint8_t	k[32];
	size_t	n = strlen(ascii);

	memset(k, 0xff, sizeof(k));
	memcpy(k, ascii, n < sizeof(k) ? n : sizeof(k));
	if (rijndael_setkey(c, k, sizeof(k), BLOCK) == -1)
		check(0, "setkey");
}

static void
hexbytes(struct vec *v, const char *hex)
{
	if (vec_hex(v, hex) == -1)
		check(0, "bad hex in the test");
}

/*
 * A dialled connection with the test secrets (rscp_key key), up and
 * its authentication request read; the E3/DC side uses KEY.
 */
static struct conn *
session(const char *key, int interval)
{
	struct conn	*c;

	c = conn_open(PROTO_E3DC_RSCP, 0);
	memset(&dev, 0, sizeof(dev));
	(void)snprintf(dev.name, sizeof(dev.name), "%s", DEVNAME);
	dev.proto = PROTO_E3DC_RSCP;
	dev.interval = interval;
	memset(&secret, 0, sizeof(secret));
	secret.proto = PROTO_E3DC_RSCP;
	(void)snprintf(secret.key, sizeof(secret.key), "%s", key);
	(void)snprintf(secret.user, sizeof(secret.user), "%s", USER);
	(void)snprintf(secret.password, sizeof(secret.password), "%s",
	    PASSWORD);
	c->ctx.dev = &dev;
	c->ctx.secret = &secret;
	c->ctx.now = T0;
	nlogs = 0;

	memset(&peer, 0, sizeof(peer));
	testkey(&peer.c, KEY);
	memset(peer.txiv, 0xff, BLOCK);
	memset(peer.rxiv, 0xff, BLOCK);
	conn_up(c);
	return (c);
}

/*
 * Client request number i (0: the first), decrypted on the E3/DC's
 * chain; its plaintext frame length in *len.  0, or -1.
 */
static int
request(struct conn *c, int i, uint8_t *pt, size_t *len)
{
	const char	*why;
	size_t		 n;

	if (i != peer.seen || i >= c->nreplies || i >= MAX_REPLIES) {
		check(0, "request %d: %d replies, %d read", i, c->nreplies,
		    peer.seen);
		return (-1);
	}
	n = c->replylen[i];
	if (n == 0 || n % BLOCK != 0 || n > REPLY_KEEP) {
		check(0, "request %d: %zu bytes", i, n);
		return (-1);
	}
	rijndael_cbc_decrypt(&peer.c, peer.txiv, c->reply[i], pt, n);
	peer.seen++;
	if (rscp_header(pt, n, len, &why) == -1 || *len > n) {
		check(0, "request %d: %s", i, why);
		return (-1);
	}
	return (0);
}

/* the E3/DC answers: pad, encrypt on its chain, feed in reads of step */
static void
answer(struct conn *c, const uint8_t *frame, size_t len, size_t step)
{
	uint8_t	ct[4096];
	size_t	padded = (len + BLOCK - 1) / BLOCK * BLOCK, off, n;

	if (padded > sizeof(ct)) {
		check(0, "answer too long");
		return;
	}
	memset(ct, 0, padded);
	memcpy(ct, frame, len);
	rijndael_cbc_encrypt(&peer.c, peer.rxiv, ct, ct, padded);
	if (step == 0)
		step = padded;
	for (off = 0; off < padded; off += n) {
		n = padded - off < step ? padded - off : step;
		feed(c, ct + off, n);
	}
}

static size_t
build(uint8_t *buf, size_t size, int64_t sec, uint32_t nsec,
    void (*fill)(struct rscp_builder *, void *), void *arg)
{
	struct rscp_builder	b;

	rscp_build(&b, buf, size);
	fill(&b, arg);
	return (rscp_seal(&b, sec, nsec));
}

static void
fill_auth(struct rscp_builder *b, void *arg)
{
	uint8_t	level = *(int *)arg;

	rscp_put(b, 0x00800001, RSCP_UCHAR8, &level, 1);
}

static size_t
auth_answer(uint8_t *buf, size_t size, int level)
{
	return (build(buf, size, T0, 500000000, fill_auth, &level));
}

static void
fill_ident(struct rscp_builder *b, void *arg)
{
	(void)arg;
	rscp_put_string(b, 0x0a800001, SERIAL);
	rscp_put_string(b, 0x0a800019, RELEASE);
}

static size_t
ident_answer(uint8_t *buf, size_t size)
{
	return (build(buf, size, T0, 0, fill_ident, NULL));
}

static void
fill_poll(struct rscp_builder *b, void *arg)
{
	static const uint32_t	tags[] = {
		0x0a00000f, 0x01000008, 0x01000001, 0x01000005, 0x01000002,
		0x01000003, 0x01000004, 0x0100001f, 0x01000007, 0x01000006
	};
	size_t			i;

	(void)arg;
	for (i = 0; i < sizeof(tags) / sizeof(tags[0]); i++)
		rscp_put(b, tags[i], RSCP_NONE, NULL, 0);
}

static size_t
poll_request(uint8_t *buf, size_t size, int64_t sec)
{
	return (build(buf, size, sec, 0, fill_poll, NULL));
}

/* what the E3/DC told of itself: what the polls must ask for */
struct shape {
	int		 battery;	/* BAT_DATA answered */
	int		 ndcb;		/* battery modules */
	int		 nstrings;	/* PV strings */
	uint16_t	 pm;		/* the grid meter's index */
};

/*
 * The session's poll, written out from the tag lists: vector 11's ten
 * values, EMS_REQ_STATUS, EMS_REQ_EMERGENCY_POWER_STATUS, then
 * BAT_REQ_DATA, PVI_REQ_DATA and PM_REQ_DATA with their indexes.
 */
static void
fill_session_poll(struct rscp_builder *b, void *arg)
{
	const struct shape	*sh = arg;
	int			 i;

	fill_poll(b, NULL);
	rscp_put(b, 0x01000040, RSCP_NONE, NULL, 0);
	rscp_put(b, 0x01000073, RSCP_NONE, NULL, 0);
	if (sh->battery) {
		rscp_open(b, 0x03040000);
		rscp_put_u16(b, 0x03040001, 0);
		rscp_put(b, 0x03000002, RSCP_NONE, NULL, 0);	/* voltage */
		rscp_put(b, 0x03000003, RSCP_NONE, NULL, 0);	/* current */
		rscp_put(b, 0x03000008, RSCP_NONE, NULL, 0);	/* cycles */
		rscp_put(b, 0x03000010, RSCP_NONE, NULL, 0);	/* FCC */
		rscp_put(b, 0x03000045, RSCP_NONE, NULL, 0);	/* design */
		for (i = 0; i < sh->ndcb; i++) {
			rscp_put_u16(b, 0x03000042, i);	/* DCB_INFO */
			rscp_put_u16(b, 0x03000018, i);	/* temperatures */
		}
		rscp_close(b);
	}
	if (sh->nstrings > 0) {
		rscp_open(b, 0x02040000);
		rscp_put_u16(b, 0x02040001, 0);
		for (i = 0; i < sh->nstrings; i++) {
			rscp_put_u16(b, 0x020dc001, i);	/* DC power */
			rscp_put_u16(b, 0x020dc002, i);	/* DC voltage */
			rscp_put_u16(b, 0x020dc003, i);	/* DC current */
		}
		rscp_close(b);
	}
	rscp_open(b, 0x05040000);
	rscp_put_u16(b, 0x05040001, sh->pm);
	for (i = 1; i <= 3; i++)
		rscp_put(b, 0x05000000 | i, RSCP_NONE, NULL, 0); /* power */
	for (i = 1; i <= 3; i++)
		rscp_put(b, 0x05000010 | i, RSCP_NONE, NULL, 0); /* voltage */
	rscp_close(b);
}

static size_t
session_poll(uint8_t *buf, size_t size, int64_t sec, const struct shape *sh)
{
	return (build(buf, size, sec, 0, fill_session_poll,
	    (void *)(uintptr_t)sh));
}

/* the poll after an identity that told nothing of the system */
static const struct shape	 bare = { 0, 0, 0, 0 };

/* the values of vector 13, in the vocabulary's signs */
static void
want_fast(const struct record *r)
{
	want_metric(r, M_BATTERY_SOC, 0, 93, 0);
	want_metric(r, M_SOLAR_POWER, 0, 3613, 0);
	want_metric(r, M_ADDITIONAL_POWER, 0, 9698, 0);	/* producing */
	want_metric(r, M_BATTERY_POWER, 0, -507, 0);	/* charging */
	want_metric(r, M_HOUSE_POWER, 0, 1632, 0);
	want_metric(r, M_GRID_POWER, 0, -66, 0);	/* exporting */
	want_metric(r, M_WALLBOX_POWER, 0, 11131, 0);
	want_metric(r, M_SELF_CONSUMPTION, 0, 9981, 2);
	want_metric(r, M_AUTARKY, 0, 9985, 2);
}

/* authenticated, identified, first poll request read */
/* the poll request up_to_poll() read */
static uint8_t	lastpoll[REPLY_KEEP];
static size_t	lastpolllen;

static void
up_to_poll(struct conn *c)
{
	uint8_t	pt[REPLY_KEEP], fr[256];
	size_t	len;

	(void)request(c, 0, pt, &len);
	answer(c, fr, auth_answer(fr, sizeof(fr), 10), 0);
	(void)request(c, 1, pt, &len);
	answer(c, fr, ident_answer(fr, sizeof(fr)), 0);
	if (request(c, 2, lastpoll, &lastpolllen) == -1)
		lastpolllen = 0;
}

/* the identity request: INFO, EMS and the counts, from the tag lists */
static void
fill_ident_request(struct rscp_builder *b, void *arg)
{
	(void)arg;
	rscp_put(b, 0x0a000001, RSCP_NONE, NULL, 0);	/* serial */
	rscp_put(b, 0x0a000019, RSCP_NONE, NULL, 0);	/* release */
	rscp_put(b, 0x01000013, RSCP_NONE, NULL, 0);	/* peak power */
	rscp_put(b, 0x01000097, RSCP_NONE, NULL, 0);	/* sys specs */
	rscp_open(b, 0x03040000);
	rscp_put_u16(b, 0x03040001, 0);
	rscp_put(b, 0x0300000d, RSCP_NONE, NULL, 0);	/* DCB count */
	rscp_close(b);
	rscp_open(b, 0x02040000);
	rscp_put_u16(b, 0x02040001, 0);
	rscp_put(b, 0x02000090, RSCP_NONE, NULL, 0);	/* strings */
	rscp_close(b);
}

static size_t
ident_request(uint8_t *buf, size_t size)
{
	return (build(buf, size, T0, 0, fill_ident_request, NULL));
}

static void
put_num(struct rscp_builder *b, uint32_t tag, uint8_t type, uint64_t u)
{
	uint8_t	x[8];
	size_t	n;

	switch (type) {
	case RSCP_BOOL:
	case RSCP_CHAR8:
	case RSCP_UCHAR8:
	case RSCP_BITFIELD:	/* of one byte, here */
		n = 1;
		break;
	case RSCP_INT16:
	case RSCP_UINT16:
		n = 2;
		break;
	case RSCP_INT32:
	case RSCP_UINT32:
	case RSCP_FLOAT32:
		n = 4;
		break;
	default:
		n = 8;
		break;
	}
	pv_put_le32(x, (uint32_t)u);
	pv_put_le32(x + 4, (uint32_t)(u >> 32));
	rscp_put(b, tag, type, x, n);
}

static void
put_f32(struct rscp_builder *b, uint32_t tag, float f)
{
	uint32_t	u;

	memcpy(&u, &f, 4);
	put_num(b, tag, RSCP_FLOAT32, u);
}

static void
put_f64(struct rscp_builder *b, uint32_t tag, double d)
{
	uint64_t	u;

	memcpy(&u, &d, 8);
	put_num(b, tag, RSCP_DOUBLE64, u);
}

static void
put_spec(struct rscp_builder *b, int i, const char *name, int32_t value)
{
	rscp_open(b, 0x01000099);		/* EMS_SYS_SPEC */
	put_num(b, 0x0100009a, i == 1 ? RSCP_UINT32 : RSCP_INT32, i);
	rscp_put_string(b, 0x0100009b, name);
	put_num(b, 0x0100009c, RSCP_INT32, (uint32_t)value);
	rscp_close(b);
}

/* an identity answer as an S10 E Compact with two modules and strings */
struct sysinfo {
	const char	*serial;
	int		 ndcb;		/* BAT_DCB_COUNT; -1: BAT_DATA error */
	int		 nstrings;	/* PVI_USED_STRING_COUNT */
};

static void
fill_sysinfo(struct rscp_builder *b, void *arg)
{
	const struct sysinfo	*si = arg;
	uint8_t			 code[4];

	rscp_put_string(b, 0x0a800001, si->serial);
	rscp_put_string(b, 0x0a800019, RELEASE);
	put_num(b, 0x01800013, RSCP_UINT32, 9870);	/* W */
	rscp_open(b, 0x01800098);	/* EMS_GET_SYS_SPECS */
	put_spec(b, 0, "hybridModeSupported", 1);
	put_spec(b, 1, "installedBatteryCapacity", 13000);
	put_spec(b, 2, "maxAcPower", 12000);
	rscp_close(b);
	if (si->ndcb >= 0) {
		rscp_open(b, 0x03840000);
		rscp_put_u16(b, 0x03040001, 0);
		put_num(b, 0x0380000d, RSCP_UCHAR8, si->ndcb);
		rscp_close(b);
	} else {
		pv_put_le32(code, RSCP_ERR_NOT_AVAILABLE);
		rscp_put(b, 0x03840000, RSCP_ERROR, code, 4);
	}
	rscp_open(b, 0x02840000);
	rscp_put_u16(b, 0x02040001, 0);
	put_num(b, 0x02800090, RSCP_UCHAR8, si->nstrings);
	rscp_close(b);
}

static size_t
sysinfo_answer(uint8_t *buf, size_t size, const struct sysinfo *si)
{
	return (build(buf, size, T0, 0, fill_sysinfo, (void *)(uintptr_t)si));
}

/*
 * The answer to a full poll, built from the tag lists; the fast
 * values are vector 13's.  What the flags change is said by each.
 */
struct detail {
	float		 current;	/* BAT_CURRENT, the E3/DC's sign */
	int32_t		 batpower;	/* EMS_POWER_BAT, the E3/DC's sign */
	int		 ndcb;		/* modules answered */
	int		 noindex;	/* temperatures without DCB_INDEX */
	int		 dcbindex;	/* first module's index, if not 0 */
	int		 notemps;	/* the second module has no sensors */
	uint8_t		 statustype;	/* EMS_STATUS's type */
	uint32_t	 status;
	int		 pmerror;	/* PM_DATA NOT_AVAILABLE */
	int		 pmscalar;	/* PM_DATA no container */
	int		 deep;		/* DCB_SOH right in BAT_DATA */
	int		 stray;		/* a DCB_INFO at the top */
	int		 pvnoindex;	/* a string's value without index */
	int		 badtime;	/* INFO_UTC_TIME past year 9999 */
};

static void
fill_fast(struct rscp_builder *b, int32_t batpower, int badtime)
{
	uint8_t	x[12];

	pv_put_le32(x, 1700000001);
	pv_put_le32(x + 4, badtime ? 0x7fffffff : 0);
	pv_put_le32(x + 8, 0);
	rscp_put(b, 0x0a80000f, RSCP_TIMESTAMP, x, 12);
	put_num(b, 0x01800008, RSCP_UCHAR8, 93);
	put_num(b, 0x01800001, RSCP_INT32, 3613);
	put_num(b, 0x01800005, RSCP_INT32, (uint32_t)-9698);
	put_num(b, 0x01800002, RSCP_INT32, (uint32_t)batpower);
	put_num(b, 0x01800003, RSCP_INT32, 1632);
	put_num(b, 0x01800004, RSCP_INT32, (uint32_t)-66);
	put_num(b, 0x0180001f, RSCP_INT32, 11131);
	put_f32(b, 0x01800007, 99.808975f);
	put_f32(b, 0x01800006, 99.85156f);
}

static void
fill_module(struct rscp_builder *b, const struct detail *d, int i)
{
	static const float	soh[] = { 95.9f, 94.1f };
	static const float	t[][2] = { { 32.0f, 31.8f },
				    { 30.5f, 31.25f } };
	int			k;

	rscp_open(b, 0x03800042);		/* BAT_DCB_INFO */
	put_num(b, 0x03800100, RSCP_UINT16, i + d->dcbindex);
	put_num(b, 0x03800110, RSCP_UINT32, 364);	/* cycles */
	put_f32(b, 0x03800109, soh[i % 2]);
	rscp_put_string(b, 0x03800303, "ATL3_3");	/* name */
	rscp_close(b);
	rscp_open(b, 0x03800018);	/* BAT_DCB_ALL_CELL_TEMPERATURES */
	if (!d->noindex)
		put_num(b, 0x03800100, RSCP_UINT16, i + d->dcbindex);
	rscp_open(b, 0x03840000);		/* BAT_DATA */
	for (k = 0; k < 2 && !(d->notemps && i == 1); k++)
		put_f32(b, 0x03800019, t[i % 2][k]);
	rscp_close(b);
	rscp_close(b);
}

static void
fill_battery(struct rscp_builder *b, const struct detail *d)
{
	int	i;

	rscp_open(b, 0x03840000);		/* BAT_DATA */
	rscp_put_u16(b, 0x03040001, 0);
	put_f32(b, 0x03800002, 52.3f);		/* module voltage */
	put_f32(b, 0x03800003, d->current);
	put_num(b, 0x03800008, RSCP_UINT32, 364);	/* cycles */
	put_f32(b, 0x03800010, 229.5f);		/* FCC, Ah */
	put_f32(b, 0x03800045, 256.0f);		/* design, Ah */
	if (d->deep)
		put_f32(b, 0x03800109, 12.5f);
	for (i = 0; i < d->ndcb; i++)
		fill_module(b, d, i);
	rscp_close(b);
}

static void
fill_string(struct rscp_builder *b, const struct detail *d, uint32_t tag,
    int s, float f)
{
	rscp_open(b, tag);
	if (!(d->pvnoindex && s == 1 && tag == 0x028dc003))
		rscp_put_u16(b, 0x02040001, s);
	put_f32(b, 0x02040005, f);
	rscp_close(b);
}

static void
fill_detail(struct rscp_builder *b, void *arg)
{
	const struct detail	*d = arg;
	uint8_t			 code[4];

	fill_fast(b, d->batpower, d->badtime);
	put_num(b, 0x01800040, d->statustype, d->status);
	put_num(b, 0x01800073, RSCP_UCHAR8, 2);	/* not active */
	if (d->stray) {
		rscp_open(b, 0x03800042);
		rscp_close(b);
	}
	fill_battery(b, d);
	rscp_open(b, 0x02840000);		/* PVI_DATA */
	rscp_put_u16(b, 0x02040001, 0);
	fill_string(b, d, 0x028dc001, 0, 2013.0f);
	fill_string(b, d, 0x028dc002, 0, 402.6f);
	fill_string(b, d, 0x028dc003, 0, 5.0f);
	fill_string(b, d, 0x028dc001, 1, 1600.0f);
	fill_string(b, d, 0x028dc002, 1, 380.9f);
	fill_string(b, d, 0x028dc003, 1, 4.2f);
	rscp_close(b);
	if (d->pmerror) {
		pv_put_le32(code, RSCP_ERR_NOT_AVAILABLE);
		rscp_put(b, 0x05840000, RSCP_ERROR, code, 4);
		return;
	}
	if (d->pmscalar) {
		put_num(b, 0x05840000, RSCP_UINT32, 0);
		return;
	}
	rscp_open(b, 0x05840000);		/* PM_DATA */
	rscp_put_u16(b, 0x05040001, 0);
	put_f64(b, 0x05800001, -120.0);		/* W, import positive */
	put_f64(b, 0x05800002, 31.0);
	put_f64(b, 0x05800003, 23.0);
	put_f32(b, 0x05800011, 230.1f);		/* V */
	put_f32(b, 0x05800012, 229.4f);
	put_f32(b, 0x05800013, 231.0f);
	rscp_close(b);
}

static size_t
detail_answer(uint8_t *buf, size_t size, const struct detail *d)
{
	return (build(buf, size, T0, 0, fill_detail, (void *)(uintptr_t)d));
}

/* the standard answer: charging, 2 modules, status 0x06 as UInt32 */
static void
detail_init(struct detail *d)
{
	memset(d, 0, sizeof(*d));
	d->current = 9.69f;
	d->batpower = 507;
	d->ndcb = 2;
	d->statustype = RSCP_UINT32;
	d->status = 0x06;
}

/* authenticated, the system info answered, the first full poll read */
static void
up_to_detail(struct conn *c, const struct sysinfo *si, uint8_t *pt,
    size_t *len)
{
	uint8_t	fr[1024];

	(void)request(c, 0, pt, len);
	answer(c, fr, auth_answer(fr, sizeof(fr), 10), 0);
	(void)request(c, 1, pt, len);
	answer(c, fr, sysinfo_answer(fr, sizeof(fr), si), 0);
	(void)request(c, 2, pt, len);
}

/*
 * Rijndael: FIPS-197 (128-bit block, AES), the worked examples of the
 * Rijndael proposal for 192- and 256-bit blocks under 128-, 192- and
 * 256-bit keys, and NESSIE's Rijndael-256-256 set 1 and 2 vectors.
 */
static void
test_rijndael(void)
{
	static const struct {
		const char	*name, *key, *pt, *ct;
	} kat[] = {
		{ "FIPS-197 C.1 AES-128",
		    "000102030405060708090a0b0c0d0e0f",
		    "00112233445566778899aabbccddeeff",
		    "69c4e0d86a7b0430d8cdb78070b4c55a" },
		{ "FIPS-197 C.3 AES-256",
		    "000102030405060708090a0b0c0d0e0f"
		    "101112131415161718191a1b1c1d1e1f",
		    "00112233445566778899aabbccddeeff",
		    "8ea2b7ca516745bfeafc49904b496089" },
		{ "Rijndael block 192 key 128",
		    "2b7e151628aed2a6abf7158809cf4f3c",
		    "3243f6a8885a308d313198a2e03707344a4093822299f31d",
		    "b24d275489e82bb8f7375e0d5fcdb1f481757c538b65148a" },
		{ "Rijndael block 256 key 128",
		    "2b7e151628aed2a6abf7158809cf4f3c",
		    "3243f6a8885a308d313198a2e03707344a4093822299f31d"
		    "0082efa98ec4e6c8",
		    "7d15479076b69a46ffb3b3beae97ad8313f622f67fedb487"
		    "de9f06b9ed9c8f19" },
		{ "Rijndael block 256 key 192",
		    "2b7e151628aed2a6abf7158809cf4f3c762e7160f38b4da5",
		    "3243f6a8885a308d313198a2e03707344a4093822299f31d"
		    "0082efa98ec4e6c8",
		    "5d7101727bb25781bf6715b0e6955282b9610e23a43c2eb0"
		    "62699f0ebf5887b2" },
		{ "Rijndael block 256 key 256",
		    "2b7e151628aed2a6abf7158809cf4f3c762e7160f38b4da5"
		    "6a784d9045190cfe",
		    "3243f6a8885a308d313198a2e03707344a4093822299f31d"
		    "0082efa98ec4e6c8",
		    "a49406115dfb30a40418aafa4869b7c6a886ff31602a7dd1"
		    "9c889dc64f7e4e7a" },
		{ "NESSIE 256-256 set 1 vector 0",
		    "80000000000000000000000000000000"
		    "00000000000000000000000000000000",
		    "00000000000000000000000000000000"
		    "00000000000000000000000000000000",
		    "e62abce069837b65309be4eda2c0e149"
		    "fe56c07b7082d3287f592c4a4927a277" },
		{ "NESSIE 256-256 set 1 vector 1",
		    "40000000000000000000000000000000"
		    "00000000000000000000000000000000",
		    "00000000000000000000000000000000"
		    "00000000000000000000000000000000",
		    "1f00b4dd622c0b2951f25970b0ed47a6"
		    "5f513112daca242b5292ca314917bf94" },
		{ "NESSIE 256-256 set 2 vector 0",
		    "00000000000000000000000000000000"
		    "00000000000000000000000000000000",
		    "80000000000000000000000000000000"
		    "00000000000000000000000000000000",
		    "159a08e46e616e6e9978502010daff92"
		    "2eb362e77dcaaf02eaeb7354eb8b8dba" },
		{ "NESSIE 256-256 set 2 vector 3",
		    "00000000000000000000000000000000"
		    "00000000000000000000000000000000",
		    "10000000000000000000000000000000"
		    "00000000000000000000000000000000",
		    "db462eec713d4cc89607dca35c4fe6e8"
		    "d618c8bdacd3dd1c0a1b14e6ca8c23c6" }
	};
	struct rijndael	c;
	struct vec	k, p, x;
	uint8_t		out[32];
	size_t		i;

	for (i = 0; i < sizeof(kat) / sizeof(kat[0]); i++) {
		hexbytes(&k, kat[i].key);
		hexbytes(&p, kat[i].pt);
		hexbytes(&x, kat[i].ct);
		check(rijndael_setkey(&c, k.b, k.len, p.len) == 0, "setkey");
		check(rijndael_blocklen(&c) == p.len, "block length");
		rijndael_encrypt(&c, p.b, out);
		check(memcmp(out, x.b, x.len) == 0, "encryption differs");
		rijndael_decrypt(&c, x.b, out);
		check(memcmp(out, p.b, p.len) == 0, "decryption differs");
		/* in place */
		memcpy(out, p.b, p.len);
		rijndael_encrypt(&c, out, out);
		check(memcmp(out, x.b, x.len) == 0, "in place differs");
		result("rijndael: %s", kat[i].name);
	}

	check(rijndael_setkey(&c, k.b, 20, 32) == -1, "20-byte key taken");
	check(rijndael_setkey(&c, k.b, 32, 8) == -1, "8-byte block taken");
	check(rijndael_setkey(&c, k.b, 0, 32) == -1, "empty key taken");
	result("rijndael: key and block lengths other than 16, 24, 32");
}

/* ciphertext file ct under KEY from iv decrypts to plain + zero pad */
static void
cbc_vector(const char *ct, const char *plain, uint8_t *iv, const char *name)
{
	struct rijndael	c;
	struct vec	e, p;
	uint8_t		out[VEC_MAX], iv2[BLOCK];
	size_t		i;

	testkey(&c, KEY);
	if (vec_load(&e, ct) == -1 || vec_load(&p, plain) == -1) {
		result("cbc: %s", name);
		return;
	}
	check(e.len % BLOCK == 0 && p.len <= e.len && e.len - p.len < BLOCK,
	    "%zu bytes of ciphertext for %zu of frame", e.len, p.len);
	memcpy(iv2, iv, BLOCK);
	rijndael_cbc_decrypt(&c, iv, e.b, out, e.len);
	check(memcmp(out, p.b, p.len) == 0, "does not decrypt to %s", plain);
	for (i = p.len; i < e.len; i++)
		check(out[i] == 0, "padding byte %zu is 0x%02x", i, out[i]);
	check(memcmp(iv, e.b + e.len - BLOCK, BLOCK) == 0,
	    "IV is not the last ciphertext block");
	/* and back: the same ciphertext, the same chain */
	rijndael_cbc_encrypt(&c, iv2, out, out, e.len);
	check(memcmp(out, e.b, e.len) == 0, "does not encrypt to %s", ct);
	check(memcmp(iv2, iv, BLOCK) == 0, "encryption chain differs");
	result("cbc: %s", name);
}

static void
test_cbc(void)
{
	struct rijndael	c;
	struct vec	e;
	uint8_t		client[BLOCK], server[BLOCK], out[VEC_MAX];
	const char	*why;
	struct rscp_frame fr;

	memset(server, 0xff, BLOCK);
	cbc_vector("02", "01", server, "02 decrypts to 01 (go-rscp)");
	memset(server, 0xff, BLOCK);
	cbc_vector("04", "05", server, "04 decrypts to 05, nested (go-rscp)");
	memset(client, 0xff, BLOCK);
	cbc_vector("08", "07", client, "08: the authentication request");
	cbc_vector("12", "11", client,
	    "12: the poll request, chained from 08");
	memset(server, 0xff, BLOCK);
	cbc_vector("10", "09", server, "10: the authentication answer");
	cbc_vector("14", "13", server, "14: the poll answer, chained from 10");

	/* 03: the plaintext the MANIFEST gives */
	testkey(&c, KEY);
	memset(server, 0xff, BLOCK);
	if (vec_load(&e, "03") == 0) {
		rijndael_cbc_decrypt(&c, server, e.b, out, e.len);
		check(e.len == BLOCK && rscp_frame(out, 30, &fr, &why) == 0,
		    "03 does not decrypt to a frame");
		check(fr.sec == 1607267195 && fr.nsec == 365699000,
		    "03: time %lld.%u", (long long)fr.sec, fr.nsec);
		check(fr.datalen == 8 && fr.data[7] == 10, "03: level");
		check(pv_le32(out + 26) == 0xedaabef0, "03: CRC");
	}
	result("cbc: 03 decrypts to the 2020 authentication answer");

	/* 17: a frame without CRC that fills 6 blocks exactly */
	memset(server, 0xff, BLOCK);
	if (vec_load(&e, "17") == 0) {
		rijndael_cbc_decrypt(&c, server, e.b, out, e.len);
		check(e.len == 192 && rscp_frame(out, 192, &fr, &why) == 0,
		    "17 does not decrypt to a frame of 192 bytes");
		check(!fr.crc && fr.datalen == 174, "17: crc %d, %zu bytes",
		    fr.crc, fr.datalen);
		check(out[3] == 0x01, "17: control 0x%02x", out[3]);
	}
	result("cbc: 17, no CRC, exactly 192 bytes (go-rscp)");
}

/* walk values depth first, into a text: "tag:type:len{...}" */
static void
walk(struct rscp_iter *it, char *out, size_t outlen, int depth)
{
	struct rscp_value	v;
	struct rscp_iter	in;
	char			item[64];

	while (rscp_next(it, &v) == 1) {
		(void)snprintf(item, sizeof(item), "%s%08x:%02x:%zu",
		    out[0] != '\0' && out[strlen(out) - 1] != '{' ? " " : "",
		    v.tag, v.type, v.len);
		strlcat(out, item, outlen);
		if (rscp_enter(&v, &in) == 0) {
			strlcat(out, "{", outlen);
			walk(&in, out, outlen, depth + 1);
			strlcat(out, "}", outlen);
		}
	}
}

static void
test_frames(void)
{
	struct rscp_frame	 fr;
	struct rscp_iter	 it, in;
	struct rscp_value	 v;
	struct vec		 f;
	const char		*why;
	char			 text[2048];
	int64_t			 i;
	double			 d;
	uint32_t		 code;
	int			 n;

	/* 01: one UChar8 */
	if (vec_load(&f, "01") == 0 && rscp_frame(f.b, f.len, &fr, &why) == 0) {
		check(fr.crc && fr.sec == -23215049511LL &&
		    fr.nsec == 123456000, "01: time %lld.%u",
		    (long long)fr.sec, fr.nsec);
		rscp_iter_init(&it, fr.data, fr.datalen);
		check(rscp_next(&it, &v) == 1 && v.tag == 0x00800001 &&
		    v.type == RSCP_UCHAR8 && v.len == 1, "01: value");
		check(rscp_int(&v, &i) == 0 && i == 10, "01: level");
		check(rscp_next(&it, &v) == 0, "01: more than one value");
		check(pv_le32(f.b + f.len - 4) == 0xc3efb37f, "01: CRC");
	} else
		check(0, "01: %s", why);
	result("frame 01: RSCP_AUTHENTICATION 10, 1234-05-06");

	/* 05: containers in containers */
	if (vec_load(&f, "05") == 0 && rscp_frame(f.b, f.len, &fr, &why) == 0) {
		text[0] = '\0';
		rscp_iter_init(&it, fr.data, fr.datalen);
		walk(&it, text, sizeof(text), 0);
		check(strcmp(text, "03840000:0e:73{03040001:05:2 "
		    "03860000:0e:24{03860001:01:1 03860002:01:1 "
		    "03860003:01:1} 03800001:0a:4 0380000a:07:4 "
		    "0380000b:07:4} 0a80000e:0f:12 0180008b:0e:68{"
		    "01000100:01:1 01000101:06:4 01000102:06:4 "
		    "01000103:07:4 01000104:01:1 01000105:01:1 "
		    "01000106:06:4}") == 0, "05: %s", text);
		check(fr.datalen == 174 && pv_le32(f.b + f.len - 4) ==
		    0x7170269e, "05: length or CRC");
		/* EMS_GET_POWER_SETTINGS: MAX_CHARGE_POWER 4500 */
		rscp_iter_init(&it, fr.data, fr.datalen);
		n = 0;
		while (rscp_next(&it, &v) == 1)
			if (v.tag == 0x0180008b && rscp_enter(&v, &in) == 0)
				while (rscp_next(&in, &v) == 1)
					if (v.tag == 0x01000101 &&
					    rscp_int(&v, &i) == 0 && i == 4500)
						n++;
		check(n == 1, "05: MAX_CHARGE_POWER 4500 not found");
	} else
		check(0, "05: %s", why);
	result("frame 05: BAT_DATA, INFO_TIME, EMS_GET_POWER_SETTINGS");

	/* 06: no CRC, ten empty requests */
	if (vec_load(&f, "06") == 0 && rscp_frame(f.b, f.len, &fr, &why) == 0) {
		check(!fr.crc && fr.sec == 1590499414 && fr.nsec == 662000000,
		    "06: header");
		rscp_iter_init(&it, fr.data, fr.datalen);
		for (n = 0; rscp_next(&it, &v) == 1; n++)
			check(v.type == RSCP_NONE && v.len == 0 &&
			    (v.tag >> 24) == 0x0a, "06: value %d", n);
		check(n == 10, "06: %d values", n);
	} else
		check(0, "06: %s", why);
	result("frame 06: portal INFO requests without CRC");

	/* 16: an error */
	if (vec_load(&f, "16") == 0 && rscp_frame(f.b, f.len, &fr, &why) == 0) {
		rscp_iter_init(&it, fr.data, fr.datalen);
		check(rscp_next(&it, &v) == 1 && v.tag == 0x00ffffff &&
		    rscp_errcode(&v, &code) == 0 &&
		    code == RSCP_ERR_ACCESS_DENIED, "16: error");
		check(strcmp(rscp_errname(code), "ACCESS_DENIED") == 0,
		    "16: name");
		check(rscp_int(&v, &i) == -1 && rscp_float(&v, &d) == -1,
		    "16: an error read as a number");
	} else
		check(0, "16: %s", why);
	result("frame 16: RSCP_GENERAL_ERROR ACCESS_DENIED");

	/* 13: the poll answer's numbers */
	if (vec_load(&f, "13") == 0 && rscp_frame(f.b, f.len, &fr, &why) == 0) {
		rscp_iter_init(&it, fr.data, fr.datalen);
		n = 0;
		while (rscp_next(&it, &v) == 1) {
			if (v.tag == 0x01800005)
				check(rscp_int(&v, &i) == 0 && i == -9698,
				    "POWER_ADD");
			if (v.tag == 0x01800007)
				check(rscp_float(&v, &d) == 0 &&
				    d > 99.80897 && d < 99.80898,
				    "SELF_CONSUMPTION %f", d);
			n++;
		}
		check(n == 10 && fr.nsec == 250000000, "13: %d values", n);
	} else
		check(0, "13: %s", why);
	result("frame 13: ten poll answers");
}

/* a frame made bad in one way must be refused for that reason */
static void
bad_frame(const char *name, const uint8_t *buf, size_t len, const char *want)
{
	struct rscp_frame	 fr;
	const char		*why = NULL;

	check(rscp_frame(buf, len, &fr, &why) == -1, "taken");
	check(why != NULL && strcmp(why, want) == 0, "reason \"%s\", want "
	    "\"%s\"", why ? why : "", want);
	result("bad frame: %s", name);
}

/* put the data length and CRC of a frame of len bytes right */
static void
reseal(uint8_t *buf, size_t len)
{
	struct rscp_builder	b;

	rscp_build(&b, buf, len);
	b.len = len - RSCP_CRCLEN;
	(void)rscp_seal(&b, (int64_t)pv_le32(buf + 4), pv_le32(buf + 12));
}

static void
test_bad_frames(void)
{
	struct vec	f;
	uint8_t		b[256];
	size_t		i, n;

	if (vec_load(&f, "09") == -1)
		return;
	memcpy(b, f.b, f.len);
	b[1] = 0xdd;
	bad_frame("magic", b, f.len, "bad magic");
	memcpy(b, f.b, f.len);
	b[3] = 0x12;
	bad_frame("version 2", b, f.len, "bad control field");
	memcpy(b, f.b, f.len);
	b[3] = 0x31;
	bad_frame("reserved control bit", b, f.len, "bad control field");
	memcpy(b, f.b, f.len);
	b[2] = 0x01;
	bad_frame("reserved control byte", b, f.len, "bad control field");
	memcpy(b, f.b, f.len);
	b[f.len - 6] ^= 0x01;
	bad_frame("CRC", b, f.len, "bad CRC");
	bad_frame("one byte short", f.b, f.len - 1,
	    "frame length does not match its data length");
	bad_frame("header only", f.b, 17, "short frame header");

	/* value header cut: data length 3 */
	memcpy(b, f.b, 18);
	pv_put_le16(b + 16, 3);
	memset(b + 18, 0, 3);
	reseal(b, 18 + 3 + 4);
	bad_frame("truncated value header", b, 25, "truncated value header");

	/* a value claiming more than the frame has */
	memcpy(b, f.b, f.len);
	pv_put_le16(b + 23, 2);
	reseal(b, f.len);
	bad_frame("value longer than the frame", b, f.len,
	    "value longer than what holds it");

	/* a container whose content overruns it */
	n = 18;
	memcpy(b, f.b, 18);
	pv_put_le32(b + n, 0x03840000);
	b[n + 4] = RSCP_CONTAINER;
	pv_put_le16(b + n + 5, 8);
	pv_put_le32(b + n + 7, 0x03040001);
	b[n + 11] = RSCP_UINT16;
	pv_put_le16(b + n + 12, 2);
	b[n + 14] = 0;
	n += 15;
	pv_put_le16(b + 16, (uint16_t)(n - 18));
	reseal(b, n + 4);
	bad_frame("inner value overruns its container", b, n + 4,
	    "value longer than what holds it");

	/* nesting: RSCP_MAXDEPTH containers are fine, one more is not */
	for (i = 0; i <= RSCP_MAXDEPTH; i++) {
		n = 18 + i * 7;
		pv_put_le32(b + n, 0x0e040000);
		b[n + 4] = RSCP_CONTAINER;
		pv_put_le16(b + n + 5, (uint16_t)((RSCP_MAXDEPTH - i) * 7));
	}
	n = 18 + (RSCP_MAXDEPTH + 1) * 7;
	pv_put_le16(b + 16, (uint16_t)(n - 18));
	reseal(b, n + 4);
	bad_frame("containers nested 9 deep", b, n + 4,
	    "containers nested too deep");
	{
		struct rscp_frame	 fr;
		const char		*why;

		/* drop the outermost: 8 deep */
		memmove(b + 18, b + 25, n - 25);
		n -= 7;
		pv_put_le16(b + 16, (uint16_t)(n - 18));
		reseal(b, n + 4);
		check(rscp_frame(b, n + 4, &fr, &why) == 0,
		    "8 deep refused: %s", why);
		result("frame: containers nested 8 deep");
	}
}

static void
test_types(void)
{
	static const struct {
		uint8_t		type;
		const char	*hex;
		int64_t		want;
	} ints[] = {
		{ RSCP_BOOL, "01", 1 },
		{ RSCP_BOOL, "00", 0 },
		{ RSCP_CHAR8, "ff", -1 },
		{ RSCP_UCHAR8, "ff", 255 },
		{ RSCP_INT16, "feff", -2 },
		{ RSCP_UINT16, "feff", 65534 },
		{ RSCP_INT32, "1edaffff", -9698 },
		{ RSCP_UINT32, "ffffffff", 4294967295LL },
		{ RSCP_INT64, "ffffffffffffffff", -1 },
		{ RSCP_UINT64, "ffffffffffffff7f", INT64_MAX }
	};
	struct rscp_value	v;
	struct vec		x;
	int64_t			i, sec;
	uint32_t		ns;
	double			d;
	size_t			k;

	for (k = 0; k < sizeof(ints) / sizeof(ints[0]); k++) {
		hexbytes(&x, ints[k].hex);
		v.type = ints[k].type;
		v.data = x.b;
		v.len = x.len;
		check(rscp_int(&v, &i) == 0 && i == ints[k].want,
		    "type 0x%02x %s: %lld", v.type, ints[k].hex,
		    (long long)i);
		v.len = x.len + 1;
		check(rscp_int(&v, &i) == -1, "type 0x%02x with %zu bytes "
		    "taken", v.type, v.len);
	}
	hexbytes(&x, "ffffffffffffffff");
	v.type = RSCP_UINT64;
	v.data = x.b;
	v.len = 8;
	check(rscp_int(&v, &i) == -1, "UInt64 above INT64_MAX taken");
	v.type = RSCP_CSTRING;
	check(rscp_int(&v, &i) == -1, "a CString read as a number");
	result("types: integers by type and length");

	hexbytes(&x, "0000c03f");		/* 1.5f */
	v.type = RSCP_FLOAT32;
	v.data = x.b;
	v.len = 4;
	check(rscp_float(&v, &d) == 0 && d == 1.5, "Float32");
	hexbytes(&x, "000000000000f8bf");	/* -1.5 */
	v.type = RSCP_DOUBLE64;
	v.len = 8;
	check(rscp_float(&v, &d) == 0 && d == -1.5, "Double64");
	v.len = 4;
	check(rscp_float(&v, &d) == -1, "Double64 of 4 bytes taken");
	hexbytes(&x, "01f153650000000080b2e60e");
	v.type = RSCP_TIMESTAMP;
	v.data = x.b;
	v.len = 12;
	check(rscp_timestamp(&v, &sec, &ns) == 0 && sec == 1700000001 &&
	    ns == 250000000, "Timestamp");
	v.len = 8;
	check(rscp_timestamp(&v, &sec, &ns) == -1, "Timestamp of 8 taken");
	check(strcmp(rscp_errname(8), "ALREADY_IN_USE") == 0 &&
	    strcmp(rscp_errname(99), "unknown error") == 0, "error names");
	result("types: floats, timestamps, errors");
}

static void
fill_07(struct rscp_builder *b, void *arg)
{
	(void)arg;
	rscp_open(b, 0x00000001);
	rscp_put_string(b, 0x00000002, "user");
	rscp_put_string(b, 0x00000003, "pass");
	rscp_close(b);
}

static void
fill_15(struct rscp_builder *b, void *arg)
{
	(void)arg;
	rscp_put(b, 0x01000001, RSCP_NONE, NULL, 0);
}

static void
test_builder(void)
{
	struct rscp_builder	b;
	struct vec		f;
	uint8_t			buf[512];
	size_t			n;

	n = build(buf, sizeof(buf), T0, 0, fill_07, NULL);
	check(vec_load(&f, "07") == 0 && n == f.len &&
	    memcmp(buf, f.b, n) == 0, "07 differs");
	result("build: 07, the authentication request");
	n = poll_request(buf, sizeof(buf), T0 + 1);
	check(vec_load(&f, "11") == 0 && n == f.len &&
	    memcmp(buf, f.b, n) == 0, "11 differs");
	result("build: 11, the poll request");
	n = build(buf, sizeof(buf), 1700000002, 0, fill_15, NULL);
	check(vec_load(&f, "15") == 0 && n == f.len &&
	    memcmp(buf, f.b, n) == 0, "15 differs");
	result("build: 15, one request");

	/* no room */
	n = build(buf, 40, T0, 0, fill_07, NULL);
	check(n == 0, "a frame built in 40 bytes");
	n = build(buf, 18 + 7 + 4, T0, 0, fill_15, NULL);
	check(n == 29, "exactly fitting frame: %zu", n);
	/* misnested */
	rscp_build(&b, buf, sizeof(buf));
	rscp_close(&b);
	check(rscp_seal(&b, T0, 0) == 0, "close without open sealed");
	rscp_build(&b, buf, sizeof(buf));
	rscp_open(&b, 1);
	check(rscp_seal(&b, T0, 0) == 0, "open container sealed");
	result("build: no room, misnested containers");
}

static void
test_framer(void)
{
	const struct proto	*pr = proto_byid(PROTO_E3DC_RSCP);
	const char		*why = NULL;
	uint8_t			 b[200];
	size_t			 n = 0;

	memset(b, 0, sizeof(b));
	check(pr != NULL && strcmp(pr->name, "e3dc-rscp") == 0 &&
	    pr->port == 5033 && pr->open != NULL && pr->tick != NULL &&
	    pr->gone != NULL, "registry");
	check(proto_byname("e3dc-rscp") == pr, "by name");
	check(pr->statesize > 0 && pr->statesize <= STATE_MAX,
	    "state of %zu bytes", pr->statesize);
	check(e3dc_frame(b, 31, 8192, &n, &why) == FRAME_MORE, "31 bytes");
	check(e3dc_frame(b, 33, 8192, &n, &why) == FRAME_OK && n == 32,
	    "33 bytes: %zu", n);
	check(e3dc_frame(b, 200, 8192, &n, &why) == FRAME_OK && n == 192,
	    "200 bytes: %zu", n);
	check(e3dc_frame(b, 200, 100, &n, &why) == FRAME_OK && n == 96,
	    "200 bytes, max 100: %zu", n);
	check(e3dc_frame(b, 200, 31, &n, &why) == FRAME_CLOSE &&
	    why != NULL, "max 31");
	result("framer: whole cipher blocks");
}

/* the first request is 08 byte for byte; the others follow the chains */
static void
test_session(void)
{
	struct conn	*c;
	struct vec	 v08, v11;
	uint8_t		 pt[REPLY_KEEP], fr[512];
	size_t		 len;
	const struct record *r;

	c = session(KEY, 5);
	check(vec_load(&v08, "08") == 0, "08");
	want_reply(c, 1, v08.b, v08.len);
	check(c->timer == 10000, "timer %u after authentication", c->timer);
	check(c->ncloses == 0 && c->ndumps == 0, "closed or dumped");
	result("session: authentication request is 08");

	/* 10, the E3/DC's first frame: the identity request follows */
	(void)request(c, 0, pt, &len);
	check(vec_load(&v08, "10") == 0, "10");
	feed(c, v08.b, v08.len);
	memcpy(peer.rxiv, v08.b + v08.len - BLOCK, BLOCK);
	want_reply(c, 2, NULL, 0);
	if (request(c, 1, pt, &len) == 0) {
		check(ident_request(fr, sizeof(fr)) == len &&
		    memcmp(pt, fr, len) == 0, "identity request");
		check(pv_le32(pt + 4) == T0, "time of the request");
	}
	want_dump(c, 0, NULL);
	result("session: 10 accepted, identity asked");

	/* identity: device record, then the poll request, 11 and more */
	c->ctx.now = T0 + 1;
	answer(c, fr, ident_answer(fr, sizeof(fr)), 5);
	check(c->nrecords == 1, "%d records", c->nrecords);
	r = &c->rec[0];
	check(r->kind == REC_DEVICE && strcmp(r->device, SERIAL) == 0,
	    "device record of \"%s\"", r->device);
	want_attr(r, A_FIRMWARE, RELEASE);
	check(strcmp(c->claim, SERIAL) == 0, "claimed \"%s\"", c->claim);
	want_reply(c, 3, NULL, 0);
	if (request(c, 2, pt, &len) == 0) {
		check(session_poll(fr, sizeof(fr), T0 + 1, &bare) == len &&
		    memcmp(pt, fr, len) == 0, "poll request differs");
		/* the fast values as before: 11's ten, in its order */
		check(vec_load(&v11, "11") == 0 && len > v11.len &&
		    memcmp(pt + 4, v11.b + 4, 12) == 0 &&
		    memcmp(pt + 18, v11.b + 18, v11.len - 22) == 0,
		    "poll request does not start with 11's values");
	}
	result("session: identity recorded, poll request is 11 and more");

	/* the poll answer, 13: one measurement, then the interval */
	check(vec_load(&v11, "13") == 0, "13");
	answer(c, v11.b, v11.len, 0);
	want_dump(c, 0, NULL);
	check(c->nrecords == 2, "%d records", c->nrecords);
	r = &c->rec[1];
	check(r->kind == REC_MEASUREMENT && r->time == 1700000001 &&
	    strcmp(r->device, SERIAL) == 0 && r->proto == PROTO_E3DC_RSCP,
	    "record header");
	want_fast(r);
	check(r->nmetrics == 9, "%u metrics", r->nmetrics);
	check(c->timer == 5000, "timer %u, want the interval", c->timer);
	want_reply(c, 3, NULL, 0);
	result("session: 13 recorded, next poll in 5 s");

	/* the interval: the same poll, later, on the chain */
	c->ctx.now = T0 + 7;
	conn_tick(c);
	want_reply(c, 4, NULL, 0);
	if (request(c, 3, pt, &len) == 0) {
		check(session_poll(fr, sizeof(fr), T0 + 7, &bare) == len &&
		    memcmp(pt, fr, len) == 0, "second poll differs");
	}
	check(c->timer == 10000, "timer %u, want the timeout", c->timer);
	answer(c, v11.b, v11.len, 32);
	check(c->nrecords == 3 && c->ndumps == 0 && c->ncloses == 0,
	    "second answer: %d records", c->nrecords);
	check(nlogs == 0, "logged: %s", logs[0]);
	result("session: polls go on every interval");

	/* gone: the state is wiped */
	conn_gone(c);
	{
		size_t		i;
		const uint8_t	*s = c->ctx.state;

		for (i = 0; i < c->proto->statesize; i++)
			if (s[i] != 0)
				break;
		check(i == c->proto->statesize, "state byte %zu left", i);
	}
	check(nlogs == 0, "logged when closing a session: %s", logs[0]);
	result("session: gone wipes the state");
}

/* reads of every size, frames split and joined */
static void
test_split(void)
{
	struct conn	*c;
	struct vec	 v13;
	uint8_t		 fr[512], ct[1024], pt[REPLY_KEEP];
	size_t		 n, m, len, off, step;

	for (step = 1; step <= 97; step += 12) {
		c = session(KEY, 5);
		up_to_poll(c);
		if (vec_load(&v13, "13") == -1)
			return;
		/* two answers back to back, the second while waiting */
		n = (v13.len + BLOCK - 1) / BLOCK * BLOCK;
		memset(ct, 0, 2 * n);
		memcpy(ct, v13.b, v13.len);
		memcpy(ct + n, v13.b, v13.len);
		rijndael_cbc_encrypt(&peer.c, peer.rxiv, ct, ct, 2 * n);
		for (off = 0; off < 2 * n; off += m) {
			m = 2 * n - off < step ? 2 * n - off : step;
			feed(c, ct + off, m);
		}
		check(c->nrecords == 2, "%d records", c->nrecords);
		want_dump(c, 1, "frame while nothing was asked");
		/* the dump: the receive IV, then the frame's ciphertext */
		check(c->dumplen[0] == BLOCK + n && memcmp(c->dump[0],
		    ct + n - BLOCK, BLOCK + n) == 0, "dump is not IV and "
		    "ciphertext");
		/* the chain is still right */
		conn_tick(c);
		(void)request(c, 3, pt, &len);
		check(session_poll(fr, sizeof(fr), T0, &bare) == len &&
		    memcmp(pt, fr, len) == 0, "poll differs");
		answer(c, v13.b, v13.len, step);
		check(c->nrecords == 3 && c->ndumps == 1 && c->ncloses == 0,
		    "after the chain: %d records", c->nrecords);
		result("session: two answers in reads of %zu bytes", step);
	}
}

/* level 0 again and again: a doubling wait, on the same connection */
static void
test_refused(void)
{
	static const unsigned int	waits[] = {
		2000, 4000, 8000, 16000, 32000, 64000, 128000, 256000,
		300000, 300000
	};
	struct conn	*c;
	struct vec	 v07, v16;
	uint8_t		 pt[REPLY_KEEP], fr[256];
	size_t		 len, i;
	int		 n = 0;

	c = session(KEY, 5);
	(void)request(c, 0, pt, &len);
	check(vec_load(&v07, "07") == 0, "07");
	for (i = 0; i < sizeof(waits) / sizeof(waits[0]); i++) {
		answer(c, fr, auth_answer(fr, sizeof(fr), 0), 0);
		check(c->timer == waits[i], "wait %zu: %u ms, want %u", i,
		    c->timer, waits[i]);
		check(c->nreplies == n + 1, "asked again at once");
		check(logged("authentication refused (user level 0): wrong "
		    "user or password") == (int)i + 1, "log: %s",
		    nlogs > 0 ? logs[0] : "none");
		conn_tick(c);
		n++;
		/* the same request, on the chain */
		if (request(c, n, pt, &len) == 0)
			check(len == v07.len && memcmp(pt, v07.b, len) == 0,
			    "authentication request %d differs", n);
		if (failing())
			break;
	}
	check(c->ncloses == 0 && c->ndumps == 0, "closed or dumped");
	result("session: refusals wait 2 s doubling up to 300 s");

	/* in at last: the wait starts over once a poll is answered */
	answer(c, fr, auth_answer(fr, sizeof(fr), 20), 0);
	(void)request(c, ++n, pt, &len);
	answer(c, fr, ident_answer(fr, sizeof(fr)), 0);
	(void)request(c, ++n, pt, &len);
	check(vec_load(&v16, "13") == 0, "13");
	answer(c, v16.b, v16.len, 0);
	check(c->nrecords == 2, "%d records", c->nrecords);
	/* access denied in the middle of the session: 16 */
	conn_tick(c);
	(void)request(c, ++n, pt, &len);
	check(vec_load(&v16, "16") == 0, "16");
	answer(c, v16.b, v16.len, 0);
	check(c->timer == 2000, "wait %u after access denied", c->timer);
	check(logged("access denied: wrong user or password; trying again "
	    "in 2 s") == 1, "no access denied log");
	conn_tick(c);
	if (request(c, ++n, pt, &len) == 0)
		check(len == v07.len && memcmp(pt + 18, v07.b + 18, 29) == 0,
		    "not authenticating again");
	check(c->ncloses == 0 && c->ndumps == 0, "closed or dumped");
	result("session: ACCESS_DENIED (16) authenticates again after 2 s");
}

static void
fill_autherr(struct rscp_builder *b, void *arg)
{
	uint8_t	code[4];

	(void)arg;
	pv_put_le32(code, RSCP_ERR_ACCESS_DENIED);
	rscp_put(b, 0x00800001, RSCP_ERROR, code, 4);
}

static void
fill_nolevel(struct rscp_builder *b, void *arg)
{
	(void)arg;
	rscp_put_string(b, 0x0a800001, SERIAL);
}

static void
test_authanswers(void)
{
	struct conn	*c;
	uint8_t		 pt[REPLY_KEEP], fr[256];
	size_t		 len;

	c = session(KEY, 5);
	(void)request(c, 0, pt, &len);
	answer(c, fr, build(fr, sizeof(fr), T0, 0, fill_autherr, NULL), 0);
	check(logged("authentication answered ACCESS_DENIED: wrong user or "
	    "password; trying again in 2 s") == 1, "log: %s",
	    nlogs > 0 ? logs[0] : "none");
	check(c->timer == 2000 && c->ncloses == 0, "no wait");
	result("session: an error for the user level is a refusal");

	c = session(KEY, 5);
	(void)request(c, 0, pt, &len);
	answer(c, fr, build(fr, sizeof(fr), T0, 0, fill_nolevel, NULL), 0);
	want_dump(c, 1, "answer to authentication without a user level");
	check(c->ncloses == 1, "not closed");
	result("session: an answer without a user level closes");
}

/* the wrong key: the answer does not decrypt, or never comes */
static void
test_wrongkey(void)
{
	struct conn	*c;
	struct vec	 v10;
	const char	*why;
	uint8_t		 pt[REPLY_KEEP];
	size_t		 len;

	c = session("wrongkey", 5);
	/* what the E3/DC reads is no frame */
	check(c->nreplies == 1 && c->replylen[0] == 64, "request");
	rijndael_cbc_decrypt(&peer.c, peer.txiv, c->reply[0], pt, 64);
	check(rscp_header(pt, 64, &len, &why) == -1, "E3/DC read a frame");
	check(vec_load(&v10, "10") == 0, "10");
	feed(c, v10.b, v10.len);
	want_dump(c, 1, NULL);
	check(strncmp(c->reason[0], "does not decrypt to a frame (", 29) == 0 &&
	    strstr(c->reason[0], "wrong rscp_key?") != NULL, "reason: %s",
	    c->reason[0]);
	check(c->dumplen[0] == BLOCK + v10.len && c->dump[0][0] == 0xff &&
	    c->dump[0][31] == 0xff && memcmp(c->dump[0] + BLOCK, v10.b,
	    v10.len) == 0, "dump is not IV and ciphertext");
	check(logged("the answer to authentication does not decrypt: wrong "
	    "rscp_key?") == 1, "log: %s", nlogs > 0 ? logs[0] : "none");
	check(c->ncloses == 1 && c->timer == 0, "not closed");
	feed(c, v10.b, v10.len);
	want_dump(c, 2, "after the session ended");
	conn_gone(c);
	check(nlogs == 1, "%d log lines", nlogs);
	result("session: an answer under another key is dumped, logged, "
	    "closed");

	/* what the E3/DC does: close without a word */
	c = session("wrongkey", 5);
	conn_gone(c);
	check(logged("connection closed before the answer to "
	    "authentication: wrong rscp_key?") == 1, "log: %s",
	    nlogs > 0 ? logs[0] : "none");
	result("session: closed before the answer: wrong key logged");

	c = session("wrongkey", 5);
	conn_tick(c);
	check(logged("no answer to authentication within 10000 ms: wrong "
	    "rscp_key?") == 1, "log: %s", nlogs > 0 ? logs[0] : "none");
	check(c->ncloses == 1, "not closed");
	conn_gone(c);
	check(nlogs == 1, "%d log lines", nlogs);
	result("session: no answer in time: wrong key logged, closed");
}

static void
test_timeouts(void)
{
	struct conn	*c;
	uint8_t		 pt[REPLY_KEEP], fr[256];
	size_t		 len;

	c = session(KEY, 3);
	up_to_poll(c);
	c->ctx.now = T0 + 10;
	conn_tick(c);
	want_reply(c, 4, NULL, 0);
	if (request(c, 3, pt, &len) == 0)
		check(session_poll(fr, sizeof(fr), T0 + 10, &bare) == len &&
		    memcmp(pt, fr, len) == 0, "poll not asked again");
	check(c->ncloses == 0, "closed after one timeout");
	conn_tick(c);
	check(c->ncloses == 1 && logged("2 requests not answered within "
	    "10000 ms: reconnecting") == 1, "log: %s",
	    nlogs > 0 ? logs[0] : "none");
	result("session: a poll not answered twice closes");

	c = session(KEY, 3);
	(void)request(c, 0, pt, &len);
	answer(c, fr, auth_answer(fr, sizeof(fr), 10), 0);
	conn_tick(c);
	(void)request(c, 1, pt, &len);
	check(c->nreplies == 3 && request(c, 2, pt, &len) == 0 &&
	    pv_le32(pt + 18) == 0x0a000001, "identity not asked again");
	answer(c, fr, ident_answer(fr, sizeof(fr)), 0);
	check(c->nrecords == 1 && c->timer == 10000, "identity lost");
	answer(c, fr, ident_answer(fr, sizeof(fr)), 0);
	check(c->nrecords == 1 && c->ndumps == 1, "late identity not "
	    "dumped");
	result("session: the identity asked again; 3 s interval taken");
}

struct pollvals {
	int		 wb_error;	/* POWER_WB_ALL: NOT_AVAILABLE */
	int		 widths;	/* other types than documented */
	int		 extra;		/* an unexpected tag */
	int		 text;		/* POWER_GRID as a CString */
};

static void
fill_pollanswer(struct rscp_builder *b, void *arg)
{
	const struct pollvals	*pv = arg;
	uint8_t			 x[12];
	float			 f;
	uint32_t		 u;

	pv_put_le32(x, 1700000100);
	pv_put_le32(x + 4, 0);
	pv_put_le32(x + 8, 0);
	rscp_put(b, 0x0a80000f, RSCP_TIMESTAMP, x, 12);
	if (pv->widths) {
		pv_put_le32(x, 88);
		rscp_put(b, 0x01800008, RSCP_UINT32, x, 4);
		pv_put_le16(x, 4000);
		rscp_put(b, 0x01800001, RSCP_UINT16, x, 2);
		pv_put_le32(x, (uint32_t)-1200);
		pv_put_le32(x + 4, 0xffffffff);
		rscp_put(b, 0x01800002, RSCP_INT64, x, 8);
		f = 1632.4f;
		memcpy(&u, &f, 4);
		pv_put_le32(x, u);
		rscp_put(b, 0x01800003, RSCP_FLOAT32, x, 4);
	} else {
		x[0] = 50;
		rscp_put(b, 0x01800008, RSCP_UCHAR8, x, 1);
	}
	if (pv->text)
		rscp_put_string(b, 0x01800004, "-66");
	else {
		pv_put_le32(x, 300);
		rscp_put(b, 0x01800004, RSCP_INT32, x, 4);
	}
	if (pv->wb_error) {
		pv_put_le32(x, RSCP_ERR_NOT_AVAILABLE);
		rscp_put(b, 0x0180001f, RSCP_ERROR, x, 4);
	} else {
		pv_put_le32(x, 0);
		rscp_put(b, 0x0180001f, RSCP_INT32, x, 4);
	}
	if (pv->extra) {
		x[0] = 1;
		rscp_put(b, 0x01800099, RSCP_BOOL, x, 1);
	}
}

static size_t
pollanswer(uint8_t *buf, size_t size, int wb, int widths, int extra,
    int text)
{
	struct pollvals	pv;

	pv.wb_error = wb;
	pv.widths = widths;
	pv.extra = extra;
	pv.text = text;
	return (build(buf, size, T0, 0, fill_pollanswer, &pv));
}

static void
test_values(void)
{
	struct conn		*c;
	const struct record	*r;
	uint8_t			 pt[REPLY_KEEP], fr[512];
	size_t			 len;
	int			 n = 2;

	c = session(KEY, 5);
	up_to_poll(c);
	answer(c, fr, pollanswer(fr, sizeof(fr), 0, 1, 0, 0), 0);
	want_dump(c, 0, NULL);
	r = &c->rec[c->nrecords - 1];
	check(c->nrecords == 2 && r->time == 1700000100, "record time");
	want_metric(r, M_BATTERY_SOC, 0, 88, 0);
	want_metric(r, M_SOLAR_POWER, 0, 4000, 0);
	want_metric(r, M_BATTERY_POWER, 0, 1200, 0);
	want_metric(r, M_HOUSE_POWER, 0, 163240, 2);
	want_metric(r, M_GRID_POWER, 0, 300, 0);
	want_metric(r, M_WALLBOX_POWER, 0, 0, 0);
	want_absent(r, M_AUTARKY, 0);
	result("values: read by their type and length on the wire");

	conn_tick(c);
	(void)request(c, ++n, pt, &len);
	answer(c, fr, pollanswer(fr, sizeof(fr), 1, 0, 0, 0), 0);
	want_dump(c, 1, "EMS_POWER_WB_ALL answered NOT_AVAILABLE");
	r = &c->rec[c->nrecords - 1];
	check(c->nrecords == 3, "%d records", c->nrecords);
	want_absent(r, M_WALLBOX_POWER, 0);
	want_metric(r, M_BATTERY_SOC, 0, 50, 0);
	conn_tick(c);
	(void)request(c, ++n, pt, &len);
	answer(c, fr, pollanswer(fr, sizeof(fr), 1, 0, 0, 0), 0);
	check(c->nrecords == 4 && c->ndumps == 1, "error dumped again");
	result("values: an error answer is left out, dumped once");

	conn_tick(c);
	(void)request(c, ++n, pt, &len);
	answer(c, fr, pollanswer(fr, sizeof(fr), 0, 0, 1, 0), 0);
	want_dump(c, 2, "unexpected tag 0x01800099");
	check(c->nrecords == 5, "no record");
	conn_tick(c);
	(void)request(c, ++n, pt, &len);
	answer(c, fr, pollanswer(fr, sizeof(fr), 0, 0, 0, 1), 0);
	want_dump(c, 3, "EMS_POWER_GRID: type 0x0d, 3 bytes, not a number");
	want_absent(&c->rec[c->nrecords - 1], M_GRID_POWER, 0);
	check(c->nrecords == 6 && c->ncloses == 0, "no record");
	result("values: unexpected tags and non-numbers dumped");
}

static void
fill_none(struct rscp_builder *b, void *arg)
{
	(void)b;
	(void)arg;
}

/* frames that decrypt but are wrong; the chain runs on */
static void
test_bad_answers(void)
{
	struct conn	*c;
	struct vec	 v13;
	uint8_t		 fr[512], ct[512];
	size_t		 n;

	if (vec_load(&v13, "13") == -1)
		return;
	c = session(KEY, 5);
	up_to_poll(c);
	memcpy(fr, v13.b, v13.len);
	fr[v13.len - 1] ^= 0x80;
	answer(c, fr, v13.len, 0);
	want_dump(c, 1, "bad CRC");
	check(c->nrecords == 1 && c->ncloses == 0, "bad CRC taken");
	answer(c, v13.b, v13.len, 0);
	check(c->nrecords == 2 && c->ndumps == 1, "good frame after a bad "
	    "CRC lost");
	result("answers: bad CRC dumped, the next frame decoded");

	conn_tick(c);
	(void)request(c, 3, ct, &n);
	answer(c, fr, build(fr, sizeof(fr), T0, 0, fill_none, NULL), 0);
	want_dump(c, 2, "no values in the answer to the poll");
	check(c->nrecords == 2 && c->timer == 5000, "empty answer");
	result("answers: an empty answer is dumped");

	/* padding that is not zero */
	conn_tick(c);
	(void)request(c, 4, ct, &n);
	n = (v13.len + BLOCK - 1) / BLOCK * BLOCK;
	memset(ct, 0xaa, n);
	memcpy(ct, v13.b, v13.len);
	rijndael_cbc_encrypt(&peer.c, peer.rxiv, ct, ct, n);
	feed(c, ct, n);
	want_dump(c, 3, "padding is not zero");
	check(c->nrecords == 3, "frame with padding lost");
	result("answers: padding that is not zero is dumped");

	/* a value overrunning the frame */
	conn_tick(c);
	(void)request(c, 5, ct, &n);
	memcpy(fr, v13.b, v13.len);
	pv_put_le16(fr + 23, 200);
	reseal(fr, v13.len);
	answer(c, fr, v13.len, 0);
	want_dump(c, 4, "value longer than what holds it");
	check(c->nrecords == 3 && c->ncloses == 0, "bad values");
	result("answers: malformed values dumped");

	/* a frame larger than the session takes: close */
	memcpy(fr, v13.b, 32);
	pv_put_le16(fr + 16, 65535);
	answer(c, fr, 32, 0);
	want_dump(c, 5, "frame of 65557 bytes, more than 16384");
	check(c->ncloses == 1, "not closed");
	result("answers: a frame too large closes");
}

static void
test_no_session(void)
{
	struct conn	*c;
	uint8_t		 b[64];

	c = session(KEY, 5);
	conn_gone(c);
	c = conn_open(PROTO_E3DC_RSCP, 0);
	nlogs = 0;
	conn_up(c);
	check(c->ncloses == 1 && c->nreplies == 0 &&
	    logged("not a connection the gateway dialled") == 1, "accepted");
	result("session: an accepted connection is closed");

	c = conn_open(PROTO_E3DC_RSCP, 0);
	c->ctx.dev = &dev;
	nlogs = 0;
	conn_up(c);
	check(c->ncloses == 1 && c->nreplies == 0 &&
	    logged("no rscp_key and user") == 1, "no secrets");
	result("session: no secrets, no session");

	c = conn_open(PROTO_E3DC_RSCP, 0);
	memset(b, 0, sizeof(b));
	feed(c, b, sizeof(b));
	want_dump(c, 1, "bytes before the session began");
	check(c->ncloses == 1, "not closed");
	result("session: bytes without a session are dumped");
}

/* the system info: one device record; what the poll asks follows it */
static void
test_sysinfo(void)
{
	struct sysinfo		 si = { SERIAL, 2, 2 };
	struct shape		 sh = { 1, 2, 2, 0 };
	struct conn		*c;
	const struct record	*r;
	uint8_t			 pt[REPLY_KEEP], fr[1024];
	size_t			 len;

	c = session(KEY, 5);
	up_to_detail(c, &si, pt, &len);
	r = &c->rec[0];
	check(c->nrecords == 1 && r->kind == REC_DEVICE &&
	    strcmp(r->device, SERIAL) == 0, "device record");
	want_attr(r, A_MODEL, "S10 E Compact");
	want_attr(r, A_SERIAL, SERIAL);
	want_attr(r, A_FIRMWARE, RELEASE);
	want_metric(r, M_PV_PEAK_POWER, 0, 9870, 0);
	want_metric(r, M_BATTERY_CAPACITY, 0, 13000, 3);
	check(r->nmetrics == 2 && r->nattrs == 3, "%u metrics, %u attributes",
	    r->nmetrics, r->nattrs);
	want_dump(c, 0, NULL);
	check(session_poll(fr, sizeof(fr), T0, &sh) == len &&
	    memcmp(pt, fr, len) == 0, "poll: not 2 modules and 2 strings");
	result("system info: device record, then a poll of 2 modules and "
	    "2 strings");


	/* no battery; more modules than polled */
	si.serial = SERIAL;
	si.ndcb = -1;
	c = session(KEY, 5);
	up_to_detail(c, &si, pt, &len);
	sh.battery = 0;
	sh.pm = 0;
	check(session_poll(fr, sizeof(fr), T0, &sh) == len &&
	    memcmp(pt, fr, len) == 0, "poll asks a battery not there");
	want_dump(c, 0, NULL);
	si.ndcb = 200;
	c = session(KEY, 5);
	up_to_detail(c, &si, pt, &len);
	sh.battery = 1;
	sh.ndcb = 16;
	check(session_poll(fr, sizeof(fr), T0, &sh) == len &&
	    memcmp(pt, fr, len) == 0, "poll not of the first 16 modules");
	check(logged("200 battery modules: polling the first 16") == 1,
	    "no log line");
	result("system info: no battery, no BAT_REQ_DATA; 200 modules, 16 "
	    "polled");
}

/* the model, and the grid meter polled, as the serial number tells */
static void
test_models(void)
{
	static const struct {
		const char	*serial;
		const char	*model;
		uint16_t	 pm;
	} models[] = {
		{ "S10-4012345678", "S10 E", 0 },
		{ "S10-7212345678", "S10 E", 0 },
		{ "S10-5012345678", "S10 Mini", 6 },
		{ "Q10-6012345678", "Quattroporte", 6 },
		{ "P10-7012345678", "S10 E Pro", 0 },
		{ "P10-7512345678", "S10 E Pro Compact", 0 },
		{ "H20-8012345678", "S10 X", 0 },
		{ "7412345678", "S10 E Compact", 0 },
		{ "S10-9912345678", NULL, 0 }
	};
	struct sysinfo		 si = { SERIAL, 2, 2 };
	struct shape		 sh = { 1, 2, 2, 0 };
	struct conn		*c;
	const struct record	*r;
	uint8_t			 pt[REPLY_KEEP], fr[1024];
	size_t			 len, i;

	for (i = 0; i < sizeof(models) / sizeof(models[0]); i++) {
		si.serial = models[i].serial;
		sh.pm = models[i].pm;
		c = session(KEY, 5);
		up_to_detail(c, &si, pt, &len);
		r = &c->rec[0];
		if (models[i].model != NULL)
			want_attr(r, A_MODEL, models[i].model);
		else
			check(record_findattr(r, A_MODEL) == NULL,
			    "%s: a model", si.serial);
		check(session_poll(fr, sizeof(fr), T0, &sh) == len &&
		    memcmp(pt, fr, len) == 0, "%s: not power meter %u",
		    si.serial, sh.pm);
	}
	result("system info: model and grid meter by the serial number");
}

/* poll request n, then its answer */
static void
poll_once(struct conn *c, int n, const struct detail *d)
{
	uint8_t	pt[REPLY_KEEP], fr[2048];
	size_t	len;

	conn_tick(c);
	(void)request(c, n, pt, &len);
	answer(c, fr, detail_answer(fr, sizeof(fr), d), 0);
}

/* a session with two modules and two strings, its first poll answered */
static struct conn *
detail_session(const struct detail *d)
{
	struct sysinfo	 si = { SERIAL, 2, 2 };
	struct conn	*c;
	uint8_t		 pt[REPLY_KEEP], fr[2048];
	size_t		 len;

	c = session(KEY, 5);
	up_to_detail(c, &si, pt, &len);
	answer(c, fr, detail_answer(fr, sizeof(fr), d), 0);
	return (c);
}

static void
test_detail(void)
{
	struct detail		 d;
	struct conn		*c;
	const struct record	*r;

	detail_init(&d);
	c = detail_session(&d);
	want_dump(c, 0, NULL);
	check(c->nrecords == 2, "%d records", c->nrecords);
	r = &c->rec[1];
	check(r->kind == REC_MEASUREMENT && r->time == 1700000001,
	    "measurement");
	/* the fast values, unchanged */
	want_fast(r);
	/* EMS status 0x06: discharging locked; emergency power not active */
	want_metric(r, M_BATTERY_CHARGE_LOCKED, 0, 0, 0);
	want_metric(r, M_BATTERY_DISCHARGE_LOCKED, 0, 1, 0);
	want_metric(r, M_EMERGENCY_POWER, 0, 2, 0);
	/* the battery, charging: current negative, as battery_power */
	want_metric(r, M_BATTERY_VOLTAGE, 0, 5230, 2);
	want_metric(r, M_BATTERY_CURRENT, 0, -969, 2);
	want_metric(r, M_BATTERY_CYCLES, 0, 364, 0);
	want_metric(r, M_BATTERY_SOH, 0, 8965, 2);	/* 229.5 / 256 */
	want_metric(r, M_BATTERY_MODULE_SOH, 1, 9590, 2);
	want_metric(r, M_BATTERY_MODULE_SOH, 2, 9410, 2);
	want_metric(r, M_BATTERY_MODULE_TEMPERATURE, 1, 3200, 2);
	want_metric(r, M_BATTERY_MODULE_TEMPERATURE, 2, 3125, 2);
	/* the strings */
	want_metric(r, M_PV_POWER, 1, 201300, 2);
	want_metric(r, M_PV_VOLTAGE, 1, 40260, 2);
	want_metric(r, M_PV_CURRENT, 1, 500, 2);
	want_metric(r, M_PV_POWER, 2, 160000, 2);
	want_metric(r, M_PV_VOLTAGE, 2, 38090, 2);
	want_metric(r, M_PV_CURRENT, 2, 420, 2);
	/* the grid meter: its phases add up to grid_power, import + */
	want_metric(r, M_GRID_L_POWER, 1, -12000, 2);
	want_metric(r, M_GRID_L_POWER, 2, 3100, 2);
	want_metric(r, M_GRID_L_POWER, 3, 2300, 2);
	want_metric(r, M_GRID_L_VOLTAGE, 1, 23010, 2);
	want_metric(r, M_GRID_L_VOLTAGE, 2, 22940, 2);
	want_metric(r, M_GRID_L_VOLTAGE, 3, 23100, 2);
	check(r->nmetrics == 32, "%u metrics", r->nmetrics);
	result("detail: battery, modules, strings, grid phases, EMS status");
}

/* DESIGN.md's signs: battery power and current + discharging, grid + import */
static void
test_signs(void)
{
	struct detail		 d;
	struct conn		*c;
	const struct record	*r;

	detail_init(&d);
	c = detail_session(&d);
	/* discharging: both positive; the phases' sum is grid_power */
	detail_init(&d);
	d.current = -23.4f;
	d.batpower = -1200;
	poll_once(c, 3, &d);
	r = &c->rec[c->nrecords - 1];
	want_dump(c, 0, NULL);
	want_metric(r, M_BATTERY_POWER, 0, 1200, 0);
	want_metric(r, M_BATTERY_CURRENT, 0, 2340, 2);
	check(record_find(r, M_GRID_L_POWER, 1)->raw +
	    record_find(r, M_GRID_L_POWER, 2)->raw +
	    record_find(r, M_GRID_L_POWER, 3)->raw ==
	    100 * record_find(r, M_GRID_POWER, 0)->raw, "phases");
	result("detail: discharging, battery_power and battery_current "
	    "positive");

	/* the current signed against the power: dumped once */
	d.current = 23.4f;
	poll_once(c, 4, &d);
	want_dump(c, 1, "battery power 1200 W and current -23 A of "
	    "opposite signs");
	want_metric(&c->rec[c->nrecords - 1], M_BATTERY_CURRENT, 0, -2340, 2);
	poll_once(c, 5, &d);
	check(c->ndumps == 1 && c->nrecords == 5, "dumped again");
	result("detail: battery current against battery power, dumped once");
}

/* the ways an answer's containers can be other than asked */
static void
test_detail_shapes(void)
{
	struct detail		 d;
	struct conn		*c;
	const struct record	*r;

	detail_init(&d);
	d.statustype = RSCP_UCHAR8;
	d.status = 0x01;
	c = detail_session(&d);
	r = &c->rec[1];
	want_metric(r, M_BATTERY_CHARGE_LOCKED, 0, 1, 0);
	want_metric(r, M_BATTERY_DISCHARGE_LOCKED, 0, 0, 0);
	d.statustype = RSCP_BITFIELD;
	d.status = 0x03;
	poll_once(c, 3, &d);
	r = &c->rec[2];
	want_metric(r, M_BATTERY_CHARGE_LOCKED, 0, 1, 0);
	want_metric(r, M_BATTERY_DISCHARGE_LOCKED, 0, 1, 0);
	d.statustype = RSCP_INT64;
	poll_once(c, 4, &d);
	want_dump(c, 0, NULL);
	d.statustype = RSCP_DOUBLE64;
	poll_once(c, 5, &d);
	want_dump(c, 1, "EMS_STATUS: type 0x0b, 8 bytes, not a bit field");
	check(record_find(&c->rec[4], M_BATTERY_CHARGE_LOCKED, 0) == NULL,
	    "a lock from a double");
	result("detail: EMS_STATUS as UChar8, Bitfield, Int64; a Double64 "
	    "dumped");

	detail_init(&d);
	d.noindex = 1;
	d.notemps = 1;
	c = detail_session(&d);
	r = &c->rec[1];
	want_dump(c, 0, NULL);
	want_metric(r, M_BATTERY_MODULE_TEMPERATURE, 1, 3200, 2);
	want_absent(r, M_BATTERY_MODULE_TEMPERATURE, 2);
	want_metric(r, M_BATTERY_MODULE_SOH, 2, 9410, 2);
	d.notemps = 0;
	d.dcbindex = 5;
	poll_once(c, 3, &d);
	r = &c->rec[2];
	want_dump(c, 1, "BAT_DCB_INFO of module 5, 2 asked");
	want_absent(r, M_BATTERY_MODULE_SOH, 1);
	want_metric(r, M_BATTERY_MODULE_TEMPERATURE, 2, 3125, 2);
	result("detail: modules by index or by order, without sensors, not "
	    "asked");
}

/* errors, containers of the wrong type, values where none was asked */
static void
test_detail_errors(void)
{
	struct detail		 d;
	struct conn		*c;

	detail_init(&d);
	d.pmerror = 1;
	c = detail_session(&d);
	want_dump(c, 1, "PM_DATA answered NOT_AVAILABLE");
	want_absent(&c->rec[1], M_GRID_L_POWER, 1);
	want_metric(&c->rec[1], M_PV_POWER, 2, 160000, 2);
	poll_once(c, 3, &d);
	check(c->ndumps == 1 && c->nrecords == 3, "error dumped again");
	d.pmerror = 0;
	d.pmscalar = 1;
	poll_once(c, 4, &d);
	want_dump(c, 2, "PM_DATA: type 0x07, 4 bytes, not a container");
	result("detail: no grid meter said once; PM_DATA no container "
	    "dumped");

	detail_init(&d);
	d.deep = 1;
	c = detail_session(&d);
	want_dump(c, 0, NULL);
	want_metric(&c->rec[1], M_BATTERY_MODULE_SOH, 1, 9590, 2);
	d.deep = 0;
	d.stray = 1;
	poll_once(c, 3, &d);
	want_dump(c, 1, "unexpected tag 0x03800042");
	d.stray = 0;
	d.pvnoindex = 1;
	poll_once(c, 4, &d);
	want_dump(c, 2, "PVI_DC_CURRENT without a value for a string asked");
	want_absent(&c->rec[3], M_PV_CURRENT, 2);
	want_metric(&c->rec[3], M_PV_VOLTAGE, 2, 38090, 2);
	d.pvnoindex = 0;
	d.badtime = 1;
	poll_once(c, 5, &d);
	want_dump(c, 3, "INFO_UTC_TIME: 9223372034259808513 s, out of range");
	check(c->rec[4].time == T0 && c->rec[4].nmetrics == 32,
	    "time %lld, %u metrics", (long long)c->rec[4].time,
	    c->rec[4].nmetrics);
	check(c->ncloses == 0 && c->nrecords == 5, "closed or lost");
	result("detail: values only where asked: deeper ignored, at the top "
	    "or unindexed dumped; a time past 9999 dumped, receive time");
}

/* EMS_GET_POWER_SETTINGS as python-e3dc reads it, types and all */
static void
fill_settings(struct rscp_builder *b, void *arg)
{
	uint8_t	x;

	(void)arg;
	rscp_open(b, 0x0180008b);
	x = 1;
	rscp_put(b, 0x01000100, RSCP_BOOL, &x, 1);	/* limits used */
	put_num(b, 0x01000101, RSCP_UINT32, 3000);	/* max charge */
	put_num(b, 0x01000102, RSCP_UINT32, 4000);	/* max discharge */
	put_num(b, 0x01000103, RSCP_UINT32, 65);	/* discharge start */
	x = 0;
	rscp_put(b, 0x01000104, RSCP_BOOL, &x, 1);	/* powersave */
	x = 1;
	rscp_put(b, 0x01000105, RSCP_UCHAR8, &x, 1);	/* weather */
	x = 2;
	rscp_put(b, 0x01000106, RSCP_UCHAR8, &x, 1);	/* forecast mode */
	rscp_close(b);
}

/* is tag asked for, with no value, at the top of the request */
static int
asks(const uint8_t *pt, size_t len, uint32_t tag)
{
	size_t	off;

	for (off = 18; off + 7 <= len; off += 7 + pv_le16(pt + off + 5))
		if (pv_le32(pt + off) == tag && pt[off + 4] == RSCP_NONE)
			return (1);
	return (0);
}

/*
 * Where the unit's [device] allows weather_regulated_charge (or
 * power_limits), each poll asks for the power settings too: Home
 * Assistant's switch shows the setting from the state.
 */
static void
test_settings(void)
{
	struct conn		*c;
	const struct record	*r;
	uint8_t			 fr[512];

	memset(devices, 0, sizeof(devices));
	(void)snprintf(devices[0].name, sizeof(devices[0].name), "%s",
	    SERIAL);
	devices[0].proto = PROTO_E3DC_RSCP;
	devices[0].allow = CMD_BIT(CMD_WEATHER_CHARGE);
	ndevices = 1;
	c = session(KEY, 5);
	up_to_poll(c);
	check(asks(lastpoll, lastpolllen, 0x0100008b) &&
	    asks(lastpoll, lastpolllen, 0x01000008),
	    "the poll asks no EMS_REQ_GET_POWER_SETTINGS");
	answer(c, fr, build(fr, sizeof(fr), 1700000200, 0, fill_settings,
	    NULL), 0);
	want_dump(c, 0, NULL);
	r = &c->rec[c->nrecords - 1];
	check(c->nrecords == 2 && r->kind == REC_MEASUREMENT &&
	    strcmp(r->device, SERIAL) == 0, "%d records", c->nrecords);
	want_metric(r, M_WEATHER_CHARGE, 0, 1, 0);
	want_metric(r, M_POWER_LIMITS_USED, 0, 1, 0);
	want_metric(r, M_MAX_CHARGE_POWER, 0, 3000, 0);
	want_metric(r, M_MAX_DISCHARGE_POWER, 0, 4000, 0);
	want_metric(r, M_DISCHARGE_START_POWER, 0, 65, 0);
	check(r->nmetrics == 5, "%u metrics", r->nmetrics);
	result("settings: EMS_GET_POWER_SETTINGS polled where allowed, "
	    "weather_regulated_charge 1, limits 3000/4000/65 W");

	/* not allowed: not asked */
	devices[0].allow = CMD_BIT(CMD_SMART_SWITCH);
	c = session(KEY, 5);
	up_to_poll(c);
	check(!asks(lastpoll, lastpolllen, 0x0100008b) &&
	    asks(lastpoll, lastpolllen, 0x01000008),
	    "EMS_REQ_GET_POWER_SETTINGS asked");
	result("settings: not asked where no command sets them");
	memset(devices, 0, sizeof(devices));
	ndevices = 0;
}

int
main(int argc, char *argv[])
{
	vecdir = argc > 1 ? argv[1] : DEFAULT_DIR;
	pv_log_hook(logline);

	test_rijndael();
	test_cbc();
	test_frames();
	test_bad_frames();
	test_types();
	test_builder();
	test_framer();
	test_session();
	test_split();
	test_refused();
	test_authanswers();
	test_wrongkey();
	test_timeouts();
	test_values();
	test_bad_answers();
	test_no_session();
	test_commands();
	test_settings();
	test_sysinfo();
	test_models();
	test_detail();
	test_signs();
	test_detail_shapes();
	test_detail_errors();

	return (finish());
}

/* the E3/DC's answer to an owner's command, from a hex of values */
static void
fill_hex(struct rscp_builder *b, void *arg)
{
	struct vec	v;

	if (vec_hex(&v, arg) == 0 && b->len + v.len <= b->size) {
		memcpy(b->buf + b->len, v.b, v.len);
		b->len += v.len;
	}
}

/*
 * Between two polls: command name with arg goes out as exactly the
 * values of want (python-e3dc's tags, types and order); the E3/DC's
 * answer (values in hex) ends it with result and detail.
 */
static void
e3dc_command(const char *name, const char *arg, const char *want,
    const char *ans, int res, const char *detail)
{
	struct pv_deviceconf	 d;
	struct pv_cmd		 cmd;
	struct conn		*c;
	struct vec		 v13, w;
	uint8_t			 pt[REPLY_KEEP], fr[512];
	char			 why[PV_CMD_TEXTLEN];
	size_t			 len;

	c = session(KEY, 5);
	up_to_poll(c);
	if (vec_load(&v13, "13") == -1 || vec_hex(&w, want) == -1)
		return;
	answer(c, v13.b, v13.len, 0);
	memset(&d, 0, sizeof(d));
	(void)snprintf(d.name, sizeof(d.name), "%s", SERIAL);
	d.proto = PROTO_E3DC_RSCP;
	check(e3dc_speaks(&c->ctx, SERIAL) && e3dc_speaks(&c->ctx, DEVNAME),
	    "speaks");
	if (cmd_parse(&d, name, arg, 0, &cmd, why, sizeof(why)) == -1) {
		check(0, "refused: %s", why);
		return;
	}
	if (e3dc_cmdproto.send(&c->ctx, &cmd, why, sizeof(why)) != CMD_SENT) {
		check(0, "not sent: %s", why);
		return;
	}
	c->ctx.cmd = &cmd;
	if (request(c, 3, pt, &len) == -1)
		return;
	check(pv_le16(pt + 16) == w.len && memcmp(pt + RSCP_HDRLEN, w.b,
	    w.len) == 0, "values differ (%u bytes, want %zu)",
	    pv_le16(pt + 16), w.len);
	answer(c, fr, build(fr, sizeof(fr), T0, 0, fill_hex,
	    (void *)(uintptr_t)ans), 0);
	check(c->ncmds == 1 && c->cmdresult == res &&
	    strstr(c->cmddetail, detail) != NULL, "%d answers, %s: %s",
	    c->ncmds, cmd_result_name(c->cmdresult), c->cmddetail);
	want_dump(c, 0, NULL);
	conn_tick(c);
	(void)request(c, 4, pt, &len);
	check(session_poll(fr, sizeof(fr), T0, &bare) == len &&
	    memcmp(pt, fr, len) == 0, "no poll after the command");
}

static void
test_commands(void)
{
	e3dc_command("power_limits", "on 3000 4000 65",
	    "8c 00 00 01 0e 29 00  00 01 00 01 01 01 00 01"
	    "  02 01 00 01 07 04 00 a0 0f 00 00"
	    "  01 01 00 01 07 04 00 b8 0b 00 00"
	    "  03 01 00 01 07 04 00 41 00 00 00",
	    "8c 00 80 01 0e 20 00  00 01 80 01 02 01 00 00"
	    "  02 01 80 01 02 01 00 00  01 01 80 01 02 01 00 01"
	    "  03 01 80 01 02 01 00 00", CMD_RES_OK, "1 value adjusted");
	result("e3dc power_limits on 3000 4000 65: EMS_REQ_SET_POWER_SETTINGS");
	e3dc_command("power_limits", "off",
	    "8c 00 00 01 0e 08 00  00 01 00 01 01 01 00 00",
	    "8c 00 80 01 0e 08 00  00 01 80 01 02 01 00 ff",
	    CMD_RES_DEVICE_ERROR, "refused");
	result("e3dc power_limits off; -1 is a device error");
	e3dc_command("weather_regulated_charge", "on",
	    "8c 00 00 01 0e 08 00  05 01 00 01 03 01 00 01",
	    "8c 00 80 01 0e 08 00  05 01 80 01 02 01 00 00",
	    CMD_RES_OK, "done");
	result("e3dc weather_regulated_charge on");
	e3dc_command("smart_switch", "3 on",
	    "40 00 00 09 0e 12 00  03 00 80 09 05 02 00 03 00"
	    "  41 00 00 09 0d 02 00 6f 6e",
	    "40 00 80 09 01 01 00 01", CMD_RES_OK, "switched");
	result("e3dc smart_switch 3 on: HA_REQ_COMMAND_ACTUATOR");
	e3dc_command("smart_switch", "3 off",
	    "40 00 00 09 0e 13 00  03 00 80 09 05 02 00 03 00"
	    "  41 00 00 09 0d 03 00 6f 66 66",
	    "40 00 80 09 ff 04 00 02 00 00 00", CMD_RES_DEVICE_ERROR,
	    "ACCESS_DENIED");
	result("e3dc smart_switch 3 off; an RSCP error is a device error");
}
