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

/* exe if given, else `name` found in PATH, else `fallback` if it is an
 * executable; NULL when none is. (transfer full) */
char *ses_live_find_program (const char *exe, const char *name,
                             const char *fallback);

/* A broker record for `exe` (taken over) with a fresh private folder
 * "sessim-KIND-XXXXXX" holding the files conf_name and log_name; NULL and
 * an error if the folder cannot be made (exe is freed then). */
SesLiveBroker *ses_live_broker_new (char *exe, const char *kind,
                                    const char *conf_name,
                                    const char *log_name, GError **error);

/* Picks a free loopback port, writes the config make_config returns for
 * it (b->port is set when it is called) and spawns the broker, trying a
 * few ports, since another process may take one between our look and the
 * broker's bind. Returns b running, or frees b and returns NULL. */
SesLiveBroker *ses_live_broker_launch (SesLiveBroker *b,
                                       char *(*make_config) (
                                           const SesLiveBroker *b,
                                           gconstpointer data),
                                       gconstpointer data, GError **error);
