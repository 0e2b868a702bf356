/* File helpers the tests share: read a whole file, remove a folder tree
 * the test made. Failures end the test (cmocka's fail_msg). */
#pragma once

#include <glib.h>

/* The whole file; fails the test if it cannot be read. (transfer full) */
char *test_read_file (const char *path, gsize *length);
/* Removes path and, for a folder, everything below it. */
void test_remove_tree (const char *path);
