/* The event queue: (time, insertion) order including ties, agreement with a
 * plain sorted array over thousands of random operations, removal from
 * anywhere, copies, and the sorted and due-at listings. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "queue.h"
#include "rng.h"

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
  for (guint i = 0; i < ref->len; i++)
    {
      SesEvent ev;
      assert_true (ses_queue_pop (q, &ev));
      assert_memory_equal (&ev, &g_array_index (ref, SesEvent, i), sizeof ev);
    }
  assert_false (ses_queue_pop (q, NULL));
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
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
