/* A small builder for Graphviz graphs: a graph with nested subgraphs and
 * clusters, nodes and edges, each with attributes, made with cgraph's API
 * and written by cgraph. It knows nothing about MQTT. What it makes
 * depends only on the calls made, byte for byte: nodes and subgraphs in
 * the order they were added, edges in a stable sorted order (tail, head,
 * then order added), numbers in the C locale. */
#pragma once

#include <glib.h>

typedef struct _SesDot SesDot;

/* How an attribute value is written. */
typedef enum {
  SES_DOT_TEXT = 0, /* a quoted string; '\n' starts a new centred line */
  SES_DOT_TEXT_LEFT,/* the same, every line left-justified (\l) */
  SES_DOT_HTML,     /* an HTML-like label, written between < >; the caller
                       escapes text with ses_dot_html_escape() */
} SesDotValue;

/* The root graph is subgraph 0. */
#define SES_DOT_ROOT 0u

SesDot *ses_dot_new (const char *name, gboolean directed);
void ses_dot_free (SesDot *dot);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SesDot, ses_dot_free)

/* Attributes of a graph or subgraph (sub = SES_DOT_ROOT for the graph);
 * setting a key again replaces its value in place. */
void ses_dot_graph_attr (SesDot *dot, guint sub, const char *key,
                         const char *value);
/* Defaults for the nodes or edges of a (sub)graph: `node [...]`,
 * `edge [...]`. */
void ses_dot_node_default (SesDot *dot, guint sub, const char *key,
                           const char *value);
void ses_dot_edge_default (SesDot *dot, guint sub, const char *key,
                           const char *value);

/* A subgraph inside `parent`; a name starting with "cluster" makes a
 * cluster. name may be NULL for an anonymous subgraph (rank groups).
 * Returns its index. */
guint ses_dot_subgraph (SesDot *dot, guint parent, const char *name);

/* A node declared inside subgraph `sub`; ids are unique (asserted).
 * Returns its index, which counts from 0 in the order added. */
guint ses_dot_node (SesDot *dot, guint sub, const char *id);
/* Also lists an existing node in another subgraph (e.g. a rank=same
 * group), after what that subgraph already holds. */
void ses_dot_subgraph_add_node (SesDot *dot, guint sub, guint node);
/* Index of the node with this id, or -1. */
gint ses_dot_find_node (const SesDot *dot, const char *id);
guint ses_dot_n_nodes (const SesDot *dot);

void ses_dot_node_attr (SesDot *dot, guint node, const char *key,
                        const char *value);
void ses_dot_node_attr_full (SesDot *dot, guint node, const char *key,
                             const char *value, SesDotValue kind);

/* An edge; returns its index in the order added. */
guint ses_dot_edge (SesDot *dot, guint tail, guint head);
guint ses_dot_n_edges (const SesDot *dot);
void ses_dot_edge_attr (SesDot *dot, guint edge, const char *key,
                        const char *value);
void ses_dot_edge_attr_full (SesDot *dot, guint edge, const char *key,
                             const char *value, SesDotValue kind);

/* Numbers as attribute values, always in the C locale: integers in
 * decimal, doubles with up to six significant digits. (transfer full) */
char *ses_dot_int (gint64 value);
char *ses_dot_double (double value);

/* Escapes &, <, >, " and ' for text inside an HTML-like label.
 * (transfer full) */
char *ses_dot_html_escape (const char *text);

/* The graph, made with cgraph's API in the order a DOT reader would make
 * it from the text; agclose() it. (transfer full) */
struct Agraph_s *ses_dot_to_graph (const SesDot *dot);
/* The whole graph as DOT text, as cgraph's agwrite() writes it.
 * (transfer full) */
char *ses_dot_to_string (const SesDot *dot);
