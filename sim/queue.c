/* Two 4-ary min-heaps keyed by (time_us, seq): plain events in one, timers
 * in the other, with a key table pointing at each pending timer so that a
 * timer is cancelled or re-armed where it lies; in big worlds, a calendar
 * of the plain events due soon beside them (below). A pop takes the
 * earliest of the tops, so events come out in exactly the (time, seq)
 * order one heap of everything would give; seq is never shared by two
 * events, so the order is total and reproducible. Keeping timers apart
 * keeps the heap that network traffic churns small (timers are far off and
 * rarely fall due), and cancelling leaves no dead timer behind to sink
 * through it. */
#include "queue.h"
#include "block.h"
#include "hugepages.h"

#include <stdlib.h>
#include <string.h>

/* A pending timer: 32 bytes, like an event, with its key in place of the
 * upper half of arg. */
typedef struct {
  SesTime time_us;
  guint64 seq;
  guint32 kind;
  guint32 target;
  guint32 arg;
  guint32 key;
} Timer;

enum {
  OWN_HEAP = 1 << 0,  /* heap is a separate allocation, not in the block */
  OWN_TIMERS = 1 << 1,
  OWN_SLOTS = 1 << 2,
};

/* ---- the calendar ------------------------------------------------------
 * Among many connections the plain heap holds thousands of packets in
 * flight, and its lower levels no longer stay in cache while the model
 * walks through thousands of clients' records: every pop sank through
 * them, two or three misses deep. But a packet is due within a latency of
 * now, and such near events can be sorted by bucket instead: a ring of
 * CAL_BUCKETS buckets, CAL_WIDTH_US wide each, from the bucket being taken
 * (the current one, kept sorted from its head) on. A push appends to its
 * bucket, sorted in only if that is the current one; a bucket is sorted
 * when it becomes current. So a pop reads the next entry of one bucket,
 * and the misses left are the pushes' stores, which nothing waits for.
 * Events outside the ring's span (or before the current bucket, which a
 * heap event taken first can leave now at) go to the heap as before: a
 * pop takes the earliest of heap, timers and calendar, so the order is
 * exactly (time, seq) whatever holds what; so a push into a full bucket
 * goes to the heap too. The buckets lie one after the other in a single
 * array, so the next bucket to sort follows the one being taken. */
#define CAL_BUCKETS 2048u
#define CAL_SHIFT 5 /* 32 us a bucket: 65.5 ms in all */
#define CAL_WIDTH_US ((SesTime) 1 << CAL_SHIFT)
#define CAL_SPAN_US (CAL_WIDTH_US * CAL_BUCKETS)

#define CAL_BUCKET_CAP 32u /* events; 1 KiB, 2 MiB in all */

typedef struct {
  guint32 head; /* taken so far; only the current bucket has any */
  guint32 len;
} Bucket;

typedef struct {
  guint n;           /* events in all buckets */
  guint cur;         /* the current bucket: not empty while n > 0 */
  SesTime cur_start; /* its first microsecond */
  SesEvent *events;  /* (owned) bucket i's at i * CAL_BUCKET_CAP */
  Bucket bucket[CAL_BUCKETS];
} Calendar;

static inline SesEvent *
bucket_events (const Calendar *cal, guint i)
{
  return cal->events + (gsize) i * CAL_BUCKET_CAP;
}

struct _SesQueue {
  Calendar *cal;  /* NULL: off (ses_queue_set_calendar) */
  SesEvent *heap; /* plain events */
  guint len;
  guint cap;
  Timer *timers;  /* armed timers */
  guint n_timers;
  guint timers_cap;
  guint32 *slot_of; /* key -> index in timers + 1; 0: nothing pending */
  guint n_keys;     /* entries of slot_of in use (the highest key + 1) */
  guint keys_cap;
  guint64 next_seq;
  guint own;        /* OWN_* */
  /* The three arrays start out here, so a queue (a copy in particular)
   * costs one allocation until one of them outgrows its share. */
  guint64 storage[];
};

/* Room a copy leaves for the events the next step schedules. */
#define COPY_SPARE 8
#define TIMER_COPY_SPARE 4

#define ARITY 4

static inline gboolean
earlier (SesTime ta, guint64 sa, SesTime tb, guint64 sb)
{
#ifdef __SIZEOF_INT128__
  /* One 128-bit comparison (times are never negative): no branch for the
   * tie, which the sift loops would mispredict. */
  unsigned __int128 a = ((unsigned __int128) (guint64) ta << 64) | sa;
  unsigned __int128 b = ((unsigned __int128) (guint64) tb << 64) | sb;
  return a < b;
#else
  return ta < tb || (ta == tb && sa < sb);
#endif
}

static inline gboolean
before (const SesEvent *a, const SesEvent *b)
{
  return earlier (a->time_us, a->seq, b->time_us, b->seq);
}

static inline gboolean
timer_before (const Timer *a, const Timer *b)
{
  return earlier (a->time_us, a->seq, b->time_us, b->seq);
}

static void calendar_free (Calendar *cal);
static void heap_add_calendar (SesQueue *q, const Calendar *cal);
static void events_sort (SesEvent *ev, guint n);

static inline SesEvent
timer_event (const Timer *t)
{
  SesEvent ev = { .time_us = t->time_us, .seq = t->seq, .kind = t->kind,
                  .target = t->target, .arg = t->arg };
  return ev;
}

static SesQueue *
queue_alloc (guint cap, guint timers_cap, guint keys_cap)
{
  gsize size = sizeof (SesQueue) + sizeof (SesEvent) * cap
               + sizeof (Timer) * timers_cap + sizeof (guint32) * keys_cap;
  SesQueue *q = ses_block_alloc (size);
  q->heap = (SesEvent *) q->storage;
  q->len = 0;
  q->cap = cap;
  q->timers = (Timer *) (q->heap + cap);
  q->n_timers = 0;
  q->timers_cap = timers_cap;
  q->slot_of = (guint32 *) (q->timers + timers_cap);
  q->n_keys = 0;
  q->keys_cap = keys_cap;
  q->next_seq = 0;
  q->own = 0;
  q->cal = NULL;
  return q;
}

SesQueue *
ses_queue_new (void)
{
  return queue_alloc (64, 16, 32);
}

void
ses_queue_free (SesQueue *queue)
{
  if (queue == NULL)
    return;
  calendar_free (queue->cal);
  if (queue->own & OWN_HEAP)
    g_free (queue->heap);
  if (queue->own & OWN_TIMERS)
    g_free (queue->timers);
  if (queue->own & OWN_SLOTS)
    g_free (queue->slot_of);
  ses_block_free (queue);
}

SesQueue *
ses_queue_copy (const SesQueue *queue)
{
  /* Sized to what is pending, not to what the original once held. */
  guint in_cal = queue->cal != NULL ? queue->cal->n : 0;
  SesQueue *q = queue_alloc (queue->len + in_cal + COPY_SPARE,
                             queue->n_timers + TIMER_COPY_SPARE,
                             queue->n_keys);
  q->len = queue->len;
  q->n_timers = queue->n_timers;
  q->n_keys = queue->n_keys;
  q->next_seq = queue->next_seq;
  memcpy (q->heap, queue->heap, sizeof (SesEvent) * queue->len);
  memcpy (q->timers, queue->timers, sizeof (Timer) * queue->n_timers);
  memcpy (q->slot_of, queue->slot_of, sizeof (guint32) * queue->n_keys);
  /* A copy starts without a calendar: what it held joins the heap. */
  heap_add_calendar (q, queue->cal);
  return q;
}

/* Grows one of the arrays to hold at least `need` elements: out of the
 * block into an allocation of its own the first time. */
static gpointer
grow (gpointer data, guint *cap, guint need, gsize elt, guint *own,
      guint bit)
{
  guint n = MAX (*cap, 8u);
  while (n < need)
    n *= 2;
  gpointer fresh;
  if (*own & bit)
    fresh = g_realloc_n (data, n, elt);
  else
    {
      fresh = g_malloc_n (n, elt);
      memcpy (fresh, data, elt * *cap);
      *own |= bit;
    }
  *cap = n;
  ses_hugepages_advise (fresh, (gsize) n * elt);
  return fresh;
}

SesQueue *
ses_queue_copy_into (SesQueue *dest, const SesQueue *src)
{
  if (dest == NULL)
    return ses_queue_copy (src);
  /* The same spare room as a copy's, so the step after it does not grow
   * an array a copy would not have grown either (only for speed: the
   * contents are what they are whatever the capacity). */
  if (dest->cap < src->len + COPY_SPARE)
    dest->heap = grow (dest->heap, &dest->cap, src->len + COPY_SPARE,
                       sizeof (SesEvent), &dest->own, OWN_HEAP);
  if (dest->timers_cap < src->n_timers + TIMER_COPY_SPARE)
    dest->timers = grow (dest->timers, &dest->timers_cap,
                         src->n_timers + TIMER_COPY_SPARE, sizeof (Timer),
                         &dest->own, OWN_TIMERS);
  if (dest->keys_cap < src->n_keys)
    dest->slot_of = grow (dest->slot_of, &dest->keys_cap, src->n_keys,
                          sizeof (guint32), &dest->own, OWN_SLOTS);
  dest->len = src->len;
  dest->n_timers = src->n_timers;
  dest->n_keys = src->n_keys;
  dest->next_seq = src->next_seq;
  memcpy (dest->heap, src->heap, sizeof (SesEvent) * src->len);
  memcpy (dest->timers, src->timers, sizeof (Timer) * src->n_timers);
  memcpy (dest->slot_of, src->slot_of, sizeof (guint32) * src->n_keys);
  g_clear_pointer (&dest->cal, calendar_free);
  heap_add_calendar (dest, src->cal);
  return dest;
}

/* ---- plain events ------------------------------------------------------ */

/* Moves the hole at i up until ev fits there, and puts ev in it. */
static void
sift_up_into (SesQueue *q, guint i, const SesEvent *ev)
{
  while (i > 0)
    {
      guint parent = (i - 1) / ARITY;
      if (!before (ev, &q->heap[parent]))
        break;
      q->heap[i] = q->heap[parent];
      i = parent;
    }
  q->heap[i] = *ev;
}

static void
sift_up (SesQueue *q, guint i)
{
  SesEvent ev = q->heap[i];
  sift_up_into (q, i, &ev);
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
  if (G_UNLIKELY (queue->len == queue->cap))
    queue->heap = grow (queue->heap, &queue->cap, queue->len + 1,
                        sizeof (SesEvent), &queue->own, OWN_HEAP);
  SesEvent ev = { .time_us = time_us, .seq = seq, .kind = kind,
                  .target = target, .arg = arg };
  sift_up_into (queue, queue->len++, &ev);
}

/* Takes the root out: the last event fills the hole, which moves down to
 * the least child while that comes first. With a full set of four
 * children, two pairs are compared and then their winners, which the
 * compiler turns into selects rather than branches. */
static void
pop_root (SesQueue *q)
{
  guint n = --q->len;
  if (n == 0)
    return;
  SesEvent *h = q->heap;
  SesEvent last = h[n];
  guint i = 0;
  for (;;)
    {
      guint c = ARITY * i + 1;
      guint best;
      if (c + ARITY <= n)
        {
          guint a = before (&h[c + 1], &h[c]) ? c + 1 : c;
          guint b = before (&h[c + 3], &h[c + 2]) ? c + 3 : c + 2;
          best = before (&h[b], &h[a]) ? b : a;
        }
      else if (c < n)
        {
          best = c;
          for (guint k = c + 1; k < n; k++)
            if (before (&h[k], &h[best]))
              best = k;
        }
      else
        break;
      if (!before (&h[best], &last))
        break;
      h[i] = h[best];
      i = best;
    }
  h[i] = last;
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

/* ---- the calendar (see the top of the file) ---------------------------- */

static void
calendar_free (Calendar *cal)
{
  if (cal == NULL)
    return;
  g_aligned_free (cal->events);
  g_free (cal);
}

/* Adds what cal holds to q's heap. */
static void
heap_add_calendar (SesQueue *q, const Calendar *cal)
{
  if (cal == NULL)
    return;
  for (guint i = 0; i < CAL_BUCKETS; i++)
    for (guint k = cal->bucket[i].head; k < cal->bucket[i].len; k++)
      {
        const SesEvent *e = &bucket_events (cal, i)[k];
        insert (q, e->time_us, e->seq, e->kind, e->target, e->arg);
      }
}

/* Empties the calendar into the heap, for what needs every event in one
 * place (removal by seq). */
static void
calendar_to_heap (SesQueue *q)
{
  Calendar *cal = q->cal;
  if (cal == NULL || cal->n == 0)
    return;
  heap_add_calendar (q, cal);
  for (guint i = 0; i < CAL_BUCKETS; i++)
    cal->bucket[i].head = cal->bucket[i].len = 0;
  cal->n = 0;
}

/* FALSE if ev lies outside the calendar's span (it goes to the heap). */
static gboolean
calendar_push (Calendar *cal, const SesEvent *ev)
{
  if (cal->n == 0)
    {
      cal->cur_start = ev->time_us & ~(CAL_WIDTH_US - 1);
      cal->cur = (guint) (ev->time_us >> CAL_SHIFT) & (CAL_BUCKETS - 1);
    }
  else if (ev->time_us < cal->cur_start
           || ev->time_us - cal->cur_start >= CAL_SPAN_US)
    return FALSE;
  guint i = (guint) (ev->time_us >> CAL_SHIFT) & (CAL_BUCKETS - 1);
  Bucket *b = &cal->bucket[i];
  if (G_UNLIKELY (b->len == CAL_BUCKET_CAP))
    return FALSE;
  SesEvent *ev_of = bucket_events (cal, i);
  guint at = b->len;
  if (i == cal->cur) /* the bucket being taken stays sorted */
    for (; at > b->head && before (ev, &ev_of[at - 1]); at--)
      ev_of[at] = ev_of[at - 1];
  ev_of[at] = *ev;
  b->len++;
  cal->n++;
  return TRUE;
}

static inline const SesEvent *
calendar_top (const Calendar *cal)
{
  if (cal == NULL || cal->n == 0)
    return NULL;
  return &bucket_events (cal, cal->cur)[cal->bucket[cal->cur].head];
}

static void
calendar_pop (Calendar *cal)
{
  Bucket *b = &cal->bucket[cal->cur];
  b->head++;
  cal->n--;
  if (b->head < b->len)
    return;
  b->head = b->len = 0;
  if (cal->n == 0)
    return;
  do
    {
      cal->cur = (cal->cur + 1) & (CAL_BUCKETS - 1);
      cal->cur_start += CAL_WIDTH_US;
    }
  while (cal->bucket[cal->cur].len == 0);
  events_sort (bucket_events (cal, cal->cur), cal->bucket[cal->cur].len);
  guint next = (cal->cur + 1) & (CAL_BUCKETS - 1);
  ses_prefetch_span (bucket_events (cal, next),
                     cal->bucket[next].len * sizeof (SesEvent));
}

void
ses_queue_set_calendar (SesQueue *queue, gboolean on)
{
  if (on && queue->cal == NULL)
    {
      queue->cal = g_new0 (Calendar, 1);
      gsize bytes = sizeof (SesEvent) * CAL_BUCKETS * CAL_BUCKET_CAP;
      /* On a huge page of its own where the kernel has one. */
      queue->cal->events = g_aligned_alloc (1, bytes, bytes);
      ses_hugepages_advise (queue->cal->events, bytes);
    }
  else if (!on && queue->cal != NULL)
    {
      calendar_to_heap (queue);
      g_clear_pointer (&queue->cal, calendar_free);
    }
}

gboolean
ses_queue_calendar (const SesQueue *queue)
{
  return queue->cal != NULL;
}

guint
ses_queue_n_calendar (const SesQueue *queue)
{
  return queue->cal != NULL ? queue->cal->n : 0;
}

static inline void
push_event (SesQueue *queue, SesTime time_us, guint64 seq, guint32 kind,
            guint32 target, guint64 arg)
{
  if (queue->cal != NULL)
    {
      SesEvent ev = { .time_us = time_us, .seq = seq, .kind = kind,
                      .target = target, .arg = arg };
      if (calendar_push (queue->cal, &ev))
        return;
    }
  insert (queue, time_us, seq, kind, target, arg);
}

guint64
ses_queue_push (SesQueue *queue, SesTime time_us, guint32 kind,
                guint32 target, guint64 arg)
{
  guint64 seq = queue->next_seq++;
  push_event (queue, time_us, seq, kind, target, arg);
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
  push_event (queue, time_us, seq, kind, target, arg);
}

/* ---- timers ------------------------------------------------------------ */

/* Every write of a timer into the heap also tells its key where it is. */
static inline void
timer_put (SesQueue *q, guint i, const Timer *t)
{
  q->timers[i] = *t;
  q->slot_of[t->key] = i + 1;
}

static void
timer_sift_up (SesQueue *q, guint i)
{
  Timer t = q->timers[i];
  while (i > 0)
    {
      guint parent = (i - 1) / ARITY;
      if (!timer_before (&t, &q->timers[parent]))
        break;
      timer_put (q, i, &q->timers[parent]);
      i = parent;
    }
  timer_put (q, i, &t);
}

static void
timer_sift_down (SesQueue *q, guint i)
{
  Timer t = q->timers[i];
  for (;;)
    {
      guint first = ARITY * i + 1;
      if (first >= q->n_timers)
        break;
      guint last = MIN (first + ARITY, q->n_timers);
      guint best = first;
      for (guint c = first + 1; c < last; c++)
        if (timer_before (&q->timers[c], &q->timers[best]))
          best = c;
      if (!timer_before (&q->timers[best], &t))
        break;
      timer_put (q, i, &q->timers[best]);
      i = best;
    }
  timer_put (q, i, &t);
}

static void
timer_remove_at (SesQueue *q, guint i)
{
  q->slot_of[q->timers[i].key] = 0;
  q->n_timers--;
  if (i == q->n_timers)
    return;
  q->timers[i] = q->timers[q->n_timers];
  if (i > 0 && timer_before (&q->timers[i], &q->timers[(i - 1) / ARITY]))
    timer_sift_up (q, i);
  else
    timer_sift_down (q, i);
}

guint64
ses_queue_timer_arm (SesQueue *queue, guint32 key, SesTime time_us,
                     guint32 kind, guint32 target, guint32 arg)
{
  g_return_val_if_fail (key < G_MAXUINT32, G_MAXUINT64);
  if (G_UNLIKELY (key >= queue->n_keys))
    {
      if (key >= queue->keys_cap)
        queue->slot_of = grow (queue->slot_of, &queue->keys_cap, key + 1,
                               sizeof (guint32), &queue->own, OWN_SLOTS);
      memset (queue->slot_of + queue->n_keys, 0,
              sizeof (guint32) * (key + 1 - queue->n_keys));
      queue->n_keys = key + 1;
    }
  g_return_val_if_fail (queue->slot_of[key] == 0, G_MAXUINT64);
  if (G_UNLIKELY (queue->n_timers == queue->timers_cap))
    queue->timers = grow (queue->timers, &queue->timers_cap,
                          queue->n_timers + 1, sizeof (Timer), &queue->own,
                          OWN_TIMERS);
  Timer *t = &queue->timers[queue->n_timers];
  t->time_us = time_us;
  t->seq = queue->next_seq++;
  t->kind = kind;
  t->target = target;
  t->arg = arg;
  t->key = key;
  timer_sift_up (queue, queue->n_timers++);
  return queue->next_seq - 1;
}

gboolean
ses_queue_timer_pending (const SesQueue *queue, guint32 key)
{
  return key < queue->n_keys && queue->slot_of[key] != 0;
}

gboolean
ses_queue_timer_cancel (SesQueue *queue, guint32 key, SesEvent *out)
{
  if (!ses_queue_timer_pending (queue, key))
    return FALSE;
  guint i = queue->slot_of[key] - 1;
  if (out != NULL)
    *out = timer_event (&queue->timers[i]);
  timer_remove_at (queue, i);
  return TRUE;
}

guint
ses_queue_n_timers (const SesQueue *queue)
{
  return queue->n_timers;
}

/* ---- both -------------------------------------------------------------- */

typedef enum { FROM_NONE, FROM_HEAP, FROM_TIMERS, FROM_CALENDAR } Source;

/* Which of the three holds the next event to take. */
static inline Source
first_source (const SesQueue *q)
{
  Source src = FROM_NONE;
  SesTime t = 0;
  guint64 s = 0;
  if (q->len > 0)
    {
      src = FROM_HEAP;
      t = q->heap[0].time_us;
      s = q->heap[0].seq;
    }
  if (q->n_timers > 0
      && (src == FROM_NONE
          || earlier (q->timers[0].time_us, q->timers[0].seq, t, s)))
    {
      src = FROM_TIMERS;
      t = q->timers[0].time_us;
      s = q->timers[0].seq;
    }
  const SesEvent *c = calendar_top (q->cal);
  if (c != NULL && (src == FROM_NONE || earlier (c->time_us, c->seq, t, s)))
    src = FROM_CALENDAR;
  return src;
}

gboolean
ses_queue_peek (const SesQueue *queue, SesEvent *out)
{
  switch (first_source (queue))
    {
    case FROM_HEAP:
      *out = queue->heap[0];
      return TRUE;
    case FROM_TIMERS:
      *out = timer_event (&queue->timers[0]);
      return TRUE;
    case FROM_CALENDAR:
      *out = *calendar_top (queue->cal);
      return TRUE;
    case FROM_NONE:
    default:
      return FALSE;
    }
}

gboolean
ses_queue_pop_ex (SesQueue *queue, SesEvent *out, gboolean *from_timer)
{
  Source src = first_source (queue);
  if (from_timer != NULL)
    *from_timer = src == FROM_TIMERS;
  switch (src)
    {
    case FROM_HEAP:
      if (out != NULL)
        *out = queue->heap[0];
      pop_root (queue);
      return TRUE;
    case FROM_TIMERS:
      if (out != NULL)
        *out = timer_event (&queue->timers[0]);
      timer_remove_at (queue, 0);
      return TRUE;
    case FROM_CALENDAR:
      if (out != NULL)
        *out = *calendar_top (queue->cal);
      calendar_pop (queue->cal);
      return TRUE;
    case FROM_NONE:
    default:
      return FALSE;
    }
}

gboolean
ses_queue_pop (SesQueue *queue, SesEvent *out)
{
  return ses_queue_pop_ex (queue, out, NULL);
}

gboolean
ses_queue_remove (SesQueue *queue, guint64 seq, SesEvent *out)
{
  calendar_to_heap (queue);
  for (guint i = 0; i < queue->len; i++)
    if (queue->heap[i].seq == seq)
      {
        if (out != NULL)
          *out = queue->heap[i];
        remove_at (queue, i);
        return TRUE;
      }
  for (guint i = 0; i < queue->n_timers; i++)
    if (queue->timers[i].seq == seq)
      {
        if (out != NULL)
          *out = timer_event (&queue->timers[i]);
        timer_remove_at (queue, i);
        return TRUE;
      }
  return FALSE;
}

guint
ses_queue_length (const SesQueue *queue)
{
  return queue->len + queue->n_timers
         + (queue->cal != NULL ? queue->cal->n : 0);
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

/* Sorts by (time, seq), the order the queue takes them in. The order is
 * total (seq is unique), so any sort gives the same result; insertion
 * sort wins on the few events due at one time. */
static void
events_sort (SesEvent *ev, guint n)
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

guint
ses_queue_events_into (const SesQueue *queue, SesEvent *out)
{
  memcpy (out, queue->heap, sizeof (SesEvent) * queue->len);
  for (guint i = 0; i < queue->n_timers; i++)
    out[queue->len + i] = timer_event (&queue->timers[i]);
  guint n = queue->len + queue->n_timers;
  const Calendar *cal = queue->cal;
  if (cal != NULL)
    for (guint i = 0; i < CAL_BUCKETS; i++)
      for (guint k = cal->bucket[i].head; k < cal->bucket[i].len; k++)
        out[n++] = bucket_events (cal, i)[k];
  return n;
}

void
ses_queue_sorted (const SesQueue *queue, GArray *out)
{
  guint n = ses_queue_length (queue);
  /* An empty out may have no storage yet, and qsort must not get NULL. */
  if (n == 0)
    return;
  guint start = out->len;
  g_array_set_size (out, start + n);
  SesEvent *at = &g_array_index (out, SesEvent, start);
  ses_queue_events_into (queue, at);
  qsort (at, n, sizeof (SesEvent), compare_events);
}

guint
ses_queue_due_at_into (const SesQueue *queue, SesTime time_us, SesEvent *out)
{
  guint n = 0;
  for (guint i = 0; i < queue->len; i++)
    if (queue->heap[i].time_us == time_us)
      out[n++] = queue->heap[i];
  for (guint i = 0; i < queue->n_timers; i++)
    if (queue->timers[i].time_us == time_us)
      out[n++] = timer_event (&queue->timers[i]);
  const Calendar *cal = queue->cal;
  if (cal != NULL && cal->n > 0 && time_us >= cal->cur_start
      && time_us - cal->cur_start < CAL_SPAN_US)
    {
      guint i = (guint) (time_us >> CAL_SHIFT) & (CAL_BUCKETS - 1);
      const SesEvent *ev_of = bucket_events (cal, i);
      for (guint k = cal->bucket[i].head; k < cal->bucket[i].len; k++)
        if (ev_of[k].time_us == time_us)
          out[n++] = ev_of[k];
    }
  events_sort (out, n);
  return n;
}

void
ses_queue_due_at (const SesQueue *queue, SesTime time_us, GArray *out)
{
  guint start = out->len;
  guint pending = ses_queue_length (queue);
  if (pending == 0)
    return;
  g_array_set_size (out, start + pending);
  guint n = ses_queue_due_at_into (queue, time_us,
                                   &g_array_index (out, SesEvent, start));
  g_array_set_size (out, start + n);
}
