/*
 * Processes: spawning children with their descriptors on fixed numbers,
 * and the privilege drop every child does first.
 */

#ifndef PROC_H
#define PROC_H

#include <sys/types.h>
#include <sys/resource.h>

int	 proc_path(const char *, const char *, char *, size_t);
pid_t	 proc_spawn(const char *, char *const [], const int *, int, int);
void	 proc_privdrop(const char *, const char *, rlim_t, int);
void	 proc_title_init(int, char *[]);

#endif /* PROC_H */
