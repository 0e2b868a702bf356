/* String interning. The hash table is used for lookup only; ids come from an
 * array kept in insertion order, so nothing depends on hash iteration order. */
#include "intern.h"

struct _SesIntern {
  GPtrArray *strings; /* (element-type utf8) (owned); index = id, [0] = NULL */
  GHashTable *ids;    /* (element-type utf8 guint) string -> id, borrowed keys */
};

SesIntern *
ses_intern_new (void)
{
  SesIntern *intern = g_new0 (SesIntern, 1);
  intern->strings = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (intern->strings, NULL);
  intern->ids = g_hash_table_new (g_str_hash, g_str_equal);
  return intern;
}

void
ses_intern_free (SesIntern *intern)
{
  if (intern == NULL)
    return;
  g_hash_table_unref (intern->ids);
  g_ptr_array_unref (intern->strings);
  g_free (intern);
}

guint32
ses_intern_add (SesIntern *intern, const char *str)
{
  if (str == NULL)
    return 0;
  gpointer found;
  if (g_hash_table_lookup_extended (intern->ids, str, NULL, &found))
    return GPOINTER_TO_UINT (found);
  char *copy = g_strdup (str);
  guint32 id = intern->strings->len;
  g_ptr_array_add (intern->strings, copy);
  g_hash_table_insert (intern->ids, copy, GUINT_TO_POINTER (id));
  return id;
}

guint32
ses_intern_lookup (const SesIntern *intern, const char *str)
{
  if (str == NULL)
    return 0;
  return GPOINTER_TO_UINT (g_hash_table_lookup (intern->ids, str));
}

const char *
ses_intern_get (const SesIntern *intern, guint32 id)
{
  if (id >= intern->strings->len)
    return NULL;
  return g_ptr_array_index (intern->strings, id);
}

guint32
ses_intern_size (const SesIntern *intern)
{
  return intern->strings->len;
}
