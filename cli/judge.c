/* `sessim judge TRACE.jsonl`: judges a recorded trace with the invariant
 * monitor alone (no scenario, no model): the header gives the
 * configuration, the events are fed to the monitor in order, the end
 * record says when the run stopped. Same verdict as `run`: an expected
 * violation that broke passes, one that held fails. */
#include "sessim-config.h"

#include <glib.h>
#include <stdio.h>
#include <string.h>

#include "common.h"
#include "expect.h"
#include "tracejson.h"

/* The invariant names in a bit set, comma-separated, or "none". */
static char *
names_of (guint32 set)
{
  GString *out = g_string_new (NULL);
  for (guint id = 0; id < SES_INV_COUNT; id++)
    if (set & (1u << id))
      g_string_append_printf (out, "%s%s", out->len ? "," : "",
                              ses_invariant_name ((SesInvariantId) id));
  if (out->len == 0)
    g_string_append (out, "none");
  return g_string_free (out, FALSE);
}

int
cli_judge (int argc, char **argv)
{
  gboolean quiet = FALSE;
  GOptionEntry entries[] = {
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet,
      "Print only failures and the verdict", NULL },
    { NULL },
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new (
      "TRACE.jsonl - judge a recorded trace with the invariants");
  g_option_context_set_summary (ctx,
      "Exit 0: every invariant held (or broke as the trace's scenario "
      "expects); 1: a violation; 2: bad input. '-' reads standard input.");
  g_option_context_add_main_entries (ctx, entries, NULL);
  int status = EXIT_OK;
  if (!cli_parse_options (ctx, "judge", &argc, &argv, &status))
    return status;
  if (argc != 2)
    return cli_usage_error ("name one trace.jsonl file");
  const char *path = argv[1];
  g_autoptr (GError) error = NULL;
  g_autofree char *text = NULL;
  gsize length = 0;
  if (!cli_read_file (path, &text, &length, &error))
    {
      cli_error ("%s", error->message);
      return EXIT_USAGE;
    }
  g_autoptr (SesTraceJson) t = ses_tracejson_read (
      strcmp (path, "-") == 0 ? "<stdin>" : path, text, length, &error);
  if (t == NULL)
    {
      cli_print_located (error->message);
      return EXIT_USAGE;
    }

  /* The monitor sees only what the trace recorded: the configuration of
   * its header and its events, in step order. As in `run`, the checks of
   * the end of the run are made only when the run reached its end. */
  gboolean at_end = !t->has_end || t->complete;
  g_autoptr (SesInvariants) inv = ses_invariants_new_for_config (t->cfg,
                                                                 t->disabled);
  for (guint i = 0; i < t->obs->len; i++)
    ses_invariants_observe (inv, &g_array_index (t->obs, SesObs, i));
  if (at_end)
    ses_invariants_finish_at (inv, t->end_us);

  g_autoptr (GArray) failures = g_array_new (FALSE, FALSE,
                                             sizeof (SesExpectFailure));
  g_array_set_clear_func (failures, ses_expect_failure_clear);
  g_autoptr (GPtrArray) expected_seen = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GString) broken = g_string_new (NULL);
  g_autoptr (GString) found = g_string_new (NULL);
  cli_judge_invariants (t->expected, inv, at_end, failures, expected_seen,
                        broken, found);

  if (!quiet)
    for (guint i = 0; i < expected_seen->len; i++)
      printf ("# expected: %s\n",
              (char *) g_ptr_array_index (expected_seen, i));
  for (guint i = 0; i < failures->len; i++)
    {
      const SesExpectFailure *f = &g_array_index (failures, SesExpectFailure,
                                                  i);
      g_autofree char *msg = g_strdup_printf ("%s: %s", path, f->message);
      cli_print_located (msg);
    }

  const GArray *v = ses_invariants_violations (inv);
  guint32 judged = 0, recorded = 0;
  for (guint i = 0; i < v->len; i++)
    judged |= 1u << g_array_index (v, SesViolation, i).id;
  for (guint i = 0; i < t->violations->len; i++)
    recorded |= 1u << g_array_index (t->violations, SesTraceViolation, i).id;
  g_autofree char *judged_names = names_of (judged);
  if (judged != recorded)
    {
      /* Worth saying: the run that wrote the trace judged otherwise (an
       * older judge, or a trace edited by hand). */
      g_autofree char *rec = names_of (recorded);
      printf ("# note: the trace records broken invariants %s; this judge "
              "finds %s\n", rec, judged_names);
    }
  if (!t->has_end)
    printf ("# note: the trace has no end record; judged as ending at its "
            "last step\n");
  else if (!t->complete)
    printf ("# note: the recorded run stopped before its end; the checks of "
            "the end of a run were not made\n");
  /* Every invariant that broke, expected or not, for tools to compare. */
  printf ("# broken: %s\n", judged_names);

  status = failures->len == 0 ? EXIT_OK : EXIT_VIOLATION;
  g_autoptr (GString) details = g_string_new (NULL);
  if (found->len > 0)
    {
      g_autofree char *f = cli_expected_found (found->str);
      g_string_append_printf (details, "%s; ", f);
    }
  g_string_append_printf (details, "%u steps judged", t->obs->len);
  if (broken->len > 0)
    g_string_append_printf (details, "; invariant %s broken", broken->str);
  if (failures->len > 0 && broken->len == 0)
    g_string_append (details, "; an expected violation did not happen");
  cli_print_verdict (status, details->str);
  return status;
}
