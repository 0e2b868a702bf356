/* Client-visible facts and their comparison. Both logs come from the same
 * scenario and configuration, so clients are the same indexes and message
 * identities (publishing client, its count) mean the same thing in both. */
#include "sessim-config.h"

#include "facts.h"

#include <math.h>
#include <string.h>

static const char *const kind_names[SES_FACT_KINDS] = {
  [SES_FACT_CONNACK] = "connack",
  [SES_FACT_SUBACK] = "suback",
  [SES_FACT_ACK] = "ack",
  [SES_FACT_PUBLISH] = "publish",
  [SES_FACT_CLOSED] = "closed",
};

const char *
ses_fact_kind_name (SesFactKind kind)
{
  return kind < SES_FACT_KINDS ? kind_names[kind] : "?";
}

void
ses_fact_diff_clear (gpointer data)
{
  SesFactDiff *d = data;
  g_clear_pointer (&d->what, g_free);
  g_clear_pointer (&d->observed, g_free);
  g_clear_pointer (&d->predicted, g_free);
}

GArray *
ses_facts_extract (const GArray *log)
{
  GArray *facts = g_array_new (FALSE, FALSE, sizeof (SesFact));
  GHashTable *counts = g_hash_table_new (g_direct_hash, g_direct_equal);
  for (guint i = 0; i < log->len; i++)
    {
      const SesObs *o = &g_array_index (log, SesObs, i);
      SesFact f = { .client = o->client, .time_us = o->time_us,
                    .pkt = o->pkt };
      if (o->kind == SES_OBS_RECEIVE && !o->by_broker)
        switch (o->pkt.type)
          {
          case SES_PKT_CONNACK:
            f.kind = SES_FACT_CONNACK;
            break;
          case SES_PKT_SUBACK:
            f.kind = SES_FACT_SUBACK;
            break;
          case SES_PKT_PUBACK:
          case SES_PKT_PUBREC:
          case SES_PKT_PUBCOMP:
            f.kind = SES_FACT_ACK;
            break;
          case SES_PKT_PUBLISH:
            f.kind = SES_FACT_PUBLISH;
            break;
          default:
            continue;
          }
      else if (o->kind == SES_OBS_CONNECTION_LOST && o->by_broker
               && o->cause != SES_CAUSE_CUT
               && o->cause != SES_CAUSE_PEER_CLOSED
               && o->cause != SES_CAUSE_RESTART)
        {
          f.kind = SES_FACT_CLOSED;
          f.cause = o->cause;
          memset (&f.pkt, 0, sizeof f.pkt);
          f.pkt.type = SES_PKT_DISCONNECT;
          f.pkt.reason = 0;
          /* The reason of a DISCONNECT the broker sent just before. */
          for (guint j = i; j-- > 0;)
            {
              const SesObs *p = &g_array_index (log, SesObs, j);
              if (p->client != o->client)
                continue;
              if (p->by_broker && (p->kind == SES_OBS_SEND
                                   || p->kind == SES_OBS_LOST)
                  && p->pkt.type == SES_PKT_DISCONNECT)
                f.pkt.reason = p->pkt.reason;
              if (p->kind == SES_OBS_SEND || p->kind == SES_OBS_RECEIVE)
                break;
            }
        }
      else
        continue;
      gpointer key = GUINT_TO_POINTER (o->client * SES_FACT_KINDS + f.kind
                                       + 1);
      guint n = GPOINTER_TO_UINT (g_hash_table_lookup (counts, key)) + 1;
      g_hash_table_insert (counts, key, GUINT_TO_POINTER (n));
      f.nth = n;
      g_array_append_val (facts, f);
    }
  g_hash_table_unref (counts);
  return facts;
}

/* ---- timing sensitivity ------------------------------------------------ */

typedef struct {
  SesTime lo, hi;     /* the span, tolerance included */
  const char *timer;
  guint32 session;    /* the session whose timer it is, or G_MAXUINT32 */
  guint32 origin;     /* message expiry: the message (origin, seq) */
  guint32 seq;
} Window;

/* A duration as the broker counts it, in virtual time: what conform tells
 * it is rounded to whole wall seconds, at least 1 (as
 * ses_conform_scale_out does; the model itself knows nothing of scaling). */
static SesTime
told_us (guint32 seconds, double scale)
{
  if (seconds == 0 || scale == 1.0)
    return ses_time_from_s (seconds);
  double wall = floor (seconds * scale + 0.5);
  if (wall < 1)
    wall = 1;
  return (SesTime) (wall / scale * 1e6);
}

/* A deadline `factor` times `seconds` after `from` (the model's), and
 * where the broker puts it, widened by the tolerance. */
static void
add_window (GArray *out, const SesObs *o, SesTime from, guint32 seconds,
            double factor, double scale, SesTime tolerance_us,
            const char *timer)
{
  if (seconds == SES_EXPIRY_NEVER)
    return;
  SesTime model = from + (SesTime) (factor * (double) ses_time_from_s (seconds));
  SesTime broker = from + (SesTime) (factor * (double) told_us (seconds, scale));
  gboolean message = strcmp (timer, "message-expiry") == 0;
  Window w = { MIN (model, broker) - tolerance_us,
               MAX (model, broker) + tolerance_us, timer,
               message ? G_MAXUINT32 : o->session,
               message ? o->pkt.origin : G_MAXUINT32,
               message ? o->pkt.seq : 0 };
  g_array_append_val (out, w);
}

static GArray *
timer_windows (const GArray *log, SesTime tolerance_us, double scale)
{
  GArray *out = g_array_new (FALSE, FALSE, sizeof (Window));
  for (guint i = 0; i < log->len; i++)
    {
      const SesObs *o = &g_array_index (log, SesObs, i);
      switch (o->kind)
        {
        case SES_OBS_SESSION_KEPT:
          if (o->arg != 0)
            add_window (out, o, o->time_us, o->arg, 1.0, scale,
                        tolerance_us, "session-expiry");
          break;
        case SES_OBS_WILL_SCHEDULED:
          add_window (out, o, o->time_us, o->arg, 1.0, scale, tolerance_us,
                      "will-delay");
          break;
        case SES_OBS_KEEP_ALIVE_TIMEOUT:
          {
            /* It ran out 1.5 keep alives after the last packet; the broker
             * counts 1.5 of the keep alive it was told. */
            SesTime last = o->time_us
                           - (SesTime) (1.5 * (double) ses_time_from_s (o->arg));
            add_window (out, o, last, o->arg, 1.5, scale, tolerance_us,
                        "keep-alive");
          }
          break;
        case SES_OBS_ACCEPTED:
        case SES_OBS_WILL_PUBLISHED:
          if (o->pkt.flags & SES_PKT_F_HAS_EXPIRY)
            add_window (out, o, o->time_us, o->pkt.expiry_s, 1.0, scale,
                        tolerance_us, "message-expiry");
          break;
        default:
          break;
        }
    }
  return out;
}

/* The broker timer that caused a fact in the model's run, or NULL. */
static const char *
timer_cause (const GArray *log, const SesFact *f)
{
  if (f->kind == SES_FACT_CLOSED)
    return f->cause == SES_CAUSE_KEEP_ALIVE ? "keep-alive" : NULL;
  if (f->kind != SES_FACT_PUBLISH || f->pkt.seq != 0
      || f->pkt.origin == G_MAXUINT32)
    return NULL;
  /* A will: the last publication of its owner's will before it arrived. */
  const SesObs *pub = NULL;
  for (guint i = 0; i < log->len; i++)
    {
      const SesObs *o = &g_array_index (log, SesObs, i);
      if (o->time_us > f->time_us)
        break;
      if (o->kind == SES_OBS_WILL_PUBLISHED && o->pkt.origin == f->pkt.origin)
        pub = o;
    }
  if (pub == NULL)
    return NULL;
  switch (pub->cause)
    {
    case SES_CAUSE_WILL_DELAY:
      return "will-delay";
    case SES_CAUSE_KEEP_ALIVE:
      return "keep-alive";
    case SES_CAUSE_SESSION_END:
      /* At its session's end: a timer only when the session expired. */
      for (guint i = 0; i < log->len; i++)
        {
          const SesObs *o = &g_array_index (log, SesObs, i);
          if (o->kind == SES_OBS_SESSION_ENDED && o->cause == SES_CAUSE_EXPIRED
              && o->session == pub->session && o->time_us == pub->time_us)
            return "session-expiry";
        }
      return NULL;
    default:
      return NULL;
    }
}

/* Whether the timer of w bears on f: a message's expiry on its
 * deliveries; a session's timers on what its client sees and on the
 * deliveries of its will. */
static gboolean
concerns (SesMqttConfig *cfg, const Window *w, const SesFact *f)
{
  if (w->origin != G_MAXUINT32)
    return f->kind == SES_FACT_PUBLISH && f->pkt.origin == w->origin
           && f->pkt.seq == w->seq;
  guint n = ses_mqtt_config_n_clients (cfg);
  if (f->client < n
      && ses_mqtt_config_client_session (cfg, f->client) == w->session)
    return TRUE;
  return f->kind == SES_FACT_PUBLISH && f->pkt.seq == 0
         && f->pkt.origin < n
         && ses_mqtt_config_client_session (cfg, f->pkt.origin) == w->session;
}

void
ses_facts_mark_timing (SesMqttConfig *cfg, const GArray *model_log,
                       GArray *facts, SesTime tolerance_us, double time_scale)
{
  g_autoptr (GArray) windows = timer_windows (model_log, tolerance_us,
                                              time_scale);
  for (guint i = 0; i < facts->len; i++)
    {
      SesFact *f = &g_array_index (facts, SesFact, i);
      f->timer = timer_cause (model_log, f);
      for (guint j = 0; j < windows->len && f->timer == NULL; j++)
        {
          const Window *w = &g_array_index (windows, Window, j);
          if (f->time_us >= w->lo && f->time_us <= w->hi
              && concerns (cfg, w, f))
            f->timer = w->timer;
        }
    }
}

const char *
ses_fact_pair_timer (const SesFactPair *pair)
{
  return pair->predicted != NULL ? pair->predicted->timer
         : pair->observed != NULL ? pair->observed->timer
                                  : NULL;
}

static const char *
label (SesMqttConfig *cfg, guint32 client)
{
  const GPtrArray *labels = ses_mqtt_config_labels (cfg);
  return client < labels->len ? g_ptr_array_index (labels, client) : "?";
}

static char *
message_name (SesMqttConfig *cfg, const SesPacket *p)
{
  const SesIntern *s = ses_mqtt_config_strings (cfg);
  const char *payload = ses_intern_get (s, p->payload);
  const char *topic = ses_intern_get (s, p->topic);
  if (p->origin == G_MAXUINT32)
    return g_strdup_printf ("an unknown message \"%s\" on %s", payload,
                            topic);
  if (p->seq == 0)
    return g_strdup_printf ("%s's will \"%s\" on %s", label (cfg, p->origin),
                            payload, topic);
  return g_strdup_printf ("%s's message %u (\"%s\" on %s)",
                          label (cfg, p->origin), p->seq, payload, topic);
}

char *
ses_fact_describe (SesMqttConfig *cfg, const SesFact *f)
{
  switch (f->kind)
    {
    case SES_FACT_CONNACK:
      return g_strdup_printf ("CONNACK session-present=%d reason=0x%02x",
                              (f->pkt.flags & SES_PKT_F_SESSION_PRESENT) != 0,
                              f->pkt.reason);
    case SES_FACT_SUBACK:
      return g_strdup_printf ("SUBACK granted=%u reason=0x%02x", f->pkt.qos,
                              f->pkt.reason);
    case SES_FACT_ACK:
      return g_strdup_printf ("%s id=%u reason=0x%02x",
                              ses_packet_type_name (f->pkt.type),
                              f->pkt.packet_id, f->pkt.reason);
    case SES_FACT_PUBLISH:
      {
        g_autofree char *m = message_name (cfg, &f->pkt);
        return g_strdup_printf ("PUBLISH of %s qos=%u dup=%d retain=%d id=%u",
                                m, f->pkt.qos,
                                (f->pkt.flags & SES_PKT_F_DUP) != 0,
                                (f->pkt.flags & SES_PKT_F_RETAIN) != 0,
                                f->pkt.packet_id);
      }
    case SES_FACT_CLOSED:
      return f->pkt.reason != 0
                 ? g_strdup_printf ("closed by the broker after DISCONNECT "
                                    "0x%02x", f->pkt.reason)
                 : g_strdup ("closed by the broker");
    default:
      return g_strdup ("?");
    }
}

/* The rule a fact of this kind is mostly about. */
static const char *
rule_of (SesFactKind kind, const char *what)
{
  switch (kind)
    {
    case SES_FACT_CONNACK:
      return strcmp (what, "reason") == 0 ? "5.0 [MQTT-3.2.2-7]"
                                          : "5.0 [MQTT-3.2.2-2]";
    case SES_FACT_SUBACK:
      return "5.0 [MQTT-3.9.3-1]";
    case SES_FACT_ACK:
      return "5.0 [MQTT-4.3.2-1]";
    case SES_FACT_PUBLISH:
      if (strcmp (what, "dup") == 0)
        return "5.0 [MQTT-3.3.1-1]";
      if (strcmp (what, "qos") == 0)
        return "5.0 [MQTT-3.8.4-8]";
      if (strcmp (what, "order") == 0)
        return "5.0 [MQTT-4.6.0-6]";
      return "5.0 [MQTT-4.5.0-1]";
    case SES_FACT_CLOSED:
      return "5.0 [MQTT-3.1.2-22]";
    default:
      return NULL;
    }
}

static void
add_diff (GArray *diffs, const SesFact *obs, const SesFact *pred,
          SesFactKind kind, const char *what, char *observed,
          char *predicted)
{
  SesFactDiff d = {
    .kind = kind,
    .client = obs != NULL ? obs->client : pred->client,
    .nth = pred != NULL ? pred->nth : obs->nth,
    .observed_us = obs != NULL ? obs->time_us : SES_TIME_NONE,
    .predicted_us = pred != NULL ? pred->time_us : SES_TIME_NONE,
    .what = g_strdup (what),
    .observed = observed,
    .predicted = predicted,
    .rule = rule_of (kind, what),
    .timing = strcmp (what, "time") == 0,
  };
  SesFactPair pair = { obs, pred };
  d.timer = ses_fact_pair_timer (&pair);
  g_array_append_val (diffs, d);
}

static void
add_pair (GArray *pairs, const SesFact *obs, const SesFact *pred)
{
  if (pairs == NULL)
    return;
  SesFactPair p = { obs, pred };
  g_array_append_val (pairs, p);
}

static GPtrArray *
select_facts (const GArray *facts, guint32 client, SesFactKind kind)
{
  GPtrArray *out = g_ptr_array_new ();
  for (guint i = 0; i < facts->len; i++)
    {
      const SesFact *f = &g_array_index (facts, SesFact, i);
      if (f->client == client && f->kind == kind)
        g_ptr_array_add (out, (gpointer) f);
    }
  return out;
}

static void
compare_values (const SesFact *o, const SesFact *p,
                SesTime tolerance_us, GArray *diffs)
{
  const SesPacket *a = &o->pkt, *b = &p->pkt;
#define DIFF_NUM(what, x, y)                                                  \
  do                                                                          \
    if ((x) != (y))                                                           \
      add_diff (diffs, o, p, o->kind, what, g_strdup_printf ("%u", (guint) (x)), \
                g_strdup_printf ("%u", (guint) (y)));                        \
  while (0)
  switch (o->kind)
    {
    case SES_FACT_CONNACK:
      DIFF_NUM ("session-present", (a->flags & SES_PKT_F_SESSION_PRESENT) != 0,
                (b->flags & SES_PKT_F_SESSION_PRESENT) != 0);
      DIFF_NUM ("reason", a->reason, b->reason);
      break;
    case SES_FACT_SUBACK:
      DIFF_NUM ("granted-qos", a->qos, b->qos);
      DIFF_NUM ("reason", a->reason, b->reason);
      break;
    case SES_FACT_ACK:
      if (a->type != b->type)
        add_diff (diffs, o, p, o->kind, "packet",
                  g_strdup (ses_packet_type_name (a->type)),
                  g_strdup (ses_packet_type_name (b->type)));
      DIFF_NUM ("reason", a->reason, b->reason);
      break;
    case SES_FACT_PUBLISH:
      DIFF_NUM ("qos", a->qos, b->qos);
      DIFF_NUM ("dup", (a->flags & SES_PKT_F_DUP) != 0,
                (b->flags & SES_PKT_F_DUP) != 0);
      DIFF_NUM ("retain", (a->flags & SES_PKT_F_RETAIN) != 0,
                (b->flags & SES_PKT_F_RETAIN) != 0);
      DIFF_NUM ("packet-id", a->packet_id, b->packet_id);
      break;
    case SES_FACT_CLOSED:
      DIFF_NUM ("reason", a->reason, b->reason);
      break;
    default:
      break;
    }
#undef DIFF_NUM
  SesTime dt = o->time_us > p->time_us ? o->time_us - p->time_us
                                       : p->time_us - o->time_us;
  if (dt > tolerance_us)
    add_diff (diffs, o, p, o->kind, "time", ses_time_format (o->time_us),
              ses_time_format (p->time_us));
}

static gboolean
same_message (const SesFact *a, const SesFact *b)
{
  return a->pkt.origin == b->pkt.origin && a->pkt.seq == b->pkt.seq
         && a->pkt.topic == b->pkt.topic && a->pkt.payload == b->pkt.payload;
}

guint
ses_facts_compare (SesMqttConfig *cfg, const GArray *observed,
                   const GArray *predicted, SesTime tolerance_us,
                   GArray *diffs, GArray *pairs)
{
  guint compared = 0;
  guint n = ses_mqtt_config_n_clients (cfg);
  for (guint32 c = 0; c < n; c++)
    for (SesFactKind k = 0; k < SES_FACT_KINDS; k++)
      {
        g_autoptr (GPtrArray) obs = select_facts (observed, c, k);
        g_autoptr (GPtrArray) pred = select_facts (predicted, c, k);
        if (k != SES_FACT_PUBLISH)
          {
            guint both = MIN (obs->len, pred->len);
            for (guint i = 0; i < both; i++)
              {
                add_pair (pairs, g_ptr_array_index (obs, i),
                          g_ptr_array_index (pred, i));
                compare_values (g_ptr_array_index (obs, i),
                                g_ptr_array_index (pred, i), tolerance_us,
                                diffs);
              }
            for (guint i = both; i < obs->len; i++)
              {
                add_pair (pairs, g_ptr_array_index (obs, i), NULL);
                add_diff (diffs, g_ptr_array_index (obs, i), NULL, k,
                          "unexpected",
                          ses_fact_describe (cfg, g_ptr_array_index (obs, i)),
                          g_strdup ("nothing"));
              }
            for (guint i = both; i < pred->len; i++)
              {
                add_pair (pairs, NULL, g_ptr_array_index (pred, i));
                add_diff (diffs, NULL, g_ptr_array_index (pred, i), k,
                          "missing", g_strdup ("nothing"),
                          ses_fact_describe (cfg,
                                             g_ptr_array_index (pred, i)));
              }
            compared += MAX (obs->len, pred->len);
            continue;
          }
        /* PUBLISH: match each predicted one with the next observed one of
         * the same message; what is left over is missing or extra. */
        g_autofree gboolean *used = g_new0 (gboolean, obs->len + 1);
        guint from = 0;
        for (guint i = 0; i < pred->len; i++)
          {
            const SesFact *p = g_ptr_array_index (pred, i);
            guint hit = G_MAXUINT;
            for (guint j = from; j < obs->len && hit == G_MAXUINT; j++)
              if (!used[j] && same_message (g_ptr_array_index (obs, j), p))
                hit = j;
            /* Out of order: anywhere before. */
            for (guint j = 0; j < from && hit == G_MAXUINT; j++)
              if (!used[j] && same_message (g_ptr_array_index (obs, j), p))
                hit = j;
            if (hit == G_MAXUINT)
              {
                add_pair (pairs, NULL, p);
                add_diff (diffs, NULL, p, k, "missing", g_strdup ("nothing"),
                          ses_fact_describe (cfg, p));
                continue;
              }
            used[hit] = TRUE;
            const SesFact *o = g_ptr_array_index (obs, hit);
            add_pair (pairs, o, p);
            if (hit < from)
              add_diff (diffs, o, p, k, "order",
                        g_strdup ("earlier than the model predicts"),
                        g_strdup ("after the one before it"));
            else
              from = hit + 1;
            compare_values (o, p, tolerance_us, diffs);
          }
        for (guint j = 0; j < obs->len; j++)
          if (!used[j])
            {
              add_pair (pairs, g_ptr_array_index (obs, j), NULL);
              add_diff (diffs, g_ptr_array_index (obs, j), NULL, k,
                        "unexpected",
                        ses_fact_describe (cfg, g_ptr_array_index (obs, j)),
                        g_strdup ("nothing"));
            }
        compared += MAX (obs->len, pred->len);
      }
  return compared;
}

char *
ses_fact_diff_describe (SesMqttConfig *cfg, const SesFactDiff *d)
{
  g_autofree char *at = ses_time_format (d->observed_us != SES_TIME_NONE
                                           ? d->observed_us
                                           : d->predicted_us);
  return g_strdup_printf ("%s %s #%u %s: broker %s, model %s (at %s; %s)",
                          label (cfg, d->client), ses_fact_kind_name (d->kind),
                          d->nth, d->what, d->observed, d->predicted, at,
                          d->rule != NULL ? d->rule : "no rule");
}
