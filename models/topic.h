/* Topic names and topic filters: validation and matching with the `+`
 * (one level) and `#` (this level and all below) wildcards.
 * Both versions: 3.1.1 §4.7, 5.0 §4.7. Shared subscriptions ($share/...) are
 * not modelled. */
#pragma once

#include <glib.h>

/* A topic name: at least one character, no wildcards. */
gboolean ses_topic_name_valid (const char *name);
/* A topic filter: `#` only as the whole last level, `+` only as a whole
 * level. */
gboolean ses_topic_filter_valid (const char *filter);
/* Whether the topic name matches the filter. Names starting with `$` are not
 * matched by a filter starting with a wildcard [MQTT-4.7.2-1]. */
gboolean ses_topic_matches (const char *filter, const char *name);
