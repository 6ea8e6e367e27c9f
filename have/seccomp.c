#include <seccomp.h>

int
main(void)
{
	scmp_filter_ctx	ctx;

	ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
	seccomp_release(ctx);
	return 0;
}
