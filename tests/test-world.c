/* The world, driven through a toy model defined here: the clock, the order of
 * simultaneous events, the listing and applying of choices, stale events,
 * copies and fingerprints, the seeded random driver and the byte hash. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "world.h"

/* ---- The toy model -------------------------------------------------------
 * A client per slot plays ping-pong with a server over the net. NOTE events
 * only record themselves; TIMER events are live only while their arg equals
 * the model's timer generation, which the model's one fault bumps (think of
 * a cancelled timer). A client that learns its connection is gone
 * reconnects after a random back-off. Everything that happens is logged. */

enum {
  TOY_EV_NOTE = SES_EVENT_MODEL,
  TOY_EV_TIMER,
  TOY_EV_RECONNECT,
};

enum {
  TOY_FAULT_BUMP = SES_FAULT_MODEL,
};

enum {
  LOG_EVENT = 1,
  LOG_MESSAGE,
  LOG_CLOSED,
  LOG_FAULT,
};

enum { MSG_PING = 1, MSG_PONG = 2 };

typedef struct {
  guint32 kind;
  guint32 n;
} ToyMsg;

typedef struct {
  SesTime at;
  guint32 what; /* LOG_* */
  guint32 a;    /* event kind, message kind, closing end */
  guint64 b;    /* event arg, message n, close cause */
  guint32 slot;
  guint32 pad;
} ToyEntry;

#define TOY_SLOTS 2
#define TOY_LOG_MAX 512

typedef struct {
  guint32 timer_gen;
  guint32 offer_fault;
  guint32 max_pongs;
  guint32 gen[TOY_SLOTS];
  guint32 pongs[TOY_SLOTS];
  guint32 pings_rx[TOY_SLOTS];
  guint32 n_log;
  ToyEntry log[TOY_LOG_MAX];
} Toy;

static void
toy_log (SesWorld *w, Toy *toy, guint32 what, guint32 slot, guint32 a,
         guint64 b)
{
  assert_true (toy->n_log < TOY_LOG_MAX);
  ToyEntry *e = &toy->log[toy->n_log++];
  memset (e, 0, sizeof *e);
  e->at = ses_world_now (w);
  e->what = what;
  e->slot = slot;
  e->a = a;
  e->b = b;
}

static void
toy_ping (SesWorld *w, Toy *toy, guint slot)
{
  ToyMsg m = { MSG_PING, toy->pongs[slot] };
  ses_world_send (w, slot, toy->gen[slot], SES_NET_CLIENT, &m);
}

static void
toy_on_event (SesWorld *w, gpointer model, const SesEvent *ev)
{
  Toy *toy = model;
  toy_log (w, toy, LOG_EVENT, ev->target, ev->kind, ev->arg);
  if (ev->kind == TOY_EV_TIMER)
    assert_int_equal (ev->arg, toy->timer_gen); /* stale ones never run */
  if (ev->kind == TOY_EV_RECONNECT)
    {
      toy->gen[ev->target] = ses_world_open (w, ev->target);
      toy_ping (w, toy, ev->target);
    }
}

static void
toy_on_message (SesWorld *w, gpointer model, guint slot, guint32 gen,
                SesNetEnd to, const void *msg)
{
  Toy *toy = model;
  ToyMsg m;
  memcpy (&m, msg, sizeof m);
  toy_log (w, toy, LOG_MESSAGE, slot, m.kind, m.n);
  if (to == SES_NET_SERVER)
    {
      assert_int_equal (m.kind, MSG_PING);
      toy->pings_rx[slot]++;
      ToyMsg pong = { MSG_PONG, m.n };
      ses_world_send (w, slot, gen, SES_NET_SERVER, &pong);
      return;
    }
  assert_int_equal (m.kind, MSG_PONG);
  toy->pongs[slot]++;
  if (toy->pongs[slot] < toy->max_pongs)
    toy_ping (w, toy, slot);
}

static void
toy_on_closed (SesWorld *w, gpointer model, guint slot, guint32 gen,
               SesNetEnd end, SesCloseCause cause)
{
  Toy *toy = model;
  toy_log (w, toy, LOG_CLOSED, slot, end, cause);
  if (end == SES_NET_CLIENT && toy->pongs[slot] < toy->max_pongs)
    ses_world_schedule (w,
                        ses_world_now (w) + 50
                          + (SesTime) ses_world_rand (w,
                                                      SES_RNG_STREAM_SCHEDULE,
                                                      100),
                        TOY_EV_RECONNECT, slot, 0);
}

static gboolean
toy_event_live (gconstpointer model, const SesEvent *ev)
{
  const Toy *toy = model;
  return ev->kind != TOY_EV_TIMER || ev->arg == toy->timer_gen;
}

static void
toy_list_faults (gconstpointer model, const SesWorld *w, GArray *choices)
{
  const Toy *toy = model;
  if (toy->offer_fault)
    ses_choices_add_fault (choices, TOY_FAULT_BUMP, 0);
}

static void
toy_apply_fault (SesWorld *w, gpointer model, const SesFault *fault)
{
  Toy *toy = model;
  assert_int_equal (fault->kind, TOY_FAULT_BUMP);
  toy->timer_gen++;
  toy_log (w, toy, LOG_FAULT, fault->target, fault->kind, toy->timer_gen);
}

static void
toy_encode (gconstpointer model, SesTime now, GByteArray *out)
{
  const Toy *toy = model;
  /* The log is history, so it goes in with times relative to now. */
  Toy canon;
  memcpy (&canon, toy, sizeof canon);
  for (guint i = 0; i < canon.n_log; i++)
    canon.log[i].at = now - canon.log[i].at;
  g_byte_array_append (out, (const guint8 *) &canon,
                       (guint) (G_STRUCT_OFFSET (Toy, log)
                                + canon.n_log * sizeof (ToyEntry)));
}

static gpointer
toy_copy (gconstpointer model)
{
  return g_memdup2 (model, sizeof (Toy));
}

static void
toy_free (gpointer model)
{
  g_free (model);
}

static const SesModelClass toy_class = {
  .name = "toy",
  .on_event = toy_on_event,
  .on_message = toy_on_message,
  .on_closed = toy_on_closed,
  .event_live = toy_event_live,
  .list_faults = toy_list_faults,
  .apply_fault = toy_apply_fault,
  .encode = toy_encode,
  .copy = toy_copy,
  .free = toy_free,
};

static SesWorld *
toy_world (guint64 seed)
{
  Toy *toy = g_new0 (Toy, 1);
  toy->timer_gen = 1;
  toy->max_pongs = 20;
  SesWorld *w = ses_world_new (&toy_class, toy, TOY_SLOTS, sizeof (ToyMsg),
                               seed);
  return w;
}

static Toy *
toy_of (const SesWorld *w)
{
  return ses_world_model (w);
}

/* Both clients connect and send their first ping at time 0. */
static void
start_ping_pong (SesWorld *w)
{
  Toy *toy = toy_of (w);
  for (guint slot = 0; slot < TOY_SLOTS; slot++)
    {
      ses_net_set_latency (ses_world_net (w), slot, 100 + 30 * slot);
      toy->gen[slot] = ses_world_open (w, slot);
      toy_ping (w, toy, slot);
    }
}

static GArray *
choices_of (SesWorld *w)
{
  GArray *c = g_array_new (FALSE, FALSE, sizeof (SesChoice));
  ses_world_list_choices (w, c);
  return c;
}

static const SesChoice *
choice (GArray *c, guint i)
{
  assert_true (i < c->len);
  return &g_array_index (c, SesChoice, i);
}

static void
assert_event_choice (const SesChoice *c, guint64 seq, SesTime at,
                     guint32 kind, guint64 arg)
{
  assert_int_equal (c->kind, SES_CHOICE_EVENT);
  assert_int_equal (c->event.seq, seq);
  assert_int_equal (c->event.time_us, at);
  assert_int_equal (c->event.kind, kind);
  assert_int_equal (c->event.arg, arg);
}

static void
assert_fault_choice (const SesChoice *c, guint32 kind, guint32 target)
{
  assert_int_equal (c->kind, SES_CHOICE_FAULT);
  assert_int_equal (c->fault.kind, kind);
  assert_int_equal (c->fault.target, target);
}

static GByteArray *
encode_world (SesWorld *w)
{
  GByteArray *b = g_byte_array_new ();
  ses_world_encode (w, b);
  return b;
}

static GByteArray *
encode_model (SesWorld *w)
{
  GByteArray *b = g_byte_array_new ();
  toy_class.encode (ses_world_model (w), ses_world_now (w), b);
  return b;
}

static gboolean
same_bytes (const GByteArray *a, const GByteArray *b)
{
  return a->len == b->len && memcmp (a->data, b->data, a->len) == 0;
}

/* ---- Tests -------------------------------------------------------------- */

static void
test_new_world (void **state)
{
  (void) state;
  g_autoptr (SesWorld) w = toy_world (77);
  assert_int_equal (ses_world_now (w), 0);
  assert_int_equal (ses_world_seed (w), 77);
  assert_int_equal (ses_world_steps (w), 0);
  assert_int_equal (ses_net_n_slots (ses_world_net (w)), TOY_SLOTS);
  assert_int_equal (ses_net_msg_size (ses_world_net (w)), sizeof (ToyMsg));
  assert_int_equal (toy_of (w)->timer_gen, 1);
  /* Nothing pending, no connection, no model fault: no choice at all. */
  g_autoptr (GArray) c = choices_of (w);
  assert_int_equal (c->len, 0);
  assert_false (ses_world_step (w, SES_TIME_NONE));
  ses_world_free (NULL);
}

static void
test_clock_moves_forward_only_on_events (void **state)
{
  (void) state;
  g_autoptr (SesWorld) w = toy_world (1);
  Toy *toy = toy_of (w);
  toy->offer_fault = TRUE;
  ses_world_schedule (w, 30, TOY_EV_NOTE, 0, 0);
  ses_world_schedule (w, 10, TOY_EV_NOTE, 0, 1);
  ses_world_schedule (w, 20, TOY_EV_NOTE, 0, 2);
  ses_world_schedule (w, 10, TOY_EV_NOTE, 0, 3);

  /* Scheduling, listing, encoding and drawing do not move the clock. */
  g_autoptr (GArray) c = choices_of (w);
  g_autoptr (GByteArray) e = encode_world (w);
  (void) ses_world_rand (w, SES_RNG_STREAM_DEBUG, 10);
  assert_int_equal (ses_world_now (w), 0);
  assert_int_equal (ses_world_steps (w), 0);

  /* Nothing due by 5: no step, no time. */
  assert_false (ses_world_step (w, 5));
  assert_int_equal (ses_world_now (w), 0);

  assert_true (ses_world_step (w, SES_TIME_NONE));
  assert_int_equal (ses_world_now (w), 10);
  assert_int_equal (ses_world_steps (w), 1);
  assert_true (ses_world_step (w, 10)); /* until is inclusive */
  assert_int_equal (ses_world_now (w), 10);

  /* A fault is a step but not a tick. */
  g_array_set_size (c, 0);
  ses_world_list_choices (w, c);
  const SesChoice *bump = choice (c, c->len - 1);
  assert_fault_choice (bump, TOY_FAULT_BUMP, 0);
  ses_world_apply (w, bump);
  assert_int_equal (ses_world_now (w), 10);
  assert_int_equal (ses_world_steps (w), 3);

  /* run stops before events after until, and leaves the clock at the last
   * event taken, not at until. */
  assert_int_equal (ses_world_run (w, 25), 1);
  assert_int_equal (ses_world_now (w), 20);
  assert_int_equal (ses_world_run (w, SES_TIME_NONE), 1);
  assert_int_equal (ses_world_now (w), 30);
  assert_false (ses_world_step (w, SES_TIME_NONE));
  assert_int_equal (ses_world_now (w), 30);

  /* The model saw the clock at each event's time, never going back. */
  const SesTime seen[] = { 10, 10, 10, 20, 30 };
  assert_int_equal (toy->n_log, G_N_ELEMENTS (seen));
  for (guint i = 0; i < toy->n_log; i++)
    assert_int_equal (toy->log[i].at, seen[i]);
  assert_int_equal (ses_world_steps (w), 5);
}

static void
test_simultaneous_events_in_insertion_order (void **state)
{
  (void) state;
  g_autoptr (SesWorld) w = toy_world (1);
  Toy *toy = toy_of (w);
  for (guint i = 0; i < 10; i++)
    {
      ses_world_schedule (w, 7, TOY_EV_NOTE, 0, i);
      ses_world_schedule (w, 3, TOY_EV_NOTE, 1, 100 + i);
    }
  ses_world_schedule (w, 7, TOY_EV_NOTE, 0, 10);
  assert_int_equal (ses_world_run (w, SES_TIME_NONE), 21);
  assert_int_equal (toy->n_log, 21);
  for (guint i = 0; i < 10; i++)
    {
      assert_int_equal (toy->log[i].at, 3);
      assert_int_equal (toy->log[i].b, 100 + i);
    }
  for (guint i = 0; i < 11; i++)
    {
      assert_int_equal (toy->log[10 + i].at, 7);
      assert_int_equal (toy->log[10 + i].b, i);
    }

  /* Events caused by an event at the same instant (here, zero-latency
   * messages) queue behind everything already due then. */
  g_autoptr (SesWorld) v = toy_world (1);
  Toy *vt = toy_of (v);
  vt->max_pongs = 2;
  ses_world_schedule (v, 0, TOY_EV_NOTE, 0, 'X');
  vt->gen[0] = ses_world_open (v, 0);
  toy_ping (v, vt, 0);
  ses_world_schedule (v, 0, TOY_EV_NOTE, 0, 'Y');
  ses_world_run (v, SES_TIME_NONE);
  const struct {
    guint32 what, a;
    guint64 b;
  } order[] = {
    { LOG_EVENT, TOY_EV_NOTE, 'X' }, { LOG_MESSAGE, MSG_PING, 0 },
    { LOG_EVENT, TOY_EV_NOTE, 'Y' }, { LOG_MESSAGE, MSG_PONG, 0 },
    { LOG_MESSAGE, MSG_PING, 1 },    { LOG_MESSAGE, MSG_PONG, 1 },
  };
  assert_int_equal (vt->n_log, G_N_ELEMENTS (order));
  for (guint i = 0; i < G_N_ELEMENTS (order); i++)
    {
      assert_int_equal (vt->log[i].at, 0);
      assert_int_equal (vt->log[i].what, order[i].what);
      assert_int_equal (vt->log[i].a, order[i].a);
      assert_int_equal (vt->log[i].b, order[i].b);
    }
  assert_int_equal (ses_world_now (v), 0);
  assert_int_equal (ses_world_steps (v), G_N_ELEMENTS (order));
}

static void
test_list_choices_order (void **state)
{
  (void) state;
  g_autoptr (SesWorld) w = toy_world (1);
  Toy *toy = toy_of (w);
  toy->offer_fault = TRUE;
  /* Only slot 1 is open: the engine offers faults for it alone. */
  ses_world_open (w, 1);

  ses_world_schedule (w, 1, TOY_EV_TIMER, 0, 0); /* stale */
  guint64 a = ses_world_schedule (w, 5, TOY_EV_NOTE, 0, 'A');
  ses_world_schedule (w, 5, TOY_EV_TIMER, 0, 0); /* stale */
  guint64 b = ses_world_schedule (w, 5, TOY_EV_NOTE, 0, 'B');
  guint64 timer = ses_world_schedule (w, 5, TOY_EV_TIMER, 0, 1);
  ses_world_schedule (w, 9, TOY_EV_NOTE, 0, 'C');

  g_autoptr (GArray) c = choices_of (w);
  assert_int_equal (c->len, 3 + 3 + 1);
  assert_event_choice (choice (c, 0), a, 5, TOY_EV_NOTE, 'A');
  assert_event_choice (choice (c, 1), b, 5, TOY_EV_NOTE, 'B');
  assert_event_choice (choice (c, 2), timer, 5, TOY_EV_TIMER, 1);
  assert_fault_choice (choice (c, 3), SES_FAULT_CUT, 1);
  assert_fault_choice (choice (c, 4), SES_FAULT_HALF_OPEN_SERVER, 1);
  assert_fault_choice (choice (c, 5), SES_FAULT_HALF_OPEN_CLIENT, 1);
  assert_fault_choice (choice (c, 6), TOY_FAULT_BUMP, 0);

  /* Listing again gives the same list: listing changes nothing visible. */
  g_autoptr (GArray) again = choices_of (w);
  assert_int_equal (again->len, c->len);
  assert_memory_equal (again->data, c->data, c->len * sizeof (SesChoice));
  assert_int_equal (ses_world_now (w), 0);
  assert_int_equal (toy->n_log, 0);
}

/* A check offers every event due now as a choice, so the order
 * simultaneous events were scheduled in decides nothing: choices and
 * encoding list them by what they are (kind, target, argument), and two
 * worlds that differ only in that order are one state. A run still takes
 * them as scheduled (above). */
static void
test_simultaneous_events_listed_by_content (void **state)
{
  (void) state;
  static const struct {
    guint32 kind, target;
    guint64 arg;
  } due[] = {
    { TOY_EV_TIMER, 0, 1 }, { TOY_EV_NOTE, 1, 'A' }, { TOY_EV_NOTE, 0, 'B' },
    { TOY_EV_NOTE, 0, 'A' }, { TOY_EV_NOTE, 0, 'A' },
  };
  g_autoptr (SesWorld) fwd = toy_world (1);
  g_autoptr (SesWorld) back = toy_world (1);
  toy_of (fwd)->timer_gen = toy_of (back)->timer_gen = 1;
  guint n = G_N_ELEMENTS (due);
  for (guint i = 0; i < n; i++)
    {
      ses_world_schedule (fwd, 5, due[i].kind, due[i].target, due[i].arg);
      ses_world_schedule (back, 5, due[n - 1 - i].kind, due[n - 1 - i].target,
                          due[n - 1 - i].arg);
    }
  /* Scheduled later and due later: after them, whatever its content. */
  ses_world_schedule (fwd, 6, TOY_EV_NOTE, 0, 0);
  ses_world_schedule (back, 6, TOY_EV_NOTE, 0, 0);

  assert_int_equal (ses_world_fingerprint (fwd), ses_world_fingerprint (back));
  g_autoptr (GArray) a = choices_of (fwd);
  g_autoptr (GArray) b = choices_of (back);
  assert_int_equal (a->len, n);
  assert_int_equal (b->len, n);
  const struct {
    guint32 kind, target;
    guint64 arg;
  } listed[] = {
    { TOY_EV_NOTE, 0, 'A' }, { TOY_EV_NOTE, 0, 'A' }, { TOY_EV_NOTE, 0, 'B' },
    { TOY_EV_NOTE, 1, 'A' }, { TOY_EV_TIMER, 0, 1 },
  };
  for (guint i = 0; i < n; i++)
    {
      const SesEvent *x = &choice (a, i)->event, *y = &choice (b, i)->event;
      assert_int_equal (x->kind, listed[i].kind);
      assert_int_equal (x->target, listed[i].target);
      assert_int_equal (x->arg, listed[i].arg);
      assert_int_equal (y->kind, listed[i].kind);
      assert_int_equal (y->target, listed[i].target);
      assert_int_equal (y->arg, listed[i].arg);
    }
  /* Alike events keep the order they were scheduled in between them. */
  assert_true (choice (a, 0)->event.seq < choice (a, 1)->event.seq);
  assert_true (choice (b, 0)->event.seq < choice (b, 1)->event.seq);
  /* What `run` would take (swarm and shrink walks "in order" do): the
   * timer in one, the first note (0, 'A') in the other. */
  g_autoptr (GArray) all = g_array_new (FALSE, FALSE, sizeof (guint));
  for (guint i = n; i > 0; i--)
    g_array_append_val (all, (guint) { i - 1 });
  assert_int_equal (ses_choices_scheduled_first (a, all), 4);
  assert_int_equal (ses_choices_scheduled_first (b, all), 0);

  /* The same choice taken in both leaves them one state. */
  for (guint i = 0; i < n; i++)
    {
      g_autoptr (SesWorld) x = ses_world_copy (fwd);
      g_autoptr (SesWorld) y = ses_world_copy (back);
      ses_world_apply (x, choice (a, i));
      ses_world_apply (y, choice (b, i));
      assert_int_equal (ses_world_fingerprint (x), ses_world_fingerprint (y));
    }
  /* Scheduled in another order but differing in content: two states. */
  g_autoptr (SesWorld) other = toy_world (1);
  toy_of (other)->timer_gen = 1;
  for (guint i = 0; i < n; i++)
    ses_world_schedule (other, 5, due[i].kind, due[i].target,
                        i == 1 ? 'C' : due[i].arg);
  ses_world_schedule (other, 6, TOY_EV_NOTE, 0, 0);
  assert_int_not_equal (ses_world_fingerprint (fwd),
                        ses_world_fingerprint (other));
}

static void
test_apply_non_first_event (void **state)
{
  (void) state;
  g_autoptr (SesWorld) w = toy_world (1);
  Toy *toy = toy_of (w);
  toy->offer_fault = TRUE;
  guint64 a = ses_world_schedule (w, 5, TOY_EV_NOTE, 0, 'A');
  guint64 b = ses_world_schedule (w, 5, TOY_EV_NOTE, 0, 'B');
  guint64 timer = ses_world_schedule (w, 5, TOY_EV_TIMER, 0, 1);
  ses_world_schedule (w, 9, TOY_EV_NOTE, 0, 'C');

  g_autoptr (GArray) c = choices_of (w);
  assert_int_equal (c->len, 4);
  assert_event_choice (choice (c, 1), b, 5, TOY_EV_NOTE, 'B');
  ses_world_apply (w, choice (c, 1));
  assert_int_equal (ses_world_now (w), 5);
  assert_int_equal (ses_world_steps (w), 1);
  assert_int_equal (toy->n_log, 1);
  assert_int_equal (toy->log[0].b, 'B');

  /* B is gone; A and the timer are still due. */
  g_array_set_size (c, 0);
  ses_world_list_choices (w, c);
  assert_int_equal (c->len, 3);
  assert_event_choice (choice (c, 0), a, 5, TOY_EV_NOTE, 'A');
  assert_event_choice (choice (c, 1), timer, 5, TOY_EV_TIMER, 1);
  assert_fault_choice (choice (c, 2), TOY_FAULT_BUMP, 0);

  /* The model fault cancels the timer: it is no longer offered. */
  ses_world_apply (w, choice (c, 2));
  assert_int_equal (toy->timer_gen, 2);
  g_array_set_size (c, 0);
  ses_world_list_choices (w, c);
  assert_int_equal (c->len, 2);
  assert_event_choice (choice (c, 0), a, 5, TOY_EV_NOTE, 'A');
  assert_fault_choice (choice (c, 1), TOY_FAULT_BUMP, 0);

  /* Taking the last event due at 5 moves the choice point to 9. */
  ses_world_apply (w, choice (c, 0));
  g_array_set_size (c, 0);
  ses_world_list_choices (w, c);
  assert_int_equal (c->len, 2);
  assert_int_equal (choice (c, 0)->event.time_us, 9);
  assert_int_equal (choice (c, 0)->event.arg, 'C');
  assert_int_equal (ses_world_now (w), 5);
}

static void
test_stale_events_skipped (void **state)
{
  (void) state;
  g_autoptr (SesWorld) w = toy_world (1);
  Toy *toy = toy_of (w);
  toy->offer_fault = TRUE;
  ses_world_schedule (w, 10, TOY_EV_TIMER, 0, 1);
  ses_world_schedule (w, 15, TOY_EV_TIMER, 0, 1);
  ses_world_schedule (w, 20, TOY_EV_NOTE, 0, 'N');
  ses_world_schedule (w, 30, TOY_EV_TIMER, 0, 2); /* live after the bump */

  SesChoice bump = { .kind = SES_CHOICE_FAULT,
                     .fault = { TOY_FAULT_BUMP, 0 } };
  ses_world_apply (w, &bump);

  /* The first choice is the NOTE at 20, not the cancelled timers. */
  g_autoptr (GArray) c = choices_of (w);
  assert_int_equal (c->len, 2);
  assert_event_choice (choice (c, 0), 2, 20, TOY_EV_NOTE, 'N');

  /* Steps skip them too, and do not count them; the clock jumps over
   * their times. */
  assert_int_equal (ses_world_run (w, SES_TIME_NONE), 2);
  assert_int_equal (ses_world_now (w), 30);
  assert_int_equal (toy->n_log, 3); /* the fault, the NOTE, the live timer */
  assert_int_equal (toy->log[0].what, LOG_FAULT);
  assert_int_equal (toy->log[1].b, 'N');
  assert_int_equal (toy->log[1].at, 20);
  assert_int_equal (toy->log[2].a, TOY_EV_TIMER);
  assert_int_equal (toy->log[2].b, 2);

  /* Stale events do not count in the encoding either: a world that never
   * had them encodes alike. */
  g_autoptr (SesWorld) x = toy_world (1);
  g_autoptr (SesWorld) y = toy_world (1);
  ses_world_schedule (x, 10, TOY_EV_TIMER, 0, 0);
  ses_world_schedule (x, 20, TOY_EV_NOTE, 0, 'N');
  ses_world_schedule (y, 20, TOY_EV_NOTE, 0, 'N');
  assert_int_equal (ses_world_fingerprint (x), ses_world_fingerprint (y));
}

static void
test_net_through_world (void **state)
{
  (void) state;
  g_autoptr (SesWorld) w = toy_world (1);
  Toy *toy = toy_of (w);
  start_ping_pong (w);

  /* Slot 0's ping lands first (latency 100 vs 130). */
  g_autoptr (GArray) c = choices_of (w);
  assert_int_equal (c->len, 1 + 6);
  const SesChoice *arr = choice (c, 0);
  assert_event_choice (arr, 0, 100, SES_EVENT_NET_ARRIVE,
                       ((guint64) toy->gen[0] << 1) | SES_NET_SERVER);
  assert_int_equal (arr->event.target, 0);
  assert_fault_choice (choice (c, 1), SES_FAULT_CUT, 0);
  assert_fault_choice (choice (c, 4), SES_FAULT_CUT, 1);

  ses_world_apply (w, arr);
  assert_int_equal (toy->pings_rx[0], 1);
  assert_int_equal (ses_world_now (w), 100);

  /* Cut slot 0 with the pong in flight: both ends learn at once, the
   * client first; the pong's arrival is no longer a choice. */
  SesChoice cut = { .kind = SES_CHOICE_FAULT, .fault = { SES_FAULT_CUT, 0 } };
  guint n = toy->n_log;
  ses_world_apply (w, &cut);
  assert_int_equal (toy->n_log, n + 2);
  assert_int_equal (toy->log[n].what, LOG_CLOSED);
  assert_int_equal (toy->log[n].a, SES_NET_CLIENT);
  assert_int_equal (toy->log[n].b, SES_CLOSE_CUT);
  assert_int_equal (toy->log[n + 1].a, SES_NET_SERVER);
  g_array_set_size (c, 0);
  ses_world_list_choices (w, c);
  assert_int_equal (c->len, 1 + 3); /* slot 1's ping, slot 1's faults */
  assert_int_equal (choice (c, 0)->event.target, 1);
  assert_int_equal (choice (c, 0)->event.time_us, 130);
  assert_fault_choice (choice (c, 1), SES_FAULT_CUT, 1);

  /* Half-open with the server unaware: only the client hears of it. */
  SesChoice ho = { .kind = SES_CHOICE_FAULT,
                   .fault = { SES_FAULT_HALF_OPEN_SERVER, 1 } };
  n = toy->n_log;
  ses_world_apply (w, &ho);
  assert_int_equal (toy->n_log, n + 1);
  assert_int_equal (toy->log[n].a, SES_NET_CLIENT);
  assert_int_equal (toy->log[n].b, SES_CLOSE_CUT);

  /* Both clients reconnect and finish their ping-pong. */
  ses_world_run (w, SES_TIME_NONE);
  assert_int_equal (toy->pongs[0], 20);
  assert_int_equal (toy->pongs[1], 20);
  assert_int_equal (toy->gen[0], 2);
  assert_int_equal (toy->gen[1], 2);

  /* A clean close reaches the peer after the data, as SES_CLOSE_PEER. */
  ToyMsg m = { MSG_PING, 999 };
  assert_true (ses_world_send (w, 0, 2, SES_NET_CLIENT, &m));
  ses_world_close (w, 0, 2, SES_NET_SERVER);
  ses_world_close (w, 1, 2, SES_NET_CLIENT);
  assert_false (ses_world_send (w, 1, 2, SES_NET_CLIENT, &m));
  n = toy->n_log;
  toy->max_pongs = 0; /* no reconnect */
  ses_world_run (w, SES_TIME_NONE);
  /* Slot 0: the server closed, so the ping toward it is dropped and the
   * client gets the FIN; slot 1: the server gets the FIN. */
  assert_int_equal (toy->n_log, n + 2);
  assert_int_equal (toy->log[n].what, LOG_CLOSED);
  assert_int_equal (toy->log[n].slot, 0);
  assert_int_equal (toy->log[n].a, SES_NET_CLIENT);
  assert_int_equal (toy->log[n].b, SES_CLOSE_PEER);
  assert_int_equal (toy->log[n + 1].slot, 1);
  assert_int_equal (toy->log[n + 1].a, SES_NET_SERVER);
  assert_int_equal (toy->log[n + 1].b, SES_CLOSE_PEER);
  /* Nothing open: no engine fault left to offer. */
  g_array_set_size (c, 0);
  ses_world_list_choices (w, c);
  assert_int_equal (c->len, 0);
}

static void
test_copy_is_independent (void **state)
{
  (void) state;
  g_autoptr (SesWorld) w = toy_world (5);
  start_ping_pong (w);
  for (int i = 0; i < 7; i++)
    assert_true (ses_world_step (w, SES_TIME_NONE));

  SesWorld *c = ses_world_copy (w);
  assert_int_equal (ses_world_now (c), ses_world_now (w));
  assert_int_equal (ses_world_steps (c), ses_world_steps (w));
  assert_int_equal (ses_world_seed (c), 5);
  assert_ptr_not_equal (ses_world_model (c), ses_world_model (w));
  assert_ptr_not_equal (ses_world_net (c), ses_world_net (w));
  assert_int_equal (ses_world_fingerprint (c), ses_world_fingerprint (w));
  g_autoptr (GByteArray) ew = encode_world (w);
  g_autoptr (GByteArray) ec = encode_world (c);
  assert_true (same_bytes (ew, ec));

  /* A step on the copy changes its fingerprint and nothing in w. */
  SesTime now = ses_world_now (w);
  guint n_log = toy_of (w)->n_log;
  guint64 fp = ses_world_fingerprint (w);
  assert_true (ses_world_step (c, SES_TIME_NONE));
  assert_int_not_equal (ses_world_fingerprint (c), fp);
  assert_int_equal (ses_world_fingerprint (w), fp);
  assert_int_equal (ses_world_now (w), now);
  assert_int_equal (toy_of (w)->n_log, n_log);
  assert_int_equal (toy_of (c)->n_log, n_log + 1);

  /* The same step on w brings them together again. */
  assert_true (ses_world_step (w, SES_TIME_NONE));
  assert_int_equal (ses_world_fingerprint (w), ses_world_fingerprint (c));

  /* Random draws and faults on one do not reach the other. */
  (void) ses_world_rand (c, SES_RNG_STREAM_WORKLOAD, 1000);
  assert_int_not_equal (ses_world_fingerprint (c), ses_world_fingerprint (w));
  (void) ses_world_rand (w, SES_RNG_STREAM_WORKLOAD, 1000);
  assert_int_equal (ses_world_fingerprint (w), ses_world_fingerprint (c));
  ses_world_cut (c, 0);
  assert_true (ses_net_wire_up (ses_world_net (w), 0, toy_of (w)->gen[0]));
  assert_false (ses_net_wire_up (ses_world_net (c), 0, toy_of (c)->gen[0]));

  /* Each runs to the end on its own after the other is gone. */
  g_autoptr (SesWorld) c2 = ses_world_copy (c);
  ses_world_free (c);
  ses_world_run (c2, SES_TIME_NONE);
  ses_world_run (w, SES_TIME_NONE);
  assert_int_equal (toy_of (w)->pongs[0], 20);
  assert_int_equal (toy_of (c2)->pongs[0], 20);
  assert_int_equal (toy_of (w)->gen[0], 1);
  assert_int_equal (toy_of (c2)->gen[0], 2);
}

typedef struct {
  guint64 steps;
  guint64 fingerprint;
  SesTime now;
  GByteArray *model; /* (owned) */
} Outcome;

static Outcome
random_run (guint64 seed, guint32 fault_ppm)
{
  g_autoptr (SesWorld) w = toy_world (seed);
  toy_of (w)->offer_fault = TRUE;
  start_ping_pong (w);
  for (guint i = 0; i < 10; i++)
    ses_world_schedule (w, 500 * i, TOY_EV_TIMER, 0, 1);
  SesRandomRun opts = { .until = 100 * SES_US_PER_MS,
                        .fault_ppm = fault_ppm,
                        .max_faults = 6 };
  Outcome o;
  o.steps = ses_world_run_random (w, &opts);
  o.fingerprint = ses_world_fingerprint (w);
  o.now = ses_world_now (w);
  o.model = encode_model (w);
  assert_int_equal (o.steps, ses_world_steps (w));
  return o;
}

static void
outcome_clear (Outcome *o)
{
  g_byte_array_unref (o->model);
}

static void
test_run_random_reproducible (void **state)
{
  (void) state;
  Outcome a = random_run (7, 150000);
  Outcome b = random_run (7, 150000);
  assert_int_equal (a.steps, b.steps);
  assert_int_equal (a.now, b.now);
  assert_int_equal (a.fingerprint, b.fingerprint);
  assert_true (same_bytes (a.model, b.model));

  /* Other seeds place the faults elsewhere: the model's history differs
   * for most of them (not necessarily all). */
  guint differ = 0;
  for (guint64 seed = 8; seed < 16; seed++)
    {
      Outcome o = random_run (seed, 150000);
      differ += same_bytes (o.model, a.model) ? 0 : 1;
      outcome_clear (&o);
    }
  assert_true (differ >= 6);

  /* With faults off, the toy draws nothing, so the seed changes nothing in
   * the model; the world's fingerprint still carries the seeded streams. */
  Outcome q1 = random_run (7, 0);
  Outcome q2 = random_run (8, 0);
  assert_true (same_bytes (q1.model, q2.model));
  assert_int_equal (q1.steps, q2.steps);
  assert_int_equal (q1.steps, 2 * 2 * 20 + 10); /* messages and timers */
  /* The faults did change seed 7's run. */
  assert_int_not_equal (a.steps, q1.steps);
  assert_false (same_bytes (a.model, q1.model));
  assert_int_not_equal (q1.fingerprint, q2.fingerprint);
  Toy *toy = (Toy *) q1.model->data;
  assert_int_equal (toy->pongs[0], 20);
  assert_int_equal (toy->pongs[1], 20);

  outcome_clear (&a);
  outcome_clear (&b);
  outcome_clear (&q1);
  outcome_clear (&q2);
}

static void
test_run_random_respects_max_faults (void **state)
{
  (void) state;
  /* No connection, so the model's fault is the only one on offer. */
  g_autoptr (SesWorld) w = toy_world (3);
  Toy *toy = toy_of (w);
  toy->offer_fault = TRUE;
  for (guint i = 1; i <= 50; i++)
    ses_world_schedule (w, i, TOY_EV_NOTE, 0, i);
  /* Every step injects a fault first while the budget lasts. */
  SesRandomRun opts = { .until = 40, .fault_ppm = 1000000, .max_faults = 4 };
  assert_int_equal (ses_world_run_random (w, &opts), 40 + 4);
  assert_int_equal (ses_world_now (w), 40);
  assert_int_equal (toy->n_log, 44);
  for (guint i = 0; i < 8; i++)
    assert_int_equal (toy->log[i].what, i % 2 == 0 ? LOG_FAULT : LOG_EVENT);
  for (guint i = 8; i < 44; i++)
    assert_int_equal (toy->log[i].what, LOG_EVENT);
  assert_int_equal (toy->timer_gen, 5);

  /* The rest, with no budget left: no fault at all. */
  opts.until = SES_TIME_NONE;
  opts.max_faults = 0;
  assert_int_equal (ses_world_run_random (w, &opts), 10);
  assert_int_equal (toy->timer_gen, 5);
  assert_int_equal (ses_world_now (w), 50);
}

/* Fills buf with a pattern and checks that flipping any one bit of it
 * changes hash's value; returns the value of the pattern. */
static guint64
assert_every_bit_counts (guint64 (*hash) (const guint8 *, gsize),
                         guint8 *buf, gsize len)
{
  for (gsize i = 0; i < len; i++)
    buf[i] = (guint8) (i * 11 + 3);
  guint64 base = hash (buf, len);
  for (gsize bit = 0; bit < 8 * len; bit++)
    {
      buf[bit / 8] ^= (guint8) (1u << (bit % 8));
      assert_int_not_equal (hash (buf, len), base);
      buf[bit / 8] ^= (guint8) (1u << (bit % 8));
    }
  assert_int_equal (hash (buf, len), base);
  return base;
}

static void
test_hash_bytes_pinned (void **state)
{
  (void) state;
  /* Pinned: fingerprints are stored in visited sets and golden files. */
  assert_int_equal (ses_hash_bytes ((const guint8 *) "", 0),
                    G_GUINT64_CONSTANT (0x2cb0f69f4abea221));
  assert_int_equal (ses_hash_bytes ((const guint8 *) "sessim", 6),
                    G_GUINT64_CONSTANT (0x8e814c9f67d76655));
  assert_int_equal (ses_hash_bytes ((const guint8 *) "0123456789abcdefXYZ", 19),
                    G_GUINT64_CONSTANT (0x5a8d0aa406bfd1da));

  /* Length matters even when the extra bytes are zero. */
  const guint8 zeros[16] = { 0 };
  assert_int_not_equal (ses_hash_bytes (zeros, 1), ses_hash_bytes (zeros, 2));
  assert_int_not_equal (ses_hash_bytes (zeros, 8), ses_hash_bytes (zeros, 16));
  /* Every single-bit flip in a 24-byte buffer changes the value. */
  guint8 buf[24];
  guint64 base = assert_every_bit_counts (ses_hash_bytes, buf, sizeof buf);
  /* The value depends on the bytes, not on where they are. */
  guint8 *moved = g_malloc (sizeof buf + 1);
  memcpy (moved + 1, buf, sizeof buf);
  assert_int_equal (ses_hash_bytes (moved + 1, sizeof buf), base);
  g_free (moved);
}

static void
test_hash_state_pinned (void **state)
{
  (void) state;
  /* Pinned: the fingerprints in golden files are these values. */
  assert_int_equal (ses_hash_state ((const guint8 *) "", 0),
                    G_GUINT64_CONSTANT (0x100520a3acb76347));
  assert_int_equal (ses_hash_state ((const guint8 *) "sessim", 6),
                    G_GUINT64_CONSTANT (0xc10cd3d0c594ab66));
  const char *text = "0123456789abcdef0123456789ABCDEF-lanes-and-tail";
  assert_int_equal (ses_hash_state ((const guint8 *) text, strlen (text)),
                    G_GUINT64_CONSTANT (0x322969b8831503c3));

  const guint8 zeros[80] = { 0 };
  for (gsize n = 1; n < sizeof zeros; n++)
    assert_int_not_equal (ses_hash_state (zeros, n),
                          ses_hash_state (zeros, n - 1));
  /* Every single-bit flip in a 75-byte buffer (two rounds of the four
   * lanes, a word left over, a three-byte tail) changes the value. */
  guint8 buf[75];
  guint64 base = assert_every_bit_counts (ses_hash_state, buf, sizeof buf);
  /* Words swapped between lanes, or between rounds of one lane, give
   * another value: the order of the words counts. */
  guint8 swapped[75];
  memcpy (swapped, buf, sizeof buf);
  memcpy (swapped, buf + 8, 8);
  memcpy (swapped + 8, buf, 8);
  assert_int_not_equal (ses_hash_state (swapped, sizeof swapped), base);
  memcpy (swapped, buf, sizeof buf);
  memcpy (swapped, buf + 32, 8);
  memcpy (swapped + 32, buf, 8);
  assert_int_not_equal (ses_hash_state (swapped, sizeof swapped), base);
  /* It is not ses_hash_bytes, and it does not depend on alignment. */
  assert_int_not_equal (ses_hash_state (buf, sizeof buf),
                        ses_hash_bytes (buf, sizeof buf));
  guint8 *moved = g_malloc (sizeof buf + 1);
  memcpy (moved + 1, buf, sizeof buf);
  assert_int_equal (ses_hash_state (moved + 1, sizeof buf), base);
  g_free (moved);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_new_world),
    cmocka_unit_test (test_clock_moves_forward_only_on_events),
    cmocka_unit_test (test_simultaneous_events_in_insertion_order),
    cmocka_unit_test (test_list_choices_order),
    cmocka_unit_test (test_simultaneous_events_listed_by_content),
    cmocka_unit_test (test_apply_non_first_event),
    cmocka_unit_test (test_stale_events_skipped),
    cmocka_unit_test (test_net_through_world),
    cmocka_unit_test (test_copy_is_independent),
    cmocka_unit_test (test_run_random_reproducible),
    cmocka_unit_test (test_run_random_respects_max_faults),
    cmocka_unit_test (test_hash_bytes_pinned),
    cmocka_unit_test (test_hash_state_pinned),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
