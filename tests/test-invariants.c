/* The invariants of models/invariant.c. For each one, two kinds of test:
 *  - `*_holds`: a correct model runs a timeline that exercises what the
 *    invariant guards (cuts, resends, expiry, wills, flow control) and the
 *    checker, installed before the first step, reports nothing;
 *  - `*_fires`: the checker is fed a doctored observation stream through
 *    ses_invariants_observe() and must name the exact invariant, the client
 *    and the message.
 * Times in the fixture are milliseconds; one-way latency is 10 ms. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <glib.h>
#include <string.h>

#include "invariant.h"
#include "mqtt-fixture.h"
#include "script.h"

/* ---- harness --------------------------------------------------------- */

/* What a test made, freed by the teardown even when an assertion jumps out:
 * the checkers first (they unhook themselves from their world), then the
 * worlds outside fixtures, then the fixtures with their worlds. */
typedef struct {
  GPtrArray *fxs;  /* (element-type Fx) */
  GPtrArray *invs; /* (element-type SesInvariants) */
  GPtrArray *worlds; /* (element-type SesWorld) not in a fixture: copies,
                        worlds of scenario files; freed between the two */
} Bench;

static int
setup (void **state)
{
  Bench *b = g_new0 (Bench, 1);
  b->fxs = g_ptr_array_new_with_free_func ((GDestroyNotify) fx_free);
  b->invs = g_ptr_array_new_with_free_func (
      (GDestroyNotify) ses_invariants_free);
  b->worlds = g_ptr_array_new_with_free_func (
      (GDestroyNotify) ses_world_free);
  *state = b;
  return 0;
}

static int
teardown (void **state)
{
  Bench *b = *state;
  g_ptr_array_unref (b->invs);
  g_ptr_array_unref (b->worlds);
  g_ptr_array_unref (b->fxs);
  g_free (b);
  return 0;
}

static Fx *
make_fx (void **state)
{
  Fx *fx = fx_new ();
  g_ptr_array_add (((Bench *) *state)->fxs, fx);
  return fx;
}

/* Builds the world from the fixture's timeline, as fx_run() would, and
 * installs the checker before anything happens. */
static SesInvariants *
start (void **state, Fx *fx, guint32 disabled)
{
  g_assert (fx->world == NULL);
  for (guint i = 0; i < fx->actions->len; i++)
    ses_mqtt_config_add_action (fx->cfg,
                                &g_array_index (fx->actions, SesAction, i));
  fx->world = ses_mqtt_world_new (fx->cfg, 1);
  SesInvariants *inv = ses_invariants_new (fx->world, disabled);
  assert_non_null (inv);
  g_ptr_array_add (((Bench *) *state)->invs, inv);
  return inv;
}

static void
run_to (Fx *fx, gint64 until_ms)
{
  ses_world_run (fx->world, until_ms * SES_US_PER_MS);
}

static void
print_violations (SesInvariants *inv)
{
  const GArray *v = ses_invariants_violations (inv);
  for (guint i = 0; i < v->len; i++)
    {
      const SesViolation *x = &g_array_index (v, SesViolation, i);
      print_error ("violation %s [%s] #%" G_GUINT64_FORMAT ": %s\n",
                   ses_invariant_name (x->id), x->rule ? x->rule : "-",
                   x->obs_index, x->message);
    }
}

/* Finishes the run and fails, with the log, if anything was reported. */
static void
assert_clean (Fx *fx, SesInvariants *inv)
{
  ses_invariants_finish (inv);
  if (ses_invariants_violations (inv)->len == 0)
    return;
  fx_print_log (fx);
  print_violations (inv);
  fail_msg ("%u violation(s) in a correct run",
            ses_invariants_violations (inv)->len);
}

static guint
count_of (SesInvariants *inv, SesInvariantId id)
{
  const GArray *v = ses_invariants_violations (inv);
  guint n = 0;
  for (guint i = 0; i < v->len; i++)
    n += g_array_index (v, SesViolation, i).id == id;
  return n;
}

/* The n-th violation of `id`; fails unless its message contains every one
 * of the NULL-terminated strings and its rule contains `rule`. */
static const SesViolation *
expect_violation (SesInvariants *inv, SesInvariantId id, guint n,
                  const char *rule, ...)
{
  const GArray *v = ses_invariants_violations (inv);
  const SesViolation *hit = NULL;
  for (guint i = 0, k = 0; i < v->len && hit == NULL; i++)
    if (g_array_index (v, SesViolation, i).id == id && k++ == n)
      hit = &g_array_index (v, SesViolation, i);
  if (hit == NULL)
    {
      print_violations (inv);
      fail_msg ("no violation #%u of %s", n, ses_invariant_name (id));
    }
  va_list ap;
  va_start (ap, rule);
  for (const char *want = va_arg (ap, const char *); want != NULL;
       want = va_arg (ap, const char *))
    if (strstr (hit->message, want) == NULL)
      {
        va_end (ap);
        print_violations (inv);
        fail_msg ("%s: message lacks \"%s\"", ses_invariant_name (id), want);
      }
  va_end (ap);
  if (rule != NULL && (hit->rule == NULL || strstr (hit->rule, rule) == NULL))
    {
      print_violations (inv);
      fail_msg ("%s: rule is %s, want %s", ses_invariant_name (id),
                hit->rule ? hit->rule : "NULL", rule);
    }
  return hit;
}

/* ---- doctored observation streams ------------------------------------ */

/* A bare record, as ses_mqtt_observe() makes one. */
static SesObs
mk (gint64 ms, SesObsKind kind, guint32 client, guint32 session)
{
  SesObs o;
  memset (&o, 0, sizeof o);
  o.time_us = ms * SES_US_PER_MS;
  o.kind = (guint16) kind;
  o.client = client;
  o.session = session;
  o.pkt.origin = G_MAXUINT32;
  return o;
}

/* A PUBLISH-carrying record of message origin.seq. */
static SesObs
mk_pub (Fx *fx, gint64 ms, SesObsKind kind, guint32 client, guint32 session,
        gboolean by_broker, guint8 qos, guint16 id, guint32 origin,
        guint32 seq, const char *topic, const char *payload)
{
  SesObs o = mk (ms, kind, client, session);
  o.by_broker = by_broker;
  ses_packet_init (&o.pkt, SES_PKT_PUBLISH);
  o.pkt.qos = qos;
  o.pkt.packet_id = id;
  o.pkt.origin = origin;
  o.pkt.seq = seq;
  o.pkt.topic = fx_str (fx, topic);
  o.pkt.payload = fx_str (fx, payload);
  return o;
}

/* A non-PUBLISH packet record. */
static SesObs
mk_pkt (gint64 ms, SesObsKind kind, guint32 client, guint32 session,
        gboolean by_broker, SesPacketType type)
{
  SesObs o = mk (ms, kind, client, session);
  o.by_broker = by_broker;
  ses_packet_init (&o.pkt, type);
  o.pkt.origin = G_MAXUINT32;
  return o;
}

static void
feed (SesInvariants *inv, SesObs o)
{
  ses_invariants_observe (inv, &o);
}

/* Two 5.0 clients, "sub" (0) and "pub" (1), and a world that has not run:
 * the stream comes from the test alone. */
typedef struct {
  Fx *fx;
  SesInvariants *inv;
  guint sub, pub;
  guint32 s_sub, s_pub; /* their sessions */
} Doc;

static Doc
doc_new (void **state, guint32 disabled)
{
  Doc d;
  d.fx = make_fx (state);
  d.sub = fx_client (d.fx, "sub", "sub-id", SES_MQTT_5, FALSE, 3600);
  d.pub = fx_client (d.fx, "pub", "pub-id", SES_MQTT_5, TRUE, -1);
  d.inv = start (state, d.fx, disabled);
  d.s_sub = ses_mqtt_client_session (fx_mqtt (d.fx), d.sub);
  d.s_pub = ses_mqtt_client_session (fx_mqtt (d.fx), d.pub);
  return d;
}

/* The broker takes a CONNECT from `client` (5.0, no clean start, keep
 * alive off) and accepts it, as the wire shows it. */
static void
wire_connect (Doc *d, guint client)
{
  guint32 session = ses_mqtt_config_client_session (d->fx->cfg, client);
  SesObs c = mk_pkt (0, SES_OBS_RECEIVE, client, session, TRUE,
                     SES_PKT_CONNECT);
  c.pkt.version = SES_MQTT_5;
  c.pkt.client_id = fx_str (d->fx, "id");
  feed (d->inv, c);
  feed (d->inv, mk_pkt (0, SES_OBS_SEND, client, session, TRUE,
                        SES_PKT_CONNACK));
  feed (d->inv, mk_pkt (0, SES_OBS_RECEIVE, client, session, FALSE,
                        SES_PKT_CONNACK));
}

/* SUBSCRIBE `filter` at `qos`, granted as asked. */
static void
wire_subscribe (Doc *d, guint client, guint16 id, const char *filter,
                guint8 qos)
{
  guint32 session = ses_mqtt_config_client_session (d->fx->cfg, client);
  SesObs s = mk_pkt (0, SES_OBS_RECEIVE, client, session, TRUE,
                     SES_PKT_SUBSCRIBE);
  s.pkt.packet_id = id;
  s.pkt.topic = fx_str (d->fx, filter);
  s.pkt.qos = qos;
  feed (d->inv, s);
  SesObs ack = mk_pkt (0, SES_OBS_SEND, client, session, TRUE,
                       SES_PKT_SUBACK);
  ack.pkt.packet_id = id;
  ack.pkt.qos = qos;
  feed (d->inv, ack);
  ack.kind = SES_OBS_RECEIVE;
  ack.by_broker = FALSE;
  feed (d->inv, ack);
}

/* ---- no-loss and qos1-at-least-once ---------------------------------- */

/* A persistent subscriber cut off while three messages arrive; the broker
 * keeps two (queue limit 2) and drops the third by policy; another
 * persistent subscriber never comes back (not judged: it is away). */
static void
test_no_loss_holds (void **state)
{
  Fx *fx = make_fx (state);
  ses_mqtt_config_broker (fx->cfg)->queue_limit = 2;
  guint sub = fx_client (fx, "sub", "sub-id", SES_MQTT_5, FALSE, 3600);
  guint away = fx_client (fx, "away", "away-id", SES_MQTT_5, FALSE, 3600);
  guint pub = fx_client (fx, "pub", "pub-id", SES_MQTT_5, TRUE, -1);
  fx_connect (fx, 0, sub);
  fx_subscribe (fx, 0, sub, "t/#", 2);
  fx_connect (fx, 0, away);
  fx_subscribe (fx, 0, away, "t/#", 1);
  fx_connect (fx, 0, pub);
  fx_act (fx, 1000, sub, SES_ACT_CUT);
  fx_act (fx, 1000, away, SES_ACT_CUT);
  fx_publish (fx, 2000, pub, "t/a", 1, "a");
  fx_publish (fx, 2000, pub, "t/a", 2, "b");
  fx_publish (fx, 2000, pub, "t/a", 1, "c");
  fx_connect (fx, 5000, sub);
  SesInvariants *inv = start (state, fx, 0);
  run_to (fx, 20000);
  assert_clean (fx, inv);
  g_autofree char *got = fx_delivered (fx, sub);
  assert_string_equal (got, "a b");
  assert_int_equal (fx_count (fx, SES_OBS_POLICY_DROP, G_MAXUINT), 2);
  assert_int_equal (ses_mqtt_client_state (fx_mqtt (fx), away),
                    SES_CLIENT_OFFLINE);
}

/* A QoS 1 PUBACK lost in a cut: the broker resends on reconnect, the
 * application gets the message twice, which at-least-once allows. */
static void
test_qos1_at_least_once_holds (void **state)
{
  Fx *fx = make_fx (state);
  guint sub = fx_client (fx, "sub", "sub-id", SES_MQTT_311, FALSE, -1);
  guint pub = fx_client (fx, "pub", "pub-id", SES_MQTT_311, TRUE, -1);
  fx_connect (fx, 0, sub);
  fx_subscribe (fx, 0, sub, "t", 1);
  fx_connect (fx, 0, pub);
  fx_publish (fx, 2000, pub, "t", 1, "x");
  fx_act (fx, 2025, sub, SES_ACT_CUT); /* PUBACK on the wire */
  fx_connect (fx, 3000, sub);
  SesInvariants *inv = start (state, fx, 0);
  run_to (fx, 10000);
  assert_clean (fx, inv);
  g_autofree char *got = fx_delivered (fx, sub);
  assert_string_equal (got, "x x");
}





/* ---- qos2-once ------------------------------------------------------- */

/* PUBREC lost in a cut: the broker resends the PUBLISH with DUP=1 on
 * reconnect, the client acknowledges it again without a second delivery. */
static void
test_qos2_once_holds (void **state)
{
  Fx *fx = make_fx (state);
  guint sub = fx_client (fx, "sub", "sub-id", SES_MQTT_5, FALSE, 3600);
  guint pub = fx_client (fx, "pub", "pub-id", SES_MQTT_5, TRUE, -1);
  fx_connect (fx, 0, sub);
  fx_subscribe (fx, 0, sub, "t", 2);
  fx_connect (fx, 0, pub);
  fx_publish (fx, 2000, pub, "t", 2, "y");
  fx_act (fx, 2025, sub, SES_ACT_CUT); /* PUBREC on the wire */
  fx_connect (fx, 3000, sub);
  fx_publish (fx, 4000, pub, "t", 2, "z");
  SesInvariants *inv = start (state, fx, 0);
  run_to (fx, 10000);
  assert_clean (fx, inv);
  g_autofree char *got = fx_delivered (fx, sub);
  assert_string_equal (got, "y z");
  /* The resend happened: two PUBLISHes of "y" reached sub. */
  g_autoptr (GPtrArray) in = fx_packets (fx, SES_OBS_RECEIVE, FALSE, sub,
                                         SES_PKT_PUBLISH);
  assert_int_equal (in->len, 3);
}


/* ---- order ----------------------------------------------------------- */

/* Five QoS 1 messages, Receive Maximum 2, a cut in the middle of the burst:
 * the resends repeat older messages, first deliveries stay in order. */
static void
test_order_holds (void **state)
{
  Fx *fx = make_fx (state);
  guint sub = fx_client (fx, "sub", "sub-id", SES_MQTT_5, FALSE, 3600);
  fx_client_config (fx, sub)->receive_max = 2;
  guint pub = fx_client (fx, "pub", "pub-id", SES_MQTT_5, TRUE, -1);
  fx_connect (fx, 0, sub);
  fx_subscribe (fx, 0, sub, "t", 1);
  fx_connect (fx, 0, pub);
  const char *payloads[] = { "m1", "m2", "m3", "m4", "m5" };
  for (guint i = 0; i < G_N_ELEMENTS (payloads); i++)
    fx_publish (fx, 2000, pub, "t", 1, payloads[i]);
  fx_act (fx, 2025, sub, SES_ACT_CUT);
  fx_connect (fx, 3000, sub);
  SesInvariants *inv = start (state, fx, 0);
  run_to (fx, 10000);
  assert_clean (fx, inv);
  g_autofree char *got = fx_delivered (fx, sub);
  assert_string_equal (got, "m1 m2 m1 m2 m3 m4 m5");
}

static void
test_order_fires (void **state)
{
  Doc d = doc_new (state, 0);
  feed (d.inv, mk_pub (d.fx, 10, SES_OBS_DELIVER, d.sub, d.s_sub, FALSE, 1, 1,
                       d.pub, 2, "t", "second"));
  feed (d.inv, mk_pub (d.fx, 20, SES_OBS_DELIVER, d.sub, d.s_sub, FALSE, 1, 2,
                       d.pub, 1, "t", "first"));
  expect_violation (d.inv, SES_INV_ORDER, 0, "5.0 [MQTT-4.6.0-5]", "sub",
                    "msg=1.1 \"first\"", "after msg=1.2", NULL);
  /* A repeat, another topic, another QoS: all fine. */
  feed (d.inv, mk_pub (d.fx, 30, SES_OBS_DELIVER, d.sub, d.s_sub, FALSE, 1, 3,
                       d.pub, 2, "t", "second"));
  feed (d.inv, mk_pub (d.fx, 30, SES_OBS_DELIVER, d.sub, d.s_sub, FALSE, 1, 3,
                       d.pub, 1, "u", "u1"));
  feed (d.inv, mk_pub (d.fx, 40, SES_OBS_DELIVER, d.sub, d.s_sub, FALSE, 1, 4,
                       d.pub, 5, "u", "u5"));
  feed (d.inv, mk_pub (d.fx, 40, SES_OBS_DELIVER, d.sub, d.s_sub, FALSE, 2, 5,
                       d.pub, 4, "u", "u4"));
  assert_int_equal (ses_invariants_violations (d.inv)->len, 1);
}

/* The publisher's PUBLISH of message seq on `topic`, as the broker took it
 * (the judge routes it to the matching sessions). */
static void
wire_publish (Doc *d, gint64 ms, guint8 qos, guint16 id, guint32 seq,
              const char *topic, const char *payload)
{
  feed (d->inv, mk_pub (d->fx, ms, SES_OBS_RECEIVE, d->pub, d->s_pub, TRUE,
                        qos, id, d->pub, seq, topic, payload));
}

/* The application of `sub` is given message seq of pub. */
static void
deliver (Doc *d, gint64 ms, guint8 qos, guint32 seq, const char *topic,
         const char *payload)
{
  feed (d->inv, mk_pub (d->fx, ms, SES_OBS_DELIVER, d->sub, d->s_sub, FALSE,
                        qos, 0, d->pub, seq, topic, payload));
}

/* A first delivery the judge holds no copy of is ranked by its message
 * number, one it holds a copy of by when that copy was routed: two scales,
 * never compared with each other (here, message 5 ranks 5 and message 6,
 * the session's first routed copy, ranks 1). Within the routing scale a
 * message overtaken is still caught. */
static void
test_order_compares_like_with_like (void **state)
{
  Doc d = doc_new (state, 0);
  wire_connect (&d, d.sub);
  wire_subscribe (&d, d.sub, 1, "t", 1);
  wire_connect (&d, d.pub);
  deliver (&d, 10, 1, 5, "t", "m5");
  wire_publish (&d, 20, 1, 1, 6, "t", "m6");
  deliver (&d, 30, 1, 6, "t", "m6");
  assert_int_equal (count_of (d.inv, SES_INV_ORDER), 0);

  wire_publish (&d, 40, 1, 2, 7, "t", "m7");
  wire_publish (&d, 40, 1, 3, 8, "t", "m8");
  deliver (&d, 50, 1, 8, "t", "m8");
  deliver (&d, 50, 1, 7, "t", "m7");
  assert_int_equal (count_of (d.inv, SES_INV_ORDER), 1);
  expect_violation (d.inv, SES_INV_ORDER, 0, "5.0 [MQTT-4.6.0-5]", "sub",
                    "msg=1.7 \"m7\"", "after msg=1.8", NULL);
}

/* ---- session-present ------------------------------------------------- */

/* Created, resumed, clean start, takeover by a second client with the same
 * ClientId, and a 5.0 session that ends with each connection. */
static void
test_session_present_holds (void **state)
{
  Fx *fx = make_fx (state);
  guint a = fx_client (fx, "a", "shared", SES_MQTT_311, FALSE, -1);
  guint b = fx_client (fx, "b", "shared", SES_MQTT_311, FALSE, -1);
  guint e = fx_client (fx, "e", "eph", SES_MQTT_5, FALSE, 0);
  fx_connect (fx, 0, a);
  fx_disconnect (fx, 1000, a);
  fx_connect (fx, 2000, a);
  fx_connect (fx, 3000, b); /* takes the session over */
  fx_act (fx, 4000, b, SES_ACT_CUT);
  SesAction *clean = fx_connect (fx, 5000, a);
  clean->override_clean = TRUE;
  clean->clean = TRUE;
  fx_connect (fx, 0, e);
  fx_disconnect (fx, 1000, e);
  fx_connect (fx, 2000, e);
  SesInvariants *inv = start (state, fx, 0);
  run_to (fx, 10000);
  assert_clean (fx, inv);
  assert_int_equal (fx_session_present (fx, a, 0), 0);
  assert_int_equal (fx_session_present (fx, a, 1), 1);
  assert_int_equal (fx_session_present (fx, b, 0), 1);
  assert_int_equal (fx_session_present (fx, a, 2), 0);
  assert_int_equal (fx_session_present (fx, e, 1), 0);
}


/* ---- packet-id and dup ----------------------------------------------- */

/* Ten QoS 1/2 messages each way, with a cut that leaves ids in use on both
 * sides across the reconnect (PUBLISH and PUBREL resent, ids reused only
 * once completed). */
static void
test_packet_id_holds (void **state)
{
  Fx *fx = make_fx (state);
  guint sub = fx_client (fx, "sub", "sub-id", SES_MQTT_5, FALSE, 3600);
  guint pub = fx_client (fx, "pub", "pub-id", SES_MQTT_5, FALSE, 3600);
  fx_connect (fx, 0, sub);
  fx_subscribe (fx, 0, sub, "t", 2);
  fx_connect (fx, 0, pub);
  fx_subscribe (fx, 0, pub, "back", 2);
  for (guint i = 0; i < 10; i++)
    {
      g_autofree char *p = g_strdup_printf ("p%u", i);
      fx_publish (fx, 2000, pub, "t", 1 + i % 2, p);
      fx_publish (fx, 2000, sub, "back", 2 - i % 2, p);
    }
  fx_act (fx, 2035, sub, SES_ACT_CUT);
  fx_act (fx, 2035, pub, SES_ACT_CUT);
  fx_connect (fx, 3000, sub);
  fx_connect (fx, 3000, pub);
  SesInvariants *inv = start (state, fx, 0);
  run_to (fx, 10000);
  assert_clean (fx, inv);
  g_autofree char *got = fx_delivered (fx, sub);
  assert_true (g_str_has_suffix (got, "p7 p8 p9"));
}

static void
test_packet_id_fires (void **state)
{
  Doc d = doc_new (state, 0);
  feed (d.inv, mk_pub (d.fx, 10, SES_OBS_SEND, d.sub, d.s_sub, TRUE, 1, 5,
                       d.pub, 1, "t", "one"));
  feed (d.inv, mk_pub (d.fx, 20, SES_OBS_SEND, d.sub, d.s_sub, TRUE, 2, 5,
                       d.pub, 2, "t", "two"));
  expect_violation (d.inv, SES_INV_PACKET_ID, 0, "5.0 [MQTT-2.2.1-4]",
                    "the broker", "to sub", "msg=1.2 \"two\"", "packet id 5",
                    "msg=1.1 \"one\"", NULL);
  /* Freed by PUBCOMP, the id may carry a new message. */
  SesObs comp = mk_pkt (30, SES_OBS_RECEIVE, d.sub, d.s_sub, TRUE,
                        SES_PKT_PUBCOMP);
  comp.pkt.packet_id = 5;
  feed (d.inv, comp);
  feed (d.inv, mk_pub (d.fx, 40, SES_OBS_SEND, d.sub, d.s_sub, TRUE, 1, 5,
                       d.pub, 3, "t", "three"));
  assert_int_equal (count_of (d.inv, SES_INV_PACKET_ID), 1);
  /* QoS 0 with an id, QoS 1 without one (from the client). */
  feed (d.inv, mk_pub (d.fx, 50, SES_OBS_SEND, d.pub, d.s_pub, FALSE, 0, 9,
                       d.pub, 4, "t", "four"));
  expect_violation (d.inv, SES_INV_PACKET_ID, 1, "5.0 [MQTT-2.2.1-2]", "pub",
                    "QoS 0", "msg=1.4 \"four\"", NULL);
  feed (d.inv, mk_pub (d.fx, 60, SES_OBS_SEND, d.pub, d.s_pub, FALSE, 1, 0,
                       d.pub, 5, "t", "five"));
  expect_violation (d.inv, SES_INV_PACKET_ID, 2, "5.0 [MQTT-2.2.1-3]", "pub",
                    "packet id 0", "msg=1.5 \"five\"", NULL);
}

/* Resends both ways: a subscriber's PUBREC and a publisher's PUBLISH lost
 * in cuts, resent with DUP=1 on reconnect (3.1.1 and 5.0). */
static void
test_dup_holds (void **state)
{
  for (int v = 0; v < 2; v++)
    {
      SesMqttVersion version = v ? SES_MQTT_5 : SES_MQTT_311;
      Fx *fx = make_fx (state);
      guint sub = fx_client (fx, "sub", "sub-id", version, FALSE,
                             v ? 3600 : -1);
      guint pub = fx_client (fx, "pub", "pub-id", version, FALSE,
                             v ? 3600 : -1);
      fx_connect (fx, 0, sub);
      fx_subscribe (fx, 0, sub, "t", 2);
      fx_connect (fx, 0, pub);
      fx_publish (fx, 2000, pub, "t", 2, "y");
      fx_act (fx, 2025, sub, SES_ACT_CUT);
      fx_connect (fx, 3000, sub);
      fx_act (fx, 4000, pub, SES_ACT_HALF_OPEN_CLIENT);
      fx_publish (fx, 4100, pub, "t", 1, "q1");
      fx_publish (fx, 4100, pub, "t", 0, "q0");
      fx_act (fx, 4200, pub, SES_ACT_CUT);
      fx_connect (fx, 5000, pub);
      SesInvariants *inv = start (state, fx, 0);
      run_to (fx, 20000);
      assert_clean (fx, inv);
      g_autoptr (GPtrArray) resent = fx_packets (fx, SES_OBS_SEND, FALSE, pub,
                                                 SES_PKT_PUBLISH);
      gboolean dup_seen = FALSE;
      for (guint i = 0; i < resent->len; i++)
        dup_seen |= (((const SesObs *) g_ptr_array_index (resent, i))->pkt.flags
                     & SES_PKT_F_DUP) != 0;
      assert_true (dup_seen);
      g_autofree char *got = fx_delivered (fx, sub);
      assert_string_equal (got, "y q1");
    }
}

static void
test_dup_fires (void **state)
{
  Doc d = doc_new (state, 0);
  SesObs first = mk_pub (d.fx, 10, SES_OBS_SEND, d.pub, d.s_pub, FALSE, 1, 1,
                         d.pub, 1, "t", "a");
  first.pkt.flags |= SES_PKT_F_DUP;
  feed (d.inv, first);
  expect_violation (d.inv, SES_INV_DUP, 0, "both [MQTT-3.3.1-1]", "pub",
                    "msg=1.1 \"a\"", "DUP=1 on its first transmission", NULL);
  feed (d.inv, mk_pub (d.fx, 20, SES_OBS_SEND, d.sub, d.s_sub, TRUE, 2, 7,
                       d.pub, 2, "t", "b"));
  feed (d.inv, mk_pub (d.fx, 30, SES_OBS_SEND, d.sub, d.s_sub, TRUE, 2, 7,
                       d.pub, 2, "t", "b"));
  expect_violation (d.inv, SES_INV_DUP, 1, "both [MQTT-3.3.1-1]",
                    "the broker", "to sub", "msg=1.2 \"b\"", "DUP=0", NULL);
  SesObs q0 = mk_pub (d.fx, 40, SES_OBS_SEND, d.sub, d.s_sub, TRUE, 0, 0,
                      d.pub, 3, "t", "c");
  q0.pkt.flags |= SES_PKT_F_DUP;
  feed (d.inv, q0);
  expect_violation (d.inv, SES_INV_DUP, 2, "both [MQTT-3.3.1-2]", "sub",
                    "QoS 0", "msg=1.3 \"c\"", NULL);
  /* The same broken resend again is reported once. */
  feed (d.inv, mk_pub (d.fx, 50, SES_OBS_SEND, d.sub, d.s_sub, TRUE, 2, 7,
                       d.pub, 2, "t", "b"));
  assert_int_equal (count_of (d.inv, SES_INV_DUP), 3);
}

/* ---- session-expiry -------------------------------------------------- */

/* Expiry 2 s: back within it (resumed), then away longer (expired, a new
 * session); a DISCONNECT that shortens the expiry to 1 s. */
static void
test_session_expiry_holds (void **state)
{
  Fx *fx = make_fx (state);
  guint sub = fx_client (fx, "sub", "sub-id", SES_MQTT_5, FALSE, 2);
  fx_connect (fx, 0, sub);
  fx_act (fx, 1000, sub, SES_ACT_CUT);
  fx_connect (fx, 2500, sub);
  fx_act (fx, 3000, sub, SES_ACT_CUT);
  fx_connect (fx, 10000, sub);
  SesAction *d = fx_disconnect (fx, 11000, sub);
  d->has_expiry = TRUE;
  d->expiry_s = 1;
  fx_connect (fx, 11500, sub);
  fx_disconnect (fx, 12000, sub);
  SesInvariants *inv = start (state, fx, 0);
  run_to (fx, 20000);
  assert_clean (fx, inv);
  assert_int_equal (fx_session_present (fx, sub, 1), 1);
  assert_int_equal (fx_session_present (fx, sub, 2), 0);
  assert_int_equal (fx_session_present (fx, sub, 3), 1);
  g_autoptr (GPtrArray) ended = fx_find (fx, SES_OBS_SESSION_ENDED, sub);
  assert_int_equal (ended->len, 2);
}


/* ---- will ------------------------------------------------------------ */

/* 5.0: a delayed will cancelled by a reconnect, then published after its
 * delay; removed by DISCONNECT 0x00; one whose delay outlasts the session
 * goes out at the session's end; 3.1.1: out at once on a cut. */
static void
test_will_holds (void **state)
{
  Fx *fx = make_fx (state);
  guint mon = fx_client (fx, "mon", "mon-id", SES_MQTT_5, TRUE, -1);
  guint dev = fx_client (fx, "dev", "dev-id", SES_MQTT_5, FALSE, 60);
  fx_will (fx, dev, "w/dev", "dev-gone", 1, 5);
  guint brief = fx_client (fx, "brief", "brief-id", SES_MQTT_5, FALSE, 3);
  fx_will (fx, brief, "w/brief", "brief-gone", 2, 30);
  guint old = fx_client (fx, "old", "old-id", SES_MQTT_311, FALSE, -1);
  fx_will (fx, old, "w/old", "old-gone", 1, 0);
  fx_connect (fx, 0, mon);
  fx_subscribe (fx, 0, mon, "w/#", 2);
  fx_connect (fx, 0, dev);
  fx_connect (fx, 0, brief);
  fx_connect (fx, 0, old);
  fx_act (fx, 1000, dev, SES_ACT_CUT);
  fx_connect (fx, 3000, dev); /* within the delay: cancelled */
  fx_act (fx, 4000, dev, SES_ACT_CUT); /* published at 9 s */
  fx_connect (fx, 12000, dev);
  fx_disconnect (fx, 13000, dev); /* 0x00: removed */
  fx_act (fx, 1000, brief, SES_ACT_CUT); /* out at session end, 4 s */
  fx_act (fx, 1000, old, SES_ACT_CUT);
  SesInvariants *inv = start (state, fx, 0);
  run_to (fx, 30000);
  assert_clean (fx, inv);
  g_autofree char *got = fx_delivered (fx, mon);
  assert_string_equal (got, "old-gone brief-gone dev-gone");
}



/* ---- receive-maximum ------------------------------------------------- */

static void
test_receive_maximum_holds (void **state)
{
  Fx *fx = make_fx (state);
  ses_mqtt_config_broker (fx->cfg)->receive_max = 2;
  guint sub = fx_client (fx, "sub", "sub-id", SES_MQTT_5, FALSE, 3600);
  fx_client_config (fx, sub)->receive_max = 2;
  guint pub = fx_client (fx, "pub", "pub-id", SES_MQTT_5, TRUE, -1);
  fx_connect (fx, 0, sub);
  fx_subscribe (fx, 0, sub, "t", 2);
  fx_connect (fx, 0, pub);
  fx_act (fx, 1000, sub, SES_ACT_HOLD_ACKS);
  for (guint i = 0; i < 6; i++)
    {
      g_autofree char *p = g_strdup_printf ("r%u", i + 1);
      fx_publish (fx, 2000, pub, "t", 1 + i % 2, p);
    }
  fx_act (fx, 2500, sub, SES_ACT_CUT); /* stalled at 2 outstanding */
  fx_connect (fx, 3000, sub);          /* both resent, still held */
  fx_act (fx, 4000, sub, SES_ACT_RELEASE_ACKS);
  SesInvariants *inv = start (state, fx, 0);
  run_to (fx, 10000);
  assert_clean (fx, inv);
  g_autofree char *got = fx_delivered (fx, sub);
  assert_string_equal (got, "r1 r2 r1 r3 r4 r5 r6");
}

/* The broker's answers to the conformance stimuli are correct, so the
 * judge reports none of them: a second CONNECT on an open connection
 * (closed, with DISCONNECT 0x82 in 5.0 and without a word in 3.1.1: not a
 * takeover, not keep alive; both [MQTT-3.1.0-2]); a wrong Protocol Name
 * (closed without CONNACK, no session; both [MQTT-3.1.2-1]); a subscriber
 * refusing with a failure PUBREC (not a loss; 5.0 [MQTT-4.3.3-4]). */
static void
stimuli_answers_accepted (void **state, SesMqttVersion v)
{
  Fx *fx = make_fx (state);
  guint a = fx_client (fx, "a", "a-id", v, FALSE, v == SES_MQTT_5 ? 3600 : -1);
  guint b = fx_client (fx, "b", "b-id", v, TRUE, -1);
  guint sub = fx_client (fx, "sub", "sub-id", v, TRUE, -1);
  fx_connect (fx, 0, a);
  fx_connect (fx, 0, sub);
  fx_subscribe (fx, 0, sub, "t", 2);
  fx_act (fx, 1000, a, SES_ACT_RAW_CONNECT);
  fx_connect (fx, 3000, a);
  fx_connect (fx, 3000, b)->protocol_name = fx_str (fx, "MQTX");
  fx_connect (fx, 4000, b);
  if (v == SES_MQTT_5)
    {
      SesAction *r = fx_act (fx, 4000, sub, SES_ACT_ACK_REASON);
      r->ack_type = SES_PKT_PUBREC;
      r->reason = 0x80;
    }
  fx_publish (fx, 5000, a, "t", 2, "x");
  SesInvariants *inv = start (state, fx, 0);
  run_to (fx, 20000);
  assert_clean (fx, inv);
  /* The second CONNECT changed nothing: a resumed its session. */
  assert_int_equal (fx_session_present (fx, a, 1), 1);
  assert_int_equal (fx_count (fx, SES_OBS_DELIVER, sub),
                    v == SES_MQTT_5 ? 0 : 1);
}

static void
test_stimuli_answers_accepted_v5 (void **state)
{
  stimuli_answers_accepted (state, SES_MQTT_5);
}

static void
test_stimuli_answers_accepted_v311 (void **state)
{
  stimuli_answers_accepted (state, SES_MQTT_311);
}

/* A client that lingers after its DISCONNECT (disconnect linger=) and reads
 * the broker's answer is legal, and the judge still reads the broker's
 * side right: a DISCONNECT raising a zero Session Expiry is no normal one,
 * so the will is due and the session ends (5.0 §3.14.2.2.2); the broker's
 * DISCONNECT 0x82 and close reach the client. A valid DISCONNECT with
 * linger removes the will; a lingering client whose broker never closes
 * (the link died unnoticed) gives up after its bound; one that connects
 * again while lingering starts a clean new connection. */
static void
test_linger_accepted (void **state)
{
  Fx *fx = make_fx (state);
  guint mon = fx_client (fx, "mon", "mon-id", SES_MQTT_5, TRUE, -1);
  guint bad = fx_client (fx, "bad", "bad-id", SES_MQTT_5, TRUE, -1);
  fx_will (fx, bad, "w/bad", "bad-gone", 1, 0);
  guint good = fx_client (fx, "good", "good-id", SES_MQTT_5, FALSE, 60);
  fx_will (fx, good, "w/good", "good-gone", 1, 0);
  guint lost = fx_client (fx, "lost", "lost-id", SES_MQTT_311, FALSE, -1);
  guint gone = fx_client (fx, "gone", "gone-id", SES_MQTT_5, FALSE, 60);
  fx_connect (fx, 0, mon);
  fx_subscribe (fx, 0, mon, "w/#", 1);
  fx_connect (fx, 0, bad);
  fx_connect (fx, 0, good);
  fx_connect (fx, 0, lost);
  fx_connect (fx, 0, gone);
  SesAction *d = fx_disconnect (fx, 1000, bad);
  d->has_expiry = TRUE;
  d->expiry_s = 3600;
  d->linger_us = SES_LINGER_DEFAULT_US;
  fx_disconnect (fx, 1000, good)->linger_us = 2 * SES_US_PER_S;
  fx_act (fx, 1000, lost, SES_ACT_HALF_OPEN_CLIENT);
  fx_act (fx, 1000, gone, SES_ACT_HALF_OPEN_CLIENT);
  fx_disconnect (fx, 1500, lost)->linger_us = 3 * SES_US_PER_S;
  fx_disconnect (fx, 1500, gone)->linger_us = 2 * SES_US_PER_S;
  fx_connect (fx, 2000, good);
  fx_connect (fx, 2500, lost); /* while lingering */
  fx_publish (fx, 2500, mon, "w/x", 1, "after");
  fx_connect (fx, 4000, gone); /* after its bound (3.5 s) */
  SesInvariants *inv = start (state, fx, 0);
  run_to (fx, 10000);
  assert_clean (fx, inv);
  g_autofree char *got = fx_delivered (fx, mon);
  assert_string_equal (got, "bad-gone after");
  assert_int_equal (fx_session_present (fx, good, 1), 1);
  assert_int_equal (fx_session_present (fx, lost, 1), 1);
  assert_int_equal (fx_session_present (fx, gone, 1), 1);
  g_autoptr (GPtrArray) answers = fx_packets (fx, SES_OBS_RECEIVE, FALSE, bad,
                                              SES_PKT_DISCONNECT);
  assert_int_equal (answers->len, 1);
  assert_int_equal (((SesObs *) g_ptr_array_index (answers, 0))->pkt.reason,
                    SES_RC_PROTOCOL_ERROR);
}

/* A client that opens more QoS 2 exchanges than the broker's Receive
 * Maximum breaks 5.0 [MQTT-3.3.4-7], and the judge says so; the broker's
 * DISCONNECT 0x93 is no violation of its own. */
static void
test_receive_maximum_raw_client_fires (void **state)
{
  Fx *fx = make_fx (state);
  ses_mqtt_config_broker (fx->cfg)->receive_max = 2;
  guint pub = fx_client (fx, "pub", "pub-id", SES_MQTT_5, TRUE, -1);
  fx_connect (fx, 0, pub);
  for (guint i = 0; i < 3; i++)
    {
      SesAction *r = fx_act (fx, 1000, pub, SES_ACT_RAW_PUBLISH);
      r->topic = fx_str (fx, "t");
      r->payload = fx_str (fx, "x");
      r->qos = 2;
      r->packet_id = (guint16) (i + 1);
    }
  SesInvariants *inv = start (state, fx, 0);
  run_to (fx, 5000);
  ses_invariants_finish (inv);
  const GArray *v = ses_invariants_violations (inv);
  for (guint i = 0; i < v->len; i++)
    if (g_array_index (v, SesViolation, i).id != SES_INV_RECEIVE_MAXIMUM)
      {
        print_violations (inv);
        fail_msg ("only receive-maximum may break");
      }
  assert_int_equal (count_of (inv, SES_INV_RECEIVE_MAXIMUM), 1);
  g_autoptr (GPtrArray) d = fx_packets (fx, SES_OBS_SEND, TRUE, pub,
                                        SES_PKT_DISCONNECT);
  assert_int_equal (d->len, 1);
  assert_int_equal (((SesObs *) g_ptr_array_index (d, 0))->pkt.reason,
                    SES_RC_RECEIVE_MAX_EXCEEDED);
}

/* A PUBREL resent after a reconnect uses no send quota (5.0
 * [MQTT-3.3.4-8]), so its PUBCOMP must give none back (§4.9): with Receive
 * Maximum 2 the publisher never has three PUBLISHes outstanding. (The model
 * once counted that PUBCOMP as a returned unit; this run caught it.) */
static void
test_receive_maximum_pubrel_resend (void **state)
{
  Fx *fx = make_fx (state);
  ses_mqtt_config_broker (fx->cfg)->receive_max = 2;
  guint sub = fx_client (fx, "sub", "sub-id", SES_MQTT_5, TRUE, -1);
  guint pub = fx_client (fx, "pub", "pub-id", SES_MQTT_5, FALSE, 3600);
  fx_connect (fx, 0, sub);
  fx_subscribe (fx, 0, sub, "t", 2);
  fx_connect (fx, 0, pub);
  fx_publish (fx, 1000, pub, "t", 2, "a");
  fx_act (fx, 1035, pub, SES_ACT_CUT); /* PUBCOMP on the wire */
  fx_publish (fx, 2000, pub, "t", 1, "b");
  fx_publish (fx, 2000, pub, "t", 1, "c");
  fx_publish (fx, 2000, pub, "t", 1, "d");
  fx_connect (fx, 3000, pub);
  SesInvariants *inv = start (state, fx, 0);
  run_to (fx, 10000);
  assert_clean (fx, inv);
  g_autofree char *got = fx_delivered (fx, sub);
  assert_string_equal (got, "a b c d");
}

static void
test_receive_maximum_fires (void **state)
{
  Doc d = doc_new (state, 0);
  SesObs connect = mk_pkt (0, SES_OBS_RECEIVE, d.sub, d.s_sub, TRUE,
                           SES_PKT_CONNECT);
  connect.pkt.version = SES_MQTT_5;
  connect.pkt.receive_max = 1;
  feed (d.inv, connect);
  feed (d.inv, mk_pub (d.fx, 10, SES_OBS_SEND, d.sub, d.s_sub, TRUE, 1, 1,
                       d.pub, 1, "t", "a"));
  feed (d.inv, mk_pub (d.fx, 10, SES_OBS_SEND, d.sub, d.s_sub, TRUE, 1, 2,
                       d.pub, 2, "t", "b"));
  expect_violation (d.inv, SES_INV_RECEIVE_MAXIMUM, 0, "5.0 [MQTT-3.3.4-9]",
                    "the broker", "msg=1.2 \"b\"", "2 QoS 1/2",
                    "Receive Maximum 1 of sub", NULL);
  /* The client side, against the broker's CONNACK value. */
  SesObs cc = mk_pkt (20, SES_OBS_SEND, d.pub, d.s_pub, FALSE,
                      SES_PKT_CONNECT);
  cc.pkt.version = SES_MQTT_5;
  feed (d.inv, cc);
  SesObs ack = mk_pkt (30, SES_OBS_RECEIVE, d.pub, d.s_pub, FALSE,
                       SES_PKT_CONNACK);
  ack.pkt.receive_max = 2;
  feed (d.inv, ack);
  for (guint16 i = 1; i <= 2; i++)
    feed (d.inv, mk_pub (d.fx, 40, SES_OBS_SEND, d.pub, d.s_pub, FALSE, 2, i,
                         d.pub, 10 + i, "t", "c"));
  SesObs comp = mk_pkt (50, SES_OBS_RECEIVE, d.pub, d.s_pub, FALSE,
                        SES_PKT_PUBCOMP);
  comp.pkt.packet_id = 1;
  feed (d.inv, comp);
  feed (d.inv, mk_pub (d.fx, 60, SES_OBS_SEND, d.pub, d.s_pub, FALSE, 1, 3,
                       d.pub, 13, "t", "d"));
  assert_int_equal (count_of (d.inv, SES_INV_RECEIVE_MAXIMUM), 1);
  feed (d.inv, mk_pub (d.fx, 70, SES_OBS_SEND, d.pub, d.s_pub, FALSE, 1, 4,
                       d.pub, 14, "t", "e"));
  expect_violation (d.inv, SES_INV_RECEIVE_MAXIMUM, 1, "5.0 [MQTT-3.3.4-7]",
                    "pub sent msg=1.14 \"e\"",
                    "Receive Maximum 2 of the broker", NULL);
}

/* ---- message-expiry -------------------------------------------------- */

static SesAction *
publish_expiring (Fx *fx, gint64 at_ms, guint client, const char *payload,
                  guint32 expiry_s)
{
  SesAction *a = fx_publish (fx, at_ms, client, "t", 1, payload);
  a->has_expiry = TRUE;
  a->expiry_s = expiry_s;
  return a;
}

/* Two messages for an absent subscriber: one expires in the queue, the
 * other is forwarded with what is left of its interval. */
static void
test_message_expiry_holds (void **state)
{
  Fx *fx = make_fx (state);
  guint sub = fx_client (fx, "sub", "sub-id", SES_MQTT_5, FALSE, 3600);
  guint pub = fx_client (fx, "pub", "pub-id", SES_MQTT_5, TRUE, -1);
  fx_connect (fx, 0, sub);
  fx_subscribe (fx, 0, sub, "t", 1);
  fx_connect (fx, 0, pub);
  fx_act (fx, 1000, sub, SES_ACT_CUT);
  publish_expiring (fx, 2000, pub, "short", 2);
  publish_expiring (fx, 2000, pub, "long", 60);
  fx_connect (fx, 10000, sub);
  SesInvariants *inv = start (state, fx, 0);
  run_to (fx, 20000);
  assert_clean (fx, inv);
  g_autofree char *got = fx_delivered (fx, sub);
  assert_string_equal (got, "long");
  assert_int_equal (fx_count (fx, SES_OBS_EXPIRED, G_MAXUINT), 1);
  g_autoptr (GPtrArray) in = fx_find (fx, SES_OBS_DELIVER, sub);
  assert_int_equal (((const SesObs *) g_ptr_array_index (in, 0))->pkt.expiry_s,
                    52);
}


/* ---- doctored wire streams ------------------------------------------- */

/* Lets a test doctor a correct run's wire before a judge sees it: change
 * *o, return FALSE to drop it, or append records to `after` to add them
 * right after it. That is how a broker that lies on the wire looks to the
 * judge, which never sees the model's own account. */
typedef gboolean (*Edit) (Fx *fx, SesObs *o, GArray *after, gpointer data);

/* Runs the fixture's timeline to until_ms with no judge attached, then
 * judges its log, doctored by `edit`, with a judge of the configuration
 * alone. */
static SesInvariants *
judge_doctored (void **state, Fx *fx, gint64 until_ms, guint32 disabled,
                Edit edit, gpointer data)
{
  g_assert (fx->world == NULL);
  for (guint i = 0; i < fx->actions->len; i++)
    ses_mqtt_config_add_action (fx->cfg,
                                &g_array_index (fx->actions, SesAction, i));
  fx->world = ses_mqtt_world_new (fx->cfg, 1);
  run_to (fx, until_ms);
  SesInvariants *inv = ses_invariants_new_for_config (fx->cfg, disabled);
  g_ptr_array_add (((Bench *) *state)->invs, inv);
  const GArray *log = ses_mqtt_log (fx_mqtt (fx));
  g_autoptr (GArray) after = g_array_new (FALSE, FALSE, sizeof (SesObs));
  for (guint i = 0; i < log->len; i++)
    {
      SesObs o = g_array_index (log, SesObs, i);
      g_array_set_size (after, 0);
      if (edit == NULL || edit (fx, &o, after, data))
        ses_invariants_observe (inv, &o);
      for (guint k = 0; k < after->len; k++)
        ses_invariants_observe (inv, &g_array_index (after, SesObs, k));
    }
  ses_invariants_finish_at (inv, until_ms * SES_US_PER_MS);
  return inv;
}

static gboolean
is_packet (const SesObs *o)
{
  return o->kind == SES_OBS_SEND || o->kind == SES_OBS_RECEIVE
         || o->kind == SES_OBS_LOST || o->kind == SES_OBS_DELIVER;
}

/* Everything client `*data` sends, receives or is delivered from `from_ms`
 * on vanishes: a broker that never sent it anything more. */
typedef struct {
  guint client;
  gint64 from_ms;
} Silence;

static gboolean
silence (Fx *fx, SesObs *o, GArray *after, gpointer data)
{
  const Silence *s = data;
  return !(is_packet (o) && o->client == s->client
           && o->time_us >= s->from_ms * SES_US_PER_MS);
}

/* A QoS 2 message the broker accepted for a connected, subscribed session
 * and never sent it: no-loss names it at quiescence; qos1-at-least-once
 * stays quiet (QoS 2). */
static void
test_no_loss_fires (void **state)
{
  Fx *fx = make_fx (state);
  guint sub = fx_client (fx, "sub", "sub-id", SES_MQTT_5, FALSE, 3600);
  guint pub = fx_client (fx, "pub", "pub-id", SES_MQTT_5, TRUE, -1);
  fx_connect (fx, 0, sub);
  fx_subscribe (fx, 0, sub, "t/#", 2);
  fx_connect (fx, 0, pub);
  fx_publish (fx, 1000, pub, "t/x", 2, "lost");
  Silence s = { sub, 1000 };
  SesInvariants *inv = judge_doctored (state, fx, 5000, 0, silence, &s);
  expect_violation (inv, SES_INV_NO_LOSS, 0, "5.0 [MQTT-4.4.0-1]", "sub",
                    "msg=1.1 \"lost\"", "never received", NULL);
  assert_int_equal (count_of (inv, SES_INV_QOS1_AT_LEAST_ONCE), 0);
  assert_int_equal (ses_invariants_violations (inv)->len, 1);
}

/* The same with QoS 1 reports under both names; switched off, no-loss is
 * silent and qos1-at-least-once still speaks. */
static void
test_qos1_at_least_once_fires (void **state)
{
  for (int off = 0; off < 2; off++)
    {
      Fx *fx = make_fx (state);
      guint sub = fx_client (fx, "sub", "sub-id", SES_MQTT_311, FALSE, -1);
      guint pub = fx_client (fx, "pub", "pub-id", SES_MQTT_311, TRUE, -1);
      fx_connect (fx, 0, sub);
      fx_subscribe (fx, 0, sub, "t", 1);
      fx_connect (fx, 0, pub);
      fx_publish (fx, 1000, pub, "t", 1, "gone");
      Silence s = { sub, 1000 };
      SesInvariants *inv = judge_doctored (
          state, fx, 5000, off ? 1u << SES_INV_NO_LOSS : 0, silence, &s);
      expect_violation (inv, SES_INV_QOS1_AT_LEAST_ONCE, 0,
                        "3.1.1 [MQTT-4.1.0-1]", "sub", "msg=1.1 \"gone\"",
                        NULL);
      assert_int_equal (count_of (inv, SES_INV_NO_LOSS), off ? 0 : 1);
    }
}

/* Copies the broker's PUBLISH to client `from` into one to client `to`,
 * or raises its QoS to `qos` (0: leave it). */
typedef struct {
  guint from, to;
  guint8 qos;
} Misroute;

static gboolean
misroute (Fx *fx, SesObs *o, GArray *after, gpointer data)
{
  const Misroute *m = data;
  if (o->kind != SES_OBS_SEND || !o->by_broker || o->client != m->from
      || o->pkt.type != SES_PKT_PUBLISH)
    return TRUE;
  if (m->qos != 0)
    o->pkt.qos = m->qos;
  else
    {
      SesObs copy = *o;
      copy.client = m->to;
      copy.pkt.packet_id = 9;
      g_array_append_val (after, copy);
    }
  return TRUE;
}

/* A copy to a connected client that subscribes to nothing that matches,
 * and a copy above the granted QoS. */
static void
test_subscription_fires (void **state)
{
  for (int above = 0; above < 2; above++)
    {
      Fx *fx = make_fx (state);
      guint sub = fx_client (fx, "sub", "sub-id", SES_MQTT_5, FALSE, 3600);
      guint other = fx_client (fx, "other", "other-id", SES_MQTT_5, FALSE,
                               3600);
      guint pub = fx_client (fx, "pub", "pub-id", SES_MQTT_5, TRUE, -1);
      fx_connect (fx, 0, sub);
      fx_subscribe (fx, 0, sub, "t/+", 1);
      fx_connect (fx, 0, other);
      fx_subscribe (fx, 0, other, "u/#", 2);
      fx_connect (fx, 0, pub);
      fx_publish (fx, 1000, pub, "t/a", 2, "hello");
      Misroute m = { sub, other, above ? 2 : 0 };
      SesInvariants *inv = judge_doctored (state, fx, 5000, 0, misroute, &m);
      if (above)
        expect_violation (inv, SES_INV_SUBSCRIPTION, 0, "5.0 [MQTT-3.8.4-8]",
                          "sub", "msg=2.1 \"hello\"", "QoS 2, above the 1",
                          NULL);
      else
        expect_violation (inv, SES_INV_SUBSCRIPTION, 0, "both [MQTT-4.5.0-1]",
                          "sent other", "msg=2.1 \"hello\"", "not owed",
                          NULL);
      assert_int_equal (count_of (inv, SES_INV_SUBSCRIPTION), 1);
    }
}

/* The application of client `*data` gets every QoS 2 message twice. */
static gboolean
deliver_twice (Fx *fx, SesObs *o, GArray *after, gpointer data)
{
  if (o->kind == SES_OBS_DELIVER && o->client == *(guint *) data)
    g_array_append_val (after, *o);
  return TRUE;
}

static void
test_qos2_once_fires (void **state)
{
  Fx *fx = make_fx (state);
  guint sub = fx_client (fx, "sub", "sub-id", SES_MQTT_5, FALSE, 3600);
  guint pub = fx_client (fx, "pub", "pub-id", SES_MQTT_5, TRUE, -1);
  fx_connect (fx, 0, sub);
  fx_subscribe (fx, 0, sub, "t", 2);
  fx_connect (fx, 0, pub);
  fx_publish (fx, 1000, pub, "t", 2, "once");
  SesInvariants *inv = judge_doctored (state, fx, 5000, 0, deliver_twice,
                                       &sub);
  expect_violation (inv, SES_INV_QOS2_ONCE, 0, "5.0 [MQTT-4.3.3-10]", "sub",
                    "msg=1.1 \"once\"", "2 times", NULL);
  assert_int_equal (ses_invariants_violations (inv)->len, 1);
}

/* Changes the n-th CONNACK the broker sends client `client`: sets Session
 * Present to `sp` and the reason to `reason`. */
typedef struct {
  guint client;
  guint nth;
  guint seen;
  gboolean sp;
  guint8 reason;
} Ack;

static gboolean
doctor_connack (Fx *fx, SesObs *o, GArray *after, gpointer data)
{
  Ack *a = data;
  if (o->kind != SES_OBS_SEND || !o->by_broker || o->client != a->client
      || o->pkt.type != SES_PKT_CONNACK || a->seen++ != a->nth)
    return TRUE;
  if (a->sp)
    o->pkt.flags |= SES_PKT_F_SESSION_PRESENT;
  else
    o->pkt.flags &= (guint8) ~SES_PKT_F_SESSION_PRESENT;
  o->pkt.reason = a->reason;
  return TRUE;
}

static void
test_session_present_fires (void **state)
{
  static const struct {
    guint nth;
    gboolean sp;
    guint8 reason;
    const char *rule, *says;
  } cases[] = {
    { 0, TRUE, 0, "5.0 [MQTT-3.2.2-3]", "no session for its ClientId" },
    { 1, FALSE, 0, "5.0 [MQTT-3.2.2-3]", "a session for its ClientId" },
    { 1, TRUE, 0x80, "5.0 [MQTT-3.2.2-6]", "reason 0x80" },
    { 2, TRUE, 0, "5.0 [MQTT-3.2.2-2]", "clean flag" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      Fx *fx = make_fx (state);
      guint sub = fx_client (fx, "sub", "sub-id", SES_MQTT_5, FALSE, 3600);
      fx_connect (fx, 0, sub);
      fx_disconnect (fx, 1000, sub);
      fx_connect (fx, 2000, sub);
      fx_disconnect (fx, 3000, sub);
      SesAction *clean = fx_connect (fx, 4000, sub);
      clean->override_clean = TRUE;
      clean->clean = TRUE;
      Ack a = { sub, cases[i].nth, 0, cases[i].sp, cases[i].reason };
      SesInvariants *inv = judge_doctored (state, fx, 5000, 0,
                                           doctor_connack, &a);
      expect_violation (inv, SES_INV_SESSION_PRESENT, 0, cases[i].rule,
                        "CONNACK to sub", cases[i].says, NULL);
    }
}

/* Resumed after its expiry: the broker answers Session Present 1 to a
 * session that expired 1 s after the broker saw its DISCONNECT. */
static void
test_session_expiry_fires (void **state)
{
  Fx *fx = make_fx (state);
  guint sub = fx_client (fx, "sub", "sub-id", SES_MQTT_5, FALSE, 1);
  fx_connect (fx, 0, sub);
  fx_disconnect (fx, 1000, sub);
  fx_connect (fx, 5000, sub);
  Ack a = { sub, 1, 0, TRUE, 0 };
  SesInvariants *inv = judge_doctored (state, fx, 6000, 0, doctor_connack,
                                       &a);
  expect_violation (inv, SES_INV_SESSION_EXPIRY, 0, "5.0 [MQTT-4.1.0-2]",
                    "session of sub", "expired at 2.010000s", NULL);
  assert_int_equal (count_of (inv, SES_INV_SESSION_PRESENT), 0);
}

/* Sends client `to` the will of `will_of` when the broker's end of
 * `will_of` closes, as a broker that ignores the rules would. */
typedef struct {
  Fx *fx;
  guint will_of, to;
  gboolean drop;   /* instead: drop the will copies sent to `to` */
} Will;

static gboolean
doctor_will (Fx *fx, SesObs *o, GArray *after, gpointer data)
{
  const Will *w = data;
  if (w->drop)
    return !(is_packet (o) && o->client == w->to && o->pkt.seq == 0
             && o->pkt.type == SES_PKT_PUBLISH);
  gboolean closes = o->client == w->will_of && o->by_broker
                    && ((o->kind == SES_OBS_RECEIVE
                         && o->pkt.type == SES_PKT_DISCONNECT)
                        || o->kind == SES_OBS_CONNECTION_LOST);
  if (!closes)
    return TRUE;
  const SesWill *spec = ses_mqtt_config_will (
      fx->cfg, fx_client_config (fx, w->will_of)->will);
  SesObs pub = *o;
  pub.kind = SES_OBS_SEND;
  pub.client = w->to;
  pub.by_broker = TRUE;
  ses_packet_init (&pub.pkt, SES_PKT_PUBLISH);
  pub.pkt.topic = spec->topic;
  pub.pkt.payload = spec->payload;
  pub.pkt.origin = w->will_of;
  pub.pkt.flags = SES_PKT_F_WILL;
  g_array_append_val (after, pub);
  return TRUE;
}

/* A will sent after a normal DISCONNECT, and one sent before its delay. */
static void
test_will_fires (void **state)
{
  for (int cut = 0; cut < 2; cut++)
    {
      Fx *fx = make_fx (state);
      guint mon = fx_client (fx, "mon", "mon-id", SES_MQTT_5, TRUE, -1);
      guint dev = fx_client (fx, "dev", "dev-id", SES_MQTT_5, FALSE, 60);
      fx_will (fx, dev, "w/dev", "dev-gone", 0, 5);
      fx_connect (fx, 0, mon);
      fx_subscribe (fx, 0, mon, "w/#", 0);
      fx_connect (fx, 0, dev);
      if (cut)
        fx_act (fx, 1000, dev, SES_ACT_CUT);
      else
        fx_disconnect (fx, 1000, dev);
      Will w = { fx, dev, mon, FALSE };
      SesInvariants *inv = judge_doctored (state, fx, 20000, 0, doctor_will,
                                           &w);
      expect_violation (inv, SES_INV_WILL, 0, "5.0 [MQTT-3.1.2-8]",
                        "sent mon a will", "\"w/dev\"", "not due", NULL);
      /* After the cut the real one, at 6 s, was due. */
      assert_int_equal (count_of (inv, SES_INV_WILL), 1);
    }
}

/* A will due, never sent to a connected subscriber. */
static void
test_will_overdue_fires (void **state)
{
  Fx *fx = make_fx (state);
  guint mon = fx_client (fx, "mon", "mon-id", SES_MQTT_5, TRUE, -1);
  guint dev = fx_client (fx, "dev", "dev-id", SES_MQTT_5, FALSE, 60);
  fx_will (fx, dev, "w/dev", "dev-gone", 0, 5);
  fx_connect (fx, 0, mon);
  fx_subscribe (fx, 0, mon, "w/#", 0);
  fx_connect (fx, 0, dev);
  fx_act (fx, 1000, dev, SES_ACT_CUT);
  Will w = { fx, dev, mon, TRUE };
  SesInvariants *inv = judge_doctored (state, fx, 20000, 0, doctor_will, &w);
  expect_violation (inv, SES_INV_WILL, 0, "5.0 [MQTT-3.1.2-8]",
                    "\"dev-gone\"", "due at 6.0", "did not send it to mon",
                    NULL);
  assert_int_equal (ses_invariants_violations (inv)->len, 1);
}

/* Forwards what the broker sends client `client` at `delay_ms` later than
 * it did, stretching its Message Expiry to `expiry_s` if not 0. */
typedef struct {
  guint client;
  guint32 expiry_s;
  gint64 from_ms;
} Stale;

static gboolean
doctor_expiry (Fx *fx, SesObs *o, GArray *after, gpointer data)
{
  const Stale *s = data;
  if (o->kind == SES_OBS_SEND && o->by_broker && o->client == s->client
      && o->pkt.type == SES_PKT_PUBLISH
      && o->time_us >= s->from_ms * SES_US_PER_MS && s->expiry_s != 0)
    o->pkt.expiry_s = s->expiry_s;
  return TRUE;
}

/* A copy sent after its Message Expiry ran out (the broker forwards one it
 * should have dropped), and one forwarded with more time than it had. */
static void
test_message_expiry_fires (void **state)
{
  for (int stretch = 0; stretch < 2; stretch++)
    {
      Fx *fx = make_fx (state);
      guint sub = fx_client (fx, "sub", "sub-id", SES_MQTT_5, FALSE, 3600);
      guint pub = fx_client (fx, "pub", "pub-id", SES_MQTT_5, TRUE, -1);
      fx_connect (fx, 0, sub);
      fx_subscribe (fx, 0, sub, "t", 1);
      fx_connect (fx, 0, pub);
      fx_act (fx, 1000, sub, SES_ACT_CUT);
      publish_expiring (fx, 2000, pub, "stale", stretch ? 60 : 5);
      fx_connect (fx, 10000, sub);
      Stale s = { sub, stretch ? 60 : 0, 10000 };
      SesInvariants *inv;
      if (stretch)
        inv = judge_doctored (state, fx, 20000, 0, doctor_expiry, &s);
      else
        {
          /* The model drops it; a broker that forwards it anyway: the
           * copy the session was owed, sent at reconnect. */
          inv = judge_doctored (state, fx, 20000, 0, NULL, NULL);
          assert_int_equal (count_of (inv, SES_INV_MESSAGE_EXPIRY), 0);
          SesObs late = { 0 };
          late.time_us = 10010 * SES_US_PER_MS;
          late.kind = SES_OBS_SEND;
          late.by_broker = TRUE;
          late.client = sub;
          ses_packet_init (&late.pkt, SES_PKT_PUBLISH);
          late.pkt.qos = 1;
          late.pkt.packet_id = 7;
          late.pkt.origin = pub;
          late.pkt.seq = 1;
          late.pkt.topic = fx_str (fx, "t");
          late.pkt.payload = fx_str (fx, "stale");
          /* A fresh judge: the same stream, the copy sent at 10.01 s. */
          inv = ses_invariants_new_for_config (fx->cfg, 0);
          g_ptr_array_add (((Bench *) *state)->invs, inv);
          const GArray *log = ses_mqtt_log (fx_mqtt (fx));
          gboolean sent = FALSE;
          for (guint i = 0; i < log->len; i++)
            {
              const SesObs *o = &g_array_index (log, SesObs, i);
              if (!sent && o->time_us > late.time_us)
                {
                  ses_invariants_observe (inv, &late);
                  sent = TRUE;
                }
              ses_invariants_observe (inv, o);
            }
        }
      if (stretch)
        expect_violation (inv, SES_INV_MESSAGE_EXPIRY, 0, "5.0 [MQTT-3.3.2-6]",
                          "to sub", "msg=1.1 \"stale\"", "60 s", "left",
                          NULL);
      else
        expect_violation (inv, SES_INV_MESSAGE_EXPIRY, 0, "5.0 [MQTT-3.3.2-5]",
                          "to sub", "msg=1.1 \"stale\"", "7.010000s", NULL);
    }
}

/* A half-open link the broker never noticed, then the client reconnects on
 * the same slot: the broker takes its own stale connection over, and the
 * close that follows is the old one's, not the new one's. The new
 * connection is judged: messages flow both ways, and a wrong Session
 * Present on it is caught. */
static void
test_takeover_same_slot (void **state)
{
  for (int lie = 0; lie < 2; lie++)
    {
      Fx *fx = make_fx (state);
      guint sub = fx_client (fx, "sub", "sub-id", SES_MQTT_5, FALSE, 3600);
      guint pub = fx_client (fx, "pub", "pub-id", SES_MQTT_5, TRUE, -1);
      fx_connect (fx, 0, sub);
      fx_subscribe (fx, 0, sub, "t", 1);
      fx_connect (fx, 0, pub);
      fx_subscribe (fx, 0, pub, "back", 1);
      fx_act (fx, 2000, sub, SES_ACT_HALF_OPEN_BROKER);
      fx_connect (fx, 3000, sub);
      fx_publish (fx, 4000, pub, "t", 1, "x");
      fx_publish (fx, 4000, sub, "back", 1, "y");
      Ack a = { sub, 1, 0, FALSE, 0 };
      SesInvariants *inv = judge_doctored (state, fx, 8000, 0,
                                           lie ? doctor_connack : NULL, &a);
      if (!lie)
        {
          g_autofree char *got = fx_delivered (fx, pub);
          assert_string_equal (got, "y");
          g_autofree char *sgot = fx_delivered (fx, sub);
          assert_string_equal (sgot, "x");
          if (ses_invariants_violations (inv)->len > 0)
            {
              print_violations (inv);
              fail_msg ("a takeover on the same slot was misjudged");
            }
        }
      else
        expect_violation (inv, SES_INV_SESSION_PRESENT, 0,
                          "5.0 [MQTT-3.2.2-3]", "CONNACK to sub",
                          "a session for its ClientId", NULL);
    }
}

/* 5.0 [MQTT-3.2.2-16]: the CONNACK to an empty ClientId names the
 * identifier the broker assigned; one that does not is caught. */
static gboolean
drop_assigned_id (Fx *fx, SesObs *o, GArray *after, gpointer data)
{
  if (o->pkt.type == SES_PKT_CONNACK)
    o->pkt.client_id = 0;
  return TRUE;
}

static void
test_assigned_client_id (void **state)
{
  for (int drop = 0; drop < 2; drop++)
    {
      Fx *fx = make_fx (state);
      guint anon = fx_client (fx, "anon", "", SES_MQTT_5, FALSE, 3600);
      fx_connect (fx, 0, anon);
      fx_disconnect (fx, 1000, anon);
      fx_connect (fx, 2000, anon);
      SesInvariants *inv = judge_doctored (state, fx, 3000, 0,
                                           drop ? drop_assigned_id : NULL,
                                           NULL);
      if (drop)
        expect_violation (inv, SES_INV_SESSION_PRESENT, 0,
                          "5.0 [MQTT-3.2.2-16]", "CONNACK to anon",
                          "empty ClientId", NULL);
      else
        assert_int_equal (ses_invariants_violations (inv)->len, 0);
      assert_int_equal (fx_session_present (fx, anon, 1), 0);
    }
}

/* ---- switches, bookkeeping ------------------------------------------- */

/* `invariant NAME off` sets a bit: that invariant stays silent, the others
 * do not; and the observation index counts from the model's counter. */
static void
test_disabled_and_index (void **state)
{
  Doc d = doc_new (state, 1u << SES_INV_DUP);
  SesObs o = mk_pub (d.fx, 10, SES_OBS_SEND, d.sub, d.s_sub, TRUE, 0, 3,
                     d.pub, 1, "t", "x");
  o.pkt.flags |= SES_PKT_F_DUP;
  feed (d.inv, mk (0, SES_OBS_NOTE, d.sub, d.s_sub));
  feed (d.inv, o);
  assert_int_equal (count_of (d.inv, SES_INV_DUP), 0);
  const SesViolation *v = expect_violation (d.inv, SES_INV_PACKET_ID, 0, NULL,
                                            "QoS 0", NULL);
  assert_int_equal (v->obs_index, 1);
  assert_int_equal (v->time_us, 10 * SES_US_PER_MS);
}

/* The bundled scenario, run twice: no violation, and the same report. */
static void
test_persistent_session_scenario (void **state)
{
  for (int i = 0; i < 2; i++)
    {
      Fx *fx = make_fx (state);
      guint sub = fx_client (fx, "sub", "dashboard", SES_MQTT_5, FALSE, 3600);
      guint pub = fx_client (fx, "pub", "sensor", SES_MQTT_5, TRUE, -1);
      fx_connect (fx, 0, sub);
      fx_subscribe (fx, 0, sub, "plant/+/temp", 2);
      fx_act (fx, 1000, sub, SES_ACT_CUT);
      fx_connect (fx, 2000, pub);
      fx_publish (fx, 2000, pub, "plant/a/temp", 1, "21.5");
      fx_publish (fx, 2000, pub, "plant/a/temp", 2, "21.7");
      fx_connect (fx, 30000, sub);
      SesInvariants *inv = start (state, fx, 0);
      run_to (fx, 90000);
      assert_clean (fx, inv);
    }
}

/* ---- copies and digests, for the model checker ----------------------- */

static SesWorld *
keep_world (void **state, SesWorld *world)
{
  g_ptr_array_add (((Bench *) *state)->worlds, world);
  return world;
}

static SesInvariants *
keep_inv (void **state, SesInvariants *inv)
{
  assert_non_null (inv);
  g_ptr_array_add (((Bench *) *state)->invs, inv);
  return inv;
}

/* A bundled scenario's world (*world), its checker installed before the
 * first step; *until gets the scenario's end. */
static SesInvariants *
start_scenario (void **state, const char *name, SesWorld **world,
                SesTime *until)
{
  g_autofree char *path = g_build_filename (SOURCE_ROOT, "scenarios", name,
                                            NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (SesScript) script = ses_script_load_file (path, &error);
  if (script == NULL)
    fail_msg ("%s", error->message);
  *world = keep_world (state, ses_mqtt_world_new (ses_script_config (script),
                                                  ses_script_seed (script)));
  *until = ses_script_until (script);
  return keep_inv (state, ses_invariants_new (
                              *world, ses_script_disabled_invariants (script)));
}

/* A copy of world, and a copy of inv attached to it. */
static SesInvariants *
fork_at (void **state, SesWorld *world, SesInvariants *inv,
         SesWorld **world_copy)
{
  *world_copy = keep_world (state, ses_world_copy (world));
  return keep_inv (state, ses_invariants_copy (inv, *world_copy));
}

static void
assert_same_violations (SesInvariants *a, SesInvariants *b)
{
  const GArray *x = ses_invariants_violations (a);
  const GArray *y = ses_invariants_violations (b);
  if (x->len != y->len)
    {
      print_violations (a);
      print_violations (b);
      fail_msg ("%u violation(s) against %u", x->len, y->len);
    }
  for (guint i = 0; i < x->len; i++)
    {
      const SesViolation *v = &g_array_index (x, SesViolation, i);
      const SesViolation *w = &g_array_index (y, SesViolation, i);
      assert_int_equal (v->id, w->id);
      assert_int_equal (v->time_us, w->time_us);
      assert_int_equal (v->obs_index, w->obs_index);
      assert_string_equal (v->rule ? v->rule : "-", w->rule ? w->rule : "-");
      assert_string_equal (v->message, w->message);
      assert_ptr_not_equal (v->message, w->message);
    }
}

/* qos2-no-dedup, forked after the cut and before the resend: the original
 * and the copy, each run on in its own world, find the same violation at
 * the same observation, and judge the end alike. */
static void
test_copy_runs_on_like_original (void **state)
{
  SesWorld *world, *world2;
  SesTime until;
  SesInvariants *inv = start_scenario (state, "variants/qos2-no-dedup.scn",
                                       &world, &until);
  ses_world_run (world, 2 * SES_US_PER_S);
  assert_int_equal (ses_invariants_violations (inv)->len, 0);
  SesInvariants *copy = fork_at (state, world, inv, &world2);
  assert_true (ses_invariants_digest (copy) == ses_invariants_digest (inv));

  ses_world_run (world, until);
  ses_world_run (world2, until);
  assert_int_equal (count_of (inv, SES_INV_QOS2_ONCE), 1);
  assert_same_violations (inv, copy);
  ses_invariants_finish (inv);
  ses_invariants_finish (copy);
  assert_same_violations (inv, copy);
  assert_true (ses_invariants_digest (copy) == ses_invariants_digest (inv));
}

/* Running the original on changes nothing in the copy; the copy, run on
 * afterwards, still finds the violation in its own world. */
static void
test_copy_is_independent (void **state)
{
  SesWorld *world, *world2;
  SesTime until;
  SesInvariants *inv = start_scenario (state, "variants/qos2-no-dedup.scn",
                                       &world, &until);
  ses_world_run (world, 2 * SES_US_PER_S);
  SesInvariants *copy = fork_at (state, world, inv, &world2);
  guint64 before = ses_invariants_digest (copy);

  ses_world_run (world, until);
  ses_invariants_finish (inv);
  assert_int_equal (count_of (inv, SES_INV_QOS2_ONCE), 1);
  assert_int_equal (ses_invariants_violations (copy)->len, 0);
  assert_true (ses_invariants_digest (copy) == before);
  assert_true (ses_invariants_digest (inv) != before);

  ses_world_run (world2, until);
  ses_invariants_finish (copy);
  assert_same_violations (inv, copy);
}

/* A copy keeps the violations found so far, as copies of its own, and goes
 * on reporting only new ones; freeing either leaves the other whole (the
 * teardown frees the rest). */
static void
test_copy_keeps_violations (void **state)
{
  Doc d = doc_new (state, 0);
  feed (d.inv, mk (0, SES_OBS_SESSION_CREATED, d.sub, d.s_sub));
  feed (d.inv, mk_pub (d.fx, 10, SES_OBS_ROUTED, d.sub, d.s_sub, FALSE, 2, 0,
                       d.pub, 1, "t", "once"));
  feed (d.inv, mk_pub (d.fx, 20, SES_OBS_DELIVER, d.sub, d.s_sub, FALSE, 2, 1,
                       d.pub, 1, "t", "once"));
  feed (d.inv, mk_pub (d.fx, 30, SES_OBS_DELIVER, d.sub, d.s_sub, FALSE, 2, 1,
                       d.pub, 1, "t", "once"));
  assert_int_equal (ses_invariants_violations (d.inv)->len, 1);

  SesWorld *w2 = keep_world (state, ses_world_copy (d.fx->world));
  SesInvariants *copy = keep_inv (state, ses_invariants_copy (d.inv, w2));
  assert_same_violations (d.inv, copy);
  /* The same violation again is not new, on either side. */
  feed (copy, mk_pub (d.fx, 40, SES_OBS_DELIVER, d.sub, d.s_sub, FALSE, 2, 1,
                      d.pub, 1, "t", "once"));
  expect_violation (copy, SES_INV_QOS2_ONCE, 1, NULL, "3 times", NULL);
  assert_int_equal (ses_invariants_violations (d.inv)->len, 1);

  /* A copy of a copy, the copy freed first: the grandchild stands alone. */
  SesWorld *w3 = keep_world (state, ses_world_copy (w2));
  SesInvariants *grand = keep_inv (state, ses_invariants_copy (copy, w3));
  g_ptr_array_remove_fast (((Bench *) *state)->invs, copy);
  expect_violation (d.inv, SES_INV_QOS2_ONCE, 0, NULL, "2 times", NULL);
  assert_int_equal (ses_invariants_violations (grand)->len, 2);
  expect_violation (grand, SES_INV_QOS2_ONCE, 1, "5.0 [MQTT-4.3.3-10]",
                    "3 times", NULL);
}

/* The stream of test_copy_keeps_violations up to the first delivery, with
 * `deliveries` deliveries of the QoS 2 message. */
static Doc
digest_doc (void **state, guint deliveries)
{
  Doc d = doc_new (state, 0);
  SesObs sub = mk (0, SES_OBS_SUBSCRIBED, d.sub, d.s_sub);
  sub.arg = fx_str (d.fx, "t");
  sub.pkt.qos = 2;
  feed (d.inv, mk (0, SES_OBS_SESSION_CREATED, d.sub, d.s_sub));
  feed (d.inv, sub);
  feed (d.inv, mk_pub (d.fx, 10, SES_OBS_ACCEPTED, d.pub, d.s_pub, FALSE, 2,
                       1, d.pub, 1, "t", "once"));
  feed (d.inv, mk_pub (d.fx, 10, SES_OBS_ROUTED, d.sub, d.s_sub, FALSE, 2, 0,
                       d.pub, 1, "t", "once"));
  for (guint i = 0; i < deliveries; i++)
    feed (d.inv, mk_pub (d.fx, 20, SES_OBS_DELIVER, d.sub, d.s_sub, FALSE, 2,
                         1, d.pub, 1, "t", "once"));
  return d;
}

/* Borrowing copies (the explorer's states: no reference on what copies
 * share) fingerprint, digest and judge as copies do; an owning copy made
 * from one goes on after the borrowing copy is freed. The owning copies
 * are then freed too, leaving the original judge the last holder of what
 * they all share: it must still judge. A copy that took a reference too
 * few, or gave one back that it never took, has freed that by then, and
 * the judge reading it is a use after free under ASan (the release itself
 * happens inside GLib, which ASan does not watch). */
static void
test_borrowing_copies (void **state)
{
  Doc d = digest_doc (state, 1);
  SesWorld *wb = ses_world_copy_borrowing (d.fx->world);
  SesInvariants *ib = ses_invariants_copy_borrowing (d.inv, wb);
  SesWorld *wo = keep_world (state, ses_world_copy (d.fx->world));
  SesInvariants *io = ses_invariants_copy (d.inv, wo);
  assert_true (ses_world_fingerprint (wb) == ses_world_fingerprint (wo));
  assert_true (ses_invariants_digest (ib) == ses_invariants_digest (io));

  /* A second delivery of the QoS 2 message, judged alike on both. */
  SesObs again = mk_pub (d.fx, 30, SES_OBS_DELIVER, d.sub, d.s_sub, FALSE, 2,
                         1, d.pub, 1, "t", "once");
  feed (ib, again);
  feed (io, again);
  assert_int_equal (ses_invariants_violations (ib)->len, 1);
  assert_same_violations (ib, io);

  /* Reused as a scratch is: a copy made into the borrowing one. */
  wb = ses_world_copy_into (wb, wo);
  ib = ses_invariants_copy_into (ib, io, wb);
  assert_true (ses_invariants_digest (ib) == ses_invariants_digest (io));

  SesWorld *w3 = keep_world (state, ses_world_copy (wb));
  SesInvariants *i3 = ses_invariants_copy (ib, w3);
  ses_invariants_free (ib);
  ses_world_free (wb);
  feed (i3, again);
  feed (io, again);
  assert_same_violations (i3, io);
  assert_true (ses_invariants_digest (i3) == ses_invariants_digest (io));
  assert_true (ses_world_fingerprint (w3) == ses_world_fingerprint (wo));

  /* The original, alone: the third delivery is judged as on the copies. */
  guint64 digest = ses_invariants_digest (io);
  guint violations = ses_invariants_violations (io)->len;
  ses_invariants_free (i3);
  ses_invariants_free (io);
  feed (d.inv, again);
  feed (d.inv, again);
  assert_int_equal (ses_invariants_violations (d.inv)->len, violations);
  assert_true (ses_invariants_digest (d.inv) == digest);
}

/* Equal streams give equal digests (in separate worlds, and for a copy);
 * one more delivery of a QoS 2 message gives another digest, and indeed a
 * later delivery is then judged differently. */
static void
test_digest_same_and_different (void **state)
{
  Doc a = digest_doc (state, 1);
  Doc b = digest_doc (state, 1);
  Doc c = digest_doc (state, 0);
  guint64 da = ses_invariants_digest (a.inv);
  assert_true (da == ses_invariants_digest (b.inv));
  assert_true (da != ses_invariants_digest (c.inv));
  SesWorld *w2 = keep_world (state, ses_world_copy (a.fx->world));
  SesInvariants *copy = keep_inv (state, ses_invariants_copy (a.inv, w2));
  assert_true (da == ses_invariants_digest (copy));
  assert_int_equal (ses_invariants_violations (a.inv)->len, 0);
  assert_int_equal (ses_invariants_violations (c.inv)->len, 0);

  /* What the digests told apart: the same delivery next. */
  feed (a.inv, mk_pub (a.fx, 30, SES_OBS_DELIVER, a.sub, a.s_sub, FALSE, 2, 1,
                       a.pub, 1, "t", "once"));
  feed (c.inv, mk_pub (c.fx, 30, SES_OBS_DELIVER, c.sub, c.s_sub, FALSE, 2, 1,
                       c.pub, 1, "t", "once"));
  assert_int_equal (count_of (a.inv, SES_INV_QOS2_ONCE), 1);
  assert_int_equal (count_of (c.inv, SES_INV_QOS2_ONCE), 0);
}

/* Interns `strings` (NULL-terminated) in both docs' configurations, in
 * that order, so that the same string has the same id in both: their
 * digests can then be compared. */
static void
intern_alike (Doc *a, Doc *b, const char *const *strings)
{
  for (guint i = 0; strings[i] != NULL; i++)
    assert_int_equal (fx_str (a->fx, strings[i]), fx_str (b->fx, strings[i]));
}

/* A session's routing counter is digested only as the ages of the ranks it
 * gave: two judges alike but for how many copies were routed and settled
 * before digest alike, with copies and deliveries ranked since, and judge
 * what comes next alike. (Digesting the ranks as given split such states,
 * and which of them a search stored depended on its order.) */
static void
test_digest_counts_ranks_by_age (void **state)
{
  Doc a = doc_new (state, 0);
  Doc b = doc_new (state, 0);
  static const char *const strings[] = { "id", "u", "t", "x", "y", "z",
                                         "w", NULL };
  intern_alike (&a, &b, strings);
  Doc *both[] = { &a, &b };
  for (guint i = 0; i < 2; i++)
    {
      Doc *d = both[i];
      wire_connect (d, d->sub);
      wire_connect (d, d->pub);
      /* Only b's session takes "x": a QoS 0 copy, sent (lost on the way
       * out) and so settled. Only the counter remembers it. */
      if (d == &b)
        wire_subscribe (d, d->sub, 1, "u", 0);
      wire_publish (d, 10, 0, 0, 1, "u", "x");
      if (d == &b)
        {
          feed (d->inv, mk_pub (d->fx, 10, SES_OBS_LOST, d->sub, d->s_sub,
                                TRUE, 0, 0, d->pub, 1, "u", "x"));
          SesObs unsub = mk_pkt (10, SES_OBS_RECEIVE, d->sub, d->s_sub, TRUE,
                                 SES_PKT_UNSUBSCRIBE);
          unsub.pkt.packet_id = 2;
          unsub.pkt.topic = fx_str (d->fx, "u");
          feed (d->inv, unsub);
          SesObs ack = mk_pkt (10, SES_OBS_SEND, d->sub, d->s_sub, TRUE,
                               SES_PKT_UNSUBACK);
          ack.pkt.packet_id = 2;
          feed (d->inv, ack);
          ack.kind = SES_OBS_RECEIVE;
          ack.by_broker = FALSE;
          feed (d->inv, ack);
        }
      wire_subscribe (d, d->sub, 3, "t", 1);
      wire_publish (d, 20, 1, 1, 2, "t", "y");
      wire_publish (d, 20, 1, 2, 3, "t", "z");
      deliver (d, 30, 1, 2, "t", "y");
      assert_int_equal (ses_invariants_violations (d->inv)->len, 0);
    }
  assert_true (ses_invariants_digest (a.inv) == ses_invariants_digest (b.inv));

  /* A message routed after "z" and delivered before it: both see it. */
  for (guint i = 0; i < 2; i++)
    {
      wire_publish (both[i], 40, 1, 3, 4, "t", "w");
      deliver (both[i], 50, 1, 4, "t", "w");
      deliver (both[i], 50, 1, 3, "t", "z");
    }
  assert_true (ses_invariants_digest (a.inv) == ses_invariants_digest (b.inv));
  for (guint i = 0; i < 2; i++)
    {
      assert_int_equal (ses_invariants_violations (both[i]->inv)->len, 1);
      expect_violation (both[i]->inv, SES_INV_ORDER, 0, "5.0 [MQTT-4.6.0-5]",
                        "sub", "msg=1.3 \"z\"", "after msg=1.4", NULL);
    }
}

/* What cannot change a verdict stays out of the digest: the order of
 * subscriptions, a filter nobody subscribes to any more, the observation
 * index, a violation already reported. What can goes in: a pending
 * QoS 2 id, a time relative to the clock. */
static void
test_digest_leaves_out_history (void **state)
{
  Doc a = doc_new (state, 0);
  Doc b = doc_new (state, 0);
  static const char *const strings[] = { "id", "x/#", "y", "z", "t", "q0",
                                         "q2", NULL };
  intern_alike (&a, &b, strings);
  wire_connect (&a, a.sub);
  wire_subscribe (&a, a.sub, 1, "x/#", 1);
  wire_subscribe (&a, a.sub, 2, "y", 2);
  feed (b.inv, mk (0, SES_OBS_NOTE, b.sub, b.s_sub)); /* not read */
  wire_connect (&b, b.sub);
  wire_subscribe (&b, b.sub, 3, "z", 1);
  wire_subscribe (&b, b.sub, 4, "y", 2);
  wire_subscribe (&b, b.sub, 5, "x/#", 1);
  SesObs unz = mk_pkt (0, SES_OBS_RECEIVE, b.sub, b.s_sub, TRUE,
                       SES_PKT_UNSUBSCRIBE);
  unz.pkt.packet_id = 6;
  unz.pkt.topic = fx_str (b.fx, "z");
  feed (b.inv, unz);
  /* A client's QoS 0 PUBLISH with DUP=1, lost on the way: reported, and
   * nothing else changes. */
  SesObs dup = mk_pub (b.fx, 0, SES_OBS_LOST, b.pub, b.s_pub, FALSE, 0, 0,
                       b.pub, 1, "t", "q0");
  dup.pkt.flags |= SES_PKT_F_DUP;
  feed (b.inv, dup);
  assert_int_equal (count_of (b.inv, SES_INV_DUP), 1);
  assert_true (ses_invariants_digest (a.inv) == ses_invariants_digest (b.inv));

  /* The same subscriptions at another QoS are another state. */
  wire_subscribe (&b, b.sub, 7, "y", 1);
  assert_true (ses_invariants_digest (a.inv) != ses_invariants_digest (b.inv));
  wire_subscribe (&b, b.sub, 8, "y", 2);
  assert_true (ses_invariants_digest (a.inv) == ses_invariants_digest (b.inv));

  /* A QoS 2 PUBLISH whose id is still in use is another state. */
  feed (b.inv, mk_pub (b.fx, 0, SES_OBS_LOST, b.pub, b.s_pub, FALSE, 2, 7,
                       b.pub, 2, "t", "q2"));
  assert_true (ses_invariants_digest (a.inv) != ses_invariants_digest (b.inv));
}

/* Deliveries of messages 1..n on topics of their own, in `order`, and QoS 2
 * PUBLISHes lost on the way, with the ids in `ids` (0 ends both lists). */
static void
feed_deliveries (Doc *d, const guint *order, const guint16 *ids)
{
  for (guint i = 0; order[i] != 0; i++)
    {
      g_autofree char *topic = g_strdup_printf ("t%u", order[i]);
      feed (d->inv, mk_pub (d->fx, 10, SES_OBS_DELIVER, d->sub, d->s_sub,
                            FALSE, 1, 0, d->pub, order[i], topic, "m"));
    }
  for (guint i = 0; ids[i] != 0; i++)
    feed (d->inv, mk_pub (d->fx, 10, SES_OBS_LOST, d->pub, d->s_pub, FALSE,
                          2, ids[i], d->pub, 100 + ids[i], "q", "q2"));
}

/* The same sets reached in another order are the same state. */
static void
test_digest_ignores_insertion_order (void **state)
{
  static const guint up[] = { 1, 2, 3, 4, 5, 6, 0 };
  static const guint mixed[] = { 4, 1, 6, 3, 5, 2, 0 };
  static const guint16 ids_up[] = { 3, 5, 7, 9, 0 };
  static const guint16 ids_mixed[] = { 9, 3, 7, 5, 0 };
  Doc a = doc_new (state, 0);
  Doc b = doc_new (state, 0);
  /* The same string ids on both sides. */
  for (guint i = 1; i <= 7; i++)
    {
      g_autofree char *topic = g_strdup_printf ("t%u", i);
      fx_str (a.fx, topic);
      fx_str (b.fx, topic);
    }
  feed (a.inv, mk (0, SES_OBS_SESSION_CREATED, a.sub, a.s_sub));
  feed (b.inv, mk (0, SES_OBS_SESSION_CREATED, b.sub, b.s_sub));
  feed_deliveries (&a, up, ids_up);
  feed_deliveries (&b, mixed, ids_mixed);
  assert_int_equal (ses_invariants_violations (a.inv)->len, 0);
  assert_int_equal (ses_invariants_violations (b.inv)->len, 0);
  assert_true (ses_invariants_digest (a.inv) == ses_invariants_digest (b.inv));
  static const guint one[] = { 7, 0 };
  static const guint16 none[] = { 0 };
  feed_deliveries (&b, one, none);
  assert_true (ses_invariants_digest (a.inv) != ses_invariants_digest (b.inv));
}

typedef struct {
  guint calls;
  const char *last;
} RuleCount;

static void
count_rule (const char *rule, gpointer data)
{
  RuleCount *c = data;
  c->calls++;
  c->last = rule;
}

/* A copy made of an original with full arrays, then grown past them, and
 * a copy of that copy outliving the original: each goes on alone, and
 * ends where one checker fed the whole stream ends. Copies inherit the
 * rule sink; setting another on a copy leaves the original's. */
static void
test_copy_grows_alone (void **state)
{
  static const guint first[] = { 1, 2, 3, 0 };
  static const guint16 ids_first[] = { 3, 5, 0 };
  static const guint second[] = { 4, 5, 6, 7, 8, 9, 10, 0 };
  static const guint16 ids_second[] = { 7, 9, 11, 13, 15, 0 };
  static const guint third[] = { 11, 12, 0 };
  static const guint16 ids_third[] = { 17, 0 };
  Doc a = doc_new (state, 0);
  Doc whole = doc_new (state, 0);
  RuleCount count = { 0, NULL };
  ses_invariants_set_rule_sink (a.inv, count_rule, &count);
  feed (a.inv, mk (0, SES_OBS_SESSION_CREATED, a.sub, a.s_sub));
  feed (whole.inv, mk (0, SES_OBS_SESSION_CREATED, whole.sub, whole.s_sub));
  feed_deliveries (&a, first, ids_first);
  feed_deliveries (&whole, first, ids_first);
  guint64 at_fork = ses_invariants_digest (a.inv);

  SesWorld *w2 = keep_world (state, ses_world_copy (a.fx->world));
  Doc c = a;
  c.inv = keep_inv (state, ses_invariants_copy (a.inv, w2));
  assert_true (ses_invariants_digest (c.inv) == at_fork);
  feed_deliveries (&c, second, ids_second);
  feed_deliveries (&whole, second, ids_second);
  assert_true (ses_invariants_digest (a.inv) == at_fork);
  assert_true (ses_invariants_digest (c.inv) != at_fork);

  SesObs cited = mk (20, SES_OBS_NOTE, c.sub, c.s_sub);
  cited.rule = "5.0 [MQTT-3.1.2-4]";
  feed (c.inv, cited);
  assert_int_equal (count.calls, 1);
  assert_string_equal (count.last, "5.0 [MQTT-3.1.2-4]");
  ses_invariants_set_rule_sink (c.inv, NULL, NULL);
  feed (c.inv, cited);
  feed (a.inv, cited);
  assert_int_equal (count.calls, 2);
  feed (whole.inv, cited);
  feed (whole.inv, cited);

  SesWorld *w3 = keep_world (state, ses_world_copy (w2));
  Doc g = c;
  g.inv = keep_inv (state, ses_invariants_copy (c.inv, w3));
  g_ptr_array_remove_fast (((Bench *) *state)->invs, a.inv);
  g_ptr_array_remove_fast (((Bench *) *state)->invs, c.inv);
  feed_deliveries (&g, third, ids_third);
  feed_deliveries (&whole, third, ids_third);
  assert_int_equal (ses_invariants_violations (g.inv)->len, 0);
  assert_true (ses_invariants_digest (g.inv)
               == ses_invariants_digest (whole.inv));
}

/* The bundled scenarios, each forked at its end: copy and digest give the
 * original's digest, whatever the state holds. */
static void
test_copy_digest_every_scenario (void **state)
{
  g_autofree char *dir = g_build_filename (SOURCE_ROOT, "scenarios", NULL);
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  assert_non_null (d);
  guint n = 0;
  for (const char *name; (name = g_dir_read_name (d)) != NULL;)
    {
      if (!g_str_has_suffix (name, ".scn"))
        continue;
      SesWorld *world, *half, *end;
      SesTime until;
      SesInvariants *inv = start_scenario (state, name, &world, &until);
      ses_world_run (world, until / 2);
      SesInvariants *mid = fork_at (state, world, inv, &half);
      assert_true (ses_invariants_digest (mid) == ses_invariants_digest (inv));
      ses_world_run (world, until);
      ses_world_run (half, until);
      assert_true (ses_invariants_digest (mid) == ses_invariants_digest (inv));
      SesInvariants *last = fork_at (state, world, inv, &end);
      assert_true (ses_invariants_digest (last)
                   == ses_invariants_digest (inv));
      ses_invariants_finish (inv);
      ses_invariants_finish (mid);
      ses_invariants_finish (last);
      assert_same_violations (inv, mid);
      assert_same_violations (inv, last);
      n++;
    }
  assert_true (n >= 40);
}

/* Whether two worlds and their checkers are one state: the same encoding,
 * fingerprint and digest, and the same violations so far. */
static void
assert_same_state (SesWorld *a, SesInvariants *ia, SesWorld *b,
                   SesInvariants *ib)
{
  g_autoptr (GByteArray) ea = g_byte_array_new ();
  g_autoptr (GByteArray) eb = g_byte_array_new ();
  ses_world_encode (a, ea);
  ses_world_encode (b, eb);
  assert_int_equal (ea->len, eb->len);
  assert_memory_equal (ea->data, eb->data, ea->len);
  assert_true (ses_world_fingerprint (a) == ses_world_fingerprint (b));
  assert_true (ses_invariants_digest (ia) == ses_invariants_digest (ib));
  assert_same_violations (ia, ib);
}

/* The explorer's scratch child: one world and checker copied into again
 * and again (ses_world_copy_into, ses_invariants_copy_into) from states
 * of every bundled scenario, bigger and smaller than what it held, after
 * it ran on and grew: each time it is the state a fresh copy is, and
 * taking a choice (the last listed: a fault where one is offered) and
 * running to the end from it gives what the fresh copy gives. */
static void
test_copy_into_every_scenario (void **state)
{
  g_autofree char *dir = g_build_filename (SOURCE_ROOT, "scenarios", NULL);
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  assert_non_null (d);
  g_autoptr (GArray) choices = g_array_new (FALSE, FALSE, sizeof (SesChoice));
  guint n = 0;
  for (const char *name; (name = g_dir_read_name (d)) != NULL;)
    {
      if (!g_str_has_suffix (name, ".scn"))
        continue;
      SesWorld *world;
      SesTime until;
      SesInvariants *inv = start_scenario (state, name, &world, &until);
      /* Snapshots at the start, a quarter, half, three quarters and the
       * end of the run. */
      SesWorld *snap_w[5];
      SesInvariants *snap_i[5];
      for (guint i = 0; i < 5; i++)
        {
          ses_world_run (world, until / 4 * i + (i == 4 ? until % 4 : 0));
          snap_i[i] = fork_at (state, world, inv, &snap_w[i]);
        }
      /* Small, then big (the scratch grows), small, big again, the
       * middle, the start, the end. */
      static const guint order[] = { 0, 4, 1, 3, 2, 0, 4 };
      SesWorld *scratch = NULL;
      SesInvariants *judge = NULL;
      for (guint o = 0; o < G_N_ELEMENTS (order); o++)
        {
          guint i = order[o];
          scratch = ses_world_copy_into (scratch, snap_w[i]);
          judge = ses_invariants_copy_into (judge, snap_i[i], scratch);
          assert_non_null (judge);
          SesWorld *fresh;
          SesInvariants *fresh_i = fork_at (state, snap_w[i], snap_i[i],
                                            &fresh);
          assert_same_state (scratch, judge, fresh, fresh_i);
          g_array_set_size (choices, 0);
          ses_world_list_choices (scratch, choices);
          if (choices->len > 0)
            {
              SesChoice c = g_array_index (choices, SesChoice,
                                           choices->len - 1);
              ses_world_apply (scratch, &c);
              ses_world_apply (fresh, &c);
              assert_same_state (scratch, judge, fresh, fresh_i);
            }
          ses_world_run (scratch, until);
          ses_world_run (fresh, until);
          ses_invariants_finish (judge);
          ses_invariants_finish (fresh_i);
          assert_same_state (scratch, judge, fresh, fresh_i);
          /* The snapshot itself is untouched: it still encodes as its own
           * fresh copy did before running. */
          SesWorld *again;
          SesInvariants *again_i = fork_at (state, snap_w[i], snap_i[i],
                                            &again);
          assert_same_state (snap_w[i], snap_i[i], again, again_i);
        }
      ses_invariants_free (judge);
      ses_world_free (scratch);
      n++;
    }
  assert_true (n >= 40);
}

int
main (void)
{
#define T(name) cmocka_unit_test_setup_teardown (name, setup, teardown)
  const struct CMUnitTest tests[] = {
    T (test_no_loss_holds),
    T (test_no_loss_fires),
    T (test_subscription_fires),
    T (test_takeover_same_slot),
    T (test_assigned_client_id),
    T (test_qos1_at_least_once_holds),
    T (test_qos1_at_least_once_fires),
    T (test_qos2_once_holds),
    T (test_qos2_once_fires),
    T (test_order_holds),
    T (test_order_fires),
    T (test_order_compares_like_with_like),
    T (test_session_present_holds),
    T (test_session_present_fires),
    T (test_packet_id_holds),
    T (test_packet_id_fires),
    T (test_dup_holds),
    T (test_dup_fires),
    T (test_session_expiry_holds),
    T (test_session_expiry_fires),
    T (test_will_holds),
    T (test_will_fires),
    T (test_will_overdue_fires),
    T (test_receive_maximum_holds),
    T (test_receive_maximum_fires),
    T (test_receive_maximum_pubrel_resend),
    T (test_message_expiry_holds),
    T (test_message_expiry_fires),
    T (test_disabled_and_index),
    T (test_persistent_session_scenario),
    T (test_copy_runs_on_like_original),
    T (test_copy_is_independent),
    T (test_copy_keeps_violations),
    T (test_borrowing_copies),
    T (test_digest_same_and_different),
    T (test_digest_counts_ranks_by_age),
    T (test_digest_leaves_out_history),
    T (test_digest_ignores_insertion_order),
    T (test_copy_grows_alone),
    T (test_copy_digest_every_scenario),
    T (test_copy_into_every_scenario),
    T (test_stimuli_answers_accepted_v5),
    T (test_stimuli_answers_accepted_v311),
    T (test_linger_accepted),
    T (test_receive_maximum_raw_client_fires),
  };
#undef T
  return cmocka_run_group_tests (tests, NULL, NULL);
}
