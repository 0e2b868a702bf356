/* Rule coverage: which of the rules the model cites were exercised.
 *
 * The registry lists every (version, statement ID) an observation can cite:
 * the rule fields of the version table (models/profile.c) and the rules
 * the broker and client cite directly. A rule is exercised when some
 * observation made while checking cites it; the invariants hand each such
 * citation to a sink (ses_invariants_set_rule_sink), which may be called
 * from several threads at once. tests/test-coverage.c proves that every
 * rule an observation carries in the bundled scenarios is registered. */
#pragma once

#include <glib.h>
#include "profile.h"

typedef struct {
  const char *version;  /* "3.1.1", "5.0", or "both" (same ID, same meaning) */
  const char *id;       /* "MQTT-3.1.2-4", or "§3.1.2.11.2" for an
                           unnumbered rule cited by section */
  const char *rule;     /* as observations cite it: "5.0 [MQTT-3.1.2-4]",
                           "5.0 §3.1.2.11.2" */
  const char *summary;  /* a few words */
} SesRuleInfo;

/* The registry, ordered by version then statement ID. */
guint ses_rules_count (void);
const SesRuleInfo *ses_rules_get (guint i);
/* The registry index of a citation as observations carry it, -1 if the
 * citation is not registered. */
gint ses_rules_lookup (const char *rule);

/* The citations in a text, in order: "5.0 [MQTT-3.1.2-4]" or "5.0 §4.1",
 * each starting with a version ("3.1.1", "5.0", "both"). Observations'
 * notes cite inside free text. (transfer full) (element-type utf8) */
GPtrArray *ses_rules_extract (const char *text);

typedef struct _SesCoverage SesCoverage;

/* Coverage over the rules of these versions (bit 1 << SesMqttVersion
 * each; 0: all); rules of both versions count for either. */
SesCoverage *ses_coverage_new (guint32 versions);
void ses_coverage_free (SesCoverage *coverage);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SesCoverage, ses_coverage_free)
/* A SesRuleSink: marks the rules rule cites as exercised (a citation the
 * registry lacks is kept as unknown; free text citing nothing is ignored).
 * Thread-safe. data is the SesCoverage. */
void ses_coverage_sink (const char *rule, gpointer data);
/* Whether registry rule i counts here (its version is one of ours). */
gboolean ses_coverage_in_scope (const SesCoverage *coverage, guint i);
gboolean ses_coverage_exercised (const SesCoverage *coverage, guint i);
/* Rules in scope, and how many of them were exercised. */
guint ses_coverage_total (const SesCoverage *coverage);
guint ses_coverage_n_exercised (const SesCoverage *coverage);
/* Citations seen that the registry does not know, sorted.
 * (transfer full) (element-type utf8) */
GPtrArray *ses_coverage_unknown (SesCoverage *coverage);
guint32 ses_coverage_versions (const SesCoverage *coverage);
/* Marks in into what from exercised (both cover the same versions). */
void ses_coverage_merge (SesCoverage *into, SesCoverage *from);

/* As a JSON object: {"versions":["5.0"],"rules":M,"exercised":N,
 * "exercised_rules":[…],"unexercised_rules":[…],"unknown_rules":[…]},
 * rules in registry order. */
void ses_coverage_append_json (SesCoverage *coverage, GString *out);
/* "# rules exercised: N of M (MQTT 5.0)\n"; with list, then a line per rule
 * in scope: "#   yes 5.0 [MQTT-3.1.2-4]  what it says". (transfer full) */
char *ses_coverage_to_text (SesCoverage *coverage, gboolean list);
