/* How run and replay show a long run: which steps of the text timeline
 * and trace.txt are shown (--only, --hide, --from, --to), how times read
 * (--times) and whether lines are coloured (--color). A view changes what
 * is printed, never what is judged, and trace.jsonl always stays whole. */
#pragma once

#include <glib.h>

#include "diagram.h"
#include "mqtt.h"
#include "observation.h"

typedef enum {
  CLI_COLOR_AUTO = 0, /* on when the stream is a terminal and NO_COLOR is
                         unset or empty (and TERM is not "dumb") */
  CLI_COLOR_ALWAYS,
  CLI_COLOR_NEVER,
} CliColorMode;

/* The option values as given (all nullable), which the GOption entries of
 * cli_view_entries() fill in. */
typedef struct {
  char *only;
  char *hide;
  char *from;
  char *to;
  char *times;
  char *color;
} CliViewArgs;

typedef struct {
  char **only;          /* (nullable) client labels to show */
  gboolean *only_index; /* (nullable) per virtual client, after binding */
  guint n_clients;
  guint32 hide_packets; /* bit per SesPacketType */
  guint64 hide_kinds;   /* bit per SesObsKind */
  SesTime from, to;     /* SES_TIME_NONE: open */
  gboolean readable;    /* --times=readable */
  CliColorMode color;
  char *what;           /* the filter options as one phrase, for the
                           header comment; NULL when nothing is filtered */
} CliView;

/* The options (--only, --hide, --from, --to, --times, --color), their
 * values written into args. (transfer none: static per args) */
GOptionEntry *cli_view_entries (CliViewArgs *args);
/* Checks the values; a bad one is a usage error (one line, FALSE). */
gboolean cli_view_parse (const CliViewArgs *args, CliView *view);
/* Checks --only against the run's clients (labels): an unknown name is a
 * usage error naming the scenario and its clients (FALSE). */
gboolean cli_view_bind (CliView *view, SesMqttConfig *cfg,
                        const char *scenario);
void cli_view_clear (CliView *view);
void cli_view_args_clear (CliViewArgs *args);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (CliView, cli_view_clear)
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (CliViewArgs, cli_view_args_clear)

/* Whether view (nullable: the whole run) filters anything out. */
gboolean cli_view_filters (const CliView *view);
/* Whether step obs is shown: the diagrams' own test, so the timeline,
 * trace.txt and the diagrams show the same steps. */
gboolean cli_view_shows (const CliView *view, const SesObs *obs);
/* The view as the diagrams take it; NULL when view (nullable) filters
 * nothing. Borrows from view. (transfer none) */
const SesDiagramFilter *cli_view_diagram_filter (const CliView *view,
                                                 SesDiagramFilter *filter);
/* Whether a state table taken at t is shown (--from, --to). */
gboolean cli_view_shows_time (const CliView *view, SesTime t);
/* Step `step` (1-based, the full trace's numbering) as one line, without
 * its newline: readable times with --times=readable, the step number in
 * brackets in front when the view filters. colour: an ANSI colour code
 * ("31") or NULL. (transfer full) */
char *cli_view_line (const CliView *view, SesMqttConfig *cfg,
                     const SesObs *obs, guint step, const char *colour);
/* "# shown: N of M steps (--hide ping); [N] is the step's number in the
 * full trace" when the view filters, else NULL. (transfer full) */
char *cli_view_note (const CliView *view, SesMqtt *mqtt);
/* trace.txt: header, the note, then each shown step. (transfer full) */
char *cli_view_text (const CliView *view, const char *header, SesMqtt *mqtt);

/* "1h02m03.500s", "30m02.010s", "4.250s": hours and minutes from 60 s on,
 * at least three decimals, more only when the microseconds need them.
 * (transfer full) */
char *cli_time_readable (SesTime t);

/* Whether to colour what goes to fd. */
gboolean cli_color_wanted (CliColorMode mode, int fd);
/* Colour standard output and standard error (set by run and replay; check
 * leaves them off). */
extern gboolean cli_color_out, cli_color_err;
#define CLI_RED "31"
#define CLI_YELLOW "33"
#define CLI_GREEN "32"
/* text wrapped in the colour when on, else a copy. (transfer full) */
char *cli_paint (gboolean on, const char *colour, const char *text);
