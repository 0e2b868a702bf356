/* `sessim replay TRAIL`: replays a trail written by check and rewrites the
 * counterexample's files beside it, so a replay reproduces them. */
#include "sessim-config.h"

#include <glib.h>
#include <stdio.h>
#include <string.h>

#include "common.h"
#include "render.h"

int
cli_replay (int argc, char **argv)
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
    return cli_usage_error (ctx, error->message);
  if (argc != 2)
    return cli_usage_error (ctx, "name one trail file");
  if (render != NULL && !ses_render_format_supported (render))
    return cli_usage_error (ctx, "--render takes dot, svg or png");
  g_autoptr (SesTrail) trail = ses_trail_load (argv[1], &error);
  if (trail == NULL)
    {
      cli_print_error (error->message);
      return EXIT_USAGE;
    }
  if (g_strcmp0 (trail->version, SESSIM_VERSION) != 0)
    {
      g_autofree char *msg = g_strdup_printf (
          "%s: written by sessim %s, this is %s: choices may not match",
          argv[1], trail->version, SESSIM_VERSION);
      cli_print_error (msg);
    }
  g_autoptr (SesScript) script = ses_script_load_file (trail->scenario, &error);
  if (script == NULL)
    {
      cli_print_error (error->message);
      return EXIT_USAGE;
    }
  g_autofree char *name = cli_scenario_name (trail->scenario);
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
      cli_print_error (error->message);
      return EXIT_USAGE;
    }
  g_autoptr (GString) violation = g_string_new (NULL);
  if (!cli_write_counterexample (script, trail, raw, dir, stem, NULL, !quiet,
                             explain, render, violation, &error))
    {
      g_autofree char *msg = g_strdup_printf ("%s: %s", argv[1],
                                              error->message);
      cli_print_error (msg);
      return EXIT_USAGE;
    }
  return violation->len > 0 ? EXIT_VIOLATION : EXIT_OK;
}

