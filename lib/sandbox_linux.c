/*
 * Linux: a libseccomp allow-list per role, mirroring the pledge
 * promises of sandbox_openbsd.c.  Anything not listed kills the whole
 * process (SIGSYS).  libseccomp checks the architecture and sets
 * no_new_privs itself.
 *
 * Built with -DSANDBOX_TRAP, a forbidden call instead raises SIGSYS in
 * the process, which says on stderr which call it was (run pvgated
 * with -d to see it) and exits.
 */

#include "compat.h"

#include <sys/mman.h>
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <seccomp.h>
#ifdef HAVE_LANDLOCK
#include <linux/landlock.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#endif
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include "log.h"
#include "sandbox.h"

/* "stdio": I/O on descriptors already held, memory, time, exit */
static const char *const stdio_calls[] = {
	"read", "readv", "write", "writev", "close", "dup", "lseek", "fstat",
	"brk", "munmap", "mremap", "madvise", "futex",
	"clock_gettime", "clock_nanosleep", "nanosleep", "gettimeofday",
	"time", "getpid", "gettid", "getuid", "geteuid", "getgid",
	"getegid", "getrandom", "rt_sigreturn", "rt_sigprocmask",
	"rt_sigaction", "exit", "exit_group", "epoll_wait", "epoll_pwait",
	"epoll_ctl", "poll", "ppoll", "sendmsg", "recvmsg", "sendto",
	"recvfrom", "shutdown", "getsockname", "getpeername",
	"sched_yield", "restart_syscall", "getrusage",
};

/*
 * Built with -DSANDBOX_SANITIZER (regress/sanitizers.sh builds the
 * gateway so, with ASan and UBSan): what their runtime calls besides,
 * and nothing more.  A report itself may die of the filter while it
 * reads /proc: the process dies either way, and the test with it.
 */
#ifdef SANDBOX_SANITIZER
static const char *const sanitizer_calls[] = {
	"sigaltstack",		/* the runtime's signal stack, at exit */
};
#endif

#ifdef SANDBOX_TRAP
#define FILTER_DEFAULT	SCMP_ACT_TRAP

static void
sigsys(int sig, siginfo_t *info, void *uctx)
{
	char	msg[80];
	int	n;

	(void)sig;
	(void)uctx;
	/* snprintf is not async-signal-safe, but this is a debug build */
	n = snprintf(msg, sizeof(msg), "sandbox: forbidden system call %d\n",
	    info->si_syscall);
	if (n > 0 && write(STDERR_FILENO, msg, n) == -1)
		_exit(128 + SIGSYS);
	_exit(128 + SIGSYS);
}

static void
trap_install(void)
{
	struct sigaction	sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = sigsys;
	sa.sa_flags = SA_SIGINFO;
	if (sigaction(SIGSYS, &sa, NULL) == -1)
		fatal("sigaction SIGSYS");
}
#else
#define FILTER_DEFAULT	SCMP_ACT_KILL_PROCESS

static void
trap_install(void)
{
}
#endif

static void
allow(scmp_filter_ctx ctx, const char *name, unsigned int n,
    const struct scmp_arg_cmp *cmp)
{
	int	nr, rc;

	/* a call this architecture does not have needs no rule */
	if ((nr = seccomp_syscall_resolve_name(name)) == __NR_SCMP_ERROR)
		return;
	if ((rc = seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW, nr, n,
	    cmp)) < 0)
		fatalx("seccomp_rule_add %s: %s", name, strerror(-rc));
}

/* a call a library makes and copes without: fails with errno */
static void
refuse(scmp_filter_ctx ctx, const char *name, int error)
{
	int	nr, rc;

	if ((nr = seccomp_syscall_resolve_name(name)) == __NR_SCMP_ERROR)
		return;
	if ((rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(error), nr, 0)) < 0)
		fatalx("seccomp_rule_add %s: %s", name, strerror(-rc));
}

static void
allow_arg(scmp_filter_ctx ctx, const char *name, struct scmp_arg_cmp cmp)
{
	allow(ctx, name, 1, &cmp);
}

static scmp_filter_ctx
filter_stdio(void)
{
	scmp_filter_ctx	 ctx;
	size_t		 i;

	trap_install();
	if ((ctx = seccomp_init(FILTER_DEFAULT)) == NULL)
		fatalx("seccomp_init failed");
	for (i = 0; i < nitems(stdio_calls); i++)
		allow(ctx, stdio_calls[i], 0, NULL);
#ifdef SANDBOX_SANITIZER
	for (i = 0; i < nitems(sanitizer_calls); i++)
		allow(ctx, sanitizer_calls[i], 0, NULL);
#endif

	/* memory, never executable */
	allow_arg(ctx, "mmap", SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
	allow_arg(ctx, "mprotect",
	    SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
	/* fstat() as glibc implements it: no path */
	allow_arg(ctx, "newfstatat",
	    SCMP_A3(SCMP_CMP_MASKED_EQ, AT_EMPTY_PATH, AT_EMPTY_PATH));
	/* descriptor flags only */
	allow_arg(ctx, "fcntl", SCMP_A1(SCMP_CMP_EQ, F_GETFL));
	allow_arg(ctx, "fcntl", SCMP_A1(SCMP_CMP_EQ, F_SETFL));
	allow_arg(ctx, "fcntl", SCMP_A1(SCMP_CMP_EQ, F_GETFD));
	allow_arg(ctx, "fcntl", SCMP_A1(SCMP_CMP_EQ, F_SETFD));
	/* isatty(), as stdio asks it */
	allow_arg(ctx, "ioctl", SCMP_A1(SCMP_CMP_EQ, TCGETS));
	/* abort() signals itself */
	allow_arg(ctx, "tgkill", SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)getpid()));
	allow_arg(ctx, "kill", SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)getpid()));
	return ctx;
}

#ifdef HAVE_LANDLOCK
/*
 * Landlock, where the kernel has it, stands in for unveil(2): every
 * file system right this kernel knows is handled, and only the paths
 * given get any.  It must come before the seccomp filter, which does
 * not allow its system calls.
 */
static uint64_t
landlock_rights(int abi)
{
	uint64_t	rights = (1ULL << 13) - 1;	/* ABI 1: 0..12 */

	if (abi >= 2)
		rights |= 1ULL << 13;	/* refer */
	if (abi >= 3)
		rights |= 1ULL << 14;	/* truncate */
	if (abi >= 5)
		rights |= 1ULL << 15;	/* ioctl on devices */
	return rights;
}

static void
landlock_add(int ruleset, const char *path, uint64_t rights)
{
	struct landlock_path_beneath_attr	pb;

	memset(&pb, 0, sizeof(pb));
	pb.allowed_access = rights;
	if ((pb.parent_fd = open(path, O_PATH | O_CLOEXEC)) == -1) {
		log_warn("sandbox: %s", path);
		return;
	}
	if (syscall(SYS_landlock_add_rule, ruleset,
	    LANDLOCK_RULE_PATH_BENEATH, &pb, 0) == -1)
		fatal("landlock_add_rule %s", path);
	close(pb.parent_fd);
}

/* paths[i] gets rights[i]; no paths: no file system at all */
static void
landlock(const char *const paths[], const uint64_t rights[], int n)
{
	struct landlock_ruleset_attr	attr;
	int				abi, fd, i;

	abi = syscall(SYS_landlock_create_ruleset, NULL, 0,
	    LANDLOCK_CREATE_RULESET_VERSION);
	if (abi <= 0)
		return;		/* not in this kernel: chroot and seccomp */
	memset(&attr, 0, sizeof(attr));
	attr.handled_access_fs = landlock_rights(abi);
	if ((fd = syscall(SYS_landlock_create_ruleset, &attr, sizeof(attr),
	    0)) == -1)
		fatal("landlock_create_ruleset");
	for (i = 0; i < n; i++)
		if (paths[i] != NULL)
			landlock_add(fd, paths[i],
			    rights[i] & attr.handled_access_fs);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		fatal("prctl PR_SET_NO_NEW_PRIVS");
	if (syscall(SYS_landlock_restrict_self, fd, 0) == -1)
		fatal("landlock_restrict_self");
	close(fd);
}
#else
static void
landlock(const char *const paths[], const uint64_t rights[], int n)
{
	(void)paths;
	(void)rights;
	(void)n;
}
#endif

#define LL_READ		(1ULL << 2)			/* read_file */
#define LL_APPEND	((1ULL << 1) | (1ULL << 8))	/* write, make_reg */
#define LL_TRUNCATE	(1ULL << 14)			/* truncate, ABI 3 */

static void
filter_load(scmp_filter_ctx ctx)
{
	int	rc;

	if ((rc = seccomp_load(ctx)) < 0)
		fatalx("seccomp_load: %s", strerror(-rc));
	seccomp_release(ctx);
}

void
sandbox_parent(const char *const files[], int nfiles, int ctlfd)
{
	uint64_t	 rights[8];
	scmp_filter_ctx	 ctx;
	int		 i;

	/* rpath, unveiled: the configuration and the files it names */
	if (nfiles > (int)nitems(rights))
		fatalx("%s: %d files", __func__, nfiles);
	for (i = 0; i < nfiles; i++)
		rights[i] = LL_READ;
	landlock(files, rights, nfiles);
	ctx = filter_stdio();
	/* rpath: re-read the configuration on SIGHUP */
	allow_arg(ctx, "openat", SCMP_A2(SCMP_CMP_MASKED_EQ,
	    O_ACCMODE | O_CREAT | O_TRUNC | O_APPEND, O_RDONLY));
	allow_arg(ctx, "open", SCMP_A1(SCMP_CMP_MASKED_EQ,
	    O_ACCMODE | O_CREAT | O_TRUNC | O_APPEND, O_RDONLY));
	/* proc: reap children, stop the others when one dies */
	allow(ctx, "wait4", 0, NULL);
	allow(ctx, "waitid", 0, NULL);
	allow(ctx, "kill", 0, NULL);
	/* unix: accept on the control socket, bound before, and only there */
	allow_arg(ctx, "accept4", SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)ctlfd));
	allow_arg(ctx, "accept", SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)ctlfd));
	/* syslog(3) reconnecting to /dev/log */
	allow_arg(ctx, "socket", SCMP_A0(SCMP_CMP_EQ, AF_UNIX));
	allow(ctx, "connect", 0, NULL);
	filter_load(ctx);
}

static scmp_filter_ctx
filter_inet(void)
{
	scmp_filter_ctx		ctx;
	struct scmp_arg_cmp	nodelay[2];

	landlock(NULL, NULL, 0);
	ctx = filter_stdio();
	/* SO_ORIGINAL_DST, SO_ERROR */
	allow(ctx, "getsockopt", 0, NULL);
	nodelay[0] = SCMP_A1(SCMP_CMP_EQ, IPPROTO_TCP);
	nodelay[1] = SCMP_A2(SCMP_CMP_EQ, TCP_NODELAY);
	allow(ctx, "setsockopt", 2, nodelay);
	/* descriptor numbers made known to libevent (listener_reserve) */
	allow_arg(ctx, "fcntl", SCMP_A1(SCMP_CMP_EQ, F_DUPFD));
	return ctx;
}

void
sandbox_listener(void)
{
	scmp_filter_ctx	ctx;

	ctx = filter_inet();
	/* inet: accept on the sockets handed over at exec */
	allow(ctx, "accept", 0, NULL);
	allow(ctx, "accept4", 0, NULL);
	filter_load(ctx);
}

void
sandbox_connector(void)
{
	scmp_filter_ctx	ctx;

	ctx = filter_inet();
	/* inet: TCP to the addresses pvgated looked up, nothing bound */
	allow_arg(ctx, "socket", SCMP_A0(SCMP_CMP_EQ, AF_INET));
	allow_arg(ctx, "socket", SCMP_A0(SCMP_CMP_EQ, AF_INET6));
	allow(ctx, "connect", 0, NULL);
	filter_load(ctx);
}

void
sandbox_decoder(void)
{
	landlock(NULL, NULL, 0);
	filter_load(filter_stdio());
}

void
sandbox_exporter(int mqtt)
{
	const char	*paths[1] = { "/dump" };
	const uint64_t	 rights[1] = { LL_APPEND | LL_TRUNCATE };
	scmp_filter_ctx	 ctx;

	/* wpath cpath, unveiled: dump files only (the spool is open) */
	landlock(paths, rights, 1);
	ctx = filter_stdio();
	/* wpath cpath: append to dump files under the chroot */
	allow_arg(ctx, "openat", SCMP_A2(SCMP_CMP_MASKED_EQ,
	    O_ACCMODE | O_TRUNC, O_WRONLY));
	allow_arg(ctx, "open", SCMP_A1(SCMP_CMP_MASKED_EQ,
	    O_ACCMODE | O_TRUNC, O_WRONLY));
	/* stdio: cut a line a full disk took half of off again */
	allow(ctx, "ftruncate", 0, NULL);
	if (mqtt) {
		/* inet: the broker, by address */
		allow_arg(ctx, "socket", SCMP_A0(SCMP_CMP_EQ, AF_INET));
		allow_arg(ctx, "socket", SCMP_A0(SCMP_CMP_EQ, AF_INET6));
		allow(ctx, "connect", 0, NULL);
		allow(ctx, "getsockopt", 0, NULL);
		allow(ctx, "setsockopt", 0, NULL);
		/* libmosquitto's wake-up pair for threads: none here */
		refuse(ctx, "socketpair", EPERM);
		/* the spool, opened before the sandbox */
		allow(ctx, "pread64", 0, NULL);
		allow(ctx, "pwrite64", 0, NULL);
	}
	filter_load(ctx);
}
