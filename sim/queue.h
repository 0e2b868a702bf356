/* Pending events: plain events in a 4-ary min-heap (and, when switched on,
 * those due soon in a calendar of time buckets), and cancellable timers,
 * each named by a key, in a second 4-ary heap whose entries the key table
 * points back to. All are taken in one order: (time, insertion counter).
 *
 * Events are plain values; what kind, target and arg mean is up to whoever
 * pushes them. Ties in time go to the lower insertion counter, never to an
 * address, so the order is the same on every run. Push, pop, arming and
 * cancelling a timer are O(log n). */
#pragma once

#include <glib.h>
#include "clock.h"

typedef struct {
  SesTime time_us;
  guint64 seq;    /* insertion counter, assigned by the queue */
  guint32 kind;   /* owner-defined */
  guint32 target; /* owner-defined, e.g. a client or connection index */
  guint64 arg;    /* owner-defined, e.g. a generation number */
} SesEvent;

typedef struct _SesQueue SesQueue;

SesQueue *ses_queue_new (void);
void ses_queue_free (SesQueue *queue);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SesQueue, ses_queue_free)
SesQueue *ses_queue_copy (const SesQueue *queue);
/* Makes dest (NULL: a new queue) a copy of src, in dest's own arrays
 * while they have room (grown otherwise), so a queue copied into again
 * and again stops allocating; returns it. */
SesQueue *ses_queue_copy_into (SesQueue *dest, const SesQueue *src);

/* Returns the insertion counter given to the event. */
guint64 ses_queue_push (SesQueue *queue, SesTime time_us, guint32 kind,
                        guint32 target, guint64 arg);
/* Reserves n insertion counters for events pushed later with
 * ses_queue_push_seq(); returns the first. Lets a long script keep its
 * place in the order without sitting in the heap all at once. */
guint64 ses_queue_reserve (SesQueue *queue, guint64 n);
void ses_queue_push_seq (SesQueue *queue, SesTime time_us, guint64 seq,
                         guint32 kind, guint32 target, guint64 arg);

/* Timers. A key is a small integer the owner picks (it indexes a table, so
 * keep keys dense); at most one timer per key is pending. Arming takes the
 * next insertion counter, as a push would, and returns it; the key must
 * have no pending timer (cancel first). A timer's arg is 32 bits; it comes
 * back widened in SesEvent.arg. Pending timers are events like any other
 * to peek, pop, remove and every listing below. */
guint64 ses_queue_timer_arm (SesQueue *queue, guint32 key, SesTime time_us,
                             guint32 kind, guint32 target, guint32 arg);
/* Removes the key's pending timer, copied to out (may be NULL); FALSE if
 * there is none. */
gboolean ses_queue_timer_cancel (SesQueue *queue, guint32 key, SesEvent *out);
gboolean ses_queue_timer_pending (const SesQueue *queue, guint32 key);
/* How many of ses_queue_length() are timers. */
guint ses_queue_n_timers (const SesQueue *queue);

/* Near events (within 65 ms of the earliest) in a calendar of time
 * buckets rather than the heap, for queues that hold thousands of packets
 * in flight among thousands of records: the order is the same either way.
 * Off by default; a copy starts with it off. */
void ses_queue_set_calendar (SesQueue *queue, gboolean on);
gboolean ses_queue_calendar (const SesQueue *queue);
/* How many of ses_queue_length() wait in the calendar. */
guint ses_queue_n_calendar (const SesQueue *queue);

gboolean ses_queue_peek (const SesQueue *queue, SesEvent *out);
/* *from_timer (may be NULL) tells whether the event was a timer. */
gboolean ses_queue_pop_ex (SesQueue *queue, SesEvent *out,
                           gboolean *from_timer);
gboolean ses_queue_pop (SesQueue *queue, SesEvent *out);
/* Removes the event with this insertion counter, wherever it is. O(n). */
gboolean ses_queue_remove (SesQueue *queue, guint64 seq, SesEvent *out);
guint ses_queue_length (const SesQueue *queue);
guint64 ses_queue_next_seq (const SesQueue *queue);

/* Appends copies of every event to out (element-type SesEvent), sorted by
 * (time, seq). For listing choices and for canonical encoding. */
void ses_queue_sorted (const SesQueue *queue, GArray *out);
/* Copies the ses_queue_length() pending events into out, in no particular
 * order; returns how many. */
guint ses_queue_events_into (const SesQueue *queue, SesEvent *out);
/* Appends the events due at exactly time_us, in seq order. */
void ses_queue_due_at (const SesQueue *queue, SesTime time_us, GArray *out);
/* The same into out, which has room for ses_queue_length() events; returns
 * how many it wrote. */
guint ses_queue_due_at_into (const SesQueue *queue, SesTime time_us,
                             SesEvent *out);
