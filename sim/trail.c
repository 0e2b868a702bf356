/* Trail files: writing is one line per choice; reading reuses the scenario
 * tokenizer, so errors look like scenario errors. */
#include "trail.h"

#include <string.h>

#include "error.h"
#include "scenario.h"

#include "sessim-config.h"

SesTrail *
ses_trail_new (const char *scenario, guint64 seed)
{
  SesTrail *t = g_new0 (SesTrail, 1);
  t->version = g_strdup (SESSIM_VERSION);
  t->scenario = g_strdup (scenario);
  t->seed = seed;
  t->choices = g_array_new (FALSE, FALSE, sizeof (SesChoice));
  return t;
}

void
ses_trail_free (SesTrail *trail)
{
  if (trail == NULL)
    return;
  g_free (trail->version);
  g_free (trail->build);
  g_free (trail->scenario);
  g_free (trail->digest);
  g_free (trail->embedded);
  if (trail->notes != NULL)
    g_ptr_array_unref (trail->notes);
  g_array_unref (trail->choices);
  g_free (trail);
}

/* Quoted like a scenario string, with the escapes the tokenizer reads
 * (\" \\ \n \t); other bytes, UTF-8 included, go as they are. */
static void
append_quoted (GString *out, const char *s, gsize len)
{
  g_string_append_c (out, '"');
  for (gsize i = 0; i < len; i++)
    switch (s[i])
      {
      case '"':
        g_string_append (out, "\\\"");
        break;
      case '\\':
        g_string_append (out, "\\\\");
        break;
      case '\n':
        g_string_append (out, "\\n");
        break;
      case '\t':
        g_string_append (out, "\\t");
        break;
      default:
        g_string_append_c (out, s[i]);
      }
  g_string_append_c (out, '"');
}

char *
ses_trail_to_text (const SesTrail *t)
{
  GString *out = g_string_new ("# sessim trail: replay with `sessim replay "
                               "FILE`\n");
  g_string_append_printf (out, "sessim %s\n", t->version);
  if (t->build != NULL)
    {
      g_string_append (out, "build ");
      append_quoted (out, t->build, strlen (t->build));
      g_string_append_c (out, '\n');
    }
  g_string_append (out, "scenario ");
  append_quoted (out, t->scenario, strlen (t->scenario));
  g_string_append_c (out, '\n');
  if (t->digest != NULL)
    {
      g_string_append (out, "digest ");
      append_quoted (out, t->digest, strlen (t->digest));
      g_string_append_c (out, '\n');
    }
  g_string_append_printf (out, "seed %" G_GUINT64_FORMAT "\n", t->seed);
  /* One line per line of the scenario: joined with newlines they give its
   * bytes back (a final newline shows as a last, empty line). */
  for (const char *p = t->embedded; p != NULL;)
    {
      const char *nl = strchr (p, '\n');
      gsize len = nl != NULL ? (gsize) (nl - p) : strlen (p);
      g_string_append (out, "embed ");
      append_quoted (out, p, len);
      g_string_append_c (out, '\n');
      p = nl != NULL ? nl + 1 : NULL;
    }
  for (guint i = 0; i < t->choices->len; i++)
    {
      const SesChoice *c = &g_array_index (t->choices, SesChoice, i);
      if (c->kind == SES_CHOICE_EVENT)
        g_string_append_printf (out, "event %" G_GUINT64_FORMAT,
                                c->event.seq);
      else
        g_string_append_printf (out, "fault %u %u", c->fault.kind,
                                c->fault.target);
      const char *note = t->notes != NULL && i < t->notes->len
                           ? g_ptr_array_index (t->notes, i) : NULL;
      if (note != NULL)
        {
          /* A comment ends at the line's end: keep it on one line. */
          g_autofree char *one = g_strdup (note);
          g_strdelimit (one, "\n\r", ' ');
          g_string_append_printf (out, "  # %s", one);
        }
      g_string_append_c (out, '\n');
    }
  return g_string_free (out, FALSE);
}

static gboolean
number (const SesScenarioText *text, const SesStatement *st, guint i,
        guint64 max, guint64 *out, GError **error)
{
  if (i >= st->tokens->len)
    {
      const SesToken *last = &g_array_index (st->tokens, SesToken,
                                             st->tokens->len - 1);
      ses_scenario_error (text, error, st->line, last->end_col + 1,
                          "missing number");
      return FALSE;
    }
  const SesToken *t = &g_array_index (st->tokens, SesToken, i);
  if (t->kind != SES_TOK_WORD || !ses_parse_uint (t->text, max, out))
    {
      ses_scenario_error (text, error, st->line, t->col,
                          "expected a whole number");
      return FALSE;
    }
  return TRUE;
}

SesTrail *
ses_trail_parse (const char *path, const char *contents, gsize length,
                 GError **error)
{
  g_autoptr (SesScenarioText) text = ses_scenario_text_parse (path, contents,
                                                              length, error);
  if (text == NULL)
    return NULL;
  g_autoptr (SesTrail) t = ses_trail_new (NULL, 1);
  g_clear_pointer (&t->version, g_free);
  g_autoptr (GString) embedded = NULL;
  for (guint n = 0; n < ses_scenario_text_n_statements (text); n++)
    {
      const SesStatement *st = ses_scenario_text_statement (text, n);
      const SesToken *kw = &g_array_index (st->tokens, SesToken, 0);
      const SesToken *arg = st->tokens->len > 1
                              ? &g_array_index (st->tokens, SesToken, 1) : NULL;
      guint expected = g_strcmp0 (kw->text, "fault") == 0 ? 3 : 2;
      if (st->tokens->len > expected)
        {
          const SesToken *extra = &g_array_index (st->tokens, SesToken,
                                                  expected);
          ses_scenario_error (text, error, st->line, extra->col,
                              "unexpected '%s'", extra->text);
          return NULL;
        }
      guint64 a, b;
      gboolean is_version = kw->kind == SES_TOK_WORD
                            && g_strcmp0 (kw->text, "sessim") == 0;
      gboolean is_scenario = kw->kind == SES_TOK_WORD
                             && g_strcmp0 (kw->text, "scenario") == 0;
      gboolean is_digest = kw->kind == SES_TOK_WORD
                           && g_strcmp0 (kw->text, "digest") == 0;
      gboolean is_build = kw->kind == SES_TOK_WORD
                          && g_strcmp0 (kw->text, "build") == 0;
      if ((is_version && t->version != NULL)
          || (is_scenario && t->scenario != NULL)
          || (is_digest && t->digest != NULL)
          || (is_build && t->build != NULL))
        {
          /* One run, one header: a second one is a pasted-together file. */
          ses_scenario_error (text, error, st->line, kw->col,
                              "a trail names its %s once",
                              is_version ? "version"
                              : is_scenario ? "scenario"
                              : is_build ? "build" : "digest");
          return NULL;
        }
      if (is_version && arg != NULL && arg->kind == SES_TOK_WORD)
        t->version = g_strdup (arg->text);
      else if (is_build && arg != NULL && arg->kind == SES_TOK_STRING)
        t->build = g_strdup (arg->text);
      else if (is_scenario && arg != NULL && arg->kind == SES_TOK_STRING)
        t->scenario = g_strdup (arg->text);
      else if (is_digest && arg != NULL && arg->kind == SES_TOK_STRING)
        t->digest = g_strdup (arg->text);
      else if (kw->kind == SES_TOK_WORD && g_strcmp0 (kw->text, "embed") == 0
               && arg != NULL && arg->kind == SES_TOK_STRING)
        {
          if (embedded == NULL)
            embedded = g_string_new (arg->text);
          else
            g_string_append_printf (embedded, "\n%s", arg->text);
        }
      else if (g_strcmp0 (kw->text, "seed") == 0)
        {
          if (!number (text, st, 1, G_MAXUINT64, &t->seed, error))
            return NULL;
        }
      else if (g_strcmp0 (kw->text, "event") == 0)
        {
          if (!number (text, st, 1, G_MAXUINT64, &a, error))
            return NULL;
          SesChoice c = { .kind = SES_CHOICE_EVENT };
          c.event.seq = a;
          g_array_append_val (t->choices, c);
        }
      else if (g_strcmp0 (kw->text, "fault") == 0)
        {
          if (!number (text, st, 1, G_MAXUINT32, &a, error)
              || !number (text, st, 2, G_MAXUINT32, &b, error))
            return NULL;
          SesChoice c = { .kind = SES_CHOICE_FAULT };
          c.fault.kind = (guint32) a;
          c.fault.target = (guint32) b;
          g_array_append_val (t->choices, c);
        }
      else
        {
          ses_scenario_error (text, error, st->line, kw->col,
                              "expected sessim, build \"…\", scenario "
                              "\"…\", digest \"…\", seed, embed \"…\", "
                              "event or fault");
          return NULL;
        }
    }
  if (t->version == NULL || t->scenario == NULL)
    {
      ses_scenario_error (text, error, 1, 1,
                          "a trail names the sessim version and the scenario");
      return NULL;
    }
  if (embedded != NULL)
    t->embedded = g_string_free (g_steal_pointer (&embedded), FALSE);
  return g_steal_pointer (&t);
}

SesTrail *
ses_trail_load (const char *path, GError **error)
{
  g_autofree char *contents = NULL;
  gsize length = 0;
  if (!g_file_get_contents (path, &contents, &length, error))
    return NULL;
  return ses_trail_parse (path, contents, length, error);
}
