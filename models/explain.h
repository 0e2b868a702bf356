/* Narration for teaching: for each step of a run, why it happened, in
 * terms of the scenario's settings and the rule it follows (version and
 * statement ID), and where it matters what would have happened under the
 * other setting. Unlike ses_obs_explain(), which sees one observation
 * alone, the explainer knows the configuration, the steps before and the
 * session state in force, and says nothing rather than repeat a packet
 * line. Deterministic: the same run gives the same words. */
#pragma once

#include <glib.h>
#include "mqtt.h"
#include "snapshot.h"

typedef struct _SesExplainer SesExplainer;

/* (transfer full) */
SesExplainer *ses_explainer_new (SesMqttConfig *cfg);
void ses_explainer_free (SesExplainer *ex);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SesExplainer, ses_explainer_free)

/* Feed the run's observations in log order. before: the state in force
 * before the step that made obs (nullable: then fewer details). Returns
 * one to three sentences, or NULL when the step needs no more than its
 * trace line (a receive, a ping). (transfer full) */
char *ses_explainer_step (SesExplainer *ex, const SesObs *obs,
                          const SesSnapshot *before);

/* The explanation of every observation of the run, in log order (NULL
 * where there is none), using snaps for the state before each step
 * (snaps may be NULL). (transfer full) (element-type utf8) */
GPtrArray *ses_explain_run (SesMqtt *mqtt, const SesSnapshots *snaps);
