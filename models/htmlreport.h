/* report.html: one self-contained page to click through a run (or a
 * counterexample): the scenario's title and teaching text, the timeline
 * with its narration, a step control that moves a cursor through the run
 * and shows the session state and the lifecycle diagrams at that step,
 * the sequence diagram with the step's row highlighted, and the verdicts
 * linked to the step that decided them. Inline SVG, CSS and script; no
 * network; the same run gives the same bytes. */
#pragma once

#include <glib.h>
#include "diagram.h"
#include "mqtt.h"
#include "script.h"
#include "snapshot.h"

typedef struct {
  gboolean ok;     /* held (an expected violation that showed holds too) */
  char *text;      /* what was expected, or which invariant */
  char *detail;    /* (nullable) what happened instead, or how it broke */
  guint step;      /* the step that decided it: observations made by then
                      (1 = the first); 0 for the start */
} SesHtmlVerdict;

void ses_html_verdict_clear (gpointer verdict);

typedef struct {
  const char *title;
  const char *teaches;        /* (nullable) lines */
  const char *meta;           /* "scenario …, seed 1, sessim 0.1.0" */
  const char *kind;           /* "Run" or "Counterexample" */
  gboolean passed;
  SesMqtt *mqtt;              /* the run's model: log and configuration */
  const SesSnapshots *snaps;  /* after each changing step (and the start) */
  const GPtrArray *explain;   /* (element-type utf8) per observation,
                                 NULL entries; (nullable) */
  const char *sequence_svg;   /* (nullable) */
  const GArray *sequence_rows;/* (element-type guint) observation per row */
  const GPtrArray *lifecycle_svgs; /* (element-type utf8) per session;
                                      (nullable) */
  const GArray *verdicts;     /* (element-type SesHtmlVerdict) */
  const GArray *questions;    /* (element-type SesQuestion) (nullable) */
} SesHtmlReport;

/* The page. (transfer full) */
char *ses_htmlreport_render (const SesHtmlReport *report);

/* Renders the run's diagrams to SVG (mark: the violation to highlight in
 * the sequence, nullable), then the page. Errors come from Graphviz.
 * (transfer full) */
char *ses_htmlreport_build (SesHtmlReport *report, const SesDiagramMark *mark,
                            GError **error);

/* SVG text as produced by Graphviz made fit to sit inline in HTML: the
 * XML prologue and comments before <svg> dropped, element ids prefixed so
 * that several drawings on one page keep them unique. (transfer full) */
char *ses_htmlreport_inline_svg (const char *svg, const char *id_prefix);

/* Appends one verdict per expectation of the scenario (text: its line in
 * source, the scenario's text, or "line N" when source is NULL). */
void ses_html_verdicts_add_expectations (GArray *verdicts,
                                         const SesScript *script,
                                         SesMqtt *mqtt, const char *source);
/* Appends the verdict on one invariant: broken at obs_index (G_MAXUINT64:
 * never broken), expected to break or not. */
void ses_html_verdicts_add_invariant (GArray *verdicts, const char *name,
                                      gboolean expected, guint64 obs_index,
                                      const char *rule, const char *message);
