/* Shrinking a counterexample by delta debugging (Zeller and Hildebrandt's
 * ddmin): drop parts of its choice sequence while the same violation still
 * happens, until no single choice can go.
 *
 * A trail names events by insertion counter, and counters shift as soon as
 * an earlier choice is dropped, so a shortened sequence cannot be replayed
 * strictly. Shrinking replays a candidate leniently instead: a fault is
 * matched by kind and target, an event by kind, target and argument among
 * those due now; a wanted event whose time has not come yet waits while
 * the earliest event is taken (insertion order, as `sessim run` would); a
 * choice that is no longer possible is skipped; when the candidate runs
 * out, the run goes on with the earliest events to its end, where the end
 * is judged. What is kept is the exact sequence that lenient replay
 * applied, so the shrunk trail replays strictly, byte for byte. */
#pragma once

#include <glib.h>
#include "explore.h"

typedef struct {
  SesTime until;                        /* events after this are not taken */
  guint32 budgets[SES_EXPLORE_BUDGETS]; /* faults allowed per class */
  gint (*fault_class) (const SesFault *fault, gpointer data);
  gpointer data;
  guint max_depth;  /* choices per replay; 0: no limit */
  /* Which violation a monitor shows (e.g. its first broken invariant + 1),
   * 0 for none: a candidate is kept only if it shows the same one. */
  guint (*verdict) (gconstpointer monitor, gpointer data);
  gpointer verdict_data;
  guint max_tests;  /* lenient replays to try at most; 0: 10 000 */
} SesShrinkOptions;

typedef struct {
  guint original;   /* choices in the counterexample given */
  guint shrunk;     /* choices in the one kept */
  guint faults_before, faults_after;
  guint tests;      /* lenient replays tried */
} SesShrinkStats;

/* Replays `wanted` (element-type SesChoice) leniently from world (not
 * modified) with monitor (not modified; a copy goes along), filling
 * `applied` with the choices actually taken. Returns the verdict at the
 * end (0: no violation). */
guint ses_shrink_replay (const SesWorld *world, gconstpointer monitor,
                         const SesMonitorClass *klass,
                         const SesShrinkOptions *opts, const GArray *wanted,
                         GArray *applied);

/* Shrinks trail (element-type SesChoice, a path from world that ends in a
 * violation) into out: a path from world with the same verdict and at most
 * as many choices. If the trail does not show a violation when replayed,
 * out gets a copy of it. */
void ses_shrink (const SesWorld *world, gconstpointer monitor,
                 const SesMonitorClass *klass, const SesShrinkOptions *opts,
                 const GArray *trail, GArray *out, SesShrinkStats *stats);
