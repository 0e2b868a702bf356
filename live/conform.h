/* The conformance driver: plays a scenario's clients, as the model defines
 * them, against a real broker over TCP in wall time. The world keeps the
 * client ends simulated and links the server ends to real connections
 * (ses_world_set_link); this module owns those connections, the broker
 * process when it starts one, the wall clock and the time scale. What
 * crosses the wire is recorded in the world's observation log exactly as
 * in a simulated run, so the judge, the expectations and every output read
 * it unchanged. */
#pragma once

#include <glib.h>
#include "mqtt.h"
#include "world.h"

#define SES_CONFORM_ERROR (ses_conform_error_quark ())
GQuark ses_conform_error_quark (void);

typedef enum {
  SES_CONFORM_ERROR_BROKER,  /* the broker could not be started or reached */
  SES_CONFORM_ERROR_USAGE,   /* the scenario asks what the target cannot do */
} SesConformErrorCode;

/* Which broker --broker starts. */
typedef enum {
  SES_CONFORM_MOSQUITTO = 0,
  SES_CONFORM_EJABBERD = 1,  /* its mod_mqtt; every CONNECT carries a
                                login (ses_live_ejabberd_login) */
} SesConformBroker;

typedef struct {
  /* Start a private mosquitto (exe NULL: from PATH), or connect to host. */
  gboolean start_broker;
  SesConformBroker broker_kind; /* which one start_broker starts */
  const char *broker_exe;
  const char *host;
  guint16 port;
  /* Wall seconds per virtual second (1: real time). Durations sent to the
   * broker (keep alive, expiries, will delay) are scaled by the same
   * factor and rounded to whole seconds. */
  double time_scale;
  /* Run until this virtual time. */
  SesTime until;
  /* Set from a signal handler: stop at the next safe point. */
  volatile int *interrupted;
} SesConformOptions;

typedef struct {
  guint16 port;            /* where the broker listened */
  char *broker_config;     /* the generated mosquitto.conf, or NULL */
  GPtrArray *notes;        /* (element-type utf8) what the run could not
                              do as the scenario says, and why */
  guint connections;       /* TCP connections opened */
  guint restarts;          /* broker restarts carried out */
  gboolean interrupted;
  SesTime ended_at;        /* virtual time of the last step */
} SesConformReport;

void ses_conform_report_clear (SesConformReport *report);

/* Runs `world` (built from cfg with ses_mqtt_world_new) against the broker
 * until opts->until. FALSE with SES_CONFORM_ERROR_BROKER when the broker
 * cannot be started or reached at the first connection; a run that loses
 * the broker later goes on (clients see refused connections). */
gboolean ses_conform_run (SesWorld *world, const SesConformOptions *opts,
                          SesConformReport *report, GError **error);

/* A duration as the broker is told it under a time scale: rounded to whole
 * seconds, at least 1 when it was not 0, "never" kept. */
guint32 ses_conform_scale_out (guint32 seconds, double scale);
guint32 ses_conform_scale_in (guint32 seconds, double scale);
