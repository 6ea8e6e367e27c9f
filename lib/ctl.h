/*
 * The control socket: what pvgatectl asks, what each process answers.
 *
 * pvgatectl sends one request (IMSG_CTL_STATUS, ...) on the socket.
 * pvgated answers its own part at once and passes the request on, with
 * the same peerid, to the children that hold the rest (a table in
 * parent/control.c says which).  Each of them answers with any number
 * of the messages below and then IMSG_CTL_END; pvgated relays them as
 * they come and sends its own IMSG_CTL_END when every child has
 * answered.  Figures come from the process that counts them, never
 * from pvgated's guess.
 *
 * To add a request: an IMSG_CTL_ type, a row in control.c's table, a
 * case in the dispatch of each process that answers it.  To add a
 * counter: a CTR_ id and its row in ctl.c, and the increment.
 */

#ifndef CTL_H
#define CTL_H

#include <stddef.h>
#include <stdint.h>

#include "pvgate.h"

struct imsgev;

/* a process: every one answers IMSG_CTL_STATUS and _COUNTERS */
struct ctl_proc {
	int64_t		start;		/* UTC seconds */
	uint64_t	uptime;		/* seconds */
	uint64_t	rss;		/* bytes resident now, 0: unknown */
	uint64_t	maxrss;		/* bytes, the most so far */
	uint32_t	pid;
	uint16_t	role;		/* enum pv_role */
	uint16_t	pad;
	char		name[32];	/* "listener 10000" */
};

/* a listener: its port and connections */
struct ctl_listener {
	uint16_t	proto;
	uint16_t	port;
	uint32_t	nsock;
	uint32_t	conns;
	uint32_t	max_connections;
	uint32_t	max_per_address;
	uint8_t		accepting;
	uint8_t		paused;		/* backpressure */
	uint8_t		draining;
	uint8_t		pad;
};

enum ctl_dial {
	DIAL_WAITING,			/* until next */
	DIAL_CONNECTING,
	DIAL_CONNECTED
};

/* a device the connector dials */
struct ctl_connector {
	int64_t		since;		/* UTC: in this state since */
	int64_t		next;		/* UTC: next dial, 0: none */
	struct pv_addr	addr;
	uint32_t	failures;	/* in a row */
	uint16_t	proto;
	uint8_t		state;		/* enum ctl_dial */
	uint8_t		pad;
	char		device[PV_NAMELEN];
	char		error[PV_REASONLEN];	/* the last one, "" none */
};

/* the exporter's MQTT client */
struct ctl_mqtt {
	uint64_t	spool_bytes;	/* in use */
	uint64_t	spool_size;
	uint64_t	spool_records;	/* not acknowledged yet */
	int64_t		since;		/* UTC: connected, or lost */
	struct pv_addr	broker;
	uint8_t		enabled;
	uint8_t		connected;
	uint8_t		pad[6];
	char		host[256];
};

/* a live connection, from its listener or the connector */
struct ctl_conn {
	uint64_t	id;
	int64_t		start;		/* UTC seconds */
	uint64_t	rxbytes;
	uint64_t	txbytes;
	uint64_t	frames;
	struct pv_addr	peer;
	struct pv_addr	dst;		/* original destination */
	uint16_t	proto;
	uint16_t	port;		/* listening port, 0: dialled */
	uint32_t	pad;
};

/* the decoder: which device a connection speaks for */
struct ctl_claim {
	uint64_t	id;
	char		device[PV_NAMELEN];
};

/*
 * A device the decoder has seen since it started.  frames, replies,
 * dumps and errors are those of the connections it held (a logger,
 * ECU or DTU holds them for the inverters behind it); records are
 * those about the device itself.
 */
struct ctl_device {
	int64_t		first;		/* UTC seconds */
	int64_t		last;
	uint64_t	frames;
	uint64_t	replies;
	uint64_t	records;
	uint64_t	dumps;
	uint64_t	errors;		/* pieces the framer rejected */
	uint64_t	refused;	/* connections, accept = known */
	uint16_t	proto;
	uint16_t	pad[3];
	char		serial[PV_NAMELEN];
	char		via[PV_NAMELEN];
	char		model[PV_NAMELEN];
	char		peer[64];
};

/* one figure; see ctl_counters[] for what id is */
struct ctl_counter {
	uint64_t	value;
	uint16_t	id;		/* enum ctl_counter_id */
	uint16_t	proto;		/* label, 0: none */
	uint16_t	port;		/* label, 0: none */
	uint16_t	pad;
	char		reason[32];	/* label, "" none */
};

enum ctl_status {
	CTL_OK,
	CTL_FAILED,			/* nothing changed */
	CTL_PARTIAL			/* done, but not all of it */
};

struct ctl_result {
	int32_t		status;		/* enum ctl_status */
	char		text[1020];
};

/*
 * Counters.  The scope says which process counts and what labels the
 * figure has: a listener's are per port and protocol, the decoder's
 * per protocol, the exporter's for the gateway.
 */
enum ctl_scope {
	SCOPE_LISTENER,
	SCOPE_PROTOCOL,
	SCOPE_GATEWAY
};

enum ctl_counter_id {
	CTR_NONE,
	CTR_LISTENER_CONNECTIONS,	/* gauge */
	CTR_LISTENER_ACCEPTED,
	CTR_LISTENER_FRAMES,
	CTR_LISTENER_BYTES,
	CTR_LISTENER_GARBAGE,
	CTR_LISTENER_REPLIES,
	CTR_LISTENER_REPLY_BYTES,
	CTR_LISTENER_REPLIES_LOST,
	CTR_LISTENER_PAUSES,
	CTR_LISTENER_REFUSED,		/* by limit */
	CTR_LISTENER_CLOSED,		/* by reason */
	CTR_DECODER_CONNECTIONS,
	CTR_DECODER_FRAMES,
	CTR_DECODER_BYTES,
	CTR_DECODER_REPLIES,
	CTR_DECODER_RECORDS,
	CTR_DECODER_DUMPS,
	CTR_DECODER_GARBAGE,
	CTR_DECODER_DEVICES,		/* gauge */
	CTR_DECODER_UNTRACKED,
	CTR_DECODER_REFUSED,
	CTR_DECODER_CLOUD_RELAYED,
	CTR_DECODER_CLOUD_BLOCKED,
	CTR_DECODER_CLOUD_LOST,
	CTR_DECODER_CLOUD_BACK,
	CTR_EXPORTER_RECORDS,
	CTR_EXPORTER_STDOUT,
	CTR_EXPORTER_SYSLOG,
	CTR_EXPORTER_DUMPS,
	CTR_EXPORTER_DUMPS_WRITTEN,
	CTR_EXPORTER_LOST,		/* by sink */
	CTR_EXPORTER_MQTT_SENT,
	CTR_EXPORTER_MQTT_DROPPED,
	CTR_EXPORTER_MQTT_CONNECTED,	/* gauge */
	CTR_EXPORTER_MQTT_SPOOL_BYTES,	/* gauge */
	CTR_EXPORTER_MQTT_SPOOL_RECORDS, /* gauge */
	CTR_MAX
};

struct ctl_counter_def {
	const char	*name;		/* pvgated_<name>, counters + _total */
	const char	*column;	/* text heading; NULL: by label */
	const char	*label;		/* what reason means, NULL: unused */
	const char	*help;
	uint8_t		 scope;		/* enum ctl_scope */
	uint8_t		 gauge;
};

extern const struct ctl_counter_def	ctl_counters[CTR_MAX];

/* ctl.c: shared with pvgatectl */
size_t		 ctl_answer_size(uint32_t);
const char	*ctl_role_name(unsigned int);

/* a figure to send, for ctl_counters_send() */
struct ctl_figure {
	int		 id;
	uint64_t	 value;
};

struct imsg;

/* ctlproc.c: for the processes that answer */
void	 ctl_procinit(int, const char *);
uint32_t ctl_request(struct imsg *, const char *);
void	 ctl_counters_send(struct imsgev *, uint32_t,
	    const struct ctl_figure *, size_t, uint16_t, uint16_t);
void	 ctl_proc(struct imsgev *, uint32_t);
void	 ctl_counter(struct imsgev *, uint32_t, int, uint16_t, uint16_t,
	    const char *, uint64_t);
void	 ctl_answer(struct imsgev *, uint32_t, uint32_t, const void *,
	    size_t);
void	 ctl_end(struct imsgev *, uint32_t);

#endif /* CTL_H */
