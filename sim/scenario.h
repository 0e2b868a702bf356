/* The scenario file's surface syntax, knowing nothing of what the words mean:
 * lines of words, quoted strings and key=value options, with `#` comments,
 * each token located by line and column. Also the pieces every statement
 * interpreter needs: durations with units, bounded numbers, the nearest
 * keyword for a misspelling, and errors that read
 *
 *     file:line:col: error: message
 *       the offending line
 *           ^
 *
 * The MQTT meaning of statements lives in models/script.c. */
#pragma once

#include <glib.h>
#include "clock.h"

typedef enum {
  SES_TOK_WORD = 1,   /* bare word: at, connect, 5s, 0x04, plant/+/temp */
  SES_TOK_STRING,     /* "quoted text", escapes \" \\ \n \t */
  SES_TOK_OPTION,     /* key=value or key="quoted value" */
  SES_TOK_PUNCT,      /* one of ; { } (text holds it), outside strings */
} SesTokKind;

typedef struct {
  SesTokKind kind;
  char *text;          /* the word, the string's contents, or the key */
  char *value;         /* SES_TOK_OPTION: the value, unquoted; else NULL */
  guint col;           /* 1-based column of the token's first character */
  guint value_col;     /* SES_TOK_OPTION: column of the value */
  guint end_col;       /* column just past the token's last character */
} SesToken;

typedef struct {
  guint line;          /* 1-based */
  GArray *tokens;      /* (element-type SesToken) at least one */
} SesStatement;

typedef struct _SesScenarioText SesScenarioText;

/* Splits contents into statements. Fails (SES_ERROR_PARSE, located) on
 * text that is not valid UTF-8, control characters, NUL bytes and
 * unterminated strings. */
SesScenarioText *ses_scenario_text_parse (const char *path,
                                          const char *contents, gsize length,
                                          GError **error);
void ses_scenario_text_free (SesScenarioText *text);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SesScenarioText, ses_scenario_text_free)

const char *ses_scenario_text_path (const SesScenarioText *text);
guint ses_scenario_text_n_statements (const SesScenarioText *text);
const SesStatement *ses_scenario_text_statement (const SesScenarioText *text,
                                                 guint index);

/* Sets a located error: "path:line:col: error: message", the line, a caret
 * under col. */
void ses_scenario_error (const SesScenarioText *text, GError **error,
                         guint line, guint col, const char *format, ...)
    G_GNUC_PRINTF (5, 6);

/* "250ms", "1.5s", "2m", "1h", "10us", or several of these in decreasing
 * units, each unit at most once, decimals only in the last: "10m1s",
 * "1h30m", "2m30.5s". `never` when allow_never (then *never is set and *out
 * is SES_TIME_NONE). A bare number is an error: units are required. Fails
 * with a message in *why (static string). */
gboolean ses_parse_duration (const char *text, gboolean allow_never,
                             SesTime *out, gboolean *never, const char **why);
/* The same; on failure *where is the byte offset in text of the part at
 * fault (0 for the first), so an error can point at it. */
gboolean ses_parse_duration_at (const char *text, gboolean allow_never,
                                SesTime *out, gboolean *never,
                                const char **why, gsize *where);
/* Decimal or 0x-hex, at most max. */
gboolean ses_parse_uint (const char *text, guint64 max, guint64 *out);
/* A yes/no value: 1/0, on/off, yes/no, true/false. */
gboolean ses_parse_bool (const char *text, gboolean *out);
/* The candidate closest to word by edit distance, if close enough to be a
 * likely misspelling; NULL otherwise. candidates: NULL-terminated. */
const char *ses_nearest_word (const char *word, const char *const *candidates);
