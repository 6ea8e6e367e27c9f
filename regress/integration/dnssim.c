/*
 * dnssim: the DNS server of the cloud relay's end-to-end test, the one
 * [gateway] resolver names.  It answers every A question for name
 * with address, any other with no record, and logs each question.
 *
 *	dnssim -o log -n name -a address address:port
 */

#include "compat.h"

#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "proto.h"
#include "simlib.h"

int
main(int argc, char *argv[])
{
	struct sockaddr_in	 sin, from;
	struct in_addr		 a;
	socklen_t		 flen;
	uint8_t			 q[512], r[600];
	char			 qname[256], *colon;
	const char		*name = NULL;
	FILE			*logfp = NULL;
	size_t			 off, k;
	ssize_t			 n;
	uint16_t		 type;
	int			 ch, s;

	while ((ch = getopt(argc, argv, "a:n:o:")) != -1) {
		switch (ch) {
		case 'a':
			if (inet_pton(AF_INET, optarg, &a) != 1)
				errx(100, "%s: not an IPv4 address", optarg);
			break;
		case 'n':
			name = optarg;
			break;
		case 'o':
			if ((logfp = fopen(optarg, "a")) == NULL)
				err(100, "%s", optarg);
			break;
		default:
			errx(100, "usage: dnssim -o log -n name -a address "
			    "address:port");
		}
	}
	if (logfp == NULL || name == NULL || optind != argc - 1 ||
	    (colon = strrchr(argv[optind], ':')) == NULL)
		errx(100, "usage: dnssim -o log -n name -a address "
		    "address:port");
	*colon = '\0';
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(sim_port(colon + 1));
	if (inet_pton(AF_INET, argv[optind], &sin.sin_addr) != 1)
		errx(100, "%s: not an IPv4 address", argv[optind]);
	if ((s = socket(AF_INET, SOCK_DGRAM, 0)) == -1 ||
	    bind(s, (struct sockaddr *)&sin, sizeof(sin)) == -1)
		err(100, "bind");
	fprintf(logfp, "listening\n");
	fflush(logfp);
	for (;;) {
		flen = sizeof(from);
		if ((n = recvfrom(s, q, sizeof(q), 0,
		    (struct sockaddr *)&from, &flen)) < 17)
			continue;
		/* the question's name, as text */
		for (off = 12, k = 0; off < (size_t)n && q[off] != 0 &&
		    q[off] < 64 && off + 1 + q[off] < (size_t)n &&
		    k + q[off] + 1 < sizeof(qname); off += 1 + q[off]) {
			if (k > 0)
				qname[k++] = '.';
			memcpy(qname + k, q + off + 1, q[off]);
			k += q[off];
		}
		qname[k] = '\0';
		if (off + 5 > (size_t)n)
			continue;
		type = pv_be16(q + off + 1);
		off += 5;
		fprintf(logfp, "query %s %u\n", qname, type);
		fflush(logfp);
		memcpy(r, q, off);
		r[2] |= 0x80;			/* an answer */
		r[3] = 0x80;			/* recursion available */
		r[6] = r[7] = r[8] = r[9] = r[10] = r[11] = 0;
		if (strcasecmp(qname, name) != 0)
			r[3] |= 3;		/* no such name */
		else if (type == 1) {
			r[7] = 1;
			memcpy(r + off, "\xc0\x0c\x00\x01\x00\x01\x00\x00"
			    "\x00\x3c\x00\x04", 12);
			memcpy(r + off + 12, &a, 4);
			off += 16;
		}
		(void)sendto(s, r, off, 0, (struct sockaddr *)&from, flen);
	}
}
