/* Pieces several subcommands share: error and usage printing, the printed
 * timeline, counterexample files for check and replay (each written whole:
 * temporary name, then rename), memory figures and seed ranges. */
#include "sessim-config.h"

#include <glib.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>

#include "checker.h"
#include "common.h"

void
cli_print_error (const char *text)
{
  fputs (text, stderr);
  fputc ('\n', stderr);
}

int
cli_usage_error (GOptionContext *ctx, const char *message)
{
  g_printerr ("sessim: %s\n", message);
  g_autofree char *help = g_option_context_get_help (ctx, TRUE, NULL);
  g_printerr ("%s", help);
  return EXIT_USAGE;
}

/* The scenario's name for its output folder: the file name without .scn. */
char *
cli_scenario_name (const char *path)
{
  g_autofree char *base = g_path_get_basename (path);
  if (g_str_has_suffix (base, ".scn"))
    base[strlen (base) - 4] = '\0';
  return g_strdup (base);
}

/* The timeline as printed: each observation, and with --explain a plain
 * sentence under it. */
void
cli_print_timeline (const char *header, SesMqtt *mqtt, gboolean explain)
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
 * for a random walk's). The trail file gets raw_trail if not NULL (a
 * replay keeps the file it read, comments and all), else the trail with
 * `note` (may be NULL) as comment lines. Fills first_violation with the
 * first violation seen (the one that stopped the search). */
gboolean
cli_write_counterexample (const SesScript *script, const SesTrail *trail,
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
      g_autofree char *d = cli_describe_violation (&g_array_index (v, SesViolation,
                                                               0));
      g_string_append (first_violation, d);
    }
  if (print)
    {
      cli_print_timeline (header, mqtt, explain);
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
      gboolean marked = cli_first_mark (inv, &mark);
      ok = ses_diagram_write_all (mqtt, "all", render, dir,
                                  marked ? &mark : NULL, error);
    }
  ses_invariants_free (inv);
  return ok;
}


/* "A..B" (or one seed "A"), A <= B. */
gboolean
cli_parse_seeds (const char *text, guint64 *from, guint64 *to)
{
  g_auto (GStrv) parts = g_strsplit (text, "..", 2);
  const char *b = parts[1] != NULL ? parts[1] : parts[0];
  return g_ascii_string_to_unsigned (parts[0], 10, 0, G_MAXUINT64, from, NULL)
         && g_ascii_string_to_unsigned (b, 10, 0, G_MAXUINT64, to, NULL)
         && *from <= *to;
}

