#include <sys/types.h>
#include <sys/queue.h>
#include <sys/uio.h>

#include <stdint.h>
#include <imsg.h>

int
main(void)
{
	struct imsgbuf	ibuf;

	if (imsgbuf_init(&ibuf, 3) == -1)
		return 1;
	imsgbuf_allow_fdpass(&ibuf);
	return imsgbuf_get(&ibuf, NULL);
}
