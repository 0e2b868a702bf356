/* Rule coverage: the registry holds exactly the rules the model's sources
 * cite, every rule any observation carries while the bundled scenarios run
 * (scripted, and on random walks with faults) is registered, the sink is
 * safe from many threads, and a check reports the rules a scenario is
 * about. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "checker.h"
#include "coverage.h"
#include "json.h"
#include "script.h"

static void
test_registry_is_consistent (void **state)
{
  (void) state;
  assert_true (ses_rules_count () > 40);
  for (guint i = 0; i < ses_rules_count (); i++)
    {
      const SesRuleInfo *r = ses_rules_get (i);
      assert_true (strcmp (r->version, "3.1.1") == 0
                   || strcmp (r->version, "5.0") == 0
                   || strcmp (r->version, "both") == 0);
      assert_true (g_str_has_prefix (r->id, "MQTT-")
                   || g_str_has_prefix (r->id, "§"));
      assert_true (strlen (r->summary) > 10);
      assert_int_equal (ses_rules_lookup (r->rule), i);
      /* A registered rule is what the extractor finds in its citation. */
      g_autoptr (GPtrArray) found = ses_rules_extract (r->rule);
      assert_int_equal (found->len, 1);
      assert_string_equal (g_ptr_array_index (found, 0), r->rule);
    }
  assert_int_equal (ses_rules_lookup ("5.0 [MQTT-9.9.9-9]"), -1);
  assert_int_equal (ses_rules_lookup ("MQTT-3.1.2-4"), -1);
}

static void
test_extract_citations (void **state)
{
  (void) state;
  static const struct {
    const char *text;
    const char *want; /* joined by '|' */
  } cases[] = {
    { "5.0 [MQTT-3.1.2-4]", "5.0 [MQTT-3.1.2-4]" },
    { "already connected: CONNECT not sent (both [MQTT-3.1.0-2])",
      "both [MQTT-3.1.0-2]" },
    { "3.1.1 [MQTT-4.6.0-6], 5.0 [MQTT-4.6.0-5]",
      "3.1.1 [MQTT-4.6.0-6]|5.0 [MQTT-4.6.0-5]" },
    { "5.0 [MQTT-3.1.2-23] §3.14.2.2.2", "5.0 [MQTT-3.1.2-23]" },
    { "5.0 §3.1.3.2.2.", "5.0 §3.1.3.2.2" },
    { "offline: SUBSCRIBE/UNSUBSCRIBE not sent", "" },
    { "15.0 [MQTT-1.1-1] and 5.0 [MQTT-] and 5.0 §x", "" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GPtrArray) found = ses_rules_extract (cases[i].text);
      g_ptr_array_add (found, NULL);
      g_autofree char *got = g_strjoinv ("|", (char **) found->pdata);
      assert_string_equal (got, cases[i].want);
    }
}

/* C source without comments, adjacent string literals joined, so a
 * citation split over two lines reads whole. (transfer full) */
static char *
string_literals (const char *path)
{
  g_autofree char *src = NULL;
  if (!g_file_get_contents (path, &src, NULL, NULL))
    fail_msg ("cannot read %s", path);
  GString *out = g_string_new (NULL);
  gboolean in_string = FALSE, after_string = FALSE;
  for (const char *p = src; *p; p++)
    {
      if (in_string)
        {
          if (*p == '\\' && p[1] != '\0')
            {
              g_string_append_c (out, p[1]);
              p++;
            }
          else if (*p == '"')
            {
              in_string = FALSE;
              after_string = TRUE;
            }
          else
            g_string_append_c (out, *p);
          continue;
        }
      if (p[0] == '/' && p[1] == '*')
        {
          const char *end = strstr (p + 2, "*/");
          p = end != NULL ? end + 1 : p + strlen (p) - 1;
          continue;
        }
      if (p[0] == '/' && p[1] == '/')
        {
          while (p[1] != '\0' && p[1] != '\n')
            p++;
          continue;
        }
      if (p[0] == '\'' && p[1] != '\0')
        {
          /* A character literal: '"' is not a string. */
          p += p[1] == '\\' ? 3 : 2;
          continue;
        }
      if (*p == '"')
        {
          in_string = TRUE;
          if (!after_string)
            g_string_append_c (out, '\n');
          continue;
        }
      if (!g_ascii_isspace (*p))
        after_string = FALSE;
    }
  return g_string_free (out, FALSE);
}

/* Every citation in the string literals of the files that make
 * observations is registered, and every registered rule is cited there:
 * the registry neither misses nor keeps a stale rule. */
static void
test_registry_matches_the_sources (void **state)
{
  (void) state;
  static const char *const files[] = {
    "profile.c", "broker.c", "client.c", "mqtt.c", "topic.c", "session.c",
  };
  g_autoptr (GHashTable) cited = g_hash_table_new_full (g_str_hash,
                                                        g_str_equal, g_free,
                                                        NULL);
  for (guint f = 0; f < G_N_ELEMENTS (files); f++)
    {
      g_autofree char *path = g_build_filename (SOURCE_ROOT, "models",
                                                files[f], NULL);
      g_autofree char *text = string_literals (path);
      g_autoptr (GPtrArray) found = ses_rules_extract (text);
      for (guint i = 0; i < found->len; i++)
        {
          const char *rule = g_ptr_array_index (found, i);
          if (ses_rules_lookup (rule) < 0)
            fail_msg ("models/%s cites %s, which models/coverage.c does not "
                      "register", files[f], rule);
          g_hash_table_add (cited, g_strdup (rule));
        }
    }
  for (guint i = 0; i < ses_rules_count (); i++)
    if (!g_hash_table_contains (cited, ses_rules_get (i)->rule))
      fail_msg ("%s is registered but no longer cited by the model",
                ses_rules_get (i)->rule);
}

typedef struct {
  GHashTable *raw;         /* (element-type utf8) every rule string seen */
} Seen;

static void
record_raw (const char *rule, gpointer data)
{
  Seen *seen = data;
  if (!g_hash_table_contains (seen->raw, rule))
    g_hash_table_add (seen->raw, g_strdup (rule));
}

/* The scenario files: the library and the variants. */
static GPtrArray *
bundled_scenarios (void)
{
  GPtrArray *files = g_ptr_array_new_with_free_func (g_free);
  static const char *const dirs[] = { "scenarios", "scenarios/variants" };
  for (guint d = 0; d < G_N_ELEMENTS (dirs); d++)
    {
      g_autofree char *dir = g_build_filename (SOURCE_ROOT, dirs[d], NULL);
      g_autoptr (GDir) h = g_dir_open (dir, 0, NULL);
      assert_non_null (h);
      const char *name;
      while ((name = g_dir_read_name (h)) != NULL)
        if (g_str_has_suffix (name, ".scn"))
          g_ptr_array_add (files, g_build_filename (dir, name, NULL));
    }
  return files;
}

/* Every rule any observation carries, running each bundled scenario as
 * scripted and on random walks with every kind of fault, is registered. */
static void
test_observed_rules_are_registered (void **state)
{
  (void) state;
  g_autoptr (GPtrArray) files = bundled_scenarios ();
  assert_true (files->len >= 50);
  Seen seen = { g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                       NULL) };
  g_autoptr (SesCoverage) walked = ses_coverage_new (0);
  for (guint f = 0; f < files->len; f++)
    {
      const char *path = g_ptr_array_index (files, f);
      g_autoptr (GError) error = NULL;
      g_autoptr (SesScript) script = ses_script_load_file (path, &error);
      if (script == NULL)
        fail_msg ("%s: %s", path, error->message);
      SesWorld *w = ses_mqtt_world_new (ses_script_config (script),
                                        ses_script_seed (script));
      SesInvariants *inv = ses_invariants_new (
          w, ses_script_disabled_invariants (script));
      ses_invariants_set_rule_sink (inv, record_raw, &seen);
      for (guint steps = 0; steps < 1000000
                            && ses_world_step (w, ses_script_until (script));
           steps++)
        ;
      ses_invariants_finish (inv);
      ses_invariants_free (inv);
      ses_world_free (w);

      SesCheckOptions o = { .jobs = 1, .budgets = { 1, 1, 1, 1 },
                            .rule_sink = ses_coverage_sink,
                            .rule_sink_data = walked };
      SesRandomOptions ro = { .seed_from = 1, .seed_to = 20,
                              .shard_index = 1, .shard_count = 1,
                              .swarm = FALSE };
      SesRandomResult res;
      ses_check_random (script, path, &o, &ro, &res);
      ses_random_result_clear (&res);
    }
  g_autoptr (SesCoverage) scripted = ses_coverage_new (0);
  GHashTableIter it;
  gpointer key;
  g_hash_table_iter_init (&it, seen.raw);
  while (g_hash_table_iter_next (&it, &key, NULL))
    {
      const char *raw = key;
      g_autoptr (GPtrArray) found = ses_rules_extract (raw);
      for (guint i = 0; i < found->len; i++)
        if (ses_rules_lookup (g_ptr_array_index (found, i)) < 0)
          fail_msg ("an observation cites %s (in \"%s\"), which models/"
                    "coverage.c does not register",
                    (char *) g_ptr_array_index (found, i), raw);
      ses_coverage_sink (raw, scripted);
    }
  g_hash_table_unref (seen.raw);
  g_autoptr (GPtrArray) unknown = ses_coverage_unknown (walked);
  if (unknown->len > 0)
    fail_msg ("random walks cite %s, which is not registered",
              (char *) g_ptr_array_index (unknown, 0));
  /* More than half the registry is exercised by the library; the rest
   * are profile citations no handler uses yet (ping, DUP, packet ids,
   * granted QoS, refusals) and paths no scenario takes. */
  assert_true (ses_coverage_n_exercised (scripted) * 2
               > ses_coverage_total (scripted));
  assert_true (ses_coverage_n_exercised (walked) * 2
               > ses_coverage_total (walked));
}

typedef struct {
  SesCoverage *coverage;
  guint offset;
} Hammer;

static gpointer
hammer (gpointer data)
{
  Hammer *h = data;
  for (guint round = 0; round < 200; round++)
    for (guint i = 0; i < ses_rules_count (); i++)
      {
        guint k = (i + h->offset) % ses_rules_count ();
        ses_coverage_sink (ses_rules_get (k)->rule, h->coverage);
        if (k % 7 == 0)
          ses_coverage_sink ("offline: nothing cited here", h->coverage);
        if (k % 11 == 0)
          ses_coverage_sink ("an unknown (5.0 [MQTT-9.9.9-9]) one",
                             h->coverage);
      }
  return NULL;
}

/* Several threads at once, as under --jobs: every rule marked, the one
 * unknown citation kept once, free text ignored. */
static void
test_sink_from_many_threads (void **state)
{
  (void) state;
  g_autoptr (SesCoverage) c = ses_coverage_new (0);
  Hammer h[8];
  GThread *t[8];
  for (guint i = 0; i < 8; i++)
    {
      h[i] = (Hammer) { c, i * 5 };
      t[i] = g_thread_new ("hammer", hammer, &h[i]);
    }
  for (guint i = 0; i < 8; i++)
    g_thread_join (t[i]);
  assert_int_equal (ses_coverage_total (c), ses_rules_count ());
  assert_int_equal (ses_coverage_n_exercised (c), ses_rules_count ());
  g_autoptr (GPtrArray) unknown = ses_coverage_unknown (c);
  assert_int_equal (unknown->len, 1);
  assert_string_equal (g_ptr_array_index (unknown, 0), "5.0 [MQTT-9.9.9-9]");
}

static gboolean
listed (const SesJson *array, const char *rule)
{
  for (guint i = 0; i < ses_json_length (array); i++)
    if (g_strcmp0 (ses_json_string (ses_json_index (array, i)), rule) == 0)
      return TRUE;
  return FALSE;
}

/* Checking the persistent-session scenario exercises the rules it is
 * about (resume, create, Session Present, keep the session), not the
 * takeover or will rules; only 5.0 rules and those of both versions
 * count, and the text and JSON say the same. */
static void
test_check_reports_the_scenarios_rules (void **state)
{
  (void) state;
  g_autofree char *path = g_build_filename (SOURCE_ROOT, "scenarios",
                                            "03-persistent-session.scn", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (SesScript) script = ses_script_load_file (path, &error);
  assert_non_null (script);
  assert_int_equal (ses_check_versions (script), 1u << SES_MQTT_5);
  g_autoptr (SesCoverage) c = ses_coverage_new (ses_check_versions (script));
  SesCheckOptions o = { .jobs = 2, .budgets = { 1, 0, 0, 0 },
                        .max_states = 100000,
                        .rule_sink = ses_coverage_sink,
                        .rule_sink_data = c };
  SesExploreStats st;
  g_autoptr (SesTrail) trail = ses_trail_new (path, 1);
  ses_check_scenario (script, path, 1, &o, &st, trail);
  assert_false (st.violation);

  guint in_scope = 0;
  for (guint i = 0; i < ses_rules_count (); i++)
    in_scope += strcmp (ses_rules_get (i)->version, "3.1.1") != 0;
  assert_int_equal (ses_coverage_total (c), in_scope);

  GString *json = g_string_new (NULL);
  ses_coverage_append_json (c, json);
  g_autoptr (SesJson) j = ses_json_parse ("coverage", json->str, json->len,
                                          &error);
  g_string_free (json, TRUE);
  assert_non_null (j);
  const SesJson *yes = ses_json_get (j, "exercised_rules");
  const SesJson *no = ses_json_get (j, "unexercised_rules");
  guint64 n = 0;
  assert_true (ses_json_uint64 (ses_json_get (j, "exercised"), &n));
  assert_int_equal (n, ses_coverage_n_exercised (c));
  assert_int_equal (ses_json_length (yes) + ses_json_length (no), in_scope);
  static const char *const exercised[] = {
    "5.0 [MQTT-3.1.2-5]", "5.0 [MQTT-3.1.2-6]", "5.0 [MQTT-3.2.2-3]",
    "5.0 [MQTT-3.1.2-23]", "5.0 [MQTT-4.5.0-1]", "both [MQTT-4.5.0-1]",
  };
  for (guint i = 0; i < G_N_ELEMENTS (exercised); i++)
    if (!listed (yes, exercised[i]))
      fail_msg ("%s not exercised", exercised[i]);
  static const char *const not_exercised[] = {
    "5.0 [MQTT-3.1.4-3]", "5.0 [MQTT-3.1.2-8]", "5.0 [MQTT-3.3.4-7]",
  };
  for (guint i = 0; i < G_N_ELEMENTS (not_exercised); i++)
    if (!listed (no, not_exercised[i]))
      fail_msg ("%s exercised", not_exercised[i]);
  assert_false (listed (yes, "3.1.1 [MQTT-3.1.2-4]")
                || listed (no, "3.1.1 [MQTT-3.1.2-4]"));

  g_autofree char *text = ses_coverage_to_text (c, TRUE);
  g_autofree char *head = g_strdup_printf ("# rules exercised: %u of %u "
                                           "(MQTT 5.0)\n",
                                           ses_coverage_n_exercised (c),
                                           in_scope);
  assert_true (g_str_has_prefix (text, head));
  assert_non_null (strstr (text, "#   yes 5.0 [MQTT-3.1.2-5]"));
  assert_non_null (strstr (text, "#   no  5.0 [MQTT-3.1.4-3]"));
}

int
main (void)
{
  g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_registry_is_consistent),
    cmocka_unit_test (test_extract_citations),
    cmocka_unit_test (test_registry_matches_the_sources),
    cmocka_unit_test (test_observed_rules_are_registered),
    cmocka_unit_test (test_sink_from_many_threads),
    cmocka_unit_test (test_check_reports_the_scenarios_rules),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
