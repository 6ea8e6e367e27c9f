/*
 * Small helpers shared by the processes.
 */

#ifndef UTIL_H
#define UTIL_H

#include <sys/socket.h>

#include <stddef.h>
#include <time.h>

struct pv_addr;
struct pv_cidr;

void	 pv_addr_set(struct pv_addr *, const struct sockaddr *);
int	 pv_addr_str(const struct pv_addr *, char *, size_t);
socklen_t pv_addr_sockaddr(const struct pv_addr *, struct sockaddr_storage *);
void	 pv_heap_trim(void);
time_t	 pv_monotime(void);
int	 pv_cidr_parse(const char *, struct pv_cidr *, char *, size_t);
int	 pv_cidr_match(const struct pv_cidr *, const struct pv_addr *);
int	 pv_cidr_str(const struct pv_cidr *, char *, size_t);

#endif /* UTIL_H */
