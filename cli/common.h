/* What several sessim subcommands share: exit codes, error and usage
 * printing, output folder names, the printed timeline, counterexample
 * files (check and replay) and seed parsing. Application code: the only
 * place, besides live/, that touches the OS; the engine never includes it. */
#pragma once

#include <glib.h>

#include "diagram.h"
#include "invariant.h"
#include "mqtt.h"
#include "script.h"
#include "trail.h"

enum {
  EXIT_OK = 0,
  EXIT_VIOLATION = 1,
  EXIT_USAGE = 2,
  EXIT_INCOMPLETE = 3, /* a limit stopped the run before its end */
};

/* Errors and scenario lines may hold UTF-8; g_printerr would convert them
 * to the C locale's ASCII, so they are written as they are. */
void cli_print_error (const char *text);
/* Prints message and ctx's help on stderr; returns EXIT_USAGE. */
int cli_usage_error (GOptionContext *ctx, const char *message);
/* (transfer full) the file name without .scn: the output folder's name. */
char *cli_scenario_name (const char *path);
void cli_print_timeline (const char *header, SesMqtt *mqtt,
                         gboolean explain);
/* (transfer full) */
char *cli_describe_violation (const SesViolation *x);
gboolean cli_first_mark (SesInvariants *inv, SesDiagramMark *mark);
guint64 cli_proc_kib (const char *file, const char *key);
guint64 cli_peak_rss_kib (void);
gboolean cli_write_counterexample (const SesScript *script,
                                   const SesTrail *trail,
                                   const char *raw_trail, const char *dir,
                                   const char *stem, const char *note,
                                   gboolean print, gboolean explain,
                                   const char *render,
                                   GString *first_violation, GError **error);
gboolean cli_parse_seeds (const char *text, guint64 *from, guint64 *to);

/* `run` of one scenario, which `render` reuses to draw its diagrams. */
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
  char *name;
  int status; /* EXIT_OK, EXIT_VIOLATION or EXIT_USAGE */
  guint expectations;
  guint failed;
  guint64 deliveries;
} RunResult;

RunResult cli_run_one (const char *path, const RunOptions *o);

/* The subcommands, one file each; argv[0] is the command's name. */
int cli_check (int argc, char **argv);
int cli_example (int argc, char **argv);
int cli_examples (int argc, char **argv);
int cli_list (int argc, char **argv);
int cli_merge (int argc, char **argv);
int cli_render (int argc, char **argv);
int cli_replay (int argc, char **argv);
int cli_run (int argc, char **argv);
