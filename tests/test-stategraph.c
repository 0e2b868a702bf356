/* The explored state graph as DOT: numbering, the counterexample path, and
 * the quotient graph above the size cap. Read back with libcgraph. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <glib.h>
#include <graphviz/cgraph.h>
#include <string.h>

#include "stategraph.h"

static char *
label_choice (const SesChoice *c, gpointer data)
{
  return c->kind == SES_CHOICE_EVENT
           ? g_strdup_printf ("e%" G_GUINT64_FORMAT, c->event.seq)
           : g_strdup_printf ("f%u", c->fault.kind);
}

static SesChoice
event (guint64 seq)
{
  SesChoice c = { .kind = SES_CHOICE_EVENT };
  c.event.seq = seq;
  return c;
}

/* 0 -e1-> 1 -e2-> 3, 0 -e3-> 2 -e4-> 3; states 1 and 2 share a label. */
static SesExploreGraph
diamond (void)
{
  SesExploreGraph g = { .cap = 100 };
  g.labels = g_ptr_array_new_with_free_func (g_free);
  g.edges = g_array_new (FALSE, FALSE, sizeof (SesExploreEdge));
  const char *labels[] = { "start", "middle", "middle", "end" };
  for (guint i = 0; i < 4; i++)
    g_ptr_array_add (g.labels, g_strdup (labels[i]));
  SesExploreEdge e[] = { { 0, 1, event (1) }, { 0, 2, event (3) },
                         { 1, 3, event (2) }, { 2, 3, event (4) } };
  g_array_append_vals (g.edges, e, G_N_ELEMENTS (e));
  return g;
}

static void
clear (SesExploreGraph *g)
{
  g_ptr_array_unref (g->labels);
  g_array_unref (g->edges);
}

static Agraph_t *
read_back (const char *text)
{
  Agraph_t *graph = agmemread (text);
  assert_non_null (graph);
  return graph;
}

static const char *
attr (void *obj, const char *name)
{
  char *v = agget (obj, (char *) name);
  return v != NULL ? v : "";
}

static void
test_states_numbered_and_path_marked (void **state)
{
  SesExploreGraph g = diamond ();
  g_autoptr (GArray) path = g_array_new (FALSE, FALSE, sizeof (SesChoice));
  SesChoice p1 = event (3), p2 = event (4);
  g_array_append_val (path, p1);
  g_array_append_val (path, p2);
  g_autofree char *dot = ses_state_graph_dot (&g, path, 10, "t", label_choice,
                                              NULL);
  Agraph_t *graph = read_back (dot);
  assert_int_equal (agnnodes (graph), 4);
  assert_int_equal (agnedges (graph), 4);
  Agnode_t *s2 = agnode (graph, "s2", FALSE);
  assert_non_null (s2);
  assert_non_null (strstr (attr (s2, "label"), "#2"));
  assert_string_equal (attr (s2, "color"), "#c62828");
  Agnode_t *s1 = agnode (graph, "s1", FALSE);
  assert_string_not_equal (attr (s1, "color"), "#c62828");
  /* the path's edges are bold, the other branch is not */
  Agnode_t *s0 = agnode (graph, "s0", FALSE);
  Agedge_t *on = agedge (graph, s0, s2, NULL, FALSE);
  Agedge_t *off = agedge (graph, s0, s1, NULL, FALSE);
  assert_non_null (on);
  assert_non_null (off);
  assert_string_equal (attr (on, "penwidth"), "2.5");
  assert_string_equal (attr (on, "label"), "e3");
  assert_string_not_equal (attr (off, "penwidth"), "2.5");
  Agnode_t *s3 = agnode (graph, "s3", FALSE);
  assert_string_equal (attr (s3, "fillcolor"), "#ffcdd2");
  agclose (graph);
  clear (&g);
}

static void
test_quotient_above_cap (void **state)
{
  SesExploreGraph g = diamond ();
  g_autofree char *dot = ses_state_graph_dot (&g, NULL, 3, "t", label_choice,
                                              NULL);
  assert_non_null (strstr (dot, "quotient"));
  Agraph_t *graph = read_back (dot);
  /* "middle" twice becomes one node; its two in-edges one edge of 2 */
  assert_int_equal (agnnodes (graph), 3);
  assert_int_equal (agnedges (graph), 2);
  Agnode_t *s0 = agnode (graph, "s0", FALSE);
  Agnode_t *s1 = agnode (graph, "s1", FALSE);
  Agedge_t *e = agedge (graph, s0, s1, NULL, FALSE);
  assert_non_null (e);
  assert_string_equal (attr (e, "label"), "2");
  agclose (graph);
  clear (&g);
}

static void
test_same_graph_same_text (void **state)
{
  SesExploreGraph g = diamond ();
  g_autofree char *a = ses_state_graph_dot (&g, NULL, 10, "t", label_choice,
                                            NULL);
  g_autofree char *b = ses_state_graph_dot (&g, NULL, 10, "t", label_choice,
                                            NULL);
  assert_string_equal (a, b);
  clear (&g);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_states_numbered_and_path_marked),
    cmocka_unit_test (test_quotient_above_cap),
    cmocka_unit_test (test_same_graph_same_text),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
