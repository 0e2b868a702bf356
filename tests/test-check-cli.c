/* The command line of the checker, given the sessim binary: random mode
 * finds a variant whose fault it must place itself and names the seed,
 * whose trail replays byte for byte; shards cover a seed range once and
 * merge to the unsharded result; --dfs counterexamples are shrunk and
 * still replay; coverage lists the rules; threads change nothing; bad
 * input exits 2. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <glib/gstdio.h>
#include <string.h>

#include "json.h"
#include "test-files.h"

static const char *sessim_path;

/* Runs sessim with args (NULL-terminated); returns its exit status. */
static int
run_argv (const char *const *args, char **out, char **err)
{
  return test_run (sessim_path, args, out, err);
}

static int
sessim (char **out, char **err, ...)
{
  g_autoptr (GPtrArray) args = g_ptr_array_new ();
  va_list ap;
  va_start (ap, err);
  const char *a;
  while ((a = va_arg (ap, const char *)) != NULL)
    g_ptr_array_add (args, (gpointer) a);
  va_end (ap);
  g_ptr_array_add (args, NULL);
  return run_argv ((const char *const *) args->pdata, out, err);
}


static void
assert_same_file (const char *a, const char *b)
{
  g_autofree char *x = test_read_file (a, NULL);
  g_autofree char *y = test_read_file (b, NULL);
  assert_true (strlen (x) > 0);
  if (strcmp (x, y) != 0)
    fail_msg ("%s and %s differ", a, b);
}


/* A copy of a bundled scenario without its scripted cut and, unless
 * keep_expect, without its `expect` lines, in dir. (transfer full) */
static char *
scenario_without_cut (const char *dir, const char *variant, const char *name,
                      gboolean keep_expect)
{
  g_autofree char *src = g_build_filename (SOURCE_ROOT, "scenarios",
                                           "variants", variant, NULL);
  g_autofree char *text = test_read_file (src, NULL);
  GString *out = g_string_new (NULL);
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      if (g_str_has_prefix (lines[i], "at ")
          && g_str_has_suffix (g_strchomp (lines[i]), " cut"))
        continue;
      if (!keep_expect && g_str_has_prefix (lines[i], "expect "))
        continue;
      g_string_append_printf (out, "%s\n", lines[i]);
    }
  char *path = g_build_filename (dir, name, NULL);
  assert_true (g_file_set_contents (path, out->str, -1, NULL));
  g_string_free (out, TRUE);
  return path;
}

/* The seed of the first failure `check --random` printed (the shortest of
 * its invariant's). */
static guint64
first_failing_seed (const char *out)
{
  const char *p = strstr (out, "\n#   seed ");
  if (p == NULL)
    fail_msg ("no failing seed in:\n%s", out);
  return g_ascii_strtoull (p + 10, NULL, 10);
}

/* forget-inflight without its scripted cut: random walks place the cut;
 * the scenario expects the violation, so finding it passes (0). The seed's
 * trail replays to byte-identical trace files, and passes (0) as the check
 * did: the same verdict line says the expected violation was found. Without
 * the expectation the same run is a failure (1). */
static void
test_random_finds_variant_and_trail_replays (void **state)
{
  g_autofree char *tmp = g_dir_make_tmp ("sessim-random-XXXXXX", NULL);
  g_autofree char *scn = scenario_without_cut (tmp, "forget-inflight.scn",
                                               "fi.scn", TRUE);
  g_autofree char *one = g_build_filename (tmp, "one", NULL);
  g_autofree char *two = g_build_filename (tmp, "two", NULL);
  g_autofree char *out = NULL;
  assert_int_equal (sessim (&out, NULL, "check", "--random", "--seeds",
                            "1..300", "--max-failures", "1", "--quiet",
                            "--out", one, scn, NULL), 0);
  if (strstr (out, "the expected violation was found") == NULL
      || strstr (out, "(expected) invariant no-loss broken") == NULL)
    fail_msg ("unexpected report:\n%s", out);
  guint64 seed = first_failing_seed (out);
  g_autofree char *stem = g_strdup_printf ("seed-%" G_GUINT64_FORMAT, seed);
  g_autofree char *trail_name = g_strconcat (stem, ".trail", NULL);
  g_autofree char *trail = g_build_filename (one, "fi", trail_name, NULL);
  g_autofree char *trail_text = test_read_file (trail, NULL);
  g_autofree char *seed_line = g_strdup_printf ("\nseed %" G_GUINT64_FORMAT
                                                "\n", seed);
  assert_non_null (strstr (trail_text, seed_line));
  assert_non_null (strstr (trail_text, "# random walk of seed "));

  g_autofree char *rout = NULL;
  assert_int_equal (sessim (&rout, NULL, "replay", "--quiet", "--out", two,
                            trail, NULL), 0);
  if (strstr (rout, "# verdict: ok: the expected violation of no-loss was "
                    "found; files in ") == NULL)
    fail_msg ("replay verdict:\n%s", rout);
  if (strstr (out, "# verdict: ok: the expected violation of no-loss was "
                   "found in 1 of ") == NULL)
    fail_msg ("random verdict:\n%s", out);
  static const char *const suffixes[] = { ".trace.txt", ".trace.jsonl",
                                          ".trail" };
  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *name = g_strconcat (stem, suffixes[i], NULL);
      g_autofree char *a = g_build_filename (one, "fi", name, NULL);
      g_autofree char *b = g_build_filename (two, "fi", name, NULL);
      assert_same_file (a, b);
    }

  /* The same walk, the violation not expected: exit 1, same seed. */
  g_autofree char *bare = scenario_without_cut (tmp, "forget-inflight.scn",
                                                "bare.scn", FALSE);
  g_autofree char *out2 = NULL;
  assert_int_equal (sessim (&out2, NULL, "check", "--random", "--seeds",
                            "1..300", "--max-failures", "1", "--quiet",
                            "--out", one, bare, NULL), 1);
  assert_non_null (strstr (out2, "violation found"));
  assert_int_equal (first_failing_seed (out2), seed);
  test_remove_tree (tmp);
}

/* Two JSON results describe the same outcome: equal in everything but
 * time, memory and how the seeds were split. */
static void
assert_same_result (const char *a, const char *b)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SesJson) x = ses_json_parse ("a", a, strlen (a), &error);
  g_autoptr (SesJson) y = ses_json_parse ("b", b, strlen (b), &error);
  assert_non_null (x);
  assert_non_null (y);
  /* The same members in the same order, the counts equal. */
  assert_int_equal (ses_json_length (x), ses_json_length (y));
  for (guint i = 0; i < ses_json_length (x); i++)
    assert_string_equal (ses_json_member_name (x, i),
                         ses_json_member_name (y, i));
  static const char *const counts[] = { "seeds_run", "steps", "faults",
                                        "end_states", "cut", "status" };
  for (guint k = 0; k < G_N_ELEMENTS (counts); k++)
    {
      guint64 u = 0, v = 0;
      assert_true (ses_json_uint64 (ses_json_get (x, counts[k]), &u));
      assert_true (ses_json_uint64 (ses_json_get (y, counts[k]), &v));
      if (u != v)
        fail_msg ("%s: %" G_GUINT64_FORMAT " and %" G_GUINT64_FORMAT,
                  counts[k], u, v);
    }
  const SesJson *fx = ses_json_get (x, "failures");
  const SesJson *fy = ses_json_get (y, "failures");
  assert_int_equal (ses_json_length (fx), ses_json_length (fy));
  for (guint i = 0; i < ses_json_length (fx); i++)
    {
      const SesJson *p = ses_json_index (fx, i), *q = ses_json_index (fy, i);
      static const char *const num[] = { "seed", "length", "original_length" };
      for (guint k = 0; k < G_N_ELEMENTS (num); k++)
        {
          guint64 u = 0, v = 1;
          assert_true (ses_json_uint64 (ses_json_get (p, num[k]), &u));
          assert_true (ses_json_uint64 (ses_json_get (q, num[k]), &v));
          assert_int_equal (u, v);
        }
      static const char *const str[] = { "invariant", "violation", "trail" };
      for (guint k = 0; k < G_N_ELEMENTS (str); k++)
        assert_string_equal (ses_json_string (ses_json_get (p, str[k])),
                             ses_json_string (ses_json_get (q, str[k])));
    }
  const SesJson *cx = ses_json_get (ses_json_get (x, "coverage"),
                                    "exercised_rules");
  const SesJson *cy = ses_json_get (ses_json_get (y, "coverage"),
                                    "exercised_rules");
  assert_int_equal (ses_json_length (cx), ses_json_length (cy));
  for (guint i = 0; i < ses_json_length (cx); i++)
    assert_string_equal (ses_json_string (ses_json_index (cx, i)),
                         ses_json_string (ses_json_index (cy, i)));
}

/* Three shards walk 30 seeds each, every seed of 1..90 once (a failure's
 * seed is in the shard that reports it); merged in any order they give
 * the unsharded result, and exit 1 because walks broke an invariant. */
static void
test_shards_merge_to_one_run (void **state)
{
  g_autofree char *tmp = g_dir_make_tmp ("sessim-shards-XXXXXX", NULL);
  g_autofree char *scn = scenario_without_cut (tmp, "qos2-no-dedup.scn",
                                               "q.scn", FALSE);
  g_autofree char *outdir = g_build_filename (tmp, "out", NULL);
  g_autofree char *whole = NULL;
  assert_int_equal (sessim (&whole, NULL, "check", "--random", "--seeds",
                            "1..90", "--max-failures", "0", "--json",
                            "--out", outdir, scn, NULL), 1);
  GPtrArray *files = g_ptr_array_new_with_free_func (g_free);
  guint failures = 0;
  for (guint i = 1; i <= 3; i++)
    {
      g_autofree char *shard = g_strdup_printf ("%u/3", i);
      g_autofree char *out = NULL;
      int status = sessim (&out, NULL, "check", "--random", "--seeds",
                           "1..90", "--shard", shard, "--max-failures", "0",
                           "--json", "--out", outdir, scn, NULL);
      g_autoptr (GError) error = NULL;
      g_autoptr (SesJson) j = ses_json_parse ("shard", out, strlen (out),
                                              &error);
      assert_non_null (j);
      guint64 run = 0;
      assert_true (ses_json_uint64 (ses_json_get (j, "seeds_run"), &run));
      assert_int_equal (run, 30);
      const SesJson *fs = ses_json_get (j, "failures");
      assert_int_equal (status, ses_json_length (fs) > 0 ? 1 : 0);
      for (guint k = 0; k < ses_json_length (fs); k++)
        {
          guint64 seed = 0;
          assert_true (ses_json_uint64 (
              ses_json_get (ses_json_index (fs, k), "seed"), &seed));
          assert_int_equal ((seed - 1) % 3, i - 1);
        }
      failures += ses_json_length (fs);
      g_autofree char *name = g_strdup_printf ("shard-%u.json", i);
      char *file = g_build_filename (tmp, name, NULL);
      assert_true (g_file_set_contents (file, out, -1, NULL));
      g_ptr_array_add (files, file);
    }
  assert_true (failures > 0);
  g_autofree char *merged = NULL;
  assert_int_equal (sessim (&merged, NULL, "merge", "--json",
                            g_ptr_array_index (files, 2),
                            g_ptr_array_index (files, 0),
                            g_ptr_array_index (files, 1), NULL), 1);
  assert_same_result (whole, merged);
  g_autofree char *text = NULL;
  assert_int_equal (sessim (&text, NULL, "merge", g_ptr_array_index (files, 0),
                            g_ptr_array_index (files, 1),
                            g_ptr_array_index (files, 2), NULL), 1);
  assert_non_null (strstr (text, "# merged 3 results"));
  assert_non_null (strstr (text, "3 of 3 shards"));
  assert_non_null (strstr (text, "# 90 walks,"));

  /* A shard merged twice, or results of another scenario, are refused. */
  g_autofree char *err = NULL;
  assert_int_equal (sessim (NULL, &err, "merge", g_ptr_array_index (files, 0),
                            g_ptr_array_index (files, 0), NULL), 2);
  assert_non_null (strstr (err, "shard 1/3 appears twice"));
  g_ptr_array_unref (files);
  test_remove_tree (tmp);
}

/* On a correct scenario: a missing shard leaves the merge incomplete (3),
 * all of them pass (0); a result of another scenario is refused (2), and
 * so is a file that is not a result. */
static void
test_merge_status_and_refusals (void **state)
{
  g_autofree char *tmp = g_dir_make_tmp ("sessim-merge-XXXXXX", NULL);
  g_autofree char *outdir = g_build_filename (tmp, "out", NULL);
  g_autofree char *a = g_build_filename (SOURCE_ROOT, "scenarios",
                                         "03-persistent-session.scn", NULL);
  g_autofree char *b = g_build_filename (SOURCE_ROOT, "scenarios",
                                         "04-qos-handshakes.scn", NULL);
  g_autofree char *f1 = g_build_filename (tmp, "1.json", NULL);
  g_autofree char *f2 = g_build_filename (tmp, "2.json", NULL);
  g_autofree char *f3 = g_build_filename (tmp, "3.json", NULL);
  const char *const runs[][3] = { { a, "1/2", f1 }, { a, "2/2", f2 },
                                  { b, "1/2", f3 } };
  for (guint i = 0; i < G_N_ELEMENTS (runs); i++)
    {
      g_autofree char *out = NULL;
      assert_int_equal (sessim (&out, NULL, "check", "--random", "--seeds",
                                "1..20", "--shard", runs[i][1], "--json",
                                "--out", outdir, runs[i][0], NULL), 0);
      assert_true (g_file_set_contents (runs[i][2], out, -1, NULL));
    }
  g_autofree char *out = NULL;
  assert_int_equal (sessim (&out, NULL, "merge", f1, NULL), 3);
  assert_non_null (strstr (out, "(missing: 2)"));
  assert_int_equal (sessim (NULL, NULL, "merge", f2, f1, NULL), 0);
  g_autofree char *err = NULL;
  assert_int_equal (sessim (NULL, &err, "merge", f1, f3, NULL), 2);
  assert_non_null (strstr (err, "results of different runs cannot be "
                                "merged: scenarios"));
  g_autofree char *junk = g_build_filename (tmp, "junk.json", NULL);
  assert_true (g_file_set_contents (junk, "{\"mode\": \"random\"", -1, NULL));
  g_autofree char *err2 = NULL;
  assert_int_equal (sessim (NULL, &err2, "merge", f1, junk, NULL), 2);
  assert_non_null (strstr (err2, "junk.json:1:18: error:"));
  g_autofree char *err3 = NULL;
  assert_int_equal (sessim (NULL, &err3, "merge", NULL), 2);
  test_remove_tree (tmp);
}

/* Depth first with room for more faults finds a longer counterexample;
 * it is shrunk before it is written, the summary says from what, and the
 * shrunk trail replays to a byte-identical trace. Two threads find and
 * shrink the same one. --no-shrink keeps it. */
static void
test_dfs_counterexample_is_shrunk (void **state)
{
  g_autofree char *tmp = g_dir_make_tmp ("sessim-shrink-XXXXXX", NULL);
  g_autofree char *one = g_build_filename (tmp, "one", NULL);
  g_autofree char *two = g_build_filename (tmp, "two", NULL);
  g_autofree char *threads = g_build_filename (tmp, "threads", NULL);
  g_autofree char *scn = g_build_filename (SOURCE_ROOT, "scenarios",
                                           "variants", "qos2-no-dedup.scn",
                                           NULL);
  g_autofree char *out = NULL;
  assert_int_equal (sessim (&out, NULL, "check", "--dfs", "--max-cuts", "2",
                            "--max-crashes", "1", "--max-restarts", "1",
                            "--quiet", "--out", one, scn, NULL), 0);
  const char *p = strstr (out, "# counterexample: ");
  assert_non_null (p);
  guint shrunk = 0, original = 0;
  if (sscanf (p, "# counterexample: %u choices (shrunk from %u)", &shrunk,
              &original) != 2)
    fail_msg ("no shrink reported:\n%s", out);
  assert_true (shrunk < original);
  assert_non_null (strstr (out, "invariant qos2-once broken"));
  /* On two threads, the same search and the same counterexample. */
  g_autofree char *out2 = NULL;
  assert_int_equal (sessim (&out2, NULL, "check", "--dfs", "--jobs", "2",
                            "--max-cuts", "2", "--max-crashes", "1",
                            "--max-restarts", "1", "--quiet", "--out",
                            threads, scn, NULL), 0);
  const char *p2 = strstr (out2, "# counterexample: ");
  guint shrunk2 = 0, original2 = 0;
  assert_non_null (p2);
  assert_int_equal (sscanf (p2, "# counterexample: %u choices (shrunk from "
                                "%u)", &shrunk2, &original2), 2);
  assert_int_equal (shrunk2, shrunk);
  assert_int_equal (original2, original);
  g_autofree char *trail = g_build_filename (one, "qos2-no-dedup",
                                             "counterexample.trail", NULL);
  g_autofree char *trail2 = g_build_filename (threads, "qos2-no-dedup",
                                              "counterexample.trail", NULL);
  assert_same_file (trail, trail2);
  g_autofree char *text = test_read_file (trail, NULL);
  g_autofree char *note = g_strdup_printf ("# shrunk from %u choices (depth "
                                           "first) to %u\n", original, shrunk);
  assert_non_null (strstr (text, note));
  /* qos2-no-dedup expects qos2-once to break: the replay passes as the
   * check did. */
  assert_int_equal (sessim (NULL, NULL, "replay", "--quiet", "--out", two,
                            trail, NULL), 0);
  g_autofree char *t1 = g_build_filename (one, "qos2-no-dedup", "trace.txt",
                                          NULL);
  g_autofree char *t2 = g_build_filename (two, "qos2-no-dedup", "trace.txt",
                                          NULL);
  assert_same_file (t1, t2);

  g_autofree char *raw = NULL;
  assert_int_equal (sessim (&raw, NULL, "check", "--dfs", "--no-shrink",
                            "--max-cuts", "2", "--max-crashes", "1",
                            "--max-restarts", "1", "--json", "--out", one,
                            scn, NULL), 0);
  g_autoptr (GError) error = NULL;
  g_autoptr (SesJson) j = ses_json_parse ("raw", raw, strlen (raw), &error);
  assert_non_null (j);
  guint64 len = 0;
  assert_true (ses_json_uint64 (ses_json_get (j, "trail_length"), &len));
  assert_int_equal (len, original);
  test_remove_tree (tmp);
}

/* check prints rules exercised, and lists them with --coverage; --json
 * carries the coverage and the explorer's memory figures; random mode
 * reports coverage too. */
static void
test_coverage_and_figures (void **state)
{
  g_autofree char *tmp = g_dir_make_tmp ("sessim-cov-XXXXXX", NULL);
  g_autofree char *scn = g_build_filename (SOURCE_ROOT, "scenarios",
                                           "03-persistent-session.scn", NULL);
  g_autofree char *out = NULL;
  assert_int_equal (sessim (&out, NULL, "check", "--coverage", "--quiet",
                            "--out", tmp, scn, NULL), 0);
  static const char *const want[] = {
    "# rules exercised: ", " (MQTT 5.0)\n",
    "#   yes 5.0 [MQTT-3.1.2-5]", "#   yes 5.0 [MQTT-3.2.2-3]",
    "#   no  5.0 [MQTT-3.1.4-3]", " bytes/state", "peak frontier ",
  };
  for (guint i = 0; i < G_N_ELEMENTS (want); i++)
    if (strstr (out, want[i]) == NULL)
      fail_msg ("'%s' missing in:\n%s", want[i], out);

  g_autofree char *json = NULL;
  assert_int_equal (sessim (&json, NULL, "check", "--json", "--jobs", "2",
                            "--out", tmp, scn, NULL), 0);
  g_autoptr (GError) error = NULL;
  g_autoptr (SesJson) j = ses_json_parse ("check", json, strlen (json),
                                          &error);
  assert_non_null (j);
  guint64 states = 0, bytes = 0, peak = 0, jobs = 0, exercised = 0;
  assert_true (ses_json_uint64 (ses_json_get (j, "states"), &states));
  assert_true (ses_json_uint64 (ses_json_get (j, "stored_bytes"), &bytes));
  assert_true (ses_json_uint64 (ses_json_get (j, "peak_frontier"), &peak));
  assert_true (ses_json_uint64 (ses_json_get (j, "jobs"), &jobs));
  assert_true (states > 0 && bytes > 0 && peak > 0);
  assert_int_equal (jobs, 2);
  const SesJson *cov = ses_json_get (j, "coverage");
  assert_true (ses_json_uint64 (ses_json_get (cov, "exercised"), &exercised));
  assert_true (exercised >= 6);
  assert_int_equal (ses_json_length (ses_json_get (cov, "exercised_rules")),
                    exercised);

  g_autofree char *rnd = NULL;
  assert_int_equal (sessim (&rnd, NULL, "check", "--random", "--seeds",
                            "1..10", "--coverage", "--quiet", "--out", tmp,
                            scn, NULL), 0);
  assert_non_null (strstr (rnd, "# rules exercised: "));
  assert_non_null (strstr (rnd, "#   yes 5.0 [MQTT-3.1.2-5]"));
  test_remove_tree (tmp);
}

/* Threads do not change a result: breadth first and random mode. */
static void
test_jobs_same_result (void **state)
{
  g_autofree char *tmp = g_dir_make_tmp ("sessim-jobs-XXXXXX", NULL);
  g_autofree char *scn = scenario_without_cut (tmp, "qos2-no-dedup.scn",
                                               "q.scn", FALSE);
  g_autofree char *outdir = g_build_filename (tmp, "out", NULL);
  g_autofree char *r1 = NULL, *r3 = NULL;
  assert_int_equal (sessim (&r1, NULL, "check", "--random", "--seeds",
                            "1..400", "--max-failures", "3", "--json",
                            "--out", outdir, scn, NULL), 1);
  assert_int_equal (sessim (&r3, NULL, "check", "--random", "--seeds",
                            "1..400", "--max-failures", "3", "--jobs", "3",
                            "--json", "--out", outdir, scn, NULL), 1);
  assert_same_result (r1, r3);
  assert_non_null (strstr (r1, "\"stopped\":true"));

  g_autofree char *b1 = NULL, *b2 = NULL;
  assert_int_equal (sessim (&b1, NULL, "check", "--quiet", "--out", outdir,
                            scn, NULL), 1);
  assert_int_equal (sessim (&b2, NULL, "check", "--quiet", "--jobs", "2",
                            "--out", outdir, scn, NULL), 1);
  /* The same counts and counterexample; only the timing line differs. */
  g_auto (GStrv) l1 = g_strsplit (b1, "\n", -1);
  g_auto (GStrv) l2 = g_strsplit (b2, "\n", -1);
  assert_int_equal (g_strv_length (l1), g_strv_length (l2));
  for (guint i = 0; l1[i] != NULL; i++)
    {
      if (g_str_has_prefix (l1[i], "# bounds:"))
        continue;
      const char *cut1 = strstr (l1[i], " bytes/state; ");
      const char *cut2 = strstr (l2[i], " bytes/state; ");
      if (cut1 != NULL && cut2 != NULL)
        {
          assert_int_equal (cut1 - l1[i], cut2 - l2[i]);
          assert_memory_equal (l1[i], l2[i], (gsize) (cut1 - l1[i]));
          continue;
        }
      assert_string_equal (l1[i], l2[i]);
    }
  test_remove_tree (tmp);
}

/* A memory limit stops an exhaustive search as incomplete (exit 3), never
 * as a pass. 1 MiB is passed before the first check. */
static void
test_memory_limit_is_incomplete (void **state)
{
  g_autofree char *tmp = g_dir_make_tmp ("sessim-mem-XXXXXX", NULL);
  g_autofree char *scn = g_build_filename (SOURCE_ROOT, "scenarios",
                                           "03-persistent-session.scn", NULL);
  g_autofree char *out = NULL, *json = NULL;
  assert_int_equal (sessim (&out, NULL, "check", "--quiet", "--max-cuts", "2",
                            "--max-crashes", "1", "--max-memory", "1",
                            "--out", tmp, scn, NULL), 3);
  assert_non_null (strstr (out, "incomplete: --max-memory stopped"));
  assert_int_equal (sessim (&json, NULL, "check", "--json", "--max-cuts", "2",
                            "--max-crashes", "1", "--max-memory", "1",
                            "--out", tmp, scn, NULL), 3);
  assert_non_null (strstr (json, "\"stopped_by_memory\":true"));
  assert_non_null (strstr (json, "\"complete\":false"));
  test_remove_tree (tmp);
}

/* Bad command lines: a clear message and exit 2. */
static void
test_bad_options (void **state)
{
  g_autofree char *scn = g_build_filename (SOURCE_ROOT, "scenarios",
                                           "01-hello-qos0.scn", NULL);
  static const struct {
    const char *args[6];
    const char *message;
  } bad[] = {
    { { "--random", "--seeds", "5..1" }, "--seeds takes A..B" },
    { { "--random", "--seeds", "x" }, "--seeds takes A..B" },
    { { "--random", "--shard", "0/3" }, "--shard takes I/N" },
    { { "--random", "--shard", "4/3" }, "--shard takes I/N" },
    { { "--random", "--shard", "1" }, "--shard takes I/N" },
    { { "--seeds", "1..5" }, "need --random" },
    { { "--shard", "1/2" }, "need --random" },
    { { "--jobs", "0" }, "--jobs takes a whole number from 1 to 1024" },
    { { "--random", "--dfs" }, "--random walks" },
    { { "--random", "--seed", "3" }, "not --seed" },
    { { "--random", "--render", "svg" }, "--render does not apply" },
    { { "--max-failures", "-1" }, "--max-failures takes" },
    { { "--max-memory", "-2" }, "--max-memory takes" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      const char *args[8] = { "check" };
      guint n = 1;
      for (guint k = 0; bad[i].args[k] != NULL; k++)
        args[n++] = bad[i].args[k];
      args[n++] = scn;
      args[n] = NULL;
      g_autofree char *err = NULL;
      int status = run_argv (args, NULL, &err);
      if (status != 2 || strstr (err, bad[i].message) == NULL)
        fail_msg ("check %s %s: exit %d, stderr:\n%s", bad[i].args[0],
                  bad[i].args[1] ? bad[i].args[1] : "", status, err);
    }
}

int
main (int argc, char **argv)
{
  g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
  if (argc != 2)
    {
      g_printerr ("usage: %s SESSIM\n", argv[0]);
      return 2;
    }
  sessim_path = argv[1];
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_random_finds_variant_and_trail_replays),
    cmocka_unit_test (test_shards_merge_to_one_run),
    cmocka_unit_test (test_merge_status_and_refusals),
    cmocka_unit_test (test_dfs_counterexample_is_shrunk),
    cmocka_unit_test (test_coverage_and_figures),
    cmocka_unit_test (test_jobs_same_result),
    cmocka_unit_test (test_memory_limit_is_incomplete),
    cmocka_unit_test (test_bad_options),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
