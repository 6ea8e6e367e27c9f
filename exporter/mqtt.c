/*
 * The exporter's MQTT client: records to a broker at QoS 1, with Home
 * Assistant discovery, through the spool (spool.c).
 *
 * Every record is appended to the spool first and leaves it only when
 * the broker has acknowledged it (PUBACK).  At most MQTT_WINDOW records
 * are in flight.  When the connection is lost, what was in flight is
 * sent again, in order, after the next connect: a record arrives at
 * least once.  While the broker is away the spool fills; when it is
 * full the oldest records are dropped, counted and logged.  When the
 * spool cannot be written (its disk full), the records that do not get
 * in are lost: counted, logged at once and then once a minute, and
 * when writing works again.
 *
 * libmosquitto runs inside the exporter's event loop: mosquitto_socket()
 * is watched with libevent, and mosquitto_loop_read(), _write() and
 * _misc() are called when it is ready and once a second.  No call
 * waits for the broker.  Every connection attempt is a new mosquitto
 * instance, so nothing of an old connection is sent again behind the
 * spool's back.  Callbacks only take note; the work is done after the
 * library call that ran them returns.
 *
 * The gateway's availability is <topic_prefix>/status: "online"
 * (retained) once connected, "offline" as the will.  Discovery configs
 * are sent for each new metric of a device, again when what is known
 * of the device changes, after every connect, and when Home Assistant
 * says "online" on <discovery_prefix>/status.
 */

#include "compat.h"

#include <sys/socket.h>
#include <arpa/inet.h>

#include <errno.h>
#include <event.h>
#include <fcntl.h>
#include <mosquitto.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "confmsg.h"
#include "ctl.h"
#include "exporter.h"
#include "log.h"
#include "mqtt.h"
#include "util.h"

#define MQTT_WINDOW		16	/* records in flight */
#define MQTT_INFLIGHT		64	/* all QoS 1 messages in flight */
#define MQTT_CONNECT_TIMEOUT	20	/* seconds to CONNACK */
#define MQTT_BACKOFF_MAX	30	/* seconds between attempts */
#define MQTT_MAXDEV		1024	/* devices with discovery */
#define MQTT_WARN_EVERY		60	/* seconds between repeated warnings */
#define MQTT_PAYLOAD_MAX	16384
#define MQTT_TOPIC_MAX		(2 * PV_MQTT_TOPICLEN + 2 * RECORD_IDLEN)

enum mqtt_state {
	MQ_OFF,			/* not configured */
	MQ_IDLE,		/* waiting to try again */
	MQ_CONNECTING,		/* TCP, TLS, CONNECT sent */
	MQ_UP			/* CONNACK received */
};

struct inflight {
	uint64_t	 seq;
	int		 mid;
	int		 acked;
};

struct mdev {
	TAILQ_ENTRY(mdev)	 entry;
	struct mqtt_devinfo	 info;
	uint8_t			 known[M_MAX][32];	/* bit per index */
};

static struct {
	struct pv_mqttconf	 cf;
	uint8_t			*ca;
	SSL_CTX			*tls;
	struct mosquitto	*mosq;
	struct event		 ev_read, ev_write, ev_tick;
	int			 state;
	int			 up, lost, ha_online;	/* from callbacks */
	int			 lostrc;
	time_t			 since, retry;
	time_t			 changed;	/* up or down since */
	int			 backoff, failures;
	time_t			 lastwarn, lastdrop, lastlost;
	struct inflight		 win[MQTT_WINDOW];
	int			 nwin;
	int			 spoolfd;
	struct spool		 spool;
	TAILQ_HEAD(, mdev)	 devs;
	int			 ndevs;
	uint64_t		 sent, dropped, unspooled, dropped_told;
	uint64_t		 lost_told;	/* of unspooled */
	uint64_t		 lost_from;	/* unspooled when it began */
	int			 losing, lost_said, losterr;
	char			 status[MQTT_TOPIC_MAX];
	char			 hastatus[MQTT_TOPIC_MAX];
	/* owners' commands: the devices that allow some, what is sent on */
	struct pv_deviceconf	 cmddev[PVGATE_MAX_DEVICES];
	int			 ncmddev;
	/* per device: whose state topic carries the values of its
	 * numbers and switches, "" its own (mqtt_cmd_state) */
	char			 cmdstate[PVGATE_MAX_DEVICES][RECORD_IDLEN];
	char			 cmdfilter[MQTT_TOPIC_MAX];
	void			(*cmdhook)(const struct pv_command *);
	uint64_t		 cmdid;
	time_t			 lastretained;
} mq = { .state = MQ_OFF, .spoolfd = -1 };

static uint8_t		 rbuf[PVGATE_IMSG_PAYLOAD];
static struct record	 rec;
static char		 payload[MQTT_PAYLOAD_MAX];
static char		 topic[MQTT_TOPIC_MAX];

static void	 mqtt_connect(void);
static void	 mqtt_teardown(const char *);
static void	 mqtt_after(void);
static void	 mqtt_up(void);
static void	 mqtt_pump(void);
static size_t	 mqtt_message(const struct record *, char *, size_t);
static void	 mqtt_ack(void);
static void	 mqtt_announce(const struct record *);
static void	 mqtt_announce_all(void);
static int	 mqtt_announce_one(const struct mdev *, const struct metric *);
static void	 mqtt_drops(time_t);
static int	 mqtt_cmd_devices(const struct pvconf *);
static void	 mqtt_announce_cmds(int);
static void	 mqtt_cmd_state(const struct record *);
static int	 mqtt_cmd_reports(const struct pv_deviceconf *,
		    const struct record *);
static void	 mqtt_command(const struct mosquitto_message *);
static void	 mqtt_lost(time_t, int);
static void	 mqtt_read(int, short, void *);
static void	 mqtt_write(int, short, void *);
static void	 mqtt_tick(int, short, void *);
static SSL_CTX	*mqtt_tls(void);
static void	 on_connect(struct mosquitto *, void *, int);
static void	 on_disconnect(struct mosquitto *, void *, int);
static void	 on_publish(struct mosquitto *, void *, int);
static void	 on_message(struct mosquitto *, void *,
		    const struct mosquitto_message *);
static void	 on_log(struct mosquitto *, void *, int, const char *);

/* before chroot: what libmosquitto and OpenSSL read from files */
void
mqtt_init(void)
{
	SSL_CTX	*ctx;

	if (mosquitto_lib_init() != MOSQ_ERR_SUCCESS)
		fatalx("mosquitto_lib_init failed");
	if (OPENSSL_init_ssl(OPENSSL_INIT_LOAD_CONFIG, NULL) != 1 ||
	    (ctx = SSL_CTX_new(TLS_client_method())) == NULL)
		fatalx("OpenSSL initialisation failed");
	SSL_CTX_free(ctx);
	TAILQ_INIT(&mq.devs);
}

/* after chroot, before the sandbox: the one file the spool uses */
void
mqtt_spool_open(const char *path)
{
	if ((mq.spoolfd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW |
	    O_CLOEXEC, 0600)) == -1)
		fatal("spool %s", path);
	if (spool_open(&mq.spool, mq.spoolfd) == -1)
		fatal("spool %s", path);
}

/*
 * A new configuration.  A change of anything the connection depends
 * on starts it again.
 */
void
mqtt_configure(const struct pvconf *conf)
{
	const struct pv_mqttconf	*m = &conf->mqtt;
	int				 subscribe;

	if (spool_setsize(&mq.spool, m->spool_size) == -1)
		fatal("spool");
	subscribe = mqtt_cmd_devices(conf);
	if (mq.state != MQ_OFF && memcmp(&mq.cf, m, sizeof(*m)) == 0 &&
	    (m->calen == 0 || memcmp(mq.ca, conf->mqtt_ca, m->calen) == 0) &&
	    !subscribe) {
		if (mq.state == MQ_UP)
			mqtt_announce_all();
		return;
	}
	if (mq.state != MQ_OFF)
		mqtt_teardown(NULL);
	else {
		evtimer_set(&mq.ev_tick, mqtt_tick, NULL);
		if (mq.spool.count > 0)
			log_info("mqtt: %llu records in the spool from before",
			    (unsigned long long)mq.spool.count);
	}
	if (mq.ca != NULL)
		freezero(mq.ca, mq.cf.calen);
	explicit_bzero(&mq.cf, sizeof(mq.cf));
	mq.cf = *m;
	mq.ca = NULL;
	if (m->calen > 0) {
		if ((mq.ca = malloc(m->calen)) == NULL)
			fatal(NULL);
		memcpy(mq.ca, conf->mqtt_ca, m->calen);
	}
	if (mq.tls != NULL)
		SSL_CTX_free(mq.tls);
	mq.tls = NULL;
	if (mq.cf.tls && (mq.tls = mqtt_tls()) == NULL)
		log_warnx("mqtt: no usable certificate in ca_file: not "
		    "connecting");
	if (mqtt_status_topic(&mq.cf, mq.status, sizeof(mq.status)) == -1 ||
	    mqtt_topic(mq.hastatus, sizeof(mq.hastatus), "%s/status",
	    mq.cf.discovery_prefix) == -1 ||
	    mqtt_cmd_filter(&mq.cf, mq.cmdfilter, sizeof(mq.cmdfilter)) == -1)
		fatalx("%s: topic too long", __func__);
	mq.state = MQ_IDLE;
	mq.retry = 0;
	mq.backoff = 1;
	mq.failures = 0;
	mqtt_tick(-1, 0, NULL);
}

/*
 * A TLS context trusting the certificates of the CA file, checking
 * the broker's name (or address) as configured.
 */
static SSL_CTX *
mqtt_tls(void)
{
	SSL_CTX			*ctx;
	BIO			*bio;
	X509			*x;
	X509_VERIFY_PARAM	*param;
	struct in6_addr		 a;
	int			 n = 0;

	if ((ctx = SSL_CTX_new(TLS_client_method())) == NULL)
		fatalx("%s: SSL_CTX_new failed", __func__);
	if ((bio = BIO_new_mem_buf(mq.ca, mq.cf.calen)) == NULL)
		fatalx("%s: BIO_new_mem_buf failed", __func__);
	while ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
		if (X509_STORE_add_cert(SSL_CTX_get_cert_store(ctx), x) == 1)
			n++;
		X509_free(x);
	}
	BIO_free(bio);
	ERR_clear_error();
	param = SSL_CTX_get0_param(ctx);
	if (n == 0 || SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) !=
	    1 || ((inet_pton(AF_INET, mq.cf.host, &a) == 1 ||
	    inet_pton(AF_INET6, mq.cf.host, &a) == 1) ?
	    X509_VERIFY_PARAM_set1_ip_asc(param, mq.cf.host) :
	    X509_VERIFY_PARAM_set1_host(param, mq.cf.host, 0)) != 1) {
		SSL_CTX_free(ctx);
		return (NULL);
	}
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	return (ctx);
}

/* a record from the decoder, already checked: spool it, send it */
void
mqtt_record(const uint8_t *data, size_t len)
{
	uint64_t	evicted = mq.spool.evicted;
	int		n;

	if (mq.state == MQ_OFF)
		return;
	n = spool_put(&mq.spool, data, len);
	mq.dropped += mq.spool.evicted - evicted;
	if (n == -1) {
		if (!mq.losing)
			mq.lost_from = mq.unspooled;
		mq.losing = 1;
		mq.unspooled++;
		mq.losterr = errno;
		mqtt_lost(pv_monotime(), 0);
		return;
	}
	if (mq.losing)
		mqtt_lost(pv_monotime(), 1);
	if (mq.state == MQ_UP)
		mqtt_after();
}

/* the pipeline is drained: keep the spool, leave (the will says so) */
void
mqtt_shutdown(void)
{
	if (mq.state == MQ_OFF)
		return;
	(void)spool_sync(&mq.spool);
	log_info("mqtt: %llu records sent, %llu in the spool, %llu dropped "
	    "when it was full, %llu lost when it could not be written",
	    (unsigned long long)mq.sent, (unsigned long long)mq.spool.count,
	    (unsigned long long)mq.dropped,
	    (unsigned long long)(mq.unspooled + mq.spool.dropped));
	if (mq.mosq != NULL)
		mosquitto_destroy(mq.mosq);
	mq.mosq = NULL;
}

static void
mqtt_connect(void)
{
	struct mosquitto	*m;
	char			 addr[INET6_ADDRSTRLEN];
	int			 rc;

	if (mq.cf.tls && mq.tls == NULL)
		return;
	if (inet_ntop(mq.cf.broker.family, mq.cf.broker.addr, addr,
	    sizeof(addr)) == NULL)
		fatalx("%s: bad broker address", __func__);
	if ((m = mosquitto_new(mq.cf.client_id, true, NULL)) == NULL)
		fatal("%s: mosquitto_new", __func__);
	mq.mosq = m;
	mq.up = mq.lost = mq.ha_online = 0;
	(void)mosquitto_int_option(m, MOSQ_OPT_PROTOCOL_VERSION,
	    MQTT_PROTOCOL_V311);
	(void)mosquitto_max_inflight_messages_set(m, MQTT_INFLIGHT);
	if (mq.cf.user[0] != '\0' && mosquitto_username_pw_set(m,
	    mq.cf.user, mq.cf.haspassword ? mq.cf.password : NULL) !=
	    MOSQ_ERR_SUCCESS)
		fatalx("%s: mosquitto_username_pw_set failed", __func__);
	if (mosquitto_will_set(m, mq.status, 7, "offline", 1, true) !=
	    MOSQ_ERR_SUCCESS)
		fatalx("%s: mosquitto_will_set failed", __func__);
	/* our context as it is: libmosquitto would load files into it */
	if (mq.tls != NULL && (mosquitto_void_option(m, MOSQ_OPT_SSL_CTX,
	    mq.tls) != MOSQ_ERR_SUCCESS || mosquitto_int_option(m,
	    MOSQ_OPT_SSL_CTX_WITH_DEFAULTS, 0) != MOSQ_ERR_SUCCESS))
		fatalx("%s: MOSQ_OPT_SSL_CTX failed", __func__);
	mosquitto_connect_callback_set(m, on_connect);
	mosquitto_disconnect_callback_set(m, on_disconnect);
	mosquitto_publish_callback_set(m, on_publish);
	mosquitto_message_callback_set(m, on_message);
	mosquitto_log_callback_set(m, on_log);

	mq.state = MQ_CONNECTING;
	mq.since = pv_monotime();
	if ((rc = mosquitto_connect_async(m, addr, mq.cf.broker.port,
	    mq.cf.keepalive)) != MOSQ_ERR_SUCCESS) {
		mq.lostrc = rc;
		mqtt_teardown(rc == MOSQ_ERR_ERRNO ? strerror(errno) :
		    mosquitto_strerror(rc));
		return;
	}
	event_set(&mq.ev_read, mosquitto_socket(m), EV_READ | EV_PERSIST,
	    mqtt_read, NULL);
	event_set(&mq.ev_write, mosquitto_socket(m), EV_WRITE, mqtt_write,
	    NULL);
	event_add(&mq.ev_read, NULL);
	mqtt_after();
}

/*
 * The connection is gone (why NULL: closed on purpose).  What was
 * in flight is sent again from the spool after the next connect.
 */
static void
mqtt_teardown(const char *why)
{
	time_t	now = pv_monotime();
	char	addr[80], reason[128];
	size_t	n;

	if (mq.mosq != NULL) {
		if (event_initialized(&mq.ev_read)) {
			event_del(&mq.ev_read);
			event_del(&mq.ev_write);
		}
		mosquitto_destroy(mq.mosq);
		mq.mosq = NULL;
	}
	if (pv_addr_str(&mq.cf.broker, addr, sizeof(addr)) == -1)
		strlcpy(addr, "?", sizeof(addr));
	/* libmosquitto's messages end with a full stop */
	if (why != NULL) {
		n = strlcpy(reason, why, sizeof(reason));
		if (n > 0 && n < sizeof(reason) && reason[n - 1] == '.')
			reason[n - 1] = '\0';
	}
	if (why != NULL && mq.state == MQ_UP)
		log_warnx("mqtt: connection to %s lost: %s; %llu records "
		    "spooled", addr, reason,
		    (unsigned long long)mq.spool.count);
	else if (why != NULL && (mq.failures++ == 0 ||
	    now - mq.lastwarn >= MQTT_WARN_EVERY)) {
		mq.lastwarn = now;
		log_warnx("mqtt: cannot connect to %s: %s; %llu records "
		    "spooled", addr, reason,
		    (unsigned long long)mq.spool.count);
	}
	if (why == NULL)
		mq.backoff = 1;
	if (mq.state == MQ_UP)
		mq.changed = now;
	mq.state = MQ_IDLE;
	mq.retry = now + mq.backoff;
	if ((mq.backoff *= 2) > MQTT_BACKOFF_MAX)
		mq.backoff = MQTT_BACKOFF_MAX;
	mq.nwin = 0;
	spool_rewind(&mq.spool);
	(void)spool_sync(&mq.spool);
}

/* after every library call: act on what the callbacks noted */
static void
mqtt_after(void)
{
	if (mq.mosq == NULL)
		return;
	if (!mq.lost && mq.up && mq.state == MQ_CONNECTING)
		mqtt_up();
	if (!mq.lost && mq.state == MQ_UP) {
		if (mq.ha_online) {
			mq.ha_online = 0;
			mqtt_announce_all();
		}
		mqtt_ack();
		mqtt_pump();
	}
	if (mq.lost) {
		mqtt_teardown(mq.lostrc == MOSQ_ERR_ERRNO ? strerror(errno) :
		    mosquitto_strerror(mq.lostrc));
		return;
	}
	if (mosquitto_want_write(mq.mosq))
		event_add(&mq.ev_write, NULL);
	else
		event_del(&mq.ev_write);
	if (spool_sync(&mq.spool) == -1)
		log_warn("mqtt: spool");
}

/* CONNACK: say so, listen for Home Assistant, send what is waiting */
static void
mqtt_up(void)
{
	char	addr[80];
	int	rc;

	if (pv_addr_str(&mq.cf.broker, addr, sizeof(addr)) == -1)
		strlcpy(addr, "?", sizeof(addr));
	log_info("mqtt: connected to %s; %llu records to send", addr,
	    (unsigned long long)mq.spool.count);
	mq.state = MQ_UP;
	mq.changed = time(NULL);
	mq.backoff = 1;
	mq.failures = 0;
	if ((rc = mosquitto_publish(mq.mosq, NULL, mq.status, 6, "online", 1,
	    true)) == MOSQ_ERR_SUCCESS && mq.cf.discovery)
		rc = mosquitto_subscribe(mq.mosq, NULL, mq.hastatus, 1);
	/* the commands, only where a device allows some */
	if (rc == MOSQ_ERR_SUCCESS && mq.ncmddev > 0)
		rc = mosquitto_subscribe(mq.mosq, NULL, mq.cmdfilter, 1);
	if (rc != MOSQ_ERR_SUCCESS) {
		mq.lost = 1;
		mq.lostrc = rc;
		return;
	}
	mqtt_announce_all();
}

/*
 * A record's topic (into t) and message (into payload): its state, a
 * command's end on the device's result topic, or another event's JSON
 * line on the device's event topic.  0 if unusable.
 */
static size_t
mqtt_message(const struct record *r, char *t, size_t tlen)
{
	const char	*what;
	size_t		 len;

	if (r->kind != REC_EVENT)
		return (mqtt_state_topic(&mq.cf, r->device, t, tlen) == -1 ?
		    0 : mqtt_state(r, payload, sizeof(payload)));
	if ((what = record_findattr(r, A_EVENT)) != NULL &&
	    strcmp(what, "command") == 0)
		return (mqtt_result_topic(&mq.cf, r->device, t, tlen) == -1 ?
		    0 : mqtt_result(r, payload, sizeof(payload)));
	if (mqtt_event_topic(&mq.cf, r->device, t, tlen) == -1 ||
	    (len = json_record(r, payload, sizeof(payload))) == 0)
		return (0);
	payload[--len] = '\0';		/* the line without its end */
	return (len);
}

/* records from the spool while the window has room */
static void
mqtt_pump(void)
{
	uint64_t	 seq;
	ssize_t		 n;
	size_t		 len;
	int		 mid, rc;

	while (!mq.lost && mq.nwin < MQTT_WINDOW) {
		if ((n = spool_read(&mq.spool, rbuf, sizeof(rbuf), &seq)) ==
		    0)
			break;
		if (n == -1) {
			log_warn("mqtt: spool unreadable, %llu records lost",
			    (unsigned long long)mq.spool.count);
			if (spool_clear(&mq.spool) == -1)
				fatal("mqtt: spool");
			mq.nwin = 0;
			break;
		}
		mq.win[mq.nwin].seq = seq;
		mq.win[mq.nwin].acked = 1;
		mq.win[mq.nwin++].mid = -1;
		if (record_unpack(&rec, rbuf, n) == -1 ||
		    (len = mqtt_message(&rec, topic, sizeof(topic))) == 0) {
			log_warnx("mqtt: spooled record %llu unusable, skipped",
			    (unsigned long long)seq);
			continue;
		}
		if (mq.cf.discovery && rec.kind != REC_EVENT)
			mqtt_announce(&rec);
		if ((rc = mosquitto_publish(mq.mosq, &mid, topic, len,
		    payload, 1, false)) != MOSQ_ERR_SUCCESS) {
			mq.lost = 1;
			mq.lostrc = rc;
			break;
		}
		mq.win[mq.nwin - 1].mid = mid;
		mq.win[mq.nwin - 1].acked = 0;
		mq.sent++;
	}
}

/* acknowledged records leave the spool, oldest first */
static void
mqtt_ack(void)
{
	int	i, n = 0;

	while (n < mq.nwin && mq.win[n].acked) {
		if (spool_pop(&mq.spool, mq.win[n].seq) == -1)
			fatal("mqtt: spool");
		n++;
	}
	if (n == 0)
		return;
	for (i = n; i < mq.nwin; i++)
		mq.win[i - n] = mq.win[i];
	mq.nwin -= n;
}

static struct mdev *
mqtt_device(const struct record *r)
{
	struct mdev	*d;

	TAILQ_FOREACH(d, &mq.devs, entry)
		if (strncmp(d->info.id, r->device, sizeof(d->info.id)) == 0)
			return (d);
	if (mq.ndevs >= MQTT_MAXDEV) {
		if (mq.ndevs++ == MQTT_MAXDEV)
			log_warnx("mqtt: more than %d devices: no discovery "
			    "for the others", MQTT_MAXDEV);
		return (NULL);
	}
	if ((d = calloc(1, sizeof(*d))) == NULL)
		fatal(NULL);
	strlcpy(d->info.id, r->device, sizeof(d->info.id));
	TAILQ_INSERT_TAIL(&mq.devs, d, entry);
	mq.ndevs++;
	return (d);
}

/* what a record says about its device; 1 if that changed anything */
static int
mqtt_devinfo(struct mdev *d, const struct record *r)
{
	struct mqtt_devinfo	 n = d->info;
	const char		*v;

	n.proto = r->proto;
	if (r->via[0] != '\0')
		strlcpy(n.via, r->via, sizeof(n.via));
	if ((v = record_findattr(r, A_MODEL)) != NULL)
		strlcpy(n.model, v, sizeof(n.model));
	if ((v = record_findattr(r, A_FIRMWARE)) != NULL)
		strlcpy(n.firmware, v, sizeof(n.firmware));
	if ((v = record_findattr(r, A_HARDWARE)) != NULL)
		strlcpy(n.hardware, v, sizeof(n.hardware));
	if (memcmp(&n, &d->info, sizeof(n)) == 0)
		return (0);
	d->info = n;
	return (1);
}

/* discovery for what is new in a record, or for all of a changed device */
static void
mqtt_announce(const struct record *r)
{
	struct mdev		*d;
	struct metric		 mt;
	const struct metric	*m;
	size_t			 i;
	int			 all;

	mqtt_cmd_state(r);
	if ((d = mqtt_device(r)) == NULL)
		return;
	all = mqtt_devinfo(d, r);
	for (i = 0; all && i < (size_t)mq.ncmddev; i++)
		if (strcmp(mq.cmddev[i].name, d->info.id) == 0)
			mqtt_announce_cmds(i);
	memset(&mt, 0, sizeof(mt));
	for (mt.id = M_NONE + 1; all && mt.id < M_MAX; mt.id++)
		for (i = 0; i < 256; i++)
			if (d->known[mt.id][i / 8] & (1 << (i % 8))) {
				mt.index = i;
				if (mqtt_announce_one(d, &mt) == -1)
					return;
			}
	for (i = 0; i < r->nmetrics && i < RECORD_MAX_METRICS; i++) {
		m = &r->metrics[i];
		if (m->id <= M_NONE || m->id >= M_MAX ||
		    d->known[m->id][m->index / 8] & (1 << (m->index % 8)))
			continue;
		d->known[m->id][m->index / 8] |= 1 << (m->index % 8);
		if (mqtt_announce_one(d, m) == -1)
			return;
	}
}

/* every known sensor again: a new connection, or Home Assistant's birth */
static void
mqtt_announce_all(void)
{
	struct mdev	*d;
	struct metric	 mt;
	size_t		 i;

	if (!mq.cf.discovery)
		return;
	for (i = 0; i < (size_t)mq.ncmddev; i++)
		mqtt_announce_cmds(i);
	memset(&mt, 0, sizeof(mt));
	TAILQ_FOREACH(d, &mq.devs, entry)
		for (mt.id = M_NONE + 1; mt.id < M_MAX; mt.id++)
			for (i = 0; i < 256; i++)
				if (d->known[mt.id][i / 8] & (1 << (i % 8))) {
					mt.index = i;
					if (mqtt_announce_one(d, &mt) == -1)
						return;
				}
}

static int
mqtt_announce_one(const struct mdev *d, const struct metric *m)
{
	static char	 dtopic[MQTT_TOPIC_MAX], dbuf[8192];
	size_t		 len;
	int		 rc;

	if ((len = mqtt_discovery(&mq.cf, &d->info, m, dtopic,
	    sizeof(dtopic), dbuf, sizeof(dbuf))) == 0) {
		log_warnx("mqtt: discovery for %s does not fit", d->info.id);
		return (0);
	}
	if ((rc = mosquitto_publish(mq.mosq, NULL, dtopic, len, dbuf, 1,
	    mq.cf.retain)) != MOSQ_ERR_SUCCESS) {
		mq.lost = 1;
		mq.lostrc = rc;
		return (-1);
	}
	return (0);
}

/* the spool was full: say how many of the oldest were dropped */
static void
mqtt_drops(time_t now)
{
	if (mq.dropped == mq.dropped_told || now - mq.lastdrop <
	    MQTT_WARN_EVERY / 6)
		return;
	log_warnx("mqtt: spool full: dropped the %llu oldest records "
	    "(%llu since start)",
	    (unsigned long long)(mq.dropped - mq.dropped_told),
	    (unsigned long long)mq.dropped);
	mq.dropped_told = mq.dropped;
	mq.lastdrop = now;
}

/*
 * Records the spool could not take (back: a record was written again
 * after some were lost).  At most one line a minute says how many in
 * all, and its reason; the first as it happens.  When writing works
 * again after such a line, one more says so, with the number lost
 * while it could not.
 */
static void
mqtt_lost(time_t now, int back)
{
	if (back) {
		mq.losing = 0;
		if (mq.lost_said)
			log_info("mqtt: spool: written again; %llu records "
			    "lost while it could not be (%llu so far)",
			    (unsigned long long)(mq.unspooled - mq.lost_from),
			    (unsigned long long)mq.unspooled);
		mq.lost_said = 0;
		mq.lost_told = mq.unspooled;
		return;
	}
	if (mq.unspooled == mq.lost_told || (mq.lastlost != 0 &&
	    now - mq.lastlost < MQTT_WARN_EVERY))
		return;
	errno = mq.losterr;
	log_warn("mqtt: spool: cannot write; %llu records lost so far",
	    (unsigned long long)mq.unspooled);
	mq.lost_said = mq.losing;
	mq.lost_told = mq.unspooled;
	mq.lastlost = now;
}

/* what TLS has decrypted is not on the socket: read that too */
static void
mqtt_read(int fd, short event, void *arg)
{
	SSL	*ssl;
	int	 rc;

	(void)fd;
	(void)event;
	(void)arg;
	do {
		if ((rc = mosquitto_loop_read(mq.mosq, 1)) !=
		    MOSQ_ERR_SUCCESS && !mq.lost) {
			mq.lost = 1;
			mq.lostrc = rc;
		}
	} while (!mq.lost && (ssl = mosquitto_ssl_get(mq.mosq)) != NULL &&
	    SSL_pending(ssl) > 0);
	mqtt_after();
}

static void
mqtt_write(int fd, short event, void *arg)
{
	int	rc;

	(void)fd;
	(void)event;
	(void)arg;
	if ((rc = mosquitto_loop_write(mq.mosq, 1)) != MOSQ_ERR_SUCCESS &&
	    !mq.lost) {
		mq.lost = 1;
		mq.lostrc = rc;
	}
	mqtt_after();
}

/* once a second: keepalive, timeouts, the next attempt */
static void
mqtt_tick(int fd, short event, void *arg)
{
	struct timeval	tv = { 1, 0 };
	time_t		now = pv_monotime();
	int		rc;

	(void)fd;
	(void)event;
	(void)arg;
	evtimer_add(&mq.ev_tick, &tv);
	mqtt_drops(now);
	mqtt_lost(now, 0);
	switch (mq.state) {
	case MQ_IDLE:
		if (now >= mq.retry)
			mqtt_connect();
		break;
	case MQ_CONNECTING:
		if (now - mq.since >= MQTT_CONNECT_TIMEOUT) {
			mqtt_teardown("no answer");
			break;
		}
		/* FALLTHROUGH */
	case MQ_UP:
		if ((rc = mosquitto_loop_misc(mq.mosq)) != MOSQ_ERR_SUCCESS &&
		    !mq.lost) {
			mq.lost = 1;
			mq.lostrc = rc;
		}
		mqtt_after();
		break;
	}
}

static void
on_connect(struct mosquitto *m, void *arg, int rc)
{
	(void)m;
	(void)arg;
	if (rc == 0) {
		mq.up = 1;
		return;
	}
	log_warnx("mqtt: broker refused: %s", mosquitto_connack_string(rc));
	mq.lost = 1;
	mq.lostrc = MOSQ_ERR_CONN_REFUSED;
}

static void
on_disconnect(struct mosquitto *m, void *arg, int rc)
{
	(void)m;
	(void)arg;
	if (!mq.lost) {
		mq.lost = 1;
		mq.lostrc = rc == 0 ? MOSQ_ERR_CONN_LOST : rc;
	}
}

static void
on_publish(struct mosquitto *m, void *arg, int mid)
{
	int	i;

	(void)m;
	(void)arg;
	for (i = 0; i < mq.nwin; i++)
		if (mq.win[i].mid == mid) {
			mq.win[i].acked = 1;
			break;
		}
}

static void
on_message(struct mosquitto *m, void *arg,
    const struct mosquitto_message *msg)
{
	(void)m;
	(void)arg;
	if (msg->topic != NULL && strcmp(msg->topic, mq.hastatus) == 0 &&
	    msg->payloadlen == 6 && memcmp(msg->payload, "online", 6) == 0)
		mq.ha_online = 1;
	else if (msg->topic != NULL && mq.ncmddev > 0)
		mqtt_command(msg);
}

void
mqtt_command_hook(void (*fn)(const struct pv_command *))
{
	mq.cmdhook = fn;
}

/*
 * The devices that allow commands; 1 if whether there are any changed,
 * so that the subscription must change too.
 */
static int
mqtt_cmd_devices(const struct pvconf *conf)
{
	int	i, had = mq.ncmddev > 0;

	mq.ncmddev = 0;
	memset(mq.cmdstate, 0, sizeof(mq.cmdstate));
	for (i = 0; i < conf->ndevices && i < PVGATE_MAX_DEVICES; i++)
		if (conf->devices[i].allow != 0)
			mq.cmddev[mq.ncmddev++] = conf->devices[i];
	return (mq.state != MQ_OFF && had != (mq.ncmddev > 0));
}

/*
 * Where the value of a device's number (or switch) goes.  A [device] named by its
 * collector (a TSUN stick, a Solarman logger) has its commands, but the
 * inverter behind it reports the value (power_limit) in records of its
 * own serial, via the collector, once the collector has told that
 * serial: the number's state is then that inverter's state topic.  The
 * first such inverter is taken, and kept (one [device] speaks for one
 * inverter); the discovery is sent again with its state topic.
 */
static void
mqtt_cmd_state(const struct record *r)
{
	int	i;

	if (r->via[0] == '\0' || strcmp(r->via, r->device) == 0)
		return;
	for (i = 0; i < mq.ncmddev; i++) {
		if (mq.cmdstate[i][0] != '\0' ||
		    strcmp(mq.cmddev[i].name, r->via) != 0 ||
		    !mqtt_cmd_reports(&mq.cmddev[i], r))
			continue;
		(void)strlcpy(mq.cmdstate[i], r->device,
		    sizeof(mq.cmdstate[i]));
		log_debug("mqtt: the numbers of %s show the state of %s",
		    mq.cmddev[i].name, r->device);
		mqtt_announce_cmds(i);
	}
}

/* does the record carry the value of one of the device's numbers or
 * switches */
static int
mqtt_cmd_reports(const struct pv_deviceconf *dev, const struct record *r)
{
	const struct cmd_proto	*cp = cmd_proto(dev->proto);
	size_t			 i;

	for (i = 0; cp != NULL && i < cp->ndefs; i++)
		if ((dev->allow & CMD_BIT(cp->defs[i].id)) != 0 &&
		    cp->defs[i].state != 0 &&
		    record_find(r, cp->defs[i].state, 0) != NULL)
			return (1);
	return (0);
}

/* the discovery configs of device n's commands */
static void
mqtt_announce_cmds(int n)
{
	static char			 dtopic[MQTT_TOPIC_MAX], dbuf[8192];
	const struct pv_deviceconf	*dev = &mq.cmddev[n];
	const struct cmd_proto		*cp = cmd_proto(dev->proto);
	const struct cmd_def		*def;
	const char			*state;
	struct mqtt_devinfo		 info;
	struct mdev			*d;
	size_t				 i, len;
	int				 rc;

	if (cp == NULL || mq.mosq == NULL || mq.state != MQ_UP)
		return;
	memset(&info, 0, sizeof(info));
	(void)strlcpy(info.id, dev->name, sizeof(info.id));
	info.proto = dev->proto;
	TAILQ_FOREACH(d, &mq.devs, entry)
		if (strcmp(d->info.id, dev->name) == 0)
			info = d->info;
	for (i = 0; i < cp->ndefs; i++) {
		def = &cp->defs[i];
		/* a pair's switch: once, and only if both are allowed */
		if ((dev->allow & CMD_BIT(def->id)) == 0 || (def->pair !=
		    NULL && (i + 1 >= cp->ndefs || cp->defs[i + 1].pair ==
		    NULL || strcmp(cp->defs[i + 1].pair, def->pair) != 0 ||
		    (dev->allow & CMD_BIT(cp->defs[i + 1].id)) == 0)))
			continue;
		state = mq.cmdstate[n][0] != '\0' ? mq.cmdstate[n] : NULL;
		if ((len = mqtt_cmd_discovery(&mq.cf, &info, def, state,
		    dtopic, sizeof(dtopic), dbuf, sizeof(dbuf))) == 0)
			continue;
		if ((rc = mosquitto_publish(mq.mosq, NULL, dtopic, len, dbuf,
		    1, mq.cf.retain)) != MOSQ_ERR_SUCCESS) {
			mq.lost = 1;
			mq.lostrc = rc;
			return;
		}
	}
}

/*
 * A message on a command topic: its text to the decoder, which judges
 * it.  What does not fit the message goes flagged, to be refused
 * there.  A retained message is not passed on: it would be a command
 * again at every connect.
 */
static void
mqtt_command(const struct mosquitto_message *msg)
{
	struct pv_command	 c;
	time_t			 now;
	int			 rv;

	memset(&c, 0, sizeof(c));
	if ((rv = mqtt_cmd_topic(&mq.cf, msg->topic, c.device,
	    sizeof(c.device), c.command, sizeof(c.command))) == -1)
		return;
	if (msg->retain) {
		now = time(NULL);
		if (now - mq.lastretained >= MQTT_WARN_EVERY) {
			mq.lastretained = now;
			log_warnx("mqtt: %s: a retained command is not taken",
			    msg->topic);
		}
		return;
	}
	if (rv == 1 || msg->payloadlen < 0 ||
	    (size_t)msg->payloadlen >= sizeof(c.arg) ||
	    memchr(msg->payload, '\0', msg->payloadlen) != NULL)
		c.flags |= PV_CMD_TRUNCATED;
	if (msg->payloadlen > 0)
		memcpy(c.arg, msg->payload, (size_t)msg->payloadlen <
		    sizeof(c.arg) ? (size_t)msg->payloadlen :
		    sizeof(c.arg) - 1);
	c.arg[sizeof(c.arg) - 1] = '\0';
	c.id = ++mq.cmdid;
	c.source = CMD_SRC_MQTT;
	if (mq.cmdhook != NULL)
		mq.cmdhook(&c);
}

static void
on_log(struct mosquitto *m, void *arg, int level, const char *s)
{
	(void)m;
	(void)arg;
	if (level & (MOSQ_LOG_ERR | MOSQ_LOG_WARNING))
		log_debug("mqtt: libmosquitto: %s", s);
}

/*
 * pvgatectl: the client's state and figures; lost, the records the
 * spool could not take or could not give back
 */
void
mqtt_ctl(struct ctl_mqtt *cm, uint64_t *sent, uint64_t *dropped,
    uint64_t *lost)
{
	memset(cm, 0, sizeof(*cm));
	*sent = mq.sent;
	*dropped = mq.dropped;
	*lost = mq.unspooled + mq.spool.dropped;
	if (mq.state == MQ_OFF)
		return;
	cm->enabled = 1;
	cm->connected = mq.state == MQ_UP;
	cm->since = mq.changed;
	cm->broker = mq.cf.broker;
	strlcpy(cm->host, mq.cf.host, sizeof(cm->host));
	cm->spool_bytes = spool_used(&mq.spool);
	cm->spool_size = mq.spool.cap;
	cm->spool_records = mq.spool.count;
}
