/*
 * APsystems ECU data records built from values; see
 * apsystems_ecu_gen.h.  Written from the spec's layouts, independently
 * of the decoder: the unit test checks that it builds vector 01 byte
 * for byte from the manifest's values.
 */

#include <stdio.h>
#include <string.h>

#include "apsystems_ecu_gen.h"

struct out {
	char	*p;
	size_t	 size;
	size_t	 len;
	int	 full;
};

static void	put(struct out *, const char *);
static void	num(struct out *, long, int);
static void	temp_letters(struct out *, long);
static void	inverter(struct out *, const struct gen_inv *);

static void
put(struct out *o, const char *s)
{
	size_t	n = strlen(s);

	if (o->full || n >= o->size - o->len) {
		o->full = 1;
		return;
	}
	memcpy(o->p + o->len, s, n + 1);
	o->len += n;
}

/* width digits, zero padded */
static void
num(struct out *o, long v, int width)
{
	char	s[32];

	(void)snprintf(s, sizeof(s), "%0*ld", width, v);
	if ((int)strlen(s) != width) {
		o->full = 1;	/* does not fit the field: a test bug */
		return;
	}
	put(o, s);
}

/* YC250/YC500: "AA5", "A25", "125", "AB5", "B12" */
static void
temp_letters(struct out *o, long t)
{
	char	s[32];

	if (t <= -10)
		(void)snprintf(s, sizeof(s), "B%02ld", -t);
	else if (t < 0)
		(void)snprintf(s, sizeof(s), "AB%ld", -t);
	else if (t < 10)
		(void)snprintf(s, sizeof(s), "AA%ld", t);
	else if (t < 100)
		(void)snprintf(s, sizeof(s), "A%ld", t);
	else
		(void)snprintf(s, sizeof(s), "%ld", t);
	if (strlen(s) != 3)
		o->full = 1;
	put(o, s);
}

static void
inverter(struct out *o, const struct gen_inv *v)
{
	const struct gen_ch	*c;
	char			 mark[2];
	int			 k, b;

	put(o, v->uid);
	put(o, v->type);
	if (strcmp(v->type, "04") == 0) {
		num(o, v->dcv, 5);
		num(o, v->freq, 5);
		num(o, v->temp + 100, 3);
		for (k = 0; k < 4; k++) {
			c = &v->ch[k];
			mark[0] = '1' + k;
			mark[1] = '\0';
			put(o, mark);
			num(o, c->dca, 3);
			if (k < 3) {
				num(o, c->gridv, 3);
				num(o, c->reactive, 5);
				num(o, c->active, 5);
				num(o, c->phase_energy, 6);
			}
			num(o, c->energy, 6);
			num(o, c->power, 5);
		}
	} else if (strcmp(v->type, "03") == 0 || strcmp(v->type, "05") == 0) {
		num(o, v->gridv, 3);
		num(o, v->freq, 5);
		temp_letters(o, v->temp);
		num(o, v->reactive, 5);
		num(o, v->active, 5);
		num(o, v->energy, 6);
		for (k = 0; k < v->nch; k++) {
			c = &v->ch[k];
			mark[0] = 'A' + k;
			mark[1] = '\0';
			put(o, mark);
			num(o, c->dcv, 5);
			num(o, c->dca, 3);
			num(o, c->energy, 6);
			num(o, c->power, 5);
			for (b = 10; b >= 0; b--)
				put(o, (c->status >> b) & 1 ? "1" : "0");
		}
	} else {
		num(o, v->gridv, 3);
		num(o, v->freq, 5);
		num(o, v->temp + 100, 3);
		num(o, v->reactive, 5);
		num(o, v->active, 5);
		num(o, v->energy, 10);
		for (k = 0; k < v->nch; k++) {
			c = &v->ch[k];
			mark[0] = '1' + k;
			mark[1] = '\0';
			put(o, mark);
			num(o, c->dcv, 5);
			num(o, c->dca, 3);
			num(o, c->energy, 6);
			num(o, c->power, 5);
		}
	}
	put(o, "END");
}

size_t
gen_record(char *buf, size_t size, const struct gen_ecu *e,
    const struct gen_inv *inv, int n, const char *tail)
{
	struct out	o;
	char		len[8];
	int		i;

	if (size < 32)
		return (0);
	o.p = buf;
	o.size = size;
	o.len = 0;
	o.full = 0;
	put(&o, "APS18AAAAAAAAAAAA1");	/* length filled in below */
	put(&o, e->id);
	num(&o, e->power, 10);
	num(&o, e->energy, 10);
	num(&o, e->lifetime, 10);
	put(&o, e->time);
	num(&o, n, 3);
	put(&o, e->flags);
	put(&o, "END");
	for (i = 0; i < n; i++)
		inverter(&o, &inv[i]);
	if (tail != NULL)
		put(&o, tail);
	if (o.full || o.len > 99999)
		return (0);
	/* the length without the line feed, padded with 'A' */
	(void)snprintf(len, sizeof(len), "%5zu", o.len);
	for (i = 0; i < 5; i++)
		buf[5 + i] = len[i] == ' ' ? 'A' : len[i];
	put(&o, "\n");
	return (o.full ? 0 : o.len);
}

/*
 * Inverter i (0-based): type 07, 08, 03, 05, 04 in turn, with values
 * that differ from one inverter and channel to the next.
 */
void
gen_fleet(struct gen_inv *inv, int n)
{
	static const char	*types[] = { "07", "08", "03", "05", "04" };
	static const char	*prefix[] = { "408", "806", "403", "202",
				    "501" };
	static const int	 nch[] = { 2, 4, 2, 1, 4 };
	struct gen_inv		*v;
	struct gen_ch		*c;
	long			 sum;
	int			 i, k, t;

	for (i = 0; i < n; i++) {
		v = &inv[i];
		memset(v, 0, sizeof(*v));
		t = i % 5;
		(void)snprintf(v->uid, sizeof(v->uid), "%s%09d", prefix[t],
		    i + 1);
		(void)snprintf(v->type, sizeof(v->type), "%s", types[t]);
		v->nch = nch[t];
		v->gridv = 225 + i % 10;
		v->freq = 499 + i % 3;
		v->temp = (i * 7) % 60 - 15;
		v->reactive = (i % 4) * 25;
		v->dcv = 320 + i;
		sum = 0;
		for (k = 0; k < v->nch; k++) {
			c = &v->ch[k];
			c->dcv = 300 + 3 * i + k;
			c->dca = 3 + (i + k) % 9;
			c->energy = 1000 + 37 * i + 11 * k;
			c->power = (5 + i + 3 * k) * 100;
			c->status = t == 2 || t == 3 ? (i * 97 + k * 5) % 2048 :
			    0;
			c->gridv = 230 + k;
			c->reactive = 10 * k;
			c->active = c->power * 95 / 100;
			c->phase_energy = c->energy * 95 / 100;
			sum += c->power;
		}
		v->active = sum * 94 / 100;
		if (t == 1)
			v->active /= 10;	/* QS1: W x 10 */
		v->energy = 0;
	}
}

void
gen_fleet_ecu(struct gen_ecu *e, const struct gen_inv *inv, int n,
    const char *time)
{
	long	sum = 0;
	int	i, k;

	memset(e, 0, sizeof(*e));
	(void)snprintf(e->id, sizeof(e->id), "216300012345");
	for (i = 0; i < n; i++)
		for (k = 0; k < inv[i].nch; k++)
			sum += inv[i].ch[k].power;
	e->power = sum / 100;
	e->energy = 0;
	e->lifetime = 123456;
	(void)snprintf(e->time, sizeof(e->time), "%s", time);
	(void)snprintf(e->flags, sizeof(e->flags), "000000");
}

const char *
gen_model(const struct gen_inv *v)
{
	if (strncmp(v->uid, "408", 3) == 0)
		return ("YC600/DS3");
	if (strncmp(v->uid, "806", 3) == 0)
		return ("QS1");
	if (strncmp(v->uid, "403", 3) == 0)
		return ("YC500");
	if (strncmp(v->uid, "501", 3) == 0)
		return ("YC1000/QT2");
	return (NULL);
}
