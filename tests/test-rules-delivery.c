/* Rule groups H (packet identifiers), I (QoS 0/1/2 flows, DUP, PUBREL),
 * J (retransmission on reconnect) and K (ordering) of docs/rules, for MQTT
 * 3.1.1 and 5.0. Tests are named after the rule and version they check;
 * where both versions share a scenario, a static function runs it and a
 * thin test per version names the rule in that version's numbering.
 * Messages are kept in flight by a subscriber that withholds its acks
 * (SES_ACT_HOLD_ACKS) or by cutting a link while packets travel (10 ms one
 * way). Assertions are on exact packet sequences, flags, ids and payloads
 * from the observation log. The map is docs/rules/delivery.md. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <glib.h>
#include <string.h>

#include "mqtt-fixture.h"

/* ---- fixture plumbing and assertions ----------------------------------- */

/* Every Fx made by a test is freed by the teardown, even when an assertion
 * jumps out of the test. */
static int
setup (void **state)
{
  *state = g_ptr_array_new_with_free_func ((GDestroyNotify) fx_free);
  return 0;
}

static int
teardown (void **state)
{
  g_ptr_array_unref (*state);
  return 0;
}

static Fx *
make_fx (void **state)
{
  Fx *fx = fx_new ();
  g_ptr_array_add (*state, fx);
  return fx;
}

/* Compares and frees `got`; on a mismatch prints the log, then fails. */
static void
expect_str (Fx *fx, char *got, const char *want, const char *what)
{
  if (g_strcmp0 (got, want) == 0)
    {
      g_free (got);
      return;
    }
  fx_print_log (fx);
  print_error ("%s: got \"%s\", want \"%s\"\n", what, got, want);
  g_free (got);
  fail_msg ("%s", what);
}

static void
expect_int (Fx *fx, gint64 got, gint64 want, const char *what)
{
  if (got == want)
    return;
  fx_print_log (fx);
  print_error ("%s: got %" G_GINT64_FORMAT ", want %" G_GINT64_FORMAT "\n",
               what, got, want);
  fail_msg ("%s", what);
}

static const char *
payload_of (Fx *fx, const SesPacket *pkt)
{
  return ses_intern_get (ses_mqtt_config_strings (fx->cfg), pkt->payload);
}

/* ---- log readers -------------------------------------------------------- */

static void
append_packet (Fx *fx, GString *out, const SesPacket *p)
{
  static const char *const abbrev[] = {
    [SES_PKT_PUBLISH] = "PUB", [SES_PKT_PUBACK] = "ACK",
    [SES_PKT_PUBREC] = "REC", [SES_PKT_PUBREL] = "REL",
    [SES_PKT_PUBCOMP] = "COMP",
  };
  g_string_append (out, abbrev[p->type]);
  if (p->type != SES_PKT_PUBLISH || p->qos > 0 || p->packet_id != 0)
    g_string_append_printf (out, "%u", p->packet_id);
  if (p->flags & SES_PKT_F_DUP)
    g_string_append_c (out, 'd');
  if (p->type == SES_PKT_PUBLISH)
    g_string_append_printf (out, ":%s", payload_of (fx, p));
  else if (p->reason != 0)
    g_string_append_printf (out, "/0x%02x", p->reason);
  /* PUBREL carries no DUP; any other flag on an ack would show here. */
  if (p->type != SES_PKT_PUBLISH && p->flags != 0)
    g_string_append_printf (out, "!flags=%u", p->flags);
}

static gboolean
is_flow_packet (guint8 type)
{
  return type >= SES_PKT_PUBLISH && type <= SES_PKT_PUBCOMP;
}

/* The PUBLISH/PUBACK/PUBREC/PUBREL/PUBCOMP packets one end of a client's
 * connections sent ('>') and received ('<'), in order: with by_broker FALSE
 * the client's own view, e.g. ">PUB1:a <ACK1"; with TRUE the broker's view
 * of that client. A QoS 0 PUBLISH shows no id; 'd' marks DUP=1; "/0x92" a
 * non-zero reason; 'x' a packet sent into a dead connection. */
static char *
wire (Fx *fx, guint client, gboolean by_broker)
{
  const GArray *log = ses_mqtt_log (fx_mqtt (fx));
  GString *out = g_string_new (NULL);
  for (guint i = 0; i < log->len; i++)
    {
      const SesObs *o = &g_array_index (log, SesObs, i);
      if (o->client != client || o->by_broker != by_broker
          || !is_flow_packet (o->pkt.type))
        continue;
      char dir;
      if (o->kind == SES_OBS_SEND)
        dir = '>';
      else if (o->kind == SES_OBS_RECEIVE)
        dir = '<';
      else if (o->kind == SES_OBS_LOST)
        dir = 'x';
      else
        continue;
      if (out->len > 0)
        g_string_append_c (out, ' ');
      g_string_append_c (out, dir);
      append_packet (fx, out, &o->pkt);
    }
  return g_string_free (out, FALSE);
}

/* Packets of one type sent by one end on a client's connections, as in
 * wire() without the direction: "PUB1:a PUB1d:a". */
static char *
sent (Fx *fx, guint client, gboolean by_broker, SesPacketType type)
{
  g_autoptr (GPtrArray) found = fx_packets (fx, SES_OBS_SEND, by_broker,
                                            client, type);
  GString *out = g_string_new (NULL);
  for (guint i = 0; i < found->len; i++)
    {
      if (i > 0)
        g_string_append_c (out, ' ');
      append_packet (fx, out,
                     &((const SesObs *) g_ptr_array_index (found, i))->pkt);
    }
  return g_string_free (out, FALSE);
}

/* Delivered to the application: "a/q1 b/q2"; with times "a/q1@1020". */
static char *
deliveries (Fx *fx, guint client, gboolean with_time)
{
  g_autoptr (GPtrArray) found = fx_find (fx, SES_OBS_DELIVER, client);
  GString *out = g_string_new (NULL);
  for (guint i = 0; i < found->len; i++)
    {
      const SesObs *o = g_ptr_array_index (found, i);
      g_string_append_printf (out, "%s%s/q%u", i ? " " : "",
                              payload_of (fx, &o->pkt), o->pkt.qos);
      if (with_time)
        g_string_append_printf (out, "@%" G_GINT64_FORMAT,
                                o->time_us / SES_US_PER_MS);
    }
  return g_string_free (out, FALSE);
}

/* The messages of one publisher, in the order a client got them. */
static char *
delivered_from (Fx *fx, guint client, guint publisher)
{
  g_autoptr (GPtrArray) found = fx_find (fx, SES_OBS_DELIVER, client);
  GString *out = g_string_new (NULL);
  for (guint i = 0; i < found->len; i++)
    {
      const SesObs *o = g_ptr_array_index (found, i);
      if (o->pkt.origin != publisher)
        continue;
      g_string_append_printf (out, "%s%s", out->len ? " " : "",
                              payload_of (fx, &o->pkt));
    }
  return g_string_free (out, FALSE);
}

static const SesSession *
session_of (Fx *fx, guint client)
{
  SesMqtt *m = fx_mqtt (fx);
  return ses_mqtt_session (m, ses_mqtt_client_session (m, client));
}

/* Packet ids of the broker's unacknowledged messages to a session: "1 2". */
static char *
outflight_ids (Fx *fx, guint client)
{
  const GArray *of = &session_of (fx, client)->outflight.view;
  GString *out = g_string_new (NULL);
  for (guint i = 0; i < of->len; i++)
    g_string_append_printf (out, "%s%u", i ? " " : "",
                            g_array_index (of, SesFlight, i).packet_id);
  return g_string_free (out, FALSE);
}

/* ---- packet-id discipline over a whole log ------------------------------ */

enum { BUSY_PUBLISH = 1, BUSY_SUBSCRIBE = 2 };

static gboolean
busy (GHashTable *t, guint16 id)
{
  return g_hash_table_contains (t, GUINT_TO_POINTER (id));
}

static void
drop_kind (GHashTable *t, guint kind)
{
  GHashTableIter it;
  gpointer k, v;
  g_hash_table_iter_init (&it, t);
  while (g_hash_table_iter_next (&it, &k, &v))
    if (GPOINTER_TO_UINT (v) == kind)
      g_hash_table_iter_remove (&it);
}

/* A sender's PUBLISH or SUBSCRIBE against its in-use set (3.1.1
 * [MQTT-2.3.1-1..-5], 5.0 [MQTT-2.2.1-2..-4], both [MQTT-3.3.1-1]). */
static void
check_new_or_resend (GString *bad, guint i, const char *who, GHashTable *t,
                     const SesPacket *p)
{
  gboolean dup = (p->flags & SES_PKT_F_DUP) != 0;
  if (p->type == SES_PKT_PUBLISH && p->qos == 0)
    {
      if (p->packet_id != 0 || dup)
        g_string_append_printf (bad, "#%u %s: QoS 0 with id %u dup %d; ", i,
                                who, p->packet_id, dup);
      return;
    }
  if (p->packet_id == 0)
    {
      g_string_append_printf (bad, "#%u %s: id 0; ", i, who);
      return;
    }
  if (dup)
    {
      if (!busy (t, p->packet_id))
        g_string_append_printf (bad, "#%u %s: DUP for id %u not in flight; ",
                                i, who, p->packet_id);
      return;
    }
  if (busy (t, p->packet_id))
    g_string_append_printf (bad, "#%u %s: new packet reuses busy id %u; ", i,
                            who, p->packet_id);
  g_hash_table_insert (t, GUINT_TO_POINTER (p->packet_id),
                       GUINT_TO_POINTER (p->type == SES_PKT_PUBLISH
                                           ? BUSY_PUBLISH : BUSY_SUBSCRIBE));
}

/* Acks name a packet the other side has in flight (3.1.1 [MQTT-2.3.1-6],
 * 5.0 [MQTT-2.2.1-5]); PUBREL names one of the sender's own. */
static void
check_named (GString *bad, guint i, const char *who, GHashTable *t,
             const SesPacket *p)
{
  if (!busy (t, p->packet_id))
    g_string_append_printf (bad, "#%u %s: %s id %u names nothing in flight; ",
                            i, who, ses_packet_type_name (p->type),
                            p->packet_id);
}

static void
release_on_ack (GHashTable *t, const SesPacket *p)
{
  if (p->type == SES_PKT_PUBACK || p->type == SES_PKT_PUBCOMP
      || p->type == SES_PKT_SUBACK || p->type == SES_PKT_UNSUBACK
      || (p->type == SES_PKT_PUBREC && p->reason >= 0x80))
    g_hash_table_remove (t, GUINT_TO_POINTER (p->packet_id));
}

/* Walks the log keeping, per client, the ids its own packets hold and, per
 * session, the ids the broker's PUBLISHes hold (two independent spaces),
 * and reports every breach of the id rules; "" when there is none. */
static char *
id_violations (Fx *fx)
{
  guint nc = ses_mqtt_config_n_clients (fx->cfg);
  guint ns = ses_mqtt_config_n_sessions (fx->cfg);
  g_autoptr (GPtrArray) cb = g_ptr_array_new_with_free_func (
      (GDestroyNotify) g_hash_table_unref);
  g_autoptr (GPtrArray) bb = g_ptr_array_new_with_free_func (
      (GDestroyNotify) g_hash_table_unref);
  for (guint i = 0; i < nc; i++)
    g_ptr_array_add (cb, g_hash_table_new (NULL, NULL));
  for (guint i = 0; i < ns; i++)
    g_ptr_array_add (bb, g_hash_table_new (NULL, NULL));
  GString *bad = g_string_new (NULL);
  const GArray *log = ses_mqtt_log (fx_mqtt (fx));
  for (guint i = 0; i < log->len; i++)
    {
      const SesObs *o = &g_array_index (log, SesObs, i);
      const SesPacket *p = &o->pkt;
      if (o->kind == SES_OBS_SESSION_ENDED && o->session < ns)
        {
          g_hash_table_remove_all (g_ptr_array_index (bb, o->session));
          continue;
        }
      if (o->client >= nc)
        continue;
      GHashTable *mine = g_ptr_array_index (cb, o->client);
      if (o->kind == SES_OBS_CLIENT_DISCARDED)
        drop_kind (mine, BUSY_PUBLISH);
      else if (o->kind == SES_OBS_CONNECTION_LOST && !o->by_broker)
        drop_kind (mine, BUSY_SUBSCRIBE); /* SUBSCRIBE is never resent */
      else if (o->kind == SES_OBS_FAULT && o->cause == SES_FAULT_KIND_CRASH
               && !fx_client_config (fx, o->client)->persistent_store)
        g_hash_table_remove_all (mine);
      if (o->session >= ns)
        continue;
      GHashTable *theirs = g_ptr_array_index (bb, o->session);
      gboolean sends = o->kind == SES_OBS_SEND || o->kind == SES_OBS_LOST;
      const char *who = o->by_broker ? "broker" : "client";
      GHashTable *own = o->by_broker ? theirs : mine;
      GHashTable *peer = o->by_broker ? mine : theirs;
      if (sends)
        switch (p->type)
          {
          case SES_PKT_PUBLISH:
          case SES_PKT_SUBSCRIBE:
          case SES_PKT_UNSUBSCRIBE:
            check_new_or_resend (bad, i, who, own, p);
            break;
          case SES_PKT_PUBREL:
            check_named (bad, i, who, own, p);
            break;
          case SES_PKT_PUBACK:
          case SES_PKT_PUBREC:
          case SES_PKT_PUBCOMP:
          case SES_PKT_SUBACK:
          case SES_PKT_UNSUBACK:
            check_named (bad, i, who, peer, p);
            break;
          default:
            break;
          }
      else if (o->kind == SES_OBS_RECEIVE)
        release_on_ack (own, p);
    }
  return g_string_free (bad, FALSE);
}

/* How many PUBLISH (QoS > 0) or PUBREL packets one end sent a second time
 * for the same id on the same connection. A connection starts, for the
 * client, when it sends CONNECT and, for the broker, when it sends CONNACK;
 * an id acknowledged in between counts as new. */
static guint
resends_within_connection (Fx *fx, guint client, gboolean by_broker)
{
  g_autoptr (GHashTable) pubs = g_hash_table_new (NULL, NULL);
  g_autoptr (GHashTable) rels = g_hash_table_new (NULL, NULL);
  guint n = 0;
  const GArray *log = ses_mqtt_log (fx_mqtt (fx));
  for (guint i = 0; i < log->len; i++)
    {
      const SesObs *o = &g_array_index (log, SesObs, i);
      const SesPacket *p = &o->pkt;
      if (o->client != client || o->by_broker != by_broker)
        continue;
      gpointer key = GUINT_TO_POINTER (p->packet_id);
      if (o->kind == SES_OBS_SEND || o->kind == SES_OBS_LOST)
        {
          if (p->type == (by_broker ? SES_PKT_CONNACK : SES_PKT_CONNECT))
            {
              g_hash_table_remove_all (pubs);
              g_hash_table_remove_all (rels);
            }
          else if (p->type == SES_PKT_PUBLISH && p->qos > 0)
            n += !g_hash_table_add (pubs, key);
          else if (p->type == SES_PKT_PUBREL)
            n += !g_hash_table_add (rels, key);
        }
      else if (o->kind == SES_OBS_RECEIVE
               && (p->type == SES_PKT_PUBACK || p->type == SES_PKT_PUBCOMP))
        {
          g_hash_table_remove (pubs, key);
          g_hash_table_remove (rels, key);
        }
    }
  return n;
}

static guint
count_sent (Fx *fx, guint client, gboolean by_broker, SesPacketType type)
{
  g_autoptr (GPtrArray) found = fx_packets (fx, SES_OBS_SEND, by_broker,
                                            client, type);
  return found->len;
}

static void
expect_ids_ok (Fx *fx)
{
  expect_str (fx, id_violations (fx), "", "packet id discipline");
}

/* ---- the common rig ---------------------------------------------------- */

/* A subscriber to "t" and a publisher, both with sessions that outlive
 * their connections (Clean Session 0; in 5.0 Session Expiry 3600 s):
 *   0 sub connects, 100 sub subscribes "t", 200 pub connects. */
typedef struct {
  Fx *fx;
  SesMqttVersion v;
  guint pub, sub;
} Rig;

static gint64
kept (SesMqttVersion v)
{
  return v == SES_MQTT_5 ? 3600 : -1;
}

static Rig
rig_new (void **state, SesMqttVersion v, guint8 sub_qos)
{
  Rig r = { .fx = make_fx (state), .v = v };
  r.sub = fx_client (r.fx, "sub", "subscriber", v, FALSE, kept (v));
  r.pub = fx_client (r.fx, "pub", "publisher", v, FALSE, kept (v));
  fx_connect (r.fx, 0, r.sub);
  fx_subscribe (r.fx, 100, r.sub, "t", sub_qos);
  fx_connect (r.fx, 200, r.pub);
  return r;
}

/* rig_new, and the subscriber withholds its acks from 500 ms. */
static Rig
held_rig (void **state, SesMqttVersion v, guint8 sub_qos)
{
  Rig r = rig_new (state, v, sub_qos);
  fx_act (r.fx, 500, r.sub, SES_ACT_HOLD_ACKS);
  return r;
}

/* A subscriber "sub" (ClientId "subscriber") and a publisher "pub"
 * ("publisher"), both Clean Session 1 / Clean Start 1 without expiry,
 * both connected at 0; no subscription yet. */
static Rig
clean_rig (void **state, SesMqttVersion v)
{
  Rig r = { .fx = make_fx (state), .v = v };
  r.sub = fx_client (r.fx, "sub", "subscriber", v, TRUE, -1);
  r.pub = fx_client (r.fx, "pub", "publisher", v, TRUE, -1);
  fx_connect (r.fx, 0, r.sub);
  fx_connect (r.fx, 0, r.pub);
  return r;
}

static SesAction *
pub (Rig *r, gint64 at_ms, guint8 qos, const char *payload)
{
  return fx_publish (r->fx, at_ms, r->pub, "t", qos, payload);
}

/* The publisher sends one message per word "QoS:payload" of `msgs`, the
 * first at at_ms and each next one 1 ms later: "1:m1 2:m2" is QoS 1 "m1"
 * at at_ms and QoS 2 "m2" at at_ms + 1. */
static void
pub_series (Rig *r, gint64 at_ms, const char *msgs)
{
  g_auto (GStrv) words = g_strsplit (msgs, " ", -1);
  for (guint i = 0; words[i] != NULL; i++)
    {
      g_assert (words[i][0] >= '0' && words[i][0] <= '2'
                && words[i][1] == ':');
      pub (r, at_ms + i, (guint8) (words[i][0] - '0'), words[i] + 2);
    }
}

/* The client's connection is cut at cut_ms; it reconnects at back_ms. */
static void
cut_and_reconnect (Fx *fx, guint client, gint64 cut_ms, gint64 back_ms)
{
  fx_act (fx, cut_ms, client, SES_ACT_CUT);
  fx_connect (fx, back_ms, client);
}

/* A CONNECT at at_ms with Clean Session 1 / Clean Start 1, whatever the
 * client was configured with. */
static void
connect_clean (Fx *fx, gint64 at_ms, guint client)
{
  SesAction *a = fx_connect (fx, at_ms, client);
  a->override_clean = TRUE;
  a->clean = TRUE;
}

typedef enum { CUT_SUB, CUT_PUB } CutWho;

/* One cut with a reconnect: rig_new (subscription at sub_qos), the
 * publisher sends `msgs` from 1000 ms as in pub_series, the subscriber's
 * or the publisher's connection is cut at cut_ms and comes back at
 * 2000 ms; the run goes to 5000 ms. */
static Rig
run_with_cut (void **state, SesMqttVersion v, guint8 sub_qos,
              const char *msgs, CutWho who, gint64 cut_ms)
{
  Rig r = rig_new (state, v, sub_qos);
  pub_series (&r, 1000, msgs);
  cut_and_reconnect (r.fx, who == CUT_SUB ? r.sub : r.pub, cut_ms, 2000);
  fx_run (r.fx, 5000);
  return r;
}

/* The id of the first SUBSCRIBE the client sent. */
static guint16
first_subscribe_id (Fx *fx, guint client)
{
  g_autoptr (GPtrArray) subs = fx_packets (fx, SES_OBS_SEND, FALSE, client,
                                           SES_PKT_SUBSCRIBE);
  return ((const SesObs *) g_ptr_array_index (subs, 0))->pkt.packet_id;
}

/* 5.0 answers a PUBREL for an unknown id with PUBCOMP 0x92; 3.1.1 has no
 * reason code, so plain PUBCOMP. */
static const char *
unknown_id (SesMqttVersion v)
{
  return v == SES_MQTT_5 ? "/0x92" : "";
}

/* ---- H/I: the three QoS flows, once each ------------------------------- */

/* pub sends QoS 0 "a", QoS 1 "b", QoS 2 "c" at 1000, 1001, 1002 ms to a
 * subscriber granted QoS 2. */
static Rig
run_flows (void **state, SesMqttVersion v)
{
  Rig r = rig_new (state, v, 2);
  pub_series (&r, 1000, "0:a 1:b 2:c");
  fx_run (r.fx, 5000);
  return r;
}

static void
check_flows (Rig r)
{
  /* The publisher's ids start at 1; the broker numbers its own. */
  expect_str (r.fx, wire (r.fx, r.pub, FALSE),
              ">PUB:a >PUB1:b >PUB2:c <ACK1 <REC2 >REL2 <COMP2", "pub wire");
  expect_str (r.fx, wire (r.fx, r.sub, FALSE),
              "<PUB:a <PUB1:b >ACK1 <PUB2:c >REC2 <REL2 >COMP2", "sub wire");
  expect_str (r.fx, deliveries (r.fx, r.sub, FALSE), "a/q0 b/q1 c/q2",
              "delivered");
  expect_ids_ok (r.fx);
}

/* 3.1.1 [MQTT-2.3.1-1], [MQTT-2.3.1-5]: QoS>0 PUBLISH and SUBSCRIBE carry
 * a non-zero id, QoS 0 PUBLISH none. */
static void
test_v311_MQTT_2_3_1_1_nonzero_ids_qos0_none (void **state)
{
  Rig r = run_flows (state, SES_MQTT_311);
  check_flows (r);
  expect_str (r.fx, sent (r.fx, r.sub, FALSE, SES_PKT_PUBLISH), "",
              "sub PUBLISH");
  expect_int (r.fx, first_subscribe_id (r.fx, r.sub), 1, "SUBSCRIBE id");
}

/* 5.0 [MQTT-2.2.1-2], [MQTT-2.2.1-3]: same rules, 5.0 numbering. */
static void
test_v5_MQTT_2_2_1_3_nonzero_ids_qos0_none (void **state)
{
  Rig r = run_flows (state, SES_MQTT_5);
  check_flows (r);
  expect_int (r.fx, first_subscribe_id (r.fx, r.sub), 1, "SUBSCRIBE id");
}

/* 3.1.1 [MQTT-2.3.1-6], 5.0 [MQTT-2.2.1-5]: every ack carries the id of
 * the PUBLISH it answers, in both directions. */
static void
check_ack_ids (void **state, SesMqttVersion v)
{
  Rig r = run_flows (state, v);
  expect_str (r.fx, wire (r.fx, r.pub, TRUE),
              "<PUB:a <PUB1:b >ACK1 <PUB2:c >REC2 <REL2 >COMP2",
              "broker view of pub");
  expect_str (r.fx, wire (r.fx, r.sub, TRUE),
              ">PUB:a >PUB1:b >PUB2:c <ACK1 <REC2 >REL2 <COMP2",
              "broker view of sub");
  expect_ids_ok (r.fx);
}

static void
test_v311_MQTT_2_3_1_6_acks_carry_publish_id (void **state)
{
  check_ack_ids (state, SES_MQTT_311);
}

static void
test_v5_MQTT_2_2_1_5_acks_carry_publish_id (void **state)
{
  check_ack_ids (state, SES_MQTT_5);
}

/* both [MQTT-4.3.1-1], [MQTT-3.3.1-2]: QoS 0 goes once with DUP 0, is not
 * acknowledged, and is not resent: "z" is lost in flight by a cut of the
 * subscriber's link and never arrives after the reconnect. */
static void
test_both_MQTT_4_3_1_1_qos0_once_dup0 (void **state)
{
  for (SesMqttVersion v = SES_MQTT_311; v <= SES_MQTT_5; v++)
    {
      Rig r = rig_new (state, v, 2);
      pub (&r, 1000, 0, "z");
      cut_and_reconnect (r.fx, r.sub, 1015, 2000);
      pub (&r, 3000, 0, "y");
      fx_run (r.fx, 5000);
      expect_str (r.fx, wire (r.fx, r.pub, FALSE), ">PUB:z >PUB:y", "pub wire");
      expect_str (r.fx, wire (r.fx, r.sub, TRUE), ">PUB:z >PUB:y",
                  "broker to sub");
      expect_str (r.fx, deliveries (r.fx, r.sub, FALSE), "y/q0", "delivered");
      expect_int (r.fx, fx_session_present (r.fx, r.sub, 1), 1,
                  "session present");
      expect_ids_ok (r.fx);
    }
}

/* both [MQTT-3.3.4-1]: the receiver answers QoS 0 with nothing, QoS 1
 * with PUBACK, QoS 2 with PUBREC; the broker as receiver as well. */
static void
test_both_MQTT_3_3_4_1_ack_per_qos (void **state)
{
  for (SesMqttVersion v = SES_MQTT_311; v <= SES_MQTT_5; v++)
    {
      Rig r = run_flows (state, v);
      expect_str (r.fx, sent (r.fx, r.sub, FALSE, SES_PKT_PUBACK), "ACK1",
                  "sub PUBACK");
      expect_str (r.fx, sent (r.fx, r.sub, FALSE, SES_PKT_PUBREC), "REC2",
                  "sub PUBREC");
      expect_str (r.fx, sent (r.fx, r.pub, TRUE, SES_PKT_PUBACK), "ACK1",
                  "broker PUBACK");
      expect_str (r.fx, sent (r.fx, r.pub, TRUE, SES_PKT_PUBREC), "REC2",
                  "broker PUBREC");
    }
}

/* ---- H: ids unique while in flight, two id spaces ---------------------- */

/* Ids stay unique while in flight: the subscriber withholds its acks, so
 * the broker holds five messages with five ids; the publisher has three
 * messages lost in flight by a cut plus a SUBSCRIBE, all distinct ids.
 * Once everything is acknowledged nothing is left in flight. */
static void
check_ids_unique (void **state, SesMqttVersion v)
{
  Rig r = held_rig (state, v, 2);
  pub_series (&r, 1000, "1:m1 2:m2 1:m3");
  fx_subscribe (r.fx, 1003, r.pub, "other", 1);
  cut_and_reconnect (r.fx, r.pub, 1005, 2000);
  pub_series (&r, 2500, "2:m4 1:m5");
  fx_run (r.fx, 4000);
  expect_str (r.fx, outflight_ids (r.fx, r.sub), "1 2 3 4 5",
              "broker ids in flight");
  /* The allocator moves on past the SUBSCRIBE's id 4 (lost with the cut,
   * so free again); any id not in use would do. */
  expect_str (r.fx, sent (r.fx, r.pub, FALSE, SES_PKT_PUBLISH),
              "PUB1:m1 PUB2:m2 PUB3:m3 PUB1d:m1 PUB2d:m2 PUB3d:m3 PUB5:m4 "
              "PUB6:m5",
              "pub PUBLISH");
  expect_int (r.fx, count_sent (r.fx, r.pub, FALSE, SES_PKT_SUBSCRIBE), 1,
              "SUBSCRIBE sent");
  expect_int (r.fx, first_subscribe_id (r.fx, r.pub), 4, "SUBSCRIBE id");
  expect_ids_ok (r.fx);
}

static void
check_ids_freed (void **state, SesMqttVersion v)
{
  Rig r = held_rig (state, v, 2);
  pub_series (&r, 1000, "1:m1 2:m2 1:m3");
  fx_act (r.fx, 2000, r.sub, SES_ACT_RELEASE_ACKS);
  fx_run (r.fx, 1500);
  expect_str (r.fx, outflight_ids (r.fx, r.sub), "1 2 3", "held in flight");
  expect_int (r.fx, ses_mqtt_client_incoming (fx_mqtt (r.fx), r.sub)->len, 1,
              "QoS 2 ids awaiting PUBREL at the subscriber");
  fx_run_more (r.fx, 5000);
  expect_str (r.fx, outflight_ids (r.fx, r.sub), "", "in flight after acks");
  expect_int (r.fx, ses_mqtt_client_incoming (fx_mqtt (r.fx), r.sub)->len, 0,
              "QoS 2 ids awaiting PUBREL after PUBREL");
  expect_int (r.fx, ses_mqtt_client_outgoing (fx_mqtt (r.fx), r.pub)->len, 0,
              "publisher's unacknowledged messages");
  expect_str (r.fx, sent (r.fx, r.sub, FALSE, SES_PKT_PUBACK), "ACK1 ACK3",
              "sub PUBACK");
  expect_str (r.fx, sent (r.fx, r.sub, FALSE, SES_PKT_PUBCOMP), "COMP2",
              "sub PUBCOMP");
  expect_ids_ok (r.fx);
}

/* 3.1.1 [MQTT-2.3.1-2]: each new client packet gets an id not in use. */
static void
test_v311_MQTT_2_3_1_2_client_ids_unique_in_flight (void **state)
{
  check_ids_unique (state, SES_MQTT_311);
}

/* 5.0 [MQTT-2.2.1-3]: same, 5.0 numbering. */
static void
test_v5_MQTT_2_2_1_3_client_ids_unique_in_flight (void **state)
{
  check_ids_unique (state, SES_MQTT_5);
}

/* 3.1.1 [MQTT-2.3.1-3], [MQTT-2.3.1-4]: the broker's ids follow the same
 * rules and become free only with PUBACK / PUBCOMP. */
static void
test_v311_MQTT_2_3_1_3_ids_freed_only_by_ack (void **state)
{
  check_ids_freed (state, SES_MQTT_311);
}

/* 5.0 [MQTT-2.2.1-4] and §4.3.2/§4.3.3: the same in 5.0. */
static void
test_v5_MQTT_2_2_1_4_ids_freed_only_by_ack (void **state)
{
  check_ids_freed (state, SES_MQTT_5);
}

/* both (non-normative 3.1.1 §2.3.1, 5.0 §2.2.1): the two directions number
 * independently, so id 2 can be live both ways at once. Client "both" is
 * subscribed to "t" (SUBSCRIBE took its id 1) and withholds acks; the
 * broker sends it "p" (broker id 1) and then its own "x" (broker id 2)
 * while the client's "x" (client id 2) is still unacknowledged. */
static void
test_both_S2_3_1_two_independent_id_spaces (void **state)
{
  for (SesMqttVersion v = SES_MQTT_311; v <= SES_MQTT_5; v++)
    {
      Fx *fx = make_fx (state);
      guint both = fx_client (fx, "both", "both", v, FALSE, kept (v));
      guint other = fx_client (fx, "other", "other", v, TRUE, -1);
      fx_connect (fx, 0, both);
      fx_connect (fx, 0, other);
      fx_subscribe (fx, 100, both, "t", 1);
      fx_act (fx, 500, both, SES_ACT_HOLD_ACKS);
      fx_publish (fx, 900, other, "t", 1, "p");
      fx_publish (fx, 1000, both, "t", 1, "x");
      fx_run (fx, 3000);
      expect_str (fx, wire (fx, both, FALSE),
                  "<PUB1:p >PUB2:x <ACK2 <PUB2:x", "both wire");
      expect_str (fx, outflight_ids (fx, both), "1 2", "broker ids in flight");
      expect_int (fx, ses_mqtt_client_outgoing (fx_mqtt (fx), both)->len, 0,
                  "client's own messages in flight");
      expect_int (fx, fx_count (fx, SES_OBS_ACKED, both), 1, "acked");
      expect_ids_ok (fx);
    }
}

/* ---- I: DUP ------------------------------------------------------------- */

/* both [MQTT-3.3.1-1]: every retransmission carries DUP 1, the first
 * transmission DUP 0, the id unchanged; from the broker (subscriber held
 * its acks, then was cut) and from the client (its PUBLISHes were lost in
 * flight by a cut). */
static void
test_both_MQTT_3_3_1_1_dup_on_resend (void **state)
{
  for (SesMqttVersion v = SES_MQTT_311; v <= SES_MQTT_5; v++)
    {
      Rig r = held_rig (state, v, 2);
      pub_series (&r, 1000, "1:a 2:b");
      cut_and_reconnect (r.fx, r.sub, 2000, 3000);
      fx_act (r.fx, 3500, r.sub, SES_ACT_RELEASE_ACKS);
      pub_series (&r, 4000, "1:c 2:d");
      cut_and_reconnect (r.fx, r.pub, 4005, 5000);
      fx_run (r.fx, 8000);
      expect_str (r.fx, sent (r.fx, r.sub, TRUE, SES_PKT_PUBLISH),
                  "PUB1:a PUB2:b PUB1d:a PUB2d:b PUB3:c PUB4:d",
                  "broker PUBLISH to sub");
      expect_str (r.fx, sent (r.fx, r.pub, FALSE, SES_PKT_PUBLISH),
                  "PUB1:a PUB2:b PUB3:c PUB4:d PUB3d:c PUB4d:d",
                  "pub PUBLISH");
      expect_str (r.fx, deliveries (r.fx, r.sub, FALSE),
                  "a/q1 b/q2 a/q1 c/q1 d/q2", "delivered");
      expect_ids_ok (r.fx);
    }
}

/* both [MQTT-3.3.1-3]: the broker's DUP says whether *its* packet is a
 * retransmission; the publisher's DUP 1 is not copied. The publisher's
 * first copies of "a" (QoS 1) and "b" (QoS 2) are lost by a cut, the
 * resends (DUP 1) are the first the broker sees, and it forwards them with
 * DUP 0. */
static void
test_both_MQTT_3_3_1_3_dup_not_copied_from_incoming (void **state)
{
  for (SesMqttVersion v = SES_MQTT_311; v <= SES_MQTT_5; v++)
    {
      Rig r = run_with_cut (state, v, 2, "1:a 2:b", CUT_PUB, 1005);
      expect_str (r.fx, wire (r.fx, r.pub, TRUE),
                  "<PUB1d:a >ACK1 <PUB2d:b >REC2 <REL2 >COMP2",
                  "broker view of pub");
      expect_str (r.fx, sent (r.fx, r.sub, TRUE, SES_PKT_PUBLISH),
                  "PUB1:a PUB2:b", "broker PUBLISH to sub");
      expect_str (r.fx, deliveries (r.fx, r.sub, FALSE), "a/q1 b/q2",
                  "delivered");
      expect_ids_ok (r.fx);
    }
}

/* both (non-normative §3.3.1.1): DUP is about the packet, not the message.
 * The publisher's PUBACK for "a" is lost, it resends (DUP 1), the broker
 * takes it as a new message (QoS 1 may duplicate) and forwards it again
 * with a new id and DUP 0. */
static void
test_both_S3_3_1_1_repeat_arrives_with_new_id_dup0 (void **state)
{
  for (SesMqttVersion v = SES_MQTT_311; v <= SES_MQTT_5; v++)
    {
      Rig r = run_with_cut (state, v, 1, "1:a", CUT_PUB, 1015);
      expect_str (r.fx, wire (r.fx, r.pub, FALSE),
                  ">PUB1:a >PUB1d:a <ACK1", "pub wire");
      expect_str (r.fx, sent (r.fx, r.sub, TRUE, SES_PKT_PUBLISH),
                  "PUB1:a PUB2:a", "broker PUBLISH to sub");
      expect_str (r.fx, deliveries (r.fx, r.sub, FALSE), "a/q1 a/q1",
                  "delivered");
      expect_ids_ok (r.fx);
    }
}

/* ---- I: QoS 1 ----------------------------------------------------------- */

/* QoS 1 sender (the broker towards a subscriber that withholds PUBACK):
 * fresh id, QoS 1, DUP 0; the message stays unacknowledged until PUBACK. */
static void
check_qos1_sender (void **state, SesMqttVersion v)
{
  Rig r = held_rig (state, v, 1);
  pub (&r, 1000, 1, "a");
  fx_act (r.fx, 3000, r.sub, SES_ACT_RELEASE_ACKS);
  fx_run (r.fx, 2900);
  expect_str (r.fx, sent (r.fx, r.sub, TRUE, SES_PKT_PUBLISH), "PUB1:a",
              "broker PUBLISH");
  expect_str (r.fx, outflight_ids (r.fx, r.sub), "1", "awaiting PUBACK");
  expect_int (r.fx,
              g_array_index (&session_of (r.fx, r.sub)->outflight.view,
                             SesFlight, 0)
                .state,
              SES_FLIGHT_AWAIT_PUBACK, "flight state");
  fx_run_more (r.fx, 5000);
  expect_str (r.fx, wire (r.fx, r.sub, TRUE), ">PUB1:a <ACK1", "broker wire");
  expect_str (r.fx, outflight_ids (r.fx, r.sub), "", "after PUBACK");
  expect_ids_ok (r.fx);
}

/* 3.1.1 [MQTT-4.3.2-1]: QoS 1 sender. */
static void
test_v311_MQTT_4_3_2_1_qos1_sender_holds_until_puback (void **state)
{
  check_qos1_sender (state, SES_MQTT_311);
}

/* 5.0 [MQTT-4.3.2-1], [MQTT-4.3.2-2], [MQTT-4.3.2-3]: QoS 1 sender. */
static void
test_v5_MQTT_4_3_2_3_qos1_sender_holds_until_puback (void **state)
{
  check_qos1_sender (state, SES_MQTT_5);
}

/* After the exchange for an id is complete (PUBACK, or PUBCOMP for QoS 2)
 * a PUBLISH reusing that id is a new message. A second client instance with
 * the same ClientId and no memory of the first numbers from 1 again; the
 * broker must deliver its messages, not drop them as repeats. */
static void
check_id_new_after_completion (void **state, SesMqttVersion v, guint8 qos)
{
  Rig r = rig_new (state, v, 2);
  guint again = fx_client (r.fx, "pub-again", "publisher", v, FALSE, kept (v));
  pub (&r, 1000, qos, "first");
  fx_disconnect (r.fx, 1500, r.pub);
  fx_connect (r.fx, 2000, again);
  fx_publish (r.fx, 2100, again, "t", qos, "second");
  fx_run (r.fx, 5000);
  expect_int (r.fx, fx_session_present (r.fx, again, 0), 1, "session present");
  expect_str (r.fx, sent (r.fx, r.pub, FALSE, SES_PKT_PUBLISH), "PUB1:first",
              "first instance");
  expect_str (r.fx, sent (r.fx, again, FALSE, SES_PKT_PUBLISH), "PUB1:second",
              "second instance");
  expect_str (r.fx, deliveries (r.fx, r.sub, FALSE),
              qos == 1 ? "first/q1 second/q1" : "first/q2 second/q2",
              "delivered");
  expect_ids_ok (r.fx);
}

/* 3.1.1 [MQTT-4.3.2-2]: after PUBACK the id denotes a new message. */
static void
test_v311_MQTT_4_3_2_2_id_new_after_puback (void **state)
{
  check_id_new_after_completion (state, SES_MQTT_311, 1);
}

/* 5.0 [MQTT-4.3.2-5]: the same in 5.0. */
static void
test_v5_MQTT_4_3_2_5_id_new_after_puback (void **state)
{
  check_id_new_after_completion (state, SES_MQTT_5, 1);
}

/* 3.1.1 [MQTT-4.3.3-2] (last clause): after PUBCOMP the id is new. */
static void
test_v311_MQTT_4_3_3_2_id_new_after_pubcomp (void **state)
{
  check_id_new_after_completion (state, SES_MQTT_311, 2);
}

/* 5.0 [MQTT-4.3.3-12]: after PUBCOMP the id is new. */
static void
test_v5_MQTT_4_3_3_12_id_new_after_pubcomp (void **state)
{
  check_id_new_after_completion (state, SES_MQTT_5, 2);
}

/* ---- I: QoS 2 ----------------------------------------------------------- */

/* QoS 2 sender across a cut after its PUBREL went out: the publisher sends
 * PUBLISH, gets PUBREC, sends PUBREL; the broker answers PUBCOMP, which the
 * cut at 1035 ms loses. After the reconnect the publisher resends PUBREL,
 * never the PUBLISH; the broker no longer knows the id and still answers
 * PUBCOMP (5.0: reason 0x92). The message is delivered once. */
static void
check_qos2_sender_resumes_with_pubrel (void **state, SesMqttVersion v)
{
  Rig r = run_with_cut (state, v, 2, "2:c", CUT_PUB, 1035);
  g_autofree char *want = g_strdup_printf (
      ">PUB1:c <REC1 >REL1 >REL1 <COMP1%s", unknown_id (v));
  expect_str (r.fx, wire (r.fx, r.pub, FALSE), want, "pub wire");
  expect_str (r.fx, sent (r.fx, r.pub, TRUE, SES_PKT_PUBCOMP),
              v == SES_MQTT_5 ? "COMP1 COMP1/0x92" : "COMP1 COMP1",
              "broker PUBCOMP");
  expect_int (r.fx, ses_mqtt_client_outgoing (fx_mqtt (r.fx), r.pub)->len, 0,
              "publisher's unacknowledged messages");
  expect_str (r.fx, deliveries (r.fx, r.sub, FALSE), "c/q2", "delivered");
  expect_ids_ok (r.fx);
}

/* 3.1.1 [MQTT-4.3.3-1]: the QoS 2 sender never resends PUBLISH after
 * PUBREL; a PUBREL for an unknown id still gets PUBCOMP. */
static void
test_v311_MQTT_4_3_3_1_sender_resumes_with_pubrel (void **state)
{
  check_qos2_sender_resumes_with_pubrel (state, SES_MQTT_311);
}

/* 5.0 [MQTT-4.3.3-1..-6], C6: same, and the unknown PUBREL is answered
 * with PUBCOMP 0x92 (Packet Identifier not found). */
static void
test_v5_MQTT_4_3_3_6_sender_resumes_with_pubrel_0x92 (void **state)
{
  check_qos2_sender_resumes_with_pubrel (state, SES_MQTT_5);
}

/* QoS 2 exactly once to the subscriber's application across a cut between
 * PUBREC and PUBREL (C6): the broker's PUBREL (sent at 1032 ms) is lost by
 * the cut at 1035 ms; after the reconnect it resumes with PUBREL, not
 * PUBLISH, and the application has the message once. */
static void
check_c6_broker_resumes_with_pubrel (void **state, SesMqttVersion v)
{
  Rig r = run_with_cut (state, v, 2, "2:x", CUT_SUB, 1035);
  expect_str (r.fx, wire (r.fx, r.sub, FALSE),
              "<PUB1:x >REC1 <REL1 >COMP1", "sub wire");
  expect_str (r.fx, wire (r.fx, r.sub, TRUE),
              ">PUB1:x <REC1 >REL1 >REL1 <COMP1", "broker view of sub");
  expect_str (r.fx, deliveries (r.fx, r.sub, FALSE), "x/q2", "delivered");
  expect_str (r.fx, outflight_ids (r.fx, r.sub), "", "in flight at the end");
  expect_ids_ok (r.fx);
}

/* 3.1.1 [MQTT-4.3.3-1] (server as sender) and [MQTT-4.4.0-1]. */
static void
test_v311_MQTT_4_3_3_1_broker_resumes_with_pubrel (void **state)
{
  check_c6_broker_resumes_with_pubrel (state, SES_MQTT_311);
}

/* 5.0 [MQTT-4.3.3-6] (server as sender) and [MQTT-4.4.0-1]. */
static void
test_v5_MQTT_4_3_3_6_broker_resumes_with_pubrel (void **state)
{
  check_c6_broker_resumes_with_pubrel (state, SES_MQTT_5);
}

/* The client as QoS 2 receiver gets a PUBREL it has already completed: its
 * PUBCOMP (sent at 1042 ms) is lost by the cut at 1045 ms, the broker
 * resends PUBREL on reconnect, and the client answers PUBCOMP (5.0: 0x92)
 * instead of treating it as an error. */
static void
check_client_unknown_pubrel (void **state, SesMqttVersion v)
{
  Rig r = run_with_cut (state, v, 2, "2:x", CUT_SUB, 1045);
  g_autofree char *want = g_strdup_printf (
      "<PUB1:x >REC1 <REL1 >COMP1 <REL1 >COMP1%s", unknown_id (v));
  expect_str (r.fx, wire (r.fx, r.sub, FALSE), want, "sub wire");
  expect_int (r.fx, fx_count (r.fx, SES_OBS_PROTOCOL_ERROR, G_MAXUINT), 0,
              "protocol errors");
  expect_str (r.fx, deliveries (r.fx, r.sub, FALSE), "x/q2", "delivered");
  expect_str (r.fx, outflight_ids (r.fx, r.sub), "", "in flight at the end");
  expect_ids_ok (r.fx);
}

/* 3.1.1 [MQTT-4.3.3-2]: a PUBREL is answered with PUBCOMP. */
static void
test_v311_MQTT_4_3_3_2_unknown_pubrel_gets_pubcomp (void **state)
{
  check_client_unknown_pubrel (state, SES_MQTT_311);
}

/* 5.0 [MQTT-4.3.3-11], C6: PUBCOMP 0x92 for an unknown PUBREL. */
static void
test_v5_MQTT_4_3_3_11_unknown_pubrel_gets_pubcomp_0x92 (void **state)
{
  check_client_unknown_pubrel (state, SES_MQTT_5);
}

/* QoS 2 receiver de-duplicates repeats before PUBREL, at both receivers:
 * (1) the subscriber withholds PUBREC, is cut and reconnects; the broker
 * resends the PUBLISH with DUP 1, the subscriber acknowledges it again
 * without handing it to the application a second time; (2) the broker's
 * PUBREC to the publisher is lost (cut at 1015 ms), the publisher resends,
 * the broker answers PUBREC and does not forward it again. */
static void
check_qos2_no_duplicate (void **state, SesMqttVersion v)
{
  Rig r = held_rig (state, v, 2);
  pub (&r, 1000, 2, "x");
  cut_and_reconnect (r.fx, r.sub, 2000, 3000);
  fx_act (r.fx, 3500, r.sub, SES_ACT_RELEASE_ACKS);
  pub (&r, 5000, 2, "y");
  cut_and_reconnect (r.fx, r.pub, 5015, 6000);
  fx_run (r.fx, 9000);
  expect_str (r.fx, wire (r.fx, r.sub, FALSE),
              "<PUB1:x <PUB1d:x >REC1 <REL1 >COMP1 <PUB2:y >REC2 <REL2 >COMP2",
              "sub wire");
  expect_str (r.fx, wire (r.fx, r.pub, TRUE),
              "<PUB1:x >REC1 <REL1 >COMP1 <PUB2:y >REC2 <PUB2d:y >REC2 <REL2 "
              ">COMP2",
              "broker view of pub");
  expect_int (r.fx, fx_count (r.fx, SES_OBS_ACCEPTED, r.pub), 2,
              "messages accepted");
  expect_str (r.fx, deliveries (r.fx, r.sub, FALSE), "x/q2 y/q2", "delivered");
  expect_ids_ok (r.fx);
}

static void
test_v311_MQTT_4_3_3_2_qos2_no_duplicate_delivery (void **state)
{
  check_qos2_no_duplicate (state, SES_MQTT_311);
}

/* 5.0 [MQTT-4.3.3-8], [MQTT-4.3.3-10], [MQTT-4.3.3-11]. */
static void
test_v5_MQTT_4_3_3_10_qos2_no_duplicate_delivery (void **state)
{
  check_qos2_no_duplicate (state, SES_MQTT_5);
}

/* both [MQTT-3.6.1-1]: PUBREL never carries DUP or any other flag, first
 * send or resend, from broker or client. wire() would show "!flags=". */
static void
test_both_MQTT_3_6_1_1_pubrel_has_no_dup (void **state)
{
  for (SesMqttVersion v = SES_MQTT_311; v <= SES_MQTT_5; v++)
    {
      Rig r = rig_new (state, v, 2);
      pub (&r, 1000, 2, "x");
      fx_act (r.fx, 1035, r.sub, SES_ACT_CUT);
      fx_act (r.fx, 1035, r.pub, SES_ACT_CUT);
      fx_connect (r.fx, 2000, r.sub);
      fx_connect (r.fx, 2000, r.pub);
      fx_run (r.fx, 5000);
      expect_str (r.fx, sent (r.fx, r.sub, TRUE, SES_PKT_PUBREL), "REL1 REL1",
                  "broker PUBREL");
      expect_str (r.fx, sent (r.fx, r.pub, FALSE, SES_PKT_PUBREL),
                  "REL1 REL1", "client PUBREL");
      expect_str (r.fx, deliveries (r.fx, r.sub, FALSE), "x/q2", "delivered");
    }
}

/* Method B (default) forwards a QoS 2 message when the PUBLISH arrives;
 * Method A (qos2_on_pubrel) stores it and forwards on PUBREL. The
 * publisher's PUBREL is lost by a cut at 1025 ms and resent at 3020 ms:
 * with B the subscriber has the message at 1020 ms, with A at 3040 ms.
 * Either way exactly once. */
static void
check_method_a_vs_b (void **state, SesMqttVersion v)
{
  for (int method_a = 0; method_a <= 1; method_a++)
    {
      Rig r = rig_new (state, v, 2);
      ses_mqtt_config_broker (r.fx->cfg)->qos2_on_pubrel = method_a;
      pub (&r, 1000, 2, "x");
      cut_and_reconnect (r.fx, r.pub, 1025, 3000);
      fx_run (r.fx, 2000);
      const GArray *in = &session_of (r.fx, r.pub)->incoming.view;
      expect_int (r.fx, in->len, 1, "QoS 2 ids awaiting PUBREL");
      expect_int (r.fx, g_array_index (in, SesIncoming, 0).has_msg, method_a,
                  "message stored until PUBREL");
      fx_run_more (r.fx, 6000);
      expect_str (r.fx, wire (r.fx, r.pub, FALSE),
                  ">PUB1:x <REC1 >REL1 >REL1 <COMP1", "pub wire");
      expect_str (r.fx, deliveries (r.fx, r.sub, TRUE),
                  method_a ? "x/q2@3040" : "x/q2@1020", "delivered");
      expect_int (r.fx, session_of (r.fx, r.pub)->incoming.view.len, 0,
                  "QoS 2 ids awaiting PUBREL at the end");
      expect_ids_ok (r.fx);
    }
}

/* 3.1.1 §4.3.3 Fig. 4.3: Method A vs Method B. */
static void
test_v311_S4_3_3_method_a_vs_method_b (void **state)
{
  check_method_a_vs_b (state, SES_MQTT_311);
}

/* 5.0 §4.3.3: the same broker setting under 5.0. */
static void
test_v5_S4_3_3_method_a_vs_method_b (void **state)
{
  check_method_a_vs_b (state, SES_MQTT_5);
}

/* 5.0 [MQTT-4.3.3-7]: once a QoS 2 PUBLISH has been sent its Message
 * Expiry no longer applies to the sender. The message (expiry 1 s) reaches
 * the subscriber, which withholds PUBREC and is cut; at the reconnect 4 s
 * later the broker resends it instead of dropping it as expired. */
static void
test_v5_MQTT_4_3_3_7_no_expiry_after_qos2_sent (void **state)
{
  Rig r = held_rig (state, SES_MQTT_5, 2);
  SesAction *a = pub (&r, 1000, 2, "x");
  a->has_expiry = TRUE;
  a->expiry_s = 1;
  cut_and_reconnect (r.fx, r.sub, 1500, 5000);
  fx_act (r.fx, 5500, r.sub, SES_ACT_RELEASE_ACKS);
  fx_run (r.fx, 8000);
  expect_str (r.fx, wire (r.fx, r.sub, TRUE),
              ">PUB1:x >PUB1d:x <REC1 >REL1 <COMP1", "broker view of sub");
  expect_int (r.fx, fx_count (r.fx, SES_OBS_EXPIRED, G_MAXUINT), 0,
              "expired copies");
  expect_str (r.fx, deliveries (r.fx, r.sub, FALSE), "x/q2", "delivered");
  expect_ids_ok (r.fx);
}

/* 5.0 [MQTT-4.3.3-13]: the QoS 2 receiver completes the ack sequence even
 * when the message's expiry has passed. The broker received "x" (expiry
 * 1 s); the publisher's PUBREL is lost and resent 4 s later; the broker
 * still answers PUBCOMP 0x00 (it knows the id). With Method A the stored
 * message has expired before onward delivery started, so the subscriber's
 * copy is deleted (5.0 [MQTT-3.3.2-5]); with Method B it went out at once. */
static void
test_v5_MQTT_4_3_3_13_ack_sequence_completes_after_expiry (void **state)
{
  for (int method_a = 0; method_a <= 1; method_a++)
    {
      Rig r = rig_new (state, SES_MQTT_5, 2);
      ses_mqtt_config_broker (r.fx->cfg)->qos2_on_pubrel = method_a;
      SesAction *a = pub (&r, 1000, 2, "x");
      a->has_expiry = TRUE;
      a->expiry_s = 1;
      cut_and_reconnect (r.fx, r.pub, 1025, 5000);
      fx_run (r.fx, 8000);
      expect_str (r.fx, wire (r.fx, r.pub, FALSE),
                  ">PUB1:x <REC1 >REL1 >REL1 <COMP1", "pub wire");
      expect_str (r.fx, deliveries (r.fx, r.sub, FALSE),
                  method_a ? "" : "x/q2", "delivered");
      expect_int (r.fx, fx_count (r.fx, SES_OBS_EXPIRED, r.sub), method_a,
                  "expired copies");
      expect_ids_ok (r.fx);
    }
}

/* ---- I: delivered QoS --------------------------------------------------- */

/* Delivered QoS = min(published, granted): subscriptions granted QoS 0, 1
 * and 2 on three topics, each sent QoS 0, 1 and 2; then a broker whose
 * maximum QoS is 1 grants 1 for a QoS 2 request and delivers QoS 2
 * publications at QoS 1. */
static void
check_min_qos (void **state, SesMqttVersion v)
{
  Rig r = clean_rig (state, v);
  for (guint8 g = 0; g < 3; g++)
    {
      g_autofree char *filter = g_strdup_printf ("g%u/t", g);
      fx_subscribe (r.fx, 100 + g, r.sub, filter, g);
      for (guint8 q = 0; q < 3; q++)
        {
          g_autofree char *payload = g_strdup_printf ("g%up%u", g, q);
          fx_publish (r.fx, 1000 + 3 * g + q, r.pub, filter, q, payload);
        }
    }
  fx_run (r.fx, 3000);
  expect_str (r.fx, deliveries (r.fx, r.sub, FALSE),
              "g0p0/q0 g0p1/q0 g0p2/q0 g1p0/q0 g1p1/q1 g1p2/q1 g2p0/q0 "
              "g2p1/q1 g2p2/q2",
              "delivered");
  expect_ids_ok (r.fx);

  Rig capped = clean_rig (state, v);
  ses_mqtt_config_broker (capped.fx->cfg)->max_qos = 1;
  fx_subscribe (capped.fx, 100, capped.sub, "t", 2);
  pub (&capped, 1000, 2, "hi");
  fx_run (capped.fx, 3000);
  g_autoptr (GPtrArray) acks = fx_packets (capped.fx, SES_OBS_RECEIVE, FALSE,
                                           capped.sub, SES_PKT_SUBACK);
  expect_int (capped.fx, acks->len, 1, "SUBACKs");
  expect_int (capped.fx,
              ((const SesObs *) g_ptr_array_index (acks, 0))->pkt.qos, 1,
              "granted QoS");
  expect_str (capped.fx, deliveries (capped.fx, capped.sub, FALSE), "hi/q1",
              "delivered");
}

/* 3.1.1 [MQTT-3.8.4-6]. */
static void
test_v311_MQTT_3_8_4_6_delivered_qos_is_min (void **state)
{
  check_min_qos (state, SES_MQTT_311);
}

/* 5.0 [MQTT-3.8.4-8]. */
static void
test_v5_MQTT_3_8_4_8_delivered_qos_is_min (void **state)
{
  check_min_qos (state, SES_MQTT_5);
}

/* Overlapping subscriptions "o/#" q0, "o/x" q2, "+/x" q1: one copy per
 * message at the highest matching QoS (the single-copy choice). */
static void
check_overlap (void **state, SesMqttVersion v)
{
  Rig r = clean_rig (state, v);
  fx_subscribe (r.fx, 100, r.sub, "o/#", 0);
  fx_subscribe (r.fx, 101, r.sub, "o/x", 2);
  fx_subscribe (r.fx, 102, r.sub, "+/x", 1);
  fx_publish (r.fx, 1000, r.pub, "o/x", 2, "A");
  fx_publish (r.fx, 1001, r.pub, "o/x", 1, "B");
  fx_publish (r.fx, 1002, r.pub, "o/y", 2, "C");
  fx_publish (r.fx, 1003, r.pub, "p/x", 2, "D");
  fx_run (r.fx, 3000);
  expect_str (r.fx, deliveries (r.fx, r.sub, FALSE), "A/q2 B/q1 C/q0 D/q1",
              "delivered");
  expect_str (r.fx, sent (r.fx, r.sub, TRUE, SES_PKT_PUBLISH),
              "PUB1:A PUB2:B PUB:C PUB3:D", "broker PUBLISH");
  expect_ids_ok (r.fx);
}

/* both [MQTT-4.5.0-1] with 3.1.1 [MQTT-3.3.5-1] / 5.0 [MQTT-3.3.4-2]: two
 * subscribers, "s1" with overlapping "o/#" q0 and "o/x" q2, "s2" with
 * "o/x" q1 only. Each gets exactly one copy at its own highest QoS; one
 * subscriber's overlap must not cost the other its copy. */
static void
test_both_MQTT_4_5_0_1_overlap_keeps_other_subscribers (void **state)
{
  for (SesMqttVersion v = SES_MQTT_311; v <= SES_MQTT_5; v++)
    {
      Fx *fx = make_fx (state);
      guint s1 = fx_client (fx, "s1", "sub-1", v, TRUE, -1);
      guint s2 = fx_client (fx, "s2", "sub-2", v, TRUE, -1);
      guint pb = fx_client (fx, "pub", "publisher", v, TRUE, -1);
      fx_connect (fx, 0, s1);
      fx_connect (fx, 0, s2);
      fx_connect (fx, 0, pb);
      fx_subscribe (fx, 100, s1, "o/#", 0);
      fx_subscribe (fx, 101, s1, "o/x", 2);
      fx_subscribe (fx, 102, s2, "o/x", 1);
      fx_publish (fx, 1000, pb, "o/x", 2, "A");
      fx_run (fx, 3000);
      char *d1 = deliveries (fx, s1, FALSE);
      char *d2 = deliveries (fx, s2, FALSE);
      char *both = g_strdup_printf ("s1=%s s2=%s", d1, d2);
      g_free (d1);
      g_free (d2);
      expect_str (fx, both, "s1=A/q2 s2=A/q1", "delivered");
      expect_ids_ok (fx);
    }
}

/* 3.1.1 [MQTT-3.3.5-1]. */
static void
test_v311_MQTT_3_3_5_1_overlap_one_copy_highest_qos (void **state)
{
  check_overlap (state, SES_MQTT_311);
}

/* 5.0 [MQTT-3.3.4-2]. */
static void
test_v5_MQTT_3_3_4_2_overlap_one_copy_highest_qos (void **state)
{
  check_overlap (state, SES_MQTT_5);
}

/* ---- J: retransmission on reconnect ------------------------------------ */

/* The broker resends what the subscriber has not acknowledged, in the
 * original order, with the original ids and DUP 1: "m1" (QoS 1), "m2"
 * (QoS 2), "m3" (QoS 1) are held by the subscriber, which is cut and comes
 * back. QoS 1 may repeat ("m1", "m3" twice: only the last copy of each is
 * ordered, §4.6); QoS 2 "m2" does not. */
static void
check_broker_resend (void **state, SesMqttVersion v)
{
  Rig r = held_rig (state, v, 2);
  pub_series (&r, 1000, "1:m1 2:m2 1:m3");
  cut_and_reconnect (r.fx, r.sub, 2000, 3000);
  fx_act (r.fx, 4000, r.sub, SES_ACT_RELEASE_ACKS);
  fx_run (r.fx, 6000);
  expect_int (r.fx, fx_session_present (r.fx, r.sub, 1), 1, "session present");
  expect_str (r.fx, sent (r.fx, r.sub, TRUE, SES_PKT_PUBLISH),
              "PUB1:m1 PUB2:m2 PUB3:m3 PUB1d:m1 PUB2d:m2 PUB3d:m3",
              "broker PUBLISH");
  expect_str (r.fx, deliveries (r.fx, r.sub, FALSE),
              "m1/q1 m2/q2 m3/q1 m1/q1 m3/q1", "delivered");
  expect_str (r.fx, sent (r.fx, r.sub, FALSE, SES_PKT_PUBACK), "ACK1 ACK3",
              "sub PUBACK");
  expect_str (r.fx, outflight_ids (r.fx, r.sub), "", "in flight at the end");
  expect_ids_ok (r.fx);
}

/* 3.1.1 [MQTT-4.4.0-1], [MQTT-4.6.0-6] applied: server resends in order. */
static void
test_v311_MQTT_4_4_0_1_broker_resends_in_order_same_ids (void **state)
{
  check_broker_resend (state, SES_MQTT_311);
}

/* 5.0 [MQTT-4.4.0-1], [MQTT-4.6.0-5] applied. */
static void
test_v5_MQTT_4_4_0_1_broker_resends_in_order_same_ids (void **state)
{
  check_broker_resend (state, SES_MQTT_5);
}

/* The client resends its unacknowledged PUBLISHes after reconnecting, in
 * their original order, with the original ids and DUP 1: all three were
 * lost in flight by a cut at 1005 ms. */
static void
check_client_resend (void **state, SesMqttVersion v)
{
  Rig r = run_with_cut (state, v, 2, "1:m1 2:m2 1:m3", CUT_PUB, 1005);
  expect_int (r.fx, fx_session_present (r.fx, r.pub, 1), 1, "session present");
  expect_str (r.fx, sent (r.fx, r.pub, FALSE, SES_PKT_PUBLISH),
              "PUB1:m1 PUB2:m2 PUB3:m3 PUB1d:m1 PUB2d:m2 PUB3d:m3",
              "pub PUBLISH");
  expect_str (r.fx, deliveries (r.fx, r.sub, FALSE), "m1/q1 m2/q2 m3/q1",
              "delivered");
  expect_int (r.fx, ses_mqtt_client_outgoing (fx_mqtt (r.fx), r.pub)->len, 0,
              "publisher's unacknowledged messages");
  expect_ids_ok (r.fx);
}

/* both [MQTT-4.6.0-1] (and [MQTT-4.4.0-1] on the client side), 3.1.1. */
static void
test_v311_MQTT_4_6_0_1_client_resends_in_order (void **state)
{
  check_client_resend (state, SES_MQTT_311);
}

/* both [MQTT-4.6.0-1] (and [MQTT-4.4.0-1] on the client side), 5.0. */
static void
test_v5_MQTT_4_6_0_1_client_resends_in_order (void **state)
{
  check_client_resend (state, SES_MQTT_5);
}

/* 5.0 [MQTT-4.4.0-1]: no retransmission except on reconnect. (1) The
 * subscriber withholds its acks for two minutes of an otherwise live
 * connection (keep-alive pings go through): the broker sends each PUBLISH
 * once. (2) The publisher's link goes half-open (the client does not
 * notice): its PUBLISH goes nowhere, and it is not sent again on that
 * connection; only after keep alive closes it and the client reconnects. */
static void
test_v5_MQTT_4_4_0_1_no_resend_within_connection (void **state)
{
  Rig r = held_rig (state, SES_MQTT_5, 2);
  pub_series (&r, 1000, "1:m1 2:m2");
  fx_run (r.fx, 130000);
  expect_str (r.fx, sent (r.fx, r.sub, TRUE, SES_PKT_PUBLISH), "PUB1:m1 PUB2:m2",
              "broker PUBLISH");
  expect_int (r.fx, count_sent (r.fx, r.sub, TRUE, SES_PKT_PINGRESP) >= 2, 1, "pings answered");
  expect_int (r.fx, resends_within_connection (r.fx, r.sub, TRUE), 0,
              "broker resends within a connection");

  Rig h = rig_new (state, SES_MQTT_5, 1);
  fx_client_config (h.fx, h.pub)->keep_alive_s = 5;
  fx_act (h.fx, 1500, h.pub, SES_ACT_HALF_OPEN_CLIENT);
  pub (&h, 2000, 1, "h");
  fx_connect (h.fx, 15000, h.pub);
  fx_run (h.fx, 20000);
  expect_str (h.fx, wire (h.fx, h.pub, FALSE), "xPUB1:h >PUB1d:h <ACK1",
              "pub wire");
  expect_int (h.fx, resends_within_connection (h.fx, h.pub, FALSE), 0,
              "client resends within a connection");
  expect_str (h.fx, deliveries (h.fx, h.sub, FALSE), "h/q1", "delivered");
  expect_ids_ok (h.fx);
}

/* 5.0 [MQTT-4.4.0-1]: resend only with Clean Start 0 *and* a session
 * present. (1) The subscriber comes back with Clean Start 1: nothing is
 * resent. (2) Its session expired (2 s) before it came back with Clean
 * Start 0: Session Present 0, nothing resent; the publisher likewise drops
 * its in-flight message (5.0 [MQTT-3.2.2-5]) instead of resending it. */
static void
test_v5_MQTT_4_4_0_1_no_resend_without_session (void **state)
{
  Rig r = held_rig (state, SES_MQTT_5, 2);
  pub (&r, 1000, 1, "m1");
  fx_act (r.fx, 2000, r.sub, SES_ACT_CUT);
  connect_clean (r.fx, 3000, r.sub);
  fx_run (r.fx, 6000);
  expect_int (r.fx, fx_session_present (r.fx, r.sub, 1), 0, "session present");
  expect_str (r.fx, sent (r.fx, r.sub, TRUE, SES_PKT_PUBLISH), "PUB1:m1",
              "broker PUBLISH");
  expect_str (r.fx, deliveries (r.fx, r.sub, FALSE), "m1/q1", "delivered");

  Fx *fx = make_fx (state);
  guint sub = fx_client (fx, "sub", "subscriber", SES_MQTT_5, FALSE, 2);
  guint pb = fx_client (fx, "pub", "publisher", SES_MQTT_5, FALSE, 2);
  fx_connect (fx, 0, sub);
  fx_subscribe (fx, 100, sub, "t", 2);
  fx_connect (fx, 200, pb);
  fx_act (fx, 500, sub, SES_ACT_HOLD_ACKS);
  fx_publish (fx, 1000, pb, "t", 1, "m1");
  fx_publish (fx, 1500, pb, "t", 1, "m2");
  fx_act (fx, 1505, pb, SES_ACT_CUT);
  fx_act (fx, 2000, sub, SES_ACT_CUT);
  fx_connect (fx, 10000, sub);
  fx_connect (fx, 10000, pb);
  fx_run (fx, 15000);
  expect_int (fx, fx_session_present (fx, sub, 1), 0, "sub session present");
  expect_int (fx, fx_session_present (fx, pb, 1), 0, "pub session present");
  expect_str (fx, sent (fx, sub, TRUE, SES_PKT_PUBLISH), "PUB1:m1",
              "broker PUBLISH");
  expect_str (fx, sent (fx, pb, FALSE, SES_PKT_PUBLISH), "PUB1:m1 PUB2:m2",
              "pub PUBLISH");
  expect_int (fx, fx_count (fx, SES_OBS_CLIENT_DISCARDED, pb), 1,
              "publisher discarded its state");
  expect_int (fx, ses_mqtt_client_outgoing (fx_mqtt (fx), pb)->len, 0,
              "publisher's unacknowledged messages");
  expect_ids_ok (fx);
}

/* 3.1.1 [MQTT-4.4.0-1]: resend only on a CleanSession=0 reconnect; with
 * CleanSession=1 both sides start afresh and nothing is resent. */
static void
test_v311_MQTT_4_4_0_1_no_resend_after_clean_session (void **state)
{
  Rig r = held_rig (state, SES_MQTT_311, 2);
  pub (&r, 1000, 1, "m1");
  pub (&r, 1500, 1, "m2");
  fx_act (r.fx, 1505, r.pub, SES_ACT_CUT);
  fx_act (r.fx, 2000, r.sub, SES_ACT_CUT);
  connect_clean (r.fx, 3000, r.sub);
  connect_clean (r.fx, 3000, r.pub);
  fx_run (r.fx, 6000);
  expect_int (r.fx, fx_session_present (r.fx, r.sub, 1), 0, "session present");
  expect_str (r.fx, sent (r.fx, r.sub, TRUE, SES_PKT_PUBLISH), "PUB1:m1",
              "broker PUBLISH");
  expect_str (r.fx, sent (r.fx, r.pub, FALSE, SES_PKT_PUBLISH),
              "PUB1:m1 PUB2:m2", "pub PUBLISH");
  expect_int (r.fx, ses_mqtt_client_outgoing (fx_mqtt (r.fx), r.pub)->len, 0,
              "publisher's unacknowledged messages");
  expect_ids_ok (r.fx);
}

/* (not in either spec, group J): QoS 0 and SUBSCRIBE are not resent. A
 * QoS 0 "z" to the subscriber and its SUBSCRIBE "u" are both in flight
 * when its link is cut; after the reconnect neither is sent again. */
static void
test_both_J_qos0_and_subscribe_not_resent (void **state)
{
  for (SesMqttVersion v = SES_MQTT_311; v <= SES_MQTT_5; v++)
    {
      Rig r = rig_new (state, v, 2);
      pub (&r, 1000, 0, "z");
      fx_subscribe (r.fx, 1012, r.sub, "u", 1);
      cut_and_reconnect (r.fx, r.sub, 1015, 2000);
      fx_run (r.fx, 5000);
      expect_str (r.fx, sent (r.fx, r.sub, TRUE, SES_PKT_PUBLISH), "PUB:z",
                  "broker PUBLISH");
      expect_int (r.fx, count_sent (r.fx, r.sub, FALSE, SES_PKT_SUBSCRIBE), 2,
                  "SUBSCRIBE sent (\"t\" once, \"u\" once)");
      expect_int (r.fx, fx_count (r.fx, SES_OBS_SUBSCRIBED, r.sub), 1,
                  "subscriptions stored");
      expect_str (r.fx, deliveries (r.fx, r.sub, FALSE), "", "delivered");
      expect_ids_ok (r.fx);
    }
}

/* ---- K: ordering -------------------------------------------------------- */

/* both [MQTT-4.6.0-2], [MQTT-4.6.0-3], [MQTT-4.6.0-4]: acks in the order of
 * the packets they answer. The subscriber withholds acks for m1..m4 (QoS
 * 1, 2, 1, 2) and then releases them: PUBACK/PUBREC in arrival order, and
 * PUBCOMP in the order of the broker's PUBRELs; the publisher sends its
 * PUBRELs in the order the PUBRECs came. */
static void
test_both_MQTT_4_6_0_2_acks_in_arrival_order (void **state)
{
  for (SesMqttVersion v = SES_MQTT_311; v <= SES_MQTT_5; v++)
    {
      Rig r = held_rig (state, v, 2);
      pub_series (&r, 1000, "1:m1 2:m2 1:m3 2:m4");
      fx_act (r.fx, 2000, r.sub, SES_ACT_RELEASE_ACKS);
      fx_run (r.fx, 4000);
      expect_str (r.fx, wire (r.fx, r.sub, FALSE),
                  "<PUB1:m1 <PUB2:m2 <PUB3:m3 <PUB4:m4 >ACK1 >REC2 >ACK3 >REC4 "
                  "<REL2 >COMP2 <REL4 >COMP4",
                  "sub wire");
      expect_str (r.fx, wire (r.fx, r.pub, FALSE),
                  ">PUB1:m1 >PUB2:m2 >PUB3:m3 >PUB4:m4 <ACK1 <REC2 >REL2 "
                  "<ACK3 <REC4 >REL4 <COMP2 <COMP4",
                  "pub wire");
      expect_ids_ok (r.fx);
    }
}

/* Server ordering per publisher and topic: publishers A (QoS 1) and B
 * (QoS 2) interleave on "t"; the subscriber is online for the first half
 * and offline (its messages queued) for the second. Each publisher's
 * messages reach it in the order that publisher sent them. In 5.0 the
 * subscriber also has Receive Maximum 1, so the broker sends one at a
 * time from its queue. */
static void
check_order_per_publisher (void **state, SesMqttVersion v)
{
  Fx *fx = make_fx (state);
  guint sub = fx_client (fx, "sub", "subscriber", v, FALSE, kept (v));
  guint pa = fx_client (fx, "A", "pub-a", v, TRUE, -1);
  guint pb = fx_client (fx, "B", "pub-b", v, TRUE, -1);
  if (v == SES_MQTT_5)
    fx_client_config (fx, sub)->receive_max = 1;
  fx_connect (fx, 0, sub);
  fx_connect (fx, 0, pa);
  fx_connect (fx, 0, pb);
  fx_subscribe (fx, 100, sub, "t", 2);
  const char *a[] = { "a1", "a2", "a3", "a4", "a5", "a6" };
  const char *b[] = { "b1", "b2", "b3", "b4", "b5", "b6" };
  for (guint i = 0; i < 6; i++)
    {
      gint64 at = (i < 3 ? 1000 : 3000) + 2 * (gint64) i;
      fx_publish (fx, at, pa, "t", 1, a[i]);
      fx_publish (fx, at + 1, pb, "t", 2, b[i]);
    }
  cut_and_reconnect (fx, sub, 2000, 4000);
  fx_run (fx, 8000);
  expect_str (fx, delivered_from (fx, sub, pa), "a1 a2 a3 a4 a5 a6",
              "publisher A at the subscriber");
  expect_str (fx, delivered_from (fx, sub, pb), "b1 b2 b3 b4 b5 b6",
              "publisher B at the subscriber");
  expect_int (fx, fx_count (fx, SES_OBS_DELIVER, sub), 12, "deliveries");
  expect_int (fx, fx_count (fx, SES_OBS_QUEUED, sub) >= 6, 1, "queued copies");
  expect_int (fx, resends_within_connection (fx, sub, TRUE), 0,
              "resends within a connection");
  expect_ids_ok (fx);
}

/* 3.1.1 [MQTT-4.6.0-6] (every topic ordered by default, [MQTT-4.6.0-5]). */
static void
test_v311_MQTT_4_6_0_6_order_per_publisher (void **state)
{
  check_order_per_publisher (state, SES_MQTT_311);
}

/* 5.0 [MQTT-4.6.0-5] ([MQTT-4.6.0-6]: ordered by default). */
static void
test_v5_MQTT_4_6_0_5_order_per_publisher (void **state)
{
  check_order_per_publisher (state, SES_MQTT_5);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown (name, setup, teardown)
    T (test_v311_MQTT_2_3_1_1_nonzero_ids_qos0_none),
    T (test_v5_MQTT_2_2_1_3_nonzero_ids_qos0_none),
    T (test_v311_MQTT_2_3_1_6_acks_carry_publish_id),
    T (test_v5_MQTT_2_2_1_5_acks_carry_publish_id),
    T (test_both_MQTT_4_3_1_1_qos0_once_dup0),
    T (test_both_MQTT_3_3_4_1_ack_per_qos),
    T (test_v311_MQTT_2_3_1_2_client_ids_unique_in_flight),
    T (test_v5_MQTT_2_2_1_3_client_ids_unique_in_flight),
    T (test_v311_MQTT_2_3_1_3_ids_freed_only_by_ack),
    T (test_v5_MQTT_2_2_1_4_ids_freed_only_by_ack),
    T (test_both_S2_3_1_two_independent_id_spaces),
    T (test_both_MQTT_3_3_1_1_dup_on_resend),
    T (test_both_MQTT_3_3_1_3_dup_not_copied_from_incoming),
    T (test_both_S3_3_1_1_repeat_arrives_with_new_id_dup0),
    T (test_v311_MQTT_4_3_2_1_qos1_sender_holds_until_puback),
    T (test_v5_MQTT_4_3_2_3_qos1_sender_holds_until_puback),
    T (test_v311_MQTT_4_3_2_2_id_new_after_puback),
    T (test_v5_MQTT_4_3_2_5_id_new_after_puback),
    T (test_v311_MQTT_4_3_3_2_id_new_after_pubcomp),
    T (test_v5_MQTT_4_3_3_12_id_new_after_pubcomp),
    T (test_v311_MQTT_4_3_3_1_sender_resumes_with_pubrel),
    T (test_v5_MQTT_4_3_3_6_sender_resumes_with_pubrel_0x92),
    T (test_v311_MQTT_4_3_3_1_broker_resumes_with_pubrel),
    T (test_v5_MQTT_4_3_3_6_broker_resumes_with_pubrel),
    T (test_v311_MQTT_4_3_3_2_unknown_pubrel_gets_pubcomp),
    T (test_v5_MQTT_4_3_3_11_unknown_pubrel_gets_pubcomp_0x92),
    T (test_v311_MQTT_4_3_3_2_qos2_no_duplicate_delivery),
    T (test_v5_MQTT_4_3_3_10_qos2_no_duplicate_delivery),
    T (test_both_MQTT_3_6_1_1_pubrel_has_no_dup),
    T (test_v311_S4_3_3_method_a_vs_method_b),
    T (test_v5_S4_3_3_method_a_vs_method_b),
    T (test_v5_MQTT_4_3_3_7_no_expiry_after_qos2_sent),
    T (test_v5_MQTT_4_3_3_13_ack_sequence_completes_after_expiry),
    T (test_v311_MQTT_3_8_4_6_delivered_qos_is_min),
    T (test_v5_MQTT_3_8_4_8_delivered_qos_is_min),
    T (test_v311_MQTT_3_3_5_1_overlap_one_copy_highest_qos),
    T (test_v5_MQTT_3_3_4_2_overlap_one_copy_highest_qos),
    T (test_both_MQTT_4_5_0_1_overlap_keeps_other_subscribers),
    T (test_v311_MQTT_4_4_0_1_broker_resends_in_order_same_ids),
    T (test_v5_MQTT_4_4_0_1_broker_resends_in_order_same_ids),
    T (test_v311_MQTT_4_6_0_1_client_resends_in_order),
    T (test_v5_MQTT_4_6_0_1_client_resends_in_order),
    T (test_v5_MQTT_4_4_0_1_no_resend_within_connection),
    T (test_v5_MQTT_4_4_0_1_no_resend_without_session),
    T (test_v311_MQTT_4_4_0_1_no_resend_after_clean_session),
    T (test_both_J_qos0_and_subscribe_not_resent),
    T (test_both_MQTT_4_6_0_2_acks_in_arrival_order),
    T (test_v311_MQTT_4_6_0_6_order_per_publisher),
    T (test_v5_MQTT_4_6_0_5_order_per_publisher),
#undef T
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
