/* Fuzz target: any bytes as a trace.jsonl (`sessim judge`).
 *
 * Oracles, each an abort() so libFuzzer and the replayer stop on it:
 *   - no crash, leak or sanitizer report (in the sanitized builds), no
 *     GLib critical or warning;
 *   - a refusal is one SES_ERROR reading "fuzz.jsonl:LINE:COL: error: …",
 *     valid UTF-8, with LINE an existing line of the input, COL >= 1, and
 *     the line shown with a caret;
 *   - what is read writes back (header and events) to text that reads back
 *     and writes again to the same bytes;
 *   - what is read can be judged (the invariant monitor fed with it, as
 *     `sessim judge` does) without a crash.
 * The replayer (fuzz-replay-tracejson) runs corpus-tracejson/ as a test,
 * under ASan and UBSan in CI's sanitizer build. */
#include "fuzz-scenario.h"

#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "invariant.h"
#include "tracejson.h"

static void G_GNUC_NORETURN
oracle_failed (const char *what, const char *message)
{
  fprintf (stderr, "fuzz-tracejson: %s\n--- details ---\n%s\n---\n", what,
           message != NULL ? message : "(none)");
  abort ();
}

static guint
count_lines (const char *text, gsize size)
{
  guint n = 1;
  for (gsize i = 0; i < size; i++)
    if (text[i] == '\n' && i + 1 < size)
      n++;
  return n;
}

static void
check_error (const GError *error, const char *text, gsize size)
{
  if (error == NULL || error->domain != SES_ERROR)
    oracle_failed ("refused without a sessim error",
                   error ? error->message : NULL);
  if (!g_utf8_validate (error->message, -1, NULL))
    oracle_failed ("error is not valid UTF-8", NULL);
  guint line = 0, col = 0;
  if (sscanf (error->message, "fuzz.jsonl:%u:%u: error: ", &line, &col) != 2
      || line < 1 || col < 1 || line > count_lines (text, size))
    oracle_failed ("error is not located in the input", error->message);
  if (strchr (error->message, '\n') == NULL
      || strchr (error->message, '^') == NULL)
    oracle_failed ("error does not show the line and a caret",
                   error->message);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
  g_autofree char *text = g_malloc (size + 1);
  memcpy (text, data, size);
  text[size] = '\0';
  g_autoptr (GError) error = NULL;
  g_autoptr (SesTraceJson) t = ses_tracejson_read ("fuzz.jsonl", text, size,
                                                   &error);
  if (t == NULL)
    {
      check_error (error, text, size);
      return 0;
    }
  g_autofree char *again = ses_tracejson_rewrite (t);
  g_autoptr (SesTraceJson) back = ses_tracejson_read ("again.jsonl", again,
                                                      strlen (again), &error);
  if (back == NULL)
    oracle_failed ("a trace written back does not read", error->message);
  g_autofree char *twice = ses_tracejson_rewrite (back);
  if (strcmp (again, twice) != 0)
    oracle_failed ("a trace written back reads differently", again);
  if (back->obs->len != t->obs->len || back->seed != t->seed
      || back->disabled != t->disabled || back->expected != t->expected)
    oracle_failed ("a trace written back lost records", again);
  /* What reads is judged, as `sessim judge` would: the monitor must take
   * any trace the reader accepts without crashing. */
  g_autoptr (SesInvariants) inv = ses_invariants_new_for_config (t->cfg,
                                                                 t->disabled);
  for (guint i = 0; i < t->obs->len; i++)
    ses_invariants_observe (inv, &g_array_index (t->obs, SesObs, i));
  ses_invariants_finish_at (inv, t->end_us);
  (void) ses_invariants_violations (inv);
  return 0;
}
