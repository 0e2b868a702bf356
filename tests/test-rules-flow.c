/* Rule groups L (offline queueing), M (Receive Maximum), N (Message Expiry)
 * and O (Keep Alive) of the rules list, one scenario per rule and version.
 * Every test asserts exact observed values: times, counts, payload orders
 * and packet fields. docs/rules/flow.md maps each rule row to its test. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <glib.h>
#include <string.h>

#include "mqtt-fixture.h"
#include "script.h"

#define MS(t) ((SesTime) (t) * SES_US_PER_MS)

/* ---- helpers ------------------------------------------------------------ */

static int
setup (void **state)
{
  *state = fx_new ();
  return 0;
}

static int
teardown (void **state)
{
  fx_free (*state);
  return 0;
}

static void
dump_log (Fx *fx)
{
  /* print_error() truncates long lines; the log goes out unabridged. */
  g_autofree char *log = fx_log (fx);
  g_printerr ("%s", log);
}

/* Compares and frees `got`; on a mismatch prints the log first. The copy
 * on the stack keeps a failing assertion from leaking. */
static void
check_str (Fx *fx, char *got, const char *want)
{
  char buf[1024];
  g_strlcpy (buf, got != NULL ? got : "(null)", sizeof buf);
  g_free (got);
  if (strcmp (buf, want) != 0)
    dump_log (fx);
  assert_string_equal (buf, want);
}

static void
check_int (Fx *fx, gint64 got, gint64 want)
{
  if (got != want)
    dump_log (fx);
  assert_int_equal (got, want);
}

/* "t1 t2 ..." in milliseconds (with a fraction when not whole). */
static char *
times_of (const GPtrArray *obs)
{
  GString *out = g_string_new (NULL);
  for (guint i = 0; i < obs->len; i++)
    {
      const SesObs *o = g_ptr_array_index (obs, i);
      if (i > 0)
        g_string_append_c (out, ' ');
      g_string_append_printf (out, "%" G_GINT64_FORMAT, o->time_us / 1000);
      if (o->time_us % 1000 != 0)
        g_string_append_printf (out, ".%03d", (int) (o->time_us % 1000));
    }
  return g_string_free (out, FALSE);
}

/* Times of the packets of this type the broker (or the client) sent on the
 * client's connections; those sent into a dead link are SES_OBS_LOST and
 * not counted here. */
static char *
sent_times (Fx *fx, gboolean by_broker, guint client, SesPacketType type)
{
  g_autoptr (GPtrArray) p = fx_packets (fx, SES_OBS_SEND, by_broker, client,
                                        type);
  return times_of (p);
}

static char *
received_times (Fx *fx, gboolean by_broker, guint client, SesPacketType type)
{
  g_autoptr (GPtrArray) p = fx_packets (fx, SES_OBS_RECEIVE, by_broker,
                                        client, type);
  return times_of (p);
}

static char *
obs_times (Fx *fx, SesObsKind kind, guint client)
{
  g_autoptr (GPtrArray) o = fx_find (fx, kind, client);
  return times_of (o);
}

static guint
n_sent (Fx *fx, gboolean by_broker, guint client, SesPacketType type)
{
  g_autoptr (GPtrArray) p = fx_packets (fx, SES_OBS_SEND, by_broker, client,
                                        type);
  return p->len;
}

static guint
n_lost (Fx *fx, gboolean by_broker, guint client, SesPacketType type)
{
  g_autoptr (GPtrArray) p = fx_packets (fx, SES_OBS_LOST, by_broker, client,
                                        type);
  return p->len;
}

/* Payloads of a list of observations, "a b c". */
static char *
payloads_of (Fx *fx, const GPtrArray *obs)
{
  SesIntern *strings = ses_mqtt_config_strings (fx->cfg);
  GString *out = g_string_new (NULL);
  for (guint i = 0; i < obs->len; i++)
    {
      const SesObs *o = g_ptr_array_index (obs, i);
      if (i > 0)
        g_string_append_c (out, ' ');
      g_string_append (out, ses_intern_get (strings, o->pkt.payload));
    }
  return g_string_free (out, FALSE);
}

static char *
obs_payloads (Fx *fx, SesObsKind kind, guint client)
{
  g_autoptr (GPtrArray) o = fx_find (fx, kind, client);
  return payloads_of (fx, o);
}

/* Observations of this kind and cause for the client. */
static guint
n_obs_cause (Fx *fx, SesObsKind kind, guint client, SesCause cause)
{
  g_autoptr (GPtrArray) o = fx_find (fx, kind, client);
  guint n = 0;
  for (guint i = 0; i < o->len; i++)
    if (((const SesObs *) g_ptr_array_index (o, i))->cause == cause)
      n++;
  return n;
}

/* A field of each PUBLISH the broker sent to the client, "v1 v2 ...":
 * 'i' packet id, 'q' QoS, 'd' DUP, 'e' message expiry ("-" when absent). */
static char *
publish_fields (Fx *fx, guint client, char field)
{
  g_autoptr (GPtrArray) p = fx_packets (fx, SES_OBS_SEND, TRUE, client,
                                        SES_PKT_PUBLISH);
  GString *out = g_string_new (NULL);
  for (guint i = 0; i < p->len; i++)
    {
      const SesPacket *k = &((const SesObs *) g_ptr_array_index (p, i))->pkt;
      if (i > 0)
        g_string_append_c (out, ' ');
      switch (field)
        {
        case 'i':
          g_string_append_printf (out, "%u", k->packet_id);
          break;
        case 'q':
          g_string_append_printf (out, "%u", k->qos);
          break;
        case 'd':
          g_string_append_printf (out, "%d", (k->flags & SES_PKT_F_DUP) != 0);
          break;
        default:
          if (k->flags & SES_PKT_F_HAS_EXPIRY)
            g_string_append_printf (out, "%u", k->expiry_s);
          else
            g_string_append_c (out, '-');
          break;
        }
    }
  return g_string_free (out, FALSE);
}

/* The largest number of QoS>0 PUBLISH exchanges one side had open at once
 * on a single connection of this client, counted from the wire alone: a
 * PUBLISH (or a PUBREL resuming an exchange from an earlier connection)
 * opens one; PUBACK, PUBCOMP or a PUBREC >= 0x80 coming back closes it; a
 * new CONNECT starts from zero. `broker_side` picks the sender. */
static guint
max_open (Fx *fx, guint client, gboolean broker_side)
{
  const GArray *log = ses_mqtt_log (fx_mqtt (fx));
  g_autoptr (GArray) open = g_array_new (FALSE, FALSE, sizeof (guint16));
  guint max = 0;
  for (guint i = 0; i < log->len; i++)
    {
      const SesObs *o = &g_array_index (log, SesObs, i);
      if (o->client != client)
        continue;
      const SesPacket *k = &o->pkt;
      gboolean sent = (o->kind == SES_OBS_SEND || o->kind == SES_OBS_LOST)
                      && o->by_broker == broker_side;
      gboolean back = o->kind == SES_OBS_RECEIVE && o->by_broker == broker_side;
      if (o->kind == SES_OBS_SEND && !o->by_broker
          && k->type == SES_PKT_CONNECT)
        g_array_set_size (open, 0);
      gint at = -1;
      for (guint j = 0; j < open->len; j++)
        if (g_array_index (open, guint16, j) == k->packet_id)
          at = (gint) j;
      if (sent && ((k->type == SES_PKT_PUBLISH && k->qos > 0)
                   || k->type == SES_PKT_PUBREL)
          && at < 0)
        g_array_append_val (open, k->packet_id);
      else if (back && at >= 0
               && (k->type == SES_PKT_PUBACK || k->type == SES_PKT_PUBCOMP
                   || (k->type == SES_PKT_PUBREC && k->reason >= 0x80)))
        g_array_remove_index (open, (guint) at);
      max = MAX (max, open->len);
    }
  return max;
}

/* Largest gap between two packets the client sent on one connection, from
 * its CONNECT on, up to `until_ms`. */
static SesTime
max_client_gap (Fx *fx, guint client, gint64 until_ms)
{
  const GArray *log = ses_mqtt_log (fx_mqtt (fx));
  SesTime last = SES_TIME_NONE, max = 0;
  for (guint i = 0; i < log->len; i++)
    {
      const SesObs *o = &g_array_index (log, SesObs, i);
      if (o->client != client || o->by_broker
          || (o->kind != SES_OBS_SEND && o->kind != SES_OBS_LOST))
        continue;
      if (last != SES_TIME_NONE && o->pkt.type != SES_PKT_CONNECT)
        max = MAX (max, o->time_us - last);
      last = o->time_us;
    }
  if (last != SES_TIME_NONE)
    max = MAX (max, MS (until_ms) - last);
  return max;
}

static SesBrokerConfig *
broker (Fx *fx)
{
  return ses_mqtt_config_broker (fx->cfg);
}

/* A will with a Message Expiry Interval (fx_will sets none). */
static void
will_with_expiry (Fx *fx, guint client, const char *topic,
                  const char *payload, guint8 qos, guint32 expiry_s)
{
  SesWill will = { .topic = fx_str (fx, topic),
                   .payload = fx_str (fx, payload), .qos = qos,
                   .has_expiry = TRUE, .expiry_s = expiry_s };
  fx_client_config (fx, client)->will = ses_mqtt_config_add_will (fx->cfg,
                                                                  &will);
}

static SesAction *
publish_expiring (Fx *fx, gint64 at_ms, guint client, const char *topic,
                  guint8 qos, const char *payload, guint32 expiry_s)
{
  SesAction *a = fx_publish (fx, at_ms, client, topic, qos, payload);
  a->has_expiry = TRUE;
  a->expiry_s = expiry_s;
  return a;
}

/* A subscriber whose session outlives its connection: 3.1.1 Clean Session
 * 0, or 5.0 Clean Start 0 with a one-hour Session Expiry. */
static guint
lasting_subscriber (Fx *fx, const char *label, SesMqttVersion v)
{
  return fx_client (fx, label, label, v, FALSE, v == SES_MQTT_5 ? 3600 : -1);
}

/* A clean publisher "pub" beside `sub`: both connect at 0 (sub first),
 * then sub subscribes to "t" at 0.1 s. Returns the publisher. */
static guint
add_publisher (Fx *fx, guint sub, SesMqttVersion v, guint8 qos)
{
  guint pub = fx_client (fx, "pub", "pub", v, TRUE, -1);
  fx_connect (fx, 0, sub);
  fx_connect (fx, 0, pub);
  fx_subscribe (fx, 100, sub, "t", qos);
  return pub;
}

/* One PUBLISH to "t" per word of `payloads`, in order: the first at at_ms,
 * each next one step_ms later. */
static void
publish_spaced (Fx *fx, gint64 at_ms, gint64 step_ms, guint client,
                guint8 qos, const char *payloads)
{
  g_auto (GStrv) words = g_strsplit (payloads, " ", -1);
  for (guint i = 0; words[i] != NULL; i++)
    fx_publish (fx, at_ms + (gint64) i * step_ms, client, "t", qos, words[i]);
}

/* The same, all at at_ms (queued in that order). */
static void
publish_burst (Fx *fx, gint64 at_ms, guint client, guint8 qos,
               const char *payloads)
{
  publish_spaced (fx, at_ms, 0, client, qos, payloads);
}

static const SesSession *
session_of (Fx *fx, guint client)
{
  SesMqtt *m = fx_mqtt (fx);
  return ses_mqtt_session (m, ses_mqtt_client_session (m, client));
}

/* A clean client with this Keep Alive, connected at 0. */
static guint
keep_alive_client (Fx *fx, const char *label, SesMqttVersion v,
                   guint16 keep_alive_s)
{
  guint c = fx_client (fx, label, label, v, TRUE, -1);
  fx_client_config (fx, c)->keep_alive_s = keep_alive_s;
  fx_connect (fx, 0, c);
  return c;
}

/* Server Keep Alive set on the broker, and one clean client "dev" that
 * keeps fx_client's 60 s Keep Alive, connected at 0. */
static guint
server_keep_alive_dev (Fx *fx, SesMqttVersion v, guint16 server_keep_alive_s)
{
  broker (fx)->server_keep_alive_s = server_keep_alive_s;
  guint dev = fx_client (fx, "dev", "dev", v, TRUE, -1);
  fx_connect (fx, 0, dev);
  return dev;
}

/* The Keep Alive field of the first CONNACK the client received. */
static guint16
connack_keep_alive (Fx *fx, guint client)
{
  g_autoptr (GPtrArray) ack = fx_packets (fx, SES_OBS_RECEIVE, FALSE, client,
                                          SES_PKT_CONNACK);
  return ((const SesObs *) g_ptr_array_index (ack, 0))->pkt.keep_alive_s;
}

/* ---- L: offline queueing ------------------------------------------------ */

/* The subscriber is away from 1.0 s to 5.0 s; a QoS 1, a QoS 2 and a QoS 0
 * message arrive for it at 2.01, 2.11 and 2.21 s. */
static void
offline_scenario (Fx *fx, SesMqttVersion v, gboolean queue_qos0)
{
  broker (fx)->queue_qos0_offline = queue_qos0;
  guint sub = lasting_subscriber (fx, "sub", v);
  guint pub = add_publisher (fx, sub, v, 2);
  fx_disconnect (fx, 1000, sub);
  fx_publish (fx, 2000, pub, "t", 1, "a");
  fx_publish (fx, 2100, pub, "t", 2, "b");
  fx_publish (fx, 2200, pub, "t", 0, "c");
  fx_connect (fx, 5000, sub);
  fx_run (fx, 8000);

  const char *rule = v == SES_MQTT_5 ? "5.0 [MQTT-4.5.0-1]"
                                     : "3.1.1 [MQTT-3.1.2-5]";
  g_autoptr (GPtrArray) queued = fx_find (fx, SES_OBS_QUEUED, sub);
  for (guint i = 0; i < queued->len; i++)
    {
      const SesObs *o = g_ptr_array_index (queued, i);
      check_int (fx, o->cause, SES_CAUSE_DISCONNECT);
      check_str (fx, g_strdup (o->rule), rule);
    }
  check_int (fx, fx_session_present (fx, sub, 1), 1);
  if (queue_qos0)
    {
      check_str (fx, payloads_of (fx, queued), "a b c");
      check_str (fx, times_of (queued), "2010 2110 2210");
      check_int (fx, fx_count (fx, SES_OBS_POLICY_DROP, sub), 0);
      check_str (fx, fx_delivered (fx, sub), "a b c");
      check_str (fx, publish_fields (fx, sub, 'q'), "1 2 0");
      check_str (fx, publish_fields (fx, sub, 'i'), "1 2 0");
      check_str (fx, sent_times (fx, TRUE, sub, SES_PKT_PUBLISH),
                 "5010 5010 5010");
    }
  else
    {
      check_str (fx, payloads_of (fx, queued), "a b");
      check_str (fx, times_of (queued), "2010 2110");
      /* The QoS 0 copy is dropped by policy, and says so. */
      check_int (fx, n_obs_cause (fx, SES_OBS_POLICY_DROP, sub,
                                  SES_CAUSE_QOS0_OFFLINE), 1);
      check_int (fx, fx_count (fx, SES_OBS_POLICY_DROP, sub), 1);
      check_str (fx, obs_payloads (fx, SES_OBS_POLICY_DROP, sub), "c");
      check_str (fx, obs_times (fx, SES_OBS_POLICY_DROP, sub), "2210");
      check_str (fx, fx_delivered (fx, sub), "a b");
      check_str (fx, publish_fields (fx, sub, 'q'), "1 2");
      check_str (fx, publish_fields (fx, sub, 'i'), "1 2");
      check_str (fx, sent_times (fx, TRUE, sub, SES_PKT_PUBLISH), "5010 5010");
    }
  check_str (fx, obs_times (fx, SES_OBS_DELIVER, sub),
             queue_qos0 ? "5020 5020 5020" : "5020 5020");
  /* Nothing is left in the session once the exchanges complete. */
  const SesSession *s = session_of (fx, sub);
  check_int (fx, s->queue.view.len, 0);
  check_int (fx, s->outflight.view.len, 0);
}

static void
test_v311_MQTT_3_1_2_5_offline_qos1_qos2_queued (void **state)
{
  offline_scenario (*state, SES_MQTT_311, FALSE);
}

static void
test_v311_MQTT_3_1_2_5_offline_qos0_queued_when_configured (void **state)
{
  offline_scenario (*state, SES_MQTT_311, TRUE);
}

static void
test_v5_MQTT_4_5_0_1_offline_qos1_qos2_queued (void **state)
{
  offline_scenario (*state, SES_MQTT_5, FALSE);
}

static void
test_v5_MQTT_4_5_0_1_offline_qos0_queued_when_configured (void **state)
{
  offline_scenario (*state, SES_MQTT_5, TRUE);
}

/* A session that ends with its connection has nothing to queue into. The
 * 5.0 subscriber asks for Clean Start 0 with expiry 0, or sends no expiry
 * at all (absent means 0, C1), or sets 0 in its DISCONNECT (expiry_s
 * -2); the 3.1.1 one uses Clean Session 1. */
static void
no_session_scenario (Fx *fx, SesMqttVersion v, gint64 expiry_s)
{
  guint sub = fx_client (fx, "sub", "sub", v, v == SES_MQTT_311,
                         expiry_s == -2 ? 3600 : expiry_s);
  guint pub = add_publisher (fx, sub, v, 2);
  SesAction *d = fx_disconnect (fx, 1000, sub);
  d->has_expiry = expiry_s == -2;
  d->expiry_s = 0;
  fx_publish (fx, 2000, pub, "t", 1, "a");
  fx_publish (fx, 2100, pub, "t", 2, "b");
  fx_connect (fx, 5000, sub);
  fx_run (fx, 8000);

  check_str (fx, obs_times (fx, SES_OBS_SESSION_ENDED, sub), "1010");
  check_int (fx, n_obs_cause (fx, SES_OBS_SESSION_ENDED, sub,
                              SES_CAUSE_CONNECTION_END), 1);
  check_int (fx, fx_count (fx, SES_OBS_QUEUED, sub), 0);
  check_int (fx, fx_count (fx, SES_OBS_POLICY_DROP, sub), 0);
  check_int (fx, fx_session_present (fx, sub, 1), 0);
  check_int (fx, n_sent (fx, TRUE, sub, SES_PKT_PUBLISH), 0);
  check_str (fx, fx_delivered (fx, sub), "");
  /* The publisher's messages were accepted all the same. */
  check_int (fx, fx_count (fx, SES_OBS_ACCEPTED, pub), 2);
}

static void
test_v5_S3_1_2_11_2_expiry_zero_nothing_queued (void **state)
{
  no_session_scenario (*state, SES_MQTT_5, 0);
}

static void
test_v5_S3_1_2_11_2_absent_expiry_nothing_queued (void **state)
{
  no_session_scenario (*state, SES_MQTT_5, -1);
}

static void
test_v5_S3_1_2_11_2_disconnect_expiry_zero_nothing_queued (void **state)
{
  no_session_scenario (*state, SES_MQTT_5, -2);
}

static void
test_v311_MQTT_3_1_2_6_clean_session_nothing_queued (void **state)
{
  no_session_scenario (*state, SES_MQTT_311, -1);
}

/* One message, four subscribers: online, offline with a session, online
 * with two overlapping filters, and one on another topic. */
static void
every_session_scenario (Fx *fx, SesMqttVersion v)
{
  guint on = lasting_subscriber (fx, "on", v);
  guint off = lasting_subscriber (fx, "off", v);
  guint both = lasting_subscriber (fx, "both", v);
  guint other = lasting_subscriber (fx, "other", v);
  guint pub = fx_client (fx, "pub", "pub", v, TRUE, -1);
  fx_connect (fx, 0, on);
  fx_connect (fx, 0, off);
  fx_connect (fx, 0, both);
  fx_connect (fx, 0, other);
  fx_connect (fx, 0, pub);
  fx_subscribe (fx, 100, on, "t/x", 1);
  fx_subscribe (fx, 100, off, "t/+", 1);
  fx_subscribe (fx, 100, both, "t/#", 1);
  fx_subscribe (fx, 100, both, "t/x", 2);
  fx_subscribe (fx, 100, other, "u/x", 1);
  fx_disconnect (fx, 1000, off);
  fx_publish (fx, 2000, pub, "t/x", 2, "m");
  fx_connect (fx, 5000, off);
  fx_run (fx, 8000);

  check_str (fx, fx_delivered (fx, on), "m");
  check_str (fx, obs_times (fx, SES_OBS_DELIVER, on), "2020");
  check_str (fx, publish_fields (fx, on, 'q'), "1");
  /* Overlapping filters: one copy, at the highest granted QoS. */
  check_str (fx, fx_delivered (fx, both), "m");
  check_str (fx, publish_fields (fx, both, 'q'), "2");
  check_str (fx, obs_times (fx, SES_OBS_QUEUED, off), "2010");
  check_str (fx, fx_delivered (fx, off), "m");
  check_str (fx, obs_times (fx, SES_OBS_DELIVER, off), "5020");
  check_str (fx, fx_delivered (fx, other), "");
  check_int (fx, fx_count (fx, SES_OBS_QUEUED, other), 0);
}

static void
test_v311_MQTT_4_5_0_1_every_matching_session (void **state)
{
  every_session_scenario (*state, SES_MQTT_311);
}

static void
test_v5_MQTT_4_5_0_1_every_matching_session (void **state)
{
  every_session_scenario (*state, SES_MQTT_5);
}

/* Queue limit 2 while the subscriber is away; four messages arrive. Each
 * one is either delivered or a policy drop: none is silently missing. */
static void
queue_limit_scenario (Fx *fx, SesMqttVersion v, SesDropPolicy policy)
{
  broker (fx)->queue_limit = 2;
  broker (fx)->drop_policy = policy;
  guint sub = lasting_subscriber (fx, "sub", v);
  guint pub = add_publisher (fx, sub, v, 1);
  fx_disconnect (fx, 1000, sub);
  publish_spaced (fx, 2000, 100, pub, 1, "a b c d");
  fx_connect (fx, 5000, sub);
  fx_run (fx, 8000);

  check_int (fx, fx_count (fx, SES_OBS_ACCEPTED, pub), 4);
  check_int (fx, n_obs_cause (fx, SES_OBS_POLICY_DROP, sub,
                              SES_CAUSE_QUEUE_FULL), 2);
  check_int (fx, fx_count (fx, SES_OBS_POLICY_DROP, sub), 2);
  /* Both drops happen as the third and fourth message arrive. */
  check_str (fx, obs_times (fx, SES_OBS_POLICY_DROP, sub), "2210 2310");
  if (policy == SES_DROP_NEWEST)
    {
      check_str (fx, obs_payloads (fx, SES_OBS_POLICY_DROP, sub), "c d");
      check_str (fx, fx_delivered (fx, sub), "a b");
    }
  else
    {
      check_str (fx, obs_payloads (fx, SES_OBS_POLICY_DROP, sub), "a b");
      check_str (fx, fx_delivered (fx, sub), "c d");
    }
}

static void
test_v311_MQTT_3_1_2_5_queue_limit_drops_newest (void **state)
{
  queue_limit_scenario (*state, SES_MQTT_311, SES_DROP_NEWEST);
}

static void
test_v311_MQTT_3_1_2_5_queue_limit_drops_oldest (void **state)
{
  queue_limit_scenario (*state, SES_MQTT_311, SES_DROP_OLDEST);
}

static void
test_v5_MQTT_4_5_0_1_queue_limit_drops_newest (void **state)
{
  queue_limit_scenario (*state, SES_MQTT_5, SES_DROP_NEWEST);
}

static void
test_v5_MQTT_4_5_0_1_queue_limit_drops_oldest (void **state)
{
  queue_limit_scenario (*state, SES_MQTT_5, SES_DROP_OLDEST);
}

/* A QoS 2 delivery is under way (PUBREC withheld) when the subscriber
 * unsubscribes: the exchange still completes, a later message is not
 * added. */
static void
unsubscribe_scenario (Fx *fx, SesMqttVersion v)
{
  guint sub = lasting_subscriber (fx, "sub", v);
  guint pub = add_publisher (fx, sub, v, 2);
  fx_act (fx, 500, sub, SES_ACT_HOLD_ACKS);
  fx_publish (fx, 1000, pub, "t", 2, "a");
  fx_unsubscribe (fx, 1500, sub, "t");
  fx_publish (fx, 2000, pub, "t", 2, "b");
  fx_act (fx, 3000, sub, SES_ACT_RELEASE_ACKS);
  fx_run (fx, 5000);

  check_str (fx, obs_times (fx, SES_OBS_UNSUBSCRIBED, sub), "1510");
  check_str (fx, fx_delivered (fx, sub), "a");
  check_str (fx, sent_times (fx, TRUE, sub, SES_PKT_PUBLISH), "1010");
  check_str (fx, received_times (fx, TRUE, sub, SES_PKT_PUBREC), "3010");
  check_str (fx, sent_times (fx, TRUE, sub, SES_PKT_PUBREL), "3010");
  check_str (fx, received_times (fx, TRUE, sub, SES_PKT_PUBCOMP), "3030");
  check_int (fx, fx_count (fx, SES_OBS_QUEUED, sub), 0);
  check_int (fx, fx_count (fx, SES_OBS_ACCEPTED, pub), 2);
  const SesSession *s = session_of (fx, sub);
  check_int (fx, s->outflight.view.len, 0);
  check_int (fx, s->subs.view.len, 0);
}

static void
test_v311_MQTT_3_10_4_2_unsubscribe_inflight_completes (void **state)
{
  unsubscribe_scenario (*state, SES_MQTT_311);
}

static void
test_v5_MQTT_3_10_4_2_unsubscribe_inflight_completes (void **state)
{
  unsubscribe_scenario (*state, SES_MQTT_5);
}

/* ---- M: Receive Maximum ------------------------------------------------- */

/* 5.0 subscriber "sub" with Receive Maximum `rm` (0: absent, the default),
 * lasting (see lasting_subscriber) or Clean Start 1 without expiry; it
 * connects at 0 and subscribes to "t" at 0.1 s. */
static guint
v5_subscriber (Fx *fx, guint16 rm, guint8 qos, gboolean lasting)
{
  guint sub = lasting ? lasting_subscriber (fx, "sub", SES_MQTT_5)
                      : fx_client (fx, "sub", "sub", SES_MQTT_5, TRUE, -1);
  fx_client_config (fx, sub)->receive_max = rm;
  fx_connect (fx, 0, sub);
  fx_subscribe (fx, 100, sub, "t", qos);
  return sub;
}

/* The same subscriber, withholding acknowledgements from 0.5 s. */
static guint
slow_subscriber (Fx *fx, guint16 rm, guint8 qos, gboolean lasting)
{
  guint sub = v5_subscriber (fx, rm, qos, lasting);
  fx_act (fx, 500, sub, SES_ACT_HOLD_ACKS);
  return sub;
}

/* The subscriber's connection is cut at 2 s, its acknowledgements flow
 * again from 2.5 s, and it reconnects at back_ms. */
static void
cut_release_reconnect (Fx *fx, guint sub, gint64 back_ms)
{
  fx_act (fx, 2000, sub, SES_ACT_CUT);
  fx_act (fx, 2500, sub, SES_ACT_RELEASE_ACKS);
  fx_connect (fx, back_ms, sub);
}

static guint
v5_publisher (Fx *fx)
{
  guint pub = fx_client (fx, "pub", "pub", SES_MQTT_5, TRUE, -1);
  fx_connect (fx, 0, pub);
  return pub;
}

/* A 5.0 publisher, connected at 0, that sends QoS 2 "m" to "t" at 1 s
 * with a Message Expiry of 2 s. */
static void
publish_m_expiring_in_2s (Fx *fx)
{
  guint pub = v5_publisher (fx);
  publish_expiring (fx, 1000, pub, "t", 2, "m", 2);
}

static void
test_v5_MQTT_3_3_4_9_server_respects_receive_maximum (void **state)
{
  Fx *fx = *state;
  guint sub = slow_subscriber (fx, 2, 1, FALSE);
  guint pub = v5_publisher (fx);
  publish_burst (fx, 1000, pub, 1, "a b c d e");
  fx_act (fx, 3000, sub, SES_ACT_RELEASE_ACKS);
  fx_run (fx, 2999);

  /* [MQTT-4.9.0-1], [MQTT-4.9.0-2]: two out, the rest wait in the
   * session until acknowledgements come back. */
  check_str (fx, sent_times (fx, TRUE, sub, SES_PKT_PUBLISH), "1010 1010");
  check_str (fx, obs_payloads (fx, SES_OBS_QUEUED, sub), "c d e");
  check_int (fx, n_obs_cause (fx, SES_OBS_QUEUED, sub, SES_CAUSE_NONE), 3);
  check_str (fx, fx_delivered (fx, sub), "a b");

  fx_run_more (fx, 5000);
  /* Each PUBACK frees one unit: c and d on the two held ones, e on c's. */
  check_str (fx, sent_times (fx, TRUE, sub, SES_PKT_PUBLISH),
             "1010 1010 3010 3010 3030");
  check_str (fx, publish_fields (fx, sub, 'i'), "1 2 3 4 5");
  check_str (fx, fx_delivered (fx, sub), "a b c d e");
  check_int (fx, max_open (fx, sub, TRUE), 2);
  check_int (fx, fx_count (fx, SES_OBS_POLICY_DROP, sub), 0);
}

/* QoS 2: the unit comes back on PUBCOMP, not on PUBREC. */
static void
test_v5_MQTT_4_9_0_2_qos2_quota_freed_on_pubcomp (void **state)
{
  Fx *fx = *state;
  guint sub = v5_subscriber (fx, 1, 2, FALSE);
  guint pub = v5_publisher (fx);
  publish_burst (fx, 1000, pub, 2, "a b c");
  fx_run (fx, 3000);

  check_str (fx, sent_times (fx, TRUE, sub, SES_PKT_PUBLISH),
             "1010 1050 1090");
  check_str (fx, received_times (fx, TRUE, sub, SES_PKT_PUBREC),
             "1030 1070 1110");
  check_str (fx, received_times (fx, TRUE, sub, SES_PKT_PUBCOMP),
             "1050 1090 1130");
  check_str (fx, fx_delivered (fx, sub), "a b c");
  check_int (fx, max_open (fx, sub, TRUE), 1);
}

static void
test_v5_S3_3_4_qos0_not_limited (void **state)
{
  Fx *fx = *state;
  guint sub = slow_subscriber (fx, 1, 1, FALSE);
  guint pub = v5_publisher (fx);
  fx_publish (fx, 1000, pub, "t", 1, "a");
  publish_spaced (fx, 1100, 100, pub, 0, "b c d");
  fx_run (fx, 3000);

  /* The quota is 0 from 1.01 s on, and no acknowledgement ever arrives;
   * QoS 0 goes out all the same. */
  check_int (fx, n_sent (fx, FALSE, sub, SES_PKT_PUBACK), 0);
  check_str (fx, sent_times (fx, TRUE, sub, SES_PKT_PUBLISH),
             "1010 1110 1210 1310");
  check_str (fx, publish_fields (fx, sub, 'q'), "1 0 0 0");
  check_str (fx, fx_delivered (fx, sub), "a b c d");
}

/* Implementation-defined (§4.9, rules list §2 item 17): at quota 0 a QoS 0
 * copy that arrives behind a waiting QoS 1 copy waits too, so the order of
 * the publisher's messages is kept. */
static void
test_v5_S4_9_qos0_waits_behind_quota_queue (void **state)
{
  Fx *fx = *state;
  guint sub = slow_subscriber (fx, 1, 1, FALSE);
  guint pub = v5_publisher (fx);
  publish_burst (fx, 1000, pub, 1, "a b");
  fx_publish (fx, 1000, pub, "t", 0, "c");
  fx_act (fx, 3000, sub, SES_ACT_RELEASE_ACKS);
  fx_run (fx, 2999);
  check_str (fx, fx_delivered (fx, sub), "a");
  check_str (fx, obs_payloads (fx, SES_OBS_QUEUED, sub), "b c");
  fx_run_more (fx, 5000);
  check_str (fx, fx_delivered (fx, sub), "a b c");
  check_str (fx, sent_times (fx, TRUE, sub, SES_PKT_PUBLISH),
             "1010 3010 3010");
}

/* C9: the subscriber loses its connection with its whole quota in use; on
 * reconnect the quota starts again from its Receive Maximum. */
static void
test_v5_MQTT_4_9_0_1_quota_restarts_on_reconnect (void **state)
{
  Fx *fx = *state;
  guint sub = slow_subscriber (fx, 2, 1, TRUE);
  guint pub = v5_publisher (fx);
  publish_burst (fx, 1000, pub, 1, "a b c d");
  cut_release_reconnect (fx, sub, 3000);
  fx_run (fx, 5000);

  check_int (fx, fx_session_present (fx, sub, 1), 1);
  check_str (fx, sent_times (fx, TRUE, sub, SES_PKT_PUBLISH),
             "1010 1010 3010 3010 3030 3030");
  check_str (fx, publish_fields (fx, sub, 'i'), "1 2 1 2 3 4");
  check_str (fx, publish_fields (fx, sub, 'd'), "0 0 1 1 0 0");
  check_str (fx, fx_delivered (fx, sub), "a b a b c d");
  check_int (fx, max_open (fx, sub, TRUE), 2);
}

/* §4.9: the quota never grows past its initial value, also when PUBREL
 * exchanges resumed after a reconnect complete. Afterwards, with acks
 * withheld again, exactly Receive Maximum PUBLISHes go out. */
static void
test_v5_S4_9_quota_never_above_initial (void **state)
{
  Fx *fx = *state;
  guint sub = v5_subscriber (fx, 2, 2, TRUE);
  guint pub = v5_publisher (fx);
  publish_burst (fx, 1000, pub, 2, "a b");
  /* PUBREC goes back at 1.02 s, PUBREL arrives at 1.04 s: its PUBCOMP is
   * withheld, then the connection is cut. */
  fx_act (fx, 1035, sub, SES_ACT_HOLD_ACKS);
  cut_release_reconnect (fx, sub, 3000);
  fx_act (fx, 3500, sub, SES_ACT_HOLD_ACKS);
  publish_burst (fx, 4000, pub, 2, "c d e f");
  fx_run (fx, 6000);

  check_str (fx, sent_times (fx, TRUE, sub, SES_PKT_PUBREL),
             "1030 1030 3010 3010");
  check_str (fx, received_times (fx, TRUE, sub, SES_PKT_PUBCOMP),
             "3030 3030");
  check_str (fx, sent_times (fx, TRUE, sub, SES_PKT_PUBLISH),
             "1010 1010 4010 4010");
  check_str (fx, fx_delivered (fx, sub), "a b c d");
  check_int (fx, max_open (fx, sub, TRUE), 2);
}

static void
test_v5_MQTT_3_3_4_7_client_respects_server_receive_maximum (void **state)
{
  Fx *fx = *state;
  broker (fx)->receive_max = 2;
  guint pub = v5_publisher (fx);
  publish_burst (fx, 1000, pub, 1, "a b c d e");
  fx_run (fx, 3000);

  g_autoptr (GPtrArray) connack = fx_packets (fx, SES_OBS_RECEIVE, FALSE, pub,
                                              SES_PKT_CONNACK);
  check_int (fx, connack->len, 1);
  check_int (fx, ((const SesObs *) g_ptr_array_index (connack, 0))
                   ->pkt.receive_max, 2);
  check_str (fx, sent_times (fx, FALSE, pub, SES_PKT_PUBLISH),
             "1000 1000 1020 1020 1040");
  check_int (fx, max_open (fx, pub, FALSE), 2);
  check_str (fx, obs_payloads (fx, SES_OBS_ACCEPTED, pub), "a b c d e");
  check_int (fx, fx_count (fx, SES_OBS_ACKED, pub), 5);
  check_int (fx, fx_count (fx, SES_OBS_PROTOCOL_ERROR, G_MAXUINT), 0);
}

/* C9 on the client side: broker Receive Maximum 1; "a" is lost in the cut
 * at 1.005 s with the quota in use, "b" waits. After the reconnect the
 * quota is 1 again: "a" is resent at once, "b" follows its PUBACK. */
static void
test_v5_MQTT_4_9_0_1_client_quota_restarts_on_reconnect (void **state)
{
  Fx *fx = *state;
  broker (fx)->receive_max = 1;
  guint pub = fx_client (fx, "pub", "pub", SES_MQTT_5, FALSE, 3600);
  fx_connect (fx, 0, pub);
  publish_burst (fx, 1000, pub, 1, "a b");
  fx_act (fx, 1005, pub, SES_ACT_CUT);
  fx_connect (fx, 2000, pub);
  fx_run (fx, 3000);

  check_int (fx, fx_session_present (fx, pub, 1), 1);
  check_str (fx, sent_times (fx, FALSE, pub, SES_PKT_PUBLISH),
             "1000 2020 2040");
  g_autoptr (GPtrArray) p = fx_packets (fx, SES_OBS_SEND, FALSE, pub,
                                        SES_PKT_PUBLISH);
  check_int (fx, ((const SesObs *) g_ptr_array_index (p, 1))->pkt.flags
                   & SES_PKT_F_DUP, SES_PKT_F_DUP);
  check_str (fx, obs_payloads (fx, SES_OBS_ACCEPTED, pub), "a b");
  check_int (fx, max_open (fx, pub, FALSE), 1);
}

/* QoS 2 toward a broker with Receive Maximum 1: one exchange at a time, so
 * the broker's 0x93 check never fires on a well-behaved client. */
static void
test_v5_MQTT_3_3_4_7_client_qos2_window (void **state)
{
  Fx *fx = *state;
  broker (fx)->receive_max = 1;
  guint pub = v5_publisher (fx);
  publish_burst (fx, 1000, pub, 2, "a b c");
  fx_run (fx, 3000);

  check_str (fx, sent_times (fx, FALSE, pub, SES_PKT_PUBLISH),
             "1000 1040 1080");
  check_str (fx, sent_times (fx, FALSE, pub, SES_PKT_PUBREL),
             "1020 1060 1100");
  check_int (fx, max_open (fx, pub, FALSE), 1);
  check_str (fx, obs_payloads (fx, SES_OBS_ACCEPTED, pub), "a b c");
  check_int (fx, fx_count (fx, SES_OBS_PROTOCOL_ERROR, G_MAXUINT), 0);
  check_int (fx, n_sent (fx, TRUE, pub, SES_PKT_DISCONNECT), 0);
}

/* [MQTT-3.3.4-10], [MQTT-4.9.0-3]: with its quota toward the subscriber at
 * 0 the broker still answers SUBSCRIBE, PUBLISH and PINGREQ at once. */
static void
test_v5_MQTT_3_3_4_10_server_does_not_hold_back_non_publish (void **state)
{
  Fx *fx = *state;
  guint sub = slow_subscriber (fx, 1, 1, FALSE);
  fx_client_config (fx, sub)->keep_alive_s = 3;
  guint pub = v5_publisher (fx);
  publish_burst (fx, 1000, pub, 1, "a b");
  fx_subscribe (fx, 2000, sub, "u", 1);
  fx_publish (fx, 2100, sub, "v", 1, "x");
  fx_act (fx, 8000, sub, SES_ACT_RELEASE_ACKS);
  fx_run (fx, 7000);

  check_str (fx, sent_times (fx, TRUE, sub, SES_PKT_PUBLISH), "1010");
  check_str (fx, sent_times (fx, TRUE, sub, SES_PKT_SUBACK), "110 2010");
  check_str (fx, sent_times (fx, TRUE, sub, SES_PKT_PUBACK), "2110");
  check_str (fx, sent_times (fx, FALSE, sub, SES_PKT_PINGREQ), "5100");
  check_str (fx, sent_times (fx, TRUE, sub, SES_PKT_PINGRESP), "5110");

  fx_run_more (fx, 9000);
  check_str (fx, sent_times (fx, TRUE, sub, SES_PKT_PUBLISH), "1010 8010");
  check_str (fx, fx_delivered (fx, sub), "a b");
}

/* [MQTT-3.3.4-8], [MQTT-4.9.0-3]: with its quota toward the broker at 0
 * (500 ms each way) the client still sends SUBSCRIBE and PUBACK at once. */
static void
test_v5_MQTT_3_3_4_8_client_does_not_hold_back_non_publish (void **state)
{
  Fx *fx = *state;
  broker (fx)->receive_max = 1;
  guint c = fx_client (fx, "c", "c", SES_MQTT_5, TRUE, -1);
  fx_client_config (fx, c)->latency_us = MS (500);
  guint pub = v5_publisher (fx);
  fx_connect (fx, 0, c);
  fx_subscribe (fx, 1100, c, "s", 1);
  fx_publish (fx, 1700, pub, "s", 1, "in");
  publish_burst (fx, 2000, c, 1, "a b");
  fx_subscribe (fx, 2100, c, "u", 1);
  fx_run (fx, 5000);

  check_str (fx, sent_times (fx, FALSE, c, SES_PKT_PUBLISH), "2000 3000");
  check_str (fx, received_times (fx, FALSE, c, SES_PKT_PUBACK), "3000 4000");
  check_str (fx, sent_times (fx, FALSE, c, SES_PKT_SUBSCRIBE), "1100 2100");
  check_str (fx, received_times (fx, FALSE, c, SES_PKT_PUBLISH), "2210");
  check_str (fx, sent_times (fx, FALSE, c, SES_PKT_PUBACK), "2210");
  check_int (fx, max_open (fx, c, FALSE), 1);
}

/* Receive Maximum absent: 65535, so 100 unacknowledged QoS 1 PUBLISHes
 * all go out at once. */
static void
test_v5_S3_1_2_11_3_absent_receive_maximum (void **state)
{
  Fx *fx = *state;
  guint sub = slow_subscriber (fx, 0, 1, FALSE);
  guint pub = v5_publisher (fx);
  GString *want = g_string_new (NULL);
  for (int i = 0; i < 100; i++)
    {
      g_autofree char *p = g_strdup_printf ("m%d", i);
      fx_publish (fx, 1000, pub, "t", 1, p);
      g_string_append_printf (want, "%s%s", i > 0 ? " " : "", p);
    }
  fx_run (fx, 3000);

  g_autofree char *expected = g_string_free (want, FALSE);
  check_int (fx, n_sent (fx, TRUE, sub, SES_PKT_PUBLISH), 100);
  check_int (fx, n_sent (fx, FALSE, sub, SES_PKT_PUBACK), 0);
  check_int (fx, max_open (fx, sub, TRUE), 100);
  check_int (fx, fx_count (fx, SES_OBS_QUEUED, sub), 0);
  check_str (fx, fx_delivered (fx, sub), expected);
}

/* [MQTT-3.3.4-10] with §4.9: only PUBLISH uses send quota, so a PUBREL
 * that resumes an exchange after a reconnect is never held back. The
 * session "sub" has two QoS 2 exchanges past PUBREC (their PUBCOMPs were
 * withheld) when its connection is cut; it comes back with Receive
 * Maximum 1 (a second client configuration with the same ClientId, the
 * only way to change Receive Maximum between connections). Both PUBRELs
 * are due at once on the new connection, on which the broker has sent no
 * PUBLISH at all. */
static void
test_v5_MQTT_3_3_4_10_resumed_pubrel_not_held_by_quota (void **state)
{
  Fx *fx = *state;
  guint first = fx_client (fx, "first", "sub", SES_MQTT_5, FALSE, 3600);
  guint again = fx_client (fx, "again", "sub", SES_MQTT_5, FALSE, 3600);
  fx_client_config (fx, first)->receive_max = 2;
  fx_client_config (fx, again)->receive_max = 1;
  guint pub = v5_publisher (fx);
  fx_connect (fx, 0, first);
  fx_subscribe (fx, 100, first, "t", 2);
  publish_burst (fx, 1000, pub, 2, "x y");
  fx_act (fx, 1035, first, SES_ACT_HOLD_ACKS); /* PUBCOMPs withheld */
  fx_act (fx, 2000, first, SES_ACT_CUT);
  fx_connect (fx, 3000, again);
  fx_run (fx, 5000);

  check_str (fx, sent_times (fx, TRUE, first, SES_PKT_PUBREL), "1030 1030");
  check_int (fx, fx_session_present (fx, again, 0), 1);
  check_int (fx, n_sent (fx, TRUE, again, SES_PKT_PUBLISH), 0);
  check_str (fx, sent_times (fx, TRUE, again, SES_PKT_PUBREL), "3010 3010");
}

/* ---- N: Message Expiry -------------------------------------------------- */

/* The subscriber is away from 1 s to 10 s. "old" (expiry 5 s) runs out at
 * 7.01 s, "fresh" (60 s) does not, "none" never expires. */
static void
test_v5_MQTT_3_3_2_5_queued_copy_expires (void **state)
{
  Fx *fx = *state;
  guint sub = lasting_subscriber (fx, "sub", SES_MQTT_5);
  guint pub = v5_publisher (fx);
  fx_connect (fx, 0, sub);
  fx_subscribe (fx, 100, sub, "t", 2);
  fx_disconnect (fx, 1000, sub);
  publish_expiring (fx, 2000, pub, "t", 1, "old", 5);
  publish_expiring (fx, 2000, pub, "t", 2, "fresh", 60);
  fx_publish (fx, 2000, pub, "t", 1, "none");
  fx_connect (fx, 10000, sub);
  fx_run (fx, 12000);

  g_autoptr (GPtrArray) expired = fx_find (fx, SES_OBS_EXPIRED, sub);
  check_str (fx, payloads_of (fx, expired), "old");
  check_str (fx, times_of (expired), "10010");
  check_str (fx,
             g_strdup (((const SesObs *) g_ptr_array_index (expired, 0))->rule),
             "5.0 [MQTT-3.3.2-5]");
  check_str (fx, fx_delivered (fx, sub), "fresh none");
  check_str (fx, publish_fields (fx, sub, 'i'), "1 2");
  check_str (fx, publish_fields (fx, sub, 'e'), "52 -");
}

/* Broker setting packet-ids=at-queue (mosquitto 2.0): the same run, but
 * each copy took its id when it was queued, so the expired one leaves a
 * gap ([MQTT-2.2.1-3] only asks for ids not in use). */
static void
test_setting_packet_ids_at_queue_leave_gaps (void **state)
{
  Fx *fx = *state;
  broker (fx)->packet_ids = SES_IDS_AT_QUEUE;
  guint sub = lasting_subscriber (fx, "sub", SES_MQTT_5);
  guint pub = v5_publisher (fx);
  fx_connect (fx, 0, sub);
  fx_subscribe (fx, 100, sub, "t", 2);
  fx_disconnect (fx, 1000, sub);
  publish_expiring (fx, 2000, pub, "t", 1, "old", 5);
  publish_expiring (fx, 2000, pub, "t", 2, "fresh", 60);
  fx_publish (fx, 2000, pub, "t", 1, "none");
  fx_publish (fx, 2000, pub, "t", 0, "q0");
  fx_connect (fx, 10000, sub);
  fx_publish (fx, 11000, pub, "t", 1, "live");
  fx_run (fx, 12000);

  check_str (fx, fx_delivered (fx, sub), "fresh none live");
  check_str (fx, publish_fields (fx, sub, 'i'), "2 3 4");
  check_str (fx, publish_fields (fx, sub, 'e'), "52 - -");
}

/* Expiry counts while a copy waits for send quota too. */
static void
test_v5_MQTT_3_3_2_5_expires_while_waiting_for_quota (void **state)
{
  Fx *fx = *state;
  guint sub = slow_subscriber (fx, 1, 1, FALSE);
  guint pub = v5_publisher (fx);
  fx_publish (fx, 1000, pub, "t", 1, "a");
  publish_expiring (fx, 1000, pub, "t", 1, "b", 2);
  publish_expiring (fx, 1000, pub, "t", 1, "c", 10);
  fx_act (fx, 4000, sub, SES_ACT_RELEASE_ACKS);
  fx_run (fx, 6000);

  check_str (fx, obs_payloads (fx, SES_OBS_EXPIRED, sub), "b");
  check_str (fx, obs_times (fx, SES_OBS_EXPIRED, sub), "4010");
  check_str (fx, fx_delivered (fx, sub), "a c");
  /* c waited 3 s of its 10. */
  check_str (fx, publish_fields (fx, sub, 'e'), "- 7");
  check_str (fx, sent_times (fx, TRUE, sub, SES_PKT_PUBLISH), "1010 4010");
}

/* The forwarded PUBLISH carries what is left: 10 s at once to a connected
 * subscriber, 6 s to one that comes back after the message waited 4 s. */
static void
test_v5_MQTT_3_3_2_6_forwarded_remaining_expiry (void **state)
{
  Fx *fx = *state;
  guint live = fx_client (fx, "live", "live", SES_MQTT_5, TRUE, -1);
  guint away = lasting_subscriber (fx, "away", SES_MQTT_5);
  guint pub = v5_publisher (fx);
  fx_connect (fx, 0, live);
  fx_connect (fx, 0, away);
  fx_subscribe (fx, 100, live, "t", 1);
  fx_subscribe (fx, 100, away, "t", 1);
  fx_disconnect (fx, 1000, away);
  publish_expiring (fx, 2000, pub, "t", 1, "m", 10);
  fx_connect (fx, 6000, away);
  fx_run (fx, 8000);

  g_autoptr (GPtrArray) out = fx_packets (fx, SES_OBS_SEND, FALSE, pub,
                                          SES_PKT_PUBLISH);
  check_int (fx, out->len, 1);
  const SesPacket *p = &((const SesObs *) g_ptr_array_index (out, 0))->pkt;
  check_int (fx, (p->flags & SES_PKT_F_HAS_EXPIRY) != 0, 1);
  check_int (fx, p->expiry_s, 10);
  check_str (fx, sent_times (fx, TRUE, live, SES_PKT_PUBLISH), "2010");
  check_str (fx, publish_fields (fx, live, 'e'), "10");
  check_str (fx, sent_times (fx, TRUE, away, SES_PKT_PUBLISH), "6010");
  check_str (fx, publish_fields (fx, away, 'e'), "6");
  check_str (fx, fx_delivered (fx, away), "m");
}

/* No Message Expiry Interval: the copy waits 100000 s and is still sent,
 * without the property. */
static void
test_v5_S3_3_2_3_3_no_expiry_never_expires (void **state)
{
  Fx *fx = *state;
  guint sub = fx_client (fx, "sub", "sub", SES_MQTT_5, FALSE,
                         SES_EXPIRY_NEVER);
  guint pub = v5_publisher (fx);
  fx_connect (fx, 0, sub);
  fx_subscribe (fx, 100, sub, "t", 1);
  fx_disconnect (fx, 1000, sub);
  fx_publish (fx, 2000, pub, "t", 1, "m");
  fx_connect (fx, 100002000, sub);
  fx_run (fx, 100004000);

  check_int (fx, fx_count (fx, SES_OBS_EXPIRED, G_MAXUINT), 0);
  check_str (fx, fx_delivered (fx, sub), "m");
  check_str (fx, sent_times (fx, TRUE, sub, SES_PKT_PUBLISH), "100002010");
  check_str (fx, publish_fields (fx, sub, 'e'), "-");
}

/* [MQTT-4.3.3-7], [MQTT-4.3.3-13]: a QoS 2 message whose expiry (2 s) runs
 * out after its PUBLISH went out still completes: PUBREC is withheld until
 * 10 s, and the broker answers it with PUBREL. */
static void
test_v5_MQTT_4_3_3_7_qos2_completes_after_expiry (void **state)
{
  Fx *fx = *state;
  guint sub = slow_subscriber (fx, 0, 2, FALSE);
  publish_m_expiring_in_2s (fx);
  fx_act (fx, 10000, sub, SES_ACT_RELEASE_ACKS);
  fx_run (fx, 12000);

  check_str (fx, publish_fields (fx, sub, 'e'), "2");
  check_str (fx, received_times (fx, TRUE, sub, SES_PKT_PUBREC), "10010");
  check_str (fx, sent_times (fx, TRUE, sub, SES_PKT_PUBREL), "10010");
  check_str (fx, sent_times (fx, FALSE, sub, SES_PKT_PUBCOMP), "10020");
  check_str (fx, received_times (fx, TRUE, sub, SES_PKT_PUBCOMP), "10030");
  check_int (fx, fx_count (fx, SES_OBS_EXPIRED, G_MAXUINT), 0);
  check_str (fx, fx_delivered (fx, sub), "m");
  check_int (fx, session_of (fx, sub)->outflight.view.len, 0);
}

/* The same across a reconnect: one QoS 2 copy sent but not acknowledged
 * (PUBREC withheld), then the connection is cut; it comes back after the
 * 2 s expiry. The PUBLISH is resent with DUP, not expired. */
static void
test_v5_MQTT_4_3_3_7_qos2_resent_after_expiry (void **state)
{
  Fx *fx = *state;
  guint sub = slow_subscriber (fx, 0, 2, TRUE);
  publish_m_expiring_in_2s (fx);
  cut_release_reconnect (fx, sub, 10000);
  fx_run (fx, 12000);

  check_int (fx, fx_count (fx, SES_OBS_EXPIRED, G_MAXUINT), 0);
  check_str (fx, sent_times (fx, TRUE, sub, SES_PKT_PUBLISH), "1010 10010");
  check_str (fx, publish_fields (fx, sub, 'i'), "1 1");
  check_str (fx, publish_fields (fx, sub, 'd'), "0 1");
  /* Model choice: the resend says no time is left. */
  check_str (fx, publish_fields (fx, sub, 'e'), "2 0");
  check_str (fx, sent_times (fx, TRUE, sub, SES_PKT_PUBREL), "10030");
  check_str (fx, received_times (fx, TRUE, sub, SES_PKT_PUBCOMP), "10050");
  /* Delivered once: the repeat is acknowledged, not delivered again. */
  check_str (fx, fx_delivered (fx, sub), "m");
}

/* And past PUBREC: the PUBREL is resent after the expiry. */
static void
test_v5_MQTT_4_3_3_7_qos2_pubrel_resent_after_expiry (void **state)
{
  Fx *fx = *state;
  guint sub = v5_subscriber (fx, 0, 2, TRUE);
  publish_m_expiring_in_2s (fx);
  fx_act (fx, 1035, sub, SES_ACT_HOLD_ACKS); /* PUBCOMP withheld */
  cut_release_reconnect (fx, sub, 10000);
  fx_run (fx, 12000);

  check_int (fx, fx_count (fx, SES_OBS_EXPIRED, G_MAXUINT), 0);
  check_str (fx, sent_times (fx, TRUE, sub, SES_PKT_PUBLISH), "1010");
  check_str (fx, sent_times (fx, TRUE, sub, SES_PKT_PUBREL), "1030 10010");
  check_str (fx, received_times (fx, TRUE, sub, SES_PKT_PUBCOMP), "10030");
  check_str (fx, fx_delivered (fx, sub), "m");
}

/* §3.1.3.2.4: the will's Message Expiry (5 s) applies to its publication,
 * published at 2 s when the device's connection is cut. */
static void
test_v5_S3_1_3_2_4_will_message_expiry (void **state)
{
  Fx *fx = *state;
  guint dev = fx_client (fx, "dev", "dev", SES_MQTT_5, TRUE, -1);
  will_with_expiry (fx, dev, "w", "gone", 1, 5);
  guint soon = lasting_subscriber (fx, "soon", SES_MQTT_5);
  guint late = lasting_subscriber (fx, "late", SES_MQTT_5);
  fx_connect (fx, 0, dev);
  fx_connect (fx, 0, soon);
  fx_connect (fx, 0, late);
  fx_subscribe (fx, 100, soon, "w", 1);
  fx_subscribe (fx, 100, late, "w", 1);
  fx_disconnect (fx, 1000, soon);
  fx_disconnect (fx, 1000, late);
  fx_act (fx, 2000, dev, SES_ACT_CUT);
  fx_connect (fx, 4000, soon);
  fx_connect (fx, 10000, late);
  fx_run (fx, 12000);

  check_str (fx, obs_times (fx, SES_OBS_WILL_PUBLISHED, dev), "2000");
  check_str (fx, fx_delivered (fx, soon), "gone");
  check_str (fx, publish_fields (fx, soon, 'e'), "3");
  check_str (fx, fx_delivered (fx, late), "");
  check_str (fx, obs_payloads (fx, SES_OBS_EXPIRED, late), "gone");
  check_str (fx, obs_times (fx, SES_OBS_EXPIRED, late), "10010");
}

/* ---- O: Keep Alive ------------------------------------------------------ */

/* Keep Alive 10 s. The client pings at 10 s (the broker hears it at
 * 10.01 s); at 12 s its link dies without the broker noticing. The broker
 * must wait until 10.01 + 15 = 25.01 s, and not a microsecond less. */
static void
keep_alive_scenario (Fx *fx, SesMqttVersion v)
{
  guint dev = keep_alive_client (fx, "dev", v, 10);
  fx_act (fx, 12000, dev, SES_ACT_HALF_OPEN_BROKER);
  SesMqtt *m = fx_run (fx, 25009);

  check_str (fx, received_times (fx, TRUE, dev, SES_PKT_PINGREQ), "10010");
  check_int (fx, fx_count (fx, SES_OBS_KEEP_ALIVE_TIMEOUT, dev), 0);
  guint32 s = ses_mqtt_client_session (m, dev);
  check_int (fx, ses_mqtt_session (m, s)->client, dev);

  fx_run_more (fx, 40000);
  g_autoptr (GPtrArray) to = fx_find (fx, SES_OBS_KEEP_ALIVE_TIMEOUT, dev);
  check_str (fx, times_of (to), "25010");
  const SesObs *o = g_ptr_array_index (to, 0);
  check_int (fx, o->arg, 10);
  check_str (fx, g_strdup (o->rule),
             v == SES_MQTT_5 ? "5.0 [MQTT-3.1.2-22]" : "3.1.1 [MQTT-3.1.2-24]");
  /* Closed as if the network failed: the clean session ends with it. */
  check_str (fx, obs_times (fx, SES_OBS_SESSION_ENDED, dev), "25010");
  check_int (fx, ses_mqtt_session (m, s)->exists, 0);
}

static void
test_v311_MQTT_3_1_2_24_keep_alive_one_and_a_half (void **state)
{
  keep_alive_scenario (*state, SES_MQTT_311);
}

static void
test_v5_MQTT_3_1_2_22_keep_alive_one_and_a_half (void **state)
{
  keep_alive_scenario (*state, SES_MQTT_5);
}

/* A lasting session closed by keep alive is kept, like after a network
 * failure: "a" went into the dead link at 20.01 s and stays in flight, "b"
 * is queued after the close at 25.11 s (last packet heard at 10.11 s, the
 * PINGREQ after the SUBSCRIBE at 0.1 s); both arrive after the reconnect. */
static void
timeout_keeps_session_scenario (Fx *fx, SesMqttVersion v)
{
  guint sub = lasting_subscriber (fx, "sub", v);
  fx_client_config (fx, sub)->keep_alive_s = 10;
  guint pub = add_publisher (fx, sub, v, 1);
  fx_act (fx, 12000, sub, SES_ACT_HALF_OPEN_BROKER);
  fx_publish (fx, 20000, pub, "t", 1, "a");
  fx_publish (fx, 30000, pub, "t", 1, "b");
  fx_connect (fx, 40000, sub);
  fx_run (fx, 45000);

  check_str (fx, obs_times (fx, SES_OBS_KEEP_ALIVE_TIMEOUT, sub), "25110");
  check_int (fx, n_obs_cause (fx, SES_OBS_SESSION_KEPT, sub,
                              SES_CAUSE_KEEP_ALIVE), 1);
  check_str (fx, obs_times (fx, SES_OBS_SESSION_KEPT, sub), "25110");
  g_autoptr (GPtrArray) lost = fx_packets (fx, SES_OBS_LOST, TRUE, sub,
                                           SES_PKT_PUBLISH);
  check_str (fx, times_of (lost), "20010");
  check_str (fx, obs_payloads (fx, SES_OBS_QUEUED, sub), "b");
  check_str (fx, obs_times (fx, SES_OBS_QUEUED, sub), "30010");
  check_int (fx, fx_session_present (fx, sub, 1), 1);
  check_str (fx, sent_times (fx, TRUE, sub, SES_PKT_PUBLISH), "40010 40010");
  check_str (fx, publish_fields (fx, sub, 'i'), "1 2");
  check_str (fx, publish_fields (fx, sub, 'd'), "1 0");
  check_str (fx, fx_delivered (fx, sub), "a b");
}

static void
test_v311_MQTT_3_1_2_24_timeout_keeps_session (void **state)
{
  timeout_keeps_session_scenario (*state, SES_MQTT_311);
}

static void
test_v5_MQTT_3_1_2_22_timeout_keeps_session (void **state)
{
  timeout_keeps_session_scenario (*state, SES_MQTT_5);
}

/* C15: a live client pinging every Keep Alive is never timed out, even
 * with 2 s of latency each way against a 5 s Keep Alive. */
static void
live_client_scenario (Fx *fx, SesMqttVersion v)
{
  guint dev = keep_alive_client (fx, "dev", v, 5);
  fx_client_config (fx, dev)->latency_us = MS (2000);
  fx_run (fx, 1000000);

  check_int (fx, fx_count (fx, SES_OBS_KEEP_ALIVE_TIMEOUT, G_MAXUINT), 0);
  check_int (fx, n_sent (fx, FALSE, dev, SES_PKT_PINGREQ), 200);
  /* The last one, at 1000 s, is answered after the run ends. */
  check_int (fx, n_sent (fx, TRUE, dev, SES_PKT_PINGRESP), 199);
  check_int (fx, fx_count (fx, SES_OBS_CONNECTION_LOST, G_MAXUINT), 0);
  check_int (fx, ses_mqtt_client_state (fx_mqtt (fx), dev),
             SES_CLIENT_ONLINE);
}

static void
test_v311_MQTT_3_1_2_24_live_client_not_timed_out (void **state)
{
  live_client_scenario (*state, SES_MQTT_311);
}

static void
test_v5_MQTT_3_1_2_22_live_client_not_timed_out (void **state)
{
  live_client_scenario (*state, SES_MQTT_5);
}

/* The keep-alive close is an unclean end: the will goes out at 25.01 s.
 * (The 5.0 session outlives the connection, so the will is published for
 * the close itself rather than for the end of the session.) */
static void
will_on_timeout_scenario (Fx *fx, SesMqttVersion v)
{
  guint dev = fx_client (fx, "dev", "dev", v, TRUE, v == SES_MQTT_5 ? 60 : -1);
  fx_client_config (fx, dev)->keep_alive_s = 10;
  fx_will (fx, dev, "w", "gone", 1, 0);
  guint sub = fx_client (fx, "sub", "sub", v, TRUE, -1);
  fx_connect (fx, 0, dev);
  fx_connect (fx, 0, sub);
  fx_subscribe (fx, 100, sub, "w", 1);
  fx_act (fx, 12000, dev, SES_ACT_HALF_OPEN_BROKER);
  fx_run (fx, 40000);

  g_autoptr (GPtrArray) wills = fx_find (fx, SES_OBS_WILL_PUBLISHED, dev);
  check_str (fx, times_of (wills), "25010");
  check_int (fx, ((const SesObs *) g_ptr_array_index (wills, 0))->cause,
             SES_CAUSE_KEEP_ALIVE);
  check_str (fx, fx_delivered (fx, sub), "gone");
  check_str (fx, obs_times (fx, SES_OBS_DELIVER, sub), "25020");
}

static void
test_v311_MQTT_3_1_2_24_will_on_keep_alive_timeout (void **state)
{
  will_on_timeout_scenario (*state, SES_MQTT_311);
}

static void
test_v5_MQTT_3_1_2_22_will_on_keep_alive_timeout (void **state)
{
  will_on_timeout_scenario (*state, SES_MQTT_5);
}

/* §3.14.2.1: a 5.0 broker says why before closing (here into the dead
 * link, so the DISCONNECT is recorded as lost); a 3.1.1 broker has no
 * server DISCONNECT. */
static void
test_v5_S3_14_2_1_keep_alive_disconnect_0x8d (void **state)
{
  Fx *fx = *state;
  keep_alive_scenario (fx, SES_MQTT_5);
  g_autoptr (GPtrArray) d = fx_packets (fx, SES_OBS_LOST, TRUE, 0,
                                        SES_PKT_DISCONNECT);
  check_str (fx, times_of (d), "25010");
  check_int (fx, ((const SesObs *) g_ptr_array_index (d, 0))->pkt.reason,
             SES_RC_KEEP_ALIVE_TIMEOUT);
  check_int (fx, n_sent (fx, TRUE, 0, SES_PKT_DISCONNECT), 0);
}

static void
test_v311_MQTT_3_1_2_24_no_server_disconnect (void **state)
{
  Fx *fx = *state;
  keep_alive_scenario (fx, SES_MQTT_311);
  check_int (fx, n_lost (fx, TRUE, 0, SES_PKT_DISCONNECT), 0);
  check_int (fx, n_sent (fx, TRUE, 0, SES_PKT_DISCONNECT), 0);
}

/* Keep Alive 5 s: an idle client pings every 5 s after its last packet; a
 * client that keeps publishing every 4 s never needs to. */
static void
ping_when_idle_scenario (Fx *fx, SesMqttVersion v)
{
  guint idle = keep_alive_client (fx, "idle", v, 5);
  guint busy = keep_alive_client (fx, "busy", v, 5);
  fx_publish (fx, 2000, idle, "t", 0, "x");
  for (int i = 1; i <= 10; i++)
    fx_publish (fx, 4000 * i, busy, "t", 0, "y");
  fx_run (fx, 50000);

  check_str (fx, sent_times (fx, FALSE, idle, SES_PKT_PINGREQ),
             "7000 12000 17000 22000 27000 32000 37000 42000 47000");
  check_int (fx, max_client_gap (fx, idle, 50000), MS (5000));
  check_str (fx, sent_times (fx, FALSE, busy, SES_PKT_PINGREQ),
             "45000 50000");
  check_int (fx, max_client_gap (fx, busy, 50000), MS (5000));
}

static void
test_v311_MQTT_3_1_2_23_client_pings_when_idle (void **state)
{
  ping_when_idle_scenario (*state, SES_MQTT_311);
}

static void
test_v5_MQTT_3_1_2_20_client_pings_when_idle (void **state)
{
  ping_when_idle_scenario (*state, SES_MQTT_5);
}

/* Every PINGREQ the broker receives is answered at once. */
static void
pingresp_scenario (Fx *fx, SesMqttVersion v)
{
  guint dev = keep_alive_client (fx, "dev", v, 10);
  fx_run (fx, 100000);

  const char *at = "10010 20010 30010 40010 50010 60010 70010 80010 90010";
  check_str (fx, received_times (fx, TRUE, dev, SES_PKT_PINGREQ), at);
  check_str (fx, sent_times (fx, TRUE, dev, SES_PKT_PINGRESP), at);
  check_str (fx, received_times (fx, FALSE, dev, SES_PKT_PINGRESP),
             "10020 20020 30020 40020 50020 60020 70020 80020 90020");
}

static void
test_v311_MQTT_3_12_4_1_pingreq_answered (void **state)
{
  pingresp_scenario (*state, SES_MQTT_311);
}

static void
test_v5_MQTT_3_12_4_1_pingreq_answered (void **state)
{
  pingresp_scenario (*state, SES_MQTT_5);
}

/* Server Keep Alive 4 s against the client's 60 s: CONNACK carries it, the
 * client pings every 4 s, and the broker times out after 6 s of silence
 * (last PINGREQ heard at 8.01 s, link dead at 9 s: 14.01 s). */
static void
test_v5_MQTT_3_1_2_21_server_keep_alive_replaces_clients (void **state)
{
  Fx *fx = *state;
  guint dev = server_keep_alive_dev (fx, SES_MQTT_5, 4);
  fx_act (fx, 9000, dev, SES_ACT_HALF_OPEN_BROKER);
  fx_run (fx, 100000);

  check_int (fx, connack_keep_alive (fx, dev), 4);
  check_str (fx, sent_times (fx, FALSE, dev, SES_PKT_PINGREQ), "4000 8000");
  g_autoptr (GPtrArray) to = fx_find (fx, SES_OBS_KEEP_ALIVE_TIMEOUT, dev);
  check_str (fx, times_of (to), "14010");
  check_int (fx, ((const SesObs *) g_ptr_array_index (to, 0))->arg, 4);
}

static guint n_criticals;

static void
count_critical (const gchar *domain, GLogLevelFlags level, const gchar *msg,
                gpointer data)
{
  (void) domain;
  (void) level;
  (void) data;
  n_criticals++;
  g_printerr ("critical: %s\n", msg);
}

/* Server Keep Alive 2 s with 1.1 s of latency each way: the CONNACK that
 * tells the client its keep alive arrives at 2.2 s, after the first PINGREQ
 * was due (2 s after CONNECT). The client must still ping (at the latest
 * when it learns the value), and the broker, which heard CONNECT at
 * 1.1 s, must not time it out at 4.1 s. Criticals are counted rather than
 * fatal here, so a model that logs one fails this test alone. */
static void
test_v5_MQTT_3_1_2_21_server_keep_alive_shorter_than_round_trip (void **state)
{
  Fx *fx = *state;
  guint dev = server_keep_alive_dev (fx, SES_MQTT_5, 2);
  fx_client_config (fx, dev)->latency_us = MS (1100);
  n_criticals = 0;
  GLogLevelFlags was = g_log_set_always_fatal (G_LOG_FATAL_MASK);
  guint handler = g_log_set_handler ("sessim", G_LOG_LEVEL_CRITICAL,
                                     count_critical, NULL);
  fx_run (fx, 4500);
  g_log_remove_handler ("sessim", handler);
  g_log_set_always_fatal (was);

  check_int (fx, n_criticals, 0);
  g_autoptr (GPtrArray) pings = fx_packets (fx, SES_OBS_SEND, FALSE, dev,
                                            SES_PKT_PINGREQ);
  check_int (fx, pings->len > 0, 1);
  check_int (fx, ((const SesObs *) g_ptr_array_index (pings, 0))->time_us
                   <= MS (2200), 1);
  check_int (fx, fx_count (fx, SES_OBS_KEEP_ALIVE_TIMEOUT, dev), 0);
}

/* Without Server Keep Alive the CONNACK carries none and the broker uses
 * the client's 10 s (the 25.01 s of the keep-alive test). */
static void
test_v5_MQTT_3_2_2_22_server_uses_clients_keep_alive (void **state)
{
  Fx *fx = *state;
  keep_alive_scenario (fx, SES_MQTT_5);
  check_int (fx, connack_keep_alive (fx, 0), 0);
}

/* 3.1.1 has no Server Keep Alive: the broker setting does not apply; the
 * client's 60 s is used on both sides (ping at 60 s, heard at 60.01 s,
 * timeout 90 s later). */
static void
test_v311_MQTT_3_1_2_24_server_keep_alive_setting_ignored (void **state)
{
  Fx *fx = *state;
  guint dev = server_keep_alive_dev (fx, SES_MQTT_311, 4);
  fx_act (fx, 61000, dev, SES_ACT_HALF_OPEN_BROKER);
  fx_run (fx, 200000);

  check_int (fx, connack_keep_alive (fx, dev), 0);
  check_str (fx, sent_times (fx, FALSE, dev, SES_PKT_PINGREQ), "60000");
  check_str (fx, obs_times (fx, SES_OBS_KEEP_ALIVE_TIMEOUT, dev), "150010");
}

/* Keep Alive 0: no PINGREQ, and a dead link is never noticed by keep
 * alive, from either side. */
static void
keep_alive_zero_scenario (Fx *fx, SesMqttVersion v)
{
  guint a = keep_alive_client (fx, "a", v, 0);
  guint b = keep_alive_client (fx, "b", v, 0);
  fx_act (fx, 1000, a, SES_ACT_HALF_OPEN_BROKER);
  fx_act (fx, 1000, b, SES_ACT_HALF_OPEN_CLIENT);
  SesMqtt *m = fx_run (fx, 1000000);

  check_int (fx, n_sent (fx, FALSE, a, SES_PKT_PINGREQ), 0);
  check_int (fx, n_sent (fx, FALSE, b, SES_PKT_PINGREQ), 0);
  check_int (fx, fx_count (fx, SES_OBS_KEEP_ALIVE_TIMEOUT, G_MAXUINT), 0);
  /* The broker still holds a's connection; b still believes in its own. */
  check_int (fx, ses_mqtt_session (m, ses_mqtt_client_session (m, a))->client,
             a);
  check_int (fx, ses_mqtt_client_state (m, b), SES_CLIENT_ONLINE);
}

static void
test_v311_S3_1_2_10_keep_alive_zero_disables (void **state)
{
  keep_alive_zero_scenario (*state, SES_MQTT_311);
}

static void
test_v5_S3_1_2_10_keep_alive_zero_disables (void **state)
{
  keep_alive_zero_scenario (*state, SES_MQTT_5);
}

/* The link dies at 12 s without the client noticing. Its PINGREQ at 20 s
 * goes into the void; with no PINGRESP by 30 s it closes. */
static void
missing_pingresp_scenario (Fx *fx, SesMqttVersion v)
{
  guint dev = keep_alive_client (fx, "dev", v, 10);
  fx_act (fx, 12000, dev, SES_ACT_HALF_OPEN_CLIENT);
  fx_run (fx, 40000);

  check_str (fx, sent_times (fx, FALSE, dev, SES_PKT_PINGREQ), "10000");
  g_autoptr (GPtrArray) lost = fx_packets (fx, SES_OBS_LOST, FALSE, dev,
                                           SES_PKT_PINGREQ);
  check_str (fx, times_of (lost), "20000");
  g_autoptr (GPtrArray) gone = fx_find (fx, SES_OBS_CONNECTION_LOST, dev);
  /* The broker learns at once; the client at 30 s, by keep alive. */
  check_str (fx, times_of (gone), "12000 30000");
  const SesObs *client_end = g_ptr_array_index (gone, 1);
  check_int (fx, client_end->by_broker, FALSE);
  check_int (fx, client_end->cause, SES_CAUSE_KEEP_ALIVE);
  check_int (fx, ses_mqtt_client_state (fx_mqtt (fx), dev),
             SES_CLIENT_OFFLINE);
}

static void
test_v311_S3_1_2_10_client_closes_without_pingresp (void **state)
{
  missing_pingresp_scenario (*state, SES_MQTT_311);
}

static void
test_v5_S3_1_2_10_client_closes_without_pingresp (void **state)
{
  missing_pingresp_scenario (*state, SES_MQTT_5);
}

/* ---- conformance stimuli ----------------------------------------------- */

/* hold-acks kind=pubrel holds the publisher's PUBRELs only; ack id=N sends
 * one of them; the broker completes exactly that exchange (5.0
 * [MQTT-4.3.3-11]). */
static void
test_v5_stimulus_hold_pubrel_ack_one (void **state)
{
  Fx *fx = *state;
  guint sub = fx_client (fx, "sub", "sub", SES_MQTT_5, TRUE, -1);
  guint pub = add_publisher (fx, sub, SES_MQTT_5, 2);
  fx_act (fx, 500, pub, SES_ACT_HOLD_ACKS)->ack_type = SES_PKT_PUBREL;
  publish_burst (fx, 1000, pub, 2, "a b");
  SesAction *ack = fx_act (fx, 3000, pub, SES_ACT_ACK);
  ack->packet_id = 2;
  fx_run (fx, 2500);
  g_autoptr (GPtrArray) none = fx_packets (fx, SES_OBS_RECEIVE, TRUE, pub,
                                           SES_PKT_PUBREL);
  assert_int_equal (none->len, 0);
  fx_run_more (fx, 4000);
  g_autoptr (GPtrArray) one = fx_packets (fx, SES_OBS_RECEIVE, TRUE, pub,
                                          SES_PKT_PUBREL);
  assert_int_equal (one->len, 1);
  assert_int_equal (((SesObs *) g_ptr_array_index (one, 0))->pkt.packet_id,
                    2);
  /* The subscriber's side never waited: Method B forwards on PUBLISH. */
  g_autofree char *got = fx_delivered (fx, sub);
  assert_string_equal (got, "a b");
}

/* pause: nothing is delivered or acknowledged while the client does not
 * read; resume reads what waited, in order. */
static void
test_v5_stimulus_pause_resume (void **state)
{
  Fx *fx = *state;
  guint sub = fx_client (fx, "sub", "sub", SES_MQTT_5, TRUE, -1);
  guint pub = add_publisher (fx, sub, SES_MQTT_5, 1);
  fx_act (fx, 500, sub, SES_ACT_PAUSE);
  publish_burst (fx, 1000, pub, 1, "a b c");
  fx_act (fx, 5000, sub, SES_ACT_RESUME);
  fx_run (fx, 4000);
  assert_int_equal (fx_count (fx, SES_OBS_DELIVER, sub), 0);
  g_autoptr (GPtrArray) acks = fx_packets (fx, SES_OBS_SEND, FALSE, sub,
                                           SES_PKT_PUBACK);
  assert_int_equal (acks->len, 0);
  fx_run_more (fx, 6000);
  g_autofree char *got = fx_delivered (fx, sub);
  assert_string_equal (got, "a b c");
}

/* send-publish with DUP=1 and the same id before PUBREL: delivered once
 * (5.0 [MQTT-4.3.3-10]); a second PUBREL gets PUBCOMP 0x92. */
static void
test_v5_stimulus_raw_publish_dup_and_pubrel (void **state)
{
  Fx *fx = *state;
  guint sub = fx_client (fx, "sub", "sub", SES_MQTT_5, TRUE, -1);
  guint pub = add_publisher (fx, sub, SES_MQTT_5, 2);
  for (int k = 0; k < 2; k++)
    {
      SesAction *a = fx_act (fx, 1000 + k * 1000, pub, SES_ACT_RAW_PUBLISH);
      a->topic = fx_str (fx, "t");
      a->payload = fx_str (fx, "x");
      a->qos = 2;
      a->packet_id = 9;
      a->dup = k == 1;
    }
  fx_act (fx, 3000, pub, SES_ACT_RAW_PUBREL)->packet_id = 9;
  fx_act (fx, 4000, pub, SES_ACT_RAW_PUBREL)->packet_id = 9;
  fx_run (fx, 5000);
  assert_int_equal (fx_count (fx, SES_OBS_DELIVER, sub), 1);
  g_autoptr (GPtrArray) sent = fx_packets (fx, SES_OBS_SEND, FALSE, pub,
                                           SES_PKT_PUBLISH);
  assert_int_equal (sent->len, 2);
  const SesObs *second = g_ptr_array_index (sent, 1);
  assert_true (second->pkt.flags & SES_PKT_F_DUP);
  /* the same message, so the judge sees a resend, not a new one */
  assert_int_equal (second->pkt.seq,
                    ((SesObs *) g_ptr_array_index (sent, 0))->pkt.seq);
  g_autoptr (GPtrArray) comps = fx_packets (fx, SES_OBS_SEND, TRUE, pub,
                                            SES_PKT_PUBCOMP);
  assert_int_equal (comps->len, 2);
  assert_int_equal (((SesObs *) g_ptr_array_index (comps, 0))->pkt.reason, 0);
  assert_int_equal (((SesObs *) g_ptr_array_index (comps, 1))->pkt.reason,
                    SES_RC_PACKET_ID_NOT_FOUND);
}

/* A second CONNECT on the open connection: DISCONNECT 0x82 in 5.0, and
 * the session is untouched (both [MQTT-3.1.0-2]). */
static void
test_both_MQTT_3_1_0_2_second_connect (void **state)
{
  Fx *fx = *state;
  guint c = fx_client (fx, "c", "c", SES_MQTT_5, FALSE, 3600);
  fx_connect (fx, 0, c);
  fx_act (fx, 1000, c, SES_ACT_RAW_CONNECT);
  fx_connect (fx, 3000, c);
  fx_run (fx, 4000);
  g_autoptr (GPtrArray) d = fx_packets (fx, SES_OBS_SEND, TRUE, c,
                                        SES_PKT_DISCONNECT);
  assert_int_equal (d->len, 1);
  assert_int_equal (((SesObs *) g_ptr_array_index (d, 0))->pkt.reason,
                    SES_RC_PROTOCOL_ERROR);
  assert_int_equal (fx_session_present (fx, c, 1), 1);
}

/* Broker setting second-connect=drop (mosquitto 2.0): the second CONNECT
 * closes the connection without a DISCONNECT and the session is gone, so
 * the reconnect gets Session Present 0. */
static void
test_setting_second_connect_drop (void **state)
{
  Fx *fx = *state;
  broker (fx)->second_connect = SES_SECOND_CONNECT_DROP;
  guint c = fx_client (fx, "c", "c", SES_MQTT_5, FALSE, 3600);
  fx_connect (fx, 0, c);
  fx_act (fx, 1000, c, SES_ACT_RAW_CONNECT);
  fx_connect (fx, 3000, c);
  fx_run (fx, 4000);
  g_autoptr (GPtrArray) d = fx_packets (fx, SES_OBS_SEND, TRUE, c,
                                        SES_PKT_DISCONNECT);
  assert_int_equal (d->len, 0);
  g_autoptr (GPtrArray) ended = fx_find (fx, SES_OBS_SESSION_ENDED, c);
  assert_int_equal (ended->len, 1);
  assert_int_equal (((SesObs *) g_ptr_array_index (ended, 0))->time_us,
                    MS (1010));
  assert_int_equal (fx_session_present (fx, c, 1), 0);
}

/* Broker setting receive-max-disconnect=off (mosquitto 2.0): the QoS 2
 * PUBLISH past the broker's Receive Maximum gets PUBREC 0x97 and is not
 * accepted; the connection stays open and the others complete. */
static void
test_setting_receive_max_refused_with_pubrec (void **state)
{
  Fx *fx = *state;
  broker (fx)->receive_max = 2;
  broker (fx)->receive_max_disconnect = FALSE;
  guint sub = fx_client (fx, "sub", "sub", SES_MQTT_5, TRUE, -1);
  guint pub = add_publisher (fx, sub, SES_MQTT_5, 2);
  for (guint k = 0; k < 3; k++)
    {
      SesAction *a = fx_act (fx, 1000, pub, SES_ACT_RAW_PUBLISH);
      a->topic = fx_str (fx, "t");
      a->payload = fx_str (fx, k == 0 ? "one" : k == 1 ? "two" : "three");
      a->qos = 2;
      a->packet_id = (guint16) (k + 1);
    }
  for (guint k = 0; k < 2; k++)
    fx_act (fx, 2000, pub, SES_ACT_RAW_PUBREL)->packet_id = (guint16) (k + 1);
  fx_run (fx, 3000);
  g_autoptr (GPtrArray) recs = fx_packets (fx, SES_OBS_SEND, TRUE, pub,
                                           SES_PKT_PUBREC);
  assert_int_equal (recs->len, 3);
  assert_int_equal (((SesObs *) g_ptr_array_index (recs, 0))->pkt.reason, 0);
  assert_int_equal (((SesObs *) g_ptr_array_index (recs, 2))->pkt.reason,
                    SES_RC_QUOTA_EXCEEDED);
  g_autoptr (GPtrArray) d = fx_packets (fx, SES_OBS_SEND, TRUE, pub,
                                        SES_PKT_DISCONNECT);
  assert_int_equal (d->len, 0);
  check_str (fx, obs_payloads (fx, SES_OBS_ACCEPTED, pub), "one two");
  check_str (fx, fx_delivered (fx, sub), "one two");
}

/* A wrong Protocol Name: closed without CONNACK, no session (both
 * [MQTT-3.1.2-1]). */
static void
test_both_MQTT_3_1_2_1_wrong_protocol_name (void **state)
{
  Fx *fx = *state;
  guint c = fx_client (fx, "c", "c", SES_MQTT_311, FALSE, -1);
  fx_connect (fx, 0, c)->protocol_name = fx_str (fx, "MQIsdp");
  fx_run (fx, 2000);
  g_autoptr (GPtrArray) acks = fx_packets (fx, SES_OBS_SEND, TRUE, c,
                                           SES_PKT_CONNACK);
  assert_int_equal (acks->len, 0);
  assert_int_equal (fx_count (fx, SES_OBS_SESSION_CREATED, c), 0);
  assert_int_equal (ses_mqtt_client_state (fx_mqtt (fx), c),
                    SES_CLIENT_OFFLINE);
}

/* ack-reason kind=pubrec reason=0x80: the subscriber refuses, the broker
 * ends the exchange without PUBREL (5.0 [MQTT-4.3.3-4]). */
static void
test_v5_MQTT_4_3_3_4_refused_with_failure_pubrec (void **state)
{
  Fx *fx = *state;
  guint sub = fx_client (fx, "sub", "sub", SES_MQTT_5, TRUE, -1);
  guint pub = add_publisher (fx, sub, SES_MQTT_5, 2);
  SesAction *r = fx_act (fx, 500, sub, SES_ACT_ACK_REASON);
  r->ack_type = SES_PKT_PUBREC;
  r->reason = 0x80;
  fx_publish (fx, 1000, pub, "t", 2, "no");
  fx_run (fx, 3000);
  assert_int_equal (fx_count (fx, SES_OBS_DELIVER, sub), 0);
  g_autoptr (GPtrArray) recs = fx_packets (fx, SES_OBS_SEND, FALSE, sub,
                                           SES_PKT_PUBREC);
  assert_int_equal (recs->len, 1);
  assert_int_equal (((SesObs *) g_ptr_array_index (recs, 0))->pkt.reason,
                    0x80);
  g_autoptr (GPtrArray) rels = fx_packets (fx, SES_OBS_SEND, TRUE, sub,
                                           SES_PKT_PUBREL);
  assert_int_equal (rels->len, 0);
}

/* ---- lingering after DISCONNECT (disconnect linger=) -------------------- */

/* "ms:cause ..." of the closes the client itself saw. */
static char *
client_closes (Fx *fx, guint client)
{
  g_autoptr (GPtrArray) o = fx_find (fx, SES_OBS_CONNECTION_LOST, client);
  GString *out = g_string_new (NULL);
  for (guint i = 0; i < o->len; i++)
    {
      const SesObs *x = g_ptr_array_index (o, i);
      if (x->by_broker)
        continue;
      g_string_append_printf (out, "%s%" G_GINT64_FORMAT ":%s",
                              out->len > 0 ? " " : "", x->time_us / 1000,
                              ses_cause_name ((SesCause) x->cause));
    }
  return g_string_free (out, FALSE);
}

/* The client's notes whose rule starts with `prefix`, as "ms:arg ...". */
static char *
notes_of (Fx *fx, guint client, const char *prefix)
{
  g_autoptr (GPtrArray) o = fx_find (fx, SES_OBS_NOTE, client);
  GString *out = g_string_new (NULL);
  for (guint i = 0; i < o->len; i++)
    {
      const SesObs *x = g_ptr_array_index (o, i);
      if (x->rule == NULL || !g_str_has_prefix (x->rule, prefix))
        continue;
      g_string_append_printf (out, "%s%" G_GINT64_FORMAT ":%u",
                              out->len > 0 ? " " : "", x->time_us / 1000,
                              x->arg);
    }
  return g_string_free (out, FALSE);
}

static void
assert_timers_clean (Fx *fx)
{
  guint64 removed_live = 0, due_dead = 0;
  ses_world_timer_misuse (fx->world, &removed_live, &due_dead);
  assert_int_equal (removed_live, 0);
  assert_int_equal (due_dead, 0);
}

/* linger= in a scenario: on is the default bound, a duration is the bound,
 * off (or nothing) closes at once; for either version. */
static void
test_both_stimulus_linger_parsed (void **state)
{
  (void) state;
  static const char text[] =
    "client a\nclient b mqtt=3.1.1\n"
    "at 1s a disconnect linger=on\n"
    "at 2s a disconnect linger=250ms\n"
    "at 3s b disconnect linger=1m\n"
    "at 4s b disconnect linger=off\n"
    "at 5s a disconnect reason=0x04\n";
  g_autoptr (GError) error = NULL;
  g_autoptr (SesScript) script = ses_script_load ("linger.scn", text,
                                                  sizeof text - 1, &error);
  assert_null (error);
  SesMqttConfig *cfg = ses_script_config (script);
  static const SesTime want[] = {
    SES_LINGER_DEFAULT_US, 250 * SES_US_PER_MS, 60 * SES_US_PER_S, 0, 0,
  };
  assert_int_equal (ses_mqtt_config_n_actions (cfg), G_N_ELEMENTS (want));
  for (guint i = 0; i < G_N_ELEMENTS (want); i++)
    assert_int_equal (ses_mqtt_config_action (cfg, i)->linger_us, want[i]);
  assert_int_equal (SES_LINGER_DEFAULT_US, 5 * SES_US_PER_S);
}

/* The client reads the broker's DISCONNECT 0x82 (a DISCONNECT that raised a
 * zero Session Expiry, 5.0 §3.14.2.2.2) instead of losing it, then closes;
 * it sent nothing after its DISCONNECT (5.0 [MQTT-3.14.4-1]). */
static void
test_v5_stimulus_linger_reads_disconnect_0x82 (void **state)
{
  Fx *fx = *state;
  guint c = fx_client (fx, "c", "c", SES_MQTT_5, TRUE, -1);
  fx_connect (fx, 0, c);
  SesAction *d = fx_disconnect (fx, 1000, c);
  d->has_expiry = TRUE;
  d->expiry_s = 3600;
  d->linger_us = SES_LINGER_DEFAULT_US;
  fx_run (fx, 8000);
  g_autoptr (GPtrArray) got = fx_packets (fx, SES_OBS_RECEIVE, FALSE, c,
                                          SES_PKT_DISCONNECT);
  check_int (fx, got->len, 1);
  check_int (fx, ((SesObs *) g_ptr_array_index (got, 0))->time_us,
             MS (1020));
  check_int (fx, ((SesObs *) g_ptr_array_index (got, 0))->pkt.reason,
             SES_RC_PROTOCOL_ERROR);
  check_int (fx, n_lost (fx, TRUE, c, SES_PKT_DISCONNECT), 0);
  check_str (fx, notes_of (fx, c, "linger:"), "1000:5000");
  check_str (fx, notes_of (fx, c, "linger bound"), "");
  check_str (fx, client_closes (fx, c), "1020:protocol-error");
  /* CONNECT, then DISCONNECT: nothing after it, no PINGREQ either. */
  g_autoptr (GPtrArray) sent = fx_find (fx, SES_OBS_SEND, c);
  guint by_client = 0;
  for (guint i = 0; i < sent->len; i++)
    by_client += !((SesObs *) g_ptr_array_index (sent, i))->by_broker;
  check_int (fx, by_client, 2);
  check_int (fx, ses_mqtt_client_state (fx_mqtt (fx), c), SES_CLIENT_OFFLINE);
  assert_timers_clean (fx);
}

/* A valid DISCONNECT: the broker closes without a word and the lingering
 * client's connection ends with that close, a latency later. */
static void
linger_ends_on_close (void **state, SesMqttVersion v)
{
  Fx *fx = *state;
  guint c = fx_client (fx, "c", "c", v, FALSE, v == SES_MQTT_5 ? 60 : -1);
  fx_connect (fx, 0, c);
  fx_disconnect (fx, 1000, c)->linger_us = 2 * SES_US_PER_S;
  fx_run (fx, 2000);
  check_int (fx, ses_mqtt_client_state (fx_mqtt (fx), c), SES_CLIENT_OFFLINE);
  check_str (fx, client_closes (fx, c), "1020:disconnect");
  check_str (fx, notes_of (fx, c, "linger:"), "1000:2000");
  check_str (fx, notes_of (fx, c, "linger bound"), "");
  g_autoptr (GPtrArray) notes = fx_find (fx, SES_OBS_NOTE, c);
  gboolean cited = FALSE;
  for (guint i = 0; i < notes->len; i++)
    {
      const SesObs *o = g_ptr_array_index (notes, i);
      if (o->rule != NULL && g_str_has_prefix (o->rule, "linger:"))
        cited = strstr (o->rule, v == SES_MQTT_5 ? "(5.0 [MQTT-3.14.4-1])"
                                                 : "(3.1.1 [MQTT-3.14.4-2])")
                != NULL;
    }
  assert_true (cited);
  fx_run_more (fx, 4000);
  check_str (fx, client_closes (fx, c), "1020:disconnect");
  assert_timers_clean (fx);
}

static void
test_v311_stimulus_linger_ends_on_close (void **state)
{
  linger_ends_on_close (state, SES_MQTT_311);
}

static void
test_v5_stimulus_linger_ends_on_close (void **state)
{
  linger_ends_on_close (state, SES_MQTT_5);
}

/* The broker never closes (the link died and only the broker noticed): the
 * client gives up when its bound passes and closes itself (5.0
 * [MQTT-3.14.4-2]). While it lingers it counts itself offline: QoS 0 and
 * SUBSCRIBE are not sent, QoS 1 waits for the next connection, a held
 * acknowledgement never goes out. */
static void
test_v5_stimulus_linger_bound_passes (void **state)
{
  Fx *fx = *state;
  guint c = fx_client (fx, "c", "c", SES_MQTT_5, FALSE, 60);
  fx_connect (fx, 0, c);
  fx_act (fx, 1000, c, SES_ACT_HALF_OPEN_CLIENT);
  fx_disconnect (fx, 1500, c)->linger_us = 2 * SES_US_PER_S;
  fx_publish (fx, 2000, c, "t", 0, "q0");
  fx_subscribe (fx, 2000, c, "s", 1);
  fx_publish (fx, 2000, c, "t", 1, "q1");
  fx_act (fx, 2000, c, SES_ACT_RELEASE_ACKS);
  fx_disconnect (fx, 2000, c); /* already sent its DISCONNECT */
  fx_run (fx, 3000);
  check_int (fx, ses_mqtt_client_state (fx_mqtt (fx), c),
             SES_CLIENT_LINGERING);
  check_str (fx, client_closes (fx, c), "");
  fx_run_more (fx, 6000);
  check_str (fx, notes_of (fx, c, "linger bound"), "3500:0");
  check_str (fx, client_closes (fx, c), "3500:disconnect");
  check_int (fx, n_lost (fx, FALSE, c, SES_PKT_DISCONNECT), 1);
  check_int (fx, n_sent (fx, FALSE, c, SES_PKT_PUBLISH), 0);
  check_int (fx, n_lost (fx, FALSE, c, SES_PKT_PUBLISH), 0);
  check_int (fx, n_sent (fx, FALSE, c, SES_PKT_SUBSCRIBE)
                   + n_lost (fx, FALSE, c, SES_PKT_SUBSCRIBE), 0);
  check_int (fx, ses_mqtt_client_outgoing (fx_mqtt (fx), c)->len, 1);
  check_int (fx, ses_mqtt_client_state (fx_mqtt (fx), c), SES_CLIENT_OFFLINE);
  assert_timers_clean (fx);
}

/* A connect while lingering does not wait for the broker's close: the
 * client closes the old connection itself and opens the new one at once;
 * its QoS 1 message goes out on it. */
static void
test_v5_stimulus_linger_then_connect (void **state)
{
  Fx *fx = *state;
  guint c = fx_client (fx, "c", "c", SES_MQTT_5, FALSE, 60);
  fx_connect (fx, 0, c);
  fx_act (fx, 1000, c, SES_ACT_HALF_OPEN_CLIENT);
  fx_disconnect (fx, 1500, c)->linger_us = SES_LINGER_DEFAULT_US;
  fx_publish (fx, 2000, c, "t", 1, "q1");
  fx_connect (fx, 2500, c);
  fx_run (fx, 10000);
  check_str (fx, notes_of (fx, c, "connect while lingering"), "2500:0");
  check_str (fx, notes_of (fx, c, "linger bound"), "");
  check_str (fx, client_closes (fx, c), "2500:disconnect");
  check_str (fx, sent_times (fx, FALSE, c, SES_PKT_CONNECT), "0 2500");
  check_str (fx, sent_times (fx, FALSE, c, SES_PKT_PUBLISH), "2520");
  check_int (fx, fx_session_present (fx, c, 1), 1);
  check_int (fx, ses_mqtt_client_state (fx_mqtt (fx), c), SES_CLIENT_ONLINE);
  assert_timers_clean (fx);
}

/* A paused client that lingers reads again, but what the pause left
 * unread goes unanswered and undelivered: its DISCONNECT was its last
 * packet. The broker keeps the unacknowledged message in the session. */
static void
test_v5_stimulus_linger_after_pause (void **state)
{
  Fx *fx = *state;
  guint sub = fx_client (fx, "sub", "sub", SES_MQTT_5, FALSE, 60);
  guint pub = fx_client (fx, "pub", "pub", SES_MQTT_5, TRUE, -1);
  fx_connect (fx, 0, sub);
  fx_subscribe (fx, 0, sub, "t", 1);
  fx_connect (fx, 0, pub);
  fx_act (fx, 500, sub, SES_ACT_PAUSE);
  fx_publish (fx, 1000, pub, "t", 1, "a");
  fx_disconnect (fx, 2000, sub)->linger_us = SES_LINGER_DEFAULT_US;
  fx_connect (fx, 3000, sub);
  fx_run (fx, 4000);
  check_str (fx, received_times (fx, FALSE, sub, SES_PKT_PUBLISH),
             "1020 3020");
  check_str (fx, sent_times (fx, FALSE, sub, SES_PKT_PUBACK), "3020");
  check_str (fx, obs_times (fx, SES_OBS_DELIVER, sub), "3020");
  check_str (fx, client_closes (fx, sub), "2020:disconnect");
  assert_timers_clean (fx);
}

/* ---- main ---------------------------------------------------------------- */

#define T(name) cmocka_unit_test_setup_teardown (name, setup, teardown)

int
main (void)
{
  const struct CMUnitTest tests[] = {
    /* L */
    T (test_v311_MQTT_3_1_2_5_offline_qos1_qos2_queued),
    T (test_v311_MQTT_3_1_2_5_offline_qos0_queued_when_configured),
    T (test_v5_MQTT_4_5_0_1_offline_qos1_qos2_queued),
    T (test_v5_MQTT_4_5_0_1_offline_qos0_queued_when_configured),
    T (test_v5_S3_1_2_11_2_expiry_zero_nothing_queued),
    T (test_v5_S3_1_2_11_2_absent_expiry_nothing_queued),
    T (test_v5_S3_1_2_11_2_disconnect_expiry_zero_nothing_queued),
    T (test_v311_MQTT_3_1_2_6_clean_session_nothing_queued),
    T (test_v311_MQTT_4_5_0_1_every_matching_session),
    T (test_v5_MQTT_4_5_0_1_every_matching_session),
    T (test_v311_MQTT_3_1_2_5_queue_limit_drops_newest),
    T (test_v311_MQTT_3_1_2_5_queue_limit_drops_oldest),
    T (test_v5_MQTT_4_5_0_1_queue_limit_drops_newest),
    T (test_v5_MQTT_4_5_0_1_queue_limit_drops_oldest),
    T (test_v311_MQTT_3_10_4_2_unsubscribe_inflight_completes),
    T (test_v5_MQTT_3_10_4_2_unsubscribe_inflight_completes),
    /* M */
    T (test_v5_MQTT_3_3_4_9_server_respects_receive_maximum),
    T (test_v5_MQTT_4_9_0_2_qos2_quota_freed_on_pubcomp),
    T (test_v5_S3_3_4_qos0_not_limited),
    T (test_v5_S4_9_qos0_waits_behind_quota_queue),
    T (test_v5_MQTT_4_9_0_1_quota_restarts_on_reconnect),
    T (test_v5_S4_9_quota_never_above_initial),
    T (test_v5_MQTT_3_3_4_7_client_respects_server_receive_maximum),
    T (test_v5_MQTT_3_3_4_7_client_qos2_window),
    T (test_v5_MQTT_4_9_0_1_client_quota_restarts_on_reconnect),
    T (test_v5_MQTT_3_3_4_10_server_does_not_hold_back_non_publish),
    T (test_v5_MQTT_3_3_4_8_client_does_not_hold_back_non_publish),
    T (test_v5_S3_1_2_11_3_absent_receive_maximum),
    T (test_v5_MQTT_3_3_4_10_resumed_pubrel_not_held_by_quota),
    /* N */
    T (test_v5_MQTT_3_3_2_5_queued_copy_expires),
    T (test_setting_packet_ids_at_queue_leave_gaps),
    T (test_v5_MQTT_3_3_2_5_expires_while_waiting_for_quota),
    T (test_v5_MQTT_3_3_2_6_forwarded_remaining_expiry),
    T (test_v5_S3_3_2_3_3_no_expiry_never_expires),
    T (test_v5_MQTT_4_3_3_7_qos2_completes_after_expiry),
    T (test_v5_MQTT_4_3_3_7_qos2_resent_after_expiry),
    T (test_v5_MQTT_4_3_3_7_qos2_pubrel_resent_after_expiry),
    T (test_v5_S3_1_3_2_4_will_message_expiry),
    /* O */
    T (test_v311_MQTT_3_1_2_24_keep_alive_one_and_a_half),
    T (test_v5_MQTT_3_1_2_22_keep_alive_one_and_a_half),
    T (test_v311_MQTT_3_1_2_24_timeout_keeps_session),
    T (test_v5_MQTT_3_1_2_22_timeout_keeps_session),
    T (test_v311_MQTT_3_1_2_24_live_client_not_timed_out),
    T (test_v5_MQTT_3_1_2_22_live_client_not_timed_out),
    T (test_v311_MQTT_3_1_2_24_will_on_keep_alive_timeout),
    T (test_v5_MQTT_3_1_2_22_will_on_keep_alive_timeout),
    T (test_v5_S3_14_2_1_keep_alive_disconnect_0x8d),
    T (test_v311_MQTT_3_1_2_24_no_server_disconnect),
    T (test_v311_MQTT_3_1_2_23_client_pings_when_idle),
    T (test_v5_MQTT_3_1_2_20_client_pings_when_idle),
    T (test_v311_MQTT_3_12_4_1_pingreq_answered),
    T (test_v5_MQTT_3_12_4_1_pingreq_answered),
    T (test_v5_MQTT_3_1_2_21_server_keep_alive_replaces_clients),
    T (test_v5_MQTT_3_1_2_21_server_keep_alive_shorter_than_round_trip),
    T (test_v5_MQTT_3_2_2_22_server_uses_clients_keep_alive),
    T (test_v311_MQTT_3_1_2_24_server_keep_alive_setting_ignored),
    T (test_v311_S3_1_2_10_keep_alive_zero_disables),
    T (test_v5_S3_1_2_10_keep_alive_zero_disables),
    T (test_v311_S3_1_2_10_client_closes_without_pingresp),
    T (test_v5_S3_1_2_10_client_closes_without_pingresp),
    /* conformance stimuli */
    T (test_v5_stimulus_hold_pubrel_ack_one),
    T (test_v5_stimulus_pause_resume),
    T (test_v5_stimulus_raw_publish_dup_and_pubrel),
    T (test_both_MQTT_3_1_0_2_second_connect),
    T (test_setting_second_connect_drop),
    T (test_setting_receive_max_refused_with_pubrec),
    T (test_both_MQTT_3_1_2_1_wrong_protocol_name),
    T (test_v5_MQTT_4_3_3_4_refused_with_failure_pubrec),
    T (test_both_stimulus_linger_parsed),
    T (test_v5_stimulus_linger_reads_disconnect_0x82),
    T (test_v311_stimulus_linger_ends_on_close),
    T (test_v5_stimulus_linger_ends_on_close),
    T (test_v5_stimulus_linger_bound_passes),
    T (test_v5_stimulus_linger_then_connect),
    T (test_v5_stimulus_linger_after_pause),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
