/* The MQTT model behind the engine's SesModelClass: configuration building,
 * dispatch of events, messages and closes to the broker or a client, the
 * scripted actions, the faults offered to drivers, and the observation log.
 * Everything the model does to the outside world goes through SesWorld. */
#include "mqtt-private.h"
#include "block.h"
#include "topic.h"
#include "tracejson.h"

#include <string.h>

/* ---- configuration ------------------------------------------------------ */

void
ses_broker_config_init (SesBrokerConfig *b)
{
  memset (b, 0, sizeof *b);
  b->queue_qos0_offline = FALSE;
  b->queue_limit = 1000;
  b->drop_policy = SES_DROP_NEWEST;
  b->persistence = FALSE;
  b->max_session_expiry_s = SES_EXPIRY_NEVER;
  b->receive_max = 65535;
  b->server_keep_alive_s = 0;
  b->qos2_on_pubrel = FALSE;
  b->max_qos = 2;
  b->no_match_reason = FALSE;
  b->takeover_disconnect = TRUE;
  b->keep_alive_disconnect = TRUE;
  b->not_found_reason = TRUE;
  b->takeover_will = TRUE;
  b->receive_max_disconnect = TRUE;
  b->second_connect = SES_SECOND_CONNECT_DISCONNECT;
  b->packet_ids = SES_IDS_AT_SEND;
  b->will_by_client_id = FALSE;
  b->timer_granularity_ms = 0;
}

void
ses_client_config_init (SesClientConfig *c, SesMqttVersion version)
{
  memset (c, 0, sizeof *c);
  c->version = version;
  c->clean = TRUE;
  c->keep_alive_s = 60;
}

static void
free_cache_entry (gpointer array)
{
  if (array != NULL)
    g_array_unref (array);
}

SesMqttConfig *
ses_mqtt_config_new (void)
{
  SesMqttConfig *cfg = g_new0 (SesMqttConfig, 1);
  cfg->ref = 1;
  cfg->strings = ses_intern_new ();
  ses_broker_config_init (&cfg->broker);
  cfg->clients = g_array_new (FALSE, FALSE, sizeof (SesClientConfig));
  cfg->client_session = g_array_new (FALSE, FALSE, sizeof (guint32));
  cfg->sessions_by_client = TRUE;
  cfg->assigned_id = g_array_new (FALSE, FALSE, sizeof (guint32));
  cfg->labels = g_ptr_array_new_with_free_func (g_free);
  cfg->wills = g_array_new (FALSE, FALSE, sizeof (SesWill));
  cfg->actions = g_array_new (FALSE, FALSE, sizeof (SesAction));
  cfg->action_order = g_array_new (FALSE, FALSE, sizeof (guint32));
  cfg->session_ids = g_array_new (FALSE, FALSE, sizeof (guint32));
  cfg->session_owner = g_array_new (FALSE, FALSE, sizeof (guint32));
  cfg->filters = g_array_new (FALSE, FALSE, sizeof (guint32));
  cfg->filter_set = g_hash_table_new (g_direct_hash, g_direct_equal);
  cfg->session_by_id = g_hash_table_new (g_direct_hash, g_direct_equal);
  cfg->match_cache = g_ptr_array_new_with_free_func (free_cache_entry);
  return cfg;
}

SesMqttConfig *
ses_mqtt_config_ref (SesMqttConfig *cfg)
{
  g_atomic_int_inc (&cfg->ref);
  return cfg;
}

void
ses_mqtt_config_unref (SesMqttConfig *cfg)
{
  if (cfg == NULL || !g_atomic_int_dec_and_test (&cfg->ref))
    return;
  ses_intern_free (cfg->strings);
  g_array_unref (cfg->clients);
  g_array_unref (cfg->client_session);
  g_array_unref (cfg->assigned_id);
  g_ptr_array_unref (cfg->labels);
  g_array_unref (cfg->wills);
  g_array_unref (cfg->actions);
  g_array_unref (cfg->action_order);
  g_array_unref (cfg->session_ids);
  g_array_unref (cfg->session_owner);
  g_array_unref (cfg->filters);
  g_hash_table_unref (cfg->filter_set);
  g_hash_table_unref (cfg->session_by_id);
  ses_topic_index_free (cfg->filter_index);
  g_ptr_array_unref (cfg->match_cache);
  g_free (cfg);
}

SesIntern *
ses_mqtt_config_strings (SesMqttConfig *cfg)
{
  return cfg->strings;
}

SesBrokerConfig *
ses_mqtt_config_broker (SesMqttConfig *cfg)
{
  return &cfg->broker;
}

guint32
ses_mqtt_config_intern (SesMqttConfig *cfg, const char *str)
{
  return ses_intern_add (cfg->strings, str);
}

guint
ses_mqtt_config_add_client (SesMqttConfig *cfg, const char *label,
                            const char *client_id,
                            const SesClientConfig *client)
{
  SesClientConfig c = *client;
  guint index = cfg->clients->len;
  c.client_id = ses_intern_add (cfg->strings, client_id);
  /* Clients with the same ClientId share one broker session (that is how
   * takeover is modelled); an empty ClientId gets a session of its own, as
   * if the broker had assigned a unique identifier (3.1.1 [MQTT-3.1.3-6],
   * 5.0 [MQTT-3.1.3-6]). */
  guint32 session = cfg->session_ids->len;
  gboolean named = client_id != NULL && client_id[0] != '\0';
  gpointer known = named ? g_hash_table_lookup (cfg->session_by_id,
                                                GUINT_TO_POINTER (c.client_id))
                         : NULL;
  if (known != NULL)
    session = GPOINTER_TO_UINT (known) - 1;
  else
    {
      g_array_append_val (cfg->session_ids, c.client_id);
      g_array_append_val (cfg->session_owner, index);
      if (named)
        g_hash_table_insert (cfg->session_by_id, GUINT_TO_POINTER (c.client_id),
                             GUINT_TO_POINTER (session + 1));
    }
  g_array_append_val (cfg->clients, c);
  g_array_append_val (cfg->client_session, session);
  if (session != index)
    cfg->sessions_by_client = FALSE;
  /* 5.0 [MQTT-3.2.2-16]: an empty ClientId gets one the broker makes up,
   * unique among its sessions (each such client has a session of its
   * own); interned now, as worlds never add strings. */
  g_autofree char *assigned = g_strdup_printf ("auto-%s", label);
  guint32 assigned_id = named ? 0 : ses_intern_add (cfg->strings, assigned);
  g_array_append_val (cfg->assigned_id, assigned_id);
  g_ptr_array_add (cfg->labels, g_strdup (label));
  return index;
}

guint
ses_mqtt_config_n_clients (const SesMqttConfig *cfg)
{
  return cfg->clients->len;
}

const SesClientConfig *
ses_mqtt_config_client (const SesMqttConfig *cfg, guint index)
{
  g_return_val_if_fail (index < cfg->clients->len, NULL);
  return &g_array_index (cfg->clients, SesClientConfig, index);
}

const GPtrArray *
ses_mqtt_config_labels (const SesMqttConfig *cfg)
{
  return cfg->labels;
}

guint32
ses_mqtt_config_add_will (SesMqttConfig *cfg, const SesWill *will)
{
  g_array_append_val (cfg->wills, *will);
  cfg->matches_ready = FALSE;
  return cfg->wills->len;
}

const SesWill *
ses_mqtt_config_will (const SesMqttConfig *cfg, guint32 will)
{
  g_return_val_if_fail (will >= 1 && will <= cfg->wills->len, NULL);
  return &g_array_index (cfg->wills, SesWill, will - 1);
}

static void
note_filter (SesMqttConfig *cfg, guint32 filter)
{
  if (g_hash_table_contains (cfg->filter_set, GUINT_TO_POINTER (filter)))
    return;
  g_hash_table_add (cfg->filter_set, GUINT_TO_POINTER (filter));
  g_array_append_val (cfg->filters, filter);
  /* Cached matches were computed without this filter. */
  g_ptr_array_set_size (cfg->match_cache, 0);
  g_clear_pointer (&cfg->filter_index, ses_topic_index_free);
}

void
ses_mqtt_config_add_action (SesMqttConfig *cfg, const SesAction *action)
{
  g_array_append_val (cfg->actions, *action);
  cfg->matches_ready = FALSE;
  if (action->kind == SES_ACT_SUBSCRIBE)
    note_filter (cfg, action->topic);
}

guint
ses_mqtt_config_n_actions (const SesMqttConfig *cfg)
{
  return cfg->actions->len;
}

const SesAction *
ses_mqtt_config_action (const SesMqttConfig *cfg, guint index)
{
  g_return_val_if_fail (index < cfg->actions->len, NULL);
  return &g_array_index (cfg->actions, SesAction, index);
}

guint32
ses_mqtt_config_client_session (const SesMqttConfig *cfg, guint client)
{
  g_return_val_if_fail (client < cfg->client_session->len, G_MAXUINT32);
  return g_array_index (cfg->client_session, guint32, client);
}

guint32
ses_mqtt_config_n_sessions (const SesMqttConfig *cfg)
{
  return cfg->session_ids->len;
}

static gint
compare_u32 (gconstpointer a, gconstpointer b)
{
  guint32 x = *(const guint32 *) a, y = *(const guint32 *) b;
  return x < y ? -1 : x > y;
}

static SesTopicIndex *
index_filters (const SesMqttConfig *cfg)
{
  SesTopicIndex *index = ses_topic_index_new ();
  for (guint i = 0; i < cfg->filters->len; i++)
    {
      guint32 f = g_array_index (cfg->filters, guint32, i);
      const char *filter = ses_intern_get (cfg->strings, f);
      if (ses_topic_filter_valid (filter))
        ses_topic_index_add (index, filter, f);
    }
  return index;
}

static void
match_into (const SesMqttConfig *cfg, const SesTopicIndex *index,
            guint32 topic, GArray *hit)
{
  const char *name = ses_intern_get (cfg->strings, topic);
  if (name != NULL)
    ses_topic_index_match (index, name, hit);
  /* Sorted, so routing visits filters in an order fixed by the scenario,
   * never by the index's hash tables. */
  g_array_sort (hit, compare_u32);
}

static void
cache_matches (SesMqttConfig *cfg, guint32 topic)
{
  if (topic >= cfg->match_cache->len)
    g_ptr_array_set_size (cfg->match_cache, (guint) topic + 1);
  if (g_ptr_array_index (cfg->match_cache, topic) != NULL)
    return;
  GArray *hit = g_array_new (FALSE, FALSE, sizeof (guint32));
  match_into (cfg, cfg->filter_index, topic, hit);
  g_ptr_array_index (cfg->match_cache, topic) = hit;
}

/* Works out the matching filters of every topic a message can be routed
 * on (the scripted publishes and the wills) while a world is built, so
 * that from then on the worlds, copies on other threads included, only
 * read the configuration. */
static void
prepare_matches (SesMqttConfig *cfg)
{
  if (cfg->matches_ready)
    return;
  if (cfg->filter_index == NULL)
    cfg->filter_index = index_filters (cfg);
  for (guint i = 0; i < cfg->actions->len; i++)
    {
      const SesAction *a = &g_array_index (cfg->actions, SesAction, i);
      if (a->kind == SES_ACT_PUBLISH || a->kind == SES_ACT_RAW_PUBLISH)
        cache_matches (cfg, a->topic);
    }
  for (guint i = 0; i < cfg->wills->len; i++)
    cache_matches (cfg, g_array_index (cfg->wills, SesWill, i).topic);
  cfg->matches_ready = TRUE;
}

const GArray *
ses_mqtt_matching_filters (SesMqtt *m, guint32 topic)
{
  const SesMqttConfig *cfg = m->cfg;
  if (topic < cfg->match_cache->len
      && g_ptr_array_index (cfg->match_cache, topic) != NULL)
    return g_ptr_array_index (cfg->match_cache, topic);
  /* A topic the configuration did not know when the world was built:
   * worked out here, into the model's own array, never into the shared
   * configuration. */
  GArray *hit = g_array_new (FALSE, FALSE, sizeof (guint32));
  if (cfg->filter_index != NULL)
    match_into (cfg, cfg->filter_index, topic, hit);
  else
    {
      g_autoptr (SesTopicIndex) index = index_filters (cfg);
      match_into (cfg, index, topic, hit);
    }
  g_clear_pointer (&m->matches, g_array_unref);
  m->matches = g_steal_pointer (&hit);
  return m->matches;
}

/* ---- observations and sending ------------------------------------------ */

static void
record (SesMqtt *m, SesObs *obs)
{
  /* Renderings say only what the client's protocol version has. */
  if (obs->client < m->cfg->clients->len)
    obs->version = (guint8) g_array_index (m->cfg->clients, SesClientConfig,
                                           obs->client).version;
  m->counters.observations++;
  if (m->recording)
    ses_vec_append (&m->log_vec, obs);
  if (m->observer != NULL)
    m->observer (obs, m->observer_data);
}

/* The first client declared with the session's ClientId: who a record about
 * a disconnected session is shown against. */
static guint32
session_owner (const SesMqtt *m, guint32 session)
{
  return g_array_index (m->cfg->session_owner, guint32, session);
}

void
ses_mqtt_observe (SesMqtt *m, SesWorld *w, SesObsKind kind, guint cause,
                  guint32 client, guint32 session, const SesPacket *pkt,
                  guint32 arg, const char *rule)
{
  if (!m->recording
      && (m->observer == NULL
          || (m->observer_kinds != 0
              && !(m->observer_kinds & (G_GUINT64_CONSTANT (1) << kind)))))
    {
      m->counters.observations++;
      return;
    }
  SesObs obs;
  memset (&obs, 0, sizeof obs);
  obs.time_us = ses_world_now (w);
  obs.kind = (guint16) kind;
  obs.cause = (guint16) cause;
  obs.client = client;
  if (client == SES_NONE)
    obs.client = session != SES_NONE ? session_owner (m, session)
                                     : SES_OBS_BROKER;
  obs.session = session;
  obs.arg = arg;
  obs.rule = rule;
  if (pkt != NULL)
    obs.pkt = *pkt;
  else
    obs.pkt.origin = G_MAXUINT32;
  record (m, &obs);
}

void
ses_mqtt_observe_lost (SesMqtt *m, SesWorld *w, guint32 client,
                       gboolean by_broker, SesCause cause)
{
  SesObs obs;
  memset (&obs, 0, sizeof obs);
  obs.time_us = ses_world_now (w);
  obs.kind = SES_OBS_CONNECTION_LOST;
  obs.cause = (guint16) cause;
  obs.client = client;
  obs.session = ses_mqtt_session_of_client (m->cfg, client);
  obs.by_broker = by_broker;
  obs.pkt.origin = G_MAXUINT32;
  record (m, &obs);
}

static void
record_packet (SesMqtt *m, SesWorld *w, SesObsKind kind, guint32 client,
               gboolean by_broker, const SesPacket *pkt)
{
  if (!m->recording && m->observer == NULL)
    return;
  SesObs obs;
  memset (&obs, 0, sizeof obs);
  obs.time_us = ses_world_now (w);
  obs.kind = (guint16) kind;
  obs.client = client;
  obs.session = ses_mqtt_session_of_client (m->cfg, client);
  obs.by_broker = by_broker;
  obs.pkt = *pkt;
  record (m, &obs);
}

gboolean
ses_mqtt_send (SesMqtt *m, SesWorld *w, guint32 client, guint32 gen,
               gboolean from_broker, const SesPacket *pkt)
{
  m->counters.packets++;
  gboolean sent = ses_world_send (w, client, gen,
                                  from_broker ? SES_NET_SERVER : SES_NET_CLIENT,
                                  pkt);
  record_packet (m, w, sent ? SES_OBS_SEND : SES_OBS_LOST, client,
                 from_broker, pkt);
  return sent;
}

void
ses_mqtt_publish_packet (const SesMessage *msg, SesTime now, SesPacket *out)
{
  ses_packet_init (out, SES_PKT_PUBLISH);
  out->qos = msg->qos;
  out->topic = msg->topic;
  out->payload = msg->payload;
  out->origin = msg->origin;
  out->seq = msg->seq;
  if (msg->retain)
    out->flags |= SES_PKT_F_RETAIN;
  if (msg->will)
    out->flags |= SES_PKT_F_WILL;
  if (msg->expiry_at_us != SES_TIME_NONE)
    {
      out->flags |= SES_PKT_F_HAS_EXPIRY;
      SesTime left = msg->expiry_at_us - now;
      out->expiry_s = left <= 0 ? 0
                                : (guint32) ((left + SES_US_PER_S - 1)
                                             / SES_US_PER_S);
    }
}

/* ---- the model class ---------------------------------------------------- */

static gint
compare_action_times (gconstpointer a, gconstpointer b, gpointer data)
{
  const SesMqttConfig *cfg = data;
  guint32 x = *(const guint32 *) a, y = *(const guint32 *) b;
  SesTime tx = g_array_index (cfg->actions, SesAction, x).at_us;
  SesTime ty = g_array_index (cfg->actions, SesAction, y).at_us;
  if (tx != ty)
    return tx < ty ? -1 : 1;
  return x < y ? -1 : x > y;
}

/* Queues the action at this place in the run order, with the insertion
 * counter reserved for it (its script index). */
static void
schedule_action (SesMqttConfig *cfg, SesWorld *w, guint place)
{
  guint32 index = g_array_index (cfg->action_order, guint32, place);
  ses_world_schedule_reserved (w, g_array_index (cfg->actions, SesAction,
                                                 index).at_us,
                               index, SES_MQTT_EV_ACTION, index, place);
}

/* A model is one block: the struct, its clients, the broker's sessions and
 * connections, and in a copy the elements of all their arrays (lent, see
 * SesVec), so a copy is one allocation and, unless an array outgrew its
 * share since, one free. */
#define ALIGN16(n) (((n) + 15) & ~(gsize) 15)

static gsize
clients_offset (void)
{
  return ALIGN16 (sizeof (SesMqtt));
}

static gsize
broker_offset (guint n_clients)
{
  return clients_offset () + ALIGN16 (sizeof (SesClient) * MAX (n_clients, 1));
}

static gsize
lent_offset (const SesMqttConfig *cfg)
{
  return broker_offset (cfg->clients->len)
         + ALIGN16 (ses_broker_storage_size (cfg->session_ids->len,
                                             cfg->clients->len));
}

static void
attach_views (SesMqtt *m)
{
  m->log = &m->log_vec.view;
}

static SesMqtt *
mqtt_new (SesMqttConfig *cfg)
{
  guint n = cfg->clients->len;
  SesMqtt *m = ses_block_alloc0 (lent_offset (cfg));
  m->cfg = ses_mqtt_config_ref (cfg);
  ses_broker_init (&m->broker, cfg->session_ids->len, n,
                   (guint8 *) m + broker_offset (n));
  m->clients = (SesClient *) (void *) ((guint8 *) m + clients_offset ());
  for (guint i = 0; i < n; i++)
    {
      ses_client_init (&m->clients[i]);
      const SesClientConfig *cc = &g_array_index (cfg->clients,
                                                  SesClientConfig, i);
      /* 5.0 [MQTT-3.1.2-21]: a Server Keep Alive replaces the client's. */
      m->clients[i].keep_alive_ever = cc->keep_alive_s != 0
                                      || cfg->broker.server_keep_alive_s != 0;
    }
  ses_vec_init (&m->log_vec, sizeof (SesObs));
  attach_views (m);
  m->recording = TRUE;
  return m;
}

static void
mqtt_free (gpointer data)
{
  SesMqtt *m = data;
  ses_broker_clear (&m->broker);
  for (guint i = 0; i < m->cfg->clients->len; i++)
    ses_client_clear (&m->clients[i]);
  ses_vec_clear (&m->log_vec);
  g_clear_pointer (&m->matches, g_array_unref);
  if (!m->cfg_borrowed)
    ses_mqtt_config_unref (m->cfg);
  ses_block_free (m);
}

/* Room the explorer's scratch copy (mqtt_copy_into) leaves each array for
 * the step tried on it: without, its first append moved the array out by
 * malloc, and the next copy freed it. */
#define SCRATCH_SPARE 2

/* Bytes a copy of src needs after its fixed part (see lent_offset), with
 * room for `spare` more elements an array. */
static gsize
lent_size_of (const SesMqtt *src, guint spare)
{
  gsize size = ses_broker_lent_size (&src->broker, spare)
               + ses_vec_lent_size (&src->log_vec, 0);
  for (guint i = 0; i < src->cfg->clients->len; i++)
    size += ses_client_lent_size (&src->clients[i], spare);
  return size;
}

/* Writes the copy of src into m, a block with room for lent_size_of (src)
 * after lent_offset: the fixed part, then every array's elements lent from
 * the rest. m's configuration reference is left to the caller. */
static SesMqtt *
write_copy (SesMqtt *m, const SesMqtt *src, gsize lent_size, guint spare)
{
  guint n = src->cfg->clients->len;
  gsize offset = lent_offset (src->cfg);
  guint8 *lent = (guint8 *) m + offset;
  *m = *src;
  lent = ses_broker_copy_into (&m->broker, &src->broker,
                               (guint8 *) m + broker_offset (n), lent, spare);
  m->clients = (SesClient *) (void *) ((guint8 *) m + clients_offset ());
  for (guint i = 0; i < n; i++)
    lent = ses_client_copy_into (&m->clients[i], &src->clients[i], lent,
                                 spare);
  attach_views (m);
  lent = ses_vec_lend (&m->log_vec, lent, 0);
  g_assert (lent == (guint8 *) m + offset + lent_size);
  m->matches = NULL; /* scratch, never state */
  return m;
}

/* A copy of src in a block of its own; borrowing, without a reference on
 * the configuration: some model of it that holds one outlives this copy
 * (ses_world_copy_borrowing). */
static SesMqtt *
copy_new (const SesMqtt *src, gboolean borrowing)
{
  gsize lent_size = lent_size_of (src, 0);
  SesMqtt *m = ses_block_alloc (lent_offset (src->cfg) + lent_size);
  if (!borrowing)
    ses_mqtt_config_ref (src->cfg);
  write_copy (m, src, lent_size, 0);
  m->cfg_borrowed = borrowing;
  return m;
}

static gpointer
mqtt_copy (gconstpointer data)
{
  return copy_new (data, FALSE);
}

static gpointer
mqtt_copy_borrowing (gconstpointer data)
{
  return copy_new (data, TRUE);
}

/* mqtt_copy into dest's block when the copy fits in it (the explorer's
 * scratch child is copied into again for every successor it tries):
 * dest's arrays that outgrew their lent share and its derived caches are
 * given back first, then the same layout as mqtt_copy is written over
 * it. A block too small is replaced by one with room to spare, so a
 * scratch soon stops allocating. */
static gpointer
mqtt_copy_into (gpointer dest, gconstpointer data)
{
  const SesMqtt *src = data;
  SesMqtt *m = dest;
  if (m == NULL || m->cfg != src->cfg)
    {
      if (m != NULL)
        mqtt_free (m);
      return mqtt_copy (src);
    }
  ses_broker_clear (&m->broker);
  for (guint i = 0; i < src->cfg->clients->len; i++)
    ses_client_clear (&m->clients[i]);
  ses_vec_clear (&m->log_vec);
  g_clear_pointer (&m->matches, g_array_unref);
  gsize lent_size = lent_size_of (src, SCRATCH_SPARE);
  gsize need = lent_offset (src->cfg) + lent_size;
  /* The configuration reference dest holds (or borrows) is the one the
   * copy needs. */
  gboolean borrowed = m->cfg_borrowed;
  if (ses_block_size (m) < need)
    {
      ses_block_free (m);
      m = ses_block_alloc (need + need / 2);
    }
  write_copy (m, src, lent_size, SCRATCH_SPARE);
  m->cfg_borrowed = borrowed;
  return m;
}

static void
mqtt_encode_to (gconstpointer data, SesTime now, SesEncoder *out)
{
  const SesMqtt *m = data;
  ses_broker_encode_to (&m->broker, now, out);
  for (guint i = 0; i < m->cfg->clients->len; i++)
    ses_client_encode_to (&m->clients[i], now, out);
}

static void
mqtt_encode (gconstpointer data, SesTime now, GByteArray *out)
{
  SesEncoder e;
  ses_encoder_init (&e, NULL, 0);
  mqtt_encode_to (data, now, &e);
  g_byte_array_append (out, e.data, (guint) e.len);
  ses_encoder_clear (&e);
}

/* What a cut or half-open on `slot` is about to destroy, as the network
 * knows it: each packet in flight, in each direction, in order. */
static void
note_in_flight (SesMqtt *m, SesWorld *w, guint32 slot)
{
  const SesNet *net = ses_world_net (w);
  for (int toward = SES_NET_CLIENT; toward <= SES_NET_SERVER; toward++)
    for (guint i = 0;; i++)
      {
        const SesPacket *pkt = ses_net_peek (net, slot, (SesNetEnd) toward,
                                             i);
        if (pkt == NULL)
          {
            if (i >= ses_net_in_flight (net, slot, (SesNetEnd) toward))
              break;
            continue; /* a close on its way */
          }
        record_packet (m, w, SES_OBS_CUT_LOST, slot,
                       toward == SES_NET_CLIENT, pkt);
      }
}

static void
run_action (SesMqtt *m, SesWorld *w, const SesAction *a)
{
  switch (a->kind)
    {
    case SES_ACT_RESET:
      /* A reset (RST) loses what is in flight, as a cut does, and both
       * ends learn of it; only its name differs. On a real connection
       * what was written before the RST still arrives and is read before
       * the peer sees the reset. */
      if (m->remote != NULL)
        m->remote->settle (m->remote_data, a->client);
      ses_mqtt_observe (m, w, SES_OBS_FAULT, SES_FAULT_KIND_RESET, a->client,
                        ses_mqtt_session_of_client (m->cfg, a->client),
                        NULL, 0, NULL);
      note_in_flight (m, w, a->client);
      ses_world_reset (w, a->client);
      break;
    case SES_ACT_CUT:
      /* A real connection ends by a close: what was written before it
       * still arrives. */
      if (m->remote != NULL)
        m->remote->settle (m->remote_data, a->client);
      ses_mqtt_observe (m, w, SES_OBS_FAULT, SES_FAULT_KIND_CUT, a->client,
                        ses_mqtt_session_of_client (m->cfg, a->client),
                        NULL, 0, NULL);
      note_in_flight (m, w, a->client);
      ses_world_cut (w, a->client);
      break;
    case SES_ACT_HALF_OPEN_BROKER:
    case SES_ACT_HALF_OPEN_CLIENT:
      if (m->remote != NULL)
        m->remote->settle (m->remote_data, a->client);
      ses_mqtt_observe (m, w, SES_OBS_FAULT,
                        a->kind == SES_ACT_HALF_OPEN_BROKER
                          ? SES_FAULT_KIND_HALF_OPEN_BROKER
                          : SES_FAULT_KIND_HALF_OPEN_CLIENT,
                        a->client,
                        ses_mqtt_session_of_client (m->cfg, a->client),
                        NULL, 0, NULL);
      note_in_flight (m, w, a->client);
      ses_world_half_open (w, a->client,
                           a->kind == SES_ACT_HALF_OPEN_BROKER ? SES_NET_SERVER
                                                               : SES_NET_CLIENT);
      break;
    case SES_ACT_RESTART:
      if (m->remote != NULL)
        {
          ses_mqtt_observe (m, w, SES_OBS_FAULT, SES_FAULT_KIND_RESTART,
                            SES_OBS_BROKER, SES_NONE, NULL, 0, NULL);
          m->remote->restart (m->remote_data, m->cfg->broker.persistence);
        }
      else
        ses_broker_restart (m, w);
      break;
    default:
      ses_client_act (m, w, a->client, a);
      break;
    }
}

static void
mqtt_on_event (SesWorld *w, gpointer data, const SesEvent *ev)
{
  SesMqtt *m = data;
  switch (ev->kind)
    {
    case SES_MQTT_EV_ACTION:
      {
        /* Only the next action waits in the queue; it takes the insertion
         * counter reserved for it, so the order is as if the whole script
         * had been queued at the start. */
        guint64 next = ev->arg + 1;
        const GArray *order = m->cfg->action_order;
        if (next < order->len)
          schedule_action (m->cfg, w, (guint) next);
        /* Scheduling reads the action's time: among many clients a miss,
         * which loading the one after this one now takes out of the
         * next action's way. */
        if (next + 1 < order->len)
          __builtin_prefetch (&g_array_index (
              m->cfg->actions, SesAction,
              g_array_index (order, guint32, next + 1)));
        run_action (m, w,
                    &g_array_index (m->cfg->actions, SesAction, ev->target));
        break;
      }
    case SES_MQTT_EV_SESSION_EXPIRY:
    case SES_MQTT_EV_WILL_DELAY:
    case SES_MQTT_EV_BROKER_KEEP_ALIVE:
      ses_broker_on_timer (m, w, ev);
      break;
    case SES_MQTT_EV_CLIENT_KEEP_ALIVE:
    case SES_MQTT_EV_CLIENT_RECONNECT:
      ses_client_on_timer (m, w, ev);
      break;
    default:
      g_return_if_reached ();
    }
}

static gboolean
mqtt_event_live (gconstpointer data, const SesEvent *ev)
{
  const SesMqtt *m = data;
  switch (ev->kind)
    {
    case SES_MQTT_EV_ACTION:
      return TRUE;
    case SES_MQTT_EV_SESSION_EXPIRY:
    case SES_MQTT_EV_WILL_DELAY:
    case SES_MQTT_EV_BROKER_KEEP_ALIVE:
      return ses_broker_timer_live (m, ev);
    default:
      return ses_client_timer_live (m, ev);
    }
}

static void
mqtt_on_message (SesWorld *w, gpointer data, guint slot, guint32 gen,
                 SesNetEnd to, const void *msg)
{
  SesMqtt *m = data;
  SesPacket pkt;
  memcpy (&pkt, msg, sizeof pkt);
  record_packet (m, w, SES_OBS_RECEIVE, slot, to == SES_NET_SERVER, &pkt);
  if (to == SES_NET_SERVER && m->remote != NULL)
    return; /* the real broker got it too, and answers for itself */
  if (to == SES_NET_SERVER)
    ses_broker_on_packet (m, w, slot, gen, &pkt);
  else
    ses_client_on_packet (m, w, slot, gen, &pkt);
}

static void
mqtt_on_closed (SesWorld *w, gpointer data, guint slot, guint32 gen,
                SesNetEnd end, SesCloseCause cause)
{
  SesMqtt *m = data;
  if (end == SES_NET_SERVER && m->remote != NULL)
    {
      ses_mqtt_observe_lost (m, w, slot, TRUE,
                             cause == SES_CLOSE_CUT ? SES_CAUSE_CUT
                                                    : SES_CAUSE_PEER_CLOSED);
      return;
    }
  if (end == SES_NET_SERVER)
    ses_broker_on_closed (m, w, slot, gen, cause);
  else
    ses_client_on_closed (m, w, slot, gen, cause);
}

static void
mqtt_list_faults (gconstpointer data, const SesWorld *w, GArray *choices)
{
  const SesMqtt *m = data;
  for (guint i = 0; i < m->cfg->clients->len; i++)
    ses_choices_add_fault (choices, SES_MQTT_FAULT_CRASH, i);
  ses_choices_add_fault (choices, SES_MQTT_FAULT_RESTART, 0);
}

static void
mqtt_apply_fault (SesWorld *w, gpointer data, const SesFault *fault)
{
  SesMqtt *m = data;
  switch (fault->kind)
    {
    case SES_MQTT_FAULT_CRASH:
      ses_client_crash (m, w, fault->target);
      break;
    case SES_MQTT_FAULT_RESTART:
      ses_broker_restart (m, w);
      break;
    default:
      g_return_if_reached ();
    }
}

static void
mqtt_note_fault (SesWorld *w, gpointer data, const SesFault *fault)
{
  SesMqtt *m = data;
  guint kind = fault->kind == SES_FAULT_CUT ? SES_FAULT_KIND_CUT
               : fault->kind == SES_FAULT_HALF_OPEN_SERVER
                 ? SES_FAULT_KIND_HALF_OPEN_BROKER
                 : SES_FAULT_KIND_HALF_OPEN_CLIENT;
  ses_mqtt_observe (m, w, SES_OBS_FAULT, kind, fault->target,
                    g_array_index (m->cfg->client_session, guint32,
                                   fault->target),
                    NULL, 0, NULL);
  note_in_flight (m, w, fault->target);
}

/* What an event will touch first, for ses_world_step's look-ahead: the
 * receiving client's record and its configuration (every client handler
 * reads the version there first); on the broker's side, the connection's record
 * and the session its client owns (the configured one: a hint, wrong at
 * worst for a session taken over). Among many clients each is a cache
 * miss, which the event before hides. */
static void
mqtt_prefetch (gconstpointer data, const SesEvent *ev)
{
  const SesMqtt *m = data;
  guint32 n_clients = m->cfg->clients->len;
  guint32 client = SES_NONE;
  guint32 session = SES_NONE;
  switch (ev->kind)
    {
    case SES_EVENT_NET_ARRIVE:
      if ((ev->arg & 1) == SES_NET_CLIENT)
        client = ev->target;
      else if (ev->target < n_clients)
        {
          ses_prefetch_span (&m->broker.conns[ev->target],
                             sizeof (SesBrokerConn));
          session = ses_mqtt_session_of_client (m->cfg, ev->target);
        }
      break;
    case SES_MQTT_EV_CLIENT_KEEP_ALIVE:
    case SES_MQTT_EV_CLIENT_RECONNECT:
      client = ev->target;
      break;
    case SES_MQTT_EV_ACTION:
      /* The action's record was read when it was scheduled. */
      if (ev->target < m->cfg->actions->len)
        client = g_array_index (m->cfg->actions, SesAction, ev->target)
                   .client;
      break;
    case SES_MQTT_EV_SESSION_EXPIRY:
    case SES_MQTT_EV_WILL_DELAY:
      session = ev->target;
      break;
    default:
      break;
    }
  if (client < n_clients)
    {
      ses_prefetch_span (&m->clients[client], sizeof (SesClient));
      ses_prefetch_span (ses_mqtt_config_client (m->cfg, client),
                         sizeof (SesClientConfig));
    }
  if (session < m->broker.n_sessions)
    ses_prefetch_span (&m->broker.sessions[session], sizeof (SesSession));
}

/* A session's expiry and will-delay timers carry the session's timer
 * generation, which the session's encoding leaves out and a live timer
 * always equals (ses_broker_timer_live). Encoded as it is, two states
 * that differ only in how often those timers were re-armed encoded alike
 * until a step armed one, and then their successors did not: which
 * states a search stored depended on the order it met them. The other
 * events' arguments are data (the script's action) or generations that
 * are encoded with their records (connections, clients, net slots). */
static guint64
mqtt_event_arg (gconstpointer data, const SesEvent *ev)
{
  (void) data;
  switch (ev->kind)
    {
    case SES_MQTT_EV_SESSION_EXPIRY:
    case SES_MQTT_EV_WILL_DELAY:
      return 0;
    default:
      return ev->arg;
    }
}

static const SesModelClass mqtt_class = {
  .name = "mqtt",
  .on_event = mqtt_on_event,
  .on_message = mqtt_on_message,
  .on_closed = mqtt_on_closed,
  .event_live = mqtt_event_live,
  .list_faults = mqtt_list_faults,
  .apply_fault = mqtt_apply_fault,
  .note_fault = mqtt_note_fault,
  .encode = mqtt_encode,
  .copy = mqtt_copy,
  .free = mqtt_free,
  .encode_to = mqtt_encode_to,
  .copy_into = mqtt_copy_into,
  .prefetch = mqtt_prefetch,
  .copy_borrowing = mqtt_copy_borrowing,
  .event_arg = mqtt_event_arg,
};

SesWorld *
ses_mqtt_world_new (SesMqttConfig *cfg, guint64 seed)
{
  SesMqtt *m = mqtt_new (cfg);
  guint n = cfg->clients->len;
  SesWorld *w = ses_world_new (&mqtt_class, m, n, sizeof (SesPacket), seed);
  for (guint i = 0; i < n; i++)
    ses_net_set_latency (ses_world_net (w), i,
                         g_array_index (cfg->clients, SesClientConfig, i)
                           .latency_us);
  /* Actions run in (time, script position) order: reserve one insertion
   * counter per action, before anything else is scheduled, and queue only
   * the first. */
  while (!g_atomic_int_compare_and_exchange (&cfg->preparing, 0, 1))
    g_thread_yield ();
  if (cfg->action_order->len != cfg->actions->len)
    {
      g_array_set_size (cfg->action_order, cfg->actions->len);
      for (guint i = 0; i < cfg->actions->len; i++)
        g_array_index (cfg->action_order, guint32, i) = i;
      g_array_sort_with_data (cfg->action_order, compare_action_times, cfg);
    }
  prepare_matches (cfg);
  g_atomic_int_set (&cfg->preparing, 0);
  guint64 base = ses_world_reserve (w, cfg->actions->len);
  g_assert (base == 0);
  if (cfg->actions->len > 0)
    schedule_action (cfg, w, 0);
  return w;
}

SesMqtt *
ses_mqtt_from_world (SesWorld *world)
{
  return ses_world_model (world);
}

SesMqttConfig *
ses_mqtt_config (SesMqtt *mqtt)
{
  return mqtt->cfg;
}

const GArray *
ses_mqtt_log (SesMqtt *mqtt)
{
  return mqtt->log;
}

void
ses_mqtt_set_recording (SesMqtt *mqtt, gboolean on)
{
  mqtt->recording = on;
}

void
ses_mqtt_set_observer (SesMqtt *mqtt, SesObserver observer, gpointer data)
{
  mqtt->observer = observer;
  mqtt->observer_data = data;
}

void
ses_mqtt_set_observer_kinds (SesMqtt *mqtt, guint64 kinds)
{
  mqtt->observer_kinds = kinds;
}

char *
ses_mqtt_log_text (SesMqtt *mqtt)
{
  GString *out = g_string_new (NULL);
  for (guint i = 0; i < mqtt->log->len; i++)
    {
      g_autofree char *line = ses_obs_describe (
          &g_array_index (mqtt->log, SesObs, i), mqtt->cfg->strings,
          mqtt->cfg->labels);
      g_string_append (out, line);
      g_string_append_c (out, '\n');
    }
  return g_string_free (out, FALSE);
}

char *
ses_mqtt_log_jsonl (SesMqtt *mqtt)
{
  g_autoptr (SesTraceWriter) w = ses_trace_writer_new (mqtt->cfg);
  for (guint i = 0; i < mqtt->log->len; i++)
    ses_trace_writer_obs (w, i + 1, &g_array_index (mqtt->log, SesObs, i));
  return ses_trace_writer_finish (w);
}

const SesSession *
ses_mqtt_session (SesMqtt *mqtt, guint32 session)
{
  g_return_val_if_fail (session < mqtt->broker.n_sessions, NULL);
  return &mqtt->broker.sessions[session];
}

guint32
ses_mqtt_client_session (SesMqtt *mqtt, guint client)
{
  return g_array_index (mqtt->cfg->client_session, guint32, client);
}

SesClientState
ses_mqtt_client_state (SesMqtt *mqtt, guint client)
{
  return (SesClientState) mqtt->clients[client].state;
}

const GArray *
ses_mqtt_client_outgoing (SesMqtt *mqtt, guint client)
{
  return &mqtt->clients[client].outgoing.view;
}

const GArray *
ses_mqtt_client_incoming (SesMqtt *mqtt, guint client)
{
  return &mqtt->clients[client].incoming.view;
}

const GArray *
ses_mqtt_retained (SesMqtt *mqtt)
{
  return mqtt->broker.retained;
}

const SesMqttCounters *
ses_mqtt_counters (SesMqtt *mqtt)
{
  return &mqtt->counters;
}

/* ---- a real broker ------------------------------------------------------ */

void
ses_mqtt_set_remote (SesMqtt *mqtt, const SesRemoteBroker *remote,
                     gpointer data)
{
  mqtt->remote = remote;
  mqtt->remote_data = data;
}

/* A real broker does not say when it publishes a will; a client that gets
 * one shows it was published. The first copy since the will's owner last
 * lost a connection is recorded as the publication, so that expectations
 * about wills read the same records as in a simulated run. */
static void
note_remote_will (SesMqtt *m, SesWorld *w, const SesPacket *pkt)
{
  if (pkt->origin >= m->cfg->clients->len)
    return;
  guint32 session = g_array_index (m->cfg->client_session, guint32,
                                   pkt->origin);
  for (guint i = m->log->len; i-- > 0;)
    {
      const SesObs *o = &g_array_index (m->log, SesObs, i);
      if (o->kind == SES_OBS_WILL_PUBLISHED && o->session == session)
        return; /* this loss's will was already seen */
      if (o->kind == SES_OBS_CONNECTION_LOST && o->by_broker
          && o->client == pkt->origin)
        break;
    }
  ses_mqtt_observe (m, w, SES_OBS_WILL_PUBLISHED, SES_CAUSE_NONE,
                    pkt->origin, session, pkt, 0,
                    "seen delivered to a client");
}

void
ses_mqtt_remote_deliver (SesMqtt *m, SesWorld *w, guint client, guint32 gen,
                         const SesPacket *pkt)
{
  SesNet *net = ses_world_net (w);
  gboolean current = ses_net_generation (net, client) == gen;
  if (pkt->type == SES_PKT_PUBLISH && (pkt->flags & SES_PKT_F_WILL))
    note_remote_will (m, w, pkt);
  if (current && ses_net_get_latency (net, client) > 0)
    {
      /* The client's link delays it like the model's network does (and a
       * cut on the way destroys it): sent now, received later. */
      ses_mqtt_send (m, w, client, gen, TRUE, pkt);
      return;
    }
  m->counters.packets++;
  /* What the broker writes on a connection the client no longer reads
   * (or has replaced) was sent into the void. */
  gboolean reaches = current && ses_net_wire_up (net, client, gen)
                     && ses_net_is_up (net, client, gen, SES_NET_CLIENT);
  record_packet (m, w, reaches ? SES_OBS_SEND : SES_OBS_LOST, client, TRUE,
                 pkt);
  if (reaches)
    ses_world_link_deliver (w, client, gen, pkt);
}

void
ses_mqtt_remote_closed (SesMqtt *m, SesWorld *w, guint client, guint32 gen,
                        SesCause cause)
{
  SesNet *net = ses_world_net (w);
  if (ses_net_generation (net, client) != gen)
    {
      /* An older connection the client had walked away from without
       * closing (half-open): the broker's end of it was open until now. */
      ses_mqtt_observe_lost (m, w, client, TRUE, cause);
      return;
    }
  /* The broker closed first: its end is down before the client hears. */
  if (ses_net_is_up (net, client, gen, SES_NET_SERVER))
    {
      ses_mqtt_observe_lost (m, w, client, TRUE, cause);
      if (ses_net_get_latency (net, client) > 0
          && ses_net_wire_up (net, client, gen))
        {
          /* Behind what it sent, which the link still delays. */
          ses_world_close (w, client, gen, SES_NET_SERVER);
          return;
        }
      ses_net_abandon (net, client, gen, SES_NET_SERVER);
    }
  ses_world_link_closed (w, client, gen);
}
