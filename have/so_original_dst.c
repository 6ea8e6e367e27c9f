#include <sys/socket.h>
#include <netinet/in.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter_ipv6/ip6_tables.h>

int
main(void)
{
	return SO_ORIGINAL_DST + IP6T_SO_ORIGINAL_DST;
}
