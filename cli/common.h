/* What several sessim subcommands share: exit codes, option parsing and
 * one-line usage errors, files read and written whole, the printed
 * timeline and verdict, counterexample files (check and replay), number
 * and seed parsing, and the interrupt flag. Application code: with live/,
 * the only place that touches the OS; the engine never includes it. */
#pragma once

#include <glib.h>
#include <signal.h>

#include "diagram.h"
#include "invariant.h"
#include "mqtt.h"
#include "script.h"
#include "snapshot.h"
#include "trail.h"
#include "view.h"

/* One meaning in every command. */
enum {
  EXIT_OK = 0,         /* what was asked held; an expected violation that
                          was found counts as held */
  EXIT_VIOLATION = 1,  /* an invariant or an expectation broke */
  EXIT_USAGE = 2,      /* bad command line, scenario, trail or file */
  EXIT_INCOMPLETE = 3, /* a limit stopped the work before its end */
  EXIT_DIFFERS = 4,    /* conform: the broker did what the standard
                          allows but the model did not predict */
  EXIT_NO_BROKER = 5,  /* conform: the broker could not be started or
                          reached */
  /* Interrupted by a signal: 128 + its number (130 SIGINT, 143 SIGTERM). */
};

/* ---- options and errors ---- */

/* Parses the options of `sessim COMMAND` (ctx holds its entries; --help
 * and -h are added here). Returns FALSE when the command must end now,
 * with *status: EXIT_OK after --help (printed on standard output, in
 * ASCII), EXIT_USAGE after a bad option (one line on standard error).
 * Sets the command name that cli_usage_error() quotes. */
gboolean cli_parse_options (GOptionContext *ctx, const char *command,
                            int *argc, char ***argv, int *status);
/* "sessim COMMAND: MESSAGE; see 'sessim COMMAND --help'" on standard
 * error; returns EXIT_USAGE. */
int cli_usage_error (const char *format, ...) G_GNUC_PRINTF (1, 2);
/* "sessim: MESSAGE" on standard error, in ASCII quotes. */
void cli_error (const char *format, ...) G_GNUC_PRINTF (1, 2);
/* A located error ("file:line:col: error: ..." and its caret lines) as it
 * is: scenario lines may hold UTF-8 that g_printerr would mangle. */
void cli_print_located (const char *text);
/* text with GLib's typographic quotes and ellipsis made ASCII, so that
 * messages read the same under the C locale. (transfer full) */
char *cli_ascii (const char *text);

/* Number options are read as strings, so that every value is checked:
 * NULL (not given) leaves *out as it is; else text must be a whole number
 * in min..max, or the usage error names the option and the range. */
gboolean cli_option_u64 (const char *option, const char *text, guint64 min,
                         guint64 max, guint64 *out);
/* --out: NULL gives "output"; an empty name is refused. */
gboolean cli_option_out (const char *text, const char **out);
/* "A..B" (or one seed "A"), A <= B, each 0..2^64-1. */
gboolean cli_parse_seeds (const char *text, guint64 *from, guint64 *to);

/* ---- files ---- */

/* The whole file, or standard input for "-". Errors read
 * "PATH: cannot read: REASON". */
gboolean cli_read_file (const char *path, char **text, gsize *length,
                        GError **error);
/* Writes a file whole: a temporary name in the same folder, then a rename,
 * so that neither an error nor a signal leaves half a file under path.
 * Errors read "PATH: cannot write: REASON". */
gboolean cli_write_file (const char *path, const char *text, gssize length,
                         GError **error);
/* The folder and its parents; "DIR: cannot create: REASON". */
gboolean cli_make_dir (const char *dir, GError **error);
/* A scenario file ("-": standard input, named <stdin> in its errors);
 * its bytes in *text and *length when not NULL. */
SesScript *cli_load_script (const char *path, char **text, gsize *length,
                            GError **error);
/* A scenario that cannot be loaded: a file error reads "sessim: PATH:
 * cannot read: REASON", a scenario error is located. */
void cli_print_load_error (const GError *error);
/* "sha256:HEX" of a scenario's bytes, as trails record it. (transfer
 * full) */
char *cli_digest (const char *text, gsize length);
/* The file name without .scn: the output folder's name ("stdin" for
 * "-"). (transfer full) */
char *cli_scenario_name (const char *path);

/* ---- what is printed ---- */

/* snaps (nullable) gives the explanations the state before each step;
 * with state, or for snapshots taken at chosen times, their tables are
 * printed where they were taken. view (nullable: everything, as recorded)
 * chooses the steps and the form of times; violations (element-type
 * SesViolation) (nullable) are the steps coloured red when
 * cli_color_out. */
void cli_print_timeline (const char *header, SesMqtt *mqtt,
                         gboolean explain, const SesSnapshots *snaps,
                         gboolean state, const CliView *view,
                         const GArray *violations);
/* (transfer full) */
char *cli_describe_violation (const SesViolation *x);
gboolean cli_first_mark (SesInvariants *inv, SesDiagramMark *mark);
/* The last line of run, check and replay: "# verdict: WORD: details". The
 * words: ok, FAIL, INCOMPLETE, INTERRUPTED. */
void cli_print_verdict (int status, const char *details);
/* The verdict word for an exit status. */
const char *cli_status_word (int status);
/* An expected violation that was found reads the same in every command:
 * "the expected violation of NAME was found". (transfer full) */
char *cli_expected_found (const char *invariant);

/* The run as trace.jsonl: a header with the scenario's digest (of source,
 * its bytes, or when NULL of the file at path, read again) and whole
 * configuration, the events, violations and the scenario's failed
 * expectations (element-type SesExpectFailure) (nullable).
 * (transfer full) */
char *cli_trace_jsonl (const SesScript *script, const char *path,
                       const char *source, gsize length, guint64 seed,
                       SesMqtt *mqtt, const GArray *violations,
                       const GArray *failures, SesTime end_us,
                       gboolean complete, const SesSnapshots *snaps,
                       gboolean all_states);
/* Turns broken invariants into failures (element-type SesExpectFailure),
 * except those in `expected` (bit per SesInvariantId, from `expect
 * violation NAME`), which go to expected_seen as descriptions; at the end
 * of a run (at_end), an expected one that never broke is a failure too.
 * Adds the names of the invariants broken unexpectedly to broken and of
 * those expected and found to found. Returns how many expected violations
 * held. `run` and `judge` share it, so they give one verdict. */
guint cli_judge_invariants (guint32 expected, SesInvariants *inv,
                            gboolean at_end, GArray *failures,
                            GPtrArray *expected_seen, GString *broken,
                            GString *found);
guint64 cli_proc_kib (const char *file, const char *key);
guint64 cli_peak_rss_kib (void);

/* What a replayed trail showed: the first violation, if any. */
typedef struct {
  gboolean violated;
  SesInvariantId id;
  GString *text;   /* one line: cli_describe_violation() of it */
} CliViolation;

/* What a new trail records of its scenario. */
typedef struct {
  const char *digest;    /* cli_digest() of its bytes */
  const char *embedded;  /* (nullable) its text, with --embed */
} CliSource;

/* Replays the trail and writes the counterexample's files into dir (see
 * common.c). */
gboolean cli_write_counterexample (const SesScript *script,
                                   const SesTrail *trail,
                                   const char *raw_trail,
                                   const CliSource *source, const char *dir,
                                   const char *stem, const char *note,
                                   gboolean print, gboolean explain,
                                   gboolean report, const char *render,
                                   const char *diagrams,
                                   const CliView *view,
                                   CliViolation *first, GError **error);

/* ---- interrupts ---- */

/* The first SIGINT or SIGTERM, by number; 0 while none came. The handler
 * only sets it (and puts the default action back, so that a second signal
 * ends the process at once); the work polls it at safe points. */
extern volatile sig_atomic_t cli_interrupted;
/* Installs the handler for SIGINT and SIGTERM (run and check). */
void cli_catch_interrupts (void);
/* 128 + the signal: 130 for SIGINT, 143 for SIGTERM. */
int cli_interrupt_status (void);

/* ---- run of one scenario, which render reuses ---- */

typedef struct {
  const char *out_dir;
  const char *format;       /* trace files: text, jsonl, both */
  gboolean has_seed;        /* else the scenario's */
  guint64 seed;
  gboolean quiet;
  gboolean explain;
  gboolean verdict;         /* print the verdict line */
  const char *render;       /* diagrams: NULL, dot, svg or png */
  const char *diagrams;     /* lifecycle, sequence or all */
  guint64 max_steps;
  gboolean state;           /* print the state tables in the timeline */
  const GArray *state_at;   /* (element-type SesTime) (nullable) times to
                               print them at, ascending */
  gboolean report;          /* write report.html */
  CliView *view;            /* (nullable) what the timeline and trace.txt
                               show, bound to each scenario's clients */
} RunOptions;

typedef struct {
  char *name;
  int status;  /* EXIT_OK, EXIT_VIOLATION, EXIT_USAGE, EXIT_INCOMPLETE or
                  the interrupt's */
  guint expectations;
  guint failed;
  guint64 deliveries;
} RunResult;

RunResult cli_run_one (const char *path, const RunOptions *o);
/* lifecycle, sequence or all. */
gboolean cli_diagrams_valid (const char *what);

/* ---- teaching outputs (cli/teach.c) ---- */

/* Parses --state-at values into times, ascending, each once; FALSE with a
 * message in why. */
gboolean cli_parse_state_at (char **texts, GArray *times, char **why);
gint cli_compare_time (gconstpointer a, gconstpointer b);
/* A SesCheckStepFunc: data is a SesSnapshots ** made on the first call. */
void cli_snapshot_step (SesWorld *world, gpointer data);
/* The canonical JSON of the state the run ended in. (transfer full) */
char *cli_final_state (SesMqtt *mqtt, const SesSnapshots *snaps,
                       SesTime now);
/* report.html for a run (with_expectations; source: the scenario's text,
 * for the expectations' lines, nullable) or a counterexample.
 * (transfer full) */
char *cli_report_html (const SesScript *script, const char *source,
                       SesMqtt *mqtt, const SesSnapshots *snaps,
                       SesInvariants *inv, gboolean with_expectations,
                       const char *kind, const char *meta, GError **error);

/* The subcommands, one file each; argv[0] is the command's name. */
int cli_check (int argc, char **argv);
int cli_compare (int argc, char **argv);
int cli_conform (int argc, char **argv);
int cli_example (int argc, char **argv);
int cli_examples (int argc, char **argv);
int cli_judge (int argc, char **argv);
/* The built-in examples, one line each (examples, list examples). */
void cli_print_examples (void);
int cli_list (int argc, char **argv);
int cli_merge (int argc, char **argv);
int cli_render (int argc, char **argv);
int cli_replay (int argc, char **argv);
int cli_run (int argc, char **argv);
