/* What run and check share for teaching: the times of --state-at, the
 * snapshots a replayed counterexample takes as it goes, and report.html
 * with its verdicts (expectations from the scenario, invariants from the
 * judge), each linked to the step that decided it. */
#include "sessim-config.h"

#include <glib.h>
#include <string.h>

#include "common.h"
#include "explain.h"
#include "htmlreport.h"
#include "scenario.h"

gboolean
cli_parse_state_at (char **texts, GArray *times, char **why)
{
  for (guint i = 0; texts != NULL && texts[i] != NULL; i++)
    {
      SesTime t = 0;
      gboolean never = FALSE;
      const char *err = NULL;
      if (!ses_parse_duration (texts[i], FALSE, &t, &never, &err))
        {
          *why = g_strdup_printf ("--state-at %s: %s (a time such as 29s or "
                                  "1500ms)", texts[i], err);
          return FALSE;
        }
      g_array_append_val (times, t);
    }
  /* In time order, each time once. */
  g_array_sort (times, cli_compare_time);
  for (guint i = 1; i < times->len;)
    if (g_array_index (times, SesTime, i) == g_array_index (times, SesTime,
                                                            i - 1))
      g_array_remove_index (times, i);
    else
      i++;
  return TRUE;
}

gint
cli_compare_time (gconstpointer a, gconstpointer b)
{
  SesTime x = *(const SesTime *) a, y = *(const SesTime *) b;
  return x < y ? -1 : x > y;
}

void
cli_snapshot_step (SesWorld *world, gpointer data)
{
  SesSnapshots **snaps = data;
  if (*snaps == NULL)
    *snaps = ses_snapshots_new (ses_mqtt_from_world (world));
  ses_snapshots_update (*snaps, ses_world_now (world));
}

char *
cli_final_state (SesMqtt *mqtt, const SesSnapshots *snaps, SesTime now)
{
  if (snaps != NULL && ses_snapshots_list (snaps)->len > 0)
    {
      const GPtrArray *l = ses_snapshots_list (snaps);
      /* The last kept one, unless a chosen time came after the end. */
      for (guint i = l->len; i-- > 0;)
        {
          const SesSnapshot *s = g_ptr_array_index (l, i);
          if (!s->chosen)
            return g_strdup (ses_snapshot_body_json (s));
        }
    }
  /* One snapshot at the end; the recorder reads the log for how each
   * session ended. */
  g_autoptr (SesSnapshots) once = ses_snapshots_new (mqtt);
  ses_snapshots_update (once, now);
  const GPtrArray *l = ses_snapshots_list (once);
  return g_strdup (ses_snapshot_body_json (g_ptr_array_index (l, 0)));
}

char *
cli_report_html (const SesScript *script, const char *source, SesMqtt *mqtt,
                 const SesSnapshots *snaps, SesInvariants *inv,
                 gboolean with_expectations, const char *kind,
                 const char *meta, GError **error)
{
  g_autoptr (GArray) verdicts = g_array_new (FALSE, TRUE,
                                             sizeof (SesHtmlVerdict));
  g_array_set_clear_func (verdicts, ses_html_verdict_clear);
  if (with_expectations)
    ses_html_verdicts_add_expectations (verdicts, script, mqtt, source);
  guint32 expected = ses_script_expected_violations (script);
  guint32 seen = 0;
  const GArray *v = ses_invariants_violations (inv);
  for (guint i = 0; i < v->len; i++)
    {
      const SesViolation *x = &g_array_index (v, SesViolation, i);
      if (seen & (1u << x->id))
        continue;
      seen |= 1u << x->id;
      ses_html_verdicts_add_invariant (verdicts, ses_invariant_name (x->id),
                                       (expected & (1u << x->id)) != 0,
                                       x->obs_index, x->rule, x->message);
    }
  for (guint id = 0; id < SES_INV_COUNT; id++)
    if ((expected & (1u << id)) && !(seen & (1u << id)))
      ses_html_verdicts_add_invariant (verdicts,
                                       ses_invariant_name ((SesInvariantId) id),
                                       TRUE, G_MAXUINT64, NULL, NULL);
  gboolean passed = TRUE;
  for (guint i = 0; i < verdicts->len; i++)
    passed = passed && g_array_index (verdicts, SesHtmlVerdict, i).ok;
  g_autoptr (GPtrArray) why = ses_explain_run (mqtt, snaps);
  SesHtmlReport r = {
    .title = ses_script_title (script),
    .teaches = ses_script_teaches (script),
    .meta = meta, .kind = kind, .passed = passed, .mqtt = mqtt,
    .snaps = snaps, .explain = why, .verdicts = verdicts,
    .questions = ses_script_questions (script),
  };
  SesDiagramMark mark;
  gboolean marked = cli_first_mark (inv, &mark);
  return ses_htmlreport_build (&r, marked ? &mark : NULL, error);
}
