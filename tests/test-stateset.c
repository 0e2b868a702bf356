/* The visited set's storage modes and the compact frontier.
 *
 * The set itself: fp64 keeps whole fingerprints and grows; hc keeps 32
 * bits with the index bits implied, so two fingerprints that agree on
 * both are one state, and it fills up; bitstate sets k bits a state, and
 * a saturated array takes every state for a seen one; each estimate of a
 * missed state grows as it should. The explorer: every mode finds each
 * bundled variant's violation with the same counterexample; fp64 and hc
 * store the same states where no compacted hash collides; bitstate
 * reports a nonzero estimate; counts are the same twice and on one or two
 * threads. Waiting states rebuilt by replay (frontier_worlds) change
 * nothing but the time. Given the sessim binary, check's options, summary
 * and --json. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "checker.h"
#include "json.h"
#include "script.h"
#include "stateset.h"
#include "test-files.h"

static const char *sessim_path;

/* ---- the set ------------------------------------------------------------ */

static void
test_fp64_exact_and_growing (void **state)
{
  (void) state;
  g_autoptr (SesStateset) s = ses_stateset_new (SES_STORAGE_FP64, 0, 0);
  guint64 first_bytes = ses_stateset_bytes (s);
  for (guint64 i = 0; i < 5000; i++)
    assert_int_equal (ses_stateset_add (s, i * 0x9e3779b97f4a7c15u),
                      SES_STATESET_NEW);
  for (guint64 i = 0; i < 5000; i++)
    {
      assert_true (ses_stateset_contains (s, i * 0x9e3779b97f4a7c15u));
      assert_int_equal (ses_stateset_add (s, i * 0x9e3779b97f4a7c15u),
                        SES_STATESET_SEEN);
    }
  /* Fingerprints differing in any bit are different states. */
  assert_false (ses_stateset_contains (s, 1ull << 63));
  assert_int_equal (ses_stateset_count (s), 5000);
  assert_true (ses_stateset_bytes (s) > first_bytes);
  assert_true (ses_stateset_fill (s) <= 0.75);
  assert_int_equal (ses_stateset_bits (s), 0);
  /* The birthday bound: n(n-1)/2 pairs at 2^-64 each. */
  double p = ses_stateset_miss_probability (s);
  double want = 5000.0 * 4999.0 / 2.0 / 18446744073709551616.0;
  assert_true (p > want * 0.999 && p < want * 1.001);
}

/* hc: the top `bits` bits of a fingerprint are its home slot, the low 32
 * its stored value. */
static guint64
hc_fp (guint bits, guint64 home, guint32 value, guint64 middle)
{
  return home << (64 - bits) | middle << 32 | value;
}

static void
test_hc_compaction (void **state)
{
  (void) state;
  const guint bits = 10;
  g_autoptr (SesStateset) s = ses_stateset_new (SES_STORAGE_HC, bits, 0);
  assert_int_equal (ses_stateset_bytes (s), 4 * 1024);
  assert_int_equal (ses_stateset_add (s, hc_fp (bits, 5, 77, 1)),
                    SES_STATESET_NEW);
  /* The bits between index and value are not kept: a fingerprint that
   * differs only there is taken for the first, a collision. */
  assert_int_equal (ses_stateset_add (s, hc_fp (bits, 5, 77, 2)),
                    SES_STATESET_SEEN);
  assert_true (ses_stateset_contains (s, hc_fp (bits, 5, 77, 3)));
  /* The index bits are implied, not lost: the same value at another home
   * is another state, and so is another value at the same home. */
  assert_int_equal (ses_stateset_add (s, hc_fp (bits, 6, 77, 1)),
                    SES_STATESET_NEW);
  assert_int_equal (ses_stateset_add (s, hc_fp (bits, 5, 78, 1)),
                    SES_STATESET_NEW);
  assert_int_equal (ses_stateset_count (s), 3);
  /* Home 5 holds 77, so 78 was compared with one value on its way; home
   * 6's slot was taken by then too (by 78, probing on from 5)... */
  double before = ses_stateset_miss_probability (s);
  double birthday = 3.0 * 2.0 / 2.0 / 18446744073709551616.0;
  assert_true (before > birthday);
  /* ...and each value met on a probe is one chance in 2^32. */
  assert_true (before < 3.0 / 4294967296.0 + birthday);

  /* Seven eighths full, it takes no more. */
  guint64 added = 3;
  SesStatesetAdd r = SES_STATESET_NEW;
  for (guint64 i = 0; r != SES_STATESET_FULL; i++)
    {
      guint64 fp = (i + 1000) * 0x9e3779b97f4a7c15u;
      r = ses_stateset_add (s, fp);
      if (r == SES_STATESET_NEW)
        added++;
    }
  assert_int_equal (ses_stateset_count (s), added);
  assert_int_equal (added, 1024 * 7 / 8);
  assert_true (ses_stateset_fill (s) > 0.87);
  assert_true (ses_stateset_miss_probability (s) > before);
  /* A full table still knows what it holds. */
  assert_int_equal (ses_stateset_add (s, hc_fp (bits, 5, 77, 1)),
                    SES_STATESET_SEEN);
}

static void
test_bitstate_fill_and_estimate (void **state)
{
  (void) state;
  g_autoptr (SesStateset) s = ses_stateset_new (SES_STORAGE_BITSTATE, 12, 3);
  assert_int_equal (ses_stateset_bytes (s), 4096 / 8);
  assert_int_equal (ses_stateset_hashes (s), 3);
  assert_int_equal (ses_stateset_add (s, 12345), SES_STATESET_NEW);
  assert_true (ses_stateset_contains (s, 12345));
  /* Three distinct bits set. */
  assert_true (ses_stateset_fill (s) * 4096 > 2.5
               && ses_stateset_fill (s) * 4096 < 3.5);
  /* One state, nothing to mistake it for. */
  double last = ses_stateset_miss_probability (s);
  assert_true (last == 0);
  guint64 fresh = 1, seen = 0;
  for (guint64 i = 1; i < 4000; i++)
    {
      SesStatesetAdd r = ses_stateset_add (s, i * 0xbf58476d1ce4e5b9u + 7);
      assert_true (r != SES_STATESET_FULL);
      if (r == SES_STATESET_NEW)
        {
          fresh++;
          double p = ses_stateset_miss_probability (s);
          assert_true (p >= last);
          last = p;
        }
      else
        seen++;
    }
  assert_true (last > 0);
  /* 4000 states in 4096 bits, three each: most of them wrongly seen, and
   * the estimate says a miss is certain. */
  assert_int_equal (ses_stateset_count (s), fresh);
  assert_true (seen > 0);
  assert_true (ses_stateset_fill (s) > 0.9);
  assert_true (last > 0.999);
  /* The default: SPIN's three bits a state. */
  g_autoptr (SesStateset) d = ses_stateset_new (SES_STORAGE_BITSTATE, 20, 0);
  assert_int_equal (ses_stateset_hashes (d), SES_STATESET_HASHES_DEFAULT);
}

static void
test_names_and_default_widths (void **state)
{
  (void) state;
  static const char *const names[] = { "fp64", "hc", "bitstate" };
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      SesStorage m;
      assert_true (ses_storage_from_name (names[i], &m));
      assert_int_equal (m, i);
      assert_string_equal (ses_storage_name (m), names[i]);
    }
  SesStorage m = SES_STORAGE_HC;
  assert_false (ses_storage_from_name ("bits", &m));
  assert_false (ses_storage_from_name (NULL, &m));
  assert_int_equal (m, SES_STORAGE_HC);
  /* hc: three quarters full at max_states; bitstate: 128 bits a state. */
  assert_int_equal (ses_stateset_default_bits (SES_STORAGE_HC, 1000000), 21);
  assert_int_equal (ses_stateset_default_bits (SES_STORAGE_HC, 10), 16);
  assert_int_equal (ses_stateset_default_bits (SES_STORAGE_HC, 0), 26);
  assert_int_equal (ses_stateset_default_bits (SES_STORAGE_BITSTATE,
                                               1000000), 27);
  assert_int_equal (ses_stateset_default_bits (SES_STORAGE_BITSTATE, 0), 32);
  assert_int_equal (ses_stateset_default_bits (SES_STORAGE_FP64, 1000), 0);
}

/* ---- the explorer --------------------------------------------------------- */

/* Breadth first with the bounds the CLI would use: the scenario's `check`
 * line, else one cut and nothing else. */
static SesCheckOptions
default_options (const SesScript *script, guint jobs, SesStorage mode)
{
  const SesScriptBounds *b = ses_script_bounds (script);
  SesCheckOptions o = { .jobs = jobs, .storage = mode };
  o.budgets[SES_CHECK_CUTS] = b->max_cuts >= 0 ? (guint32) b->max_cuts : 1;
  o.budgets[SES_CHECK_CRASHES] = b->max_crashes >= 0 ? (guint32) b->max_crashes
                                                      : 0;
  o.budgets[SES_CHECK_RESTARTS] = b->max_restarts >= 0
                                    ? (guint32) b->max_restarts : 0;
  o.budgets[SES_CHECK_HALF_OPENS] = b->max_half_opens >= 0
                                      ? (guint32) b->max_half_opens : 0;
  o.max_states = b->max_states >= 0 ? (guint64) b->max_states : 1000000;
  o.max_depth = b->max_depth >= 0 ? (guint) b->max_depth : 0;
  o.faults_on = b->faults_on;
  return o;
}

static SesScript *
load_path (const char *path)
{
  g_autoptr (GError) error = NULL;
  SesScript *script = ses_script_load_file (path, &error);
  if (script == NULL)
    fail_msg ("%s: %s", path, error->message);
  return script;
}

static gint
compare_paths (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

/* The bundled variants, in name order. (transfer full) */
static GPtrArray *
variant_paths (void)
{
  g_autofree char *dir = g_build_filename (SOURCE_ROOT, "scenarios",
                                           "variants", NULL);
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  assert_non_null (d);
  GPtrArray *paths = g_ptr_array_new_with_free_func (g_free);
  const char *name;
  while ((name = g_dir_read_name (d)) != NULL)
    if (g_str_has_suffix (name, ".scn"))
      g_ptr_array_add (paths, g_build_filename (dir, name, NULL));
  g_ptr_array_sort (paths, compare_paths);
  assert_true (paths->len >= 14);
  return paths;
}

/* The first invariant the trail breaks, replayed. */
static SesInvariantId
broken_by (const SesScript *script, const SesTrail *trail)
{
  g_autoptr (GError) error = NULL;
  SesInvariants *inv = NULL;
  SesWorld *w = ses_check_replay (script, trail, &inv, &error);
  assert_non_null (w);
  const GArray *found = ses_invariants_violations (inv);
  assert_true (found->len > 0);
  SesInvariantId id = g_array_index (found, SesViolation, 0).id;
  ses_invariants_free (inv);
  ses_world_free (w);
  return id;
}

typedef struct {
  SesExploreStats st;
  SesTrail *trail;
} Outcome;

static void
outcome_clear (Outcome *o)
{
  g_clear_pointer (&o->trail, ses_trail_free);
}

static void
explore (const SesScript *script, const SesCheckOptions *o, Outcome *out)
{
  out->trail = ses_trail_new ("x.scn", ses_script_seed (script));
  ses_check_scenario (script, "x.scn", ses_script_seed (script), o, &out->st,
                      out->trail);
}

/* Two outcomes of one search: the same counts and counterexample. */
static void
assert_same_search (const Outcome *a, const Outcome *b, const char *what)
{
  if (a->st.states != b->st.states || a->st.transitions != b->st.transitions
      || a->st.end_states != b->st.end_states
      || a->st.max_depth != b->st.max_depth
      || a->st.peak_frontier != b->st.peak_frontier
      || a->st.violation != b->st.violation
      || a->st.complete != b->st.complete
      || a->trail->choices->len != b->trail->choices->len)
    fail_msg ("%s: %" G_GUINT64_FORMAT " states, %" G_GUINT64_FORMAT
              " transitions, trail %u against %" G_GUINT64_FORMAT ", %"
              G_GUINT64_FORMAT ", %u", what, a->st.states,
              a->st.transitions, a->trail->choices->len, b->st.states,
              b->st.transitions, b->trail->choices->len);
  assert_memory_equal (a->trail->choices->data, b->trail->choices->data,
                       a->trail->choices->len * sizeof (SesChoice));
}

/* Every mode catches every variant with the same shortest
 * counterexample, breaking the same invariant; fp64 and hc store the same
 * states (no compacted hash collides at these sizes: hc's estimate says
 * how unlikely that was), and so does bitstate, whose arrays are nearly
 * empty; the compact modes report a nonzero estimate. */
static void
test_modes_find_the_same_violations (void **state)
{
  (void) state;
  g_autoptr (GPtrArray) paths = variant_paths ();
  for (guint i = 0; i < paths->len; i++)
    {
      const char *path = g_ptr_array_index (paths, i);
      g_autoptr (SesScript) script = load_path (path);
      Outcome out[3] = { { { 0 } } };
      for (guint m = 0; m < 3; m++)
        {
          SesCheckOptions o = default_options (script, 1, (SesStorage) m);
          explore (script, &o, &out[m]);
          assert_true (out[m].st.violation);
          assert_int_equal (out[m].st.storage, m);
          assert_true (out[m].st.miss_probability > 0);
          assert_true (out[m].st.miss_probability < 1e-6);
        }
      SesInvariantId id = broken_by (script, out[0].trail);
      for (guint m = 1; m < 3; m++)
        {
          g_autofree char *what = g_strdup_printf ("%s, %s", path,
              ses_storage_name ((SesStorage) m));
          assert_same_search (&out[0], &out[m], what);
          assert_int_equal (broken_by (script, out[m].trail), id);
          assert_true (out[m].st.miss_probability
                       >= out[0].st.miss_probability);
        }
      /* Depth first too finds it in every mode. */
      for (guint m = 0; m < 3; m++)
        {
          SesCheckOptions o = default_options (script, 1, (SesStorage) m);
          o.depth_first = TRUE;
          Outcome dfs = { { 0 } };
          explore (script, &o, &dfs);
          assert_true (dfs.st.violation);
          assert_true (dfs.trail->choices->len
                       >= out[0].trail->choices->len);
          outcome_clear (&dfs);
        }
      for (guint m = 0; m < 3; m++)
        outcome_clear (&out[m]);
    }
}

/* One publisher, one persistent subscriber whose session expiry races its
 * reconnect (as in bench/bench-check.c), M messages: thousands of states
 * with two cuts. */
static SesScript *
ladder (guint messages)
{
  GString *text = g_string_new (
      "mqtt 5\n"
      "client sub id=sub clean-start=0 session-expiry=1s reconnect=990ms\n"
      "client pub id=pub clean-start=0 session-expiry=1h reconnect=990ms\n"
      "at 0s sub connect\n"
      "at 0s sub subscribe \"t\" qos=2\n"
      "at 0s pub connect\n"
      "invariant coherence off\n");
  for (guint i = 1; i <= messages; i++)
    g_string_append_printf (text, "at 1s pub publish \"t\" \"m%u\" qos=%u\n",
                            i, 2 - i % 2);
  g_autoptr (GError) error = NULL;
  SesScript *script = ses_script_load ("ladder.scn", text->str, text->len,
                                       &error);
  g_assert_no_error (error);
  g_string_free (text, TRUE);
  return script;
}

/* Same counts twice, and on one thread or two, in every mode; on the
 * ladder the modes agree with each other too. */
static void
test_modes_deterministic (void **state)
{
  (void) state;
  g_autoptr (SesScript) script = ladder (2);
  Outcome first[3] = { { { 0 } } };
  for (guint m = 0; m < 3; m++)
    {
      SesCheckOptions o = default_options (script, 1, (SesStorage) m);
      o.budgets[SES_CHECK_CUTS] = 2;
      explore (script, &o, &first[m]);
      assert_false (first[m].st.violation);
      assert_true (first[m].st.complete);
      assert_true (first[m].st.states > 5000);
      for (guint run = 0; run < 3; run++)
        {
          o.jobs = run == 0 ? 1 : 2;
          Outcome again = { { 0 } };
          explore (script, &o, &again);
          g_autofree char *what = g_strdup_printf (
              "%s, jobs %u", ses_storage_name ((SesStorage) m), o.jobs);
          assert_same_search (&first[m], &again, what);
          assert_true (again.st.miss_probability
                       == first[m].st.miss_probability);
          assert_true (again.st.storage_fill == first[m].st.storage_fill);
          outcome_clear (&again);
        }
      if (m > 0)
        assert_same_search (&first[0], &first[m], "against fp64");
    }
  /* A compact table is smaller per state than whole fingerprints: hc at
   * 4 bytes a slot, against 8. */
  SesCheckOptions o = default_options (script, 1, SES_STORAGE_HC);
  o.budgets[SES_CHECK_CUTS] = 2;
  o.storage_bits = 14;
  Outcome small = { { 0 } };
  explore (script, &o, &small);
  assert_same_search (&first[0], &small, "hc, 2^14 slots");
  assert_int_equal (small.st.storage_bytes, 4 << 14);
  assert_true (small.st.storage_bytes < first[0].st.storage_bytes);
  /* Fuller, hc compares more values: a larger estimate. */
  assert_true (small.st.miss_probability > first[1].st.miss_probability);
  outcome_clear (&small);
  for (guint m = 0; m < 3; m++)
    outcome_clear (&first[m]);
}

/* A table too small to hold the search stops it, incomplete, and says
 * why; a bit array too small goes on, missing states, and its estimate
 * says a miss is all but certain. */
static void
test_too_small (void **state)
{
  (void) state;
  g_autoptr (SesScript) script = ladder (2);
  SesCheckOptions o = default_options (script, 1, SES_STORAGE_HC);
  o.budgets[SES_CHECK_CUTS] = 2;
  o.storage_bits = 10;
  Outcome hc = { { 0 } };
  explore (script, &o, &hc);
  assert_true (hc.st.storage_full);
  assert_false (hc.st.complete);
  assert_false (hc.st.violation);
  assert_int_equal (hc.st.states, 1024 * 7 / 8);
  outcome_clear (&hc);

  o.storage = SES_STORAGE_BITSTATE;
  o.storage_bits = 12;
  Outcome full = { { 0 } }, bits = { { 0 } };
  explore (script, &o, &bits);
  o.storage = SES_STORAGE_FP64;
  o.storage_bits = 0;
  explore (script, &o, &full);
  assert_false (bits.st.storage_full);
  assert_true (bits.st.complete);
  assert_true (bits.st.states < full.st.states);
  assert_true (bits.st.miss_probability > 0.99);
  outcome_clear (&bits);
  outcome_clear (&full);
}

/* ---- the compact frontier ------------------------------------------------- */

/* End states as the invariants see them, gathered from any thread. */
typedef struct {
  GMutex lock;
  GHashTable *ends;
} Ends;

static void
collect_end (SesWorld *world, SesInvariants *inv, gpointer data)
{
  (void) world;
  Ends *e = data;
  guint64 digest = ses_invariants_digest (inv);
  g_mutex_lock (&e->lock);
  g_hash_table_add (e->ends, g_memdup2 (&digest, sizeof digest));
  g_mutex_unlock (&e->lock);
}

/* Waiting states rebuilt by replay: with one world kept (every waiting
 * state rebuilt) or a few, on one thread or two, the search is the one
 * that keeps every world: the same counts, counterexample and end states
 * (as the invariants see them), and the same replay figures whatever the
 * threads. */
static void
compare_frontier (const SesScript *script, guint cuts, const char *what)
{
  Outcome whole = { { 0 } };
  SesCheckOptions o = default_options (script, 1, SES_STORAGE_FP64);
  if (cuts > 0)
    o.budgets[SES_CHECK_CUTS] = cuts;
  explore (script, &o, &whole);
  assert_int_equal (whole.st.rebuilt, 0);
  static const guint64 caps[] = { 1, 1, 7 };
  guint64 rebuilt = 0, replayed = 0;
  for (guint i = 0; i < G_N_ELEMENTS (caps); i++)
    {
      SesCheckOptions c = o;
      c.frontier_worlds = caps[i];
      c.jobs = i == 1 ? 2 : 1;
      Outcome out = { { 0 } };
      explore (script, &c, &out);
      g_autofree char *w = g_strdup_printf ("%s, %" G_GUINT64_FORMAT
                                            " worlds, %u jobs", what,
                                            caps[i], c.jobs);
      assert_same_search (&whole, &out, w);
      /* Past the cap, waiting states go without their worlds. */
      if (caps[i] < whole.st.peak_frontier && out.st.rebuilt == 0)
        fail_msg ("%s: nothing rebuilt (peak frontier %" G_GUINT64_FORMAT
                  ")", w, out.st.peak_frontier);
      /* Each rebuilt state replays at least its own choice. */
      assert_true (out.st.replayed >= out.st.rebuilt);
      if (i == 0)
        {
          rebuilt = out.st.rebuilt;
          replayed = out.st.replayed;
        }
      else if (i == 1)
        {
          assert_int_equal (out.st.rebuilt, rebuilt);
          assert_int_equal (out.st.replayed, replayed);
        }
      else
        assert_true (out.st.rebuilt <= rebuilt);
      outcome_clear (&out);
    }
  outcome_clear (&whole);
}

static void
test_rebuilt_frontier_same_search (void **state)
{
  (void) state;
  g_autoptr (GPtrArray) paths = variant_paths ();
  for (guint i = 0; i < paths->len; i++)
    {
      g_autoptr (SesScript) script = load_path (g_ptr_array_index (paths, i));
      compare_frontier (script, 0, g_ptr_array_index (paths, i));
    }
  static const char *const correct[] = {
    "03-persistent-session.scn", "24-will-delay.scn",
  };
  for (guint i = 0; i < G_N_ELEMENTS (correct); i++)
    {
      g_autofree char *path = g_build_filename (SOURCE_ROOT, "scenarios",
                                                correct[i], NULL);
      g_autoptr (SesScript) script = load_path (path);
      compare_frontier (script, 0, correct[i]);
    }
  g_autoptr (SesScript) script = ladder (2);
  compare_frontier (script, 2, "ladder M=2 K=2");

  /* The end states themselves, on the ladder, on two threads. */
  GHashTable *ends[2];
  for (guint r = 0; r < 2; r++)
    {
      Ends e;
      g_mutex_init (&e.lock);
      e.ends = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free,
                                      NULL);
      SesCheckOptions o = default_options (script, 2, SES_STORAGE_FP64);
      o.budgets[SES_CHECK_CUTS] = 2;
      o.frontier_worlds = r == 0 ? 0 : 1;
      o.end_state = collect_end;
      o.end_state_data = &e;
      Outcome out = { { 0 } };
      explore (script, &o, &out);
      outcome_clear (&out);
      g_mutex_clear (&e.lock);
      ends[r] = e.ends;
    }
  assert_true (g_hash_table_size (ends[0]) > 10);
  assert_int_equal (g_hash_table_size (ends[1]), g_hash_table_size (ends[0]));
  GHashTableIter it;
  gpointer key;
  g_hash_table_iter_init (&it, ends[0]);
  while (g_hash_table_iter_next (&it, &key, NULL))
    assert_true (g_hash_table_contains (ends[1], key));
  g_hash_table_unref (ends[0]);
  g_hash_table_unref (ends[1]);
}

/* ---- the command line ---------------------------------------------------- */

static int
sessim (char **out, char **err, ...)
{
  if (sessim_path == NULL)
    fail_msg ("run with the sessim binary as argument (meson does)");
  g_autoptr (GPtrArray) args = g_ptr_array_new ();
  va_list ap;
  va_start (ap, err);
  const char *a;
  while ((a = va_arg (ap, const char *)) != NULL)
    g_ptr_array_add (args, (gpointer) a);
  va_end (ap);
  g_ptr_array_add (args, NULL);
  return test_run (sessim_path, (const char *const *) args->pdata, out, err);
}

/* The line of text that starts with prefix. (transfer full) */
static char *
line_with (const char *text, const char *prefix)
{
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    if (g_str_has_prefix (lines[i], prefix))
      return g_strdup (lines[i]);
  fail_msg ("no line '%s' in:\n%s", prefix, text);
  return NULL;
}

/* hc and bitstate never claim a plain "every path explored": the verdict
 * says probabilistic and gives the estimate, as --json does; fp64 stays
 * as it was, with its birthday bound on the storage line. */
static void
test_cli_summary_and_json (void **state)
{
  (void) state;
  g_autofree char *tmp = g_dir_make_tmp ("sessim-storage-XXXXXX", NULL);
  g_autofree char *scn = g_build_filename (SOURCE_ROOT, "scenarios",
                                           "03-persistent-session.scn", NULL);
  g_autofree char *out = NULL;
  assert_int_equal (sessim (&out, NULL, "check", "-q", "-o", tmp, scn, NULL),
                    0);
  g_autofree char *v = line_with (out, "# verdict:");
  assert_non_null (strstr (v, "every path explored"));
  g_autofree char *s = line_with (out, "# storage: fp64 (64-bit");
  assert_non_null (strstr (s, "(birthday bound)"));
  assert_null (strstr (out, "probabilistic"));

  static const char *const modes[] = { "hc", "bitstate" };
  for (guint i = 0; i < G_N_ELEMENTS (modes); i++)
    {
      g_free (out);
      out = NULL;
      assert_int_equal (sessim (&out, NULL, "check", "-q", "-o", tmp,
                                "--storage", modes[i], "--bits", "20", scn,
                                NULL), 0);
      g_autofree char *head = line_with (out, "# check ");
      assert_non_null (strstr (head, "in a probabilistic search"));
      g_autofree char *verdict = line_with (out, "# verdict: ok: ");
      assert_null (strstr (verdict, "every path explored"));
      assert_non_null (strstr (verdict, "in a probabilistic search (306 "
                                        "states)"));
      g_autofree char *want = g_strdup_printf ("--storage %s: probability "
                                               "that a state was missed ",
                                               modes[i]);
      assert_non_null (strstr (verdict, want));
      g_autofree char *prefix = g_strdup_printf ("# storage: %s (",
                                                 modes[i]);
      g_autofree char *sl = line_with (out, prefix);
      assert_non_null (strstr (sl, "2^20"));
      assert_non_null (strstr (sl, "a probabilistic search"));

      g_autofree char *json = NULL;
      assert_int_equal (sessim (&json, NULL, "check", "--json", "-o", tmp,
                                "--storage", modes[i], "--bits", "20",
                                "--frontier-worlds", "1", scn, NULL), 0);
      g_autoptr (GError) error = NULL;
      g_autoptr (SesJson) j = ses_json_parse ("check", json, strlen (json),
                                              &error);
      assert_non_null (j);
      assert_string_equal (ses_json_string (ses_json_get (j, "storage")),
                           modes[i]);
      gboolean probabilistic = FALSE, complete = FALSE, full = TRUE;
      assert_true (ses_json_bool (ses_json_get (j, "probabilistic"),
                                  &probabilistic));
      assert_true (ses_json_bool (ses_json_get (j, "complete"), &complete));
      assert_true (ses_json_bool (ses_json_get (j, "storage_full"), &full));
      assert_true (probabilistic && complete && !full);
      double p = -1;
      assert_true (ses_json_double (ses_json_get (j, "miss_probability"),
                                    &p));
      assert_true (p > 0 && p < 1e-6);
      guint64 bits = 0, states = 0, rebuilt = 0;
      assert_true (ses_json_uint64 (ses_json_get (j, "storage_bits"), &bits));
      assert_int_equal (bits, 20);
      assert_true (ses_json_uint64 (ses_json_get (j, "states"), &states));
      assert_int_equal (states, 306);
      assert_true (ses_json_uint64 (ses_json_get (j, "rebuilt_states"),
                                    &rebuilt));
      assert_true (rebuilt > 0);
      assert_non_null (strstr (ses_json_string (ses_json_get (j, "summary")),
                               "probabilistic"));
    }

  /* A full table: incomplete, exit 3, and the verdict says what to do. */
  g_free (out);
  out = NULL;
  g_autofree char *ladder_scn = g_build_filename (tmp, "l.scn", NULL);
  assert_true (g_file_set_contents (
      ladder_scn,
      "mqtt 5\n"
      "client sub id=sub clean-start=0 session-expiry=1s reconnect=990ms\n"
      "client pub id=pub clean-start=0 session-expiry=1h reconnect=990ms\n"
      "at 0s sub connect\n"
      "at 0s sub subscribe \"t\" qos=2\n"
      "at 0s pub connect\n"
      "at 1s pub publish \"t\" \"m1\" qos=1\n"
      "at 1s pub publish \"t\" \"m2\" qos=2\n"
      "invariant coherence off\n", -1, NULL));
  assert_int_equal (sessim (&out, NULL, "check", "-q", "-o", tmp,
                            "--max-cuts", "2", "--storage", "hc", "--bits",
                            "8", ladder_scn, NULL), 3);
  g_autofree char *full = line_with (out, "# verdict: INCOMPLETE: ");
  assert_non_null (strstr (full, "a full hash-compaction table (raise "
                                 "--bits) stopped the search"));
  test_remove_tree (tmp);
}

static void
test_cli_errors (void **state)
{
  (void) state;
  g_autofree char *scn = g_build_filename (SOURCE_ROOT, "scenarios",
                                           "03-persistent-session.scn", NULL);
  static const struct {
    const char *args[6];
    const char *message;
  } bad[] = {
    { { "--storage", "exact" }, "--storage takes fp64, hc or bitstate" },
    { { "--bits", "20" }, "--bits sizes the tables of --storage hc" },
    { { "--storage", "hc", "--bits", "33" }, "--bits takes a whole number "
                                             "from 8 to 32" },
    { { "--storage", "bitstate", "--bits", "41" }, "from 8 to 40" },
    { { "--storage", "hc", "--hashes", "2" }, "--hashes applies to "
                                              "--storage bitstate" },
    { { "--storage", "bitstate", "--hashes", "0" }, "--hashes takes" },
    { { "--random", "--storage", "hc" }, "not to --random" },
    { { "--dfs", "--frontier-worlds", "5" }, "--frontier-worlds applies to "
                                             "breadth-first" },
    { { "--frontier-worlds", "-1" }, "--frontier-worlds takes" },
    /* 2^30 bits is 128 MiB: refused before it is asked of malloc. */
    { { "--storage", "bitstate", "--bits", "30", "--max-memory", "100" },
      "needs 128 MiB, more than the memory limit of 100 MiB" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GPtrArray) args = g_ptr_array_new ();
      g_ptr_array_add (args, (gpointer) "check");
      g_ptr_array_add (args, (gpointer) "-q");
      for (guint a = 0; a < 6 && bad[i].args[a] != NULL; a++)
        g_ptr_array_add (args, (gpointer) bad[i].args[a]);
      g_ptr_array_add (args, scn);
      g_ptr_array_add (args, NULL);
      g_autofree char *out = NULL, *err = NULL;
      if (sessim_path == NULL)
        fail_msg ("run with the sessim binary as argument (meson does)");
      assert_int_equal (test_run (sessim_path,
                                  (const char *const *) args->pdata, &out,
                                  &err), 2);
      if (strstr (err, bad[i].message) == NULL)
        fail_msg ("'%s' not in: %s", bad[i].message, err);
      assert_string_equal (out, "");
    }
}

int
main (int argc, char **argv)
{
  sessim_path = argc > 1 ? argv[1] : NULL;
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_fp64_exact_and_growing),
    cmocka_unit_test (test_hc_compaction),
    cmocka_unit_test (test_bitstate_fill_and_estimate),
    cmocka_unit_test (test_names_and_default_widths),
    cmocka_unit_test (test_modes_find_the_same_violations),
    cmocka_unit_test (test_modes_deterministic),
    cmocka_unit_test (test_too_small),
    cmocka_unit_test (test_rebuilt_frontier_same_search),
    cmocka_unit_test (test_cli_summary_and_json),
    cmocka_unit_test (test_cli_errors),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
