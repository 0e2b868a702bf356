/* `sessim run FILE...`: runs scenario files with a seed, writes each one's
 * trace and summary into its own output folder, judges its expectations
 * and the invariants, and prints a table when there are several. */
#include "sessim-config.h"

#include <glib.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>

#include "common.h"
#include "expect.h"
#include "render.h"

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

/* Turns broken invariants into failures, except those the scenario
 * expects (`expect violation NAME`); an expected one that never broke is
 * a failure too. Returns how many expected violations held. */
static guint
judge_invariants (const SesScript *script, SesInvariants *inv,
                  GArray *failures, GPtrArray *expected_seen)
{
  guint32 expected = ses_script_expected_violations (script);
  guint32 seen = 0;
  const GArray *v = ses_invariants_violations (inv);
  for (guint i = 0; i < v->len; i++)
    {
      const SesViolation *x = &g_array_index (v, SesViolation, i);
      seen |= 1u << x->id;
      if (expected & (1u << x->id))
        {
          g_ptr_array_add (expected_seen, cli_describe_violation (x));
          continue;
        }
      SesExpectFailure f = { 0, cli_describe_violation (x) };
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

RunResult
cli_run_one (const char *path, const RunOptions *o)
{
  gint64 seed_override = o->seed;
  const char *out_dir = o->out_dir, *format = o->format;
  gboolean quiet = o->quiet, explain = o->explain;
  RunResult r = { .name = cli_scenario_name (path), .status = EXIT_OK };
  g_autoptr (GError) error = NULL;
  g_autoptr (SesScript) script = ses_script_load_file (path, &error);
  if (script == NULL)
    {
      cli_print_error (error->message);
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
  /* A scenario can loop (two clients taking a session from each other
   * with instant reconnects): stop it after max_steps rather than run
   * out of memory, and say the run is incomplete. */
  SesTime until = ses_script_until (script);
  guint64 steps = 0;
  gboolean complete = TRUE;
  while (ses_world_step (world, until))
    if (++steps >= o->max_steps)
      {
        complete = FALSE;
        break;
      }
  ses_invariants_finish (inv);
  SesMqtt *mqtt = ses_mqtt_from_world (world);

  g_autoptr (GArray) failures = g_array_new (FALSE, FALSE,
                                             sizeof (SesExpectFailure));
  g_array_set_clear_func (failures, ses_expect_failure_clear);
  guint held = ses_expect_check (script, mqtt, failures);
  g_autoptr (GPtrArray) expected_seen = g_ptr_array_new_with_free_func (g_free);
  held += judge_invariants (script, inv, failures, expected_seen);
  SesDiagramMark mark;
  gboolean marked = cli_first_mark (inv, &mark);
  r.expectations = held + failures->len;
  r.failed = failures->len;
  r.deliveries = ses_mqtt_counters (mqtt)->delivered;

  g_autofree char *header = g_strdup_printf (
      "# sessim %s scenario %s seed %" G_GUINT64_FORMAT "\n", SESSIM_VERSION,
      path, seed);
  g_autofree char *log = ses_mqtt_log_text (mqtt);
  g_autofree char *text = g_strconcat (header, log, NULL);
  g_autofree char *jsonl = ses_mqtt_log_jsonl (mqtt);
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
                          "],\"complete\":%s,\"steps\":%" G_GUINT64_FORMAT
                          ",\"packets\":%" G_GUINT64_FORMAT
                          ",\"accepted\":%" G_GUINT64_FORMAT
                          ",\"delivered\":%" G_GUINT64_FORMAT
                          ",\"state\":\"%016" G_GINT64_MODIFIER "x\"}\n",
                          complete ? "true" : "false",
                          ses_world_steps (world), n->packets, n->published,
                          n->delivered, ses_world_fingerprint (world));

  if (!quiet)
    {
      cli_print_timeline (header, mqtt, explain);
      /* A scenario that shows a deliberately wrong variant passes because
       * the bug showed: say where. */
      for (guint i = 0; i < expected_seen->len; i++)
        printf ("# expected: %s\n", (char *) g_ptr_array_index (expected_seen, i));
    }
  g_autofree char *dir = g_build_filename (out_dir, r.name, NULL);
  g_autoptr (GError) werr = NULL;
  gboolean written = write_outputs (dir, text, jsonl, summary->str,
                                    format, &werr)
                     && (o->render == NULL
                         || ses_diagram_write_all (mqtt, o->diagrams,
                                                   o->render, dir,
                                                   marked ? &mark : NULL,
                                                   &werr));
  g_string_free (summary, TRUE);
  ses_invariants_free (inv);
  if (!written)
    {
      g_autofree char *msg = g_strdup_printf ("sessim: %s", werr->message);
      cli_print_error (msg);
      r.status = EXIT_USAGE;
      return r;
    }
  if (!complete)
    {
      g_autofree char *msg = g_strdup_printf (
          "%s: stopped after %" G_GUINT64_FORMAT " steps before reaching "
          "the end of the run (raise --max-steps if the scenario is meant to "
          "be this busy)", path, steps);
      cli_print_error (msg);
      r.status = EXIT_INCOMPLETE;
    }
  for (guint i = 0; i < failures->len; i++)
    {
      const SesExpectFailure *f = &g_array_index (failures, SesExpectFailure, i);
      g_autofree char *msg = f->line > 0
          ? g_strdup_printf ("%s:%u: expectation failed: %s", path, f->line,
                             f->message)
          : g_strdup_printf ("%s: %s", path, f->message);
      cli_print_error (msg);
    }
  if (failures->len > 0)
    r.status = EXIT_VIOLATION;
  return r;
}

int
cli_run (int argc, char **argv)
{
  gint64 seed = -1;
  g_autofree char *out_dir = NULL;
  g_autofree char *format = NULL;
  gboolean quiet = FALSE;
  gboolean explain = FALSE;
  g_autofree char *render = NULL;
  g_autofree char *diagrams = NULL;
  gint64 max_steps = 5000000;
  GOptionEntry entries[] = {
    { "render", 'r', 0, G_OPTION_ARG_STRING, &render,
      "Also draw the run's diagrams: dot, svg or png", "FORMAT" },
    { "diagrams", 0, 0, G_OPTION_ARG_STRING, &diagrams,
      "Which diagrams --render draws: lifecycle, sequence or all (default)",
      "WHAT" },
    { "max-steps", 0, 0, G_OPTION_ARG_INT64, &max_steps,
      "Stop a run after this many steps, exit 3 (default 5000000)", "N" },
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
    return cli_usage_error (ctx, error->message);
  if (argc < 2)
    return cli_usage_error (ctx, "name at least one scenario file");
  if (format == NULL)
    format = g_strdup ("both");
  if (strcmp (format, "text") != 0 && strcmp (format, "jsonl") != 0
      && strcmp (format, "both") != 0)
    return cli_usage_error (ctx, "--format takes text, jsonl or both");
  if (out_dir == NULL)
    out_dir = g_strdup ("output");
  if (render != NULL && !ses_render_format_supported (render))
    return cli_usage_error (ctx, "--render takes dot, svg or png");
  if (diagrams == NULL)
    diagrams = g_strdup ("all");
  if (strcmp (diagrams, "lifecycle") != 0 && strcmp (diagrams, "sequence") != 0
      && strcmp (diagrams, "all") != 0)
    return cli_usage_error (ctx, "--diagrams takes lifecycle, sequence or all");
  if (max_steps <= 0)
    return cli_usage_error (ctx, "--max-steps takes a positive number");
  RunOptions opts = {
    .out_dir = out_dir, .format = format, .seed = seed,
    .quiet = quiet || argc > 2, .explain = explain, .render = render,
    .diagrams = diagrams, .max_steps = (guint64) max_steps,
  };

  int status = EXIT_OK;
  g_autoptr (GArray) results = g_array_new (FALSE, FALSE, sizeof (RunResult));
  for (int i = 1; i < argc; i++)
    {
      RunResult r = cli_run_one (argv[i], &opts);
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
                   : r->status == EXIT_VIOLATION ? "FAIL"
                   : r->status == EXIT_INCOMPLETE ? "LIMIT" : "ERROR",
                   r->expectations - r->failed, r->expectations,
                   r->deliveries);
        }
    }
  for (guint i = 0; i < results->len; i++)
    g_free (g_array_index (results, RunResult, i).name);
  return status;
}

