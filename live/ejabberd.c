/* Private ejabberd processes for conformance runs, started and stopped
 * like mosquitto's (launch.h): the Erlang runtime runs ejabberd from a
 * generated ejabberd.yml whose only listener is mod_mqtt on 127.0.0.1. The
 * node is not distributed, so it has no node name, starts no epmd and
 * listens on nothing else; several run side by side. */
#include "sessim-config.h"

#include "ejabberd.h"

#include <glib/gstdio.h>
#include <string.h>

#include "launch.h"
#include "socket.h"

/* An Erlang VM with ejabberd's applications takes 1.5 s alone on an idle
 * machine; a loaded one with several starting at once takes longer. */
#define EJABBERD_START_TIMEOUT_MS 30000

/* The longest session mod_mqtt can keep: it arms an Erlang timer in
 * milliseconds, which takes at most 2^32 - 1. */
#define EJABBERD_MAX_EXPIRY_S 4294967u

char *
ses_live_ejabberd_settings (const SesBrokerConfig *cfg, GPtrArray *unmapped)
{
  GString *s = g_string_new ("modules:\n  mod_mqtt:\n");
  /* max_queue bounds what waits for a session; our 0 means no limit. */
  if (cfg->queue_limit == 0)
    g_string_append (s, "    max_queue: unlimited\n");
  else
    g_string_append_printf (s, "    max_queue: %u\n", cfg->queue_limit);
  /* session_expiry caps every session, 3.1.1 persistent ones included, and
   * is told in each 5.0 CONNACK; without a cap, the longest it can keep. */
  guint32 cap = MIN (cfg->max_session_expiry_s, EJABBERD_MAX_EXPIRY_S);
  g_string_append_printf (s, "    session_expiry: %u\n", cap);
  /* The default (ram) keeps a session's queue in its process. */
  g_string_append (s, "    queue_type: ram\n");
  if (unmapped == NULL)
    return g_string_free (s, FALSE);
  if (cfg->max_session_expiry_s != SES_EXPIRY_NEVER
      && cfg->max_session_expiry_s > EJABBERD_MAX_EXPIRY_S)
    g_ptr_array_add (unmapped,
                     g_strdup_printf ("max-session-expiry: mod_mqtt keeps a "
                                      "session at most %u s",
                                      EJABBERD_MAX_EXPIRY_S));
  if (cfg->persistence)
    g_ptr_array_add (unmapped,
                     g_strdup ("persistence=on: mod_mqtt keeps sessions in "
                               "memory only (retained messages are kept)"));
  if (cfg->drop_policy != SES_DROP_NEWEST)
    g_ptr_array_add (unmapped,
                     g_strdup ("drop=oldest: mod_mqtt has no choice of what "
                               "a full queue drops"));
  if (cfg->receive_max != 65535)
    g_ptr_array_add (unmapped,
                     g_strdup ("receive-max: mod_mqtt announces no Receive "
                               "Maximum"));
  if (cfg->server_keep_alive_s != 0)
    g_ptr_array_add (unmapped,
                     g_strdup ("server-keep-alive: mod_mqtt always keeps the "
                               "client's Keep Alive"));
  if (cfg->max_qos < 2)
    g_ptr_array_add (unmapped,
                     g_strdup ("max-qos: mod_mqtt grants every QoS"));
  if (cfg->queue_qos0_offline)
    g_ptr_array_add (unmapped,
                     g_strdup ("queue-qos0=on: mod_mqtt has no setting for "
                               "QoS 0 messages to an offline session"));
  if (cfg->variants != 0)
    g_ptr_array_add (unmapped,
                     g_strdup ("variants: deliberate bugs exist only in the "
                               "model"));
  return g_string_free (s, FALSE);
}

/* Where ejabberd's Erlang applications are: Debian puts them beside the
 * multiarch libraries (/usr/lib/<triplet>/ejabberd-<version>), upstream in
 * Erlang's own lib folder. The first folder in name order, NULL if none. */
static char *
find_libs (void)
{
  const char *roots[] = { "/usr/lib", "/usr/lib/erlang", "/usr/local/lib" };
  for (guint r = 0; r < G_N_ELEMENTS (roots); r++)
    {
      GDir *d = g_dir_open (roots[r], 0, NULL);
      if (d == NULL)
        continue;
      g_autoptr (GPtrArray) found = g_ptr_array_new_with_free_func (g_free);
      const char *name;
      while ((name = g_dir_read_name (d)) != NULL)
        {
          g_autofree char *lib = g_build_filename (roots[r], name, NULL);
          GDir *sub = g_dir_open (lib, 0, NULL);
          if (sub == NULL)
            continue;
          const char *app;
          while ((app = g_dir_read_name (sub)) != NULL)
            if (g_str_has_prefix (app, "ejabberd-"))
              {
                g_autofree char *beam
                    = g_build_filename (lib, app, "ebin", "ejabberd.app",
                                        NULL);
                if (g_file_test (beam, G_FILE_TEST_EXISTS))
                  {
                    g_ptr_array_add (found, g_strdup (lib));
                    break;
                  }
              }
          g_dir_close (sub);
        }
      g_dir_close (d);
      if (found->len > 0)
        {
          /* Directory order is the file system's: take the least name. */
          const char *first = g_ptr_array_index (found, 0);
          for (guint i = 1; i < found->len; i++)
            if (strcmp (g_ptr_array_index (found, i), first) < 0)
              first = g_ptr_array_index (found, i);
          return g_strdup (first);
        }
    }
  return NULL;
}

/* ejabberd.yml for b's port; data: the settings lines. */
static char *
ejabberd_config (const SesLiveBroker *b, gconstpointer data)
{
  return g_strdup_printf (
      "# generated by sessim conform for one run\n"
      "hosts:\n  - localhost\n"
      "loglevel: info\n"
      "hide_sensitive_log_data: false\n"
      /* Every client logs in as user sessim with any password: the
       * anonymous method accepts it (ses_live_ejabberd_login). */
      "auth_method: [anonymous]\n"
      "anonymous_protocol: login_anon\n"
      "allow_multiple_connections: true\n"
      "listen:\n"
      "  -\n"
      "    port: %u\n"
      "    ip: \"127.0.0.1\"\n"
      "    module: mod_mqtt\n"
      "%s",
      b->port, (const char *) data);
}

SesLiveBroker *
ses_live_ejabberd_start (const SesBrokerConfig *cfg, const char *exe,
                         GError **error)
{
  g_autofree char *libs = find_libs ();
  char *erl = ses_live_find_program (exe, "erl", "/usr/bin/erl");
  if (libs == NULL || erl == NULL)
    {
      g_set_error (error, G_SPAWN_ERROR, G_SPAWN_ERROR_NOENT,
                   "ejabberd not found (%s; Debian: apt-get install "
                   "ejabberd)",
                   erl == NULL ? "no erl in PATH or /usr/bin"
                               : "no ejabberd-*/ebin/ejabberd.app under "
                                 "/usr/lib/*");
      g_free (erl);
      return NULL;
    }
  SesLiveBroker *b = ses_live_broker_new (erl, "ejabberd", "ejabberd.yml",
                                          "ejabberd.log", error);
  if (b == NULL)
    return NULL;
  const char *dir = b->dir;
  b->start_timeout_ms = EJABBERD_START_TIMEOUT_MS;
  g_autofree char *spool = g_build_filename (dir, "spool", NULL);
  g_autofree char *crash = g_build_filename (dir, "erl_crash.dump", NULL);
  g_autofree char *mnesia_dir = g_strdup_printf ("\"%s\"", spool);
  /* Not distributed (no -sname): no epmd, no node name to clash. The
   * schedulers sleep when idle rather than spin, on a shared machine. */
  const char *argv[] = { b->exe, "-noinput", "-noshell",
                         "+sbwt", "none", "+sbwtdcpu", "none",
                         "+sbwtdio", "none",
                         "-mnesia", "dir", mnesia_dir,
                         "-s", "ejabberd", NULL };
  b->argv = g_strdupv ((char **) argv);
  char **env = g_get_environ ();
  env = g_environ_setenv (env, "EJABBERD_CONFIG_PATH", b->conf_path, TRUE);
  env = g_environ_setenv (env, "EJABBERD_LOG_PATH", b->log_path, TRUE);
  env = g_environ_setenv (env, "ERL_LIBS", libs, TRUE);
  env = g_environ_setenv (env, "ERL_CRASH_DUMP", crash, TRUE);
  env = g_environ_setenv (env, "ERL_CRASH_DUMP_BYTES", "0", TRUE);
  env = g_environ_setenv (env, "HOME", dir, TRUE);
  env = g_environ_unsetenv (env, "EJABBERD_PID_PATH");
  b->envp = env;
  /* Ready when it has answered a CONNECT: its MQTT code is loaded on first
   * use, which otherwise makes the scenario's first CONNACK late by half a
   * second. 5.0, Clean Start, no expiry: nothing of it stays behind. */
  static const guint8 hello[] = {
    0x10, 25, 0, 4, 'M', 'Q', 'T', 'T', 5, 0x02, 0, 0, 0,
    0, 12, 's', 'e', 's', 's', 'i', 'm', '-', 'r', 'e', 'a', 'd', 'y',
  };
  g_autoptr (GByteArray) probe = g_byte_array_new ();
  g_byte_array_append (probe, hello, sizeof hello);
  ses_live_ejabberd_login (probe);
  b->ready_probe = g_bytes_new (probe->data, probe->len);
  g_autofree char *settings = ses_live_ejabberd_settings (cfg, b->unmapped);
  if (g_mkdir (spool, 0700) != 0)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_FAILED,
                   "cannot make %s", spool);
      ses_live_broker_free (b);
      return NULL;
    }
  /* Retained messages are the one thing mod_mqtt keeps on disc (its
   * sessions live in memory); without persistence a restart forgets them,
   * as the model says. (A custom Mnesia schema making the table ram_copies
   * takes effect only from the second start in 23.01.) */
  if (!cfg->persistence)
    b->volatile_dir = g_strdup (spool);
  return ses_live_broker_launch (b, ejabberd_config, settings, error);
}

/* Reads a Variable Byte Integer at *at; FALSE if it runs past len. */
static gboolean
read_vbi (const guint8 *p, gsize len, gsize *at, guint32 *value)
{
  guint32 v = 0;
  for (guint i = 0; i < 4; i++)
    {
      if (*at >= len)
        return FALSE;
      guint8 byte = p[(*at)++];
      v |= (guint32) (byte & 0x7f) << (7 * i);
      if ((byte & 0x80) == 0)
        {
          *value = v;
          return TRUE;
        }
    }
  return FALSE;
}

static void
append_string (GByteArray *to, const char *s)
{
  guint16 n = (guint16) strlen (s);
  guint8 len[2] = { (guint8) (n >> 8), (guint8) n };
  g_byte_array_append (to, len, 2);
  g_byte_array_append (to, (const guint8 *) s, n);
}

gboolean
ses_live_ejabberd_login (GByteArray *connect)
{
  const guint8 *p = connect->data;
  gsize len = connect->len, at = 1;
  guint32 remaining;
  if (len < 2 || p[0] != 0x10 || !read_vbi (p, len, &at, &remaining)
      || at + remaining != len)
    return FALSE;
  gsize body = at;
  /* Protocol Name (whatever the scenario wrote), Protocol Level, then the
   * Connect Flags (3.1.1 §3.1.2, 5.0 §3.1.2). */
  if (body + 2 > len)
    return FALSE;
  gsize flags_at = body + 2 + ((gsize) p[body] << 8 | p[body + 1]) + 1;
  /* User Name and Password come last in the payload. */
  if (flags_at >= len || (p[flags_at] & 0xc0) != 0)
    return FALSE;
  g_autoptr (GByteArray) out = g_byte_array_new ();
  guint8 head = 0x10;
  g_byte_array_append (out, &head, 1);
  GByteArray *rest = g_byte_array_new ();
  g_byte_array_append (rest, p + body, (guint) (len - body));
  rest->data[flags_at - body] |= 0xc0;
  append_string (rest, SES_LIVE_EJABBERD_USER);
  /* Any password does for the anonymous method; it must not be empty. */
  append_string (rest, SES_LIVE_EJABBERD_USER);
  guint32 n = rest->len;
  do
    {
      guint8 byte = n & 0x7f;
      n >>= 7;
      if (n > 0)
        byte |= 0x80;
      g_byte_array_append (out, &byte, 1);
    }
  while (n > 0);
  g_byte_array_append (out, rest->data, rest->len);
  g_byte_array_unref (rest);
  g_byte_array_set_size (connect, 0);
  g_byte_array_append (connect, out->data, out->len);
  return TRUE;
}
