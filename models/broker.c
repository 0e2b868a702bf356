/* The broker's state machine. Each handler takes one input (a packet, a
 * close, a timer) and leaves the broker consistent: a session is attached to
 * at most one live connection, every QoS 1/2 copy for a live session is in
 * exactly one of its queue or its outflight, and a packet id is never in use
 * twice in one direction. Rules are cited by (version, ID) where they apply;
 * the version-dependent ones come from the profile table. */
#include "mqtt-private.h"
#include "block.h"
#include "topic.h"

#include <string.h>

/* ---- state lifecycle ---------------------------------------------------- */

static void
clear_index_entry (gpointer vec)
{
  ses_vec_clear (vec);
}

/* A topic's subscribers, as route() collects them (a cache). */
typedef struct {
  guint32 gen; /* subs_gen it was built at; 0: never built */
  guint32 pad;
  SesVec targets; /* (element-type SesRouteTarget) */
} SesRoute;

static void
clear_route (gpointer route)
{
  ses_vec_clear (&((SesRoute *) route)->targets);
}

/* Worlds of few sessions (the checker's) find a message's subscribers by
 * going through the sessions' own subscriptions: every copy of a world
 * rebuilt the subscriber index (by malloc) before its first route, which
 * is most of the steps the checker tries, while a scan of a handful of
 * sessions costs less than the index. The same subscriptions come out,
 * ordered by session; such a world keeps no index at all. */
#define SCAN_SESSIONS 16

static inline gboolean
scans_sessions (const SesBroker *b)
{
  return b->n_sessions <= SCAN_SESSIONS;
}

/* Every change to the subscriber index makes the routes built before it
 * stale. */
static void
index_changed (SesBroker *b)
{
  if (++b->subs_gen == 0)
    {
      /* Wrapped: a route built 2^32 changes ago would look current. */
      b->subs_gen = 1;
      g_clear_pointer (&b->routes, g_array_unref);
    }
}

/* An empty subscriber index: per filter, its list inline (a SesVec), so
 * that routing reaches a list's contents with one cache miss, not two. */
static GArray *
index_new (void)
{
  GArray *index = g_array_new (FALSE, FALSE, sizeof (SesVec));
  g_array_set_clear_func (index, clear_index_entry);
  return index;
}

#define CONNS_OFFSET(n_sessions) \
  ((sizeof (SesSession) * MAX ((n_sessions), 1) + 15) & ~(gsize) 15)

gsize
ses_broker_storage_size (guint32 n_sessions, guint32 n_slots)
{
  return CONNS_OFFSET (n_sessions) + sizeof (SesBrokerConn) * MAX (n_slots, 1);
}

static void
use_storage (SesBroker *b, gpointer storage)
{
  b->sessions = storage;
  b->conns = (SesBrokerConn *) (void *) ((guint8 *) storage
                                         + CONNS_OFFSET (b->n_sessions));
}

void
ses_broker_init (SesBroker *b, guint32 n_sessions, guint32 n_slots,
                 gpointer storage)
{
  memset (b, 0, sizeof *b);
  b->n_sessions = n_sessions;
  b->n_slots = n_slots;
  use_storage (b, storage);
  memset (storage, 0, ses_broker_storage_size (n_sessions, n_slots));
  for (guint32 i = 0; i < n_sessions; i++)
    ses_session_init (&b->sessions[i]);
  for (guint32 i = 0; i < n_slots; i++)
    b->conns[i].session = SES_NONE;
  ses_vec_init (&b->retained_vec, sizeof (SesMessage));
  b->retained = &b->retained_vec.view;
  b->subscribers = scans_sessions (b) ? NULL : index_new ();
  b->subs_gen = 1;
}

void
ses_broker_clear (SesBroker *b)
{
  for (guint32 i = 0; i < b->n_sessions; i++)
    ses_session_clear (&b->sessions[i]);
  b->sessions = NULL;
  b->conns = NULL;
  ses_vec_clear (&b->retained_vec);
  g_clear_pointer (&b->subscribers, g_array_unref);
  g_clear_pointer (&b->routes, g_array_unref);
}

gsize
ses_broker_lent_size (const SesBroker *b, guint spare)
{
  gsize size = ses_vec_lent_size (&b->retained_vec, spare);
  for (guint32 i = 0; i < b->n_sessions; i++)
    size += ses_session_lent_size (&b->sessions[i], spare);
  return size;
}

guint8 *
ses_broker_copy_into (SesBroker *dest, const SesBroker *src, gpointer storage,
                      guint8 *lent, guint spare)
{
  *dest = *src;
  use_storage (dest, storage);
  for (guint32 i = 0; i < src->n_sessions; i++)
    lent = ses_session_copy_into (&dest->sessions[i], &src->sessions[i], lent,
                                  spare);
  memcpy (dest->conns, src->conns, sizeof (SesBrokerConn) * src->n_slots);
  dest->retained = &dest->retained_vec.view;
  lent = ses_vec_lend (&dest->retained_vec, lent, spare);
  /* Derived from the sessions, so rebuilt when first needed rather than
   * copied: most copies (a checker's) never route a message. */
  dest->subscribers = NULL;
  dest->routes = NULL;
  return lent;
}

void
ses_broker_encode_to (const SesBroker *b, SesTime now, SesEncoder *out)
{
  for (guint32 i = 0; i < b->n_sessions; i++)
    ses_session_encode_to (&b->sessions[i], now, out);
  for (guint32 i = 0; i < b->n_slots; i++)
    {
      const SesBrokerConn *c = &b->conns[i];
      guint8 *p = ses_encoder_reserve (out, 4 + 5);
      p = ses_put_u32 (p, c->gen);
      p = ses_put_u8 (p, c->up);
      p = ses_put_u8 (p, c->connected);
      p = ses_put_u8 (p, c->version);
      p = ses_put_u8 (p, c->expiry_was_zero);
      ses_put_u8 (p, c->ka_armed);
      if (!c->up)
        continue;
      p = ses_encoder_reserve (out, 4 * 4 + 8 + 4);
      p = ses_put_u32 (p, c->session);
      p = ses_put_u32 (p, c->keep_alive_s);
      p = ses_put_u32 (p, c->quota);
      p = ses_put_u32 (p, c->quota_max);
      p = ses_put_time (p, ses_broker_conn_last_rx (c), now);
      ses_put_u32 (p, c->will);
    }
  ses_encoder_u32 (out, b->retained->len);
  for (guint i = 0; i < b->retained->len; i++)
    ses_encoder_message (out, &g_array_index (b->retained, SesMessage, i), now);
  /* The subscriber index is derived from the sessions' subscriptions, so
   * it adds nothing to the encoding. */
}


/* ---- small helpers ------------------------------------------------------ */

static const SesProfile *
profile_of (guint8 version)
{
  return ses_profile_get (version == SES_MQTT_5 ? SES_MQTT_5 : SES_MQTT_311);
}

static void
send_to (SesMqtt *m, SesWorld *w, guint32 slot, const SesPacket *pkt)
{
  ses_mqtt_send (m, w, slot, m->broker.conns[slot].gen, TRUE, pkt);
}

static void
send_ack (SesMqtt *m, SesWorld *w, guint32 slot, SesPacketType type,
          guint16 id, guint8 reason)
{
  SesPacket ack;
  ses_packet_init (&ack, type);
  ack.packet_id = id;
  ack.reason = reason;
  send_to (m, w, slot, &ack);
}

static gint
find_incoming (const SesSession *s, guint16 id)
{
  for (guint i = 0; i < s->incoming.view.len; i++)
    if (g_array_index (&s->incoming.view, SesIncoming, i).packet_id == id)
      return (gint) i;
  return -1;
}

static void index_set (SesBroker *b, guint32 filter, guint32 session,
                       guint8 qos);

/* Builds the subscriber index from the sessions' subscriptions, as the
 * subscribes that made them built it: sessions in ascending order, so
 * every list comes out sorted by session. */
static void
index_build (SesBroker *b)
{
  index_changed (b);
  b->subscribers = index_new ();
  for (guint32 i = 0; i < b->n_sessions; i++)
    {
      const GArray *subs = &b->sessions[i].subs.view;
      for (guint k = 0; k < subs->len; k++)
        {
          const SesSubscription *sub = &g_array_index (subs, SesSubscription,
                                                       k);
          index_set (b, sub->filter, i, sub->qos);
        }
    }
}

/* filter's list of subscribers; NULL if the index is not built (then there
 * is nothing to update: it will be built from the sessions, which already
 * hold the change) or, unless create, if no list was ever made for it.
 * Creating one may move the others. */
static SesVec *
index_entry (SesBroker *b, guint32 filter, gboolean create)
{
  if (b->subscribers == NULL)
    return NULL;
  if (filter >= b->subscribers->len)
    {
      if (!create)
        return NULL;
      guint old = b->subscribers->len;
      g_array_set_size (b->subscribers, filter + 1);
      for (guint i = old; i <= filter; i++)
        ses_vec_init (&g_array_index (b->subscribers, SesVec, i),
                      sizeof (SesRouteTarget));
    }
  return &g_array_index (b->subscribers, SesVec, filter);
}

/* The subscribers of filter, to read; NULL for none. */
static const GArray *
subscribers_of (SesBroker *b, guint32 filter)
{
  const SesVec *v = index_entry (b, filter, FALSE);
  return v != NULL ? &v->view : NULL;
}

static guint
lower_bound (const GArray *a, guint32 session)
{
  guint lo = 0, hi = a->len;
  while (lo < hi)
    {
      guint mid = (lo + hi) / 2;
      if (g_array_index (a, SesRouteTarget, mid).session < session)
        lo = mid + 1;
      else
        hi = mid;
    }
  return lo;
}

/* Adds the subscriber, or updates its granted QoS. */
static void
index_set (SesBroker *b, guint32 filter, guint32 session, guint8 qos)
{
  index_changed (b);
  SesVec *a = index_entry (b, filter, TRUE);
  if (a == NULL)
    return;
  guint at = lower_bound (&a->view, session);
  if (at < a->view.len
      && g_array_index (&a->view, SesRouteTarget, at).session == session)
    {
      g_array_index (&a->view, SesRouteTarget, at).qos = qos;
      return;
    }
  SesRouteTarget t = { session, qos };
  ses_vec_insert (a, at, &t);
}

static void
index_remove (SesBroker *b, guint32 filter, guint32 session)
{
  index_changed (b);
  SesVec *a = index_entry (b, filter, FALSE);
  if (a == NULL)
    return;
  guint at = lower_bound (&a->view, session);
  if (at < a->view.len
      && g_array_index (&a->view, SesRouteTarget, at).session == session)
    ses_vec_remove (a, at);
}

static gboolean
connected (const SesMqtt *m, const SesSession *s)
{
  return !m->broker.down && s->client != SES_NONE && m->broker.conns[s->client].up
         && m->broker.conns[s->client].connected
         && m->broker.conns[s->client].gen == s->gen;
}

/* ---- sending to subscribers -------------------------------------------- */

static void
transmit_flight (SesMqtt *m, SesWorld *w, guint32 session, SesFlight *f)
{
  SesSession *s = &m->broker.sessions[session];
  SesBrokerConn *c = &m->broker.conns[s->client];
  const SesProfile *p = profile_of (c->version);
  SesPacket pkt;
  if (f->state == SES_FLIGHT_AWAIT_PUBCOMP && !f->on_wire
      && f->transmitted && ses_mqtt_variant (m, SES_VARIANT_PUBLISH_AFTER_PUBREL))
    {
      /* Variant: resumes past PUBREC with the PUBLISH again. */
      ses_mqtt_publish_packet (&f->msg, ses_world_now (w), &pkt);
      pkt.packet_id = f->packet_id;
      pkt.flags |= SES_PKT_F_DUP;
      f->state = SES_FLIGHT_AWAIT_PUBREC;
    }
  else if (f->state == SES_FLIGHT_AWAIT_PUBCOMP)
    {
      /* both: a QoS 2 message past PUBREC resumes with PUBREL, never with
       * PUBLISH (3.1.1 [MQTT-4.3.3-1], 5.0 [MQTT-4.3.3-6]) */
      ses_packet_init (&pkt, SES_PKT_PUBREL);
      pkt.packet_id = f->packet_id;
    }
  else
    {
      ses_mqtt_publish_packet (&f->msg, ses_world_now (w), &pkt);
      if (!p->has_message_expiry)
        pkt.flags &= (guint8) ~SES_PKT_F_HAS_EXPIRY;
      pkt.packet_id = f->packet_id;
      /* both [MQTT-3.3.1-1]: a redelivery carries DUP=1; [MQTT-3.3.1-3]:
       * DUP comes from this transmission, never from the publisher's. */
      if (f->transmitted && !ses_mqtt_variant (m, SES_VARIANT_NO_DUP))
        pkt.flags |= SES_PKT_F_DUP;
      f->state = f->msg.qos == 1 ? SES_FLIGHT_AWAIT_PUBACK
                                 : SES_FLIGHT_AWAIT_PUBREC;
    }
  /* 5.0 [MQTT-4.9.0-2]: each QoS>0 PUBLISH sent uses one unit of quota; a
   * PUBREL does not, and is never held back by it ([MQTT-3.3.4-10]). */
  if (pkt.type == SES_PKT_PUBLISH
      && !ses_mqtt_variant (m, SES_VARIANT_IGNORE_RECEIVE_MAX))
    {
      c->quota--;
      f->counted = 1;
    }
  f->transmitted = 1;
  f->on_wire = 1;
  send_to (m, w, s->client, &pkt);
}

/* A message entering a session's queue takes its packet id now on a broker
 * set to packet-ids=at-queue (mosquitto 2.0): ids then follow the order
 * messages arrived in, and one that expires or is dropped while it waits
 * leaves a gap. Either way the id is one not in flight (both
 * [MQTT-2.2.1-3]). */
static SesMessage
queued_copy (SesMqtt *m, SesSession *s, const SesMessage *msg)
{
  SesMessage q = *msg;
  q.packet_id = 0;
  if (q.qos > 0 && m->cfg->broker.packet_ids == SES_IDS_AT_QUEUE)
    q.packet_id = ses_packet_id_next (&s->next_id, &s->outflight.view, NULL);
  return q;
}

/* Sends what the session may send now: first in-flight messages not yet
 * sent on this connection, in their original order (both [MQTT-4.6.0-6] /
 * 5.0 [MQTT-4.6.0-5]), then queued messages, while the send quota lasts. */
static void
drain (SesMqtt *m, SesWorld *w, guint32 session)
{
  SesSession *s = &m->broker.sessions[session];
  if (!connected (m, s))
    return;
  SesBrokerConn *c = &m->broker.conns[s->client];
  SesTime now = ses_world_now (w);
  /* PUBLISH resends stop at the first one the quota cannot cover, so
   * their order holds; PUBRELs go out regardless. */
  gboolean publish_blocked = FALSE;
  gboolean reversed = ses_mqtt_variant (m, SES_VARIANT_RESEND_REORDERED);
  for (guint k = 0; k < s->outflight.view.len; k++)
    {
      guint i = reversed ? s->outflight.view.len - 1 - k : k;
      SesFlight *f = &g_array_index (&s->outflight.view, SesFlight, i);
      if (f->on_wire)
        continue;
      if (f->state != SES_FLIGHT_AWAIT_PUBCOMP)
        {
          publish_blocked = publish_blocked || c->quota == 0;
          if (publish_blocked)
            continue;
        }
      transmit_flight (m, w, session, f);
    }
  while (s->queue.view.len > 0)
    {
      SesMessage msg = g_array_index (&s->queue.view, SesMessage, 0);
      if (msg.qos > 0 && (c->quota == 0 || publish_blocked))
        break; /* 5.0 [MQTT-3.3.4-9]: wait for the client to acknowledge */
      ses_vec_remove (&s->queue, 0);
      if (msg.expiry_at_us != SES_TIME_NONE && msg.expiry_at_us <= now
          && !ses_mqtt_variant (m, SES_VARIANT_DELIVER_EXPIRED))
        {
          /* 5.0 [MQTT-3.3.2-5]: onward delivery had not started. */
          SesPacket pkt;
          ses_mqtt_publish_packet (&msg, now, &pkt);
          ses_mqtt_observe (m, w, SES_OBS_EXPIRED, SES_CAUSE_NONE, s->client,
                            session, &pkt, 0, "5.0 [MQTT-3.3.2-5]");
          continue;
        }
      if (msg.qos == 0)
        {
          SesPacket pkt;
          ses_mqtt_publish_packet (&msg, now, &pkt);
          send_to (m, w, s->client, &pkt);
          continue;
        }
      SesFlight f = { .msg = msg, .state = SES_FLIGHT_UNSENT };
      f.msg.packet_id = 0;
      /* both: a fresh id not in use in this direction (3.1.1
       * [MQTT-2.3.1-4], 5.0 [MQTT-2.2.1-4]); the one taken at queue time
       * if it still is */
      f.packet_id = msg.packet_id != 0
                      && ses_flights_find (&s->outflight.view,
                                           msg.packet_id) < 0
                      ? msg.packet_id
                      : ses_packet_id_next (&s->next_id, &s->outflight.view,
                                            NULL);
      if (f.packet_id == 0)
        {
          ses_vec_insert (&s->queue, 0, &msg);
          break;
        }
      transmit_flight (m, w, session, ses_vec_append (&s->outflight, &f));
    }
}

static void
enqueue (SesMqtt *m, SesWorld *w, guint32 session, const SesMessage *msg,
         SesCause why)
{
  SesSession *s = &m->broker.sessions[session];
  const SesBrokerConfig *bc = &m->cfg->broker;
  SesTime now = ses_world_now (w);
  SesPacket pkt;
  if (bc->queue_limit > 0 && s->queue.view.len >= bc->queue_limit)
    {
      /* Implementation-defined: what a full queue drops (rules list §2
       * item 2). Recorded as a policy drop, never as a loss. */
      if (bc->drop_policy == SES_DROP_OLDEST)
        {
          const SesMessage *oldest = &g_array_index (&s->queue.view,
                                                     SesMessage, 0);
          ses_mqtt_publish_packet (oldest, now, &pkt);
          ses_vec_remove (&s->queue, 0);
          ses_mqtt_observe (m, w, SES_OBS_POLICY_DROP, SES_CAUSE_QUEUE_FULL,
                            s->client, session, &pkt, 0, NULL);
        }
      else
        {
          ses_mqtt_publish_packet (msg, now, &pkt);
          ses_mqtt_observe (m, w, SES_OBS_POLICY_DROP, SES_CAUSE_QUEUE_FULL,
                            s->client, session, &pkt, 0, NULL);
          return;
        }
    }
  SesMessage waiting = queued_copy (m, s, msg);
  ses_vec_append (&s->queue, &waiting);
  ses_mqtt_publish_packet (msg, now, &pkt);
  ses_mqtt_observe (m, w, SES_OBS_QUEUED, why, s->client, session, &pkt, 0,
                    why == SES_CAUSE_DISCONNECT
                      ? profile_of (s->version)->rule_offline_queue
                      : NULL);
}

/* Adds one subscriber's copy to its session: both [MQTT-4.5.0-1]. */
static void
deliver_to_session (SesMqtt *m, SesWorld *w, guint32 session,
                    const SesMessage *copy)
{
  SesSession *s = &m->broker.sessions[session];
  SesPacket routed;
  ses_mqtt_publish_packet (copy, ses_world_now (w), &routed);
  ses_mqtt_observe (m, w, SES_OBS_ROUTED, SES_CAUSE_NONE, s->client, session,
                    &routed, 0, "both [MQTT-4.5.0-1]");
  if (connected (m, s))
    {
      /* A non-empty queue means the send quota is used up; a new copy
       * waits behind it, which keeps each publisher's order. */
      if (s->queue.view.len == 0
          && (copy->qos == 0 || m->broker.conns[s->client].quota > 0))
        {
          SesMessage queued = queued_copy (m, s, copy);
          ses_vec_append (&s->queue, &queued);
          drain (m, w, session);
        }
      else
        enqueue (m, w, session, copy, SES_CAUSE_NONE);
      return;
    }
  if (copy->qos == 0 && !m->cfg->broker.queue_qos0_offline)
    {
      /* 3.1.1 [MQTT-3.1.2-5] / 5.0 §4.1: queueing QoS 0 is optional; this
       * broker is set not to. */
      SesPacket pkt;
      ses_mqtt_publish_packet (copy, ses_world_now (w), &pkt);
      ses_mqtt_observe (m, w, SES_OBS_POLICY_DROP, SES_CAUSE_QOS0_OFFLINE,
                        s->client, session, &pkt, 0, NULL);
      return;
    }
  enqueue (m, w, session, copy, SES_CAUSE_DISCONNECT);
}

/* What delivering to the next session will touch besides its record,
 * which route() started loading first: by the time the one before is
 * done, the record has arrived and says where the rest lies (its
 * connection, its arrays' ends, the net slot it sends on). */
static void
prefetch_delivery (const SesMqtt *m, SesWorld *w, guint32 session)
{
  const SesSession *s = &m->broker.sessions[session];
  if (s->client < m->broker.n_slots)
    {
      ses_prefetch_span (&m->broker.conns[s->client], sizeof (SesBrokerConn));
      ses_net_prefetch (ses_world_net (w), s->client);
    }
  if (s->queue.v.data != NULL)
    ses_prefetch_span (s->queue.v.data, sizeof (SesMessage));
  /* The flights drain() looks through, and where the new one goes. */
  if (s->outflight.v.data != NULL)
    ses_prefetch_span (s->outflight.v.data,
                       MIN ((gsize) (s->outflight.v.len + 1)
                              * s->outflight.v.elt_size,
                            192));
}

static gint
compare_targets (gconstpointer a, gconstpointer b, gpointer unused)
{
  const SesRouteTarget *x = a, *y = b;
  return x->session < y->session ? -1 : x->session > y->session;
}

static void
retain_message (SesMqtt *m, const SesMessage *msg)
{
  GArray *r = m->broker.retained;
  guint i = 0;
  while (i < r->len && g_array_index (r, SesMessage, i).topic < msg->topic)
    i++;
  gboolean same = i < r->len && g_array_index (r, SesMessage, i).topic == msg->topic;
  const char *payload = ses_intern_get (m->cfg->strings, msg->payload);
  /* both: an empty retained payload removes the retained message */
  if (payload == NULL || payload[0] == '\0')
    {
      if (same)
        ses_vec_remove (&m->broker.retained_vec, i);
      return;
    }
  SesMessage kept = *msg;
  kept.retain = 1;
  if (same)
    g_array_index (r, SesMessage, i) = kept;
  else
    ses_vec_insert (&m->broker.retained_vec, i, &kept);
}

static gboolean
is_matching (const GArray *filters, guint32 filter)
{
  for (guint i = 0; i < filters->len; i++)
    if (g_array_index (filters, guint32, i) == filter)
      return TRUE;
  return FALSE;
}

/* The scan: writes the matching subscriptions to out (NULL: only counts). */
static guint
scan_subscribers (const SesBroker *b, const GArray *filters,
                  SesRouteTarget *out)
{
  guint n = 0;
  for (guint32 s = 0; s < b->n_sessions; s++)
    {
      const GArray *subs = &b->sessions[s].subs.view;
      for (guint k = 0; k < subs->len; k++)
        {
          const SesSubscription *sub = &g_array_index (subs, SesSubscription,
                                                       k);
          if (!is_matching (filters, sub->filter))
            continue;
          if (out != NULL)
            out[n] = (SesRouteTarget) { s, sub->qos };
          n++;
        }
    }
  return n;
}

/* How many subscriptions match one of filters, over all sessions. */
static guint
count_matching (SesMqtt *m, const GArray *filters)
{
  if (scans_sessions (&m->broker))
    return scan_subscribers (&m->broker, filters, NULL);
  if (m->broker.subscribers == NULL)
    index_build (&m->broker);
  guint n = 0;
  for (guint i = 0; i < filters->len; i++)
    {
      const GArray *subs = subscribers_of (
          &m->broker, g_array_index (filters, guint32, i));
      n += subs != NULL ? subs->len : 0;
    }
  return n;
}

/* How many subscriptions match topic, over all sessions. */
static guint
count_subscribers (SesMqtt *m, guint32 topic)
{
  return count_matching (m, ses_mqtt_matching_filters (m, topic));
}

/* Writes the subscriptions that match one of filters to out (room for
 * count_matching(), which comes first), ordered by session; returns how
 * many. */
static guint
collect_targets (SesMqtt *m, const GArray *filters, SesRouteTarget *out)
{
  if (scans_sessions (&m->broker))
    return scan_subscribers (&m->broker, filters, out);
  guint n = 0;
  for (guint i = 0; i < filters->len; i++)
    {
      const GArray *subs = subscribers_of (
          &m->broker, g_array_index (filters, guint32, i));
      if (subs == NULL || subs->len == 0)
        continue;
      memcpy (out + n, subs->data, sizeof (SesRouteTarget) * subs->len);
      n += subs->len;
    }
  if (filters->len > 1 && n > 1)
    g_qsort_with_data (out, (gint) n, sizeof (SesRouteTarget),
                       compare_targets, NULL);
  return n;
}

/* The topic's subscribers from the route cache, collected anew if the
 * index changed since. Among many clients, collecting walks topic ->
 * matching filters -> their lists, each a cache miss that waits for the
 * one before; a current route is one list, one miss away. */
static const SesVec *
cached_route (SesMqtt *m, guint32 topic)
{
  SesBroker *b = &m->broker;
  if (b->routes == NULL)
    {
      b->routes = g_array_new (FALSE, TRUE, sizeof (SesRoute));
      g_array_set_clear_func (b->routes, clear_route);
    }
  if (topic >= b->routes->len)
    g_array_set_size (b->routes, topic + 1);
  SesRoute *r = &g_array_index (b->routes, SesRoute, topic);
  if (r->gen == b->subs_gen)
    return &r->targets;
  if (r->gen == 0)
    ses_vec_init (&r->targets, sizeof (SesRouteTarget));
  const GArray *filters = ses_mqtt_matching_filters (m, topic);
  ses_vec_truncate (&r->targets);
  ses_vec_grow (&r->targets, count_matching (m, filters));
  r->targets.v.len = collect_targets (m, filters,
                                      ses_vec_at (&r->targets, 0));
  r->gen = b->subs_gen;
  return &r->targets;
}

/* Routes an accepted message to every session with a matching subscription.
 * Overlapping subscriptions give one copy at the highest granted QoS
 * (3.1.1 [MQTT-3.3.5-1], 5.0 [MQTT-3.3.4-2] allow this choice). */
static void
route (SesMqtt *m, SesWorld *w, const SesMessage *msg)
{
  if (msg->retain)
    retain_message (m, msg);
  gboolean ahead = ses_world_look_ahead (w);
  /* The subscribers, collected before any is delivered to (a delivery
   * may end a session, and change the index): on the stack unless there
   * are many. */
  SesRouteTarget local[64];
  SesRouteTarget *targets = local;
  guint n;
  if (ahead)
    {
      const SesVec *cached = cached_route (m, msg->topic);
      n = cached->v.len;
      if (n > G_N_ELEMENTS (local))
        targets = g_new (SesRouteTarget, n);
      if (n > 0)
        memcpy (targets, cached->v.data, sizeof (SesRouteTarget) * n);
    }
  else
    {
      const GArray *filters = ses_mqtt_matching_filters (m, msg->topic);
      n = count_matching (m, filters);
      if (n > G_N_ELEMENTS (local))
        targets = g_new (SesRouteTarget, n);
      n = collect_targets (m, filters, targets);
    }
  /* Every session's record starts loading before the first is written
   * to: among many sessions, each is a cache miss, and they overlap. */
  for (guint i = 0; i < n; i++)
    ses_prefetch_span (&m->broker.sessions[targets[i].session],
                       sizeof (SesSession));
  /* The rest in a pipeline, one session ahead, where records are cold
   * (as the world's own look-ahead: among many connections). The first
   * waits for its record, as its delivery would anyway. */
  if (ahead && n > 0)
    prefetch_delivery (m, w, targets[0].session);
  for (guint i = 0; i < n; i++)
    {
      SesRouteTarget t = targets[i];
      while (i + 1 < n && targets[i + 1].session == t.session)
        {
          i++;
          t.qos = MAX (t.qos, targets[i].qos);
        }
      if (ahead && i + 1 < n)
        prefetch_delivery (m, w, targets[i + 1].session);
      SesMessage copy = *msg;
      /* both: delivered QoS = min(published, granted) (3.1.1
       * [MQTT-3.8.4-6], 5.0 [MQTT-3.8.4-8]) */
      copy.qos = MIN (msg->qos, (guint8) t.qos);
      /* Forwarded to an existing subscription with retain 0 (3.1.1
       * [MQTT-3.3.1-9]; 5.0 Retain As Published = 0). */
      copy.retain = 0;
      deliver_to_session (m, w, t.session, &copy);
    }
  if (targets != local)
    g_free (targets);
}

/* ---- wills and session lifetime ----------------------------------------- */

static void
publish_will (SesMqtt *m, SesWorld *w, guint32 client, guint32 session,
              guint32 will, SesCause why, const char *rule)
{
  const SesWill *spec = ses_mqtt_config_will (m->cfg, will);
  /* A will is its owner's message number 0, whoever triggers it. */
  if (client == SES_NONE)
    client = g_array_index (m->cfg->session_owner, guint32, session);
  SesMessage msg = {
    .origin = client, .seq = 0, .topic = spec->topic,
    .payload = spec->payload, .qos = spec->qos, .retain = spec->retain ? 1 : 0,
    .will = 1, .expiry_at_us = SES_TIME_NONE,
  };
  /* 5.0 §3.1.3.2.4: the will's Message Expiry applies to its publication. */
  if (spec->has_expiry && spec->expiry_s != SES_EXPIRY_NEVER)
    msg.expiry_at_us = ses_world_now (w) + ses_time_from_s (spec->expiry_s);
  SesPacket pkt;
  ses_mqtt_publish_packet (&msg, ses_world_now (w), &pkt);
  ses_mqtt_observe (m, w, SES_OBS_WILL_PUBLISHED, why, client, session, &pkt,
                    0, rule);
  route (m, w, &msg);
}

/* The engine drops the timers too, so none lingers dead in its queue. */
static void
drop_session_timers (SesWorld *w, guint32 session)
{
  ses_world_timer_cancel (w, ses_mqtt_timer_key (SES_MQTT_EV_SESSION_EXPIRY,
                                                 session));
  ses_world_timer_cancel (w, ses_mqtt_timer_key (SES_MQTT_EV_WILL_DELAY,
                                                 session));
}

static void
cancel_timers (SesWorld *w, guint32 session, SesSession *s)
{
  s->timer_gen++;
  s->expiry_at_us = SES_TIME_NONE;
  s->will_at_us = SES_TIME_NONE;
  drop_session_timers (w, session);
}

/* Ends a session and forgets everything in it. A 5.0 will still waiting for
 * its delay goes out now: the earlier of delay and session end wins
 * (5.0 [MQTT-3.1.2-8]). */
static void
end_session (SesMqtt *m, SesWorld *w, guint32 session, SesCause why,
             const char *rule)
{
  SesSession *s = &m->broker.sessions[session];
  if (!s->exists)
    return;
  guint32 client = s->client;
  if (s->will != 0 && s->will_at_us != SES_TIME_NONE
      && ses_mqtt_variant (m, SES_VARIANT_WILL_NOT_AT_SESSION_END)
      && s->will_at_us > ses_world_now (w))
    s->will = 0; /* variant: the will dies with the session, unpublished */
  if (s->will != 0 && s->will_at_us != SES_TIME_NONE)
    {
      guint32 will = s->will;
      s->will = 0;
      s->will_at_us = SES_TIME_NONE;
      publish_will (m, w, client, session, will, SES_CAUSE_SESSION_END,
                    "5.0 [MQTT-3.1.2-8]");
    }
  for (guint i = 0; i < s->subs.view.len; i++)
    {
      const SesSubscription *sub = &g_array_index (&s->subs.view,
                                                   SesSubscription, i);
      index_remove (&m->broker, sub->filter, session);
    }
  guint32 dropped = s->queue.view.len + s->outflight.view.len;
  ses_session_reset (s);
  drop_session_timers (w, session);
  ses_mqtt_observe (m, w, SES_OBS_SESSION_ENDED, why, client, session, NULL,
                    dropped, rule);
}

static void
schedule_session_timers (SesMqtt *m, SesWorld *w, guint32 session)
{
  SesSession *s = &m->broker.sessions[session];
  if (s->expiry_at_us != SES_TIME_NONE)
    ses_world_timer_set (w,
                         ses_mqtt_timer_key (SES_MQTT_EV_SESSION_EXPIRY,
                                             session),
                         s->expiry_at_us, SES_MQTT_EV_SESSION_EXPIRY, session,
                         s->timer_gen);
  if (s->will_at_us != SES_TIME_NONE)
    ses_world_timer_set (w, ses_mqtt_timer_key (SES_MQTT_EV_WILL_DELAY, session),
                         s->will_at_us, SES_MQTT_EV_WILL_DELAY, session,
                         s->timer_gen);
}

/* The broker has stopped using the connection on `slot`: detach its
 * session and decide what happens to the session and the will. `clean`
 * is TRUE after a DISCONNECT that the broker accepted. */
static void
connection_ended (SesMqtt *m, SesWorld *w, guint32 slot, SesCause why,
                  gboolean clean)
{
  SesBrokerConn *c = &m->broker.conns[slot];
  if (!c->up)
    return;
  c->up = 0;
  gboolean was_connected = c->connected;
  c->connected = 0;
  ses_world_timer_cancel (w, ses_mqtt_timer_key (SES_MQTT_EV_BROKER_KEEP_ALIVE,
                                                 slot));
  guint32 session = c->session;
  c->session = SES_NONE;
  if (!was_connected || session == SES_NONE)
    return;
  SesSession *s = &m->broker.sessions[session];
  const SesProfile *p = profile_of (c->version);
  if (s->client != slot || s->gen != c->gen)
    return;
  s->client = SES_NONE;
  s->gen = 0;
  SesTime now = ses_world_now (w);
  for (guint i = 0; i < s->outflight.view.len; i++)
    {
      g_array_index (&s->outflight.view, SesFlight, i).on_wire = 0;
      g_array_index (&s->outflight.view, SesFlight, i).counted = 0;
    }
  if (ses_mqtt_variant (m, SES_VARIANT_FORGET_INFLIGHT))
    ses_vec_truncate (&s->outflight);

  if (!p->will_in_session && c->will != 0)
    {
      guint32 will = c->will;
      c->will = 0;
      /* 3.1.1 [MQTT-3.1.2-8]: any end without DISCONNECT publishes the
       * will; [MQTT-3.14.4-3]: a DISCONNECT already removed it. A broker
       * set not to (takeover_will off) keeps it back when the session
       * goes on with the new connection. */
      if (!clean && !(why == SES_CAUSE_TAKEOVER && s->expiry_s != 0
                      && !m->cfg->broker.takeover_will))
        publish_will (m, w, slot, session, will, why, p->rule_will_publish);
    }

  if (s->expiry_s == 0)
    {
      /* 5.0 §3.1.2.11.2: expiry 0 ends the session with the connection;
       * 3.1.1 [MQTT-3.1.2-6]: so does Clean Session 1. A 5.0 will waiting
       * on its delay therefore goes out now. */
      guint32 orphan = 0;
      if (p->will_in_session && s->will != 0 && !clean)
        {
          s->will_at_us = now;
          const SesWill *spec = ses_mqtt_config_will (m->cfg, s->will);
          if (spec->delay_s > 0
              && ses_mqtt_variant (m, SES_VARIANT_WILL_NOT_AT_SESSION_END))
            s->will_at_us = now + ses_time_from_s (spec->delay_s);
          else if (spec->delay_s > 0 && m->cfg->broker.will_by_client_id)
            {
              /* Set to keep the will with the ClientId: it waits its
               * delay past the session, which ends now. */
              orphan = s->will;
              s->will = 0;
              s->will_at_us = SES_TIME_NONE;
            }
        }
      end_session (m, w, session, SES_CAUSE_CONNECTION_END,
                   p->rule_session_end);
      if (orphan != 0)
        {
          const SesWill *spec = ses_mqtt_config_will (m->cfg, orphan);
          s->will = orphan;
          s->will_at_us = now + ses_time_from_s (spec->delay_s);
          schedule_session_timers (m, w, session);
          ses_mqtt_observe (m, w, SES_OBS_WILL_SCHEDULED, why, slot, session,
                            NULL, spec->delay_s, NULL);
        }
      return;
    }

  cancel_timers (w, session, s);
  if (s->expiry_s != SES_EXPIRY_NEVER
      && !ses_mqtt_variant (m, SES_VARIANT_IGNORE_EXPIRY))
    s->expiry_at_us = now + ses_time_from_s (s->expiry_s);
  ses_mqtt_observe (m, w, SES_OBS_SESSION_KEPT, why, slot, session, NULL,
                    s->expiry_s,
                    p->has_session_expiry ? "5.0 [MQTT-3.1.2-23]"
                                          : "3.1.1 [MQTT-3.1.2-4]");
  if (p->will_in_session && s->will != 0 && !clean)
    {
      const SesWill *spec = ses_mqtt_config_will (m->cfg, s->will);
      if (spec->delay_s == 0 && why == SES_CAUSE_TAKEOVER
          && !m->cfg->broker.takeover_will)
        s->will = 0; /* the session goes on: no will (mosquitto 2.0) */
      else if (spec->delay_s == 0)
        {
          guint32 will = s->will;
          s->will = 0;
          publish_will (m, w, slot, session, will, why, p->rule_will_publish);
        }
      else
        {
          s->will_at_us = now + ses_time_from_s (spec->delay_s);
          /* Past the session's end the will goes out at that end instead. */
          if (s->expiry_at_us != SES_TIME_NONE && s->will_at_us > s->expiry_at_us
              && !ses_mqtt_variant (m, SES_VARIANT_WILL_NOT_AT_SESSION_END))
            s->will_at_us = s->expiry_at_us;
          ses_mqtt_observe (m, w, SES_OBS_WILL_SCHEDULED, why, slot, session,
                            NULL, spec->delay_s, "5.0 §3.1.3.2.2");
        }
    }
  else if (clean)
    s->will = 0;
  schedule_session_timers (m, w, session);
}

/* The broker closes the connection itself (takeover, keep alive, error). */
static void
broker_close (SesMqtt *m, SesWorld *w, guint32 slot, guint8 reason,
              SesCause why)
{
  SesBrokerConn *c = &m->broker.conns[slot];
  if (!c->up)
    return;
  /* 5.0 [MQTT-3.14.0-1]: DISCONNECT only after a successful CONNACK. */
  gboolean silent = (reason == SES_RC_SESSION_TAKEN_OVER
                     && (ses_mqtt_variant (m,
                                           SES_VARIANT_TAKEOVER_NO_DISCONNECT)
                         || !m->cfg->broker.takeover_disconnect))
                    || (reason == SES_RC_KEEP_ALIVE_TIMEOUT
                        && !m->cfg->broker.keep_alive_disconnect);
  if (c->connected && profile_of (c->version)->server_disconnect && reason != 0
      && !silent)
    {
      SesPacket d;
      ses_packet_init (&d, SES_PKT_DISCONNECT);
      d.reason = reason;
      /* 5.0 [MQTT-3.14.2-2]: never a Session Expiry in a server DISCONNECT */
      send_to (m, w, slot, &d);
    }
  /* The close leaves this end now, whatever the client sees later: the
   * network's fact that the wire judge times wills and keep alive by. */
  ses_mqtt_observe_lost (m, w, slot, TRUE, why);
  guint32 gen = c->gen;
  connection_ended (m, w, slot, why, FALSE);
  ses_world_close (w, slot, gen, SES_NET_SERVER);
}

/* A second CONNECT on a broker set to drop (mosquitto 2.0): the connection
 * is closed without a DISCONNECT, an unclean end as far as the will goes,
 * and the session is discarded whatever its expiry said. The standard only
 * asks for the close ([MQTT-3.1.0-2]); discarding a session that should
 * outlive the connection is the deviation the judge reports. */
static void
drop_on_second_connect (SesMqtt *m, SesWorld *w, guint32 slot)
{
  SesBrokerConn *c = &m->broker.conns[slot];
  guint32 session = c->session;
  guint32 gen = c->gen;
  ses_mqtt_observe_lost (m, w, slot, TRUE, SES_CAUSE_PROTOCOL_ERROR);
  connection_ended (m, w, slot, SES_CAUSE_PROTOCOL_ERROR, FALSE);
  ses_world_close (w, slot, gen, SES_NET_SERVER);
  if (session != SES_NONE)
    end_session (m, w, session, SES_CAUSE_PROTOCOL_ERROR, NULL);
}

/* ---- CONNECT ----------------------------------------------------------- */

static void
start_keep_alive (SesMqtt *m, SesWorld *w, guint32 slot)
{
  SesBrokerConn *c = &m->broker.conns[slot];
  if (c->keep_alive_s == 0 || c->ka_armed)
    return;
  c->ka_armed = 1;
  /* both: 1.5 x Keep Alive (3.1.1 [MQTT-3.1.2-24], 5.0 [MQTT-3.1.2-22]) */
  ses_world_timer_set (w,
                       ses_mqtt_timer_key (SES_MQTT_EV_BROKER_KEEP_ALIVE,
                                           slot),
                       c->last_rx_us + (SesTime) c->keep_alive_s * 1500000,
                       SES_MQTT_EV_BROKER_KEEP_ALIVE, slot, c->gen);
}

static void
reject_connect (SesMqtt *m, SesWorld *w, guint32 slot, guint8 reason,
                const char *rule)
{
  SesPacket ack;
  ses_packet_init (&ack, SES_PKT_CONNACK);
  ack.reason = reason;
  /* both: Session Present 0 with any refusal (3.1.1 [MQTT-3.2.2-4],
   * 5.0 [MQTT-3.2.2-6]); then close (3.1.1 [MQTT-3.2.2-5],
   * 5.0 [MQTT-3.2.2-7]). */
  send_to (m, w, slot, &ack);
  ses_mqtt_observe (m, w, SES_OBS_PROTOCOL_ERROR, SES_CAUSE_PROTOCOL_ERROR,
                    slot, SES_NONE, &ack, 0, rule);
  ses_mqtt_observe_lost (m, w, slot, TRUE, SES_CAUSE_PROTOCOL_ERROR);
  SesBrokerConn *c = &m->broker.conns[slot];
  c->up = 0;
  ses_world_close (w, slot, c->gen, SES_NET_SERVER);
}

static void
handle_connect (SesMqtt *m, SesWorld *w, guint32 slot, guint32 gen,
                const SesPacket *pkt)
{
  SesBroker *b = &m->broker;
  const SesProfile *p = profile_of (pkt->version);
  const SesBrokerConfig *bc = &m->cfg->broker;
  SesTime now = ses_world_now (w);
  guint32 session = g_array_index (m->cfg->client_session, guint32, slot);
  SesSession *s = &b->sessions[session];
  gboolean clean = (pkt->flags & SES_PKT_F_CLEAN) != 0;

  if (pkt->topic != 0)
    {
      /* A Protocol Name other than "MQTT": this is not MQTT, so nothing
       * of it is processed; the broker closes without CONNACK (3.1.1
       * [MQTT-3.1.2-1] MAY disconnect; 5.0 [MQTT-3.1.2-1] MAY first send
       * CONNACK 0x84, MUST close). The connection it had on this slot, if
       * any, is left as it was. */
      ses_mqtt_observe (m, w, SES_OBS_PROTOCOL_ERROR, SES_CAUSE_PROTOCOL_ERROR,
                        slot, SES_NONE, pkt, 0,
                        pkt->version == SES_MQTT_5 ? "5.0 [MQTT-3.1.2-1]"
                                                   : "3.1.1 [MQTT-3.1.2-1]");
      ses_mqtt_observe_lost (m, w, slot, TRUE, SES_CAUSE_PROTOCOL_ERROR);
      ses_world_close (w, slot, gen, SES_NET_SERVER);
      return;
    }

  /* Install the new connection's record; an older generation on this slot
   * that the broker still believed in (half-open) is taken over below. */
  SesBrokerConn old = b->conns[slot];
  if (old.up && old.gen != gen && old.connected && old.session != SES_NONE)
    {
      ses_mqtt_observe (m, w, SES_OBS_TAKEOVER, SES_CAUSE_TAKEOVER, slot,
                        old.session, NULL, 0, p->rule_takeover);
      broker_close (m, w, slot, SES_RC_SESSION_TAKEN_OVER, SES_CAUSE_TAKEOVER);
    }
  SesBrokerConn *c = &b->conns[slot];
  memset (c, 0, sizeof *c);
  c->gen = gen;
  /* A connection the broker never saw end kept its keep-alive check. */
  ses_world_timer_cancel (w, ses_mqtt_timer_key (SES_MQTT_EV_BROKER_KEEP_ALIVE,
                                                 slot));
  c->up = 1;
  c->version = pkt->version;
  c->session = SES_NONE;
  c->last_rx_us = now;

  const char *id = ses_intern_get (m->cfg->strings, pkt->client_id);
  if ((id == NULL || id[0] == '\0') && !clean && pkt->version == SES_MQTT_311)
    {
      /* 3.1.1 [MQTT-3.1.3-8]: empty ClientId needs Clean Session 1. */
      reject_connect (m, w, slot, SES_RC_V311_IDENTIFIER_REJECTED,
                      "3.1.1 [MQTT-3.1.3-8]");
      return;
    }

  /* Takeover by another connection with the same ClientId:
   * 3.1.1 [MQTT-3.1.4-2], 5.0 [MQTT-3.1.4-3] (DISCONNECT 0x8E first). */
  if (s->client != SES_NONE && s->client != slot)
    {
      ses_mqtt_observe (m, w, SES_OBS_TAKEOVER, SES_CAUSE_TAKEOVER, s->client,
                        session, NULL, 0, p->rule_takeover);
      broker_close (m, w, s->client, SES_RC_SESSION_TAKEN_OVER,
                    SES_CAUSE_TAKEOVER);
    }

  /* Set to keep a pending will with the ClientId: this connection cancels
   * it, whether or not it resumes the session, before a Clean Start would
   * end the session and publish it (the ClientId wording of 5.0
   * [MQTT-3.1.2-8]; [MQTT-3.1.3-9] speaks of the session). */
  if (bc->will_by_client_id && s->will != 0 && s->will_at_us != SES_TIME_NONE)
    {
      ses_mqtt_observe (m, w, SES_OBS_WILL_CANCELLED, SES_CAUSE_RECONNECT,
                        slot, session, NULL, 0,
                        s->exists && !clean ? "5.0 [MQTT-3.1.3-9]" : NULL);
      s->will = 0;
      s->will_at_us = SES_TIME_NONE;
      ses_world_timer_cancel (w, ses_mqtt_timer_key (SES_MQTT_EV_WILL_DELAY,
                                                     session));
    }

  /* An empty ClientId gets an identifier the broker assigns, unique among
   * the sessions it holds (3.1.1 [MQTT-3.1.3-6], 5.0 [MQTT-3.2.2-16]): a
   * new session every time. The model keeps one session slot per such
   * client, so the old, unreachable session is discarded here rather than
   * at its expiry. */
  if (id == NULL || id[0] == '\0')
    end_session (m, w, session, SES_CAUSE_NEW,
                 p->has_session_expiry ? "5.0 [MQTT-3.2.2-16]"
                                       : "3.1.1 [MQTT-3.1.3-6]");
  gboolean present = FALSE;
  if (clean && !ses_mqtt_variant (m, SES_VARIANT_CLEAN_START_KEEPS))
    {
      /* 3.1.1 [MQTT-3.1.2-6] / 5.0 [MQTT-3.1.2-4]: discard any session. */
      end_session (m, w, session, SES_CAUSE_CLEAN_START, p->rule_clean);
    }
  if (s->exists)
    {
      present = TRUE;
      /* 5.0 [MQTT-3.1.3-9]: back within the will delay, no will. */
      if (s->will != 0 && s->will_at_us != SES_TIME_NONE)
        ses_mqtt_observe (m, w, SES_OBS_WILL_CANCELLED, SES_CAUSE_RECONNECT,
                          slot, session, NULL, 0, "5.0 [MQTT-3.1.3-9]");
      cancel_timers (w, session, s);
      s->will = 0;
      ses_mqtt_observe (m, w, SES_OBS_SESSION_RESUMED, SES_CAUSE_NONE, slot,
                        session, NULL, 0, p->rule_resume);
    }
  else
    {
      /* Variant: claims to have kept what the restart lost. */
      if (s->lost_in_restart && !clean
          && ses_mqtt_variant (m, SES_VARIANT_SP_AFTER_RESTART))
        present = TRUE;
      s->exists = TRUE;
      s->timer_gen++;
      ses_mqtt_observe (m, w, SES_OBS_SESSION_CREATED,
                        clean ? SES_CAUSE_CLEAN_START : SES_CAUSE_NEW, slot,
                        session, NULL, 0,
                        clean ? p->rule_clean : p->rule_create);
    }
  s->version = pkt->version;
  s->client = slot;
  s->gen = gen;
  s->lost_in_restart = 0;

  /* Session lifetime. 5.0: absent expiry means 0 (§3.1.2.11.2); the
   * broker may cap it and then says so in CONNACK (§3.2.2.3.2). 3.1.1: a
   * Clean Session 0 session has no expiry. */
  gboolean told_expiry = FALSE;
  if (p->has_session_expiry)
    {
      guint32 asked = (pkt->flags & SES_PKT_F_HAS_EXPIRY) ? pkt->expiry_s : 0;
      s->expiry_s = asked;
      if (asked > bc->max_session_expiry_s)
        {
          s->expiry_s = bc->max_session_expiry_s;
          told_expiry = TRUE;
        }
      c->expiry_was_zero = asked == 0;
    }
  else
    s->expiry_s = clean ? 0 : SES_EXPIRY_NEVER;

  /* The will: with the session in 5.0 [MQTT-3.1.2-7], with the connection
   * in 3.1.1 [MQTT-3.1.2-8]. */
  if (p->will_in_session)
    s->will = pkt->will;
  else
    c->will = pkt->will;

  c->connected = 1;
  c->session = session;
  c->keep_alive_s = pkt->keep_alive_s;
  if (p->server_disconnect && bc->server_keep_alive_s != 0)
    c->keep_alive_s = bc->server_keep_alive_s; /* 5.0 [MQTT-3.2.2-21] */
  /* 5.0 [MQTT-4.9.0-1]: the send quota starts at the client's Receive
   * Maximum (absent: 65535), afresh on every connection (C9). */
  c->quota_max = (p->has_receive_max && pkt->receive_max != 0)
                   ? pkt->receive_max : 65535;
  c->quota = c->quota_max;

  SesPacket ack;
  ses_packet_init (&ack, SES_PKT_CONNACK);
  if (present)
    ack.flags |= SES_PKT_F_SESSION_PRESENT;
  if (told_expiry)
    {
      ack.flags |= SES_PKT_F_HAS_EXPIRY;
      ack.expiry_s = s->expiry_s;
    }
  if (p->has_receive_max && bc->receive_max != 65535)
    ack.receive_max = bc->receive_max;
  if (p->server_disconnect && bc->server_keep_alive_s != 0)
    ack.keep_alive_s = bc->server_keep_alive_s;
  /* 5.0 [MQTT-3.2.2-16]: the identifier it assigned to an empty ClientId
   * goes back in CONNACK (3.1.1 has no way to tell it). */
  if (pkt->version == SES_MQTT_5)
    ack.client_id = g_array_index (m->cfg->assigned_id, guint32, slot);
  send_to (m, w, slot, &ack);
  ses_mqtt_observe (m, w, SES_OBS_NOTE, SES_CAUSE_NONE, slot, session, &ack, 0,
                    clean ? p->rule_sp_clean
                          : (present ? p->rule_sp_resumed : p->rule_sp_new));
  start_keep_alive (m, w, slot);

  if (present)
    {
      /* Resend what the client has not acknowledged, in order, with the
       * original ids (3.1.1 [MQTT-4.4.0-1], 5.0 [MQTT-4.4.0-1]). */
      if (s->outflight.view.len > 0)
        ses_mqtt_observe (m, w, SES_OBS_NOTE, SES_CAUSE_NONE, slot, session,
                          NULL, s->outflight.view.len, p->rule_resend);
      drain (m, w, session);
    }
}

/* ---- packets from clients ---------------------------------------------- */

static SesMessage
message_from (SesMqtt *m, SesWorld *w, const SesPacket *pkt, guint8 version)
{
  SesMessage msg = {
    .origin = pkt->origin, .seq = pkt->seq, .topic = pkt->topic,
    .payload = pkt->payload, .qos = pkt->qos,
    .retain = (pkt->flags & SES_PKT_F_RETAIN) ? 1 : 0,
    .expiry_at_us = SES_TIME_NONE,
  };
  if (profile_of (version)->has_message_expiry
      && (pkt->flags & SES_PKT_F_HAS_EXPIRY))
    msg.expiry_at_us = ses_world_now (w) + ses_time_from_s (pkt->expiry_s);
  return msg;
}

static void
handle_publish (SesMqtt *m, SesWorld *w, guint32 slot, const SesPacket *pkt)
{
  SesBrokerConn *c = &m->broker.conns[slot];
  /* The topic's route starts loading while the packet is checked and
   * acknowledged (among many clients: see cached_route). */
  const GArray *routes = m->broker.routes;
  if (routes != NULL && pkt->topic < routes->len)
    __builtin_prefetch (&g_array_index (routes, SesRoute, pkt->topic));
  const SesProfile *p = profile_of (c->version);
  SesSession *s = &m->broker.sessions[c->session];
  SesMessage msg = message_from (m, w, pkt, c->version);
  const char *rule = NULL;

  switch (pkt->qos)
    {
    case 0:
      break;
    case 1:
      /* both: PUBACK with the same id once it owns the message
       * (3.1.1 [MQTT-4.3.2-2], 5.0 [MQTT-4.3.2-4]) */
      rule = p->rule_qos1_ack;
      break;
    default:
      {
        gint at = find_incoming (s, pkt->packet_id);
        if (at >= 0 && ses_mqtt_variant (m, SES_VARIANT_QOS2_NO_DEDUP))
          {
            /* Variant: forwards the repeat as if it were new. */
            send_ack (m, w, slot, SES_PKT_PUBREC, pkt->packet_id, 0);
            route (m, w, &msg);
            return;
          }
        if (at >= 0)
          {
            /* A repeat before PUBREL: PUBREC again, no second delivery
             * (3.1.1 [MQTT-4.3.3-2], 5.0 [MQTT-4.3.3-10]); DUP is not
             * used to decide (§3.3.1.1). */
            ses_mqtt_observe (m, w, SES_OBS_NOTE, SES_CAUSE_NONE, slot,
                              c->session, pkt, 0, p->rule_qos2_dedup);
            send_ack (m, w, slot, SES_PKT_PUBREC, pkt->packet_id, 0);
            return;
          }
        if (p->has_receive_max
            && s->incoming.view.len >= m->cfg->broker.receive_max)
          {
            /* 5.0 §3.3.4: more unacknowledged QoS 2 than our Receive
             * Maximum is a protocol error, 0x93. */
            ses_mqtt_observe (m, w, SES_OBS_PROTOCOL_ERROR,
                              SES_CAUSE_PROTOCOL_ERROR, slot, c->session, pkt,
                              0, "5.0 [MQTT-3.3.4-7]");
            if (!m->cfg->broker.receive_max_disconnect)
              {
                /* Set to refuse the message instead (mosquitto 2.0): a
                 * failure PUBREC, which ends the exchange for the sender
                 * (5.0 [MQTT-4.3.3-4]); nothing is accepted or routed. */
                send_ack (m, w, slot, SES_PKT_PUBREC, pkt->packet_id,
                          SES_RC_QUOTA_EXCEEDED);
                return;
              }
            broker_close (m, w, slot, SES_RC_RECEIVE_MAX_EXCEEDED,
                          SES_CAUSE_PROTOCOL_ERROR);
            return;
          }
        SesIncoming in = { .packet_id = pkt->packet_id };
        if (m->cfg->broker.qos2_on_pubrel)
          {
            in.has_msg = 1;
            in.msg = msg;
          }
        ses_vec_append (&s->incoming, &in);
        rule = c->version == SES_MQTT_5 ? "5.0 [MQTT-4.3.3-8]"
                                        : "3.1.1 [MQTT-4.3.3-2]";
        break;
      }
    }

  m->counters.published++;
  ses_mqtt_observe (m, w, SES_OBS_ACCEPTED, SES_CAUSE_NONE, slot, c->session,
                    pkt, 0, rule);
  if (pkt->qos == 1)
    /* 5.0 §3.4.2.1: 0x10 may tell the publisher nobody subscribed. */
    send_ack (m, w, slot, SES_PKT_PUBACK, pkt->packet_id,
              m->cfg->broker.no_match_reason && c->version == SES_MQTT_5
                  && count_subscribers (m, pkt->topic) == 0
                ? SES_RC_NO_MATCHING_SUBSCRIBERS : 0);
  else if (pkt->qos == 2)
    send_ack (m, w, slot, SES_PKT_PUBREC, pkt->packet_id, 0);
  /* Method B forwards now; Method A waits for PUBREL (3.1.1 §4.3.3). */
  if (pkt->qos < 2 || !m->cfg->broker.qos2_on_pubrel)
    route (m, w, &msg);
}

static void
handle_pubrel (SesMqtt *m, SesWorld *w, guint32 slot, const SesPacket *pkt)
{
  SesBrokerConn *c = &m->broker.conns[slot];
  const SesProfile *p = profile_of (c->version);
  SesSession *s = &m->broker.sessions[c->session];
  gint at = find_incoming (s, pkt->packet_id);
  guint8 reason = 0;
  if (at >= 0)
    {
      SesIncoming in = g_array_index (&s->incoming.view, SesIncoming, at);
      ses_vec_remove (&s->incoming, (guint) at);
      if (in.has_msg)
        route (m, w, &in.msg);
    }
  else if (p->pubcomp_not_found_reason && m->cfg->broker.not_found_reason)
    reason = SES_RC_PACKET_ID_NOT_FOUND; /* 5.0: normal during recovery */
  /* A PUBREL always gets a PUBCOMP, known id or not (C6). */
  ses_mqtt_observe (m, w, SES_OBS_NOTE, SES_CAUSE_NONE, slot, c->session, pkt,
                    0, p->rule_qos2_pubrel);
  send_ack (m, w, slot, SES_PKT_PUBCOMP, pkt->packet_id, reason);
}

static void
release_quota (SesBrokerConn *c, const SesFlight *f)
{
  /* 5.0 §4.9: +1 per completed exchange whose PUBLISH this connection
   * sent; a PUBREL resent after a reconnect took no unit, so its PUBCOMP
   * gives none back and the quota never passes its start. */
  if (f->counted && c->quota < c->quota_max)
    c->quota++;
}

static void
handle_ack (SesMqtt *m, SesWorld *w, guint32 slot, const SesPacket *pkt)
{
  SesBrokerConn *c = &m->broker.conns[slot];
  guint32 session = c->session;
  SesSession *s = &m->broker.sessions[session];
  gint at = ses_flights_find (&s->outflight.view, pkt->packet_id);
  SesFlight *f = at >= 0
                 ? &g_array_index (&s->outflight.view, SesFlight, at)
                 : NULL;
  switch (pkt->type)
    {
    case SES_PKT_PUBACK:
      if (f == NULL || f->state != SES_FLIGHT_AWAIT_PUBACK)
        return; /* unknown PUBACK: ignored (rules list §2 item 22) */
      release_quota (c, f);
      ses_vec_remove (&s->outflight, (guint) at);
      break;
    case SES_PKT_PUBREC:
      if (f == NULL)
        {
          if (profile_of (c->version)->pubcomp_not_found_reason)
            send_ack (m, w, slot, SES_PKT_PUBREL, pkt->packet_id,
                      m->cfg->broker.not_found_reason
                        ? SES_RC_PACKET_ID_NOT_FOUND : 0);
          return;
        }
      if (pkt->reason >= 0x80)
        {
          /* 5.0 [MQTT-4.3.3-4], [MQTT-4.4.0-2]: a failed PUBREC completes
           * the exchange; no PUBREL, never resent. */
          release_quota (c, f);
          ses_vec_remove (&s->outflight, (guint) at);
          break;
        }
      /* 5.0 [MQTT-4.3.3-4] / 3.1.1 [MQTT-4.3.3-1]: answer with PUBREL */
      f->state = SES_FLIGHT_AWAIT_PUBCOMP;
      send_ack (m, w, slot, SES_PKT_PUBREL, pkt->packet_id, 0);
      return;
    case SES_PKT_PUBCOMP:
      if (f == NULL || f->state != SES_FLIGHT_AWAIT_PUBCOMP)
        return;
      release_quota (c, f);
      ses_vec_remove (&s->outflight, (guint) at);
      break;
    default:
      g_return_if_reached ();
    }
  drain (m, w, session);
}

static void
deliver_retained (SesMqtt *m, SesWorld *w, guint32 session, guint32 filter,
                  guint8 granted)
{
  const char *f = ses_intern_get (m->cfg->strings, filter);
  GArray *r = m->broker.retained;
  for (guint i = 0; i < r->len; i++)
    {
      SesMessage msg = g_array_index (r, SesMessage, i);
      if (!ses_topic_matches (f, ses_intern_get (m->cfg->strings, msg.topic)))
        continue;
      msg.qos = MIN (msg.qos, granted);
      msg.retain = 1;
      deliver_to_session (m, w, session, &msg);
    }
}

static void
handle_subscribe (SesMqtt *m, SesWorld *w, guint32 slot, const SesPacket *pkt)
{
  SesBrokerConn *c = &m->broker.conns[slot];
  guint32 session = c->session;
  SesSession *s = &m->broker.sessions[session];
  SesPacket ack;
  ses_packet_init (&ack, SES_PKT_SUBACK);
  ack.packet_id = pkt->packet_id;
  const char *filter = ses_intern_get (m->cfg->strings, pkt->topic);
  if (!ses_topic_filter_valid (filter))
    {
      ack.reason = SES_RC_UNSPECIFIED;
      send_to (m, w, slot, &ack);
      return;
    }
  guint8 granted = MIN (pkt->qos, m->cfg->broker.max_qos);
  gint at = ses_session_find_sub (s, pkt->topic);
  if (at >= 0)
    {
      /* Same filter again: replaces the subscription without losing
       * anything in flight (3.1.1 [MQTT-3.8.4-3], 5.0 [MQTT-3.8.4-3]). */
      g_array_index (&s->subs.view, SesSubscription, at).qos = granted;
    }
  else
    {
      SesSubscription sub = { .filter = pkt->topic, .qos = granted };
      guint i = 0;
      while (i < s->subs.view.len
             && g_array_index (&s->subs.view, SesSubscription, i).filter
                    < pkt->topic)
        i++;
      ses_vec_insert (&s->subs, i, &sub);
    }
  index_set (&m->broker, pkt->topic, session, granted);
  ack.qos = granted;
  ses_mqtt_observe (m, w, SES_OBS_SUBSCRIBED, SES_CAUSE_NONE, slot, session,
                    &ack, pkt->topic, NULL);
  send_to (m, w, slot, &ack);
  deliver_retained (m, w, session, pkt->topic, granted);
}

static void
handle_unsubscribe (SesMqtt *m, SesWorld *w, guint32 slot,
                    const SesPacket *pkt)
{
  SesBrokerConn *c = &m->broker.conns[slot];
  SesSession *s = &m->broker.sessions[c->session];
  gint at = ses_session_find_sub (s, pkt->topic);
  if (at >= 0)
    {
      /* Stop adding new messages; deliveries already started go on
       * (both [MQTT-3.10.4-2], [MQTT-3.10.4-3]). */
      ses_vec_remove (&s->subs, (guint) at);
      index_remove (&m->broker, pkt->topic, c->session);
      ses_mqtt_observe (m, w, SES_OBS_UNSUBSCRIBED, SES_CAUSE_NONE, slot,
                        c->session, pkt, 0,
                        profile_of (c->version)->rule_unsubscribe);
    }
  send_ack (m, w, slot, SES_PKT_UNSUBACK, pkt->packet_id, 0);
}

static void
handle_disconnect (SesMqtt *m, SesWorld *w, guint32 slot, const SesPacket *pkt)
{
  SesBrokerConn *c = &m->broker.conns[slot];
  const SesProfile *p = profile_of (c->version);
  SesSession *s = &m->broker.sessions[c->session];
  if (p->has_session_expiry && (pkt->flags & SES_PKT_F_HAS_EXPIRY))
    {
      if (c->expiry_was_zero && pkt->expiry_s != 0)
        {
          /* 5.0 §3.14.2.2.2: 0 -> non-zero is a protocol error. Not a
           * valid DISCONNECT, so the will is still due (C13). */
          ses_mqtt_observe (m, w, SES_OBS_PROTOCOL_ERROR,
                            SES_CAUSE_PROTOCOL_ERROR, slot, c->session, pkt, 0,
                            "5.0 §3.14.2.2.2");
          broker_close (m, w, slot, SES_RC_PROTOCOL_ERROR,
                        SES_CAUSE_PROTOCOL_ERROR);
          return;
        }
      guint32 asked = pkt->expiry_s;
      s->expiry_s = MIN (asked, m->cfg->broker.max_session_expiry_s);
      ses_mqtt_observe (m, w, SES_OBS_EXPIRY_CHANGED, SES_CAUSE_NONE, slot,
                        c->session, pkt, s->expiry_s, "5.0 §3.14.2.2.2");
    }
  /* 5.0 [MQTT-3.1.2-8]: only reason 0x00 deletes the will; 0x04 asks for
   * it, and any other reason leaves it due as well. */
  gboolean with_will = p->will_in_session && pkt->reason != SES_RC_SUCCESS;
  if (!with_will)
    {
      /* 3.1.1 [MQTT-3.14.4-3], 5.0 [MQTT-3.14.4-3]: discard the will. */
      guint32 will = p->will_in_session ? s->will : c->will;
      if (will != 0)
        ses_mqtt_observe (m, w, SES_OBS_WILL_DISCARDED, SES_CAUSE_DISCONNECT,
                          slot, c->session, NULL, 0, p->rule_will_discard);
      s->will = p->will_in_session ? 0 : s->will;
      c->will = 0;
    }
  guint32 gen = c->gen;
  /* With the will still due, the end counts as unclean for it. */
  connection_ended (m, w, slot, SES_CAUSE_DISCONNECT, !with_will);
  ses_world_close (w, slot, gen, SES_NET_SERVER);
}

void
ses_broker_on_packet (SesMqtt *m, SesWorld *w, guint32 slot, guint32 gen,
                      const SesPacket *pkt)
{
  SesBrokerConn *c = &m->broker.conns[slot];
  if (pkt->type == SES_PKT_CONNECT && c->gen != gen)
    {
      handle_connect (m, w, slot, gen, pkt);
      return;
    }
  if (c->gen != gen || !c->up)
    return; /* on a connection the broker has already given up */
  if (!c->connected || pkt->type == SES_PKT_CONNECT)
    {
      /* Both: the first packet must be CONNECT, and only once
       * ([MQTT-3.1.0-1], [MQTT-3.1.0-2]). */
      ses_mqtt_observe (m, w, SES_OBS_PROTOCOL_ERROR, SES_CAUSE_PROTOCOL_ERROR,
                        slot, c->session, pkt, 0, "both [MQTT-3.1.0-2]");
      if (pkt->type == SES_PKT_CONNECT && c->connected
          && m->cfg->broker.second_connect == SES_SECOND_CONNECT_DROP)
        {
          drop_on_second_connect (m, w, slot);
          return;
        }
      broker_close (m, w, slot, SES_RC_PROTOCOL_ERROR,
                    SES_CAUSE_PROTOCOL_ERROR);
      return;
    }
  c->last_rx_us = ses_world_now (w);
  switch (pkt->type)
    {
    case SES_PKT_PUBLISH:
      handle_publish (m, w, slot, pkt);
      break;
    case SES_PKT_PUBREL:
      handle_pubrel (m, w, slot, pkt);
      break;
    case SES_PKT_PUBACK:
    case SES_PKT_PUBREC:
    case SES_PKT_PUBCOMP:
      handle_ack (m, w, slot, pkt);
      break;
    case SES_PKT_SUBSCRIBE:
      handle_subscribe (m, w, slot, pkt);
      break;
    case SES_PKT_UNSUBSCRIBE:
      handle_unsubscribe (m, w, slot, pkt);
      break;
    case SES_PKT_PINGREQ:
      /* both [MQTT-3.12.4-1] */
      send_ack (m, w, slot, SES_PKT_PINGRESP, 0, 0);
      break;
    case SES_PKT_DISCONNECT:
      handle_disconnect (m, w, slot, pkt);
      break;
    default:
      break;
    }
}

void
ses_broker_on_closed (SesMqtt *m, SesWorld *w, guint32 slot, guint32 gen,
                      SesCloseCause cause)
{
  SesBrokerConn *c = &m->broker.conns[slot];
  if (c->gen != gen || !c->up)
    return;
  ses_mqtt_observe_lost (m, w, slot, TRUE,
                         cause == SES_CLOSE_CUT ? SES_CAUSE_CUT
                                                : SES_CAUSE_PEER_CLOSED);
  /* A close without DISCONNECT is an unclean end: the will is due
   * (3.1.1 §3.1.2.5, 5.0 §3.1.2.5). */
  connection_ended (m, w, slot,
                    cause == SES_CLOSE_CUT ? SES_CAUSE_CUT
                                           : SES_CAUSE_PEER_CLOSED,
                    FALSE);
  ses_world_close (w, slot, gen, SES_NET_SERVER);
}

/* ---- timers ------------------------------------------------------------ */

gboolean
ses_broker_timer_live (const SesMqtt *m, const SesEvent *ev)
{
  const SesBroker *b = &m->broker;
  switch (ev->kind)
    {
    case SES_MQTT_EV_SESSION_EXPIRY:
      {
        const SesSession *s = &b->sessions[ev->target];
        return s->exists && s->timer_gen == ev->arg
               && s->expiry_at_us == ev->time_us;
      }
    case SES_MQTT_EV_WILL_DELAY:
      {
        const SesSession *s = &b->sessions[ev->target];
        /* (A will may outlive its session: will-by-client-id.) */
        return s->timer_gen == ev->arg && s->will_at_us == ev->time_us
               && s->will != 0;
      }
    case SES_MQTT_EV_BROKER_KEEP_ALIVE:
      {
        const SesBrokerConn *c = &b->conns[ev->target];
        return c->up && c->connected && c->gen == ev->arg && c->ka_armed;
      }
    default:
      return FALSE;
    }
}

void
ses_broker_on_timer (SesMqtt *m, SesWorld *w, const SesEvent *ev)
{
  SesTime now = ses_world_now (w);
  switch (ev->kind)
    {
    case SES_MQTT_EV_SESSION_EXPIRY:
      /* 5.0 [MQTT-4.1.0-2]: expiry elapsed, discard the session. */
      end_session (m, w, ev->target, SES_CAUSE_EXPIRED, "5.0 [MQTT-4.1.0-2]");
      break;
    case SES_MQTT_EV_WILL_DELAY:
      {
        SesSession *s = &m->broker.sessions[ev->target];
        guint32 will = s->will;
        s->will = 0;
        s->will_at_us = SES_TIME_NONE;
        publish_will (m, w, SES_NONE, ev->target, will, SES_CAUSE_WILL_DELAY,
                      "5.0 [MQTT-3.1.2-8]");
        break;
      }
    case SES_MQTT_EV_BROKER_KEEP_ALIVE:
      {
        SesBrokerConn *c = &m->broker.conns[ev->target];
        c->ka_armed = 0;
        SesTime deadline = c->last_rx_us + (SesTime) c->keep_alive_s * 1500000;
        if (now < deadline)
          {
            start_keep_alive (m, w, ev->target);
            break;
          }
        const SesProfile *p = profile_of (c->version);
        ses_mqtt_observe (m, w, SES_OBS_KEEP_ALIVE_TIMEOUT,
                          SES_CAUSE_KEEP_ALIVE, ev->target, c->session, NULL,
                          c->keep_alive_s, p->rule_keep_alive);
        /* Closed as if the network failed, so the will is due; 5.0 may say
         * why first (§3.14.2.1, 0x8D). */
        broker_close (m, w, ev->target, SES_RC_KEEP_ALIVE_TIMEOUT,
                      SES_CAUSE_KEEP_ALIVE);
        break;
      }
    default:
      g_return_if_reached ();
    }
}

void
ses_broker_restart (SesMqtt *m, SesWorld *w)
{
  SesBroker *b = &m->broker;
  ses_mqtt_observe (m, w, SES_OBS_FAULT, SES_FAULT_KIND_RESTART, SES_OBS_BROKER,
                    SES_NONE, NULL, 0, NULL);
  /* Every connection drops: the broker forgets them first, then the
   * network tells the clients. */
  g_autoptr (GArray) were_up = g_array_new (FALSE, FALSE, sizeof (guint32));
  for (guint32 slot = 0; slot < b->n_slots; slot++)
    if (b->conns[slot].up)
      g_array_append_val (were_up, slot);
  /* While it is down, no connection carries anything: wills published
   * below are queued in the sessions they reach. */
  b->down = TRUE;
  if (m->cfg->broker.persistence)
    {
      /* Persisted sessions outlive the process; their connections end as
       * if the network had failed, so wills become due (a will may be
       * deferred until restart: 3.1.1 and 5.0 §3.1.2.5). */
      for (guint i = 0; i < were_up->len; i++)
        connection_ended (m, w, g_array_index (were_up, guint32, i),
                          SES_CAUSE_RESTART, FALSE);
      if (ses_mqtt_variant (m, SES_VARIANT_EXPIRY_LOST_ON_RESTART))
        for (guint32 i = 0; i < b->n_sessions; i++)
          if (b->sessions[i].exists && b->sessions[i].client == SES_NONE)
            {
              /* Variant: the deadline was not persisted. */
              b->sessions[i].expiry_at_us = SES_TIME_NONE;
              b->sessions[i].timer_gen++;
              drop_session_timers (w, i);
            }
    }
  else
    {
      for (guint32 i = 0; i < b->n_sessions; i++)
        {
          SesSession *s = &b->sessions[i];
          if (!s->exists && s->will != 0)
            {
              /* A will that outlived its session (will-by-client-id)
               * dies with the process too. */
              ses_mqtt_observe (m, w, SES_OBS_WILL_DISCARDED,
                                SES_CAUSE_RESTART, SES_NONE, i, NULL, 0, NULL);
              s->will = 0;
              s->will_at_us = SES_TIME_NONE;
              drop_session_timers (w, i);
            }
          if (!s->exists)
            continue;
          /* Nothing survives, the will included. */
          if (s->will != 0)
            ses_mqtt_observe (m, w, SES_OBS_WILL_DISCARDED, SES_CAUSE_RESTART,
                              s->client, i, NULL, 0, NULL);
          s->will = 0;
          s->will_at_us = SES_TIME_NONE;
          end_session (m, w, i, SES_CAUSE_RESTART, NULL);
          s->lost_in_restart = 1;
        }
      for (guint i = 0; i < were_up->len; i++)
        {
          SesBrokerConn *c = &b->conns[g_array_index (were_up, guint32, i)];
          if (c->will != 0)
            ses_mqtt_observe (m, w, SES_OBS_WILL_DISCARDED, SES_CAUSE_RESTART,
                              g_array_index (were_up, guint32, i), c->session,
                              NULL, 0, NULL);
          c->will = 0;
        }
      ses_vec_truncate (&b->retained_vec);
    }
  for (guint32 slot = 0; slot < b->n_slots; slot++)
    {
      SesBrokerConn *c = &b->conns[slot];
      c->up = 0;
      c->connected = 0;
      c->session = SES_NONE;
      c->ka_armed = 0;
      ses_world_timer_cancel (
          w, ses_mqtt_timer_key (SES_MQTT_EV_BROKER_KEEP_ALIVE, slot));
    }
  b->down = FALSE;
  for (guint i = 0; i < were_up->len; i++)
    ses_world_cut (w, g_array_index (were_up, guint32, i));
}
