/* Recycled memory blocks for the objects the explorer copies and frees by
 * the million (worlds, queues, nets, models, invariant checkers): one
 * block each per state. malloc spends much of its time sorting such
 * blocks back into its bins; here a freed block waits in a per-thread list
 * of its size class and is handed out again as is.
 *
 * Blocks are plain memory: the addresses never reach anything printed,
 * chosen or hashed. In a sanitizer build the functions pass straight
 * through to g_malloc/g_free (behind a header that keeps the size), so
 * AddressSanitizer still sees every misuse. */
#pragma once

#include <glib.h>

/* (transfer full): free with ses_block_free() only. */
gpointer ses_block_alloc (gsize size);
gpointer ses_block_alloc0 (gsize size);
gpointer ses_block_dup (gconstpointer mem, gsize size);
/* Accepts NULL. Any thread may free a block any thread allocated. */
void ses_block_free (gpointer mem);
/* The bytes mem may use: at least the size it was allocated with (more
 * when its size class rounds up), so that a copy made into a block it
 * already has can tell whether it fits (the explorer's scratch child). */
gsize ses_block_size (gconstpointer mem);

/* Starts loading the cache lines of [mem, mem + bytes) into the cache, for
 * a reader soon to come. Any address will do: a prefetch never faults, so
 * a span past an object's end only costs a little bandwidth. */
static inline void
ses_prefetch_span (gconstpointer mem, gsize bytes)
{
  /* As integers: GCC 12 drops every prefetch of the loop when the
   * pointer itself is tested for NULL and then offset. */
  guintptr end = (guintptr) mem + bytes;
  for (guintptr p = (guintptr) mem & ~(guintptr) 63; p < end; p += 64)
    __builtin_prefetch ((gconstpointer) p);
}

/* Starts loading the first `bytes` of mem, and the header before it when
 * mem is a block, as ses_prefetch_span() does; nothing for NULL. (Its own
 * loop, with a trip count known when `bytes` is, which GCC unrolls.) */
static inline void
ses_block_prefetch (gconstpointer mem, gsize bytes)
{
  if (mem == NULL)
    return;
  guintptr p = (guintptr) mem - 16;
  for (gsize at = 0; at < bytes + 16; at += 64)
    __builtin_prefetch ((gconstpointer) (p + at));
}
