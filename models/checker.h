/* The MQTT side of the model checker: turns a scenario and its bounds into
 * an exploration (sim/explore.h) or a set of seeded random walks
 * (sim/swarm.h) with the invariants as the monitor, shrinks counterexamples
 * (sim/shrink.h), and replays a trail into a world whose observation log
 * is the counterexample's trace. */
#pragma once

#include <glib.h>
#include "explore.h"
#include "invariant.h"
#include "report.h"
#include "script.h"
#include "shrink.h"
#include "swarm.h"
#include "trail.h"

/* Fault budget classes. */
enum {
  SES_CHECK_CUTS = 0,
  SES_CHECK_CRASHES = 1,
  SES_CHECK_RESTARTS = 2,
  SES_CHECK_HALF_OPENS = 3,
};

typedef struct {
  guint32 budgets[SES_EXPLORE_BUDGETS]; /* by SES_CHECK_* */
  /* Classes budgeted per client, bit (1 << SES_CHECK_*): in those,
   * client_budgets[class][client] is what each client may suffer (clients
   * from SES_EXPLORE_TARGETS on: none), and budgets[class] is ignored (the
   * sum of the clients' is used). Exhaustive search and shrinking honour
   * it; random walks take the sum as a shared budget. */
  guint32 by_client;
  guint8 client_budgets[SES_EXPLORE_BUDGETS][SES_EXPLORE_TARGETS];
  /* Bound the broker's session expiries along a path to max_expiries (see
   * docs/checking.md): an expiry beyond it is not taken, and a path on
   * which time cannot move on without it stops there (stats->bound_cut).
   * Exhaustive search only. */
  gboolean bound_expiries;
  guint32 max_expiries;
  guint32 faults_on;       /* clients faults may hit (bit per client index,
                              clients >= 32 always); 0: all */
  gboolean depth_first;
  guint jobs;              /* threads for a breadth-first search */
  gboolean no_reduction;   /* explore every order of independent events */
  /* Symmetry reduction: interchangeable clients (see models/symmetry.h)
   * are explored once up to renaming; states counted are then orbits.
   * Where it renames, it replaces the reduction of independent events.
   * Exhaustive search only. */
  gboolean symmetry;
  /* The visited set's storage and the frontier's worlds, passed on to
   * SesExploreOptions as they are (see sim/explore.h). */
  SesStorage storage;
  guint storage_bits;
  guint storage_hashes;
  guint64 frontier_worlds;
  gboolean no_judge;       /* explore without the judge, which then finds
                              nothing: what the model alone costs, for
                              bench-check to measure the judge's share */
  guint audit_depth;       /* SesExploreOptions.audit_depth: exhaustive
                              search, one thread, small spaces */
  /* Called with each end state's world and invariants (after the end is
   * judged); from several threads at once when jobs > 1. May be NULL. */
  void (*end_state) (SesWorld *world, SesInvariants *inv, gpointer data);
  gpointer end_state_data;
  guint64 max_states;      /* 0: none */
  guint max_depth;         /* 0: none */
  void (*progress) (const SesExploreStats *stats, gpointer data);
  gpointer progress_data;
  /* Asked now and then whether to go on; FALSE stops the search,
   * incomplete. Gets this SesCheckOptions as data. May be NULL. */
  gboolean (*keep_going) (const SesExploreStats *stats, gpointer data);
  /* The application's cancel flag (see SesExploreOptions.cancel): stops a
   * search between slices, random mode between batches of seeds. May be
   * NULL. */
  const volatile sig_atomic_t *cancel;
  /* When non-NULL, the explored graph is recorded here; its label callback
   * is set by ses_check_scenario (session-level state labels). */
  SesExploreGraph *graph;
  /* Given the rule of every observation that cites one, for coverage;
   * with jobs > 1 from several threads at once. May be NULL. */
  SesRuleSink rule_sink;
  gpointer rule_sink_data;
} SesCheckOptions;

/* The invariants (SesInvariants) as the explorer's monitor: what `check`,
 * random walks and shrinking watch every path with. */
extern const SesMonitorClass ses_check_invariant_monitor;

/* A short label for a choice: "sub→broker", "pub publish", "cut sub".
 * data is the SesScript. (transfer full) */
char *ses_check_choice_label (const SesChoice *choice, gpointer script);

/* Explores the scenario within the bounds. On a violation, trail gets the
 * choices that lead to it (transfer: filled in). */
void ses_check_scenario (const SesScript *script, const char *path,
                         guint64 seed, const SesCheckOptions *opts,
                         SesExploreStats *stats, SesTrail *trail);

/* The classes of interchangeable clients a search with opts->symmetry
 * renames within (see ses_symmetry_new), those of two clients or more:
 * (element-type GStrv) each class's client labels, in client order.
 * Empty without opts->symmetry. (transfer full) */
GPtrArray *ses_check_symmetry_classes (const SesScript *script,
                                       const SesCheckOptions *opts);

/* Replays a trail: builds the scenario's world with recording on, applies
 * each choice, and judges the end if the trail ends in an end state.
 * Returns the world (transfer full) and its invariants in *inv (transfer
 * full: free it before the world), or NULL with a located error when a
 * choice does not fit (the trail belongs to another scenario or version). */
SesWorld *ses_check_replay (const SesScript *script, const SesTrail *trail,
                            SesInvariants **inv, GError **error);
/* The same, and adds to notes (element-type utf8) one line per choice for
 * the trail's comments: its virtual time, the choice, and the first
 * observation it made ("1.010000s sub→broker: broker receive [sub] ..."). */
SesWorld *ses_check_replay_noted (const SesScript *script,
                                  const SesTrail *trail, SesInvariants **inv,
                                  GPtrArray *notes, GError **error);
/* The same as ses_check_replay_noted (notes nullable), calling on_step
 * (nullable) with the world once before the first choice and once after
 * each (to snapshot the state as it goes). */
typedef void (*SesCheckStepFunc) (SesWorld *world, gpointer data);
SesWorld *ses_check_replay_stepwise (const SesScript *script,
                                     const SesTrail *trail,
                                     SesCheckStepFunc on_step, gpointer data,
                                     SesInvariants **inv, GPtrArray *notes,
                                     GError **error);

/* The MQTT versions the scenario's clients speak, as bits 1 << version
 * (for ses_coverage_new). */
guint32 ses_check_versions (const SesScript *script);

/* Shrinks a counterexample (a depth-first or random one; breadth-first
 * ones are shortest already) while the same invariant still breaks first:
 * trail->choices becomes a path, no longer than before, that a strict
 * replay reproduces. Budgets and faults_on come from opts. */
void ses_check_shrink (const SesScript *script, const SesCheckOptions *opts,
                       SesTrail *trail, SesShrinkStats *stats);

/* Random mode: one seeded walk per seed. */
typedef struct _SesRandomResult SesRandomResult;

typedef struct {
  guint64 seed_from, seed_to; /* inclusive */
  guint shard_index;          /* 1-based: runs seeds with */
  guint shard_count;          /* (seed - from) % count == index - 1 */
  gboolean swarm;             /* each seed draws its own fault settings */
  gboolean shrink;            /* shrink each failure's trail */
  guint max_failures;         /* stop after this many (in seed order); 0:
                                 run every seed */
  /* Called after each batch of seeds with the result so far; may be
   * NULL. */
  void (*progress) (const SesRandomResult *so_far, gpointer data);
  gpointer progress_data;
} SesRandomOptions;

typedef struct {
  guint64 seed;               /* the walk's seed, also its world's */
  SesSwarmSettings settings;  /* what the seed drew */
  SesInvariantId invariant;   /* the first one broken */
  gboolean expected;          /* the scenario expects it to break */
  SesShrinkStats shrink;      /* original and shrunk lengths */
  SesTrail *trail;            /* (owned) the (shrunk) trail; replays
                                 strictly */
} SesRandomFailure;

struct _SesRandomResult {
  guint64 seeds_run;          /* walks made */
  guint64 steps;              /* choices applied, over all walks */
  guint64 faults;             /* faults injected, over all walks */
  guint64 end_states;         /* walks that reached an end state */
  guint64 cut;                /* walks stopped by max_depth */
  gboolean stopped;           /* max_failures reached before the last seed */
  gboolean cancelled;         /* opts->cancel stopped it between batches */
  GPtrArray *failures;        /* (element-type SesRandomFailure) (owned) in
                                 seed order */
};

/* The seeds of the shard, walked on opts->jobs threads; the result does
 * not depend on the number of threads. Budgets are maxima; faults_on,
 * max_depth and the rule sink come from opts. */
void ses_check_random (const SesScript *script, const char *path,
                       const SesCheckOptions *opts,
                       const SesRandomOptions *random, SesRandomResult *out);
void ses_random_result_clear (SesRandomResult *result);
/* Runs the shard's walks (ses_check_random) and returns the report of the
 * run: the scenario (path as given), program version, seeds, shard,
 * bounds (faults_on: client names, may be NULL), totals and rule coverage
 * (the report's sink replaces opts'). Its failures stay in *res for the
 * caller, who writes their trails and adds each with
 * ses_check_report_failure(); time and memory are the caller's to fill.
 * (transfer full) */
SesReport *ses_check_random_report (const SesScript *script, const char *path,
                                    const char *version,
                                    const char *faults_on,
                                    const SesCheckOptions *opts,
                                    const SesRandomOptions *random,
                                    SesRandomResult *res);
/* A report's record of a failure; takes violation (one line) and trail
 * (the file written for it). (transfer full) */
SesReportFailure *ses_check_report_failure (const SesRandomFailure *failure,
                                            char *violation, char *trail);
/* "cuts 1, crashes 0, restarts 0, half-opens 0; a fault on 10% of steps;
 * simultaneous events shuffled". (transfer full) */
char *ses_check_describe_settings (const SesSwarmSettings *settings);
