/* fuzz-replay: feeds files to the fuzz target without libFuzzer, so the
 * corpus runs as an ordinary test (under ASan/UBSan in the sanitizer build).
 *
 *   fuzz-replay PATH...
 *
 * A directory stands for its regular files, in byte order of their names;
 * hidden files are skipped. Each input runs in a child process, so one that
 * aborts (an oracle, a sanitizer report, a leak found at the child's exit)
 * does not hide the others: every failing input is named at the end. */
#include <errno.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fuzz-scenario.h"

static int
compare_names (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

static void
replay_file (const char *path)
{
  g_autofree char *contents = NULL;
  gsize length = 0;
  g_autoptr (GError) error = NULL;
  if (!g_file_get_contents (path, &contents, &length, &error))
    {
      fprintf (stderr, "fuzz-replay: %s\n", error->message);
      exit (1);
    }
  /* A copy of exactly the input's size, so ASan sees any read past it. */
  guint8 *copy = g_malloc (length > 0 ? length : 1);
  memcpy (copy, contents, length);
  LLVMFuzzerTestOneInput (copy, length);
  g_free (copy);
}

/* TRUE if the input ran to the end and its process exited cleanly. */
static gboolean
replay_in_child (const char *path)
{
  fflush (NULL);
  pid_t pid = fork ();
  if (pid < 0)
    {
      perror ("fuzz-replay: fork");
      exit (1);
    }
  if (pid == 0)
    {
      replay_file (path);
      exit (0);
    }
  int status = 0;
  while (waitpid (pid, &status, 0) < 0)
    if (errno != EINTR)
      {
        perror ("fuzz-replay: waitpid");
        exit (1);
      }
  if (WIFEXITED (status) && WEXITSTATUS (status) == 0)
    return TRUE;
  if (WIFSIGNALED (status))
    fprintf (stderr, "fuzz-replay: FAILED %s (signal %d)\n", path,
             WTERMSIG (status));
  else
    fprintf (stderr, "fuzz-replay: FAILED %s (exit status %d)\n", path,
             WEXITSTATUS (status));
  return FALSE;
}

int
main (int argc, char **argv)
{
  if (argc < 2)
    {
      fprintf (stderr, "usage: fuzz-replay FILE-OR-DIR...\n");
      return 2;
    }
  guint replayed = 0, failed = 0;
  for (int i = 1; i < argc; i++)
    {
      if (!g_file_test (argv[i], G_FILE_TEST_IS_DIR))
        {
          failed += !replay_in_child (argv[i]);
          replayed++;
          continue;
        }
      g_autoptr (GError) error = NULL;
      g_autoptr (GDir) dir = g_dir_open (argv[i], 0, &error);
      if (dir == NULL)
        {
          fprintf (stderr, "fuzz-replay: %s\n", error->message);
          return 1;
        }
      g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
      const char *name;
      while ((name = g_dir_read_name (dir)) != NULL)
        if (name[0] != '.')
          g_ptr_array_add (names, g_strdup (name));
      g_ptr_array_sort (names, compare_names);
      for (guint k = 0; k < names->len; k++)
        {
          g_autofree char *path = g_build_filename (
              argv[i], g_ptr_array_index (names, k), NULL);
          if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
            continue;
          failed += !replay_in_child (path);
          replayed++;
        }
    }
  printf ("fuzz-replay: %u inputs replayed, %u failed\n", replayed, failed);
  if (replayed == 0)
    {
      fprintf (stderr, "fuzz-replay: no inputs found\n");
      return 1;
    }
  return failed == 0 ? 0 : 1;
}
