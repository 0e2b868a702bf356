/* A binary heap of 24-byte events in one array, ordered by (time, seq) with
 * seq a running counter, so equal times come out first in, first out. New
 * events are due 1 to 2^20 time units after the one just taken (uniform,
 * from an inlined splitmix64), which keeps the heap's shape steady. Built
 * here so that the comparison needs nothing outside the repository. */
#include "heap-hold.h"
#include "hugepages.h"
#include "measure.h"

typedef struct {
  guint64 time;
  guint64 seq;
  guint64 data; /* stands for what a handler would need */
} Ev;

typedef struct {
  Ev *a;
  guint n;
  guint64 rng;
  guint64 seq;
  guint64 now;
  guint64 checksum;
} Hold;

static inline gboolean
ev_less (const Ev *x, const Ev *y)
{
  return x->time < y->time || (x->time == y->time && x->seq < y->seq);
}

static inline guint64
next_random (guint64 *state)
{
  guint64 z = (*state += G_GUINT64_CONSTANT (0x9e3779b97f4a7c15));
  z = (z ^ (z >> 30)) * G_GUINT64_CONSTANT (0xbf58476d1ce4e5b9);
  z = (z ^ (z >> 27)) * G_GUINT64_CONSTANT (0x94d049bb133111eb);
  return z ^ (z >> 31);
}

static inline Ev
make_event (Hold *h)
{
  Ev e;
  e.time = h->now + 1 + (next_random (&h->rng) >> 44);
  e.seq = h->seq++;
  e.data = e.seq * 2654435761u;
  return e;
}

static inline void
push (Hold *h, Ev e)
{
  guint i = h->n++;
  while (i > 0)
    {
      guint parent = (i - 1) / 2;
      if (!ev_less (&e, &h->a[parent]))
        break;
      h->a[i] = h->a[parent];
      i = parent;
    }
  h->a[i] = e;
}

static inline Ev
pop (Hold *h)
{
  Ev top = h->a[0];
  Ev last = h->a[--h->n];
  guint i = 0, n = h->n;
  if (n == 0)
    return top;
  for (;;)
    {
      guint c = 2 * i + 1;
      if (c >= n)
        break;
      if (c + 1 < n && ev_less (&h->a[c + 1], &h->a[c]))
        c++;
      if (!ev_less (&h->a[c], &last))
        break;
      h->a[i] = h->a[c];
      i = c;
    }
  h->a[i] = last;
  return top;
}

static G_GNUC_NO_INLINE void
hold_steps (Hold *h, guint64 k)
{
  for (guint64 i = 0; i < k; i++)
    {
      Ev e = pop (h);
      h->now = e.time;
      h->checksum = (h->checksum ^ e.time ^ (e.seq << 1))
                    * G_GUINT64_CONSTANT (0x100000001b3);
      push (h, make_event (h));
    }
}

void
heap_hold_run (guint pending, gint64 min_us, guint64 seed,
               gboolean huge_pages, HeapHoldResult *out)
{
  Hold h = { .a = g_new (Ev, MAX (pending, 1u) + 1), .rng = seed };
  if (huge_pages)
    ses_hugepages_advise (h.a, sizeof (Ev) * (MAX (pending, 1u) + 1));
  for (guint i = 0; i < pending; i++)
    push (&h, make_event (&h));
  guint64 done = 0, batch = 1024;
  gint64 t0 = g_get_monotonic_time (), c0 = bench_cpu_us (), el = 0;
  if (pending > 0)
    while (el < min_us)
      {
        hold_steps (&h, batch);
        done += batch;
        el = g_get_monotonic_time () - t0;
        if (batch < (1u << 20))
          batch *= 2;
      }
  out->events = done;
  out->us = el;
  out->cpu_us = bench_cpu_us () - c0;
  out->checksum = h.checksum;
  g_free (h.a);
}
