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

typedef struct _Node Node;
struct _Node {
  GHashTable *children; /* (element-type utf8 Node) level -> child; lookup
                           only */
  Node *plus;           /* the `+` branch */
  GArray *here;         /* (element-type guint32) filters ending here */
  GArray *hash;         /* (element-type guint32) filters "<here>/#" */
};

struct _SesTopicIndex {
  Node root;
};

static void
node_clear (Node *n)
{
  g_clear_pointer (&n->children, g_hash_table_unref);
  if (n->plus != NULL)
    {
      node_clear (n->plus);
      g_free (n->plus);
    }
  g_clear_pointer (&n->here, g_array_unref);
  g_clear_pointer (&n->hash, g_array_unref);
}

static void
node_free (gpointer data)
{
  node_clear (data);
  g_free (data);
}

SesTopicIndex *
ses_topic_index_new (void)
{
  return g_new0 (SesTopicIndex, 1);
}

void
ses_topic_index_free (SesTopicIndex *index)
{
  if (index == NULL)
    return;
  node_clear (&index->root);
  g_free (index);
}

static void
append_id (GArray **list, guint32 id)
{
  if (*list == NULL)
    *list = g_array_new (FALSE, FALSE, sizeof (guint32));
  g_array_append_val (*list, id);
}

void
ses_topic_index_add (SesTopicIndex *index, const char *filter, guint32 id)
{
  Node *n = &index->root;
  g_auto (GStrv) levels = g_strsplit (filter, "/", -1);
  for (guint i = 0; levels[i] != NULL; i++)
    {
      if (strcmp (levels[i], "#") == 0)
        {
          append_id (&n->hash, id);
          return;
        }
      if (strcmp (levels[i], "+") == 0)
        {
          if (n->plus == NULL)
            n->plus = g_new0 (Node, 1);
          n = n->plus;
          continue;
        }
      if (n->children == NULL)
        n->children = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                             node_free);
      Node *child = g_hash_table_lookup (n->children, levels[i]);
      if (child == NULL)
        {
          child = g_new0 (Node, 1);
          g_hash_table_insert (n->children, g_strdup (levels[i]), child);
        }
      n = child;
    }
  append_id (&n->here, id);
}

static void
append_all (GArray *out, const GArray *ids)
{
  if (ids != NULL)
    g_array_append_vals (out, ids->data, ids->len);
}

static void
match_from (const Node *n, char **levels, guint i, gboolean dollar,
            GArray *out)
{
  /* both [MQTT-4.7.2-1]: wildcards at the first level skip $ topics */
  gboolean wild_ok = !(i == 0 && dollar);
  if (wild_ok)
    append_all (out, n->hash); /* "#" matches this level and all below */
  if (levels[i] == NULL)
    {
      append_all (out, n->here);
      return;
    }
  if (n->children != NULL)
    {
      const Node *child = g_hash_table_lookup (n->children, levels[i]);
      if (child != NULL)
        match_from (child, levels, i + 1, dollar, out);
    }
  if (n->plus != NULL && wild_ok)
    match_from (n->plus, levels, i + 1, dollar, out);
}

void
ses_topic_index_match (const SesTopicIndex *index, const char *name,
                       GArray *out)
{
  g_auto (GStrv) levels = g_strsplit (name, "/", -1);
  match_from (&index->root, levels, 0, name[0] == '$', out);
}
