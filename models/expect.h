/* Judges a scenario's expectations against the observation log of a run.
 * Each failed expectation yields one sentence that names its line, what was
 * expected and what happened instead. */
#pragma once

#include <glib.h>
#include "mqtt.h"
#include "script.h"

typedef struct {
  guint line;        /* the expectation's line in the scenario */
  char *message;     /* what was expected and what was observed */
} SesExpectFailure;

/* Appends one SesExpectFailure per failed expectation to failures
 * (element-type SesExpectFailure; clear with ses_expect_failure_clear).
 * Returns the number that held. */
guint ses_expect_check (const SesScript *script, SesMqtt *mqtt,
                        GArray *failures);
void ses_expect_failure_clear (gpointer failure);

/* One verdict per expectation, in scenario order, for reports. */
typedef struct {
  guint line;        /* the expectation's line in the scenario */
  char *failure;     /* (nullable) as in SesExpectFailure; NULL: it held */
  guint step;        /* observations made when it was decided: the verdict
                        looks at nothing later (the log's length for
                        verdicts that need the whole run) */
} SesExpectVerdict;

/* (element-type SesExpectVerdict) (transfer full) */
GArray *ses_expect_verdicts (const SesScript *script, SesMqtt *mqtt);
void ses_expect_verdict_clear (gpointer verdict);
