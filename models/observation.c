/* Names and one-line renderings of observations, used by tests and by the
 * debug trace. The wording is part of the determinism contract. */
#include "observation.h"

const char *
ses_obs_kind_name (SesObsKind kind)
{
  switch (kind)
    {
    case SES_OBS_SEND: return "send";
    case SES_OBS_RECEIVE: return "receive";
    case SES_OBS_LOST: return "lost";
    case SES_OBS_DELIVER: return "deliver";
    case SES_OBS_ACKED: return "acked";
    case SES_OBS_ACCEPTED: return "accepted";
    case SES_OBS_ROUTED: return "routed";
    case SES_OBS_SESSION_CREATED: return "session-created";
    case SES_OBS_SESSION_RESUMED: return "session-resumed";
    case SES_OBS_SESSION_ENDED: return "session-ended";
    case SES_OBS_SESSION_KEPT: return "session-kept";
    case SES_OBS_CLIENT_DISCARDED: return "client-discarded";
    case SES_OBS_CONNECTED: return "connected";
    case SES_OBS_CONNECTION_LOST: return "connection-lost";
    case SES_OBS_WILL_PUBLISHED: return "will-published";
    case SES_OBS_WILL_SCHEDULED: return "will-scheduled";
    case SES_OBS_WILL_CANCELLED: return "will-cancelled";
    case SES_OBS_WILL_DISCARDED: return "will-discarded";
    case SES_OBS_POLICY_DROP: return "policy-drop";
    case SES_OBS_EXPIRED: return "expired";
    case SES_OBS_QUEUED: return "queued";
    case SES_OBS_SUBSCRIBED: return "subscribed";
    case SES_OBS_UNSUBSCRIBED: return "unsubscribed";
    case SES_OBS_KEEP_ALIVE_TIMEOUT: return "keep-alive-timeout";
    case SES_OBS_TAKEOVER: return "takeover";
    case SES_OBS_PROTOCOL_ERROR: return "protocol-error";
    case SES_OBS_FAULT: return "fault";
    case SES_OBS_EXPIRY_CHANGED: return "expiry-changed";
    case SES_OBS_NOTE: return "note";
    }
  return "?";
}

const char *
ses_cause_name (SesCause cause)
{
  switch (cause)
    {
    case SES_CAUSE_NONE: return "";
    case SES_CAUSE_CLEAN_START: return "clean-start";
    case SES_CAUSE_NEW: return "new";
    case SES_CAUSE_EXPIRED: return "expired";
    case SES_CAUSE_CONNECTION_END: return "connection-ended";
    case SES_CAUSE_TAKEOVER: return "taken-over";
    case SES_CAUSE_RESTART: return "broker-restart";
    case SES_CAUSE_DISCONNECT: return "disconnect";
    case SES_CAUSE_CUT: return "cut";
    case SES_CAUSE_PEER_CLOSED: return "peer-closed";
    case SES_CAUSE_KEEP_ALIVE: return "keep-alive";
    case SES_CAUSE_PROTOCOL_ERROR: return "protocol-error";
    case SES_CAUSE_CRASH: return "crash";
    case SES_CAUSE_SESSION_PRESENT_0: return "session-present-0";
    case SES_CAUSE_QUEUE_FULL: return "queue-full";
    case SES_CAUSE_QOS0_OFFLINE: return "qos0-offline";
    case SES_CAUSE_NO_SESSION: return "no-session";
    case SES_CAUSE_SESSION_PRESENT_UNEXPECTED: return "session-present-unexpected";
    case SES_CAUSE_WILL_DELAY: return "will-delay";
    case SES_CAUSE_SESSION_END: return "session-end";
    case SES_CAUSE_RECONNECT: return "reconnect";
    }
  return "?";
}

static const char *
fault_name (guint cause)
{
  switch ((SesObsFault) cause)
    {
    case SES_FAULT_KIND_CUT: return "cut";
    case SES_FAULT_KIND_HALF_OPEN_BROKER: return "half-open (broker unaware)";
    case SES_FAULT_KIND_HALF_OPEN_CLIENT: return "half-open (client unaware)";
    case SES_FAULT_KIND_CRASH: return "crash";
    case SES_FAULT_KIND_RESTART: return "broker-restart";
    }
  return "?";
}

char *
ses_obs_describe (const SesObs *obs, const SesIntern *strings,
                  const GPtrArray *client_names)
{
  g_autofree char *when = ses_time_format (obs->time_us);
  const char *who = "broker";
  if (obs->client != SES_OBS_BROKER && client_names != NULL
      && obs->client < client_names->len)
    who = g_ptr_array_index (client_names, obs->client);
  GString *out = g_string_new (NULL);
  g_string_append_printf (out, "%s %s %s", when, who,
                          ses_obs_kind_name (obs->kind));
  if (obs->kind == SES_OBS_SEND || obs->kind == SES_OBS_RECEIVE
      || obs->kind == SES_OBS_LOST || obs->kind == SES_OBS_CONNECTION_LOST)
    g_string_append (out, obs->by_broker ? " [broker]" : " [client]");
  if (obs->kind == SES_OBS_FAULT)
    g_string_append_printf (out, " %s", fault_name (obs->cause));
  else if (obs->cause != SES_CAUSE_NONE)
    g_string_append_printf (out, " (%s)", ses_cause_name (obs->cause));
  if (obs->pkt.type != 0)
    {
      g_autofree char *p = ses_packet_describe (&obs->pkt, strings);
      g_string_append_printf (out, " %s", p);
      if (obs->pkt.type == SES_PKT_PUBLISH && obs->pkt.origin != G_MAXUINT32)
        g_string_append_printf (out, " msg=%u.%u", obs->pkt.origin,
                                obs->pkt.seq);
    }
  if (obs->arg != 0)
    g_string_append_printf (out, " arg=%u", obs->arg);
  if (obs->rule != NULL)
    g_string_append_printf (out, " %s", obs->rule);
  return g_string_free (out, FALSE);
}

void
ses_json_append_string (GString *out, const char *s)
{
  g_string_append_c (out, '"');
  for (const char *p = s != NULL ? s : ""; *p; p++)
    {
      guchar c = (guchar) *p;
      if (c == '"' || c == '\\')
        g_string_append_printf (out, "\\%c", c);
      else if (c == '\n')
        g_string_append (out, "\\n");
      else if (c < 0x20)
        g_string_append_printf (out, "\\u%04x", c);
      else
        g_string_append_c (out, (char) c);
    }
  g_string_append_c (out, '"');
}

char *
ses_obs_to_json (const SesObs *obs, const SesIntern *strings,
                 const GPtrArray *client_names)
{
  GString *out = g_string_new (NULL);
  g_autofree char *when = ses_time_format (obs->time_us);
  g_string_append_printf (out, "{\"t_us\":%" G_GINT64_FORMAT ",\"time\":",
                          obs->time_us);
  ses_json_append_string (out, when);
  g_string_append (out, ",\"actor\":");
  if (obs->client != SES_OBS_BROKER && client_names != NULL
      && obs->client < client_names->len)
    ses_json_append_string (out, g_ptr_array_index (client_names, obs->client));
  else
    ses_json_append_string (out, "broker");
  g_string_append (out, ",\"event\":");
  ses_json_append_string (out, ses_obs_kind_name (obs->kind));
  if (obs->kind == SES_OBS_SEND || obs->kind == SES_OBS_RECEIVE
      || obs->kind == SES_OBS_LOST || obs->kind == SES_OBS_CONNECTION_LOST)
    g_string_append_printf (out, ",\"side\":\"%s\"",
                            obs->by_broker ? "broker" : "client");
  if (obs->kind == SES_OBS_FAULT)
    {
      g_string_append (out, ",\"fault\":");
      ses_json_append_string (out, fault_name (obs->cause));
    }
  else if (obs->cause != SES_CAUSE_NONE)
    {
      g_string_append (out, ",\"cause\":");
      ses_json_append_string (out, ses_cause_name (obs->cause));
    }
  if (obs->arg != 0)
    g_string_append_printf (out, ",\"arg\":%u", obs->arg);
  if (obs->pkt.type != 0)
    {
      const SesPacket *p = &obs->pkt;
      g_string_append (out, ",\"packet\":{\"type\":");
      ses_json_append_string (out, ses_packet_type_name (p->type));
      if (p->packet_id)
        g_string_append_printf (out, ",\"id\":%u", p->packet_id);
      if (p->type == SES_PKT_PUBLISH || p->type == SES_PKT_SUBSCRIBE
          || p->type == SES_PKT_SUBACK)
        g_string_append_printf (out, ",\"qos\":%u", p->qos);
      if (p->flags & SES_PKT_F_DUP)
        g_string_append (out, ",\"dup\":true");
      if (p->flags & SES_PKT_F_RETAIN)
        g_string_append (out, ",\"retain\":true");
      if (p->type == SES_PKT_CONNACK)
        g_string_append_printf (out, ",\"session_present\":%s",
                                (p->flags & SES_PKT_F_SESSION_PRESENT)
                                  ? "true" : "false");
      if (p->reason)
        g_string_append_printf (out, ",\"reason\":%u", p->reason);
      if (p->topic)
        {
          g_string_append (out, ",\"topic\":");
          ses_json_append_string (out, ses_intern_get (strings, p->topic));
        }
      if (p->payload)
        {
          g_string_append (out, ",\"payload\":");
          ses_json_append_string (out, ses_intern_get (strings, p->payload));
        }
      if (p->type == SES_PKT_PUBLISH && p->origin != G_MAXUINT32)
        g_string_append_printf (out, ",\"msg\":\"%u.%u\"", p->origin,
                                p->seq);
      g_string_append_c (out, '}');
    }
  if (obs->rule != NULL)
    {
      g_string_append (out, ",\"rule\":");
      ses_json_append_string (out, obs->rule);
    }
  g_string_append_c (out, '}');
  return g_string_free (out, FALSE);
}
