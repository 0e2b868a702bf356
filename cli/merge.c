/* `sessim merge RESULT.json...`: joins the JSON results of check --random
 * shards into one report, judged as the whole seed range. */
#include "sessim-config.h"

#include <glib.h>
#include <stdio.h>

#include "common.h"
#include "report.h"

int
cli_merge (int argc, char **argv)
{
  gboolean json = FALSE, coverage = FALSE;
  GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json,
      "Print the merged result as one JSON object", NULL },
    { "coverage", 0, 0, G_OPTION_ARG_NONE, &coverage,
      "List which rules were exercised and which were not", NULL },
    { NULL },
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new (
      "RESULT.json... - merge the results of 'check --random --json' shards "
      "into one report; exit 1 if any shard found a violation");
  g_option_context_add_main_entries (ctx, entries, NULL);
  int status = EXIT_OK;
  if (!cli_parse_options (ctx, "merge", &argc, &argv, &status))
    return status;
  if (argc < 2)
    return cli_usage_error ("name at least one result file");
  g_autoptr (GError) error = NULL;
  g_autoptr (SesReport) merged = NULL;
  for (int i = 1; i < argc; i++)
    {
      g_autofree char *text = NULL;
      gsize len = 0;
      if (!cli_read_file (argv[i], &text, &len, &error))
        {
          cli_error ("%s", error->message);
          return EXIT_USAGE;
        }
      g_autoptr (SesReport) r = ses_report_from_json (argv[i], text, len,
                                                      &error);
      if (r == NULL)
        {
          cli_print_located (error->message);
          return EXIT_USAGE;
        }
      if (merged == NULL)
        {
          merged = g_steal_pointer (&r);
          continue;
        }
      if (!ses_report_merge (merged, r, &error))
        {
          cli_error ("%s: %s", argv[i], error->message);
          return EXIT_USAGE;
        }
    }
  /* Judged as the whole range: a missing shard leaves it incomplete. */
  merged->merged = TRUE;
  if (json)
    {
      g_autofree char *j = ses_report_to_json (merged);
      fputs (j, stdout);
    }
  else
    {
      g_autofree char *t = ses_report_to_text (merged, coverage);
      printf ("# merged %d result%s\n", argc - 1, argc == 2 ? "" : "s");
      fputs (t, stdout);
      printf ("# %.2f s of walking in all, peak %" G_GUINT64_FORMAT
              " KiB in one shard\n", merged->seconds, merged->peak_rss_kib);
    }
  return ses_report_status (merged);
}

