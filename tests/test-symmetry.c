/* Symmetry reduction (check --symmetry): which clients are interchangeable,
 * that a state and its renamed twin get one fingerprint while states that
 * differ get two, and that exploring up to renaming changes no verdict and
 * no shortest counterexample: on every bundled scenario (scenarios/,
 * variants/, hazards/, judge/) and on the ladder of identical subscribers
 * (bench/ladder-N.scn), searched with and without it, the same violation
 * (or none) is found by a trail of the same length, and never more states
 * are stored. On the ladder of four, at least five times fewer. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "checker.h"
#include "mqtt-private.h"
#include "script.h"
#include "symmetry.h"
#include "variant.h"
#include "test-files.h"

static SesScript *
load (const char *path)
{
  g_autoptr (GError) error = NULL;
  SesScript *script = ses_script_load_file (path, &error);
  if (script == NULL)
    fail_msg ("%s", error->message);
  return script;
}

static SesScript *
load_text (const char *text)
{
  g_autoptr (GError) error = NULL;
  SesScript *script = ses_script_load ("test.scn", text, strlen (text),
                                       &error);
  if (script == NULL)
    fail_msg ("%s", error->message);
  return script;
}

static char *
source_path (const char *relative)
{
  return g_build_filename (SOURCE_ROOT, relative, NULL);
}

/* The bounds `check` takes from a scenario without options: its `check`
 * line, else one cut; states capped at max_states. */
static void
scenario_bounds (const SesScript *script, guint64 max_states,
                 SesCheckOptions *o)
{
  const SesScriptBounds *sb = ses_script_bounds (script);
  memset (o, 0, sizeof *o);
  o->budgets[SES_CHECK_CUTS] = sb->max_cuts >= 0 ? (guint32) sb->max_cuts : 1;
  o->budgets[SES_CHECK_CRASHES] = sb->max_crashes >= 0
                                    ? (guint32) sb->max_crashes : 0;
  o->budgets[SES_CHECK_RESTARTS] = sb->max_restarts >= 0
                                     ? (guint32) sb->max_restarts : 0;
  o->budgets[SES_CHECK_HALF_OPENS] = sb->max_half_opens >= 0
                                       ? (guint32) sb->max_half_opens : 0;
  o->faults_on = sb->faults_on;
  o->by_client = sb->by_client;
  memcpy (o->client_budgets, sb->client_budgets, sizeof o->client_budgets);
  if (sb->max_expiries >= 0)
    {
      o->bound_expiries = TRUE;
      o->max_expiries = (guint32) sb->max_expiries;
    }
  o->max_states = sb->max_states > 0 ? MIN ((guint64) sb->max_states,
                                            max_states) : max_states;
  o->max_depth = sb->max_depth > 0 ? (guint) sb->max_depth : 0;
}

typedef struct {
  SesExploreStats stats;
  guint length;            /* of the counterexample */
  gint invariant;          /* the first one its replay breaks; -1: none */
} Outcome;

static void
search (const SesScript *script, const char *path, SesCheckOptions *o,
        gboolean symmetry, Outcome *out)
{
  o->symmetry = symmetry;
  g_autoptr (SesTrail) trail = ses_trail_new (path, ses_script_seed (script));
  ses_check_scenario (script, path, ses_script_seed (script), o, &out->stats,
                      trail);
  out->length = trail->choices->len;
  out->invariant = -1;
  if (!out->stats.violation)
    return;
  /* The trail is the concrete path found: it replays as it is. */
  g_autoptr (GError) error = NULL;
  SesInvariants *inv = NULL;
  g_autoptr (SesWorld) world = ses_check_replay (script, trail, &inv, &error);
  if (world == NULL)
    fail_msg ("%s: the trail found with%s symmetry does not replay: %s",
              path, symmetry ? "" : "out", error->message);
  const GArray *v = ses_invariants_violations (inv);
  assert_true (v->len > 0);
  out->invariant = (gint) g_array_index (v, SesViolation, 0).id;
  ses_invariants_free (inv);
}

static void
assert_same (const char *path, const char *what, const Outcome *off,
             const Outcome *on)
{
  if (off->stats.violation != on->stats.violation
      || off->length != on->length || off->invariant != on->invariant
      || off->stats.complete != on->stats.complete)
    fail_msg ("%s: without symmetry%s %s (%s, %u choices, %" G_GUINT64_FORMAT
              " states), with it %s (%s, %u choices, %" G_GUINT64_FORMAT
              " states)", path, what,
              off->stats.violation ? "violation" : "none",
              off->invariant >= 0
                ? ses_invariant_name ((SesInvariantId) off->invariant) : "-",
              off->length, off->stats.states,
              on->stats.violation ? "violation" : "none",
              on->invariant >= 0
                ? ses_invariant_name ((SesInvariantId) on->invariant) : "-",
              on->length, on->stats.states);
}

/* Searches path with and without symmetry; both must reach the same
 * verdict. With `full`, also without symmetry and without the reduction
 * of independent events, which symmetry replaces where it renames: the
 * search it is exactly a quotient of. Returns the number of classes
 * renamed within. */
static guint
compare_with (const char *path, const SesScript *script, SesCheckOptions o,
              gboolean full, Outcome *off, Outcome *on)
{
  search (script, path, &o, FALSE, off);
  search (script, path, &o, TRUE, on);
  if (full)
    {
      Outcome every;
      o.no_reduction = TRUE;
      search (script, path, &o, FALSE, &every);
      o.no_reduction = FALSE;
      if (every.stats.complete || every.stats.violation)
        {
          assert_same (path, " and every order", &every, on);
          assert_true (on->stats.states <= every.stats.states);
        }
    }
  /* Without any class the fingerprints are the plain ones: the very same
   * search. */
  o.symmetry = TRUE;
  g_autoptr (GPtrArray) classes = ses_check_symmetry_classes (script, &o);
  if (classes->len == 0)
    assert_int_equal (on->stats.states, off->stats.states);
  if (!off->stats.complete && !off->stats.violation)
    return classes->len; /* cut by max_states: no verdict to compare */
  assert_same (path, "", off, on);
  assert_true (on->stats.states <= off->stats.states);
  return classes->len;
}

static guint
compare_full (const char *path, const SesScript *script, guint64 max_states,
              gboolean full, Outcome *off, Outcome *on)
{
  SesCheckOptions o;
  scenario_bounds (script, max_states, &o);
  return compare_with (path, script, o, full, off, on);
}

static guint
compare (const char *path, const SesScript *script, guint64 max_states,
         Outcome *off, Outcome *on)
{
  return compare_full (path, script, max_states, FALSE, off, on);
}

/* ---- classes -------------------------------------------------------------- */

static const char ladder_head[] =
  "mqtt 5\n"
  "client s1 id=s1 clean-start=0 session-expiry=1h reconnect=990ms "
  "latency=10ms keep-alive=0s\n"
  "client s2 id=s2 clean-start=0 session-expiry=1h reconnect=990ms "
  "latency=10ms keep-alive=0s\n"
  "client s3 id=s3 clean-start=0 session-expiry=1h reconnect=990ms "
  "latency=10ms keep-alive=0s\n"
  "client pub id=pub reconnect=990ms latency=10ms keep-alive=0s\n"
  "client p2 id=p2 reconnect=990ms latency=10ms keep-alive=0s\n"
  "at 0s pub connect\n"
  "at 0s p2 connect\n";

static GPtrArray *
classes_of (const char *script_tail, guint32 faults_on)
{
  g_autofree char *text = g_strconcat (ladder_head, script_tail, NULL);
  g_autoptr (SesScript) script = load_text (text);
  SesCheckOptions o = { .symmetry = TRUE, .faults_on = faults_on };
  return ses_check_symmetry_classes (script, &o);
}

static void
assert_classes (GPtrArray *classes, const char *want)
{
  g_autoptr (GString) got = g_string_new (NULL);
  for (guint k = 0; k < classes->len; k++)
    {
      g_autofree char *names = g_strjoinv (",", g_ptr_array_index (classes,
                                                                   k));
      g_string_append_printf (got, "%s{%s}", k > 0 ? " " : "", names);
    }
  assert_string_equal (got->str, want);
  g_ptr_array_unref (classes);
}

static void
test_classes (void **state)
{
  /* Same settings, same script but for the client: one class. The two
   * publishers publish, so their messages name them: each alone. */
  const char *same =
      "at 0s s1 connect\nat 0s s1 subscribe \"t\" qos=2\n"
      "at 0s s2 connect\nat 0s s2 subscribe \"t\" qos=2\n"
      "at 0s s3 connect\nat 0s s3 subscribe \"t\" qos=2\n"
      "at 1s pub publish \"t\" \"m\" qos=1\n"
      "at 1s p2 publish \"t\" \"m\" qos=1\n";
  assert_classes (classes_of (same, 0), "{s1,s2,s3}");
  /* Faults allowed on some of them only: they differ. */
  assert_classes (classes_of (same, 1u << 0 | 1u << 1 | 1u << 3),
                  "{s1,s2}");
  /* Another filter, another time, an extra step: not alike. */
  assert_classes (classes_of (
      "at 0s s1 connect\nat 0s s1 subscribe \"t\" qos=2\n"
      "at 0s s2 connect\nat 0s s2 subscribe \"u\" qos=2\n"
      "at 0s s3 connect\nat 0s s3 subscribe \"t\" qos=2\n", 0),
      "{s1,s3} {pub,p2}");
  assert_classes (classes_of (
      "at 0s s1 connect\nat 0s s1 subscribe \"t\" qos=2\n"
      "at 0s s2 connect\n"
      "at 0s s3 connect\nat 0s s3 subscribe \"t\" qos=2\n"
      "at 1s s2 subscribe \"t\" qos=2\n"
      "at 2s s3 cut\n", 0),
      "{pub,p2}");
  /* Clients that publish nothing are alike whatever they are called. */
  assert_classes (classes_of ("", 0), "{s1,s2,s3} {pub,p2}");
}

static void
test_settings_split_classes (void **state)
{
  g_autoptr (SesScript) script = load_text (
      "mqtt 5\n"
      "client a id=a keep-alive=10s\n"
      "client b id=b keep-alive=20s\n"
      "client c id=c keep-alive=10s\n"
      "client d id=d keep-alive=10s will-topic=\"w\" will-payload=\"x\"\n"
      "client e id=a keep-alive=10s\n"
      "at 0s a connect\nat 0s b connect\nat 0s c connect\n"
      "at 0s d connect\nat 1s e connect\n");
  SesCheckOptions o = { .symmetry = TRUE };
  g_autoptr (GPtrArray) classes = ses_check_symmetry_classes (script, &o);
  /* b keeps alive otherwise, d leaves a will, a shares its ClientId with
   * e: only c is left, and a class of one is no class. */
  assert_int_equal (classes->len, 0);
  o.symmetry = FALSE;
  g_autoptr (GPtrArray) none = ses_check_symmetry_classes (script, &o);
  assert_int_equal (none->len, 0);
}

/* ---- one fingerprint per orbit ------------------------------------------ */

typedef struct {
  SesWorld *world;
  SesInvariants *inv;
} State;

static void
state_clear (State *s)
{
  ses_invariants_free (s->inv);
  ses_world_free (s->world);
}

static void
state_copy (const State *from, State *to)
{
  to->world = ses_world_copy (from->world);
  to->inv = ses_invariants_copy (from->inv, to->world);
}

static void
fault (State *s, guint32 kind, guint32 target)
{
  SesChoice c = { .kind = SES_CHOICE_FAULT };
  c.fault.kind = kind;
  c.fault.target = target;
  ses_world_apply (s->world, &c);
}

static guint64
fingerprint (const SesSymmetry *sym, State *s, guint8 *rename)
{
  static const guint8 spent[SES_EXPLORE_BUDGETS][SES_EXPLORE_TARGETS];
  return ses_symmetry_fingerprint (sym, s->world, s->inv, spent, rename);
}

static void
test_renamed_twins_meet (void **state)
{
  g_autofree char *path = source_path ("bench/ladder-3.scn");
  g_autoptr (SesScript) script = load (path);
  SesMqttConfig *cfg = ses_script_config (script);
  State base = { ses_mqtt_world_new (cfg, 1) };
  ses_mqtt_set_recording (ses_mqtt_from_world (base.world), FALSE);
  base.inv = ses_invariants_new (base.world, 0);
  g_autoptr (SesSymmetry) sym = ses_symmetry_new (cfg, 0, 0, NULL);
  assert_int_equal (ses_symmetry_classes (sym)->len, 1);
  guint8 rename[SES_EXPLORE_TARGETS];

  /* Before the subscribers' script is done, each keeps its name: a cut
   * of s1 is not a cut of s2. */
  State a, b;
  state_copy (&base, &a);
  state_copy (&base, &b);
  for (guint i = 0; i < 3; i++)
    {
      ses_world_step (a.world, SES_TIME_NONE);
      ses_world_step (b.world, SES_TIME_NONE);
    }
  fault (&a, SES_FAULT_CUT, 0);
  fault (&b, SES_FAULT_CUT, 1);
  assert_true (fingerprint (sym, &a, rename) != fingerprint (sym, &b,
                                                             rename));
  for (guint c = 0; c < 4; c++)
    assert_int_equal (rename[c], c);
  state_clear (&a);
  state_clear (&b);

  /* Once it is (the publish at 1 s waits), the same cut of any of them,
   * and anything that follows it alike, is one state up to renaming; a
   * cut of the publisher is another. */
  ses_world_run (base.world, 500 * 1000);
  guint64 fp[3];
  for (guint32 s = 0; s < 3; s++)
    {
      State t;
      state_copy (&base, &t);
      fault (&t, SES_FAULT_CUT, s);
      for (guint i = 0; i < 6; i++)
        ses_world_step (t.world, SES_TIME_NONE);
      fp[s] = fingerprint (sym, &t, rename);
      /* The renaming moves the cut subscriber, and it alone among the
       * subscribers stands apart; the publisher keeps its name. */
      assert_int_equal (rename[3], 3);
      g_autoptr (GByteArray) plain = g_byte_array_new ();
      ses_world_encode (t.world, plain);
      g_autoptr (GByteArray) canon = g_byte_array_new ();
      guint8 again[SES_EXPLORE_TARGETS];
      static const guint8 spent[SES_EXPLORE_BUDGETS][SES_EXPLORE_TARGETS];
      assert_int_equal (ses_symmetry_encode (sym, t.world, t.inv, spent,
                                             again, canon), fp[s]);
      assert_memory_equal (again, rename, sizeof again);
      /* A renaming of the same bytes: as long, and the same when nothing
       * moved. */
      assert_int_equal (canon->len, plain->len);
      gboolean moved = FALSE;
      for (guint c = 0; c < 3; c++)
        moved |= rename[c] != c;
      if (!moved)
        assert_memory_equal (canon->data, plain->data, plain->len);
      state_clear (&t);
    }
  assert_true (fp[0] == fp[1] && fp[1] == fp[2]);
  State p;
  state_copy (&base, &p);
  fault (&p, SES_FAULT_CUT, 3);
  for (guint i = 0; i < 6; i++)
    ses_world_step (p.world, SES_TIME_NONE);
  assert_true (fingerprint (sym, &p, rename) != fp[0]);
  state_clear (&p);
  /* Two subscribers cut against one: apart. */
  State two;
  state_copy (&base, &two);
  fault (&two, SES_FAULT_CUT, 0);
  fault (&two, SES_FAULT_CUT, 2);
  for (guint i = 0; i < 6; i++)
    ses_world_step (two.world, SES_TIME_NONE);
  assert_true (fingerprint (sym, &two, rename) != fp[0]);
  state_clear (&two);
  state_clear (&base);
}

/* ---- verdicts unchanged ---------------------------------------------------- */

static GPtrArray *
bundled (void)
{
  static const char *const dirs[] = {
    "scenarios", "scenarios/variants", "scenarios/hazards", "scenarios/judge",
  };
  GPtrArray *files = g_ptr_array_new_with_free_func (g_free);
  for (guint d = 0; d < G_N_ELEMENTS (dirs); d++)
    {
      g_autofree char *dir = source_path (dirs[d]);
      g_autoptr (GDir) h = g_dir_open (dir, 0, NULL);
      assert_non_null (h);
      const char *name;
      while ((name = g_dir_read_name (h)) != NULL)
        if (g_str_has_suffix (name, ".scn"))
          g_ptr_array_add (files, g_build_filename (dir, name, NULL));
    }
  g_ptr_array_sort (files, (GCompareFunc) g_strcmp0);
  return files;
}

static void
test_bundled_scenarios_unchanged (void **state)
{
  g_autoptr (GPtrArray) files = bundled ();
  assert_true (files->len >= 70);
  guint with_classes = 0, violations = 0, compared = 0;
  for (guint i = 0; i < files->len; i++)
    {
      const char *path = g_ptr_array_index (files, i);
      g_autoptr (SesScript) script = load (path);
      Outcome off, on;
      guint classes = compare (path, script, 20000, &off, &on);
      with_classes += classes > 0;
      violations += off.stats.violation;
      compared += off.stats.complete || off.stats.violation;
    }
  /* The library holds both kinds of verdict, and some scenarios whose
   * clients the reduction renames. */
  assert_true (violations >= 10);
  assert_true (compared >= files->len / 2);
  /* Each bundled scenario gives its clients roles of their own, so none
   * has a class (the ladder above is where classes are): the reduction
   * must leave them exactly as they were, which compare() checks. */
  assert_int_equal (with_classes, 0);
}

static void
test_ladder (void **state)
{
  guint64 states[4][2] = { { 0 } };
  for (guint n = 2; n <= 3; n++)
    {
      g_autofree char *rel = g_strdup_printf ("bench/ladder-%u.scn", n);
      g_autofree char *path = source_path (rel);
      g_autoptr (SesScript) script = load (path);
      Outcome off, on;
      assert_int_equal (compare_full (path, script, 2000000, TRUE, &off,
                                      &on), 1);
      assert_true (off.stats.complete && on.stats.complete);
      assert_false (off.stats.violation);
      states[n][0] = off.stats.states;
      states[n][1] = on.stats.states;
    }
  /* The gain grows with the class: 636 -> 407 states for two, 1 742 ->
   * 620 for three. (Before the world ordered simultaneous events by what
   * they are, states that differed only in the order such events were
   * scheduled in stayed apart, and the renaming folded many of them in
   * passing: three then went from 8 316 to 1 994.) */
  assert_true (states[2][1] < states[2][0]);
  assert_true (states[3][0] * states[2][1] > states[2][0] * states[3][1]);
  assert_true (states[3][1] * 2 < states[3][0]);

  /* Four subscribers alike: the search up to renaming completes, with no
   * violation, and the search without symmetry does not within five times
   * as many states (in full it takes 217 126 against 13 119, and finds no
   * violation either: docs/checking.md). Capped, to keep the test fast. */
  g_autofree char *path = source_path ("bench/ladder-4.scn");
  g_autoptr (SesScript) script = load (path);
  SesCheckOptions o;
  scenario_bounds (script, 2000000, &o);
  Outcome on, off;
  search (script, path, &o, TRUE, &on);
  assert_true (on.stats.complete);
  assert_false (on.stats.violation);
  o.max_states = on.stats.states * 5;
  search (script, path, &o, FALSE, &off);
  assert_false (off.stats.violation);
  assert_false (off.stats.complete);
  assert_int_equal (off.stats.states, o.max_states);
}

/* The ladder of n under a deliberately wrong broker. (transfer full) */
static SesScript *
buggy_ladder (guint n, const char *variant, guint8 qos)
{
  g_autofree char *rel = g_strdup_printf ("bench/ladder-%u.scn", n);
  g_autofree char *path = source_path (rel);
  g_autofree char *text = test_read_file (path, NULL);
  const char *rest = strstr (text, "mqtt 5\n");
  assert_non_null (rest);
  g_autofree char *buggy = g_strdup_printf ("mqtt 5\nbroker variant=%s\n%s",
                                            variant,
                                            rest + strlen ("mqtt 5\n"));
  /* The message at another QoS: the ladder publishes it at QoS 1. */
  char *publish = strstr (buggy, "\"m1\" qos=1");
  assert_non_null (publish);
  publish[strlen ("\"m1\" qos=")] = (char) ('0' + qos);
  return load_text (buggy);
}

/* The ladder under every deliberately wrong broker: where one breaks an
 * invariant, any of the subscribers could be the one it wrongs, and the
 * search up to renaming finds the same violation at the same depth. */
static void
test_ladder_variants (void **state)
{
  guint caught = 0;
  for (guint8 qos = 1; qos <= 2; qos++)
    for (guint v = 0; v < SES_VARIANT_COUNT; v++)
      {
        const SesVariantInfo *info = ses_variant_info ((SesVariant) v);
        if (info->client_side)
          continue;
        g_autoptr (SesScript) script = buggy_ladder (2, info->name, qos);
        g_autofree char *what = g_strdup_printf ("ladder-2 qos %u %s", qos,
                                                 info->name);
        Outcome off, on;
        assert_int_equal (compare_full (what, script, 200000, TRUE, &off,
                                        &on), 1);
        caught += off.stats.violation;
      }
  assert_true (caught >= 4);
  /* And with three subscribers, fewer states to the same counterexample. */
  g_autoptr (SesScript) script = buggy_ladder (3, "forget-inflight", 1);
  Outcome off, on;
  assert_int_equal (compare_full ("ladder-3 forget-inflight", script,
                                  2000000, TRUE, &off, &on), 1);
  assert_true (off.stats.violation && on.stats.violation);
  assert_true (on.stats.states < off.stats.states);
}

/* Budgets per client: what each member has spent orders it and is
 * renamed with it; members with other budgets are not alike. */
static void
test_per_client_budgets (void **state)
{
  g_autofree char *ladder_path = source_path ("bench/ladder-2.scn");
  for (guint bug = 0; bug < 2; bug++)
    {
      g_autoptr (SesScript) script = bug ? buggy_ladder (2, "forget-inflight",
                                                         1)
                                         : load (ladder_path);
      SesCheckOptions o;
      scenario_bounds (script, 2000000, &o);
      o.by_client = 1u << SES_CHECK_CUTS;
      o.client_budgets[SES_CHECK_CUTS][0] = 1;
      o.client_budgets[SES_CHECK_CUTS][1] = 1;
      o.client_budgets[SES_CHECK_CUTS][2] = 1;
      o.budgets[SES_CHECK_CUTS] = 3;
      Outcome off, on;
      assert_int_equal (compare_with ("ladder-2 cuts 1 each", script, o,
                                      TRUE, &off, &on), 1);
      assert_int_equal (off.stats.violation, bug);
      assert_true (on.stats.states < off.stats.states);
      /* s2 may not be cut: s1 and s2 are no longer alike. */
      o.client_budgets[SES_CHECK_CUTS][1] = 0;
      o.budgets[SES_CHECK_CUTS] = 2;
      assert_int_equal (compare_with ("ladder-2 cuts 1, 0, 1", script, o,
                                      FALSE, &off, &on), 0);
    }
}

/* End states, as canonical fingerprints (the judge's end included). */
typedef struct {
  const SesSymmetry *sym;
  GHashTable *seen; /* (element-type guint64) for lookup only */
} Ends;

static void
collect_end (SesWorld *world, SesInvariants *inv, gpointer data)
{
  Ends *ends = data;
  static const guint8 spent[SES_EXPLORE_BUDGETS][SES_EXPLORE_TARGETS];
  guint8 rename[SES_EXPLORE_TARGETS];
  guint64 fp = ses_symmetry_fingerprint (ends->sym, world, inv, spent,
                                         rename);
  g_hash_table_add (ends->seen, g_memdup2 (&fp, sizeof fp));
}

static gboolean
subset (GHashTable *a, GHashTable *b)
{
  GHashTableIter it;
  gpointer key;
  g_hash_table_iter_init (&it, a);
  while (g_hash_table_iter_next (&it, &key, NULL))
    if (!g_hash_table_contains (b, key))
      return FALSE;
  return TRUE;
}

/* Up to renaming, the search with symmetry ends where the one that tries
 * every order ends: no end state is lost by merging twins, and none made
 * up. */
static void
test_same_end_states (void **state)
{
  for (guint n = 2; n <= 3; n++)
    {
      g_autofree char *rel = g_strdup_printf ("bench/ladder-%u.scn", n);
      g_autofree char *path = source_path (rel);
      g_autoptr (SesScript) script = load (path);
      SesCheckOptions o;
      scenario_bounds (script, 2000000, &o);
      o.symmetry = TRUE;
      g_autoptr (GPtrArray) classes = ses_check_symmetry_classes (script, &o);
      g_autoptr (SesSymmetry) sym = ses_symmetry_new (
          ses_script_config (script), 0, 0, NULL);
      Ends with = { sym, g_hash_table_new_full (g_int64_hash, g_int64_equal,
                                                g_free, NULL) };
      Ends every = { sym, g_hash_table_new_full (g_int64_hash, g_int64_equal,
                                                 g_free, NULL) };
      o.end_state = collect_end;
      o.end_state_data = &with;
      Outcome on, off;
      search (script, path, &o, TRUE, &on);
      o.end_state_data = &every;
      o.no_reduction = TRUE;
      search (script, path, &o, FALSE, &off);
      assert_true (on.stats.complete && off.stats.complete);
      assert_true (g_hash_table_size (with.seen) > 1);
      assert_int_equal (g_hash_table_size (with.seen),
                        g_hash_table_size (every.seen));
      assert_true (subset (with.seen, every.seen));
      assert_true (on.stats.end_states < off.stats.end_states);
      g_hash_table_unref (with.seen);
      g_hash_table_unref (every.seen);
    }
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_classes),
    cmocka_unit_test (test_settings_split_classes),
    cmocka_unit_test (test_renamed_twins_meet),
    cmocka_unit_test (test_ladder),
    cmocka_unit_test (test_ladder_variants),
    cmocka_unit_test (test_per_client_budgets),
    cmocka_unit_test (test_same_end_states),
    cmocka_unit_test (test_bundled_scenarios_unchanged),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
