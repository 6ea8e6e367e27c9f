/*
 * cloudsim: a simulated vendor cloud for the cloud relay's end-to-end
 * tests.  It listens where the gateway relays a protocol to and
 * answers what the device sends the way the cloud does, each answer
 * marked (cloudmark.h) so that the device can tell it from the
 * gateway's.  After the Kth frame of a connection (-c, default 2) it
 * also sends what a cloud sends on its own: a firmware update, an AT+UPURL
 * where the protocol has AT commands, setting writes, and a read.  On
 * apsystems-ecu, where EMA only answers, its answers to the ECU's polls
 * are those commands, one per poll.
 *
 *	cloudsim -p protocol -o log [-c K] [-S hex] [-s hex] address:port ...
 *
 * A cloud knows its devices: a frame that holds the bytes of -s (in
 * hex; a serial number, say) is a stranger's, and it gets no answer;
 * on one that holds those of -S the cloud closes the connection.
 *
 * Every frame goes to the log as it comes and goes:
 *
 *	recv <hex>		from the gateway (the device's, relayed)
 *	sent ack <hex>		an answer
 *	sent read <hex>		a read, which the firewall lets through
 *	sent block <hex>	what the firewall must keep from the device
 *	stranger <hex>		a stranger's frame, not answered
 *	closed <hex>		a stranger's frame, the connection closed
 *
 * It runs until it is killed.
 */

#include "compat.h"

#include <err.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "proto.h"
#include "cloudframe.h"
#include "cloudmark.h"
#include "simlib.h"

#define MAXSOCK		4
#define MAXCONN		256	/* make hostile relays its noread waves too */
#define OUTMAX		1024

struct cconn {
	struct sim_conn	 c;
	int		 frames;
	int		 used;
	int		 dead;		/* a write failed: the peer left */
};

static const struct proto	*pr;
static FILE			*logfp;
static int			 after = 2;
static int			 polls;		/* apsystems: A101 answered */
static struct cconn		 conns[MAXCONN];
/* the strangers' bytes: left unanswered (0), or closed on (1) */
static uint8_t			 strange[2][64];
static size_t			 nstrange[2];

static void	 put(struct cconn *, const char *, const uint8_t *, size_t);
static void	 answer(struct cconn *, const uint8_t *, size_t);
static void	 commands(struct cconn *);
static int	 stranger(const uint8_t *, size_t, int);

/*
 * A frame to the gateway.  The gateway may have let this connection go
 * (a device it relays no more): as a cloud does, that connection ends,
 * the cloud does not.
 */
static void
put(struct cconn *cc, const char *what, const uint8_t *p, size_t n)
{
	char	tag[32];
	ssize_t	w;
	size_t	off;

	for (off = 0; off < n && !cc->dead; off += w)
		if ((w = write(cc->c.fd, p + off, n - off)) == -1)
			cc->dead = 1;
	if (cc->dead)
		return;
	snprintf(tag, sizeof(tag), "sent %s", what);
	cf_log(logfp, tag, p, n);
}

/* ---- framing helpers for what we send ---- */

static size_t
g3_frame(uint8_t *f, const char *id, uint8_t ctrl, uint8_t msg,
    const uint8_t *pl, size_t plen)
{
	size_t	idlen = strlen(id), n = 5 + idlen + 2 + plen;

	f[0] = (n - 4) >> 24;
	f[1] = ((n - 4) >> 16) & 0xff;
	f[2] = ((n - 4) >> 8) & 0xff;
	f[3] = (n - 4) & 0xff;
	f[4] = idlen;
	memcpy(f + 5, id, idlen);
	f[5 + idlen] = ctrl;
	f[6 + idlen] = msg;
	memcpy(f + 7 + idlen, pl, plen);
	return (n);
}

/* protobuf: a varint field, a string field */
static size_t
pb_varint(uint8_t *p, uint64_t v)
{
	size_t	n = 0;

	do {
		p[n++] = (v & 0x7f) | (v > 0x7f ? 0x80 : 0);
		v >>= 7;
	} while (v != 0);
	return (n);
}

static size_t
pb_num(uint8_t *p, int field, uint64_t v)
{
	p[0] = field << 3;
	return (1 + pb_varint(p + 1, v));
}

static size_t
pb_str(uint8_t *p, int field, const char *s)
{
	size_t	n = strlen(s);

	p[0] = field << 3 | 2;
	p[1] = n;
	memcpy(p + 2, s, n);
	return (2 + n);
}

/* an ECU command answering its poll: A101 AAA0, its id, the command */
static size_t
aps_command(uint8_t *f, const uint8_t *poll, const char *cmd)
{
	memcpy(f, "APS13AAA51A101AAA0", 18);
	memcpy(f + 18, poll + 18, 12);
	memcpy(f + 30, cmd, 4);
	memcpy(f + 34, MARK_TS, 14);
	memcpy(f + 48, "END", 3);
	return (51);
}

/* ---- the answers ---- */

static void
answer_solarman(struct cconn *cc, const uint8_t *p, size_t n)
{
	uint8_t		f[64], pl[10];
	uint16_t	ctrl = pv_le16(p + 3);

	if (n < 13 || (ctrl != 0x4110 && ctrl != 0x4210 && ctrl != 0x4310 &&
	    ctrl != 0x4710 && ctrl != 0x4810))
		return;
	pl[0] = p[11];
	pl[1] = 1;
	pv_put_le32(pl + 2, (uint32_t)time(NULL));
	pv_put_le32(pl + 6, MARK_HEARTBEAT);
	put(cc, "ack", f, cf_solarman(f, ctrl - 0x3000, p, pl, sizeof(pl)));
}

static void
answer_gen3(struct cconn *cc, const uint8_t *p, size_t n)
{
	uint8_t		f[64], pl[8];
	char		id[18];
	size_t		idlen = p[4];
	uint8_t		msg, one = 1, two = 2;
	int		i;

	if (n < 7 || idlen > 17 || n < 7 + idlen || p[5 + idlen] != 0x91)
		return;
	memcpy(id, p + 5, idlen);
	id[idlen] = '\0';
	msg = p[6 + idlen];
	switch (msg) {
	case 0x00:
		put(cc, "ack", f, g3_frame(f, id, 0x91, msg, &one, 1));
		break;
	case 0x22:
		for (i = 0; i < 8; i++)
			pl[i] = (MARK_MS >> (56 - 8 * i)) & 0xff;
		put(cc, "ack", f, g3_frame(f, id, 0x91, msg, pl, 8));
		break;
	case 0x99:
		put(cc, "ack", f, g3_frame(f, id, 0x99, msg, &two, 1));
		break;
	case 0x71:
	case 0x04:
		put(cc, "ack", f, g3_frame(f, id, 0x99, msg, &one, 1));
		break;
	}
}

static void
answer_alphaess(struct cconn *cc, const uint8_t *p, size_t n)
{
	uint8_t	f[256];

	if (n < 9 || p[1] != 1)
		return;
	if (p[2] == 3)		/* the serial request: the configuration */
		put(cc, "block", f, cf_alphaess(f, 2, 3,
		    "{\"Status\":\"Success\",\"GridCharge\":\"1\","
		    "\"BatHighCap\":\"95\"}"));
	else
		put(cc, "ack", f, cf_alphaess(f, 2, p[2], MARK_JSON));
}

static void
answer_hoymiles(struct cconn *cc, const uint8_t *p, size_t n)
{
	uint8_t		f[128], pl[64];
	size_t		k = 0;
	uint16_t	cmd;

	if (n < 10 || p[2] != 0x22)
		return;
	cmd = pv_be16(p + 2);
	if (cmd == 0x2202) {
		k += pb_num(pl + k, 1, 3600);
		k += pb_num(pl + k, 2, MARK_SEC);
		k += pb_str(pl + k, 3, "2023-11-14 23:13:20");
	} else {
		k += pb_str(pl + k, 1, "2023-11-14 23:13:20");
		k += pb_num(pl + k, 5, MARK_SEC);
	}
	put(cc, "ack", f, cf_hoymiles(f, cmd + 0x100, pv_be16(p + 4), pl, k));
}

static void
answer_apsystems(struct cconn *cc, const uint8_t *p, size_t n)
{
	static const char *const seq[] = { "A136", "A107", "A102" };
	uint8_t			 f[64];

	if (n > 14 && memcmp(p + 10, "A101", 4) == 0 && n >= 51) {
		if (polls < 3)
			put(cc, polls == 2 ? "read" : "block", f,
			    aps_command(f, p, seq[polls]));
		else
			put(cc, "ack", f, aps_command(f, p, "A100"));
		polls++;
		return;
	}
	if ((n > 18 && memcmp(p, "APS18", 5) == 0) ||
	    (n >= 22 && memcmp(p, "APS13AAA22", 10) == 0)) {
		memcpy(f, "101", 3);
		memcpy(f + 3, MARK_TS, 14);
		put(cc, "ack", f, 17);
	}
}

static void
answer(struct cconn *cc, const uint8_t *p, size_t n)
{
	switch (pr->id) {
	case PROTO_SOLARMAN_V5:
		answer_solarman(cc, p, n);
		break;
	case PROTO_TSUN_GEN3:
		answer_gen3(cc, p, n);
		break;
	case PROTO_ALPHAESS:
		answer_alphaess(cc, p, n);
		break;
	case PROTO_HOYMILES:
		answer_hoymiles(cc, p, n);
		break;
	case PROTO_APSYSTEMS_ECU:
		answer_apsystems(cc, p, n);
		break;
	}
}

/* ---- what a cloud sends unasked ---- */

static void
commands_solarman(struct cconn *cc)
{
	static const uint8_t	write2008[] = { 0x01, 0x06, 0x20, 0x08,
				    0x00, 0x00, 0x03, 0xc8 };
	static const uint8_t	read3000[] = { 0x01, 0x03, 0x30, 0x00,
				    0x00, 0x30, 0x4a, 0xde };
	static const char	upurl[] = "AT+UPURL=http://fw.example/LSW5."
				    "bin,1\r";
	static const char	settime[] = "AT+TIME=214028,1,60,120\r";
	uint8_t			f[OUTMAX];

	put(cc, "block", f, cf_solarman_cmd(f, 1, upurl, sizeof(upurl) - 1));
	put(cc, "block", f, cf_solarman_cmd(f, 1, "AT+SUPDATE\r", 11));
	put(cc, "block", f, cf_solarman_cmd(f, 2, write2008,
	    sizeof(write2008)));
	put(cc, "block", f, cf_solarman_cmd(f, 1, settime,
	    sizeof(settime) - 1));
	put(cc, "read", f, cf_solarman_cmd(f, 2, read3000, sizeof(read3000)));
}

static void
commands_gen3(struct cconn *cc)
{
	static const uint8_t	write2008[] = { 0, 1, 0xa3, 0x28, 8, 0x01,
				    0x06, 0x20, 0x08, 0x00, 0x00, 0x03,
				    0xc8 };
	static const uint8_t	read3000[] = { 0, 1, 0xa3, 0x28, 8, 0x01,
				    0x03, 0x30, 0x00, 0x00, 0x30, 0x4a,
				    0xde };
	static const char	url[] = "http://fw.example/G3-WiFi+-V1.00.17-"
				    "OTA";
	uint8_t			f[OUTMAX], pl[256];
	size_t			k;

	memcpy(pl, "\x01\x02\x76\x35", 4);
	pl[4] = sizeof(url) - 1;
	memcpy(pl + 5, url, sizeof(url) - 1);
	k = 5 + sizeof(url) - 1;
	memcpy(pl + k, "\x01" "1\x01" "0\x00", 5);
	k += 5;
	put(cc, "block", f, g3_frame(f, "R170000000000001", 0x70, 0x13, pl,
	    k));
	put(cc, "block", f, g3_frame(f, "R170000000000001", 0x70, 0x77,
	    write2008, sizeof(write2008)));
	put(cc, "read", f, g3_frame(f, "R170000000000001", 0x70, 0x77,
	    read3000, sizeof(read3000)));
}

static void
commands_alphaess(struct cconn *cc)
{
	uint8_t	f[OUTMAX];

	put(cc, "block", f, cf_alphaess(f, 1, 8, "{\"CmdIndex\":\"51422093\","
	    "\"Command\":\"FirmwareUpdate\",\"Parameter1\":"
	    "\"http://fw.example/ems.bin\"}"));
	put(cc, "block", f, cf_alphaess(f, 1, 8, "{\"Command\":\"SetConfig\","
	    "\"CmdIndex\":\"51422094\"}"));
	put(cc, "read", f, cf_alphaess(f, 1, 8, "{\"CmdIndex\":\"82915609\","
	    "\"Command\":\"Resume\",\"Parameter1\":\"2021/03/24 09:40:13\","
	    "\"Parameter2\":\"21\"}"));
}

static void
commands_hoymiles(struct cconn *cc)
{
	uint8_t	f[OUTMAX], pl[256];
	size_t	k;

	k = pb_num(pl, 1, MARK_SEC);
	k += pb_num(pl + k, 2, 2);		/* DTU upgrade */
	k += pb_str(pl + k, 7, "http://fw.example/dtu.bin");
	put(cc, "block", f, cf_hoymiles(f, 0x2305, 7, pl, k));
	k = pb_num(pl, 1, MARK_SEC);
	put(cc, "block", f, cf_hoymiles(f, 0xa31d, 8, pl, k));
	k = pb_num(pl, 1, MARK_SEC);
	k += pb_str(pl + k, 2, "grid profile");
	put(cc, "block", f, cf_hoymiles(f, 0x2308, 9, pl, k));
	k = pb_num(pl, 1, MARK_SEC);
	k += pb_num(pl + k, 2, 8);		/* limit power */
	put(cc, "block", f, cf_hoymiles(f, 0x2305, 10, pl, k));
	k = pb_num(pl, 1, MARK_SEC);
	put(cc, "read", f, cf_hoymiles(f, 0x2307, 11, pl, k));
}

static void
commands(struct cconn *cc)
{
	switch (pr->id) {
	case PROTO_SOLARMAN_V5:
		commands_solarman(cc);
		break;
	case PROTO_TSUN_GEN3:
		commands_gen3(cc);
		break;
	case PROTO_ALPHAESS:
		commands_alphaess(cc);
		break;
	case PROTO_HOYMILES:
		commands_hoymiles(cc);
		break;
	}
}

/* does the frame hold stranger bytes of kind k? */
static int
stranger(const uint8_t *p, size_t n, int k)
{
	size_t	i, m = nstrange[k];

	for (i = 0; m > 0 && i + m <= n; i++)
		if (memcmp(p + i, strange[k], m) == 0)
			return (1);
	return (0);
}

/* frames of the device's kind, as it sends them */
static void
readable(struct cconn *cc)
{
	const char	*why;
	size_t		 n;
	int		 v;

	if (sim_fill(&cc->c, 0) == -1) {
		sim_hangup(&cc->c);
		cc->used = 0;
		return;
	}
	for (;;) {
		if (cc->dead) {
			sim_hangup(&cc->c);
			cc->used = 0;
			return;
		}
		n = 0;
		v = pr->frame(cc->c.buf, cc->c.len, SIM_BUFLEN, &n, &why);
		if (v == FRAME_MORE)
			return;
		if (v == FRAME_OK && stranger(cc->c.buf, n, 1)) {
			cf_log(logfp, "closed", cc->c.buf, n);
			sim_hangup(&cc->c);
			cc->used = 0;
			return;
		}
		if (v == FRAME_OK && stranger(cc->c.buf, n, 0))
			cf_log(logfp, "stranger", cc->c.buf, n);
		else if (v == FRAME_OK) {
			cf_log(logfp, "recv", cc->c.buf, n);
			answer(cc, cc->c.buf, n);
			if (++cc->frames == after)
				commands(cc);
		} else if (v == FRAME_SKIP)
			cf_log(logfp, "garbage", cc->c.buf, n);
		else
			n = cc->c.len;
		sim_consume(&cc->c, n);
	}
}

int
main(int argc, char *argv[])
{
	struct pollfd	 pfd[MAXSOCK + MAXCONN];
	char		*colon;
	int		 ls[MAXSOCK], nls = 0, ch, i, s;

	while ((ch = getopt(argc, argv, "c:o:p:S:s:")) != -1) {
		switch (ch) {
		case 'c':
			after = atoi(optarg);
			break;
		case 'o':
			if ((logfp = fopen(optarg, "a")) == NULL)
				err(100, "%s", optarg);
			break;
		case 'p':
			if ((pr = proto_byname(optarg)) == NULL)
				errx(100, "unknown protocol %s", optarg);
			break;
		case 'S':
		case 's':
			i = ch == 'S';
			if ((nstrange[i] = sim_unhex(optarg, strange[i],
			    sizeof(strange[i]))) == 0)
				errx(100, "-%c %s: want hex", ch, optarg);
			break;
		default:
			errx(100, "usage: cloudsim -p protocol -o log [-c K] "
			    "[-S hex] [-s hex] address:port ...");
		}
	}
	if (pr == NULL || logfp == NULL || optind >= argc)
		errx(100, "usage: cloudsim -p protocol -o log [-c K] "
		    "[-S hex] [-s hex] address:port ...");
	signal(SIGPIPE, SIG_IGN);
	for (i = optind; i < argc && nls < MAXSOCK; i++) {
		if ((colon = strrchr(argv[i], ':')) == NULL)
			errx(100, "%s: want address:port", argv[i]);
		*colon = '\0';
		ls[nls++] = sim_listen(argv[i], sim_port(colon + 1));
	}
	fprintf(logfp, "listening\n");
	fflush(logfp);
	for (;;) {
		for (i = 0; i < nls; i++) {
			pfd[i].fd = ls[i];
			pfd[i].events = POLLIN;
		}
		for (i = 0; i < MAXCONN; i++) {
			pfd[nls + i].fd = conns[i].used ? conns[i].c.fd : -1;
			pfd[nls + i].events = POLLIN;
		}
		if (poll(pfd, nls + MAXCONN, -1) == -1)
			err(100, "poll");
		for (i = 0; i < nls; i++) {
			if (!(pfd[i].revents & POLLIN) ||
			    (s = sim_accept(ls[i], 0)) == -1)
				continue;
			for (ch = 0; ch < MAXCONN && conns[ch].used; ch++)
				;
			if (ch == MAXCONN) {
				close(s);
				continue;
			}
			memset(&conns[ch], 0, sizeof(conns[ch]));
			conns[ch].c.fd = -1;
			sim_open(&conns[ch].c, s);
			conns[ch].used = 1;
		}
		for (i = 0; i < MAXCONN; i++)
			if (conns[i].used && pfd[nls + i].revents != 0)
				readable(&conns[i]);
	}
}
