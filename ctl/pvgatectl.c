/*
 * pvgatectl: ask a running pvgated over its control socket, make the
 * key pair that seals dumps, and open sealed dumps.
 */

#include "compat.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <err.h>
#include <errno.h>
#include <grp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "exporter/exporter.h"
#include "keyfile.h"
#include "pvgatectl.h"

#define ANSWER_WAIT	30000	/* ms for pvgated to say something */

static void	 usage(void) __attribute__((__noreturn__));
static int	 keygen(int, char *[]);
static int	 dump(int, char *[]);
static int	 dump_file(FILE *, const char *, const uint8_t *,
		    const uint8_t *);
static int	 printable(const char *, size_t);
static int	 ctl_connect(const char *);
static void	 ctl_ask(const char *, uint32_t, struct answers *);
static int	 ctl_take(struct answers *, struct imsg *);

static const struct command {
	const char	*name;
	uint32_t	 type;
	void		(*show)(struct answers *, int);
} commands[] = {
	{ "status", IMSG_CTL_STATUS, show_status },
	{ "devices", IMSG_CTL_DEVICES, show_devices },
	{ "connections", IMSG_CTL_CONNECTIONS, show_connections },
	{ "counters", IMSG_CTL_COUNTERS, show_counters },
	{ "reload", IMSG_CTL_RELOAD, show_result },
};

static void
usage(void)
{
	extern char	*__progname;

	fprintf(stderr, "usage: %s [-j] [-s socket] command\n"
	    "       %s [-j] [-s socket] counters [-o openmetrics]\n"
	    "       %s keygen pubfile secfile\n"
	    "       %s dump -k secfile [file ...]\n"
	    "commands: status devices connections counters reload\n",
	    __progname, __progname, __progname, __progname);
	exit(1);
}

int
main(int argc, char *argv[])
{
	struct answers	 ans;
	const char	*sock = _PATH_PVGATE_SOCKET;
	size_t		 i;
	int		 ch, format = OUT_TEXT, global = 0;

	while ((ch = getopt(argc, argv, "+js:")) != -1) {
		switch (ch) {
		case 'j':
			format = OUT_JSON;
			break;
		case 's':
			sock = optarg;
			break;
		default:
			usage();
		}
		global = 1;
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		usage();
	if (strcmp(argv[0], "keygen") == 0 || strcmp(argv[0], "dump") == 0) {
		if (global)
			usage();
		if (sodium_init() == -1)
			errx(1, "sodium_init failed");
		optind = 1;
		return (argv[0][0] == 'k' ? keygen(argc, argv) :
		    dump(argc, argv));
	}
	for (i = 0; i < nitems(commands); i++)
		if (strcmp(argv[0], commands[i].name) == 0)
			break;
	if (i == nitems(commands))
		usage();
	if (commands[i].type == IMSG_CTL_COUNTERS && argc == 3 &&
	    strcmp(argv[1], "-o") == 0) {
		if (strcmp(argv[2], "openmetrics") != 0)
			errx(1, "output format %s: only openmetrics", argv[2]);
		format = OUT_OPENMETRICS;
	} else if (argc != 1)
		usage();

	memset(&ans, 0, sizeof(ans));
	ctl_ask(sock, commands[i].type, &ans);
	if (ans.haveresult && ans.result.status == CTL_FAILED &&
	    commands[i].type != IMSG_CTL_RELOAD)
		errx(1, "%s", ans.result.text);
	commands[i].show(&ans, format);
	if (fflush(stdout) == EOF)
		err(1, "stdout");
	if (commands[i].type == IMSG_CTL_RELOAD)
		return (ans.result.status == CTL_OK ? 0 :
		    ans.result.status == CTL_PARTIAL ? 2 : 1);
	return (0);
}

/* the socket, or a message that says what to do about it */
static int
ctl_connect(const char *path)
{
	struct sockaddr_un	 sun;
	struct stat		 st;
	struct group		*gr;
	int			 fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlcpy(sun.sun_path, path, sizeof(sun.sun_path)) >=
	    sizeof(sun.sun_path))
		errx(1, "%s: path too long", path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		err(1, "socket");
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0)
		return (fd);
	switch (errno) {
	case ENOENT:
		errx(1, "%s: no such socket: is pvgated running? (-s names "
		    "another socket)", path);
	case ECONNREFUSED:
		errx(1, "%s: connection refused: pvgated is not running",
		    path);
	case EACCES:
	case EPERM:
		if (stat(path, &st) == 0 &&
		    (gr = getgrgid(st.st_gid)) != NULL)
			errx(1, "%s: permission denied: only root and the "
			    "members of group %s may use it", path,
			    gr->gr_name);
		errx(1, "%s: permission denied", path);
	}
	err(1, "%s", path);
}

/* send one request, collect the answer up to pvgated's IMSG_CTL_END */
static void
ctl_ask(const char *path, uint32_t type, struct answers *ans)
{
	struct imsgbuf	 ibuf;
	struct imsg	 imsg;
	struct pv_hello	 hello;
	struct pollfd	 pfd;
	ssize_t		 n;
	int		 done = 0, hellos = 0;

	pfd.fd = ctl_connect(path);
	pfd.events = POLLIN;
	if (imsgbuf_init(&ibuf, pfd.fd) == -1)
		err(1, "imsgbuf_init");
	memset(&hello, 0, sizeof(hello));
	hello.version = PVGATE_IMSG_VERSION;
	hello.role = ROLE_CTL;
	if (imsg_compose(&ibuf, IMSG_HELLO, 0, 0, -1, &hello,
	    sizeof(hello)) == -1 ||
	    imsg_compose(&ibuf, type, 0, 0, -1, NULL, 0) == -1)
		err(1, "imsg_compose");
	if (imsgbuf_flush(&ibuf) == -1)
		err(1, "%s: write", path);
	while (!done) {
		if ((n = poll(&pfd, 1, ANSWER_WAIT)) == -1)
			err(1, "poll");
		if (n == 0)
			errx(1, "pvgated did not answer within %d s",
			    ANSWER_WAIT / 1000);
		if ((n = imsgbuf_read(&ibuf)) == -1)
			err(1, "%s: read", path);
		if (n == 0)
			errx(1, "pvgated closed the connection");
		while (!done && (n = imsg_get(&ibuf, &imsg)) > 0) {
			if (hellos++ == 0) {
				if (imsg_get_type(&imsg) != IMSG_HELLO ||
				    imsg_get_data(&imsg, &hello,
				    sizeof(hello)) == -1)
					errx(1, "pvgated did not say hello");
				if (hello.version != PVGATE_IMSG_VERSION)
					errx(1, "pvgated speaks version %u, "
					    "pvgatectl %u: from different "
					    "builds", hello.version,
					    PVGATE_IMSG_VERSION);
			} else
				done = ctl_take(ans, &imsg);
			imsg_free(&imsg);
		}
		if (n == -1)
			err(1, "%s: imsg_get", path);
	}
	imsgbuf_clear(&ibuf);
	close(pfd.fd);
}

static void *
ctl_append(void *arr, size_t *n, size_t size, struct imsg *imsg)
{
	uint8_t	*a;

	if ((a = reallocarray(arr, *n + 1, size)) == NULL)
		err(1, NULL);
	if (imsg_get_data(imsg, a + *n * size, size) == -1)
		errx(1, "answer %u of wrong size %zu", imsg_get_type(imsg),
		    imsg_get_len(imsg));
	(*n)++;
	return (a);
}

#define NUL(s)	((s)[sizeof(s) - 1] = '\0')

/* the strings of what just arrived, terminated whatever came */
static void
ctl_terminate(struct answers *a, uint32_t type)
{
	switch (type) {
	case IMSG_CTL_PROC:
		NUL(a->proc[a->nproc - 1].name);
		break;
	case IMSG_CTL_CONNECTOR:
		NUL(a->connector[a->nconnector - 1].device);
		NUL(a->connector[a->nconnector - 1].error);
		break;
	case IMSG_CTL_MQTT:
		NUL(a->mqtt[a->nmqtt - 1].host);
		break;
	case IMSG_CTL_CLAIM:
		NUL(a->claim[a->nclaim - 1].device);
		break;
	case IMSG_CTL_DEVICE:
		NUL(a->device[a->ndevice - 1].serial);
		NUL(a->device[a->ndevice - 1].via);
		NUL(a->device[a->ndevice - 1].model);
		NUL(a->device[a->ndevice - 1].peer);
		break;
	case IMSG_CTL_COUNTER:
		NUL(a->counter[a->ncounter - 1].reason);
		break;
	}
}

/* one message of the answer; 1 at the end */
static int
ctl_take(struct answers *a, struct imsg *imsg)
{
	size_t	size = ctl_answer_size(imsg_get_type(imsg));

	switch (imsg_get_type(imsg)) {
	case IMSG_CTL_END:
		return (1);
	case IMSG_CTL_PROC:
		a->proc = ctl_append(a->proc, &a->nproc, size, imsg);
		break;
	case IMSG_CTL_LISTENER:
		a->listener = ctl_append(a->listener, &a->nlistener, size,
		    imsg);
		break;
	case IMSG_CTL_CONNECTOR:
		a->connector = ctl_append(a->connector, &a->nconnector, size,
		    imsg);
		break;
	case IMSG_CTL_MQTT:
		a->mqtt = ctl_append(a->mqtt, &a->nmqtt, size, imsg);
		break;
	case IMSG_CTL_CONN:
		a->conn = ctl_append(a->conn, &a->nconn, size, imsg);
		break;
	case IMSG_CTL_CLAIM:
		a->claim = ctl_append(a->claim, &a->nclaim, size, imsg);
		break;
	case IMSG_CTL_DEVICE:
		a->device = ctl_append(a->device, &a->ndevice, size, imsg);
		break;
	case IMSG_CTL_COUNTER:
		a->counter = ctl_append(a->counter, &a->ncounter, size, imsg);
		break;
	case IMSG_CTL_RESULT:
		if (imsg_get_data(imsg, &a->result, sizeof(a->result)) == -1)
			errx(1, "result of wrong size %zu",
			    imsg_get_len(imsg));
		a->result.text[sizeof(a->result.text) - 1] = '\0';
		a->haveresult = 1;
		break;
	default:
		errx(1, "unexpected answer %u", imsg_get_type(imsg));
	}
	ctl_terminate(a, imsg_get_type(imsg));
	return (0);
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
