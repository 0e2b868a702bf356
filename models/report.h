/* The result of a random (swarm) check as one value: what was run (the
 * scenario, program version, seed range, shards, bounds), what came out
 * (walks, failures with their seeds and trails, rule coverage), written as
 * JSON, read back, and merged across shards, so that a seed range split
 * over a Slurm job array or GNU parallel gives the same report as one run.
 * `sessim check --random` writes it; `sessim merge` reads and merges. */
#pragma once

#include <glib.h>
#include "coverage.h"
#include "swarm.h"

typedef struct {
  guint64 seed;
  char *invariant;          /* the first invariant broken, by name */
  gboolean expected;        /* the scenario expects it to break */
  char *violation;          /* one line: what broke, when, the rule */
  char *trail;              /* the trail file written for it */
  guint length;             /* choices in that trail */
  guint original_length;    /* before shrinking */
  SesSwarmSettings settings;
} SesReportFailure;

typedef struct {
  char *scenario;           /* as given on the command line */
  char *version;            /* of the program */
  guint64 seed_from, seed_to;
  guint shard_count;
  GArray *shards;           /* (element-type guint) 1-based shard indexes
                               this report covers, ascending */
  gboolean merged;          /* made by merging: judged as the whole range */
  gboolean swarm;
  guint32 budgets[SES_EXPLORE_BUDGETS]; /* maxima, by SES_CHECK_* */
  char *faults_on;          /* (nullable) client names, comma-separated */
  guint max_depth;          /* 0: none */
  guint max_failures;       /* 0: none */
  GPtrArray *expected;      /* (element-type utf8) invariants the scenario
                               expects to break */
  guint64 seeds_run, steps, faults, end_states, cut;
  gboolean stopped;         /* a shard stopped at max_failures */
  gboolean interrupted;     /* a shard was cancelled (a signal) before its
                               last seed: incomplete unless a failure
                               decides */
  GPtrArray *failures;      /* (element-type SesReportFailure) by seed */
  SesCoverage *coverage;    /* (owned) (nullable) */
  double seconds;           /* summed over shards */
  guint64 peak_rss_kib;     /* the largest of the shards */
} SesReport;

SesReport *ses_report_new (void);
void ses_report_free (SesReport *report);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SesReport, ses_report_free)
/* Takes ownership of failure; keeps the failures in seed order. */
void ses_report_add_failure (SesReport *report, SesReportFailure *failure);

/* The exit status the report stands for: 1 if a walk broke an invariant
 * the scenario does not expect, or the scenario expects one that no walk
 * broke; else 3 if a walk was cut by max_depth, a shard was interrupted
 * or (merged reports) a shard is missing, and nothing was found; else 0. */
int ses_report_status (const SesReport *report);
/* Shard indexes of 1..shard_count the report lacks (element-type guint).
 * (transfer full) */
GArray *ses_report_missing_shards (const SesReport *report);

/* One JSON object and a newline. (transfer full) */
char *ses_report_to_json (const SesReport *report);
/* Reads what ses_report_to_json wrote; errors are located. */
SesReport *ses_report_from_json (const char *path, const char *text,
                                 gsize length, GError **error);
/* Adds other's shards to into. Refuses (SES_ERROR_INVALID) reports of
 * another scenario, program version, seed range, shard count or bounds,
 * and shards present in both. */
gboolean ses_report_merge (SesReport *into, const SesReport *other,
                           GError **error);
/* The summary lines, each starting with '#'; list_rules adds the rule by
 * rule coverage. (transfer full) */
char *ses_report_to_text (const SesReport *report, gboolean list_rules);
