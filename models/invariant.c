/* Invariant names and summaries. (The checks themselves follow below.) */
#include "invariant.h"

#include <string.h>

static const struct {
  const char *name;
  const char *summary;
} invariants[SES_INV_COUNT] = {
  [SES_INV_NO_LOSS] = { "no-loss",
    "A QoS 1 or 2 message routed to a session reaches its client while the "
    "session lives, unless a broker setting dropped it or it expired." },
  [SES_INV_QOS2_ONCE] = { "qos2-once",
    "A QoS 2 message reaches each subscribing application at most once." },
  [SES_INV_QOS1_AT_LEAST_ONCE] = { "qos1-at-least-once",
    "A QoS 1 message acknowledged to its publisher reaches every live "
    "matching session at least once." },
  [SES_INV_ORDER] = { "order",
    "Messages of one publisher on one topic at one QoS first reach a "
    "subscriber in the order they were published." },
  [SES_INV_SESSION_PRESENT] = { "session-present",
    "CONNACK says Session Present 1 exactly when the broker resumed a "
    "session." },
  [SES_INV_PACKET_ID] = { "packet-id",
    "No packet identifier is in use twice at once in one direction." },
  [SES_INV_DUP] = { "dup",
    "DUP is 0 on the first transmission of a PUBLISH and 1 on every resend; "
    "always 0 for QoS 0." },
  [SES_INV_SESSION_EXPIRY] = { "session-expiry",
    "A disconnected session ends when its expiry interval elapses, and is "
    "never resumed after." },
  [SES_INV_WILL] = { "will",
    "A will is published at most once, never after a normal DISCONNECT, and "
    "by the earlier of its delay and the session's end." },
  [SES_INV_RECEIVE_MAXIMUM] = { "receive-maximum",
    "Neither side has more unacknowledged QoS 1/2 PUBLISHes outstanding "
    "than the other side's Receive Maximum." },
  [SES_INV_MESSAGE_EXPIRY] = { "message-expiry",
    "A copy whose Message Expiry has passed before its delivery started is "
    "never sent." },
};

const char *
ses_invariant_name (SesInvariantId id)
{
  g_return_val_if_fail (id < SES_INV_COUNT, "?");
  return invariants[id].name;
}

const char *
ses_invariant_summary (SesInvariantId id)
{
  g_return_val_if_fail (id < SES_INV_COUNT, "?");
  return invariants[id].summary;
}

gboolean
ses_invariant_lookup (const char *name, SesInvariantId *out)
{
  for (guint i = 0; i < SES_INV_COUNT; i++)
    if (g_strcmp0 (invariants[i].name, name) == 0)
      {
        *out = (SesInvariantId) i;
        return TRUE;
      }
  return FALSE;
}
