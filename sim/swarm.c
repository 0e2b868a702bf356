/* Seeded random walks with per-seed swarm settings. Invariant: a walk only
 * applies choices that ses_world_list_choices offers and the explorer's
 * rules allow (events up to `until`, faults within the walk's budgets and
 * only while an event is still due), so its trail is a path of the
 * exhaustive search and replays strictly. */
#include "swarm.h"

#include <string.h>

/* Streams of a walk's own generators, apart from the world's four, so that
 * drawing the settings never shifts the walk and a fault draw never shifts
 * the order of events. */
enum {
  STREAM_SETTINGS = 0x5357,
  STREAM_FAULTS = 0x5358,
  STREAM_ORDER = 0x5359,
};

/* Fault chances a swarmed walk picks from, from one step in fifty to two
 * in five: where a bug needs its fault (a few steps into a long run, or
 * right away) decides which rate finds it, and walks differ in length. */
static const guint32 swarm_ppm[] = { 20000, 50000, 100000, 200000, 400000 };

void
ses_swarm_settings (guint64 seed, const SesSwarmOptions *opts,
                    SesSwarmSettings *out)
{
  memset (out, 0, sizeof *out);
  if (!opts->swarm)
    {
      memcpy (out->budgets, opts->budgets, sizeof out->budgets);
      out->fault_ppm = SES_SWARM_PLAIN_PPM;
      out->shuffle = TRUE;
      return;
    }
  SesRng rng;
  ses_rng_init (&rng, seed, STREAM_SETTINGS);
  /* Which classes are on: a non-empty subset of those with a budget, each
   * subset alike. Walks with no fault at all would only shuffle events,
   * which walks with a low fault rate do too. */
  guint classes[SES_EXPLORE_BUDGETS], k = 0;
  for (guint c = 0; c < SES_EXPLORE_BUDGETS; c++)
    if (opts->budgets[c] > 0)
      classes[k++] = c;
  guint64 subset = k > 0 ? 1 + ses_rng_below (&rng, (1u << k) - 1) : 0;
  for (guint i = 0; i < k; i++)
    {
      guint c = classes[i];
      /* Up to the maximum: one fault where one is enough is the likelier
       * find, but some bugs need two. */
      guint32 n = 1 + (guint32) ses_rng_below (&rng, opts->budgets[c]);
      if (subset & (1u << i))
        out->budgets[c] = n;
    }
  out->fault_ppm = swarm_ppm[ses_rng_below (&rng, G_N_ELEMENTS (swarm_ppm))];
  out->shuffle = ses_rng_below (&rng, 2) == 1;
}

void
ses_swarm_walk (SesWorld *world, gpointer monitor, const SesMonitorClass *k,
                const SesSwarmOptions *opts, const SesSwarmSettings *settings,
                guint64 seed, SesWalkStats *stats, GArray *trail)
{
  memset (stats, 0, sizeof *stats);
  SesRng faults_rng, order_rng;
  ses_rng_init (&faults_rng, seed, STREAM_FAULTS);
  ses_rng_init (&order_rng, seed, STREAM_ORDER);
  guint32 used[SES_EXPLORE_BUDGETS] = { 0 };
  g_autoptr (GArray) choices = g_array_new (FALSE, FALSE, sizeof (SesChoice));
  g_autoptr (GArray) events = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autoptr (GArray) faults = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autoptr (GArray) classes = g_array_new (FALSE, FALSE, sizeof (gint));

  for (;;)
    {
      g_array_set_size (choices, 0);
      g_array_set_size (events, 0);
      g_array_set_size (faults, 0);
      g_array_set_size (classes, 0);
      ses_world_list_choices (world, choices);
      for (guint i = 0; i < choices->len; i++)
        {
          const SesChoice *c = &g_array_index (choices, SesChoice, i);
          if (c->kind == SES_CHOICE_EVENT)
            {
              if (opts->until == SES_TIME_NONE
                  || c->event.time_us <= opts->until)
                g_array_append_val (events, i);
              continue;
            }
          gint cls = opts->fault_class != NULL
                       ? opts->fault_class (&c->fault, opts->data) : -1;
          if (cls < 0 || cls >= SES_EXPLORE_BUDGETS
              || used[cls] >= settings->budgets[cls])
            continue;
          g_array_append_val (faults, i);
          g_array_append_val (classes, cls);
        }
      if (events->len == 0)
        {
          /* Nothing left to happen: judged as the explorer judges it. */
          stats->end = TRUE;
          k->finish (monitor);
          stats->violation = k->violated (monitor);
          return;
        }
      if (opts->max_depth > 0 && stats->steps >= opts->max_depth)
        {
          stats->cut = TRUE;
          return;
        }
      guint pick;
      /* The fault draw happens at every step, allowed or not, so that the
       * steps a fault lands on do not depend on which faults are open. */
      gboolean fault = ses_rng_chance_ppm (&faults_rng, settings->fault_ppm);
      if (fault && faults->len > 0)
        {
          guint f = (guint) ses_rng_below (&faults_rng, faults->len);
          pick = g_array_index (faults, guint, f);
          used[g_array_index (classes, gint, f)]++;
          stats->faults++;
        }
      else if (settings->shuffle && events->len > 1)
        pick = g_array_index (events, guint,
                              ses_rng_below (&order_rng, events->len));
      else
        pick = ses_choices_scheduled_first (choices, events);
      const SesChoice *c = &g_array_index (choices, SesChoice, pick);
      g_array_append_val (trail, *c);
      ses_world_apply (world, c);
      stats->steps++;
      if (k->violated (monitor))
        {
          stats->violation = TRUE;
          return;
        }
    }
}
