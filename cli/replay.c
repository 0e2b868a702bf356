/* `sessim replay TRAIL`: replays a trail written by check and rewrites the
 * counterexample's files beside it, so a replay reproduces them. */
#include "sessim-config.h"
#include "sessim-build.h"

#include <glib.h>
#include <stdio.h>
#include <string.h>

#include "common.h"
#include "render.h"

/* The scenario a trail was made from: the file it names, as long as its
 * bytes are those the trail's digest records; else the copy embedded in
 * the trail (check --embed); else a refusal, or with force a warning. A
 * trail without a digest (older ones) takes the file as it is. */
static gboolean
scenario_of_trail (const char *trail_path, const SesTrail *trail,
                   gboolean force, char **text, gsize *length)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *file = NULL;
  gsize file_len = 0;
  gboolean readable = cli_read_file (trail->scenario, &file, &file_len,
                                     &error);
  g_autofree char *file_digest = readable ? cli_digest (file, file_len)
                                          : NULL;
  if (trail->embedded != NULL)
    {
      gsize len = strlen (trail->embedded);
      g_autofree char *digest = cli_digest (trail->embedded, len);
      if (trail->digest != NULL && strcmp (digest, trail->digest) != 0)
        {
          if (!force)
            {
              cli_error ("%s: the scenario embedded in the trail does not "
                         "match its digest (was the trail edited?); "
                         "--force replays it anyway", trail_path);
              return FALSE;
            }
          cli_error ("warning: %s: the scenario embedded in the trail does "
                     "not match its digest; replaying it anyway (--force)",
                     trail_path);
        }
      if (!readable)
        cli_error ("%s: %s; replaying the copy embedded in the trail",
                   trail_path, error->message);
      else if (strcmp (file_digest, digest) != 0)
        cli_error ("%s: %s changed since the trail was written; replaying "
                   "the copy embedded in the trail", trail_path,
                   trail->scenario);
      *text = g_strdup (trail->embedded);
      *length = len;
      return TRUE;
    }
  if (!readable)
    {
      cli_error ("%s", error->message);
      return FALSE;
    }
  if (trail->digest != NULL && strcmp (file_digest, trail->digest) != 0)
    {
      if (!force)
        {
          cli_error ("%s: %s changed since the trail was written (its digest "
                     "was %s, it is %s): the choices may not replay, or show "
                     "another run; check it again, or replay anyway with "
                     "--force", trail_path, trail->scenario, trail->digest,
                     file_digest);
          return FALSE;
        }
      cli_error ("warning: %s: %s changed since the trail was written; "
                 "replaying it anyway (--force)", trail_path,
                 trail->scenario);
    }
  *text = g_steal_pointer (&file);
  *length = file_len;
  return TRUE;
}

/* "# trail written by sessim 0.1.0, build v0.1.0-12-g1136c6d", with this
 * build beside it when it differs, or "build not recorded" for a trail
 * older than the build line. (transfer full) */
static char *
trail_provenance (const SesTrail *trail)
{
  if (trail->build == NULL)
    return g_strdup_printf ("# trail written by sessim %s, build not "
                            "recorded (an older trail); this is build %s",
                            trail->version, SESSIM_BUILD);
  if (strcmp (trail->build, SESSIM_BUILD) != 0)
    return g_strdup_printf ("# trail written by sessim %s, build %s; this is "
                            "build %s", trail->version, trail->build,
                            SESSIM_BUILD);
  return g_strdup_printf ("# trail written by sessim %s, build %s",
                          trail->version, trail->build);
}

int
cli_replay (int argc, char **argv)
{
  g_autofree char *out = NULL;
  gboolean explain = FALSE, quiet = FALSE, force = FALSE, report = FALSE;
  g_autofree char *render = NULL;
  g_autofree char *diagrams = NULL;
  g_auto (CliViewArgs) view_args = { 0 };
  GOptionEntry entries[] = {
    { "out", 'o', 0, G_OPTION_ARG_FILENAME, &out,
      "Folder for output/<scenario>/ files (default: output)", "DIR" },
    { "render", 'r', 0, G_OPTION_ARG_STRING, &render,
      "Draw the run's diagrams: dot, svg or png", "FORMAT" },
    { "diagrams", 0, 0, G_OPTION_ARG_STRING, &diagrams,
      "Which diagrams --render draws: lifecycle, sequence or all (default)",
      "WHAT" },
    { "explain", 'e', 0, G_OPTION_ARG_NONE, &explain,
      "Explain each step in a plain sentence", NULL },
    { "report", 0, 0, G_OPTION_ARG_NONE, &report,
      "Also write report.html, to step through in a browser", NULL },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet,
      "Do not print the timeline, only the verdict", NULL },
    { "force", 0, 0, G_OPTION_ARG_NONE, &force,
      "Replay even when the scenario changed since the trail was written "
      "(a warning instead of a refusal)", NULL },
    { NULL },
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new (
      "TRAIL - replay a counterexample trail written by check");
  g_option_context_add_main_entries (ctx, entries, NULL);
  g_option_context_add_main_entries (ctx, cli_view_entries (&view_args),
                                     NULL);
  int status = EXIT_OK;
  if (!cli_parse_options (ctx, "replay", &argc, &argv, &status))
    return status;
  g_auto (CliView) view = { 0 };
  if (!cli_view_parse (&view_args, &view))
    return EXIT_USAGE;
  cli_color_out = cli_color_wanted (view.color, 1);
  cli_color_err = cli_color_wanted (view.color, 2);
  if (argc != 2)
    return cli_usage_error ("name one trail file");
  if (render != NULL && !ses_render_format_supported (render))
    return cli_usage_error ("--render takes dot, svg or png");
  if (diagrams != NULL && !cli_diagrams_valid (diagrams))
    return cli_usage_error ("--diagrams takes lifecycle, sequence or all");
  const char *out_dir;
  if (!cli_option_out (out, &out_dir))
    return EXIT_USAGE;
  g_autoptr (GError) error = NULL;
  g_autofree char *raw = NULL;
  gsize raw_len = 0;
  if (!cli_read_file (argv[1], &raw, &raw_len, &error))
    {
      cli_error ("%s", error->message);
      return EXIT_USAGE;
    }
  g_autoptr (SesTrail) trail = ses_trail_parse (argv[1], raw, raw_len,
                                                &error);
  if (trail == NULL)
    {
      cli_print_located (error->message);
      return EXIT_USAGE;
    }
  if (g_strcmp0 (trail->version, SESSIM_VERSION) != 0)
    cli_error ("%s: written by sessim %s, this is %s: choices may not match",
               argv[1], trail->version, SESSIM_VERSION);
  g_autofree char *made_by = trail_provenance (trail);
  g_autofree char *text = NULL;
  gsize length = 0;
  if (!scenario_of_trail (argv[1], trail, force, &text, &length))
    return EXIT_USAGE;
  g_autoptr (SesScript) script = ses_script_load (
      strcmp (trail->scenario, "-") == 0 ? "<stdin>" : trail->scenario, text,
      length, &error);
  if (script == NULL)
    {
      cli_print_located (error->message);
      return EXIT_USAGE;
    }
  if (!cli_view_bind (&view, ses_script_config (script), trail->scenario))
    return EXIT_USAGE;
  g_autofree char *name = cli_scenario_name (trail->scenario);
  g_autofree char *dir = g_build_filename (out_dir, name, NULL);
  /* The files are named after the trail: seed-7.trail replays into
   * seed-7.trace.txt beside it, counterexample.trail into trace.txt, so a
   * replay reproduces the files the check wrote. */
  g_autofree char *base = g_path_get_basename (argv[1]);
  if (g_str_has_suffix (base, ".trail"))
    base[strlen (base) - 6] = '\0';
  const char *stem = strcmp (base, "counterexample") == 0 ? NULL : base;
  g_autoptr (GString) violation = g_string_new (NULL);
  CliViolation first = { .text = violation };
  /* Before the timeline, whose header (and trace.txt) stays the check's. */
  if (!quiet)
    puts (made_by);
  if (!cli_write_counterexample (script, trail, raw, NULL, dir, stem, NULL,
                                 !quiet,
                                 explain, report, render, diagrams, &view,
                                 &first, &error))
    {
      cli_error ("%s: %s", argv[1], error->message);
      return EXIT_USAGE;
    }
  /* Judged as check judged it: the violation the scenario expects is what
   * the trail is meant to show, so finding it again passes. */
  guint32 expected = ses_script_expected_violations (script);
  g_autoptr (GString) v = g_string_new (NULL);
  if (first.violated && (expected & (1u << first.id)))
    {
      g_autofree char *f = cli_expected_found (ses_invariant_name (first.id));
      g_string_append (v, f);
      status = EXIT_OK;
    }
  else if (first.violated)
    {
      g_string_append_printf (v, "invariant %s broken",
                              ses_invariant_name (first.id));
      status = EXIT_VIOLATION;
    }
  else if (expected != 0)
    {
      guint id = 0;
      while (!(expected & (1u << id)))
        id++;
      g_string_append_printf (v, "the expected violation of %s did not "
                              "happen on this trail",
                              ses_invariant_name ((SesInvariantId) id));
      status = EXIT_VIOLATION;
    }
  else
    {
      g_string_append (v, "no invariant broken on this trail");
      status = EXIT_OK;
    }
  g_string_append_printf (v, "; files in %s/", dir);
  cli_print_verdict (status, v->str);
  return status;
}
