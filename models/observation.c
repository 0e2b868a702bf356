/* Names and one-line renderings of observations, used by tests and by the
 * debug trace. The wording is part of the determinism contract, and each
 * rendering says only what the protocol version of the client concerned
 * has: no reason codes, expiry values or Clean Start for 3.1.1. */
#include "observation.h"

#include "profile.h"

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
    case SES_OBS_CUT_LOST: return "lost-in-cut";
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

const char *
ses_obs_cause_name (const SesObs *obs)
{
  /* 3.1.1 [MQTT-3.1.2-6] the flag is Clean Session */
  if (obs->version == SES_MQTT_311 && obs->cause == SES_CAUSE_CLEAN_START)
    return "clean-session";
  return ses_cause_name ((SesCause) obs->cause);
}

char *
ses_obs_describe_packet (const SesPacket *pkt, guint version,
                         const SesIntern *strings)
{
  if (version != SES_MQTT_311)
    return ses_packet_describe (pkt, strings);
  SesPacket p = *pkt;
  switch ((SesPacketType) p.type)
    {
    case SES_PKT_CONNACK:
      /* 3.1.1 §3.2.2: Session Present and a Connect Return code, nothing
       * else. */
      return g_strdup_printf ("CONNACK session-present=%d return-code=0x%02x",
                              (p.flags & SES_PKT_F_SESSION_PRESENT) ? 1 : 0,
                              p.reason);
    case SES_PKT_DISCONNECT:
      /* 3.1.1 §3.14: no variable header, so no reason, no expiry, no
       * reason string. */
      return g_strdup ("DISCONNECT");
    case SES_PKT_PUBACK:
    case SES_PKT_PUBREC:
    case SES_PKT_PUBREL:
    case SES_PKT_PUBCOMP:
    case SES_PKT_UNSUBACK:
      /* 3.1.1 §3.4-3.7, §3.11: only the Packet Identifier. */
      p.reason = 0;
      break;
    case SES_PKT_CONNECT:
    case SES_PKT_PUBLISH:
      /* 3.1.1 has no properties: no session or message expiry. */
      p.flags &= (guint8) ~SES_PKT_F_HAS_EXPIRY;
      p.receive_max = 0;
      break;
    default:
      break;
    }
  return ses_packet_describe (&p, strings);
}

/* The number after "arg=": in 3.1.1 a kept session has no expiry interval,
 * so none is shown. */
static gboolean
arg_shown (const SesObs *obs)
{
  return obs->arg != 0
         && !(obs->version == SES_MQTT_311
              && obs->kind == SES_OBS_SESSION_KEPT);
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
    case SES_FAULT_KIND_RESET: return "reset";
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
      || obs->kind == SES_OBS_LOST || obs->kind == SES_OBS_CONNECTION_LOST
      || obs->kind == SES_OBS_CUT_LOST)
    g_string_append (out, obs->by_broker ? " [broker]" : " [client]");
  if (obs->kind == SES_OBS_FAULT)
    g_string_append_printf (out, " %s", fault_name (obs->cause));
  else if (obs->cause != SES_CAUSE_NONE)
    g_string_append_printf (out, " (%s)", ses_obs_cause_name (obs));
  if (obs->pkt.type != 0)
    {
      g_autofree char *p = ses_obs_describe_packet (&obs->pkt, obs->version,
                                                    strings);
      g_string_append_printf (out, " %s", p);
      if (obs->pkt.type == SES_PKT_PUBLISH && (obs->pkt.flags & SES_PKT_F_WILL))
        g_string_append_printf (out, " msg=%u.will", obs->pkt.origin);
      else if (obs->pkt.type == SES_PKT_PUBLISH
               && obs->pkt.origin != G_MAXUINT32)
        g_string_append_printf (out, " msg=%u.%u", obs->pkt.origin,
                                obs->pkt.seq);
    }
  if (arg_shown (obs))
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
      || obs->kind == SES_OBS_LOST || obs->kind == SES_OBS_CONNECTION_LOST
      || obs->kind == SES_OBS_CUT_LOST)
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
      ses_json_append_string (out, ses_obs_cause_name (obs));
    }
  if (arg_shown (obs))
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
      if (p->reason && obs->version != SES_MQTT_311)
        g_string_append_printf (out, ",\"reason\":%u", p->reason);
      /* 3.1.1 has return codes in CONNACK and SUBACK, and no reason
       * codes (§3.2.2.3, §3.9.3). */
      else if (p->reason
               && (p->type == SES_PKT_CONNACK || p->type == SES_PKT_SUBACK))
        g_string_append_printf (out, ",\"return_code\":%u", p->reason);
      if (p->topic && p->type == SES_PKT_CONNECT)
        {
          g_string_append (out, ",\"protocol_name\":");
          ses_json_append_string (out, ses_intern_get (strings, p->topic));
        }
      else if (p->topic)
        {
          g_string_append (out, ",\"topic\":");
          ses_json_append_string (out, ses_intern_get (strings, p->topic));
        }
      if (p->payload && p->type == SES_PKT_DISCONNECT)
        {
          g_string_append (out, ",\"reason_string\":");
          ses_json_append_string (out, ses_intern_get (strings, p->payload));
        }
      else if (p->payload)
        {
          g_string_append (out, ",\"payload\":");
          ses_json_append_string (out, ses_intern_get (strings, p->payload));
        }
      if (p->type == SES_PKT_PUBLISH && (p->flags & SES_PKT_F_WILL))
        g_string_append_printf (out, ",\"msg\":\"%u.will\"", p->origin);
      else if (p->type == SES_PKT_PUBLISH && p->origin != G_MAXUINT32)
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

static const char *
str (const SesIntern *strings, guint32 id)
{
  const char *s = strings != NULL ? ses_intern_get (strings, id) : NULL;
  return s != NULL ? s : "";
}

static const char *
name_of (const SesObs *obs, const GPtrArray *client_names)
{
  if (obs->client != SES_OBS_BROKER && client_names != NULL
      && obs->client < client_names->len)
    return g_ptr_array_index (client_names, obs->client);
  return "the broker";
}

static char *
message_words (const SesPacket *p, const SesIntern *strings)
{
  return g_strdup_printf ("\"%s\" on \"%s\" (QoS %u)", str (strings, p->payload),
                          str (strings, p->topic), p->qos);
}

char *
ses_obs_explain (const SesObs *obs, const SesIntern *strings,
                 const GPtrArray *client_names)
{
  const char *who = name_of (obs, client_names);
  const SesPacket *p = &obs->pkt;
  g_autofree char *msg = p->type == SES_PKT_PUBLISH
                           ? message_words (p, strings) : NULL;
  g_autofree char *pkt = p->type != 0
                           ? ses_obs_describe_packet (p, obs->version, strings)
                           : NULL;
  gboolean v311 = obs->version == SES_MQTT_311;
  const char *cause = ses_obs_cause_name (obs);
  char *s = NULL;
  switch ((SesObsKind) obs->kind)
    {
    case SES_OBS_SEND:
      if (obs->by_broker)
        s = g_strdup_printf ("The broker sends %s to %s.", pkt, who);
      else
        s = g_strdup_printf ("%s sends %s to the broker.", who, pkt);
      break;
    case SES_OBS_RECEIVE:
      return NULL;
    case SES_OBS_LOST:
      s = g_strdup_printf ("%s %s is lost: the connection is already dead.",
                           obs->by_broker ? "The broker's" : "The client's",
                           pkt);
      break;
    case SES_OBS_CUT_LOST:
      if (p->type == SES_PKT_CONNACK && obs->by_broker)
        s = g_strdup_printf ("The cut destroys the broker's %s on its way to "
                             "%s: %s never learns whether its session was "
                             "resumed or is new, and goes on believing what "
                             "it believed before.", pkt, who, who);
      else if (obs->by_broker)
        s = g_strdup_printf ("The cut destroys the broker's %s on its way to "
                             "%s: the broker sent it, %s never gets it.",
                             pkt, who, who);
      else
        s = g_strdup_printf ("The cut destroys %s's %s on its way to the "
                             "broker: %s sent it, the broker never gets it.",
                             who, pkt, who);
      break;
    case SES_OBS_DELIVER:
      s = g_strdup_printf ("%s's application receives %s%s.", who, msg,
                           (p->flags & SES_PKT_F_DUP) ? ", marked as a resend"
                                                      : "");
      break;
    case SES_OBS_ACKED:
      s = g_strdup_printf ("%s's message %s is fully acknowledged; the client "
                           "forgets it.", who, msg);
      break;
    case SES_OBS_ACCEPTED:
      s = g_strdup_printf ("The broker takes responsibility for %s from %s.",
                           msg, who);
      break;
    case SES_OBS_ROUTED:
      s = g_strdup_printf ("The broker adds a copy of %s to %s's session.",
                           msg, who);
      break;
    case SES_OBS_SESSION_CREATED:
      s = g_strdup_printf ("The broker creates a new session for %s%s.", who,
                           obs->cause != SES_CAUSE_CLEAN_START
                             ? ": there was none to resume"
                             : v311 ? ", discarding any old one (clean "
                                      "session)"
                                    : ", discarding any old one (clean "
                                      "start)");
      break;
    case SES_OBS_SESSION_RESUMED:
      s = g_strdup_printf ("The broker resumes %s's existing session, with its "
                           "subscriptions and pending messages.", who);
      break;
    case SES_OBS_SESSION_ENDED:
      s = g_strdup_printf ("%s's session ends (%s); %u pending message(s) go "
                           "with it.", who, cause,
                           obs->arg);
      break;
    case SES_OBS_SESSION_KEPT:
      if (v311)
        /* 3.1.1 [MQTT-3.1.2-4] no expiry: it lasts until a Clean Session
         * 1 connect with its ClientId (or a broker restart without
         * persistence). */
        s = g_strdup_printf ("%s is gone, but the broker keeps its session "
                             "(Clean Session 0): a 3.1.1 session has no "
                             "expiry and lasts until a connect with Clean "
                             "Session 1.", who);
      else if (obs->arg == SES_EXPIRY_NEVER)
        s = g_strdup_printf ("%s is gone, but the broker keeps its session "
                             "with no expiry.", who);
      else
        s = g_strdup_printf ("%s is gone, but the broker keeps its session for "
                             "%u s.", who, obs->arg);
      break;
    case SES_OBS_CLIENT_DISCARDED:
      s = g_strdup_printf ("%s discards its own session state (%s): %u "
                           "unacknowledged message(s) forgotten.", who,
                           cause, obs->arg);
      break;
    case SES_OBS_CONNECTED:
      s = g_strdup_printf ("%s is connected; the broker says Session Present "
                           "%d.", who,
                           (p->flags & SES_PKT_F_SESSION_PRESENT) ? 1 : 0);
      break;
    case SES_OBS_CONNECTION_LOST:
      if (obs->by_broker)
        s = g_strdup_printf ("The broker learns that %s's connection is gone "
                             "(%s).", who, cause);
      else
        s = g_strdup_printf ("%s learns that its connection is gone (%s).",
                             who, cause);
      break;
    case SES_OBS_WILL_PUBLISHED:
      s = g_strdup_printf ("The broker publishes %s's will %s (%s).", who, msg,
                           cause);
      break;
    case SES_OBS_WILL_SCHEDULED:
      s = g_strdup_printf ("%s's will waits %u s before it is published.", who,
                           obs->arg);
      break;
    case SES_OBS_WILL_CANCELLED:
      s = g_strdup_printf ("%s came back within the will delay: its will is "
                           "not published.", who);
      break;
    case SES_OBS_WILL_DISCARDED:
      s = g_strdup_printf ("%s's will is discarded unpublished (%s).", who,
                           cause);
      break;
    case SES_OBS_POLICY_DROP:
      s = g_strdup_printf ("A setting drops the copy of %s for %s (%s); this "
                           "is policy, not loss.", msg, who,
                           cause);
      break;
    case SES_OBS_EXPIRED:
      s = g_strdup_printf ("The copy of %s for %s expired while it waited; it "
                           "is never sent.", msg, who);
      break;
    case SES_OBS_QUEUED:
      s = g_strdup_printf ("%s waits in %s's session until it can be sent.",
                           msg, who);
      break;
    case SES_OBS_SUBSCRIBED:
      s = g_strdup_printf ("The broker stores %s's subscription, granting QoS "
                           "%u.", who, p->qos);
      break;
    case SES_OBS_UNSUBSCRIBED:
      s = g_strdup_printf ("The broker removes %s's subscription to \"%s\".",
                           who, str (strings, p->topic));
      break;
    case SES_OBS_KEEP_ALIVE_TIMEOUT:
      s = g_strdup_printf ("Nothing heard from %s for 1.5 x %u s: the broker "
                           "gives up on the connection.", who, obs->arg);
      break;
    case SES_OBS_TAKEOVER:
      s = g_strdup_printf ("A new connection uses %s's ClientId: the broker "
                           "closes the old one.", who);
      break;
    case SES_OBS_PROTOCOL_ERROR:
      s = g_strdup_printf ("Protocol error on %s's connection (%s): it is "
                           "closed.", who, cause);
      break;
    case SES_OBS_FAULT:
      s = g_strdup_printf ("Fault: %s%s%s.", fault_name (obs->cause),
                           obs->client != SES_OBS_BROKER ? " at " : "",
                           obs->client != SES_OBS_BROKER ? who : "");
      break;
    case SES_OBS_EXPIRY_CHANGED:
      s = g_strdup_printf ("%s changes its session expiry to %u s on "
                           "DISCONNECT.", who, obs->arg);
      break;
    case SES_OBS_NOTE:
      if (p->type == SES_PKT_CONNACK)
        s = g_strdup_printf ("Session Present is %d for %s, as the rule "
                             "requires (%s).",
                             (p->flags & SES_PKT_F_SESSION_PRESENT) ? 1 : 0,
                             who, obs->rule ? obs->rule : "");
      else
        s = pkt != NULL ? g_strdup_printf ("%s: %s (%s).", who, pkt,
                                           obs->rule ? obs->rule : "")
                      : g_strdup_printf ("%s: %s.", who,
                                         obs->rule ? obs->rule : "note");
      break;
    }
  if (s != NULL && obs->rule != NULL && obs->kind != SES_OBS_NOTE)
    {
      char *with = g_strdup_printf ("%s (%s)", s, obs->rule);
      g_free (s);
      s = with;
    }
  return s;
}
