/* Topic matching, level by level, without allocating. */
#include "topic.h"

#include <string.h>

gboolean
ses_topic_name_valid (const char *name)
{
  return name != NULL && name[0] != '\0' && strpbrk (name, "+#") == NULL;
}

gboolean
ses_topic_filter_valid (const char *filter)
{
  if (filter == NULL || filter[0] == '\0')
    return FALSE;
  for (const char *p = filter; *p; p++)
    {
      gboolean level_start = p == filter || p[-1] == '/';
      gboolean level_end = p[1] == '\0' || p[1] == '/';
      /* both 3.1.1 and 5.0 [MQTT-4.7.1-1] / [MQTT-4.7.1-2] */
      if (*p == '#' && !(level_start && p[1] == '\0'))
        return FALSE;
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
