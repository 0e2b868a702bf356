/* Size-class free lists, one set per thread (GPrivate, released when the
 * thread ends). A block carries its class in a 16-byte header, so a block
 * freed on another thread than the one that allocated it simply joins
 * that thread's list. Each list keeps at most LIST_MAX_BYTES; beyond that
 * blocks go back to malloc, so a burst of copies does not pin memory. */
#include "block.h"
#include "hugepages.h"

#include <string.h>

#if defined(__SANITIZE_ADDRESS__)
#define SES_BLOCK_PASSTHROUGH 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SES_BLOCK_PASSTHROUGH 1
#endif
#endif

#ifdef SES_BLOCK_PASSTHROUGH

/* A 16-byte header holds the size asked for, for ses_block_size(); the
 * rest is the sanitizer's to watch. */
#define HEADER 16

gpointer
ses_block_alloc (gsize size)
{
  guint8 *raw = g_malloc (size + HEADER);
  memcpy (raw, &size, sizeof size);
  return raw + HEADER;
}

gpointer
ses_block_alloc0 (gsize size)
{
  gpointer mem = ses_block_alloc (size);
  memset (mem, 0, size);
  return mem;
}

gpointer
ses_block_dup (gconstpointer mem, gsize size)
{
  gpointer copy = ses_block_alloc (size);
  memcpy (copy, mem, size);
  return copy;
}

void
ses_block_free (gpointer mem)
{
  if (mem != NULL)
    g_free ((guint8 *) mem - HEADER);
}

gsize
ses_block_size (gconstpointer mem)
{
  gsize size;
  memcpy (&size, (const guint8 *) mem - HEADER, sizeof size);
  return size;
}

#else

#define HEADER 16              /* keeps the payload 16-byte aligned */
#define STEP 64                /* classes every 64 bytes ... */
#define N_CLASSES 256          /* ... up to 16 KiB */
#define LIST_MAX_BYTES (8u << 20)

typedef union _Free Free;
union _Free {
  Free *next;                  /* while on a list */
  guint8 header[HEADER];
};

typedef struct {
  Free *head[N_CLASSES];
  gsize bytes[N_CLASSES];
} Cache;

static void
cache_release (gpointer data)
{
  Cache *c = data;
  for (guint i = 0; i < N_CLASSES; i++)
    while (c->head[i] != NULL)
      {
        Free *f = c->head[i];
        c->head[i] = f->next;
        g_free (f);
      }
  g_free (c);
}

static GPrivate cache_key = G_PRIVATE_INIT (cache_release);

static Cache *
cache_get (void)
{
  Cache *c = g_private_get (&cache_key);
  if (G_UNLIKELY (c == NULL))
    {
      c = g_new0 (Cache, 1);
      g_private_set (&cache_key, c);
    }
  return c;
}

/* The class of a block of `size` bytes with its header; N_CLASSES for
 * blocks too big to keep. */
static guint
class_of (gsize size)
{
  gsize whole = size + HEADER;
  return whole > (gsize) STEP * N_CLASSES ? N_CLASSES
                                          : (guint) ((whole - 1) / STEP);
}

gpointer
ses_block_alloc (gsize size)
{
  guint cls = class_of (size);
  guint8 *raw = NULL;
  if (cls < N_CLASSES)
    {
      Cache *c = cache_get ();
      Free *f = c->head[cls];
      if (f != NULL)
        {
          c->head[cls] = f->next;
          c->bytes[cls] -= (gsize) (cls + 1) * STEP;
          raw = (guint8 *) f;
          /* The next block of the list was freed long ago, most likely,
           * and its link is cold: start loading it now, so that the next
           * allocation of this class does not wait for it. */
          if (f->next != NULL)
            __builtin_prefetch (f->next, 1);
        }
      else
        raw = g_malloc ((gsize) (cls + 1) * STEP);
    }
  else
    {
      /* Too big for a class: the header also says how big. A block this
       * big (a model or net among thousands of clients) is fresh memory:
       * huge pages for it where it spans some. */
      raw = g_malloc (size + HEADER);
      ses_hugepages_advise (raw, size + HEADER);
      memcpy (raw + 8, &size, sizeof size);
    }
  memcpy (raw, &cls, sizeof cls);
  return raw + HEADER;
}

gpointer
ses_block_alloc0 (gsize size)
{
  gpointer mem = ses_block_alloc (size);
  memset (mem, 0, size);
  return mem;
}

gpointer
ses_block_dup (gconstpointer mem, gsize size)
{
  gpointer copy = ses_block_alloc (size);
  memcpy (copy, mem, size);
  return copy;
}

void
ses_block_free (gpointer mem)
{
  if (mem == NULL)
    return;
  guint8 *raw = (guint8 *) mem - HEADER;
  guint cls;
  memcpy (&cls, raw, sizeof cls);
  if (cls < N_CLASSES)
    {
      Cache *c = cache_get ();
      gsize size = (gsize) (cls + 1) * STEP;
      if (c->bytes[cls] + size <= LIST_MAX_BYTES)
        {
          Free *f = (Free *) (void *) raw;
          f->next = c->head[cls];
          c->head[cls] = f;
          c->bytes[cls] += size;
          return;
        }
    }
  g_free (raw);
}

gsize
ses_block_size (gconstpointer mem)
{
  const guint8 *raw = (const guint8 *) mem - HEADER;
  guint cls;
  memcpy (&cls, raw, sizeof cls);
  if (cls < N_CLASSES)
    return (gsize) (cls + 1) * STEP - HEADER;
  gsize size;
  memcpy (&size, raw + 8, sizeof size);
  return size;
}

#endif
