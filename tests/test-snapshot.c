/* Snapshots of session state: what the broker holds per session and what
 * each client holds, taken after each step that changes it and at chosen
 * times, in text, JSON and HTML. The scenarios are small stories whose
 * state at each moment is known from the rules; the tests pin it. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <glib.h>
#include <string.h>

#include "json.h"
#include "script.h"
#include "snapshot.h"

/* A subscriber with a one-hour session is cut off; a publisher sends QoS
 * 0, 1 and 2 while it is away; it comes back at 30 s. Its will waits 20 s
 * after the cut. */
static const char story[] =
  "title \"t\"\n"
  "mqtt 5\n"
  "client sub id=dash clean-start=0 session-expiry=1h will-delay=20s "
  "will-topic=\"dash/gone\" will-payload=\"bye\"\n"
  "client pub id=sensor\n"
  "at 0s sub connect\n"
  "at 0s sub subscribe \"plant/#\" qos=2\n"
  "at 1s sub cut\n"
  "at 2s pub connect\n"
  "at 2s pub publish \"plant/a\" \"zero\" qos=0\n"
  "at 2s pub publish \"plant/a\" \"one\" qos=1\n"
  "at 2s pub publish \"plant/a\" \"two\" qos=2\n"
  "at 30s sub connect\n"
  "until 40s\n";

typedef struct {
  SesScript *script;
  SesWorld *world;
  SesSnapshots *snaps;
} Run;

/* Runs the story, snapshotting after each step and at the given times
 * (ascending, microseconds, -1 ends the list). */
static void
run_story (Run *r, const char *text, const SesTime *at)
{
  g_autoptr (GError) error = NULL;
  r->script = ses_script_load ("story.scn", text, strlen (text), &error);
  assert_non_null (r->script);
  r->world = ses_mqtt_world_new (ses_script_config (r->script), 1);
  SesMqtt *mqtt = ses_mqtt_from_world (r->world);
  r->snaps = ses_snapshots_new (mqtt);
  ses_snapshots_update (r->snaps, 0);
  SesTime until = ses_script_until (r->script);
  for (guint k = 0;; k++)
    {
      SesTime stop = at != NULL && at[k] >= 0 ? at[k] : until;
      while (ses_world_step (r->world, stop))
        ses_snapshots_update (r->snaps, ses_world_now (r->world));
      if (stop == until)
        break;
      ses_snapshots_take_at (r->snaps, stop);
    }
}

static void
run_clear (Run *r)
{
  ses_snapshots_free (r->snaps);
  ses_world_free (r->world);
  ses_script_free (r->script);
}

static const SesSnapshot *
chosen (Run *r, guint nth)
{
  const GPtrArray *l = ses_snapshots_list (r->snaps);
  for (guint i = 0; i < l->len; i++)
    {
      const SesSnapshot *s = g_ptr_array_index (l, i);
      if (s->chosen && nth-- == 0)
        return s;
    }
  fail_msg ("no chosen snapshot %u", nth);
  return NULL;
}

static const SesSnapSession *
session (const SesSnapshot *s, guint i)
{
  assert_true (i < s->sessions->len);
  return &g_array_index (s->sessions, SesSnapSession, i);
}

static const SesSnapMsg *
msg (const GArray *msgs, guint i)
{
  assert_true (i < msgs->len);
  return &g_array_index (msgs, SesSnapMsg, i);
}

/* While the subscriber is away its session holds the subscription and the
 * QoS 1 and 2 copies, not the QoS 0 one (5.0 [MQTT-3.1.2-23],
 * [MQTT-4.5.0-1]); the will is scheduled 20 s after the cut. */
static void
test_held_while_away (void **state)
{
  Run r = { 0 };
  const SesTime at[] = { 10 * SES_US_PER_S, 29 * SES_US_PER_S, -1 };
  run_story (&r, story, at);
  const SesSnapshot *s = chosen (&r, 0);
  assert_int_equal (s->time_us, 10 * SES_US_PER_S);
  const SesSnapSession *dash = session (s, 0);
  assert_string_equal (dash->client_id, "dash");
  assert_true (dash->exists);
  assert_false (dash->connected);
  assert_string_equal (dash->phase, "kept");
  assert_int_equal (dash->expiry_s, 3600);
  assert_int_equal (dash->expiry_at_us, 3600 * SES_US_PER_S + SES_US_PER_S);
  assert_int_equal (dash->subs->len, 1);
  assert_string_equal (g_array_index (dash->subs, SesSnapSub, 0).filter,
                       "plant/#");
  assert_int_equal (g_array_index (dash->subs, SesSnapSub, 0).qos, 2);
  assert_int_equal (dash->unacked->len, 0);
  assert_int_equal (dash->waiting->len, 2);
  assert_string_equal (msg (dash->waiting, 0)->payload, "one");
  assert_int_equal (msg (dash->waiting, 0)->qos, 1);
  assert_string_equal (msg (dash->waiting, 1)->payload, "two");
  assert_int_equal (msg (dash->waiting, 1)->qos, 2);
  assert_true (dash->has_will);
  assert_string_equal (dash->will_topic, "dash/gone");
  /* At 29 s the will has gone out (at 21 s) and left the session. */
  assert_false (session (chosen (&r, 1), 0)->has_will);
  assert_int_equal (dash->will_delay_s, 20);
  assert_int_equal (dash->will_at_us, 21 * SES_US_PER_S);
  /* The publisher's session ends with its connection: nothing to hold. */
  const SesSnapClient *pub = &g_array_index (s->clients, SesSnapClient, 1);
  assert_string_equal (pub->state, "online");
  assert_int_equal (pub->unacked->len, 0);

  g_autofree char *text = ses_snapshot_to_text (s, "# ");
  assert_non_null (strstr (text, "# state at 10.000000s"));
  assert_non_null (strstr (text, "kept, offline"));
  assert_non_null (strstr (text, "3601.000000s"));
  assert_non_null (strstr (text, "plant/# q2"));
  assert_non_null (strstr (text, "\"one\" q1, \"two\" q2"));
  assert_non_null (strstr (text, "dash/gone q0 delay 20s due 21.000000s"));
  assert_null (strstr (text, "\"zero\""));
  run_clear (&r);
}

/* A snapshot is kept only when what it shows changes, each one after the
 * observations made so far; the first shows no session at all and the
 * last the subscriber back online with nothing waiting. */
static void
test_kept_on_change (void **state)
{
  Run r = { 0 };
  run_story (&r, story, NULL);
  const GPtrArray *l = ses_snapshots_list (r.snaps);
  assert_true (l->len >= 6);
  const SesSnapshot *first = g_ptr_array_index (l, 0);
  assert_int_equal (first->after, 0);
  assert_false (session (first, 0)->exists);
  assert_string_equal (session (first, 0)->phase, "no-session");
  for (guint i = 1; i < l->len; i++)
    {
      const SesSnapshot *a = g_ptr_array_index (l, i - 1);
      const SesSnapshot *b = g_ptr_array_index (l, i);
      assert_true (a->after <= b->after);
      assert_true (a->time_us <= b->time_us);
      assert_string_not_equal (ses_snapshot_body_json (a),
                               ses_snapshot_body_json (b));
    }
  const SesSnapshot *last = g_ptr_array_index (l, l->len - 1);
  const SesSnapSession *dash = session (last, 0);
  assert_true (dash->connected);
  assert_string_equal (dash->holder, "sub");
  assert_int_equal (dash->waiting->len, 0);
  assert_int_equal (dash->unacked->len, 0);
  assert_int_equal (dash->incoming->len, 0);
  /* The will went out at 21 s; the new CONNECT brought it again, not
   * scheduled while connected. */
  assert_true (dash->has_will);
  assert_int_equal (dash->will_at_us, SES_TIME_NONE);
  /* The publisher's clean session (expiry 0) still exists while it is
   * connected. */
  assert_true (session (last, 1)->exists);
  run_clear (&r);
}

/* The JSON record parses, says its type, time and position, and carries
 * the same body; the merged JSON Lines put each record after the
 * observations it follows. */
static void
test_json_records (void **state)
{
  Run r = { 0 };
  const SesTime at[] = { 10 * SES_US_PER_S, -1 };
  run_story (&r, story, at);
  const SesSnapshot *s = chosen (&r, 0);
  g_autofree char *j = ses_snapshot_to_json (s);
  g_autoptr (GError) error = NULL;
  g_autoptr (SesJson) v = ses_json_parse ("state", j, strlen (j), &error);
  assert_non_null (v);
  assert_string_equal (ses_json_string (ses_json_get (v, "type")), "state");
  assert_string_equal (ses_json_string (ses_json_get (v, "time")),
                       "10.000000s");
  guint64 after = 0;
  assert_true (ses_json_uint64 (ses_json_get (v, "after"), &after));
  assert_int_equal (after, s->after);
  const SesJson *dash = ses_json_index (ses_json_get (v, "sessions"), 0);
  assert_string_equal (ses_json_string (ses_json_get (dash, "ends_at")),
                       "3601.000000s");
  assert_int_equal (ses_json_length (ses_json_get (dash, "waiting")), 2);
  assert_string_equal (ses_json_string (ses_json_get (ses_json_get (dash,
                                                                    "will"),
                                                      "due_at")),
                       "21.000000s");

  SesMqtt *mqtt = ses_mqtt_from_world (r.world);
  SesTraceHeader h = { .program_version = "test", .scenario = "t.scn" };
  SesSnapshotsCursor cursor = { r.snaps, TRUE, 0 };
  g_autofree char *lines = ses_tracejson_run_with (
      mqtt, &h, NULL, NULL, ses_world_now (r.world), TRUE,
      ses_snapshots_trace_extra, &cursor);
  g_auto (GStrv) split = g_strsplit (lines, "\n", -1);
  guint n_obs = 0, n_state = 0;
  for (guint i = 0; split[i] != NULL && split[i][0] != '\0'; i++)
    {
      g_autoptr (SesJson) line = ses_json_parse ("line", split[i],
                                                 strlen (split[i]), &error);
      assert_non_null (line);
      const char *type = ses_json_string (ses_json_get (line, "type"));
      assert_non_null (type);
      if (strcmp (type, "event") == 0)
        n_obs++;
      if (strcmp (type, "state") != 0)
        continue;
      guint64 a = 0;
      assert_true (ses_json_uint64 (ses_json_get (line, "after"), &a));
      assert_int_equal (a, n_obs);
      n_state++;
    }
  assert_int_equal (n_obs, ses_mqtt_log (mqtt)->len);
  assert_int_equal (n_state, ses_snapshots_list (r.snaps)->len);
  run_clear (&r);
}

/* A QoS 2 message held back by the subscriber: the broker holds it as sent
 * and awaiting PUBREC, the publisher's own copy is gone once the broker
 * completed it, and the HTML table shows the same. */
static void
test_inflight_and_html (void **state)
{
  static const char held[] =
    "title \"t\"\n"
    "mqtt 5\n"
    "client sub id=s clean-start=0 session-expiry=1h\n"
    "client pub id=p\n"
    "at 0s sub connect\n"
    "at 0s sub subscribe \"a\" qos=2\n"
    "at 0s pub connect\n"
    "at 1s sub hold-acks\n"
    "at 2s pub publish \"a\" \"x<y\" qos=2\n"
    "until 5s\n";
  Run r = { 0 };
  run_story (&r, held, NULL);
  const GPtrArray *l = ses_snapshots_list (r.snaps);
  const SesSnapshot *last = g_ptr_array_index (l, l->len - 1);
  const SesSnapSession *s = session (last, 0);
  assert_int_equal (s->unacked->len, 1);
  assert_string_equal (msg (s->unacked, 0)->stage, "awaiting PUBREC");
  assert_int_equal (msg (s->unacked, 0)->packet_id, 1);
  const SesSnapClient *sub = &g_array_index (last->clients, SesSnapClient, 0);
  /* The subscriber holds the id as an incoming QoS 2 exchange, though
   * its PUBREC is withheld. */
  assert_int_equal (sub->unacked->len, 0);
  assert_int_equal (sub->incoming->len, 1);
  assert_int_equal (g_array_index (sub->incoming, guint16, 0), 1);
  const SesSnapClient *pub = &g_array_index (last->clients, SesSnapClient, 1);
  assert_int_equal (pub->unacked->len, 0);
  g_autofree char *html = ses_snapshot_to_html (last);
  assert_non_null (strstr (html, "#1 &quot;x&lt;y&quot; q2 PUBREC"));
  assert_non_null (strstr (html, "data-phase=\"connected\""));
  assert_null (strstr (html, "x<y"));
  run_clear (&r);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_held_while_away),
    cmocka_unit_test (test_kept_on_change),
    cmocka_unit_test (test_json_records),
    cmocka_unit_test (test_inflight_and_html),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
