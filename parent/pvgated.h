/*
 * pvgated, the parent process.
 */

#ifndef PVGATED_H
#define PVGATED_H

#include <sys/socket.h>

#include <limits.h>
#include <stdio.h>

#include "confmsg.h"
#include "imsgev.h"

/* one listening port: one listener process */
struct listen_port {
	uint16_t		 proto;
	uint16_t		 port;
	int			 nsock;
	struct sockaddr_storage	 ss[PVGATE_MAX_SOCKETS];
	int			 fd[PVGATE_MAX_SOCKETS];
};

struct parentconf {
	struct pvconf		 c;
	char			 timezone[128];		/* "" : the system's */
	char			 client_text[PVGATE_MAX_DEVICES][256];
	char			 dump_pubkey[PATH_MAX];
	char			 secrets_file[PATH_MAX];	/* e3dc-rscp */
	char			 listen_text[PROTO_MAX][512];
	char			 allow_text[PROTO_MAX][512];	/* 0: [gateway] */
	struct listen_port	 ports[PVGATE_MAX_LISTENERS];
	int			 nports;
	uint16_t		 mqtt_port;		/* 0: default */
	char			 mqtt_password_file[PATH_MAX];
	char			 mqtt_ca_file[PATH_MAX];
	char			 cloud_text[PROTO_MAX][256];	/* HOST:PORT */
	char			 resolver_text[64];
	struct pv_addr		 resolver;		/* family 0: none */
};

/* config.c */
int	 config_parse(const char *, struct parentconf *, int, char *, size_t);
int	 config_dialled(const struct parentconf *);
void	 config_print(FILE *, const struct parentconf *);
int	 config_resolve(struct parentconf *, const char *, char *, size_t);
void	 config_later(char *, size_t, const char *);
void	 config_reload_mqtt(const struct parentconf *, struct parentconf *,
	    char *, size_t);
void	 config_reload_cloud(const struct parentconf *, struct parentconf *,
	    char *, size_t);
int	 config_relayed(const struct parentconf *);
void	 config_free(struct parentconf *);

/* cloudconf.c */
int	 cloud_check(const struct parentconf *, int, const char *, char *,
	    size_t);
int	 cloud_resolve(struct parentconf *, const char *, char *, size_t);
void	 cloud_print(FILE *, const struct parentconf *, int);
void	 cloud_names(uint32_t, char *, size_t);

/* control.c */
int	 control_init(const char *, gid_t);
void	 control_listen(void);
int	 control_relay(struct imsg *, const char *);

/* dns.c */
#define DNS_TYPE_A	1
#define DNS_TYPE_AAAA	28
size_t	 dns_query(uint8_t *, size_t, const char *, uint16_t, uint16_t);
int	 dns_answer(const uint8_t *, size_t, const uint8_t *, size_t,
	    uint16_t, uint8_t *, const char **);
int	 dns_resolve(const struct pv_addr *, const char *, uint16_t,
	    struct pv_addr *, char *, size_t);

/* pvgated.c, for control.c */
int	 parent_forward(int, uint32_t, uint32_t, struct imsg *);
int	 parent_reload(char *, size_t);
int	 parent_stopping(void);

/* secrets.c */
int	 secrets_read(const char *, struct pv_secret *, char *, size_t);

/* version.c */
void	 parent_version(FILE *);

/* spawn.c */
int	 parent_bind(struct listen_port *);
void	 parent_statedir(const struct parentconf *, uid_t, gid_t);

#endif /* PVGATED_H */
