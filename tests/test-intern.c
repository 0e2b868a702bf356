/* String interning: ids in order of first appearance from 1, id 0 for NULL,
 * lookups that never add, and the size count. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "intern.h"

static void
test_empty (void **state)
{
  (void) state;
  g_autoptr (SesIntern) in = ses_intern_new ();
  assert_int_equal (ses_intern_size (in), 1); /* id 0 alone */
  assert_null (ses_intern_get (in, 0));
  assert_null (ses_intern_get (in, 1));
  assert_int_equal (ses_intern_lookup (in, "a"), 0);
  assert_int_equal (ses_intern_lookup (in, NULL), 0);
  ses_intern_free (NULL);
}

static void
test_ids_in_first_appearance_order (void **state)
{
  (void) state;
  g_autoptr (SesIntern) in = ses_intern_new ();
  assert_int_equal (ses_intern_add (in, "plant/a"), 1);
  assert_int_equal (ses_intern_add (in, "c1"), 2);
  assert_int_equal (ses_intern_add (in, "plant/a"), 1); /* again: same id */
  assert_int_equal (ses_intern_add (in, ""), 3);        /* "" is a string */
  assert_int_equal (ses_intern_add (in, "Plant/a"), 4); /* case matters */
  assert_int_equal (ses_intern_add (in, "c1"), 2);
  assert_int_equal (ses_intern_size (in), 5);

  assert_string_equal (ses_intern_get (in, 1), "plant/a");
  assert_string_equal (ses_intern_get (in, 2), "c1");
  assert_string_equal (ses_intern_get (in, 3), "");
  assert_string_equal (ses_intern_get (in, 4), "Plant/a");

  /* Ids are the same whatever the hash table does: a long run of strings
   * gets consecutive ids, and each maps back. */
  for (guint i = 0; i < 1000; i++)
    {
      g_autofree char *s = g_strdup_printf ("topic/%u", i * 7919 % 1000);
      assert_int_equal (ses_intern_add (in, s), 5 + i);
    }
  assert_int_equal (ses_intern_size (in), 1005);
  for (guint i = 0; i < 1000; i++)
    {
      g_autofree char *s = g_strdup_printf ("topic/%u", i * 7919 % 1000);
      assert_string_equal (ses_intern_get (in, 5 + i), s);
      assert_int_equal (ses_intern_lookup (in, s), 5 + i);
    }
}

static void
test_null_is_id_zero (void **state)
{
  (void) state;
  g_autoptr (SesIntern) in = ses_intern_new ();
  assert_int_equal (ses_intern_add (in, NULL), 0);
  assert_int_equal (ses_intern_size (in), 1); /* NULL adds nothing */
  assert_int_equal (ses_intern_add (in, "x"), 1);
  assert_int_equal (ses_intern_add (in, NULL), 0);
  assert_null (ses_intern_get (in, 0));
  assert_int_equal (ses_intern_size (in), 2);
}

static void
test_lookup_does_not_add (void **state)
{
  (void) state;
  g_autoptr (SesIntern) in = ses_intern_new ();
  ses_intern_add (in, "known");
  assert_int_equal (ses_intern_lookup (in, "known"), 1);
  assert_int_equal (ses_intern_lookup (in, "unknown"), 0);
  assert_int_equal (ses_intern_lookup (in, "know"), 0);
  assert_int_equal (ses_intern_lookup (in, ""), 0);
  assert_int_equal (ses_intern_size (in), 2);
  /* The id an unknown string gets later is still the next one. */
  assert_int_equal (ses_intern_add (in, "unknown"), 2);
  assert_int_equal (ses_intern_lookup (in, "unknown"), 2);
}

static void
test_get_unknown_id (void **state)
{
  (void) state;
  g_autoptr (SesIntern) in = ses_intern_new ();
  ses_intern_add (in, "a");
  ses_intern_add (in, "b");
  assert_null (ses_intern_get (in, 3));
  assert_null (ses_intern_get (in, 1000));
  assert_null (ses_intern_get (in, G_MAXUINT32));
  assert_string_equal (ses_intern_get (in, 2), "b");
}

static void
test_copies_the_string (void **state)
{
  (void) state;
  g_autoptr (SesIntern) in = ses_intern_new ();
  char buf[16];
  strcpy (buf, "client-1");
  assert_int_equal (ses_intern_add (in, buf), 1);
  assert_ptr_not_equal (ses_intern_get (in, 1), buf);
  strcpy (buf, "client-2"); /* the caller's buffer changes */
  assert_string_equal (ses_intern_get (in, 1), "client-1");
  assert_int_equal (ses_intern_lookup (in, "client-1"), 1);
  assert_int_equal (ses_intern_lookup (in, buf), 0);
  assert_int_equal (ses_intern_add (in, buf), 2);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_empty),
    cmocka_unit_test (test_ids_in_first_appearance_order),
    cmocka_unit_test (test_null_is_id_zero),
    cmocka_unit_test (test_lookup_does_not_add),
    cmocka_unit_test (test_get_unknown_id),
    cmocka_unit_test (test_copies_the_string),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
