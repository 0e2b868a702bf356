/* bench-check: speed and memory of the model checker on a ladder of
 * scenarios.
 *
 * Each rung is one publisher and one persistent subscriber (MQTT 5) with M
 * messages alternating QoS 1 and 2, checked exhaustively (breadth first)
 * with up to K network cuts placed anywhere, on either client. The
 * subscriber's session expires one second after it loses its connection,
 * at the very instant its automatic reconnect arrives, so every cut also
 * explores the session expiring or being resumed. Prints states, rates,
 * bytes per stored state and peak memory; the state counts are a function
 * of the program version alone. */
#include "sessim-config.h"

#include <glib.h>
#include <stdio.h>
#include <string.h>

#include "checker.h"
#include "measure.h"
#include "script.h"

typedef struct {
  guint messages;
  guint cuts;
  guint jobs;
  guint64 max_states;
  gboolean no_reduction;
  gboolean no_judge;
  SesStorage storage;
  guint bits;
  guint64 frontier_worlds;
} Rung;

/* What one measurement sends back from its child process. */
typedef struct {
  gboolean loaded;
  SesExploreStats stats;
  gint64 us;
  gint64 peak_kib;
} Result;

/* The rung's scenario, in the scenario language. (transfer full) */
static char *
rung_scenario (const Rung *r)
{
  GString *s = g_string_new (
      "mqtt 5\n"
      /* Reconnect 990 ms after a loss plus 10 ms of latency: the CONNECT
       * reaches the broker when the 1 s session expiry fires. */
      "client sub id=sub clean-start=0 session-expiry=1s reconnect=990ms "
      "latency=10ms\n"
      "client pub id=pub clean-start=0 session-expiry=1h reconnect=990ms "
      "latency=10ms\n"
      "at 0s sub connect\n"
      "at 0s sub subscribe \"plant/temp\" qos=2\n"
      "at 0s pub connect\n"
      /* SPIN's model checks no client belief: a lost CONNACK after the
       * expiry leaves the subscriber believing a subscription its new
       * session lacks (scenarios/hazards/), which is not this question. */
      "invariant coherence off\n");
  for (guint i = 1; i <= r->messages; i++)
    g_string_append_printf (s, "at 1s pub publish \"plant/temp\" \"m%u\" "
                            "qos=%u\n", i, i % 2 == 1 ? 1 : 2);
  return g_string_free (s, FALSE);
}

static void
measure_rung (gconstpointer arg, gpointer result)
{
  const Rung *r = arg;
  Result *res = result;
  g_autofree char *text = rung_scenario (r);
  g_autoptr (GError) error = NULL;
  g_autoptr (SesScript) script = ses_script_load ("ladder.scn", text,
                                                  strlen (text), &error);
  if (script == NULL)
    {
      g_printerr ("bench-check: %s\n", error->message);
      return;
    }
  res->loaded = TRUE;
  SesCheckOptions o = {
    .jobs = r->jobs,
    .max_states = r->max_states,
    .no_reduction = r->no_reduction,
    .no_judge = r->no_judge,
    .storage = r->storage,
    .storage_bits = r->bits,
    .frontier_worlds = r->frontier_worlds,
  };
  o.budgets[SES_CHECK_CUTS] = r->cuts;
  g_autoptr (SesTrail) trail = ses_trail_new ("ladder.scn", 1);
  gint64 t0 = g_get_monotonic_time ();
  ses_check_scenario (script, "ladder.scn", 1, &o, &res->stats, trail);
  res->us = g_get_monotonic_time () - t0;
  res->peak_kib = bench_peak_kib ();
}

static void
print_header (void)
{
  g_print ("%2s %2s %4s %11s %12s %9s %5s %8s %11s %9s %9s %s\n", "M", "K",
           "jobs", "states", "transitions", "reduced", "depth", "time s",
           "states/s", "B/stored", "peak MiB", "verdict");
}

static void
print_row (const Rung *r, const Result *res)
{
  const SesExploreStats *st = &res->stats;
  double secs = (double) res->us / G_USEC_PER_SEC;
  const char *verdict = st->violation ? "VIOLATION"
                        : st->complete ? "no violation" : "incomplete";
  g_autofree char *extra = NULL;
  if (st->storage != SES_STORAGE_FP64 || st->rebuilt > 0)
    extra = g_strdup_printf (" (%s, miss %.2g; %" G_GUINT64_FORMAT
                             " rebuilt, %" G_GUINT64_FORMAT " replayed)",
                             ses_storage_name (st->storage),
                             st->miss_probability, st->rebuilt,
                             st->replayed);
  g_print ("%2u %2u %4u %11" G_GUINT64_FORMAT " %12" G_GUINT64_FORMAT
           " %9" G_GUINT64_FORMAT " %5u %8.2f %11.0f %9.1f %9.1f %s%s\n",
           r->messages, r->cuts, MAX (r->jobs, 1), st->states,
           st->transitions, st->reduced, st->max_depth, secs,
           secs > 0 ? (double) st->states / secs : 0.0,
           st->states > 0 ? (double) st->stored_bytes / st->states : 0.0,
           (double) res->peak_kib / 1024.0, verdict,
           extra != NULL ? extra : "");
}

/* The judge's cost: the rung without it and with it, alternately (so
 * that the machine's mood falls on both), best of three each. Without the
 * judge no state carries its digest, so the state counts differ too:
 * states per second is the measure. */
static gboolean
compare_with_judge (const Rung *r, gboolean no_fork)
{
  Rung bare = *r, judged = *r;
  bare.no_judge = TRUE;
  Result best[2] = { { 0 }, { 0 } };
  for (guint round = 0; round < 3; round++)
    for (guint j = 0; j < 2; j++)
      {
        Result res;
        if (!bench_measure (measure_rung, j == 0 ? &bare : &judged, &res,
                            sizeof res, !no_fork)
            || !res.loaded)
          return FALSE;
        if (best[j].us == 0 || res.us < best[j].us)
          best[j] = res;
      }
  g_print ("without the judge:\n");
  print_row (&bare, &best[0]);
  g_print ("with the judge:\n");
  print_row (&judged, &best[1]);
  double rate[2];
  for (guint j = 0; j < 2; j++)
    rate[j] = best[j].us > 0 ? (double) best[j].stats.states
                                 / ((double) best[j].us / G_USEC_PER_SEC)
                             : 0.0;
  g_print ("%2u %2u the judge costs %.1f %% of the states/s (%.0f -> %.0f), "
           "%.2fx the time for %.2fx the states\n",
           r->messages, r->cuts,
           rate[0] > 0 ? 100.0 * (1.0 - rate[1] / rate[0]) : 0.0, rate[0],
           rate[1], best[0].us > 0 ? (double) best[1].us / best[0].us : 0.0,
           best[0].stats.states > 0
             ? (double) best[1].stats.states / best[0].stats.states : 0.0);
  return TRUE;
}

int
main (int argc, char **argv)
{
  gint max_messages = 4, max_cuts = 3, jobs = 1, only_m = 0, only_k = 0;
  gint64 max_states = 100000000;
  gboolean no_fork = FALSE, compare = FALSE, no_reduction = FALSE;
  gboolean compare_judge = FALSE, no_judge = FALSE;
  g_autofree char *storage = NULL;
  gint bits = 0;
  gint64 frontier_worlds = 0;
  GOptionEntry entries[] = {
    { "max-messages", 'm', 0, G_OPTION_ARG_INT, &max_messages,
      "Rungs with M = 1 .. this many messages (default 4)", "M" },
    { "max-cuts", 'k', 0, G_OPTION_ARG_INT, &max_cuts,
      "Rungs with K = 1 .. this many cuts (default 3)", "K" },
    { "messages", 0, 0, G_OPTION_ARG_INT, &only_m,
      "Only the rungs with this many messages", "M" },
    { "cuts", 0, 0, G_OPTION_ARG_INT, &only_k,
      "Only the rungs with this many cuts", "K" },
    { "jobs", 'j', 0, G_OPTION_ARG_INT, &jobs,
      "Threads for the search (default 1)", "N" },
    { "compare-jobs", 0, 0, G_OPTION_ARG_NONE, &compare,
      "Run each rung with 1 thread and with --jobs threads, print the "
      "speed-up", NULL },
    { "compare-judge", 0, 0, G_OPTION_ARG_NONE, &compare_judge,
      "Run each rung without the judge and with it, alternately, three "
      "times, and print the judge's share of the time", NULL },
    { "no-judge", 0, 0, G_OPTION_ARG_NONE, &no_judge,
      "Explore without the judge (what the model alone costs; for "
      "instruction counts under callgrind)", NULL },
    { "no-reduction", 0, 0, G_OPTION_ARG_NONE, &no_reduction,
      "Explore every order of independent events", NULL },
    { "max-states", 0, 0, G_OPTION_ARG_INT64, &max_states,
      "Stop a rung after this many states (default 100000000)", "N" },
    { "storage", 0, 0, G_OPTION_ARG_STRING, &storage,
      "Visited set: fp64 (default), hc or bitstate", "MODE" },
    { "bits", 0, 0, G_OPTION_ARG_INT, &bits,
      "Width of the hc or bitstate table (default: from --max-states)",
      "W" },
    { "frontier-worlds", 0, 0, G_OPTION_ARG_INT64, &frontier_worlds,
      "Waiting states that keep their worlds; the others are rebuilt by "
      "replay (default 0: all)", "N" },
    { "no-fork", 0, 0, G_OPTION_ARG_NONE, &no_fork,
      "Measure in this process (peak memory then accumulates)", NULL },
    { NULL },
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new (
      "- states per second and bytes per state of sessim check on a ladder "
      "of scenarios");
  g_option_context_add_main_entries (ctx, entries, NULL);
  g_autoptr (GError) error = NULL;
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    {
      g_printerr ("bench-check: %s\n", error->message);
      return 2;
    }
  if (max_messages < 1 || max_cuts < 0 || jobs < 1 || max_states < 1
      || only_m < 0 || only_k < 0)
    {
      g_printerr ("bench-check: counts must be positive\n");
      return 2;
    }

  SesStorage mode = SES_STORAGE_FP64;
  if (storage != NULL && !ses_storage_from_name (storage, &mode))
    {
      g_printerr ("bench-check: --storage takes fp64, hc or bitstate\n");
      return 2;
    }
  if (bits < 0 || frontier_worlds < 0)
    {
      g_printerr ("bench-check: counts must be positive\n");
      return 2;
    }

  /* --messages and --cuts name one rung, wherever it lies. */
  max_messages = MAX (max_messages, only_m);
  max_cuts = MAX (max_cuts, only_k);
  g_print ("bench-check: sessim %s; breadth first; publisher + persistent "
           "subscriber, M messages (QoS 1, 2, 1, ...), K cuts on either "
           "client, expiry racing each reconnect\n", SESSIM_VERSION);
  print_header ();
  gboolean ok = TRUE;
  for (guint m = 1; m <= (guint) max_messages; m++)
    for (guint k = 1; k <= (guint) max_cuts; k++)
      {
        if ((only_m != 0 && m != (guint) only_m)
            || (only_k != 0 && k != (guint) only_k))
          continue;
        Rung r = { m, k, (guint) jobs, (guint64) max_states, no_reduction,
                   no_judge, mode, (guint) bits, (guint64) frontier_worlds };
        if (compare_judge)
          {
            ok &= compare_with_judge (&r, no_fork);
            continue;
          }
        Result one = { 0 };
        if (compare)
          {
            Rung serial = r;
            serial.jobs = 1;
            if (!bench_measure (measure_rung, &serial, &one, sizeof one,
                                !no_fork) || !one.loaded)
              {
                ok = FALSE;
                continue;
              }
            print_row (&serial, &one);
          }
        Result res;
        if (!bench_measure (measure_rung, &r, &res, sizeof res, !no_fork)
            || !res.loaded)
          {
            ok = FALSE;
            continue;
          }
        print_row (&r, &res);
        if (compare && res.us > 0)
          g_print ("%2u %2u speed-up with %u threads: %.2fx%s\n", m, k,
                   r.jobs, (double) one.us / (double) res.us,
                   one.stats.states == res.stats.states
                       && one.stats.transitions == res.stats.transitions
                     ? "" : " (COUNTS DIFFER)");
      }
  return ok ? 0 : 1;
}
