/* Recursive-descent JSON reader into a small tree. Invariant: a parsed
 * value is well-formed JSON in valid UTF-8; object members keep their file
 * order (lookups scan, the results read here have a few dozen members).
 * Nesting is capped so a hostile file cannot exhaust the stack. */

/* Why not json-glib, which trace.jsonl uses (issue 13, item 9, measured
 * with json-glib 1.6.6, Debian 12; tests/test-json.c repeats it): seeds
 * are unsigned 64-bit, and summary.json and the random-mode results that
 * `merge` reads write them, and the seed ranges, as JSON numbers. A
 * JsonNode holds integers as gint64 only: a seed of 2^63 or more comes out
 * negative ({"seed":-1} for 2^64-1), a guint64 GValue is refused with a
 * log message and the generator writes {"seed":}, and the parser saturates,
 * reading 2^64 and 10^20 as the same -1 as 2^64-1, so an out-of-range seed
 * cannot even be refused. trace.jsonl works around it by writing such
 * seeds as strings; these files keep one type per member instead, with
 * this reader (numbers kept as their text) and writers that print
 * G_GUINT64_FORMAT. */
#include "json.h"

#include <stdlib.h>
#include <string.h>

#include "error.h"

#define MAX_DEPTH 64

struct _SesJson {
  SesJsonKind kind;
  gboolean boolean;
  char *text;       /* string value, or a number's literal */
  GPtrArray *items; /* (element-type SesJson) (owned) array or member values */
  GPtrArray *names; /* (element-type utf8) (owned) member names */
};

typedef struct {
  const char *path;
  const char *p, *end, *start;
  GError **error;
} Reader;

void
ses_json_free (SesJson *json)
{
  if (json == NULL)
    return;
  g_free (json->text);
  if (json->items != NULL)
    g_ptr_array_unref (json->items);
  if (json->names != NULL)
    g_ptr_array_unref (json->names);
  g_free (json);
}

static gboolean
fail (Reader *r, const char *what)
{
  guint line = 1, col = 1;
  for (const char *c = r->start; c < r->p; c++)
    {
      if (*c == '\n')
        {
          line++;
          col = 1;
        }
      else
        col++;
    }
  g_set_error (r->error, SES_ERROR, SES_ERROR_PARSE, "%s:%u:%u: error: %s",
               r->path, line, col, what);
  return FALSE;
}

static void
skip_space (Reader *r)
{
  while (r->p < r->end
         && (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r'))
    r->p++;
}

static gboolean
literal (Reader *r, const char *word)
{
  gsize n = strlen (word);
  if ((gsize) (r->end - r->p) < n || memcmp (r->p, word, n) != 0)
    return FALSE;
  r->p += n;
  return TRUE;
}

static int
hex4 (Reader *r)
{
  if (r->end - r->p < 4)
    return -1;
  int v = 0;
  for (int i = 0; i < 4; i++)
    {
      int d = g_ascii_xdigit_value (r->p[i]);
      if (d < 0)
        return -1;
      v = v * 16 + d;
    }
  r->p += 4;
  return v;
}

static char *
read_string (Reader *r)
{
  g_assert (*r->p == '"');
  r->p++;
  GString *s = g_string_new (NULL);
  while (r->p < r->end && *r->p != '"')
    {
      guchar c = (guchar) *r->p;
      if (c < 0x20)
        {
          fail (r, "control character in a string");
          return g_string_free (s, TRUE), NULL;
        }
      if (c != '\\')
        {
          g_string_append_c (s, (char) c);
          r->p++;
          continue;
        }
      r->p++;
      if (r->p >= r->end)
        break;
      char e = *r->p++;
      switch (e)
        {
        case '"': g_string_append_c (s, '"'); break;
        case '\\': g_string_append_c (s, '\\'); break;
        case '/': g_string_append_c (s, '/'); break;
        case 'b': g_string_append_c (s, '\b'); break;
        case 'f': g_string_append_c (s, '\f'); break;
        case 'n': g_string_append_c (s, '\n'); break;
        case 'r': g_string_append_c (s, '\r'); break;
        case 't': g_string_append_c (s, '\t'); break;
        case 'u':
          {
            int u = hex4 (r);
            if (u >= 0xd800 && u < 0xdc00 && literal (r, "\\u"))
              {
                int lo = hex4 (r);
                if (lo < 0xdc00 || lo >= 0xe000)
                  u = -1;
                else
                  u = 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00);
              }
            if (u < 0 || (u >= 0xd800 && u < 0xe000) || u == 0)
              {
                fail (r, "bad \\u escape");
                return g_string_free (s, TRUE), NULL;
              }
            g_string_append_unichar (s, (gunichar) u);
            break;
          }
        default:
          r->p--;
          fail (r, "unknown escape in a string");
          return g_string_free (s, TRUE), NULL;
        }
    }
  if (r->p >= r->end)
    {
      fail (r, "unterminated string");
      return g_string_free (s, TRUE), NULL;
    }
  r->p++;
  if (!g_utf8_validate (s->str, (gssize) s->len, NULL))
    {
      fail (r, "string is not valid UTF-8");
      return g_string_free (s, TRUE), NULL;
    }
  return g_string_free (s, FALSE);
}

static gboolean
is_digit (Reader *r)
{
  return r->p < r->end && g_ascii_isdigit (*r->p);
}

static char *
read_number (Reader *r)
{
  const char *from = r->p;
  if (*r->p == '-')
    r->p++;
  if (!is_digit (r))
    return fail (r, "expected a digit"), NULL;
  if (*r->p == '0')
    r->p++;
  else
    while (is_digit (r))
      r->p++;
  if (r->p < r->end && *r->p == '.')
    {
      r->p++;
      if (!is_digit (r))
        return fail (r, "expected a digit after '.'"), NULL;
      while (is_digit (r))
        r->p++;
    }
  if (r->p < r->end && (*r->p == 'e' || *r->p == 'E'))
    {
      r->p++;
      if (r->p < r->end && (*r->p == '+' || *r->p == '-'))
        r->p++;
      if (!is_digit (r))
        return fail (r, "expected a digit in the exponent"), NULL;
      while (is_digit (r))
        r->p++;
    }
  return g_strndup (from, (gsize) (r->p - from));
}

static SesJson *read_value (Reader *r, guint depth);

static SesJson *
new_node (SesJsonKind kind)
{
  SesJson *j = g_new0 (SesJson, 1);
  j->kind = kind;
  return j;
}

static SesJson *
read_container (Reader *r, guint depth, gboolean object)
{
  g_autoptr (SesJson) j = new_node (object ? SES_JSON_OBJECT : SES_JSON_ARRAY);
  j->items = g_ptr_array_new_with_free_func ((GDestroyNotify) ses_json_free);
  if (object)
    j->names = g_ptr_array_new_with_free_func (g_free);
  char close = object ? '}' : ']';
  r->p++;
  skip_space (r);
  if (r->p < r->end && *r->p == close)
    {
      r->p++;
      return g_steal_pointer (&j);
    }
  for (;;)
    {
      skip_space (r);
      if (object)
        {
          if (r->p >= r->end || *r->p != '"')
            return fail (r, "expected a member name"), NULL;
          char *name = read_string (r);
          if (name == NULL)
            return NULL;
          g_ptr_array_add (j->names, name);
          skip_space (r);
          if (r->p >= r->end || *r->p != ':')
            return fail (r, "expected ':'"), NULL;
          r->p++;
        }
      SesJson *v = read_value (r, depth + 1);
      if (v == NULL)
        return NULL;
      g_ptr_array_add (j->items, v);
      skip_space (r);
      if (r->p < r->end && *r->p == ',')
        {
          r->p++;
          continue;
        }
      if (r->p < r->end && *r->p == close)
        {
          r->p++;
          return g_steal_pointer (&j);
        }
      return fail (r, object ? "expected ',' or '}'" : "expected ',' or ']'"),
             NULL;
    }
}

static SesJson *
read_value (Reader *r, guint depth)
{
  if (depth > MAX_DEPTH)
    return fail (r, "nested too deeply"), NULL;
  skip_space (r);
  if (r->p >= r->end)
    return fail (r, "expected a value"), NULL;
  switch (*r->p)
    {
    case '{':
      return read_container (r, depth, TRUE);
    case '[':
      return read_container (r, depth, FALSE);
    case '"':
      {
        char *s = read_string (r);
        if (s == NULL)
          return NULL;
        SesJson *j = new_node (SES_JSON_STRING);
        j->text = s;
        return j;
      }
    default:
      break;
    }
  gboolean t = literal (r, "true");
  if (t || literal (r, "false"))
    {
      SesJson *j = new_node (SES_JSON_BOOL);
      j->boolean = t;
      return j;
    }
  if (literal (r, "null"))
    return new_node (SES_JSON_NULL);
  if (*r->p == '-' || g_ascii_isdigit (*r->p))
    {
      char *n = read_number (r);
      if (n == NULL)
        return NULL;
      SesJson *j = new_node (SES_JSON_NUMBER);
      j->text = n;
      return j;
    }
  return fail (r, "expected a value"), NULL;
}

SesJson *
ses_json_parse (const char *path, const char *text, gsize length,
                GError **error)
{
  Reader r = { path != NULL ? path : "<json>", text, text + length, text,
               error };
  if (memchr (text, '\0', length) != NULL)
    {
      r.p = memchr (text, '\0', length);
      fail (&r, "NUL byte in JSON text");
      return NULL;
    }
  g_autoptr (SesJson) j = read_value (&r, 0);
  if (j == NULL)
    return NULL;
  skip_space (&r);
  if (r.p != r.end)
    return fail (&r, "text after the value"), NULL;
  return g_steal_pointer (&j);
}

SesJsonKind
ses_json_kind (const SesJson *json)
{
  return json->kind;
}

const SesJson *
ses_json_get (const SesJson *json, const char *member)
{
  if (json == NULL || json->kind != SES_JSON_OBJECT)
    return NULL;
  /* The last duplicate wins, as in most readers. */
  for (guint i = json->names->len; i-- > 0;)
    if (strcmp (g_ptr_array_index (json->names, i), member) == 0)
      return g_ptr_array_index (json->items, i);
  return NULL;
}

guint
ses_json_length (const SesJson *json)
{
  return json != NULL && json->items != NULL ? json->items->len : 0;
}

const SesJson *
ses_json_index (const SesJson *json, guint i)
{
  g_return_val_if_fail (i < ses_json_length (json), NULL);
  return g_ptr_array_index (json->items, i);
}

const char *
ses_json_member_name (const SesJson *json, guint i)
{
  g_return_val_if_fail (json != NULL && json->kind == SES_JSON_OBJECT
                          && i < json->names->len, NULL);
  return g_ptr_array_index (json->names, i);
}

const char *
ses_json_string (const SesJson *json)
{
  return json != NULL && json->kind == SES_JSON_STRING ? json->text : NULL;
}

gboolean
ses_json_bool (const SesJson *json, gboolean *out)
{
  if (json == NULL || json->kind != SES_JSON_BOOL)
    return FALSE;
  *out = json->boolean;
  return TRUE;
}

gboolean
ses_json_uint64 (const SesJson *json, guint64 *out)
{
  if (json == NULL || json->kind != SES_JSON_NUMBER)
    return FALSE;
  for (const char *c = json->text; *c; c++)
    if (!g_ascii_isdigit (*c))
      return FALSE;
  /* g_ascii_string_to_unsigned rejects overflow and leading garbage. */
  return g_ascii_string_to_unsigned (json->text, 10, 0, G_MAXUINT64, out,
                                     NULL);
}

gboolean
ses_json_double (const SesJson *json, double *out)
{
  if (json == NULL || json->kind != SES_JSON_NUMBER)
    return FALSE;
  *out = g_ascii_strtod (json->text, NULL);
  return TRUE;
}
