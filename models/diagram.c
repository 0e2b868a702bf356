/* Diagrams of a run, from the observation log and the configuration alone:
 * session lifecycles (the states a broker session goes through, with the
 * numbered path of this run), the generic lifecycle of a protocol version,
 * and the message sequence. Everything is derived in log order and written
 * through sim/dot.c, so the same run gives the same DOT bytes. */
#include "diagram.h"

#include <string.h>

#include "dot.h"
#include "error.h"
#include "observation.h"
#include "render.h"

/* ---- shared helpers ------------------------------------------------------ */

#define FONT "Helvetica"

/* "0.010s" when the time falls on a millisecond, else "0.010250s". */
static char *
format_when (SesTime t)
{
  gint64 s = t / SES_US_PER_S;
  gint64 us = t % SES_US_PER_S;
  if (us % 1000 == 0)
    return g_strdup_printf ("%" G_GINT64_FORMAT ".%03" G_GINT64_FORMAT "s", s,
                            us / 1000);
  return g_strdup_printf ("%" G_GINT64_FORMAT ".%06" G_GINT64_FORMAT "s", s,
                          us);
}

static char *
seconds_text (guint32 s)
{
  if (s == SES_EXPIRY_NEVER)
    return g_strdup ("never");
  return g_strdup_printf ("%us", s);
}

static const char *
label_of (SesMqttConfig *cfg, guint32 client)
{
  const GPtrArray *labels = ses_mqtt_config_labels (cfg);
  if (client < labels->len)
    return g_ptr_array_index (labels, client);
  return "broker";
}

static const char *
string_of (SesMqttConfig *cfg, guint32 id)
{
  const char *s = ses_intern_get (ses_mqtt_config_strings (cfg), id);
  return s != NULL ? s : "";
}

/* A payload or topic for a label: quoted, long ones shortened at a
 * character boundary. */
static void
append_quoted_short (GString *out, const char *s)
{
  glong n = g_utf8_strlen (s, -1);
  if (n <= 24)
    {
      g_string_append_printf (out, "\"%s\"", s);
      return;
    }
  g_autofree char *head = g_utf8_substring (s, 0, 21);
  g_string_append_printf (out, "\"%s...\"", head);
}

/* The protocol version of a client's connection, for what its packets
 * carry; 0 (as recorded) for none. */
static guint
version_of (SesMqttConfig *cfg, guint32 client)
{
  return client < ses_mqtt_config_n_clients (cfg)
           ? (guint) ses_mqtt_config_client (cfg, client)->version
           : 0;
}

/* Packets as the diagrams show them: the fields that matter to sessions,
 * payload rather than topic for PUBLISH (the tooltip has the rest), and
 * only what the client's protocol version has: 3.1.1 has a CONNACK return
 * code, no other reason code and no properties. */
static char *
packet_text (SesMqttConfig *cfg, const SesPacket *p, guint version)
{
  gboolean v311 = version == SES_MQTT_311;
  GString *out = g_string_new (ses_packet_type_name (p->type));
  switch (p->type)
    {
    case SES_PKT_CONNECT:
      if (p->version == SES_MQTT_5)
        {
          g_string_append_printf (out, " clean-start=%d",
                                  (p->flags & SES_PKT_F_CLEAN) ? 1 : 0);
          if (p->flags & SES_PKT_F_HAS_EXPIRY)
            {
              g_autofree char *e = seconds_text (p->expiry_s);
              g_string_append_printf (out, " expiry=%s", e);
            }
        }
      else
        g_string_append_printf (out, " clean-session=%d",
                                (p->flags & SES_PKT_F_CLEAN) ? 1 : 0);
      if (p->will != 0)
        g_string_append (out, " will");
      break;
    case SES_PKT_CONNACK:
      g_string_append_printf (out, " session-present=%d",
                              (p->flags & SES_PKT_F_SESSION_PRESENT) ? 1 : 0);
      if (p->reason != 0)
        g_string_append_printf (out, v311 ? " return-code=0x%02x"
                                          : " reason=0x%02x", p->reason);
      if ((p->flags & SES_PKT_F_HAS_EXPIRY) && !v311)
        {
          g_autofree char *e = seconds_text (p->expiry_s);
          g_string_append_printf (out, " expiry=%s", e);
        }
      break;
    case SES_PKT_PUBLISH:
      if (p->qos > 0)
        g_string_append_printf (out, " id=%u", p->packet_id);
      g_string_append_printf (out, " q%u", p->qos);
      if (p->flags & SES_PKT_F_DUP)
        g_string_append (out, " dup");
      if (p->flags & SES_PKT_F_RETAIN)
        g_string_append (out, " retain");
      if (p->flags & SES_PKT_F_WILL)
        g_string_append (out, " will");
      g_string_append_c (out, ' ');
      append_quoted_short (out, string_of (cfg, p->payload));
      break;
    case SES_PKT_SUBSCRIBE:
    case SES_PKT_UNSUBSCRIBE:
      g_string_append_printf (out, " id=%u ", p->packet_id);
      append_quoted_short (out, string_of (cfg, p->topic));
      if (p->type == SES_PKT_SUBSCRIBE)
        g_string_append_printf (out, " q%u", p->qos);
      break;
    case SES_PKT_SUBACK:
      g_string_append_printf (out, " id=%u q%u", p->packet_id, p->qos);
      break;
    case SES_PKT_DISCONNECT:
      if (v311)
        break; /* 3.1.1 §3.14: no variable header */
      if (p->reason != 0)
        g_string_append_printf (out, " reason=0x%02x", p->reason);
      if (p->flags & SES_PKT_F_HAS_EXPIRY)
        {
          g_autofree char *e = seconds_text (p->expiry_s);
          g_string_append_printf (out, " expiry=%s", e);
        }
      break;
    case SES_PKT_PINGREQ:
    case SES_PKT_PINGRESP:
      break;
    default:
      g_string_append_printf (out, " id=%u", p->packet_id);
      if (p->reason != 0 && !v311)
        g_string_append_printf (out, " reason=0x%02x", p->reason);
      break;
    }
  return g_string_free (out, FALSE);
}

/* Breaks text into lines of about `width` characters at spaces. */
static char *
wrap_text (const char *text, guint width)
{
  GString *out = g_string_new (NULL);
  g_auto (GStrv) words = g_strsplit (text != NULL ? text : "", " ", -1);
  guint col = 0;
  for (guint i = 0; words[i] != NULL; i++)
    {
      guint len = (guint) g_utf8_strlen (words[i], -1);
      if (col > 0 && col + 1 + len > width)
        {
          g_string_append_c (out, '\n');
          col = 0;
        }
      else if (col > 0)
        {
          g_string_append_c (out, ' ');
          col++;
        }
      g_string_append (out, words[i]);
      col += len;
    }
  return g_string_free (out, FALSE);
}

/* ---- filters ------------------------------------------------------------- */

static gboolean
is_packet_record (SesObsKind kind)
{
  return kind == SES_OBS_SEND || kind == SES_OBS_RECEIVE
         || kind == SES_OBS_LOST || kind == SES_OBS_CUT_LOST;
}

gboolean
ses_diagram_filter_shows_client (const SesDiagramFilter *f, guint32 client)
{
  /* Broker-wide records (a broker restart) concern every client. */
  if (f == NULL || f->clients == NULL || client == SES_OBS_BROKER)
    return TRUE;
  return client < f->n_clients && f->clients[client];
}

gboolean
ses_diagram_filter_shows (const SesDiagramFilter *f, const SesObs *o)
{
  if (f == NULL)
    return TRUE;
  if ((f->from != SES_TIME_NONE && o->time_us < f->from)
      || (f->to != SES_TIME_NONE && o->time_us > f->to))
    return FALSE;
  if (o->kind < 64 && (f->hide_kinds & (G_GUINT64_CONSTANT (1) << o->kind)))
    return FALSE;
  /* A packet kind hides the packet on the wire (sent, received, lost), not
   * the records that mention one (connected, subscribed, a note). */
  if (is_packet_record ((SesObsKind) o->kind) && o->pkt.type != 0
      && o->pkt.type < 32 && (f->hide_packets & (1u << o->pkt.type)))
    return FALSE;
  return ses_diagram_filter_shows_client (f, o->client);
}

static void
set_node (SesDot *dot, guint node, const char *key, const char *value)
{
  ses_dot_node_attr (dot, node, key, value);
}

static void
set_edge (SesDot *dot, guint edge, const char *key, const char *value)
{
  ses_dot_edge_attr (dot, edge, key, value);
}

/* ---- session lifecycle --------------------------------------------------- */

typedef enum {
  LS_NONE = 0,
  LS_CONNECTED,
  LS_KEPT,
  LS_EXPIRED,
  LS_CLEANED,
  LS_WITH_CONNECTION,
  LS_TAKEN_OVER,
  LS_RESTART,
  LS_COUNT,
} LifeState;

static const struct {
  const char *id;
  const char *label;
  const char *fill;
} life_states[LS_COUNT] = {
  [LS_NONE] = { "no-session", "no session", "#eeeeee" },
  [LS_CONNECTED] = { "connected", "connected", "#d5efd5" },
  [LS_KEPT] = { "kept", "disconnected,\nsession kept", "#fff1c4" },
  [LS_EXPIRED] = { "ended-expired", "session ended:\nexpired", "#f6d5d5" },
  [LS_CLEANED] = { "ended-cleaned", "session ended:\ncleaned", "#f6d5d5" },
  [LS_WITH_CONNECTION] = { "ended-with-connection",
                           "session ended:\nwith its connection", "#f6d5d5" },
  [LS_TAKEN_OVER] = { "ended-taken-over", "session ended:\ntaken over",
                      "#f6d5d5" },
  [LS_RESTART] = { "ended-restart", "session ended:\nbroker restart",
                   "#f6d5d5" },
};

static gboolean
life_state_ended (LifeState s)
{
  return s >= LS_EXPIRED;
}

/* Row of a state in the drawing: edges that go back up take no part in
 * the ranking, so the rows stay put whatever path a run takes. */
static guint
life_state_level (LifeState s)
{
  return s == LS_NONE ? 0 : s == LS_CONNECTED ? 1 : s == LS_KEPT ? 2 : 3;
}

static void
life_edge_direction (SesDot *dot, guint e, LifeState from, LifeState to)
{
  if (life_state_level (to) <= life_state_level (from))
    ses_dot_edge_attr (dot, e, "constraint", "false");
}

static gboolean
life_state_exists (LifeState s, SesMqttVersion version)
{
  /* 3.1.1 has no Session Expiry Interval, so nothing expires. */
  return !(s == LS_EXPIRED && version != SES_MQTT_5);
}

/* Every transition a version allows. what/rule NULL: not in that version. */
typedef struct {
  LifeState from, to;
  const char *kind; /* colour class: connect, close, timer, restart, gone */
  const char *what5;
  const char *rule5;
  const char *what311;
  const char *rule311;
} LifeTransition;

static const LifeTransition life_transitions[] = {
  { LS_NONE, LS_CONNECTED, "connect",
    "CONNECT clean-start=1:\na new session", "5.0 [MQTT-3.1.2-4]",
    "CONNECT clean-session=1:\na new session", "3.1.1 [MQTT-3.1.2-6]" },
  { LS_NONE, LS_CONNECTED, "connect",
    "CONNECT clean-start=0,\nnothing to resume: a new session",
    "5.0 [MQTT-3.1.2-6]",
    "CONNECT clean-session=0,\nnothing to resume: a new session",
    "3.1.1 [MQTT-3.1.2-4]" },
  { LS_CONNECTED, LS_KEPT, "close",
    "cut, crash or keep alive timeout,\nexpiry > 0", "5.0 [MQTT-3.1.2-23]",
    "cut, crash or keep alive timeout,\nclean-session=0",
    "3.1.1 [MQTT-3.1.2-4]" },
  { LS_CONNECTED, LS_KEPT, "close",
    "DISCONNECT, expiry > 0\n(it may set a new expiry)",
    "5.0 [MQTT-3.1.2-23] §3.14.2.2.2",
    "DISCONNECT,\nclean-session=0", "3.1.1 [MQTT-3.1.2-4]" },
  { LS_CONNECTED, LS_KEPT, "close",
    "takeover by a newer CONNECT\nwith the same ClientId, expiry > 0",
    "5.0 [MQTT-3.1.4-3]",
    "takeover by a newer CONNECT\nwith the same ClientId, clean-session=0",
    "3.1.1 [MQTT-3.1.4-2]" },
  { LS_CONNECTED, LS_KEPT, "restart",
    "broker restart\nwith persistence", "5.0 §4.1",
    "broker restart\nwith persistence", "3.1.1 §4.1" },
  { LS_CONNECTED, LS_WITH_CONNECTION, "close",
    "connection closes\n(cut, DISCONNECT, keep alive), expiry 0",
    "5.0 §3.1.2.11.2",
    "connection closes\n(cut, DISCONNECT, keep alive), clean-session=1",
    "3.1.1 [MQTT-3.1.2-6]" },
  { LS_CONNECTED, LS_TAKEN_OVER, "close",
    "takeover by a newer CONNECT,\nexpiry 0", "5.0 [MQTT-3.1.4-3]",
    "takeover by a newer CONNECT,\nclean-session=1", "3.1.1 [MQTT-3.1.4-2]" },
  { LS_CONNECTED, LS_RESTART, "restart",
    "broker restart\nwithout persistence", "5.0 §4.1",
    "broker restart\nwithout persistence", "3.1.1 §4.1" },
  { LS_KEPT, LS_CONNECTED, "connect",
    "CONNECT clean-start=0:\nresume", "5.0 [MQTT-3.1.2-5]",
    "CONNECT clean-session=0:\nresume", "3.1.1 [MQTT-3.1.2-4]" },
  { LS_KEPT, LS_CLEANED, "connect",
    "CONNECT clean-start=1:\ndiscard the old session", "5.0 [MQTT-3.1.2-4]",
    "CONNECT clean-session=1:\ndiscard the old session",
    "3.1.1 [MQTT-3.1.2-6]" },
  { LS_KEPT, LS_EXPIRED, "timer",
    "expiry timer: the Session\nExpiry Interval elapsed",
    "5.0 [MQTT-4.1.0-2]", NULL, NULL },
  { LS_KEPT, LS_RESTART, "restart",
    "broker restart\nwithout persistence", "5.0 §4.1",
    "broker restart\nwithout persistence", "3.1.1 §4.1" },
};

static const char *
transition_color (const char *kind)
{
  if (strcmp (kind, "connect") == 0)
    return "#2b6cb0";
  if (strcmp (kind, "close") == 0)
    return "#b7791f";
  if (strcmp (kind, "timer") == 0)
    return "#6b46c1";
  return "#c53030"; /* restart */
}

/* The state nodes, in a fixed order, each on its own rank level so both
 * lifecycle diagrams share one shape: no session above connected above
 * kept, the ends along the bottom. */
static void
add_life_states (SesDot *dot, SesMqttVersion version, const gboolean *visited,
                 LifeState final, guint *node_of)
{
  guint top = ses_dot_subgraph (dot, SES_DOT_ROOT, NULL);
  ses_dot_graph_attr (dot, top, "rank", "min");
  guint ends = ses_dot_subgraph (dot, SES_DOT_ROOT, NULL);
  ses_dot_graph_attr (dot, ends, "rank", "max");
  for (guint s = 0; s < LS_COUNT; s++)
    {
      node_of[s] = G_MAXUINT;
      if (!life_state_exists (s, version))
        continue;
      guint n = ses_dot_node (dot, life_state_ended (s) ? ends
                                   : s == LS_NONE ? top : SES_DOT_ROOT,
                              life_states[s].id);
      node_of[s] = n;
      set_node (dot, n, "label", life_states[s].label);
      set_node (dot, n, "shape", s == LS_NONE ? "ellipse" : "box");
      gboolean seen = visited == NULL || visited[s];
      if (seen)
        {
          set_node (dot, n, "style", s == LS_NONE ? "filled" : "rounded,filled");
          set_node (dot, n, "fillcolor", life_states[s].fill);
        }
      else
        {
          set_node (dot, n, "style", s == LS_NONE ? "dashed" : "rounded,dashed");
          set_node (dot, n, "color", "#a0a0a0");
          set_node (dot, n, "fontcolor", "#808080");
        }
      if (visited != NULL && s == final)
        {
          set_node (dot, n, "peripheries", "2");
          set_node (dot, n, "penwidth", "1.5");
          set_node (dot, n, "tooltip", "where the session was at the end of "
                                       "the run");
        }
    }
}

static void
life_graph_defaults (SesDot *dot, const char *title)
{
  ses_dot_graph_attr (dot, SES_DOT_ROOT, "rankdir", "TB");
  ses_dot_graph_attr (dot, SES_DOT_ROOT, "label", title);
  ses_dot_graph_attr (dot, SES_DOT_ROOT, "labelloc", "t");
  ses_dot_graph_attr (dot, SES_DOT_ROOT, "fontname", FONT);
  ses_dot_graph_attr (dot, SES_DOT_ROOT, "fontsize", "16");
  ses_dot_graph_attr (dot, SES_DOT_ROOT, "nodesep", "0.5");
  ses_dot_graph_attr (dot, SES_DOT_ROOT, "ranksep", "0.6");
  ses_dot_graph_attr (dot, SES_DOT_ROOT, "bgcolor", "white");
  ses_dot_node_default (dot, SES_DOT_ROOT, "fontname", FONT);
  ses_dot_node_default (dot, SES_DOT_ROOT, "fontsize", "13");
  ses_dot_node_default (dot, SES_DOT_ROOT, "margin", "0.15,0.08");
  ses_dot_edge_default (dot, SES_DOT_ROOT, "fontname", FONT);
  ses_dot_edge_default (dot, SES_DOT_ROOT, "fontsize", "10");
}

static SesDot *
generic_graph (SesMqttVersion version)
{
  const SesProfile *p = ses_profile_get (version);
  g_autofree char *name = g_strdup_printf ("lifecycle-%s", p->name);
  g_autoptr (SesDot) dot = ses_dot_new (name, TRUE);
  g_autofree char *title = g_strdup_printf (
      "MQTT %s: the lifecycle of a session on the broker\n"
      "(once a session has ended, its ClientId has no session: the next "
      "CONNECT starts from \"no session\")", p->name);
  life_graph_defaults (dot, title);
  guint node_of[LS_COUNT];
  add_life_states (dot, version, NULL, LS_COUNT, node_of);
  for (guint i = 0; i < G_N_ELEMENTS (life_transitions); i++)
    {
      const LifeTransition *t = &life_transitions[i];
      const char *what = version == SES_MQTT_5 ? t->what5 : t->what311;
      const char *rule = version == SES_MQTT_5 ? t->rule5 : t->rule311;
      if (what == NULL || node_of[t->from] == G_MAXUINT
          || node_of[t->to] == G_MAXUINT)
        continue;
      guint e = ses_dot_edge (dot, node_of[t->from], node_of[t->to]);
      life_edge_direction (dot, e, t->from, t->to);
      g_autofree char *label = g_strdup_printf ("%s\n%s", what, rule);
      set_edge (dot, e, "label", label);
      set_edge (dot, e, "color", transition_color (t->kind));
      set_edge (dot, e, "fontcolor", transition_color (t->kind));
    }
  return g_steal_pointer (&dot);
}

/* One step of the run through the lifecycle. */
typedef struct {
  LifeState from, to;
  char *text; /* "1 @ 0.010s CONNECT clean-start=0 expiry=3600s" */
} LifeStep;

static void
life_step_clear (gpointer p)
{
  g_free (((LifeStep *) p)->text);
}

/* What closed a session's connection last, as the broker saw it. */
typedef struct {
  char *text;
  gboolean takeover;
} CloseCause;

static void
close_cause_set (CloseCause *c, char *text, gboolean takeover)
{
  g_free (c->text);
  c->text = text;
  c->takeover = takeover;
}

static char *
cause_text (SesCause cause)
{
  switch (cause)
    {
    case SES_CAUSE_CUT: return g_strdup ("cut");
    case SES_CAUSE_KEEP_ALIVE: return g_strdup ("keep alive timeout");
    case SES_CAUSE_RESTART: return g_strdup ("broker restart");
    case SES_CAUSE_PROTOCOL_ERROR: return g_strdup ("protocol error");
    case SES_CAUSE_PEER_CLOSED: return g_strdup ("closed by the client");
    case SES_CAUSE_CRASH: return g_strdup ("crash");
    case SES_CAUSE_DISCONNECT: return g_strdup ("DISCONNECT");
    case SES_CAUSE_TAKEOVER: return g_strdup ("takeover");
    default: return g_strdup (ses_cause_name (cause));
    }
}

static gboolean
session_is_shared (SesMqtt *mqtt, guint32 session)
{
  SesMqttConfig *cfg = ses_mqtt_config (mqtt);
  guint users = 0;
  for (guint c = 0; c < ses_mqtt_config_n_clients (cfg); c++)
    if (ses_mqtt_client_session (mqtt, c) == session)
      users++;
  return users > 1;
}

static guint32
session_owner (SesMqtt *mqtt, guint32 session)
{
  SesMqttConfig *cfg = ses_mqtt_config (mqtt);
  for (guint c = 0; c < ses_mqtt_config_n_clients (cfg); c++)
    if (ses_mqtt_client_session (mqtt, c) == session)
      return c;
  return G_MAXUINT32;
}

/* Replays the log for one session. */
static GArray *
life_steps (SesMqtt *mqtt, guint32 session, SesMqttVersion version,
            LifeState *final)
{
  SesMqttConfig *cfg = ses_mqtt_config (mqtt);
  const GArray *log = ses_mqtt_log (mqtt);
  GArray *steps = g_array_new (FALSE, FALSE, sizeof (LifeStep));
  g_array_set_clear_func (steps, life_step_clear);
  gboolean shared = session_is_shared (mqtt, session);
  LifeState cur = LS_NONE;
  CloseCause close = { NULL, FALSE };
  guint32 last_connect_client = G_MAXUINT32;
  g_autofree char *connect_text = NULL;
  guint32 kept_expiry = 0;
  for (guint i = 0; i < log->len; i++)
    {
      const SesObs *o = &g_array_index (log, SesObs, i);
      if (o->kind == SES_OBS_RECEIVE && o->by_broker
          && o->pkt.type == SES_PKT_CONNECT)
        last_connect_client = o->client;
      if (o->kind == SES_OBS_FAULT && o->cause == SES_FAULT_KIND_RESTART)
        close_cause_set (&close, g_strdup ("broker restart"), FALSE);
      if (o->session != session)
        continue;
      LifeState to = cur;
      g_autofree char *what = NULL;
      switch (o->kind)
        {
        case SES_OBS_RECEIVE:
          if (!o->by_broker)
            break;
          if (o->pkt.type == SES_PKT_CONNECT)
            {
              g_free (connect_text);
              g_autofree char *pkt = packet_text (cfg, &o->pkt, o->version);
              connect_text = shared
                ? g_strdup_printf ("%s by %s", pkt, label_of (cfg, o->client))
                : g_steal_pointer (&pkt);
            }
          else if (o->pkt.type == SES_PKT_DISCONNECT)
            close_cause_set (&close, packet_text (cfg, &o->pkt, o->version),
                             FALSE);
          break;
        case SES_OBS_CONNECTION_LOST:
          /* The broker's own closes (takeover, keep alive, protocol
           * error) are named by the records that say why. */
          if (o->by_broker && (o->cause == SES_CAUSE_CUT
                               || o->cause == SES_CAUSE_PEER_CLOSED))
            close_cause_set (&close, cause_text (o->cause), FALSE);
          break;
        case SES_OBS_TAKEOVER:
          close_cause_set (&close,
                           g_strdup_printf ("taken over by %s",
                                            label_of (cfg,
                                                      last_connect_client)),
                           TRUE);
          break;
        case SES_OBS_KEEP_ALIVE_TIMEOUT:
          close_cause_set (&close, g_strdup ("keep alive timeout"), FALSE);
          break;
        case SES_OBS_PROTOCOL_ERROR:
          if (o->cause != SES_CAUSE_SESSION_PRESENT_UNEXPECTED)
            close_cause_set (&close, g_strdup ("protocol error"), FALSE);
          break;
        case SES_OBS_SESSION_CREATED:
        case SES_OBS_SESSION_RESUMED:
          to = LS_CONNECTED;
          what = g_strdup (connect_text != NULL ? connect_text : "CONNECT");
          close_cause_set (&close, NULL, FALSE);
          break;
        case SES_OBS_SESSION_KEPT:
          {
            to = LS_KEPT;
            kept_expiry = o->arg;
            g_autofree char *why = close.text != NULL
                                     ? g_strdup (close.text)
                                     : cause_text (o->cause);
            if (version == SES_MQTT_5)
              {
                g_autofree char *e = seconds_text (o->arg);
                what = g_strdup_printf ("%s; kept, expiry %s", why, e);
              }
            else
              what = g_strdup_printf ("%s; kept (clean-session=0)", why);
            break;
          }
        case SES_OBS_SESSION_ENDED:
          switch (o->cause)
            {
            case SES_CAUSE_EXPIRED:
              {
                to = LS_EXPIRED;
                g_autofree char *e = seconds_text (kept_expiry);
                what = g_strdup_printf ("expiry timer (%s)", e);
                break;
              }
            case SES_CAUSE_CLEAN_START:
              to = LS_CLEANED;
              what = g_strdup (connect_text != NULL ? connect_text
                                                    : "CONNECT clean");
              break;
            case SES_CAUSE_NEW:
              to = LS_CLEANED;
              what = g_strdup ("CONNECT with an empty ClientId");
              break;
            case SES_CAUSE_RESTART:
              to = LS_RESTART;
              what = g_strdup ("broker restart without persistence");
              break;
            default:
              to = close.takeover ? LS_TAKEN_OVER : LS_WITH_CONNECTION;
              what = g_strdup_printf (
                  "%s; %s", close.text != NULL ? close.text : "closed",
                  version == SES_MQTT_5 ? "expiry 0" : "clean-session=1");
              break;
            }
          break;
        default:
          break;
        }
      if (what == NULL)
        continue;
      g_autofree char *when = format_when (o->time_us);
      LifeStep step = { cur, to,
                        g_strdup_printf ("%u @ %s %s", steps->len + 1, when,
                                         what) };
      g_array_append_val (steps, step);
      cur = to;
    }
  close_cause_set (&close, NULL, FALSE);
  *final = cur;
  return steps;
}

char *
ses_diagram_session_name (SesMqtt *mqtt, guint32 session)
{
  SesMqttConfig *cfg = ses_mqtt_config (mqtt);
  guint32 owner = session_owner (mqtt, session);
  char *name = g_strdup (owner != G_MAXUINT32 ? label_of (cfg, owner)
                                              : "session");
  for (char *p = name; *p; p++)
    if (!(g_ascii_isalnum (*p) || *p == '-' || *p == '_'))
      *p = '_';
  if (name[0] == '\0' || name[0] == '.')
    {
      g_free (name);
      name = g_strdup_printf ("session%u", session);
    }
  return name;
}

static SesDot *
lifecycle_graph (SesMqtt *mqtt, guint32 session)
{
  SesMqttConfig *cfg = ses_mqtt_config (mqtt);
  g_return_val_if_fail (session < ses_mqtt_config_n_sessions (cfg), NULL);
  guint32 owner = session_owner (mqtt, session);
  const SesClientConfig *oc = ses_mqtt_config_client (cfg, owner);
  SesMqttVersion version = oc->version;
  const SesProfile *p = ses_profile_get (version);

  LifeState final = LS_NONE;
  g_autoptr (GArray) steps = life_steps (mqtt, session, version, &final);
  gboolean visited[LS_COUNT] = { FALSE };
  visited[LS_NONE] = TRUE;
  for (guint i = 0; i < steps->len; i++)
    visited[g_array_index (steps, LifeStep, i).to] = TRUE;

  g_autofree char *name = ses_diagram_session_name (mqtt, session);
  g_autofree char *graph_name = g_strdup_printf ("lifecycle-%s", name);
  g_autoptr (SesDot) dot = ses_dot_new (graph_name, TRUE);
  GString *clients = g_string_new (NULL);
  for (guint c = 0; c < ses_mqtt_config_n_clients (cfg); c++)
    if (ses_mqtt_client_session (mqtt, c) == session)
      g_string_append_printf (clients, "%s%s", clients->len ? ", " : "",
                              label_of (cfg, c));
  g_autofree char *title = g_strdup_printf (
      "Session of ClientId \"%s\" (client%s %s), MQTT %s",
      string_of (cfg, oc->client_id), strchr (clients->str, ',') ? "s" : "",
      clients->str, p->name);
  g_string_free (clients, TRUE);
  life_graph_defaults (dot, title);
  guint node_of[LS_COUNT];
  add_life_states (dot, version, visited, final, node_of);

  /* The run's path: one bold edge per (from, to) pair it used, listing
   * every step that took it, numbered in order. */
  gboolean used[LS_COUNT][LS_COUNT] = { { FALSE } };
  for (guint i = 0; i < steps->len; i++)
    {
      const LifeStep *s = &g_array_index (steps, LifeStep, i);
      if (used[s->from][s->to])
        continue;
      used[s->from][s->to] = TRUE;
      GString *label = g_string_new (NULL);
      for (guint k = i; k < steps->len; k++)
        {
          const LifeStep *t = &g_array_index (steps, LifeStep, k);
          if (t->from == s->from && t->to == s->to)
            g_string_append_printf (label, "%s\n", t->text);
        }
      guint from = node_of[s->from], to = node_of[s->to];
      if (from == G_MAXUINT || to == G_MAXUINT)
        {
          g_string_free (label, TRUE);
          continue;
        }
      guint e = ses_dot_edge (dot, from, to);
      life_edge_direction (dot, e, s->from, s->to);
      ses_dot_edge_attr_full (dot, e, "label", label->str, SES_DOT_TEXT_LEFT);
      set_edge (dot, e, "penwidth", "2.5");
      set_edge (dot, e, "color", "#1a4f9c");
      set_edge (dot, e, "fontcolor", "#1a4f9c");
      set_edge (dot, e, "fontsize", "11");
      set_edge (dot, e, "class", "path");
      g_string_free (label, TRUE);
    }
  /* What else the version allows, faint and unlabelled, for context. */
  for (guint i = 0; i < G_N_ELEMENTS (life_transitions); i++)
    {
      const LifeTransition *t = &life_transitions[i];
      const char *what = version == SES_MQTT_5 ? t->what5 : t->what311;
      if (what == NULL || used[t->from][t->to]
          || node_of[t->from] == G_MAXUINT || node_of[t->to] == G_MAXUINT)
        continue;
      used[t->from][t->to] = TRUE;
      guint e = ses_dot_edge (dot, node_of[t->from], node_of[t->to]);
      life_edge_direction (dot, e, t->from, t->to);
      set_edge (dot, e, "color", "#c8c8c8");
      set_edge (dot, e, "style", "dashed");
      set_edge (dot, e, "arrowsize", "0.7");
      g_autofree char *tip = g_strdup_printf (
          "%s (%s)", what, version == SES_MQTT_5 ? t->rule5 : t->rule311);
      g_strdelimit (tip, "\n", ' ');
      set_edge (dot, e, "tooltip", tip);
    }
  /* An ended session the run left behind: the ClientId has none now. */
  for (guint s = LS_EXPIRED; s < LS_COUNT; s++)
    if (node_of[s] != G_MAXUINT && visited[s] && !used[s][LS_CONNECTED]
        && !used[s][LS_NONE])
      {
        guint e = ses_dot_edge (dot, node_of[s], node_of[LS_NONE]);
        set_edge (dot, e, "style", "dotted");
        set_edge (dot, e, "color", "#c8c8c8");
        set_edge (dot, e, "arrowhead", "empty");
        set_edge (dot, e, "arrowsize", "0.7");
        set_edge (dot, e, "constraint", "false");
      }
  return g_steal_pointer (&dot);
}

/* ---- message sequence ---------------------------------------------------- */

/* Client connection state as the client believes it, for lifeline style. */
enum {
  LINK_OFFLINE = 0,
  LINK_CONNECTING,
  LINK_ONLINE,
};

typedef struct {
  guint obs;       /* index in the log */
  guint lifeline;  /* client index, or n_clients for the broker */
  char *note;      /* (nullable) text of a box on the lifeline */
  const char *fill;
  const char *border;
  gboolean fault;
  gboolean marked; /* the highlighted violation is here */
  guint gap_last;  /* a compressed idle stretch (note != NULL): the last
                      observation it stands for; G_MAXUINT: not one */
} Row;

static void
row_clear (gpointer p)
{
  g_free (((Row *) p)->note);
}

typedef struct {
  guint from_row;
  guint to_row;      /* G_MAXUINT: never arrived */
  guint32 client;
  gboolean to_broker;
  SesPacket pkt;
  const char *lost;  /* (nullable) why it never arrived */
  gboolean marked;
} Arrow;

typedef struct {
  SesMqtt *mqtt;
  SesMqttConfig *cfg;
  guint n_clients;
  GArray *rows;     /* (element-type Row) */
  GArray *arrows;   /* (element-type Arrow) */
  GArray **pending; /* per client and direction: (element-type guint) arrow
                       indices sent and not yet received, oldest first */
  GByteArray *link; /* LINK_* per client for the segment above each row:
                       n_clients bytes per row */
  guint8 *link_now; /* LINK_* per client, now */
} Seq;

static guint
seq_add_row (Seq *q, guint obs, guint lifeline, char *note, const char *fill,
             const char *border)
{
  Row r = { obs, lifeline, note, fill, border, FALSE, FALSE, G_MAXUINT };
  g_array_append_val (q->rows, r);
  g_byte_array_append (q->link, q->link_now, q->n_clients);
  return q->rows->len - 1;
}

static GArray *
pending_of (Seq *q, guint32 client, gboolean to_broker)
{
  return q->pending[client * 2 + (to_broker ? 1 : 0)];
}

/* Packets still pending on a connection that is gone never arrived. */
static void
seq_flush (Seq *q, guint32 client, gboolean to_broker, guint keep_from,
           const char *why)
{
  GArray *p = pending_of (q, client, to_broker);
  guint n = MIN (keep_from, p->len);
  for (guint i = 0; i < n; i++)
    {
      Arrow *a = &g_array_index (q->arrows, Arrow, g_array_index (p, guint, i));
      a->lost = why;
    }
  g_array_remove_range (p, 0, n);
}

static char *
who_text (Seq *q, const SesObs *o)
{
  return g_strdup (label_of (q->cfg, o->client));
}

static char *
message_text (Seq *q, const SesPacket *p)
{
  GString *s = g_string_new (NULL);
  append_quoted_short (s, string_of (q->cfg, p->payload));
  g_string_append_printf (s, " q%u", p->qos);
  return g_string_free (s, FALSE);
}

static char *
rule_suffix (const SesObs *o)
{
  return o->rule != NULL ? g_strdup_printf ("\n%s", o->rule) : g_strdup ("");
}

/* The note a session-level observation puts on the broker's lifeline, or on
 * a client's; NULL for observations the diagram leaves out. */
static char *
seq_note (Seq *q, const SesObs *o, guint *lifeline, const char **fill)
{
  guint broker = q->n_clients;
  g_autofree char *who = who_text (q, o);
  g_autofree char *rule = rule_suffix (o);
  *lifeline = broker;
  *fill = "#dce8f7"; /* session events */
  switch (o->kind)
    {
    case SES_OBS_SESSION_CREATED:
      return g_strdup_printf ("%s: session created (%s)%s", who,
                              ses_obs_cause_name (o), rule);
    case SES_OBS_SESSION_RESUMED:
      return g_strdup_printf ("%s: session resumed%s", who, rule);
    case SES_OBS_SESSION_KEPT:
      {
        /* 3.1.1 [MQTT-3.1.2-4] a kept session has no expiry interval. */
        if (o->version == SES_MQTT_311)
          return g_strdup_printf ("%s: session kept (%s)%s", who,
                                  ses_obs_cause_name (o), rule);
        g_autofree char *e = seconds_text (o->arg);
        return g_strdup_printf ("%s: session kept (%s), expiry %s%s", who,
                                ses_obs_cause_name (o), e, rule);
      }
    case SES_OBS_SESSION_ENDED:
      *fill = "#f6d5d5";
      return g_strdup_printf ("%s: session ended (%s)%s", who,
                              ses_obs_cause_name (o), rule);
    case SES_OBS_EXPIRY_CHANGED:
      {
        g_autofree char *e = seconds_text (o->arg);
        return g_strdup_printf ("%s: session expiry now %s%s", who, e, rule);
      }
    case SES_OBS_TAKEOVER:
      *fill = "#fde2c4";
      return g_strdup_printf ("%s: taken over%s", who, rule);
    case SES_OBS_KEEP_ALIVE_TIMEOUT:
      *fill = "#fde2c4";
      return g_strdup_printf ("%s: keep alive timeout (%us)%s", who, o->arg,
                              rule);
    case SES_OBS_PROTOCOL_ERROR:
      *fill = "#fde2c4";
      if (o->cause == SES_CAUSE_SESSION_PRESENT_UNEXPECTED)
        *lifeline = o->client;
      return g_strdup_printf ("%s: protocol error (%s)%s", who,
                              ses_obs_cause_name (o), rule);
    case SES_OBS_WILL_PUBLISHED:
      {
        *fill = "#fbe3f1";
        g_autofree char *m = message_text (q, &o->pkt);
        return g_strdup_printf ("%s's will published (%s): %s%s", who,
                                ses_obs_cause_name (o), m, rule);
      }
    case SES_OBS_WILL_SCHEDULED:
      *fill = "#fbe3f1";
      return g_strdup_printf ("%s's will due in %us%s", who, o->arg, rule);
    case SES_OBS_WILL_CANCELLED:
      *fill = "#fbe3f1";
      return g_strdup_printf ("%s's will cancelled (%s)%s", who,
                              ses_obs_cause_name (o), rule);
    case SES_OBS_WILL_DISCARDED:
      *fill = "#fbe3f1";
      return g_strdup_printf ("%s's will discarded (%s)%s", who,
                              ses_obs_cause_name (o), rule);
    case SES_OBS_QUEUED:
      {
        *fill = "#f2f2f2";
        g_autofree char *m = message_text (q, &o->pkt);
        return g_strdup_printf ("queued for %s: %s", who, m);
      }
    case SES_OBS_POLICY_DROP:
      {
        *fill = "#f6d5d5";
        g_autofree char *m = message_text (q, &o->pkt);
        return g_strdup_printf ("dropped for %s (%s): %s%s", who,
                                ses_obs_cause_name (o), m, rule);
      }
    case SES_OBS_EXPIRED:
      {
        *fill = "#f6d5d5";
        g_autofree char *m = message_text (q, &o->pkt);
        return g_strdup_printf ("expired for %s: %s%s", who, m, rule);
      }
    case SES_OBS_CONNECTION_LOST:
      *fill = "#fde2c4";
      if (!o->by_broker)
        {
          *lifeline = o->client;
          return g_strdup_printf ("connection lost (%s)",
                                  ses_obs_cause_name (o));
        }
      return g_strdup_printf ("%s: connection lost (%s)", who,
                              ses_obs_cause_name (o));
    case SES_OBS_DELIVER:
      {
        *lifeline = o->client;
        *fill = "#d5efd5";
        g_autofree char *m = message_text (q, &o->pkt);
        return g_strdup_printf ("deliver %s%s", m,
                                (o->pkt.flags & SES_PKT_F_DUP) ? " (dup)" : "");
      }
    case SES_OBS_CLIENT_DISCARDED:
      *lifeline = o->client;
      *fill = "#f6d5d5";
      return g_strdup_printf ("discards its session state (%s)%s",
                              ses_obs_cause_name (o), rule);
    default:
      return NULL;
    }
}

static const char *
fault_text (guint cause)
{
  switch ((SesObsFault) cause)
    {
    case SES_FAULT_KIND_CUT: return "CUT";
    case SES_FAULT_KIND_HALF_OPEN_BROKER: return "HALF-OPEN\n(broker unaware)";
    case SES_FAULT_KIND_HALF_OPEN_CLIENT: return "HALF-OPEN\n(client unaware)";
    case SES_FAULT_KIND_CRASH: return "CRASH";
    case SES_FAULT_KIND_RESTART: return "BROKER RESTART";
    case SES_FAULT_KIND_RESET: return "RESET";
    }
  return "FAULT";
}

/* The first pass: which observations get a row, and which sends pair with
 * which receives. The network keeps order per connection, so a receive
 * matches the oldest equal packet still pending in its direction; anything
 * older on that connection was lost, and a client's new CONNECT means the
 * old connection's pending packets never arrive. */
static void
seq_collect (Seq *q, const SesDiagramMark *mark)
{
  const GArray *log = ses_mqtt_log (q->mqtt);
  guint broker = q->n_clients;
  for (guint i = 0; i < log->len; i++)
    {
      const SesObs *o = &g_array_index (log, SesObs, i);
      gboolean is_mark = mark != NULL && mark->obs_index == i;
      guint32 c = o->client;
      gboolean client_ok = c < q->n_clients;
      guint rows_before = q->rows->len;
      switch (o->kind)
        {
        case SES_OBS_SEND:
        case SES_OBS_LOST:
          {
            if (!client_ok)
              break;
            gboolean to_broker = !o->by_broker;
            if (o->kind == SES_OBS_SEND && to_broker
                && o->pkt.type == SES_PKT_CONNECT)
              {
                seq_flush (q, c, TRUE, G_MAXUINT, "lost: the connection died");
                seq_flush (q, c, FALSE, G_MAXUINT, "lost: the connection died");
              }
            guint row = seq_add_row (q, i, o->by_broker ? broker : c, NULL,
                                     NULL, NULL);
            Arrow a = { row, G_MAXUINT, c, to_broker, o->pkt, NULL, is_mark };
            if (o->kind == SES_OBS_LOST)
              a.lost = "lost: sent into a dead connection";
            g_array_append_val (q->arrows, a);
            if (o->kind == SES_OBS_SEND)
              {
                guint idx = q->arrows->len - 1;
                g_array_append_val (pending_of (q, c, to_broker), idx);
              }
            if (o->kind == SES_OBS_SEND && to_broker
                && o->pkt.type == SES_PKT_CONNECT)
              q->link_now[c] = LINK_CONNECTING;
            break;
          }
        case SES_OBS_RECEIVE:
          {
            if (!client_ok)
              break;
            gboolean to_broker = o->by_broker;
            GArray *p = pending_of (q, c, to_broker);
            guint found = G_MAXUINT;
            for (guint k = 0; k < p->len; k++)
              {
                const Arrow *a = &g_array_index (q->arrows, Arrow,
                                                 g_array_index (p, guint, k));
                if (memcmp (&a->pkt, &o->pkt, sizeof o->pkt) == 0)
                  {
                    found = k;
                    break;
                  }
              }
            guint lifeline = o->by_broker ? broker : c;
            if (found == G_MAXUINT)
              {
                g_autofree char *pkt = packet_text (q->cfg, &o->pkt,
                                                    o->version);
                seq_add_row (q, i, lifeline,
                             g_strdup_printf ("received %s", pkt), "#ffffff",
                             NULL);
                break;
              }
            guint arrow = g_array_index (p, guint, found);
            seq_flush (q, c, to_broker, found, "lost in flight");
            g_array_remove_index (p, 0);
            guint row = seq_add_row (q, i, lifeline, NULL, NULL, NULL);
            Arrow *a = &g_array_index (q->arrows, Arrow, arrow);
            a->to_row = row;
            a->marked = a->marked || is_mark;
            break;
          }
        case SES_OBS_FAULT:
          {
            guint lifeline = o->cause == SES_FAULT_KIND_RESTART || !client_ok
                               ? broker : c;
            guint row = seq_add_row (q, i, lifeline,
                                     g_strdup (fault_text (o->cause)),
                                     "#c53030", "#7b1c1c");
            g_array_index (q->rows, Row, row).fault = TRUE;
            if (o->cause == SES_FAULT_KIND_CRASH && client_ok)
              q->link_now[c] = LINK_OFFLINE;
            break;
          }
        default:
          {
            guint lifeline = broker;
            const char *fill = NULL;
            char *note = seq_note (q, o, &lifeline, &fill);
            if (note == NULL && is_mark)
              {
                note = ses_obs_describe (o, ses_mqtt_config_strings (q->cfg),
                                         ses_mqtt_config_labels (q->cfg));
                fill = "#ffffff";
                lifeline = client_ok ? c : broker;
              }
            if (note != NULL)
              seq_add_row (q, i, lifeline, note, fill, NULL);
            break;
          }
        }
      /* The segment below a row shows the link after it. */
      if (client_ok && o->kind == SES_OBS_CONNECTED)
        q->link_now[c] = LINK_ONLINE;
      if (client_ok && o->kind == SES_OBS_CONNECTION_LOST && !o->by_broker)
        q->link_now[c] = LINK_OFFLINE;
      if (is_mark && q->rows->len > rows_before)
        g_array_index (q->rows, Row, q->rows->len - 1).marked = TRUE;
    }
  for (guint c = 0; c < q->n_clients; c++)
    {
      seq_flush (q, c, TRUE, G_MAXUINT, "not received by the end of the run");
      seq_flush (q, c, FALSE, G_MAXUINT,
                 "not received by the end of the run");
    }
}

/* Puts rows (with their link bytes) in place of q's, keeping the arrows
 * marked in kept, renumbered through new_row (old row -> new row). */
static void
seq_replace_rows (Seq *q, GArray *rows, GByteArray *link,
                  const guint *new_row, const gboolean *kept)
{
  GArray *arrows = g_array_new (FALSE, FALSE, sizeof (Arrow));
  for (guint i = 0; i < q->arrows->len; i++)
    {
      Arrow a = g_array_index (q->arrows, Arrow, i);
      if (!kept[i])
        continue;
      a.from_row = new_row[a.from_row];
      if (a.to_row != G_MAXUINT)
        a.to_row = new_row[a.to_row];
      g_array_append_val (arrows, a);
    }
  g_array_unref (q->rows);
  g_array_unref (q->arrows);
  g_byte_array_unref (q->link);
  q->rows = rows;
  q->arrows = arrows;
  q->link = link;
}

/* The rows and packets a filter shows, after the pairing of sends and
 * receives was found on the whole log (so that hiding one packet does not
 * pair another wrongly). A packet keeps its arrow when both ends are
 * shown; with one end left out (a window that cuts it, --hide receive) the
 * shown end becomes a note saying so. */
static void
seq_filter (Seq *q, const SesDiagramFilter *f)
{
  if (f == NULL)
    return;
  const GArray *log = ses_mqtt_log (q->mqtt);
  guint nrows = q->rows->len;
  g_autofree gboolean *keep = g_new0 (gboolean, nrows);
  for (guint r = 0; r < nrows; r++)
    {
      const Row *row = &g_array_index (q->rows, Row, r);
      keep[r] = ses_diagram_filter_shows (f, &g_array_index (log, SesObs,
                                                             row->obs))
                && (row->lifeline == q->n_clients
                    || ses_diagram_filter_shows_client (f, row->lifeline));
    }
  g_autofree gboolean *drawn = g_new0 (gboolean, q->arrows->len);
  for (guint i = 0; i < q->arrows->len; i++)
    {
      const Arrow *a = &g_array_index (q->arrows, Arrow, i);
      gboolean to_shown = a->to_row != G_MAXUINT && keep[a->to_row];
      drawn[i] = keep[a->from_row] && (a->to_row == G_MAXUINT || to_shown);
      if (drawn[i] || (!keep[a->from_row] && !to_shown))
        continue;
      guint r = keep[a->from_row] ? a->from_row : a->to_row;
      Row *row = &g_array_index (q->rows, Row, r);
      const SesObs *o = &g_array_index (log, SesObs, row->obs);
      g_autofree char *pkt = packet_text (q->cfg, &a->pkt, o->version);
      g_free (row->note);
      row->note = r == a->from_row
          ? g_strdup_printf ("sent %s\n(not received in this view)", pkt)
          : g_strdup_printf ("received %s\n(sent outside this view)", pkt);
      row->fill = "#ffffff";
      row->border = "#a0a0a0";
    }
  GArray *rows = g_array_new (FALSE, FALSE, sizeof (Row));
  g_array_set_clear_func (rows, row_clear);
  GByteArray *link = g_byte_array_new ();
  g_autofree guint *new_row = g_new (guint, nrows);
  for (guint r = 0; r < nrows; r++)
    {
      Row *row = &g_array_index (q->rows, Row, r);
      new_row[r] = G_MAXUINT;
      if (!keep[r])
        continue;
      new_row[r] = rows->len;
      g_array_append_val (rows, *row);
      row->note = NULL; /* moved */
      g_byte_array_append (link, q->link->data + r * q->n_clients,
                           q->n_clients);
    }
  seq_replace_rows (q, rows, link, new_row, drawn);
}

/* Idle time: a device that sleeps between wake-ups, or a connection
 * left open, fills its waits with keep-alive exchanges that would take
 * four rows each and most of a long run's diagram. At least
 * IDLE_MIN_ARROWS such packets in a row, each sent and received within
 * the stretch, with nothing else drawn between them, over at least
 * IDLE_MIN_SPAN of virtual time, become one marked gap row that says how
 * many and over how long. A burst of pings in a busy second is not idle
 * time and stays; lost or highlighted packets are never folded away. */
#define IDLE_MIN_ARROWS 4
#define IDLE_MIN_SPAN (60 * SES_US_PER_S)

/* "45.020s", "6m00s", "2h05m10s": a gap's length, to the second once it
 * is a minute or more. */
static char *
duration_text (SesTime t)
{
  gint64 s = t / SES_US_PER_S;
  if (s < 60)
    return format_when (t);
  if (s < 3600)
    return g_strdup_printf ("%" G_GINT64_FORMAT "m%02" G_GINT64_FORMAT "s",
                            s / 60, s % 60);
  return g_strdup_printf ("%" G_GINT64_FORMAT "h%02" G_GINT64_FORMAT "m%02"
                          G_GINT64_FORMAT "s", s / 3600, s / 60 % 60, s % 60);
}

static gboolean
is_ping (const SesPacket *p)
{
  return p->type == SES_PKT_PINGREQ || p->type == SES_PKT_PINGRESP;
}

static void
seq_compress_idle (Seq *q)
{
  guint nrows = q->rows->len;
  if (nrows == 0)
    return;
  g_autofree guint *arrow_of = g_new (guint, nrows);
  for (guint r = 0; r < nrows; r++)
    arrow_of[r] = G_MAXUINT;
  for (guint i = 0; i < q->arrows->len; i++)
    {
      const Arrow *a = &g_array_index (q->arrows, Arrow, i);
      arrow_of[a->from_row] = i;
      if (a->to_row != G_MAXUINT)
        arrow_of[a->to_row] = i;
    }
  /* Foldable rows: an end of a complete, unmarked keep-alive packet. */
  g_autofree gboolean *idle = g_new0 (gboolean, nrows);
  for (guint r = 0; r < nrows; r++)
    {
      const Row *row = &g_array_index (q->rows, Row, r);
      if (arrow_of[r] == G_MAXUINT || row->note != NULL || row->marked)
        continue;
      const Arrow *a = &g_array_index (q->arrows, Arrow, arrow_of[r]);
      idle[r] = is_ping (&a->pkt) && a->to_row != G_MAXUINT && !a->marked
                && a->lost == NULL;
    }
  /* A stretch is a run of foldable rows; a packet whose two ends fall in
   * different stretches (something else was drawn while it flew) stays,
   * and the stretches are found again until none has such a packet. */
  g_autofree guint *run_of = g_new (guint, nrows);
  gboolean changed = TRUE;
  while (changed)
    {
      changed = FALSE;
      guint run = 0;
      for (guint r = 0; r < nrows; r++)
        {
          if (idle[r] && (r == 0 || !idle[r - 1]))
            run++;
          run_of[r] = idle[r] ? run : 0;
        }
      for (guint r = 0; r < nrows; r++)
        {
          if (!idle[r])
            continue;
          const Arrow *a = &g_array_index (q->arrows, Arrow, arrow_of[r]);
          if (run_of[a->from_row] != run_of[a->to_row])
            {
              idle[a->from_row] = FALSE;
              idle[a->to_row] = FALSE;
              changed = TRUE;
            }
        }
    }
  /* Too short a stretch is drawn as it is. */
  const GArray *log = ses_mqtt_log (q->mqtt);
  for (guint r = 0; r < nrows;)
    {
      if (!idle[r])
        {
          r++;
          continue;
        }
      guint end = r;
      while (end < nrows && idle[end])
        end++;
      SesTime from = g_array_index (log, SesObs,
                                    g_array_index (q->rows, Row, r).obs)
                         .time_us;
      SesTime to = g_array_index (log, SesObs,
                                  g_array_index (q->rows, Row, end - 1).obs)
                       .time_us;
      if ((end - r) / 2 < IDLE_MIN_ARROWS || to - from < IDLE_MIN_SPAN)
        for (guint k = r; k < end; k++)
          idle[k] = FALSE;
      r = end;
    }

  GArray *rows = g_array_new (FALSE, FALSE, sizeof (Row));
  g_array_set_clear_func (rows, row_clear);
  GByteArray *link = g_byte_array_new ();
  g_autofree guint *new_row = g_new (guint, nrows);
  for (guint r = 0; r < nrows;)
    {
      Row *row = &g_array_index (q->rows, Row, r);
      if (!idle[r])
        {
          new_row[r] = rows->len;
          g_array_append_val (rows, *row);
          row->note = NULL; /* moved */
          g_byte_array_append (link, q->link->data + r * q->n_clients,
                               q->n_clients);
          r++;
          continue;
        }
      guint end = r;
      while (end < nrows && idle[end])
        end++;
      guint first = row->obs;
      guint last = g_array_index (q->rows, Row, end - 1).obs;
      SesTime from = g_array_index (log, SesObs, first).time_us;
      SesTime to = g_array_index (log, SesObs, last).time_us;
      g_autofree char *span = duration_text (to - from);
      Row gap = { first, q->n_clients,
                  g_strdup_printf ("idle: %u keep-alive packets "
                                   "(PINGREQ/PINGRESP)\nfolded, over %s",
                                   (end - r) / 2, span),
                  "#f7fafc", "#a0aec0", FALSE, FALSE, last };
      for (guint k = r; k < end; k++)
        new_row[k] = rows->len;
      g_array_append_val (rows, gap);
      g_byte_array_append (link, q->link->data + r * q->n_clients,
                           q->n_clients);
      r = end;
    }
  g_autofree gboolean *kept = g_new (gboolean, q->arrows->len);
  for (guint i = 0; i < q->arrows->len; i++)
    kept[i] = !idle[g_array_index (q->arrows, Arrow, i).from_row];
  seq_replace_rows (q, rows, link, new_row, kept);
}

static const char *
packet_color (const SesPacket *p)
{
  switch (p->type)
    {
    case SES_PKT_PUBLISH: return "#1a4f9c";
    case SES_PKT_PUBACK:
    case SES_PKT_PUBREC:
    case SES_PKT_PUBREL:
    case SES_PKT_PUBCOMP: return "#4a7fc1";
    case SES_PKT_CONNECT:
    case SES_PKT_CONNACK:
    case SES_PKT_DISCONNECT: return "#276749";
    case SES_PKT_PINGREQ:
    case SES_PKT_PINGRESP: return "#a0a0a0";
    default: return "#555555";
    }
}

/* An arrow's text on a white ground, so that lines behind it do not
 * cross the letters. */
static char *
arrow_label (const char *text, const char *note, const char *color)
{
  g_autofree char *t = ses_dot_html_escape (text);
  GString *out = g_string_new (NULL);
  g_string_append_printf (out,
                          "<table border=\"0\" cellborder=\"0\" "
                          "cellspacing=\"0\" cellpadding=\"1\" "
                          "bgcolor=\"white\"><tr><td><font color=\"%s\">%s",
                          color, t);
  if (note != NULL)
    {
      g_autofree char *n = ses_dot_html_escape (note);
      g_string_append_printf (out, "<br/>(%s)", n);
    }
  g_string_append (out, "</font></td></tr></table>");
  return g_string_free (out, FALSE);
}

/* A lost packet's end: a cross on the side the arrow comes from, then
 * the packet and why it never arrived. */
static char *
lost_label (const char *text, const char *why, const char *color,
            gboolean cross_left)
{
  g_autofree char *t = ses_dot_html_escape (text);
  g_autofree char *w = ses_dot_html_escape (why);
  g_autofree char *cross = g_strdup_printf (
      "<td><font point-size=\"18\" color=\"%s\">\xc3\x97</font></td>",
      color);
  return g_strdup_printf (
      "<table border=\"0\" cellborder=\"0\" cellspacing=\"0\" "
      "cellpadding=\"1\"><tr>%s<td><font color=\"%s\">%s<br/>(%s)</font>"
      "</td>%s</tr></table>",
      cross_left ? cross : "", color, t, w, cross_left ? "" : cross);
}

static char *
lifeline_id (guint lifeline, guint row)
{
  return g_strdup_printf ("l%u_r%u", lifeline, row);
}

static SesDot *sequence_graph (SesMqtt *mqtt, const SesDiagramMark *mark,
                               const SesDiagramFilter *filter);

char *
ses_diagram_sequence_dot (SesMqtt *mqtt, const SesDiagramMark *mark)
{
  return ses_diagram_sequence_dot_filtered (mqtt, mark, NULL);
}

char *
ses_diagram_sequence_dot_filtered (SesMqtt *mqtt, const SesDiagramMark *mark,
                                   const SesDiagramFilter *filter)
{
  g_autoptr (SesDot) dot = sequence_graph (mqtt, mark, filter);
  return ses_dot_to_string (dot);
}

static SesDot *
sequence_graph (SesMqtt *mqtt, const SesDiagramMark *mark,
                                   const SesDiagramFilter *filter)
{
  SesMqttConfig *cfg = ses_mqtt_config (mqtt);
  const GArray *log = ses_mqtt_log (mqtt);
  Seq q = { .mqtt = mqtt, .cfg = cfg,
            .n_clients = ses_mqtt_config_n_clients (cfg) };
  q.rows = g_array_new (FALSE, FALSE, sizeof (Row));
  g_array_set_clear_func (q.rows, row_clear);
  q.arrows = g_array_new (FALSE, FALSE, sizeof (Arrow));
  q.pending = g_new0 (GArray *, q.n_clients * 2);
  for (guint i = 0; i < q.n_clients * 2; i++)
    q.pending[i] = g_array_new (FALSE, FALSE, sizeof (guint));
  q.link = g_byte_array_new ();
  q.link_now = g_new0 (guint8, MAX (q.n_clients, 1));
  seq_collect (&q, mark);
  seq_filter (&q, filter);
  seq_compress_idle (&q);

  guint broker = q.n_clients;
  guint n_lifelines = q.n_clients + 1;
  /* The lifelines shown (--only): the broker's, and the chosen clients'. */
  g_autofree gboolean *visible = g_new0 (gboolean, n_lifelines);
  guint n_shown = 0;
  for (guint c = 0; c < q.n_clients; c++)
    {
      visible[c] = ses_diagram_filter_shows_client (filter, c);
      n_shown += visible[c];
    }
  visible[broker] = TRUE;
  /* Columns: half the clients shown, the broker in the middle, the rest,
   * so that fewer arrows cross another client's lifeline. */
  guint n_cols = n_shown + 1;
  g_autofree guint *column = g_new0 (guint, n_lifelines);
  guint left = n_shown / 2, col = 0;
  for (guint c = 0; c < q.n_clients; c++)
    if (visible[c])
      {
        if (col == left)
          col++;
        column[c] = col++;
      }
  column[broker] = left;
  g_autofree guint *at_column = g_new0 (guint, n_cols);
  for (guint l = 0; l < n_lifelines; l++)
    if (visible[l])
      at_column[column[l]] = l;

  /* Each packet's label is a node in the row it was sent in, beside the
   * sender on the receiver's side: every label has a row of its own, so a
   * burst of packets at one instant gives a column of labels, each at the
   * start of its arrow, none over another (Graphviz's floating xlabels
   * overlapped there, and drifted away from their arrows). Room for them:
   * invisible spacers in the header row as wide as the widest label beside
   * that gap needs (up to 0.09 in a character at 10 pt, capitals being
   * wide, and the node separation on each side): a row that needs more
   * room than the head row gives bends the lifelines. A lost packet's note is a node of its own
   * row too, after the sender; its room is shared out over the gaps it
   * spans. */
  g_autofree double *gap = g_new0 (double, n_lifelines);
  g_autofree guint *arrow_at = g_new (guint, q.rows->len + 1);
  for (guint r = 0; r <= q.rows->len; r++)
    arrow_at[r] = G_MAXUINT;
  for (guint i = 0; i < q.arrows->len; i++)
    {
      const Arrow *a = &g_array_index (q.arrows, Arrow, i);
      guint sender = g_array_index (q.rows, Row, a->from_row).lifeline;
      guint receiver = a->to_broker ? broker : a->client;
      g_autofree char *text = packet_text (cfg, &a->pkt,
                                           version_of (cfg, a->client));
      glong chars = g_utf8_strlen (text, -1);
      guint lo = MIN (column[sender], column[receiver]);
      guint hi = MAX (column[sender], column[receiver]);
      if (a->to_row != G_MAXUINT && hi > lo)
        {
          arrow_at[a->from_row] = i;
          guint beside = column[receiver] > column[sender] ? lo : hi - 1;
          gap[beside] = MAX (gap[beside], (double) chars * 0.075 + 0.3);
          continue;
        }
      chars = MAX (chars, (glong) strlen (a->lost) + 2);
      double need = (double) chars * 0.075 + 0.3;
      for (guint g = lo; g < hi; g++)
        gap[g] = MAX (gap[g], need / (double) (hi - lo));
    }

  g_autoptr (SesDot) dot = ses_dot_new ("sequence", TRUE);
  ses_dot_graph_attr (dot, SES_DOT_ROOT, "rankdir", "TB");
  ses_dot_graph_attr (dot, SES_DOT_ROOT, "fontname", FONT);
  ses_dot_graph_attr (dot, SES_DOT_ROOT, "fontsize", "16");
  ses_dot_graph_attr (dot, SES_DOT_ROOT, "labelloc", "t");
  ses_dot_graph_attr (dot, SES_DOT_ROOT, "label",
                      "Message sequence (virtual time runs down)");
  ses_dot_graph_attr (dot, SES_DOT_ROOT, "nodesep", "0.35");
  ses_dot_graph_attr (dot, SES_DOT_ROOT, "ranksep", "0.08");
  ses_dot_graph_attr (dot, SES_DOT_ROOT, "bgcolor", "white");
  /* Straight arrows: a spline would detour around the lifeline points. */
  ses_dot_graph_attr (dot, SES_DOT_ROOT, "splines", "line");
  ses_dot_graph_attr (dot, SES_DOT_ROOT, "outputorder", "edgesfirst");
  ses_dot_node_default (dot, SES_DOT_ROOT, "fontname", FONT);
  ses_dot_node_default (dot, SES_DOT_ROOT, "fontsize", "10");
  ses_dot_edge_default (dot, SES_DOT_ROOT, "fontname", FONT);
  ses_dot_edge_default (dot, SES_DOT_ROOT, "fontsize", "10");

  /* Header row: the lifelines' heads. */
  guint nrows = q.rows->len;
  g_autofree guint *node_at = g_new0 (guint, (nrows + 1) * n_lifelines);
  g_autofree guint *time_node = g_new0 (guint, nrows + 1);
  g_autofree guint *label_node = g_new0 (guint, nrows + 1);
  guint rank = ses_dot_subgraph (dot, SES_DOT_ROOT, NULL);
  guint header = rank;
  ses_dot_graph_attr (dot, rank, "rank", "same");
  time_node[0] = ses_dot_node (dot, rank, "time_head");
  set_node (dot, time_node[0], "label", "virtual time");
  set_node (dot, time_node[0], "shape", "plaintext");
  set_node (dot, time_node[0], "fontcolor", "#606060");
  for (guint k = 0; k < n_cols; k++)
    {
      guint l = at_column[k];
      g_autofree char *id = g_strdup_printf ("head%u", l);
      guint n = ses_dot_node (dot, rank, id);
      node_at[l] = n;
      set_node (dot, n, "shape", "box");
      set_node (dot, n, "style", "filled,bold");
      set_node (dot, n, "fontsize", "12");
      if (l == broker)
        {
          set_node (dot, n, "label", "broker");
          set_node (dot, n, "fillcolor", "#e2e8f0");
        }
      else
        {
          const SesClientConfig *cc = ses_mqtt_config_client (cfg, l);
          g_autofree char *label = g_strdup_printf (
              "%s\nClientId \"%s\"\nMQTT %s", label_of (cfg, l),
              string_of (cfg, cc->client_id),
              ses_profile_get (cc->version)->name);
          set_node (dot, n, "label", label);
          set_node (dot, n, "fillcolor", "#fefcbf");
        }
    }

  SesTime last_time = SES_TIME_NONE;
  guint marked_row = G_MAXUINT;
  for (guint r = 0; r < nrows; r++)
    {
      const Row *row = &g_array_index (q.rows, Row, r);
      const SesObs *o = &g_array_index (log, SesObs, row->obs);
      rank = ses_dot_subgraph (dot, SES_DOT_ROOT, NULL);
      ses_dot_graph_attr (dot, rank, "rank", "same");
      g_autofree char *tid = g_strdup_printf ("t%u", r);
      guint tn = ses_dot_node (dot, rank, tid);
      time_node[r + 1] = tn;
      set_node (dot, tn, "shape", "plaintext");
      set_node (dot, tn, "fontcolor", "#606060");
      set_node (dot, tn, "height", "0.1");
      if (row->gap_last != G_MAXUINT)
        {
          /* A gap says where it starts and ends. */
          SesTime to = g_array_index (log, SesObs, row->gap_last).time_us;
          g_autofree char *a = format_when (o->time_us);
          g_autofree char *b = format_when (to);
          g_autofree char *when = g_strdup_printf ("%s\n...\n%s", a, b);
          set_node (dot, tn, "label", when);
          last_time = to;
        }
      else if (o->time_us != last_time)
        {
          g_autofree char *when = format_when (o->time_us);
          set_node (dot, tn, "label", when);
          last_time = o->time_us;
        }
      else
        set_node (dot, tn, "label", "");
      if (row->marked)
        marked_row = r;
      for (guint k = 0; k < n_cols; k++)
        {
          guint l = at_column[k];
          g_autofree char *id = lifeline_id (l, r);
          guint n = ses_dot_node (dot, rank, id);
          node_at[(r + 1) * n_lifelines + l] = n;
          if (l != row->lifeline || row->note == NULL)
            {
              set_node (dot, n, "shape", "point");
              if (l == row->lifeline)
                {
                  set_node (dot, n, "width", "0.05");
                  set_node (dot, n, "color", "#303030");
                }
              else
                {
                  set_node (dot, n, "width", "0.01");
                  set_node (dot, n, "style", "invis");
                }
              continue;
            }
          set_node (dot, n, "shape", "box");
          set_node (dot, n, "style", row->fault ? "filled,bold"
                                     : row->gap_last != G_MAXUINT
                                         ? "rounded,filled,dashed"
                                         : "rounded,filled");
          set_node (dot, n, "fillcolor", row->fill != NULL ? row->fill
                                                          : "#ffffff");
          set_node (dot, n, "height", "0.2");
          set_node (dot, n, "margin", "0.06,0.02");
          set_node (dot, n, "label", row->note);
          if (row->fault)
            {
              set_node (dot, n, "fontcolor", "white");
              set_node (dot, n, "fontsize", "11");
            }
          if (row->border != NULL)
            set_node (dot, n, "color", row->border);
          if (row->marked)
            {
              set_node (dot, n, "color", "#e00000");
              set_node (dot, n, "penwidth", "3");
            }
          g_autofree char *tip = row->gap_last != G_MAXUINT
              ? g_strdup (row->note)
              : ses_obs_describe (o, ses_mqtt_config_strings (cfg),
                                  ses_mqtt_config_labels (cfg));
          set_node (dot, n, "tooltip", tip);
        }
      /* The label of the packet sent in this row ("pkt_r<r>": the report
       * lights it up with the row). */
      if (arrow_at[r] != G_MAXUINT)
        {
          const Arrow *a = &g_array_index (q.arrows, Arrow, arrow_at[r]);
          g_autofree char *text = packet_text (cfg, &a->pkt,
                                               version_of (cfg, a->client));
          g_autofree char *tip = ses_obs_describe_packet (
              &a->pkt, version_of (cfg, a->client),
              ses_mqtt_config_strings (cfg));
          g_autofree char *html = arrow_label (
              text, NULL, a->marked ? "#e00000" : packet_color (&a->pkt));
          g_autofree char *id = g_strdup_printf ("pkt_r%u", r);
          label_node[r] = ses_dot_node (dot, rank, id);
          ses_dot_node_attr_full (dot, label_node[r], "label", html,
                                  SES_DOT_HTML);
          set_node (dot, label_node[r], "shape", "plaintext");
          set_node (dot, label_node[r], "margin", "0");
          /* No taller than its text (a node is half an inch by default). */
          set_node (dot, label_node[r], "height", "0.1");
          set_node (dot, label_node[r], "width", "0.1");
          set_node (dot, label_node[r], "class", "packet");
          set_node (dot, label_node[r], "tooltip", tip);
        }
    }

  /* The violation note sits at the right end of its row. */
  guint mark_node = G_MAXUINT;
  if (mark != NULL)
    {
      if (marked_row == G_MAXUINT && nrows > 0)
        for (guint r = 0; r < nrows; r++)
          {
            const Row *row = &g_array_index (q.rows, Row, r);
            if (g_array_index (log, SesObs, row->obs).time_us >= mark->time_us
                || r == nrows - 1)
              {
                marked_row = r;
                break;
              }
          }
      GString *text = g_string_new (NULL);
      g_string_append_printf (text, "VIOLATED: %s",
                              mark->invariant != NULL ? mark->invariant
                                                      : "invariant");
      if (mark->rule != NULL)
        g_string_append_printf (text, "\n%s", mark->rule);
      g_autofree char *when = format_when (mark->time_us);
      /* Numbered as the traces number steps (from 1). */
      g_string_append_printf (text, "\nat %s, step %" G_GUINT64_FORMAT,
                              when, mark->obs_index + 1);
      if (mark->message != NULL)
        {
          g_autofree char *msg = wrap_text (mark->message, 44);
          g_string_append_printf (text, "\n%s", msg);
        }
      guint sub = marked_row != G_MAXUINT ? SES_DOT_ROOT : rank;
      mark_node = ses_dot_node (dot, sub, "violation");
      set_node (dot, mark_node, "shape", "note");
      set_node (dot, mark_node, "style", "filled,bold");
      set_node (dot, mark_node, "fillcolor", "#ffe0e0");
      set_node (dot, mark_node, "color", "#e00000");
      set_node (dot, mark_node, "fontcolor", "#900000");
      set_node (dot, mark_node, "fontsize", "11");
      set_node (dot, mark_node, "label", text->str);
      g_string_free (text, TRUE);
    }

  /* Order within each row: time, then the lifelines left to right, then
   * nodes of lost packets next to their sender, and the violation note. */
  for (guint r = 0; r <= nrows; r++)
    {
      guint prev = time_node[r];
      /* The row's packet label goes beside its sender, held there. */
      guint label_col = G_MAXUINT;
      gboolean label_right = FALSE;
      if (r > 0 && arrow_at[r - 1] != G_MAXUINT)
        {
          const Arrow *a = &g_array_index (q.arrows, Arrow, arrow_at[r - 1]);
          guint sender = g_array_index (q.rows, Row, a->from_row).lifeline;
          guint receiver = a->to_broker ? broker : a->client;
          label_col = column[sender];
          label_right = column[receiver] > column[sender];
        }
      for (guint k = 0; k < n_cols; k++)
        {
          guint n = node_at[r * n_lifelines + at_column[k]];
          guint e;
          if (k == label_col && !label_right)
            {
              e = ses_dot_edge (dot, prev, label_node[r - 1]);
              set_edge (dot, e, "style", "invis");
              prev = label_node[r - 1];
            }
          e = ses_dot_edge (dot, prev, n);
          set_edge (dot, e, "style", "invis");
          if (k == label_col && !label_right)
            set_edge (dot, e, "weight", "10");
          prev = n;
          if (k == label_col && label_right)
            {
              e = ses_dot_edge (dot, prev, label_node[r - 1]);
              set_edge (dot, e, "style", "invis");
              set_edge (dot, e, "weight", "10");
              prev = label_node[r - 1];
            }
          if (r == 0 && k + 1 < n_cols)
            {
              g_autofree char *id = g_strdup_printf ("gap%u", k);
              guint spacer = ses_dot_node (dot, header, id);
              g_autofree char *w = ses_dot_double (MAX (gap[k] - 0.6, 0.1));
              set_node (dot, spacer, "shape", "box");
              set_node (dot, spacer, "style", "invis");
              set_node (dot, spacer, "label", "");
              set_node (dot, spacer, "fixedsize", "true");
              set_node (dot, spacer, "width", w);
              set_node (dot, spacer, "height", "0.1");
              e = ses_dot_edge (dot, prev, spacer);
              set_edge (dot, e, "style", "invis");
              prev = spacer;
            }
        }
      if (r > 0 && r - 1 == marked_row && mark_node != G_MAXUINT)
        {
          /* The note belongs to this row's rank. */
          guint e = ses_dot_edge (dot, prev, mark_node);
          set_edge (dot, e, "style", "invis");
        }
    }
  if (mark_node != G_MAXUINT && marked_row != G_MAXUINT)
    {
      guint sub = ses_dot_subgraph (dot, SES_DOT_ROOT, NULL);
      ses_dot_graph_attr (dot, sub, "rank", "same");
      ses_dot_subgraph_add_node (dot, sub, time_node[marked_row + 1]);
      ses_dot_subgraph_add_node (dot, sub, mark_node);
      const Row *row = &g_array_index (q.rows, Row, marked_row);
      guint from = node_at[(marked_row + 1) * n_lifelines + row->lifeline];
      guint e = ses_dot_edge (dot, from, mark_node);
      set_edge (dot, e, "color", "#e00000");
      set_edge (dot, e, "style", "dashed");
      set_edge (dot, e, "penwidth", "2");
      set_edge (dot, e, "arrowhead", "none");
    }

  /* Lifelines: one segment per row; a client's is bold while it is
   * connected, thin while connecting, dashed while offline. */
  for (guint r = 0; r < nrows; r++)
    {
      guint e = ses_dot_edge (dot, time_node[r], time_node[r + 1]);
      set_edge (dot, e, "style", "invis");
      set_edge (dot, e, "weight", "100");
      const Row *below = &g_array_index (q.rows, Row, r);
      for (guint l = 0; l < n_lifelines; l++)
        {
          if (!visible[l])
            continue;
          guint head = node_at[(r + 1) * n_lifelines + l];
          e = ses_dot_edge (dot, node_at[r * n_lifelines + l], head);
          set_edge (dot, e, "arrowhead", "none");
          /* Heavy enough to outweigh every row's ordering edges: where a
           * row's label needs more room than the head row gives, the
           * whole column moves over rather than the lifeline bending. */
          set_edge (dot, e, "weight", "1000");
          set_edge (dot, e, "headclip", "false");
          set_edge (dot, e, "tailclip", "false");
          const char *color = "#4a5568";
          const char *width = "2";
          const char *dot_width = "0.03";
          guint8 link = l == broker ? LINK_ONLINE
                                    : q.link->data[r * q.n_clients + l];
          if (l != broker && link == LINK_ONLINE)
            {
              color = "#2f855a";
              width = "3";
              dot_width = "0.042";
            }
          else if (l != broker && link == LINK_CONNECTING)
            {
              color = "#2f855a";
              width = "1";
              dot_width = "0.015";
            }
          else if (l != broker)
            {
              set_edge (dot, e, "color", "#a0a0a0");
              set_edge (dot, e, "style", "dashed");
              continue;
            }
          set_edge (dot, e, "color", color);
          set_edge (dot, e, "penwidth", width);
          /* Time folded away: the lifelines run dotted into the gap. */
          if (below->gap_last != G_MAXUINT)
            set_edge (dot, e, "style", "dotted");
          /* Graphviz stops each segment a point short of the row's node:
           * a dot of the line's colour closes the gap. */
          if (below->lifeline != l)
            {
              set_node (dot, head, "style", "filled");
              set_node (dot, head, "color", color);
              set_node (dot, head, "width", dot_width);
            }
        }
    }

  /* Packets. */
  for (guint i = 0; i < q.arrows->len; i++)
    {
      const Arrow *a = &g_array_index (q.arrows, Arrow, i);
      const Row *from_row = &g_array_index (q.rows, Row, a->from_row);
      guint from = node_at[(a->from_row + 1) * n_lifelines
                           + from_row->lifeline];
      g_autofree char *text = packet_text (cfg, &a->pkt,
                                           version_of (cfg, a->client));
      g_autofree char *tip = ses_obs_describe_packet (
          &a->pkt, version_of (cfg, a->client),
          ses_mqtt_config_strings (cfg));
      const char *color = a->marked ? "#e00000" : packet_color (&a->pkt);
      guint e;
      if (a->to_row != G_MAXUINT)
        {
          const Row *to_row = &g_array_index (q.rows, Row, a->to_row);
          guint to = node_at[(a->to_row + 1) * n_lifelines + to_row->lifeline];
          e = ses_dot_edge (dot, from, to);
          /* No part in the ranking, so the arrow stays a straight line
           * between the two lifelines; its label is the node beside the
           * sender (pkt_r<row>). */
          set_edge (dot, e, "constraint", "false");
          set_edge (dot, e, "class", "packet");
        }
      else
        {
          /* Never arrived: a red dashed arrow from the sender towards
           * the receiver, ending in a cross with the packet and why. */
          color = a->marked ? "#e00000" : "#c53030";
          guint receiver = a->to_broker ? broker : a->client;
          gboolean rightwards = column[receiver] > column[from_row->lifeline];
          g_autofree char *id = g_strdup_printf ("lost%u", i);
          guint x = ses_dot_node (dot, SES_DOT_ROOT, id);
          g_autofree char *html = lost_label (text, a->lost, color,
                                              rightwards);
          ses_dot_node_attr_full (dot, x, "label", html, SES_DOT_HTML);
          set_node (dot, x, "shape", "plaintext");
          set_node (dot, x, "margin", "0");
          set_node (dot, x, "class", "lost");
          set_node (dot, x, "tooltip", tip);
          guint sub = ses_dot_subgraph (dot, SES_DOT_ROOT, NULL);
          ses_dot_graph_attr (dot, sub, "rank", "same");
          ses_dot_subgraph_add_node (dot, sub, from);
          ses_dot_subgraph_add_node (dot, sub, x);
          e = rightwards ? ses_dot_edge (dot, from, x)
                         : ses_dot_edge (dot, x, from);
          if (!rightwards)
            set_edge (dot, e, "dir", "back");
          set_edge (dot, e, "style", "dashed");
          set_edge (dot, e, rightwards ? "arrowhead" : "arrowtail", "open");
          set_edge (dot, e, "minlen", "2");
          set_edge (dot, e, "class", "lost");
        }
      set_edge (dot, e, "color", color);
      set_edge (dot, e, "tooltip", tip);
      if (a->marked)
        {
          set_edge (dot, e, "penwidth", "3");
          set_edge (dot, e, "class", "violation");
        }
    }

  g_array_unref (q.rows);
  g_array_unref (q.arrows);
  for (guint i = 0; i < q.n_clients * 2; i++)
    g_array_unref (q.pending[i]);
  g_free (q.pending);
  g_byte_array_unref (q.link);
  g_free (q.link_now);
  return g_steal_pointer (&dot);
}

GArray *
ses_diagram_sequence_rows (SesMqtt *mqtt, const SesDiagramMark *mark)
{
  SesMqttConfig *cfg = ses_mqtt_config (mqtt);
  Seq q = { .mqtt = mqtt, .cfg = cfg,
            .n_clients = ses_mqtt_config_n_clients (cfg) };
  q.rows = g_array_new (FALSE, FALSE, sizeof (Row));
  g_array_set_clear_func (q.rows, row_clear);
  q.arrows = g_array_new (FALSE, FALSE, sizeof (Arrow));
  q.pending = g_new0 (GArray *, q.n_clients * 2);
  for (guint i = 0; i < q.n_clients * 2; i++)
    q.pending[i] = g_array_new (FALSE, FALSE, sizeof (guint));
  q.link = g_byte_array_new ();
  q.link_now = g_new0 (guint8, MAX (q.n_clients, 1));
  seq_collect (&q, mark);
  seq_compress_idle (&q);
  GArray *out = g_array_sized_new (FALSE, FALSE, sizeof (guint), q.rows->len);
  for (guint r = 0; r < q.rows->len; r++)
    g_array_append_val (out, g_array_index (q.rows, Row, r).obs);
  g_array_unref (q.rows);
  g_array_unref (q.arrows);
  for (guint i = 0; i < q.n_clients * 2; i++)
    g_array_unref (q.pending[i]);
  g_free (q.pending);
  g_byte_array_unref (q.link);
  g_free (q.link_now);
  return out;
}

char *
ses_diagram_lifecycle_dot (SesMqtt *mqtt, guint32 session)
{
  g_autoptr (SesDot) dot = lifecycle_graph (mqtt, session);
  return ses_dot_to_string (dot);
}

char *
ses_diagram_generic_lifecycle_dot (SesMqttVersion version)
{
  g_autoptr (SesDot) dot = generic_graph (version);
  return ses_dot_to_string (dot);
}

/* ---- files --------------------------------------------------------------- */

gboolean
ses_diagram_write_all (SesMqtt *mqtt, const char *what, const char *format,
                       const char *dir, const SesDiagramMark *mark,
                       const SesDiagramFilter *filter, GError **error)
{
  gboolean lifecycle = g_strcmp0 (what, "lifecycle") == 0
                       || g_strcmp0 (what, "all") == 0;
  gboolean sequence = g_strcmp0 (what, "sequence") == 0
                      || g_strcmp0 (what, "all") == 0;
  if (!lifecycle && !sequence)
    {
      g_set_error (error, SES_ERROR, SES_ERROR_INVALID,
                   "unknown diagram '%s' (use lifecycle, sequence or all)",
                   what != NULL ? what : "");
      return FALSE;
    }
  if (!ses_render_format_supported (format))
    {
      g_set_error (error, SES_ERROR, SES_ERROR_UNSUPPORTED,
                   "unknown diagram format '%s' (use dot, svg or png)",
                   format != NULL ? format : "");
      return FALSE;
    }
  SesMqttConfig *cfg = ses_mqtt_config (mqtt);
  if (lifecycle)
    for (guint32 s = 0; s < ses_mqtt_config_n_sessions (cfg); s++)
      {
        gboolean shown = filter == NULL || filter->clients == NULL;
        for (guint c = 0; c < ses_mqtt_config_n_clients (cfg) && !shown; c++)
          shown = ses_mqtt_config_client_session (cfg, c) == s
                  && ses_diagram_filter_shows_client (filter, c);
        if (!shown)
          continue;
        g_autofree char *name = ses_diagram_session_name (mqtt, s);
        g_autofree char *file = g_strdup_printf ("lifecycle-%s.%s", name,
                                                 format);
        g_autofree char *path = g_build_filename (dir, file, NULL);
        g_autoptr (SesDot) dot = lifecycle_graph (mqtt, s);
        if (!ses_render_dot_to_file (dot, format, path, error))
          return FALSE;
      }
  if (sequence)
    {
      g_autofree char *file = g_strdup_printf ("sequence.%s", format);
      g_autofree char *path = g_build_filename (dir, file, NULL);
      g_autoptr (SesDot) dot = sequence_graph (mqtt, mark, filter);
      if (!ses_render_dot_to_file (dot, format, path, error))
        return FALSE;
    }
  return TRUE;
}

gboolean
ses_diagram_generic_lifecycle (SesMqttVersion version, const char *format,
                               const char *path, GError **error)
{
  g_autoptr (SesDot) dot = generic_graph (version);
  return ses_render_dot_to_file (dot, format, path, error);
}
