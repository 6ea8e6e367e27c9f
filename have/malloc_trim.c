#include <malloc.h>

int
main(void)
{
	return malloc_trim(0);
}
