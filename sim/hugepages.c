/* Huge pages through madvise(MADV_HUGEPAGE), and a main heap that hands
 * them out: glibc's malloc takes small blocks from one contiguous heap
 * (brk), so advising a stretch of it before it is used gives every block
 * later carved from that stretch a huge page. This is what glibc does
 * itself with GLIBC_TUNABLES=glibc.malloc.hugetlb=1, which a program
 * cannot set for itself once running. */
#define _DEFAULT_SOURCE 1 /* madvise, MADV_HUGEPAGE */
#include "hugepages.h"

#include <stdlib.h>

#if defined(__linux__) && defined(__GLIBC__)
#include <malloc.h>
#include <sys/mman.h>
#endif

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define SES_HUGEPAGES_OFF 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define SES_HUGEPAGES_OFF 1
#endif
#endif

#define HUGE_PAGE ((guintptr) 2 << 20)

#if defined(__linux__) && defined(__GLIBC__) && defined(MADV_HUGEPAGE) \
    && defined(M_MMAP_MAX) && !defined(SES_HUGEPAGES_OFF)
#define SES_HUGEPAGES 1
#endif

gboolean
ses_hugepages_supported (void)
{
#ifdef SES_HUGEPAGES
  return TRUE;
#else
  return FALSE;
#endif
}

#ifdef SES_HUGEPAGES
/* Advises the whole huge pages inside [mem, mem + size); TRUE if there
 * were some and the kernel took the advice. */
static gboolean
advise_whole_pages (gpointer mem, gsize size)
{
  guintptr start = ((guintptr) mem + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
  guintptr end = ((guintptr) mem + size) & ~(HUGE_PAGE - 1);
  return end > start
         && madvise ((gpointer) start, end - start, MADV_HUGEPAGE) == 0;
}
#endif

void
ses_hugepages_advise (gpointer mem, gsize size)
{
#ifdef SES_HUGEPAGES
  /* Advice only: where the kernel refuses it, pages stay small. */
  if (mem != NULL && size >= 2 * HUGE_PAGE)
    (void) advise_whole_pages (mem, size);
#else
  (void) mem;
  (void) size;
#endif
}

gboolean
ses_hugepages_reserve_heap (gsize reserve)
{
#ifdef SES_HUGEPAGES
  static gsize done = 0;
  if (!g_once_init_enter (&done))
    return FALSE;
  gboolean advised = FALSE;
  /* One block of `reserve` bytes from the heap itself, not from a mapping
   * of its own (which free() would unmap): mappings off while it is
   * taken. glibc's default for M_MMAP_MAX is 65536. */
  mallopt (M_MMAP_MAX, 0);
  guint8 *stretch = malloc (reserve);
  mallopt (M_MMAP_MAX, 65536);
  if (stretch != NULL)
    {
      advised = advise_whole_pages (stretch, reserve);
      /* Freed at the heap's top, the stretch would go straight back to
       * the kernel, advice and all; kept, it is the heap malloc carves
       * the next blocks from. */
      mallopt (M_TRIM_THRESHOLD, -1);
      free (stretch);
    }
  g_once_init_leave (&done, 1);
  return advised;
#else
  (void) reserve;
  return FALSE;
#endif
}
