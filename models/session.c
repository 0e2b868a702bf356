/* Broker-side session values: init, copy, reset and canonical encoding.
 * Arrays keep insertion order (send order) or sorted order (subscriptions),
 * never hash order, so encodings are canonical. */
#include "session.h"

#include <string.h>

void
ses_session_init (SesSession *s)
{
  memset (s, 0, sizeof *s);
  s->subs = g_array_new (FALSE, FALSE, sizeof (SesSubscription));
  s->outflight = g_array_new (FALSE, FALSE, sizeof (SesFlight));
  s->queue = g_array_new (FALSE, FALSE, sizeof (SesMessage));
  s->incoming = g_array_new (FALSE, FALSE, sizeof (SesIncoming));
  s->client = SES_NONE;
  s->expiry_at_us = SES_TIME_NONE;
  s->will_at_us = SES_TIME_NONE;
}

void
ses_session_clear (SesSession *s)
{
  g_clear_pointer (&s->subs, g_array_unref);
  g_clear_pointer (&s->outflight, g_array_unref);
  g_clear_pointer (&s->queue, g_array_unref);
  g_clear_pointer (&s->incoming, g_array_unref);
}

void
ses_session_reset (SesSession *s)
{
  s->exists = FALSE;
  s->expiry_s = 0;
  s->will = 0;
  g_array_set_size (s->subs, 0);
  g_array_set_size (s->outflight, 0);
  g_array_set_size (s->queue, 0);
  g_array_set_size (s->incoming, 0);
  s->next_id = 0;
  s->client = SES_NONE;
  s->gen = 0;
  s->expiry_at_us = SES_TIME_NONE;
  s->will_at_us = SES_TIME_NONE;
  s->timer_gen++;
}

static GArray *
array_dup (const GArray *a, guint elt)
{
  GArray *c = g_array_sized_new (FALSE, FALSE, elt, a->len);
  g_array_append_vals (c, a->data, a->len);
  return c;
}

void
ses_session_copy_into (SesSession *dest, const SesSession *src)
{
  *dest = *src;
  dest->subs = array_dup (src->subs, sizeof (SesSubscription));
  dest->outflight = array_dup (src->outflight, sizeof (SesFlight));
  dest->queue = array_dup (src->queue, sizeof (SesMessage));
  dest->incoming = array_dup (src->incoming, sizeof (SesIncoming));
}

void
ses_encode_u64 (GByteArray *out, guint64 v)
{
  guint8 b[8];
  for (int i = 0; i < 8; i++)
    b[i] = (guint8) (v >> (8 * i));
  g_byte_array_append (out, b, 8);
}

void
ses_encode_u32 (GByteArray *out, guint32 v)
{
  guint8 b[4];
  for (int i = 0; i < 4; i++)
    b[i] = (guint8) (v >> (8 * i));
  g_byte_array_append (out, b, 4);
}

void
ses_encode_time (GByteArray *out, SesTime t, SesTime now)
{
  ses_encode_u64 (out, t == SES_TIME_NONE ? G_MAXUINT64 : (guint64) (t - now));
}

void
ses_encode_message (GByteArray *out, const SesMessage *m, SesTime now)
{
  ses_encode_u32 (out, m->origin);
  ses_encode_u32 (out, m->seq);
  ses_encode_u32 (out, m->topic);
  ses_encode_u32 (out, m->payload);
  guint8 b[3] = { m->qos, m->retain, m->will };
  g_byte_array_append (out, b, 3);
  ses_encode_time (out, m->expiry_at_us, now);
}

void
ses_session_encode (const SesSession *s, SesTime now, GByteArray *out)
{
  guint8 head[3] = { (guint8) s->exists, s->version, s->lost_in_restart };
  g_byte_array_append (out, head, 3);
  if (!s->exists)
    return;
  ses_encode_u32 (out, s->expiry_s);
  ses_encode_u32 (out, s->will);
  ses_encode_u32 (out, s->subs->len);
  for (guint i = 0; i < s->subs->len; i++)
    {
      const SesSubscription *sub = &g_array_index (s->subs, SesSubscription, i);
      ses_encode_u32 (out, sub->filter);
      g_byte_array_append (out, &sub->qos, 1);
    }
  ses_encode_u32 (out, s->outflight->len);
  for (guint i = 0; i < s->outflight->len; i++)
    {
      const SesFlight *f = &g_array_index (s->outflight, SesFlight, i);
      ses_encode_message (out, &f->msg, now);
      guint8 b[6] = { (guint8) f->packet_id, (guint8) (f->packet_id >> 8),
                      f->state, f->transmitted, f->on_wire, f->counted };
      g_byte_array_append (out, b, 6);
    }
  ses_encode_u32 (out, s->queue->len);
  for (guint i = 0; i < s->queue->len; i++)
    ses_encode_message (out, &g_array_index (s->queue, SesMessage, i), now);
  ses_encode_u32 (out, s->incoming->len);
  for (guint i = 0; i < s->incoming->len; i++)
    {
      const SesIncoming *in = &g_array_index (s->incoming, SesIncoming, i);
      ses_encode_u32 (out, in->packet_id);
      g_byte_array_append (out, &in->has_msg, 1);
      if (in->has_msg)
        ses_encode_message (out, &in->msg, now);
    }
  ses_encode_u32 (out, s->next_id);
  ses_encode_u32 (out, s->client);
  ses_encode_u32 (out, s->gen);
  ses_encode_time (out, s->expiry_at_us, now);
  ses_encode_time (out, s->will_at_us, now);
}

gint
ses_session_find_sub (const SesSession *s, guint32 filter)
{
  guint lo = 0, hi = s->subs->len;
  while (lo < hi)
    {
      guint mid = (lo + hi) / 2;
      guint32 f = g_array_index (s->subs, SesSubscription, mid).filter;
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
