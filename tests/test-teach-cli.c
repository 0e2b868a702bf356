/* The teaching options of the command line, given the sessim binary:
 * run --state and --state-at print the state tables where they belong and
 * put state records into trace.jsonl; summary.json ends with the final
 * state; --report writes report.html, and the same run writes the same
 * bytes; check --report writes one for a counterexample; a bad --state-at
 * exits 2 with no output files. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <glib/gstdio.h>
#include <string.h>

#include "compare.h"
#include "json.h"
#include "test-files.h"

static const char *sessim_path;

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
  return test_run (sessim_path, (const char *const *) args->pdata, out, err);
}

static char *
scenario (const char *name)
{
  return g_build_filename (SOURCE_ROOT, "scenarios", name, NULL);
}

static void
test_state_tables (void **state)
{
  g_autofree char *dir = g_dir_make_tmp ("sessim-teach-XXXXXX", NULL);
  g_autofree char *path = scenario ("03-persistent-session.scn");
  g_autofree char *out = NULL;
  assert_int_equal (sessim (&out, NULL, "run", "--state-at", "29s",
                            "--state-at", "1.5s", "-o", dir, path, NULL), 0);
  /* Only the chosen times, each where it falls: at 1.5 s after the cut,
   * at 29 s with both messages waiting, before the reconnect at 30 s. */
  const char *a = strstr (out, "  | state at 1.500000s");
  const char *b = strstr (out, "  | state at 29.000000s");
  const char *reconnect = strstr (out, "30.000000s sub send [client] CONNECT");
  assert_non_null (a);
  assert_non_null (b);
  assert_non_null (reconnect);
  assert_true (a < b && b < reconnect);
  assert_non_null (strstr (b, "\"21.5\" q1, \"21.7\" q2"));
  assert_int_equal (strstr (b, "kept, offline") < reconnect, TRUE);
  assert_null (strstr (out, "  | state at 0.010000s"));

  g_autofree char *trace = g_build_filename (dir, "03-persistent-session",
                                             "trace.jsonl", NULL);
  g_autofree char *jsonl = test_read_file (trace, NULL);
  g_auto (GStrv) lines = g_strsplit (jsonl, "\n", -1);
  guint states = 0;
  for (guint i = 0; lines[i] != NULL && lines[i][0]; i++)
    if (g_str_has_prefix (lines[i], "{\"type\":\"state\""))
      states++;
  assert_int_equal (states, 2);

  /* --state: a table after every step that changed what is held. */
  g_autofree char *all = NULL;
  assert_int_equal (sessim (&all, NULL, "run", "--state", "-o", dir, path,
                            NULL), 0);
  assert_non_null (strstr (all, "  | state at 0.010000s"));
  g_auto (GStrv) tables = g_strsplit (all, "  | state at", -1);
  assert_true (g_strv_length (tables) > 10);
  test_remove_tree (dir);
}

static void
test_report_and_summary (void **state)
{
  g_autofree char *dir = g_dir_make_tmp ("sessim-teach-XXXXXX", NULL);
  g_autofree char *path = scenario ("24-will-delay.scn");
  assert_int_equal (sessim (NULL, NULL, "run", "-q", "--report", "-o", dir,
                            path, NULL), 0);
  g_autofree char *report = g_build_filename (dir, "24-will-delay",
                                              "report.html", NULL);
  g_autofree char *first = test_read_file (report, NULL);
  assert_true (g_str_has_prefix (first, "<!DOCTYPE html>"));
  assert_non_null (strstr (first, "Will Delay: cancelled by a quick "
                                  "reconnect"));
  assert_int_equal (sessim (NULL, NULL, "run", "-q", "--report", "-o", dir,
                            path, NULL), 0);
  g_autofree char *second = test_read_file (report, NULL);
  assert_string_equal (first, second);

  g_autofree char *sp = g_build_filename (dir, "24-will-delay",
                                          "summary.json", NULL);
  gsize len = 0;
  g_autofree char *text = test_read_file (sp, &len);
  g_autoptr (GError) error = NULL;
  g_autoptr (SesJson) summary = ses_json_parse (sp, text, len, &error);
  assert_non_null (summary);
  const SesJson *fs = ses_json_get (summary, "final_state");
  assert_non_null (fs);
  /* gw-short expired at 20 s; gw-gone is kept, its will published. */
  const SesJson *sessions = ses_json_get (fs, "sessions");
  assert_int_equal (ses_json_length (sessions), 4);
  const SesJson *shortest = ses_json_index (sessions, 2);
  assert_string_equal (ses_json_string (ses_json_get (shortest, "client_id")),
                       "gw-short");
  assert_string_equal (ses_json_string (ses_json_get (shortest, "phase")),
                       "ended-expired");
  /* The report's last snapshot is that state. */
  assert_non_null (strstr (first, "ended-expired"));
  test_remove_tree (dir);
}

static void
test_check_report (void **state)
{
  g_autofree char *dir = g_dir_make_tmp ("sessim-teach-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (SOURCE_ROOT, "scenarios",
                                            "variants",
                                            "clean-start-keeps-session.scn",
                                            NULL);
  g_autofree char *out = NULL;
  assert_int_equal (sessim (&out, NULL, "check", "-q", "--report", "-e",
                            "-o", dir, path, NULL), 0);
  /* The verdict links to the step the checker names. */
  const char *at = strstr (out, "(step ");
  assert_non_null (at);
  guint step = (guint) g_ascii_strtoull (at + strlen ("(step "), NULL, 10);
  assert_true (step > 0);
  g_autofree char *link = g_strdup_printf ("data-goto=\"%u\"", step);
  g_autofree char *report = g_build_filename (
      dir, "clean-start-keeps-session", "report.html", NULL);
  g_autofree char *html = test_read_file (report, NULL);
  assert_non_null (strstr (html, "Counterexample: "));
  assert_non_null (strstr (html, "invariant session-present broken"));
  assert_non_null (strstr (html, "as the scenario expects"));
  assert_non_null (strstr (html, link));
  test_remove_tree (dir);
}

static void
test_bad_time (void **state)
{
  g_autofree char *dir = g_dir_make_tmp ("sessim-teach-XXXXXX", NULL);
  g_autofree char *path = scenario ("03-persistent-session.scn");
  g_autofree char *err = NULL;
  assert_int_equal (sessim (NULL, &err, "run", "--state-at", "29", "-o", dir,
                            path, NULL), 2);
  assert_non_null (strstr (err, "--state-at 29"));
  g_autofree char *sub = g_build_filename (dir, "03-persistent-session", NULL);
  assert_false (g_file_test (sub, G_FILE_TEST_EXISTS));
  test_remove_tree (dir);
}

/* The seed question: a sleepy device, Clean Start 0 or 1, Session Expiry
 * 0 or 1 h. Only a persistent session (0, 1 h) gets all three commands;
 * Clean Start 1 with 1 h keeps the session while it sleeps (up to two
 * commands wait) but throws it away on every wake-up. */
static void
test_compare_sleepy (void **state)
{
  g_autofree char *dir = g_dir_make_tmp ("sessim-teach-XXXXXX", NULL);
  g_autofree char *path = scenario ("42-sleepy-device.scn");
  g_autofree char *out = NULL;
  assert_int_equal (sessim (&out, NULL, "compare", path, "--vary",
                            "dev.clean-start=0,1", "--vary",
                            "dev.session-expiry=0s,1h", "--report", "-o", dir,
                            NULL), 0);
  static const char *const want[] = {
    "dev.clean-start  dev.session-expiry  session present     delivered  "
    "lost  dup  dropped  peak msgs  peak bytes  expectations  invariants",
    "0                0s                  dev 0,0,0,0; ops 0  0          "
    "3     0    0        0          0           1/7 held      all held",
    "0                1h                  dev 0,1,1,1; ops 0  3          "
    "0     0    0        2          37          7/7 held      all held",
    "1                0s                  dev 0,0,0,0; ops 0  0          "
    "3     0    0        0          0           1/7 held      all held",
    "1                1h                  dev 0,0,0,0; ops 0  0          "
    "3     0    0        2          37          2/7 held      all held",
  };
  for (guint i = 0; i < G_N_ELEMENTS (want); i++)
    if (strstr (out, want[i]) == NULL)
      fail_msg ("row %u missing from:\n%s", i, out);
  g_autofree char *page = g_build_filename (dir, "42-sleepy-device",
                                            "compare.html", NULL);
  g_autofree char *html = test_read_file (page, NULL);
  assert_non_null (strstr (html, "<a href=\"compare/4/report.html\">"));
  for (guint k = 1; k <= 4; k++)
    {
      g_autofree char *num = g_strdup_printf ("%u", k);
      g_autofree char *r = g_build_filename (dir, "42-sleepy-device",
                                             "compare", num, "report.html",
                                             NULL);
      assert_true (g_file_test (r, G_FILE_TEST_IS_REGULAR));
    }
  test_remove_tree (dir);
}

/* Settings are changed in the text: an existing value is replaced (a
 * quoted value with spaces stays one word), a missing one added, a broker
 * line added before the clients when there is none. */
static void
test_compare_apply (void **state)
{
  static const char src[] =
    "mqtt 5\n"
    "client a id=x will-payload=\"a b=c\" clean-start=0 # note\n"
    "client b id=y\n"
    "at 0s a connect\n";
  g_autoptr (GError) error = NULL;
  g_autofree char *one = ses_compare_apply (src, "a", "clean-start", "1",
                                            &error);
  assert_string_equal (one, "mqtt 5\n"
                       "client a id=x will-payload=\"a b=c\" clean-start=1 "
                       "# note\n"
                       "client b id=y\n"
                       "at 0s a connect\n");
  g_autofree char *two = ses_compare_apply (src, "b", "session-expiry", "1h",
                                            &error);
  assert_non_null (strstr (two, "client b id=y session-expiry=1h\n"));
  g_autofree char *three = ses_compare_apply (src, "broker", "queue-qos0",
                                              "on", &error);
  assert_non_null (strstr (three, "mqtt 5\nbroker queue-qos0=on\n"
                                  "client a"));
  assert_null (ses_compare_apply (src, "c", "clean-start", "1", &error));
  assert_non_null (strstr (error->message, "no client c"));
  SesVary v;
  g_clear_error (&error);
  assert_false (ses_vary_parse ("clean-start=0,1", &v, &error));
}

int
main (int argc, char **argv)
{
  if (argc < 2)
    {
      g_printerr ("usage: %s SESSIM\n", argv[0]);
      return 2;
    }
  sessim_path = argv[1];
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_state_tables),
    cmocka_unit_test (test_report_and_summary),
    cmocka_unit_test (test_check_report),
    cmocka_unit_test (test_bad_time),
    cmocka_unit_test (test_compare_sleepy),
    cmocka_unit_test (test_compare_apply),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
