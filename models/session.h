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
#include <string.h>
#include "clock.h"
#include "encode.h"

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
  guint16 packet_id; /* in a session's queue: the id it took when queued
                        (broker packet-ids=at-queue); 0 otherwise */
  guint16 pad2;
  SesTime expiry_at_us; /* SES_TIME_NONE: never expires */
} SesMessage;
G_STATIC_ASSERT (sizeof (SesMessage) == 32);

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

/* ---- state arrays -------------------------------------------------------
 * The model's arrays are SesVecs, kept inside the struct that owns them.
 * Each is read through its view, `&vec.view`: .len and g_array_index work
 * as on any GArray. It is not a GLib array, though: never pass it to a
 * g_array_ function; change it only through ses_vec_*. (There is no
 * `GArray *` field pointing at the view: at a million idle sessions its 8
 * bytes an array were 100 bytes a session.)
 *
 * Why not GArray: a copy of a model (the checker makes one per transition)
 * puts every array's elements in the model's own block ("lent" storage),
 * so the whole copy is one allocation and one free; an array moves to a
 * heap allocation of its own only when it outgrows what it was lent. */
typedef union {
  GArray view;         /* data and len, as readers see them */
  struct {             /* the same bytes, as the ses_vec_* writers see them:
                          the capacity lives in the 4 bytes GArray leaves as
                          padding after len, so a vec is 16 bytes */
    gchar *data;
    guint len;
    guint16 elt_size;
    guint8 cap_log2;   /* data is our heap allocation, with room for
                          1 << (cap_log2 - 1) elements; 0: it is lent (or
                          NULL) and has room for len, or for lent_room
                          if more */
    guint8 lent_room;
  } v;
} SesVec;
G_STATIC_ASSERT (sizeof (SesVec) == 16);
G_STATIC_ASSERT (G_STRUCT_OFFSET (GArray, len) == 8);

/* Elements the vec has room for without moving. */
static inline guint
ses_vec_cap (const SesVec *vec)
{
  return vec->v.cap_log2 != 0 ? 1u << (vec->v.cap_log2 - 1)
                              : MAX (vec->v.len, vec->v.lent_room);
}

void ses_vec_init (SesVec *vec, guint elt_size);

/* Frees owned storage; the vec is empty and lends nothing afterwards. */
static inline void
ses_vec_clear (SesVec *vec)
{
  if (vec->v.cap_log2 != 0)
    g_free (vec->v.data);
  vec->v.data = NULL;
  vec->v.len = 0;
  vec->v.cap_log2 = 0;
  vec->v.lent_room = 0;
}
/* Room for `extra` more elements (the slow path of the writers below). */
void ses_vec_grow (SesVec *vec, guint extra);

static inline gpointer
ses_vec_at (SesVec *vec, guint index)
{
  return vec->v.data + (gsize) index * vec->v.elt_size;
}

/* Appends a copy of *elt; returns where it now lies. */
static inline gpointer
ses_vec_append (SesVec *vec, gconstpointer elt)
{
  if (G_UNLIKELY (vec->v.len == ses_vec_cap (vec)))
    ses_vec_grow (vec, 1);
  gpointer at = ses_vec_at (vec, vec->v.len++);
  memcpy (at, elt, vec->v.elt_size);
  return at;
}

/* Inserts a copy of *elt before index (index == len appends). */
void ses_vec_insert (SesVec *vec, guint index, gconstpointer elt);
/* Removes one element, keeping the order of the others. */
void ses_vec_remove (SesVec *vec, guint index);

static inline void
ses_vec_truncate (SesVec *vec)
{
  vec->v.len = 0;
}

/* Gives back owned storage once the vec is empty. For the arrays most
 * clients leave empty for good (SUBSCRIBEs awaiting their SUBACK, the
 * other per-connection arrays): an idle client keeps no room for them. */
static inline void
ses_vec_release_if_empty (SesVec *vec)
{
  if (vec->v.len == 0)
    ses_vec_clear (vec);
}

/* Bytes a copy lends this vec: its elements and room for `spare` more
 * (0 for a compact copy), rounded up to 8. */
static inline gsize
ses_vec_lent_size (const SesVec *vec, guint spare)
{
  guint n = vec->v.len == 0 && spare == 0 ? 0 : vec->v.len + spare;
  return ((gsize) n * vec->v.elt_size + 7) & ~(gsize) 7;
}

/* Makes dest, a byte copy of a vec, a vec of its own: its elements are
 * copied to `lent` (ses_vec_lent_size() bytes for the same spare,
 * 8-aligned, owned by whoever owns dest), which leaves room for `spare`
 * more (the explorer's scratch copy: a step tried on it then grows no
 * array by malloc). Returns the first byte after them. */
guint8 *ses_vec_lend (SesVec *dest, guint8 *lent, guint spare);

typedef struct {
  gboolean exists;
  guint8 version;      /* protocol of the connection that made it current */
  guint32 expiry_s;    /* Session Expiry Interval in force (SES_EXPIRY_NEVER) */
  guint32 will;        /* 5.0: will spec + 1 held with the session, 0 none */
  /* Arrays (see SesVec: read through .view, write with ses_vec_*). */
  SesVec subs;         /* (element-type SesSubscription) sorted by filter */
  SesVec outflight;    /* (element-type SesFlight) broker -> client, in send
                          order */
  SesVec queue;        /* (element-type SesMessage) waiting to be sent */
  SesVec incoming;     /* (element-type SesIncoming) client -> broker QoS 2 */
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
/* Bytes of lent storage a copy of the session needs. */
gsize ses_session_lent_size (const SesSession *session, guint spare);
/* Copies src into dest, its arrays' elements into lent (see ses_vec_lend);
 * returns the first byte of lent after them. */
guint8 *ses_session_copy_into (SesSession *dest, const SesSession *src,
                               guint8 *lent, guint spare);
void ses_session_encode_to (const SesSession *session, SesTime now,
                            SesEncoder *out);

/* Index of the subscription to filter, or -1. */
gint ses_session_find_sub (const SesSession *session, guint32 filter);
/* Index of the outgoing flight with this packet id, or -1. */
gint ses_flights_find (const GArray *flights, guint16 packet_id);
/* Next packet id after *next that no flight in `flights` and no id in
 * `also_busy` (element-type guint16, may be NULL) uses; 0 if all 65535 are
 * busy. Ids are never reused while in flight. */
guint16 ses_packet_id_next (guint16 *next, const GArray *flights,
                            const GArray *also_busy);

#define SES_MESSAGE_ENCODED_SIZE (4 * 4 + 3 + 8)

static inline guint8 *
ses_put_message (guint8 *p, const SesMessage *m, SesTime now)
{
  p = ses_put_u32 (p, m->origin);
  p = ses_put_u32 (p, m->seq);
  p = ses_put_u32 (p, m->topic);
  p = ses_put_u32 (p, m->payload);
  p = ses_put_u8 (p, m->qos);
  p = ses_put_u8 (p, m->retain);
  p = ses_put_u8 (p, m->will);
  return ses_put_time (p, m->expiry_at_us, now);
}

static inline void
ses_encoder_message (SesEncoder *out, const SesMessage *m, SesTime now)
{
  ses_put_message (ses_encoder_reserve (out, SES_MESSAGE_ENCODED_SIZE), m,
                   now);
}

/* An outgoing flight: its message, then id, state and the three flags. */
static inline void
ses_encoder_flight (SesEncoder *out, const SesFlight *f, SesTime now)
{
  guint8 *p = ses_encoder_reserve (out, SES_MESSAGE_ENCODED_SIZE + 6);
  p = ses_put_message (p, &f->msg, now);
  p = ses_put_u16 (p, f->packet_id);
  p = ses_put_u8 (p, f->state);
  p = ses_put_u8 (p, f->transmitted);
  p = ses_put_u8 (p, f->on_wire);
  ses_put_u8 (p, f->counted);
}
