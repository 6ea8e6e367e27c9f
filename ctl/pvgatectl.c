/*
 * pvgatectl: make the key pair that seals dumps, and open sealed dumps.
 */

#include <sys/types.h>

#include <err.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "exporter/exporter.h"
#include "keyfile.h"

static void	 usage(void) __attribute__((__noreturn__));
static int	 keygen(int, char *[]);
static int	 dump(int, char *[]);
static int	 dump_file(FILE *, const char *, const uint8_t *,
		    const uint8_t *);
static int	 printable(const char *, size_t);

static void
usage(void)
{
	fprintf(stderr, "usage: pvgatectl keygen pubfile secfile\n"
	    "       pvgatectl dump -k secfile [file ...]\n");
	exit(1);
}

int
main(int argc, char *argv[])
{
	if (sodium_init() == -1)
		errx(1, "sodium_init failed");
	if (argc < 2)
		usage();
	if (strcmp(argv[1], "keygen") == 0)
		return (keygen(argc - 1, argv + 1));
	if (strcmp(argv[1], "dump") == 0)
		return (dump(argc - 1, argv + 1));
	usage();
}

static int
keygen(int argc, char *argv[])
{
	uint8_t		 pk[crypto_box_PUBLICKEYBYTES];
	uint8_t		 sk[crypto_box_SECRETKEYBYTES];
	int		 ch, serrno;

	while ((ch = getopt(argc, argv, "")) != -1)
		usage();
	argc -= optind;
	argv += optind;
	if (argc != 2)
		usage();

	crypto_box_keypair(pk, sk);
	if (keyfile_write(argv[1], sk, sizeof(sk), 0600) == -1) {
		serrno = errno;
		sodium_memzero(sk, sizeof(sk));
		errno = serrno;
		err(1, "%s", argv[1]);
	}
	sodium_memzero(sk, sizeof(sk));
	if (keyfile_write(argv[0], pk, sizeof(pk), 0644) == -1) {
		/* no secret key without its public key */
		serrno = errno;
		unlink(argv[1]);
		errno = serrno;
		err(1, "%s", argv[0]);
	}
	return (0);
}

static int
dump(int argc, char *argv[])
{
	uint8_t		 pk[crypto_box_PUBLICKEYBYTES];
	uint8_t		 sk[crypto_box_SECRETKEYBYTES];
	char		 errbuf[512];
	const char	*secfile = NULL;
	FILE		*fp;
	int		 ch, i, ret = 0;

	while ((ch = getopt(argc, argv, "k:")) != -1) {
		switch (ch) {
		case 'k':
			secfile = optarg;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (secfile == NULL)
		usage();

	if (keyfile_read(secfile, sk, sizeof(sk), 1, errbuf,
	    sizeof(errbuf)) == -1)
		errx(1, "%s", errbuf);
	if (crypto_scalarmult_base(pk, sk) != 0) {
		sodium_memzero(sk, sizeof(sk));
		errx(1, "%s: not a usable secret key", secfile);
	}

	if (argc == 0)
		ret = dump_file(stdin, "stdin", pk, sk);
	for (i = 0; i < argc; i++) {
		if (strcmp(argv[i], "-") == 0) {
			ret |= dump_file(stdin, "stdin", pk, sk);
			continue;
		}
		if ((fp = fopen(argv[i], "r")) == NULL) {
			warn("%s", argv[i]);
			ret = 1;
			continue;
		}
		ret |= dump_file(fp, argv[i], pk, sk);
		fclose(fp);
	}
	sodium_memzero(sk, sizeof(sk));

	if (fflush(stdout) == EOF)
		err(1, "stdout");
	return (ret);
}

/* what dump_line() writes: printable ASCII only */
static int
printable(const char *s, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (s[i] < 0x20 || s[i] > 0x7e)
			return (0);
	return (1);
}

/*
 * Print every line of fp: plain JSON lines as they are, sealed lines
 * opened.  Returns 1 if a line could not be opened, else 0.
 */
static int
dump_file(FILE *fp, const char *name, const uint8_t *pk, const uint8_t *sk)
{
	static char	 plain[DUMP_LINE_MAX + 1];
	char		*line = NULL;
	size_t		 linesize = 0, n;
	ssize_t		 linelen;
	unsigned long	 lineno = 0;
	int		 len, ret = 0;

	while ((linelen = getline(&line, &linesize, fp)) != -1) {
		lineno++;
		n = linelen;
		if (n > 0 && line[n - 1] == '\n')
			n--;
		if (n == 0)
			continue;
		if (line[0] == '{') {
			fwrite(line, 1, n, stdout);
			putchar('\n');
			continue;
		}
		len = dump_unseal(pk, sk, line, n, plain, sizeof(plain));
		if (len == -1) {
			warnx("%s:%lu: cannot open sealed line", name, lineno);
			ret = 1;
		} else if (!printable(plain, len)) {
			warnx("%s:%lu: sealed line is not a dump line", name,
			    lineno);
			ret = 1;
		} else {
			fwrite(plain, 1, len, stdout);
			putchar('\n');
		}
	}
	if (ferror(fp)) {
		warn("%s", name);
		ret = 1;
	}
	free(line);
	sodium_memzero(plain, sizeof(plain));
	return (ret);
}
