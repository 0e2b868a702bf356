/* Conformance runs: the scenario's clients (the model's client state
 * machines) talk to a real broker over loopback TCP, in wall time.
 *
 * The world steps its own events (script actions, client timers) when the
 * wall clock reaches them and, between them, waits on the sockets; what the
 * broker sends is decoded and handed to the client at the moment it is
 * read. Nothing calls back into the world from inside a step: connections
 * that fail during one (a refused connect, a broker restart) are reported
 * after it. Every wait is bounded. A paused client's socket is peeked, not
 * read, so the broker's TCP window fills as a stalled reader's does. */
/* sockets, poll, prctl and kill are POSIX and Linux, not C17 */
#define _GNU_SOURCE
#include "sessim-config.h"

#include "conform.h"

#include <math.h>
#include <poll.h>
#include <string.h>

#include "codec.h"
#include "ejabberd.h"
#include "mosquitto.h"
#include "mqtt-private.h"
#include "socket.h"

#define CONNECT_TIMEOUT_MS 2000
#define WRITE_TIMEOUT_MS 2000
#define MAX_PACKET (1u << 20)
/* A packet the client wrote counts as read by the broker when the broker
 * answers it, or after this long (wall time) without an answer. */
#define SETTLE_US (20 * 1000)
/* A paused client's socket is not polled for input (it would always be
 * ready): it is peeked this often (wall time) instead. */
#define PEEK_TICK_MS 5

G_DEFINE_QUARK (ses-conform-error-quark, ses_conform_error)

typedef struct {
  guint slot;
  guint32 gen;
  guint8 version;
  SesLiveSocket *sock;
  SesCause close_cause; /* what the broker said before closing */
  gboolean retired;     /* closed, freed after the current pass */
  gboolean draining;    /* drain() is reading it (not re-entered) */
} Conn;

typedef struct {
  guint8 type;        /* SesPacketType; 0 for the close */
  guint8 qos;         /* PUBLISH */
  guint16 packet_id;
  guint32 seq;        /* PUBLISH: the client's message number */
  gint64 wall_us;     /* when it was written (or is due, if unsent) */
  /* (nullable) Bytes the client's latency still holds back: written when
   * wall_us comes; a fault before then loses them, as in the model. */
  GBytes *unsent;
  /* (nullable) The close: the connection to close once what is before it
   * has been written. */
  gpointer closing;
} Pending;

typedef struct {
  SesWorld *world;
  SesMqtt *mqtt;
  SesMqttConfig *cfg;
  const SesConformOptions *opts;
  SesConformReport *report;
  SesLiveBroker *broker;
  const char *host;
  guint16 port;
  guint n_slots;
  Conn **current;         /* per slot, nullable */
  GPtrArray *abandoned;   /* (element-type Conn) half-open, still read */
  GPtrArray *failed;      /* (element-type Conn) to report closed */
  /* (element-type Conn) closed during a pass over the sockets, which may
   * still be reading them: freed when the pass is over. */
  GPtrArray *retired;
  /* (topic << 32 | payload) -> GArray of (origin << 32 | seq), in the
   * order the clients first sent them: gives a PUBLISH read from the
   * broker back its identity, which the wire does not carry. */
  GHashTable *ghosts;
  GArray **received;      /* per client: identities it was handed */
  /* (origin << 32 | seq) -> (packet id << 8 | QoS) of each PUBLISH the
   * clients sent: which PUBREL a Method A broker forwards on. */
  GHashTable *sent_ids;
  /* Per slot: what the client wrote on its current connection that the
   * broker's end has not been shown yet, oldest first; the net holds the
   * same packets (see ses_world_link_settle). */
  GArray **pending;       /* (element-type Pending) */
  gint64 start_us;
  gboolean broker_lost;   /* the first connection could not be made */
} Live;

static void
conn_free (Conn *c)
{
  if (c == NULL)
    return;
  ses_live_socket_free (c->sock);
  g_free (c);
}

/* Closes c (if still open) and frees it once nothing reads it. */
static void
retire (Live *l, Conn *c)
{
  if (c == NULL || c->retired)
    return;
  ses_live_socket_close (c->sock);
  c->retired = TRUE;
  g_ptr_array_add (l->retired, c);
}

void
ses_conform_report_clear (SesConformReport *report)
{
  g_clear_pointer (&report->broker_config, g_free);
  g_clear_pointer (&report->notes, g_ptr_array_unref);
}

guint32
ses_conform_scale_out (guint32 seconds, double scale)
{
  if (seconds == 0 || seconds == SES_EXPIRY_NEVER || scale == 1.0)
    return seconds;
  double s = floor (seconds * scale + 0.5);
  return s < 1 ? 1 : s > 4294967294.0 ? 4294967294u : (guint32) s;
}

guint32
ses_conform_scale_in (guint32 seconds, double scale)
{
  if (seconds == 0 || seconds == SES_EXPIRY_NEVER || scale == 1.0)
    return seconds;
  double s = floor (seconds / scale + 0.5);
  return s > 4294967294.0 ? 4294967294u : (guint32) s;
}

/* ---- time ------------------------------------------------------------- */

static SesTime
virtual_now (const Live *l)
{
  gint64 wall = g_get_monotonic_time () - l->start_us;
  return (SesTime) ((double) wall / l->opts->time_scale);
}

static gint64
wall_ms_until (const Live *l, SesTime v)
{
  SesTime now = virtual_now (l);
  if (v <= now)
    return 0;
  double ms = (double) (v - now) * l->opts->time_scale / 1000.0;
  return ms > 1000 ? 1000 : (gint64) ceil (ms);
}

/* ---- packets both ways ------------------------------------------------ */

static void
note (Live *l, const char *fmt, ...) G_GNUC_PRINTF (2, 3);

static void
note (Live *l, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  char *s = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  for (guint i = 0; i < l->report->notes->len; i++)
    if (strcmp (g_ptr_array_index (l->report->notes, i), s) == 0)
      {
        g_free (s);
        return;
      }
  g_ptr_array_add (l->report->notes, s);
}

static guint64
ghost_key (guint32 topic, guint32 payload)
{
  return (guint64) topic << 32 | payload;
}

static gboolean
has_id (const GArray *ids, guint64 id)
{
  for (guint i = 0; i < ids->len; i++)
    if (g_array_index (ids, guint64, i) == id)
      return TRUE;
  return FALSE;
}

static void
ghost_add (Live *l, guint32 topic, guint32 payload, guint32 origin,
           guint32 seq)
{
  guint64 key = ghost_key (topic, payload);
  GArray *ids = g_hash_table_lookup (l->ghosts, &key);
  if (ids == NULL)
    {
      ids = g_array_new (FALSE, FALSE, sizeof (guint64));
      g_hash_table_insert (l->ghosts, g_memdup2 (&key, sizeof key), ids);
    }
  guint64 id = (guint64) origin << 32 | seq;
  if (!has_id (ids, id))
    g_array_append_val (ids, id);
}

/* The application message a PUBLISH from the broker carries: the first of
 * that topic and payload the client has not had yet (the last one if it
 * had them all: a redelivery). */
static void
ghost_find (Live *l, guint client, SesPacket *pkt)
{
  guint64 key = ghost_key (pkt->topic, pkt->payload);
  GArray *ids = g_hash_table_lookup (l->ghosts, &key);
  if (ids == NULL || ids->len == 0)
    {
      pkt->origin = G_MAXUINT32;
      pkt->seq = 0;
      return;
    }
  GArray *had = l->received[client];
  guint64 pick = g_array_index (ids, guint64, ids->len - 1);
  for (guint i = 0; i < ids->len; i++)
    if (!has_id (had, g_array_index (ids, guint64, i)))
      {
        pick = g_array_index (ids, guint64, i);
        /* A redelivery of one it had does not count twice. */
        g_array_append_val (had, pick);
        break;
      }
  pkt->origin = (guint32) (pick >> 32);
  pkt->seq = (guint32) pick;
  if (pkt->seq == 0)
    pkt->flags |= SES_PKT_F_WILL;
}

static void
scale_packet (SesPacket *p, SesCodecExtra *x, double scale, gboolean out)
{
  guint32 (*f) (guint32, double) = out ? ses_conform_scale_out
                                       : ses_conform_scale_in;
  if (p->flags & SES_PKT_F_HAS_EXPIRY)
    p->expiry_s = f (p->expiry_s, scale);
  if (p->type == SES_PKT_CONNECT || p->type == SES_PKT_CONNACK)
    p->keep_alive_s = (guint16) MIN (f (p->keep_alive_s, scale), 65535u);
  if (x != NULL && p->type == SES_PKT_CONNECT && p->will != 0)
    {
      x->will.delay_s = f (x->will.delay_s, scale);
      if (x->will.has_expiry)
        x->will.expiry_s = f (x->will.expiry_s, scale);
    }
}

static GArray *pending_of (Live *l, guint slot);
static void settle (Live *l, guint slot, guint n);

/* One-way latency of the client's link, in wall time. */
static gint64
latency_wall_us (const Live *l, guint slot)
{
  return (gint64) ((double) ses_mqtt_config_client (l->cfg, slot)->latency_us
                   * l->opts->time_scale);
}

static gboolean
has_unsent (const Live *l, guint slot)
{
  GArray *p = l->pending[slot];
  return p->len > 0 && g_array_index (p, Pending, p->len - 1).unsent != NULL;
}

static void
pending_clear (gpointer data)
{
  Pending *p = data;
  g_clear_pointer (&p->unsent, g_bytes_unref);
}

static gboolean
link_send (gpointer data, guint slot, guint32 gen, const void *msg)
{
  Live *l = data;
  Conn *c = l->current[slot];
  if (c == NULL || c->gen != gen || c->sock == NULL || c->sock->fd < 0)
    return FALSE;
  SesPacket pkt;
  memcpy (&pkt, msg, sizeof pkt);
  if (pkt.type == SES_PKT_PUBLISH && pkt.origin != G_MAXUINT32)
    {
      ghost_add (l, pkt.topic, pkt.payload, pkt.origin, pkt.seq);
      guint64 key = (guint64) pkt.origin << 32 | pkt.seq;
      g_hash_table_insert (l->sent_ids, g_memdup2 (&key, sizeof key),
                           GUINT_TO_POINTER ((guint) pkt.packet_id << 8
                                             | pkt.qos));
    }
  SesCodecExtra extra;
  memset (&extra, 0, sizeof extra);
  if (pkt.type == SES_PKT_CONNECT && pkt.will != 0)
    {
      const SesWill *w = ses_mqtt_config_will (l->cfg, pkt.will);
      extra.will.topic = w->topic;
      extra.will.payload = w->payload;
      extra.will.qos = w->qos;
      extra.will.retain = w->retain != 0;
      extra.will.delay_s = w->delay_s;
      extra.will.has_expiry = w->has_expiry != 0;
      extra.will.expiry_s = w->expiry_s;
    }
  scale_packet (&pkt, &extra, l->opts->time_scale, TRUE);
  g_autoptr (GByteArray) bytes = g_byte_array_new ();
  g_autoptr (GError) error = NULL;
  if (!ses_codec_encode (&pkt, &extra, c->version,
                         ses_mqtt_config_strings (l->cfg), bytes, &error))
    {
      note (l, "a %s could not be put on the wire: %s",
            ses_packet_type_name (pkt.type), error->message);
      return FALSE;
    }
  if (pkt.type == SES_PKT_CONNECT
      && l->opts->broker_kind == SES_CONFORM_EJABBERD)
    ses_live_ejabberd_login (bytes);
  Pending p = { pkt.type, pkt.qos, pkt.packet_id,
                pkt.type == SES_PKT_PUBLISH ? pkt.seq : 0,
                g_get_monotonic_time (), NULL, NULL };
  gint64 delay = latency_wall_us (l, slot);
  if (delay > 0 || has_unsent (l, slot))
    {
      /* The scenario's latency: on its way, not yet on the wire. */
      p.unsent = g_bytes_new (bytes->data, bytes->len);
      p.wall_us += delay;
    }
  else if (!ses_live_socket_write (c->sock, bytes->data, bytes->len,
                                   WRITE_TIMEOUT_MS))
    return FALSE;
  g_array_append_val (l->pending[slot], p);
  return TRUE;
}

static void write_due (Live *l, guint slot, gboolean all);

/* Before the client opens a new connection on slot: what it wrote on the
 * last one goes out now and reaches the broker first. */
static void
link_flush (gpointer data, guint slot)
{
  Live *l = data;
  write_due (l, slot, TRUE);
  settle (l, slot, G_MAXUINT);
  g_array_set_size (l->pending[slot], 0);
}

static void
link_open (gpointer data, guint slot, guint32 gen)
{
  Live *l = data;
  g_array_set_size (l->pending[slot], 0); /* flushed before the open */
  /* A connection the client still had is over for it now. */
  retire (l, l->current[slot]);
  Conn *c = g_new0 (Conn, 1);
  c->slot = slot;
  c->gen = gen;
  c->version = (guint8) ses_mqtt_config_client (l->cfg, slot)->version;
  l->current[slot] = c;
  g_autoptr (GError) error = NULL;
  c->sock = ses_live_socket_connect (l->host, l->port, CONNECT_TIMEOUT_MS,
                                     &error);
  l->report->connections++;
  if (c->sock == NULL)
    {
      if (l->report->connections == 1)
        l->broker_lost = TRUE;
      note (l, "a connection was refused: %s", error->message);
      /* The client hears of it after this step, as a close. */
      g_ptr_array_add (l->failed, c);
      l->current[slot] = NULL;
    }
}

static void
link_close (gpointer data, guint slot, guint32 gen)
{
  Live *l = data;
  Conn *c = l->current[slot];
  if (c == NULL || c->gen != gen)
    return;
  l->current[slot] = NULL;
  Pending p = { 0, 0, 0, 0, g_get_monotonic_time (), NULL, NULL };
  if (has_unsent (l, slot))
    {
      /* The FIN follows what the latency still holds. */
      p.closing = c;
      p.unsent = g_bytes_new (NULL, 0);
      p.wall_us += latency_wall_us (l, slot);
    }
  else
    retire (l, c);
  g_array_append_val (l->pending[slot], p);
}

/* Shows the broker's end what was really written; drops what the latency
 * still held (the net's cut then loses it, as the model's does). */
static void
settle_written (gpointer data, guint slot)
{
  Live *l = data;
  GArray *p = pending_of (l, slot);
  guint written = 0;
  while (written < p->len
         && g_array_index (p, Pending, written).unsent == NULL)
    written++;
  settle (l, slot, written);
  p = pending_of (l, slot);
  for (guint i = 0; i < p->len; i++)
    retire (l, g_array_index (p, Pending, i).closing);
}

static void
cut_or_reset (Live *l, guint slot, guint32 gen, gboolean reset)
{
  settle_written (l, slot);
  /* A cut, as sockets can make one: the connection ends without
   * DISCONNECT, and the broker sees it end, by a FIN or by a RST. */
  Conn *c = l->current[slot];
  if (c != NULL && c->gen == gen)
    {
      if (reset)
        ses_live_socket_reset (c->sock); /* retire's close is then a no-op */
      retire (l, c);
      l->current[slot] = NULL;
    }
  g_array_set_size (l->pending[slot], 0);
}

static void
link_cut (gpointer data, guint slot, guint32 gen)
{
  cut_or_reset (data, slot, gen, FALSE);
}

static void
link_reset (gpointer data, guint slot, guint32 gen)
{
  cut_or_reset (data, slot, gen, TRUE);
}

static void
link_half_open (gpointer data, guint slot, guint32 gen, SesNetEnd unaware)
{
  Live *l = data;
  settle_written (l, slot);
  g_array_set_size (l->pending[slot], 0);
  Conn *c = l->current[slot];
  if (c == NULL || c->gen != gen)
    return;
  if (unaware == SES_NET_SERVER)
    {
      /* The client walks away from a connection the broker still has:
       * nothing more is written on it, and what the broker sends there
       * is lost; it is still read, to see when the broker gives up. */
      c->sock->abandoned = TRUE;
      g_ptr_array_add (l->abandoned, c);
    }
  else
    {
      /* The broker sees the end; the client goes on writing into the
       * void (the world loses what it sends). */
      retire (l, c);
    }
  l->current[slot] = NULL;
}

static const SesWorldLink live_link = {
  .open = link_open,
  .send = link_send,
  .close = link_close,
  .cut = link_cut,
  .reset = link_reset,
  .half_open = link_half_open,
  .flush = link_flush,
};

static void
remote_restart (gpointer data, gboolean persistent)
{
  Live *l = data;
  if (l->broker == NULL)
    {
      note (l, "the scenario restarts the broker, which only --broker can "
               "do; the restart was skipped");
      return;
    }
  /* Whatever ends the connections it had now is the restart. */
  for (guint s = 0; s < l->n_slots; s++)
    if (l->current[s] != NULL)
      l->current[s]->close_cause = SES_CAUSE_RESTART;
  for (guint i = 0; i < l->abandoned->len; i++)
    ((Conn *) g_ptr_array_index (l->abandoned, i))->close_cause
      = SES_CAUSE_RESTART;
  g_autoptr (GError) error = NULL;
  if (!ses_live_broker_restart (l->broker, persistent, &error))
    note (l, "the broker did not come back after a restart: %s",
          error->message);
  else
    l->report->restarts++;
  /* Every connection it had is gone; the clients learn of it when they
   * read the end of their sockets, after this step. */
}

static const SesRemoteBroker remote_broker = {
  .restart = remote_restart,
  .settle = settle_written,
};

static SesCause
cause_of_disconnect (guint8 reason)
{
  switch (reason)
    {
    case 0x8E: /* Session taken over */
      return SES_CAUSE_TAKEOVER;
    case 0x8D: /* Keep Alive timeout */
      return SES_CAUSE_KEEP_ALIVE;
    case 0x81: /* Malformed Packet */
    case 0x82: /* Protocol Error */
      return SES_CAUSE_PROTOCOL_ERROR;
    default:
      return SES_CAUSE_NONE;
    }
}

/* Writes what the latency held back and is now due (all: everything),
 * each on the connection it was written for: the one a later close in the
 * list ends, else the current one. */
static void
write_due (Live *l, guint slot, gboolean all)
{
  GArray *p = l->pending[slot];
  gint64 now = g_get_monotonic_time ();
  for (guint i = 0; i < p->len; i++)
    {
      Pending *q = &g_array_index (p, Pending, i);
      if (q->unsent == NULL)
        continue;
      if (!all && q->wall_us > now)
        break;
      if (q->closing != NULL)
        {
          retire (l, q->closing);
          q->closing = NULL;
        }
      else
        {
          Conn *c = l->current[slot];
          for (guint j = i + 1; j < p->len; j++)
            if (g_array_index (p, Pending, j).closing != NULL)
              {
                c = g_array_index (p, Pending, j).closing;
                break;
              }
          gsize len = 0;
          const guint8 *bytes = g_bytes_get_data (q->unsent, &len);
          if (c != NULL && c->sock != NULL && c->sock->fd >= 0)
            ses_live_socket_write (c->sock, bytes, len, WRITE_TIMEOUT_MS);
        }
      g_clear_pointer (&q->unsent, g_bytes_unref);
      q->wall_us = now;
    }
}

/* When the next held-back packet is due; G_MAXINT64 when none is. */
static gint64
next_due (const Live *l)
{
  gint64 due = G_MAXINT64;
  for (guint s = 0; s < l->n_slots; s++)
    {
      GArray *p = l->pending[s];
      for (guint i = 0; i < p->len; i++)
        if (g_array_index (p, Pending, i).unsent != NULL)
          {
            due = MIN (due, g_array_index (p, Pending, i).wall_us);
            break;
          }
    }
  return due;
}

/* Drops what the world has settled by itself (before a cut, an open). */
static GArray *
pending_of (Live *l, guint slot)
{
  GArray *p = l->pending[slot];
  guint in_net = ses_world_link_pending (l->world, slot);
  if (p->len > in_net)
    g_array_remove_range (p, 0, p->len - in_net);
  return p;
}

static void
settle (Live *l, guint slot, guint n)
{
  GArray *p = pending_of (l, slot);
  n = MIN (n, p->len);
  /* Never past what is still held back. */
  for (guint i = 0; i < n; i++)
    if (g_array_index (p, Pending, i).unsent != NULL)
      {
        n = i;
        break;
      }
  if (n == 0)
    return;
  guint done = ses_world_link_settle (l->world, slot, n);
  g_array_remove_range (p, 0, MIN (done, p->len));
}

/* A message the broker forwards was read from its publisher first: that
 * PUBLISH (and all before it); for a will, everything its owner wrote
 * before the connection ended. */
static gboolean drain (Live *l, Conn *c, gboolean current);

static void
settle_forwarded (Live *l, const SesPacket *pkt)
{
  if (pkt->origin >= l->n_slots)
    return;
  /* What the broker wrote the publisher before this copy (its CONNACK,
   * say) may wait unread on the publisher's socket: read it first, so
   * that the broker's side is shown in the order it happened. */
  Conn *publisher = l->current[pkt->origin];
  if (publisher != NULL && !publisher->draining && publisher->sock != NULL
      && publisher->sock->fd >= 0)
    drain (l, publisher, TRUE);
  GArray *p = pending_of (l, pkt->origin);
  if (pkt->seq == 0)
    {
      settle (l, pkt->origin, G_MAXUINT);
      return;
    }
  /* A broker that forwards QoS 2 on PUBREL (Method A) read that too. */
  guint64 key = (guint64) pkt->origin << 32 | pkt->seq;
  guint sent = GPOINTER_TO_UINT (g_hash_table_lookup (l->sent_ids, &key));
  gboolean on_pubrel = (sent & 0xff) == 2
                       && ses_mqtt_config_broker (l->cfg)->qos2_on_pubrel;
  for (guint i = p->len; i-- > 0;)
    {
      const Pending *q = &g_array_index (p, Pending, i);
      if ((!on_pubrel && q->type == SES_PKT_PUBLISH && q->seq == pkt->seq)
          || (on_pubrel && q->type == SES_PKT_PUBREL
              && q->packet_id == (sent >> 8)))
        {
          settle (l, pkt->origin, i + 1);
          return;
        }
    }
}

/* The broker's packet answers one the client wrote: the broker read that
 * one (and all before it) before it wrote this. */
static void
settle_answered (Live *l, guint slot, const SesPacket *answer)
{
  guint8 asked;
  gboolean by_id = TRUE;
  switch (answer->type)
    {
    case SES_PKT_CONNACK:
      asked = SES_PKT_CONNECT;
      by_id = FALSE;
      break;
    case SES_PKT_SUBACK:
      asked = SES_PKT_SUBSCRIBE;
      break;
    case SES_PKT_UNSUBACK:
      asked = SES_PKT_UNSUBSCRIBE;
      break;
    case SES_PKT_PUBACK:
    case SES_PKT_PUBREC:
      asked = SES_PKT_PUBLISH;
      break;
    case SES_PKT_PUBCOMP:
      asked = SES_PKT_PUBREL;
      break;
    case SES_PKT_PUBREL:
      asked = SES_PKT_PUBREC;
      break;
    case SES_PKT_PINGRESP:
      asked = SES_PKT_PINGREQ;
      by_id = FALSE;
      break;
    case SES_PKT_DISCONNECT:
      /* Read after the client's own DISCONNECT (only a client that
       * lingers reads on), the broker's answers it: a DISCONNECT 0x82 for
       * one that raised a zero Session Expiry, say. */
      asked = SES_PKT_DISCONNECT;
      by_id = FALSE;
      break;
    default:
      return;
    }
  GArray *p = pending_of (l, slot);
  for (guint i = 0; i < p->len; i++)
    {
      const Pending *q = &g_array_index (p, Pending, i);
      if (q->type == asked && (!by_id || q->packet_id == answer->packet_id))
        {
          settle (l, slot, i + 1);
          return;
        }
    }
}

/* Whether the broker answers this packet: then only the answer (or the
 * end of the connection) shows it was read. */
static gboolean
awaits_answer (const Pending *q)
{
  switch (q->type)
    {
    case SES_PKT_CONNECT:
    case SES_PKT_SUBSCRIBE:
    case SES_PKT_UNSUBSCRIBE:
    case SES_PKT_PUBREL:
    case SES_PKT_PUBREC:
    case SES_PKT_PINGREQ:
      return TRUE;
    case SES_PKT_PUBLISH:
      return q->qos > 0;
    default:
      return FALSE;
    }
}

/* Packets nothing answers count as read once they have been on the wire
 * a while, unless one before them still waits for its answer: a broker
 * reads a connection in order. */
static void
settle_old (Live *l)
{
  gint64 now = g_get_monotonic_time ();
  for (guint s = 0; s < l->n_slots; s++)
    {
      GArray *p = pending_of (l, s);
      guint n = 0;
      /* After the client's own close the broker reads to the end of the
       * stream, answered or not. */
      for (guint i = p->len; i-- > 0;)
        {
          const Pending *q = &g_array_index (p, Pending, i);
          if (q->type == 0 && q->unsent == NULL
              && now - q->wall_us >= SETTLE_US)
            {
              n = i + 1;
              break;
            }
        }
      while (n < p->len && !awaits_answer (&g_array_index (p, Pending, n))
             && g_array_index (p, Pending, n).unsent == NULL
             && now - g_array_index (p, Pending, n).wall_us >= SETTLE_US)
        n++;
      settle (l, s, n);
    }
}

/* Whether c is the connection of a client that has stopped reading
 * (pause): its socket is then only peeked. */
static gboolean
paused (const Live *l, const Conn *c)
{
  const SesClient *client = &l->mqtt->clients[c->slot];
  return l->current[c->slot] == c && client->paused && client->gen == c->gen;
}

/* Reads what arrived on c and hands it over, packet by packet. Returns
 * FALSE once the broker has closed c (it has been reported). A paused
 * client's socket is peeked: the packets reach the client model at the
 * moment they arrive (it keeps them unread, as in a simulated run) but
 * stay in the receive buffer; once the broker has closed the connection
 * it is read to the end, since the model's client hears of a close even
 * while paused. */
static gboolean
drain_packets (Live *l, Conn *c, gboolean current)
{
  gboolean ok;
  if (current && paused (l, c) && !ses_live_socket_peer_gone (c->sock))
    ok = ses_live_socket_peek (c->sock);
  else
    ok = ses_live_socket_read (c->sock);
  if (!ok && c->sock->inbox->len == 0)
    c->sock->eof = TRUE;
  GByteArray *in = c->sock->inbox;
  gsize used = 0;
  while (used < in->len)
    {
      SesPacket pkt;
      SesCodecExtra extra;
      gsize consumed = 0;
      g_autoptr (GError) error = NULL;
      SesCodecFrame f = ses_codec_decode_next (
          in->data + used, in->len - used, c->version, MAX_PACKET,
          ses_mqtt_config_strings (l->cfg), &pkt, &extra, &consumed, &error);
      if (f == SES_CODEC_FRAME_NEED_MORE)
        break;
      if (f == SES_CODEC_FRAME_MALFORMED)
        {
          note (l, "the broker sent bytes that are not a packet: %s",
                error->message);
          c->sock->eof = TRUE;
          c->close_cause = SES_CAUSE_PROTOCOL_ERROR;
          used = in->len;
          break;
        }
      used += consumed;
      scale_packet (&pkt, NULL, l->opts->time_scale, FALSE);
      if (pkt.type == SES_PKT_PUBLISH)
        {
          ghost_find (l, c->slot, &pkt);
          settle_forwarded (l, &pkt);
        }
      if (pkt.type == SES_PKT_DISCONNECT)
        c->close_cause = cause_of_disconnect (pkt.reason);
      if (current)
        settle_answered (l, c->slot, &pkt);
      ses_mqtt_remote_deliver (l->mqtt, l->world, c->slot, c->gen, &pkt);
      if (c->retired)
        return FALSE; /* the client closed it on reading that */
    }
  g_byte_array_remove_range (in, 0, (guint) used);
  if (!c->sock->eof)
    return TRUE;
  if (current)
    settle (l, c->slot, G_MAXUINT);
  /* A broker may close a connection because another one's CONNECT took
   * its session over: that CONNECT was read first. */
  for (guint s = 0; s < l->n_slots; s++)
    {
      GArray *p = pending_of (l, s);
      for (guint i = 0; s != c->slot && i < p->len; i++)
        if (g_array_index (p, Pending, i).type == SES_PKT_CONNECT)
          {
            settle (l, s, i + 1);
            break;
          }
    }
  SesCause cause = c->close_cause;
  if (!current && cause == SES_CAUSE_NONE)
    cause = SES_CAUSE_KEEP_ALIVE; /* nothing came from the client on it */
  guint slot = c->slot;
  if (l->current[slot] == c)
    l->current[slot] = NULL;
  retire (l, c);
  ses_mqtt_remote_closed (l->mqtt, l->world, slot, c->gen, cause);
  return FALSE;
}

/* drain_packets, marked while it runs: reading another connection first
 * (settle_forwarded) never comes back into this one. Retired connections
 * are freed only after the pass, so c is still there afterwards. */
static gboolean
drain (Live *l, Conn *c, gboolean current)
{
  c->draining = TRUE;
  gboolean open = drain_packets (l, c, current);
  c->draining = FALSE;
  return open;
}

static void
report_failed (Live *l)
{
  while (l->failed->len > 0)
    {
      Conn *c = g_ptr_array_steal_index (l->failed, 0);
      ses_mqtt_remote_closed (l->mqtt, l->world, c->slot, c->gen,
                              c->close_cause);
      conn_free (c);
    }
}

/* Waits for the sockets until virtual time `until` at most. */
static void
wait_sockets (Live *l, SesTime until)
{
  g_autoptr (GArray) fds = g_array_new (FALSE, FALSE, sizeof (struct pollfd));
  gboolean peeking = FALSE;
  for (guint s = 0; s < l->n_slots; s++)
    if (l->current[s] != NULL && l->current[s]->sock->fd >= 0)
      {
        /* A paused socket wakes the wait only when the broker closes it;
         * what arrives on it is peeked at the next tick. */
        gboolean p_paused = paused (l, l->current[s]);
        struct pollfd p = { .fd = l->current[s]->sock->fd,
                            .events = p_paused ? POLLRDHUP : POLLIN };
        peeking |= p_paused;
        g_array_append_val (fds, p);
      }
  for (guint i = 0; i < l->abandoned->len; i++)
    {
      Conn *c = g_ptr_array_index (l->abandoned, i);
      struct pollfd p = { .fd = c->sock->fd, .events = POLLIN };
      g_array_append_val (fds, p);
    }
  gint64 ms = until == SES_TIME_NONE ? 1000 : wall_ms_until (l, until);
  for (guint s = 0; s < l->n_slots; s++)
    if (l->pending[s]->len > 0)
      ms = MIN (ms, SETTLE_US / 1000);
  if (peeking)
    ms = MIN (ms, PEEK_TICK_MS);
  gint64 due = next_due (l);
  if (due != G_MAXINT64)
    ms = MIN (ms, MAX (0, (due - g_get_monotonic_time () + 999) / 1000));
  poll ((struct pollfd *) fds->data, fds->len, (int) ms);
}

static void
read_all (Live *l)
{
  for (guint s = 0; s < l->n_slots; s++)
    {
      Conn *c = l->current[s];
      if (c == NULL || c->sock->fd < 0)
        continue;
      drain (l, c, TRUE);
    }
  for (guint i = 0; i < l->abandoned->len;)
    {
      Conn *c = g_ptr_array_index (l->abandoned, i);
      if (drain (l, c, FALSE))
        i++;
      else
        g_ptr_array_remove_index (l->abandoned, i);
    }
  g_ptr_array_set_size (l->retired, 0);
}

gboolean
ses_conform_run (SesWorld *world, const SesConformOptions *opts,
                 SesConformReport *report, GError **error)
{
  g_return_val_if_fail (opts->time_scale > 0, FALSE);
  memset (report, 0, sizeof *report);
  report->notes = g_ptr_array_new_with_free_func (g_free);
  Live l = { .world = world, .mqtt = ses_mqtt_from_world (world),
             .opts = opts, .report = report };
  l.cfg = ses_mqtt_config (l.mqtt);
  l.n_slots = ses_mqtt_config_n_clients (l.cfg);
  if (opts->start_broker)
    {
      g_autoptr (GError) err = NULL;
      /* The broker's own cap on Session Expiry is a duration it is told,
       * scaled like the clients' (ejabberd maps it). */
      SesBrokerConfig bc = *ses_mqtt_config_broker (l.cfg);
      bc.max_session_expiry_s
          = ses_conform_scale_out (bc.max_session_expiry_s, opts->time_scale);
      l.broker = opts->broker_kind == SES_CONFORM_EJABBERD
                     ? ses_live_ejabberd_start (&bc, opts->broker_exe, &err)
                     : ses_live_broker_start (&bc, opts->broker_exe, &err);
      if (l.broker == NULL)
        {
          g_set_error (error, SES_CONFORM_ERROR, SES_CONFORM_ERROR_BROKER,
                       "%s", err->message);
          return FALSE;
        }
      l.host = "127.0.0.1";
      l.port = ses_live_broker_port (l.broker);
      report->broker_config = g_strdup (ses_live_broker_config_text (l.broker));
      const GPtrArray *un = ses_live_broker_unmapped (l.broker);
      for (guint i = 0; i < un->len; i++)
        note (&l, "broker setting %s", (char *) g_ptr_array_index (un, i));
    }
  else
    {
      l.host = opts->host;
      l.port = opts->port;
    }
  report->port = l.port;
  l.current = g_new0 (Conn *, l.n_slots);
  l.abandoned = g_ptr_array_new ();
  l.failed = g_ptr_array_new ();
  l.retired = g_ptr_array_new_with_free_func ((GDestroyNotify) conn_free);
  l.ghosts = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free,
                                    (GDestroyNotify) g_array_unref);
  l.received = g_new0 (GArray *, l.n_slots);
  l.sent_ids = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free,
                                      NULL);
  l.pending = g_new0 (GArray *, l.n_slots);
  for (guint i = 0; i < l.n_slots; i++)
    {
      l.pending[i] = g_array_new (FALSE, FALSE, sizeof (Pending));
      g_array_set_clear_func (l.pending[i], pending_clear);
      l.received[i] = g_array_new (FALSE, FALSE, sizeof (guint64));
      const SesClientConfig *cc = ses_mqtt_config_client (l.cfg, i);
      if (cc->will != 0)
        {
          const SesWill *w = ses_mqtt_config_will (l.cfg, cc->will);
          ghost_add (&l, w->topic, w->payload, i, 0);
        }
    }
  ses_world_set_link (world, &live_link, &l);
  ses_mqtt_set_remote (l.mqtt, &remote_broker, &l);

  l.start_us = g_get_monotonic_time ();
  gboolean ok = TRUE;
  for (guint round = 0;; round++)
    {
      if (opts->interrupted != NULL && *opts->interrupted)
        {
          report->interrupted = TRUE;
          break;
        }
      SesTime now = virtual_now (&l);
      if (opts->until != SES_TIME_NONE && now > opts->until)
        now = opts->until;
      /* What was due by now, in order, then what the broker sent. */
      while (ses_world_step (world, now))
        report_failed (&l);
      if (l.broker_lost)
        {
          g_set_error (error, SES_CONFORM_ERROR, SES_CONFORM_ERROR_BROKER,
                       "%s", (char *) g_ptr_array_index (report->notes,
                                                         report->notes->len
                                                           - 1));
          ok = FALSE;
          break;
        }
      ses_world_advance (world, now);
      for (guint s = 0; s < l.n_slots; s++)
        write_due (&l, s, FALSE);
      read_all (&l);
      report_failed (&l);
      settle_old (&l);
      if (opts->until != SES_TIME_NONE && now >= opts->until)
        break;
      SesTime next = ses_world_next_time (world);
      if (opts->until != SES_TIME_NONE
          && (next == SES_TIME_NONE || next > opts->until))
        next = opts->until;
      wait_sockets (&l, next);
    }
  /* What the clients wrote last has reached the broker by now. */
  for (guint s = 0; s < l.n_slots; s++)
    {
      write_due (&l, s, TRUE);
      settle (&l, s, G_MAXUINT);
    }
  report->ended_at = ses_world_now (world);
  /* The clients go away (their sockets close) and the broker stops. */
  ses_world_set_link (world, NULL, NULL);
  ses_mqtt_set_remote (l.mqtt, NULL, NULL);
  for (guint s = 0; s < l.n_slots; s++)
    retire (&l, l.current[s]);
  for (guint i = 0; i < l.abandoned->len; i++)
    retire (&l, g_ptr_array_index (l.abandoned, i));
  g_ptr_array_unref (l.retired);
  g_free (l.current);
  g_ptr_array_unref (l.abandoned);
  g_ptr_array_set_free_func (l.failed, (GDestroyNotify) conn_free);
  g_ptr_array_unref (l.failed);
  g_hash_table_unref (l.ghosts);
  g_hash_table_unref (l.sent_ids);
  for (guint i = 0; i < l.n_slots; i++)
    {
      g_array_unref (l.received[i]);
      g_array_unref (l.pending[i]);
    }
  g_free (l.received);
  g_free (l.pending);
  ses_live_broker_free (l.broker);
  return ok;
}
