/* `sessim check FILE`: explores every placement of the allowed faults
 * (or, with --random, walks seeded paths), prints the figures and ends on
 * a verdict line, and writes the shortest counterexample as a replayable
 * trail. A signal stops the search at a safe point (the engine polls the
 * flag); what was explored so far is reported as interrupted, never as
 * complete. Progress and speed are timed here, on the terminal only: they
 * never reach an output file. */
#include "sessim-config.h"

#include <glib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "checker.h"
#include "common.h"
#include "coverage.h"
#include "render.h"
#include "report.h"
#include "stategraph.h"

/* Progress on stderr: nothing in the first second, then a line a second
 * at most, with the time elapsed and the average rate. On a terminal the
 * line is redrawn in place (a carriage return, then spaces over what was
 * longer) and wiped before anything else is printed; elsewhere (a file, a
 * pipe, CI logs) each update is a line of its own. Also the memory limit,
 * which the same callbacks watch. */
typedef struct {
  gint64 start_us;
  gint64 last_us;
  gboolean quiet;
  guint64 max_rss_kib;   /* 0: none */
  gboolean in_place;     /* stderr is a terminal */
  gsize drawn;           /* length of the line on screen, 0: none */
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
         || cli_proc_kib ("/proc/self/status", "VmRSS:") <= pr->max_rss_kib;
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

/* "4.2s", "1m05s", "2h03m10s". (transfer full) */
static char *
elapsed_text (double secs)
{
  guint64 s = (guint64) secs;
  if (s < 60)
    return g_strdup_printf ("%.1fs", secs);
  if (s < 3600)
    return g_strdup_printf ("%" G_GUINT64_FORMAT "m%02" G_GUINT64_FORMAT "s",
                            s / 60, s % 60);
  return g_strdup_printf ("%" G_GUINT64_FORMAT "h%02" G_GUINT64_FORMAT
                          "m%02" G_GUINT64_FORMAT "s", s / 3600,
                          s / 60 % 60, s % 60);
}

static void
progress_show (Progress *pr, double secs, const char *figures)
{
  g_autofree char *when = elapsed_text (secs);
  g_autofree char *line = g_strdup_printf ("  %s: %s", when, figures);
  gsize len = strlen (line);
  if (pr->in_place)
    {
      fprintf (stderr, "\r%s%*s", line,
               (int) (pr->drawn > len ? pr->drawn - len : 0), "");
      pr->drawn = len;
    }
  else
    fprintf (stderr, "%s\n", line);
  fflush (stderr);
}

/* Wipes a line drawn in place, so that what follows starts clean. */
static void
progress_end (Progress *pr)
{
  if (pr->in_place && pr->drawn > 0)
    {
      fprintf (stderr, "\r%*s\r", (int) pr->drawn, "");
      fflush (stderr);
      pr->drawn = 0;
    }
}

static void
print_progress (const SesExploreStats *st, gpointer data)
{
  const SesCheckOptions *o = data;
  Progress *pr = o->progress_data;
  double secs = progress_due (pr);
  if (secs < 0)
    return;
  g_autofree char *figures = g_strdup_printf (
      "%" G_GUINT64_FORMAT " states, %.0f states/s, depth %u, queue %"
      G_GUINT64_FORMAT, st->states, st->states / secs, st->max_depth,
      st->frontier);
  progress_show (pr, secs, figures);
}

static void
print_random_progress (const SesRandomResult *so_far, gpointer data)
{
  Progress *pr = data;
  double secs = progress_due (pr);
  if (secs < 0)
    return;
  g_autofree char *figures = g_strdup_printf (
      "%" G_GUINT64_FORMAT " walks, %.0f walks/s, %u failing",
      so_far->seeds_run, so_far->seeds_run / secs, so_far->failures->len);
  progress_show (pr, secs, figures);
}

/* The command line's bound if given, else the scenario's, else fallback. */
static gint64
bound (const char *text, guint64 from_cli, gint64 from_scenario,
       gint64 fallback)
{
  return text != NULL ? (gint64) from_cli
         : from_scenario >= 0 ? from_scenario : fallback;
}

/* A fault budget given per client, "sub=2,pub=1" (or sub:2), as opposed
 * to one number shared by all clients. */
static gboolean
per_client (const char *text)
{
  return text != NULL && text[0] != '\0' && !g_ascii_isdigit (text[0]);
}

/* Parses a per-client budget into class cls of o; FALSE (after a usage
 * error) on a bad name or number. */
static gboolean
parse_client_budgets (const char *option, const char *text,
                      const GPtrArray *labels, guint cls, SesCheckOptions *o)
{
  memset (o->client_budgets[cls], 0, sizeof o->client_budgets[cls]);
  guint32 named = 0;
  g_auto (GStrv) parts = g_strsplit (text, ",", -1);
  for (guint k = 0; parts[k] != NULL; k++)
    {
      char *sep = strpbrk (parts[k], "=:");
      guint64 n;
      if (sep == NULL || sep == parts[k])
        {
          cli_usage_error ("%s takes a number, or CLIENT=N,... per client "
                           "(such as sub=2,pub=2), not '%s'", option, text);
          return FALSE;
        }
      *sep = '\0';
      guint i = 0;
      while (i < labels->len
             && strcmp (g_ptr_array_index (labels, i), parts[k]) != 0)
        i++;
      if (i == labels->len || i >= SES_EXPLORE_TARGETS)
        {
          cli_usage_error ("%s: no client named '%s' among the first %u",
                           option, parts[k], SES_EXPLORE_TARGETS);
          return FALSE;
        }
      if (named & (1u << i))
        {
          cli_usage_error ("%s names client '%s' twice", option, parts[k]);
          return FALSE;
        }
      named |= 1u << i;
      if (!g_ascii_string_to_unsigned (sep + 1, 10, 0, SES_EXPLORE_TARGET_MAX,
                                       &n, NULL))
        {
          cli_usage_error ("%s: %s takes a whole number from 0 to %u, not "
                           "'%s'", option, parts[k], SES_EXPLORE_TARGET_MAX,
                           sep + 1);
          return FALSE;
        }
      o->client_budgets[cls][i] = (guint8) n;
    }
  o->by_client |= 1u << cls;
  return TRUE;
}

/* A class's budget as the bounds line shows it: "2", or "sub:2,pub:2". */
static char *
describe_budget (const SesCheckOptions *o, guint cls, const GPtrArray *labels)
{
  if (!(o->by_client & (1u << cls)))
    return g_strdup_printf ("%u", o->budgets[cls]);
  GString *out = g_string_new (NULL);
  for (guint i = 0; i < labels->len && i < SES_EXPLORE_TARGETS; i++)
    if (o->client_budgets[cls][i] > 0)
      g_string_append_printf (out, "%s%s:%u", out->len ? "," : "",
                              (const char *) g_ptr_array_index (labels, i),
                              o->client_budgets[cls][i]);
  if (out->len == 0)
    g_string_append (out, "0 per client");
  return g_string_free (out, FALSE);
}

/* The bounds as a JSON object: each class's total, and per client where
 * it is budgeted so; max_expiries null when unbounded. */
static void
append_bounds_json (GString *j, const SesCheckOptions *o,
                    const GPtrArray *labels)
{
  static const char *const names[SES_EXPLORE_BUDGETS] = {
    "cuts", "crashes", "restarts", "half_opens",
  };
  g_string_append_c (j, '{');
  for (guint c = 0; c < SES_EXPLORE_BUDGETS; c++)
    {
      guint32 total = o->budgets[c];
      if (o->by_client & (1u << c))
        {
          total = 0;
          for (guint i = 0; i < SES_EXPLORE_TARGETS; i++)
            total += o->client_budgets[c][i];
        }
      g_string_append_printf (j, "%s\"%s\":%u,\"%s_by_client\":",
                              c ? "," : "", names[c], total, names[c]);
      if (!(o->by_client & (1u << c)))
        {
          g_string_append (j, "null");
          continue;
        }
      g_string_append_c (j, '{');
      for (guint i = 0; i < labels->len && i < SES_EXPLORE_TARGETS; i++)
        {
          if (i > 0)
            g_string_append_c (j, ',');
          ses_json_append_string (j, g_ptr_array_index (labels, i));
          g_string_append_printf (j, ":%u", o->client_budgets[c][i]);
        }
      g_string_append_c (j, '}');
    }
  if (o->bound_expiries)
    g_string_append_printf (j, ",\"max_expiries\":%u}", o->max_expiries);
  else
    g_string_append (j, ",\"max_expiries\":null}");
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
  const CliSource *source;
  gboolean report;
} CheckOutput;

/* The verdict line of random mode, from its report. */
static void
print_random_verdict (const SesReport *report, int status, const char *dir)
{
  g_autoptr (GString) broken = g_string_new (NULL);
  g_autoptr (GString) found = g_string_new (NULL);
  guint unexpected = 0, expected = 0;
  for (guint i = 0; i < report->failures->len; i++)
    {
      const SesReportFailure *f = g_ptr_array_index (report->failures, i);
      GString *names = f->expected ? found : broken;
      *(f->expected ? &expected : &unexpected) += 1;
      g_autofree char *sep = g_strdup_printf (", %s,", f->invariant);
      g_autofree char *list = g_strdup_printf (", %s,", names->str);
      if (strstr (list, sep) == NULL)
        g_string_append_printf (names, "%s%s", names->len ? ", " : "",
                                f->invariant);
    }
  g_autoptr (GString) v = g_string_new (NULL);
  if (unexpected > 0)
    g_string_append_printf (v, "invariant %s broken in %u of %"
                            G_GUINT64_FORMAT " seeds walked", broken->str,
                            unexpected, report->seeds_run);
  else if (expected > 0)
    {
      g_autofree char *f = cli_expected_found (found->str);
      g_string_append_printf (v, "%s in %u of %" G_GUINT64_FORMAT " seeds "
                              "walked", f, expected, report->seeds_run);
    }
  else if (report->expected->len > 0)
    g_string_append_printf (v, "the expected violation of %s was not found "
                            "in %" G_GUINT64_FORMAT " seeds walked",
                            (char *) g_ptr_array_index (report->expected, 0),
                            report->seeds_run);
  else
    g_string_append_printf (v, "no violation in %" G_GUINT64_FORMAT
                            " seeds walked", report->seeds_run);
  if (report->interrupted)
    g_string_append (v, ", interrupted before the last seed");
  else if (status == EXIT_INCOMPLETE && report->cut > 0)
    g_string_append_printf (v, ", %" G_GUINT64_FORMAT " walks cut by "
                            "--max-depth", report->cut);
  if (report->failures->len > 0)
    g_string_append_printf (v, "; trails in %s/", dir);
  cli_print_verdict (status, v->str);
}

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
  progress_end (ro->progress_data);
  report->seconds = (double) (g_get_monotonic_time () - start)
                    / G_USEC_PER_SEC;
  report->interrupted = res.cancelled;
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
      CliViolation first = { .text = g_string_new (NULL) };
      g_autoptr (GError) error = NULL;
      if (!cli_write_counterexample (script, f->trail, NULL, out->source,
                                     out->dir, stem,
                                     note, i == 0 && !out->quiet && !out->json,
                                     out->explain, out->report, NULL, NULL,
                                     NULL, &first, &error))
        {
          cli_error ("%s", error->message);
          g_string_free (first.text, TRUE);
          ses_random_result_clear (&res);
          return EXIT_USAGE;
        }
      g_autofree char *tname = g_strdup_printf ("%s.trail", stem);
      ses_report_add_failure (report, ses_check_report_failure (
          f, g_string_free (first.text, FALSE),
          g_build_filename (out->dir, tname, NULL)));
    }
  ses_random_result_clear (&res);
  report->peak_rss_kib = cli_peak_rss_kib ();
  /* Interrupted, a failure still decides; otherwise nothing is complete. */
  int status = ses_report_status (report);
  if (report->interrupted && status == EXIT_INCOMPLETE)
    status = cli_interrupt_status ();
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
      /* The shortest trail of the invariant the first failing seed broke. */
      const SesReportFailure *best = NULL;
      for (guint i = 0; i < report->failures->len; i++)
        {
          const SesReportFailure *f = g_ptr_array_index (report->failures, i);
          if (best == NULL
              || (strcmp (f->invariant, ((SesReportFailure *)
                                         g_ptr_array_index (report->failures,
                                                            0))->invariant)
                    == 0
                  && f->length < best->length))
            best = f;
        }
      if (best != NULL)
        printf ("# replay one with: sessim replay %s\n", best->trail);
      print_random_verdict (report, status, out->dir);
    }
  return status;
}

/* A probability as the summary and --json print it: "3.1e-05", "0". */
static char *
probability_text (double p)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  return g_strdup (g_ascii_formatd (buf, sizeof buf, "%.2g", p));
}

/* The storage line: the visited set's mode, size and how full, and the
 * estimate that a state was missed, with its name. (transfer full) */
static char *
describe_storage (const SesExploreStats *st)
{
  g_autofree char *p = probability_text (st->miss_probability);
  g_autofree char *size = st->storage_bytes < 1024 * 1024
      ? g_strdup_printf ("%.1f KiB", (double) st->storage_bytes / 1024.0)
      : g_strdup_printf ("%.1f MiB",
                         (double) st->storage_bytes / (1024.0 * 1024.0));
  g_autofree char *what = NULL;
  switch (st->storage)
    {
    case SES_STORAGE_HC:
      what = g_strdup_printf ("hc (hash compaction: 32 bits a state in 2^%u "
                              "slots, %s, %.1f %% full)",
                              st->storage_bits, size,
                              100.0 * st->storage_fill);
      break;
    case SES_STORAGE_BITSTATE:
      what = g_strdup_printf ("bitstate (2^%u bits, %u a state, %s, "
                              "%.1f %% set)", st->storage_bits,
                              st->storage_hashes, size,
                              100.0 * st->storage_fill);
      break;
    case SES_STORAGE_FP64:
    default:
      what = g_strdup_printf ("fp64 (64-bit fingerprints, %s)", size);
      break;
    }
  return g_strdup_printf ("%s; probability that a state was missed: %s (%s)"
                          "%s", what, p,
                          ses_stateset_bound_name (st->storage),
                          st->storage != SES_STORAGE_FP64
                            ? ", a probabilistic search" : "");
}

int
cli_check (int argc, char **argv)
{
  g_autofree char *cuts = NULL, *crashes = NULL, *restarts = NULL;
  g_autofree char *half_opens = NULL, *max_states = NULL, *max_depth = NULL;
  g_autofree char *seed = NULL, *jobs = NULL, *max_memory = NULL;
  g_autofree char *max_failures = NULL, *max_expiries = NULL;
  g_autofree char *storage = NULL, *bits = NULL, *hashes = NULL;
  g_autofree char *frontier_worlds = NULL;
  gboolean bfs = FALSE, dfs = FALSE, json = FALSE, quiet = FALSE;
  gboolean explain = FALSE, random = FALSE, no_swarm = FALSE;
  gboolean report = FALSE;
  gboolean no_shrink = FALSE, coverage = FALSE, no_reduction = FALSE;
  gboolean embed = FALSE;
  gboolean symmetry = FALSE, no_symmetry = FALSE;
  g_autofree char *faults_on = NULL;
  g_autofree char *out = NULL;
  g_autofree char *render = NULL;
  g_autofree char *diagrams = NULL;
  g_autofree char *seeds = NULL;
  g_autofree char *shard = NULL;
  GOptionEntry entries[] = {
    { "render", 'r', 0, G_OPTION_ARG_STRING, &render,
      "Draw the counterexample's diagrams: dot, svg or png", "FORMAT" },
    { "diagrams", 0, 0, G_OPTION_ARG_STRING, &diagrams,
      "Which diagrams --render draws: lifecycle, sequence or all (default)",
      "WHAT" },
    { "max-cuts", 0, 0, G_OPTION_ARG_STRING, &cuts,
      "Network cuts to place, in all or per client as sub=2,pub=2 "
      "(default: the scenario's, else 1)", "N|C=N,..." },
    { "max-crashes", 0, 0, G_OPTION_ARG_STRING, &crashes,
      "Client crashes to place, in all or per client (default: the "
      "scenario's, else 0)", "N|C=N,..." },
    { "max-restarts", 0, 0, G_OPTION_ARG_STRING, &restarts,
      "Broker restarts to place (default: the scenario's, else 0)", "N" },
    { "max-half-opens", 0, 0, G_OPTION_ARG_STRING, &half_opens,
      "Half-open links to place, in all or per client (default: the "
      "scenario's, else 0)", "N|C=N,..." },
    { "max-expiries", 0, 0, G_OPTION_ARG_STRING, &max_expiries,
      "Session expiries a path may contain; a path that cannot go on "
      "without one more stops there (default: the scenario's, else no "
      "bound)", "N" },
    { "faults-on", 0, 0, G_OPTION_ARG_STRING, &faults_on,
      "Only these clients (comma-separated names) suffer faults", "WHO" },
    { "bfs", 0, 0, G_OPTION_ARG_NONE, &bfs,
      "Breadth first: shortest counterexample (default)", NULL },
    { "dfs", 0, 0, G_OPTION_ARG_NONE, &dfs,
      "Depth first (the counterexample is shrunk)", NULL },
    { "jobs", 'j', 0, G_OPTION_ARG_STRING, &jobs,
      "Threads, 1 to 1024: expand states or walk seeds (--random) in "
      "parallel; the result does not depend on it (default 1)",
      "N" },
    { "no-reduction", 0, 0, G_OPTION_ARG_NONE, &no_reduction,
      "Try every order of simultaneous events at different clients, even "
      "where the order cannot matter", NULL },
    { "symmetry", 0, 0, G_OPTION_ARG_NONE, &symmetry,
      "Explore interchangeable clients (same settings and script but for "
      "their names) once up to renaming; states are then counted up to it "
      "(the default)", NULL },
    { "no-symmetry", 0, 0, G_OPTION_ARG_NONE, &no_symmetry,
      "Explore every client under its own name", NULL },
    { "max-memory", 0, 0, G_OPTION_ARG_STRING, &max_memory,
      "Stop, incomplete (exit 3), once resident memory passes this many MiB "
      "(default: three quarters of the machine's memory; 0: no limit)",
      "MIB" },
    { "storage", 0, 0, G_OPTION_ARG_STRING, &storage,
      "How the visited set keeps states: fp64 (64-bit fingerprints, the "
      "default), hc (hash compaction, 32 bits a state) or bitstate (a few "
      "bits a state); hc and bitstate may miss states, and say how likely "
      "that is", "MODE" },
    { "bits", 0, 0, G_OPTION_ARG_STRING, &bits,
      "With --storage hc: a table of 2^W slots of 4 bytes (8 to 32); "
      "bitstate: 2^W bits (8 to 40) (default: from --max-states)", "W" },
    { "hashes", 0, 0, G_OPTION_ARG_STRING, &hashes,
      "With --storage bitstate: bits set a state, 1 to 16 (default 3)", "K" },
    { "frontier-worlds", 0, 0, G_OPTION_ARG_STRING, &frontier_worlds,
      "Breadth first: states waiting to be expanded that keep their whole "
      "world; the others keep their parent link and are rebuilt by replay "
      "when expanded (default 100000; 0: no limit)", "N" },
    { "max-states", 0, 0, G_OPTION_ARG_STRING, &max_states,
      "Stop after storing this many states, at least 1: incomplete, exit 3 "
      "(default: the scenario's, else 1000000)", "N" },
    { "max-depth", 0, 0, G_OPTION_ARG_STRING, &max_depth,
      "Explore paths (or walks) of at most this many choices, at least 1 "
      "(default: the scenario's, else no limit)", "N" },
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
    { "max-failures", 0, 0, G_OPTION_ARG_STRING, &max_failures,
      "With --random: stop after this many failing seeds (default 10, "
      "0: walk every seed)", "N" },
    { "no-shrink", 0, 0, G_OPTION_ARG_NONE, &no_shrink,
      "Keep depth-first and random counterexamples as found", NULL },
    { "coverage", 0, 0, G_OPTION_ARG_NONE, &coverage,
      "List which of the model's rules were exercised and which were not",
      NULL },
    { "seed", 's', 0, G_OPTION_ARG_STRING, &seed,
      "Seed, 0 to 2^64-1 (default: the scenario's `seed`, else 1)", "N" },
    { "out", 'o', 0, G_OPTION_ARG_FILENAME, &out,
      "Folder for output/<scenario>/ files (default: output)", "DIR" },
    { "embed", 0, 0, G_OPTION_ARG_NONE, &embed,
      "Copy the scenario into each trail, so that the trail replays on its "
      "own even when the file changes or is gone", NULL },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json,
      "Print the result as one JSON object", NULL },
    { "explain", 'e', 0, G_OPTION_ARG_NONE, &explain,
      "Explain each step of a counterexample", NULL },
    { "report", 0, 0, G_OPTION_ARG_NONE, &report,
      "Write the counterexample as report.html, to step through in a "
      "browser", NULL },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet,
      "No progress, no counterexample timeline", NULL },
    { NULL },
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new (
      "FILE - explore every placement of the allowed faults and every order "
      "of simultaneous events, checking the invariants on every path; or, "
      "with --random, walk one seeded path per seed (- reads the scenario "
      "from standard input)");
  g_option_context_add_main_entries (ctx, entries, NULL);
  int status = EXIT_OK;
  if (!cli_parse_options (ctx, "check", &argc, &argv, &status))
    return status;
  if (argc != 2)
    return cli_usage_error ("name one scenario file");
  if (bfs && dfs)
    return cli_usage_error ("--bfs and --dfs exclude each other");
  if (render != NULL && !ses_render_format_supported (render))
    return cli_usage_error ("--render takes dot, svg or png");
  if (diagrams != NULL && !cli_diagrams_valid (diagrams))
    return cli_usage_error ("--diagrams takes lifecycle, sequence or all");
  guint64 n_cuts = 0, n_crashes = 0, n_restarts = 0, n_half_opens = 0;
  guint64 n_states = 0, n_depth = 0, n_seed = 0, n_jobs = 1;
  guint64 n_memory = 0, n_failures = 10, n_expiries = 0;
  guint64 n_bits = 0, n_hashes = 0, n_frontier = 100000;
  SesStorage mode = SES_STORAGE_FP64;
  if (storage != NULL && !ses_storage_from_name (storage, &mode))
    return cli_usage_error ("--storage takes fp64, hc or bitstate, not '%s'",
                            storage);
  if (bits != NULL && mode == SES_STORAGE_FP64)
    return cli_usage_error ("--bits sizes the tables of --storage hc and "
                            "bitstate; fp64's table grows as it fills");
  if (hashes != NULL && mode != SES_STORAGE_BITSTATE)
    return cli_usage_error ("--hashes applies to --storage bitstate");
  if (!cli_option_u64 ("--bits", bits,
                       mode == SES_STORAGE_HC ? SES_STATESET_HC_BITS_MIN
                                              : SES_STATESET_BITSTATE_BITS_MIN,
                       mode == SES_STORAGE_HC ? SES_STATESET_HC_BITS_MAX
                                              : SES_STATESET_BITSTATE_BITS_MAX,
                       &n_bits)
      || !cli_option_u64 ("--hashes", hashes, 1, SES_STATESET_HASHES_MAX,
                          &n_hashes)
      || !cli_option_u64 ("--frontier-worlds", frontier_worlds, 0,
                          G_MAXUINT64, &n_frontier))
    return EXIT_USAGE;
  if (frontier_worlds != NULL && dfs)
    return cli_usage_error ("--frontier-worlds applies to breadth-first "
                            "search: depth first keeps its short stack whole");
  /* Per-client forms are read once the scenario names its clients. */
  if (!cli_option_u64 ("--jobs", jobs, 1, 1024, &n_jobs)
      || !cli_option_u64 ("--max-cuts", per_client (cuts) ? NULL : cuts, 0,
                          G_MAXUINT32, &n_cuts)
      || !cli_option_u64 ("--max-crashes",
                          per_client (crashes) ? NULL : crashes, 0,
                          G_MAXUINT32, &n_crashes)
      || !cli_option_u64 ("--max-expiries", max_expiries, 0, G_MAXUINT32,
                          &n_expiries)
      || !cli_option_u64 ("--max-restarts", restarts, 0, G_MAXUINT32,
                          &n_restarts)
      || !cli_option_u64 ("--max-half-opens",
                          per_client (half_opens) ? NULL : half_opens, 0,
                          G_MAXUINT32, &n_half_opens)
      || !cli_option_u64 ("--max-states", max_states, 1, G_MAXINT64,
                          &n_states)
      || !cli_option_u64 ("--max-depth", max_depth, 1, G_MAXUINT32, &n_depth)
      || !cli_option_u64 ("--seed", seed, 0, G_MAXUINT64, &n_seed)
      || !cli_option_u64 ("--max-memory", max_memory, 0, G_MAXUINT64 / 1024,
                          &n_memory)
      || !cli_option_u64 ("--max-failures", max_failures, 0, G_MAXUINT32,
                          &n_failures))
    return EXIT_USAGE;
  if (symmetry && no_symmetry)
    return cli_usage_error ("--symmetry and --no-symmetry exclude each other");
  const char *out_dir;
  if (!cli_option_out (out, &out_dir))
    return EXIT_USAGE;
  SesRandomOptions ro = { .seed_from = 1, .seed_to = 100, .shard_index = 1,
                          .shard_count = 1, .swarm = !no_swarm,
                          .shrink = !no_shrink,
                          .max_failures = (guint) n_failures };
  if (random)
    {
      if (bfs || dfs)
        return cli_usage_error ("--random walks; --bfs and --dfs search");
      if (render != NULL)
        return cli_usage_error ("--render does not apply to --random: "
                                "replay a failing seed's trail with "
                                "--render");
      if (seed != NULL)
        return cli_usage_error ("--random takes --seeds A..B, not --seed");
      if (max_states != NULL)
        return cli_usage_error ("--max-states does not apply to --random");
      if (symmetry)
        return cli_usage_error ("--symmetry applies to the exhaustive "
                                "search, not to --random");
      if (storage != NULL || frontier_worlds != NULL)
        return cli_usage_error ("--storage, --bits, --hashes and "
                                "--frontier-worlds apply to the exhaustive "
                                "search, not to --random");
      if (seeds != NULL && !cli_parse_seeds (seeds, &ro.seed_from,
                                             &ro.seed_to))
        return cli_usage_error ("--seeds takes A..B, whole numbers from 0 to "
                                "2^64-1 with A <= B");
      if (shard != NULL && !parse_shard (shard, &ro.shard_index,
                                         &ro.shard_count))
        return cli_usage_error ("--shard takes I/N with 1 <= I <= N");
    }
  else if (seeds != NULL || shard != NULL || no_swarm)
    return cli_usage_error ("--seeds, --shard and --no-swarm need --random");
  const char *path = argv[1];
  g_autoptr (GError) error = NULL;
  g_autofree char *source_text = NULL;
  gsize source_len = 0;
  g_autoptr (SesScript) script = cli_load_script (path, &source_text,
                                                  &source_len, &error);
  if (script == NULL)
    {
      if (error->domain == G_FILE_ERROR)
        cli_error ("%s", error->message);
      else
        cli_print_located (error->message);
      return EXIT_USAGE;
    }
  /* Trails record the scenario's digest, so that replay can tell when the
   * file changed since; with --embed, the scenario itself. */
  g_autofree char *digest = cli_digest (source_text, source_len);
  CliSource source = { digest, embed ? source_text : NULL };
  const SesScriptBounds *sb = ses_script_bounds (script);
  SesCheckOptions o = { .depth_first = dfs };
  o.jobs = (guint) n_jobs;
  o.no_reduction = no_reduction;
  o.symmetry = !no_symmetry && !random;
  o.storage = mode;
  o.storage_bits = (guint) n_bits;
  o.storage_hashes = (guint) n_hashes;
  o.frontier_worlds = n_frontier;
  o.budgets[SES_CHECK_CUTS] = (guint32) bound (cuts, n_cuts, sb->max_cuts, 1);
  o.budgets[SES_CHECK_CRASHES] = (guint32) bound (crashes, n_crashes,
                                                  sb->max_crashes, 0);
  o.budgets[SES_CHECK_RESTARTS] = (guint32) bound (restarts, n_restarts,
                                                   sb->max_restarts, 0);
  o.budgets[SES_CHECK_HALF_OPENS] = (guint32) bound (half_opens, n_half_opens,
                                                     sb->max_half_opens, 0);
  o.max_states = (guint64) bound (max_states, n_states, sb->max_states,
                                  1000000);
  o.max_depth = (guint) bound (max_depth, n_depth, sb->max_depth, 0);
  o.faults_on = sb->faults_on;
  const GPtrArray *labels = ses_mqtt_config_labels (ses_script_config (script));
  /* Per-client budgets: the option's, else the scenario's where the option
   * leaves the class out. */
  const char *const class_text[SES_EXPLORE_BUDGETS] = {
    cuts, crashes, NULL, half_opens,
  };
  const char *const class_option[SES_EXPLORE_BUDGETS] = {
    "--max-cuts", "--max-crashes", NULL, "--max-half-opens",
  };
  G_STATIC_ASSERT (SES_SCRIPT_BUDGET_CLIENTS == SES_EXPLORE_TARGETS);
  for (guint c = 0; c < SES_EXPLORE_BUDGETS; c++)
    {
      if (per_client (class_text[c]))
        {
          if (!parse_client_budgets (class_option[c], class_text[c], labels,
                                     c, &o))
            return EXIT_USAGE;
        }
      else if (class_text[c] == NULL && (sb->by_client & (1u << c)))
        {
          o.by_client |= 1u << c;
          memcpy (o.client_budgets[c], sb->client_budgets[c],
                  sizeof o.client_budgets[c]);
        }
    }
  if (max_expiries != NULL || sb->max_expiries >= 0)
    {
      o.bound_expiries = TRUE;
      o.max_expiries = (guint32) bound (max_expiries, n_expiries,
                                        sb->max_expiries, 0);
    }
  if (random && (o.by_client != 0 || o.bound_expiries))
    return cli_usage_error ("per-client budgets and --max-expiries bound the "
                            "exhaustive search, not --random (give each "
                            "class one number)");
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
            return cli_usage_error ("--faults-on: no client named '%s' among "
                                    "the first 32", names[k]);
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
  g_autofree char *name = cli_scenario_name (path);
  g_autofree char *dir = g_build_filename (out_dir, name, NULL);
  Progress pr = { g_get_monotonic_time (), 0, quiet || json, 0,
                  isatty (STDERR_FILENO) == 1, 0 };
  pr.max_rss_kib = max_memory != NULL
                     ? n_memory * 1024
                     : cli_proc_kib ("/proc/meminfo", "MemTotal:") / 4 * 3;
  /* A fixed table is allocated whole at the start: one that could never
   * fit is refused here rather than failing to allocate. */
  guint64 room_kib = pr.max_rss_kib > 0
                       ? pr.max_rss_kib
                       : cli_proc_kib ("/proc/meminfo", "MemTotal:");
  if (!random && mode != SES_STORAGE_FP64 && room_kib > 0)
    {
      guint w = o.storage_bits != 0
                  ? o.storage_bits
                  : ses_stateset_default_bits (mode, o.max_states);
      guint64 kib = mode == SES_STORAGE_HC ? (G_GUINT64_CONSTANT (4) << w) / 1024
                                           : (G_GUINT64_CONSTANT (1) << w) / 8
                                               / 1024;
      if (kib > room_kib)
        return cli_usage_error ("--storage %s with --bits %u needs %"
                                G_GUINT64_FORMAT " MiB, more than the "
                                "memory limit of %" G_GUINT64_FORMAT " MiB "
                                "(--max-memory, else the machine's)",
                                ses_storage_name (mode), w, kib / 1024,
                                room_kib / 1024);
    }
  /* Ctrl-C or SIGTERM: the search stops at its next safe point. */
  cli_catch_interrupts ();
  o.cancel = &cli_interrupted;
  if (random)
    {
      ro.progress = print_random_progress;
      ro.progress_data = &pr;
      CheckOutput co = { path, dir,
                         faults_on_names->len ? faults_on_names->str : NULL,
                         json, quiet, explain, coverage, &source, report };
      return check_random (script, &o, &ro, &co);
    }

  o.progress = print_progress;
  o.keep_going = within_memory;
  o.progress_data = &pr;
  guint64 used_seed = seed != NULL ? n_seed : ses_script_seed (script);
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
  progress_end (&pr);
  gboolean interrupted = st.cancelled;
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
  CliViolation first = { .text = violation };
  g_autofree char *note = shrunk.original != shrunk.shrunk
      ? g_strdup_printf ("# shrunk from %u choices (depth first) to %u\n",
                         shrunk.original, shrunk.shrunk)
      : NULL;
  if (st.violation
      && !cli_write_counterexample (script, trail, NULL, &source, dir, NULL,
                                    note, !quiet && !json, explain, report,
                                    render, diagrams, NULL, &first, &error))
    {
      cli_error ("%s", error->message);
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
      gboolean drawn = cli_make_dir (dir, &error)
                       && ses_render_to_file (text, render, gpath, &error);
      g_ptr_array_unref (graph.labels);
      g_array_unref (graph.edges);
      if (!drawn)
        {
          cli_error ("%s", error->message);
          return EXIT_USAGE;
        }
    }
  guint32 expected = ses_script_expected_violations (script);
  /* The expected violation: the first one the scenario names. */
  const char *expected_name = NULL;
  for (guint id = 0; id < SES_INV_COUNT && expected_name == NULL; id++)
    if (expected & (1u << id))
      expected_name = ses_invariant_name ((SesInvariantId) id);
  gboolean found = first.violated && (expected & (1u << first.id));
  if (found)
    status = EXIT_OK;
  else if (first.violated)
    status = EXIT_VIOLATION;
  else if (interrupted)
    status = cli_interrupt_status ();
  else if (!st.complete)
    status = EXIT_INCOMPLETE;
  else
    status = expected != 0 ? EXIT_VIOLATION : EXIT_OK;

  /* hc and bitstate may take a new state for a stored one: a search
   * in those modes is complete only with the probability they report. */
  gboolean probable = st.storage != SES_STORAGE_FP64;
  g_autofree char *miss = probability_text (st.miss_probability);
  const char *limit = st.stopped ? "--max-memory"
                      : st.storage_full ? "a full hash-compaction table "
                                          "(raise --bits)"
                                        : "a limit (--max-states "
                                          "or --max-depth)";
  const char *verdict = st.violation ? "violation found"
                        : interrupted ? "interrupted: incomplete, no "
                                        "violation so far"
                        : st.complete && probable
                          ? "no violation within the bounds, in a "
                            "probabilistic search"
                        : st.complete ? "no violation within the bounds"
                        : st.stopped ? "incomplete: --max-memory stopped the "
                                       "search"
                        : st.storage_full ? "incomplete: the hash-compaction "
                                            "table is full"
                                     : "incomplete: a limit stopped the search";
  /* The last line: what held, what broke, where the files are. */
  g_autoptr (GString) v = g_string_new (NULL);
  if (found)
    {
      g_autofree char *f = cli_expected_found (ses_invariant_name (first.id));
      g_string_append (v, f);
    }
  else if (first.violated)
    g_string_append_printf (v, "invariant %s broken",
                            ses_invariant_name (first.id));
  else if (expected_name != NULL)
    g_string_append_printf (v, "the expected violation of %s was not found "
                            "%s %" G_GUINT64_FORMAT " states", expected_name,
                            st.complete ? "within the bounds," : "in the",
                            st.states);
  else if (st.complete && probable)
    {
      g_string_append_printf (v, "no violation within the bounds, in a "
                              "probabilistic search (%" G_GUINT64_FORMAT
                              " states", st.states);
      if (o.bound_expiries)
        g_string_append_printf (v, "; %" G_GUINT64_FORMAT " paths cut by "
                                "--max-expiries", st.bound_cut);
      g_string_append_c (v, ')');
    }
  else if (st.complete && o.bound_expiries)
    g_string_append_printf (v, "no violation within the bounds, every path "
                            "explored (%" G_GUINT64_FORMAT " states; %"
                            G_GUINT64_FORMAT " paths cut by --max-expiries)",
                            st.states, st.bound_cut);
  else if (st.complete)
    g_string_append_printf (v, "no violation within the bounds, every path "
                            "explored (%" G_GUINT64_FORMAT " states)",
                            st.states);
  else
    g_string_append_printf (v, "no violation in the %" G_GUINT64_FORMAT
                            " states explored", st.states);
  if (interrupted && !first.violated)
    g_string_append (v, " so far; interrupted, not complete");
  else if (!st.complete && !first.violated)
    g_string_append_printf (v, "; %s stopped the search", limit);
  if (probable && !first.violated)
    g_string_append_printf (v, "; --storage %s: probability that a state "
                            "was missed %s", ses_storage_name (st.storage),
                            miss);
  if (first.violated)
    g_string_append_printf (v, "; counterexample in %s/counterexample.trail",
                            dir);

  double per_state = st.states > 0 ? (double) st.stored_bytes / st.states : 0;
  /* Symmetry: on or off, and the clients it renames within. */
  g_autoptr (GPtrArray) classes = ses_check_symmetry_classes (script, &o);
  if (json)
    {
      GString *j = g_string_new ("{\"scenario\":");
      ses_json_append_string (j, path);
      g_string_append_printf (j,
          ",\"version\":\"%s\",\"seed\":%" G_GUINT64_FORMAT ",\"status\":%d,"
          "\"verdict\":\"%s\",\"complete\":%s,\"stopped_by_memory\":%s,"
          "\"interrupted\":%s,\"violation\":",
          SESSIM_VERSION, used_seed, status, cli_status_word (status),
          st.complete ? "true" : "false", st.stopped ? "true" : "false",
          interrupted ? "true" : "false");
      if (st.violation)
        ses_json_append_string (j, violation->str);
      else
        g_string_append (j, "null");
      g_string_append (j, ",\"summary\":");
      ses_json_append_string (j, v->str);
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
          st.peak_frontier, st.stored_bytes, per_state, secs,
          cli_peak_rss_kib ());
      ses_coverage_append_json (cov, j);
      g_string_append (j, ",\"bounds\":");
      append_bounds_json (j, &o, labels);
      g_string_append_printf (j, ",\"expiry_cut\":%" G_GUINT64_FORMAT,
                              st.bound_cut);
      g_string_append_printf (j, ",\"symmetry\":%s,\"symmetry_classes\":[",
                              o.symmetry ? "true" : "false");
      for (guint k = 0; k < classes->len; k++)
        {
          const char *const *names = g_ptr_array_index (classes, k);
          g_string_append (j, k > 0 ? ",[" : "[");
          for (guint i = 0; names[i] != NULL; i++)
            {
              if (i > 0)
                g_string_append_c (j, ',');
              ses_json_append_string (j, names[i]);
            }
          g_string_append_c (j, ']');
        }
      g_string_append_c (j, ']');
      g_string_append_printf (j, ",\"storage\":\"%s\",\"probabilistic\":%s,"
                              "\"miss_probability\":%s,\"miss_estimate\":"
                              "\"%s\",\"storage_bytes\":%" G_GUINT64_FORMAT,
                              ses_storage_name (st.storage),
                              probable ? "true" : "false", miss,
                              ses_stateset_bound_name (st.storage),
                              st.storage_bytes);
      char fill[G_ASCII_DTOSTR_BUF_SIZE];
      g_ascii_formatd (fill, sizeof fill, "%.4f", st.storage_fill);
      if (st.storage == SES_STORAGE_FP64)
        g_string_append_printf (j, ",\"storage_bits\":null,"
                                "\"storage_hashes\":null");
      else
        g_string_append_printf (j, ",\"storage_bits\":%u,\"storage_hashes\":"
                                "%u", st.storage_bits, st.storage_hashes);
      g_string_append_printf (j, ",\"storage_fill\":%s,\"storage_full\":%s",
                              fill, st.storage_full ? "true" : "false");
      if (o.frontier_worlds == 0)
        g_string_append (j, ",\"frontier_worlds\":null");
      else
        g_string_append_printf (j, ",\"frontier_worlds\":%" G_GUINT64_FORMAT,
                                o.frontier_worlds);
      g_string_append_printf (j, ",\"rebuilt_states\":%" G_GUINT64_FORMAT
                              ",\"replayed_choices\":%" G_GUINT64_FORMAT,
                              st.rebuilt, st.replayed);
      g_string_append (j, "}\n");
      fputs (j->str, stdout);
      g_string_free (j, TRUE);
    }
  else
    {
      printf ("# check %s: %s\n", path, verdict);
      g_autofree char *b_cuts = describe_budget (&o, SES_CHECK_CUTS, labels);
      g_autofree char *b_crashes = describe_budget (&o, SES_CHECK_CRASHES,
                                                    labels);
      g_autofree char *b_half = describe_budget (&o, SES_CHECK_HALF_OPENS,
                                                 labels);
      g_autofree char *b_exp = o.bound_expiries
          ? g_strdup_printf (", expiries %u (%" G_GUINT64_FORMAT " paths cut "
                             "by it)", o.max_expiries, st.bound_cut)
          : g_strdup ("");
      printf ("# bounds: cuts %s, crashes %s, restarts %u, half-opens %s%s; "
              "%s, %u job%s\n", b_cuts, b_crashes,
              o.budgets[SES_CHECK_RESTARTS], b_half, b_exp,
              o.depth_first ? "depth first" : "breadth first",
              o.jobs, o.jobs == 1 ? "" : "s");
      if (!o.symmetry)
        printf ("# symmetry: off\n");
      else if (classes->len == 0)
        printf ("# symmetry: on, no interchangeable clients\n");
      else
        {
          g_autoptr (GString) sets = g_string_new (NULL);
          for (guint k = 0; k < classes->len; k++)
            {
              g_autofree char *names = g_strjoinv (
                  ",", g_ptr_array_index (classes, k));
              g_string_append_printf (sets, "%s{%s}", k > 0 ? " " : "",
                                      names);
            }
          printf ("# symmetry: on, interchangeable clients %s (states are "
                  "counted up to renaming them; every order of simultaneous "
                  "events is tried)\n", sets->str);
        }
      printf ("# %" G_GUINT64_FORMAT " states, %" G_GUINT64_FORMAT
              " transitions, %" G_GUINT64_FORMAT " end states, depth %u, "
              "peak frontier %" G_GUINT64_FORMAT ", %.0f bytes/state; "
              "%.2f s, %.0f states/s, peak %" G_GUINT64_FORMAT " KiB\n",
              st.states, st.transitions, st.end_states, st.max_depth,
              st.peak_frontier, per_state, secs,
              secs > 0 ? st.states / secs : 0.0, cli_peak_rss_kib ());
      g_autofree char *storage_line = describe_storage (&st);
      printf ("# storage: %s\n", storage_line);
      if (st.rebuilt > 0)
        printf ("# frontier: at most %" G_GUINT64_FORMAT " waiting states "
                "kept their worlds; %" G_GUINT64_FORMAT " were rebuilt by "
                "replaying %" G_GUINT64_FORMAT " choices (--dfs keeps no "
                "frontier, if a shortest counterexample is not needed)\n",
                o.frontier_worlds, st.rebuilt, st.replayed);
      if (st.violation)
        {
          printf (found ? "# expected: %s\n" : "# %s\n", violation->str);
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
      cli_print_verdict (status, v->str);
    }
  return status;
}
