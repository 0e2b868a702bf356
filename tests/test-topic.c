/* Topic names and filters, MQTT 3.1.1 and 5.0 §4.7. Tests are named after
 * the rule they check. The two versions number the wildcard rules
 * differently (5.0 moved the "no wildcards in names" rule to 4.7.0-1), so
 * where the IDs differ both are given. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "topic.h"

static void
assert_filters (const char *const *filters, gsize n, gboolean valid)
{
  for (gsize i = 0; i < n; i++)
    if (ses_topic_filter_valid (filters[i]) != valid)
      fail_msg ("filter \"%s\" should be %s", filters[i],
                valid ? "valid" : "invalid");
}

static void
assert_names (const char *const *names, gsize n, gboolean valid)
{
  for (gsize i = 0; i < n; i++)
    if (ses_topic_name_valid (names[i]) != valid)
      fail_msg ("name \"%s\" should be %s", names[i],
                valid ? "valid" : "invalid");
}

typedef struct {
  const char *filter;
  const char *name;
  gboolean match;
} Case;

static void
assert_cases (const Case *cases, gsize n)
{
  for (gsize i = 0; i < n; i++)
    {
      /* Only meaningful on well-formed input. */
      assert_true (ses_topic_filter_valid (cases[i].filter));
      assert_true (ses_topic_name_valid (cases[i].name));
      if (ses_topic_matches (cases[i].filter, cases[i].name) != cases[i].match)
        fail_msg ("\"%s\" %s match \"%s\"", cases[i].filter,
                  cases[i].match ? "should" : "should not", cases[i].name);
    }
}

/* [MQTT-4.7.3-1] at least one character long. */
static void
test_both_MQTT_4_7_3_1_at_least_one_character (void **state)
{
  (void) state;
  assert_false (ses_topic_name_valid (""));
  assert_false (ses_topic_filter_valid (""));
  assert_false (ses_topic_name_valid (NULL));
  assert_false (ses_topic_filter_valid (NULL));
  /* One character is enough, even a separator or a space. */
  const char *const ok[] = { "a", "/", " ", "$" };
  assert_names (ok, G_N_ELEMENTS (ok), TRUE);
  assert_filters (ok, G_N_ELEMENTS (ok), TRUE);
}

/* [MQTT-4.7.3-3] at most 65,535 bytes once encoded. */
static void
test_both_MQTT_4_7_3_3_at_most_65535_bytes (void **state)
{
  (void) state;
  g_autofree char *max = g_malloc (65535 + 2);
  memset (max, 'a', 65535);
  max[65535] = '\0';
  assert_true (ses_topic_name_valid (max));
  assert_true (ses_topic_filter_valid (max));
  max[65534] = '#';
  max[65533] = '/';
  assert_true (ses_topic_filter_valid (max));
  memset (max, 'a', 65536);
  max[65536] = '\0';
  assert_false (ses_topic_name_valid (max));
  assert_false (ses_topic_filter_valid (max));
}

/* 3.1.1 [MQTT-1.5.3-1], 5.0 [MQTT-1.5.4-1]: strings are well-formed UTF-8
 * (no surrogates, no overlong forms). */
static void
test_both_MQTT_1_5_3_1_v5_MQTT_1_5_4_1_well_formed_utf8 (void **state)
{
  (void) state;
  const char *const ok[] = { "caf\xc3\xa9/cr\xc3\xa8me", "\xe2\x82\xac",
                             "\xf0\x9f\x98\x80/x" };
  assert_names (ok, G_N_ELEMENTS (ok), TRUE);
  assert_filters (ok, G_N_ELEMENTS (ok), TRUE);
  const char *const bad[] = {
    "\xc3",             /* truncated */
    "a/\xff",           /* never valid */
    "\xed\xa0\x80",     /* U+D800, a surrogate */
    "\xc0\xaf",         /* overlong '/' */
  };
  assert_names (bad, G_N_ELEMENTS (bad), FALSE);
  assert_filters (bad, G_N_ELEMENTS (bad), FALSE);
}

/* 3.1.1 [MQTT-4.7.1-1], 5.0 [MQTT-4.7.0-1]: wildcards only in filters. */
static void
test_v311_MQTT_4_7_1_1_v5_MQTT_4_7_0_1_no_wildcards_in_names (void **state)
{
  (void) state;
  const char *const bad[] = { "#", "+", "a/#", "a/+", "+/a", "a+b", "a#",
                              "sport/tennis/#", "$SYS/+" };
  assert_names (bad, G_N_ELEMENTS (bad), FALSE);
  const char *const ok[] = { "a/b", "/", "//", "/a", "a/", "a b",
                             "$SYS/broker/uptime", "sport/tennis/player1" };
  assert_names (ok, G_N_ELEMENTS (ok), TRUE);
}

/* 3.1.1 [MQTT-4.7.1-2], 5.0 [MQTT-4.7.1-1]: `#` on its own or after a
 * separator, and the last character of the filter. */
static void
test_v311_MQTT_4_7_1_2_v5_MQTT_4_7_1_1_hash_last_level (void **state)
{
  (void) state;
  const char *const ok[] = { "#", "/#", "a/#", "sport/tennis/player1/#",
                             "+/#", "a//#", "$SYS/#" };
  assert_filters (ok, G_N_ELEMENTS (ok), TRUE);
  const char *const bad[] = { "sport/tennis#", "sport/tennis/#/ranking",
                              "#/", "#/a", "a#", "#a", "##", "a/##",
                              "a/#b", "a/b#/c", "#+", "+#" };
  assert_filters (bad, G_N_ELEMENTS (bad), FALSE);
}

/* 3.1.1 [MQTT-4.7.1-3], 5.0 [MQTT-4.7.1-2]: `+` occupies a whole level, at
 * any level including the first and the last. */
static void
test_v311_MQTT_4_7_1_3_v5_MQTT_4_7_1_2_plus_whole_level (void **state)
{
  (void) state;
  const char *const ok[] = { "+", "+/tennis/#", "sport/+/player1", "+/+",
                             "/+", "+/", "a/+", "+/a", "+//+", "+/+/+" };
  assert_filters (ok, G_N_ELEMENTS (ok), TRUE);
  const char *const bad[] = { "sport+", "+sport", "a/b+", "a/+b", "a/b+/c",
                              "++", "a/++", "+a/b" };
  assert_filters (bad, G_N_ELEMENTS (bad), FALSE);
}

static void
test_both_match_literal_levels (void **state)
{
  (void) state;
  const Case cases[] = {
    { "a/b", "a/b", TRUE },
    { "a/b", "a/c", FALSE },
    { "a/b", "a/b/c", FALSE },
    { "a/b", "a", FALSE },
    { "a/b", "a/bc", FALSE },
    { "a/bc", "a/b", FALSE },
    { "/", "/", TRUE },
    { "/a", "a", FALSE }, /* a leading "/" makes a distinct (empty) level */
    { "a", "/a", FALSE },
    { "a/b/", "a/b", FALSE },
    { "a/b", "a/b/", FALSE },
    { "a//b", "a//b", TRUE },
    { "a//b", "a/b", FALSE },
  };
  assert_cases (cases, G_N_ELEMENTS (cases));
}

/* [MQTT-4.7.3-4] no normalisation or case folding when matching. */
static void
test_both_MQTT_4_7_3_4_no_normalisation (void **state)
{
  (void) state;
  const Case cases[] = {
    { "ACCOUNTS", "Accounts", FALSE },
    { "Accounts payable", "Accounts payable", TRUE },
    { "Accounts payable", "Accounts  payable", FALSE },
    { "caf\xc3\xa9", "cafe\xcc\x81", FALSE }, /* NFC vs NFD */
  };
  assert_cases (cases, G_N_ELEMENTS (cases));
}

/* The multi-level wildcard matches the parent level and any number of
 * child levels (non-normative examples of §4.7.1.2). */
static void
test_both_hash_matches_parent_and_children (void **state)
{
  (void) state;
  const Case cases[] = {
    { "sport/tennis/player1/#", "sport/tennis/player1", TRUE },
    { "sport/tennis/player1/#", "sport/tennis/player1/ranking", TRUE },
    { "sport/tennis/player1/#", "sport/tennis/player1/score/wimbledon",
      TRUE },
    { "sport/tennis/player1/#", "sport/tennis/player2", FALSE },
    { "sport/tennis/player1/#", "sport/tennis", FALSE },
    { "sport/#", "sport", TRUE },
    { "sport/#", "sport/", TRUE },
    { "sport/#", "sports", FALSE },
    { "sport/#", "sportx/a", FALSE },
    { "#", "sport", TRUE },
    { "#", "sport/tennis/player1", TRUE },
    { "#", "/", TRUE },
    { "#", "/a", TRUE },
    { "/#", "/", TRUE },
    { "/#", "/a/b", TRUE },
    { "/#", "a", FALSE },
    { "a//#", "a/", TRUE }, /* parent of a//x is the level "" after a/ */
    { "+/#", "a", TRUE },
    { "+/#", "a/b/c", TRUE },
  };
  assert_cases (cases, G_N_ELEMENTS (cases));
}

/* The single-level wildcard matches exactly one level, which may be empty
 * (a zero-length level is a level, §4.7.1.3 and §4.7.1.1). */
static void
test_both_plus_matches_exactly_one_level (void **state)
{
  (void) state;
  const Case cases[] = {
    { "sport/tennis/+", "sport/tennis/player1", TRUE },
    { "sport/tennis/+", "sport/tennis/player2", TRUE },
    { "sport/tennis/+", "sport/tennis/player1/ranking", FALSE },
    { "sport/+", "sport", FALSE },
    { "sport/+", "sport/", TRUE },
    { "+", "sport", TRUE },
    { "+", "sport/", FALSE },
    { "+", "/", FALSE },
    { "+/+", "/finance", TRUE },
    { "/+", "/finance", TRUE },
    { "+", "/finance", FALSE },
    { "+/+", "/", TRUE },
    { "sport/+/player1", "sport/tennis/player1", TRUE },
    { "sport/+/player1", "sport//player1", TRUE },
    { "sport/+/player1", "sport/player1", FALSE },
    { "+/tennis/#", "sport/tennis", TRUE },
    { "+/tennis/#", "sport/tennis/player1/ranking", TRUE },
    { "+/tennis/#", "sport/golf", FALSE },
    { "+/+/+", "a/b", FALSE },
    { "+/+/+", "a//", TRUE },
  };
  assert_cases (cases, G_N_ELEMENTS (cases));
}

/* [MQTT-4.7.2-1] filters starting with a wildcard do not match names
 * starting with `$`; filters starting with `$` do. */
static void
test_both_MQTT_4_7_2_1_dollar_topics (void **state)
{
  (void) state;
  const Case cases[] = {
    { "#", "$SYS", FALSE },
    { "#", "$SYS/monitor/Clients", FALSE },
    { "+", "$SYS", FALSE },
    { "+/monitor/Clients", "$SYS/monitor/Clients", FALSE },
    { "+/#", "$SYS/x", FALSE },
    { "$SYS/#", "$SYS/monitor/Clients", TRUE },
    { "$SYS/#", "$SYS", TRUE },
    { "$SYS/monitor/+", "$SYS/monitor/Clients", TRUE },
    { "$SYS/+/Clients", "$SYS/monitor/Clients", TRUE },
    { "$SYS", "$SYS", TRUE },
    /* Only a `$` at the very start counts. */
    { "#", "a/$SYS", TRUE },
    { "+/+", "a/$SYS", TRUE },
    { "+/$SYS", "a/$SYS", TRUE },
    /* A filter that starts with `/` does not start with a wildcard, but
     * its empty first level cannot match "$SYS" anyway. */
    { "/#", "$SYS", FALSE },
  };
  assert_cases (cases, G_N_ELEMENTS (cases));
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_both_MQTT_4_7_3_1_at_least_one_character),
    cmocka_unit_test (test_both_MQTT_4_7_3_3_at_most_65535_bytes),
    cmocka_unit_test (test_both_MQTT_1_5_3_1_v5_MQTT_1_5_4_1_well_formed_utf8),
    cmocka_unit_test (
      test_v311_MQTT_4_7_1_1_v5_MQTT_4_7_0_1_no_wildcards_in_names),
    cmocka_unit_test (test_v311_MQTT_4_7_1_2_v5_MQTT_4_7_1_1_hash_last_level),
    cmocka_unit_test (test_v311_MQTT_4_7_1_3_v5_MQTT_4_7_1_2_plus_whole_level),
    cmocka_unit_test (test_both_match_literal_levels),
    cmocka_unit_test (test_both_MQTT_4_7_3_4_no_normalisation),
    cmocka_unit_test (test_both_hash_matches_parent_and_children),
    cmocka_unit_test (test_both_plus_matches_exactly_one_level),
    cmocka_unit_test (test_both_MQTT_4_7_2_1_dollar_topics),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
