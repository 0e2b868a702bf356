/* Huge pages (sim/hugepages.c): the advice lands on the whole 2 MiB pages
 * of a span and nowhere else, and after the heap reserve the main
 * thread's small blocks come from advised memory. What is checked is the
 * kernel's own record of the advice ("hg" in the mapping's VmFlags in
 * /proc/self/smaps), not whether huge pages were free to grant it, which
 * depends on the machine. Where the build cannot ask (sanitizers, another
 * libc) or the kernel has no transparent huge pages, what is checked is
 * that nothing is asked and the memory works as before. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hugepages.h"

#define MIB ((gsize) 1 << 20)

static gboolean
can_ask (void)
{
  return ses_hugepages_supported ()
         && g_file_test ("/sys/kernel/mm/transparent_hugepage",
                         G_FILE_TEST_IS_DIR);
}

/* The VmFlags of the mapping that holds addr, as one string; NULL if no
 * mapping holds it. */
static char *
vm_flags_at (gconstpointer addr)
{
  g_autofree char *smaps = NULL;
  g_assert_true (g_file_get_contents ("/proc/self/smaps", &smaps, NULL,
                                      NULL));
  guintptr a = (guintptr) addr;
  gboolean inside = FALSE;
  g_auto (GStrv) lines = g_strsplit (smaps, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      unsigned long start, end;
      if (sscanf (lines[i], "%lx-%lx ", &start, &end) == 2
          && strchr (lines[i], ':') != NULL)
        inside = a >= start && a < end;
      else if (inside && g_str_has_prefix (lines[i], "VmFlags:"))
        return g_strconcat (lines[i] + strlen ("VmFlags:"), " ", NULL);
    }
  return NULL;
}

static gboolean
advised_at (gconstpointer addr)
{
  g_autofree char *flags = vm_flags_at (addr);
  assert_non_null (flags);
  return strstr (flags, " hg ") != NULL;
}

/* Where nothing can be asked: no reserve, and the memory still works. */
static void
check_nothing_asked (void)
{
  guint8 *b = g_malloc (9 * MIB);
  ses_hugepages_advise (b, 9 * MIB);
  memset (b, 7, 9 * MIB);
  assert_int_equal (b[9 * MIB - 1], 7);
  g_free (b);
  if (!ses_hugepages_supported ())
    assert_false (ses_hugepages_reserve_heap (64 * MIB));
}

static void
test_advise_whole_pages (void **state)
{
  (void) state;
  if (!can_ask ())
    {
      check_nothing_asked ();
      return;
    }
  /* Mappings of their own (malloc maps blocks this big), not yet touched. */
  gsize big = 9 * MIB, small = 3 * MIB;
  guint8 *b = malloc (big), *s = malloc (small);
  assert_non_null (b);
  assert_non_null (s);
  ses_hugepages_advise (b, big);
  ses_hugepages_advise (s, small);
  guintptr first = ((guintptr) b + 2 * MIB - 1) & ~(guintptr) (2 * MIB - 1);
  assert_true (advised_at ((gconstpointer) first));
  assert_true (advised_at ((gconstpointer) (first + 4 * MIB)));
  /* A part page at either end keeps its small pages... */
  if (first > (guintptr) b)
    assert_false (advised_at (b));
  if (((guintptr) b + big) % (2 * MIB) != 0)
    assert_false (advised_at (b + big - 1));
  /* ... and so does a span under two huge pages. */
  assert_false (advised_at (s + small / 2));
  memset (b, 1, big);
  memset (s, 2, small);
  assert_int_equal (b[big - 1] + s[small - 1], 3);
  free (b);
  free (s);
}

static void
test_reserve_heap (void **state)
{
  (void) state;
  if (!can_ask ())
    {
      check_nothing_asked ();
      return;
    }
  assert_true (ses_hugepages_reserve_heap (64 * MIB));
  /* Once a process. */
  assert_false (ses_hugepages_reserve_heap (64 * MIB));
  /* Small blocks: once the free ones below the stretch are used up, they
   * are carved from it. 8 MiB of them reach past its first part page. */
  enum { N = 2048 };
  guint8 **blocks = g_new (guint8 *, N);
  for (guint i = 0; i < N; i++)
    {
      blocks[i] = malloc (4000);
      assert_non_null (blocks[i]);
      memset (blocks[i], (int) (i & 0xff), 4000);
    }
  assert_true (advised_at (blocks[N - 1]));
  assert_int_equal (blocks[N - 1][3999], (N - 1) & 0xff);
  for (guint i = 0; i < N; i++)
    free (blocks[i]);
  g_free (blocks);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_advise_whole_pages),
    cmocka_unit_test (test_reserve_heap),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
