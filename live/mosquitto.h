/* A private Eclipse Mosquitto for one conformance run: a configuration
 * generated from the scenario's broker settings, a free loopback port, its
 * own data folder, started from PATH and stopped by its pid (SIGTERM, and
 * SIGKILL if it does not go), restarted cleanly or killed as the scenario
 * says. Nothing outlives the run: the child also dies with its parent. */
#pragma once

#include <glib.h>
#include "mqtt.h"

typedef struct _SesLiveBroker SesLiveBroker;

/* exe: the program (NULL: "mosquitto" from PATH, then /usr/sbin).
 * Errors say what failed and quote the broker's own log. */
SesLiveBroker *ses_live_broker_start (const SesBrokerConfig *cfg,
                                      const char *exe, GError **error);
guint16 ses_live_broker_port (const SesLiveBroker *broker);
GPid ses_live_broker_pid (const SesLiveBroker *broker);
/* The configuration file it runs with, and the settings that have no
 * mosquitto equivalent (one line each), for the report. */
const char *ses_live_broker_config_text (const SesLiveBroker *broker);
const GPtrArray *ses_live_broker_unmapped (const SesLiveBroker *broker);
/* Stops it (clean: SIGTERM, so a persistent broker saves its sessions;
 * else SIGKILL, a crash) and starts it again on the same port and data. */
gboolean ses_live_broker_restart (SesLiveBroker *broker, gboolean clean,
                                  GError **error);
/* Stops it if running and removes its folder. */
void ses_live_broker_free (SesLiveBroker *broker);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SesLiveBroker, ses_live_broker_free)

/* The mosquitto settings the scenario's broker settings map to: the
 * configuration text (without listener and paths) and, in `unmapped`, the
 * settings mosquitto has no equivalent for. Pure; used by start. */
char *ses_live_mosquitto_settings (const SesBrokerConfig *cfg,
                                   GPtrArray *unmapped);
