/*
 * rscpd: a test E3/DC for the end-to-end tests.  It listens on a
 * loopback port and answers RSCP clients as an E3/DC S10 does, one
 * connection at a time, with its own RSCP key and portal credentials:
 *
 *	- a request that does not decrypt under its key: the connection
 *	  is closed without an answer (what the E3/DC does);
 *	- RSCP_REQ_AUTHENTICATION: user level 10, or 0 for a wrong user
 *	  or password (the connection stays open);
 *	- anything else before a good authentication: ACCESS_DENIED;
 *	- INFO serial number, release and UTC time, and the ten EMS
 *	  values of python-e3dc's poll() (those of vector 13);
 *	- the system info: installed PV peak power, EMS_GET_SYS_SPECS
 *	  (battery capacity among them), the battery's module count and
 *	  the inverter's string count;
 *	- EMS status and emergency power state; the containers
 *	  BAT_REQ_DATA (the battery, and each module's info and cell
 *	  temperatures), PVI_REQ_DATA (each string's DC power, voltage,
 *	  current) and PM_REQ_DATA (the grid meter's phases), answered
 *	  in BAT_DATA, PVI_DATA and PM_DATA with the same indexes;
 *	- owners' commands, EMS_REQ_SET_POWER_SETTINGS (each setting
 *	  answered 0, done) and HA_REQ_COMMAND_ACTUATOR (true): said as
 *	  "command TAG TYPE LENGTH VALUE" in hex, as they came;
 *	- EMS_REQ_GET_POWER_SETTINGS: the settings as the commands left
 *	  them (at first limits off, 2500 W charge, 3000 W discharge,
 *	  start 65 W, weather regulated charge off), said as "settings
 *	  weather W limits L";
 *	- other tags: UNKNOWN_TAG, inside containers too.
 *
 * It has two battery modules and two PV strings.  The battery charges
 * (EMS_POWER_BAT 507 W, BAT_CURRENT 9.69 A: both positive); the grid
 * meter's phases add up to EMS_POWER_GRID (-66 W, export).
 *
 * Every event is a line on stdout, "<unix time with ms> <event>", for
 * the test to check what happened when.
 *
 * usage: rscpd -p port -k rscp_key -u user -w password [-t seconds]
 */

#include "compat.h"

#include <sys/socket.h>
#include <sys/time.h>

#include <err.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pvgate.h"
#include "proto.h"
#include "rijndael.h"
#include "rscp.h"
#include "simlib.h"

#define BLOCK		32
#define BUFLEN		8192
#define SERIAL		"S10-7412345678"
#define RELEASE		"S10_2024_044"

struct client {
	int		 fd;
	uint8_t		 rxiv[BLOCK], txiv[BLOCK];
	uint8_t		 buf[BUFLEN];
	size_t		 len;
	int		 level;
};

static struct rijndael	 cipher;
static const char	*user, *password;
/* the power settings: limits used, charge, discharge, start, weather */
static uint32_t		 settings[5] = { 0, 2500, 3000, 65, 0 };

static void	 say(const char *, ...)
		    __attribute__((__format__ (printf, 1, 2)));
static void	 serve(int);
static int	 take(struct client *);
static int	 request(struct client *, const uint8_t *, size_t);
static void	 answer(struct rscp_builder *, struct client *,
		    const struct rscp_value *, int *);
static void	 put_error(struct rscp_builder *, uint32_t, uint32_t);
static void	 command(struct rscp_builder *, const struct rscp_value *);
static void	 put_int32(struct rscp_builder *, uint32_t, int32_t);
static void	 put_float(struct rscp_builder *, uint32_t, float);
static void	 put_double(struct rscp_builder *, uint32_t, double);
static void	 put_u8(struct rscp_builder *, uint32_t, uint8_t);
static void	 setting(const struct rscp_value *);
static void	 put_u32(struct rscp_builder *, uint32_t, uint8_t, uint32_t);
static void	 sys_specs(struct rscp_builder *);
static void	 container(struct rscp_builder *, const struct rscp_value *);
static void	 battery_item(struct rscp_builder *, uint32_t, int);
static void	 string_item(struct rscp_builder *, uint32_t, int);
static void	 meter_item(struct rscp_builder *, uint32_t);
static int	 index_of(const struct rscp_value *);
static void	 ems(struct rscp_builder *, uint32_t, int *);
static __dead void usage(void);

static void
say(const char *fmt, ...)
{
	struct timeval	tv;
	va_list		ap;

	gettimeofday(&tv, NULL);
	printf("%lld.%03ld ", (long long)tv.tv_sec, (long)tv.tv_usec / 1000);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

static __dead void
usage(void)
{
	fprintf(stderr, "usage: rscpd -p port -k rscp_key -u user "
	    "-w password [-t seconds]\n");
	exit(2);
}

int
main(int argc, char *argv[])
{
	const char		*errstr, *key = NULL;
	uint8_t			 k[BLOCK];
	int			 ch, s, fd, port = 0, secs = 120;
	size_t			 n;

	while ((ch = getopt(argc, argv, "k:p:t:u:w:")) != -1) {
		switch (ch) {
		case 'k':
			key = optarg;
			break;
		case 'p':
			port = strtonum(optarg, 1, 65535, &errstr);
			if (errstr != NULL)
				errx(2, "port %s: %s", optarg, errstr);
			break;
		case 't':
			secs = strtonum(optarg, 1, 3600, &errstr);
			if (errstr != NULL)
				errx(2, "seconds %s: %s", optarg, errstr);
			break;
		case 'u':
			user = optarg;
			break;
		case 'w':
			password = optarg;
			break;
		default:
			usage();
		}
	}
	if (port == 0 || key == NULL || user == NULL || password == NULL)
		usage();

	memset(k, 0xff, sizeof(k));
	n = strlen(key);
	memcpy(k, key, n < sizeof(k) ? n : sizeof(k));
	if (rijndael_setkey(&cipher, k, sizeof(k), BLOCK) == -1)
		errx(2, "setkey");

	signal(SIGPIPE, SIG_IGN);
	/* never outlive the test */
	alarm(secs);
	s = sim_listen("127.0.0.1", port);
	say("listening on %d", port);
	for (;;) {
		fd = sim_accept(s, -1);
		say("accept");
		serve(fd);
		close(fd);
	}
}

/* one connection, until either side ends it */
static void
serve(int fd)
{
	struct client	c;
	ssize_t		r;

	memset(&c, 0, sizeof(c));
	c.fd = fd;
	memset(c.rxiv, 0xff, BLOCK);
	memset(c.txiv, 0xff, BLOCK);
	for (;;) {
		r = read(fd, c.buf + c.len, sizeof(c.buf) - c.len);
		if (r <= 0) {
			say("closed by the client");
			return;
		}
		c.len += r;
		if (take(&c) == -1)
			return;
	}
}

/* the whole requests in the buffer; -1: close */
static int
take(struct client *c)
{
	uint8_t		 iv[BLOCK], pt[BUFLEN];
	const char	*why;
	size_t		 flen, padded;

	while (c->len >= BLOCK) {
		memcpy(iv, c->rxiv, BLOCK);
		rijndael_cbc_decrypt(&cipher, iv, c->buf, pt, BLOCK);
		if (rscp_header(pt, BLOCK, &flen, &why) == -1) {
			say("close: request does not decrypt (%s)", why);
			return (-1);
		}
		padded = (flen + BLOCK - 1) / BLOCK * BLOCK;
		if (padded > BUFLEN) {
			say("close: request of %zu bytes", flen);
			return (-1);
		}
		if (c->len < padded)
			return (0);
		rijndael_cbc_decrypt(&cipher, c->rxiv, c->buf, pt, padded);
		memmove(c->buf, c->buf + padded, c->len - padded);
		c->len -= padded;
		if (request(c, pt, flen) == -1)
			return (-1);
	}
	return (0);
}

static void
put_error(struct rscp_builder *b, uint32_t tag, uint32_t code)
{
	uint8_t	v[4];

	pv_put_le32(v, code);
	rscp_put(b, tag, RSCP_ERROR, v, sizeof(v));
}

static void
put_int32(struct rscp_builder *b, uint32_t tag, int32_t i)
{
	uint8_t	v[4];

	pv_put_le32(v, (uint32_t)i);
	rscp_put(b, tag, RSCP_INT32, v, sizeof(v));
}

static void
put_float(struct rscp_builder *b, uint32_t tag, float f)
{
	uint32_t	u;
	uint8_t		v[4];

	memcpy(&u, &f, sizeof(u));
	pv_put_le32(v, u);
	rscp_put(b, tag, RSCP_FLOAT32, v, sizeof(v));
}

static void
put_double(struct rscp_builder *b, uint32_t tag, double d)
{
	uint64_t	u;
	uint8_t		v[8];

	memcpy(&u, &d, sizeof(u));
	pv_put_le32(v, (uint32_t)u);
	pv_put_le32(v + 4, (uint32_t)(u >> 32));
	rscp_put(b, tag, RSCP_DOUBLE64, v, sizeof(v));
}

static void
put_u8(struct rscp_builder *b, uint32_t tag, uint8_t u)
{
	rscp_put(b, tag, RSCP_UCHAR8, &u, 1);
}

static void
put_u32(struct rscp_builder *b, uint32_t tag, uint8_t type, uint32_t u)
{
	uint8_t	v[4];

	pv_put_le32(v, u);
	rscp_put(b, tag, type, v, sizeof(v));
}

/* EMS_GET_SYS_SPECS: answered under 0x01800098, not 0x01800097 */
static void
sys_specs(struct rscp_builder *b)
{
	static const struct {
		const char	*name;
		uint32_t	 value;
	} specs[] = {
		{ "hybridModeSupported", 1 },
		{ "installedBatteryCapacity", 13000 },	/* Wh */
		{ "maxAcPower", 12000 }
	};
	size_t	i;

	rscp_open(b, 0x01800098);
	for (i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
		rscp_open(b, 0x01000099);
		put_u32(b, 0x0100009a, RSCP_INT32, i);
		rscp_put_string(b, 0x0100009b, specs[i].name);
		put_u32(b, 0x0100009c, RSCP_INT32, specs[i].value);
		rscp_close(b);
	}
	rscp_close(b);
}

/* a request's UInt16 index, or -1 */
static int
index_of(const struct rscp_value *v)
{
	if (v->type != RSCP_UINT16 || v->len != 2)
		return (-1);
	return (pv_le16(v->data));
}

/* in BAT_DATA; index: the module, for the per-module requests */
static void
battery_item(struct rscp_builder *b, uint32_t tag, int index)
{
	static const float	soh[] = { 95.9f, 94.1f };
	static const float	temps[][2] = { { 32.0f, 31.8f },
				    { 30.5f, 31.25f } };
	uint32_t		resp = tag | RSCP_TAG_RESPONSE;

	switch (tag) {
	case 0x0300000d:	/* DCB count */
		put_u8(b, resp, 2);
		return;
	case 0x03000002:	/* module voltage */
		put_float(b, resp, 52.3f);
		return;
	case 0x03000003:	/* current, positive: charging */
		put_float(b, resp, 9.69f);
		return;
	case 0x03000008:	/* charge cycles */
		put_u32(b, resp, RSCP_UINT32, 364);
		return;
	case 0x03000010:	/* full charge capacity, Ah */
		put_float(b, resp, 229.5f);
		return;
	case 0x03000045:	/* design capacity, Ah */
		put_float(b, resp, 256.0f);
		return;
	}
	if ((tag == 0x03000042 || tag == 0x03000018) &&
	    index >= 0 && index < 2) {
		rscp_open(b, resp);
		rscp_put_u16(b, 0x03800100, index);	/* BAT_DCB_INDEX */
		if (tag == 0x03000042) {
			put_u32(b, 0x03800110, RSCP_UINT32, 364);
			put_float(b, 0x03800109, soh[index]);
		} else {
			rscp_open(b, 0x03840000);
			put_float(b, 0x03800019, temps[index][0]);
			put_float(b, 0x03800019, temps[index][1]);
			rscp_close(b);
		}
		rscp_close(b);
		return;
	}
	put_error(b, resp, RSCP_ERR_UNKNOWN_TAG);
}

/* in PVI_DATA: { PVI_INDEX, PVI_VALUE } per string */
static void
string_item(struct rscp_builder *b, uint32_t tag, int index)
{
	static const float	dc[][3] = { { 2013.0f, 402.6f, 5.0f },
				    { 1600.0f, 380.9f, 4.2f } };
	uint32_t		resp = tag | RSCP_TAG_RESPONSE;

	if (tag == 0x02000090) {	/* used string count */
		put_u8(b, resp, 2);
		return;
	}
	if (tag < 0x020dc001 || tag > 0x020dc003 || index < 0 || index > 1) {
		put_error(b, resp, RSCP_ERR_UNKNOWN_TAG);
		return;
	}
	rscp_open(b, resp);
	rscp_put_u16(b, 0x02040001, index);
	put_float(b, 0x02040005, dc[index][tag - 0x020dc001]);
	rscp_close(b);
}

/* in PM_DATA: the grid meter, import positive */
static void
meter_item(struct rscp_builder *b, uint32_t tag)
{
	static const double	power[] = { -120.0, 31.0, 23.0 };
	static const float	volt[] = { 230.1f, 229.4f, 231.0f };
	uint32_t		resp = tag | RSCP_TAG_RESPONSE;

	if (tag >= 0x05000001 && tag <= 0x05000003)
		put_double(b, resp, power[tag - 0x05000001]);
	else if (tag >= 0x05000011 && tag <= 0x05000013)
		put_float(b, resp, volt[tag - 0x05000011]);
	else
		put_error(b, resp, RSCP_ERR_UNKNOWN_TAG);
}

/* BAT_REQ_DATA, PVI_REQ_DATA, PM_REQ_DATA: index first, then items */
static void
container(struct rscp_builder *b, const struct rscp_value *v)
{
	struct rscp_iter	it;
	struct rscp_value	w;
	uint32_t		ns = v->tag >> 24;

	if (rscp_enter(v, &it) == -1) {
		put_error(b, v->tag | RSCP_TAG_RESPONSE, RSCP_ERR_FORMAT);
		return;
	}
	rscp_open(b, v->tag | RSCP_TAG_RESPONSE);
	while (rscp_next(&it, &w) == 1) {
		if (w.tag == (ns << 24 | 0x00040001)) {
			/* the device's index: 0, as asked */
			rscp_put_u16(b, w.tag, 0);
			continue;
		}
		if (ns == 0x03)
			battery_item(b, w.tag, index_of(&w));
		else if (ns == 0x02)
			string_item(b, w.tag, index_of(&w));
		else
			meter_item(b, w.tag);
	}
	rscp_close(b);
}

/* the answer to one request value */
static void
answer(struct rscp_builder *b, struct client *c, const struct rscp_value *v,
    int *polled)
{
	struct rscp_iter	it;
	struct rscp_value	w;
	struct timeval		tv;
	char			u[256], p[256];
	uint32_t		resp = v->tag | RSCP_TAG_RESPONSE;
	uint8_t			x[12];

	if (v->tag == 0x00000001 && rscp_enter(v, &it) == 0) {
		u[0] = p[0] = '\0';
		while (rscp_next(&it, &w) == 1) {
			if (w.len >= sizeof(u) || w.type != RSCP_CSTRING)
				continue;
			if (w.tag == 0x00000002) {
				memcpy(u, w.data, w.len);
				u[w.len] = '\0';
			} else if (w.tag == 0x00000003) {
				memcpy(p, w.data, w.len);
				p[w.len] = '\0';
			}
		}
		c->level = strcmp(u, user) == 0 && strcmp(p, password) == 0 ?
		    10 : 0;
		say("authentication of %s: user level %d", u, c->level);
		x[0] = (uint8_t)c->level;
		rscp_put(b, 0x00800001, RSCP_UCHAR8, x, 1);
		return;
	}
	if (c->level == 0) {
		put_error(b, resp, RSCP_ERR_ACCESS_DENIED);
		return;
	}
	switch (v->tag) {
	case 0x0a000001:
		rscp_put_string(b, resp, SERIAL);
		break;
	case 0x0a000019:
		rscp_put_string(b, resp, RELEASE);
		break;
	case 0x0a00000f:
		gettimeofday(&tv, NULL);
		pv_put_le32(x, (uint32_t)tv.tv_sec);
		pv_put_le32(x + 4, 0);
		pv_put_le32(x + 8, (uint32_t)tv.tv_usec * 1000);
		rscp_put(b, resp, RSCP_TIMESTAMP, x, 12);
		break;
	case 0x03040000:
	case 0x02040000:
	case 0x05040000:
		container(b, v);
		break;
	case 0x0100008c:
	case 0x09000040:
		command(b, v);
		break;
	default:
		ems(b, v->tag, polled);
		break;
	}
}

/* an EMS request, or UNKNOWN_TAG */
static void
ems(struct rscp_builder *b, uint32_t tag, int *polled)
{
	uint32_t	resp = tag | RSCP_TAG_RESPONSE;
	uint8_t		x;

	switch (tag) {
	case 0x01000008:
		put_u8(b, resp, 93);
		(*polled)++;
		break;
	case 0x01000001:
		put_int32(b, resp, 3613);
		break;
	case 0x01000005:
		put_int32(b, resp, -9698);
		break;
	case 0x01000002:
		put_int32(b, resp, 507);
		break;
	case 0x01000003:
		put_int32(b, resp, 1632);
		break;
	case 0x01000004:
		put_int32(b, resp, -66);
		break;
	case 0x0100001f:
		put_int32(b, resp, 11131);
		break;
	case 0x01000007:
		put_float(b, resp, 99.808975f);
		break;
	case 0x01000006:
		put_float(b, resp, 99.85156f);
		break;
	case 0x01000013:	/* installed peak power, W */
		put_u32(b, resp, RSCP_UINT32, 9870);
		break;
	case 0x01000097:
		sys_specs(b);
		break;
	case 0x01000040:	/* EMS status: discharging locked, EP ready */
		put_u32(b, resp, RSCP_UINT32, 0x06);
		break;
	case 0x01000073:	/* emergency power: not active */
		put_u8(b, resp, 2);
		break;
	case 0x0100008b:	/* power settings, in python-e3dc's types */
		say("settings weather %u limits %u", settings[4], settings[0]);
		rscp_open(b, resp);
		x = settings[0] != 0;
		rscp_put(b, 0x01000100, RSCP_BOOL, &x, 1);
		put_u32(b, 0x01000101, RSCP_UINT32, settings[1]);
		put_u32(b, 0x01000102, RSCP_UINT32, settings[2]);
		put_u32(b, 0x01000103, RSCP_UINT32, settings[3]);
		x = 0;
		rscp_put(b, 0x01000104, RSCP_BOOL, &x, 1);
		put_u8(b, 0x01000105, settings[4]);
		rscp_close(b);
		break;
	default:
		put_error(b, resp, RSCP_ERR_UNKNOWN_TAG);
		break;
	}
}

/* an owner's command: said, and answered as done */
static void
command(struct rscp_builder *b, const struct rscp_value *v)
{
	struct rscp_iter	it;
	struct rscp_value	w;
	char			hex[2 * BUFLEN + 1];
	size_t			i;
	uint8_t			x = 0;

	for (i = 0; i < v->len && i < BUFLEN; i++)
		(void)snprintf(hex + 2 * i, 3, "%02x", v->data[i]);
	hex[2 * i] = '\0';
	say("command %08x %02x %04zx %s", v->tag, v->type, v->len, hex);
	if (v->tag == 0x09000040) {
		x = 1;
		rscp_put(b, 0x09800040, RSCP_BOOL, &x, 1);
		return;
	}
	rscp_open(b, v->tag | RSCP_TAG_RESPONSE);
	if (rscp_enter(v, &it) == 0)
		while (rscp_next(&it, &w) == 1) {
			setting(&w);
			rscp_put(b, w.tag | RSCP_TAG_RESPONSE, RSCP_CHAR8, &x, 1);
		}
	rscp_close(b);
}

/* a setting of EMS_REQ_SET_POWER_SETTINGS, kept for the next read */
static void
setting(const struct rscp_value *w)
{
	uint32_t	u = 0;

	if (w->len == 1)
		u = w->data[0];
	else if (w->len == 4)
		u = pv_le32(w->data);
	if (w->tag >= 0x01000100 && w->tag <= 0x01000103)
		settings[w->tag - 0x01000100] = u;
	else if (w->tag == 0x01000105)
		settings[4] = u;
}

/* one decrypted request: answer every value in one frame */
static int
request(struct client *c, const uint8_t *pt, size_t flen)
{
	struct rscp_frame	 fr;
	struct rscp_builder	 b;
	struct rscp_iter	 it;
	struct rscp_value	 v;
	struct timeval		 tv;
	const char		*why;
	uint8_t			 out[BUFLEN];
	size_t			 n, padded, off;
	ssize_t			 w;
	int			 polled = 0;

	if (rscp_frame(pt, flen, &fr, &why) == -1) {
		say("close: bad request: %s", why);
		return (-1);
	}
	rscp_build(&b, out, sizeof(out) - BLOCK);
	rscp_iter_init(&it, fr.data, fr.datalen);
	while (rscp_next(&it, &v) == 1)
		answer(&b, c, &v, &polled);
	gettimeofday(&tv, NULL);
	if ((n = rscp_seal(&b, tv.tv_sec, (uint32_t)tv.tv_usec * 1000)) == 0) {
		say("close: answer does not fit");
		return (-1);
	}
	if (polled)
		say("poll answered");
	padded = (n + BLOCK - 1) / BLOCK * BLOCK;
	memset(out + n, 0, padded - n);
	rijndael_cbc_encrypt(&cipher, c->txiv, out, out, padded);
	for (off = 0; off < padded; off += w)
		if ((w = write(c->fd, out + off, padded - off)) <= 0) {
			say("close: write failed");
			return (-1);
		}
	return (0);
}
