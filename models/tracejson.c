/* trace.jsonl, written and read with json-glib. Every record is built
 * member by member in a fixed order (json-glib keeps insertion order), so
 * the bytes depend only on the run. 3.1.1 packets carry only what 3.1.1
 * has: no reason codes besides CONNACK's return code and SUBACK's return
 * codes, no properties. The reader rebuilds the configuration and the
 * observation log, and refuses malformed input with a located error. */
#include "tracejson.h"

#include <stdio.h>
#include <string.h>

#include "error.h"
#include "expect.h"
#include "mqtt-private.h"
#include "variant.h"

/* ---- names shared by writer and reader ---------------------------------- */

static const char *
version_name (SesMqttVersion v)
{
  return v == SES_MQTT_311 ? "3.1.1" : "5.0";
}

static const char *const fault_names[] = {
  NULL, "cut", "half-open-broker", "half-open-client", "crash",
  "broker-restart", "reset",
};

/* SesResubscribe, as the scenario language spells it. */
static const char *const resubscribe_names[] = {
  "new-session", "always", "never",
};

/* Acknowledgement kinds, PUBACK to PUBCOMP, as timeline actions name
 * them. */
static const char *const ack_type_names[] = {
  "puback", "pubrec", "pubrel", "pubcomp",
};

static const char *const action_names[] = {
  NULL, "connect", "disconnect", "subscribe", "unsubscribe", "publish",
  "cut", "half-open-broker", "half-open-client", "crash", "restart",
  "hold-acks", "release-acks", "reset", "pause", "resume", "ack",
  "ack-reason", "send-publish", "send-pubrel", "send-connect",
};

/* Events where either end may be the one that acted. */
static gboolean
has_side (SesObsKind kind)
{
  return kind == SES_OBS_SEND || kind == SES_OBS_RECEIVE
         || kind == SES_OBS_LOST || kind == SES_OBS_CONNECTION_LOST
         || kind == SES_OBS_CUT_LOST;
}

/* The number an event's `arg` means, named for the reader of the trace. */
static const char *
arg_name (SesObsKind kind)
{
  switch (kind)
    {
    case SES_OBS_SESSION_KEPT: return "expiry_s";
    case SES_OBS_EXPIRY_CHANGED: return "expiry_s";
    case SES_OBS_WILL_SCHEDULED: return "delay_s";
    case SES_OBS_SESSION_ENDED: return "pending";
    case SES_OBS_CLIENT_DISCARDED: return "forgotten";
    case SES_OBS_KEEP_ALIVE_TIMEOUT: return "keep_alive_s";
    default: return "arg";
    }
}

/* ---- writing ------------------------------------------------------------ */

struct _SesTraceWriter {
  SesMqttConfig *cfg;    /* (not owned) */
  JsonBuilder *builder;  /* the record being built */
  JsonGenerator *gen;
  GString *out;
};

SesTraceWriter *
ses_trace_writer_new (SesMqttConfig *cfg)
{
  SesTraceWriter *w = g_new0 (SesTraceWriter, 1);
  w->cfg = cfg;
  w->gen = json_generator_new ();
  json_generator_set_pretty (w->gen, FALSE);
  w->out = g_string_new (NULL);
  return w;
}

void
ses_trace_writer_free (SesTraceWriter *w)
{
  if (w == NULL)
    return;
  g_clear_object (&w->builder);
  g_object_unref (w->gen);
  g_string_free (w->out, TRUE);
  g_free (w);
}

static void
put_string (JsonBuilder *b, const char *name, const char *value)
{
  json_builder_set_member_name (b, name);
  if (value == NULL)
    {
      json_builder_add_null_value (b);
      return;
    }
  /* Strings come from scenario files, which are UTF-8; never emit bytes a
   * JSON reader would refuse. */
  if (g_utf8_validate (value, -1, NULL))
    json_builder_add_string_value (b, value);
  else
    {
      g_autofree char *valid = g_utf8_make_valid (value, -1);
      json_builder_add_string_value (b, valid);
    }
}

static void
put_int (JsonBuilder *b, const char *name, gint64 value)
{
  json_builder_set_member_name (b, name);
  json_builder_add_int_value (b, value);
}

static void
put_bool (JsonBuilder *b, const char *name, gboolean value)
{
  json_builder_set_member_name (b, name);
  json_builder_add_boolean_value (b, value);
}

static const char *
interned (const SesMqttConfig *cfg, guint32 id)
{
  const char *s = ses_intern_get (cfg->strings, id);
  return s != NULL ? s : "";
}

static const char *
label_of (const SesMqttConfig *cfg, guint32 client)
{
  if (client < cfg->labels->len)
    return g_ptr_array_index (cfg->labels, client);
  return "broker";
}

static void
put_variants (JsonBuilder *b, guint32 mask)
{
  json_builder_set_member_name (b, "variants");
  json_builder_begin_array (b);
  for (guint i = 0; i < SES_VARIANT_COUNT; i++)
    if (mask & (1u << i))
      json_builder_add_string_value (b,
                                     ses_variant_info ((SesVariant) i)->name);
  json_builder_end_array (b);
}

static void
put_invariants (JsonBuilder *b, const char *name, guint32 mask)
{
  json_builder_set_member_name (b, name);
  json_builder_begin_array (b);
  for (guint i = 0; i < SES_INV_COUNT; i++)
    if (mask & (1u << i))
      json_builder_add_string_value (b,
                                     ses_invariant_name ((SesInvariantId) i));
  json_builder_end_array (b);
}

/* A will's fields; the 5.0 properties only where 5.0 carries them. */
static void
put_will (SesTraceWriter *w, JsonBuilder *b, guint32 will, gboolean v5)
{
  const SesWill *s = &g_array_index (w->cfg->wills, SesWill, will - 1);
  json_builder_begin_object (b);
  put_int (b, "id", will);
  put_string (b, "topic", interned (w->cfg, s->topic));
  put_string (b, "payload", interned (w->cfg, s->payload));
  put_int (b, "qos", s->qos);
  put_bool (b, "retain", s->retain);
  if (v5)
    {
      put_int (b, "delay_s", s->delay_s);
      json_builder_set_member_name (b, "message_expiry_s");
      if (s->has_expiry)
        json_builder_add_int_value (b, s->expiry_s);
      else
        json_builder_add_null_value (b);
    }
  json_builder_end_object (b);
}

static gboolean
will_valid (const SesTraceWriter *w, guint32 will)
{
  return will >= 1 && will <= w->cfg->wills->len;
}

static void
put_broker (JsonBuilder *b, const SesBrokerConfig *s)
{
  json_builder_set_member_name (b, "broker");
  json_builder_begin_object (b);
  put_bool (b, "queue_qos0_offline", s->queue_qos0_offline);
  put_int (b, "queue_limit", s->queue_limit);
  put_string (b, "drop_policy",
              s->drop_policy == SES_DROP_OLDEST ? "oldest" : "newest");
  put_bool (b, "persistence", s->persistence);
  put_int (b, "max_session_expiry_s", s->max_session_expiry_s);
  put_int (b, "receive_max", s->receive_max);
  put_int (b, "server_keep_alive_s", s->server_keep_alive_s);
  put_bool (b, "qos2_on_pubrel", s->qos2_on_pubrel);
  put_int (b, "max_qos", s->max_qos);
  put_bool (b, "no_match_reason", s->no_match_reason);
  put_bool (b, "takeover_disconnect", s->takeover_disconnect);
  put_bool (b, "keep_alive_disconnect", s->keep_alive_disconnect);
  put_bool (b, "not_found_reason", s->not_found_reason);
  put_bool (b, "takeover_will", s->takeover_will);
  put_bool (b, "receive_max_disconnect", s->receive_max_disconnect);
  put_bool (b, "will_by_client_id", s->will_by_client_id);
  put_string (b, "second_connect",
              s->second_connect == SES_SECOND_CONNECT_DROP ? "drop"
                                                           : "disconnect");
  put_string (b, "packet_ids",
              s->packet_ids == SES_IDS_AT_QUEUE ? "at-queue" : "at-send");
  put_int (b, "timer_granularity_ms", s->timer_granularity_ms);
  put_variants (b, s->variants);
  json_builder_end_object (b);
}

static void
put_client (SesTraceWriter *w, JsonBuilder *b, guint index)
{
  const SesClientConfig *c = &g_array_index (w->cfg->clients, SesClientConfig,
                                             index);
  gboolean v5 = c->version == SES_MQTT_5;
  json_builder_begin_object (b);
  put_string (b, "label", label_of (w->cfg, index));
  put_string (b, "client_id", interned (w->cfg, c->client_id));
  put_string (b, "protocol", version_name (c->version));
  /* 3.1.1 [MQTT-3.1.2-6] Clean Session; 5.0 [MQTT-3.1.2-4] Clean Start */
  put_bool (b, v5 ? "clean_start" : "clean_session", c->clean);
  if (v5)
    {
      json_builder_set_member_name (b, "session_expiry_s");
      if (c->has_expiry)
        json_builder_add_int_value (b, c->expiry_s);
      else
        json_builder_add_null_value (b);
    }
  put_int (b, "keep_alive_s", c->keep_alive_s);
  if (v5)
    put_int (b, "receive_max", c->receive_max);
  json_builder_set_member_name (b, "will");
  if (will_valid (w, c->will))
    put_will (w, b, c->will, v5);
  else
    json_builder_add_null_value (b);
  put_bool (b, "persistent_store", c->persistent_store);
  put_string (b, "resubscribe",
              (guint) c->resubscribe < G_N_ELEMENTS (resubscribe_names)
                ? resubscribe_names[c->resubscribe] : "?");
  put_int (b, "reconnect_delay_us", c->reconnect_delay_us);
  put_int (b, "latency_us", c->latency_us);
  put_variants (b, c->variants);
  json_builder_end_object (b);
}

static void
put_action (SesTraceWriter *w, JsonBuilder *b, const SesAction *a)
{
  json_builder_begin_object (b);
  put_int (b, "at_us", a->at_us);
  put_string (b, "action", (guint) a->kind < G_N_ELEMENTS (action_names)
                             && action_names[a->kind] != NULL
                           ? action_names[a->kind] : "?");
  if (a->client < w->cfg->labels->len)
    put_string (b, "client", label_of (w->cfg, a->client));
  if (a->topic != 0)
    put_string (b, "topic", interned (w->cfg, a->topic));
  if (a->payload != 0)
    put_string (b, "payload", interned (w->cfg, a->payload));
  if (a->qos != 0)
    put_int (b, "qos", a->qos);
  if (a->retain)
    put_bool (b, "retain", TRUE);
  if (a->has_expiry)
    put_int (b, "expiry_s", a->expiry_s);
  if (a->reason != 0)
    put_int (b, "reason_code", a->reason);
  if (a->override_clean)
    put_bool (b, "clean", a->clean);
  if (a->override_expiry)
    put_bool (b, "override_expiry", TRUE);
  if (a->override_will)
    put_int (b, "will", a->will);
  if (a->ack_type != 0)
    put_string (b, "ack_type", ack_type_names[a->ack_type - SES_PKT_PUBACK]);
  if (a->has_reason)
    put_bool (b, "with_reason", TRUE);
  if (a->dup)
    put_bool (b, "dup", TRUE);
  if (a->packet_id != 0)
    put_int (b, "id", a->packet_id);
  if (a->protocol_name != 0)
    put_string (b, "protocol_name", interned (w->cfg, a->protocol_name));
  if (a->reason_string != 0)
    put_string (b, "reason_string", interned (w->cfg, a->reason_string));
  if (a->linger_us != 0)
    put_int (b, "linger_us", a->linger_us);
  json_builder_end_object (b);
}

static void
begin (SesTraceWriter *w, const char *type, guint64 step)
{
  g_clear_object (&w->builder);
  w->builder = json_builder_new ();
  json_builder_begin_object (w->builder);
  put_string (w->builder, "type", type);
  put_int (w->builder, "step", (gint64) step);
}

static void
put_time (JsonBuilder *b, SesTime t)
{
  g_autofree char *when = ses_time_format (t);
  put_int (b, "t_us", t);
  put_string (b, "time", when);
}

static void
finish_record (SesTraceWriter *w)
{
  json_builder_end_object (w->builder);
  g_autoptr (JsonNode) root = json_builder_get_root (w->builder);
  json_generator_set_root (w->gen, root);
  g_autofree char *line = json_generator_to_data (w->gen, NULL);
  g_string_append (w->out, line);
  g_string_append_c (w->out, '\n');
  g_clear_object (&w->builder);
}

JsonBuilder *
ses_trace_writer_begin_record (SesTraceWriter *w, const char *type,
                               guint64 step, SesTime t)
{
  begin (w, type, step);
  if (t != SES_TIME_NONE)
    put_time (w->builder, t);
  return w->builder;
}

void
ses_trace_writer_end_record (SesTraceWriter *w)
{
  finish_record (w);
}

void
ses_trace_writer_header (SesTraceWriter *w, const SesTraceHeader *h)
{
  begin (w, "header", 0);
  JsonBuilder *b = w->builder;
  const SesMqttConfig *cfg = w->cfg;
  put_int (b, "format", SES_TRACEJSON_FORMAT);
  put_string (b, "program", "sessim");
  put_string (b, "version", h->program_version);
  put_string (b, "scenario", h->scenario);
  put_string (b, "sha256", h->sha256);
  json_builder_set_member_name (b, "seed");
  /* JSON readers lose precision above 2^53 and json-glib stops at 2^63:
   * such seeds are written as decimal strings. */
  if (h->seed <= (guint64) G_MAXINT64)
    json_builder_add_int_value (b, (gint64) h->seed);
  else
    {
      g_autofree char *s = g_strdup_printf ("%" G_GUINT64_FORMAT, h->seed);
      json_builder_add_string_value (b, s);
    }
  const char *protocol = NULL;
  for (guint i = 0; i < cfg->clients->len; i++)
    {
      const char *v = version_name (
          g_array_index (cfg->clients, SesClientConfig, i).version);
      protocol = protocol == NULL || strcmp (protocol, v) == 0 ? v : "mixed";
    }
  put_string (b, "protocol", protocol);
  put_invariants (b, "invariants_off", h->disabled);
  put_invariants (b, "expect_violations", h->expected);
  put_broker (b, &cfg->broker);
  json_builder_set_member_name (b, "wills");
  json_builder_begin_array (b);
  for (guint i = 1; i <= cfg->wills->len; i++)
    put_will (w, b, i, protocol == NULL || strcmp (protocol, "3.1.1") != 0);
  json_builder_end_array (b);
  json_builder_set_member_name (b, "clients");
  json_builder_begin_array (b);
  for (guint i = 0; i < cfg->clients->len; i++)
    put_client (w, b, i);
  json_builder_end_array (b);
  json_builder_set_member_name (b, "timeline");
  json_builder_begin_array (b);
  for (guint i = 0; i < cfg->actions->len; i++)
    put_action (w, b, &g_array_index (cfg->actions, SesAction, i));
  json_builder_end_array (b);
  finish_record (w);
}

static gboolean
client_is_v5 (const SesTraceWriter *w, guint32 client)
{
  if (client < w->cfg->clients->len)
    return g_array_index (w->cfg->clients, SesClientConfig, client).version
           == SES_MQTT_5;
  return w->cfg->clients->len == 0
         || g_array_index (w->cfg->clients, SesClientConfig, 0).version
              == SES_MQTT_5;
}

/* The application message a PUBLISH carries: "ORIGIN.SEQ", the SEQth
 * message of client ORIGIN, or "ORIGIN.will". Not on the wire: it lets a
 * reader follow one message from publisher to every subscriber. */
static void
put_msg (JsonBuilder *b, const SesPacket *p)
{
  if (p->flags & SES_PKT_F_WILL)
    {
      g_autofree char *m = g_strdup_printf ("%u.will", p->origin);
      put_string (b, "msg", m);
    }
  else if (p->origin != G_MAXUINT32)
    {
      g_autofree char *m = g_strdup_printf ("%u.%u", p->origin, p->seq);
      put_string (b, "msg", m);
    }
}

static void
put_expiry (JsonBuilder *b, const char *name, const SesPacket *p)
{
  if (p->flags & SES_PKT_F_HAS_EXPIRY)
    put_int (b, name, p->expiry_s);
}

static void
put_packet (SesTraceWriter *w, JsonBuilder *b, const SesPacket *p,
            gboolean v5)
{
  json_builder_set_member_name (b, "packet");
  json_builder_begin_object (b);
  put_string (b, "type", ses_packet_type_name ((SesPacketType) p->type));
  switch (p->type)
    {
    case SES_PKT_CONNECT:
      v5 = p->version == SES_MQTT_5;
      put_string (b, "protocol", version_name (p->version == SES_MQTT_5
                                                 ? SES_MQTT_5 : SES_MQTT_311));
      put_string (b, "client_id", interned (w->cfg, p->client_id));
      put_bool (b, v5 ? "clean_start" : "clean_session",
                (p->flags & SES_PKT_F_CLEAN) != 0);
      put_int (b, "keep_alive_s", p->keep_alive_s);
      if (v5)
        {
          put_expiry (b, "session_expiry_s", p);
          if (p->receive_max)
            put_int (b, "receive_max", p->receive_max);
        }
      if (will_valid (w, p->will))
        {
          json_builder_set_member_name (b, "will");
          put_will (w, b, p->will, v5);
        }
      /* A Protocol Name other than "MQTT" (both [MQTT-3.1.2-1]). */
      if (p->topic != 0)
        put_string (b, "protocol_name", interned (w->cfg, p->topic));
      break;
    case SES_PKT_CONNACK:
      put_bool (b, "session_present",
                (p->flags & SES_PKT_F_SESSION_PRESENT) != 0);
      /* 3.1.1 §3.2.2.3 return code; 5.0 §3.2.2.2 reason code */
      put_int (b, v5 ? "reason_code" : "return_code", p->reason);
      if (v5)
        {
          put_expiry (b, "session_expiry_s", p);
          if (p->receive_max)
            put_int (b, "receive_max", p->receive_max);
          if (p->keep_alive_s)
            put_int (b, "server_keep_alive_s", p->keep_alive_s);
          if (p->client_id != 0)
            put_string (b, "assigned_client_id",
                        interned (w->cfg, p->client_id));
        }
      break;
    case SES_PKT_PUBLISH:
      if (p->packet_id != 0)
        put_int (b, "id", p->packet_id);
      put_int (b, "qos", p->qos);
      put_bool (b, "dup", (p->flags & SES_PKT_F_DUP) != 0);
      put_bool (b, "retain", (p->flags & SES_PKT_F_RETAIN) != 0);
      put_string (b, "topic", interned (w->cfg, p->topic));
      put_string (b, "payload", interned (w->cfg, p->payload));
      if (v5)
        put_expiry (b, "message_expiry_s", p);
      put_msg (b, p);
      break;
    case SES_PKT_PUBACK:
    case SES_PKT_PUBREC:
    case SES_PKT_PUBREL:
    case SES_PKT_PUBCOMP:
      put_int (b, "id", p->packet_id);
      if (v5)
        put_int (b, "reason_code", p->reason);
      break;
    case SES_PKT_SUBSCRIBE:
      put_int (b, "id", p->packet_id);
      json_builder_set_member_name (b, "filters");
      json_builder_begin_array (b);
      json_builder_begin_object (b);
      put_string (b, "filter", interned (w->cfg, p->topic));
      put_int (b, "qos", p->qos);
      json_builder_end_object (b);
      json_builder_end_array (b);
      break;
    case SES_PKT_SUBACK:
      put_int (b, "id", p->packet_id);
      /* One code per filter: the granted QoS, or a failure (0x80 and up). */
      json_builder_set_member_name (b, v5 ? "reason_codes" : "return_codes");
      json_builder_begin_array (b);
      json_builder_add_int_value (b, p->reason >= 0x80 ? p->reason : p->qos);
      json_builder_end_array (b);
      if (p->topic != 0)
        put_string (b, "filter", interned (w->cfg, p->topic));
      break;
    case SES_PKT_UNSUBSCRIBE:
      put_int (b, "id", p->packet_id);
      json_builder_set_member_name (b, "filters");
      json_builder_begin_array (b);
      json_builder_add_string_value (b, interned (w->cfg, p->topic));
      json_builder_end_array (b);
      break;
    case SES_PKT_UNSUBACK:
      put_int (b, "id", p->packet_id);
      if (v5)
        {
          json_builder_set_member_name (b, "reason_codes");
          json_builder_begin_array (b);
          json_builder_add_int_value (b, p->reason);
          json_builder_end_array (b);
        }
      break;
    case SES_PKT_DISCONNECT:
      if (v5)
        {
          put_int (b, "reason_code", p->reason);
          put_expiry (b, "session_expiry_s", p);
          if (p->payload != 0)
            put_string (b, "reason_string", interned (w->cfg, p->payload));
        }
      break;
    default:
      break;
    }
  json_builder_end_object (b);
}

void
ses_trace_writer_obs (SesTraceWriter *w, guint64 step, const SesObs *obs)
{
  begin (w, "event", step);
  JsonBuilder *b = w->builder;
  put_time (b, obs->time_us);
  put_string (b, "actor", label_of (w->cfg, obs->client));
  put_string (b, "event", ses_obs_kind_name ((SesObsKind) obs->kind));
  if (has_side ((SesObsKind) obs->kind))
    put_string (b, "side", obs->by_broker ? "broker" : "client");
  if (obs->session != G_MAXUINT32)
    put_int (b, "session", obs->session);
  if (obs->kind == SES_OBS_FAULT)
    put_string (b, "fault", obs->cause < G_N_ELEMENTS (fault_names)
                              && fault_names[obs->cause] != NULL
                            ? fault_names[obs->cause] : "?");
  else if (obs->cause != SES_CAUSE_NONE)
    put_string (b, "cause", ses_obs_cause_name (obs));
  if (obs->arg != 0)
    put_int (b, arg_name ((SesObsKind) obs->kind), obs->arg);
  if (obs->pkt.type != 0)
    put_packet (w, b, &obs->pkt, obs->version != 0
                                   ? obs->version == SES_MQTT_5
                                   : client_is_v5 (w, obs->client));
  if (obs->rule != NULL)
    put_string (b, "rule", obs->rule);
  finish_record (w);
}

void
ses_trace_writer_violation (SesTraceWriter *w, guint64 step,
                            const SesViolation *v, gboolean expected)
{
  begin (w, "violation", step);
  JsonBuilder *b = w->builder;
  put_time (b, v->time_us);
  put_string (b, "invariant", ses_invariant_name (v->id));
  put_bool (b, "expected", expected);
  if (v->rule != NULL)
    put_string (b, "rule", v->rule);
  put_string (b, "message", v->message);
  finish_record (w);
}

void
ses_trace_writer_expectation (SesTraceWriter *w, guint64 step, guint line,
                              const char *message)
{
  begin (w, "expectation", step);
  if (line > 0)
    put_int (w->builder, "line", line);
  put_string (w->builder, "message", message);
  finish_record (w);
}

void
ses_trace_writer_end (SesTraceWriter *w, guint64 steps, SesTime end_us,
                      gboolean complete, guint violations,
                      guint failed_expectations)
{
  begin (w, "end", steps);
  JsonBuilder *b = w->builder;
  put_time (b, end_us);
  put_bool (b, "complete", complete);
  put_int (b, "violations", violations);
  put_int (b, "failed_expectations", failed_expectations);
  put_bool (b, "passed", complete && violations == 0
                           && failed_expectations == 0);
  finish_record (w);
}

char *
ses_trace_writer_finish (SesTraceWriter *w)
{
  return g_strdup (w->out->str);
}

void
ses_trace_writer_line (SesTraceWriter *w, const char *json)
{
  g_string_append (w->out, json);
  g_string_append_c (w->out, '\n');
}

char *
ses_tracejson_run (SesMqtt *mqtt, const SesTraceHeader *h,
                   const GArray *violations, const GArray *failures,
                   SesTime end_us, gboolean complete)
{
  return ses_tracejson_run_with (mqtt, h, violations, failures, end_us,
                                 complete, NULL, NULL);
}

char *
ses_tracejson_run_with (SesMqtt *mqtt, const SesTraceHeader *h,
                        const GArray *violations, const GArray *failures,
                        SesTime end_us, gboolean complete,
                        SesTraceExtra extra, gpointer data)
{
  SesMqttConfig *cfg = ses_mqtt_config (mqtt);
  const GArray *log = ses_mqtt_log (mqtt);
  g_autoptr (SesTraceWriter) w = ses_trace_writer_new (cfg);
  ses_trace_writer_header (w, h);
  guint n_v = violations != NULL ? violations->len : 0;
  /* The end of the run is a step of its own, after the last observation:
   * what is judged there (quiescence, expectations) carries it. */
  guint64 end_step = (guint64) log->len + 1;
  guint32 seen = 0;
  guint unexpected = 0;
  for (guint64 step = 1; step <= end_step; step++)
    {
      if (extra != NULL)
        extra (w, step, data);
      if (step <= log->len)
        ses_trace_writer_obs (w, step, &g_array_index (log, SesObs, step - 1));
      for (guint i = 0; i < n_v; i++)
        {
          const SesViolation *v = &g_array_index (violations, SesViolation, i);
          guint64 vs = MIN (v->obs_index + 1, end_step);
          if (vs != step)
            continue;
          gboolean expected = (h->expected & (1u << v->id)) != 0;
          seen |= 1u << v->id;
          unexpected += !expected;
          ses_trace_writer_violation (w, vs, v, expected);
        }
    }
  guint failed = 0;
  for (guint i = 0; failures != NULL && i < failures->len; i++, failed++)
    {
      const SesExpectFailure *f = &g_array_index (failures, SesExpectFailure,
                                                  i);
      ses_trace_writer_expectation (w, end_step, f->line, f->message);
    }
  for (guint id = 0; id < SES_INV_COUNT; id++)
    if ((h->expected & (1u << id)) && !(seen & (1u << id)))
      {
        g_autofree char *m = g_strdup_printf (
            "expected invariant %s to break, but it held",
            ses_invariant_name ((SesInvariantId) id));
        ses_trace_writer_expectation (w, end_step, 0, m);
        failed++;
      }
  ses_trace_writer_end (w, end_step, end_us, complete, unexpected, failed);
  return ses_trace_writer_finish (w);
}

char *
ses_tracejson_digest (const char *data, gsize length)
{
  return g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) data,
                                      length);
}

/* ---- reading ------------------------------------------------------------ */

/* Where the reader is, for located errors. */
typedef struct {
  const char *path;
  guint lineno;
  const char *line;    /* the current line, NUL-terminated copy */
  GError **error;
  SesTraceJson *t;
  GHashTable *labels;  /* label -> index + 1, lookup only */
  gboolean header_seen;
  gboolean end_seen;
  guint64 last_step;
  SesTime last_time;
} Reader;

/* The line with a caret under column col (1-based, in characters); long
 * lines are cut to a window around the column. */
static gboolean G_GNUC_PRINTF (3, 4)
fail_at (Reader *r, guint col, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  g_autofree char *msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  const char *line = r->line != NULL ? r->line : "";
  glong chars = g_utf8_validate (line, -1, NULL) ? g_utf8_strlen (line, -1)
                                                 : (glong) strlen (line);
  if (col < 1)
    col = 1;
  glong from = 0;
  const glong width = 72;
  if (chars > width && (glong) col > width / 2)
    from = MIN ((glong) col - width / 2, chars - width);
  glong to = MIN (chars, from + width);
  GString *shown = g_string_new (from > 0 ? "..." : "");
  glong caret_at = (glong) col - 1 - from + (from > 0 ? 3 : 0);
  if (g_utf8_validate (line, -1, NULL))
    {
      const char *a = g_utf8_offset_to_pointer (line, from);
      const char *b = g_utf8_offset_to_pointer (line, to);
      g_string_append_len (shown, a, b - a);
    }
  else
    {
      /* Bytes that are not UTF-8 are shown as '?' so the message is. */
      for (glong i = from; i < to; i++)
        g_string_append_c (shown, (guchar) line[i] < 0x80 ? line[i] : '?');
    }
  if (to < chars)
    g_string_append (shown, "...");
  /* Tabs and control characters would break the caret's alignment. */
  for (gsize i = 0; i < shown->len; i++)
    if ((guchar) shown->str[i] < 0x20)
      shown->str[i] = ' ';
  GString *caret = g_string_new (NULL);
  for (glong i = 0; i < caret_at; i++)
    g_string_append_c (caret, ' ');
  g_string_append_c (caret, '^');
  g_set_error (r->error, SES_ERROR, SES_ERROR_PARSE,
               "%s:%u:%u: error: %s\n  %s\n  %s", r->path, r->lineno, col,
               msg, shown->str, caret->str);
  g_string_free (shown, TRUE);
  g_string_free (caret, TRUE);
  return FALSE;
}

/* The column of member `name` in the current line (where `"name"` first
 * appears), else 1: json-glib does not keep positions, and a trace's
 * member names are distinctive enough for a caret. */
static guint
col_of (const Reader *r, const char *name)
{
  if (name == NULL || r->line == NULL)
    return 1;
  g_autofree char *quoted = g_strdup_printf ("\"%s\"", name);
  /* A member name is followed by a colon; the same word as a value is
   * not. */
  for (const char *at = strstr (r->line, quoted); at != NULL;
       at = strstr (at + 1, quoted))
    {
      const char *after = at + strlen (quoted);
      while (*after == ' ' || *after == '\t')
        after++;
      if (*after == ':')
        return (guint) g_utf8_pointer_to_offset (r->line, at) + 1;
    }
  return 1;
}

static JsonNode *
member (Reader *r, JsonObject *o, const char *name, gboolean required,
        gboolean *ok)
{
  JsonNode *n = json_object_get_member (o, name);
  if (n == NULL && required)
    *ok = fail_at (r, 1, "missing member \"%s\"", name);
  return n;
}

/* An integer in [min, max]; absent leaves *out alone. FALSE on error;
 * *present says whether it was there (and not null when nullable). */
static gboolean
get_int (Reader *r, JsonObject *o, const char *name, gint64 min, gint64 max,
         gboolean required, gboolean nullable, gint64 *out, gboolean *present)
{
  gboolean ok = TRUE;
  JsonNode *n = member (r, o, name, required, &ok);
  if (present != NULL)
    *present = FALSE;
  if (!ok)
    return FALSE;
  if (n == NULL)
    return TRUE;
  if (nullable && JSON_NODE_HOLDS_NULL (n))
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (n)
      || json_node_get_value_type (n) != G_TYPE_INT64)
    return fail_at (r, col_of (r, name), "\"%s\" must be an integer%s", name,
                    nullable ? " or null" : "");
  gint64 v = json_node_get_int (n);
  if (v < min || v > max)
    return fail_at (r, col_of (r, name),
                    "\"%s\" is %" G_GINT64_FORMAT ", out of range %"
                    G_GINT64_FORMAT "..%" G_GINT64_FORMAT, name, v, min, max);
  *out = v;
  if (present != NULL)
    *present = TRUE;
  return TRUE;
}

static gboolean
get_bool (Reader *r, JsonObject *o, const char *name, gboolean required,
          gboolean *out)
{
  gboolean ok = TRUE;
  JsonNode *n = member (r, o, name, required, &ok);
  if (!ok)
    return FALSE;
  if (n == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (n)
      || json_node_get_value_type (n) != G_TYPE_BOOLEAN)
    return fail_at (r, col_of (r, name), "\"%s\" must be true or false",
                    name);
  *out = json_node_get_boolean (n);
  return TRUE;
}

/* A string member; *out stays NULL when absent or null (if nullable). */
static gboolean
get_str (Reader *r, JsonObject *o, const char *name, gboolean required,
         gboolean nullable, const char **out)
{
  gboolean ok = TRUE;
  JsonNode *n = member (r, o, name, required, &ok);
  *out = NULL;
  if (!ok)
    return FALSE;
  if (n == NULL || (nullable && JSON_NODE_HOLDS_NULL (n)))
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (n)
      || json_node_get_value_type (n) != G_TYPE_STRING)
    return fail_at (r, col_of (r, name), "\"%s\" must be a string%s", name,
                    nullable ? " or null" : "");
  *out = json_node_get_string (n);
  return TRUE;
}

static gboolean
get_object (Reader *r, JsonObject *o, const char *name, gboolean required,
            gboolean nullable, JsonObject **out)
{
  gboolean ok = TRUE;
  JsonNode *n = member (r, o, name, required, &ok);
  *out = NULL;
  if (!ok)
    return FALSE;
  if (n == NULL || (nullable && JSON_NODE_HOLDS_NULL (n)))
    return TRUE;
  if (!JSON_NODE_HOLDS_OBJECT (n))
    return fail_at (r, col_of (r, name), "\"%s\" must be an object%s", name,
                    nullable ? " or null" : "");
  *out = json_node_get_object (n);
  return TRUE;
}

static gboolean
get_array (Reader *r, JsonObject *o, const char *name, gboolean required,
           guint exactly, JsonArray **out)
{
  gboolean ok = TRUE;
  JsonNode *n = member (r, o, name, required, &ok);
  *out = NULL;
  if (!ok)
    return FALSE;
  if (n == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_ARRAY (n))
    return fail_at (r, col_of (r, name), "\"%s\" must be an array", name);
  *out = json_node_get_array (n);
  if (exactly != G_MAXUINT && json_array_get_length (*out) != exactly)
    return fail_at (r, col_of (r, name),
                    "\"%s\" must have %u element%s (sessim's packets carry "
                    "one filter)", name, exactly, exactly == 1 ? "" : "s");
  return TRUE;
}

/* A string from a fixed table of names (index 0 may be NULL). */
static gboolean
get_name (Reader *r, JsonObject *o, const char *name, gboolean required,
          const char *const *names, guint n_names, guint *out,
          gboolean *present)
{
  const char *s;
  if (present != NULL)
    *present = FALSE;
  if (!get_str (r, o, name, required, FALSE, &s))
    return FALSE;
  if (s == NULL)
    return TRUE;
  for (guint i = 0; i < n_names; i++)
    if (names[i] != NULL && strcmp (names[i], s) == 0)
      {
        *out = i;
        if (present != NULL)
          *present = TRUE;
        return TRUE;
      }
  return fail_at (r, col_of (r, name), "unknown %s '%s'", name, s);
}

static gboolean
get_client (Reader *r, JsonObject *o, const char *name, gboolean required,
            gboolean broker_ok, guint32 *out)
{
  const char *s;
  if (!get_str (r, o, name, required, FALSE, &s))
    return FALSE;
  if (s == NULL)
    return TRUE;
  gpointer v = g_hash_table_lookup (r->labels, s);
  if (v != NULL)
    *out = GPOINTER_TO_UINT (v) - 1;
  else if (broker_ok && strcmp (s, "broker") == 0)
    *out = SES_OBS_BROKER;
  else
    return fail_at (r, col_of (r, name), "no client labelled '%s' in the "
                    "header", s);
  return TRUE;
}

static gboolean
get_mask (Reader *r, JsonObject *o, const char *name, gboolean variants,
          guint32 *out)
{
  JsonArray *a;
  *out = 0;
  if (!get_array (r, o, name, TRUE, G_MAXUINT, &a))
    return FALSE;
  for (guint i = 0; i < json_array_get_length (a); i++)
    {
      JsonNode *n = json_array_get_element (a, i);
      const char *s = JSON_NODE_HOLDS_VALUE (n)
                          && json_node_get_value_type (n) == G_TYPE_STRING
                      ? json_node_get_string (n) : NULL;
      if (s == NULL)
        return fail_at (r, col_of (r, name), "\"%s\" must hold names", name);
      if (variants)
        {
          SesVariant v;
          if (!ses_variant_lookup (s, &v))
            return fail_at (r, col_of (r, name), "unknown variant '%s'", s);
          *out |= 1u << v;
        }
      else
        {
          SesInvariantId id;
          if (!ses_invariant_lookup (s, &id))
            return fail_at (r, col_of (r, name), "unknown invariant '%s'", s);
          *out |= 1u << id;
        }
    }
  return TRUE;
}

static gboolean
get_version (Reader *r, JsonObject *o, SesMqttVersion *out)
{
  static const char *const names[] = { "3.1.1", "5.0" };
  guint v = 0;
  if (!get_name (r, o, "protocol", TRUE, names, 2, &v, NULL))
    return FALSE;
  *out = v == 0 ? SES_MQTT_311 : SES_MQTT_5;
  return TRUE;
}

/* Clean Session (3.1.1) or Clean Start (5.0), whichever the object has. */
static gboolean
get_clean (Reader *r, JsonObject *o, SesMqttVersion v, gboolean *out)
{
  return get_bool (r, o, v == SES_MQTT_5 ? "clean_start" : "clean_session",
                   TRUE, out);
}

static guint32
intern (Reader *r, const char *s)
{
  return ses_mqtt_config_intern (r->t->cfg, s);
}

static gboolean
read_will (Reader *r, JsonObject *o, SesWill *will)
{
  const char *topic, *payload;
  gint64 qos = 0, delay = 0, expiry = 0;
  gboolean has_expiry = FALSE;
  memset (will, 0, sizeof *will);
  if (!get_str (r, o, "topic", TRUE, FALSE, &topic)
      || !get_str (r, o, "payload", TRUE, FALSE, &payload)
      || !get_int (r, o, "qos", 0, 2, TRUE, FALSE, &qos, NULL)
      || !get_bool (r, o, "retain", TRUE, &will->retain)
      || !get_int (r, o, "delay_s", 0, G_MAXUINT32, FALSE, FALSE, &delay,
                   NULL)
      || !get_int (r, o, "message_expiry_s", 0, G_MAXUINT32, FALSE, TRUE,
                   &expiry, &has_expiry))
    return FALSE;
  will->topic = intern (r, topic);
  will->payload = intern (r, payload);
  will->qos = (guint8) qos;
  will->delay_s = (guint32) delay;
  will->has_expiry = has_expiry;
  will->expiry_s = (guint32) expiry;
  return TRUE;
}

/* A reference to a will of the header: {"id": N, ...}. */
static gboolean
get_will_ref (Reader *r, JsonObject *o, const char *name, guint32 *out)
{
  JsonObject *w;
  gint64 id = 0;
  *out = 0;
  if (!get_object (r, o, name, FALSE, TRUE, &w))
    return FALSE;
  if (w == NULL)
    return TRUE;
  if (!get_int (r, w, "id", 1, G_MAXUINT32, TRUE, FALSE, &id, NULL))
    return FALSE;
  if ((guint64) id > r->t->cfg->wills->len)
    return fail_at (r, col_of (r, name), "will %" G_GINT64_FORMAT " is not "
                    "in the header's wills", id);
  *out = (guint32) id;
  return TRUE;
}

static gboolean
read_broker (Reader *r, JsonObject *o)
{
  static const char *const policies[] = { "newest", "oldest" };
  static const char *const second_connects[] = { "disconnect", "drop" };
  static const char *const id_times[] = { "at-send", "at-queue" };
  guint second_connect = 0, id_time = 0;
  SesBrokerConfig *b = ses_mqtt_config_broker (r->t->cfg);
  gint64 limit = 0, cap = 0, rmax = 0, ka = 0, max_qos = 0;
  gint64 granularity = b->timer_granularity_ms;
  guint policy = 0;
  if (!get_bool (r, o, "queue_qos0_offline", TRUE, &b->queue_qos0_offline)
      || !get_int (r, o, "queue_limit", 0, G_MAXUINT32, TRUE, FALSE, &limit,
                   NULL)
      || !get_name (r, o, "drop_policy", TRUE, policies, 2, &policy, NULL)
      || !get_bool (r, o, "persistence", TRUE, &b->persistence)
      || !get_int (r, o, "max_session_expiry_s", 0, G_MAXUINT32, TRUE, FALSE,
                   &cap, NULL)
      || !get_int (r, o, "receive_max", 1, G_MAXUINT16, TRUE, FALSE, &rmax,
                   NULL)
      || !get_int (r, o, "server_keep_alive_s", 0, G_MAXUINT16, TRUE, FALSE,
                   &ka, NULL)
      || !get_bool (r, o, "qos2_on_pubrel", TRUE, &b->qos2_on_pubrel)
      || !get_int (r, o, "max_qos", 0, 2, TRUE, FALSE, &max_qos, NULL)
      /* Settings newer than the first traces: optional, defaults kept. */
      || !get_bool (r, o, "no_match_reason", FALSE, &b->no_match_reason)
      || !get_bool (r, o, "takeover_disconnect", FALSE,
                    &b->takeover_disconnect)
      || !get_bool (r, o, "keep_alive_disconnect", FALSE,
                    &b->keep_alive_disconnect)
      || !get_bool (r, o, "not_found_reason", FALSE, &b->not_found_reason)
      || !get_bool (r, o, "takeover_will", FALSE, &b->takeover_will)
      || !get_bool (r, o, "receive_max_disconnect", FALSE,
                    &b->receive_max_disconnect)
      || !get_bool (r, o, "will_by_client_id", FALSE, &b->will_by_client_id)
      || !get_name (r, o, "second_connect", FALSE, second_connects, 2,
                    &second_connect, NULL)
      || !get_name (r, o, "packet_ids", FALSE, id_times, 2, &id_time, NULL)
      || !get_int (r, o, "timer_granularity_ms", 0, G_MAXUINT32, FALSE, FALSE,
                   &granularity, NULL)
      || !get_mask (r, o, "variants", TRUE, &b->variants))
    return FALSE;
  b->queue_limit = (guint32) limit;
  b->drop_policy = policy == 1 ? SES_DROP_OLDEST : SES_DROP_NEWEST;
  b->second_connect = second_connect == 1 ? SES_SECOND_CONNECT_DROP
                                          : SES_SECOND_CONNECT_DISCONNECT;
  b->packet_ids = id_time == 1 ? SES_IDS_AT_QUEUE : SES_IDS_AT_SEND;
  b->max_session_expiry_s = (guint32) cap;
  b->receive_max = (guint16) rmax;
  b->server_keep_alive_s = (guint16) ka;
  b->max_qos = (guint8) max_qos;
  b->timer_granularity_ms = (guint32) granularity;
  return TRUE;
}

static gboolean
read_client (Reader *r, JsonObject *o)
{
  const char *label, *client_id;
  SesMqttVersion v;
  if (!get_str (r, o, "label", TRUE, FALSE, &label)
      || !get_str (r, o, "client_id", TRUE, FALSE, &client_id)
      || !get_version (r, o, &v))
    return FALSE;
  if (label[0] == '\0' || strcmp (label, "broker") == 0
      || g_hash_table_contains (r->labels, label))
    return fail_at (r, col_of (r, "label"), "client label '%s' is empty, "
                    "reserved or used twice", label);
  SesClientConfig c;
  ses_client_config_init (&c, v);
  gint64 expiry = 0, ka = 0, rmax = 0, reconnect = 0, latency = 0;
  gboolean has_expiry = FALSE;
  guint resubscribe = 0;
  if (!get_clean (r, o, v, &c.clean)
      || !get_int (r, o, "session_expiry_s", 0, G_MAXUINT32, v == SES_MQTT_5,
                   TRUE, &expiry, &has_expiry)
      || !get_int (r, o, "keep_alive_s", 0, G_MAXUINT16, TRUE, FALSE, &ka,
                   NULL)
      || !get_int (r, o, "receive_max", 0, G_MAXUINT16, v == SES_MQTT_5,
                   FALSE, &rmax, NULL)
      || !get_will_ref (r, o, "will", &c.will)
      || !get_bool (r, o, "persistent_store", TRUE, &c.persistent_store)
      || !get_name (r, o, "resubscribe", TRUE, resubscribe_names,
                    G_N_ELEMENTS (resubscribe_names), &resubscribe, NULL)
      || !get_int (r, o, "reconnect_delay_us", 0, G_MAXINT64, TRUE, FALSE,
                   &reconnect, NULL)
      || !get_int (r, o, "latency_us", 0, G_MAXINT64, TRUE, FALSE, &latency,
                   NULL)
      || !get_mask (r, o, "variants", TRUE, &c.variants))
    return FALSE;
  if (!json_object_has_member (o, "will"))
    return fail_at (r, 1, "missing member \"will\"");
  c.has_expiry = has_expiry;
  c.expiry_s = (guint32) expiry;
  c.keep_alive_s = (guint16) ka;
  c.receive_max = (guint16) rmax;
  c.reconnect_delay_us = reconnect;
  c.latency_us = latency;
  c.resubscribe = (SesResubscribe) resubscribe;
  guint index = ses_mqtt_config_add_client (r->t->cfg, label, client_id, &c);
  g_hash_table_insert (r->labels, g_strdup (label),
                       GUINT_TO_POINTER (index + 1));
  return TRUE;
}

static gboolean
read_action (Reader *r, JsonObject *o)
{
  SesAction a;
  memset (&a, 0, sizeof a);
  gint64 at = 0, qos = 0, expiry = 0, reason = 0, will = 0, id = 0;
  gint64 linger = 0;
  gboolean retain = FALSE, has_expiry = FALSE, clean = FALSE;
  gboolean override_expiry = FALSE, override_will = FALSE;
  gboolean has_reason = FALSE, dup = FALSE;
  guint kind = 0, ack = 0;
  gboolean has_ack = FALSE;
  const char *topic, *payload, *protocol_name, *reason_string;
  if (!get_int (r, o, "at_us", 0, G_MAXINT64, TRUE, FALSE, &at, NULL)
      || !get_name (r, o, "action", TRUE, action_names,
                    G_N_ELEMENTS (action_names), &kind, NULL)
      || !get_client (r, o, "client", kind != SES_ACT_RESTART, FALSE,
                      &a.client)
      || !get_str (r, o, "topic", FALSE, FALSE, &topic)
      || !get_str (r, o, "payload", FALSE, FALSE, &payload)
      || !get_int (r, o, "qos", 0, 2, FALSE, FALSE, &qos, NULL)
      || !get_bool (r, o, "retain", FALSE, &retain)
      || !get_int (r, o, "expiry_s", 0, G_MAXUINT32, FALSE, FALSE, &expiry,
                   &has_expiry)
      || !get_int (r, o, "reason_code", 0, 255, FALSE, FALSE, &reason, NULL)
      || !get_bool (r, o, "clean", FALSE, &clean)
      || !get_bool (r, o, "override_expiry", FALSE, &override_expiry)
      || !get_int (r, o, "will", 0, r->t->cfg->wills->len, FALSE, FALSE,
                   &will, &override_will)
      || !get_name (r, o, "ack_type", FALSE, ack_type_names,
                    G_N_ELEMENTS (ack_type_names), &ack, &has_ack)
      || !get_bool (r, o, "with_reason", FALSE, &has_reason)
      || !get_bool (r, o, "dup", FALSE, &dup)
      || !get_int (r, o, "id", 0, G_MAXUINT16, FALSE, FALSE, &id, NULL)
      || !get_str (r, o, "protocol_name", FALSE, FALSE, &protocol_name)
      || !get_str (r, o, "reason_string", FALSE, FALSE, &reason_string)
      || !get_int (r, o, "linger_us", 0, SES_LINGER_MAX_US, FALSE, FALSE,
                   &linger, NULL))
    return FALSE;
  if (kind == SES_ACT_ACK_REASON && !has_ack)
    return fail_at (r, col_of (r, "action"), "an ack-reason needs an "
                    "\"ack_type\"");
  if (kind == SES_ACT_RAW_PUBLISH && (topic == NULL || payload == NULL))
    return fail_at (r, col_of (r, "action"), "a send-publish needs a "
                    "\"topic\" and a \"payload\"");
  if ((kind == SES_ACT_SUBSCRIBE || kind == SES_ACT_UNSUBSCRIBE
       || kind == SES_ACT_PUBLISH) && topic == NULL)
    return fail_at (r, col_of (r, "action"), "a %s needs a \"topic\"",
                    action_names[kind]);
  a.at_us = at;
  a.kind = (guint8) kind;
  a.topic = topic != NULL ? intern (r, topic) : 0;
  a.payload = payload != NULL ? intern (r, payload) : 0;
  a.qos = (guint8) qos;
  a.expiry_s = (guint32) expiry;
  a.reason = (guint8) reason;
  a.override_clean = json_object_has_member (o, "clean");
  a.will = (guint32) will;
  a.ack_type = has_ack ? (guint8) (SES_PKT_PUBACK + ack) : 0;
  a.packet_id = (guint16) id;
  a.protocol_name = protocol_name != NULL ? intern (r, protocol_name) : 0;
  a.reason_string = reason_string != NULL ? intern (r, reason_string) : 0;
  a.linger_us = (guint32) linger; /* <= SES_LINGER_MAX_US */
  a.retain = retain;
  a.has_expiry = has_expiry;
  a.clean = clean;
  a.override_expiry = override_expiry;
  a.override_will = override_will;
  a.has_reason = has_reason;
  a.dup = dup;
  ses_mqtt_config_add_action (r->t->cfg, &a);
  return TRUE;
}

static gboolean
read_header (Reader *r, JsonObject *o)
{
  SesTraceJson *t = r->t;
  const char *version, *scenario, *sha;
  gint64 format = 0;
  if (!get_int (r, o, "format", 1, G_MAXINT32, TRUE, FALSE, &format, NULL))
    return FALSE;
  if (format > SES_TRACEJSON_FORMAT)
    return fail_at (r, col_of (r, "format"), "trace format %" G_GINT64_FORMAT
                    " is newer than this sessim reads (%d)", format,
                    SES_TRACEJSON_FORMAT);
  if (!get_str (r, o, "version", TRUE, FALSE, &version)
      || !get_str (r, o, "scenario", FALSE, TRUE, &scenario)
      || !get_str (r, o, "sha256", FALSE, TRUE, &sha))
    return FALSE;
  t->program_version = g_strdup (version);
  t->scenario = g_strdup (scenario);
  t->sha256 = g_strdup (sha);
  JsonNode *seed = json_object_get_member (o, "seed");
  guint64 s = 0;
  if (seed != NULL && JSON_NODE_HOLDS_VALUE (seed)
      && json_node_get_value_type (seed) == G_TYPE_INT64
      && json_node_get_int (seed) >= 0)
    s = (guint64) json_node_get_int (seed);
  else if (seed == NULL || !JSON_NODE_HOLDS_VALUE (seed)
           || json_node_get_value_type (seed) != G_TYPE_STRING
           || !g_ascii_string_to_unsigned (json_node_get_string (seed), 10, 0,
                                           G_MAXUINT64, &s, NULL))
    return fail_at (r, col_of (r, "seed"), "\"seed\" must be an unsigned "
                    "64-bit integer (a number, or a string of digits)");
  t->seed = s;
  JsonObject *broker;
  JsonArray *wills, *clients, *timeline;
  if (!get_mask (r, o, "invariants_off", FALSE, &t->disabled)
      || !get_mask (r, o, "expect_violations", FALSE, &t->expected)
      || !get_object (r, o, "broker", TRUE, FALSE, &broker)
      || !read_broker (r, broker)
      || !get_array (r, o, "wills", TRUE, G_MAXUINT, &wills)
      || !get_array (r, o, "clients", TRUE, G_MAXUINT, &clients)
      || !get_array (r, o, "timeline", TRUE, G_MAXUINT, &timeline))
    return FALSE;
  for (guint i = 0; i < json_array_get_length (wills); i++)
    {
      JsonNode *n = json_array_get_element (wills, i);
      SesWill will;
      gint64 id = 0;
      if (!JSON_NODE_HOLDS_OBJECT (n))
        return fail_at (r, col_of (r, "wills"), "a will must be an object");
      if (!get_int (r, json_node_get_object (n), "id", 1, G_MAXUINT32, TRUE,
                    FALSE, &id, NULL))
        return FALSE;
      if ((guint64) id != i + 1)
        return fail_at (r, col_of (r, "wills"), "wills must be numbered 1, "
                        "2, ... in order (found %" G_GINT64_FORMAT " at %u)",
                        id, i + 1);
      if (!read_will (r, json_node_get_object (n), &will))
        return FALSE;
      ses_mqtt_config_add_will (t->cfg, &will);
    }
  for (guint i = 0; i < json_array_get_length (clients); i++)
    {
      JsonNode *n = json_array_get_element (clients, i);
      if (!JSON_NODE_HOLDS_OBJECT (n))
        return fail_at (r, col_of (r, "clients"), "a client must be an "
                        "object");
      if (!read_client (r, json_node_get_object (n)))
        return FALSE;
    }
  for (guint i = 0; i < json_array_get_length (timeline); i++)
    {
      JsonNode *n = json_array_get_element (timeline, i);
      if (!JSON_NODE_HOLDS_OBJECT (n))
        return fail_at (r, col_of (r, "timeline"), "a timeline step must be "
                        "an object");
      if (!read_action (r, json_node_get_object (n)))
        return FALSE;
    }
  return TRUE;
}

/* "ORIGIN.SEQ" or "ORIGIN.will", ORIGIN a client index. */
static gboolean
read_msg (Reader *r, JsonObject *o, SesPacket *p)
{
  const char *m;
  if (!get_str (r, o, "msg", FALSE, FALSE, &m))
    return FALSE;
  if (m == NULL)
    {
      p->origin = G_MAXUINT32;
      return TRUE;
    }
  g_auto (GStrv) parts = g_strsplit (m, ".", 2);
  guint n_clients = ses_mqtt_config_n_clients (r->t->cfg);
  guint64 origin = 0, seq = 0;
  gboolean will = parts[0] != NULL && parts[1] != NULL
                  && strcmp (parts[1], "will") == 0;
  /* The origin indexes the clients (the judge keeps per-publisher state). */
  gboolean ok = parts[0] != NULL && parts[1] != NULL && n_clients > 0
                && g_ascii_string_to_unsigned (parts[0], 10, 0, n_clients - 1,
                                               &origin, NULL)
                && (will || g_ascii_string_to_unsigned (parts[1], 10, 0,
                                                        G_MAXUINT32, &seq,
                                                        NULL));
  if (!ok)
    return fail_at (r, col_of (r, "msg"), "\"msg\" must be CLIENT.SEQ or "
                    "CLIENT.will, CLIENT the index of a client in the "
                    "header");
  p->origin = (guint32) origin;
  p->seq = (guint32) seq;
  if (will)
    p->flags |= SES_PKT_F_WILL;
  return TRUE;
}

static gboolean
get_flag (Reader *r, JsonObject *o, const char *name, gboolean required,
          guint8 flag, SesPacket *p)
{
  gboolean v = FALSE;
  if (!get_bool (r, o, name, required, &v))
    return FALSE;
  if (v)
    p->flags |= flag;
  return TRUE;
}

static gboolean
get_expiry (Reader *r, JsonObject *o, const char *name, SesPacket *p)
{
  gint64 v = 0;
  gboolean present = FALSE;
  if (!get_int (r, o, name, 0, G_MAXUINT32, FALSE, FALSE, &v, &present))
    return FALSE;
  if (present)
    {
      p->flags |= SES_PKT_F_HAS_EXPIRY;
      p->expiry_s = (guint32) v;
    }
  return TRUE;
}

/* The one code of a SUBACK or UNSUBACK (an array of one). */
static gboolean
get_code (Reader *r, JsonObject *o, const char *name, gboolean required,
          gint64 *out)
{
  JsonArray *a;
  if (!get_array (r, o, name, required, 1, &a))
    return FALSE;
  if (a == NULL)
    return TRUE;
  JsonNode *n = json_array_get_element (a, 0);
  if (!JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_INT64
      || json_node_get_int (n) < 0 || json_node_get_int (n) > 255)
    return fail_at (r, col_of (r, name), "\"%s\" must hold codes 0..255",
                    name);
  *out = json_node_get_int (n);
  return TRUE;
}

static gboolean
read_packet (Reader *r, JsonObject *o, gboolean v5, SesPacket *p)
{
  static const char *const types[] = {
    NULL, "CONNECT", "CONNACK", "PUBLISH", "PUBACK", "PUBREC", "PUBREL",
    "PUBCOMP", "SUBSCRIBE", "SUBACK", "UNSUBSCRIBE", "UNSUBACK", "PINGREQ",
    "PINGRESP", "DISCONNECT",
  };
  guint type = 0;
  if (!get_name (r, o, "type", TRUE, types, G_N_ELEMENTS (types), &type,
                 NULL))
    return FALSE;
  ses_packet_init (p, (SesPacketType) type);
  gint64 id = 0, v = 0, qos = 0;
  const char *s;
  switch (type)
    {
    case SES_PKT_CONNECT:
      {
        SesMqttVersion version;
        if (!get_version (r, o, &version))
          return FALSE;
        v5 = version == SES_MQTT_5;
        p->version = (guint8) version;
        if (!get_str (r, o, "client_id", TRUE, FALSE, &s))
          return FALSE;
        p->client_id = intern (r, s);
        gboolean clean = FALSE;
        if (!get_clean (r, o, version, &clean)
            || !get_int (r, o, "keep_alive_s", 0, G_MAXUINT16, TRUE, FALSE,
                         &v, NULL))
          return FALSE;
        if (clean)
          p->flags |= SES_PKT_F_CLEAN;
        p->keep_alive_s = (guint16) v;
        v = 0;
        if (!get_expiry (r, o, "session_expiry_s", p)
            || !get_int (r, o, "receive_max", 0, G_MAXUINT16, FALSE, FALSE,
                         &v, NULL)
            || !get_will_ref (r, o, "will", &p->will))
          return FALSE;
        p->receive_max = (guint16) v;
        s = NULL;
        if (!get_str (r, o, "protocol_name", FALSE, FALSE, &s))
          return FALSE;
        p->topic = s != NULL ? intern (r, s) : 0;
        break;
      }
    case SES_PKT_CONNACK:
      if (!get_flag (r, o, "session_present", TRUE,
                     SES_PKT_F_SESSION_PRESENT, p)
          || !get_int (r, o, v5 ? "reason_code" : "return_code", 0, 255,
                       TRUE, FALSE, &v, NULL))
        return FALSE;
      p->reason = (guint8) v;
      v = 0;
      if (!get_expiry (r, o, "session_expiry_s", p)
          || !get_int (r, o, "receive_max", 0, G_MAXUINT16, FALSE, FALSE, &v,
                       NULL))
        return FALSE;
      p->receive_max = (guint16) v;
      v = 0;
      if (!get_int (r, o, "server_keep_alive_s", 0, G_MAXUINT16, FALSE,
                    FALSE, &v, NULL))
        return FALSE;
      p->keep_alive_s = (guint16) v;
      s = NULL;
      if (!get_str (r, o, "assigned_client_id", FALSE, FALSE, &s))
        return FALSE;
      if (s != NULL)
        p->client_id = intern (r, s);
      break;
    case SES_PKT_PUBLISH:
      {
        const char *topic, *payload;
        if (!get_int (r, o, "id", 0, G_MAXUINT16, FALSE, FALSE, &id, NULL)
            || !get_int (r, o, "qos", 0, 2, TRUE, FALSE, &qos, NULL)
            || !get_flag (r, o, "dup", TRUE, SES_PKT_F_DUP, p)
            || !get_flag (r, o, "retain", TRUE, SES_PKT_F_RETAIN, p)
            || !get_str (r, o, "topic", TRUE, FALSE, &topic)
            || !get_str (r, o, "payload", TRUE, FALSE, &payload)
            || !get_expiry (r, o, "message_expiry_s", p)
            || !read_msg (r, o, p))
          return FALSE;
        p->packet_id = (guint16) id;
        p->qos = (guint8) qos;
        p->topic = intern (r, topic);
        p->payload = intern (r, payload);
        break;
      }
    case SES_PKT_PUBACK:
    case SES_PKT_PUBREC:
    case SES_PKT_PUBREL:
    case SES_PKT_PUBCOMP:
      if (!get_int (r, o, "id", 0, G_MAXUINT16, TRUE, FALSE, &id, NULL)
          || !get_int (r, o, "reason_code", 0, 255, v5, FALSE, &v, NULL))
        return FALSE;
      p->packet_id = (guint16) id;
      p->reason = (guint8) v;
      break;
    case SES_PKT_SUBSCRIBE:
      {
        JsonArray *filters;
        if (!get_int (r, o, "id", 0, G_MAXUINT16, TRUE, FALSE, &id, NULL)
            || !get_array (r, o, "filters", TRUE, 1, &filters))
          return FALSE;
        JsonNode *n = json_array_get_element (filters, 0);
        if (!JSON_NODE_HOLDS_OBJECT (n))
          return fail_at (r, col_of (r, "filters"), "a filter must be an "
                          "object {\"filter\": ..., \"qos\": ...}");
        if (!get_str (r, json_node_get_object (n), "filter", TRUE, FALSE, &s)
            || !get_int (r, json_node_get_object (n), "qos", 0, 2, TRUE,
                         FALSE, &qos, NULL))
          return FALSE;
        p->packet_id = (guint16) id;
        p->topic = intern (r, s);
        p->qos = (guint8) qos;
        break;
      }
    case SES_PKT_SUBACK:
      if (!get_int (r, o, "id", 0, G_MAXUINT16, TRUE, FALSE, &id, NULL)
          || !get_code (r, o, v5 ? "reason_codes" : "return_codes", TRUE, &v)
          || !get_str (r, o, "filter", FALSE, FALSE, &s))
        return FALSE;
      if (v > 2 && v < 0x80)
        return fail_at (r, col_of (r, v5 ? "reason_codes" : "return_codes"),
                        "a SUBACK code is a granted QoS (0..2) or a failure "
                        "(0x80 and up), not %" G_GINT64_FORMAT, v);
      p->packet_id = (guint16) id;
      if (v >= 0x80)
        p->reason = (guint8) v;
      else
        p->qos = (guint8) v;
      p->topic = s != NULL ? intern (r, s) : 0;
      break;
    case SES_PKT_UNSUBSCRIBE:
      {
        JsonArray *filters;
        if (!get_int (r, o, "id", 0, G_MAXUINT16, TRUE, FALSE, &id, NULL)
            || !get_array (r, o, "filters", TRUE, 1, &filters))
          return FALSE;
        JsonNode *n = json_array_get_element (filters, 0);
        if (!JSON_NODE_HOLDS_VALUE (n)
            || json_node_get_value_type (n) != G_TYPE_STRING)
          return fail_at (r, col_of (r, "filters"), "a filter must be a "
                          "string");
        p->packet_id = (guint16) id;
        p->topic = intern (r, json_node_get_string (n));
        break;
      }
    case SES_PKT_UNSUBACK:
      if (!get_int (r, o, "id", 0, G_MAXUINT16, TRUE, FALSE, &id, NULL)
          || !get_code (r, o, "reason_codes", v5, &v))
        return FALSE;
      p->packet_id = (guint16) id;
      p->reason = (guint8) v;
      break;
    case SES_PKT_DISCONNECT:
      s = NULL;
      if (!get_int (r, o, "reason_code", 0, 255, v5, FALSE, &v, NULL)
          || !get_expiry (r, o, "session_expiry_s", p)
          || !get_str (r, o, "reason_string", FALSE, FALSE, &s))
        return FALSE;
      p->reason = (guint8) v;
      p->payload = s != NULL ? intern (r, s) : 0;
      break;
    default:
      break;
    }
  return TRUE;
}

static gboolean
read_step (Reader *r, JsonObject *o, guint64 *step)
{
  gint64 v = 0;
  if (!get_int (r, o, "step", 0, G_MAXINT64, TRUE, FALSE, &v, NULL))
    return FALSE;
  *step = (guint64) v;
  return TRUE;
}

static gboolean
read_event (Reader *r, JsonObject *o, guint64 step)
{
  if (step != r->last_step + 1)
    return fail_at (r, col_of (r, "step"), "step %" G_GUINT64_FORMAT " where "
                    "step %" G_GUINT64_FORMAT " comes next", step,
                    r->last_step + 1);
  SesObs obs;
  memset (&obs, 0, sizeof obs);
  /* Every kind and cause the model names ("?" past the last one). */
  const char *kinds[64] = { NULL };
  const char *causes[64] = { NULL };
  guint n_kinds = 1, n_causes = 1;
  while (n_kinds < G_N_ELEMENTS (kinds)
         && strcmp (ses_obs_kind_name ((SesObsKind) n_kinds), "?") != 0)
    {
      kinds[n_kinds] = ses_obs_kind_name ((SesObsKind) n_kinds);
      n_kinds++;
    }
  while (n_causes < G_N_ELEMENTS (causes)
         && strcmp (ses_cause_name ((SesCause) n_causes), "?") != 0)
    {
      causes[n_causes] = ses_cause_name ((SesCause) n_causes);
      n_causes++;
    }
  static const char *const sides[] = { "client", "broker" };
  gint64 t = 0, session = 0, arg = 0;
  guint kind = 0, cause = 0, side = 0;
  gboolean has_session = FALSE, side_given = FALSE;
  const char *rule;
  JsonObject *packet;
  if (!get_int (r, o, "t_us", 0, G_MAXINT64, TRUE, FALSE, &t, NULL))
    return FALSE;
  if (t < r->last_time)
    return fail_at (r, col_of (r, "t_us"), "time goes back: %" G_GINT64_FORMAT
                    " us after %" G_GINT64_FORMAT " us", t, r->last_time);
  if (!get_client (r, o, "actor", TRUE, TRUE, &obs.client)
      || !get_name (r, o, "event", TRUE, kinds, n_kinds, &kind, NULL)
      || !get_name (r, o, "side", FALSE, sides, 2, &side, &side_given)
      || !get_int (r, o, "session", 0,
                   (gint64) ses_mqtt_config_n_sessions (r->t->cfg) - 1, FALSE,
                   FALSE, &session, &has_session))
    return FALSE;
  gboolean sided = has_side ((SesObsKind) kind);
  if (sided != side_given)
    return fail_at (r, col_of (r, sided ? "event" : "side"), sided
                    ? "a %s event needs a \"side\"" : "a %s event has no "
                    "\"side\"", kinds[kind]);
  if (sided && obs.client == SES_OBS_BROKER)
    return fail_at (r, col_of (r, "actor"), "a %s event names a client",
                    kinds[kind]);
  if (kind == SES_OBS_FAULT)
    {
      if (!get_name (r, o, "fault", TRUE, fault_names,
                     G_N_ELEMENTS (fault_names), &cause, NULL))
        return FALSE;
    }
  else
    {
      /* A 3.1.1 trace names the clean-start cause after its flag. */
      const char *c;
      if (!get_str (r, o, "cause", FALSE, FALSE, &c))
        return FALSE;
      if (c != NULL && strcmp (c, "clean-session") == 0)
        cause = SES_CAUSE_CLEAN_START;
      else if (!get_name (r, o, "cause", FALSE, causes, n_causes, &cause,
                          NULL))
        return FALSE;
    }
  if (!get_int (r, o, arg_name ((SesObsKind) kind), 0, G_MAXUINT32, FALSE,
                FALSE, &arg, NULL)
      || !get_object (r, o, "packet", FALSE, FALSE, &packet)
      || !get_str (r, o, "rule", FALSE, FALSE, &rule))
    return FALSE;
  obs.time_us = t;
  obs.kind = (guint16) kind;
  obs.cause = (guint16) cause;
  obs.session = has_session ? (guint32) session : G_MAXUINT32;
  obs.by_broker = side == 1;
  obs.arg = (guint32) arg;
  /* As the model records it: the protocol of the client concerned. */
  if (obs.client < ses_mqtt_config_n_clients (r->t->cfg))
    obs.version = (guint8) ses_mqtt_config_client (r->t->cfg,
                                                   obs.client)->version;
  if (packet == NULL)
    obs.pkt.origin = G_MAXUINT32;
  else
    {
      gboolean v5 = TRUE;
      guint n = ses_mqtt_config_n_clients (r->t->cfg);
      if (obs.client < n || n > 0)
        v5 = ses_mqtt_config_client (r->t->cfg, obs.client < n ? obs.client
                                                              : 0)->version
             == SES_MQTT_5;
      if (!read_packet (r, packet, v5, &obs.pkt))
        return FALSE;
    }
  obs.rule = rule != NULL ? g_string_chunk_insert_const (r->t->rules, rule)
                          : NULL;
  g_array_append_val (r->t->obs, obs);
  r->last_step = step;
  r->last_time = t;
  return TRUE;
}

static gboolean
read_violation (Reader *r, JsonObject *o, guint64 step)
{
  const char *names[SES_INV_COUNT];
  for (guint i = 0; i < SES_INV_COUNT; i++)
    names[i] = ses_invariant_name ((SesInvariantId) i);
  guint id = 0;
  SesTraceViolation v = { 0 };
  if (!get_name (r, o, "invariant", TRUE, names, SES_INV_COUNT, &id, NULL)
      || !get_bool (r, o, "expected", TRUE, &v.expected))
    return FALSE;
  if (step > r->last_step + 1)
    return fail_at (r, col_of (r, "step"), "a violation at step %"
                    G_GUINT64_FORMAT ", after step %" G_GUINT64_FORMAT,
                    step, r->last_step);
  v.id = (SesInvariantId) id;
  v.step = step;
  g_array_append_val (r->t->violations, v);
  return TRUE;
}

static gboolean
read_end (Reader *r, JsonObject *o, guint64 step)
{
  gint64 t = 0;
  if (step != r->last_step + 1)
    return fail_at (r, col_of (r, "step"), "the end is step %"
                    G_GUINT64_FORMAT ", one after the last event, not %"
                    G_GUINT64_FORMAT, r->last_step + 1, step);
  if (!get_int (r, o, "t_us", r->last_time, G_MAXINT64, TRUE, FALSE, &t, NULL)
      || !get_bool (r, o, "complete", TRUE, &r->t->complete))
    return FALSE;
  r->t->has_end = TRUE;
  r->t->end_us = t;
  r->end_seen = TRUE;
  return TRUE;
}

/* Refuses nesting deeper than a trace ever needs before json-glib sees
 * the line, so no input can exhaust the stack. */
static gboolean
check_depth (Reader *r)
{
  guint depth = 0;
  gboolean in_string = FALSE;
  for (const char *p = r->line; *p; p++)
    {
      if (in_string)
        {
          if (*p == '\\' && p[1] != '\0')
            p++;
          else if (*p == '"')
            in_string = FALSE;
          continue;
        }
      if (*p == '"')
        in_string = TRUE;
      else if (*p == '{' || *p == '[')
        {
          if (++depth > 16)
            return fail_at (r, (guint) g_utf8_pointer_to_offset (r->line, p)
                                 + 1, "nested too deeply");
        }
      else if ((*p == '}' || *p == ']') && depth > 0)
        depth--;
    }
  return TRUE;
}

/* Turns json-glib's "<data>:LINE:COL: Parse error: ..." into ours. */
static gboolean
parse_failed (Reader *r, const GError *e)
{
  guint line = 0, col = 0;
  int used = 0;
  const char *m = e->message;
  const char *colon = strstr (m, ">:");
  if (colon != NULL
      && sscanf (colon + 2, "%u:%u: %n", &line, &col, &used) == 2 && used > 0)
    {
      m = colon + 2 + used;
      if (g_str_has_prefix (m, "Parse error: "))
        m += strlen ("Parse error: ");
    }
  else
    col = 1;
  return fail_at (r, col, "not JSON: %s", m);
}

static gboolean
read_line (Reader *r, JsonParser *parser)
{
  if (!g_utf8_validate (r->line, -1, NULL))
    {
      const char *end;
      g_utf8_validate (r->line, -1, &end);
      return fail_at (r, (guint) (end - r->line) + 1, "not valid UTF-8");
    }
  if (!check_depth (r))
    return FALSE;
  g_autoptr (GError) e = NULL;
  if (!json_parser_load_from_data (parser, r->line, -1, &e))
    return parse_failed (r, e);
  JsonNode *root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return fail_at (r, 1, "a record must be a JSON object");
  JsonObject *o = json_node_get_object (root);
  const char *type;
  guint64 step = 0;
  if (!get_str (r, o, "type", TRUE, FALSE, &type) || !read_step (r, o, &step))
    return FALSE;
  if (!r->header_seen)
    {
      if (strcmp (type, "header") != 0)
        return fail_at (r, col_of (r, "type"), "a trace opens with its "
                        "header record, not '%s'", type);
      if (step != 0)
        return fail_at (r, col_of (r, "step"), "the header is step 0");
      r->header_seen = TRUE;
      return read_header (r, o);
    }
  if (r->end_seen)
    return fail_at (r, 1, "a record after the end record");
  if (strcmp (type, "header") == 0)
    return fail_at (r, col_of (r, "type"), "a second header record");
  if (strcmp (type, "event") == 0)
    return read_event (r, o, step);
  if (strcmp (type, "violation") == 0)
    return read_violation (r, o, step);
  if (strcmp (type, "end") == 0)
    return read_end (r, o, step);
  /* "expectation" records and record types added later (session
   * snapshots, ...) say nothing the judge needs. */
  if (step > r->last_step + 1)
    return fail_at (r, col_of (r, "step"), "step %" G_GUINT64_FORMAT " is "
                    "ahead of the events (last %" G_GUINT64_FORMAT ")", step,
                    r->last_step);
  return TRUE;
}

void
ses_tracejson_free (SesTraceJson *t)
{
  if (t == NULL)
    return;
  g_free (t->program_version);
  g_free (t->scenario);
  g_free (t->sha256);
  ses_mqtt_config_unref (t->cfg);
  g_array_unref (t->obs);
  g_array_unref (t->violations);
  g_string_chunk_free (t->rules);
  g_free (t);
}

SesTraceJson *
ses_tracejson_read (const char *path, const char *text, gsize length,
                    GError **error)
{
  g_autoptr (SesTraceJson) t = g_new0 (SesTraceJson, 1);
  t->cfg = ses_mqtt_config_new ();
  t->obs = g_array_new (FALSE, FALSE, sizeof (SesObs));
  t->violations = g_array_new (FALSE, FALSE, sizeof (SesTraceViolation));
  t->rules = g_string_chunk_new (256);
  g_autoptr (GHashTable) labels = g_hash_table_new_full (g_str_hash,
                                                         g_str_equal, g_free,
                                                         NULL);
  g_autoptr (JsonParser) parser = json_parser_new ();
  Reader r = { .path = path, .error = error, .t = t, .labels = labels };
  gsize at = 0;
  while (at < length)
    {
      const char *nl = memchr (text + at, '\n', length - at);
      gsize end = nl != NULL ? (gsize) (nl - text) : length;
      g_autofree char *line = g_strndup (text + at, end - at);
      r.lineno++;
      r.line = line;
      if (strlen (line) != end - at)
        {
          fail_at (&r, (guint) strlen (line) + 1, "a NUL byte");
          return NULL;
        }
      if (line[0] != '\0' && !read_line (&r, parser))
        return NULL;
      r.line = NULL;
      at = end + 1;
    }
  if (!r.header_seen)
    {
      r.lineno = MAX (r.lineno, 1);
      fail_at (&r, 1, "empty trace: no header record");
      return NULL;
    }
  if (!t->has_end)
    t->end_us = r.last_time;
  return g_steal_pointer (&t);
}

SesTraceJson *
ses_tracejson_read_file (const char *path, GError **error)
{
  g_autofree char *text = NULL;
  gsize length = 0;
  g_autoptr (GError) e = NULL;
  if (!g_file_get_contents (path, &text, &length, &e))
    {
      /* GLib's message repeats the path, in typographic quotes. */
      const char *why = e->code == G_FILE_ERROR_NOENT
                            ? "No such file or directory"
                        : e->code == G_FILE_ERROR_ACCES ? "Permission denied"
                        : e->code == G_FILE_ERROR_ISDIR ? "Is a directory"
                                                        : e->message;
      g_set_error (error, SES_ERROR, SES_ERROR_IO, "%s: cannot read: %s",
                   path, why);
      return NULL;
    }
  return ses_tracejson_read (path, text, length, error);
}

char *
ses_tracejson_rewrite (const SesTraceJson *t)
{
  g_autoptr (SesTraceWriter) w = ses_trace_writer_new (t->cfg);
  SesTraceHeader h = {
    .program_version = t->program_version, .scenario = t->scenario,
    .sha256 = t->sha256, .seed = t->seed, .disabled = t->disabled,
    .expected = t->expected,
  };
  ses_trace_writer_header (w, &h);
  for (guint i = 0; i < t->obs->len; i++)
    ses_trace_writer_obs (w, i + 1, &g_array_index (t->obs, SesObs, i));
  return ses_trace_writer_finish (w);
}
