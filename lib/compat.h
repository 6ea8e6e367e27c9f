/*
 * What the system may lack.  Program files include this instead of
 * <imsg.h>, so the choice between the system's imsg and ours is made
 * once, here.
 */

#ifndef PVGATE_COMPAT_H
#define PVGATE_COMPAT_H

#include "config.h"

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/uio.h>

#include <stdint.h>
#include <unistd.h>

#ifdef HAVE_IMSG
#include <imsg.h>
#else
#include "compat/imsg.h"
#endif

#ifndef HAVE_SETPROCTITLE
void	 setproctitle(const char *, ...);
#endif

#ifndef HAVE_CLOSEFROM
void	 closefrom(int);
#endif

#ifndef __dead
#define __dead		__attribute__((__noreturn__))
#endif

#ifndef nitems
#define nitems(_a)	(sizeof((_a)) / sizeof((_a)[0]))
#endif

#endif /* PVGATE_COMPAT_H */
