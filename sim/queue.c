/* Min-heap of SesEvent keyed by (time_us, seq), four children per node: half
 * the depth of a binary heap, and the four children sit in two cache lines,
 * which makes pops markedly cheaper with tens of thousands of pending
 * timers. The heap lives in one flat array that doubles as needed; seq is
 * never shared by two events, so the pop order is total and reproducible. */
#include "queue.h"
#include "block.h"

#include <stdlib.h>
#include <string.h>

struct _SesQueue {
  SesEvent *heap; /* own_heap, or a separate allocation once that is full */
  guint len;
  guint cap;
  guint64 next_seq;
  SesEvent own_heap[]; /* allocated with the queue, so a queue (a copy in
                          particular) costs one allocation until it grows */
};

/* Room a copy leaves for the events the next step schedules. */
#define COPY_SPARE 8

static inline gboolean
before (const SesEvent *a, const SesEvent *b)
{
  return a->time_us < b->time_us
         || (a->time_us == b->time_us && a->seq < b->seq);
}

static SesQueue *
queue_alloc (guint cap)
{
  SesQueue *q = ses_block_alloc (sizeof (SesQueue) + sizeof (SesEvent) * cap);
  q->heap = q->own_heap;
  q->len = 0;
  q->cap = cap;
  q->next_seq = 0;
  return q;
}

SesQueue *
ses_queue_new (void)
{
  return queue_alloc (64);
}

void
ses_queue_free (SesQueue *queue)
{
  if (queue == NULL)
    return;
  if (queue->heap != queue->own_heap)
    g_free (queue->heap);
  ses_block_free (queue);
}

SesQueue *
ses_queue_copy (const SesQueue *queue)
{
  /* Sized to what is pending, not to what the original once held. */
  SesQueue *q = queue_alloc (queue->len + COPY_SPARE);
  q->len = queue->len;
  q->next_seq = queue->next_seq;
  memcpy (q->heap, queue->heap, sizeof (SesEvent) * queue->len);
  return q;
}

#define ARITY 4

static void
sift_up (SesQueue *q, guint i)
{
  SesEvent ev = q->heap[i];
  while (i > 0)
    {
      guint parent = (i - 1) / ARITY;
      if (!before (&ev, &q->heap[parent]))
        break;
      q->heap[i] = q->heap[parent];
      i = parent;
    }
  q->heap[i] = ev;
}

static void
sift_down (SesQueue *q, guint i)
{
  SesEvent ev = q->heap[i];
  for (;;)
    {
      guint first = ARITY * i + 1;
      if (first >= q->len)
        break;
      guint last = MIN (first + ARITY, q->len);
      guint best = first;
      for (guint c = first + 1; c < last; c++)
        if (before (&q->heap[c], &q->heap[best]))
          best = c;
      if (!before (&q->heap[best], &ev))
        break;
      q->heap[i] = q->heap[best];
      i = best;
    }
  q->heap[i] = ev;
}

static void
insert (SesQueue *queue, SesTime time_us, guint64 seq, guint32 kind,
        guint32 target, guint64 arg)
{
  if (queue->len == queue->cap)
    {
      queue->cap *= 2;
      if (queue->heap == queue->own_heap)
        {
          queue->heap = g_new (SesEvent, queue->cap);
          memcpy (queue->heap, queue->own_heap, sizeof (SesEvent) * queue->len);
        }
      else
        queue->heap = g_renew (SesEvent, queue->heap, queue->cap);
    }
  SesEvent *ev = &queue->heap[queue->len];
  ev->time_us = time_us;
  ev->seq = seq;
  ev->kind = kind;
  ev->target = target;
  ev->arg = arg;
  sift_up (queue, queue->len++);
}

guint64
ses_queue_push (SesQueue *queue, SesTime time_us, guint32 kind,
                guint32 target, guint64 arg)
{
  guint64 seq = queue->next_seq++;
  insert (queue, time_us, seq, kind, target, arg);
  return seq;
}

guint64
ses_queue_reserve (SesQueue *queue, guint64 n)
{
  guint64 first = queue->next_seq;
  queue->next_seq += n;
  return first;
}

void
ses_queue_push_seq (SesQueue *queue, SesTime time_us, guint64 seq,
                    guint32 kind, guint32 target, guint64 arg)
{
  g_return_if_fail (seq < queue->next_seq);
  insert (queue, time_us, seq, kind, target, arg);
}

gboolean
ses_queue_peek (const SesQueue *queue, SesEvent *out)
{
  if (queue->len == 0)
    return FALSE;
  *out = queue->heap[0];
  return TRUE;
}

static void
remove_at (SesQueue *q, guint i)
{
  q->len--;
  if (i == q->len)
    return;
  q->heap[i] = q->heap[q->len];
  /* The moved event may belong above or below its new place. */
  if (i > 0 && before (&q->heap[i], &q->heap[(i - 1) / ARITY]))
    sift_up (q, i);
  else
    sift_down (q, i);
}

gboolean
ses_queue_pop (SesQueue *queue, SesEvent *out)
{
  if (queue->len == 0)
    return FALSE;
  if (out != NULL)
    *out = queue->heap[0];
  remove_at (queue, 0);
  return TRUE;
}

gboolean
ses_queue_remove (SesQueue *queue, guint64 seq, SesEvent *out)
{
  for (guint i = 0; i < queue->len; i++)
    if (queue->heap[i].seq == seq)
      {
        if (out != NULL)
          *out = queue->heap[i];
        remove_at (queue, i);
        return TRUE;
      }
  return FALSE;
}

guint
ses_queue_length (const SesQueue *queue)
{
  return queue->len;
}

guint64
ses_queue_next_seq (const SesQueue *queue)
{
  return queue->next_seq;
}

static gint
compare_events (gconstpointer a, gconstpointer b)
{
  const SesEvent *x = a, *y = b;
  if (before (x, y))
    return -1;
  return before (y, x) ? 1 : 0;
}

/* Sorts by (time, seq). The order is total (seq is unique), so any sort
 * gives the same result; insertion sort wins on the dozen or so events a
 * checker's state holds. */
void
ses_events_sort (SesEvent *ev, guint n)
{
  if (n > 24)
    {
      qsort (ev, n, sizeof (SesEvent), compare_events);
      return;
    }
  for (guint i = 1; i < n; i++)
    {
      SesEvent x = ev[i];
      guint j = i;
      for (; j > 0 && before (&x, &ev[j - 1]); j--)
        ev[j] = ev[j - 1];
      ev[j] = x;
    }
}

const SesEvent *
ses_queue_events (const SesQueue *queue)
{
  return queue->heap;
}

void
ses_queue_sorted (const SesQueue *queue, GArray *out)
{
  /* An empty out may have no storage yet, and qsort must not get NULL. */
  if (queue->len == 0)
    return;
  guint start = out->len;
  g_array_append_vals (out, queue->heap, queue->len);
  qsort (&g_array_index (out, SesEvent, start), queue->len, sizeof (SesEvent),
         compare_events);
}

guint
ses_queue_due_at_into (const SesQueue *queue, SesTime time_us, SesEvent *out)
{
  guint n = 0;
  for (guint i = 0; i < queue->len; i++)
    if (queue->heap[i].time_us == time_us)
      out[n++] = queue->heap[i];
  ses_events_sort (out, n);
  return n;
}

void
ses_queue_due_at (const SesQueue *queue, SesTime time_us, GArray *out)
{
  guint start = out->len;
  /* Only the heap's top subtree can hold events at the earliest time, but a
   * plain scan is simpler and the queues this is used on are small. */
  for (guint i = 0; i < queue->len; i++)
    if (queue->heap[i].time_us == time_us)
      g_array_append_val (out, queue->heap[i]);
  if (out->len - start > 1)
    ses_events_sort (&g_array_index (out, SesEvent, start), out->len - start);
}
