/* The MQTT side of the model checker: turns a scenario and its bounds into
 * an exploration (sim/explore.h) with the invariants as the monitor, and
 * replays a trail into a world whose observation log is the
 * counterexample's trace. */
#pragma once

#include <glib.h>
#include "explore.h"
#include "invariant.h"
#include "script.h"
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
  guint32 faults_on;       /* clients faults may hit (bit per client index,
                              clients >= 32 always); 0: all */
  gboolean depth_first;
  guint jobs;              /* threads for a breadth-first search */
  guint64 max_states;      /* 0: none */
  guint max_depth;         /* 0: none */
  void (*progress) (const SesExploreStats *stats, gpointer data);
  gpointer progress_data;
  /* When non-NULL, the explored graph is recorded here; its label callback
   * is set by ses_check_scenario (session-level state labels). */
  SesExploreGraph *graph;
} SesCheckOptions;

/* A short label for a choice: "sub→broker", "pub publish", "cut sub".
 * data is the SesScript. (transfer full) */
char *ses_check_choice_label (const SesChoice *choice, gpointer script);

/* Explores the scenario within the bounds. On a violation, trail gets the
 * choices that lead to it (transfer: filled in). */
void ses_check_scenario (const SesScript *script, const char *path,
                         guint64 seed, const SesCheckOptions *opts,
                         SesExploreStats *stats, SesTrail *trail);

/* Replays a trail: builds the scenario's world with recording on, applies
 * each choice, and judges the end if the trail ends in an end state.
 * Returns the world (transfer full) and its invariants in *inv (transfer
 * full: free it before the world), or NULL with a located error when a
 * choice does not fit (the trail belongs to another scenario or version). */
SesWorld *ses_check_replay (const SesScript *script, const SesTrail *trail,
                            SesInvariants **inv, GError **error);
