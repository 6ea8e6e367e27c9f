/*
 * libFuzzer target: the DNS answer reader of the cloud lookup
 * (parent/dns.c, with lib/util.c), over arbitrary answers to one
 * question: never reads outside the answer, and an address only of
 * the size asked for.
 */

#include "compat.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "parent/pvgated.h"

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t		 q[512], a[512], addr[17];
	const char	*why = NULL;
	size_t		 qlen;
	int		 r;

	qlen = dns_query(q, sizeof(q), "iot.talent-monitoring.com", 0x4242,
	    size > 0 && (data[0] & 1) ? DNS_TYPE_AAAA : DNS_TYPE_A);
	if (qlen == 0)
		abort();
	/* the question echoed, then the fuzzer's bytes; and as they are */
	if (size > sizeof(a) - qlen)
		size = sizeof(a) - qlen;
	memcpy(a, q, qlen);
	memcpy(a + qlen, data, size);
	a[2] |= 0x80;
	addr[16] = 0x5a;
	r = dns_answer(a, qlen + size, q, qlen, q[qlen - 3] == 28 ?
	    DNS_TYPE_AAAA : DNS_TYPE_A, addr, &why);
	if (r < -1 || r > 1 || (r == -1 && why == NULL) || addr[16] != 0x5a)
		abort();
	(void)dns_answer(data, size, q, qlen, DNS_TYPE_A, addr, &why);
	return (0);
}
