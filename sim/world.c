/* The world and its choice points. Invariant: the clock only moves when an
 * event is taken, and only forward; every model action reaches time, chance
 * and the network through this file, so a run is fixed by its seed and the
 * choices taken. */
#include "world.h"
#include "block.h"

#include <stdlib.h>
#include <string.h>

struct _SesWorld {
  const SesModelClass *klass;
  gpointer model;
  SesQueue *queue;
  SesNet *net;
  SesTime now;
  guint64 seed;
  guint64 steps;
  SesRng rng[SES_RNG_STREAM_DEBUG + 1];
  /* Length of the last encoding, inherited by copies: how much room the
   * next fingerprint reserves. Not state. */
  gsize encoded_len;
  /* (nullable) Where the server ends really are, when they are not
   * simulated (see ses_world_set_link). Not state. */
  const SesWorldLink *link;
  gpointer link_data;
  /* Whether ses_world_step starts loading what the next event touches
   * (prefetch_next). Not state. */
  gboolean look_ahead;
  /* Timer misuse by the model (see ses_world_timer_misuse). Not state. */
  guint64 timers_removed_live;
  guint64 timers_due_dead;
};

/* The connections from which ses_world_step looks ahead (and the queue
 * keeps a calendar). Below, the records of the clients mostly stay in
 * cache and the look-ahead only costs time: bench-sessions measured +15 %
 * an event at 10 000 clients, -5 % at 30 000 and -17 % at 100 000
 * (bench/README.md). */
#define LOOK_AHEAD_SLOTS 16384

SesWorld *
ses_world_new (const SesModelClass *klass, gpointer model, guint n_slots,
               gsize msg_size, guint64 seed)
{
  SesWorld *w = ses_block_alloc0 (sizeof (SesWorld));
  w->klass = klass;
  w->model = model;
  w->queue = ses_queue_new ();
  w->net = ses_net_new (n_slots, msg_size);
  w->seed = seed;
  w->look_ahead = n_slots >= LOOK_AHEAD_SLOTS;
  ses_queue_set_calendar (w->queue, w->look_ahead);
  for (int s = 0; s <= SES_RNG_STREAM_DEBUG; s++)
    ses_rng_init (&w->rng[s], seed, (guint64) s);
  return w;
}

void
ses_world_free (SesWorld *world)
{
  if (world == NULL)
    return;
  if (world->model != NULL && world->klass->free != NULL)
    world->klass->free (world->model);
  ses_queue_free (world->queue);
  ses_net_free (world->net);
  ses_block_free (world);
}

/* The engine's parts copied here, the model by copy_model. */
static SesWorld *
copy_with (const SesWorld *world, gpointer (*copy_model) (gconstpointer))
{
  SesWorld *w = ses_block_dup (world, sizeof *world);
  w->queue = ses_queue_copy (world->queue);
  w->net = ses_net_copy (world->net);
  w->model = copy_model (world->model);
  return w;
}

SesWorld *
ses_world_copy (const SesWorld *world)
{
  return copy_with (world, world->klass->copy);
}

SesWorld *
ses_world_copy_borrowing (const SesWorld *world)
{
  return copy_with (world, world->klass->copy_borrowing != NULL
                             ? world->klass->copy_borrowing
                             : world->klass->copy);
}

SesWorld *
ses_world_copy_into (SesWorld *dest, const SesWorld *world)
{
  if (dest != NULL && dest->klass != world->klass)
    g_clear_pointer (&dest, ses_world_free); /* nothing to reuse */
  if (dest == NULL)
    return ses_world_copy (world);
  SesQueue *queue = dest->queue;
  SesNet *net = dest->net;
  gpointer model = dest->model;
  *dest = *world;
  dest->queue = ses_queue_copy_into (queue, world->queue);
  dest->net = ses_net_copy_into (net, world->net);
  if (world->klass->copy_into != NULL)
    dest->model = world->klass->copy_into (model, world->model);
  else
    {
      if (model != NULL && world->klass->free != NULL)
        world->klass->free (model);
      dest->model = world->klass->copy (world->model);
    }
  return dest;
}

void
ses_world_prefetch (const SesWorld *world)
{
  /* The hardware streams the rest of each part once its copy has begun. */
  ses_block_prefetch (world->queue, 512);
  ses_block_prefetch (world->net, 384);
  ses_block_prefetch (world->model, 1536);
}

void
ses_world_set_look_ahead (SesWorld *world, gboolean look_ahead)
{
  world->look_ahead = look_ahead;
  ses_queue_set_calendar (world->queue, look_ahead);
}

gboolean
ses_world_look_ahead (const SesWorld *world)
{
  return world->look_ahead;
}

SesTime
ses_world_now (const SesWorld *world)
{
  return world->now;
}

guint64
ses_world_seed (const SesWorld *world)
{
  return world->seed;
}

gpointer
ses_world_model (const SesWorld *world)
{
  return world->model;
}

SesNet *
ses_world_net (const SesWorld *world)
{
  return world->net;
}

guint64
ses_world_steps (const SesWorld *world)
{
  return world->steps;
}

guint64
ses_world_rand (SesWorld *world, SesRngStream stream, guint64 bound)
{
  g_return_val_if_fail (stream >= 1 && stream <= SES_RNG_STREAM_DEBUG, 0);
  return ses_rng_below (&world->rng[stream], bound);
}

guint64
ses_world_schedule (SesWorld *world, SesTime at, guint32 kind, guint32 target,
                    guint64 arg)
{
  g_return_val_if_fail (at >= world->now, G_MAXUINT64);
  return ses_queue_push (world->queue, at, kind, target, arg);
}

static gboolean event_live (const SesWorld *world, const SesEvent *ev);

/* Takes the key's pending timer out of the queue; it must be dead. */
static gboolean
timer_drop (SesWorld *world, guint32 key)
{
  SesEvent old;
  if (!ses_queue_timer_cancel (world->queue, key, &old))
    return FALSE;
  if (event_live (world, &old))
    world->timers_removed_live++;
  return TRUE;
}

guint64
ses_world_timer_set (SesWorld *world, guint32 key, SesTime at, guint32 kind,
                     guint32 target, guint32 arg)
{
  g_return_val_if_fail (at >= world->now, G_MAXUINT64);
  timer_drop (world, key);
  return ses_queue_timer_arm (world->queue, key, at, kind, target, arg);
}

gboolean
ses_world_timer_cancel (SesWorld *world, guint32 key)
{
  return timer_drop (world, key);
}

void
ses_world_timer_misuse (const SesWorld *world, guint64 *removed_live,
                        guint64 *due_dead)
{
  *removed_live = world->timers_removed_live;
  *due_dead = world->timers_due_dead;
}

guint
ses_world_pending (const SesWorld *world)
{
  return ses_queue_length (world->queue);
}

guint
ses_world_pending_timers (const SesWorld *world)
{
  return ses_queue_n_timers (world->queue);
}

guint64
ses_world_reserve (SesWorld *world, guint64 n)
{
  return ses_queue_reserve (world->queue, n);
}

void
ses_world_schedule_reserved (SesWorld *world, SesTime at, guint64 seq,
                             guint32 kind, guint32 target, guint64 arg)
{
  g_return_if_fail (at >= world->now);
  ses_queue_push_seq (world->queue, at, seq, kind, target, arg);
}

static guint64
arrive_arg (guint32 gen, SesNetEnd to)
{
  return ((guint64) gen << 1) | (guint64) to;
}

guint32
ses_world_open (SesWorld *world, guint slot)
{
  /* What the client wrote on its last connection reached the server
   * before it could open another. */
  if (world->link != NULL)
    world->link->flush (world->link_data, slot);
  guint32 gen = ses_net_open (world->net, slot);
  if (world->link != NULL)
    world->link->open (world->link_data, slot, gen);
  return gen;
}

gboolean
ses_world_send (SesWorld *world, guint slot, guint32 gen, SesNetEnd from,
                const void *msg)
{
  /* A linked client end writes to the real server first: what the
   * network refuses never reaches the simulated server end either. */
  if (world->link != NULL && from == SES_NET_CLIENT
      && ses_net_wire_up (world->net, slot, gen)
      && ses_net_is_up (world->net, slot, gen, SES_NET_CLIENT)
      && !world->link->send (world->link_data, slot, gen, msg))
    return FALSE;
  SesTime at = ses_net_send (world->net, slot, gen, from, msg, world->now);
  if (at == SES_TIME_NONE)
    return FALSE;
  /* Linked: it waits until the real server shows it has read it
   * (ses_world_link_settle). */
  if (world->link != NULL && from == SES_NET_CLIENT)
    return TRUE;
  ses_queue_push (world->queue, at, SES_EVENT_NET_ARRIVE, slot,
                  arrive_arg (gen, SES_NET_PEER (from)));
  return TRUE;
}

void
ses_world_close (SesWorld *world, guint slot, guint32 gen, SesNetEnd from)
{
  if (world->link != NULL && from == SES_NET_CLIENT
      && ses_net_wire_up (world->net, slot, gen)
      && ses_net_is_up (world->net, slot, gen, SES_NET_CLIENT))
    world->link->close (world->link_data, slot, gen);
  SesTime at = ses_net_close (world->net, slot, gen, from, world->now);
  if (world->link != NULL && from == SES_NET_CLIENT)
    return; /* as a send: settled later */
  if (at != SES_TIME_NONE)
    ses_queue_push (world->queue, at, SES_EVENT_NET_ARRIVE, slot,
                    arrive_arg (gen, SES_NET_PEER (from)));
}

static void
cut_or_reset (SesWorld *world, guint slot, gboolean reset)
{
  guint32 gen = ses_net_generation (world->net, slot);
  if (world->link != NULL && ses_net_wire_up (world->net, slot, gen))
    {
      if (reset && world->link->reset != NULL)
        world->link->reset (world->link_data, slot, gen);
      else
        world->link->cut (world->link_data, slot, gen);
    }
  guint mask = ses_net_cut (world->net, slot, gen);
  /* Both ends learn of a cut; the client first, by a fixed convention. */
  for (int end = SES_NET_CLIENT; end <= SES_NET_SERVER; end++)
    if (mask & (1u << end))
      world->klass->on_closed (world, world->model, slot, gen, end,
                               SES_CLOSE_CUT);
}

void
ses_world_cut (SesWorld *world, guint slot)
{
  cut_or_reset (world, slot, FALSE);
}

void
ses_world_reset (SesWorld *world, guint slot)
{
  cut_or_reset (world, slot, TRUE);
}

void
ses_world_half_open (SesWorld *world, guint slot, SesNetEnd unaware)
{
  guint32 gen = ses_net_generation (world->net, slot);
  if (world->link != NULL && ses_net_wire_up (world->net, slot, gen))
    world->link->half_open (world->link_data, slot, gen, unaware);
  if (ses_net_half_open (world->net, slot, gen, unaware))
    world->klass->on_closed (world, world->model, slot, gen,
                             SES_NET_PEER (unaware), SES_CLOSE_CUT);
}

static gboolean
event_live (const SesWorld *world, const SesEvent *ev)
{
  if (ev->kind == SES_EVENT_NET_ARRIVE)
    {
      guint32 gen = (guint32) (ev->arg >> 1);
      SesNetEnd to = (SesNetEnd) (ev->arg & 1);
      return ses_net_generation (world->net, ev->target) == gen
             && ses_net_in_flight (world->net, ev->target, to) > 0;
    }
  return world->klass->event_live == NULL
         || world->klass->event_live (world->model, ev);
}

/* Drops stale events from the front of the queue. */
static gboolean
peek_live (SesWorld *world, SesEvent *out)
{
  while (ses_queue_peek (world->queue, out))
    {
      if (event_live (world, out))
        return TRUE;
      gboolean timer;
      ses_queue_pop_ex (world->queue, NULL, &timer);
      /* Stale network arrivals and plain events are expected here; a
       * timer should have been cancelled when it died. */
      if (timer)
        world->timers_due_dead++;
    }
  return FALSE;
}

static void
take_event (SesWorld *world, const SesEvent *ev)
{
  g_assert (ev->time_us >= world->now);
  world->now = ev->time_us;
  world->steps++;
  if (ev->kind == SES_EVENT_NET_ARRIVE)
    {
      guint32 gen = (guint32) (ev->arg >> 1);
      SesNetEnd to = (SesNetEnd) (ev->arg & 1);
      gsize size = ses_net_msg_size (world->net);
      guint8 *msg = g_alloca (MAX (size, 1));
      switch (ses_net_arrive (world->net, ev->target, gen, to, msg))
        {
        case SES_NET_ARRIVAL_MESSAGE:
          world->klass->on_message (world, world->model, ev->target, gen, to,
                                    msg);
          break;
        case SES_NET_ARRIVAL_CLOSE:
          world->klass->on_closed (world, world->model, ev->target, gen, to,
                                   SES_CLOSE_PEER);
          break;
        case SES_NET_ARRIVAL_NONE:
          break;
        }
      return;
    }
  world->klass->on_event (world, world->model, ev);
}

static void
apply_fault (SesWorld *world, const SesFault *fault)
{
  world->steps++;
  if (fault->kind < SES_FAULT_MODEL && world->klass->note_fault != NULL)
    world->klass->note_fault (world, world->model, fault);
  switch (fault->kind)
    {
    case SES_FAULT_CUT:
      ses_world_cut (world, fault->target);
      break;
    case SES_FAULT_HALF_OPEN_SERVER:
      ses_world_half_open (world, fault->target, SES_NET_SERVER);
      break;
    case SES_FAULT_HALF_OPEN_CLIENT:
      ses_world_half_open (world, fault->target, SES_NET_CLIENT);
      break;
    default:
      g_return_if_fail (fault->kind >= SES_FAULT_MODEL);
      world->klass->apply_fault (world, world->model, fault);
      break;
    }
}

static void
list_faults (SesWorld *world, GArray *out)
{
  guint n = ses_net_n_slots (world->net);
  for (guint slot = 0; slot < n; slot++)
    {
      guint32 gen = ses_net_generation (world->net, slot);
      if (!ses_net_wire_up (world->net, slot, gen))
        continue;
      static const guint32 kinds[] = { SES_FAULT_CUT,
                                       SES_FAULT_HALF_OPEN_SERVER,
                                       SES_FAULT_HALF_OPEN_CLIENT };
      for (guint k = 0; k < G_N_ELEMENTS (kinds); k++)
        ses_choices_add_fault (out, kinds[k], slot);
    }
  if (world->klass->list_faults != NULL)
    world->klass->list_faults (world->model, world, out);
}

void
ses_choices_add_fault (GArray *choices, guint32 kind, guint32 target)
{
  SesChoice c = { .kind = SES_CHOICE_FAULT, .fault = { kind, target } };
  g_array_append_val (choices, c);
}

/* ---- the order of simultaneous events -----------------------------------
 * Events due at one time are offered as choices, and encoded, in the order
 * of what they are: kind, target, and argument as the state encodes it
 * (event_arg); the insertion counter only breaks ties between events that
 * encode alike, and is itself never encoded. A check offers every event
 * due now as a choice, so the order simultaneous events were scheduled in
 * decides nothing there: two states that differ only in it have the same
 * successors, and ordering by content makes them one state. Ordered by
 * the counter, a and b scheduled for one time by two steps taken in either
 * order were two states: at SPIN's M=3 K=2 counterpart, 31 % of them.
 * The choices' order being the content's order also lets the explorer's
 * reductions, which pick "the first" of several events, pick alike in
 * states that are one. */
typedef struct {
  SesEvent ev;
  guint64 arg; /* as encoded */
} Keyed;

static gboolean
keyed_before (const Keyed *a, const Keyed *b)
{
  if (a->ev.time_us != b->ev.time_us)
    return a->ev.time_us < b->ev.time_us;
  if (a->ev.kind != b->ev.kind)
    return a->ev.kind < b->ev.kind;
  if (a->ev.target != b->ev.target)
    return a->ev.target < b->ev.target;
  if (a->arg != b->arg)
    return a->arg < b->arg;
  return a->ev.seq < b->ev.seq;
}

static gint
compare_keyed (gconstpointer a, gconstpointer b)
{
  return keyed_before (a, b) ? -1 : keyed_before (b, a) ? 1 : 0;
}

/* The live ones of events[0..n) into keyed, in the order above; returns
 * how many. Insertion sort for the dozen events a checker's state holds. */
static guint
keyed_live (const SesWorld *world, const SesEvent *events, guint n,
            Keyed *keyed)
{
  guint live = 0;
  for (guint i = 0; i < n; i++)
    if (event_live (world, &events[i]))
      {
        keyed[live].ev = events[i];
        keyed[live].arg = world->klass->event_arg != NULL
                            ? world->klass->event_arg (world->model,
                                                       &events[i])
                            : events[i].arg;
        live++;
      }
  if (live > 24)
    {
      qsort (keyed, live, sizeof (Keyed), compare_keyed);
      return live;
    }
  for (guint i = 1; i < live; i++)
    {
      Keyed x = keyed[i];
      guint j = i;
      for (; j > 0 && keyed_before (&x, &keyed[j - 1]); j--)
        keyed[j] = keyed[j - 1];
      keyed[j] = x;
    }
  return live;
}

void
ses_world_list_choices (SesWorld *world, GArray *out)
{
  SesEvent first;
  if (peek_live (world, &first))
    {
      guint n = ses_queue_length (world->queue);
      SesEvent local[64];
      SesEvent *due = n <= G_N_ELEMENTS (local) ? local : g_new (SesEvent, n);
      n = ses_queue_due_at_into (world->queue, first.time_us, due);
      Keyed keyed_local[64];
      Keyed *keyed = n <= G_N_ELEMENTS (keyed_local) ? keyed_local
                                                     : g_new (Keyed, n);
      guint live = keyed_live (world, due, n, keyed);
      for (guint i = 0; i < live; i++)
        {
          SesChoice c = { .kind = SES_CHOICE_EVENT, .event = keyed[i].ev };
          g_array_append_val (out, c);
        }
      if (keyed != keyed_local)
        g_free (keyed);
      if (due != local)
        g_free (due);
    }
  list_faults (world, out);
}

guint
ses_choices_scheduled_first (const GArray *choices, const GArray *events)
{
  g_return_val_if_fail (events->len > 0, 0);
  guint first = g_array_index (events, guint, 0);
  for (guint i = 1; i < events->len; i++)
    {
      guint at = g_array_index (events, guint, i);
      if (g_array_index (choices, SesChoice, at).event.seq
          < g_array_index (choices, SesChoice, first).event.seq)
        first = at;
    }
  return first;
}

void
ses_world_apply (SesWorld *world, const SesChoice *choice)
{
  if (choice->kind == SES_CHOICE_FAULT)
    {
      apply_fault (world, &choice->fault);
      return;
    }
  SesEvent ev;
  if (!ses_queue_remove (world->queue, choice->event.seq, &ev))
    g_return_if_reached ();
  take_event (world, &ev);
}

/* Starts loading what the event due next will touch while this one is
 * taken: among many clients, their records are cold, and one event's
 * work is long enough to hide the next one's misses. */
static void
prefetch_next (const SesWorld *world)
{
  SesEvent next;
  if (!ses_queue_peek (world->queue, &next))
    return;
  if (next.kind == SES_EVENT_NET_ARRIVE)
    ses_net_prefetch (world->net, next.target);
  if (world->klass->prefetch != NULL)
    world->klass->prefetch (world->model, &next);
}

/* The second stage: the packet the next event takes, whose place only its
 * slot (loaded while this event ran) tells. */
static void
prefetch_next_entry (const SesWorld *world)
{
  SesEvent next;
  if (!ses_queue_peek (world->queue, &next))
    return;
  if (next.kind == SES_EVENT_NET_ARRIVE)
    ses_net_prefetch_head (world->net, next.target,
                           (SesNetEnd) (next.arg & 1));
}

gboolean
ses_world_step (SesWorld *world, SesTime until)
{
  SesEvent ev;
  if (!peek_live (world, &ev))
    return FALSE;
  if (until != SES_TIME_NONE && ev.time_us > until)
    return FALSE;
  ses_queue_pop (world->queue, NULL);
  if (world->look_ahead)
    prefetch_next (world);
  take_event (world, &ev);
  if (world->look_ahead)
    prefetch_next_entry (world);
  return TRUE;
}

guint64
ses_world_run (SesWorld *world, SesTime until)
{
  guint64 start = world->steps;
  while (ses_world_step (world, until))
    ;
  return world->steps - start;
}

guint64
ses_world_run_random (SesWorld *world, const SesRandomRun *opts)
{
  guint64 start = world->steps;
  guint32 faults = 0;
  g_autoptr (GArray) choices = g_array_new (FALSE, FALSE, sizeof (SesChoice));
  for (;;)
    {
      if (faults < opts->max_faults
          && ses_rng_chance_ppm (&world->rng[SES_RNG_STREAM_FAULTS],
                                 opts->fault_ppm))
        {
          g_array_set_size (choices, 0);
          list_faults (world, choices);
          if (choices->len > 0)
            {
              guint64 pick = ses_rng_below (&world->rng[SES_RNG_STREAM_FAULTS],
                                            choices->len);
              apply_fault (world,
                           &g_array_index (choices, SesChoice, pick).fault);
              faults++;
            }
        }
      if (!ses_world_step (world, opts->until))
        break;
    }
  return world->steps - start;
}

static void
encode_model (SesWorld *world, SesEncoder *out)
{
  if (world->klass->encode_to != NULL)
    {
      world->klass->encode_to (world->model, world->now, out);
      return;
    }
  g_autoptr (GByteArray) bytes = g_byte_array_new ();
  world->klass->encode (world->model, world->now, bytes);
  ses_encoder_bytes (out, bytes->data, bytes->len);
}

void
ses_world_encode_to (SesWorld *world, SesEncoder *out)
{
  SesEvent first;
  peek_live (world, &first);
  /* The live events, in the order of simultaneous events (above): the
   * insertion counter itself is left out. */
  guint n = ses_queue_length (world->queue);
  SesEvent local[64];
  Keyed keyed_local[64];
  SesEvent *events = n <= G_N_ELEMENTS (local) ? local : g_new (SesEvent, n);
  Keyed *keyed = n <= G_N_ELEMENTS (keyed_local) ? keyed_local
                                                 : g_new (Keyed, n);
  n = ses_queue_events_into (world->queue, events);
  guint live = keyed_live (world, events, n, keyed);
  guint8 *p = ses_encoder_reserve (out, 8 + (gsize) live * 32);
  p = ses_put_u64 (p, live);
  for (guint i = 0; i < live; i++)
    {
      const SesEvent *ev = &keyed[i].ev;
      p = ses_put_u64 (p, (guint64) (ev->time_us - world->now));
      p = ses_put_u64 (p, ev->kind);
      p = ses_put_u64 (p, ev->target);
      p = ses_put_u64 (p, keyed[i].arg);
    }
  if (keyed != keyed_local)
    g_free (keyed);
  if (events != local)
    g_free (events);
  ses_net_encode_to (world->net, world->now, out);
  /* The debug stream is left out: a debugging draw must not make two
   * otherwise equal states look different. */
  p = ses_encoder_reserve (out, (SES_RNG_STREAM_DEBUG - 1) * 4 * 8);
  for (int s = 1; s < SES_RNG_STREAM_DEBUG; s++)
    for (int i = 0; i < 4; i++)
      p = ses_put_u64 (p, world->rng[s].s[i]);
  encode_model (world, out);
}

void
ses_world_encode (SesWorld *world, GByteArray *out)
{
  guint8 storage[4096];
  SesEncoder e;
  ses_encoder_init (&e, storage, sizeof storage);
  ses_world_encode_to (world, &e);
  g_byte_array_append (out, e.data, (guint) e.len);
  ses_encoder_clear (&e);
}

static inline guint64
hash_step (guint64 h, guint64 w)
{
  h ^= w;
  h *= G_GUINT64_CONSTANT (0x9fb21c651e98df25);
  return h ^ (h >> 29);
}

static inline guint64
load_le64 (const guint8 *p)
{
  guint64 w;
  memcpy (&w, p, sizeof w);
  return GUINT64_FROM_LE (w);
}

/* The len < 8 bytes at p as one word, the first the least significant. */
static inline guint64
load_tail (const guint8 *p, gsize len)
{
  guint64 tail = 0;
  for (gsize b = len; b > 0; b--)
    tail = (tail << 8) | p[b - 1];
  return tail;
}

guint64
ses_hash_bytes (const guint8 *data, gsize len)
{
  /* Word-at-a-time multiply-xorshift, finished with splitmix64's mixer.
   * Bytes are read little-endian explicitly, so the value does not depend
   * on the host. */
  guint64 h = G_GUINT64_CONSTANT (0x243f6a8885a308d3) ^ (guint64) len;
  gsize i = 0;
  for (; i + 8 <= len; i += 8)
    h = hash_step (h, load_le64 (data + i));
  h ^= load_tail (data + i, len - i);
  guint64 state = h;
  return ses_splitmix64 (&state);
}

guint64
ses_hash_state (const guint8 *data, gsize len)
{
  /* ses_hash_bytes' step on four lanes, word i going to lane i % 4; the
   * words left over and the tail go to lane 0, then the lanes are folded
   * into one with the same step and finished with splitmix64's mixer. */
  guint64 h0 = G_GUINT64_CONSTANT (0x243f6a8885a308d3) ^ (guint64) len;
  guint64 h1 = h0 ^ G_GUINT64_CONSTANT (0x13198a2e03707344);
  guint64 h2 = h0 ^ G_GUINT64_CONSTANT (0xa4093822299f31d0);
  guint64 h3 = h0 ^ G_GUINT64_CONSTANT (0x082efa98ec4e6c89);
  gsize i = 0;
  for (; i + 32 <= len; i += 32)
    {
      h0 = hash_step (h0, load_le64 (data + i));
      h1 = hash_step (h1, load_le64 (data + i + 8));
      h2 = hash_step (h2, load_le64 (data + i + 16));
      h3 = hash_step (h3, load_le64 (data + i + 24));
    }
  for (; i + 8 <= len; i += 8)
    h0 = hash_step (h0, load_le64 (data + i));
  h0 ^= load_tail (data + i, len - i);
  guint64 state = hash_step (hash_step (hash_step (h0, h1), h2), h3);
  return ses_splitmix64 (&state);
}

guint64
ses_world_fingerprint (SesWorld *world)
{
  /* On the stack while it fits, so a search fingerprinting states on
   * several threads shares no buffer and mostly allocates none; a larger
   * state reserves what its last encoding (or its parent's) took. */
  guint8 storage[4096];
  SesEncoder e;
  if (world->encoded_len <= sizeof storage)
    ses_encoder_init (&e, storage, sizeof storage);
  else
    {
      ses_encoder_init (&e, NULL, 0);
      ses_encoder_expect (&e, world->encoded_len + world->encoded_len / 8);
    }
  ses_world_encode_to (world, &e);
  world->encoded_len = e.len;
  guint64 h = ses_hash_state (e.data, e.len);
  ses_encoder_clear (&e);
  return h;
}

/* ---- a link to real server ends ------------------------------------------ */

void
ses_world_set_link (SesWorld *world, const SesWorldLink *link, gpointer data)
{
  world->link = link;
  world->link_data = data;
}

SesTime
ses_world_next_time (SesWorld *world)
{
  SesEvent ev;
  return peek_live (world, &ev) ? ev.time_us : SES_TIME_NONE;
}

void
ses_world_advance (SesWorld *world, SesTime now)
{
  /* Never backwards, and never past an event still due: the caller takes
   * those first (ses_world_step up to now). */
  SesTime next = ses_world_next_time (world);
  if (now > world->now)
    world->now = next != SES_TIME_NONE && next < now ? next : now;
}

guint
ses_world_link_pending (const SesWorld *world, guint slot)
{
  return ses_net_in_flight (world->net, slot, SES_NET_SERVER);
}

guint
ses_world_link_settle (SesWorld *world, guint slot, guint n)
{
  guint32 gen = ses_net_generation (world->net, slot);
  gsize size = ses_net_msg_size (world->net);
  guint8 *msg = g_alloca (MAX (size, 1));
  guint done = 0;
  while (done < n && ses_net_in_flight (world->net, slot, SES_NET_SERVER) > 0)
    {
      done++;
      switch (ses_net_arrive (world->net, slot, gen, SES_NET_SERVER, msg))
        {
        case SES_NET_ARRIVAL_MESSAGE:
          world->klass->on_message (world, world->model, slot, gen,
                                    SES_NET_SERVER, msg);
          break;
        case SES_NET_ARRIVAL_CLOSE:
          world->klass->on_closed (world, world->model, slot, gen,
                                   SES_NET_SERVER, SES_CLOSE_PEER);
          break;
        case SES_NET_ARRIVAL_NONE:
          return done;
        }
    }
  return done;
}

gboolean
ses_world_link_deliver (SesWorld *world, guint slot, guint32 gen,
                        const void *msg)
{
  if (ses_net_generation (world->net, slot) != gen
      || !ses_net_wire_up (world->net, slot, gen)
      || !ses_net_is_up (world->net, slot, gen, SES_NET_CLIENT))
    return FALSE;
  world->steps++;
  world->klass->on_message (world, world->model, slot, gen, SES_NET_CLIENT,
                            msg);
  return TRUE;
}

gboolean
ses_world_link_closed (SesWorld *world, guint slot, guint32 gen)
{
  if (ses_net_generation (world->net, slot) != gen
      || !ses_net_wire_up (world->net, slot, gen))
    return FALSE;
  gboolean client_up = ses_net_is_up (world->net, slot, gen, SES_NET_CLIENT);
  gboolean server_up = ses_net_is_up (world->net, slot, gen, SES_NET_SERVER);
  /* The wire is gone: nothing more crosses either way. */
  ses_net_cut (world->net, slot, gen);
  world->steps++;
  if (server_up)
    world->klass->on_closed (world, world->model, slot, gen, SES_NET_SERVER,
                             SES_CLOSE_PEER);
  if (client_up)
    world->klass->on_closed (world, world->model, slot, gen, SES_NET_CLIENT,
                             SES_CLOSE_PEER);
  return TRUE;
}
