/* Settings varied in a scenario's text, and the measures compared across
 * the runs. Invariant: every measure comes from the observation log and
 * the snapshots only, counted without hash-table order, so the same runs
 * give the same table. */
#include "compare.h"

#include <string.h>
#include "error.h"
#include "topic.h"

void
ses_vary_clear (gpointer data)
{
  SesVary *v = data;
  g_clear_pointer (&v->target, g_free);
  g_clear_pointer (&v->key, g_free);
  g_clear_pointer (&v->values, g_ptr_array_unref);
}

gboolean
ses_vary_parse (const char *text, SesVary *out, GError **error)
{
  const char *dot = strchr (text, '.');
  const char *eq = strchr (text, '=');
  if (dot == NULL || eq == NULL || dot > eq || dot == text || eq == dot + 1
      || eq[1] == '\0')
    {
      g_set_error (error, SES_ERROR, SES_ERROR_INVALID,
                   "--vary %s: expected TARGET.SETTING=VALUE,VALUE,... "
                   "(TARGET: a client's name or broker)", text);
      return FALSE;
    }
  *out = (SesVary) {
    .target = g_strndup (text, dot - text),
    .key = g_strndup (dot + 1, eq - dot - 1),
    .values = g_ptr_array_new_with_free_func (g_free),
  };
  g_auto (GStrv) parts = g_strsplit (eq + 1, ",", -1);
  for (guint i = 0; parts[i] != NULL; i++)
    {
      if (parts[i][0] == '\0')
        {
          g_set_error (error, SES_ERROR, SES_ERROR_INVALID,
                       "--vary %s: an empty value", text);
          ses_vary_clear (out);
          return FALSE;
        }
      g_ptr_array_add (out->values, g_strdup (parts[i]));
    }
  return TRUE;
}

/* Where each word of a line starts and ends, a quoted string being one
 * word. */
static GArray *
words (const char *line, gsize len)
{
  GArray *out = g_array_new (FALSE, FALSE, sizeof (gsize) * 2);
  gsize i = 0;
  while (i < len)
    {
      while (i < len && (line[i] == ' ' || line[i] == '\t'))
        i++;
      if (i >= len || line[i] == '#')
        break;
      gsize start = i;
      gboolean quoted = FALSE;
      while (i < len && (quoted || (line[i] != ' ' && line[i] != '\t')))
        {
          if (line[i] == '\\' && quoted && i + 1 < len)
            i++;
          else if (line[i] == '"')
            quoted = !quoted;
          i++;
        }
      gsize span[2] = { start, i };
      g_array_append_val (out, span);
    }
  return out;
}

static gboolean
word_is (const char *line, const gsize *span, const char *want)
{
  gsize n = span[1] - span[0];
  return n == strlen (want) && strncmp (line + span[0], want, n) == 0;
}

/* Sets key=value on one line (len bytes, no newline); NULL if it is not
 * the declaration of target. */
static char *
set_on_line (const char *line, gsize len, const char *target,
             const char *key, const char *value)
{
  g_autoptr (GArray) w = words (line, len);
  gboolean broker = strcmp (target, "broker") == 0;
  if (w->len < (broker ? 1u : 2u)
      || !word_is (line, &g_array_index (w, gsize, 0),
                   broker ? "broker" : "client")
      || (!broker && !word_is (line, &g_array_index (w, gsize, 2), target)))
    return NULL;
  g_autofree char *prefix = g_strdup_printf ("%s=", key);
  GString *out = g_string_new_len (line, len);
  for (guint i = broker ? 1 : 2; i < w->len; i++)
    {
      const gsize *span = &g_array_index (w, gsize, 2 * i);
      if (span[1] - span[0] > strlen (prefix)
          && strncmp (line + span[0], prefix, strlen (prefix)) == 0)
        {
          g_string_erase (out, span[0], span[1] - span[0]);
          g_autofree char *kv = g_strdup_printf ("%s=%s", key, value);
          g_string_insert (out, span[0], kv);
          return g_string_free (out, FALSE);
        }
    }
  /* Before a trailing comment, if any. */
  gsize end = w->len > 0 ? g_array_index (w, gsize, 2 * (w->len - 1) + 1)
                         : len;
  g_autofree char *kv = g_strdup_printf (" %s=%s", key, value);
  g_string_insert (out, end, kv);
  return g_string_free (out, FALSE);
}

char *
ses_compare_apply (const char *source, const char *target, const char *key,
                   const char *value, GError **error)
{
  GString *out = g_string_new (NULL);
  gboolean done = FALSE, broker = strcmp (target, "broker") == 0;
  gsize broker_at = G_MAXSIZE; /* where to add a broker line */
  for (const char *p = source; *p;)
    {
      const char *nl = strchr (p, '\n');
      gsize len = nl != NULL ? (gsize) (nl - p) : strlen (p);
      char *changed = done ? NULL : set_on_line (p, len, target, key, value);
      if (changed != NULL)
        {
          g_string_append (out, changed);
          g_free (changed);
          done = TRUE;
        }
      else
        {
          /* A broker line belongs after the header, before the clients. */
          g_autoptr (GArray) w = words (p, len);
          if (broker && broker_at == G_MAXSIZE && w->len > 0
              && (word_is (p, &g_array_index (w, gsize, 0), "client")
                  || word_is (p, &g_array_index (w, gsize, 0), "at")))
            broker_at = out->len;
          g_string_append_len (out, p, len);
        }
      if (nl == NULL)
        break;
      g_string_append_c (out, '\n');
      p = nl + 1;
    }
  if (!done && broker)
    {
      g_autofree char *line = g_strdup_printf ("broker %s=%s\n", key, value);
      g_string_insert (out, broker_at != G_MAXSIZE ? broker_at : out->len,
                       line);
      done = TRUE;
    }
  if (!done)
    {
      g_set_error (error, SES_ERROR, SES_ERROR_INVALID,
                   "--vary: the scenario declares no client %s", target);
      g_string_free (out, TRUE);
      return NULL;
    }
  return g_string_free (out, FALSE);
}

void
ses_compare_row_clear (SesCompareRow *row)
{
  g_clear_pointer (&row->session_present, g_free);
  g_clear_pointer (&row->broken, g_free);
}

static char *
copy_key (guint32 client, const SesPacket *p)
{
  return g_strdup_printf ("%u:%u:%u:%u", client, p->origin, p->seq,
                          (p->flags & SES_PKT_F_WILL) ? 1 : 0);
}

typedef struct {
  guint32 client;
  guint32 filter;
  gboolean on;
} Intent;

static void
free_string (gpointer s)
{
  g_string_free (s, TRUE);
}

void
ses_compare_measure (SesCompareRow *row, SesMqtt *mqtt,
                     const SesSnapshots *snaps)
{
  SesMqttConfig *cfg = ses_mqtt_config (mqtt);
  const SesIntern *strings = ses_mqtt_config_strings (cfg);
  const GPtrArray *labels = ses_mqtt_config_labels (cfg);
  const GArray *log = ses_mqtt_log (mqtt);
  guint n_clients = ses_mqtt_config_n_clients (cfg);
  /* Lookup only: sizes are counted, never iterated in order. */
  g_autoptr (GHashTable) wanted = g_hash_table_new_full (g_str_hash,
                                                         g_str_equal, g_free,
                                                         NULL);
  g_autoptr (GHashTable) got = g_hash_table_new_full (g_str_hash, g_str_equal,
                                                      g_free, NULL);
  g_autoptr (GHashTable) dropped = g_hash_table_new_full (g_str_hash,
                                                          g_str_equal, g_free,
                                                          NULL);
  g_autoptr (GPtrArray) wanted_list = g_ptr_array_new (); /* the keys */
  g_autoptr (GArray) intents = g_array_new (FALSE, FALSE, sizeof (Intent));
  g_autoptr (GPtrArray) sp = g_ptr_array_new_with_free_func (free_string);
  for (guint c = 0; c < n_clients; c++)
    g_ptr_array_add (sp, g_string_new (NULL));
  row->delivered = row->duplicated = row->dropped = 0;
  for (guint i = 0; i < log->len; i++)
    {
      const SesObs *o = &g_array_index (log, SesObs, i);
      const SesPacket *p = &o->pkt;
      gboolean client_sends = o->kind == SES_OBS_SEND && !o->by_broker
                              && o->client < n_clients;
      if (client_sends && (p->type == SES_PKT_SUBSCRIBE
                           || p->type == SES_PKT_UNSUBSCRIBE))
        {
          gboolean found = FALSE;
          for (guint k = 0; k < intents->len; k++)
            {
              Intent *in = &g_array_index (intents, Intent, k);
              if (in->client == o->client && in->filter == p->topic)
                {
                  in->on = p->type == SES_PKT_SUBSCRIBE;
                  found = TRUE;
                }
            }
          if (!found && p->type == SES_PKT_SUBSCRIBE)
            {
              Intent in = { o->client, p->topic, TRUE };
              g_array_append_val (intents, in);
            }
        }
      /* A message enters the world when its publisher first sends it, or
       * when the broker publishes a will. */
      gboolean published = (client_sends && p->type == SES_PKT_PUBLISH
                            && !(p->flags & SES_PKT_F_DUP))
                           || o->kind == SES_OBS_WILL_PUBLISHED;
      if (published)
        {
          const char *topic = ses_intern_get (strings, p->topic);
          for (guint c = 0; c < n_clients; c++)
            for (guint k = 0; k < intents->len; k++)
              {
                const Intent *in = &g_array_index (intents, Intent, k);
                if (in->client != c || !in->on
                    || !ses_topic_matches (ses_intern_get (strings,
                                                           in->filter),
                                           topic))
                  continue;
                char *w = copy_key (c, p);
                if (g_hash_table_add (wanted, w))
                  g_ptr_array_add (wanted_list, w);
                break;
              }
        }
      if (o->kind == SES_OBS_DELIVER && o->client < n_clients)
        {
          row->delivered++;
          if (!g_hash_table_add (got, copy_key (o->client, p)))
            row->duplicated++;
        }
      if ((o->kind == SES_OBS_POLICY_DROP || o->kind == SES_OBS_EXPIRED)
          && o->client < n_clients)
        {
          row->dropped++;
          g_hash_table_add (dropped, copy_key (o->client, p));
        }
      if (o->kind == SES_OBS_RECEIVE && !o->by_broker && o->client < n_clients
          && p->type == SES_PKT_CONNACK)
        {
          GString *s = g_ptr_array_index (sp, o->client);
          g_string_append_printf (s, "%s%d", s->len ? "," : "",
                                  (p->flags & SES_PKT_F_SESSION_PRESENT) ? 1
                                                                          : 0);
        }
    }
  /* Lost: wanted, never delivered, not dropped by a setting. */
  row->lost = 0;
  for (guint k = 0; k < wanted_list->len; k++)
    {
      const char *key = g_ptr_array_index (wanted_list, k);
      if (!g_hash_table_contains (got, key)
          && !g_hash_table_contains (dropped, key))
        row->lost++;
    }
  GString *present = g_string_new (NULL);
  for (guint c = 0; c < n_clients; c++)
    {
      GString *s = g_ptr_array_index (sp, c);
      if (s->len > 0)
        g_string_append_printf (present, "%s%s %s", present->len ? "; " : "",
                                (char *) g_ptr_array_index (labels, c),
                                s->str);
    }
  g_free (row->session_present);
  row->session_present = g_string_free (present, FALSE);
  row->peak_messages = row->peak_bytes = 0;
  const GPtrArray *list = snaps != NULL ? ses_snapshots_list (snaps) : NULL;
  for (guint k = 0; list != NULL && k < list->len; k++)
    {
      const SesSnapshot *s = g_ptr_array_index (list, k);
      guint msgs = 0, bytes = 0;
      for (guint i = 0; i < s->sessions->len; i++)
        {
          const SesSnapSession *ss = &g_array_index (s->sessions,
                                                     SesSnapSession, i);
          const GArray *held[] = { ss->unacked, ss->waiting, ss->incoming };
          for (guint h = 0; h < G_N_ELEMENTS (held); h++)
            for (guint m = 0; m < held[h]->len; m++)
              {
                const SesSnapMsg *sm = &g_array_index (held[h], SesSnapMsg, m);
                msgs++;
                bytes += (sm->topic ? strlen (sm->topic) : 0)
                         + (sm->payload ? strlen (sm->payload) : 0);
              }
        }
      if (msgs > row->peak_messages
          || (msgs == row->peak_messages && bytes > row->peak_bytes))
        {
          row->peak_messages = msgs;
          row->peak_bytes = bytes;
        }
    }
}
