/* Connection slots with per-direction FIFO queues. Invariant: the entries of a
 * queue have non-decreasing arrival times (each send arrives no earlier than
 * the one before it), so delivering the head is always FIFO.
 *
 * A queue holds its only entry in the slot itself (its room): nearly every
 * queue holds one packet at a time, and among many connections the slot
 * is in cache (the world loads it ahead) where a buffer of its own would
 * be one more miss at each send and each arrival. A second entry moves
 * the queue into a buffer, which goes back when the queue empties. */
#include "net.h"
#include "block.h"

#include <string.h>

/* Room for one entry in the slot (used when an entry fits). */
#define ROOM_BYTES 64

typedef struct {
  guint8 *buf; /* entries of `stride` bytes: SesTime, close flag, message */
  guint head;
  guint len;
  guint cap;
  gboolean lent; /* buf lies in the net's own block (a copy's, or the
                    room): never freed or grown in place */
  SesTime last_at;
  guint8 room[ROOM_BYTES]; /* the only entry, when buf points here */
} Fifo;

typedef struct {
  guint32 gen;
  guint8 up[2];   /* per end: believes it is connected */
  guint8 wire_up; /* packets can cross */
  SesTime latency_us;
  Fifo toward[2]; /* toward[end]: messages travelling to that end */
} Slot;

/* One allocation holds the net, its slots and, in a copy, what was in
 * flight when it was made. */
struct _SesNet {
  guint n_slots;
  gsize msg_size;
  gsize stride;
  gboolean use_room; /* an entry fits in a fifo's room */
  Slot *slots; /* (owned by the block) */
  /* Drained fifo buffers of SPARE_ENTRIES entries, each linked to the next
   * through its first bytes. A queue gives its buffer back as soon as it
   * is empty: only the few connections with something in flight hold
   * one, and a million clients that connect, subscribe and go away leave
   * no per-connection room behind (nor holes where it was). Never copied:
   * a copy starts with none. */
  guint8 *spare;
};

/* Entries of a fifo's first buffer (the size that goes back to spare). */
#define SPARE_ENTRIES 4

#define ENTRY_HEADER (sizeof (SesTime) + 8)

/* Where the slots start in the block, and where lent fifo storage does. */
#define SLOTS_OFFSET ((sizeof (SesNet) + 15) & ~(gsize) 15)

static gsize
fifo_offset (guint n_slots)
{
  return SLOTS_OFFSET + sizeof (Slot) * MAX (n_slots, 1);
}

SesNet *
ses_net_new (guint n_slots, gsize msg_size)
{
  SesNet *net = ses_block_alloc0 (fifo_offset (n_slots));
  net->n_slots = n_slots;
  net->msg_size = msg_size;
  net->stride = ENTRY_HEADER + ((msg_size + 7) & ~(gsize) 7);
  net->use_room = net->stride <= ROOM_BYTES;
  net->slots = (Slot *) (void *) ((guint8 *) net + SLOTS_OFFSET);
  return net;
}

/* Empties a fifo; a buffer of its own goes back to the net's spares (or
 * to malloc when it has grown past their size). */
static void
fifo_clear (SesNet *net, Fifo *f)
{
  if (!f->lent && f->buf != NULL)
    {
      if (f->cap == SPARE_ENTRIES)
        {
          memcpy (f->buf, &net->spare, sizeof net->spare);
          net->spare = f->buf;
        }
      else
        g_free (f->buf);
    }
  /* All but the room, which holds nothing now. */
  f->buf = NULL;
  f->head = f->len = f->cap = 0;
  f->lent = FALSE;
  f->last_at = 0;
}

/* Whether a copy keeps a queue of n entries in its room. */
static inline gboolean
copy_in_room (const SesNet *net, guint n)
{
  return n == 1 && net->use_room;
}

static void
free_spares (SesNet *net)
{
  while (net->spare != NULL)
    {
      guint8 *next;
      memcpy (&next, net->spare, sizeof next);
      g_free (net->spare);
      net->spare = next;
    }
}

void
ses_net_free (SesNet *net)
{
  if (net == NULL)
    return;
  for (guint i = 0; i < net->n_slots; i++)
    for (int d = 0; d < 2; d++)
      fifo_clear (net, &net->slots[i].toward[d]);
  free_spares (net);
  ses_block_free (net);
}

SesNet *
ses_net_copy (const SesNet *net)
{
  gsize in_flight = 0;
  for (guint i = 0; i < net->n_slots; i++)
    for (int d = 0; d < 2; d++)
      {
        guint n = net->slots[i].toward[d].len;
        if (!copy_in_room (net, n))
          in_flight += (gsize) n * net->stride;
      }
  gsize offset = fifo_offset (net->n_slots);
  SesNet *copy = ses_block_alloc (offset + in_flight);
  memcpy (copy, net, offset);
  copy->slots = (Slot *) (void *) ((guint8 *) copy + SLOTS_OFFSET);
  copy->spare = NULL;
  /* Entries are multiples of 8 bytes, and so is the offset. */
  guint8 *at = (guint8 *) copy + offset;
  for (guint i = 0; i < net->n_slots; i++)
    for (int d = 0; d < 2; d++)
      {
        const Fifo *f = &net->slots[i].toward[d];
        Fifo *g = &copy->slots[i].toward[d];
        g->head = 0;
        g->len = f->len;
        g->cap = f->len;
        g->lent = f->len > 0;
        g->buf = NULL;
        if (f->len == 0)
          continue;
        gsize bytes = (gsize) f->len * net->stride;
        guint8 *to = copy_in_room (net, f->len) ? g->room : at;
        memcpy (to, f->buf + (gsize) f->head * net->stride, bytes);
        g->buf = to;
        if (to == at)
          at += bytes;
      }
  return copy;
}

/* Entries a queue copied into a net's own block may take before it moves
 * out (see ses_net_copy_into). */
#define INTO_SPARE 4

SesNet *
ses_net_copy_into (SesNet *dest, const SesNet *src)
{
  if (dest != NULL
      && (dest->n_slots != src->n_slots || dest->stride != src->stride))
    g_clear_pointer (&dest, ses_net_free); /* another shape: start anew */
  if (dest == NULL)
    return ses_net_copy (src);
  /* What outgrew its room since the last copy goes back. */
  for (guint i = 0; i < dest->n_slots; i++)
    for (int d = 0; d < 2; d++)
      fifo_clear (dest, &dest->slots[i].toward[d]);
  free_spares (dest);
  gsize offset = fifo_offset (src->n_slots);
  /* Every queue gets room for a few more entries in the block, the room
   * in the slot unused: a scratch copy is sent on and copied into again,
   * and should allocate nothing either time. */
  gsize need = offset;
  for (guint i = 0; i < src->n_slots; i++)
    for (int d = 0; d < 2; d++)
      need += (gsize) (src->slots[i].toward[d].len + INTO_SPARE)
              * src->stride;
  if (ses_block_size (dest) < need)
    {
      ses_block_free (dest);
      dest = ses_block_alloc (need + need / 2);
    }
  memcpy (dest, src, offset);
  dest->slots = (Slot *) (void *) ((guint8 *) dest + SLOTS_OFFSET);
  dest->spare = NULL;
  guint8 *at = (guint8 *) dest + offset;
  for (guint i = 0; i < src->n_slots; i++)
    for (int d = 0; d < 2; d++)
      {
        const Fifo *f = &src->slots[i].toward[d];
        Fifo *g = &dest->slots[i].toward[d];
        gsize bytes = (gsize) f->len * src->stride;
        g->head = 0;
        g->len = f->len;
        g->lent = TRUE;
        g->cap = f->len + INTO_SPARE;
        g->buf = at;
        if (bytes > 0)
          memcpy (at, f->buf + (gsize) f->head * src->stride, bytes);
        at += (gsize) g->cap * src->stride;
      }
  return dest;
}

guint
ses_net_n_slots (const SesNet *net)
{
  return net->n_slots;
}

gsize
ses_net_msg_size (const SesNet *net)
{
  return net->msg_size;
}

void
ses_net_set_latency (SesNet *net, guint slot, SesTime latency_us)
{
  g_return_if_fail (slot < net->n_slots && latency_us >= 0);
  net->slots[slot].latency_us = latency_us;
}

void
ses_net_prefetch (const SesNet *net, guint slot)
{
  if (slot < net->n_slots)
    ses_prefetch_span (&net->slots[slot], sizeof (Slot));
}

void
ses_net_prefetch_head (const SesNet *net, guint slot, SesNetEnd to)
{
  if (slot >= net->n_slots)
    return;
  const Fifo *f = &net->slots[slot].toward[to];
  if (f->len > 0)
    __builtin_prefetch (f->buf + (gsize) f->head * net->stride);
}

SesTime
ses_net_get_latency (const SesNet *net, guint slot)
{
  g_return_val_if_fail (slot < net->n_slots, 0);
  return net->slots[slot].latency_us;
}

guint32
ses_net_open (SesNet *net, guint slot)
{
  g_return_val_if_fail (slot < net->n_slots, 0);
  Slot *s = &net->slots[slot];
  for (int d = 0; d < 2; d++)
    fifo_clear (net, &s->toward[d]);
  s->gen++;
  s->up[0] = s->up[1] = 1;
  s->wire_up = 1;
  return s->gen;
}

guint32
ses_net_generation (const SesNet *net, guint slot)
{
  g_return_val_if_fail (slot < net->n_slots, 0);
  return net->slots[slot].gen;
}

static Slot *
current (const SesNet *net, guint slot, guint32 gen)
{
  if (slot >= net->n_slots || gen == 0 || net->slots[slot].gen != gen)
    return NULL;
  return &net->slots[slot];
}

gboolean
ses_net_is_up (const SesNet *net, guint slot, guint32 gen, SesNetEnd end)
{
  Slot *s = current (net, slot, gen);
  return s != NULL && s->up[end];
}

gboolean
ses_net_wire_up (const SesNet *net, guint slot, guint32 gen)
{
  Slot *s = current (net, slot, gen);
  return s != NULL && s->wire_up;
}

guint
ses_net_in_flight (const SesNet *net, guint slot, SesNetEnd toward)
{
  g_return_val_if_fail (slot < net->n_slots, 0);
  return net->slots[slot].toward[toward].len;
}

const void *
ses_net_peek (const SesNet *net, guint slot, SesNetEnd toward, guint i)
{
  g_return_val_if_fail (slot < net->n_slots, NULL);
  const Fifo *f = &net->slots[slot].toward[toward];
  if (i >= f->len)
    return NULL;
  const guint8 *e = f->buf + (gsize) (f->head + i) * net->stride;
  return e[sizeof (SesTime)] ? NULL : e + ENTRY_HEADER;
}

static SesTime
fifo_push (SesNet *net, Fifo *f, SesTime at, gboolean close, const void *msg)
{
  if (f->len > 0 && f->last_at > at)
    at = f->last_at; /* FIFO: never overtake what is already in flight */
  if (f->len == 0 && f->cap == 0 && net->use_room)
    {
      f->buf = f->room;
      f->cap = 1;
      f->lent = TRUE;
      f->head = 0;
    }
  else if (f->buf == f->room && f->len == 1)
    {
      /* A second entry: out of the room, into a buffer. */
      guint8 *buf;
      if (net->spare != NULL)
        {
          buf = net->spare;
          memcpy (&net->spare, buf, sizeof net->spare);
        }
      else
        buf = g_malloc ((gsize) SPARE_ENTRIES * net->stride);
      memcpy (buf, f->room, net->stride);
      f->buf = buf;
      f->head = 0;
      f->cap = SPARE_ENTRIES;
      f->lent = FALSE;
    }
  if (f->head + f->len == f->cap)
    {
      if (f->head > 0)
        {
          memmove (f->buf, f->buf + (gsize) f->head * net->stride,
                   (gsize) f->len * net->stride);
          f->head = 0;
        }
      if (f->cap == 0 && net->spare != NULL)
        {
          f->buf = net->spare;
          memcpy (&net->spare, f->buf, sizeof net->spare);
          f->cap = SPARE_ENTRIES;
        }
      else if (f->len == f->cap)
        {
          f->cap = MAX (SPARE_ENTRIES, f->cap * 2);
          if (f->lent)
            {
              guint8 *buf = g_malloc ((gsize) f->cap * net->stride);
              memcpy (buf, f->buf, (gsize) f->len * net->stride);
              f->buf = buf;
              f->lent = FALSE;
            }
          else
            f->buf = g_realloc (f->buf, (gsize) f->cap * net->stride);
        }
    }
  guint8 *e = f->buf + (gsize) (f->head + f->len) * net->stride;
  memset (e, 0, net->stride);
  memcpy (e, &at, sizeof at);
  e[sizeof (SesTime)] = close ? 1 : 0;
  if (msg != NULL)
    memcpy (e + ENTRY_HEADER, msg, net->msg_size);
  f->len++;
  f->last_at = at;
  return at;
}

SesTime
ses_net_send (SesNet *net, guint slot, guint32 gen, SesNetEnd from,
              const void *msg, SesTime now)
{
  Slot *s = current (net, slot, gen);
  /* A peer that is down (abandoned: crashed) receives nothing, so what is
   * sent to it is lost like on a half-open wire. */
  if (s == NULL || !s->wire_up || !s->up[from]
      || !s->up[SES_NET_PEER (from)])
    return SES_TIME_NONE;
  return fifo_push (net, &s->toward[SES_NET_PEER (from)],
                    now + s->latency_us, FALSE, msg);
}

SesTime
ses_net_close (SesNet *net, guint slot, guint32 gen, SesNetEnd from,
               SesTime now)
{
  Slot *s = current (net, slot, gen);
  if (s == NULL || !s->up[from])
    return SES_TIME_NONE;
  s->up[from] = 0;
  /* The closing end reads nothing more. */
  fifo_clear (net, &s->toward[from]);
  /* A peer that is already down never learns of the close. */
  gboolean deliver = s->wire_up && s->up[SES_NET_PEER (from)];
  /* Nothing more can be sent after a close, from either side. */
  s->wire_up = 0;
  if (!deliver)
    return SES_TIME_NONE;
  return fifo_push (net, &s->toward[SES_NET_PEER (from)],
                    now + s->latency_us, TRUE, NULL);
}

SesNetArrival
ses_net_arrive (SesNet *net, guint slot, guint32 gen, SesNetEnd to, void *out)
{
  Slot *s = current (net, slot, gen);
  if (s == NULL)
    return SES_NET_ARRIVAL_NONE;
  Fifo *f = &s->toward[to];
  if (f->len == 0)
    return SES_NET_ARRIVAL_NONE;
  const guint8 *e = f->buf + (gsize) f->head * net->stride;
  gboolean close = e[sizeof (SesTime)] != 0;
  if (!close && out != NULL)
    memcpy (out, e + ENTRY_HEADER, net->msg_size);
  f->head++;
  f->len--;
  if (f->len == 0)
    {
      if (f->buf == f->room)
        fifo_clear (net, f); /* the next send takes the room again */
      else if (f->lent)
        f->head = 0; /* a copy's own storage, kept for its next send */
      else
        fifo_clear (net, f); /* the buffer goes back to the spares */
    }
  if (close)
    {
      s->up[to] = 0;
      return SES_NET_ARRIVAL_CLOSE;
    }
  return SES_NET_ARRIVAL_MESSAGE;
}

static void
drop_in_flight (SesNet *net, Slot *s)
{
  for (int d = 0; d < 2; d++)
    fifo_clear (net, &s->toward[d]);
  s->wire_up = 0;
}

guint
ses_net_cut (SesNet *net, guint slot, guint32 gen)
{
  Slot *s = current (net, slot, gen);
  if (s == NULL)
    return 0;
  guint mask = (s->up[0] ? 1u << 0 : 0) | (s->up[1] ? 1u << 1 : 0);
  drop_in_flight (net, s);
  s->up[0] = s->up[1] = 0;
  return mask;
}

gboolean
ses_net_half_open (SesNet *net, guint slot, guint32 gen, SesNetEnd unaware)
{
  Slot *s = current (net, slot, gen);
  if (s == NULL)
    return FALSE;
  SesNetEnd aware = SES_NET_PEER (unaware);
  gboolean was_up = s->up[aware];
  drop_in_flight (net, s);
  s->up[aware] = 0;
  return was_up;
}

void
ses_net_abandon (SesNet *net, guint slot, guint32 gen, SesNetEnd end)
{
  Slot *s = current (net, slot, gen);
  if (s == NULL)
    return;
  s->up[end] = 0;
  /* A dead end reads nothing more, as after its own close. */
  fifo_clear (net, &s->toward[end]);
}

void
ses_net_encode_to (const SesNet *net, SesTime now, SesEncoder *out)
{
  for (guint i = 0; i < net->n_slots; i++)
    {
      const Slot *s = &net->slots[i];
      guint8 *p = ses_encoder_reserve (out, 8 + 3 + 8);
      p = ses_put_u64 (p, s->gen);
      p = ses_put_u8 (p, s->up[0]);
      p = ses_put_u8 (p, s->up[1]);
      p = ses_put_u8 (p, s->wire_up);
      ses_put_u64 (p, (guint64) s->latency_us);
      for (int d = 0; d < 2; d++)
        {
          const Fifo *f = &s->toward[d];
          p = ses_encoder_reserve (out, 8 + (gsize) f->len
                                                * (9 + net->msg_size));
          p = ses_put_u64 (p, f->len);
          for (guint k = 0; k < f->len; k++)
            {
              const guint8 *e = f->buf + (gsize) (f->head + k) * net->stride;
              SesTime at;
              memcpy (&at, e, sizeof at);
              p = ses_put_u64 (p, (guint64) (at - now));
              p = ses_put_u8 (p, e[sizeof (SesTime)]);
              memcpy (p, e + ENTRY_HEADER, net->msg_size);
              p += net->msg_size;
            }
        }
    }
}

void
ses_net_encode (const SesNet *net, SesTime now, GByteArray *out)
{
  guint8 storage[1024];
  SesEncoder e;
  ses_encoder_init (&e, storage, sizeof storage);
  ses_net_encode_to (net, now, &e);
  g_byte_array_append (out, e.data, (guint) e.len);
  ses_encoder_clear (&e);
}
