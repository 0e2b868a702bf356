/* bench-sessions: throughput and memory of the MQTT session model at scale.
 *
 * Builds seeded workloads of N MQTT 5 persistent-session clients (subscribers
 * and publishers, QoS 1/2 traffic, scripted cuts, automatic reconnects), runs
 * each for a stretch of virtual time with recording off, and prints events,
 * rates and memory. Everything but the wall-clock and memory columns is a
 * function of the seed, which the printed world fingerprints show. With
 * --versus-heap each size is also set beside a bare binary heap holding as
 * many pending events (heap-hold.c), the two measured alternately. */
#include "sessim-config.h"

#include <glib.h>
#include <stdio.h>
#include <string.h>

#include "heap-hold.h"
#include "hugepages.h"
#include "measure.h"
#include "mqtt.h"
#include "rng.h"
#include "world.h"

#define IDLE_RUN_S 120 /* past every keep-alive timer, well before expiry */
#define SESSION_EXPIRY_S 3600

/* ---- workloads ---------------------------------------------------------- */

typedef struct {
  guint n_clients;
  guint seconds;
  guint64 seed;
  gboolean huge_pages; /* traffic runs: ses_hugepages_reserve_heap() */
} Workload;

/* The heap stretch advised for huge pages: address space, not memory;
 * 100 000 clients use about 180 MiB of it. */
#define HUGE_RESERVE ((gsize) 1 << 30)

/* What one measurement sends back to the parent process. Plain values. */
typedef struct {
  guint64 events;
  guint64 published;
  guint64 delivered;
  guint64 packets;
  guint64 fingerprint;
  gint64 build_us;
  gint64 run_us;
  guint64 steady_events; /* after the warm-up */
  gint64 steady_us;
  gint64 steady_cpu_us;
  gint64 peak_kib;
  /* Idle-session measurement only. */
  gint64 rss_start_kib;
  gint64 rss_config_kib;
  gint64 rss_world_kib;
  guint64 idle_kept; /* sessions that exist, offline, with 3 filters */
  /* Pending events, sampled once a virtual second over the steady
   * stretch: all of them and the timers among them. */
  guint64 pending_sum;
  guint64 timers_sum;
  guint64 samples;
  /* Timer misuse by the model (ses_world_timer_misuse): both 0. */
  guint64 removed_live;
  guint64 due_dead;
} Result;

static SesTime
uniform_us (SesRng *rng, SesTime lo_us, SesTime hi_us)
{
  return lo_us + (SesTime) ses_rng_below (rng, (guint64) (hi_us - lo_us));
}

static void
add_action (SesMqttConfig *cfg, SesTime at_us, SesActionKind kind,
            guint client, guint32 topic, guint32 payload, guint8 qos)
{
  SesAction a;
  memset (&a, 0, sizeof a);
  a.at_us = at_us;
  a.kind = kind;
  a.client = client;
  a.topic = topic;
  a.payload = payload;
  a.qos = qos;
  ses_mqtt_config_add_action (cfg, &a);
}

static SesClientConfig
persistent_client (SesRng *rng)
{
  SesClientConfig c;
  ses_client_config_init (&c, SES_MQTT_5);
  c.clean = FALSE;
  c.has_expiry = TRUE;
  c.expiry_s = SESSION_EXPIRY_S;
  c.keep_alive_s = 60;
  c.latency_us = uniform_us (rng, 2 * SES_US_PER_MS, 20 * SES_US_PER_MS);
  c.reconnect_delay_us = uniform_us (rng, 500 * SES_US_PER_MS,
                                     3 * SES_US_PER_S);
  return c;
}

/* Sites site/<k> with two topics each, temp and hum; topic index t is
 * site t / 2, kind t % 2. One publisher per site (a quarter of the clients)
 * alternates between its two topics about once a second, QoS 1 or 2 at
 * random. The other three quarters subscribe to two topics each, about
 * three subscribers per topic; every fourth subscriber's second filter is
 * the wildcard site/<k>/+. Cuts: one per client per 100 s on average, at
 * random times after the subscriptions are in place; every client
 * reconnects on its own 0.5-3 s after losing its connection. */
static SesMqttConfig *
build_traffic (const Workload *wl)
{
  SesMqttConfig *cfg = ses_mqtt_config_new ();
  SesRng rng;
  ses_rng_init (&rng, wl->seed, SES_RNG_STREAM_WORKLOAD);
  guint n = wl->n_clients;
  SesTime end_us = ses_time_from_s (wl->seconds);
  guint n_sites = MAX (n / 4, 1);
  guint n_topics = 2 * n_sites;

  g_autofree guint32 *topic = g_new (guint32, n_topics);
  g_autofree guint32 *wildcard = g_new (guint32, n_sites);
  for (guint k = 0; k < n_sites; k++)
    {
      char buf[64];
      g_snprintf (buf, sizeof buf, "site/%u/temp", k);
      topic[2 * k] = ses_mqtt_config_intern (cfg, buf);
      g_snprintf (buf, sizeof buf, "site/%u/hum", k);
      topic[2 * k + 1] = ses_mqtt_config_intern (cfg, buf);
      g_snprintf (buf, sizeof buf, "site/%u/+", k);
      wildcard[k] = ses_mqtt_config_intern (cfg, buf);
    }
  static const char *const readings[] = { "19.5", "20.0", "20.5", "21.0",
                                          "21.5", "22.0", "22.5", "23.0" };
  guint32 payload[G_N_ELEMENTS (readings)];
  for (guint i = 0; i < G_N_ELEMENTS (readings); i++)
    payload[i] = ses_mqtt_config_intern (cfg, readings[i]);

  guint n_subscribers = 0, n_publishers = 0;
  for (guint i = 0; i < n; i++)
    {
      SesClientConfig cc = persistent_client (&rng);
      gboolean publisher = i % 4 == 3;
      char label[32], id[32];
      g_snprintf (label, sizeof label, "%s-%u", publisher ? "pub" : "sub",
                  i);
      g_snprintf (id, sizeof id, "client-%u", i);
      guint c = ses_mqtt_config_add_client (cfg, label, id, &cc);
      SesTime connect_us = uniform_us (&rng, 0, SES_US_PER_S);
      add_action (cfg, connect_us, SES_ACT_CONNECT, c, 0, 0, 0);
      if (!publisher)
        {
          guint j = n_subscribers++;
          guint first = j % n_topics;
          guint second = (j + n_topics / 2) % n_topics;
          guint32 f2 = j % 4 == 0 ? wildcard[second / 2] : topic[second];
          add_action (cfg, connect_us + 300 * SES_US_PER_MS,
                      SES_ACT_SUBSCRIBE, c, topic[first], 0, 2);
          add_action (cfg, connect_us + 310 * SES_US_PER_MS,
                      SES_ACT_SUBSCRIBE, c, f2, 0, 2);
          continue;
        }
      guint site = n_publishers++ % n_sites;
      guint kind = 0;
      for (SesTime at = 2 * SES_US_PER_S + uniform_us (&rng, 0, SES_US_PER_S);
           at < end_us;
           at += uniform_us (&rng, 900 * SES_US_PER_MS, 1100 * SES_US_PER_MS))
        {
          guint8 qos = (guint8) (1 + ses_rng_below (&rng, 2));
          guint32 p = payload[ses_rng_below (&rng, G_N_ELEMENTS (payload))];
          add_action (cfg, at, SES_ACT_PUBLISH, c, topic[2 * site + kind], p,
                      qos);
          kind ^= 1;
        }
    }
  guint64 n_cuts = (guint64) n * wl->seconds / 100;
  for (guint64 i = 0; i < n_cuts && end_us > 2 * SES_US_PER_S; i++)
    {
      SesTime at = uniform_us (&rng, 2 * SES_US_PER_S, end_us);
      add_action (cfg, at, SES_ACT_CUT, (guint) ses_rng_below (&rng, n), 0, 0,
                  0);
    }
  return cfg;
}

static SesWorld *
new_quiet_world (SesMqttConfig *cfg, guint64 seed)
{
  SesWorld *w = ses_mqtt_world_new (cfg, seed);
  /* Counters still count; only the observation log stays empty. */
  ses_mqtt_set_recording (ses_mqtt_from_world (w), FALSE);
  return w;
}

static void
collect (SesWorld *w, Result *res)
{
  SesMqtt *m = ses_mqtt_from_world (w);
  const SesMqttCounters *k = ses_mqtt_counters (m);
  res->published = k->published;
  res->delivered = k->delivered;
  res->packets = k->packets;
  res->fingerprint = ses_world_fingerprint (w);
  ses_world_timer_misuse (w, &res->removed_live, &res->due_dead);
}

/* Every publisher has published to both its topics by 4 s, so from here on
 * no publish meets a topic for the first time. */
static guint
warmup_s (const Workload *wl)
{
  return MIN (10, wl->seconds / 2);
}

/* Its own function so that a profiler can be told to look at this stretch
 * only: valgrind --tool=callgrind --toggle-collect=run_steady. A virtual
 * second at a time, counting what is pending after each (the calls take
 * exactly the events one call would). */
static G_GNUC_NO_INLINE guint64
run_steady (SesWorld *w, SesTime until, Result *res)
{
  guint64 events = 0;
  for (SesTime t = ses_world_now (w); t < until;)
    {
      t = MIN (t + SES_US_PER_S, until);
      events += ses_world_run (w, t);
      res->pending_sum += ses_world_pending (w);
      res->timers_sum += ses_world_pending_timers (w);
      res->samples++;
    }
  return events;
}

static void
measure_traffic (gconstpointer arg, gpointer result)
{
  const Workload *wl = arg;
  Result *res = result;
  /* In the measuring process, before the world is built: the blocks it
   * allocates are carved from the advised stretch. */
  if (wl->huge_pages)
    ses_hugepages_reserve_heap (HUGE_RESERVE);
  gint64 t0 = g_get_monotonic_time ();
  g_autoptr (SesMqttConfig) cfg = build_traffic (wl);
  g_autoptr (SesWorld) w = new_quiet_world (cfg, wl->seed);
  gint64 t1 = g_get_monotonic_time ();
  /* Two calls take exactly the events one would: the split only times the
   * stretch after every topic has been published once. */
  guint64 warm = ses_world_run (w, ses_time_from_s (warmup_s (wl)));
  gint64 t2 = g_get_monotonic_time (), c2 = bench_cpu_us ();
  res->steady_events = run_steady (w, ses_time_from_s (wl->seconds), res);
  gint64 t3 = g_get_monotonic_time ();
  res->steady_cpu_us = bench_cpu_us () - c2;
  res->events = warm + res->steady_events;
  res->build_us = t1 - t0;
  res->run_us = t3 - t1;
  res->steady_us = t3 - t2;
  res->peak_kib = bench_peak_kib ();
  collect (w, res);
}

typedef struct {
  guint pending;
  gint64 min_us;
  guint64 seed;
  gboolean huge_pages;
} HeapJob;

static void
measure_heap (gconstpointer arg, gpointer result)
{
  const HeapJob *job = arg;
  heap_hold_run (job->pending, job->min_us, job->seed, job->huge_pages,
                 result);
}

/* M sessions that each connect once, subscribe to three filters and
 * disconnect cleanly, keeping a one-hour session; run until every
 * keep-alive timer has lapsed. What is left is idle session state. */
static SesMqttConfig *
build_idle (const Workload *wl)
{
  SesMqttConfig *cfg = ses_mqtt_config_new ();
  SesRng rng;
  ses_rng_init (&rng, wl->seed, SES_RNG_STREAM_WORKLOAD);
  enum { N_SITES = 1024 };
  g_autofree guint32 *filter = g_new (guint32, 3 * N_SITES);
  for (guint k = 0; k < N_SITES; k++)
    {
      char buf[64];
      g_snprintf (buf, sizeof buf, "site/%u/temp", k);
      filter[3 * k] = ses_mqtt_config_intern (cfg, buf);
      g_snprintf (buf, sizeof buf, "site/%u/hum", k);
      filter[3 * k + 1] = ses_mqtt_config_intern (cfg, buf);
      g_snprintf (buf, sizeof buf, "alarms/%u/#", k);
      filter[3 * k + 2] = ses_mqtt_config_intern (cfg, buf);
    }
  for (guint i = 0; i < wl->n_clients; i++)
    {
      SesClientConfig cc = persistent_client (&rng);
      char label[32], id[32];
      g_snprintf (label, sizeof label, "idle-%u", i);
      g_snprintf (id, sizeof id, "client-%u", i);
      guint c = ses_mqtt_config_add_client (cfg, label, id, &cc);
      SesTime at = uniform_us (&rng, 0, SES_US_PER_S);
      guint k = (guint) ses_rng_below (&rng, N_SITES);
      add_action (cfg, at, SES_ACT_CONNECT, c, 0, 0, 0);
      for (guint f = 0; f < 3; f++)
        add_action (cfg, at + (200 + 10 * f) * SES_US_PER_MS,
                    SES_ACT_SUBSCRIBE, c, filter[3 * k + f], 0, (guint8) f);
      add_action (cfg, at + SES_US_PER_S, SES_ACT_DISCONNECT, c, 0, 0, 0);
    }
  return cfg;
}

static void
measure_idle (gconstpointer arg, gpointer result)
{
  const Workload *wl = arg;
  Result *res = result;
  res->rss_start_kib = bench_rss_kib ();
  gint64 t0 = g_get_monotonic_time ();
  g_autoptr (SesMqttConfig) cfg = build_idle (wl);
  res->rss_config_kib = bench_rss_kib ();
  g_autoptr (SesWorld) w = new_quiet_world (cfg, wl->seed);
  gint64 t1 = g_get_monotonic_time ();
  res->events = ses_world_run (w, ses_time_from_s (IDLE_RUN_S));
  gint64 t2 = g_get_monotonic_time ();
  res->rss_world_kib = bench_rss_kib ();
  SesMqtt *m = ses_mqtt_from_world (w);
  for (guint i = 0; i < wl->n_clients; i++)
    {
      const SesSession *s = ses_mqtt_session (m,
                                              ses_mqtt_client_session (m, i));
      if (s->exists && s->client == SES_NONE && s->subs.view.len == 3
          && ses_mqtt_client_state (m, i) == SES_CLIENT_OFFLINE)
        res->idle_kept++;
    }
  res->build_us = t1 - t0;
  res->run_us = t2 - t1;
  res->peak_kib = bench_peak_kib ();
  collect (w, res);
}

/* ---- output ------------------------------------------------------------- */

static double
per_s (guint64 count, gint64 us)
{
  return us > 0 ? (double) count * 1e6 / (double) us : 0.0;
}

static double
mib (gint64 kib)
{
  return kib < 0 ? -1.0 : (double) kib / 1024.0;
}

/* The kernel's setting for transparent huge pages, the word in brackets
 * of "always [madvise] never"; "unknown" where there is none. */
static char *
thp_setting (void)
{
  g_autofree char *text = NULL;
  if (!g_file_get_contents ("/sys/kernel/mm/transparent_hugepage/enabled",
                            &text, NULL, NULL))
    return g_strdup ("unknown");
  const char *open = strchr (text, '['), *close = strchr (text, ']');
  if (open == NULL || close == NULL || close < open)
    return g_strdup ("unknown");
  return g_strndup (open + 1, (gsize) (close - open - 1));
}

static void
print_traffic_header (guint seconds, gboolean huge_pages)
{
  g_print ("Traffic: MQTT 5, Clean Start 0, Session Expiry %u s; 3/4 "
           "subscribers (2 filters each,\n"
           "~3 per topic, 1 in 4 second filters site/<k>/+), 1/4 publishers "
           "(~1 msg/s, QoS 1 or 2),\n"
           "1 scripted cut per client per 100 s, reconnect after 0.5-3 s; "
           "%u s of virtual time.\n"
           "Mev/s: all events over the whole run; steady: events after the "
           "first %u s only;\n"
           "pending: events in the queue, mean over the steady stretch.\n",
           SESSION_EXPIRY_S, seconds, MIN (10, seconds / 2));
  g_autofree char *thp = thp_setting ();
  if (huge_pages)
    g_print ("Huge pages: asked for (madvise) on the traffic runs' memory and "
             "the bare heap's\n"
             "array; the kernel's setting is \"%s\" "
             "(--no-huge-pages: 4 KiB pages).\n\n", thp);
  else
    g_print ("Huge pages: not asked for (--no-huge-pages); the kernel's "
             "setting is \"%s\".\n\n", thp);
  g_print ("%7s %9s %8s %9s %9s %7s %16s | %7s %7s %6s %6s %9s %9s %8s\n",
           "clients", "events", "publish", "deliver", "packets", "pending",
           "fingerprint", "build s", "run s", "Mev/s", "steady",
           "deliver/s", "packets/s", "peak MiB");
}

static guint
mean_pending (const Result *r)
{
  return r->samples > 0 ? (guint) ((r->pending_sum + r->samples / 2)
                                   / r->samples)
                        : 0;
}

static void
print_traffic_row (const Workload *wl, const Result *r)
{
  g_print ("%7u %9" G_GUINT64_FORMAT " %8" G_GUINT64_FORMAT
           " %9" G_GUINT64_FORMAT " %9" G_GUINT64_FORMAT
           " %7u %016" G_GINT64_MODIFIER "x | %7.2f %7.2f %6.2f %6.2f %9.0f"
           " %9.0f %8.1f\n",
           wl->n_clients, r->events, r->published, r->delivered, r->packets,
           mean_pending (r), r->fingerprint, (double) r->build_us / 1e6,
           (double) r->run_us / 1e6, per_s (r->events, r->run_us) / 1e6,
           per_s (r->steady_events, r->steady_us) / 1e6,
           per_s (r->delivered, r->run_us), per_s (r->packets, r->run_us),
           mib (r->peak_kib));
  if (r->removed_live != 0 || r->due_dead != 0)
    g_print ("  timer misuse: %" G_GUINT64_FORMAT " removed while live, %"
             G_GUINT64_FORMAT " came due dead\n", r->removed_live,
             r->due_dead);
  fflush (stdout);
}

/* The best of the alternating runs of one size, side by side. */
typedef struct {
  guint n_clients;
  guint pending;
  guint timers;
  double sim_eps;  /* steady events per second, best run */
  double heap_eps;
} Versus;

static void
print_versus (const Versus *v, guint n, guint reps, gint64 heap_ms)
{
  g_print ("\nSide by side: the steady stretch above against a bare binary "
           "heap holding the\n"
           "same number of pending events (pop the earliest, push one due "
           "1..2^20 later;\n"
           "bench/heap-hold.c), %u alternating run%s each, best kept; heap "
           "runs last %" G_GINT64_FORMAT " ms.\n"
           "Events per second of CPU time (the process's own, so that other "
           "load on the\nmachine counts less).\n\n",
           reps, reps == 1 ? "" : "s", heap_ms);
  g_print ("%7s %7s %7s | %11s %11s %6s | %9s %9s\n", "clients", "pending",
           "timers", "sessim ev/s", "heap ev/s", "ratio", "sessim ns",
           "heap ns");
  for (guint i = 0; i < n; i++)
    g_print ("%7u %7u %7u | %11.0f %11.0f %6.3f | %9.1f %9.1f\n",
             v[i].n_clients, v[i].pending, v[i].timers, v[i].sim_eps,
             v[i].heap_eps, v[i].heap_eps > 0 ? v[i].sim_eps / v[i].heap_eps
                                              : 0.0,
             v[i].sim_eps > 0 ? 1e9 / v[i].sim_eps : 0.0,
             v[i].heap_eps > 0 ? 1e9 / v[i].heap_eps : 0.0);
  if (n >= 2 && v[0].sim_eps > 0 && v[0].heap_eps > 0)
    g_print ("Cost per event, %u -> %u clients: sessim x%.2f, heap x%.2f\n",
             v[0].n_clients, v[n - 1].n_clients,
             v[0].sim_eps / v[n - 1].sim_eps,
             v[0].heap_eps / v[n - 1].heap_eps);
  fflush (stdout);
}

static void
print_idle (const Workload *wl, const Result *r)
{
  guint m = MAX (wl->n_clients, 1);
  g_print ("\nIdle persistent sessions: %u clients each connect once, "
           "subscribe to 3 filters,\n"
           "DISCONNECT (session kept %u s); run to %u s of virtual time.\n\n",
           wl->n_clients, SESSION_EXPIRY_S, IDLE_RUN_S);
  g_print ("%8s %8s %9s %16s | %8s %8s %9s %11s %15s\n", "sessions",
           "kept", "events", "fingerprint", "RSS0 MiB", "cfg MiB",
           "world MiB", "model B/ses", "model+cfg B/ses");
  g_print ("%8u %8" G_GUINT64_FORMAT " %9" G_GUINT64_FORMAT
           " %016" G_GINT64_MODIFIER "x | %8.1f %8.1f %9.1f %11.0f %15.0f\n",
           wl->n_clients, r->idle_kept, r->events, r->fingerprint,
           mib (r->rss_start_kib),
           mib (r->rss_config_kib), mib (r->rss_world_kib),
           (double) (r->rss_world_kib - r->rss_config_kib) * 1024.0 / m,
           (double) (r->rss_world_kib - r->rss_start_kib) * 1024.0 / m);
  if (r->removed_live != 0 || r->due_dead != 0)
    g_print ("  timer misuse: %" G_GUINT64_FORMAT " removed while live, %"
             G_GUINT64_FORMAT " came due dead\n", r->removed_live,
             r->due_dead);
  fflush (stdout);
}

int
main (int argc, char **argv)
{
  gint clients = 0;
  gint seconds = 30;
  gint64 seed = 1;
  gint idle = 100000;
  gboolean no_fork = FALSE;
  gboolean versus = FALSE;
  gboolean small_pages = FALSE;
  gint reps = 2;
  gint heap_ms = 400;
  GOptionEntry entries[] = {
    { "clients", 'n', 0, G_OPTION_ARG_INT, &clients,
      "Run only this many clients (default: 1000, 10000 and 100000)", "N" },
    { "seconds", 's', 0, G_OPTION_ARG_INT, &seconds,
      "Virtual time per traffic run in seconds (default 30)", "S" },
    { "seed", 0, 0, G_OPTION_ARG_INT64, &seed,
      "Seed of the workload and of the world (default 1)", "SEED" },
    { "idle-sessions", 'm', 0, G_OPTION_ARG_INT, &idle,
      "Sessions in the idle-memory measurement; 0 skips it "
      "(default 100000)", "M" },
    { "versus-heap", 0, 0, G_OPTION_ARG_NONE, &versus,
      "Also measure a bare binary heap with the same number of pending "
      "events, alternating with the simulator, and print both", NULL },
    { "reps", 0, 0, G_OPTION_ARG_INT, &reps,
      "With --versus-heap: runs of each, best kept (default 2)", "R" },
    { "heap-ms", 0, 0, G_OPTION_ARG_INT, &heap_ms,
      "With --versus-heap: wall time of each heap run (default 400)", "MS" },
    { "no-huge-pages", 0, 0, G_OPTION_ARG_NONE, &small_pages,
      "Do not ask for transparent huge pages for the traffic runs' memory "
      "and the bare heap's array (to compare)", NULL },
    { "no-fork", 0, 0, G_OPTION_ARG_NONE, &no_fork,
      "Measure in this process (for profilers); memory figures then "
      "include earlier runs", NULL },
    { NULL },
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new (
      "- throughput and memory of the MQTT session model");
  g_option_context_add_main_entries (ctx, entries, NULL);
  g_autoptr (GError) error = NULL;
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    {
      g_printerr ("bench-sessions: %s\n", error->message);
      return 2;
    }
  if (clients < 0 || seconds <= 0 || idle < 0 || reps < 1 || heap_ms < 1)
    {
      g_printerr ("bench-sessions: --clients, --idle-sessions must be >= 0 "
                  "and --seconds, --reps, --heap-ms > 0\n");
      return 2;
    }

  guint sizes[] = { 1000, 10000, 100000 };
  guint n_sizes = G_N_ELEMENTS (sizes);
  if (clients > 0)
    {
      sizes[0] = (guint) clients;
      n_sizes = 1;
    }

  g_print ("bench-sessions: sessim %s, seed %" G_GINT64_FORMAT "\n",
           SESSIM_VERSION, seed);
  print_traffic_header ((guint) seconds, !small_pages);
  gboolean ok = TRUE;
  Versus versus_rows[G_N_ELEMENTS (sizes)];
  guint n_versus = 0;
  for (guint i = 0; i < n_sizes; i++)
    {
      Workload wl = { sizes[i], (guint) seconds, (guint64) seed,
                      !small_pages };
      Versus v = { .n_clients = sizes[i] };
      /* Simulator and heap take turns, so that a load that comes and goes
       * on a shared machine falls on both alike. */
      for (gint rep = 0; rep < (versus ? reps : 1); rep++)
        {
          Result r;
          if (!bench_measure (measure_traffic, &wl, &r, sizeof r, !no_fork))
            {
              ok = FALSE;
              break;
            }
          if (rep == 0)
            print_traffic_row (&wl, &r);
          if (!versus)
            break;
          v.pending = mean_pending (&r);
          v.timers = r.samples > 0 ? (guint) (r.timers_sum / r.samples) : 0;
          v.sim_eps = MAX (v.sim_eps,
                           per_s (r.steady_events, r.steady_cpu_us));
          HeapJob job = { v.pending, (gint64) heap_ms * 1000,
                          (guint64) seed, !small_pages };
          HeapHoldResult h;
          if (!bench_measure (measure_heap, &job, &h, sizeof h, !no_fork))
            {
              ok = FALSE;
              break;
            }
          v.heap_eps = MAX (v.heap_eps, per_s (h.events, h.cpu_us));
        }
      if (versus && v.sim_eps > 0 && v.heap_eps > 0)
        versus_rows[n_versus++] = v;
    }
  if (versus)
    print_versus (versus_rows, n_versus, (guint) reps, heap_ms);
  if (idle > 0)
    {
      Workload wl = { (guint) idle, IDLE_RUN_S, (guint64) seed, FALSE };
      Result r;
      if (bench_measure (measure_idle, &wl, &r, sizeof r, !no_fork))
        print_idle (&wl, &r);
      else
        ok = FALSE;
    }
  return ok ? 0 : 1;
}
