/* Random and swarm mode, shrinking, and the mergeable report: every walk
 * is a path the exhaustive search could take (its trail replays strictly
 * to the same world), swarm settings come from the seed alone and stay
 * within the budgets, a variant whose scripted fault is removed is found
 * by placing the fault at random, threads and shards do not change the
 * result, and shrinking keeps the verdict while never growing the trail. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "checker.h"
#include "coverage.h"
#include "error.h"
#include "mqtt.h"
#include "report.h"
#include "script.h"
#include "shrink.h"
#include "swarm.h"

static SesScript *
load (const char *file)
{
  g_autofree char *path = g_build_filename (SOURCE_ROOT, "scenarios", file,
                                            NULL);
  g_autoptr (GError) error = NULL;
  SesScript *script = ses_script_load_file (path, &error);
  if (script == NULL)
    fail_msg ("%s: %s", file, error->message);
  return script;
}

/* The scenario without its scripted faults (cuts, crashes, half-opens,
 * restarts): the bug then shows only if the checker places the fault. */
static SesScript *
load_without_faults (const char *file)
{
  g_autofree char *path = g_build_filename (SOURCE_ROOT, "scenarios", file,
                                            NULL);
  g_autofree char *text = NULL;
  if (!g_file_get_contents (path, &text, NULL, NULL))
    fail_msg ("cannot read %s", path);
  GString *kept = g_string_new (NULL);
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  guint dropped = 0;
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_auto (GStrv) w = g_strsplit_set (g_strstrip (lines[i]), " \t", -1);
      guint n = 0;
      const char *words[4] = { NULL };
      for (guint k = 0; w[k] != NULL && n < 4; k++)
        if (*w[k] != '\0')
          words[n++] = w[k];
      /* at TIME CLIENT ACTION, or at TIME broker restart */
      if (n >= 4 && g_strcmp0 (words[0], "at") == 0
          && (g_strcmp0 (words[3], "cut") == 0
              || g_strcmp0 (words[3], "crash") == 0
              || g_strcmp0 (words[3], "half-open") == 0
              || g_strcmp0 (words[3], "restart") == 0))
        {
          dropped++;
          continue;
        }
      g_string_append_printf (kept, "%s\n", lines[i]);
    }
  assert_true (dropped > 0);
  g_autoptr (GError) error = NULL;
  SesScript *script = ses_script_load (file, kept->str, kept->len, &error);
  g_string_free (kept, TRUE);
  if (script == NULL)
    fail_msg ("%s without faults: %s", file, error->message);
  return script;
}

static SesCheckOptions
options (guint32 cuts, guint32 crashes, guint32 restarts, guint32 half_opens)
{
  SesCheckOptions o = { .jobs = 1 };
  o.budgets[SES_CHECK_CUTS] = cuts;
  o.budgets[SES_CHECK_CRASHES] = crashes;
  o.budgets[SES_CHECK_RESTARTS] = restarts;
  o.budgets[SES_CHECK_HALF_OPENS] = half_opens;
  return o;
}

/* The first invariant a strict replay of trail breaks, -1 if none. */
static gint
replayed_invariant (const SesScript *script, const SesTrail *trail,
                    guint64 *fingerprint)
{
  g_autoptr (GError) error = NULL;
  SesInvariants *inv = NULL;
  SesWorld *w = ses_check_replay (script, trail, &inv, &error);
  if (w == NULL)
    fail_msg ("the trail does not replay strictly: %s", error->message);
  const GArray *v = ses_invariants_violations (inv);
  gint id = v->len > 0 ? (gint) g_array_index (v, SesViolation, 0).id : -1;
  if (fingerprint != NULL)
    *fingerprint = ses_world_fingerprint (w);
  ses_invariants_free (inv);
  ses_world_free (w);
  return id;
}

/* ---- the engine, driven directly -------------------------------------- */

/* Faults of every kind on every client except client `spared`. */
static gint
classify (const SesFault *f, gpointer data)
{
  guint32 spared = GPOINTER_TO_UINT (data);
  if (f->kind != SES_MQTT_FAULT_RESTART && f->target == spared)
    return -1;
  switch (f->kind)
    {
    case SES_FAULT_CUT: return SES_CHECK_CUTS;
    case SES_FAULT_HALF_OPEN_SERVER:
    case SES_FAULT_HALF_OPEN_CLIENT: return SES_CHECK_HALF_OPENS;
    case SES_MQTT_FAULT_CRASH: return SES_CHECK_CRASHES;
    case SES_MQTT_FAULT_RESTART: return SES_CHECK_RESTARTS;
    default: return -1;
    }
}

static guint
verdict (gconstpointer m, gpointer data)
{
  const GArray *v = ses_invariants_violations (m);
  return v->len > 0 ? (guint) g_array_index (v, SesViolation, 0).id + 1 : 0;
}

/* Settings are a function of the seed, within the maxima, never all off,
 * and different seeds draw different mixes. */
static void
test_settings_from_seed_within_budgets (void **state)
{
  (void) state;
  SesSwarmOptions o = { .swarm = TRUE, .budgets = { 2, 1, 1, 0 } };
  guint on[SES_EXPLORE_BUDGETS] = { 0 }, off[SES_EXPLORE_BUDGETS] = { 0 };
  guint two_cuts = 0, shuffled = 0;
  g_autoptr (GHashTable) rates = g_hash_table_new (NULL, NULL);
  for (guint64 seed = 1; seed <= 2000; seed++)
    {
      SesSwarmSettings a, b;
      ses_swarm_settings (seed, &o, &a);
      ses_swarm_settings (seed, &o, &b);
      assert_memory_equal (&a, &b, sizeof a);
      guint32 any = 0;
      for (guint c = 0; c < SES_EXPLORE_BUDGETS; c++)
        {
          assert_true (a.budgets[c] <= o.budgets[c]);
          any |= a.budgets[c];
          a.budgets[c] > 0 ? on[c]++ : off[c]++;
        }
      assert_true (any != 0);
      assert_true (a.fault_ppm > 0 && a.fault_ppm < 1000000);
      two_cuts += a.budgets[SES_CHECK_CUTS] == 2;
      shuffled += a.shuffle;
      g_hash_table_add (rates, GUINT_TO_POINTER (a.fault_ppm));
    }
  for (guint c = 0; c < 3; c++)
    assert_true (on[c] > 500 && off[c] > 500);
  assert_int_equal (on[SES_CHECK_HALF_OPENS], 0);
  assert_true (two_cuts > 200);
  assert_true (shuffled > 500 && shuffled < 1500);
  assert_true (g_hash_table_size (rates) >= 4);

  /* Without swarm: every class at its maximum. */
  o.swarm = FALSE;
  SesSwarmSettings plain;
  ses_swarm_settings (7, &o, &plain);
  assert_memory_equal (plain.budgets, o.budgets, sizeof o.budgets);
  assert_int_equal (plain.fault_ppm, SES_SWARM_PLAIN_PPM);
  assert_true (plain.shuffle);
}

/* Each walk takes only choices the explorer offers: its trail replays
 * strictly to the very same world, it keeps to its budgets and spares the
 * clients faults may not hit, and it ends in an end state or a violation. */
static void
test_walk_is_a_path_of_the_search (void **state)
{
  (void) state;
  static const char *const files[] = {
    "03-persistent-session.scn", "36-auto-reconnect.scn",
    "variants/forget-inflight.scn",
  };
  guint faults_seen = 0;
  for (guint f = 0; f < G_N_ELEMENTS (files); f++)
    {
      g_autoptr (SesScript) script = load (files[f]);
      for (guint64 seed = 1; seed <= 40; seed++)
        {
          SesWorld *w = ses_mqtt_world_new (ses_script_config (script), seed);
          ses_mqtt_set_recording (ses_mqtt_from_world (w), FALSE);
          SesInvariants *inv = ses_invariants_new (
              w, ses_script_disabled_invariants (script));
          SesSwarmOptions so = {
            .until = ses_script_until (script), .budgets = { 2, 1, 1, 1 },
            .fault_class = classify, .data = GUINT_TO_POINTER (0),
            .swarm = TRUE,
          };
          SesSwarmSettings settings;
          ses_swarm_settings (seed, &so, &settings);
          g_autoptr (SesTrail) trail = ses_trail_new (files[f], seed);
          SesWalkStats st;
          ses_swarm_walk (w, inv, &ses_check_invariant_monitor, &so,
                          &settings, seed, &st, trail->choices);
          assert_int_equal (st.steps, trail->choices->len);
          assert_true (st.end || st.violation);
          assert_false (st.cut);
          guint32 used[SES_EXPLORE_BUDGETS] = { 0 };
          for (guint i = 0; i < trail->choices->len; i++)
            {
              const SesChoice *c = &g_array_index (trail->choices, SesChoice,
                                                   i);
              if (c->kind != SES_CHOICE_FAULT)
                continue;
              gint cls = classify (&c->fault, GUINT_TO_POINTER (0));
              assert_true (cls >= 0);
              used[cls]++;
            }
          guint total = 0;
          for (guint c = 0; c < SES_EXPLORE_BUDGETS; c++)
            {
              assert_true (used[c] <= settings.budgets[c]);
              total += used[c];
            }
          assert_int_equal (total, st.faults);
          faults_seen += total;
          guint64 fp;
          gint id = replayed_invariant (script, trail, &fp);
          assert_int_equal (id >= 0, st.violation);
          assert_true (fp == ses_world_fingerprint (w));
          ses_invariants_free (inv);
          ses_world_free (w);
        }
    }
  assert_true (faults_seen > 20);
}

/* forget-inflight without its scripted cut: random walks place the cut
 * while the PUBLISH is on the wire. Every failure names its seed, and its
 * (shrunk) trail replays strictly to the same invariant. */
static void
test_random_finds_variant_without_scripted_fault (void **state)
{
  (void) state;
  g_autoptr (SesScript) script = load_without_faults (
      "variants/forget-inflight.scn");
  SesCheckOptions o = options (1, 0, 0, 0);
  SesRandomOptions ro = { .seed_from = 1, .seed_to = 300, .shard_index = 1,
                          .shard_count = 1, .swarm = TRUE, .shrink = TRUE };
  SesRandomResult res;
  ses_check_random (script, "forget-inflight", &o, &ro, &res);
  assert_int_equal (res.seeds_run, 300);
  assert_false (res.stopped);
  assert_true (res.failures->len > 0);
  guint64 previous = 0;
  for (guint i = 0; i < res.failures->len; i++)
    {
      const SesRandomFailure *f = g_ptr_array_index (res.failures, i);
      assert_true (f->seed > previous);
      previous = f->seed;
      assert_true (f->expected);
      assert_true (f->invariant == SES_INV_NO_LOSS
                   || f->invariant == SES_INV_QOS1_AT_LEAST_ONCE
                   || f->invariant == SES_INV_COMPLETION);
      assert_true (f->trail->seed == f->seed);
      assert_int_equal (f->trail->choices->len, f->shrink.shrunk);
      assert_true (f->shrink.shrunk <= f->shrink.original);
      assert_int_equal (replayed_invariant (script, f->trail, NULL),
                        f->invariant);
    }
  ses_random_result_clear (&res);

  /* With no fault allowed, no walk can lose the message. */
  SesCheckOptions none = options (0, 0, 0, 0);
  ro.seed_to = 50;
  ses_check_random (script, "forget-inflight", &none, &ro, &res);
  assert_int_equal (res.failures->len, 0);
  assert_int_equal (res.faults, 0);
  assert_int_equal (res.end_states, 50);
  ses_random_result_clear (&res);
}

static void
assert_same_result (const SesRandomResult *a, const SesRandomResult *b)
{
  assert_int_equal (a->seeds_run, b->seeds_run);
  assert_int_equal (a->steps, b->steps);
  assert_int_equal (a->faults, b->faults);
  assert_int_equal (a->end_states, b->end_states);
  assert_int_equal (a->cut, b->cut);
  assert_int_equal (a->stopped, b->stopped);
  assert_int_equal (a->failures->len, b->failures->len);
  for (guint i = 0; i < a->failures->len; i++)
    {
      const SesRandomFailure *x = g_ptr_array_index (a->failures, i);
      const SesRandomFailure *y = g_ptr_array_index (b->failures, i);
      assert_int_equal (x->seed, y->seed);
      assert_int_equal (x->invariant, y->invariant);
      assert_memory_equal (&x->settings, &y->settings, sizeof x->settings);
      assert_int_equal (x->trail->choices->len, y->trail->choices->len);
      assert_memory_equal (x->trail->choices->data, y->trail->choices->data,
                           x->trail->choices->len * sizeof (SesChoice));
    }
}

/* Threads walk seeds in batches taken in seed order: the result, where
 * max_failures stops included, and the coverage do not depend on them. */
static void
test_jobs_do_not_change_the_result (void **state)
{
  (void) state;
  g_autoptr (SesScript) script = load_without_faults (
      "variants/qos2-no-dedup.scn");
  SesRandomResult res[2];
  SesCoverage *cov[2];
  for (guint k = 0; k < 2; k++)
    {
      SesCheckOptions o = options (1, 1, 1, 1);
      o.jobs = k == 0 ? 1 : 3;
      cov[k] = ses_coverage_new (ses_check_versions (script));
      o.rule_sink = ses_coverage_sink;
      o.rule_sink_data = cov[k];
      SesRandomOptions ro = { .seed_from = 1, .seed_to = 2000,
                              .shard_index = 1, .shard_count = 1,
                              .swarm = TRUE, .shrink = TRUE,
                              .max_failures = 2 };
      ses_check_random (script, "qos2-no-dedup", &o, &ro, &res[k]);
    }
  assert_int_equal (res[0].failures->len, 2);
  assert_true (res[0].stopped);
  /* Stopped right after the second failing seed. */
  const SesRandomFailure *last = g_ptr_array_index (res[0].failures, 1);
  assert_int_equal (res[0].seeds_run, last->seed);
  assert_same_result (&res[0], &res[1]);
  assert_true (ses_coverage_n_exercised (cov[0]) > 5);
  for (guint i = 0; i < ses_rules_count (); i++)
    assert_int_equal (ses_coverage_exercised (cov[0], i),
                      ses_coverage_exercised (cov[1], i));
  for (guint k = 0; k < 2; k++)
    {
      ses_random_result_clear (&res[k]);
      ses_coverage_free (cov[k]);
    }
}

/* A report as `check --random` makes it, without writing files. */
static SesReport *
report_of (const SesScript *script, const SesCheckOptions *o,
           const SesRandomOptions *ro)
{
  SesRandomResult res;
  SesReport *r = ses_check_random_report (script, "x.scn", "0.1.0", NULL, o,
                                          ro, &res);
  for (guint i = 0; i < res.failures->len; i++)
    {
      const SesRandomFailure *f = g_ptr_array_index (res.failures, i);
      /* The shard a seed belongs to. */
      assert_int_equal ((f->seed - ro->seed_from) % ro->shard_count,
                        ro->shard_index - 1);
      ses_report_add_failure (r, ses_check_report_failure (
          f, g_strdup ("broken"),
          g_strdup_printf ("seed-%" G_GUINT64_FORMAT ".trail", f->seed)));
    }
  ses_random_result_clear (&res);
  return r;
}

/* The JSON of a report without what differs between equal runs: time,
 * memory, and how the seeds were split. */
static char *
comparable_json (SesReport *r)
{
  r->seconds = 0;
  r->peak_rss_kib = 0;
  r->merged = FALSE;
  r->shard_count = 1;
  g_array_set_size (r->shards, 1);
  g_array_index (r->shards, guint, 0) = 1;
  return ses_report_to_json (r);
}

/* Four shards cover the range exactly once, and their JSON results,
 * read back and merged in any order, make the unsharded report. */
static void
test_shards_merge_to_the_unsharded_result (void **state)
{
  (void) state;
  g_autoptr (SesScript) script = load_without_faults (
      "variants/qos2-no-dedup.scn");
  SesCheckOptions o = options (1, 0, 0, 0);
  SesRandomOptions ro = { .seed_from = 5, .seed_to = 404, .shard_index = 1,
                          .shard_count = 1, .swarm = TRUE, .shrink = TRUE };
  g_autoptr (SesReport) whole = report_of (script, &o, &ro);
  assert_int_equal (whole->seeds_run, 400);
  assert_true (whole->failures->len > 0);
  g_autoptr (SesReport) merged = NULL;
  static const guint order[] = { 3, 1, 4, 2 };
  for (guint k = 0; k < G_N_ELEMENTS (order); k++)
    {
      ro.shard_index = order[k];
      ro.shard_count = 4;
      g_autoptr (SesReport) part = report_of (script, &o, &ro);
      assert_int_equal (part->seeds_run, 100);
      g_autofree char *json = ses_report_to_json (part);
      g_autoptr (GError) error = NULL;
      g_autoptr (SesReport) back = ses_report_from_json ("part", json,
                                                         strlen (json),
                                                         &error);
      assert_non_null (back);
      g_autofree char *again = ses_report_to_json (back);
      assert_string_equal (json, again);
      if (merged == NULL)
        merged = g_steal_pointer (&back);
      else
        assert_true (ses_report_merge (merged, back, &error));
      merged->merged = TRUE;
      /* Until the last shard is in, a passing range is incomplete. */
      if (k + 1 < G_N_ELEMENTS (order))
        assert_int_equal (ses_report_status (merged),
                          merged->failures->len > 0 ? 0 : 3);
    }
  g_autoptr (GArray) missing = ses_report_missing_shards (merged);
  assert_int_equal (missing->len, 0);
  assert_int_equal (ses_report_status (merged), ses_report_status (whole));
  g_autofree char *a = comparable_json (whole);
  g_autofree char *b = comparable_json (merged);
  assert_string_equal (a, b);
}

/* The top of the seed range does not wrap around. */
static void
test_shard_at_the_top_of_the_range (void **state)
{
  (void) state;
  g_autoptr (SesScript) script = load ("01-hello-qos0.scn");
  SesCheckOptions o = options (1, 0, 0, 0);
  guint64 total = 0;
  for (guint i = 1; i <= 4; i++)
    {
      SesRandomOptions ro = { .seed_from = G_MAXUINT64 - 5,
                              .seed_to = G_MAXUINT64, .shard_index = i,
                              .shard_count = 4, .swarm = TRUE };
      SesRandomResult res;
      ses_check_random (script, "01", &o, &ro, &res);
      total += res.seeds_run;
      assert_int_equal (res.seeds_run, i <= 2 ? 2 : 1);
      assert_int_equal (res.failures->len, 0);
      ses_random_result_clear (&res);
    }
  assert_int_equal (total, 6);
}

static GError *
merge_error (SesReport *a, SesReport *b)
{
  GError *error = NULL;
  assert_false (ses_report_merge (a, b, &error));
  assert_non_null (error);
  return error;
}

static SesReport *
small_report (guint shard)
{
  SesReport *r = ses_report_new ();
  r->scenario = g_strdup ("a.scn");
  r->version = g_strdup ("0.1.0");
  r->seed_from = 1;
  r->seed_to = 10;
  r->shard_count = 2;
  g_array_append_val (r->shards, shard);
  r->budgets[SES_CHECK_CUTS] = 1;
  r->seeds_run = 5;
  return r;
}

/* Results of different runs never merge; a shard twice is refused. */
static void
test_merge_refuses_mismatches (void **state)
{
  (void) state;
  g_autoptr (SesReport) one = small_report (1);
  g_autoptr (SesReport) other = small_report (2);
  g_free (other->scenario);
  other->scenario = g_strdup ("b.scn");
  g_autoptr (GError) e1 = merge_error (one, other);
  assert_non_null (strstr (e1->message, "scenarios a.scn and b.scn"));

  g_autoptr (SesReport) newer = small_report (2);
  g_free (newer->version);
  newer->version = g_strdup ("0.2.0");
  g_autoptr (GError) e2 = merge_error (one, newer);
  assert_non_null (strstr (e2->message, "versions"));

  g_autoptr (SesReport) range = small_report (2);
  range->seed_to = 11;
  g_autoptr (GError) e3 = merge_error (one, range);
  assert_non_null (strstr (e3->message, "seed ranges 1..10 and 1..11"));

  g_autoptr (SesReport) bounds = small_report (2);
  bounds->budgets[SES_CHECK_CRASHES] = 1;
  g_autoptr (GError) e4 = merge_error (one, bounds);
  assert_non_null (strstr (e4->message, "bounds"));

  g_autoptr (SesReport) twice = small_report (1);
  g_autoptr (GError) e5 = merge_error (one, twice);
  assert_non_null (strstr (e5->message, "shard 1/2 appears twice"));

  /* A failure the scenario does not expect makes the merge fail (1);
   * nothing found and a shard missing, incomplete (3). */
  one->merged = TRUE;
  assert_int_equal (ses_report_status (one), 3);
  g_autoptr (SesReport) two = small_report (2);
  SesReportFailure *f = g_new0 (SesReportFailure, 1);
  f->seed = 4;
  f->invariant = g_strdup ("no-loss");
  f->violation = g_strdup ("lost");
  f->trail = g_strdup ("seed-4.trail");
  ses_report_add_failure (two, f);
  g_autoptr (GError) none = NULL;
  assert_true (ses_report_merge (one, two, &none));
  assert_int_equal (one->seeds_run, 10);
  assert_int_equal (ses_report_status (one), 1);
  g_autofree char *text = ses_report_to_text (one, FALSE);
  assert_non_null (strstr (text, "# no-loss in 1 seed: 4\n"));
  assert_non_null (strstr (text, "#   seed 4: lost"));
}

static void
add_failure (SesReport *r, guint64 seed, const char *invariant, guint length)
{
  SesReportFailure *f = g_new0 (SesReportFailure, 1);
  f->seed = seed;
  f->invariant = g_strdup (invariant);
  f->violation = g_strdup_printf ("%s at seed %" G_GUINT64_FORMAT, invariant,
                                  seed);
  f->trail = g_strdup_printf ("seed-%" G_GUINT64_FORMAT ".trail", seed);
  f->length = f->original_length = length;
  ses_report_add_failure (r, f);
}

/* The text groups failing seeds by invariant, in the order of each one's
 * first seed, with its seeds (twelve, then how many more) and its shortest
 * trail; an interrupted report says so, is incomplete without a failure,
 * and keeps the mark through JSON and merging. */
static void
test_report_groups_by_invariant (void **state)
{
  (void) state;
  g_autoptr (SesReport) r = small_report (1);
  add_failure (r, 3, "no-loss", 30);
  add_failure (r, 4, "dup", 12);
  add_failure (r, 5, "no-loss", 20);
  for (guint64 s = 6; s < 20; s++)
    add_failure (r, s, "dup", 15);
  g_autofree char *text = ses_report_to_text (r, FALSE);
  assert_non_null (strstr (text, "# 17 failing seeds, 2 distinct invariants "
                                 "broken\n"
                                 "# no-loss in 2 seeds: 3, 5\n"
                                 "#   seed 5, the shortest: no-loss at seed 5\n"));
  assert_non_null (strstr (text, "# dup in 15 seeds: 4, 6, 7, 8, 9, 10, 11, "
                                 "12, 13, 14, 15, 16, ... (3 more)\n"
                                 "#   seed 4, the shortest: dup at seed 4\n"));
  assert_null (strstr (text, "seed 6,"));

  g_autoptr (SesReport) cut = small_report (1);
  assert_int_equal (ses_report_status (cut), 0);
  cut->interrupted = TRUE;
  assert_int_equal (ses_report_status (cut), 3);
  g_autofree char *t2 = ses_report_to_text (cut, FALSE);
  assert_non_null (strstr (t2, "(interrupted)"));
  g_autofree char *json = ses_report_to_json (cut);
  assert_non_null (strstr (json, "\"interrupted\":true"));
  g_autoptr (GError) error = NULL;
  g_autoptr (SesReport) back = ses_report_from_json ("r.json", json,
                                                     strlen (json), &error);
  assert_non_null (back);
  assert_true (back->interrupted);
  g_autoptr (SesReport) other = small_report (2);
  assert_true (ses_report_merge (other, back, &error));
  assert_true (other->interrupted);
}

/* ---- shrinking -------------------------------------------------------- */

/* Depth first with room for more faults finds a roundabout counterexample;
 * shrinking keeps its invariant, never lengthens it, and never goes below
 * the shortest one breadth first finds; the result replays strictly. */
static void
test_shrink_depth_first_counterexamples (void **state)
{
  (void) state;
  static const char *const files[] = {
    "variants/qos2-no-dedup.scn", "variants/forget-inflight.scn",
    "variants/takeover-without-0x8e.scn", "variants/no-dup-on-resend.scn",
  };
  guint shortened = 0;
  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autoptr (SesScript) script = load (files[i]);
      SesCheckOptions o = options (2, 1, 1, 0);
      o.max_states = 200000;
      SesExploreStats st;
      g_autoptr (SesTrail) bfs = ses_trail_new (files[i], 1);
      ses_check_scenario (script, files[i], 1, &o, &st, bfs);
      assert_true (st.violation);
      o.depth_first = TRUE;
      g_autoptr (SesTrail) dfs = ses_trail_new (files[i], 1);
      ses_check_scenario (script, files[i], 1, &o, &st, dfs);
      assert_true (st.violation);
      gint before = replayed_invariant (script, dfs, NULL);
      guint original = dfs->choices->len;
      SesShrinkStats sh;
      ses_check_shrink (script, &o, dfs, &sh);
      assert_int_equal (sh.original, original);
      assert_int_equal (sh.shrunk, dfs->choices->len);
      assert_true (sh.shrunk <= original);
      assert_true (sh.shrunk >= bfs->choices->len);
      assert_true (sh.faults_after <= sh.faults_before);
      assert_int_equal (replayed_invariant (script, dfs, NULL), before);
      shortened += sh.shrunk < original;
    }
  assert_true (shortened >= 3);
}

/* Lenient replay of a whole trail applies exactly that trail; with a
 * fault dropped, it still runs to an end and judges it. */
static void
test_lenient_replay (void **state)
{
  (void) state;
  g_autoptr (SesScript) script = load ("variants/qos2-no-dedup.scn");
  SesCheckOptions o = options (2, 1, 1, 0);
  o.depth_first = TRUE;
  SesExploreStats st;
  g_autoptr (SesTrail) dfs = ses_trail_new ("q", 1);
  ses_check_scenario (script, "q", 1, &o, &st, dfs);
  assert_true (st.violation);

  SesWorld *w = ses_mqtt_world_new (ses_script_config (script), 1);
  ses_mqtt_set_recording (ses_mqtt_from_world (w), FALSE);
  SesInvariants *inv = ses_invariants_new (
      w, ses_script_disabled_invariants (script));
  SesShrinkOptions so = {
    .until = ses_script_until (script), .budgets = { 2, 1, 1, 0 },
    .fault_class = classify, .data = GUINT_TO_POINTER (G_MAXUINT32),
    .verdict = verdict,
  };
  g_autoptr (GArray) applied = g_array_new (FALSE, FALSE, sizeof (SesChoice));
  guint v = ses_shrink_replay (w, inv, &ses_check_invariant_monitor, &so,
                               dfs->choices, applied);
  assert_int_equal (v, SES_INV_QOS2_ONCE + 1);
  assert_int_equal (applied->len, dfs->choices->len);
  for (guint i = 0; i < applied->len; i++)
    {
      const SesChoice *a = &g_array_index (applied, SesChoice, i);
      const SesChoice *b = &g_array_index (dfs->choices, SesChoice, i);
      assert_int_equal (a->kind, b->kind);
      if (a->kind == SES_CHOICE_EVENT)
        assert_int_equal (a->event.seq, b->event.seq);
      else
        assert_memory_equal (&a->fault, &b->fault, sizeof a->fault);
    }

  /* Everything dropped: the run as scripted, to its end. */
  g_autoptr (GArray) nothing = g_array_new (FALSE, FALSE, sizeof (SesChoice));
  v = ses_shrink_replay (w, inv, &ses_check_invariant_monitor, &so, nothing,
                         applied);
  assert_int_equal (v, SES_INV_QOS2_ONCE + 1);
  for (guint i = 0; i < applied->len; i++)
    assert_int_equal (g_array_index (applied, SesChoice, i).kind,
                      SES_CHOICE_EVENT);
  ses_invariants_free (inv);
  ses_world_free (w);
}

int
main (void)
{
  g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_settings_from_seed_within_budgets),
    cmocka_unit_test (test_walk_is_a_path_of_the_search),
    cmocka_unit_test (test_random_finds_variant_without_scripted_fault),
    cmocka_unit_test (test_jobs_do_not_change_the_result),
    cmocka_unit_test (test_shards_merge_to_the_unsharded_result),
    cmocka_unit_test (test_shard_at_the_top_of_the_range),
    cmocka_unit_test (test_merge_refuses_mismatches),
    cmocka_unit_test (test_report_groups_by_invariant),
    cmocka_unit_test (test_shrink_depth_first_counterexamples),
    cmocka_unit_test (test_lenient_replay),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
