/*
 * One sandbox function per role: pledge/unveil on OpenBSD, a seccomp
 * allow-list (default: kill the process) on Linux.  Each is called once,
 * after the privilege drop and the event setup, before any untrusted
 * byte is read.
 */

#ifndef SANDBOX_H
#define SANDBOX_H

void	 sandbox_parent(const char *const [], int, int);
void	 sandbox_listener(void);
void	 sandbox_connector(void);
void	 sandbox_decoder(void);
void	 sandbox_exporter(int);

#endif /* SANDBOX_H */
