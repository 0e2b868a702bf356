/* trace.jsonl: a run as JSON Lines, written and read back with json-glib.
 * One header record (program, scenario, its digest, seed, the whole
 * configuration), then one record per observation, broken invariant and
 * failed expectation, then an end record. Every record carries the step
 * of the run it belongs to (docs/trace-format.md); members come out in a
 * fixed order, so a run gives the same bytes every time. Reading gives the
 * configuration and the observations back, so a trace can be judged
 * without the scenario or the model. */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

#include "invariant.h"
#include "mqtt.h"
#include "observation.h"

/* Version of the format, in the header record; bumped when a record
 * changes meaning (adding members or record types does not). */
#define SES_TRACEJSON_FORMAT 1

/* What the header says besides the configuration. */
typedef struct {
  const char *program_version; /* "0.1.0" */
  const char *scenario;        /* the path as given; may be NULL */
  const char *sha256;          /* hex digest of the scenario's bytes; may be
                                  NULL */
  guint64 seed;
  guint32 disabled;            /* bit (1 << SesInvariantId) per invariant
                                  switched off */
  guint32 expected;            /* bit per invariant the scenario expects to
                                  break (`expect violation NAME`) */
} SesTraceHeader;

/* ---- writing ------------------------------------------------------------ */

typedef struct _SesTraceWriter SesTraceWriter;

/* cfg is borrowed and must outlive the writer. */
SesTraceWriter *ses_trace_writer_new (SesMqttConfig *cfg);
void ses_trace_writer_free (SesTraceWriter *w);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SesTraceWriter, ses_trace_writer_free)

/* The header record (step 0). */
void ses_trace_writer_header (SesTraceWriter *w, const SesTraceHeader *h);
/* One observation, `step` being its 1-based place in the log. */
void ses_trace_writer_obs (SesTraceWriter *w, guint64 step, const SesObs *obs);
/* A broken invariant, at the step of the observation that showed it (the
 * end step for one judged at the end of the run). */
void ses_trace_writer_violation (SesTraceWriter *w, guint64 step,
                                 const SesViolation *v, gboolean expected);
/* A failed expectation (line 0: not from one line of the scenario). */
void ses_trace_writer_expectation (SesTraceWriter *w, guint64 step,
                                   guint line, const char *message);
/* The last record: the run stopped at end_us after `steps` steps. */
void ses_trace_writer_end (SesTraceWriter *w, guint64 steps, SesTime end_us,
                           gboolean complete, guint violations,
                           guint failed_expectations);
/* Any other record type (session snapshots, ...): opens the object with
 * its "type" and "step" (and "t_us"/"time" unless t is SES_TIME_NONE) and
 * hands the builder back for the caller's members; _end_record closes it
 * and appends the line. (transfer none) */
JsonBuilder *ses_trace_writer_begin_record (SesTraceWriter *w,
                                            const char *type, guint64 step,
                                            SesTime t);
void ses_trace_writer_end_record (SesTraceWriter *w);
/* The lines so far, each ending in '\n'. (transfer full) */
char *ses_trace_writer_finish (SesTraceWriter *w);

/* A whole run: header, every observation of the log with the violations
 * interleaved after the step that showed them, the failed expectations,
 * the end record. violations: (element-type SesViolation) (nullable);
 * failures: (element-type SesExpectFailure) (nullable), the scenario's own
 * expectations only (broken and expected-but-held invariants are derived
 * from violations and h->expected). (transfer full) */
/* Lets a caller add records of its own (state snapshots) before each step
 * (1 .. the end step) with ses_trace_writer_line(). */
typedef void (*SesTraceExtra) (SesTraceWriter *w, guint64 step,
                               gpointer data);
/* A whole record written as it is: one JSON object, no newline. */
void ses_trace_writer_line (SesTraceWriter *w, const char *json);
char *ses_tracejson_run_with (SesMqtt *mqtt, const SesTraceHeader *h,
                              const GArray *violations,
                              const GArray *failures, SesTime end_us,
                              gboolean complete, SesTraceExtra extra,
                              gpointer data);
char *ses_tracejson_run (SesMqtt *mqtt, const SesTraceHeader *h,
                         const GArray *violations, const GArray *failures,
                         SesTime end_us, gboolean complete);

/* ---- reading ------------------------------------------------------------ */

/* A broken invariant as a trace recorded it. */
typedef struct {
  SesInvariantId id;
  guint64 step;
  gboolean expected;
} SesTraceViolation;

typedef struct {
  char *program_version;
  char *scenario;       /* (nullable) */
  char *sha256;         /* (nullable) */
  guint64 seed;
  guint32 disabled;
  guint32 expected;
  SesMqttConfig *cfg;   /* (owned) clients, wills, broker, timeline */
  GArray *obs;          /* (element-type SesObs) steps 1..n in order; rule
                           strings are owned by `rules` */
  GArray *violations;   /* (element-type SesTraceViolation) as recorded */
  gboolean has_end;
  SesTime end_us;       /* the end record's time, else the last step's */
  gboolean complete;
  GStringChunk *rules;
} SesTraceJson;

/* Parses a trace.jsonl. Errors are SES_ERROR, located as
 * "path:LINE:COL: error: ..." with the line and a caret. Unknown record
 * types and members are skipped, so newer traces still read. */
SesTraceJson *ses_tracejson_read (const char *path, const char *text,
                                  gsize length, GError **error);
SesTraceJson *ses_tracejson_read_file (const char *path, GError **error);
void ses_tracejson_free (SesTraceJson *t);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SesTraceJson, ses_tracejson_free)

/* The header and event records of a trace that was read, as the writer
 * writes them: for a trace sessim wrote, the same bytes as those lines of
 * the file. (transfer full) */
char *ses_tracejson_rewrite (const SesTraceJson *t);

/* Hex SHA-256 of data, as the header records it. (transfer full) */
char *ses_tracejson_digest (const char *data, gsize length);
