/* `sessim conform FILE...`: plays each scenario against a real broker (a
 * private mosquitto it starts, or one at --connect), judges what crossed
 * the wire with the same judge and expectations as `run`, runs the model
 * on the same scenario and compares the two fact by fact. Writes the same
 * files as `run` plus conform.txt (the differences) and, with --broker,
 * the mosquitto.conf it generated. Exit codes: 0 all held and no
 * difference; 1 a violation or a failed expectation; 4 only differences
 * the standard allows; 2 usage or scenario error; 5 no broker. */
#include "sessim-config.h"

#include <glib.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "common.h"
#include "conform.h"
#include "expect.h"
#include "brokerprofile.h"
#include "facts.h"
#include "json.h"
#include "render.h"
#include "scenario.h"

typedef struct {
  gboolean start_broker;
  SesConformBroker broker_kind;
  const char *broker_name; /* "mosquitto" or "ejabberd" */
  const char *broker_exe;
  char *host;
  guint16 port;
  double time_scale;
  SesTime tolerance_us;
  const char *out_dir;
  gboolean quiet, explain;
  const char *render, *diagrams;
  gboolean has_seed;
  guint64 seed;
  const char *profile; /* (nullable) broker profile the settings start
                          from */
  gboolean verdict;
} ConformOptions;

typedef struct {
  char *name;
  int status;
  guint facts;
  guint differences;
  guint sensitive; /* facts a broker timer can tip */
  guint failed;
} ConformResult;

static void
append_nullable (GString *out, const char *s)
{
  if (s == NULL)
    g_string_append (out, "null");
  else
    ses_json_append_string (out, s);
}

/* ,"timing_sensitive":BOOL,"timer":NAME-or-null */
static void
append_timer (GString *out, const char *timer)
{
  g_string_append_printf (out, ",\"timing_sensitive\":%s,\"timer\":",
                          timer != NULL ? "true" : "false");
  append_nullable (out, timer);
}

static gboolean
script_restarts (SesMqttConfig *cfg)
{
  for (guint i = 0; i < ses_mqtt_config_n_actions (cfg); i++)
    if (ses_mqtt_config_action (cfg, i)->kind == SES_ACT_RESTART)
      return TRUE;
  return FALSE;
}

/* Whether the judge's findings name this client: a difference about a
 * client the judge found the broker wrong with is part of a violation. */
static gboolean
client_violated (SesMqttConfig *cfg, const GArray *violations, guint client)
{
  const char *name = g_ptr_array_index (ses_mqtt_config_labels (cfg), client);
  for (guint i = 0; i < violations->len; i++)
    {
      const SesViolation *v = &g_array_index (violations, SesViolation, i);
      if (v->message != NULL && strstr (v->message, name) != NULL)
        return TRUE;
    }
  return FALSE;
}

/* Index in failures (element-type SesExpectFailure) of the failure of the
 * expectation on this line, -1 if it held. */
static gint
failure_at_line (const GArray *failures, guint line)
{
  for (guint j = 0; j < failures->len; j++)
    if (g_array_index (failures, SesExpectFailure, j).line == line)
      return (gint) j;
  return -1;
}

/* Whether a will of this session was seen published by that time. */
static gboolean
will_published_by (SesMqtt *mqtt, guint32 session, SesTime by_us)
{
  const GArray *log = ses_mqtt_log (mqtt);
  for (guint k = 0; k < log->len; k++)
    {
      const SesObs *o = &g_array_index (log, SesObs, k);
      if (o->kind == SES_OBS_WILL_PUBLISHED && o->session == session
          && o->time_us <= by_us)
        return TRUE;
    }
  return FALSE;
}

static ConformResult
conform_one (const char *path, const ConformOptions *o)
{
  ConformResult r = { .name = cli_scenario_name (path), .status = EXIT_OK };
  g_autoptr (GError) error = NULL;
  g_autofree char *source = NULL;
  gsize source_length = 0;
  g_autoptr (SesScript) script = NULL;
  if (cli_read_file (path, &source, &source_length, &error))
    script = ses_script_load_profile (strcmp (path, "-") == 0 ? "<stdin>"
                                                              : path,
                                      source, source_length, o->profile,
                                      &error);
  if (script == NULL)
    {
      cli_print_load_error (error);
      r.status = EXIT_USAGE;
      return r;
    }
  SesMqttConfig *cfg = ses_script_config (script);
  if (!o->start_broker && script_restarts (cfg))
    {
      cli_error ("%s: the scenario restarts the broker, which conform can "
                 "do only with a broker it starts (--broker mosquitto), not "
                 "with --connect", path);
      r.status = EXIT_USAGE;
      return r;
    }
  if (o->broker_kind == SES_CONFORM_EJABBERD && script_restarts (cfg)
      && ses_mqtt_config_broker (cfg)->persistence)
    {
      cli_error ("%s: the scenario restarts a broker that keeps its "
                 "sessions (persistence=on), which ejabberd's mod_mqtt "
                 "cannot: it keeps sessions in memory only", path);
      r.status = EXIT_USAGE;
      return r;
    }
  guint64 seed = o->has_seed ? o->seed : ses_script_seed (script);
  SesTime until = ses_script_until (script);
  /* A broker whose clock counts whole seconds fires its timers up to that
   * much late (in wall time, so more in virtual time when scaled). */
  SesTime tolerance_us = o->tolerance_us
      + (SesTime) (ses_mqtt_config_broker (cfg)->timer_granularity_ms
                   * 1000.0 / o->time_scale);

  /* What the broker does, judged as it happens. */
  g_autoptr (SesWorld) world = ses_mqtt_world_new (cfg, seed);
  SesMqtt *mqtt = ses_mqtt_from_world (world);
  SesInvariants *inv = ses_invariants_new (
      world, ses_script_disabled_invariants (script));
  /* A real broker meets deadlines to its clock, not to the instant. */
  ses_invariants_set_tolerance (inv, tolerance_us);
  SesConformOptions co = {
    .start_broker = o->start_broker, .broker_kind = o->broker_kind,
    .broker_exe = o->broker_exe,
    .host = o->host, .port = o->port, .time_scale = o->time_scale,
    .until = until, .interrupted = (volatile int *) &cli_interrupted,
  };
  SesConformReport report;
  g_autofree char *against = o->start_broker
      ? g_strdup_printf ("a private %s", o->broker_name) : g_strdup (o->host);
  if (!o->quiet)
    g_print ("# sessim %s conform %s against %s (time scale %g)\n",
             SESSIM_VERSION, path, against, o->time_scale);
  if (!ses_conform_run (world, &co, &report, &error))
    {
      ses_invariants_free (inv);
      ses_conform_report_clear (&report);
      cli_error ("%s: %s", path, error->message);
      r.status = EXIT_NO_BROKER;
      if (o->verdict)
        cli_print_verdict (r.status, "no broker to play the scenario against");
      return r;
    }
  gboolean at_end = !report.interrupted;
  if (at_end)
    ses_invariants_finish (inv);
  g_autoptr (GArray) failures = g_array_new (FALSE, FALSE,
                                             sizeof (SesExpectFailure));
  g_array_set_clear_func (failures, ses_expect_failure_clear);
  guint held = at_end ? ses_expect_check (script, mqtt, failures) : 0;
  /* Two kinds of expectation are judged otherwise against a real broker.
   * A will expected by a time is allowed the tolerance (the broker's
   * timers and the wall clock); what a session holds inside the broker,
   * and what its policy dropped, no client can see: not judged. */
  g_autoptr (GPtrArray) unjudged = g_ptr_array_new_with_free_func (g_free);
  const GArray *expects = ses_script_expectations (script);
  for (guint i = 0; i < expects->len; i++)
    {
      const SesExpectation *e = &g_array_index (expects, SesExpectation, i);
      gint failed = failure_at_line (failures, e->line);
      if (e->kind == SES_EXPECT_WILL && e->at_us != SES_TIME_NONE)
        {
          if (failed >= 0
              && will_published_by (mqtt,
                                    ses_mqtt_config_client_session (
                                        cfg, e->client),
                                    e->at_us + tolerance_us))
            {
              g_array_remove_index (failures, (guint) failed);
              held++;
            }
          continue;
        }
      if (e->kind != SES_EXPECT_SESSION && e->kind != SES_EXPECT_POLICY_DROPS)
        continue;
      if (failed >= 0)
        g_array_remove_index (failures, (guint) failed);
      else if (held > 0)
        held--;
      g_ptr_array_add (unjudged,
                       g_strdup_printf ("%s:%u: not judged: a real broker "
                                        "does not show %s", path, e->line,
                                        e->kind == SES_EXPECT_SESSION
                                          ? "whether a session exists"
                                          : "what its policy dropped"));
    }
  g_autoptr (GPtrArray) expected_seen = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GString) broken = g_string_new (NULL);
  g_autoptr (GString) found = g_string_new (NULL);
  held += cli_judge_invariants (ses_script_expected_violations (script), inv,
                                at_end, failures, expected_seen, broken,
                                found);
  const GArray *violations = ses_invariants_violations (inv);

  /* What the model predicts for the same scenario. */
  g_autoptr (SesWorld) model = ses_mqtt_world_new (cfg, seed);
  ses_world_run (model, until);
  const GArray *model_log = ses_mqtt_log (ses_mqtt_from_world (model));
  g_autoptr (GArray) observed = ses_facts_extract (ses_mqtt_log (mqtt));
  g_autoptr (GArray) predicted = ses_facts_extract (model_log);
  /* Which facts a broker timer can tip, by the model's run: the same
   * facts on every rerun. */
  ses_facts_mark_timing (cfg, model_log, observed, tolerance_us, o->time_scale);
  ses_facts_mark_timing (cfg, model_log, predicted, tolerance_us, o->time_scale);
  g_autoptr (GArray) diffs = g_array_new (FALSE, FALSE, sizeof (SesFactDiff));
  g_array_set_clear_func (diffs, ses_fact_diff_clear);
  g_autoptr (GArray) pairs = g_array_new (FALSE, FALSE, sizeof (SesFactPair));
  guint facts = at_end ? ses_facts_compare (cfg, observed, predicted,
                                            tolerance_us, diffs, pairs)
                       : 0;
  guint sensitive = 0;
  for (guint i = 0; i < pairs->len; i++)
    sensitive += ses_fact_pair_timer (&g_array_index (pairs, SesFactPair, i))
                 != NULL;
  r.facts = facts;
  r.differences = diffs->len;
  r.sensitive = sensitive;
  r.failed = failures->len;

  /* The files, as `run` writes them, plus the comparison. */
  g_autofree char *header = g_strdup_printf (
      "# sessim %s conform %s seed %" G_GUINT64_FORMAT " broker %s%s\n",
      SESSIM_VERSION, path, seed,
      o->start_broker ? o->broker_name : o->host,
      o->start_broker ? " (private)" : "");
  g_autofree char *text = ses_mqtt_log_text (mqtt);
  g_autofree char *trace = g_strconcat (header, text, NULL);
  g_autofree char *jsonl = cli_trace_jsonl (script, path, source,
                                            source_length, seed, mqtt,
                                            violations, failures,
                                            ses_world_now (world), at_end,
                                            NULL, FALSE);
  GString *cmp = g_string_new (NULL);
  g_autofree char *tol = ses_time_format (tolerance_us);
  g_string_append_printf (cmp, "# %s: %u facts compared, %u differ, %u "
                          "timing-sensitive (tolerance %s, time scale %g)\n",
                          path, facts, diffs->len, sensitive, tol,
                          o->time_scale);
  GString *summary = g_string_new ("{\"scenario\":");
  ses_json_append_string (summary, path);
  g_string_append_printf (summary,
                          ",\"version\":\"%s\",\"mode\":\"conform\",\"seed\":%"
                          G_GUINT64_FORMAT ",\"broker\":",
                          SESSIM_VERSION, seed);
  ses_json_append_string (summary, o->start_broker ? o->broker_name : o->host);
  g_string_append_printf (summary,
                          ",\"time_scale\":%g,\"tolerance_us\":%" G_GINT64_FORMAT
                          ",\"complete\":%s,\"passed\":%s,\"expectations\":%u"
                          ",\"failed\":%u,\"violations\":%u,\"facts\":%u"
                          ",\"timing_sensitive\":%u,\"differences\":[",
                          o->time_scale, (gint64) tolerance_us,
                          at_end ? "true" : "false",
                          at_end && failures->len == 0 ? "true" : "false",
                          held + failures->len, failures->len,
                          violations->len, facts, sensitive);
  guint allowed = 0;
  for (guint i = 0; i < diffs->len; i++)
    {
      const SesFactDiff *d = &g_array_index (diffs, SesFactDiff, i);
      gboolean violation = client_violated (cfg, violations, d->client);
      allowed += !violation;
      g_autofree char *line = ses_fact_diff_describe (cfg, d);
      g_string_append_printf (cmp, "%s [%s%s%s]\n", line,
                              violation ? "violation: see the judge"
                              : d->timing ? "timing only"
                                          : "the standard allows both",
                              d->timer != NULL ? "; timing-sensitive: " : "",
                              d->timer != NULL ? d->timer : "");
      g_string_append_printf (summary, "%s{\"client\":", i ? "," : "");
      ses_json_append_string (summary, g_ptr_array_index (
                                           ses_mqtt_config_labels (cfg),
                                           d->client));
      g_string_append (summary, ",\"fact\":");
      ses_json_append_string (summary, ses_fact_kind_name (d->kind));
      g_string_append_printf (summary, ",\"nth\":%u,\"what\":", d->nth);
      ses_json_append_string (summary, d->what);
      g_string_append (summary, ",\"broker\":");
      ses_json_append_string (summary, d->observed);
      g_string_append (summary, ",\"model\":");
      ses_json_append_string (summary, d->predicted);
      g_string_append (summary, ",\"rule\":");
      ses_json_append_string (summary, d->rule != NULL ? d->rule : "");
      g_string_append_printf (summary, ",\"class\":\"%s\"",
                              violation ? "violation"
                              : d->timing ? "timing" : "allowed");
      append_timer (summary, d->timer);
      g_string_append_c (summary, '}');
    }
  /* Every fact compared, paired, with its timing sensitivity; in
   * conform.txt only those a timer can tip (the others are as above). */
  g_string_append (summary, "],\"compared\":[");
  for (guint i = 0; i < pairs->len; i++)
    {
      const SesFactPair *pr = &g_array_index (pairs, SesFactPair, i);
      const SesFact *any = pr->predicted != NULL ? pr->predicted
                                                 : pr->observed;
      const char *timer = ses_fact_pair_timer (pr);
      const char *who = g_ptr_array_index (ses_mqtt_config_labels (cfg),
                                           any->client);
      g_autofree char *obs_text = pr->observed != NULL
          ? ses_fact_describe (cfg, pr->observed) : NULL;
      g_autofree char *pred_text = pr->predicted != NULL
          ? ses_fact_describe (cfg, pr->predicted) : NULL;
      g_string_append_printf (summary, "%s{\"client\":", i ? "," : "");
      ses_json_append_string (summary, who);
      g_string_append (summary, ",\"fact\":");
      ses_json_append_string (summary, ses_fact_kind_name (any->kind));
      g_string_append_printf (summary, ",\"nth\":%u,\"broker\":", any->nth);
      append_nullable (summary, obs_text);
      g_string_append (summary, ",\"model\":");
      append_nullable (summary, pred_text);
      append_timer (summary, timer);
      g_string_append_c (summary, '}');
      if (timer == NULL)
        continue;
      g_autofree char *at = ses_time_format (any->time_us);
      g_string_append_printf (cmp, "~ %s %s #%u timing-sensitive (%s): %s "
                              "at %s\n", who, ses_fact_kind_name (any->kind),
                              any->nth, timer,
                              pred_text != NULL ? pred_text : obs_text, at);
    }
  for (guint i = 0; i < unjudged->len; i++)
    g_ptr_array_add (report.notes, g_strdup (g_ptr_array_index (unjudged, i)));
  g_string_append (summary, "],\"notes\":[");
  for (guint i = 0; i < report.notes->len; i++)
    {
      if (i)
        g_string_append_c (summary, ',');
      ses_json_append_string (summary, g_ptr_array_index (report.notes, i));
      g_string_append_printf (cmp, "# note: %s\n",
                              (char *) g_ptr_array_index (report.notes, i));
    }
  /* For suites: what broke, by invariant name and expectation line. */
  g_string_append (summary, "],\"violated\":[");
  guint32 named = 0;
  for (guint i = 0; i < violations->len; i++)
    {
      const SesViolation *x = &g_array_index (violations, SesViolation, i);
      if (named & (1u << x->id))
        continue;
      g_string_append_printf (summary, "%s\"%s\"", named ? "," : "",
                              ses_invariant_name (x->id));
      named |= 1u << x->id;
    }
  g_string_append (summary, "],\"failed_lines\":[");
  guint listed = 0;
  for (guint i = 0; i < failures->len; i++)
    {
      guint line = g_array_index (failures, SesExpectFailure, i).line;
      if (line > 0)
        g_string_append_printf (summary, "%s%u", listed++ ? "," : "", line);
    }
  g_string_append_printf (summary, "],\"connections\":%u,\"restarts\":%u}\n",
                          report.connections, report.restarts);

  if (!o->quiet)
    {
      cli_print_timeline (header, mqtt, o->explain, NULL, FALSE, NULL,
                          violations);
      fputs (cmp->str, stdout);
    }
  g_autofree char *dir = g_build_filename (o->out_dir, r.name, NULL);
  g_autoptr (GError) werr = NULL;
  g_autofree char *tp = g_build_filename (dir, "trace.txt", NULL);
  g_autofree char *jp = g_build_filename (dir, "trace.jsonl", NULL);
  g_autofree char *sp = g_build_filename (dir, "summary.json", NULL);
  g_autofree char *cp = g_build_filename (dir, "conform.txt", NULL);
  g_autofree char *mp = g_build_filename (
      dir, o->broker_kind == SES_CONFORM_EJABBERD ? "ejabberd.yml"
                                                  : "mosquitto.conf", NULL);
  SesDiagramMark mark;
  gboolean marked = cli_first_mark (inv, &mark);
  gboolean written = cli_make_dir (dir, &werr)
                     && cli_write_file (tp, trace, -1, &werr)
                     && cli_write_file (jp, jsonl, -1, &werr)
                     && cli_write_file (sp, summary->str, -1, &werr)
                     && cli_write_file (cp, cmp->str, -1, &werr)
                     && (report.broker_config == NULL
                         || cli_write_file (mp, report.broker_config, -1,
                                            &werr))
                     && (o->render == NULL
                         || ses_diagram_write_all (mqtt, o->diagrams,
                                                   o->render, dir,
                                                   marked ? &mark : NULL,
                                                   NULL, &werr));
  g_string_free (summary, TRUE);
  g_string_free (cmp, TRUE);
  ses_conform_report_clear (&report);
  ses_invariants_free (inv);
  if (!written)
    {
      cli_error ("%s", werr->message);
      r.status = EXIT_USAGE;
      return r;
    }
  for (guint i = 0; i < failures->len; i++)
    {
      const SesExpectFailure *f = &g_array_index (failures, SesExpectFailure, i);
      g_autofree char *msg = f->line > 0
          ? g_strdup_printf ("%s:%u: expectation failed: %s", path, f->line,
                             f->message)
          : g_strdup_printf ("%s: %s", path, f->message);
      cli_print_located (msg);
    }
  r.status = !at_end ? cli_interrupt_status ()
             : failures->len > 0 ? EXIT_VIOLATION
             : diffs->len > 0 ? EXIT_DIFFERS : EXIT_OK;
  if (!o->verdict)
    return r;
  g_autoptr (GString) v = g_string_new (NULL);
  if (!at_end)
    g_string_append (v, "interrupted, nothing judged at the end");
  else
    g_string_append_printf (v, "%u of %u expectations held; %u of %u facts "
                            "as the model predicts (%u differences the "
                            "standard allows; %u facts timing-sensitive)",
                            held, held + failures->len, facts - MIN (facts, diffs->len),
                            facts, allowed, sensitive);
  if (broken->len > 0)
    g_string_append_printf (v, "; invariant %s broken", broken->str);
  g_string_append_printf (v, "; files in %s/", dir);
  cli_print_verdict (r.status, v->str);
  return r;
}

static gboolean
parse_connect (const char *text, char **host, guint16 *port)
{
  const char *colon = strrchr (text, ':');
  if (colon == NULL || colon == text || colon[1] == '\0')
    return FALSE;
  guint64 p;
  if (!g_ascii_string_to_unsigned (colon + 1, 10, 1, 65535, &p, NULL))
    return FALSE;
  /* [::1]:1883 */
  if (text[0] == '[' && colon[-1] == ']')
    *host = g_strndup (text + 1, (gsize) (colon - text - 2));
  else
    *host = g_strndup (text, (gsize) (colon - text));
  *port = (guint16) p;
  return TRUE;
}

int
cli_conform (int argc, char **argv)
{
  g_autofree char *broker = NULL, *broker_path = NULL, *connect = NULL;
  g_autofree char *time_scale = NULL, *tolerance = NULL, *seed = NULL;
  g_autofree char *out = NULL, *render = NULL, *diagrams = NULL;
  g_autofree char *profile = NULL;
  gboolean quiet = FALSE, explain = FALSE;
  GOptionEntry entries[] = {
    { "broker", 'b', 0, G_OPTION_ARG_STRING, &broker,
      "Start a private broker of this kind for each scenario: mosquitto or "
      "ejabberd",
      "KIND" },
    { "broker-path", 0, 0, G_OPTION_ARG_FILENAME, &broker_path,
      "The broker program (default: mosquitto from PATH; for ejabberd, "
      "the Erlang runtime, erl)", "PATH" },
    { "connect", 'c', 0, G_OPTION_ARG_STRING, &connect,
      "Use the broker at HOST:PORT (network faults only, no restarts)",
      "HOST:PORT" },
    { "time-scale", 0, 0, G_OPTION_ARG_STRING, &time_scale,
      "Wall seconds per virtual second, 0.001 to 100 (default 1); durations "
      "told to the broker are scaled too", "F" },
    { "tolerance", 0, 0, G_OPTION_ARG_STRING, &tolerance,
      "How far in virtual time a fact may be from the model's prediction "
      "(default 500ms)", "DURATION" },
    { "profile", 'p', 0, G_OPTION_ARG_STRING, &profile,
      "Start the scenario's broker settings from this profile: spec, "
      "mosquitto-2.0 or ejabberd-23 (the scenario's own broker lines still "
      "apply)",
      "NAME" },
    { "seed", 's', 0, G_OPTION_ARG_STRING, &seed,
      "Seed, 0 to 2^64-1 (default: the scenario's `seed`, else 1)", "N" },
    { "render", 'r', 0, G_OPTION_ARG_STRING, &render,
      "Also draw the run's diagrams: dot, svg or png", "FORMAT" },
    { "diagrams", 0, 0, G_OPTION_ARG_STRING, &diagrams,
      "Which diagrams --render draws: lifecycle, sequence or all (default)",
      "WHAT" },
    { "explain", 'e', 0, G_OPTION_ARG_NONE, &explain,
      "Explain each step in a plain sentence, with the rule it follows",
      NULL },
    { "out", 'o', 0, G_OPTION_ARG_FILENAME, &out,
      "Folder for output/<scenario>/ files (default: output)", "DIR" },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet,
      "Do not print the timeline, only the verdict", NULL },
    { NULL },
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new (
      "FILE... - play scenarios against a real broker and compare with the "
      "model");
  g_option_context_add_main_entries (ctx, entries, NULL);
  int status = EXIT_OK;
  if (!cli_parse_options (ctx, "conform", &argc, &argv, &status))
    return status;
  if (argc < 2)
    return cli_usage_error ("name at least one scenario file");
  if ((broker == NULL) == (connect == NULL))
    return cli_usage_error ("give either --broker mosquitto|ejabberd or "
                            "--connect HOST:PORT");
  if (broker != NULL && strcmp (broker, "mosquitto") != 0
      && strcmp (broker, "ejabberd") != 0)
    return cli_usage_error ("--broker takes mosquitto or ejabberd");
  ConformOptions o = {
    .start_broker = broker != NULL,
    .broker_kind = broker != NULL && strcmp (broker, "ejabberd") == 0
                       ? SES_CONFORM_EJABBERD : SES_CONFORM_MOSQUITTO,
    .broker_name = broker, .broker_exe = broker_path,
    .time_scale = 1.0, .tolerance_us = SES_TIME_NONE,
    .quiet = quiet || argc > 2, .explain = explain, .render = render,
    .diagrams = diagrams != NULL ? diagrams : "all", .verdict = argc == 2,
  };
  g_autofree char *host = NULL;
  if (connect != NULL)
    {
      if (!parse_connect (connect, &host, &o.port))
        return cli_usage_error ("--connect takes HOST:PORT, e.g. "
                                "127.0.0.1:1883");
      o.host = host;
    }
  if (time_scale != NULL)
    {
      char *end = NULL;
      o.time_scale = g_ascii_strtod (time_scale, &end);
      if (end == time_scale || *end != '\0' || !(o.time_scale >= 0.001)
          || !(o.time_scale <= 100))
        return cli_usage_error ("--time-scale takes a number from 0.001 to "
                                "100");
    }
  if (tolerance != NULL)
    {
      const char *why = NULL;
      gboolean never = FALSE;
      if (!ses_parse_duration (tolerance, FALSE, &o.tolerance_us, &never,
                               &why))
        return cli_usage_error ("--tolerance: %s", why);
    }
  /* By default half a second, or what 50 ms of wall time becomes under a
   * time scale: the broker's own scheduling on a busy machine. */
  if (o.tolerance_us == SES_TIME_NONE)
    o.tolerance_us = MAX (500 * 1000, (SesTime) (50000 / o.time_scale));
  if (!cli_option_out (out, &o.out_dir))
    return EXIT_USAGE;
  if (render != NULL && !ses_render_format_supported (render))
    return cli_usage_error ("--render takes dot, svg or png");
  if (!cli_diagrams_valid (o.diagrams))
    return cli_usage_error ("--diagrams takes lifecycle, sequence or all");
  if (!cli_option_u64 ("--seed", seed, 0, G_MAXUINT64, &o.seed))
    return EXIT_USAGE;
  if (profile != NULL && ses_broker_profile_summary (profile) == NULL)
    return cli_usage_error ("--profile takes spec, mosquitto-2.0 or "
                            "ejabberd-23");
  o.profile = profile;
  o.has_seed = seed != NULL;
  cli_catch_interrupts ();
  g_autoptr (GArray) results = g_array_new (FALSE, FALSE,
                                            sizeof (ConformResult));
  for (int i = 1; i < argc && !cli_interrupted; i++)
    {
      ConformResult r = conform_one (argv[i], &o);
      /* 1 before 4 before 0; usage and broker errors stand out. */
      if (r.status == EXIT_VIOLATION || status == EXIT_OK
          || (status == EXIT_DIFFERS && r.status != EXIT_OK))
        status = status == EXIT_VIOLATION ? status : r.status;
      g_array_append_val (results, r);
    }
  if (cli_interrupted)
    status = cli_interrupt_status ();
  if (argc > 2)
    {
      g_print ("%-36s %-11s %8s %12s %8s\n", "scenario", "result", "facts",
               "differences", "timing");
      for (guint i = 0; i < results->len; i++)
        {
          ConformResult *r = &g_array_index (results, ConformResult, i);
          g_print ("%-36s %-11s %8u %12u %8u\n", r->name,
                   cli_status_word (r->status), r->facts, r->differences,
                   r->sensitive);
        }
    }
  for (guint i = 0; i < results->len; i++)
    g_free (g_array_index (results, ConformResult, i).name);
  return status;
}
