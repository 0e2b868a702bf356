/* trace.jsonl: every bundled scenario's trace reads back into the same
 * configuration and observations (written again, they give the same
 * bytes), the output is the same run after run, 3.1.1 packets carry no
 * 5.0 fields, and malformed traces are refused with a located error. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <glib.h>
#include <string.h>

#include "error.h"
#include "expect.h"
#include "invariant.h"
#include "script.h"
#include "tracejson.h"

static gint
compare_paths (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

/* The bundled scenarios, sorted: the .scn files of scenarios/ and of
 * scenarios/variants/ and hazards/. */
static GPtrArray *
scenario_paths (void)
{
  GPtrArray *paths = g_ptr_array_new_with_free_func (g_free);
  const char *dirs[] = { SOURCE_ROOT "/scenarios",
                         SOURCE_ROOT "/scenarios/variants",
                         SOURCE_ROOT "/scenarios/hazards" };
  for (guint d = 0; d < G_N_ELEMENTS (dirs); d++)
    {
      g_autoptr (GDir) dir = g_dir_open (dirs[d], 0, NULL);
      assert_non_null (dir);
      const char *name;
      while ((name = g_dir_read_name (dir)) != NULL)
        if (g_str_has_suffix (name, ".scn"))
          g_ptr_array_add (paths, g_build_filename (dirs[d], name, NULL));
    }
  g_ptr_array_sort (paths, compare_paths);
  assert_true (paths->len >= 50);
  return paths;
}

typedef struct {
  char *jsonl;
  guint violations;
} Run;

/* Runs a scenario as `sessim run` does and writes its trace. */
static Run
run_scenario (const char *path)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SesScript) script = ses_script_load_file (path, &error);
  if (script == NULL)
    fail_msg ("%s", error->message);
  g_autofree char *bytes = NULL;
  gsize length = 0;
  assert_true (g_file_get_contents (path, &bytes, &length, NULL));
  g_autofree char *digest = ses_tracejson_digest (bytes, length);
  SesMqttConfig *cfg = ses_script_config (script);
  g_autoptr (SesWorld) world = ses_mqtt_world_new (cfg,
                                                   ses_script_seed (script));
  SesInvariants *inv = ses_invariants_new (
      world, ses_script_disabled_invariants (script));
  SesTime until = ses_script_until (script);
  while (ses_world_step (world, until))
    ;
  ses_invariants_finish (inv);
  SesMqtt *mqtt = ses_mqtt_from_world (world);
  g_autoptr (GArray) failures = g_array_new (FALSE, FALSE,
                                             sizeof (SesExpectFailure));
  g_array_set_clear_func (failures, ses_expect_failure_clear);
  ses_expect_check (script, mqtt, failures);
  SesTraceHeader h = {
    .program_version = "test", .scenario = path, .sha256 = digest,
    .seed = ses_script_seed (script),
    .disabled = ses_script_disabled_invariants (script),
    .expected = ses_script_expected_violations (script),
  };
  Run r = { ses_tracejson_run (mqtt, &h, ses_invariants_violations (inv),
                               failures, ses_world_now (world), TRUE),
            ses_invariants_violations (inv)->len };
  ses_invariants_free (inv);
  return r;
}

/* The header and event lines of a trace, joined. */
static char *
header_and_events (const char *jsonl)
{
  g_auto (GStrv) lines = g_strsplit (jsonl, "\n", -1);
  GString *out = g_string_new (NULL);
  for (guint i = 0; lines[i] != NULL; i++)
    if (g_str_has_prefix (lines[i], "{\"type\":\"header\"")
        || g_str_has_prefix (lines[i], "{\"type\":\"event\""))
      g_string_append_printf (out, "%s\n", lines[i]);
  return g_string_free (out, FALSE);
}

static SesTraceJson *
read_trace (const char *text)
{
  g_autoptr (GError) error = NULL;
  SesTraceJson *t = ses_tracejson_read ("t.jsonl", text, strlen (text),
                                        &error);
  if (t == NULL)
    fail_msg ("%s", error->message);
  return t;
}

static void
test_round_trip (void **state)
{
  (void) state;
  g_autoptr (GPtrArray) paths = scenario_paths ();
  for (guint i = 0; i < paths->len; i++)
    {
      const char *path = g_ptr_array_index (paths, i);
      Run run = run_scenario (path);
      g_autoptr (SesTraceJson) t = read_trace (run.jsonl);
      assert_string_equal (t->scenario, path);
      assert_non_null (t->sha256);
      assert_int_equal (strlen (t->sha256), 64);
      assert_true (t->has_end);
      assert_true (t->complete);
      assert_int_equal (t->violations->len, run.violations);
      /* Written again from what was read, the header and every event come
       * out byte for byte: nothing of the configuration or of an
       * observation is lost on the way. */
      g_autofree char *again = ses_tracejson_rewrite (t);
      g_autofree char *before = header_and_events (run.jsonl);
      if (strcmp (again, before) != 0)
        fail_msg ("%s: the trace does not read back the same", path);
      g_free (run.jsonl);
    }
}

static void
test_same_bytes_every_run (void **state)
{
  (void) state;
  const char *path = SOURCE_ROOT "/scenarios/03-persistent-session.scn";
  Run a = run_scenario (path);
  Run b = run_scenario (path);
  assert_string_equal (a.jsonl, b.jsonl);
  /* The header opens, the end closes, every line is one record. */
  assert_true (g_str_has_prefix (a.jsonl, "{\"type\":\"header\",\"step\":0,"));
  assert_non_null (strstr (a.jsonl, "\n{\"type\":\"end\","));
  g_free (a.jsonl);
  g_free (b.jsonl);
}

/* 3.1.1 packets have no reason codes (only CONNACK's return code and
 * SUBACK's return codes) and no properties; 5.0 ones have them. */
static void
test_v311_has_no_v5_fields (void **state)
{
  (void) state;
  Run a = run_scenario (SOURCE_ROOT "/scenarios/30-takeover-v311.scn");
  assert_non_null (strstr (a.jsonl, "\"protocol\":\"3.1.1\",\"invariants_off"));
  assert_null (strstr (a.jsonl, "reason_code"));
  assert_null (strstr (a.jsonl, "\"session_expiry_s\""));
  assert_null (strstr (a.jsonl, "clean_start"));
  assert_null (strstr (a.jsonl, "clean-start"));
  assert_null (strstr (a.jsonl, "message_expiry_s"));
  assert_non_null (strstr (a.jsonl, "\"return_code\":0"));
  assert_non_null (strstr (a.jsonl, "\"clean_session\":false"));
  Run b = run_scenario (SOURCE_ROOT "/scenarios/03-persistent-session.scn");
  assert_non_null (strstr (b.jsonl, "\"reason_code\":0"));
  assert_non_null (strstr (b.jsonl, "\"session_expiry_s\":3600"));
  assert_non_null (strstr (b.jsonl, "\"clean_start\":false"));
  assert_null (strstr (b.jsonl, "return_code"));
  /* A scenario mixing both: the 3.1.1 client's packets stay 3.1.1. */
  Run c = run_scenario (SOURCE_ROOT "/scenarios/21-v311-clean-session-0.scn");
  g_auto (GStrv) lines = g_strsplit (c.jsonl, "\n", -1);
  guint old_lines = 0;
  for (guint i = 0; lines[i] != NULL; i++)
    if (strstr (lines[i], "\"actor\":\"old\"") != NULL)
      {
        old_lines++;
        assert_null (strstr (lines[i], "reason_code"));
        assert_null (strstr (lines[i], "session_expiry_s"));
      }
  assert_true (old_lines > 10);
  g_free (a.jsonl);
  g_free (b.jsonl);
  g_free (c.jsonl);
}

/* A violation gets a record of its own at the step that showed it, and
 * the end record counts it when it was not expected. */
static void
test_violation_records (void **state)
{
  (void) state;
  Run a = run_scenario (SOURCE_ROOT "/scenarios/variants/qos2-no-dedup.scn");
  assert_non_null (strstr (a.jsonl, "{\"type\":\"violation\""));
  assert_non_null (strstr (a.jsonl, "\"invariant\":\"qos2-once\","
                                    "\"expected\":true"));
  assert_non_null (strstr (a.jsonl, "\"violations\":0,"
                                    "\"failed_expectations\":0,"
                                    "\"passed\":true}"));
  g_autoptr (SesTraceJson) t = read_trace (a.jsonl);
  assert_true (t->violations->len >= 1);
  const SesTraceViolation *v = &g_array_index (t->violations,
                                               SesTraceViolation, 0);
  assert_int_equal (v->id, SES_INV_QOS2_ONCE);
  assert_true (v->expected);
  assert_true (v->step >= 1 && v->step <= t->obs->len + 1);
  assert_true (t->expected & (1u << SES_INV_QOS2_ONCE));
  g_free (a.jsonl);
}

/* The smallest valid trace, as a base for the refusals below. */
#define HEADER                                                               \
  "{\"type\":\"header\",\"step\":0,\"format\":1,\"version\":\"x\","           \
  "\"seed\":1,\"invariants_off\":[],\"expect_violations\":[],"             \
  "\"broker\":{\"queue_qos0_offline\":false,\"queue_limit\":10,"             \
  "\"drop_policy\":\"newest\",\"persistence\":false,"                        \
  "\"max_session_expiry_s\":100,\"receive_max\":10,"                         \
  "\"server_keep_alive_s\":0,\"qos2_on_pubrel\":false,\"max_qos\":2,"         \
  "\"variants\":[]},\"wills\":[],\"clients\":[{\"label\":\"sub\","           \
  "\"client_id\":\"s\",\"protocol\":\"5.0\",\"clean_start\":true,"           \
  "\"session_expiry_s\":null,\"keep_alive_s\":60,\"receive_max\":0,"          \
  "\"will\":null,\"persistent_store\":false,\"resubscribe\":\"never\","   \
  "\"reconnect_delay_us\":0,"                                              \
  "\"latency_us\":10000,\"variants\":[]}],\"timeline\":[]}\n"
#define EVENT1                                                               \
  "{\"type\":\"event\",\"step\":1,\"t_us\":5,\"actor\":\"sub\","              \
  "\"event\":\"send\",\"side\":\"client\",\"session\":0,"                     \
  "\"packet\":{\"type\":\"PINGREQ\"}}\n"

static void
refused (const char *text, const char *expected)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SesTraceJson) t = ses_tracejson_read ("t.jsonl", text,
                                                   strlen (text), &error);
  if (t != NULL)
    fail_msg ("accepted: %s", text);
  assert_true (g_error_matches (error, SES_ERROR, SES_ERROR_PARSE));
  if (!g_str_has_prefix (error->message, expected))
    fail_msg ("expected '%s...', got:\n%s", expected, error->message);
  /* The offending line is shown with a caret under the column. */
  assert_non_null (strchr (error->message, '^'));
}

static void
test_refused_with_place (void **state)
{
  (void) state;
  g_autoptr (SesTraceJson) ok = read_trace (HEADER EVENT1);
  assert_int_equal (ok->obs->len, 1);
  assert_int_equal (g_array_index (ok->obs, SesObs, 0).time_us, 5);
  assert_int_equal (ok->end_us, 5);
  assert_false (ok->has_end);

  refused ("", "t.jsonl:1:1: error: empty trace");
  refused ("{\"type\":\"header\",\n", "t.jsonl:1:");
  refused ("[1]\n", "t.jsonl:1:1: error: a record must be a JSON object");
  refused (EVENT1, "t.jsonl:1:2: error: a trace opens with its header");
  refused (HEADER "{\"type\":\"event\",\"step\":2}\n",
           "t.jsonl:2:17: error: step 2 where step 1 comes next");
  refused (HEADER "{\"type\":\"event\",\"step\":1,\"t_us\":5,"
           "\"actor\":\"pub\"}\n",
           "t.jsonl:2:35: error: no client labelled 'pub'");
  refused (HEADER "{\"type\":\"event\",\"step\":1,\"t_us\":5,"
           "\"actor\":\"sub\",\"event\":\"sent\"}\n",
           "t.jsonl:2:49: error: unknown event 'sent'");
  refused (HEADER "{\"type\":\"event\",\"step\":1,\"t_us\":-5}\n",
           "t.jsonl:2:26: error: \"t_us\" is -5, out of range");
  refused (HEADER "{\"type\":\"event\",\"step\":1,\"t_us\":5,\"actor\":\"sub\","
           "\"event\":\"send\",\"side\":\"client\",\"packet\":{\"type\":"
           "\"PUBLISH\",\"qos\":3}}\n", "t.jsonl:2:");
  refused (HEADER "{\"type\":\"event\",\"step\":1,\"t_us\":5,\"actor\":\"sub\","
           "\"event\":\"deliver\",\"packet\":{\"type\":\"PUBLISH\",\"qos\":1,"
           "\"dup\":false,\"retain\":false,\"topic\":\"a\",\"payload\":\"b\","
           "\"msg\":\"7.1\"}}\n", "t.jsonl:2:");
  refused (HEADER EVENT1 "{\"type\":\"event\",\"step\":2,\"t_us\":4}\n",
           "t.jsonl:3:26: error: time goes back");
  refused (HEADER "{\"type\":\"end\",\"step\":1,\"t_us\":0,\"complete\":true}\n"
           EVENT1, "t.jsonl:3:1: error: a record after the end record");
  refused (HEADER "{\"type\":\"x\",\"step\":1,\"a\":[[[[[[[[[[[[[[[[[[[[]]]]]"
           "]]]]]]]]]]]]]]]}\n", "t.jsonl:2:");
  refused (HEADER "{\"type\":\"x\",\"step\":1,\"a\":\"\xff\"}\n",
           "t.jsonl:2:27: error: not valid UTF-8");
  static const char nul[] = HEADER "{\"type\":\"x\",\0\"step\":1}\n";
  g_autoptr (GError) error = NULL;
  assert_null (ses_tracejson_read ("t.jsonl", nul, sizeof nul - 1, &error));
  assert_true (g_str_has_prefix (error->message,
                                 "t.jsonl:2:13: error: a NUL byte"));
  /* Records of types added later are skipped. */
  g_autoptr (SesTraceJson) later = read_trace (
      HEADER "{\"type\":\"state\",\"step\":1,\"sessions\":[]}\n" EVENT1);
  assert_int_equal (later->obs->len, 1);
}

/* Other record types (session snapshots, ...) go through the same writer,
 * keep the common members first, and a reader skips them. */
static void
test_extra_record_types (void **state)
{
  (void) state;
  g_autoptr (SesTraceJson) base = read_trace (HEADER EVENT1);
  g_autoptr (SesTraceWriter) w = ses_trace_writer_new (base->cfg);
  SesTraceHeader h = { .program_version = "x", .seed = 1 };
  ses_trace_writer_header (w, &h);
  ses_trace_writer_obs (w, 1, &g_array_index (base->obs, SesObs, 0));
  JsonBuilder *b = ses_trace_writer_begin_record (w, "state", 1, 5);
  json_builder_set_member_name (b, "sessions");
  json_builder_begin_array (b);
  json_builder_end_array (b);
  ses_trace_writer_end_record (w);
  ses_trace_writer_end (w, 2, 7, TRUE, 0, 0);
  g_autofree char *text = ses_trace_writer_finish (w);
  assert_non_null (strstr (text, "\n{\"type\":\"state\",\"step\":1,"
                                 "\"t_us\":5,\"time\":\"0.000005s\","
                                 "\"sessions\":[]}\n"));
  g_autoptr (SesTraceJson) t = read_trace (text);
  assert_int_equal (t->obs->len, 1);
  assert_true (t->has_end);
  assert_int_equal (t->end_us, 7);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_round_trip),
    cmocka_unit_test (test_same_bytes_every_run),
    cmocka_unit_test (test_v311_has_no_v5_fields),
    cmocka_unit_test (test_violation_records),
    cmocka_unit_test (test_refused_with_place),
    cmocka_unit_test (test_extra_record_types),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
