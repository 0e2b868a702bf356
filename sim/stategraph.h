/* The explored state graph as DOT: states numbered in the order they were
 * discovered, edges labelled with the choice taken, the counterexample's
 * path drawn bold red. Above a size cap the graph is projected onto its
 * labels (a quotient graph: one node per distinct label, one edge per pair
 * of labels with a count), which stays readable, and a note says so. Knows
 * nothing of MQTT: labels come from the caller. */
#pragma once

#include <glib.h>
#include "explore.h"

typedef char *(*SesChoiceLabel) (const SesChoice *choice, gpointer data);

/* path: the counterexample's choices from the start (element-type
 * SesChoice), or NULL. (transfer full) */
char *ses_state_graph_dot (const SesExploreGraph *graph, const GArray *path,
                           guint node_cap, const char *title,
                           SesChoiceLabel choice_label, gpointer data);
