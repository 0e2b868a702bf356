/* The scenario tokenizer and the located-error helpers. It never aborts on
 * input: every byte sequence either becomes statements or one GError that
 * points at the offending line and column. */
#include "scenario.h"

#include <string.h>

#include "error.h"

struct _SesScenarioText {
  char *path;
  GPtrArray *lines;      /* (element-type utf8) (owned) source lines */
  GArray *statements;    /* (element-type SesStatement) */
};

static void
clear_statement (gpointer data)
{
  SesStatement *st = data;
  for (guint i = 0; i < st->tokens->len; i++)
    {
      SesToken *t = &g_array_index (st->tokens, SesToken, i);
      g_free (t->text);
      g_free (t->value);
    }
  g_array_unref (st->tokens);
}

void
ses_scenario_text_free (SesScenarioText *text)
{
  if (text == NULL)
    return;
  g_free (text->path);
  g_ptr_array_unref (text->lines);
  g_array_unref (text->statements);
  g_free (text);
}

const char *
ses_scenario_text_path (const SesScenarioText *text)
{
  return text->path;
}

guint
ses_scenario_text_n_statements (const SesScenarioText *text)
{
  return text->statements->len;
}

const SesStatement *
ses_scenario_text_statement (const SesScenarioText *text, guint index)
{
  g_return_val_if_fail (index < text->statements->len, NULL);
  return &g_array_index (text->statements, SesStatement, index);
}

/* Column counts characters, not bytes, so the caret lines up under UTF-8. */
static guint
column_of (const char *line, const char *at)
{
  return (guint) g_utf8_strlen (line, at - line) + 1;
}

void
ses_scenario_error (const SesScenarioText *text, GError **error, guint line,
                    guint col, const char *format, ...)
{
  va_list args;
  va_start (args, format);
  g_autofree char *raw = g_strdup_vprintf (format, args);
  va_end (args);
  /* The message quotes the scenario's own text, which may hold escaped
   * control characters: show them escaped, so the error keeps its three
   * lines. */
  GString *msg_s = g_string_new (NULL);
  for (const char *c = raw; *c; c++)
    {
      guchar b = (guchar) *c;
      if (b < 0x20 || b == 0x7f)
        g_string_append_printf (msg_s, "\\x%02x", b);
      else
        g_string_append_c (msg_s, *c);
    }
  g_autofree char *msg = g_string_free (msg_s, FALSE);
  const char *src = line >= 1 && line <= text->lines->len
                      ? g_ptr_array_index (text->lines, line - 1)
                      : "";
  GString *caret = g_string_new (NULL);
  /* Tabs stay tabs so the caret lines up however the terminal shows them. */
  const char *p = src;
  for (guint c = 1; c < col; c++)
    {
      /* Past the end of the line (a missing word), keep going in spaces. */
      g_string_append_c (caret, *p == '\t' ? '\t' : ' ');
      if (*p)
        p = g_utf8_next_char (p);
    }
  g_string_append_c (caret, '^');
  g_set_error (error, SES_ERROR, SES_ERROR_PARSE,
               "%s:%u:%u: error: %s\n  %s\n  %s", text->path, line, col, msg,
               src, caret->str);
  g_string_free (caret, TRUE);
}

/* Reads a quoted string starting at *p (on the opening quote). */
static gboolean
read_string (SesScenarioText *text, guint line_no, const char *line,
             const char **p, char **out, GError **error)
{
  const char *start = *p;
  GString *s = g_string_new (NULL);
  const char *q = *p + 1;
  for (;;)
    {
      if (*q == '\0')
        {
          ses_scenario_error (text, error, line_no, column_of (line, start),
                              "unterminated string: add the closing '\"'");
          g_string_free (s, TRUE);
          return FALSE;
        }
      if (*q == '"')
        break;
      if (*q == '\\')
        {
          char e = q[1];
          if (e == '"' || e == '\\')
            g_string_append_c (s, e);
          else if (e == 'n')
            g_string_append_c (s, '\n');
          else if (e == 't')
            g_string_append_c (s, '\t');
          else
            {
              ses_scenario_error (text, error, line_no, column_of (line, q),
                                  "unknown escape: use \\\" \\\\ \\n or \\t");
              g_string_free (s, TRUE);
              return FALSE;
            }
          q += 2;
          continue;
        }
      g_string_append_c (s, *q);
      q++;
    }
  *p = q + 1;
  *out = g_string_free (s, FALSE);
  return TRUE;
}

static gboolean
word_char (char c)
{
  return c != '\0' && c != ' ' && c != '\t' && c != '"' && c != '#'
         && c != '=' && c != ';' && c != '{' && c != '}';
}

static gboolean
tokenize_line (SesScenarioText *text, guint line_no, const char *line,
               GError **error)
{
  SesStatement st = { .line = line_no,
                      .tokens = g_array_new (FALSE, TRUE, sizeof (SesToken)) };
  const char *p = line;
  for (;;)
    {
      while (*p == ' ' || *p == '\t')
        p++;
      if (*p == '\0' || *p == '#')
        break;
      SesToken tok = { .col = column_of (line, p) };
      if (*p == ';' || *p == '{' || *p == '}')
        {
          /* Separators of the `every` statement: tokens of their own, so
           * "connect;" is the word and the separator, as it reads. */
          tok.kind = SES_TOK_PUNCT;
          tok.text = g_strndup (p, 1);
          p++;
        }
      else if (*p == '"')
        {
          tok.kind = SES_TOK_STRING;
          if (!read_string (text, line_no, line, &p, &tok.text, error))
            goto fail;
        }
      else if (*p == '=')
        {
          ses_scenario_error (text, error, line_no, tok.col,
                              "'=' needs a name before it, as in qos=1");
          goto fail;
        }
      else
        {
          const char *start = p;
          while (word_char (*p))
            p++;
          tok.kind = SES_TOK_WORD;
          tok.text = g_strndup (start, (gsize) (p - start));
          if (*p == '=')
            {
              p++;
              tok.kind = SES_TOK_OPTION;
              tok.value_col = column_of (line, p);
              if (*p == '"')
                {
                  if (!read_string (text, line_no, line, &p, &tok.value, error))
                    {
                      g_free (tok.text);
                      goto fail;
                    }
                }
              else
                {
                  const char *v = p;
                  while (word_char (*p))
                    p++;
                  if (p == v)
                    {
                      ses_scenario_error (text, error, line_no, tok.value_col,
                                          "'%s=' needs a value", tok.text);
                      g_free (tok.text);
                      goto fail;
                    }
                  tok.value = g_strndup (v, (gsize) (p - v));
                }
            }
          else if (*p == '"')
            {
              ses_scenario_error (text, error, line_no, column_of (line, p),
                                  "put a space before the string");
              g_free (tok.text);
              goto fail;
            }
        }
      tok.end_col = column_of (line, p);
      g_array_append_val (st.tokens, tok);
    }
  if (st.tokens->len == 0)
    {
      g_array_unref (st.tokens);
      return TRUE;
    }
  g_array_append_val (text->statements, st);
  return TRUE;
fail:
  clear_statement (&st);
  return FALSE;
}

SesScenarioText *
ses_scenario_text_parse (const char *path, const char *contents, gsize length,
                         GError **error)
{
  g_autoptr (SesScenarioText) text = g_new0 (SesScenarioText, 1);
  text->path = g_strdup (path);
  text->lines = g_ptr_array_new_with_free_func (g_free);
  text->statements = g_array_new (FALSE, FALSE, sizeof (SesStatement));
  g_array_set_clear_func (text->statements, clear_statement);

  /* Split first, so an error anywhere can show its line. A NUL byte ends
   * nothing: it is reported where it stands. */
  gsize start = 0;
  for (gsize i = 0; i <= length; i++)
    if (i == length || contents[i] == '\n')
      {
        gsize end = i;
        if (end > start && contents[end - 1] == '\r')
          end--;
        char *line = g_malloc (end - start + 1);
        memcpy (line, contents + start, end - start);
        line[end - start] = '\0';
        for (gsize k = 0; k < end - start; k++)
          if (contents[start + k] == '\0')
            line[k] = '?'; /* shown as '?' in the error line */
        g_ptr_array_add (text->lines, line);
        start = i + 1;
      }

  start = 0;
  guint line_no = 0;
  for (gsize i = 0; i <= length; i++)
    {
      if (i != length && contents[i] != '\n')
        continue;
      line_no++;
      const char *line = g_ptr_array_index (text->lines, line_no - 1);
      gsize raw_len = i - start;
      if (raw_len > 0 && contents[i - 1] == '\r')
        raw_len--;
      /* The first byte that makes this not text: a NUL or invalid UTF-8.
       * The line is shown cut just before it, so the message itself stays
       * valid text. */
      const void *nul = memchr (contents + start, '\0', raw_len);
      gsize nul_at = nul != NULL ? (gsize) ((const char *) nul
                                            - (contents + start))
                                 : raw_len;
      const char *bad;
      g_utf8_validate (line, (gssize) nul_at, &bad);
      gsize bad_at = (gsize) (bad - line);
      if (bad_at < raw_len)
        {
          char *shown = g_strndup (line, bad_at);
          g_ptr_array_index (text->lines, line_no - 1) = shown;
          g_free ((char *) line);
          ses_scenario_error (text, error, line_no,
                              (guint) g_utf8_strlen (shown, -1) + 1,
                              bad_at == nul_at
                                ? "NUL byte: scenario files are text"
                                : "invalid UTF-8: scenario files are text");
          return NULL;
        }
      for (const char *c = line; *c; c = g_utf8_next_char (c))
        {
          gunichar u = g_utf8_get_char (c);
          /* C0 controls but tab, DEL, and the C1 controls */
          if ((u < 0x20 && u != '\t') || (u >= 0x7f && u <= 0x9f))
            {
              ses_scenario_error (text, error, line_no, column_of (line, c),
                                  "control character 0x%02x in the text", u);
              return NULL;
            }
        }
      if (!tokenize_line (text, line_no, line, error))
        return NULL;
      start = i + 1;
    }
  return g_steal_pointer (&text);
}

gboolean
ses_parse_uint (const char *text, guint64 max, guint64 *out)
{
  if (text == NULL || *text == '\0')
    return FALSE;
  guint base = 10;
  const char *digits = text;
  if (text[0] == '0' && (text[1] == 'x' || text[1] == 'X'))
    {
      base = 16;
      digits = text + 2;
    }
  if (*digits == '\0')
    return FALSE;
  guint64 v = 0;
  for (const char *p = digits; *p; p++)
    {
      guint d;
      if (g_ascii_isdigit (*p))
        d = (guint) (*p - '0');
      else if (base == 16 && g_ascii_isxdigit (*p))
        d = (guint) g_ascii_xdigit_value (*p);
      else
        return FALSE;
      if (d > max || v > (max - d) / base)
        return FALSE;
      v = v * base + d;
    }
  *out = v;
  return TRUE;
}

gboolean
ses_parse_bool (const char *text, gboolean *out)
{
  static const char *const yes[] = { "1", "on", "yes", "true" };
  static const char *const no[] = { "0", "off", "no", "false" };
  for (guint i = 0; i < G_N_ELEMENTS (yes); i++)
    {
      if (g_strcmp0 (text, yes[i]) == 0)
        {
          *out = TRUE;
          return TRUE;
        }
      if (g_strcmp0 (text, no[i]) == 0)
        {
          *out = FALSE;
          return TRUE;
        }
    }
  return FALSE;
}

/* Units from the largest down: a compound duration names them in this
 * order, each at most once. */
static const struct {
  const char *unit;
  SesTime us;
} duration_units[] = {
  { "h", 3600 * SES_US_PER_S }, { "m", 60 * SES_US_PER_S },
  { "s", SES_US_PER_S }, { "ms", 1000 }, { "us", 1 },
};

/* Far below G_MAXINT64, so a time plus an interval or two never wraps. */
#define DURATION_MAX ((guint64) G_MAXINT64 / 4)

gboolean
ses_parse_duration_at (const char *text, gboolean allow_never, SesTime *out,
                       gboolean *never, const char **why, gsize *where)
{
  gsize unused;
  if (where == NULL)
    where = &unused;
  *where = 0;
  if (never != NULL)
    *never = FALSE;
  if (g_strcmp0 (text, "never") == 0)
    {
      if (!allow_never)
        {
          *why = "'never' is not allowed here";
          return FALSE;
        }
      if (never != NULL)
        *never = TRUE;
      *out = SES_TIME_NONE;
      return TRUE;
    }
  if (text[0] == '-' || text[0] == '+')
    {
      *why = "a duration has no sign";
      return FALSE;
    }
  /* Each part's whole and fractional digits as integers: no floating
   * point, so the value is exact and the same everywhere. */
  const char *p = text;
  guint64 total = 0;
  guint allowed = 0; /* index of the largest unit the next part may use */
  for (;;)
    {
      const char *part = p;
      *where = (gsize) (part - text);
      guint64 whole = 0, frac = 0, frac_scale = 1;
      gboolean any = FALSE;
      if (part != text && !g_ascii_isdigit (*p))
        {
          /* .5s alone is half a second, but 1h.5m reads as a typo. */
          *why = "expected a number after the unit, as in 1h30m";
          return FALSE;
        }
      while (g_ascii_isdigit (*p))
        {
          if (whole > G_MAXUINT32)
            {
              *why = "duration too large";
              return FALSE;
            }
          whole = whole * 10 + (guint64) (*p++ - '0');
          any = TRUE;
        }
      if (*p == '.')
        {
          p++;
          while (g_ascii_isdigit (*p))
            {
              if (frac_scale >= 1000000)
                {
                  *why = "more than six decimals";
                  return FALSE;
                }
              frac = frac * 10 + (guint64) (*p++ - '0');
              frac_scale *= 10;
              any = TRUE;
            }
        }
      if (!any)
        {
          *why = "expected a duration such as 250ms, 5s, 2m or 1h";
          return FALSE;
        }
      const char *unit = p;
      while (g_ascii_isalpha (*p))
        p++;
      if (unit == p)
        {
          *why = *p == '\0' ? "a duration needs a unit: us, ms, s, m or h"
                            : "unknown unit: use us, ms, s, m or h";
          return FALSE;
        }
      guint k = 0;
      while (k < G_N_ELEMENTS (duration_units)
             && (strlen (duration_units[k].unit) != (gsize) (p - unit)
                 || strncmp (duration_units[k].unit, unit,
                             (gsize) (p - unit)) != 0))
        k++;
      if (k == G_N_ELEMENTS (duration_units))
        {
          *why = "unknown unit: use us, ms, s, m or h";
          return FALSE;
        }
      if (k + 1 == allowed)
        {
          *why = "each unit may appear only once, as in 1h30m";
          return FALSE;
        }
      if (k < allowed)
        {
          *why = "units go from the largest down (h, m, s, ms, us), as in "
                 "1h30m or 2m30.5s";
          return FALSE;
        }
      if (frac_scale > 1 && *p != '\0')
        {
          *why = "only the last part of a duration may have decimals, as in "
                 "2m30.5s";
          return FALSE;
        }
      guint64 unit_us = (guint64) duration_units[k].us;
      if (whole > DURATION_MAX / unit_us)
        {
          *why = "duration too large";
          return FALSE;
        }
      if (frac * unit_us % frac_scale != 0)
        {
          *why = "finer than a microsecond";
          return FALSE;
        }
      guint64 us = whole * unit_us + frac * unit_us / frac_scale;
      if (us > DURATION_MAX - total)
        {
          *why = "duration too large";
          return FALSE;
        }
      total += us;
      allowed = k + 1;
      if (*p == '\0')
        break;
    }
  *out = (SesTime) total;
  return TRUE;
}

gboolean
ses_parse_duration (const char *text, gboolean allow_never, SesTime *out,
                    gboolean *never, const char **why)
{
  return ses_parse_duration_at (text, allow_never, out, never, why, NULL);
}

static guint
edit_distance (const char *a, const char *b)
{
  gsize la = strlen (a), lb = strlen (b);
  if (la > 64 || lb > 64)
    return G_MAXUINT;
  guint prev[65], cur[65];
  for (gsize j = 0; j <= lb; j++)
    prev[j] = (guint) j;
  for (gsize i = 1; i <= la; i++)
    {
      cur[0] = (guint) i;
      for (gsize j = 1; j <= lb; j++)
        {
          guint cost = a[i - 1] == b[j - 1] ? 0 : 1;
          cur[j] = MIN (MIN (prev[j] + 1, cur[j - 1] + 1), prev[j - 1] + cost);
        }
      memcpy (prev, cur, sizeof (guint) * (lb + 1));
    }
  return prev[lb];
}

const char *
ses_nearest_word (const char *word, const char *const *candidates)
{
  const char *best = NULL;
  guint best_d = G_MAXUINT;
  for (guint i = 0; candidates[i] != NULL; i++)
    {
      guint d = edit_distance (word, candidates[i]);
      if (d < best_d)
        {
          best_d = d;
          best = candidates[i];
        }
    }
  /* Close enough to be a slip of the keyboard, not a different word. */
  gsize len = strlen (word);
  guint limit = len <= 3 ? 1 : (len <= 6 ? 2 : 3);
  return best_d <= limit ? best : NULL;
}
