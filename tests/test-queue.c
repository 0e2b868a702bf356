/* The event queue: (time, insertion) order including ties, agreement with a
 * plain sorted array over thousands of random operations, removal from
 * anywhere, copies, and the sorted and due-at listings; timers (arm,
 * re-arm, cancel, ties with plain events, copies); the calendar of near
 * events against the same reference; and the MQTT model's use
 * of them: every bundled scenario, also under random faults, cancels each
 * timer when and only when it dies. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "mqtt.h"
#include "queue.h"
#include "rng.h"
#include "script.h"
#include "test-files.h"
#include "world.h"

static gboolean
ev_before (const SesEvent *a, const SesEvent *b)
{
  return a->time_us < b->time_us
         || (a->time_us == b->time_us && a->seq < b->seq);
}

static void
assert_event (const SesEvent *ev, SesTime time_us, guint64 seq, guint32 kind,
              guint32 target, guint64 arg)
{
  assert_int_equal (ev->time_us, time_us);
  assert_int_equal (ev->seq, seq);
  assert_int_equal (ev->kind, kind);
  assert_int_equal (ev->target, target);
  assert_int_equal (ev->arg, arg);
}

static void
test_empty (void **state)
{
  (void) state;
  g_autoptr (SesQueue) q = ses_queue_new ();
  SesEvent ev;
  assert_int_equal (ses_queue_length (q), 0);
  assert_false (ses_queue_peek (q, &ev));
  assert_false (ses_queue_pop (q, &ev));
  assert_false (ses_queue_remove (q, 0, &ev));
  assert_int_equal (ses_queue_next_seq (q), 0);

  g_autoptr (GArray) out = g_array_new (FALSE, FALSE, sizeof (SesEvent));
  ses_queue_sorted (q, out);
  ses_queue_due_at (q, 0, out);
  assert_int_equal (out->len, 0);
  ses_queue_free (NULL);
}

static void
test_push_returns_seq_and_keeps_fields (void **state)
{
  (void) state;
  g_autoptr (SesQueue) q = ses_queue_new ();
  guint64 big_arg = G_GUINT64_CONSTANT (1) << 40;
  assert_int_equal (ses_queue_push (q, 50, 7, 3, big_arg), 0);
  assert_int_equal (ses_queue_push (q, 10, 8, 4, 99), 1);
  assert_int_equal (ses_queue_next_seq (q), 2);
  assert_int_equal (ses_queue_length (q), 2);

  SesEvent ev;
  assert_true (ses_queue_peek (q, &ev));
  assert_event (&ev, 10, 1, 8, 4, 99);
  assert_int_equal (ses_queue_length (q), 2); /* peek does not take */
  assert_true (ses_queue_pop (q, &ev));
  assert_event (&ev, 10, 1, 8, 4, 99);
  assert_true (ses_queue_pop (q, NULL));
  assert_int_equal (ses_queue_length (q), 0);
  /* The counter never goes back, even when the queue empties. */
  assert_int_equal (ses_queue_push (q, 0, 0, 0, 0), 2);
}

static void
test_pop_order_time_then_insertion (void **state)
{
  (void) state;
  g_autoptr (SesQueue) q = ses_queue_new ();
  /* Many ties at a few times, pushed in a scrambled time order; args record
   * the push order. */
  const SesTime times[] = { 30, 10, 20, 10, 30, 10, 0, 20, 30, 10,
                            0,  20, 10, 30, 0,  10, 20, 20, 30, 0 };
  for (guint i = 0; i < G_N_ELEMENTS (times); i++)
    ses_queue_push (q, times[i], 1, 0, i);

  SesEvent prev = { 0 }, ev;
  guint n = 0;
  while (ses_queue_pop (q, &ev))
    {
      assert_int_equal (ev.time_us, times[ev.arg]);
      assert_int_equal (ev.seq, ev.arg);
      if (n > 0)
        {
          assert_true (ev_before (&prev, &ev));
          if (prev.time_us == ev.time_us)
            assert_true (prev.arg < ev.arg); /* ties: first pushed, first out */
        }
      prev = ev;
      n++;
    }
  assert_int_equal (n, G_N_ELEMENTS (times));

  /* All at one time: exactly insertion order, past the initial capacity. */
  for (guint i = 0; i < 500; i++)
    ses_queue_push (q, 7, 0, 0, i);
  for (guint i = 0; i < 500; i++)
    {
      assert_true (ses_queue_pop (q, &ev));
      assert_int_equal (ev.arg, i);
    }
}

static void
ref_insert (GArray *ref, const SesEvent *ev)
{
  guint i = ref->len;
  while (i > 0 && ev_before (ev, &g_array_index (ref, SesEvent, i - 1)))
    i--;
  g_array_insert_val (ref, i, *ev);
}

/* Pops every event of q, which must come in the reference's order. */
static void
assert_drains_as_ref (SesQueue *q, const GArray *ref)
{
  for (guint i = 0; i < ref->len; i++)
    {
      SesEvent ev;
      assert_true (ses_queue_pop (q, &ev));
      assert_memory_equal (&ev, &g_array_index (ref, SesEvent, i), sizeof ev);
    }
  assert_false (ses_queue_pop (q, NULL));
}

/* Pops the next event, which must be the reference's first (a timer, of
 * kind 2, from the timer heap, with the counter armed[] holds for its
 * key, which it clears); removes it from the reference. */
static SesEvent
pop_matches_ref (SesQueue *q, GArray *ref, guint64 *armed)
{
  SesEvent ev;
  gboolean timer;
  assert_true (ses_queue_pop_ex (q, &ev, &timer));
  assert_memory_equal (&ev, &g_array_index (ref, SesEvent, 0), sizeof ev);
  assert_int_equal (timer, ev.kind == 2);
  if (timer)
    {
      assert_int_equal (armed[ev.target], ev.seq);
      armed[ev.target] = G_MAXUINT64;
    }
  g_array_remove_index (ref, 0);
  return ev;
}

static void
assert_matches_ref (const SesQueue *q, const GArray *ref)
{
  assert_int_equal (ses_queue_length (q), ref->len);
  SesEvent ev;
  if (ref->len == 0)
    {
      assert_false (ses_queue_peek (q, &ev));
      return;
    }
  assert_true (ses_queue_peek (q, &ev));
  assert_memory_equal (&ev, &g_array_index (ref, SesEvent, 0), sizeof ev);
}

static void
test_random_against_reference (void **state)
{
  (void) state;
  g_autoptr (SesQueue) q = ses_queue_new ();
  g_autoptr (GArray) ref = g_array_new (FALSE, TRUE, sizeof (SesEvent));
  g_autoptr (GArray) sorted = g_array_new (FALSE, FALSE, sizeof (SesEvent));
  SesRng rng;
  ses_rng_init (&rng, 2024, SES_RNG_STREAM_DEBUG);
  guint pops = 0, removes = 0, misses = 0;

  for (int op = 0; op < 20000; op++)
    {
      guint64 r = ses_rng_below (&rng, 10);
      if (r < 5 || ref->len == 0)
        {
          /* A narrow time range so that ties are common. */
          SesEvent ev = { 0 };
          ev.time_us = (SesTime) ses_rng_below (&rng, 40);
          ev.kind = (guint32) ses_rng_below (&rng, 4);
          ev.target = (guint32) ses_rng_below (&rng, 3);
          ev.arg = ses_rng_next (&rng);
          ev.seq = ses_queue_push (q, ev.time_us, ev.kind, ev.target, ev.arg);
          ref_insert (ref, &ev);
        }
      else if (r < 8)
        {
          SesEvent ev;
          assert_true (ses_queue_pop (q, &ev));
          assert_memory_equal (&ev, &g_array_index (ref, SesEvent, 0),
                               sizeof ev);
          g_array_remove_index (ref, 0);
          pops++;
        }
      else if (r < 9)
        {
          /* Remove from anywhere by insertion counter. */
          guint i = (guint) ses_rng_below (&rng, ref->len);
          SesEvent want = g_array_index (ref, SesEvent, i), got;
          assert_true (ses_queue_remove (q, want.seq, &got));
          assert_memory_equal (&got, &want, sizeof got);
          g_array_remove_index (ref, i);
          removes++;
        }
      else
        {
          /* A counter that was never given out, or was already taken. */
          assert_false (ses_queue_remove (q, ses_queue_next_seq (q) + 5, NULL));
          misses++;
        }
      assert_matches_ref (q, ref);

      if (op % 997 == 0)
        {
          g_array_set_size (sorted, 0);
          ses_queue_sorted (q, sorted);
          assert_int_equal (sorted->len, ref->len);
          if (ref->len > 0)
            assert_memory_equal (sorted->data, ref->data,
                                 ref->len * sizeof (SesEvent));
        }
    }
  assert_true (pops > 1000 && removes > 1000 && misses > 1000);

  /* Drain: the rest comes out in reference order. */
  assert_drains_as_ref (q, ref);
}

static void
test_remove_keeps_heap_order (void **state)
{
  (void) state;
  /* Remove each position of a queue in turn, then check the pop order. */
  for (guint victim = 0; victim < 64; victim++)
    {
      g_autoptr (SesQueue) q = ses_queue_new ();
      g_autoptr (GArray) ref = g_array_new (FALSE, FALSE, sizeof (SesEvent));
      for (guint i = 0; i < 64; i++)
        {
          /* A zig-zag of times so removal moves events both up and down. */
          SesEvent ev = { .time_us = (SesTime) ((i * 37) % 23), .kind = 1,
                          .target = i, .arg = i };
          ev.seq = ses_queue_push (q, ev.time_us, ev.kind, ev.target, ev.arg);
          ref_insert (ref, &ev);
        }
      SesEvent got;
      assert_true (ses_queue_remove (q, victim, &got));
      assert_int_equal (got.seq, victim);
      assert_int_equal (got.target, victim);
      assert_false (ses_queue_remove (q, victim, &got)); /* gone */
      for (guint i = 0; i < ref->len; i++)
        if (g_array_index (ref, SesEvent, i).seq == victim)
          {
            g_array_remove_index (ref, i);
            break;
          }
      for (guint i = 0; i < ref->len; i++)
        {
          SesEvent ev;
          assert_true (ses_queue_pop (q, &ev));
          assert_memory_equal (&ev, &g_array_index (ref, SesEvent, i),
                               sizeof ev);
        }
      assert_int_equal (ses_queue_length (q), 0);
    }
}

static void
test_copy_is_independent (void **state)
{
  (void) state;
  g_autoptr (SesQueue) q = ses_queue_new ();
  for (guint i = 0; i < 100; i++)
    ses_queue_push (q, (SesTime) (100 - i % 10), 0, 0, i);
  ses_queue_pop (q, NULL);

  g_autoptr (SesQueue) c = ses_queue_copy (q);
  assert_int_equal (ses_queue_length (c), ses_queue_length (q));
  assert_int_equal (ses_queue_next_seq (c), ses_queue_next_seq (q));

  g_autoptr (GArray) a = g_array_new (FALSE, FALSE, sizeof (SesEvent));
  g_autoptr (GArray) b = g_array_new (FALSE, FALSE, sizeof (SesEvent));
  ses_queue_sorted (q, a);
  ses_queue_sorted (c, b);
  assert_int_equal (a->len, 99);
  assert_memory_equal (a->data, b->data, a->len * sizeof (SesEvent));

  /* Changing the copy leaves the original alone, and the other way round. */
  assert_int_equal (ses_queue_push (c, 0, 9, 9, 9), 100);
  for (guint i = 0; i < 200; i++) /* grows the copy past its capacity */
    ses_queue_push (c, 1000, 0, 0, 0);
  ses_queue_pop (q, NULL);
  ses_queue_pop (q, NULL);
  assert_int_equal (ses_queue_length (q), 97);
  assert_int_equal (ses_queue_length (c), 300);
  assert_int_equal (ses_queue_next_seq (q), 100);
  assert_int_equal (ses_queue_next_seq (c), 301);
  SesEvent ev;
  assert_true (ses_queue_peek (c, &ev));
  assert_event (&ev, 0, 100, 9, 9, 9);
  assert_true (ses_queue_peek (q, &ev));
  assert_int_equal (ev.time_us, 91);

  /* A copy of an empty queue works and grows. */
  g_autoptr (SesQueue) empty = ses_queue_new ();
  g_autoptr (SesQueue) ec = ses_queue_copy (empty);
  for (guint i = 0; i < 300; i++)
    ses_queue_push (ec, 300 - i, 0, 0, i);
  assert_int_equal (ses_queue_length (ec), 300);
  assert_int_equal (ses_queue_length (empty), 0);
  assert_true (ses_queue_pop (ec, &ev));
  assert_int_equal (ev.arg, 299);
}

static void
test_sorted_and_due_at (void **state)
{
  (void) state;
  g_autoptr (SesQueue) q = ses_queue_new ();
  ses_queue_push (q, 20, 0, 0, 0); /* seq 0 */
  ses_queue_push (q, 10, 0, 0, 1); /* seq 1 */
  ses_queue_push (q, 20, 0, 0, 2); /* seq 2 */
  ses_queue_push (q, 5, 0, 0, 3);  /* seq 3 */
  ses_queue_push (q, 10, 0, 0, 4); /* seq 4 */
  ses_queue_push (q, 20, 0, 0, 5); /* seq 5 */

  /* Both append after what out already holds. */
  g_autoptr (GArray) out = g_array_new (FALSE, FALSE, sizeof (SesEvent));
  SesEvent marker = { .time_us = 999, .seq = 999 };
  g_array_append_val (out, marker);
  ses_queue_sorted (q, out);
  const guint64 sorted_seqs[] = { 999, 3, 1, 4, 0, 2, 5 };
  assert_int_equal (out->len, G_N_ELEMENTS (sorted_seqs));
  for (guint i = 0; i < out->len; i++)
    assert_int_equal (g_array_index (out, SesEvent, i).seq, sorted_seqs[i]);
  assert_int_equal (g_array_index (out, SesEvent, 1).time_us, 5);
  assert_int_equal (ses_queue_length (q), 6); /* listing takes nothing */

  g_array_set_size (out, 1);
  ses_queue_due_at (q, 20, out);
  const guint64 due20[] = { 999, 0, 2, 5 };
  assert_int_equal (out->len, G_N_ELEMENTS (due20));
  for (guint i = 0; i < out->len; i++)
    assert_int_equal (g_array_index (out, SesEvent, i).seq, due20[i]);

  g_array_set_size (out, 0);
  ses_queue_due_at (q, 10, out);
  assert_int_equal (out->len, 2);
  assert_int_equal (g_array_index (out, SesEvent, 0).seq, 1);
  assert_int_equal (g_array_index (out, SesEvent, 1).seq, 4);

  g_array_set_size (out, 0);
  ses_queue_due_at (q, 11, out);
  assert_int_equal (out->len, 0);

  /* due_at on a large queue with many ties returns them in seq order. */
  g_autoptr (SesQueue) big = ses_queue_new ();
  for (guint i = 0; i < 1000; i++)
    ses_queue_push (big, (SesTime) (i % 7), 0, 0, i);
  g_array_set_size (out, 0);
  ses_queue_due_at (big, 3, out);
  assert_int_equal (out->len, 143);
  for (guint i = 0; i < out->len; i++)
    {
      const SesEvent *ev = &g_array_index (out, SesEvent, i);
      assert_int_equal (ev->time_us, 3);
      assert_int_equal (ev->seq, 3 + 7 * i);
    }
}

/* ---- timers -------------------------------------------------------------- */

static void
test_timer_arm_cancel (void **state)
{
  (void) state;
  g_autoptr (SesQueue) q = ses_queue_new ();
  SesEvent ev;
  assert_false (ses_queue_timer_pending (q, 0));
  assert_false (ses_queue_timer_cancel (q, 0, &ev));
  assert_false (ses_queue_timer_cancel (q, 1000000, NULL)); /* never used */

  /* Timers and plain events share one insertion counter. */
  assert_int_equal (ses_queue_push (q, 50, 1, 0, 0), 0);
  assert_int_equal (ses_queue_timer_arm (q, 7, 40, 2, 3, 0xdeadbeef), 1);
  assert_int_equal (ses_queue_timer_arm (q, 3, 60, 4, 5, 6), 2);
  assert_int_equal (ses_queue_length (q), 3);
  assert_int_equal (ses_queue_n_timers (q), 2);
  assert_true (ses_queue_timer_pending (q, 7));
  assert_true (ses_queue_timer_pending (q, 3));
  assert_false (ses_queue_timer_pending (q, 4));

  /* A timer comes back as an event, its arg widened. */
  assert_true (ses_queue_peek (q, &ev));
  assert_event (&ev, 40, 1, 2, 3, 0xdeadbeef);

  /* Cancel hands it back and frees the key; the counter is not reused. */
  assert_true (ses_queue_timer_cancel (q, 7, &ev));
  assert_event (&ev, 40, 1, 2, 3, 0xdeadbeef);
  assert_false (ses_queue_timer_pending (q, 7));
  assert_false (ses_queue_timer_cancel (q, 7, NULL));
  assert_int_equal (ses_queue_length (q), 2);

  /* Re-arm: cancel then arm again, later in the counter's order. */
  assert_int_equal (ses_queue_timer_arm (q, 7, 50, 2, 3, 1), 3);
  gboolean timer = TRUE;
  assert_true (ses_queue_pop_ex (q, &ev, &timer));
  assert_false (timer);
  assert_event (&ev, 50, 0, 1, 0, 0);        /* plain, seq 0 first at 50 */
  assert_true (ses_queue_pop_ex (q, &ev, &timer));
  assert_true (timer);
  assert_event (&ev, 50, 3, 2, 3, 1);
  assert_false (ses_queue_timer_pending (q, 7)); /* taken: key free */
  assert_true (ses_queue_pop (q, &ev));
  assert_event (&ev, 60, 2, 4, 5, 6);
  assert_false (ses_queue_pop (q, NULL));
  assert_int_equal (ses_queue_n_timers (q), 0);

  /* A timer can be removed by its counter, like any event. */
  guint64 seq = ses_queue_timer_arm (q, 9, 5, 1, 1, 1);
  assert_true (ses_queue_remove (q, seq, &ev));
  assert_event (&ev, 5, seq, 1, 1, 1);
  assert_false (ses_queue_timer_pending (q, 9));
  assert_int_equal (ses_queue_length (q), 0);
}

/* Ties at one time between plain events and timers go by insertion
 * counter, across the two heaps, in pops, listings and due-at. */
static void
test_timer_ties_with_events (void **state)
{
  (void) state;
  g_autoptr (SesQueue) q = ses_queue_new ();
  guint key = 0;
  for (guint i = 0; i < 300; i++)
    {
      if (i % 3 == 1)
        ses_queue_timer_arm (q, key++, 7, 0, 0, i);
      else
        ses_queue_push (q, 7, 0, 0, i);
    }
  /* An earlier and a later time on either side. */
  ses_queue_timer_arm (q, key++, 8, 0, 0, 1000);
  ses_queue_push (q, 6, 0, 0, 1001);

  g_autoptr (GArray) due = g_array_new (FALSE, FALSE, sizeof (SesEvent));
  ses_queue_due_at (q, 7, due);
  assert_int_equal (due->len, 300);
  SesEvent into[302];
  assert_int_equal (ses_queue_due_at_into (q, 7, into), 300);
  for (guint i = 0; i < 300; i++)
    {
      assert_int_equal (g_array_index (due, SesEvent, i).arg, i);
      assert_int_equal (into[i].arg, i);
    }
  g_autoptr (GArray) sorted = g_array_new (FALSE, FALSE, sizeof (SesEvent));
  ses_queue_sorted (q, sorted);
  assert_int_equal (sorted->len, 302);
  assert_int_equal (g_array_index (sorted, SesEvent, 0).arg, 1001);
  assert_int_equal (g_array_index (sorted, SesEvent, 301).arg, 1000);
  assert_int_equal (ses_queue_events_into (q, into), 302);

  SesEvent ev;
  assert_true (ses_queue_pop (q, &ev));
  assert_int_equal (ev.arg, 1001);
  for (guint i = 0; i < 300; i++)
    {
      assert_true (ses_queue_pop (q, &ev));
      assert_int_equal (ev.arg, i);
      assert_int_equal (ev.seq, i);
    }
  assert_true (ses_queue_pop (q, &ev));
  assert_int_equal (ev.arg, 1000);
  assert_false (ses_queue_pop (q, NULL));
}

/* Timers against a sorted reference: arming, re-arming and cancelling by
 * key, mixed with plain pushes, pops and removals, ties frequent. */
static void
test_timers_random_against_reference (void **state)
{
  (void) state;
  enum { N_KEYS = 200 };
  g_autoptr (SesQueue) q = ses_queue_new ();
  g_autoptr (GArray) ref = g_array_new (FALSE, TRUE, sizeof (SesEvent));
  /* The pending timer's counter per key, G_MAXUINT64 for none. */
  guint64 armed[N_KEYS];
  for (guint k = 0; k < N_KEYS; k++)
    armed[k] = G_MAXUINT64;
  SesRng rng;
  ses_rng_init (&rng, 77, SES_RNG_STREAM_DEBUG);
  SesTime now = 0;
  guint arms = 0, rearms = 0, cancels = 0, timer_pops = 0;

  for (int op = 0; op < 30000; op++)
    {
      guint64 r = ses_rng_below (&rng, 10);
      guint32 key = (guint32) ses_rng_below (&rng, N_KEYS);
      if (r < 3)
        {
          SesEvent ev = { 0 };
          ev.time_us = now + (SesTime) ses_rng_below (&rng, 30);
          ev.kind = 1;
          ev.arg = ses_rng_next (&rng);
          ev.seq = ses_queue_push (q, ev.time_us, ev.kind, ev.target, ev.arg);
          ref_insert (ref, &ev);
        }
      else if (r < 6)
        {
          /* Arm, or re-arm (cancel, then arm). */
          if (armed[key] != G_MAXUINT64)
            {
              SesEvent old;
              assert_true (ses_queue_timer_cancel (q, key, &old));
              assert_int_equal (old.seq, armed[key]);
              assert_int_equal (old.target, key);
              for (guint i = 0; i < ref->len; i++)
                if (g_array_index (ref, SesEvent, i).seq == old.seq)
                  {
                    assert_memory_equal (&g_array_index (ref, SesEvent, i),
                                         &old, sizeof old);
                    g_array_remove_index (ref, i);
                    break;
                  }
              rearms++;
            }
          SesEvent ev = { 0 };
          ev.time_us = now + (SesTime) ses_rng_below (&rng, 30);
          ev.kind = 2;
          ev.target = key;
          ev.arg = (guint32) ses_rng_next (&rng);
          ev.seq = ses_queue_timer_arm (q, key, ev.time_us, ev.kind,
                                        ev.target, (guint32) ev.arg);
          armed[key] = ev.seq;
          ref_insert (ref, &ev);
          arms++;
        }
      else if (r < 7)
        {
          gboolean had = armed[key] != G_MAXUINT64;
          assert_int_equal (ses_queue_timer_cancel (q, key, NULL), had);
          if (had)
            {
              for (guint i = 0; i < ref->len; i++)
                if (g_array_index (ref, SesEvent, i).seq == armed[key])
                  {
                    g_array_remove_index (ref, i);
                    break;
                  }
              armed[key] = G_MAXUINT64;
              cancels++;
            }
        }
      else if (ref->len > 0)
        {
          SesEvent ev = pop_matches_ref (q, ref, armed);
          timer_pops += ev.kind == 2;
          now = ev.time_us;
        }
      assert_matches_ref (q, ref);
      for (guint k = 0; k < N_KEYS; k += 37)
        assert_int_equal (ses_queue_timer_pending (q, k),
                          armed[k] != G_MAXUINT64);
    }
  assert_true (arms > 5000 && rearms > 1000 && cancels > 1000
               && timer_pops > 1000);
}

/* The calendar of near events (ses_queue_set_calendar) gives the order the
 * heaps alone give: packets due within a few ms, some beyond the
 * calendar's 65 ms, far events, ties at now, bursts at one time that
 * overflow a bucket, timers armed and cancelled,
 * removal by counter, the listings, copies, and the calendar switched off
 * and on again on the way. */
static void
test_calendar_against_reference (void **state)
{
  (void) state;
  enum { N_KEYS = 64 };
  g_autoptr (SesQueue) q = ses_queue_new ();
  ses_queue_set_calendar (q, TRUE);
  assert_true (ses_queue_calendar (q));
  g_autoptr (GArray) ref = g_array_new (FALSE, TRUE, sizeof (SesEvent));
  g_autoptr (GArray) listed = g_array_new (FALSE, FALSE, sizeof (SesEvent));
  guint64 armed[N_KEYS];
  for (guint k = 0; k < N_KEYS; k++)
    armed[k] = G_MAXUINT64;
  SesRng rng;
  ses_rng_init (&rng, 4242, SES_RNG_STREAM_DEBUG);
  SesTime now = 0;
  guint in_calendar_max = 0, in_heap_near = 0, pops = 0, removes = 0;
  guint copies = 0, toggles = 0, bursts = 0;

  for (int op = 0; op < 40000; op++)
    {
      guint64 r = ses_rng_below (&rng, 100);
      if (r < 50)
        {
          /* Mostly a latency ahead; some at now, some past the span. */
          guint64 how = ses_rng_below (&rng, 20);
          SesTime at = how == 0   ? now
                       : how == 1 ? now + 60000
                                      + (SesTime) ses_rng_below (&rng, 20000)
                       : how == 2 ? now + (SesTime) ses_rng_below (&rng,
                                                                   3000000)
                                  : now + (SesTime) ses_rng_below (&rng, 3000);
          SesEvent ev = { .time_us = at, .kind = 1,
                          .target = (guint32) ses_rng_below (&rng, 1000),
                          .arg = ses_rng_next (&rng) };
          guint before_heap = ses_queue_length (q) - ses_queue_n_calendar (q);
          if (how == 3 && ses_rng_below (&rng, 8) == 0)
            /* A burst at one time: more than a bucket holds. */
            for (guint k = 0; k < 40; k++)
              {
                SesEvent b = ev;
                b.target = k;
                b.seq = ses_queue_push (q, b.time_us, b.kind, b.target, b.arg);
                ref_insert (ref, &b);
                bursts++;
              }
          ev.seq = ses_queue_push (q, ev.time_us, ev.kind, ev.target, ev.arg);
          if (ses_queue_calendar (q) && at - now < 60000
              && ses_queue_length (q) - ses_queue_n_calendar (q)
                   > before_heap)
            in_heap_near++; /* before the current bucket: the heap's */
          ref_insert (ref, &ev);
        }
      else if (r < 56)
        {
          guint32 key = (guint32) ses_rng_below (&rng, N_KEYS);
          if (armed[key] != G_MAXUINT64)
            {
              assert_true (ses_queue_timer_cancel (q, key, NULL));
              for (guint i = 0; i < ref->len; i++)
                if (g_array_index (ref, SesEvent, i).seq == armed[key])
                  {
                    g_array_remove_index (ref, i);
                    break;
                  }
            }
          SesEvent ev = { .time_us = now + (SesTime) ses_rng_below (&rng,
                                                                     90000),
                          .kind = 2, .target = key };
          ev.seq = ses_queue_timer_arm (q, key, ev.time_us, ev.kind,
                                        ev.target, 0);
          armed[key] = ev.seq;
          ref_insert (ref, &ev);
        }
      else if (r < 57 && ref->len > 0)
        {
          /* Remove one by its counter, wherever it waits. */
          guint i = (guint) ses_rng_below (&rng, ref->len);
          SesEvent want = g_array_index (ref, SesEvent, i), got;
          if (want.kind == 2)
            continue; /* timers are cancelled by key */
          assert_true (ses_queue_remove (q, want.seq, &got));
          assert_memory_equal (&got, &want, sizeof got);
          g_array_remove_index (ref, i);
          removes++;
        }
      else if (r < 58)
        {
          /* Every listing sees the calendar's events too. */
          g_array_set_size (listed, 0);
          ses_queue_sorted (q, listed);
          assert_int_equal (listed->len, ref->len);
          if (ref->len > 0)
            assert_memory_equal (listed->data, ref->data,
                                 sizeof (SesEvent) * ref->len);
          if (ref->len > 0)
            {
              SesTime first = g_array_index (ref, SesEvent, 0).time_us;
              g_array_set_size (listed, 0);
              ses_queue_due_at (q, first, listed);
              guint due = 0;
              while (due < ref->len
                     && g_array_index (ref, SesEvent, due).time_us == first)
                due++;
              assert_int_equal (listed->len, due);
              assert_memory_equal (listed->data, ref->data,
                                   sizeof (SesEvent) * due);
              SesEvent into[ses_queue_length (q) + 1];
              assert_int_equal (ses_queue_due_at_into (q, first, into), due);
              assert_memory_equal (into, ref->data, sizeof (SesEvent) * due);
            }
        }
      else if (r < 59)
        {
          /* A copy (no calendar) takes the same events in the same order,
           * made anew or into a queue that had a calendar. */
          g_autoptr (SesQueue) c = NULL;
          if (copies % 2 == 0)
            c = ses_queue_copy (q);
          else
            {
              c = ses_queue_new ();
              ses_queue_set_calendar (c, TRUE);
              ses_queue_push (c, now, 9, 9, 9);
              c = ses_queue_copy_into (c, q);
            }
          assert_false (ses_queue_calendar (c));
          assert_drains_as_ref (c, ref);
          copies++;
        }
      else if (r < 60)
        {
          ses_queue_set_calendar (q, !ses_queue_calendar (q));
          toggles++;
        }
      else if (ref->len > 0)
        {
          now = pop_matches_ref (q, ref, armed).time_us;
          pops++;
        }
      assert_matches_ref (q, ref);
      in_calendar_max = MAX (in_calendar_max, ses_queue_n_calendar (q));
    }
  /* Every path was taken. */
  assert_true (in_calendar_max > 50 && in_heap_near > 100 && pops > 10000
               && removes > 100 && copies > 100 && toggles > 100
               && bursts > 1000);
}

/* A copy has its own timers and keys: cancelling or arming in one leaves
 * the other as it was, and both keep the counter where it was. */
static void
test_timer_copy (void **state)
{
  (void) state;
  g_autoptr (SesQueue) q = ses_queue_new ();
  for (guint k = 0; k < 100; k++)
    ses_queue_timer_arm (q, k, 1000 - k, 3, k, k);
  ses_queue_push (q, 500, 1, 0, 0);
  g_autoptr (SesQueue) c = ses_queue_copy (q);
  assert_int_equal (ses_queue_length (c), 101);
  assert_int_equal (ses_queue_n_timers (c), 100);
  assert_int_equal (ses_queue_next_seq (c), 101);

  g_autoptr (GArray) a = g_array_new (FALSE, FALSE, sizeof (SesEvent));
  g_autoptr (GArray) b = g_array_new (FALSE, FALSE, sizeof (SesEvent));
  ses_queue_sorted (q, a);
  ses_queue_sorted (c, b);
  assert_memory_equal (a->data, b->data, a->len * sizeof (SesEvent));

  SesEvent ev;
  for (guint k = 0; k < 100; k += 2)
    assert_true (ses_queue_timer_cancel (c, k, &ev));
  for (guint k = 0; k < 100; k++)
    assert_true (ses_queue_timer_pending (q, k));
  /* Keys beyond what the original used, and more timers than the copy
   * had room for. */
  for (guint k = 100; k < 400; k++)
    ses_queue_timer_arm (c, k, 2000 + k, 3, k, k);
  assert_false (ses_queue_timer_pending (q, 100));
  assert_int_equal (ses_queue_n_timers (q), 100);
  assert_int_equal (ses_queue_n_timers (c), 350);
  assert_int_equal (ses_queue_next_seq (q), 101);
  assert_int_equal (ses_queue_next_seq (c), 401);

  /* The original still pops in full order; the copy without the evens. */
  SesEvent prev = { 0 };
  guint n = 0;
  while (ses_queue_pop (q, &ev))
    {
      if (n++ > 0)
        assert_true (ev_before (&prev, &ev));
      prev = ev;
    }
  assert_int_equal (n, 101);
  n = 0;
  while (ses_queue_pop (c, &ev))
    {
      if (ev.kind == 3 && ev.target < 100)
        assert_int_equal (ev.target % 2, 1);
      if (n++ > 0)
        assert_true (ev_before (&prev, &ev));
      prev = ev;
    }
  assert_int_equal (n, 351);

  /* A copy of a copy with no timers left can arm again. */
  g_autoptr (SesQueue) cc = ses_queue_copy (c);
  assert_int_equal (ses_queue_timer_arm (cc, 5, 1, 0, 0, 0), 401);
  assert_true (ses_queue_timer_pending (cc, 5));
}

/* A big queue in the shape of a simulation (thousands pending, most due
 * within tens of milliseconds after the latest taken, some far off, some
 * timers), against a sorted reference: the same order, ties included, and
 * removal, listings and copies too. */
static void
test_big_queue_against_reference (void **state)
{
  (void) state;
  g_autoptr (SesQueue) q = ses_queue_new ();
  g_autoptr (GArray) ref = g_array_new (FALSE, TRUE, sizeof (SesEvent));
  g_autoptr (GArray) sorted = g_array_new (FALSE, FALSE, sizeof (SesEvent));
  SesRng rng;
  ses_rng_init (&rng, 4242, SES_RNG_STREAM_DEBUG);
  SesTime now = 1000;
  guint32 next_key = 0;
  guint pops = 0, copies = 0;

  for (int op = 0; op < 40000; op++)
    {
      guint64 r = ses_rng_below (&rng, 100);
      /* Grow to a few thousand pending, then hold there. */
      gboolean grow = ref->len < 3000 && ses_rng_below (&rng, 2) == 0;
      if (r < 45 || grow || ref->len == 0)
        {
          SesEvent ev = { 0 };
          guint64 how = ses_rng_below (&rng, 10);
          if (how < 6)
            ev.time_us = now + (SesTime) ses_rng_below (&rng, 25000);
          else if (how < 8)
            ev.time_us = now + (SesTime) ses_rng_below (&rng, 4) * 128;
          else
            ev.time_us = now + (SesTime) ses_rng_below (&rng, 200000);
          ev.kind = 1;
          ev.target = (guint32) ses_rng_below (&rng, 1000);
          ev.arg = ses_rng_next (&rng);
          if (ses_rng_below (&rng, 8) == 0)
            {
              ev.arg = (guint32) ev.arg;
              ev.kind = 2;
              ev.seq = ses_queue_timer_arm (q, next_key++, ev.time_us,
                                            ev.kind, ev.target,
                                            (guint32) ev.arg);
            }
          else
            ev.seq = ses_queue_push (q, ev.time_us, ev.kind, ev.target,
                                     ev.arg);
          ref_insert (ref, &ev);
        }
      else if (r < 95)
        {
          SesEvent ev;
          assert_true (ses_queue_pop (q, &ev));
          assert_memory_equal (&ev, &g_array_index (ref, SesEvent, 0),
                               sizeof ev);
          g_array_remove_index (ref, 0);
          now = ev.time_us;
          pops++;
        }
      else
        {
          guint i = (guint) ses_rng_below (&rng, ref->len);
          SesEvent want = g_array_index (ref, SesEvent, i), got;
          assert_true (ses_queue_remove (q, want.seq, &got));
          assert_memory_equal (&got, &want, sizeof got);
          g_array_remove_index (ref, i);
        }
      assert_matches_ref (q, ref);

      if (op % 4999 == 0)
        {
          g_array_set_size (sorted, 0);
          ses_queue_sorted (q, sorted);
          assert_int_equal (sorted->len, ref->len);
          if (ref->len > 0)
            assert_memory_equal (sorted->data, ref->data,
                                 ref->len * sizeof (SesEvent));
          SesEvent first;
          if (ses_queue_peek (q, &first))
            {
              g_autoptr (GArray) due = g_array_new (FALSE, FALSE,
                                                    sizeof (SesEvent));
              ses_queue_due_at (q, first.time_us, due);
              guint n = 0;
              while (n < ref->len
                     && g_array_index (ref, SesEvent, n).time_us
                          == first.time_us)
                n++;
              assert_int_equal (due->len, n);
              assert_memory_equal (due->data, ref->data,
                                   n * sizeof (SesEvent));
            }
        }
      if (op % 9973 == 0 && ref->len > 0)
        {
          /* A copy drains in the reference order; the original goes on. */
          g_autoptr (SesQueue) c = ses_queue_copy (q);
          assert_int_equal (ses_queue_length (c), ref->len);
          assert_drains_as_ref (c, ref);
          copies++;
        }
    }
  assert_true (pops > 15000 && copies >= 4);
}

/* ---- the MQTT model's timers ---------------------------------------------- */

static void
check_scenario_timers (const char *path, guint *n_runs, guint64 *n_timers)
{
  gsize len;
  g_autofree char *text = test_read_file (path, &len);
  g_autoptr (GError) error = NULL;
  g_autoptr (SesScript) script = ses_script_load (path, text, len, &error);
  if (script == NULL)
    fail_msg ("%s: %s", path, error->message);
  SesMqttConfig *cfg = ses_script_config (script);
  for (guint seed = 0; seed < 4; seed++)
    {
      g_autoptr (SesWorld) w = ses_mqtt_world_new (cfg, ses_script_seed (script)
                                                        + seed);
      ses_mqtt_set_recording (ses_mqtt_from_world (w), FALSE);
      /* Seed 0: the scenario as written; then random faults on top. */
      SesRandomRun opts = { .until = ses_script_until (script),
                            .fault_ppm = seed == 0 ? 0 : 20000 * seed,
                            .max_faults = seed == 0 ? 0 : 8 };
      guint64 steps = 0;
      /* In stretches, so that timers pending at several points count. */
      for (guint part = 1; part <= 4; part++)
        {
          SesRandomRun o = opts;
          o.until = opts.until / 4 * part;
          steps += ses_world_run_random (w, &o);
          *n_timers += ses_world_pending_timers (w);
        }
      /* Past the end too: expiries and delayed wills fall due. */
      opts.until += 2 * 3600 * SES_US_PER_S;
      opts.fault_ppm = 0;
      steps += ses_world_run_random (w, &opts);
      guint64 removed_live, due_dead;
      ses_world_timer_misuse (w, &removed_live, &due_dead);
      if (removed_live != 0 || due_dead != 0)
        fail_msg ("%s, seed +%u: %" G_GUINT64_FORMAT " timers removed "
                  "while live, %" G_GUINT64_FORMAT " came due dead",
                  path, seed, removed_live, due_dead);
      assert_true (steps > 0);
      (*n_runs)++;
    }
}

static void
test_model_cancels_dead_timers (void **state)
{
  (void) state;
  guint n_runs = 0;
  guint64 n_timers = 0;
  g_autoptr (GPtrArray) paths = test_bundled_scenarios (SOURCE_ROOT);
  for (guint i = 0; i < paths->len; i++)
    check_scenario_timers (paths->pdata[i], &n_runs, &n_timers);
  /* The bundled scenarios are many and do arm timers. */
  assert_true (n_runs >= 200);
  assert_true (n_timers > 100);
}

/* A queue copied into again and again (the explorer's scratch child),
 * from queues with more and fewer events and timers than it held, after
 * it outgrew its arrays: each time it holds what a fresh copy holds and
 * pops the same events, and the original is untouched. */
static void
test_copy_into (void **state)
{
  (void) state;
  g_autoptr (SesQueue) small = ses_queue_new ();
  ses_queue_push (small, 5, 1, 1, 1);
  ses_queue_timer_arm (small, 2, 7, 2, 2, 2);
  g_autoptr (SesQueue) big = ses_queue_new ();
  for (guint i = 0; i < 150; i++)
    ses_queue_push (big, (SesTime) (300 - i), 0, i, i);
  for (guint32 key = 0; key < 40; key++)
    ses_queue_timer_arm (big, key * 3, 100 + key, 3, key, key);

  SesQueue *scratch = NULL;
  const SesQueue *from[] = { small, big, small, big, small };
  g_autoptr (GArray) a = g_array_new (FALSE, FALSE, sizeof (SesEvent));
  g_autoptr (GArray) b = g_array_new (FALSE, FALSE, sizeof (SesEvent));
  for (guint k = 0; k < G_N_ELEMENTS (from); k++)
    {
      guint len = ses_queue_length (from[k]);
      scratch = ses_queue_copy_into (scratch, from[k]);
      g_autoptr (SesQueue) fresh = ses_queue_copy (from[k]);
      assert_int_equal (ses_queue_next_seq (scratch),
                        ses_queue_next_seq (fresh));
      /* Past every spare room: arrays move out and keys are added. */
      for (guint i = 0; i < 300; i++)
        {
          ses_queue_push (scratch, 1000 + i % 7, 0, 0, i);
          ses_queue_push (fresh, 1000 + i % 7, 0, 0, i);
        }
      for (guint32 key = 1; key < 200; key += 2)
        {
          /* Re-armed where pending, as ses_world_timer_set() does. */
          assert_int_equal (ses_queue_timer_cancel (scratch, key, NULL),
                            ses_queue_timer_cancel (fresh, key, NULL));
          ses_queue_timer_arm (scratch, key, 2000 + key, 4, key, key);
          ses_queue_timer_arm (fresh, key, 2000 + key, 4, key, key);
        }
      assert_true (ses_queue_timer_cancel (scratch, 41, NULL));
      assert_true (ses_queue_timer_cancel (fresh, 41, NULL));
      g_array_set_size (a, 0);
      g_array_set_size (b, 0);
      ses_queue_sorted (scratch, a);
      ses_queue_sorted (fresh, b);
      assert_int_equal (a->len, b->len);
      assert_memory_equal (a->data, b->data, a->len * sizeof (SesEvent));
      SesEvent x, y;
      while (ses_queue_pop (fresh, &y))
        {
          assert_true (ses_queue_pop (scratch, &x));
          assert_memory_equal (&x, &y, sizeof x);
        }
      assert_false (ses_queue_pop (scratch, &x));
      assert_int_equal (ses_queue_length (from[k]), len);
    }
  assert_int_equal (ses_queue_length (small), 2);
  assert_int_equal (ses_queue_length (big), 190);
  ses_queue_free (scratch);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_empty),
    cmocka_unit_test (test_push_returns_seq_and_keeps_fields),
    cmocka_unit_test (test_pop_order_time_then_insertion),
    cmocka_unit_test (test_random_against_reference),
    cmocka_unit_test (test_remove_keeps_heap_order),
    cmocka_unit_test (test_copy_is_independent),
    cmocka_unit_test (test_sorted_and_due_at),
    cmocka_unit_test (test_timer_arm_cancel),
    cmocka_unit_test (test_timer_ties_with_events),
    cmocka_unit_test (test_timers_random_against_reference),
    cmocka_unit_test (test_timer_copy),
    cmocka_unit_test (test_calendar_against_reference),
    cmocka_unit_test (test_copy_into),
    cmocka_unit_test (test_big_queue_against_reference),
    cmocka_unit_test (test_model_cancels_dead_timers),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
