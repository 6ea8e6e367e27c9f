#include <stdlib.h>
#include <unistd.h>

int
main(int argc, char *argv[])
{
	setproctitle_init(argc, argv, NULL);
	return 0;
}
