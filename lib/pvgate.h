/*
 * pvgated: definitions shared by every process.
 */

#ifndef PVGATE_H
#define PVGATE_H

#include <stdint.h>

#define PVGATE_VERSION		"0.1"
/* bumped whenever a message layout below changes */
#define PVGATE_IMSG_VERSION	7

#define PVGATE_USER		"_pvgated"
#define _PATH_PVGATE_CONF	"/etc/pvgated/pvgated.conf"
#define _PATH_PVGATE_CHROOT	"/var/empty"
#define _PATH_PVGATE_STATE	"/var/pvgated"
#define _PATH_PVGATE_SOCKET	"/var/run/pvgated.sock"
#ifndef PVGATE_LIBEXEC
#define PVGATE_LIBEXEC		"/usr/local/libexec/pvgated"
#endif

#define PVGATE_LISTENER		"pvgate-listener"
#define PVGATE_DECODER		"pvgate-decoder"
#define PVGATE_EXPORTER		"pvgate-exporter"

/* descriptors every child finds at exec time */
#define PVGATE_FD_PARENT	3	/* imsg channel to pvgated */
#define PVGATE_FD_PEER		4	/* listener: decoder; exporter: decoder */
#define PVGATE_FD_EXPORTER	4	/* decoder: exporter channel */
#define PVGATE_FD_LISTENERS	5	/* decoder: first listener channel */
#define PVGATE_FD_SOCKETS	5	/* listener: first listening socket */
#define PVGATE_FD_SYSLOG	5	/* exporter: connected /dev/log, if any */

#define PVGATE_MAX_LISTENERS	64	/* distinct ports */
#define PVGATE_MAX_SOCKETS	16	/* sockets per listener (addresses) */
#define PVGATE_MAX_DEVICES	64	/* [device] sections */
#define PVGATE_MAX_ALLOW	64	/* allow_from networks, all sections */

/* largest imsg payload (MAX_IMSGSIZE minus the imsg header) */
#define PVGATE_IMSG_PAYLOAD	(16384 - 16)

#define PV_NAMELEN		64	/* device ids, protocol names */
#define PV_REASONLEN		96	/* dump reasons */

/*
 * Message types, grouped by channel.  Every channel starts with
 * IMSG_HELLO in both directions.
 */
enum imsg_type {
	IMSG_NONE,
	IMSG_HELLO,		/* any <-> any: struct pv_hello */

	/* child -> pvgated */
	IMSG_LOG,		/* int priority, then a NUL-terminated line */

	/* pvgated -> child: configuration, see confmsg.c */
	IMSG_RECONF_CONF,	/* struct pv_gateconf */
	IMSG_RECONF_PROTO,	/* struct pv_protoconf */
	IMSG_RECONF_LISTEN,	/* struct pv_listenconf (listener only) */
	IMSG_RECONF_PUBKEY,	/* dump sealing key, crypto_box_PUBLICKEYBYTES */
	IMSG_RECONF_DEVICE,	/* struct pv_deviceconf */
	IMSG_RECONF_SECRET,	/* decoder only: a device's secrets */
	IMSG_RECONF_MQTT,	/* exporter only: struct pv_mqttconf */
	IMSG_RECONF_MQTT_CA,	/* exporter only: a piece of the CA file */
	IMSG_RECONF_ALLOW,	/* listener only: struct pv_cidr */
	IMSG_RECONF_END,	/* empty */

	/* pvgated -> listener, decoder: stop and drain (empty) */
	IMSG_CTL_SHUTDOWN,

	/* listener -> decoder */
	IMSG_FRAME,		/* struct pv_frame, then the frame bytes */
	IMSG_GARBAGE,		/* struct pv_frame, then the skipped bytes */
	IMSG_CONN_CLOSE,	/* struct pv_conn_close */
	IMSG_CONN_OPEN,		/* struct pv_conn_open: a dialled connection */
	IMSG_LISTENER_DONE,	/* empty: nothing follows from this listener */
	IMSG_RELAY_UP,		/* connector: struct pv_relay, dialled */
	IMSG_RELAY_FAIL,	/* connector: struct pv_relay, with reason */

	/* decoder -> listener */
	IMSG_REPLY,		/* struct pv_reply, then the bytes to send */
	IMSG_CONN_KILL,		/* struct pv_reply (len 0): close it, or
				   hang up (PV_REPLY_REDIAL) */
	IMSG_DECODER_DONE,	/* empty: answer to IMSG_LISTENER_DONE */
	IMSG_RELAY_DIAL,	/* to the connector: struct pv_relay */

	/* decoder -> exporter */
	IMSG_RECORD,		/* packed records, each after its u16 length,
				   see record.c */
	IMSG_DUMP,		/* struct pv_dump, then the bytes */
	IMSG_EXPORT_DONE,	/* empty: pipeline drained, flush and exit */

	/*
	 * The control socket (see ctl.h): requests pvgatectl -> pvgated
	 * -> the children that answer them, peerid the request's
	 */
	IMSG_CTL_STATUS,	/* empty; every process answers */
	IMSG_CTL_DEVICES,	/* empty; the decoder answers */
	IMSG_CTL_CONNECTIONS,	/* empty; listeners and the decoder */
	IMSG_CTL_COUNTERS,	/* empty; every process answers */
	IMSG_CTL_RELOAD,	/* empty; pvgated answers */
	/* answers: child -> pvgated -> pvgatectl, same peerid */
	IMSG_CTL_PROC,		/* struct ctl_proc */
	IMSG_CTL_LISTENER,	/* struct ctl_listener */
	IMSG_CTL_CONNECTOR,	/* struct ctl_connector */
	IMSG_CTL_MQTT,		/* struct ctl_mqtt */
	IMSG_CTL_CONN,		/* struct ctl_conn */
	IMSG_CTL_CLAIM,		/* struct ctl_claim */
	IMSG_CTL_DEVICE,	/* struct ctl_device */
	IMSG_CTL_COUNTER,	/* struct ctl_counter */
	IMSG_CTL_RESULT,	/* pvgated -> pvgatectl: struct ctl_result */
	IMSG_CTL_END,		/* empty: this process's answer is complete */
	/* exporter -> decoder: an owner's command from MQTT */
	IMSG_COMMAND,		/* struct pv_command */
	/*
	 * pvgatectl -> pvgated -> decoder, peerid the request's: an
	 * owner's command, answered with IMSG_CTL_RESULT and IMSG_CTL_END
	 * once it has ended
	 */
	IMSG_CTL_SEND,		/* struct pv_command */

	IMSG_MAX
};

struct pv_hello {
	uint32_t	version;	/* PVGATE_IMSG_VERSION */
	uint32_t	role;		/* enum pv_role of the sender */
};

enum pv_role {
	ROLE_PARENT,
	ROLE_LISTENER,
	ROLE_DECODER,
	ROLE_EXPORTER,
	ROLE_CTL,		/* pvgatectl, on the control socket */
	ROLE_MAX
};

/* a socket address without the size of sockaddr_storage */
struct pv_addr {
	uint8_t		family;		/* AF_INET, AF_INET6 or 0 (none) */
	uint8_t		pad;
	uint16_t	port;		/* host order */
	uint8_t		addr[16];	/* v4 in the first 4 bytes */
};

/* listener -> decoder: one frame (IMSG_FRAME) or skipped bytes */
struct pv_frame {
	uint64_t	conn;		/* listener instance << 32 | counter */
	int64_t		rx_sec;		/* receive time, UTC */
	int32_t		rx_nsec;
	uint16_t	proto;		/* enum pv_proto */
	uint16_t	listen_port;
	struct pv_addr	peer;
	struct pv_addr	dst;		/* original destination, if known */
	char		reason[PV_REASONLEN]; /* IMSG_GARBAGE only */
};

struct pv_conn_close {
	uint64_t	conn;
	char		reason[PV_REASONLEN];
};

/* connector -> decoder: a dialled connection is up */
struct pv_conn_open {
	uint64_t	conn;
	uint16_t	proto;		/* enum pv_proto */
	uint16_t	pad;
	uint32_t	pad2;
	struct pv_addr	peer;		/* the address dialled */
	char		device[PV_NAMELEN]; /* the [device] it was dialled for */
};

/*
 * The cloud relay.  decoder -> connector IMSG_RELAY_DIAL: dial the
 * cloud of proto for the device connection tag; connector -> decoder
 * IMSG_RELAY_UP: the upstream connection conn is up (from now on a
 * connection like any other: IMSG_FRAME, IMSG_REPLY, IMSG_CONN_CLOSE),
 * or IMSG_RELAY_FAIL with the reason.
 */
struct pv_relay {
	uint64_t	tag;		/* the device connection */
	uint64_t	conn;		/* the upstream connection */
	uint16_t	proto;		/* enum pv_proto */
	uint16_t	port;		/* of the cloud, to dial */
	uint32_t	pad;
	char		reason[PV_REASONLEN];
};

/* decoder -> listener */
struct pv_reply {
	uint64_t	conn;
	uint32_t	flags;
#define PV_REPLY_CLOSE	0x01		/* close after sending */
#define PV_REPLY_REDIAL	0x02		/* IMSG_CONN_KILL: dial again */
	uint32_t	redial;		/* PV_REPLY_REDIAL: in this many ms */
};

/* decoder -> exporter: a frame kept for analysis */
struct pv_dump {
	int64_t		time;		/* receive time, UTC seconds */
	int32_t		nsec;
	uint16_t	proto;
	uint16_t	listen_port;
	uint64_t	conn;
	struct pv_addr	peer;
	struct pv_addr	dst;		/* original destination, if known */
	char		reason[PV_REASONLEN];
};

/* [gateway] and [export], as sent to every child */
struct pv_gateconf {
	char		user[32];
	char		chroot[256];
	char		state_dir[256];
	uint32_t	idle_timeout;		/* seconds */
	uint32_t	max_connections;	/* per listener */
	uint32_t	max_per_address;
	uint32_t	max_frame;		/* bytes */
	uint8_t		out_stdout;		/* 1: JSON lines */
	uint8_t		out_syslog;
	uint8_t		out_dump;
	uint8_t		dump_sealed;
	uint8_t		accept_known;		/* 1: [device] serials only */
	uint8_t		pad[3];
};

/* one protocol section */
struct pv_protoconf {
	uint16_t	proto;			/* enum pv_proto */
	uint16_t	pad;
	uint32_t	heartbeat_interval;	/* solarman-v5: seconds */
	uint32_t	capture_limit;		/* capture: bytes per connection */
	uint32_t	cloud_timeout;		/* relay: reply deadline, ms */
	uint32_t	cloud_allow;		/* relay: bits of cloud kinds */
	struct pv_addr	cloud;			/* relay to; family 0: off;
						   port 0: the device's */
};

/*
 * An owner's command, as text: from MQTT, read by the exporter
 * (IMSG_COMMAND), or from pvgatectl, read by pvgated (IMSG_CTL_SEND).
 * Neither judges it; the decoder alone parses it, checks it against
 * the device's allow list and builds the device's frame.  The channel
 * it comes on says where it is from, and for pvgatectl the peerid
 * which request it answers; id and source are the sender's notes.
 */
#define PV_CMD_NAMELEN		32
#define PV_CMD_TEXTLEN		256
#define PV_CMD_LISTLEN		128

enum pv_cmd_source {
	CMD_SRC_NONE,
	CMD_SRC_MQTT,
	CMD_SRC_CTL
};

enum pv_cmd_result {
	CMD_RES_OK,
	CMD_RES_REFUSED,
	CMD_RES_DEVICE_ERROR,
	CMD_RES_TIMEOUT
};

struct pv_command {
	uint64_t	id;
	uint16_t	source;			/* enum pv_cmd_source */
	uint16_t	flags;
#define PV_CMD_TRUNCATED	0x0001		/* the text did not fit */
	uint32_t	pad;
	char		device[PV_NAMELEN];
	char		command[PV_CMD_NAMELEN];
	char		arg[PV_CMD_TEXTLEN];
};

/*
 * One [device NAME] section: settings for one device, by its serial.
 * With client set, the gateway dials it (a connector); interval > 0
 * turns on polling where the protocol has it.
 */
struct pv_deviceconf {
	char		name[PV_NAMELEN];	/* device serial */
	uint16_t	proto;			/* enum pv_proto, 0: any */
	uint16_t	pad;
	struct pv_addr	client;			/* dial this; family 0: no */
	uint32_t	logger;			/* Solarman logger serial */
	uint32_t	interval;		/* poll interval, s; 0: off */
	uint32_t	sensor;			/* Solarman sensor list; 0: detect */
	uint32_t	timeout;		/* response timeout, ms */
	uint32_t	allow;			/* commands: bits of cmd.h */
	uint32_t	command_rate;		/* commands a minute, at most */
	uint32_t	command_wait;		/* s to wait for the device */
	char		at_allow[PV_CMD_LISTLEN]; /* AT prefixes, ", " */
	char		at_block[PV_CMD_LISTLEN];
};

/*
 * pvgated -> decoder only (IMSG_RECONF_SECRET): a protocol's secrets,
 * read by pvgated from a file only root may read, wiped there once
 * sent.  e3dc-rscp: the RSCP key, the portal user and password.
 */
struct pv_secret {
	uint16_t	proto;			/* enum pv_proto */
	uint16_t	pad;
	char		key[64];
	char		user[128];
	char		password[128];
};

/*
 * [mqtt], exporter only.  pvgated resolves the broker's name and reads
 * the password and CA files; the exporter gets the address and the
 * contents (the CA file follows in IMSG_RECONF_MQTT_CA pieces).
 */
#define PV_MQTT_TOPICLEN	128
#define PV_MQTT_SECRETLEN	256
#define PV_MQTT_CAMAX		(512 * 1024)	/* CA file, bytes */
struct pv_mqttconf {
	uint64_t	spool_size;		/* bytes */
	struct pv_addr	broker;			/* address and port */
	uint32_t	keepalive;		/* seconds */
	uint32_t	calen;			/* CA file bytes that follow */
	uint8_t		enabled;
	uint8_t		tls;
	uint8_t		discovery;		/* Home Assistant discovery */
	uint8_t		retain;			/* retain discovery configs */
	uint8_t		haspassword;
	uint8_t		pad[7];			/* no padding the compiler adds */
	char		host[256];		/* name, for TLS */
	char		client_id[PV_NAMELEN];
	char		user[PV_MQTT_SECRETLEN];
	char		password[PV_MQTT_SECRETLEN];
	char		topic_prefix[PV_MQTT_TOPICLEN];
	char		discovery_prefix[PV_MQTT_TOPICLEN];
};

/*
 * One network of an allow_from list: proto is the section it came
 * from (PROTO_NONE: [gateway]).  A listener gets the list that applies
 * to it, and refuses every other source address at accept.
 */
struct pv_cidr {
	uint16_t	proto;
	uint8_t		family;			/* AF_INET, AF_INET6 */
	uint8_t		prefix;			/* bits */
	uint8_t		addr[16];		/* host bits zero */
};

/* listener only: what it listens on */
struct pv_listenconf {
	uint16_t	proto;
	uint16_t	port;
	uint32_t	instance;
	uint32_t	nsockets;
};

#endif /* PVGATE_H */
