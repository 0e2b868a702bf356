/* A virtual client: the application's requests (connect, publish,
 * subscribe, disconnect), its side of the session (unacknowledged outgoing
 * QoS 1/2 messages, received QoS 2 ids awaiting PUBREL), keep alive, and
 * automatic reconnection. */
#pragma once

#include <glib.h>
#include "packet.h"
#include "session.h"
#include "mqtt.h"
#include "world.h"

typedef struct {
  guint8 state;          /* SesClientState */
  guint8 clean;          /* flag sent in the current CONNECT */
  guint8 has_expiry;     /* 5.0: expiry sent */
  guint8 has_session;    /* it holds session state worth resuming */
  guint8 lost_state;     /* crashed without a store since it last connected */
  guint8 force_clean;    /* next CONNECT must start clean */
  guint8 hold_acks;      /* acknowledgements withheld: bit 0 the
                            application's PUBACK/PUBREC/PUBCOMP (hold-acks),
                            SES_CLIENT_HOLD (type) one kind each */
  guint8 ping_out;       /* PINGREQ sent, PINGRESP not yet seen */
  guint8 ka_armed;
  guint8 user_disconnect;/* the application closed: no auto reconnect */
  guint16 keep_alive_s;  /* in force */
  guint16 quota;         /* send quota toward the broker */
  guint16 quota_max;     /* the broker's Receive Maximum */
  guint16 next_id;
  guint32 gen;           /* current connection generation */
  guint32 expiry_s;      /* 5.0 Session Expiry Interval last sent */
  guint32 will;          /* will sent in the current CONNECT */
  guint32 next_seq;      /* ghost: numbers this client's messages */
  guint32 timer_gen;     /* cancels a pending reconnect */
  SesTime last_tx_us;
  /* Arrays (see SesVec: read through .view, write with ses_vec_*). */
  SesVec outgoing;       /* (element-type SesFlight) own QoS 1/2, in order */
  SesVec incoming;       /* (element-type guint16) QoS 2 ids awaiting PUBREL */
  SesVec pending;        /* (element-type guint16) SUBSCRIBE/UNSUBSCRIBE ids */
  SesVec held;           /* (element-type SesPacket) withheld acks; payload
                            names the message (cleared when sent) */
  /* What it believes about its session and what its application wants. */
  SesVec believed;       /* (element-type SesSubscription) granted in a
                            SUBACK of the session it thinks it is in */
  SesVec asked;          /* (element-type SesPacket) SUBSCRIBE/UNSUBSCRIBE
                            sent on this connection, not yet answered */
  SesVec wanted;         /* (element-type SesSubscription) the application's
                            own subscriptions, whatever the session holds */
  /* Conformance stimuli (docs/scenario-language.md). */
  guint8 ack_reason[4];  /* reason code per ack kind, PUBACK…PUBCOMP (5.0) */
  guint8 paused;         /* stopped reading its connection */
  guint8 keep_alive_ever;/* keep alive can be in force on some connection
                            (its own setting, or a Server Keep Alive the
                            broker is set to send): else last_tx_us is
                            never read, and never encoded */
  guint8 pad[2];
  SesVec unread;         /* (element-type SesPacket) arrived while paused */
  SesVec raw;            /* (element-type SesPacket) raw PUBLISHes whose
                            exchange is open, by id: the client answers
                            none of their acknowledgements itself */
} SesClient;

/* How the client's notes about lingering after its DISCONNECT (`disconnect
 * linger=`) begin; client.c adds the rule each cites, per version. The
 * first note's arg is the bound in ms. explain.c tells them apart by
 * these texts. */
#define SES_CLIENT_LINGER_TEXT                                              \
  "linger: sends nothing more, reads until the broker closes, at most arg " \
  "ms"
#define SES_CLIENT_LINGER_OVER_TEXT                                         \
  "linger bound passed without the broker closing: closes its end"
#define SES_CLIENT_LINGER_CUT_TEXT                                          \
  "connect while lingering: closes the old connection first"

/* The hold_acks bit that holds back one kind of acknowledgement. */
#define SES_CLIENT_HOLD(type) ((guint8) (2u << ((type) - SES_PKT_PUBACK)))

void ses_client_init (SesClient *client);
void ses_client_clear (SesClient *client);
/* Bytes of lent storage (see SesVec) a copy of the client needs. */
gsize ses_client_lent_size (const SesClient *client, guint spare);
/* Copies src into dest, its arrays' elements into lent, each with room
 * for `spare` more (see ses_vec_lend); returns the first byte of lent
 * after them. */
guint8 *ses_client_copy_into (SesClient *dest, const SesClient *src,
                              guint8 *lent, guint spare);
void ses_client_encode_to (const SesClient *client, SesTime now,
                           SesEncoder *out);

void ses_client_on_packet (SesMqtt *m, SesWorld *w, guint32 client,
                           guint32 gen, const SesPacket *pkt);
void ses_client_on_closed (SesMqtt *m, SesWorld *w, guint32 client,
                           guint32 gen, SesCloseCause cause);
void ses_client_on_timer (SesMqtt *m, SesWorld *w, const SesEvent *ev);
gboolean ses_client_timer_live (const SesMqtt *m, const SesEvent *ev);
/* Carries out one scripted action addressed to this client. */
void ses_client_act (SesMqtt *m, SesWorld *w, guint32 client,
                     const SesAction *action);
void ses_client_crash (SesMqtt *m, SesWorld *w, guint32 client);
