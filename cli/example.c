/* `sessim examples` and `sessim example NAME`: the built-in examples,
 * built in code rather than read from a scenario file, run with a seed. */
#include "sessim-config.h"

#include <glib.h>
#include <stdio.h>
#include <string.h>

#include "common.h"
#include "examples.h"

void
cli_print_examples (void)
{
  guint n;
  const SesExample *ex = ses_examples (&n);
  for (guint i = 0; i < n; i++)
    g_print ("%-22s %s\n", ex[i].name, ex[i].summary);
}

int
cli_examples (int argc, char **argv)
{
  GOptionEntry entries[] = { { NULL } };
  g_autoptr (GOptionContext) ctx = g_option_context_new (
      "- list the built-in examples");
  g_option_context_add_main_entries (ctx, entries, NULL);
  int status = EXIT_OK;
  if (!cli_parse_options (ctx, "examples", &argc, &argv, &status))
    return status;
  if (argc != 1)
    return cli_usage_error ("takes no arguments");
  cli_print_examples ();
  return EXIT_OK;
}

int
cli_example (int argc, char **argv)
{
  g_autofree char *seed_text = NULL, *rate_text = NULL, *faults_text = NULL;
  gboolean quiet = FALSE;
  GOptionEntry entries[] = {
    { "seed", 's', 0, G_OPTION_ARG_STRING, &seed_text,
      "Seed of the random streams, 0 to 2^64-1 (default 1)", "N" },
    { "fault-rate", 0, 0, G_OPTION_ARG_STRING, &rate_text,
      "Chance per step, in parts per million, of a random fault "
      "(cut, half-open, crash, broker restart); default 0", "PPM" },
    { "max-faults", 0, 0, G_OPTION_ARG_STRING, &faults_text,
      "At most this many random faults (default 0: none)", "N" },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet,
      "Print only the summary line", NULL },
    { NULL },
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new (
      "NAME - run a built-in example and print what happened");
  g_option_context_add_main_entries (ctx, entries, NULL);
  int status = EXIT_OK;
  if (!cli_parse_options (ctx, "example", &argc, &argv, &status))
    return status;
  if (argc != 2)
    return cli_usage_error ("name one example (see 'sessim examples')");
  const SesExample *ex = ses_example_find (argv[1]);
  if (ex == NULL)
    return cli_usage_error ("no example named '%s' (see 'sessim examples')",
                            argv[1]);
  guint64 seed = 1, fault_ppm = 0, max_faults = 0;
  if (!cli_option_u64 ("--seed", seed_text, 0, G_MAXUINT64, &seed)
      || !cli_option_u64 ("--fault-rate", rate_text, 0, 1000000, &fault_ppm)
      || !cli_option_u64 ("--max-faults", faults_text, 0, G_MAXUINT32,
                          &max_faults))
    return EXIT_USAGE;

  g_autoptr (SesMqttConfig) cfg = ex->build ();
  g_autoptr (SesWorld) world = ses_mqtt_world_new (cfg, seed);
  SesRandomRun opts = { .until = ex->run_until_us,
                        .fault_ppm = (guint32) fault_ppm,
                        .max_faults = (guint32) max_faults };
  guint64 steps = ses_world_run_random (world, &opts);
  SesMqtt *mqtt = ses_mqtt_from_world (world);

  g_print ("# sessim %s example %s seed %" G_GUINT64_FORMAT "\n",
           SESSIM_VERSION, ex->name, seed);
  if (!quiet)
    {
      g_autofree char *log = ses_mqtt_log_text (mqtt);
      fputs (log, stdout);
    }
  const SesMqttCounters *n = ses_mqtt_counters (mqtt);
  g_print ("# %" G_GUINT64_FORMAT " steps, %" G_GUINT64_FORMAT
           " packets, %" G_GUINT64_FORMAT " messages accepted, %"
           G_GUINT64_FORMAT " delivered, state %016" G_GINT64_MODIFIER "x\n",
           steps, n->packets, n->published, n->delivered,
           ses_world_fingerprint (world));
  return EXIT_OK;
}
