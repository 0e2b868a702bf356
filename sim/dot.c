/* The DOT text builder. Everything is kept in arrays in the order added; the
 * one hash table maps node ids to indices for lookup only. Edges are
 * written sorted by (tail index, head index, order added), so the text
 * depends on what was built, never on addresses or hash order. */
#include "dot.h"

#include <string.h>

typedef struct {
  char *key;
  char *value;
  SesDotValue kind;
} Attr;

enum {
  ITEM_NODE = 0, /* a node declared here, with its attributes */
  ITEM_NODE_REF, /* an existing node listed again (rank groups) */
  ITEM_SUBGRAPH,
};

typedef struct {
  guint kind;
  guint index;
} Item;

typedef struct {
  char *name;            /* (nullable) */
  GArray *attrs;         /* (element-type Attr) */
  GArray *node_defaults; /* (element-type Attr) */
  GArray *edge_defaults; /* (element-type Attr) */
  GArray *items;         /* (element-type Item) in the order added */
} Subgraph;

typedef struct {
  char *id;
  GArray *attrs; /* (element-type Attr) */
} Node;

typedef struct {
  guint tail;
  guint head;
  guint seq;
  GArray *attrs; /* (element-type Attr) */
} Edge;

struct _SesDot {
  char *name;
  gboolean directed;
  GArray *subgraphs; /* (element-type Subgraph); [0] is the root */
  GArray *nodes;     /* (element-type Node) */
  GArray *edges;     /* (element-type Edge) */
  GHashTable *ids;   /* node id (borrowed) -> index + 1; lookup only */
};

static void
attr_clear (gpointer p)
{
  Attr *a = p;
  g_free (a->key);
  g_free (a->value);
}

static GArray *
attrs_new (void)
{
  GArray *a = g_array_new (FALSE, FALSE, sizeof (Attr));
  g_array_set_clear_func (a, attr_clear);
  return a;
}

static void
subgraph_clear (gpointer p)
{
  Subgraph *s = p;
  g_free (s->name);
  g_array_unref (s->attrs);
  g_array_unref (s->node_defaults);
  g_array_unref (s->edge_defaults);
  g_array_unref (s->items);
}

static void
node_clear (gpointer p)
{
  Node *n = p;
  g_free (n->id);
  g_array_unref (n->attrs);
}

static void
edge_clear (gpointer p)
{
  g_array_unref (((Edge *) p)->attrs);
}

static guint
add_subgraph (SesDot *dot, const char *name)
{
  Subgraph s = {
    .name = g_strdup (name),
    .attrs = attrs_new (),
    .node_defaults = attrs_new (),
    .edge_defaults = attrs_new (),
    .items = g_array_new (FALSE, FALSE, sizeof (Item)),
  };
  g_array_append_val (dot->subgraphs, s);
  return dot->subgraphs->len - 1;
}

SesDot *
ses_dot_new (const char *name, gboolean directed)
{
  SesDot *dot = g_new0 (SesDot, 1);
  dot->name = g_strdup (name != NULL ? name : "G");
  dot->directed = directed;
  dot->subgraphs = g_array_new (FALSE, FALSE, sizeof (Subgraph));
  g_array_set_clear_func (dot->subgraphs, subgraph_clear);
  dot->nodes = g_array_new (FALSE, FALSE, sizeof (Node));
  g_array_set_clear_func (dot->nodes, node_clear);
  dot->edges = g_array_new (FALSE, FALSE, sizeof (Edge));
  g_array_set_clear_func (dot->edges, edge_clear);
  dot->ids = g_hash_table_new (g_str_hash, g_str_equal);
  add_subgraph (dot, NULL);
  return dot;
}

void
ses_dot_free (SesDot *dot)
{
  if (dot == NULL)
    return;
  g_hash_table_unref (dot->ids);
  g_array_unref (dot->edges);
  g_array_unref (dot->nodes);
  g_array_unref (dot->subgraphs);
  g_free (dot->name);
  g_free (dot);
}

static gboolean
valid_key (const char *key)
{
  if (key == NULL || !(g_ascii_isalpha (key[0]) || key[0] == '_'))
    return FALSE;
  for (const char *p = key; *p; p++)
    if (!(g_ascii_isalnum (*p) || *p == '_'))
      return FALSE;
  return TRUE;
}

static void
set_attr (GArray *attrs, const char *key, const char *value, SesDotValue kind)
{
  g_return_if_fail (valid_key (key));
  g_return_if_fail (value != NULL);
  for (guint i = 0; i < attrs->len; i++)
    {
      Attr *a = &g_array_index (attrs, Attr, i);
      if (strcmp (a->key, key) == 0)
        {
          g_free (a->value);
          a->value = g_strdup (value);
          a->kind = kind;
          return;
        }
    }
  Attr a = { g_strdup (key), g_strdup (value), kind };
  g_array_append_val (attrs, a);
}

static Subgraph *
subgraph_at (SesDot *dot, guint sub)
{
  g_return_val_if_fail (sub < dot->subgraphs->len, NULL);
  return &g_array_index (dot->subgraphs, Subgraph, sub);
}

void
ses_dot_graph_attr (SesDot *dot, guint sub, const char *key, const char *value)
{
  Subgraph *s = subgraph_at (dot, sub);
  g_return_if_fail (s != NULL);
  set_attr (s->attrs, key, value, SES_DOT_TEXT);
}

void
ses_dot_node_default (SesDot *dot, guint sub, const char *key,
                      const char *value)
{
  Subgraph *s = subgraph_at (dot, sub);
  g_return_if_fail (s != NULL);
  set_attr (s->node_defaults, key, value, SES_DOT_TEXT);
}

void
ses_dot_edge_default (SesDot *dot, guint sub, const char *key,
                      const char *value)
{
  Subgraph *s = subgraph_at (dot, sub);
  g_return_if_fail (s != NULL);
  set_attr (s->edge_defaults, key, value, SES_DOT_TEXT);
}

guint
ses_dot_subgraph (SesDot *dot, guint parent, const char *name)
{
  g_return_val_if_fail (parent < dot->subgraphs->len, SES_DOT_ROOT);
  guint index = add_subgraph (dot, name);
  Item item = { ITEM_SUBGRAPH, index };
  g_array_append_val (subgraph_at (dot, parent)->items, item);
  return index;
}

guint
ses_dot_node (SesDot *dot, guint sub, const char *id)
{
  g_assert (sub < dot->subgraphs->len);
  g_assert (id != NULL);
  g_assert (!g_hash_table_contains (dot->ids, id));
  Node n = { g_strdup (id), attrs_new () };
  g_array_append_val (dot->nodes, n);
  guint index = dot->nodes->len - 1;
  g_hash_table_insert (dot->ids, g_array_index (dot->nodes, Node, index).id,
                       GUINT_TO_POINTER (index + 1));
  Item item = { ITEM_NODE, index };
  g_array_append_val (subgraph_at (dot, sub)->items, item);
  return index;
}

void
ses_dot_subgraph_add_node (SesDot *dot, guint sub, guint node)
{
  g_return_if_fail (node < dot->nodes->len);
  Subgraph *s = subgraph_at (dot, sub);
  g_return_if_fail (s != NULL);
  Item item = { ITEM_NODE_REF, node };
  g_array_append_val (s->items, item);
}

gint
ses_dot_find_node (const SesDot *dot, const char *id)
{
  gpointer v = g_hash_table_lookup (dot->ids, id);
  return v != NULL ? (gint) GPOINTER_TO_UINT (v) - 1 : -1;
}

guint
ses_dot_n_nodes (const SesDot *dot)
{
  return dot->nodes->len;
}

void
ses_dot_node_attr_full (SesDot *dot, guint node, const char *key,
                        const char *value, SesDotValue kind)
{
  g_return_if_fail (node < dot->nodes->len);
  set_attr (g_array_index (dot->nodes, Node, node).attrs, key, value, kind);
}

void
ses_dot_node_attr (SesDot *dot, guint node, const char *key,
                   const char *value)
{
  ses_dot_node_attr_full (dot, node, key, value, SES_DOT_TEXT);
}

guint
ses_dot_edge (SesDot *dot, guint tail, guint head)
{
  g_assert (tail < dot->nodes->len && head < dot->nodes->len);
  Edge e = { tail, head, dot->edges->len, attrs_new () };
  g_array_append_val (dot->edges, e);
  return dot->edges->len - 1;
}

guint
ses_dot_n_edges (const SesDot *dot)
{
  return dot->edges->len;
}

void
ses_dot_edge_attr_full (SesDot *dot, guint edge, const char *key,
                        const char *value, SesDotValue kind)
{
  g_return_if_fail (edge < dot->edges->len);
  set_attr (g_array_index (dot->edges, Edge, edge).attrs, key, value, kind);
}

void
ses_dot_edge_attr (SesDot *dot, guint edge, const char *key,
                   const char *value)
{
  ses_dot_edge_attr_full (dot, edge, key, value, SES_DOT_TEXT);
}

char *
ses_dot_int (gint64 value)
{
  return g_strdup_printf ("%" G_GINT64_FORMAT, value);
}

char *
ses_dot_double (double value)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  return g_strdup (g_ascii_formatd (buf, sizeof buf, "%.6g", value));
}

char *
ses_dot_html_escape (const char *text)
{
  GString *out = g_string_new (NULL);
  for (const char *p = text != NULL ? text : ""; *p; p++)
    switch (*p)
      {
      case '&': g_string_append (out, "&amp;"); break;
      case '<': g_string_append (out, "&lt;"); break;
      case '>': g_string_append (out, "&gt;"); break;
      case '"': g_string_append (out, "&quot;"); break;
      case '\'': g_string_append (out, "&#39;"); break;
      default: g_string_append_c (out, *p); break;
      }
  return g_string_free (out, FALSE);
}

/* A quoted DOT string. Inside quotes the DOT lexer only treats \" and a
 * backslash-newline specially; Graphviz then reads \n, \l, \\ and friends
 * in labels and turns &name; entities into characters. So a backslash is
 * doubled, & becomes &amp;, and other control characters are shown as
 * visible \xNN rather than passed through. Ids take the same path minus the
 * line handling. */
static void
append_quoted (GString *out, const char *s, SesDotValue kind, gboolean is_id)
{
  g_string_append_c (out, '"');
  gsize len = strlen (s);
  for (gsize i = 0; i < len; i++)
    {
      guchar c = (guchar) s[i];
      if (c == '"')
        g_string_append (out, "\\\"");
      else if (c == '\\')
        g_string_append (out, "\\\\");
      else if (c == '&' && !is_id)
        g_string_append (out, "&amp;");
      else if (c == '\n' && !is_id)
        g_string_append (out, kind == SES_DOT_TEXT_LEFT ? "\\l" : "\\n");
      else if (c < 0x20 || c == 0x7f)
        g_string_append_printf (out, "\\\\x%02x", c);
      else
        g_string_append_c (out, (char) c);
    }
  if (kind == SES_DOT_TEXT_LEFT && !is_id && (len == 0 || s[len - 1] != '\n'))
    g_string_append (out, "\\l");
  g_string_append_c (out, '"');
}

static void
append_value (GString *out, const Attr *a)
{
  if (a->kind == SES_DOT_HTML)
    g_string_append_printf (out, "<%s>", a->value);
  else
    append_quoted (out, a->value, a->kind, FALSE);
}

static void
append_attr_list (GString *out, const GArray *attrs)
{
  g_string_append (out, " [");
  for (guint i = 0; i < attrs->len; i++)
    {
      const Attr *a = &g_array_index (attrs, Attr, i);
      if (i > 0)
        g_string_append (out, ", ");
      g_string_append_printf (out, "%s=", a->key);
      append_value (out, a);
    }
  g_string_append_c (out, ']');
}

static void
indent (GString *out, guint depth)
{
  for (guint i = 0; i < depth; i++)
    g_string_append (out, "  ");
}

static void
append_subgraph_body (GString *out, const SesDot *dot, guint sub,
                      guint depth)
{
  const Subgraph *s = &g_array_index (dot->subgraphs, Subgraph, sub);
  for (guint i = 0; i < s->attrs->len; i++)
    {
      const Attr *a = &g_array_index (s->attrs, Attr, i);
      indent (out, depth);
      g_string_append_printf (out, "%s=", a->key);
      append_value (out, a);
      g_string_append (out, ";\n");
    }
  if (s->node_defaults->len > 0)
    {
      indent (out, depth);
      g_string_append (out, "node");
      append_attr_list (out, s->node_defaults);
      g_string_append (out, ";\n");
    }
  if (s->edge_defaults->len > 0)
    {
      indent (out, depth);
      g_string_append (out, "edge");
      append_attr_list (out, s->edge_defaults);
      g_string_append (out, ";\n");
    }
  for (guint i = 0; i < s->items->len; i++)
    {
      const Item *item = &g_array_index (s->items, Item, i);
      indent (out, depth);
      if (item->kind == ITEM_SUBGRAPH)
        {
          const Subgraph *child = &g_array_index (dot->subgraphs, Subgraph,
                                                  item->index);
          g_string_append (out, "subgraph ");
          if (child->name != NULL)
            {
              append_quoted (out, child->name, SES_DOT_TEXT, TRUE);
              g_string_append_c (out, ' ');
            }
          g_string_append (out, "{\n");
          append_subgraph_body (out, dot, item->index, depth + 1);
          indent (out, depth);
          g_string_append (out, "}\n");
          continue;
        }
      const Node *n = &g_array_index (dot->nodes, Node, item->index);
      append_quoted (out, n->id, SES_DOT_TEXT, TRUE);
      if (item->kind == ITEM_NODE && n->attrs->len > 0)
        append_attr_list (out, n->attrs);
      g_string_append (out, ";\n");
    }
}

static gint
compare_edges (gconstpointer a, gconstpointer b, gpointer user_data)
{
  const GArray *edges = user_data;
  const Edge *x = &g_array_index (edges, Edge, *(const guint *) a);
  const Edge *y = &g_array_index (edges, Edge, *(const guint *) b);
  if (x->tail != y->tail)
    return x->tail < y->tail ? -1 : 1;
  if (x->head != y->head)
    return x->head < y->head ? -1 : 1;
  return x->seq < y->seq ? -1 : x->seq > y->seq ? 1 : 0;
}

char *
ses_dot_to_string (const SesDot *dot)
{
  GString *out = g_string_new (dot->directed ? "digraph " : "graph ");
  append_quoted (out, dot->name, SES_DOT_TEXT, TRUE);
  g_string_append (out, " {\n");
  append_subgraph_body (out, dot, SES_DOT_ROOT, 1);

  g_autoptr (GArray) order = g_array_sized_new (FALSE, FALSE, sizeof (guint),
                                                dot->edges->len);
  for (guint i = 0; i < dot->edges->len; i++)
    g_array_append_val (order, i);
  g_array_sort_with_data (order, compare_edges, dot->edges);
  const char *arrow = dot->directed ? " -> " : " -- ";
  for (guint i = 0; i < order->len; i++)
    {
      const Edge *e = &g_array_index (dot->edges, Edge,
                                      g_array_index (order, guint, i));
      indent (out, 1);
      append_quoted (out, g_array_index (dot->nodes, Node, e->tail).id,
                     SES_DOT_TEXT, TRUE);
      g_string_append (out, arrow);
      append_quoted (out, g_array_index (dot->nodes, Node, e->head).id,
                     SES_DOT_TEXT, TRUE);
      if (e->attrs->len > 0)
        append_attr_list (out, e->attrs);
      g_string_append (out, ";\n");
    }
  g_string_append (out, "}\n");
  return g_string_free (out, FALSE);
}
