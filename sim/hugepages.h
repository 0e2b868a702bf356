/* Transparent huge pages for a simulation among many clients.
 *
 * At 100 000 clients nearly every record an event touches lies on a
 * 4 KiB page the TLB does not hold, and the look-ahead's prefetches stall
 * on those misses. A 2 MiB page covers 512 times as much. Linux hands out
 * huge pages only where the program asks (madvise) unless the system
 * says "always"; these functions ask, and do nothing where that is not
 * possible (another libc or OS, a sanitizer's allocator, THP off).
 * Addresses never reach anything printed, chosen or hashed: this changes
 * speed and memory granularity only.
 *
 * Not for the model checker: its states are small blocks allocated and
 * freed by the million, and huge pages made it slower (bench/README.md). */
#pragma once
#include <glib.h>

/* Whether this build can ask at all: Linux with glibc, and no sanitizer
 * (whose allocator is not glibc's heap). Whether the kernel then grants
 * huge pages is its setting's business (/sys/kernel/mm/transparent_hugepage). */
gboolean ses_hugepages_supported (void);

/* Asks for huge pages on the whole 2 MiB pages inside [mem, mem + size),
 * for memory not yet touched (the kernel backs it with huge pages as it is
 * first written). Nothing for spans under 4 MiB. */
void ses_hugepages_advise (gpointer mem, gsize size);

/* Grows the process's main heap by `reserve` bytes of address space
 * (untouched: no memory is used until it is written), asks for huge pages
 * on it and gives it back to malloc, which then serves the main thread's
 * small allocations from it. Trimming the heap is turned off so that the
 * advised pages stay the heap's. Once per process, before the big world
 * is built; later calls do nothing. TRUE if the advice was taken. */
gboolean ses_hugepages_reserve_heap (gsize reserve);
