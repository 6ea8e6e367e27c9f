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

/* the state sizes, filled in once: proto_byid() runs for every record */
static void
proto_sizes(void)
{
	static int	 done;
	size_t		 i;

	if (done)
		return;
	done = 1;
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
	size_t	n = 0;

	/* the connection's peer, for every protocol, cut as strlcpy()
	 * would; measured, then copied whole (an ECU frame makes 41) */
	if (ctx->peer != NULL) {
		n = strnlen(ctx->peer, sizeof(rec->peer) - 1);
		memcpy(rec->peer, ctx->peer, n);
	}
	rec->peer[n] = '\0';
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

/*
 * CRC-16/MODBUS: reflected polynomial 0xa001, initial 0xffff, no final
 * xor; a byte at a time, crc16_table[i] being the CRC register after
 * the eight shifts of i.
 */
static const uint16_t crc16_table[256] = {
	0x0000, 0xc0c1, 0xc181, 0x0140, 0xc301, 0x03c0, 0x0280, 0xc241,
	0xc601, 0x06c0, 0x0780, 0xc741, 0x0500, 0xc5c1, 0xc481, 0x0440,
	0xcc01, 0x0cc0, 0x0d80, 0xcd41, 0x0f00, 0xcfc1, 0xce81, 0x0e40,
	0x0a00, 0xcac1, 0xcb81, 0x0b40, 0xc901, 0x09c0, 0x0880, 0xc841,
	0xd801, 0x18c0, 0x1980, 0xd941, 0x1b00, 0xdbc1, 0xda81, 0x1a40,
	0x1e00, 0xdec1, 0xdf81, 0x1f40, 0xdd01, 0x1dc0, 0x1c80, 0xdc41,
	0x1400, 0xd4c1, 0xd581, 0x1540, 0xd701, 0x17c0, 0x1680, 0xd641,
	0xd201, 0x12c0, 0x1380, 0xd341, 0x1100, 0xd1c1, 0xd081, 0x1040,
	0xf001, 0x30c0, 0x3180, 0xf141, 0x3300, 0xf3c1, 0xf281, 0x3240,
	0x3600, 0xf6c1, 0xf781, 0x3740, 0xf501, 0x35c0, 0x3480, 0xf441,
	0x3c00, 0xfcc1, 0xfd81, 0x3d40, 0xff01, 0x3fc0, 0x3e80, 0xfe41,
	0xfa01, 0x3ac0, 0x3b80, 0xfb41, 0x3900, 0xf9c1, 0xf881, 0x3840,
	0x2800, 0xe8c1, 0xe981, 0x2940, 0xeb01, 0x2bc0, 0x2a80, 0xea41,
	0xee01, 0x2ec0, 0x2f80, 0xef41, 0x2d00, 0xedc1, 0xec81, 0x2c40,
	0xe401, 0x24c0, 0x2580, 0xe541, 0x2700, 0xe7c1, 0xe681, 0x2640,
	0x2200, 0xe2c1, 0xe381, 0x2340, 0xe101, 0x21c0, 0x2080, 0xe041,
	0xa001, 0x60c0, 0x6180, 0xa141, 0x6300, 0xa3c1, 0xa281, 0x6240,
	0x6600, 0xa6c1, 0xa781, 0x6740, 0xa501, 0x65c0, 0x6480, 0xa441,
	0x6c00, 0xacc1, 0xad81, 0x6d40, 0xaf01, 0x6fc0, 0x6e80, 0xae41,
	0xaa01, 0x6ac0, 0x6b80, 0xab41, 0x6900, 0xa9c1, 0xa881, 0x6840,
	0x7800, 0xb8c1, 0xb981, 0x7940, 0xbb01, 0x7bc0, 0x7a80, 0xba41,
	0xbe01, 0x7ec0, 0x7f80, 0xbf41, 0x7d00, 0xbdc1, 0xbc81, 0x7c40,
	0xb401, 0x74c0, 0x7580, 0xb541, 0x7700, 0xb7c1, 0xb681, 0x7640,
	0x7200, 0xb2c1, 0xb381, 0x7340, 0xb101, 0x71c0, 0x7080, 0xb041,
	0x5000, 0x90c1, 0x9181, 0x5140, 0x9301, 0x53c0, 0x5280, 0x9241,
	0x9601, 0x56c0, 0x5780, 0x9741, 0x5500, 0x95c1, 0x9481, 0x5440,
	0x9c01, 0x5cc0, 0x5d80, 0x9d41, 0x5f00, 0x9fc1, 0x9e81, 0x5e40,
	0x5a00, 0x9ac1, 0x9b81, 0x5b40, 0x9901, 0x59c0, 0x5880, 0x9841,
	0x8801, 0x48c0, 0x4980, 0x8941, 0x4b00, 0x8bc1, 0x8a81, 0x4a40,
	0x4e00, 0x8ec1, 0x8f81, 0x4f40, 0x8d01, 0x4dc0, 0x4c80, 0x8c41,
	0x4400, 0x84c1, 0x8581, 0x4540, 0x8701, 0x47c0, 0x4680, 0x8641,
	0x8201, 0x42c0, 0x4380, 0x8341, 0x4100, 0x81c1, 0x8081, 0x4040,
};

PV_NOCOVERAGE uint16_t
pv_crc16_modbus(const uint8_t *p, size_t len)
{
	uint16_t	crc = 0xffff;
	size_t		i;

	for (i = 0; i < len; i++)
		crc = (crc >> 8) ^ crc16_table[(crc ^ p[i]) & 0xff];
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
