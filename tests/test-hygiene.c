/* Structural checks on the sources themselves: the engine and the model
 * never reach the wall clock or an unseeded random source, and the engine
 * never includes a model header (the arrows point one way). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <glib.h>
#include <string.h>

static const char *const forbidden[] = {
  "time (", "time(", "clock_gettime", "gettimeofday", "g_get_real_time",
  "g_get_monotonic_time", "g_date_time_new_now", "g_random_", "rand (",
  "rand(", "srand", "random (", "random(", "getpid",
};

/* Appends the .c and .h files directly in SOURCE_ROOT/dir, sorted. */
static void
list_sources (const char *dir, GPtrArray *out)
{
  g_autofree char *path = g_build_filename (SOURCE_ROOT, dir, NULL);
  g_autoptr (GDir) d = g_dir_open (path, 0, NULL);
  assert_non_null (d);
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;
  while ((name = g_dir_read_name (d)) != NULL)
    if (g_str_has_suffix (name, ".c") || g_str_has_suffix (name, ".h"))
      g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, (GCompareFunc) g_strcmp0);
  for (guint i = 0; i < names->len; i++)
    g_ptr_array_add (out, g_build_filename (path, g_ptr_array_index (names, i),
                                            NULL));
}

/* A forbidden name counts only as a call, not inside another identifier
 * (`ses_time_format (`) and not in a comment line. */
static gboolean
line_calls (const char *line, const char *needle)
{
  const char *trimmed = line;
  while (*trimmed == ' ' || *trimmed == '\t')
    trimmed++;
  if (g_str_has_prefix (trimmed, "/*") || g_str_has_prefix (trimmed, "*")
      || g_str_has_prefix (trimmed, "//"))
    return FALSE;
  for (const char *p = strstr (line, needle); p != NULL;
       p = strstr (p + 1, needle))
    {
      char before = p == line ? ' ' : p[-1];
      if (!(g_ascii_isalnum (before) || before == '_'))
        return TRUE;
    }
  return FALSE;
}

static void
test_no_wall_clock_or_unseeded_randomness (void **state)
{
  g_autoptr (GPtrArray) files = g_ptr_array_new_with_free_func (g_free);
  /* The command line (cli/) is not scanned: it may time itself (check
   * prints its speed and progress on the terminal), and what it measures
   * never reaches a world, a trace or an output file. */
  list_sources ("sim", files);
  list_sources ("models", files);
  assert_true (files->len > 10);
  guint offences = 0;
  for (guint i = 0; i < files->len; i++)
    {
      const char *file = g_ptr_array_index (files, i);
      g_autofree char *text = NULL;
      assert_true (g_file_get_contents (file, &text, NULL, NULL));
      g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
      for (guint n = 0; lines[n] != NULL; n++)
        for (guint k = 0; k < G_N_ELEMENTS (forbidden); k++)
          if (line_calls (lines[n], forbidden[k]))
            {
              print_error ("%s:%u: %s\n", file, n + 1, lines[n]);
              offences++;
            }
    }
  assert_int_equal (offences, 0);
}

static void
test_engine_includes_no_model_header (void **state)
{
  g_autoptr (GPtrArray) models = g_ptr_array_new_with_free_func (g_free);
  list_sources ("models", models);
  g_autoptr (GPtrArray) engine = g_ptr_array_new_with_free_func (g_free);
  list_sources ("sim", engine);
  guint offences = 0;
  for (guint i = 0; i < engine->len; i++)
    {
      const char *file = g_ptr_array_index (engine, i);
      g_autofree char *text = NULL;
      assert_true (g_file_get_contents (file, &text, NULL, NULL));
      for (guint k = 0; k < models->len; k++)
        {
          g_autofree char *base = g_path_get_basename (g_ptr_array_index (models, k));
          g_autofree char *inc = g_strdup_printf ("#include \"%s\"", base);
          if (g_str_has_suffix (base, ".h") && strstr (text, inc) != NULL)
            {
              print_error ("%s includes %s\n", file, base);
              offences++;
            }
        }
    }
  assert_int_equal (offences, 0);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_no_wall_clock_or_unseeded_randomness),
    cmocka_unit_test (test_engine_includes_no_model_header),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
