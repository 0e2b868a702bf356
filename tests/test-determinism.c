/* The determinism contract: the same configuration and seed give the same
 * observation log, byte for byte, run after run, in any build of the same
 * version. Golden files pin the logs, so the optimised and the sanitizer
 * builds in CI are compared with each other through them. Set
 * SESSIM_UPDATE_GOLDEN=1 to rewrite them after an intended change. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <glib.h>
#include <string.h>

#include "examples.h"
#include "mqtt.h"
#include "script.h"
#include "test-files.h"
#include "world.h"

typedef struct {
  char *log;
  guint64 fingerprint;
} Outcome;

static void
outcome_clear (Outcome *o)
{
  g_free (o->log);
}

/* Runs an example with the random driver: faults drawn from the seed. */
static Outcome
run_example (const SesExample *ex, guint64 seed, guint32 fault_ppm,
             guint32 max_faults)
{
  g_autoptr (SesMqttConfig) cfg = ex->build ();
  g_autoptr (SesWorld) world = ses_mqtt_world_new (cfg, seed);
  SesRandomRun opts = { .until = ex->run_until_us, .fault_ppm = fault_ppm,
                        .max_faults = max_faults };
  ses_world_run_random (world, &opts);
  Outcome o = { ses_mqtt_log_text (ses_mqtt_from_world (world)),
                ses_world_fingerprint (world) };
  return o;
}

static void
test_same_seed_same_log (void **state)
{
  guint n;
  const SesExample *ex = ses_examples (&n);
  for (guint i = 0; i < n; i++)
    for (guint64 seed = 1; seed <= 5; seed++)
      {
        Outcome a = run_example (&ex[i], seed, 50000, 4);
        Outcome b = run_example (&ex[i], seed, 50000, 4);
        assert_string_equal (a.log, b.log);
        assert_int_equal (a.fingerprint, b.fingerprint);
        outcome_clear (&a);
        outcome_clear (&b);
      }
}

static void
test_seed_changes_faults (void **state)
{
  /* With faults on, different seeds must be able to give different runs;
   * otherwise the seed would not be reaching the fault stream. */
  const SesExample *ex = ses_example_find ("persistent-session");
  assert_non_null (ex);
  g_autoptr (GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal,
                                                       g_free, NULL);
  for (guint64 seed = 1; seed <= 8; seed++)
    {
      Outcome o = run_example (ex, seed, 100000, 3);
      g_hash_table_add (seen, g_steal_pointer (&o.log));
    }
  assert_true (g_hash_table_size (seen) > 1);
}

static void
test_copy_continues_identically (void **state)
{
  /* A copy taken mid-run behaves exactly like the original from there on:
   * what the checker relies on when it expands states. */
  const SesExample *ex = ses_example_find ("will-and-takeover");
  g_autoptr (SesMqttConfig) cfg = ex->build ();
  g_autoptr (SesWorld) a = ses_mqtt_world_new (cfg, 3);
  ses_world_run (a, 30 * SES_US_PER_S);
  g_autoptr (SesWorld) b = ses_world_copy (a);
  assert_int_equal (ses_world_fingerprint (a), ses_world_fingerprint (b));
  ses_world_run (a, ex->run_until_us);
  ses_world_run (b, ex->run_until_us);
  g_autofree char *la = ses_mqtt_log_text (ses_mqtt_from_world (a));
  g_autofree char *lb = ses_mqtt_log_text (ses_mqtt_from_world (b));
  assert_string_equal (la, lb);
  assert_int_equal (ses_world_fingerprint (a), ses_world_fingerprint (b));
}

static void
test_look_ahead_changes_nothing (void **state)
{
  /* The look-ahead (on by itself only in big worlds) is a cache hint:
   * every example runs the same with it, and its model hook meets every
   * kind of event they have. */
  guint n;
  const SesExample *ex = ses_examples (&n);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr (SesMqttConfig) cfg = ex[i].build ();
      g_autoptr (SesWorld) plain = ses_mqtt_world_new (cfg, 7);
      g_autoptr (SesWorld) ahead = ses_mqtt_world_new (cfg, 7);
      ses_world_set_look_ahead (plain, FALSE);
      ses_world_set_look_ahead (ahead, TRUE);
      guint64 steps = ses_world_run (plain, ex[i].run_until_us);
      assert_int_equal (ses_world_run (ahead, ex[i].run_until_us), steps);
      assert_true (steps > 0);
      g_autofree char *lp = ses_mqtt_log_text (ses_mqtt_from_world (plain));
      g_autofree char *la = ses_mqtt_log_text (ses_mqtt_from_world (ahead));
      assert_string_equal (lp, la);
      assert_int_equal (ses_world_fingerprint (plain),
                        ses_world_fingerprint (ahead));
    }
}

/* Runs a scenario's world with random faults (none for seed 0) in
 * stretches, past its end; the world is left for the caller to compare. */
static SesWorld *
run_with_faults (SesScript *script, guint seed, gboolean look_ahead)
{
  SesWorld *w = ses_mqtt_world_new (ses_script_config (script),
                                    ses_script_seed (script) + seed);
  ses_world_set_look_ahead (w, look_ahead);
  SesRandomRun opts = { .until = ses_script_until (script),
                        .fault_ppm = seed == 0 ? 0 : 30000 * seed,
                        .max_faults = seed == 0 ? 0 : 10 };
  ses_world_run_random (w, &opts);
  opts.until += 2 * 3600 * SES_US_PER_S;
  opts.fault_ppm = 0;
  ses_world_run_random (w, &opts);
  return w;
}

static void
test_look_ahead_changes_nothing_in_scenarios (void **state)
{
  /* What a big world does besides loading ahead (a calendar of near
   * events in its queue, a cache of each topic's subscribers in its
   * broker) changes nothing either: every bundled scenario, as written
   * and under random faults that end sessions and make clients subscribe
   * again, gives the same log and state both ways. */
  guint runs = 0;
  g_autoptr (GPtrArray) paths = test_bundled_scenarios (SOURCE_ROOT);
  for (guint i = 0; i < paths->len; i++)
    {
      const char *path = paths->pdata[i];
      g_autoptr (GError) error = NULL;
      g_autoptr (SesScript) script = ses_script_load_file (path, &error);
      if (script == NULL)
        fail_msg ("%s: %s", path, error->message);
      for (guint seed = 0; seed < 3; seed++)
        {
          g_autoptr (SesWorld) plain = run_with_faults (script, seed, FALSE);
          g_autoptr (SesWorld) ahead = run_with_faults (script, seed, TRUE);
          SesMqtt *mp = ses_mqtt_from_world (plain);
          SesMqtt *ma = ses_mqtt_from_world (ahead);
          g_autofree char *lp = ses_mqtt_log_text (mp);
          g_autofree char *la = ses_mqtt_log_text (ma);
          if (strcmp (lp, la) != 0)
            fail_msg ("%s, seed +%u: the logs differ", path, seed);
          assert_int_equal (ses_world_steps (plain), ses_world_steps (ahead));
          assert_int_equal (ses_world_fingerprint (plain),
                            ses_world_fingerprint (ahead));
          runs++;
        }
    }
  assert_true (runs >= 200);
}

static void
check_golden (const char *name, const char *actual)
{
  g_autofree char *path = g_build_filename (GOLDEN_DIR, name, NULL);
  if (g_getenv ("SESSIM_UPDATE_GOLDEN") != NULL)
    {
      assert_true (g_file_set_contents (path, actual, -1, NULL));
      return;
    }
  g_autofree char *expected = NULL;
  if (!g_file_get_contents (path, &expected, NULL, NULL))
    fail_msg ("missing golden file %s (SESSIM_UPDATE_GOLDEN=1 writes it)",
              path);
  if (strcmp (expected, actual) != 0)
    {
      print_error ("--- %s\n%s\n+++ actual\n%s\n", path, expected, actual);
      fail_msg ("%s differs from this build's output", name);
    }
}

static void
test_examples_match_golden_logs (void **state)
{
  guint n;
  const SesExample *ex = ses_examples (&n);
  for (guint i = 0; i < n; i++)
    {
      Outcome o = run_example (&ex[i], 1, 0, 0);
      g_autofree char *name = g_strdup_printf ("example-%s.log", ex[i].name);
      g_autofree char *text = g_strdup_printf ("%sstate %016" G_GINT64_MODIFIER
                                               "x\n", o.log, o.fingerprint);
      check_golden (name, text);
      outcome_clear (&o);
    }
}

static void
test_random_runs_match_golden_hashes (void **state)
{
  /* Runs with random faults, pinned by hash: a change to any draw, any
   * ordering or any handler shows up here. */
  guint n;
  const SesExample *ex = ses_examples (&n);
  GString *out = g_string_new (NULL);
  for (guint i = 0; i < n; i++)
    for (guint64 seed = 1; seed <= 4; seed++)
      {
        Outcome o = run_example (&ex[i], seed, 50000, 4);
        g_string_append_printf (out, "%s seed=%" G_GUINT64_FORMAT
                                " log=%016" G_GINT64_MODIFIER "x state=%016"
                                G_GINT64_MODIFIER "x\n",
                                ex[i].name, seed,
                                ses_hash_bytes ((const guint8 *) o.log,
                                                strlen (o.log)),
                                o.fingerprint);
        outcome_clear (&o);
      }
  g_autofree char *text = g_string_free (out, FALSE);
  check_golden ("random-runs.txt", text);
}

static char *
run_scenario (const char *path, guint64 *fingerprint)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SesScript) script = ses_script_load_file (path, &error);
  if (script == NULL)
    fail_msg ("%s", error->message);
  g_autoptr (SesWorld) world = ses_mqtt_world_new (ses_script_config (script),
                                                   ses_script_seed (script));
  ses_world_run (world, ses_script_until (script));
  *fingerprint = ses_world_fingerprint (world);
  return ses_mqtt_log_text (ses_mqtt_from_world (world));
}

static void
test_every_scenario_twice (void **state)
{
  /* Each bundled scenario, run twice in one process, gives the same log
   * and state: nothing may depend on addresses or on what ran before. */
  g_autofree char *dir = g_build_filename (SOURCE_ROOT, "scenarios", NULL);
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  assert_non_null (d);
  g_autoptr (GPtrArray) files = g_ptr_array_new_with_free_func (g_free);
  const char *name;
  while ((name = g_dir_read_name (d)) != NULL)
    if (g_str_has_suffix (name, ".scn"))
      g_ptr_array_add (files, g_build_filename (dir, name, NULL));
  g_ptr_array_sort (files, (GCompareFunc) g_strcmp0);
  assert_true (files->len >= 30);
  for (guint i = 0; i < files->len; i++)
    {
      const char *path = g_ptr_array_index (files, i);
      guint64 fa, fb;
      g_autofree char *a = run_scenario (path, &fa);
      g_autofree char *b = run_scenario (path, &fb);
      assert_string_equal (a, b);
      assert_int_equal (fa, fb);
    }
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_same_seed_same_log),
    cmocka_unit_test (test_seed_changes_faults),
    cmocka_unit_test (test_copy_continues_identically),
    cmocka_unit_test (test_look_ahead_changes_nothing),
    cmocka_unit_test (test_look_ahead_changes_nothing_in_scenarios),
    cmocka_unit_test (test_examples_match_golden_logs),
    cmocka_unit_test (test_random_runs_match_golden_hashes),
    cmocka_unit_test (test_every_scenario_twice),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
