/* The MQTT model as a whole: its configuration (clients, wills, broker
 * settings, the scripted timeline), its state (one broker, N clients) and
 * its observation log, plugged into the engine as a SesModelClass.
 *
 * The configuration is immutable once a world is built from it and shared
 * by every copy of that world; the state is copied and encoded. */
#pragma once

#include <glib.h>
#include "intern.h"
#include "observation.h"
#include "packet.h"
#include "profile.h"
#include "session.h"
#include "world.h"

typedef enum {
  SES_DROP_NEWEST = 0, /* a full queue refuses the new message */
  SES_DROP_OLDEST = 1, /* a full queue drops its oldest message */
} SesDropPolicy;

/* A second CONNECT on an open connection is a protocol error
 * ([MQTT-3.1.0-2]); the standard says the connection is closed. */
typedef enum {
  SES_SECOND_CONNECT_DISCONNECT = 0, /* 5.0: DISCONNECT 0x82 first; the
                                        session goes on as after any
                                        unclean end */
  SES_SECOND_CONNECT_DROP = 1,       /* closed without a packet and the
                                        session discarded (mosquitto 2.0) */
} SesSecondConnect;

/* When a message the broker holds for a session gets its packet id: when
 * it is sent (ids stay dense), or when it enters the session (mosquitto
 * 2.0), so a queued message that expires or is dropped leaves a gap. */
typedef enum {
  SES_IDS_AT_SEND = 0,
  SES_IDS_AT_QUEUE = 1,
} SesPacketIds;

/* Implementation-defined choices, as broker settings. The defaults and the
 * reasons for them are in docs/broker-settings.md. */
typedef struct {
  gboolean queue_qos0_offline; /* default FALSE */
  guint32 queue_limit;         /* messages waiting per session; 0 = none.
                                  default 1000 */
  SesDropPolicy drop_policy;   /* default SES_DROP_NEWEST */
  gboolean persistence;        /* sessions survive a restart; default FALSE */
  guint32 max_session_expiry_s;/* cap on 5.0 expiry, told in CONNACK;
                                  default SES_EXPIRY_NEVER (no cap) */
  guint16 receive_max;         /* told in CONNACK (5.0); default 65535 */
  guint16 server_keep_alive_s; /* 0: use the client's; default 0 */
  gboolean qos2_on_pubrel;     /* forward QoS 2 on PUBREL (Method A) rather
                                  than on PUBLISH (Method B); default FALSE */
  guint8 max_qos;              /* highest QoS granted; default 2 */
  gboolean no_match_reason;    /* 5.0: PUBACK 0x10 (No matching subscribers)
                                  for a QoS 1 message no subscription
                                  matched; default FALSE (0x00; both are
                                  allowed, §3.4.2.1) */
  gboolean takeover_disconnect;/* 5.0: DISCONNECT 0x8E to the connection
                                  taken over, as [MQTT-3.1.4-3] requires;
                                  default TRUE (FALSE: mosquitto 2.0's
                                  deviation) */
  gboolean keep_alive_disconnect; /* 5.0: DISCONNECT 0x8D before closing for
                                  keep alive (optional, §4.13); default
                                  TRUE */
  gboolean takeover_will;      /* publish the will of a connection taken
                                  over while its session goes on, as any
                                  unclean end does ([MQTT-3.1.2-8]);
                                  default TRUE (FALSE: mosquitto 2.0) */
  gboolean not_found_reason;   /* 5.0: PUBCOMP (PUBREL) 0x92 (Packet
                                  Identifier not found) for a PUBREL
                                  (PUBREC) with an id it does not hold;
                                  default TRUE (0x00 is also allowed) */
  gboolean receive_max_disconnect; /* 5.0: a QoS 2 PUBLISH beyond the
                                  broker's Receive Maximum closes the
                                  connection with DISCONNECT 0x93 (§3.3.4);
                                  default TRUE (FALSE: PUBREC 0x97 Quota
                                  exceeded and the message refused,
                                  mosquitto 2.0's deviation) */
  SesSecondConnect second_connect; /* what a second CONNECT on an open
                                  connection does besides closing it;
                                  default SES_SECOND_CONNECT_DISCONNECT */
  gboolean will_by_client_id;  /* 5.0: a will waiting on its delay belongs
                                  to the ClientId rather than the session:
                                  any new connection with that id cancels
                                  it, Clean Start 1 included, and a session
                                  that ends with its connection (expiry 0)
                                  leaves it to its delay; default FALSE
                                  (TRUE: mosquitto 2.0) */
  SesPacketIds packet_ids;     /* when a message waiting for a session gets
                                  its packet id; default SES_IDS_AT_SEND */
  guint32 timer_granularity_ms;/* how late the broker's own timers may
                                  fire (a clock of whole seconds); conform
                                  allows it on top of its tolerance; default
                                  0 */
  guint32 variants;            /* deliberate bugs (1 << SesVariant), see
                                  variant.h; default none */
} SesBrokerConfig;

typedef struct {
  guint32 topic;       /* interned */
  guint32 payload;     /* interned */
  guint8 qos;
  gboolean retain;
  guint32 delay_s;     /* 5.0 Will Delay Interval; ignored in 3.1.1 */
  gboolean has_expiry; /* 5.0 will Message Expiry Interval */
  guint32 expiry_s;
} SesWill;

/* What a client application does about its subscriptions when it
 * connects: real client libraries leave it to the application, which
 * mostly subscribes again when it learns its session is new. */
typedef enum {
  SES_RESUBSCRIBE_NEW_SESSION = 0, /* after Session Present 0 (default) */
  SES_RESUBSCRIBE_ALWAYS,          /* after every CONNACK */
  SES_RESUBSCRIBE_NEVER,           /* only as the script says */
} SesResubscribe;

typedef struct {
  guint32 client_id;       /* interned ClientId */
  SesMqttVersion version;
  gboolean clean;          /* Clean Session (3.1.1) / Clean Start (5.0) */
  gboolean has_expiry;     /* 5.0: send a Session Expiry Interval */
  guint32 expiry_s;        /* 5.0: that interval (SES_EXPIRY_NEVER) */
  guint16 keep_alive_s;    /* 0 disables keep alive */
  guint16 receive_max;     /* 5.0: 0 = absent (65535) */
  guint32 will;            /* will index + 1, 0 = none */
  gboolean persistent_store; /* keeps its session state across a crash */
  SesTime reconnect_delay_us; /* reconnect this long after losing the
                                 connection; 0 = never on its own */
  SesTime latency_us;      /* one-way network latency */
  guint32 variants;        /* deliberate client bugs (1 << SesVariant) */
  SesResubscribe resubscribe;
} SesClientConfig;

typedef enum {
  SES_ACT_CONNECT = 1,
  SES_ACT_DISCONNECT,
  SES_ACT_SUBSCRIBE,
  SES_ACT_UNSUBSCRIBE,
  SES_ACT_PUBLISH,
  SES_ACT_CUT,
  SES_ACT_HALF_OPEN_BROKER, /* the broker does not notice */
  SES_ACT_HALF_OPEN_CLIENT, /* the client does not notice */
  SES_ACT_CRASH,
  SES_ACT_RESTART,          /* broker restart; client is ignored */
  SES_ACT_HOLD_ACKS,        /* ack_type: the one kind to hold back; 0: the
                               application's PUBACK, PUBREC and PUBCOMP */
  SES_ACT_RELEASE_ACKS,     /* ack_type: release that kind only; 0: all */
  /* Stimuli for conformance testing (docs/scenario-language.md). Each is
   * one thing a live driver does on a socket. */
  SES_ACT_RESET,            /* the connection is reset (TCP RST, not FIN):
                               a cut both ends notice, recorded as reset */
  SES_ACT_PAUSE,            /* the client stops reading its socket: what
                               arrives waits unread, unacknowledged */
  SES_ACT_RESUME,           /* it reads again, in arrival order */
  SES_ACT_ACK,              /* send one held acknowledgement now: the one
                               for packet_id, or else for the message whose
                               payload is `payload`; ack_type picks among
                               several; has_reason: with `reason` instead */
  SES_ACT_ACK_REASON,       /* from now on, acknowledgements of ack_type
                               carry `reason` (5.0; 0 restores success) */
  SES_ACT_RAW_PUBLISH,      /* a PUBLISH exactly as given (topic, payload,
                               qos, packet_id, dup, retain, expiry), outside
                               the client's session bookkeeping */
  SES_ACT_RAW_PUBREL,       /* a PUBREL for packet_id, with `reason` */
  SES_ACT_RAW_CONNECT,      /* the client's CONNECT again, on the
                               connection already open (a violation) */
} SesActionKind;

/* One scripted step. Fields not used by a kind stay zero. A large run
 * keeps a few of these per client, so they are packed: switches are
 * single bytes, wider fields first (56 bytes). */
typedef struct {
  SesTime at_us;
  guint32 client;
  guint32 topic;      /* PUBLISH topic, SUBSCRIBE/UNSUBSCRIBE filter */
  guint32 payload;
  guint32 expiry_s;
  guint32 will;
  guint32 protocol_name; /* CONNECT: interned Protocol Name sent instead of
                            "MQTT" (a violation); 0: "MQTT" */
  guint32 reason_string; /* DISCONNECT: interned 5.0 Reason String; 0: none */
  guint32 linger_us;  /* DISCONNECT: after it, read on until the broker
                         closes, at most this long (at most
                         SES_LINGER_MAX_US); 0: close at once */
  guint16 packet_id;  /* ACK, RAW_PUBLISH, RAW_PUBREL; 0: none given */
  guint8 kind;        /* SesActionKind */
  guint8 qos;
  guint8 reason;      /* DISCONNECT reason code */
  guint8 ack_type;    /* SesPacketType PUBACK…PUBCOMP, or 0 */
  guint8 retain;
  guint8 has_expiry;  /* PUBLISH message expiry; DISCONNECT new session
                         expiry; CONNECT override of session expiry */
  guint8 override_clean;
  guint8 clean;
  guint8 override_expiry;
  guint8 override_will;
  guint8 has_reason;  /* ACK: `reason` replaces the held one */
  guint8 dup;         /* RAW_PUBLISH: the DUP flag */
} SesAction;
G_STATIC_ASSERT (sizeof (SesAction) == 56);

/* `disconnect linger=on`: how long a client reads on after its DISCONNECT
 * for the broker's answer and close, when the script gives no bound, and
 * the most it may give (the trace writes the bound in milliseconds). */
#define SES_LINGER_DEFAULT_US ((SesTime) 5 * SES_US_PER_S)
#define SES_LINGER_MAX_US ((SesTime) 3600 * SES_US_PER_S)

typedef struct _SesMqttConfig SesMqttConfig;

SesMqttConfig *ses_mqtt_config_new (void);
SesMqttConfig *ses_mqtt_config_ref (SesMqttConfig *cfg);
void ses_mqtt_config_unref (SesMqttConfig *cfg);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SesMqttConfig, ses_mqtt_config_unref)

/* (transfer none) */
SesIntern *ses_mqtt_config_strings (SesMqttConfig *cfg);
SesBrokerConfig *ses_mqtt_config_broker (SesMqttConfig *cfg);
void ses_broker_config_init (SesBrokerConfig *broker);
void ses_client_config_init (SesClientConfig *client, SesMqttVersion version);
/* Returns the new client's index. The label names it in traces. */
guint ses_mqtt_config_add_client (SesMqttConfig *cfg, const char *label,
                                  const char *client_id,
                                  const SesClientConfig *client);
guint ses_mqtt_config_n_clients (const SesMqttConfig *cfg);
const SesClientConfig *ses_mqtt_config_client (const SesMqttConfig *cfg,
                                               guint index);
/* (transfer none) (element-type utf8) */
const GPtrArray *ses_mqtt_config_labels (const SesMqttConfig *cfg);
/* Returns the value for SesClientConfig.will / SesAction.will. */
guint32 ses_mqtt_config_add_will (SesMqttConfig *cfg, const SesWill *will);
const SesWill *ses_mqtt_config_will (const SesMqttConfig *cfg, guint32 will);
void ses_mqtt_config_add_action (SesMqttConfig *cfg, const SesAction *action);
guint ses_mqtt_config_n_actions (const SesMqttConfig *cfg);
const SesAction *ses_mqtt_config_action (const SesMqttConfig *cfg,
                                         guint index);
/* Interns a string in the configuration's table. */
guint32 ses_mqtt_config_intern (SesMqttConfig *cfg, const char *str);
guint32 ses_mqtt_config_n_sessions (const SesMqttConfig *cfg);
/* The session (ClientId) a client connects as: clients that share a
 * ClientId share the session. */
guint32 ses_mqtt_config_client_session (const SesMqttConfig *cfg,
                                        guint client);

typedef struct _SesMqtt SesMqtt;

typedef void (*SesObserver) (const SesObs *obs, gpointer user_data);

/* Builds a world running this configuration, with every scripted action
 * scheduled. The first world built from a configuration settles what is
 * derived from it (the order of the actions, the filters matching each
 * topic published on) in the configuration; from then on worlds, copies
 * and further worlds only read it, so they may run on several threads.
 * Build that first one before starting them. */
SesWorld *ses_mqtt_world_new (SesMqttConfig *cfg, guint64 seed);
/* (transfer none) */
SesMqtt *ses_mqtt_from_world (SesWorld *world);
/* (transfer none) */
SesMqttConfig *ses_mqtt_config (SesMqtt *mqtt);
/* Observation log (element-type SesObs); recording is on by default. */
const GArray *ses_mqtt_log (SesMqtt *mqtt);
void ses_mqtt_set_recording (SesMqtt *mqtt, gboolean on);
/* Called for every observation as it is made, recorded or not. */
void ses_mqtt_set_observer (SesMqtt *mqtt, SesObserver observer,
                            gpointer user_data);
/* The kinds the observer reads, bit (1 << SesObsKind) each; 0 (the
 * default): every kind. While nothing records the log, other kinds are not
 * even built (they are still counted): the checker's judge reads only the
 * wire. */
void ses_mqtt_set_observer_kinds (SesMqtt *mqtt, guint64 kinds);

/* ---- a real broker instead of the simulated one (conformance) ----------
 * With a remote broker set (and the world linked to real connections, see
 * ses_world_set_link), the clients stay simulated and the broker is real:
 * the simulated broker records the packets and closes that reach its end of
 * each connection (which a real connection delivers in order, at once to
 * the resolution of the trace) and does nothing else, so the judge reads
 * the same records as in a simulated run. */
typedef struct {
  /* The script restarts the broker: stop it (cleanly when it persists its
   * sessions, by a kill when it does not) and start it again. */
  void (*restart) (gpointer data, gboolean persistent);
  /* A fault is about to hit the client's connection: what the client wrote
   * and really reached the broker must be shown to it first (what was
   * still delayed by the link's latency is lost with the connection). */
  void (*settle) (gpointer data, guint client);
} SesRemoteBroker;

void ses_mqtt_set_remote (SesMqtt *mqtt, const SesRemoteBroker *remote,
                          gpointer data);
/* The real broker sent pkt on (client, gen): recorded as sent by the
 * broker and handed to the client, or recorded as lost when the client's
 * end is no longer there. */
void ses_mqtt_remote_deliver (SesMqtt *mqtt, SesWorld *world, guint client,
                              guint32 gen, const SesPacket *pkt);
/* The real broker closed (client, gen) on its own, for `cause` as far as
 * the client can tell (the reason of a DISCONNECT it sent first, or
 * SES_CAUSE_NONE): recorded as the broker's close, then the client hears
 * of it. (client, gen) may be an older connection the client walked away
 * from (half-open), which only the broker still had open. */
void ses_mqtt_remote_closed (SesMqtt *mqtt, SesWorld *world, guint client,
                             guint32 gen, SesCause cause);
/* The whole log, one ses_obs_describe() line each. (transfer full) */
char *ses_mqtt_log_text (SesMqtt *mqtt);
/* The whole log as the event records of trace.jsonl (tracejson.h), with
 * no header: one line each. (transfer full) */
char *ses_mqtt_log_jsonl (SesMqtt *mqtt);

/* Read access for tests, invariants and diagrams. (transfer none) */
const SesSession *ses_mqtt_session (SesMqtt *mqtt, guint32 session);
guint32 ses_mqtt_client_session (SesMqtt *mqtt, guint client);
typedef enum {
  SES_CLIENT_OFFLINE = 0,
  SES_CLIENT_CONNECTING,
  SES_CLIENT_ONLINE,
  SES_CLIENT_LINGERING,  /* sent DISCONNECT, reads on until the broker
                            closes (disconnect linger=) */
} SesClientState;
SesClientState ses_mqtt_client_state (SesMqtt *mqtt, guint client);
/* The client's own unacknowledged outgoing messages (element-type
 * SesFlight) and received QoS 2 ids awaiting PUBREL (element-type guint16). */
const GArray *ses_mqtt_client_outgoing (SesMqtt *mqtt, guint client);
const GArray *ses_mqtt_client_incoming (SesMqtt *mqtt, guint client);
/* Retained messages (element-type SesMessage), sorted by topic id. */
const GArray *ses_mqtt_retained (SesMqtt *mqtt);

/* Model fault kinds offered to drivers (SesFault.kind). */
enum {
  SES_MQTT_FAULT_CRASH = SES_FAULT_MODEL,   /* target = client */
  SES_MQTT_FAULT_RESTART,                   /* the broker */
};

/* Counters kept even when recording is off (for benchmarks). */
typedef struct {
  guint64 delivered;
  guint64 published;
  guint64 packets;
  guint64 observations;
} SesMqttCounters;
const SesMqttCounters *ses_mqtt_counters (SesMqtt *mqtt);
