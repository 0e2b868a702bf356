/* Broker-side session values: init, copy, reset and canonical encoding,
 * and the vectors (SesVec) all of the model's state arrays live in.
 * Arrays keep insertion order (send order) or sorted order (subscriptions),
 * never hash order, so encodings are canonical. */
#include "session.h"

#include <string.h>

/* ---- vectors ----------------------------------------------------------- */

void
ses_vec_init (SesVec *v, guint elt_size)
{
  memset (v, 0, sizeof *v);
  v->v.elt_size = (guint16) elt_size;
}

void
ses_vec_grow (SesVec *v, guint extra)
{
  guint need = v->v.len + extra;
  if (need <= ses_vec_cap (v))
    return;
  /* Doubling, in powers of two so that the capacity fits in a byte. The
   * first allocation has room for 24 bytes' worth (the least malloc hands
   * out) rounded up to a power of two, and for one element when they are
   * bigger: a million idle clients each keep a few small arrays, some of
   * 40-byte packets that rarely hold more than one. */
  guint cap = MAX (MAX (ses_vec_cap (v) * 2, need), 24u / v->v.elt_size);
  guint cap_log2 = 0;
  while ((1u << cap_log2) < cap)
    cap_log2++;
  gsize bytes = (gsize) v->v.elt_size << cap_log2;
  if (v->v.cap_log2 != 0)
    v->v.data = g_realloc (v->v.data, bytes);
  else
    {
      /* Lent storage cannot grow in place: move out of it. */
      gchar *data = g_malloc (bytes);
      if (v->v.len > 0)
        memcpy (data, v->v.data, (gsize) v->v.len * v->v.elt_size);
      v->v.data = data;
    }
  v->v.cap_log2 = (guint8) (cap_log2 + 1);
  v->v.lent_room = 0;
}

void
ses_vec_insert (SesVec *v, guint index, gconstpointer elt)
{
  g_return_if_fail (index <= v->v.len);
  if (v->v.len == ses_vec_cap (v))
    ses_vec_grow (v, 1);
  gchar *at = ses_vec_at (v, index);
  gsize elt_size = v->v.elt_size;
  memmove (at + elt_size, at, (gsize) (v->v.len - index) * elt_size);
  memcpy (at, elt, elt_size);
  v->v.len++;
}

void
ses_vec_remove (SesVec *v, guint index)
{
  g_return_if_fail (index < v->v.len);
  gchar *at = ses_vec_at (v, index);
  gsize elt_size = v->v.elt_size;
  v->v.len--;
  memmove (at, at + elt_size, (gsize) (v->v.len - index) * elt_size);
}

guint8 *
ses_vec_lend (SesVec *v, guint8 *lent, guint spare)
{
  gsize size = ses_vec_lent_size (v, spare);
  v->v.cap_log2 = 0;
  v->v.lent_room = size == 0 ? 0 : (guint8) MIN (v->v.len + spare, 255u);
  if (size == 0)
    {
      v->v.data = NULL;
      return lent;
    }
  if (v->v.len > 0)
    memcpy (lent, v->v.data, (gsize) v->v.len * v->v.elt_size);
  v->v.data = (gchar *) lent;
  return lent + size;
}

/* ---- sessions ----------------------------------------------------------- */

void
ses_session_init (SesSession *s)
{
  memset (s, 0, sizeof *s);
  ses_vec_init (&s->subs, sizeof (SesSubscription));
  ses_vec_init (&s->outflight, sizeof (SesFlight));
  ses_vec_init (&s->queue, sizeof (SesMessage));
  ses_vec_init (&s->incoming, sizeof (SesIncoming));
  s->client = SES_NONE;
  s->expiry_at_us = SES_TIME_NONE;
  s->will_at_us = SES_TIME_NONE;
}

void
ses_session_clear (SesSession *s)
{
  ses_vec_clear (&s->subs);
  ses_vec_clear (&s->outflight);
  ses_vec_clear (&s->queue);
  ses_vec_clear (&s->incoming);
}

void
ses_session_reset (SesSession *s)
{
  s->exists = FALSE;
  s->expiry_s = 0;
  s->will = 0;
  ses_vec_truncate (&s->subs);
  ses_vec_truncate (&s->outflight);
  ses_vec_truncate (&s->queue);
  ses_vec_truncate (&s->incoming);
  s->next_id = 0;
  s->client = SES_NONE;
  s->gen = 0;
  s->expiry_at_us = SES_TIME_NONE;
  s->will_at_us = SES_TIME_NONE;
  s->timer_gen++;
}

gsize
ses_session_lent_size (const SesSession *s, guint spare)
{
  return ses_vec_lent_size (&s->subs, spare)
         + ses_vec_lent_size (&s->outflight, spare)
         + ses_vec_lent_size (&s->queue, spare)
         + ses_vec_lent_size (&s->incoming, spare);
}

guint8 *
ses_session_copy_into (SesSession *dest, const SesSession *src, guint8 *lent,
                       guint spare)
{
  *dest = *src;
  lent = ses_vec_lend (&dest->subs, lent, spare);
  lent = ses_vec_lend (&dest->outflight, lent, spare);
  lent = ses_vec_lend (&dest->queue, lent, spare);
  return ses_vec_lend (&dest->incoming, lent, spare);
}

void
ses_session_encode_to (const SesSession *s, SesTime now, SesEncoder *out)
{
  /* 2: no session, but a will that outlived it waits on its delay
   * (broker will-by-client-id). */
  gboolean orphan_will = !s->exists && s->will != 0;
  guint8 *p = ses_encoder_reserve (out, 3);
  p = ses_put_u8 (p, orphan_will ? 2 : (guint8) s->exists);
  p = ses_put_u8 (p, s->version);
  ses_put_u8 (p, s->lost_in_restart);
  if (orphan_will)
    {
      p = ses_encoder_reserve (out, 4 + 8);
      p = ses_put_u32 (p, s->will);
      ses_put_time (p, s->will_at_us, now);
    }
  if (!s->exists)
    return;
  p = ses_encoder_reserve (out, 3 * 4 + (gsize) s->subs.view.len * 5);
  p = ses_put_u32 (p, s->expiry_s);
  p = ses_put_u32 (p, s->will);
  p = ses_put_u32 (p, s->subs.view.len);
  for (guint i = 0; i < s->subs.view.len; i++)
    {
      const SesSubscription *sub = &g_array_index (&s->subs.view,
                                                   SesSubscription, i);
      p = ses_put_u32 (p, sub->filter);
      p = ses_put_u8 (p, sub->qos);
    }
  ses_encoder_u32 (out, s->outflight.view.len);
  for (guint i = 0; i < s->outflight.view.len; i++)
    ses_encoder_flight (out,
                        &g_array_index (&s->outflight.view, SesFlight, i),
                        now);
  /* Ids taken at queue time are state too; the top bit of the count says
   * they follow, so a broker that takes ids at send time encodes as
   * before. */
  gboolean ids = FALSE;
  for (guint i = 0; i < s->queue.view.len && !ids; i++)
    ids = g_array_index (&s->queue.view, SesMessage, i).packet_id != 0;
  ses_encoder_u32 (out, s->queue.view.len | (ids ? 0x80000000u : 0));
  for (guint i = 0; i < s->queue.view.len; i++)
    {
      const SesMessage *msg = &g_array_index (&s->queue.view, SesMessage, i);
      ses_encoder_message (out, msg, now);
      if (ids)
        ses_encoder_u32 (out, msg->packet_id);
    }
  ses_encoder_u32 (out, s->incoming.view.len);
  for (guint i = 0; i < s->incoming.view.len; i++)
    {
      const SesIncoming *in = &g_array_index (&s->incoming.view, SesIncoming,
                                              i);
      p = ses_encoder_reserve (out, 5);
      p = ses_put_u32 (p, in->packet_id);
      ses_put_u8 (p, in->has_msg);
      if (in->has_msg)
        ses_encoder_message (out, &in->msg, now);
    }
  p = ses_encoder_reserve (out, 3 * 4 + 2 * 8);
  p = ses_put_u32 (p, s->next_id);
  p = ses_put_u32 (p, s->client);
  p = ses_put_u32 (p, s->gen);
  p = ses_put_time (p, s->expiry_at_us, now);
  ses_put_time (p, s->will_at_us, now);
}

gint
ses_session_find_sub (const SesSession *s, guint32 filter)
{
  guint lo = 0, hi = s->subs.view.len;
  while (lo < hi)
    {
      guint mid = (lo + hi) / 2;
      guint32 f = g_array_index (&s->subs.view, SesSubscription, mid).filter;
      if (f == filter)
        return (gint) mid;
      if (f < filter)
        lo = mid + 1;
      else
        hi = mid;
    }
  return -1;
}

gint
ses_flights_find (const GArray *flights, guint16 packet_id)
{
  if (packet_id == 0)
    return -1;
  for (guint i = 0; i < flights->len; i++)
    if (g_array_index (flights, SesFlight, i).packet_id == packet_id)
      return (gint) i;
  return -1;
}

static gboolean
id_busy (guint16 id, const GArray *flights, const GArray *also_busy)
{
  if (ses_flights_find (flights, id) >= 0)
    return TRUE;
  if (also_busy != NULL)
    for (guint i = 0; i < also_busy->len; i++)
      if (g_array_index (also_busy, guint16, i) == id)
        return TRUE;
  return FALSE;
}

guint16
ses_packet_id_next (guint16 *next, const GArray *flights,
                    const GArray *also_busy)
{
  /* Walk on from the last id handed out, so a freed id is not reused at
   * once: that keeps late duplicates from being mistaken for new packets. */
  for (guint tries = 0; tries < 65535; tries++)
    {
      guint16 id = (guint16) (*next == 65535 ? 1 : *next + 1);
      *next = id;
      if (!id_busy (id, flights, also_busy))
        return id;
    }
  return 0;
}
