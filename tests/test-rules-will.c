/* Rule group G of docs/rules (Will message and Will Delay Interval), for
 * MQTT 3.1.1 and 5.0. Each test is named after the rule it checks, keyed by
 * version because the same statement ID means different things in the two.
 * Every test builds one small timeline with the shared fixture, runs it and
 * asserts exact values read from the observation log: when each will went
 * out, what the subscribers received, with which QoS and flags. The map from
 * rules to tests is docs/rules/delivery.md. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <glib.h>
#include <string.h>

#include "mqtt-fixture.h"

/* Timeline shared by most tests (milliseconds; one-way latency 10 ms):
 *   0     monitor connects          100   monitor subscribes dev/+/status
 *   1000  device connects with will 2000  the event under test */
#define T_DEV_CONNECT 1000
#define T_EVENT 2000
#define WILL_TOPIC "dev/1/status"
#define WILL_FILTER "dev/+/status"

/* ---- helpers ------------------------------------------------------------ */

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

/* A will with every field the fixture's fx_will does not set. expiry_s < 0:
 * no Message Expiry on the will. */
static guint32
add_will (Fx *fx, guint client, guint8 qos, gboolean retain, guint32 delay_s,
          gint64 expiry_s)
{
  SesWill will = {
    .topic = fx_str (fx, WILL_TOPIC),
    .payload = fx_str (fx, "offline"),
    .qos = qos,
    .retain = retain,
    .delay_s = delay_s,
    .has_expiry = expiry_s >= 0,
    .expiry_s = expiry_s >= 0 ? (guint32) expiry_s : 0,
  };
  guint32 id = ses_mqtt_config_add_will (fx->cfg, &will);
  fx_client_config (fx, client)->will = id;
  return id;
}

typedef struct {
  Fx *fx;
  guint mon; /* subscribed to the will topic, online throughout */
  guint dev; /* the client whose will is under test */
} WillRig;

/* A monitor subscribed at QoS 2 and a device with ClientId "dev-1" and
 * Clean Start/Session 0 connecting at T_DEV_CONNECT. dev_expiry_s < 0: no
 * Session Expiry property (3.1.1 always). will_delay_s only matters in 5.0. */
static WillRig
rig_new (void **state, SesMqttVersion v, gint64 dev_expiry_s, guint8 will_qos,
         gboolean retain, guint32 will_delay_s)
{
  WillRig r;
  r.fx = make_fx (state);
  r.mon = fx_client (r.fx, "mon", "monitor", v, TRUE, -1);
  r.dev = fx_client (r.fx, "dev", "dev-1", v, FALSE,
                     v == SES_MQTT_5 ? dev_expiry_s : -1);
  add_will (r.fx, r.dev, will_qos, retain, will_delay_s, -1);
  fx_connect (r.fx, 0, r.mon);
  fx_subscribe (r.fx, 100, r.mon, WILL_FILTER, 2);
  fx_connect (r.fx, T_DEV_CONNECT, r.dev);
  return r;
}

/* The device's keep alive is 2 s, and at T_EVENT its link dies without
 * the broker noticing: only the keep-alive timer can tell. */
static void
go_silent (WillRig r)
{
  fx_client_config (r.fx, r.dev)->keep_alive_s = 2;
  fx_act (r.fx, T_EVENT, r.dev, SES_ACT_HALF_OPEN_BROKER);
}

/* The device sends DISCONNECT with this reason code at T_EVENT. */
static void
disconnect_with (WillRig r, guint8 reason)
{
  SesAction *a = fx_disconnect (r.fx, T_EVENT, r.dev);
  a->reason = reason;
}

/* "dev2", with the device's ClientId "dev-1" and the Clean flag and
 * expiry given, connects at 3 s and takes the session over. Returns it. */
static guint
take_over (WillRig r, SesMqttVersion v, gboolean clean, gint64 expiry_s)
{
  guint dev2 = fx_client (r.fx, "dev2", "dev-1", v, clean, expiry_s);
  fx_connect (r.fx, 3000, dev2);
  return dev2;
}

/* Virtual times, in ms, of every will publication: "2000 7000". */
static char *
will_times (Fx *fx)
{
  g_autoptr (GPtrArray) found = fx_find (fx, SES_OBS_WILL_PUBLISHED, G_MAXUINT);
  GString *out = g_string_new (NULL);
  for (guint i = 0; i < found->len; i++)
    {
      const SesObs *o = g_ptr_array_index (found, i);
      g_string_append_printf (out, "%s%" G_GINT64_FORMAT, i ? " " : "",
                              o->time_us / SES_US_PER_MS);
    }
  return g_string_free (out, FALSE);
}

/* Causes of the will publications, by name: "cut keep-alive". */
static char *
will_causes (Fx *fx)
{
  g_autoptr (GPtrArray) found = fx_find (fx, SES_OBS_WILL_PUBLISHED, G_MAXUINT);
  GString *out = g_string_new (NULL);
  for (guint i = 0; i < found->len; i++)
    {
      const SesObs *o = g_ptr_array_index (found, i);
      g_string_append_printf (out, "%s%s", i ? " " : "",
                              ses_cause_name ((SesCause) o->cause));
    }
  return g_string_free (out, FALSE);
}

/* What a client's application got, with QoS, RETAIN and arrival time:
 * "offline/q1@2010" or "offline/q2/retain@3120". */
static char *
deliveries (Fx *fx, guint client)
{
  g_autoptr (GPtrArray) found = fx_find (fx, SES_OBS_DELIVER, client);
  SesIntern *strings = ses_mqtt_config_strings (fx->cfg);
  GString *out = g_string_new (NULL);
  for (guint i = 0; i < found->len; i++)
    {
      const SesObs *o = g_ptr_array_index (found, i);
      g_string_append_printf (out, "%s%s/q%u%s@%" G_GINT64_FORMAT,
                              i ? " " : "",
                              ses_intern_get (strings, o->pkt.payload),
                              o->pkt.qos,
                              (o->pkt.flags & SES_PKT_F_RETAIN) ? "/retain"
                                                                : "",
                              o->time_us / SES_US_PER_MS);
    }
  return g_string_free (out, FALSE);
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

static guint
count_packets (Fx *fx, SesObsKind kind, gboolean by_broker, guint client,
               SesPacketType type)
{
  g_autoptr (GPtrArray) found = fx_packets (fx, kind, by_broker, client, type);
  return found->len;
}

/* Reason code of the n-th packet of this type the broker sent (or tried to
 * send) to the client, or -1. */
static int
broker_packet_reason (Fx *fx, guint client, SesPacketType type, guint n)
{
  guint seen = 0;
  const GArray *log = ses_mqtt_log (fx_mqtt (fx));
  for (guint i = 0; i < log->len; i++)
    {
      const SesObs *o = &g_array_index (log, SesObs, i);
      if ((o->kind == SES_OBS_SEND || o->kind == SES_OBS_LOST) && o->by_broker
          && o->client == client && o->pkt.type == type && seen++ == n)
        return o->pkt.reason;
    }
  return -1;
}

/* ---- broker setting will-by-client-id (mosquitto 2.0) ------------------ */

/* Session Expiry 0 and Will Delay 5 s, cut at T_EVENT: the spec publishes
 * the will when the session ends with the connection; a broker that keeps
 * the will with the ClientId waits the delay, then publishes it, with no
 * session left. */
static void
test_setting_will_by_client_id_outlives_session (void **state)
{
  WillRig r = rig_new (state, SES_MQTT_5, 0, 1, FALSE, 5);
  ses_mqtt_config_broker (r.fx->cfg)->will_by_client_id = TRUE;
  fx_act (r.fx, T_EVENT, r.dev, SES_ACT_CUT);
  fx_run (r.fx, 10000);
  expect_str (r.fx, will_times (r.fx), "7000", "will publication times");
  expect_str (r.fx, will_causes (r.fx), "will-delay", "will causes");
  expect_int (r.fx, fx_count (r.fx, SES_OBS_SESSION_ENDED, r.dev), 1,
              "sessions ended");
}

/* The same will, and the ClientId connects again with Clean Start 1 inside
 * the delay: the spec ends the old session and publishes the will at
 * once; a broker that keeps the will with the ClientId cancels it. */
static void
test_setting_will_by_client_id_cancelled_by_clean_reconnect (void **state)
{
  WillRig r = rig_new (state, SES_MQTT_5, 600, 1, FALSE, 30);
  ses_mqtt_config_broker (r.fx->cfg)->will_by_client_id = TRUE;
  fx_act (r.fx, T_EVENT, r.dev, SES_ACT_CUT);
  take_over (r, SES_MQTT_5, TRUE, 600);
  fx_run (r.fx, 60000);
  expect_str (r.fx, will_times (r.fx), "", "will publication times");
  expect_int (r.fx, fx_count (r.fx, SES_OBS_WILL_CANCELLED, G_MAXUINT), 1,
              "wills cancelled");
}

/* The spec side of the last case, for contrast: published at the
 * reconnect, when the old session ends (5.0 [MQTT-3.1.2-8]). */
static void
test_v5_MQTT_3_1_2_8_clean_reconnect_publishes_pending_will (void **state)
{
  WillRig r = rig_new (state, SES_MQTT_5, 600, 1, FALSE, 30);
  fx_act (r.fx, T_EVENT, r.dev, SES_ACT_CUT);
  take_over (r, SES_MQTT_5, TRUE, 600);
  fx_run (r.fx, 60000);
  expect_str (r.fx, will_times (r.fx), "3010", "will publication times");
}

/* ---- 3.1.1 -------------------------------------------------------------- */

/* 3.1.1 [MQTT-3.1.2-8]: the will goes out when the connection closes
 * without DISCONNECT; a network cut is such a close (§3.1.2.5). */
static void
test_v311_MQTT_3_1_2_8_will_on_network_cut (void **state)
{
  WillRig r = rig_new (state, SES_MQTT_311, -1, 1, FALSE, 0);
  fx_act (r.fx, T_EVENT, r.dev, SES_ACT_CUT);
  fx_run (r.fx, 10000);
  expect_str (r.fx, will_times (r.fx), "2000", "will times");
  expect_str (r.fx, will_causes (r.fx), "cut", "will causes");
  expect_str (r.fx, deliveries (r.fx, r.mon), "offline/q1@2010", "monitor");
}

/* 3.1.1 §3.1.2.5: a client that closes without DISCONNECT (here: its
 * process dies and the OS closes the socket) triggers the will. */
static void
test_v311_S3_1_2_5_will_on_client_crash (void **state)
{
  WillRig r = rig_new (state, SES_MQTT_311, -1, 1, FALSE, 0);
  fx_act (r.fx, T_EVENT, r.dev, SES_ACT_CRASH);
  fx_run (r.fx, 10000);
  expect_str (r.fx, will_times (r.fx), "2000", "will times");
  expect_str (r.fx, deliveries (r.fx, r.mon), "offline/q1@2010", "monitor");
}

/* 3.1.1 §3.1.2.5 with [MQTT-3.1.2-24]: keep alive 2 s, the link dies
 * silently at 2 s; the broker last heard from the device at 1.010 s and
 * gives up 1.5 x 2 s later, at 4.010 s, publishing the will. */
static void
test_v311_S3_1_2_5_will_on_keep_alive_timeout (void **state)
{
  WillRig r = rig_new (state, SES_MQTT_311, -1, 1, FALSE, 0);
  go_silent (r);
  fx_run (r.fx, 10000);
  expect_int (r.fx, fx_count (r.fx, SES_OBS_KEEP_ALIVE_TIMEOUT, r.dev), 1,
              "keep-alive timeouts");
  expect_str (r.fx, will_times (r.fx), "4010", "will times");
  expect_str (r.fx, will_causes (r.fx), "keep-alive", "will causes");
  expect_str (r.fx, deliveries (r.fx, r.mon), "offline/q1@4020", "monitor");
  /* 3.1.1 has no server DISCONNECT: the broker just closes. */
  expect_int (r.fx,
              count_packets (r.fx, SES_OBS_SEND, TRUE, r.dev, SES_PKT_DISCONNECT)
                + count_packets (r.fx, SES_OBS_LOST, TRUE, r.dev,
                                 SES_PKT_DISCONNECT),
              0, "server DISCONNECT packets");
}

/* 3.1.1 [MQTT-3.1.2-8] applied to takeover ([MQTT-3.1.4-2]): the old
 * connection is closed without a DISCONNECT from its client, so its will is
 * published when the second CONNECT arrives (3.010 s). */
static void
test_v311_MQTT_3_1_2_8_will_on_takeover (void **state)
{
  WillRig r = rig_new (state, SES_MQTT_311, -1, 1, FALSE, 0);
  take_over (r, SES_MQTT_311, FALSE, -1);
  fx_run (r.fx, 10000);
  expect_int (r.fx, fx_count (r.fx, SES_OBS_TAKEOVER, G_MAXUINT), 1,
              "takeovers");
  expect_str (r.fx, will_times (r.fx), "3010", "will times");
  expect_str (r.fx, will_causes (r.fx), "taken-over", "will causes");
  expect_str (r.fx, deliveries (r.fx, r.mon), "offline/q1@3020", "monitor");
}

/* 3.1.1 [MQTT-3.14.4-3]: DISCONNECT discards the will unpublished. */
static void
test_v311_MQTT_3_14_4_3_no_will_after_disconnect (void **state)
{
  WillRig r = rig_new (state, SES_MQTT_311, -1, 1, FALSE, 0);
  fx_disconnect (r.fx, T_EVENT, r.dev);
  fx_run (r.fx, 20000);
  expect_int (r.fx, fx_count (r.fx, SES_OBS_WILL_DISCARDED, G_MAXUINT), 1,
              "wills discarded");
  expect_str (r.fx, will_times (r.fx), "", "will times");
  expect_str (r.fx, deliveries (r.fx, r.mon), "", "monitor");
}

/* 3.1.1 [MQTT-3.1.2-10]: the will leaves the server once published, so
 * each accepted CONNECT yields at most one publication. Connection 1 is
 * half-open and replaced by connection 2 on the same link (will at the
 * takeover, none later from the dead connection's keep alive); connection
 * 2 is cut (will); connection 3 ends with DISCONNECT (no will). */
static void
test_v311_MQTT_3_1_2_10_at_most_one_will_per_connect (void **state)
{
  WillRig r = rig_new (state, SES_MQTT_311, -1, 1, FALSE, 0);
  go_silent (r);
  fx_connect (r.fx, 2500, r.dev);
  fx_act (r.fx, 5000, r.dev, SES_ACT_CUT);
  fx_connect (r.fx, 6000, r.dev);
  fx_disconnect (r.fx, 7000, r.dev);
  fx_run (r.fx, 20000);
  expect_str (r.fx, will_times (r.fx), "2510 5000", "will times");
  expect_str (r.fx, will_causes (r.fx), "taken-over cut", "will causes");
  expect_int (r.fx, fx_count (r.fx, SES_OBS_KEEP_ALIVE_TIMEOUT, G_MAXUINT), 0,
              "keep-alive timeouts");
  expect_str (r.fx, deliveries (r.fx, r.mon),
              "offline/q1@2520 offline/q1@5010", "monitor");
}

/* 3.1.1 [MQTT-3.1.2-12]: Will Flag 0, no will is ever published. */
static void
test_v311_MQTT_3_1_2_12_no_will_without_flag (void **state)
{
  WillRig r = rig_new (state, SES_MQTT_311, -1, 1, FALSE, 0);
  fx_client_config (r.fx, r.dev)->will = 0;
  fx_act (r.fx, T_EVENT, r.dev, SES_ACT_CUT);
  fx_run (r.fx, 10000);
  expect_str (r.fx, will_times (r.fx), "", "will times");
  expect_int (r.fx, count_packets (r.fx, SES_OBS_SEND, TRUE, r.mon,
                                   SES_PKT_PUBLISH),
              0, "PUBLISH packets to the monitor");
  expect_str (r.fx, deliveries (r.fx, r.mon), "", "monitor");
}

/* Shared by the 3.1.1 and 5.0 retain tests: the will goes out at the cut;
 * a subscriber arriving afterwards gets it only if it was retained. */
static void
check_will_retain (void **state, SesMqttVersion v, gboolean retain)
{
  WillRig r = rig_new (state, v, 600, 1, retain, 0);
  guint late = fx_client (r.fx, "late", "latecomer", v, TRUE, -1);
  fx_act (r.fx, T_EVENT, r.dev, SES_ACT_CUT);
  fx_connect (r.fx, 3000, late);
  fx_subscribe (r.fx, 3100, late, WILL_FILTER, 2);
  fx_run (r.fx, 10000);
  expect_str (r.fx, will_times (r.fx), "2000", "will times");
  /* An existing subscription gets RETAIN 0 either way (3.1.1
   * [MQTT-3.3.1-9]; 5.0 with Retain As Published 0). */
  expect_str (r.fx, deliveries (r.fx, r.mon), "offline/q1@2010", "monitor");
  expect_str (r.fx, deliveries (r.fx, late),
              retain ? "offline/q1/retain@3120" : "", "latecomer");
  expect_int (r.fx, ses_mqtt_retained (fx_mqtt (r.fx))->len, retain ? 1 : 0,
              "retained messages");
}

/* 3.1.1 [MQTT-3.1.2-17]: Will Retain 1, the will is published retained. */
static void
test_v311_MQTT_3_1_2_17_will_retained (void **state)
{
  check_will_retain (state, SES_MQTT_311, TRUE);
}

/* 3.1.1 [MQTT-3.1.2-16]: Will Retain 0, the will is not retained. */
static void
test_v311_MQTT_3_1_2_16_will_not_retained (void **state)
{
  check_will_retain (state, SES_MQTT_311, FALSE);
}

/* The will reaches three subscribers granted QoS 0, 1 and 2; each gets
 * min(will QoS, granted QoS). */
static void
check_will_qos (void **state, SesMqttVersion v, guint8 will_qos,
                const char *want0, const char *want1, const char *want2)
{
  WillRig r = rig_new (state, v, 600, will_qos, FALSE, 0);
  guint s[3];
  for (guint8 q = 0; q < 3; q++)
    {
      g_autofree char *label = g_strdup_printf ("sub%u", q);
      s[q] = fx_client (r.fx, label, label, v, TRUE, -1);
      fx_connect (r.fx, 10 + q, s[q]);
      fx_subscribe (r.fx, 200, s[q], WILL_FILTER, q);
    }
  fx_act (r.fx, T_EVENT, r.dev, SES_ACT_CUT);
  fx_run (r.fx, 10000);
  expect_str (r.fx, deliveries (r.fx, s[0]), want0, "granted q0");
  expect_str (r.fx, deliveries (r.fx, s[1]), want1, "granted q1");
  expect_str (r.fx, deliveries (r.fx, s[2]), want2, "granted q2");
}

/* 3.1.1 [MQTT-3.8.4-6] for a will: delivered QoS = min(will QoS, granted). */
static void
test_v311_MQTT_3_8_4_6_will_qos_min_granted (void **state)
{
  check_will_qos (state, SES_MQTT_311, 1, "offline/q0@2010",
                  "offline/q1@2010", "offline/q1@2010");
  check_will_qos (state, SES_MQTT_311, 2, "offline/q0@2010",
                  "offline/q1@2010", "offline/q2@2010");
}

/* ---- 5.0 ---------------------------------------------------------------- */

/* 5.0 [MQTT-3.1.2-8]: Will Delay 0 (absent), the session is kept (expiry
 * 600 s): the will goes out as soon as the cut is seen. */
static void
test_v5_MQTT_3_1_2_8_will_on_cut_no_delay (void **state)
{
  WillRig r = rig_new (state, SES_MQTT_5, 600, 1, FALSE, 0);
  fx_act (r.fx, T_EVENT, r.dev, SES_ACT_CUT);
  fx_run (r.fx, 10000);
  expect_int (r.fx, fx_count (r.fx, SES_OBS_SESSION_KEPT, r.dev), 1,
              "session kept");
  expect_str (r.fx, will_times (r.fx), "2000", "will times");
  expect_str (r.fx, will_causes (r.fx), "cut", "will causes");
  expect_str (r.fx, deliveries (r.fx, r.mon), "offline/q1@2010", "monitor");
}

/* 5.0 §3.1.2.5: a client process that dies closes without DISCONNECT. */
static void
test_v5_S3_1_2_5_will_on_client_crash (void **state)
{
  WillRig r = rig_new (state, SES_MQTT_5, 600, 1, FALSE, 0);
  fx_act (r.fx, T_EVENT, r.dev, SES_ACT_CRASH);
  fx_run (r.fx, 10000);
  expect_str (r.fx, will_times (r.fx), "2000", "will times");
  expect_str (r.fx, deliveries (r.fx, r.mon), "offline/q1@2010", "monitor");
}

/* 5.0 §3.1.2.5 with [MQTT-3.1.2-22]: keep-alive expiry is a will trigger;
 * the broker may say why first (DISCONNECT 0x8D, lost on the dead link). */
static void
test_v5_S3_1_2_5_will_on_keep_alive_timeout (void **state)
{
  WillRig r = rig_new (state, SES_MQTT_5, 600, 1, FALSE, 0);
  go_silent (r);
  fx_run (r.fx, 10000);
  expect_str (r.fx, will_times (r.fx), "4010", "will times");
  expect_str (r.fx, will_causes (r.fx), "keep-alive", "will causes");
  expect_int (r.fx, broker_packet_reason (r.fx, r.dev, SES_PKT_DISCONNECT, 0),
              SES_RC_KEEP_ALIVE_TIMEOUT, "server DISCONNECT reason");
  expect_str (r.fx, deliveries (r.fx, r.mon), "offline/q1@4020", "monitor");
}

/* 5.0 §3.1.2.5: the server closes after a protocol error without having
 * received a valid DISCONNECT 0x00, so the will is due. The error: CONNECT
 * without Session Expiry (0), then DISCONNECT with Session Expiry 60
 * (§3.14.2.2.2, corner case C13). The session ends with the connection. */
static void
test_v5_S3_1_2_5_will_on_protocol_error (void **state)
{
  WillRig r = rig_new (state, SES_MQTT_5, -1, 1, FALSE, 0);
  SesAction *a = fx_disconnect (r.fx, T_EVENT, r.dev);
  a->has_expiry = TRUE;
  a->expiry_s = 60;
  fx_run (r.fx, 10000);
  expect_int (r.fx, fx_count (r.fx, SES_OBS_PROTOCOL_ERROR, r.dev), 1,
              "protocol errors");
  expect_int (r.fx, broker_packet_reason (r.fx, r.dev, SES_PKT_DISCONNECT, 0),
              SES_RC_PROTOCOL_ERROR, "server DISCONNECT reason");
  expect_str (r.fx, will_times (r.fx), "2010", "will times");
  expect_str (r.fx, deliveries (r.fx, r.mon), "offline/q1@2020", "monitor");
}

/* 5.0 [MQTT-3.14.4-3], [MQTT-3.1.2-10]: DISCONNECT 0x00 deletes the will,
 * even one still waiting for its delay; nothing is ever published. */
static void
test_v5_MQTT_3_14_4_3_no_will_after_disconnect_success (void **state)
{
  WillRig r = rig_new (state, SES_MQTT_5, 600, 1, FALSE, 5);
  fx_disconnect (r.fx, T_EVENT, r.dev);
  fx_run (r.fx, 30000);
  expect_int (r.fx, fx_count (r.fx, SES_OBS_WILL_DISCARDED, G_MAXUINT), 1,
              "wills discarded");
  expect_int (r.fx, fx_count (r.fx, SES_OBS_WILL_SCHEDULED, G_MAXUINT), 0,
              "wills scheduled");
  expect_str (r.fx, will_times (r.fx), "", "will times");
  expect_str (r.fx, deliveries (r.fx, r.mon), "", "monitor");
}

/* 5.0 [MQTT-3.1.2-8], [MQTT-3.14.4-3], §3.1.2.5: only DISCONNECT with
 * reason 0x00 deletes the will. A client closing with DISCONNECT 0x80
 * (Unspecified error) has not sent DISCONNECT 0x00, so its will is due. */
static void
test_v5_MQTT_3_1_2_8_will_after_disconnect_error_reason (void **state)
{
  WillRig r = rig_new (state, SES_MQTT_5, 600, 1, FALSE, 0);
  disconnect_with (r, SES_RC_UNSPECIFIED);
  fx_run (r.fx, 10000);
  expect_int (r.fx, fx_count (r.fx, SES_OBS_WILL_DISCARDED, G_MAXUINT), 0,
              "wills discarded");
  expect_str (r.fx, will_times (r.fx), "2010", "will times");
  expect_str (r.fx, deliveries (r.fx, r.mon), "offline/q1@2020", "monitor");
}

/* 5.0 §3.14.2.1: DISCONNECT 0x04 (Disconnect with Will Message) asks for
 * the will to be published anyway; delay 0 means at once. */
static void
test_v5_S3_14_2_1_will_with_disconnect_0x04 (void **state)
{
  WillRig r = rig_new (state, SES_MQTT_5, 600, 1, FALSE, 0);
  disconnect_with (r, SES_RC_DISCONNECT_WITH_WILL);
  fx_run (r.fx, 10000);
  expect_int (r.fx, fx_count (r.fx, SES_OBS_WILL_DISCARDED, G_MAXUINT), 0,
              "wills discarded");
  expect_str (r.fx, will_times (r.fx), "2010", "will times");
  expect_str (r.fx, deliveries (r.fx, r.mon), "offline/q1@2020", "monitor");
}

/* 5.0 §3.14.2.1 with §3.1.3.2.2: DISCONNECT 0x04 still honours the Will
 * Delay (5 s from when the broker gets the DISCONNECT at 2.010 s). */
static void
test_v5_S3_14_2_1_disconnect_0x04_waits_for_delay (void **state)
{
  WillRig r = rig_new (state, SES_MQTT_5, 600, 1, FALSE, 5);
  disconnect_with (r, SES_RC_DISCONNECT_WITH_WILL);
  fx_run (r.fx, 20000);
  expect_str (r.fx, will_times (r.fx), "7010", "will times");
  expect_str (r.fx, deliveries (r.fx, r.mon), "offline/q1@7020", "monitor");
}

/* 5.0 (non-normative §3.1.2.5): Will Delay 100 s longer than Session
 * Expiry 10 s plus DISCONNECT 0x04: the will goes out when the session
 * ends, as a "session expired" notice (12.010 s). */
static void
test_v5_S3_1_2_5_will_as_session_expired_notice (void **state)
{
  WillRig r = rig_new (state, SES_MQTT_5, 10, 1, FALSE, 100);
  disconnect_with (r, SES_RC_DISCONNECT_WITH_WILL);
  fx_run (r.fx, 200000);
  expect_str (r.fx, will_times (r.fx), "12010", "will times");
  g_autoptr (GPtrArray) ended = fx_find (r.fx, SES_OBS_SESSION_ENDED, r.dev);
  expect_int (r.fx, ended->len, 1, "sessions ended");
  expect_int (r.fx,
              ((const SesObs *) g_ptr_array_index (ended, 0))->time_us
                / SES_US_PER_MS,
              12010, "session end time");
  expect_str (r.fx, deliveries (r.fx, r.mon), "offline/q1@12020", "monitor");
}

/* 5.0 [MQTT-3.1.2-8], §3.1.3.2.2, [MQTT-3.1.2-7]: Will Delay 5 s, session
 * kept for 600 s. The will is held by the session while the client is
 * away, nothing goes out before 7 s, and it goes out at 7 s. */
static void
test_v5_MQTT_3_1_2_8_will_after_delay (void **state)
{
  WillRig r = rig_new (state, SES_MQTT_5, 600, 1, FALSE, 5);
  fx_act (r.fx, T_EVENT, r.dev, SES_ACT_CUT);
  fx_run (r.fx, 6999);
  guint32 session = ses_mqtt_client_session (fx_mqtt (r.fx), r.dev);
  const SesSession *s = ses_mqtt_session (fx_mqtt (r.fx), session);
  expect_int (r.fx, s->exists && s->will != 0, 1, "will held by the session");
  expect_str (r.fx, will_times (r.fx), "", "will times before the delay");
  fx_run_more (r.fx, 20000);
  expect_str (r.fx, will_times (r.fx), "7000", "will times");
  expect_str (r.fx, will_causes (r.fx), "will-delay", "will causes");
  expect_str (r.fx, deliveries (r.fx, r.mon), "offline/q1@7010", "monitor");
  /* 5.0 [MQTT-3.1.2-10]: gone from the session once published. */
  s = ses_mqtt_session (fx_mqtt (r.fx), session);
  expect_int (r.fx, s->will, 0, "will left in the session");
}

/* 5.0 [MQTT-3.1.2-8], §3.1.3.2.2: Will Delay 30 s but Session Expiry 4 s:
 * the session ends first (6 s) and the will goes out then. */
static void
test_v5_MQTT_3_1_2_8_will_at_session_end_before_delay (void **state)
{
  WillRig r = rig_new (state, SES_MQTT_5, 4, 1, FALSE, 30);
  fx_act (r.fx, T_EVENT, r.dev, SES_ACT_CUT);
  fx_run (r.fx, 60000);
  expect_str (r.fx, will_times (r.fx), "6000", "will times");
  expect_str (r.fx, deliveries (r.fx, r.mon), "offline/q1@6010", "monitor");
}

/* 5.0 [MQTT-3.1.2-8], corner case C2: no Session Expiry (0) and Will
 * Delay 30 s: the session ends with the connection, so the will goes out
 * at once, not after 30 s. */
static void
test_v5_C2_MQTT_3_1_2_8_will_at_once_when_expiry_0 (void **state)
{
  WillRig r = rig_new (state, SES_MQTT_5, -1, 1, FALSE, 30);
  fx_act (r.fx, T_EVENT, r.dev, SES_ACT_CUT);
  fx_run (r.fx, 60000);
  expect_str (r.fx, will_times (r.fx), "2000", "will times");
  expect_str (r.fx, deliveries (r.fx, r.mon), "offline/q1@2010", "monitor");
}

/* 5.0 [MQTT-3.1.3-9], corner case C2: a reconnect within the Will Delay
 * cancels the will; later DISCONNECT 0x00 leaves nothing to publish. */
static void
test_v5_MQTT_3_1_3_9_reconnect_within_delay_cancels_will (void **state)
{
  WillRig r = rig_new (state, SES_MQTT_5, 600, 1, FALSE, 10);
  fx_act (r.fx, T_EVENT, r.dev, SES_ACT_CUT);
  fx_connect (r.fx, 5000, r.dev);
  fx_disconnect (r.fx, 8000, r.dev);
  fx_run (r.fx, 60000);
  expect_int (r.fx, fx_count (r.fx, SES_OBS_WILL_SCHEDULED, G_MAXUINT), 1,
              "wills scheduled");
  expect_int (r.fx, fx_count (r.fx, SES_OBS_WILL_CANCELLED, G_MAXUINT), 1,
              "wills cancelled");
  expect_int (r.fx, fx_session_present (r.fx, r.dev, 1), 1,
              "session present on reconnect");
  expect_str (r.fx, will_times (r.fx), "", "will times");
  expect_str (r.fx, deliveries (r.fx, r.mon), "", "monitor");
}

/* 5.0 [MQTT-3.1.3-9] through a takeover (§3.1.4, non-normative): the new
 * connection has Clean Start 0 and the old will a delay of 10 s, so the
 * session continues and the old will is never sent. */
static void
test_v5_MQTT_3_1_3_9_takeover_within_delay_cancels_will (void **state)
{
  WillRig r = rig_new (state, SES_MQTT_5, 600, 1, FALSE, 10);
  guint dev2 = take_over (r, SES_MQTT_5, FALSE, 600);
  fx_run (r.fx, 60000);
  expect_int (r.fx, fx_count (r.fx, SES_OBS_TAKEOVER, G_MAXUINT), 1,
              "takeovers");
  expect_int (r.fx, broker_packet_reason (r.fx, r.dev, SES_PKT_DISCONNECT, 0),
              SES_RC_SESSION_TAKEN_OVER, "DISCONNECT to the old connection");
  expect_int (r.fx, fx_session_present (r.fx, dev2, 0), 1,
              "session present for the new connection");
  expect_str (r.fx, will_times (r.fx), "", "will times");
  expect_str (r.fx, deliveries (r.fx, r.mon), "", "monitor");
}

/* 5.0 §3.1.4 (non-normative), [MQTT-3.1.2-8]: a takeover whose CONNECT has
 * Clean Start 1 ends the old session, so the old will goes out at once in
 * spite of its 30 s delay. */
static void
test_v5_S3_1_4_takeover_clean_start_publishes_will (void **state)
{
  WillRig r = rig_new (state, SES_MQTT_5, 600, 1, FALSE, 30);
  guint dev2 = take_over (r, SES_MQTT_5, TRUE, 600);
  fx_run (r.fx, 60000);
  expect_str (r.fx, will_times (r.fx), "3010", "will times");
  expect_int (r.fx, fx_session_present (r.fx, dev2, 0), 0,
              "session present for the new connection");
  expect_str (r.fx, deliveries (r.fx, r.mon), "offline/q1@3020", "monitor");
}

/* 5.0 §3.1.4 (non-normative), [MQTT-3.1.2-8]: takeover with Clean Start 0,
 * old will without delay: it goes out at the takeover. */
static void
test_v5_S3_1_4_takeover_no_delay_publishes_will (void **state)
{
  WillRig r = rig_new (state, SES_MQTT_5, 600, 1, FALSE, 0);
  guint dev2 = take_over (r, SES_MQTT_5, FALSE, 600);
  fx_run (r.fx, 60000);
  expect_str (r.fx, will_times (r.fx), "3010", "will times");
  expect_str (r.fx, will_causes (r.fx), "taken-over", "will causes");
  expect_int (r.fx, fx_session_present (r.fx, dev2, 0), 1,
              "session present for the new connection");
  expect_str (r.fx, deliveries (r.fx, r.mon), "offline/q1@3020", "monitor");
}

/* 5.0 §3.1.4 (non-normative), corner case C3: the old connection had no
 * Session Expiry, so its session ends at the takeover; its will (delay
 * 30 s) goes out at once and the new connection gets Session Present 0. */
static void
test_v5_C3_S3_1_4_takeover_expiry_0_publishes_will (void **state)
{
  WillRig r = rig_new (state, SES_MQTT_5, -1, 1, FALSE, 30);
  guint dev2 = take_over (r, SES_MQTT_5, FALSE, 600);
  fx_run (r.fx, 60000);
  expect_str (r.fx, will_times (r.fx), "3010", "will times");
  expect_int (r.fx, fx_session_present (r.fx, dev2, 0), 0,
              "session present for the new connection");
  expect_str (r.fx, deliveries (r.fx, r.mon), "offline/q1@3020", "monitor");
}

/* 5.0 [MQTT-3.1.2-10]: once published (or cancelled) the will is gone, so
 * each CONNECT with a will yields at most one publication: cut (will after
 * 5 s), reconnect (new will), cut (will after 5 s), reconnect, DISCONNECT
 * 0x00 (none). */
static void
test_v5_MQTT_3_1_2_10_at_most_one_will_per_connect (void **state)
{
  WillRig r = rig_new (state, SES_MQTT_5, 600, 1, FALSE, 5);
  fx_act (r.fx, T_EVENT, r.dev, SES_ACT_CUT);
  fx_connect (r.fx, 8000, r.dev);
  fx_act (r.fx, 9000, r.dev, SES_ACT_CUT);
  fx_connect (r.fx, 15000, r.dev);
  fx_disconnect (r.fx, 16000, r.dev);
  fx_run (r.fx, 60000);
  expect_str (r.fx, will_times (r.fx), "7000 14000", "will times");
  expect_int (r.fx, fx_count (r.fx, SES_OBS_WILL_DISCARDED, G_MAXUINT), 1,
              "wills discarded");
  expect_str (r.fx, deliveries (r.fx, r.mon),
              "offline/q1@7010 offline/q1@14010", "monitor");
}

/* 5.0 [MQTT-3.1.2-15]: Will Retain 1, published retained. */
static void
test_v5_MQTT_3_1_2_15_will_retained (void **state)
{
  check_will_retain (state, SES_MQTT_5, TRUE);
}

/* 5.0 [MQTT-3.1.2-14]: Will Retain 0, published non-retained. */
static void
test_v5_MQTT_3_1_2_14_will_not_retained (void **state)
{
  check_will_retain (state, SES_MQTT_5, FALSE);
}

/* 5.0 [MQTT-3.8.4-8] for a will: delivered QoS = min(will QoS, granted). */
static void
test_v5_MQTT_3_8_4_8_will_qos_min_granted (void **state)
{
  check_will_qos (state, SES_MQTT_5, 1, "offline/q0@2010", "offline/q1@2010",
                  "offline/q1@2010");
  check_will_qos (state, SES_MQTT_5, 2, "offline/q0@2010", "offline/q1@2010",
                  "offline/q2@2010");
}

/* 5.0 §3.1.3.2.4: the will's Message Expiry (5 s) is the publication's.
 * Two persistent subscribers are away when the will goes out at 2 s: one
 * is back at 4 s and gets it with 3 s left; one is back at 10 s and the
 * copy has expired. */
static void
test_v5_S3_1_3_2_4_will_message_expiry (void **state)
{
  Fx *fx = make_fx (state);
  guint soon = fx_client (fx, "soon", "soon", SES_MQTT_5, FALSE, 3600);
  guint late = fx_client (fx, "late", "late", SES_MQTT_5, FALSE, 3600);
  guint dev = fx_client (fx, "dev", "dev-1", SES_MQTT_5, FALSE, 600);
  add_will (fx, dev, 1, FALSE, 0, 5);
  fx_connect (fx, 0, soon);
  fx_connect (fx, 0, late);
  fx_subscribe (fx, 100, soon, WILL_FILTER, 1);
  fx_subscribe (fx, 100, late, WILL_FILTER, 1);
  fx_act (fx, 1500, soon, SES_ACT_CUT);
  fx_act (fx, 1500, late, SES_ACT_CUT);
  fx_connect (fx, T_DEV_CONNECT, dev);
  fx_act (fx, T_EVENT, dev, SES_ACT_CUT);
  fx_connect (fx, 4000, soon);
  fx_connect (fx, 10000, late);
  fx_run (fx, 20000);
  expect_str (fx, will_times (fx), "2000", "will times");
  expect_str (fx, deliveries (fx, soon), "offline/q1@4020", "soon");
  g_autoptr (GPtrArray) got = fx_find (fx, SES_OBS_DELIVER, soon);
  const SesObs *o = g_ptr_array_index (got, 0);
  expect_int (fx, (o->pkt.flags & SES_PKT_F_HAS_EXPIRY) != 0, 1,
              "message expiry present");
  expect_int (fx, o->pkt.expiry_s, 3, "message expiry left");
  expect_str (fx, deliveries (fx, late), "", "late");
  expect_int (fx, fx_count (fx, SES_OBS_EXPIRED, late), 1, "expired copies");
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown (name, setup, teardown)
    T (test_v311_MQTT_3_1_2_8_will_on_network_cut),
    T (test_v311_S3_1_2_5_will_on_client_crash),
    T (test_v311_S3_1_2_5_will_on_keep_alive_timeout),
    T (test_v311_MQTT_3_1_2_8_will_on_takeover),
    T (test_v311_MQTT_3_14_4_3_no_will_after_disconnect),
    T (test_v311_MQTT_3_1_2_10_at_most_one_will_per_connect),
    T (test_v311_MQTT_3_1_2_12_no_will_without_flag),
    T (test_v311_MQTT_3_1_2_17_will_retained),
    T (test_v311_MQTT_3_1_2_16_will_not_retained),
    T (test_v311_MQTT_3_8_4_6_will_qos_min_granted),
    T (test_v5_MQTT_3_1_2_8_will_on_cut_no_delay),
    T (test_v5_S3_1_2_5_will_on_client_crash),
    T (test_v5_S3_1_2_5_will_on_keep_alive_timeout),
    T (test_v5_S3_1_2_5_will_on_protocol_error),
    T (test_v5_MQTT_3_14_4_3_no_will_after_disconnect_success),
    T (test_v5_MQTT_3_1_2_8_will_after_disconnect_error_reason),
    T (test_v5_S3_14_2_1_will_with_disconnect_0x04),
    T (test_v5_S3_14_2_1_disconnect_0x04_waits_for_delay),
    T (test_v5_S3_1_2_5_will_as_session_expired_notice),
    T (test_v5_MQTT_3_1_2_8_will_after_delay),
    T (test_v5_MQTT_3_1_2_8_will_at_session_end_before_delay),
    T (test_v5_C2_MQTT_3_1_2_8_will_at_once_when_expiry_0),
    T (test_v5_MQTT_3_1_3_9_reconnect_within_delay_cancels_will),
    T (test_v5_MQTT_3_1_3_9_takeover_within_delay_cancels_will),
    T (test_v5_S3_1_4_takeover_clean_start_publishes_will),
    T (test_v5_S3_1_4_takeover_no_delay_publishes_will),
    T (test_v5_C3_S3_1_4_takeover_expiry_0_publishes_will),
    T (test_v5_MQTT_3_1_2_10_at_most_one_will_per_connect),
    T (test_v5_MQTT_3_1_2_15_will_retained),
    T (test_v5_MQTT_3_1_2_14_will_not_retained),
    T (test_v5_MQTT_3_8_4_8_will_qos_min_granted),
    T (test_v5_S3_1_3_2_4_will_message_expiry),
    T (test_setting_will_by_client_id_outlives_session),
    T (test_setting_will_by_client_id_cancelled_by_clean_reconnect),
    T (test_v5_MQTT_3_1_2_8_clean_reconnect_publishes_pending_will),
#undef T
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
