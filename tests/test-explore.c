/* The explorer on the bundled scenarios: state counts and counterexample
 * lengths are pinned (a change to either is a change to what `check`
 * explores, to be made on purpose), every variant's bug is found with a
 * counterexample whose trail replays to the same violation, the correct
 * model passes, and a parallel search (jobs = 2) gives exactly the serial
 * result: the same counts, the same trail, breadth first and depth first.
 * Depth-first search finds the same verdicts, and stores the same states;
 * every merge of two paths on one fingerprint is exact (the audit). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "checker.h"
#include "mqtt-private.h"
#include "script.h"
#include "test-files.h"

typedef struct {
  const char *file;        /* under scenarios/ */
  guint64 states;          /* breadth first, the scenario's bounds */
  guint64 transitions;
  guint trail;             /* choices in the counterexample; 0: none */
} Pinned;

/* Breadth first with the bounds the CLI would use: the scenario's `check`
 * line, else one cut and nothing else. */
static SesCheckOptions
default_options (const SesScript *script, guint jobs, gboolean dfs)
{
  const SesScriptBounds *b = ses_script_bounds (script);
  SesCheckOptions o = { .jobs = jobs, .depth_first = dfs };
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
load (const char *file)
{
  g_autofree char *path = g_build_filename (SOURCE_ROOT, "scenarios",
                                            file, NULL);
  g_autoptr (GError) error = NULL;
  SesScript *script = ses_script_load_file (path, &error);
  if (script == NULL)
    fail_msg ("%s: %s", file, error->message);
  return script;
}

static void
check (const SesScript *script, const char *file, guint jobs, gboolean dfs,
       SesExploreStats *st, SesTrail **trail)
{
  SesCheckOptions o = default_options (script, jobs, dfs);
  *trail = ses_trail_new (file, ses_script_seed (script));
  ses_check_scenario (script, file, ses_script_seed (script), &o, st, *trail);
}

/* The trail, replayed, breaks an invariant the scenario expects broken. */
static void
assert_trail_replays_to_violation (const SesScript *script,
                                   const SesTrail *trail)
{
  g_autoptr (GError) error = NULL;
  SesInvariants *inv = NULL;
  SesWorld *w = ses_check_replay (script, trail, &inv, &error);
  assert_non_null (w);
  const GArray *found = ses_invariants_violations (inv);
  assert_true (found->len > 0);
  guint32 expected = ses_script_expected_violations (script);
  gboolean matched = FALSE;
  for (guint i = 0; i < found->len; i++)
    matched |= (expected >> g_array_index (found, SesViolation, i).id) & 1;
  assert_true (matched);
  ses_invariants_free (inv);
  ses_world_free (w);
}

/* Two threads (b) searched as one did (a): choice for choice. */
static void
assert_same_search (const SesExploreStats *a, const SesTrail *trail_a,
                    const SesExploreStats *b, const SesTrail *trail_b)
{
  assert_int_equal (b->states, a->states);
  assert_int_equal (b->transitions, a->transitions);
  assert_int_equal (b->end_states, a->end_states);
  assert_int_equal (b->max_depth, a->max_depth);
  assert_int_equal (b->violation, a->violation);
  assert_int_equal (trail_b->choices->len, trail_a->choices->len);
  assert_memory_equal (trail_b->choices->data, trail_a->choices->data,
                       trail_a->choices->len * sizeof (SesChoice));
}

static void
check_pinned (const Pinned *p)
{
  g_autoptr (SesScript) script = load (p->file);
  SesExploreStats one, two;
  g_autoptr (SesTrail) trail_one = NULL;
  g_autoptr (SesTrail) trail_two = NULL;
  check (script, p->file, 1, FALSE, &one, &trail_one);
  check (script, p->file, 2, FALSE, &two, &trail_two);

  if (g_getenv ("SESSIM_PRINT_PINS") != NULL)
    g_printerr ("  { \"%s\", %" G_GUINT64_FORMAT ", %" G_GUINT64_FORMAT
                ", %u },\n", p->file, one.states, one.transitions,
                trail_one->choices->len);
  else if (one.states != p->states || one.transitions != p->transitions
      || trail_one->choices->len != p->trail)
    fail_msg ("%s: %" G_GUINT64_FORMAT " states, %" G_GUINT64_FORMAT
              " transitions, trail %u; pinned %" G_GUINT64_FORMAT ", %"
              G_GUINT64_FORMAT ", %u", p->file, one.states, one.transitions,
              trail_one->choices->len, p->states, p->transitions, p->trail);
  assert_int_equal (one.violation, p->trail > 0);
  assert_true (one.complete || one.violation);

  assert_same_search (&one, trail_one, &two, trail_two);
  /* A stored state costs its parent link (8 bytes) and its share of the
   * fingerprint table, which doubles when three quarters full: at most
   * 8 / 0.375 bytes, above the table's first 1024 slots. */
  assert_true (one.stored_bytes <= 8 * 1024 + one.states * 30);

  if (p->trail > 0)
    assert_trail_replays_to_violation (script, trail_one);

  /* Depth first, on one thread and two: the same search, too. */
  SesExploreStats d1, d2;
  g_autoptr (SesTrail) dfs_one = NULL;
  g_autoptr (SesTrail) dfs_two = NULL;
  check (script, p->file, 1, TRUE, &d1, &dfs_one);
  check (script, p->file, 2, TRUE, &d2, &dfs_two);
  assert_int_equal (d1.violation, one.violation);
  assert_same_search (&d1, dfs_one, &d2, dfs_two);
}

/* Each variant's demonstration, with the bounds on its `check` line. */
static const Pinned variants[] = {
  { "variants/clean-start-keeps-session.scn", 71, 75, 13 },
  { "variants/client-keeps-state.scn", 76, 89, 12 },
  { "variants/deliver-expired.scn", 85, 89, 14 },
  { "variants/expiry-lost-on-restart.scn", 21, 22, 7 },
  { "variants/forget-inflight.scn", 184, 198, 17 },
  { "variants/ignore-receive-maximum.scn", 125, 186, 16 },
  { "variants/ignore-session-expiry.scn", 17, 18, 6 },
  { "variants/no-dup-on-resend.scn", 183, 219, 18 },
  { "variants/publish-after-pubrel.scn", 208, 241, 20 },
  { "variants/qos2-no-dedup.scn", 202, 225, 21 },
  { "variants/resend-reordered.scn", 236, 293, 20 },
  { "variants/sp-after-restart.scn", 21, 22, 7 },
  { "variants/takeover-without-0x8e.scn", 17, 17, 6 },
  { "variants/will-waits-past-session-end.scn", 72, 101, 12 },
};

/* The correct model: no violation within the same kind of bounds. */
static const Pinned correct[] = {
  { "03-persistent-session.scn", 306, 371, 0 },
  { "10-incoming-qos2-across-reconnect.scn", 259, 284, 0 },
  { "36-auto-reconnect.scn", 259, 326, 0 },
};

static void
test_variants_caught_with_pinned_counts (void **state)
{
  (void) state;
  for (guint i = 0; i < G_N_ELEMENTS (variants); i++)
    check_pinned (&variants[i]);
}

static void
test_correct_model_passes_with_pinned_counts (void **state)
{
  (void) state;
  for (guint i = 0; i < G_N_ELEMENTS (correct); i++)
    check_pinned (&correct[i]);
}

/* Depth first reaches the same verdicts, by other paths: at least as long
 * as the shortest. */
static void
test_depth_first_same_verdicts (void **state)
{
  (void) state;
  for (guint i = 0; i < G_N_ELEMENTS (variants); i++)
    {
      g_autoptr (SesScript) script = load (variants[i].file);
      SesExploreStats st;
      g_autoptr (SesTrail) trail = NULL;
      check (script, variants[i].file, 1, TRUE, &st, &trail);
      assert_true (st.violation);
      assert_true (trail->choices->len >= variants[i].trail);
      assert_trail_replays_to_violation (script, trail);
    }
}

/* A session's expiry racing its client's reconnect (1 s against 990 ms plus
 * 10 ms of latency): after each cut of "sub" the session may be resumed or
 * gone, and the judge ranks the copies routed to it in every new session.
 * Its lost CONNACKs are a known hazard (hazards/lost-connack-after-expiry),
 * not what this is for: coherence is off. */
static const char expiry_race[] =
  "title \"Session expiry racing the reconnect\"\n"
  "mqtt 5\n"
  "client sub id=sub clean-start=0 session-expiry=1s reconnect=990ms "
  "latency=10ms keep-alive=0s\n"
  "client pub id=pub clean-start=0 session-expiry=1h reconnect=990ms "
  "latency=10ms keep-alive=0s\n"
  "at 0s sub connect\n"
  "at 0s sub subscribe \"a/b\" qos=2\n"
  "at 0s pub connect\n"
  "at 1s pub publish \"a/b\" \"one\" qos=1\n"
  "at 1s pub publish \"a/b\" \"two\" qos=2\n"
  "invariant coherence off\n";

/* A complete search stores the same states whatever its order: states
 * that fingerprint alike must lead to states that fingerprint alike. Two
 * counters left out of the state once broke it, each one hidden while
 * what it handed out was encoded as given:
 *  - a session's timer generation, the argument of its timers
 *    (SesModelClass.event_arg): on 42-sleepy-device with two cuts,
 *    breadth first stored 7 384 states and depth first 7 393;
 *  - the judge's routing counter, which ranks a session's copies (now
 *    digested as ages, rank_age in models/invariant.c): on the expiry
 *    race with three cuts, 89 832 states against 89 843. */
static void
test_search_order_stores_the_same_states (void **state)
{
  (void) state;
  static const struct {
    const char *file;          /* under scenarios/, or the name of `text` */
    const char *text;          /* NULL: the file */
    guint32 cuts;
  } cases[] = {
    { "24-will-delay.scn", NULL, 2 },
    { "42-sleepy-device.scn", NULL, 2 },
    { "expiry-race.scn", expiry_race, 3 },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      const char *file = cases[i].file;
      g_autoptr (GError) error = NULL;
      g_autoptr (SesScript) script
        = cases[i].text != NULL
            ? ses_script_load (file, cases[i].text,
                               strlen (cases[i].text), &error)
            : load (file);
      if (script == NULL)
        fail_msg ("%s: %s", file, error->message);
      for (int reduce = 0; reduce <= 1; reduce++)
        {
          SesExploreStats st[2];
          for (int dfs = 0; dfs <= 1; dfs++)
            {
              SesCheckOptions o = default_options (script, 1, dfs);
              o.budgets[SES_CHECK_CUTS] = cases[i].cuts;
              o.no_reduction = !reduce;
              g_autoptr (SesTrail) trail = ses_trail_new (file, 1);
              ses_check_scenario (script, file, 1, &o, &st[dfs], trail);
              assert_true (st[dfs].complete);
              assert_false (st[dfs].violation);
            }
          if (st[0].states != st[1].states
              || st[0].end_states != st[1].end_states
              || st[0].transitions != st[1].transitions)
            fail_msg ("%s%s: breadth first %" G_GUINT64_FORMAT " states, %"
                      G_GUINT64_FORMAT " end states; depth first %"
                      G_GUINT64_FORMAT ", %" G_GUINT64_FORMAT, file,
                      reduce ? "" : " (no reduction)", st[0].states,
                      st[0].end_states, st[1].states, st[1].end_states);
        }
    }
}

/* Explores `script` breadth first with `cuts` cuts and `restarts` broker
 * restarts (at most max_states states; 0: all), auditing every merge
 * `depth` steps deep, with or without the symmetry reduction; fails on a
 * merge that is not exact. Returns the merges audited. */
#ifndef AUDIT_DEPTH
#define AUDIT_DEPTH 2
#endif

static guint64
audit (const SesScript *script, const char *file, guint32 cuts,
       guint32 restarts, guint64 max_states, guint depth, gboolean symmetry)
{
  SesCheckOptions o = default_options (script, 1, FALSE);
  o.budgets[SES_CHECK_CUTS] = cuts;
  o.budgets[SES_CHECK_RESTARTS] = restarts;
  o.max_states = max_states;
  o.audit_depth = depth;
  o.symmetry = symmetry;
  SesExploreStats st;
  g_autoptr (SesTrail) trail = ses_trail_new (file, 1);
  ses_check_scenario (script, file, 1, &o, &st, trail);
  if (st.merge_mismatches != 0)
    fail_msg ("%s: %" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT
              " merges not exact, the first into state %" G_GUINT64_FORMAT,
              file, st.merge_mismatches, st.merges_audited,
              st.first_mismatch);
  return st.merges_audited;
}

/* Every merge the search makes is exact: the fingerprint of a state
 * determines the fingerprints of its successors, and theirs
 * (SesExploreOptions.audit_depth compares each successor merged into a
 * stored state with it, two steps further). On every bundled scenario
 * with two cuts (breadth first, at most 20 000 states each), on the
 * expiry race with three (where the judge's routing counter once made
 * merges inexact), and on a ladder of identical subscribers with the
 * symmetry reduction, whose merges are up to a renaming, with a cut and
 * a broker restart. (Before the world ordered simultaneous events by
 * what they are, a restart made the canonical form tell some renamed
 * twins apart: their reconnect timers stood in the order they were
 * scheduled in, client order, and 957 of 9 341 merges of this ladder with
 * one cut differed.) */
static void
test_merges_are_exact (void **state)
{
  (void) state;
  static const char *const dirs[] = { "", "judge", "hazards", "variants" };
  guint64 audited = 0;
  for (guint d = 0; d < G_N_ELEMENTS (dirs); d++)
    {
      g_autofree char *dir = g_build_filename (SOURCE_ROOT, "scenarios",
                                               dirs[d], NULL);
      g_autoptr (GPtrArray) names = test_list_dir (dir, ".scn");
      for (guint i = 0; i < names->len; i++)
        {
          g_autofree char *file = g_build_filename (
              dirs[d], g_ptr_array_index (names, i), NULL);
          g_autoptr (SesScript) script = load (file);
          audited += audit (script, file, 2, 0, 5000, AUDIT_DEPTH, FALSE);
        }
    }
  g_autoptr (SesScript) race = ses_script_load ("expiry-race.scn",
                                                expiry_race,
                                                strlen (expiry_race), NULL);
  audited += audit (race, "expiry-race.scn", 3, 0, 0, AUDIT_DEPTH, FALSE);
  g_autofree char *ladder = g_build_filename (SOURCE_ROOT, "bench",
                                              "ladder-3.scn", NULL);
  g_autoptr (SesScript) three = ses_script_load_file (ladder, NULL);
  assert_non_null (three);
  audited += audit (three, "ladder-3.scn", 1, 1, 0, AUDIT_DEPTH, TRUE);
  /* The audit looked: most successors are merges (100 337 today). */
  assert_true (audited > 90000);
}

/* What nothing can read is no part of a state: when a client last sent,
 * and when the broker last heard from a connection, matter to keep alive
 * alone. With keep alive off, worlds that differ only there are one
 * state; with the client's own keep alive, or a Server Keep Alive the
 * broker is set to send (which a CONNACK turns on without a send, so the
 * client's time counts wherever the broker sends one), they are two. */
static void
test_dead_times_left_out (void **state)
{
  (void) state;
  static const struct {
    const char *settings;
    gboolean client_read, broker_read;
  } cases[] = {
    { "keep-alive=0s", FALSE, FALSE },
    { "keep-alive=30s", TRUE, TRUE },
    { "keep-alive=0s\nbroker server-keep-alive=30s", TRUE, TRUE },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text = g_strdup_printf (
          "mqtt 5\nclient c id=c latency=10ms %s\nat 0s c connect\n"
          "at 1s c publish \"t\" \"m\" qos=1\n", cases[i].settings);
      g_autoptr (GError) error = NULL;
      g_autoptr (SesScript) script = ses_script_load ("dead.scn", text,
                                                      strlen (text), &error);
      if (script == NULL)
        fail_msg ("%s", error->message);
      g_autoptr (SesWorld) w = ses_mqtt_world_new (ses_script_config (script),
                                                   1);
      ses_world_run (w, 2 * SES_US_PER_S);
      SesMqtt *m = ses_mqtt_from_world (w);
      assert_int_equal (m->clients[0].state, SES_CLIENT_ONLINE);
      assert_true (m->broker.conns[0].up);
      guint64 fp = ses_world_fingerprint (w);

      g_autoptr (SesWorld) sent = ses_world_copy (w);
      ses_mqtt_from_world (sent)->clients[0].last_tx_us -= 5000;
      assert_true ((ses_world_fingerprint (sent) != fp)
                   == cases[i].client_read);
      g_autoptr (SesWorld) heard = ses_world_copy (w);
      ses_mqtt_from_world (heard)->broker.conns[0].last_rx_us -= 5000;
      assert_true ((ses_world_fingerprint (heard) != fp)
                   == cases[i].broker_read);
    }
}

/* A limit stops the search incomplete, never as a pass, whatever the
 * thread count; the states counted stop at the limit. */
static void
test_limit_is_incomplete (void **state)
{
  (void) state;
  g_autoptr (SesScript) script = load ("03-persistent-session.scn");
  for (guint jobs = 1; jobs <= 2; jobs++)
    {
      SesCheckOptions o = default_options (script, jobs, FALSE);
      o.max_states = 100;
      SesExploreStats st;
      g_autoptr (SesTrail) trail = ses_trail_new ("03", 1);
      ses_check_scenario (script, "03", 1, &o, &st, trail);
      assert_false (st.complete);
      assert_false (st.violation);
      assert_int_equal (st.states, 100);
      assert_true (st.frontier > 0);
    }
}

/* The cancel flag stops the search at the first safe point, incomplete
 * and marked cancelled, breadth first on one or two threads and depth
 * first; a flag left at zero changes nothing. The engine only reads it. */
static void
test_cancel_flag_stops_search (void **state)
{
  (void) state;
  g_autoptr (SesScript) script = load ("03-persistent-session.scn");
  for (guint mode = 0; mode < 3; mode++)
    {
      volatile sig_atomic_t flag = 1;
      SesCheckOptions o = default_options (script, mode == 1 ? 2 : 1,
                                           mode == 2);
      o.cancel = &flag;
      SesExploreStats st;
      g_autoptr (SesTrail) trail = ses_trail_new ("03", 1);
      ses_check_scenario (script, "03", 1, &o, &st, trail);
      assert_true (st.cancelled);
      assert_false (st.complete);
      assert_false (st.violation);
      assert_false (st.stopped);
      /* One slice at most: depth first, one state expanded. */
      assert_true (st.states <= (mode == 2 ? 10u : 1025u));
      assert_int_equal (flag, 1);

      flag = 0;
      SesExploreStats whole;
      ses_check_scenario (script, "03", 1, &o, &whole, trail);
      assert_false (whole.cancelled);
      assert_true (whole.complete);
      assert_true (whole.states > st.states);
    }
}

/* ---- the reduction of independent events ---------------------------- */

static void
collect_end (SesWorld *world, SesInvariants *inv, gpointer data)
{
  (void) world;
  guint64 digest = ses_invariants_digest (inv);
  g_hash_table_add (data, g_memdup2 (&digest, sizeof digest));
}

/* One publisher, one persistent subscriber whose session expiry races its
 * reconnect (as in bench/bench-check.c), M messages. */
static SesScript *
ladder (guint messages)
{
  GString *text = g_string_new (
      "mqtt 5\n"
      "client sub id=sub clean-start=0 session-expiry=1s reconnect=990ms\n"
      "client pub id=pub clean-start=0 session-expiry=1h reconnect=990ms\n"
      "at 0s sub connect\n"
      "at 0s sub subscribe \"t\" qos=2\n"
      "at 0s pub connect\n");
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

/* Explores with and without the reduction: the same verdict, the same
 * set of end states (as the invariants see them: what was delivered,
 * acknowledged, kept), fewer or as many states. Returns the states of
 * (full, reduced) search. */
static void
compare_reduction (const SesScript *script, guint cuts, guint crashes,
                   guint64 *full_states, guint64 *reduced_states)
{
  GHashTable *ends[2];
  SesExploreStats st[2];
  guint trail_len[2];
  for (guint r = 0; r < 2; r++)
    {
      ends[r] = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free,
                                       NULL);
      SesCheckOptions o = default_options (script, 1, FALSE);
      o.budgets[SES_CHECK_CUTS] = cuts;
      o.budgets[SES_CHECK_CRASHES] = crashes;
      o.no_reduction = r == 0;
      o.end_state = collect_end;
      o.end_state_data = ends[r];
      g_autoptr (SesTrail) trail = ses_trail_new ("x", 1);
      ses_check_scenario (script, "x", 1, &o, &st[r], trail);
      trail_len[r] = trail->choices->len;
    }
  assert_int_equal (st[1].violation, st[0].violation);
  /* A shortest counterexample stays as short: the reduction reorders
   * events, it never lengthens a path. */
  assert_int_equal (trail_len[1], trail_len[0]);
  if (!st[0].violation)
    {
      assert_true (st[0].complete && st[1].complete);
      assert_int_equal (g_hash_table_size (ends[1]),
                        g_hash_table_size (ends[0]));
      GHashTableIter it;
      gpointer key;
      g_hash_table_iter_init (&it, ends[0]);
      while (g_hash_table_iter_next (&it, &key, NULL))
        assert_true (g_hash_table_contains (ends[1], key));
    }
  assert_true (st[1].states <= st[0].states);
  assert_int_equal (st[0].reduced, 0);
  *full_states = st[0].states;
  *reduced_states = st[1].states;
  g_hash_table_unref (ends[0]);
  g_hash_table_unref (ends[1]);
}

static void
test_reduction_keeps_end_states (void **state)
{
  (void) state;
  guint64 full, reduced;
  for (guint m = 1; m <= 3; m++)
    for (guint k = 1; k <= (m < 3 ? 2u : 1u); k++)
      {
        g_autoptr (SesScript) script = ladder (m);
        compare_reduction (script, k, 0, &full, &reduced);
        /* Once the cuts are spent, the two clients' packets arriving at
         * the same instant are taken in one order only. */
        assert_true (reduced < full);
      }
  const char *files[] = {
    "03-persistent-session.scn", "10-incoming-qos2-across-reconnect.scn",
    "36-auto-reconnect.scn", "24-will-delay.scn",
    "variants/forget-inflight.scn", "variants/qos2-no-dedup.scn",
  };
  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autoptr (SesScript) script = load (files[i]);
      compare_reduction (script, 1, i < 3 ? 1 : 0, &full, &reduced);
    }
}

/* The hazards of scenarios/hazards/: with their scripted cut taken out,
 * `check` finds coherence broken with no help; with the application
 * subscribing again after every CONNACK (the deployment's way out), every
 * path is clean. The scenarios' own expectations are left out of both. */
static SesScript *
hazard_variant (const char *file, gboolean avoided)
{
  g_autofree char *path = g_build_filename (SOURCE_ROOT, "scenarios",
                                            file, NULL);
  g_autofree char *text = NULL;
  assert_true (g_file_get_contents (path, &text, NULL, NULL));
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  GString *out = g_string_new (NULL);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *l = lines[i];
      if (g_str_has_prefix (l, "expect ")
          || (g_str_has_prefix (l, "at ") && strstr (l, " cut") != NULL))
        continue;
      if (avoided && strstr (l, "resubscribe=new-session") != NULL)
        {
          g_auto (GStrv) parts = g_strsplit (l, "resubscribe=new-session", 2);
          g_string_append_printf (out, "%s%s%s\n", parts[0],
                                  "resubscribe=always", parts[1]);
        }
      else
        g_string_append_printf (out, "%s\n", l);
    }
  g_autoptr (GError) error = NULL;
  SesScript *script = ses_script_load (file, out->str, out->len, &error);
  g_string_free (out, TRUE);
  if (script == NULL)
    fail_msg ("%s: %s", file, error->message);
  return script;
}

static void
test_hazards_found_and_avoided (void **state)
{
  static const char *const hazards[] = {
    "hazards/lost-connack-after-expiry.scn",
    "hazards/lost-connack-after-restart.scn",
    "hazards/shared-client-id.scn",
  };
  for (guint i = 0; i < G_N_ELEMENTS (hazards); i++)
    for (int avoided = 0; avoided < 2; avoided++)
      {
        g_autoptr (SesScript) script = hazard_variant (hazards[i], avoided);
        SesExploreStats st;
        g_autoptr (SesTrail) trail = NULL;
        check (script, hazards[i], 1, FALSE, &st, &trail);
        if (avoided)
          {
            assert_false (st.violation);
            assert_true (st.complete);
            continue;
          }
        assert_true (st.violation);
        g_autoptr (GError) error = NULL;
        SesInvariants *inv = NULL;
        SesWorld *w = ses_check_replay (script, trail, &inv, &error);
        assert_non_null (w);
        const GArray *found = ses_invariants_violations (inv);
        assert_true (found->len > 0);
        assert_int_equal (g_array_index (found, SesViolation, 0).id,
                          SES_INV_COHERENCE);
        ses_invariants_free (inv);
        ses_world_free (w);
      }
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_variants_caught_with_pinned_counts),
    cmocka_unit_test (test_correct_model_passes_with_pinned_counts),
    cmocka_unit_test (test_hazards_found_and_avoided),
    cmocka_unit_test (test_depth_first_same_verdicts),
    cmocka_unit_test (test_search_order_stores_the_same_states),
    cmocka_unit_test (test_merges_are_exact),
    cmocka_unit_test (test_dead_times_left_out),
    cmocka_unit_test (test_limit_is_incomplete),
    cmocka_unit_test (test_cancel_flag_stops_search),
    cmocka_unit_test (test_reduction_keeps_end_states),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
