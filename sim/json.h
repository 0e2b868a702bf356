/* A small JSON reader, enough to read back the results sessim writes
 * (`check --random --json`) so that shards can be merged. Strict RFC 8259
 * syntax; numbers keep their text, so a 64-bit seed reads back exactly. */
#pragma once

#include <glib.h>

typedef enum {
  SES_JSON_NULL,
  SES_JSON_BOOL,
  SES_JSON_NUMBER,
  SES_JSON_STRING,
  SES_JSON_ARRAY,
  SES_JSON_OBJECT,
} SesJsonKind;

typedef struct _SesJson SesJson;

/* Errors (SES_ERROR_PARSE) are located: "path:line:col: error: …". */
SesJson *ses_json_parse (const char *path, const char *text, gsize length,
                         GError **error);
void ses_json_free (SesJson *json);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SesJson, ses_json_free)

SesJsonKind ses_json_kind (const SesJson *json);
/* A member of an object, NULL if json is not an object or has none. */
const SesJson *ses_json_get (const SesJson *json, const char *member);
/* Elements of an array or members of an object; 0 for anything else. */
guint ses_json_length (const SesJson *json);
const SesJson *ses_json_index (const SesJson *json, guint i);
/* The name of an object's i-th member, in file order. */
const char *ses_json_member_name (const SesJson *json, guint i);
/* NULL unless a string. (transfer none) */
const char *ses_json_string (const SesJson *json);
gboolean ses_json_bool (const SesJson *json, gboolean *out);
/* A number that is a whole number in range; FALSE otherwise. */
gboolean ses_json_uint64 (const SesJson *json, guint64 *out);
gboolean ses_json_double (const SesJson *json, double *out);
