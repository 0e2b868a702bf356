/* Session state held by the broker for one ClientId, and the message and
 * in-flight records shared with the client side.
 *
 * 3.1.1 §3.1.2.4 and 5.0 §4.1 list what a server session holds: that it
 * exists; the subscriptions; QoS 1/2 messages sent and not completely
 * acknowledged; QoS 1/2 (and optionally QoS 0) messages waiting to be sent;
 * QoS 2 messages received and not completely acknowledged; in 5.0 also the
 * will, its delay and, when disconnected, when the session ends. Each of
 * those has a field here and nothing else does. */
#pragma once

#include <glib.h>
#include "clock.h"

/* One application message, or one subscriber's copy of it. */
typedef struct {
  guint32 origin;  /* publishing client index (ghost) */
  guint32 seq;     /* its per-publisher number; 0 for a will (ghost) */
  guint32 topic;   /* interned */
  guint32 payload; /* interned */
  guint8 qos;
  guint8 retain;
  guint8 will;     /* a will publication */
  guint8 pad;
  SesTime expiry_at_us; /* SES_TIME_NONE: never expires */
} SesMessage;

typedef enum {
  SES_FLIGHT_UNSENT = 0,      /* waiting for a connection or send quota */
  SES_FLIGHT_AWAIT_PUBACK,    /* QoS 1 PUBLISH sent */
  SES_FLIGHT_AWAIT_PUBREC,    /* QoS 2 PUBLISH sent */
  SES_FLIGHT_AWAIT_PUBCOMP,   /* QoS 2 PUBREL sent */
} SesFlightState;

/* An outgoing QoS 1/2 message that is not yet completely acknowledged. */
typedef struct {
  SesMessage msg;
  guint16 packet_id; /* 0 while unsent and never numbered */
  guint8 state;      /* SesFlightState */
  guint8 transmitted;/* sent at least once: the next PUBLISH carries DUP */
  guint8 on_wire;    /* sent on the current connection */
  guint8 counted;    /* its PUBLISH went out on the current connection and
                        holds a unit of send quota until acknowledged */
  guint8 pad[2];
} SesFlight;

/* A QoS 2 message received, PUBREC sent, PUBREL not yet seen. The message is
 * kept only when the broker forwards on PUBREL (Method A). */
typedef struct {
  guint16 packet_id;
  guint8 has_msg;
  guint8 pad[5];
  SesMessage msg;
} SesIncoming;

typedef struct {
  guint32 filter; /* interned */
  guint8 qos;     /* granted */
  guint8 pad[3];
} SesSubscription;

#define SES_NONE G_MAXUINT32

typedef struct {
  gboolean exists;
  guint8 version;      /* protocol of the connection that made it current */
  guint32 expiry_s;    /* Session Expiry Interval in force (SES_EXPIRY_NEVER) */
  guint32 will;        /* 5.0: will spec + 1 held with the session, 0 none */
  GArray *subs;        /* (element-type SesSubscription) sorted by filter */
  GArray *outflight;   /* (element-type SesFlight) broker -> client, in send
                          order */
  GArray *queue;       /* (element-type SesMessage) waiting to be sent */
  GArray *incoming;    /* (element-type SesIncoming) client -> broker QoS 2 */
  guint16 next_id;     /* last packet id handed out */
  guint32 client;      /* virtual client whose connection is attached, or
                          SES_NONE while disconnected */
  guint32 gen;         /* that connection's generation */
  SesTime expiry_at_us;/* when a disconnected session ends, or NONE */
  SesTime will_at_us;  /* when a delayed will goes out, or NONE */
  guint32 timer_gen;   /* bumped to cancel the two timers above */
  guint8 lost_in_restart; /* ended by a restart (only the variant
                             sp-after-restart looks at it) */
} SesSession;

void ses_session_init (SesSession *session);
void ses_session_clear (SesSession *session);
/* Forgets everything the session holds; exists becomes FALSE. */
void ses_session_reset (SesSession *session);
void ses_session_copy_into (SesSession *dest, const SesSession *src);
void ses_session_encode (const SesSession *session, SesTime now,
                         GByteArray *out);

/* Index of the subscription to filter, or -1. */
gint ses_session_find_sub (const SesSession *session, guint32 filter);
/* Index of the outgoing flight with this packet id, or -1. */
gint ses_flights_find (const GArray *flights, guint16 packet_id);
/* Next packet id after *next that no flight in `flights` and no id in
 * `also_busy` (element-type guint16, may be NULL) uses; 0 if all 65535 are
 * busy. Ids are never reused while in flight. */
guint16 ses_packet_id_next (guint16 *next, const GArray *flights,
                            const GArray *also_busy);

void ses_encode_u64 (GByteArray *out, guint64 v);
void ses_encode_u32 (GByteArray *out, guint32 v);
void ses_encode_time (GByteArray *out, SesTime t, SesTime now);
void ses_encode_message (GByteArray *out, const SesMessage *msg, SesTime now);
