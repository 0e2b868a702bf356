/* The sessim command line: a sorted table of subcommands, each with its own
 * options. The only file that touches the operating system (arguments,
 * standard output, exit codes); it wires the engine to the MQTT model. */
#include "sessim-config.h"

#include <glib.h>
#include <glib/gstdio.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "checker.h"
#include "coverage.h"
#include "diagram.h"
#include "examples.h"
#include "expect.h"
#include "mqtt.h"
#include "invariant.h"
#include "render.h"
#include "report.h"
#include "script.h"
#include "stategraph.h"
#include "trail.h"
#include "variant.h"
#include "world.h"

enum {
  EXIT_OK = 0,
  EXIT_VIOLATION = 1,
  EXIT_USAGE = 2,
  EXIT_INCOMPLETE = 3, /* a limit stopped the run before its end */
};

/* Errors and scenario lines may hold UTF-8; g_printerr would convert them
 * to the C locale's ASCII, so they are written as they are. */
static void
print_error_text (const char *text)
{
  fputs (text, stderr);
  fputc ('\n', stderr);
}

typedef struct {
  const char *out_dir;
  const char *format;       /* trace files: text, jsonl, both */
  gint64 seed;              /* -1: the scenario's */
  gboolean quiet;
  gboolean explain;
  const char *render;       /* diagrams: NULL, dot, svg or png */
  const char *diagrams;     /* lifecycle, sequence or all */
  guint64 max_steps;
} RunOptions;

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
static char *
describe_violation (const SesViolation *x)
{
  g_autofree char *when = ses_time_format (x->time_us);
  return g_strdup_printf ("invariant %s broken at %s (step %" G_GUINT64_FORMAT
                          " of the trace): %s%s%s%s",
                          ses_invariant_name (x->id), when, x->obs_index + 1,
                          x->message, x->rule ? " [" : "",
                          x->rule ? x->rule : "", x->rule ? "]" : "");
}

/* The first broken invariant as a diagram mark; FALSE if none broke. */
static gboolean
first_mark (SesInvariants *inv, SesDiagramMark *mark)
{
  const GArray *v = ses_invariants_violations (inv);
  if (v->len == 0)
    return FALSE;
  const SesViolation *x = &g_array_index (v, SesViolation, 0);
  *mark = (SesDiagramMark) { ses_invariant_name (x->id), x->time_us,
                             x->obs_index, x->rule, x->message };
  return TRUE;
}

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
          g_ptr_array_add (expected_seen, describe_violation (x));
          continue;
        }
      SesExpectFailure f = { 0, describe_violation (x) };
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
run_one (const char *path, const RunOptions *o)
{
  gint64 seed_override = o->seed;
  const char *out_dir = o->out_dir, *format = o->format;
  gboolean quiet = o->quiet, explain = o->explain;
  RunResult r = { .name = scenario_name (path), .status = EXIT_OK };
  g_autoptr (GError) error = NULL;
  g_autoptr (SesScript) script = ses_script_load_file (path, &error);
  if (script == NULL)
    {
      print_error_text (error->message);
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
  gboolean marked = first_mark (inv, &mark);
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
      print_timeline (header, mqtt, explain);
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
      print_error_text (msg);
      r.status = EXIT_USAGE;
      return r;
    }
  if (!complete)
    {
      g_autofree char *msg = g_strdup_printf (
          "%s: stopped after %" G_GUINT64_FORMAT " steps before reaching "
          "the end of the run (raise --max-steps if the scenario is meant to "
          "be this busy)", path, steps);
      print_error_text (msg);
      r.status = EXIT_INCOMPLETE;
    }
  for (guint i = 0; i < failures->len; i++)
    {
      const SesExpectFailure *f = &g_array_index (failures, SesExpectFailure, i);
      g_autofree char *msg = f->line > 0
          ? g_strdup_printf ("%s:%u: expectation failed: %s", path, f->line,
                             f->message)
          : g_strdup_printf ("%s: %s", path, f->message);
      print_error_text (msg);
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
  if (render != NULL && !ses_render_format_supported (render))
    return usage_error (ctx, "--render takes dot, svg or png");
  if (diagrams == NULL)
    diagrams = g_strdup ("all");
  if (strcmp (diagrams, "lifecycle") != 0 && strcmp (diagrams, "sequence") != 0
      && strcmp (diagrams, "all") != 0)
    return usage_error (ctx, "--diagrams takes lifecycle, sequence or all");
  if (max_steps <= 0)
    return usage_error (ctx, "--max-steps takes a positive number");
  RunOptions opts = {
    .out_dir = out_dir, .format = format, .seed = seed,
    .quiet = quiet || argc > 2, .explain = explain, .render = render,
    .diagrams = diagrams, .max_steps = (guint64) max_steps,
  };

  int status = EXIT_OK;
  g_autoptr (GArray) results = g_array_new (FALSE, FALSE, sizeof (RunResult));
  for (int i = 1; i < argc; i++)
    {
      RunResult r = run_one (argv[i], &opts);
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

/* ---- check and replay --------------------------------------------------- */

/* A "Key:   N kB" line of a /proc file, in KiB; 0 if unknown. */
static guint64
proc_kib (const char *file, const char *key)
{
  g_autofree char *text = NULL;
  if (!g_file_get_contents (file, &text, NULL, NULL))
    return 0;
  const char *p = strstr (text, key);
  return p != NULL ? g_ascii_strtoull (p + strlen (key), NULL, 10) : 0;
}

/* Peak resident memory of this process in KiB, from the kernel. */
static guint64
peak_rss_kib (void)
{
  return proc_kib ("/proc/self/status", "VmHWM:");
}

/* Progress on stderr: nothing in the first second, then a line a second
 * at most. Also the memory limit, which the same callbacks watch. */
typedef struct {
  gint64 start_us;
  gint64 last_us;
  gboolean quiet;
  guint64 max_rss_kib;   /* 0: none */
} Progress;

/* The memory limit: the search stops, incomplete, once this process's
 * resident memory passes it, rather than let the system kill it. */
static gboolean
within_memory (const SesExploreStats *st, gpointer data)
{
  (void) st;
  const SesCheckOptions *o = data;
  const Progress *pr = o->progress_data;
  return pr->max_rss_kib == 0
         || proc_kib ("/proc/self/status", "VmRSS:") <= pr->max_rss_kib;
}

/* The seconds since the start, or a negative number when it is not time
 * for a line. */
static double
progress_due (Progress *pr)
{
  gint64 now = g_get_monotonic_time ();
  if (pr->quiet || now - pr->start_us < G_USEC_PER_SEC
      || now - pr->last_us < G_USEC_PER_SEC)
    return -1;
  pr->last_us = now;
  return (double) (now - pr->start_us) / G_USEC_PER_SEC;
}

static void
print_progress (const SesExploreStats *st, gpointer data)
{
  const SesCheckOptions *o = data;
  double secs = progress_due (o->progress_data);
  if (secs < 0)
    return;
  fprintf (stderr, "  %" G_GUINT64_FORMAT " states, %.0f states/s, depth %u, "
           "queue %" G_GUINT64_FORMAT "\n", st->states, st->states / secs,
           st->max_depth, st->frontier);
}

static void
print_random_progress (const SesRandomResult *so_far, gpointer data)
{
  double secs = progress_due (data);
  if (secs < 0)
    return;
  fprintf (stderr, "  %" G_GUINT64_FORMAT " walks, %.0f walks/s, %u "
           "failing\n", so_far->seeds_run, so_far->seeds_run / secs,
           so_far->failures->len);
}

/* Replays the trail and writes the counterexample's files into dir:
 * STEM.trail and its trace (counterexample.trail, trace.txt, trace.jsonl
 * when stem is NULL; seed-7.trail, seed-7.trace.txt, seed-7.trace.jsonl
 * for a random walk's). The trail file gets raw_trail if not NULL (a
 * replay keeps the file it read, comments and all), else the trail with
 * `note` (may be NULL) as comment lines. Fills first_violation with the
 * first violation seen (the one that stopped the search). */
static gboolean
write_counterexample (const SesScript *script, const SesTrail *trail,
                      const char *raw_trail, const char *dir,
                      const char *stem, const char *note, gboolean print,
                      gboolean explain, const char *render,
                      GString *first_violation, GError **error)
{
  SesInvariants *inv = NULL;
  g_autoptr (SesWorld) world = ses_check_replay (script, trail, &inv, error);
  if (world == NULL)
    return FALSE;
  SesMqtt *mqtt = ses_mqtt_from_world (world);
  g_autofree char *header = g_strdup_printf (
      "# sessim %s scenario %s seed %" G_GUINT64_FORMAT " trail of %u "
      "choices\n", SESSIM_VERSION, trail->scenario, trail->seed,
      trail->choices->len);
  g_autofree char *log = ses_mqtt_log_text (mqtt);
  g_autofree char *text = g_strconcat (header, log, NULL);
  g_autofree char *jsonl = ses_mqtt_log_jsonl (mqtt);
  const GArray *v = ses_invariants_violations (inv);
  if (v->len > 0)
    {
      g_autofree char *d = describe_violation (&g_array_index (v, SesViolation,
                                                               0));
      g_string_append (first_violation, d);
    }
  if (print)
    {
      print_timeline (header, mqtt, explain);
      if (first_violation->len > 0)
        printf ("# %s\n", first_violation->str);
    }
  g_autofree char *trail_text = raw_trail != NULL ? g_strdup (raw_trail)
                                                 : ses_trail_to_text (trail);
  if (raw_trail == NULL && note != NULL)
    {
      /* After the first comment line, before the choices. */
      const char *nl = strchr (trail_text, '\n');
      g_autofree char *first = g_strndup (trail_text, nl - trail_text + 1);
      g_autofree char *with = g_strconcat (first, note, nl + 1, NULL);
      g_free (trail_text);
      trail_text = g_steal_pointer (&with);
    }
  g_autofree char *tname = g_strdup_printf ("%s.trail",
                                            stem ? stem : "counterexample");
  g_autofree char *xname = stem ? g_strdup_printf ("%s.trace.txt", stem)
                                : g_strdup ("trace.txt");
  g_autofree char *jname = stem ? g_strdup_printf ("%s.trace.jsonl", stem)
                                : g_strdup ("trace.jsonl");
  g_autofree char *tp = g_build_filename (dir, tname, NULL);
  g_autofree char *xp = g_build_filename (dir, xname, NULL);
  g_autofree char *jp = g_build_filename (dir, jname, NULL);
  gboolean ok = g_mkdir_with_parents (dir, 0755) == 0
                && g_file_set_contents (tp, trail_text, -1, error)
                && g_file_set_contents (xp, text, -1, error)
                && g_file_set_contents (jp, jsonl, -1, error);
  if (!ok && error != NULL && *error == NULL)
    g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_FAILED,
                 "cannot create %s", dir);
  if (ok && render != NULL)
    {
      /* The sequence diagram marks where the first invariant broke. */
      SesDiagramMark mark;
      gboolean marked = first_mark (inv, &mark);
      ok = ses_diagram_write_all (mqtt, "all", render, dir,
                                  marked ? &mark : NULL, error);
    }
  ses_invariants_free (inv);
  return ok;
}

static gint64
bound (gint64 from_cli, gint64 from_scenario, gint64 fallback)
{
  return from_cli >= 0 ? from_cli : from_scenario >= 0 ? from_scenario
                                                       : fallback;
}

/* "A..B" (or one seed "A"), A <= B. */
static gboolean
parse_seeds (const char *text, guint64 *from, guint64 *to)
{
  g_auto (GStrv) parts = g_strsplit (text, "..", 2);
  const char *b = parts[1] != NULL ? parts[1] : parts[0];
  return g_ascii_string_to_unsigned (parts[0], 10, 0, G_MAXUINT64, from, NULL)
         && g_ascii_string_to_unsigned (b, 10, 0, G_MAXUINT64, to, NULL)
         && *from <= *to;
}

/* "I/N", 1 <= I <= N. */
static gboolean
parse_shard (const char *text, guint *index, guint *count)
{
  g_auto (GStrv) parts = g_strsplit (text, "/", 2);
  guint64 i, n;
  if (parts[0] == NULL || parts[1] == NULL
      || !g_ascii_string_to_unsigned (parts[0], 10, 1, G_MAXUINT32, &i, NULL)
      || !g_ascii_string_to_unsigned (parts[1], 10, 1, G_MAXUINT32, &n, NULL)
      || i > n)
    return FALSE;
  *index = (guint) i;
  *count = (guint) n;
  return TRUE;
}

typedef struct {
  const char *path;
  const char *dir;
  const char *faults_on;
  gboolean json, quiet, explain, list_rules;
} CheckOutput;

/* check --random: walks, writes each failure's trail and trace, prints the
 * report. */
static int
check_random (const SesScript *script, SesCheckOptions *o,
              const SesRandomOptions *ro, const CheckOutput *out)
{
  gint64 start = g_get_monotonic_time ();
  SesRandomResult res;
  g_autoptr (SesReport) report = ses_check_random_report (
      script, out->path, SESSIM_VERSION, out->faults_on, o, ro, &res);
  report->seconds = (double) (g_get_monotonic_time () - start)
                    / G_USEC_PER_SEC;
  for (guint i = 0; i < res.failures->len; i++)
    {
      const SesRandomFailure *f = g_ptr_array_index (res.failures, i);
      g_autofree char *stem = g_strdup_printf ("seed-%" G_GUINT64_FORMAT,
                                               f->seed);
      g_autofree char *settings = ses_check_describe_settings (&f->settings);
      g_autofree char *shrunk = f->shrink.shrunk != f->shrink.original
          ? g_strdup_printf ("shrunk from %u", f->shrink.original)
          : g_strdup ("as walked");
      g_autofree char *note = g_strdup_printf (
          "# random walk of seed %" G_GUINT64_FORMAT ": %s\n"
          "# %u choices, %s\n", f->seed, settings, f->trail->choices->len,
          shrunk);
      g_autoptr (GString) violation = g_string_new (NULL);
      g_autoptr (GError) error = NULL;
      if (!write_counterexample (script, f->trail, NULL, out->dir, stem, note,
                                 i == 0 && !out->quiet && !out->json,
                                 out->explain, NULL, violation, &error))
        {
          print_error_text (error->message);
          ses_random_result_clear (&res);
          return EXIT_USAGE;
        }
      g_autofree char *tname = g_strdup_printf ("%s.trail", stem);
      ses_report_add_failure (report, ses_check_report_failure (
          f, g_string_free (g_steal_pointer (&violation), FALSE),
          g_build_filename (out->dir, tname, NULL)));
    }
  ses_random_result_clear (&res);
  report->peak_rss_kib = peak_rss_kib ();
  if (out->json)
    {
      g_autofree char *j = ses_report_to_json (report);
      fputs (j, stdout);
    }
  else
    {
      g_autofree char *t = ses_report_to_text (report, out->list_rules);
      fputs (t, stdout);
      printf ("# %.2f s, %.0f walks/s, %u job%s, peak %" G_GUINT64_FORMAT
              " KiB\n", report->seconds,
              report->seconds > 0 ? report->seeds_run / report->seconds : 0.0,
              o->jobs, o->jobs == 1 ? "" : "s", report->peak_rss_kib);
      if (report->failures->len > 0)
        printf ("# replay one with: sessim replay %s\n",
                ((SesReportFailure *) g_ptr_array_index (report->failures, 0))
                  ->trail);
    }
  return ses_report_status (report);
}

static int
cmd_check (int argc, char **argv)
{
  gint64 cuts = -1, crashes = -1, restarts = -1, half_opens = -1;
  gint64 max_states = -1, max_depth = -1, seed = -1, jobs = -1;
  gint64 max_memory = -1;
  gint64 max_failures = 10;
  gboolean bfs = FALSE, dfs = FALSE, json = FALSE, quiet = FALSE;
  gboolean explain = FALSE, random = FALSE, no_swarm = FALSE;
  gboolean no_shrink = FALSE, coverage = FALSE, no_reduction = FALSE;
  g_autofree char *faults_on = NULL;
  g_autofree char *out_dir = NULL;
  g_autofree char *render = NULL;
  g_autofree char *seeds = NULL;
  g_autofree char *shard = NULL;
  GOptionEntry entries[] = {
    { "render", 'r', 0, G_OPTION_ARG_STRING, &render,
      "Draw the counterexample's diagrams: dot, svg or png", "FORMAT" },
    { "max-cuts", 0, 0, G_OPTION_ARG_INT64, &cuts,
      "Network cuts to place (default: the scenario's, else 1)", "N" },
    { "max-crashes", 0, 0, G_OPTION_ARG_INT64, &crashes,
      "Client crashes to place (default: the scenario's, else 0)", "N" },
    { "max-restarts", 0, 0, G_OPTION_ARG_INT64, &restarts,
      "Broker restarts to place (default: the scenario's, else 0)", "N" },
    { "max-half-opens", 0, 0, G_OPTION_ARG_INT64, &half_opens,
      "Half-open links to place (default: the scenario's, else 0)", "N" },
    { "faults-on", 0, 0, G_OPTION_ARG_STRING, &faults_on,
      "Only these clients (comma-separated names) suffer faults", "WHO" },
    { "bfs", 0, 0, G_OPTION_ARG_NONE, &bfs,
      "Breadth first: shortest counterexample (default)", NULL },
    { "dfs", 0, 0, G_OPTION_ARG_NONE, &dfs,
      "Depth first (the counterexample is shrunk)", NULL },
    { "jobs", 'j', 0, G_OPTION_ARG_INT64, &jobs,
      "Threads: expand states (breadth first) or walk seeds (--random) in "
      "parallel; the result does not depend on it (default 1)", "N" },
    { "no-reduction", 0, 0, G_OPTION_ARG_NONE, &no_reduction,
      "Try every order of simultaneous events at different clients, even "
      "where the order cannot matter", NULL },
    { "max-memory", 0, 0, G_OPTION_ARG_INT64, &max_memory,
      "Stop, incomplete (exit 3), once resident memory passes this many MiB "
      "(default: three quarters of the machine's memory; 0: no limit)",
      "MIB" },
    { "max-states", 0, 0, G_OPTION_ARG_INT64, &max_states,
      "Stop after storing this many states, exit 3 (default 1000000)", "N" },
    { "max-depth", 0, 0, G_OPTION_ARG_INT64, &max_depth,
      "Explore paths (or walks) of at most this many choices (default: "
      "none)", "N" },
    { "random", 0, 0, G_OPTION_ARG_NONE, &random,
      "Random mode: one seeded walk per seed instead of every path", NULL },
    { "seeds", 0, 0, G_OPTION_ARG_STRING, &seeds,
      "With --random: the seeds to walk, A..B (default 1..100)", "A..B" },
    { "shard", 0, 0, G_OPTION_ARG_STRING, &shard,
      "With --random: walk only the seeds S with (S - A) % N == I - 1",
      "I/N" },
    { "no-swarm", 0, 0, G_OPTION_ARG_NONE, &no_swarm,
      "With --random: every seed uses every fault class at its maximum, "
      "instead of drawing its own mix", NULL },
    { "max-failures", 0, 0, G_OPTION_ARG_INT64, &max_failures,
      "With --random: stop after this many failing seeds (default 10, "
      "0: walk every seed)", "N" },
    { "no-shrink", 0, 0, G_OPTION_ARG_NONE, &no_shrink,
      "Keep depth-first and random counterexamples as found", NULL },
    { "coverage", 0, 0, G_OPTION_ARG_NONE, &coverage,
      "List which of the model's rules were exercised and which were not",
      NULL },
    { "seed", 's', 0, G_OPTION_ARG_INT64, &seed, "Seed", "N" },
    { "out", 'o', 0, G_OPTION_ARG_FILENAME, &out_dir,
      "Folder for output/<scenario>/ files (default: output)", "DIR" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json,
      "Print the result as one JSON object", NULL },
    { "explain", 'e', 0, G_OPTION_ARG_NONE, &explain,
      "Explain each step of a counterexample", NULL },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet,
      "No progress, no counterexample timeline", NULL },
    { NULL },
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new (
      "FILE - explore every placement of the allowed faults and every order "
      "of simultaneous events, checking the invariants on every path; or, "
      "with --random, walk one seeded path per seed");
  g_option_context_add_main_entries (ctx, entries, NULL);
  g_autoptr (GError) error = NULL;
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    return usage_error (ctx, error->message);
  if (argc != 2)
    return usage_error (ctx, "name one scenario file");
  if (bfs && dfs)
    return usage_error (ctx, "--bfs and --dfs exclude each other");
  if (render != NULL && !ses_render_format_supported (render))
    return usage_error (ctx, "--render takes dot, svg or png");
  if (jobs == 0 || jobs < -1 || jobs > 1024)
    return usage_error (ctx, "--jobs takes a number of threads, 1 to 1024");
  if (jobs > 1 && dfs)
    return usage_error (ctx, "--jobs applies to breadth-first search and "
                             "--random, not to --dfs");
  if (cuts < -1 || crashes < -1 || restarts < -1 || half_opens < -1
      || max_states < -1 || max_depth < -1 || seed < -1)
    return usage_error (ctx, "bounds and --seed take non-negative numbers");
  if (max_failures < 0 || max_failures > G_MAXUINT32)
    return usage_error (ctx, "--max-failures takes a non-negative number");
  SesRandomOptions ro = { .seed_from = 1, .seed_to = 100, .shard_index = 1,
                          .shard_count = 1, .swarm = !no_swarm,
                          .shrink = !no_shrink,
                          .max_failures = (guint) max_failures };
  if (random)
    {
      if (bfs || dfs)
        return usage_error (ctx, "--random walks; --bfs and --dfs search");
      if (render != NULL)
        return usage_error (ctx, "--render does not apply to --random: "
                                 "replay a failing seed's trail with "
                                 "--render");
      if (seed >= 0)
        return usage_error (ctx, "--random takes --seeds A..B, not --seed");
      if (max_states >= 0)
        return usage_error (ctx, "--max-states does not apply to --random");
      if (seeds != NULL && !parse_seeds (seeds, &ro.seed_from, &ro.seed_to))
        return usage_error (ctx, "--seeds takes A..B, whole numbers with "
                                 "A <= B");
      if (shard != NULL && !parse_shard (shard, &ro.shard_index,
                                         &ro.shard_count))
        return usage_error (ctx, "--shard takes I/N with 1 <= I <= N");
    }
  else if (seeds != NULL || shard != NULL || no_swarm)
    return usage_error (ctx, "--seeds, --shard and --no-swarm need --random");
  const char *path = argv[1];
  g_autoptr (SesScript) script = ses_script_load_file (path, &error);
  if (script == NULL)
    {
      print_error_text (error->message);
      return EXIT_USAGE;
    }
  const SesScriptBounds *sb = ses_script_bounds (script);
  SesCheckOptions o = { .depth_first = dfs };
  o.jobs = jobs > 0 ? (guint) jobs : 1;
  o.no_reduction = no_reduction;
  o.budgets[SES_CHECK_CUTS] = (guint32) bound (cuts, sb->max_cuts, 1);
  o.budgets[SES_CHECK_CRASHES] = (guint32) bound (crashes, sb->max_crashes, 0);
  o.budgets[SES_CHECK_RESTARTS] = (guint32) bound (restarts, sb->max_restarts,
                                                   0);
  o.budgets[SES_CHECK_HALF_OPENS] = (guint32) bound (half_opens,
                                                     sb->max_half_opens, 0);
  o.max_states = (guint64) bound (max_states, sb->max_states, 1000000);
  o.max_depth = (guint) bound (max_depth, sb->max_depth, 0);
  o.faults_on = sb->faults_on;
  const GPtrArray *labels = ses_mqtt_config_labels (ses_script_config (script));
  if (faults_on != NULL)
    {
      o.faults_on = 0;
      g_auto (GStrv) names = g_strsplit (faults_on, ",", -1);
      for (guint k = 0; names[k] != NULL; k++)
        {
          guint i = 0;
          while (i < labels->len
                 && strcmp (g_ptr_array_index (labels, i), names[k]) != 0)
            i++;
          if (i == labels->len || i >= 32)
            {
              g_autofree char *msg = g_strdup_printf (
                  "--faults-on: no client named '%s' among the first 32",
                  names[k]);
              return usage_error (ctx, msg);
            }
          o.faults_on |= 1u << i;
        }
    }
  /* The clients faults may hit, by name, for the report (the scenario's
   * `check faults-on=` or the option). */
  g_autoptr (GString) faults_on_names = g_string_new (NULL);
  for (guint i = 0; i < labels->len && i < 32 && o.faults_on != 0; i++)
    if (o.faults_on & (1u << i))
      g_string_append_printf (faults_on_names, "%s%s",
                              faults_on_names->len ? "," : "",
                              (const char *) g_ptr_array_index (labels, i));
  g_autofree char *name = scenario_name (path);
  g_autofree char *dir = g_build_filename (out_dir ? out_dir : "output", name,
                                           NULL);
  Progress pr = { g_get_monotonic_time (), 0, quiet || json, 0 };
  if (max_memory < -1)
    return usage_error (ctx, "--max-memory takes a number of MiB, 0 for none");
  pr.max_rss_kib = max_memory >= 0
                     ? (guint64) max_memory * 1024
                     : proc_kib ("/proc/meminfo", "MemTotal:") / 4 * 3;
  if (random)
    {
      ro.progress = print_random_progress;
      ro.progress_data = &pr;
      CheckOutput co = { path, dir,
                         faults_on_names->len ? faults_on_names->str : NULL,
                         json, quiet, explain, coverage };
      return check_random (script, &o, &ro, &co);
    }

  o.progress = print_progress;
  o.keep_going = within_memory;
  o.progress_data = &pr;
  guint64 used_seed = seed >= 0 ? (guint64) seed : ses_script_seed (script);
  g_autoptr (SesCoverage) cov = ses_coverage_new (ses_check_versions (script));
  o.rule_sink = ses_coverage_sink;
  o.rule_sink_data = cov;

  /* With --render, record the explored graph for small bounds. */
  SesExploreGraph graph = { .cap = 5000 };
  if (render != NULL)
    {
      graph.labels = g_ptr_array_new_with_free_func (g_free);
      graph.edges = g_array_new (FALSE, FALSE, sizeof (SesExploreEdge));
      o.graph = &graph;
    }
  SesExploreStats st;
  g_autoptr (SesTrail) trail = ses_trail_new (path, used_seed);
  ses_check_scenario (script, path, used_seed, &o, &st, trail);
  /* Depth first finds some counterexample, often a roundabout one: shrink
   * it (breadth first ones are shortest already). The explored graph keeps
   * the path as found. */
  SesShrinkStats shrunk = { 0 };
  g_autoptr (GArray) found_path = g_array_copy (trail->choices);
  if (st.violation && dfs && !no_shrink)
    ses_check_shrink (script, &o, trail, &shrunk);
  double secs = (double) (g_get_monotonic_time () - pr.start_us)
                / G_USEC_PER_SEC;

  g_autoptr (GString) violation = g_string_new (NULL);
  g_autofree char *note = shrunk.original != shrunk.shrunk
      ? g_strdup_printf ("# shrunk from %u choices (depth first) to %u\n",
                         shrunk.original, shrunk.shrunk)
      : NULL;
  if (st.violation
      && !write_counterexample (script, trail, NULL, dir, NULL, note,
                                !quiet && !json, explain, render, violation,
                                &error))
    {
      print_error_text (error->message);
      return EXIT_USAGE;
    }
  if (render != NULL)
    {
      g_autofree char *title = g_strdup_printf ("States explored by sessim "
                                                "check %s", path);
      g_autofree char *text = ses_state_graph_dot (
          &graph, st.violation ? found_path : NULL, 150, title,
          ses_check_choice_label, script);
      g_autofree char *file = g_strdup_printf ("states.%s", render);
      g_autofree char *gpath = g_build_filename (dir, file, NULL);
      gboolean drawn = g_mkdir_with_parents (dir, 0755) == 0
                       && ses_render_to_file (text, render, gpath, &error);
      g_ptr_array_unref (graph.labels);
      g_array_unref (graph.edges);
      if (!drawn)
        {
          print_error_text (error != NULL ? error->message
                                          : "cannot write the state graph");
          return EXIT_USAGE;
        }
    }
  guint32 expected = ses_script_expected_violations (script);
  int status;
  if (expected != 0)
    {
      /* A variant's demonstration: it passes when the bug is found. */
      gboolean found = FALSE;
      for (guint id = 0; id < SES_INV_COUNT && st.violation; id++)
        if ((expected & (1u << id)) && strstr (violation->str,
                                               ses_invariant_name (id)) != NULL)
          found = TRUE;
      status = found ? EXIT_OK : st.complete ? EXIT_VIOLATION : EXIT_INCOMPLETE;
    }
  else
    status = st.violation ? EXIT_VIOLATION
             : st.complete ? EXIT_OK : EXIT_INCOMPLETE;

  const char *verdict = st.violation ? "violation found"
                        : st.complete ? "no violation within the bounds"
                        : st.stopped ? "incomplete: --max-memory stopped the "
                                       "search"
                                     : "incomplete: a limit stopped the search";
  double per_state = st.states > 0 ? (double) st.stored_bytes / st.states : 0;
  if (json)
    {
      GString *j = g_string_new ("{\"scenario\":");
      ses_json_append_string (j, path);
      g_string_append_printf (j,
          ",\"version\":\"%s\",\"seed\":%" G_GUINT64_FORMAT ",\"status\":%d,"
          "\"complete\":%s,\"stopped_by_memory\":%s,\"violation\":",
          SESSIM_VERSION, used_seed, status, st.complete ? "true" : "false",
          st.stopped ? "true" : "false");
      if (st.violation)
        ses_json_append_string (j, violation->str);
      else
        g_string_append (j, "null");
      g_string_append_printf (j,
          ",\"trail_length\":%u,\"original_length\":%u,\"search\":\"%s\","
          "\"jobs\":%u,\"states\":%" G_GUINT64_FORMAT
          ",\"transitions\":%" G_GUINT64_FORMAT ",\"end_states\":%"
          G_GUINT64_FORMAT ",\"reduced\":%" G_GUINT64_FORMAT
          ",\"max_depth\":%u,\"peak_frontier\":%"
          G_GUINT64_FORMAT ",\"stored_bytes\":%" G_GUINT64_FORMAT
          ",\"bytes_per_state\":%.1f,\"seconds\":%.3f,"
          "\"peak_rss_kib\":%" G_GUINT64_FORMAT ",\"coverage\":",
          st.violation ? trail->choices->len : 0,
          st.violation ? found_path->len : 0,
          dfs ? "depth-first" : "breadth-first", o.jobs, st.states,
          st.transitions, st.end_states, st.reduced, st.max_depth,
          st.peak_frontier, st.stored_bytes, per_state, secs, peak_rss_kib ());
      ses_coverage_append_json (cov, j);
      g_string_append (j, "}\n");
      fputs (j->str, stdout);
      g_string_free (j, TRUE);
    }
  else
    {
      printf ("# check %s: %s\n", path, verdict);
      printf ("# bounds: cuts %u, crashes %u, restarts %u, half-opens %u; "
              "%s, %u job%s\n", o.budgets[0], o.budgets[1], o.budgets[2],
              o.budgets[3], o.depth_first ? "depth first" : "breadth first",
              o.jobs, o.jobs == 1 ? "" : "s");
      printf ("# %" G_GUINT64_FORMAT " states, %" G_GUINT64_FORMAT
              " transitions, %" G_GUINT64_FORMAT " end states, depth %u, "
              "peak frontier %" G_GUINT64_FORMAT ", %.0f bytes/state; "
              "%.2f s, %.0f states/s, peak %" G_GUINT64_FORMAT " KiB\n",
              st.states, st.transitions, st.end_states, st.max_depth,
              st.peak_frontier, per_state, secs,
              secs > 0 ? st.states / secs : 0.0, peak_rss_kib ());
      if (st.violation)
        {
          printf ("# %s\n", violation->str);
          if (note != NULL)
            printf ("# counterexample: %u choices (shrunk from %u), "
                    "%s/counterexample.trail (sessim replay it)\n",
                    trail->choices->len, found_path->len, dir);
          else
            printf ("# counterexample: %u choices, %s/counterexample.trail "
                    "(sessim replay it)\n", trail->choices->len, dir);
        }
      g_autofree char *ct = ses_coverage_to_text (cov, coverage);
      fputs (ct, stdout);
    }
  return status;
}

static int
cmd_replay (int argc, char **argv)
{
  g_autofree char *out_dir = NULL;
  gboolean explain = FALSE, quiet = FALSE;
  g_autofree char *render = NULL;
  GOptionEntry entries[] = {
    { "out", 'o', 0, G_OPTION_ARG_FILENAME, &out_dir,
      "Folder for output/<scenario>/ files (default: output)", "DIR" },
    { "render", 'r', 0, G_OPTION_ARG_STRING, &render,
      "Draw the run's diagrams: dot, svg or png", "FORMAT" },
    { "explain", 'e', 0, G_OPTION_ARG_NONE, &explain,
      "Explain each step in a plain sentence", NULL },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet,
      "Do not print the timeline", NULL },
    { NULL },
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new (
      "TRAIL - replay a counterexample trail written by check");
  g_option_context_add_main_entries (ctx, entries, NULL);
  g_autoptr (GError) error = NULL;
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    return usage_error (ctx, error->message);
  if (argc != 2)
    return usage_error (ctx, "name one trail file");
  if (render != NULL && !ses_render_format_supported (render))
    return usage_error (ctx, "--render takes dot, svg or png");
  g_autoptr (SesTrail) trail = ses_trail_load (argv[1], &error);
  if (trail == NULL)
    {
      print_error_text (error->message);
      return EXIT_USAGE;
    }
  if (g_strcmp0 (trail->version, SESSIM_VERSION) != 0)
    {
      g_autofree char *msg = g_strdup_printf (
          "%s: written by sessim %s, this is %s: choices may not match",
          argv[1], trail->version, SESSIM_VERSION);
      print_error_text (msg);
    }
  g_autoptr (SesScript) script = ses_script_load_file (trail->scenario, &error);
  if (script == NULL)
    {
      print_error_text (error->message);
      return EXIT_USAGE;
    }
  g_autofree char *name = scenario_name (trail->scenario);
  g_autofree char *dir = g_build_filename (out_dir ? out_dir : "output", name,
                                           NULL);
  /* The files are named after the trail: seed-7.trail replays into
   * seed-7.trace.txt beside it, counterexample.trail into trace.txt, so a
   * replay reproduces the files the check wrote. */
  g_autofree char *base = g_path_get_basename (argv[1]);
  if (g_str_has_suffix (base, ".trail"))
    base[strlen (base) - 6] = '\0';
  const char *stem = strcmp (base, "counterexample") == 0 ? NULL : base;
  g_autofree char *raw = NULL;
  if (!g_file_get_contents (argv[1], &raw, NULL, &error))
    {
      print_error_text (error->message);
      return EXIT_USAGE;
    }
  g_autoptr (GString) violation = g_string_new (NULL);
  if (!write_counterexample (script, trail, raw, dir, stem, NULL, !quiet,
                             explain, render, violation, &error))
    {
      g_autofree char *msg = g_strdup_printf ("%s: %s", argv[1],
                                              error->message);
      print_error_text (msg);
      return EXIT_USAGE;
    }
  return violation->len > 0 ? EXIT_VIOLATION : EXIT_OK;
}

static int
cmd_merge (int argc, char **argv)
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
      "RESULT.json... - merge the results of `check --random --json` shards "
      "into one report; exit 1 if any shard found a violation");
  g_option_context_add_main_entries (ctx, entries, NULL);
  g_autoptr (GError) error = NULL;
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    return usage_error (ctx, error->message);
  if (argc < 2)
    return usage_error (ctx, "name at least one result file");
  g_autoptr (SesReport) merged = NULL;
  for (int i = 1; i < argc; i++)
    {
      g_autofree char *text = NULL;
      gsize len = 0;
      if (!g_file_get_contents (argv[i], &text, &len, &error))
        {
          print_error_text (error->message);
          return EXIT_USAGE;
        }
      g_autoptr (SesReport) r = ses_report_from_json (argv[i], text, len,
                                                      &error);
      if (r == NULL)
        {
          print_error_text (error->message);
          return EXIT_USAGE;
        }
      if (merged == NULL)
        {
          merged = g_steal_pointer (&r);
          continue;
        }
      if (!ses_report_merge (merged, r, &error))
        {
          g_autofree char *msg = g_strdup_printf ("sessim merge: %s: %s",
                                                  argv[i], error->message);
          print_error_text (msg);
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

static int
cmd_render (int argc, char **argv)
{
  g_autofree char *format = NULL;
  g_autofree char *what = NULL;
  g_autofree char *out = NULL;
  g_autofree char *version = NULL;
  GOptionEntry entries[] = {
    { "format", 'f', 0, G_OPTION_ARG_STRING, &format,
      "dot, svg or png (default svg)", "FORMAT" },
    { "what", 'w', 0, G_OPTION_ARG_STRING, &what,
      "For a scenario: lifecycle, sequence or all (default)", "WHAT" },
    { "mqtt", 0, 0, G_OPTION_ARG_STRING, &version,
      "For `render lifecycle`: 3.1.1 or 5", "VERSION" },
    { "out", 'o', 0, G_OPTION_ARG_FILENAME, &out,
      "Folder (scenario; default output) or file (lifecycle)", "PATH" },
    { NULL },
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new (
      "FILE.scn | lifecycle - draw a scenario's diagrams, or the generic "
      "session lifecycle of a protocol version");
  g_option_context_add_main_entries (ctx, entries, NULL);
  g_autoptr (GError) error = NULL;
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    return usage_error (ctx, error->message);
  if (argc != 2)
    return usage_error (ctx, "name one scenario file, or `lifecycle`");
  if (format == NULL)
    format = g_strdup ("svg");
  if (!ses_render_format_supported (format))
    return usage_error (ctx, "--format takes dot, svg or png");
  if (strcmp (argv[1], "lifecycle") == 0)
    {
      SesMqttVersion v;
      if (version == NULL || !ses_profile_parse_version (version, &v))
        return usage_error (ctx, "render lifecycle needs --mqtt 3.1.1 or 5");
      g_autofree char *path = out != NULL
          ? g_strdup (out)
          : g_strdup_printf ("lifecycle-%s.%s",
                             v == SES_MQTT_5 ? "5" : "311", format);
      if (!ses_diagram_generic_lifecycle (v, format, path, &error))
        {
          print_error_text (error->message);
          return EXIT_USAGE;
        }
      return EXIT_OK;
    }
  RunOptions opts = {
    .out_dir = out != NULL ? out : "output", .format = "both", .seed = -1,
    .quiet = TRUE, .render = format,
    .diagrams = what != NULL ? what : "all", .max_steps = 5000000,
  };
  if (strcmp (opts.diagrams, "lifecycle") != 0
      && strcmp (opts.diagrams, "sequence") != 0
      && strcmp (opts.diagrams, "all") != 0)
    return usage_error (ctx, "--what takes lifecycle, sequence or all");
  RunResult r = run_one (argv[1], &opts);
  g_free (r.name);
  /* Drawing is the point here: a scenario whose expectations fail still
   * gets its diagrams, with the broken invariant marked. */
  return r.status == EXIT_VIOLATION ? EXIT_OK : r.status;
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
  { "check", "explore every placement of faults (or walk random seeds); "
    "counterexamples", cmd_check },
  { "example", "run a built-in example and print its timeline", cmd_example },
  { "examples", "list the built-in examples", cmd_examples },
  { "list", "list variants, invariants or examples", cmd_list },
  { "merge", "merge the JSON results of check --random shards", cmd_merge },
  { "render", "draw session lifecycle and message sequence diagrams",
    cmd_render },
  { "replay", "replay a counterexample trail", cmd_replay },
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
