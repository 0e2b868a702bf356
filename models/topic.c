/* Topic matching, level by level, without allocating. */
#include "topic.h"

#include <string.h>

/* Both kinds: a UTF-8 string [MQTT-1.5.3-1] (5.0 [MQTT-1.5.4-1]), one
 * character [MQTT-4.7.3-1] to 65,535 bytes [MQTT-4.7.3-3] long. */
static gboolean
string_valid (const char *s)
{
  return s != NULL && s[0] != '\0' && strlen (s) <= G_MAXUINT16
         && g_utf8_validate (s, -1, NULL);
}

gboolean
ses_topic_name_valid (const char *name)
{
  /* 3.1.1 [MQTT-4.7.1-1], 5.0 [MQTT-4.7.0-1]: no wildcards in a name */
  return string_valid (name) && strpbrk (name, "+#") == NULL;
}

gboolean
ses_topic_filter_valid (const char *filter)
{
  if (!string_valid (filter))
    return FALSE;
  for (const char *p = filter; *p; p++)
    {
      gboolean level_start = p == filter || p[-1] == '/';
      gboolean level_end = p[1] == '\0' || p[1] == '/';
      /* 3.1.1 [MQTT-4.7.1-2], 5.0 [MQTT-4.7.1-1]: `#` is the whole last
       * level */
      if (*p == '#' && !(level_start && p[1] == '\0'))
        return FALSE;
      /* 3.1.1 [MQTT-4.7.1-3], 5.0 [MQTT-4.7.1-2]: `+` is a whole level */
      if (*p == '+' && !(level_start && level_end))
        return FALSE;
    }
  return TRUE;
}

gboolean
ses_topic_matches (const char *filter, const char *name)
{
  /* both [MQTT-4.7.2-1]: wildcards at the first level do not match $ topics */
  if (name[0] == '$' && (filter[0] == '+' || filter[0] == '#'))
    return FALSE;
  const char *f = filter, *n = name;
  for (;;)
    {
      if (f[0] == '#')
        return TRUE; /* matches the parent level too: "a/#" matches "a" */
      const char *fe = strchr (f, '/');
      const char *ne = strchr (n, '/');
      gsize fl = fe ? (gsize) (fe - f) : strlen (f);
      gsize nl = ne ? (gsize) (ne - n) : strlen (n);
      if (!(fl == 1 && f[0] == '+') && (fl != nl || memcmp (f, n, fl) != 0))
        return FALSE;
      if (fe == NULL && ne == NULL)
        return TRUE;
      if (fe == NULL)
        return FALSE; /* the name has more levels than the filter */
      if (ne == NULL)
        /* The filter goes on: only "/#" can still match the parent. */
        return strcmp (fe, "/#") == 0;
      f = fe + 1;
      n = ne + 1;
    }
}
