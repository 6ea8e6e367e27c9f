#include <stdlib.h>
#include <unistd.h>

int
main(void)
{
	setproctitle("%s", "probe");
	return 0;
}
