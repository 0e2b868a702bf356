/* The MQTT test fixture; see mqtt-fixture.h. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "mqtt-fixture.h"

Fx *
fx_new (void)
{
  Fx *fx = g_new0 (Fx, 1);
  fx->cfg = ses_mqtt_config_new ();
  fx->actions = g_array_new (FALSE, TRUE, sizeof (SesAction));
  return fx;
}

void
fx_free (Fx *fx)
{
  if (fx == NULL)
    return;
  ses_world_free (fx->world);
  ses_mqtt_config_unref (fx->cfg);
  g_array_unref (fx->actions);
  g_free (fx);
}

guint32
fx_str (Fx *fx, const char *s)
{
  return ses_mqtt_config_intern (fx->cfg, s);
}

guint
fx_client (Fx *fx, const char *label, const char *client_id,
           SesMqttVersion version, gboolean clean, gint64 expiry_s)
{
  SesClientConfig c;
  ses_client_config_init (&c, version);
  c.clean = clean;
  c.has_expiry = expiry_s >= 0;
  c.expiry_s = expiry_s >= 0 ? (guint32) expiry_s : 0;
  c.latency_us = 10 * SES_US_PER_MS;
  /* The rule tests watch the broker keep or drop what the script did; an
   * application that subscribes again on its own would blur that. */
  c.resubscribe = SES_RESUBSCRIBE_NEVER;
  return ses_mqtt_config_add_client (fx->cfg, label, client_id, &c);
}

SesClientConfig *
fx_client_config (Fx *fx, guint client)
{
  /* The configuration is still being built: editing in place is safe. */
  return (SesClientConfig *) ses_mqtt_config_client (fx->cfg, client);
}

guint32
fx_will (Fx *fx, guint client, const char *topic, const char *payload,
         guint8 qos, guint32 delay_s)
{
  SesWill will = { .topic = fx_str (fx, topic), .payload = fx_str (fx, payload),
                   .qos = qos, .delay_s = delay_s };
  guint32 id = ses_mqtt_config_add_will (fx->cfg, &will);
  fx_client_config (fx, client)->will = id;
  return id;
}

SesAction *
fx_act (Fx *fx, gint64 at_ms, guint client, SesActionKind kind)
{
  GArray *a = fx->actions;
  g_array_set_size (a, a->len + 1);
  SesAction *act = &g_array_index (a, SesAction, a->len - 1);
  act->at_us = at_ms * SES_US_PER_MS;
  act->client = client;
  act->kind = kind;
  return act;
}

SesAction *
fx_connect (Fx *fx, gint64 at_ms, guint client)
{
  return fx_act (fx, at_ms, client, SES_ACT_CONNECT);
}

SesAction *
fx_disconnect (Fx *fx, gint64 at_ms, guint client)
{
  return fx_act (fx, at_ms, client, SES_ACT_DISCONNECT);
}

SesAction *
fx_subscribe (Fx *fx, gint64 at_ms, guint client, const char *filter,
              guint8 qos)
{
  guint32 f = fx_str (fx, filter);
  SesAction *a = fx_act (fx, at_ms, client, SES_ACT_SUBSCRIBE);
  a->topic = f;
  a->qos = qos;
  return a;
}

SesAction *
fx_unsubscribe (Fx *fx, gint64 at_ms, guint client, const char *filter)
{
  guint32 f = fx_str (fx, filter);
  SesAction *a = fx_act (fx, at_ms, client, SES_ACT_UNSUBSCRIBE);
  a->topic = f;
  return a;
}

SesAction *
fx_publish (Fx *fx, gint64 at_ms, guint client, const char *topic, guint8 qos,
            const char *payload)
{
  guint32 t = fx_str (fx, topic), p = fx_str (fx, payload);
  SesAction *a = fx_act (fx, at_ms, client, SES_ACT_PUBLISH);
  a->topic = t;
  a->payload = p;
  a->qos = qos;
  return a;
}

SesMqtt *
fx_run (Fx *fx, gint64 until_ms)
{
  g_assert (fx->world == NULL);
  GArray *a = fx->actions;
  for (guint i = 0; i < a->len; i++)
    ses_mqtt_config_add_action (fx->cfg, &g_array_index (a, SesAction, i));
  fx->world = ses_mqtt_world_new (fx->cfg, 1);
  ses_world_run (fx->world, until_ms * SES_US_PER_MS);
  return ses_mqtt_from_world (fx->world);
}

void
fx_run_more (Fx *fx, gint64 until_ms)
{
  ses_world_run (fx->world, until_ms * SES_US_PER_MS);
}

SesMqtt *
fx_mqtt (Fx *fx)
{
  return ses_mqtt_from_world (fx->world);
}

GPtrArray *
fx_find (Fx *fx, SesObsKind kind, guint client)
{
  GPtrArray *out = g_ptr_array_new ();
  const GArray *log = ses_mqtt_log (fx_mqtt (fx));
  for (guint i = 0; i < log->len; i++)
    {
      const SesObs *o = &g_array_index (log, SesObs, i);
      if (o->kind == kind && (client == G_MAXUINT || o->client == client))
        g_ptr_array_add (out, (gpointer) o);
    }
  return out;
}

guint
fx_count (Fx *fx, SesObsKind kind, guint client)
{
  g_autoptr (GPtrArray) found = fx_find (fx, kind, client);
  return found->len;
}

char *
fx_delivered (Fx *fx, guint client)
{
  g_autoptr (GPtrArray) found = fx_find (fx, SES_OBS_DELIVER, client);
  GString *out = g_string_new (NULL);
  SesIntern *strings = ses_mqtt_config_strings (fx->cfg);
  for (guint i = 0; i < found->len; i++)
    {
      const SesObs *o = g_ptr_array_index (found, i);
      if (i > 0)
        g_string_append_c (out, ' ');
      g_string_append (out, ses_intern_get (strings, o->pkt.payload));
    }
  return g_string_free (out, FALSE);
}

GPtrArray *
fx_packets (Fx *fx, SesObsKind kind, gboolean by_broker, guint client,
            SesPacketType type)
{
  GPtrArray *out = g_ptr_array_new ();
  const GArray *log = ses_mqtt_log (fx_mqtt (fx));
  for (guint i = 0; i < log->len; i++)
    {
      const SesObs *o = &g_array_index (log, SesObs, i);
      if (o->kind == kind && o->by_broker == by_broker && o->client == client
          && o->pkt.type == type)
        g_ptr_array_add (out, (gpointer) o);
    }
  return out;
}

int
fx_session_present (Fx *fx, guint client, guint n)
{
  g_autoptr (GPtrArray) acks = fx_packets (fx, SES_OBS_RECEIVE, FALSE, client,
                                           SES_PKT_CONNACK);
  if (n >= acks->len)
    return -1;
  const SesObs *o = g_ptr_array_index (acks, n);
  return (o->pkt.flags & SES_PKT_F_SESSION_PRESENT) ? 1 : 0;
}

char *
fx_log (Fx *fx)
{
  return ses_mqtt_log_text (fx_mqtt (fx));
}

void
fx_print_log (Fx *fx)
{
  if (fx->world == NULL)
    return;
  char *log = fx_log (fx);
  char **lines = g_strsplit (log, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    if (lines[i][0] != '\0')
      print_error ("%s\n", lines[i]);
  g_strfreev (lines);
  g_free (log);
}

void
fx_fail (Fx *fx, const char *what, const char *file, int line)
{
  fx_print_log (fx);
  print_error ("%s:%d: assertion failed: %s\n", file, line, what);
  _fail (file, line);
}
