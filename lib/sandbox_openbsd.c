/*
 * pledge(2) and unveil(2), one call site per role.
 */

#include "compat.h"

#include <unistd.h>

#include "log.h"
#include "sandbox.h"

void
sandbox_parent(const char *const files[], int nfiles, int ctlfd)
{
	int	i;

	/* the configuration and the files it names, NULL: none */
	for (i = 0; i < nfiles; i++)
		if (files[i] != NULL && unveil(files[i], "r") == -1)
			fatal("unveil %s", files[i]);
	if (unveil(NULL, NULL) == -1)
		fatal("unveil");
	/* rpath: re-read the configuration on SIGHUP */
	/* proc: stop the other children when one dies */
	/* unix: accept on the control socket (ctlfd), bound before */
	(void)ctlfd;
	if (pledge("stdio rpath proc unix", NULL) == -1)
		fatal("pledge");
}

void
sandbox_listener(void)
{
	/* inet: accept on the listening sockets handed over at exec */
	if (pledge("stdio inet", NULL) == -1)
		fatal("pledge");
}

void
sandbox_connector(void)
{
	/* inet: connect to the addresses pvgated looked up */
	if (pledge("stdio inet", NULL) == -1)
		fatal("pledge");
}

void
sandbox_decoder(void)
{
	if (pledge("stdio", NULL) == -1)
		fatal("pledge");
}

void
sandbox_exporter(int mqtt)
{
	if (unveil("/dump", "rwc") == -1)
		fatal("unveil /dump");
	if (unveil(NULL, NULL) == -1)
		fatal("unveil");
	/* wpath cpath: append to and create dump files */
	/* inet: the MQTT broker, only when configured */
	if (pledge(mqtt ? "stdio wpath cpath inet" : "stdio wpath cpath",
	    NULL) == -1)
		fatal("pledge");
}
