/* The wire judge. It reads only what crosses the wire (packets as they
 * leave and reach each end, or are lost; the closes each end sees), the
 * faults injected, what clients' applications get, and the configuration,
 * and from these keeps its own reference of what the broker must hold:
 * whether each session exists and until when, its subscriptions, the copies
 * it owes, the QoS 2 messages it holds, the ids in use, the will and when
 * it is due, the retained messages. It never reads the broker model's state
 * or its account of itself (session-created, routed, will-published, ...),
 * so a broker that is wrong and agrees with itself is still caught, and a
 * recorded trace is judged the same way. Reports come in observation
 * order, or in session order at the end, never in hash table order. */
#include "invariant.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "block.h"
#include "topic.h"

static const struct {
  const char *name;
  const char *summary;
} invariants[SES_INV_COUNT] = {
  [SES_INV_NO_LOSS] = { "no-loss",
    "A QoS 1 or 2 message the broker accepted reaches every session that "
    "had a matching subscription, while that session lives, unless a "
    "broker setting dropped it or it expired." },
  [SES_INV_QOS2_ONCE] = { "qos2-once",
    "A QoS 2 message reaches each subscribing application at most once." },
  [SES_INV_QOS1_AT_LEAST_ONCE] = { "qos1-at-least-once",
    "A QoS 1 message the broker accepted reaches every live matching "
    "session at least once." },
  [SES_INV_ORDER] = { "order",
    "Messages of one publisher on one topic at one QoS first reach a "
    "subscriber in the order they were published." },
  [SES_INV_SESSION_PRESENT] = { "session-present",
    "CONNACK says Session Present 1 exactly when a session for the "
    "ClientId existed and the CONNECT did not ask for a clean start." },
  [SES_INV_PACKET_ID] = { "packet-id",
    "No packet identifier is in use twice at once in one direction." },
  [SES_INV_DUP] = { "dup",
    "DUP is 0 on the first transmission of a PUBLISH and 1 on every resend; "
    "always 0 for QoS 0." },
  [SES_INV_SESSION_EXPIRY] = { "session-expiry",
    "A disconnected session ends when its expiry interval elapses, and is "
    "never resumed after." },
  [SES_INV_WILL] = { "will",
    "A will is published when it is due (the earlier of its delay and the "
    "session's end), never before, never after a normal DISCONNECT or a "
    "reconnect that cancelled it, and at most once." },
  [SES_INV_RECEIVE_MAXIMUM] = { "receive-maximum",
    "Neither side has more unacknowledged QoS 1/2 PUBLISHes outstanding "
    "than the other side's Receive Maximum." },
  [SES_INV_MESSAGE_EXPIRY] = { "message-expiry",
    "A copy whose Message Expiry has passed before its delivery started is "
    "never sent." },
  [SES_INV_TAKEOVER] = { "takeover",
    "An MQTT 5 connection taken over by a newer one with the same ClientId "
    "is told so with DISCONNECT 0x8E before it is closed." },
  [SES_INV_SUBSCRIPTION] = { "subscription",
    "The broker sends a session only messages it owes it: matching one of "
    "its subscriptions (or a due will, or a retained message on "
    "SUBSCRIBE), at no more than the granted QoS." },
  [SES_INV_KEEP_ALIVE] = { "keep-alive",
    "The broker closes a connection it has heard nothing on for 1.5 times "
    "the Keep Alive, and not for keep alive before then." },
  [SES_INV_COHERENCE] = { "coherence",
    "When a client resumes a session, what it believes the session holds "
    "(its subscriptions) is what the broker's session holds, and a client "
    "with no state does not resume one." },
  [SES_INV_COMPLETION] = { "completion",
    "Once a connected session has nothing on the wire, every QoS 1 and 2 "
    "exchange it started, in either direction, is complete." },
};

const char *
ses_invariant_name (SesInvariantId id)
{
  g_return_val_if_fail (id < SES_INV_COUNT, "?");
  return invariants[id].name;
}

const char *
ses_invariant_summary (SesInvariantId id)
{
  g_return_val_if_fail (id < SES_INV_COUNT, "?");
  return invariants[id].summary;
}

gboolean
ses_invariant_lookup (const char *name, SesInvariantId *out)
{
  for (guint i = 0; i < SES_INV_COUNT; i++)
    if (g_strcmp0 (invariants[i].name, name) == 0)
      {
        *out = (SesInvariantId) i;
        return TRUE;
      }
  return FALSE;
}

gboolean
ses_invariants_reads (SesObsKind kind)
{
  switch (kind)
    {
    case SES_OBS_SEND:              /* a packet leaves an end */
    case SES_OBS_RECEIVE:           /* a packet reaches an end */
    case SES_OBS_LOST:              /* a packet sent into a dead connection */
    case SES_OBS_CONNECTION_LOST:   /* an end saw its connection close */
    case SES_OBS_FAULT:             /* a fault the scenario or driver made */
    case SES_OBS_DELIVER:           /* a client's application got a message */
    case SES_OBS_CLIENT_DISCARDED:  /* a client's library dropped its state */
      return TRUE;
    default:
      return FALSE;
    }
}

/* ---- state ----------------------------------------------------------- */

/* A flat array. The explorer copies a checker for every transition and
 * frees most copies at once, so a copy puts the contents of all its arrays
 * in the one allocation that holds the checker (cap 0: no room to grow
 * there); an array that grows later moves to an allocation of its own. The
 * keyed ones are kept sorted by key, which makes them canonical: the digest
 * hashes them in order, without sorting or a hash table. Sets are small (a
 * few messages in flight), so binary search and memmove beat hashing. */
typedef struct {
  gpointer data;
  guint32 len;
  guint32 cap;         /* elements data has room for; 0: data is in the
                          checker's block, or NULL (not owned), with room
                          for len; VEC_LENT | n: in the block, room for n */
} Vec;

#define VEC_LENT 0x80000000u

/* Elements v has room for where its data lies. */
static inline guint32
vec_room (const Vec *v)
{
  return v->cap == 0 ? v->len : v->cap & ~VEC_LENT;
}

/* Whether v's data is its own allocation. */
static inline gboolean
vec_owned (const Vec *v)
{
  return v->cap != 0 && (v->cap & VEC_LENT) == 0;
}

/* An entry of a map sorted by key. */
typedef struct {
  guint64 key;
  guint32 value;
  guint32 extra;
} Entry;

/* A message as the judge routes it. */
typedef struct {
  guint32 origin;
  guint32 seq;
  guint32 topic;
  guint32 payload;
  guint32 expiry_s;
  guint8 qos;
  guint8 has_expiry;
  guint8 retain;
  guint8 will;
} Msg;

/* The copies of one message (origin, seq) a session is owed in one session
 * lifetime. The same (origin, seq) can be owed more than once (a QoS 1
 * message the publisher resent is a new publication; a retained message
 * sent again on a new SUBSCRIBE), hence the counts. */
typedef struct {
  guint32 origin;
  guint32 seq;
  guint32 topic;
  guint32 payload;
  guint8 qos;           /* of the latest routing */
  guint8 has_expiry;
  guint8 will;
  guint8 pad;
  guint32 expiry_s;     /* Message Expiry left at the latest routing */
  guint32 pending;      /* QoS 1/2 copies not delivered, dropped or expired */
  guint32 unsent;       /* copies not yet sent once */
  guint32 routed_q2;    /* QoS 2 copies routed (kept for wills only) */
  guint32 rank;         /* its place in the session's routing order, at the
                           earliest routing still owed */
  SesTime routed_us;
  guint64 routed_index;
} Copy;

/* A packet id in use by a sender. */
typedef struct {
  guint64 id;           /* the sort key */
  guint32 origin;
  guint32 seq;
  guint32 payload;
  guint8 qos;
} InUse;

/* A QoS 2 message the broker received and has not released: 3.1.1
 * [MQTT-4.3.3-2], 5.0 [MQTT-4.3.3-9]. Keyed by packet id. */
typedef struct {
  guint64 id;
  Msg msg;
  guint8 routed;        /* Method B routes on PUBLISH, Method A on PUBREL */
  guint8 pad[7];
} Held;

/* A retained message, keyed by topic. */
typedef struct {
  guint64 topic;
  Msg msg;
  SesTime set_us;
} Retained;

/* What the broker must hold for one ClientId, by the rules. */
typedef struct {
  Vec copies;          /* (element-type Copy) the unsettled ones, in routing
                          order */
  Vec ids;             /* (element-type InUse) broker -> client ids in use,
                          by id */
  Vec held;            /* (element-type Held) client -> broker QoS 2 */
  SesTime kept_us;     /* connection ended, session kept; NONE while not */
  SesTime deadline_us; /* expiry deadline while kept; NONE: never */
  SesTime will_due_us; /* a will must be out by then; NONE: not due */
  SesTime created_us;  /* when this session lifetime began */
  SesTime expired_us;  /* the last lifetime ended by expiry then; NONE:
                          it did not, or a session began since */
  guint32 expiry_s;    /* the interval in force (SES_EXPIRY_NEVER) */
  guint32 conn;        /* client slot holding it; NOBODY: none */
  guint32 will;        /* spec + 1 of the will it holds; 0: none */
  guint32 will_slot;   /* whose connection set it */
  guint8 exists;
  guint8 will_v5;
  guint8 pad[2];
  guint32 routed;      /* copies routed so far: ranks them (digested only
                          relative to the ranks it gave, see rank_age) */
} Sess;

/* The bit of a `streams` key that says its value is a message number, not
 * a rank (on_deliver). */
#define STREAM_BY_SEQ (G_GUINT64_CONSTANT (1) << 2)

/* One client slot: its application, its library's beliefs, and the two
 * ends of its current connection as the wire shows them. */
typedef struct {
  /* The client's application. */
  Vec delivered;         /* (element-type Entry) origin << 32 | seq -> QoS 2
                            deliveries + 1 */
  Vec streams;           /* (element-type Entry) topic << 32 | origin << 3 |
                            by_seq << 2 | qos -> highest rank (by_seq: seq)
                            delivered a first time, extra: its seq */
  /* Its own packet ids (client -> broker). */
  Vec ids;               /* (element-type InUse) by id */
  /* What the client believes its session holds, from what it received. */
  Vec believed;          /* (element-type Entry) filter -> granted QoS */
  Vec asked;             /* (element-type Entry) SUBSCRIBE (extra 1) or
                            UNSUBSCRIBE (extra 2) id -> filter, unanswered
                            on the current connection */
  Vec doubted;           /* (element-type Entry) filters it resumed believing
                            in that its session lacks, unless it subscribes
                            again within the instant */
  /* The current connection on this slot, as each end sees it. */
  Vec out_b2c;           /* (element-type Entry) broker's QoS>0 PUBLISHes
                            outstanding: id -> qos */
  Vec out_c2b;           /* the client's */
  Vec granting;          /* (element-type Entry) SUBSCRIBE id -> filter
                            (extra: requested QoS) the broker has received
                            and not answered */
  guint32 wire[2];       /* packets other than PINGREQ/PINGRESP on the
                            wire toward the broker [0] and the client [1]:
                            never below the truth, so 0 means none */
  SesTime last_rx_us;    /* the broker last heard from this connection */
  SesTime connack_us;    /* the broker's latest CONNACK on it; NONE */
  SesTime lost_connack_us; /* a CONNACK the client never got; NONE */
  SesTime doubt_us;      /* when it resumed with doubts */
  guint64 doubt_index;
  guint32 p_expiry_s;    /* the CONNECT the broker is answering */
  guint32 p_will;
  guint16 rm_client;     /* client's Receive Maximum: bounds out_b2c */
  guint16 rm_broker;     /* broker's: bounds out_c2b */
  guint16 ka_s;          /* keep alive in force; 0: none */
  guint16 p_ka_s;
  guint8 v5;
  guint8 p_pending;      /* a CONNECT received, its CONNACK not yet sent */
  guint8 p_clean;
  guint8 p_sp;           /* Session Present it must get: 0, 1, 2 = either */
  guint8 broker_up;      /* the broker's end is open */
  guint8 connected;      /* ... and has accepted the CONNECT */
  guint8 client_up;      /* the client's end has its CONNACK */
  guint8 connack_got;    /* the client received the latest CONNACK */
  guint8 connack_sp;
  guint8 lost_connack_sp;
  guint8 old_open;       /* a new CONNECT took over an older connection on
                            this very slot (the broker never saw it end):
                            the broker's close that follows is the old one's,
                            for packets name no connection */
  guint8 p_empty_id;     /* the CONNECT had an empty ClientId */
  guint8 lost_state;     /* crashed without a store since its last
                            Session Present 0 */
  guint8 must_close;     /* ... and was told Session Present 1 */
  guint8 ka_late;        /* a late client keep alive was reported */
  guint8 client_open;    /* the client's end has sent CONNECT and not yet
                            learned that the connection is gone */
  guint8 second_connects;/* CONNECTs sent on an open connection that the
                            broker has not received yet: protocol
                            violations it must answer by closing, not new
                            connections (both [MQTT-3.1.0-2]) */
  guint8 violated;       /* the broker received such a violation on this
                            connection: its close is due, whatever the
                            keep alive */
  guint8 pad[6];
  SesTime last_tx_us;    /* the client last sent something */
} Peer;

/* A 5.0 connection the broker is taking over, until DISCONNECT 0x8E shows. */
typedef struct {
  guint32 client;
  guint64 index;
  SesTime time_us;
} Takeover;

/* Everything the judge learns from the wire: what a path through the
 * state space changes. ses_invariants_copy() copies all of it (a struct
 * copy for the scalars, the Vecs listed in the tables below, then the
 * violations), and ses_invariants_digest() hashes the part that can change
 * a later verdict. A field added here must be handled by the copy (a Vec:
 * listed in its table; any other pointer: by hand) and considered by
 * state_digest(): the size checks below fail until it is. */
typedef struct {
  Peer *peers;         /* n_clients, in the checker's block */
  Sess *sessions;      /* n_sessions, in the checker's block */
  guint64 next_index;
  SesTime now_us;
  Vec subs;            /* (element-type Entry) filter << 32 | session ->
                          granted QoS: who subscribes to what */
  Vec published_qos;   /* (element-type Entry) origin << 32 | seq -> QoS as
                          published + 1 */
  Vec takeovers;       /* (element-type Takeover) not yet told, this instant */
  Vec retained;        /* (element-type Retained) by topic */
  GArray *violations;  /* (element-type SesViolation) (owned) (nullable):
                          NULL until the first one */
  GHashTable *seen;    /* (owned) (nullable) "id message" already reported */
  gboolean finished;
} State;

/* The Vecs of each struct and the size of their elements, for copying and
 * freeing them all. */
typedef struct {
  gsize offset;
  gsize size;
} VecField;

static const VecField state_vecs[] = {
  { G_STRUCT_OFFSET (State, subs), sizeof (Entry) },
  { G_STRUCT_OFFSET (State, published_qos), sizeof (Entry) },
  { G_STRUCT_OFFSET (State, takeovers), sizeof (Takeover) },
  { G_STRUCT_OFFSET (State, retained), sizeof (Retained) },
};

static const VecField peer_vecs[] = {
  { G_STRUCT_OFFSET (Peer, delivered), sizeof (Entry) },
  { G_STRUCT_OFFSET (Peer, streams), sizeof (Entry) },
  { G_STRUCT_OFFSET (Peer, ids), sizeof (InUse) },
  { G_STRUCT_OFFSET (Peer, believed), sizeof (Entry) },
  { G_STRUCT_OFFSET (Peer, asked), sizeof (Entry) },
  { G_STRUCT_OFFSET (Peer, doubted), sizeof (Entry) },
  { G_STRUCT_OFFSET (Peer, out_b2c), sizeof (Entry) },
  { G_STRUCT_OFFSET (Peer, out_c2b), sizeof (Entry) },
  { G_STRUCT_OFFSET (Peer, granting), sizeof (Entry) },
};

static const VecField sess_vecs[] = {
  { G_STRUCT_OFFSET (Sess, copies), sizeof (Copy) },
  { G_STRUCT_OFFSET (Sess, ids), sizeof (InUse) },
  { G_STRUCT_OFFSET (Sess, held), sizeof (Held) },
};

/* What never changes during a run and is the same in every copy: shared
 * by all of them, immutable once built, freed with the last one. */
typedef struct {
  /* The box's reference count lies just before: every owning copy of the
   * judge writes it, on whichever thread. A line's worth of space keeps
   * the fields below, read on every observation, off its cache line. */
  guint8 count_line[64];
  GArray *no_violations; /* (element-type SesViolation) always empty */
  guint32 *first_client; /* n_sessions: first client of the session */
  guint32 *next_client;  /* n_clients: next client of the same session */
  guint32 *session_of;   /* n_clients: the session each client is */
  guint32 lists[];       /* the arrays above point here */
} Run;

struct _SesInvariants {
  /* Fixed for the run, the same in every copy. */
  SesWorld *world;     /* (not owned) (nullable): NULL when judging a
                          recorded stream */
  SesMqtt *mqtt;       /* (not owned) (nullable): only to install the
                          observer; never read */
  SesMqttConfig *cfg;  /* (not owned) while attached to a world; owned (a
                          reference) when judging a recorded stream */
  const Run *run;      /* (owned) a reference, g_atomic_rc_box, unless
                          run_borrowed */
  gboolean run_borrowed; /* a borrowing copy: another checker of the run
                            holds the reference */
  guint32 disabled;
  guint n_clients;
  guint n_sessions;
  gboolean method_a;   /* QoS 2 routed on PUBREL */
  /* How far a real broker's timers and the wall clock may be from the
   * reference's deadlines (conform); 0 in simulated runs, where
   * deadlines are instants. */
  SesTime tolerance_us;
  /* Told of the rule every observation cites (coverage); shared by all
   * copies, so it must be safe to call from several threads. */
  SesRuleSink rule_sink;
  gpointer rule_sink_data;
  /* What the run so far has shown. */
  State st;
  /* The same allocation goes on with st.peers, st.sessions and, in a
   * copy, the contents of every Vec. */
};

/* Tripwires for the copy and the digest: a struct that changes size
 * has a new field, which both must handle. Checked where pointers are 64
 * bits wide (the sizes differ elsewhere). */
#if GLIB_SIZEOF_VOID_P == 8
_Static_assert (sizeof (State) == 120, "State changed: update state_vecs "
                "or ses_invariants_copy, and state_digest, then this size");
_Static_assert (sizeof (Peer) == 240, "Peer changed: update peer_vecs and "
                "peer_digest, then this size");
_Static_assert (sizeof (Sess) == 112, "Sess changed: update sess_vecs and "
                "sess_digest, then this size");
_Static_assert (sizeof (Copy) == 56, "Copy changed: update copy_hash, then "
                "this size");
_Static_assert (sizeof (Msg) == 24, "Msg changed: update msg_hash, then "
                "this size");
_Static_assert (sizeof (Held) == 40, "Held changed: update sess_digest, then "
                "this size");
_Static_assert (sizeof (Retained) == 40, "Retained changed: update "
                "state_digest, then this size");
_Static_assert (sizeof (InUse) == 24, "InUse changed: update ids_digest, "
                "then this size");
_Static_assert (sizeof (Entry) == 16, "Entry changed: update "
                "entries_digest, then this size");
_Static_assert (sizeof (Takeover) == 24, "Takeover changed: update "
                "state_digest, then this size");
_Static_assert (sizeof (SesInvariants) == 80 + sizeof (State),
                "SesInvariants changed: update ses_invariants_copy, then "
                "this size");
#endif

#define NO_TIME SES_TIME_NONE
#define NOBODY G_MAXUINT32

/* ---- flat arrays ----------------------------------------------------- */

static gpointer
vec_at (const Vec *v, guint i, gsize size)
{
  return (char *) v->data + (gsize) i * size;
}

/* Makes room for one element at `at` and returns it (uninitialised). */
static gpointer
vec_insert (Vec *v, guint at, gsize size)
{
  g_assert (at <= v->len);
  if (v->len >= vec_room (v))
    {
      guint32 cap = MAX (4, v->len * 2);
      gpointer data = g_malloc (cap * size);
      if (v->len > 0)
        memcpy (data, v->data, v->len * size);
      if (vec_owned (v))
        g_free (v->data);
      v->data = data;
      v->cap = cap;
    }
  char *p = vec_at (v, at, size);
  memmove (p + size, p, (v->len - at) * size);
  v->len++;
  return p;
}

static gpointer
vec_append (Vec *v, gsize size)
{
  return vec_insert (v, v->len, size);
}

static void
vec_remove (Vec *v, guint at, gsize size)
{
  g_assert (at < v->len);
  char *p = vec_at (v, at, size);
  memmove (p, p + size, (v->len - at - 1) * size);
  v->len--;
}

/* Sorted Vecs whose elements start with a guint64 key: where `key` is, or
 * would go. */
static gboolean
vec_find (const Vec *v, gsize size, guint64 key, guint *at)
{
  guint lo = 0, hi = v->len;
  while (lo < hi)
    {
      guint mid = (lo + hi) / 2;
      if (*(const guint64 *) vec_at (v, mid, size) < key)
        lo = mid + 1;
      else
        hi = mid;
    }
  *at = lo;
  return lo < v->len && *(const guint64 *) vec_at (v, lo, size) == key;
}

/* The element with `key`, or NULL. */
static gpointer
vec_lookup (const Vec *v, gsize size, guint64 key)
{
  guint at;
  return vec_find (v, size, key, &at) ? vec_at (v, at, size) : NULL;
}

/* The element with `key`, added zeroed (but for its key) if missing. */
static gpointer
vec_upsert (Vec *v, gsize size, guint64 key, gboolean *added)
{
  guint at;
  *added = !vec_find (v, size, key, &at);
  if (!*added)
    return vec_at (v, at, size);
  gpointer p = vec_insert (v, at, size);
  memset (p, 0, size);
  *(guint64 *) p = key;
  return p;
}

static gboolean
vec_delete (Vec *v, gsize size, guint64 key)
{
  guint at;
  if (!vec_find (v, size, key, &at))
    return FALSE;
  vec_remove (v, at, size);
  return TRUE;
}

static guint
entry_get (const Vec *v, guint64 key)
{
  const Entry *e = vec_lookup (v, sizeof (Entry), key);
  return e != NULL ? e->value : 0;
}

static void
entry_set (Vec *v, guint64 key, guint value)
{
  gboolean added;
  Entry *e = vec_upsert (v, sizeof (Entry), key, &added);
  e->value = value;
}

/* ---- small helpers --------------------------------------------------- */

static const char *
label (const SesInvariants *inv, guint32 client)
{
  const GPtrArray *labels = ses_mqtt_config_labels (inv->cfg);
  if (client < labels->len)
    return g_ptr_array_index (labels, client);
  return "broker";
}

static const char *
text (const SesInvariants *inv, guint32 id)
{
  const char *s = ses_intern_get (ses_mqtt_config_strings (inv->cfg), id);
  return s != NULL ? s : "";
}

/* `msg=origin.seq "payload"`, as the trace names a message. */
static char *
msg_text (const SesInvariants *inv, guint32 origin, guint32 seq,
          guint32 payload)
{
  return g_strdup_printf ("msg=%u.%u \"%s\"", origin, seq,
                          text (inv, payload));
}

static gboolean
client_v5 (const SesInvariants *inv, guint32 client)
{
  return client < inv->n_clients
         && ses_mqtt_config_client (inv->cfg, client)->version == SES_MQTT_5;
}

static const char *
pick (gboolean v5, const char *rule311, const char *rule5)
{
  return v5 ? rule5 : rule311;
}

static void
violation_clear (gpointer data)
{
  SesViolation *v = data;
  g_free (v->message);
}

static void G_GNUC_PRINTF (6, 7)
report (SesInvariants *inv, SesInvariantId id, SesTime time_us,
        guint64 index, const char *rule, const char *format, ...)
{
  if (inv->disabled & (1u << id))
    return;
  va_list ap;
  va_start (ap, format);
  char *message = g_strdup_vprintf (format, ap);
  va_end (ap);
  if (inv->st.violations == NULL)
    {
      inv->st.violations = g_array_new (FALSE, FALSE, sizeof (SesViolation));
      g_array_set_clear_func (inv->st.violations, violation_clear);
      inv->st.seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                            NULL);
    }
  char *key = g_strdup_printf ("%u %s", (guint) id, message);
  if (!g_hash_table_add (inv->st.seen, key))
    {
      g_free (message);
      return;
    }
  SesViolation v = { .id = id, .time_us = time_us, .obs_index = index,
                     .rule = rule, .message = message };
  g_array_append_val (inv->st.violations, v);
}

/* ---- copies of messages in sessions ---------------------------------- */

/* The copy a PUBLISH carries. Wills are all their owner's message 0, and a
 * ClientId's will may come from any of its clients: they are told apart by
 * topic and payload. */
static Copy *
copy_find (Sess *s, const SesPacket *p)
{
  gboolean will = p->seq == 0;
  for (guint i = 0; i < s->copies.len; i++)
    {
      Copy *c = vec_at (&s->copies, i, sizeof (Copy));
      if (will ? (c->will && c->topic == p->topic && c->payload == p->payload)
               : (!c->will && c->origin == p->origin && c->seq == p->seq))
        return c;
    }
  return NULL;
}

/* Forgets a copy nothing can be judged about any more (c is gone after).
 * QoS 2 wills stay for the session's lifetime: qos2-once compares their
 * deliveries with their routings. */
static void
copy_settle (Sess *s, Copy *c)
{
  if (c->pending > 0 || c->unsent > 0 || (c->will && c->routed_q2 > 0))
    return;
  vec_remove (&s->copies, (guint) (c - (Copy *) s->copies.data),
              sizeof (Copy));
}

/* ---- the reference: what the broker must hold ------------------------- */

static const SesBrokerConfig *
broker_cfg (const SesInvariants *inv)
{
  return ses_mqtt_config_broker (inv->cfg);
}

static guint32
session_of (const SesInvariants *inv, guint32 client)
{
  return client < inv->n_clients ? inv->run->session_of[client] : NOBODY;
}

static void
reset_application (Peer *c)
{
  c->delivered.len = 0;
  c->streams.len = 0;
}

/* The session is gone: nothing owed in it is owed any more (not a loss),
 * its subscriptions and held messages go with it. */
static void
forget_session (SesInvariants *inv, guint32 session)
{
  Sess *s = &inv->st.sessions[session];
  s->copies.len = 0;
  s->ids.len = 0;
  s->held.len = 0;
  /* Its subscriptions go, the others keep their order. */
  Vec *subs = &inv->st.subs;
  Entry *all = subs->data;
  guint kept = 0;
  for (guint i = 0; i < subs->len; i++)
    if ((guint32) all[i].key != session)
      all[kept++] = all[i];
  subs->len = kept;
  s->kept_us = NO_TIME;
  s->deadline_us = NO_TIME;
  s->will = 0;
  s->will_due_us = NO_TIME;
  s->exists = FALSE;
  /* A new session: its clients' applications start afresh for it. */
  for (guint32 c = inv->run->first_client[session]; c != NOBODY;
       c = inv->run->next_client[c])
    reset_application (&inv->st.peers[c]);
}

static guint32
waiting (const Sess *s)
{
  guint32 n = 0;
  for (guint i = 0; i < s->copies.len; i++)
    n += ((const Copy *) vec_at (&s->copies, i, sizeof (Copy)))->unsent;
  return n;
}

/* Adds a copy the session is owed, as the broker's settings say it must:
 * both [MQTT-4.5.0-1]. */
static void
owe (SesInvariants *inv, guint32 session, const Msg *m, guint8 qos,
     SesTime now, guint64 index)
{
  Sess *s = &inv->st.sessions[session];
  const SesBrokerConfig *bc = broker_cfg (inv);
  if (!s->exists)
    return;
  /* 3.1.1 [MQTT-3.1.2-5], 5.0 §4.1: keeping QoS 0 for an offline session
   * is the broker's choice; a setting says which (queue-qos0). */
  if (qos == 0 && s->conn == NOBODY && !bc->queue_qos0_offline)
    return;
  /* A full queue: the setting says what goes (queue-limit, drop). */
  if (bc->queue_limit > 0 && waiting (s) >= bc->queue_limit)
    {
      if (bc->drop_policy != SES_DROP_OLDEST)
        return;
      for (guint i = 0; i < s->copies.len; i++)
        {
          Copy *old = vec_at (&s->copies, i, sizeof (Copy));
          if (old->unsent == 0)
            continue;
          old->unsent--;
          if (old->pending > 0)
            old->pending--;
          copy_settle (s, old);
          break;
        }
    }
  SesPacket key = { .origin = m->origin, .seq = m->will ? 0 : m->seq,
                    .topic = m->topic, .payload = m->payload };
  if (m->will)
    key.seq = 0;
  Copy *c = copy_find (s, &key);
  if (c == NULL)
    {
      c = vec_append (&s->copies, sizeof (Copy));
      memset (c, 0, sizeof *c);
      c->origin = m->origin;
      c->seq = m->seq;
      c->will = m->will;
    }
  c->topic = m->topic;
  c->payload = m->payload;
  c->qos = qos;
  c->routed_us = now;
  c->routed_index = index;
  c->has_expiry = m->has_expiry;
  c->expiry_s = m->expiry_s;
  /* The first delivery ranks by the earliest routing still owed. */
  s->routed++;
  if (c->unsent == 0 && c->pending == 0)
    c->rank = s->routed;
  c->unsent++;
  if (qos > 0)
    c->pending++;
  if (qos == 2)
    c->routed_q2++;
}

static void
subscribe (SesInvariants *inv, guint32 session, guint32 filter, guint8 qos)
{
  Entry *e;
  gboolean added;
  e = vec_upsert (&inv->st.subs, sizeof (Entry),
                  (guint64) filter << 32 | session, &added);
  e->value = qos;
}

static void
unsubscribe (SesInvariants *inv, guint32 session, guint32 filter)
{
  vec_delete (&inv->st.subs, sizeof (Entry),
              (guint64) filter << 32 | session);
}

static gint
compare_subs (gconstpointer a, gconstpointer b)
{
  const Entry *x = a, *y = b;
  guint32 sx = (guint32) x->key, sy = (guint32) y->key;
  if (sx != sy)
    return sx < sy ? -1 : 1;
  return x->value < y->value ? -1 : x->value > y->value;
}

static void
retain (SesInvariants *inv, const Msg *m, SesTime now)
{
  /* both: an empty retained payload removes the retained message
   * (3.1.1 [MQTT-3.3.1-10], 5.0 [MQTT-3.3.1-6]) */
  if (text (inv, m->payload)[0] == '\0')
    {
      vec_delete (&inv->st.retained, sizeof (Retained), m->topic);
      return;
    }
  gboolean added;
  Retained *r = vec_upsert (&inv->st.retained, sizeof (Retained), m->topic,
                            &added);
  r->msg = *m;
  r->set_us = now;
}

/* A message the broker took ownership of goes to every session with a
 * matching subscription, once, at min(published, highest granted): both
 * [MQTT-4.5.0-1], 3.1.1 [MQTT-3.8.4-6], 5.0 [MQTT-3.8.4-8]. */
static void
route (SesInvariants *inv, const Msg *m, SesTime now, guint64 index)
{
  if (m->retain)
    retain (inv, m, now);
  const Vec *subs = &inv->st.subs;
  const Entry *all = subs->data;
  /* The matching subscriptions, on the stack unless there are many (no
   * allocation for a message routed in a step the checker tries). */
  Entry local[32];
  Entry *targets = subs->len <= G_N_ELEMENTS (local)
                     ? local : g_new (Entry, subs->len);
  guint n = 0;
  for (guint i = 0; i < subs->len;)
    {
      /* One filter's subscriptions are consecutive. */
      guint32 filter = (guint32) (all[i].key >> 32);
      guint end = i + 1;
      while (end < subs->len && (guint32) (all[end].key >> 32) == filter)
        end++;
      if (ses_topic_matches (text (inv, filter), text (inv, m->topic)))
        {
          memcpy (targets + n, &all[i], sizeof (Entry) * (end - i));
          n += end - i;
        }
      i = end;
    }
  if (n > 1)
    qsort (targets, n, sizeof (Entry), compare_subs);
  for (guint i = 0; i < n; i++)
    {
      Entry t = targets[i];
      guint32 session = (guint32) t.key;
      while (i + 1 < n && (guint32) targets[i + 1].key == session)
        t.value = targets[++i].value; /* highest */
      owe (inv, session, m, (guint8) MIN (m->qos, t.value), now, index);
    }
  if (targets != local)
    g_free (targets);
}

/* The will of `session` goes out now: routed like any message it is. */
static void
publish_will (SesInvariants *inv, guint32 session, SesTime now,
              guint64 index)
{
  Sess *s = &inv->st.sessions[session];
  const SesWill *spec = ses_mqtt_config_will (inv->cfg, s->will);
  s->will = 0;
  s->will_due_us = NO_TIME;
  if (spec == NULL)
    return;
  Msg m = { .origin = s->will_slot, .seq = 0, .topic = spec->topic,
            .payload = spec->payload, .qos = spec->qos,
            .retain = spec->retain ? 1 : 0, .will = 1 };
  /* 5.0 §3.1.3.2.4: the will's Message Expiry counts from its publication */
  if (s->will_v5 && spec->has_expiry && spec->expiry_s != SES_EXPIRY_NEVER)
    {
      m.has_expiry = 1;
      m.expiry_s = spec->expiry_s;
    }
  route (inv, &m, now, index);
}

/* The session ends: a will still waiting goes out first, at the session's
 * end (5.0 [MQTT-3.1.2-8]), unless `drop_will` (a broker that lost its
 * memory cannot publish it). */
static void
end_session (SesInvariants *inv, guint32 session, SesTime now, guint64 index,
             gboolean drop_will)
{
  Sess *s = &inv->st.sessions[session];
  if (!s->exists)
    return;
  if (s->will != 0 && s->will_due_us != NO_TIME && !drop_will)
    publish_will (inv, session, now, index);
  forget_session (inv, session);
}

/* The broker's end of `slot` has closed. `normal`: after a DISCONNECT that
 * removes the will (3.1.1 any, 5.0 reason 0x00). */
static void
broker_end_closed (SesInvariants *inv, guint32 slot, gboolean normal,
                   SesTime now, guint64 index)
{
  Peer *c = &inv->st.peers[slot];
  if (!c->broker_up)
    return;
  gboolean was_connected = c->connected;
  c->broker_up = FALSE;
  c->connected = FALSE;
  c->p_pending = FALSE;
  c->out_b2c.len = 0;
  c->granting.len = 0;
  guint32 session = session_of (inv, slot);
  Sess *s = &inv->st.sessions[session];
  if (!was_connected || !s->exists || s->conn != slot)
    return;
  s->conn = NOBODY;
  if (normal)
    s->will = 0;
  if (s->will != 0 && !s->will_v5)
    {
      /* 3.1.1 [MQTT-3.1.2-8]: any end without DISCONNECT publishes it */
      s->will_due_us = now;
      publish_will (inv, session, now, index);
    }
  if (s->expiry_s == 0)
    {
      /* 5.0 §3.1.2.11.2, 3.1.1 [MQTT-3.1.2-6]: it ends with the
       * connection, and a will waiting on its delay goes out now. */
      if (s->will != 0)
        s->will_due_us = now;
      end_session (inv, session, now, index, FALSE);
      return;
    }
  s->kept_us = now;
  s->deadline_us = s->expiry_s == SES_EXPIRY_NEVER
                     ? NO_TIME : now + ses_time_from_s (s->expiry_s);
  if (s->will != 0)
    {
      /* 5.0 [MQTT-3.1.2-8]: the earlier of the delay and the session end */
      const SesWill *spec = ses_mqtt_config_will (inv->cfg, s->will);
      SesTime due = now + ses_time_from_s (spec != NULL ? spec->delay_s : 0);
      if (s->deadline_us != NO_TIME && s->deadline_us < due)
        due = s->deadline_us;
      s->will_due_us = due;
      if (due == now)
        publish_will (inv, session, now, index);
    }
}

/* Whether t is at the deadline, or within the tolerance of it. */
static gboolean
near (const SesInvariants *inv, SesTime deadline, SesTime t)
{
  if (deadline == NO_TIME)
    return FALSE;
  return t >= deadline ? t - deadline <= inv->tolerance_us
                       : deadline - t <= inv->tolerance_us;
}

/* Timers of the reference that fell due before `now`, in time order (a
 * will before its session's end at the same instant). Ties with `now` are
 * left to what this instant shows: the standard does not order a timer and
 * a packet that arrive at once. */
static void
advance (SesInvariants *inv, SesTime now, guint64 index)
{
  for (;;)
    {
      SesTime best = NO_TIME;
      guint32 which = NOBODY;
      gboolean will = FALSE;
      for (guint32 i = 0; i < inv->n_sessions; i++)
        {
          const Sess *s = &inv->st.sessions[i];
          if (!s->exists)
            continue;
          if (s->will != 0 && s->will_due_us != NO_TIME
              && s->will_due_us + inv->tolerance_us < now
              && (best == NO_TIME || s->will_due_us < best
                  || (s->will_due_us == best && !will)))
            {
              best = s->will_due_us;
              which = i;
              will = TRUE;
            }
          if (s->conn == NOBODY && s->deadline_us != NO_TIME
              && s->deadline_us + inv->tolerance_us < now
              && (best == NO_TIME || s->deadline_us < best))
            {
              best = s->deadline_us;
              which = i;
              will = FALSE;
            }
        }
      if (which == NOBODY)
        break;
      if (will)
        publish_will (inv, which, best, index);
      else
        {
          end_session (inv, which, best, index, FALSE);
          inv->st.sessions[which].expired_us = best;
        }
    }
}

/* both: the broker closes a connection it has heard nothing on for 1.5 x
 * Keep Alive (3.1.1 [MQTT-3.1.2-24], 5.0 [MQTT-3.1.2-22]). */
static SesTime
keep_alive_deadline (const Peer *c)
{
  return c->last_rx_us + (SesTime) c->ka_s * 1500000;
}

static void
check_keep_alive (SesInvariants *inv, SesTime now, guint64 index)
{
  for (guint32 i = 0; i < inv->n_clients; i++)
    {
      Peer *c = &inv->st.peers[i];
      /* 3.1.1 [MQTT-3.1.2-23], 5.0 [MQTT-3.1.2-20]: a connected client
       * sends something within its Keep Alive (the Server Keep Alive when
       * the broker set one, 5.0 [MQTT-3.2.2-21]). */
      if (c->client_up && c->connected && c->ka_s != 0 && !c->ka_late
          && now > c->last_tx_us + (SesTime) c->ka_s * SES_US_PER_S
                     + inv->tolerance_us)
        {
          g_autofree char *last = ses_time_format (c->last_tx_us);
          report (inv, SES_INV_KEEP_ALIVE, now, index,
                  pick (c->v5, "3.1.1 [MQTT-3.1.2-23]", "5.0 [MQTT-3.1.2-20]"),
                  "%s sent nothing for longer than its Keep Alive of %u s "
                  "after %s",
                  label (inv, i), c->ka_s, last);
          c->ka_late = TRUE;
        }
      if (!c->broker_up || !c->connected || c->ka_s == 0
          || now <= keep_alive_deadline (c) + inv->tolerance_us)
        continue;
      g_autofree char *last = ses_time_format (c->last_rx_us);
      g_autofree char *due = ses_time_format (keep_alive_deadline (c));
      report (inv, SES_INV_KEEP_ALIVE, now, index,
              pick (c->v5, "3.1.1 [MQTT-3.1.2-24]", "5.0 [MQTT-3.1.2-22]"),
              "the broker kept %s's connection open past %s, 1.5 x its Keep "
              "Alive of %u s after the last packet it received at %s",
              label (inv, i), due, c->ka_s, last);
      c->ka_s = 0; /* reported once */
    }
}

/* ---- deferred judgements --------------------------------------------- */

/* 5.0 [MQTT-3.1.4-3]: the broker sends the old connection DISCONNECT 0x8E
 * in the same instant it takes the session over (the packet may be lost on
 * a dead link, but it must be sent). */
static void judge_doubts (SesInvariants *inv);

static void
flush_instant (SesInvariants *inv, SesTime next_us)
{
  judge_doubts (inv);
  for (guint32 i = 0; i < inv->n_clients; i++)
    inv->st.peers[i].old_open = FALSE;
  /* A will published to a connected session goes out in the instant it is
   * due, QoS 0 included (for QoS 1/2 no-loss judges the rest). */
  for (guint32 i = 0; i < inv->n_sessions; i++)
    {
      Sess *s = &inv->st.sessions[i];
      if (s->conn == NOBODY || !inv->st.peers[s->conn].connected)
        continue;
      for (guint k = s->copies.len; k-- > 0;)
        {
          Copy *c = vec_at (&s->copies, k, sizeof (Copy));
          if (!c->will || c->qos != 0 || c->unsent == 0)
            continue;
          /* A real broker gets the tolerance to send it. */
          if (inv->tolerance_us > 0 && next_us != NO_TIME
              && next_us <= c->routed_us + inv->tolerance_us)
            continue;
          g_autofree char *when = ses_time_format (c->routed_us);
          report (inv, SES_INV_WILL, c->routed_us, c->routed_index,
                  pick (client_v5 (inv, s->conn), "3.1.1 [MQTT-3.1.2-8]",
                        "5.0 [MQTT-3.1.2-8]"),
                  "the will \"%s\" on \"%s\" was due at %s, but the broker "
                  "did not send it to %s, connected and subscribed",
                  text (inv, c->payload), text (inv, c->topic), when,
                  label (inv, s->conn));
          c->unsent = 0;
          copy_settle (s, c);
        }
    }
  for (guint i = 0; i < inv->st.takeovers.len; i++)
    {
      const Takeover *t = vec_at (&inv->st.takeovers, i, sizeof (Takeover));
      g_autofree char *when = ses_time_format (t->time_us);
      report (inv, SES_INV_TAKEOVER, t->time_us, t->index,
              "5.0 [MQTT-3.1.4-3]",
              "%s's connection was taken over at %s without DISCONNECT 0x8E",
              label (inv, t->client), when);
    }
  inv->st.takeovers.len = 0;
}

/* ---- connections ------------------------------------------------------ */

/* The broker receives a CONNECT on `slot`: what it must answer. */
static void
connect_received (SesInvariants *inv, const SesObs *o, guint64 index)
{
  guint32 slot = o->client;
  const SesPacket *p = &o->pkt;
  Peer *c = &inv->st.peers[slot];
  guint32 session = session_of (inv, slot);
  Sess *s = &inv->st.sessions[session];
  gboolean v5 = p->version == SES_MQTT_5;

  /* Takeover: an older connection of this ClientId, on this slot (the
   * broker never saw it end: half-open) or another: 3.1.1 [MQTT-3.1.4-2],
   * 5.0 [MQTT-3.1.4-3]. */
  guint32 old = NOBODY;
  if (c->broker_up && c->connected)
    old = slot;
  else if (s->exists && s->conn != NOBODY && s->conn != slot
           && inv->st.peers[s->conn].broker_up)
    old = s->conn;
  if (old != NOBODY)
    {
      inv->st.peers[old].old_open = old == slot;
      if (inv->st.peers[old].v5)
        {
          Takeover *t = vec_append (&inv->st.takeovers, sizeof (Takeover));
          *t = (Takeover) { old, index, o->time_us };
        }
      broker_end_closed (inv, old, FALSE, o->time_us, index);
    }

  c->broker_up = TRUE;
  c->connected = FALSE;
  c->v5 = v5;
  c->last_rx_us = o->time_us;
  c->p_pending = TRUE;
  c->p_clean = (p->flags & SES_PKT_F_CLEAN) != 0;
  c->p_will = p->will;
  c->p_ka_s = p->keep_alive_s;
  c->out_b2c.len = 0;
  c->granting.len = 0;
  c->rm_client = p->receive_max != 0 ? p->receive_max : 65535;
  if (v5)
    c->p_expiry_s = (p->flags & SES_PKT_F_HAS_EXPIRY) ? p->expiry_s : 0;
  else
    c->p_expiry_s = c->p_clean ? 0 : SES_EXPIRY_NEVER;
  const char *id = text (inv, p->client_id);
  c->p_empty_id = id[0] == '\0';
  /* 3.1.1 [MQTT-3.1.2-6], 5.0 [MQTT-3.1.2-4]: a clean start discards the
   * old session as the CONNECT is processed, its waiting will going out
   * at that end; so does an empty ClientId, which gets a new identifier
   * (3.1.1 [MQTT-3.1.3-6], 5.0 [MQTT-3.2.2-16]). */
  if (c->p_clean || id[0] == '\0')
    end_session (inv, session, o->time_us, index, FALSE);
  if (c->p_clean || id[0] == '\0' || !s->exists)
    c->p_sp = 0; /* an empty ClientId gets a new identifier: a new session */
  else if (s->conn == NOBODY && near (inv, s->deadline_us, o->time_us))
    c->p_sp = 2; /* it expires at this very instant (or within the
                    tolerance of a real broker's clock): either is right */
  else
    c->p_sp = 1;
}

/* The broker answers a CONNECT. Judged against the reference, which then
 * follows the rules, not the answer. */
static void
connack_sent (SesInvariants *inv, const SesObs *o, guint64 index)
{
  guint32 slot = o->client;
  Peer *c = &inv->st.peers[slot];
  guint32 session = session_of (inv, slot);
  Sess *s = &inv->st.sessions[session];
  const SesPacket *p = &o->pkt;
  gboolean v5 = c->v5;
  gboolean sp = (p->flags & SES_PKT_F_SESSION_PRESENT) != 0;
  const char *who = label (inv, slot);
  c->connack_us = o->time_us;
  c->connack_got = FALSE;
  c->connack_sp = sp;
  if (!c->p_pending)
    return;
  c->p_pending = FALSE;
  if (!v5 && c->p_empty_id && !c->p_clean && p->reason != 0x02)
    report (inv, SES_INV_SESSION_PRESENT, o->time_us, index,
            "3.1.1 [MQTT-3.1.3-8]",
            "the broker answered %s's CONNECT with an empty ClientId and "
            "Clean Session 0 with return code 0x%02x, not 0x02 (identifier "
            "rejected)",
            who, p->reason);
  if (v5 && c->p_empty_id && p->reason == 0 && p->client_id == 0)
    report (inv, SES_INV_SESSION_PRESENT, o->time_us, index,
            "5.0 [MQTT-3.2.2-16]",
            "the CONNACK to %s, which connected with an empty ClientId, "
            "carries no Assigned Client Identifier",
            who);
  if (p->reason != 0)
    {
      if (sp)
        report (inv, SES_INV_SESSION_PRESENT, o->time_us, index,
                pick (v5, "3.1.1 [MQTT-3.2.2-4]", "5.0 [MQTT-3.2.2-6]"),
                "the CONNACK to %s refused the connection (reason 0x%02x) but "
                "said Session Present 1",
                who, p->reason);
      /* Refused: the session is untouched, the broker closes. */
      c->broker_up = FALSE;
      return;
    }
  if (sp && c->p_clean)
    report (inv, SES_INV_SESSION_PRESENT, o->time_us, index,
            pick (v5, "3.1.1 [MQTT-3.2.2-1]", "5.0 [MQTT-3.2.2-2]"),
            "the CONNACK to %s said Session Present 1 after a CONNECT with "
            "the clean flag",
            who);
  else if (c->p_sp != 2 && sp != c->p_sp)
    {
      if (!sp && s->exists && s->kept_us != NO_TIME)
        {
          g_autofree char *kept = ses_time_format (s->kept_us);
          g_autofree char *until = s->deadline_us != NO_TIME
                                     ? ses_time_format (s->deadline_us)
                                     : g_strdup ("never");
          report (inv, SES_INV_SESSION_EXPIRY, o->time_us, index,
                  v5 ? "5.0 [MQTT-3.1.2-23]" : "3.1.1 [MQTT-3.1.2-4]",
                  "the broker no longer had the session of %s, kept since %s "
                  "with Session Expiry %u s: it expires %s%s",
                  who, kept, s->expiry_s,
                  s->deadline_us != NO_TIME ? "at " : "", until);
        }
      if (sp && !s->exists && s->expired_us != NO_TIME && !c->p_clean)
        {
          g_autofree char *when = ses_time_format (s->expired_us);
          report (inv, SES_INV_SESSION_EXPIRY, o->time_us, index,
                  "5.0 [MQTT-4.1.0-2]",
                  "the broker resumed the session of %s (Session Present 1) "
                  "after it had expired at %s",
                  who, when);
        }
      else
      report (inv, SES_INV_SESSION_PRESENT, o->time_us, index,
              pick (v5, sp ? "3.1.1 [MQTT-3.2.2-3]" : "3.1.1 [MQTT-3.2.2-2]",
                    "5.0 [MQTT-3.2.2-3]"),
              "the CONNACK to %s said Session Present %d but %s", who,
              sp ? 1 : 0,
              c->p_sp ? "a session for its ClientId existed (CONNECT without "
                        "the clean flag)"
                      : "no session for its ClientId existed");
    }
  gboolean resume = c->p_sp == 2 ? sp : c->p_sp == 1;
  if (!resume)
    {
      /* A clean start, an expired session, or none: whatever there was
       * ends now (3.1.1 [MQTT-3.1.2-6], 5.0 [MQTT-3.1.2-4]). */
      end_session (inv, session, o->time_us, index, FALSE);
      forget_session (inv, session);
      s->exists = TRUE;
      s->expired_us = NO_TIME;
      s->created_us = o->time_us;
    }
  else
    {
      /* 5.0 [MQTT-3.1.3-9]: back in time, no will; the timers stop. */
      s->will = 0;
      s->will_due_us = NO_TIME;
    }
  s->kept_us = NO_TIME;
  s->deadline_us = NO_TIME;
  s->conn = slot;
  s->expiry_s = c->p_expiry_s;
  /* 5.0 §3.2.2.3.2: a Session Expiry in CONNACK is the one in force. A
   * broker set to cap it (max-session-expiry) keeps no session longer,
   * and says so to a client that asked for more. */
  guint32 cap = broker_cfg (inv)->max_session_expiry_s;
  guint32 announced = (p->flags & SES_PKT_F_HAS_EXPIRY) ? p->expiry_s
                                                        : c->p_expiry_s;
  if (v5 && c->p_expiry_s > cap && announced > cap)
    report (inv, SES_INV_SESSION_EXPIRY, o->time_us, index,
            "5.0 §3.2.2.3.2",
            "%s asked for a Session Expiry of %u s; the broker, set to keep "
            "sessions at most %u s, answered %s",
            who, c->p_expiry_s, cap,
            (p->flags & SES_PKT_F_HAS_EXPIRY)
              ? "with a longer one" : "without saying it caps it");
  if (v5 && (p->flags & SES_PKT_F_HAS_EXPIRY))
    s->expiry_s = p->expiry_s;
  else if (v5 && s->expiry_s > cap)
    s->expiry_s = cap;
  if (c->p_will != 0)
    {
      s->will = c->p_will;
      s->will_slot = slot;
      s->will_v5 = v5;
    }
  c->connected = TRUE;
  /* 5.0 [MQTT-3.2.2-21]: the Server Keep Alive is the one in force */
  c->ka_s = v5 && p->keep_alive_s != 0 ? p->keep_alive_s : c->p_ka_s;
}

/* An UNSUBSCRIBE of `filter` is on its way: the broker may be past it. */
static gboolean
unsubscribing (const Peer *c, guint32 filter)
{
  for (guint i = 0; i < c->asked.len; i++)
    {
      const Entry *a = vec_at (&c->asked, i, sizeof (Entry));
      if (a->extra == 2 && a->value == filter)
        return TRUE;
    }
  return FALSE;
}

/* The client sees its CONNACK: what it now believes about its session. */
static void
connack_received (SesInvariants *inv, const SesObs *o, guint64 index)
{
  guint32 slot = o->client;
  Peer *c = &inv->st.peers[slot];
  const SesPacket *p = &o->pkt;
  c->connack_got = TRUE;
  if (p->reason != 0)
    return;
  c->client_up = TRUE;
  c->rm_broker = p->receive_max != 0 ? p->receive_max : 65535;
  if (!(p->flags & SES_PKT_F_SESSION_PRESENT))
    {
      /* A new session: none of the client's ids is in use any more,
       * whatever the client believes (5.0 [MQTT-3.2.2-5]), and it holds
       * no subscription. */
      c->ids.len = 0;
      c->believed.len = 0;
      c->lost_connack_us = NO_TIME;
      c->lost_state = FALSE;
      return;
    }
  /* 5.0 [MQTT-3.2.2-4]: a client with no session state that is told
   * Session Present 1 closes the connection (judged when the instant
   * ends). */
  if (c->lost_state && c->v5)
    {
      c->must_close = TRUE;
      c->doubt_us = o->time_us;
      c->doubt_index = index;
    }
  /* coherence: the session resumed holds what the client believes, or
   * the client subscribes again before the instant is out. The reverse
   * (the broker holds a subscription whose SUBACK the client never got)
   * is not flagged: the application sees those messages arrive, so
   * nothing is lost in silence. */
  guint32 session = session_of (inv, slot);
  Sess *s = &inv->st.sessions[session];
  if (!s->exists || s->conn != slot)
    return;
  for (guint i = 0; i < c->believed.len; i++)
    {
      const Entry *b = vec_at (&c->believed, i, sizeof (Entry));
      guint32 filter = (guint32) b->key;
      if (vec_lookup (&inv->st.subs, sizeof (Entry),
                      (guint64) filter << 32 | session) != NULL
          || unsubscribing (c, filter))
        continue;
      entry_set (&c->doubted, filter, 1);
      c->doubt_us = o->time_us;
      c->doubt_index = index;
    }
  if (c->doubted.len == 0)
    c->lost_connack_us = NO_TIME;
}

/* The instant is over: what a client still believes of a session that
 * lacks it. */
static void
judge_doubts (SesInvariants *inv)
{
  for (guint32 slot = 0; slot < inv->n_clients; slot++)
    {
      Peer *c = &inv->st.peers[slot];
      if (c->must_close)
        {
          report (inv, SES_INV_COHERENCE, c->doubt_us, c->doubt_index,
                  "5.0 [MQTT-3.2.2-4]",
                  "%s, which lost its session state in a crash, was told "
                  "Session Present 1 and went on with a session it knows "
                  "nothing of instead of closing the connection",
                  label (inv, slot));
          c->must_close = FALSE;
          c->lost_state = FALSE;
        }
      if (c->doubted.len == 0)
        continue;
      const Sess *s = &inv->st.sessions[session_of (inv, slot)];
      const char *who = label (inv, slot);
      g_autofree char *why = NULL;
      if (c->lost_connack_us != NO_TIME)
        {
          g_autofree char *lost = ses_time_format (c->lost_connack_us);
          why = g_strdup_printf ("; the CONNACK (Session Present %d) the "
                                 "broker sent at %s, which would have told "
                                 "%s, was lost with its connection",
                                 c->lost_connack_sp, lost, who);
        }
      g_autofree char *created = ses_time_format (s->created_us);
      for (guint i = 0; i < c->doubted.len; i++)
        {
          guint32 filter = (guint32) ((const Entry *) vec_at (
              &c->doubted, i, sizeof (Entry)))->key;
          report (inv, SES_INV_COHERENCE, c->doubt_us, c->doubt_index,
                  pick (c->v5, "3.1.1 [MQTT-3.2.2-2]", "5.0 [MQTT-3.2.2-3]"),
                  "%s resumed its session (Session Present 1) believing it "
                  "is subscribed to \"%s\", but the session the broker "
                  "holds, begun at %s, has no such subscription, and %s did "
                  "not subscribe again%s",
                  who, text (inv, filter), created, who,
                  why != NULL ? why : "");
        }
      c->doubted.len = 0;
      c->lost_connack_us = NO_TIME;
    }
}

/* The client's DISCONNECT reaches the broker. */
static void
disconnect_received (SesInvariants *inv, const SesObs *o, guint64 index)
{
  guint32 slot = o->client;
  Peer *c = &inv->st.peers[slot];
  const SesPacket *p = &o->pkt;
  Sess *s = &inv->st.sessions[session_of (inv, slot)];
  if (!c->connected || s->conn != slot)
    {
      broker_end_closed (inv, slot, FALSE, o->time_us, index);
      return;
    }
  gboolean normal = TRUE;
  if (c->v5)
    {
      /* 5.0 [MQTT-3.1.2-10]: only reason 0x00 removes the will (0x04
       * asks for it, an error code is no normal end) */
      normal = p->reason == SES_RC_SUCCESS;
      if (p->flags & SES_PKT_F_HAS_EXPIRY)
        {
          if (s->expiry_s == 0 && p->expiry_s != 0)
            normal = FALSE; /* 5.0 [MQTT-3.14.2-2]: a protocol error, no
                               normal disconnect: the will stays due */
          else
            s->expiry_s = p->expiry_s; /* 5.0 §3.14.2.2.2 */
        }
    }
  broker_end_closed (inv, slot, normal, o->time_us, index);
}

/* The broker closes a connection itself. Unless it tells another reason
 * (takeover, protocol error, quota), it may only be for keep alive, and
 * not before 1.5 x Keep Alive of silence. */
static void
broker_closes (SesInvariants *inv, const SesObs *o, guint8 reason,
               guint64 index)
{
  guint32 slot = o->client;
  Peer *c = &inv->st.peers[slot];
  if (!c->broker_up)
    return;
  /* A 3.1.1 broker closes without saying why: after a protocol violation
   * (a second CONNECT) the close is the answer, not keep alive. */
  gboolean for_keep_alive = reason == SES_RC_KEEP_ALIVE_TIMEOUT
                            || (reason == 0 && !c->v5 && !c->violated);
  if (c->connected && for_keep_alive
      && (c->ka_s == 0
          || o->time_us + inv->tolerance_us < keep_alive_deadline (c)))
    {
      g_autofree char *last = ses_time_format (c->last_rx_us);
      if (c->ka_s == 0)
        report (inv, SES_INV_KEEP_ALIVE, o->time_us, index,
                pick (c->v5, "3.1.1 [MQTT-3.1.2-24]", "5.0 [MQTT-3.1.2-22]"),
                "the broker closed %s's connection for keep alive, which is "
                "off (Keep Alive 0)",
                label (inv, slot));
      else
        report (inv, SES_INV_KEEP_ALIVE, o->time_us, index,
                pick (c->v5, "3.1.1 [MQTT-3.1.2-24]", "5.0 [MQTT-3.1.2-22]"),
                "the broker closed %s's connection for keep alive before "
                "1.5 x its Keep Alive of %u s of silence (last packet "
                "received at %s)",
                label (inv, slot), c->ka_s, last);
    }
  broker_end_closed (inv, slot, FALSE, o->time_us, index);
}

/* ---- packets --------------------------------------------------------- */

/* msg_text() of p, made the first time it is asked for and kept in *m. */
static const char *
msg_of (const SesInvariants *inv, const SesPacket *p, char **m)
{
  if (*m == NULL)
    *m = msg_text (inv, p->origin, p->seq, p->payload);
  return *m;
}

/* A QoS>0 exchange completes for its sender: PUBACK (QoS 1), PUBCOMP or a
 * PUBREC with a failure reason (QoS 2). 3.1.1 [MQTT-2.3.1-3], 5.0 §4.3. */
static gboolean
completes (const SesPacket *ack, guint8 qos)
{
  switch (ack->type)
    {
    case SES_PKT_PUBACK:
      return qos == 1;
    case SES_PKT_PUBCOMP:
      return qos == 2;
    case SES_PKT_PUBREC:
      return qos == 2 && ack->reason >= 0x80;
    default:
      return FALSE;
    }
}

static void
ack_received (Vec *ids, Vec *outstanding, const SesPacket *ack)
{
  const InUse *u = vec_lookup (ids, sizeof (InUse), ack->packet_id);
  if (u != NULL && completes (ack, u->qos))
    vec_delete (ids, sizeof (InUse), ack->packet_id);
  guint qos = entry_get (outstanding, ack->packet_id);
  if (qos != 0 && completes (ack, (guint8) qos))
    vec_delete (outstanding, sizeof (Entry), ack->packet_id);
}

/* What the broker sends a session must be a copy the session is owed
 * (subscription, will) at no more than its QoS, not expired (message
 * expiry); a resend of an id in flight is the copy it was. */
static void
check_forward (SesInvariants *inv, const SesObs *o, guint64 index)
{
  const SesPacket *p = &o->pkt;
  guint32 session = session_of (inv, o->client);
  Sess *s = &inv->st.sessions[session];
  gboolean v5 = client_v5 (inv, o->client);
  if (near (inv, s->deadline_us, o->time_us) || o->time_us == s->kept_us)
    return; /* a session at its very end: either outcome is right */
  Copy *c = s->exists ? copy_find (s, p) : NULL;
  if (c == NULL && p->seq == 0 && s->will == 0)
    {
      /* Maybe a will due at this very instant, which the broker took
       * first: it is published now, then judged. */
      for (guint32 i = 0; i < inv->n_sessions; i++)
        {
          Sess *w = &inv->st.sessions[i];
          if (w->will != 0 && w->will_due_us != NO_TIME
              && w->will_due_us <= o->time_us
              && o->time_us <= w->will_due_us + inv->tolerance_us)
            publish_will (inv, i, o->time_us, index);
        }
      c = s->exists ? copy_find (s, p) : NULL;
    }
  if (c == NULL)
    {
      const InUse *u = vec_lookup (&s->ids, sizeof (InUse), p->packet_id);
      /* A resend with the id it was sent with (dup judges its flag). */
      if (p->qos > 0 && u != NULL && u->origin == p->origin
          && u->seq == p->seq)
        return;
      /* A second copy of a QoS 2 message the application already has:
       * qos2-once judges it when it is delivered. */
      if (p->qos == 2 && p->seq != 0
          && entry_get (&inv->st.peers[o->client].delivered,
                        (guint64) p->origin << 32 | p->seq) > 0)
        return;
      g_autofree char *m = msg_text (inv, p->origin, p->seq, p->payload);
      if (p->seq == 0)
        report (inv, SES_INV_WILL, o->time_us, index,
                pick (v5, "3.1.1 [MQTT-3.1.2-8]", "5.0 [MQTT-3.1.2-8]"),
                "the broker sent %s a will (%s on \"%s\") that was not due: "
                "never set, not yet due, removed by a normal DISCONNECT, "
                "cancelled by a reconnect, or already published",
                label (inv, o->client), m, text (inv, p->topic));
      else
        report (inv, SES_INV_SUBSCRIPTION, o->time_us, index,
                "both [MQTT-4.5.0-1]",
                "the broker sent %s %s on \"%s\", which its session was not "
                "owed: no subscription of the session matched when the "
                "broker accepted it, or the copy was already sent",
                label (inv, o->client), m, text (inv, p->topic));
      return;
    }
  if (p->qos < c->qos && c->unsent > 0)
    {
      g_autofree char *m = msg_text (inv, p->origin, p->seq, p->payload);
      report (inv, SES_INV_SUBSCRIPTION, o->time_us, index,
              pick (v5, "3.1.1 [MQTT-3.3.5-1]", "5.0 [MQTT-3.3.4-2]"),
              "the broker sent %s %s at QoS %u, below the %u it owed (the "
              "lower of the published QoS and the highest granted by its "
              "matching subscriptions)",
              label (inv, o->client), m, p->qos, c->qos);
    }
  if (p->qos > c->qos)
    {
      g_autofree char *m = msg_text (inv, p->origin, p->seq, p->payload);
      report (inv, SES_INV_SUBSCRIPTION, o->time_us, index,
              pick (v5, "3.1.1 [MQTT-3.8.4-6]", "5.0 [MQTT-3.8.4-8]"),
              "the broker sent %s %s at QoS %u, above the %u it owed "
              "(the lower of the published and the granted QoS)",
              label (inv, o->client), m, p->qos, c->qos);
    }
  if (c->unsent > 0)
    {
      c->unsent--;
      SesTime expires = c->routed_us + ses_time_from_s (c->expiry_s);
      if (c->has_expiry && o->time_us > expires)
        {
          g_autofree char *m = msg_text (inv, p->origin, p->seq, p->payload);
          g_autofree char *when = ses_time_format (expires);
          report (inv, SES_INV_MESSAGE_EXPIRY, o->time_us, index,
                  "5.0 [MQTT-3.3.2-5]",
                  "the broker started sending %s to %s after its Message "
                  "Expiry ran out at %s",
                  m, label (inv, o->client), when);
        }
    }
  if (c->has_expiry && (p->flags & SES_PKT_F_HAS_EXPIRY))
    {
      SesTime elapsed = o->time_us - c->routed_us;
      guint64 waited = (guint64) (elapsed / SES_US_PER_S);
      guint32 left = waited >= c->expiry_s ? 0 : c->expiry_s - (guint32) waited;
      if (p->expiry_s > left)
        {
          g_autofree char *m = msg_text (inv, p->origin, p->seq, p->payload);
          report (inv, SES_INV_MESSAGE_EXPIRY, o->time_us, index,
                  "5.0 [MQTT-3.3.2-6]",
                  "the broker forwarded %s to %s with Message Expiry %u s, "
                  "more than the %u s left after it waited %" G_GUINT64_FORMAT
                  " s",
                  m, label (inv, o->client), p->expiry_s, left, waited);
        }
    }
  copy_settle (s, c);
}

/* A PUBLISH leaves a sender (or is lost on the way out: it was still an
 * attempt, and uses its id and send quota all the same). */
static void
publish_sent (SesInvariants *inv, const SesObs *o, guint64 index)
{
  const SesPacket *p = &o->pkt;
  Peer *c = &inv->st.peers[o->client];
  Sess *s = &inv->st.sessions[session_of (inv, o->client)];
  gboolean broker = o->by_broker;
  gboolean v5 = client_v5 (inv, o->client);
  gboolean dup = (p->flags & SES_PKT_F_DUP) != 0;
  const char *who = broker ? "the broker" : label (inv, o->client);
  const char *to = broker ? label (inv, o->client) : "the broker";
  /* Named only in a report: most PUBLISHes break nothing. */
  g_autofree char *m = NULL;

  if (broker)
    check_forward (inv, o, index);

  if (p->qos == 0)
    {
      if (p->packet_id != 0)
        report (inv, SES_INV_PACKET_ID, o->time_us, index,
                pick (v5, "3.1.1 [MQTT-2.3.1-5]", "5.0 [MQTT-2.2.1-2]"),
                "%s sent QoS 0 PUBLISH %s to %s with packet id %u", who,
                msg_of (inv, p, &m), to, p->packet_id);
      if (dup)
        report (inv, SES_INV_DUP, o->time_us, index, "both [MQTT-3.3.1-2]",
                "%s sent QoS 0 PUBLISH %s to %s with DUP=1", who,
                msg_of (inv, p, &m), to);
      return;
    }
  const char *rule_id
    = broker ? pick (v5, "3.1.1 [MQTT-2.3.1-4]", "5.0 [MQTT-2.2.1-4]")
             : pick (v5, "3.1.1 [MQTT-2.3.1-2]", "5.0 [MQTT-2.2.1-3]");
  if (p->packet_id == 0)
    {
      report (inv, SES_INV_PACKET_ID, o->time_us, index,
              pick (v5, "3.1.1 [MQTT-2.3.1-1]", rule_id),
              "%s sent QoS %u PUBLISH %s to %s with packet id 0", who, p->qos,
              msg_of (inv, p, &m), to);
      return;
    }

  Vec *ids = broker ? &s->ids : &c->ids;
  gboolean added;
  InUse *u = vec_upsert (ids, sizeof (InUse), p->packet_id, &added);
  if (added)
    {
      /* both [MQTT-3.3.1-1]: only a redelivery carries DUP=1 */
      if (dup)
        report (inv, SES_INV_DUP, o->time_us, index, "both [MQTT-3.3.1-1]",
                "%s sent PUBLISH %s to %s with DUP=1 on its first "
                "transmission with packet id %u",
                who, msg_of (inv, p, &m), to, p->packet_id);
    }
  else if (u->origin == p->origin && u->seq == p->seq)
    {
      if (!dup)
        report (inv, SES_INV_DUP, o->time_us, index, "both [MQTT-3.3.1-1]",
                "%s sent PUBLISH %s to %s again with packet id %u but "
                "DUP=0",
                who, msg_of (inv, p, &m), to, p->packet_id);
    }
  else
    {
      g_autofree char *old = msg_text (inv, u->origin, u->seq, u->payload);
      report (inv, SES_INV_PACKET_ID, o->time_us, index, rule_id,
              "%s sent a new PUBLISH %s to %s with packet id %u while that "
              "id still carried %s",
              who, msg_of (inv, p, &m), to, p->packet_id, old);
    }
  u->origin = p->origin;
  u->seq = p->seq;
  u->payload = p->payload;
  u->qos = p->qos;

  /* 5.0 [MQTT-3.3.4-9] (broker), [MQTT-3.3.4-7] (client): no more QoS>0
   * PUBLISHes outstanding than the receiver's Receive Maximum. */
  Vec *out = broker ? &c->out_b2c : &c->out_c2b;
  entry_set (out, p->packet_id, p->qos);
  guint32 limit = broker ? c->rm_client : c->rm_broker;
  if (c->v5 && out->len > limit)
    report (inv, SES_INV_RECEIVE_MAXIMUM, o->time_us, index,
            broker ? "5.0 [MQTT-3.3.4-9]" : "5.0 [MQTT-3.3.4-7]",
            "%s sent %s to %s with %u QoS 1/2 PUBLISHes outstanding, more "
            "than the Receive Maximum %u of %s",
            who, msg_of (inv, p, &m), to, out->len, limit,
            broker ? label (inv, o->client) : "the broker");
}

static gboolean
keep_alive_packet (const SesPacket *p)
{
  return p->type == SES_PKT_PINGREQ || p->type == SES_PKT_PINGRESP;
}

/* A message the broker accepted from a publisher. */
static Msg
msg_of_publish (const SesPacket *p)
{
  Msg m = { .origin = p->origin, .seq = p->seq, .topic = p->topic,
            .payload = p->payload, .qos = p->qos,
            .retain = (p->flags & SES_PKT_F_RETAIN) != 0 };
  if ((p->flags & SES_PKT_F_HAS_EXPIRY) && p->expiry_s != SES_EXPIRY_NEVER)
    {
      m.has_expiry = 1;
      m.expiry_s = p->expiry_s;
    }
  return m;
}

/* The broker receives a PUBLISH from a client it has accepted: it takes
 * ownership, once for a QoS 2 id it holds (3.1.1 [MQTT-4.3.3-2],
 * 5.0 [MQTT-4.3.3-9]); Method A forwards on PUBREL instead. */
static void
publish_received (SesInvariants *inv, const SesObs *o, guint64 index)
{
  const SesPacket *p = &o->pkt;
  Peer *c = &inv->st.peers[o->client];
  Sess *s = &inv->st.sessions[session_of (inv, o->client)];
  if (!c->connected)
    return;
  Msg m = msg_of_publish (p);
  entry_set (&inv->st.published_qos, (guint64) p->origin << 32 | p->seq,
             p->qos + 1u);
  if (p->qos < 2)
    {
      route (inv, &m, o->time_us, index);
      return;
    }
  gboolean added;
  Held *h = vec_upsert (&s->held, sizeof (Held), p->packet_id, &added);
  if (!added)
    return; /* a resend of a message it holds: not a new one */
  h->msg = m;
  h->routed = !inv->method_a;
  if (h->routed)
    route (inv, &m, o->time_us, index);
}

static void
pubrel_received (SesInvariants *inv, const SesObs *o, guint64 index)
{
  Sess *s = &inv->st.sessions[session_of (inv, o->client)];
  if (!inv->st.peers[o->client].connected)
    return;
  Held *h = vec_lookup (&s->held, sizeof (Held), o->pkt.packet_id);
  if (h == NULL)
    return;
  if (!h->routed)
    {
      Msg m = h->msg;
      route (inv, &m, o->time_us, index);
    }
  vec_delete (&s->held, sizeof (Held), o->pkt.packet_id);
}

/* The broker answers a SUBSCRIBE: the subscription is in force from now
 * (3.1.1 [MQTT-3.8.4-1], 5.0 [MQTT-3.8.4-1]), and the retained messages
 * that match are owed (3.1.1 [MQTT-3.3.1-6], 5.0 [MQTT-3.3.1-9]). */
static void
suback_sent (SesInvariants *inv, const SesObs *o, guint64 index)
{
  Peer *c = &inv->st.peers[o->client];
  guint32 session = session_of (inv, o->client);
  const SesPacket *p = &o->pkt;
  Entry *g = vec_lookup (&c->granting, sizeof (Entry), p->packet_id);
  if (g == NULL || !c->connected)
    return;
  guint32 filter = g->value;
  guint8 asked = (guint8) g->extra;
  vec_delete (&c->granting, sizeof (Entry), p->packet_id);
  if (p->reason >= 0x80)
    return;
  if (p->qos > asked)
    report (inv, SES_INV_SUBSCRIPTION, o->time_us, index,
            pick (c->v5, "3.1.1 [MQTT-3.9.3-2]", "5.0 [MQTT-3.9.3-1]"),
            "the broker granted %s QoS %u on \"%s\", more than the %u it "
            "asked for",
            label (inv, o->client), p->qos, text (inv, filter), asked);
  subscribe (inv, session, filter, p->qos);
  for (guint i = 0; i < inv->st.retained.len; i++)
    {
      const Retained *r = vec_at (&inv->st.retained, i, sizeof (Retained));
      if (!ses_topic_matches (text (inv, filter), text (inv, r->msg.topic)))
        continue;
      if (r->msg.has_expiry
          && o->time_us > r->set_us + ses_time_from_s (r->msg.expiry_s))
        continue;
      owe (inv, session, &r->msg, (guint8) MIN (r->msg.qos, p->qos),
           o->time_us, index);
    }
}

/* 5.0: a PUBACK or PUBREC with a failure reason (0x80 and up) is the
 * receiver refusing the message (§3.4.2.1, §3.5.2.1), and for QoS 2 ends
 * the exchange ([MQTT-4.3.3-4]): the copy is settled, not lost. */
static void
refused (SesInvariants *inv, const SesObs *o)
{
  Sess *s = &inv->st.sessions[session_of (inv, o->client)];
  const InUse *u = vec_lookup (&s->ids, sizeof (InUse), o->pkt.packet_id);
  if (u == NULL || u->seq == 0 || !s->exists)
    return;
  SesPacket key;
  ses_packet_init (&key, SES_PKT_PUBLISH);
  key.origin = u->origin;
  key.seq = u->seq;
  Copy *copy = copy_find (s, &key);
  if (copy != NULL && copy->pending > 0)
    {
      copy->pending--;
      copy_settle (s, copy);
    }
}

static void
on_sent (SesInvariants *inv, const SesObs *o, guint64 index)
{
  Peer *c = &inv->st.peers[o->client];
  const SesPacket *p = &o->pkt;
  if (p->type == SES_PKT_CONNECT && !o->by_broker && c->client_open
      && o->kind == SES_OBS_SEND)
    {
      /* The CONNECT again on the same connection: nothing of the client's
       * connection changes; the broker must close it (both
       * [MQTT-3.1.0-2]). */
      c->second_connects++;
      c->last_tx_us = o->time_us;
      c->wire[0]++;
      return;
    }
  /* A new connection starts with nothing on its wire. */
  if (p->type == SES_PKT_CONNECT && !o->by_broker)
    {
      c->wire[0] = c->wire[1] = 0;
      c->client_open = o->kind == SES_OBS_SEND;
    }
  if (!o->by_broker)
    {
      c->last_tx_us = o->time_us;
      c->ka_late = FALSE;
    }
  if (o->kind == SES_OBS_SEND && !keep_alive_packet (p))
    c->wire[o->by_broker ? 1 : 0]++;
  if (o->by_broker)
    {
      switch (p->type)
        {
        case SES_PKT_PUBLISH:
          publish_sent (inv, o, index);
          break;
        case SES_PKT_CONNACK:
          connack_sent (inv, o, index);
          break;
        case SES_PKT_SUBACK:
          suback_sent (inv, o, index);
          break;
        case SES_PKT_DISCONNECT:
          /* 5.0 [MQTT-3.1.4-3]: the connection taken over is told */
          if (p->reason == SES_RC_SESSION_TAKEN_OVER)
            for (guint i = inv->st.takeovers.len; i-- > 0;)
              if (((const Takeover *) vec_at (&inv->st.takeovers, i,
                                              sizeof (Takeover)))->client
                  == o->client)
                vec_remove (&inv->st.takeovers, i, sizeof (Takeover));
          /* The old connection's, after a takeover on this slot. */
          if (!(c->old_open && p->reason == SES_RC_SESSION_TAKEN_OVER))
            broker_closes (inv, o, p->reason, index);
          break;
        default:
          break;
        }
      if (o->kind == SES_OBS_LOST && p->type == SES_PKT_CONNACK)
        {
          c->lost_connack_us = o->time_us;
          c->lost_connack_sp = (p->flags & SES_PKT_F_SESSION_PRESENT) != 0;
        }
      return;
    }
  switch (p->type)
    {
    case SES_PKT_PUBLISH:
      publish_sent (inv, o, index);
      break;
    case SES_PKT_CONNECT:
      /* A new connection: the client's send quota starts afresh (C9), and
       * what it asked on the old one will never be answered. */
      c->out_c2b.len = 0;
      c->asked.len = 0;
      c->rm_broker = 65535;
      c->client_up = FALSE;
      c->v5 = p->version == SES_MQTT_5;
      break;
    case SES_PKT_SUBSCRIBE:
    case SES_PKT_UNSUBSCRIBE:
      {
        gboolean added;
        Entry *e = vec_upsert (&c->asked, sizeof (Entry), p->packet_id,
                               &added);
        e->value = p->topic;
        e->extra = p->type == SES_PKT_SUBSCRIBE ? 1 : 2;
        if (p->type == SES_PKT_SUBSCRIBE)
          vec_delete (&c->doubted, sizeof (Entry), p->topic);
        break;
      }
    case SES_PKT_PUBACK:
    case SES_PKT_PUBREC:
      if (c->v5 && p->reason >= 0x80 && o->kind == SES_OBS_SEND)
        refused (inv, o);
      break;
    case SES_PKT_DISCONNECT:
      c->client_up = FALSE;
      c->client_open = FALSE;
      c->must_close = FALSE;
      c->lost_state = FALSE;
      break;
    default:
      break;
    }
}

static void
on_received (SesInvariants *inv, const SesObs *o, guint64 index)
{
  Peer *c = &inv->st.peers[o->client];
  Sess *s = &inv->st.sessions[session_of (inv, o->client)];
  const SesPacket *p = &o->pkt;
  guint32 *wire = &c->wire[o->by_broker ? 0 : 1];
  if (!keep_alive_packet (p) && *wire > 0)
    (*wire)--;
  if (o->by_broker)
    {
      if (p->type != SES_PKT_CONNECT)
        c->last_rx_us = o->time_us;
      switch (p->type)
        {
        case SES_PKT_CONNECT:
          if (c->second_connects > 0)
            {
              /* A second CONNECT on the open connection: a violation the
               * broker answers by closing; no session changes (both
               * [MQTT-3.1.0-2]). */
              c->second_connects--;
              c->violated = TRUE;
              c->last_rx_us = o->time_us;
            }
          else if (p->topic == 0)
            connect_received (inv, o, index);
          /* else a Protocol Name other than "MQTT": not an MQTT CONNECT,
           * so nothing of it may be processed (both [MQTT-3.1.2-1]); the
           * broker closes. */
          break;
        case SES_PKT_PUBLISH:
          publish_received (inv, o, index);
          break;
        case SES_PKT_PUBREL:
          pubrel_received (inv, o, index);
          break;
        case SES_PKT_PUBACK:
        case SES_PKT_PUBREC:
        case SES_PKT_PUBCOMP:
          ack_received (&s->ids, &c->out_b2c, p);
          break;
        case SES_PKT_SUBSCRIBE:
          if (c->connected)
            {
              gboolean added;
              Entry *e = vec_upsert (&c->granting, sizeof (Entry),
                                     p->packet_id, &added);
              e->value = p->topic;
              e->extra = p->qos;
            }
          break;
        case SES_PKT_UNSUBSCRIBE:
          /* both [MQTT-3.10.4-2]: no new messages for it from now */
          if (c->connected)
            unsubscribe (inv, session_of (inv, o->client), p->topic);
          break;
        case SES_PKT_DISCONNECT:
          disconnect_received (inv, o, index);
          break;
        default:
          break;
        }
      return;
    }
  switch (p->type)
    {
    case SES_PKT_CONNACK:
      connack_received (inv, o, index);
      break;
    case SES_PKT_PUBREC:
      /* 5.0: a failure PUBREC is the broker refusing the message
       * (§3.5.2.1), which ends the exchange ([MQTT-4.3.3-4]): it holds
       * nothing for a PUBREL. (Copies the judge owed subscribers when a
       * Method B broker received it stay owed: refusing a message after
       * taking it is not allowed.) */
      if (c->v5 && p->reason >= 0x80)
        vec_delete (&s->held, sizeof (Held), p->packet_id);
      ack_received (&c->ids, &c->out_c2b, p);
      break;
    case SES_PKT_PUBACK:
    case SES_PKT_PUBCOMP:
      ack_received (&c->ids, &c->out_c2b, p);
      break;
    case SES_PKT_SUBACK:
    case SES_PKT_UNSUBACK:
      {
        const Entry *a = vec_lookup (&c->asked, sizeof (Entry),
                                     p->packet_id);
        if (a == NULL)
          break;
        guint32 filter = a->value;
        gboolean sub = a->extra == 1;
        vec_delete (&c->asked, sizeof (Entry), p->packet_id);
        if (!sub)
          vec_delete (&c->believed, sizeof (Entry), filter);
        else if (p->type == SES_PKT_SUBACK && p->reason < 0x80)
          entry_set (&c->believed, filter, p->qos);
        break;
      }
    default:
      break;
    }
}

/* An end of a connection learns it is gone. */
static void
on_connection_lost (SesInvariants *inv, const SesObs *o, guint64 index)
{
  Peer *c = &inv->st.peers[o->client];
  if (o->by_broker && c->old_open && o->cause != SES_CAUSE_CUT
      && o->cause != SES_CAUSE_PEER_CLOSED)
    {
      c->old_open = FALSE; /* the old connection's end, not this one's */
      return;
    }
  if (!o->by_broker)
    {
      c->client_open = FALSE;
      if (o->cause == SES_CAUSE_CUT)
        c->second_connects = 0; /* destroyed in flight */
    }
  if (o->by_broker)
    {
      /* A close the network brought (the client's or a cut), or one the
       * broker made itself. */
      if (o->cause == SES_CAUSE_CUT || o->cause == SES_CAUSE_PEER_CLOSED
          || o->cause == SES_CAUSE_RESTART)
        broker_end_closed (inv, o->client, FALSE, o->time_us, index);
      else
        broker_closes (inv, o, c->v5 ? SES_RC_UNSPECIFIED : 0, index);
      c->second_connects = 0; /* they went with the connection */
      c->violated = FALSE;
      return;
    }
  c->client_up = FALSE;
  c->must_close = FALSE;
  /* A CONNACK sent on this connection and never received: the client
   * does not know what became of its session. */
  if (c->connack_us != NO_TIME && !c->connack_got)
    {
      c->lost_connack_us = c->connack_us;
      c->lost_connack_sp = c->connack_sp;
    }
  c->connack_us = NO_TIME;
}

/* ---- application deliveries ------------------------------------------ */


static void
on_deliver (SesInvariants *inv, const SesObs *o, guint64 index)
{
  const SesPacket *p = &o->pkt;
  Peer *c = &inv->st.peers[o->client];
  Sess *s = &inv->st.sessions[session_of (inv, o->client)];
  gboolean v5 = client_v5 (inv, o->client);
  guint64 key = (guint64) p->origin << 32 | p->seq;
  guint before = entry_get (&c->delivered, key);
  Copy *copy = s->exists ? copy_find (s, p) : NULL;

  /* order: only a message's first delivery counts; a resent QoS 1 message
   * may come again later (§4.6, non-normative). Retained messages sent on
   * SUBSCRIBE and wills are not part of a publisher's stream. */
  if (before == 0 && p->seq != 0 && !(p->flags & SES_PKT_F_RETAIN))
    {
      /* "Same topic and QoS" is the QoS the publisher used: messages
       * published at different QoS may overtake each other (a QoS 2 one
       * forwarded on PUBREL, say), even when delivered at one QoS. */
      guint published = entry_get (&inv->st.published_qos, key);
      guint qos = published > 0 ? published - 1 : p->qos;
      /* Ranked by when the broker routed it to this session: a QoS 1
       * message its publisher sent again is a new publication (3.1.1
       * [MQTT-4.3.2-2], 5.0 [MQTT-4.3.2-5]), routed later, and may well follow
       * a message published after its first copy. Without a copy (a QoS 0
       * copy is gone once sent; a session the reference does not hold)
       * its number ranks it: publishers never resend QoS 0, and send the
       * others in order. Ranks and numbers are different scales, so each
       * stream keeps one entry per scale and compares like with like. */
      gboolean by_seq = copy == NULL;
      guint rank = by_seq ? p->seq : copy->rank;
      guint64 skey = (guint64) p->topic << 32
                     | (guint64) (p->origin & 0x1FFFFFFF) << 3
                     | (by_seq ? STREAM_BY_SEQ : 0) | qos;
      gboolean added;
      Entry *e = vec_upsert (&c->streams, sizeof (Entry), skey, &added);
      if (!added && e->value > rank)
        {
          g_autofree char *m = msg_text (inv, p->origin, p->seq, p->payload);
          report (inv, SES_INV_ORDER, o->time_us, index,
                  pick (v5, "3.1.1 [MQTT-4.6.0-6]", "5.0 [MQTT-4.6.0-5]"),
                  "%s received %s for the first time after msg=%u.%u from "
                  "the same publisher on \"%s\" published at QoS %u, "
                  "which the broker took after it",
                  label (inv, o->client), m, p->origin, e->extra,
                  text (inv, p->topic), qos);
        }
      else
        {
          e->value = rank;
          e->extra = p->seq;
        }
    }

  guint q2 = before > 0 ? before - 1 : 0;
  if (p->qos == 2 && !(p->flags & SES_PKT_F_RETAIN))
    {
      /* 3.1.1 [MQTT-4.3.3-2], 5.0 [MQTT-4.3.3-10]: a QoS 2 message reaches
       * the application once. Only wills, which all have seq 0, can be
       * told apart by nothing but their routings; a retained message sent
       * again on SUBSCRIBE is a new copy and is not counted. */
      q2++;
      guint32 allowed = 1;
      if (p->seq == 0 && copy != NULL && copy->routed_q2 > 1)
        allowed = copy->routed_q2;
      if (q2 > allowed)
        {
          g_autofree char *m = msg_text (inv, p->origin, p->seq, p->payload);
          report (inv, SES_INV_QOS2_ONCE, o->time_us, index,
                  pick (v5, "3.1.1 [MQTT-4.3.3-2]", "5.0 [MQTT-4.3.3-10]"),
                  "%s received QoS 2 %s %u times in one session",
                  label (inv, o->client), m, q2);
        }
    }
  entry_set (&c->delivered, key, q2 + 1);

  if (copy != NULL && copy->pending > 0)
    {
      copy->pending--;
      copy_settle (s, copy);
    }
}

/* ---- the observer ---------------------------------------------------- */

void
ses_invariants_observe (SesInvariants *inv, const SesObs *o)
{
  g_return_if_fail (inv != NULL && o != NULL);
  guint64 index = inv->st.next_index++;
  /* Coverage counts the rules every observation cites, read or not: it
   * says what the run exercised, and judges nothing. */
  if (inv->rule_sink != NULL && o->rule != NULL)
    inv->rule_sink (o->rule, inv->rule_sink_data);
  if (!ses_invariants_reads ((SesObsKind) o->kind))
    return;
  /* Timers of the reference fall due only as time passes them: one made
   * within an instant is never due before it (deadlines count from now). */
  if (o->time_us > inv->st.now_us)
    {
      flush_instant (inv, o->time_us);
      inv->st.now_us = o->time_us;
      advance (inv, o->time_us, index);
      check_keep_alive (inv, o->time_us, index);
    }
  if (o->client >= inv->n_clients)
    {
      /* Broker-wide: a restart. */
      if (o->kind == SES_OBS_FAULT && o->cause == SES_FAULT_KIND_RESTART)
        {
          gboolean persistent = broker_cfg (inv)->persistence;
          /* Every connection drops; a broker that keeps nothing loses its
           * sessions, their wills and its retained messages with it. */
          for (guint32 i = 0; i < inv->n_clients; i++)
            broker_end_closed (inv, i, FALSE, o->time_us, index);
          if (!persistent)
            {
              for (guint32 i = 0; i < inv->n_sessions; i++)
                end_session (inv, i, o->time_us, index, TRUE);
              inv->st.retained.len = 0;
            }
        }
      return;
    }
  switch ((SesObsKind) o->kind)
    {
    case SES_OBS_SEND:
    case SES_OBS_LOST:
      on_sent (inv, o, index);
      break;
    case SES_OBS_RECEIVE:
      on_received (inv, o, index);
      break;
    case SES_OBS_CONNECTION_LOST:
      on_connection_lost (inv, o, index);
      break;
    case SES_OBS_DELIVER:
      on_deliver (inv, o, index);
      break;
    case SES_OBS_CLIENT_DISCARDED:
      {
        Peer *c = &inv->st.peers[o->client];
        c->ids.len = 0;
        c->believed.len = 0;
        break;
      }
    case SES_OBS_FAULT:
      if (o->cause == SES_FAULT_KIND_CRASH
          && !ses_mqtt_config_client (inv->cfg, o->client)->persistent_store)
        {
          /* Its memory is gone: a new application, with no ids in use and
           * no belief about a session. */
          Peer *c = &inv->st.peers[o->client];
          c->ids.len = 0;
          c->believed.len = 0;
          c->asked.len = 0;
          c->lost_state = TRUE;
          c->lost_connack_us = NO_TIME;
          reset_application (c);
        }
      if (o->cause == SES_FAULT_KIND_CRASH)
        inv->st.peers[o->client].client_open = FALSE;
      break;
    default:
      break;
    }
}

static void
observer (const SesObs *obs, gpointer user_data)
{
  SesInvariants *inv = user_data;
  /* The model does not build what the judge does not read (unless it
   * records them, or coverage wants their rules): the index is the
   * model's own count, which goes on for those too. */
  inv->st.next_index = ses_mqtt_counters (inv->mqtt)->observations - 1;
  ses_invariants_observe (inv, obs);
}

/* The kinds ses_invariants_reads() accepts, as a mask. */
static guint64
read_kinds (void)
{
  guint64 kinds = 0;
  for (guint k = 0; k < 64; k++)
    if (ses_invariants_reads ((SesObsKind) k))
      kinds |= G_GUINT64_CONSTANT (1) << k;
  return kinds;
}

/* ---- lifetime and the end of a run ----------------------------------- */

typedef void (*VecFunc) (Vec *v, gsize size, gpointer data);

static G_ALWAYS_INLINE inline void
fields_foreach (gpointer base, const VecField *fields, guint n, VecFunc fn,
                gpointer data)
{
  for (guint i = 0; i < n; i++)
    fn (G_STRUCT_MEMBER_P (base, fields[i].offset), fields[i].size, data);
}

/* Calls fn on every Vec of st, with the size of its elements, always in
 * the same order. */
static G_ALWAYS_INLINE inline void
state_foreach_vec (State *st, guint n_clients, guint n_sessions, VecFunc fn,
                   gpointer data)
{
  fields_foreach (st, state_vecs, G_N_ELEMENTS (state_vecs), fn, data);
  for (guint i = 0; i < n_clients; i++)
    fields_foreach (&st->peers[i], peer_vecs, G_N_ELEMENTS (peer_vecs), fn,
                    data);
  for (guint i = 0; i < n_sessions; i++)
    fields_foreach (&st->sessions[i], sess_vecs, G_N_ELEMENTS (sess_vecs),
                    fn, data);
}

/* The checker, its peers and its sessions: the start of its block. */
static gsize
block_head (guint n_clients, guint n_sessions)
{
  return sizeof (SesInvariants) + sizeof (Peer) * n_clients
         + sizeof (Sess) * n_sessions;
}

static void
block_attach (SesInvariants *inv)
{
  inv->st.peers = (Peer *) (inv + 1);
  inv->st.sessions = (Sess *) (inv->st.peers + inv->n_clients);
}

static void
run_clear (gpointer data)
{
  Run *run = data;
  g_array_unref (run->no_violations);
}

/* The judge itself, attached to no world. */
static SesInvariants *
judge_new (SesMqttConfig *cfg, guint32 disabled)
{
  guint n_clients = ses_mqtt_config_n_clients (cfg);
  guint n_sessions = ses_mqtt_config_n_sessions (cfg);
  /* Client and session numbers stay far from NOBODY, and from the bits
   * a key packs them into. */
  g_return_val_if_fail (n_clients < 0xFFFF && n_sessions < 0xFFFF, NULL);

  Run *run = g_atomic_rc_box_alloc0 (sizeof (Run) + sizeof (guint32)
                                                      * (n_sessions
                                                         + 2 * n_clients));
  run->no_violations = g_array_new (FALSE, FALSE, sizeof (SesViolation));
  run->first_client = run->lists;
  run->next_client = run->lists + n_sessions;
  run->session_of = run->next_client + n_clients;
  for (guint i = 0; i < n_sessions; i++)
    run->first_client[i] = NOBODY;
  for (guint i = n_clients; i-- > 0;)
    {
      guint32 s = ses_mqtt_config_client_session (cfg, i);
      run->session_of[i] = s;
      /* Built backwards, so each list runs in client order. */
      run->next_client[i] = run->first_client[s];
      run->first_client[s] = i;
    }

  SesInvariants *inv = ses_block_alloc0 (block_head (n_clients, n_sessions));
  inv->cfg = cfg;
  inv->run = run;
  inv->disabled = disabled;
  inv->n_clients = n_clients;
  inv->n_sessions = n_sessions;
  inv->method_a = ses_mqtt_config_broker (cfg)->qos2_on_pubrel;
  block_attach (inv);
  for (guint i = 0; i < n_clients; i++)
    {
      Peer *c = &inv->st.peers[i];
      c->rm_client = c->rm_broker = 65535;
      c->connack_us = c->lost_connack_us = NO_TIME;
    }
  for (guint i = 0; i < n_sessions; i++)
    {
      Sess *s = &inv->st.sessions[i];
      s->kept_us = s->deadline_us = s->will_due_us = NO_TIME;
      s->expired_us = NO_TIME;
      s->conn = NOBODY;
    }
  return inv;
}

SesInvariants *
ses_invariants_new (SesWorld *world, guint32 disabled)
{
  g_return_val_if_fail (world != NULL, NULL);
  SesMqtt *mqtt = ses_mqtt_from_world (world);
  SesInvariants *inv = judge_new (ses_mqtt_config (mqtt), disabled);
  inv->world = world;
  inv->mqtt = mqtt;
  inv->st.next_index = ses_mqtt_counters (mqtt)->observations;
  inv->st.now_us = ses_world_now (world);
  ses_mqtt_set_observer (mqtt, observer, inv);
  ses_mqtt_set_observer_kinds (mqtt, read_kinds ());
  return inv;
}

SesInvariants *
ses_invariants_new_for_config (SesMqttConfig *cfg, guint32 disabled)
{
  g_return_val_if_fail (cfg != NULL, NULL);
  return judge_new (ses_mqtt_config_ref (cfg), disabled);
}

static void
vec_free (Vec *v, gsize size, gpointer data)
{
  if (vec_owned (v))
    g_free (v->data);
}

void
ses_invariants_free (SesInvariants *inv)
{
  if (inv == NULL)
    return;
  /* The world must still be alive: the observer is removed from it. */
  if (inv->mqtt != NULL)
    {
      ses_mqtt_set_observer (inv->mqtt, NULL, NULL);
      ses_mqtt_set_observer_kinds (inv->mqtt, 0);
    }
  else
    ses_mqtt_config_unref (inv->cfg);
  state_foreach_vec (&inv->st, inv->n_clients, inv->n_sessions, vec_free,
                     NULL);
  if (inv->st.violations != NULL)
    g_array_unref (inv->st.violations);
  if (inv->st.seen != NULL)
    g_hash_table_unref (inv->st.seen);
  if (!inv->run_borrowed)
    g_atomic_rc_box_release_full ((gpointer) inv->run, run_clear);
  ses_block_free (inv);
}

/* ---- copies, for the model checker ------------------------------------ */

#define ALIGN8(n) (((n) + 7) & ~(gsize) 7)

static void
vec_measure (Vec *v, gsize size, gpointer data)
{
  *(gsize *) data += ALIGN8 (v->len * size);
}

/* Room a copy made into the explorer's scratch leaves each Vec, so that
 * the step tried on it inserts without allocating. */
#define VEC_SCRATCH_SPARE 2

static void
vec_measure_room (Vec *v, gsize size, gpointer data)
{
  *(gsize *) data += ALIGN8 ((v->len + VEC_SCRATCH_SPARE) * size);
}

/* Moves v's contents to `*next` in the new block, with room for `spare`
 * more elements there. */
static void
vec_pack_spare (Vec *v, gsize size, char **next, guint32 spare)
{
  gsize bytes = v->len * size;
  if (bytes > 0)
    memcpy (*next, v->data, bytes);
  if (bytes == 0 && spare == 0)
    {
      v->data = NULL;
      v->cap = 0;
      return;
    }
  v->data = *next;
  v->cap = spare == 0 ? 0 : (v->len + spare) | VEC_LENT;
  *next += ALIGN8 ((v->len + spare) * size);
}

/* As vec_pack, with room for VEC_SCRATCH_SPARE more elements. */
static void
vec_pack_room (Vec *v, gsize size, gpointer data)
{
  vec_pack_spare (v, size, data, VEC_SCRATCH_SPARE);
}

/* Moves v's contents to `*next` in the new block, leaving no room to grow. */
static void
vec_pack (Vec *v, gsize size, gpointer data)
{
  vec_pack_spare (v, size, data, 0);
}

static void
violations_copy (State *dst, const State *src)
{
  dst->violations = NULL;
  dst->seen = NULL;
  if (src->violations == NULL)
    return;
  dst->violations = g_array_sized_new (FALSE, FALSE, sizeof (SesViolation),
                                       src->violations->len);
  g_array_set_clear_func (dst->violations, violation_clear);
  for (guint i = 0; i < src->violations->len; i++)
    {
      SesViolation v = g_array_index (src->violations, SesViolation, i);
      v.message = g_strdup (v.message);
      g_array_append_val (dst->violations, v);
    }
  dst->seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  GHashTableIter it;
  gpointer k;
  g_hash_table_iter_init (&it, src->seen);
  while (g_hash_table_iter_next (&it, &k, NULL))
    g_hash_table_add (dst->seen, g_strdup (k));
}

/* One allocation for the checker, its peers, its sessions and the contents
 * of every Vec: a struct copy of the first three, so no scalar can be
 * forgotten, then every Vec moved into the rest of the block (one left
 * pointing at the original's would be freed twice or change under it).
 * Borrowing, no reference is taken on the run. */
static SesInvariants *
copy_new (const SesInvariants *inv, SesWorld *world, gboolean borrowing)
{
  g_return_val_if_fail (inv != NULL && world != NULL, NULL);
  g_return_val_if_fail (inv->world != NULL, NULL);
  /* Two checkers cannot share one world: each is its model's observer. */
  g_return_val_if_fail (world != inv->world, NULL);
  SesMqtt *mqtt = ses_mqtt_from_world (world);
  /* A copy of the world shares its configuration, hence its strings. */
  g_return_val_if_fail (ses_mqtt_config (mqtt) == inv->cfg, NULL);
  g_assert (inv->st.peers == (const Peer *) (inv + 1));

  gsize head = block_head (inv->n_clients, inv->n_sessions);
  gsize bytes = head;
  state_foreach_vec ((State *) &inv->st, inv->n_clients, inv->n_sessions,
                     vec_measure, &bytes);
  SesInvariants *copy = ses_block_alloc (bytes);
  memcpy (copy, inv, head);
  copy->world = world;
  copy->mqtt = mqtt;
  copy->run = borrowing ? inv->run
                        : g_atomic_rc_box_acquire ((gpointer) inv->run);
  copy->run_borrowed = borrowing;
  block_attach (copy);
  char *next = (char *) copy + head;
  state_foreach_vec (&copy->st, copy->n_clients, copy->n_sessions, vec_pack,
                     &next);
  violations_copy (&copy->st, &inv->st);
  ses_mqtt_set_observer (mqtt, observer, copy);
  return copy;
}

SesInvariants *
ses_invariants_copy (const SesInvariants *inv, SesWorld *world)
{
  return copy_new (inv, world, FALSE);
}

SesInvariants *
ses_invariants_copy_borrowing (const SesInvariants *inv, SesWorld *world)
{
  return copy_new (inv, world, TRUE);
}

SesInvariants *
ses_invariants_copy_into (SesInvariants *dest, const SesInvariants *inv,
                          SesWorld *world)
{
  g_return_val_if_fail (inv != NULL && world != NULL, dest);
  g_return_val_if_fail (inv->world != NULL && world != inv->world, dest);
  if (dest == NULL)
    return ses_invariants_copy (inv, world);
  SesMqtt *mqtt = ses_mqtt_from_world (world);
  g_return_val_if_fail (ses_mqtt_config (mqtt) == inv->cfg, dest);
  g_return_val_if_fail (dest->cfg == inv->cfg && dest->mqtt != NULL, dest);
  g_assert (inv->st.peers == (const Peer *) (inv + 1));

  /* What dest owns goes back: Vecs that outgrew the block, violations.
   * Its observer registration is not undone: its model is either world's,
   * whose observer is set below, or freed already. */
  state_foreach_vec (&dest->st, dest->n_clients, dest->n_sessions, vec_free,
                     NULL);
  if (dest->st.violations != NULL)
    g_array_unref (dest->st.violations);
  if (dest->st.seen != NULL)
    g_hash_table_unref (dest->st.seen);
  /* The reference dest holds (or borrows) is the one the copy needs. */
  const Run *run = dest->run;
  gboolean borrowed = dest->run_borrowed;
  if (run != inv->run)
    {
      if (!borrowed)
        g_atomic_rc_box_release_full ((gpointer) run, run_clear);
      run = g_atomic_rc_box_acquire ((gpointer) inv->run);
      borrowed = FALSE;
    }

  gsize head = block_head (inv->n_clients, inv->n_sessions);
  gsize bytes = head;
  state_foreach_vec ((State *) &inv->st, inv->n_clients, inv->n_sessions,
                     vec_measure_room, &bytes);
  if (ses_block_size (dest) < bytes)
    {
      ses_block_free (dest);
      dest = ses_block_alloc (bytes + bytes / 2);
    }
  memcpy (dest, inv, head);
  dest->world = world;
  dest->mqtt = mqtt;
  dest->run = run;
  dest->run_borrowed = borrowed;
  block_attach (dest);
  char *next = (char *) dest + head;
  state_foreach_vec (&dest->st, dest->n_clients, dest->n_sessions,
                     vec_pack_room, &next);
  violations_copy (&dest->st, &inv->st);
  ses_mqtt_set_observer (mqtt, observer, dest);
  return dest;
}

void
ses_invariants_set_tolerance (SesInvariants *inv, SesTime tolerance_us)
{
  inv->tolerance_us = tolerance_us;
}

void
ses_invariants_set_rule_sink (SesInvariants *inv, SesRuleSink sink,
                              gpointer data)
{
  g_return_if_fail (inv != NULL);
  inv->rule_sink = sink;
  inv->rule_sink_data = data;
  /* Coverage wants the rule of every observation, read or not. */
  if (inv->mqtt != NULL)
    ses_mqtt_set_observer_kinds (inv->mqtt, sink != NULL ? 0 : read_kinds ());
}

/* ---- digests, for the model checker ---------------------------------- */

/* What the digest leaves out, and why (the explorer merges two paths whose
 * worlds and digests are equal, so anything left out must not be able to
 * change what a continuation is judged to break):
 *  - the violations found so far, and `seen`: history. The explorer looks
 *    at a checker's violations after every step, before it looks the state
 *    up, and a violation found is reported there; `seen` only keeps the
 *    same (invariant, message) from being reported twice, so whichever of
 *    two merged paths goes on, every violation still shows on some path;
 *  - observation indexes (next_index, Copy.routed_index, the doubt's) and
 *    times that only appear in messages (when a copy without expiry was
 *    routed, when a session began, when a CONNACK was sent or lost, the
 *    instant of a takeover): they change the wording of a report, never
 *    whether it is made;
 *  - the fields of a CONNECT the broker is not answering (p_*, reset by
 *    the next one);
 *  - a session's routing counter (`routed`): the ranks it gave are
 *    digested as ages against it (rank_age), which is all the order check
 *    can tell apart;
 *  - now_us, except whether the world's clock has moved past it while
 *    judgements for that instant are pending (the next observation will
 *    make them).
 * Times are digested relative to the world's clock, as ses_world_encode()
 * writes the world's own, so that states that differ only in when they
 * happen still merge. Maps are kept sorted by key, so they are digested in
 * order; a session's copies are digested in routing order, which
 * drop-oldest and the order check depend on. */

typedef struct {
  guint64 h;
  SesTime now;
} Dig;

/* For an entry of a sum: every bit of v moves every bit of the result.
 * The step of ses_splitmix64(), here so that it can be inlined. */
static inline guint64
mix (guint64 h, guint64 v)
{
  guint64 z = (h ^ v) + G_GUINT64_CONSTANT (0x9e3779b97f4a7c15);
  z = (z ^ (z >> 30)) * G_GUINT64_CONSTANT (0xbf58476d1ce4e5b9);
  z = (z ^ (z >> 27)) * G_GUINT64_CONSTANT (0x94d049bb133111eb);
  return z ^ (z >> 31);
}

/* NONE and every time have distinct encodings. */
static guint64
mix_time (guint64 h, SesTime t, SesTime now)
{
  return t == NO_TIME ? mix (h, 1) : mix (mix (h, 2), (guint64) (t - now));
}

/* One word of the digest: the step ses_hash_bytes() takes for each. */
static inline void
dig_u64 (Dig *d, guint64 v)
{
  d->h ^= v;
  d->h *= G_GUINT64_CONSTANT (0x9fb21c651e98df25);
  d->h ^= d->h >> 29;
}

/* NONE and every time have distinct encodings. */
static void
dig_time (Dig *d, SesTime t)
{
  if (t == NO_TIME)
    dig_u64 (d, 1);
  else
    {
      dig_u64 (d, 2);
      dig_u64 (d, (guint64) (t - d->now));
    }
}

/* A sorted map: its size, then its entries in key order. */
/* A sorted map's entries, in key order; its length is digested apart.
 * Keys are small (ids, interned strings, indexes): one word an entry. */
static inline guint64
entry_word (const Entry *e, guint32 value)
{
  return e->key * G_GUINT64_CONSTANT (0x9e3779b97f4a7c15)
         ^ ((guint64) e->extra << 32 | value);
}

static void
entries_only (Dig *d, const Vec *v)
{
  const Entry *e = v->data;
  for (guint i = 0; i < v->len; i++)
    dig_u64 (d, entry_word (&e[i], e[i].value));
}

/* A sorted map: its size, then its entries. */
static void
entries_digest (Dig *d, const Vec *v)
{
  dig_u64 (d, v->len);
  entries_only (d, v);
}

/* Ids in use, by id; their number is digested apart. */
static void
ids_only (Dig *d, const Vec *v)
{
  const InUse *u = v->data;
  for (guint i = 0; i < v->len; i++)
    {
      dig_u64 (d, (guint64) u[i].origin << 32 | u[i].seq);
      dig_u64 (d, (guint64) u[i].payload << 24 | (guint64) u[i].qos << 16
                    | u[i].id);
    }
}

static void
ids_digest (Dig *d, const Vec *v)
{
  dig_u64 (d, v->len);
  ids_only (d, v);
}

static guint64
msg_hash (guint64 h, const Msg *m)
{
  h = mix (h, (guint64) m->origin << 32 | m->seq);
  h = mix (h, (guint64) m->topic << 32 | m->payload);
  h = mix (h, (guint64) m->expiry_s << 32 | (guint64) m->qos << 24
                | (guint64) m->has_expiry << 16 | (guint64) m->retain << 8
                | m->will);
  return h;
}

/* How many routings ago a rank was given, by the session whose counter
 * gave it. Only such differences are digested: the order check compares
 * ranks of one session with each other, never with the counter itself, so
 * two states whose ranks are the same distances behind their counters are
 * judged alike from then on, whatever the counters read. (The counter
 * itself would split states that differ only in how many copies were
 * routed and settled long ago.) */
static inline guint32
rank_age (guint32 routed, guint32 rank)
{
  return routed - rank;
}

static guint64
copy_hash (const Copy *c, guint32 routed, SesTime now)
{
  guint64 h = mix ((guint64) c->origin << 32 | c->seq,
                   (guint64) c->topic << 32 | c->payload);
  h = mix (h, (guint64) c->pending << 40 | (guint64) c->unsent << 16
                | (guint64) c->qos << 8 | (guint64) c->will << 4
                | c->has_expiry);
  h = mix (h, (guint64) c->routed_q2 << 32 | rank_age (routed, c->rank));
  if (c->has_expiry)
    h = mix_time (mix (h, c->expiry_s), c->routed_us, now);
  return h;
}

/* A time as one word: relative to the world's clock, NONE apart. */
static inline guint64
rel_time (const Dig *d, SesTime t)
{
  return t == NO_TIME ? G_MAXUINT64 : (guint64) (t - d->now);
}

/* The highest ranks delivered, as ages against the counter of the
 * session that gave them (`routed`); message numbers as they are. */
static void
streams_only (Dig *d, const Vec *v, guint32 routed)
{
  const Entry *e = v->data;
  for (guint i = 0; i < v->len; i++)
    {
      guint32 value = (e[i].key & STREAM_BY_SEQ) != 0
                        ? e[i].value : rank_age (routed, e[i].value);
      dig_u64 (d, entry_word (&e[i], value));
    }
}

/* Most fields are small: they are packed into few words, since the digest
 * is taken for every state the checker reaches. `routed` is the counter of
 * the client's session, which ranked what its application was given. */
static void
peer_digest (Dig *d, const Peer *c, guint32 routed)
{
  const Vec *maps[] = { &c->delivered, &c->streams, &c->believed, &c->asked,
                        &c->doubted, &c->out_b2c, &c->out_c2b, &c->granting };
  guint64 lens = 0;
  for (guint i = 0; i < G_N_ELEMENTS (maps); i++)
    lens = lens * 0x10001 + maps[i]->len;
  dig_u64 (d, lens);
  for (guint i = 0; i < G_N_ELEMENTS (maps); i++)
    if (maps[i] == &c->streams)
      streams_only (d, maps[i], routed);
    else
      entries_only (d, maps[i]);
  ids_digest (d, &c->ids);
  dig_u64 (d, (guint64) c->rm_client | (guint64) c->rm_broker << 16
                | (guint64) c->ka_s << 32 | (guint64) c->v5 << 48
                | (guint64) c->broker_up << 52 | (guint64) c->connected << 54
                | (guint64) c->client_up << 56
                | (guint64) c->p_pending << 58 | (guint64) c->old_open << 60
                | (guint64) c->lost_state << 61 | (guint64) c->must_close << 62
                | (guint64) c->ka_late << 63);
  /* Only when a second CONNECT is in play: the digests of every run
   * without one stay as they were. client_open alone changes no verdict
   * until such a CONNECT is sent. */
  if (c->second_connects != 0 || c->violated)
    dig_u64 (d, (guint64) c->second_connects << 8
                  | (guint64) c->violated << 16 | 0x5C);
  if (c->client_up && c->ka_s != 0)
    dig_u64 (d, rel_time (d, c->last_tx_us));
  dig_u64 (d, (guint64) c->wire[0] | (guint64) c->wire[1] << 32);
  if (c->broker_up && c->ka_s != 0)
    dig_u64 (d, rel_time (d, c->last_rx_us));
  /* The CONNACKs sent and lost only word a coherence report. */
  if (c->p_pending)
    {
      dig_u64 (d, (guint64) c->p_clean | (guint64) c->p_empty_id << 1
                    | (guint64) c->p_sp << 8
                    | (guint64) c->p_ka_s << 16 | (guint64) c->p_will << 32);
      dig_u64 (d, c->p_expiry_s);
    }
}

/* A client slot under a renaming (symmetry reduction): rename[slot], or
 * the slot itself without one; NOBODY stays NOBODY. */
static inline guint32
renamed_slot (const guint32 *rename, guint32 slot, guint n_clients)
{
  return rename != NULL && slot < n_clients ? rename[slot] : slot;
}

static void
sess_digest (Dig *d, const Sess *s, const guint32 *rename, guint n_clients)
{
  dig_u64 (d, (guint64) s->exists | (guint64) s->will_v5 << 1
                | (guint64) (s->expired_us != NO_TIME) << 2
                | (guint64) s->copies.len << 8 | (guint64) s->ids.len << 24
                | (guint64) s->held.len << 40);
  /* Routing order does not matter but for drop-oldest, whose choice
   * follows it: digested in order. */
  for (guint i = 0; i < s->copies.len; i++)
    dig_u64 (d, copy_hash (vec_at (&s->copies, i, sizeof (Copy)), s->routed,
                           d->now));
  ids_only (d, &s->ids);
  for (guint i = 0; i < s->held.len; i++)
    {
      const Held *h = vec_at (&s->held, i, sizeof (Held));
      dig_u64 (d, msg_hash (mix (h->id, h->routed), &h->msg));
    }
  dig_u64 (d, rel_time (d, s->kept_us));
  dig_u64 (d, rel_time (d, s->deadline_us));
  dig_u64 (d, rel_time (d, s->will_due_us));
  dig_u64 (d, (guint64) s->expiry_s << 32
                | renamed_slot (rename, s->conn, n_clients));
  /* Whose connection set the will counts only while there is one: under
   * a renaming, a stale slot must not tell renamed twins apart. */
  guint32 will_slot = rename != NULL && s->will == 0
                        ? 0 : renamed_slot (rename, s->will_slot, n_clients);
  dig_u64 (d, (guint64) s->will << 32 | will_slot);
}

static gint
compare_entry_keys (gconstpointer a, gconstpointer b)
{
  guint64 x = ((const Entry *) a)->key, y = ((const Entry *) b)->key;
  return x < y ? -1 : x > y;
}

/* Who subscribes to what, with sessions renamed (sr != NULL): the map
 * re-sorted by its renamed keys, so that it is digested in key order as
 * the map itself is. */
static void
subs_digest (Dig *d, const Vec *subs, const guint32 *sr, guint n_sessions)
{
  if (sr == NULL || subs->len == 0)
    {
      entries_digest (d, subs);
      return;
    }
  Entry local[64];
  Entry *e = subs->len <= G_N_ELEMENTS (local) ? local
                                               : g_new (Entry, subs->len);
  memcpy (e, subs->data, sizeof (Entry) * subs->len);
  for (guint i = 0; i < subs->len; i++)
    {
      guint32 session = (guint32) e[i].key;
      if (session < n_sessions)
        e[i].key = (e[i].key & ~(guint64) G_MAXUINT32) | sr[session];
    }
  qsort (e, subs->len, sizeof (Entry), compare_entry_keys);
  Vec sorted = { e, subs->len, 0 };
  entries_digest (d, &sorted);
  if (e != local)
    g_free (e);
}

/* The digest of the state with its clients and sessions renamed, for the
 * model checker's symmetry reduction: client co[i] (session so[i]) is
 * digested in place i, and every client (session) it names is renamed
 * through cr (sr), the inverse of co (so). All four NULL: as it is. */
static void
state_digest (Dig *d, const State *st, const guint32 *session_of,
              guint n_clients, guint n_sessions, const guint32 *co,
              const guint32 *cr, const guint32 *so, const guint32 *sr)
{
  for (guint i = 0; i < n_clients; i++)
    {
      guint32 c = co != NULL ? co[i] : i;
      peer_digest (d, &st->peers[c], st->sessions[session_of[c]].routed);
    }
  for (guint i = 0; i < n_sessions; i++)
    sess_digest (d, &st->sessions[so != NULL ? so[i] : i], cr, n_clients);
  /* The judgements owed at the end of the instant now_us. */
  guint64 sum = 0;
  for (guint i = 0; i < st->takeovers.len; i++)
    sum += mix (0, renamed_slot (cr, ((const Takeover *) vec_at (
                                          &st->takeovers, i,
                                          sizeof (Takeover)))->client,
                                 n_clients));
  dig_u64 (d, st->takeovers.len);
  dig_u64 (d, sum);
  gboolean doubts = FALSE;
  for (guint i = 0; i < n_clients; i++)
    doubts |= st->peers[i].doubted.len > 0 || st->peers[i].must_close;
  if (st->takeovers.len > 0 || doubts)
    dig_u64 (d, st->now_us < d->now);
  /* Who subscribes to what: sorted by filter, then session. */
  subs_digest (d, &st->subs, sr, n_sessions);
  entries_digest (d, &st->published_qos);
  dig_u64 (d, st->retained.len);
  for (guint i = 0; i < st->retained.len; i++)
    {
      const Retained *r = vec_at (&st->retained, i, sizeof (Retained));
      dig_u64 (d, msg_hash (0, &r->msg));
      if (r->msg.has_expiry)
        dig_time (d, r->set_us);
    }
  dig_u64 (d, st->finished);
}

guint64
ses_invariants_digest (const SesInvariants *inv)
{
  g_return_val_if_fail (inv != NULL, 0);
  Dig d = { G_GUINT64_CONSTANT (0x243f6a8885a308d3),
            inv->world != NULL ? ses_world_now (inv->world)
                               : inv->st.now_us };
  dig_u64 (&d, inv->disabled);
  state_digest (&d, &inv->st, inv->run->session_of, inv->n_clients,
                inv->n_sessions, NULL, NULL, NULL, NULL);
  return mix (d.h, 0);
}

guint64
ses_invariants_digest_renamed (const SesInvariants *inv,
                               const guint32 *client_order,
                               const guint32 *client_rename,
                               const guint32 *session_order,
                               const guint32 *session_rename)
{
  g_return_val_if_fail (inv != NULL, 0);
  Dig d = { G_GUINT64_CONSTANT (0x243f6a8885a308d3),
            inv->world != NULL ? ses_world_now (inv->world)
                               : inv->st.now_us };
  dig_u64 (&d, inv->disabled);
  state_digest (&d, &inv->st, inv->run->session_of, inv->n_clients,
                inv->n_sessions, client_order, client_rename, session_order,
                session_rename);
  return mix (d.h, 0);
}

guint64
ses_invariants_client_digest (const SesInvariants *inv, guint32 client,
                              guint32 session)
{
  g_return_val_if_fail (inv != NULL && client < inv->n_clients
                        && session < inv->n_sessions, 0);
  Dig d = { G_GUINT64_CONSTANT (0x452821e638d01377),
            inv->world != NULL ? ses_world_now (inv->world)
                               : inv->st.now_us };
  peer_digest (&d, &inv->st.peers[client],
               inv->st.sessions[inv->run->session_of[client]].routed);
  /* The session's references to its own client read alike whoever that
   * client is; any other client stays as it is. */
  Sess s = inv->st.sessions[session];
  if (s.conn == client)
    s.conn = NOBODY - 1;
  if (s.will == 0)
    s.will_slot = 0;
  else if (s.will_slot == client)
    s.will_slot = NOBODY - 1;
  sess_digest (&d, &s, NULL, inv->n_clients);
  const Entry *e = inv->st.subs.data;
  for (guint i = 0; i < inv->st.subs.len; i++)
    if ((guint32) e[i].key == session)
      dig_u64 (&d, (e[i].key >> 32) << 8 | e[i].value);
  return mix (d.h, 0);
}

/* no-loss and qos1-at-least-once at quiescence: a session the judge knows
 * lives, whose client is connected at both ends, with nothing on the wire
 * either way (keep-alive pings aside) and no QoS 1/2 PUBLISH it has not
 * acknowledged, has had every chance to receive what it is owed.
 * 3.1.1 [MQTT-4.1.0-1] keep it while the session lives; 5.0 [MQTT-4.4.0-1]
 * resend it on reconnect. A will owed is judged under `will`. */
static void
judge_loss (SesInvariants *inv, SesTime now)
{
  for (guint32 i = 0; i < inv->n_sessions; i++)
    {
      Sess *s = &inv->st.sessions[i];
      if (!s->exists || s->copies.len == 0 || s->conn == NOBODY)
        continue;
      guint32 slot = s->conn;
      const Peer *p = &inv->st.peers[slot];
      if (!p->connected || !p->broker_up || !p->client_up
          || p->out_b2c.len > 0 || p->wire[0] != 0 || p->wire[1] != 0)
        continue;
      gboolean v5 = client_v5 (inv, slot);
      for (guint k = 0; k < s->copies.len; k++)
        {
          const Copy *c = vec_at (&s->copies, k, sizeof (Copy));
          if (c->pending == 0)
            continue;
          /* Expired before it was sent: dropped, not lost (5.0
           * [MQTT-3.3.2-5]). */
          if (c->has_expiry && c->unsent > 0
              && now > c->routed_us + ses_time_from_s (c->expiry_s))
            continue;
          g_autofree char *m = msg_text (inv, c->origin, c->seq, c->payload);
          g_autofree char *when = ses_time_format (c->routed_us);
          if (c->will)
            {
              report (inv, SES_INV_WILL, now, c->routed_index,
                      pick (v5, "3.1.1 [MQTT-3.1.2-8]", "5.0 [MQTT-3.1.2-8]"),
                      "%s never received the will %s (QoS %u) that was due "
                      "at %s, although its session lives and it is connected "
                      "with nothing in flight",
                      label (inv, slot), m, c->qos, when);
              continue;
            }
          for (SesInvariantId id = SES_INV_NO_LOSS;
               id <= SES_INV_QOS1_AT_LEAST_ONCE; id++)
            {
              if (id == SES_INV_QOS2_ONCE
                  || (id == SES_INV_QOS1_AT_LEAST_ONCE && c->qos != 1))
                continue;
              report (inv, id, now, c->routed_index,
                      pick (v5, "3.1.1 [MQTT-4.1.0-1]", "5.0 [MQTT-4.4.0-1]"),
                      "%s never received %s (QoS %u, owed to its session "
                      "since %s) although the session lives and %s is "
                      "connected with nothing in flight",
                      label (inv, slot), m, c->qos, when, label (inv, slot));
            }
        }
    }
}

/* completion at quiescence: a session whose client is connected at both
 * ends with nothing on the wire either way (keep-alive pings aside) has no
 * QoS 1/2 exchange left half done, in either direction: the side that owes
 * the next packet (PUBACK, PUBREC, PUBREL, PUBCOMP, or the resend after a
 * reconnect) has had every chance to send it (3.1.1 [MQTT-4.3.2-1],
 * [MQTT-4.3.3-1]; 5.0 [MQTT-4.3.2-3], [MQTT-4.3.3-3], [MQTT-4.4.0-1]). */
static void
judge_completion (SesInvariants *inv, SesTime now)
{
  for (guint32 i = 0; i < inv->n_sessions; i++)
    {
      Sess *s = &inv->st.sessions[i];
      if (!s->exists || s->conn == NOBODY)
        continue;
      guint32 slot = s->conn;
      const Peer *p = &inv->st.peers[slot];
      if (!p->connected || !p->broker_up || !p->client_up
          || p->wire[0] != 0 || p->wire[1] != 0)
        continue;
      gboolean v5 = client_v5 (inv, slot);
      const char *who = label (inv, slot);
      const char *rule = pick (v5, "3.1.1 [MQTT-4.3.3-1]",
                               "5.0 [MQTT-4.4.0-1]");
      for (guint k = 0; k < s->ids.len; k++)
        {
          const InUse *u = vec_at (&s->ids, k, sizeof (InUse));
          g_autofree char *m = msg_text (inv, u->origin, u->seq, u->payload);
          report (inv, SES_INV_COMPLETION, now, inv->st.next_index, rule,
                  "the broker's QoS %u PUBLISH %s (id %u) to %s was never "
                  "completed, though %s is connected with nothing in flight",
                  u->qos, m, (guint) u->id, who, who);
        }
      for (guint k = 0; k < p->ids.len; k++)
        {
          const InUse *u = vec_at (&p->ids, k, sizeof (InUse));
          g_autofree char *m = msg_text (inv, u->origin, u->seq, u->payload);
          report (inv, SES_INV_COMPLETION, now, inv->st.next_index, rule,
                  "%s's QoS %u PUBLISH %s (id %u) was never completed, though "
                  "it is connected with nothing in flight",
                  who, u->qos, m, (guint) u->id);
        }
      for (guint k = 0; k < s->held.len; k++)
        {
          const Held *h = vec_at (&s->held, k, sizeof (Held));
          g_autofree char *m = msg_text (inv, h->msg.origin, h->msg.seq,
                                         h->msg.payload);
          report (inv, SES_INV_COMPLETION, now, inv->st.next_index, rule,
                  "the broker holds %s's QoS 2 %s (id %u) waiting for a "
                  "PUBREL that never came, though %s is connected with "
                  "nothing in flight",
                  who, m, (guint) h->id, who);
        }
    }
}

void
ses_invariants_finish_at (SesInvariants *inv, SesTime end_us)
{
  g_return_if_fail (inv != NULL);
  if (inv->st.finished)
    return;
  inv->st.finished = TRUE;
  SesTime now = MAX (end_us, inv->st.now_us);
  /* Timers due by the end have run; one due at the very end is left, as
   * the run may have stopped just before the broker's own timer. */
  advance (inv, now, inv->st.next_index);
  flush_instant (inv, NO_TIME);
  check_keep_alive (inv, now, inv->st.next_index);
  judge_loss (inv, now);
  judge_completion (inv, now);
}

void
ses_invariants_finish (SesInvariants *inv)
{
  g_return_if_fail (inv != NULL);
  ses_invariants_finish_at (inv, inv->world != NULL
                                   ? ses_world_now (inv->world)
                                   : inv->st.now_us);
}

const GArray *
ses_invariants_violations (const SesInvariants *inv)
{
  g_return_val_if_fail (inv != NULL, NULL);
  return inv->st.violations != NULL ? inv->st.violations
                                    : inv->run->no_violations;
}
