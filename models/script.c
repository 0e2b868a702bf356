/* Interprets scenario statements (see sim/scenario.h for the surface
 * syntax). Every check that can fail reports the exact token, and every
 * misspelled keyword gets the nearest correct one as a suggestion. The
 * configuration is built only once the whole file is known to be valid. */
#include "script.h"
#include "brokerprofile.h"

#include <string.h>

#include "error.h"
#include "invariant.h"
#include "scenario.h"
#include "topic.h"
#include "variant.h"

struct _SesScript {
  SesMqttConfig *cfg;
  guint64 seed;
  SesTime until_us;
  char *title;
  GString *teaches;
  GArray *questions;    /* (element-type SesQuestion) */
  GArray *expectations; /* (element-type SesExpectation) */
  GArray *action_lines; /* (element-type guint) */
  guint32 disabled;     /* invariants switched off */
  guint32 violations;   /* invariants expected to break */
  SesScriptBounds bounds;
};

/* A timeline action before the whole file is read: `at` lines and the
 * expansion of `every` statements, in the order the file produces them. */
typedef struct {
  SesAction action;
  guint line;
  guint seq;            /* position in that order: breaks ties of time */
} Pending;

/* An open `every … {` block: its items (at_us holds the offset) until the
 * closing `}` expands them. */
typedef struct {
  gboolean open;
  guint line;           /* the `every` line */
  guint period_col;     /* where errors about the repetition point */
  guint brace_col;
  SesTime period, from;
  guint64 reps;         /* repetitions: from, from + period, … up to `to` */
  SesTime last_offset;
  GArray *items;        /* (element-type Pending) */
} Block;

typedef struct {
  SesScript *script;
  const SesScenarioText *text;
  const SesStatement *st;
  guint end;            /* tokens of st at or past this are not seen */
  GError **error;
  SesMqttVersion version; /* the `mqtt` header, default 5 */
  gboolean saw_client;
  gboolean saw_timeline;
  SesTime last_at;      /* time of the last `at` line or `every` start */
  SesTime last_time;    /* latest time of any action */
  GArray *pending;      /* (element-type Pending) */
  Block block;
  GHashTable *clients; /* (element-type utf8 guint) name -> index + 1 */
} Parser;

static void
clear_expectation (gpointer data)
{
  SesExpectation *e = data;
  g_clear_pointer (&e->payloads, g_ptr_array_unref);
  g_clear_pointer (&e->one_of, g_array_unref);
  g_clear_pointer (&e->assigned_id, g_free);
}

void
ses_script_free (SesScript *script)
{
  if (script == NULL)
    return;
  ses_mqtt_config_unref (script->cfg);
  g_free (script->title);
  g_string_free (script->teaches, TRUE);
  g_array_unref (script->questions);
  g_array_unref (script->expectations);
  g_array_unref (script->action_lines);
  g_free (script);
}

SesMqttConfig *
ses_script_config (const SesScript *script)
{
  return script->cfg;
}

guint64
ses_script_seed (const SesScript *script)
{
  return script->seed;
}

SesTime
ses_script_until (const SesScript *script)
{
  return script->until_us;
}

const char *
ses_script_title (const SesScript *script)
{
  return script->title != NULL ? script->title : "";
}

const char *
ses_script_teaches (const SesScript *script)
{
  return script->teaches->str;
}

const GArray *
ses_script_questions (const SesScript *script)
{
  return script->questions;
}

static void
clear_question (gpointer data)
{
  SesQuestion *q = data;
  g_clear_pointer (&q->question, g_free);
  g_clear_pointer (&q->answer, g_free);
}

const GArray *
ses_script_expectations (const SesScript *script)
{
  return script->expectations;
}

guint32
ses_script_disabled_invariants (const SesScript *script)
{
  return script->disabled;
}

guint32
ses_script_expected_violations (const SesScript *script)
{
  return script->violations;
}

const SesScriptBounds *
ses_script_bounds (const SesScript *script)
{
  return &script->bounds;
}

guint
ses_script_action_line (const SesScript *script, guint action)
{
  g_return_val_if_fail (action < script->action_lines->len, 0);
  return g_array_index (script->action_lines, guint, action);
}

/* ---- token helpers ------------------------------------------------------ */

static const SesToken *
tok (Parser *p, guint i)
{
  return i < p->end ? &g_array_index (p->st->tokens, SesToken, i) : NULL;
}

static gboolean
fail_at (Parser *p, guint col, const char *fmt, ...) G_GNUC_PRINTF (3, 4);

static gboolean
fail_at (Parser *p, guint col, const char *fmt, ...)
{
  va_list args;
  va_start (args, fmt);
  g_autofree char *msg = g_strdup_vprintf (fmt, args);
  va_end (args);
  ses_scenario_error (p->text, p->error, p->st->line, col, "%s", msg);
  return FALSE;
}

/* Column after the last token and one space, for "missing ..." errors. */
static guint
end_col (Parser *p)
{
  return tok (p, p->end - 1)->end_col + 1;
}

/* A plain word is needed here (a time, a name, a keyword), not a quoted
 * string or an option. */
static gboolean
need_word (Parser *p, const SesToken *t, const char *what)
{
  if (t->kind == SES_TOK_WORD)
    return TRUE;
  if (t->kind == SES_TOK_OPTION)
    return fail_at (p, t->col, "expected %s here, not the option '%s=…'",
                    what, t->text);
  if (t->kind == SES_TOK_PUNCT)
    return fail_at (p, t->col, "expected %s here, not '%s'", what, t->text);
  return fail_at (p, t->col, "expected %s here, not a quoted string", what);
}

static gboolean
unknown_word (Parser *p, const SesToken *t, const char *what,
              const char *const *known)
{
  const char *near = ses_nearest_word (t->text, known);
  g_autofree char *list = g_strjoinv (", ", (char **) known);
  if (near != NULL && t->kind == SES_TOK_STRING && strcmp (near, t->text) == 0)
    return fail_at (p, t->col, "the %s '%s' is a keyword: write it without "
                    "quotes", what, t->text);
  if (near != NULL)
    return fail_at (p, t->col, "unknown %s '%s'; did you mean '%s'?", what,
                    t->text, near);
  return fail_at (p, t->col, "unknown %s '%s' (expected one of: %s)", what,
                  t->text, list);
}

static gboolean
duration_value (Parser *p, const char *text, guint col, gboolean allow_never,
                SesTime *out, gboolean *never)
{
  const char *why = NULL;
  gsize where = 0;
  if (!ses_parse_duration_at (text, allow_never, out, never, &why, &where))
    {
      /* Point at the part at fault: the 30s of 1h30s2m. */
      guint at = col + (guint) g_utf8_strlen (text, (gssize) where);
      return fail_at (p, at, "'%s': %s", text, why);
    }
  return TRUE;
}

/* Whole seconds, as MQTT intervals are; `never` gives SES_EXPIRY_NEVER. */
static gboolean
seconds_value (Parser *p, const SesToken *t, gboolean allow_never,
               guint32 max, guint32 *out)
{
  SesTime us;
  gboolean never = FALSE;
  if (!duration_value (p, t->value, t->value_col, allow_never, &us, &never))
    return FALSE;
  if (never)
    {
      *out = SES_EXPIRY_NEVER;
      return TRUE;
    }
  if (us % SES_US_PER_S != 0)
    return fail_at (p, t->value_col,
                    "'%s': MQTT counts this interval in whole seconds",
                    t->value);
  if (us / SES_US_PER_S > (SesTime) max)
    return fail_at (p, t->value_col, "'%s' is out of range (at most %us)",
                    t->value, max);
  *out = (guint32) (us / SES_US_PER_S);
  return TRUE;
}

static gboolean
uint_value (Parser *p, const SesToken *t, guint64 min, guint64 max,
            guint64 *out)
{
  if (!ses_parse_uint (t->value, max, out) || *out < min)
    return fail_at (p, t->value_col,
                    "'%s' for %s: expected a whole number from %" G_GUINT64_FORMAT
                    " to %" G_GUINT64_FORMAT,
                    t->value, t->text, min, max);
  return TRUE;
}

static gboolean
bool_value (Parser *p, const SesToken *t, gboolean *out)
{
  if (!ses_parse_bool (t->value, out))
    return fail_at (p, t->value_col,
                    "'%s' for %s: expected on or off (1/0, yes/no)", t->value,
                    t->text);
  return TRUE;
}

/* A switch kept in one byte (SesAction's). */
static gboolean
flag_value (Parser *p, const SesToken *t, guint8 *out)
{
  gboolean on;
  if (!bool_value (p, t, &on))
    return FALSE;
  *out = on ? 1 : 0;
  return TRUE;
}

/* `linger=`: on (the default bound), off, or the bound itself, a
 * duration in whole milliseconds (the trace writes it so). */
static gboolean
linger_value (Parser *p, const SesToken *t, SesTime *out)
{
  gboolean on;
  if (ses_parse_bool (t->value, &on))
    {
      *out = on ? SES_LINGER_DEFAULT_US : 0;
      return TRUE;
    }
  SesTime us;
  if (!g_ascii_isdigit (t->value[0]))
    return fail_at (p, t->value_col, "'%s' for linger: expected on, off or "
                    "how long to wait for the broker's close, as in "
                    "linger=2s", t->value);
  if (!duration_value (p, t->value, t->value_col, FALSE, &us, NULL))
    return FALSE;
  if (us == 0)
    return fail_at (p, t->value_col, "linger=%s would not wait at all; use "
                    "off to close at once", t->value);
  if (us % 1000 != 0)
    return fail_at (p, t->value_col, "'%s': linger counts in whole "
                    "milliseconds", t->value);
  if (us > SES_LINGER_MAX_US)
    return fail_at (p, t->value_col, "linger=%s is too long (at most 1h)",
                    t->value);
  *out = us;
  return TRUE;
}

static gboolean
expect_option (Parser *p, const SesToken *t, const char *const *known,
               const char *where)
{
  if (t->kind != SES_TOK_OPTION)
    {
      const char *near = ses_nearest_word (t->text, known);
      if (near != NULL)
        return fail_at (p, t->col, "expected an option such as %s=…; did you "
                        "mean '%s=…'?", known[0], near);
      return fail_at (p, t->col, "unexpected '%s' in %s (options look like "
                      "%s=…)", t->text, where, known[0]);
    }
  for (guint i = 0; known[i] != NULL; i++)
    if (strcmp (t->text, known[i]) == 0)
      return TRUE;
  return unknown_word (p, t, "option", known);
}

static gboolean
version_value (Parser *p, const char *text, guint col, SesMqttVersion *out)
{
  if (!ses_profile_parse_version (text, out))
    return fail_at (p, col, "unknown MQTT version '%s' (use 3.1.1 or 5)",
                    text);
  return TRUE;
}

/* ---- header and declarations ------------------------------------------- */

static gboolean
parse_header (Parser *p, const char *kw)
{
  const SesToken *arg = tok (p, 1);
  if (arg == NULL)
    return fail_at (p, end_col (p), "'%s' needs a value", kw);
  if (strcmp (kw, "teaches") != 0 && tok (p, 2) != NULL)
    return fail_at (p, tok (p, 2)->col, "'%s' takes one value", kw);
  if ((strcmp (kw, "mqtt") == 0 || strcmp (kw, "seed") == 0
       || strcmp (kw, "until") == 0)
      && !need_word (p, arg, "a value"))
    return FALSE;
  if (strcmp (kw, "mqtt") == 0)
    {
      if (p->saw_client)
        return fail_at (p, p->st->tokens->len ? tok (p, 0)->col : 1,
                        "'mqtt' must come before the clients it applies to");
      return version_value (p, arg->text, arg->col, &p->version);
    }
  if (strcmp (kw, "seed") == 0)
    {
      if (!ses_parse_uint (arg->text, G_MAXUINT64, &p->script->seed))
        return fail_at (p, arg->col, "'%s': the seed is a whole number",
                        arg->text);
      return TRUE;
    }
  if (strcmp (kw, "until") == 0)
    return duration_value (p, arg->text, arg->col, FALSE, &p->script->until_us,
                           NULL);
  if (strcmp (kw, "title") == 0)
    {
      if (arg->kind != SES_TOK_STRING)
        return fail_at (p, arg->col, "the title is a quoted string");
      g_free (p->script->title);
      p->script->title = g_strdup (arg->text);
      return TRUE;
    }
  /* teaches "line" ["line" …] */
  for (guint i = 1; tok (p, i) != NULL; i++)
    {
      if (tok (p, i)->kind != SES_TOK_STRING)
        return fail_at (p, tok (p, i)->col, "'teaches' takes quoted strings");
      if (p->script->teaches->len > 0)
        g_string_append_c (p->script->teaches, '\n');
      g_string_append (p->script->teaches, tok (p, i)->text);
    }
  return TRUE;
}

/* question "…" "answer…" [at=TIME]: a question for the reader whose
 * answer the run shows (at TIME, when given). */
static gboolean
parse_question (Parser *p)
{
  const SesToken *q = tok (p, 1), *a = tok (p, 2), *at = tok (p, 3);
  if (q == NULL || q->kind != SES_TOK_STRING)
    return fail_at (p, q != NULL ? q->col : end_col (p),
                    "'question' takes the question as a quoted string");
  if (a == NULL || a->kind != SES_TOK_STRING)
    return fail_at (p, a != NULL ? a->col : end_col (p),
                    "'question' takes the answer as a second quoted string");
  SesQuestion qn = { g_strdup (q->text), g_strdup (a->text), SES_TIME_NONE };
  if (at != NULL)
    {
      gboolean ok = at->kind == SES_TOK_OPTION && strcmp (at->text, "at") == 0;
      if (!ok || tok (p, 4) != NULL)
        {
          clear_question (&qn);
          return fail_at (p, (ok ? tok (p, 4) : at)->col,
                          "after the answer, 'question' takes only at=TIME");
        }
      if (!duration_value (p, at->value, at->value_col, FALSE, &qn.at_us,
                           NULL))
        {
          clear_question (&qn);
          return FALSE;
        }
    }
  g_array_append_val (p->script->questions, qn);
  return TRUE;
}

/* variant=NAME: a deliberately wrong broker or client (models/variant.h). */
static gboolean
variant_value (Parser *p, const SesToken *t, gboolean client_side,
               guint32 *mask)
{
  SesVariant v;
  if (!ses_variant_lookup (t->value, &v))
    {
      const char *names[SES_VARIANT_COUNT + 1];
      for (guint i = 0; i < SES_VARIANT_COUNT; i++)
        names[i] = ses_variant_info ((SesVariant) i)->name;
      names[SES_VARIANT_COUNT] = NULL;
      const char *near = ses_nearest_word (t->value, names);
      if (near != NULL)
        return fail_at (p, t->value_col, "unknown variant '%s'; did you mean "
                        "'%s'? (sessim list variants)", t->value, near);
      return fail_at (p, t->value_col, "unknown variant '%s' (sessim list "
                      "variants)", t->value);
    }
  if (ses_variant_info (v)->client_side != client_side)
    return fail_at (p, t->value_col, "'%s' is a %s variant: set it on %s",
                    t->value, client_side ? "broker" : "client",
                    client_side ? "the broker line" : "a client line");
  *mask |= 1u << v;
  return TRUE;
}

static gboolean
parse_broker (Parser *p)
{
  static const char *const known[] = {
    "queue-qos0", "queue-limit", "drop", "persistence", "max-session-expiry",
    "receive-max", "server-keep-alive", "qos2", "max-qos", "variant",
    "profile", "no-match-reason", "takeover-disconnect",
    "keep-alive-disconnect", "not-found-reason", "takeover-will",
    "receive-max-disconnect", "second-connect", "packet-ids",
    "will-by-client-id", NULL,
  };
  SesBrokerConfig *b = ses_mqtt_config_broker (p->script->cfg);
  if (tok (p, 1) == NULL)
    return fail_at (p, end_col (p), "'broker' needs settings such as "
                    "persistence=on");
  for (guint i = 1; tok (p, i) != NULL; i++)
    {
      const SesToken *t = tok (p, i);
      if (!expect_option (p, t, known, "broker settings"))
        return FALSE;
      guint64 n;
      guint32 s;
      if (strcmp (t->text, "profile") == 0)
        {
          /* A bundle of the settings below; those written after it on the
           * line (or on later broker lines) override it. */
          if (i != 1)
            return fail_at (p, t->col, "profile= comes first on a broker "
                            "line, so that the settings after it override "
                            "it");
          if (!ses_broker_profile_apply (b, t->value))
            {
              g_autofree char *list = g_strjoinv (
                  ", ", (char **) ses_broker_profile_names ());
              return fail_at (p, t->value_col, "profile=%s: no such broker "
                              "profile (there are: %s)", t->value, list);
            }
        }
      else if (strcmp (t->text, "no-match-reason") == 0)
        {
          if (!bool_value (p, t, &b->no_match_reason))
            return FALSE;
        }
      else if (strcmp (t->text, "takeover-disconnect") == 0)
        {
          if (!bool_value (p, t, &b->takeover_disconnect))
            return FALSE;
        }
      else if (strcmp (t->text, "takeover-will") == 0)
        {
          if (!bool_value (p, t, &b->takeover_will))
            return FALSE;
        }
      else if (strcmp (t->text, "receive-max-disconnect") == 0)
        {
          if (!bool_value (p, t, &b->receive_max_disconnect))
            return FALSE;
        }
      else if (strcmp (t->text, "will-by-client-id") == 0)
        {
          if (!bool_value (p, t, &b->will_by_client_id))
            return FALSE;
        }
      else if (strcmp (t->text, "second-connect") == 0)
        {
          if (strcmp (t->value, "disconnect") == 0)
            b->second_connect = SES_SECOND_CONNECT_DISCONNECT;
          else if (strcmp (t->value, "drop") == 0)
            b->second_connect = SES_SECOND_CONNECT_DROP;
          else
            return fail_at (p, t->value_col, "second-connect=%s: use "
                            "disconnect or drop", t->value);
        }
      else if (strcmp (t->text, "packet-ids") == 0)
        {
          if (strcmp (t->value, "at-send") == 0)
            b->packet_ids = SES_IDS_AT_SEND;
          else if (strcmp (t->value, "at-queue") == 0)
            b->packet_ids = SES_IDS_AT_QUEUE;
          else
            return fail_at (p, t->value_col, "packet-ids=%s: use at-send "
                            "or at-queue", t->value);
        }
      else if (strcmp (t->text, "not-found-reason") == 0)
        {
          if (!bool_value (p, t, &b->not_found_reason))
            return FALSE;
        }
      else if (strcmp (t->text, "keep-alive-disconnect") == 0)
        {
          if (!bool_value (p, t, &b->keep_alive_disconnect))
            return FALSE;
        }
      else if (strcmp (t->text, "queue-qos0") == 0)
        {
          if (!bool_value (p, t, &b->queue_qos0_offline))
            return FALSE;
        }
      else if (strcmp (t->text, "persistence") == 0)
        {
          if (!bool_value (p, t, &b->persistence))
            return FALSE;
        }
      else if (strcmp (t->text, "queue-limit") == 0)
        {
          if (!uint_value (p, t, 0, 1000000, &n))
            return FALSE;
          b->queue_limit = (guint32) n;
        }
      else if (strcmp (t->text, "drop") == 0)
        {
          if (strcmp (t->value, "newest") == 0)
            b->drop_policy = SES_DROP_NEWEST;
          else if (strcmp (t->value, "oldest") == 0)
            b->drop_policy = SES_DROP_OLDEST;
          else
            return fail_at (p, t->value_col, "drop=%s: use newest or oldest",
                            t->value);
        }
      else if (strcmp (t->text, "max-session-expiry") == 0)
        {
          if (!seconds_value (p, t, TRUE, G_MAXUINT32 - 1, &s))
            return FALSE;
          b->max_session_expiry_s = s;
        }
      else if (strcmp (t->text, "receive-max") == 0)
        {
          if (!uint_value (p, t, 1, 65535, &n))
            return FALSE;
          b->receive_max = (guint16) n;
        }
      else if (strcmp (t->text, "server-keep-alive") == 0)
        {
          if (!seconds_value (p, t, FALSE, 65535, &s))
            return FALSE;
          b->server_keep_alive_s = (guint16) s;
        }
      else if (strcmp (t->text, "qos2") == 0)
        {
          if (strcmp (t->value, "on-publish") == 0)
            b->qos2_on_pubrel = FALSE;
          else if (strcmp (t->value, "on-pubrel") == 0)
            b->qos2_on_pubrel = TRUE;
          else
            return fail_at (p, t->value_col,
                            "qos2=%s: use on-publish (Method B) or on-pubrel "
                            "(Method A)", t->value);
        }
      else if (strcmp (t->text, "max-qos") == 0)
        {
          if (!uint_value (p, t, 0, 2, &n))
            return FALSE;
          b->max_qos = (guint8) n;
        }
      else if (!variant_value (p, t, FALSE, &b->variants))
        return FALSE;
    }
  return TRUE;
}

static gboolean
valid_name (const char *name)
{
  if (!g_ascii_isalpha (name[0]))
    return FALSE;
  for (const char *c = name; *c; c++)
    if (!g_ascii_isalnum (*c) && *c != '-' && *c != '_')
      return FALSE;
  return TRUE;
}

static gboolean
parse_client (Parser *p)
{
  static const char *const known[] = {
    "id", "mqtt", "clean-start", "clean-session", "session-expiry",
    "keep-alive", "receive-max", "will-topic", "will-payload", "will-qos",
    "will-retain", "will-delay", "will-expiry", "store", "reconnect",
    "resubscribe", "latency", "variant", NULL,
  };
  static const char *const reserved[] = {
    "broker", "at", "expect", "client", "all", "violation", "check", "every",
    NULL,
  };
  const SesToken *name = tok (p, 1);
  if (name == NULL)
    return fail_at (p, end_col (p), "'client' needs a name, as in "
                    "client sensor id=s1");
  if (name->kind != SES_TOK_WORD || !valid_name (name->text))
    return fail_at (p, name->col, "a client name is a word of letters, digits, "
                    "'-' and '_', starting with a letter");
  for (guint i = 0; reserved[i] != NULL; i++)
    if (strcmp (name->text, reserved[i]) == 0)
      return fail_at (p, name->col, "'%s' is a keyword, not a client name",
                      name->text);
  if (g_hash_table_contains (p->clients, name->text))
    return fail_at (p, name->col, "client '%s' is already declared",
                    name->text);
  if (p->saw_timeline)
    return fail_at (p, tok (p, 0)->col,
                    "declare clients before the timeline ('at …' lines)");

  SesClientConfig c;
  SesMqttVersion version = p->version;
  /* The version first, since it decides which options make sense. */
  for (guint i = 2; tok (p, i) != NULL; i++)
    if (tok (p, i)->kind == SES_TOK_OPTION
        && strcmp (tok (p, i)->text, "mqtt") == 0
        && !version_value (p, tok (p, i)->value, tok (p, i)->value_col,
                           &version))
      return FALSE;
  ses_client_config_init (&c, version);
  c.latency_us = 10 * SES_US_PER_MS;
  const char *id = name->text;
  SesWill will = { 0 };
  gboolean has_will = FALSE, will_topic = FALSE;
  guint will_col = 0;
  for (guint i = 2; tok (p, i) != NULL; i++)
    {
      const SesToken *t = tok (p, i);
      if (!expect_option (p, t, known, "a client declaration"))
        return FALSE;
      guint64 n;
      guint32 s;
      gboolean flag;
      if (g_str_has_prefix (t->text, "will-") && will_col == 0)
        will_col = t->col; /* where a will without a topic is reported */
      if (strcmp (t->text, "id") == 0)
        id = t->value;
      else if (strcmp (t->text, "mqtt") == 0)
        continue;
      else if (strcmp (t->text, "clean-start") == 0
               || strcmp (t->text, "clean-session") == 0)
        {
          gboolean v5_word = strcmp (t->text, "clean-start") == 0;
          if (v5_word != (version == SES_MQTT_5))
            return fail_at (p, t->col, "MQTT %s calls it %s",
                            version == SES_MQTT_5 ? "5" : "3.1.1",
                            version == SES_MQTT_5 ? "clean-start"
                                                  : "clean-session");
          if (!bool_value (p, t, &flag))
            return FALSE;
          c.clean = flag;
        }
      else if (strcmp (t->text, "session-expiry") == 0)
        {
          if (version != SES_MQTT_5)
            return fail_at (p, t->col, "MQTT 3.1.1 has no session expiry; "
                            "sessions live until a clean-session=1 connect");
          if (!seconds_value (p, t, TRUE, G_MAXUINT32 - 1, &s))
            return FALSE;
          c.has_expiry = TRUE;
          c.expiry_s = s;
        }
      else if (strcmp (t->text, "keep-alive") == 0)
        {
          if (!seconds_value (p, t, FALSE, 65535, &s))
            return FALSE;
          c.keep_alive_s = (guint16) s;
        }
      else if (strcmp (t->text, "receive-max") == 0)
        {
          if (version != SES_MQTT_5)
            return fail_at (p, t->col, "receive-max is MQTT 5 only");
          if (!uint_value (p, t, 1, 65535, &n))
            return FALSE;
          c.receive_max = (guint16) n;
        }
      else if (strcmp (t->text, "will-topic") == 0)
        {
          if (!ses_topic_name_valid (t->value))
            return fail_at (p, t->value_col, "'%s' is not a valid topic name "
                            "(no wildcards, not empty)", t->value);
          will.topic = ses_mqtt_config_intern (p->script->cfg, t->value);
          has_will = will_topic = TRUE;
        }
      else if (strcmp (t->text, "will-payload") == 0)
        {
          will.payload = ses_mqtt_config_intern (p->script->cfg, t->value);
          has_will = TRUE;
        }
      else if (strcmp (t->text, "will-qos") == 0)
        {
          if (!uint_value (p, t, 0, 2, &n))
            return FALSE;
          will.qos = (guint8) n;
          has_will = TRUE;
        }
      else if (strcmp (t->text, "will-retain") == 0)
        {
          if (!bool_value (p, t, &will.retain))
            return FALSE;
          has_will = TRUE;
        }
      else if (strcmp (t->text, "will-delay") == 0)
        {
          if (version != SES_MQTT_5)
            return fail_at (p, t->col, "will-delay is MQTT 5 only");
          if (!seconds_value (p, t, FALSE, G_MAXUINT32 - 1, &s))
            return FALSE;
          will.delay_s = s;
          has_will = TRUE;
        }
      else if (strcmp (t->text, "will-expiry") == 0)
        {
          if (version != SES_MQTT_5)
            return fail_at (p, t->col, "will-expiry is MQTT 5 only");
          if (!seconds_value (p, t, FALSE, G_MAXUINT32 - 1, &s))
            return FALSE;
          will.has_expiry = TRUE;
          will.expiry_s = s;
          has_will = TRUE;
        }
      else if (strcmp (t->text, "store") == 0)
        {
          if (strcmp (t->value, "persistent") == 0)
            c.persistent_store = TRUE;
          else if (strcmp (t->value, "memory") == 0)
            c.persistent_store = FALSE;
          else
            return fail_at (p, t->value_col,
                            "store=%s: use memory or persistent", t->value);
        }
      else if (strcmp (t->text, "resubscribe") == 0)
        {
          if (strcmp (t->value, "new-session") == 0)
            c.resubscribe = SES_RESUBSCRIBE_NEW_SESSION;
          else if (strcmp (t->value, "always") == 0)
            c.resubscribe = SES_RESUBSCRIBE_ALWAYS;
          else if (strcmp (t->value, "never") == 0)
            c.resubscribe = SES_RESUBSCRIBE_NEVER;
          else
            return fail_at (p, t->value_col,
                            "resubscribe=%s: use new-session, always or never",
                            t->value);
        }
      else if (strcmp (t->text, "reconnect") == 0)
        {
          if (strcmp (t->value, "off") == 0)
            c.reconnect_delay_us = 0;
          else if (!duration_value (p, t->value, t->value_col, FALSE,
                                    &c.reconnect_delay_us, NULL))
            return FALSE;
          else if (c.reconnect_delay_us == 0)
            return fail_at (p, t->value_col, "reconnect=0s would reconnect in "
                            "the same instant forever; use off or a delay");
        }
      else if (strcmp (t->text, "latency") == 0)
        {
          if (!duration_value (p, t->value, t->value_col, FALSE, &c.latency_us,
                               NULL))
            return FALSE;
          if (c.latency_us > 3600 * SES_US_PER_S)
            return fail_at (p, t->value_col, "latency above an hour");
        }
      else if (strcmp (t->text, "variant") == 0)
        {
          if (!variant_value (p, t, TRUE, &c.variants))
            return FALSE;
        }
    }
  if (has_will && !will_topic)
    return fail_at (p, will_col, "a will needs will-topic=…");
  if (has_will)
    c.will = ses_mqtt_config_add_will (p->script->cfg, &will);
  guint index = ses_mqtt_config_add_client (p->script->cfg, name->text, id, &c);
  g_hash_table_insert (p->clients, g_strdup (name->text),
                       GUINT_TO_POINTER (index + 1));
  p->saw_client = TRUE;
  return TRUE;
}

/* ---- timeline ----------------------------------------------------------- */

static gboolean
lookup_client (Parser *p, const SesToken *t, guint32 *out)
{
  gpointer v = g_hash_table_lookup (p->clients, t->text);
  if (v != NULL)
    {
      *out = GPOINTER_TO_UINT (v) - 1;
      return TRUE;
    }
  /* Suggest among the declared names, in declaration order. */
  const GPtrArray *labels = ses_mqtt_config_labels (p->script->cfg);
  g_autoptr (GPtrArray) names = g_ptr_array_new ();
  for (guint i = 0; i < labels->len; i++)
    g_ptr_array_add (names, g_ptr_array_index (labels, i));
  g_ptr_array_add (names, NULL);
  const char *near = ses_nearest_word (t->text, (const char *const *) names->pdata);
  if (near != NULL)
    return fail_at (p, t->col, "undeclared client '%s'; did you mean '%s'?",
                    t->text, near);
  return fail_at (p, t->col, "undeclared client '%s' (declare it with "
                  "'client %s …' first)", t->text, t->text);
}

static gboolean
no_more (Parser *p, guint from, const char *what)
{
  if (tok (p, from) != NULL)
    return fail_at (p, tok (p, from)->col, "unexpected '%s' after %s",
                    tok (p, from)->text, what);
  return TRUE;
}

static const char *const timeline_actions[] = {
  "connect", "disconnect", "subscribe", "unsubscribe", "publish", "cut",
  "half-open", "crash", "hold-acks", "release-acks", "reset", "pause",
  "resume", "ack", "ack-reason", "send-publish", "send-pubrel",
  "send-connect", NULL,
};

/* kind=puback|pubrec|pubrel|pubcomp: one kind of acknowledgement. */
static gboolean
ack_kind_value (Parser *p, const SesToken *t, guint8 *out)
{
  static const char *const kinds[] = { "puback", "pubrec", "pubrel",
                                       "pubcomp", NULL };
  for (guint i = 0; kinds[i] != NULL; i++)
    if (g_ascii_strcasecmp (t->value, kinds[i]) == 0)
      {
        *out = (guint8) (SES_PKT_PUBACK + i);
        return TRUE;
      }
  SesToken as_word = *t;
  as_word.text = t->value;
  as_word.col = t->value_col;
  return unknown_word (p, &as_word, "acknowledgement kind", kinds);
}

/* reason=0x.. for an acknowledgement of `type`: only the codes 5.0
 * defines for it (§3.4.2.1 PUBACK, §3.5.2.1 PUBREC, §3.6.2.1 PUBREL,
 * §3.7.2.1 PUBCOMP). */
static gboolean
ack_reason_value (Parser *p, const SesToken *t, guint8 type, guint8 *out)
{
  static const guint8 pub[] = { 0x00, 0x10, 0x80, 0x83, 0x87, 0x90, 0x91,
                                0x97, 0x99 };
  static const guint8 rel[] = { 0x00, 0x92 };
  guint64 n;
  if (!uint_value (p, t, 0, 255, &n))
    return FALSE;
  gboolean first = type == SES_PKT_PUBACK || type == SES_PKT_PUBREC;
  const guint8 *ok = first ? pub : rel;
  gsize n_ok = first ? G_N_ELEMENTS (pub) : G_N_ELEMENTS (rel);
  for (gsize i = 0; i < n_ok; i++)
    if (ok[i] == n)
      {
        *out = (guint8) n;
        return TRUE;
      }
  return fail_at (p, t->value_col, "'%s' is not a reason code of %s (5.0 "
                  "§%s: %s)", t->value, ses_packet_type_name (type),
                  type == SES_PKT_PUBACK ? "3.4.2.1"
                  : type == SES_PKT_PUBREC ? "3.5.2.1"
                  : type == SES_PKT_PUBREL ? "3.6.2.1" : "3.7.2.1",
                  first ? "0x00, 0x10, 0x80, 0x83, 0x87, 0x90, 0x91, 0x97, "
                          "0x99" : "0x00 or 0x92");
}

/* The options of the acknowledgement actions (hold-acks, release-acks,
 * ack, ack-reason) from token i on. */
static gboolean
ack_options (Parser *p, guint i, SesMqttVersion version, SesAction *a)
{
  static const char *const kind_only[] = { "kind", NULL };
  static const char *const ack_opts[] = { "id", "kind", "reason", NULL };
  static const char *const reason_opts[] = { "kind", "reason", NULL };
  const char *const *opts = a->kind == SES_ACT_ACK ? ack_opts
                            : a->kind == SES_ACT_ACK_REASON ? reason_opts
                                                            : kind_only;
  const char *name = a->kind == SES_ACT_ACK ? "ack"
                     : a->kind == SES_ACT_ACK_REASON ? "ack-reason"
                     : a->kind == SES_ACT_HOLD_ACKS ? "hold-acks"
                                                    : "release-acks";
  const SesToken *reason = NULL, *label = NULL;
  guint start = i;
  for (; tok (p, i) != NULL; i++)
    {
      const SesToken *t = tok (p, i);
      if (a->kind == SES_ACT_ACK && t->kind == SES_TOK_STRING && label == NULL
          && i == start)
        {
          /* The message, by its payload. */
          label = t;
          a->payload = ses_mqtt_config_intern (p->script->cfg, t->text);
          continue;
        }
      if (!expect_option (p, t, opts, name))
        return FALSE;
      if (strcmp (t->text, "kind") == 0)
        {
          if (!ack_kind_value (p, t, &a->ack_type))
            return FALSE;
        }
      else if (strcmp (t->text, "id") == 0)
        {
          guint64 n;
          if (label != NULL)
            return fail_at (p, t->col, "ack takes a packet id or a "
                            "message's payload, not both");
          if (!uint_value (p, t, 1, 65535, &n))
            return FALSE;
          a->packet_id = (guint16) n;
        }
      else
        {
          if (version != SES_MQTT_5)
            return fail_at (p, t->col, "an MQTT 3.1.1 acknowledgement "
                            "carries no reason code");
          reason = t;
        }
    }
  if (a->kind == SES_ACT_ACK && label == NULL && a->packet_id == 0)
    return fail_at (p, end_col (p), "ack needs the message: its payload "
                    "(ack \"21.5\") or its packet id (ack id=3)");
  if (a->kind == SES_ACT_ACK_REASON && (a->ack_type == 0 || reason == NULL))
    return fail_at (p, end_col (p), "ack-reason needs kind=… and reason=…, "
                    "as in: ack-reason kind=puback reason=0x80");
  if (reason != NULL && a->ack_type == 0)
    return fail_at (p, reason->col, "reason= needs kind=… too: which codes "
                    "are allowed depends on the acknowledgement");
  if (reason != NULL)
    {
      if (!ack_reason_value (p, reason, a->ack_type, &a->reason))
        return FALSE;
      a->has_reason = TRUE;
    }
  return TRUE;
}

/* send-publish "topic" "payload" qos=N id=N dup=on retain=on expiry=DUR:
 * a PUBLISH exactly as written, outside the client's session. */
static gboolean
parse_raw_publish (Parser *p, guint who_i, SesMqttVersion version,
                   SesAction *a)
{
  static const char *const opts[] = { "qos", "id", "dup", "retain",
                                      "expiry", NULL };
  const SesToken *topic = tok (p, who_i + 2), *payload = tok (p, who_i + 3);
  const SesToken *id = NULL, *dup = NULL;
  a->kind = SES_ACT_RAW_PUBLISH;
  if (topic == NULL || topic->kind != SES_TOK_STRING)
    return fail_at (p, topic ? topic->col : end_col (p),
                    "send-publish needs a quoted topic and payload, as in "
                    "send-publish \"a/b\" \"x\" qos=1 id=7");
  if (!ses_topic_name_valid (topic->text))
    return fail_at (p, topic->col + 1, "'%s' is not a valid topic name "
                    "(no wildcards, not empty)", topic->text);
  if (payload == NULL || payload->kind != SES_TOK_STRING)
    return fail_at (p, payload ? payload->col : end_col (p),
                    "send-publish needs a quoted payload after the topic");
  a->topic = ses_mqtt_config_intern (p->script->cfg, topic->text);
  a->payload = ses_mqtt_config_intern (p->script->cfg, payload->text);
  for (guint i = who_i + 4; tok (p, i) != NULL; i++)
    {
      const SesToken *t = tok (p, i);
      guint64 n;
      if (!expect_option (p, t, opts, "send-publish"))
        return FALSE;
      if (strcmp (t->text, "qos") == 0)
        {
          if (!uint_value (p, t, 0, 2, &n))
            return FALSE;
          a->qos = (guint8) n;
        }
      else if (strcmp (t->text, "id") == 0)
        {
          if (!uint_value (p, t, 1, 65535, &n))
            return FALSE;
          a->packet_id = (guint16) n;
          id = t;
        }
      else if (strcmp (t->text, "dup") == 0)
        {
          if (!flag_value (p, t, &a->dup))
            return FALSE;
          dup = t;
        }
      else if (strcmp (t->text, "retain") == 0)
        {
          if (!flag_value (p, t, &a->retain))
            return FALSE;
        }
      else
        {
          guint32 s;
          if (version != SES_MQTT_5)
            return fail_at (p, t->col, "message expiry is MQTT 5 only");
          if (!seconds_value (p, t, FALSE, G_MAXUINT32 - 1, &s))
            return FALSE;
          a->has_expiry = TRUE;
          a->expiry_s = s;
        }
    }
  /* A QoS 0 PUBLISH has no packet id and a QoS 1/2 one has (3.1.1
   * [MQTT-2.3.1-5], 5.0 [MQTT-2.2.1-2]); DUP is 0 on QoS 0 (both
   * [MQTT-3.3.1-2]). The model's packets cannot carry either mistake, so
   * the script may not ask for it. */
  if (a->qos == 0 && id != NULL)
    return fail_at (p, id->col, "a QoS 0 PUBLISH has no packet id (3.1.1 "
                    "[MQTT-2.3.1-5], 5.0 [MQTT-2.2.1-2])");
  if (a->qos == 0 && a->dup)
    return fail_at (p, dup->col, "DUP must be 0 on a QoS 0 PUBLISH (both "
                    "[MQTT-3.3.1-2])");
  if (a->qos > 0 && id == NULL)
    return fail_at (p, end_col (p), "a QoS %u send-publish needs its packet "
                    "id, as in id=7", a->qos);
  return TRUE;
}

/* `WHO ACTION ARGUMENT…` from token who_i up to the window's end: the part
 * an `at` line and an item of an `every` statement share. Fills all of *a
 * but its time. */
static gboolean
parse_action (Parser *p, guint who_i, SesAction *a)
{
  static const char *const *const actions = timeline_actions;
  const SesToken *who = tok (p, who_i), *what = tok (p, who_i + 1);
  memset (a, 0, sizeof *a);
  if (who == NULL)
    return fail_at (p, end_col (p), "missing who acts: a client name or "
                    "broker");
  if (!need_word (p, who, "a client name or broker"))
    return FALSE;
  if (what != NULL && !need_word (p, what, "an action"))
    return FALSE;
  if (what == NULL && strcmp (who->text, "broker") != 0)
    return fail_at (p, end_col (p), "missing action after '%s' (one of "
                    "connect, disconnect, subscribe, publish, cut, …)",
                    who->text);
  if (strcmp (who->text, "broker") == 0)
    {
      static const char *const broker_actions[] = { "restart", NULL };
      if (what == NULL)
        return fail_at (p, end_col (p), "missing broker action (restart)");
      if (strcmp (what->text, "restart") != 0)
        return unknown_word (p, what, "broker action", broker_actions);
      if (!no_more (p, who_i + 2, "restart"))
        return FALSE;
      a->kind = SES_ACT_RESTART;
    }
  else
    {
      if (!lookup_client (p, who, &a->client))
        return FALSE;
      SesMqttVersion version = ses_mqtt_config_client (p->script->cfg,
                                                      a->client)->version;
      const char *w = what->text;
      if (what->kind != SES_TOK_WORD)
        return fail_at (p, what->col, "expected an action (connect, publish, "
                        "…) here");
      if (strcmp (w, "connect") == 0)
        {
          static const char *const opts[] = { "clean-start", "clean-session",
                                              "session-expiry",
                                              "protocol-name", NULL };
          a->kind = SES_ACT_CONNECT;
          for (guint i = who_i + 2; tok (p, i) != NULL; i++)
            {
              const SesToken *t = tok (p, i);
              if (!expect_option (p, t, opts, "connect"))
                return FALSE;
              if (strcmp (t->text, "protocol-name") == 0)
                {
                  /* Only a wrong name is worth writing: "MQTT" is what
                   * every CONNECT carries. */
                  if (strcmp (t->value, "MQTT") == 0)
                    return fail_at (p, t->value_col, "protocol-name=MQTT is "
                                    "what every CONNECT sends; give a wrong "
                                    "name to see the broker refuse it");
                  if (t->value[0] == '\0')
                    return fail_at (p, t->value_col, "protocol-name needs a "
                                    "name, as in protocol-name=\"MQTX\"");
                  a->protocol_name = ses_mqtt_config_intern (p->script->cfg,
                                                             t->value);
                }
              else if (strcmp (t->text, "session-expiry") == 0)
                {
                  if (version != SES_MQTT_5)
                    return fail_at (p, t->col, "MQTT 3.1.1 has no session "
                                    "expiry");
                  guint32 s;
                  if (!seconds_value (p, t, TRUE, G_MAXUINT32 - 1, &s))
                    return FALSE;
                  a->override_expiry = TRUE;
                  a->has_expiry = TRUE;
                  a->expiry_s = s;
                }
              else
                {
                  gboolean v5_word = strcmp (t->text, "clean-start") == 0;
                  if (v5_word != (version == SES_MQTT_5))
                    return fail_at (p, t->col, "MQTT %s calls it %s",
                                    version == SES_MQTT_5 ? "5" : "3.1.1",
                                    version == SES_MQTT_5 ? "clean-start"
                                                          : "clean-session");
                  if (!flag_value (p, t, &a->clean))
                    return FALSE;
                  a->override_clean = TRUE;
                }
            }
        }
      else if (strcmp (w, "disconnect") == 0)
        {
          static const char *const opts[] = { "reason", "session-expiry",
                                              "reason-string", "linger",
                                              NULL };
          a->kind = SES_ACT_DISCONNECT;
          for (guint i = who_i + 2; tok (p, i) != NULL; i++)
            {
              const SesToken *t = tok (p, i);
              if (!expect_option (p, t, opts, "disconnect"))
                return FALSE;
              if (strcmp (t->text, "linger") == 0)
                {
                  /* Not on the wire, so for either version. */
                  SesTime linger = 0;
                  if (!linger_value (p, t, &linger))
                    return FALSE;
                  a->linger_us = (guint32) linger; /* <= SES_LINGER_MAX_US */
                  continue;
                }
              if (version != SES_MQTT_5)
                return fail_at (p, t->col, "an MQTT 3.1.1 DISCONNECT carries "
                                "no %s", t->text);
              if (strcmp (t->text, "reason") == 0)
                {
                  guint64 n;
                  if (!uint_value (p, t, 0, 255, &n))
                    return FALSE;
                  a->reason = (guint8) n;
                }
              else if (strcmp (t->text, "reason-string") == 0)
                /* 5.0 §3.14.2.2.3 */
                a->reason_string = ses_mqtt_config_intern (p->script->cfg,
                                                           t->value);
              else
                {
                  guint32 s;
                  if (!seconds_value (p, t, TRUE, G_MAXUINT32 - 1, &s))
                    return FALSE;
                  a->has_expiry = TRUE;
                  a->expiry_s = s;
                }
            }
        }
      else if (strcmp (w, "subscribe") == 0 || strcmp (w, "unsubscribe") == 0)
        {
          gboolean sub = w[0] == 's';
          a->kind = sub ? SES_ACT_SUBSCRIBE : SES_ACT_UNSUBSCRIBE;
          const SesToken *f = tok (p, who_i + 2);
          if (f == NULL || f->kind != SES_TOK_STRING)
            return fail_at (p, f ? f->col : end_col (p),
                            "%s needs a quoted topic filter, as in "
                            "\"plant/+/temp\"", w);
          if (!ses_topic_filter_valid (f->text))
            return fail_at (p, f->col + 1, "'%s' is not a valid topic filter "
                            "('#' only as the last level, '+' a whole level)",
                            f->text);
          a->topic = ses_mqtt_config_intern (p->script->cfg, f->text);
          a->qos = 0;
          for (guint i = who_i + 3; tok (p, i) != NULL; i++)
            {
              static const char *const opts[] = { "qos", NULL };
              const SesToken *t = tok (p, i);
              if (!sub)
                return no_more (p, i, "the filter");
              if (!expect_option (p, t, opts, "subscribe"))
                return FALSE;
              guint64 n;
              if (!uint_value (p, t, 0, 2, &n))
                return FALSE;
              a->qos = (guint8) n;
            }
        }
      else if (strcmp (w, "publish") == 0)
        {
          static const char *const opts[] = { "qos", "retain", "expiry", NULL };
          a->kind = SES_ACT_PUBLISH;
          const SesToken *topic = tok (p, who_i + 2), *payload = tok (p, who_i + 3);
          if (topic == NULL || topic->kind != SES_TOK_STRING)
            return fail_at (p, topic ? topic->col : end_col (p),
                            "publish needs a quoted topic and payload, as in "
                            "publish \"plant/a/temp\" \"21.5\" qos=1");
          if (!ses_topic_name_valid (topic->text))
            return fail_at (p, topic->col + 1, "'%s' is not a valid topic name "
                            "(no wildcards, not empty)", topic->text);
          if (payload == NULL || payload->kind != SES_TOK_STRING)
            return fail_at (p, payload ? payload->col : end_col (p),
                            "publish needs a quoted payload after the topic");
          a->topic = ses_mqtt_config_intern (p->script->cfg, topic->text);
          a->payload = ses_mqtt_config_intern (p->script->cfg, payload->text);
          for (guint i = who_i + 4; tok (p, i) != NULL; i++)
            {
              const SesToken *t = tok (p, i);
              if (!expect_option (p, t, opts, "publish"))
                return FALSE;
              guint64 n;
              if (strcmp (t->text, "qos") == 0)
                {
                  if (!uint_value (p, t, 0, 2, &n))
                    return FALSE;
                  a->qos = (guint8) n;
                }
              else if (strcmp (t->text, "retain") == 0)
                {
                  if (!flag_value (p, t, &a->retain))
                    return FALSE;
                }
              else
                {
                  if (version != SES_MQTT_5)
                    return fail_at (p, t->col, "message expiry is MQTT 5 only");
                  guint32 s;
                  if (!seconds_value (p, t, FALSE, G_MAXUINT32 - 1, &s))
                    return FALSE;
                  a->has_expiry = TRUE;
                  a->expiry_s = s;
                }
            }
        }
      else if (strcmp (w, "half-open") == 0)
        {
          static const char *const opts[] = { "unaware", NULL };
          a->kind = SES_ACT_HALF_OPEN_BROKER;
          for (guint i = who_i + 2; tok (p, i) != NULL; i++)
            {
              const SesToken *t = tok (p, i);
              if (!expect_option (p, t, opts, "half-open"))
                return FALSE;
              if (strcmp (t->value, "broker") == 0)
                a->kind = SES_ACT_HALF_OPEN_BROKER;
              else if (strcmp (t->value, "client") == 0)
                a->kind = SES_ACT_HALF_OPEN_CLIENT;
              else
                return fail_at (p, t->value_col, "unaware=%s: use broker or "
                                "client", t->value);
            }
        }
      else if (strcmp (w, "cut") == 0 || strcmp (w, "crash") == 0
               || strcmp (w, "reset") == 0 || strcmp (w, "pause") == 0
               || strcmp (w, "resume") == 0
               || strcmp (w, "send-connect") == 0)
        {
          a->kind = strcmp (w, "cut") == 0 ? SES_ACT_CUT
                    : strcmp (w, "crash") == 0 ? SES_ACT_CRASH
                    : strcmp (w, "reset") == 0 ? SES_ACT_RESET
                    : strcmp (w, "pause") == 0 ? SES_ACT_PAUSE
                    : strcmp (w, "resume") == 0 ? SES_ACT_RESUME
                                                : SES_ACT_RAW_CONNECT;
          if (!no_more (p, who_i + 2, w))
            return FALSE;
        }
      else if (strcmp (w, "hold-acks") == 0
               || strcmp (w, "release-acks") == 0 || strcmp (w, "ack") == 0
               || strcmp (w, "ack-reason") == 0)
        {
          a->kind = strcmp (w, "hold-acks") == 0 ? SES_ACT_HOLD_ACKS
                    : strcmp (w, "release-acks") == 0 ? SES_ACT_RELEASE_ACKS
                    : strcmp (w, "ack") == 0 ? SES_ACT_ACK
                                             : SES_ACT_ACK_REASON;
          if (a->kind == SES_ACT_ACK_REASON && version != SES_MQTT_5)
            return fail_at (p, what->col, "an MQTT 3.1.1 acknowledgement "
                            "carries no reason code");
          if (!ack_options (p, who_i + 2, version, a))
            return FALSE;
        }
      else if (strcmp (w, "send-publish") == 0)
        {
          if (!parse_raw_publish (p, who_i, version, a))
            return FALSE;
        }
      else if (strcmp (w, "send-pubrel") == 0)
        {
          static const char *const opts[] = { "id", "reason", NULL };
          const SesToken *reason = NULL;
          a->kind = SES_ACT_RAW_PUBREL;
          for (guint i = who_i + 2; tok (p, i) != NULL; i++)
            {
              const SesToken *t = tok (p, i);
              guint64 n;
              if (!expect_option (p, t, opts, "send-pubrel"))
                return FALSE;
              if (strcmp (t->text, "id") == 0)
                {
                  if (!uint_value (p, t, 1, 65535, &n))
                    return FALSE;
                  a->packet_id = (guint16) n;
                }
              else if (version != SES_MQTT_5)
                return fail_at (p, t->col, "an MQTT 3.1.1 PUBREL carries no "
                                "reason code");
              else
                reason = t;
            }
          if (a->packet_id == 0)
            return fail_at (p, end_col (p), "send-pubrel needs the packet "
                            "id, as in: send-pubrel id=7");
          if (reason != NULL
              && !ack_reason_value (p, reason, SES_PKT_PUBREL, &a->reason))
            return FALSE;
        }
      else
        return unknown_word (p, what, "action", actions);
    }
  return TRUE;
}


/* Queues one timeline action; the whole timeline is bounded, so no
 * scenario (and no fuzzed `every 1us`) can make an unbounded list. */
static void
add_pending (Parser *p, const SesAction *a, guint line)
{
  Pending pa = { .action = *a, .line = line, .seq = p->pending->len };
  g_array_append_val (p->pending, pa);
  p->last_time = MAX (p->last_time, a->at_us);
}

static gboolean
parse_at (Parser *p)
{
  const SesToken *when = tok (p, 1);
  if (when == NULL)
    return fail_at (p, end_col (p), "'at' needs a time, a client and an "
                    "action, as in: at 5s sensor connect");
  SesTime at;
  if (when->kind == SES_TOK_WORD && when->text[0] == '+')
    return fail_at (p, when->col, "'%s': a time with '+' is an offset inside "
                    "an 'every' statement; here write the time itself, as in "
                    "at 5s", when->text);
  if (!need_word (p, when, "a time such as 5s")
      || !duration_value (p, when->text, when->col, FALSE, &at, NULL))
    return FALSE;
  if (at < p->last_at)
    return fail_at (p, when->col, "time %s goes back: the timeline must be in "
                    "order", when->text);
  SesAction a;
  if (!parse_action (p, 2, &a))
    return FALSE;
  if (p->pending->len >= SES_SCRIPT_MAX_ACTIONS)
    return fail_at (p, tok (p, 0)->col, "more than %u timeline actions",
                    SES_SCRIPT_MAX_ACTIONS);
  a.at_us = at;
  p->last_at = at;
  p->saw_timeline = TRUE;
  add_pending (p, &a, p->st->line);
  return TRUE;
}

/* ---- every: repeated actions ------------------------------------------- */

static const char *const statement_keywords[] = {
  "mqtt", "seed", "title", "teaches", "question", "until", "broker",
  "client", "at", "every", "expect", "invariant", "check", NULL,
};

static gboolean
is_punct (const SesToken *t, const char *which)
{
  return t != NULL && t->kind == SES_TOK_PUNCT && strcmp (t->text, which) == 0;
}

/* One item `[+OFFSET] WHO ACTION …` in tokens from..p->end, its offset
 * into at_us. Offsets are in order and shorter than the period, so each
 * repetition's actions happen before the next repetition starts. */
static gboolean
parse_item (Parser *p, guint from, Block *b, GArray *items)
{
  const SesToken *first = tok (p, from);
  SesTime offset = 0;
  guint who_i = from;
  if (first->kind == SES_TOK_WORD && first->text[0] == '+')
    {
      if (!duration_value (p, first->text + 1, first->col + 1, FALSE, &offset,
                           NULL))
        return FALSE;
      if (offset >= b->period)
        return fail_at (p, first->col, "offset %s is not shorter than the "
                        "period: each repetition's actions must happen "
                        "before the next repetition starts", first->text);
      who_i = from + 1;
    }
  const SesToken *who = tok (p, who_i);
  if (who != NULL && who->kind == SES_TOK_WORD
      && !g_hash_table_contains (p->clients, who->text))
    {
      if (strcmp (who->text, "at") == 0)
        return fail_at (p, who->col, "inside 'every', times are relative to "
                        "each repetition: write +5s dev publish …, not "
                        "at 5s dev publish …");
      if (strcmp (who->text, "every") == 0)
        return fail_at (p, who->col, "an 'every' statement cannot repeat "
                        "another 'every'");
      for (guint k = 0; statement_keywords[k] != NULL; k++)
        if (strcmp (who->text, statement_keywords[k]) == 0
            && strcmp (who->text, "broker") != 0)
          return fail_at (p, who->col, "'%s' cannot appear inside an "
                          "'every' statement%s", who->text,
                          b->open ? "; close the block with '}' first" : "");
    }
  if (offset < b->last_offset)
    return fail_at (p, first->col, "offset %s%s goes back: the actions of "
                    "an 'every' statement are in time order%s",
                    who_i == from ? "+0s" : first->text,
                    who_i == from ? " (no offset)" : "",
                    who_i == from ? "; an action without +OFFSET happens at "
                                    "the start of each repetition" : "");
  SesAction a;
  if (!parse_action (p, who_i, &a))
    return FALSE;
  a.at_us = offset;
  b->last_offset = offset;
  Pending item = { .action = a, .line = p->st->line, .seq = items->len };
  g_array_append_val (items, item);
  return TRUE;
}

/* Items separated by ';' from token `from` to the end of the line. */
static gboolean
parse_items (Parser *p, guint from, Block *b, GArray *items)
{
  guint len = p->st->tokens->len;
  guint i = from;
  for (;;)
    {
      guint j = i;
      while (j < len
             && !is_punct (&g_array_index (p->st->tokens, SesToken, j), ";"))
        j++;
      if (j == i)
        return fail_at (p, tok (p, i)->col, "nothing to do before this ';'");
      p->end = j;
      gboolean ok = parse_item (p, i, b, items);
      p->end = len;
      if (!ok)
        return FALSE;
      if (j == len)
        return TRUE;
      i = j + 1;
      if (i == len)
        return fail_at (p, tok (p, j)->col, "nothing to do after this ';'");
    }
}

/* Adds every repetition of the items, refusing before it allocates
 * anything when the timeline would outgrow SES_SCRIPT_MAX_ACTIONS. */
static gboolean
expand (Parser *p, const Block *b, const GArray *items)
{
  guint64 room = SES_SCRIPT_MAX_ACTIONS - p->pending->len;
  if (b->reps > room / items->len)
    {
      ses_scenario_error (p->text, p->error, b->line, b->period_col,
                          "this repeats %" G_GUINT64_FORMAT " times with %u "
                          "action%s each: more than the %u timeline actions "
                          "a scenario may have (use a longer period or a "
                          "shorter range)", b->reps, items->len,
                          items->len == 1 ? "" : "s", SES_SCRIPT_MAX_ACTIONS);
      return FALSE;
    }
  for (guint64 r = 0; r < b->reps; r++)
    {
      SesTime start = b->from + (SesTime) r * b->period;
      for (guint k = 0; k < items->len; k++)
        {
          const Pending *item = &g_array_index (items, Pending, k);
          SesAction a = item->action;
          a.at_us = start + item->action.at_us;
          add_pending (p, &a, item->line);
        }
    }
  return TRUE;
}

/* A keyword the grammar requires at token i (`from`, `to`). */
static gboolean
need_keyword (Parser *p, guint i, const char *kw, const char *missing)
{
  const SesToken *t = tok (p, i);
  const char *const known[] = { kw, NULL };
  if (t == NULL)
    return fail_at (p, end_col (p), "%s", missing);
  if (t->kind == SES_TOK_WORD && strcmp (t->text, kw) == 0)
    return TRUE;
  return unknown_word (p, t, "word", known);
}

/* `every PERIOD from START to END ITEM { ; ITEM }` or, with `{` ending the
 * line, a block of item lines closed by a line holding `}`. */
static gboolean
parse_every (Parser *p)
{
  Block *b = &p->block;
  const SesToken *period = tok (p, 1);
  if (period == NULL)
    return fail_at (p, end_col (p), "'every' needs a period, a range and "
                    "actions, as in: every 10m from 0s to 2h dev connect; "
                    "+5s dev disconnect");
  SesTime from, to;
  b->line = p->st->line;
  b->period_col = period->col;
  b->last_offset = 0;
  if (!need_word (p, period, "a period such as 10m")
      || !duration_value (p, period->text, period->col, FALSE, &b->period,
                          NULL))
    return FALSE;
  if (b->period == 0)
    return fail_at (p, period->col, "the period must be longer than 0s");
  if (!need_keyword (p, 2, "from", "missing 'from START' after the period, "
                     "as in: every 10m from 0s to 2h"))
    return FALSE;
  const SesToken *start = tok (p, 3);
  if (start == NULL)
    return fail_at (p, end_col (p), "missing the time after 'from'");
  if (!need_word (p, start, "a time")
      || !duration_value (p, start->text, start->col, FALSE, &from, NULL))
    return FALSE;
  if (from < p->last_at)
    return fail_at (p, start->col, "time %s goes back: the timeline must be "
                    "in order (an 'every' counts at its start)", start->text);
  if (!need_keyword (p, 4, "to", "missing 'to END' after the start, as in: "
                     "every 10m from 0s to 2h"))
    return FALSE;
  const SesToken *end = tok (p, 5);
  if (end == NULL)
    return fail_at (p, end_col (p), "missing the time after 'to'");
  if (!need_word (p, end, "a time")
      || !duration_value (p, end->text, end->col, FALSE, &to, NULL))
    return FALSE;
  if (to < from)
    return fail_at (p, end->col, "the range ends at %s, before it starts",
                    end->text);
  b->from = from;
  b->reps = (guint64) ((to - from) / b->period) + 1;
  p->last_at = from;
  p->saw_timeline = TRUE;
  const SesToken *rest = tok (p, 6);
  if (rest == NULL)
    return fail_at (p, end_col (p), "missing what to repeat: actions "
                    "separated by ';' (dev connect; +5s dev disconnect), or "
                    "'{' and the actions on the lines below");
  if (is_punct (rest, "{"))
    {
      if (tok (p, 7) != NULL)
        return fail_at (p, tok (p, 7)->col, "'{' ends the line: the block's "
                        "actions go on the lines below, then a line with "
                        "'}'");
      b->open = TRUE;
      b->brace_col = rest->col;
      g_array_set_size (b->items, 0);
      return TRUE;
    }
  g_array_set_size (b->items, 0);
  return parse_items (p, 6, b, b->items) && expand (p, b, b->items);
}

/* A line inside `every … {`: items, or the closing `}`. */
static gboolean
parse_block_line (Parser *p)
{
  Block *b = &p->block;
  const SesToken *first = tok (p, 0);
  if (!is_punct (first, "}"))
    return parse_items (p, 0, b, b->items);
  if (tok (p, 1) != NULL)
    return fail_at (p, tok (p, 1)->col, "unexpected '%s' after '}': the "
                    "closing brace stands alone on its line",
                    tok (p, 1)->text);
  b->open = FALSE;
  if (b->items->len == 0)
    return fail_at (p, first->col, "this 'every' block has no actions");
  return expand (p, b, b->items);
}

/* ---- expectations ------------------------------------------------------- */

static gboolean invariant_id (Parser *p, const SesToken *t,
                              SesInvariantId *out);

static gboolean
payload_list (Parser *p, guint from, SesExpectation *e, guint *next)
{
  e->payloads = g_ptr_array_new_with_free_func (g_free);
  guint i = from;
  *next = from;
  for (; tok (p, i) != NULL && tok (p, i)->kind == SES_TOK_STRING; i++)
    g_ptr_array_add (e->payloads, g_strdup (tok (p, i)->text));
  if (e->payloads->len == 0)
    return fail_at (p, tok (p, i) ? tok (p, i)->col : end_col (p),
                    "expected one or more quoted payloads");
  *next = i;
  return TRUE;
}

/* after=TIME by=TIME from token i to the end: the window a count or a
 * delivery must fall in. */
static gboolean
window_options (Parser *p, guint i, SesExpectation *e, const char *where)
{
  static const char *const opts[] = { "after", "by", NULL };
  for (; tok (p, i) != NULL; i++)
    {
      const SesToken *t = tok (p, i);
      if (!expect_option (p, t, opts, where))
        return FALSE;
      SesTime *at = strcmp (t->text, "after") == 0 ? &e->after_us : &e->by_us;
      if (!duration_value (p, t->value, t->value_col, FALSE, at, NULL))
        return FALSE;
      if (e->after_us != SES_TIME_NONE && e->by_us != SES_TIME_NONE
          && e->by_us < e->after_us)
        return fail_at (p, t->value_col, "the window ends before it "
                        "starts (after= is later than by=)");
    }
  return TRUE;
}

/* An expiry an expectation wants: a duration, `never`, or `none` for
 * absent. */
static gboolean
expect_expiry_value (Parser *p, const SesToken *t, gint64 *out)
{
  guint32 s;
  if (strcmp (t->value, "none") == 0)
    {
      *out = SES_EXPECT_NO_EXPIRY;
      return TRUE;
    }
  if (!seconds_value (p, t, TRUE, G_MAXUINT32 - 1, &s))
    return FALSE;
  *out = s;
  return TRUE;
}

/* connack [session-present=0|1] [reason=] [assigned-id=] [server-keep-alive=]
 * [receive-max=] [session-expiry=] [nth=] */
static gboolean
parse_expect_connack (Parser *p, SesExpectation *e, SesMqttVersion version)
{
  static const char *const opts[] = {
    "session-present", "nth", "reason", "assigned-id", "server-keep-alive",
    "receive-max", "session-expiry", NULL,
  };
  e->kind = SES_EXPECT_CONNACK;
  e->value = -1;
  for (guint i = 3; tok (p, i) != NULL; i++)
    {
      const SesToken *t = tok (p, i);
      guint64 n;
      guint32 s;
      if (!expect_option (p, t, opts, "connack"))
        return FALSE;
      if (strcmp (t->text, "nth") == 0)
        {
          if (!uint_value (p, t, 1, 1000, &n))
            return FALSE;
          e->nth = (gint) n;
          continue;
        }
      if (strcmp (t->text, "session-present") == 0)
        {
          if (!uint_value (p, t, 0, 1, &n))
            return FALSE;
          e->value = (gint) n;
          e->checks |= SES_EXPECT_CHECK_SESSION_PRESENT;
          continue;
        }
      if (strcmp (t->text, "reason") == 0)
        {
          if (!uint_value (p, t, 0, 255, &n))
            return FALSE;
          e->reason = (gint) n;
          e->checks |= SES_EXPECT_CHECK_REASON;
          continue;
        }
      /* The rest are 5.0 CONNACK properties (§3.2.2.3). */
      if (version != SES_MQTT_5)
        return fail_at (p, t->col, "an MQTT 3.1.1 CONNACK has no %s "
                        "(no properties)", t->text);
      if (strcmp (t->text, "assigned-id") == 0)
        {
          g_free (e->assigned_id);
          e->assigned_id = g_strdup (strcmp (t->value, "any") == 0 ? ""
                                                                   : t->value);
          e->checks |= SES_EXPECT_CHECK_ASSIGNED_ID;
        }
      else if (strcmp (t->text, "server-keep-alive") == 0)
        {
          if (!seconds_value (p, t, FALSE, 65535, &s))
            return FALSE;
          e->keep_alive_s = s;
          e->checks |= SES_EXPECT_CHECK_KEEP_ALIVE;
        }
      else if (strcmp (t->text, "receive-max") == 0)
        {
          if (!uint_value (p, t, 1, 65535, &n))
            return FALSE;
          e->receive_max = (guint32) n;
          e->checks |= SES_EXPECT_CHECK_RECEIVE_MAX;
        }
      else
        {
          if (!expect_expiry_value (p, t, &e->expiry_s))
            return FALSE;
          e->checks |= SES_EXPECT_CHECK_EXPIRY;
        }
    }
  if (e->checks == 0)
    return fail_at (p, end_col (p), "connack needs what to check, such as "
                    "session-present=0|1 or reason=0x00");
  return TRUE;
}

/* delivery "payload" [qos=] [dup=] [id=] [message-expiry=] [nth=] and
 * ack "payload"|id=N [kind=] [reason=]. */
static gboolean
parse_expect_message (Parser *p, SesExpectation *e, SesMqttVersion version)
{
  static const char *const delivery_opts[] = {
    "qos", "dup", "id", "message-expiry", "nth", NULL,
  };
  static const char *const ack_opts[] = { "id", "kind", "reason", NULL };
  gboolean delivery = e->kind == SES_EXPECT_DELIVERY;
  const char *name = delivery ? "delivery" : "ack";
  const SesToken *label = tok (p, 3);
  guint i = 3;
  e->payloads = g_ptr_array_new_with_free_func (g_free);
  if (label != NULL && label->kind == SES_TOK_STRING)
    {
      g_ptr_array_add (e->payloads, g_strdup (label->text));
      i = 4;
    }
  for (; tok (p, i) != NULL; i++)
    {
      const SesToken *t = tok (p, i);
      guint64 n;
      gboolean flag;
      if (!expect_option (p, t, delivery ? delivery_opts : ack_opts, name))
        return FALSE;
      if (strcmp (t->text, "id") == 0)
        {
          if (!uint_value (p, t, 1, 65535, &n))
            return FALSE;
          e->packet_id = (guint16) n;
          e->checks |= SES_EXPECT_CHECK_ID;
        }
      else if (strcmp (t->text, "qos") == 0)
        {
          if (!uint_value (p, t, 0, 2, &n))
            return FALSE;
          e->qos = (guint8) n;
          e->checks |= SES_EXPECT_CHECK_QOS;
        }
      else if (strcmp (t->text, "dup") == 0)
        {
          if (!bool_value (p, t, &flag))
            return FALSE;
          e->dup = flag ? 1 : 0;
          e->checks |= SES_EXPECT_CHECK_DUP;
        }
      else if (strcmp (t->text, "nth") == 0)
        {
          if (!uint_value (p, t, 1, 1000, &n))
            return FALSE;
          e->nth = (gint) n;
        }
      else if (strcmp (t->text, "message-expiry") == 0)
        {
          if (version != SES_MQTT_5)
            return fail_at (p, t->col, "message expiry is MQTT 5 only");
          if (!expect_expiry_value (p, t, &e->expiry_s))
            return FALSE;
          e->checks |= SES_EXPECT_CHECK_EXPIRY;
        }
      else if (strcmp (t->text, "kind") == 0)
        {
          if (!ack_kind_value (p, t, &e->ack_type))
            return FALSE;
          if (e->ack_type == SES_PKT_PUBREL)
            return fail_at (p, t->value_col, "a publisher sends PUBREL; it "
                            "receives PUBACK, PUBREC or PUBCOMP");
          e->checks |= SES_EXPECT_CHECK_KIND;
        }
      else
        {
          if (version != SES_MQTT_5)
            return fail_at (p, t->col, "an MQTT 3.1.1 acknowledgement "
                            "carries no reason code");
          if (!uint_value (p, t, 0, 255, &n))
            return FALSE;
          e->reason = (gint) n;
          e->checks |= SES_EXPECT_CHECK_REASON;
        }
    }
  if (e->payloads->len == 0 && e->packet_id == 0)
    return fail_at (p, label != NULL ? label->col : end_col (p),
                    "%s needs the message: its quoted payload, or id=N",
                    name);
  if (e->payloads->len > 0 && e->packet_id != 0 && !delivery)
    return fail_at (p, label->col, "ack takes a payload or id=N, not both");
  return TRUE;
}

static gboolean
parse_expect (Parser *p)
{
  static const char *const kinds[] = {
    "connack", "receives", "never-receives", "deliveries", "will", "no-will",
    "session", "disconnect", "policy-drops", "delivery", "ack", NULL,
  };
  const SesToken *who = tok (p, 1), *what = tok (p, 2);
  if (who != NULL && strcmp (who->text, "violation") == 0)
    {
      SesInvariantId id;
      if (what == NULL)
        return fail_at (p, end_col (p), "expect violation needs an invariant "
                        "name");
      if (!invariant_id (p, what, &id) || !no_more (p, 3, what->text))
        return FALSE;
      p->script->violations |= 1u << id;
      return TRUE;
    }
  if (who == NULL || what == NULL)
    return fail_at (p, end_col (p), "expect needs a client and what to expect, "
                    "as in: expect sub receives \"21.5\"");
  SesExpectation e = { .line = p->st->line, .cause = -1,
                       .at_us = SES_TIME_NONE, .after_us = SES_TIME_NONE,
                       .by_us = SES_TIME_NONE };
  if (!lookup_client (p, who, &e.client))
    return FALSE;
  SesMqttVersion version = ses_mqtt_config_client (p->script->cfg,
                                                   e.client)->version;
  const char *w = what->text;
  gboolean ok = TRUE;
  if (what->kind == SES_TOK_OPTION && strcmp (w, "deliveries") == 0)
    {
      guint64 n;
      e.kind = SES_EXPECT_DELIVERIES;
      ok = uint_value (p, what, 0, 1000000, &n)
           && window_options (p, 3, &e, "deliveries");
      e.value = (gint) n;
    }
  else if (what->kind == SES_TOK_WORD && strcmp (w, "deliveries") == 0)
    {
      /* deliveries one-of 2 3: any of the counts the standard allows */
      const SesToken *t = tok (p, 3);
      e.kind = SES_EXPECT_DELIVERIES;
      if (t == NULL || t->kind != SES_TOK_WORD
          || strcmp (t->text, "one-of") != 0)
        return fail_at (p, t != NULL ? t->col : end_col (p),
                        "expected deliveries=N or deliveries one-of N M …");
      e.one_of = g_array_new (FALSE, FALSE, sizeof (gint));
      guint i = 4;
      for (; ok && tok (p, i) != NULL && tok (p, i)->kind == SES_TOK_WORD; i++)
        {
          guint64 n = 0;
          if (!ses_parse_uint (tok (p, i)->text, 1000000, &n))
            ok = fail_at (p, tok (p, i)->col, "'%s': expected a count from 0 "
                          "to 1000000", tok (p, i)->text);
          gint v = (gint) n;
          g_array_append_val (e.one_of, v);
        }
      if (ok && e.one_of->len < 2)
        ok = fail_at (p, tok (p, i) != NULL ? tok (p, i)->col : end_col (p),
                      "one-of needs two counts or more (for one, write "
                      "deliveries=N)");
      ok = ok && window_options (p, i, &e, "deliveries");
    }
  else if (what->kind == SES_TOK_WORD
           && (strcmp (w, "delivery") == 0 || strcmp (w, "ack") == 0))
    {
      e.kind = w[0] == 'd' ? SES_EXPECT_DELIVERY : SES_EXPECT_ACK;
      ok = parse_expect_message (p, &e, version);
    }
  else if (what->kind == SES_TOK_OPTION && strcmp (w, "policy-drops") == 0)
    {
      guint64 n;
      e.kind = SES_EXPECT_POLICY_DROPS;
      ok = uint_value (p, what, 0, 1000000, &n) && no_more (p, 3, "the count");
      e.value = (gint) n;
    }
  else if (what->kind != SES_TOK_WORD)
    return unknown_word (p, what, "expectation", kinds);
  else if (strcmp (w, "connack") == 0)
    ok = parse_expect_connack (p, &e, version);
  else if (strcmp (w, "receives") == 0 || strcmp (w, "never-receives") == 0)
    {
      guint next = 3;
      e.kind = w[0] == 'r' ? SES_EXPECT_RECEIVES : SES_EXPECT_NEVER_RECEIVES;
      ok = payload_list (p, 3, &e, &next);
      if (ok && tok (p, next) != NULL)
        {
          if (e.kind == SES_EXPECT_RECEIVES
              && tok (p, next)->kind == SES_TOK_WORD
              && strcmp (tok (p, next)->text, "in-order") == 0)
            {
              e.in_order = TRUE;
              next++;
            }
          if (e.kind == SES_EXPECT_RECEIVES)
            ok = window_options (p, next, &e, "receives");
          else
            ok = no_more (p, next, "the payloads");
        }
    }
  else if (strcmp (w, "will") == 0)
    {
      static const char *const opts[] = { "by", NULL };
      e.kind = SES_EXPECT_WILL;
      for (guint i = 3; ok && tok (p, i) != NULL; i++)
        {
          if (!expect_option (p, tok (p, i), opts, "will"))
            return FALSE;
          ok = duration_value (p, tok (p, i)->value, tok (p, i)->value_col,
                               FALSE, &e.at_us, NULL);
        }
    }
  else if (strcmp (w, "no-will") == 0)
    {
      e.kind = SES_EXPECT_NO_WILL;
      ok = no_more (p, 3, "no-will");
    }
  else if (strcmp (w, "session") == 0)
    {
      static const char *const states[] = { "exists", "ended", NULL };
      static const char *const opts[] = { "at", "cause", NULL };
      /* clean-session: what 3.1.1 calls the same cause. */
      static const char *const causes[] = {
        "clean-start", "clean-session", "expired", "connection-ended",
        "taken-over", "broker-restart", NULL,
      };
      static const SesCause cause_values[] = {
        SES_CAUSE_CLEAN_START, SES_CAUSE_CLEAN_START, SES_CAUSE_EXPIRED,
        SES_CAUSE_CONNECTION_END, SES_CAUSE_TAKEOVER, SES_CAUSE_RESTART,
      };
      const SesToken *state = tok (p, 3);
      e.kind = SES_EXPECT_SESSION;
      if (state == NULL)
        return fail_at (p, end_col (p), "session needs exists or ended");
      if (strcmp (state->text, "exists") == 0)
        e.exists = TRUE;
      else if (strcmp (state->text, "ended") != 0)
        return unknown_word (p, state, "session state", states);
      for (guint i = 4; ok && tok (p, i) != NULL; i++)
        {
          const SesToken *t = tok (p, i);
          if (!expect_option (p, t, opts, "session"))
            return FALSE;
          if (strcmp (t->text, "at") == 0)
            ok = duration_value (p, t->value, t->value_col, FALSE, &e.at_us,
                                 NULL);
          else
            {
              if (e.exists)
                return fail_at (p, t->col, "cause= goes with 'ended'");
              guint k = 0;
              while (causes[k] != NULL && strcmp (causes[k], t->value) != 0)
                k++;
              if (causes[k] == NULL)
                {
                  SesToken as_word = *t;
                  as_word.text = t->value;
                  as_word.col = t->value_col;
                  return unknown_word (p, &as_word, "cause", causes);
                }
              e.cause = (gint) cause_values[k];
            }
        }
    }
  else if (strcmp (w, "disconnect") == 0)
    {
      static const char *const opts[] = { "reason", NULL };
      e.kind = SES_EXPECT_DISCONNECT;
      /* 3.1.1 §3.14: only a client sends DISCONNECT. */
      if (ses_mqtt_config_client (p->script->cfg, e.client)->version
          != SES_MQTT_5)
        return fail_at (p, what->col, "an MQTT 3.1.1 broker sends no "
                        "DISCONNECT: it closes the connection (expect %s "
                        "session … or will instead)", who->text);
      const SesToken *t = tok (p, 3);
      if (t == NULL)
        return fail_at (p, end_col (p), "disconnect needs reason=0x…");
      if (!expect_option (p, t, opts, "disconnect"))
        return FALSE;
      guint64 n;
      ok = uint_value (p, t, 0, 255, &n) && no_more (p, 4, "the reason");
      e.value = (gint) n;
    }
  else
    return unknown_word (p, what, "expectation", kinds);
  if (!ok)
    {
      clear_expectation (&e);
      return FALSE;
    }
  g_array_append_val (p->script->expectations, e);
  return TRUE;
}

/* `invariant NAME off` (or on) and `expect violation NAME`. */
static gboolean
invariant_id (Parser *p, const SesToken *t, SesInvariantId *out)
{
  if (t->kind == SES_TOK_WORD && ses_invariant_lookup (t->text, out))
    return TRUE;
  const char *names[SES_INV_COUNT + 1];
  for (guint i = 0; i < SES_INV_COUNT; i++)
    names[i] = ses_invariant_name ((SesInvariantId) i);
  names[SES_INV_COUNT] = NULL;
  return unknown_word (p, t, "invariant", names);
}

static gboolean
parse_invariant (Parser *p)
{
  const SesToken *name = tok (p, 1), *state = tok (p, 2);
  SesInvariantId id;
  if (name == NULL)
    return fail_at (p, end_col (p), "'invariant' needs a name and off or on");
  if (!invariant_id (p, name, &id))
    return FALSE;
  gboolean on;
  if (state == NULL || state->kind != SES_TOK_WORD
      || !ses_parse_bool (state->text, &on))
    return fail_at (p, state ? state->col : end_col (p),
                    "expected off or on after the invariant's name");
  if (!no_more (p, 3, state->text))
    return FALSE;
  if (on)
    p->script->disabled &= ~(1u << id);
  else
    p->script->disabled |= 1u << id;
  return TRUE;
}

/* A per-client budget, `sub:2,pub:1` (a colon, since `=` already parts
 * the option from its value), into class cls of the bounds; the class's total becomes
 * the sum. Errors point at the part that is wrong. */
static gboolean
client_budgets_value (Parser *p, const SesToken *t, guint cls, gint64 *total)
{
  SesScriptBounds *b = &p->script->bounds;
  if (cls == 2)
    return fail_at (p, t->value_col, "%s takes a number: a restart is the "
                    "broker's, not a client's", t->text);
  memset (b->client_budgets[cls], 0, sizeof b->client_budgets[cls]);
  guint32 named = 0;
  *total = 0;
  const char *part = t->value;
  for (;;)
    {
      const char *end = strchr (part, ',');
      gsize len = end != NULL ? (gsize) (end - part) : strlen (part);
      g_autofree char *item = g_strndup (part, len);
      guint col = t->value_col
                  + (guint) g_utf8_strlen (t->value, part - t->value);
      char *sep = strchr (item, ':');
      if (sep == NULL || sep == item)
        return fail_at (p, col, "'%s' for %s: expected CLIENT:N, such as "
                        "%s:1, or one number for all clients together",
                        item, t->text, "sub");
      *sep = '\0';
      SesToken name = *t;
      name.kind = SES_TOK_WORD;
      name.text = item;
      name.col = col;
      guint32 client = 0;
      if (!lookup_client (p, &name, &client))
        return FALSE;
      if (client >= SES_SCRIPT_BUDGET_CLIENTS)
        return fail_at (p, col, "per-client budgets name only the first %u "
                        "clients", SES_SCRIPT_BUDGET_CLIENTS);
      if (named & (1u << client))
        return fail_at (p, col, "client '%s' named twice in %s", item,
                        t->text);
      named |= 1u << client;
      guint64 n;
      guint ncol = col + (guint) g_utf8_strlen (item, -1) + 1;
      if (!ses_parse_uint (sep + 1, SES_SCRIPT_BUDGET_MAX, &n))
        return fail_at (p, ncol, "'%s' for %s of %s: expected a whole number "
                        "from 0 to %u", sep + 1, t->text, item,
                        SES_SCRIPT_BUDGET_MAX);
      b->client_budgets[cls][client] = (guint8) n;
      *total += (gint64) n;
      if (end == NULL)
        break;
      part = end + 1;
    }
  b->by_client |= 1u << cls;
  return TRUE;
}

/* `check max-cuts=1 max-restarts=1 faults-on=sub,pub max-states=100000`,
 * `check max-cuts=sub:2,pub:2 max-expiries=1` */
static gboolean
parse_check (Parser *p)
{
  static const char *const known[] = {
    "max-cuts", "max-crashes", "max-restarts", "max-half-opens",
    "max-states", "max-depth", "faults-on", "max-expiries", NULL,
  };
  static const char *const classes[] = {
    "max-cuts", "max-crashes", "max-restarts", "max-half-opens",
  };
  SesScriptBounds *b = &p->script->bounds;
  if (tok (p, 1) == NULL)
    return fail_at (p, end_col (p), "'check' needs bounds such as "
                    "max-cuts=1");
  for (guint i = 1; tok (p, i) != NULL; i++)
    {
      const SesToken *t = tok (p, i);
      if (!expect_option (p, t, known, "check bounds"))
        return FALSE;
      guint64 n;
      if (strcmp (t->text, "faults-on") == 0)
        {
          g_auto (GStrv) names = g_strsplit (t->value, ",", -1);
          for (guint k = 0; names[k] != NULL; k++)
            {
              SesToken name = *t;
              name.kind = SES_TOK_WORD;
              name.text = names[k];
              name.col = t->value_col;
              guint32 client = 0;
              if (!lookup_client (p, &name, &client))
                return FALSE;
              if (client >= 32)
                return fail_at (p, t->value_col, "faults-on names only the "
                                "first 32 clients");
              b->faults_on |= 1u << client;
            }
          continue;
        }
      gint64 *per_class[] = { &b->max_cuts, &b->max_crashes,
                              &b->max_restarts, &b->max_half_opens };
      guint cls = 0;
      while (cls < G_N_ELEMENTS (classes) && strcmp (t->text, classes[cls]))
        cls++;
      if (cls < G_N_ELEMENTS (classes)
          && !g_ascii_isdigit (t->value[0]) && t->value[0] != '\0')
        {
          if (!client_budgets_value (p, t, cls, per_class[cls]))
            return FALSE;
          continue;
        }
      if (cls < G_N_ELEMENTS (classes))
        b->by_client &= ~(1u << cls); /* a number: shared again */
      gboolean big = g_str_has_prefix (t->text, "max-states");
      if (!uint_value (p, t, 0, big ? 1000000000000 : 1000, &n))
        return FALSE;
      if (strcmp (t->text, "max-expiries") == 0)
        {
          b->max_expiries = (gint64) n;
          continue;
        }
      if (strcmp (t->text, "max-cuts") == 0)
        b->max_cuts = (gint64) n;
      else if (strcmp (t->text, "max-crashes") == 0)
        b->max_crashes = (gint64) n;
      else if (strcmp (t->text, "max-restarts") == 0)
        b->max_restarts = (gint64) n;
      else if (strcmp (t->text, "max-half-opens") == 0)
        b->max_half_opens = (gint64) n;
      else if (strcmp (t->text, "max-states") == 0)
        b->max_states = (gint64) n;
      else
        b->max_depth = (gint64) n;
    }
  return TRUE;
}

/* ---- the file ----------------------------------------------------------- */

static gboolean
parse_statement (Parser *p)
{
  const char *const *keywords = statement_keywords;
  const SesToken *first = tok (p, 0);
  if (is_punct (first, "}"))
    return fail_at (p, first->col, "'}' closes an 'every' block, but none "
                    "is open");
  if (first->kind != SES_TOK_WORD)
    return fail_at (p, first->col, "a line starts with a keyword (%s, …)",
                    "client, at, expect");
  const char *kw = first->text;
  if (strcmp (kw, "mqtt") == 0 || strcmp (kw, "seed") == 0
      || strcmp (kw, "title") == 0 || strcmp (kw, "teaches") == 0
      || strcmp (kw, "until") == 0)
    return parse_header (p, kw);
  if (strcmp (kw, "question") == 0)
    return parse_question (p);
  if (strcmp (kw, "broker") == 0)
    return parse_broker (p);
  if (strcmp (kw, "client") == 0)
    return parse_client (p);
  if (strcmp (kw, "at") == 0)
    return parse_at (p);
  if (strcmp (kw, "every") == 0)
    return parse_every (p);
  if (strcmp (kw, "expect") == 0)
    return parse_expect (p);
  if (strcmp (kw, "invariant") == 0)
    return parse_invariant (p);
  if (strcmp (kw, "check") == 0)
    return parse_check (p);
  return unknown_word (p, first, "keyword", keywords);
}

static gint
compare_pending (gconstpointer a, gconstpointer b)
{
  const Pending *x = a, *y = b;
  if (x->action.at_us != y->action.at_us)
    return x->action.at_us < y->action.at_us ? -1 : 1;
  return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* The timeline in (time, file position) order: what the same actions
 * written out one `at` line each, in time order, would give, so an `every`
 * statement and its hand-expanded twin build the same configuration. */
static void
add_timeline (SesScript *script, GArray *pending)
{
  g_array_sort (pending, compare_pending);
  for (guint i = 0; i < pending->len; i++)
    {
      const Pending *pa = &g_array_index (pending, Pending, i);
      ses_mqtt_config_add_action (script->cfg, &pa->action);
      g_array_append_val (script->action_lines, pa->line);
    }
}

SesScript *
ses_script_load (const char *path, const char *contents, gsize length,
                 GError **error)
{
  return ses_script_load_profile (path, contents, length, NULL, error);
}

SesScript *
ses_script_load_profile (const char *path, const char *contents,
                         gsize length, const char *profile, GError **error)
{
  g_autoptr (SesScenarioText) text = ses_scenario_text_parse (path, contents,
                                                              length, error);
  if (text == NULL)
    return NULL;
  g_autoptr (SesScript) script = g_new0 (SesScript, 1);
  script->cfg = ses_mqtt_config_new ();
  /* The profile is where the scenario's broker settings start from. */
  if (profile != NULL
      && !ses_broker_profile_apply (ses_mqtt_config_broker (script->cfg),
                                    profile))
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "no broker profile named '%s'", profile);
      return NULL;
    }
  script->seed = 1;
  script->until_us = SES_TIME_NONE;
  script->teaches = g_string_new (NULL);
  script->questions = g_array_new (FALSE, TRUE, sizeof (SesQuestion));
  g_array_set_clear_func (script->questions, clear_question);
  script->expectations = g_array_new (FALSE, FALSE, sizeof (SesExpectation));
  g_array_set_clear_func (script->expectations, clear_expectation);
  script->action_lines = g_array_new (FALSE, FALSE, sizeof (guint));
  script->bounds = (SesScriptBounds) { -1, -1, -1, -1, -1, -1, 0 };
  script->bounds.max_expiries = -1;
  Parser p = {
    .script = script, .text = text, .error = error, .version = SES_MQTT_5,
    .clients = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL),
    .pending = g_array_new (FALSE, FALSE, sizeof (Pending)),
    .block.items = g_array_new (FALSE, FALSE, sizeof (Pending)),
  };
  gboolean ok = TRUE;
  for (guint i = 0; ok && i < ses_scenario_text_n_statements (text); i++)
    {
      p.st = ses_scenario_text_statement (text, i);
      p.end = p.st->tokens->len;
      ok = p.block.open ? parse_block_line (&p) : parse_statement (&p);
    }
  if (ok && p.block.open)
    {
      ses_scenario_error (text, error, p.block.line, p.block.brace_col,
                          "this 'every' block is never closed: end it with a "
                          "line holding '}'");
      ok = FALSE;
    }
  g_hash_table_unref (p.clients);
  g_array_unref (p.block.items);
  if (ok)
    add_timeline (script, p.pending);
  g_array_unref (p.pending);
  if (!ok)
    return NULL;
  if (ses_mqtt_config_n_clients (script->cfg) == 0)
    {
      ses_scenario_error (text, error, 1, 1,
                          "the scenario declares no client (add a line such "
                          "as: client sensor)");
      return NULL;
    }
  if (script->until_us == SES_TIME_NONE)
    script->until_us = p.last_time + 60 * SES_US_PER_S;
  return g_steal_pointer (&script);
}

SesScript *
ses_script_load_file (const char *path, GError **error)
{
  g_autofree char *contents = NULL;
  gsize length = 0;
  if (!g_file_get_contents (path, &contents, &length, error))
    return NULL;
  return ses_script_load (path, contents, length, error);
}
