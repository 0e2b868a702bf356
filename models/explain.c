/* The teaching narration: each step's reason from the settings in force,
 * the rule (version and ID) and, where a setting decided it, the outcome
 * under the other setting. It remembers what earlier steps said each side
 * asked for (the CONNECT's flags, how a connection ended) and reads the
 * session state before the step from a snapshot. Invariant: no sentence
 * only restates its trace line; a step with nothing to add gets none. */
#include "explain.h"

#include <string.h>
#include "mqtt-private.h"
#include "profile.h"
#include "topic.h"

typedef struct {
  guint8 sent_clean;     /* the last CONNECT's clean flag */
  guint8 sent_expiry;    /* it carried a Session Expiry Interval */
  guint32 expiry_s;      /* that interval */
  guint8 connected_once; /* a CONNACK has been received */
  guint8 has_will;       /* the last CONNECT carried a will */
  guint16 last_kind;     /* the kind of its previous observation */
  guint16 lost_cause;    /* how its last connection ended (SesCause) */
  SesTime lost_at_us;
  guint8 lingering;      /* it sent DISCONNECT and reads on until the
                            broker closes (disconnect linger=) */
  guint32 linger_ms;     /* for at most this long */
} ClientMemory;

struct _SesExplainer {
  SesMqttConfig *cfg;    /* (owned) a reference */
  ClientMemory *clients; /* by client index */
  guint n_clients;
};

SesExplainer *
ses_explainer_new (SesMqttConfig *cfg)
{
  SesExplainer *ex = g_new0 (SesExplainer, 1);
  ex->cfg = ses_mqtt_config_ref (cfg);
  ex->n_clients = ses_mqtt_config_n_clients (cfg);
  ex->clients = g_new0 (ClientMemory, MAX (ex->n_clients, 1));
  for (guint i = 0; i < ex->n_clients; i++)
    ex->clients[i].lost_at_us = SES_TIME_NONE;
  return ex;
}

void
ses_explainer_free (SesExplainer *ex)
{
  if (ex == NULL)
    return;
  ses_mqtt_config_unref (ex->cfg);
  g_free (ex->clients);
  g_free (ex);
}

/* ---- words ---------------------------------------------------------------- */

static const char *
str (SesExplainer *ex, guint32 id)
{
  const char *s = id != 0 ? ses_intern_get (ses_mqtt_config_strings (ex->cfg),
                                            id)
                          : NULL;
  return s != NULL ? s : "";
}

static const char *
who (SesExplainer *ex, guint32 client)
{
  if (client < ex->n_clients)
    return g_ptr_array_index (ses_mqtt_config_labels (ex->cfg), client);
  return "the broker";
}

static const SesClientConfig *
client_cfg (SesExplainer *ex, guint32 client)
{
  return client < ex->n_clients ? ses_mqtt_config_client (ex->cfg, client)
                                : NULL;
}

static const SesProfile *
profile (SesExplainer *ex, guint32 client)
{
  const SesClientConfig *c = client_cfg (ex, client);
  return ses_profile_get (c != NULL ? c->version : SES_MQTT_5);
}

/* "300 s", "1 h", "never". */
static char *
interval (guint32 s)
{
  if (s == SES_EXPIRY_NEVER)
    return g_strdup ("never");
  if (s != 0 && s % 3600 == 0)
    return g_strdup_printf ("%u h", s / 3600);
  if (s != 0 && s % 60 == 0)
    return g_strdup_printf ("%u min", s / 60);
  return g_strdup_printf ("%u s", s);
}

static char *
at_words (SesTime t)
{
  return ses_time_format (t);
}

/* A linger bound, in the unit it was most likely written in. */
static char *
ms_words (guint32 ms)
{
  if (ms % 1000 == 0)
    return g_strdup_printf ("%u s", ms / 1000);
  return g_strdup_printf ("%u ms", ms);
}

static const char *
clean_name (const SesProfile *p)
{
  return p->has_session_expiry ? "Clean Start" : "Clean Session";
}

static const SesSnapSession *
snap_session (const SesSnapshot *s, guint32 session)
{
  if (s == NULL || session >= s->sessions->len)
    return NULL;
  return &g_array_index (s->sessions, SesSnapSession, session);
}

static const SesSnapClient *
snap_client (const SesSnapshot *s, guint32 client)
{
  if (s == NULL || client >= s->clients->len)
    return NULL;
  return &g_array_index (s->clients, SesSnapClient, client);
}

static guint32
client_session (SesExplainer *ex, guint32 client)
{
  return client < ex->n_clients
           ? g_array_index (ex->cfg->client_session, guint32, client)
           : G_MAXUINT32;
}

static guint32
session_of (SesExplainer *ex, const SesObs *obs)
{
  return obs->session != G_MAXUINT32 ? obs->session
                                     : client_session (ex, obs->client);
}

/* What the session held that a discard throws away: "2 subscriptions and
 * 3 messages", or NULL when it held nothing. */
static char *
held_words (const SesSnapSession *s)
{
  if (s == NULL || !s->exists)
    return NULL;
  guint msgs = s->unacked->len + s->waiting->len;
  if (s->subs->len == 0 && msgs == 0 && s->incoming->len == 0)
    return NULL;
  GString *out = g_string_new (NULL);
  if (s->subs->len > 0)
    g_string_append_printf (out, "%u subscription%s", s->subs->len,
                            s->subs->len == 1 ? "" : "s");
  if (msgs > 0)
    g_string_append_printf (out, "%s%u message%s owed to the client",
                            out->len ? ", " : "", msgs, msgs == 1 ? "" : "s");
  if (s->incoming->len > 0)
    g_string_append_printf (out, "%s%u incomplete incoming QoS 2 exchange%s",
                            out->len ? ", " : "", s->incoming->len,
                            s->incoming->len == 1 ? "" : "s");
  return g_string_free (out, FALSE);
}

/* How long the session outlives the connection, as the client asked. */
static char *
lifetime_words (SesExplainer *ex, guint32 client, gboolean clean,
                gboolean has_expiry, guint32 expiry_s)
{
  const SesProfile *p = profile (ex, client);
  if (!p->has_session_expiry)
    return g_strdup (clean
                       ? "it lasts only as long as this connection"
                       : "it outlives the connection, with no time limit in "
                         "3.1.1");
  if (!has_expiry || expiry_s == 0)
    return g_strdup ("no Session Expiry Interval (0): the session ends when "
                     "this connection closes, so nothing is kept or queued "
                     "while it is away; any expiry > 0 would keep it "
                     "(5.0 §3.1.2.11.2)");
  if (expiry_s == SES_EXPIRY_NEVER)
    return g_strdup ("Session Expiry 0xFFFFFFFF: the broker keeps the session "
                     "with no time limit after the connection ends "
                     "(5.0 §3.1.2.11.2)");
  g_autofree char *e = interval (expiry_s);
  return g_strdup_printf ("Session Expiry %s: the broker keeps the session "
                          "for %s after the connection ends; with 0 it would "
                          "end with the connection (5.0 [MQTT-3.1.2-23])", e,
                          e);
}

/* ---- the client's requests ------------------------------------------------- */

static char *
explain_connect (SesExplainer *ex, const SesObs *obs, const SesSnapshot *before)
{
  const SesPacket *p = &obs->pkt;
  const SesProfile *prof = profile (ex, obs->client);
  ClientMemory *m = &ex->clients[obs->client];
  gboolean clean = (p->flags & SES_PKT_F_CLEAN) != 0;
  gboolean has_expiry = (p->flags & SES_PKT_F_HAS_EXPIRY) != 0;
  m->sent_clean = clean;
  m->has_will = p->will != 0;
  m->sent_expiry = has_expiry;
  m->expiry_s = p->expiry_s;
  GString *out = g_string_new (NULL);
  const SesSnapSession *s = snap_session (before,
                                          client_session (ex, obs->client));
  if (clean)
    {
      g_autofree char *held = held_words (s);
      if (held != NULL)
        g_string_append_printf (out, "%s 1: the broker must discard the "
                                "session it holds for \"%s\" (%s) and start "
                                "an empty one (%s)", clean_name (prof),
                                str (ex, p->client_id), held, prof->rule_clean);
      else
        g_string_append_printf (out, "%s 1: whatever the broker holds for "
                                "\"%s\" is discarded and an empty session "
                                "starts (%s)", clean_name (prof),
                                str (ex, p->client_id), prof->rule_clean);
    }
  else if (s != NULL && s->exists)
    g_string_append_printf (out, "%s 0 and the broker still holds a session "
                            "for \"%s\": it will be resumed with what it "
                            "holds (%s)", clean_name (prof),
                            str (ex, p->client_id), prof->rule_resume);
  else
    g_string_append_printf (out, "%s 0: resume the session for \"%s\" if the "
                            "broker has one, else start a new one (%s)",
                            clean_name (prof), str (ex, p->client_id),
                            prof->rule_resume);
  g_autofree char *life = lifetime_words (ex, obs->client, clean, has_expiry,
                                          p->expiry_s);
  g_string_append_printf (out, "; %s.", life);
  if (p->will != 0)
    {
      const SesWill *w = ses_mqtt_config_will (ex->cfg, p->will);
      if (prof->will_in_session && w->delay_s > 0)
        g_string_append_printf (out, " Its will on \"%s\" goes out if the "
                                "connection ends without DISCONNECT 0x00, "
                                "after a Will Delay of %u s unless it comes "
                                "back first (5.0 [MQTT-3.1.3-9]).",
                                str (ex, w->topic), w->delay_s);
      else
        g_string_append_printf (out, " Its will on \"%s\" goes out if the "
                                "connection ends without a clean DISCONNECT "
                                "(%s).", str (ex, w->topic),
                                prof->rule_will_publish);
    }
  const SesSnapClient *c = snap_client (before, obs->client);
  if (c != NULL && c->unacked->len > 0)
    g_string_append_printf (out, " It still holds %u unacknowledged "
                            "message%s of its own and will send %s again "
                            "once connected (%s).", c->unacked->len,
                            c->unacked->len == 1 ? "" : "s",
                            c->unacked->len == 1 ? "it" : "them",
                            prof->rule_resend);
  return g_string_free (out, FALSE);
}

static char *
explain_client_send (SesExplainer *ex, const SesObs *obs,
                     const SesSnapshot *before)
{
  const SesPacket *p = &obs->pkt;
  const SesProfile *prof = profile (ex, obs->client);
  const char *me = who (ex, obs->client);
  switch ((SesPacketType) p->type)
    {
    case SES_PKT_CONNECT:
      return explain_connect (ex, obs, before);
    case SES_PKT_SUBSCRIBE:
      {
        ClientMemory *m = &ex->clients[obs->client];
        if (!prof->has_session_expiry)
          return g_strdup_printf ("A subscription is part of the session, not "
                                  "of the connection: with Clean Session %d "
                                  "it %s (%s).", m->sent_clean ? 1 : 0,
                                  m->sent_clean ? "ends with this connection"
                                                : "stays after it",
                                  m->sent_clean ? prof->rule_clean
                                                : prof->rule_resume);
        if (!m->sent_expiry || m->expiry_s == 0)
          return g_strdup ("A subscription is part of the session, not of "
                           "the connection: with Session Expiry 0 it ends "
                           "when this connection does (5.0 §3.1.2.11.2).");
        g_autofree char *e = interval (m->expiry_s);
        return g_strdup_printf ("A subscription is part of the session, not "
                                "of the connection: it stays while the "
                                "session does, %s%s after the connection "
                                "ends (5.0 [MQTT-3.1.2-23]).",
                                m->expiry_s == SES_EXPIRY_NEVER ? "" : "up to ",
                                e);
      }
    case SES_PKT_UNSUBSCRIBE:
      return g_strdup_printf ("Once the broker removes the subscription it "
                              "adds no new messages for it to the session "
                              "(%s).", prof->rule_unsubscribe);
    case SES_PKT_PUBLISH:
      if (p->flags & SES_PKT_F_DUP)
        return g_strdup_printf ("A resend: %s sent this message on an earlier "
                                "connection and never saw it acknowledged, "
                                "so it sends it again with DUP 1 and the "
                                "same packet id (%s, %s).", me,
                                prof->rule_resend, prof->rule_dup);
      if (p->qos == 0)
        return g_strdup_printf ("QoS 0: sent once and not kept; if the "
                                "connection fails before the broker has it, "
                                "it is gone.");
      if (p->qos == 1)
        return g_strdup_printf ("QoS 1: %s keeps the message until PUBACK, "
                                "and would resend it with DUP on a new "
                                "connection if none came (%s).", me,
                                prof->rule_resend);
      return g_strdup_printf ("QoS 2: %s keeps the message until PUBREC, "
                              "then the packet id until PUBCOMP, so it is "
                              "delivered exactly once (%s).", me,
                              prof->rule_qos2_sender);
    case SES_PKT_PUBREL:
      return g_strdup_printf ("PUBREC came back, so the broker has the "
                              "message: %s releases packet id %u and must "
                              "never send that PUBLISH again (%s).", me,
                              p->packet_id, prof->rule_qos2_sender);
    case SES_PKT_PUBACK:
      return g_strdup_printf ("QoS 1 receiver: acknowledging lets the broker "
                              "drop its copy; until then it would resend it "
                              "(%s).", prof->rule_qos1_ack);
    case SES_PKT_PUBREC:
      return g_strdup_printf ("QoS 2 receiver: %s now holds packet id %u "
                              "until PUBREL, so a resend with that id is not "
                              "delivered twice (%s).", me, p->packet_id,
                              prof->rule_qos2_dedup);
    case SES_PKT_PUBCOMP:
      return g_strdup_printf ("PUBREL arrived: %s forgets packet id %u, which "
                              "completes the QoS 2 exchange (%s).", me,
                              p->packet_id, prof->rule_qos2_pubrel);
    case SES_PKT_DISCONNECT:
      {
        ClientMemory *m = &ex->clients[obs->client];
        if (prof->has_session_expiry && (p->flags & SES_PKT_F_HAS_EXPIRY)
            && p->expiry_s != 0 && (!m->sent_expiry || m->expiry_s == 0))
          {
            g_autofree char *e = interval (p->expiry_s);
            return g_strdup_printf ("This DISCONNECT asks for Session Expiry "
                                    "%s, but the CONNECT had 0: a non-zero "
                                    "expiry here is a Protocol Error (5.0 "
                                    "§3.14.2.2.2), so the broker will not "
                                    "take it as a normal DISCONNECT%s.", e,
                                    m->has_will ? " and the will stays due"
                                                : "");
          }
        GString *out = g_string_new (NULL);
        if (!prof->server_disconnect)
          /* 3.1.1: no reason codes, and any DISCONNECT deletes the will. */
          g_string_append_printf (out, "A DISCONNECT%s",
                                  m->has_will ? ": the will is deleted "
                                                "unpublished" : "");
        else if (p->reason == SES_RC_SUCCESS)
          g_string_append_printf (out, "A normal DISCONNECT (0x00)%s",
                                  m->has_will ? ": the will is deleted "
                                                "unpublished" : "");
        else if (p->reason == SES_RC_DISCONNECT_WITH_WILL)
          g_string_append (out, "DISCONNECT 0x04, Disconnect with Will "
                           "Message: a deliberate close that still asks for "
                           "the will");
        else
          g_string_append_printf (out, "DISCONNECT 0x%02X: %s closes because "
                                  "of an error%s", p->reason, me,
                                  m->has_will ? ", and only 0x00 deletes a "
                                                "will, so its will is still "
                                                "due" : "");
        if (m->has_will)
          g_string_append_printf (out, " (%s)", p->reason == SES_RC_SUCCESS
                                                  ? prof->rule_will_discard
                                                  : "5.0 [MQTT-3.1.2-8]");
        if (prof->has_session_expiry && (p->flags & SES_PKT_F_HAS_EXPIRY))
          {
            g_autofree char *e = interval (p->expiry_s);
            g_string_append_printf (out, "; it sets a new Session Expiry of "
                                    "%s (5.0 §3.14.2.2.2)", e);
          }
        if (!prof->has_session_expiry)
          g_string_append_printf (out, ". Closing does not decide the "
                                  "session: Clean Session %d does (%s).",
                                  m->sent_clean ? 1 : 0,
                                  m->sent_clean ? prof->rule_clean
                                                : prof->rule_resume);
        else
          g_string_append (out, ". Closing does not decide the session: its "
                           "Session Expiry does.");
        return g_string_free (out, FALSE);
      }
    case SES_PKT_PINGREQ:
      {
        const SesClientConfig *c = client_cfg (ex, obs->client);
        return g_strdup_printf ("Keep Alive %u s: with nothing else to send, "
                                "%s shows it is alive, or the broker would "
                                "close after 1.5 x %u s (%s).",
                                c ? c->keep_alive_s : 0, me,
                                c ? c->keep_alive_s : 0, prof->rule_keep_alive);
      }
    default:
      return NULL;
    }
}

/* ---- the broker's packets --------------------------------------------------- */

static gboolean
was_waiting (SesExplainer *ex, const SesSnapSession *s, const SesPacket *p)
{
  if (s == NULL || !s->exists)
    return FALSE;
  for (guint i = 0; i < s->waiting->len; i++)
    {
      const SesSnapMsg *m = &g_array_index (s->waiting, SesSnapMsg, i);
      if (m->qos == p->qos && g_strcmp0 (m->topic, str (ex, p->topic)) == 0
          && g_strcmp0 (m->payload, str (ex, p->payload)) == 0)
        return TRUE;
    }
  return FALSE;
}

static char *
explain_broker_send (SesExplainer *ex, const SesObs *obs,
                     const SesSnapshot *before)
{
  const SesPacket *p = &obs->pkt;
  const SesProfile *prof = profile (ex, obs->client);
  const char *to = who (ex, obs->client);
  const SesBrokerConfig *b = ses_mqtt_config_broker (ex->cfg);
  switch ((SesPacketType) p->type)
    {
    case SES_PKT_CONNACK:
      {
        if (p->reason != SES_RC_SUCCESS)
          return g_strdup_printf ("The connection is refused, so Session "
                                  "Present must be 0 (%s).",
                                  prof->rule_sp_reject);
        GString *out = g_string_new (NULL);
        if ((p->flags & SES_PKT_F_SESSION_PRESENT)
            && ex->clients[obs->client].sent_clean)
          g_string_append_printf (out, "Session Present 1 after %s 1 is "
                                  "wrong: it must be 0 (%s); %s would "
                                  "believe stale state is still there.",
                                  clean_name (prof), prof->rule_sp_clean, to);
        else if (p->flags & SES_PKT_F_SESSION_PRESENT)
          g_string_append_printf (out, "Session Present 1: the broker had "
                                  "kept %s's session and resumed it, so %s "
                                  "need not subscribe again (%s).", to, to,
                                  prof->rule_sp_resumed);
        else if (ex->clients[obs->client].sent_clean)
          g_string_append_printf (out, "Session Present 0, as %s 1 always "
                                  "gives (%s).", clean_name (prof),
                                  prof->rule_sp_clean);
        else if (ex->clients[obs->client].connected_once)
          g_string_append_printf (out, "Session Present 0: the session %s "
                                  "had is gone, so it starts empty and must "
                                  "subscribe again (%s).", to,
                                  prof->rule_sp_new);
        else
          g_string_append_printf (out, "Session Present 0: there was no "
                                  "session to resume, so %s starts with no "
                                  "subscriptions (%s).", to,
                                  prof->rule_sp_new);
        if (prof->has_session_expiry && (p->flags & SES_PKT_F_HAS_EXPIRY))
          {
            g_autofree char *cap = interval (p->expiry_s);
            g_string_append_printf (out, " The broker caps Session Expiry at "
                                    "%s (its max-session-expiry), and that "
                                    "value is the one in force (5.0 "
                                    "§3.2.2.3.2).", cap);
          }
        if (prof->has_receive_max && p->receive_max != 0
            && p->receive_max != 65535)
          g_string_append_printf (out, " Receive Maximum %u: %s may have at "
                                  "most that many QoS 1/2 messages "
                                  "unacknowledged toward the broker (5.0 "
                                  "[MQTT-4.9.0-2]).", p->receive_max, to);
        return g_string_free (out, FALSE);
      }
    case SES_PKT_SUBACK:
      if (p->qos < 0x80 && p->qos < 2 && b->max_qos == p->qos)
        return g_strdup_printf ("Granted QoS %u: the broker's maximum QoS is "
                                "%u, so messages reach %s at no more than "
                                "that (%s).", p->qos, b->max_qos, to,
                                prof->rule_granted_qos);
      return NULL;
    case SES_PKT_PUBLISH:
      {
        const SesSnapSession *s = snap_session (
            before, client_session (ex, obs->client));
        GString *out = g_string_new (NULL);
        if (p->flags & SES_PKT_F_DUP)
          g_string_append_printf (out, "A resend with DUP 1: the broker sent "
                                  "this on an earlier connection of the same "
                                  "session and got no acknowledgement, so it "
                                  "sends it again first (%s, %s).",
                                  prof->rule_resend, prof->rule_dup);
        else if (p->flags & SES_PKT_F_WILL)
          g_string_append_printf (out, "The will goes to each matching "
                                  "subscriber like any message.");
        else if (was_waiting (ex, s, p) && !s->connected)
          g_string_append_printf (out, "This copy waited in the session while "
                                  "%s was away; it is sent now that the "
                                  "session is resumed (%s).", to,
                                  prof->rule_offline_queue);
        else if (p->qos == 0)
          g_string_append_printf (out, "QoS 0 to %s: sent once, not kept in "
                                  "the session.", to);
        else
          g_string_append_printf (out, "QoS %u to %s: the broker keeps it in "
                                  "the session as sent and unacknowledged "
                                  "until %s (%s).", p->qos, to,
                                  p->qos == 1 ? "PUBACK" : "PUBCOMP",
                                  p->qos == 1 ? prof->rule_qos1_ack
                                              : prof->rule_qos2_sender);
        if (p->flags & SES_PKT_F_RETAIN)
          g_string_append (out, " It is a retained message, sent because a "
                           "new subscription matched it.");
        return g_string_free (out, FALSE);
      }
    case SES_PKT_PUBACK:
      return g_strdup_printf ("PUBACK lets %s forget its copy. Had it been "
                              "lost, %s would resend with DUP and "
                              "subscribers could get the message twice, "
                              "which QoS 1 allows (%s).", to, to,
                              prof->rule_qos1_ack);
    case SES_PKT_PUBREC:
      return g_strdup_printf ("The broker stores packet id %u as received "
                              "until PUBREL, so a resend is not forwarded "
                              "twice (%s).", p->packet_id,
                              prof->rule_qos2_dedup);
    case SES_PKT_PUBREL:
      return g_strdup_printf ("%s answered PUBREC: the broker drops the "
                              "message and keeps only packet id %u until "
                              "PUBCOMP; it must not send the PUBLISH again "
                              "(%s).", to, p->packet_id,
                              prof->rule_qos2_sender);
    case SES_PKT_PUBCOMP:
      return g_strdup_printf ("PUBREL seen: the broker forgets packet id %u; "
                              "the exchange is complete and %s may reuse the "
                              "id (%s).", p->packet_id, to,
                              prof->rule_qos2_pubrel);
    case SES_PKT_DISCONNECT:
      switch (p->reason)
        {
        case SES_RC_SESSION_TAKEN_OVER:
          return g_strdup_printf ("Reason 0x8E, Session taken over: another "
                                  "connection with the same ClientId "
                                  "arrived, and only one may hold the "
                                  "session (%s).", prof->rule_takeover);
        case SES_RC_KEEP_ALIVE_TIMEOUT:
          return g_strdup_printf ("Reason 0x8D, Keep Alive timeout (%s).",
                                  prof->rule_keep_alive);
        case SES_RC_PROTOCOL_ERROR:
          return g_strdup ("Reason 0x82, Protocol Error: the broker does not "
                           "accept the packet it got and closes, as if the "
                           "network failed, so a will is still due.");
        default:
          return NULL;
        }
    default:
      return NULL;
    }
}

/* ---- everything else -------------------------------------------------------- */

static char *
explain_session_end (SesExplainer *ex, const SesObs *obs,
                     const SesSnapshot *before)
{
  const SesProfile *prof = profile (ex, obs->client);
  const char *me = who (ex, obs->client);
  const SesSnapSession *s = snap_session (before, session_of (ex, obs));
  g_autofree char *held = held_words (s);
  g_autofree char *gone = held != NULL
      ? g_strdup_printf (" Gone with it: %s.", held)
      : g_strdup ("");
  const SesBrokerConfig *b = ses_mqtt_config_broker (ex->cfg);
  switch ((SesCause) obs->cause)
    {
    case SES_CAUSE_EXPIRED:
      {
        g_autofree char *e = s != NULL ? interval (s->expiry_s) : NULL;
        g_autofree char *since = ex->clients[obs->client].lost_at_us != SES_TIME_NONE
            ? at_words (ex->clients[obs->client].lost_at_us) : NULL;
        return g_strdup_printf ("%s's Session Expiry (%s) ran out%s%s with "
                                "no reconnect: the broker discards the "
                                "session (%s); reconnecting before then "
                                "would have resumed it.%s", me,
                                e != NULL ? e : "its interval",
                                since != NULL ? " after the connection ended "
                                                "at " : "",
                                since != NULL ? since : "",
                                prof->rule_session_end, gone);
      }
    case SES_CAUSE_CONNECTION_END:
      if (!prof->has_session_expiry)
        return g_strdup_printf ("Clean Session 1: the session ends with the "
                                "connection (3.1.1 [MQTT-3.1.2-6]); with "
                                "Clean Session 0 it would have been kept.%s",
                                gone);
      return g_strdup_printf ("Session Expiry 0 (or none sent): the session "
                              "ends with the connection (5.0 §3.1.2.11.2); "
                              "with an expiry > 0 the broker would have kept "
                              "it.%s", gone);
    case SES_CAUSE_CLEAN_START:
      return g_strdup_printf ("%s 1 discards the old session (%s).%s",
                              clean_name (prof), prof->rule_clean, gone);
    case SES_CAUSE_TAKEOVER:
      return g_strdup_printf ("The connection that held the session was taken "
                              "over and the session does not outlive it "
                              "(%s).%s", prof->rule_takeover, gone);
    case SES_CAUSE_RESTART:
      return g_strdup_printf ("The broker restarted and keeps sessions in "
                              "memory only (persistence %s): with "
                              "persistence=on the session would have "
                              "survived.%s", b->persistence ? "on" : "off",
                              gone);
    default:
      return g_strdup_printf ("The session ends (%s).%s",
                              ses_cause_name (obs->cause), gone);
    }
}

static const char *
lost_words (SesCause cause)
{
  switch (cause)
    {
    case SES_CAUSE_CUT: return "a network failure, not a DISCONNECT";
    case SES_CAUSE_DISCONNECT: return "a DISCONNECT";
    case SES_CAUSE_KEEP_ALIVE: return "a keep alive timeout";
    case SES_CAUSE_TAKEOVER: return "a takeover";
    case SES_CAUSE_CRASH: return "a client crash";
    case SES_CAUSE_RESTART: return "a broker restart";
    case SES_CAUSE_PROTOCOL_ERROR: return "a protocol error";
    case SES_CAUSE_PEER_CLOSED: return "the other end closing";
    default: return "the connection closing";
    }
}

static char *
explain_other (SesExplainer *ex, const SesObs *obs, const SesSnapshot *before)
{
  const SesPacket *p = &obs->pkt;
  const SesProfile *prof = profile (ex, obs->client);
  const char *me = who (ex, obs->client);
  const SesBrokerConfig *b = ses_mqtt_config_broker (ex->cfg);
  const SesClientConfig *cc = client_cfg (ex, obs->client);
  switch ((SesObsKind) obs->kind)
    {
    case SES_OBS_LOST:
      if (p->type == SES_PKT_PUBLISH && p->qos == 0)
        return g_strdup ("The connection was already dead: a QoS 0 message "
                         "lost this way is gone for good, nobody resends "
                         "it.");
      if (p->type == SES_PKT_PUBLISH)
        return g_strdup_printf ("The connection was already dead. The sender "
                                "still holds this QoS %u message and resends "
                                "it with DUP if the session survives to the "
                                "next connection (%s).", p->qos,
                                prof->rule_resend);
      if (p->type == SES_PKT_PUBACK || p->type == SES_PKT_PUBREC
          || p->type == SES_PKT_PUBREL || p->type == SES_PKT_PUBCOMP)
        return g_strdup_printf ("The connection was already dead: the other "
                                "side never sees this acknowledgement and "
                                "repeats its step on the next connection "
                                "(%s).", prof->rule_resend);
      return g_strdup ("The connection was already dead when this was "
                       "sent.");
    case SES_OBS_DELIVER:
      if (p->flags & SES_PKT_F_DUP)
        return g_strdup_printf ("A redelivery: QoS %u allows %s, so the "
                                "application can see this message again.",
                                p->qos, p->qos == 1 ? "duplicates"
                                                    : "nothing of the kind");
      return NULL;
    case SES_OBS_ACKED:
      return g_strdup_printf ("%s no longer has to keep this message for "
                              "resending: the broker has taken it (%s).", me,
                              p->qos == 1 ? prof->rule_qos1_ack
                                          : prof->rule_qos2_sender);
    case SES_OBS_ACCEPTED:
      if (p->qos == 0)
        return g_strdup_printf ("QoS 0: the broker forwards this message to "
                                "matching subscriptions; nobody acknowledges "
                                "it and %s keeps nothing.", me);
      return g_strdup_printf ("From here the broker, not %s, answers for "
                              "delivering this QoS %u message to every "
                              "matching subscription (%s).", me, p->qos,
                              obs->rule ? obs->rule : prof->rule_qos1_ack);
    case SES_OBS_ROUTED:
      {
        const SesSnapSession *s = snap_session (before, session_of (ex, obs));
        const char *topic = str (ex, p->topic);
        if (s != NULL && s->exists)
          for (guint i = 0; i < s->subs->len; i++)
            {
              const SesSnapSub *sub = &g_array_index (s->subs, SesSnapSub, i);
              if (!ses_topic_matches (sub->filter, topic))
                continue;
              return g_strdup_printf ("%s's subscription \"%s\" (granted QoS "
                                      "%u) matches \"%s\", so a copy is made "
                                      "for its session at QoS %u, the lower "
                                      "of the two (%s).", me,
                                      sub->filter, sub->qos, topic, p->qos,
                                      prof->rule_granted_qos);
            }
        return g_strdup_printf ("A subscription of %s matches \"%s\": a copy "
                                "at QoS %u joins its session (%s).", me, topic,
                                p->qos, prof->rule_granted_qos);
      }
    case SES_OBS_QUEUED:
      {
        const SesSnapSession *s = snap_session (before, session_of (ex, obs));
        gboolean offline = obs->cause == SES_CAUSE_DISCONNECT
                           || (s != NULL && s->exists && !s->connected);
        if (offline && p->qos == 0)
          return g_strdup_printf ("%s is offline and the broker is set to "
                                  "queue QoS 0 too (queue-qos0=on); by "
                                  "default QoS 0 is not kept for an offline "
                                  "session (3.1.1 §3.1.2.4, 5.0 §4.1 leave "
                                  "it optional).", me);
        if (offline)
          return g_strdup_printf ("%s is offline but its session is kept, so "
                                  "the QoS %u copy waits in it (%s).", me,
                                  p->qos, prof->rule_offline_queue);
        if (!prof->has_receive_max)
          return g_strdup_printf ("The copy waits in %s's session until it "
                                  "can be sent.", me);
        return g_strdup_printf ("%s allows only %u QoS 1/2 messages "
                                "unacknowledged at once (its Receive "
                                "Maximum), and that many are out: this copy "
                                "waits in the session for an acknowledgement "
                                "(5.0 [MQTT-4.9.0-2]).", me,
                                cc && cc->receive_max ? cc->receive_max
                                                      : 65535);
      }
    case SES_OBS_POLICY_DROP:
      if (obs->cause == SES_CAUSE_QOS0_OFFLINE)
        return g_strdup_printf ("QoS 0: not queued for an offline session "
                                "unless the broker is set to (queue-qos0=on); "
                                "storing it is optional (3.1.1 §3.1.2.4, 5.0 "
                                "§4.1), so this is policy, not a loss. QoS "
                                "1 or 2 would have waited for %s.", me);
      if (obs->cause == SES_CAUSE_QUEUE_FULL)
        return g_strdup_printf ("%s's session already holds the queue limit "
                                "of %u waiting messages; with drop-%s the "
                                "%s message is dropped (drop-%s would drop "
                                "the %s instead). A broker setting, not a "
                                "loss.", me, b->queue_limit,
                                b->drop_policy == SES_DROP_OLDEST ? "oldest"
                                                                  : "newest",
                                b->drop_policy == SES_DROP_OLDEST ? "oldest"
                                                                  : "new",
                                b->drop_policy == SES_DROP_OLDEST ? "newest"
                                                                  : "oldest",
                                b->drop_policy == SES_DROP_OLDEST
                                  ? "new one" : "oldest");
      return g_strdup_printf ("A broker setting drops this copy (%s): policy, "
                              "not a loss.", ses_cause_name (obs->cause));
    case SES_OBS_EXPIRED:
      return g_strdup_printf ("Its Message Expiry ran out before the broker "
                              "could start sending it to %s, so the copy is "
                              "deleted (5.0 [MQTT-3.3.2-5]).", me);
    case SES_OBS_SESSION_CREATED:
      if (obs->cause == SES_CAUSE_CLEAN_START)
        return g_strdup_printf ("%s 1 asked for it (%s).", clean_name (prof),
                                prof->rule_clean);
      {
        ClientMemory *m = &ex->clients[obs->client];
        return g_strdup_printf ("%s 0 asked to resume, but the broker holds "
                                "no session for this ClientId%s: a new, "
                                "empty one starts (%s).", clean_name (prof),
                                m->connected_once ? " any more" : " yet",
                                prof->rule_create);
      }
    case SES_OBS_SESSION_RESUMED:
      {
        const SesSnapSession *s = snap_session (before, session_of (ex, obs));
        g_autofree char *held = held_words (s);
        /* Only a deliberately wrong broker gets here. */
        if (ex->clients[obs->client].sent_clean)
          return g_strdup_printf ("%s asked for %s 1, which must discard the "
                                  "old session (%s), yet the broker resumes "
                                  "it: this is the bug the scenario shows.",
                                  me, clean_name (prof), prof->rule_clean);
        return g_strdup_printf ("%s 0 and the session still exists: it "
                                "continues with %s (%s).", clean_name (prof),
                                held != NULL ? held : "its (empty) state",
                                prof->rule_resume);
      }
    case SES_OBS_SESSION_ENDED:
      return explain_session_end (ex, obs, before);
    case SES_OBS_SESSION_KEPT:
      {
        const char *how = lost_words ((SesCause) obs->cause);
        if (!prof->has_session_expiry)
          return g_strdup_printf ("The connection ended (%s); with Clean "
                                  "Session 0 the session stays, with no time "
                                  "limit (3.1.1 [MQTT-3.1.2-4]); Clean "
                                  "Session 1 would have ended it.", how);
        if (obs->arg == SES_EXPIRY_NEVER)
          return g_strdup_printf ("The connection ended (%s); Session Expiry "
                                  "0xFFFFFFFF keeps the session forever "
                                  "(5.0 §3.1.2.11.2).", how);
        g_autofree char *e = interval (obs->arg);
        g_autofree char *until = at_words (obs->time_us
                                           + ses_time_from_s (obs->arg));
        return g_strdup_printf ("The connection ended (%s); Session Expiry "
                                "is %s, so the broker keeps the session "
                                "until %s (%s). With expiry 0 it would have "
                                "ended now.", how, e, until,
                                obs->rule ? obs->rule
                                          : "5.0 [MQTT-3.1.2-23]");
      }
    case SES_OBS_CLIENT_DISCARDED:
      if (obs->cause == SES_CAUSE_CRASH)
        return g_strdup_printf ("%s kept its session state in memory only "
                                "(no persistent store): the crash loses it, "
                                "so its unacknowledged messages can never be "
                                "resent. With a persistent store they would "
                                "be.", me);
      if (obs->cause == SES_CAUSE_SESSION_PRESENT_0)
        return g_strdup_printf ("Session Present 0: the broker has no "
                                "session, so the state %s kept for it no "
                                "longer means anything and is discarded "
                                "(%s).", me, prof->rule_client_discard);
      return g_strdup_printf ("%s starts over without its old state (%s).", me,
                              ses_cause_name (obs->cause));
    case SES_OBS_CONNECTED:
      ex->clients[obs->client].connected_once = TRUE;
      return NULL;
    case SES_OBS_CONNECTION_LOST:
      {
        ClientMemory *m = &ex->clients[obs->client];
        gboolean lingered = FALSE;
        if (obs->client < ex->n_clients && !obs->by_broker)
          {
            m->lost_cause = obs->cause;
            m->lost_at_us = obs->time_us;
            lingered = m->lingering;
            m->lingering = FALSE;
          }
        if (obs->by_broker)
          {
            if (obs->cause == SES_CAUSE_CUT || obs->cause == SES_CAUSE_KEEP_ALIVE)
              return g_strdup_printf ("For the broker this is %s: the will, "
                                      "if any, is due, and the session "
                                      "follows its expiry.",
                                      lost_words ((SesCause) obs->cause));
            return NULL;
          }
        if (lingered && obs->cause == SES_CAUSE_DISCONNECT)
          return g_strdup_printf ("The broker closed the connection, as it "
                                  "does after a DISCONNECT it accepts, and "
                                  "%s, which was reading until then, is done "
                                  "with it.", me);
        if (lingered)
          return g_strdup_printf ("%s read the broker's DISCONNECT, which "
                                  "says the broker closes for %s, and closes "
                                  "its end too. Had it closed right after "
                                  "its own DISCONNECT, it would never have "
                                  "seen that answer.", me,
                                  lost_words ((SesCause) obs->cause));
        if (cc != NULL && cc->reconnect_delay_us > 0
            && obs->cause != SES_CAUSE_DISCONNECT)
          {
            g_autofree char *d = at_words (cc->reconnect_delay_us);
            return g_strdup_printf ("%s reconnects by itself after %s "
                                    "(reconnect-delay).", me, d);
          }
        return NULL;
      }
    case SES_OBS_WILL_PUBLISHED:
      switch ((SesCause) obs->cause)
        {
        case SES_CAUSE_WILL_DELAY:
          return g_strdup_printf ("The Will Delay ran out and %s did not come "
                                  "back, so the broker publishes the will "
                                  "(%s).", me, prof->rule_will_publish);
        case SES_CAUSE_SESSION_END:
          {
            const SesWill *w = cc != NULL && cc->will != 0
                                 ? ses_mqtt_config_will (ex->cfg, cc->will)
                                 : NULL;
            if (w == NULL || w->delay_s == 0)
              return g_strdup_printf ("The connection ended without "
                                      "DISCONNECT 0x00 and the session ends "
                                      "with it, so the broker publishes the "
                                      "will now (%s).",
                                      prof->rule_will_publish);
            return g_strdup_printf ("The session ended before the Will Delay "
                                    "(%u s) did: the will goes out at the "
                                    "earlier of the two (5.0 §3.1.3.2.2).",
                                    w->delay_s);
          }
        default:
          return g_strdup_printf ("The connection ended without a clean "
                                  "DISCONNECT (%s), so the broker publishes "
                                  "the will (%s).",
                                  ses_cause_name (obs->cause),
                                  prof->rule_will_publish);
        }
    case SES_OBS_WILL_SCHEDULED:
      {
        g_autofree char *due = at_words (obs->time_us
                                         + ses_time_from_s (obs->arg));
        return g_strdup_printf ("Will Delay %u s: the broker waits until %s in "
                                "case %s comes back; a new connection to the "
                                "session before then cancels the will (5.0 "
                                "[MQTT-3.1.3-9]).", obs->arg, due, me);
      }
    case SES_OBS_WILL_CANCELLED:
      return g_strdup_printf ("%s came back within its Will Delay, so its "
                              "will must not be sent (5.0 [MQTT-3.1.3-9]).",
                              me);
    case SES_OBS_WILL_DISCARDED:
      if (obs->cause == SES_CAUSE_DISCONNECT)
        return g_strdup_printf ("DISCONNECT 0x00 is a deliberate goodbye: the "
                                "will is deleted unpublished (%s)%s.",
                                prof->rule_will_discard,
                                prof->will_in_session
                                  ? "; reason 0x04 would have kept it" : "");
      return g_strdup_printf ("The will is deleted unpublished (%s).",
                              ses_cause_name (obs->cause));
    case SES_OBS_SUBSCRIBED:
      if (p->qos < 0x80 && b->max_qos < 2 && p->qos == b->max_qos)
        return g_strdup_printf ("Granted QoS %u: the broker's maximum (%s).",
                                p->qos, prof->rule_granted_qos);
      return NULL;
    case SES_OBS_UNSUBSCRIBED:
      return g_strdup_printf ("Messages already in the session for this "
                              "filter are still delivered; no new ones are "
                              "added (%s).", prof->rule_unsubscribe);
    case SES_OBS_KEEP_ALIVE_TIMEOUT:
      return g_strdup_printf ("Keep Alive %u s and nothing heard for 1.5 x "
                              "that: the broker closes as if the network "
                              "failed, which is how it notices a half-open "
                              "connection; the will is due (%s).", obs->arg,
                              prof->rule_keep_alive);
    case SES_OBS_TAKEOVER:
      return g_strdup_printf ("A second connection uses %s's ClientId: the "
                              "broker closes the older one; the session goes "
                              "to the new connection unless it asked for a "
                              "clean start (%s).", me, prof->rule_takeover);
    case SES_OBS_PROTOCOL_ERROR:
      return obs->rule != NULL
        ? g_strdup_printf ("The receiver closes the connection, as the rule "
                           "requires (%s).", obs->rule)
        : NULL;
    case SES_OBS_FAULT:
      switch ((SesObsFault) obs->cause)
        {
        case SES_FAULT_KIND_CUT:
          return g_strdup ("Both ends lose the connection and whatever was "
                           "in flight on it; what happens next depends on "
                           "the session's expiry and the will.");
        case SES_FAULT_KIND_RESET:
          return g_strdup ("The connection is reset (a TCP RST rather than "
                           "an orderly close): both ends lose it and "
                           "whatever was in flight, as in a cut.");
        case SES_FAULT_KIND_HALF_OPEN_BROKER:
          return g_strdup_printf ("Half-open: %s's side is gone but the "
                                  "broker does not notice; only keep alive "
                                  "(1.5 x %u s) will tell it (%s).", me,
                                  cc ? cc->keep_alive_s : 0,
                                  prof->rule_keep_alive);
        case SES_FAULT_KIND_HALF_OPEN_CLIENT:
          return g_strdup_printf ("Half-open: the broker's side is gone but %s "
                                  "does not notice until its keep alive "
                                  "ping goes unanswered.", me);
        case SES_FAULT_KIND_CRASH:
          return g_strdup_printf ("%s's process dies; its state survives only "
                                  "with a persistent store (here: %s).", me,
                                  cc && cc->persistent_store ? "yes" : "no");
        case SES_FAULT_KIND_RESTART:
          return g_strdup_printf ("Every connection drops; sessions survive "
                                  "only with persistence (here: %s).",
                                  b->persistence ? "on" : "off");
        }
      return NULL;
    case SES_OBS_EXPIRY_CHANGED:
      {
        g_autofree char *e = interval (obs->arg);
        return g_strdup_printf ("From now on the session lasts %s after this "
                                "connection ends, not what CONNECT said (5.0 "
                                "§3.14.2.2.2).", e);
      }
    case SES_OBS_NOTE:
      if (p->type == SES_PKT_CONNACK || obs->rule == NULL)
        return NULL;
      if (g_str_has_prefix (obs->rule, SES_CLIENT_LINGER_TEXT " ("))
        {
          ClientMemory *m = &ex->clients[obs->client];
          m->lingering = TRUE;
          m->linger_ms = obs->arg;
          g_autofree char *bound = ms_words (obs->arg);
          return g_strdup_printf ("With its DISCONNECT %s has sent its last "
                                  "packet on this connection (%s), but "
                                  "instead of closing at once it keeps "
                                  "reading, for %s at most, so that it sees "
                                  "how the broker takes the DISCONNECT: the "
                                  "broker's own DISCONNECT with a reason "
                                  "code, or just its close.", me,
                                  prof->server_disconnect
                                    ? "5.0 [MQTT-3.14.4-1]"
                                    : "3.1.1 [MQTT-3.14.4-2]", bound);
        }
      if (g_str_has_prefix (obs->rule, SES_CLIENT_LINGER_OVER_TEXT " ("))
        {
          ClientMemory *m = &ex->clients[obs->client];
          m->lingering = FALSE;
          g_autofree char *bound = ms_words (m->linger_ms);
          return g_strdup_printf ("The broker has not closed the connection "
                                  "within %s of the DISCONNECT, so %s closes "
                                  "it itself, as the sender of a DISCONNECT "
                                  "must (%s).", bound, me,
                                  prof->server_disconnect
                                    ? "5.0 [MQTT-3.14.4-2]"
                                    : "3.1.1 [MQTT-3.14.4-1]");
        }
      if (g_str_has_prefix (obs->rule, SES_CLIENT_LINGER_CUT_TEXT " ("))
        {
          ex->clients[obs->client].lingering = FALSE;
          return g_strdup_printf ("%s's application connects again while it "
                                  "still waits for the broker to close the "
                                  "old connection: it closes that one "
                                  "itself, then opens a new one.", me);
        }
      if (p->type == SES_PKT_PUBREL)
        return g_strdup_printf ("PUBREL releases packet id %u: the exchange "
                                "can complete (%s).", p->packet_id, obs->rule);
      if (p->type == 0 && strcmp (obs->rule, prof->rule_resend) == 0)
        return g_strdup_printf ("The session survived, so %s sends again, "
                                "before anything new, the %u QoS 1/2 "
                                "exchange%s it had not completed, with their "
                                "packet ids (%s).",
                                /* The client's note follows its CONNACK;
                                 * the broker's comes before it sends one. */
                                ex->clients[obs->client].last_kind
                                    == SES_OBS_CONNECTED ? me : "the broker",
                                obs->arg, obs->arg == 1 ? "" : "s",
                                obs->rule);
      return g_strdup_printf ("The model follows %s here.", obs->rule);
    default:
      return NULL;
    }
}

char *
ses_explainer_step (SesExplainer *ex, const SesObs *obs,
                    const SesSnapshot *before)
{
  if (obs->kind == SES_OBS_RECEIVE)
    return NULL;
  if (obs->client != SES_OBS_BROKER && obs->client >= ex->n_clients)
    return NULL;
  if (obs->client == SES_OBS_BROKER)
    {
      if (obs->kind == SES_OBS_FAULT && obs->cause == SES_FAULT_KIND_RESTART)
        return explain_other (ex, obs, before);
      return NULL;
    }
  char *s = obs->kind == SES_OBS_SEND
      ? (obs->by_broker ? explain_broker_send (ex, obs, before)
                        : explain_client_send (ex, obs, before))
      : explain_other (ex, obs, before);
  ex->clients[obs->client].last_kind = obs->kind;
  return s;
}

GPtrArray *
ses_explain_run (SesMqtt *mqtt, const SesSnapshots *snaps)
{
  g_autoptr (SesExplainer) ex = ses_explainer_new (ses_mqtt_config (mqtt));
  const GArray *log = ses_mqtt_log (mqtt);
  GPtrArray *out = g_ptr_array_new_full (log->len, g_free);
  for (guint i = 0; i < log->len; i++)
    g_ptr_array_add (out, ses_explainer_step (
                              ex, &g_array_index (log, SesObs, i),
                              ses_snapshots_before (snaps, i)));
  return out;
}
