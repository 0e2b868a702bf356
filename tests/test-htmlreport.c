/* report.html as a file: self-contained (no network, no external file),
 * one timeline entry per observation, per-step data that points at a
 * snapshot and a sequence row, verdicts linked to their steps, and the
 * same bytes on a second build. What the page does in a browser is tested
 * by tests/browser/test-report.py. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <glib.h>
#include <string.h>

#include "explain.h"
#include "htmlreport.h"
#include "json.h"
#include "script.h"
#include "snapshot.h"

static char *
build (const char *name, guint *n_obs, guint *n_snaps)
{
  g_autofree char *path = g_build_filename (SOURCE_ROOT, "scenarios", name,
                                            NULL);
  g_autofree char *source = NULL;
  assert_true (g_file_get_contents (path, &source, NULL, NULL));
  g_autoptr (GError) error = NULL;
  g_autoptr (SesScript) script = ses_script_load_file (path, &error);
  assert_non_null (script);
  g_autoptr (SesWorld) world = ses_mqtt_world_new (ses_script_config (script),
                                                   ses_script_seed (script));
  SesMqtt *mqtt = ses_mqtt_from_world (world);
  g_autoptr (SesSnapshots) snaps = ses_snapshots_new (mqtt);
  ses_snapshots_update (snaps, 0);
  while (ses_world_step (world, ses_script_until (script)))
    ses_snapshots_update (snaps, ses_world_now (world));
  g_autoptr (GPtrArray) why = ses_explain_run (mqtt, snaps);
  g_autoptr (GArray) verdicts = g_array_new (FALSE, TRUE,
                                             sizeof (SesHtmlVerdict));
  g_array_set_clear_func (verdicts, ses_html_verdict_clear);
  ses_html_verdicts_add_expectations (verdicts, script, mqtt, source);
  ses_html_verdicts_add_invariant (verdicts, "qos1-delivered", TRUE, 3,
                                   "5.0 [MQTT-4.4.0-1]", "a <test> verdict");
  SesHtmlReport r = {
    .title = ses_script_title (script),
    .teaches = ses_script_teaches (script),
    .meta = "test", .kind = "Run", .passed = TRUE, .mqtt = mqtt,
    .snaps = snaps, .explain = why, .verdicts = verdicts,
    .questions = ses_script_questions (script),
  };
  char *html = ses_htmlreport_build (&r, NULL, &error);
  assert_non_null (html);
  *n_obs = ses_mqtt_log (mqtt)->len;
  *n_snaps = ses_snapshots_list (snaps)->len;
  return html;
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

static void
test_self_contained (void **state)
{
  guint n_obs, n_snaps;
  g_autofree char *html = build ("03-persistent-session.scn", &n_obs,
                                 &n_snaps);
  assert_true (g_str_has_prefix (html, "<!DOCTYPE html>\n<html lang=\"en\">"));
  assert_non_null (strstr (html, "<title>A persistent session keeps "
                                 "messages while its client is away"));
  /* Nothing fetched: no external scripts, styles, images or links. */
  assert_null (strstr (html, " src="));
  assert_null (strstr (html, "<link"));
  assert_null (strstr (html, "href=\"http"));
  assert_null (strstr (html, "url("));
  /* http only as the SVG namespaces: one pair per drawing, and the one
   * the script creates its highlight in. */
  assert_int_equal (count (html, "http"), 2 * count (html, "<svg") + 1);
  assert_int_equal (count (html, "<svg"), 3);
  assert_null (strstr (html, "<?xml"));
  assert_null (strstr (html, "<!--"));
  /* Ids stay unique across the drawings. */
  assert_int_equal (count (html, " id=\"seq-graph0\""), 1);
  assert_int_equal (count (html, " id=\"life0-graph0\""), 1);
  assert_int_equal (count (html, " id=\"life1-graph0\""), 1);
  assert_int_equal (count (html, " id=\"graph0\""), 0);
  assert_int_equal (count (html, "<li role=\"option\""), n_obs);
  assert_int_equal (count (html, "<div class=\"snap\""), n_snaps);
  /* The verdicts: five expectations and the invariant, escaped; and the
   * question's link. */
  assert_int_equal (count (html, "data-goto="), 7);
  assert_non_null (strstr (html, "line 33: expect sub connack nth=1 "
                                 "session-present=0"));
  assert_non_null (strstr (html, "a &lt;test&gt; verdict"));
  assert_non_null (strstr (html, "data-goto=\"4\""));
  /* The scenario's question, its answer hidden until asked, leading to
   * the run at 29 s (after the 44th observation). */
  assert_non_null (strstr (html, "<p class=\"q\">What does the broker hold "
                                 "for the subscriber at 29 s"));
  assert_non_null (strstr (html, "aria-expanded=\"false\" aria-controls="
                                 "\"answer-1\">Show the answer</button><div "
                                 "class=\"answer\" id=\"answer-1\" hidden>"
                                 "<p>Its session:"));
  assert_non_null (strstr (html, "data-goto=\"44\" aria-label=\"Go to step "
                                 "44, the run at 29.000000s\""));
}

/* `question "…" "…" [at=TIME]`: both strings required, nothing else but
 * at=. */
static void
test_question_syntax (void **state)
{
  static const char *const bad[] = {
    "question \"only the question\"\n",
    "question \"q\" \"a\" at=5\n",
    "question \"q\" \"a\" by=5s\n",
    "question q a\n",
  };
  static const char *const why[] = {
    "takes the answer as a second quoted string",
    "a duration needs a unit",
    "takes only at=TIME",
    "takes the question as a quoted string",
  };
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autofree char *text = g_strconcat ("mqtt 5\nclient a\n", bad[i],
                                           "at 0s a connect\n", NULL);
      g_autoptr (GError) error = NULL;
      g_autoptr (SesScript) s = ses_script_load ("q.scn", text, strlen (text),
                                                 &error);
      assert_null (s);
      if (strstr (error->message, why[i]) == NULL)
        fail_msg ("%s: %s", bad[i], error->message);
      assert_non_null (strstr (error->message, "q.scn:3:"));
    }
  static const char good[] = "mqtt 5\nclient a\nquestion \"q1\" \"a1\"\n"
                             "question \"q2\" \"a2\" at=2s\nat 0s a connect\n";
  g_autoptr (GError) error = NULL;
  g_autoptr (SesScript) s = ses_script_load ("q.scn", good, strlen (good),
                                             &error);
  assert_non_null (s);
  const GArray *q = ses_script_questions (s);
  assert_int_equal (q->len, 2);
  assert_string_equal (g_array_index (q, SesQuestion, 0).answer, "a1");
  assert_int_equal (g_array_index (q, SesQuestion, 0).at_us, SES_TIME_NONE);
  assert_int_equal (g_array_index (q, SesQuestion, 1).at_us,
                    2 * SES_US_PER_S);
}

static void
test_step_data (void **state)
{
  guint n_obs, n_snaps;
  g_autofree char *html = build ("03-persistent-session.scn", &n_obs,
                                 &n_snaps);
  const char *open = strstr (html, "id=\"sessim-data\">");
  assert_non_null (open);
  open += strlen ("id=\"sessim-data\">");
  const char *close = strstr (open, "</script>");
  g_autoptr (GError) error = NULL;
  g_autoptr (SesJson) data = ses_json_parse ("data", open, close - open,
                                             &error);
  assert_non_null (data);
  guint64 n = 0;
  assert_true (ses_json_uint64 (ses_json_get (data, "n"), &n));
  assert_int_equal (n, n_obs);
  const SesJson *snap = ses_json_get (data, "snap");
  const SesJson *row = ses_json_get (data, "row");
  assert_int_equal (ses_json_length (snap), n + 1);
  assert_int_equal (ses_json_length (row), n + 1);
  /* Step 0 shows the first snapshot; the snapshot and row shown never go
   * back as the steps go forward; the last step shows the last state. */
  guint64 prev = 0;
  double prev_row = -1;
  for (guint k = 0; k <= n; k++)
    {
      guint64 s = 0;
      double r = 0;
      assert_true (ses_json_uint64 (ses_json_index (snap, k), &s));
      assert_true (ses_json_double (ses_json_index (row, k), &r));
      assert_true (s >= prev && s < n_snaps);
      assert_true (r >= prev_row);
      if (k == 0)
        {
          assert_int_equal (s, 0);
          assert_true (r == -1);
        }
      prev = s;
      prev_row = r;
    }
  assert_int_equal (prev, n_snaps - 1);
  assert_true (prev_row >= 0);
}

static void
test_same_bytes (void **state)
{
  guint a_obs, a_snaps, b_obs, b_snaps;
  g_autofree char *a = build ("24-will-delay.scn", &a_obs, &a_snaps);
  g_autofree char *b = build ("24-will-delay.scn", &b_obs, &b_snaps);
  assert_string_equal (a, b);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_self_contained),
    cmocka_unit_test (test_step_data),
    cmocka_unit_test (test_same_bytes),
    cmocka_unit_test (test_question_syntax),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
