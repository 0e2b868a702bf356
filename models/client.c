/* The client's state machine. It keeps its own half of the session: every
 * QoS 1/2 message it published stays in `outgoing` until PUBACK or PUBCOMP,
 * in publication order, and every QoS 2 id it received stays in `incoming`
 * until PUBREL, so a redelivered QoS 2 PUBLISH reaches the application
 * once. It also knows what it believes the session holds (the
 * subscriptions its SUBACKs granted), discards that on Session Present 0,
 * and subscribes again as its application would (a client setting).
 * After its DISCONNECT it sends nothing more; asked to linger, it reads on
 * (answering nothing) until the broker closes or a bound passes. */
#include "mqtt-private.h"

#include <string.h>

void
ses_client_init (SesClient *c)
{
  memset (c, 0, sizeof *c);
  ses_vec_init (&c->outgoing, sizeof (SesFlight));
  ses_vec_init (&c->incoming, sizeof (guint16));
  ses_vec_init (&c->pending, sizeof (guint16));
  ses_vec_init (&c->held, sizeof (SesPacket));
  ses_vec_init (&c->believed, sizeof (SesSubscription));
  ses_vec_init (&c->asked, sizeof (SesPacket));
  ses_vec_init (&c->wanted, sizeof (SesSubscription));
  ses_vec_init (&c->unread, sizeof (SesPacket));
  ses_vec_init (&c->raw, sizeof (SesPacket));
}

void
ses_client_clear (SesClient *c)
{
  ses_vec_clear (&c->outgoing);
  ses_vec_clear (&c->incoming);
  ses_vec_clear (&c->pending);
  ses_vec_clear (&c->held);
  ses_vec_clear (&c->believed);
  ses_vec_clear (&c->asked);
  ses_vec_clear (&c->wanted);
  ses_vec_clear (&c->unread);
  ses_vec_clear (&c->raw);
}

gsize
ses_client_lent_size (const SesClient *c, guint spare)
{
  return ses_vec_lent_size (&c->outgoing, spare)
         + ses_vec_lent_size (&c->incoming, spare)
         + ses_vec_lent_size (&c->pending, spare)
         + ses_vec_lent_size (&c->held, spare)
         + ses_vec_lent_size (&c->believed, spare)
         + ses_vec_lent_size (&c->asked, spare)
         + ses_vec_lent_size (&c->wanted, spare)
         + ses_vec_lent_size (&c->unread, spare)
         + ses_vec_lent_size (&c->raw, spare);
}

guint8 *
ses_client_copy_into (SesClient *dest, const SesClient *src, guint8 *lent,
                      guint spare)
{
  *dest = *src;
  lent = ses_vec_lend (&dest->outgoing, lent, spare);
  lent = ses_vec_lend (&dest->incoming, lent, spare);
  lent = ses_vec_lend (&dest->pending, lent, spare);
  lent = ses_vec_lend (&dest->held, lent, spare);
  lent = ses_vec_lend (&dest->believed, lent, spare);
  lent = ses_vec_lend (&dest->asked, lent, spare);
  lent = ses_vec_lend (&dest->wanted, lent, spare);
  lent = ses_vec_lend (&dest->unread, lent, spare);
  return ses_vec_lend (&dest->raw, lent, spare);
}

/* An array as its length and its elements' bytes as they lie in memory:
 * for elements with no padding left unset, and never pointers. */
static void
encode_raw (SesEncoder *out, const SesVec *vec)
{
  ses_encoder_u32 (out, vec->v.len);
  ses_encoder_bytes (out, vec->v.data, (gsize) vec->v.len * vec->v.elt_size);
}

void
ses_client_encode_to (const SesClient *c, SesTime now, SesEncoder *out)
{
  guint8 *p = ses_encoder_reserve (out, 10 + 9 * 4 + 8 + 4);
  p = ses_put_u8 (p, c->state);
  p = ses_put_u8 (p, c->clean);
  p = ses_put_u8 (p, c->has_expiry);
  p = ses_put_u8 (p, c->has_session);
  p = ses_put_u8 (p, c->lost_state);
  p = ses_put_u8 (p, c->force_clean);
  p = ses_put_u8 (p, c->hold_acks);
  p = ses_put_u8 (p, c->ping_out);
  p = ses_put_u8 (p, c->ka_armed);
  p = ses_put_u8 (p, c->user_disconnect);
  p = ses_put_u32 (p, c->keep_alive_s);
  p = ses_put_u32 (p, c->quota);
  p = ses_put_u32 (p, c->quota_max);
  p = ses_put_u32 (p, c->next_id);
  p = ses_put_u32 (p, c->gen);
  p = ses_put_u32 (p, c->expiry_s);
  p = ses_put_u32 (p, c->will);
  p = ses_put_u32 (p, c->next_seq);
  p = ses_put_u32 (p, c->timer_gen);
  /* Read only by keep alive (start_keep_alive and its timer), which a
   * CONNACK can turn on without a send: so dead only where no connection
   * can ever have it. */
  p = ses_put_time (p, c->keep_alive_ever ? c->last_tx_us : SES_TIME_NONE,
                    now);
  ses_put_u32 (p, c->outgoing.view.len);
  for (guint i = 0; i < c->outgoing.view.len; i++)
    ses_encoder_flight (out, &g_array_index (&c->outgoing.view, SesFlight, i),
                        now);
  /* Ids and held packets go in as they lie in memory, as they always
   * have: the encodings (and the fingerprints tests pin) stay the same. */
  encode_raw (out, &c->incoming);
  encode_raw (out, &c->pending);
  encode_raw (out, &c->held);
  /* Kept sorted by filter, or in sending order: canonical as they lie. */
  encode_raw (out, &c->believed);
  encode_raw (out, &c->asked);
  encode_raw (out, &c->wanted);
  /* The conformance stimuli's state, after all the rest and only when a
   * script has used them: a client that never did encodes as it always
   * has, so the fingerprints of every other scenario (and the golden
   * files that pin them) stay the same. The tag keeps the two shapes
   * apart. */
  static const guint8 zero[4] = { 0 };
  if (memcmp (c->ack_reason, zero, sizeof zero) == 0 && !c->paused
      && c->unread.view.len == 0 && c->raw.view.len == 0)
    return;
  ses_encoder_bytes (out, (const guint8 *) "STIM", 4);
  ses_encoder_bytes (out, c->ack_reason, sizeof c->ack_reason);
  ses_encoder_bytes (out, &c->paused, 1);
  encode_raw (out, &c->unread);
  encode_raw (out, &c->raw);
}

/* A subscription list sorted by filter: where `filter` is or would go. */
static gboolean
sub_find (const GArray *subs, guint32 filter, guint *at)
{
  guint i = 0;
  while (i < subs->len
         && g_array_index (subs, SesSubscription, i).filter < filter)
    i++;
  *at = i;
  return i < subs->len
         && g_array_index (subs, SesSubscription, i).filter == filter;
}

static void
sub_set (SesVec *vec, guint32 filter, guint8 qos)
{
  guint at;
  if (sub_find (&vec->view, filter, &at))
    g_array_index (&vec->view, SesSubscription, at).qos = qos;
  else
    {
      SesSubscription sub = { .filter = filter, .qos = qos };
      ses_vec_insert (vec, at, &sub);
    }
}

static void
sub_remove (SesVec *vec, guint32 filter)
{
  guint at;
  if (sub_find (&vec->view, filter, &at))
    ses_vec_remove (vec, at);
}

/* ---- helpers ------------------------------------------------------------ */

static const SesClientConfig *
config_of (SesMqtt *m, guint32 client)
{
  return ses_mqtt_config_client (m->cfg, client);
}

static const SesProfile *
profile_of (SesMqtt *m, guint32 client)
{
  return ses_profile_get (config_of (m, client)->version);
}

static guint32
session_of (SesMqtt *m, guint32 client)
{
  return ses_mqtt_session_of_client (m->cfg, client);
}

/* The notes about lingering, with the rule each cites: 5.0 numbers "sends
 * nothing more" [MQTT-3.14.4-1] and "closes" [MQTT-3.14.4-2], 3.1.1 the
 * other way round. */
#define NOTE_LINGER_5 SES_CLIENT_LINGER_TEXT " (5.0 [MQTT-3.14.4-1])"
#define NOTE_LINGER_311 SES_CLIENT_LINGER_TEXT " (3.1.1 [MQTT-3.14.4-2])"
#define NOTE_LINGER_OVER_5 SES_CLIENT_LINGER_OVER_TEXT " (5.0 [MQTT-3.14.4-2])"
#define NOTE_LINGER_OVER_311                                                \
  SES_CLIENT_LINGER_OVER_TEXT " (3.1.1 [MQTT-3.14.4-1])"
#define NOTE_LINGER_CUT_5 SES_CLIENT_LINGER_CUT_TEXT " (5.0 [MQTT-3.14.4-2])"
#define NOTE_LINGER_CUT_311                                                 \
  SES_CLIENT_LINGER_CUT_TEXT " (3.1.1 [MQTT-3.14.4-1])"

/* Whether the client has a connection it may send on: one that lingers
 * after its DISCONNECT only reads. */
static gboolean
usable (const SesClient *c)
{
  return c->state == SES_CLIENT_CONNECTING || c->state == SES_CLIENT_ONLINE;
}

static void
send (SesMqtt *m, SesWorld *w, guint32 client, const SesPacket *pkt)
{
  SesClient *c = &m->clients[client];
  c->last_tx_us = ses_world_now (w);
  ses_mqtt_send (m, w, client, c->gen, FALSE, pkt);
}

/* Whether the client holds back acknowledgements of this type now. */
static gboolean
holds (const SesClient *c, SesPacketType type)
{
  if ((c->hold_acks & 1) && type != SES_PKT_PUBREL)
    return TRUE; /* hold-acks: the application's own */
  return (c->hold_acks & SES_CLIENT_HOLD (type)) != 0;
}

/* The reason code in force for acknowledgements of this type (5.0 only:
 * a 3.1.1 acknowledgement has none). */
static guint8
reason_in_force (SesMqtt *m, guint32 client, SesPacketType type)
{
  if (!profile_of (m, client)->server_disconnect)
    return 0;
  return m->clients[client].ack_reason[type - SES_PKT_PUBACK];
}

static gint
find_id (const GArray *ids, guint16 id)
{
  for (guint i = 0; i < ids->len; i++)
    if (g_array_index (ids, guint16, i) == id)
      return (gint) i;
  return -1;
}

/* Puts an acknowledgement on the wire, held or not until now. */
static void
transmit_ack (SesMqtt *m, SesWorld *w, guint32 client, SesPacket *ack)
{
  SesClient *c = &m->clients[client];
  ack->payload = 0; /* the label was the model's, not the wire's */
  if (ack->type == SES_PKT_PUBREC && ack->reason >= 0x80)
    {
      /* 5.0 [MQTT-4.3.3-4]: a failure PUBREC ends the exchange, so no
       * PUBREL follows and the id is free for a new message. */
      gint at = find_id (&c->incoming.view, ack->packet_id);
      if (at >= 0)
        ses_vec_remove (&c->incoming, (guint) at);
    }
  send (m, w, client, ack);
}

/* Sends an acknowledgement, or holds it while the application withholds
 * that kind (a slow consumer, or a test holding one kind back). label is
 * the payload of the message it acknowledges, 0 if unknown, so that a
 * script can release it by message. A reason of 0 takes the one the
 * script set for this kind (ack-reason). */
static void
send_ack (SesMqtt *m, SesWorld *w, guint32 client, SesPacketType type,
          guint16 id, guint8 reason, guint32 label)
{
  SesClient *c = &m->clients[client];
  SesPacket ack;
  ses_packet_init (&ack, type);
  ack.packet_id = id;
  ack.reason = reason != 0 ? reason : reason_in_force (m, client, type);
  ack.payload = label;
  if (holds (c, type))
    {
      ses_vec_append (&c->held, &ack);
      return;
    }
  transmit_ack (m, w, client, &ack);
}

static void
discard_state (SesMqtt *m, SesWorld *w, guint32 client, SesCause why,
               const char *rule)
{
  SesClient *c = &m->clients[client];
  /* Session state is what was sent and not completely acknowledged (3.1.1
   * §3.1.2.4, 5.0 §4.1). Messages the application published that never
   * went out are not part of it: they stay, to be sent as new ones. */
  guint32 dropped = 0;
  for (guint i = c->outgoing.view.len; i-- > 0;)
    {
      SesFlight *f = &g_array_index (&c->outgoing.view, SesFlight, i);
      if (f->transmitted)
        {
          ses_vec_remove (&c->outgoing, i);
          dropped++;
        }
      else
        f->packet_id = 0;
    }
  gboolean had_state = dropped > 0 || c->incoming.view.len > 0 || c->has_session
                       || c->believed.view.len > 0;
  ses_vec_truncate (&c->incoming);
  /* Its view of the session goes with it (5.0 [MQTT-3.2.2-5]). */
  ses_vec_truncate (&c->believed);
  c->has_session = 0;
  if (!had_state)
    return;
  ses_mqtt_observe (m, w, SES_OBS_CLIENT_DISCARDED, why, client,
                    session_of (m, client), NULL, dropped, rule);
}

/* Sends what the client may send now, in publication order: PUBLISH or
 * PUBREL for messages not yet sent on this connection, while the broker's
 * Receive Maximum allows (5.0 [MQTT-3.3.4-7], [MQTT-4.9.0-2]). */
static void
pump (SesMqtt *m, SesWorld *w, guint32 client)
{
  SesClient *c = &m->clients[client];
  if (c->state != SES_CLIENT_ONLINE)
    return;
  const SesProfile *p = profile_of (m, client);
  /* A PUBREL uses no quota and is never held back by it (5.0
   * [MQTT-3.3.4-8]); PUBLISHes stop at the first the quota cannot cover,
   * so their order holds. */
  gboolean publish_blocked = FALSE;
  for (guint i = 0; i < c->outgoing.view.len; i++)
    {
      SesFlight *f = &g_array_index (&c->outgoing.view, SesFlight, i);
      if (f->on_wire)
        continue;
      if (f->state != SES_FLIGHT_AWAIT_PUBCOMP)
        {
          publish_blocked = publish_blocked || c->quota == 0;
          if (publish_blocked)
            continue;
        }
      SesPacket pkt;
      if (f->state == SES_FLIGHT_AWAIT_PUBCOMP)
        {
          /* Never the PUBLISH again once PUBREL went out
           * (3.1.1 [MQTT-4.3.3-1], 5.0 [MQTT-4.3.3-6]). */
          ses_packet_init (&pkt, SES_PKT_PUBREL);
          pkt.packet_id = f->packet_id;
        }
      else
        {
          if (f->packet_id == 0)
            {
              /* both: a new message gets an id not in use (3.1.1
               * [MQTT-2.3.1-2], 5.0 [MQTT-2.2.1-3]) */
              f->packet_id = ses_packet_id_next (&c->next_id, &c->outgoing.view,
                                                 &c->pending.view);
              if (f->packet_id == 0)
                {
                  publish_blocked = TRUE; /* all 65535 ids busy */
                  continue;
                }
            }
          ses_mqtt_publish_packet (&f->msg, ses_world_now (w), &pkt);
          if (!p->has_message_expiry)
            pkt.flags &= (guint8) ~SES_PKT_F_HAS_EXPIRY;
          pkt.packet_id = f->packet_id;
          if (f->transmitted)
            pkt.flags |= SES_PKT_F_DUP; /* both [MQTT-3.3.1-1] */
          f->state = f->msg.qos == 1 ? SES_FLIGHT_AWAIT_PUBACK
                                     : SES_FLIGHT_AWAIT_PUBREC;
        }
      if (pkt.type == SES_PKT_PUBLISH)
        {
          c->quota--;
          f->counted = 1;
        }
      f->transmitted = 1;
      f->on_wire = 1;
      if (pkt.type == SES_PKT_PUBREL)
        {
          /* Held back like any PUBREL while the script holds them. */
          send_ack (m, w, client, SES_PKT_PUBREL, f->packet_id, 0,
                    f->msg.payload);
          continue;
        }
      send (m, w, client, &pkt);
      /* `send` may not touch outgoing, so f stays valid. */
    }
}

static void
start_keep_alive (SesMqtt *m, SesWorld *w, guint32 client)
{
  SesClient *c = &m->clients[client];
  if (c->keep_alive_s == 0 || c->ka_armed || !usable (c))
    return;
  c->ka_armed = 1;
  /* The CONNACK may arrive after a whole keep-alive period (a slow link):
   * then the check is due at once. */
  SesTime due = c->last_tx_us + ses_time_from_s (c->keep_alive_s);
  ses_world_timer_set (w,
                       ses_mqtt_timer_key (SES_MQTT_EV_CLIENT_KEEP_ALIVE,
                                           client),
                       MAX (due, ses_world_now (w)),
                       SES_MQTT_EV_CLIENT_KEEP_ALIVE, client, c->gen);
}

static void
schedule_reconnect (SesMqtt *m, SesWorld *w, guint32 client)
{
  SesClient *c = &m->clients[client];
  const SesClientConfig *cc = config_of (m, client);
  if (cc->reconnect_delay_us <= 0 || c->user_disconnect)
    return;
  c->timer_gen++;
  ses_world_timer_set (w,
                       ses_mqtt_timer_key (SES_MQTT_EV_CLIENT_RECONNECT,
                                           client),
                       ses_world_now (w) + cc->reconnect_delay_us,
                       SES_MQTT_EV_CLIENT_RECONNECT, client, c->timer_gen);
}

/* What belongs to a connection goes with it. The per-connection arrays
 * are emptied and their room given back, so that a client away keeps
 * none: acks held back, SUBSCRIBE ids, a pause and what it left unread,
 * the raw exchanges, and the SUBSCRIBEs unanswered (it cannot know
 * whether the broker took them). Its own QoS 1/2 messages stay, marked
 * as on no connection's wire and holding no send quota. */
static void
forget_connection (SesClient *c)
{
  ses_vec_clear (&c->held);
  ses_vec_clear (&c->pending);
  c->paused = 0;
  ses_vec_clear (&c->unread);
  ses_vec_clear (&c->raw);
  ses_vec_clear (&c->asked);
  for (guint i = 0; i < c->outgoing.view.len; i++)
    {
      SesFlight *f = &g_array_index (&c->outgoing.view, SesFlight, i);
      f->on_wire = 0;
      f->counted = 0;
    }
}

/* The connection is gone, however it went. */
static void
went_offline (SesMqtt *m, SesWorld *w, guint32 client, SesCause why)
{
  SesClient *c = &m->clients[client];
  const SesProfile *p = profile_of (m, client);
  c->state = SES_CLIENT_OFFLINE;
  c->ka_armed = 0;
  ses_world_timer_cancel (w, ses_mqtt_timer_key (SES_MQTT_EV_CLIENT_KEEP_ALIVE,
                                                 client));
  c->ping_out = 0;
  forget_connection (c);
  ses_mqtt_observe_lost (m, w, client, FALSE, why);
  /* The session ends with the connection when its expiry is 0 (5.0) or it
   * began clean (3.1.1 [MQTT-3.1.2-6]); the client's half ends too. */
  gboolean ends = p->has_session_expiry ? c->expiry_s == 0 : c->clean;
  if (ends)
    discard_state (m, w, client, SES_CAUSE_CONNECTION_END,
                   p->has_session_expiry ? "5.0 §3.1.2.11.2"
                                         : "3.1.1 [MQTT-3.1.2-6]");
  schedule_reconnect (m, w, client);
}

/* ---- application requests ---------------------------------------------- */

/* The CONNECT for the client's current settings (clean flag, expiry and
 * will as do_connect settled them). */
static void
connect_packet (SesMqtt *m, guint32 client, SesPacket *pkt)
{
  const SesClient *c = &m->clients[client];
  const SesClientConfig *cc = config_of (m, client);
  const SesProfile *p = profile_of (m, client);
  ses_packet_init (pkt, SES_PKT_CONNECT);
  pkt->version = (guint8) cc->version;
  pkt->client_id = cc->client_id;
  if (c->clean)
    pkt->flags |= SES_PKT_F_CLEAN;
  if (p->has_session_expiry && c->has_expiry)
    {
      pkt->flags |= SES_PKT_F_HAS_EXPIRY;
      pkt->expiry_s = c->expiry_s;
    }
  pkt->keep_alive_s = cc->keep_alive_s;
  if (p->has_receive_max)
    pkt->receive_max = cc->receive_max;
  pkt->will = c->will;
}

static void
do_connect (SesMqtt *m, SesWorld *w, guint32 client, const SesAction *a)
{
  SesClient *c = &m->clients[client];
  const SesClientConfig *cc = config_of (m, client);
  const SesProfile *p = profile_of (m, client);
  if (c->state == SES_CLIENT_LINGERING)
    {
      /* The application wants a new connection now: it stops waiting for
       * the broker to close the old one and closes it itself. */
      ses_mqtt_observe (m, w, SES_OBS_NOTE, SES_CAUSE_NONE, client,
                        session_of (m, client), NULL, 0,
                        p->server_disconnect ? NOTE_LINGER_CUT_5
                                             : NOTE_LINGER_CUT_311);
      ses_world_close (w, client, c->gen, SES_NET_CLIENT);
      went_offline (m, w, client, SES_CAUSE_DISCONNECT);
    }
  if (c->state != SES_CLIENT_OFFLINE)
    {
      ses_mqtt_observe (m, w, SES_OBS_NOTE, SES_CAUSE_NONE, client,
                        session_of (m, client), NULL, 0,
                        "already connected: CONNECT not sent (both "
                        "[MQTT-3.1.0-2])");
      return;
    }
  c->timer_gen++; /* a scripted connect replaces a pending reconnect */
  ses_world_timer_cancel (w, ses_mqtt_timer_key (SES_MQTT_EV_CLIENT_RECONNECT,
                                                 client));
  c->user_disconnect = 0;
  c->clean = (a != NULL && a->override_clean) ? a->clean : cc->clean;
  if (c->force_clean)
    c->clean = 1;
  c->force_clean = 0;
  c->has_expiry = cc->has_expiry;
  c->expiry_s = cc->expiry_s;
  if (a != NULL && a->override_expiry)
    {
      c->has_expiry = a->has_expiry;
      c->expiry_s = a->expiry_s;
    }
  if (!p->has_session_expiry || !c->has_expiry)
    c->expiry_s = p->has_session_expiry ? 0 : c->expiry_s;
  c->will = (a != NULL && a->override_will) ? a->will : cc->will;

  if (c->clean)
    /* 3.1.1 [MQTT-3.1.2-6] / 5.0 [MQTT-3.1.2-4]: the client drops its
     * previous session state too. */
    discard_state (m, w, client, SES_CAUSE_CLEAN_START, p->rule_clean);

  c->gen = ses_world_open (w, client);
  c->state = SES_CLIENT_CONNECTING;
  c->ping_out = 0;
  c->ka_armed = 0;
  SesPacket pkt;
  connect_packet (m, client, &pkt);
  /* A wrong Protocol Name, to see the broker's answer (3.1.1
   * [MQTT-3.1.2-1], 5.0 [MQTT-3.1.2-1]). */
  if (a != NULL)
    pkt.topic = a->protocol_name;
  send (m, w, client, &pkt);
}

/* The CONNECT again on the connection already open: both [MQTT-3.1.0-2]
 * make the broker treat it as a protocol violation and close. */
static void
do_raw_connect (SesMqtt *m, SesWorld *w, guint32 client)
{
  SesClient *c = &m->clients[client];
  if (!usable (c))
    {
      ses_mqtt_observe (m, w, SES_OBS_NOTE, SES_CAUSE_NONE, client,
                        session_of (m, client), NULL, 0,
                        "offline: no connection to send a second CONNECT on");
      return;
    }
  SesPacket pkt;
  connect_packet (m, client, &pkt);
  send (m, w, client, &pkt);
}

static void
do_publish (SesMqtt *m, SesWorld *w, guint32 client, const SesAction *a)
{
  SesClient *c = &m->clients[client];
  SesMessage msg = {
    .origin = client, .seq = ++c->next_seq, .topic = a->topic,
    .payload = a->payload, .qos = a->qos, .retain = a->retain ? 1 : 0,
    .expiry_at_us = SES_TIME_NONE,
  };
  if (a->has_expiry)
    msg.expiry_at_us = ses_world_now (w) + ses_time_from_s (a->expiry_s);
  if (a->qos == 0)
    {
      SesPacket pkt;
      ses_mqtt_publish_packet (&msg, ses_world_now (w), &pkt);
      if (!usable (c))
        {
          /* QoS 0 is never stored (both [MQTT-4.3.1-1]): offline, it is
           * simply not sent. Not a broker policy, so not a policy drop. */
          ses_mqtt_observe (m, w, SES_OBS_NOTE, SES_CAUSE_NONE, client,
                            session_of (m, client), &pkt, 0,
                            "offline: QoS 0 not sent (both [MQTT-4.3.1-1])");
          return;
        }
      if (!profile_of (m, client)->has_message_expiry)
        pkt.flags &= (guint8) ~SES_PKT_F_HAS_EXPIRY;
      send (m, w, client, &pkt);
      return;
    }
  /* QoS 1/2 waits in the client's session until acknowledged, even if it
   * cannot go out yet. */
  SesFlight f = { .msg = msg, .state = SES_FLIGHT_UNSENT };
  ses_vec_append (&c->outgoing, &f);
  pump (m, w, client);
}

static void
send_subscribe (SesMqtt *m, SesWorld *w, guint32 client, SesPacketType type,
                guint32 filter, guint8 qos)
{
  SesClient *c = &m->clients[client];
  SesPacket pkt;
  ses_packet_init (&pkt, type);
  pkt.packet_id = ses_packet_id_next (&c->next_id, &c->outgoing.view,
                                      &c->pending.view);
  pkt.topic = filter;
  pkt.qos = qos;
  ses_vec_append (&c->pending, &pkt.packet_id);
  ses_vec_append (&c->asked, &pkt);
  send (m, w, client, &pkt);
}

/* A SUBSCRIBE or UNSUBSCRIBE of `filter` is on its way. */
static gboolean
asking (const SesClient *c, guint32 filter)
{
  for (guint i = 0; i < c->asked.view.len; i++)
    if (g_array_index (&c->asked.view, SesPacket, i).topic == filter)
      return TRUE;
  return FALSE;
}

static void
do_subscribe (SesMqtt *m, SesWorld *w, guint32 client, const SesAction *a,
              SesPacketType type)
{
  SesClient *c = &m->clients[client];
  /* A client may send right after CONNECT, before CONNACK (3.1.1 §3.1.4,
   * 5.0 §3.1.4); offline, it has nothing to send on. */
  if (!usable (c))
    {
      ses_mqtt_observe (m, w, SES_OBS_NOTE, SES_CAUSE_NONE, client,
                        session_of (m, client), NULL, 0,
                        "offline: SUBSCRIBE/UNSUBSCRIBE not sent");
      return;
    }
  if (type == SES_PKT_SUBSCRIBE)
    sub_set (&c->wanted, a->topic, a->qos);
  else
    sub_remove (&c->wanted, a->topic);
  send_subscribe (m, w, client, type, a->topic, a->qos);
}

static void resume (SesMqtt *m, SesWorld *w, guint32 client);

/* The client has sent its DISCONNECT, so it sends nothing more (5.0
 * [MQTT-3.14.4-1], 3.1.1 [MQTT-3.14.4-2]); instead of closing at once it
 * reads on, so that it sees how the broker takes it (a DISCONNECT 0x82,
 * say, then the close), and closes itself only if the broker has not
 * closed within bound_us (5.0 [MQTT-3.14.4-2], 3.1.1 [MQTT-3.14.4-1]). */
static void
linger (SesMqtt *m, SesWorld *w, guint32 client, SesTime bound_us)
{
  SesClient *c = &m->clients[client];
  /* No keep alive without sending: the keep-alive timer dies (ka_armed
   * 0 first, so it is dead when cancelled) and its key times the bound. */
  c->ka_armed = 0;
  c->ping_out = 0;
  ses_world_timer_cancel (w, ses_mqtt_timer_key (SES_MQTT_EV_CLIENT_KEEP_ALIVE,
                                                 client));
  /* Acknowledgements it held can no longer go out. */
  ses_vec_truncate (&c->held);
  c->state = SES_CLIENT_LINGERING;
  ses_world_timer_set (w,
                       ses_mqtt_timer_key (SES_MQTT_EV_CLIENT_KEEP_ALIVE,
                                           client),
                       ses_world_now (w) + bound_us,
                       SES_MQTT_EV_CLIENT_KEEP_ALIVE, client, c->gen);
  ses_mqtt_observe (m, w, SES_OBS_NOTE, SES_CAUSE_NONE, client,
                    session_of (m, client), NULL,
                    (guint32) (bound_us / 1000),
                    profile_of (m, client)->server_disconnect
                      ? NOTE_LINGER_5 : NOTE_LINGER_311);
  /* Lingering is reading: a pause ends, and what it left unread is read
   * now, and goes unanswered like the rest. */
  if (c->paused)
    resume (m, w, client);
}

static void
do_disconnect (SesMqtt *m, SesWorld *w, guint32 client, const SesAction *a)
{
  SesClient *c = &m->clients[client];
  const SesProfile *p = profile_of (m, client);
  if (!usable (c))
    return;
  SesPacket pkt;
  ses_packet_init (&pkt, SES_PKT_DISCONNECT);
  pkt.reason = p->server_disconnect ? a->reason : 0;
  if (p->server_disconnect)
    pkt.payload = a->reason_string; /* 5.0 §3.14.2.2.3 */
  if (p->has_session_expiry && a->has_expiry)
    {
      pkt.flags |= SES_PKT_F_HAS_EXPIRY;
      pkt.expiry_s = a->expiry_s;
      c->expiry_s = a->expiry_s;
    }
  send (m, w, client, &pkt);
  guint32 gen = c->gen;
  c->user_disconnect = 1;
  if (a->linger_us > 0)
    {
      linger (m, w, client, a->linger_us);
      return;
    }
  /* both: after DISCONNECT, send nothing more and close
   * (3.1.1 [MQTT-3.14.4-1], 5.0 [MQTT-3.14.4-1]) */
  ses_world_close (w, client, gen, SES_NET_CLIENT);
  went_offline (m, w, client, SES_CAUSE_DISCONNECT);
}

/* Stops holding back `type` (0: every kind) and sends what was held of
 * it, in the order it was held. */
static void
release_acks (SesMqtt *m, SesWorld *w, guint32 client, guint8 type)
{
  SesClient *c = &m->clients[client];
  c->hold_acks = type == 0 ? 0
                           : (guint8) (c->hold_acks & ~SES_CLIENT_HOLD (type));
  /* Taken out whole, so the client holds none while they go out; what
   * is still held goes back in the same order. */
  SesVec held = c->held;
  ses_vec_init (&c->held, sizeof (SesPacket));
  for (guint i = 0; i < held.view.len; i++)
    {
      SesPacket ack = g_array_index (&held.view, SesPacket, i);
      if (holds (c, (SesPacketType) ack.type))
        ses_vec_append (&c->held, &ack);
      else
        transmit_ack (m, w, client, &ack);
    }
  ses_vec_clear (&held);
}

/* Sends one held acknowledgement now: for a packet id, or for the
 * message with this payload; the first held that fits. */
static void
ack_one (SesMqtt *m, SesWorld *w, guint32 client, const SesAction *a)
{
  SesClient *c = &m->clients[client];
  for (guint i = 0; i < c->held.view.len; i++)
    {
      SesPacket ack = g_array_index (&c->held.view, SesPacket, i);
      if ((a->packet_id != 0 ? ack.packet_id != a->packet_id
                             : ack.payload != a->payload)
          || (a->ack_type != 0 && ack.type != a->ack_type))
        continue;
      ses_vec_remove (&c->held, i);
      if (a->has_reason)
        ack.reason = a->reason;
      transmit_ack (m, w, client, &ack);
      return;
    }
  ses_mqtt_observe (m, w, SES_OBS_NOTE, SES_CAUSE_NONE, client,
                    session_of (m, client), NULL, a->packet_id,
                    "ack: no acknowledgement held for that message");
}

/* A raw exchange this client opened with packet id `id`, or -1. */
static gint
find_raw (const SesClient *c, guint16 id)
{
  for (guint i = 0; i < c->raw.view.len; i++)
    if (g_array_index (&c->raw.view, SesPacket, i).packet_id == id)
      return (gint) i;
  return -1;
}

/* A PUBLISH exactly as the script gives it. The client's session does
 * not hold it (no resend, no quota): the script drives the exchange. */
static void
do_raw_publish (SesMqtt *m, SesWorld *w, guint32 client, const SesAction *a)
{
  SesClient *c = &m->clients[client];
  if (!usable (c))
    {
      ses_mqtt_observe (m, w, SES_OBS_NOTE, SES_CAUSE_NONE, client,
                        session_of (m, client), NULL, 0,
                        "offline: raw PUBLISH not sent");
      return;
    }
  SesMessage msg = {
    .origin = client, .seq = 0, .topic = a->topic, .payload = a->payload,
    .qos = a->qos, .retain = a->retain ? 1 : 0,
    .expiry_at_us = SES_TIME_NONE,
  };
  /* The ghost identity: DUP says it is a resend, so it is the message
   * that id last carried, raw or from the session; else a new one. */
  gint raw = a->dup ? find_raw (c, a->packet_id) : -1;
  gint own = a->dup && raw < 0
                 ? ses_flights_find (&c->outgoing.view, a->packet_id)
                 : -1;
  if (raw >= 0)
    msg.seq = g_array_index (&c->raw.view, SesPacket, raw).seq;
  else if (own >= 0)
    msg.seq = g_array_index (&c->outgoing.view, SesFlight, own).msg.seq;
  else
    msg.seq = ++c->next_seq;
  if (a->has_expiry)
    msg.expiry_at_us = ses_world_now (w) + ses_time_from_s (a->expiry_s);
  SesPacket pkt;
  ses_mqtt_publish_packet (&msg, ses_world_now (w), &pkt);
  if (!profile_of (m, client)->has_message_expiry)
    pkt.flags &= (guint8) ~SES_PKT_F_HAS_EXPIRY;
  pkt.packet_id = a->qos > 0 ? a->packet_id : 0;
  if (a->dup)
    pkt.flags |= SES_PKT_F_DUP;
  if (a->qos > 0)
    {
      gint at = find_raw (c, a->packet_id);
      if (at >= 0)
        g_array_index (&c->raw.view, SesPacket, at) = pkt;
      else
        ses_vec_append (&c->raw, &pkt);
    }
  send (m, w, client, &pkt);
}

static void
do_raw_pubrel (SesMqtt *m, SesWorld *w, guint32 client, const SesAction *a)
{
  SesClient *c = &m->clients[client];
  if (!usable (c))
    {
      ses_mqtt_observe (m, w, SES_OBS_NOTE, SES_CAUSE_NONE, client,
                        session_of (m, client), NULL, 0,
                        "offline: raw PUBREL not sent");
      return;
    }
  SesPacket pkt;
  ses_packet_init (&pkt, SES_PKT_PUBREL);
  pkt.packet_id = a->packet_id;
  pkt.reason = profile_of (m, client)->server_disconnect ? a->reason : 0;
  send (m, w, client, &pkt);
}

/* Reads again what arrived while it was paused, in arrival order. */
static void
resume (SesMqtt *m, SesWorld *w, guint32 client)
{
  SesClient *c = &m->clients[client];
  c->paused = 0;
  SesVec unread = c->unread;
  ses_vec_init (&c->unread, sizeof (SesPacket));
  for (guint i = 0; i < unread.view.len; i++)
    ses_client_on_packet (m, w, client, c->gen,
                          &g_array_index (&unread.view, SesPacket, i));
  ses_vec_clear (&unread);
}

void
ses_client_crash (SesMqtt *m, SesWorld *w, guint32 client)
{
  SesClient *c = &m->clients[client];
  const SesClientConfig *cc = config_of (m, client);
  ses_mqtt_observe (m, w, SES_OBS_FAULT, SES_FAULT_KIND_CRASH, client,
                    session_of (m, client), NULL, 0, NULL);
  gboolean was_connected = c->state != SES_CLIENT_OFFLINE;
  c->state = SES_CLIENT_OFFLINE;
  c->ka_armed = 0;
  ses_world_timer_cancel (w, ses_mqtt_timer_key (SES_MQTT_EV_CLIENT_KEEP_ALIVE,
                                                 client));
  c->ping_out = 0;
  c->hold_acks = 0;
  memset (c->ack_reason, 0, sizeof c->ack_reason);
  forget_connection (c);
  if (!cc->persistent_store)
    {
      /* Memory is gone: the client's half of the session with it, and
       * what it believed of the session. The application's wishes are
       * its code, which starts again. */
      ses_vec_truncate (&c->outgoing);
      ses_vec_truncate (&c->incoming);
      ses_vec_truncate (&c->believed);
      c->next_id = 0;
      c->has_session = 0;
      c->lost_state = 1;
    }
  /* The operating system closes the socket of a dead process, so the
   * broker sees the connection end without DISCONNECT. */
  if (was_connected)
    ses_world_cut (w, client);
  c->user_disconnect = 0;
  schedule_reconnect (m, w, client);
}

void
ses_client_act (SesMqtt *m, SesWorld *w, guint32 client, const SesAction *a)
{
  SesClient *c = &m->clients[client];
  switch (a->kind)
    {
    case SES_ACT_CONNECT:
      do_connect (m, w, client, a);
      break;
    case SES_ACT_DISCONNECT:
      do_disconnect (m, w, client, a);
      break;
    case SES_ACT_SUBSCRIBE:
      do_subscribe (m, w, client, a, SES_PKT_SUBSCRIBE);
      break;
    case SES_ACT_UNSUBSCRIBE:
      do_subscribe (m, w, client, a, SES_PKT_UNSUBSCRIBE);
      break;
    case SES_ACT_PUBLISH:
      do_publish (m, w, client, a);
      break;
    case SES_ACT_CRASH:
      ses_client_crash (m, w, client);
      break;
    case SES_ACT_HOLD_ACKS:
      if (a->ack_type != 0
          && (a->ack_type < SES_PKT_PUBACK || a->ack_type > SES_PKT_PUBCOMP))
        break;
      c->hold_acks |= a->ack_type == 0 ? 1 : SES_CLIENT_HOLD (a->ack_type);
      break;
    case SES_ACT_RELEASE_ACKS:
      release_acks (m, w, client, a->ack_type);
      break;
    case SES_ACT_ACK:
      ack_one (m, w, client, a);
      break;
    case SES_ACT_ACK_REASON:
      if (a->ack_type >= SES_PKT_PUBACK && a->ack_type <= SES_PKT_PUBCOMP)
        c->ack_reason[a->ack_type - SES_PKT_PUBACK] = a->reason;
      break;
    case SES_ACT_PAUSE:
      if (usable (c))
        c->paused = 1;
      break;
    case SES_ACT_RESUME:
      resume (m, w, client);
      break;
    case SES_ACT_RAW_PUBLISH:
      do_raw_publish (m, w, client, a);
      break;
    case SES_ACT_RAW_PUBREL:
      do_raw_pubrel (m, w, client, a);
      break;
    case SES_ACT_RAW_CONNECT:
      do_raw_connect (m, w, client);
      break;
    default:
      g_return_if_reached ();
    }
}

/* ---- packets from the broker ------------------------------------------- */

static void
on_connack (SesMqtt *m, SesWorld *w, guint32 client, const SesPacket *pkt)
{
  SesClient *c = &m->clients[client];
  const SesProfile *p = profile_of (m, client);
  guint32 session = session_of (m, client);
  if (c->state != SES_CLIENT_CONNECTING)
    return;
  if (pkt->reason != 0)
    {
      ses_world_close (w, client, c->gen, SES_NET_CLIENT);
      went_offline (m, w, client, SES_CAUSE_PROTOCOL_ERROR);
      return;
    }
  gboolean present = (pkt->flags & SES_PKT_F_SESSION_PRESENT) != 0;
  if (present && c->lost_state && p->has_session_expiry)
    {
      /* 5.0 [MQTT-3.2.2-4]: it has no session state to continue, so it
       * must close; it will start clean next time. */
      ses_mqtt_observe (m, w, SES_OBS_PROTOCOL_ERROR,
                        SES_CAUSE_SESSION_PRESENT_UNEXPECTED, client, session,
                        pkt, 0, "5.0 [MQTT-3.2.2-4]");
      c->force_clean = 1;
      c->lost_state = 0;
      SesPacket d;
      ses_packet_init (&d, SES_PKT_DISCONNECT);
      d.reason = SES_RC_PROTOCOL_ERROR;
      send (m, w, client, &d);
      ses_world_close (w, client, c->gen, SES_NET_CLIENT);
      went_offline (m, w, client, SES_CAUSE_SESSION_PRESENT_UNEXPECTED);
      return;
    }
  if (!present
      && !(config_of (m, client)->variants
           & (1u << SES_VARIANT_CLIENT_KEEPS_STATE)))
    /* 5.0 [MQTT-3.2.2-5]: the broker has no session, so neither may the
     * client. (3.1.1 only advises it; this client does the same.) */
    discard_state (m, w, client, SES_CAUSE_SESSION_PRESENT_0,
                   p->rule_client_discard);
  SesResubscribe again = config_of (m, client)->resubscribe;
  c->state = SES_CLIENT_ONLINE;
  c->lost_state = 0;
  if (pkt->flags & SES_PKT_F_HAS_EXPIRY)
    c->expiry_s = pkt->expiry_s; /* 5.0 §3.2.2.3.2: the broker's value wins */
  c->has_session = p->has_session_expiry ? c->expiry_s != 0 : !c->clean;
  c->quota_max = (p->has_receive_max && pkt->receive_max != 0)
                   ? pkt->receive_max : 65535;
  c->quota = c->quota_max;
  const SesClientConfig *cc = config_of (m, client);
  /* 5.0 [MQTT-3.1.2-21]: the Server Keep Alive replaces its own. */
  c->keep_alive_s = pkt->keep_alive_s != 0 ? pkt->keep_alive_s
                                           : cc->keep_alive_s;
  ses_mqtt_observe (m, w, SES_OBS_CONNECTED, SES_CAUSE_NONE, client, session,
                    pkt, 0, NULL);
  if (present && c->outgoing.view.len > 0)
    ses_mqtt_observe (m, w, SES_OBS_NOTE, SES_CAUSE_NONE, client, session,
                      NULL, c->outgoing.view.len, p->rule_resend);
  /* Resend unacknowledged PUBLISH/PUBREL in order, then anything new
   * (both [MQTT-4.4.0-1], [MQTT-4.6.0-1]). */
  pump (m, w, client);
  /* The application subscribes again to what it wants when its session is
   * new (or always): the broker holds no subscription it believed in. */
  if (again == SES_RESUBSCRIBE_ALWAYS
      || (again == SES_RESUBSCRIBE_NEW_SESSION && !present))
    {
      for (guint i = 0; i < c->wanted.view.len; i++)
        {
          SesSubscription sub = g_array_index (&c->wanted.view,
                                               SesSubscription, i);
          if (!asking (c, sub.filter))
            send_subscribe (m, w, client, SES_PKT_SUBSCRIBE, sub.filter,
                            sub.qos);
        }
    }
  start_keep_alive (m, w, client);
}

static void
on_publish (SesMqtt *m, SesWorld *w, guint32 client, const SesPacket *pkt)
{
  SesClient *c = &m->clients[client];
  const SesProfile *p = profile_of (m, client);
  guint32 session = session_of (m, client);
  SesPacketType ack = pkt->qos == 1 ? SES_PKT_PUBACK : SES_PKT_PUBREC;
  if (pkt->qos == 2)
    {
      for (guint i = 0; i < c->incoming.view.len; i++)
        if (g_array_index (&c->incoming.view, guint16, i) == pkt->packet_id)
          {
            /* Until PUBREL, a repeat is acknowledged, not delivered
             * (3.1.1 [MQTT-4.3.3-2], 5.0 [MQTT-4.3.3-10]). */
            ses_mqtt_observe (m, w, SES_OBS_NOTE, SES_CAUSE_NONE, client,
                              session, pkt, 0, p->rule_qos2_dedup);
            send_ack (m, w, client, SES_PKT_PUBREC, pkt->packet_id, 0,
                      pkt->payload);
            return;
          }
    }
  if (pkt->qos > 0 && reason_in_force (m, client, ack) >= 0x80)
    {
      /* The script has this client refuse messages (ack-reason): the
       * application does not get it, and the failure code tells the
       * broker so (5.0 §3.4.2.1, §3.5.2.1). */
      ses_mqtt_observe (m, w, SES_OBS_NOTE, SES_CAUSE_NONE, client, session,
                        pkt, reason_in_force (m, client, ack),
                        "refused with a failure reason code: not delivered "
                        "(5.0 §3.4.2.1)");
      send_ack (m, w, client, ack, pkt->packet_id, 0, pkt->payload);
      return;
    }
  if (pkt->qos == 2)
    ses_vec_append (&c->incoming, &pkt->packet_id);
  m->counters.delivered++;
  ses_mqtt_observe (m, w, SES_OBS_DELIVER, SES_CAUSE_NONE, client, session,
                    pkt, 0, NULL);
  /* both [MQTT-4.5.0-2], [MQTT-3.3.4-1]: acknowledge per QoS */
  if (pkt->qos > 0)
    send_ack (m, w, client, ack, pkt->packet_id, 0, pkt->payload);
}

/* 5.0 §4.9: the unit comes back with the acknowledgement, but only if
 * this connection took it: a PUBREL resent after a reconnect took none, so
 * its PUBCOMP gives none back, and the quota never passes its start. */
static void
release_quota (SesClient *c, const SesFlight *f)
{
  if (f->counted && c->quota < c->quota_max)
    c->quota++;
}

static void
complete (SesMqtt *m, SesWorld *w, guint32 client, gint at,
          const SesPacket *ack)
{
  SesClient *c = &m->clients[client];
  SesFlight f = g_array_index (&c->outgoing.view, SesFlight, at);
  ses_vec_remove (&c->outgoing, (guint) at);
  release_quota (c, &f);
  SesPacket msg;
  ses_mqtt_publish_packet (&f.msg, ses_world_now (w), &msg);
  msg.packet_id = f.packet_id;
  msg.reason = ack->reason;
  ses_mqtt_observe (m, w, SES_OBS_ACKED, SES_CAUSE_NONE, client,
                    session_of (m, client), &msg, ack->type, NULL);
  pump (m, w, client);
}

static void
on_ack (SesMqtt *m, SesWorld *w, guint32 client, const SesPacket *pkt)
{
  SesClient *c = &m->clients[client];
  const SesProfile *p = profile_of (m, client);
  gint raw = find_raw (c, pkt->packet_id);
  if (raw >= 0)
    {
      /* A raw exchange: the script answers it (send-pubrel); the client
       * only notes that it is over. */
      guint8 qos = g_array_index (&c->raw.view, SesPacket, raw).qos;
      if ((pkt->type == SES_PKT_PUBACK && qos == 1)
          || (pkt->type == SES_PKT_PUBREC && qos == 2 && pkt->reason >= 0x80)
          || (pkt->type == SES_PKT_PUBCOMP && qos == 2))
        ses_vec_remove (&c->raw, (guint) raw);
      return;
    }
  gint at = ses_flights_find (&c->outgoing.view, pkt->packet_id);
  SesFlight *f = at >= 0
                 ? &g_array_index (&c->outgoing.view, SesFlight, at)
                 : NULL;
  switch (pkt->type)
    {
    case SES_PKT_PUBACK:
      if (f != NULL && f->state == SES_FLIGHT_AWAIT_PUBACK)
        complete (m, w, client, at, pkt);
      break;
    case SES_PKT_PUBREC:
      if (f == NULL)
        {
          if (p->pubcomp_not_found_reason)
            send (m, w, client, &(SesPacket) { .type = SES_PKT_PUBREL,
                                               .packet_id = pkt->packet_id,
                                               .reason = SES_RC_PACKET_ID_NOT_FOUND });
          break;
        }
      if (pkt->reason >= 0x80)
        {
          complete (m, w, client, at, pkt); /* 5.0 [MQTT-4.3.3-4] */
          break;
        }
      f->state = SES_FLIGHT_AWAIT_PUBCOMP;
      send_ack (m, w, client, SES_PKT_PUBREL, pkt->packet_id, 0,
                f->msg.payload);
      break;
    case SES_PKT_PUBCOMP:
      if (f != NULL && f->state == SES_FLIGHT_AWAIT_PUBCOMP)
        complete (m, w, client, at, pkt);
      break;
    default:
      break;
    }
}

static void
on_pubrel (SesMqtt *m, SesWorld *w, guint32 client, const SesPacket *pkt)
{
  SesClient *c = &m->clients[client];
  const SesProfile *p = profile_of (m, client);
  guint8 reason = p->pubcomp_not_found_reason ? SES_RC_PACKET_ID_NOT_FOUND : 0;
  for (guint i = 0; i < c->incoming.view.len; i++)
    if (g_array_index (&c->incoming.view, guint16, i) == pkt->packet_id)
      {
        ses_vec_remove (&c->incoming, i);
        reason = 0;
        break;
      }
  /* Known or not, a PUBREL is answered (C6; 5.0 [MQTT-4.3.3-11]). */
  send_ack (m, w, client, SES_PKT_PUBCOMP, pkt->packet_id, reason, 0);
}

/* A SUBACK or UNSUBACK: what the client now believes its session holds. */
static void
answered (SesClient *c, const SesPacket *ack)
{
  for (guint i = 0; i < c->asked.view.len; i++)
    {
      const SesPacket q = g_array_index (&c->asked.view, SesPacket, i);
      if (q.packet_id != ack->packet_id)
        continue;
      ses_vec_remove (&c->asked, i);
      ses_vec_release_if_empty (&c->asked);
      if (q.type == SES_PKT_UNSUBSCRIBE)
        sub_remove (&c->believed, q.topic);
      else if (ack->type == SES_PKT_SUBACK && ack->reason < 0x80)
        sub_set (&c->believed, q.topic, ack->qos);
      return;
    }
}

static void
remove_pending (SesClient *c, guint16 id)
{
  for (guint i = 0; i < c->pending.view.len; i++)
    if (g_array_index (&c->pending.view, guint16, i) == id)
      {
        ses_vec_remove (&c->pending, i);
        ses_vec_release_if_empty (&c->pending);
        return;
      }
}

/* 5.0: the broker says why it closes (0x8E taken over, 0x8D keep alive,
 * ...); nothing can follow it, so the client closes its end too. */
static void
server_disconnect (SesMqtt *m, SesWorld *w, guint32 client,
                   const SesPacket *pkt)
{
  SesClient *c = &m->clients[client];
  SesCause why = pkt->reason == SES_RC_SESSION_TAKEN_OVER
                   ? SES_CAUSE_TAKEOVER
                   : pkt->reason == SES_RC_KEEP_ALIVE_TIMEOUT
                       ? SES_CAUSE_KEEP_ALIVE
                       : SES_CAUSE_PROTOCOL_ERROR;
  ses_world_close (w, client, c->gen, SES_NET_CLIENT);
  went_offline (m, w, client, why);
}

void
ses_client_on_packet (SesMqtt *m, SesWorld *w, guint32 client, guint32 gen,
                      const SesPacket *pkt)
{
  SesClient *c = &m->clients[client];
  if (gen != c->gen || c->state == SES_CLIENT_OFFLINE)
    return;
  if (c->state == SES_CLIENT_LINGERING)
    {
      /* After its DISCONNECT it reads but answers nothing (5.0
       * [MQTT-3.14.4-1], 3.1.1 [MQTT-3.14.4-2]); what the broker sent
       * before it read that DISCONNECT goes unanswered, as it would with
       * the connection closed. The broker's own DISCONNECT is its last
       * packet. */
      if (pkt->type == SES_PKT_DISCONNECT)
        server_disconnect (m, w, client, pkt);
      return;
    }
  if (c->paused)
    {
      /* It does not read: the packet waits in the socket, unanswered. */
      ses_vec_append (&c->unread, pkt);
      return;
    }
  if (pkt->type == SES_PKT_CONNACK)
    {
      on_connack (m, w, client, pkt);
      return;
    }
  if (c->state != SES_CLIENT_ONLINE)
    return;
  switch (pkt->type)
    {
    case SES_PKT_PUBLISH:
      on_publish (m, w, client, pkt);
      break;
    case SES_PKT_PUBACK:
    case SES_PKT_PUBREC:
    case SES_PKT_PUBCOMP:
      on_ack (m, w, client, pkt);
      break;
    case SES_PKT_PUBREL:
      on_pubrel (m, w, client, pkt);
      break;
    case SES_PKT_SUBACK:
    case SES_PKT_UNSUBACK:
      remove_pending (c, pkt->packet_id);
      answered (c, pkt);
      break;
    case SES_PKT_PINGRESP:
      c->ping_out = 0;
      break;
    case SES_PKT_DISCONNECT:
      server_disconnect (m, w, client, pkt);
      break;
    default:
      break;
    }
}

void
ses_client_on_closed (SesMqtt *m, SesWorld *w, guint32 client, guint32 gen,
                      SesCloseCause cause)
{
  SesClient *c = &m->clients[client];
  if (gen != c->gen || c->state == SES_CLIENT_OFFLINE)
    return;
  if (c->state == SES_CLIENT_LINGERING && cause != SES_CLOSE_CUT)
    {
      /* The close it waited for: the connection ends as its DISCONNECT
       * asked. */
      went_offline (m, w, client, SES_CAUSE_DISCONNECT);
      return;
    }
  went_offline (m, w, client,
                cause == SES_CLOSE_CUT ? SES_CAUSE_CUT : SES_CAUSE_PEER_CLOSED);
}

/* ---- timers ------------------------------------------------------------ */

gboolean
ses_client_timer_live (const SesMqtt *m, const SesEvent *ev)
{
  const SesClient *c = &m->clients[ev->target];
  switch (ev->kind)
    {
    case SES_MQTT_EV_CLIENT_KEEP_ALIVE:
      if (c->state == SES_CLIENT_LINGERING)
        return c->gen == ev->arg; /* the linger bound */
      return c->state != SES_CLIENT_OFFLINE && c->gen == ev->arg && c->ka_armed;
    case SES_MQTT_EV_CLIENT_RECONNECT:
      return c->state == SES_CLIENT_OFFLINE && c->timer_gen == ev->arg;
    default:
      return FALSE;
    }
}

void
ses_client_on_timer (SesMqtt *m, SesWorld *w, const SesEvent *ev)
{
  guint32 client = ev->target;
  SesClient *c = &m->clients[client];
  switch (ev->kind)
    {
    case SES_MQTT_EV_CLIENT_KEEP_ALIVE:
      if (c->state == SES_CLIENT_LINGERING)
        {
          /* The linger bound passed and the broker has not closed: the
           * client closes its end itself (5.0 [MQTT-3.14.4-2], 3.1.1
           * [MQTT-3.14.4-1]). */
          ses_mqtt_observe (m, w, SES_OBS_NOTE, SES_CAUSE_NONE, client,
                            session_of (m, client), NULL, 0,
                            profile_of (m, client)->server_disconnect
                              ? NOTE_LINGER_OVER_5
                              : NOTE_LINGER_OVER_311);
          ses_world_close (w, client, c->gen, SES_NET_CLIENT);
          went_offline (m, w, client, SES_CAUSE_DISCONNECT);
          break;
        }
      {
        c->ka_armed = 0;
        SesTime due = c->last_tx_us + ses_time_from_s (c->keep_alive_s);
        if (ses_world_now (w) < due)
          {
            start_keep_alive (m, w, client);
            break;
          }
        if (c->ping_out)
          {
            /* No PINGRESP within a keep-alive period: the connection is
             * dead to this client (3.1.1 §3.1.2.10 SHOULD close). */
            ses_world_close (w, client, c->gen, SES_NET_CLIENT);
            went_offline (m, w, client, SES_CAUSE_KEEP_ALIVE);
            break;
          }
        /* Nothing sent for a keep-alive period: PINGREQ
         * (3.1.1 [MQTT-3.1.2-23], 5.0 [MQTT-3.1.2-20]). */
        SesPacket ping;
        ses_packet_init (&ping, SES_PKT_PINGREQ);
        c->ping_out = 1;
        send (m, w, client, &ping);
        start_keep_alive (m, w, client);
        break;
      }
    case SES_MQTT_EV_CLIENT_RECONNECT:
      do_connect (m, w, client, NULL);
      break;
    default:
      g_return_if_reached ();
    }
}
