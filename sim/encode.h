/* Writers for canonical state encodings: fixed-width little-endian fields
 * appended to one flat buffer.
 *
 * The buffer starts in storage the caller lends (typically a stack array,
 * so fingerprinting a state allocates nothing) and moves to the heap,
 * doubling, only when that runs out. A write is a bounds check and a store,
 * not a library call per field. The bytes do not depend on the host. Each
 * encoder belongs to one caller and holds no shared state, so encoders on
 * different threads never meet. */
#pragma once

#include <glib.h>
#include <string.h>
#include "clock.h"

typedef struct {
  guint8 *data;
  gsize len;
  gsize cap;
  gboolean on_heap; /* data is ours to free; otherwise it is lent */
} SesEncoder;

/* Writes into storage (size bytes; may be NULL and 0) until it is full. */
static inline void
ses_encoder_init (SesEncoder *e, guint8 *storage, gsize size)
{
  e->data = storage;
  e->len = 0;
  e->cap = storage != NULL ? size : 0;
  e->on_heap = FALSE;
}

/* Frees what the encoder allocated; the bytes are gone afterwards. */
static inline void
ses_encoder_clear (SesEncoder *e)
{
  if (e->on_heap)
    g_free (e->data);
  ses_encoder_init (e, NULL, 0);
}

/* Makes room for at least `need` more bytes (the slow path of reserve). */
G_GNUC_UNUSED G_GNUC_NO_INLINE static void
ses_encoder_grow (SesEncoder *e, gsize need)
{
  gsize cap = MAX (e->cap * 2, (gsize) 256);
  while (cap - e->len < need)
    cap *= 2;
  if (e->on_heap)
    e->data = g_realloc (e->data, cap);
  else
    {
      guint8 *data = g_malloc (cap);
      if (e->len > 0)
        memcpy (data, e->data, e->len);
      e->data = data;
      e->on_heap = TRUE;
    }
  e->cap = cap;
}

/* Ensures `n` more bytes fit without growing again, for a caller that
 * knows roughly how much is coming. */
static inline void
ses_encoder_expect (SesEncoder *e, gsize n)
{
  if (G_UNLIKELY (e->cap - e->len < n))
    ses_encoder_grow (e, n);
}

/* Appends n bytes left for the caller to fill; returns where they start. */
static inline guint8 *
ses_encoder_reserve (SesEncoder *e, gsize n)
{
  ses_encoder_expect (e, n);
  guint8 *at = e->data + e->len;
  e->len += n;
  return at;
}

/* Cursor writers: fill what one ses_encoder_reserve() handed out, field by
 * field, without a bounds check (or a reload of the encoder) per field.
 * Each returns the byte after what it wrote. */
static inline guint8 *
ses_put_u8 (guint8 *p, guint8 v)
{
  *p = v;
  return p + 1;
}

static inline guint8 *
ses_put_u16 (guint8 *p, guint16 v)
{
  guint16 le = GUINT16_TO_LE (v);
  memcpy (p, &le, sizeof le);
  return p + sizeof le;
}

static inline guint8 *
ses_put_u32 (guint8 *p, guint32 v)
{
  guint32 le = GUINT32_TO_LE (v);
  memcpy (p, &le, sizeof le);
  return p + sizeof le;
}

static inline guint8 *
ses_put_u64 (guint8 *p, guint64 v)
{
  guint64 le = GUINT64_TO_LE (v);
  memcpy (p, &le, sizeof le);
  return p + sizeof le;
}

/* A point in time relative to now; SES_TIME_NONE as all ones. */
static inline guint8 *
ses_put_time (guint8 *p, SesTime t, SesTime now)
{
  return ses_put_u64 (p, t == SES_TIME_NONE ? G_MAXUINT64 : (guint64) (t - now));
}

static inline void
ses_encoder_u8 (SesEncoder *e, guint8 v)
{
  *ses_encoder_reserve (e, 1) = v;
}

static inline void
ses_encoder_u16 (SesEncoder *e, guint16 v)
{
  guint16 le = GUINT16_TO_LE (v);
  memcpy (ses_encoder_reserve (e, sizeof le), &le, sizeof le);
}

static inline void
ses_encoder_u32 (SesEncoder *e, guint32 v)
{
  guint32 le = GUINT32_TO_LE (v);
  memcpy (ses_encoder_reserve (e, sizeof le), &le, sizeof le);
}

static inline void
ses_encoder_u64 (SesEncoder *e, guint64 v)
{
  guint64 le = GUINT64_TO_LE (v);
  memcpy (ses_encoder_reserve (e, sizeof le), &le, sizeof le);
}

static inline void
ses_encoder_bytes (SesEncoder *e, const void *bytes, gsize n)
{
  if (n > 0)
    memcpy (ses_encoder_reserve (e, n), bytes, n);
}

static inline void
ses_encoder_time (SesEncoder *e, SesTime t, SesTime now)
{
  ses_put_time (ses_encoder_reserve (e, 8), t, now);
}
