/* The world: virtual clock, pending events, network, seeded random streams
 * and one model, behind explicit choice points.
 *
 * The engine knows nothing of MQTT. A model plugs in through SesModelClass:
 * it handles its own events, the messages the net delivers and the closes it
 * reports, says which faults it offers, and encodes, copies and frees its
 * state. Drivers (the seeded random run here, the explorer later) ask the
 * world for the enabled choices and apply one; a run is the sequence of
 * choices taken, so replaying that sequence reproduces it exactly. */
#pragma once

#include <glib.h>
#include "clock.h"
#include "encode.h"
#include "net.h"
#include "queue.h"
#include "rng.h"

typedef struct _SesWorld SesWorld;

/* Event kinds below SES_EVENT_MODEL belong to the engine. */
enum {
  SES_EVENT_NET_ARRIVE = 1, /* target = slot, arg = gen << 1 | receiving end */
  SES_EVENT_MODEL = 16,
};

/* Fault kinds below SES_FAULT_MODEL belong to the engine. */
enum {
  SES_FAULT_CUT = 1,               /* target = slot */
  SES_FAULT_HALF_OPEN_SERVER = 2,  /* the server end does not notice */
  SES_FAULT_HALF_OPEN_CLIENT = 3,  /* the client end does not notice */
  SES_FAULT_MODEL = 16,
};

typedef enum {
  SES_CLOSE_PEER = 1, /* the peer closed cleanly and this end saw it */
  SES_CLOSE_CUT = 2,  /* the network failed under this end */
} SesCloseCause;

typedef struct {
  guint32 kind;
  guint32 target;
} SesFault;

typedef enum {
  SES_CHOICE_EVENT = 1, /* take this pending event */
  SES_CHOICE_FAULT = 2, /* inject this fault now */
} SesChoiceKind;

typedef struct {
  SesChoiceKind kind;
  SesEvent event; /* SES_CHOICE_EVENT */
  SesFault fault; /* SES_CHOICE_FAULT */
} SesChoice;

typedef struct {
  const char *name;
  void (*on_event) (SesWorld *world, gpointer model, const SesEvent *event);
  void (*on_message) (SesWorld *world, gpointer model, guint slot,
                      guint32 gen, SesNetEnd to, const void *msg);
  void (*on_closed) (SesWorld *world, gpointer model, guint slot, guint32 gen,
                     SesNetEnd end, SesCloseCause cause);
  /* FALSE for a model event that has been superseded (a cancelled timer). */
  gboolean (*event_live) (gconstpointer model, const SesEvent *event);
  /* Appends the model's own faults to choices (element-type SesChoice),
   * each with ses_choices_add_fault. */
  void (*list_faults) (gconstpointer model, const SesWorld *world,
                       GArray *choices);
  void (*apply_fault) (SesWorld *world, gpointer model, const SesFault *fault);
  /* Told of an engine fault (cut, half-open) a driver injects, before it
   * takes effect, so the model can record it; may be NULL. */
  void (*note_fault) (SesWorld *world, gpointer model, const SesFault *fault);
  /* Times relative to now, so states that differ only in when they
   * happen encode alike. */
  void (*encode) (gconstpointer model, SesTime now, GByteArray *out);
  gpointer (*copy) (gconstpointer model);
  void (*free) (gpointer model);
  /* The same bytes as encode, written straight into an encoder; may be
   * NULL (then encode is used). */
  void (*encode_to) (gconstpointer model, SesTime now, SesEncoder *out);
  /* Makes dest, a model of this class for the same configuration (or
   * NULL), a copy of model, reusing dest's memory where it can; returns
   * the copy (dest, or what replaced it). May be NULL (then dest is freed
   * and model copied). */
  gpointer (*copy_into) (gpointer dest, gconstpointer model);
  /* Starts loading into the cache the records the event will touch:
   * ses_world_step() calls it for the event due after the one it takes,
   * so that one event's work hides the next one's cache misses. A hint
   * only (the event may yet be superseded); may be NULL. */
  void (*prefetch) (gconstpointer model, const SesEvent *event);
  /* As copy, but what the model shares between its copies and counts
   * references to (its configuration) is borrowed, not referenced: the
   * copy must be freed while a world holding a reference still lives.
   * May be NULL (then copy is used). See ses_world_copy_borrowing(). */
  gpointer (*copy_borrowing) (gconstpointer model);
  /* A live event's argument as the state's encoding records it; may be
   * NULL (the argument itself). A model whose events carry a tag that a
   * live event always shares with a counter the model leaves out of its
   * encoding (which arming of a timer is the live one) gives a constant
   * for it: two states alike but for that counter behave alike, and
   * must encode alike, as must the states they lead to. */
  guint64 (*event_arg) (gconstpointer model, const SesEvent *event);
} SesModelClass;

/* Takes ownership of model. */
SesWorld *ses_world_new (const SesModelClass *klass, gpointer model,
                         guint n_slots, gsize msg_size, guint64 seed);
void ses_world_free (SesWorld *world);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SesWorld, ses_world_free)
/* Deep copy, model included. */
SesWorld *ses_world_copy (const SesWorld *world);
/* A deep copy that takes no reference on what the model shares between its
 * copies (SesModelClass.copy_borrowing): for copies made and freed by the
 * million on several threads, whose reference counts would bounce one
 * cache line between them (the explorer's states). Free it while world,
 * or another world of the same configuration made by ses_world_copy() or
 * the model's constructor, still lives. A copy of it made with
 * ses_world_copy() owns its references as usual. */
SesWorld *ses_world_copy_borrowing (const SesWorld *world);
/* Makes dest (NULL: a new world) a deep copy of world, reusing dest's
 * queue, net and model memory where they have room, so that a world
 * copied into again and again (the explorer's scratch child) stops
 * allocating; returns it. A dest of another model class, or with
 * another number of slots or message size, is replaced rather than
 * reused. */
SesWorld *ses_world_copy_into (SesWorld *dest, const SesWorld *world);
/* Starts loading the first lines of the world's parts (queue, net,
 * model) into the cache; the world itself should be there already. For
 * the explorer, which knows which world it will copy next. */
void ses_world_prefetch (const SesWorld *world);

/* Whether ses_world_step() starts loading what the next event will touch
 * while it takes one (the model's prefetch), and the queue keeps the
 * events due soon in a calendar (ses_queue_set_calendar): on by itself
 * from 16 384 connections, where it pays. It changes no result, only the
 * speed. */
void ses_world_set_look_ahead (SesWorld *world, gboolean look_ahead);
/* Whether it does: models that load ahead within one event, or keep
 * caches that only pay among many clients, ask too. */
gboolean ses_world_look_ahead (const SesWorld *world);

SesTime ses_world_now (const SesWorld *world);
guint64 ses_world_seed (const SesWorld *world);
/* (transfer none) */
gpointer ses_world_model (const SesWorld *world);
/* (transfer none) */
SesNet *ses_world_net (const SesWorld *world);
guint64 ses_world_rand (SesWorld *world, SesRngStream stream, guint64 bound);
guint64 ses_world_steps (const SesWorld *world);

/* Returns the event's insertion counter; G_MAXUINT64 (and a critical) if
 * `at` lies in the past. */
guint64 ses_world_schedule (SesWorld *world, SesTime at, guint32 kind,
                            guint32 target, guint64 arg);

/* Timers the model can cancel: keep alive, expiries, delays. A key is a
 * small integer the model picks per timer it may have pending (keys index
 * a table: keep them dense); at most one timer per key is pending. Setting
 * a key replaces its pending timer, cancelling removes it, so the queue
 * holds no timer the model has given up on. A timer sorts among all events
 * by (time, insertion counter) like any other and takes its counter when
 * it is set; it reaches on_event and event_live as any event does, with
 * arg widened from 32 bits.
 *
 * A timer removed by set or cancel must already be dead (event_live FALSE,
 * for good): removing a live one changes the run. A timer found dead when
 * it comes due is a cancel the model forgot (harmless, but it sat in the
 * queue). Both are counted, see ses_world_timer_misuse(). Returns the
 * insertion counter; G_MAXUINT64 (and a critical) if `at` lies in the
 * past. */
guint64 ses_world_timer_set (SesWorld *world, guint32 key, SesTime at,
                             guint32 kind, guint32 target, guint32 arg);
/* FALSE if the key had no timer pending. */
gboolean ses_world_timer_cancel (SesWorld *world, guint32 key);
/* Timers removed while live, and timers that came due dead, since the
 * world was made (copies inherit the counts). Both stay 0 for a model that
 * cancels every timer when, and only when, it dies. */
void ses_world_timer_misuse (const SesWorld *world, guint64 *removed_live,
                             guint64 *due_dead);
/* Pending events (timers included) and, of those, timers. */
guint ses_world_pending (const SesWorld *world);
guint ses_world_pending_timers (const SesWorld *world);

/* Reserves n insertion counters (see ses_queue_reserve); returns the
 * first. An event scheduled later with one of them sorts as if it had
 * been scheduled at reservation time. */
guint64 ses_world_reserve (SesWorld *world, guint64 n);
void ses_world_schedule_reserved (SesWorld *world, SesTime at, guint64 seq,
                                  guint32 kind, guint32 target, guint64 arg);

/* Connection operations that schedule what they cause. */
guint32 ses_world_open (SesWorld *world, guint slot);
/* TRUE if the message is on its way, FALSE if the network lost it. */
gboolean ses_world_send (SesWorld *world, guint slot, guint32 gen,
                         SesNetEnd from, const void *msg);
void ses_world_close (SesWorld *world, guint slot, guint32 gen,
                      SesNetEnd from);
/* Cut and half-open notify the model of the ends that noticed, at once. */
void ses_world_cut (SesWorld *world, guint slot);
/* A cut as far as the simulated net goes; a link is told it is a reset. */
void ses_world_reset (SesWorld *world, guint slot);
void ses_world_half_open (SesWorld *world, guint slot, SesNetEnd unaware);

/* ---- a link to real server ends ----------------------------------------
 * Conformance runs keep the client ends simulated and put the server ends
 * on real connections. With a link set, what a client end opens, sends,
 * closes or loses to a fault is also done on the real connection (the
 * simulated server end still receives it, when the driver settles it, so
 * the model can record it), and what the real server sends or closes comes back through
 * ses_world_link_deliver / ses_world_link_closed at the current time. */
typedef struct {
  void (*open) (gpointer data, guint slot, guint32 gen);
  /* FALSE: the real connection refused the bytes (it is gone). */
  gboolean (*send) (gpointer data, guint slot, guint32 gen, const void *msg);
  void (*close) (gpointer data, guint slot, guint32 gen);
  void (*cut) (gpointer data, guint slot, guint32 gen);
  /* A cut by reset (RST) rather than by close (FIN); may be NULL, then
   * cut is called. */
  void (*reset) (gpointer data, guint slot, guint32 gen);
  void (*half_open) (gpointer data, guint slot, guint32 gen,
                     SesNetEnd unaware);
  /* The client end is about to open a new connection on slot: what it
   * wrote on the last one must reach the server (and be settled) first. */
  void (*flush) (gpointer data, guint slot);
} SesWorldLink;

/* (link) (nullable): not copied state, must outlive the world's use. */
void ses_world_set_link (SesWorld *world, const SesWorldLink *link,
                         gpointer data);
/* When the next live event is due; SES_TIME_NONE when none is pending. */
SesTime ses_world_next_time (SesWorld *world);
/* Moves the clock forward to `now` without taking an event (never past
 * the next event due). */
void ses_world_advance (SesWorld *world, SesTime now);
/* What the client end wrote and the server end has not been shown yet:
 * linked sends wait in the net until the driver sees the real server has
 * read them (it answered, or time passed) and settles them, in order. */
guint ses_world_link_pending (const SesWorld *world, guint slot);
/* Hands the first n (G_MAXUINT: all) of them to the server end now.
 * Returns how many. */
guint ses_world_link_settle (SesWorld *world, guint slot, guint n);
/* (Cut, half-open: the link settles what really reached the server before
 * the net drops the rest.) */
/* The real server sent msg to the client end of (slot, gen); FALSE if that
 * end is no longer there to take it. */
gboolean ses_world_link_deliver (SesWorld *world, guint slot, guint32 gen,
                                 const void *msg);
/* The real server closed (slot, gen): both ends are told, the server end
 * first; FALSE if the connection was already gone. */
gboolean ses_world_link_closed (SesWorld *world, guint slot, guint32 gen);

/* Appends every enabled choice (element-type SesChoice): first the pending
 * events due at the earliest time, ordered by what they are (kind, target,
 * argument as encoded; insertion order only between events alike), then
 * the faults (engine faults on open connections, then the model's). Stale
 * events are dropped from the queue on the way. */
void ses_world_list_choices (SesWorld *world, GArray *out);
/* Appends a fault choice (a model's list_faults offers its own this way,
 * straight into the list: no array of its own to allocate per state). */
void ses_choices_add_fault (GArray *choices, guint32 kind, guint32 target);

/* Of the choices at the indexes listed (element-type guint, at least one,
 * events due at one time), the index of the one scheduled first: the
 * event `run` would take. */
guint ses_choices_scheduled_first (const GArray *choices,
                                   const GArray *events);
void ses_world_apply (SesWorld *world, const SesChoice *choice);
/* Takes the next live event in (time, insertion) order. FALSE when none is
 * left or the next one lies after `until` (SES_TIME_NONE: no limit). */
gboolean ses_world_step (SesWorld *world, SesTime until);
/* Steps until no event is left before `until`; returns the steps taken. */
guint64 ses_world_run (SesWorld *world, SesTime until);

typedef struct {
  SesTime until;       /* stop before events after this time */
  guint32 fault_ppm;   /* chance per step of injecting an enabled fault */
  guint32 max_faults;  /* at most this many injected faults */
} SesRandomRun;

/* The seeded random driver: before each step, with probability fault_ppm
 * (drawn from the faults stream), injects one enabled fault chosen
 * uniformly; otherwise takes the next event. Returns the steps taken. */
guint64 ses_world_run_random (SesWorld *world, const SesRandomRun *opts);

/* Canonical bytes of the whole state: times relative to now, pending live
 * events in order without their insertion counters, net, random streams,
 * model. Two worlds with equal encodings behave the same from here on. */
void ses_world_encode (SesWorld *world, GByteArray *out);
void ses_world_encode_to (SesWorld *world, SesEncoder *out);
/* ses_hash_state() of the encoding. Allocates nothing for states of up to
 * a few KiB; safe to call on distinct worlds from different threads. */
guint64 ses_world_fingerprint (SesWorld *world);
/* 64-bit hash of bytes, the same on every platform. */
guint64 ses_hash_bytes (const guint8 *data, gsize len);
/* Another 64-bit hash of bytes, the same on every platform, for state
 * encodings (a few KiB, hashed once per successor the checker tries):
 * four independent lanes, so the multiplications overlap instead of
 * each waiting for the one before. */
guint64 ses_hash_state (const guint8 *data, gsize len);
