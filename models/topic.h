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

/* An index of topic filters for fast matching: a tree keyed by topic level,
 * with `+` and `#` branches, so a name is matched in time proportional to
 * its levels and the filters that match, not to all filters. */
typedef struct _SesTopicIndex SesTopicIndex;

SesTopicIndex *ses_topic_index_new (void);
void ses_topic_index_free (SesTopicIndex *index);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SesTopicIndex, ses_topic_index_free)
/* Adds a valid filter under id. Adding the same filter twice is the
 * caller's to avoid. */
void ses_topic_index_add (SesTopicIndex *index, const char *filter,
                          guint32 id);
/* Appends (element-type guint32) the ids of every filter matching name,
 * each once, in no particular order. */
void ses_topic_index_match (const SesTopicIndex *index, const char *name,
                            GArray *out);
