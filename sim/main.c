/* The sessim command line: a sorted table of subcommands, each with its own
 * options. The only file that touches the operating system (arguments,
 * standard output, exit codes); it wires the engine to the MQTT model. */
#include "sessim-config.h"

#include <glib.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "examples.h"
#include "expect.h"
#include "mqtt.h"
#include "invariant.h"
#include "script.h"
#include "variant.h"
#include "world.h"

enum {
  EXIT_OK = 0,
  EXIT_VIOLATION = 1,
  EXIT_USAGE = 2,
};

typedef struct {
  const char *name;
  const char *summary;
  int (*run) (int argc, char **argv);
} Command;

static int
usage_error (GOptionContext *ctx, const char *message)
{
  g_printerr ("sessim: %s\n", message);
  g_autofree char *help = g_option_context_get_help (ctx, TRUE, NULL);
  g_printerr ("%s", help);
  return EXIT_USAGE;
}

static int
cmd_examples (int argc, char **argv)
{
  guint n;
  const SesExample *ex = ses_examples (&n);
  for (guint i = 0; i < n; i++)
    g_print ("%-22s %s\n", ex[i].name, ex[i].summary);
  return EXIT_OK;
}

static int
cmd_example (int argc, char **argv)
{
  gint64 seed = 1;
  gint fault_ppm = 0;
  gint max_faults = 0;
  gboolean quiet = FALSE;
  GOptionEntry entries[] = {
    { "seed", 's', 0, G_OPTION_ARG_INT64, &seed,
      "Seed of the random streams (default 1)", "N" },
    { "fault-rate", 0, 0, G_OPTION_ARG_INT, &fault_ppm,
      "Chance per step, in parts per million, of a random fault "
      "(cut, half-open, crash, broker restart); default 0", "PPM" },
    { "max-faults", 0, 0, G_OPTION_ARG_INT, &max_faults,
      "At most this many random faults (default 0: none)", "N" },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet,
      "Print only the summary line", NULL },
    { NULL },
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new (
      "NAME - run a built-in example and print what happened");
  g_option_context_add_main_entries (ctx, entries, NULL);
  g_autoptr (GError) error = NULL;
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    return usage_error (ctx, error->message);
  if (argc != 2)
    return usage_error (ctx, "name one example (see `sessim examples`)");
  const SesExample *ex = ses_example_find (argv[1]);
  if (ex == NULL)
    {
      g_autofree char *msg = g_strdup_printf (
          "no example named '%s' (see `sessim examples`)", argv[1]);
      return usage_error (ctx, msg);
    }
  if (seed < 0 || fault_ppm < 0 || fault_ppm > 1000000 || max_faults < 0)
    return usage_error (ctx, "--seed, --fault-rate and --max-faults take "
                             "non-negative numbers (rate at most 1000000)");

  g_autoptr (SesMqttConfig) cfg = ex->build ();
  g_autoptr (SesWorld) world = ses_mqtt_world_new (cfg, (guint64) seed);
  SesRandomRun opts = { .until = ex->run_until_us,
                        .fault_ppm = (guint32) fault_ppm,
                        .max_faults = (guint32) max_faults };
  guint64 steps = ses_world_run_random (world, &opts);
  SesMqtt *mqtt = ses_mqtt_from_world (world);

  g_print ("# sessim %s example %s seed %" G_GINT64_FORMAT "\n",
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

typedef struct {
  char *name;
  int status; /* EXIT_OK, EXIT_VIOLATION or EXIT_USAGE */
  guint expectations;
  guint failed;
  guint64 deliveries;
} RunResult;

/* The scenario's name for its output folder: the file name without .scn. */
static char *
scenario_name (const char *path)
{
  g_autofree char *base = g_path_get_basename (path);
  if (g_str_has_suffix (base, ".scn"))
    base[strlen (base) - 4] = '\0';
  return g_strdup (base);
}

/* Writes each file whole (g_file_set_contents goes through a temporary
 * name and a rename), so a failure never leaves half a file. */
static gboolean
write_outputs (const char *dir, const char *text, const char *jsonl,
               const char *summary, const char *format, GError **error)
{
  if (g_mkdir_with_parents (dir, 0755) != 0)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_FAILED,
                   "cannot create %s", dir);
      return FALSE;
    }
  g_autofree char *t = g_build_filename (dir, "trace.txt", NULL);
  g_autofree char *j = g_build_filename (dir, "trace.jsonl", NULL);
  g_autofree char *s = g_build_filename (dir, "summary.json", NULL);
  if (strcmp (format, "jsonl") != 0
      && !g_file_set_contents (t, text, -1, error))
    return FALSE;
  if (strcmp (format, "text") != 0
      && !g_file_set_contents (j, jsonl, -1, error))
    return FALSE;
  return g_file_set_contents (s, summary, -1, error);
}

/* The timeline as printed: each observation, and with --explain a plain
 * sentence under it. */
static void
print_timeline (const char *header, SesMqtt *mqtt, gboolean explain)
{
  SesMqttConfig *cfg = ses_mqtt_config (mqtt);
  const GArray *obs = ses_mqtt_log (mqtt);
  fputs (header, stdout);
  for (guint i = 0; i < obs->len; i++)
    {
      const SesObs *o = &g_array_index (obs, SesObs, i);
      g_autofree char *line = ses_obs_describe (o, ses_mqtt_config_strings (cfg),
                                                ses_mqtt_config_labels (cfg));
      puts (line);
      if (!explain)
        continue;
      g_autofree char *why = ses_obs_explain (o, ses_mqtt_config_strings (cfg),
                                              ses_mqtt_config_labels (cfg));
      if (why != NULL)
        printf ("    %s\n", why);
    }
}

/* Turns broken invariants into failures, except those the scenario
 * expects (`expect violation NAME`); an expected one that never broke is
 * a failure too. Returns how many expected violations held. */
static guint
judge_invariants (const SesScript *script, SesInvariants *inv,
                  GArray *failures)
{
  guint32 expected = ses_script_expected_violations (script);
  guint32 seen = 0;
  const GArray *v = ses_invariants_violations (inv);
  for (guint i = 0; i < v->len; i++)
    {
      const SesViolation *x = &g_array_index (v, SesViolation, i);
      seen |= 1u << x->id;
      if (expected & (1u << x->id))
        continue;
      g_autofree char *when = ses_time_format (x->time_us);
      SesExpectFailure f = {
        0, g_strdup_printf ("invariant %s broken at %s (step %" G_GUINT64_FORMAT
                            " of the trace): %s%s%s%s",
                            ses_invariant_name (x->id), when, x->obs_index + 1,
                            x->message, x->rule ? " [" : "",
                            x->rule ? x->rule : "", x->rule ? "]" : ""),
      };
      g_array_append_val (failures, f);
    }
  guint held = 0;
  for (guint id = 0; id < SES_INV_COUNT; id++)
    {
      if (!(expected & (1u << id)))
        continue;
      if (seen & (1u << id))
        {
          held++;
          continue;
        }
      SesExpectFailure f = {
        0, g_strdup_printf ("expected invariant %s to break, but it held",
                            ses_invariant_name ((SesInvariantId) id)),
      };
      g_array_append_val (failures, f);
    }
  return held;
}

static RunResult
run_one (const char *path, gint64 seed_override, const char *out_dir,
         const char *format, gboolean quiet, gboolean explain)
{
  RunResult r = { .name = scenario_name (path), .status = EXIT_OK };
  g_autoptr (GError) error = NULL;
  g_autoptr (SesScript) script = ses_script_load_file (path, &error);
  if (script == NULL)
    {
      g_printerr ("%s\n", error->message);
      r.status = EXIT_USAGE;
      return r;
    }
  guint64 seed = seed_override >= 0 ? (guint64) seed_override
                                    : ses_script_seed (script);
  SesMqttConfig *cfg = ses_script_config (script);
  g_autoptr (SesWorld) world = ses_mqtt_world_new (cfg, seed);
  /* Invariants watch every observation as it is made; freed before the
   * world, since they hook into its model. */
  SesInvariants *inv = ses_invariants_new (
      world, ses_script_disabled_invariants (script));
  ses_world_run (world, ses_script_until (script));
  ses_invariants_finish (inv);
  SesMqtt *mqtt = ses_mqtt_from_world (world);

  g_autoptr (GArray) failures = g_array_new (FALSE, FALSE,
                                             sizeof (SesExpectFailure));
  g_array_set_clear_func (failures, ses_expect_failure_clear);
  guint held = ses_expect_check (script, mqtt, failures);
  held += judge_invariants (script, inv, failures);
  ses_invariants_free (inv);
  r.expectations = held + failures->len;
  r.failed = failures->len;
  r.deliveries = ses_mqtt_counters (mqtt)->delivered;

  g_autofree char *header = g_strdup_printf (
      "# sessim %s scenario %s seed %" G_GUINT64_FORMAT "\n", SESSIM_VERSION,
      path, seed);
  g_autofree char *log = ses_mqtt_log_text (mqtt);
  g_autofree char *text = g_strconcat (header, log, NULL);
  const GArray *obs = ses_mqtt_log (mqtt);
  GString *jsonl = g_string_new (NULL);
  for (guint i = 0; i < obs->len; i++)
    {
      g_autofree char *line = ses_obs_to_json (
          &g_array_index (obs, SesObs, i), ses_mqtt_config_strings (cfg),
          ses_mqtt_config_labels (cfg));
      g_string_append (jsonl, line);
      g_string_append_c (jsonl, '\n');
    }
  GString *summary = g_string_new ("{\"scenario\":");
  ses_json_append_string (summary, path);
  g_string_append (summary, ",\"title\":");
  ses_json_append_string (summary, ses_script_title (script));
  g_string_append_printf (summary,
                          ",\"version\":\"%s\",\"seed\":%" G_GUINT64_FORMAT
                          ",\"passed\":%s,\"expectations\":%u,\"failed\":["
                          , SESSIM_VERSION, seed,
                          failures->len == 0 ? "true" : "false",
                          r.expectations);
  for (guint i = 0; i < failures->len; i++)
    {
      const SesExpectFailure *f = &g_array_index (failures, SesExpectFailure, i);
      g_string_append_printf (summary, "%s{\"line\":%u,\"message\":",
                              i ? "," : "", f->line);
      ses_json_append_string (summary, f->message);
      g_string_append_c (summary, '}');
    }
  const SesMqttCounters *n = ses_mqtt_counters (mqtt);
  g_string_append_printf (summary,
                          "],\"steps\":%" G_GUINT64_FORMAT
                          ",\"packets\":%" G_GUINT64_FORMAT
                          ",\"accepted\":%" G_GUINT64_FORMAT
                          ",\"delivered\":%" G_GUINT64_FORMAT
                          ",\"state\":\"%016" G_GINT64_MODIFIER "x\"}\n",
                          ses_world_steps (world), n->packets, n->published,
                          n->delivered, ses_world_fingerprint (world));

  if (!quiet)
    print_timeline (header, mqtt, explain);
  g_autofree char *dir = g_build_filename (out_dir, r.name, NULL);
  g_autoptr (GError) werr = NULL;
  gboolean written = write_outputs (dir, text, jsonl->str, summary->str,
                                    format, &werr);
  g_string_free (jsonl, TRUE);
  g_string_free (summary, TRUE);
  if (!written)
    {
      g_printerr ("sessim: %s\n", werr->message);
      r.status = EXIT_USAGE;
      return r;
    }
  for (guint i = 0; i < failures->len; i++)
    {
      const SesExpectFailure *f = &g_array_index (failures, SesExpectFailure, i);
      if (f->line > 0)
        g_printerr ("%s:%u: expectation failed: %s\n", path, f->line,
                    f->message);
      else
        g_printerr ("%s: %s\n", path, f->message);
    }
  if (failures->len > 0)
    r.status = EXIT_VIOLATION;
  return r;
}

static int
cmd_run (int argc, char **argv)
{
  gint64 seed = -1;
  g_autofree char *out_dir = NULL;
  g_autofree char *format = NULL;
  gboolean quiet = FALSE;
  gboolean explain = FALSE;
  GOptionEntry entries[] = {
    { "seed", 's', 0, G_OPTION_ARG_INT64, &seed,
      "Seed (default: the scenario's `seed`, else 1)", "N" },
    { "explain", 'e', 0, G_OPTION_ARG_NONE, &explain,
      "Explain each step in a plain sentence, with the rule it follows",
      NULL },
    { "out", 'o', 0, G_OPTION_ARG_FILENAME, &out_dir,
      "Folder for output/<scenario>/ files (default: output)", "DIR" },
    { "format", 'f', 0, G_OPTION_ARG_STRING, &format,
      "Trace files to write: text, jsonl or both (default both)", "FORMAT" },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet,
      "Do not print the timeline", NULL },
    { NULL },
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new (
      "FILE... - run scenario files and judge their expectations");
  g_option_context_add_main_entries (ctx, entries, NULL);
  g_autoptr (GError) error = NULL;
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    return usage_error (ctx, error->message);
  if (argc < 2)
    return usage_error (ctx, "name at least one scenario file");
  if (format == NULL)
    format = g_strdup ("both");
  if (strcmp (format, "text") != 0 && strcmp (format, "jsonl") != 0
      && strcmp (format, "both") != 0)
    return usage_error (ctx, "--format takes text, jsonl or both");
  if (out_dir == NULL)
    out_dir = g_strdup ("output");

  int status = EXIT_OK;
  g_autoptr (GArray) results = g_array_new (FALSE, FALSE, sizeof (RunResult));
  for (int i = 1; i < argc; i++)
    {
      RunResult r = run_one (argv[i], seed, out_dir, format,
                             quiet || argc > 2, explain);
      status = MAX (status, r.status);
      g_array_append_val (results, r);
    }
  if (argc > 2)
    {
      g_print ("%-36s %-6s %12s %10s\n", "scenario", "result", "expectations",
               "delivered");
      for (guint i = 0; i < results->len; i++)
        {
          RunResult *r = &g_array_index (results, RunResult, i);
          g_print ("%-36s %-6s %5u/%-6u %10" G_GUINT64_FORMAT "\n", r->name,
                   r->status == EXIT_OK ? "ok"
                   : r->status == EXIT_VIOLATION ? "FAIL" : "ERROR",
                   r->expectations - r->failed, r->expectations,
                   r->deliveries);
        }
    }
  for (guint i = 0; i < results->len; i++)
    g_free (g_array_index (results, RunResult, i).name);
  return status;
}

static int
cmd_list (int argc, char **argv)
{
  if (argc == 2 && strcmp (argv[1], "variants") == 0)
    {
      for (guint i = 0; i < SES_VARIANT_COUNT; i++)
        {
          const SesVariantInfo *v = ses_variant_info ((SesVariant) i);
          g_print ("%-28s %-6s %s Breaks %s; caught by %s.\n", v->name,
                   v->client_side ? "client" : "broker", v->summary, v->rule,
                   v->caught_by);
        }
      return EXIT_OK;
    }
  if (argc == 2 && strcmp (argv[1], "invariants") == 0)
    {
      for (guint i = 0; i < SES_INV_COUNT; i++)
        g_print ("%-20s %s\n", ses_invariant_name ((SesInvariantId) i),
                 ses_invariant_summary ((SesInvariantId) i));
      return EXIT_OK;
    }
  if (argc == 2 && strcmp (argv[1], "examples") == 0)
    return cmd_examples (argc, argv);
  g_printerr ("usage: sessim list variants|invariants|examples\n");
  return EXIT_USAGE;
}

static int
cmd_version (int argc, char **argv)
{
  g_print ("sessim %s\n", SESSIM_VERSION);
  return EXIT_OK;
}

/* Sorted by name. */
static const Command commands[] = {
  { "example", "run a built-in example and print its timeline", cmd_example },
  { "examples", "list the built-in examples", cmd_examples },
  { "list", "list variants, invariants or examples", cmd_list },
  { "run", "run scenario files and check their expectations", cmd_run },
  { "version", "print the program version", cmd_version },
};

static void
print_usage (FILE *out)
{
  fprintf (out, "usage: sessim COMMAND [OPTIONS] [ARGS]\n\ncommands:\n");
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    fprintf (out, "  %-10s %s\n", commands[i].name, commands[i].summary);
  fprintf (out, "\n`sessim COMMAND --help` describes each command.\n");
}

int
main (int argc, char **argv)
{
  /* Everything printed is in the C locale, whatever the environment. */
  setlocale (LC_ALL, "C");
  if (argc < 2)
    {
      print_usage (stderr);
      return EXIT_USAGE;
    }
  if (strcmp (argv[1], "--help") == 0 || strcmp (argv[1], "-h") == 0
      || strcmp (argv[1], "help") == 0)
    {
      print_usage (stdout);
      return EXIT_OK;
    }
  if (strcmp (argv[1], "--version") == 0)
    return cmd_version (argc, argv);
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    if (strcmp (argv[1], commands[i].name) == 0)
      return commands[i].run (argc - 1, argv + 1);
  fprintf (stderr, "sessim: unknown command '%s'\n\n", argv[1]);
  print_usage (stderr);
  return EXIT_USAGE;
}
