/* Fuzz target: any bytes as the two other files sessim reads, a trail
 * (`sessim replay`) and a random-mode JSON result (`sessim merge`).
 *
 * Oracles, each an abort() so libFuzzer and the replayer stop on it:
 *   - no crash, leak or sanitizer report (in the sanitized builds);
 *   - a refusal is one SES_ERROR naming the file: "fuzz.trail:LINE:COL:
 *     error: …" for a trail, "fuzz.json…" for a result, in valid UTF-8;
 *   - what is read writes back to text that reads back the same: a trail's
 *     version, scenario, digest, embedded scenario, seed and choices; a
 *     result's JSON, byte for byte.
 * The replayer (fuzz-replay-results) runs the corpus in corpus-results/ as
 * a test, under ASan and UBSan in CI's sanitizer build. */
#include "fuzz-scenario.h"

#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "report.h"
#include "trail.h"

static void G_GNUC_NORETURN
oracle_failed (const char *what, const char *message)
{
  fprintf (stderr, "fuzz-results: %s\n--- details ---\n%s\n---\n", what,
           message != NULL ? message : "(none)");
  abort ();
}

static void
check_error (const GError *error, const char *path)
{
  if (error == NULL || error->domain != SES_ERROR)
    oracle_failed ("refused without a sessim error", error ? error->message
                                                           : NULL);
  if (!g_str_has_prefix (error->message, path))
    oracle_failed ("error does not name the file", error->message);
  if (!g_utf8_validate (error->message, -1, NULL))
    oracle_failed ("error is not valid UTF-8", NULL);
}

static void
fuzz_trail (const char *text, gsize size)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SesTrail) trail = ses_trail_parse ("fuzz.trail", text, size,
                                                &error);
  if (trail == NULL)
    {
      check_error (error, "fuzz.trail:");
      return;
    }
  g_autofree char *again = ses_trail_to_text (trail);
  g_autoptr (SesTrail) back = ses_trail_parse ("again.trail", again,
                                               strlen (again), &error);
  if (back == NULL)
    oracle_failed ("a trail written back does not read", error->message);
  if (g_strcmp0 (back->version, trail->version) != 0
      || g_strcmp0 (back->scenario, trail->scenario) != 0
      || g_strcmp0 (back->digest, trail->digest) != 0
      || g_strcmp0 (back->embedded, trail->embedded) != 0
      || back->seed != trail->seed
      || back->choices->len != trail->choices->len
      || (trail->choices->len > 0
          && memcmp (back->choices->data, trail->choices->data,
                     trail->choices->len * sizeof (SesChoice)) != 0))
    oracle_failed ("a trail written back reads differently", again);
}

static void
fuzz_report (const char *text, gsize size)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SesReport) report = ses_report_from_json ("fuzz.json", text,
                                                       size, &error);
  if (report == NULL)
    {
      check_error (error, "fuzz.json");
      return;
    }
  g_autofree char *json = ses_report_to_json (report);
  g_autoptr (SesReport) back = ses_report_from_json ("again.json", json,
                                                     strlen (json), &error);
  if (back == NULL)
    oracle_failed ("a result written back does not read", error->message);
  g_autofree char *json2 = ses_report_to_json (back);
  if (strcmp (json, json2) != 0)
    oracle_failed ("a result written back reads differently", json);
  g_autofree char *summary = ses_report_to_text (report, TRUE);
  (void) ses_report_status (report);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  /* Criticals and warnings are bugs here too. */
  g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
  /* NUL-terminated copies, as g_file_get_contents gives the readers. */
  g_autofree char *text = g_malloc (size + 1);
  memcpy (text, data, size);
  text[size] = '\0';
  fuzz_trail (text, size);
  fuzz_report (text, size);
  return 0;
}
