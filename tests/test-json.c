/* The JSON reader that `sessim merge` reads shard results with: what it
 * accepts (values, escapes, 64-bit numbers exactly) and what it refuses,
 * with the place of the error. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "error.h"
#include "json.h"

static SesJson *
parse (const char *text)
{
  g_autoptr (GError) error = NULL;
  SesJson *j = ses_json_parse ("t.json", text, strlen (text), &error);
  if (j == NULL)
    fail_msg ("%s: %s", text, error->message);
  return j;
}

static void
test_values (void **state)
{
  (void) state;
  g_autoptr (SesJson) j = parse (
      " {\"a\": [1, -2.5e3, true, false, null], \"s\": \"x\\\"\\\\\\/\\n\\u00e9"
      "\\ud83d\\ude00\", \"big\": 18446744073709551615, \"o\": {},"
      " \"a\": 7 }\n");
  assert_int_equal (ses_json_kind (j), SES_JSON_OBJECT);
  assert_int_equal (ses_json_length (j), 5);
  assert_string_equal (ses_json_member_name (j, 1), "s");
  /* The last of two equal names wins. */
  guint64 u = 0;
  assert_true (ses_json_uint64 (ses_json_get (j, "a"), &u));
  assert_int_equal (u, 7);
  const SesJson *a = ses_json_index (j, 0);
  assert_int_equal (ses_json_kind (a), SES_JSON_ARRAY);
  assert_int_equal (ses_json_length (a), 5);
  double d = 0;
  assert_true (ses_json_double (ses_json_index (a, 1), &d));
  assert_true (d == -2500.0);
  /* Not a whole number, or negative: no uint64. */
  assert_false (ses_json_uint64 (ses_json_index (a, 1), &u));
  gboolean b = FALSE;
  assert_true (ses_json_bool (ses_json_index (a, 2), &b));
  assert_true (b);
  assert_true (ses_json_bool (ses_json_index (a, 3), &b));
  assert_false (b);
  assert_int_equal (ses_json_kind (ses_json_index (a, 4)), SES_JSON_NULL);
  assert_string_equal (ses_json_string (ses_json_get (j, "s")),
                       "x\"\\/\n\xc3\xa9\xf0\x9f\x98\x80");
  assert_true (ses_json_uint64 (ses_json_get (j, "big"), &u));
  assert_true (u == G_MAXUINT64);
  assert_int_equal (ses_json_length (ses_json_get (j, "o")), 0);
  assert_null (ses_json_get (j, "missing"));
  assert_null (ses_json_get (a, "a"));
  assert_null (ses_json_string (a));
}

static void
test_refused_with_place (void **state)
{
  (void) state;
  static const struct {
    const char *text;
    const char *message;
  } bad[] = {
    { "", "t.json:1:1: error: expected a value" },
    { "{\"a\":1,}", "t.json:1:8: error: expected a member name" },
    { "[1 2]", "t.json:1:4: error: expected ',' or ']'" },
    { "{\"a\"\n 1}", "t.json:2:2: error: expected ':'" },
    { "\"abc", "t.json:1:5: error: unterminated string" },
    { "\"a\tb\"", "t.json:1:3: error: control character in a string" },
    { "\"\\x\"", "t.json:1:3: error: unknown escape in a string" },
    { "\"\\ud800\"", "t.json:1:8: error: bad \\u escape" },
    { "01", "t.json:1:2: error: text after the value" },
    { "-", "t.json:1:2: error: expected a digit" },
    { "1.", "t.json:1:3: error: expected a digit after '.'" },
    { "tru", "t.json:1:1: error: expected a value" },
    { "{} {}", "t.json:1:4: error: text after the value" },
    { "\"\xff\"", "t.json:1:4: error: string is not valid UTF-8" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) error = NULL;
      SesJson *j = ses_json_parse ("t.json", bad[i].text,
                                   strlen (bad[i].text), &error);
      assert_null (j);
      assert_true (g_error_matches (error, SES_ERROR, SES_ERROR_PARSE));
      if (strcmp (error->message, bad[i].message) != 0)
        fail_msg ("%s: got '%s', want '%s'", bad[i].text, error->message,
                  bad[i].message);
    }
  /* Deep nesting is refused rather than recursed into. */
  GString *deep = g_string_new (NULL);
  for (guint i = 0; i < 1000; i++)
    g_string_append_c (deep, '[');
  g_autoptr (GError) error = NULL;
  assert_null (ses_json_parse ("t.json", deep->str, deep->len, &error));
  assert_non_null (strstr (error->message, "nested too deeply"));
  g_string_free (deep, TRUE);
  /* An embedded NUL is refused. */
  g_clear_error (&error);
  assert_null (ses_json_parse ("t.json", "[1]\0", 4, &error));
  assert_non_null (error);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_values),
    cmocka_unit_test (test_refused_with_place),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
