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

/* authenticated, identified, first poll request read */
static void
up_to_poll(struct conn *c)
{
	uint8_t	pt[REPLY_KEEP], fr[256];
	size_t	len;

	(void)request(c, 0, pt, &len);
	answer(c, fr, auth_answer(fr, sizeof(fr), 10), 0);
	(void)request(c, 1, pt, &len);
	answer(c, fr, ident_answer(fr, sizeof(fr)), 0);
	(void)request(c, 2, pt, &len);
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
		check(len == 18 + 14 + 4 && pv_le32(pt + 18) == 0x0a000001 &&
		    pv_le32(pt + 25) == 0x0a000019, "identity request");
		check(pv_le32(pt + 4) == T0, "time of the request");
	}
	want_dump(c, 0, NULL);
	result("session: 10 accepted, identity asked");

	/* identity: device record, then the poll request, which is 11 */
	c->ctx.now = T0 + 1;
	answer(c, fr, ident_answer(fr, sizeof(fr)), 5);
	check(c->nrecords == 1, "%d records", c->nrecords);
	r = &c->rec[0];
	check(r->kind == REC_DEVICE && strcmp(r->device, SERIAL) == 0,
	    "device record of \"%s\"", r->device);
	want_attr(r, A_FIRMWARE, RELEASE);
	check(strcmp(c->claim, SERIAL) == 0, "claimed \"%s\"", c->claim);
	want_reply(c, 3, NULL, 0);
	if (request(c, 2, pt, &len) == 0)
		check(vec_load(&v11, "11") == 0 && len == v11.len &&
		    memcmp(pt, v11.b, len) == 0, "poll request is not 11");
	result("session: identity recorded, poll request is 11");

	/* the poll answer, 13: one measurement, then the interval */
	check(vec_load(&v11, "13") == 0, "13");
	answer(c, v11.b, v11.len, 0);
	want_dump(c, 0, NULL);
	check(c->nrecords == 2, "%d records", c->nrecords);
	r = &c->rec[1];
	check(r->kind == REC_MEASUREMENT && r->time == 1700000001 &&
	    strcmp(r->device, SERIAL) == 0 && r->proto == PROTO_E3DC_RSCP,
	    "record header");
	want_metric(r, M_SOLAR_POWER, 0, 3613, 0);
	want_metric(r, M_BATTERY_POWER, 0, -507, 0);
	want_metric(r, M_HOUSE_POWER, 0, 1632, 0);
	want_metric(r, M_GRID_POWER, 0, -66, 0);
	want_metric(r, M_WALLBOX_POWER, 0, 11131, 0);
	want_metric(r, M_BATTERY_SOC, 0, 93, 0);
	want_metric(r, M_ADDITIONAL_POWER, 0, 9698, 0);
	want_metric(r, M_SELF_CONSUMPTION, 0, 9981, 2);
	want_metric(r, M_AUTARKY, 0, 9985, 2);
	check(r->nmetrics == 9, "%u metrics", r->nmetrics);
	check(c->timer == 5000, "timer %u, want the interval", c->timer);
	want_reply(c, 3, NULL, 0);
	result("session: 13 recorded, next poll in 5 s");

	/* the interval: the same poll, later, on the chain */
	c->ctx.now = T0 + 7;
	conn_tick(c);
	want_reply(c, 4, NULL, 0);
	if (request(c, 3, pt, &len) == 0) {
		check(poll_request(fr, sizeof(fr), T0 + 7) == len &&
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
		check(poll_request(fr, sizeof(fr), T0) == len &&
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
		check(poll_request(fr, sizeof(fr), T0 + 10) == len &&
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
	want_dump(c, 5, "frame of 65557 bytes, more than 8192");
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
	check(poll_request(fr, sizeof(fr), T0) == len &&
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
