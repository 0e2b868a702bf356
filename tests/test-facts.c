/* Facts a client can see and their comparison (models/facts.c), on the
 * observation log of a real model run and on doctored copies of it: each
 * kind of difference conform reports is produced by exactly the change
 * that should produce it, and an unchanged log differs in nothing. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "facts.h"
#include "mqtt-fixture.h"

#define TOLERANCE_US (500 * 1000)

/* sub (persistent) gets two QoS 1 messages from pub. */
static Fx *
two_messages (void)
{
  Fx *fx = fx_new ();
  guint sub = fx_client (fx, "sub", "s", SES_MQTT_5, FALSE, 3600);
  guint pub = fx_client (fx, "pub", "p", SES_MQTT_5, TRUE, -1);
  fx_connect (fx, 0, sub);
  fx_subscribe (fx, 0, sub, "t/#", 1);
  fx_connect (fx, 100, pub);
  fx_publish (fx, 200, pub, "t/a", 1, "one");
  fx_publish (fx, 300, pub, "t/a", 1, "two");
  fx_run (fx, 2000);
  return fx;
}

static GArray *
log_copy (Fx *fx)
{
  const GArray *log = ses_mqtt_log (fx_mqtt (fx));
  GArray *copy = g_array_sized_new (FALSE, FALSE, sizeof (SesObs), log->len);
  g_array_append_vals (copy, log->data, log->len);
  return copy;
}

/* Index of the nth (1-based) record the client received of this type. */
static guint
find_receive (GArray *log, guint32 client, SesPacketType type, guint nth)
{
  for (guint i = 0; i < log->len; i++)
    {
      SesObs *o = &g_array_index (log, SesObs, i);
      if (o->kind == SES_OBS_RECEIVE && !o->by_broker && o->client == client
          && o->pkt.type == type && --nth == 0)
        return i;
    }
  fail_msg ("no such record");
  return 0;
}

static GArray *
compare (Fx *fx, GArray *observed_log)
{
  g_autoptr (GArray) predicted = ses_facts_extract (
      ses_mqtt_log (fx_mqtt (fx)));
  g_autoptr (GArray) observed = ses_facts_extract (observed_log);
  GArray *diffs = g_array_new (FALSE, FALSE, sizeof (SesFactDiff));
  g_array_set_clear_func (diffs, ses_fact_diff_clear);
  guint n = ses_facts_compare (ses_mqtt_config (fx_mqtt (fx)), observed,
                               predicted, TOLERANCE_US, diffs);
  /* 2 CONNACKs, 1 SUBACK, 2 PUBACKs to pub, 2 PUBLISHes to sub */
  assert_int_equal (n, 7);
  return diffs;
}

static void
test_same_run_no_difference (void **state)
{
  Fx *fx = two_messages ();
  g_autoptr (GArray) log = log_copy (fx);
  g_autoptr (GArray) diffs = compare (fx, log);
  assert_int_equal (diffs->len, 0);
  fx_free (fx);
}

static void
test_session_present_differs (void **state)
{
  Fx *fx = two_messages ();
  g_autoptr (GArray) log = log_copy (fx);
  g_array_index (log, SesObs, find_receive (log, 0, SES_PKT_CONNACK, 1))
      .pkt.flags ^= SES_PKT_F_SESSION_PRESENT;
  g_autoptr (GArray) diffs = compare (fx, log);
  assert_int_equal (diffs->len, 1);
  SesFactDiff *d = &g_array_index (diffs, SesFactDiff, 0);
  assert_int_equal (d->kind, SES_FACT_CONNACK);
  assert_string_equal (d->what, "session-present");
  assert_string_equal (d->rule, "5.0 [MQTT-3.2.2-2]");
  assert_false (d->timing);
  fx_free (fx);
}

static void
test_missing_message_is_one_difference (void **state)
{
  Fx *fx = two_messages ();
  g_autoptr (GArray) log = log_copy (fx);
  /* The first message never reaches sub: the second still matches. */
  g_array_remove_index (log, find_receive (log, 0, SES_PKT_PUBLISH, 1));
  g_autoptr (GArray) diffs = compare (fx, log);
  assert_int_equal (diffs->len, 1);
  SesFactDiff *d = &g_array_index (diffs, SesFactDiff, 0);
  assert_int_equal (d->kind, SES_FACT_PUBLISH);
  assert_string_equal (d->what, "missing");
  assert_non_null (strstr (d->predicted, "\"one\""));
  fx_free (fx);
}

static void
test_order_and_time (void **state)
{
  Fx *fx = two_messages ();
  g_autoptr (GArray) log = log_copy (fx);
  guint a = find_receive (log, 0, SES_PKT_PUBLISH, 1);
  guint b = find_receive (log, 0, SES_PKT_PUBLISH, 2);
  /* Swapped, and the (now first) one a second late. */
  SesPacket first = g_array_index (log, SesObs, a).pkt;
  g_array_index (log, SesObs, a).pkt = g_array_index (log, SesObs, b).pkt;
  g_array_index (log, SesObs, b).pkt = first;
  g_array_index (log, SesObs, a).time_us += 1000 * 1000;
  g_autoptr (GArray) diffs = compare (fx, log);
  gboolean order = FALSE, time = FALSE;
  for (guint i = 0; i < diffs->len; i++)
    {
      SesFactDiff *d = &g_array_index (diffs, SesFactDiff, i);
      order |= strcmp (d->what, "order") == 0;
      if (strcmp (d->what, "time") == 0)
        {
          time = TRUE;
          assert_true (d->timing);
        }
    }
  assert_true (order);
  assert_true (time);
  fx_free (fx);
}

static void
test_within_tolerance_is_no_difference (void **state)
{
  Fx *fx = two_messages ();
  g_autoptr (GArray) log = log_copy (fx);
  g_array_index (log, SesObs, find_receive (log, 1, SES_PKT_PUBACK, 2))
      .time_us += TOLERANCE_US;
  g_autoptr (GArray) diffs = compare (fx, log);
  assert_int_equal (diffs->len, 0);
  fx_free (fx);
}

static void
test_reason_code_differs (void **state)
{
  Fx *fx = two_messages ();
  g_autoptr (GArray) log = log_copy (fx);
  g_array_index (log, SesObs, find_receive (log, 1, SES_PKT_PUBACK, 1))
      .pkt.reason = SES_RC_NO_MATCHING_SUBSCRIBERS;
  g_autoptr (GArray) diffs = compare (fx, log);
  assert_int_equal (diffs->len, 1);
  SesFactDiff *d = &g_array_index (diffs, SesFactDiff, 0);
  assert_int_equal (d->kind, SES_FACT_ACK);
  assert_string_equal (d->what, "reason");
  assert_string_equal (d->observed, "16");
  g_autofree char *line = ses_fact_diff_describe (
      ses_mqtt_config (fx_mqtt (fx)), d);
  assert_non_null (strstr (line, "pub ack #1 reason: broker 16, model 0"));
  fx_free (fx);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_same_run_no_difference),
    cmocka_unit_test (test_session_present_differs),
    cmocka_unit_test (test_missing_message_is_one_difference),
    cmocka_unit_test (test_order_and_time),
    cmocka_unit_test (test_within_tolerance_is_no_difference),
    cmocka_unit_test (test_reason_code_differs),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
