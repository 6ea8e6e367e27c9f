/*
 * The control socket's vocabulary, shared by pvgated, its children and
 * pvgatectl: the counters and the size of every answer.
 */

#include <stddef.h>
#include <stdint.h>

#include "ctl.h"

#define L	SCOPE_LISTENER
#define P	SCOPE_PROTOCOL
#define G	SCOPE_GATEWAY

const struct ctl_counter_def ctl_counters[CTR_MAX] = {
	[CTR_LISTENER_CONNECTIONS] = { "listener_connections", "conns",
	    NULL, "Connections open now.", L, 1 },
	[CTR_LISTENER_ACCEPTED] = { "listener_accepted", "accepted", NULL,
	    "Connections accepted or dialled.", L, 0 },
	[CTR_LISTENER_FRAMES] = { "listener_frames", "frames", NULL,
	    "Frames cut from the devices' byte streams.", L, 0 },
	[CTR_LISTENER_BYTES] = { "listener_bytes", "bytes", NULL,
	    "Bytes read from devices.", L, 0 },
	[CTR_LISTENER_GARBAGE] = { "listener_garbage", "garbage", NULL,
	    "Pieces of byte stream the framer rejected.", L, 0 },
	[CTR_LISTENER_REPLIES] = { "listener_replies", "replies", NULL,
	    "Replies and requests sent to devices.", L, 0 },
	[CTR_LISTENER_REPLY_BYTES] = { "listener_reply_bytes", "sent",
	    NULL, "Bytes sent to devices.", L, 0 },
	[CTR_LISTENER_REPLIES_LOST] = { "listener_replies_lost", "lost",
	    NULL, "Replies for connections already closed.", L, 0 },
	[CTR_LISTENER_PAUSES] = { "listener_pauses", "pauses", NULL,
	    "Times reading stopped while the decoder was behind.", L, 0 },
	[CTR_LISTENER_REFUSED] = { "listener_refused", NULL, "limit",
	    "Connections refused, by the limit that refused them.", L, 0 },
	[CTR_LISTENER_CLOSED] = { "listener_closed", NULL, "reason",
	    "Connections closed, by reason.", L, 0 },
	[CTR_DECODER_CONNECTIONS] = { "decoder_connections", "conns",
	    NULL, "Connections the decoder kept state for.", P, 0 },
	[CTR_DECODER_FRAMES] = { "decoder_frames", "frames", NULL,
	    "Frames decoded.", P, 0 },
	[CTR_DECODER_BYTES] = { "decoder_bytes", "bytes", NULL,
	    "Bytes of the frames decoded.", P, 0 },
	[CTR_DECODER_REPLIES] = { "decoder_replies", "replies", NULL,
	    "Replies and requests built.", P, 0 },
	[CTR_DECODER_RECORDS] = { "decoder_records", "records", NULL,
	    "Records decoded.", P, 0 },
	[CTR_DECODER_DUMPS] = { "decoder_dumps", "dumps", NULL,
	    "Frames and pieces dumped, rejected ones included.", P, 0 },
	[CTR_DECODER_GARBAGE] = { "decoder_garbage", "garbage", NULL,
	    "Pieces the framer rejected, dumped.", P, 0 },
	[CTR_DECODER_DEVICES] = { "decoder_devices", "devices", NULL,
	    "Devices seen since start.", P, 1 },
	[CTR_DECODER_UNTRACKED] = { "decoder_devices_untracked",
	    "untracked", NULL,
	    "Records of devices beyond the table of devices seen.", P, 0 },
	[CTR_DECODER_REFUSED] = { "decoder_refused", "refused", NULL,
	    "Connections refused: no [device] section (accept = known).", P,
	    0 },
	[CTR_DECODER_CLOUD_RELAYED] = { "decoder_cloud_relayed", "relayed",
	    NULL, "Cloud frames the command firewall let through.", P, 0 },
	[CTR_DECODER_CLOUD_BLOCKED] = { "decoder_cloud_blocked", "blocked",
	    NULL, "Cloud frames the command firewall blocked.", P, 0 },
	[CTR_DECODER_CLOUD_LOST] = { "decoder_cloud_lost", "lost", NULL,
	    "Switches to the gateway's own answers: the cloud was lost.", P,
	    0 },
	[CTR_DECODER_CLOUD_BACK] = { "decoder_cloud_back", "back", NULL,
	    "Switches back to relaying: the cloud answered again.", P, 0 },
	[CTR_EXPORTER_RECORDS] = { "exporter_records", "records", NULL,
	    "Records received from the decoder.", G, 0 },
	[CTR_EXPORTER_STDOUT] = { "exporter_stdout_records", "stdout", NULL,
	    "Records written to standard output.", G, 0 },
	[CTR_EXPORTER_SYSLOG] = { "exporter_syslog_records", "syslog", NULL,
	    "Records sent to syslog.", G, 0 },
	[CTR_EXPORTER_DUMPS] = { "exporter_dumps", "dumps", NULL,
	    "Dumps received from the decoder.", G, 0 },
	[CTR_EXPORTER_DUMPS_WRITTEN] = { "exporter_dumps_written", "written",
	    NULL, "Dumps written to dump files.", G, 0 },
	[CTR_EXPORTER_LOST] = { "exporter_lost", NULL, "sink",
	    "Records and dumps a sink could not take, by sink.", G, 0 },
	[CTR_EXPORTER_MQTT_SENT] = { "exporter_mqtt_sent", "mqtt", NULL,
	    "Records the MQTT broker acknowledged.", G, 0 },
	[CTR_EXPORTER_MQTT_DROPPED] = { "exporter_mqtt_dropped", "dropped",
	    NULL, "Records dropped from the full MQTT spool.", G, 0 },
	[CTR_EXPORTER_MQTT_CONNECTED] = { "exporter_mqtt_connected",
	    "connected", NULL, "1 while connected to the MQTT broker.", G,
	    1 },
	[CTR_EXPORTER_MQTT_SPOOL_BYTES] = { "exporter_mqtt_spool_bytes",
	    "spool", NULL, "Bytes of the MQTT spool in use.", G, 1 },
	[CTR_EXPORTER_MQTT_SPOOL_RECORDS] = { "exporter_mqtt_spool_records",
	    "waiting", NULL, "Records in the MQTT spool not acknowledged.",
	    G, 1 },
};

#undef L
#undef P
#undef G

/* the exact size of an answer's payload; 0: not an answer */
size_t
ctl_answer_size(uint32_t type)
{
	switch (type) {
	case IMSG_CTL_PROC:
		return (sizeof(struct ctl_proc));
	case IMSG_CTL_LISTENER:
		return (sizeof(struct ctl_listener));
	case IMSG_CTL_CONNECTOR:
		return (sizeof(struct ctl_connector));
	case IMSG_CTL_MQTT:
		return (sizeof(struct ctl_mqtt));
	case IMSG_CTL_CONN:
		return (sizeof(struct ctl_conn));
	case IMSG_CTL_CLAIM:
		return (sizeof(struct ctl_claim));
	case IMSG_CTL_DEVICE:
		return (sizeof(struct ctl_device));
	case IMSG_CTL_COUNTER:
		return (sizeof(struct ctl_counter));
	case IMSG_CTL_RESULT:
		return (sizeof(struct ctl_result));
	}
	return (0);
}

const char *
ctl_role_name(unsigned int role)
{
	static const char	*names[ROLE_MAX] = {
		"parent", "listener", "decoder", "exporter", "pvgatectl"
	};

	return (role < ROLE_MAX ? names[role] : "unknown");
}
