/* File helpers for the tests (see test-files.h). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <glib/gstdio.h>
#include <string.h>
#include <sys/wait.h>

#include "test-files.h"

char *
test_read_file (const char *path, gsize *length)
{
  char *text = NULL;
  gsize len = 0;
  if (!g_file_get_contents (path, &text, &len, NULL))
    fail_msg ("cannot read %s", path);
  if (length != NULL)
    *length = len;
  return text;
}

static gint
compare_names (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

GPtrArray *
test_list_dir (const char *dir, const char *suffix)
{
  g_autoptr (GDir) it = g_dir_open (dir, 0, NULL);
  if (it == NULL)
    fail_msg ("cannot list %s", dir);
  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);
  const char *name;
  while ((name = g_dir_read_name (it)) != NULL)
    if (g_str_has_suffix (name, suffix))
      g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_names);
  return names;
}

GPtrArray *
test_bundled_scenarios (const char *root)
{
  static const char *const dirs[] = { "scenarios", "scenarios/hazards",
                                      "scenarios/judge", "scenarios/variants" };
  GPtrArray *paths = g_ptr_array_new_with_free_func (g_free);
  for (guint d = 0; d < G_N_ELEMENTS (dirs); d++)
    {
      g_autofree char *dir = g_build_filename (root, dirs[d], NULL);
      g_autoptr (GPtrArray) names = test_list_dir (dir, ".scn");
      for (guint i = 0; i < names->len; i++)
        g_ptr_array_add (paths, g_build_filename (dir, names->pdata[i], NULL));
    }
  return paths;
}

void
test_remove_tree (const char *path)
{
  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      g_autoptr (GDir) d = g_dir_open (path, 0, NULL);
      const char *name;
      while (d != NULL && (name = g_dir_read_name (d)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);
          test_remove_tree (child);
        }
      g_rmdir (path);
    }
  else
    g_unlink (path);
}

int
test_run (const char *program, const char *const *args, char **out,
          char **err)
{
  return test_run_in (program, NULL, NULL, args, out, err);
}

int
test_run_in (const char *program, const char *cwd, char **envp,
             const char *const *args, char **out, char **err)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_ptr_array_add (argv, (gpointer) program);
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);
  g_autoptr (GError) error = NULL;
  int wait_status = 0;
  g_autofree char *o = NULL, *e = NULL;
  if (!g_spawn_sync (cwd, (char **) argv->pdata, envp, G_SPAWN_DEFAULT, NULL,
                     NULL, &o, &e, &wait_status, &error))
    fail_msg ("cannot run %s: %s", program, error->message);
  if (!WIFEXITED (wait_status))
    fail_msg ("%s did not exit normally", program);
  if (out != NULL)
    *out = g_steal_pointer (&o);
  if (err != NULL)
    *err = g_steal_pointer (&e);
  return WEXITSTATUS (wait_status);
}
