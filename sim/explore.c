/* Breadth- or depth-first exploration of a world's choices. Invariant: a
 * state is expanded at most once (by fingerprint), and every stored state
 * records the choice that reached it and its parent, so the path to any of
 * them can be rebuilt. Budgets used are part of a state: the same world
 * with more faults left is a different state. */
#include "explore.h"

#include <string.h>

typedef struct {
  SesWorld *world;
  gpointer monitor;
  guint32 used[SES_EXPLORE_BUDGETS];
  guint depth;
  guint64 id;       /* index in the parent table */
} Node;

typedef struct {
  guint64 parent;   /* G_MAXUINT64 for the start */
  SesChoice choice;
} Parent;

/* An open-addressing map from 64-bit fingerprint to state id (fingerprint
 * 0 stands in for "empty", so a fingerprint of 0 is stored as 1). */
typedef struct {
  guint64 fp;
  guint64 id;
} Slot;

typedef struct {
  Slot *slots;
  guint64 mask;
  guint64 count;
} FingerprintSet;

static void
set_init (FingerprintSet *s)
{
  s->mask = (1u << 16) - 1;
  s->slots = g_new0 (Slot, s->mask + 1);
  s->count = 0;
}

static gboolean set_add (FingerprintSet *s, guint64 fp, guint64 id,
                         guint64 *found);

static void
set_grow (FingerprintSet *s)
{
  FingerprintSet bigger = { g_new0 (Slot, (s->mask + 1) * 2),
                            (s->mask + 1) * 2 - 1, 0 };
  for (guint64 i = 0; i <= s->mask; i++)
    if (s->slots[i].fp != 0)
      set_add (&bigger, s->slots[i].fp, s->slots[i].id, NULL);
  g_free (s->slots);
  *s = bigger;
}

/* TRUE if fp was not there yet (then it maps to id); otherwise *found gets
 * the id it maps to. */
static gboolean
set_add (FingerprintSet *s, guint64 fp, guint64 id, guint64 *found)
{
  if (fp == 0)
    fp = 1;
  if ((s->count + 1) * 4 > (s->mask + 1) * 3)
    set_grow (s);
  for (guint64 i = fp & s->mask;; i = (i + 1) & s->mask)
    {
      if (s->slots[i].fp == fp)
        {
          if (found != NULL)
            *found = s->slots[i].id;
          return FALSE;
        }
      if (s->slots[i].fp == 0)
        {
          s->slots[i].fp = fp;
          s->slots[i].id = id;
          s->count++;
          return TRUE;
        }
    }
}

/* Records a state's label and a transition while the graph is small. */
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

static guint64
mix (guint64 x)
{
  guint64 state = x;
  return ses_splitmix64 (&state);
}

static guint64
fingerprint (SesWorld *w, gconstpointer monitor, const SesMonitorClass *k,
             const guint32 *used)
{
  guint64 fp = ses_world_fingerprint (w) ^ mix (k->digest (monitor));
  for (guint i = 0; i < SES_EXPLORE_BUDGETS; i++)
    fp ^= mix (((guint64) i << 32 | used[i]) + 0x51ed27u);
  return fp;
}

static void
node_free (Node *n, const SesMonitorClass *k)
{
  /* The monitor hooks into its world's model: free it first. */
  k->free (n->monitor);
  ses_world_free (n->world);
  g_free (n);
}

static void
rebuild_path (const GArray *parents, guint64 id, GArray *trail)
{
  g_autoptr (GArray) back = g_array_new (FALSE, FALSE, sizeof (SesChoice));
  while (id != G_MAXUINT64)
    {
      const Parent *p = &g_array_index (parents, Parent, id);
      if (p->parent != G_MAXUINT64)
        g_array_append_val (back, p->choice);
      id = p->parent;
    }
  for (guint i = back->len; i-- > 0;)
    g_array_append_val (trail, g_array_index (back, SesChoice, i));
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

void
ses_explore (const SesWorld *world, gconstpointer monitor,
             const SesMonitorClass *k, const SesExploreOptions *opts,
             SesExploreStats *stats, GArray *trail)
{
  memset (stats, 0, sizeof *stats);
  stats->complete = TRUE;
  FingerprintSet seen;
  set_init (&seen);
  g_autoptr (GArray) parents = g_array_new (FALSE, FALSE, sizeof (Parent));
  g_autoptr (GArray) choices = g_array_new (FALSE, FALSE, sizeof (SesChoice));
  GQueue frontier = G_QUEUE_INIT;

  Node *root = g_new0 (Node, 1);
  root->world = ses_world_copy (world);
  root->monitor = k->copy (monitor, root->world);
  Parent start = { G_MAXUINT64, { 0 } };
  g_array_append_val (parents, start);
  set_add (&seen, fingerprint (root->world, root->monitor, k, root->used), 0,
           NULL);
  graph_state (opts->graph, 0, root->world);
  stats->states = 1;
  g_queue_push_tail (&frontier, root);

  gboolean stop = FALSE;
  while (!stop && !g_queue_is_empty (&frontier))
    {
      Node *n = opts->depth_first ? g_queue_pop_tail (&frontier)
                                  : g_queue_pop_head (&frontier);
      stats->max_depth = MAX (stats->max_depth, n->depth);
      g_array_set_size (choices, 0);
      ses_world_list_choices (n->world, choices);
      guint events = 0;
      for (guint i = 0; i < choices->len; i++)
        {
          const SesChoice *c = &g_array_index (choices, SesChoice, i);
          if (c->kind == SES_CHOICE_EVENT
              && (opts->until == SES_TIME_NONE || c->event.time_us <= opts->until))
            events++;
        }
      if (events == 0)
        {
          /* Nothing left to happen: judge what is judged at the end. */
          stats->end_states++;
          k->finish (n->monitor);
          if (k->violated (n->monitor))
            {
              stats->violation = TRUE;
              rebuild_path (parents, n->id, trail);
              stop = TRUE;
            }
          node_free (n, k);
          continue;
        }
      if (opts->max_depth > 0 && n->depth >= opts->max_depth)
        {
          stats->complete = FALSE;
          node_free (n, k);
          continue;
        }
      for (guint i = 0; i < choices->len && !stop; i++)
        {
          const SesChoice *c = &g_array_index (choices, SesChoice, i);
          guint32 used[SES_EXPLORE_BUDGETS];
          memcpy (used, n->used, sizeof used);
          if (c->kind == SES_CHOICE_EVENT)
            {
              if (opts->until != SES_TIME_NONE && c->event.time_us > opts->until)
                continue;
            }
          else
            {
              /* A fault comes before a step; with budget left only. */
              gint cls = opts->fault_class != NULL
                           ? opts->fault_class (&c->fault, opts->data) : -1;
              if (cls < 0 || cls >= SES_EXPLORE_BUDGETS
                  || used[cls] >= opts->budgets[cls])
                continue;
              used[cls]++;
            }
          SesWorld *w = ses_world_copy (n->world);
          gpointer m = k->copy (n->monitor, w);
          ses_world_apply (w, c);
          stats->transitions++;
          Parent p = { n->id, *c };
          g_array_append_val (parents, p);
          guint64 id = parents->len - 1;
          if (k->violated (m))
            {
              stats->violation = TRUE;
              graph_state (opts->graph, id, w);
              graph_edge (opts->graph, n->id, id, c);
              rebuild_path (parents, id, trail);
              k->free (m);
              ses_world_free (w);
              stop = TRUE;
              break;
            }
          guint64 known;
          if (!set_add (&seen, fingerprint (w, m, k, used), id, &known))
            {
              graph_edge (opts->graph, n->id, known, c);
              g_array_set_size (parents, parents->len - 1);
              k->free (m);
              ses_world_free (w);
              continue;
            }
          graph_state (opts->graph, id, w);
          graph_edge (opts->graph, n->id, id, c);
          stats->states++;
          Node *child = g_new0 (Node, 1);
          child->world = w;
          child->monitor = m;
          memcpy (child->used, used, sizeof used);
          child->depth = n->depth + 1;
          child->id = id;
          g_queue_push_tail (&frontier, child);
          if (opts->max_states > 0 && stats->states >= opts->max_states)
            {
              stats->complete = FALSE;
              stop = TRUE;
            }
          if (opts->progress != NULL && (stats->transitions & 0xffff) == 0)
            {
              stats->frontier = frontier.length;
              opts->progress (stats, opts->data);
            }
        }
      node_free (n, k);
    }
  stats->frontier = frontier.length;
  if (!stats->violation && !g_queue_is_empty (&frontier))
    stats->complete = FALSE;
  Node *left;
  while ((left = g_queue_pop_head (&frontier)) != NULL)
    node_free (left, k);
  g_free (seen.slots);
}
