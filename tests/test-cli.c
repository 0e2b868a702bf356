/* The command line's conventions, given the sessim binary: a bad option is
 * one line and exit 2, every command has --help, messages are ASCII under
 * any locale, numbers are checked (no -1 taken as "not set", seeds are
 * unsigned 64-bit), --out= is refused, --max-steps is incomplete (3) and
 * not judged, '-' reads standard input, I/O errors name the file and the
 * reason, run/check/replay end on a verdict line (the same words for an
 * expected violation everywhere), random mode groups failing seeds by
 * invariant, trails record their scenario's digest (and with --embed the
 * scenario) so replay refuses a changed one, and a real SIGINT or SIGTERM
 * stops a long check at a safe point, reported as interrupted (130 or
 * 143) with no half-written file. The view options of run and replay
 * (--only, --hide, --from, --to, --times, --color) change what is
 * printed and written to trace.txt, never the verdict or trace.jsonl. */
#define _XOPEN_SOURCE 700
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <glib.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sessim-config.h"
#include "test-files.h"

static const char *sessim_path;

/* Runs sessim with args (NULL-terminated) in cwd (NULL: this one) with
 * envp (NULL: this one); returns its exit status. */
static int
spawn (const char *cwd, char **envp, const char *const *args, char **out,
       char **err)
{
  return test_run_in (sessim_path, cwd, envp, args, out, err);
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
  return spawn (NULL, NULL, (const char *const *) args->pdata, out, err);
}

static char *
scenario (const char *name)
{
  return g_build_filename (SOURCE_ROOT, "scenarios", name, NULL);
}

static gboolean
is_ascii (const char *text)
{
  for (const char *p = text; *p != '\0'; p++)
    if ((unsigned char) *p >= 0x80)
      return FALSE;
  return TRUE;
}

/* The last line of text, without its newline. (transfer full) */
static char *
last_line (const char *text)
{
  g_autofree char *copy = g_strdup (text);
  g_strchomp (copy);
  const char *nl = strrchr (copy, '\n');
  return g_strdup (nl != NULL ? nl + 1 : copy);
}

static void
assert_prefix (const char *text, const char *prefix)
{
  if (!g_str_has_prefix (text, prefix))
    fail_msg ("expected '%s...', got:\n%s", prefix, text);
}

static void
assert_contains (const char *text, const char *part)
{
  if (strstr (text, part) == NULL)
    fail_msg ("expected '%s' in:\n%s", part, text);
}

static const char *const commands[] = {
  "check", "example", "examples", "list", "merge", "render", "replay", "run",
  "version",
};

/* ---- options and errors ------------------------------------------------ */

static void
test_bad_option_is_one_line (void **state)
{
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      g_autofree char *out = NULL, *err = NULL;
      assert_int_equal (sessim (&out, &err, commands[i], "--foo", NULL), 2);
      g_autofree char *want = g_strdup_printf (
          "sessim %s: unknown option --foo; see 'sessim %s --help'\n",
          commands[i], commands[i]);
      assert_string_equal (err, want);
      assert_string_equal (out, "");
    }
  g_autofree char *err = NULL;
  assert_int_equal (sessim (NULL, &err, "run", "--seed", NULL), 2);
  assert_string_equal (err, "sessim run: missing argument for --seed; see "
                            "'sessim run --help'\n");
  g_autofree char *err2 = NULL;
  assert_int_equal (sessim (NULL, &err2, "nosuch", NULL), 2);
  assert_string_equal (err2, "sessim: unknown command 'nosuch'; see "
                             "'sessim --help'\n");
  g_autofree char *err3 = NULL;
  assert_int_equal (sessim (NULL, &err3, "list", "nothing", NULL), 2);
  assert_prefix (err3, "sessim list: name what to list");
}

static void
test_help_everywhere (void **state)
{
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    for (guint h = 0; h < 2; h++)
      {
        g_autofree char *out = NULL, *err = NULL;
        assert_int_equal (sessim (&out, &err, commands[i],
                                  h ? "-h" : "--help", NULL), 0);
        g_autofree char *want = g_strdup_printf (
            "Usage:\n  sessim %s [OPTION...]", commands[i]);
        assert_prefix (out, want);
        assert_contains (out, "--help");
        assert_true (is_ascii (out));
        assert_string_equal (err, "");
      }
  g_autofree char *out = NULL;
  assert_int_equal (sessim (&out, NULL, "--help", NULL), 0);
  assert_contains (out, "'sessim COMMAND --help'");
  g_autofree char *list = NULL, *examples = NULL;
  assert_int_equal (sessim (&list, NULL, "list", "examples", NULL), 0);
  assert_int_equal (sessim (&examples, NULL, "examples", NULL), 0);
  assert_true (strlen (list) > 0);
  assert_string_equal (list, examples);
}

/* GLib words its option errors and help with typographic quotes and an
 * ellipsis in a UTF-8 locale; sessim prints ASCII whatever the locale. */
static void
test_ascii_whatever_the_locale (void **state)
{
  static const char *const locales[] = { "C.UTF-8", "en_US.UTF-8", "C" };
  for (guint l = 0; l < G_N_ELEMENTS (locales); l++)
    {
      g_auto (GStrv) env = g_get_environ ();
      env = g_environ_setenv (env, "LC_ALL", locales[l], TRUE);
      env = g_environ_setenv (env, "LANG", locales[l], TRUE);
      static const char *const bad[][4] = {
        { "run", "--foo", NULL }, { "run", "--seed", NULL },
        { "check", "--jobs", "x", NULL }, { "render", "--what", NULL },
      };
      for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
        {
          g_autofree char *err = NULL;
          assert_int_equal (spawn (NULL, env, bad[i], NULL, &err), 2);
          if (!is_ascii (err) || strchr (err, '\n') != err + strlen (err) - 1)
            fail_msg ("%s: not one ASCII line:\n%s", locales[l], err);
        }
      const char *help[] = { "check", "--help", NULL };
      g_autofree char *out = NULL;
      assert_int_equal (spawn (NULL, env, help, &out, NULL), 0);
      assert_true (is_ascii (out));
    }
}

/* Every number is checked: -1 is refused like -2, seeds take the whole
 * unsigned 64-bit range, zero limits are refused. */
static void
test_numbers_are_checked (void **state)
{
  g_autofree char *scn = scenario ("01-hello-qos0.scn");
  static const struct {
    const char *args[4];
    const char *message;
  } bad[] = {
    { { "run", "--seed", "-1" }, "--seed takes a whole number from 0 to "
                                 "18446744073709551615, not '-1'" },
    { { "run", "--seed", "18446744073709551616" }, "--seed takes" },
    { { "run", "--max-steps", "-1" }, "--max-steps takes a whole number "
                                      "from 1" },
    { { "run", "--max-steps", "0" }, "--max-steps takes" },
    { { "check", "--seed", "-1" }, "--seed takes" },
    { { "check", "--jobs", "-1" }, "--jobs takes a whole number from 1 to "
                                   "1024, not '-1'" },
    { { "check", "--max-cuts", "-1" }, "--max-cuts takes" },
    { { "check", "--max-crashes", "-1" }, "--max-crashes takes" },
    { { "check", "--max-states", "-1" }, "--max-states takes" },
    { { "check", "--max-states", "0" }, "--max-states takes a whole number "
                                        "from 1" },
    { { "check", "--max-depth", "-1" }, "--max-depth takes" },
    { { "check", "--max-depth", "0" }, "--max-depth takes a whole number "
                                       "from 1" },
    { { "check", "--max-memory", "-1" }, "--max-memory takes a whole number "
                                         "from 0" },
    { { "check", "--max-cuts", "2x" }, "not '2x'" },
    { { "check", "--random", "--seeds", "-1..3" }, "--seeds takes" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      const char *args[8];
      guint n = 0;
      for (guint k = 0; k < 4 && bad[i].args[k] != NULL; k++)
        args[n++] = bad[i].args[k];
      args[n++] = scn;
      args[n] = NULL;
      g_autofree char *out = NULL, *err = NULL;
      int status = spawn (NULL, NULL, args, &out, &err);
      g_autofree char *tail = g_strdup_printf ("; see 'sessim %s --help'\n",
                                               bad[i].args[0]);
      if (status != 2 || strstr (err, bad[i].message) == NULL
          || !g_str_has_suffix (err, tail))
        fail_msg ("%s %s %s: exit %d, stderr:\n%s", bad[i].args[0],
                  bad[i].args[1], bad[i].args[2], status, err);
    }
  g_autofree char *err = NULL;
  assert_int_equal (sessim (NULL, &err, "example", "nosuch", "--seed", "-1",
                            NULL), 2);

  /* The largest seed runs, and is the run's seed. */
  g_autofree char *tmp = g_dir_make_tmp ("sessim-cli-XXXXXX", NULL);
  assert_int_equal (sessim (NULL, NULL, "run", "-q", "--seed",
                            "18446744073709551615", "--out", tmp, scn, NULL),
                    0);
  g_autofree char *sum = g_build_filename (tmp, "01-hello-qos0",
                                           "summary.json", NULL);
  g_autofree char *text = test_read_file (sum, NULL);
  assert_contains (text, "\"seed\":18446744073709551615,");
  g_autofree char *json = NULL;
  assert_int_equal (sessim (&json, NULL, "check", "--json", "--seed",
                            "9223372036854775808", "--out", tmp, scn, NULL),
                    0);
  assert_contains (json, "\"seed\":9223372036854775808,");
  test_remove_tree (tmp);
}

/* --out= would write into the current folder: refused, nothing written. */
static void
test_empty_out_refused (void **state)
{
  g_autofree char *tmp = g_dir_make_tmp ("sessim-cli-XXXXXX", NULL);
  g_autofree char *scn = scenario ("01-hello-qos0.scn");
  static const char *const cmds[] = { "run", "check", "replay", "render" };
  for (guint i = 0; i < G_N_ELEMENTS (cmds); i++)
    {
      const char *args[] = { cmds[i], "--out=", scn, NULL };
      g_autofree char *err = NULL;
      assert_int_equal (spawn (tmp, NULL, args, NULL, &err), 2);
      assert_contains (err, "--out takes a");
      g_autoptr (GDir) d = g_dir_open (tmp, 0, NULL);
      assert_null (g_dir_read_name (d));
    }
  test_remove_tree (tmp);
}

/* A run stopped by --max-steps is incomplete (3): its expectations, which
 * would fail on the truncated run, are not judged. */
static void
test_max_steps_is_incomplete (void **state)
{
  g_autofree char *tmp = g_dir_make_tmp ("sessim-cli-XXXXXX", NULL);
  g_autofree char *scn = scenario ("03-persistent-session.scn");
  g_autofree char *out = NULL, *err = NULL;
  assert_int_equal (sessim (&out, &err, "run", "-q", "--max-steps", "10",
                            "--out", tmp, scn, NULL), 3);
  assert_contains (err, "stopped after 10 steps");
  assert_null (strstr (err, "expectation failed"));
  g_autofree char *last = last_line (out);
  assert_prefix (last, "# verdict: INCOMPLETE: stopped by --max-steps after "
                       "10 steps, expectations not judged; files in ");
  g_autofree char *sum = g_build_filename (tmp, "03-persistent-session",
                                           "summary.json", NULL);
  g_autofree char *text = test_read_file (sum, NULL);
  assert_contains (text, "\"passed\":false");
  assert_contains (text, "\"complete\":false");
  assert_contains (text, "\"failed\":[]");
  test_remove_tree (tmp);
}

/* '-' reads the scenario from standard input. */
static void
test_stdin_scenario (void **state)
{
  g_autofree char *tmp = g_dir_make_tmp ("sessim-cli-XXXXXX", NULL);
  g_autofree char *scn = scenario ("01-hello-qos0.scn");
  g_autofree char *bad = g_build_filename (tmp, "bad.scn", NULL);
  assert_true (g_file_set_contents (bad, "client a\nat 1s a conect\n", -1,
                                    NULL));
  const char *const cmds[][3] = { { "run", "-q", NULL },
                                  { "check", "-q", NULL } };
  for (guint i = 0; i < G_N_ELEMENTS (cmds); i++)
    {
      const char *argv[] = { "/bin/sh", "-c",
                             "exec \"$0\" \"$1\" \"$2\" --out \"$3\" - < \"$4\"",
                             sessim_path, cmds[i][0], cmds[i][1], tmp, scn,
                             NULL };
      g_autofree char *out = NULL;
      int wait_status;
      assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT,
                                 NULL, NULL, &out, NULL, &wait_status, NULL));
      assert_true (WIFEXITED (wait_status));
      assert_int_equal (WEXITSTATUS (wait_status), 0);
      g_autofree char *last = last_line (out);
      assert_prefix (last, "# verdict: ok: ");
    }
  g_autofree char *sum = g_build_filename (tmp, "stdin", "summary.json", NULL);
  g_autofree char *text = test_read_file (sum, NULL);
  assert_contains (text, "\"scenario\":\"-\"");

  const char *argv[] = { "/bin/sh", "-c", "exec \"$0\" run -q --out \"$1\" - "
                         "< \"$2\"", sessim_path, tmp, bad, NULL };
  g_autofree char *err = NULL;
  int wait_status;
  assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT,
                             NULL, NULL, NULL, &err, &wait_status, NULL));
  assert_int_equal (WEXITSTATUS (wait_status), 2);
  assert_prefix (err, "<stdin>:2:");
  assert_contains (err, ": error: ");
  test_remove_tree (tmp);
}

/* I/O errors name the file and the reason. */
static void
test_io_errors_name_file_and_reason (void **state)
{
  g_autofree char *tmp = g_dir_make_tmp ("sessim-cli-XXXXXX", NULL);
  g_autofree char *scn = scenario ("01-hello-qos0.scn");
  g_autofree char *file = g_build_filename (tmp, "file", NULL);
  assert_true (g_file_set_contents (file, "x", -1, NULL));
  g_autofree char *under = g_build_filename (file, "x", NULL);
  g_autofree char *out = NULL, *err = NULL;
  assert_int_equal (sessim (&out, &err, "run", "-q", "--out", under, scn,
                            NULL), 2);
  g_autofree char *want = g_strdup_printf (
      "sessim: %s/01-hello-qos0: cannot create: Not a directory\n", under);
  assert_string_equal (err, want);

  g_autofree char *missing = g_build_filename (tmp, "missing.scn", NULL);
  static const char *const readers[] = { "run", "check", "replay", "merge" };
  for (guint i = 0; i < G_N_ELEMENTS (readers); i++)
    {
      const char *args[] = { readers[i], "--out", tmp, missing, NULL };
      if (strcmp (readers[i], "merge") == 0)
        args[1] = missing, args[2] = NULL;
      g_autofree char *e = NULL;
      assert_int_equal (spawn (NULL, NULL, args, NULL, &e), 2);
      g_autofree char *w = g_strdup_printf (
          "sessim: %s: cannot read: No such file or directory\n", missing);
      assert_string_equal (e, w);
    }
  test_remove_tree (tmp);
}

/* render takes the image format as --render and the diagrams as
 * --diagrams, as run does; --format means trace files everywhere. */
static void
test_render_options_match_run (void **state)
{
  g_autofree char *tmp = g_dir_make_tmp ("sessim-cli-XXXXXX", NULL);
  g_autofree char *scn = scenario ("01-hello-qos0.scn");
  assert_int_equal (sessim (NULL, NULL, "render", "--render", "dot",
                            "--diagrams", "sequence", "--format", "text",
                            "--out", tmp, scn, NULL), 0);
  g_autofree char *dir = g_build_filename (tmp, "01-hello-qos0", NULL);
  g_autofree char *seq = g_build_filename (dir, "sequence.dot", NULL);
  g_autofree char *jsonl = g_build_filename (dir, "trace.jsonl", NULL);
  g_autofree char *txt = g_build_filename (dir, "trace.txt", NULL);
  assert_true (g_file_test (seq, G_FILE_TEST_EXISTS));
  assert_true (g_file_test (txt, G_FILE_TEST_EXISTS));
  assert_false (g_file_test (jsonl, G_FILE_TEST_EXISTS));
  g_autofree char *err = NULL;
  assert_int_equal (sessim (NULL, &err, "render", "--format", "svg", scn,
                            NULL), 2);
  assert_contains (err, "the image format is --render svg");

  /* check and replay take --diagrams too. */
  g_autofree char *variant = scenario ("variants/qos2-no-dedup.scn");
  g_autofree char *cdir = g_build_filename (tmp, "check", NULL);
  assert_int_equal (sessim (NULL, NULL, "check", "-q", "--render", "dot",
                            "--diagrams", "sequence", "--out", cdir, variant,
                            NULL), 0);
  g_autofree char *cseq = g_build_filename (cdir, "qos2-no-dedup",
                                            "sequence.dot", NULL);
  g_autofree char *clife = g_build_filename (cdir, "qos2-no-dedup",
                                             "lifecycle-sub.dot", NULL);
  assert_true (g_file_test (cseq, G_FILE_TEST_EXISTS));
  assert_false (g_file_test (clife, G_FILE_TEST_EXISTS));
  test_remove_tree (tmp);
}

/* ---- verdicts ---------------------------------------------------------- */

static void
test_verdict_lines (void **state)
{
  g_autofree char *tmp = g_dir_make_tmp ("sessim-cli-XXXXXX", NULL);
  g_autofree char *a = scenario ("01-hello-qos0.scn");
  g_autofree char *b = scenario ("03-persistent-session.scn");
  g_autofree char *out = NULL;
  assert_int_equal (sessim (&out, NULL, "run", "--out", tmp, b, NULL), 0);
  g_autofree char *last = last_line (out);
  g_autofree char *files = g_strdup_printf ("; files in %s/"
                                            "03-persistent-session/", tmp);
  assert_prefix (last, "# verdict: ok: ");
  assert_contains (last, " expectations held");
  assert_true (g_str_has_suffix (last, files));

  g_autofree char *out2 = NULL;
  assert_int_equal (sessim (&out2, NULL, "check", "-q", "--out", tmp, b,
                            NULL), 0);
  g_autofree char *last2 = last_line (out2);
  assert_prefix (last2, "# verdict: ok: no violation within the bounds, "
                        "every path explored (");

  /* Several files: a table that ends on its totals row. */
  g_autofree char *out3 = NULL;
  assert_int_equal (sessim (&out3, NULL, "run", "--out", tmp, a, b, NULL), 0);
  g_autofree char *last3 = last_line (out3);
  assert_prefix (last3, "total: 2 of 2 run, 0 not ok");
  assert_contains (last3, " ok ");

  /* A failing one: FAIL in its row and the totals row, exit 1. */
  g_autofree char *wrong = g_build_filename (tmp, "wrong.scn", NULL);
  g_autofree char *text = test_read_file (a, NULL);
  g_autofree char *bad = g_strconcat (text, "\nexpect sub deliveries=99\n",
                                      NULL);
  assert_true (g_file_set_contents (wrong, bad, -1, NULL));
  g_autofree char *out4 = NULL;
  assert_int_equal (sessim (&out4, NULL, "run", "--out", tmp, a, wrong, NULL),
                    1);
  g_autofree char *last4 = last_line (out4);
  assert_prefix (last4, "total: 2 of 2 run, 1 not ok");
  assert_contains (last4, " FAIL ");
  g_autofree char *out5 = NULL;
  assert_int_equal (sessim (&out5, NULL, "run", "-q", "--out", tmp, wrong,
                            NULL), 1);
  g_autofree char *last5 = last_line (out5);
  assert_prefix (last5, "# verdict: FAIL: ");
  test_remove_tree (tmp);
}

/* A violation the scenario expects, found: exit 0 and the same words in
 * run, check, random mode and replay. */
static void
test_expected_violation_reads_the_same (void **state)
{
  g_autofree char *tmp = g_dir_make_tmp ("sessim-cli-XXXXXX", NULL);
  g_autofree char *scn = scenario ("variants/qos2-no-dedup.scn");
  static const char *const want = "# verdict: ok: the expected violation of "
                                  "qos2-once was found";
  g_autofree char *o1 = NULL, *o2 = NULL, *o3 = NULL, *o4 = NULL;
  assert_int_equal (sessim (&o1, NULL, "run", "-q", "--out", tmp, scn, NULL),
                    0);
  assert_int_equal (sessim (&o2, NULL, "check", "-q", "--out", tmp, scn,
                            NULL), 0);
  assert_int_equal (sessim (&o3, NULL, "check", "-q", "--random", "--seeds",
                            "1..50", "--out", tmp, scn, NULL), 0);
  g_autofree char *trail = g_build_filename (tmp, "qos2-no-dedup",
                                             "counterexample.trail", NULL);
  assert_int_equal (sessim (&o4, NULL, "replay", "-q", "--out", tmp, trail,
                            NULL), 0);
  const char *outs[] = { o1, o2, o3, o4 };
  for (guint i = 0; i < G_N_ELEMENTS (outs); i++)
    {
      g_autofree char *last = last_line (outs[i]);
      assert_prefix (last, want);
    }
  /* Random mode: one entry per invariant, not one per seed. */
  assert_contains (o3, " failing seeds, 1 distinct invariant broken\n");
  const char *p = strstr (o3, "\n#   seed ");
  assert_non_null (p);
  assert_null (strstr (p + 1, "\n#   seed "));
  test_remove_tree (tmp);
}

/* ---- trails that are safe to share ------------------------------------ */

static void
replace_in_file (const char *path, const char *from, const char *to)
{
  g_autofree char *text = test_read_file (path, NULL);
  const char *at = strstr (text, from);
  assert_non_null (at);
  g_autofree char *head = g_strndup (text, at - text);
  g_autofree char *edited = g_strconcat (head, to, at + strlen (from), NULL);
  assert_true (g_file_set_contents (path, edited, -1, NULL));
}

/* A trail records its scenario's digest and says what each choice was;
 * replay refuses a changed scenario unless --force; with --embed the trail
 * carries the scenario and replays without the file, byte for byte, and
 * an edited copy is refused. */
static void
test_trail_digest_and_embed (void **state)
{
  g_autofree char *tmp = g_dir_make_tmp ("sessim-cli-XXXXXX", NULL);
  g_autofree char *src = scenario ("variants/qos2-no-dedup.scn");
  g_autofree char *orig = test_read_file (src, NULL);
  g_autofree char *scn = g_build_filename (tmp, "q.scn", NULL);
  assert_true (g_file_set_contents (scn, orig, -1, NULL));
  g_autofree char *one = g_build_filename (tmp, "one", NULL);
  g_autofree char *two = g_build_filename (tmp, "two", NULL);
  assert_int_equal (sessim (NULL, NULL, "check", "-q", "--out", one, scn,
                            NULL), 0);
  g_autofree char *trail = g_build_filename (one, "q", "counterexample.trail",
                                             NULL);
  g_autofree char *text = test_read_file (trail, NULL);
  assert_contains (text, "\ndigest \"sha256:");
  assert_null (strstr (text, "\nembed "));
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  guint choices = 0;
  for (guint i = 0; lines[i] != NULL; i++)
    if (g_str_has_prefix (lines[i], "event ")
        || g_str_has_prefix (lines[i], "fault "))
      {
        choices++;
        if (strstr (lines[i], "  # ") == NULL)
          fail_msg ("a choice without its comment: %s", lines[i]);
      }
  assert_true (choices > 5);
  assert_contains (text, "s script: sub connect: ");

  g_autofree char *err = NULL;
  assert_int_equal (sessim (NULL, &err, "replay", "-q", "--out", two, trail,
                            NULL), 0);
  assert_string_equal (err, "");

  /* The scenario changes: refused, or replayed with a warning. */
  g_autofree char *changed = g_strconcat (orig, "# one more line\n", NULL);
  assert_true (g_file_set_contents (scn, changed, -1, NULL));
  g_autofree char *err2 = NULL;
  assert_int_equal (sessim (NULL, &err2, "replay", "-q", "--out", two, trail,
                            NULL), 2);
  assert_contains (err2, "q.scn changed since the trail was written");
  assert_contains (err2, "--force");
  g_autofree char *err3 = NULL;
  assert_int_equal (sessim (NULL, &err3, "replay", "-q", "--force", "--out",
                            two, trail, NULL), 0);
  assert_prefix (err3, "sessim: warning: ");

  /* --embed: the trail stands alone. */
  assert_true (g_file_set_contents (scn, orig, -1, NULL));
  assert_int_equal (sessim (NULL, NULL, "check", "-q", "--embed", "--out",
                            one, scn, NULL), 0);
  g_autofree char *etext = test_read_file (trail, NULL);
  assert_contains (etext, "\nembed \"");
  assert_int_equal (g_unlink (scn), 0);
  g_autofree char *err4 = NULL;
  assert_int_equal (sessim (NULL, &err4, "replay", "-q", "--out", two, trail,
                            NULL), 0);
  assert_contains (err4, "replaying the copy embedded in the trail");
  g_autofree char *t1 = g_build_filename (one, "q", "trace.txt", NULL);
  g_autofree char *t2 = g_build_filename (two, "q", "trace.txt", NULL);
  g_autofree char *c1 = test_read_file (t1, NULL);
  g_autofree char *c2 = test_read_file (t2, NULL);
  assert_string_equal (c1, c2);

  /* An edited copy no longer matches the digest. */
  replace_in_file (trail, "\nembed \"mqtt 5\"", "\nembed \"mqtt 3.1.1\"");
  g_autofree char *err5 = NULL;
  assert_int_equal (sessim (NULL, &err5, "replay", "-q", "--out", two, trail,
                            NULL), 2);
  assert_contains (err5, "does not match its digest");
  test_remove_tree (tmp);
}

/* ---- interrupts -------------------------------------------------------- */

/* A checker ladder rung (see bench/bench-check.c): big enough that a
 * search of it with four cuts takes several seconds. */
static const char ladder[] =
    "mqtt 5\n"
    "client sub id=sub clean-start=0 session-expiry=1s reconnect=990ms "
    "latency=10ms\n"
    "client pub id=pub clean-start=0 session-expiry=1h reconnect=990ms "
    "latency=10ms\n"
    "at 0s sub connect\n"
    "at 0s sub subscribe \"plant/temp\" qos=2\n"
    "at 0s pub connect\n"
    "invariant coherence off\n"
    "at 1s pub publish \"plant/temp\" \"m1\" qos=1\n"
    "at 1s pub publish \"plant/temp\" \"m2\" qos=2\n"
    "at 1s pub publish \"plant/temp\" \"m3\" qos=1\n";

/* Reads all of fd. (transfer full) */
static char *
read_all (int fd)
{
  GString *s = g_string_new (NULL);
  char buf[4096];
  ssize_t n;
  while ((n = read (fd, buf, sizeof buf)) > 0)
    g_string_append_len (s, buf, n);
  close (fd);
  return g_string_free (s, FALSE);
}

/* Starts sessim with args, waits for its first progress line on stderr
 * (or, when it prints none, for a second and a half), sends sig, and
 * returns its exit status with its output. */
static int
interrupt_after_progress (const char *const *args, int sig, char **out,
                          gboolean progress)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_ptr_array_add (argv, (gpointer) sessim_path);
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);
  GPid pid;
  int out_fd, err_fd;
  g_autoptr (GError) error = NULL;
  if (!g_spawn_async_with_pipes (NULL, (char **) argv->pdata, NULL,
                                 G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL, &pid,
                                 NULL, &out_fd, &err_fd, &error))
    fail_msg ("cannot start sessim: %s", error->message);
  /* Progress shows after the first second of searching. */
  GString *err = g_string_new (NULL);
  char buf[512];
  ssize_t n;
  while (progress && strstr (err->str, "/s") == NULL
         && (n = read (err_fd, buf, sizeof buf)) > 0)
    g_string_append_len (err, buf, n);
  if (!progress)
    g_usleep (1500 * 1000);
  else if (strstr (err->str, "/s") == NULL)
    {
      g_autofree char *o = read_all (out_fd);
      int ws = 0;
      waitpid (pid, &ws, 0);
      fail_msg ("no progress before the end (wait status %d):\n%s%s", ws,
                err->str, o);
    }
  assert_int_equal (kill (pid, sig), 0);
  *out = read_all (out_fd);
  g_autofree char *rest = read_all (err_fd);
  g_string_free (err, TRUE);
  int wait_status = 0;
  assert_int_equal (waitpid (pid, &wait_status, 0), pid);
  g_spawn_close_pid (pid);
  if (!WIFEXITED (wait_status))
    fail_msg ("sessim died of signal %d instead of stopping",
              WIFSIGNALED (wait_status) ? WTERMSIG (wait_status) : 0);
  return WEXITSTATUS (wait_status);
}

/* Nothing but whole files: no temporary (hidden) file is left behind. */
static void
assert_whole_files (const char *dir)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  if (d == NULL)
    return;
  const char *name;
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      if (name[0] == '.')
        fail_msg ("%s: a temporary file was left", path);
      if (g_file_test (path, G_FILE_TEST_IS_DIR))
        assert_whole_files (path);
    }
}

static void
test_sigint_stops_check (void **state)
{
  g_autofree char *tmp = g_dir_make_tmp ("sessim-cli-XXXXXX", NULL);
  g_autofree char *scn = g_build_filename (tmp, "ladder.scn", NULL);
  assert_true (g_file_set_contents (scn, ladder, -1, NULL));
  g_autofree char *outdir = g_build_filename (tmp, "out", NULL);
  const char *args[] = { "check", "--max-cuts", "4", "--max-states",
                         "100000000", "--out", outdir, scn, NULL };
  g_autofree char *out = NULL;
  assert_int_equal (interrupt_after_progress (args, SIGINT, &out, TRUE), 130);
  assert_contains (out, ": interrupted: incomplete, no violation so far\n");
  g_autofree char *last = last_line (out);
  assert_prefix (last, "# verdict: INTERRUPTED: no violation in the ");
  assert_contains (last, "states explored so far; interrupted, not complete");
  assert_null (strstr (out, "every path explored"));
  assert_whole_files (outdir);

  /* SIGTERM: 143; --json (which prints no progress) says so too. */
  const char *json_args[] = { "check", "--json", "--max-cuts", "4",
                              "--max-states", "100000000", "--out", outdir,
                              scn, NULL };
  g_autofree char *json = NULL;
  assert_int_equal (interrupt_after_progress (json_args, SIGTERM, &json,
                                              FALSE), 143);
  assert_contains (json, "\"verdict\":\"INTERRUPTED\"");
  assert_contains (json, "\"complete\":false");
  assert_contains (json, "\"interrupted\":true");
  test_remove_tree (tmp);
}

/* A second signal ends the process at once. Made deterministic by
 * stopping the process and queueing both before it runs again: whichever
 * is taken first is noted, the other ends the process by its signal. */
static void
test_second_signal_kills (void **state)
{
  g_autofree char *tmp = g_dir_make_tmp ("sessim-cli-XXXXXX", NULL);
  g_autofree char *scn = g_build_filename (tmp, "ladder.scn", NULL);
  assert_true (g_file_set_contents (scn, ladder, -1, NULL));
  g_autofree char *outdir = g_build_filename (tmp, "out", NULL);
  const char *argv[] = { sessim_path, "check", "--max-cuts", "4",
                         "--max-states", "100000000", "--out", outdir, scn,
                         NULL };
  GPid pid;
  int out_fd, err_fd;
  g_autoptr (GError) error = NULL;
  assert_true (g_spawn_async_with_pipes (NULL, (char **) argv, NULL,
                                         G_SPAWN_DO_NOT_REAP_CHILD, NULL,
                                         NULL, &pid, NULL, &out_fd, &err_fd,
                                         &error));
  GString *err = g_string_new (NULL);
  char buf[512];
  ssize_t n;
  while (strstr (err->str, "/s") == NULL
         && (n = read (err_fd, buf, sizeof buf)) > 0)
    g_string_append_len (err, buf, n);
  assert_non_null (strstr (err->str, "/s"));
  g_string_free (err, TRUE);
  int wait_status = 0;
  assert_int_equal (kill (pid, SIGSTOP), 0);
  assert_int_equal (waitpid (pid, &wait_status, WUNTRACED), pid);
  assert_true (WIFSTOPPED (wait_status));
  assert_int_equal (kill (pid, SIGINT), 0);
  assert_int_equal (kill (pid, SIGTERM), 0);
  assert_int_equal (kill (pid, SIGCONT), 0);
  g_autofree char *out = read_all (out_fd);
  g_autofree char *rest = read_all (err_fd);
  assert_int_equal (waitpid (pid, &wait_status, 0), pid);
  g_spawn_close_pid (pid);
  if (!WIFSIGNALED (wait_status)
      || (WTERMSIG (wait_status) != SIGTERM
          && WTERMSIG (wait_status) != SIGINT))
    fail_msg ("wanted death by the second signal, got wait status %d; "
              "stdout:\n%s", wait_status, out);
  assert_whole_files (outdir);
  test_remove_tree (tmp);
}

static void
test_sigterm_stops_random_mode (void **state)
{
  g_autofree char *tmp = g_dir_make_tmp ("sessim-cli-XXXXXX", NULL);
  g_autofree char *scn = g_build_filename (tmp, "ladder.scn", NULL);
  assert_true (g_file_set_contents (scn, ladder, -1, NULL));
  g_autofree char *outdir = g_build_filename (tmp, "out", NULL);
  const char *args[] = { "check", "--random", "--max-cuts", "4", "--seeds",
                         "1..1000000000", "--max-failures", "0", "--out",
                         outdir, scn, NULL };
  g_autofree char *out = NULL;
  assert_int_equal (interrupt_after_progress (args, SIGTERM, &out, TRUE), 143);
  assert_contains (out, "(interrupted)");
  g_autofree char *last = last_line (out);
  assert_prefix (last, "# verdict: INTERRUPTED: no violation in ");
  assert_contains (last, "seeds walked, interrupted before the last seed");
  assert_whole_files (outdir);
  test_remove_tree (tmp);
}

/* ---- reading long runs ------------------------------------------------- */

/* The lines of a trace.txt or a timeline after its '#' comment lines that
 * lead, up to a line that starts with '#' again. (transfer full) */
static GPtrArray *
step_lines (const char *text)
{
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  guint i = 0;
  while (lines[i] != NULL && lines[i][0] == '#')
    i++;
  for (; lines[i] != NULL && lines[i][0] != '\0' && lines[i][0] != '#'; i++)
    g_ptr_array_add (out, g_strdup (lines[i]));
  return out;
}

/* Each filtered line "[N] REST" is line N of the full trace (the same
 * step, the same words; with readable, all but the time). Returns how
 * many lines were checked. */
static guint
assert_numbered_as_full (GPtrArray *filtered, GPtrArray *full,
                         gboolean readable)
{
  for (guint i = 0; i < filtered->len; i++)
    {
      const char *line = g_ptr_array_index (filtered, i);
      assert_int_equal (line[0], '[');
      char *end = NULL;
      guint64 n = g_ascii_strtoull (line + 1, &end, 10);
      assert_true (n >= 1 && n <= full->len);
      assert_true (g_str_has_prefix (end, "] "));
      const char *rest = end + 2;
      const char *want = g_ptr_array_index (full, n - 1);
      if (readable)
        {
          /* Past the time, the same. */
          rest = strchr (rest, ' ');
          want = strchr (want, ' ');
          assert_non_null (rest);
          assert_non_null (want);
        }
      assert_string_equal (rest, want);
    }
  return filtered->len;
}

/* --only, --hide, --from and --to choose the lines of the timeline and of
 * trace.txt, numbered as in the full trace; what is judged and
 * trace.jsonl do not change. */
static void
test_view_filters_run (void **state)
{
  g_autofree char *tmp = g_dir_make_tmp ("sessim-cli-XXXXXX", NULL);
  g_autofree char *full_dir = g_build_filename (tmp, "full", NULL);
  g_autofree char *part_dir = g_build_filename (tmp, "part", NULL);
  g_autofree char *scn = scenario ("42-sleepy-device.scn");
  g_autofree char *o_full = NULL, *o_part = NULL;
  assert_int_equal (sessim (&o_full, NULL, "run", "--out", full_dir, scn,
                            NULL), 0);
  assert_int_equal (sessim (&o_part, NULL, "run", "--out", part_dir,
                            "--only", "dev", "--hide", "ping,note",
                            "--from", "10m1s", "--to", "30m2s", scn, NULL),
                    0);
  g_autofree char *v_full = last_line (o_full);
  g_autofree char *v_part = last_line (o_part);
  /* The same verdict, but for the folder. */
  assert_int_equal (strstr (v_full, "; files in ") - v_full,
                    strstr (v_part, "; files in ") - v_part);
  assert_int_equal (strncmp (v_full, v_part,
                             strstr (v_full, "; files in ") - v_full), 0);
  assert_contains (o_part, "\n# shown: ");
  assert_contains (o_part, " steps (--only dev --hide ping,note --from "
                           "10m1s --to 30m2s); [N] is the step's number in "
                           "the full trace\n");

  g_autofree char *tf = g_build_filename (full_dir, "42-sleepy-device",
                                          "trace.txt", NULL);
  g_autofree char *tp = g_build_filename (part_dir, "42-sleepy-device",
                                          "trace.txt", NULL);
  g_autofree char *full_text = test_read_file (tf, NULL);
  g_autofree char *part_text = test_read_file (tp, NULL);
  g_autoptr (GPtrArray) full = step_lines (full_text);
  g_autoptr (GPtrArray) part = step_lines (part_text);
  g_autoptr (GPtrArray) printed = step_lines (o_part);
  /* trace.txt holds what was printed. */
  assert_int_equal (part->len, printed->len);
  for (guint i = 0; i < part->len; i++)
    assert_string_equal (g_ptr_array_index (part, i),
                         g_ptr_array_index (printed, i));
  assert_true (assert_numbered_as_full (part, full, FALSE) > 4);
  assert_true (part->len < full->len);
  for (guint i = 0; i < part->len; i++)
    {
      const char *line = g_ptr_array_index (part, i);
      const char *t = strchr (line, ' ') + 1;
      double secs = g_ascii_strtod (t, NULL);
      assert_true (secs >= 601.0 && secs <= 1802.0);
      assert_non_null (strstr (line, " dev "));
      assert_null (strstr (line, "PINGREQ"));
      assert_null (strstr (line, "PINGRESP"));
      assert_null (strstr (line, " note "));
    }
  /* Every dev step in the window that is not hidden is there. */
  guint want = 0;
  for (guint i = 0; i < full->len; i++)
    {
      const char *line = g_ptr_array_index (full, i);
      double secs = g_ascii_strtod (line, NULL);
      want += secs >= 601.0 && secs <= 1802.0
              && strstr (line, " dev ") == strchr (line, ' ')
              && strstr (line, "PINGREQ") == NULL
              && strstr (line, "PINGRESP") == NULL
              && strstr (line, " note ") == NULL;
    }
  assert_int_equal (part->len, want);
  /* The JSON Lines trace and the summary stay whole. */
  g_autofree char *jf = g_build_filename (full_dir, "42-sleepy-device",
                                          "trace.jsonl", NULL);
  g_autofree char *jp = g_build_filename (part_dir, "42-sleepy-device",
                                          "trace.jsonl", NULL);
  g_autofree char *sf = g_build_filename (full_dir, "42-sleepy-device",
                                          "summary.json", NULL);
  g_autofree char *sp = g_build_filename (part_dir, "42-sleepy-device",
                                          "summary.json", NULL);
  g_autofree char *jf_text = test_read_file (jf, NULL);
  g_autofree char *jp_text = test_read_file (jp, NULL);
  g_autofree char *sf_text = test_read_file (sf, NULL);
  g_autofree char *sp_text = test_read_file (sp, NULL);
  assert_string_equal (jf_text, jp_text);
  assert_string_equal (sf_text, sp_text);

  /* With no filter the default output is what it always was: no numbers,
   * no note, times in seconds. */
  assert_null (strstr (o_full, "# shown:"));
  assert_int_equal (((char *) g_ptr_array_index (full, 0))[0], '0');
  test_remove_tree (tmp);
}

/* Bad values of the view options: one line, exit 2, in run and replay. */
static void
test_view_bad_values (void **state)
{
  g_autofree char *tmp = g_dir_make_tmp ("sessim-cli-XXXXXX", NULL);
  g_autofree char *scn = scenario ("42-sleepy-device.scn");
  static const char *const bad[][2] = {
    { "--hide", "pnig" },     { "--hide", "ping,foo" }, { "--hide", "" },
    { "--from", "5" },        { "--from", "-1s" },      { "--to", "1x" },
    { "--only", "nobody" },   { "--only", "dev," },     { "--only", "" },
    { "--times", "hms" },
    { "--color", "yes" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autofree char *out = NULL, *err = NULL;
      assert_int_equal (sessim (&out, &err, "run", "--out", tmp, bad[i][0],
                                bad[i][1], scn, NULL), 2);
      assert_prefix (err, "sessim run: ");
      assert_contains (err, bad[i][0]);
      assert_contains (err, "; see 'sessim run --help'\n");
      /* One line. */
      assert_int_equal (strchr (err, '\n')[1], '\0');
      assert_string_equal (out, "");
    }
  g_autofree char *out = NULL, *err = NULL;
  assert_int_equal (sessim (&out, &err, "run", "--out", tmp, "--from", "20m",
                            "--to", "10m", scn, NULL), 2);
  assert_contains (err, "--from 20m is after --to 10m");
  g_autofree char *err2 = NULL;
  assert_int_equal (sessim (NULL, &err2, "run", "--out", tmp, "--only",
                            "dev,nobody", scn, NULL), 2);
  assert_contains (err2, "has no client 'nobody' (its clients: dev, ops)");
  g_autofree char *err3 = NULL;
  assert_int_equal (sessim (NULL, &err3, "run", "--out", tmp, "--hide",
                            "pnig", scn, NULL), 2);
  assert_contains (err3, "(did you mean 'ping'?)");
  /* Nothing was written for a refused run. */
  g_autofree char *dir = g_build_filename (tmp, "42-sleepy-device", NULL);
  assert_false (g_file_test (dir, G_FILE_TEST_EXISTS));
  g_autofree char *err4 = NULL;
  assert_int_equal (sessim (NULL, &err4, "replay", "--times", "raw",
                            "x.trail", NULL), 2);
  assert_prefix (err4, "sessim replay: --times takes seconds or readable");
  test_remove_tree (tmp);
}

/* The view applies to the diagrams too, the same in run, render and
 * replay: --only drops the other clients' lifelines and lifecycles,
 * --hide their packets. replay also names the build its trail came from. */
static void
test_view_diagrams (void **state)
{
  g_autofree char *tmp = g_dir_make_tmp ("sessim-cli-XXXXXX", NULL);
  g_autofree char *scn = scenario ("variants/qos2-no-dedup.scn");
  assert_int_equal (sessim (NULL, NULL, "check", "-q", "--out", tmp, scn,
                            NULL), 0);
  g_autofree char *trail = g_build_filename (tmp, "qos2-no-dedup",
                                             "counterexample.trail", NULL);
  const char *const how[][3] = { { "run", "r", NULL }, { "render", "d", NULL },
                                 { "replay", "p", NULL } };
  for (guint i = 0; i < G_N_ELEMENTS (how); i++)
    {
      g_autofree char *dir = g_build_filename (tmp, how[i][1], NULL);
      g_autofree char *out = NULL;
      gboolean replay = strcmp (how[i][0], "replay") == 0;
      int rc = sessim (&out, NULL, how[i][0], "--out", dir, "--render", "dot",
                       "--only", "sub", "--hide", "puback,ping",
                       replay ? trail : scn, NULL);
      assert_true (rc == 0 || rc == 1);
      g_autofree char *seq = g_build_filename (dir, "qos2-no-dedup",
                                               "sequence.dot", NULL);
      g_autofree char *dot = test_read_file (seq, NULL);
      /* sub's lifeline (head0) and the broker's (head2), not pub's. */
      assert_contains (dot, "\thead0\t[");
      assert_contains (dot, "\thead2\t[");
      assert_null (strstr (dot, "head1"));
      assert_null (strstr (dot, "PUBACK"));
      assert_contains (dot, "PUBREC");
      g_autofree char *sub = g_build_filename (dir, "qos2-no-dedup",
                                               "lifecycle-sub.dot", NULL);
      g_autofree char *pub = g_build_filename (dir, "qos2-no-dedup",
                                               "lifecycle-pub.dot", NULL);
      assert_true (g_file_test (sub, G_FILE_TEST_EXISTS));
      assert_false (g_file_test (pub, G_FILE_TEST_EXISTS));
      if (replay)
        assert_contains (out, "# trail written by sessim " SESSIM_VERSION
                              ", build ");
    }
  test_remove_tree (tmp);
}

/* replay takes the same view: filtered trace.txt and timeline, numbered
 * as in the full replay, readable times, trace.jsonl whole. */
static void
test_view_replay (void **state)
{
  g_autofree char *tmp = g_dir_make_tmp ("sessim-cli-XXXXXX", NULL);
  g_autofree char *scn = scenario ("variants/qos2-no-dedup.scn");
  assert_int_equal (sessim (NULL, NULL, "check", "-q", "--out", tmp, scn,
                            NULL), 0);
  g_autofree char *trail = g_build_filename (tmp, "qos2-no-dedup",
                                             "counterexample.trail", NULL);
  g_autofree char *a = g_build_filename (tmp, "a", NULL);
  g_autofree char *b = g_build_filename (tmp, "b", NULL);
  g_autofree char *o_full = NULL, *o_part = NULL;
  assert_int_equal (sessim (&o_full, NULL, "replay", "--out", a, trail,
                            NULL), 0);
  assert_int_equal (sessim (&o_part, NULL, "replay", "--out", b, "--only",
                            "sub", "--hide", "ping,puback,pubrec,pubrel,"
                            "pubcomp", "--times", "readable", trail, NULL),
                    0);
  g_autofree char *tf = g_build_filename (a, "qos2-no-dedup", "trace.txt",
                                          NULL);
  g_autofree char *tp = g_build_filename (b, "qos2-no-dedup", "trace.txt",
                                          NULL);
  g_autofree char *full_text = test_read_file (tf, NULL);
  g_autofree char *part_text = test_read_file (tp, NULL);
  g_autoptr (GPtrArray) full = step_lines (full_text);
  g_autoptr (GPtrArray) part = step_lines (part_text);
  assert_true (assert_numbered_as_full (part, full, TRUE) > 4);
  for (guint i = 0; i < part->len; i++)
    {
      const char *line = g_ptr_array_index (part, i);
      assert_non_null (strstr (line, " sub "));
      assert_null (strstr (line, " PUBACK"));
      assert_null (strstr (line, " PUBREL"));
    }
  /* The step the violation names is among those shown. */
  assert_contains (o_part, "] 3.310s sub deliver PUBLISH id=2 q2 ");
  assert_contains (o_part, "(step 53 of the trace)");
  assert_contains (o_part, "\n[53] 3.310s sub deliver ");
  g_autofree char *jf = g_build_filename (a, "qos2-no-dedup", "trace.jsonl",
                                          NULL);
  g_autofree char *jp = g_build_filename (b, "qos2-no-dedup", "trace.jsonl",
                                          NULL);
  g_autofree char *jf_text = test_read_file (jf, NULL);
  g_autofree char *jp_text = test_read_file (jp, NULL);
  assert_string_equal (jf_text, jp_text);
  g_autofree char *v_full = last_line (o_full);
  g_autofree char *v_part = last_line (o_part);
  assert_prefix (v_full, "# verdict: ok: the expected violation of qos2-once "
                         "was found");
  assert_prefix (v_part, "# verdict: ok: the expected violation of qos2-once "
                         "was found");
  test_remove_tree (tmp);
}

/* --times readable: hours and minutes from 60 s on, the same steps; the
 * default and --times seconds print as before. */
static void
test_readable_times (void **state)
{
  g_autofree char *tmp = g_dir_make_tmp ("sessim-cli-XXXXXX", NULL);
  g_autofree char *scn = scenario ("42-sleepy-device.scn");
  g_autofree char *o_def = NULL, *o_sec = NULL, *o_read = NULL;
  assert_int_equal (sessim (&o_def, NULL, "run", "--out", tmp, scn, NULL), 0);
  assert_int_equal (sessim (&o_sec, NULL, "run", "--out", tmp, "--times",
                            "seconds", scn, NULL), 0);
  assert_string_equal (o_def, o_sec);
  assert_int_equal (sessim (&o_read, NULL, "run", "--out", tmp, "--times",
                            "readable", scn, NULL), 0);
  g_autoptr (GPtrArray) def = step_lines (o_def);
  g_autoptr (GPtrArray) read = step_lines (o_read);
  assert_int_equal (def->len, read->len);
  gboolean minutes = FALSE;
  for (guint i = 0; i < def->len; i++)
    {
      const char *d = g_ptr_array_index (def, i);
      const char *r = g_ptr_array_index (read, i);
      assert_string_equal (strchr (d, ' '), strchr (r, ' '));
      /* The same instant: whole seconds, minutes and hours add up. */
      double secs = g_ascii_strtod (d, NULL);
      g_autofree char *when = g_strndup (r, strchr (r, ' ') - r);
      double h = 0, m = 0;
      const char *p = when;
      if (strchr (p, 'h') != NULL)
        {
          h = g_ascii_strtod (p, NULL);
          p = strchr (p, 'h') + 1;
        }
      if (strchr (p, 'm') != NULL)
        {
          m = g_ascii_strtod (p, NULL);
          p = strchr (p, 'm') + 1;
          minutes = TRUE;
        }
      else
        assert_true (secs < 60.0);
      double s = g_ascii_strtod (p, NULL);
      assert_true (s < 60.0);
      assert_true (ABS (h * 3600 + m * 60 + s - secs) < 1e-6);
    }
  assert_true (minutes);
  assert_contains (o_read, "\n30m00.010s dev receive [broker] CONNECT ");
  assert_contains (o_read, "\n0.010s dev receive [broker] CONNECT ");
  test_remove_tree (tmp);
}

/* Colour: with --color=always the step where an invariant broke, the
 * expected violation and failed expectations are red, faults yellow, the
 * verdict word green or red; never with --color=never, nor by default
 * when the output is not a terminal; files never. */
static void
test_colour (void **state)
{
  g_autofree char *tmp = g_dir_make_tmp ("sessim-cli-XXXXXX", NULL);
  g_autofree char *scn = scenario ("variants/qos2-no-dedup.scn");
  g_autofree char *o_always = NULL, *o_never = NULL, *o_auto = NULL;
  assert_int_equal (sessim (&o_always, NULL, "run", "--out", tmp,
                            "--color=always", scn, NULL), 0);
  assert_contains (o_always, "\n\033[31m3.310000s sub deliver PUBLISH id=2 "
                             "q2 ");
  assert_contains (o_always, "\n\033[33m1.150000s pub fault cut\033[0m\n");
  assert_contains (o_always, "\n\033[31m# expected: invariant qos2-once "
                             "broken at 3.310000s");
  assert_contains (o_always, "\n# verdict: \033[32mok\033[0m: ");
  /* Only those: every other line is plain. */
  g_auto (GStrv) lines = g_strsplit (o_always, "\n", -1);
  guint painted = 0;
  for (guint i = 0; lines[i] != NULL; i++)
    painted += strchr (lines[i], '\033') != NULL;
  assert_int_equal (painted, 5);
  assert_int_equal (sessim (&o_never, NULL, "run", "--out", tmp,
                            "--color=never", scn, NULL), 0);
  assert_int_equal (sessim (&o_auto, NULL, "run", "--out", tmp, scn, NULL),
                    0);
  assert_null (strchr (o_never, '\033'));
  assert_null (strchr (o_auto, '\033'));
  g_autofree char *t = g_build_filename (tmp, "qos2-no-dedup", "trace.txt",
                                         NULL);
  assert_int_equal (sessim (NULL, NULL, "run", "-q", "--out", tmp,
                            "--color=always", scn, NULL), 0);
  g_autofree char *text = test_read_file (t, NULL);
  assert_null (strchr (text, '\033'));

  /* A failed expectation: red on standard error, FAIL red. */
  g_autofree char *wrong = g_build_filename (tmp, "wrong.scn", NULL);
  g_autofree char *hello = scenario ("01-hello-qos0.scn");
  g_autofree char *src = test_read_file (hello, NULL);
  g_autofree char *bad = g_strconcat (src, "\nexpect sub deliveries=99\n",
                                      NULL);
  assert_true (g_file_set_contents (wrong, bad, -1, NULL));
  g_autofree char *o_fail = NULL, *e_fail = NULL;
  assert_int_equal (sessim (&o_fail, &e_fail, "run", "-q", "--out", tmp,
                            "--color=always", wrong, NULL), 1);
  assert_contains (o_fail, "# verdict: \033[31mFAIL\033[0m: ");
  assert_contains (e_fail, "\033[31m");
  assert_contains (e_fail, "expectation failed: ");

  /* replay colours the same way. */
  assert_int_equal (sessim (NULL, NULL, "check", "-q", "--out", tmp, scn,
                            NULL), 0);
  g_autofree char *trail = g_build_filename (tmp, "qos2-no-dedup",
                                             "counterexample.trail", NULL);
  g_autofree char *o_replay = NULL;
  assert_int_equal (sessim (&o_replay, NULL, "replay", "--color=always",
                            "--out", tmp, trail, NULL), 0);
  assert_contains (o_replay, "\n\033[31m# expected: invariant qos2-once ");
  assert_contains (o_replay, "\n# verdict: \033[32mok\033[0m: ");
  test_remove_tree (tmp);
}

/* Runs sessim with standard output on a pseudo-terminal, with NO_COLOR
 * set to no_color (NULL: unset); returns what it printed, or NULL when
 * this system has no pseudo-terminals. */
/* A pseudo-terminal pair; FALSE where the system has none to give (no
 * /dev/ptmx, or a chroot without /dev/pts). */
static gboolean
open_pty (int *master, int *slave)
{
  *master = posix_openpt (O_RDWR | O_NOCTTY);
  if (*master < 0)
    return FALSE;
  const char *name = NULL;
  if (grantpt (*master) != 0 || unlockpt (*master) != 0
      || (name = ptsname (*master)) == NULL
      || (*slave = open (name, O_RDWR | O_NOCTTY)) < 0)
    {
      close (*master);
      return FALSE;
    }
  return TRUE;
}

static char *
on_terminal (const char *no_color, const char *const *args)
{
  int master, slave;
  if (!open_pty (&master, &slave))
    return NULL;
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_ptr_array_add (argv, (gpointer) sessim_path);
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);
  g_auto (GStrv) env = g_get_environ ();
  env = no_color != NULL ? g_environ_setenv (env, "NO_COLOR", no_color, TRUE)
                         : g_environ_unsetenv (env, "NO_COLOR");
  env = g_environ_setenv (env, "TERM", "xterm", TRUE);
  GPid pid;
  g_autoptr (GError) error = NULL;
  if (!g_spawn_async_with_fds (NULL, (char **) argv->pdata, env,
                               G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL, &pid,
                               -1, slave, -1, &error))
    fail_msg ("cannot run %s: %s", sessim_path, error->message);
  close (slave);
  GString *out = g_string_new (NULL);
  char buf[4096];
  ssize_t n;
  /* EIO once the child closed the terminal's last writer. */
  while ((n = read (master, buf, sizeof buf)) > 0)
    g_string_append_len (out, buf, n);
  int wait_status = 0;
  assert_int_equal (waitpid (pid, &wait_status, 0), pid);
  g_spawn_close_pid (pid);
  close (master);
  assert_true (WIFEXITED (wait_status));
  assert_int_equal (WEXITSTATUS (wait_status), 0);
  return g_string_free (out, FALSE);
}

/* --color=auto: on a terminal, colour; NO_COLOR (not empty) turns it off,
 * --color=always turns it back on. */
static void
test_colour_on_a_terminal (void **state)
{
  g_autofree char *tmp = g_dir_make_tmp ("sessim-cli-XXXXXX", NULL);
  g_autofree char *scn = scenario ("variants/qos2-no-dedup.scn");
  const char *const plain[] = { "run", "-q", "--out", tmp, scn, NULL };
  const char *const always[] = { "run", "-q", "--color=always", "--out",
                                 tmp, scn, NULL };
  g_autofree char *tty = on_terminal (NULL, plain);
  if (tty == NULL)
    {
      /* A container without pseudo-terminals: nothing to run on. */
      test_remove_tree (tmp);
      skip ();
    }
  g_autofree char *empty = on_terminal ("", plain);
  g_autofree char *no = on_terminal ("1", plain);
  g_autofree char *forced = on_terminal ("1", always);
  assert_contains (tty, "# verdict: \033[32mok\033[0m: ");
  assert_contains (empty, "# verdict: \033[32mok\033[0m: ");
  assert_null (strchr (no, '\033'));
  assert_contains (no, "# verdict: ok: ");
  assert_contains (forced, "# verdict: \033[32mok\033[0m: ");
  test_remove_tree (tmp);
}

/* Starts a long check with standard error on a pseudo-terminal (tty) or a
 * pipe, reads it until `updates` progress updates came, stops the check
 * with SIGINT and returns all it wrote on standard error; NULL when this
 * system has no pseudo-terminals. */
static char *
progress_of (const char *scn, const char *outdir, gboolean tty,
             guint updates)
{
  const char *args[] = { sessim_path, "check", "--max-cuts", "4",
                         "--max-states", "100000000", "--out", outdir, scn,
                         NULL };
  int read_fd, write_fd;
  if (tty)
    {
      if (!open_pty (&read_fd, &write_fd))
        return NULL;
    }
  else
    {
      int fds[2];
      assert_int_equal (pipe (fds), 0);
      read_fd = fds[0];
      write_fd = fds[1];
    }
  int null_fd = open ("/dev/null", O_WRONLY);
  assert_true (null_fd >= 0);
  GPid pid;
  g_autoptr (GError) error = NULL;
  if (!g_spawn_async_with_fds (NULL, (char **) args, NULL,
                               G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL, &pid,
                               -1, null_fd, write_fd, &error))
    fail_msg ("cannot run %s: %s", sessim_path, error->message);
  close (write_fd);
  close (null_fd);
  GString *err = g_string_new (NULL);
  char buf[512];
  ssize_t n;
  /* An update is a line on a pipe, a carriage return on a terminal. */
  const char mark = tty ? '\r' : '\n';
  guint seen = 0;
  while (seen < updates && (n = read (read_fd, buf, sizeof buf)) > 0)
    {
      g_string_append_len (err, buf, n);
      seen = 0;
      for (const char *p = err->str; *p != '\0'; p++)
        seen += *p == mark && strstr (p, "/s") != NULL;
    }
  if (seen < updates)
    fail_msg ("the check ended before %u progress updates:\n%s", updates,
              err->str);
  assert_int_equal (kill (pid, SIGINT), 0);
  /* EIO (a terminal) or 0 (a pipe) once the check has ended. */
  while ((n = read (read_fd, buf, sizeof buf)) > 0)
    g_string_append_len (err, buf, n);
  close (read_fd);
  int wait_status = 0;
  assert_int_equal (waitpid (pid, &wait_status, 0), pid);
  g_spawn_close_pid (pid);
  assert_true (WIFEXITED (wait_status));
  assert_int_equal (WEXITSTATUS (wait_status), 130);
  return g_string_free (err, FALSE);
}

/* A progress update: "  4.5s: 304361 states, 68051 states/s, depth 30,
 * queue 54924", the time elapsed first. */
static void
assert_progress_update (const char *text)
{
  const char *p = text;
  assert_true (g_str_has_prefix (p, "  "));
  p += 2;
  assert_true (g_ascii_isdigit (*p));
  while (g_ascii_isdigit (*p) || *p == '.' || *p == 'm' || *p == 'h')
    p++;
  if (!g_str_has_prefix (p, "s: "))
    fail_msg ("no elapsed time in '%s'", text);
  assert_non_null (strstr (p, " states, "));
  assert_non_null (strstr (p, " states/s, depth "));
}

/* Progress of a long check: on a pipe, whole lines, at most one a second;
 * on a terminal, one line redrawn in place and wiped at the end. */
static void
test_check_progress (void **state)
{
  g_autofree char *tmp = g_dir_make_tmp ("sessim-cli-XXXXXX", NULL);
  g_autofree char *scn = g_build_filename (tmp, "ladder.scn", NULL);
  assert_true (g_file_set_contents (scn, ladder, -1, NULL));
  g_autofree char *outdir = g_build_filename (tmp, "out", NULL);

  g_autofree char *piped = progress_of (scn, outdir, FALSE, 1);
  assert_null (strchr (piped, '\r'));
  g_auto (GStrv) lines = g_strsplit (piped, "\n", -1);
  guint updates = 0;
  for (guint i = 0; lines[i] != NULL; i++)
    if (strstr (lines[i], " states/s") != NULL)
      {
        assert_progress_update (lines[i]);
        updates++;
      }
  assert_true (updates >= 1);

  g_autofree char *tty = progress_of (scn, outdir, TRUE, 2);
  if (tty == NULL)
    {
      test_remove_tree (tmp);
      skip ();
    }
  /* No line feed: each update starts with a carriage return and covers
   * the one before; the last carriage return wipes the line. */
  assert_null (strchr (tty, '\n'));
  g_auto (GStrv) draws = g_strsplit (tty, "\r", -1);
  assert_string_equal (draws[0], "");
  guint n = g_strv_length (draws);
  assert_true (n >= 4);
  for (guint i = 1; i + 2 < n; i++)
    {
      g_autofree char *d = g_strdup (draws[i]);
      g_strchomp (d);
      assert_progress_update (d);
    }
  /* The wipe: spaces over the last line, then back to its start. */
  g_autofree char *wipe = g_strdup (draws[n - 2]);
  assert_true (strlen (wipe) > 0);
  assert_string_equal (g_strstrip (wipe), "");
  assert_string_equal (draws[n - 1], "");
  test_remove_tree (tmp);
}

/* `sessim version` names the release and the build (git describe). */
static void
test_version_names_the_build (void **state)
{
  g_autofree char *out = NULL;
  assert_int_equal (sessim (&out, NULL, "version", NULL), 0);
  assert_true (g_str_has_prefix (out, "sessim " SESSIM_VERSION " (build "));
  g_autofree char *same = NULL;
  assert_int_equal (sessim (&same, NULL, "--version", NULL), 0);
  assert_string_equal (same, out);
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
  /* Absolute: some tests run it from another folder. */
  sessim_path = g_canonicalize_filename (argv[1], NULL);
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_bad_option_is_one_line),
    cmocka_unit_test (test_help_everywhere),
    cmocka_unit_test (test_ascii_whatever_the_locale),
    cmocka_unit_test (test_numbers_are_checked),
    cmocka_unit_test (test_empty_out_refused),
    cmocka_unit_test (test_max_steps_is_incomplete),
    cmocka_unit_test (test_stdin_scenario),
    cmocka_unit_test (test_io_errors_name_file_and_reason),
    cmocka_unit_test (test_render_options_match_run),
    cmocka_unit_test (test_verdict_lines),
    cmocka_unit_test (test_expected_violation_reads_the_same),
    cmocka_unit_test (test_trail_digest_and_embed),
    cmocka_unit_test (test_sigint_stops_check),
    cmocka_unit_test (test_second_signal_kills),
    cmocka_unit_test (test_sigterm_stops_random_mode),
    cmocka_unit_test (test_view_filters_run),
    cmocka_unit_test (test_view_bad_values),
    cmocka_unit_test (test_view_replay),
    cmocka_unit_test (test_view_diagrams),
    cmocka_unit_test (test_readable_times),
    cmocka_unit_test (test_colour),
    cmocka_unit_test (test_version_names_the_build),
    /* Last: they need a pseudo-terminal. */
    cmocka_unit_test (test_colour_on_a_terminal),
    cmocka_unit_test (test_check_progress),
  };
  /* cmocka reports a skipped test as "not ok ... # SKIP", which TAP
   * readers count as failed: where the system gives no pseudo-terminal (a
   * chroot without /dev/pts), the terminal tests are left out and we say
   * so, rather than run and skip them. */
  size_t n = G_N_ELEMENTS (tests);
  int master, slave;
  if (open_pty (&master, &slave))
    {
      close (master);
      close (slave);
    }
  else
    {
      printf ("# no pseudo-terminal here: the 2 terminal tests are left "
              "out\n");
      n -= 2;
    }
  return _cmocka_run_group_tests ("test-cli", tests, n, NULL, NULL);
}
