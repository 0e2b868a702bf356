/* Built-in example configurations: small, named runs that show one idea
 * each. The command line runs them (`sessim example NAME`), and the
 * determinism tests and benchmarks use them as fixed workloads. */
#pragma once

#include <glib.h>
#include "mqtt.h"

typedef struct {
  const char *name;
  const char *summary;
  SesTime run_until_us;
  /* (transfer full) */
  SesMqttConfig *(*build) (void);
} SesExample;

/* (array length=n_out) (transfer none) In a fixed order. */
const SesExample *ses_examples (guint *n_out);
/* NULL if there is no example of that name. */
const SesExample *ses_example_find (const char *name);
