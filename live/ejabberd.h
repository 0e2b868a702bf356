/* A private ejabberd (its mod_mqtt, an MQTT 5.0 and 3.1.1 broker) for one
 * conformance run: an ejabberd.yml generated from the scenario's broker
 * settings, a free loopback port and nothing else listening, its own spool
 * and log folder, a non-distributed Erlang node (no node name, no epmd),
 * stopped by its pid like mosquitto (launch.h). */
#pragma once

#include <glib.h>
#include "mosquitto.h"

/* exe: the Erlang runtime (NULL: "erl" from PATH, then /usr/bin/erl); the
 * ejabberd applications are looked up where Debian installs them. The
 * result is freed, restarted and queried with the ses_live_broker_*
 * functions. A broker that keeps sessions across a restart
 * (`persistence=on`) is refused: mod_mqtt keeps them in memory only. */
SesLiveBroker *ses_live_ejabberd_start (const SesBrokerConfig *cfg,
                                        const char *exe, GError **error);

/* The mod_mqtt settings the scenario's broker settings map to (the
 * `modules:` entry of ejabberd.yml) and, in `unmapped`, those ejabberd has
 * no equivalent for. Pure; used by start. */
char *ses_live_ejabberd_settings (const SesBrokerConfig *cfg,
                                  GPtrArray *unmapped);

/* mod_mqtt admits no client without a password (an empty one means "check
 * the TLS certificate"), so every CONNECT sent to it carries User Name and
 * Password: adds them to an encoded CONNECT (3.1.1 or 5.0) in place. They
 * are the last fields of the payload, so nothing else moves. FALSE, and
 * the packet unchanged, when it is not a CONNECT that can take them. */
gboolean ses_live_ejabberd_login (GByteArray *connect);
#define SES_LIVE_EJABBERD_USER "sessim"
