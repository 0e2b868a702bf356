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
