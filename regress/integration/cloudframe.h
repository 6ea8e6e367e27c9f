/*
 * cloudframe: frames as a vendor's cloud sends them, built for the
 * cloud relay's tests (cloudsim, cloud_test), and the frame log of the
 * simulated cloud and device.
 */

#ifndef CLOUDFRAME_H
#define CLOUDFRAME_H

#include <stdint.h>
#include <stdio.h>

#define CF_LOGGER	2070233889	/* the Solarman vectors' logger */

size_t	 cf_solarman(uint8_t *, uint16_t, const uint8_t *, const uint8_t *,
	    size_t);
size_t	 cf_solarman_cmd(uint8_t *, uint8_t, const void *, size_t);
size_t	 cf_alphaess(uint8_t *, uint8_t, uint8_t, const char *);
size_t	 cf_hoymiles(uint8_t *, uint16_t, uint16_t, const uint8_t *, size_t);
void	 cf_log(FILE *, const char *, const uint8_t *, size_t);

#endif /* CLOUDFRAME_H */
