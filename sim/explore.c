/* Breadth- or depth-first exploration of a world's choices. Invariant: a
 * state is expanded at most once (by fingerprint), and every stored state
 * records its parent and the index of the choice that reached it, so the
 * path to any of them is rebuilt by replaying those choices from the start.
 * Budgets used are part of a state: the same world with more faults left is
 * a different state, and so is the same world with the same total spent
 * on other targets, in a class budgeted per target, or with another
 * number of bounded events taken.
 *
 * A stored state costs its entry in the visited set (stateset.c: a 64-bit
 * fingerprint, 32 bits of one, or a few bits) and one 64-bit parent link;
 * only the states still to be expanded keep their worlds, and breadth
 * first only up to opts->frontier_worlds of them: the others wait as bare
 * ids and are rebuilt from their links when their turn comes, a world
 * being a function of its path. Breadth-first search goes level by level,
 * in slices: threads expand the states of a slice (copy, apply,
 * fingerprint) into per-state results, then one thread merges them in the
 * order a single thread would have produced them, so ids, counts and the
 * counterexample do not depend on the number of threads. Depth first does
 * the same with the top few states of its stack (DFS_BATCH).
 *
 * Most successors are states already seen (three in five on the SPIN
 * counterpart), so a successor is first tried on the expanding thread's
 * scratch child, a world and monitor that stay with the thread and are
 * copied into from the parent with the memory they already have
 * (ses_world_copy_into, the monitor class's copy_into: each part is
 * written over in place and grows only when it does not fit). The choice
 * is applied to it and it is fingerprinted; only a successor that is new
 * (or breaks an invariant) is copied out into a node of its own, compact
 * (what the step grew is packed), so a duplicate costs no allocation and
 * no free. "New" means in neither the visited set, which is only read
 * while a slice expands, nor the successors the thread has already
 * copied out in the slice (its siblings): a state reached from two
 * parents of one slice is copied out once. The last successor is
 * applied to the parent's own world and monitor, which need not be kept:
 * no copy in, and when it is new, no copy out either, the parent's node
 * becoming the child's; it keeps what the step grew, a little more
 * memory for a few per cent less time (bench/README.md, *Copying less*).
 * A thread claims its states a few ahead and loads their nodes, cold
 * from their wait in the frontier, while it expands the ones before. */
#include "explore.h"
#include "block.h"

#include <pthread.h>
#include <string.h>

/* What a path has spent of its bounds: faults per class, per target in
 * the classes budgeted so (zero elsewhere), and bounded events. */
typedef struct {
  guint32 used[SES_EXPLORE_BUDGETS];
  guint8 by_target[SES_EXPLORE_BUDGETS][SES_EXPLORE_TARGETS];
  guint32 bounded;
} Spent;

/* A state still to be expanded. */
typedef struct {
  SesWorld *world;
  gpointer monitor;
  Spent spent;
  guint depth;
  guint owner;       /* the thread that allocated it, which frees it */
  guint64 id;
} Node;

/* Parent links, one per stored state: the parent's id in the high bits and
 * the index of the choice in the parent's list (ses_world_list_choices) in
 * the low ones. */
#define CHOICE_BITS 20
#define NO_PARENT (G_MAXUINT64 >> CHOICE_BITS)

static guint64
link_pack (guint64 parent, guint choice)
{
  g_assert (choice < (1u << CHOICE_BITS) && parent <= NO_PARENT);
  return parent << CHOICE_BITS | choice;
}

/* ---- the recorded graph ------------------------------------------------ */

/* Records a state's label while the graph is small. */
static void
graph_state (SesExploreGraph *g, guint64 id, SesWorld *w)
{
  if (g == NULL)
    return;
  if (id >= g->cap)
    {
      g->truncated = TRUE;
      return;
    }
  g_assert (id == g->labels->len);
  g_ptr_array_add (g->labels, g->label (w, g->data));
}

static void
graph_edge (SesExploreGraph *g, guint64 from, guint64 to, const SesChoice *c)
{
  if (g == NULL || from >= g->cap || to >= g->cap)
    return;
  SesExploreEdge e = { from, to, *c };
  g_array_append_val (g->edges, e);
}

/* ---- expanding one state ------------------------------------------------ */

static guint64
mix (guint64 x)
{
  guint64 state = x;
  return ses_splitmix64 (&state);
}

/* The state's fingerprint: the world's (times relative to now), the
 * monitor's digest, the budgets used and, when the run ends at `until`,
 * how long it has left. Two worlds alike but for when they are would
 * otherwise be one state, though the later one's run is cut off sooner and
 * its end is judged at another point of the same history. In a class
 * budgeted per target, what each target has spent goes in too (one term
 * per target that spent any, each naming class, target and count), so
 * that "one cut of a, none of b" and "none of a, one of b" stay apart
 * although their totals agree; classes with a shared budget and searches
 * with no bounded events add nothing, so their fingerprints are as
 * before. */
static guint64
fingerprint (SesWorld *w, gconstpointer monitor, const SesMonitorClass *k,
             const Spent *spent, const SesExploreOptions *opts)
{
  guint8 name[SES_EXPLORE_TARGETS];
  for (guint t = 0; t < SES_EXPLORE_TARGETS; t++)
    name[t] = (guint8) t;
  guint64 fp = opts->canonical != NULL
      ? opts->canonical (w, monitor, (const guint8 (*)[SES_EXPLORE_TARGETS])
                                       spent->by_target, name,
                         opts->canonical_data)
      : ses_world_fingerprint (w) ^ mix (k->digest (monitor));
  for (guint i = 0; i < SES_EXPLORE_BUDGETS; i++)
    {
      fp ^= mix (((guint64) i << 32 | spent->used[i]) + 0x51ed27u);
      if (!(opts->by_target & (1u << i)))
        continue;
      for (guint t = 0; t < SES_EXPLORE_TARGETS; t++)
        if (spent->by_target[i][t] != 0)
          fp ^= mix (((guint64) (0x100 + i * SES_EXPLORE_TARGETS + name[t])
                      << 32
                      | spent->by_target[i][t]) ^ 0x7f4a7c159e3779b9u);
    }
  if (opts->bounded_event != NULL)
    fp ^= mix ((guint64) spent->bounded ^ 0xbf58476d1ce4e5b9u);
  if (opts->until != SES_TIME_NONE)
    fp ^= mix ((guint64) (opts->until - ses_world_now (w))
               ^ 0x2545f4914f6cdd1du);
  return fp;
}

static void
node_free (Node *n, const SesMonitorClass *k)
{
  if (n == NULL)
    return;
  /* The monitor hooks into its world's model: free it first. */
  if (n->monitor != NULL)
    k->free (n->monitor);
  ses_world_free (n->world);
  g_free (n);
}

typedef enum {
  EXPANDED = 0,
  END_STATE,   /* nothing left to happen before `until` */
  DEPTH_CUT,   /* not expanded: max_depth reached */
  BOUND_CUT,   /* not expanded: only events over max_bounded are due */
} Outcome;

/* One successor of an expanded state. */
typedef struct {
  SesChoice choice;
  guint index;       /* in the parent's choice list */
  guint64 fp;
  gboolean violated;
  Node *node;        /* NULL for a state stored before this slice */
} Child;

/* What expanding one state produced. Neighbouring expansions are written
 * by different threads at once, so each starts a cache line of its own and
 * keeps its children's count in place: as GArrays, their headers were
 * small allocations side by side, and every append of one thread evicted
 * the other's. */
typedef struct {
  _Alignas (64)
  Node *node;        /* freed by the expansion, except its id and depth;
                        NULL for a state waiting as its id alone, which
                        a run rebuilds */
  guint index;       /* in the slice: the order merge takes it in */
  guint owner;       /* node->owner, readable before the node is claimed */
  gint claimed;      /* set, atomically, by the thread that expands it */
  gboolean nodeless; /* node was NULL: rebuilt in its run */
  guint64 id;        /* set before the expansion when node is NULL */
  guint depth;
  Outcome outcome;
  gboolean end_violated;
  gboolean reduced;  /* only one independent event was taken */
  Child *children;   /* n_children of them, in choice order */
  guint n_children;
  guint children_cap;
} Expansion;

static void
children_add (Expansion *x, const Child *c)
{
  if (x->n_children == x->children_cap)
    {
      x->children_cap = MAX (8u, x->children_cap * 2);
      x->children = g_renew (Child, x->children, x->children_cap);
    }
  x->children[x->n_children++] = *c;
}

typedef struct {
  const SesMonitorClass *k;
  const SesExploreOptions *opts;
  const SesStateset *seen;  /* read only while expanding */
  const GArray *links;      /* (element-type guint64) read only, too */
  /* The start world and its monitor, untouched: waiting states are
   * rebuilt from copies of them. */
  const SesWorld *root;
  gconstpointer root_monitor;
  struct _Audit *audit;     /* opts->audit_depth: see "auditing merges" */
} Expander;

static gboolean
event_in_time (const SesExploreOptions *opts, const SesChoice *c)
{
  return opts->until == SES_TIME_NONE || c->event.time_us <= opts->until;
}

/* The reduction of independent events: the index in choices of an event
 * that may be taken alone, or -1 to take every choice.
 *
 * It applies only once every fault budget is used, so that no fault can
 * come between the events due now. Then, if every event due now has an
 * owner (event_owner) and one of them is the only one of its owner, it is
 * independent of all the others: they touch other owners' state, and
 * neither they nor anything they cause can touch its owner's state before
 * time moves on, since what they schedule is due later. Taking it first
 * therefore reaches, for every order of the others, a state that differs
 * from the one the full search reaches at most in the order of events due
 * at the same time, which the search tries in every order anyway: the
 * same end states and the same violations, with fewer states between.
 * Deferred events are due now, so none is postponed for ever. (An "ample
 * set" of one event, in the terms of partial-order reduction.) */
static gint
independent_event (const SesExploreOptions *opts, const guint32 *used,
                   const GArray *choices)
{
  if (opts->event_owner == NULL)
    return -1;
  /* A class's total is the sum of its per-target budgets: once it is
   * spent, no target has any left. */
  for (guint i = 0; i < SES_EXPLORE_BUDGETS; i++)
    if (used[i] < opts->budgets[i])
      return -1;
  gint owners[64];
  guint index[G_N_ELEMENTS (owners)];
  guint n = 0;
  for (guint i = 0; i < choices->len; i++)
    {
      const SesChoice *c = &g_array_index (choices, SesChoice, i);
      if (c->kind != SES_CHOICE_EVENT || !event_in_time (opts, c))
        continue;
      if (n == G_N_ELEMENTS (owners))
        return -1;
      owners[n] = opts->event_owner (&c->event, opts->data);
      /* A bounded event may not be takeable: never the one taken alone. */
      if (owners[n] < 0
          || (opts->bounded_event != NULL
              && opts->bounded_event (&c->event, opts->data)))
        return -1;
      index[n++] = i;
    }
  if (n < 2)
    return -1;
  for (guint j = 0; j < n; j++)
    {
      guint same = 0;
      for (guint l = 0; l < n; l++)
        same += owners[l] == owners[j];
      if (same == 1)
        return (gint) index[j];
    }
  return -1;
}

/* Whether choice c may be taken from a state that has spent `from`: an
 * event due before `until` (and, if bounded, under max_bounded), or a
 * fault with budget left, in its class and, if the class is budgeted per
 * target, for its target. Fills spent with what is spent after it. */
static gboolean
choice_allowed (const SesExploreOptions *opts, const Spent *from,
                const SesChoice *c, Spent *spent)
{
  *spent = *from;
  if (c->kind == SES_CHOICE_EVENT)
    {
      if (!event_in_time (opts, c))
        return FALSE;
      if (opts->bounded_event == NULL
          || !opts->bounded_event (&c->event, opts->data))
        return TRUE;
      if (spent->bounded >= opts->max_bounded)
        return FALSE;
      spent->bounded++;
      return TRUE;
    }
  /* A fault comes before a step; with budget left only. */
  gint cls = opts->fault_class != NULL
               ? opts->fault_class (&c->fault, opts->data) : -1;
  if (cls < 0 || cls >= SES_EXPLORE_BUDGETS
      || spent->used[cls] >= opts->budgets[cls])
    return FALSE;
  if (opts->by_target & (1u << cls))
    {
      guint32 t = c->fault.target;
      if (t >= SES_EXPLORE_TARGETS
          || spent->by_target[cls][t] >= opts->target_budgets[cls][t])
        return FALSE;
      spent->by_target[cls][t]++;
    }
  spent->used[cls]++;
  return TRUE;
}

/* A successor the thread copied out in this round (a slice), by
 * fingerprint: where the earliest of its copies stands in the order merge
 * takes children in. */
typedef struct {
  guint64 fp;
  guint64 at;        /* Expansion.index << 32 | index in its children */
  guint round;       /* the round it was noted in; an older one is empty */
} Sibling;

/* A thread's scratch child: a world and monitor that each successor is
 * tried on, copied into from its parent with the memory they already
 * have (ses_world_copy_into), so that a successor already seen costs no
 * allocation. Both NULL until first used. With it, the successors the
 * thread has copied out in this round (siblings), so that a successor
 * reached again within the slice is not copied out again. */
typedef struct {
  /* A cache line of its own: the threads' scratches lie side by side, and
   * each thread writes its own on every successor (n_siblings). Sharing a
   * line, every such write evicted the other thread's copy of it. */
  _Alignas (64) SesWorld *world;
  gpointer monitor;
  Sibling *siblings; /* open addressing on the fingerprint, mask + 1 */
  guint mask;
  guint n_siblings;  /* noted in this round */
  guint round;
} Scratch;

/* Starts a new round: every sibling noted before is forgotten. */
static void
siblings_reset (Scratch *s)
{
  if (s->siblings == NULL)
    {
      s->mask = 4095;
      s->siblings = g_new0 (Sibling, s->mask + 1);
    }
  /* Round 0 is never a live one: the entries of a zeroed table are
   * empty, and so are all when the count wraps. */
  if (++s->round == 0)
    {
      memset (s->siblings, 0, (s->mask + 1) * sizeof (Sibling));
      s->round = 1;
    }
  s->n_siblings = 0;
}

/* Whether a copy of the successor with fingerprint fp, at position `at`
 * of the merge order, is already out earlier in that order: TRUE when
 * this one needs no node. Otherwise notes this one as the earliest.
 * Merge stores the first copy in its order and finds every later one
 * seen, so whichever thread sees them in whichever order, the first
 * keeps its node: what is left out is never one that merge would
 * store. */
static gboolean
sibling_out (Scratch *s, guint64 fp, guint64 at)
{
  if ((s->n_siblings + 1) * 2 > s->mask + 1)
    {
      /* Grow: rehash the entries of this round. */
      guint mask = s->mask * 2 + 1;
      Sibling *bigger = g_new0 (Sibling, mask + 1);
      for (guint i = 0; i <= s->mask; i++)
        {
          Sibling *e = &s->siblings[i];
          if (e->round != s->round)
            continue;
          guint j = (guint) e->fp & mask;
          while (bigger[j].round == s->round)
            j = (j + 1) & mask;
          bigger[j] = *e;
        }
      g_free (s->siblings);
      s->siblings = bigger;
      s->mask = mask;
    }
  guint j = (guint) fp & s->mask;
  for (;; j = (j + 1) & s->mask)
    {
      Sibling *e = &s->siblings[j];
      if (e->round != s->round)
        {
          *e = (Sibling) { fp, at, s->round };
          s->n_siblings++;
          return FALSE;
        }
      if (e->fp != fp)
        continue;
      if (e->at < at)
        return TRUE;
      e->at = at;
      return FALSE;
    }
}

/* Makes the scratch a copy of n's world and monitor. */
static void
scratch_load (const SesMonitorClass *k, Scratch *s, const Node *n)
{
  /* A monitor that cannot be copied into goes before its world changes:
   * it hooks into the world's model. */
  if (k->copy_into == NULL && s->monitor != NULL)
    k->free (g_steal_pointer (&s->monitor));
  s->world = ses_world_copy_into (s->world, n->world);
  s->monitor = k->copy_into != NULL
                 ? k->copy_into (s->monitor, n->monitor, s->world)
                 : k->copy (n->monitor, s->world);
}

static void
scratch_clear (const SesMonitorClass *k, Scratch *s)
{
  if (s->monitor != NULL)
    k->free (g_steal_pointer (&s->monitor));
  g_clear_pointer (&s->world, ses_world_free);
  g_clear_pointer (&s->siblings, g_free);
}

/* ---- auditing merges ------------------------------------------------------
 * A check of the fingerprint itself (opts->audit_depth), for tests and for
 * whoever changes an encoding or a digest. The search merges a successor
 * into a stored state when their fingerprints are equal. That is exact
 * only if the two have successors whose fingerprints are equal too, and
 * so on; otherwise something the fingerprint leaves out changes what
 * follows, and which of the two the search kept (so the states it stores,
 * and in the worst case a verdict) depends on its order. The audit keeps
 * a copy of every stored state, and compares every successor found stored
 * with the kept state, audit_depth steps further. It costs a copy a state
 * and, a transition, the successors of two states that many steps deep:
 * small spaces only, one thread. */

typedef struct {
  SesWorld *world;
  gpointer monitor;
  Spent spent;
  guint64 id;
} Kept;

typedef struct _Audit {
  GHashTable *kept;        /* (guint64 *) fingerprint → (Kept *) */
  /* Successors met in the slice that stores the state they merge into:
   * compared with it once merge has stored it. */
  GHashTable *pending;     /* (guint64 *) fingerprint → (GPtrArray of
                              Kept *) */
  guint64 merges;          /* successors compared with a kept state */
  guint64 mismatches;      /* of which differed, some steps further */
  guint64 first_kept;      /* the kept state of the first mismatch */
} Audit;

static Audit *
audit_new (void)
{
  Audit *a = g_new0 (Audit, 1);
  a->kept = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free,
                                   NULL);
  a->pending = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free,
                                      (GDestroyNotify) g_ptr_array_unref);
  a->first_kept = G_MAXUINT64;
  return a;
}

static Kept *
kept_new (const SesMonitorClass *k, const SesWorld *world,
          gconstpointer monitor, const Spent *spent, guint64 id)
{
  Kept *kept = g_new (Kept, 1);
  kept->world = ses_world_copy (world);
  kept->monitor = k->copy (monitor, kept->world);
  kept->spent = *spent;
  kept->id = id;
  return kept;
}

static void
kept_free (Kept *kept, const SesMonitorClass *k)
{
  k->free (kept->monitor);
  ses_world_free (kept->world);
  g_free (kept);
}

/* Frees what was kept (in no particular order: nothing is printed or
 * chosen from it). */
static void
audit_free (Audit *a, const SesMonitorClass *k)
{
  GHashTableIter it;
  gpointer value;
  g_hash_table_iter_init (&it, a->kept);
  while (g_hash_table_iter_next (&it, NULL, &value))
    kept_free (value, k);
  g_hash_table_unref (a->kept);
  /* Met after the search stopped, before their state was stored. */
  g_hash_table_iter_init (&it, a->pending);
  while (g_hash_table_iter_next (&it, NULL, &value))
    for (guint i = 0; i < ((GPtrArray *) value)->len; i++)
      kept_free (g_ptr_array_index ((GPtrArray *) value, i), k);
  g_hash_table_unref (a->pending);
  g_free (a);
}

/* A successor met by the audit: its fingerprint (0 if it breaks an
 * invariant), and the state itself while it is to be looked into further. */
typedef struct {
  guint64 fp;              /* first: the sort key */
  SesWorld *world;
  gpointer monitor;
  Spent spent;
} Successor;

static gint
compare_successors (gconstpointer a, gconstpointer b)
{
  guint64 x = ((const Successor *) a)->fp, y = ((const Successor *) b)->fp;
  return x < y ? -1 : x > y;
}

/* The allowed successors of (world, monitor) with `spent`, sorted by
 * fingerprint; their states kept if `keep`. */
static GArray *
audit_successors (const SesMonitorClass *k, const SesExploreOptions *opts,
                  SesWorld *world, gconstpointer monitor, const Spent *spent,
                  gboolean keep)
{
  g_autoptr (GArray) choices = g_array_new (FALSE, FALSE, sizeof (SesChoice));
  ses_world_list_choices (world, choices);
  GArray *out = g_array_new (FALSE, FALSE, sizeof (Successor));
  for (guint i = 0; i < choices->len; i++)
    {
      const SesChoice *c = &g_array_index (choices, SesChoice, i);
      Successor x = { 0, NULL, NULL, { { 0 } } };
      if (!choice_allowed (opts, spent, c, &x.spent))
        continue;
      x.world = ses_world_copy (world);
      x.monitor = k->copy (monitor, x.world);
      ses_world_apply (x.world, c);
      if (!k->violated (x.monitor))
        x.fp = fingerprint (x.world, x.monitor, k, &x.spent, opts);
      if (!keep || x.fp == 0)
        {
          k->free (g_steal_pointer (&x.monitor));
          g_clear_pointer (&x.world, ses_world_free);
        }
      g_array_append_val (out, x);
    }
  g_array_sort (out, compare_successors);
  return out;
}

static void
successors_free (GArray *successors, const SesMonitorClass *k)
{
  for (guint i = 0; i < successors->len; i++)
    {
      Successor *x = &g_array_index (successors, Successor, i);
      if (x->monitor != NULL)
        k->free (x->monitor);
      ses_world_free (x->world);
    }
  g_array_unref (successors);
}

/* Whether two states with one fingerprint have successors with the same
 * fingerprints, and so on `depth` steps further (successors with one
 * fingerprint paired in sorted order). As sets, not choice for choice:
 * under the symmetry reduction, states merged are alike up to a renaming,
 * which reorders their choices. There a difference need not be a leak:
 * the canonical form (opts->canonical) may tell apart two successors
 * that are renamed twins, which only costs a merge. */
static gboolean
audit_alike (const SesMonitorClass *k, const SesExploreOptions *opts,
             SesWorld *wa, gconstpointer ma, const Spent *sa, SesWorld *wb,
             gconstpointer mb, const Spent *sb, guint depth)
{
  GArray *a = audit_successors (k, opts, wa, ma, sa, depth > 1);
  GArray *b = audit_successors (k, opts, wb, mb, sb, depth > 1);
  gboolean alike = a->len == b->len;
  for (guint i = 0; alike && i < a->len; i++)
    alike = g_array_index (a, Successor, i).fp
            == g_array_index (b, Successor, i).fp;
  for (guint i = 0; alike && depth > 1 && i < a->len; i++)
    {
      const Successor *x = &g_array_index (a, Successor, i);
      const Successor *y = &g_array_index (b, Successor, i);
      if (x->fp != 0)
        alike = audit_alike (k, opts, x->world, x->monitor, &x->spent,
                             y->world, y->monitor, &y->spent, depth - 1);
    }
  successors_free (a, k);
  successors_free (b, k);
  return alike;
}

/* Compares a successor merged into `kept` with it. */
static void
audit_compare (Audit *a, const SesMonitorClass *k,
               const SesExploreOptions *opts, const Kept *kept,
               SesWorld *world, gconstpointer monitor, const Spent *spent)
{
  a->merges++;
  if (!audit_alike (k, opts, world, monitor, spent, kept->world,
                    kept->monitor, &kept->spent, opts->audit_depth)
      && a->mismatches++ == 0)
    a->first_kept = kept->id;
}

/* A state stored (id) with fingerprint fp: kept, and compared with the
 * successors met before it was stored that merge into it. */
static void
audit_keep (Audit *a, const SesMonitorClass *k, const SesExploreOptions *opts,
            guint64 fp, const SesWorld *world, gconstpointer monitor,
            const Spent *spent, guint64 id)
{
  Kept *kept = kept_new (k, world, monitor, spent, id);
  g_hash_table_insert (a->kept, g_memdup2 (&fp, sizeof fp), kept);
  GPtrArray *early = g_hash_table_lookup (a->pending, &fp);
  if (early == NULL)
    return;
  for (guint i = 0; i < early->len; i++)
    {
      Kept *e = g_ptr_array_index (early, i);
      audit_compare (a, k, opts, kept, e->world, e->monitor, &e->spent);
      kept_free (e, k);
    }
  g_hash_table_remove (a->pending, &fp);
}

/* A successor (world, monitor) with `spent` and fingerprint fp, merged:
 * compared with the state kept for fp, or, if that is met in the same
 * slice and not stored yet, kept until it is. */
static void
audit_merge (const Expander *ex, guint64 fp, SesWorld *world,
             gconstpointer monitor, const Spent *spent)
{
  Audit *a = ex->audit;
  const Kept *kept = g_hash_table_lookup (a->kept, &fp);
  if (kept != NULL)
    {
      audit_compare (a, ex->k, ex->opts, kept, world, monitor, spent);
      return;
    }
  GPtrArray *early = g_hash_table_lookup (a->pending, &fp);
  if (early == NULL)
    {
      early = g_ptr_array_new ();
      g_hash_table_insert (a->pending, g_memdup2 (&fp, sizeof fp), early);
    }
  g_ptr_array_add (early, kept_new (ex->k, world, monitor, spent, 0));
}

/* Applies choice i of n's choices (allowed, leaving `spent` spent) to the
 * thread's scratch child, loaded from n, or, in_place, to n itself (the
 * last successor: n is not needed after it); adds the result to x. A
 * child that breaks an invariant or is new (in neither the visited set
 * nor this round's siblings) gets a node: in place, n itself (*taken set:
 * the caller must not free it); otherwise a copy out of the scratch,
 * compact (ses_world_copy packs what the step grew), the scratch staying
 * for the next successor. TRUE if the child breaks an invariant. */
static gboolean
try_choice (const Expander *ex, Node *n, const GArray *choices,
            guint i, const Spent *spent, guint self, Scratch *scratch,
            Expansion *x, gboolean in_place, gboolean *taken)
{
  const SesMonitorClass *k = ex->k;
  const SesChoice *c = &g_array_index (choices, SesChoice, i);
  SesWorld *w = n->world;
  gpointer monitor = n->monitor;
  if (!in_place)
    {
      scratch_load (k, scratch, n);
      w = scratch->world;
      monitor = scratch->monitor;
    }
  ses_world_apply (w, c);
  Child out = { *c, i, 0, k->violated (monitor), NULL };
  if (!out.violated)
    {
      out.fp = fingerprint (w, monitor, k, spent, ex->opts);
      if (ses_stateset_contains (ex->seen, out.fp)
          || sibling_out (scratch, out.fp,
                          (guint64) x->index << 32 | x->n_children))
        {
          if (ex->audit != NULL)
            audit_merge (ex, out.fp, w, monitor, spent);
          children_add (x, &out);
          return FALSE;
        }
    }
  if (in_place)
    {
      n->spent = *spent;
      n->depth++;
      n->id = 0;
      *taken = TRUE;
      out.node = n;
      children_add (x, &out);
      return out.violated;
    }
  Node *child = g_new (Node, 1);
  /* Borrowing: the world and monitor the search was given hold references
   * and outlive every node (none survives ses_explore), so the counts are
   * left alone: both threads bumping them sent one cache line back and
   * forth between the cores twice a state. */
  child->world = ses_world_copy_borrowing (scratch->world);
  child->monitor = k->copy_borrowing != NULL
                     ? k->copy_borrowing (scratch->monitor, child->world)
                     : k->copy (scratch->monitor, child->world);
  child->owner = self;
  child->spent = *spent;
  child->depth = n->depth + 1;
  child->id = 0;
  out.node = child;
  children_add (x, &out);
  return out.violated;
}

/* Expands x->node into x: lists its choices, applies each allowed one to
 * the thread's scratch child loaded from the node (the last to the node
 * itself), fingerprints the result. Children already in the visited set,
 * or copied out before in this round, are dropped at once (only their
 * fingerprint is kept, for the graph); after a violating child nothing
 * more is applied, since the search stops there.
 * Frees the node, or hands it to its last child. Safe to run on several states at once from several
 * threads: it reads the visited set and writes only x. */
static void
expand (const Expander *ex, Expansion *x, guint self, GArray *choices,
        Scratch *scratch)
{
  const SesExploreOptions *opts = ex->opts;
  const SesMonitorClass *k = ex->k;
  Node *n = x->node;
  x->id = n->id;
  x->depth = n->depth;
  x->outcome = EXPANDED;
  x->end_violated = FALSE;
  x->reduced = FALSE;
  x->n_children = 0;

  g_array_set_size (choices, 0);
  ses_world_list_choices (n->world, choices);
  gboolean taken = FALSE;
  gboolean any_event = FALSE, any_allowed = FALSE;
  Spent spent;
  for (guint i = 0; i < choices->len && !any_allowed; i++)
    {
      const SesChoice *c = &g_array_index (choices, SesChoice, i);
      if (c->kind == SES_CHOICE_EVENT && event_in_time (opts, c))
        {
          any_event = TRUE;
          any_allowed = choice_allowed (opts, &n->spent, c, &spent);
        }
    }
  if (!any_event)
    {
      /* Nothing left to happen: judge what is judged at the end. */
      x->outcome = END_STATE;
      k->finish (n->monitor);
      x->end_violated = k->violated (n->monitor);
      if (opts->end_state != NULL)
        opts->end_state (n->world, n->monitor, opts->end_state_data);
    }
  else if (opts->max_depth > 0 && n->depth >= opts->max_depth)
    x->outcome = DEPTH_CUT;
  else if (!any_allowed)
    x->outcome = BOUND_CUT; /* time cannot move on without a bounded event */
  else
    {
      gint only = independent_event (opts, n->spent.used, choices);
      x->reduced = only >= 0;
      guint from = only >= 0 ? (guint) only : 0;
      guint to = only >= 0 ? from + 1 : choices->len;
      /* The last allowed choice is applied to n itself, so nothing
       * reads n after it. */
      guint end = from;
      for (guint i = to; i > from; i--)
        if (choice_allowed (opts, &n->spent,
                            &g_array_index (choices, SesChoice, i - 1),
                            &spent))
          {
            end = i;
            break;
          }
      for (guint i = from; i < end; i++)
        if (choice_allowed (opts, &n->spent,
                            &g_array_index (choices, SesChoice, i), &spent)
            && try_choice (ex, n, choices, i, &spent, self, scratch, x,
                           i + 1 == end, &taken))
          break; /* the search stops at a violation */
    }
  if (!taken)
    node_free (n, k);
  x->node = NULL;
}

/* ---- rebuilding waiting states -------------------------------------------
 * A state that waited as its id alone is rebuilt from its parent links:
 * the choice indexes from the start to it, replayed on copies of the start
 * world and monitor, the budgets spent recounted on the way. Applying the
 * same choices to the same world gives the same world (the engine draws
 * nothing from outside it), so the state is the one stored. Each thread
 * keeps the path it replayed last, one frame a level, and a run of
 * waiting states in id order (siblings, then cousins: ids within a level
 * follow their parents' order) replays only where its path leaves the
 * previous one. A frame the next state of the run will not share is
 * given up to the level below it rather than copied. */

typedef struct {
  guint64 id;
  SesWorld *world;   /* NULL once given up to the level below */
  gpointer monitor;
  Spent spent;
} Frame;

typedef struct {
  GArray *frames;    /* (element-type Frame) frames[m]: level m; [0]: start */
  GArray *path;      /* (element-type guint64) ids, the state's first */
  GArray *next_path; /* the same for the next state of the run */
  guint64 rebuilt;   /* states rebuilt, */
  guint64 replayed;  /* choices applied to rebuild them */
} Replayer;

static void
replayer_init (Replayer *r, const Expander *ex)
{
  r->frames = g_array_new (FALSE, FALSE, sizeof (Frame));
  r->path = g_array_new (FALSE, FALSE, sizeof (guint64));
  r->next_path = g_array_new (FALSE, FALSE, sizeof (guint64));
  r->rebuilt = r->replayed = 0;
  Frame start = { 0, ses_world_copy (ex->root), NULL, { { 0 } } };
  start.monitor = ex->k->copy (ex->root_monitor, start.world);
  g_array_append_val (r->frames, start);
}

static void
frames_pop (Replayer *r, guint keep, const SesMonitorClass *k)
{
  while (r->frames->len > keep)
    {
      Frame *f = &g_array_index (r->frames, Frame, r->frames->len - 1);
      if (f->world != NULL)
        {
          k->free (f->monitor);
          ses_world_free (f->world);
        }
      g_array_set_size (r->frames, r->frames->len - 1);
    }
}

static void
replayer_clear (Replayer *r, const SesMonitorClass *k)
{
  if (r->frames == NULL)
    return;
  frames_pop (r, 0, k);
  g_array_unref (r->frames);
  g_array_unref (r->path);
  g_array_unref (r->next_path);
  r->frames = NULL;
}

/* The ids from state id up to the start (excluded), into path. */
static void
ancestry (const GArray *links, guint64 id, GArray *path)
{
  g_array_set_size (path, 0);
  for (guint64 at = id; at != 0;
       at = g_array_index (links, guint64, at) >> CHOICE_BITS)
    g_array_append_val (path, at);
}

/* Applies the choice that link names (an index in from's list of choices)
 * as the state was first reached, to from's world and monitor, or to
 * copies of them when from is still needed; fills what it spent. */
static void
replay_step (const Expander *ex, Frame *from, gboolean keep_from,
             guint64 link, GArray *choices, SesWorld **world,
             gpointer *monitor, Spent *spent)
{
  guint index = (guint) (link & ((1u << CHOICE_BITS) - 1));
  g_array_set_size (choices, 0);
  ses_world_list_choices (from->world, choices);
  g_assert (index < choices->len);
  const SesChoice *c = &g_array_index (choices, SesChoice, index);
  gboolean allowed = choice_allowed (ex->opts, &from->spent, c, spent);
  g_assert (allowed);
  if (keep_from)
    {
      *world = ses_world_copy (from->world);
      *monitor = ex->k->copy (from->monitor, *world);
    }
  else
    {
      *world = g_steal_pointer (&from->world);
      *monitor = g_steal_pointer (&from->monitor);
    }
  ses_world_apply (*world, c);
}

/* The node of state id (not the start), rebuilt; owned by thread self.
 * next: the state the thread is likely to rebuild next (G_MAXUINT64:
 * none known), whose ancestors are kept. */
static Node *
rebuild (const Expander *ex, Replayer *r, guint64 id, guint64 next,
         guint self, GArray *choices)
{
  const GArray *links = ex->links;
  ancestry (links, id, r->path);
  /* path[depth - m] is the ancestor at level m (m = depth: the state). */
  guint depth = r->path->len;
  g_assert (depth > 0);
  /* Levels below `shared` are the next state's ancestors too: those frames
   * stay; the start's always does. */
  guint shared = 1;
  if (next != G_MAXUINT64)
    {
      ancestry (links, next, r->next_path);
      guint nd = r->next_path->len;
      while (shared < depth && shared < nd
             && g_array_index (r->path, guint64, depth - shared)
                  == g_array_index (r->next_path, guint64, nd - shared))
        shared++;
    }
  /* Keep the frames of the ancestors this path shares with the last. */
  guint keep = MIN (r->frames->len, depth);
  while (keep > 1
         && (g_array_index (r->frames, Frame, keep - 1).world == NULL
             || g_array_index (r->frames, Frame, keep - 1).id
                  != g_array_index (r->path, guint64, depth - (keep - 1))))
    keep--;
  frames_pop (r, keep, ex->k);
  for (guint m = keep; m < depth; m++)
    {
      guint64 at = g_array_index (r->path, guint64, depth - m);
      Frame f = { at, NULL, NULL, { { 0 } } };
      replay_step (ex, &g_array_index (r->frames, Frame, m - 1),
                   m - 1 < shared, g_array_index (links, guint64, at),
                   choices, &f.world, &f.monitor, &f.spent);
      g_array_append_val (r->frames, f);
      r->replayed++;
    }
  Node *n = g_new (Node, 1);
  replay_step (ex, &g_array_index (r->frames, Frame, depth - 1),
               depth - 1 < shared, g_array_index (links, guint64, id),
               choices, &n->world, &n->monitor, &n->spent);
  n->depth = depth;
  n->owner = self;
  n->id = id;
  r->replayed++;
  r->rebuilt++;
  return n;
}

/* A run of waiting states, those of slice[from..to) that are nodeless,
 * all rebuilt by one thread. */
typedef struct {
  guint from, to;
  gint claimed;
} Run;

/* Rebuilds and expands a run. Each run replays from the start, so that
 * what it costs (stats->replayed) does not depend on which thread took
 * which run before. */
static void
expand_run (const Expander *ex, Expansion *slice, const Run *run,
            guint self, GArray *choices, Replayer *r, Scratch *scratch)
{
  frames_pop (r, 1, ex->k);
  for (guint i = run->from; i < run->to; i++)
    {
      if (!slice[i].nodeless)
        continue;
      guint after = i + 1;
      while (after < run->to && !slice[after].nodeless)
        after++;
      guint64 next = after < run->to ? slice[after].id : G_MAXUINT64;
      slice[i].node = rebuild (ex, r, slice[i].id, next, self, choices);
      expand (ex, &slice[i], self, choices, scratch);
    }
}

/* ---- threads ------------------------------------------------------------
 * A pool of helper threads that, with the calling thread (thread 0), work
 * through the items of a round: first freeing the nodes the last merge
 * found redundant, then rebuilding and expanding the runs of states that
 * waited without their worlds, then expanding the others. Each thread takes
 * its own items first, those whose node it allocated, then any left
 * unclaimed: memory goes back to the thread that took it, so threads do
 * not queue on each other's malloc arena locks, and a thread that runs out
 * of work takes over another's, which spreads the nodes between threads.
 * Which thread does which item does not matter to the result: each writes
 * only its own Expansion. The lock and conditions are pthread ones rather
 * than GMutex/GCond, whose futex implementation ThreadSanitizer cannot
 * follow. */
typedef struct {
  Node *node;        /* claimed by swapping in NULL */
  guint owner;
} Garbage;

typedef struct _Pool Pool;

typedef struct {
  Pool *pool;
  guint self;
} Helper;

struct _Pool {
  pthread_mutex_t lock;
  pthread_cond_t wake;
  pthread_cond_t done;
  /* Both atomic (they are polled without the lock), and written under
   * the lock too, for the threads that sleep on the conditions. */
  guint round;       /* bumped for each batch of items */
  guint busy;        /* helpers still working on the round */
  gboolean quit;
  GPtrArray *threads;
  Helper *helpers;

  const Expander *ex;
  GArray *garbage;      /* (element-type Garbage) nodes to free */
  Expansion *slice;     /* expansions to fill */
  guint n_slice;
  GArray *runs;         /* (element-type Run) of the slice's nodeless states */
  Replayer *replayers;  /* one a thread, when states may wait nodeless */
  Scratch *scratches;   /* one a thread */
};

static void
garbage_add (GArray *garbage, Node *n)
{
  if (n == NULL)
    return;
  Garbage g = { n, n->owner };
  g_array_append_val (garbage, g);
}

/* States a thread has claimed and not yet expanded, in slice order: a
 * state is claimed a few expansions before its turn, so that its node,
 * cold from its wait in the frontier, is loaded meanwhile, in stages,
 * since each part is found through the one before: the node when it is
 * claimed, its world and monitor one expansion later, the world's parts
 * one more later, then it is expanded. Claimed states are this thread's
 * alone, so reading their nodes early is safe. */
#define AHEAD 4

typedef struct {
  Expansion *x[AHEAD];
  guint n;
} Ahead;

/* Expands the oldest claimed state, after moving the others on a stage. */
static void
ahead_expand (Pool *p, Ahead *a, guint self, GArray *choices)
{
  Expansion *x = a->x[0];
  a->n--;
  memmove (a->x, a->x + 1, a->n * sizeof a->x[0]);
  if (a->n > 0)
    ses_world_prefetch (a->x[0]->node->world);
  if (a->n > 1)
    {
      const Node *n = a->x[1]->node;
      ses_block_prefetch (n->world, 320);
      ses_block_prefetch (n->monitor, 1024);
    }
  expand (p->ex, x, self, choices, &p->scratches[self]);
}

static void
ahead_claim (Pool *p, Ahead *a, Expansion *x, guint self, GArray *choices)
{
  __builtin_prefetch (x->node);
  a->x[a->n++] = x;
  if (a->n == AHEAD)
    ahead_expand (p, a, self, choices);
}

static void
pool_work (Pool *p, guint self, GArray *choices)
{
  siblings_reset (&p->scratches[self]);
  for (guint i = 0; i < p->runs->len; i++)
    {
      Run *run = &g_array_index (p->runs, Run, i);
      if (!g_atomic_int_compare_and_exchange (&run->claimed, 0, 1))
        continue;
      expand_run (p->ex, p->slice, run, self, choices, &p->replayers[self],
                  &p->scratches[self]);
    }
  for (int anyone = 0; anyone < 2; anyone++)
    {
      for (guint i = 0; i < p->garbage->len; i++)
        {
          Garbage *g = &g_array_index (p->garbage, Garbage, i);
          Node *n = g_atomic_pointer_get (&g->node);
          if (n != NULL && (anyone || g->owner == self)
              && g_atomic_pointer_compare_and_exchange (&g->node, n, NULL))
            node_free (n, p->ex->k);
        }
      Ahead ahead = { { NULL }, 0 };
      for (guint i = 0; i < p->n_slice; i++)
        {
          Expansion *x = &p->slice[i];
          if ((anyone || x->owner == self)
              && g_atomic_int_compare_and_exchange (&x->claimed, 0, 1))
            ahead_claim (p, &ahead, x, self, choices);
        }
      while (ahead.n > 0)
        ahead_expand (p, &ahead, self, choices);
    }
}

/* How long a thread waiting for the next round (or for the last helper)
 * polls before it sleeps on the condition variable: about the time one
 * merge takes. Between two slices a helper otherwise slept and was woken
 * by the kernel a thousand times a second; polling first took 2-4 % off
 * the wall time of --jobs 2 (bench/README.md), for a little more CPU. */
#define SPINS 20000

static inline void
cpu_relax (void)
{
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause ();
#elif defined(__aarch64__)
  __asm__ volatile ("yield");
#endif
}

static void
spin_while_equal (guint *value, guint old)
{
  for (guint i = 0; i < SPINS && (guint) g_atomic_int_get (value) == old; i++)
    cpu_relax ();
}

static void
spin_while_nonzero (guint *value)
{
  for (guint i = 0; i < SPINS && g_atomic_int_get (value) != 0; i++)
    cpu_relax ();
}

static gpointer
pool_thread (gpointer data)
{
  Helper *h = data;
  Pool *p = h->pool;
  g_autoptr (GArray) choices = g_array_new (FALSE, FALSE, sizeof (SesChoice));
  guint seen_round = 0;
  for (;;)
    {
      spin_while_equal (&p->round, seen_round);
      pthread_mutex_lock (&p->lock);
      while (!p->quit && (guint) g_atomic_int_get (&p->round) == seen_round)
        pthread_cond_wait (&p->wake, &p->lock);
      if (p->quit)
        break;
      seen_round = (guint) g_atomic_int_get (&p->round);
      pthread_mutex_unlock (&p->lock);
      pool_work (p, h->self, choices);
      pthread_mutex_lock (&p->lock);
      if (g_atomic_int_dec_and_test (&p->busy))
        pthread_cond_signal (&p->done);
      pthread_mutex_unlock (&p->lock);
    }
  pthread_mutex_unlock (&p->lock);
  return NULL;
}

static void
pool_init (Pool *p, guint jobs, const Expander *ex)
{
  memset (p, 0, sizeof *p);
  pthread_mutex_init (&p->lock, NULL);
  pthread_cond_init (&p->wake, NULL);
  pthread_cond_init (&p->done, NULL);
  p->ex = ex;
  p->garbage = g_array_new (FALSE, FALSE, sizeof (Garbage));
  p->runs = g_array_new (FALSE, FALSE, sizeof (Run));
  p->replayers = g_new0 (Replayer, jobs);
  p->scratches = g_aligned_alloc0 (jobs, sizeof (Scratch), 64);
  /* Each thread's own copy of the start, made here by one thread. */
  if (ex->opts->frontier_worlds != 0 && !ex->opts->depth_first)
    for (guint i = 0; i < jobs; i++)
      replayer_init (&p->replayers[i], ex);
  p->threads = g_ptr_array_new ();
  p->helpers = g_new (Helper, jobs);
  for (guint i = 1; i < jobs; i++)
    {
      p->helpers[i] = (Helper) { p, i };
      g_ptr_array_add (p->threads, g_thread_new ("sessim-explore",
                                                 pool_thread, &p->helpers[i]));
    }
}

/* Nodeless states of a slice are rebuilt in runs of those among RUN
 * consecutive states: long enough to share the replay of their
 * ancestors, short enough that every thread gets some; the same runs
 * whatever the number of threads. */
#define RUN 256

/* Frees p->garbage and fills slice[0..n) (whose nodes are set, or ids
 * where they are NULL), using every thread; returns when all is done. */
static void
pool_run (Pool *p, Expansion *slice, guint n, GArray *choices)
{
  p->slice = slice;
  p->n_slice = n;
  g_array_set_size (p->runs, 0);
  for (guint i = 0; i < n; i++)
    {
      slice[i].index = i;
      slice[i].claimed = 0;
      slice[i].nodeless = slice[i].node == NULL;
      if (slice[i].node != NULL)
        {
          slice[i].owner = slice[i].node->owner;
          continue;
        }
      /* Claimed with its run, not on its own. */
      slice[i].claimed = 1;
      slice[i].owner = 0;
      Run *last = p->runs->len > 0
          ? &g_array_index (p->runs, Run, p->runs->len - 1) : NULL;
      if (last != NULL && last->from / RUN == i / RUN)
        last->to = i + 1;
      else
        {
          Run run = { i, i + 1, 0 };
          g_array_append_val (p->runs, run);
        }
    }
  pthread_mutex_lock (&p->lock);
  g_atomic_int_set (&p->busy, p->threads->len);
  g_atomic_int_inc (&p->round);
  pthread_cond_broadcast (&p->wake);
  pthread_mutex_unlock (&p->lock);
  pool_work (p, 0, choices);
  spin_while_nonzero (&p->busy);
  pthread_mutex_lock (&p->lock);
  while (g_atomic_int_get (&p->busy) > 0)
    pthread_cond_wait (&p->done, &p->lock);
  pthread_mutex_unlock (&p->lock);
  g_array_set_size (p->garbage, 0);
}

/* Stops the threads, frees what is left and adds the replayers' figures
 * to stats. */
static void
pool_clear (Pool *p, SesExploreStats *stats)
{
  pthread_mutex_lock (&p->lock);
  p->quit = TRUE;
  pthread_cond_broadcast (&p->wake);
  pthread_mutex_unlock (&p->lock);
  for (guint i = 0; i < p->threads->len; i++)
    g_thread_join (g_ptr_array_index (p->threads, i));
  for (guint i = 0; i <= p->threads->len; i++)
    {
      stats->rebuilt += p->replayers[i].rebuilt;
      stats->replayed += p->replayers[i].replayed;
      replayer_clear (&p->replayers[i], p->ex->k);
      scratch_clear (p->ex->k, &p->scratches[i]);
    }
  g_free (p->replayers);
  g_aligned_free (p->scratches);
  g_ptr_array_unref (p->threads);
  g_array_unref (p->runs);
  g_free (p->helpers);
  for (guint i = 0; i < p->garbage->len; i++)
    node_free (g_array_index (p->garbage, Garbage, i).node, p->ex->k);
  g_array_unref (p->garbage);
  pthread_mutex_destroy (&p->lock);
  pthread_cond_destroy (&p->wake);
  pthread_cond_destroy (&p->done);
}

/* ---- the search --------------------------------------------------------- */

/* A state waiting to be expanded: its node, or its id alone (breadth
 * first, past opts->frontier_worlds), to be rebuilt. */
typedef struct {
  Node *node;
  guint64 id;
} Waiting;

typedef struct {
  const SesExploreOptions *opts;
  const SesMonitorClass *k;
  SesExploreStats *stats;
  SesStateset *seen;
  GArray *links;          /* (element-type guint64) per state id */
  guint64 with_worlds;    /* waiting states that keep their node */
  GHashTable *graph_ids;  /* fingerprint → id + 1, for recorded states */
  guint64 violating_id;   /* G_MAXUINT64 while none */
  gboolean stop;
  Audit *audit;           /* opts->audit_depth */
} Search;

static guint64
graph_lookup (Search *s, guint64 fp)
{
  gpointer v = g_hash_table_lookup (s->graph_ids, &fp);
  return v != NULL ? GPOINTER_TO_SIZE (v) - 1 : G_MAXUINT64;
}

/* Stores a new state: its link, and, while the graph is recorded, its id. */
static guint64
store (Search *s, const Expansion *x, const Child *c, SesWorld *w)
{
  guint64 id = s->links->len;
  guint64 link = link_pack (x->id, c->index);
  g_array_append_val (s->links, link);
  SesExploreGraph *g = s->opts->graph;
  if (g != NULL)
    {
      if (id < g->cap && !c->violated)
        g_hash_table_insert (s->graph_ids, g_memdup2 (&c->fp, sizeof c->fp),
                             GSIZE_TO_POINTER (id + 1));
      graph_state (g, id, w);
      graph_edge (g, x->id, id, &c->choice);
    }
  return id;
}

/* Takes in one expansion, as a single thread exploring in order would:
 * counts, stores new states (appended to out, to be expanded later, with
 * their node while fewer than frontier_worlds wait with theirs), and
 * stops at the first violation, at max_states or when the visited set is
 * full. Redundant child nodes go to garbage. */
static void
merge (Search *s, Expansion *x, GArray *out, GArray *garbage)
{
  SesExploreStats *st = s->stats;
  const SesExploreOptions *opts = s->opts;
  if (s->stop)
    {
      /* A single thread would not have come this far. */
      for (guint i = 0; i < x->n_children; i++)
        garbage_add (garbage, x->children[i].node);
      return;
    }
  st->max_depth = MAX (st->max_depth, x->depth);
  if (x->outcome == END_STATE)
    {
      st->end_states++;
      if (x->end_violated)
        {
          st->violation = TRUE;
          s->violating_id = x->id;
          s->stop = TRUE;
        }
      return;
    }
  if (x->outcome == DEPTH_CUT)
    {
      st->complete = FALSE;
      return;
    }
  if (x->outcome == BOUND_CUT)
    {
      st->bound_cut++;
      return;
    }
  st->reduced += x->reduced;
  for (guint i = 0; i < x->n_children; i++)
    {
      Child *c = &x->children[i];
      if (s->stop)
        {
          garbage_add (garbage, c->node);
          continue;
        }
      st->transitions++;
      if (c->violated)
        {
          st->violation = TRUE;
          s->violating_id = store (s, x, c, c->node->world);
          s->stop = TRUE;
          garbage_add (garbage, c->node);
          continue;
        }
      SesStatesetAdd added = c->node == NULL ? SES_STATESET_SEEN
                             : ses_stateset_add (s->seen, c->fp);
      if (added == SES_STATESET_FULL)
        {
          /* Unexplored, and not a duplicate: the search is cut here. */
          st->complete = FALSE;
          st->storage_full = TRUE;
          s->stop = TRUE;
          garbage_add (garbage, c->node);
          continue;
        }
      if (added == SES_STATESET_SEEN)
        {
          if (opts->graph != NULL)
            graph_edge (opts->graph, x->id, graph_lookup (s, c->fp),
                        &c->choice);
          if (c->node != NULL)
            garbage_add (garbage, c->node);
          continue;
        }
      c->node->id = store (s, x, c, c->node->world);
      st->states++;
      if (s->audit != NULL)
        audit_keep (s->audit, s->k, opts, c->fp, c->node->world,
                    c->node->monitor, &c->node->spent, c->node->id);
      Waiting w = { c->node, c->node->id };
      if (opts->depth_first || opts->frontier_worlds == 0
          || s->with_worlds < opts->frontier_worlds)
        s->with_worlds++;
      else
        {
          garbage_add (garbage, c->node);
          w.node = NULL;
        }
      g_array_append_val (out, w);
      if (opts->max_states > 0 && st->states >= opts->max_states)
        {
          st->complete = FALSE;
          s->stop = TRUE;
        }
      if (opts->progress != NULL && (st->transitions & 0xffff) == 0)
        opts->progress (st, opts->data);
    }
}

/* The choices from the start to state id: its links give the index of each
 * choice in its parent's list, which replaying from the start turns back
 * into choices. */
static void
rebuild_path (const SesWorld *start, const GArray *links, guint64 id,
              GArray *trail)
{
  g_autoptr (GArray) back = g_array_new (FALSE, FALSE, sizeof (guint));
  for (guint64 at = id; at != 0;)
    {
      guint64 link = g_array_index (links, guint64, at);
      guint index = (guint) (link & ((1u << CHOICE_BITS) - 1));
      g_array_append_val (back, index);
      at = link >> CHOICE_BITS;
    }
  g_autoptr (SesWorld) w = ses_world_copy (start);
  g_autoptr (GArray) choices = g_array_new (FALSE, FALSE, sizeof (SesChoice));
  for (guint i = back->len; i-- > 0;)
    {
      g_array_set_size (choices, 0);
      ses_world_list_choices (w, choices);
      guint index = g_array_index (back, guint, i);
      g_assert (index < choices->len);
      SesChoice c = g_array_index (choices, SesChoice, index);
      ses_world_apply (w, &c);
      g_array_append_val (trail, c);
    }
}

gint
ses_choice_find (const GArray *choices, const SesChoice *want)
{
  for (guint i = 0; i < choices->len; i++)
    {
      const SesChoice *c = &g_array_index (choices, SesChoice, i);
      if (c->kind != want->kind)
        continue;
      if (c->kind == SES_CHOICE_EVENT ? c->event.seq == want->event.seq
                                      : (c->fault.kind == want->fault.kind
                                         && c->fault.target
                                              == want->fault.target))
        return (gint) i;
    }
  return -1;
}

/* States expanded per merge: enough to keep every thread busy between two
 * merges, few enough that the redundant copies waiting in a slice stay a
 * small part of memory. */
#define SLICE 1024

/* Depth first, states taken off the top of the stack at a time: with
 * more than one they can be expanded on several threads, and as the
 * count does not depend on the threads, nor does the search. A stack of
 * such batches goes as deep as one of single states, holding up to this
 * many times their children: a few MiB. At M=3 K=2 of the SPIN
 * counterpart, one thread takes the same time with 1, 16 or 64, a little
 * more with 256; two threads gain as much with 64 as with 256 or 1 024
 * (bench/README.md). */
#define DFS_BATCH 64

void
ses_explore (const SesWorld *world, gconstpointer monitor,
             const SesMonitorClass *k, const SesExploreOptions *opts,
             SesExploreStats *stats, GArray *trail)
{
  memset (stats, 0, sizeof *stats);
  /* The audit compares merges as they are met: one thread. */
  g_return_if_fail (opts->audit_depth == 0 || opts->jobs <= 1);
  stats->complete = TRUE;
  stats->first_mismatch = G_MAXUINT64;
  Search s = { opts, k, stats };
  guint bits = opts->storage_bits != 0
                 ? opts->storage_bits
                 : ses_stateset_default_bits (opts->storage, opts->max_states);
  s.seen = ses_stateset_new (opts->storage, bits, opts->storage_hashes);
  g_assert (s.seen != NULL);
  s.links = g_array_new (FALSE, FALSE, sizeof (guint64));
  s.violating_id = G_MAXUINT64;
  if (opts->graph != NULL)
    s.graph_ids = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free,
                                         NULL);

  Node *root = g_new0 (Node, 1);
  root->world = ses_world_copy (world);
  root->monitor = k->copy (monitor, root->world);
  guint64 root_link = NO_PARENT << CHOICE_BITS;
  g_array_append_val (s.links, root_link);
  guint64 root_fp = fingerprint (root->world, root->monitor, k, &root->spent,
                                 opts);
  ses_stateset_add (s.seen, root_fp);
  if (opts->audit_depth > 0)
    {
      s.audit = audit_new ();
      audit_keep (s.audit, k, opts, root_fp, root->world, root->monitor,
                  &root->spent, 0);
    }
  if (opts->graph != NULL)
    g_hash_table_insert (s.graph_ids, g_memdup2 (&root_fp, sizeof root_fp),
                         GSIZE_TO_POINTER (1));
  graph_state (opts->graph, 0, root->world);
  stats->states = 1;

  /* The start as the replay of waiting states begins from it: a copy
   * taken before anything ran on the root. */
  g_autoptr (SesWorld) start = ses_world_copy (world);
  gpointer start_monitor = k->copy (monitor, start);
  Expander ex = { k, opts, s.seen, s.links, start, start_monitor, s.audit };
  guint jobs = MAX (opts->jobs, 1);
  Pool pool;
  pool_init (&pool, jobs, &ex);
  g_autoptr (GArray) choices = g_array_new (FALSE, FALSE, sizeof (SesChoice));
  guint width = opts->depth_first ? DFS_BATCH : SLICE;
  Expansion *slice = g_aligned_alloc0 (width, sizeof (Expansion), 64);

  /* Breadth first: `todo` is the current level, expanded in slices from
   * `at`; new states go to `next`. Depth first: `todo` is a stack, its
   * top DFS_BATCH states are the slice (in stack order, so that the
   * top's children, merged last, go on top), and new states go back
   * onto it. */
  GArray *todo = g_array_new (FALSE, FALSE, sizeof (Waiting));
  GArray *next = opts->depth_first ? todo
                                   : g_array_new (FALSE, FALSE,
                                                  sizeof (Waiting));
  Waiting first = { root, 0 };
  g_array_append_val (todo, first);
  s.with_worlds = 1;
  guint at = 0;
  guint expanded = 0;   /* since keep_going was last asked */
  while (!s.stop)
    {
      guint n = 0;
      if (opts->depth_first)
        {
          if (todo->len == 0)
            break;
          n = MIN (width, todo->len);
          for (guint i = 0; i < n; i++)
            slice[i].node = g_array_index (todo, Waiting,
                                           todo->len - n + i).node;
          g_array_set_size (todo, todo->len - n);
          s.with_worlds -= n;
        }
      else
        {
          if (at == todo->len)
            {
              if (next->len == 0)
                break;
              GArray *swap = todo;
              todo = next;
              next = swap;
              g_array_set_size (next, 0);
              at = 0;
            }
          while (n < width && at < todo->len)
            {
              Waiting *w = &g_array_index (todo, Waiting, at);
              slice[n].node = w->node;
              slice[n].id = w->id;
              n++;
              if (w->node != NULL)
                s.with_worlds--;
              w->node = NULL;
              at++;
            }
        }
      pool_run (&pool, slice, n, choices);
      for (guint i = 0; i < n; i++)
        merge (&s, &slice[i], next, pool.garbage);
      expanded += n;
      if (opts->cancel != NULL && *opts->cancel && !s.stop)
        {
          stats->complete = FALSE;
          stats->cancelled = TRUE;
          s.stop = TRUE;
        }
      if (opts->keep_going != NULL && expanded >= SLICE && !s.stop)
        {
          expanded = 0;
          if (!opts->keep_going (stats, opts->data))
            {
              stats->complete = FALSE;
              stats->stopped = TRUE;
              s.stop = TRUE;
            }
        }
      guint64 waiting = (guint64) (todo->len - at)
                        + (opts->depth_first ? 0 : next->len);
      stats->peak_frontier = MAX (stats->peak_frontier, waiting);
      stats->frontier = waiting;
    }
  if (s.violating_id != G_MAXUINT64)
    rebuild_path (world, s.links, s.violating_id, trail);

  /* Whatever was still waiting to be expanded (depth first, `at` stays
   * 0 and `next` is `todo`). */
  stats->frontier = (todo->len - at) + (next != todo ? next->len : 0);
  for (guint i = at; i < todo->len; i++)
    garbage_add (pool.garbage, g_array_index (todo, Waiting, i).node);
  for (guint i = 0; next != todo && i < next->len; i++)
    garbage_add (pool.garbage, g_array_index (next, Waiting, i).node);
  if (!stats->violation && stats->frontier > 0)
    stats->complete = FALSE;
  stats->storage = ses_stateset_mode (s.seen);
  stats->storage_bits = ses_stateset_bits (s.seen);
  stats->storage_hashes = ses_stateset_hashes (s.seen);
  stats->storage_bytes = ses_stateset_bytes (s.seen);
  stats->storage_fill = ses_stateset_fill (s.seen);
  stats->miss_probability = ses_stateset_miss_probability (s.seen);
  stats->stored_bytes = stats->storage_bytes
                        + s.links->len * sizeof (guint64);
  pool_clear (&pool, stats);
  k->free (start_monitor);
  if (s.audit != NULL)
    {
      stats->merges_audited = s.audit->merges;
      stats->merge_mismatches = s.audit->mismatches;
      stats->first_mismatch = s.audit->first_kept;
      audit_free (s.audit, k);
    }

  for (guint i = 0; i < width; i++)
    g_free (slice[i].children);
  g_aligned_free (slice);
  if (next != todo)
    g_array_unref (next);
  g_array_unref (todo);
  g_array_unref (s.links);
  if (s.graph_ids != NULL)
    g_hash_table_unref (s.graph_ids);
  ses_stateset_free (s.seen);
}
