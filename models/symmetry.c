/* Symmetry reduction: classes of interchangeable clients, and the
 * fingerprint of a state up to renaming them. Invariant: two states get one
 * fingerprint only if one is the other renamed (hash collisions aside):
 * every reference to a renamed client is rewritten, never dropped; how the
 * members are ordered decides only how often renamed twins meet. */
#include "symmetry.h"

#include <string.h>

#include "mqtt-private.h"

/* Stands for "this client" or "this client's session" in what orders the
 * members of a class, so that it reads alike whoever the member is. */
#define SELF (G_MAXUINT32 - 1)

struct _SesSymmetry {
  SesMqttConfig *cfg;     /* (owned) a reference */
  guint n_clients;
  guint n_sessions;
  GPtrArray *classes;     /* (element-type GArray of guint32) (owned) */
  guint32 *class_of;      /* per client: index in classes, or G_MAXUINT32 */
  guint64 *done_at;       /* per member: the place (in the run order of
                             actions) after its last action: it is free
                             once the next action's place is at least
                             this */
  guint32 *session_of;    /* per client */
  guint32 *client_id;     /* per client: its interned ClientId */
  guint32 by_client;      /* classes whose spent budget orders members */
};

/* ---- classes ------------------------------------------------------------ */

static gboolean
configs_alike (const SesClientConfig *a, const SesClientConfig *b)
{
  return a->version == b->version && a->clean == b->clean
         && a->has_expiry == b->has_expiry && a->expiry_s == b->expiry_s
         && a->keep_alive_s == b->keep_alive_s
         && a->receive_max == b->receive_max && a->will == b->will
         && a->persistent_store == b->persistent_store
         && a->reconnect_delay_us == b->reconnect_delay_us
         && a->latency_us == b->latency_us && a->variants == b->variants
         && a->resubscribe == b->resubscribe;
}

static gboolean
actions_alike (const SesAction *a, const SesAction *b)
{
  return a->at_us == b->at_us && a->kind == b->kind && a->topic == b->topic
         && a->payload == b->payload && a->qos == b->qos
         && a->retain == b->retain && a->has_expiry == b->has_expiry
         && a->expiry_s == b->expiry_s && a->reason == b->reason
         && a->override_clean == b->override_clean && a->clean == b->clean
         && a->override_expiry == b->override_expiry
         && a->override_will == b->override_will && a->will == b->will;
}

/* A broker restart names no client, whatever its client field holds. */
static gboolean
action_of (const SesAction *a, guint32 client)
{
  return a->kind != SES_ACT_RESTART && a->client == client;
}

/* Whether client c can be renamed at all: a named ClientId no other client
 * shares (its session is its own, and no identifier is made up for it),
 * no will and nothing published, so no message names it as its origin;
 * and an index the per-client budgets and faults_on can name. */
static gboolean
may_rename (const SesMqttConfig *cfg, guint32 c)
{
  if (c >= SES_EXPLORE_TARGETS || c >= 32)
    return FALSE;
  const SesClientConfig *cc = &g_array_index (cfg->clients, SesClientConfig,
                                              c);
  if (cc->will != 0 || g_array_index (cfg->assigned_id, guint32, c) != 0)
    return FALSE;
  guint32 session = g_array_index (cfg->client_session, guint32, c);
  for (guint32 o = 0; o < cfg->clients->len; o++)
    if (o != c && g_array_index (cfg->client_session, guint32, o) == session)
      return FALSE;
  for (guint i = 0; i < cfg->actions->len; i++)
    {
      const SesAction *a = &g_array_index (cfg->actions, SesAction, i);
      if (action_of (a, c)
          && (a->kind == SES_ACT_PUBLISH
              || (a->override_will && a->will != 0)))
        return FALSE;
    }
  return TRUE;
}

/* Whether a and b (both may_rename) are interchangeable. */
static gboolean
alike (const SesMqttConfig *cfg, guint32 a, guint32 b, guint32 faults_on,
       guint32 by_client, const guint8 (*budgets)[SES_EXPLORE_TARGETS])
{
  if (!configs_alike (&g_array_index (cfg->clients, SesClientConfig, a),
                      &g_array_index (cfg->clients, SesClientConfig, b)))
    return FALSE;
  if (faults_on != 0
      && !!(faults_on & (1u << a)) != !!(faults_on & (1u << b)))
    return FALSE;
  for (guint k = 0; k < SES_EXPLORE_BUDGETS; k++)
    if ((by_client & (1u << k)) && budgets[k][a] != budgets[k][b])
      return FALSE;
  /* The same actions in the same order (script order is the run order
   * among equal times). */
  guint i = 0, j = 0;
  const GArray *acts = cfg->actions;
  for (;;)
    {
      while (i < acts->len
             && !action_of (&g_array_index (acts, SesAction, i), a))
        i++;
      while (j < acts->len
             && !action_of (&g_array_index (acts, SesAction, j), b))
        j++;
      if (i == acts->len || j == acts->len)
        return i == acts->len && j == acts->len;
      if (!actions_alike (&g_array_index (acts, SesAction, i),
                          &g_array_index (acts, SesAction, j)))
        return FALSE;
      i++;
      j++;
    }
}

SesSymmetry *
ses_symmetry_new (SesMqttConfig *cfg, guint32 faults_on, guint32 by_client,
                  const guint8 (*budgets)[SES_EXPLORE_TARGETS])
{
  g_return_val_if_fail (cfg->action_order->len == cfg->actions->len, NULL);
  SesSymmetry *sym = g_new0 (SesSymmetry, 1);
  guint n = cfg->clients->len;
  sym->cfg = ses_mqtt_config_ref (cfg);
  sym->n_clients = n;
  sym->n_sessions = cfg->session_ids->len;
  sym->by_client = by_client;
  sym->classes = g_ptr_array_new_with_free_func ((GDestroyNotify)
                                                 g_array_unref);
  sym->class_of = g_new (guint32, MAX (n, 1));
  sym->done_at = g_new0 (guint64, MAX (n, 1));
  sym->session_of = g_new (guint32, MAX (n, 1));
  sym->client_id = g_new (guint32, MAX (n, 1));
  for (guint32 c = 0; c < n; c++)
    {
      sym->class_of[c] = G_MAXUINT32;
      sym->session_of[c] = g_array_index (cfg->client_session, guint32, c);
      sym->client_id[c] = g_array_index (cfg->clients, SesClientConfig,
                                         c).client_id;
    }
  for (guint p = 0; p < cfg->action_order->len; p++)
    {
      const SesAction *a = &g_array_index (
          cfg->actions, SesAction,
          g_array_index (cfg->action_order, guint32, p));
      if (a->kind != SES_ACT_RESTART && a->client < n)
        sym->done_at[a->client] = p + 1;
    }
  for (guint32 c = 0; c < n; c++)
    {
      if (sym->class_of[c] != G_MAXUINT32 || !may_rename (cfg, c))
        continue;
      GArray *members = NULL;
      for (guint32 o = c + 1; o < n; o++)
        if (sym->class_of[o] == G_MAXUINT32 && may_rename (cfg, o)
            && alike (cfg, c, o, faults_on, by_client, budgets))
          {
            if (members == NULL)
              {
                members = g_array_new (FALSE, FALSE, sizeof (guint32));
                g_array_append_val (members, c);
                sym->class_of[c] = sym->classes->len;
              }
            g_array_append_val (members, o);
            sym->class_of[o] = sym->classes->len;
          }
      if (members != NULL)
        g_ptr_array_add (sym->classes, members);
    }
  return sym;
}

void
ses_symmetry_free (SesSymmetry *sym)
{
  if (sym == NULL)
    return;
  ses_mqtt_config_unref (sym->cfg);
  g_ptr_array_unref (sym->classes);
  g_free (sym->class_of);
  g_free (sym->done_at);
  g_free (sym->session_of);
  g_free (sym->client_id);
  g_free (sym);
}

const GPtrArray *
ses_symmetry_classes (const SesSymmetry *sym)
{
  return sym->classes;
}

/* ---- the world's encoding, in parts -------------------------------------
 * ses_world_encode_to() writes the live events (a count, then time, kind,
 * target and argument, 8 bytes each), the net (per slot: generation, the
 * two ends' and the wire's flags, latency, then for each direction a count
 * and its entries: arrival, close flag, message), the random streams but
 * the debug one, and last the model. The renaming rewrites those bytes
 * piece by piece; a layout that no longer adds up stops the checker rather
 * than let it merge states it cannot tell apart. */

#define EVENT_BYTES 32
#define SLOT_HEAD (8 + 3 + 8)
#define RNG_BYTES ((SES_RNG_STREAM_DEBUG - 1) * 4 * 8)

static guint64
get_u64 (const guint8 *p)
{
  guint64 v;
  memcpy (&v, p, sizeof v);
  return GUINT64_FROM_LE (v);
}

typedef struct {
  const guint8 *data;
  gsize len;
  guint64 events;     /* live events */
  gsize *slot_at;     /* n_clients + 1 offsets: slot i is [i, i + 1) */
  gsize rng_at;       /* where the random streams begin */
} Layout;

G_GNUC_NORETURN static void
layout_broken (void)
{
  g_error ("symmetry: the world's encoding does not have the layout "
           "models/symmetry.c reads (sim/world.c or sim/net.c changed it); "
           "update the reader there");
}

static void
parse_layout (Layout *l, gsize msg_size, guint n_slots)
{
  if (l->len < 8)
    layout_broken ();
  l->events = get_u64 (l->data);
  if (l->events > (l->len - 8) / EVENT_BYTES)
    layout_broken ();
  gsize at = 8 + l->events * EVENT_BYTES;
  for (guint s = 0; s < n_slots; s++)
    {
      l->slot_at[s] = at;
      at += SLOT_HEAD;
      for (int d = 0; d < 2; d++)
        {
          if (at + 8 > l->len)
            layout_broken ();
          guint64 n = get_u64 (l->data + at);
          at += 8;
          if (n > (l->len - at) / (9 + msg_size))
            layout_broken ();
          at += n * (9 + msg_size);
        }
    }
  l->slot_at[n_slots] = at;
  l->rng_at = at;
  if (at + RNG_BYTES > l->len)
    layout_broken ();
}

/* ---- renaming ----------------------------------------------------------- */

/* One renaming: order[i] is the client put in place i, rename its inverse;
 * the same for sessions. */
typedef struct {
  const SesSymmetry *sym;
  guint32 *order;
  guint32 *rename;
  guint32 *s_order;
  guint32 *s_rename;
} Renaming;

/* A packet's references to clients: the ClientId a CONNECT carries, and
 * the publisher a message names (never a renamed client, see
 * may_rename). to_self: every member's ClientId reads alike (SELF), for
 * ordering; else each is renamed. */
static void
rename_packet (const Renaming *r, SesPacket *pkt, gboolean to_self)
{
  const SesSymmetry *sym = r->sym;
  if (pkt->client_id == 0)
    return;
  for (guint32 c = 0; c < sym->n_clients; c++)
    if (sym->class_of[c] != G_MAXUINT32 && sym->client_id[c] == pkt->client_id)
      {
        pkt->client_id = to_self ? SELF : sym->client_id[r->rename[c]];
        return;
      }
}

/* Appends slot `slot`'s bytes from the layout, its packets renamed. */
static void
put_slot (const Renaming *r, const Layout *l, guint slot, gsize msg_size,
          gboolean to_self, SesEncoder *out)
{
  gsize from = l->slot_at[slot], to = l->slot_at[slot + 1];
  guint8 *p = ses_encoder_reserve (out, to - from);
  memcpy (p, l->data + from, to - from);
  gsize at = SLOT_HEAD;
  for (int d = 0; d < 2; d++)
    {
      guint64 n = get_u64 (p + at);
      at += 8;
      for (guint64 k = 0; k < n; k++, at += 9 + msg_size)
        {
          if (p[at + 8] != 0)
            continue; /* a close carries no packet */
          SesPacket pkt;
          memcpy (&pkt, p + at + 9, sizeof pkt);
          rename_packet (r, &pkt, to_self);
          memcpy (p + at + 9, &pkt, sizeof pkt);
        }
    }
}

/* The client an event is aimed at (its slot, or the client its session
 * belongs to when that client may be renamed), or G_MAXUINT32. */
static guint32
event_client (const SesSymmetry *sym, guint32 kind, guint32 target)
{
  switch (kind)
    {
    case SES_EVENT_NET_ARRIVE:
    case SES_MQTT_EV_BROKER_KEEP_ALIVE:
    case SES_MQTT_EV_CLIENT_KEEP_ALIVE:
    case SES_MQTT_EV_CLIENT_RECONNECT:
      return target < sym->n_clients ? target : G_MAXUINT32;
    case SES_MQTT_EV_SESSION_EXPIRY:
    case SES_MQTT_EV_WILL_DELAY:
      {
        guint32 owner = target < sym->n_sessions
                          ? g_array_index (sym->cfg->session_owner, guint32,
                                           target) : G_MAXUINT32;
        return owner < sym->n_clients && sym->class_of[owner] != G_MAXUINT32
                 ? owner : G_MAXUINT32;
      }
    case SES_MQTT_EV_ACTION:
      return G_MAXUINT32;
    default:
      layout_broken ();
    }
}

/* The event's target renamed. */
static guint32
rename_target (const Renaming *r, guint32 kind, guint32 target)
{
  guint32 c = event_client (r->sym, kind, target);
  if (c == G_MAXUINT32)
    return target;
  if (kind == SES_MQTT_EV_SESSION_EXPIRY || kind == SES_MQTT_EV_WILL_DELAY)
    return r->s_rename[target];
  return r->rename[target];
}

/* Whether the encoded event at a goes before the one at b: the world
 * lists simultaneous events by what they are (time, kind, target,
 * argument; sim/world.c), so renamed targets take their places again. */
static gboolean
event_before (const guint8 *a, const guint8 *b)
{
  for (int f = 0; f < EVENT_BYTES; f += 8)
    {
      guint64 x = get_u64 (a + f), y = get_u64 (b + f);
      if (x != y)
        return x < y;
    }
  return FALSE;
}

static void
put_events (const Renaming *r, const Layout *l, SesEncoder *out)
{
  guint8 *p = ses_encoder_reserve (out, 8 + l->events * EVENT_BYTES);
  memcpy (p, l->data, 8 + l->events * EVENT_BYTES);
  guint8 *events = p + 8;
  for (guint64 i = 0; i < l->events; i++)
    {
      guint8 *ev = events + i * EVENT_BYTES;
      guint32 kind = (guint32) get_u64 (ev + 8);
      guint32 target = (guint32) get_u64 (ev + 16);
      ses_put_u64 (ev + 16, rename_target (r, kind, target));
    }
  /* Back into that order: an insertion sort, for a dozen events. */
  for (guint64 i = 1; i < l->events; i++)
    {
      guint8 x[EVENT_BYTES];
      memcpy (x, events + i * EVENT_BYTES, EVENT_BYTES);
      guint64 j = i;
      for (; j > 0 && event_before (x, events + (j - 1) * EVENT_BYTES); j--)
        memcpy (events + j * EVENT_BYTES, events + (j - 1) * EVENT_BYTES,
                EVENT_BYTES);
      memcpy (events + j * EVENT_BYTES, x, EVENT_BYTES);
    }
}

/* The model's encoding (mqtt.c's: the broker, then each client) with the
 * clients in r's order: the broker's sessions and connections are put in
 * their new places, and the references between them renamed, in copies
 * the broker's own encoder then writes. */
static void
put_model (const Renaming *r, SesMqtt *m, SesTime now, SesEncoder *out)
{
  const SesSymmetry *sym = r->sym;
  SesSession s_local[16];
  SesBrokerConn c_local[16];
  SesSession *sessions = sym->n_sessions <= G_N_ELEMENTS (s_local)
                           ? s_local : g_new (SesSession, sym->n_sessions);
  SesBrokerConn *conns = sym->n_clients <= G_N_ELEMENTS (c_local)
                           ? c_local : g_new (SesBrokerConn, sym->n_clients);
  SesBroker b = m->broker;
  for (guint32 i = 0; i < sym->n_sessions; i++)
    {
      sessions[i] = m->broker.sessions[r->s_order[i]];
      if (sessions[i].client < sym->n_clients)
        sessions[i].client = r->rename[sessions[i].client];
    }
  for (guint32 i = 0; i < sym->n_clients; i++)
    {
      conns[i] = m->broker.conns[r->order[i]];
      if (conns[i].session < sym->n_sessions)
        conns[i].session = r->s_rename[conns[i].session];
    }
  b.sessions = sessions;
  b.conns = conns;
  ses_broker_encode_to (&b, now, out);
  for (guint32 i = 0; i < sym->n_clients; i++)
    {
      const SesClient *c = &m->clients[r->order[i]];
      /* The packets a client keeps (acknowledgements it holds back,
       * subscriptions it asked for) name no ClientId: as they are. */
      for (guint k = 0; k < c->held.view.len; k++)
        g_assert (g_array_index (&c->held.view, SesPacket, k).client_id == 0);
      for (guint k = 0; k < c->asked.view.len; k++)
        g_assert (g_array_index (&c->asked.view, SesPacket, k).client_id == 0);
      ses_client_encode_to (c, now, out);
    }
  if (sessions != s_local)
    g_free (sessions);
  if (conns != c_local)
    g_free (conns);
}

/* ---- ordering the members of a class ----------------------------------- */

static guint64
mix (guint64 h, guint64 v)
{
  guint64 state = h ^ v;
  return ses_splitmix64 (&state);
}

/* What orders member c among its class: all that is its own, with every
 * reference to itself read as SELF, its pending events included (when,
 * what, with which argument: they lie in that order, since the world
 * orders simultaneous events by content, and a member's events of one
 * kind share a target). Equal for a member and its image under any
 * renaming. Where they stood among the others' events is left out: that
 * place depends on the member's own index now. */
static guint64
member_key (const Renaming *r, const Layout *l, SesMqtt *m,
            const SesInvariants *inv,
            const guint8 (*spent)[SES_EXPLORE_TARGETS], guint32 c,
            gsize msg_size, SesTime now)
{
  const SesSymmetry *sym = r->sym;
  guint32 session = sym->session_of[c];
  guint8 storage[1024];
  SesEncoder e;
  ses_encoder_init (&e, storage, sizeof storage);
  ses_client_encode_to (&m->clients[c], now, &e);
  put_slot (r, l, c, msg_size, TRUE, &e);
  SesBrokerConn conn = m->broker.conns[c];
  if (conn.session == session)
    conn.session = SELF;
  guint8 *p = ses_encoder_reserve (&e, 4 + 5 + 4 * 4 + 8 + 4);
  p = ses_put_u32 (p, conn.gen);
  p = ses_put_u8 (p, conn.up);
  p = ses_put_u8 (p, conn.connected);
  p = ses_put_u8 (p, conn.version);
  p = ses_put_u8 (p, conn.expiry_was_zero);
  p = ses_put_u8 (p, conn.ka_armed);
  p = ses_put_u32 (p, conn.up ? conn.session : 0);
  p = ses_put_u32 (p, conn.up ? conn.keep_alive_s : 0);
  p = ses_put_u32 (p, conn.up ? conn.quota : 0);
  p = ses_put_u32 (p, conn.up ? conn.quota_max : 0);
  p = ses_put_time (p, conn.up ? ses_broker_conn_last_rx (&conn)
                               : SES_TIME_NONE, now);
  ses_put_u32 (p, conn.up ? conn.will : 0);
  SesSession s = m->broker.sessions[session];
  if (s.client == c)
    s.client = SELF;
  ses_session_encode_to (&s, now, &e);
  guint64 h = ses_hash_bytes (e.data, e.len);
  ses_encoder_clear (&e);
  if (inv != NULL)
    h = mix (h, ses_invariants_client_digest (inv, c, session));
  for (guint k = 0; k < SES_EXPLORE_BUDGETS; k++)
    if (sym->by_client & (1u << k))
      h = mix (h, (guint64) k << 8 | spent[k][c]);
  for (guint64 i = 0; i < l->events; i++)
    {
      const guint8 *ev = l->data + 8 + i * EVENT_BYTES;
      guint32 kind = (guint32) get_u64 (ev + 8);
      if (event_client (sym, kind, (guint32) get_u64 (ev + 16)) != c)
        continue;
      h = mix (h, kind);
      h = mix (h, get_u64 (ev));
      h = mix (h, get_u64 (ev + 24));
    }
  return h;
}

typedef struct {
  guint64 key;
  guint32 client;
} Keyed;

static gint
compare_keyed (gconstpointer a, gconstpointer b)
{
  const Keyed *x = a, *y = b;
  if (x->key != y->key)
    return x->key < y->key ? -1 : 1;
  return x->client < y->client ? -1 : x->client > y->client;
}

/* ---- the fingerprint ---------------------------------------------------- */

#define LOCAL_CLIENTS 32

static guint64 canonical_form (const SesSymmetry *sym, SesWorld *world,
                               const SesInvariants *inv,
                               const guint8 (*spent)[SES_EXPLORE_TARGETS],
                               guint8 *rename, GByteArray *bytes);

guint64
ses_symmetry_fingerprint (const SesSymmetry *sym, SesWorld *world,
                          const SesInvariants *inv,
                          const guint8 (*spent)[SES_EXPLORE_TARGETS],
                          guint8 *rename)
{
  return canonical_form (sym, world, inv, spent, rename, NULL);
}

guint64
ses_symmetry_encode (const SesSymmetry *sym, SesWorld *world,
                     const SesInvariants *inv,
                     const guint8 (*spent)[SES_EXPLORE_TARGETS],
                     guint8 *rename, GByteArray *bytes)
{
  return canonical_form (sym, world, inv, spent, rename, bytes);
}

/* The fingerprint; the canonical world bytes go to `bytes` if non-NULL. */
static guint64
canonical_form (const SesSymmetry *sym, SesWorld *world,
                const SesInvariants *inv,
                const guint8 (*spent)[SES_EXPLORE_TARGETS], guint8 *rename,
                GByteArray *bytes)
{
  SesMqtt *m = ses_mqtt_from_world (world);
  SesTime now = ses_world_now (world);
  guint n = sym->n_clients, ns = sym->n_sessions;
  gsize msg_size = ses_net_msg_size (ses_world_net (world));
  g_assert (msg_size == sizeof (SesPacket));
  for (guint t = 0; t < SES_EXPLORE_TARGETS; t++)
    rename[t] = (guint8) t;

  guint8 storage[4096];
  SesEncoder e;
  ses_encoder_init (&e, storage, sizeof storage);
  ses_world_encode_to (world, &e);

  guint32 local[4 * LOCAL_CLIENTS];
  gsize slot_local[LOCAL_CLIENTS + 1];
  gboolean small = n <= LOCAL_CLIENTS && ns <= LOCAL_CLIENTS;
  guint32 *ids = small ? local : g_new (guint32, 2 * (gsize) n + 2 * ns);
  Renaming r = { sym, ids, ids + n, ids + 2 * n, ids + 2 * n + ns };
  Layout l = { e.data, e.len };
  l.slot_at = small ? slot_local : g_new (gsize, n + 1);
  parse_layout (&l, msg_size, n);
  for (guint32 c = 0; c < n; c++)
    r.order[c] = r.rename[c] = c;
  for (guint32 s = 0; s < ns; s++)
    r.s_order[s] = r.s_rename[s] = s;

  /* The next scripted action's place: members with actions from there on
   * keep their names. */
  guint64 place = G_MAXUINT64;
  for (guint64 i = 0; i < l.events; i++)
    {
      const guint8 *ev = l.data + 8 + i * EVENT_BYTES;
      if (get_u64 (ev + 8) == SES_MQTT_EV_ACTION)
        place = get_u64 (ev + 24);
    }
  gboolean renamed = FALSE;
  for (guint k = 0; k < sym->classes->len; k++)
    {
      const GArray *members = g_ptr_array_index (sym->classes, k);
      Keyed keyed[SES_EXPLORE_TARGETS];
      guint nf = 0;
      for (guint i = 0; i < members->len; i++)
        {
          guint32 c = g_array_index (members, guint32, i);
          if (place >= sym->done_at[c])
            keyed[nf++] = (Keyed) { member_key (&r, &l, m, inv, spent, c,
                                                msg_size, now), c };
        }
      if (nf < 2)
        continue;
      /* The free members keep their set of names, handed out in key
       * order: keyed[j].client takes the j-th smallest of them. */
      guint32 names[SES_EXPLORE_TARGETS];
      for (guint j = 0; j < nf; j++)
        names[j] = keyed[j].client;
      qsort (keyed, nf, sizeof (Keyed), compare_keyed);
      for (guint j = 0; j < nf; j++)
        {
          guint32 c = keyed[j].client;
          r.rename[c] = names[j];
          r.order[names[j]] = c;
          r.s_rename[sym->session_of[c]] = sym->session_of[names[j]];
          r.s_order[sym->session_of[names[j]]] = sym->session_of[c];
          renamed |= c != names[j];
        }
    }

  /* Even unrenamed, the judge's digest is the renamed one (with
   * identities), which reads a few fields the way a renaming needs. */
  guint64 world_fp;
  guint64 digest = inv != NULL
                     ? ses_invariants_digest_renamed (inv, r.order, r.rename,
                                                      r.s_order, r.s_rename)
                     : 0;
  if (!renamed)
    {
      world_fp = ses_hash_state (e.data, e.len);
      if (bytes != NULL)
        g_byte_array_append (bytes, e.data, (guint) e.len);
    }
  else
    {
      guint8 storage2[4096];
      SesEncoder out;
      ses_encoder_init (&out, storage2, sizeof storage2);
      ses_encoder_expect (&out, e.len);
      put_events (&r, &l, &out);
      for (guint i = 0; i < n; i++)
        put_slot (&r, &l, r.order[i], msg_size, FALSE, &out);
      ses_encoder_bytes (&out, l.data + l.rng_at, RNG_BYTES);
      put_model (&r, m, now, &out);
      if (out.len != e.len)
        layout_broken ();
      world_fp = ses_hash_state (out.data, out.len);
      if (bytes != NULL)
        g_byte_array_append (bytes, out.data, (guint) out.len);
      ses_encoder_clear (&out);
      for (guint32 c = 0; c < n && c < SES_EXPLORE_TARGETS; c++)
        rename[c] = (guint8) r.rename[c];
    }
  ses_encoder_clear (&e);
  if (!small)
    {
      g_free (ids);
      g_free (l.slot_at);
    }
  /* As the explorer combines them (explore.c, fingerprint()). */
  guint64 state = digest;
  return world_fp ^ ses_splitmix64 (&state);
}
