/*
 * E3/DC RSCP, client side: the gateway dials an E3/DC S10 on port 5033,
 * authenticates with the owner's portal user and password, and polls
 * its power values on that one connection.  Everything on the wire is
 * Rijndael-256 in CBC mode under the RSCP key, one chain per direction
 * that starts at 32 x 0xff when the connection does and runs on across
 * frames; each frame is zero-padded to whole blocks.
 *
 * The listener side (the connector) cannot decrypt: its framer passes
 * whole cipher blocks as they come, and the decoder here keeps the
 * receive chain, finds the frames in it and answers with encrypted
 * requests.  The secrets reach the decoder only (ctx->secret).
 *
 * Session: authentication request, answered by the user level (0:
 * refused); then the identity (serial number, software release), then
 * a poll of ten values every interval.  A refusal is retried on the
 * same connection with a doubling delay; a wrong key shows as a
 * connection closed without an answer (what the E3/DC does) or as an
 * answer that does not decrypt.  Both are logged, distinctly.
 *
 * Dumps carry ciphertext only: the 32-byte receive IV the frame was
 * chained from, then the frame's blocks, so that whoever holds the key
 * can decrypt a dump alone.  What the gateway sends is never dumped.
 */

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "pvgate.h"
#include "proto.h"
#include "rijndael.h"
#include "rscp.h"
#include "cmd.h"

#define E3DC_BLOCK		32
#define E3DC_MAXFRAME		8192	/* largest frame, padded */
#define E3DC_REQMAX		512	/* largest request, padded */
#define E3DC_INTERVAL		5000	/* ms, by default */
#define E3DC_TIMEOUT		10000	/* ms, for an answer */
#define E3DC_RETRY_MIN		2000	/* ms, after a refusal */
#define E3DC_RETRY_MAX		300000
#define E3DC_MAXMISSED		2	/* unanswered: reconnect */
#define E3DC_FLOAT_DECIMALS	2

/* tags */
#define TAG_REQ_AUTH		0x00000001
#define TAG_AUTH_USER		0x00000002
#define TAG_AUTH_PASSWORD	0x00000003
#define TAG_AUTH		0x00800001	/* user level */
#define TAG_GENERAL_ERROR	0x00ffffff
#define TAG_REQ_SERIAL		0x0a000001
#define TAG_REQ_SW_RELEASE	0x0a000019
#define TAG_REQ_UTC_TIME	0x0a00000f
#define ANSWER(tag)		((tag) | RSCP_TAG_RESPONSE)

enum e3dc_phase {
	PH_NONE,	/* not opened */
	PH_AUTH,	/* authentication sent */
	PH_REFUSED,	/* refused: waiting to try again */
	PH_IDENT,	/* serial number and release asked */
	PH_POLL,	/* poll sent */
	PH_WAIT,	/* between polls */
	PH_CMD,		/* an owner's command sent (e3dc_cmd.c) */
	PH_DEAD		/* given up: closing, input ignored */
};

/* what a poll asks, in this order; answers carry the response bit */
static const struct e3dc_poll {
	uint32_t	 tag;
	int		 metric;	/* M_NONE: the device's time */
	int		 negate;	/* to the vocabulary's sign */
	const char	*name;
} e3dc_polls[] = {
	{ TAG_REQ_UTC_TIME, M_NONE, 0, "INFO_UTC_TIME" },
	{ 0x01000008, M_BATTERY_SOC, 0, "EMS_BAT_SOC" },
	{ 0x01000001, M_SOLAR_POWER, 0, "EMS_POWER_PV" },
	/* negative while the additional source produces */
	{ 0x01000005, M_ADDITIONAL_POWER, 1, "EMS_POWER_ADD" },
	/* positive while charging */
	{ 0x01000002, M_BATTERY_POWER, 1, "EMS_POWER_BAT" },
	{ 0x01000003, M_HOUSE_POWER, 0, "EMS_POWER_HOME" },
	/* positive while importing, as ours */
	{ 0x01000004, M_GRID_POWER, 0, "EMS_POWER_GRID" },
	{ 0x0100001f, M_WALLBOX_POWER, 0, "EMS_POWER_WB_ALL" },
	{ 0x01000007, M_SELF_CONSUMPTION, 0, "EMS_SELF_CONSUMPTION" },
	{ 0x01000006, M_AUTARKY, 0, "EMS_AUTARKY" }
};

#define NPOLLS	(sizeof(e3dc_polls) / sizeof(e3dc_polls[0]))

struct e3dc_state {
	struct rijndael	 cipher;
	uint8_t		 txiv[E3DC_BLOCK];
	/* the receive IV, then the ciphertext not yet taken */
	uint8_t		 rx[E3DC_BLOCK + E3DC_MAXFRAME];
	size_t		 rxlen;		/* after the IV */
	uint8_t		 pt[E3DC_MAXFRAME];
	char		 device[RECORD_IDLEN];
	int		 phase;
	unsigned int	 interval;	/* ms */
	unsigned int	 timeout;	/* ms */
	unsigned int	 retry;		/* next refusal's wait, ms */
	unsigned int	 missed;	/* requests not answered in time */
	uint32_t	 reported;	/* values whose error was dumped */
};

static void	e3dc_send(struct pvctx *, struct e3dc_state *,
		    struct rscp_builder *);
static void	e3dc_auth(struct pvctx *, struct e3dc_state *);
static void	e3dc_ask_ident(struct pvctx *, struct e3dc_state *);
static void	e3dc_ask_poll(struct pvctx *, struct e3dc_state *);
static void	e3dc_die(struct pvctx *, struct e3dc_state *);
static void	e3dc_refused(struct pvctx *, struct e3dc_state *,
		    const char *);
static int	e3dc_frames(struct pvctx *, struct e3dc_state *);
static void	e3dc_frame_at(struct pvctx *, struct e3dc_state *, size_t,
		    size_t);
static void	e3dc_answer(struct pvctx *, struct e3dc_state *, size_t,
		    const struct rscp_frame *);
static void	e3dc_authanswer(struct pvctx *, struct e3dc_state *,
		    size_t, const struct rscp_frame *);
static void	e3dc_ident(struct pvctx *, struct e3dc_state *, size_t,
		    const struct rscp_frame *);
static void	e3dc_poll(struct pvctx *, struct e3dc_state *, size_t,
		    const struct rscp_frame *);
static int	e3dc_metric(struct record *, const struct e3dc_poll *,
		    const struct rscp_value *);
static int	e3dc_denied(const struct rscp_frame *);
static void	e3dc_text(char *, size_t, const struct rscp_value *);

size_t
e3dc_statesize(void)
{
	return (sizeof(struct e3dc_state));
}

/*
 * Whole cipher blocks, as many as there are (up to max): where a frame
 * ends is only known after decryption, which is the decoder's.
 */
int
e3dc_frame(const uint8_t *buf, size_t len, size_t max, size_t *n,
    const char **why)
{
	size_t	take;

	(void)buf;
	if (max < E3DC_BLOCK) {
		*why = "maximum frame shorter than a cipher block";
		return (FRAME_CLOSE);
	}
	take = len < max ? len : max;
	take -= take % E3DC_BLOCK;
	if (take == 0)
		return (FRAME_MORE);
	*n = take;
	return (FRAME_OK);
}

/* the connection is up: key, chains, and the authentication request */
void
e3dc_open(struct pvctx *ctx)
{
	struct e3dc_state	*st = ctx->state;
	const struct pv_secret	*sec = ctx->secret;
	uint8_t			 key[E3DC_BLOCK];
	size_t			 n;

	if (st == NULL)
		return;
	if (ctx->dev == NULL) {
		pv_log(ctx, "not a connection the gateway dialled: closed");
		e3dc_die(ctx, st);
		return;
	}
	if (sec == NULL || sec->key[0] == '\0' || sec->user[0] == '\0') {
		pv_log(ctx, "no rscp_key and user: nothing to authenticate "
		    "with");
		e3dc_die(ctx, st);
		return;
	}
	/* the RSCP key: at most 32 bytes, padded with 0xff */
	memset(key, 0xff, sizeof(key));
	n = strnlen(sec->key, sizeof(sec->key));
	memcpy(key, sec->key, n < sizeof(key) ? n : sizeof(key));
	(void)rijndael_setkey(&st->cipher, key, sizeof(key), E3DC_BLOCK);
	explicit_bzero(key, sizeof(key));
	memset(st->txiv, 0xff, E3DC_BLOCK);
	memset(st->rx, 0xff, E3DC_BLOCK);
	st->rxlen = 0;

	(void)snprintf(st->device, sizeof(st->device), "%s", ctx->dev->name);
	st->interval = ctx->dev->interval > 0 ?
	    ctx->dev->interval * 1000 : E3DC_INTERVAL;
	st->timeout = ctx->dev->timeout > 0 ? ctx->dev->timeout :
	    E3DC_TIMEOUT;
	st->retry = E3DC_RETRY_MIN;
	e3dc_auth(ctx, st);
}

void
e3dc_tick(struct pvctx *ctx)
{
	struct e3dc_state	*st = ctx->state;

	if (st == NULL)
		return;
	switch (st->phase) {
	case PH_AUTH:
		pv_log(ctx, "no answer to authentication within %u ms: "
		    "wrong rscp_key?", st->timeout);
		e3dc_die(ctx, st);
		break;
	case PH_REFUSED:
		e3dc_auth(ctx, st);
		break;
	case PH_IDENT:
	case PH_POLL:
	case PH_CMD:
		if (++st->missed >= E3DC_MAXMISSED) {
			pv_log(ctx, "%u requests not answered within %u ms: "
			    "reconnecting", st->missed, st->timeout);
			e3dc_die(ctx, st);
		} else if (st->phase == PH_IDENT)
			e3dc_ask_ident(ctx, st);
		else
			e3dc_ask_poll(ctx, st);
		break;
	case PH_WAIT:
		e3dc_ask_poll(ctx, st);
		break;
	case PH_DEAD:
		pv_close(ctx);
		break;
	}
}

/* closed by either side: say what a close during authentication means */
void
e3dc_gone(struct pvctx *ctx)
{
	struct e3dc_state	*st = ctx->state;

	if (st == NULL)
		return;
	if (st->phase == PH_AUTH)
		pv_log(ctx, "connection closed before the answer to "
		    "authentication: wrong rscp_key?");
	explicit_bzero(st, sizeof(*st));
}

void
e3dc_decode(struct pvctx *ctx, const uint8_t *buf, size_t len)
{
	struct e3dc_state	*st = ctx->state;
	size_t			 take;

	if (st == NULL || st->phase == PH_NONE) {
		pv_dump(ctx, buf, len, "bytes before the session began");
		if (st != NULL)
			e3dc_die(ctx, st);
		return;
	}
	while (len > 0 && st->phase != PH_DEAD) {
		take = E3DC_MAXFRAME - st->rxlen;
		if (take > len)
			take = len;
		if (take == 0) {
			/* cannot be: a full buffer always holds a frame */
			pv_dump(ctx, buf, len, "receive buffer full");
			e3dc_die(ctx, st);
			return;
		}
		memcpy(st->rx + E3DC_BLOCK + st->rxlen, buf, take);
		st->rxlen += take;
		buf += take;
		len -= take;
		if (e3dc_frames(ctx, st) == -1)
			return;
	}
	if (len > 0)
		pv_dump(ctx, buf, len, "after the session ended");
}

/* given up on this connection: nothing more is read or sent */
static void
e3dc_die(struct pvctx *ctx, struct e3dc_state *st)
{
	st->phase = PH_DEAD;
	pv_timer(ctx, 0);
	pv_close(ctx);
}

/* pad, encrypt on the send chain, send; the request is wiped */
static void
e3dc_send(struct pvctx *ctx, struct e3dc_state *st, struct rscp_builder *b)
{
	size_t	len, padded;

	if ((len = rscp_seal(b, ctx->now, 0)) == 0) {
		/* our own requests always fit */
		pv_log(ctx, "request does not fit: closed");
		e3dc_die(ctx, st);
		return;
	}
	padded = (len + E3DC_BLOCK - 1) / E3DC_BLOCK * E3DC_BLOCK;
	memset(b->buf + len, 0, padded - len);
	rijndael_cbc_encrypt(&st->cipher, st->txiv, b->buf, b->buf, padded);
	pv_reply(ctx, b->buf, padded);
	pv_timer(ctx, st->timeout);
}

static void
e3dc_auth(struct pvctx *ctx, struct e3dc_state *st)
{
	struct rscp_builder	b;
	uint8_t			req[E3DC_REQMAX];

	if (ctx->secret == NULL) {
		pv_log(ctx, "the secrets are gone: closed");
		e3dc_die(ctx, st);
		return;
	}
	rscp_build(&b, req, sizeof(req));
	rscp_open(&b, TAG_REQ_AUTH);
	rscp_put_string(&b, TAG_AUTH_USER, ctx->secret->user);
	rscp_put_string(&b, TAG_AUTH_PASSWORD, ctx->secret->password);
	rscp_close(&b);
	st->phase = PH_AUTH;
	e3dc_send(ctx, st, &b);
	explicit_bzero(req, sizeof(req));
}

static void
e3dc_ask_ident(struct pvctx *ctx, struct e3dc_state *st)
{
	struct rscp_builder	b;
	uint8_t			req[E3DC_REQMAX];

	rscp_build(&b, req, sizeof(req));
	rscp_put(&b, TAG_REQ_SERIAL, RSCP_NONE, NULL, 0);
	rscp_put(&b, TAG_REQ_SW_RELEASE, RSCP_NONE, NULL, 0);
	st->phase = PH_IDENT;
	e3dc_send(ctx, st, &b);
}

static void
e3dc_ask_poll(struct pvctx *ctx, struct e3dc_state *st)
{
	struct rscp_builder	b;
	uint8_t			req[E3DC_REQMAX];
	size_t			i;

	rscp_build(&b, req, sizeof(req));
	for (i = 0; i < NPOLLS; i++)
		rscp_put(&b, e3dc_polls[i].tag, RSCP_NONE, NULL, 0);
	st->phase = PH_POLL;
	e3dc_send(ctx, st, &b);
}

/*
 * Wrong user or password, or access denied later: try again on this
 * connection after a wait that doubles each time, up to 5 minutes.
 */
static void
e3dc_refused(struct pvctx *ctx, struct e3dc_state *st, const char *what)
{
	pv_log(ctx, "%s: wrong user or password; trying again in %u s",
	    what, st->retry / 1000);
	st->phase = PH_REFUSED;
	pv_timer(ctx, st->retry);
	st->retry = st->retry > E3DC_RETRY_MAX / 2 ? E3DC_RETRY_MAX :
	    st->retry * 2;
}

/*
 * The frames in the receive buffer, one by one: the first block gives
 * the length, and a frame is decrypted once all its blocks are there.
 * -1 when the stream can no longer be followed.
 */
static int
e3dc_frames(struct pvctx *ctx, struct e3dc_state *st)
{
	uint8_t		 iv[E3DC_BLOCK], first[E3DC_BLOCK];
	const char	*why;
	size_t		 flen, padded;

	while (st->rxlen >= E3DC_BLOCK && st->phase != PH_DEAD) {
		memcpy(iv, st->rx, E3DC_BLOCK);
		rijndael_cbc_decrypt(&st->cipher, iv, st->rx + E3DC_BLOCK,
		    first, E3DC_BLOCK);
		if (rscp_header(first, sizeof(first), &flen, &why) == -1) {
			pv_dump(ctx, st->rx, E3DC_BLOCK + st->rxlen,
			    "does not decrypt to a frame (%s)%s", why,
			    st->phase == PH_AUTH ? ": wrong rscp_key?" : "");
			if (st->phase == PH_AUTH)
				pv_log(ctx, "the answer to authentication "
				    "does not decrypt: wrong rscp_key?");
			e3dc_die(ctx, st);
			return (-1);
		}
		padded = (flen + E3DC_BLOCK - 1) / E3DC_BLOCK * E3DC_BLOCK;
		if (padded > E3DC_MAXFRAME) {
			pv_dump(ctx, st->rx, E3DC_BLOCK + st->rxlen,
			    "frame of %zu bytes, more than %d", flen,
			    E3DC_MAXFRAME);
			e3dc_die(ctx, st);
			return (-1);
		}
		if (st->rxlen < padded)
			break;
		memcpy(iv, st->rx, E3DC_BLOCK);
		rijndael_cbc_decrypt(&st->cipher, iv, st->rx + E3DC_BLOCK,
		    st->pt, padded);
		e3dc_frame_at(ctx, st, flen, padded);
		/* the frame's last block is the next IV */
		memmove(st->rx, st->rx + padded,
		    E3DC_BLOCK + st->rxlen - padded);
		st->rxlen -= padded;
	}
	explicit_bzero(first, sizeof(first));
	return (0);
}

/* one decrypted frame in st->pt; its ciphertext is st->rx + E3DC_BLOCK */
static void
e3dc_frame_at(struct pvctx *ctx, struct e3dc_state *st, size_t flen,
    size_t padded)
{
	struct rscp_frame	 fr;
	const char		*why;
	size_t			 i;

	if (rscp_frame(st->pt, flen, &fr, &why) == -1) {
		pv_dump(ctx, st->rx, E3DC_BLOCK + padded, "%s", why);
		return;
	}
	for (i = flen; i < padded; i++)
		if (st->pt[i] != 0)
			break;
	if (i < padded)
		pv_dump(ctx, st->rx, E3DC_BLOCK + padded,
		    "padding is not zero");
	e3dc_answer(ctx, st, E3DC_BLOCK + padded, &fr);
	explicit_bzero(st->pt, padded);
}

/* an answer, to whatever was asked; dumplen: IV and frame in st->rx */
static void
e3dc_answer(struct pvctx *ctx, struct e3dc_state *st, size_t dumplen,
    const struct rscp_frame *fr)
{
	switch (st->phase) {
	case PH_AUTH:
		e3dc_authanswer(ctx, st, dumplen, fr);
		return;
	case PH_IDENT:
	case PH_POLL:
		if (e3dc_denied(fr)) {
			e3dc_refused(ctx, st, "access denied");
			return;
		}
		st->missed = 0;
		if (st->phase == PH_IDENT)
			e3dc_ident(ctx, st, dumplen, fr);
		else
			e3dc_poll(ctx, st, dumplen, fr);
		return;
	case PH_CMD:
		/* the command's answer, in time for it or not */
		st->missed = 0;
		if (!e3dc_cmd_answer(ctx, fr))
			pv_dump(ctx, st->rx, dumplen, "answer to a command no "
			    "longer awaited");
		st->phase = PH_WAIT;
		pv_timer(ctx, st->interval);
		return;
	default:
		pv_dump(ctx, st->rx, dumplen, "frame while nothing was asked");
		return;
	}
}

/* an ACCESS_DENIED error anywhere at the top: authenticate again */
static int
e3dc_denied(const struct rscp_frame *fr)
{
	struct rscp_iter	it;
	struct rscp_value	v;
	uint32_t		code;

	rscp_iter_init(&it, fr->data, fr->datalen);
	while (rscp_next(&it, &v) == 1)
		if (rscp_errcode(&v, &code) == 0 &&
		    code == RSCP_ERR_ACCESS_DENIED)
			return (1);
	return (0);
}

static void
e3dc_authanswer(struct pvctx *ctx, struct e3dc_state *st, size_t dumplen,
    const struct rscp_frame *fr)
{
	struct rscp_iter	it;
	struct rscp_value	v;
	char			what[64];
	uint32_t		code;
	int64_t			level;

	rscp_iter_init(&it, fr->data, fr->datalen);
	while (rscp_next(&it, &v) == 1) {
		if (v.tag != TAG_AUTH)
			continue;
		if (rscp_errcode(&v, &code) == 0) {
			(void)snprintf(what, sizeof(what), "authentication "
			    "answered %s", rscp_errname(code));
			e3dc_refused(ctx, st, what);
			return;
		}
		if (rscp_int(&v, &level) == -1) {
			pv_dump(ctx, st->rx, dumplen, "user level of type "
			    "0x%02x, %zu bytes", v.type, v.len);
			e3dc_die(ctx, st);
			return;
		}
		if (level <= 0) {
			e3dc_refused(ctx, st,
			    "authentication refused (user level 0)");
			return;
		}
		e3dc_ask_ident(ctx, st);
		return;
	}
	if (e3dc_denied(fr)) {
		e3dc_refused(ctx, st, "authentication answered ACCESS_DENIED");
		return;
	}
	pv_dump(ctx, st->rx, dumplen, "answer to authentication without "
	    "a user level");
	e3dc_die(ctx, st);
}

/* printable text of a CString, for names and attributes */
static void
e3dc_text(char *dst, size_t dstlen, const struct rscp_value *v)
{
	size_t	i, n = 0;

	for (i = 0; i < v->len && n + 1 < dstlen; i++) {
		if (v->data[i] == '\0')
			break;
		dst[n++] = v->data[i] >= 0x20 && v->data[i] < 0x7f ?
		    (char)v->data[i] : '?';
	}
	while (n > 0 && dst[n - 1] == ' ')
		n--;
	dst[n] = '\0';
}

/* serial number and release: the device record, then the first poll */
static void
e3dc_ident(struct pvctx *ctx, struct e3dc_state *st, size_t dumplen,
    const struct rscp_frame *fr)
{
	struct record		rec;
	struct rscp_iter	it;
	struct rscp_value	v;
	char			text[RECORD_ATTRLEN];
	char			release[RECORD_ATTRLEN];
	int			other = 0;

	release[0] = '\0';
	rscp_iter_init(&it, fr->data, fr->datalen);
	while (rscp_next(&it, &v) == 1) {
		if (v.type == RSCP_ERROR)
			continue;	/* not known: the name stays */
		if (v.tag == ANSWER(TAG_REQ_SERIAL) &&
		    v.type == RSCP_CSTRING) {
			e3dc_text(text, sizeof(text), &v);
			if (text[0] != '\0')
				(void)snprintf(st->device,
				    sizeof(st->device), "%s", text);
		} else if (v.tag == ANSWER(TAG_REQ_SW_RELEASE) &&
		    v.type == RSCP_CSTRING)
			e3dc_text(release, sizeof(release), &v);
		else
			other++;
	}
	if (other > 0)
		pv_dump(ctx, st->rx, dumplen, "%d unexpected values in the "
		    "answer to the identity request", other);
	pv_claim(ctx, st->device);
	record_init(&rec, REC_DEVICE, PROTO_E3DC_RSCP, ctx->now);
	(void)snprintf(rec.device, sizeof(rec.device), "%s", st->device);
	if (release[0] != '\0')
		record_attr(&rec, A_FIRMWARE, release);
	pv_record(ctx, &rec);
	e3dc_ask_poll(ctx, st);
}

/*
 * A number as the vocabulary wants it: integers as they are, floats
 * to E3DC_FLOAT_DECIMALS places; -1 if the value is no number.
 */
static int
e3dc_metric(struct record *rec, const struct e3dc_poll *p,
    const struct rscp_value *v)
{
	int64_t	i;
	double	d;

	if (rscp_int(v, &i) == 0) {
		if (p->negate) {
			if (i == INT64_MIN)
				return (-1);
			i = -i;
		}
		record_metric(rec, p->metric, 0, i, 0);
		return (0);
	}
	if (rscp_float(v, &d) == -1 || !(d > -1e12 && d < 1e12))
		return (-1);
	d *= 100;	/* 10^E3DC_FLOAT_DECIMALS */
	if (p->negate)
		d = -d;
	i = (int64_t)(d < 0 ? d - 0.5 : d + 0.5);
	record_metric(rec, p->metric, 0, i, E3DC_FLOAT_DECIMALS);
	return (0);
}

/* the poll's answer: one measurement record, then wait for the next */
static void
e3dc_poll(struct pvctx *ctx, struct e3dc_state *st, size_t dumplen,
    const struct rscp_frame *fr)
{
	const struct e3dc_poll	*p;
	struct record		 rec;
	struct rscp_iter	 it;
	struct rscp_value	 v;
	char			 why[PV_REASONLEN];
	int64_t			 sec;
	uint32_t		 nsec, code;
	size_t			 i;

	why[0] = '\0';
	record_init(&rec, REC_MEASUREMENT, PROTO_E3DC_RSCP, ctx->now);
	(void)snprintf(rec.device, sizeof(rec.device), "%s", st->device);
	rscp_iter_init(&it, fr->data, fr->datalen);
	while (rscp_next(&it, &v) == 1) {
		for (i = 0; i < NPOLLS; i++)
			if (v.tag == ANSWER(e3dc_polls[i].tag))
				break;
		if (i == NPOLLS) {
			if (why[0] == '\0')
				(void)snprintf(why, sizeof(why),
				    "unexpected tag 0x%08x", v.tag);
			continue;
		}
		p = &e3dc_polls[i];
		if (rscp_errcode(&v, &code) == 0) {
			/* a missing wallbox, say: said once */
			if ((st->reported & (1U << i)) == 0 && why[0] == '\0') {
				(void)snprintf(why, sizeof(why), "%s answered "
				    "%s", p->name, rscp_errname(code));
				st->reported |= 1U << i;
			}
			continue;
		}
		if (p->metric == M_NONE) {
			if (rscp_timestamp(&v, &sec, &nsec) == 0 && sec > 0)
				rec.time = sec;
			else if (why[0] == '\0')
				(void)snprintf(why, sizeof(why), "%s: type "
				    "0x%02x, %zu bytes", p->name, v.type,
				    v.len);
			continue;
		}
		if (e3dc_metric(&rec, p, &v) == -1 && why[0] == '\0')
			(void)snprintf(why, sizeof(why), "%s: type 0x%02x, "
			    "%zu bytes, not a number", p->name, v.type,
			    v.len);
	}
	if (rec.nmetrics > 0)
		pv_record(ctx, &rec);
	else if (why[0] == '\0')
		(void)snprintf(why, sizeof(why), "no values in the answer "
		    "to the poll");
	if (why[0] != '\0')
		pv_dump(ctx, st->rx, dumplen, "%s", why);
	st->retry = E3DC_RETRY_MIN;
	st->phase = PH_WAIT;
	pv_timer(ctx, st->interval);
}

/*
 * An owner's command (e3dc_cmd.c), sent between two polls: 0 sent, 1
 * not now (a request is out), -1 the session is not up and will not
 * come up on this connection.
 */
int
e3dc_send_cmd(struct pvctx *ctx, struct rscp_builder *b)
{
	struct e3dc_state	*st = ctx->state;

	if (st == NULL || st->phase == PH_NONE || st->phase == PH_DEAD ||
	    st->phase == PH_REFUSED)
		return (-1);
	if (st->phase != PH_WAIT)
		return (1);
	st->phase = PH_CMD;
	e3dc_send(ctx, st, b);
	return (0);
}

/* does this connection reach the device: as dialled, or its serial */
int
e3dc_speaks(struct pvctx *ctx, const char *name)
{
	struct e3dc_state	*st = ctx->state;

	if (st == NULL || st->phase == PH_NONE || st->phase == PH_DEAD)
		return (0);
	return ((ctx->dev != NULL && strcmp(ctx->dev->name, name) == 0) ||
	    strcmp(st->device, name) == 0);
}
