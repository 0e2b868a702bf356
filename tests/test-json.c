/* The JSON reader that `sessim merge` reads shard results with: what it
 * accepts (values, escapes, 64-bit numbers exactly) and what it refuses,
 * with the place of the error. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include <json-glib/json-glib.h>

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

/* Why summary.json and the random-mode results keep this reader and their
 * own writers rather than json-glib (issue 13, item 9): seeds are unsigned
 * 64-bit and these files write them as JSON numbers, and json-glib 1.6
 * cannot. These are the measurements the comment atop sim/json.c cites; if
 * a later json-glib passes them, this test fails, and the choice should be
 * made again. */
static guint json_glib_messages;

/* json-glib logs through the structured writer, which a handler of the
 * old kind never sees; this writer counts its messages, passes the rest. */
static GLogWriterOutput
count_message (GLogLevelFlags level, const GLogField *fields, gsize n,
               gpointer data)
{
  for (gsize i = 0; i < n; i++)
    if (strcmp (fields[i].key, "GLIB_DOMAIN") == 0 && fields[i].length < 0
        && g_strcmp0 (fields[i].value, "Json") == 0)
      {
        json_glib_messages++;
        return G_LOG_WRITER_HANDLED;
      }
  return g_log_writer_default (level, fields, n, data);
}

static char *
json_glib_write (JsonNode *root)
{
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  json_generator_set_root (gen, root);
  return json_generator_to_data (gen, NULL);
}

static gint64
json_glib_read_seed (const char *text)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  assert_true (json_parser_load_from_data (parser, text, -1, &error));
  JsonObject *o = json_node_get_object (json_parser_get_root (parser));
  JsonNode *seed = json_object_get_member (o, "seed");
  assert_int_equal (json_node_get_value_type (seed), G_TYPE_INT64);
  return json_node_get_int (seed);
}

static void
test_seeds_beyond_json_glib (void **state)
{
  (void) state;
  const guint64 seeds[] = { G_GUINT64_CONSTANT (9223372036854775808),
                            G_MAXUINT64 };
  const char *const written[] = { "{\"seed\":9223372036854775808}",
                                  "{\"seed\":18446744073709551615}" };
  for (guint i = 0; i < G_N_ELEMENTS (seeds); i++)
    {
      /* Through a JsonNode, the only integer is a gint64: the seed comes
       * out negative, a different number to every other reader. */
      g_autoptr (JsonNode) node = json_node_new (JSON_NODE_OBJECT);
      g_autoptr (JsonObject) o = json_object_new ();
      json_object_set_int_member (o, "seed", (gint64) seeds[i]);
      json_node_set_object (node, o);
      g_autofree char *text = json_glib_write (node);
      assert_string_not_equal (text, written[i]);
      assert_non_null (strstr (text, "\"seed\":-"));

      /* This reader takes the number as written, exactly. */
      g_autoptr (SesJson) j = parse (written[i]);
      guint64 u = 0;
      assert_true (ses_json_uint64 (ses_json_get (j, "seed"), &u));
      assert_true (u == seeds[i]);
    }

  /* A guint64 GValue is refused outright: json-glib says so on its log and
   * the generator writes a member with no value, which is not JSON. */
  g_log_set_writer_func (count_message, NULL, NULL);
  json_glib_messages = 0;
  GValue v = G_VALUE_INIT;
  g_value_init (&v, G_TYPE_UINT64);
  g_value_set_uint64 (&v, G_MAXUINT64);
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "seed");
  JsonNode *value = json_node_new (JSON_NODE_VALUE);
  json_node_set_value (value, &v);
  json_builder_add_value (b, value);
  json_builder_end_object (b);
  g_autoptr (JsonNode) root = json_builder_get_root (b);
  g_autofree char *bad = json_glib_write (root);
  g_value_unset (&v);
  assert_true (json_glib_messages > 0);
  assert_string_equal (bad, "{\"seed\":}");

  /* Reading, json-glib cannot refuse a seed out of range: 2^64 and 10^20
   * read as the same gint64 as 2^64-1 (-1), where this reader refuses
   * them. */
  gint64 max = json_glib_read_seed ("{\"seed\":18446744073709551615}");
  assert_true (json_glib_read_seed ("{\"seed\":18446744073709551616}") == max);
  assert_true (json_glib_read_seed ("{\"seed\":100000000000000000000}")
               == max);
  assert_true (max == -1);
  g_autoptr (SesJson) over = parse ("{\"seed\":18446744073709551616}");
  guint64 u = 0;
  assert_false (ses_json_uint64 (ses_json_get (over, "seed"), &u));
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_values),
    cmocka_unit_test (test_refused_with_place),
    cmocka_unit_test (test_seeds_beyond_json_glib),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
