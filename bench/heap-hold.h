/* The yardstick for bench-sessions: a bare binary min-heap of events in a
 * "hold" loop (take the earliest (time, seq) event, schedule one new event
 * a random delay later), so the number pending never changes. What an event
 * loop with that many pending events costs when it does nothing else. */
#pragma once

#include <glib.h>

typedef struct {
  guint64 events;  /* hold steps timed */
  gint64 us;       /* their wall time */
  gint64 cpu_us;   /* their CPU time */
  guint64 checksum;/* over the (time, seq) pairs taken: the same events */
} HeapHoldResult;

/* Fills a heap with `pending` events (untimed), then runs hold steps in
 * growing batches until at least min_us of wall time has passed. With
 * huge_pages, the heap's array asks for transparent huge pages, as the
 * simulator's memory does when it is compared with it. */
void heap_hold_run (guint pending, gint64 min_us, guint64 seed,
                    gboolean huge_pages, HeapHoldResult *out);
