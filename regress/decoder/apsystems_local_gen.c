/*
 * APsystems ECU local-port answers built from values; see
 * apsystems_local_gen.h.  The layouts, written down again here from
 * the sources in proto/apsystems_local.c, not taken from that file:
 *
 *	head	"APS" "11"|"12" length(4) command(4)
 *	0001	id(12) layout(2) lifetime(4) power(4) today(4), then
 *		01: time(7 BCD) registered(2) online(2) 2 bytes
 *		    fwlen(3) fw zonelen(3) zone
 *		02: registered(2) online(2) 6 bytes fwlen(3) fw
 *		and two MAC addresses, "00" and ten zero bytes
 *	0002	"0001" count(2) time(7 BCD), per inverter uid(6 BCD)
 *		online(1) type(2) [frequency(2) temperature+100(2) values]
 *	0030	"00", per inverter uid(6 BCD) strength(1)
 *	tail	"END" '\n'; the length counts up to "END"
 */

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "apsystems_local_gen.h"

struct out {
	uint8_t	*b;
	size_t	 size;
	size_t	 len;
	int	 over;
};

static void	put(struct out *, const void *, size_t);
static void	put16(struct out *, unsigned int);
static void	put32(struct out *, uint32_t);
static void	bcd(struct out *, const char *);
static void	head(struct out *, const char *, const char *);
static size_t	tail(struct out *);

static void
put(struct out *o, const void *p, size_t n)
{
	if (o->over || n > o->size - o->len) {
		o->over = 1;
		return;
	}
	memcpy(o->b + o->len, p, n);
	o->len += n;
}

static void
put16(struct out *o, unsigned int v)
{
	uint8_t	b[2];

	b[0] = (v >> 8) & 0xff;
	b[1] = v & 0xff;
	put(o, b, 2);
}

static void
put32(struct out *o, uint32_t v)
{
	uint8_t	b[4];

	b[0] = v >> 24;
	b[1] = (v >> 16) & 0xff;
	b[2] = (v >> 8) & 0xff;
	b[3] = v & 0xff;
	put(o, b, 4);
}

/* decimal digits, two to a byte */
static void
bcd(struct out *o, const char *digits)
{
	uint8_t	b;
	size_t	i;

	for (i = 0; digits[i] != '\0' && digits[i + 1] != '\0'; i += 2) {
		b = (uint8_t)((digits[i] - '0') << 4 | (digits[i + 1] - '0'));
		put(o, &b, 1);
	}
}

/* the head, its length field left "0000" until tail() */
static void
head(struct out *o, const char *gen, const char *cmd)
{
	put(o, "APS", 3);
	put(o, gen, 2);
	put(o, "0000", 4);
	put(o, cmd, 4);
}

static size_t
tail(struct out *o)
{
	char	len[8];

	put(o, "END\n", 4);
	if (o->over || o->len - 1 > 9999)
		return (0);
	(void)snprintf(len, sizeof(len), "%04zu", o->len - 1);
	memcpy(o->b + 5, len, 4);
	return (o->len);
}

size_t
lgen_info(uint8_t *buf, size_t size, const struct lgen_ecu *e)
{
	static const uint8_t	macs[12] = {
		0x80, 0x97, 0x1b, 0x01, 0x02, 0x03,
		0x60, 0xc5, 0xa8, 0x04, 0x05, 0x06
	};
	static const uint8_t	zeros[10];
	struct out		o = { buf, size, 0, 0 };
	char			n[24];

	head(&o, e->gen, "0001");
	put(&o, e->id, 12);
	put(&o, e->layout == 2 ? "02" : "01", 2);
	put32(&o, e->lifetime);
	put32(&o, e->power);
	put32(&o, e->today);
	if (e->layout != 2)
		bcd(&o, e->time);
	put16(&o, (unsigned int)e->registered);
	put16(&o, (unsigned int)e->online);
	if (e->layout != 2)
		put(&o, "10", 2);
	else
		put(&o, zeros, 6);
	(void)snprintf(n, sizeof(n), "%03zu", strlen(e->firmware));
	put(&o, n, 3);
	put(&o, e->firmware, strlen(e->firmware));
	if (e->layout != 2) {
		(void)snprintf(n, sizeof(n), "%03zu", strlen(e->zone));
		put(&o, n, 3);
		put(&o, e->zone, strlen(e->zone));
	}
	put(&o, macs, sizeof(macs));
	put(&o, "00", 2);
	put(&o, zeros, sizeof(zeros));
	return (tail(&o));
}

const char *
lgen_values(const char *type)
{
	if (strcmp(type, "01") == 0 || strcmp(type, "04") == 0)
		return ("PVP-");
	if (strcmp(type, "02") == 0 || strcmp(type, "05") == 0)
		return ("PVPVPVP");
	if (strcmp(type, "03") == 0)
		return ("PVPPP");
	return (NULL);
}

size_t
lgen_data(uint8_t *buf, size_t size, const char *time,
    const struct lgen_inv *v, int n)
{
	struct out	 o = { buf, size, 0, 0 };
	const char	*vals;
	int		 i, ch, nv;
	uint8_t		 on;

	head(&o, "11", "0002");
	put(&o, "0001", 4);
	put16(&o, (unsigned int)n);
	bcd(&o, time);
	for (i = 0; i < n; i++) {
		bcd(&o, v[i].uid);
		on = (uint8_t)v[i].online;
		put(&o, &on, 1);
		put(&o, v[i].type, 2);
		if ((vals = lgen_values(v[i].type)) == NULL)
			continue;
		put16(&o, (unsigned int)v[i].freq);
		put16(&o, (unsigned int)(v[i].temp + 100));
		for (ch = nv = 0; *vals != '\0'; vals++) {
			if (*vals == 'P')
				put16(&o, (unsigned int)v[i].power[ch++]);
			else if (*vals == 'V')
				put16(&o, (unsigned int)v[i].volt[nv++]);
			else
				put16(&o, (unsigned int)v[i].volt[0]);
		}
	}
	return (tail(&o));
}

/* the inverters in the signal answer, last first */
size_t
lgen_signal(uint8_t *buf, size_t size, const struct lgen_inv *v, int n)
{
	struct out	o = { buf, size, 0, 0 };
	uint8_t		s;
	int		i;

	head(&o, "11", "0030");
	put(&o, "00", 2);
	for (i = n - 1; i >= 0; i--) {
		if (v[i].strength < 0)
			continue;
		bcd(&o, v[i].uid);
		s = (uint8_t)v[i].strength;
		put(&o, &s, 1);
	}
	return (tail(&o));
}

size_t
lgen_query(char *buf, size_t size, const char *cmd, const char *ecu)
{
	int	n;

	if (strcmp(cmd, "0001") == 0)
		n = snprintf(buf, size, "APS1100160001END\n");
	else
		n = snprintf(buf, size, "APS110028%s%sEND\n", cmd, ecu);
	return (n < 0 || (size_t)n >= size ? 0 : (size_t)n);
}

void
lgen_fleet(struct lgen_ecu *e, struct lgen_inv *v)
{
	static const struct lgen_inv	fleet[LGEN_FLEET] = {
		{ "408000123401", 1, "01", 500, 38, { 180, 175 }, { 231 },
		    200 },
		{ "704000123402", 1, "04", 499, 41, { 310, 305 }, { 232 },
		    255 },
		{ "501000123403", 1, "02", 501, 45, { 210, 205, 198, 201 },
		    { 236, 238, 234 }, 150 },
		{ "502000123404", 1, "05", 500, 44, { 220, 215, 208, 211 },
		    { 235, 237, 233 }, 0 },
		{ "801000123405", 1, "03", 500, 36, { 120, 118, 122, 119 },
		    { 229 }, 99 },
		{ "806000123406", 0, "00", 0, 0, { 0 }, { 0 }, 0 },
		{ "409000123407", 0, "01", 0, -100, { 0 }, { 0 }, -1 }
	};

	memset(e, 0, sizeof(*e));
	(void)snprintf(e->id, sizeof(e->id), "216000123400");
	e->layout = 1;
	(void)snprintf(e->gen, sizeof(e->gen), "11");
	e->lifetime = 212790;
	e->power = 2434;
	e->today = 1234;
	(void)snprintf(e->time, sizeof(e->time), "20240411204500");
	e->registered = LGEN_FLEET;
	e->online = 5;
	(void)snprintf(e->firmware, sizeof(e->firmware), "ECU_R_1.3.2");
	(void)snprintf(e->zone, sizeof(e->zone), "Europe/Berlin");
	memcpy(v, fleet, sizeof(fleet));
}
