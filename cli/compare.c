/* `sessim compare FILE --vary TARGET.SETTING=A,B ...`: runs one scenario
 * under every combination of the settings given, measures each run the
 * same way and prints one row per combination (with --report also a page
 * of the same table, each row linked to that run's report.html). The
 * first --vary changes slowest. */
#include "sessim-config.h"

#include <glib.h>
#include <stdio.h>
#include <string.h>

#include "common.h"
#include "compare.h"
#include "expect.h"

#define MAX_COMBINATIONS 256

static const char *const heads[] = {
  "session present", "delivered", "lost", "dup", "dropped", "peak msgs",
  "peak bytes", "expectations", "invariants",
};

/* The measured cells of a row, in heads order. (transfer full) */
static GPtrArray *
row_cells (const SesCompareRow *r)
{
  GPtrArray *c = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (c, g_strdup (r->session_present[0] ? r->session_present
                                                      : "-"));
  g_ptr_array_add (c, g_strdup_printf ("%u", r->delivered));
  g_ptr_array_add (c, g_strdup_printf ("%u", r->lost));
  g_ptr_array_add (c, g_strdup_printf ("%u", r->duplicated));
  g_ptr_array_add (c, g_strdup_printf ("%u", r->dropped));
  g_ptr_array_add (c, g_strdup_printf ("%u", r->peak_messages));
  g_ptr_array_add (c, g_strdup_printf ("%u", r->peak_bytes));
  g_ptr_array_add (c, g_strdup_printf ("%u/%u held", r->held,
                                       r->expectations));
  g_ptr_array_add (c, g_strdup (r->broken != NULL
                                  ? r->broken : "all held"));
  return c;
}

static void
print_table (GPtrArray *rows /* (element-type GPtrArray) */, guint n_cols)
{
  g_autofree gsize *w = g_new0 (gsize, n_cols);
  for (guint r = 0; r < rows->len; r++)
    for (guint c = 0; c < n_cols; c++)
      w[c] = MAX (w[c], strlen (g_ptr_array_index (
                            (GPtrArray *) g_ptr_array_index (rows, r), c)));
  for (guint r = 0; r < rows->len; r++)
    {
      GPtrArray *cells = g_ptr_array_index (rows, r);
      for (guint c = 0; c < n_cols; c++)
        {
          const char *cell = g_ptr_array_index (cells, c);
          if (c + 1 < n_cols)
            printf ("%-*s  ", (int) w[c], cell);
          else
            printf ("%s\n", cell);
        }
    }
}

static void
html_escape_into (GString *out, const char *text)
{
  g_autofree char *t = g_markup_escape_text (text, -1);
  g_string_append (out, t);
}

static char *
compare_page (const char *title, const char *meta, GPtrArray *rows,
              guint n_cols, guint n_vary)
{
  GString *out = g_string_new ("<!DOCTYPE html>\n<html lang=\"en\"><head>"
                               "<meta charset=\"utf-8\"><meta name=\"viewport"
                               "\" content=\"width=device-width, initial-scale"
                               "=1\"><title>");
  html_escape_into (out, title);
  g_string_append (out, " - what if</title><style>\n"
                   "body{font-family:system-ui,Helvetica,Arial,sans-serif;"
                   "margin:1rem;color:#1a202c}\n"
                   ".wrap{overflow-x:auto}\n"
                   "table{border-collapse:collapse}\n"
                   "th,td{border:1px solid #cbd5e0;padding:.3rem .5rem;"
                   "text-align:left}\n"
                   "thead th{background:#edf2f7}\n"
                   "td.num{text-align:right}\n"
                   "a:focus-visible{outline:3px solid #2b6cb0}\n"
                   "</style></head>\n<body><h1>");
  html_escape_into (out, title);
  g_string_append (out, "</h1><p>");
  html_escape_into (out, meta);
  g_string_append (out, "</p><div class=\"wrap\"><table><caption>One run "
                   "per combination of settings</caption>\n<thead>");
  for (guint r = 0; r < rows->len; r++)
    {
      GPtrArray *cells = g_ptr_array_index (rows, r);
      g_string_append (out, r == 0 ? "<tr>" : "<tr>");
      for (guint c = 0; c < n_cols; c++)
        {
          const char *cell = g_ptr_array_index (cells, c);
          if (r == 0)
            g_string_append (out, "<th scope=\"col\">");
          else if (c < n_vary)
            g_string_append (out, "<th scope=\"row\">");
          else
            g_string_append_printf (out, "<td%s>",
                                    g_ascii_isdigit (cell[0])
                                      && c != n_vary ? " class=\"num\"" : "");
          html_escape_into (out, cell);
          g_string_append (out, r == 0 || c < n_vary ? "</th>" : "</td>");
        }
      if (r == 0)
        g_string_append (out, "<th scope=\"col\">report</th></tr></thead>"
                         "\n<tbody>");
      else
        g_string_append_printf (out, "<td><a href=\"compare/%u/report.html\">"
                                "run %u</a></td></tr>\n", r, r);
    }
  g_string_append (out, "</tbody></table></div></body></html>\n");
  return g_string_free (out, FALSE);
}

int
cli_compare (int argc, char **argv)
{
  g_auto (GStrv) varies = NULL;
  g_autofree char *seed_text = NULL;
  g_autofree char *max_steps_text = NULL;
  gboolean report = FALSE;
  g_autofree char *out = NULL;
  GOptionEntry entries[] = {
    { "vary", 'v', 0, G_OPTION_ARG_STRING_ARRAY, &varies,
      "A setting and its values, e.g. sub.clean-start=0,1 or "
      "broker.queue-qos0=off,on (repeatable)", "TARGET.SETTING=A,B" },
    { "seed", 's', 0, G_OPTION_ARG_STRING, &seed_text,
      "Seed, 0 to 2^64-1 (default: the scenario's `seed`, else 1)", "N" },
    { "max-steps", 0, 0, G_OPTION_ARG_STRING, &max_steps_text,
      "Stop a run after this many steps (default 5000000)", "N" },
    { "report", 0, 0, G_OPTION_ARG_NONE, &report,
      "Also write compare.html and each combination's report.html", NULL },
    { "out", 'o', 0, G_OPTION_ARG_FILENAME, &out,
      "Folder for output/<scenario>/ files (default: output)", "DIR" },
    { NULL },
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new (
      "FILE - run a scenario under every combination of some settings and "
      "compare the outcomes");
  g_option_context_add_main_entries (ctx, entries, NULL);
  g_autoptr (GError) error = NULL;
  int status = EXIT_OK;
  if (!cli_parse_options (ctx, "compare", &argc, &argv, &status))
    return status;
  if (argc != 2)
    return cli_usage_error ("name one scenario file");
  if (varies == NULL || varies[0] == NULL)
    return cli_usage_error ("name at least one --vary");
  guint64 max_steps = 5000000, seed = 0;
  const char *out_dir;
  if (!cli_option_u64 ("--max-steps", max_steps_text, 1, G_MAXUINT64,
                       &max_steps)
      || !cli_option_u64 ("--seed", seed_text, 0, G_MAXUINT64, &seed)
      || !cli_option_out (out, &out_dir))
    return EXIT_USAGE;
  const char *path = argv[1];
  g_autofree char *source = NULL;
  gsize source_len = 0;
  if (!cli_read_file (path, &source, &source_len, &error))
    {
      cli_error ("%s", error->message);
      return EXIT_USAGE;
    }
  g_autoptr (GArray) vary = g_array_new (FALSE, TRUE, sizeof (SesVary));
  g_array_set_clear_func (vary, ses_vary_clear);
  guint combinations = 1;
  for (guint i = 0; varies[i] != NULL; i++)
    {
      SesVary v;
      if (!ses_vary_parse (varies[i], &v, &error))
        return cli_usage_error ("%s", error->message);
      g_array_append_val (vary, v);
      combinations *= v.values->len;
      if (combinations > MAX_COMBINATIONS)
        return cli_usage_error ("more than %u combinations",
                                MAX_COMBINATIONS);
    }
  g_autofree char *name = cli_scenario_name (path);
  g_autofree char *dir = g_build_filename (out_dir, name, NULL);

  g_autoptr (GPtrArray) rows = g_ptr_array_new_with_free_func (
      (GDestroyNotify) g_ptr_array_unref);
  GPtrArray *head = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < vary->len; i++)
    {
      const SesVary *v = &g_array_index (vary, SesVary, i);
      g_ptr_array_add (head, g_strdup_printf ("%s.%s", v->target, v->key));
    }
  for (guint c = 0; c < G_N_ELEMENTS (heads); c++)
    g_ptr_array_add (head, g_strdup (heads[c]));
  g_ptr_array_add (rows, head);
  g_autofree char *title = NULL;
  guint64 used_seed = 0;
  cli_catch_interrupts ();
  for (guint k = 0; k < combinations; k++)
    {
      /* Mixed radix, the first --vary the most significant digit. */
      g_autofree guint *pick = g_new0 (guint, vary->len);
      for (guint i = vary->len, rest = k; i-- > 0;)
        {
          guint n = g_array_index (vary, SesVary, i).values->len;
          pick[i] = rest % n;
          rest /= n;
        }
      g_autofree char *text = g_strdup (source);
      GString *label = g_string_new (NULL);
      for (guint i = 0; i < vary->len; i++)
        {
          const SesVary *v = &g_array_index (vary, SesVary, i);
          const char *value = g_ptr_array_index (v->values, pick[i]);
          char *next = ses_compare_apply (text, v->target, v->key, value,
                                          &error);
          if (next == NULL)
            {
              g_string_free (label, TRUE);
              return cli_usage_error ("%s", error->message);
            }
          g_free (text);
          text = next;
          g_string_append_printf (label, "%s%s.%s=%s", i ? " " : "",
                                  v->target, v->key, value);
        }
      g_autofree char *label_text = g_string_free (label, FALSE);
      g_autoptr (SesScript) script = ses_script_load (path, text,
                                                      strlen (text), &error);
      if (script == NULL)
        {
          g_autofree char *msg = g_strdup_printf ("%s\n(with %s)",
                                                  error->message, label_text);
          cli_print_located (msg);
          return EXIT_USAGE;
        }
      if (title == NULL)
        title = g_strdup (ses_script_title (script));
      used_seed = seed_text != NULL ? seed : ses_script_seed (script);
      g_autoptr (SesWorld) world = ses_mqtt_world_new (
          ses_script_config (script), used_seed);
      SesInvariants *inv = ses_invariants_new (
          world, ses_script_disabled_invariants (script));
      SesMqtt *mqtt = ses_mqtt_from_world (world);
      g_autoptr (SesSnapshots) snaps = ses_snapshots_new (mqtt);
      ses_snapshots_update (snaps, ses_world_now (world));
      guint64 steps = 0;
      gboolean complete = TRUE;
      while (ses_world_step (world, ses_script_until (script)))
        {
          ses_snapshots_update (snaps, ses_world_now (world));
          if (cli_interrupted)
            break;
          if (++steps >= max_steps)
            {
              complete = FALSE;
              break;
            }
        }
      if (cli_interrupted)
        {
          /* A signal: no row for a run cut short, and no more runs. */
          ses_invariants_free (inv);
          cli_error ("interrupted during combination %u of %u (%s)", k + 1,
                     combinations, label_text);
          return cli_interrupt_status ();
        }
      ses_invariants_finish (inv);
      SesCompareRow row = { 0 };
      ses_compare_measure (&row, mqtt, snaps);
      g_autoptr (GArray) failures = g_array_new (FALSE, FALSE,
                                                 sizeof (SesExpectFailure));
      g_array_set_clear_func (failures, ses_expect_failure_clear);
      row.held = ses_expect_check (script, mqtt, failures);
      row.expectations = row.held + failures->len;
      guint32 seen = 0;
      GString *broken = g_string_new (NULL);
      const GArray *v = ses_invariants_violations (inv);
      for (guint i = 0; i < v->len; i++)
        {
          const SesViolation *x = &g_array_index (v, SesViolation, i);
          if (seen & (1u << x->id))
            continue;
          seen |= 1u << x->id;
          g_string_append_printf (broken, "%s%s broken", broken->len ? ", "
                                                                     : "",
                                  ses_invariant_name (x->id));
        }
      if (!complete)
        g_string_append_printf (broken, "%sstopped by --max-steps",
                                broken->len ? ", " : "");
      if (broken->len > 0)
        row.broken = g_string_free (broken, FALSE);
      else
        g_string_free (broken, TRUE);
      GPtrArray *cells = g_ptr_array_new_with_free_func (g_free);
      for (guint i = 0; i < vary->len; i++)
        g_ptr_array_add (cells, g_strdup (g_ptr_array_index (
            g_array_index (vary, SesVary, i).values, pick[i])));
      g_autoptr (GPtrArray) measured = row_cells (&row);
      for (guint i = 0; i < measured->len; i++)
        g_ptr_array_add (cells, g_strdup (g_ptr_array_index (measured, i)));
      g_ptr_array_add (rows, cells);
      if (report)
        {
          g_autofree char *meta = g_strdup_printf (
              "%s with %s, seed %" G_GUINT64_FORMAT ", sessim %s", path,
              label_text, used_seed, SESSIM_VERSION);
          g_autofree char *html = cli_report_html (script, text, mqtt, snaps,
                                                   inv, TRUE, "Run", meta,
                                                   &error);
          g_autofree char *num = g_strdup_printf ("%u", k + 1);
          g_autofree char *rdir = g_build_filename (dir, "compare", num, NULL);
          g_autofree char *rp = g_build_filename (rdir, "report.html", NULL);
          if (html == NULL || !cli_make_dir (rdir, &error)
              || !cli_write_file (rp, html, -1, &error))
            {
              cli_error ("%s", error->message);
              ses_invariants_free (inv);
              ses_compare_row_clear (&row);
              return EXIT_USAGE;
            }
        }
      ses_invariants_free (inv);
      ses_compare_row_clear (&row);
    }
  printf ("# sessim %s compare %s seed %" G_GUINT64_FORMAT ": %u "
          "combination%s\n", SESSIM_VERSION, path, used_seed, combinations,
          combinations == 1 ? "" : "s");
  guint n_cols = vary->len + G_N_ELEMENTS (heads);
  print_table (rows, n_cols);
  if (report)
    {
      g_autofree char *meta = g_strdup_printf (
          "%s, seed %" G_GUINT64_FORMAT ", sessim %s: lost counts copies a "
          "subscriber wanted (subscribed when the message was published) "
          "and never got, not counting drops by a broker setting",
          path, used_seed, SESSIM_VERSION);
      g_autofree char *page = compare_page (title != NULL ? title : name,
                                            meta, rows, n_cols, vary->len);
      g_autofree char *cp = g_build_filename (dir, "compare.html", NULL);
      if (!cli_make_dir (dir, &error)
          || !cli_write_file (cp, page, -1, &error))
        {
          cli_error ("%s", error->message);
          return EXIT_USAGE;
        }
      printf ("# report: %s\n", cp);
    }
  return EXIT_OK;
}
