/* Expectations are evaluated after the run, over the observation log only:
 * the same facts the trace shows, so a failure can always be seen in it. */
#include "expect.h"

#include <string.h>

void
ses_expect_failure_clear (gpointer data)
{
  SesExpectFailure *f = data;
  g_clear_pointer (&f->message, g_free);
}

static const char *
payload_of (SesMqtt *mqtt, const SesObs *o)
{
  const char *s = ses_intern_get (ses_mqtt_config_strings (ses_mqtt_config (mqtt)),
                                  o->pkt.payload);
  return s != NULL ? s : "";
}

static const char *
label_of (SesMqtt *mqtt, guint32 client)
{
  return g_ptr_array_index (ses_mqtt_config_labels (ses_mqtt_config (mqtt)),
                            client);
}

/* The payloads delivered to the client, in order, quoted and joined. */
static char *
delivered_list (SesMqtt *mqtt, guint32 client)
{
  const GArray *log = ses_mqtt_log (mqtt);
  GString *out = g_string_new (NULL);
  for (guint i = 0; i < log->len; i++)
    {
      const SesObs *o = &g_array_index (log, SesObs, i);
      if (o->kind == SES_OBS_DELIVER && o->client == client)
        g_string_append_printf (out, "%s\"%s\"", out->len ? " " : "",
                                payload_of (mqtt, o));
    }
  if (out->len == 0)
    g_string_append (out, "nothing");
  return g_string_free (out, FALSE);
}

static char *
check_one (const SesExpectation *e, SesMqtt *mqtt)
{
  const GArray *log = ses_mqtt_log (mqtt);
  const char *who = label_of (mqtt, e->client);
  guint32 session = ses_mqtt_client_session (mqtt, e->client);
  switch (e->kind)
    {
    case SES_EXPECT_CONNACK:
      {
        gint seen = 0, value = -1;
        for (guint i = 0; i < log->len; i++)
          {
            const SesObs *o = &g_array_index (log, SesObs, i);
            if (o->kind == SES_OBS_RECEIVE && !o->by_broker
                && o->client == e->client && o->pkt.type == SES_PKT_CONNACK)
              {
                seen++;
                if (e->nth == 0 || seen == e->nth)
                  value = (o->pkt.flags & SES_PKT_F_SESSION_PRESENT) ? 1 : 0;
              }
          }
        if (value < 0)
          return g_strdup_printf ("%s received %s CONNACK%s", who,
                                  seen ? "fewer" : "no",
                                  seen ? "s than expected" : "");
        if (value != e->value)
          return g_strdup_printf ("%s: expected session-present=%d in %s "
                                  "CONNACK, got %d", who, e->value,
                                  e->nth ? "that" : "the last", value);
        return NULL;
      }
    case SES_EXPECT_RECEIVES:
    case SES_EXPECT_NEVER_RECEIVES:
      {
        gboolean never = e->kind == SES_EXPECT_NEVER_RECEIVES;
        guint want = 0;
        for (guint k = 0; k < e->payloads->len; k++)
          {
            const char *payload = g_ptr_array_index (e->payloads, k);
            gboolean found = FALSE;
            for (guint i = 0; i < log->len && !found; i++)
              {
                const SesObs *o = &g_array_index (log, SesObs, i);
                found = o->kind == SES_OBS_DELIVER && o->client == e->client
                        && strcmp (payload_of (mqtt, o), payload) == 0;
              }
            if (found == never)
              {
                g_autofree char *got = delivered_list (mqtt, e->client);
                return g_strdup_printf ("%s %s \"%s\" (it received %s)", who,
                                        never ? "received" : "never received",
                                        payload, got);
              }
          }
        if (never || !e->in_order)
          return NULL;
        /* In order: the first deliveries of the listed payloads follow the
         * list (a QoS 1 resend may repeat one later, which is allowed). */
        for (guint i = 0; i < log->len && want < e->payloads->len; i++)
          {
            const SesObs *o = &g_array_index (log, SesObs, i);
            if (o->kind != SES_OBS_DELIVER || o->client != e->client)
              continue;
            const char *got = payload_of (mqtt, o);
            if (strcmp (got, g_ptr_array_index (e->payloads, want)) == 0)
              want++;
            else
              for (guint k = want + 1; k < e->payloads->len; k++)
                if (strcmp (got, g_ptr_array_index (e->payloads, k)) == 0)
                  {
                    g_autofree char *all = delivered_list (mqtt, e->client);
                    return g_strdup_printf ("%s received \"%s\" before \"%s\" "
                                            "(it received %s)", who, got,
                                            (char *) g_ptr_array_index (
                                                e->payloads, want),
                                            all);
                  }
          }
        return NULL;
      }
    case SES_EXPECT_DELIVERIES:
    case SES_EXPECT_POLICY_DROPS:
      {
        SesObsKind kind = e->kind == SES_EXPECT_DELIVERIES
                            ? SES_OBS_DELIVER : SES_OBS_POLICY_DROP;
        gint n = 0;
        for (guint i = 0; i < log->len; i++)
          {
            const SesObs *o = &g_array_index (log, SesObs, i);
            if (o->kind == kind
                && (kind == SES_OBS_DELIVER ? o->client == e->client
                                            : o->session == session))
              n++;
          }
        if (n != e->value)
          return g_strdup_printf ("%s: expected %d %s, counted %d", who,
                                  e->value,
                                  kind == SES_OBS_DELIVER ? "deliveries"
                                                          : "policy drops",
                                  n);
        return NULL;
      }
    case SES_EXPECT_WILL:
    case SES_EXPECT_NO_WILL:
      {
        const SesObs *will = NULL;
        for (guint i = 0; i < log->len && will == NULL; i++)
          {
            const SesObs *o = &g_array_index (log, SesObs, i);
            if (o->kind == SES_OBS_WILL_PUBLISHED && o->session == session)
              will = o;
          }
        if (e->kind == SES_EXPECT_NO_WILL)
          {
            if (will == NULL)
              return NULL;
            g_autofree char *when = ses_time_format (will->time_us);
            return g_strdup_printf ("%s's will was published at %s", who,
                                    when);
          }
        if (will == NULL)
          return g_strdup_printf ("%s's will was never published", who);
        if (e->at_us != SES_TIME_NONE && will->time_us > e->at_us)
          {
            g_autofree char *when = ses_time_format (will->time_us);
            g_autofree char *by = ses_time_format (e->at_us);
            return g_strdup_printf ("%s's will was published at %s, after %s",
                                    who, when, by);
          }
        return NULL;
      }
    case SES_EXPECT_SESSION:
      {
        /* Replay the lifecycle records up to the time asked about. */
        gboolean exists = FALSE;
        gint cause = -1;
        for (guint i = 0; i < log->len; i++)
          {
            const SesObs *o = &g_array_index (log, SesObs, i);
            if (e->at_us != SES_TIME_NONE && o->time_us > e->at_us)
              break;
            if (o->session != session)
              continue;
            if (o->kind == SES_OBS_SESSION_CREATED
                || o->kind == SES_OBS_SESSION_RESUMED)
              exists = TRUE;
            else if (o->kind == SES_OBS_SESSION_ENDED)
              {
                exists = FALSE;
                cause = o->cause;
              }
          }
        g_autofree char *when = e->at_us != SES_TIME_NONE
                                  ? ses_time_format (e->at_us)
                                  : g_strdup ("the end");
        if (exists != e->exists)
          return g_strdup_printf ("%s's session %s at %s", who,
                                  exists ? "still existed" : "did not exist",
                                  when);
        if (!e->exists && e->cause >= 0 && cause != e->cause)
          return g_strdup_printf ("%s's session ended by %s, not %s", who,
                                  cause >= 0 ? ses_cause_name (cause) : "nothing",
                                  ses_cause_name (e->cause));
        return NULL;
      }
    case SES_EXPECT_DISCONNECT:
      for (guint i = 0; i < log->len; i++)
        {
          const SesObs *o = &g_array_index (log, SesObs, i);
          if (o->kind == SES_OBS_RECEIVE && !o->by_broker
              && o->client == e->client && o->pkt.type == SES_PKT_DISCONNECT
              && o->pkt.reason == e->value)
            return NULL;
        }
      return g_strdup_printf ("%s never received DISCONNECT reason=0x%02x",
                              who, e->value);
    }
  return g_strdup ("unknown expectation");
}

guint
ses_expect_check (const SesScript *script, SesMqtt *mqtt, GArray *failures)
{
  const GArray *expectations = ses_script_expectations (script);
  guint held = 0;
  for (guint i = 0; i < expectations->len; i++)
    {
      const SesExpectation *e = &g_array_index (expectations, SesExpectation, i);
      char *msg = check_one (e, mqtt);
      if (msg == NULL)
        {
          held++;
          continue;
        }
      SesExpectFailure f = { e->line, msg };
      g_array_append_val (failures, f);
    }
  return held;
}

/* The observation that decided e: the last one the verdict looks at.
 * Counting and "never" verdicts are decided only by the end of the run. */
static guint
decided_at (const SesExpectation *e, SesMqtt *mqtt)
{
  const GArray *log = ses_mqtt_log (mqtt);
  guint32 session = ses_mqtt_client_session (mqtt, e->client);
  guint at = log->len;
  gint seen = 0;
  for (guint i = 0; i < log->len; i++)
    {
      const SesObs *o = &g_array_index (log, SesObs, i);
      switch (e->kind)
        {
        case SES_EXPECT_CONNACK:
          if (o->kind == SES_OBS_RECEIVE && !o->by_broker
              && o->client == e->client && o->pkt.type == SES_PKT_CONNACK
              && (e->nth == 0 || ++seen == e->nth))
            at = i + 1;
          break;
        case SES_EXPECT_RECEIVES:
          if (o->kind == SES_OBS_DELIVER && o->client == e->client)
            for (guint k = 0; k < e->payloads->len; k++)
              if (strcmp (payload_of (mqtt, o),
                          g_ptr_array_index (e->payloads, k)) == 0)
                at = i + 1;
          break;
        case SES_EXPECT_WILL:
          if (o->kind == SES_OBS_WILL_PUBLISHED && o->session == session
              && seen++ == 0)
            at = i + 1;
          break;
        case SES_EXPECT_SESSION:
          /* At a time: decided by the last step at or before it. */
          if (e->at_us != SES_TIME_NONE && o->time_us <= e->at_us)
            at = i + 1;
          else if (e->at_us != SES_TIME_NONE && at == log->len)
            at = i;
          break;
        case SES_EXPECT_DISCONNECT:
          if (o->kind == SES_OBS_RECEIVE && !o->by_broker
              && o->client == e->client && o->pkt.type == SES_PKT_DISCONNECT
              && o->pkt.reason == e->value && seen++ == 0)
            at = i + 1;
          break;
        default:
          break;
        }
    }
  return at;
}

GArray *
ses_expect_verdicts (const SesScript *script, SesMqtt *mqtt)
{
  const GArray *expectations = ses_script_expectations (script);
  GArray *out = g_array_new (FALSE, TRUE, sizeof (SesExpectVerdict));
  g_array_set_clear_func (out, ses_expect_verdict_clear);
  for (guint i = 0; i < expectations->len; i++)
    {
      const SesExpectation *e = &g_array_index (expectations, SesExpectation, i);
      SesExpectVerdict v = { e->line, check_one (e, mqtt), 0 };
      v.step = decided_at (e, mqtt);
      g_array_append_val (out, v);
    }
  return out;
}

void
ses_expect_verdict_clear (gpointer data)
{
  SesExpectVerdict *v = data;
  g_clear_pointer (&v->failure, g_free);
}
