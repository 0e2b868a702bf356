/* The sessim command line: a sorted table of subcommands, each in its own
 * file with its own options, and the dispatch to them. The CLI is the
 * application that wires the engine (sim/) to the MQTT model (models/). */
#include "sessim-config.h"

#include <glib.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "common.h"
#include "sessim-build.h"

typedef struct {
  const char *name;
  const char *summary;
  int (*run) (int argc, char **argv);
} Command;

static int
cli_version (int argc, char **argv)
{
  GOptionEntry entries[] = { { NULL } };
  g_autoptr (GOptionContext) ctx = g_option_context_new (
      "- print the program version");
  g_option_context_add_main_entries (ctx, entries, NULL);
  int status = EXIT_OK;
  if (!cli_parse_options (ctx, "version", &argc, &argv, &status))
    return status;
  /* The release, then the build it came from (git describe, or the release
   * again outside git). */
  g_print ("sessim %s (build %s)\n", SESSIM_VERSION, SESSIM_BUILD);
  return EXIT_OK;
}

/* Sorted by name. */
static const Command commands[] = {
  { "check", "explore every placement of faults (or walk random seeds); "
    "counterexamples", cli_check },
  { "compare", "run a scenario under combinations of settings and compare "
    "the outcomes", cli_compare },
  { "conform", "play scenarios against a real broker (mosquitto) and "
    "compare with the model", cli_conform },
  { "example", "run a built-in example and print its timeline", cli_example },
  { "examples", "list the built-in examples", cli_examples },
  { "judge", "judge a recorded trace.jsonl with the invariants", cli_judge },
  { "list", "list variants, invariants or examples", cli_list },
  { "merge", "merge the JSON results of check --random shards", cli_merge },
  { "render", "draw session lifecycle and message sequence diagrams",
    cli_render },
  { "replay", "replay a counterexample trail", cli_replay },
  { "run", "run scenario files and check their expectations", cli_run },
  { "version", "print the program version", cli_version },
};

static void
print_usage (FILE *out)
{
  fprintf (out, "usage: sessim COMMAND [OPTIONS] [ARGS]\n\ncommands:\n");
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    fprintf (out, "  %-10s %s\n", commands[i].name, commands[i].summary);
  fprintf (out, "\n'sessim COMMAND --help' describes each command.\n");
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
    return cli_version (1, argv + 1);
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    if (strcmp (argv[1], commands[i].name) == 0)
      return commands[i].run (argc - 1, argv + 1);
  return cli_usage_error ("unknown command '%s'", argv[1]);
}
