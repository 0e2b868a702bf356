/* Observations: the structured record of what happened in a run, with its
 * virtual time. Invariants, traces and diagrams are built from these and
 * from nothing else, so every fact they need is recorded here: packets sent
 * and received, deliveries to applications, acknowledgements, session
 * lifecycle with its cause, wills, policy drops, faults. */
#pragma once

#include <glib.h>
#include "clock.h"
#include "intern.h"
#include "packet.h"

#define SES_OBS_BROKER G_MAXUINT32 /* `client` of a broker-wide record */

typedef enum {
  SES_OBS_SEND = 1,          /* actor sent pkt (client = the client end) */
  SES_OBS_RECEIVE,           /* actor received pkt */
  SES_OBS_LOST,              /* pkt was sent into a dead connection */
  SES_OBS_DELIVER,           /* a client's application got pkt's message */
  SES_OBS_ACKED,             /* a publisher's message completed (PUBACK or
                                PUBCOMP): it no longer holds it */
  SES_OBS_ACCEPTED,          /* the broker took ownership of a message */
  SES_OBS_ROUTED,            /* a copy was added to a session's state
                                (pkt: the copy, at its delivered QoS) */
  SES_OBS_SESSION_CREATED,   /* broker: a new session (reason: cause) */
  SES_OBS_SESSION_RESUMED,   /* broker: an existing session continues */
  SES_OBS_SESSION_ENDED,     /* broker: session discarded (reason: cause) */
  SES_OBS_SESSION_KEPT,      /* broker: connection gone, session kept
                                (arg: expiry interval in seconds) */
  SES_OBS_CLIENT_DISCARDED,  /* client dropped its own session state */
  SES_OBS_CONNECTED,         /* client: CONNACK accepted (pkt = CONNACK) */
  SES_OBS_CONNECTION_LOST,   /* an end learned its connection is gone */
  SES_OBS_WILL_PUBLISHED,
  SES_OBS_WILL_SCHEDULED,    /* arg: delay in seconds */
  SES_OBS_WILL_CANCELLED,
  SES_OBS_WILL_DISCARDED,    /* DISCONNECT 0x00 or session gone */
  SES_OBS_POLICY_DROP,       /* a broker setting dropped a message copy */
  SES_OBS_EXPIRED,           /* a queued copy's message expiry ran out */
  SES_OBS_QUEUED,            /* a copy waits in the session (offline or
                                quota) */
  SES_OBS_SUBSCRIBED,        /* broker stored a subscription (pkt.qos =
                                granted) */
  SES_OBS_UNSUBSCRIBED,
  SES_OBS_KEEP_ALIVE_TIMEOUT,
  SES_OBS_TAKEOVER,          /* broker closed an older connection */
  SES_OBS_PROTOCOL_ERROR,    /* a receiver closed the connection */
  SES_OBS_FAULT,             /* reason: SesObsFault */
  SES_OBS_EXPIRY_CHANGED,    /* DISCONNECT changed the session expiry */
  SES_OBS_NOTE,              /* free-form model decision, see `rule` */
  SES_OBS_CUT_LOST,          /* pkt was in flight when a cut or half-open
                                destroyed it (by_broker: sent by the broker) */
} SesObsKind;

/* Why a session was created, ended or a connection lost. */
typedef enum {
  SES_CAUSE_NONE = 0,
  SES_CAUSE_CLEAN_START,      /* CONNECT with the clean flag */
  SES_CAUSE_NEW,              /* clean 0, nothing to resume */
  SES_CAUSE_EXPIRED,          /* session expiry interval elapsed */
  SES_CAUSE_CONNECTION_END,   /* expiry 0 (or 3.1.1 clean 1): ends with it */
  SES_CAUSE_TAKEOVER,         /* a newer connection with the same ClientId */
  SES_CAUSE_RESTART,          /* broker restart without persistence */
  SES_CAUSE_DISCONNECT,       /* DISCONNECT (clean) */
  SES_CAUSE_CUT,              /* network failure */
  SES_CAUSE_PEER_CLOSED,      /* the other end closed */
  SES_CAUSE_KEEP_ALIVE,       /* keep alive ran out */
  SES_CAUSE_PROTOCOL_ERROR,
  SES_CAUSE_CRASH,            /* client process crash */
  SES_CAUSE_SESSION_PRESENT_0,/* 5.0 client told its session is gone */
  SES_CAUSE_QUEUE_FULL,       /* queue limit reached */
  SES_CAUSE_QOS0_OFFLINE,     /* QoS 0 not queued for an offline session */
  SES_CAUSE_NO_SESSION,       /* will or message for a session that ended */
  SES_CAUSE_SESSION_PRESENT_UNEXPECTED, /* 5.0 [MQTT-3.2.2-4] */
  SES_CAUSE_WILL_DELAY,       /* will delay elapsed */
  SES_CAUSE_SESSION_END,      /* session ended first */
  SES_CAUSE_RECONNECT,        /* the client came back in time */
} SesCause;

typedef enum {
  SES_FAULT_KIND_CUT = 1,
  SES_FAULT_KIND_HALF_OPEN_BROKER, /* the broker does not notice */
  SES_FAULT_KIND_HALF_OPEN_CLIENT, /* the client does not notice */
  SES_FAULT_KIND_CRASH,
  SES_FAULT_KIND_RESTART,
  SES_FAULT_KIND_RESET,   /* the connection reset (RST): lost like a cut */
} SesObsFault;

typedef struct {
  SesTime time_us;
  guint16 kind;      /* SesObsKind */
  guint16 cause;     /* SesCause or SesObsFault */
  guint32 client;    /* virtual client index, or SES_OBS_BROKER */
  guint32 session;   /* session (ClientId) index, or G_MAXUINT32 */
  gboolean by_broker;/* SEND/RECEIVE/LOST: TRUE when the broker is the actor */
  guint32 arg;       /* kind-specific number */
  guint8 version;    /* protocol of the client concerned (SesMqttVersion:
                        4 = 3.1.1, 5 = 5.0), 0 when none is (a broker-wide
                        record): renderings say only what that version
                        has */
  SesPacket pkt;     /* the packet or message concerned, if any */
  const char *rule;  /* (nullable) rule followed, "5.0 [MQTT-3.1.2-4]" */
} SesObs;

const char *ses_obs_kind_name (SesObsKind kind);
const char *ses_cause_name (SesCause cause);
/* obs's cause as its protocol version names it: a 3.1.1 session ends or
 * starts afresh on Clean Session, not Clean Start. */
const char *ses_obs_cause_name (const SesObs *obs);
/* pkt as protocol version (SesMqttVersion, or 0: as recorded) carries it:
 * 3.1.1 has a CONNACK return code, no reason codes on acknowledgements,
 * a DISCONNECT without a reason and no properties (expiry, Receive
 * Maximum). (transfer full) */
char *ses_obs_describe_packet (const SesPacket *pkt, guint version,
                               const SesIntern *strings);
/* One line, stable across runs; names clients by their labels.
 * client_names: (element-type utf8) label per virtual client. */
char *ses_obs_describe (const SesObs *obs, const SesIntern *strings,
                        const GPtrArray *client_names);
/* One plain-language sentence saying what happened and why, for teaching;
 * NULL for records that only repeat a packet already explained (receive).
 * (transfer full) */
char *ses_obs_explain (const SesObs *obs, const SesIntern *strings,
                       const GPtrArray *client_names);
/* The same facts as one JSON object on one line (no newline). */
char *ses_obs_to_json (const SesObs *obs, const SesIntern *strings,
                       const GPtrArray *client_names);
/* Appends s as a JSON string literal, quotes included. */
void ses_json_append_string (GString *out, const char *s);
