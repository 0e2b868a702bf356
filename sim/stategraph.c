/* State graph drawing. Output depends only on the recorded graph: nodes in
 * discovery order, edges in the order sim/dot.c sorts them. */
#include "stategraph.h"

#include "dot.h"

static gboolean
same_choice (const SesChoice *a, const SesChoice *b)
{
  if (a->kind != b->kind)
    return FALSE;
  return a->kind == SES_CHOICE_EVENT
           ? a->event.seq == b->event.seq
           : a->fault.kind == b->fault.kind && a->fault.target == b->fault.target;
}

/* The states the path goes through, by following recorded edges; stops
 * where the recording stopped. */
static GArray *
path_states (const SesExploreGraph *g, const GArray *path)
{
  GArray *ids = g_array_new (FALSE, FALSE, sizeof (guint64));
  guint64 cur = 0;
  g_array_append_val (ids, cur);
  for (guint i = 0; path != NULL && i < path->len; i++)
    {
      const SesChoice *c = &g_array_index (path, SesChoice, i);
      gboolean found = FALSE;
      for (guint e = 0; e < g->edges->len && !found; e++)
        {
          const SesExploreEdge *x = &g_array_index (g->edges, SesExploreEdge,
                                                    e);
          if (x->from == cur && same_choice (&x->choice, c))
            {
              cur = x->to;
              found = TRUE;
            }
        }
      if (!found)
        break;
      g_array_append_val (ids, cur);
    }
  return ids;
}

static gboolean
path_has_step (const GArray *ids, guint64 from, guint64 to)
{
  for (guint i = 0; i + 1 < ids->len; i++)
    if (g_array_index (ids, guint64, i) == from
        && g_array_index (ids, guint64, i + 1) == to)
      return TRUE;
  return FALSE;
}

char *
ses_state_graph_dot (const SesExploreGraph *g, const GArray *path,
                     guint node_cap, const char *title,
                     SesChoiceLabel choice_label, gpointer data)
{
  g_autoptr (SesDot) dot = ses_dot_new ("states", TRUE);
  g_autoptr (GArray) on_path = path_states (g, path);
  guint n = g->labels->len;
  gboolean quotient = n > node_cap;
  g_autofree char *heading = g_strdup_printf (
      "%s\n%u states%s%s", title, n, g->truncated ? " recorded (more explored)"
                                                 : "",
      quotient ? "; too many to draw one by one: states with the same label "
                 "are merged (a quotient graph), edges show how many "
                 "transitions they stand for"
               : "");
  ses_dot_graph_attr (dot, SES_DOT_ROOT, "label", heading);
  ses_dot_graph_attr (dot, SES_DOT_ROOT, "labelloc", "t");
  ses_dot_graph_attr (dot, SES_DOT_ROOT, "fontname", "Helvetica");
  ses_dot_node_default (dot, SES_DOT_ROOT, "shape", "box");
  ses_dot_node_default (dot, SES_DOT_ROOT, "style", "rounded");
  ses_dot_node_default (dot, SES_DOT_ROOT, "fontname", "Helvetica");
  ses_dot_node_default (dot, SES_DOT_ROOT, "fontsize", "10");
  ses_dot_edge_default (dot, SES_DOT_ROOT, "fontname", "Helvetica");
  ses_dot_edge_default (dot, SES_DOT_ROOT, "fontsize", "8");

  /* node of each state: itself, or the class of its label */
  g_autofree guint *node_of = g_new0 (guint, MAX (n, 1));
  g_autoptr (GHashTable) class_of = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint i = 0; i < n; i++)
    {
      const char *label = g_ptr_array_index (g->labels, i);
      if (quotient)
        {
          gpointer known;
          if (g_hash_table_lookup_extended (class_of, label, NULL, &known))
            {
              node_of[i] = GPOINTER_TO_UINT (known);
              continue;
            }
        }
      g_autofree char *id = g_strdup_printf ("s%u", i);
      guint node = ses_dot_node (dot, SES_DOT_ROOT, id);
      node_of[i] = node;
      if (quotient)
        g_hash_table_insert (class_of, (gpointer) label,
                             GUINT_TO_POINTER (node));
      g_autofree char *text = quotient ? g_strdup (label)
                                       : g_strdup_printf ("#%u\n%s", i, label);
      ses_dot_node_attr (dot, node, "label", text);
      if (i == 0)
        ses_dot_node_attr (dot, node, "penwidth", "2");
    }
  for (guint i = 0; path != NULL && i < on_path->len; i++)
    {
      guint64 s = g_array_index (on_path, guint64, i);
      if (s < n)
        {
          ses_dot_node_attr (dot, node_of[s], "color", "#c62828");
          ses_dot_node_attr (dot, node_of[s], "penwidth", "2");
        }
    }
  if (on_path->len > 1)
    {
      guint64 last = g_array_index (on_path, guint64, on_path->len - 1);
      if (last < n)
        {
          ses_dot_node_attr (dot, node_of[last], "style", "rounded,filled");
          ses_dot_node_attr (dot, node_of[last], "fillcolor", "#ffcdd2");
        }
    }

  /* Edges: one per transition, or one per pair of classes with a count. */
  /* (tail, head) -> index + 1 into counts/edge_ids; lookup only */
  g_autoptr (GHashTable) merged = g_hash_table_new_full (g_int64_hash,
                                                         g_int64_equal,
                                                         g_free, NULL);
  g_autoptr (GArray) counts = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autoptr (GArray) edge_ids = g_array_new (FALSE, FALSE, sizeof (guint));
  for (guint e = 0; e < g->edges->len; e++)
    {
      const SesExploreEdge *x = &g_array_index (g->edges, SesExploreEdge, e);
      guint tail = node_of[x->from], head = node_of[x->to];
      gboolean bold = path_has_step (on_path, x->from, x->to);
      if (quotient)
        {
          gint64 key = ((gint64) tail << 32) | head;
          gpointer at = g_hash_table_lookup (merged, &key);
          if (at != NULL)
            {
              guint idx = GPOINTER_TO_UINT (at) - 1;
              g_array_index (counts, guint, idx)++;
              if (bold)
                {
                  guint de = g_array_index (edge_ids, guint, idx);
                  ses_dot_edge_attr (dot, de, "color", "#c62828");
                  ses_dot_edge_attr (dot, de, "penwidth", "2.5");
                }
              continue;
            }
          guint one = 1;
          g_array_append_val (counts, one);
          g_hash_table_insert (merged, g_memdup2 (&key, sizeof key),
                               GUINT_TO_POINTER (counts->len));
        }
      guint de = ses_dot_edge (dot, tail, head);
      if (quotient)
        g_array_append_val (edge_ids, de);
      else
        {
          g_autofree char *l = choice_label (&x->choice, data);
          ses_dot_edge_attr (dot, de, "label", l);
        }
      if (bold)
        {
          ses_dot_edge_attr (dot, de, "color", "#c62828");
          ses_dot_edge_attr (dot, de, "penwidth", "2.5");
        }
    }
  for (guint i = 0; quotient && i < edge_ids->len; i++)
    {
      g_autofree char *l = g_strdup_printf ("%u", g_array_index (counts, guint,
                                                                 i));
      ses_dot_edge_attr (dot, g_array_index (edge_ids, guint, i), "label", l);
    }
  return ses_dot_to_string (dot);
}
