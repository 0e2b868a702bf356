/* Facts a client can see, for comparing two runs of one scenario (a real
 * broker's and the model's prediction): the CONNACKs, SUBACKs and
 * acknowledgements each client got, the PUBLISH packets it was sent and
 * the closes the broker made. Pure: read from observation logs, compared
 * with a timing tolerance, each difference named with the rule involved. */
#pragma once

#include <glib.h>
#include "mqtt.h"

typedef enum {
  SES_FACT_CONNACK = 0, /* pkt: the CONNACK received */
  SES_FACT_SUBACK,      /* pkt: the SUBACK received */
  SES_FACT_ACK,         /* pkt: a PUBACK, PUBREC or PUBCOMP received */
  SES_FACT_PUBLISH,     /* pkt: a PUBLISH received (origin/seq: which
                           message) */
  SES_FACT_CLOSED,      /* the broker closed the connection on its own;
                           pkt.reason: its DISCONNECT reason, if any */
  SES_FACT_KINDS,
} SesFactKind;

typedef struct {
  SesFactKind kind;
  guint32 client;
  guint32 nth;      /* 1-based, per client and kind */
  SesTime time_us;
  SesPacket pkt;
} SesFact;

typedef struct {
  SesFactKind kind;
  guint32 client;
  guint32 nth;          /* the predicted fact's number (observed's if
                           there is no predicted one) */
  SesTime observed_us;  /* SES_TIME_NONE: not observed */
  SesTime predicted_us; /* SES_TIME_NONE: not predicted */
  char *what;           /* "session-present", "missing", "qos", "time" */
  char *observed;       /* what the broker did, in words */
  char *predicted;      /* what the model predicted */
  const char *rule;     /* the rule the fact is about */
  gboolean timing;      /* only the time differs (beyond the tolerance) */
} SesFactDiff;

void ses_fact_diff_clear (gpointer diff);
const char *ses_fact_kind_name (SesFactKind kind);

/* The facts in an observation log, in log order. (element-type SesFact) */
GArray *ses_facts_extract (const GArray *log);
/* Compares observed facts with predicted ones: per client and kind in
 * order (PUBLISH by message, so one missing message is one difference).
 * Appends (element-type SesFactDiff) to diffs; returns how many facts
 * were compared. */
guint ses_facts_compare (SesMqttConfig *cfg, const GArray *observed,
                         const GArray *predicted, SesTime tolerance_us,
                         GArray *diffs);
/* "pub's message 2 (\"21.5\" on plant/a/temp)" and the like.
 * (transfer full) */
char *ses_fact_describe (SesMqttConfig *cfg, const SesFact *fact);
/* One line for a difference, without the verdict. (transfer full) */
char *ses_fact_diff_describe (SesMqttConfig *cfg, const SesFactDiff *diff);
