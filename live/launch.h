/* What the private-broker launchers in live/ share; implemented in
 * mosquitto.c, used by ejabberd.c. A broker is one child process in a
 * folder of its own, ready when it accepts a connection on its loopback
 * port, stopped by its pid; the folder goes with it. */
#pragma once

#include <glib.h>
#include "mosquitto.h"

struct _SesLiveBroker {
  char *exe;
  char *dir;       /* its own folder: config, log, persistence */
  char *conf_path;
  char *log_path;
  char *config_text;
  GPtrArray *unmapped;
  guint16 port;
  GPid pid;        /* 0 when not running */
  /* Set by launchers other than mosquitto's; NULL/0: `exe -c conf_path`,
   * the inherited environment, START_TIMEOUT_MS. */
  char **argv;
  char **envp;
  guint start_timeout_ms;
  /* (nullable) Written on the first connection that the broker accepts;
   * it is ready only once it answers. A broker that loads its code on
   * first use (ejabberd) answers its first client late otherwise. */
  GBytes *ready_probe;
  /* (nullable) A folder of the broker's state that a restart without a
   * clean stop empties first: what a broker keeps on disc whatever its
   * settings (ejabberd's retained messages) goes with a crash when the
   * scenario says the broker persists nothing. */
  char *volatile_dir;
};

/* Starts b->exe (or b->argv) in b->dir and waits, bounded, until it
 * accepts a connection on b->port. On failure it is not running and the
 * error quotes the tail of b->log_path. */
gboolean ses_live_broker_spawn (SesLiveBroker *b, GError **error);
