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
                               predicted, TOLERANCE_US, diffs, NULL);
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

/* ---- timing sensitivity ---------------------------------------------- */

#define DEV 1 /* the client with the timers in the worlds below */
#define BYSTANDER 2

/* mon listens; dev (persistent, Session Expiry expiry_s, a will with
 * delay_s) is cut at 1 s and, when back_ms > 0, connects again then; by,
 * a bystander, connects at 10.8 s, near dev's deadlines but with no timer
 * of its own. */
static Fx *
timers_world (guint32 expiry_s, guint32 delay_s, gint64 back_ms)
{
  Fx *fx = fx_new ();
  guint mon = fx_client (fx, "mon", "m", SES_MQTT_5, TRUE, -1);
  guint dev = fx_client (fx, "dev", "d", SES_MQTT_5, FALSE, expiry_s);
  assert_int_equal (dev, DEV);
  fx_will (fx, dev, "w/dev", "gone", 0, delay_s);
  fx_connect (fx, 0, mon);
  fx_subscribe (fx, 0, mon, "w/#", 0);
  fx_connect (fx, 0, dev);
  fx_act (fx, 1000, dev, SES_ACT_CUT);
  if (back_ms > 0)
    fx_connect (fx, back_ms, dev);
  guint by = fx_client (fx, "by", "b", SES_MQTT_5, TRUE, -1);
  assert_int_equal (by, BYSTANDER);
  fx_connect (fx, 10800, by);
  fx_run (fx, 30000);
  return fx;
}

/* The model's facts, marked as conform marks them. */
static GArray *
marked (Fx *fx, double scale)
{
  const GArray *log = ses_mqtt_log (fx_mqtt (fx));
  GArray *facts = ses_facts_extract (log);
  ses_facts_mark_timing (ses_mqtt_config (fx_mqtt (fx)), log, facts,
                         TOLERANCE_US, scale);
  return facts;
}

static const SesFact *
fact (GArray *facts, guint32 client, SesFactKind kind, guint nth)
{
  for (guint i = 0; i < facts->len; i++)
    {
      const SesFact *f = &g_array_index (facts, SesFact, i);
      if (f->client == client && f->kind == kind && f->nth == nth)
        return f;
    }
  fail_msg ("no such fact");
  return NULL;
}

static guint
count_marked (GArray *facts)
{
  guint n = 0;
  for (guint i = 0; i < facts->len; i++)
    n += g_array_index (facts, SesFact, i).timer != NULL;
  return n;
}

static void
test_timing_will_delay_caused (void **state)
{
  /* The will goes out when its 10 s delay runs out: the delivery is the
   * timer's doing. Nothing else is near a deadline. */
  Fx *fx = timers_world (300, 10, 0);
  g_autoptr (GArray) facts = marked (fx, 1.0);
  const SesFact *will = fact (facts, 0, SES_FACT_PUBLISH, 1);
  assert_int_equal (will->pkt.seq, 0);
  assert_true (will->time_us >= 11 * G_USEC_PER_SEC);
  assert_string_equal (will->timer, "will-delay");
  assert_null (fact (facts, DEV, SES_FACT_CONNACK, 1)->timer);
  assert_null (fact (facts, 0, SES_FACT_SUBACK, 1)->timer);
  /* Within the tolerance of dev's will delay, but not dev's: unmarked. */
  assert_null (fact (facts, BYSTANDER, SES_FACT_CONNACK, 1)->timer);
  assert_int_equal (count_marked (facts), 1);
  fx_free (fx);
}

static void
test_timing_near_session_expiry (void **state)
{
  /* Kept at 1 s for 10 s: a reconnect 0.2 s before the expiry (within the
   * tolerance) could find the session gone on a real broker; one at 5 s
   * could not. */
  Fx *near = timers_world (10, 0, 10800);
  g_autoptr (GArray) a = marked (near, 1.0);
  const SesFact *back = fact (a, DEV, SES_FACT_CONNACK, 2);
  assert_true (back->pkt.flags & SES_PKT_F_SESSION_PRESENT);
  assert_string_equal (back->timer, "session-expiry");
  assert_null (fact (a, DEV, SES_FACT_CONNACK, 1)->timer);
  assert_null (fact (a, BYSTANDER, SES_FACT_CONNACK, 1)->timer);
  fx_free (near);

  Fx *early = timers_world (10, 0, 5000);
  g_autoptr (GArray) b = marked (early, 1.0);
  assert_null (fact (b, DEV, SES_FACT_CONNACK, 2)->timer);
  /* The will without delay went out at the cut: no timer in it. */
  assert_null (fact (b, 0, SES_FACT_PUBLISH, 1)->timer);
  assert_int_equal (count_marked (b), 0);
  fx_free (early);
}

static void
test_timing_keep_alive_close (void **state)
{
  /* dev walks away without the broker noticing: its keep alive (2 s,
   * 3 s with the grace) closes the connection. */
  Fx *fx = fx_new ();
  fx_client (fx, "mon", "m", SES_MQTT_5, TRUE, -1);
  guint dev = fx_client (fx, "dev", "d", SES_MQTT_5, TRUE, -1);
  fx_client_config (fx, dev)->keep_alive_s = 2;
  fx_connect (fx, 0, dev);
  fx_act (fx, 1000, dev, SES_ACT_HALF_OPEN_BROKER);
  fx_run (fx, 10000);
  g_autoptr (GArray) facts = marked (fx, 1.0);
  const SesFact *closed = fact (facts, dev, SES_FACT_CLOSED, 1);
  assert_int_equal (closed->cause, SES_CAUSE_KEEP_ALIVE);
  assert_string_equal (closed->timer, "keep-alive");
  assert_null (fact (facts, dev, SES_FACT_CONNACK, 1)->timer);
  fx_free (fx);
}

static void
test_timing_under_time_scale (void **state)
{
  /* At time scale 0.05 a 10 s will delay is told as 1 wall second, which
   * is 20 virtual seconds: the deadline spans 11 s (the model's) to 21 s
   * (the broker's), so a fact at 18 s is near it; at scale 1 it is not,
   * and one at 25 s is not at either. */
  Fx *fx = timers_world (300, 10, 0);
  const GArray *log = ses_mqtt_log (fx_mqtt (fx));
  g_autoptr (GArray) probe = g_array_new (FALSE, TRUE, sizeof (SesFact));
  SesFact f = { .kind = SES_FACT_CONNACK, .client = DEV, .nth = 9,
                .time_us = 18 * G_USEC_PER_SEC };
  f.pkt.type = SES_PKT_CONNACK;
  g_array_append_val (probe, f);
  f.time_us = 25 * G_USEC_PER_SEC;
  g_array_append_val (probe, f);
  SesMqttConfig *cfg = ses_mqtt_config (fx_mqtt (fx));
  ses_facts_mark_timing (cfg, log, probe, TOLERANCE_US, 0.05);
  assert_string_equal (g_array_index (probe, SesFact, 0).timer, "will-delay");
  assert_null (g_array_index (probe, SesFact, 1).timer);
  ses_facts_mark_timing (cfg, log, probe, TOLERANCE_US, 1.0);
  assert_null (g_array_index (probe, SesFact, 0).timer);
  assert_null (g_array_index (probe, SesFact, 1).timer);
  fx_free (fx);
}

static void
test_timing_mark_follows_the_model (void **state)
{
  /* The broker's will comes 3 s late: a timing difference, still marked by
   * the model's timer, and every fact compared is listed once, paired. */
  Fx *fx = timers_world (300, 10, 0);
  const GArray *model_log = ses_mqtt_log (fx_mqtt (fx));
  g_autoptr (GArray) observed_log = log_copy (fx);
  g_array_index (observed_log, SesObs,
                 find_receive (observed_log, 0, SES_PKT_PUBLISH, 1))
      .time_us += 3 * G_USEC_PER_SEC;
  g_autoptr (GArray) predicted = ses_facts_extract (model_log);
  g_autoptr (GArray) observed = ses_facts_extract (observed_log);
  SesMqttConfig *cfg = ses_mqtt_config (fx_mqtt (fx));
  ses_facts_mark_timing (cfg, model_log, predicted, TOLERANCE_US, 1.0);
  ses_facts_mark_timing (cfg, model_log, observed, TOLERANCE_US, 1.0);
  g_autoptr (GArray) diffs = g_array_new (FALSE, FALSE, sizeof (SesFactDiff));
  g_array_set_clear_func (diffs, ses_fact_diff_clear);
  g_autoptr (GArray) pairs = g_array_new (FALSE, FALSE, sizeof (SesFactPair));
  guint n = ses_facts_compare (ses_mqtt_config (fx_mqtt (fx)), observed,
                               predicted, TOLERANCE_US, diffs, pairs);
  /* 3 CONNACKs, 1 SUBACK, the will */
  assert_int_equal (n, 5);
  assert_int_equal (pairs->len, 5);
  assert_int_equal (diffs->len, 1);
  SesFactDiff *d = &g_array_index (diffs, SesFactDiff, 0);
  assert_true (d->timing);
  assert_string_equal (d->timer, "will-delay");
  guint sensitive = 0;
  for (guint i = 0; i < pairs->len; i++)
    {
      const SesFactPair *p = &g_array_index (pairs, SesFactPair, i);
      assert_non_null (p->observed);
      assert_non_null (p->predicted);
      if (ses_fact_pair_timer (p) != NULL)
        {
          sensitive++;
          assert_int_equal (p->predicted->kind, SES_FACT_PUBLISH);
        }
    }
  assert_int_equal (sensitive, 1);
  /* An observed fact with no prediction is judged by its own time. */
  SesFactPair alone = { &g_array_index (observed, SesFact, 0), NULL };
  assert_ptr_equal (ses_fact_pair_timer (&alone),
                    g_array_index (observed, SesFact, 0).timer);
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
    cmocka_unit_test (test_timing_will_delay_caused),
    cmocka_unit_test (test_timing_near_session_expiry),
    cmocka_unit_test (test_timing_keep_alive_close),
    cmocka_unit_test (test_timing_under_time_scale),
    cmocka_unit_test (test_timing_mark_follows_the_model),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
