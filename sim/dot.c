/* The DOT builder. What is built is recorded in arrays in the order added
 * (the one hash table maps node ids to indices, for lookup only), and the
 * graph itself is made with Graphviz's cgraph API (agopen, agsubg, agnode,
 * agedge, agattr/agxset): its text is cgraph's own agwrite(), and
 * rendering lays out that graph with no text in between. The recording is
 * what keeps the output a function of the calls made: cgraph writes edges
 * by tail in creation order, so they are created sorted by (tail index,
 * head index, order added), and it orders subgraphs by object id, so a
 * discipline of our own numbers every named object in creation order
 * (cgraph's default uses the address of the name, which depends on
 * malloc). The graph is created in the order a DOT reader would create it
 * from the text, so a graph and its text lay out the same. */
#include "dot.h"

#include <string.h>

#include <cgraph.h>

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

/* ---- the graph, through cgraph ------------------------------------------ */

/* Object ids: every named object gets the next even number and every
 * anonymous one the next odd number, from one counter, so ids follow
 * creation order. Names are looked up in a table (lookup only) and
 * printed back from an array. */
typedef struct {
  Agraph_t *g;
  GHashTable *ids;   /* name (in names) -> id */
  GPtrArray *names;  /* cgraph strings (agstrdup), by id / 2: cgraph reads
                        a flag stored before each of its strings (is it
                        HTML?), so a name it prints must be one of them */
  IDTYPE next;
} IdState;

static void *
id_open (Agraph_t *g, Agdisc_t *disc)
{
  IdState *s = g_new0 (IdState, 1);
  s->g = g;
  s->ids = g_hash_table_new (g_str_hash, g_str_equal);
  s->names = g_ptr_array_new ();
  return s;
}

static long
id_map (void *state, int objtype, char *str, IDTYPE *id, int createflag)
{
  IdState *s = state;
  if (str == NULL)
    {
      if (!createflag)
        return FALSE;
      *id = 2 * s->next++ + 1;
      return TRUE;
    }
  gpointer found = NULL;
  if (g_hash_table_lookup_extended (s->ids, str, NULL, &found))
    {
      *id = (IDTYPE) GPOINTER_TO_SIZE (found);
      return TRUE;
    }
  if (!createflag)
    return FALSE;
  *id = 2 * s->next++;
  while (s->names->len <= *id / 2)
    g_ptr_array_add (s->names, NULL);
  char *name = agstrdup (s->g, str);
  g_ptr_array_index (s->names, *id / 2) = name;
  g_hash_table_insert (s->ids, name, GSIZE_TO_POINTER ((gsize) *id));
  return TRUE;
}

static long
id_alloc (void *state, int objtype, IDTYPE id)
{
  /* Only for objects created by id, which this builder never does. */
  return FALSE;
}

static void
id_free (void *state, int objtype, IDTYPE id)
{
  /* Names stay until the graph closes; this builder deletes nothing. */
}

static char *
id_print (void *state, int objtype, IDTYPE id)
{
  IdState *s = state;
  if (id % 2 != 0 || id / 2 >= s->names->len)
    return NULL; /* anonymous: cgraph names it "%<id>" */
  return g_ptr_array_index (s->names, id / 2);
}

static void
id_close (void *state)
{
  IdState *s = state;
  /* The names go with the graph's strings, which agclose() frees next. */
  g_hash_table_unref (s->ids);
  g_ptr_array_unref (s->names);
  g_free (s);
}

static void
id_register (void *state, int objtype, void *obj)
{
}

static Agiddisc_t id_disc = {
  id_open, id_map, id_alloc, id_free, id_print, id_close, id_register,
};

/* agwrite() into a GString. */
static int
io_read (void *chan, char *buf, int bufsize)
{
  return 0;
}

static int
io_put (void *chan, const char *str)
{
  g_string_append ((GString *) chan, str);
  return 0;
}

static int
io_flush (void *chan)
{
  return 0;
}

static Agiodisc_t io_disc = { io_read, io_put, io_flush };

/* A value as the DOT reader would have handed it to cgraph from our text:
 * Graphviz itself reads \n, \l, \\ and friends in labels and turns &name;
 * entities into characters, so a backslash is doubled, & becomes &amp;, a
 * newline is \n (\l for left-justified lines), and other control
 * characters are shown as a visible \xNN rather than passed through. */
static char *
escape_value (const char *s, SesDotValue kind)
{
  if (kind == SES_DOT_HTML)
    return g_strdup (s);
  GString *out = g_string_new (NULL);
  gsize len = strlen (s);
  for (gsize i = 0; i < len; i++)
    {
      guchar c = (guchar) s[i];
      if (c == '\\')
        g_string_append (out, "\\\\");
      else if (c == '&')
        g_string_append (out, "&amp;");
      else if (c == '\n')
        g_string_append (out, kind == SES_DOT_TEXT_LEFT ? "\\l" : "\\n");
      else if (c < 0x20 || c == 0x7f)
        g_string_append_printf (out, "\\\\x%02x", c);
      else
        g_string_append_c (out, (char) c);
    }
  if (kind == SES_DOT_TEXT_LEFT && (len == 0 || s[len - 1] != '\n'))
    g_string_append (out, "\\l");
  return g_string_free (out, FALSE);
}

/* An id: control characters shown, as in values; the rest as it is. */
static char *
escape_id (const char *s)
{
  GString *out = g_string_new (NULL);
  for (const char *p = s; *p; p++)
    {
      guchar c = (guchar) *p;
      if (c < 0x20 || c == 0x7f)
        g_string_append_printf (out, "\\\\x%02x", c);
      else
        g_string_append_c (out, (char) c);
    }
  return g_string_free (out, FALSE);
}

/* One attribute of a node or an edge, declared on the root graph with an
 * empty default when new, as the DOT reader does. */
static void
set_object_attr (Agraph_t *root, void *obj, int kind, const Attr *a)
{
  Agsym_t *sym = agattr (root, kind, a->key, NULL);
  if (sym == NULL)
    sym = agattr (root, kind, a->key, (char *) "");
  g_autofree char *value = escape_value (a->value, a->kind);
  if (a->kind == SES_DOT_HTML)
    {
      char *html = agstrdup_html (root, value);
      agxset (obj, sym, html);
      agstrfree (root, html);
    }
  else
    agxset (obj, sym, value);
}

/* Defaults and graph attributes: `key=value;`, `node [...]` and
 * `edge [...]` in a (sub)graph set that graph's default. As the DOT
 * reader does, a new attribute is first declared on the root with an
 * empty default: declared first from a subgraph, cgraph would make the
 * subgraph's value everyone's default. */
static void
set_defaults (Agraph_t *g, Agraph_t *root, int kind, const GArray *attrs)
{
  for (guint i = 0; i < attrs->len; i++)
    {
      const Attr *a = &g_array_index (attrs, Attr, i);
      if (agattr (root, kind, a->key, NULL) == NULL)
        agattr (root, kind, a->key, (char *) "");
      g_autofree char *value = escape_value (a->value, a->kind);
      agattr (g, kind, a->key, value);
    }
}

static void
build_subgraph (const SesDot *dot, guint sub, Agraph_t *g, Agraph_t *root,
                Agnode_t **made)
{
  const Subgraph *s = &g_array_index (dot->subgraphs, Subgraph, sub);
  set_defaults (g, root, AGRAPH, s->attrs);
  set_defaults (g, root, AGNODE, s->node_defaults);
  set_defaults (g, root, AGEDGE, s->edge_defaults);
  for (guint i = 0; i < s->items->len; i++)
    {
      const Item *item = &g_array_index (s->items, Item, i);
      if (item->kind == ITEM_SUBGRAPH)
        {
          const Subgraph *child = &g_array_index (dot->subgraphs, Subgraph,
                                                  item->index);
          g_autofree char *name = child->name != NULL
                                    ? escape_id (child->name) : NULL;
          Agraph_t *sg = agsubg (g, name, TRUE);
          build_subgraph (dot, item->index, sg, root, made);
          continue;
        }
      const Node *n = &g_array_index (dot->nodes, Node, item->index);
      if (item->kind == ITEM_NODE_REF)
        {
          agsubnode (g, made[item->index], TRUE);
          continue;
        }
      g_autofree char *id = escape_id (n->id);
      made[item->index] = agnode (g, id, TRUE);
      for (guint k = 0; k < n->attrs->len; k++)
        set_object_attr (root, made[item->index], AGNODE,
                         &g_array_index (n->attrs, Attr, k));
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

struct Agraph_s *
ses_dot_to_graph (const SesDot *dot)
{
  Agdisc_t disc = { &AgMemDisc, &id_disc, &io_disc };
  g_autofree char *name = escape_id (dot->name);
  Agraph_t *g = agopen (name, dot->directed ? Agdirected : Agundirected,
                        &disc);
  /* gvContext() makes "\N" (the node's name) every later graph's default
   * label; say so in every graph, so that the text does not depend on
   * whether this process has rendered before. */
  agattr (g, AGNODE, (char *) "label", (char *) "\\N");
  g_autofree Agnode_t **made = g_new0 (Agnode_t *, dot->nodes->len + 1);
  build_subgraph (dot, SES_DOT_ROOT, g, g, made);

  g_autoptr (GArray) order = g_array_sized_new (FALSE, FALSE, sizeof (guint),
                                                dot->edges->len);
  for (guint i = 0; i < dot->edges->len; i++)
    g_array_append_val (order, i);
  g_array_sort_with_data (order, compare_edges, dot->edges);
  for (guint i = 0; i < order->len; i++)
    {
      const Edge *e = &g_array_index (dot->edges, Edge,
                                      g_array_index (order, guint, i));
      /* A node used by an edge only is created at the root. */
      for (guint end = 0; end < 2; end++)
        {
          guint k = end == 0 ? e->tail : e->head;
          if (made[k] == NULL)
            {
              g_autofree char *id = escape_id (
                  g_array_index (dot->nodes, Node, k).id);
              made[k] = agnode (g, id, TRUE);
            }
        }
      Agedge_t *ae = agedge (g, made[e->tail], made[e->head], NULL, TRUE);
      for (guint k = 0; k < e->attrs->len; k++)
        set_object_attr (g, ae, AGEDGE, &g_array_index (e->attrs, Attr, k));
    }
  return g;
}

char *
ses_dot_to_string (const SesDot *dot)
{
  Agraph_t *g = ses_dot_to_graph (dot);
  GString *out = g_string_new (NULL);
  agwrite (g, out);
  agclose (g);
  return g_string_free (out, FALSE);
}
