/* The broker: sessions by ClientId, the connection it holds for each
 * client slot, the retained messages, and the subscription index. Driven by
 * packets arriving, connections closing and its own timers (keep alive,
 * session expiry, will delay). */
#pragma once

#include <glib.h>
#include "packet.h"
#include "session.h"
#include "mqtt.h"
#include "world.h"

/* The broker's view of the connection on one client slot. */
typedef struct {
  guint32 gen;          /* generation it believes in; 0 = none yet */
  guint8 up;            /* believes the connection is open */
  guint8 connected;     /* CONNECT accepted on it */
  guint8 version;
  guint8 expiry_was_zero; /* 5.0: CONNECT carried expiry 0 (or none) */
  guint32 session;      /* attached session, SES_NONE */
  guint16 keep_alive_s; /* in force, after Server Keep Alive */
  guint16 quota;        /* send quota toward the client [MQTT-4.9.0-1] */
  guint16 quota_max;    /* the client's Receive Maximum */
  guint8 ka_armed;      /* a keep-alive check is pending */
  guint8 pad;
  SesTime last_rx_us;
  guint32 will;         /* 3.1.1: will stored with the connection */
} SesBrokerConn;

/* The connection's last_rx_us as far as anything can still read it: only
 * a keep-alive check does, so with keep alive off on this connection it
 * is dead until a CONNECT sets both afresh (handle_connect writes it
 * before Keep Alive), and SES_TIME_NONE stands for it. What the checker's
 * encodings hold, so that connections alike but for when they last heard
 * from their clients are one state. */
static inline SesTime
ses_broker_conn_last_rx (const SesBrokerConn *c)
{
  return c->keep_alive_s != 0 || c->ka_armed ? c->last_rx_us : SES_TIME_NONE;
}

/* One session a message goes to, and the QoS its subscription granted. */
typedef struct {
  guint32 session;
  guint32 qos;
} SesRouteTarget;

typedef struct {
  guint32 n_sessions;
  guint32 n_slots;
  SesSession *sessions;  /* by session index (storage not owned) */
  SesBrokerConn *conns;  /* by client slot (storage not owned) */
  GArray *retained;      /* (element-type SesMessage) sorted by topic;
                            the view of retained_vec */
  SesVec retained_vec;
  /* (element-type SesVec) filter id -> (element-type SesRouteTarget)
   * subscribers with their granted QoS, by ascending session; empty, or
   * past the end, for filters nobody holds. Derived from the sessions'
   * subscriptions; NULL itself in a copy until a message is routed, and
   * always in a world of few sessions, which scans them instead (see
   * SCAN_SESSIONS in broker.c). */
  GArray *subscribers;
  /* Bumped by every change to the index above (never 0). */
  guint32 subs_gen;
  /* Among many clients only (ses_world_look_ahead): (element-type
   * SesRoute, private) topic id -> the subscribers of every filter that
   * matches it, as route() collects them, valid while built at subs_gen.
   * NULL in a copy, and until a message is routed. */
  GArray *routes;
  /* Set only inside ses_broker_restart(), never between events. */
  gboolean down;
} SesBroker;

/* The sessions and connections live in storage the owner provides (the
 * model puts them in one block with itself): this many bytes, 16-byte
 * aligned, outliving the broker. */
gsize ses_broker_storage_size (guint32 n_sessions, guint32 n_slots);
void ses_broker_init (SesBroker *broker, guint32 n_sessions, guint32 n_slots,
                      gpointer storage);
/* Frees what the broker owns; the storage stays the owner's. */
void ses_broker_clear (SesBroker *broker);
/* Bytes of lent storage (see SesVec) a copy of the broker needs. */
gsize ses_broker_lent_size (const SesBroker *broker, guint spare);
/* Copies src into dest, with dest's sessions and connections in storage
 * and its arrays' elements in lent, each with room for `spare` more (see
 * ses_vec_lend); returns the first byte of lent after them. */
guint8 *ses_broker_copy_into (SesBroker *dest, const SesBroker *src,
                              gpointer storage, guint8 *lent, guint spare);
void ses_broker_encode_to (const SesBroker *broker, SesTime now,
                           SesEncoder *out);

void ses_broker_on_packet (SesMqtt *m, SesWorld *w, guint32 slot, guint32 gen,
                           const SesPacket *pkt);
void ses_broker_on_closed (SesMqtt *m, SesWorld *w, guint32 slot, guint32 gen,
                           SesCloseCause cause);
void ses_broker_on_timer (SesMqtt *m, SesWorld *w, const SesEvent *ev);
gboolean ses_broker_timer_live (const SesMqtt *m, const SesEvent *ev);
/* Restart: connections drop; sessions survive only with persistence. */
void ses_broker_restart (SesMqtt *m, SesWorld *w);
