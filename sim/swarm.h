/* Random walks over a world's choices, and swarm testing.
 *
 * A walk takes, at every state, one of the choices the explorer would
 * offer there (an event due at the earliest time, in any order; a fault,
 * while its budget lasts), drawn from a seeded stream, and asks the
 * monitor after each step whether something broke; at an end state it has
 * the monitor judge the end, as the explorer does. So every walk is a path
 * of the exhaustive search, and its trail replays strictly.
 *
 * Swarm testing (Groce et al., ISSTA 2012): each seed also draws its own
 * settings (which fault classes are on, how many faults of each within
 * the budgets, how likely a fault is per step, whether simultaneous events
 * are shuffled), so different seeds stress different mixes instead of
 * every walk spreading a little of everything. The engine knows nothing of
 * MQTT; faults are classed into budgets by a callback, as in explore.h. */
#pragma once

#include <glib.h>
#include "explore.h"

/* What one walk may do: drawn from its seed (swarm) or fixed. */
typedef struct {
  /* Faults of each class this walk may inject; 0: the class is off. */
  guint32 budgets[SES_EXPLORE_BUDGETS];
  /* Chance, per step, of injecting a fault when one is allowed. */
  guint32 fault_ppm;
  /* Simultaneous events in a random order; FALSE: in insertion order (the
   * order `sessim run` takes them). */
  gboolean shuffle;
} SesSwarmSettings;

typedef struct {
  SesTime until;                        /* events after this are not taken */
  guint32 budgets[SES_EXPLORE_BUDGETS]; /* maxima: faults allowed per class */
  /* The budget class of a fault, or -1 if it may not be injected. */
  gint (*fault_class) (const SesFault *fault, gpointer data);
  gpointer data;
  guint max_depth;  /* choices per walk; 0: no limit */
  /* Each seed draws its own settings; FALSE: every class at its maximum,
   * SES_SWARM_PLAIN_PPM, shuffled. */
  gboolean swarm;
} SesSwarmOptions;

/* The fault chance of a walk that is not swarmed: one step in ten. */
#define SES_SWARM_PLAIN_PPM 100000u

typedef struct {
  guint steps;        /* choices applied */
  guint faults;       /* of which faults */
  gboolean end;       /* reached an end state and judged it */
  gboolean cut;       /* max_depth stopped it first */
  gboolean violation; /* the monitor reported a violation */
} SesWalkStats;

/* The settings of the walk with this seed; a pure function of (seed,
 * opts), so a failure is reproduced from its seed alone. */
void ses_swarm_settings (guint64 seed, const SesSwarmOptions *opts,
                         SesSwarmSettings *out);

/* One walk from world with monitor (both modified: they end where the walk
 * ended), its random draws from seed. Appends the choices taken to trail
 * (element-type SesChoice), which ends at the first violation. */
void ses_swarm_walk (SesWorld *world, gpointer monitor,
                     const SesMonitorClass *klass, const SesSwarmOptions *opts,
                     const SesSwarmSettings *settings, guint64 seed,
                     SesWalkStats *stats, GArray *trail);
