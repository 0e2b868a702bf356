/* The explorer: exhaustive search of a world's choices within bounds.
 *
 * From a start world it applies every enabled choice (the events due at the
 * earliest time, in any order; a fault, while its budget lasts) to a copy,
 * and so on, breadth first (shortest counterexample first) or depth first.
 * Each state is stored as a 64-bit fingerprint of the world, the monitor's
 * digest and the budgets used (or, in the compact storage modes of
 * stateset.h, as less, at a small risk of missing states), so no state is
 * expanded twice. Breadth first, the states waiting to be expanded may
 * keep only their parent link, their world rebuilt when expanded. A monitor
 * (the invariants, for MQTT) travels with every path: it is copied with the
 * world and asked after each step whether something broke. The engine
 * knows nothing of MQTT; faults are classed into budgets by a callback,
 * and a class's budget may be per target (the fault's target index). A
 * second callback marks events whose number along a path is bounded. */
#pragma once

#include <glib.h>
#include <signal.h>
#include "stateset.h"
#include "world.h"

typedef struct {
  /* A copy attached to world_copy (a copy of the monitored world). */
  gpointer (*copy) (gconstpointer monitor, SesWorld *world_copy);
  void (*free) (gpointer monitor);
  /* Digest of what can still change a later verdict. */
  guint64 (*digest) (gconstpointer monitor);
  /* Whether a violation has been found on this path. */
  gboolean (*violated) (gconstpointer monitor);
  /* Judges what is judged at the end of a run; called on end states. */
  void (*finish) (gpointer monitor);
  /* copy, made into dest (a copy of the same monitor's, or NULL) reusing
   * its memory; world_copy was made with ses_world_copy_into() and dest
   * may have watched the model that call replaced, so it must not read
   * it. Returns the copy (dest, or what replaced it). May be NULL (then
   * dest is freed, before its world is overwritten, and copy is used). */
  gpointer (*copy_into) (gpointer dest, gconstpointer monitor,
                         SesWorld *world_copy);
  /* As copy, for a world_copy made with ses_world_copy_borrowing(): what
   * the copies share is borrowed, not referenced, and the copy is freed
   * while the monitor the search started from lives. May be NULL (then
   * copy is used). */
  gpointer (*copy_borrowing) (gconstpointer monitor, SesWorld *world_copy);
} SesMonitorClass;

#define SES_EXPLORE_BUDGETS 4
/* Targets (SesFault.target) a class's budget can be split between; a
 * fault on a target beyond them has no budget in a per-target class. */
#define SES_EXPLORE_TARGETS 16
/* The most faults of one class one target may be allowed. */
#define SES_EXPLORE_TARGET_MAX 255

typedef struct _SesExploreStats SesExploreStats;

/* A transition between two stored states (ids count from 0, the start, in
 * the order states were discovered). */
typedef struct {
  guint64 from;
  guint64 to;
  SesChoice choice;
} SesExploreEdge;

/* The explored graph, recorded while it has at most `cap` states. */
typedef struct {
  guint64 cap;
  GPtrArray *labels;  /* (element-type utf8) a short label per state id */
  GArray *edges;      /* (element-type SesExploreEdge) in the order taken */
  gboolean truncated; /* more states were explored than recorded */
  /* The label of a state, e.g. its session-level summary. */
  char *(*label) (SesWorld *world, gpointer data);
  gpointer data;
} SesExploreGraph;

typedef struct {
  gboolean depth_first;
  /* Threads that expand states (0 or 1: one). The result, state ids and
   * counterexample included, does not depend on it. */
  guint jobs;
  guint64 max_states;      /* stored states; 0: no limit */
  guint max_depth;         /* choices along a path; 0: no limit */
  SesTime until;           /* events after this are not taken */
  guint32 budgets[SES_EXPLORE_BUDGETS]; /* faults allowed per class */
  /* Classes whose budget is also per target, bit (1 << class): a fault of
   * such a class is allowed only while its target has had fewer than
   * target_budgets[class][target] of them (and the class total is under
   * budgets[class], which the caller sets to the sum). The faults each
   * target has had are then part of the state. */
  guint32 by_target;
  guint8 target_budgets[SES_EXPLORE_BUDGETS][SES_EXPLORE_TARGETS];
  /* The budget class of a fault, or -1 if it may not be injected. */
  gint (*fault_class) (const SesFault *fault, gpointer data);
  /* Events whose number along a path is bounded (may be NULL: none), for
   * events the model forces, such as timers that fall due. An event it
   * says TRUE of is not taken once max_bounded have been taken on the
   * path; the other choices of the state still are. A state where such
   * an event is due and no other event is, is not expanded: its path is
   * cut (stats->bound_cut) and its end is not judged, but the search
   * still counts as complete within the bounds. The number taken is part
   * of the state. */
  gboolean (*bounded_event) (const SesEvent *event, gpointer data);
  guint32 max_bounded;
  /* For the reduction of independent events (may be NULL: none). The
   * owner of an event that reads and writes only its owner's state and
   * schedules nothing at the current time, so that events of different
   * owners due at the same time commute; -1 for any other event. See
   * expand() for when the explorer relies on it. */
  gint (*event_owner) (const SesEvent *event, gpointer data);
  gpointer data;
  /* Symmetry reduction (may be NULL: none). Stands in for the world's
   * fingerprint and the monitor's digest: a fingerprint of the state up to
   * a renaming of interchangeable targets, so that states alike but for
   * their names are stored once. It fills rename[t] with the name target
   * t takes in that renaming, which the targets' budgets spent (spent[class]
   * [target], for the classes budgeted per target) follow. */
  guint64 (*canonical) (SesWorld *world, gconstpointer monitor,
                        const guint8 (*spent)[SES_EXPLORE_TARGETS],
                        guint8 *rename, gpointer data);
  gpointer canonical_data;
  /* How the visited set stores states (stateset.h): fp64 (the default),
   * hc or bitstate; storage_bits its width (hc, bitstate; 0: a width from
   * max_states, ses_stateset_default_bits), storage_hashes bitstate's bits
   * a state (0: 3). */
  SesStorage storage;
  guint storage_bits;
  guint storage_hashes;
  /* Breadth first: the most states waiting to be expanded that keep their
   * whole world (and monitor); 0: no limit. A state stored while that many
   * wait keeps only its id; its world is rebuilt when its turn comes, by
   * replaying the choices of its parent links from the start, runs of
   * such states sharing the replay of their common ancestors. It costs
   * time, never a difference in the result. Depth first keeps every
   * world: its stack is short. */
  guint64 frontier_worlds;
  /* Records the explored graph when non-NULL. */
  SesExploreGraph *graph;
  /* Called with every end state reached (its world and monitor, after the
   * end is judged), from several threads at once when jobs > 1; may be
   * NULL. */
  void (*end_state) (SesWorld *world, gpointer monitor, gpointer data);
  gpointer end_state_data;
  /* Called now and then with the figures so far (progress), may be NULL. */
  void (*progress) (const SesExploreStats *stats, gpointer data);
  /* Asked after every 1024 states or so whether to go on (a memory limit,
   * say); FALSE stops the search, incomplete. May be NULL. */
  gboolean (*keep_going) (const SesExploreStats *stats, gpointer data);
  /* Cancellation: read between two slices of states (every state depth
   * first, at most 1024 breadth first); once non-zero, the search stops
   * there, incomplete, with stats->cancelled set and the figures so far.
   * The engine only reads it and installs no signal handler: the
   * application owns the flag and sets it (from a SIGINT handler, say).
   * May be NULL. */
  const volatile sig_atomic_t *cancel;
  /* Audits the fingerprint (one thread only; a copy of every state is
   * kept): every successor merged into a stored state is compared with it
   * audit_depth steps further, where the fingerprints of their successors
   * must be alike (stats->merge_mismatches). 0: no audit. A check for
   * tests and for changes to an encoding or a digest, not for large
   * spaces: a merge costs the successors of two states that deep. */
  guint audit_depth;
} SesExploreOptions;

struct _SesExploreStats {
  guint64 states;          /* distinct states stored */
  guint64 transitions;     /* choices applied */
  guint64 end_states;      /* states with nothing left to do */
  guint max_depth;         /* deepest path explored */
  guint64 frontier;        /* states waiting to be expanded, at the end */
  guint64 peak_frontier;   /* most states waiting at once */
  guint64 reduced;         /* states expanded by one event only, the
                              others being independent of it */
  guint64 bound_cut;       /* states not expanded because the only
                              events due were over max_bounded */
  guint64 stored_bytes;    /* memory of the visited set and the parent
                              links: what grows with states stored */
  guint64 rebuilt;         /* states whose world was rebuilt by replay
                              (frontier_worlds) */
  guint64 replayed;        /* choices applied to rebuild them */
  SesStorage storage;      /* the visited set's mode, */
  guint storage_bits;      /* width (hc, bitstate) */
  guint storage_hashes;    /* and bits a state (bitstate) */
  guint64 storage_bytes;   /* memory of the visited set alone */
  double storage_fill;     /* ses_stateset_fill at the end */
  /* ses_stateset_miss_probability: an estimate of the probability that a
   * state was taken for one already stored and missed. Non-negligible in
   * the hc and bitstate modes, whose "complete" is therefore only
   * probable. */
  double miss_probability;
  gboolean storage_full;   /* hc: the table had no room left (stops the
                              search, incomplete) */
  gboolean complete;       /* FALSE if a limit cut it: max_states,
                              max_depth, keep_going, a full hc table */
  gboolean stopped;        /* keep_going said to stop */
  gboolean cancelled;      /* the cancel flag stopped it */
  gboolean violation;
  /* With audit_depth: successors compared with the stored state they were
   * merged into, how many of those differed within audit_depth steps
   * (each a merge that was not exact), and the id of the stored state of
   * the first (G_MAXUINT64: none). */
  guint64 merges_audited;
  guint64 merge_mismatches;
  guint64 first_mismatch;
};

/* Explores from world (not modified) with monitor (not modified; its
 * copies go along). On a violation, fills trail (element-type SesChoice)
 * with the choices from the start to the first violating state found:
 * with breadth first search, a shortest one. */
void ses_explore (const SesWorld *world, gconstpointer monitor,
                  const SesMonitorClass *klass, const SesExploreOptions *opts,
                  SesExploreStats *stats, GArray *trail);

/* The choice among `choices` (element-type SesChoice) that matches want:
 * the same event (by insertion counter) or the same fault; -1 if none. */
gint ses_choice_find (const GArray *choices, const SesChoice *want);
