/* Test fixture for the MQTT model: build a configuration in a few calls,
 * run it, and ask the observation log questions. Shared by the rule tests;
 * nothing here decides a verdict, the tests assert on what it returns. */
#pragma once

#include <glib.h>
#include "mqtt.h"

typedef struct {
  SesMqttConfig *cfg;
  SesWorld *world; /* NULL until fx_run() */
  GArray *actions; /* (element-type SesAction) added so far; handed to the
                      configuration by fx_run(), so the last one can still be
                      tweaked through the pointer fx_* returned */
} Fx;

Fx *fx_new (void);
void fx_free (Fx *fx);
/* A client with this version; `clean` and `expiry_s` as given
 * (expiry_s < 0: no Session Expiry property sent). Latency 10 ms, keep alive
 * 60 s, and no subscribing again on its own (resubscribe=never). Returns the client index; change more through fx_client(). */
guint fx_client (Fx *fx, const char *label, const char *client_id,
                 SesMqttVersion version, gboolean clean, gint64 expiry_s);
SesClientConfig *fx_client_config (Fx *fx, guint client);
guint32 fx_will (Fx *fx, guint client, const char *topic, const char *payload,
                 guint8 qos, guint32 delay_s);
guint32 fx_str (Fx *fx, const char *s);

/* Scripted actions; times in milliseconds. Return the action for tweaks
 * before fx_run() (valid until the next fx_* call that adds an action). */
SesAction *fx_connect (Fx *fx, gint64 at_ms, guint client);
SesAction *fx_disconnect (Fx *fx, gint64 at_ms, guint client);
SesAction *fx_subscribe (Fx *fx, gint64 at_ms, guint client,
                         const char *filter, guint8 qos);
SesAction *fx_unsubscribe (Fx *fx, gint64 at_ms, guint client,
                           const char *filter);
SesAction *fx_publish (Fx *fx, gint64 at_ms, guint client, const char *topic,
                       guint8 qos, const char *payload);
SesAction *fx_act (Fx *fx, gint64 at_ms, guint client, SesActionKind kind);

/* Builds the world (seed 1) and runs it to until_ms. */
SesMqtt *fx_run (Fx *fx, gint64 until_ms);
/* Runs on to until_ms after an earlier fx_run(). */
void fx_run_more (Fx *fx, gint64 until_ms);
SesMqtt *fx_mqtt (Fx *fx);

/* Observations of this kind concerning this client (G_MAXUINT: any),
 * in log order. (transfer container) (element-type SesObs) */
GPtrArray *fx_find (Fx *fx, SesObsKind kind, guint client);
guint fx_count (Fx *fx, SesObsKind kind, guint client);
/* Payloads delivered to the client's application, in order, as one string
 * joined by spaces: "a b c". (transfer full) */
char *fx_delivered (Fx *fx, guint client);
/* Packets of this type sent by the broker (by_broker) or the client,
 * on this client's connections. (transfer container) */
GPtrArray *fx_packets (Fx *fx, SesObsKind kind, gboolean by_broker,
                       guint client, SesPacketType type);
/* Session Present of the n-th CONNACK the client received (0-based), or -1. */
int fx_session_present (Fx *fx, guint client, guint n);
/* The whole log as text, for failure messages. (transfer full) */
char *fx_log (Fx *fx);
/* Prints the run's log through cmocka, one line at a time (cmocka cuts a
 * long message short). */
void fx_print_log (Fx *fx);
/* Prints the log line by line (cmocka truncates long messages), frees it,
 * then fails the test. */
void fx_fail (Fx *fx, const char *what, const char *file, int line);
#define FX_ASSERT(fx, cond)                                                    \
  do                                                                           \
    {                                                                          \
      if (!(cond))                                                             \
        fx_fail (fx, #cond, __FILE__, __LINE__);                               \
    }                                                                          \
  while (0)
