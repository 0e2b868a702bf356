/* `sessim render`: draws a scenario's diagrams (by running it, as run
 * does) or the generic session lifecycle of a protocol version. */
#include "sessim-config.h"

#include <glib.h>
#include <string.h>

#include "common.h"
#include "render.h"
#include "view.h"

int
cli_render (int argc, char **argv)
{
  g_autofree char *render = NULL;
  g_autofree char *format = NULL;
  g_autofree char *diagrams = NULL;
  g_autofree char *out = NULL;
  g_autofree char *version = NULL;
  GOptionEntry entries[] = {
    { "render", 'r', 0, G_OPTION_ARG_STRING, &render,
      "Image format: dot, svg or png (default svg)", "FORMAT" },
    { "diagrams", 0, 0, G_OPTION_ARG_STRING, &diagrams,
      "For a scenario: lifecycle, sequence or all (default)", "WHAT" },
    /* The name this option had before it was made the same as run's. */
    { "what", 'w', G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_STRING, &diagrams,
      NULL, NULL },
    { "format", 'f', 0, G_OPTION_ARG_STRING, &format,
      "For a scenario: trace files to write, text, jsonl or both (default "
      "both)", "FORMAT" },
    { "mqtt", 0, 0, G_OPTION_ARG_STRING, &version,
      "For 'render lifecycle': 3.1.1 or 5", "VERSION" },
    { "out", 'o', 0, G_OPTION_ARG_FILENAME, &out,
      "Folder (scenario; default output) or file (lifecycle)", "PATH" },
    { NULL },
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new (
      "FILE.scn | lifecycle - draw a scenario's diagrams (- reads the "
      "scenario from standard input), or the generic session lifecycle of "
      "a protocol version");
  g_option_context_add_main_entries (ctx, entries, NULL);
  /* The views of run: which steps the sequence diagram (and trace.txt)
   * shows, and whose lifecycles are drawn. */
  g_auto (CliViewArgs) view_args = { 0 };
  g_option_context_add_main_entries (ctx, cli_view_entries (&view_args),
                                     NULL);
  int status = EXIT_OK;
  if (!cli_parse_options (ctx, "render", &argc, &argv, &status))
    return status;
  g_auto (CliView) view = { 0 };
  if (!cli_view_parse (&view_args, &view))
    return EXIT_USAGE;
  if (argc != 2)
    return cli_usage_error ("name one scenario file, or 'lifecycle'");
  if (render == NULL)
    render = g_strdup ("svg");
  if (!ses_render_format_supported (render))
    return cli_usage_error ("--render takes dot, svg or png");
  if (format == NULL)
    format = g_strdup ("both");
  if (ses_render_format_supported (format))
    return cli_usage_error ("--format names the trace files, as in run; the "
                            "image format is --render %s", format);
  if (strcmp (format, "text") != 0 && strcmp (format, "jsonl") != 0
      && strcmp (format, "both") != 0)
    return cli_usage_error ("--format takes text, jsonl or both");
  if (out != NULL && out[0] == '\0')
    return cli_usage_error ("--out takes a name, not an empty one");
  g_autoptr (GError) error = NULL;
  if (strcmp (argv[1], "lifecycle") == 0)
    {
      SesMqttVersion v;
      if (version == NULL || !ses_profile_parse_version (version, &v))
        return cli_usage_error ("render lifecycle needs --mqtt 3.1.1 or 5");
      g_autofree char *path = out != NULL
          ? g_strdup (out)
          : g_strdup_printf ("lifecycle-%s.%s",
                             v == SES_MQTT_5 ? "5" : "311", render);
      if (!ses_diagram_generic_lifecycle (v, render, path, &error))
        {
          cli_error ("%s", error->message);
          return EXIT_USAGE;
        }
      return EXIT_OK;
    }
  RunOptions opts = {
    .out_dir = out != NULL ? out : "output", .format = format,
    .quiet = TRUE, .render = render,
    .diagrams = diagrams != NULL ? diagrams : "all", .max_steps = 5000000,
    .view = &view,
  };
  if (!cli_diagrams_valid (opts.diagrams))
    return cli_usage_error ("--diagrams takes lifecycle, sequence or all");
  RunResult r = cli_run_one (argv[1], &opts);
  g_free (r.name);
  /* Drawing is the point here: a scenario whose expectations fail still
   * gets its diagrams, with the broken invariant marked. */
  return r.status == EXIT_VIOLATION ? EXIT_OK : r.status;
}
