/* Model checking a scenario: the scripted timeline stays, and on top of it
 * the explorer tries every order of simultaneous events and every
 * placement of the faults the budgets allow, with the invariants riding
 * along every path. */
#include "checker.h"

#include <string.h>

#include "error.h"
#include "mqtt-private.h"

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

static const char *
client_label (SesMqttConfig *cfg, guint32 client)
{
  const GPtrArray *labels = ses_mqtt_config_labels (cfg);
  return client < labels->len ? g_ptr_array_index (labels, client) : "?";
}

/* Session-level summary of a state: per ClientId, whether its client is
 * connected and how many messages its session holds. */
static char *
state_label (SesWorld *world, gpointer data)
{
  SesMqtt *m = ses_mqtt_from_world (world);
  SesMqttConfig *cfg = m->cfg;
  GString *out = g_string_new (NULL);
  for (guint32 s = 0; s < ses_mqtt_config_n_sessions (cfg); s++)
    {
      const SesSession *sess = ses_mqtt_session (m, s);
      guint32 owner = g_array_index (cfg->session_owner, guint32, s);
      guint pending = sess->exists ? sess->queue->len + sess->outflight->len
                                   : 0;
      if (out->len > 0)
        g_string_append_c (out, '\n');
      g_string_append_printf (out, "%s: ", client_label (cfg, owner));
      if (!sess->exists)
        g_string_append (out, "no session");
      else if (sess->client != SES_NONE)
        g_string_append (out, "connected");
      else
        g_string_append (out, "away, session kept");
      if (pending > 0)
        g_string_append_printf (out, ", %u pending", pending);
    }
  return g_string_free (out, FALSE);
}

char *
ses_check_choice_label (const SesChoice *c, gpointer data)
{
  SesMqttConfig *cfg = ses_script_config (data);
  if (c->kind == SES_CHOICE_FAULT)
    {
      const char *what = c->fault.kind == SES_FAULT_CUT ? "cut"
                         : c->fault.kind == SES_FAULT_HALF_OPEN_SERVER
                           ? "half-open (broker unaware)"
                         : c->fault.kind == SES_FAULT_HALF_OPEN_CLIENT
                           ? "half-open (client unaware)"
                         : c->fault.kind == SES_MQTT_FAULT_CRASH ? "crash"
                         : "broker restart";
      if (c->fault.kind == SES_MQTT_FAULT_RESTART)
        return g_strdup ("FAULT broker restart");
      return g_strdup_printf ("FAULT %s %s", what,
                              client_label (cfg, c->fault.target));
    }
  const SesEvent *e = &c->event;
  switch (e->kind)
    {
    case SES_EVENT_NET_ARRIVE:
      return (e->arg & 1) == SES_NET_SERVER
               ? g_strdup_printf ("%s→broker", client_label (cfg, e->target))
               : g_strdup_printf ("broker→%s", client_label (cfg, e->target));
    case SES_MQTT_EV_ACTION:
      {
        static const char *const names[] = {
          "?", "connect", "disconnect", "subscribe", "unsubscribe",
          "publish", "cut", "half-open", "half-open", "crash", "restart",
          "hold-acks", "release-acks",
        };
        const SesAction *a = &g_array_index (cfg->actions, SesAction,
                                             e->target);
        const char *n = (guint) a->kind < G_N_ELEMENTS (names)
                          ? names[a->kind] : "?";
        if (a->kind == SES_ACT_RESTART)
          return g_strdup ("script: broker restart");
        return g_strdup_printf ("script: %s %s",
                                client_label (cfg, a->client), n);
      }
    case SES_MQTT_EV_SESSION_EXPIRY:
    case SES_MQTT_EV_WILL_DELAY:
      return g_strdup_printf ("%s %s",
                              e->kind == SES_MQTT_EV_SESSION_EXPIRY
                                ? "expiry of" : "will delay of",
                              client_label (cfg, g_array_index (
                                  cfg->session_owner, guint32, e->target)));
    case SES_MQTT_EV_BROKER_KEEP_ALIVE:
      return g_strdup_printf ("keep-alive check %s",
                              client_label (cfg, e->target));
    case SES_MQTT_EV_CLIENT_KEEP_ALIVE:
      return g_strdup_printf ("%s ping timer", client_label (cfg, e->target));
    case SES_MQTT_EV_CLIENT_RECONNECT:
      return g_strdup_printf ("%s reconnects", client_label (cfg, e->target));
    default:
      return g_strdup_printf ("event %u", e->kind);
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
    .jobs = opts->jobs,
    .max_states = opts->max_states,
    .max_depth = opts->max_depth,
    .until = ses_script_until (script),
    .fault_class = fault_class,
    .data = (gpointer) opts,
    .progress = opts->progress,
    .graph = opts->graph,
  };
  if (opts->graph != NULL)
    {
      opts->graph->label = state_label;
      opts->graph->data = (gpointer) script;
    }
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
