/* ddmin over a counterexample's choices, with lenient replay. Invariant: a
 * candidate is kept only if its lenient replay shows the same verdict in
 * no more choices than the best so far, so the kept trail never grows and
 * is always a sequence that was really applied (strictly replayable). */
#include "shrink.h"

#include <string.h>

static gboolean
same_signature (const SesEvent *a, const SesEvent *b)
{
  return a->kind == b->kind && a->target == b->target && a->arg == b->arg;
}

/* The enabled choice (index in choices) that stands for want, -1 if none;
 * *wait is set when want is an event whose time has not come. */
static gint
match (const GArray *choices, const GArray *events, const SesChoice *want,
       const guint32 *used, const SesShrinkOptions *o, gboolean *wait)
{
  *wait = FALSE;
  if (want->kind == SES_CHOICE_FAULT)
    {
      for (guint i = 0; i < choices->len; i++)
        {
          const SesChoice *c = &g_array_index (choices, SesChoice, i);
          if (c->kind != SES_CHOICE_FAULT || c->fault.kind != want->fault.kind
              || c->fault.target != want->fault.target)
            continue;
          gint cls = o->fault_class != NULL
                       ? o->fault_class (&c->fault, o->data) : -1;
          if (cls < 0 || cls >= SES_EXPLORE_BUDGETS
              || used[cls] >= o->budgets[cls])
            return -1;
          return (gint) i;
        }
      return -1;
    }
  if (events->len == 0)
    return -1;
  SesTime due = g_array_index (choices, SesChoice,
                               g_array_index (events, guint, 0)).event.time_us;
  if (want->event.time_us > due)
    {
      *wait = TRUE;
      return -1;
    }
  /* Same time first: the event meant; an earlier one that moved later
   * (a dropped fault delayed it) still counts. */
  for (guint j = 0; j < events->len; j++)
    {
      guint i = g_array_index (events, guint, j);
      const SesChoice *c = &g_array_index (choices, SesChoice, i);
      if (same_signature (&c->event, &want->event))
        return (gint) i;
    }
  return -1;
}

/* Lenient replay; gives up (verdict 0) once more than `limit` choices
 * have been applied, since such a candidate would not be kept. */
static guint
replay (const SesWorld *world, gconstpointer monitor, const SesMonitorClass *k,
        const SesShrinkOptions *o, const GArray *wanted, GArray *applied,
        guint limit)
{
  g_array_set_size (applied, 0);
  SesWorld *w = ses_world_copy (world);
  gpointer m = k->copy (monitor, w);
  guint32 used[SES_EXPLORE_BUDGETS] = { 0 };
  g_autoptr (GArray) choices = g_array_new (FALSE, FALSE, sizeof (SesChoice));
  g_autoptr (GArray) events = g_array_new (FALSE, FALSE, sizeof (guint));
  guint next = 0;
  guint verdict = 0;
  for (;;)
    {
      g_array_set_size (choices, 0);
      g_array_set_size (events, 0);
      ses_world_list_choices (w, choices);
      for (guint i = 0; i < choices->len; i++)
        {
          const SesChoice *c = &g_array_index (choices, SesChoice, i);
          if (c->kind == SES_CHOICE_EVENT
              && (o->until == SES_TIME_NONE || c->event.time_us <= o->until))
            g_array_append_val (events, i);
        }
      if (events->len == 0)
        {
          k->finish (m);
          verdict = o->verdict (m, o->verdict_data);
          break;
        }
      if (applied->len >= limit
          || (o->max_depth > 0 && applied->len >= o->max_depth))
        break;
      gint pick = -1;
      while (pick < 0 && next < wanted->len)
        {
          gboolean wait;
          const SesChoice *want = &g_array_index (wanted, SesChoice, next);
          pick = match (choices, events, want, used, o, &wait);
          if (wait)
            break;
          next++; /* taken, or no longer possible: skipped */
        }
      if (pick < 0)
        pick = (gint) ses_choices_scheduled_first (choices, events);
      const SesChoice *c = &g_array_index (choices, SesChoice, pick);
      if (c->kind == SES_CHOICE_FAULT)
        used[o->fault_class (&c->fault, o->data)]++;
      g_array_append_val (applied, *c);
      ses_world_apply (w, c);
      if (k->violated (m))
        {
          verdict = o->verdict (m, o->verdict_data);
          break;
        }
    }
  /* The monitor hooks into its world's model: free it first. */
  k->free (m);
  ses_world_free (w);
  return verdict;
}

guint
ses_shrink_replay (const SesWorld *world, gconstpointer monitor,
                   const SesMonitorClass *k, const SesShrinkOptions *o,
                   const GArray *wanted, GArray *applied)
{
  return replay (world, monitor, k, o, wanted, applied, G_MAXUINT);
}

static guint
count_faults (const GArray *choices)
{
  guint n = 0;
  for (guint i = 0; i < choices->len; i++)
    n += g_array_index (choices, SesChoice, i).kind == SES_CHOICE_FAULT;
  return n;
}

typedef struct {
  const SesWorld *world;
  gconstpointer monitor;
  const SesMonitorClass *k;
  const SesShrinkOptions *o;
  guint target;     /* the verdict to keep */
  GArray *best;     /* the applied sequence kept so far */
  GArray *scratch;
  guint tests, max_tests;
} Shrinker;

/* Whether candidate still shows the verdict in no more choices than the
 * best; if so it becomes the best. */
static gboolean
try_candidate (Shrinker *s, const GArray *candidate)
{
  if (s->tests >= s->max_tests)
    return FALSE;
  s->tests++;
  guint v = replay (s->world, s->monitor, s->k, s->o, candidate, s->scratch,
                    s->best->len);
  if (v != s->target || s->scratch->len > s->best->len)
    return FALSE;
  GArray *t = s->best;
  s->best = s->scratch;
  s->scratch = t;
  return TRUE;
}

/* The candidate without chunk [from, to), or with only it. */
static void
slice (const GArray *c, guint from, guint to, gboolean keep, GArray *out)
{
  g_array_set_size (out, 0);
  for (guint i = 0; i < c->len; i++)
    if ((i >= from && i < to) == keep)
      g_array_append_val (out, g_array_index (c, SesChoice, i));
}

void
ses_shrink (const SesWorld *world, gconstpointer monitor,
            const SesMonitorClass *k, const SesShrinkOptions *o,
            const GArray *trail, GArray *out, SesShrinkStats *stats)
{
  memset (stats, 0, sizeof *stats);
  stats->original = trail->len;
  stats->faults_before = count_faults (trail);
  Shrinker s = {
    .world = world, .monitor = monitor, .k = k, .o = o,
    .best = g_array_new (FALSE, FALSE, sizeof (SesChoice)),
    .scratch = g_array_new (FALSE, FALSE, sizeof (SesChoice)),
    .max_tests = o->max_tests > 0 ? o->max_tests : 10000,
  };
  s.target = replay (world, monitor, k, o, trail, s.best, G_MAXUINT);
  s.tests = 1;
  g_array_set_size (out, 0);
  if (s.target == 0)
    {
      /* Nothing to keep: the trail shows no violation as replayed. */
      g_array_append_vals (out, trail->data, trail->len);
    }
  else
    {
      g_autoptr (GArray) current = g_array_copy ((GArray *) trail);
      g_autoptr (GArray) cand = g_array_new (FALSE, FALSE, sizeof (SesChoice));
      guint n = 2;
      while (current->len > 0 && s.tests < s.max_tests)
        {
          n = MIN (n, current->len);
          gboolean reduced = FALSE;
          /* Each chunk alone, then each complement (ddmin). A single chunk
           * is the whole candidate, already known to hold. */
          for (guint pass = 0; pass < 2 && !reduced; pass++)
            for (guint i = 0; i < n && !reduced; i++)
              {
                guint from = (guint) ((guint64) current->len * i / n);
                guint to = (guint) ((guint64) current->len * (i + 1) / n);
                if (pass == 0 && n == 1)
                  continue;
                slice (current, from, to, pass == 0, cand);
                if (try_candidate (&s, cand))
                  {
                    g_array_set_size (current, 0);
                    g_array_append_vals (current, cand->data, cand->len);
                    n = pass == 0 ? 2 : MAX (n - 1, 2);
                    reduced = TRUE;
                  }
              }
          if (reduced)
            continue;
          if (n >= current->len)
            break;
          n = MIN (n * 2, current->len);
        }
      g_array_append_vals (out, s.best->data, s.best->len);
    }
  stats->shrunk = out->len;
  stats->faults_after = count_faults (out);
  stats->tests = s.tests;
  g_array_unref (s.best);
  g_array_unref (s.scratch);
}
