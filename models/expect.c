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

/* Whether the observation falls in the expectation's time window. */
static gboolean
in_window (const SesExpectation *e, const SesObs *o)
{
  return (e->after_us == SES_TIME_NONE || o->time_us >= e->after_us)
         && (e->by_us == SES_TIME_NONE || o->time_us <= e->by_us);
}

static char *
window_text (const SesExpectation *e)
{
  g_autofree char *a = e->after_us != SES_TIME_NONE
                         ? ses_time_format (e->after_us) : NULL;
  g_autofree char *b = e->by_us != SES_TIME_NONE
                         ? ses_time_format (e->by_us) : NULL;
  if (a != NULL && b != NULL)
    return g_strdup_printf (" between %s and %s", a, b);
  if (a != NULL)
    return g_strdup_printf (" after %s", a);
  if (b != NULL)
    return g_strdup_printf (" by %s", b);
  return g_strdup ("");
}

static const char *
interned (SesMqtt *mqtt, guint32 id)
{
  const char *s = ses_intern_get (ses_mqtt_config_strings (
                                    ses_mqtt_config (mqtt)), id);
  return s != NULL ? s : "";
}

static char *
expiry_text (gint64 expiry_s)
{
  if (expiry_s == SES_EXPECT_NO_EXPIRY)
    return g_strdup ("none");
  if (expiry_s == SES_EXPIRY_NEVER)
    return g_strdup ("never");
  return g_strdup_printf ("%" G_GINT64_FORMAT "s", expiry_s);
}

static gint64
expiry_of (const SesPacket *p)
{
  return (p->flags & SES_PKT_F_HAS_EXPIRY) ? (gint64) p->expiry_s
                                           : SES_EXPECT_NO_EXPIRY;
}

/* The CONNACK properties an expectation asks for, against one CONNACK;
 * NULL when all match. */
static char *
connack_mismatch (const SesExpectation *e, SesMqtt *mqtt, const SesPacket *p)
{
  const char *which = e->nth ? "that" : "the last";
  gint sp = (p->flags & SES_PKT_F_SESSION_PRESENT) ? 1 : 0;
  if ((e->checks & SES_EXPECT_CHECK_SESSION_PRESENT) && sp != e->value)
    return g_strdup_printf ("expected session-present=%d in %s CONNACK, got "
                            "%d", e->value, which, sp);
  if ((e->checks & SES_EXPECT_CHECK_REASON) && p->reason != e->reason)
    return g_strdup_printf ("expected reason=0x%02x in %s CONNACK, got "
                            "0x%02x", e->reason, which, p->reason);
  if (e->checks & SES_EXPECT_CHECK_ASSIGNED_ID)
    {
      /* 5.0 [MQTT-3.2.2-16] */
      const char *got = p->client_id != 0 ? interned (mqtt, p->client_id)
                                          : NULL;
      if (got == NULL)
        return g_strdup_printf ("expected an Assigned Client Identifier in "
                                "%s CONNACK, got none", which);
      if (e->assigned_id[0] != '\0' && strcmp (got, e->assigned_id) != 0)
        return g_strdup_printf ("expected assigned-id=\"%s\" in %s CONNACK, "
                                "got \"%s\"", e->assigned_id, which, got);
    }
  if ((e->checks & SES_EXPECT_CHECK_KEEP_ALIVE)
      && p->keep_alive_s != e->keep_alive_s)
    return g_strdup_printf ("expected server-keep-alive=%us in %s CONNACK, "
                            "got %s%u%s", e->keep_alive_s, which,
                            p->keep_alive_s ? "" : "none (",
                            p->keep_alive_s, p->keep_alive_s ? "s" : ")");
  /* 5.0 §3.2.2.3.3: absent means 65535 */
  guint32 rm = p->receive_max != 0 ? p->receive_max : 65535;
  if ((e->checks & SES_EXPECT_CHECK_RECEIVE_MAX) && rm != e->receive_max)
    return g_strdup_printf ("expected receive-max=%u in %s CONNACK, got %u",
                            e->receive_max, which, rm);
  if ((e->checks & SES_EXPECT_CHECK_EXPIRY) && expiry_of (p) != e->expiry_s)
    {
      g_autofree char *want = expiry_text (e->expiry_s);
      g_autofree char *got = expiry_text (expiry_of (p));
      return g_strdup_printf ("expected session-expiry=%s in %s CONNACK, got "
                              "%s", want, which, got);
    }
  return NULL;
}

/* The delivery an expectation names: the nth (default first) delivery to
 * the client of that payload, or with that packet id. */
static const SesObs *
find_delivery (const SesExpectation *e, SesMqtt *mqtt, guint *index)
{
  const GArray *log = ses_mqtt_log (mqtt);
  gint seen = 0;
  for (guint i = 0; i < log->len; i++)
    {
      const SesObs *o = &g_array_index (log, SesObs, i);
      if (o->kind != SES_OBS_DELIVER || o->client != e->client)
        continue;
      if (e->payloads->len > 0
          ? strcmp (payload_of (mqtt, o), g_ptr_array_index (e->payloads, 0))
          : o->pkt.packet_id != e->packet_id)
        continue;
      if (++seen == MAX (e->nth, 1))
        {
          *index = i;
          return o;
        }
    }
  return NULL;
}

static char *
delivery_mismatch (const SesExpectation *e, const SesObs *o)
{
  const SesPacket *p = &o->pkt;
  gint dup = (p->flags & SES_PKT_F_DUP) ? 1 : 0;
  if ((e->checks & SES_EXPECT_CHECK_QOS) && p->qos != e->qos)
    return g_strdup_printf ("QoS %u, not %u", p->qos, e->qos);
  if ((e->checks & SES_EXPECT_CHECK_DUP) && dup != e->dup)
    return g_strdup_printf ("DUP=%d, not %d", dup, e->dup);
  if ((e->checks & SES_EXPECT_CHECK_ID) && p->packet_id != e->packet_id)
    return g_strdup_printf ("packet id %u, not %u", p->packet_id,
                            e->packet_id);
  if ((e->checks & SES_EXPECT_CHECK_EXPIRY) && expiry_of (p) != e->expiry_s)
    {
      g_autofree char *want = expiry_text (e->expiry_s);
      g_autofree char *got = expiry_text (expiry_of (p));
      return g_strdup_printf ("message-expiry=%s, not %s", got, want);
    }
  return NULL;
}

/* The acknowledgement an expectation names: one the client received for
 * the PUBLISH it last sent with that payload (or with that id), of the
 * kind and reason asked. Its index in the log, or -1; *last says what
 * it got instead. */
static gint
find_ack (const SesExpectation *e, SesMqtt *mqtt, const SesPacket **last)
{
  const GArray *log = ses_mqtt_log (mqtt);
  /* id -> payload of the PUBLISH this client last sent with it */
  g_autoptr (GHashTable) sent = g_hash_table_new (NULL, NULL);
  *last = NULL;
  for (guint i = 0; i < log->len; i++)
    {
      const SesObs *o = &g_array_index (log, SesObs, i);
      if (o->client != e->client || o->by_broker)
        continue;
      if (o->kind == SES_OBS_SEND && o->pkt.type == SES_PKT_PUBLISH
          && o->pkt.qos > 0)
        g_hash_table_insert (sent, GUINT_TO_POINTER (o->pkt.packet_id),
                             GUINT_TO_POINTER (o->pkt.payload));
      if (o->kind != SES_OBS_RECEIVE
          || (o->pkt.type != SES_PKT_PUBACK && o->pkt.type != SES_PKT_PUBREC
              && o->pkt.type != SES_PKT_PUBCOMP))
        continue;
      if (e->packet_id != 0 && o->pkt.packet_id != e->packet_id)
        continue;
      if (e->payloads->len > 0)
        {
          gpointer payload;
          if (!g_hash_table_lookup_extended (
                  sent, GUINT_TO_POINTER (o->pkt.packet_id), NULL, &payload)
              || strcmp (interned (mqtt, GPOINTER_TO_UINT (payload)),
                         g_ptr_array_index (e->payloads, 0)) != 0)
            continue;
        }
      if ((e->checks & SES_EXPECT_CHECK_KIND) && o->pkt.type != e->ack_type)
        {
          *last = &o->pkt;
          continue;
        }
      if ((e->checks & SES_EXPECT_CHECK_REASON) && o->pkt.reason != e->reason)
        {
          *last = &o->pkt;
          continue;
        }
      return (gint) i;
    }
  return -1;
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
        gint seen = 0;
        const SesPacket *ack = NULL;
        for (guint i = 0; i < log->len; i++)
          {
            const SesObs *o = &g_array_index (log, SesObs, i);
            if (o->kind == SES_OBS_RECEIVE && !o->by_broker
                && o->client == e->client && o->pkt.type == SES_PKT_CONNACK)
              {
                seen++;
                if (e->nth == 0 || seen == e->nth)
                  ack = &o->pkt;
              }
          }
        if (ack == NULL)
          return g_strdup_printf ("%s received %s CONNACK%s", who,
                                  seen ? "fewer" : "no",
                                  seen ? "s than expected" : "");
        g_autofree char *why = connack_mismatch (e, mqtt, ack);
        if (why != NULL)
          return g_strdup_printf ("%s: %s", who, why);
        return NULL;
      }
    case SES_EXPECT_DELIVERY:
      {
        guint at;
        const char *what = e->payloads->len > 0
                             ? g_ptr_array_index (e->payloads, 0) : NULL;
        g_autofree char *name = what != NULL
                                  ? g_strdup_printf ("\"%s\"", what)
                                  : g_strdup_printf ("id=%u", e->packet_id);
        const SesObs *o = find_delivery (e, mqtt, &at);
        if (o == NULL)
          {
            g_autofree char *got = delivered_list (mqtt, e->client);
            return g_strdup_printf ("%s never received %s%s (it received %s)",
                                    who, name,
                                    e->nth > 1 ? " that many times" : "", got);
          }
        g_autofree char *why = delivery_mismatch (e, o);
        if (why != NULL)
          return g_strdup_printf ("%s received %s with %s", who, name, why);
        return NULL;
      }
    case SES_EXPECT_ACK:
      {
        const SesPacket *last = NULL;
        if (find_ack (e, mqtt, &last) >= 0)
          return NULL;
        g_autofree char *name = e->payloads->len > 0
          ? g_strdup_printf ("\"%s\"", (char *) g_ptr_array_index (
                                            e->payloads, 0))
          : g_strdup_printf ("id=%u", e->packet_id);
        g_autofree char *reason = (e->checks & SES_EXPECT_CHECK_REASON)
          ? g_strdup_printf (" reason=0x%02x", e->reason) : g_strdup ("");
        const char *want = (e->checks & SES_EXPECT_CHECK_KIND)
                             ? ses_packet_type_name (e->ack_type)
                             : "an acknowledgement";
        if (last == NULL)
          return g_strdup_printf ("%s received no acknowledgement for %s",
                                  who, name);
        return g_strdup_printf ("%s expected %s%s for %s; it received %s "
                                "reason=0x%02x", who, want, reason, name,
                                ses_packet_type_name (last->type),
                                last->reason);
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
            const SesObs *first = NULL;
            for (guint i = 0; i < log->len && !found; i++)
              {
                const SesObs *o = &g_array_index (log, SesObs, i);
                found = o->kind == SES_OBS_DELIVER && o->client == e->client
                        && strcmp (payload_of (mqtt, o), payload) == 0;
                if (found)
                  first = o;
              }
            if (found == never)
              {
                g_autofree char *got = delivered_list (mqtt, e->client);
                return g_strdup_printf ("%s %s \"%s\" (it received %s)", who,
                                        never ? "received" : "never received",
                                        payload, got);
              }
            /* Within a window: the first delivery is in it. */
            if (!never && !in_window (e, first))
              {
                g_autofree char *when = ses_time_format (first->time_us);
                g_autofree char *span = window_text (e);
                return g_strdup_printf ("%s received \"%s\" first at %s, "
                                        "not%s", who, payload, when, span);
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
                                            : o->session == session)
                && in_window (e, o))
              n++;
          }
        g_autofree char *span = window_text (e);
        if (e->one_of != NULL)
          {
            /* Alternatives the standard allows: any of them holds. */
            GString *list = g_string_new (NULL);
            for (guint k = 0; k < e->one_of->len; k++)
              {
                if (g_array_index (e->one_of, gint, k) == n)
                  {
                    g_string_free (list, TRUE);
                    return NULL;
                  }
                g_string_append_printf (list, "%s%d", k ? ", " : "",
                                        g_array_index (e->one_of, gint, k));
              }
            g_autofree char *alts = g_string_free (list, FALSE);
            return g_strdup_printf ("%s: expected one of %s deliveries%s, "
                                    "counted %d", who, alts, span, n);
          }
        if (n != e->value)
          return g_strdup_printf ("%s: expected %d %s%s, counted %d", who,
                                  e->value,
                                  kind == SES_OBS_DELIVER ? "deliveries"
                                                          : "policy drops",
                                  span, n);
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
        case SES_EXPECT_DELIVERY:
          {
            guint found;
            if (seen++ == 0 && find_delivery (e, mqtt, &found) != NULL)
              at = found + 1;
            break;
          }
        case SES_EXPECT_ACK:
          if (seen++ == 0)
            {
              const SesPacket *last;
              gint found = find_ack (e, mqtt, &last);
              if (found >= 0)
                at = (guint) found + 1;
            }
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
