/* Pieces several subcommands share: option parsing with one-line usage
 * errors, files read and written whole (temporary name, then rename, so
 * that neither an error nor a signal leaves half a file), the timeline and
 * the verdict line, counterexample files for check and replay, and the
 * interrupt flag that run and check poll. */
#define _POSIX_C_SOURCE 200809L

#include "sessim-config.h"
#include "sessim-build.h"

#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "checker.h"
#include "common.h"
#include "explain.h"
#include "expect.h"
#include "tracejson.h"
#include "view.h"

/* ---- options and errors ------------------------------------------------- */

/* The command being parsed, for usage errors ("run"); NULL: none yet. */
static const char *command_name;

char *
cli_ascii (const char *text)
{
  static const char *const from[] = { "\u201c", "\u201d", "\u2018",
                                      "\u2019", "\u2026" };
  static const char *const to[] = { "'", "'", "'", "'", "..." };
  GString *out = g_string_new (NULL);
  for (const char *p = text; *p != '\0';)
    {
      guint k = 0;
      while (k < G_N_ELEMENTS (from) && !g_str_has_prefix (p, from[k]))
        k++;
      if (k < G_N_ELEMENTS (from))
        {
          g_string_append (out, to[k]);
          p += strlen (from[k]);
        }
      else
        g_string_append_c (out, *p++);
    }
  return g_string_free (out, FALSE);
}

int
cli_usage_error (const char *format, ...)
{
  va_list ap;
  va_start (ap, format);
  g_autofree char *raw = g_strdup_vprintf (format, ap);
  va_end (ap);
  g_autofree char *message = cli_ascii (raw);
  if (command_name != NULL)
    fprintf (stderr, "sessim %s: %s; see 'sessim %s --help'\n", command_name,
             message, command_name);
  else
    fprintf (stderr, "sessim: %s; see 'sessim --help'\n", message);
  return EXIT_USAGE;
}

void
cli_error (const char *format, ...)
{
  va_list ap;
  va_start (ap, format);
  g_autofree char *raw = g_strdup_vprintf (format, ap);
  va_end (ap);
  g_autofree char *message = cli_ascii (raw);
  fprintf (stderr, "sessim: %s\n", message);
}

void
cli_print_located (const char *text)
{
  fputs (text, stderr);
  fputc ('\n', stderr);
}

gboolean
cli_parse_options (GOptionContext *ctx, const char *command, int *argc,
                   char ***argv, int *status)
{
  command_name = command;
  g_autofree char *prgname = g_strdup_printf ("sessim %s", command);
  g_set_prgname (prgname);
  /* GLib's own --help prints its "[OPTION\u2026]" in the locale's charset
   * (a '?' under C) and exits from inside the parser; this one prints
   * ASCII and returns. */
  gboolean help = FALSE;
  GOptionEntry help_entries[] = {
    { "help", 'h', 0, G_OPTION_ARG_NONE, &help, "Show this help", NULL },
    { NULL },
  };
  g_option_context_set_help_enabled (ctx, FALSE);
  g_option_context_add_main_entries (ctx, help_entries, NULL);
  g_autoptr (GError) error = NULL;
  if (!g_option_context_parse (ctx, argc, argv, &error))
    {
      /* "Unknown option --foo" reads "unknown option --foo". */
      g_autofree char *message = g_strdup (error->message);
      if (g_ascii_isupper (message[0]) && g_ascii_islower (message[1]))
        message[0] = g_ascii_tolower (message[0]);
      *status = cli_usage_error ("%s", message);
      return FALSE;
    }
  if (help)
    {
      g_autofree char *text = g_option_context_get_help (ctx, TRUE, NULL);
      g_autofree char *ascii = cli_ascii (text);
      fputs (ascii, stdout);
      *status = EXIT_OK;
      return FALSE;
    }
  return TRUE;
}

gboolean
cli_option_u64 (const char *option, const char *text, guint64 min,
                guint64 max, guint64 *out)
{
  if (text == NULL)
    return TRUE;
  guint64 v;
  if (g_ascii_string_to_unsigned (text, 10, min, max, &v, NULL))
    {
      *out = v;
      return TRUE;
    }
  cli_usage_error ("%s takes a whole number from %" G_GUINT64_FORMAT " to %"
                   G_GUINT64_FORMAT ", not '%s'", option, min, max, text);
  return FALSE;
}

gboolean
cli_option_out (const char *text, const char **out)
{
  if (text != NULL && text[0] == '\0')
    {
      cli_usage_error ("--out takes a folder name, not an empty one");
      return FALSE;
    }
  *out = text != NULL ? text : "output";
  return TRUE;
}

gboolean
cli_parse_seeds (const char *text, guint64 *from, guint64 *to)
{
  g_auto (GStrv) parts = g_strsplit (text, "..", 2);
  if (parts[0] == NULL)
    return FALSE;
  const char *b = parts[1] != NULL ? parts[1] : parts[0];
  return g_ascii_string_to_unsigned (parts[0], 10, 0, G_MAXUINT64, from, NULL)
         && g_ascii_string_to_unsigned (b, 10, 0, G_MAXUINT64, to, NULL)
         && *from <= *to;
}

/* ---- files -------------------------------------------------------------- */

static void
set_errno_error (GError **error, int saved, const char *path,
                 const char *what)
{
  g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
               "%s: %s: %s", path, what, g_strerror (saved));
}

gboolean
cli_read_file (const char *path, char **text, gsize *length, GError **error)
{
  gboolean from_stdin = strcmp (path, "-") == 0;
  const char *name = from_stdin ? "standard input" : path;
  int fd = from_stdin ? STDIN_FILENO : g_open (path, O_RDONLY | O_CLOEXEC, 0);
  if (fd < 0)
    {
      set_errno_error (error, errno, name, "cannot read");
      return FALSE;
    }
  GString *buf = g_string_new (NULL);
  char chunk[65536];
  for (;;)
    {
      ssize_t n = read (fd, chunk, sizeof chunk);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int saved = errno;
          if (!from_stdin)
            close (fd);
          g_string_free (buf, TRUE);
          set_errno_error (error, saved, name, "cannot read");
          return FALSE;
        }
      if (n == 0)
        break;
      g_string_append_len (buf, chunk, n);
    }
  if (!from_stdin)
    close (fd);
  if (length != NULL)
    *length = buf->len;
  *text = g_string_free (buf, FALSE);
  return TRUE;
}

gboolean
cli_write_file (const char *path, const char *text, gssize length,
                GError **error)
{
  gsize len = length < 0 ? strlen (text) : (gsize) length;
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *base = g_path_get_basename (path);
  /* A hidden name beside the file: the rename stays in one file system. */
  g_autofree char *tmp = g_strdup_printf ("%s/.%s.XXXXXX", dir, base);
  int fd = g_mkstemp_full (tmp, O_WRONLY | O_CLOEXEC, 0644);
  if (fd < 0)
    {
      set_errno_error (error, errno, path, "cannot write");
      return FALSE;
    }
  gsize done = 0;
  while (done < len)
    {
      ssize_t n = write (fd, text + done, len - done);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int saved = errno;
          close (fd);
          g_unlink (tmp);
          set_errno_error (error, saved, path, "cannot write");
          return FALSE;
        }
      done += (gsize) n;
    }
  if (close (fd) != 0 || g_rename (tmp, path) != 0)
    {
      int saved = errno;
      g_unlink (tmp);
      set_errno_error (error, saved, path, "cannot write");
      return FALSE;
    }
  return TRUE;
}

gboolean
cli_make_dir (const char *dir, GError **error)
{
  if (g_mkdir_with_parents (dir, 0755) != 0)
    {
      set_errno_error (error, errno, dir, "cannot create");
      return FALSE;
    }
  return TRUE;
}

SesScript *
cli_load_script (const char *path, char **text_out, gsize *length_out,
                 GError **error)
{
  g_autofree char *text = NULL;
  gsize length = 0;
  if (!cli_read_file (path, &text, &length, error))
    return NULL;
  SesScript *script = ses_script_load (strcmp (path, "-") == 0 ? "<stdin>"
                                                               : path,
                                       text, length, error);
  if (script != NULL && text_out != NULL)
    *text_out = g_steal_pointer (&text);
  if (script != NULL && length_out != NULL)
    *length_out = length;
  return script;
}

void
cli_print_load_error (const GError *error)
{
  if (error->domain == G_FILE_ERROR)
    cli_error ("%s", error->message);
  else
    cli_print_located (error->message);
}

char *
cli_digest (const char *text, gsize length)
{
  g_autofree char *hex = g_compute_checksum_for_data (G_CHECKSUM_SHA256,
                                                      (const guchar *) text,
                                                      length);
  return g_strconcat ("sha256:", hex, NULL);
}

/* The scenario's name for its output folder: the file name without .scn. */
char *
cli_scenario_name (const char *path)
{
  if (strcmp (path, "-") == 0)
    return g_strdup ("stdin");
  g_autofree char *base = g_path_get_basename (path);
  if (g_str_has_suffix (base, ".scn"))
    base[strlen (base) - 4] = '\0';
  return g_strdup (base);
}

/* ---- what is printed ---------------------------------------------------- */

/* The timeline as printed: each observation the view shows, with
 * --explain the reason under it, and the state tables where they were
 * taken (all of them with state, else only those taken at chosen times)
 * within the view's time window. With colour on, the steps at which an
 * invariant broke are red and faults yellow. */
void
cli_print_timeline (const char *header, SesMqtt *mqtt, gboolean explain,
                    const SesSnapshots *snaps, gboolean state,
                    const CliView *view, const GArray *violations)
{
  SesMqttConfig *cfg = ses_mqtt_config (mqtt);
  const GArray *obs = ses_mqtt_log (mqtt);
  g_autoptr (GPtrArray) why = explain ? ses_explain_run (mqtt, snaps) : NULL;
  const GPtrArray *list = snaps != NULL ? ses_snapshots_list (snaps) : NULL;
  /* Which steps broke an invariant, for their colour. */
  g_autofree gboolean *broke = NULL;
  if (cli_color_out && violations != NULL)
    {
      broke = g_new0 (gboolean, obs->len + 1);
      for (guint i = 0; i < violations->len; i++)
        {
          guint64 at = g_array_index (violations, SesViolation, i).obs_index;
          if (at < obs->len)
            broke[at] = TRUE;
        }
    }
  guint k = 0;
  fputs (header, stdout);
  g_autofree char *note = cli_view_note (view, mqtt);
  if (note != NULL)
    fputs (note, stdout);
  for (guint i = 0; i <= obs->len; i++)
    {
      for (; list != NULL && k < list->len; k++)
        {
          const SesSnapshot *s = g_ptr_array_index (list, k);
          if (s->after > i)
            break;
          /* The empty state at the start says nothing. */
          if ((s->chosen || (state && s->after > 0))
              && cli_view_shows_time (view, s->time_us))
            {
              g_autofree char *t = ses_snapshot_to_text (s, "  | ");
              fputs (t, stdout);
            }
        }
      if (i == obs->len)
        break;
      const SesObs *o = &g_array_index (obs, SesObs, i);
      if (!cli_view_shows (view, o))
        continue;
      const char *colour = NULL;
      if (broke != NULL && broke[i])
        colour = CLI_RED;
      else if (cli_color_out && (o->kind == SES_OBS_FAULT
                                 || o->kind == SES_OBS_CUT_LOST))
        colour = CLI_YELLOW;
      g_autofree char *line = cli_view_line (view, cfg, o, i + 1, colour);
      puts (line);
      const char *w = why != NULL ? g_ptr_array_index (why, i) : NULL;
      if (w != NULL)
        printf ("    %s\n", w);
    }
}

/* One line for a broken invariant: which, when, why, and the rule. */
char *
cli_describe_violation (const SesViolation *x)
{
  g_autofree char *when = ses_time_format (x->time_us);
  return g_strdup_printf ("invariant %s broken at %s (step %" G_GUINT64_FORMAT
                          " of the trace): %s%s%s%s",
                          ses_invariant_name (x->id), when, x->obs_index + 1,
                          x->message, x->rule ? " [" : "",
                          x->rule ? x->rule : "", x->rule ? "]" : "");
}

/* The first broken invariant as a diagram mark; FALSE if none broke. */
gboolean
cli_first_mark (SesInvariants *inv, SesDiagramMark *mark)
{
  const GArray *v = ses_invariants_violations (inv);
  if (v->len == 0)
    return FALSE;
  const SesViolation *x = &g_array_index (v, SesViolation, 0);
  *mark = (SesDiagramMark) { ses_invariant_name (x->id), x->time_us,
                             x->obs_index, x->rule, x->message };
  return TRUE;
}


const char *
cli_status_word (int status)
{
  switch (status)
    {
    case EXIT_OK:
      return "ok";
    case EXIT_VIOLATION:
      return "FAIL";
    case EXIT_INCOMPLETE:
      return "INCOMPLETE";
    case EXIT_USAGE:
      return "ERROR";
    case EXIT_DIFFERS:
      return "DIFFERS";
    case EXIT_NO_BROKER:
      return "NO-BROKER";
    default:
      return "INTERRUPTED";
    }
}

void
cli_print_verdict (int status, const char *details)
{
  const char *colour = status == EXIT_OK ? CLI_GREEN
                       : status == EXIT_VIOLATION || status == EXIT_USAGE
                           ? CLI_RED
                           : CLI_YELLOW;
  g_autofree char *word = cli_paint (cli_color_out, colour,
                                     cli_status_word (status));
  printf ("# verdict: %s: %s\n", word, details);
  fflush (stdout);
}

char *
cli_expected_found (const char *invariant)
{
  if (strchr (invariant, ',') != NULL)
    return g_strdup_printf ("the expected violations of %s were found",
                            invariant);
  return g_strdup_printf ("the expected violation of %s was found", invariant);
}

/* A "Key:   N kB" line of a /proc file, in KiB; 0 if unknown. */
guint64
cli_proc_kib (const char *file, const char *key)
{
  g_autofree char *text = NULL;
  if (!g_file_get_contents (file, &text, NULL, NULL))
    return 0;
  const char *p = strstr (text, key);
  return p != NULL ? g_ascii_strtoull (p + strlen (key), NULL, 10) : 0;
}

/* Peak resident memory of this process in KiB, from the kernel. */
guint64
cli_peak_rss_kib (void)
{
  return cli_proc_kib ("/proc/self/status", "VmHWM:");
}

/* Replays the trail and writes the counterexample's files into dir:
 * STEM.trail and its trace (counterexample.trail, trace.txt, trace.jsonl
 * when stem is NULL; seed-7.trail, seed-7.trace.txt, seed-7.trace.jsonl
 * for a random walk's), each written whole. The trail file gets raw_trail
 * if not NULL (a replay keeps the file it read, comments and all), else
 * the trail with what source records of the scenario, `note` (may be NULL)
 * as comment lines, and a comment after each choice saying what it was. Fills first with
 * the first violation seen (the one that stopped the search). With render,
 * also draws `diagrams` (NULL: all), the first violation marked. */
gboolean
cli_write_counterexample (const SesScript *script, const SesTrail *trail,
                          const char *raw_trail, const CliSource *source,
                          const char *dir,
                          const char *stem, const char *note, gboolean print,
                          gboolean explain, gboolean report,
                          const char *render, const char *diagrams,
                          const CliView *view, CliViolation *first,
                          GError **error)
{
  SesInvariants *inv = NULL;
  g_autoptr (GPtrArray) notes = g_ptr_array_new_with_free_func (g_free);
  /* The narration and the report read the state after each step. */
  g_autoptr (SesSnapshots) snaps = NULL;
  g_autoptr (SesWorld) world = ses_check_replay_stepwise (
      script, trail, (print && explain) || report ? cli_snapshot_step : NULL,
      &snaps, &inv, notes, error);
  if (world == NULL)
    return FALSE;
  SesMqtt *mqtt = ses_mqtt_from_world (world);
  g_autofree char *header = g_strdup_printf (
      "# sessim %s scenario %s seed %" G_GUINT64_FORMAT " trail of %u "
      "choices\n", SESSIM_VERSION, trail->scenario, trail->seed,
      trail->choices->len);
  g_autofree char *text = cli_view_text (view, header, mqtt);
  const GArray *v = ses_invariants_violations (inv);
  g_autofree char *jsonl = cli_trace_jsonl (script, trail->scenario, NULL, 0,
                                            trail->seed, mqtt, v, NULL,
                                            ses_world_now (world), TRUE,
                                            NULL, FALSE);
  if (v->len > 0)
    {
      const SesViolation *x = &g_array_index (v, SesViolation, 0);
      g_autofree char *d = cli_describe_violation (x);
      first->violated = TRUE;
      first->id = x->id;
      g_string_append (first->text, d);
    }
  if (print)
    {
      cli_print_timeline (header, mqtt, explain, snaps, FALSE, view, v);
      /* As run prints it: an expected violation says so. */
      if (first->violated)
        {
          g_autofree char *line = g_strdup_printf (
              (ses_script_expected_violations (script) & (1u << first->id))
                  ? "# expected: %s" : "# %s", first->text->str);
          g_autofree char *painted = cli_paint (cli_color_out, CLI_RED, line);
          puts (painted);
        }
    }
  /* A new trail: the same choices, with its scenario's digest (and text)
   * and a comment on each choice. */
  SesTrail noted = *trail;
  noted.notes = notes;
  noted.digest = source != NULL ? (char *) source->digest : NULL;
  noted.embedded = source != NULL ? (char *) source->embedded : NULL;
  /* The build too: two commits of one version can disagree on choices. */
  noted.build = (char *) SESSIM_BUILD;
  g_autofree char *trail_text = raw_trail != NULL ? g_strdup (raw_trail)
                                                 : ses_trail_to_text (&noted);
  if (raw_trail == NULL && note != NULL)
    {
      /* After the first comment line, before the choices. */
      const char *nl = strchr (trail_text, '\n');
      g_autofree char *head = g_strndup (trail_text, nl - trail_text + 1);
      g_autofree char *with = g_strconcat (head, note, nl + 1, NULL);
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
  gboolean ok = cli_make_dir (dir, error)
                && cli_write_file (tp, trail_text, -1, error)
                && cli_write_file (xp, text, -1, error)
                && cli_write_file (jp, jsonl, -1, error);
  if (ok && render != NULL)
    {
      /* The sequence diagram marks where the first invariant broke. */
      SesDiagramMark mark;
      gboolean marked = cli_first_mark (inv, &mark);
      /* The diagrams show what the timeline shows. */
      SesDiagramFilter filter;
      ok = ses_diagram_write_all (mqtt, diagrams ? diagrams : "all", render,
                                  dir, marked ? &mark : NULL,
                                  cli_view_diagram_filter (view, &filter),
                                  error);
    }
  if (ok && report)
    {
      g_autofree char *meta = g_strdup_printf (
          "%s, seed %" G_GUINT64_FORMAT ", a trail of %u choices, sessim %s",
          trail->scenario, trail->seed, trail->choices->len, SESSIM_VERSION);
      g_autofree char *html = cli_report_html (script, NULL, mqtt, snaps,
                                               inv, FALSE, "Counterexample",
                                               meta, error);
      g_autofree char *rname = stem ? g_strdup_printf ("%s.report.html", stem)
                                    : g_strdup ("report.html");
      g_autofree char *rp = g_build_filename (dir, rname, NULL);
      ok = html != NULL && cli_write_file (rp, html, -1, error);
    }
  ses_invariants_free (inv);
  return ok;
}

/* ---- interrupts --------------------------------------------------------- */

volatile sig_atomic_t cli_interrupted = 0;

static void
set_default (int sig)
{
  struct sigaction dfl;
  memset (&dfl, 0, sizeof dfl);
  dfl.sa_handler = SIG_DFL;
  sigemptyset (&dfl.sa_mask);
  sigaction (sig, &dfl, NULL);
}

static void
on_interrupt (int sig)
{
  /* Only async-signal-safe work. Two signals pending at once can both
   * reach a handler (the kernel nests their frames): the second one ends
   * the process, by its own signal, once this handler returns. */
  if (cli_interrupted != 0)
    {
      set_default (sig);
      raise (sig);
      return;
    }
  cli_interrupted = sig;
  /* Any later signal takes the default action: the end, at once. */
  set_default (SIGINT);
  set_default (SIGTERM);
}

void
cli_catch_interrupts (void)
{
  struct sigaction sa;
  memset (&sa, 0, sizeof sa);
  sa.sa_handler = on_interrupt;
  sigemptyset (&sa.sa_mask);
  /* Reads and writes in progress go on rather than fail with EINTR. */
  sa.sa_flags = SA_RESTART;
  sigaction (SIGINT, &sa, NULL);
  sigaction (SIGTERM, &sa, NULL);
}

int
cli_interrupt_status (void)
{
  return 128 + cli_interrupted;
}

char *
cli_trace_jsonl (const SesScript *script, const char *path,
                 const char *source, gsize length, guint64 seed,
                 SesMqtt *mqtt, const GArray *violations,
                 const GArray *failures, SesTime end_us, gboolean complete,
                 const SesSnapshots *snaps, gboolean all_states)
{
  g_autofree char *bytes = NULL;
  if (source == NULL && g_file_get_contents (path, &bytes, &length, NULL))
    source = bytes;
  g_autofree char *digest = source != NULL
                                ? ses_tracejson_digest (source, length) : NULL;
  SesTraceHeader h = {
    .program_version = SESSIM_VERSION, .scenario = path, .sha256 = digest,
    .seed = seed, .disabled = ses_script_disabled_invariants (script),
    .expected = ses_script_expected_violations (script),
  };
  SesSnapshotsCursor cursor = { snaps, all_states, 0 };
  return ses_tracejson_run_with (mqtt, &h, violations, failures, end_us,
                                 complete,
                                 snaps != NULL ? ses_snapshots_trace_extra
                                               : NULL,
                                 &cursor);
}

/* Turns broken invariants into failures, except those the scenario
 * expects (`expect violation NAME`); at the end of a run (at_end), an
 * expected one that never broke is a failure too. Adds the names of the
 * invariants broken unexpectedly to broken and of those expected and
 * found to found. Returns how many expected violations held. */
guint
cli_judge_invariants (guint32 expected, SesInvariants *inv, gboolean at_end,
                      GArray *failures, GPtrArray *expected_seen,
                      GString *broken, GString *found)
{
  guint32 seen = 0;
  const GArray *v = ses_invariants_violations (inv);
  for (guint i = 0; i < v->len; i++)
    {
      const SesViolation *x = &g_array_index (v, SesViolation, i);
      gboolean again = (seen & (1u << x->id)) != 0;
      seen |= 1u << x->id;
      if (expected & (1u << x->id))
        {
          g_ptr_array_add (expected_seen, cli_describe_violation (x));
          continue;
        }
      if (!again)
        g_string_append_printf (broken, "%s%s", broken->len ? ", " : "",
                                ses_invariant_name (x->id));
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
          g_string_append_printf (found, "%s%s", found->len ? ", " : "",
                                  ses_invariant_name ((SesInvariantId) id));
          continue;
        }
      if (!at_end)
        continue;
      SesExpectFailure f = {
        0, g_strdup_printf ("expected invariant %s to break, but it held",
                            ses_invariant_name ((SesInvariantId) id)),
      };
      g_array_append_val (failures, f);
    }
  return held;
}
