/* Snapshots of what the broker holds per session and what each client
 * holds, read from the model without changing it, and their renderings.
 * Invariant: the canonical body depends only on the state shown, so a
 * snapshot is kept exactly when something a reader sees has changed. */
#include "snapshot.h"

#include <string.h>
#include "mqtt-private.h"

static const char *
flight_stage (guint8 state)
{
  switch ((SesFlightState) state)
    {
    case SES_FLIGHT_UNSENT: return "unsent";
    case SES_FLIGHT_AWAIT_PUBACK: return "awaiting PUBACK";
    case SES_FLIGHT_AWAIT_PUBREC: return "awaiting PUBREC";
    case SES_FLIGHT_AWAIT_PUBCOMP: return "awaiting PUBCOMP";
    }
  return "?";
}

static const char *
str_of (SesMqttConfig *cfg, guint32 id)
{
  return id != 0 ? ses_intern_get (ses_mqtt_config_strings (cfg), id) : NULL;
}

static SesSnapMsg
snap_msg (SesMqttConfig *cfg, const SesMessage *m)
{
  return (SesSnapMsg) { .qos = m->qos, .will = m->will,
                        .topic = str_of (cfg, m->topic),
                        .payload = str_of (cfg, m->payload),
                        .expiry_at_us = m->expiry_at_us };
}

static SesSnapMsg
snap_flight (SesMqttConfig *cfg, const SesFlight *f)
{
  SesSnapMsg s = snap_msg (cfg, &f->msg);
  s.packet_id = f->packet_id;
  /* A PUBLISH sent on an earlier connection and not yet again on this
   * one: the resend carries DUP [MQTT-3.3.1-1] (after PUBREC, PUBREL is
   * resent instead). */
  s.dup = f->transmitted && !f->on_wire
          && (f->state == SES_FLIGHT_AWAIT_PUBACK
              || f->state == SES_FLIGHT_AWAIT_PUBREC);
  s.stage = flight_stage (f->state);
  return s;
}

static void
session_clear (gpointer p)
{
  SesSnapSession *s = p;
  g_free (s->clients);
  g_free (s->holder);
  g_array_unref (s->subs);
  g_array_unref (s->unacked);
  g_array_unref (s->waiting);
  g_array_unref (s->incoming);
}

static void
client_clear (gpointer p)
{
  SesSnapClient *c = p;
  g_array_unref (c->unacked);
  g_array_unref (c->incoming);
  g_array_unref (c->believed);
}

static GArray *
msg_array (void)
{
  return g_array_new (FALSE, TRUE, sizeof (SesSnapMsg));
}

static void
read_session (SesMqtt *m, guint32 index, const char *phase, SesSnapSession *out)
{
  SesMqttConfig *cfg = m->cfg;
  const SesSession *s = &m->broker.sessions[index];
  *out = (SesSnapSession) {
    .session = index,
    .client_id = str_of (cfg, g_array_index (cfg->session_ids, guint32, index)),
    .exists = s->exists,
    .version = s->version,
    .expiry_s = s->expiry_s,
    .expiry_at_us = s->exists ? s->expiry_at_us : SES_TIME_NONE,
    .will_at_us = SES_TIME_NONE,
    .subs = g_array_new (FALSE, TRUE, sizeof (SesSnapSub)),
    .unacked = msg_array (),
    .waiting = msg_array (),
    .incoming = msg_array (),
  };
  if (out->client_id == NULL)
    out->client_id = "";
  GString *clients = g_string_new (NULL);
  for (guint c = 0; c < cfg->client_session->len; c++)
    if (g_array_index (cfg->client_session, guint32, c) == index)
      g_string_append_printf (clients, "%s%s", clients->len ? ", " : "",
                              (char *) g_ptr_array_index (cfg->labels, c));
  out->clients = g_string_free (clients, FALSE);
  if (!s->exists)
    {
      out->phase = phase != NULL ? phase : "no-session";
      out->version = 0;
      out->expiry_s = 0;
      return;
    }
  out->connected = s->client != SES_NONE;
  out->phase = out->connected ? "connected" : "kept";
  if (out->connected)
    out->holder = g_strdup (g_ptr_array_index (cfg->labels, s->client));
  for (guint i = 0; i < s->subs.view.len; i++)
    {
      const SesSubscription *sub = &g_array_index (&s->subs.view,
                                                   SesSubscription, i);
      SesSnapSub ss = { str_of (cfg, sub->filter), sub->qos };
      g_array_append_val (out->subs, ss);
    }
  for (guint i = 0; i < s->outflight.view.len; i++)
    {
      const SesFlight *f = &g_array_index (&s->outflight.view, SesFlight, i);
      SesSnapMsg sm = snap_flight (cfg, f);
      g_array_append_val (f->state == SES_FLIGHT_UNSENT ? out->waiting
                                                        : out->unacked, sm);
    }
  for (guint i = 0; i < s->queue.view.len; i++)
    {
      SesSnapMsg sm = snap_msg (cfg, &g_array_index (&s->queue.view,
                                                     SesMessage, i));
      g_array_append_val (out->waiting, sm);
    }
  for (guint i = 0; i < s->incoming.view.len; i++)
    {
      const SesIncoming *in = &g_array_index (&s->incoming.view, SesIncoming,
                                              i);
      SesSnapMsg sm = { .packet_id = in->packet_id, .qos = 2,
                        .stage = "awaiting PUBREL",
                        .expiry_at_us = SES_TIME_NONE };
      if (in->has_msg)
        {
          sm = snap_msg (cfg, &in->msg);
          sm.packet_id = in->packet_id;
          sm.stage = "awaiting PUBREL";
        }
      g_array_append_val (out->incoming, sm);
    }
  /* 5.0 keeps the will with the session [MQTT-3.1.2-7]; 3.1.1 with the
   * connection, so it is shown while a connection is attached. */
  guint32 will = s->will;
  if (will == 0 && out->connected && s->client < m->broker.n_slots
      && m->broker.conns[s->client].session == index)
    will = m->broker.conns[s->client].will;
  if (will != 0)
    {
      const SesWill *spec = ses_mqtt_config_will (cfg, will);
      out->has_will = TRUE;
      out->will_topic = str_of (cfg, spec->topic);
      out->will_qos = spec->qos;
      out->will_delay_s = s->version == SES_MQTT_5 ? spec->delay_s : 0;
      out->will_at_us = s->will != 0 ? s->will_at_us : SES_TIME_NONE;
    }
}

static void
read_client (SesMqtt *m, guint index, SesSnapClient *out)
{
  SesMqttConfig *cfg = m->cfg;
  const SesClient *c = &m->clients[index];
  static const char *const states[] = { "offline", "connecting", "online",
                                        "lingering" };
  *out = (SesSnapClient) {
    .label = g_ptr_array_index (cfg->labels, index),
    .state = c->state < G_N_ELEMENTS (states) ? states[c->state] : "?",
    .unacked = msg_array (),
    .incoming = g_array_new (FALSE, FALSE, sizeof (guint16)),
    .believed = g_array_new (FALSE, FALSE, sizeof (SesSnapSub)),
  };
  for (guint i = 0; i < c->believed.view.len; i++)
    {
      const SesSubscription *sub = &g_array_index (&c->believed.view,
                                                   SesSubscription, i);
      SesSnapSub b = { ses_intern_get (cfg->strings, sub->filter), sub->qos };
      g_array_append_val (out->believed, b);
    }
  for (guint i = 0; i < c->outgoing.view.len; i++)
    {
      const SesFlight *f = &g_array_index (&c->outgoing.view, SesFlight, i);
      SesSnapMsg sm = snap_flight (cfg, f);
      g_array_append_val (out->unacked, sm);
    }
  for (guint i = 0; i < c->incoming.view.len; i++)
    g_array_append_val (out->incoming, g_array_index (&c->incoming.view,
                                                      guint16, i));
}

/* ---- JSON ---------------------------------------------------------------- */

static void
json_time (GString *out, const char *key, SesTime t)
{
  g_string_append_printf (out, ",\"%s\":", key);
  if (t == SES_TIME_NONE)
    {
      g_string_append (out, "null");
      return;
    }
  g_autofree char *when = ses_time_format (t);
  ses_json_append_string (out, when);
}

static void
json_msgs (GString *out, const char *key, const GArray *msgs)
{
  g_string_append_printf (out, ",\"%s\":[", key);
  for (guint i = 0; i < msgs->len; i++)
    {
      const SesSnapMsg *sm = &g_array_index (msgs, SesSnapMsg, i);
      g_string_append_printf (out, "%s{\"qos\":%u", i ? "," : "", sm->qos);
      if (sm->packet_id != 0)
        g_string_append_printf (out, ",\"id\":%u", sm->packet_id);
      if (sm->topic != NULL)
        {
          g_string_append (out, ",\"topic\":");
          ses_json_append_string (out, sm->topic);
        }
      if (sm->payload != NULL)
        {
          g_string_append (out, ",\"payload\":");
          ses_json_append_string (out, sm->payload);
        }
      if (sm->stage != NULL)
        {
          g_string_append (out, ",\"stage\":");
          ses_json_append_string (out, sm->stage);
        }
      if (sm->dup)
        g_string_append (out, ",\"resend_dup\":true");
      if (sm->will)
        g_string_append (out, ",\"will\":true");
      if (sm->expiry_at_us != SES_TIME_NONE)
        json_time (out, "expires_at", sm->expiry_at_us);
      g_string_append_c (out, '}');
    }
  g_string_append_c (out, ']');
}

static char *
body_json (const SesSnapshot *snap)
{
  GString *out = g_string_new ("{\"sessions\":[");
  for (guint i = 0; i < snap->sessions->len; i++)
    {
      const SesSnapSession *s = &g_array_index (snap->sessions,
                                                SesSnapSession, i);
      g_string_append (out, i ? ",{\"client_id\":" : "{\"client_id\":");
      ses_json_append_string (out, s->client_id);
      g_string_append (out, ",\"clients\":");
      ses_json_append_string (out, s->clients);
      g_string_append_printf (out, ",\"exists\":%s,\"connected\":%s,"
                              "\"phase\":\"%s\"",
                              s->exists ? "true" : "false",
                              s->connected ? "true" : "false", s->phase);
      if (!s->exists)
        {
          g_string_append_c (out, '}');
          continue;
        }
      if (s->holder != NULL)
        {
          g_string_append (out, ",\"holder\":");
          ses_json_append_string (out, s->holder);
        }
      if (s->expiry_s == SES_EXPIRY_NEVER)
        g_string_append (out, ",\"expiry_s\":\"never\"");
      else
        g_string_append_printf (out, ",\"expiry_s\":%u", s->expiry_s);
      json_time (out, "ends_at", s->expiry_at_us);
      g_string_append (out, ",\"subscriptions\":[");
      for (guint k = 0; k < s->subs->len; k++)
        {
          const SesSnapSub *sub = &g_array_index (s->subs, SesSnapSub, k);
          g_string_append (out, k ? ",{\"filter\":" : "{\"filter\":");
          ses_json_append_string (out, sub->filter);
          g_string_append_printf (out, ",\"qos\":%u}", sub->qos);
        }
      g_string_append_c (out, ']');
      json_msgs (out, "unacked", s->unacked);
      json_msgs (out, "waiting", s->waiting);
      json_msgs (out, "incoming_qos2", s->incoming);
      if (s->has_will)
        {
          g_string_append (out, ",\"will\":{\"topic\":");
          ses_json_append_string (out, s->will_topic);
          g_string_append_printf (out, ",\"qos\":%u,\"delay_s\":%u",
                                  s->will_qos, s->will_delay_s);
          json_time (out, "due_at", s->will_at_us);
          g_string_append_c (out, '}');
        }
      else
        g_string_append (out, ",\"will\":null");
      g_string_append_c (out, '}');
    }
  g_string_append (out, "],\"clients\":[");
  for (guint i = 0; i < snap->clients->len; i++)
    {
      const SesSnapClient *c = &g_array_index (snap->clients, SesSnapClient, i);
      g_string_append (out, i ? ",{\"client\":" : "{\"client\":");
      ses_json_append_string (out, c->label);
      g_string_append_printf (out, ",\"state\":\"%s\"", c->state);
      json_msgs (out, "unacked", c->unacked);
      g_string_append (out, ",\"incoming_qos2\":[");
      for (guint k = 0; k < c->incoming->len; k++)
        g_string_append_printf (out, "%s%u", k ? "," : "",
                                g_array_index (c->incoming, guint16, k));
      g_string_append (out, "],\"believes_subscribed\":[");
      for (guint k = 0; k < c->believed->len; k++)
        {
          const SesSnapSub *b = &g_array_index (c->believed, SesSnapSub, k);
          g_string_append (out, k ? ",{\"filter\":" : "{\"filter\":");
          ses_json_append_string (out, b->filter);
          g_string_append_printf (out, ",\"qos\":%u}", b->qos);
        }
      g_string_append (out, "]}");
    }
  g_string_append (out, "]}");
  return g_string_free (out, FALSE);
}

SesSnapshot *
ses_snapshot_take (SesMqtt *mqtt, SesTime now, guint after,
                   const char *const *phases)
{
  SesSnapshot *snap = g_new0 (SesSnapshot, 1);
  snap->time_us = now;
  snap->after = after;
  snap->sessions = g_array_new (FALSE, TRUE, sizeof (SesSnapSession));
  g_array_set_clear_func (snap->sessions, session_clear);
  snap->clients = g_array_new (FALSE, TRUE, sizeof (SesSnapClient));
  g_array_set_clear_func (snap->clients, client_clear);
  g_array_set_size (snap->sessions, mqtt->broker.n_sessions);
  for (guint32 i = 0; i < mqtt->broker.n_sessions; i++)
    read_session (mqtt, i, phases != NULL ? phases[i] : NULL,
                  &g_array_index (snap->sessions, SesSnapSession, i));
  guint n = ses_mqtt_config_n_clients (mqtt->cfg);
  g_array_set_size (snap->clients, n);
  for (guint i = 0; i < n; i++)
    read_client (mqtt, i, &g_array_index (snap->clients, SesSnapClient, i));
  snap->body = body_json (snap);
  return snap;
}

void
ses_snapshot_free (SesSnapshot *snap)
{
  if (snap == NULL)
    return;
  g_array_unref (snap->sessions);
  g_array_unref (snap->clients);
  g_free (snap->body);
  g_free (snap);
}

const char *
ses_snapshot_body_json (const SesSnapshot *snap)
{
  return snap->body;
}

char *
ses_snapshot_to_json (const SesSnapshot *snap)
{
  g_autofree char *when = ses_time_format (snap->time_us);
  return g_strdup_printf ("{\"type\":\"state\",\"t_us\":%" G_GINT64_FORMAT
                          ",\"time\":\"%s\",\"after\":%u%s,%s", snap->time_us,
                          when, snap->after,
                          snap->chosen ? ",\"chosen\":true" : "",
                          snap->body + 1);
}

/* ---- text ---------------------------------------------------------------- */

static char *
msg_words (const SesSnapMsg *sm, gboolean with_stage)
{
  GString *out = g_string_new (NULL);
  if (sm->packet_id != 0)
    g_string_append_printf (out, "#%u ", sm->packet_id);
  if (sm->payload != NULL)
    g_string_append_printf (out, "\"%s\" ", sm->payload);
  else if (sm->will)
    g_string_append (out, "will ");
  g_string_append_printf (out, "q%u", sm->qos);
  if (sm->dup)
    g_string_append (out, " DUP next");
  if (with_stage && sm->stage != NULL
      && strcmp (sm->stage, "unsent") != 0
      && strcmp (sm->stage, "awaiting PUBREL") != 0)
    g_string_append_printf (out, " %s", sm->stage + strlen ("awaiting "));
  if (sm->expiry_at_us != SES_TIME_NONE)
    {
      g_autofree char *when = ses_time_format (sm->expiry_at_us);
      g_string_append_printf (out, " exp %s", when);
    }
  return g_string_free (out, FALSE);
}

static char *
msgs_words (const GArray *msgs, gboolean with_stage)
{
  if (msgs->len == 0)
    return g_strdup ("-");
  GString *out = g_string_new (NULL);
  for (guint i = 0; i < msgs->len; i++)
    {
      g_autofree char *w = msg_words (&g_array_index (msgs, SesSnapMsg, i),
                                      with_stage);
      g_string_append_printf (out, "%s%s", i ? ", " : "", w);
    }
  return g_string_free (out, FALSE);
}

static char *
status_words (const SesSnapSession *s)
{
  if (!s->exists)
    return g_strdup_printf ("none (%s)", s->phase);
  if (s->connected)
    return g_strdup_printf ("online via %s", s->holder);
  return g_strdup ("kept, offline");
}

static char *
until_words (const SesSnapSession *s)
{
  if (!s->exists)
    return g_strdup ("-");
  if (s->expiry_at_us != SES_TIME_NONE)
    return ses_time_format (s->expiry_at_us);
  if (s->expiry_s == SES_EXPIRY_NEVER || s->version != SES_MQTT_5)
    return g_strdup (s->connected ? "never (kept)" : "never");
  if (s->expiry_s == 0)
    return g_strdup ("its connection");
  return g_strdup_printf ("%us after close", s->expiry_s);
}

static char *
subs_words (const GArray *subs)
{
  if (subs->len == 0)
    return g_strdup ("-");
  GString *out = g_string_new (NULL);
  for (guint i = 0; i < subs->len; i++)
    {
      const SesSnapSub *sub = &g_array_index (subs, SesSnapSub, i);
      g_string_append_printf (out, "%s%s q%u", i ? ", " : "", sub->filter,
                              sub->qos);
    }
  return g_string_free (out, FALSE);
}

static char *
will_words (const SesSnapSession *s)
{
  if (!s->has_will)
    return g_strdup ("-");
  GString *out = g_string_new (NULL);
  g_string_append_printf (out, "%s q%u", s->will_topic ? s->will_topic : "",
                          s->will_qos);
  if (s->will_delay_s != 0)
    g_string_append_printf (out, " delay %us", s->will_delay_s);
  if (s->will_at_us != SES_TIME_NONE)
    {
      g_autofree char *when = ses_time_format (s->will_at_us);
      g_string_append_printf (out, " due %s", when);
    }
  return g_string_free (out, FALSE);
}

static char *
ids_words (const GArray *ids)
{
  if (ids->len == 0)
    return g_strdup ("-");
  GString *out = g_string_new (NULL);
  for (guint i = 0; i < ids->len; i++)
    g_string_append_printf (out, "%s#%u", i ? ", " : "",
                            g_array_index (ids, guint16, i));
  return g_string_free (out, FALSE);
}

/* The cells of one table: a header row then the data rows, each row
 * n_cols strings. */
static void
append_table (GString *out, const char *prefix, GPtrArray *cells, guint n_cols)
{
  guint n_rows = cells->len / n_cols;
  g_autofree gsize *width = g_new0 (gsize, n_cols);
  for (guint r = 0; r < n_rows; r++)
    for (guint c = 0; c < n_cols; c++)
      width[c] = MAX (width[c], (gsize) g_utf8_strlen (
                                    g_ptr_array_index (cells, r * n_cols + c),
                                    -1));
  for (guint r = 0; r < n_rows; r++)
    {
      GString *line = g_string_new (prefix);
      for (guint c = 0; c < n_cols; c++)
        {
          const char *cell = g_ptr_array_index (cells, r * n_cols + c);
          g_string_append (line, cell);
          if (c + 1 < n_cols)
            for (gsize k = (gsize) g_utf8_strlen (cell, -1); k < width[c] + 2;
                 k++)
              g_string_append_c (line, ' ');
        }
      while (line->len > 0 && line->str[line->len - 1] == ' ')
        g_string_truncate (line, line->len - 1);
      g_string_append_printf (out, "%s\n", line->str);
      g_string_free (line, TRUE);
    }
}

static const char *const session_heads[] = {
  "session", "status", "ends at", "subscriptions", "sent, unacked",
  "waiting", "QoS 2 in", "will",
};
static const char *const client_heads[] = {
  "client", "link", "own unacked", "QoS 2 in", "believes subscribed",
};

char *
ses_snapshot_to_text (const SesSnapshot *snap, const char *prefix)
{
  GString *out = g_string_new (NULL);
  g_autofree char *when = ses_time_format (snap->time_us);
  g_string_append_printf (out, "%sstate at %s (after %u event%s)%s\n",
                          prefix, when, snap->after,
                          snap->after == 1 ? "" : "s",
                          snap->chosen ? ", as asked" : "");
  g_autofree char *indent = g_strconcat (prefix, "  ", NULL);
  GPtrArray *cells = g_ptr_array_new_with_free_func (g_free);
  for (guint c = 0; c < G_N_ELEMENTS (session_heads); c++)
    g_ptr_array_add (cells, g_strdup (session_heads[c]));
  for (guint i = 0; i < snap->sessions->len; i++)
    {
      const SesSnapSession *s = &g_array_index (snap->sessions,
                                                SesSnapSession, i);
      g_ptr_array_add (cells, g_strdup_printf ("%s (%s)", s->client_id,
                                               s->clients));
      g_ptr_array_add (cells, status_words (s));
      g_ptr_array_add (cells, until_words (s));
      if (!s->exists)
        {
          for (guint c = 3; c < G_N_ELEMENTS (session_heads); c++)
            g_ptr_array_add (cells, g_strdup ("-"));
          continue;
        }
      g_ptr_array_add (cells, subs_words (s->subs));
      g_ptr_array_add (cells, msgs_words (s->unacked, TRUE));
      g_ptr_array_add (cells, msgs_words (s->waiting, FALSE));
      g_ptr_array_add (cells, msgs_words (s->incoming, FALSE));
      g_ptr_array_add (cells, will_words (s));
    }
  append_table (out, indent, cells, G_N_ELEMENTS (session_heads));
  g_ptr_array_set_size (cells, 0);
  for (guint c = 0; c < G_N_ELEMENTS (client_heads); c++)
    g_ptr_array_add (cells, g_strdup (client_heads[c]));
  for (guint i = 0; i < snap->clients->len; i++)
    {
      const SesSnapClient *c = &g_array_index (snap->clients, SesSnapClient, i);
      g_ptr_array_add (cells, g_strdup (c->label));
      g_ptr_array_add (cells, g_strdup (c->state));
      g_ptr_array_add (cells, msgs_words (c->unacked, TRUE));
      g_ptr_array_add (cells, ids_words (c->incoming));
      g_ptr_array_add (cells, subs_words (c->believed));
    }
  append_table (out, indent, cells, G_N_ELEMENTS (client_heads));
  g_ptr_array_free (cells, TRUE);
  return g_string_free (out, FALSE);
}

/* ---- HTML ---------------------------------------------------------------- */

static void
html_cell (GString *out, const char *text, const char *cls)
{
  g_autofree char *t = g_markup_escape_text (text, -1);
  if (cls != NULL)
    g_string_append_printf (out, "<td class=\"%s\">%s</td>", cls, t);
  else
    g_string_append_printf (out, "<td>%s</td>", t);
}

static void
html_cell_take (GString *out, char *text)
{
  html_cell (out, text, strcmp (text, "-") == 0 ? "empty" : NULL);
  g_free (text);
}

char *
ses_snapshot_to_html (const SesSnapshot *snap)
{
  GString *out = g_string_new (NULL);
  g_autofree char *when = ses_time_format (snap->time_us);
  g_string_append_printf (out, "<table class=\"state sessions\"><caption>"
                          "What the broker holds per session at %s</caption>"
                          "<thead><tr>", when);
  for (guint c = 0; c < G_N_ELEMENTS (session_heads); c++)
    g_string_append_printf (out, "<th scope=\"col\">%s</th>",
                            session_heads[c]);
  g_string_append (out, "</tr></thead><tbody>");
  for (guint i = 0; i < snap->sessions->len; i++)
    {
      const SesSnapSession *s = &g_array_index (snap->sessions,
                                                SesSnapSession, i);
      g_autofree char *name = g_strdup_printf ("%s (%s)", s->client_id,
                                               s->clients);
      g_autofree char *n = g_markup_escape_text (name, -1);
      g_string_append_printf (out, "<tr data-phase=\"%s\"><th scope=\"row\">"
                              "%s</th>", s->phase, n);
      html_cell_take (out, status_words (s));
      html_cell_take (out, until_words (s));
      if (!s->exists)
        {
          for (guint c = 3; c < G_N_ELEMENTS (session_heads); c++)
            html_cell (out, "-", "empty");
          g_string_append (out, "</tr>");
          continue;
        }
      html_cell_take (out, subs_words (s->subs));
      html_cell_take (out, msgs_words (s->unacked, TRUE));
      html_cell_take (out, msgs_words (s->waiting, FALSE));
      html_cell_take (out, msgs_words (s->incoming, FALSE));
      html_cell_take (out, will_words (s));
      g_string_append (out, "</tr>");
    }
  g_string_append (out, "</tbody></table><table class=\"state clients\">"
                   "<caption>What each client holds</caption><thead><tr>");
  for (guint c = 0; c < G_N_ELEMENTS (client_heads); c++)
    g_string_append_printf (out, "<th scope=\"col\">%s</th>", client_heads[c]);
  g_string_append (out, "</tr></thead><tbody>");
  for (guint i = 0; i < snap->clients->len; i++)
    {
      const SesSnapClient *c = &g_array_index (snap->clients, SesSnapClient, i);
      g_autofree char *l = g_markup_escape_text (c->label, -1);
      g_string_append_printf (out, "<tr><th scope=\"row\">%s</th>", l);
      html_cell (out, c->state, NULL);
      html_cell_take (out, msgs_words (c->unacked, TRUE));
      html_cell_take (out, ids_words (c->incoming));
      html_cell_take (out, subs_words (c->believed));
      g_string_append (out, "</tr>");
    }
  g_string_append (out, "</tbody></table>");
  return g_string_free (out, FALSE);
}

/* ---- the run's snapshots ------------------------------------------------- */

struct _SesSnapshots {
  SesMqtt *mqtt;        /* (not owned) */
  GPtrArray *list;      /* (element-type SesSnapshot) (owned) */
  const char **phases;  /* per session: phase while it does not exist */
  guint scanned;        /* observations looked at for phases */
  GArray *bounds;       /* (element-type guint) the log's length after each
                           step seen: where steps end */
};

/* The lifecycle node a session ended in, by the cause of its end (the
 * names of diagram.c's lifecycle nodes). */
static const char *
ended_phase (SesCause cause)
{
  switch (cause)
    {
    case SES_CAUSE_EXPIRED: return "ended-expired";
    case SES_CAUSE_CLEAN_START: return "ended-cleaned";
    case SES_CAUSE_TAKEOVER: return "ended-taken-over";
    case SES_CAUSE_RESTART: return "ended-restart";
    default: return "ended-with-connection";
    }
}

static void
scan_phases (SesSnapshots *snaps)
{
  const GArray *log = ses_mqtt_log (snaps->mqtt);
  guint n = ses_mqtt_config_n_sessions (ses_mqtt_config (snaps->mqtt));
  for (; snaps->scanned < log->len; snaps->scanned++)
    {
      const SesObs *o = &g_array_index (log, SesObs, snaps->scanned);
      if (o->kind == SES_OBS_SESSION_ENDED && o->session < n)
        snaps->phases[o->session] = ended_phase (o->cause);
    }
}

SesSnapshots *
ses_snapshots_new (SesMqtt *mqtt)
{
  SesSnapshots *snaps = g_new0 (SesSnapshots, 1);
  snaps->mqtt = mqtt;
  snaps->list = g_ptr_array_new_with_free_func (
      (GDestroyNotify) ses_snapshot_free);
  guint n = ses_mqtt_config_n_sessions (ses_mqtt_config (mqtt));
  snaps->bounds = g_array_new (FALSE, FALSE, sizeof (guint));
  snaps->phases = g_new0 (const char *, MAX (n, 1));
  for (guint i = 0; i < n; i++)
    snaps->phases[i] = "no-session";
  return snaps;
}

void
ses_snapshots_free (SesSnapshots *snaps)
{
  if (snaps == NULL)
    return;
  g_ptr_array_unref (snaps->list);
  g_array_unref (snaps->bounds);
  g_free (snaps->phases);
  g_free (snaps);
}

static SesSnapshot *
take (SesSnapshots *snaps, SesTime now)
{
  scan_phases (snaps);
  guint len = ses_mqtt_log (snaps->mqtt)->len;
  if (snaps->bounds->len == 0
      || g_array_index (snaps->bounds, guint, snaps->bounds->len - 1) < len)
    g_array_append_val (snaps->bounds, len);
  return ses_snapshot_take (snaps->mqtt, now,
                            ses_mqtt_log (snaps->mqtt)->len,
                            snaps->phases);
}

gboolean
ses_snapshots_update (SesSnapshots *snaps, SesTime now)
{
  SesSnapshot *snap = take (snaps, now);
  if (snaps->list->len > 0)
    {
      const SesSnapshot *last = g_ptr_array_index (snaps->list,
                                                   snaps->list->len - 1);
      if (strcmp (last->body, snap->body) == 0)
        {
          ses_snapshot_free (snap);
          return FALSE;
        }
    }
  g_ptr_array_add (snaps->list, snap);
  return TRUE;
}

void
ses_snapshots_take_at (SesSnapshots *snaps, SesTime now)
{
  SesSnapshot *snap = take (snaps, now);
  snap->chosen = TRUE;
  g_ptr_array_add (snaps->list, snap);
}

const GPtrArray *
ses_snapshots_list (const SesSnapshots *snaps)
{
  return snaps->list;
}

const SesSnapshot *
ses_snapshots_before (const SesSnapshots *snaps, guint index)
{
  if (snaps == NULL)
    return NULL;
  const GPtrArray *l = ses_snapshots_list (snaps);
  /* The list is in order of `after`; find the last with after <= index. */
  guint lo = 0, hi = l->len;
  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;
      if (((const SesSnapshot *) g_ptr_array_index (l, mid))->after <= index)
        lo = mid + 1;
      else
        hi = mid;
    }
  return lo > 0 ? g_ptr_array_index (l, lo - 1) : NULL;
}

const SesSnapshot *
ses_snapshots_after_step (const SesSnapshots *snaps, guint index)
{
  if (snaps == NULL)
    return NULL;
  /* The end of the step that made observation index: the first bound
   * above it; past the last bound, the end of the log. */
  const GArray *b = snaps->bounds;
  guint lo = 0, hi = b->len;
  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;
      if (g_array_index (b, guint, mid) <= index)
        lo = mid + 1;
      else
        hi = mid;
    }
  guint end = lo < b->len ? g_array_index (b, guint, lo) : G_MAXUINT - 1;
  return ses_snapshots_before (snaps, end);
}

void
ses_snapshots_trace_extra (SesTraceWriter *w, guint64 step, gpointer data)
{
  SesSnapshotsCursor *c = data;
  const GPtrArray *list = c->snaps->list;
  /* Step N is observation N-1: what was taken after N-1 observations. */
  for (; c->next < list->len; c->next++)
    {
      const SesSnapshot *s = g_ptr_array_index (list, c->next);
      if (s->after > step - 1)
        break;
      if (!c->all && !s->chosen)
        continue;
      /* Numbered as the step it follows, as the trace's other records. */
      g_autofree char *j = ses_snapshot_to_json (s);
      g_autofree char *numbered = g_strdup_printf (
          "{\"type\":\"state\",\"step\":%u,%s", s->after,
          j + strlen ("{\"type\":\"state\","));
      ses_trace_writer_line (w, numbered);
    }
}
