/* Broker profiles: named bundles of broker settings that reproduce a real
 * broker's choices (and its documented deviations from the standard), so
 * that the model predicts what that broker does. `spec` is the default;
 * docs/broker-settings.md gives every setting's value in each profile and
 * the conformance run that shows it. */
#pragma once

#include <glib.h>
#include "mqtt.h"

/* Sets every setting the profile names; the others keep their values.
 * FALSE (nothing changed) for an unknown name. */
gboolean ses_broker_profile_apply (SesBrokerConfig *broker, const char *name);
/* NULL-terminated, in a fixed order. */
const char *const *ses_broker_profile_names (void);
/* One line: what the profile reproduces. NULL for an unknown name. */
const char *ses_broker_profile_summary (const char *name);
