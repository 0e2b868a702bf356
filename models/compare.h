/* "What if": one scenario run under every combination of some settings,
 * each run measured the same way (Session Present seen, messages
 * delivered, lost, duplicated and dropped by policy, the most the broker
 * held at once), so that settings can be chosen by their outcome. A
 * setting is changed in the scenario's text and the text parsed again, so
 * any client or broker setting the language has can be varied, and an
 * impossible value is reported by the parser itself. */
#pragma once

#include <glib.h>
#include "mqtt.h"
#include "script.h"
#include "snapshot.h"

/* One --vary: TARGET.KEY=V1,V2,... (TARGET: a client's name or broker). */
typedef struct {
  char *target;
  char *key;
  GPtrArray *values; /* (element-type utf8) (owned) */
} SesVary;

void ses_vary_clear (gpointer vary);
/* Parses "sub.clean-start=0,1"; errors are SES_ERROR_INVALID. */
gboolean ses_vary_parse (const char *text, SesVary *out, GError **error);

/* source with KEY=VALUE set on the declaration of client TARGET (or on
 * the broker line, added if missing, for TARGET "broker"), replacing a
 * value already there. Fails (SES_ERROR_INVALID) if no client TARGET is
 * declared. (transfer full) */
char *ses_compare_apply (const char *source, const char *target,
                         const char *key, const char *value, GError **error);

/* What one run came to. */
typedef struct {
  char *session_present; /* per client that connected: "dev 0,1,1" */
  guint delivered;       /* deliveries to applications, repeats included */
  guint duplicated;      /* deliveries of a message a client already had */
  guint lost;            /* copies a subscriber wanted and never got, nor
                            saw dropped by a setting */
  guint dropped;         /* copies dropped by a broker setting (policy) or
                            expired while waiting */
  guint peak_messages;   /* the most messages the broker held at once */
  guint peak_bytes;      /* their topics and payloads, at that peak */
  guint expectations;    /* expectations of the scenario */
  guint held;            /* of which held */
  char *broken;          /* (nullable) invariants broken, comma-separated */
} SesCompareRow;

void ses_compare_row_clear (SesCompareRow *row);
/* Fills the measures from the run's log and snapshots (expectations and
 * invariants are the caller's). A copy is wanted by a client when the
 * client had subscribed to a matching filter (and not unsubscribed) when
 * the message was published, whether connected or not. */
void ses_compare_measure (SesCompareRow *row, SesMqtt *mqtt,
                          const SesSnapshots *snaps);
