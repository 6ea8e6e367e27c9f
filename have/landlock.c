#include <linux/landlock.h>
#include <sys/syscall.h>
#include <unistd.h>

int
main(void)
{
	return syscall(SYS_landlock_create_ruleset, NULL, 0,
	    LANDLOCK_CREATE_RULESET_VERSION) < 0;
}
