/* The model's state arrays (SesVec, models/session.h): read as GArrays,
 * grown in powers of two from the least malloc hands out, lent into a
 * copy's block and moved out of it on growth, and giving their room back
 * when emptied. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "session.h"

static void
append_u32 (SesVec *v, guint32 x)
{
  ses_vec_append (v, &x);
}

static void
assert_u32s (const SesVec *v, const guint32 *want, guint n)
{
  assert_int_equal (v->view.len, n);
  for (guint i = 0; i < n; i++)
    assert_int_equal (g_array_index (&v->view, guint32, i), want[i]);
}

static void
test_layout (void **state)
{
  (void) state;
  /* Sixteen bytes: a GArray's data and len, and the capacity in the four
   * bytes GArray leaves as padding. */
  assert_int_equal (sizeof (SesVec), 16);
  assert_int_equal (sizeof (SesVec), sizeof (GArray));
  SesVec v;
  ses_vec_init (&v, sizeof (guint32));
  assert_null (v.view.data);
  assert_int_equal (v.view.len, 0);
  assert_int_equal (ses_vec_cap (&v), 0);
  ses_vec_clear (&v);
}

static void
test_growth (void **state)
{
  (void) state;
  SesVec v;
  ses_vec_init (&v, sizeof (guint32));
  /* The first allocation holds 24 bytes' worth, rounded to a power of
   * two: 8 four-byte elements. */
  append_u32 (&v, 0);
  assert_int_equal (ses_vec_cap (&v), 8);
  guint32 want[100];
  want[0] = 0;
  for (guint32 i = 1; i < 100; i++)
    {
      append_u32 (&v, i);
      want[i] = i;
      guint cap = ses_vec_cap (&v);
      assert_true (cap >= v.view.len);
      assert_int_equal (cap & (cap - 1), 0); /* a power of two */
    }
  assert_int_equal (ses_vec_cap (&v), 128);
  assert_u32s (&v, want, 100);
  ses_vec_clear (&v);

  /* Elements larger than 24 bytes start with room for one. */
  typedef struct { guint8 b[40]; } Big;
  SesVec big;
  ses_vec_init (&big, sizeof (Big));
  Big x = { { 7 } };
  ses_vec_append (&big, &x);
  assert_int_equal (ses_vec_cap (&big), 1);
  ses_vec_append (&big, &x);
  assert_int_equal (ses_vec_cap (&big), 2);
  ses_vec_append (&big, &x);
  assert_int_equal (ses_vec_cap (&big), 4);
  assert_int_equal (g_array_index (&big.view, Big, 2).b[0], 7);
  ses_vec_clear (&big);
}

static void
test_insert_remove (void **state)
{
  (void) state;
  SesVec v;
  ses_vec_init (&v, sizeof (guint32));
  for (guint32 i = 0; i < 5; i++)
    append_u32 (&v, i * 10);
  guint32 x = 15;
  ses_vec_insert (&v, 2, &x);
  x = 99;
  ses_vec_insert (&v, v.view.len, &x); /* at the end */
  x = 1;
  ses_vec_insert (&v, 0, &x);
  const guint32 a[] = { 1, 0, 10, 15, 20, 30, 40, 99 };
  assert_u32s (&v, a, G_N_ELEMENTS (a));
  ses_vec_remove (&v, 0);
  ses_vec_remove (&v, 2);
  ses_vec_remove (&v, v.view.len - 1);
  const guint32 b[] = { 0, 10, 20, 30, 40 };
  assert_u32s (&v, b, G_N_ELEMENTS (b));
  ses_vec_truncate (&v);
  assert_int_equal (v.view.len, 0);
  assert_int_equal (ses_vec_cap (&v), 8); /* truncating keeps the room */
  ses_vec_clear (&v);
}

static void
test_lend (void **state)
{
  (void) state;
  SesVec v;
  ses_vec_init (&v, sizeof (guint32));
  for (guint32 i = 0; i < 3; i++)
    append_u32 (&v, i + 1);
  /* A byte copy made a vec of its own, its elements in storage it is
   * lent (rounded up to 8 bytes). */
  assert_int_equal (ses_vec_lent_size (&v, 0), 16);
  guint64 block[4];
  memset (block, 0xee, sizeof block);
  SesVec copy = v;
  guint8 *end = ses_vec_lend (&copy, (guint8 *) block, 0);
  assert_ptr_equal (end, (guint8 *) block + 16);
  assert_ptr_equal (copy.view.data, (gchar *) block);
  assert_int_equal (ses_vec_cap (&copy), 3); /* room for exactly len */
  const guint32 want[] = { 1, 2, 3 };
  assert_u32s (&copy, want, 3);
  /* Growing moves it out of the block; the block and the original are
   * left as they were. */
  append_u32 (&copy, 4);
  assert_ptr_not_equal (copy.view.data, (gchar *) block);
  assert_int_equal (ses_vec_cap (&copy), 8);
  const guint32 grown[] = { 1, 2, 3, 4 };
  assert_u32s (&copy, grown, 4);
  assert_int_equal (((guint32 *) block)[2], 3);
  assert_u32s (&v, want, 3);
  ses_vec_clear (&copy);
  /* An empty vec lends nothing. */
  SesVec empty;
  ses_vec_init (&empty, sizeof (guint32));
  assert_int_equal (ses_vec_lent_size (&empty, 0), 0);
  assert_ptr_equal (ses_vec_lend (&empty, (guint8 *) block, 0),
                    (guint8 *) block);
  assert_null (empty.view.data);
  /* Clearing a lent vec frees nothing (AddressSanitizer would say). */
  SesVec lent = v;
  ses_vec_lend (&lent, (guint8 *) block, 0);
  ses_vec_clear (&lent);
  assert_null (lent.view.data);
  /* Lent with room for two more (the explorer's scratch copy): they go
   * in the block, the third moves the vec out. */
  assert_int_equal (ses_vec_lent_size (&v, 2), 24);
  memset (block, 0xee, sizeof block);
  SesVec roomy = v;
  assert_ptr_equal (ses_vec_lend (&roomy, (guint8 *) block, 2),
                    (guint8 *) block + 24);
  assert_int_equal (ses_vec_cap (&roomy), 5);
  append_u32 (&roomy, 4);
  append_u32 (&roomy, 5);
  assert_ptr_equal (roomy.view.data, (gchar *) block);
  const guint32 five[] = { 1, 2, 3, 4, 5 };
  assert_u32s (&roomy, five, 5);
  append_u32 (&roomy, 6);
  assert_ptr_not_equal (roomy.view.data, (gchar *) block);
  const guint32 six[] = { 1, 2, 3, 4, 5, 6 };
  assert_u32s (&roomy, six, 6);
  assert_int_equal (((guint32 *) block)[4], 5);
  ses_vec_clear (&roomy);
  /* An empty one is lent room too. */
  SesVec empty_roomy;
  ses_vec_init (&empty_roomy, sizeof (guint32));
  assert_int_equal (ses_vec_lent_size (&empty_roomy, 2), 8);
  ses_vec_lend (&empty_roomy, (guint8 *) block, 2);
  assert_int_equal (ses_vec_cap (&empty_roomy), 2);
  append_u32 (&empty_roomy, 7);
  assert_ptr_equal (empty_roomy.view.data, (gchar *) block);
  ses_vec_clear (&empty_roomy);
  ses_vec_clear (&v);
}

static void
test_release_if_empty (void **state)
{
  (void) state;
  SesVec v;
  ses_vec_init (&v, sizeof (guint16));
  guint16 id = 7;
  ses_vec_append (&v, &id);
  ses_vec_release_if_empty (&v); /* not empty: kept */
  assert_non_null (v.view.data);
  assert_int_equal (v.view.len, 1);
  ses_vec_remove (&v, 0);
  ses_vec_release_if_empty (&v);
  assert_null (v.view.data);
  assert_int_equal (ses_vec_cap (&v), 0);
  /* And it works again afterwards, with the same element size. */
  id = 9;
  ses_vec_append (&v, &id);
  assert_int_equal (g_array_index (&v.view, guint16, 0), 9);
  ses_vec_clear (&v);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_layout),
    cmocka_unit_test (test_growth),
    cmocka_unit_test (test_insert_remove),
    cmocka_unit_test (test_lend),
    cmocka_unit_test (test_release_if_empty),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
