/* Private mosquitto processes for conformance runs. Every wait is bounded
 * (start 5 s, stop 5 s, then SIGKILL); the child asks the kernel to kill it
 * when sessim dies (PR_SET_PDEATHSIG), so not even a crash of sessim leaves
 * a broker listening. */
/* sockets, poll, prctl and kill are POSIX and Linux, not C17 */
#define _GNU_SOURCE
#include "sessim-config.h"

#include "mosquitto.h"

#include <errno.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "launch.h"
#include "socket.h"

#define START_TIMEOUT_MS 5000
#define STOP_TIMEOUT_MS 5000

char *
ses_live_mosquitto_settings (const SesBrokerConfig *cfg, GPtrArray *unmapped)
{
  GString *s = g_string_new (NULL);
  /* mosquitto.conf(5): max_queued_messages 0 means no limit, as our 0. */
  g_string_append_printf (s, "max_queued_messages %u\n", cfg->queue_limit);
  g_string_append_printf (s, "queue_qos0_messages %s\n",
                          cfg->queue_qos0_offline ? "true" : "false");
  g_string_append_printf (s, "persistence %s\n",
                          cfg->persistence ? "true" : "false");
  if (cfg->max_qos < 2)
    g_string_append_printf (s, "max_qos %u\n", cfg->max_qos);
  if (cfg->server_keep_alive_s != 0)
    g_string_append_printf (s, "max_keepalive %u\n",
                            cfg->server_keep_alive_s);
  if (cfg->receive_max != 65535)
    /* mosquitto announces max_inflight_messages as its Receive Maximum
     * and uses it as its own window toward clients. */
    g_string_append_printf (s, "max_inflight_messages %u\n",
                            cfg->receive_max);
  if (unmapped != NULL)
    {
      if (cfg->drop_policy != SES_DROP_NEWEST)
        g_ptr_array_add (unmapped,
                         g_strdup ("drop=oldest: mosquitto always refuses "
                                   "the newest message when a queue is full"));
      if (cfg->max_session_expiry_s != SES_EXPIRY_NEVER)
        g_ptr_array_add (unmapped,
                         g_strdup ("max-session-expiry: mosquitto 2.0 has no "
                                   "cap on a 5.0 client's Session Expiry "
                                   "Interval"));
      if (!cfg->qos2_on_pubrel)
        g_ptr_array_add (unmapped,
                         g_strdup ("qos2=on-publish: mosquitto forwards an "
                                   "incoming QoS 2 message on PUBREL "
                                   "(Method A)"));
      if (cfg->variants != 0)
        g_ptr_array_add (unmapped,
                         g_strdup ("variants: deliberate bugs exist only in "
                                   "the model"));
    }
  return g_string_free (s, FALSE);
}

static void
child_setup (gpointer data)
{
  /* Dies with sessim, whatever becomes of sessim. */
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

static char *
log_tail (const SesLiveBroker *b)
{
  g_autofree char *text = NULL;
  if (!g_file_get_contents (b->log_path, &text, NULL, NULL) || *text == '\0')
    return g_strdup ("(its log is empty)");
  gsize len = strlen (text);
  const char *from = len > 600 ? text + len - 600 : text;
  return g_strstrip (g_strdup (from));
}

static gboolean
reap (SesLiveBroker *b, guint timeout_ms)
{
  for (guint waited = 0; waited <= timeout_ms; waited += 10)
    {
      int status;
      pid_t r = waitpid (b->pid, &status, WNOHANG);
      if (r == b->pid || (r < 0 && errno == ECHILD))
        {
          g_spawn_close_pid (b->pid);
          b->pid = 0;
          return TRUE;
        }
      g_usleep (10 * 1000);
    }
  return FALSE;
}

static void
stop (SesLiveBroker *b, gboolean clean)
{
  if (b->pid == 0)
    return;
  if (clean)
    {
      kill (b->pid, SIGTERM);
      if (reap (b, STOP_TIMEOUT_MS))
        return;
    }
  kill (b->pid, SIGKILL);
  reap (b, STOP_TIMEOUT_MS);
}

gboolean
ses_live_broker_spawn (SesLiveBroker *b, GError **error)
{
  const char *argv[] = { b->exe, "-c", b->conf_path, NULL };
  guint timeout_ms = b->start_timeout_ms != 0 ? b->start_timeout_ms
                                              : START_TIMEOUT_MS;
  g_autoptr (GError) err = NULL;
  if (!g_spawn_async (b->dir, b->argv != NULL ? b->argv : (char **) argv,
                      b->envp,
                      G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL
                        | G_SPAWN_STDERR_TO_DEV_NULL,
                      child_setup, NULL, &b->pid, &err))
    {
      g_set_error (error, G_SPAWN_ERROR, err->code, "cannot start %s: %s",
                   b->exe, err->message);
      return FALSE;
    }
  /* Ready when it accepts a connection on its port (and answers the
   * ready probe on it, if there is one). */
  for (guint waited = 0; waited < timeout_ms; waited += 20)
    {
      int status;
      if (waitpid (b->pid, &status, WNOHANG) == b->pid)
        {
          g_spawn_close_pid (b->pid);
          b->pid = 0;
          g_autofree char *tail = log_tail (b);
          g_set_error (error, G_SPAWN_ERROR, G_SPAWN_ERROR_FAILED,
                       "%s exited at start: %s", b->exe, tail);
          return FALSE;
        }
      g_autoptr (SesLiveSocket) probe
        = ses_live_socket_connect ("127.0.0.1", b->port, 200, NULL);
      if (probe != NULL && b->ready_probe == NULL)
        return TRUE;
      if (probe != NULL
          && ses_live_socket_write (probe,
                                    g_bytes_get_data (b->ready_probe, NULL),
                                    g_bytes_get_size (b->ready_probe), 1000))
        for (; waited < timeout_ms; waited += 10)
          {
            if (!ses_live_socket_read (probe) || probe->inbox->len > 0
                || probe->eof)
              break;
            g_usleep (10 * 1000);
          }
      if (probe != NULL && probe->inbox->len > 0)
        return TRUE;
      g_usleep (20 * 1000);
    }
  stop (b, FALSE);
  g_autofree char *tail = log_tail (b);
  g_set_error (error, G_SPAWN_ERROR, G_SPAWN_ERROR_FAILED,
               "%s did not listen on 127.0.0.1:%u within %u s: %s", b->exe,
               b->port, timeout_ms / 1000, tail);
  return FALSE;
}

char *
ses_live_find_program (const char *exe, const char *name,
                       const char *fallback)
{
  if (exe != NULL)
    return g_strdup (exe);
  char *found = g_find_program_in_path (name);
  if (found == NULL && g_file_test (fallback, G_FILE_TEST_IS_EXECUTABLE))
    found = g_strdup (fallback);
  return found;
}

SesLiveBroker *
ses_live_broker_new (char *exe, const char *kind, const char *conf_name,
                     const char *log_name, GError **error)
{
  g_autofree char *template = g_strdup_printf ("sessim-%s-XXXXXX", kind);
  char *dir = g_dir_make_tmp (template, error);
  if (dir == NULL)
    {
      g_free (exe);
      return NULL;
    }
  SesLiveBroker *b = g_new0 (SesLiveBroker, 1);
  b->exe = exe;
  b->dir = dir;
  b->conf_path = g_build_filename (dir, conf_name, NULL);
  b->log_path = g_build_filename (dir, log_name, NULL);
  b->unmapped = g_ptr_array_new_with_free_func (g_free);
  return b;
}

SesLiveBroker *
ses_live_broker_launch (SesLiveBroker *b,
                        char *(*make_config) (const SesLiveBroker *b,
                                              gconstpointer data),
                        gconstpointer data, GError **error)
{
  g_autoptr (GError) err = NULL;
  for (guint attempt = 0; attempt < 5; attempt++)
    {
      g_clear_error (&err);
      b->port = ses_live_free_port ();
      g_free (b->config_text);
      b->config_text = make_config (b, data);
      if (!g_file_set_contents (b->conf_path, b->config_text, -1, &err))
        break;
      if (ses_live_broker_spawn (b, &err))
        return b;
    }
  g_propagate_error (error, g_steal_pointer (&err));
  ses_live_broker_free (b);
  return NULL;
}

/* mosquitto.conf for b's port; data: the settings lines. */
static char *
mosquitto_config (const SesLiveBroker *b, gconstpointer data)
{
  return g_strdup_printf (
      "# generated by sessim conform for one run\n"
      "listener %u 127.0.0.1\n"
      "allow_anonymous true\n"
      "persistence_location %s/\n"
      "log_dest file %s\n"
      "log_type error\nlog_type warning\nlog_type notice\n"
      "log_type information\n"
      "%s"
      "%s",
      b->port, b->dir, b->log_path,
      /* As root, mosquitto would switch to user mosquitto, which cannot
       * write our private folder. */
      geteuid () == 0 ? "user root\n" : "", (const char *) data);
}

SesLiveBroker *
ses_live_broker_start (const SesBrokerConfig *cfg, const char *exe,
                       GError **error)
{
  char *path = ses_live_find_program (exe, "mosquitto", "/usr/sbin/mosquitto");
  if (path == NULL)
    {
      g_set_error (error, G_SPAWN_ERROR, G_SPAWN_ERROR_NOENT,
                   "mosquitto not found in PATH or /usr/sbin (Debian: "
                   "apt-get install mosquitto)");
      return NULL;
    }
  SesLiveBroker *b = ses_live_broker_new (path, "mosquitto", "mosquitto.conf",
                                          "mosquitto.log", error);
  if (b == NULL)
    return NULL;
  g_autofree char *settings = ses_live_mosquitto_settings (cfg, b->unmapped);
  return ses_live_broker_launch (b, mosquitto_config, settings, error);
}

guint16
ses_live_broker_port (const SesLiveBroker *broker)
{
  return broker->port;
}

GPid
ses_live_broker_pid (const SesLiveBroker *broker)
{
  return broker->pid;
}

const char *
ses_live_broker_config_text (const SesLiveBroker *broker)
{
  return broker->config_text;
}

const GPtrArray *
ses_live_broker_unmapped (const SesLiveBroker *broker)
{
  return broker->unmapped;
}

static void remove_tree (const char *dir);

gboolean
ses_live_broker_restart (SesLiveBroker *broker, gboolean clean,
                         GError **error)
{
  stop (broker, clean);
  if (!clean && broker->volatile_dir != NULL)
    {
      remove_tree (broker->volatile_dir);
      g_mkdir (broker->volatile_dir, 0700);
    }
  return ses_live_broker_spawn (broker, error);
}

static void
remove_tree (const char *dir)
{
  GDir *d = g_dir_open (dir, 0, NULL);
  if (d == NULL)
    return;
  const char *name;
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *p = g_build_filename (dir, name, NULL);
      if (g_file_test (p, G_FILE_TEST_IS_DIR)
          && !g_file_test (p, G_FILE_TEST_IS_SYMLINK))
        remove_tree (p);
      else
        g_unlink (p);
    }
  g_dir_close (d);
  g_rmdir (dir);
}

void
ses_live_broker_free (SesLiveBroker *broker)
{
  if (broker == NULL)
    return;
  stop (broker, TRUE);
  remove_tree (broker->dir);
  g_free (broker->exe);
  g_free (broker->dir);
  g_free (broker->conf_path);
  g_free (broker->log_path);
  g_free (broker->config_text);
  g_ptr_array_unref (broker->unmapped);
  g_strfreev (broker->argv);
  g_strfreev (broker->envp);
  g_free (broker->volatile_dir);
  if (broker->ready_probe != NULL)
    g_bytes_unref (broker->ready_probe);
  g_free (broker);
}
