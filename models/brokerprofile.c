/* The broker profiles. Each is a function of the defaults, so a profile
 * applied first and settings written after it compose as users expect. */
#include "sessim-config.h"

#include "brokerprofile.h"

#include <string.h>

static void
apply_spec (SesBrokerConfig *b)
{
  ses_broker_config_init (b);
}

/* Eclipse Mosquitto 2.0 (measured on the Debian 12 package, 2.0.11, with
 * `sessim conform`; docs/broker-settings.md has the runs). */
static void
apply_mosquitto_2_0 (SesBrokerConfig *b)
{
  ses_broker_config_init (b);
  /* max_inflight_messages 20: its Receive Maximum in CONNACK. */
  b->receive_max = 20;
  /* It forwards an incoming QoS 2 message on PUBREL (Method A). */
  b->qos2_on_pubrel = TRUE;
  /* PUBACK 0x10 when no subscription matched a QoS 1 message (5.0). */
  b->no_match_reason = TRUE;
  /* Deviation from 5.0 [MQTT-3.1.4-3]: the connection taken over is
   * closed without DISCONNECT 0x8E. */
  b->takeover_disconnect = FALSE;
  /* A keep-alive close sends nothing first (0x8D is optional). */
  b->keep_alive_disconnect = FALSE;
  /* An unknown PUBREL gets PUBCOMP 0x00, an unknown PUBREC PUBREL 0x00. */
  b->not_found_reason = FALSE;
  /* Deviation (strict reading of [MQTT-3.1.2-8]): a connection taken over
   * while its session goes on publishes no will. */
  b->takeover_will = FALSE;
  /* Deviation from 5.0 §3.3.4: a QoS 2 PUBLISH past its Receive Maximum
   * gets PUBREC 0x97 instead of DISCONNECT 0x93. */
  b->receive_max_disconnect = FALSE;
  /* A second CONNECT: closed without DISCONNECT, and the session goes. */
  b->second_connect = SES_SECOND_CONNECT_DROP;
  /* A pending will goes with the ClientId: a reconnect cancels it even
   * with Clean Start 1, and an expiry-0 session's end does not hasten it
   * (the ClientId reading of [MQTT-3.1.2-8] against [MQTT-3.1.3-9]). */
  b->will_by_client_id = TRUE;
  /* Packet ids are taken when a message is queued for the session. */
  b->packet_ids = SES_IDS_AT_QUEUE;
  /* Its clock counts whole seconds: session expiry and will delay fire up
   * to a second late. */
  b->timer_granularity_ms = 1000;
}

/* ejabberd 23.01's mod_mqtt (the Debian 12 package, run by `sessim conform
 * --broker ejabberd`; docs/broker-settings.md has the runs). Read from
 * its conformance runs; what no setting predicts is listed there and in
 * tests/conform/ejabberd-23.known. */
static void
apply_ejabberd_23 (SesBrokerConfig *b)
{
  ses_broker_config_init (b);
  /* PUBACK/PUBREC 0x10 when no subscription matched (5.0). */
  b->no_match_reason = TRUE;
  /* Packet ids are taken when a message is routed to the session, queued
   * or not (QoS 0 messages take one too, which no setting predicts). */
  b->packet_ids = SES_IDS_AT_QUEUE;
}

typedef struct {
  const char *name;
  const char *summary;
  void (*apply) (SesBrokerConfig *b);
} Profile;

static const Profile profiles[] = {
  { "spec", "what the standard requires, and sessim's defaults where it "
            "leaves a choice", apply_spec },
  { "mosquitto-2.0", "Eclipse Mosquitto 2.0 (Debian 12's 2.0.11), its "
                     "choices and its deviations", apply_mosquitto_2_0 },
  { "ejabberd-23", "ejabberd 23.01's mod_mqtt (Debian 12), its choices and "
                   "its deviations", apply_ejabberd_23 },
};

static const char *const names[] = { "spec", "mosquitto-2.0", "ejabberd-23",
                                     NULL };

gboolean
ses_broker_profile_apply (SesBrokerConfig *broker, const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (profiles); i++)
    if (strcmp (profiles[i].name, name) == 0)
      {
        /* Variants are bugs, not choices: a profile keeps them. */
        guint32 variants = broker->variants;
        profiles[i].apply (broker);
        broker->variants = variants;
        return TRUE;
      }
  return FALSE;
}

const char *const *
ses_broker_profile_names (void)
{
  return names;
}

const char *
ses_broker_profile_summary (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (profiles); i++)
    if (strcmp (profiles[i].name, name) == 0)
      return profiles[i].summary;
  return NULL;
}
