/* The built-in examples, each built through the public configuration API
 * exactly as a scenario file would be. */
#include "examples.h"

#include <string.h>

static SesClientConfig
client (SesMqttVersion version, gboolean clean, gint64 expiry_s)
{
  SesClientConfig c;
  ses_client_config_init (&c, version);
  c.clean = clean;
  c.has_expiry = expiry_s >= 0;
  c.expiry_s = expiry_s >= 0 ? (guint32) expiry_s : 0;
  c.latency_us = 10 * SES_US_PER_MS;
  /* The examples' timelines subscribe again where the application would. */
  c.resubscribe = SES_RESUBSCRIBE_NEVER;
  return c;
}

static void
act (SesMqttConfig *cfg, double at_s, guint who, SesActionKind kind,
     const char *topic, guint8 qos, const char *payload)
{
  SesAction a;
  memset (&a, 0, sizeof a);
  a.at_us = (SesTime) (at_s * 1e6 + 0.5);
  a.kind = kind;
  a.client = who;
  a.topic = ses_mqtt_config_intern (cfg, topic);
  a.payload = ses_mqtt_config_intern (cfg, payload);
  a.qos = qos;
  ses_mqtt_config_add_action (cfg, &a);
}

/* What a persistent session keeps while its client is away (MQTT 5). */
static SesMqttConfig *
build_persistent (void)
{
  SesMqttConfig *cfg = ses_mqtt_config_new ();
  SesClientConfig sub = client (SES_MQTT_5, FALSE, 3600);
  SesClientConfig pub = client (SES_MQTT_5, TRUE, -1);
  guint s = ses_mqtt_config_add_client (cfg, "sub", "dashboard", &sub);
  guint p = ses_mqtt_config_add_client (cfg, "pub", "sensor", &pub);
  act (cfg, 0, s, SES_ACT_CONNECT, NULL, 0, NULL);
  act (cfg, 0.1, s, SES_ACT_SUBSCRIBE, "plant/+/temp", 2, NULL);
  act (cfg, 1, s, SES_ACT_CUT, NULL, 0, NULL);
  act (cfg, 2, p, SES_ACT_CONNECT, NULL, 0, NULL);
  act (cfg, 2.1, p, SES_ACT_PUBLISH, "plant/a/temp", 1, "21.5");
  act (cfg, 2.1, p, SES_ACT_PUBLISH, "plant/a/temp", 2, "21.7");
  act (cfg, 30, s, SES_ACT_CONNECT, NULL, 0, NULL);
  return cfg;
}

/* The same story with a clean session: the messages are gone (3.1.1). */
static SesMqttConfig *
build_clean_loss (void)
{
  SesMqttConfig *cfg = ses_mqtt_config_new ();
  SesClientConfig sub = client (SES_MQTT_311, TRUE, -1);
  SesClientConfig pub = client (SES_MQTT_311, TRUE, -1);
  guint s = ses_mqtt_config_add_client (cfg, "sub", "dashboard", &sub);
  guint p = ses_mqtt_config_add_client (cfg, "pub", "sensor", &pub);
  act (cfg, 0, s, SES_ACT_CONNECT, NULL, 0, NULL);
  act (cfg, 0.1, s, SES_ACT_SUBSCRIBE, "plant/+/temp", 1, NULL);
  act (cfg, 1, s, SES_ACT_CUT, NULL, 0, NULL);
  act (cfg, 2, p, SES_ACT_CONNECT, NULL, 0, NULL);
  act (cfg, 2.1, p, SES_ACT_PUBLISH, "plant/a/temp", 1, "21.5");
  act (cfg, 30, s, SES_ACT_CONNECT, NULL, 0, NULL);
  act (cfg, 30.1, s, SES_ACT_SUBSCRIBE, "plant/+/temp", 1, NULL);
  return cfg;
}

/* A device whose link dies silently; keep alive finds out, the will
 * waits out its delay, and a takeover by a second connection. */
static SesMqttConfig *
build_will_takeover (void)
{
  SesMqttConfig *cfg = ses_mqtt_config_new ();
  SesClientConfig dev = client (SES_MQTT_5, FALSE, 600);
  dev.keep_alive_s = 10;
  SesWill will = {
    .topic = ses_mqtt_config_intern (cfg, "devices/pump/status"),
    .payload = ses_mqtt_config_intern (cfg, "offline"),
    .qos = 1, .delay_s = 5,
  };
  dev.will = ses_mqtt_config_add_will (cfg, &will);
  SesClientConfig dev2 = dev;
  SesClientConfig mon = client (SES_MQTT_5, FALSE, 3600);
  guint d = ses_mqtt_config_add_client (cfg, "pump", "pump-1", &dev);
  guint d2 = ses_mqtt_config_add_client (cfg, "pump-again", "pump-1", &dev2);
  guint m = ses_mqtt_config_add_client (cfg, "monitor", "ops", &mon);
  act (cfg, 0, m, SES_ACT_CONNECT, NULL, 0, NULL);
  act (cfg, 0.1, m, SES_ACT_SUBSCRIBE, "devices/+/status", 1, NULL);
  act (cfg, 1, d, SES_ACT_CONNECT, NULL, 0, NULL);
  act (cfg, 2, d, SES_ACT_HALF_OPEN_BROKER, NULL, 0, NULL);
  act (cfg, 40, d, SES_ACT_CONNECT, NULL, 0, NULL);
  act (cfg, 50, d2, SES_ACT_CONNECT, NULL, 0, NULL);
  return cfg;
}

static const SesExample examples[] = {
  { "persistent-session",
    "MQTT 5: a subscriber with Session Expiry 1h is cut off; its QoS 1 and 2 "
    "messages wait in its session and arrive when it reconnects.",
    40 * SES_US_PER_S, build_persistent },
  { "clean-session-loss",
    "MQTT 3.1.1: the same with Clean Session 1; the session ends with the "
    "connection and the message published meanwhile is never delivered.",
    40 * SES_US_PER_S, build_clean_loss },
  { "will-and-takeover",
    "MQTT 5: a half-open link found by keep alive, a delayed will, a "
    "reconnect, and a takeover by a second connection with the same "
    "ClientId.",
    70 * SES_US_PER_S, build_will_takeover },
};

const SesExample *
ses_examples (guint *n_out)
{
  *n_out = G_N_ELEMENTS (examples);
  return examples;
}

const SesExample *
ses_example_find (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (examples); i++)
    if (g_strcmp0 (examples[i].name, name) == 0)
      return &examples[i];
  return NULL;
}
