/* Fuzz target: any bytes as a scenario file.
 *
 * Loading must either succeed or fail with one located error. A scenario
 * that loads is then played, twice, in two fresh worlds: the step count is
 * capped so that a scenario with huge times cannot hang, and the two runs
 * must end in the same state (the simulator is deterministic). Its
 * expectations are judged and the start of its log rendered as text and
 * explanations, so the formatting of fuzzed names, topics and payloads is
 * exercised too; a log of up to FUZZ_MAX_RENDERED records is written as
 * trace.jsonl and read back.
 *
 * Oracles, each an abort() so libFuzzer and the replayer stop on it:
 *   - no crash, leak or sanitizer report (in the sanitized builds);
 *   - an error is SES_ERROR_PARSE and reads "fuzz.scn:LINE:COL: error: …",
 *     valid UTF-8, with LINE an existing line of the input and COL ≥ 1;
 *   - the two runs agree on steps, fingerprint and trace;
 *   - trace.jsonl is valid UTF-8 and reads back to the same records.
 * SESSIM_FUZZ_ERRORS in the environment tunes the error checks: `strict`
 * also wants the source line and a caret exactly under COL (not the default
 * while the parser puts some end-of-line columns past the caret), `off`
 * skips them, to hunt memory errors past a known location bug. */
#include "fuzz-scenario.h"

#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "expect.h"
#include "mqtt.h"
#include "observation.h"
#include "script.h"
#include "tracejson.h"
#include "world.h"

#define FUZZ_PATH "fuzz.scn"
/* Enough for every scenario in the library many times over, small enough
 * that one input runs in well under a second. */
#define FUZZ_MAX_STEPS 200000
#define FUZZ_MAX_RENDERED 5000

typedef enum { ERRORS_OFF, ERRORS_BASIC, ERRORS_STRICT } ErrorChecks;
static ErrorChecks error_checks = ERRORS_BASIC;

static void G_GNUC_NORETURN
oracle_failed (const char *what, const char *message)
{
  fprintf (stderr, "fuzz-scenario: %s\n--- details ---\n%s\n---\n", what,
           message != NULL ? message : "(none)");
  abort ();
}

/* Line `line` (1-based) of the input as the tokenizer splits it: on '\n',
 * without a trailing '\r'. NULL when there is no such line. */
static char *
source_line (const uint8_t *data, size_t size, guint line)
{
  size_t start = 0;
  guint n = 1;
  for (size_t i = 0; i <= size; i++)
    if (i == size || data[i] == '\n')
      {
        if (n == line)
          {
            size_t end = i;
            if (end > start && data[end - 1] == '\r')
              end--;
            return g_strndup ((const char *) data + start, end - start);
          }
        n++;
        start = i + 1;
      }
  return NULL;
}

static void
check_error (const GError *error, const uint8_t *data, size_t size)
{
  if (error == NULL)
    oracle_failed ("load failed without an error", NULL);
  if (error_checks == ERRORS_OFF)
    return;
  const char *msg = error->message;
  if (error->domain != SES_ERROR || error->code != SES_ERROR_PARSE)
    oracle_failed ("error is not SES_ERROR_PARSE", msg);
  if (!g_utf8_validate (msg, -1, NULL))
    oracle_failed ("error message is not valid UTF-8", NULL);
  guint line = 0, col = 0;
  int consumed = 0;
  if (sscanf (msg, FUZZ_PATH ":%u:%u: error: %n", &line, &col, &consumed) != 2
      || consumed == 0)
    oracle_failed ("error does not start with path:line:col: error:", msg);
  g_autofree char *src = source_line (data, size, line);
  if (line == 0 || src == NULL)
    oracle_failed ("error names a line that is not in the input", msg);
  if (col == 0)
    oracle_failed ("error names column 0", msg);
  if (error_checks != ERRORS_STRICT)
    return;

  /* "…message\n  SOURCE\n  CARET" */
  g_auto (GStrv) parts = g_strsplit (msg, "\n", -1);
  if (g_strv_length (parts) != 3)
    oracle_failed ("error is not message, source line and caret line", msg);
  if (!g_str_has_prefix (parts[1], "  ") || !g_str_has_prefix (parts[2], "  "))
    oracle_failed ("source or caret line is not indented by two spaces", msg);
  /* The shown line is the source line, or the part of it before a NUL or
   * an invalid byte (src, a C string, also ends at a NUL). */
  if (!g_str_has_prefix (src, parts[1] + 2))
    oracle_failed ("shown line is not the source line", msg);
  const char *caret = parts[2] + 2;
  const char *hat = strchr (caret, '^');
  if (hat == NULL || hat[1] != '\0')
    oracle_failed ("caret line does not end in one '^'", msg);
  for (const char *c = caret; c < hat; c++)
    if (*c != ' ' && *c != '\t')
      oracle_failed ("caret line holds more than blanks before '^'", msg);
  if ((guint) (hat - caret) + 1 != col)
    oracle_failed ("caret is not under the reported column", msg);
}

/* trace.jsonl of the run, checked to be valid UTF-8 and to read back into
 * the same configuration and observations (written again, the same
 * bytes). */
static char *
trace_round_trip (SesScript *script, SesMqtt *mqtt, SesWorld *world)
{
  SesTraceHeader h = {
    .program_version = "fuzz", .scenario = FUZZ_PATH,
    .seed = ses_script_seed (script),
    .disabled = ses_script_disabled_invariants (script),
    .expected = ses_script_expected_violations (script),
  };
  char *jsonl = ses_tracejson_run (mqtt, &h, NULL, NULL,
                                   ses_world_now (world), TRUE);
  if (!g_utf8_validate (jsonl, -1, NULL))
    oracle_failed ("trace.jsonl is not valid UTF-8", jsonl);
  GError *error = NULL;
  SesTraceJson *t = ses_tracejson_read ("fuzz.jsonl", jsonl, strlen (jsonl),
                                        &error);
  if (t == NULL)
    oracle_failed ("trace.jsonl does not read back", error->message);
  char *again = ses_tracejson_rewrite (t);
  if (!g_str_has_prefix (jsonl, again))
    oracle_failed ("trace.jsonl reads back different", again);
  g_free (again);
  ses_tracejson_free (t);
  return jsonl;
}

static void
run_once (SesScript *script, guint64 *steps, guint64 *fingerprint,
          char **trace)
{
  SesWorld *world = ses_mqtt_world_new (ses_script_config (script),
                                        ses_script_seed (script));
  SesTime until = ses_script_until (script);
  guint64 n = 0;
  while (n < FUZZ_MAX_STEPS && ses_world_step (world, until))
    n++;
  SesMqtt *mqtt = ses_mqtt_from_world (world);

  GArray *failures = g_array_new (FALSE, FALSE, sizeof (SesExpectFailure));
  g_array_set_clear_func (failures, ses_expect_failure_clear);
  guint held = ses_expect_check (script, mqtt, failures);

  GString *out = g_string_new (NULL);
  g_string_append_printf (out, "held %u failed %u\n", held, failures->len);
  for (guint i = 0; i < failures->len; i++)
    {
      const SesExpectFailure *f = &g_array_index (failures, SesExpectFailure,
                                                  i);
      g_string_append_printf (out, "%u: %s\n", f->line, f->message);
    }
  g_array_unref (failures);

  /* Rendering dominates the cost of a long run, so only the start of the
   * log is rendered; the fingerprint covers the rest. */
  SesMqttConfig *cfg = ses_script_config (script);
  const SesIntern *strings = ses_mqtt_config_strings (cfg);
  const GPtrArray *labels = ses_mqtt_config_labels (cfg);
  const GArray *obs = ses_mqtt_log (mqtt);
  g_string_append_printf (out, "%u observations\n", obs->len);
  for (guint i = 0; i < MIN (obs->len, FUZZ_MAX_RENDERED); i++)
    {
      const SesObs *o = &g_array_index (obs, SesObs, i);
      char *line = ses_obs_describe (o, strings, labels);
      char *why = ses_obs_explain (o, strings, labels);
      if (!g_utf8_validate (line, -1, NULL)
          || (why != NULL && !g_utf8_validate (why, -1, NULL)))
        oracle_failed ("a rendered observation is not valid UTF-8", line);
      g_string_append_printf (out, "%s\n%s\n", line, why ? why : "");
      g_free (line);
      g_free (why);
    }
  if (obs->len <= FUZZ_MAX_RENDERED)
    {
      char *jsonl = trace_round_trip (script, mqtt, world);
      g_string_append (out, jsonl);
      g_free (jsonl);
    }
  *steps = n;
  *fingerprint = ses_world_fingerprint (world);
  *trace = g_string_free (out, FALSE);
  ses_world_free (world);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  static gboolean initialised;
  if (!initialised)
    {
      /* As the tests run: a critical (a failed g_return_if_fail) is a bug. */
      g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
      const char *checks = g_getenv ("SESSIM_FUZZ_ERRORS");
      if (g_strcmp0 (checks, "strict") == 0)
        error_checks = ERRORS_STRICT;
      else if (g_strcmp0 (checks, "off") == 0)
        error_checks = ERRORS_OFF;
      initialised = TRUE;
    }

  GError *error = NULL;
  SesScript *script = ses_script_load (FUZZ_PATH, (const char *) data, size,
                                       &error);
  if (script == NULL)
    {
      check_error (error, data, size);
      g_error_free (error);
      return 0;
    }
  if (error != NULL)
    oracle_failed ("load succeeded but set an error", error->message);

  guint64 steps[2], fp[2];
  char *trace[2];
  for (guint i = 0; i < 2; i++)
    run_once (script, &steps[i], &fp[i], &trace[i]);
  if (steps[0] != steps[1] || fp[0] != fp[1] || strcmp (trace[0], trace[1]))
    oracle_failed ("two runs of the same scenario differ", trace[0]);
  g_free (trace[0]);
  g_free (trace[1]);
  ses_script_free (script);
  return 0;
}
