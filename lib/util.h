/*
 * Small helpers shared by the processes.
 */

#ifndef UTIL_H
#define UTIL_H

#include <sys/socket.h>

#include <stddef.h>

struct pv_addr;

void	 pv_addr_set(struct pv_addr *, const struct sockaddr *);
int	 pv_addr_str(const struct pv_addr *, char *, size_t);

#endif /* UTIL_H */
