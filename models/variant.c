/* The registry of deliberately wrong variants. The handlers in broker.c and
 * client.c test `ses_mqtt_variant (m, SES_VARIANT_…)` at the one place each
 * bug lives. */
#include "variant.h"

static const SesVariantInfo variants[SES_VARIANT_COUNT] = {
  [SES_VARIANT_SP_AFTER_RESTART] = {
    "sp-after-restart", FALSE,
    "After a restart without persistence the broker answers Session Present "
    "1 for a session it no longer has.",
    "5.0 [MQTT-3.2.2-3]", "session-present" },
  [SES_VARIANT_WILL_NOT_AT_SESSION_END] = {
    "will-waits-past-session-end", FALSE,
    "A will whose delay is longer than the session's expiry waits for the "
    "delay instead of going out when the session ends.",
    "5.0 [MQTT-3.1.2-8]", "will" },
  [SES_VARIANT_TAKEOVER_NO_DISCONNECT] = {
    "takeover-without-0x8e", FALSE,
    "A takeover closes the old connection without sending DISCONNECT 0x8E.",
    "5.0 [MQTT-3.1.4-3]", "takeover" },
  [SES_VARIANT_CLEAN_START_KEEPS] = {
    "clean-start-keeps-session", FALSE,
    "A CONNECT with Clean Start 1 resumes the existing session instead of "
    "discarding it.",
    "5.0 [MQTT-3.1.2-4]", "session-present" },
  [SES_VARIANT_QOS2_NO_DEDUP] = {
    "qos2-no-dedup", FALSE,
    "The broker forwards a repeated QoS 2 PUBLISH again instead of only "
    "answering PUBREC.",
    "5.0 [MQTT-4.3.3-10]", "qos2-once" },
  [SES_VARIANT_FORGET_INFLIGHT] = {
    "forget-inflight", FALSE,
    "Messages sent but not acknowledged are dropped when the connection "
    "ends, so a resumed session never resends them.",
    "5.0 [MQTT-4.4.0-1]", "no-loss" },
  [SES_VARIANT_NO_DUP] = {
    "no-dup-on-resend", FALSE,
    "Resent PUBLISH packets carry DUP 0.",
    "both [MQTT-3.3.1-1]", "dup" },
  [SES_VARIANT_PUBLISH_AFTER_PUBREL] = {
    "publish-after-pubrel", FALSE,
    "A QoS 2 message past PUBREC is resumed with PUBLISH instead of PUBREL.",
    "5.0 [MQTT-4.3.3-6]", "qos2-once" },
  [SES_VARIANT_IGNORE_EXPIRY] = {
    "ignore-session-expiry", FALSE,
    "Disconnected sessions never expire, whatever their Session Expiry "
    "Interval.",
    "5.0 [MQTT-4.1.0-2]", "session-expiry" },
  [SES_VARIANT_EXPIRY_LOST_ON_RESTART] = {
    "expiry-lost-on-restart", FALSE,
    "A persistent broker restores sessions after a restart but forgets when "
    "they were due to expire.",
    "5.0 [MQTT-4.1.0-2]", "session-expiry" },
  [SES_VARIANT_CLIENT_KEEPS_STATE] = {
    "client-keeps-state", TRUE,
    "A 5.0 client told Session Present 0 keeps its old state and resends "
    "its unacknowledged messages into the new session.",
    "5.0 [MQTT-3.2.2-5]", "dup" },
  [SES_VARIANT_IGNORE_RECEIVE_MAX] = {
    "ignore-receive-maximum", FALSE,
    "The broker sends QoS 1/2 messages beyond the client's Receive Maximum.",
    "5.0 [MQTT-3.3.4-9]", "receive-maximum" },
  [SES_VARIANT_DELIVER_EXPIRED] = {
    "deliver-expired", FALSE,
    "Queued copies whose Message Expiry has passed are still sent.",
    "5.0 [MQTT-3.3.2-5]", "message-expiry" },
  [SES_VARIANT_RESEND_REORDERED] = {
    "resend-reordered", FALSE,
    "Unacknowledged messages are resent on reconnect in reverse order.",
    "3.1.1 [MQTT-4.6.0-6], 5.0 [MQTT-4.6.0-5]", "order" },
};

const SesVariantInfo *
ses_variant_info (SesVariant variant)
{
  g_return_val_if_fail (variant < SES_VARIANT_COUNT, NULL);
  return &variants[variant];
}

gboolean
ses_variant_lookup (const char *name, SesVariant *out)
{
  for (guint i = 0; i < SES_VARIANT_COUNT; i++)
    if (g_strcmp0 (variants[i].name, name) == 0)
      {
        *out = (SesVariant) i;
        return TRUE;
      }
  return FALSE;
}
