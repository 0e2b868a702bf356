/* Trail files: what ses_trail_to_text writes reads back the same, and a
 * malformed trail is refused with one located error ("path:line:col:
 * error: …" and the line with a caret), never a crash or a leak. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "error.h"
#include "trail.h"

#include "sessim-config.h"

static void
test_round_trip (void **state)
{
  (void) state;
  /* Quotes, a backslash, a tab and UTF-8 in the path (a path with é
   * once came back as an octal escape the reader refuses: fuzzing). */
  g_autoptr (SesTrail) t = ses_trail_new ("scénarios/a \"b\"\\\t§.scn",
                                          G_MAXUINT64);
  SesChoice e = { .kind = SES_CHOICE_EVENT };
  e.event.seq = 17;
  SesChoice f = { .kind = SES_CHOICE_FAULT };
  f.fault.kind = 16;
  f.fault.target = 3;
  g_array_append_val (t->choices, e);
  g_array_append_val (t->choices, f);
  g_autofree char *text = ses_trail_to_text (t);
  g_autoptr (GError) error = NULL;
  g_autoptr (SesTrail) back = ses_trail_parse ("t.trail", text, strlen (text),
                                               &error);
  g_assert_no_error (error);
  assert_string_equal (back->version, t->version);
  assert_string_equal (back->scenario, t->scenario);
  assert_true (back->seed == G_MAXUINT64);
  assert_int_equal (back->choices->len, 2);
  const SesChoice *c0 = &g_array_index (back->choices, SesChoice, 0);
  const SesChoice *c1 = &g_array_index (back->choices, SesChoice, 1);
  assert_int_equal (c0->kind, SES_CHOICE_EVENT);
  assert_int_equal (c0->event.seq, 17);
  assert_int_equal (c1->kind, SES_CHOICE_FAULT);
  assert_int_equal (c1->fault.kind, 16);
  assert_int_equal (c1->fault.target, 3);
}

/* The digest and the embedded scenario read back byte for byte (a final
 * newline, an empty line, quotes, a tab, a backslash, UTF-8); a choice's
 * note is written as a comment after it on its own line and not read
 * back; the trail without them writes neither. */
static void
test_digest_embed_and_notes (void **state)
{
  (void) state;
  static const char scenario[] = "mqtt 5\n\n# a \"quoted\" \\ line\twith a tab\n"
                                 "client sub id=caf\xc3\xa9\n";
  g_autoptr (SesTrail) t = ses_trail_new ("a.scn", 3);
  t->digest = g_strdup ("sha256:00ff");
  t->embedded = g_strdup (scenario);
  t->notes = g_ptr_array_new_with_free_func (g_free);
  SesChoice e = { .kind = SES_CHOICE_EVENT };
  e.event.seq = 4;
  g_array_append_val (t->choices, e);
  g_ptr_array_add (t->notes, g_strdup ("1.000000s sub\u2192broker: two\nlines"));
  g_autofree char *text = ses_trail_to_text (t);
  assert_non_null (strstr (text, "\ndigest \"sha256:00ff\"\n"));
  assert_non_null (strstr (text, "\nevent 4  # 1.000000s sub\u2192broker: two "
                                 "lines\n"));
  g_autoptr (GError) error = NULL;
  g_autoptr (SesTrail) back = ses_trail_parse ("t.trail", text, strlen (text),
                                               &error);
  g_assert_no_error (error);
  assert_string_equal (back->digest, "sha256:00ff");
  assert_string_equal (back->embedded, scenario);
  assert_null (back->notes);
  assert_int_equal (back->choices->len, 1);
  g_autofree char *again = ses_trail_to_text (back);
  assert_null (strstr (again, "#  "));

  g_autoptr (SesTrail) plain = ses_trail_new ("a.scn", 3);
  g_autofree char *ptext = ses_trail_to_text (plain);
  assert_null (strstr (ptext, "digest"));
  assert_null (strstr (ptext, "embed"));

  const char twice[] = "sessim 0.1.0\nscenario \"a.scn\"\ndigest \"x\"\n"
                       "digest \"y\"\n";
  g_autoptr (GError) e2 = NULL;
  g_autoptr (SesTrail) none = ses_trail_parse ("bad.trail", twice,
                                               strlen (twice), &e2);
  assert_null (none);
  assert_non_null (strstr (e2->message, "bad.trail:4:1: error: a trail names "
                                        "its digest once"));
}

/* The build that wrote a trail is one optional quoted line after the
 * version; a trail without it (older ones) reads as before, with no build,
 * and a second one is refused like a second version. */
static void
test_build_line (void **state)
{
  (void) state;
  g_autoptr (SesTrail) t = ses_trail_new ("a.scn", 5);
  t->build = g_strdup ("v0.1.0-190-gbe3b53e-dirty");
  g_autofree char *text = ses_trail_to_text (t);
  assert_non_null (strstr (text, "\nsessim " SESSIM_VERSION "\nbuild "
                                 "\"v0.1.0-190-gbe3b53e-dirty\"\nscenario "));
  g_autoptr (GError) error = NULL;
  g_autoptr (SesTrail) back = ses_trail_parse ("t.trail", text, strlen (text),
                                               &error);
  g_assert_no_error (error);
  assert_string_equal (back->build, "v0.1.0-190-gbe3b53e-dirty");
  g_autofree char *again = ses_trail_to_text (back);
  assert_string_equal (again, text);

  const char older[] = "sessim 0.1.0\nscenario \"a.scn\"\nseed 2\nevent 0\n";
  g_autoptr (SesTrail) old = ses_trail_parse ("old.trail", older,
                                              strlen (older), &error);
  g_assert_no_error (error);
  assert_null (old->build);
  assert_int_equal (old->seed, 2);
  g_autofree char *otext = ses_trail_to_text (old);
  assert_null (strstr (otext, "build"));

  const char twice[] = "sessim 0.1.0\nbuild \"a\"\nbuild \"b\"\n"
                       "scenario \"a.scn\"\n";
  g_autoptr (SesTrail) none = ses_trail_parse ("bad.trail", twice,
                                               strlen (twice), &error);
  assert_null (none);
  assert_non_null (strstr (error->message, "bad.trail:3:1: error: a trail "
                                           "names its build once"));
}

static void
test_malformed_refused_with_location (void **state)
{
  (void) state;
  static const struct {
    const char *text;
    const char *where; /* "line:col" */
    const char *says;
  } bad[] = {
    { "sessim 0.1.0\nscenario \"a.scn\"\nseed 1\nevent zz\n", "4:7",
      "expected a whole number" },
    { "sessim 0.1.0\nscenario \"a.scn\"\nfault 1\n", "3:9",
      "missing number" },
    { "sessim 0.1.0\nscenario \"a.scn\"\nevent 1 2\n", "3:9",
      "unexpected '2'" },
    { "sessim 0.1.0\nscenario \"a.scn\"\njump 3\n", "3:1",
      "expected sessim" },
    { "sessim 0.1.0\nseed 1\n", "1:1",
      "names the sessim version and the scenario" },
    /* Two files pasted together (found by fuzzing: it leaked). */
    { "sessim 0.1.0\nscenario \"a.scn\"\nsessim 0.1.0\n", "3:1",
      "names its version once" },
    { "sessim 0.1.0\nscenario \"a.scn\"\nscenario \"b.scn\"\n", "3:1",
      "names its scenario once" },
    { "sessim 0.1.0\nscenario \"a.scn\"\nfault 1 4294967296\n", "3:9",
      "expected a whole number" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (SesTrail) t = ses_trail_parse ("bad.trail", bad[i].text,
                                                strlen (bad[i].text), &error);
      assert_null (t);
      assert_non_null (error);
      assert_true (error->domain == SES_ERROR);
      g_autofree char *prefix = g_strdup_printf ("bad.trail:%s: error: ",
                                                 bad[i].where);
      if (!g_str_has_prefix (error->message, prefix)
          || strstr (error->message, bad[i].says) == NULL
          || strchr (error->message, '^') == NULL)
        fail_msg ("case %u: wanted '%s…%s' with a caret, got:\n%s", i,
                  prefix, bad[i].says, error->message);
    }
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_round_trip),
    cmocka_unit_test (test_digest_embed_and_notes),
    cmocka_unit_test (test_build_line),
    cmocka_unit_test (test_malformed_refused_with_location),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
