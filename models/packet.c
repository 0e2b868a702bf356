/* Packet helpers: zeroed construction and one-line descriptions for traces. */
#include "packet.h"

#include <string.h>

void
ses_packet_init (SesPacket *pkt, SesPacketType type)
{
  memset (pkt, 0, sizeof *pkt);
  pkt->type = (guint8) type;
}

const char *
ses_packet_type_name (SesPacketType type)
{
  static const char *const names[] = {
    "?",      "CONNECT",  "CONNACK",     "PUBLISH",  "PUBACK",
    "PUBREC", "PUBREL",   "PUBCOMP",     "SUBSCRIBE", "SUBACK",
    "UNSUBSCRIBE", "UNSUBACK", "PINGREQ", "PINGRESP", "DISCONNECT",
  };
  if ((guint) type >= G_N_ELEMENTS (names))
    return "?";
  return names[type];
}

static const char *
str (const SesIntern *strings, guint32 id)
{
  const char *s = strings != NULL ? ses_intern_get (strings, id) : NULL;
  return s != NULL ? s : "";
}

static void
append_expiry (GString *out, const char *name, const SesPacket *pkt)
{
  if (!(pkt->flags & SES_PKT_F_HAS_EXPIRY))
    return;
  if (pkt->expiry_s == SES_EXPIRY_NEVER)
    g_string_append_printf (out, " %s=never", name);
  else
    g_string_append_printf (out, " %s=%us", name, pkt->expiry_s);
}

char *
ses_packet_describe (const SesPacket *pkt, const SesIntern *strings)
{
  GString *out = g_string_new (ses_packet_type_name (pkt->type));
  switch (pkt->type)
    {
    case SES_PKT_CONNECT:
      g_string_append_printf (out, " v%s id=\"%s\" %s=%d",
                              pkt->version == 5 ? "5" : "3.1.1",
                              str (strings, pkt->client_id),
                              pkt->version == 5 ? "clean-start"
                                                : "clean-session",
                              (pkt->flags & SES_PKT_F_CLEAN) ? 1 : 0);
      append_expiry (out, "expiry", pkt);
      if (pkt->keep_alive_s)
        g_string_append_printf (out, " keep-alive=%us", pkt->keep_alive_s);
      if (pkt->receive_max)
        g_string_append_printf (out, " receive-max=%u", pkt->receive_max);
      if (pkt->will)
        g_string_append (out, " will");
      if (pkt->topic != 0)
        g_string_append_printf (out, " protocol-name=\"%s\"",
                                str (strings, pkt->topic));
      break;
    case SES_PKT_CONNACK:
      g_string_append_printf (out, " session-present=%d reason=0x%02x",
                              (pkt->flags & SES_PKT_F_SESSION_PRESENT) ? 1 : 0,
                              pkt->reason);
      append_expiry (out, "expiry", pkt);
      if (pkt->receive_max)
        g_string_append_printf (out, " receive-max=%u", pkt->receive_max);
      if (pkt->keep_alive_s)
        g_string_append_printf (out, " server-keep-alive=%us",
                                pkt->keep_alive_s);
      if (pkt->client_id != 0)
        g_string_append_printf (out, " assigned-id=\"%s\"",
                                ses_intern_get (strings, pkt->client_id));
      break;
    case SES_PKT_PUBLISH:
      /* A copy not yet numbered (queued, routed) has no id to show. */
      if (pkt->qos > 0 && pkt->packet_id != 0)
        g_string_append_printf (out, " id=%u", pkt->packet_id);
      g_string_append_printf (out, " q%u", pkt->qos);
      if (pkt->flags & SES_PKT_F_DUP)
        g_string_append (out, " dup");
      if (pkt->flags & SES_PKT_F_RETAIN)
        g_string_append (out, " retain");
      g_string_append_printf (out, " \"%s\" \"%s\"", str (strings, pkt->topic),
                              str (strings, pkt->payload));
      append_expiry (out, "message-expiry", pkt);
      break;
    case SES_PKT_PUBACK:
    case SES_PKT_PUBREC:
    case SES_PKT_PUBREL:
    case SES_PKT_PUBCOMP:
    case SES_PKT_UNSUBACK:
      g_string_append_printf (out, " id=%u", pkt->packet_id);
      if (pkt->reason)
        g_string_append_printf (out, " reason=0x%02x", pkt->reason);
      break;
    case SES_PKT_SUBSCRIBE:
      g_string_append_printf (out, " id=%u \"%s\" q%u", pkt->packet_id,
                              str (strings, pkt->topic), pkt->qos);
      break;
    case SES_PKT_SUBACK:
      g_string_append_printf (out, " id=%u granted=", pkt->packet_id);
      if (pkt->reason >= 0x80)
        g_string_append_printf (out, "0x%02x", pkt->reason);
      else
        g_string_append_printf (out, "q%u", pkt->qos);
      break;
    case SES_PKT_UNSUBSCRIBE:
      g_string_append_printf (out, " id=%u \"%s\"", pkt->packet_id,
                              str (strings, pkt->topic));
      break;
    case SES_PKT_DISCONNECT:
      g_string_append_printf (out, " reason=0x%02x", pkt->reason);
      append_expiry (out, "expiry", pkt);
      if (pkt->payload != 0)
        g_string_append_printf (out, " reason-string=\"%s\"",
                                str (strings, pkt->payload));
      break;
    default:
      break;
    }
  /* Topics and payloads may hold control characters (a scenario's "\n"
   * escape): show them escaped so a trace keeps one event per line. */
  GString *clean = g_string_sized_new (out->len);
  for (gsize i = 0; i < out->len; i++)
    {
      guchar c = (guchar) out->str[i];
      if (c < 0x20 || c == 0x7f)
        g_string_append_printf (clean, "\\x%02x", c);
      else
        g_string_append_c (clean, (char) c);
    }
  g_string_free (out, TRUE);
  return g_string_free (clean, FALSE);
}
