/* Memory readings and child-process measurements for the benchmarks. A
 * measurement's result crosses from the child through a pipe as raw bytes,
 * so it must hold plain values only. */
#include "measure.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

/* A "VmRSS:" style line of /proc/self/status in KiB, or -1. */
static gint64
proc_status_kib (const char *key)
{
  g_autofree char *text = NULL;
  if (!g_file_get_contents ("/proc/self/status", &text, NULL, NULL))
    return -1;
  gsize klen = strlen (key);
  for (char *line = text; line != NULL && *line != '\0';)
    {
      if (strncmp (line, key, klen) == 0 && line[klen] == ':')
        return g_ascii_strtoll (line + klen + 1, NULL, 10);
      line = strchr (line, '\n');
      if (line != NULL)
        line++;
    }
  return -1;
}

gint64
bench_rss_kib (void)
{
  /* Hand freed heap pages back, so RSS shows what is live rather than what
   * malloc happens to keep cached. */
#ifdef __GLIBC__
  malloc_trim (0);
#endif
  return proc_status_kib ("VmRSS");
}

gint64
bench_peak_kib (void)
{
  gint64 hwm = proc_status_kib ("VmHWM");
  if (hwm >= 0)
    return hwm;
  struct rusage ru;
  if (getrusage (RUSAGE_SELF, &ru) == 0)
    return (gint64) ru.ru_maxrss; /* KiB on Linux */
  return -1;
}

gboolean
bench_measure (void (*func) (gconstpointer arg, gpointer result),
               gconstpointer arg, gpointer result, gsize result_size,
               gboolean use_fork)
{
  memset (result, 0, result_size);
  if (!use_fork)
    {
      func (arg, result);
      return TRUE;
    }
  int fds[2];
  if (pipe (fds) != 0)
    {
      g_printerr ("bench: pipe: %s\n", g_strerror (errno));
      return FALSE;
    }
  fflush (stdout);
  fflush (stderr);
  pid_t pid = fork ();
  if (pid < 0)
    {
      g_printerr ("bench: fork: %s\n", g_strerror (errno));
      close (fds[0]);
      close (fds[1]);
      return FALSE;
    }
  if (pid == 0)
    {
      close (fds[0]);
      func (arg, result);
      gsize done = 0;
      while (done < result_size)
        {
          ssize_t n = write (fds[1], (const char *) result + done,
                             result_size - done);
          if (n <= 0)
            _exit (1);
          done += (gsize) n;
        }
      _exit (0);
    }
  close (fds[1]);
  gsize got = 0;
  while (got < result_size)
    {
      ssize_t n = read (fds[0], (char *) result + got, result_size - got);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        break;
      got += (gsize) n;
    }
  close (fds[0]);
  int status = 0;
  while (waitpid (pid, &status, 0) < 0 && errno == EINTR)
    ;
  if (got != result_size || !WIFEXITED (status) || WEXITSTATUS (status) != 0)
    {
      g_printerr ("bench: a measurement failed in its child process\n");
      return FALSE;
    }
  return TRUE;
}

gint64
bench_cpu_us (void)
{
  struct timespec ts;
  if (clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &ts) != 0)
    return g_get_monotonic_time ();
  return (gint64) ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000;
}
