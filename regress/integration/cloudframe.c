/*
 * cloudframe: frames as a vendor's cloud sends them (see cloudframe.h).
 */

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "proto.h"
#include "cloudframe.h"

/*
 * A Solarman V5 frame of ctrl with payload pl: answering the device's
 * frame ind (its counters and serial), or, without one, of our own.
 */
size_t
cf_solarman(uint8_t *f, uint16_t ctrl, const uint8_t *ind, const uint8_t *pl,
    size_t plen)
{
	size_t	i, n = 13 + plen;
	uint8_t	sum = 0;

	f[0] = 0xa5;
	pv_put_le16(f + 1, plen);
	pv_put_le16(f + 3, ctrl);
	f[5] = ind != NULL ? ind[5] + 1 : 0x10;
	f[6] = ind != NULL ? ind[6] : 0x01;
	if (ind != NULL)
		memcpy(f + 7, ind + 7, 4);
	else
		pv_put_le32(f + 7, CF_LOGGER);
	memcpy(f + 11, pl, plen);
	for (i = 1; i < n - 2; i++)
		sum += f[i];
	f[n - 2] = sum;
	f[n - 1] = 0x15;
	return (n);
}

/* a command in 0x4510: frame type, sensor list, 12 zeros, the command */
size_t
cf_solarman_cmd(uint8_t *f, uint8_t ftype, const void *c, size_t clen)
{
	uint8_t	pl[1024];

	if (clen > sizeof(pl) - 15)
		clen = sizeof(pl) - 15;
	memset(pl, 0, 15);
	pl[0] = ftype;
	pv_put_le16(pl + 1, ftype == 1 ? 0x0002 : 0x02b0);
	memcpy(pl + 15, c, clen);
	return (cf_solarman(f, 0x4510, NULL, pl, 15 + clen));
}

/* an AlphaESS frame: F1 1, F2, F3, the body, CRC high byte first */
size_t
cf_alphaess(uint8_t *f, uint8_t f2, uint8_t f3, const char *body)
{
	size_t		n = strlen(body);
	uint16_t	crc;

	f[0] = 1;
	f[1] = f2;
	f[2] = f3;
	f[3] = f[4] = 0;
	f[5] = n >> 8;
	f[6] = n & 0xff;
	memcpy(f + 7, body, n);
	crc = pv_crc16_modbus(f, 7 + n);
	f[7 + n] = crc >> 8;
	f[8 + n] = crc & 0xff;
	return (9 + n);
}

/* a Hoymiles frame: "HM", command, sequence, CRC of the payload, length */
size_t
cf_hoymiles(uint8_t *f, uint16_t cmd, uint16_t seq, const uint8_t *pl,
    size_t plen)
{
	uint16_t	crc = pv_crc16_modbus(pl, plen);

	f[0] = 'H';
	f[1] = 'M';
	f[2] = cmd >> 8;
	f[3] = cmd & 0xff;
	f[4] = seq >> 8;
	f[5] = seq & 0xff;
	f[6] = crc >> 8;
	f[7] = crc & 0xff;
	f[8] = (plen + 10) >> 8;
	f[9] = (plen + 10) & 0xff;
	memcpy(f + 10, pl, plen);
	return (plen + 10);
}

/* "<what> <hex>", one frame a line */
void
cf_log(FILE *fp, const char *what, const uint8_t *p, size_t n)
{
	size_t	i;

	fprintf(fp, "%s ", what);
	for (i = 0; i < n; i++)
		fprintf(fp, "%02x", p[i]);
	fprintf(fp, "\n");
	fflush(fp);
}
