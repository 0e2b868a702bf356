/* Facts a client can see, for comparing two runs of one scenario (a real
 * broker's and the model's prediction): the CONNACKs, SUBACKs and
 * acknowledgements each client got, the PUBLISH packets it was sent and
 * the closes the broker made. Pure: read from observation logs, compared
 * with a timing tolerance, each difference named with the rule involved,
 * and each fact a broker timer can tip marked timing-sensitive, from the
 * model's run alone so that the marks are the same on every rerun. */
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
  guint16 cause;     /* CLOSED: why the broker closed (SesCause) */
  /* (nullable) Set by ses_facts_mark_timing: the broker timer that makes
   * this fact timing-sensitive ("session-expiry", "will-delay",
   * "keep-alive", "message-expiry"); NULL when none does. */
  const char *timer;
} SesFact;

/* One fact compared: the observed and the predicted one (either NULL when
 * the other run has no such fact). */
typedef struct {
  const SesFact *observed;
  const SesFact *predicted;
} SesFactPair;

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
  const char *timer;    /* (nullable) the fact is timing-sensitive: see
                           ses_fact_pair_timer */
} SesFactDiff;

void ses_fact_diff_clear (gpointer diff);
const char *ses_fact_kind_name (SesFactKind kind);

/* The facts in an observation log, in log order. (element-type SesFact) */
GArray *ses_facts_extract (const GArray *log);
/* Marks the facts (observed or predicted) a broker timer can tip, given
 * the model's log of the same scenario. A fact is timing-sensitive when
 *  - a broker timer caused it in the model: a close for keep alive, or the
 *    delivery of a will the broker published when a will delay or a
 *    session expiry ran out (or when keep alive closed its owner); or
 *  - its time lies within tolerance_us of the deadline of a broker timer
 *    that concerns it, in the model's run: the timers of the fact's own
 *    client's session (a session kept with a finite expiry: kept at T for
 *    E seconds, T+E, whether or not it ran out; a will scheduled with a
 *    delay, T+D; a keep alive that ran out, when it did), for a will's
 *    delivery also those of the will owner's session, and for a PUBLISH
 *    its message's Message Expiry Interval (accepted, or a will
 *    published, at T: T+E).
 * Under a time scale the broker is told each duration rounded to whole
 * seconds (ses_conform_scale_out): the deadline is then the span between
 * the model's and the broker's, widened by the tolerance on both sides.
 * Sets each fact's timer to the first such timer (causes first, then
 * deadlines in log order). For a fact both runs have, conform uses the
 * predicted fact's mark (ses_fact_pair_timer). */
void ses_facts_mark_timing (SesMqttConfig *cfg, const GArray *model_log,
                            GArray *facts, SesTime tolerance_us,
                            double time_scale);
/* Compares observed facts with predicted ones: per client and kind in
 * order (PUBLISH by message, so one missing message is one difference).
 * Appends (element-type SesFactDiff) to diffs and, when pairs is not NULL,
 * every fact compared to pairs (element-type SesFactPair, pointing into
 * observed and predicted) in the same order; returns how many facts were
 * compared. */
guint ses_facts_compare (SesMqttConfig *cfg, const GArray *observed,
                         const GArray *predicted, SesTime tolerance_us,
                         GArray *diffs, GArray *pairs);
/* The timer that makes a compared fact timing-sensitive: the predicted
 * fact's, as the model's run fixes it (so a rerun marks the same facts),
 * else the observed one's; NULL when it is not timing-sensitive. */
const char *ses_fact_pair_timer (const SesFactPair *pair);
/* "pub's message 2 (\"21.5\" on plant/a/temp)" and the like.
 * (transfer full) */
char *ses_fact_describe (SesMqttConfig *cfg, const SesFact *fact);
/* One line for a difference, without the verdict. (transfer full) */
char *ses_fact_diff_describe (SesMqttConfig *cfg, const SesFactDiff *diff);
