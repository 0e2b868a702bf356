/* File helpers the tests share: read a whole file, list a folder, remove
 * a folder tree the test made. Failures end the test (cmocka's
 * fail_msg). */
#pragma once

#include <glib.h>

/* The whole file; fails the test if it cannot be read. (transfer full) */
char *test_read_file (const char *path, gsize *length);
/* The names in folder dir that end in suffix, sorted in byte order, so
 * that a test going through them names the same file first every time.
 * Fails the test if dir cannot be read. (transfer full) (element-type
 * utf8) */
GPtrArray *test_list_dir (const char *dir, const char *suffix);
/* The paths of every bundled scenario below root: scenarios/ and its
 * hazards/, judge/ and variants/, each folder's in byte order. (transfer
 * full) (element-type filename) */
GPtrArray *test_bundled_scenarios (const char *root);
/* Removes path and, for a folder, everything below it. */
void test_remove_tree (const char *path);
/* Runs program with args (NULL-terminated) and returns its exit status;
 * its standard output and error go to *out and *err when not NULL. Fails
 * the test if it cannot run or does not exit normally. */
int test_run (const char *program, const char *const *args, char **out,
              char **err);
/* The same in folder cwd (NULL: this one) with environment envp (NULL:
 * this one's). */
int test_run_in (const char *program, const char *cwd, char **envp,
                 const char *const *args, char **out, char **err);
