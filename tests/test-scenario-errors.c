/* Malformed scenario files: every one must be refused with one located
 * error that reads
 *
 *     bad.scn:LINE:COL: error: message
 *       the offending source line
 *           ^
 *
 * with LINE and COL exactly where the problem is, the source line as
 * written, the caret under COL (tabs copied, so it lines up in a terminal)
 * and, for a misspelling, the nearest keyword suggested.
 *
 * The cases are tables, one per kind of mistake; a table reports every case
 * that fails before failing, so one run shows all the wrong locations.
 *
 * Run with an argument (tests/fuzz/meson.build registers it so, as
 * `scenario-errors-cli`), the program checks the command line instead:
 *
 *     test-scenario-errors-cli PATH/TO/sessim
 *
 * `sessim run` on a bad file exits 2 and leaves its --out folder empty, and
 * two runs of a good scenario write byte-identical output files. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "error.h"
#include "script.h"
#include "test-files.h"

#define BAD_PATH "bad.scn"

/* COL for errors about something missing at the end of the line: the
 * column just after the line's last character, or one further (where the
 * next word would start after a space). Either way the caret must sit
 * under the column reported. */
#define END 0

typedef struct {
  const char *name;   /* what the case shows */
  const char *text;   /* the file's bytes */
  gsize len;          /* 0: strlen (text) */
  guint line;
  guint col;          /* or END */
  guint col_max;      /* 0: exactly col; else any column col … col_max */
  const char *needle; /* must appear in the message; NULL: no check */
  const char *unwanted; /* must not appear in the message; NULL: none */
} BadCase;

/* For byte strings holding NULs: the length comes from the literal. */
#define BYTES(s) .text = (s), .len = sizeof (s) - 1

/* ---- checking one error ------------------------------------------------- */

/* Line `line` (1-based) of text as the tokenizer splits it. */
static char *
nth_line (const char *text, gsize len, guint line)
{
  gsize start = 0;
  guint n = 1;
  for (gsize i = 0; i <= len; i++)
    if (i == len || text[i] == '\n')
      {
        if (n == line)
          {
            gsize end = i;
            if (end > start && text[end - 1] == '\r')
              end--;
            return g_strndup (text + start, end - start);
          }
        n++;
        start = i + 1;
      }
  return NULL;
}

/* Shown source lines stop before a NUL or an invalid byte. */
static char *
shown_part (const char *line)
{
  const char *end;
  g_utf8_validate (line, -1, &end);
  return g_strndup (line, (gsize) (end - line));
}

/* Checks message against the expected location. Returns NULL when it
 * holds, else why not (to be freed). */
static char *
check_message (const char *msg, const char *src, guint line, guint col,
               guint col_max, const char *needle, const char *unwanted)
{
  guint got_line = 0, got_col = 0;
  int consumed = 0;
  if (sscanf (msg, BAD_PATH ":%u:%u: error: %n", &got_line, &got_col,
              &consumed) != 2 || consumed == 0)
    return g_strdup ("does not start with " BAD_PATH ":LINE:COL: error: ");
  if (got_line != line)
    return g_strdup_printf ("line %u, expected %u", got_line, line);

  g_autofree char *shown = shown_part (src);
  glong len = g_utf8_strlen (shown, -1);
  if (col == END)
    {
      /* Just past the last token: trailing blanks do not count. */
      glong last = len;
      while (last > 0 && (shown[last - 1] == ' ' || shown[last - 1] == '\t'))
        last--;
      col = (guint) last + 1;
      col_max = col + 1;
    }
  if (col_max == 0)
    col_max = col;
  if (got_col < col || got_col > col_max)
    {
      if (col == col_max)
        return g_strdup_printf ("column %u, expected %u", got_col, col);
      return g_strdup_printf ("column %u, expected %u to %u", got_col, col,
                              col_max);
    }

  /* Three lines: the message, the source line and the caret line. */
  guint newlines = 0;
  for (const char *c = msg; *c; c++)
    newlines += *c == '\n';
  if (newlines != 2)
    return g_strdup_printf ("%u lines, expected the message, the source line "
                            "and the caret line", newlines + 1);
  const char *nl2 = strrchr (msg, '\n');
  if (nl2 == NULL || nl2 == msg)
    return g_strdup ("no source line and caret line after the message");
  const char *nl1 = nl2 - 1;
  while (nl1 > msg && *nl1 != '\n')
    nl1--;
  if (*nl1 != '\n')
    return g_strdup ("no source line and caret line after the message");
  g_autofree char *want_src = g_strconcat ("  ", shown, NULL);
  g_autofree char *got_src = g_strndup (nl1 + 1, (gsize) (nl2 - nl1 - 1));
  if (strcmp (got_src, want_src) != 0)
    return g_strdup_printf ("source line '%s', expected '%s'", got_src,
                            want_src);
  const char *caret = nl2 + 1;
  if (!g_str_has_prefix (caret, "  ") || strchr (caret, '^') == NULL
      || strchr (caret, '^')[1] != '\0')
    return g_strdup_printf ("caret line '%s' is not two spaces, blanks "
                            "and one '^'", caret);
  caret += 2;
  guint caret_col = (guint) (strchr (caret, '^') - caret) + 1;
  if (caret_col != got_col)
    return g_strdup_printf ("caret under column %u, but the message says "
                            "column %u", caret_col, got_col);
  /* Blanks mirror the source: a tab where the line has a tab. */
  const char *s = shown;
  for (guint c = 1; c < caret_col; c++)
    {
      char want = (*s == '\t') ? '\t' : ' ';
      if (caret[c - 1] != want)
        return g_strdup_printf ("caret line has %s at column %u where the "
                                "source line has %s", caret[c - 1] == '\t'
                                ? "a tab" : "a space", c, want == '\t'
                                ? "a tab" : "no tab");
      if (*s != '\0')
        s = g_utf8_next_char (s);
    }
  if (needle != NULL && strstr (msg, needle) == NULL)
    return g_strdup_printf ("message lacks \"%s\"", needle);
  if (unwanted != NULL && strstr (msg, unwanted) != NULL)
    return g_strdup_printf ("message says \"%s\"", unwanted);
  return NULL;
}

/* Loads the case; NULL when it is refused as expected, else why not. */
static char *
check_case (const BadCase *c)
{
  gsize len = c->len ? c->len : strlen (c->text);
  GError *error = NULL;
  SesScript *script = ses_script_load (BAD_PATH, c->text, len, &error);
  if (script != NULL)
    {
      ses_script_free (script);
      return g_strdup ("loaded without an error");
    }
  if (error == NULL)
    return g_strdup ("failed without setting an error");
  if (!g_error_matches (error, SES_ERROR, SES_ERROR_PARSE))
    {
      char *why = g_strdup_printf ("not SES_ERROR_PARSE: %s", error->message);
      g_error_free (error);
      return why;
    }
  g_autofree char *src = nth_line (c->text, len, c->line);
  char *why = src == NULL
                ? g_strdup_printf ("the file has no line %u", c->line)
                : check_message (error->message, src, c->line, c->col,
                                 c->col_max, c->needle, c->unwanted);
  if (why != NULL)
    {
      char *full = g_strdup_printf ("%s\n    message was:\n%s", why,
                                    error->message);
      g_free (why);
      why = full;
    }
  g_error_free (error);
  return why;
}

static void
run_cases (const BadCase *cases, gsize n)
{
  guint failed = 0;
  for (gsize i = 0; i < n; i++)
    {
      g_autofree char *why = check_case (&cases[i]);
      if (why != NULL)
        {
          print_error ("case '%s': %s\n", cases[i].name, why);
          failed++;
        }
    }
  if (failed > 0)
    fail_msg ("%u of %zu cases wrong", failed, n);
}

#define RUN(cases) run_cases ((cases), G_N_ELEMENTS (cases))

/* Most cases are one bad line after this. */
#define C2 "client sub\n"
#define C3 "client sub\nclient sensor\n"

/* ---- the cases ---------------------------------------------------------- */

static void
test_baseline_loads (void **state)
{
  /* The good files the bad ones are variations of. */
  static const char *const good[] = {
    (C2 "at 5s sub connect\n"),
    (C3 "at 0s sub connect\nat 0s sub subscribe \"a/+/c\" qos=1\n"
        "at 1s sensor connect\nat 1s sensor publish \"a/b/c\" \"x\" qos=1\n"
        "expect sub receives \"x\"\n"),
    ("mqtt 3.1.1\nclient old clean-session=0 keep-alive=30s\n"
     "at 0s old connect\n"),
  };
  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    {
      g_autoptr (GError) error = NULL;
      const char *text = good[i];
      g_autoptr (SesScript) script = ses_script_load (BAD_PATH, text,
                                                      strlen (text), &error);
      if (script == NULL)
        fail_msg ("baseline %u did not load: %s", i, error->message);
    }
}

static void
test_truncated_lines (void **state)
{
  static const BadCase cases[] = {
    { "at alone", C2 "at", 0, 2, END, 0, "needs a time" },
    { "at TIME", C2 "at 5s", 0, 2, END, 0, "missing who acts" },
    { "at TIME trailing blank", C2 "at 5s ", 0, 2, END, 0, "missing who" },
    { "at TIME WHO", C2 "at 5s sub", 0, 2, END, 0, "missing action" },
    { "at TIME broker", C2 "at 5s broker", 0, 2, END, 0, "restart" },
    { "client alone", "client", 0, 1, END, 0, "needs a name" },
    { "client alone, later line", C2 "client\n", 0, 2, END, 0,
      "needs a name" },
    { "broker alone", C2 "broker", 0, 2, END, 0, "needs settings" },
    { "mqtt alone", "mqtt\n" C2, 0, 1, END, 0, "needs a value" },
    { "seed alone", C2 "seed", 0, 2, END, 0, "needs a value" },
    { "until alone", C2 "until", 0, 2, END, 0, "needs a value" },
    { "title alone", C2 "title", 0, 2, END, 0, "needs a value" },
    { "subscribe without filter", C2 "at 5s sub subscribe", 0, 2, END, 0,
      "quoted topic filter" },
    { "unsubscribe without filter", C2 "at 5s sub unsubscribe", 0, 2, END, 0,
      "quoted topic filter" },
    { "publish without topic", C2 "at 5s sub publish", 0, 2, END, 0,
      "quoted topic" },
    { "publish without payload", C2 "at 5s sub publish \"a/b\"", 0, 2, END,
      0, "payload" },
    { "expect alone", C2 "expect", 0, 2, END, 0, "expect needs" },
    { "expect NAME", C2 "expect sub", 0, 2, END, 0, "expect needs" },
    { "expect violation", C2 "expect violation", 0, 2, END, 0,
      "invariant name" },
    { "expect receives nothing", C2 "expect sub receives", 0, 2, END, 0,
      "quoted payloads" },
    { "expect connack without value", C2 "expect sub connack", 0, 2, END, 0,
      "session-present" },
    { "expect session without state", C2 "expect sub session", 0, 2, END, 0,
      "exists or ended" },
    { "expect disconnect without reason", C2 "expect sub disconnect", 0, 2,
      END, 0, "reason" },
    { "invariant alone", C2 "invariant", 0, 2, END, 0, "needs a name" },
    { "invariant without state", C2 "invariant no-loss", 0, 2, END, 0,
      "off or on" },
    { "option without value", C2 "at 5s sub subscribe \"a\" qos=", 0, 2, 29,
      0, "'qos=' needs a value" },
    { "option without value, mid-line", "client sub keep-alive= id=x", 0, 1,
      23, 0, "needs a value" },
  };
  RUN (cases);
}

static void
test_wrong_units (void **state)
{
  static const BadCase cases[] = {
    { "bare number as time", C2 "at 5 sub connect", 0, 2, 4, 0,
      "needs a unit" },
    { "unknown unit", "client sub session-expiry=10x", 0, 1, 27, 0,
      "unknown unit" },
    { "capital unit", C2 "at 5S sub connect", 0, 2, 4, 0, "unknown unit" },
    { "no digits", C2 "at s sub connect", 0, 2, 4, 0, "expected a duration" },
    { "two dots", C2 "at 1.5.2s sub connect", 0, 2, 4, 0, NULL },
    { "negative time", C2 "at -1s sub connect", 0, 2, 4, 0, NULL },
    { "bare until", C2 "until 90", 0, 2, 7, 0, "needs a unit" },
    { "bare latency", "client sub latency=10", 0, 1, 20, 0, "needs a unit" },
    { "bare keep-alive", "client sub keep-alive=60", 0, 1, 23, 0,
      "needs a unit" },
    { "seven decimals", C2 "at 1.0000001s sub connect", 0, 2, 4, 0,
      "six decimals" },
    { "below a microsecond", C2 "at 1.5us sub connect", 0, 2, 4, 0,
      "microsecond" },
    { "never where not allowed", C2 "at never sub connect", 0, 2, 4, 0,
      "'never' is not allowed" },
    { "never for keep-alive", "client sub keep-alive=never", 0, 1, 23, 0,
      "not allowed" },
    { "huge time", C2 "at 99999999999999s sub connect", 0, 2, 4, 0,
      "too large" },
    /* Whole seconds where MQTT counts seconds. */
    { "fractional session-expiry", "client sub session-expiry=1.5s", 0, 1, 27,
      0, "whole seconds" },
    { "fractional keep-alive", "client sub keep-alive=500ms", 0, 1, 23, 0,
      "whole seconds" },
    { "fractional will-delay",
      "client sub will-topic=\"w\" will-delay=2.5s", 0, 1, 38, 0,
      "whole seconds" },
    { "fractional will-expiry",
      "client sub will-topic=\"w\" will-expiry=1001ms", 0, 1, 39, 0,
      "whole seconds" },
    { "fractional message expiry",
      C2 "at 0s sub publish \"a\" \"b\" expiry=1.5s", 0, 2, 34, 0,
      "whole seconds" },
    { "fractional connect session-expiry",
      C2 "at 0s sub connect session-expiry=0.5s", 0, 2, 34, 0,
      "whole seconds" },
    { "fractional disconnect session-expiry",
      C2 "at 0s sub disconnect session-expiry=10.25s", 0, 2, 37, 0,
      "whole seconds" },
    { "fractional max-session-expiry",
      C2 "broker max-session-expiry=1.5s", 0, 2, 27, 0, "whole seconds" },
    { "fractional server-keep-alive",
      C2 "broker server-keep-alive=1500ms", 0, 2, 26, 0, "whole seconds" },
    { "keep-alive too long", "client sub keep-alive=65536s", 0, 1, 23, 0,
      "out of range" },
    { "session-expiry too long", "client sub session-expiry=4294967295s", 0,
      1, 27, 0, "out of range" },
    { "reconnect=0s", "client sub reconnect=0s", 0, 1, 22, 0, "off" },
    { "latency above an hour", "client sub latency=61m", 0, 1, 20, 0,
      "an hour" },
    { "expect will by= bare", C2 "expect sub will by=20", 0, 2, 20, 0,
      "needs a unit" },
    { "expect session at= bare", C2 "expect sub session exists at=29", 0, 2,
      30, 0, "needs a unit" },
  };
  RUN (cases);
}

static void
test_unknown_words (void **state)
{
  static const BadCase cases[] = {
    { "clinet", "clinet sub", 0, 1, 1, 0, "did you mean 'client'?" },
    { "clent", "clent sub", 0, 1, 1, 0, "did you mean 'client'?" },
    { "brokr", C2 "brokr persistence=on", 0, 2, 1, 0,
      "did you mean 'broker'?" },
    { "expct", C2 "expct sub will", 0, 2, 1, 0, "did you mean 'expect'?" },
    { "invarient", C2 "invarient no-loss off", 0, 2, 1, 0,
      "did you mean 'invariant'?" },
    { "mqt", "mqt 5\n" C2, 0, 1, 1, 0, "did you mean 'mqtt'?" },
    { "unrelated keyword", C2 "frobnicate 3", 0, 2, 1, 0,
      "unknown keyword 'frobnicate' (expected one of:" },
    { "keyword after indentation", C2 "\t  clinet other", 0, 2, 4, 0,
      "did you mean 'client'?" },
    { "conect", C2 "at 0s sub conect", 0, 2, 11, 0,
      "did you mean 'connect'?" },
    { "pubish", C2 "at 0s sub pubish \"a\" \"b\"", 0, 2, 11, 0,
      "did you mean 'publish'?" },
    { "subscibe", C2 "at 0s sub subscibe \"a\"", 0, 2, 11, 0,
      "did you mean 'subscribe'?" },
    { "restat", C2 "at 0s broker restat", 0, 2, 14, 0,
      "did you mean 'restart'?" },
    { "sesion-expiry", "client sub sesion-expiry=1h", 0, 1, 12, 0,
      "did you mean 'session-expiry'?" },
    { "keepalive", "client sub keepalive=10s", 0, 1, 12, 0,
      "did you mean 'keep-alive'?" },
    { "option as a word", "client sub keep-alive", 0, 1, 12, 0,
      "did you mean 'keep-alive=" },
    { "persistance", C2 "broker persistance=on", 0, 2, 8, 0,
      "did you mean 'persistence'?" },
    { "qoss", C2 "at 0s sub subscribe \"a\" qos=1 qoss=1", 0, 2, 31, 0,
      "did you mean 'qos'?" },
    { "retian", C2 "at 0s sub publish \"a\" \"b\" retian=on", 0, 2, 27, 0,
      "did you mean 'retain'?" },
    { "recieves", C2 "expect sub recieves \"x\"", 0, 2, 12, 0,
      "did you mean 'receives'?" },
    { "sesion", C2 "expect sub sesion exists", 0, 2, 12, 0,
      "did you mean 'session'?" },
    { "exist", C2 "expect sub session exist", 0, 2, 20, 0,
      "did you mean 'exists'?" },
    { "cause expird", C2 "expect sub session ended cause=expird", 0, 2, 32,
      0, "did you mean 'expired'?" },
    { "invariant no-los", C2 "invariant no-los off", 0, 2, 11, 0,
      "did you mean 'no-loss'?" },
    { "expect violation qos2-onse", C2 "expect violation qos2-onse", 0, 2,
      18, 0, "did you mean 'qos2-once'?" },
    { "drop value", C2 "broker drop=oldst", 0, 2, 13, 0, "newest or oldest" },
    { "qos2 value", C2 "broker qos2=pubrel", 0, 2, 13, 0, "on-pubrel" },
    { "store value", "client sub store=disk", 0, 1, 18, 0,
      "memory or persistent" },
    { "switch value", C2 "broker persistence=maybe", 0, 2, 20, 0,
      "on or off" },
    { "unaware value", C2 "at 0s sub half-open unaware=both", 0, 2, 29, 0,
      "broker or client" },
    { "mqtt version", "mqtt 4.0\n" C2, 0, 1, 6, 0, "3.1.1 or 5" },
    { "client mqtt version", "client sub mqtt=6", 0, 1, 17, 0, "3.1.1 or 5" },
    { "extra word after restart", C2 "at 0s broker restart now", 0, 2, 22, 0,
      "unexpected 'now'" },
    { "extra word after cut", C2 "at 0s sub cut hard", 0, 2, 15, 0,
      "unexpected 'hard'" },
    { "line starts with a string", C2 "\"client\" x", 0, 2, 1, 0,
      "starts with a keyword" },
    { "line starts with an option", C2 "qos=1", 0, 2, 1, 0,
      "starts with a keyword" },
    { "equals without name", "client sub =1", 0, 1, 12, 0,
      "needs a name before it" },
    { "string glued to a word", "title\"x\"\n" C2, 0, 1, 6, 0,
      "space before the string" },
    { "title not a string", C2 "title hello", 0, 2, 7, 0, "quoted string" },
    { "title two values", C2 "title \"a\" \"b\"", 0, 2, 11, 0,
      "takes one value" },
    { "teaches a word", C2 "teaches \"a\" b", 0, 2, 13, 0, "quoted strings" },
    { "unicode column", C2 "title \"é→ü\" extra", 0, 2, 13, 0,
      "takes one value" },
    { "tab columns", C2 "at\t0s\tsub\tconect", 0, 2, 11, 0,
      "did you mean 'connect'?" },
    { "cause with exists", C2 "expect sub session exists cause=expired", 0,
      2, 27, 0, "goes with 'ended'" },
  };
  RUN (cases);
}

static void
test_out_of_range (void **state)
{
  static const BadCase cases[] = {
    { "qos=3", C2 "at 0s sub subscribe \"a\" qos=3", 0, 2, 29, 0,
      "from 0 to 2" },
    { "publish qos=3", C2 "at 0s sub publish \"a\" \"b\" qos=3", 0, 2, 31, 0,
      "from 0 to 2" },
    { "negative qos", C2 "at 0s sub publish \"a\" \"b\" qos=-1", 0, 2, 31,
      0, "from 0 to 2" },
    { "receive-max=0", "client sub receive-max=0", 0, 1, 24, 0,
      "from 1 to 65535" },
    { "receive-max=70000", "client sub receive-max=70000", 0, 1, 24, 0,
      "from 1 to 65535" },
    { "receive-max=0x10000", "client sub receive-max=0x10000", 0, 1, 24, 0,
      "from 1 to 65535" },
    { "broker receive-max=0", C2 "broker receive-max=0", 0, 2, 20, 0,
      "from 1 to 65535" },
    { "broker max-qos=3", C2 "broker max-qos=3", 0, 2, 16, 0, "from 0 to 2" },
    { "queue-limit too big", C2 "broker queue-limit=1000001", 0, 2, 20, 0,
      "from 0 to 1000000" },
    { "will-qos=3", "client sub will-topic=\"w\" will-qos=3", 0, 1, 36, 0,
      "from 0 to 2" },
    { "reason=0x100", C2 "at 0s sub disconnect reason=0x100", 0, 2, 29, 0,
      "from 0 to 255" },
    { "reason=0x", C2 "at 0s sub disconnect reason=0x", 0, 2, 29, 0,
      "from 0 to 255" },
    { "session-present=2", C2 "expect sub connack session-present=2", 0, 2,
      36, 0, "from 0 to 1" },
    { "nth=0", C2 "expect sub connack nth=0 session-present=1", 0, 2, 24, 0,
      "from 1 to 1000" },
    { "deliveries too many", C2 "expect sub deliveries=1000001", 0, 2, 23, 0,
      "from 0 to 1000000" },
    { "deliveries not a number", C2 "expect sub deliveries=x", 0, 2, 23, 0,
      "from 0 to 1000000" },
    { "seed 2^64", C2 "seed 18446744073709551616", 0, 2, 6, 0,
      "whole number" },
    { "seed negative", C2 "seed -1", 0, 2, 6, 0, "whole number" },
    { "qos hex garbage", C2 "at 0s sub subscribe \"a\" qos=0xg", 0, 2, 29, 0,
      "from 0 to 2" },
  };
  RUN (cases);
}

static void
test_timeline_order (void **state)
{
  static const BadCase cases[] = {
    { "time goes back", C2 "at 5s sub connect\nat 4s sub cut", 0, 3, 4, 0,
      "goes back" },
    { "back by a microsecond", C2 "at 1s sub connect\nat 999999us sub cut", 0,
      3, 4, 0, "goes back" },
    { "back across units", C2 "at 1m sub connect\nat 59.5s sub cut", 0, 3, 4,
      0, "goes back" },
    { "back after equal times",
      C2 "at 2s sub connect\nat 2s sub cut\nat 1s sub connect", 0, 4, 4, 0,
      "goes back" },
    { "client after the timeline",
      C2 "at 0s sub connect\nclient late", 0, 3, 1, 0, "before the timeline" },
    { "mqtt after a client", C2 "mqtt 3.1.1", 0, 2, 1, 0,
      "before the clients" },
  };
  RUN (cases);
}

static void
test_undeclared_clients (void **state)
{
  static const BadCase cases[] = {
    { "near name in the timeline", C3 "at 0s sensr connect", 0, 3, 7, 0,
      "undeclared client 'sensr'; did you mean 'sensor'?" },
    { "near name in an expectation", C3 "expect sesnor no-will", 0, 3, 8, 0,
      "did you mean 'sensor'?" },
    { "far name", C3 "at 0s zebra connect", 0, 3, 7, 0,
      "undeclared client 'zebra' (declare it" },
    { "no clients yet", "at 0s sub connect", 0, 1, 7, 0,
      "undeclared client 'sub'" },
    { "expected before declared", "expect sub no-will\n" C2, 0, 1, 8, 0,
      "undeclared client 'sub'" },
    { "case differs", C2 "at 0s Sub connect", 0, 2, 7, 0,
      "did you mean 'sub'?" },
  };
  RUN (cases);
}

static void
test_strings (void **state)
{
  static const BadCase cases[] = {
    { "unterminated title", "title \"abc\n" C2, 0, 1, 7, 0,
      "unterminated string" },
    { "unterminated filter", C2 "at 0s sub subscribe \"a/b qos=1", 0, 2, 21,
      0, "unterminated string" },
    { "unterminated option value", "client sub will-topic=\"abc", 0, 1, 23, 0,
      "unterminated string" },
    { "unterminated after escaped quote", C2 "title \"a\\\"", 0, 2, 7, 0,
      "unterminated string" },
    { "string ends in a backslash", C2 "title \"a\\", 0, 2, 9, 0, NULL },
    { "quote in a comment is fine, but not before it",
      C2 "title \"a # b", 0, 2, 7, 0, "unterminated string" },
    { "escape \\q", C2 "title \"a\\qb\"", 0, 2, 9, 0, "unknown escape" },
    { "escape \\x41", C2 "title \"\\x41\"", 0, 2, 8, 0, "unknown escape" },
    { "escape \\u00e9", C2 "title \"\\u00e9\"", 0, 2, 8, 0,
      "unknown escape" },
    { "escape \\r", C2 "title \"a\\r\"", 0, 2, 9, 0, "unknown escape" },
    { "escape after unicode", C2 "title \"ééé\\z\"", 0, 2, 11, 0,
      "unknown escape" },
    { "escape in option value", "client sub id=\"a\\0\"", 0, 1, 17, 0,
      "unknown escape" },
  };
  RUN (cases);
}

static void
test_topics (void **state)
{
  static const BadCase cases[] = {
    { "# not last", C2 "at 0s sub subscribe \"a/#/b\"", 0, 2, 22, 0,
      "not a valid topic filter" },
    { "+ inside a level", C2 "at 0s sub subscribe \"a+\"", 0, 2, 22, 0,
      "not a valid topic filter" },
    { "+ before text", C2 "at 0s sub subscribe \"+a/b\"", 0, 2, 22, 0,
      "not a valid topic filter" },
    { "# glued", C2 "at 0s sub subscribe \"a/b#\"", 0, 2, 22, 0,
      "not a valid topic filter" },
    { "empty filter", C2 "at 0s sub subscribe \"\"", 0, 2, 22, 0,
      "not a valid topic filter" },
    { "unsubscribe bad filter", C2 "at 0s sub unsubscribe \"#/a\"", 0, 2, 24,
      0, "not a valid topic filter" },
    { "filter as a word", C2 "at 0s sub subscribe a/b", 0, 2, 21, 0,
      "quoted topic filter" },
    { "+ in publish", C2 "at 0s sub publish \"a/+\" \"x\"", 0, 2, 20, 0,
      "not a valid topic name" },
    { "# in publish", C2 "at 0s sub publish \"#\" \"x\"", 0, 2, 20, 0,
      "not a valid topic name" },
    { "trailing # in publish", C2 "at 0s sub publish \"a/#\" \"x\"", 0, 2, 20,
      0, "not a valid topic name" },
    { "empty publish topic", C2 "at 0s sub publish \"\" \"x\"", 0, 2, 20, 0,
      "not a valid topic name" },
    { "wildcard will topic", "client sub will-topic=\"a/+\"", 0, 1, 23, 0,
      "not a valid topic name" },
    { "empty will topic", "client sub will-topic=\"\"", 0, 1, 23, 0,
      "not a valid topic name" },
    { "payload not quoted", C2 "at 0s sub publish \"a\" 21.5", 0, 2, 23, 0,
      "quoted payload" },
    /* At the first will option (found by fuzzing: will-qos, will-retain,
     * will-delay or will-expiry alone used to be reported at column 0). */
    { "will without topic", "client sub will-qos=1 will-payload=\"x\"", 0, 1,
      12, 0, "needs will-topic" },
    { "will-qos alone", "client sub will-qos=1", 0, 1, 12, 0,
      "needs will-topic" },
    { "will-retain alone", "client sub keep-alive=5s will-retain=on", 0, 1,
      26, 0, "needs will-topic" },
    { "will-delay alone", "client sub will-delay=5s", 0, 1, 12, 0,
      "needs will-topic" },
  };
  RUN (cases);
}

static void
test_version_options (void **state)
{
  static const BadCase cases[] = {
    { "session-expiry on 3.1.1", "mqtt 3.1.1\nclient sub session-expiry=1h",
      0, 2, 12, 0, "3.1.1 has no session expiry" },
    { "receive-max on 3.1.1", "mqtt 3.1.1\nclient sub receive-max=10", 0, 2,
      12, 0, "MQTT 5 only" },
    { "will-delay on 3.1.1",
      "mqtt 3.1.1\nclient sub will-topic=\"w\" will-delay=5s", 0, 2, 27, 0,
      "MQTT 5 only" },
    { "will-expiry on 3.1.1",
      "mqtt 3.1.1\nclient sub will-topic=\"w\" will-expiry=5s", 0, 2, 27, 0,
      "MQTT 5 only" },
    { "clean-start on 3.1.1", "mqtt 3.1.1\nclient sub clean-start=0", 0, 2,
      12, 0, "calls it clean-session" },
    { "clean-session on 5", "client sub clean-session=0", 0, 1, 12, 0,
      "calls it clean-start" },
    { "per-client version", "client sub mqtt=3.1.1 session-expiry=1h", 0, 1,
      23, 0, "no session expiry" },
    { "option before per-client version",
      "client sub receive-max=5 mqtt=3.1.1", 0, 1, 12, 0, "MQTT 5 only" },
    { "connect session-expiry on 3.1.1",
      "mqtt 3.1.1\nclient sub\nat 0s sub connect session-expiry=1h", 0, 3, 19,
      0, "no session expiry" },
    { "connect clean-start on 3.1.1",
      "mqtt 3.1.1\nclient sub\nat 0s sub connect clean-start=1", 0, 3, 19, 0,
      "calls it clean-session" },
    { "disconnect reason on 3.1.1",
      "mqtt 3.1.1\nclient sub\nat 0s sub disconnect reason=0x04", 0, 3, 22, 0,
      "carries no reason" },
    { "message expiry on 3.1.1",
      "mqtt 3.1.1\nclient sub\nat 0s sub publish \"a\" \"b\" expiry=10s", 0,
      3, 27, 0, "MQTT 5 only" },
    { "expect a DISCONNECT from a 3.1.1 broker",
      "client sub mqtt=3.1.1\nexpect sub disconnect reason=0x8e", 0, 2, 12, 0,
      "sends no DISCONNECT" },
  };
  RUN (cases);
}

static void
test_client_names (void **state)
{
  static const BadCase cases[] = {
    { "duplicate name", C2 "client sub", 0, 2, 8, 0,
      "client 'sub' is already declared" },
    { "duplicate after others", C3 "client sub id=other", 0, 3, 8, 0,
      "already declared" },
    { "reserved broker", "client broker", 0, 1, 8, 0, "is a keyword" },
    { "reserved all", "client all", 0, 1, 8, 0, "is a keyword" },
    { "reserved violation", "client violation", 0, 1, 8, 0, "is a keyword" },
    { "name with a digit first", "client 1sub", 0, 1, 8, 0,
      "starting with a letter" },
    { "name with a dot", "client s.b", 0, 1, 8, 0, "starting with a letter" },
    { "name as a string", "client \"sub\"", 0, 1, 8, 0,
      "starting with a letter" },
    { "name as an option", "client sub=1", 0, 1, 8, 0,
      "starting with a letter" },
    { "non-ASCII name", "client café", 0, 1, 8, 0, "starting with a letter" },
  };
  RUN (cases);
}

static void
test_binary_and_empty (void **state)
{
  static const BadCase cases[] = {
    { "NUL alone", BYTES ("\0"), 1, 1, 0, "NUL byte" },
    { "NUL in a name", BYTES ("client a\0b"), 1, 9, 0, "NUL byte" },
    { "NUL on line 3", BYTES (C2 "at 0s sub connect\n\0"), 3, 1, 0,
      "NUL byte" },
    { "NUL in a string", BYTES (C2 "title \"a\0\""), 2, 9, 0, "NUL byte" },
    { "NUL after unicode", BYTES (C2 "title \"é\0\""), 2, 9, 0, "NUL byte" },
    { "byte 0xff", BYTES ("client s\xff"), 1, 9, 0, "invalid UTF-8" },
    { "lone continuation byte", BYTES (C2 "title \"\x80\""), 2, 8, 0,
      "invalid UTF-8" },
    { "truncated sequence at end", BYTES (C2 "title \"\xc3"), 2, 8, 0,
      "invalid UTF-8" },
    { "truncated sequence before newline", BYTES (C2 "title \"ab\xe2\x82\n"),
      2, 10, 0, "invalid UTF-8" },
    { "overlong slash", BYTES (C2 "title \"\xc0\xaf\""), 2, 8, 0,
      "invalid UTF-8" },
    { "UTF-16 surrogate", BYTES (C2 "title \"\xed\xa0\x80\""), 2, 8, 0,
      "invalid UTF-8" },
    { "invalid after unicode", BYTES (C2 "title \"ü\xfe\""), 2, 9, 0,
      "invalid UTF-8" },
    { "control character", BYTES ("client a\x01"), 1, 9, 0,
      "control character 0x01" },
    { "escape character", BYTES (C2 "title \"\x1b[31m\""), 2, 8, 0,
      "control character 0x1b" },
    { "carriage return mid-line", BYTES ("client sub\rat 1s"), 1, 11, 0,
      "control character 0x0d" },
    { "form feed", BYTES (C2 "\f"), 2, 1, 0, "control character 0x0c" },
    { "CRLF lines keep their columns",
      BYTES ("client sub\r\nat 1s sub connect\r\nat 0s sub cut\r\n"), 3, 4,
      0, "goes back" },
    { "byte order mark", "\xef\xbb\xbf" C2, 0, 1, 1, 0, "unknown keyword" },
  };
  RUN (cases);
}

/* Random bytes from fixed seeds: always refused, and at the first
 * offending character of the first line that has one, computed here
 * independently of the tokenizer. */
static void
test_random_garbage (void **state)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (20240607);
  guint failed = 0;
  for (guint round = 0; round < 400; round++)
    {
      gsize len = 1 + (gsize) g_rand_int_range (rand, 0, 600);
      g_autofree char *bytes = g_malloc (len);
      /* Mostly arbitrary bytes; every fourth input printable ASCII with a
       * few bad bytes sprinkled in, so errors fall on later lines too. */
      gboolean mostly_text = round % 4 == 3;
      for (gsize i = 0; i < len; i++)
        {
          if (mostly_text && g_rand_int_range (rand, 0, 40) != 0)
            {
              static const char alphabet[] =
                  "abcz \"=#\\\t\n019sm.+/ atclientexpect";
              bytes[i] = alphabet[g_rand_int_range (rand, 0,
                                                    sizeof alphabet - 1)];
            }
          else
            bytes[i] = (char) g_rand_int_range (rand, 0, 256);
        }
      /* Find the first line with a NUL, invalid UTF-8 or a control
       * character: the tokenizer must stop there at the latest. */
      guint line_no = 0, want_col = 0;
      gsize start = 0;
      for (gsize i = 0; i <= len && want_col == 0; i++)
        {
          if (i != len && bytes[i] != '\n')
            continue;
          line_no++;
          gsize end = i;
          if (end > start && bytes[end - 1] == '\r')
            end--;
          const char *line = bytes + start;
          gsize n = end - start;
          const char *nul = memchr (line, '\0', n);
          gsize upto = nul ? (gsize) (nul - line) : n;
          const char *bad;
          g_utf8_validate (line, (gssize) upto, &bad);
          if ((gsize) (bad - line) < n)
            want_col = (guint) g_utf8_strlen (line, bad - line) + 1;
          else
            for (const char *c = line; c < line + n; c++)
              if ((guchar) *c < 0x20 && *c != '\t')
                {
                  want_col = (guint) g_utf8_strlen (line, c - line) + 1;
                  break;
                }
          start = i + 1;
        }
      g_autoptr (GError) error = NULL;
      g_autoptr (SesScript) script = ses_script_load (BAD_PATH, bytes, len,
                                                      &error);
      g_autofree char *why = NULL;
      guint got_line = 0, got_col = 0;
      if (script != NULL)
        why = g_strdup ("loaded without an error");
      else if (error == NULL
               || sscanf (error->message, BAD_PATH ":%u:%u: error: ",
                          &got_line, &got_col) != 2)
        why = g_strdup ("error is not located");
      else if (want_col != 0 && got_line > line_no)
        why = g_strdup_printf ("error on line %u, after the bad byte on line "
                               "%u", got_line, line_no);
      else if (want_col != 0 && got_line == line_no)
        {
          g_autofree char *src = nth_line (bytes, len, got_line);
          why = check_message (error->message, src, got_line, want_col, 0,
                               NULL, NULL);
        }
      else if (got_line != 0)
        {
          /* An earlier, syntactic error: at least it must be located
           * consistently. */
          g_autofree char *src = nth_line (bytes, len, got_line);
          if (src != NULL)
            why = check_message (error->message, src, got_line, got_col, 0,
                                 NULL, NULL);
        }
      if (why != NULL)
        {
          GString *h = g_string_new (NULL);
          for (gsize i = 0; i < MIN (len, (gsize) 48); i++)
            g_string_append_printf (h, "%02x", (guchar) bytes[i]);
          print_error ("random input %u (%zu bytes, starts %s): %s\n%s\n",
                       round, len, h->str, why,
                       error ? error->message : "");
          g_string_free (h, TRUE);
          failed++;
        }
    }
  if (failed > 0)
    fail_msg ("%u random inputs mishandled", failed);
}

/* Compound durations (10m1s): units from the largest down, each once,
 * decimals only in the last part, no sign; the caret under the part at
 * fault. */
static void
test_compound_durations (void **state)
{
  static const BadCase cases[] = {
    { "units going up", C2 "at 10s5m sub connect", 0, 2, 7, 0,
      "largest down" },
    { "ms before s", C2 "at 1m5ms3s sub connect", 0, 2, 9, 0,
      "largest down" },
    { "unit twice", C2 "at 1m2m sub connect", 0, 2, 6, 0, "only once" },
    { "unit twice, apart", C2 "at 1h5m3s5m sub connect", 0, 2, 10, 0,
      "largest down" },
    { "decimals before the last part", C2 "at 1.5m30s sub connect", 0, 2, 4,
      0, "only the last part" },
    { "missing last unit", C2 "at 1h30 sub connect", 0, 2, 6, 0,
      "needs a unit" },
    { "unknown unit in the middle", C2 "at 1h5x3s sub connect", 0, 2, 6, 0,
      "unknown unit" },
    { "glued letters", C2 "at 1hm sub connect", 0, 2, 4, 0, "unknown unit" },
    { "dot after a unit", C2 "at 1h.5m sub connect", 0, 2, 6, 0,
      "a number after the unit" },
    { "plus sign", C2 "until +5m", 0, 2, 7, 0, "no sign" },
    { "minus sign", "client sub keep-alive=-1m30s", 0, 1, 23, 0, "no sign" },
    { "sign in the middle", C2 "at 1m-5s sub connect", 0, 2, 6, 0,
      "a number after the unit" },
    { "overflow in the sum", C2 "at 640511947h14s sub connect", 0, 2, 14, 0,
      "too large" },
    { "overflow in a later part", C2 "at 1h99999999999999s sub connect", 0,
      2, 6, 0, "too large" },
    { "below a microsecond in the last part", C2 "at 1s0.5us sub connect", 0,
      2, 6, 0, "microsecond" },
    { "seven decimals in the last part", C2 "at 2m30.1234567s sub connect",
      0, 2, 6, 0, "six decimals" },
    { "compound not whole seconds", "client sub session-expiry=1m0.5s", 0,
      1, 27, 0, "whole seconds" },
    { "compound keep-alive out of range", "client sub keep-alive=18h12m16s",
      0, 1, 23, 0, "out of range" },
    { "compound in an option, part at fault",
      C2 "at 0s sub publish \"a\" \"b\" expiry=1m1m", 0, 2, 36, 0,
      "only once" },
  };
  RUN (cases);
}

/* `every PERIOD from START to END ITEM; ITEM` and its block form. */
#define EV C3 "at 0s sensor connect\n"

static void
test_every (void **state)
{
  static const BadCase cases[] = {
    { "every alone", C2 "every", 0, 2, END, 0, "needs a period" },
    { "every without from", C2 "every 10m", 0, 2, END, 0, "missing 'from" },
    { "misspelled from", C2 "every 10m form 0s to 1h sub cut", 0, 2, 11, 0,
      "did you mean 'from'?" },
    { "missing start", C2 "every 10m from", 0, 2, END, 0, "after 'from'" },
    { "missing to", C2 "every 10m from 0s", 0, 2, END, 0, "missing 'to" },
    { "other word for to", C2 "every 10m from 0s until 1h sub cut", 0, 2, 19,
      0, "unknown word 'until'" },
    { "missing end", C2 "every 10m from 0s to", 0, 2, END, 0,
      "after 'to'" },
    { "missing actions", C2 "every 10m from 0s to 1h", 0, 2, END, 0,
      "missing what to repeat" },
    { "bare period", C2 "every 10 from 0s to 1h sub cut", 0, 2, 7, 0,
      "needs a unit" },
    { "zero period", C2 "every 0s from 0s to 1h sub cut", 0, 2, 7, 0,
      "longer than 0s" },
    { "compound period at fault", C2 "every 1m1m from 0s to 1h sub cut", 0, 2,
      9, 0, "only once" },
    { "quoted period", C2 "every \"10m\" from 0s to 1h sub cut", 0, 2, 7, 0,
      "not a quoted string" },
    { "range backwards", C2 "every 10m from 1h to 30m sub cut", 0, 2, 22, 0,
      "before it starts" },
    { "start goes back", EV "at 5s sensor cut\nevery 1m from 4s to 1h sub cut",
      0, 5, 15, 0, "goes back" },
    { "at goes back before an every's start",
      EV "every 1m from 1m to 1h sub cut\nat 30s sensor cut", 0, 5, 4, 0,
      "goes back" },
    { "too many repetitions", C2 "every 1us from 0s to 1000h sub cut", 0, 2,
      7, 0, "more than the 100000" },
    { "too many with several actions",
      C2 "every 1s from 0s to 20000s sub connect; +1ms sub cut; +2ms sub "
      "crash; +3ms sub cut; +4ms sub crash", 0, 2, 7, 0, "5 actions each" },
    { "undeclared client in an item",
      C3 "every 1m from 0s to 1h sub connect; +1s sensr cut", 0, 3, 41, 0,
      "did you mean 'sensor'?" },
    { "unknown action in the second item",
      C3 "every 1m from 0s to 1h sub connect; sub conect", 0, 3, 41, 0,
      "did you mean 'connect'?" },
    { "empty item", C2 "every 1m from 0s to 1h sub connect;; sub cut", 0, 2,
      36, 0, "nothing to do before" },
    { "leading semicolon", C2 "every 1m from 0s to 1h ; sub cut", 0, 2, 24,
      0, "nothing to do before" },
    { "trailing semicolon", C2 "every 1m from 0s to 1h sub connect;", 0, 2,
      35, 0, "nothing to do after" },
    { "offset not shorter than the period",
      C2 "every 10m from 0s to 1h sub connect; +10m sub cut", 0, 2, 38, 0,
      "not shorter than the period" },
    { "offsets going back",
      C2 "every 10m from 0s to 1h +5s sub connect; +1s sub cut", 0, 2, 42, 0,
      "goes back" },
    { "no offset after an offset",
      C2 "every 10m from 0s to 1h +5s sub connect; sub cut", 0, 2, 42, 0,
      "+0s" },
    { "bad offset", C2 "every 10m from 0s to 1h +5 sub connect", 0, 2, 26, 0,
      "needs a unit" },
    { "double plus", C2 "every 10m from 0s to 1h ++5s sub connect", 0, 2, 26,
      0, "no sign" },
    { "offset without an action", C2 "every 10m from 0s to 1h +5s", 0, 2, END,
      0, "missing who acts" },
    { "at inside every", C2 "every 10m from 0s to 1h at 5s sub cut", 0, 2,
      25, 0, "relative" },
    { "every inside every", C2 "every 10m from 0s to 1h every 1m sub cut", 0,
      2, 25, 0, "cannot repeat another" },
    { "option in an item", C2 "every 10m from 0s to 1h sub connect qos=1", 0,
      2, 37, 0, "unknown option 'qos'" },
    { "relative time in an at line", C2 "at +5s sub connect", 0, 2, 4, 0,
      "offset inside an 'every'" },
    { "every as a client name", "client every", 0, 1, 8, 0, "keyword" },
    { "evry", C2 "evry 10m from 0s to 1h sub cut", 0, 2, 1, 0,
      "did you mean 'every'?" },
    /* The block form. */
    { "block never closed", C2 "every 10m from 0s to 1h {\n  sub connect\n",
      0, 2, 25, 0, "never closed" },
    { "block never closed, empty", C2 "every 10m from 0s to 1h {", 0, 2, 25,
      0, "never closed" },
    { "empty block", C2 "every 10m from 0s to 1h {\n}", 0, 3, 1, 0,
      "no actions" },
    { "words after the brace", C2 "every 10m from 0s to 1h { sub connect", 0,
      2, 27, 0, "ends the line" },
    { "words after the closing brace",
      C2 "every 10m from 0s to 1h {\n sub connect\n} sub cut", 0, 4, 3, 0,
      "stands alone" },
    { "closing brace alone", C2 "}", 0, 2, 1, 0, "none is open" },
    { "opening brace alone", C2 "{", 0, 2, 1, 0, "starts with a keyword" },
    { "at in a block", C2 "every 10m from 0s to 1h {\n  at 5s sub cut\n}", 0,
      3, 3, 0, "relative" },
    { "client in a block", C2 "every 10m from 0s to 1h {\n  client x\n}", 0,
      3, 3, 0, "close the block" },
    { "expect in a block",
      C2 "every 10m from 0s to 1h {\n  sub connect\n  expect sub will\n}",
      0, 4, 3, 0, "close the block" },
    { "offsets going back across block lines",
      C2 "every 10m from 0s to 1h {\n  +5s sub connect\n\t+1s sub cut\n}", 0,
      4, 2, 0, "goes back" },
    { "bad action in a block line",
      C2 "every 10m from 0s to 1h {\n  +1s sub pubish \"a\" \"b\"\n}", 0, 3,
      11, 0, "did you mean 'publish'?" },
    { "too many, reported on the every line",
      C2 "every 1ms from 0s to 1m {\n  sub connect\n  +1us sub cut\n}", 0, 2,
      7, 0, "60001 times with 2 actions" },
    { "nested block", C2 "every 10m from 0s to 1h {\nevery 1m from 0s to 1h "
      "{\n}\n}", 0, 3, 1, 0, "cannot repeat another" },
  };
  RUN (cases);
}

/* Regressions: each case here is a located-error or acceptance bug found
 * while writing these tests or fuzzing (see tests/fuzz/README.md), fixed
 * in the parser since. */
static void
test_parser_bugs (void **state)
{
  static const BadCase cases[] = {
    /* Hours that overflow 64 bits of microseconds once wrapped silently. */
    { "hours that overflow 64 bits", C2 "at 5124095577h sub connect", 0, 2,
      4, 0, "too large" },
    /* A key=value token where a word is expected once lost its value. */
    { "option as the time", C2 "at 5s=3 sub connect", 0, 2, 4, 8, NULL },
    { "option as who", C2 "at 0s sub=x connect", 0, 2, 7, 11, NULL },
    { "option as the mqtt version", "mqtt 5=x\n" C2, 0, 1, 6, 8, NULL },
    { "option as in-order", C2 "expect sub receives \"a\" in-order=1", 0, 2,
      25, 35, NULL },
    /* The file-level error once came without a source line or caret. */
    { "empty file", "", 0, 1, 1, 0, "declares no client" },
    { "blank lines only", "\n\n  \n", 0, 1, 1, 0, "declares no client" },
    { "comments only", "# nothing\n# here\n", 0, 1, 1, 0,
      "declares no client" },
    /* Token text once went into messages unescaped: a "\n" escape split
     * the message, so the error lost its three-line shape. */
    { "newline in a bad filter", C2 "at 0s sub subscribe \"a\\n#/b\"", 0, 2,
      22, 0, "not a valid topic filter" },
    /* A quoted keyword was once refused with itself as the suggestion. */
    { "quoted invariant name", C2 "invariant \"no-loss\" off", 0, 2, 11, 0,
      NULL, "did you mean 'no-loss'" },
    { "quoted expectation", C2 "expect sub \"connack\" session-present=1", 0,
      2, 12, 0, NULL, "did you mean 'connack'" },
    /* DEL is a control character too (docs: any but tab is an error). */
    { "DEL in a string", C2 "title \"a\x7f\"", 0, 2, 9, 0,
      "control character 0x7f" },
  };
  RUN (cases);
}

/* The conformance stimuli and expectations (docs/scenario-language.md):
 * each misuse is located at the token at fault. */
static void
test_stimuli (void **state)
{
  (void) state;
  static const BadCase cases[] = {
    { "unknown ack kind", C2 "at 0s sub hold-acks kind=pubrex", 0, 2, 26, 0,
      "acknowledgement kind" },
    { "ack without a message", C2 "at 0s sub ack", 0, 2, END, 0,
      "ack needs the message" },
    { "ack reason without kind", C2 "at 0s sub ack id=3 reason=0x80", 0, 2,
      20, 0, "needs kind=" },
    { "ack by payload and id", C2 "at 0s sub ack \"a\" id=3", 0, 2, 19, 0,
      "not both" },
    { "reason code PUBREL lacks", C2 "at 0s sub ack-reason kind=pubrel "
      "reason=0x80", 0, 2, 41, 0, "not a reason code of PUBREL" },
    { "ack-reason on 3.1.1", "mqtt 3.1.1\n" C2 "at 0s sub ack-reason "
      "kind=puback reason=0x80", 0, 3, 11, 0, "carries no reason code" },
    { "ack-reason without reason", C2 "at 0s sub ack-reason kind=puback", 0,
      2, END, 0, "needs kind=… and reason=" },
    { "raw QoS 1 without id", C2 "at 0s sub send-publish \"a/b\" \"x\" qos=1",
      0, 2, END, 0, "needs its packet id" },
    { "raw QoS 0 with id", C2 "at 0s sub send-publish \"a/b\" \"x\" id=3", 0,
      2, 34, 0, "has no packet id" },
    { "raw QoS 0 with dup", C2 "at 0s sub send-publish \"a/b\" \"x\" dup=on",
      0, 2, 34, 0, "DUP must be 0" },
    { "raw publish to a wildcard", C2 "at 0s sub send-publish \"a/+\" \"x\"", 0,
      2, 25, 0, "not a valid topic name" },
    { "pubrel without id", C2 "at 0s sub send-pubrel", 0, 2, END, 0,
      "needs the packet id" },
    { "protocol name MQTT", C2 "at 0s sub connect protocol-name=MQTT", 0, 2,
      33, 0, "what every CONNECT sends" },
    { "pause takes nothing", C2 "at 0s sub pause now", 0, 2, 17, 0,
      "unexpected 'now'" },
    { "connack with nothing to check", C2 "expect sub connack", 0, 2, END, 0,
      "needs what to check" },
    { "connack property on 3.1.1", "mqtt 3.1.1\n" C2 "expect sub connack "
      "receive-max=3", 0, 3, 20, 0, "no properties" },
    { "one-of with one count", C2 "expect sub deliveries one-of 2", 0, 2, END,
      0, "two counts or more" },
    { "one-of with a word", C2 "expect sub deliveries one-of 2 x", 0, 2, 32,
      0, "expected a count" },
    { "window backwards", C2 "expect sub receives \"a\" after=5s by=2s", 0, 2,
      37, 0, "ends before it starts" },
    { "delivery without a message", C2 "expect sub delivery qos=1", 0, 2, 21,
      0, "needs the message" },
    { "ack expectation of PUBREL", C2 "expect sub ack \"a\" kind=pubrel", 0, 2,
      25, 0, "a publisher sends PUBREL" },
    { "linger=0s", C2 "at 0s sub disconnect linger=0s", 0, 2, 29, 0,
      "use off" },
    { "linger below a millisecond", C2 "at 0s sub disconnect linger=1500us",
      0, 2, 29, 0, "whole milliseconds" },
    { "linger too long", C2 "at 0s sub disconnect linger=1h1s", 0, 2, 29, 0,
      "at most 1h" },
    { "linger not a switch", C2 "at 0s sub disconnect linger=maybe", 0, 2,
      29, 0, "expected on, off or" },
    { "linger with a bad unit", C2 "at 0s sub disconnect linger=2x", 0, 2,
      29, 0, "unknown unit" },
    { "linger misspelt", C2 "at 0s sub disconnect lingr=on", 0, 2, 22, 0,
      "linger" },
  };
  RUN (cases);
}

/* ---- the command line --------------------------------------------------- */

static const char *sessim_path;

static int
run_sessim (const char *out_dir, const char *scenario, char **err)
{
  const char *args[] = { "run", "-q", "--out", out_dir, scenario, NULL };
  return test_run (sessim_path, args, NULL, err);
}

static guint
count_entries (const char *dir)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  assert_non_null (d);
  guint n = 0;
  while (g_dir_read_name (d) != NULL)
    n++;
  return n;
}


static void
test_cli_bad_file (void **state)
{
  g_autofree char *tmp = g_dir_make_tmp ("sessim-errors-XXXXXX", NULL);
  assert_non_null (tmp);
  g_autofree char *out = g_build_filename (tmp, "out", NULL);
  assert_int_equal (g_mkdir (out, 0755), 0);
  static const char *const bad[] = {
    "client sub\nat 5s sub conect\n",
    "client sub\nat 5s sub connect\nat 4s sub cut\n",
    "",
    "client sub\nexpect sub receives \"x\"\nclient sub\n",
  };
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autofree char *file = g_build_filename (tmp, "bad.scn", NULL);
      assert_true (g_file_set_contents (file, bad[i], -1, NULL));
      g_autofree char *err = NULL;
      int status = run_sessim (out, file, &err);
      if (status != 2)
        fail_msg ("bad file %u: exit status %d, expected 2", i, status);
      g_autofree char *prefix = g_strdup_printf ("%s:", file);
      if (!g_str_has_prefix (err, prefix) || strstr (err, ": error: ") == NULL)
        fail_msg ("bad file %u: stderr is not a located error:\n%s", i, err);
      if (count_entries (out) != 0)
        fail_msg ("bad file %u: sessim wrote into --out", i);
    }
  test_remove_tree (tmp);
}


/* Runs scenario twice into two fresh --out folders; the three files must
 * be byte-identical. Returns the exit status. */
static int
check_twice (const char *scenario)
{
  g_autofree char *tmp = g_dir_make_tmp ("sessim-errors-XXXXXX", NULL);
  assert_non_null (tmp);
  g_autofree char *out1 = g_build_filename (tmp, "one", NULL);
  g_autofree char *out2 = g_build_filename (tmp, "two", NULL);
  g_autofree char *err1 = NULL, *err2 = NULL;
  int s1 = run_sessim (out1, scenario, &err1);
  int s2 = run_sessim (out2, scenario, &err2);
  if (s1 == 2)
    {
      test_remove_tree (tmp);
      return s1;
    }
  if (s1 != s2 || strcmp (err1, err2) != 0)
    fail_msg ("%s: exit status or stderr differ between two runs", scenario);

  g_autofree char *base = g_path_get_basename (scenario);
  if (g_str_has_suffix (base, ".scn"))
    base[strlen (base) - 4] = '\0';
  g_autofree char *dir1 = g_build_filename (out1, base, NULL);
  g_autofree char *dir2 = g_build_filename (out2, base, NULL);
  if (count_entries (dir1) != 3 || count_entries (dir2) != 3)
    fail_msg ("%s: expected the three output files", scenario);
  static const char *const files[] = { "trace.txt", "trace.jsonl",
                                       "summary.json" };
  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autofree char *p1 = g_build_filename (dir1, files[i], NULL);
      g_autofree char *p2 = g_build_filename (dir2, files[i], NULL);
      g_autofree char *c1 = NULL, *c2 = NULL;
      gsize l1 = 0, l2 = 0;
      c1 = test_read_file (p1, &l1);
      c2 = test_read_file (p2, &l2);
      if (l1 == 0)
        fail_msg ("%s: %s is empty", scenario, files[i]);
      if (l1 != l2 || memcmp (c1, c2, l1) != 0)
        fail_msg ("%s: %s differs between two runs", scenario, files[i]);
    }
  test_remove_tree (tmp);
  return s1;
}

/* A scenario of this file's own, so the test does not depend on the
 * library's file names: persistent session, QoS 1 and 2, a cut. */
static const char good_scenario[] =
    "title \"Two runs, same bytes\"\n"
    "mqtt 5\n"
    "seed 7\n"
    "client sub id=dash clean-start=0 session-expiry=1h\n"
    "client pub id=sensor\n"
    "at 0s   sub connect\n"
    "at 0s   sub subscribe \"plant/+/temp\" qos=2\n"
    "at 1s   sub cut\n"
    "at 2s   pub connect\n"
    "at 2s   pub publish \"plant/a/temp\" \"21.5\" qos=1\n"
    "at 2s   pub publish \"plant/a/temp\" \"21.7\" qos=2\n"
    "at 30s  sub connect\n"
    "expect sub connack session-present=1\n"
    "expect sub receives \"21.5\" \"21.7\" in-order\n";

static void
test_cli_good_file_twice (void **state)
{
  g_autofree char *tmp = g_dir_make_tmp ("sessim-errors-XXXXXX", NULL);
  assert_non_null (tmp);
  g_autofree char *file = g_build_filename (tmp, "two-runs.scn", NULL);
  assert_true (g_file_set_contents (file, good_scenario, -1, NULL));
  assert_int_equal (check_twice (file), 0);
  test_remove_tree (tmp);
}

/* Every scenario of the library that loads gives the same bytes twice
 * (files that do not load are left to the scenario tests). */
static void
test_cli_library_twice (void **state)
{
  g_autofree char *dir = g_build_filename (SOURCE_ROOT, "scenarios", NULL);
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  if (d == NULL)
    skip ();
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;
  while ((name = g_dir_read_name (d)) != NULL)
    if (g_str_has_suffix (name, ".scn"))
      g_ptr_array_add (names, g_build_filename (dir, name, NULL));
  guint checked = 0;
  for (guint i = 0; i < names->len; i++)
    if (check_twice (g_ptr_array_index (names, i)) != 2)
      checked++;
  print_message ("# %u of %u library scenarios ran twice, identically\n",
                 checked, names->len);
  assert_true (names->len >= 30);
  assert_int_equal (checked, names->len);
}

/* A wrong expectation makes run exit 1 with a message naming its line,
 * and still writes the trace files (they show what happened instead). */
static void
test_cli_wrong_expectation (void **state)
{
  g_autofree char *tmp = g_dir_make_tmp ("sessim-errors-XXXXXX", NULL);
  g_autofree char *file = g_build_filename (tmp, "wrong.scn", NULL);
  g_autofree char *text = g_strconcat (good_scenario,
                                       "expect sub deliveries=5\n", NULL);
  assert_true (g_file_set_contents (file, text, -1, NULL));
  g_autofree char *out = g_build_filename (tmp, "out", NULL);
  g_autofree char *err = NULL;
  assert_int_equal (run_sessim (out, file, &err), 1);
  g_autofree char *want = g_strdup_printf (
      "%s:15: expectation failed: sub: expected 5 deliveries, counted 2",
      file);
  if (strstr (err, want) == NULL)
    fail_msg ("stderr lacks '%s':\n%s", want, err);
  g_autofree char *dir = g_build_filename (out, "wrong", NULL);
  assert_int_equal (count_entries (dir), 3);
  test_remove_tree (tmp);
}

static int
run_sessim_args (const char *const *args, char **out, char **err)
{
  return test_run (sessim_path, args, out, err);
}

/* For every variant: check finds its bug and writes a trail; replay
 * reproduces the same violation and byte-identical trace files, and, the
 * violation being the one the scenario expects, passes (exit 0) as the
 * check did. */
static void
test_cli_check_and_replay (void **state)
{
  static const char *const variants[] = {
    "clean-start-keeps-session", "client-keeps-state", "deliver-expired",
    "expiry-lost-on-restart", "forget-inflight", "ignore-receive-maximum",
    "ignore-session-expiry", "no-dup-on-resend", "publish-after-pubrel",
    "qos2-no-dedup", "resend-reordered", "sp-after-restart",
    "takeover-without-0x8e", "will-waits-past-session-end",
  };
  g_autofree char *tmp = g_dir_make_tmp ("sessim-check-XXXXXX", NULL);
  g_autofree char *one = g_build_filename (tmp, "one", NULL);
  g_autofree char *two = g_build_filename (tmp, "two", NULL);
  for (guint v = 0; v < G_N_ELEMENTS (variants); v++)
    {
      g_autofree char *file = g_strconcat (variants[v], ".scn", NULL);
      g_autofree char *scn = g_build_filename (SOURCE_ROOT, "scenarios",
                                               "variants", file, NULL);
      g_autofree char *out = NULL, *err = NULL;
      const char *check[] = { "check", "--quiet", "--out", one, scn, NULL };
      assert_int_equal (run_sessim_args (check, &out, &err), 0);
      if (strstr (out, "broken") == NULL)
        fail_msg ("%s: check did not report the violation:\n%s", file, out);
      g_autofree char *trail = g_build_filename (one, variants[v],
                                                 "counterexample.trail", NULL);
      g_autofree char *out2 = NULL, *err2 = NULL;
      const char *replay[] = { "replay", "--quiet", "--out", two, trail,
                               NULL };
      assert_int_equal (run_sessim_args (replay, &out2, &err2), 0);
      if (strstr (out2, "# verdict: ok: the expected violation of ") == NULL)
        fail_msg ("%s: replay verdict:\n%s", file, out2);
      static const char *const traces[] = { "trace.txt", "trace.jsonl" };
      for (guint t = 0; t < G_N_ELEMENTS (traces); t++)
        {
          g_autofree char *t1 = g_build_filename (one, variants[v], traces[t],
                                                  NULL);
          g_autofree char *t2 = g_build_filename (two, variants[v], traces[t],
                                                  NULL);
          g_autofree char *c1 = NULL, *c2 = NULL;
          gsize l1 = 0, l2 = 0;
          c1 = test_read_file (t1, &l1);
          c2 = test_read_file (t2, &l2);
          assert_true (l1 > 0);
          if (l1 != l2 || memcmp (c1, c2, l1) != 0)
            fail_msg ("%s: replayed %s differs from the checked one", file,
                      traces[t]);
        }
    }
  test_remove_tree (tmp);
}

/* A broken invariant makes run exit 1 naming it, even with no expectation
 * about it: here a broker that resends without DUP. */
static void
test_cli_broken_invariant (void **state)
{
  g_autofree char *src = g_build_filename (SOURCE_ROOT, "scenarios",
                                           "variants", "no-dup-on-resend.scn",
                                           NULL);
  g_autofree char *orig = NULL;
  if (!g_file_get_contents (src, &orig, NULL, NULL))
    fail_msg ("cannot read %s", src);
  GString *text = g_string_new (NULL);
  g_auto (GStrv) lines = g_strsplit (orig, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    if (!g_str_has_prefix (lines[i], "expect violation"))
      g_string_append_printf (text, "%s\n", lines[i]);
  g_autofree char *tmp = g_dir_make_tmp ("sessim-errors-XXXXXX", NULL);
  g_autofree char *file = g_build_filename (tmp, "nodup.scn", NULL);
  assert_true (g_file_set_contents (file, text->str, -1, NULL));
  g_string_free (text, TRUE);
  g_autofree char *out = g_build_filename (tmp, "out", NULL);
  g_autofree char *err = NULL;
  assert_int_equal (run_sessim (out, file, &err), 1);
  if (strstr (err, "invariant dup broken at ") == NULL
      || strstr (err, "step ") == NULL)
    fail_msg ("stderr does not name the broken invariant:\n%s", err);
  test_remove_tree (tmp);
}

int
main (int argc, char **argv)
{
  g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
  if (argc == 2)
    {
      sessim_path = argv[1];
      const struct CMUnitTest cli[] = {
        cmocka_unit_test (test_cli_bad_file),
        cmocka_unit_test (test_cli_good_file_twice),
        cmocka_unit_test (test_cli_library_twice),
        cmocka_unit_test (test_cli_wrong_expectation),
        cmocka_unit_test (test_cli_broken_invariant),
        cmocka_unit_test (test_cli_check_and_replay),
      };
      return cmocka_run_group_tests (cli, NULL, NULL);
    }
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_baseline_loads),
    cmocka_unit_test (test_truncated_lines),
    cmocka_unit_test (test_wrong_units),
    cmocka_unit_test (test_unknown_words),
    cmocka_unit_test (test_out_of_range),
    cmocka_unit_test (test_timeline_order),
    cmocka_unit_test (test_undeclared_clients),
    cmocka_unit_test (test_strings),
    cmocka_unit_test (test_topics),
    cmocka_unit_test (test_version_options),
    cmocka_unit_test (test_client_names),
    cmocka_unit_test (test_binary_and_empty),
    cmocka_unit_test (test_random_garbage),
    cmocka_unit_test (test_parser_bugs),
    cmocka_unit_test (test_compound_durations),
    cmocka_unit_test (test_every),
    cmocka_unit_test (test_stimuli),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
