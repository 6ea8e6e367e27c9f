/*
 * pvgate-decoder: what decoder.c (connections, channels) and command.c
 * (owners' commands) lend each other.
 */

#ifndef DECODER_H
#define DECODER_H

#include <stdint.h>

struct dconn;
struct imsg;
struct pv_cmd;
struct pv_command_result;
struct pv_deviceconf;
struct pvconf;
struct record;

/* decoder.c */
const struct pvconf	*decoder_conf(void);
struct dconn		*decoder_reaching(const struct pv_deviceconf *);
struct dconn		*decoder_conn_byid(uint64_t);
uint64_t		 decoder_conn_id(const struct dconn *);
const char		*decoder_conn_peer(const struct dconn *);
int			 decoder_send_cmd(struct dconn *, struct pv_cmd *,
			    char *, size_t);
void			 decoder_release_cmd(struct dconn *);
void			 decoder_record(const struct record *);
void			 decoder_result(const struct pv_command_result *);

/* command.c */
void	 command_receive(struct imsg *, int);
void	 command_answer(struct pv_cmd *, int, const char *);
void	 command_conn_gone(struct pv_cmd *);

#endif /* DECODER_H */
