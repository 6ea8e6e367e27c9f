/*
 * fuzzlib: the pieces the fuzz targets share (see fuzzlib.h).
 *
 * Needs every proto/ file.
 */

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pvgate.h"
#include "proto.h"
#include "record.h"
#include "cloud.h"
#include "cmd.h"
#include "rscp.h"
#include "fuzzlib.h"

const uint8_t	*fuzz_cur;
size_t		 fuzz_curlen;
int		 fuzz_nreplies;

/* printable ASCII, NUL-terminated within size, non-empty if asked */
void
fuzz_check_text(const char *s, size_t size, int nonempty)
{
	size_t	i;

	for (i = 0; i < size && s[i] != '\0'; i++)
		if (s[i] < 0x20 || s[i] > 0x7e)
			abort();
	if (i == size || (nonempty && i == 0))
		abort();
}

/* a dump's reason: set, printable, fits */
void
fuzz_check_reason(const char *reason)
{
	if (reason == NULL || reason[0] == '\0' ||
	    strlen(reason) >= PV_REASONLEN)
		abort();
	fuzz_check_text(reason, PV_REASONLEN, 1);
}

/*
 * A record the exporter will accept: of the protocol, device set, all
 * text printable, and record_pack() / record_unpack() give it back.
 */
void
fuzz_check_record(const struct record *rec, int proto)
{
	static uint8_t		wire[PVGATE_IMSG_PAYLOAD];
	static struct record	back;
	size_t			i, n;

	if (rec->proto != proto)
		abort();
	fuzz_check_text(rec->device, sizeof(rec->device), 1);
	fuzz_check_text(rec->via, sizeof(rec->via), 0);
	fuzz_check_text(rec->peer, sizeof(rec->peer), 0);
	for (i = 0; i < rec->nattrs && i < RECORD_MAX_ATTRS; i++)
		fuzz_check_text(record_attrvalue(rec, i), RECORD_VALUELEN, 0);

	if ((n = record_pack(rec, wire, sizeof(wire))) == 0)
		abort();
	if (record_unpack(&back, wire, n) == -1)
		abort();
	if (back.nmetrics != rec->nmetrics || back.nattrs != rec->nattrs ||
	    back.time != rec->time || strcmp(back.device, rec->device) != 0)
		abort();
	for (i = 0; i < rec->nmetrics; i++)
		if (back.metrics[i].raw != rec->metrics[i].raw)
			abort();
}

/* a dump of the frame being decoded, with a reason */
void
fuzz_check_dump(const uint8_t *buf, size_t len, const char *reason)
{
	if (fuzz_cur == NULL || buf != fuzz_cur || len != fuzz_curlen)
		abort();
	fuzz_check_reason(reason);
}

void
fuzz_out_record(struct pvctx *ctx, const struct record *rec)
{
	fuzz_check_record(rec, ctx->conf->proto);
}

void
fuzz_out_dump(struct pvctx *ctx, const uint8_t *buf, size_t len,
    const char *reason)
{
	(void)ctx;
	fuzz_check_dump(buf, len, reason);
}

/* the pvout close of a protocol that never closes */
void
fuzz_no_close(struct pvctx *ctx)
{
	(void)ctx;
	abort();
}

/*
 * A fresh connection of proto: its statesize bytes of state zeroed
 * (they must fit in size), not the whole buffer, which was most of
 * some targets' time.
 */
void
fuzz_ctx(struct pvctx *ctx, struct pv_protoconf *conf, int proto,
    void *state, size_t size, size_t statesize, const struct pvout *out)
{
	if (statesize > size)
		abort();
	memset(state, 0, statesize);
	memset(conf, 0, sizeof(*conf));
	conf->proto = proto;
	memset(ctx, 0, sizeof(*ctx));
	ctx->conf = conf;
	ctx->state = state;
	ctx->now = FUZZ_NOW;
	ctx->peer = FUZZ_PEER;
	ctx->out = out;
}

static void
fuzz_decode(const struct fuzz_conn *fc, struct pvctx *ctx,
    const uint8_t *frame, size_t n)
{
	fuzz_cur = frame;
	fuzz_curlen = n;
	fuzz_nreplies = 0;
	fc->decode(ctx, frame, n);
	fuzz_cur = NULL;
}

/*
 * The input on one connection in reads of chunk bytes (0: all at
 * once), framed and decoded as the listener and decoder do.  Each
 * frame is decoded from a copy of exactly its size, so ASan sees any
 * overread; one whose check fix() had to put right (a blind fuzzer
 * rarely gets it right) is decoded a second time.  0, or -1 when the
 * framer gave up on the connection.
 */
int
fuzz_feed(const struct fuzz_conn *fc, struct pvctx *ctx,
    const uint8_t *data, size_t size, size_t chunk)
{
	static uint8_t	 buf[FUZZ_FRAME_LIMIT];
	const char	*why;
	uint8_t		*frame;
	size_t		 len = 0, take, n;
	int		 v;

	while (size > 0) {
		take = chunk == 0 || chunk > size ? size : chunk;
		if (take > sizeof(buf) - len)
			take = sizeof(buf) - len;
		memcpy(buf + len, data, take);
		len += take;
		data += take;
		size -= take;
		for (;;) {
			n = 0;
			v = fc->frame(buf, len, sizeof(buf), &n, &why);
			if (v == FRAME_MORE)
				break;
			if (v == FRAME_CLOSE)
				return (-1);
			if (n < 1 || n > len)
				abort();
			if (v == FRAME_OK) {
				if ((frame = malloc(n)) == NULL)
					abort();
				memcpy(frame, buf, n);
				fuzz_decode(fc, ctx, frame, n);
				if (fc->fix != NULL && fc->fix(frame, n))
					fuzz_decode(fc, ctx, frame, n);
				free(frame);
			}
			memmove(buf, buf + n, len - n);
			len -= n;
			if (len == 0)
				break;
			if (fc->clock)
				ctx->now++;
		}
		/* a full buffer the framer still wants more for is a bug */
		if (len == sizeof(buf))
			abort();
	}
	return (0);
}

/*
 * The framer over arbitrary bytes with a limit of max, consumed the
 * way the listener consumes its buffer.  The contract: a verdict in
 * range, 1 <= n <= len (and max) on OK and SKIP, a reason that fits on
 * SKIP and CLOSE.  The callbacks check what the protocol adds.
 */
void
fuzz_verdicts(const struct fuzz_verdicts *fv, const uint8_t *data,
    size_t size, size_t max)
{
	const char	*why;
	size_t		 n;
	int		 v;

	while (size > 0) {
		n = 0;
		why = NULL;
		v = fv->frame(data, size, max, &n, &why);
		switch (v) {
		case FRAME_MORE:
			fv->more(data, size, max);
			return;
		case FRAME_CLOSE:
			if (why == NULL || strlen(why) >= PV_REASONLEN)
				abort();
			if (fv->close != NULL)
				fv->close(data, size, max);
			return;
		case FRAME_SKIP:
			if (why == NULL || strlen(why) >= PV_REASONLEN)
				abort();
			if (n < 1 || n > size)
				abort();
			if (fv->skip != NULL)
				fv->skip(data, size, n);
			break;
		case FRAME_OK:
			if (n < 1 || n > size || n > max)
				abort();
			fv->ok(data, n, max);
			break;
		default:
			abort();
		}
		data += n;
		size -= n;
	}
}

/*
 * Both answers of accept = known, so that the refusal paths are fuzzed
 * too: a protocol must dump and stop, whatever the name.
 */
int
fuzz_admit(struct pvctx *ctx, const char *name)
{
	(void)ctx;
	fuzz_check_text(name, PV_NAMELEN, 0);
	return ((name[0] & 1) == 0);
}

size_t	 LLVMFuzzerMutate(uint8_t *, size_t, size_t);

static void	 shape_reply(struct pvctx *, const uint8_t *, size_t);
static void	 shape_dump(struct pvctx *, const uint8_t *, size_t,
		    const char *);
static void	 shape_close(struct pvctx *);
static void	 shape_timer(struct pvctx *, unsigned int);

static const struct pvout	shape_out = {
	shape_reply, fuzz_out_record, shape_dump, shape_close,
	shape_timer, NULL, NULL, NULL
};

/* a reply fits the channel back to the listener */
static void
shape_reply(struct pvctx *ctx, const uint8_t *buf, size_t len)
{
	(void)ctx;
	if (buf == NULL || len == 0 || len > PVGATE_IMSG_PAYLOAD)
		abort();
}

/* a dump of the frame (a copy, perhaps, with secrets masked) */
static void
shape_dump(struct pvctx *ctx, const uint8_t *buf, size_t len,
    const char *reason)
{
	(void)ctx;
	if (fuzz_cur == NULL || buf == NULL || len != fuzz_curlen)
		abort();
	fuzz_check_reason(reason);
}

static void
shape_close(struct pvctx *ctx)
{
	(void)ctx;
}

static void
shape_timer(struct pvctx *ctx, unsigned int ms)
{
	(void)ctx;
	(void)ms;
}

/* the body mutated by libFuzzer, the frame around it put right */
size_t
fuzz_shape_mutate(const struct fuzz_shape *fs, uint8_t *data, size_t size,
    size_t maxsize, unsigned int seed)
{
	(void)seed;
	if (maxsize > FUZZ_FRAME_LIMIT)
		maxsize = FUZZ_FRAME_LIMIT;
	if (maxsize < fs->min)
		return (0);
	size = LLVMFuzzerMutate(data, size, maxsize);
	if (size < fs->min) {
		memset(data + size, 0, fs->min - size);
		size = fs->min;
	}
	fs->shape(data, size);
	return (size);
}

void
fuzz_shape_run(const struct fuzz_shape *fs, const uint8_t *data,
    size_t size)
{
	const struct proto	*p = proto_byid(fs->proto);
	struct pv_protoconf	 conf;
	struct pvctx		 ctx;
	const char		*why;
	uint8_t			*frame;
	void			*state;
	size_t			 n = 0;

	if (p == NULL || size < fs->min || size > FUZZ_FRAME_LIMIT)
		return;
	if ((frame = malloc(size)) == NULL ||
	    (state = malloc(p->statesize)) == NULL)
		abort();
	memcpy(frame, data, size);
	fs->shape(frame, size);
	if (p->frame(frame, size, FUZZ_FRAME_LIMIT, &n, &why) != FRAME_OK ||
	    n != size)
		abort();	/* the framer refused a well-formed frame */
	fuzz_ctx(&ctx, &conf, fs->proto, state, p->statesize, p->statesize,
	    &shape_out);
	conf.heartbeat_interval = 60;
	if (p->open != NULL)
		p->open(&ctx);
	fuzz_cur = frame;
	fuzz_curlen = size;
	p->decode(&ctx, frame, size);
	ctx.now++;
	p->decode(&ctx, frame, size);
	fuzz_cur = NULL;
	if (p->gone != NULL)
		p->gone(&ctx);
	free(state);
	free(frame);
}

/*
 * The cloud relay's firewall over arbitrary bytes: the cloud framer
 * holds to its contract, and the judge of every frame (and of the
 * bytes as they are) says a known kind, in printable text, that never
 * passes for what does not parse; the device-side key reads safely.
 */
static const struct cloud_proto	*fuzz_cp;

static void
fuzz_cloud_judge(const uint8_t *data, size_t n)
{
	struct cloud_verdict	v;

	memset(&v, 0xaa, sizeof(v));
	fuzz_cp->judge(data, n, &v);
	if (v.kind < 0 || v.kind >= CK_MAX || (v.reply != 0 && v.reply != 1))
		abort();
	fuzz_check_text(v.what, sizeof(v.what), 0);
	if ((v.kind == CK_UNPARSED || v.kind == CK_UNKNOWN) &&
	    cloud_passes(&v, UINT32_MAX))
		abort();
	if (cloud_passes(&v, 0) != (v.kind == CK_ACK || v.kind == CK_READ))
		abort();
	(void)fuzz_cp->key(data, n);
}

static void
fuzz_cloud_more(const uint8_t *data, size_t size, size_t max)
{
	(void)data;
	(void)size;
	(void)max;
}

static void
fuzz_cloud_ok(const uint8_t *data, size_t n, size_t max)
{
	(void)max;
	fuzz_cloud_judge(data, n);
}

void
fuzz_cloud(int proto, const uint8_t *data, size_t size)
{
	struct fuzz_verdicts	fv;

	if ((fuzz_cp = cloud_byid(proto)) == NULL)
		abort();
	memset(&fv, 0, sizeof(fv));
	fv.frame = fuzz_cp->frame;
	fv.more = fuzz_cloud_more;
	fv.ok = fuzz_cloud_ok;
	fuzz_verdicts(&fv, data, size, FUZZ_FRAME_LIMIT);
	fuzz_verdicts(&fv, data, size, 64);
	fuzz_cloud_judge(data, size);
}

/* a command's end as a protocol's answer hook says it */
static void
fuzz_cmd_done(struct pvctx *ctx, int result, const char *detail)
{
	(void)ctx;
	if (result < CMD_RES_OK || result > CMD_RES_TIMEOUT ||
	    strlen(detail) >= PV_CMD_TEXTLEN)
		abort();
	fuzz_check_text(detail, PV_CMD_TEXTLEN, 0);
}

static const struct pvout	fuzz_cmdout = {
	NULL, fuzz_out_record, fuzz_out_dump, fuzz_no_close, NULL, NULL,
	NULL, NULL, NULL, fuzz_cmd_done
};

/* a command as parsed: of its definition, its words in range */
static void
fuzz_cmd_parsed(const struct cmd_def *def, const struct pv_cmd *cmd)
{
	if (cmd->id <= CMD_NONE || cmd->id >= CMD_MAX ||
	    (def->pair == NULL && cmd->id != def->id) ||
	    cmd->nargs < 0 || cmd->nargs > CMD_ARGS ||
	    memchr(cmd->argtext, '\0', sizeof(cmd->argtext)) == NULL ||
	    memchr(cmd->text, '\0', sizeof(cmd->text)) == NULL)
		abort();
	fuzz_check_text(cmd->argtext, sizeof(cmd->argtext), 0);
	if (cmd->id == CMD_POWER_LIMIT && (cmd->arg[0] < 0 ||
	    cmd->arg[0] > 1000))
		abort();
}

/* the device's answer to the command, through its protocol's hook */
static void
fuzz_cmd_answer(int proto, struct pvctx *ctx, const uint8_t *buf,
    size_t len)
{
	struct rscp_frame	 fr;
	const char		*why;

	switch (proto) {
	case PROTO_SOLARMAN_V5:
		(void)solarman_cmd_answer(ctx, buf, len);
		break;
	case PROTO_TSUN_GEN3:
		(void)gen3_cmd_answer(ctx, buf, len);
		break;
	case PROTO_HOYMILES:
		if (len >= 4)
			(void)hoymiles_cmd_answer(ctx, pv_be16(buf),
			    pv_be16(buf + 2), buf + 4, len - 4);
		break;
	case PROTO_E3DC_RSCP:
		if (len >= RSCP_HDRLEN && rscp_frame(buf, len, &fr, &why) == 0)
			(void)e3dc_cmd_answer(ctx, &fr);
		break;
	}
}

/*
 * An owner's command to a device of proto: the first byte names one
 * of the protocol's commands, the text up to a NUL is its argument
 * (parsed, and taken as an allow list too); then what the send hook
 * would have noted (4 bytes of key, a length and that many bytes sent)
 * and the rest, the device's answer, in a buffer of exactly its size.
 */
void
fuzz_command(int proto, const uint8_t *data, size_t size)
{
	const struct cmd_proto	*cp = cmd_proto(proto);
	const struct cmd_def	*def;
	struct pv_deviceconf	 dev;
	struct pv_protoconf	 conf;
	struct pv_cmd		 cmd;
	struct pvctx		 ctx;
	char			 arg[PV_CMD_TEXTLEN + 8], why[PV_REASONLEN];
	const uint8_t		*nul;
	uint8_t			*ans, state[8];
	uint32_t		 mask;
	size_t			 n;

	if (cp == NULL || cp->ndefs == 0 || size < 1)
		abort();
	def = &cp->defs[data[0] % cp->ndefs];
	data++, size--;
	nul = memchr(data, '\0', size);
	n = nul != NULL ? (size_t)(nul - data) : size;
	if (n >= sizeof(arg))
		n = sizeof(arg) - 1;
	memcpy(arg, data, n);
	arg[n] = '\0';
	data += nul != NULL ? n + 1 : n, size -= nul != NULL ? n + 1 : n;

	why[0] = '\0';
	if (cmd_allow(proto, arg, &mask, why, sizeof(why)) == -1)
		fuzz_check_text(why, sizeof(why), 0);
	else if ((mask & ~(CMD_BIT(CMD_MAX) - 1)) != 0 ||
	    (mask & CMD_BIT(CMD_NONE)) != 0)
		abort();

	memset(&dev, 0, sizeof(dev));
	(void)strlcpy(dev.name, "FUZZ0000000001", sizeof(dev.name));
	dev.proto = proto;
	dev.allow = ~0U;
	(void)strlcpy(dev.at_allow, "AT+", sizeof(dev.at_allow));
	(void)strlcpy(dev.at_block, "AT+UPURL, AT+SUPDATE",
	    sizeof(dev.at_block));
	why[0] = '\0';
	if (cmd_parse(&dev, cmd_name(def->id), arg, n > PV_CMD_TEXTLEN - 1,
	    &cmd, why, sizeof(why)) == -1) {
		fuzz_check_reason(why);
		return;
	}
	fuzz_cmd_parsed(def, &cmd);
	if (size < 5)
		return;
	cmd.key = pv_be32(data);
	cmd.sentlen = data[4] % (CMD_SENTLEN + 1);
	data += 5, size -= 5;
	if (cmd.sentlen > size)
		cmd.sentlen = size;
	memcpy(cmd.sent, data, cmd.sentlen);
	data += cmd.sentlen, size -= cmd.sentlen;
	if ((ans = malloc(size > 0 ? size : 1)) == NULL)
		abort();
	memcpy(ans, data, size);
	fuzz_ctx(&ctx, &conf, proto, state, sizeof(state), 0, &fuzz_cmdout);
	ctx.cmd = &cmd;
	fuzz_cmd_answer(proto, &ctx, ans, size);
	free(ans);
}
