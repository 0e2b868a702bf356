/* What the outputs say must exist in the protocol version of the client
 * they are about. For a 3.1.1 client: a CONNACK return code but no reason
 * codes (acknowledgements, DISCONNECT), "clean session" rather than "clean
 * start", no 5.0 expiry values (session expiry, message expiry), and no
 * DISCONNECT from the broker; checked in the text trace, the JSON Lines
 * records, the explanations and the diagrams. For a 5.0 client the same
 * runs still show all of these. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <glib.h>
#include <string.h>

#include "diagram.h"
#include "observation.h"
#include "script.h"

typedef struct {
  SesScript *script;
  SesWorld *world;
} Run;

static Run
run_text (const char *text)
{
  g_autoptr (GError) error = NULL;
  Run r = { ses_script_load ("versions.scn", text, strlen (text), &error),
            NULL };
  if (r.script == NULL)
    fail_msg ("%s", error->message);
  r.world = ses_mqtt_world_new (ses_script_config (r.script),
                                ses_script_seed (r.script));
  ses_world_run (r.world, ses_script_until (r.script));
  return r;
}

static void
run_clear (Run *r)
{
  ses_world_free (r->world);
  ses_script_free (r->script);
}

/* Every packet kind a session sees, for 3.1.1 clients and a 5.0 one side
 * by side: QoS 1 and 2 handshakes, UNSUBACK, DISCONNECT, a session kept
 * across a disconnect, a takeover and a keep alive timeout, a clean
 * connect discarding it, and a 5.0 message with an expiry routed to a
 * 3.1.1 subscriber (queued while it is away). */
#define TIMELINE(sub, sub2, pub, clean, exp1, exp2)                         \
  "at 0s   " sub " connect\n"                                               \
  "at 0s   " sub " subscribe \"a/#\" qos=2\n"                               \
  "at 0s   " pub " connect\n"                                               \
  "at 0s   p5 connect\n"                                                    \
  "at 1s   " pub " publish \"a/1\" \"q1\" qos=1\n"                          \
  "at 1s   " pub " publish \"a/2\" \"q2\" qos=2\n"                          \
  "at 1s   p5 publish \"a/3\" \"x\" qos=1" exp1 "\n"                        \
  "at 2s   " sub " unsubscribe \"b/#\"\n"                                   \
  "at 3s   " sub " disconnect\n"                                            \
  "at 4s   p5 publish \"a/4\" \"queued\" qos=1" exp2 "\n"                   \
  "at 5s   " sub " connect\n"                                               \
  "at 6s   " sub2 " connect\n"                                              \
  "at 7s   " sub2 " half-open\n"                                            \
  "at 8s   p5 disconnect\n"                                                 \
  "at 200s " sub2 " connect " clean "=1\n"                                  \
  "at 201s " sub2 " disconnect\n"

/* 3.1.1 clients, with a 5.0 publisher whose messages carry an expiry. */
static const char mixed[] =
    "client p5   id=alarm5 mqtt=5 clean-start=0 session-expiry=1h\n"
    "client old  id=panel  mqtt=3.1.1 clean-session=0 keep-alive=10s\n"
    "client old2 id=panel  mqtt=3.1.1 clean-session=0\n"
    "client opub id=alarm  mqtt=3.1.1\n"
    TIMELINE ("old", "old2", "opub", "clean-session", " expiry=60s",
              " expiry=600s");

/* The same with 5.0 clients. */
static const char all5[] =
    "mqtt 5\n"
    "client p5   id=alarm5 clean-start=0 session-expiry=1h\n"
    "client new  id=screen clean-start=0 session-expiry=1h keep-alive=10s\n"
    "client new2 id=screen clean-start=0 session-expiry=1h\n"
    "client npub id=alarm6\n"
    TIMELINE ("new", "new2", "npub", "clean-start", " expiry=60s",
              " expiry=600s");

/* The same with 3.1.1 clients only. */
static const char all311[] =
    "mqtt 3.1.1\n"
    "client p5   id=alarm5 clean-session=1\n"
    "client old  id=panel clean-session=0 keep-alive=10s\n"
    "client old2 id=panel clean-session=0\n"
    "client opub id=alarm\n"
    TIMELINE ("old", "old2", "opub", "clean-session", "", "");

static gboolean
is_v311 (SesMqttConfig *cfg, guint32 client)
{
  return client < ses_mqtt_config_n_clients (cfg)
         && ses_mqtt_config_client (cfg, client)->version == SES_MQTT_311;
}

/* Text, JSON and explanation of every record about a 3.1.1 client keep to
 * 3.1.1; those about a 5.0 client show 5.0's fields. */
typedef struct {
  guint n311, connack311, kept311, acks311;
  guint connack5, kept5, clean5, msg_expiry5, broker_disconnect5;
} Counts;

static void
check_records (const char *text, Counts *c)
{
  Run r = run_text (text);
  SesMqtt *mqtt = ses_mqtt_from_world (r.world);
  SesMqttConfig *cfg = ses_mqtt_config (mqtt);
  const GArray *log = ses_mqtt_log (mqtt);
  static const char *const never_311[] = {
    "reason", "clean-start", "clean start", "expiry=", "\"arg\":4294967295",
    "arg=4294967295", "for 3600 s", "with no expiry.",
  };
  for (guint i = 0; i < log->len; i++)
    {
      const SesObs *o = &g_array_index (log, SesObs, i);
      g_autofree char *line = ses_obs_describe (
          o, ses_mqtt_config_strings (cfg), ses_mqtt_config_labels (cfg));
      g_autofree char *json = ses_obs_to_json (
          o, ses_mqtt_config_strings (cfg), ses_mqtt_config_labels (cfg));
      g_autofree char *why = ses_obs_explain (
          o, ses_mqtt_config_strings (cfg), ses_mqtt_config_labels (cfg));
      if (o->client >= ses_mqtt_config_n_clients (cfg))
        {
          assert_int_equal (o->version, 0);
          continue;
        }
      gboolean v311 = is_v311 (cfg, o->client);
      assert_int_equal (o->version, v311 ? SES_MQTT_311 : SES_MQTT_5);
      if (v311)
        {
          c->n311++;
          for (guint k = 0; k < G_N_ELEMENTS (never_311); k++)
            if (strstr (line, never_311[k]) || strstr (json, never_311[k])
                || (why != NULL && strstr (why, never_311[k])))
              fail_msg ("3.1.1 record says '%s':\n%s\n%s\n%s", never_311[k],
                        line, json, why ? why : "");
          /* 3.1.1 has no DISCONNECT from the broker. */
          if (o->by_broker && o->pkt.type == SES_PKT_DISCONNECT
              && (o->kind == SES_OBS_SEND || o->kind == SES_OBS_LOST))
            fail_msg ("a DISCONNECT from the broker to 3.1.1: %s", line);
          if (o->pkt.type == SES_PKT_CONNACK)
            {
              c->connack311++;
              assert_non_null (strstr (line, "return-code=0x00"));
            }
          if (o->kind == SES_OBS_SEND
              && (o->pkt.type == SES_PKT_PUBACK
                  || o->pkt.type == SES_PKT_PUBREC
                  || o->pkt.type == SES_PKT_PUBREL
                  || o->pkt.type == SES_PKT_PUBCOMP
                  || o->pkt.type == SES_PKT_UNSUBACK
                  || o->pkt.type == SES_PKT_DISCONNECT))
            c->acks311++;
          if (o->kind == SES_OBS_SESSION_KEPT)
            {
              c->kept311++;
              assert_null (strstr (json, "\"arg\""));
              assert_non_null (strstr (why, "Clean Session 0"));
            }
          if (o->cause == SES_CAUSE_CLEAN_START)
            {
              assert_non_null (strstr (line, "(clean-session)"));
              assert_non_null (strstr (json, "\"cause\":\"clean-session\""));
            }
        }
      else
        {
          if (o->pkt.type == SES_PKT_CONNACK)
            {
              c->connack5++;
              assert_non_null (strstr (line, "reason=0x00"));
            }
          if (o->kind == SES_OBS_SESSION_KEPT)
            {
              c->kept5++;
              assert_non_null (strstr (line, "arg=3600"));
              assert_non_null (strstr (json, "\"arg\":3600"));
              assert_non_null (strstr (why, "for 3600 s"));
            }
          if (o->cause == SES_CAUSE_CLEAN_START)
            {
              c->clean5++;
              assert_non_null (strstr (line, "(clean-start)"));
            }
          if (strstr (line, "message-expiry="))
            c->msg_expiry5++;
          if (o->by_broker && o->pkt.type == SES_PKT_DISCONNECT
              && (o->kind == SES_OBS_SEND || o->kind == SES_OBS_LOST))
            c->broker_disconnect5++;
        }
    }
  run_clear (&r);
}

static void
test_records_by_version (void **state)
{
  Counts c = { 0 };
  check_records (mixed, &c);
  check_records (all311, &c);
  check_records (all5, &c);
  /* The runs did show what the checks are about. */
  print_message ("# %u records about 3.1.1 clients: %u CONNACK, %u acks and "
                 "DISCONNECTs, %u sessions kept\n", c.n311, c.connack311,
                 c.acks311, c.kept311);
  assert_true (c.connack311 >= 16);
  assert_true (c.acks311 >= 16);
  assert_true (c.kept311 >= 6);
  assert_true (c.connack5 >= 8);
  assert_true (c.kept5 >= 3);
  assert_true (c.clean5 >= 1);
  /* The 5.0 publisher's messages in the mixed run, and all5's. */
  assert_true (c.msg_expiry5 >= 4);
  /* 5.0: DISCONNECT 0x8E on takeover, 0x8D on keep alive timeout. */
  assert_true (c.broker_disconnect5 >= 2);
}

/* Packet renderings one by one, for both versions. */
static void
test_packets_by_version (void **state)
{
  g_autoptr (SesIntern) strings = ses_intern_new ();
  SesPacket p;
  static const struct {
    SesPacketType type;
    guint8 reason;
    const char *v311;
    const char *v5;
  } cases[] = {
    { SES_PKT_CONNACK, 0x00, "CONNACK session-present=1 return-code=0x00",
      "CONNACK session-present=1 reason=0x00" },
    { SES_PKT_CONNACK, 0x02, "CONNACK session-present=1 return-code=0x02",
      "CONNACK session-present=1 reason=0x02" },
    { SES_PKT_PUBACK, 0x10, "PUBACK id=7", "PUBACK id=7 reason=0x10" },
    { SES_PKT_PUBREC, 0x10, "PUBREC id=7", "PUBREC id=7 reason=0x10" },
    { SES_PKT_PUBREL, 0x92, "PUBREL id=7", "PUBREL id=7 reason=0x92" },
    { SES_PKT_PUBCOMP, 0x92, "PUBCOMP id=7", "PUBCOMP id=7 reason=0x92" },
    { SES_PKT_UNSUBACK, 0x11, "UNSUBACK id=7", "UNSUBACK id=7 reason=0x11" },
    { SES_PKT_DISCONNECT, 0x00, "DISCONNECT", "DISCONNECT reason=0x00" },
    { SES_PKT_DISCONNECT, 0x8e, "DISCONNECT", "DISCONNECT reason=0x8e" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      ses_packet_init (&p, cases[i].type);
      p.packet_id = 7;
      p.reason = cases[i].reason;
      if (p.type == SES_PKT_CONNACK)
        p.flags |= SES_PKT_F_SESSION_PRESENT;
      g_autofree char *a = ses_obs_describe_packet (&p, SES_MQTT_311, strings);
      g_autofree char *b = ses_obs_describe_packet (&p, SES_MQTT_5, strings);
      g_autofree char *c = ses_obs_describe_packet (&p, 0, strings);
      assert_string_equal (a, cases[i].v311);
      assert_string_equal (b, cases[i].v5);
      assert_string_equal (c, cases[i].v5);
    }
  /* No properties in 3.1.1: a message expiry, a session expiry. */
  ses_packet_init (&p, SES_PKT_PUBLISH);
  p.qos = 1;
  p.packet_id = 3;
  p.topic = ses_intern_add (strings, "a/b");
  p.payload = ses_intern_add (strings, "x");
  p.flags = SES_PKT_F_HAS_EXPIRY;
  p.expiry_s = 60;
  g_autofree char *pub311 = ses_obs_describe_packet (&p, SES_MQTT_311,
                                                     strings);
  g_autofree char *pub5 = ses_obs_describe_packet (&p, SES_MQTT_5, strings);
  assert_string_equal (pub311, "PUBLISH id=3 q1 \"a/b\" \"x\"");
  assert_string_equal (pub5, "PUBLISH id=3 q1 \"a/b\" \"x\" "
                             "message-expiry=60s");

  /* JSON: 3.1.1 return codes under their own name. */
  SesObs o;
  memset (&o, 0, sizeof o);
  o.kind = SES_OBS_RECEIVE;
  o.client = SES_OBS_BROKER;
  ses_packet_init (&o.pkt, SES_PKT_CONNACK);
  o.pkt.reason = 0x02;
  o.version = SES_MQTT_311;
  g_autofree char *j311 = ses_obs_to_json (&o, strings, NULL);
  assert_non_null (strstr (j311, "\"return_code\":2"));
  assert_null (strstr (j311, "\"reason\""));
  o.version = SES_MQTT_5;
  g_autofree char *j5 = ses_obs_to_json (&o, strings, NULL);
  assert_non_null (strstr (j5, "\"reason\":2"));
  ses_packet_init (&o.pkt, SES_PKT_SUBACK);
  o.pkt.reason = 0x80;
  o.version = SES_MQTT_311;
  g_autofree char *jsub = ses_obs_to_json (&o, strings, NULL);
  assert_non_null (strstr (jsub, "\"return_code\":128"));
  ses_packet_init (&o.pkt, SES_PKT_PUBCOMP);
  o.pkt.reason = 0x92;
  g_autofree char *jcomp = ses_obs_to_json (&o, strings, NULL);
  assert_null (strstr (jcomp, "reason"));
  assert_null (strstr (jcomp, "return_code"));
}

/* Diagrams of a run with 3.1.1 clients only: no 5.0 words anywhere. */
static void
test_diagrams_311 (void **state)
{
  Run r = run_text (all311);
  SesMqtt *mqtt = ses_mqtt_from_world (r.world);
  g_autofree char *seq = ses_diagram_sequence_dot (mqtt, NULL);
  g_autofree char *life = ses_diagram_lifecycle_dot (
      mqtt, ses_mqtt_client_session (mqtt, 1));
  static const char *const never_311[] = {
    "reason", "clean-start", "clean start", "expiry", "4294967295",
  };
  const char *dots[] = { seq, life };
  for (guint d = 0; d < G_N_ELEMENTS (dots); d++)
    for (guint k = 0; k < G_N_ELEMENTS (never_311); k++)
      if (strstr (dots[d], never_311[k]) != NULL)
        {
          const char *at = strstr (dots[d], never_311[k]);
          const char *from = at - MIN ((gsize) (at - dots[d]), (gsize) 120);
          fail_msg ("%s diagram says '%s': …%.240s…",
                    d == 0 ? "sequence" : "lifecycle", never_311[k], from);
        }
  /* What it shows instead. */
  assert_non_null (strstr (seq, "session kept (disconnect)\\n"));
  assert_non_null (strstr (seq, "session created (clean-session)"));
  assert_non_null (strstr (seq, "return-code=0x00"));
  assert_non_null (strstr (life, "kept (clean-session=0)"));
  run_clear (&r);
}

/* The same run for 5.0 clients shows the 5.0 fields in its diagram. */
static void
test_diagrams_5 (void **state)
{
  Run r = run_text (all5);
  SesMqtt *mqtt = ses_mqtt_from_world (r.world);
  g_autofree char *seq = ses_diagram_sequence_dot (mqtt, NULL);
  assert_non_null (strstr (seq, "session kept (disconnect), expiry 3600s"));
  assert_non_null (strstr (seq, "session created (clean-start)"));
  assert_non_null (strstr (seq, "reason=0x00"));
  assert_non_null (strstr (seq, "DISCONNECT reason=0x8e"));
  run_clear (&r);
}

/* An expectation may name the cause as the client's version does:
 * clean-session is 3.1.1's clean-start, the same cause. */
static void
test_expect_clean_session (void **state)
{
  static const char text[] =
      "mqtt 3.1.1\n"
      "client old id=panel clean-session=0\n"
      "expect old session ended cause=clean-session\n"
      "expect old session ended cause=clean-start\n"
      "expect old session ended cause=expired\n";
  g_autoptr (GError) error = NULL;
  g_autoptr (SesScript) s = ses_script_load ("versions.scn", text,
                                             strlen (text), &error);
  assert_non_null (s);
  const GArray *e = ses_script_expectations (s);
  assert_int_equal (e->len, 3);
  assert_int_equal (g_array_index (e, SesExpectation, 0).cause,
                    SES_CAUSE_CLEAN_START);
  assert_int_equal (g_array_index (e, SesExpectation, 1).cause,
                    SES_CAUSE_CLEAN_START);
  assert_int_equal (g_array_index (e, SesExpectation, 2).cause,
                    SES_CAUSE_EXPIRED);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_records_by_version),
    cmocka_unit_test (test_packets_by_version),
    cmocka_unit_test (test_diagrams_311),
    cmocka_unit_test (test_diagrams_5),
    cmocka_unit_test (test_expect_clean_session),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
