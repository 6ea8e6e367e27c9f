/*
 * The protocol registry and the helpers every decoder uses.
 */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "pvgate.h"
#include "proto.h"

/*
 * statesize comes from each protocol file, which alone knows its
 * state; it is filled in before the table is handed out.
 */
static struct proto	protos[] = {
	{ "solarman-v5", PROTO_SOLARMAN_V5, 10000, 0,
	    solarman_frame, solarman_decode, solarman_open, solarman_tick,
	    NULL },
	{ "capture", PROTO_CAPTURE, 0, 0,
	    capture_frame, capture_decode, NULL, NULL, NULL },
	{ "alphaess", PROTO_ALPHAESS, 7777, 0,
	    alphaess_frame, alphaess_decode, NULL, NULL, NULL },
	{ "apsystems-ecu", PROTO_APSYSTEMS_ECU, 8995, 0,
	    apsystems_frame, apsystems_decode, apsystems_open,
	    apsystems_tick, apsystems_gone },
	{ "e3dc-rscp", PROTO_E3DC_RSCP, 5033, 0,
	    e3dc_frame, e3dc_decode, e3dc_open, e3dc_tick, e3dc_gone },
	{ "hoymiles", PROTO_HOYMILES, 10081, 0,
	    hoymiles_frame, hoymiles_decode, hoymiles_open, hoymiles_tick,
	    hoymiles_gone },
	{ "tsun-gen3", PROTO_TSUN_GEN3, 5005, 0,
	    gen3_frame, gen3_decode, NULL, gen3_tick, NULL },
};

#define NPROTOS	(sizeof(protos) / sizeof(protos[0]))

static void	proto_sizes(void);

static void
proto_sizes(void)
{
	size_t	i;

	for (i = 0; i < NPROTOS; i++) {
		switch (protos[i].id) {
		case PROTO_SOLARMAN_V5:
			protos[i].statesize = solarman_statesize();
			break;
		case PROTO_CAPTURE:
			protos[i].statesize = capture_statesize();
			break;
		case PROTO_ALPHAESS:
			protos[i].statesize = alphaess_statesize();
			break;
		case PROTO_APSYSTEMS_ECU:
			protos[i].statesize = apsystems_statesize();
			break;
		case PROTO_E3DC_RSCP:
			protos[i].statesize = e3dc_statesize();
			break;
		case PROTO_HOYMILES:
			protos[i].statesize = hoymiles_statesize();
			break;
		case PROTO_TSUN_GEN3:
			protos[i].statesize = gen3_statesize();
			break;
		}
	}
}

const struct proto *
proto_byid(unsigned int id)
{
	size_t	i;

	proto_sizes();
	for (i = 0; i < NPROTOS; i++)
		if (protos[i].id == id)
			return (&protos[i]);
	return (NULL);
}

const struct proto *
proto_byname(const char *name)
{
	size_t	i;

	if (name == NULL)
		return (NULL);
	proto_sizes();
	for (i = 0; i < NPROTOS; i++)
		if (strcmp(protos[i].name, name) == 0)
			return (&protos[i]);
	return (NULL);
}

void
pv_reply(struct pvctx *ctx, const uint8_t *buf, size_t len)
{
	if (ctx->out != NULL && ctx->out->reply != NULL)
		ctx->out->reply(ctx, buf, len);
}

void
pv_record(struct pvctx *ctx, struct record *rec)
{
	/* the connection's peer, for every protocol */
	if (ctx->peer != NULL)
		strlcpy(rec->peer, ctx->peer, sizeof(rec->peer));
	else
		rec->peer[0] = '\0';
	if (ctx->out != NULL && ctx->out->record != NULL)
		ctx->out->record(ctx, rec);
}

void
pv_dump(struct pvctx *ctx, const uint8_t *buf, size_t len, const char *fmt,
    ...)
{
	char	reason[PV_REASONLEN];
	va_list	ap;

	if (ctx->out == NULL || ctx->out->dump == NULL)
		return;
	va_start(ap, fmt);
	if (vsnprintf(reason, sizeof(reason), fmt, ap) < 0)
		reason[0] = '\0';
	va_end(ap);
	ctx->out->dump(ctx, buf, len, reason);
}

void
pv_close(struct pvctx *ctx)
{
	if (ctx->out != NULL && ctx->out->close != NULL)
		ctx->out->close(ctx);
}

void
pv_timer(struct pvctx *ctx, unsigned int msec)
{
	if (ctx->out != NULL && ctx->out->timer != NULL)
		ctx->out->timer(ctx, msec);
}

const struct pv_deviceconf *
pv_device(struct pvctx *ctx, const char *name)
{
	if (ctx->out == NULL || ctx->out->device == NULL || name == NULL)
		return (NULL);
	return (ctx->out->device(ctx, name));
}

void
pv_claim(struct pvctx *ctx, const char *name)
{
	if (ctx->out != NULL && ctx->out->claim != NULL && name != NULL)
		ctx->out->claim(ctx, name);
}

/* 1: serve the device; 0: it is refused (accept = known), stop */
int
pv_admit(struct pvctx *ctx, const char *name)
{
	if (ctx->out != NULL && ctx->out->admit != NULL && name != NULL)
		return (ctx->out->admit(ctx, name));
	return (1);
}

/* a pvout without hangup (a test's) closes instead */
void
pv_hangup(struct pvctx *ctx, unsigned int msec)
{
	if (ctx->out != NULL && ctx->out->hangup != NULL)
		ctx->out->hangup(ctx, msec);
	else
		pv_close(ctx);
}

/*
 * The one hook is set once by the decoder process (its log); tests set
 * their own.  Lines name the protocol and the peer.
 */
static void	(*pv_logfn)(const char *);

void
pv_log_hook(void (*fn)(const char *))
{
	pv_logfn = fn;
}

void
pv_log(struct pvctx *ctx, const char *fmt, ...)
{
	const struct proto	*pr = NULL;
	char			 msg[256], line[384];
	va_list			 ap;

	if (pv_logfn == NULL)
		return;
	va_start(ap, fmt);
	if (vsnprintf(msg, sizeof(msg), fmt, ap) < 0)
		msg[0] = '\0';
	va_end(ap);
	if (ctx->conf != NULL)
		pr = proto_byid(ctx->conf->proto);
	(void)snprintf(line, sizeof(line), "%s %s: %s",
	    pr != NULL ? pr->name : "protocol",
	    ctx->peer != NULL ? ctx->peer : "-", msg);
	pv_logfn(line);
}

uint16_t
pv_le16(const uint8_t *p)
{
	return ((uint16_t)(p[0] | p[1] << 8));
}

uint32_t
pv_le32(const uint8_t *p)
{
	return ((uint32_t)p[0] | (uint32_t)p[1] << 8 |
	    (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24);
}

uint16_t
pv_be16(const uint8_t *p)
{
	return ((uint16_t)(p[0] << 8 | p[1]));
}

uint32_t
pv_be32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | (uint32_t)p[3]);
}

void
pv_put_le16(uint8_t *p, uint16_t v)
{
	p[0] = v & 0xff;
	p[1] = v >> 8;
}

void
pv_put_le32(uint8_t *p, uint32_t v)
{
	p[0] = v & 0xff;
	p[1] = (v >> 8) & 0xff;
	p[2] = (v >> 16) & 0xff;
	p[3] = v >> 24;
}

/* CRC-16/MODBUS: reflected polynomial 0xa001, initial 0xffff, no final xor */
uint16_t
pv_crc16_modbus(const uint8_t *p, size_t len)
{
	uint16_t	crc = 0xffff;
	size_t		i;
	int		b;

	for (i = 0; i < len; i++) {
		crc ^= p[i];
		for (b = 0; b < 8; b++)
			crc = (crc & 1) ? (crc >> 1) ^ 0xa001 : crc >> 1;
	}
	return (crc);
}

/*
 * A string field (NUL-padded or not) as text: up to the first NUL,
 * anything that is not printable ASCII replaced, trailing blanks
 * removed.
 */
void
pv_text(char *dst, size_t dstlen, const uint8_t *src, size_t srclen)
{
	size_t	i;

	if (dstlen == 0)
		return;
	for (i = 0; i < srclen && i < dstlen - 1 && src[i] != '\0'; i++)
		dst[i] = (src[i] >= 0x20 && src[i] < 0x7f) ? (char)src[i] : '?';
	while (i > 0 && dst[i - 1] == ' ')
		i--;
	dst[i] = '\0';
}
