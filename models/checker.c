/* Model checking a scenario: the scripted timeline stays, and on top of it
 * the explorer tries every order of simultaneous events and every
 * placement of the faults the budgets allow, with the invariants riding
 * along every path. */
#include "checker.h"

#include <string.h>

#include "error.h"
#include "mqtt.h"

static gpointer
monitor_copy (gconstpointer monitor, SesWorld *world)
{
  return ses_invariants_copy (monitor, world);
}

static void
monitor_free (gpointer monitor)
{
  ses_invariants_free (monitor);
}

static guint64
monitor_digest (gconstpointer monitor)
{
  return ses_invariants_digest (monitor);
}

static gboolean
monitor_violated (gconstpointer monitor)
{
  return ses_invariants_violations (monitor)->len > 0;
}

static void
monitor_finish (gpointer monitor)
{
  ses_invariants_finish (monitor);
}

static const SesMonitorClass invariant_monitor = {
  .copy = monitor_copy,
  .free = monitor_free,
  .digest = monitor_digest,
  .violated = monitor_violated,
  .finish = monitor_finish,
};

static gboolean
on_allowed_client (const SesCheckOptions *o, guint32 client)
{
  return o->faults_on == 0 || client >= 32 || (o->faults_on & (1u << client));
}

static gint
fault_class (const SesFault *f, gpointer data)
{
  const SesCheckOptions *o = data;
  switch (f->kind)
    {
    case SES_FAULT_CUT:
      return on_allowed_client (o, f->target) ? SES_CHECK_CUTS : -1;
    case SES_FAULT_HALF_OPEN_SERVER:
    case SES_FAULT_HALF_OPEN_CLIENT:
      return on_allowed_client (o, f->target) ? SES_CHECK_HALF_OPENS : -1;
    case SES_MQTT_FAULT_CRASH:
      return on_allowed_client (o, f->target) ? SES_CHECK_CRASHES : -1;
    case SES_MQTT_FAULT_RESTART:
      return SES_CHECK_RESTARTS;
    default:
      return -1;
    }
}

void
ses_check_scenario (const SesScript *script, const char *path, guint64 seed,
                    const SesCheckOptions *opts, SesExploreStats *stats,
                    SesTrail *trail)
{
  g_autoptr (SesWorld) world = ses_mqtt_world_new (ses_script_config (script),
                                                   seed);
  /* Explored worlds keep no log: it would be copied with every state. The
   * counterexample's log comes from replaying its trail. */
  ses_mqtt_set_recording (ses_mqtt_from_world (world), FALSE);
  SesInvariants *inv = ses_invariants_new (
      world, ses_script_disabled_invariants (script));
  SesExploreOptions eo = {
    .depth_first = opts->depth_first,
    .max_states = opts->max_states,
    .max_depth = opts->max_depth,
    .until = ses_script_until (script),
    .fault_class = fault_class,
    .data = (gpointer) opts,
    .progress = opts->progress,
  };
  memcpy (eo.budgets, opts->budgets, sizeof eo.budgets);
  g_array_set_size (trail->choices, 0);
  g_free (trail->scenario);
  trail->scenario = g_strdup (path);
  trail->seed = seed;
  ses_explore (world, inv, &invariant_monitor, &eo, stats, trail->choices);
  ses_invariants_free (inv);
}

SesWorld *
ses_check_replay (const SesScript *script, const SesTrail *trail,
                  SesInvariants **inv_out, GError **error)
{
  SesWorld *world = ses_mqtt_world_new (ses_script_config (script),
                                        trail->seed);
  SesInvariants *inv = ses_invariants_new (
      world, ses_script_disabled_invariants (script));
  g_autoptr (GArray) choices = g_array_new (FALSE, FALSE, sizeof (SesChoice));
  for (guint i = 0; i < trail->choices->len; i++)
    {
      const SesChoice *want = &g_array_index (trail->choices, SesChoice, i);
      g_array_set_size (choices, 0);
      ses_world_list_choices (world, choices);
      gint at = ses_choice_find (choices, want);
      if (at < 0)
        {
          g_set_error (error, SES_ERROR, SES_ERROR_INVALID,
                       "choice %u of the trail is not possible here: the "
                       "trail was made from another scenario, seed or "
                       "version", i + 1);
          ses_invariants_free (inv);
          ses_world_free (world);
          return NULL;
        }
      ses_world_apply (world, &g_array_index (choices, SesChoice, at));
    }
  /* The explorer judges the end only in end states; so does the replay. */
  g_array_set_size (choices, 0);
  ses_world_list_choices (world, choices);
  gboolean more = FALSE;
  for (guint i = 0; i < choices->len; i++)
    {
      const SesChoice *c = &g_array_index (choices, SesChoice, i);
      if (c->kind == SES_CHOICE_EVENT
          && c->event.time_us <= ses_script_until (script))
        more = TRUE;
    }
  if (!more)
    ses_invariants_finish (inv);
  *inv_out = inv;
  return world;
}
