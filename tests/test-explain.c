/* The teaching narration: over every bundled scenario no explanation
 * repeats its packet line, every rule ID is cited with its version, and
 * the words are the same on a second run; on chosen scenarios the reason
 * names the setting that decided and what the other setting would do. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <glib.h>
#include <string.h>

#include "explain.h"
#include "script.h"
#include "snapshot.h"

typedef struct {
  SesScript *script;
  SesWorld *world;
  SesSnapshots *snaps;
  GPtrArray *why; /* (element-type utf8) per observation, NULL entries */
} Run;

static void
run_file (Run *r, const char *name)
{
  g_autofree char *path = g_build_filename (SOURCE_ROOT, "scenarios", name,
                                            NULL);
  g_autoptr (GError) error = NULL;
  r->script = ses_script_load_file (path, &error);
  if (r->script == NULL)
    fail_msg ("%s", error->message);
  r->world = ses_mqtt_world_new (ses_script_config (r->script),
                                 ses_script_seed (r->script));
  SesMqtt *mqtt = ses_mqtt_from_world (r->world);
  r->snaps = ses_snapshots_new (mqtt);
  ses_snapshots_update (r->snaps, 0);
  guint64 steps = 0;
  while (ses_world_step (r->world, ses_script_until (r->script))
         && ++steps < 200000)
    ses_snapshots_update (r->snaps, ses_world_now (r->world));
  r->why = ses_explain_run (mqtt, r->snaps);
}

static void
run_clear (Run *r)
{
  g_ptr_array_unref (r->why);
  ses_snapshots_free (r->snaps);
  ses_world_free (r->world);
  ses_script_free (r->script);
}

/* The explanation of the first observation of this kind for this client
 * label, or NULL. */
static const char *
why_of (Run *r, SesObsKind kind, const char *label)
{
  SesMqtt *mqtt = ses_mqtt_from_world (r->world);
  const GPtrArray *labels = ses_mqtt_config_labels (ses_mqtt_config (mqtt));
  const GArray *log = ses_mqtt_log (mqtt);
  for (guint i = 0; i < log->len; i++)
    {
      const SesObs *o = &g_array_index (log, SesObs, i);
      if (o->kind != kind)
        continue;
      if (label != NULL && (o->client >= labels->len
                            || strcmp (g_ptr_array_index (labels, o->client),
                                       label) != 0))
        continue;
      return g_ptr_array_index (r->why, i);
    }
  return NULL;
}

static guint
count (const char *hay, const char *needle)
{
  guint n = 0;
  for (const char *p = strstr (hay, needle); p != NULL;
       p = strstr (p + 1, needle))
    n++;
  return n;
}

static gint
compare_names (gconstpointer a, gconstpointer b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

static void
test_all_scenarios (void **state)
{
  g_autofree char *dir = g_build_filename (SOURCE_ROOT, "scenarios", NULL);
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  assert_non_null (d);
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  for (const char *n; (n = g_dir_read_name (d)) != NULL;)
    if (g_str_has_suffix (n, ".scn"))
      g_ptr_array_add (names, g_strdup (n));
  g_ptr_array_sort (names, compare_names);
  assert_true (names->len >= 40);
  guint explained = 0;
  for (guint k = 0; k < names->len; k++)
    {
      Run a = { 0 }, b = { 0 };
      run_file (&a, g_ptr_array_index (names, k));
      run_file (&b, g_ptr_array_index (names, k));
      SesMqtt *mqtt = ses_mqtt_from_world (a.world);
      SesMqttConfig *cfg = ses_mqtt_config (mqtt);
      const GArray *log = ses_mqtt_log (mqtt);
      assert_int_equal (a.why->len, log->len);
      for (guint i = 0; i < log->len; i++)
        {
          const char *w = g_ptr_array_index (a.why, i);
          assert_string_equal (w ? w : "", g_ptr_array_index (b.why, i)
                                           ? g_ptr_array_index (b.why, i) : "");
          if (w == NULL)
            continue;
          explained++;
          const SesObs *o = &g_array_index (log, SesObs, i);
          if (o->pkt.type != 0)
            {
              g_autofree char *line = ses_packet_describe (
                  &o->pkt, ses_mqtt_config_strings (cfg));
              if (strstr (w, line) != NULL)
                fail_msg ("%s: step %u repeats its packet line: %s",
                          (char *) g_ptr_array_index (names, k), i, w);
            }
          guint ids = count (w, "[MQTT-");
          guint cited = count (w, "3.1.1 [MQTT-") + count (w, "5.0 [MQTT-")
                        + count (w, "both [MQTT-");
          if (ids != cited)
            fail_msg ("%s: step %u cites a rule without its version: %s",
                      (char *) g_ptr_array_index (names, k), i, w);
        }
      run_clear (&a);
      run_clear (&b);
    }
  assert_true (explained > 500);
}

/* The offline QoS 0 copy: the reason is the broker setting, with the
 * other setting's outcome. */
static void
test_qos0_policy (void **state)
{
  Run r = { 0 };
  run_file (&r, "06-offline-queue-qos0-off.scn");
  const char *w = why_of (&r, SES_OBS_POLICY_DROP, "sub");
  assert_non_null (w);
  assert_non_null (strstr (w, "QoS 0: not queued for an offline session "
                              "unless the broker is set to (queue-qos0=on)"));
  assert_non_null (strstr (w, "policy, not a loss"));
  run_clear (&r);
  run_file (&r, "07-offline-queue-qos0-on.scn");
  w = why_of (&r, SES_OBS_QUEUED, "sub");
  assert_non_null (w);
  assert_non_null (strstr (w, "queue-qos0=on"));
  run_clear (&r);
}

/* A cut with a one-hour expiry: kept until a deadline, and why; the
 * reconnect is told what it will resume. */
static void
test_kept_and_resumed (void **state)
{
  Run r = { 0 };
  run_file (&r, "03-persistent-session.scn");
  const char *w = why_of (&r, SES_OBS_SESSION_KEPT, "sub");
  assert_non_null (w);
  assert_non_null (strstr (w, "a network failure, not a DISCONNECT"));
  assert_non_null (strstr (w, "Session Expiry is 1 h"));
  assert_non_null (strstr (w, "until 3601.000000s"));
  assert_non_null (strstr (w, "With expiry 0 it would have ended now"));
  w = why_of (&r, SES_OBS_SESSION_RESUMED, "sub");
  assert_non_null (w);
  assert_non_null (strstr (w, "1 subscription, 2 messages owed"));
  assert_non_null (strstr (w, "5.0 [MQTT-3.1.2-5]"));
  run_clear (&r);
}

/* 3.1.1 speaks of Clean Session, not Session Expiry. */
static void
test_v311_words (void **state)
{
  Run r = { 0 };
  run_file (&r, "22-v311-clean-session-1.scn");
  const char *w = why_of (&r, SES_OBS_SESSION_ENDED, NULL);
  assert_non_null (w);
  assert_non_null (strstr (w, "Clean Session 1"));
  assert_non_null (strstr (w, "3.1.1 [MQTT-3.1.2-6]"));
  assert_null (strstr (w, "Session Expiry"));
  run_clear (&r);
}

/* Will Delay: when the will is due, and that a reconnect cancels it; the
 * restart names the persistence setting. */
static void
test_will_and_restart (void **state)
{
  Run r = { 0 };
  run_file (&r, "24-will-delay.scn");
  const char *w = why_of (&r, SES_OBS_WILL_SCHEDULED, "blip");
  assert_non_null (w);
  assert_non_null (strstr (w, "until 40.000000s"));
  assert_non_null (strstr (w, "5.0 [MQTT-3.1.3-9]"));
  w = why_of (&r, SES_OBS_WILL_CANCELLED, "blip");
  assert_non_null (w);
  run_clear (&r);
  run_file (&r, "32-broker-restart-volatile.scn");
  w = why_of (&r, SES_OBS_SESSION_ENDED, "sub");
  assert_non_null (w);
  assert_non_null (strstr (w, "persistence=on"));
  assert_non_null (strstr (w, "1 subscription"));
  run_clear (&r);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_all_scenarios),
    cmocka_unit_test (test_qos0_policy),
    cmocka_unit_test (test_kept_and_resumed),
    cmocka_unit_test (test_v311_words),
    cmocka_unit_test (test_will_and_restart),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
