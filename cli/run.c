/* `sessim run FILE...`: runs scenario files with a seed, writes each one's
 * trace and summary into its own output folder (each file whole), judges
 * its expectations and the invariants, and ends on a verdict line, or,
 * for several files, on a table with a totals row. A run cut short (by
 * --max-steps or a signal) is never judged as if it had ended. */
#include "sessim-config.h"

#include <glib.h>
#include <stdio.h>
#include <string.h>

#include "common.h"
#include "expect.h"
#include "hugepages.h"
#include "render.h"

static gboolean
write_outputs (const char *dir, const char *text, const char *jsonl,
               const char *summary, const char *format, GError **error)
{
  g_autofree char *t = g_build_filename (dir, "trace.txt", NULL);
  g_autofree char *j = g_build_filename (dir, "trace.jsonl", NULL);
  g_autofree char *s = g_build_filename (dir, "summary.json", NULL);
  if (!cli_make_dir (dir, error))
    return FALSE;
  if (strcmp (format, "jsonl") != 0 && !cli_write_file (t, text, -1, error))
    return FALSE;
  if (strcmp (format, "text") != 0 && !cli_write_file (j, jsonl, -1, error))
    return FALSE;
  return cli_write_file (s, summary, -1, error);
}

gboolean
cli_diagrams_valid (const char *what)
{
  return strcmp (what, "lifecycle") == 0 || strcmp (what, "sequence") == 0
         || strcmp (what, "all") == 0;
}

/* From this many clients on, a run's records outgrow what the TLB covers
 * on 4 KiB pages and huge pages pay (bench/README.md: about 5 % at 10 000
 * clients, 10 % at 100 000). */
#define HUGE_PAGES_CLIENTS 10000
/* The heap stretch advised then: address space, used as it is written. */
#define HUGE_PAGES_RESERVE ((gsize) 1 << 30)

RunResult
cli_run_one (const char *path, const RunOptions *o)
{
  const char *out_dir = o->out_dir, *format = o->format;
  gboolean quiet = o->quiet, explain = o->explain;
  RunResult r = { .name = cli_scenario_name (path), .status = EXIT_OK };
  g_autoptr (GError) error = NULL;
  g_autofree char *source = NULL;
  gsize source_length = 0;
  g_autoptr (SesScript) script = cli_load_script (path, &source,
                                                  &source_length, &error);
  if (script == NULL)
    {
      cli_print_load_error (error);
      r.status = EXIT_USAGE;
      return r;
    }
  guint64 seed = o->has_seed ? o->seed : ses_script_seed (script);
  SesMqttConfig *cfg = ses_script_config (script);
  /* --only names clients of this scenario: checked before anything runs
   * or is written. */
  if (o->view != NULL && !cli_view_bind (o->view, cfg, path))
    {
      r.status = EXIT_USAGE;
      return r;
    }
  if (ses_mqtt_config_n_clients (cfg) >= HUGE_PAGES_CLIENTS)
    ses_hugepages_reserve_heap (HUGE_PAGES_RESERVE);
  g_autoptr (SesWorld) world = ses_mqtt_world_new (cfg, seed);
  /* Invariants watch every observation as it is made; freed before the
   * world, since they hook into its model. */
  SesInvariants *inv = ses_invariants_new (
      world, ses_script_disabled_invariants (script));
  /* A scenario can loop (two clients taking a session from each other
   * with instant reconnects): stop it after max_steps rather than run
   * out of memory, and say the run is incomplete. A signal stops it
   * between two steps. */
  SesTime until = ses_script_until (script);
  guint64 steps = 0;
  gboolean complete = TRUE, interrupted = FALSE;
  SesMqtt *mqtt = ses_mqtt_from_world (world);
  /* What each side holds, after every step that changes it and at the
   * chosen times: for the tables, the narration and the report. */
  gboolean want_state = o->state || o->state_at != NULL;
  g_autoptr (SesSnapshots) snaps = NULL;
  if (want_state || o->report || (explain && !quiet))
    {
      snaps = ses_snapshots_new (mqtt);
      ses_snapshots_update (snaps, ses_world_now (world));
    }
  guint next_at = 0;
  for (;;)
    {
      SesTime stop = until;
      if (o->state_at != NULL && next_at < o->state_at->len)
        {
          SesTime t = g_array_index (o->state_at, SesTime, next_at);
          if (until == SES_TIME_NONE || t < until)
            stop = t;
        }
      while (complete && !interrupted && ses_world_step (world, stop))
        {
          if (snaps != NULL)
            ses_snapshots_update (snaps, ses_world_now (world));
          if (cli_interrupted)
            interrupted = TRUE;
          else if (++steps >= o->max_steps)
            complete = FALSE;
        }
      if (!complete || interrupted || stop == until)
        break;
      ses_snapshots_take_at (snaps, stop);
      next_at++;
    }
  /* Expectations and the checks that need the end of the run are about a
   * run that ended: a run cut short is judged only on what broke in it. */
  gboolean at_end = complete && !interrupted;
  if (at_end)
    ses_invariants_finish (inv);

  g_autoptr (GArray) failures = g_array_new (FALSE, FALSE,
                                             sizeof (SesExpectFailure));
  g_array_set_clear_func (failures, ses_expect_failure_clear);
  guint held = at_end ? ses_expect_check (script, mqtt, failures) : 0;
  /* trace.jsonl records the scenario's own failed expectations; broken
   * invariants, expected or not, come from the monitor. */
  g_autofree char *jsonl = cli_trace_jsonl (script, path, source,
                                            source_length, seed, mqtt,
                                            ses_invariants_violations (inv),
                                            failures, ses_world_now (world),
                                            at_end, want_state ? snaps : NULL,
                                            o->state);
  g_autoptr (GPtrArray) expected_seen = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GString) broken = g_string_new (NULL);
  g_autoptr (GString) found = g_string_new (NULL);
  held += cli_judge_invariants (ses_script_expected_violations (script), inv,
                                at_end, failures, expected_seen, broken,
                                found);
  SesDiagramMark mark;
  gboolean marked = cli_first_mark (inv, &mark);
  r.expectations = held + failures->len;
  r.failed = failures->len;
  r.deliveries = ses_mqtt_counters (mqtt)->delivered;

  g_autofree char *header = g_strdup_printf (
      "# sessim %s scenario %s seed %" G_GUINT64_FORMAT "\n", SESSIM_VERSION,
      path, seed);
  g_autofree char *text = cli_view_text (o->view, header, mqtt);
  g_autofree char *final_state = cli_final_state (mqtt, snaps,
                                                  ses_world_now (world));
  GString *summary = g_string_new ("{\"scenario\":");
  ses_json_append_string (summary, path);
  g_string_append (summary, ",\"title\":");
  ses_json_append_string (summary, ses_script_title (script));
  g_string_append_printf (summary,
                          ",\"version\":\"%s\",\"seed\":%" G_GUINT64_FORMAT
                          ",\"passed\":%s,\"expectations\":%u,\"failed\":["
                          , SESSIM_VERSION, seed,
                          failures->len == 0 && at_end ? "true" : "false",
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
  /* "steps" counts what the traces and diagrams number (one per
   * observation, docs/trace-format.md); "events" the world's events. */
  g_string_append_printf (summary,
                          "],\"complete\":%s,%s\"steps\":%u"
                          ",\"events\":%" G_GUINT64_FORMAT
                          ",\"packets\":%" G_GUINT64_FORMAT
                          ",\"accepted\":%" G_GUINT64_FORMAT
                          ",\"delivered\":%" G_GUINT64_FORMAT
                          ",\"state\":\"%016" G_GINT64_MODIFIER "x\""
                          ",\"final_state\":%s}\n",
                          at_end ? "true" : "false",
                          interrupted ? "\"interrupted\":true," : "",
                          ses_mqtt_log (mqtt)->len, ses_world_steps (world),
                          n->packets, n->published,
                          n->delivered, ses_world_fingerprint (world),
                          final_state);

  if (!quiet)
    {
      cli_print_timeline (header, mqtt, explain, snaps, o->state, o->view,
                          ses_invariants_violations (inv));
      /* A scenario that shows a deliberately wrong variant passes because
       * the bug showed: say where. */
      for (guint i = 0; i < expected_seen->len; i++)
        {
          g_autofree char *line = g_strdup_printf (
              "# expected: %s", (char *) g_ptr_array_index (expected_seen, i));
          g_autofree char *painted = cli_paint (cli_color_out, CLI_RED, line);
          puts (painted);
        }
    }
  g_autofree char *dir = g_build_filename (out_dir, r.name, NULL);
  g_autoptr (GError) werr = NULL;
  /* The diagrams show what the timeline shows. */
  SesDiagramFilter filter;
  gboolean written = write_outputs (dir, text, jsonl, summary->str,
                                    format, &werr)
                     && (o->render == NULL
                         || ses_diagram_write_all (
                             mqtt, o->diagrams, o->render, dir,
                             marked ? &mark : NULL,
                             cli_view_diagram_filter (o->view, &filter),
                             &werr));
  if (written && o->report)
    {
      g_autofree char *meta = g_strdup_printf (
          "%s, seed %" G_GUINT64_FORMAT ", sessim %s", path, seed,
          SESSIM_VERSION);
      g_autofree char *html = cli_report_html (script, source, mqtt, snaps,
                                               inv, TRUE, "Run", meta, &werr);
      g_autofree char *rp = g_build_filename (dir, "report.html", NULL);
      written = html != NULL && cli_write_file (rp, html, -1, &werr);
    }
  g_string_free (summary, TRUE);
  ses_invariants_free (inv);
  if (!written)
    {
      cli_error ("%s", werr->message);
      r.status = EXIT_USAGE;
      if (o->verdict)
        cli_print_verdict (r.status, "the output files could not be written");
      return r;
    }
  if (!complete)
    cli_error ("%s: stopped after %" G_GUINT64_FORMAT " steps before "
               "reaching the end of the run; expectations not judged (raise "
               "--max-steps if the scenario is meant to be this busy)", path,
               steps);
  for (guint i = 0; i < failures->len; i++)
    {
      const SesExpectFailure *f = &g_array_index (failures, SesExpectFailure, i);
      g_autofree char *msg = f->line > 0
          ? g_strdup_printf ("%s:%u: expectation failed: %s", path, f->line,
                             f->message)
          : g_strdup_printf ("%s: %s", path, f->message);
      g_autofree char *painted = cli_paint (cli_color_err, CLI_RED, msg);
      cli_print_located (painted);
    }
  r.status = interrupted ? cli_interrupt_status ()
             : failures->len > 0 ? EXIT_VIOLATION
             : !complete ? EXIT_INCOMPLETE : EXIT_OK;
  if (!o->verdict)
    return r;

  /* What held, what broke, where the files are. */
  g_autoptr (GString) v = g_string_new (NULL);
  guint expect_failed = failures->len;
  for (guint i = 0; i < failures->len; i++)
    if (g_array_index (failures, SesExpectFailure, i).line == 0
        && !g_str_has_prefix (g_array_index (failures, SesExpectFailure,
                                             i).message, "expected "))
      expect_failed--;
  /* An expected violation that was found leads, worded as check, random
   * mode and replay word it. */
  if (found->len > 0)
    {
      g_autofree char *f = cli_expected_found (found->str);
      g_string_append_printf (v, "%s; ", f);
    }
  if (at_end)
    g_string_append_printf (v, "%u of %u expectations held", held,
                            held + expect_failed);
  else
    g_string_append_printf (v, "%s after %" G_GUINT64_FORMAT " steps, "
                            "expectations not judged",
                            interrupted ? "interrupted" : "stopped by "
                                                          "--max-steps",
                            steps);
  if (broken->len > 0)
    g_string_append_printf (v, "; invariant %s broken", broken->str);
  g_string_append_printf (v, "; files in %s/", dir);
  cli_print_verdict (r.status, v->str);
  return r;
}

int
cli_run (int argc, char **argv)
{
  g_autofree char *seed = NULL;
  g_autofree char *out = NULL;
  g_autofree char *format = NULL;
  gboolean quiet = FALSE;
  gboolean explain = FALSE;
  g_autofree char *render = NULL;
  g_autofree char *diagrams = NULL;
  g_autofree char *max_steps = NULL;
  gboolean state = FALSE, report = FALSE;
  g_auto (GStrv) state_at = NULL;
  g_auto (CliViewArgs) view_args = { 0 };
  GOptionEntry entries[] = {
    { "state", 0, 0, G_OPTION_ARG_NONE, &state,
      "Print what the broker holds per session and what each client holds, "
      "after each step that changes it (also into trace.jsonl)", NULL },
    { "state-at", 0, 0, G_OPTION_ARG_STRING_ARRAY, &state_at,
      "Print the same tables at this virtual time (repeatable)", "TIME" },
    { "report", 0, 0, G_OPTION_ARG_NONE, &report,
      "Also write report.html, to step through the run in a browser",
      NULL },
    { "render", 'r', 0, G_OPTION_ARG_STRING, &render,
      "Also draw the run's diagrams: dot, svg or png", "FORMAT" },
    { "diagrams", 0, 0, G_OPTION_ARG_STRING, &diagrams,
      "Which diagrams --render draws: lifecycle, sequence or all (default)",
      "WHAT" },
    { "max-steps", 0, 0, G_OPTION_ARG_STRING, &max_steps,
      "Stop a run after this many steps: incomplete, exit 3, expectations "
      "not judged (default 5000000)", "N" },
    { "seed", 's', 0, G_OPTION_ARG_STRING, &seed,
      "Seed, 0 to 2^64-1 (default: the scenario's `seed`, else 1)", "N" },
    { "explain", 'e', 0, G_OPTION_ARG_NONE, &explain,
      "Explain each step in a plain sentence, with the rule it follows",
      NULL },
    { "out", 'o', 0, G_OPTION_ARG_FILENAME, &out,
      "Folder for output/<scenario>/ files (default: output)", "DIR" },
    { "format", 'f', 0, G_OPTION_ARG_STRING, &format,
      "Trace files to write: text, jsonl or both (default both)", "FORMAT" },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet,
      "Do not print the timeline, only the verdict", NULL },
    { NULL },
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new (
      "FILE... - run scenario files (- reads standard input) and judge "
      "their expectations");
  g_option_context_add_main_entries (ctx, entries, NULL);
  g_option_context_add_main_entries (ctx, cli_view_entries (&view_args),
                                     NULL);
  int status = EXIT_OK;
  if (!cli_parse_options (ctx, "run", &argc, &argv, &status))
    return status;
  g_auto (CliView) view = { 0 };
  if (!cli_view_parse (&view_args, &view))
    return EXIT_USAGE;
  cli_color_out = cli_color_wanted (view.color, 1);
  cli_color_err = cli_color_wanted (view.color, 2);
  if (argc < 2)
    return cli_usage_error ("name at least one scenario file");
  if (format == NULL)
    format = g_strdup ("both");
  if (strcmp (format, "text") != 0 && strcmp (format, "jsonl") != 0
      && strcmp (format, "both") != 0)
    return cli_usage_error ("--format takes text, jsonl or both");
  const char *out_dir;
  if (!cli_option_out (out, &out_dir))
    return EXIT_USAGE;
  if (render != NULL && !ses_render_format_supported (render))
    return cli_usage_error ("--render takes dot, svg or png");
  if (diagrams == NULL)
    diagrams = g_strdup ("all");
  if (!cli_diagrams_valid (diagrams))
    return cli_usage_error ("--diagrams takes lifecycle, sequence or all");
  g_autoptr (GArray) times = g_array_new (FALSE, FALSE, sizeof (SesTime));
  g_autofree char *why = NULL;
  if (!cli_parse_state_at (state_at, times, &why))
    return cli_usage_error ("%s", why);
  RunOptions opts = {
    .out_dir = out_dir, .format = format, .quiet = quiet || argc > 2,
    .explain = explain, .render = render, .diagrams = diagrams,
    .max_steps = 5000000, .verdict = argc == 2,
    .state = state, .state_at = times->len > 0 ? times : NULL,
    .report = report, .view = &view,
  };
  if (!cli_option_u64 ("--max-steps", max_steps, 1, G_MAXUINT64,
                       &opts.max_steps)
      || !cli_option_u64 ("--seed", seed, 0, G_MAXUINT64, &opts.seed))
    return EXIT_USAGE;
  opts.has_seed = seed != NULL;
  guint stdin_uses = 0;
  for (int i = 1; i < argc; i++)
    stdin_uses += strcmp (argv[i], "-") == 0;
  if (stdin_uses > 1)
    return cli_usage_error ("standard input (-) can be read only once");

  cli_catch_interrupts ();
  g_autoptr (GArray) results = g_array_new (FALSE, FALSE, sizeof (RunResult));
  for (int i = 1; i < argc && !cli_interrupted; i++)
    {
      RunResult r = cli_run_one (argv[i], &opts);
      status = MAX (status, r.status);
      g_array_append_val (results, r);
    }
  if (cli_interrupted)
    status = cli_interrupt_status ();
  if (argc > 2)
    {
      g_print ("%-36s %-11s %12s %10s\n", "scenario", "result",
               "expectations", "delivered");
      guint held = 0, all = 0, not_ok = 0;
      guint64 delivered = 0;
      for (guint i = 0; i < results->len; i++)
        {
          RunResult *r = &g_array_index (results, RunResult, i);
          g_print ("%-36s %-11s %5u/%-6u %10" G_GUINT64_FORMAT "\n", r->name,
                   cli_status_word (r->status), r->expectations - r->failed,
                   r->expectations, r->deliveries);
          held += r->expectations - r->failed;
          all += r->expectations;
          delivered += r->deliveries;
          not_ok += r->status != EXIT_OK;
        }
      g_autofree char *total = g_strdup_printf (
          "total: %u of %d run, %u not ok", results->len, argc - 1, not_ok);
      g_print ("%-36s %-11s %5u/%-6u %10" G_GUINT64_FORMAT "\n", total,
               cli_status_word (status), held, all, delivered);
    }
  for (guint i = 0; i < results->len; i++)
    g_free (g_array_index (results, RunResult, i).name);
  return status;
}
