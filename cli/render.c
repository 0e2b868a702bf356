/* `sessim render`: draws a scenario's diagrams (by running it, as run
 * does) or the generic session lifecycle of a protocol version. */
#include "sessim-config.h"

#include <glib.h>
#include <string.h>

#include "common.h"
#include "render.h"

int
cli_render (int argc, char **argv)
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
    return cli_usage_error (ctx, error->message);
  if (argc != 2)
    return cli_usage_error (ctx, "name one scenario file, or `lifecycle`");
  if (format == NULL)
    format = g_strdup ("svg");
  if (!ses_render_format_supported (format))
    return cli_usage_error (ctx, "--format takes dot, svg or png");
  if (strcmp (argv[1], "lifecycle") == 0)
    {
      SesMqttVersion v;
      if (version == NULL || !ses_profile_parse_version (version, &v))
        return cli_usage_error (ctx, "render lifecycle needs --mqtt 3.1.1 or 5");
      g_autofree char *path = out != NULL
          ? g_strdup (out)
          : g_strdup_printf ("lifecycle-%s.%s",
                             v == SES_MQTT_5 ? "5" : "311", format);
      if (!ses_diagram_generic_lifecycle (v, format, path, &error))
        {
          cli_print_error (error->message);
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
    return cli_usage_error (ctx, "--what takes lifecycle, sequence or all");
  RunResult r = cli_run_one (argv[1], &opts);
  g_free (r.name);
  /* Drawing is the point here: a scenario whose expectations fail still
   * gets its diagrams, with the broken invariant marked. */
  return r.status == EXIT_VIOLATION ? EXIT_OK : r.status;
}

