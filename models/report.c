/* Random-mode results: one value, its JSON form, and merging. Invariant:
 * merging shards of one run gives the report that run would have made
 * unsharded (walk counts add up, failures stay in seed order, coverage is
 * the union), and reports that are not shards of one run never merge. */
#include "report.h"

#include <string.h>

#include "checker.h"
#include "error.h"
#include "json.h"
#include "observation.h"

static const char *const budget_names[SES_EXPLORE_BUDGETS] = {
  [SES_CHECK_CUTS] = "cuts",
  [SES_CHECK_CRASHES] = "crashes",
  [SES_CHECK_RESTARTS] = "restarts",
  [SES_CHECK_HALF_OPENS] = "half_opens",
};

static void
failure_free (gpointer data)
{
  SesReportFailure *f = data;
  g_free (f->invariant);
  g_free (f->violation);
  g_free (f->trail);
  g_free (f);
}

SesReport *
ses_report_new (void)
{
  SesReport *r = g_new0 (SesReport, 1);
  r->shard_count = 1;
  r->shards = g_array_new (FALSE, FALSE, sizeof (guint));
  r->expected = g_ptr_array_new_with_free_func (g_free);
  r->failures = g_ptr_array_new_with_free_func (failure_free);
  return r;
}

void
ses_report_free (SesReport *r)
{
  if (r == NULL)
    return;
  g_free (r->scenario);
  g_free (r->version);
  g_array_unref (r->shards);
  g_free (r->faults_on);
  g_ptr_array_unref (r->expected);
  g_ptr_array_unref (r->failures);
  ses_coverage_free (r->coverage);
  g_free (r);
}

void
ses_report_add_failure (SesReport *r, SesReportFailure *f)
{
  guint i = r->failures->len;
  while (i > 0
         && ((SesReportFailure *) g_ptr_array_index (r->failures, i - 1))->seed
              > f->seed)
    i--;
  g_ptr_array_insert (r->failures, (gint) i, f);
}

GArray *
ses_report_missing_shards (const SesReport *r)
{
  GArray *missing = g_array_new (FALSE, FALSE, sizeof (guint));
  guint k = 0;
  for (guint i = 1; i <= r->shard_count; i++)
    {
      while (k < r->shards->len && g_array_index (r->shards, guint, k) < i)
        k++;
      if (k >= r->shards->len || g_array_index (r->shards, guint, k) != i)
        g_array_append_val (missing, i);
    }
  return missing;
}

int
ses_report_status (const SesReport *r)
{
  gboolean unexpected = FALSE, found = FALSE;
  for (guint i = 0; i < r->failures->len; i++)
    {
      const SesReportFailure *f = g_ptr_array_index (r->failures, i);
      if (f->expected)
        found = TRUE;
      else
        unexpected = TRUE;
    }
  if (unexpected)
    return 1;
  g_autoptr (GArray) missing = ses_report_missing_shards (r);
  gboolean whole = (!r->merged || missing->len == 0) && !r->interrupted;
  if (r->expected->len > 0)
    return found ? 0 : whole ? 1 : 3;
  return whole && r->cut == 0 ? 0 : 3;
}

/* ---- JSON out ---------------------------------------------------------- */

static void
append_budgets (GString *j, const guint32 *budgets)
{
  for (guint c = 0; c < SES_EXPLORE_BUDGETS; c++)
    g_string_append_printf (j, "%s\"%s\":%u", c > 0 ? "," : "",
                            budget_names[c], budgets[c]);
}

char *
ses_report_to_json (const SesReport *r)
{
  GString *j = g_string_new ("{\"mode\":\"random\",\"scenario\":");
  ses_json_append_string (j, r->scenario);
  g_string_append (j, ",\"version\":");
  ses_json_append_string (j, r->version);
  g_string_append_printf (j, ",\"seeds\":{\"from\":%" G_GUINT64_FORMAT
                          ",\"to\":%" G_GUINT64_FORMAT "}",
                          r->seed_from, r->seed_to);
  g_string_append_printf (j, ",\"shard\":{\"count\":%u,\"indexes\":[",
                          r->shard_count);
  for (guint i = 0; i < r->shards->len; i++)
    g_string_append_printf (j, "%s%u", i > 0 ? "," : "",
                            g_array_index (r->shards, guint, i));
  g_string_append_printf (j, "]},\"merged\":%s,\"swarm\":%s,\"bounds\":{",
                          r->merged ? "true" : "false",
                          r->swarm ? "true" : "false");
  append_budgets (j, r->budgets);
  g_string_append (j, ",\"faults_on\":");
  if (r->faults_on != NULL)
    ses_json_append_string (j, r->faults_on);
  else
    g_string_append (j, "null");
  g_string_append_printf (j, ",\"max_depth\":%u,\"max_failures\":%u},"
                          "\"expected\":[", r->max_depth, r->max_failures);
  for (guint i = 0; i < r->expected->len; i++)
    {
      if (i > 0)
        g_string_append_c (j, ',');
      ses_json_append_string (j, g_ptr_array_index (r->expected, i));
    }
  g_string_append_printf (j, "],\"status\":%d,\"seeds_run\":%" G_GUINT64_FORMAT
                          ",\"steps\":%" G_GUINT64_FORMAT ",\"faults\":%"
                          G_GUINT64_FORMAT ",\"end_states\":%" G_GUINT64_FORMAT
                          ",\"cut\":%" G_GUINT64_FORMAT ",\"stopped\":%s,"
                          "%s\"failures\":[", ses_report_status (r),
                          r->seeds_run, r->steps, r->faults, r->end_states,
                          r->cut, r->stopped ? "true" : "false",
                          r->interrupted ? "\"interrupted\":true," : "");
  for (guint i = 0; i < r->failures->len; i++)
    {
      const SesReportFailure *f = g_ptr_array_index (r->failures, i);
      g_string_append_printf (j, "%s{\"seed\":%" G_GUINT64_FORMAT
                              ",\"invariant\":", i > 0 ? "," : "", f->seed);
      ses_json_append_string (j, f->invariant);
      g_string_append_printf (j, ",\"expected\":%s,\"violation\":",
                              f->expected ? "true" : "false");
      ses_json_append_string (j, f->violation);
      g_string_append (j, ",\"trail\":");
      ses_json_append_string (j, f->trail);
      g_string_append_printf (j, ",\"length\":%u,\"original_length\":%u,"
                              "\"settings\":{", f->length,
                              f->original_length);
      append_budgets (j, f->settings.budgets);
      g_string_append_printf (j, ",\"fault_ppm\":%u,\"shuffle\":%s}}",
                              f->settings.fault_ppm,
                              f->settings.shuffle ? "true" : "false");
    }
  g_string_append (j, "],\"coverage\":");
  if (r->coverage != NULL)
    ses_coverage_append_json (r->coverage, j);
  else
    g_string_append (j, "null");
  g_string_append_printf (j, ",\"seconds\":%.3f,\"peak_rss_kib\":%"
                          G_GUINT64_FORMAT "}\n", r->seconds,
                          r->peak_rss_kib);
  return g_string_free (j, FALSE);
}

/* ---- JSON in ----------------------------------------------------------- */

typedef struct {
  const char *path;
  GError **error;
  gboolean ok;
} In;

static gboolean
bad (In *in, const char *field)
{
  if (in->ok)
    g_set_error (in->error, SES_ERROR, SES_ERROR_INVALID,
                 "%s: not a sessim random-mode result: '%s' is missing or "
                 "has the wrong type", in->path, field);
  in->ok = FALSE;
  return FALSE;
}

static guint64
u64 (In *in, const SesJson *obj, const char *field, guint64 max)
{
  guint64 v = 0;
  if (!ses_json_uint64 (ses_json_get (obj, field), &v) || v > max)
    bad (in, field);
  return v;
}

static gboolean
boolean (In *in, const SesJson *obj, const char *field)
{
  gboolean v = FALSE;
  if (!ses_json_bool (ses_json_get (obj, field), &v))
    bad (in, field);
  return v;
}

static char *
string (In *in, const SesJson *obj, const char *field)
{
  const char *s = ses_json_string (ses_json_get (obj, field));
  if (s == NULL)
    bad (in, field);
  return g_strdup (s != NULL ? s : "");
}

static const SesJson *
member (In *in, const SesJson *obj, const char *field, SesJsonKind kind)
{
  const SesJson *m = ses_json_get (obj, field);
  if (m == NULL || ses_json_kind (m) != kind)
    {
      bad (in, field);
      return NULL;
    }
  return m;
}

static void
read_budgets (In *in, const SesJson *obj, guint32 *budgets)
{
  for (guint c = 0; c < SES_EXPLORE_BUDGETS; c++)
    budgets[c] = (guint32) u64 (in, obj, budget_names[c], G_MAXUINT32);
}

/* Rule lists of a coverage object into a SesCoverage of its versions. */
static SesCoverage *
read_coverage (In *in, const SesJson *cov)
{
  const SesJson *versions = member (in, cov, "versions", SES_JSON_ARRAY);
  guint32 mask = 0;
  for (guint i = 0; i < ses_json_length (versions); i++)
    {
      const char *v = ses_json_string (ses_json_index (versions, i));
      if (g_strcmp0 (v, "3.1.1") == 0)
        mask |= 1u << SES_MQTT_311;
      else if (g_strcmp0 (v, "5.0") == 0)
        mask |= 1u << SES_MQTT_5;
      else
        bad (in, "coverage.versions");
    }
  SesCoverage *c = ses_coverage_new (mask);
  static const char *const lists[] = { "exercised_rules", "unknown_rules" };
  for (guint l = 0; l < G_N_ELEMENTS (lists); l++)
    {
      const SesJson *a = member (in, cov, lists[l], SES_JSON_ARRAY);
      for (guint i = 0; i < ses_json_length (a); i++)
        {
          const char *rule = ses_json_string (ses_json_index (a, i));
          if (rule == NULL)
            bad (in, lists[l]);
          else
            ses_coverage_sink (rule, c);
        }
    }
  return c;
}

SesReport *
ses_report_from_json (const char *path, const char *text, gsize length,
                      GError **error)
{
  g_autoptr (SesJson) root = ses_json_parse (path, text, length, error);
  if (root == NULL)
    return NULL;
  In in = { path, error, TRUE };
  if (ses_json_kind (root) != SES_JSON_OBJECT
      || g_strcmp0 (ses_json_string (ses_json_get (root, "mode")), "random")
           != 0)
    {
      g_set_error (error, SES_ERROR, SES_ERROR_INVALID,
                   "%s: not a result of `sessim check --random --json`", path);
      return NULL;
    }
  g_autoptr (SesReport) r = ses_report_new ();
  r->scenario = string (&in, root, "scenario");
  r->version = string (&in, root, "version");
  const SesJson *seeds = member (&in, root, "seeds", SES_JSON_OBJECT);
  r->seed_from = u64 (&in, seeds, "from", G_MAXUINT64);
  r->seed_to = u64 (&in, seeds, "to", G_MAXUINT64);
  const SesJson *shard = member (&in, root, "shard", SES_JSON_OBJECT);
  r->shard_count = (guint) u64 (&in, shard, "count", G_MAXUINT32);
  const SesJson *indexes = member (&in, shard, "indexes", SES_JSON_ARRAY);
  for (guint i = 0; i < ses_json_length (indexes); i++)
    {
      guint64 v = 0;
      if (!ses_json_uint64 (ses_json_index (indexes, i), &v) || v == 0
          || v > r->shard_count
          || (r->shards->len > 0
              && v <= g_array_index (r->shards, guint, r->shards->len - 1)))
        bad (&in, "shard.indexes");
      guint s = (guint) v;
      g_array_append_val (r->shards, s);
    }
  r->merged = boolean (&in, root, "merged");
  r->swarm = boolean (&in, root, "swarm");
  const SesJson *bounds = member (&in, root, "bounds", SES_JSON_OBJECT);
  read_budgets (&in, bounds, r->budgets);
  const SesJson *fo = ses_json_get (bounds, "faults_on");
  if (fo != NULL && ses_json_kind (fo) == SES_JSON_STRING)
    r->faults_on = g_strdup (ses_json_string (fo));
  else if (fo == NULL || ses_json_kind (fo) != SES_JSON_NULL)
    bad (&in, "bounds.faults_on");
  r->max_depth = (guint) u64 (&in, bounds, "max_depth", G_MAXUINT32);
  r->max_failures = (guint) u64 (&in, bounds, "max_failures", G_MAXUINT32);
  const SesJson *expected = member (&in, root, "expected", SES_JSON_ARRAY);
  for (guint i = 0; i < ses_json_length (expected); i++)
    {
      const char *name = ses_json_string (ses_json_index (expected, i));
      if (name == NULL)
        bad (&in, "expected");
      else
        g_ptr_array_add (r->expected, g_strdup (name));
    }
  r->seeds_run = u64 (&in, root, "seeds_run", G_MAXUINT64);
  r->steps = u64 (&in, root, "steps", G_MAXUINT64);
  r->faults = u64 (&in, root, "faults", G_MAXUINT64);
  r->end_states = u64 (&in, root, "end_states", G_MAXUINT64);
  r->cut = u64 (&in, root, "cut", G_MAXUINT64);
  r->stopped = boolean (&in, root, "stopped");
  /* Written only when true. */
  if (ses_json_get (root, "interrupted") != NULL)
    r->interrupted = boolean (&in, root, "interrupted");
  const SesJson *failures = member (&in, root, "failures", SES_JSON_ARRAY);
  for (guint i = 0; i < ses_json_length (failures) && in.ok; i++)
    {
      const SesJson *fj = ses_json_index (failures, i);
      SesReportFailure *f = g_new0 (SesReportFailure, 1);
      f->seed = u64 (&in, fj, "seed", G_MAXUINT64);
      f->invariant = string (&in, fj, "invariant");
      f->expected = boolean (&in, fj, "expected");
      f->violation = string (&in, fj, "violation");
      f->trail = string (&in, fj, "trail");
      f->length = (guint) u64 (&in, fj, "length", G_MAXUINT32);
      f->original_length = (guint) u64 (&in, fj, "original_length",
                                        G_MAXUINT32);
      const SesJson *s = member (&in, fj, "settings", SES_JSON_OBJECT);
      read_budgets (&in, s, f->settings.budgets);
      f->settings.fault_ppm = (guint32) u64 (&in, s, "fault_ppm", 1000000);
      f->settings.shuffle = boolean (&in, s, "shuffle");
      ses_report_add_failure (r, f);
    }
  const SesJson *cov = ses_json_get (root, "coverage");
  if (cov != NULL && ses_json_kind (cov) == SES_JSON_OBJECT)
    r->coverage = read_coverage (&in, cov);
  else if (cov == NULL || ses_json_kind (cov) != SES_JSON_NULL)
    bad (&in, "coverage");
  double secs = 0;
  if (!ses_json_double (ses_json_get (root, "seconds"), &secs))
    bad (&in, "seconds");
  r->seconds = secs;
  r->peak_rss_kib = u64 (&in, root, "peak_rss_kib", G_MAXUINT64);
  if (!in.ok)
    return NULL;
  return g_steal_pointer (&r);
}

/* ---- merging ----------------------------------------------------------- */

static gboolean
mismatch (GError **error, const char *what, const char *a, const char *b)
{
  g_set_error (error, SES_ERROR, SES_ERROR_INVALID,
               "results of different runs cannot be merged: %s %s and %s",
               what, a, b);
  return FALSE;
}

static char *
bounds_text (const SesReport *r)
{
  return g_strdup_printf ("cuts %u, crashes %u, restarts %u, half-opens %u, "
                          "faults on %s, max depth %u, max failures %u, %s",
                          r->budgets[SES_CHECK_CUTS],
                          r->budgets[SES_CHECK_CRASHES],
                          r->budgets[SES_CHECK_RESTARTS],
                          r->budgets[SES_CHECK_HALF_OPENS],
                          r->faults_on != NULL ? r->faults_on : "all clients",
                          r->max_depth, r->max_failures,
                          r->swarm ? "swarm" : "no swarm");
}

gboolean
ses_report_merge (SesReport *into, const SesReport *other, GError **error)
{
  if (g_strcmp0 (into->scenario, other->scenario) != 0)
    return mismatch (error, "scenarios", into->scenario, other->scenario);
  if (g_strcmp0 (into->version, other->version) != 0)
    return mismatch (error, "sessim versions", into->version, other->version);
  if (into->seed_from != other->seed_from || into->seed_to != other->seed_to)
    {
      g_autofree char *a = g_strdup_printf ("%" G_GUINT64_FORMAT "..%"
                                            G_GUINT64_FORMAT, into->seed_from,
                                            into->seed_to);
      g_autofree char *b = g_strdup_printf ("%" G_GUINT64_FORMAT "..%"
                                            G_GUINT64_FORMAT, other->seed_from,
                                            other->seed_to);
      return mismatch (error, "seed ranges", a, b);
    }
  if (into->shard_count != other->shard_count)
    {
      g_autofree char *a = g_strdup_printf ("%u", into->shard_count);
      g_autofree char *b = g_strdup_printf ("%u", other->shard_count);
      return mismatch (error, "shard counts", a, b);
    }
  g_autofree char *ba = bounds_text (into);
  g_autofree char *bb = bounds_text (other);
  if (strcmp (ba, bb) != 0)
    return mismatch (error, "bounds", ba, bb);
  if ((into->coverage == NULL) != (other->coverage == NULL)
      || (into->coverage != NULL
          && ses_coverage_versions (into->coverage)
               != ses_coverage_versions (other->coverage)))
    return mismatch (error, "coverage", "of one kind", "of another");
  for (guint i = 0; i < other->shards->len; i++)
    for (guint k = 0; k < into->shards->len; k++)
      if (g_array_index (other->shards, guint, i)
          == g_array_index (into->shards, guint, k))
        {
          g_set_error (error, SES_ERROR, SES_ERROR_INVALID,
                       "shard %u/%u appears twice",
                       g_array_index (other->shards, guint, i),
                       into->shard_count);
          return FALSE;
        }

  for (guint i = 0; i < other->shards->len; i++)
    {
      guint s = g_array_index (other->shards, guint, i);
      guint at = 0;
      while (at < into->shards->len && g_array_index (into->shards, guint, at)
                                         < s)
        at++;
      g_array_insert_val (into->shards, at, s);
    }
  into->merged = TRUE;
  into->seeds_run += other->seeds_run;
  into->steps += other->steps;
  into->faults += other->faults;
  into->end_states += other->end_states;
  into->cut += other->cut;
  into->stopped |= other->stopped;
  into->interrupted |= other->interrupted;
  for (guint i = 0; i < other->failures->len; i++)
    {
      const SesReportFailure *f = g_ptr_array_index (other->failures, i);
      SesReportFailure *copy = g_new0 (SesReportFailure, 1);
      *copy = *f;
      copy->invariant = g_strdup (f->invariant);
      copy->violation = g_strdup (f->violation);
      copy->trail = g_strdup (f->trail);
      ses_report_add_failure (into, copy);
    }
  if (into->coverage != NULL)
    ses_coverage_merge (into->coverage, other->coverage);
  into->seconds += other->seconds;
  into->peak_rss_kib = MAX (into->peak_rss_kib, other->peak_rss_kib);
  return TRUE;
}

/* ---- text -------------------------------------------------------------- */

static char *
shards_text (const SesReport *r)
{
  if (r->shard_count == 1)
    return g_strdup ("");
  if (r->shards->len == 1 && !r->merged)
    return g_strdup_printf (", shard %u/%u",
                            g_array_index (r->shards, guint, 0),
                            r->shard_count);
  g_autoptr (GArray) missing = ses_report_missing_shards (r);
  GString *s = g_string_new (NULL);
  g_string_append_printf (s, ", %u of %u shards", r->shards->len,
                          r->shard_count);
  if (missing->len > 0)
    {
      g_string_append (s, " (missing:");
      for (guint i = 0; i < missing->len; i++)
        g_string_append_printf (s, " %u", g_array_index (missing, guint, i));
      g_string_append_c (s, ')');
    }
  return g_string_free (s, FALSE);
}

char *
ses_report_to_text (const SesReport *r, gboolean list_rules)
{
  GString *out = g_string_new (NULL);
  guint expected_found = 0;
  for (guint i = 0; i < r->failures->len; i++)
    expected_found += ((SesReportFailure *) g_ptr_array_index (r->failures, i))
                        ->expected;
  guint unexpected = r->failures->len - expected_found;
  g_autofree char *shards = shards_text (r);
  int status = ses_report_status (r);
  const char *verdict;
  if (unexpected > 0)
    verdict = "violation found";
  else if (r->expected->len > 0)
    verdict = expected_found > 0 ? "the expected violation was found"
              : status == 1 ? "the expected violation was not found"
                            : "incomplete: the expected violation was not "
                              "found yet";
  else
    verdict = status == 0 ? "no violation" : "incomplete, no violation so far";
  g_string_append_printf (out, "# check --random %s: %s (seeds %"
                          G_GUINT64_FORMAT "..%" G_GUINT64_FORMAT "%s)\n",
                          r->scenario, verdict, r->seed_from, r->seed_to,
                          shards);
  g_string_append_printf (out, "# bounds: at most cuts %u, crashes %u, "
                          "restarts %u, half-opens %u%s%s; %s\n",
                          r->budgets[SES_CHECK_CUTS],
                          r->budgets[SES_CHECK_CRASHES],
                          r->budgets[SES_CHECK_RESTARTS],
                          r->budgets[SES_CHECK_HALF_OPENS],
                          r->faults_on != NULL ? ", on " : "",
                          r->faults_on != NULL ? r->faults_on : "",
                          r->swarm ? "swarm: each seed draws its own mix"
                                   : "every seed at the maxima");
  g_string_append_printf (out, "# %" G_GUINT64_FORMAT " walks, %"
                          G_GUINT64_FORMAT " steps, %" G_GUINT64_FORMAT
                          " faults, %" G_GUINT64_FORMAT " end states, %"
                          G_GUINT64_FORMAT " cut by --max-depth; %u failing "
                          "seed%s%s\n", r->seeds_run, r->steps, r->faults,
                          r->end_states, r->cut, r->failures->len,
                          r->failures->len == 1 ? "" : "s",
                          r->stopped ? " (stopped at --max-failures)"
                          : r->interrupted ? " (interrupted)" : "");
  /* Failing seeds grouped by the invariant they broke first (groups in the
   * order of their first seed): one entry per distinct bug, with its
   * seeds and its shortest trail, rather than near copies of one line. */
  g_autoptr (GPtrArray) names = g_ptr_array_new ();
  for (guint i = 0; i < r->failures->len; i++)
    {
      const SesReportFailure *f = g_ptr_array_index (r->failures, i);
      guint k = 0;
      while (k < names->len && strcmp (g_ptr_array_index (names, k),
                                       f->invariant) != 0)
        k++;
      if (k == names->len)
        g_ptr_array_add (names, f->invariant);
    }
  if (r->failures->len > 0)
    g_string_append_printf (out, "# %u failing seed%s, %u distinct "
                            "invariant%s broken\n", r->failures->len,
                            r->failures->len == 1 ? "" : "s", names->len,
                            names->len == 1 ? "" : "s");
  for (guint k = 0; k < names->len; k++)
    {
      const char *name = g_ptr_array_index (names, k);
      const SesReportFailure *best = NULL;
      GString *seeds = g_string_new (NULL);
      guint count = 0;
      for (guint i = 0; i < r->failures->len; i++)
        {
          const SesReportFailure *f = g_ptr_array_index (r->failures, i);
          if (strcmp (f->invariant, name) != 0)
            continue;
          if (count < 12)
            g_string_append_printf (seeds, "%s%" G_GUINT64_FORMAT,
                                    count ? ", " : "", f->seed);
          count++;
          if (best == NULL || f->length < best->length)
            best = f;
        }
      if (count > 12)
        g_string_append_printf (seeds, ", ... (%u more)", count - 12);
      g_string_append_printf (out, "# %s%s in %u seed%s: %s\n", name,
                              best->expected ? " (expected)" : "", count,
                              count == 1 ? "" : "s", seeds->str);
      g_string_free (seeds, TRUE);
      g_autofree char *settings = ses_check_describe_settings (&best->settings);
      g_string_append_printf (out, "#   seed %" G_GUINT64_FORMAT "%s: %s%s\n",
                              best->seed, count > 1 ? ", the shortest" : "",
                              best->expected ? "(expected) " : "",
                              best->violation);
      g_string_append_printf (out, "#   settings: %s\n", settings);
      if (best->length != best->original_length)
        g_string_append_printf (out, "#   trail: %u choices (shrunk from %u), "
                                "%s\n", best->length, best->original_length,
                                best->trail);
      else
        g_string_append_printf (out, "#   trail: %u choices, %s\n",
                                best->length, best->trail);
    }
  if (r->coverage != NULL)
    {
      g_autofree char *cov = ses_coverage_to_text (r->coverage, list_rules);
      g_string_append (out, cov);
    }
  return g_string_free (out, FALSE);
}
