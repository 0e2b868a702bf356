/* The version table. Every entry states the rule it encodes. */
#include "profile.h"

#include <string.h>

static const SesProfile v311 = {
  .version = SES_MQTT_311,
  .name = "3.1.1",
  .has_session_expiry = FALSE,
  .will_in_session = FALSE,
  .server_disconnect = FALSE,
  .has_receive_max = FALSE,
  .has_message_expiry = FALSE,
  .pubcomp_not_found_reason = FALSE,
  .rule_clean = "3.1.1 [MQTT-3.1.2-6]",
  .rule_resume = "3.1.1 [MQTT-3.1.2-4]",
  .rule_create = "3.1.1 [MQTT-3.1.2-4]",
  .rule_sp_clean = "3.1.1 [MQTT-3.2.2-1]",
  .rule_sp_resumed = "3.1.1 [MQTT-3.2.2-2]",
  .rule_sp_new = "3.1.1 [MQTT-3.2.2-3]",
  .rule_sp_reject = "3.1.1 [MQTT-3.2.2-4]",
  .rule_session_end = "3.1.1 [MQTT-3.1.2-6]",
  .rule_takeover = "3.1.1 [MQTT-3.1.4-2]",
  .rule_will_publish = "3.1.1 [MQTT-3.1.2-8]",
  .rule_will_discard = "3.1.1 [MQTT-3.14.4-3]",
  .rule_keep_alive = "3.1.1 [MQTT-3.1.2-24]",
  .rule_resend = "3.1.1 [MQTT-4.4.0-1]",
  .rule_offline_queue = "3.1.1 [MQTT-3.1.2-5]",
  .rule_qos1_ack = "3.1.1 [MQTT-4.3.2-2]",
  .rule_qos2_dedup = "3.1.1 [MQTT-4.3.3-2]",
  .rule_qos2_pubrel = "3.1.1 [MQTT-4.3.3-2]",
  .rule_qos2_sender = "3.1.1 [MQTT-4.3.3-1]",
  .rule_dup = "3.1.1 [MQTT-3.3.1-1]",
  .rule_packet_id = "3.1.1 [MQTT-2.3.1-2]",
  .rule_granted_qos = "3.1.1 [MQTT-3.8.4-6]",
  .rule_client_discard = "3.1.1 §3.2.2.2",
  .rule_unsubscribe = "3.1.1 [MQTT-3.10.4-2]",
  .rule_ping = "3.1.1 [MQTT-3.12.4-1]",
};

static const SesProfile v5 = {
  .version = SES_MQTT_5,
  .name = "5.0",
  .has_session_expiry = TRUE,
  .will_in_session = TRUE,
  .server_disconnect = TRUE,
  .has_receive_max = TRUE,
  .has_message_expiry = TRUE,
  .pubcomp_not_found_reason = TRUE,
  .rule_clean = "5.0 [MQTT-3.1.2-4]",
  .rule_resume = "5.0 [MQTT-3.1.2-5]",
  .rule_create = "5.0 [MQTT-3.1.2-6]",
  .rule_sp_clean = "5.0 [MQTT-3.2.2-2]",
  .rule_sp_resumed = "5.0 [MQTT-3.2.2-3]",
  .rule_sp_new = "5.0 [MQTT-3.2.2-3]",
  .rule_sp_reject = "5.0 [MQTT-3.2.2-6]",
  .rule_session_end = "5.0 [MQTT-4.1.0-2]",
  .rule_takeover = "5.0 [MQTT-3.1.4-3]",
  .rule_will_publish = "5.0 [MQTT-3.1.2-8]",
  .rule_will_discard = "5.0 [MQTT-3.14.4-3]",
  .rule_keep_alive = "5.0 [MQTT-3.1.2-22]",
  .rule_resend = "5.0 [MQTT-4.4.0-1]",
  .rule_offline_queue = "5.0 [MQTT-4.5.0-1]",
  .rule_qos1_ack = "5.0 [MQTT-4.3.2-4]",
  .rule_qos2_dedup = "5.0 [MQTT-4.3.3-10]",
  .rule_qos2_pubrel = "5.0 [MQTT-4.3.3-11]",
  .rule_qos2_sender = "5.0 [MQTT-4.3.3-6]",
  .rule_dup = "5.0 [MQTT-3.3.1-1]",
  .rule_packet_id = "5.0 [MQTT-2.2.1-3]",
  .rule_granted_qos = "5.0 [MQTT-3.8.4-8]",
  .rule_client_discard = "5.0 [MQTT-3.2.2-5]",
  .rule_unsubscribe = "5.0 [MQTT-3.10.4-2]",
  .rule_ping = "5.0 [MQTT-3.12.4-1]",
};

const SesProfile *
ses_profile_get (SesMqttVersion version)
{
  return version == SES_MQTT_5 ? &v5 : &v311;
}

gboolean
ses_profile_parse_version (const char *text, SesMqttVersion *out)
{
  if (g_strcmp0 (text, "3.1.1") == 0 || g_strcmp0 (text, "311") == 0
      || g_strcmp0 (text, "4") == 0)
    {
      *out = SES_MQTT_311;
      return TRUE;
    }
  if (g_strcmp0 (text, "5") == 0 || g_strcmp0 (text, "5.0") == 0)
    {
      *out = SES_MQTT_5;
      return TRUE;
    }
  return FALSE;
}
