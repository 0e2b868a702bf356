/* Session rules, groups A to F of the rules list: Clean Session / Clean
 * Start and the ClientId, Session Expiry, Session Present, what the server
 * and the client keep, and takeover. One test per rule (or tight group),
 * named by (version, ID) because an ID can mean different rules in 3.1.1
 * and 5.0. Each builds a small timeline with the fixture, runs it and
 * asserts exact observed values; docs/rules/session.md maps every row of
 * the groups to the test that covers it. Times are in milliseconds; every
 * client has a one-way latency of 10 ms. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <glib.h>
#include <string.h>

#include "mqtt-fixture.h"

/* ---- checks that print the log and free what they hold on failure ------- */

static void
check_failed (Fx *fx, const char *what, const char *file, int line)
{
  fx_print_log (fx);
  print_error ("%s:%d: check failed: %s\n", file, line, what);
  _fail (file, line);
}

static void
check_int (Fx *fx, const char *what, gint64 got, gint64 want,
           const char *file, int line)
{
  if (got == want)
    return;
  fx_print_log (fx);
  print_error ("%s:%d: %s is %" G_GINT64_FORMAT ", want %" G_GINT64_FORMAT
               "\n", file, line, what, got, want);
  _fail (file, line);
}

static void
check_delivered (Fx *fx, guint client, const char *want, const char *file,
                 int line)
{
  char *got = fx_delivered (fx, client);
  gboolean same = g_strcmp0 (got, want) == 0;
  if (!same)
    {
      fx_print_log (fx);
      print_error ("%s:%d: client %u got \"%s\", want \"%s\"\n", file, line,
                   client, got, want);
    }
  g_free (got);
  if (!same)
    _fail (file, line);
}

#define CHECK(fx, cond)                                                        \
  do                                                                           \
    {                                                                          \
      if (!(cond))                                                             \
        check_failed (fx, #cond, __FILE__, __LINE__);                          \
    }                                                                          \
  while (0)
#define CHECK_INT(fx, got, want)                                               \
  check_int (fx, #got, (gint64) (got), (gint64) (want), __FILE__, __LINE__)
#define CHECK_DELIVERED(fx, client, want)                                      \
  check_delivered (fx, client, want, __FILE__, __LINE__)

/* ---- small queries on the log and the state ----------------------------- */

static gint64
ms (SesTime t)
{
  return t / SES_US_PER_MS;
}

static guint32
sess (Fx *fx, guint client)
{
  return ses_mqtt_client_session (fx_mqtt (fx), client);
}

static const SesSession *
session_of (Fx *fx, guint client)
{
  return ses_mqtt_session (fx_mqtt (fx), sess (fx, client));
}

/* The n-th observation of this kind about this session with this cause
 * (cause < 0: any), or NULL. */
static const SesObs *
nth_sess (Fx *fx, SesObsKind kind, guint32 session, int cause, guint n)
{
  const GArray *log = ses_mqtt_log (fx_mqtt (fx));
  for (guint i = 0; i < log->len; i++)
    {
      const SesObs *o = &g_array_index (log, SesObs, i);
      if (o->kind == kind && o->session == session
          && (cause < 0 || o->cause == (guint) cause) && n-- == 0)
        return o;
    }
  return NULL;
}

static guint
count_sess (Fx *fx, SesObsKind kind, guint32 session, int cause)
{
  guint n = 0;
  while (nth_sess (fx, kind, session, cause, n) != NULL)
    n++;
  return n;
}

/* Observations of this kind for this client (G_MAXUINT: any) whose packet
 * carries this payload. */
static guint
count_payload (Fx *fx, SesObsKind kind, guint client, const char *payload)
{
  guint32 p = fx_str (fx, payload);
  g_autoptr (GPtrArray) found = fx_find (fx, kind, client);
  guint n = 0;
  for (guint i = 0; i < found->len; i++)
    if (((const SesObs *) g_ptr_array_index (found, i))->pkt.payload == p)
      n++;
  return n;
}

static guint
count_pkts (Fx *fx, SesObsKind kind, gboolean by_broker, guint client,
            SesPacketType type)
{
  g_autoptr (GPtrArray) found = fx_packets (fx, kind, by_broker, client, type);
  return found->len;
}

/* The n-th packet of this type sent (or lost on the way) by this end on the
 * client's connections; NULL if there are fewer. */
static const SesObs *
nth_pkt (Fx *fx, gboolean by_broker, guint client, SesPacketType type, guint n)
{
  const GArray *log = ses_mqtt_log (fx_mqtt (fx));
  for (guint i = 0; i < log->len; i++)
    {
      const SesObs *o = &g_array_index (log, SesObs, i);
      if ((o->kind == SES_OBS_SEND || o->kind == SES_OBS_LOST)
          && o->by_broker == by_broker && o->client == client
          && o->pkt.type == type && n-- == 0)
        return o;
    }
  return NULL;
}

static guint
count_sent (Fx *fx, gboolean by_broker, guint client, SesPacketType type)
{
  guint n = 0;
  while (nth_pkt (fx, by_broker, client, type, n) != NULL)
    n++;
  return n;
}

/* The n-th CONNACK the client received, or NULL. */
static const SesObs *
connack (Fx *fx, guint client, guint n)
{
  g_autoptr (GPtrArray) acks = fx_packets (fx, SES_OBS_RECEIVE, FALSE, client,
                                           SES_PKT_CONNACK);
  return n < acks->len ? g_ptr_array_index (acks, n) : NULL;
}

/* Broker DISCONNECTs toward this client (sent or lost) with this reason
 * (reason < 0: any). */
static guint
broker_disconnects (Fx *fx, guint client, int reason)
{
  guint n = 0;
  for (guint i = 0;; i++)
    {
      const SesObs *o = nth_pkt (fx, TRUE, client, SES_PKT_DISCONNECT, i);
      if (o == NULL)
        return n;
      if (reason < 0 || o->pkt.reason == (guint) reason)
        n++;
    }
}

static guint
count_lost_by (Fx *fx, guint client, gboolean by_broker, SesCause cause)
{
  g_autoptr (GPtrArray) found = fx_find (fx, SES_OBS_CONNECTION_LOST, client);
  guint n = 0;
  for (guint i = 0; i < found->len; i++)
    {
      const SesObs *o = g_ptr_array_index (found, i);
      if (o->by_broker == by_broker && o->cause == cause)
        n++;
    }
  return n;
}

static gint64
persist_expiry (SesMqttVersion v)
{
  return v == SES_MQTT_5 ? 3600 : -1;
}

static SesAction *
connect_clean (Fx *fx, gint64 at_ms, guint client, gboolean clean)
{
  SesAction *a = fx_connect (fx, at_ms, client);
  a->override_clean = TRUE;
  a->clean = clean;
  return a;
}

static SesAction *
disconnect_expiry (Fx *fx, gint64 at_ms, guint client, guint32 expiry_s)
{
  SesAction *a = fx_disconnect (fx, at_ms, client);
  a->has_expiry = TRUE;
  a->expiry_s = expiry_s;
  return a;
}

/* ---- scenario setups shared by several tests ---------------------------- */

/* Adds "pub" (ClientId "sensor", Clean 1, no expiry), connects `sub` and
 * then "pub" at 0, and subscribes `sub` to "t" at 50 ms with this QoS.
 * Call it right after creating `sub`, so that the clients, and the strings
 * they intern, keep their order. Returns the publisher. */
static guint
add_pub_and_subscribe (Fx *fx, guint sub, SesMqttVersion v, guint8 qos)
{
  guint pub = fx_client (fx, "pub", "sensor", v, TRUE, -1);
  fx_connect (fx, 0, sub);
  fx_connect (fx, 0, pub);
  fx_subscribe (fx, 50, sub, "t", qos);
  return pub;
}

/* `sub` goes away at 100 ms (SES_ACT_DISCONNECT, _CUT or _CRASH), and while
 * it is away, at 200 ms, `pub` publishes "m1" on "t" at QoS 1. */
static void
miss_m1 (Fx *fx, guint sub, guint pub, SesActionKind away)
{
  fx_act (fx, 100, sub, away);
  fx_publish (fx, 200, pub, "t", 1, "m1");
}

/* "c" (ClientId "dev", Clean 0, with this expiry) connects at 0 and
 * subscribes to "t" at QoS 1 at 50 ms. Returns it. */
static guint
subscribed_dev (Fx *fx, SesMqttVersion v, gint64 expiry_s)
{
  guint c = fx_client (fx, "c", "dev", v, FALSE, expiry_s);
  fx_connect (fx, 0, c);
  fx_subscribe (fx, 50, c, "t", 1);
  return c;
}

/* "c" (ClientId "dev", Clean 0, kept in 5.0) and "pub" (ClientId "sensor",
 * Clean 1); only "c" connects at 0, and subscribes to "t" at QoS 1 at
 * 50 ms. The test says when "pub" connects. Returns "c". */
static guint
subscribed_dev_pub_later (Fx *fx, SesMqttVersion v, guint *pub)
{
  guint c = fx_client (fx, "c", "dev", v, FALSE, persist_expiry (v));
  *pub = fx_client (fx, "pub", "sensor", v, TRUE, -1);
  fx_connect (fx, 0, c);
  fx_subscribe (fx, 50, c, "t", 1);
  return c;
}

/* subscribed_dev() (kept in 5.0), DISCONNECT at 100 ms, then a CONNECT
 * with Clean Session / Clean Start 1 at 1 s; run to 2 s. Returns "c". */
static guint
rejoin_clean (Fx *fx, SesMqttVersion v)
{
  guint c = subscribed_dev (fx, v, persist_expiry (v));
  fx_disconnect (fx, 100, c);
  connect_clean (fx, 1000, c, TRUE);
  fx_run (fx, 2000);
  return c;
}

/* 5.0, broker persistence as given: subscribed_dev_pub_later(); "c"
 * publishes "own" at QoS 1 at 100 ms (accepted at 110) and the broker
 * restarts at 115 ms, so the PUBACK is lost; "pub" connects at 500 ms and
 * publishes "m1" on "t" at 600 ms; "c" reconnects at 1 s. Runs to 2 s and
 * returns "c". */
static guint
restart_with_own_unacked (Fx *fx, gboolean persistence)
{
  guint pub;
  ses_mqtt_config_broker (fx->cfg)->persistence = persistence;
  guint c = subscribed_dev_pub_later (fx, SES_MQTT_5, &pub);
  fx_publish (fx, 100, c, "x", 1, "own");
  fx_act (fx, 115, c, SES_ACT_RESTART);
  fx_connect (fx, 500, pub);
  fx_publish (fx, 600, pub, "t", 1, "m1");
  fx_connect (fx, 1000, c);
  fx_run (fx, 2000);
  return c;
}

typedef struct {
  guint mon; /* "mon", subscribed to "w" at QoS 1 from 50 ms */
  guint c;   /* "c", ClientId "dev", Clean Start 0, expiry 1 h */
} Watched;

/* 5.0: "mon" and "c" both connect at 0; "c" has the will "gone" on "w",
 * QoS 1, Will Delay 0. */
static Watched
watched_dev (Fx *fx)
{
  Watched w;
  w.mon = fx_client (fx, "mon", "monitor", SES_MQTT_5, TRUE, -1);
  w.c = fx_client (fx, "c", "dev", SES_MQTT_5, FALSE, 3600);
  fx_will (fx, w.c, "w", "gone", 1, 0);
  fx_connect (fx, 0, w.mon);
  fx_connect (fx, 0, w.c);
  fx_subscribe (fx, 50, w.mon, "w", 1);
  return w;
}

typedef struct {
  guint mon; /* "mon", subscribed to "w" at QoS 1 from 50 ms */
  guint old; /* "old", ClientId "dev", Clean 0, connected at 0 */
  guint neu; /* "new", ClientId "dev"; the test connects it */
} Takeover;

/* "old" has the will "old-gone" on "w", QoS 1, with this Will Delay (5.0).
 * "mon" and "old" connect at 0. */
static Takeover
takeover_watched (Fx *fx, SesMqttVersion v, gint64 old_expiry_s,
                  gboolean new_clean, gint64 new_expiry_s,
                  guint32 will_delay_s)
{
  Takeover t;
  t.mon = fx_client (fx, "mon", "monitor", v, TRUE, -1);
  t.old = fx_client (fx, "old", "dev", v, FALSE, old_expiry_s);
  t.neu = fx_client (fx, "new", "dev", v, new_clean, new_expiry_s);
  fx_will (fx, t.old, "w", "old-gone", 1, will_delay_s);
  fx_connect (fx, 0, t.mon);
  fx_connect (fx, 0, t.old);
  fx_subscribe (fx, 50, t.mon, "w", 1);
  return t;
}

/* "old" (ClientId "dev", Clean 0, kept in 5.0) and "pub" connect at 0 and
 * "old" subscribes to "t" at 50 ms; "new" (ClientId "dev", Clean 0, kept
 * in 5.0) connects at 1 s; "pub" publishes "m" on "t" at 1.5 s. Runs to
 * 2 s. */
static void
takeover_under_traffic (Fx *fx, SesMqttVersion v, guint *old, guint *neu)
{
  *old = fx_client (fx, "old", "dev", v, FALSE, persist_expiry (v));
  *neu = fx_client (fx, "new", "dev", v, FALSE, persist_expiry (v));
  guint pub = fx_client (fx, "pub", "sensor", v, TRUE, -1);
  fx_connect (fx, 0, *old);
  fx_connect (fx, 0, pub);
  fx_subscribe (fx, 50, *old, "t", 1);
  fx_connect (fx, 1000, *neu);
  fx_publish (fx, 1500, pub, "t", 1, "m");
  fx_run (fx, 2000);
}

typedef struct {
  gboolean clean;
  gint64 expiry_s;
} ConnectFlags;

/* Three ClientIds "a", "b", "c": "<id>-old" connects at 0 and "<id>-new"
 * takes over at 1 s, each with its flags from `flags` (a-old, a-new, b-old,
 * b-new, c-old, c-new), which is also the order of `who`. Runs to 2 s. */
static void
takeover_pairs (Fx *fx, SesMqttVersion v, const ConnectFlags flags[6],
                guint who[6])
{
  static const char *const ids[3] = { "a", "b", "c" };
  for (guint i = 0; i < 6; i++)
    {
      g_autofree char *label = g_strdup_printf ("%s-%s", ids[i / 2],
                                                i % 2 ? "new" : "old");
      who[i] = fx_client (fx, label, ids[i / 2], v, flags[i].clean,
                          flags[i].expiry_s);
    }
  for (guint i = 0; i < 6; i += 2)
    fx_connect (fx, 0, who[i]);
  for (guint i = 1; i < 6; i += 2)
    fx_connect (fx, 1000, who[i]);
  fx_run (fx, 2000);
}

static int
setup (void **state)
{
  *state = fx_new ();
  return 0;
}

/* SESSIM_TEST_LOG=1 prints every test's log, to read a scenario through. */
static int
teardown (void **state)
{
  Fx *fx = *state;
  if (g_getenv ("SESSIM_TEST_LOG") != NULL && fx->world != NULL)
    fx_print_log (fx);
  fx_free (fx);
  return 0;
}

/* ======================================================================== */
/* A. Clean Session (3.1.1) / Clean Start (5.0), ClientId                    */
/* ======================================================================== */

/* 3.1.1 [MQTT-3.1.2-4]: Clean Session 0 creates a session when there is
 * none, keeps it after the connection ends and resumes it: Session Present
 * 1, the subscription still routes, what arrived meanwhile is delivered. */
static void
test_v311_MQTT_3_1_2_4_clean_session_0_resumes (void **state)
{
  Fx *fx = *state;
  guint sub = fx_client (fx, "sub", "dash", SES_MQTT_311, FALSE, -1);
  guint pub = add_pub_and_subscribe (fx, sub, SES_MQTT_311, 1);
  miss_m1 (fx, sub, pub, SES_ACT_DISCONNECT);
  fx_connect (fx, 1000, sub);
  fx_publish (fx, 1100, pub, "t", 1, "m2");
  fx_run (fx, 2000);

  guint32 s = sess (fx, sub);
  CHECK_INT (fx, fx_session_present (fx, sub, 0), 0);
  CHECK_INT (fx, fx_session_present (fx, sub, 1), 1);
  CHECK_INT (fx, count_sess (fx, SES_OBS_SESSION_CREATED, s, SES_CAUSE_NEW), 1);
  CHECK_INT (fx, count_sess (fx, SES_OBS_SESSION_CREATED, s, -1), 1);
  CHECK_INT (fx, count_sess (fx, SES_OBS_SESSION_KEPT, s, SES_CAUSE_DISCONNECT),
             1);
  CHECK_INT (fx, count_sess (fx, SES_OBS_SESSION_RESUMED, s, -1), 1);
  CHECK_INT (fx, count_sess (fx, SES_OBS_SESSION_ENDED, s, -1), 0);
  CHECK_INT (fx, count_sess (fx, SES_OBS_QUEUED, s, SES_CAUSE_DISCONNECT), 1);
  CHECK_DELIVERED (fx, sub, "m1 m2");
  const SesSession *ss = session_of (fx, sub);
  CHECK (fx, ss->exists);
  CHECK_INT (fx, ss->subs.view.len, 1);
  CHECK_INT (fx, ss->client, sub);
}

/* 3.1.1 [MQTT-3.1.2-6]: Clean Session 1 discards an existing session: the
 * queued message and the subscription are gone, Session Present 0. */
static void
test_v311_MQTT_3_1_2_6_clean_session_1_discards_existing (void **state)
{
  Fx *fx = *state;
  guint sub = fx_client (fx, "sub", "dash", SES_MQTT_311, FALSE, -1);
  guint pub = add_pub_and_subscribe (fx, sub, SES_MQTT_311, 1);
  miss_m1 (fx, sub, pub, SES_ACT_DISCONNECT);
  connect_clean (fx, 1000, sub, TRUE);
  fx_publish (fx, 1100, pub, "t", 1, "m2");
  fx_run (fx, 2000);

  guint32 s = sess (fx, sub);
  CHECK_INT (fx, fx_session_present (fx, sub, 1), 0);
  const SesObs *end = nth_sess (fx, SES_OBS_SESSION_ENDED, s, -1, 0);
  CHECK (fx, end != NULL);
  CHECK_INT (fx, end->cause, SES_CAUSE_CLEAN_START);
  CHECK_INT (fx, ms (end->time_us), 1010);
  CHECK_INT (fx, end->arg, 1); /* the queued m1 */
  CHECK_INT (fx, count_sess (fx, SES_OBS_SESSION_ENDED, s, -1), 1);
  CHECK_INT (fx, count_sess (fx, SES_OBS_SESSION_CREATED, s,
                             SES_CAUSE_CLEAN_START), 1);
  CHECK_DELIVERED (fx, sub, "");
  CHECK_INT (fx, count_pkts (fx, SES_OBS_SEND, TRUE, sub, SES_PKT_PUBLISH), 0);
  const SesSession *ss = session_of (fx, sub);
  CHECK_INT (fx, ss->subs.view.len, 0);
  CHECK_INT (fx, ss->queue.view.len, 0);
}

/* 3.1.1 [MQTT-3.1.2-6]: a Clean Session 1 session lasts only as long as its
 * connection and is never reused: a later Clean Session 0 connect finds
 * nothing (Session Present 0, no subscription, nothing queued). */
static void
test_v311_MQTT_3_1_2_6_clean_session_1_ends_with_connection (void **state)
{
  Fx *fx = *state;
  guint sub = fx_client (fx, "sub", "dash", SES_MQTT_311, TRUE, -1);
  guint pub = add_pub_and_subscribe (fx, sub, SES_MQTT_311, 1);
  miss_m1 (fx, sub, pub, SES_ACT_DISCONNECT);
  connect_clean (fx, 1000, sub, FALSE);
  fx_publish (fx, 1100, pub, "t", 1, "m2");
  fx_run (fx, 2000);

  guint32 s = sess (fx, sub);
  const SesObs *end = nth_sess (fx, SES_OBS_SESSION_ENDED, s, -1, 0);
  CHECK (fx, end != NULL);
  CHECK_INT (fx, end->cause, SES_CAUSE_CONNECTION_END);
  CHECK_INT (fx, ms (end->time_us), 110);
  CHECK_INT (fx, count_sess (fx, SES_OBS_SESSION_KEPT, s, -1), 0);
  CHECK_INT (fx, count_sess (fx, SES_OBS_QUEUED, s, -1), 0);
  CHECK_INT (fx, fx_session_present (fx, sub, 0), 0);
  CHECK_INT (fx, fx_session_present (fx, sub, 1), 0);
  const SesObs *made = nth_sess (fx, SES_OBS_SESSION_CREATED, s, -1, 1);
  CHECK (fx, made != NULL);
  CHECK_INT (fx, made->cause, SES_CAUSE_NEW);
  CHECK_DELIVERED (fx, sub, "");
  CHECK_INT (fx, session_of (fx, sub)->subs.view.len, 0);
}

/* 5.0 [MQTT-3.1.2-4]: Clean Start 1 discards the existing session: neither
 * its queued nor its unacknowledged message is delivered on the new
 * connection, its subscription is gone, Session Present 0. */
static void
test_v5_MQTT_3_1_2_4_clean_start_discards_session (void **state)
{
  Fx *fx = *state;
  guint sub = fx_client (fx, "sub", "dash", SES_MQTT_5, FALSE, 3600);
  guint pub = add_pub_and_subscribe (fx, sub, SES_MQTT_5, 1);
  fx_act (fx, 60, sub, SES_ACT_HOLD_ACKS);
  fx_publish (fx, 100, pub, "t", 1, "m1"); /* delivered, PUBACK withheld */
  fx_act (fx, 150, sub, SES_ACT_CUT);
  fx_publish (fx, 200, pub, "t", 1, "m2"); /* queued */
  fx_act (fx, 500, sub, SES_ACT_RELEASE_ACKS);
  connect_clean (fx, 1000, sub, TRUE);
  fx_publish (fx, 1100, pub, "t", 1, "m3");
  fx_run (fx, 2000);

  guint32 s = sess (fx, sub);
  CHECK_INT (fx, fx_session_present (fx, sub, 1), 0);
  const SesObs *end = nth_sess (fx, SES_OBS_SESSION_ENDED, s, -1, 0);
  CHECK (fx, end != NULL);
  CHECK_INT (fx, end->cause, SES_CAUSE_CLEAN_START);
  CHECK_INT (fx, end->arg, 2); /* m2 queued + m1 in flight */
  CHECK_INT (fx, ms (end->time_us), 1010);
  CHECK_DELIVERED (fx, sub, "m1");
  CHECK_INT (fx, count_sent (fx, TRUE, sub, SES_PKT_PUBLISH), 1);
  const SesSession *ss = session_of (fx, sub);
  CHECK_INT (fx, ss->outflight.view.len, 0);
  CHECK_INT (fx, ss->queue.view.len, 0);
  CHECK_INT (fx, ss->subs.view.len, 0);
}

/* 5.0 [MQTT-3.1.2-4] with [MQTT-3.1.2-23]: Clean Start 1 only discards what
 * existed before; with an expiry the new session outlives its connection. */
static void
test_v5_MQTT_3_1_2_4_clean_start_1_with_expiry_is_kept (void **state)
{
  Fx *fx = *state;
  guint sub = fx_client (fx, "sub", "dash", SES_MQTT_5, TRUE, 3600);
  guint pub = add_pub_and_subscribe (fx, sub, SES_MQTT_5, 1);
  miss_m1 (fx, sub, pub, SES_ACT_CUT);
  connect_clean (fx, 1000, sub, FALSE);
  fx_run (fx, 2000);

  guint32 s = sess (fx, sub);
  CHECK_INT (fx, fx_session_present (fx, sub, 0), 0);
  CHECK_INT (fx, fx_session_present (fx, sub, 1), 1);
  const SesObs *kept = nth_sess (fx, SES_OBS_SESSION_KEPT, s, -1, 0);
  CHECK (fx, kept != NULL);
  CHECK_INT (fx, kept->arg, 3600);
  CHECK_INT (fx, kept->cause, SES_CAUSE_CUT);
  CHECK_INT (fx, count_sess (fx, SES_OBS_SESSION_ENDED, s, -1), 0);
  CHECK_DELIVERED (fx, sub, "m1");
}

/* 5.0 [MQTT-3.1.2-5]: Clean Start 0 with a session continues it. */
static void
test_v5_MQTT_3_1_2_5_clean_start_0_resumes_session (void **state)
{
  Fx *fx = *state;
  guint sub = fx_client (fx, "sub", "dash", SES_MQTT_5, FALSE, 3600);
  guint pub = add_pub_and_subscribe (fx, sub, SES_MQTT_5, 2);
  miss_m1 (fx, sub, pub, SES_ACT_DISCONNECT);
  fx_publish (fx, 210, pub, "t", 2, "m2");
  fx_connect (fx, 1000, sub);
  fx_publish (fx, 1100, pub, "t", 2, "m3");
  fx_run (fx, 2000);

  guint32 s = sess (fx, sub);
  CHECK_INT (fx, fx_session_present (fx, sub, 1), 1);
  const SesObs *res = nth_sess (fx, SES_OBS_SESSION_RESUMED, s, -1, 0);
  CHECK (fx, res != NULL);
  CHECK_INT (fx, ms (res->time_us), 1010);
  CHECK (fx, g_strcmp0 (res->rule, "5.0 [MQTT-3.1.2-5]") == 0);
  CHECK_INT (fx, count_sess (fx, SES_OBS_SESSION_CREATED, s, -1), 1);
  CHECK_INT (fx, count_sess (fx, SES_OBS_SESSION_ENDED, s, -1), 0);
  CHECK_DELIVERED (fx, sub, "m1 m2 m3");
  const SesSession *ss = session_of (fx, sub);
  CHECK_INT (fx, ss->subs.view.len, 1);
  CHECK_INT (fx, ss->expiry_at_us, SES_TIME_NONE); /* connected again */
}

/* 5.0 [MQTT-3.1.2-6]: Clean Start 0 and no session: a new one. */
static void
test_v5_MQTT_3_1_2_6_clean_start_0_creates_session (void **state)
{
  Fx *fx = *state;
  guint c = fx_client (fx, "c", "dev", SES_MQTT_5, FALSE, 60);
  fx_connect (fx, 0, c);
  fx_run (fx, 100);

  guint32 s = sess (fx, c);
  const SesObs *made = nth_sess (fx, SES_OBS_SESSION_CREATED, s, -1, 0);
  CHECK (fx, made != NULL);
  CHECK_INT (fx, made->cause, SES_CAUSE_NEW);
  CHECK (fx, g_strcmp0 (made->rule, "5.0 [MQTT-3.1.2-6]") == 0);
  CHECK_INT (fx, count_sess (fx, SES_OBS_SESSION_RESUMED, s, -1), 0);
  CHECK_INT (fx, fx_session_present (fx, c, 0), 0);
  CHECK_INT (fx, connack (fx, c, 0)->pkt.reason, 0);
  const SesSession *ss = session_of (fx, c);
  CHECK (fx, ss->exists);
  CHECK_INT (fx, ss->expiry_s, 60);
  CHECK_INT (fx, ses_mqtt_client_state (fx_mqtt (fx), c), SES_CLIENT_ONLINE);
}

/* both [MQTT-3.1.3-2]: the ClientId is the key of the session. A second
 * client program with the same ClientId finds the first one's session; a
 * different ClientId has a session of its own. */
static void
client_id_keys_session (Fx *fx, SesMqttVersion v)
{
  gint64 e = persist_expiry (v);
  guint a = fx_client (fx, "a", "id-a", v, FALSE, e);
  guint b = fx_client (fx, "b", "id-b", v, FALSE, e);
  guint a2 = fx_client (fx, "a-again", "id-a", v, FALSE, e);
  guint pub = fx_client (fx, "pub", "sensor", v, TRUE, -1);
  fx_connect (fx, 0, a);
  fx_connect (fx, 0, b);
  fx_connect (fx, 0, pub);
  fx_subscribe (fx, 50, a, "ta", 1);
  fx_subscribe (fx, 50, b, "tb", 1);
  fx_disconnect (fx, 100, a);
  fx_disconnect (fx, 100, b);
  fx_publish (fx, 200, pub, "ta", 1, "for-a");
  fx_publish (fx, 210, pub, "tb", 1, "for-b");
  fx_connect (fx, 1000, a2);
  fx_run (fx, 2000);

  CHECK_INT (fx, sess (fx, a2), sess (fx, a));
  CHECK (fx, sess (fx, a) != sess (fx, b));
  CHECK_INT (fx, fx_session_present (fx, a2, 0), 1);
  CHECK_DELIVERED (fx, a2, "for-a");
  CHECK_DELIVERED (fx, a, "");
  CHECK_DELIVERED (fx, b, "");
  const SesSession *sb = session_of (fx, b);
  CHECK_INT (fx, sb->queue.view.len, 1);
  CHECK_INT (fx, g_array_index (&sb->queue.view, SesMessage, 0).payload,
             fx_str (fx, "for-b"));
  CHECK_INT (fx, session_of (fx, a)->client, a2);
}

static void
test_v311_MQTT_3_1_3_2_client_id_keys_session (void **state)
{
  client_id_keys_session (*state, SES_MQTT_311);
}

static void
test_v5_MQTT_3_1_3_2_client_id_keys_session (void **state)
{
  client_id_keys_session (*state, SES_MQTT_5);
}

/* both [MQTT-3.1.0-2]: CONNECT only once per connection. The client side of
 * the rule: asked to connect while connected, the client sends nothing, and
 * the connection and session stay as they were. */
static void
second_connect_not_sent (Fx *fx, SesMqttVersion v)
{
  guint c = fx_client (fx, "c", "dev", v, FALSE, persist_expiry (v));
  fx_connect (fx, 0, c);
  fx_connect (fx, 500, c);
  fx_run (fx, 1000);

  CHECK_INT (fx, count_sent (fx, FALSE, c, SES_PKT_CONNECT), 1);
  CHECK_INT (fx, count_sent (fx, TRUE, c, SES_PKT_CONNACK), 1);
  g_autoptr (GPtrArray) notes = fx_find (fx, SES_OBS_NOTE, c);
  guint refused = 0;
  for (guint i = 0; i < notes->len; i++)
    {
      const SesObs *o = g_ptr_array_index (notes, i);
      if (o->rule != NULL && strstr (o->rule, "[MQTT-3.1.0-2]") != NULL)
        {
          refused++;
          CHECK_INT (fx, ms (o->time_us), 500);
        }
    }
  CHECK_INT (fx, refused, 1);
  CHECK_INT (fx, fx_count (fx, SES_OBS_PROTOCOL_ERROR, G_MAXUINT), 0);
  CHECK_INT (fx, fx_count (fx, SES_OBS_CONNECTION_LOST, G_MAXUINT), 0);
  CHECK_INT (fx, ses_mqtt_client_state (fx_mqtt (fx), c), SES_CLIENT_ONLINE);
  CHECK_INT (fx, session_of (fx, c)->client, c);
}

static void
test_v311_MQTT_3_1_0_2_second_connect_not_sent (void **state)
{
  second_connect_not_sent (*state, SES_MQTT_311);
}

static void
test_v5_MQTT_3_1_0_2_second_connect_not_sent (void **state)
{
  second_connect_not_sent (*state, SES_MQTT_5);
}

/* 3.1.1 [MQTT-3.1.3-6]: an empty ClientId (with Clean Session 1) is
 * accepted as if the client had sent a unique one: two such clients get
 * two sessions, neither takes the other over, messages route between them. */
static void
test_v311_MQTT_3_1_3_6_empty_client_id_accepted (void **state)
{
  Fx *fx = *state;
  guint e1 = fx_client (fx, "e1", "", SES_MQTT_311, TRUE, -1);
  guint e2 = fx_client (fx, "e2", "", SES_MQTT_311, TRUE, -1);
  fx_connect (fx, 0, e1);
  fx_connect (fx, 0, e2);
  fx_subscribe (fx, 50, e1, "t", 1);
  fx_publish (fx, 100, e2, "t", 1, "hello");
  fx_run (fx, 500);

  CHECK (fx, sess (fx, e1) != sess (fx, e2));
  CHECK_INT (fx, connack (fx, e1, 0)->pkt.reason, 0);
  CHECK_INT (fx, connack (fx, e2, 0)->pkt.reason, 0);
  CHECK_INT (fx, fx_session_present (fx, e1, 0), 0);
  CHECK_INT (fx, fx_session_present (fx, e2, 0), 0);
  CHECK_INT (fx, fx_count (fx, SES_OBS_TAKEOVER, G_MAXUINT), 0);
  CHECK_INT (fx, ses_mqtt_client_state (fx_mqtt (fx), e1), SES_CLIENT_ONLINE);
  CHECK_INT (fx, ses_mqtt_client_state (fx_mqtt (fx), e2), SES_CLIENT_ONLINE);
  CHECK_DELIVERED (fx, e1, "hello");
}

/* 3.1.1 [MQTT-3.1.3-8] with [MQTT-3.2.2-4]: empty ClientId and Clean
 * Session 0 is refused with CONNACK 0x02, Session Present 0, and closed; no
 * session is made. */
static void
test_v311_MQTT_3_1_3_8_empty_client_id_clean_0_rejected (void **state)
{
  Fx *fx = *state;
  guint e = fx_client (fx, "e", "", SES_MQTT_311, FALSE, -1);
  fx_connect (fx, 0, e);
  fx_subscribe (fx, 50, e, "t", 1);
  fx_run (fx, 500);

  const SesObs *ack = connack (fx, e, 0);
  CHECK (fx, ack != NULL);
  CHECK_INT (fx, ack->pkt.reason, SES_RC_V311_IDENTIFIER_REJECTED);
  CHECK_INT (fx, fx_session_present (fx, e, 0), 0);
  CHECK_INT (fx, connack (fx, e, 1) == NULL, TRUE);
  g_autoptr (GPtrArray) errs = fx_find (fx, SES_OBS_PROTOCOL_ERROR, e);
  CHECK_INT (fx, errs->len, 1);
  CHECK (fx, g_strcmp0 (((const SesObs *) g_ptr_array_index (errs, 0))->rule,
                        "3.1.1 [MQTT-3.1.3-8]") == 0);
  CHECK_INT (fx, fx_count (fx, SES_OBS_SESSION_CREATED, G_MAXUINT), 0);
  CHECK_INT (fx, fx_count (fx, SES_OBS_CONNECTED, e), 0);
  CHECK (fx, !session_of (fx, e)->exists);
  CHECK_INT (fx, ses_mqtt_client_state (fx_mqtt (fx), e), SES_CLIENT_OFFLINE);
  CHECK_INT (fx, count_sent (fx, FALSE, e, SES_PKT_SUBSCRIBE), 0);
}

/* 5.0 [MQTT-3.1.3-6] / [MQTT-3.1.3-7]: an empty ClientId is accepted, Clean
 * Start 0 included (no 5.0 rule forbids it; C18). */
static void
test_v5_MQTT_3_1_3_6_empty_client_id_accepted_with_clean_start_0 (void **state)
{
  Fx *fx = *state;
  guint e = fx_client (fx, "e", "", SES_MQTT_5, FALSE, -1);
  fx_connect (fx, 0, e);
  fx_run (fx, 500);

  const SesObs *ack = connack (fx, e, 0);
  CHECK (fx, ack != NULL);
  CHECK_INT (fx, ack->pkt.reason, 0);
  CHECK_INT (fx, fx_session_present (fx, e, 0), 0);
  CHECK_INT (fx, count_sess (fx, SES_OBS_SESSION_CREATED, sess (fx, e),
                             SES_CAUSE_NEW), 1);
  CHECK_INT (fx, fx_count (fx, SES_OBS_PROTOCOL_ERROR, G_MAXUINT), 0);
  CHECK_INT (fx, ses_mqtt_client_state (fx_mqtt (fx), e), SES_CLIENT_ONLINE);
}

/* 5.0 [MQTT-3.2.2-16]: assigned ClientIds are not in use by any other
 * session: two clients connecting with empty ClientIds at once get
 * separate sessions and neither is taken over. */
static void
test_v5_MQTT_3_2_2_16_assigned_ids_distinct (void **state)
{
  Fx *fx = *state;
  guint e1 = fx_client (fx, "e1", "", SES_MQTT_5, FALSE, 3600);
  guint e2 = fx_client (fx, "e2", "", SES_MQTT_5, FALSE, 3600);
  fx_connect (fx, 0, e1);
  fx_connect (fx, 0, e2);
  fx_run (fx, 500);

  CHECK (fx, sess (fx, e1) != sess (fx, e2));
  CHECK_INT (fx, fx_count (fx, SES_OBS_TAKEOVER, G_MAXUINT), 0);
  CHECK_INT (fx, broker_disconnects (fx, e1, -1), 0);
  CHECK_INT (fx, session_of (fx, e1)->client, e1);
  CHECK_INT (fx, session_of (fx, e2)->client, e2);
  CHECK_INT (fx, ses_mqtt_client_state (fx_mqtt (fx), e1), SES_CLIENT_ONLINE);
  CHECK_INT (fx, ses_mqtt_client_state (fx_mqtt (fx), e2), SES_CLIENT_ONLINE);
}

/* 5.0 [MQTT-3.2.2-16] with [MQTT-3.1.3-6]: each CONNECT with an empty
 * ClientId is given a fresh identifier, which must not be one a held session
 * uses. The session made by the first connection still exists (expiry 1 h),
 * so the second CONNECT cannot land in it: new session, Session Present 0,
 * and the subscription made under the first identifier does not route. */
static void
test_v5_MQTT_3_2_2_16_empty_id_reconnect_gets_new_session (void **state)
{
  Fx *fx = *state;
  guint e = fx_client (fx, "e", "", SES_MQTT_5, FALSE, 3600);
  guint pub = add_pub_and_subscribe (fx, e, SES_MQTT_5, 1);
  fx_disconnect (fx, 100, e);
  fx_connect (fx, 1000, e);
  fx_publish (fx, 1100, pub, "t", 1, "m1");
  fx_run (fx, 2000);

  CHECK_INT (fx, count_sent (fx, FALSE, e, SES_PKT_CONNECT), 2);
  CHECK_INT (fx, nth_pkt (fx, FALSE, e, SES_PKT_CONNECT, 1)->pkt.client_id,
             fx_str (fx, ""));
  CHECK_INT (fx, fx_session_present (fx, e, 1), 0);
  CHECK_INT (fx, fx_count (fx, SES_OBS_SESSION_RESUMED, G_MAXUINT), 0);
  CHECK_DELIVERED (fx, e, "");
}

/* ======================================================================== */
/* B. Session Expiry Interval (5.0)                                          */
/* ======================================================================== */

/* 5.0 §3.1.2.11.2 (C1): no Session Expiry means 0, so even with Clean
 * Start 0 the session ends with the connection: Session Present 0 on the
 * next connect and nothing published meanwhile is kept. */
static void
test_v5_3_1_2_11_2_absent_expiry_ends_at_disconnect (void **state)
{
  Fx *fx = *state;
  guint sub = fx_client (fx, "sub", "dash", SES_MQTT_5, FALSE, -1);
  guint pub = add_pub_and_subscribe (fx, sub, SES_MQTT_5, 1);
  miss_m1 (fx, sub, pub, SES_ACT_DISCONNECT);
  fx_connect (fx, 1000, sub);
  fx_run (fx, 2000);

  guint32 s = sess (fx, sub);
  CHECK_INT (fx, nth_pkt (fx, FALSE, sub, SES_PKT_CONNECT, 0)->pkt.flags
                   & SES_PKT_F_HAS_EXPIRY, 0);
  const SesObs *end = nth_sess (fx, SES_OBS_SESSION_ENDED, s, -1, 0);
  CHECK (fx, end != NULL);
  CHECK_INT (fx, end->cause, SES_CAUSE_CONNECTION_END);
  CHECK_INT (fx, ms (end->time_us), 110);
  CHECK_INT (fx, count_sess (fx, SES_OBS_SESSION_KEPT, s, -1), 0);
  CHECK_INT (fx, count_sess (fx, SES_OBS_QUEUED, s, -1), 0);
  CHECK_INT (fx, fx_session_present (fx, sub, 1), 0);
  CHECK_INT (fx, count_sess (fx, SES_OBS_SESSION_CREATED, s, SES_CAUSE_NEW), 2);
  CHECK_DELIVERED (fx, sub, "");
  CHECK_INT (fx, session_of (fx, sub)->subs.view.len, 0);
}

/* 5.0 §3.1.2.11.2: an explicit expiry of 0 ends the session at once when
 * the network fails, too. */
static void
test_v5_3_1_2_11_2_expiry_0_ends_at_cut (void **state)
{
  Fx *fx = *state;
  guint c = subscribed_dev (fx, SES_MQTT_5, 0);
  fx_act (fx, 100, c, SES_ACT_CUT);
  fx_connect (fx, 1000, c);
  fx_run (fx, 2000);

  guint32 s = sess (fx, c);
  const SesObs *end = nth_sess (fx, SES_OBS_SESSION_ENDED, s, -1, 0);
  CHECK (fx, end != NULL);
  CHECK_INT (fx, end->cause, SES_CAUSE_CONNECTION_END);
  CHECK_INT (fx, ms (end->time_us), 100);
  CHECK_INT (fx, fx_session_present (fx, c, 1), 0);
  CHECK_INT (fx, session_of (fx, c)->subs.view.len, 0);
}

/* 5.0 §3.1.2.11.2: 0xFFFFFFFF never expires; ten days later the session is
 * still there. */
static void
test_v5_3_1_2_11_2_expiry_never_does_not_expire (void **state)
{
  Fx *fx = *state;
  const gint64 ten_days_ms = (gint64) 10 * 24 * 3600 * 1000;
  guint sub = fx_client (fx, "sub", "dash", SES_MQTT_5, FALSE,
                         (gint64) SES_EXPIRY_NEVER);
  guint pub = add_pub_and_subscribe (fx, sub, SES_MQTT_5, 1);
  fx_client_config (fx, pub)->keep_alive_s = 0;
  miss_m1 (fx, sub, pub, SES_ACT_CUT);
  fx_connect (fx, ten_days_ms, sub);
  fx_run (fx, ten_days_ms - 1000);

  guint32 s = sess (fx, sub);
  const SesSession *ss = session_of (fx, sub);
  CHECK (fx, ss->exists);
  CHECK_INT (fx, ss->expiry_s, SES_EXPIRY_NEVER);
  CHECK_INT (fx, ss->expiry_at_us, SES_TIME_NONE);
  const SesObs *kept = nth_sess (fx, SES_OBS_SESSION_KEPT, s, -1, 0);
  CHECK (fx, kept != NULL);
  CHECK_INT (fx, kept->arg, SES_EXPIRY_NEVER);

  fx_run_more (fx, ten_days_ms + 1000);
  CHECK_INT (fx, count_sess (fx, SES_OBS_SESSION_ENDED, s, -1), 0);
  CHECK_INT (fx, fx_session_present (fx, sub, 1), 1);
  CHECK_DELIVERED (fx, sub, "m1");
}

/* 5.0 [MQTT-3.1.2-23]: with an expiry above 0 both sides keep the session
 * after the connection closes: Session Present 1 within the interval, the
 * broker delivers what it queued and the client resends its own
 * unacknowledged QoS 1 message. */
static void
test_v5_MQTT_3_1_2_23_session_kept_within_expiry (void **state)
{
  Fx *fx = *state;
  guint sub = fx_client (fx, "sub", "dash", SES_MQTT_5, FALSE, 60);
  guint pub = add_pub_and_subscribe (fx, sub, SES_MQTT_5, 1);
  fx_publish (fx, 95, sub, "x", 1, "own"); /* lost in the cut */
  miss_m1 (fx, sub, pub, SES_ACT_CUT);
  fx_connect (fx, 30000, sub);
  fx_run (fx, 20000);

  guint32 s = sess (fx, sub);
  const SesObs *kept = nth_sess (fx, SES_OBS_SESSION_KEPT, s, -1, 0);
  CHECK (fx, kept != NULL);
  CHECK_INT (fx, kept->arg, 60);
  CHECK (fx, g_strcmp0 (kept->rule, "5.0 [MQTT-3.1.2-23]") == 0);
  CHECK_INT (fx, session_of (fx, sub)->expiry_at_us,
             100 * SES_US_PER_MS + 60 * SES_US_PER_S);
  CHECK_INT (fx, ses_mqtt_client_outgoing (fx_mqtt (fx), sub)->len, 1);
  CHECK_INT (fx, fx_count (fx, SES_OBS_CLIENT_DISCARDED, sub), 0);

  fx_run_more (fx, 31000);
  CHECK_INT (fx, fx_session_present (fx, sub, 1), 1);
  CHECK_INT (fx, count_sess (fx, SES_OBS_SESSION_ENDED, s, -1), 0);
  CHECK_DELIVERED (fx, sub, "m1");
  const SesObs *resent = nth_pkt (fx, FALSE, sub, SES_PKT_PUBLISH, 1);
  CHECK (fx, resent != NULL);
  CHECK_INT (fx, resent->pkt.payload, fx_str (fx, "own"));
  CHECK (fx, resent->pkt.flags & SES_PKT_F_DUP);
  CHECK_INT (fx, count_payload (fx, SES_OBS_ACCEPTED, sub, "own"), 1);
  CHECK_INT (fx, ses_mqtt_client_outgoing (fx_mqtt (fx), sub)->len, 0);
}

/* 5.0 [MQTT-4.1.0-2]: the broker discards the session once the interval
 * has passed after the close; a later Clean Start 0 gets Session Present 0
 * and none of the old state, and the client (told so) drops its half
 * without resending (C14). */
static void
test_v5_MQTT_4_1_0_2_session_discarded_after_expiry (void **state)
{
  Fx *fx = *state;
  guint sub = fx_client (fx, "sub", "dash", SES_MQTT_5, FALSE, 10);
  guint pub = add_pub_and_subscribe (fx, sub, SES_MQTT_5, 1);
  fx_publish (fx, 95, sub, "x", 1, "own"); /* lost in the cut */
  miss_m1 (fx, sub, pub, SES_ACT_CUT);
  fx_connect (fx, 20000, sub);
  fx_publish (fx, 20100, pub, "t", 1, "m2");
  fx_run (fx, 21000);

  guint32 s = sess (fx, sub);
  const SesObs *end = nth_sess (fx, SES_OBS_SESSION_ENDED, s, -1, 0);
  CHECK (fx, end != NULL);
  CHECK_INT (fx, end->cause, SES_CAUSE_EXPIRED);
  CHECK_INT (fx, ms (end->time_us), 10100);
  CHECK_INT (fx, end->arg, 1); /* m1 was queued */
  CHECK (fx, g_strcmp0 (end->rule, "5.0 [MQTT-4.1.0-2]") == 0);
  CHECK_INT (fx, fx_session_present (fx, sub, 1), 0);
  CHECK_DELIVERED (fx, sub, "");
  g_autoptr (GPtrArray) drop = fx_find (fx, SES_OBS_CLIENT_DISCARDED, sub);
  CHECK_INT (fx, drop->len, 1);
  const SesObs *d = g_ptr_array_index (drop, 0);
  CHECK_INT (fx, d->cause, SES_CAUSE_SESSION_PRESENT_0);
  CHECK_INT (fx, d->arg, 1);
  CHECK_INT (fx, count_sent (fx, FALSE, sub, SES_PKT_PUBLISH), 1);
  CHECK_INT (fx, ses_mqtt_client_outgoing (fx_mqtt (fx), sub)->len, 0);
  CHECK_INT (fx, session_of (fx, sub)->subs.view.len, 0);
}

/* 5.0 §4.1: the session lasts from the latest connection's close plus the
 * interval, not from the first. Expiry 10 s; closes at 1 s and 8 s; a
 * reconnect at 16 s still finds it (it would have ended at 11 s if counted
 * from the first close). */
static void
test_v5_4_1_session_lifetime_from_latest_connection (void **state)
{
  Fx *fx = *state;
  guint sub = fx_client (fx, "sub", "dash", SES_MQTT_5, FALSE, 10);
  guint pub = add_pub_and_subscribe (fx, sub, SES_MQTT_5, 1);
  fx_act (fx, 1000, sub, SES_ACT_CUT);
  fx_connect (fx, 5000, sub);
  fx_act (fx, 8000, sub, SES_ACT_CUT);
  fx_publish (fx, 9000, pub, "t", 1, "m1");
  fx_connect (fx, 16000, sub);
  fx_run (fx, 12000);

  CHECK_INT (fx, session_of (fx, sub)->expiry_at_us, 18000 * SES_US_PER_MS);
  fx_run_more (fx, 17000);
  CHECK_INT (fx, fx_session_present (fx, sub, 1), 1);
  CHECK_INT (fx, fx_session_present (fx, sub, 2), 1);
  CHECK_INT (fx, count_sess (fx, SES_OBS_SESSION_ENDED, sess (fx, sub), -1), 0);
  CHECK_DELIVERED (fx, sub, "m1");
}

/* 5.0 §3.2.2.3.2: a broker that caps the expiry says so in CONNACK and its
 * value governs; below the cap CONNACK carries none and the CONNECT value
 * applies. */
static void
test_v5_3_2_2_3_2_server_expiry_in_connack_governs (void **state)
{
  Fx *fx = *state;
  ses_mqtt_config_broker (fx->cfg)->max_session_expiry_s = 10;
  guint big = fx_client (fx, "big", "dash", SES_MQTT_5, FALSE, 3600);
  guint small = fx_client (fx, "small", "probe", SES_MQTT_5, FALSE, 5);
  fx_connect (fx, 0, big);
  fx_connect (fx, 0, small);
  fx_subscribe (fx, 50, big, "t", 1);
  fx_act (fx, 100, big, SES_ACT_CUT);
  fx_act (fx, 100, small, SES_ACT_CUT);
  fx_connect (fx, 20000, big);
  fx_run (fx, 21000);

  const SesObs *ack = connack (fx, big, 0);
  CHECK (fx, ack->pkt.flags & SES_PKT_F_HAS_EXPIRY);
  CHECK_INT (fx, ack->pkt.expiry_s, 10);
  const SesObs *ack2 = connack (fx, small, 0);
  CHECK_INT (fx, ack2->pkt.flags & SES_PKT_F_HAS_EXPIRY, 0);
  const SesObs *kept = nth_sess (fx, SES_OBS_SESSION_KEPT, sess (fx, big), -1, 0);
  CHECK_INT (fx, kept->arg, 10);
  const SesObs *end = nth_sess (fx, SES_OBS_SESSION_ENDED, sess (fx, big), -1, 0);
  CHECK (fx, end != NULL);
  CHECK_INT (fx, end->cause, SES_CAUSE_EXPIRED);
  CHECK_INT (fx, ms (end->time_us), 10100);
  const SesObs *end2 = nth_sess (fx, SES_OBS_SESSION_ENDED, sess (fx, small),
                                 -1, 0);
  CHECK (fx, end2 != NULL);
  CHECK_INT (fx, end2->cause, SES_CAUSE_EXPIRED);
  CHECK_INT (fx, ms (end2->time_us), 5100);
  CHECK_INT (fx, fx_session_present (fx, big, 1), 0);
}

/* 5.0 §3.2.2.3.2: the client uses the CONNACK value too. Asked 1 h, told 0:
 * both halves of the session end with the connection, so nothing is resent
 * after reconnecting. */
static void
test_v5_3_2_2_3_2_server_expiry_0_ends_both_halves (void **state)
{
  Fx *fx = *state;
  ses_mqtt_config_broker (fx->cfg)->max_session_expiry_s = 0;
  guint c = fx_client (fx, "c", "dev", SES_MQTT_5, FALSE, 3600);
  fx_connect (fx, 0, c);
  fx_publish (fx, 95, c, "x", 1, "own"); /* lost in the cut */
  fx_act (fx, 100, c, SES_ACT_CUT);
  fx_connect (fx, 1000, c);
  fx_run (fx, 2000);

  const SesObs *ack = connack (fx, c, 0);
  CHECK (fx, ack->pkt.flags & SES_PKT_F_HAS_EXPIRY);
  CHECK_INT (fx, ack->pkt.expiry_s, 0);
  const SesObs *end = nth_sess (fx, SES_OBS_SESSION_ENDED, sess (fx, c), -1, 0);
  CHECK (fx, end != NULL);
  CHECK_INT (fx, end->cause, SES_CAUSE_CONNECTION_END);
  CHECK_INT (fx, ms (end->time_us), 100);
  g_autoptr (GPtrArray) drop = fx_find (fx, SES_OBS_CLIENT_DISCARDED, c);
  CHECK_INT (fx, drop->len, 1);
  const SesObs *d = g_ptr_array_index (drop, 0);
  CHECK_INT (fx, d->cause, SES_CAUSE_CONNECTION_END);
  CHECK_INT (fx, ms (d->time_us), 100);
  CHECK_INT (fx, d->arg, 1);
  CHECK_INT (fx, fx_session_present (fx, c, 1), 0);
  CHECK_INT (fx, count_sent (fx, FALSE, c, SES_PKT_PUBLISH), 1);
}

/* 5.0 §3.14.2.2.2: a DISCONNECT without Session Expiry keeps the CONNECT
 * value. */
static void
test_v5_3_14_2_2_2_disconnect_without_expiry_keeps_connect_value (void **state)
{
  Fx *fx = *state;
  guint sub = fx_client (fx, "sub", "dash", SES_MQTT_5, FALSE, 100);
  guint pub = add_pub_and_subscribe (fx, sub, SES_MQTT_5, 1);
  miss_m1 (fx, sub, pub, SES_ACT_DISCONNECT);
  fx_connect (fx, 50000, sub);
  fx_run (fx, 1000);

  guint32 s = sess (fx, sub);
  CHECK_INT (fx, count_sess (fx, SES_OBS_EXPIRY_CHANGED, s, -1), 0);
  CHECK_INT (fx, nth_sess (fx, SES_OBS_SESSION_KEPT, s, -1, 0)->arg, 100);
  CHECK_INT (fx, session_of (fx, sub)->expiry_at_us,
             110 * SES_US_PER_MS + 100 * SES_US_PER_S);
  fx_run_more (fx, 51000);
  CHECK_INT (fx, fx_session_present (fx, sub, 1), 1);
  CHECK_DELIVERED (fx, sub, "m1");
}

/* 5.0 §3.14.2.2.2: a DISCONNECT with Session Expiry replaces the CONNECT
 * value, longer or shorter. */
static void
test_v5_3_14_2_2_2_disconnect_expiry_replaces_connect_value (void **state)
{
  Fx *fx = *state;
  guint lng = fx_client (fx, "longer", "dev-a", SES_MQTT_5, FALSE, 10);
  guint sht = fx_client (fx, "shorter", "dev-b", SES_MQTT_5, FALSE, 3600);
  fx_connect (fx, 0, lng);
  fx_connect (fx, 0, sht);
  disconnect_expiry (fx, 100, lng, 100);
  disconnect_expiry (fx, 100, sht, 5);
  fx_connect (fx, 50000, lng);
  fx_connect (fx, 50000, sht);
  fx_run (fx, 51000);

  guint32 a = sess (fx, lng), b = sess (fx, sht);
  const SesObs *ch = nth_sess (fx, SES_OBS_EXPIRY_CHANGED, a, -1, 0);
  CHECK (fx, ch != NULL);
  CHECK_INT (fx, ch->arg, 100);
  CHECK_INT (fx, nth_sess (fx, SES_OBS_SESSION_KEPT, a, -1, 0)->arg, 100);
  CHECK_INT (fx, count_sess (fx, SES_OBS_SESSION_ENDED, a, -1), 0);
  CHECK_INT (fx, fx_session_present (fx, lng, 1), 1);

  const SesObs *ch2 = nth_sess (fx, SES_OBS_EXPIRY_CHANGED, b, -1, 0);
  CHECK (fx, ch2 != NULL);
  CHECK_INT (fx, ch2->arg, 5);
  const SesObs *end = nth_sess (fx, SES_OBS_SESSION_ENDED, b, -1, 0);
  CHECK (fx, end != NULL);
  CHECK_INT (fx, end->cause, SES_CAUSE_EXPIRED);
  CHECK_INT (fx, ms (end->time_us), 5110);
  CHECK_INT (fx, fx_session_present (fx, sht, 1), 0);
}

/* 5.0 §3.14.2.2.2: DISCONNECT with expiry 0 ends the session at the close
 * although CONNECT asked for an hour; it is a valid DISCONNECT. */
static void
test_v5_3_14_2_2_2_disconnect_expiry_0_ends_session (void **state)
{
  Fx *fx = *state;
  guint c = subscribed_dev (fx, SES_MQTT_5, 3600);
  disconnect_expiry (fx, 100, c, 0);
  fx_connect (fx, 1000, c);
  fx_run (fx, 2000);

  guint32 s = sess (fx, c);
  const SesObs *end = nth_sess (fx, SES_OBS_SESSION_ENDED, s, -1, 0);
  CHECK (fx, end != NULL);
  CHECK_INT (fx, end->cause, SES_CAUSE_CONNECTION_END);
  CHECK_INT (fx, ms (end->time_us), 110);
  CHECK_INT (fx, count_sess (fx, SES_OBS_SESSION_KEPT, s, -1), 0);
  CHECK_INT (fx, fx_count (fx, SES_OBS_PROTOCOL_ERROR, G_MAXUINT), 0);
  CHECK_INT (fx, broker_disconnects (fx, c, -1), 0);
  CHECK_INT (fx, fx_session_present (fx, c, 1), 0);
}

/* 5.0 §3.14.2.2.2 (C13): CONNECT without expiry (absent, i.e. 0) or with an
 * explicit 0, then DISCONNECT 0x00 with a non-zero expiry: a protocol error.
 * The broker answers DISCONNECT 0x82 (no expiry in it), does not apply the
 * new expiry, ends the session, and, the DISCONNECT being invalid, still
 * publishes the will. */
static void
test_v5_3_14_2_2_2_disconnect_expiry_0_to_nonzero_is_error (void **state)
{
  Fx *fx = *state;
  guint mon = fx_client (fx, "mon", "monitor", SES_MQTT_5, TRUE, -1);
  guint dev = fx_client (fx, "dev", "dev-absent", SES_MQTT_5, FALSE, -1);
  guint dev0 = fx_client (fx, "dev0", "dev-zero", SES_MQTT_5, FALSE, 0);
  fx_will (fx, dev, "w", "gone", 1, 0);
  fx_will (fx, dev0, "w", "gone0", 1, 0);
  fx_connect (fx, 0, mon);
  fx_connect (fx, 0, dev);
  fx_connect (fx, 0, dev0);
  fx_subscribe (fx, 50, mon, "w", 1);
  disconnect_expiry (fx, 200, dev, 60)->reason = SES_RC_SUCCESS;
  disconnect_expiry (fx, 300, dev0, 60)->reason = SES_RC_SUCCESS;
  fx_connect (fx, 1000, dev);
  fx_connect (fx, 1000, dev0);
  fx_run (fx, 2000);

  const guint who[2] = { dev, dev0 };
  const gint64 at[2] = { 210, 310 };
  for (guint i = 0; i < 2; i++)
    {
      guint c = who[i];
      guint32 s = sess (fx, c);
      const SesObs *err = nth_sess (fx, SES_OBS_PROTOCOL_ERROR, s, -1, 0);
      CHECK (fx, err != NULL);
      CHECK_INT (fx, err->cause, SES_CAUSE_PROTOCOL_ERROR);
      CHECK_INT (fx, ms (err->time_us), at[i]);
      CHECK_INT (fx, broker_disconnects (fx, c, SES_RC_PROTOCOL_ERROR), 1);
      CHECK_INT (fx, broker_disconnects (fx, c, -1), 1);
      CHECK_INT (fx, nth_pkt (fx, TRUE, c, SES_PKT_DISCONNECT, 0)->pkt.flags
                       & SES_PKT_F_HAS_EXPIRY, 0);
      CHECK_INT (fx, count_sess (fx, SES_OBS_EXPIRY_CHANGED, s, -1), 0);
      CHECK_INT (fx, count_sess (fx, SES_OBS_SESSION_KEPT, s, -1), 0);
      const SesObs *end = nth_sess (fx, SES_OBS_SESSION_ENDED, s, -1, 0);
      CHECK (fx, end != NULL);
      CHECK_INT (fx, ms (end->time_us), at[i]);
      CHECK_INT (fx, count_sess (fx, SES_OBS_WILL_PUBLISHED, s, -1), 1);
      CHECK_INT (fx, count_sess (fx, SES_OBS_WILL_DISCARDED, s, -1), 0);
      CHECK_INT (fx, fx_session_present (fx, c, 1), 0);
    }
  CHECK_DELIVERED (fx, mon, "gone gone0");
}

/* 5.0 §3.14.2.2.2 (C13): the check is on the expiry the client sent, not
 * the one the broker granted. Sent 1 h, granted 0 (broker cap): a DISCONNECT
 * with expiry 60 is valid, so no 0x82, and the will is discarded. */
static void
test_v5_3_14_2_2_2_disconnect_check_uses_sent_expiry (void **state)
{
  Fx *fx = *state;
  ses_mqtt_config_broker (fx->cfg)->max_session_expiry_s = 0;
  Watched w = watched_dev (fx);
  guint mon = w.mon, c = w.c;
  disconnect_expiry (fx, 200, c, 60);
  fx_run (fx, 1000);

  guint32 s = sess (fx, c);
  CHECK_INT (fx, connack (fx, c, 0)->pkt.expiry_s, 0);
  CHECK_INT (fx, fx_count (fx, SES_OBS_PROTOCOL_ERROR, G_MAXUINT), 0);
  CHECK_INT (fx, broker_disconnects (fx, c, -1), 0);
  const SesObs *ch = nth_sess (fx, SES_OBS_EXPIRY_CHANGED, s, -1, 0);
  CHECK (fx, ch != NULL);
  CHECK_INT (fx, ch->arg, 0); /* still capped */
  CHECK_INT (fx, count_sess (fx, SES_OBS_WILL_DISCARDED, s, -1), 1);
  CHECK_INT (fx, count_sess (fx, SES_OBS_WILL_PUBLISHED, s, -1), 0);
  CHECK_DELIVERED (fx, mon, "");
}

/* 5.0 [MQTT-3.14.2-2]: no server DISCONNECT carries a Session Expiry:
 * checked on takeover (0x8E), keep-alive timeout (0x8D) and protocol error
 * (0x82). */
static void
test_v5_MQTT_3_14_2_2_server_disconnect_has_no_expiry (void **state)
{
  Fx *fx = *state;
  guint old = fx_client (fx, "old", "dev", SES_MQTT_5, FALSE, 3600);
  guint neu = fx_client (fx, "new", "dev", SES_MQTT_5, FALSE, 3600);
  guint ka = fx_client (fx, "ka", "sleepy", SES_MQTT_5, FALSE, 3600);
  guint bad = fx_client (fx, "bad", "oops", SES_MQTT_5, FALSE, 0);
  fx_client_config (fx, ka)->keep_alive_s = 10;
  fx_connect (fx, 0, old);
  fx_connect (fx, 0, ka);
  fx_connect (fx, 0, bad);
  fx_connect (fx, 1000, neu);
  fx_act (fx, 1000, ka, SES_ACT_HALF_OPEN_BROKER);
  disconnect_expiry (fx, 1000, bad, 60);
  fx_run (fx, 30000);

  CHECK_INT (fx, broker_disconnects (fx, old, SES_RC_SESSION_TAKEN_OVER), 1);
  CHECK_INT (fx, broker_disconnects (fx, ka, SES_RC_KEEP_ALIVE_TIMEOUT), 1);
  CHECK_INT (fx, broker_disconnects (fx, bad, SES_RC_PROTOCOL_ERROR), 1);
  const guint who[3] = { old, ka, bad };
  for (guint i = 0; i < 3; i++)
    {
      const SesObs *d = nth_pkt (fx, TRUE, who[i], SES_PKT_DISCONNECT, 0);
      CHECK (fx, d != NULL);
      CHECK_INT (fx, d->pkt.flags & SES_PKT_F_HAS_EXPIRY, 0);
      CHECK_INT (fx, d->pkt.expiry_s, 0);
    }
  CHECK_INT (fx, broker_disconnects (fx, neu, -1), 0);
}

/* ======================================================================== */
/* C. Session Present                                                        */
/* ======================================================================== */

/* 3.1.1 [MQTT-3.2.2-1]: Clean Session 1 is answered with Session Present
 * 0 and return code 0, even when a session existed. */
static void
test_v311_MQTT_3_2_2_1_clean_session_1_session_present_0 (void **state)
{
  Fx *fx = *state;
  guint c = rejoin_clean (fx, SES_MQTT_311);

  CHECK_INT (fx, count_sess (fx, SES_OBS_SESSION_KEPT, sess (fx, c), -1), 1);
  const SesObs *ack = connack (fx, c, 1);
  CHECK (fx, ack != NULL);
  CHECK_INT (fx, ack->pkt.reason, 0);
  CHECK_INT (fx, ack->pkt.flags & SES_PKT_F_SESSION_PRESENT, 0);
  CHECK_INT (fx, nth_pkt (fx, FALSE, c, SES_PKT_CONNECT, 1)->pkt.flags
                   & SES_PKT_F_CLEAN, SES_PKT_F_CLEAN);
}

/* 3.1.1 [MQTT-3.2.2-2]: Clean Session 0 with stored state gets Session
 * Present 1, also after a restart of a broker that persists sessions (C4),
 * and the restored session still routes. */
static void
test_v311_MQTT_3_2_2_2_session_present_1_with_state (void **state)
{
  Fx *fx = *state;
  ses_mqtt_config_broker (fx->cfg)->persistence = TRUE;
  guint pub;
  guint c = subscribed_dev_pub_later (fx, SES_MQTT_311, &pub);
  fx_disconnect (fx, 100, c);
  fx_connect (fx, 500, c);
  fx_act (fx, 1000, c, SES_ACT_RESTART);
  fx_connect (fx, 2000, pub);
  fx_publish (fx, 2100, pub, "t", 1, "m1");
  fx_connect (fx, 3000, c);
  fx_run (fx, 4000);

  guint32 s = sess (fx, c);
  CHECK_INT (fx, fx_session_present (fx, c, 0), 0);
  CHECK_INT (fx, fx_session_present (fx, c, 1), 1);
  CHECK_INT (fx, fx_session_present (fx, c, 2), 1);
  CHECK_INT (fx, count_sess (fx, SES_OBS_SESSION_KEPT, s, SES_CAUSE_RESTART), 1);
  CHECK_INT (fx, count_sess (fx, SES_OBS_SESSION_ENDED, s, -1), 0);
  CHECK_DELIVERED (fx, c, "m1");
}

/* 3.1.1 [MQTT-3.2.2-3]: Clean Session 0 without stored state gets Session
 * Present 0: on first contact, and after a restart of a broker without
 * persistence, which lost the session (C4). */
static void
test_v311_MQTT_3_2_2_3_session_present_0_without_state (void **state)
{
  Fx *fx = *state;
  guint pub;
  guint c = subscribed_dev_pub_later (fx, SES_MQTT_311, &pub);
  fx_act (fx, 1000, c, SES_ACT_RESTART);
  fx_connect (fx, 3000, c);
  fx_connect (fx, 3000, pub);
  fx_publish (fx, 3100, pub, "t", 1, "m1");
  fx_run (fx, 4000);

  guint32 s = sess (fx, c);
  CHECK_INT (fx, fx_session_present (fx, c, 0), 0);
  const SesObs *end = nth_sess (fx, SES_OBS_SESSION_ENDED, s, -1, 0);
  CHECK (fx, end != NULL);
  CHECK_INT (fx, end->cause, SES_CAUSE_RESTART);
  CHECK_INT (fx, ms (end->time_us), 1000);
  CHECK_INT (fx, fx_session_present (fx, c, 1), 0);
  CHECK_INT (fx, connack (fx, c, 1)->pkt.reason, 0);
  CHECK_DELIVERED (fx, c, "");
  CHECK_INT (fx, session_of (fx, c)->subs.view.len, 0);
}

/* 3.1.1 §3.2.2.2 (advisory; C14): this client drops its half on Session
 * Present 0 and does not resend a PUBLISH whose PUBACK it never saw. */
static void
test_v311_3_2_2_2_client_discards_state_on_session_present_0 (void **state)
{
  Fx *fx = *state;
  guint c = fx_client (fx, "c", "dev", SES_MQTT_311, FALSE, -1);
  fx_connect (fx, 0, c);
  fx_publish (fx, 100, c, "x", 1, "own"); /* accepted at 110 */
  fx_act (fx, 115, c, SES_ACT_CUT);        /* PUBACK lost */
  fx_act (fx, 500, c, SES_ACT_RESTART);    /* session lost */
  fx_connect (fx, 1000, c);
  fx_run (fx, 2000);

  CHECK_INT (fx, fx_session_present (fx, c, 1), 0);
  g_autoptr (GPtrArray) drop = fx_find (fx, SES_OBS_CLIENT_DISCARDED, c);
  CHECK_INT (fx, drop->len, 1);
  const SesObs *d = g_ptr_array_index (drop, 0);
  CHECK_INT (fx, d->cause, SES_CAUSE_SESSION_PRESENT_0);
  CHECK_INT (fx, d->arg, 1);
  CHECK_INT (fx, count_sent (fx, FALSE, c, SES_PKT_PUBLISH), 1);
  CHECK_INT (fx, ses_mqtt_client_outgoing (fx_mqtt (fx), c)->len, 0);
  CHECK_INT (fx, ses_mqtt_client_state (fx_mqtt (fx), c), SES_CLIENT_ONLINE);
}

/* 3.1.1 §3.2.2.2 (advisory): 3.1.1 sets no MUST for a client without state
 * that gets Session Present 1; this one carries on and takes the queued
 * message. */
static void
test_v311_3_2_2_2_client_without_state_continues_on_session_present_1 (void **state)
{
  Fx *fx = *state;
  guint c = fx_client (fx, "c", "dev", SES_MQTT_311, FALSE, -1);
  guint pub = add_pub_and_subscribe (fx, c, SES_MQTT_311, 1);
  miss_m1 (fx, c, pub, SES_ACT_CRASH);
  fx_connect (fx, 1000, c);
  fx_run (fx, 2000);

  CHECK_INT (fx, fx_session_present (fx, c, 1), 1);
  CHECK_INT (fx, fx_count (fx, SES_OBS_PROTOCOL_ERROR, G_MAXUINT), 0);
  CHECK_INT (fx, count_sent (fx, FALSE, c, SES_PKT_DISCONNECT), 0);
  CHECK_INT (fx, ses_mqtt_client_state (fx_mqtt (fx), c), SES_CLIENT_ONLINE);
  CHECK_DELIVERED (fx, c, "m1");
}

/* 5.0 [MQTT-3.2.2-2]: Clean Start 1 is answered with Session Present 0. */
static void
test_v5_MQTT_3_2_2_2_clean_start_1_session_present_0 (void **state)
{
  Fx *fx = *state;
  guint c = rejoin_clean (fx, SES_MQTT_5);

  CHECK_INT (fx, count_sess (fx, SES_OBS_SESSION_KEPT, sess (fx, c), -1), 1);
  const SesObs *ack = connack (fx, c, 1);
  CHECK (fx, ack != NULL);
  CHECK_INT (fx, ack->pkt.reason, 0);
  CHECK_INT (fx, ack->pkt.flags & SES_PKT_F_SESSION_PRESENT, 0);
}

/* 5.0 [MQTT-3.2.2-3]: Clean Start 0 gets Session Present 1 exactly when the
 * broker has the session: restart of a persisting broker keeps it (C4), and
 * the client's unacknowledged PUBLISH is resent with DUP. */
static void
test_v5_MQTT_3_2_2_3_restart_with_persistence_session_present_1 (void **state)
{
  Fx *fx = *state;
  guint c = restart_with_own_unacked (fx, TRUE);

  guint32 s = sess (fx, c);
  CHECK_INT (fx, count_sess (fx, SES_OBS_SESSION_KEPT, s, SES_CAUSE_RESTART), 1);
  CHECK_INT (fx, count_sess (fx, SES_OBS_SESSION_ENDED, s, -1), 0);
  CHECK_INT (fx, fx_session_present (fx, c, 1), 1);
  CHECK_DELIVERED (fx, c, "m1");
  CHECK_INT (fx, fx_count (fx, SES_OBS_CLIENT_DISCARDED, c), 0);
  const SesObs *again = nth_pkt (fx, FALSE, c, SES_PKT_PUBLISH, 1);
  CHECK (fx, again != NULL);
  CHECK_INT (fx, again->pkt.payload, fx_str (fx, "own"));
  CHECK (fx, again->pkt.flags & SES_PKT_F_DUP);
  CHECK_INT (fx, ses_mqtt_client_outgoing (fx_mqtt (fx), c)->len, 0);
}

/* 5.0 [MQTT-3.2.2-3] with [MQTT-3.2.2-5] (C4): after a restart of a broker
 * without persistence the session is gone: Session Present 0, and the
 * client drops its unacknowledged PUBLISH instead of resending it. */
static void
test_v5_MQTT_3_2_2_3_restart_without_persistence_session_present_0 (void **state)
{
  Fx *fx = *state;
  guint c = restart_with_own_unacked (fx, FALSE);

  guint32 s = sess (fx, c);
  const SesObs *end = nth_sess (fx, SES_OBS_SESSION_ENDED, s, -1, 0);
  CHECK (fx, end != NULL);
  CHECK_INT (fx, end->cause, SES_CAUSE_RESTART);
  CHECK_INT (fx, ms (end->time_us), 115);
  CHECK_INT (fx, fx_session_present (fx, c, 1), 0);
  CHECK_DELIVERED (fx, c, "");
  g_autoptr (GPtrArray) drop = fx_find (fx, SES_OBS_CLIENT_DISCARDED, c);
  CHECK_INT (fx, drop->len, 1);
  CHECK_INT (fx, ((const SesObs *) g_ptr_array_index (drop, 0))->cause,
             SES_CAUSE_SESSION_PRESENT_0);
  CHECK_INT (fx, count_sent (fx, FALSE, c, SES_PKT_PUBLISH), 1);
}

/* 5.0 [MQTT-3.2.2-4] (C4): a client that crashed without a persistent store
 * has no session state; told Session Present 1 it must close. It sends
 * DISCONNECT and takes nothing, and its next CONNECT starts clean. */
static void
test_v5_MQTT_3_2_2_4_client_without_state_closes_on_session_present_1 (void **state)
{
  Fx *fx = *state;
  guint c = fx_client (fx, "c", "dev", SES_MQTT_5, FALSE, 3600);
  guint pub = add_pub_and_subscribe (fx, c, SES_MQTT_5, 1);
  miss_m1 (fx, c, pub, SES_ACT_CRASH);
  fx_connect (fx, 1000, c);
  fx_connect (fx, 2000, c);
  fx_run (fx, 1500);

  CHECK_INT (fx, fx_session_present (fx, c, 1), 1);
  g_autoptr (GPtrArray) errs = fx_find (fx, SES_OBS_PROTOCOL_ERROR, c);
  CHECK_INT (fx, errs->len, 1);
  const SesObs *e = g_ptr_array_index (errs, 0);
  CHECK_INT (fx, e->cause, SES_CAUSE_SESSION_PRESENT_UNEXPECTED);
  CHECK (fx, g_strcmp0 (e->rule, "5.0 [MQTT-3.2.2-4]") == 0);
  CHECK_INT (fx, ms (e->time_us), 1020);
  CHECK_INT (fx, fx_count (fx, SES_OBS_CONNECTED, c), 1); /* the first one */
  CHECK_INT (fx, count_lost_by (fx, c, FALSE,
                                SES_CAUSE_SESSION_PRESENT_UNEXPECTED), 1);
  CHECK_INT (fx, ses_mqtt_client_state (fx_mqtt (fx), c), SES_CLIENT_OFFLINE);
  CHECK_DELIVERED (fx, c, "");

  fx_run_more (fx, 3000);
  const SesObs *third = nth_pkt (fx, FALSE, c, SES_PKT_CONNECT, 2);
  CHECK (fx, third != NULL);
  CHECK_INT (fx, third->pkt.flags & SES_PKT_F_CLEAN, SES_PKT_F_CLEAN);
  CHECK_INT (fx, fx_session_present (fx, c, 2), 0);
  CHECK_INT (fx, count_sess (fx, SES_OBS_SESSION_ENDED, sess (fx, c),
                             SES_CAUSE_CLEAN_START), 1);
  CHECK_INT (fx, ses_mqtt_client_state (fx_mqtt (fx), c), SES_CLIENT_ONLINE);
}

/* 5.0 [MQTT-3.2.2-4] with [MQTT-3.1.2-8] / [MQTT-3.14.4-3]: the client
 * closes with DISCONNECT 0x82, not 0x00, so that DISCONNECT does not delete
 * its will: only reason 0x00 does. The will (delay 0) is published when
 * the connection closes, and the session (expiry 1 h) is kept. */
static void
test_v5_MQTT_3_2_2_4_close_with_0x82_keeps_will (void **state)
{
  Fx *fx = *state;
  Watched w = watched_dev (fx);
  guint mon = w.mon, c = w.c;
  fx_act (fx, 100, c, SES_ACT_CRASH); /* will published: unclean close */
  fx_connect (fx, 1000, c);           /* Session Present 1: closes */
  fx_run (fx, 2000);

  const SesObs *bye = nth_pkt (fx, FALSE, c, SES_PKT_DISCONNECT, 0);
  CHECK (fx, bye != NULL);
  CHECK_INT (fx, bye->pkt.reason, SES_RC_PROTOCOL_ERROR);
  CHECK_INT (fx, ms (bye->time_us), 1020);
  guint32 s = sess (fx, c);
  CHECK_INT (fx, count_sess (fx, SES_OBS_WILL_DISCARDED, s, -1), 0);
  CHECK_INT (fx, count_sess (fx, SES_OBS_WILL_PUBLISHED, s, -1), 2);
  CHECK_DELIVERED (fx, mon, "gone gone");
  CHECK_INT (fx, count_sess (fx, SES_OBS_SESSION_KEPT, s, -1), 2);
}

/* 5.0 [MQTT-3.2.2-4], converse: a client whose store survived the crash has
 * state, so Session Present 1 is what it expects: it stays, takes the queued
 * message and resends its own unacknowledged one. */
static void
test_v5_MQTT_3_2_2_4_client_with_store_continues_on_session_present_1 (void **state)
{
  Fx *fx = *state;
  guint c = fx_client (fx, "c", "dev", SES_MQTT_5, FALSE, 3600);
  guint pub = add_pub_and_subscribe (fx, c, SES_MQTT_5, 1);
  fx_client_config (fx, c)->persistent_store = TRUE;
  fx_publish (fx, 95, c, "x", 1, "own"); /* lost in the crash */
  miss_m1 (fx, c, pub, SES_ACT_CRASH);
  fx_connect (fx, 1000, c);
  fx_run (fx, 2000);

  CHECK_INT (fx, fx_session_present (fx, c, 1), 1);
  CHECK_INT (fx, fx_count (fx, SES_OBS_PROTOCOL_ERROR, G_MAXUINT), 0);
  CHECK_INT (fx, ses_mqtt_client_state (fx_mqtt (fx), c), SES_CLIENT_ONLINE);
  CHECK_DELIVERED (fx, c, "m1");
  const SesObs *again = nth_pkt (fx, FALSE, c, SES_PKT_PUBLISH, 1);
  CHECK (fx, again != NULL);
  CHECK (fx, again->pkt.flags & SES_PKT_F_DUP);
  CHECK_INT (fx, count_payload (fx, SES_OBS_ACCEPTED, c, "own"), 1);
}

/* 5.0 [MQTT-3.2.2-5] (C14): a client with state told Session Present 0
 * throws it away: a QoS 2 message past PUBREC is not resumed with PUBREL. */
static void
test_v5_MQTT_3_2_2_5_client_discards_state_on_session_present_0 (void **state)
{
  Fx *fx = *state;
  guint c = fx_client (fx, "c", "dev", SES_MQTT_5, FALSE, 5);
  fx_connect (fx, 0, c);
  fx_publish (fx, 100, c, "x", 2, "own"); /* PUBREC at 120, PUBREL sent */
  fx_act (fx, 125, c, SES_ACT_CUT);        /* PUBREL lost */
  fx_connect (fx, 10000, c);
  fx_run (fx, 9000);

  const GArray *out = ses_mqtt_client_outgoing (fx_mqtt (fx), c);
  CHECK_INT (fx, out->len, 1);
  CHECK_INT (fx, g_array_index (out, SesFlight, 0).state,
             SES_FLIGHT_AWAIT_PUBCOMP);
  CHECK_INT (fx, count_sess (fx, SES_OBS_SESSION_ENDED, sess (fx, c),
                             SES_CAUSE_EXPIRED), 1);

  fx_run_more (fx, 11000);
  CHECK_INT (fx, fx_session_present (fx, c, 1), 0);
  g_autoptr (GPtrArray) drop = fx_find (fx, SES_OBS_CLIENT_DISCARDED, c);
  CHECK_INT (fx, drop->len, 1);
  const SesObs *d = g_ptr_array_index (drop, 0);
  CHECK_INT (fx, d->cause, SES_CAUSE_SESSION_PRESENT_0);
  CHECK (fx, g_strcmp0 (d->rule, "5.0 [MQTT-3.2.2-5]") == 0);
  CHECK_INT (fx, d->arg, 1);
  CHECK_INT (fx, count_sent (fx, FALSE, c, SES_PKT_PUBREL), 1);
  CHECK_INT (fx, count_sent (fx, FALSE, c, SES_PKT_PUBLISH), 1);
  CHECK_INT (fx, ses_mqtt_client_outgoing (fx_mqtt (fx), c)->len, 0);
}

/* ======================================================================== */
/* D. Server-side session state                                              */
/* ======================================================================== */

/* 3.1.1 §3.1.2.4 / 5.0 §4.1: what the broker holds for a disconnected
 * session: the subscription, a QoS 1 message sent but not acknowledged, a
 * QoS 1 message waiting, a QoS 2 message received but not released; QoS 0
 * not queued (this broker's setting); in 5.0 also the will with its delay
 * and when the session ends. Then all of it resumes: the unacknowledged
 * message is resent, the waiting one sent, the QoS 2 one not accepted
 * twice. */
static void
server_session_state_contents (Fx *fx, SesMqttVersion v)
{
  guint sub = fx_client (fx, "sub", "dash", v, FALSE, persist_expiry (v));
  guint pub = fx_client (fx, "pub", "sensor", v, TRUE, -1);
  guint32 will = 0;
  if (v == SES_MQTT_5)
    will = fx_will (fx, sub, "w", "bye", 1, 100);
  fx_connect (fx, 0, sub);
  fx_connect (fx, 0, pub);
  fx_subscribe (fx, 50, sub, "t", 2);
  fx_act (fx, 60, sub, SES_ACT_HOLD_ACKS);
  fx_publish (fx, 100, pub, "t", 1, "a");  /* to sub at 110, PUBACK held */
  fx_publish (fx, 200, sub, "x", 2, "in"); /* accepted at 210 */
  fx_act (fx, 215, sub, SES_ACT_CUT);      /* PUBREC lost */
  fx_publish (fx, 300, pub, "t", 1, "b");  /* queued */
  fx_publish (fx, 310, pub, "t", 0, "z");  /* QoS 0: dropped */
  fx_act (fx, 500, sub, SES_ACT_RELEASE_ACKS);
  fx_connect (fx, 2000, sub);
  fx_run (fx, 1000);

  const SesSession *s = session_of (fx, sub);
  CHECK (fx, s->exists);
  CHECK_INT (fx, s->client, SES_NONE);
  CHECK_INT (fx, s->subs.view.len, 1);
  CHECK_INT (fx, g_array_index (&s->subs.view, SesSubscription, 0).filter,
             fx_str (fx, "t"));
  CHECK_INT (fx, g_array_index (&s->subs.view, SesSubscription, 0).qos, 2);
  CHECK_INT (fx, s->outflight.view.len, 1);
  const SesFlight *f = &g_array_index (&s->outflight.view, SesFlight, 0);
  CHECK_INT (fx, f->msg.payload, fx_str (fx, "a"));
  CHECK_INT (fx, f->state, SES_FLIGHT_AWAIT_PUBACK);
  CHECK_INT (fx, f->transmitted, 1);
  CHECK_INT (fx, s->queue.view.len, 1);
  CHECK_INT (fx, g_array_index (&s->queue.view, SesMessage, 0).payload,
             fx_str (fx, "b"));
  CHECK_INT (fx, s->incoming.view.len, 1);
  const GArray *mine = ses_mqtt_client_outgoing (fx_mqtt (fx), sub);
  CHECK_INT (fx, mine->len, 1);
  CHECK_INT (fx, g_array_index (&s->incoming.view, SesIncoming, 0).packet_id,
             g_array_index (mine, SesFlight, 0).packet_id);
  CHECK_INT (fx, count_payload (fx, SES_OBS_POLICY_DROP, G_MAXUINT, "z"), 1);
  if (v == SES_MQTT_5)
    {
      CHECK_INT (fx, s->will, will);
      CHECK_INT (fx, s->will_at_us, 215 * SES_US_PER_MS + 100 * SES_US_PER_S);
      CHECK_INT (fx, s->expiry_at_us,
                 215 * SES_US_PER_MS + 3600 * SES_US_PER_S);
    }
  else
    {
      CHECK_INT (fx, s->will, 0);
      CHECK_INT (fx, s->expiry_at_us, SES_TIME_NONE);
    }

  fx_run_more (fx, 3000);
  CHECK_INT (fx, fx_session_present (fx, sub, 1), 1);
  CHECK_DELIVERED (fx, sub, "a a b");
  CHECK_INT (fx, count_payload (fx, SES_OBS_ACCEPTED, sub, "in"), 1);
  s = session_of (fx, sub);
  CHECK_INT (fx, s->outflight.view.len, 0);
  CHECK_INT (fx, s->queue.view.len, 0);
  CHECK_INT (fx, s->incoming.view.len, 0);
  CHECK_INT (fx, ses_mqtt_client_outgoing (fx_mqtt (fx), sub)->len, 0);
  if (v == SES_MQTT_5)
    {
      CHECK_INT (fx, count_sess (fx, SES_OBS_WILL_CANCELLED, sess (fx, sub),
                                 -1), 1);
      CHECK_INT (fx, fx_count (fx, SES_OBS_WILL_PUBLISHED, G_MAXUINT), 0);
    }
}

static void
test_v311_3_1_2_4_server_session_state_contents (void **state)
{
  server_session_state_contents (*state, SES_MQTT_311);
}

static void
test_v5_4_1_server_session_state_contents (void **state)
{
  server_session_state_contents (*state, SES_MQTT_5);
}

/* 3.1.1 [MQTT-3.1.2.7] / 5.0 §4.1: retained messages are not session state:
 * the publisher's session ends and the retained message stays, and a later
 * subscriber gets it. */
static void
retained_survives_session_end (Fx *fx, SesMqttVersion v)
{
  guint pub = fx_client (fx, "pub", "sensor", v, TRUE, -1);
  guint sub = fx_client (fx, "sub", "dash", v, TRUE, -1);
  fx_connect (fx, 0, pub);
  fx_publish (fx, 100, pub, "r", 1, "keep")->retain = TRUE;
  fx_disconnect (fx, 200, pub);
  fx_connect (fx, 1000, sub);
  fx_subscribe (fx, 1050, sub, "r", 1);
  fx_run (fx, 500);

  const SesObs *end = nth_sess (fx, SES_OBS_SESSION_ENDED, sess (fx, pub), -1,
                                0);
  CHECK (fx, end != NULL);
  CHECK_INT (fx, end->cause, SES_CAUSE_CONNECTION_END);
  const GArray *r = ses_mqtt_retained (fx_mqtt (fx));
  CHECK_INT (fx, r->len, 1);
  CHECK_INT (fx, g_array_index (r, SesMessage, 0).payload, fx_str (fx, "keep"));

  fx_run_more (fx, 2000);
  CHECK_DELIVERED (fx, sub, "keep");
  g_autoptr (GPtrArray) got = fx_find (fx, SES_OBS_DELIVER, sub);
  CHECK (fx, ((const SesObs *) g_ptr_array_index (got, 0))->pkt.flags
               & SES_PKT_F_RETAIN);
  CHECK_INT (fx, ses_mqtt_retained (fx_mqtt (fx))->len, 1);
}

static void
test_v311_MQTT_3_1_2_7_retained_survives_session_end (void **state)
{
  retained_survives_session_end (*state, SES_MQTT_311);
}

static void
test_v5_4_1_retained_survives_session_end (void **state)
{
  retained_survives_session_end (*state, SES_MQTT_5);
}

/* 3.1.1 [MQTT-4.1.0-2]: a session lasts at least as long as its connection,
 * Clean Session 1 included. */
static void
test_v311_MQTT_4_1_0_2_session_lasts_while_connected (void **state)
{
  Fx *fx = *state;
  guint c = fx_client (fx, "c", "dev", SES_MQTT_311, TRUE, -1);
  fx_connect (fx, 0, c);
  fx_disconnect (fx, 100000, c);
  fx_run (fx, 99000);

  const SesSession *s = session_of (fx, c);
  CHECK (fx, s->exists);
  CHECK_INT (fx, s->client, c);
  CHECK_INT (fx, fx_count (fx, SES_OBS_SESSION_ENDED, G_MAXUINT), 0);

  fx_run_more (fx, 101000);
  const SesObs *end = nth_sess (fx, SES_OBS_SESSION_ENDED, sess (fx, c), -1, 0);
  CHECK (fx, end != NULL);
  CHECK_INT (fx, ms (end->time_us), 100010);
  CHECK_INT (fx, end->cause, SES_CAUSE_CONNECTION_END);
}

/* 5.0 [MQTT-4.1.0-1]: nothing is discarded while the connection is open:
 * expiry 5 s or 0 counts only once disconnected. */
static void
test_v5_MQTT_4_1_0_1_no_discard_while_connected (void **state)
{
  Fx *fx = *state;
  guint c5 = fx_client (fx, "c5", "dev-5", SES_MQTT_5, FALSE, 5);
  guint c0 = fx_client (fx, "c0", "dev-0", SES_MQTT_5, FALSE, 0);
  guint pub = fx_client (fx, "pub", "sensor", SES_MQTT_5, TRUE, -1);
  fx_connect (fx, 0, c5);
  fx_connect (fx, 0, c0);
  fx_connect (fx, 0, pub);
  fx_subscribe (fx, 50, c5, "t", 1);
  fx_subscribe (fx, 50, c0, "t", 1);
  fx_publish (fx, 30000, pub, "t", 1, "late");
  fx_run (fx, 40000);

  CHECK_INT (fx, fx_count (fx, SES_OBS_SESSION_ENDED, G_MAXUINT), 0);
  CHECK_INT (fx, fx_count (fx, SES_OBS_CLIENT_DISCARDED, G_MAXUINT), 0);
  const guint who[2] = { c5, c0 };
  for (guint i = 0; i < 2; i++)
    {
      const SesSession *s = session_of (fx, who[i]);
      CHECK (fx, s->exists);
      CHECK_INT (fx, s->expiry_at_us, SES_TIME_NONE);
      CHECK_INT (fx, s->subs.view.len, 1);
      CHECK_DELIVERED (fx, who[i], "late");
    }
}

/* 5.0 §3.2.2.3.3 / §3.1.2.11.3: Receive Maximum belongs to the connection,
 * not the session. The client allows 1 message in flight; one is stuck
 * unacknowledged when the connection drops, one waits. On the new connection
 * the quota starts afresh, so the stuck one is resent at once. */
static void
test_v5_3_2_2_3_3_receive_maximum_restarts_per_connection (void **state)
{
  Fx *fx = *state;
  guint c = fx_client (fx, "c", "dash", SES_MQTT_5, FALSE, 3600);
  guint pub = add_pub_and_subscribe (fx, c, SES_MQTT_5, 1);
  fx_client_config (fx, c)->receive_max = 1;
  fx_act (fx, 60, c, SES_ACT_HOLD_ACKS);
  fx_publish (fx, 100, pub, "t", 1, "m1");
  fx_publish (fx, 110, pub, "t", 1, "m2");
  fx_act (fx, 200, c, SES_ACT_CUT);
  fx_act (fx, 300, c, SES_ACT_RELEASE_ACKS);
  fx_connect (fx, 1000, c);
  fx_run (fx, 2000);

  CHECK_INT (fx, fx_session_present (fx, c, 1), 1);
  CHECK_INT (fx, count_sent (fx, TRUE, c, SES_PKT_PUBLISH), 3);
  const SesObs *again = nth_pkt (fx, TRUE, c, SES_PKT_PUBLISH, 1);
  CHECK_INT (fx, again->pkt.payload, fx_str (fx, "m1"));
  CHECK (fx, again->pkt.flags & SES_PKT_F_DUP);
  CHECK_INT (fx, ms (again->time_us), 1010);
  CHECK_DELIVERED (fx, c, "m1 m1 m2");
  CHECK_INT (fx, session_of (fx, c)->outflight.view.len, 0);
}

/* both [MQTT-4.5.0-1]: an accepted message goes into the session of every
 * matching subscriber, connected (sent) or not (queued), and of no other. */
static void
message_added_to_every_matching_session (Fx *fx, SesMqttVersion v)
{
  guint on = fx_client (fx, "online", "s1", v, TRUE, -1);
  guint off = fx_client (fx, "offline", "s2", v, FALSE, persist_expiry (v));
  guint other = fx_client (fx, "other", "s3", v, TRUE, -1);
  guint pub = fx_client (fx, "pub", "sensor", v, TRUE, -1);
  fx_connect (fx, 0, on);
  fx_connect (fx, 0, off);
  fx_connect (fx, 0, other);
  fx_connect (fx, 0, pub);
  fx_subscribe (fx, 50, on, "t", 1);
  fx_subscribe (fx, 50, off, "+", 1);
  fx_subscribe (fx, 50, other, "u", 1);
  fx_disconnect (fx, 100, off);
  fx_publish (fx, 200, pub, "t", 1, "m");
  fx_connect (fx, 1000, off);
  fx_run (fx, 500);

  CHECK_INT (fx, count_payload (fx, SES_OBS_ACCEPTED, pub, "m"), 1);
  CHECK_INT (fx, count_sess (fx, SES_OBS_QUEUED, sess (fx, off),
                             SES_CAUSE_DISCONNECT), 1);
  CHECK_INT (fx, session_of (fx, off)->queue.view.len, 1);
  CHECK_INT (fx, session_of (fx, other)->queue.view.len, 0);
  CHECK_DELIVERED (fx, on, "m");

  fx_run_more (fx, 2000);
  CHECK_DELIVERED (fx, off, "m");
  CHECK_DELIVERED (fx, other, "");
  CHECK_INT (fx, count_sent (fx, TRUE, other, SES_PKT_PUBLISH), 0);
}

static void
test_v311_MQTT_4_5_0_1_message_added_to_every_matching_session (void **state)
{
  message_added_to_every_matching_session (*state, SES_MQTT_311);
}

static void
test_v5_MQTT_4_5_0_1_message_added_to_every_matching_session (void **state)
{
  message_added_to_every_matching_session (*state, SES_MQTT_5);
}

/* both [MQTT-3.10.4-2]: after UNSUBSCRIBE no new matching message is added
 * to the session. */
static void
unsubscribe_stops_new_messages (Fx *fx, SesMqttVersion v)
{
  guint c = fx_client (fx, "c", "dash", v, FALSE, persist_expiry (v));
  guint pub = add_pub_and_subscribe (fx, c, v, 1);
  fx_publish (fx, 80, pub, "t", 1, "before");
  fx_unsubscribe (fx, 150, c, "t");
  fx_publish (fx, 200, pub, "t", 1, "after");
  fx_disconnect (fx, 300, c);
  fx_publish (fx, 400, pub, "t", 1, "offline");
  fx_connect (fx, 1000, c);
  fx_run (fx, 2000);

  g_autoptr (GPtrArray) un = fx_find (fx, SES_OBS_UNSUBSCRIBED, c);
  CHECK_INT (fx, un->len, 1);
  const SesObs *u = g_ptr_array_index (un, 0);
  CHECK_INT (fx, ms (u->time_us), 160);
  CHECK (fx, g_strcmp0 (u->rule, v == SES_MQTT_5 ? "5.0 [MQTT-3.10.4-2]"
                                                 : "3.1.1 [MQTT-3.10.4-2]")
               == 0);
  CHECK_INT (fx, count_sent (fx, TRUE, c, SES_PKT_UNSUBACK), 1);
  CHECK_DELIVERED (fx, c, "before");
  CHECK_INT (fx, count_sess (fx, SES_OBS_QUEUED, sess (fx, c), -1), 0);
  CHECK_INT (fx, fx_session_present (fx, c, 1), 1);
  CHECK_INT (fx, session_of (fx, c)->subs.view.len, 0);
}

static void
test_v311_MQTT_3_10_4_2_unsubscribe_stops_new_messages (void **state)
{
  unsubscribe_stops_new_messages (*state, SES_MQTT_311);
}

static void
test_v5_MQTT_3_10_4_2_unsubscribe_stops_new_messages (void **state)
{
  unsubscribe_stops_new_messages (*state, SES_MQTT_5);
}

/* both [MQTT-3.10.4-3]: a QoS 2 delivery already started when UNSUBSCRIBE
 * arrives is completed (PUBREL, PUBCOMP); later messages are not sent. */
static void
unsubscribe_completes_started_delivery (Fx *fx, SesMqttVersion v)
{
  guint c = fx_client (fx, "c", "dash", v, TRUE, -1);
  guint pub = add_pub_and_subscribe (fx, c, v, 2);
  fx_act (fx, 60, c, SES_ACT_HOLD_ACKS);
  fx_publish (fx, 100, pub, "t", 2, "m"); /* at c 120, PUBREC held */
  fx_unsubscribe (fx, 150, c, "t");       /* at broker 160 */
  fx_act (fx, 200, c, SES_ACT_RELEASE_ACKS);
  fx_publish (fx, 300, pub, "t", 2, "n");
  fx_run (fx, 1000);

  g_autoptr (GPtrArray) un = fx_find (fx, SES_OBS_UNSUBSCRIBED, c);
  CHECK_INT (fx, un->len, 1);
  const SesObs *rel = nth_pkt (fx, TRUE, c, SES_PKT_PUBREL, 0);
  CHECK (fx, rel != NULL);
  CHECK_INT (fx, ms (rel->time_us), 210);
  CHECK_INT (fx, count_sent (fx, TRUE, c, SES_PKT_PUBREL), 1);
  CHECK_INT (fx, count_pkts (fx, SES_OBS_RECEIVE, TRUE, c, SES_PKT_PUBCOMP), 1);
  CHECK_INT (fx, session_of (fx, c)->outflight.view.len, 0);
  CHECK_INT (fx, ses_mqtt_client_incoming (fx_mqtt (fx), c)->len, 0);
  CHECK_DELIVERED (fx, c, "m");
  CHECK_INT (fx, count_sent (fx, TRUE, c, SES_PKT_PUBLISH), 1);
}

static void
test_v311_MQTT_3_10_4_3_unsubscribe_completes_started_delivery (void **state)
{
  unsubscribe_completes_started_delivery (*state, SES_MQTT_311);
}

static void
test_v5_MQTT_3_10_4_3_unsubscribe_completes_started_delivery (void **state)
{
  unsubscribe_completes_started_delivery (*state, SES_MQTT_5);
}

/* 3.1.1 [MQTT-3.8.4-3] / 5.0 [MQTT-3.8.4-3] and [MQTT-3.8.4-4]: SUBSCRIBE
 * to a filter already held replaces the subscription (one entry, new QoS),
 * resends the retained message (Retain Handling 0 in 5.0), and the QoS 1
 * delivery in flight across the replacement completes. */
static void
resubscribe_replaces_subscription (Fx *fx, SesMqttVersion v)
{
  guint c = fx_client (fx, "c", "dash", v, TRUE, -1);
  guint pub = fx_client (fx, "pub", "sensor", v, TRUE, -1);
  fx_connect (fx, 0, c);
  fx_connect (fx, 0, pub);
  fx_publish (fx, 30, pub, "t", 1, "keep")->retain = TRUE;
  fx_subscribe (fx, 50, c, "t", 1);      /* retained "keep" sent */
  fx_act (fx, 90, c, SES_ACT_HOLD_ACKS);
  fx_publish (fx, 100, pub, "t", 1, "live"); /* PUBACK held */
  fx_subscribe (fx, 150, c, "t", 2);
  fx_act (fx, 300, c, SES_ACT_RELEASE_ACKS);
  fx_publish (fx, 400, pub, "t", 2, "q2");
  fx_run (fx, 1000);

  CHECK_INT (fx, fx_count (fx, SES_OBS_SUBSCRIBED, c), 2);
  const SesSession *s = session_of (fx, c);
  CHECK_INT (fx, s->subs.view.len, 1);
  CHECK_INT (fx, g_array_index (&s->subs.view, SesSubscription, 0).qos, 2);
  CHECK_DELIVERED (fx, c, "keep live keep q2");
  g_autoptr (GPtrArray) got = fx_find (fx, SES_OBS_DELIVER, c);
  CHECK (fx, ((const SesObs *) g_ptr_array_index (got, 2))->pkt.flags
               & SES_PKT_F_RETAIN);
  CHECK_INT (fx, ((const SesObs *) g_ptr_array_index (got, 3))->pkt.qos, 2);
  CHECK_INT (fx, count_sent (fx, FALSE, c, SES_PKT_PUBACK), 3);
  CHECK_INT (fx, s->outflight.view.len, 0);
}

static void
test_v311_MQTT_3_8_4_3_resubscribe_replaces_subscription (void **state)
{
  resubscribe_replaces_subscription (*state, SES_MQTT_311);
}

static void
test_v5_MQTT_3_8_4_3_resubscribe_replaces_subscription (void **state)
{
  resubscribe_replaces_subscription (*state, SES_MQTT_5);
}

/* ======================================================================== */
/* E. Client-side session state                                              */
/* ======================================================================== */

/* both (3.1.1 §3.1.2.4 / 5.0 §4.1): the client keeps its QoS 1 and 2
 * messages not completely acknowledged and the QoS 2 ids it received and
 * has not seen released, across the loss of the connection; on Session
 * Present 1 it resumes them (PUBLISH with DUP, PUBCOMP for the resent
 * PUBREL) and ends up holding nothing. */
static void
client_session_state_contents (Fx *fx, SesMqttVersion v)
{
  guint c = fx_client (fx, "c", "dev", v, FALSE, persist_expiry (v));
  guint p = fx_client (fx, "p", "sensor", v, TRUE, -1);
  fx_connect (fx, 0, c);
  fx_connect (fx, 0, p);
  fx_subscribe (fx, 50, c, "in", 2);
  fx_publish (fx, 100, p, "in", 2, "x"); /* c: PUBLISH 120, PUBREL due 140 */
  fx_publish (fx, 125, c, "out", 1, "o1");
  fx_publish (fx, 126, c, "out", 2, "o2");
  fx_act (fx, 131, c, SES_ACT_CUT);
  fx_connect (fx, 1000, c);
  fx_run (fx, 500);

  const GArray *out = ses_mqtt_client_outgoing (fx_mqtt (fx), c);
  CHECK_INT (fx, out->len, 2);
  const SesFlight *f1 = &g_array_index (out, SesFlight, 0);
  const SesFlight *f2 = &g_array_index (out, SesFlight, 1);
  CHECK_INT (fx, f1->msg.payload, fx_str (fx, "o1"));
  CHECK_INT (fx, f1->state, SES_FLIGHT_AWAIT_PUBACK);
  CHECK_INT (fx, f1->transmitted, 1);
  CHECK_INT (fx, f2->msg.payload, fx_str (fx, "o2"));
  CHECK_INT (fx, f2->state, SES_FLIGHT_AWAIT_PUBREC);
  const GArray *in = ses_mqtt_client_incoming (fx_mqtt (fx), c);
  CHECK_INT (fx, in->len, 1);
  const SesSession *s = session_of (fx, c);
  CHECK_INT (fx, s->outflight.view.len, 1);
  CHECK_INT (fx, g_array_index (in, guint16, 0),
             g_array_index (&s->outflight.view, SesFlight, 0).packet_id);
  CHECK_INT (fx, g_array_index (&s->outflight.view, SesFlight, 0).state,
             SES_FLIGHT_AWAIT_PUBCOMP);

  fx_run_more (fx, 2000);
  CHECK_INT (fx, fx_session_present (fx, c, 1), 1);
  CHECK_INT (fx, count_sent (fx, FALSE, c, SES_PKT_PUBLISH), 4);
  for (guint i = 2; i < 4; i++)
    CHECK (fx, nth_pkt (fx, FALSE, c, SES_PKT_PUBLISH, i)->pkt.flags
                 & SES_PKT_F_DUP);
  CHECK_INT (fx, count_sent (fx, TRUE, c, SES_PKT_PUBREL), 2);
  CHECK_INT (fx, count_sent (fx, FALSE, c, SES_PKT_PUBCOMP), 1);
  CHECK_INT (fx, count_payload (fx, SES_OBS_ACCEPTED, c, "o1"), 1);
  CHECK_INT (fx, count_payload (fx, SES_OBS_ACCEPTED, c, "o2"), 1);
  CHECK_DELIVERED (fx, c, "x");
  CHECK_INT (fx, ses_mqtt_client_outgoing (fx_mqtt (fx), c)->len, 0);
  CHECK_INT (fx, ses_mqtt_client_incoming (fx_mqtt (fx), c)->len, 0);
  CHECK_INT (fx, session_of (fx, c)->outflight.view.len, 0);
}

static void
test_v311_3_1_2_4_client_session_state_contents (void **state)
{
  client_session_state_contents (*state, SES_MQTT_311);
}

static void
test_v5_4_1_client_session_state_contents (void **state)
{
  client_session_state_contents (*state, SES_MQTT_5);
}

/* 3.1.1 [MQTT-3.1.2-6] / 5.0 [MQTT-3.1.2-4], client side: connecting clean,
 * the client drops its unacknowledged messages and never resends them. */
static void
client_drops_state_on_clean (Fx *fx, SesMqttVersion v)
{
  guint c = fx_client (fx, "c", "dev", v, FALSE, persist_expiry (v));
  fx_connect (fx, 0, c);
  fx_publish (fx, 100, c, "x", 1, "o1");
  fx_publish (fx, 100, c, "x", 2, "o2");
  fx_act (fx, 105, c, SES_ACT_CUT); /* both lost on the way */
  connect_clean (fx, 1000, c, TRUE);
  fx_run (fx, 2000);

  g_autoptr (GPtrArray) drop = fx_find (fx, SES_OBS_CLIENT_DISCARDED, c);
  CHECK_INT (fx, drop->len, 1);
  const SesObs *d = g_ptr_array_index (drop, 0);
  CHECK_INT (fx, d->cause, SES_CAUSE_CLEAN_START);
  CHECK_INT (fx, d->arg, 2);
  CHECK_INT (fx, ms (d->time_us), 1000);
  CHECK (fx, g_strcmp0 (d->rule, v == SES_MQTT_5 ? "5.0 [MQTT-3.1.2-4]"
                                                 : "3.1.1 [MQTT-3.1.2-6]")
               == 0);
  CHECK_INT (fx, count_sent (fx, FALSE, c, SES_PKT_PUBLISH), 2);
  CHECK_INT (fx, fx_count (fx, SES_OBS_ACCEPTED, G_MAXUINT), 0);
  CHECK_INT (fx, ses_mqtt_client_outgoing (fx_mqtt (fx), c)->len, 0);
  CHECK_INT (fx, fx_session_present (fx, c, 1), 0);
}

static void
test_v311_MQTT_3_1_2_6_client_drops_state_on_clean_session (void **state)
{
  client_drops_state_on_clean (*state, SES_MQTT_311);
}

static void
test_v5_MQTT_3_1_2_4_client_drops_state_on_clean_start (void **state)
{
  client_drops_state_on_clean (*state, SES_MQTT_5);
}

/* both [MQTT-4.5.0-2]: the client acknowledges every PUBLISH per its QoS,
 * with the PUBLISH's id: nothing for QoS 0, PUBACK for 1, PUBREC (then
 * PUBCOMP) for 2. */
static void
client_acknowledges_every_publish (Fx *fx, SesMqttVersion v)
{
  guint c = fx_client (fx, "c", "dash", v, TRUE, -1);
  guint pub = add_pub_and_subscribe (fx, c, v, 2);
  fx_publish (fx, 100, pub, "t", 0, "a");
  fx_publish (fx, 110, pub, "t", 1, "b");
  fx_publish (fx, 120, pub, "t", 2, "c");
  fx_run (fx, 1000);

  CHECK_DELIVERED (fx, c, "a b c");
  g_autoptr (GPtrArray) got = fx_packets (fx, SES_OBS_RECEIVE, FALSE, c,
                                          SES_PKT_PUBLISH);
  CHECK_INT (fx, got->len, 3);
  const SesObs *q1 = g_ptr_array_index (got, 1);
  const SesObs *q2 = g_ptr_array_index (got, 2);
  CHECK_INT (fx, q1->pkt.qos, 1);
  CHECK_INT (fx, q2->pkt.qos, 2);
  CHECK_INT (fx, count_sent (fx, FALSE, c, SES_PKT_PUBACK), 1);
  CHECK_INT (fx, nth_pkt (fx, FALSE, c, SES_PKT_PUBACK, 0)->pkt.packet_id,
             q1->pkt.packet_id);
  CHECK_INT (fx, count_sent (fx, FALSE, c, SES_PKT_PUBREC), 1);
  CHECK_INT (fx, nth_pkt (fx, FALSE, c, SES_PKT_PUBREC, 0)->pkt.packet_id,
             q2->pkt.packet_id);
  CHECK_INT (fx, count_sent (fx, FALSE, c, SES_PKT_PUBCOMP), 1);
  CHECK_INT (fx, nth_pkt (fx, FALSE, c, SES_PKT_PUBCOMP, 0)->pkt.packet_id,
             q2->pkt.packet_id);
  CHECK_INT (fx, session_of (fx, c)->outflight.view.len, 0);
}

static void
test_v311_MQTT_4_5_0_2_client_acknowledges_every_publish (void **state)
{
  client_acknowledges_every_publish (*state, SES_MQTT_311);
}

static void
test_v5_MQTT_4_5_0_2_client_acknowledges_every_publish (void **state)
{
  client_acknowledges_every_publish (*state, SES_MQTT_5);
}

/* ======================================================================== */
/* F. Takeover                                                               */
/* ======================================================================== */

/* 3.1.1 [MQTT-3.1.4-2]: the broker closes the existing connection with the
 * same ClientId; 3.1.1 has no server DISCONNECT, so the old client just sees
 * the close. The new connection carries on with the session. */
static void
test_v311_MQTT_3_1_4_2_takeover_closes_old_connection (void **state)
{
  Fx *fx = *state;
  guint old, neu;
  takeover_under_traffic (fx, SES_MQTT_311, &old, &neu);

  g_autoptr (GPtrArray) tk = fx_find (fx, SES_OBS_TAKEOVER, old);
  CHECK_INT (fx, tk->len, 1);
  const SesObs *t = g_ptr_array_index (tk, 0);
  CHECK_INT (fx, ms (t->time_us), 1010);
  CHECK (fx, g_strcmp0 (t->rule, "3.1.1 [MQTT-3.1.4-2]") == 0);
  CHECK_INT (fx, broker_disconnects (fx, old, -1), 0);
  CHECK_INT (fx, count_lost_by (fx, old, FALSE, SES_CAUSE_PEER_CLOSED), 1);
  CHECK_INT (fx, ses_mqtt_client_state (fx_mqtt (fx), old), SES_CLIENT_OFFLINE);
  CHECK_INT (fx, ses_mqtt_client_state (fx_mqtt (fx), neu), SES_CLIENT_ONLINE);
  CHECK_INT (fx, fx_session_present (fx, neu, 0), 1);
  CHECK_INT (fx, session_of (fx, neu)->client, neu);
  CHECK_DELIVERED (fx, neu, "m");
  CHECK_DELIVERED (fx, old, "");
}

/* 5.0 [MQTT-3.1.4-3]: the broker sends the existing client DISCONNECT 0x8E
 * (before answering the new one) and closes its connection. */
static void
test_v5_MQTT_3_1_4_3_takeover_sends_0x8e (void **state)
{
  Fx *fx = *state;
  guint old, neu;
  takeover_under_traffic (fx, SES_MQTT_5, &old, &neu);

  CHECK_INT (fx, fx_count (fx, SES_OBS_TAKEOVER, old), 1);
  CHECK_INT (fx, broker_disconnects (fx, old, -1), 1);
  const SesObs *d = nth_pkt (fx, TRUE, old, SES_PKT_DISCONNECT, 0);
  CHECK_INT (fx, d->kind, SES_OBS_SEND);
  CHECK_INT (fx, d->pkt.reason, SES_RC_SESSION_TAKEN_OVER);
  const SesObs *ack = nth_pkt (fx, TRUE, neu, SES_PKT_CONNACK, 0);
  CHECK (fx, d < ack); /* log order: DISCONNECT first */
  CHECK_INT (fx, count_pkts (fx, SES_OBS_RECEIVE, FALSE, old,
                             SES_PKT_DISCONNECT), 1);
  CHECK_INT (fx, count_lost_by (fx, old, FALSE, SES_CAUSE_TAKEOVER), 1);
  CHECK_INT (fx, ses_mqtt_client_state (fx_mqtt (fx), old), SES_CLIENT_OFFLINE);
  CHECK_INT (fx, fx_session_present (fx, neu, 0), 1);
  CHECK_DELIVERED (fx, neu, "m");
  CHECK_DELIVERED (fx, old, "");
}

/* 3.1.1 [MQTT-3.1.2-8] applied to takeover: the old connection ends without
 * DISCONNECT, so its will is published, though the session goes on. */
static void
test_v311_MQTT_3_1_2_8_takeover_publishes_old_will (void **state)
{
  Fx *fx = *state;
  Takeover t = takeover_watched (fx, SES_MQTT_311, -1, FALSE, -1, 0);
  guint mon = t.mon, neu = t.neu;
  fx_connect (fx, 1000, neu);
  fx_run (fx, 2000);

  g_autoptr (GPtrArray) wp = fx_find (fx, SES_OBS_WILL_PUBLISHED, G_MAXUINT);
  CHECK_INT (fx, wp->len, 1);
  const SesObs *w = g_ptr_array_index (wp, 0);
  CHECK_INT (fx, w->cause, SES_CAUSE_TAKEOVER);
  CHECK_INT (fx, ms (w->time_us), 1010);
  CHECK_INT (fx, w->pkt.payload, fx_str (fx, "old-gone"));
  CHECK_DELIVERED (fx, mon, "old-gone");
  CHECK_INT (fx, fx_session_present (fx, neu, 0), 1);
}

/* 5.0 §3.1.4 (will per group G): the displaced connection's will with Will
 * Delay 0 goes out at the takeover, the session continuing. */
static void
test_v5_3_1_4_takeover_will_delay_0_published (void **state)
{
  Fx *fx = *state;
  Takeover t = takeover_watched (fx, SES_MQTT_5, 3600, FALSE, 3600, 0);
  guint mon = t.mon, old = t.old, neu = t.neu;
  fx_connect (fx, 1000, neu);
  fx_run (fx, 2000);

  g_autoptr (GPtrArray) wp = fx_find (fx, SES_OBS_WILL_PUBLISHED, G_MAXUINT);
  CHECK_INT (fx, wp->len, 1);
  const SesObs *w = g_ptr_array_index (wp, 0);
  CHECK_INT (fx, w->cause, SES_CAUSE_TAKEOVER);
  CHECK_INT (fx, ms (w->time_us), 1010);
  CHECK_DELIVERED (fx, mon, "old-gone");
  CHECK_INT (fx, fx_session_present (fx, neu, 0), 1);
  CHECK_INT (fx, count_sess (fx, SES_OBS_SESSION_ENDED, sess (fx, old), -1), 0);
}

/* 5.0 §3.1.4 / §3.1.3.2.2 (C3): old session expiry 0: the takeover ends
 * the session, so the delayed will goes out at once and the new connection
 * (Clean Start 0) gets a new session, Session Present 0. */
static void
test_v5_3_1_4_takeover_expiry_0_ends_session_and_publishes_will (void **state)
{
  Fx *fx = *state;
  Takeover t = takeover_watched (fx, SES_MQTT_5, 0, FALSE, 3600, 30);
  guint mon = t.mon, old = t.old, neu = t.neu;
  fx_subscribe (fx, 60, old, "t", 1);
  fx_connect (fx, 1000, neu);
  fx_run (fx, 60000);

  guint32 s = sess (fx, old);
  CHECK_INT (fx, broker_disconnects (fx, old, SES_RC_SESSION_TAKEN_OVER), 1);
  const SesObs *end = nth_sess (fx, SES_OBS_SESSION_ENDED, s, -1, 0);
  CHECK (fx, end != NULL);
  CHECK_INT (fx, end->cause, SES_CAUSE_CONNECTION_END);
  CHECK_INT (fx, ms (end->time_us), 1010);
  g_autoptr (GPtrArray) wp = fx_find (fx, SES_OBS_WILL_PUBLISHED, G_MAXUINT);
  CHECK_INT (fx, wp->len, 1);
  const SesObs *w = g_ptr_array_index (wp, 0);
  CHECK_INT (fx, ms (w->time_us), 1010);
  CHECK_INT (fx, w->cause, SES_CAUSE_SESSION_END);
  CHECK_DELIVERED (fx, mon, "old-gone");
  CHECK_INT (fx, fx_session_present (fx, neu, 0), 0);
  const SesObs *made = nth_sess (fx, SES_OBS_SESSION_CREATED, s, -1, 1);
  CHECK (fx, made != NULL);
  CHECK_INT (fx, made->cause, SES_CAUSE_NEW);
  CHECK_INT (fx, session_of (fx, neu)->subs.view.len, 0);
}

/* 5.0 §3.1.4 / §3.1.3.2.2 (C3): new connection with Clean Start 1: the old
 * session ends at the takeover, so its delayed will goes out then, not 30 s
 * later, and only once. */
static void
test_v5_3_1_4_takeover_clean_start_1_ends_session_and_publishes_will (void **state)
{
  Fx *fx = *state;
  Takeover t = takeover_watched (fx, SES_MQTT_5, 3600, TRUE, 3600, 30);
  guint mon = t.mon, old = t.old, neu = t.neu;
  fx_connect (fx, 1000, neu);
  fx_run (fx, 60000);

  guint32 s = sess (fx, old);
  const SesObs *end = nth_sess (fx, SES_OBS_SESSION_ENDED, s, -1, 0);
  CHECK (fx, end != NULL);
  CHECK_INT (fx, end->cause, SES_CAUSE_CLEAN_START);
  CHECK_INT (fx, ms (end->time_us), 1010);
  g_autoptr (GPtrArray) wp = fx_find (fx, SES_OBS_WILL_PUBLISHED, G_MAXUINT);
  CHECK_INT (fx, wp->len, 1);
  const SesObs *w = g_ptr_array_index (wp, 0);
  CHECK_INT (fx, ms (w->time_us), 1010);
  CHECK_INT (fx, w->cause, SES_CAUSE_SESSION_END);
  CHECK_DELIVERED (fx, mon, "old-gone");
  CHECK_INT (fx, fx_session_present (fx, neu, 0), 0);
}

/* 5.0 §3.1.4 / [MQTT-3.1.3-9]: new connection with Clean Start 0 and old
 * Will Delay > 0: the session continues and the will is not sent. */
static void
test_v5_3_1_4_takeover_clean_start_0_with_delay_suppresses_will (void **state)
{
  Fx *fx = *state;
  Takeover t = takeover_watched (fx, SES_MQTT_5, 3600, FALSE, 3600, 30);
  guint mon = t.mon, old = t.old, neu = t.neu;
  fx_connect (fx, 1000, neu);
  fx_run (fx, 60000);

  guint32 s = sess (fx, old);
  CHECK_INT (fx, count_sess (fx, SES_OBS_WILL_CANCELLED, s, -1), 1);
  CHECK_INT (fx, fx_count (fx, SES_OBS_WILL_PUBLISHED, G_MAXUINT), 0);
  CHECK_DELIVERED (fx, mon, "");
  CHECK_INT (fx, fx_session_present (fx, neu, 0), 1);
  CHECK_INT (fx, count_sess (fx, SES_OBS_SESSION_ENDED, s, -1), 0);
}

/* 5.0 [MQTT-3.14.0-1]: the broker sends DISCONNECT only on a connection that
 * got a successful CONNACK: checked for a takeover by another client and for
 * a takeover of the same client's half-open connection. */
static void
test_v5_MQTT_3_14_0_1_server_disconnect_only_after_connack (void **state)
{
  Fx *fx = *state;
  guint old = fx_client (fx, "old", "dev", SES_MQTT_5, FALSE, 3600);
  guint neu = fx_client (fx, "new", "dev", SES_MQTT_5, FALSE, 3600);
  guint h = fx_client (fx, "h", "half", SES_MQTT_5, FALSE, 3600);
  fx_connect (fx, 0, old);
  fx_connect (fx, 0, h);
  fx_act (fx, 100, h, SES_ACT_HALF_OPEN_BROKER);
  fx_connect (fx, 200, h);
  fx_connect (fx, 1000, neu);
  fx_run (fx, 2000);

  CHECK_INT (fx, broker_disconnects (fx, old, SES_RC_SESSION_TAKEN_OVER), 1);
  CHECK_INT (fx, broker_disconnects (fx, h, SES_RC_SESSION_TAKEN_OVER), 1);
  CHECK_INT (fx, fx_session_present (fx, h, 1), 1);
  const guint who[3] = { old, neu, h };
  for (guint k = 0; k < 3; k++)
    for (guint i = 0;; i++)
      {
        const SesObs *d = nth_pkt (fx, TRUE, who[k], SES_PKT_DISCONNECT, i);
        if (d == NULL)
          break;
        /* A CONNACK 0x00 went out on this client's slot before it. */
        const SesObs *ack = nth_pkt (fx, TRUE, who[k], SES_PKT_CONNACK, i);
        CHECK (fx, ack != NULL);
        CHECK (fx, ack < d);
        CHECK_INT (fx, ack->pkt.reason, 0);
      }
}

/* 3.1.1 [MQTT-3.1.2-4]/[MQTT-3.1.2-6] applied to takeover (C3): the new
 * connection inherits the session only if its own flag is Clean Session 0
 * and the old session was not a Clean Session 1 one. */
static void
test_v311_3_1_4_takeover_inherits_by_new_flag (void **state)
{
  Fx *fx = *state;
  static const ConnectFlags flags[6] = {
    { TRUE, -1 }, { FALSE, -1 },  /* a-old, a-new */
    { FALSE, -1 }, { FALSE, -1 }, /* b-old, b-new */
    { FALSE, -1 }, { TRUE, -1 },  /* c-old, c-new */
  };
  guint who[6];
  takeover_pairs (fx, SES_MQTT_311, flags, who);
  guint a_old = who[0], a_new = who[1], b_old = who[2], b_new = who[3];
  guint c_old = who[4], c_new = who[5];

  CHECK_INT (fx, fx_session_present (fx, a_new, 0), 0);
  CHECK_INT (fx, nth_sess (fx, SES_OBS_SESSION_ENDED, sess (fx, a_old), -1,
                           0)->cause, SES_CAUSE_CONNECTION_END);
  CHECK_INT (fx, fx_session_present (fx, b_new, 0), 1);
  CHECK_INT (fx, count_sess (fx, SES_OBS_SESSION_ENDED, sess (fx, b_old), -1),
             0);
  CHECK_INT (fx, fx_session_present (fx, c_new, 0), 0);
  CHECK_INT (fx, nth_sess (fx, SES_OBS_SESSION_ENDED, sess (fx, c_old), -1,
                           0)->cause, SES_CAUSE_CLEAN_START);
  CHECK_INT (fx, fx_count (fx, SES_OBS_TAKEOVER, G_MAXUINT), 3);
}

/* 5.0 [MQTT-3.1.2-4..-6] applied to takeover (C3): old expiry 0 ends the
 * session at the takeover (Session Present 0 even with Clean Start 0); old
 * expiry 1 h is inherited by Clean Start 0 and discarded by Clean Start 1. */
static void
test_v5_3_1_4_takeover_inherits_by_new_flag (void **state)
{
  Fx *fx = *state;
  static const ConnectFlags flags[6] = {
    { FALSE, 0 }, { FALSE, 3600 },    /* a-old, a-new */
    { FALSE, 3600 }, { FALSE, 3600 }, /* b-old, b-new */
    { FALSE, 3600 }, { TRUE, 3600 },  /* c-old, c-new */
  };
  guint who[6];
  takeover_pairs (fx, SES_MQTT_5, flags, who);
  guint a_old = who[0], a_new = who[1], b_old = who[2], b_new = who[3];
  guint c_old = who[4], c_new = who[5];

  CHECK_INT (fx, fx_session_present (fx, a_new, 0), 0);
  CHECK_INT (fx, nth_sess (fx, SES_OBS_SESSION_ENDED, sess (fx, a_old), -1,
                           0)->cause, SES_CAUSE_CONNECTION_END);
  CHECK_INT (fx, fx_session_present (fx, b_new, 0), 1);
  CHECK_INT (fx, count_sess (fx, SES_OBS_SESSION_ENDED, sess (fx, b_old), -1),
             0);
  CHECK_INT (fx, fx_session_present (fx, c_new, 0), 0);
  CHECK_INT (fx, nth_sess (fx, SES_OBS_SESSION_ENDED, sess (fx, c_old), -1,
                           0)->cause, SES_CAUSE_CLEAN_START);
  CHECK_INT (fx, broker_disconnects (fx, a_old, SES_RC_SESSION_TAKEN_OVER), 1);
  CHECK_INT (fx, broker_disconnects (fx, b_old, SES_RC_SESSION_TAKEN_OVER), 1);
  CHECK_INT (fx, broker_disconnects (fx, c_old, SES_RC_SESSION_TAKEN_OVER), 1);
}

#define T(name) cmocka_unit_test_setup_teardown (name, setup, teardown)

int
main (void)
{
  const struct CMUnitTest tests[] = {
    /* A */
    T (test_v311_MQTT_3_1_2_4_clean_session_0_resumes),
    T (test_v311_MQTT_3_1_2_6_clean_session_1_discards_existing),
    T (test_v311_MQTT_3_1_2_6_clean_session_1_ends_with_connection),
    T (test_v5_MQTT_3_1_2_4_clean_start_discards_session),
    T (test_v5_MQTT_3_1_2_4_clean_start_1_with_expiry_is_kept),
    T (test_v5_MQTT_3_1_2_5_clean_start_0_resumes_session),
    T (test_v5_MQTT_3_1_2_6_clean_start_0_creates_session),
    T (test_v311_MQTT_3_1_3_2_client_id_keys_session),
    T (test_v5_MQTT_3_1_3_2_client_id_keys_session),
    T (test_v311_MQTT_3_1_0_2_second_connect_not_sent),
    T (test_v5_MQTT_3_1_0_2_second_connect_not_sent),
    T (test_v311_MQTT_3_1_3_6_empty_client_id_accepted),
    T (test_v311_MQTT_3_1_3_8_empty_client_id_clean_0_rejected),
    T (test_v5_MQTT_3_1_3_6_empty_client_id_accepted_with_clean_start_0),
    T (test_v5_MQTT_3_2_2_16_assigned_ids_distinct),
    T (test_v5_MQTT_3_2_2_16_empty_id_reconnect_gets_new_session),
    /* B */
    T (test_v5_3_1_2_11_2_absent_expiry_ends_at_disconnect),
    T (test_v5_3_1_2_11_2_expiry_0_ends_at_cut),
    T (test_v5_3_1_2_11_2_expiry_never_does_not_expire),
    T (test_v5_MQTT_3_1_2_23_session_kept_within_expiry),
    T (test_v5_MQTT_4_1_0_2_session_discarded_after_expiry),
    T (test_v5_4_1_session_lifetime_from_latest_connection),
    T (test_v5_3_2_2_3_2_server_expiry_in_connack_governs),
    T (test_v5_3_2_2_3_2_server_expiry_0_ends_both_halves),
    T (test_v5_3_14_2_2_2_disconnect_without_expiry_keeps_connect_value),
    T (test_v5_3_14_2_2_2_disconnect_expiry_replaces_connect_value),
    T (test_v5_3_14_2_2_2_disconnect_expiry_0_ends_session),
    T (test_v5_3_14_2_2_2_disconnect_expiry_0_to_nonzero_is_error),
    T (test_v5_3_14_2_2_2_disconnect_check_uses_sent_expiry),
    T (test_v5_MQTT_3_14_2_2_server_disconnect_has_no_expiry),
    /* C */
    T (test_v311_MQTT_3_2_2_1_clean_session_1_session_present_0),
    T (test_v311_MQTT_3_2_2_2_session_present_1_with_state),
    T (test_v311_MQTT_3_2_2_3_session_present_0_without_state),
    T (test_v311_3_2_2_2_client_discards_state_on_session_present_0),
    T (test_v311_3_2_2_2_client_without_state_continues_on_session_present_1),
    T (test_v5_MQTT_3_2_2_2_clean_start_1_session_present_0),
    T (test_v5_MQTT_3_2_2_3_restart_with_persistence_session_present_1),
    T (test_v5_MQTT_3_2_2_3_restart_without_persistence_session_present_0),
    T (test_v5_MQTT_3_2_2_4_client_without_state_closes_on_session_present_1),
    T (test_v5_MQTT_3_2_2_4_close_with_0x82_keeps_will),
    T (test_v5_MQTT_3_2_2_4_client_with_store_continues_on_session_present_1),
    T (test_v5_MQTT_3_2_2_5_client_discards_state_on_session_present_0),
    /* D */
    T (test_v311_3_1_2_4_server_session_state_contents),
    T (test_v5_4_1_server_session_state_contents),
    T (test_v311_MQTT_3_1_2_7_retained_survives_session_end),
    T (test_v5_4_1_retained_survives_session_end),
    T (test_v311_MQTT_4_1_0_2_session_lasts_while_connected),
    T (test_v5_MQTT_4_1_0_1_no_discard_while_connected),
    T (test_v5_3_2_2_3_3_receive_maximum_restarts_per_connection),
    T (test_v311_MQTT_4_5_0_1_message_added_to_every_matching_session),
    T (test_v5_MQTT_4_5_0_1_message_added_to_every_matching_session),
    T (test_v311_MQTT_3_10_4_2_unsubscribe_stops_new_messages),
    T (test_v5_MQTT_3_10_4_2_unsubscribe_stops_new_messages),
    T (test_v311_MQTT_3_10_4_3_unsubscribe_completes_started_delivery),
    T (test_v5_MQTT_3_10_4_3_unsubscribe_completes_started_delivery),
    T (test_v311_MQTT_3_8_4_3_resubscribe_replaces_subscription),
    T (test_v5_MQTT_3_8_4_3_resubscribe_replaces_subscription),
    /* E */
    T (test_v311_3_1_2_4_client_session_state_contents),
    T (test_v5_4_1_client_session_state_contents),
    T (test_v311_MQTT_3_1_2_6_client_drops_state_on_clean_session),
    T (test_v5_MQTT_3_1_2_4_client_drops_state_on_clean_start),
    T (test_v311_MQTT_4_5_0_2_client_acknowledges_every_publish),
    T (test_v5_MQTT_4_5_0_2_client_acknowledges_every_publish),
    /* F */
    T (test_v311_MQTT_3_1_4_2_takeover_closes_old_connection),
    T (test_v5_MQTT_3_1_4_3_takeover_sends_0x8e),
    T (test_v311_MQTT_3_1_2_8_takeover_publishes_old_will),
    T (test_v5_3_1_4_takeover_will_delay_0_published),
    T (test_v5_3_1_4_takeover_expiry_0_ends_session_and_publishes_will),
    T (test_v5_3_1_4_takeover_clean_start_1_ends_session_and_publishes_will),
    T (test_v5_3_1_4_takeover_clean_start_0_with_delay_suppresses_will),
    T (test_v5_MQTT_3_14_0_1_server_disconnect_only_after_connack),
    T (test_v311_3_1_4_takeover_inherits_by_new_flag),
    T (test_v5_3_1_4_takeover_inherits_by_new_flag),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
