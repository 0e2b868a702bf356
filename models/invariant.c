/* Invariants: properties every run must keep, judged from the observation
 * stream as it is made and, for loss, from the world's state at the end.
 * Each check keeps only what it needs to judge what may come next. Reports
 * come in observation order, or in session order at the end, never in hash
 * table order, so the same run always gives the same report. */
#include "invariant.h"

#include <stdarg.h>
#include <string.h>
#include "block.h"
#include "topic.h"

static const struct {
  const char *name;
  const char *summary;
} invariants[SES_INV_COUNT] = {
  [SES_INV_NO_LOSS] = { "no-loss",
    "A QoS 1 or 2 message routed to a session reaches its client while the "
    "session lives, unless a broker setting dropped it or it expired." },
  [SES_INV_QOS2_ONCE] = { "qos2-once",
    "A QoS 2 message reaches each subscribing application at most once." },
  [SES_INV_QOS1_AT_LEAST_ONCE] = { "qos1-at-least-once",
    "A QoS 1 message acknowledged to its publisher reaches every live "
    "matching session at least once." },
  [SES_INV_ORDER] = { "order",
    "Messages of one publisher on one topic at one QoS first reach a "
    "subscriber in the order they were published." },
  [SES_INV_SESSION_PRESENT] = { "session-present",
    "CONNACK says Session Present 1 exactly when the broker resumed a "
    "session." },
  [SES_INV_PACKET_ID] = { "packet-id",
    "No packet identifier is in use twice at once in one direction." },
  [SES_INV_DUP] = { "dup",
    "DUP is 0 on the first transmission of a PUBLISH and 1 on every resend; "
    "always 0 for QoS 0." },
  [SES_INV_SESSION_EXPIRY] = { "session-expiry",
    "A disconnected session ends when its expiry interval elapses, and is "
    "never resumed after." },
  [SES_INV_WILL] = { "will",
    "A will is published at most once, never after a normal DISCONNECT, and "
    "by the earlier of its delay and the session's end." },
  [SES_INV_RECEIVE_MAXIMUM] = { "receive-maximum",
    "Neither side has more unacknowledged QoS 1/2 PUBLISHes outstanding "
    "than the other side's Receive Maximum." },
  [SES_INV_MESSAGE_EXPIRY] = { "message-expiry",
    "A copy whose Message Expiry has passed before its delivery started is "
    "never sent." },
  [SES_INV_TAKEOVER] = { "takeover",
    "An MQTT 5 connection taken over by a newer one with the same ClientId "
    "is told so with DISCONNECT 0x8E before it is closed." },
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
                          checker's block, or NULL (not owned) */
} Vec;

/* An entry of a map sorted by key. */
typedef struct {
  guint64 key;
  guint32 value;
  guint32 pad;
} Entry;

/* A session's copies of one message (origin, seq) in one session lifetime:
 * what no-loss, qos2-once and message-expiry need to know about them. The
 * same (origin, seq) can be routed to a session more than once (a retained
 * message sent again on a new SUBSCRIBE; wills all have seq 0), hence the
 * counts. */
typedef struct {
  guint32 origin;
  guint32 seq;
  guint32 topic;
  guint32 payload;
  guint8 qos;           /* of the latest routing */
  guint8 has_expiry;
  guint8 pad[2];
  guint32 expiry_s;     /* Message Expiry left at the latest routing */
  guint32 pending;      /* QoS 1/2 copies not delivered, dropped or expired */
  guint32 unsent;       /* copies not yet sent once */
  guint32 routed_q2;    /* QoS 2 copies routed (kept for wills only) */
  guint32 pad2;
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

typedef struct {
  Vec copies;          /* (element-type Copy) the unsettled ones, in routing
                          order */
  Vec ids;             /* (element-type InUse) broker -> client ids in use,
                          by id */
  SesTime kept_us;     /* connection ended, session kept; NONE while not */
  SesTime deadline_us; /* expiry deadline while kept; NONE: never */
  SesTime will_due_us; /* a scheduled will must be out by then; or NONE */
  SesTime will_sched_us;
  guint32 armed;       /* wills accepted, not yet published or removed */
  guint32 will;        /* spec + 1 of the latest accepted will; 0: none */
  guint8 exists;
  guint8 will_v5;
  guint8 disconnect0;  /* DISCONNECT 0x00 received since the last CONNECT */
} Sess;

typedef struct {
  /* The client's application. */
  Vec delivered;         /* (element-type Entry) origin << 32 | seq -> QoS 2
                            deliveries + 1 */
  Vec streams;           /* (element-type Entry) topic << 32 | origin << 2 |
                            qos -> highest seq delivered a first time */
  /* Its own packet ids (client -> broker). */
  Vec ids;               /* (element-type InUse) by id */
  /* The current connection on this slot, as each end sees it. */
  Vec out_b2c;           /* (element-type Entry) broker's QoS>0 PUBLISHes
                            outstanding: id -> qos */
  Vec out_c2b;           /* the client's */
  guint32 wire[2];       /* packets other than PINGREQ/PINGRESP on the
                            wire toward the broker [0] and the client [1]:
                            never below the truth, so 0 means none */
  guint16 rm_client;     /* client's Receive Maximum: bounds out_b2c */
  guint16 rm_broker;     /* broker's: bounds out_c2b */
  guint8 v5;
  /* The CONNECT the broker is answering (narrow fields keep a copy of the
   * checker small, and small blocks are cheap to allocate). */
  guint8 connecting;
  guint8 clean;
  guint8 resumed;
  guint8 created;
  guint32 will;
} Peer;

/* A routing the broker owes: a QoS 1/2 message it accepted, for a session
 * subscribed at that moment. Judged when time moves on. */
typedef struct {
  guint32 session;
  guint32 origin;
  guint32 seq;
  guint32 payload;
  guint32 from;
  guint8 qos;
  guint32 needed;
  guint32 met;
  SesTime time_us;
  guint64 index;
} Expect;

/* A will published before its delay: fine if its session ends at the same
 * instant, judged when time moves on. */
typedef struct {
  guint32 session;
  guint32 payload;
  guint32 delay_s;
  SesTime lost_us;
  SesTime time_us;
  guint64 index;
} Early;

/* A 5.0 connection the broker is taking over, until DISCONNECT 0x8E shows. */
typedef struct {
  guint32 client;
  guint64 index;
  SesTime time_us;
} Takeover;

/* Everything the checker learns from the observations: what a path through
 * the state space changes. ses_invariants_copy() copies all of it (a struct
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
  SesTime next_due_us; /* earliest will_due_us, or NONE */
  Vec expects;         /* (element-type Expect) */
  Vec early;           /* (element-type Early) */
  Vec subs;            /* (element-type Entry) filter << 32 | session ->
                          granted QoS: who subscribes to what */
  Vec published_qos;   /* (element-type Entry) origin << 32 | seq -> QoS as
                          published + 1 */
  Vec takeovers;       /* (element-type Takeover) not yet told, this instant */
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
  { G_STRUCT_OFFSET (State, expects), sizeof (Expect) },
  { G_STRUCT_OFFSET (State, early), sizeof (Early) },
  { G_STRUCT_OFFSET (State, subs), sizeof (Entry) },
  { G_STRUCT_OFFSET (State, published_qos), sizeof (Entry) },
  { G_STRUCT_OFFSET (State, takeovers), sizeof (Takeover) },
};

static const VecField peer_vecs[] = {
  { G_STRUCT_OFFSET (Peer, delivered), sizeof (Entry) },
  { G_STRUCT_OFFSET (Peer, streams), sizeof (Entry) },
  { G_STRUCT_OFFSET (Peer, ids), sizeof (InUse) },
  { G_STRUCT_OFFSET (Peer, out_b2c), sizeof (Entry) },
  { G_STRUCT_OFFSET (Peer, out_c2b), sizeof (Entry) },
};

static const VecField sess_vecs[] = {
  { G_STRUCT_OFFSET (Sess, copies), sizeof (Copy) },
  { G_STRUCT_OFFSET (Sess, ids), sizeof (InUse) },
};

/* What never changes during a run and is the same in every copy: shared
 * by all of them, immutable once built, freed with the last one. */
typedef struct {
  GArray *no_violations; /* (element-type SesViolation) always empty */
  guint32 *first_client; /* n_sessions: first client of the session */
  guint32 *next_client;  /* n_clients: next client of the same session */
  guint32 lists[];       /* first_client and next_client point here */
} Run;

struct _SesInvariants {
  /* Fixed for the run, the same in every copy. */
  SesWorld *world;     /* (not owned) */
  SesMqtt *mqtt;       /* (not owned) */
  SesMqttConfig *cfg;  /* (not owned) */
  const Run *run;      /* (owned) a reference, g_atomic_rc_box */
  guint32 disabled;
  guint n_clients;
  guint n_sessions;
  gboolean method_a;   /* QoS 2 routed on PUBREL */
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
_Static_assert (sizeof (State) == 144, "State changed: update state_vecs "
                "or ses_invariants_copy, and state_digest, then this size");
_Static_assert (sizeof (Peer) == 104, "Peer changed: update peer_vecs and "
                "peer_digest, then this size");
_Static_assert (sizeof (Sess) == 80, "Sess changed: update sess_vecs and "
                "sess_digest, then this size");
_Static_assert (sizeof (Copy) == 56, "Copy changed: update copy_hash, then "
                "this size");
_Static_assert (sizeof (InUse) == 24, "InUse changed: update ids_digest, "
                "then this size");
_Static_assert (sizeof (Entry) == 16, "Entry changed: update "
                "entries_digest, then this size");
_Static_assert (sizeof (Expect) == 48, "Expect changed: update state_digest, "
                "then this size");
_Static_assert (sizeof (Early) == 40, "Early changed: update state_digest, "
                "then this size");
_Static_assert (sizeof (Takeover) == 24, "Takeover changed: update "
                "state_digest, then this size");
_Static_assert (sizeof (SesInvariants) == 64 + sizeof (State),
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
  if (v->len >= v->cap)
    {
      guint32 cap = MAX (4, v->len * 2);
      gpointer data = g_malloc (cap * size);
      if (v->len > 0)
        memcpy (data, v->data, v->len * size);
      if (v->cap > 0)
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
session_label (const SesInvariants *inv, guint32 session)
{
  if (session >= inv->n_sessions || inv->run->first_client[session] == NOBODY)
    return "?";
  return label (inv, inv->run->first_client[session]);
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

static Sess *
sess (SesInvariants *inv, guint32 session)
{
  return session < inv->n_sessions ? &inv->st.sessions[session] : NULL;
}

static Peer *
peer (SesInvariants *inv, guint32 client)
{
  return client < inv->n_clients ? &inv->st.peers[client] : NULL;
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

static Copy *
copy_find (Sess *s, guint32 origin, guint32 seq)
{
  for (guint i = 0; i < s->copies.len; i++)
    {
      Copy *c = vec_at (&s->copies, i, sizeof (Copy));
      if (c->origin == origin && c->seq == seq)
        return c;
    }
  return NULL;
}

static Copy *
copy_get (Sess *s, guint32 origin, guint32 seq)
{
  Copy *c = copy_find (s, origin, seq);
  if (c != NULL)
    return c;
  c = vec_append (&s->copies, sizeof (Copy));
  memset (c, 0, sizeof *c);
  c->origin = origin;
  c->seq = seq;
  return c;
}

/* Forgets a copy nothing can be judged about any more (c is gone after).
 * QoS 2 wills stay for the session's lifetime: qos2-once compares their
 * deliveries with their routings. */
static void
copy_settle (Sess *s, Copy *c)
{
  if (c->pending > 0 || c->unsent > 0 || (c->seq == 0 && c->routed_q2 > 0))
    return;
  vec_remove (&s->copies, (guint) (c - (Copy *) s->copies.data),
              sizeof (Copy));
}

/* ---- subscriptions, for the routing a publisher is owed -------------- */

static guint64
sub_key (guint32 filter, guint32 session)
{
  return (guint64) filter << 32 | session;
}

static void
subscribe (SesInvariants *inv, guint32 session, guint32 filter, guint8 qos)
{
  if (sess (inv, session) == NULL)
    return;
  entry_set (&inv->st.subs, sub_key (filter, session), qos);
}

static void
unsubscribe (SesInvariants *inv, guint32 session, guint32 filter)
{
  if (sess (inv, session) == NULL)
    return;
  vec_delete (&inv->st.subs, sizeof (Entry), sub_key (filter, session));
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

/* The routing owed to `session` for (origin, seq) this instant, if any. */
static Expect *
expect_find (SesInvariants *inv, guint32 session, guint32 origin, guint32 seq)
{
  for (guint i = 0; i < inv->st.expects.len; i++)
    {
      Expect *e = vec_at (&inv->st.expects, i, sizeof (Expect));
      if (e->session == session && e->origin == origin && e->seq == seq)
        return e;
    }
  return NULL;
}

/* both [MQTT-4.5.0-1]: a message the broker takes ownership of goes to every
 * session with a matching subscription, at min(published, granted). */
static void
expect_routing (SesInvariants *inv, const SesObs *o, guint64 index)
{
  const SesPacket *p = &o->pkt;
  if (p->qos == 0)
    return;
  const Vec *subs = &inv->st.subs;
  const Entry *all = subs->data;
  g_autoptr (GArray) targets = g_array_new (FALSE, FALSE, sizeof (Entry));
  for (guint i = 0; i < subs->len;)
    {
      /* One filter's subscriptions are consecutive. */
      guint32 filter = (guint32) (all[i].key >> 32);
      guint end = i + 1;
      while (end < subs->len && (guint32) (all[end].key >> 32) == filter)
        end++;
      if (ses_topic_matches (text (inv, filter), text (inv, p->topic)))
        g_array_append_vals (targets, &all[i], end - i);
      i = end;
    }
  g_array_sort (targets, compare_subs);
  for (guint i = 0; i < targets->len; i++)
    {
      Entry t = g_array_index (targets, Entry, i);
      guint32 session = (guint32) t.key;
      while (i + 1 < targets->len
             && (guint32) g_array_index (targets, Entry, i + 1).key == session)
        t.value = g_array_index (targets, Entry, ++i).value; /* highest */
      guint8 qos = (guint8) MIN (p->qos, t.value);
      if (qos == 0)
        continue;
      Expect *e = expect_find (inv, session, p->origin, p->seq);
      if (e != NULL)
        {
          e->needed++;
          continue;
        }
      e = vec_append (&inv->st.expects, sizeof (Expect));
      *e = (Expect) { .session = session, .origin = p->origin, .seq = p->seq,
                      .payload = p->payload, .from = o->client, .qos = qos,
                      .needed = 1, .time_us = o->time_us, .index = index };
    }
}

/* ---- resets ---------------------------------------------------------- */

static void
reset_application (Peer *c)
{
  c->delivered.len = 0;
  c->streams.len = 0;
}

/* The session is gone or new: nothing routed before counts any more. */
static void
reset_session (SesInvariants *inv, guint32 session)
{
  Sess *s = sess (inv, session);
  if (s == NULL)
    return;
  s->copies.len = 0;
  s->ids.len = 0;
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
  s->armed = 0;
  s->will_due_us = NO_TIME;
  /* A new session: its clients' applications start afresh for it. */
  for (guint32 c = inv->run->first_client[session]; c != NOBODY;
       c = inv->run->next_client[c])
    reset_application (&inv->st.peers[c]);
}

/* ---- deferred judgements --------------------------------------------- */

/* Judges what had to happen within the instant that has just ended. */
/* 5.0 [MQTT-3.1.4-3]: the broker sends the old connection DISCONNECT 0x8E
 * in the same instant it takes the session over (the packet may be lost on
 * a dead link, but it must be sent). */
static void
judge_takeovers (SesInvariants *inv)
{
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

static void
flush_instant (SesInvariants *inv)
{
  judge_takeovers (inv);
  for (guint i = 0; i < inv->st.expects.len; i++)
    {
      const Expect *e = vec_at (&inv->st.expects, i, sizeof (Expect));
      if (e->met >= e->needed)
        continue;
      g_autofree char *m = msg_text (inv, e->origin, e->seq, e->payload);
      g_autofree char *when = ses_time_format (e->time_us);
      for (SesInvariantId id = SES_INV_NO_LOSS;
           id <= SES_INV_QOS1_AT_LEAST_ONCE; id++)
        {
          if (id == SES_INV_QOS2_ONCE
              || (id == SES_INV_QOS1_AT_LEAST_ONCE && e->qos != 1))
            continue;
          report (inv, id, e->time_us, e->index, "both [MQTT-4.5.0-1]",
                  "%s from %s, accepted by the broker at %s, was never added "
                  "to the session of %s although it had a matching "
                  "subscription (QoS %u)",
                  m, label (inv, e->from), when,
                  session_label (inv, e->session), e->qos);
        }
    }
  inv->st.expects.len = 0;

  for (guint i = 0; i < inv->st.early.len; i++)
    {
      const Early *e = vec_at (&inv->st.early, i, sizeof (Early));
      g_autofree char *when = ses_time_format (e->time_us);
      g_autofree char *lost = ses_time_format (e->lost_us);
      report (inv, SES_INV_WILL, e->time_us, e->index, "5.0 [MQTT-3.1.2-8]",
              "the will of %s (\"%s\") was published at %s, before its %u s "
              "delay since the connection ended at %s, and the session did "
              "not end then",
              session_label (inv, e->session), text (inv, e->payload), when,
              e->delay_s, lost);
    }
  inv->st.early.len = 0;
}

static void
will_due (SesInvariants *inv, Sess *s, SesTime due)
{
  s->will_due_us = due;
  if (inv->st.next_due_us == NO_TIME || due < inv->st.next_due_us)
    inv->st.next_due_us = due;
}

/* 5.0 [MQTT-3.1.2-8]: a scheduled will is out by the earlier of its delay
 * and the session's end; `now` is past a due time. */
static void
check_overdue (SesInvariants *inv, SesTime now, guint64 index)
{
  if (inv->st.next_due_us == NO_TIME || now <= inv->st.next_due_us)
    return;
  SesTime next = NO_TIME;
  for (guint32 i = 0; i < inv->n_sessions; i++)
    {
      Sess *s = &inv->st.sessions[i];
      if (s->will_due_us == NO_TIME)
        continue;
      if (now > s->will_due_us)
        {
          g_autofree char *sched = ses_time_format (s->will_sched_us);
          g_autofree char *due = ses_time_format (s->will_due_us);
          report (inv, SES_INV_WILL, now, index, "5.0 [MQTT-3.1.2-8]",
                  "the will of %s, scheduled at %s, was neither published nor "
                  "cancelled by %s, the earlier of its delay and the "
                  "session's end",
                  session_label (inv, i), sched, due);
          s->will_due_us = NO_TIME;
        }
      else if (next == NO_TIME || s->will_due_us < next)
        next = s->will_due_us;
    }
  inv->st.next_due_us = next;
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

/* What the broker sends of a copy it holds: message-expiry. */
static void
check_forward (SesInvariants *inv, const SesObs *o, guint64 index)
{
  const SesPacket *p = &o->pkt;
  Sess *s = sess (inv, o->session);
  if (s == NULL)
    return;
  Copy *c = copy_find (s, p->origin, p->seq);
  if (c == NULL || !c->has_expiry)
    {
      if (c != NULL && c->unsent > 0)
        {
          c->unsent--;
          copy_settle (s, c);
        }
      return;
    }
  SesTime elapsed = o->time_us - c->routed_us;
  if (c->unsent > 0)
    {
      c->unsent--;
      SesTime expires = c->routed_us + ses_time_from_s (c->expiry_s);
      if (o->time_us > expires)
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
  if (p->flags & SES_PKT_F_HAS_EXPIRY)
    {
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
  Peer *c = peer (inv, o->client);
  Sess *s = sess (inv, o->session);
  if (c == NULL)
    return;
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

  Vec *ids = broker ? (s != NULL ? &s->ids : NULL) : &c->ids;
  if (ids != NULL)
    {
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
    }

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

/* The broker answers a CONNECT: session-present, and the will it accepts. */
static void
connack_sent (SesInvariants *inv, const SesObs *o, guint64 index)
{
  Peer *c = peer (inv, o->client);
  Sess *s = sess (inv, o->session);
  if (c == NULL)
    return;
  gboolean v5 = client_v5 (inv, o->client);
  gboolean sp = (o->pkt.flags & SES_PKT_F_SESSION_PRESENT) != 0;
  const char *who = label (inv, o->client);
  if (o->pkt.reason != 0)
    {
      if (sp)
        report (inv, SES_INV_SESSION_PRESENT, o->time_us, index,
                pick (v5, "3.1.1 [MQTT-3.2.2-4]", "5.0 [MQTT-3.2.2-6]"),
                "the CONNACK to %s refused the connection (reason 0x%02x) but "
                "said Session Present 1",
                who, o->pkt.reason);
    }
  else if (c->connecting && sp && c->clean)
    report (inv, SES_INV_SESSION_PRESENT, o->time_us, index,
            pick (v5, "3.1.1 [MQTT-3.2.2-1]", "5.0 [MQTT-3.2.2-2]"),
            "the CONNACK to %s said Session Present 1 after a CONNECT with "
            "the clean flag",
            who);
  else if (c->connecting && sp != c->resumed)
    report (inv, SES_INV_SESSION_PRESENT, o->time_us, index,
            pick (v5, sp ? "3.1.1 [MQTT-3.2.2-3]" : "3.1.1 [MQTT-3.2.2-2]",
                  "5.0 [MQTT-3.2.2-3]"),
            "the CONNACK to %s said Session Present %d but the broker %s",
            who, sp ? 1 : 0,
            c->resumed ? "resumed the session"
                       : c->created ? "created a new session"
                                    : "resumed no session");
  if (o->pkt.reason == 0 && c->connecting && s != NULL && c->will != 0)
    {
      s->armed++;
      s->will = c->will;
      s->will_v5 = v5;
    }
  if (o->pkt.reason == 0 && s != NULL)
    s->kept_us = NO_TIME;
  c->connecting = FALSE;
  c->resumed = c->created = FALSE;
}

static gboolean
keep_alive_packet (const SesPacket *p)
{
  return p->type == SES_PKT_PINGREQ || p->type == SES_PKT_PINGRESP;
}

static void
on_sent (SesInvariants *inv, const SesObs *o, guint64 index)
{
  Peer *c = peer (inv, o->client);
  if (c == NULL)
    return;
  /* A new connection starts with nothing on its wire. */
  if (o->pkt.type == SES_PKT_CONNECT && !o->by_broker)
    c->wire[0] = c->wire[1] = 0;
  if (o->kind == SES_OBS_SEND && !keep_alive_packet (&o->pkt))
    c->wire[o->by_broker ? 1 : 0]++;
  switch (o->pkt.type)
    {
    case SES_PKT_PUBLISH:
      publish_sent (inv, o, index);
      break;
    case SES_PKT_CONNACK:
      if (o->by_broker)
        connack_sent (inv, o, index);
      break;
    case SES_PKT_CONNECT:
      if (!o->by_broker)
        {
          /* A new connection: the client's send quota starts afresh (C9). */
          c->out_c2b.len = 0;
          c->rm_broker = 65535;
          c->v5 = o->pkt.version == SES_MQTT_5;
        }
      break;
    default:
      break;
    }
}

static void
on_received (SesInvariants *inv, const SesObs *o, guint64 index)
{
  Peer *c = peer (inv, o->client);
  Sess *s = sess (inv, o->session);
  const SesPacket *p = &o->pkt;
  (void) index;
  if (c == NULL)
    return;
  guint32 *wire = &c->wire[o->by_broker ? 0 : 1];
  if (!keep_alive_packet (p) && *wire > 0)
    (*wire)--;
  switch (p->type)
    {
    case SES_PKT_CONNECT:
      if (!o->by_broker)
        break;
      c->connecting = TRUE;
      c->clean = (p->flags & SES_PKT_F_CLEAN) != 0;
      c->resumed = c->created = FALSE;
      c->will = p->will;
      c->v5 = p->version == SES_MQTT_5;
      c->out_b2c.len = 0;
      c->rm_client = p->receive_max != 0 ? p->receive_max : 65535;
      if (s != NULL)
        s->disconnect0 = FALSE;
      break;
    case SES_PKT_CONNACK:
      if (o->by_broker || p->reason != 0)
        break;
      c->rm_broker = p->receive_max != 0 ? p->receive_max : 65535;
      /* Session Present 0: a new session, so none of the client's ids is
       * in use any more, whatever the client believes (5.0
       * [MQTT-3.2.2-5]); its first PUBLISH of any message is new. */
      if (!(p->flags & SES_PKT_F_SESSION_PRESENT))
        c->ids.len = 0;
      break;
    case SES_PKT_DISCONNECT:
      if (o->by_broker && p->reason == SES_RC_SUCCESS && s != NULL)
        s->disconnect0 = TRUE;
      break;
    case SES_PKT_PUBACK:
    case SES_PKT_PUBREC:
    case SES_PKT_PUBCOMP:
      if (o->by_broker)
        {
          if (s != NULL)
            ack_received (&s->ids, &c->out_b2c, p);
        }
      else
        ack_received (&c->ids, &c->out_c2b, p);
      break;
    default:
      break;
    }
}

/* ---- application deliveries ------------------------------------------ */

static void
on_deliver (SesInvariants *inv, const SesObs *o, guint64 index)
{
  const SesPacket *p = &o->pkt;
  Peer *c = peer (inv, o->client);
  Sess *s = sess (inv, o->session);
  if (c == NULL)
    return;
  gboolean v5 = client_v5 (inv, o->client);
  guint64 key = (guint64) p->origin << 32 | p->seq;
  guint before = entry_get (&c->delivered, key);
  Copy *copy = s != NULL ? copy_find (s, p->origin, p->seq) : NULL;

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
      guint64 skey = (guint64) p->topic << 32
                     | (guint64) (p->origin & 0x3FFFFFFF) << 2 | qos;
      guint highest = entry_get (&c->streams, skey);
      if (highest > p->seq)
        {
          g_autofree char *m = msg_text (inv, p->origin, p->seq, p->payload);
          report (inv, SES_INV_ORDER, o->time_us, index,
                  pick (v5, "3.1.1 [MQTT-4.6.0-6]", "5.0 [MQTT-4.6.0-5]"),
                  "%s received %s for the first time after msg=%u.%u from "
                  "the same publisher on \"%s\" published at QoS %u",
                  label (inv, o->client), m, p->origin, highest,
                  text (inv, p->topic), qos);
        }
      else
        entry_set (&c->streams, skey, p->seq);
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

static void
on_routed (SesInvariants *inv, const SesObs *o, guint64 index)
{
  const SesPacket *p = &o->pkt;
  Sess *s = sess (inv, o->session);
  if (s == NULL)
    return;
  Expect *e = expect_find (inv, o->session, p->origin, p->seq);
  if (e != NULL && e->met < e->needed)
    e->met++;
  gboolean has_expiry = (p->flags & SES_PKT_F_HAS_EXPIRY) != 0;
  if (p->qos == 0 && !has_expiry)
    return;
  Copy *c = copy_get (s, p->origin, p->seq);
  c->topic = p->topic;
  c->payload = p->payload;
  c->qos = p->qos;
  c->routed_us = o->time_us;
  c->routed_index = index;
  c->has_expiry = has_expiry;
  c->expiry_s = p->expiry_s;
  c->unsent++;
  if (p->qos > 0)
    c->pending++;
  if (p->qos == 2)
    c->routed_q2++;
}

/* A copy left the session without being delivered: a broker setting dropped
 * it, or its Message Expiry ran out. Neither is a loss. */
static void
on_dropped (SesInvariants *inv, const SesObs *o)
{
  Sess *s = sess (inv, o->session);
  if (s == NULL || o->pkt.type != SES_PKT_PUBLISH)
    return;
  Copy *c = copy_find (s, o->pkt.origin, o->pkt.seq);
  if (c == NULL)
    return;
  if (c->pending > 0 && o->pkt.qos > 0)
    c->pending--;
  if (c->unsent > 0)
    c->unsent--;
  copy_settle (s, c);
}

/* ---- session lifecycle ----------------------------------------------- */

static void
on_session (SesInvariants *inv, const SesObs *o, guint64 index)
{
  Sess *s = sess (inv, o->session);
  Peer *c = peer (inv, o->client);
  if (s == NULL)
    return;
  const char *who = session_label (inv, o->session);
  gboolean v5 = client_v5 (inv, o->client);
  switch (o->kind)
    {
    case SES_OBS_SESSION_CREATED:
      if (s->exists)
        report (inv, SES_INV_SESSION_PRESENT, o->time_us, index,
                pick (v5, "3.1.1 [MQTT-3.2.2-2]", "5.0 [MQTT-3.2.2-3]"),
                "the broker created a new session for %s while the old one "
                "still existed and had not ended",
                who);
      reset_session (inv, o->session);
      s->exists = TRUE;
      if (c != NULL && c->connecting)
        c->created = TRUE;
      break;
    case SES_OBS_SESSION_RESUMED:
      if (!s->exists)
        report (inv, SES_INV_SESSION_PRESENT, o->time_us, index,
                pick (v5, "3.1.1 [MQTT-3.2.2-3]", "5.0 [MQTT-3.2.2-3]"),
                "the broker resumed a session for %s that did not exist", who);
      if (s->deadline_us != NO_TIME && o->time_us > s->deadline_us)
        {
          g_autofree char *when = ses_time_format (s->deadline_us);
          report (inv, SES_INV_SESSION_EXPIRY, o->time_us, index,
                  "5.0 [MQTT-4.1.0-2]",
                  "the broker resumed the session of %s after it had expired "
                  "at %s",
                  who, when);
        }
      s->exists = TRUE;
      s->deadline_us = NO_TIME;
      if (c != NULL && c->connecting)
        c->resumed = TRUE;
      break;
    case SES_OBS_SESSION_KEPT:
      s->kept_us = o->time_us;
      s->deadline_us = o->arg == SES_EXPIRY_NEVER
                         ? NO_TIME
                         : o->time_us + ses_time_from_s (o->arg);
      break;
    case SES_OBS_SESSION_ENDED:
      if (o->cause == SES_CAUSE_EXPIRED
          && (s->deadline_us == NO_TIME || o->time_us < s->deadline_us))
        {
          g_autofree char *when = s->deadline_us != NO_TIME
                                    ? ses_time_format (s->deadline_us)
                                    : g_strdup ("never");
          report (inv, SES_INV_SESSION_EXPIRY, o->time_us, index,
                  "5.0 [MQTT-3.1.2-23]",
                  "the broker ended the session of %s as expired, but it "
                  "expires %s%s",
                  who, s->deadline_us != NO_TIME ? "at " : "", when);
        }
      if (s->will_due_us != NO_TIME)
        {
          g_autofree char *sched = ses_time_format (s->will_sched_us);
          report (inv, SES_INV_WILL, o->time_us, index, "5.0 [MQTT-3.1.2-8]",
                  "the session of %s ended without publishing the will "
                  "scheduled at %s",
                  who, sched);
        }
      /* A will published at this instant went out at the session's end. */
      for (guint i = inv->st.early.len; i-- > 0;)
        if (((const Early *) vec_at (&inv->st.early, i, sizeof (Early)))
              ->session == o->session)
          vec_remove (&inv->st.early, i, sizeof (Early));
      reset_session (inv, o->session);
      s->exists = FALSE;
      break;
    default:
      break;
    }
}

/* ---- wills ----------------------------------------------------------- */

static void
on_will (SesInvariants *inv, const SesObs *o, guint64 index)
{
  Sess *s = sess (inv, o->session);
  if (s == NULL)
    return;
  const char *who = session_label (inv, o->session);
  switch (o->kind)
    {
    case SES_OBS_WILL_PUBLISHED:
      {
        const char *payload = text (inv, o->pkt.payload);
        if (s->disconnect0)
          report (inv, SES_INV_WILL, o->time_us, index,
                  pick (s->will_v5, "3.1.1 [MQTT-3.14.4-3]",
                        "5.0 [MQTT-3.14.4-3]"),
                  "the broker published the will of %s (\"%s\") after %s "
                  "disconnected normally (DISCONNECT 0x00)",
                  who, payload, who);
        if (s->armed == 0)
          report (inv, SES_INV_WILL, o->time_us, index,
                  pick (s->will_v5, "3.1.1 [MQTT-3.1.2-10]",
                        "5.0 [MQTT-3.1.2-10]"),
                  "the broker published a will of %s (\"%s\") it no longer "
                  "held: it was already published or removed",
                  who, payload);
        else
          s->armed--;
        s->will_due_us = NO_TIME;
        if (s->will_v5 && s->will != 0)
          {
            const SesWill *spec = ses_mqtt_config_will (inv->cfg, s->will);
            SesTime lost = s->kept_us != NO_TIME ? s->kept_us : o->time_us;
            if (spec != NULL
                && o->time_us < lost + ses_time_from_s (spec->delay_s))
              {
                Early *e = vec_append (&inv->st.early, sizeof (Early));
                *e = (Early) { .session = o->session,
                               .payload = o->pkt.payload,
                               .delay_s = spec->delay_s, .lost_us = lost,
                               .time_us = o->time_us, .index = index };
              }
          }
        expect_routing (inv, o, index);
        break;
      }
    case SES_OBS_WILL_SCHEDULED:
      {
        SesTime due = o->time_us + ses_time_from_s (o->arg);
        if (s->deadline_us != NO_TIME && s->deadline_us < due)
          due = s->deadline_us;
        s->will_sched_us = o->time_us;
        will_due (inv, s, due);
        break;
      }
    case SES_OBS_WILL_CANCELLED:
    case SES_OBS_WILL_DISCARDED:
      if (s->armed > 0)
        s->armed--;
      s->will_due_us = NO_TIME;
      break;
    default:
      break;
    }
}

/* ---- the observer ---------------------------------------------------- */

void
ses_invariants_observe (SesInvariants *inv, const SesObs *o)
{
  g_return_if_fail (inv != NULL && o != NULL);
  guint64 index = inv->st.next_index++;
  if (inv->rule_sink != NULL && o->rule != NULL)
    inv->rule_sink (o->rule, inv->rule_sink_data);
  if (o->time_us > inv->st.now_us)
    {
      flush_instant (inv);
      inv->st.now_us = o->time_us;
    }
  check_overdue (inv, o->time_us, index);
  switch ((SesObsKind) o->kind)
    {
    case SES_OBS_SEND:
    case SES_OBS_LOST:
      if (o->by_broker && o->pkt.type == SES_PKT_DISCONNECT
          && o->pkt.reason == SES_RC_SESSION_TAKEN_OVER)
        for (guint i = inv->st.takeovers.len; i-- > 0;)
          if (((const Takeover *) vec_at (&inv->st.takeovers, i,
                                          sizeof (Takeover)))->client
              == o->client)
            vec_remove (&inv->st.takeovers, i, sizeof (Takeover));
      on_sent (inv, o, index);
      break;
    case SES_OBS_TAKEOVER:
      if (client_v5 (inv, o->client))
        {
          Takeover *t = vec_append (&inv->st.takeovers, sizeof (Takeover));
          *t = (Takeover) { o->client, index, o->time_us };
        }
      break;
    case SES_OBS_RECEIVE:
      on_received (inv, o, index);
      break;
    case SES_OBS_DELIVER:
      on_deliver (inv, o, index);
      break;
    case SES_OBS_ACCEPTED:
      entry_set (&inv->st.published_qos,
                 (guint64) o->pkt.origin << 32 | o->pkt.seq, o->pkt.qos + 1u);
      /* Method A routes a QoS 2 message on PUBLISH only on PUBREL, when the
       * subscriptions may have changed: not judged. */
      if (!(o->pkt.qos == 2 && inv->method_a))
        expect_routing (inv, o, index);
      break;
    case SES_OBS_ROUTED:
      on_routed (inv, o, index);
      break;
    case SES_OBS_POLICY_DROP:
    case SES_OBS_EXPIRED:
      on_dropped (inv, o);
      break;
    case SES_OBS_SESSION_CREATED:
    case SES_OBS_SESSION_RESUMED:
    case SES_OBS_SESSION_KEPT:
    case SES_OBS_SESSION_ENDED:
      on_session (inv, o, index);
      break;
    case SES_OBS_WILL_PUBLISHED:
    case SES_OBS_WILL_SCHEDULED:
    case SES_OBS_WILL_CANCELLED:
    case SES_OBS_WILL_DISCARDED:
      on_will (inv, o, index);
      break;
    case SES_OBS_CLIENT_DISCARDED:
      if (peer (inv, o->client) != NULL)
        peer (inv, o->client)->ids.len = 0;
      break;
    case SES_OBS_FAULT:
      if (o->cause == SES_FAULT_KIND_CRASH && peer (inv, o->client) != NULL
          && !ses_mqtt_config_client (inv->cfg, o->client)->persistent_store)
        {
          /* Its memory is gone: a new application, with no ids in use. */
          Peer *c = peer (inv, o->client);
          c->ids.len = 0;
          reset_application (c);
        }
      break;
    case SES_OBS_PROTOCOL_ERROR:
      /* A refused DISCONNECT is no normal disconnect: the will stays due
       * (5.0 §3.14.2.2.2, C13). */
      if (o->pkt.type == SES_PKT_DISCONNECT && sess (inv, o->session) != NULL)
        sess (inv, o->session)->disconnect0 = FALSE;
      break;
    case SES_OBS_SUBSCRIBED:
      subscribe (inv, o->session, o->arg, o->pkt.qos);
      break;
    case SES_OBS_UNSUBSCRIBED:
      unsubscribe (inv, o->session, o->pkt.topic);
      break;
    default:
      break;
    }
}

static void
observer (const SesObs *obs, gpointer user_data)
{
  ses_invariants_observe (user_data, obs);
}

/* ---- lifetime and the end of a run ----------------------------------- */

typedef void (*VecFunc) (Vec *v, gsize size, gpointer data);

static void
fields_foreach (gpointer base, const VecField *fields, guint n, VecFunc fn,
                gpointer data)
{
  for (guint i = 0; i < n; i++)
    fn (G_STRUCT_MEMBER_P (base, fields[i].offset), fields[i].size, data);
}

/* Calls fn on every Vec of st, with the size of its elements, always in
 * the same order. */
static void
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

SesInvariants *
ses_invariants_new (SesWorld *world, guint32 disabled)
{
  g_return_val_if_fail (world != NULL, NULL);
  SesMqtt *mqtt = ses_mqtt_from_world (world);
  SesMqttConfig *cfg = ses_mqtt_config (mqtt);
  guint n_clients = ses_mqtt_config_n_clients (cfg);
  guint n_sessions = ses_mqtt_config_n_sessions (cfg);
  /* Client and session numbers stay far from NOBODY, and from the bits
   * a key packs them into. */
  g_return_val_if_fail (n_clients < 0xFFFF && n_sessions < 0xFFFF, NULL);

  Run *run = g_atomic_rc_box_alloc0 (sizeof (Run) + sizeof (guint32)
                                                      * (n_sessions
                                                         + n_clients));
  run->no_violations = g_array_new (FALSE, FALSE, sizeof (SesViolation));
  run->first_client = run->lists;
  run->next_client = run->lists + n_sessions;
  for (guint i = 0; i < n_sessions; i++)
    run->first_client[i] = NOBODY;
  for (guint i = n_clients; i-- > 0;)
    {
      guint32 s = ses_mqtt_client_session (mqtt, i);
      /* Built backwards, so each list runs in client order. */
      run->next_client[i] = run->first_client[s];
      run->first_client[s] = i;
    }

  SesInvariants *inv = ses_block_alloc0 (block_head (n_clients, n_sessions));
  inv->world = world;
  inv->mqtt = mqtt;
  inv->cfg = cfg;
  inv->run = run;
  inv->disabled = disabled;
  inv->n_clients = n_clients;
  inv->n_sessions = n_sessions;
  inv->method_a = ses_mqtt_config_broker (cfg)->qos2_on_pubrel;
  inv->st.next_index = ses_mqtt_counters (mqtt)->observations;
  inv->st.now_us = ses_world_now (world);
  inv->st.next_due_us = NO_TIME;
  block_attach (inv);
  for (guint i = 0; i < n_clients; i++)
    {
      Peer *c = &inv->st.peers[i];
      c->rm_client = c->rm_broker = 65535;
    }
  for (guint i = 0; i < n_sessions; i++)
    {
      Sess *s = &inv->st.sessions[i];
      s->kept_us = s->deadline_us = s->will_due_us = NO_TIME;
      s->will_sched_us = NO_TIME;
    }
  ses_mqtt_set_observer (mqtt, observer, inv);
  return inv;
}

static void
vec_free (Vec *v, gsize size, gpointer data)
{
  if (v->cap > 0)
    g_free (v->data);
}

void
ses_invariants_free (SesInvariants *inv)
{
  if (inv == NULL)
    return;
  /* The world must still be alive: the observer is removed from it. */
  ses_mqtt_set_observer (inv->mqtt, NULL, NULL);
  state_foreach_vec (&inv->st, inv->n_clients, inv->n_sessions, vec_free,
                     NULL);
  if (inv->st.violations != NULL)
    g_array_unref (inv->st.violations);
  if (inv->st.seen != NULL)
    g_hash_table_unref (inv->st.seen);
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

/* Moves v's contents to `*next` in the new block, leaving no room to grow. */
static void
vec_pack (Vec *v, gsize size, gpointer data)
{
  char **next = data;
  gsize bytes = v->len * size;
  if (bytes > 0)
    {
      memcpy (*next, v->data, bytes);
      v->data = *next;
      *next += ALIGN8 (bytes);
    }
  else
    v->data = NULL;
  v->cap = 0;
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
 * pointing at the original's would be freed twice or change under it). */
SesInvariants *
ses_invariants_copy (const SesInvariants *inv, SesWorld *world)
{
  g_return_val_if_fail (inv != NULL && world != NULL, NULL);
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
  copy->run = g_atomic_rc_box_acquire ((gpointer) inv->run);
  block_attach (copy);
  char *next = (char *) copy + head;
  state_foreach_vec (&copy->st, copy->n_clients, copy->n_sessions, vec_pack,
                     &next);
  violations_copy (&copy->st, &inv->st);
  ses_mqtt_set_observer (mqtt, observer, copy);
  return copy;
}

void
ses_invariants_set_rule_sink (SesInvariants *inv, SesRuleSink sink,
                              gpointer data)
{
  g_return_if_fail (inv != NULL);
  inv->rule_sink = sink;
  inv->rule_sink_data = data;
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
 *  - observation indexes (next_index, Copy.routed_index, Expect.index, ...)
 *    and times that only appear in messages (will_sched_us, when a copy
 *    without expiry was routed, when a will was published early, the
 *    instant a takeover or an owed routing happened): they change the
 *    wording of a report, never whether it is made;
 *  - next_due_us (never later than the earliest due will: only decides
 *    when to look);
 *  - the connecting flags of a CONNECT the broker is not answering (reset
 *    by the next one);
 *  - now_us, except whether the world's clock has moved past it while
 *    judgements for that instant are pending (the next observation will
 *    make them).
 * Times are digested relative to the world's clock, as ses_world_encode()
 * writes the world's own, so that states that differ only in when they
 * happen still merge. Maps are kept sorted by key, so they are digested in
 * order; lists whose order does not matter are digested as the sum of
 * their entries' hashes, so insertion order does not show. */

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
static void
entries_digest (Dig *d, const Vec *v)
{
  const Entry *e = v->data;
  dig_u64 (d, v->len);
  for (guint i = 0; i < v->len; i++)
    {
      dig_u64 (d, e[i].key);
      dig_u64 (d, e[i].value);
    }
}

static void
ids_digest (Dig *d, const Vec *v)
{
  const InUse *u = v->data;
  dig_u64 (d, v->len);
  for (guint i = 0; i < v->len; i++)
    {
      dig_u64 (d, u[i].id);
      dig_u64 (d, (guint64) u[i].origin << 32 | u[i].seq);
      dig_u64 (d, (guint64) u[i].payload << 8 | u[i].qos);
    }
}

static guint64
copy_hash (const Copy *c, SesTime now)
{
  guint64 h = mix (0, (guint64) c->origin << 32 | c->seq);
  h = mix (h, c->topic);
  h = mix (h, c->payload);
  h = mix (h, c->qos);
  h = mix (h, c->pending);
  h = mix (h, c->unsent);
  h = mix (h, c->routed_q2);
  h = mix (h, c->has_expiry);
  if (c->has_expiry)
    {
      h = mix (h, c->expiry_s);
      h = mix_time (h, c->routed_us, now);
    }
  return h;
}

static void
peer_digest (Dig *d, const Peer *c)
{
  entries_digest (d, &c->delivered);
  entries_digest (d, &c->streams);
  ids_digest (d, &c->ids);
  dig_u64 (d, c->v5);
  entries_digest (d, &c->out_b2c);
  entries_digest (d, &c->out_c2b);
  dig_u64 (d, c->rm_client);
  dig_u64 (d, c->rm_broker);
  dig_u64 (d, c->wire[0]);
  dig_u64 (d, c->wire[1]);
  dig_u64 (d, c->connecting);
  if (c->connecting)
    {
      dig_u64 (d, c->clean);
      dig_u64 (d, c->resumed);
      dig_u64 (d, c->created);
      dig_u64 (d, c->will);
    }
}

static void
sess_digest (Dig *d, const Sess *s)
{
  dig_u64 (d, s->exists);
  /* Routing order does not matter; no two have the same (origin, seq). */
  guint64 sum = 0;
  for (guint i = 0; i < s->copies.len; i++)
    sum += copy_hash (vec_at (&s->copies, i, sizeof (Copy)), d->now);
  dig_u64 (d, s->copies.len);
  dig_u64 (d, sum);
  ids_digest (d, &s->ids);
  dig_time (d, s->kept_us);
  dig_time (d, s->deadline_us);
  dig_u64 (d, s->armed);
  dig_u64 (d, s->will);
  dig_u64 (d, s->will_v5);
  dig_time (d, s->will_due_us);
  dig_u64 (d, s->disconnect0);
}

static void
state_digest (Dig *d, const State *st, guint n_clients, guint n_sessions)
{
  for (guint i = 0; i < n_clients; i++)
    peer_digest (d, &st->peers[i]);
  for (guint i = 0; i < n_sessions; i++)
    sess_digest (d, &st->sessions[i]);
  /* The judgements owed at the end of the instant now_us. */
  guint64 sum = 0;
  for (guint i = 0; i < st->expects.len; i++)
    {
      const Expect *e = vec_at (&st->expects, i, sizeof (Expect));
      guint64 h = mix (0, e->session);
      h = mix (h, e->origin);
      h = mix (h, e->seq);
      h = mix (h, e->payload);
      h = mix (h, e->from);
      h = mix (h, e->qos);
      sum += mix (h, e->needed - e->met); /* met only grows to needed */
    }
  dig_u64 (d, st->expects.len);
  dig_u64 (d, sum);
  sum = 0;
  for (guint i = 0; i < st->early.len; i++)
    {
      const Early *e = vec_at (&st->early, i, sizeof (Early));
      sum += mix (mix (mix (0, e->session), e->payload), e->delay_s);
    }
  dig_u64 (d, st->early.len);
  dig_u64 (d, sum);
  sum = 0;
  for (guint i = 0; i < st->takeovers.len; i++)
    sum += mix (0, ((const Takeover *) vec_at (&st->takeovers, i,
                                                sizeof (Takeover)))->client);
  dig_u64 (d, st->takeovers.len);
  dig_u64 (d, sum);
  if (st->expects.len > 0 || st->early.len > 0 || st->takeovers.len > 0)
    dig_u64 (d, st->now_us < d->now);
  /* Who subscribes to what: sorted by filter, then session. */
  entries_digest (d, &st->subs);
  entries_digest (d, &st->published_qos);
  dig_u64 (d, st->finished);
}

guint64
ses_invariants_digest (const SesInvariants *inv)
{
  g_return_val_if_fail (inv != NULL, 0);
  Dig d = { G_GUINT64_CONSTANT (0x243f6a8885a308d3),
            ses_world_now (inv->world) };
  dig_u64 (&d, inv->disabled);
  state_digest (&d, &inv->st, inv->n_clients, inv->n_sessions);
  return mix (d.h, 0);
}

/* no-loss and qos1-at-least-once at quiescence: a session whose client is
 * connected, with nothing on the wire either way (keep-alive pings aside)
 * and no QoS 1/2 PUBLISH it has not acknowledged, has had every chance to
 * receive what it holds.
 * 3.1.1 [MQTT-4.1.0-1] keep it while the session lives; 5.0 [MQTT-4.4.0-1]
 * resend it on reconnect. */
static void
judge_loss (SesInvariants *inv, SesTime now)
{
  SesNet *net = ses_world_net (inv->world);
  for (guint32 i = 0; i < inv->n_sessions; i++)
    {
      Sess *s = &inv->st.sessions[i];
      if (s->copies.len == 0)
        continue;
      const SesSession *state = ses_mqtt_session (inv->mqtt, i);
      guint32 slot = state->client;
      if (slot == SES_NONE || slot >= inv->n_clients
          || ses_mqtt_client_state (inv->mqtt, slot) != SES_CLIENT_ONLINE
          || inv->st.peers[slot].out_b2c.len > 0)
        continue;
      const Peer *p = &inv->st.peers[slot];
      gboolean idle = (ses_net_in_flight (net, slot, SES_NET_CLIENT) == 0
                       && ses_net_in_flight (net, slot, SES_NET_SERVER) == 0)
                      || (p->wire[0] == 0 && p->wire[1] == 0);
      if (!idle)
        continue;
      gboolean v5 = client_v5 (inv, slot);
      for (guint k = 0; k < s->copies.len; k++)
        {
          const Copy *c = vec_at (&s->copies, k, sizeof (Copy));
          if (c->pending == 0)
            continue;
          g_autofree char *m = msg_text (inv, c->origin, c->seq, c->payload);
          g_autofree char *when = ses_time_format (c->routed_us);
          for (SesInvariantId id = SES_INV_NO_LOSS;
               id <= SES_INV_QOS1_AT_LEAST_ONCE; id++)
            {
              if (id == SES_INV_QOS2_ONCE
                  || (id == SES_INV_QOS1_AT_LEAST_ONCE && c->qos != 1))
                continue;
              report (inv, id, now, c->routed_index,
                      pick (v5, "3.1.1 [MQTT-4.1.0-1]", "5.0 [MQTT-4.4.0-1]"),
                      "%s never received %s (QoS %u, added to its session at "
                      "%s) although the session lives and %s is connected "
                      "with nothing in flight",
                      label (inv, slot), m, c->qos, when, label (inv, slot));
            }
        }
    }
}

void
ses_invariants_finish (SesInvariants *inv)
{
  g_return_if_fail (inv != NULL);
  if (inv->st.finished)
    return;
  inv->st.finished = TRUE;
  SesTime now = MAX (ses_world_now (inv->world), inv->st.now_us);
  flush_instant (inv);
  check_overdue (inv, now, inv->st.next_index);
  judge_loss (inv, now);
}

const GArray *
ses_invariants_violations (const SesInvariants *inv)
{
  g_return_val_if_fail (inv != NULL, NULL);
  return inv->st.violations != NULL ? inv->st.violations
                                    : inv->run->no_violations;
}
