/* The language for periodic devices: compound durations (`10m1s`) and the
 * `every` statement. An `every` must mean exactly its hand-expanded twin:
 * the same actions, in the same order, interleaved with the `at` lines by
 * time (ties in file order), so a run gives the same bytes. Checked on the
 * library's model (log, JSON Lines, fingerprint) and, given the sessim
 * binary as argument, on the trace files `sessim run` writes.
 * Malformed `every` lines are in test-scenario-errors.c. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "script.h"
#include "test-files.h"

static const char *sessim_path;

static SesScript *
load (const char *path, const char *text)
{
  g_autoptr (GError) error = NULL;
  SesScript *script = ses_script_load (path, text, strlen (text), &error);
  if (script == NULL)
    fail_msg ("%s did not load: %s\n%s", path, error->message, text);
  return script;
}

/* ---- compound durations ------------------------------------------------- */

static void
test_compound_durations (void **state)
{
  static const struct {
    const char *text;
    SesTime us;
  } cases[] = {
    { "10m1s", 601 * SES_US_PER_S },
    { "1h30m", 5400 * SES_US_PER_S },
    { "2m30.5s", 150500000 },
    { "1h0m0.000001s", 3600000001 },
    { "1h1m1s1ms1us", 3661001001 },
    { "1m0.5s", 60500000 },
    { "5s250ms", 5250000 },
    { "1ms500us", 1500 },
    { "90m", 5400 * SES_US_PER_S },       /* no carrying rules: 90m is fine */
    { "1h90m", 9000 * SES_US_PER_S },
    { "0h0m0s", 0 },
    { "2h0.5m", 7230 * SES_US_PER_S },    /* decimals on the last part */
    { "640511h", (SesTime) 640511 * 3600 * SES_US_PER_S },
    /* The largest: G_MAXINT64 / 4 us. */
    { "640511947h13s693ms951us", G_MAXINT64 / 4 },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text = g_strdup_printf ("client a\nuntil %s\n",
                                               cases[i].text);
      g_autoptr (SesScript) s = load ("durations.scn", text);
      if (ses_script_until (s) != cases[i].us)
        fail_msg ("%s: %" G_GINT64_FORMAT " us, expected %" G_GINT64_FORMAT,
                  cases[i].text, ses_script_until (s), cases[i].us);
    }
  /* Wherever a duration goes: option values, at, every, expectations. */
  g_autoptr (SesScript) s = load (
      "everywhere.scn",
      "client a session-expiry=1h30m keep-alive=1m30s latency=1s500ms "
      "reconnect=1m1s\n"
      "at 1m1s a connect\n"
      "every 1m30s from 2m0.5s to 10m +1s500ms a cut\n"
      "expect a session exists at=1h0m1s\n"
      "expect a will by=1m1s\n");
  /* Repetitions at 2m0.5s + k * 90s up to 10m: the last at 9m30.5s, its
   * cut 1.5s later. */
  assert_int_equal (ses_script_until (s),
                    (9 * 60 + 32) * SES_US_PER_S + 60 * SES_US_PER_S);
}

/* ---- twins -------------------------------------------------------------- */

typedef struct {
  const char *name;
  const char *every;    /* uses `every` */
  const char *by_hand;  /* the same timeline, one `at` line per action */
} Twin;

#define CLIENTS                                                              \
  "mqtt 5\n"                                                                 \
  "client dev id=valve clean-start=0 session-expiry=1h keep-alive=30s\n"     \
  "client ops id=planner\n"

static const Twin twins[] = {
  { "one line",
    CLIENTS
    "every 10m from 0s to 20m dev connect; +5s dev disconnect\n",
    CLIENTS
    "at 0s dev connect\nat 5s dev disconnect\n"
    "at 10m dev connect\nat 10m5s dev disconnect\n"
    "at 20m dev connect\nat 20m5s dev disconnect\n" },
  { "block, at lines before, between and tied",
    CLIENTS
    "at 0s ops connect\n"
    "at 0s ops subscribe \"valves/+/state\" qos=1\n"
    "every 10m from 1m to 25m {\n"
    "  +0s dev connect\n"
    "  +1s dev publish \"valves/17/state\" \"open\" qos=1; "
    "+1s dev publish \"valves/17/state\" \"closed\" qos=2\n"
    "  +3s500ms dev disconnect\n"
    "}\n"
    "at 1m ops publish \"valves/17/cmd\" \"tied, after the every\" qos=1\n"
    "at 11m1s ops cut\n"
    "at 15m ops connect\n",
    CLIENTS
    "at 0s ops connect\n"
    "at 0s ops subscribe \"valves/+/state\" qos=1\n"
    "at 1m dev connect\n"
    "at 1m ops publish \"valves/17/cmd\" \"tied, after the every\" qos=1\n"
    "at 1m1s dev publish \"valves/17/state\" \"open\" qos=1\n"
    "at 1m1s dev publish \"valves/17/state\" \"closed\" qos=2\n"
    "at 1m3.5s dev disconnect\n"
    "at 11m dev connect\n"
    "at 11m1s dev publish \"valves/17/state\" \"open\" qos=1\n"
    "at 11m1s dev publish \"valves/17/state\" \"closed\" qos=2\n"
    "at 11m1s ops cut\n"
    "at 11m3.5s dev disconnect\n"
    "at 15m ops connect\n"
    "at 21m dev connect\n"
    "at 21m1s dev publish \"valves/17/state\" \"open\" qos=1\n"
    "at 21m1s dev publish \"valves/17/state\" \"closed\" qos=2\n"
    "at 21m3.5s dev disconnect\n" },
  { "two every statements overlapping in time, and the broker",
    CLIENTS
    "broker persistence=on\n"
    "at 0s ops connect\n"
    "every 30s from 0s to 1m dev connect; +10s dev cut\n"
    "every 45s from 20s to 1m50s ops publish \"valves/17/cmd\" \"x\" qos=1; "
    "+1s broker restart\n",
    CLIENTS
    "broker persistence=on\n"
    "at 0s ops connect\n"
    "at 0s dev connect\n"
    "at 10s dev cut\n"
    "at 20s ops publish \"valves/17/cmd\" \"x\" qos=1\n"
    "at 21s broker restart\n"
    "at 30s dev connect\n"
    "at 40s dev cut\n"
    "at 60s dev connect\n"
    "at 65s ops publish \"valves/17/cmd\" \"x\" qos=1\n"
    "at 66s broker restart\n"
    "at 70s dev cut\n"
    "at 110s ops publish \"valves/17/cmd\" \"x\" qos=1\n"
    "at 111s broker restart\n" },
  { "a single repetition",
    CLIENTS "every 1h from 5s to 5s dev connect\n",
    CLIENTS "at 5s dev connect\n" },
};

static void
run_log (SesScript *script, char **text, char **jsonl, guint64 *fingerprint)
{
  SesMqttConfig *cfg = ses_script_config (script);
  g_autoptr (SesWorld) world = ses_mqtt_world_new (cfg,
                                                   ses_script_seed (script));
  ses_world_run (world, ses_script_until (script));
  *text = ses_mqtt_log_text (ses_mqtt_from_world (world));
  *jsonl = ses_mqtt_log_jsonl (ses_mqtt_from_world (world));
  *fingerprint = ses_world_fingerprint (world);
}

static void
test_twins_same_run (void **state)
{
  for (guint i = 0; i < G_N_ELEMENTS (twins); i++)
    {
      g_autoptr (SesScript) a = load ("twin.scn", twins[i].every);
      g_autoptr (SesScript) b = load ("twin.scn", twins[i].by_hand);
      assert_int_equal (ses_script_until (a), ses_script_until (b));
      g_autofree char *ta = NULL, *ja = NULL, *tb = NULL, *jb = NULL;
      guint64 fa = 0, fb = 0;
      run_log (a, &ta, &ja, &fa);
      run_log (b, &tb, &jb, &fb);
      /* A run that did nothing would prove nothing. */
      if (strlen (ta) < 200)
        fail_msg ("%s: the run is suspiciously short:\n%s", twins[i].name,
                  ta);
      if (strcmp (ta, tb) != 0 || strcmp (ja, jb) != 0 || fa != fb)
        fail_msg ("%s: the every form and its twin run differently:\n"
                  "--- every\n%s--- by hand\n%s", twins[i].name, ta, tb);
    }
}

/* Each expanded action is reported on the line that wrote it. */
static void
test_action_lines (void **state)
{
  g_autoptr (SesScript) s = load (
      "lines.scn",
      CLIENTS                                         /* lines 1-3 */
      "at 0s ops connect\n"                           /* 4 */
      "every 1m from 0s to 1m {\n"                    /* 5 */
      "  dev connect\n"                               /* 6 */
      "  +2s dev disconnect\n"                        /* 7 */
      "}\n"                                           /* 8 */
      "at 30s ops cut\n"                              /* 9 */
      "every 1m from 30s to 30s ops connect; +1s ops cut\n"); /* 10 */
  /* Order: 0s ops connect (4), 0s dev connect (6), 2s disconnect (7),
   * 30s ops cut (9), 30s ops connect (10), 31s ops cut (10), 60s dev
   * connect (6), 62s disconnect (7). */
  static const guint want[] = { 4, 6, 7, 9, 10, 10, 6, 7 };
  for (guint i = 0; i < G_N_ELEMENTS (want); i++)
    assert_int_equal (ses_script_action_line (s, i), want[i]);
}

/* The bound holds exactly at SES_SCRIPT_MAX_ACTIONS, `at` lines included. */
static void
test_expansion_bound (void **state)
{
  assert_int_equal (SES_SCRIPT_MAX_ACTIONS, 100000);
  g_autoptr (SesScript) full = load (
      "bound.scn", "client a\nevery 1s from 0s to 99999s a cut\n");
  assert_int_equal (ses_script_action_line (full, 99999), 2);
  static const char *const over[] = {
    "client a\nevery 1s from 0s to 100000s a cut\n",
    "client a\nat 0s a connect\nevery 1s from 0s to 99999s a cut\n",
    "client a\nevery 2s from 0s to 99998s a connect; +1s a cut\n"
    "at 99999s a cut\n",
    "client a\nevery 1us from 0s to 1000h a cut\n",
    "client a\nevery 1us from 0s to 640511h a connect; a cut; a crash\n",
  };
  for (guint i = 0; i < G_N_ELEMENTS (over); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (SesScript) s = ses_script_load ("bound.scn", over[i],
                                                 strlen (over[i]), &error);
      if (s != NULL)
        fail_msg ("over the bound but loaded: %s", over[i]);
      if (strstr (error->message, "100000") == NULL)
        fail_msg ("the error does not name the bound: %s", error->message);
    }
}

/* ---- the command line: trace files ------------------------------------- */

/* Runs file with sessim into out; returns the folder of its files. */
static char *
run_cli (const char *file, const char *out)
{
  const char *args[] = { "run", "-q", "--out", out, file, NULL };
  g_autofree char *err = NULL;
  int status = test_run (sessim_path, args, NULL, &err);
  if (status != 0)
    fail_msg ("sessim run %s: exit %d\n%s", file, status, err);
  g_autofree char *base = g_path_get_basename (file);
  base[strlen (base) - 4] = '\0';
  return g_build_filename (out, base, NULL);
}

static void
assert_same_file (const char *dir1, const char *dir2, const char *name,
                  const char *what, gboolean but_first_line)
{
  g_autofree char *p1 = g_build_filename (dir1, name, NULL);
  g_autofree char *p2 = g_build_filename (dir2, name, NULL);
  gsize l1 = 0, l2 = 0;
  g_autofree char *f1 = test_read_file (p1, &l1);
  g_autofree char *f2 = test_read_file (p2, &l2);
  const char *c1 = f1, *c2 = f2;
  if (but_first_line)
    {
      /* trace.jsonl's header records the scenario file's digest and its
       * timeline as written, which differ between the twins. */
      const char *n1 = memchr (f1, '\n', l1), *n2 = memchr (f2, '\n', l2);
      assert_non_null (n1);
      assert_non_null (n2);
      c1 = n1 + 1;
      c2 = n2 + 1;
      l1 -= (gsize) (c1 - f1);
      l2 -= (gsize) (c2 - f2);
    }
  assert_true (l1 > 0);
  if (l1 != l2 || memcmp (c1, c2, l1) != 0)
    fail_msg ("%s: %s differs from its hand-expanded twin's", what, name);
}

/* Both texts written as NAME.scn in two folders (the trace's first line
 * names the file), run, and their traces compared byte for byte. */
static void
check_cli_twin (const char *name, const char *every, const char *by_hand)
{
  g_autofree char *tmp = g_dir_make_tmp ("sessim-every-XXXXXX", NULL);
  assert_non_null (tmp);
  g_autofree char *file = g_strconcat (name, ".scn", NULL);
  const char *texts[] = { every, by_hand };
  char *dirs[2] = { NULL, NULL };
  g_autofree char *cwd = g_get_current_dir ();
  for (guint k = 0; k < 2; k++)
    {
      g_autofree char *sub = g_build_filename (tmp, k ? "hand" : "every",
                                               NULL);
      assert_int_equal (g_mkdir (sub, 0755), 0);
      g_autofree char *path = g_build_filename (sub, file, NULL);
      assert_true (g_file_set_contents (path, texts[k], -1, NULL));
      /* The same relative path in both, so the header lines agree. */
      assert_int_equal (g_chdir (sub), 0);
      g_autofree char *out = g_build_filename (sub, "out", NULL);
      dirs[k] = run_cli (file, out);
      assert_int_equal (g_chdir (cwd), 0);
    }
  assert_same_file (dirs[0], dirs[1], "trace.txt", name, FALSE);
  assert_same_file (dirs[0], dirs[1], "trace.jsonl", name, TRUE);
  g_free (dirs[0]);
  g_free (dirs[1]);
  test_remove_tree (tmp);
}

static void
test_cli_twins (void **state)
{
  if (sessim_path == NULL)
    skip ();
  for (guint i = 0; i < G_N_ELEMENTS (twins); i++)
    check_cli_twin ("twin", twins[i].every, twins[i].by_hand);
}

/* scenarios/42-sleepy-device.scn uses `every`; this is how it was written
 * before, one line per action. Same traces, and it still passes. */
static const char sleepy_by_hand_timeline[] =
    "at 0s     dev connect\n"
    "at 0s     dev subscribe \"valves/17/cmd\" qos=1\n"
    "at 5s     dev disconnect\n"
    "at 1m     ops connect\n"
    "at 2m     ops publish \"valves/17/cmd\" \"open 5min\" qos=1\n"
    "at 10m    dev connect\n"
    "at 605s   dev disconnect\n"
    "at 12m    ops publish \"valves/17/cmd\" \"close\" qos=1\n"
    "at 15m    ops publish \"valves/17/cmd\" \"report\" qos=1\n"
    "at 16m    ops disconnect\n"
    "at 20m    dev connect\n"
    "at 1205s  dev disconnect\n"
    "at 30m    dev connect\n"
    "at 1805s  dev disconnect\n";

static void
test_cli_sleepy_device (void **state)
{
  if (sessim_path == NULL)
    skip ();
  g_autofree char *path = g_build_filename (SOURCE_ROOT, "scenarios",
                                            "42-sleepy-device.scn", NULL);
  gsize len = 0;
  g_autofree char *every = test_read_file (path, &len);
  if (strstr (every, "\nevery ") == NULL)
    fail_msg ("%s no longer uses every", path);
  /* The twin: the file's non-timeline lines, and the timeline by hand. */
  GString *hand = g_string_new (NULL);
  g_auto (GStrv) lines = g_strsplit (every, "\n", -1);
  gboolean in_block = FALSE;
  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *l = lines[i];
      if (g_str_has_prefix (l, "every "))
        {
          in_block = g_str_has_suffix (l, "{");
          g_string_append (hand, sleepy_by_hand_timeline);
          continue;
        }
      if (in_block)
        {
          in_block = strcmp (g_strstrip (lines[i]), "}") != 0;
          continue;
        }
      if (g_str_has_prefix (l, "at "))
        continue;
      g_string_append_printf (hand, "%s\n", l);
    }
  g_autofree char *by_hand = g_string_free (hand, FALSE);
  check_cli_twin ("42-sleepy-device", every, by_hand);
}

int
main (int argc, char **argv)
{
  /* Absolute: the command-line tests run it from other folders. */
  g_autofree char *sessim = argc > 1 ? g_canonicalize_filename (argv[1], NULL)
                                     : NULL;
  sessim_path = sessim;
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_compound_durations),
    cmocka_unit_test (test_twins_same_run),
    cmocka_unit_test (test_action_lines),
    cmocka_unit_test (test_expansion_bound),
    cmocka_unit_test (test_cli_twins),
    cmocka_unit_test (test_cli_sleepy_device),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
