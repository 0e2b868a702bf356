/* Model checking a scenario: the scripted timeline stays, and on top of it
 * the explorer tries every order of simultaneous events and every
 * placement of the faults the budgets allow, or seeded walks pick one of
 * them at a time, with the invariants riding along every path. A
 * counterexample is a trail that a strict replay reproduces, shrunk or
 * not. */
#include "checker.h"

#include <string.h>

#include "error.h"
#include "mqtt-private.h"
#include "symmetry.h"

static gpointer
monitor_copy (gconstpointer monitor, SesWorld *world)
{
  return ses_invariants_copy (monitor, world);
}

static gpointer
monitor_copy_borrowing (gconstpointer monitor, SesWorld *world)
{
  return ses_invariants_copy_borrowing (monitor, world);
}

static gpointer
monitor_copy_into (gpointer dest, gconstpointer monitor, SesWorld *world)
{
  return ses_invariants_copy_into (dest, monitor, world);
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

/* No judge at all: a monitor that holds nothing and never objects. */
static gpointer
bare_copy (gconstpointer monitor, SesWorld *world)
{
  return (gpointer) monitor;
}

static gpointer
bare_copy_into (gpointer dest, gconstpointer monitor, SesWorld *world)
{
  return (gpointer) monitor;
}

static void
bare_free (gpointer monitor)
{
}

static guint64
bare_digest (gconstpointer monitor)
{
  return 0;
}

static gboolean
bare_violated (gconstpointer monitor)
{
  return FALSE;
}

static const SesMonitorClass bare_monitor = {
  .copy = bare_copy,
  .free = bare_free,
  .digest = bare_digest,
  .violated = bare_violated,
  .finish = bare_free,
  .copy_into = bare_copy_into,
};

const SesMonitorClass ses_check_invariant_monitor = {
  .copy = monitor_copy,
  .free = monitor_free,
  .digest = monitor_digest,
  .violated = monitor_violated,
  .finish = monitor_finish,
  .copy_into = monitor_copy_into,
  .copy_borrowing = monitor_copy_borrowing,
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

/* The client an event belongs to, for the explorer's reduction of
 * independent events; -1 for broker events and scripted actions. A packet
 * arriving at a client, and a client's own timers (keep alive, reconnect),
 * read and write only that client and its end of its connection: what
 * they send arrives a latency later, and they draw nothing from the
 * world's random streams. */
static gint
event_owner (const SesEvent *e, gpointer data)
{
  (void) data;
  switch (e->kind)
    {
    case SES_EVENT_NET_ARRIVE:
      return (e->arg & 1) == SES_NET_CLIENT ? (gint) e->target : -1;
    case SES_MQTT_EV_CLIENT_KEEP_ALIVE:
    case SES_MQTT_EV_CLIENT_RECONNECT:
      return (gint) e->target;
    default:
      return -1;
    }
}

/* The broker's session expiries, which --max-expiries bounds. The world
 * lists only live timers as choices, so each one taken ends a session. */
static gboolean
is_session_expiry (const SesEvent *e, gpointer data)
{
  (void) data;
  return e->kind == SES_MQTT_EV_SESSION_EXPIRY;
}

/* The scenario's per-client budgets are copied into the engine's. */
G_STATIC_ASSERT (SES_SCRIPT_BUDGET_CLASSES == SES_EXPLORE_BUDGETS);
G_STATIC_ASSERT (SES_SCRIPT_BUDGET_CLIENTS == SES_EXPLORE_TARGETS);
G_STATIC_ASSERT (SES_SCRIPT_BUDGET_MAX == SES_EXPLORE_TARGET_MAX);

/* The budget of each class as the engine takes it: in a class budgeted
 * per client, the sum of the clients' budgets. */
static void
class_budgets (const SesCheckOptions *o, guint32 *out)
{
  for (guint c = 0; c < SES_EXPLORE_BUDGETS; c++)
    {
      out[c] = o->budgets[c];
      if (!(o->by_client & (1u << c)))
        continue;
      out[c] = 0;
      for (guint t = 0; t < SES_EXPLORE_TARGETS; t++)
        out[c] += o->client_budgets[c][t];
    }
}

/* Hands an end state to the caller's end_state, with its invariants. */
static void
end_state (SesWorld *world, gpointer monitor, gpointer data)
{
  const SesCheckOptions *o = data;
  o->end_state (world, monitor, o->end_state_data);
}

/* The reduction needs every send to arrive later than it leaves: with a
 * latency of 0, a client's PUBLISH would reach the broker at once and
 * could act on another client within the same instant. */
static gboolean
latencies_positive (SesMqttConfig *cfg)
{
  for (guint i = 0; i < ses_mqtt_config_n_clients (cfg); i++)
    if (ses_mqtt_config_client (cfg, i)->latency_us <= 0)
      return FALSE;
  return TRUE;
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
      guint pending = sess->exists
                        ? sess->queue.view.len + sess->outflight.view.len
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
          "hold-acks", "release-acks", "reset", "pause", "resume", "ack",
          "ack-reason", "send-publish", "send-pubrel", "send-connect",
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

/* The symmetry reduction's fingerprint, for the explorer. */
typedef struct {
  const SesSymmetry *sym;
  gboolean judge;      /* the monitor is the invariants (else bare) */
} Canonical;

static guint64
canonical (SesWorld *world, gconstpointer monitor,
           const guint8 (*spent)[SES_EXPLORE_TARGETS], guint8 *rename,
           gpointer data)
{
  const Canonical *c = data;
  return ses_symmetry_fingerprint (c->sym, world,
                                   c->judge ? monitor : NULL, spent, rename);
}

static SesSymmetry *
symmetry_of (SesMqttConfig *cfg, const SesCheckOptions *opts)
{
  return ses_symmetry_new (cfg, opts->faults_on, opts->by_client,
                           (const guint8 (*)[SES_EXPLORE_TARGETS])
                             opts->client_budgets);
}

GPtrArray *
ses_check_symmetry_classes (const SesScript *script,
                            const SesCheckOptions *opts)
{
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify)
                                                   g_strfreev);
  if (!opts->symmetry)
    return out;
  SesMqttConfig *cfg = ses_script_config (script);
  /* The classes need the run order of the actions, which the first world
   * built settles. */
  ses_world_free (ses_mqtt_world_new (cfg, ses_script_seed (script)));
  g_autoptr (SesSymmetry) sym = symmetry_of (cfg, opts);
  const GPtrArray *classes = ses_symmetry_classes (sym);
  for (guint k = 0; k < classes->len; k++)
    {
      const GArray *members = g_ptr_array_index (classes, k);
      char **labels = g_new0 (char *, members->len + 1);
      for (guint i = 0; i < members->len; i++)
        labels[i] = g_strdup (client_label (cfg, g_array_index (members,
                                                                guint32, i)));
      g_ptr_array_add (out, labels);
    }
  return out;
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
  if (opts->rule_sink != NULL)
    ses_invariants_set_rule_sink (inv, opts->rule_sink, opts->rule_sink_data);
  SesExploreOptions eo = {
    .depth_first = opts->depth_first,
    .jobs = opts->jobs,
    .max_states = opts->max_states,
    .max_depth = opts->max_depth,
    .until = ses_script_until (script),
    .fault_class = fault_class,
    .event_owner = opts->no_reduction
                       || !latencies_positive (ses_script_config (script))
                     ? NULL : event_owner,
    .data = (gpointer) opts,
    .end_state = opts->end_state != NULL ? end_state : NULL,
    .end_state_data = (gpointer) opts,
    .progress = opts->progress,
    .keep_going = opts->keep_going,
    .cancel = opts->cancel,
    .graph = opts->graph,
    .storage = opts->storage,
    .storage_bits = opts->storage_bits,
    .storage_hashes = opts->storage_hashes,
    .frontier_worlds = opts->frontier_worlds,
    .audit_depth = opts->audit_depth,
  };
  if (opts->graph != NULL)
    {
      opts->graph->label = state_label;
      opts->graph->data = (gpointer) script;
    }
  class_budgets (opts, eo.budgets);
  eo.by_target = opts->by_client;
  memcpy (eo.target_budgets, opts->client_budgets, sizeof eo.target_budgets);
  if (opts->bound_expiries)
    {
      eo.bounded_event = is_session_expiry;
      eo.max_bounded = opts->max_expiries;
    }
  g_array_set_size (trail->choices, 0);
  g_free (trail->scenario);
  trail->scenario = g_strdup (path);
  trail->seed = seed;
  /* Symmetry only where some class has two clients or more: elsewhere the
   * fingerprints would be the plain ones anyway. */
  g_autoptr (SesSymmetry) sym = opts->symmetry
      ? symmetry_of (ses_script_config (script), opts) : NULL;
  Canonical canon = { sym, !opts->no_judge };
  if (sym != NULL && ses_symmetry_classes (sym)->len > 0)
    {
      eo.canonical = canonical;
      eo.canonical_data = &canon;
      /* The reduction of independent events takes the first of them in
       * the order choices are listed, which among events of one kind is
       * by target, client or slot number, and a renaming does not follow
       * that: with both, a state and its renamed twin could lie at
       * different distances from a violation. Without it, every order is
       * tried, the twins behave alike, and the shortest counterexample is
       * that of the search without symmetry (docs/checking.md). */
      eo.event_owner = NULL;
    }
  if (opts->no_judge)
    {
      /* The judge stays out of the world too: no observer is called. */
      ses_invariants_free (inv);
      static const int nothing;
      ses_explore (world, &nothing, &bare_monitor, &eo, stats,
                   trail->choices);
      return;
    }
  ses_explore (world, inv, &ses_check_invariant_monitor, &eo, stats, trail->choices);
  ses_invariants_free (inv);
}

/* A trail line's comment: when, which choice, and the first thing it
 * made happen ("1.010000s sub→broker: broker receive [sub] CONNECT ..."). */
static char *
choice_note (const SesScript *script, SesWorld *world, const SesChoice *c,
             SesTime when, guint obs_before)
{
  SesMqttConfig *cfg = ses_script_config (script);
  g_autofree char *label = ses_check_choice_label (c, (gpointer) script);
  g_autofree char *time = ses_time_format (when);
  const GArray *obs = ses_mqtt_log (ses_mqtt_from_world (world));
  if (obs->len <= obs_before)
    return g_strdup_printf ("%s %s", time, label);
  g_autofree char *line = ses_obs_describe (
      &g_array_index (obs, SesObs, obs_before),
      ses_mqtt_config_strings (cfg), ses_mqtt_config_labels (cfg));
  /* The observation's own time is the choice's: leave it out. */
  const char *what = strchr (line, ' ');
  return g_strdup_printf ("%s %s: %s", time, label,
                          what != NULL ? what + 1 : line);
}

static SesWorld *replay (const SesScript *script, const SesTrail *trail,
                         SesCheckStepFunc on_step, gpointer data,
                         SesInvariants **inv_out, GPtrArray *notes,
                         GError **error);

SesWorld *
ses_check_replay (const SesScript *script, const SesTrail *trail,
                  SesInvariants **inv_out, GError **error)
{
  return replay (script, trail, NULL, NULL, inv_out, NULL, error);
}

SesWorld *
ses_check_replay_noted (const SesScript *script, const SesTrail *trail,
                        SesInvariants **inv_out, GPtrArray *notes,
                        GError **error)
{
  return replay (script, trail, NULL, NULL, inv_out, notes, error);
}

SesWorld *
ses_check_replay_stepwise (const SesScript *script, const SesTrail *trail,
                           SesCheckStepFunc on_step, gpointer data,
                           SesInvariants **inv_out, GPtrArray *notes,
                           GError **error)
{
  return replay (script, trail, on_step, data, inv_out, notes, error);
}

/* The replay itself: notes and on_step are each optional. */
static SesWorld *
replay (const SesScript *script, const SesTrail *trail,
        SesCheckStepFunc on_step, gpointer data, SesInvariants **inv_out,
        GPtrArray *notes, GError **error)
{
  SesWorld *world = ses_mqtt_world_new (ses_script_config (script),
                                        trail->seed);
  SesInvariants *inv = ses_invariants_new (
      world, ses_script_disabled_invariants (script));
  g_autoptr (GArray) choices = g_array_new (FALSE, FALSE, sizeof (SesChoice));
  if (on_step != NULL)
    on_step (world, data);
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
      const SesChoice *full = &g_array_index (choices, SesChoice, at);
      SesTime when = full->kind == SES_CHOICE_EVENT ? full->event.time_us
                                                    : ses_world_now (world);
      guint before = ses_mqtt_log (ses_mqtt_from_world (world))->len;
      SesChoice taken = *full;
      ses_world_apply (world, &taken);
      if (notes != NULL)
        g_ptr_array_add (notes, choice_note (script, world, &taken, when,
                                             before));
      if (on_step != NULL)
        on_step (world, data);
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

guint32
ses_check_versions (const SesScript *script)
{
  SesMqttConfig *cfg = ses_script_config (script);
  guint32 versions = 0;
  for (guint i = 0; i < ses_mqtt_config_n_clients (cfg); i++)
    versions |= 1u << ses_mqtt_config_client (cfg, i)->version;
  return versions;
}

/* ---- shrinking -------------------------------------------------------- */

/* Walks with no depth limit of their own still stop: a model that kept
 * scheduling events at one instant would otherwise never end. */
#define WALK_DEPTH_GUARD 1000000u

/* The first invariant broken, + 1; 0 if none. */
static guint
first_violation (gconstpointer monitor, gpointer data)
{
  const GArray *v = ses_invariants_violations (monitor);
  return v->len > 0 ? (guint) g_array_index (v, SesViolation, 0).id + 1 : 0;
}

/* A world as the checker explores it: no log (a replay of the trail makes
 * the trace), the invariants watching. */
static SesWorld *
checked_world (const SesScript *script, guint64 seed, SesInvariants **inv)
{
  SesWorld *world = ses_mqtt_world_new (ses_script_config (script), seed);
  ses_mqtt_set_recording (ses_mqtt_from_world (world), FALSE);
  *inv = ses_invariants_new (world, ses_script_disabled_invariants (script));
  return world;
}

static void
shrink_choices (const SesScript *script, const SesCheckOptions *opts,
                guint64 seed, GArray *choices, SesShrinkStats *stats)
{
  SesInvariants *inv;
  SesWorld *world = checked_world (script, seed, &inv);
  SesShrinkOptions so = {
    .until = ses_script_until (script),
    .fault_class = fault_class,
    .data = (gpointer) opts,
    .max_depth = opts->max_depth > 0 ? opts->max_depth : WALK_DEPTH_GUARD,
    .verdict = first_violation,
  };
  /* Per-client budgets need no more: a shrunk trail keeps a subsequence
   * of the faults of a path that kept to them. */
  class_budgets (opts, so.budgets);
  g_autoptr (GArray) out = g_array_new (FALSE, FALSE, sizeof (SesChoice));
  ses_shrink (world, inv, &ses_check_invariant_monitor, &so, choices, out, stats);
  g_array_set_size (choices, 0);
  g_array_append_vals (choices, out->data, out->len);
  ses_invariants_free (inv);
  ses_world_free (world);
}

static guint
count_expiries (const GArray *choices)
{
  guint n = 0;
  for (guint i = 0; i < choices->len; i++)
    {
      const SesChoice *c = &g_array_index (choices, SesChoice, i);
      n += c->kind == SES_CHOICE_EVENT && is_session_expiry (&c->event, NULL);
    }
  return n;
}

void
ses_check_shrink (const SesScript *script, const SesCheckOptions *opts,
                  SesTrail *trail, SesShrinkStats *stats)
{
  g_autoptr (GArray) found = g_array_copy (trail->choices);
  shrink_choices (script, opts, trail->seed, trail->choices, stats);
  /* Lenient replay runs a candidate on with the earliest events, which
   * may take an expiry the bound forbids: such a trail lies outside the
   * bounded search, so the path as found is kept instead. */
  if (opts->bound_expiries
      && count_expiries (trail->choices) > opts->max_expiries)
    {
      g_array_set_size (trail->choices, 0);
      g_array_append_vals (trail->choices, found->data, found->len);
      stats->shrunk = found->len;
    }
}

/* ---- random walks ----------------------------------------------------- */

char *
ses_check_describe_settings (const SesSwarmSettings *s)
{
  guint32 any = 0;
  for (guint c = 0; c < SES_EXPLORE_BUDGETS; c++)
    any |= s->budgets[c];
  if (any == 0)
    return g_strdup_printf ("no faults; simultaneous events %s",
                            s->shuffle ? "shuffled" : "in order");
  return g_strdup_printf ("cuts %u, crashes %u, restarts %u, half-opens %u; "
                          "a fault on %g%% of steps; simultaneous events %s",
                          s->budgets[SES_CHECK_CUTS],
                          s->budgets[SES_CHECK_CRASHES],
                          s->budgets[SES_CHECK_RESTARTS],
                          s->budgets[SES_CHECK_HALF_OPENS],
                          s->fault_ppm / 10000.0,
                          s->shuffle ? "shuffled" : "in order");
}

typedef struct {
  const SesScript *script;
  const char *path;
  const SesCheckOptions *opts;
  const SesRandomOptions *ro;
  SesSwarmOptions so;
  guint32 expected;
} RandomRun;

typedef struct {
  guint64 seed;
  SesWalkStats stats;
  SesRandomFailure *failure; /* (owned) (nullable) */
  /* Rules the walk's observations cited, each once, in first-seen order;
   * handed to the caller's sink only if the walk counts (see below). */
  GPtrArray *rules;          /* (element-type utf8) (not owned) */
  GHashTable *rule_set;      /* the same, for lookup */
} SeedRun;

static void
collect_rule (const char *rule, gpointer data)
{
  SeedRun *sr = data;
  /* Citations are static strings: their addresses are stable. */
  if (g_hash_table_add (sr->rule_set, (gpointer) rule))
    g_ptr_array_add (sr->rules, (gpointer) rule);
}

static void
failure_free (gpointer data)
{
  SesRandomFailure *f = data;
  ses_trail_free (f->trail);
  g_free (f);
}

static void
walk_seed (const RandomRun *rr, SeedRun *sr)
{
  SesInvariants *inv;
  SesWorld *world = checked_world (rr->script, sr->seed, &inv);
  if (rr->opts->rule_sink != NULL)
    {
      sr->rules = g_ptr_array_new ();
      sr->rule_set = g_hash_table_new (NULL, NULL);
      ses_invariants_set_rule_sink (inv, collect_rule, sr);
    }
  SesSwarmSettings settings;
  ses_swarm_settings (sr->seed, &rr->so, &settings);
  g_autoptr (SesTrail) trail = ses_trail_new (rr->path, sr->seed);
  ses_swarm_walk (world, inv, &ses_check_invariant_monitor, &rr->so, &settings,
                  sr->seed, &sr->stats, trail->choices);
  if (sr->stats.violation)
    {
      SesRandomFailure *f = g_new0 (SesRandomFailure, 1);
      f->seed = sr->seed;
      f->settings = settings;
      f->invariant = (SesInvariantId) (first_violation (inv, NULL) - 1);
      f->expected = (rr->expected & (1u << f->invariant)) != 0;
      f->shrink.original = f->shrink.shrunk = trail->choices->len;
      if (rr->ro->shrink)
        shrink_choices (rr->script, rr->opts, sr->seed, trail->choices,
                        &f->shrink);
      f->trail = g_steal_pointer (&trail);
      sr->failure = f;
    }
  ses_invariants_free (inv);
  ses_world_free (world);
}

typedef struct {
  const RandomRun *rr;
  SeedRun *runs;
  guint n;
  gint next; /* atomic: the next run to take */
} Batch;

static void
seed_run_clear (SeedRun *sr)
{
  g_clear_pointer (&sr->rules, g_ptr_array_unref);
  g_clear_pointer (&sr->rule_set, g_hash_table_unref);
}

static gpointer
batch_worker (gpointer data)
{
  Batch *b = data;
  for (;;)
    {
      guint i = (guint) g_atomic_int_add (&b->next, 1);
      if (i >= b->n)
        return NULL;
      walk_seed (b->rr, &b->runs[i]);
    }
}

void
ses_random_result_clear (SesRandomResult *r)
{
  g_clear_pointer (&r->failures, g_ptr_array_unref);
  memset (r, 0, sizeof *r);
}

void
ses_check_random (const SesScript *script, const char *path,
                  const SesCheckOptions *opts, const SesRandomOptions *ro,
                  SesRandomResult *out)
{
  g_return_if_fail (ro->shard_count >= 1 && ro->shard_index >= 1
                    && ro->shard_index <= ro->shard_count
                    && ro->seed_from <= ro->seed_to);
  memset (out, 0, sizeof *out);
  out->failures = g_ptr_array_new_with_free_func (failure_free);
  RandomRun rr = {
    .script = script, .path = path, .opts = opts, .ro = ro,
    .so = {
      .until = ses_script_until (script),
      .fault_class = fault_class,
      .data = (gpointer) opts,
      .max_depth = opts->max_depth > 0 ? opts->max_depth : WALK_DEPTH_GUARD,
      .swarm = ro->swarm,
    },
    .expected = ses_script_expected_violations (script),
  };
  class_budgets (opts, rr.so.budgets);

  guint jobs = MAX (opts->jobs, 1);
  /* Seeds go in batches, walked in parallel and then taken in seed order,
   * so where max_failures stops and what is counted do not depend on
   * which thread finished first. */
  guint batch = jobs > 1 ? 64 * jobs : 1;
  g_autofree SeedRun *runs = g_new0 (SeedRun, batch);
  guint64 first = ro->seed_from + (ro->shard_index - 1);
  gboolean more = first >= ro->seed_from && first <= ro->seed_to;
  guint64 seed = first;
  while (more)
    {
      guint n = 0;
      while (more && n < batch)
        {
          runs[n++] = (SeedRun) { .seed = seed };
          /* Careful at the top of the range: seed + count may wrap. */
          if (ro->seed_to - seed < ro->shard_count)
            more = FALSE;
          else
            seed += ro->shard_count;
        }
      Batch b = { &rr, runs, n, 0 };
      if (jobs > 1 && n > 1)
        {
          guint nt = MIN (jobs, n);
          g_autofree GThread **threads = g_new (GThread *, nt);
          for (guint t = 0; t < nt; t++)
            threads[t] = g_thread_new ("sessim-walk", batch_worker, &b);
          for (guint t = 0; t < nt; t++)
            g_thread_join (threads[t]);
        }
      else
        batch_worker (&b);
      for (guint i = 0; i < n; i++)
        {
          SeedRun *sr = &runs[i];
          if (out->stopped)
            {
              /* Walked in this batch, but after the failure that stopped
               * the run: not counted, as if never walked. */
              if (sr->failure != NULL)
                failure_free (sr->failure);
              seed_run_clear (sr);
              continue;
            }
          for (guint r = 0; sr->rules != NULL && r < sr->rules->len; r++)
            opts->rule_sink (g_ptr_array_index (sr->rules, r),
                             opts->rule_sink_data);
          seed_run_clear (sr);
          out->seeds_run++;
          out->steps += sr->stats.steps;
          out->faults += sr->stats.faults;
          out->end_states += sr->stats.end;
          out->cut += sr->stats.cut;
          if (sr->failure != NULL)
            {
              g_ptr_array_add (out->failures, sr->failure);
              if (ro->max_failures > 0
                  && out->failures->len >= ro->max_failures
                  && (i + 1 < n || more))
                out->stopped = TRUE;
            }
        }
      if (ro->progress != NULL)
        ro->progress (out, ro->progress_data);
      if (out->stopped)
        break;
      if (more && opts->cancel != NULL && *opts->cancel)
        {
          out->cancelled = TRUE;
          break;
        }
    }
}

SesReport *
ses_check_random_report (const SesScript *script, const char *path,
                         const char *version, const char *faults_on,
                         const SesCheckOptions *opts,
                         const SesRandomOptions *ro, SesRandomResult *res)
{
  SesReport *report = ses_report_new ();
  report->scenario = g_strdup (path);
  report->version = g_strdup (version);
  report->seed_from = ro->seed_from;
  report->seed_to = ro->seed_to;
  report->shard_count = ro->shard_count;
  g_array_append_val (report->shards, ro->shard_index);
  report->swarm = ro->swarm;
  class_budgets (opts, report->budgets);
  report->faults_on = g_strdup (faults_on);
  report->max_depth = opts->max_depth;
  report->max_failures = ro->max_failures;
  guint32 expected = ses_script_expected_violations (script);
  for (guint id = 0; id < SES_INV_COUNT; id++)
    if (expected & (1u << id))
      g_ptr_array_add (report->expected,
                       g_strdup (ses_invariant_name ((SesInvariantId) id)));
  report->coverage = ses_coverage_new (ses_check_versions (script));

  SesCheckOptions o = *opts;
  o.rule_sink = ses_coverage_sink;
  o.rule_sink_data = report->coverage;
  ses_check_random (script, path, &o, ro, res);
  report->seeds_run = res->seeds_run;
  report->steps = res->steps;
  report->faults = res->faults;
  report->end_states = res->end_states;
  report->cut = res->cut;
  report->stopped = res->stopped;
  return report;
}

SesReportFailure *
ses_check_report_failure (const SesRandomFailure *f, char *violation,
                          char *trail)
{
  SesReportFailure *rf = g_new0 (SesReportFailure, 1);
  rf->seed = f->seed;
  rf->invariant = g_strdup (ses_invariant_name (f->invariant));
  rf->expected = f->expected;
  rf->violation = violation;
  rf->trail = trail;
  rf->length = f->trail->choices->len;
  rf->original_length = f->shrink.original;
  rf->settings = f->settings;
  return rf;
}
