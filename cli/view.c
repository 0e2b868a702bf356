/* What run and replay print of a long run: the filters of the text
 * timeline and trace.txt (clients, kinds of packet or record, a time
 * window), readable times and colour. Only presentation: the judge, the
 * summary and trace.jsonl see every step, and a shown step keeps the
 * number it has in the full trace, so "step N" means one step everywhere. */
#include "sessim-config.h"

#include <glib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common.h"
#include "packet.h"
#include "scenario.h"
#include "view.h"

gboolean cli_color_out = FALSE, cli_color_err = FALSE;

GOptionEntry *
cli_view_entries (CliViewArgs *a)
{
  /* One set of entries per args: run and replay each parse once. */
  static GOptionEntry e[7];
  GOptionEntry init[] = {
    { "only", 0, 0, G_OPTION_ARG_STRING, &a->only,
      "Print only the steps of these clients (and the broker-wide ones), by "
      "label, comma-separated", "CLIENT[,CLIENT]" },
    { "hide", 0, 0, G_OPTION_ARG_STRING, &a->hide,
      "Do not print these packets (ping, publish, puback, ...) or records "
      "(note, routed, ...), comma-separated", "KIND[,KIND]" },
    { "from", 0, 0, G_OPTION_ARG_STRING, &a->from,
      "Print only the steps at or after this virtual time (30m, 10m1s)",
      "TIME" },
    { "to", 0, 0, G_OPTION_ARG_STRING, &a->to,
      "Print only the steps at or before this virtual time", "TIME" },
    { "times", 0, 0, G_OPTION_ARG_STRING, &a->times,
      "How times read in the timeline and trace.txt: seconds (default, "
      "1802.010000s) or readable (30m02.010s)", "FORM" },
    { "color", 0, 0, G_OPTION_ARG_STRING, &a->color,
      "Colour broken invariants red and faults yellow: auto (default: on a "
      "terminal, unless NO_COLOR is set), always or never", "WHEN" },
    { NULL },
  };
  memcpy (e, init, sizeof init);
  return e;
}

void
cli_view_args_clear (CliViewArgs *a)
{
  g_clear_pointer (&a->only, g_free);
  g_clear_pointer (&a->hide, g_free);
  g_clear_pointer (&a->from, g_free);
  g_clear_pointer (&a->to, g_free);
  g_clear_pointer (&a->times, g_free);
  g_clear_pointer (&a->color, g_free);
}

void
cli_view_clear (CliView *v)
{
  g_clear_pointer (&v->only, g_strfreev);
  g_clear_pointer (&v->only_index, g_free);
  g_clear_pointer (&v->what, g_free);
}

/* The words --hide takes: "ping", the packet types in lower case, and the
 * names of the records (as the trace prints them). NULL-terminated.
 * (transfer container) */
static const char **
hide_words (void)
{
  GPtrArray *w = g_ptr_array_new ();
  static char lower[SES_PKT_DISCONNECT + 1][16];
  g_ptr_array_add (w, (gpointer) "ping");
  for (int t = SES_PKT_CONNECT; t <= SES_PKT_DISCONNECT; t++)
    {
      g_strlcpy (lower[t], ses_packet_type_name ((SesPacketType) t),
                 sizeof lower[t]);
      for (char *p = lower[t]; *p; p++)
        *p = g_ascii_tolower (*p);
      g_ptr_array_add (w, lower[t]);
    }
  for (int k = SES_OBS_SEND; k <= SES_OBS_CUT_LOST; k++)
    g_ptr_array_add (w, (gpointer) ses_obs_kind_name ((SesObsKind) k));
  g_ptr_array_add (w, NULL);
  return (const char **) g_ptr_array_free (w, FALSE);
}

static gboolean
parse_hide (const char *text, CliView *v)
{
  g_auto (GStrv) words = g_strsplit (text, ",", -1);
  g_autofree const char **known = hide_words ();
  if (words[0] == NULL)
    {
      cli_usage_error ("--hide takes packet kinds or record names, "
                       "comma-separated, not an empty list");
      return FALSE;
    }
  for (guint i = 0; words[i] != NULL; i++)
    {
      const char *w = words[i];
      gboolean found = FALSE;
      if (strcmp (w, "ping") == 0)
        {
          v->hide_packets |= (1u << SES_PKT_PINGREQ) | (1u << SES_PKT_PINGRESP);
          continue;
        }
      for (int t = SES_PKT_CONNECT; t <= SES_PKT_DISCONNECT && !found; t++)
        if (g_ascii_strcasecmp (w, ses_packet_type_name ((SesPacketType) t))
            == 0)
          {
            v->hide_packets |= 1u << t;
            found = TRUE;
          }
      for (int k = SES_OBS_SEND; k <= SES_OBS_CUT_LOST && !found; k++)
        if (strcmp (w, ses_obs_kind_name ((SesObsKind) k)) == 0)
          {
            v->hide_kinds |= G_GUINT64_CONSTANT (1) << k;
            found = TRUE;
          }
      if (found)
        continue;
      const char *near = w[0] != '\0' ? ses_nearest_word (w, known) : NULL;
      if (near != NULL)
        cli_usage_error ("--hide: unknown kind '%s' (did you mean '%s'?)", w,
                         near);
      else
        cli_usage_error ("--hide takes packet kinds (ping, connect, publish, "
                         "puback, ...) or record names (note, routed, ...), "
                         "comma-separated, not '%s'", w);
      return FALSE;
    }
  return TRUE;
}

static gboolean
parse_time (const char *option, const char *text, SesTime *out)
{
  *out = SES_TIME_NONE;
  if (text == NULL)
    return TRUE;
  const char *why = NULL;
  if (ses_parse_duration (text, FALSE, out, NULL, &why))
    return TRUE;
  cli_usage_error ("%s %s: %s (a time such as 30m, 10m1s or 1500ms)", option,
                   text, why);
  return FALSE;
}

gboolean
cli_view_parse (const CliViewArgs *a, CliView *v)
{
  *v = (CliView) { .from = SES_TIME_NONE, .to = SES_TIME_NONE };
  if (a->times == NULL || strcmp (a->times, "seconds") == 0)
    v->readable = FALSE;
  else if (strcmp (a->times, "readable") == 0)
    v->readable = TRUE;
  else
    {
      cli_usage_error ("--times takes seconds or readable, not '%s'",
                       a->times);
      return FALSE;
    }
  if (a->color == NULL || strcmp (a->color, "auto") == 0)
    v->color = CLI_COLOR_AUTO;
  else if (strcmp (a->color, "always") == 0)
    v->color = CLI_COLOR_ALWAYS;
  else if (strcmp (a->color, "never") == 0)
    v->color = CLI_COLOR_NEVER;
  else
    {
      cli_usage_error ("--color takes auto, always or never, not '%s'",
                       a->color);
      return FALSE;
    }
  if (!parse_time ("--from", a->from, &v->from)
      || !parse_time ("--to", a->to, &v->to))
    return FALSE;
  if (v->from != SES_TIME_NONE && v->to != SES_TIME_NONE && v->from > v->to)
    {
      cli_usage_error ("--from %s is after --to %s", a->from, a->to);
      return FALSE;
    }
  if (a->hide != NULL && !parse_hide (a->hide, v))
    return FALSE;
  if (a->only != NULL)
    {
      v->only = g_strsplit (a->only, ",", -1);
      if (v->only[0] == NULL)
        {
          cli_usage_error ("--only takes client labels, comma-separated, "
                           "not an empty list");
          return FALSE;
        }
      for (guint i = 0; v->only[i] != NULL; i++)
        if (v->only[i][0] == '\0')
          {
            cli_usage_error ("--only takes client labels, comma-separated, "
                             "not '%s'", a->only);
            return FALSE;
          }
    }
  GString *what = g_string_new (NULL);
  if (a->only != NULL)
    g_string_append_printf (what, " --only %s", a->only);
  if (a->hide != NULL)
    g_string_append_printf (what, " --hide %s", a->hide);
  if (a->from != NULL)
    g_string_append_printf (what, " --from %s", a->from);
  if (a->to != NULL)
    g_string_append_printf (what, " --to %s", a->to);
  if (what->len > 0)
    {
      g_string_erase (what, 0, 1);
      v->what = g_string_free (what, FALSE);
    }
  else
    g_string_free (what, TRUE);
  return TRUE;
}

gboolean
cli_view_bind (CliView *v, SesMqttConfig *cfg, const char *scenario)
{
  if (v->only == NULL)
    return TRUE;
  const GPtrArray *labels = ses_mqtt_config_labels (cfg);
  g_free (v->only_index);
  v->n_clients = labels->len;
  v->only_index = g_new0 (gboolean, labels->len + 1);
  for (guint i = 0; v->only[i] != NULL; i++)
    {
      guint k = 0;
      while (k < labels->len
             && strcmp (g_ptr_array_index (labels, k), v->only[i]) != 0)
        k++;
      if (k < labels->len)
        {
          v->only_index[k] = TRUE;
          continue;
        }
      g_autoptr (GString) names = g_string_new (NULL);
      for (guint j = 0; j < labels->len; j++)
        g_string_append_printf (names, "%s%s", j ? ", " : "",
                                (char *) g_ptr_array_index (labels, j));
      cli_usage_error ("--only: %s has no client '%s' (its clients: %s)",
                       scenario, v->only[i], names->str);
      return FALSE;
    }
  return TRUE;
}

gboolean
cli_view_filters (const CliView *v)
{
  return v != NULL && v->what != NULL;
}

gboolean
cli_view_shows_time (const CliView *v, SesTime t)
{
  if (v == NULL)
    return TRUE;
  return (v->from == SES_TIME_NONE || t >= v->from)
         && (v->to == SES_TIME_NONE || t <= v->to);
}

const SesDiagramFilter *
cli_view_diagram_filter (const CliView *v, SesDiagramFilter *f)
{
  if (!cli_view_filters (v))
    return NULL;
  *f = (SesDiagramFilter) {
    .clients = v->only_index, .n_clients = v->n_clients,
    .hide_packets = v->hide_packets, .hide_kinds = v->hide_kinds,
    .from = v->from, .to = v->to,
  };
  return f;
}

gboolean
cli_view_shows (const CliView *v, const SesObs *o)
{
  SesDiagramFilter f;
  return ses_diagram_filter_shows (cli_view_diagram_filter (v, &f), o);
}

char *
cli_time_readable (SesTime t)
{
  if (t < 0)
    return g_strdup ("-");
  gint64 s = t / SES_US_PER_S, us = t % SES_US_PER_S;
  /* Three decimals, or six when the microseconds need them. */
  g_autofree char *frac = us % 1000 == 0
      ? g_strdup_printf ("%03" G_GINT64_FORMAT, us / 1000)
      : g_strdup_printf ("%06" G_GINT64_FORMAT, us);
  gint64 h = s / 3600, m = s / 60 % 60, sec = s % 60;
  if (h > 0)
    return g_strdup_printf ("%" G_GINT64_FORMAT "h%02" G_GINT64_FORMAT
                            "m%02" G_GINT64_FORMAT ".%ss", h, m, sec, frac);
  if (m > 0)
    return g_strdup_printf ("%" G_GINT64_FORMAT "m%02" G_GINT64_FORMAT
                            ".%ss", m, sec, frac);
  return g_strdup_printf ("%" G_GINT64_FORMAT ".%ss", sec, frac);
}

char *
cli_view_line (const CliView *v, SesMqttConfig *cfg, const SesObs *o,
               guint step, const char *colour)
{
  g_autofree char *line = ses_obs_describe (o, ses_mqtt_config_strings (cfg),
                                            ses_mqtt_config_labels (cfg));
  GString *out = g_string_new (NULL);
  if (cli_view_filters (v))
    g_string_append_printf (out, "[%u] ", step);
  const char *rest = line;
  if (v != NULL && v->readable)
    {
      /* The line starts with the time in seconds, as ses_time_format()
       * writes it. */
      g_autofree char *secs = ses_time_format (o->time_us);
      if (g_str_has_prefix (line, secs))
        {
          g_autofree char *when = cli_time_readable (o->time_us);
          g_string_append (out, when);
          rest = line + strlen (secs);
        }
    }
  g_string_append (out, rest);
  if (colour == NULL)
    return g_string_free (out, FALSE);
  g_autofree char *plain = g_string_free (out, FALSE);
  return cli_paint (TRUE, colour, plain);
}

char *
cli_view_note (const CliView *v, SesMqtt *mqtt)
{
  if (!cli_view_filters (v))
    return NULL;
  const GArray *obs = ses_mqtt_log (mqtt);
  guint shown = 0;
  for (guint i = 0; i < obs->len; i++)
    shown += cli_view_shows (v, &g_array_index (obs, SesObs, i));
  return g_strdup_printf ("# shown: %u of %u steps (%s); [N] is the step's "
                          "number in the full trace\n", shown, obs->len,
                          v->what);
}

char *
cli_view_text (const CliView *v, const char *header, SesMqtt *mqtt)
{
  if (!cli_view_filters (v) && (v == NULL || !v->readable))
    {
      g_autofree char *log = ses_mqtt_log_text (mqtt);
      return g_strconcat (header, log, NULL);
    }
  SesMqttConfig *cfg = ses_mqtt_config (mqtt);
  const GArray *obs = ses_mqtt_log (mqtt);
  GString *out = g_string_new (header);
  g_autofree char *note = cli_view_note (v, mqtt);
  if (note != NULL)
    g_string_append (out, note);
  for (guint i = 0; i < obs->len; i++)
    {
      const SesObs *o = &g_array_index (obs, SesObs, i);
      if (!cli_view_shows (v, o))
        continue;
      g_autofree char *line = cli_view_line (v, cfg, o, i + 1, NULL);
      g_string_append (out, line);
      g_string_append_c (out, '\n');
    }
  return g_string_free (out, FALSE);
}

gboolean
cli_color_wanted (CliColorMode mode, int fd)
{
  if (mode == CLI_COLOR_ALWAYS)
    return TRUE;
  if (mode == CLI_COLOR_NEVER)
    return FALSE;
  /* no-color.org: present and not empty turns colour off. */
  const char *no = g_getenv ("NO_COLOR");
  if (no != NULL && no[0] != '\0')
    return FALSE;
  if (g_strcmp0 (g_getenv ("TERM"), "dumb") == 0)
    return FALSE;
  return isatty (fd) == 1;
}

char *
cli_paint (gboolean on, const char *colour, const char *text)
{
  if (!on || colour == NULL)
    return g_strdup (text);
  return g_strdup_printf ("\033[%sm%s\033[0m", colour, text);
}
