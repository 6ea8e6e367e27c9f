/*
 * Systems without a supported sandbox: say so, once per process.
 */

#include "compat.h"

#include "log.h"
#include "sandbox.h"

void
sandbox_parent(const char *const files[], int nfiles, int ctlfd)
{
	(void)files;
	(void)nfiles;
	(void)ctlfd;
	log_warnx("no sandbox on this system");
}

void
sandbox_listener(void)
{
	log_warnx("no sandbox on this system");
}

void
sandbox_connector(void)
{
	log_warnx("no sandbox on this system");
}

void
sandbox_decoder(void)
{
	log_warnx("no sandbox on this system");
}

void
sandbox_exporter(int mqtt)
{
	(void)mqtt;
	log_warnx("no sandbox on this system");
}
