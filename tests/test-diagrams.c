/* Diagrams: the DOT builder (sim/dot.c), rendering through libgvc
 * (sim/render.c) and the MQTT diagrams (models/diagram.c). The DOT text is
 * read back with libcgraph and checked for structure; three scenarios and
 * the two generic lifecycles are pinned by golden files (set
 * SESSIM_UPDATE_GOLDEN=1 to rewrite them after an intended change); SVG
 * must parse as XML and PNG must carry a valid signature and header. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <glib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cgraph.h>

#include "diagram.h"
#include "dot.h"
#include "error.h"
#include "render.h"
#include "script.h"
#include "test-files.h"

/* ---- helpers ------------------------------------------------------------ */

typedef struct {
  SesScript *script;
  SesWorld *world;
} Run;

static Run
run_script (SesScript *script)
{
  assert_non_null (script);
  Run r = { script, ses_mqtt_world_new (ses_script_config (script),
                                        ses_script_seed (script)) };
  ses_world_run (r.world, ses_script_until (r.script));
  return r;
}

static Run
run_file (const char *name)
{
  g_autofree char *path = g_build_filename (SOURCE_ROOT, "scenarios", name,
                                            NULL);
  g_autoptr (GError) error = NULL;
  SesScript *script = ses_script_load_file (path, &error);
  if (script == NULL)
    fail_msg ("%s", error->message);
  return run_script (script);
}

static Run
run_text (const char *text)
{
  g_autoptr (GError) error = NULL;
  SesScript *script = ses_script_load ("inline.scn", text, strlen (text),
                                       &error);
  if (script == NULL)
    fail_msg ("%s", error->message);
  return run_script (script);
}

static void
run_clear (Run *r)
{
  ses_world_free (r->world);
  ses_script_free (r->script);
}

static SesMqtt *
mqtt_of (Run *r)
{
  return ses_mqtt_from_world (r->world);
}

/* Three clients and two disconnects: a cut that loses a PUBLISH in flight,
 * a clean DISCONNECT, a resumed session with a resend carrying DUP. */
static const char three_clients[] =
  "title \"Three clients, two disconnects\"\n"
  "mqtt 5\n"
  "client sub id=dashboard clean-start=0 session-expiry=1h\n"
  "client log id=logger\n"
  "client pub id=sensor\n"
  "at 0s     sub connect\n"
  "at 0s     sub subscribe \"plant/#\" qos=1\n"
  "at 0s     log connect\n"
  "at 0s     log subscribe \"plant/#\" qos=0\n"
  "at 0s     pub connect\n"
  "at 0.5s   pub publish \"plant/a\" \"20.1\" qos=1\n"
  "at 0.98s  pub publish \"plant/a\" \"20.4\" qos=1\n"
  "at 0.995s sub cut\n"
  "at 2s     log disconnect\n"
  "at 3s     pub publish \"plant/a\" \"20.9\" qos=2\n"
  "at 5s     sub connect\n"
  "until 10s\n";

static Agraph_t *
parse_dot (const char *text)
{
  Agraph_t *g = agmemread (text);
  if (g == NULL)
    fail_msg ("libcgraph cannot read:\n%s", text);
  return g;
}

static const char *
attr (void *obj, const char *name)
{
  char *v = agget (obj, (char *) name);
  return v != NULL ? v : "";
}

static Agnode_t *
find_node (Agraph_t *g, const char *id)
{
  return agnode (g, (char *) id, 0);
}

/* Edges whose attribute `key` equals value, in graph order. */
static GPtrArray *
edges_where (Agraph_t *g, const char *key, const char *value)
{
  GPtrArray *out = g_ptr_array_new ();
  for (Agnode_t *n = agfstnode (g); n != NULL; n = agnxtnode (g, n))
    for (Agedge_t *e = agfstout (g, n); e != NULL; e = agnxtout (g, e))
      if (strcmp (attr (e, key), value) == 0)
        g_ptr_array_add (out, e);
  return out;
}

/* A node whose label contains text. */
static Agnode_t *
node_labelled (Agraph_t *g, const char *text)
{
  for (Agnode_t *n = agfstnode (g); n != NULL; n = agnxtnode (g, n))
    if (strstr (attr (n, "label"), text) != NULL)
      return n;
  return NULL;
}

/* The label of a packet's arrow: the node "pkt_r<row>" in the row it was
 * sent in; "" for an edge that is no packet's arrow (a lifeline, an
 * ordering edge, a lost packet's, whose text is its cross node). */
static const char *
arrow_text (Agraph_t *g, Agedge_t *e)
{
  const char *class = attr (e, "class");
  if (strcmp (class, "packet") != 0 && strcmp (class, "violation") != 0)
    return "";
  const char *r = strstr (agnameof (agtail (e)), "_r");
  if (r == NULL)
    return "";
  g_autofree char *id = g_strdup_printf ("pkt%s", r);
  Agnode_t *n = find_node (g, id);
  return n != NULL ? attr (n, "label") : "";
}

static gboolean
has_edge (Agraph_t *g, const char *tail, const char *head)
{
  Agnode_t *t = find_node (g, tail), *h = find_node (g, head);
  return t != NULL && h != NULL && agedge (g, t, h, NULL, 0) != NULL;
}

static void
check_golden (const char *name, const char *actual)
{
  g_autofree char *dir = g_build_filename (GOLDEN_DIR, "diagrams", NULL);
  g_autofree char *path = g_build_filename (dir, name, NULL);
  if (g_getenv ("SESSIM_UPDATE_GOLDEN") != NULL)
    {
      assert_int_equal (g_mkdir_with_parents (dir, 0755), 0);
      assert_true (g_file_set_contents (path, actual, -1, NULL));
      return;
    }
  g_autofree char *expected = NULL;
  if (!g_file_get_contents (path, &expected, NULL, NULL))
    fail_msg ("missing golden file %s (SESSIM_UPDATE_GOLDEN=1 writes it)",
              path);
  if (strcmp (expected, actual) != 0)
    {
      print_error ("--- %s\n%s\n+++ actual\n%s\n", path, expected, actual);
      fail_msg ("%s differs from this build's output", name);
    }
}

/* Collects the step numbers in the labels of the path edges ("3 @ ..."),
 * one per line. */
static GArray *
path_numbers (Agraph_t *g)
{
  GArray *numbers = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autoptr (GPtrArray) path = edges_where (g, "class", "path");
  for (guint i = 0; i < path->len; i++)
    {
      g_auto (GStrv) lines = g_strsplit (attr (path->pdata[i], "label"),
                                         "\\l", -1);
      for (guint k = 0; lines[k] != NULL; k++)
        if (lines[k][0] != '\0')
          {
            guint n = (guint) g_ascii_strtoull (lines[k], NULL, 10);
            assert_true (n > 0);
            assert_non_null (strstr (lines[k], " @ "));
            g_array_append_val (numbers, n);
          }
    }
  return numbers;
}

static void
assert_numbered_1_to_n (Agraph_t *g, guint n)
{
  g_autoptr (GArray) numbers = path_numbers (g);
  assert_int_equal (numbers->len, n);
  g_autofree gboolean *seen = g_new0 (gboolean, n + 1);
  for (guint i = 0; i < numbers->len; i++)
    {
      guint k = g_array_index (numbers, guint, i);
      assert_true (k >= 1 && k <= n);
      assert_false (seen[k]);
      seen[k] = TRUE;
    }
}

/* ---- the DOT builder ----------------------------------------------------- */

static void
test_dot_builder_text (void **state)
{
  g_autoptr (SesDot) dot = ses_dot_new ("g", TRUE);
  ses_dot_graph_attr (dot, SES_DOT_ROOT, "rankdir", "LR");
  ses_dot_node_default (dot, SES_DOT_ROOT, "shape", "box");
  guint c = ses_dot_subgraph (dot, SES_DOT_ROOT, "cluster_a");
  ses_dot_graph_attr (dot, c, "label", "A & B");
  guint z = ses_dot_node (dot, SES_DOT_ROOT, "z");
  guint a = ses_dot_node (dot, c, "a");
  guint b = ses_dot_node (dot, SES_DOT_ROOT, "node");
  ses_dot_node_attr (dot, a, "label", "say \"hi\"\\\nnext");
  ses_dot_node_attr_full (dot, b, "label", "left\nlines", SES_DOT_TEXT_LEFT);
  ses_dot_node_attr_full (dot, z, "label", "<b>bold</b>", SES_DOT_HTML);
  ses_dot_node_attr (dot, z, "tooltip", "tab\there");
  ses_dot_node_attr (dot, z, "tooltip", "replaced");
  /* Added out of order; made sorted by (tail, head, order added). */
  guint e1 = ses_dot_edge (dot, b, a);
  guint e2 = ses_dot_edge (dot, a, b);
  guint e3 = ses_dot_edge (dot, z, a);
  guint e4 = ses_dot_edge (dot, a, b);
  g_autofree char *w = ses_dot_double (1.25);
  ses_dot_edge_attr (dot, e1, "weight", w);
  ses_dot_edge_attr (dot, e2, "label", "first");
  ses_dot_edge_attr (dot, e4, "label", "second");
  ses_dot_edge_attr (dot, e3, "style", "invis");
  assert_int_equal (ses_dot_n_nodes (dot), 3);
  assert_int_equal (ses_dot_n_edges (dot), 4);
  assert_int_equal (ses_dot_find_node (dot, "node"), (gint) b);
  assert_int_equal (ses_dot_find_node (dot, "missing"), -1);

  g_autofree char *text = ses_dot_to_string (dot);
  /* cgraph's agwrite() text: attributes sorted by name, ids quoted only
   * where DOT needs it, each node's edges after it, a head declared
   * before its first edge, and the default label (the node's name) said
   * whether or not this process rendered before. */
  const char *expected =
    "digraph g {\n"
    "\tgraph [rankdir=LR];\n"
    "\tnode [label=\"\\N\",\n"
    "\t\tshape=box\n"
    "\t];\n"
    "\tsubgraph cluster_a {\n"
    "\t\tgraph [label=\"A &amp; B\"];\n"
    "\t\ta\t[label=\"say \\\"hi\\\"\\\\\\nnext\"];\n"
    "\t}\n"
    "\t\"node\"\t[label=\"left\\llines\\l\"];\n"
    "\ta -> \"node\"\t[label=first];\n"
    "\ta -> \"node\"\t[label=second];\n"
    "\tz\t[label=<<b>bold</b>>,\n"
    "\t\ttooltip=replaced];\n"
    "\tz -> a\t[style=invis];\n"
    "\t\"node\" -> a\t[weight=1.25];\n"
    "}\n";
  assert_string_equal (text, expected);

  /* Graphviz reads it back as written. */
  Agraph_t *g = parse_dot (text);
  assert_int_equal (agnnodes (g), 3);
  assert_int_equal (agnedges (g), 4);
  assert_string_equal (attr (find_node (g, "a"), "label"),
                       "say \"hi\"\\\\\\nnext");
  assert_true (aghtmlstr (agget (find_node (g, "z"), (char *) "label")));
  assert_string_equal (attr (find_node (g, "node"), "label"),
                       "left\\llines\\l");
  agclose (g);
}

static void
test_dot_builder_numbers_and_escapes (void **state)
{
  g_autofree char *i = ses_dot_int (-42);
  g_autofree char *d1 = ses_dot_double (0.5);
  g_autofree char *d2 = ses_dot_double (1.0 / 3.0);
  g_autofree char *d3 = ses_dot_double (1e-7);
  assert_string_equal (i, "-42");
  assert_string_equal (d1, "0.5");
  assert_string_equal (d2, "0.333333");
  assert_string_equal (d3, "1e-07");
  g_autofree char *h = ses_dot_html_escape ("a<b>&\"c'");
  assert_string_equal (h, "a&lt;b&gt;&amp;&quot;c&#39;");

  /* Control characters are shown, never passed to Graphviz. */
  g_autoptr (SesDot) dot = ses_dot_new ("c", FALSE);
  guint n = ses_dot_node (dot, SES_DOT_ROOT, "x");
  ses_dot_node_attr (dot, n, "label", "a\tb\x01");
  ses_dot_edge (dot, n, n);
  g_autofree char *text = ses_dot_to_string (dot);
  assert_non_null (strstr (text, "label=\"a\\\\x09b\\\\x01\""));
  assert_non_null (strstr (text, "\tx -- x;"));
  Agraph_t *g = parse_dot (text);
  assert_false (agisdirected (g));
  agclose (g);
}

/* ---- rendering ----------------------------------------------------------- */

/* Runs f with stderr sent to a file; returns what was written there. */
static char *
capture_stderr (void (*f) (gpointer), gpointer data)
{
  g_autofree char *name = NULL;
  int fd = g_file_open_tmp ("sessim-stderr-XXXXXX", &name, NULL);
  assert_true (fd >= 0);
  fflush (stderr);
  int saved = dup (2);
  assert_true (saved >= 0);
  assert_true (dup2 (fd, 2) >= 0);
  f (data);
  fflush (stderr);
  assert_true (dup2 (saved, 2) >= 0);
  close (saved);
  close (fd);
  char *text = NULL;
  assert_true (g_file_get_contents (name, &text, NULL, NULL));
  g_unlink (name);
  return text;
}

static void
render_bad_text (gpointer data)
{
  GError **error = data;
  GBytes *b = ses_render_to_bytes ("digraph { a -> ; }", "svg", error);
  assert_null (b);
}

static void
test_render_errors (void **state)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *chatter = capture_stderr (render_bad_text, &error);
  assert_string_equal (chatter, "");
  assert_true (g_error_matches (error, SES_ERROR, SES_ERROR_PARSE));
  assert_non_null (strstr (error->message, "syntax error"));
  g_clear_error (&error);

  assert_null (ses_render_to_bytes ("digraph { a }", "gif", &error));
  assert_true (g_error_matches (error, SES_ERROR, SES_ERROR_UNSUPPORTED));
  g_clear_error (&error);
  assert_false (ses_render_format_supported ("jpg"));
  assert_true (ses_render_format_supported ("dot"));

  /* A file that cannot be written: its folder is a file. */
  g_autofree char *name = NULL;
  int fd = g_file_open_tmp ("sessim-notdir-XXXXXX", &name, NULL);
  assert_true (fd >= 0);
  close (fd);
  g_autofree char *inside = g_build_filename (name, "sub", "x.svg", NULL);
  assert_false (ses_render_to_file ("digraph { a }", "svg", inside, &error));
  assert_true (g_error_matches (error, SES_ERROR, SES_ERROR_IO));
  g_unlink (name);

  /* Graphviz's hooks are handed back: a later good render still works. */
  g_autoptr (GBytes) ok = ses_render_to_bytes ("digraph { a -> b }", "svg",
                                               NULL);
  assert_non_null (ok);
}

typedef struct {
  guint elements;
  gboolean has_svg;
} XmlCount;

static void
xml_start (GMarkupParseContext *ctx, const char *element, const char **names,
           const char **values, gpointer data, GError **error)
{
  XmlCount *c = data;
  c->elements++;
  if (strcmp (element, "svg") == 0)
    c->has_svg = TRUE;
}

static void
assert_svg_is_xml (GBytes *svg)
{
  gsize size = 0;
  const char *data = g_bytes_get_data (svg, &size);
  /* The header names Graphviz's version and nothing that changes. */
  assert_true (g_str_has_prefix (data, "<?xml"));
  assert_non_null (g_strstr_len (data, (gssize) MIN (size, 400),
                                 "Generated by graphviz version"));
  GMarkupParser parser = { .start_element = xml_start };
  XmlCount count = { 0, FALSE };
  GMarkupParseContext *ctx = g_markup_parse_context_new (&parser, 0, &count,
                                                         NULL);
  g_autoptr (GError) error = NULL;
  gboolean ok = g_markup_parse_context_parse (ctx, data, (gssize) size, &error)
                && g_markup_parse_context_end_parse (ctx, &error);
  g_markup_parse_context_free (ctx);
  if (!ok)
    fail_msg ("SVG is not XML: %s", error->message);
  assert_true (count.has_svg);
  assert_true (count.elements > 10);
}

static gboolean
contains_bytes (const guint8 *data, gsize size, const char *word)
{
  gsize n = strlen (word);
  for (gsize i = 0; i + n <= size; i++)
    if (memcmp (data + i, word, n) == 0)
      return TRUE;
  return FALSE;
}

static void
assert_png (GBytes *png)
{
  gsize size = 0;
  const guint8 *d = g_bytes_get_data (png, &size);
  static const guint8 signature[8] = { 0x89, 'P', 'N', 'G', '\r', '\n',
                                       0x1a, '\n' };
  assert_true (size > 33);
  assert_memory_equal (d, signature, 8);
  guint32 len = (guint32) d[8] << 24 | (guint32) d[9] << 16
                | (guint32) d[10] << 8 | d[11];
  assert_int_equal (len, 13);
  assert_memory_equal (d + 12, "IHDR", 4);
  guint32 width = (guint32) d[16] << 24 | (guint32) d[17] << 16
                  | (guint32) d[18] << 8 | d[19];
  guint32 height = (guint32) d[20] << 24 | (guint32) d[21] << 16
                   | (guint32) d[22] << 8 | d[23];
  assert_true (width > 0 && height > 0);
  /* No chunk that would carry a time or free text. */
  assert_false (contains_bytes (d, size, "tIME"));
  assert_false (contains_bytes (d, size, "tEXt"));
}

static void
test_render_svg_and_png (void **state)
{
  Run r = run_text (three_clients);
  g_autofree char *dot = ses_diagram_sequence_dot (mqtt_of (&r), NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) svg = ses_render_to_bytes (dot, "svg", &error);
  g_assert_no_error (error);
  assert_svg_is_xml (svg);
  g_autoptr (GBytes) svg2 = ses_render_to_bytes (dot, "svg", &error);
  assert_true (g_bytes_equal (svg, svg2));
  g_autoptr (GBytes) png = ses_render_to_bytes (dot, "png", &error);
  g_assert_no_error (error);
  assert_png (png);
  g_autoptr (GBytes) png2 = ses_render_to_bytes (dot, "png", &error);
  assert_true (g_bytes_equal (png, png2));
  g_autoptr (GBytes) text = ses_render_to_bytes (dot, "dot", &error);
  assert_int_equal (g_bytes_get_size (text), strlen (dot));
  run_clear (&r);
}

static int
compare_lines (const void *a, const void *b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

/* SVG lines, sorted, with Graphviz's element numbers ("edge12") taken
 * out: the drawing, whatever order it was made in. */
static char *
drawing_of (GBytes *svg)
{
  g_autofree char *text = g_strndup (g_bytes_get_data (svg, NULL),
                                     g_bytes_get_size (svg));
  g_autoptr (GRegex) ids = g_regex_new ("(edge|node)[0-9]+", 0, 0, NULL);
  g_autofree char *plain = g_regex_replace_literal (ids, text, -1, 0, "\\1",
                                                    0, NULL);
  g_auto (GStrv) lines = g_strsplit (plain, "\n", -1);
  qsort (lines, g_strv_length (lines), sizeof (char *), compare_lines);
  return g_strjoinv ("\n", lines);
}

/* A graph built with cgraph is laid out as built, with no text in between;
 * the sequence diagram's text (agwrite) read back by Graphviz draws the
 * same picture (a lifecycle may not: cgraph writes each node's edges after
 * it, not in the order they were made, and that order steers the layout).
 * The text is the same for every call. */
static void
test_render_graph_as_text (void **state)
{
  Run r = run_file ("31-takeover-and-will-delay.scn");
  SesMqtt *mqtt = mqtt_of (&r);
  g_autofree char *tmp = g_dir_make_tmp ("sessim-graph-XXXXXX", NULL);
  g_autoptr (GError) error = NULL;
  /* Through the graph: what --render writes. */
  assert_true (ses_diagram_write_all (mqtt, "sequence", "svg", tmp, NULL,
                                      NULL, &error));
  assert_true (ses_diagram_write_all (mqtt, "sequence", "dot", tmp, NULL,
                                      NULL, &error));
  g_autofree char *svg_path = g_build_filename (tmp, "sequence.svg", NULL);
  g_autofree char *dot_path = g_build_filename (tmp, "sequence.dot", NULL);
  g_autofree char *svg_text = NULL, *dot_text = NULL;
  gsize svg_len = 0;
  assert_true (g_file_get_contents (svg_path, &svg_text, &svg_len, NULL));
  assert_true (g_file_get_contents (dot_path, &dot_text, NULL, NULL));
  g_autofree char *again = ses_diagram_sequence_dot (mqtt, NULL);
  assert_string_equal (dot_text, again);
  /* Through the text. */
  g_autoptr (GBytes) via_text = ses_render_to_bytes (dot_text, "svg", &error);
  g_assert_no_error (error);
  g_autoptr (GBytes) direct = g_bytes_new (svg_text, svg_len);
  g_autofree char *a = drawing_of (direct);
  g_autofree char *b = drawing_of (via_text);
  assert_string_equal (a, b);
  g_unlink (svg_path);
  g_unlink (dot_path);
  g_rmdir (tmp);
  run_clear (&r);
}

/* ---- lifecycle ----------------------------------------------------------- */

static void
test_lifecycle_persistent_session (void **state)
{
  Run r = run_file ("03-persistent-session.scn");
  SesMqtt *mqtt = mqtt_of (&r);
  guint32 sub = ses_mqtt_client_session (mqtt, 0);
  g_autofree char *name = ses_diagram_session_name (mqtt, sub);
  assert_string_equal (name, "sub");
  g_autofree char *dot = ses_diagram_lifecycle_dot (mqtt, sub);
  Agraph_t *g = parse_dot (dot);

  const char *states[] = { "no-session", "connected", "kept",
                           "ended-expired", "ended-cleaned",
                           "ended-with-connection", "ended-taken-over",
                           "ended-restart" };
  for (guint i = 0; i < G_N_ELEMENTS (states); i++)
    assert_non_null (find_node (g, states[i]));
  assert_int_equal (agnnodes (g), G_N_ELEMENTS (states));
  assert_non_null (strstr (attr (agroot (g), "label"), "\"dashboard\""));

  g_autoptr (GPtrArray) path = edges_where (g, "class", "path");
  assert_int_equal (path->len, 3);
  Agnode_t *none = find_node (g, "no-session");
  Agnode_t *conn = find_node (g, "connected");
  Agnode_t *kept = find_node (g, "kept");
  Agedge_t *e = agedge (g, none, conn, NULL, 0);
  assert_string_equal (attr (e, "label"),
                       "1 @ 0.010s CONNECT clean-start=0 expiry=3600s\\l");
  assert_string_equal (attr (e, "penwidth"), "2.5");
  e = agedge (g, conn, kept, NULL, 0);
  assert_string_equal (attr (e, "label"),
                       "2 @ 1.000s cut; kept, expiry 3600s\\l");
  e = agedge (g, kept, conn, NULL, 0);
  assert_string_equal (attr (e, "label"),
                       "3 @ 30.010s CONNECT clean-start=0 expiry=3600s\\l");
  assert_numbered_1_to_n (g, 3);
  /* Where the run left the session; states it never reached are dashed. */
  assert_string_equal (attr (conn, "peripheries"), "2");
  assert_string_equal (attr (find_node (g, "ended-expired"), "style"),
                       "rounded,dashed");
  assert_string_equal (attr (kept, "style"), "rounded,filled");
  agclose (g);

  /* The publisher: a clean start, a session it still holds. */
  g_autofree char *pub = ses_diagram_lifecycle_dot (
      mqtt, ses_mqtt_client_session (mqtt, 1));
  g = parse_dot (pub);
  e = agedge (g, find_node (g, "no-session"), find_node (g, "connected"),
              NULL, 0);
  assert_string_equal (attr (e, "label"),
                       "1 @ 2.010s CONNECT clean-start=1\\l");
  assert_numbered_1_to_n (g, 1);
  agclose (g);
  run_clear (&r);
}

static void
test_lifecycle_takeover (void **state)
{
  Run r = run_file ("31-takeover-and-will-delay.scn");
  SesMqtt *mqtt = mqtt_of (&r);
  /* fresh1 and fresh2 share "unit-fresh": one diagram, named after fresh1. */
  guint32 fresh = ses_mqtt_client_session (mqtt, 2);
  assert_int_equal (ses_mqtt_client_session (mqtt, 3), fresh);
  g_autofree char *name = ses_diagram_session_name (mqtt, fresh);
  assert_string_equal (name, "fresh1");
  g_autofree char *dot = ses_diagram_lifecycle_dot (mqtt, fresh);
  Agraph_t *g = parse_dot (dot);
  assert_numbered_1_to_n (g, 4);
  Agedge_t *e = agedge (g, find_node (g, "connected"), find_node (g, "kept"),
                        NULL, 0);
  assert_non_null (strstr (attr (e, "label"),
                           "2 @ 2.010s taken over by fresh2; kept"));
  e = agedge (g, find_node (g, "kept"), find_node (g, "ended-cleaned"), NULL,
              0);
  assert_non_null (strstr (attr (e, "label"), "3 @ 2.010s CONNECT "
                                              "clean-start=1"));
  assert_non_null (strstr (attr (e, "label"), "by fresh2"));
  assert_true (has_edge (g, "ended-cleaned", "connected"));
  agclose (g);

  /* brief1 had expiry 0: the takeover ended its session. */
  guint32 brief = ses_mqtt_client_session (mqtt, 4);
  g_autofree char *bdot = ses_diagram_lifecycle_dot (mqtt, brief);
  g = parse_dot (bdot);
  e = agedge (g, find_node (g, "connected"), find_node (g, "ended-taken-over"),
              NULL, 0);
  assert_non_null (e);
  assert_string_equal (attr (e, "class"), "path");
  assert_non_null (strstr (attr (e, "label"), "taken over by brief2; "
                                              "expiry 0"));
  assert_string_equal (attr (find_node (g, "ended-taken-over"), "style"),
                       "rounded,filled");
  agclose (g);
  run_clear (&r);
}

static void
test_lifecycle_restart_and_v311 (void **state)
{
  Run r = run_file ("32-broker-restart-volatile.scn");
  SesMqtt *mqtt = mqtt_of (&r);
  g_autofree char *dot = ses_diagram_lifecycle_dot (
      mqtt, ses_mqtt_client_session (mqtt, 0));
  Agraph_t *g = parse_dot (dot);
  Agedge_t *e = agedge (g, find_node (g, "kept"),
                        find_node (g, "ended-restart"), NULL, 0);
  assert_non_null (strstr (attr (e, "label"), "broker restart without "
                                              "persistence"));
  assert_true (has_edge (g, "ended-restart", "connected"));
  agclose (g);
  run_clear (&r);

  r = run_file ("21-v311-clean-session-0.scn");
  mqtt = mqtt_of (&r);
  g_autofree char *v311 = ses_diagram_lifecycle_dot (
      mqtt, ses_mqtt_client_session (mqtt, 0));
  g = parse_dot (v311);
  /* 3.1.1 has no expiry, so no expired state. */
  assert_null (find_node (g, "ended-expired"));
  assert_non_null (strstr (attr (agroot (g), "label"), "MQTT 3.1.1"));
  e = agedge (g, find_node (g, "no-session"), find_node (g, "connected"),
              NULL, 0);
  assert_non_null (strstr (attr (e, "label"), "CONNECT clean-session=0"));
  agclose (g);
  run_clear (&r);
}

static void
test_generic_lifecycles (void **state)
{
  const SesMqttVersion versions[] = { SES_MQTT_5, SES_MQTT_311 };
  const char *prefix[] = { "5.0 ", "3.1.1 " };
  const guint n_states[] = { 8, 7 };
  for (guint v = 0; v < 2; v++)
    {
      g_autofree char *dot = ses_diagram_generic_lifecycle_dot (versions[v]);
      Agraph_t *g = parse_dot (dot);
      assert_int_equal (agnnodes (g), n_states[v]);
      guint labelled = 0;
      for (Agnode_t *n = agfstnode (g); n != NULL; n = agnxtnode (g, n))
        for (Agedge_t *e = agfstout (g, n); e != NULL; e = agnxtout (g, e))
          {
            const char *label = attr (e, "label");
            /* Every transition cites the rule it follows. */
            assert_non_null (strstr (label, prefix[v]));
            labelled++;
          }
      assert_int_equal (labelled, v == 0 ? 13 : 12);
      assert_true (has_edge (g, "kept", "connected"));
      assert_int_equal (has_edge (g, "kept", "ended-expired"), v == 0);
      Agedge_t *resume = agedge (g, find_node (g, "kept"),
                                 find_node (g, "connected"), NULL, 0);
      assert_non_null (strstr (attr (resume, "label"),
                               v == 0 ? "5.0 [MQTT-3.1.2-5]"
                                      : "3.1.1 [MQTT-3.1.2-4]"));
      agclose (g);
    }
}

/* ---- sequence ------------------------------------------------------------ */

static guint
find_obs (SesMqtt *mqtt, SesObsKind kind, guint8 flags)
{
  const GArray *log = ses_mqtt_log (mqtt);
  for (guint i = 0; i < log->len; i++)
    {
      const SesObs *o = &g_array_index (log, SesObs, i);
      if (o->kind == kind && (o->pkt.flags & flags) == flags)
        return i;
    }
  fail_msg ("no observation of kind %d", kind);
  return 0;
}

static void
test_sequence_structure (void **state)
{
  Run r = run_text (three_clients);
  SesMqtt *mqtt = mqtt_of (&r);
  g_autofree char *dot = ses_diagram_sequence_dot (mqtt, NULL);
  Agraph_t *g = parse_dot (dot);

  /* A lifeline per client and one for the broker. */
  for (guint l = 0; l < 4; l++)
    {
      g_autofree char *id = g_strdup_printf ("head%u", l);
      assert_non_null (find_node (g, id));
    }
  assert_string_equal (attr (find_node (g, "head3"), "label"), "broker");
  assert_non_null (strstr (attr (find_node (g, "head0"), "label"), "sub"));

  /* Packets are arrows between lifelines, fields in their labels. */
  guint arrows = 0, lost = 0;
  gboolean dup_seen = FALSE, connect_seen = FALSE;
  for (Agnode_t *n = agfstnode (g); n != NULL; n = agnxtnode (g, n))
    for (Agedge_t *e = agfstout (g, n); e != NULL; e = agnxtout (g, e))
      {
        const char *x = arrow_text (g, e);
        if (x[0] != '\0')
          {
            arrows++;
            assert_string_equal (attr (e, "constraint"), "false");
            if (strstr (x, "PUBLISH id=2 q1 dup &quot;20.4&quot;") != NULL)
              dup_seen = TRUE;
            if (strstr (x, "CONNECT clean-start=0 expiry=3600s") != NULL)
              connect_seen = TRUE;
          }
        if (strcmp (attr (e, "class"), "lost") == 0)
          lost++;
      }
  assert_true (dup_seen);
  assert_true (connect_seen);
  /* Every SEND is an arrow, delivered or not. */
  const GArray *log = ses_mqtt_log (mqtt);
  guint sends = 0;
  for (guint i = 0; i < log->len; i++)
    if (g_array_index (log, SesObs, i).kind == SES_OBS_SEND
        || g_array_index (log, SesObs, i).kind == SES_OBS_LOST)
      sends++;
  assert_int_equal (arrows + lost, sends);

  /* The PUBLISH in flight when sub was cut never arrived. */
  assert_int_equal (lost, 1);
  Agnode_t *x = NULL;
  for (Agnode_t *v = agfstnode (g); v != NULL && x == NULL;
       v = agnxtnode (g, v))
    if (strcmp (attr (v, "class"), "lost") == 0)
      x = v;
  assert_non_null (x);
  assert_non_null (strstr (attr (x, "label"),
                           "PUBLISH id=2 q1 &quot;20.4&quot;"));
  assert_non_null (strstr (attr (x, "label"), "the connection died"));

  /* Faults and session events sit on their lifelines. */
  Agnode_t *cut = node_labelled (g, "CUT");
  assert_non_null (cut);
  assert_true (g_str_has_prefix (agnameof (cut), "l0_"));
  Agnode_t *kept = node_labelled (g, "sub: session kept (cut), expiry 3600s");
  assert_non_null (kept);
  assert_true (g_str_has_prefix (agnameof (kept), "l3_"));
  assert_non_null (node_labelled (g, "sub: session resumed"));
  assert_non_null (node_labelled (g, "log: session ended (connection-ended)"));
  assert_non_null (node_labelled (g, "queued for sub: \"20.9\" q1"));
  assert_non_null (node_labelled (g, "deliver \"20.4\" q1 (dup)"));
  assert_non_null (node_labelled (g, "connection lost (disconnect)"));
  /* No violation unless one is given. */
  assert_null (find_node (g, "violation"));
  agclose (g);
  run_clear (&r);
}

/* Idle time: a connection left open for ten minutes with nothing but
 * keep-alive exchanges is one marked gap row, not forty rows of PINGs; a
 * few PINGs within a busy minute stay; a step inside the gap maps to the
 * gap's row; every other packet is still an arrow. */
static const char idle_text[] =
    "mqtt 5\n"
    "client dev id=d keep-alive=30s\n"
    "client app id=a keep-alive=0s\n"
    "at 0s dev connect\n"
    "at 0s app connect\n"
    "at 0s app subscribe \"x\" qos=1\n"
    "at 10m dev publish \"x\" \"hello\" qos=1\n"
    "at 10m1s dev disconnect\n"
    "at 10m1s app disconnect\n";

static void
test_sequence_folds_idle_time (void **state)
{
  Run r = run_text (idle_text);
  SesMqtt *mqtt = mqtt_of (&r);
  const GArray *log = ses_mqtt_log (mqtt);
  guint pings = 0, other_sends = 0, first_ping = G_MAXUINT;
  for (guint i = 0; i < log->len; i++)
    {
      const SesObs *o = &g_array_index (log, SesObs, i);
      if (o->kind != SES_OBS_SEND)
        continue;
      if (o->pkt.type == SES_PKT_PINGREQ || o->pkt.type == SES_PKT_PINGRESP)
        {
          pings++;
          first_ping = MIN (first_ping, i);
        }
      else
        other_sends++;
    }
  /* Twenty exchanges over ten minutes. */
  assert_true (pings >= 30);
  g_autofree char *dot = ses_diagram_sequence_dot (mqtt, NULL);
  Agraph_t *g = parse_dot (dot);
  Agnode_t *gap = node_labelled (g, "idle: ");
  assert_non_null (gap);
  g_autofree char *want = g_strdup_printf ("idle: %u keep-alive packets "
                                           "(PINGREQ/PINGRESP)\\nfolded, "
                                           "over 9m", pings);
  assert_non_null (strstr (attr (gap, "label"), want));
  assert_non_null (strstr (attr (gap, "style"), "dashed"));
  /* On the broker's lifeline (head2), its time cell naming both ends
   * (DOT's own line breaks, as written). */
  assert_true (g_str_has_prefix (agnameof (gap), "l2_r"));
  g_autofree char *t = g_strdup_printf ("t%s", agnameof (gap) + 4);
  const char *when = attr (find_node (g, t), "label");
  assert_non_null (strstr (when, "s\\n...\\n"));
  /* No PING arrow is left; every other packet still is one. */
  guint arrows = 0;
  for (Agnode_t *n = agfstnode (g); n != NULL; n = agnxtnode (g, n))
    for (Agedge_t *e = agfstout (g, n); e != NULL; e = agnxtout (g, e))
      {
        const char *x = arrow_text (g, e);
        if (x[0] == '\0')
          continue;
        arrows++;
        assert_null (strstr (x, "PING"));
      }
  assert_int_equal (arrows, other_sends);
  /* Lifelines run dotted into the gap. */
  g_autoptr (GPtrArray) dotted = edges_where (g, "style", "dotted");
  assert_true (dotted->len >= 2);
  agclose (g);

  /* The rows: one for the whole stretch, standing for its first step. */
  g_autoptr (GArray) rows = ses_diagram_sequence_rows (mqtt, NULL);
  guint at = G_MAXUINT;
  for (guint k = 0; k < rows->len; k++)
    if (g_array_index (rows, guint, k) == first_ping)
      at = k;
  assert_true (at != G_MAXUINT);
  assert_true (g_array_index (rows, guint, at + 1) > first_ping + 2 * pings
                                                      - 1);
  run_clear (&r);

  /* Keep-alive packets inside a busy minute are not idle time. */
  Run busy = run_file ("31-takeover-and-will-delay.scn");
  g_autofree char *busy_dot = ses_diagram_sequence_dot (mqtt_of (&busy),
                                                        NULL);
  assert_non_null (strstr (busy_dot, "PINGREQ"));
  assert_null (strstr (busy_dot, "idle: "));
  run_clear (&busy);
}

/* Rows of a sequence diagram: its "t<r>" nodes. */
static guint
count_rows (Agraph_t *g)
{
  guint n = 0;
  for (Agnode_t *v = agfstnode (g); v != NULL; v = agnxtnode (g, v))
    {
      const char *id = agnameof (v);
      n += id[0] == 't' && g_ascii_isdigit (id[1]);
    }
  return n;
}

/* Rows a filter keeps: those of the whole diagram whose step it shows. */
static guint
rows_shown (SesMqtt *mqtt, const SesDiagramFilter *f)
{
  g_autoptr (GArray) rows = ses_diagram_sequence_rows (mqtt, NULL);
  const GArray *log = ses_mqtt_log (mqtt);
  guint n = 0;
  for (guint k = 0; k < rows->len; k++)
    n += ses_diagram_filter_shows (
        f, &g_array_index (log, SesObs, g_array_index (rows, guint, k)));
  return n;
}

/* Arrows: edges with a packet's label. */
static guint
count_arrows (Agraph_t *g, const char *containing)
{
  guint n = 0;
  for (Agnode_t *v = agfstnode (g); v != NULL; v = agnxtnode (g, v))
    for (Agedge_t *e = agfstout (g, v); e != NULL; e = agnxtout (g, e))
      {
        const char *x = arrow_text (g, e);
        n += x[0] != '\0' && (containing == NULL
                              || strstr (x, containing) != NULL);
      }
  return n;
}

/* --only, --hide and --from/--to in the sequence diagram: the lifelines of
 * the clients shown and the broker's, the steps the text timeline shows
 * (the same test decides both), and a packet the window cuts in two as a
 * note at its shown end. A filter that lets everything through draws the
 * whole diagram, byte for byte. */
static void
test_sequence_filtered (void **state)
{
  Run r = run_text (three_clients);
  SesMqtt *mqtt = mqtt_of (&r);
  const GArray *log = ses_mqtt_log (mqtt);
  g_autofree char *whole = ses_diagram_sequence_dot (mqtt, NULL);

  gboolean all[3] = { TRUE, TRUE, TRUE };
  SesDiagramFilter open = { all, 3, 0, 0, SES_TIME_NONE, SES_TIME_NONE };
  g_autofree char *same = ses_diagram_sequence_dot_filtered (mqtt, NULL,
                                                             &open);
  assert_string_equal (same, whole);
  g_autofree char *none = ses_diagram_sequence_dot_filtered (mqtt, NULL,
                                                             NULL);
  assert_string_equal (none, whole);

  /* --only sub: sub's lifeline and the broker's, nothing of log or pub. */
  gboolean only_sub[3] = { TRUE, FALSE, FALSE };
  SesDiagramFilter only = { only_sub, 3, 0, 0, SES_TIME_NONE, SES_TIME_NONE };
  g_autofree char *odot = ses_diagram_sequence_dot_filtered (mqtt, NULL,
                                                             &only);
  Agraph_t *g = parse_dot (odot);
  assert_non_null (find_node (g, "head0"));
  assert_string_equal (attr (find_node (g, "head3"), "label"), "broker");
  assert_null (find_node (g, "head1"));
  assert_null (find_node (g, "head2"));
  for (Agnode_t *v = agfstnode (g); v != NULL; v = agnxtnode (g, v))
    {
      assert_false (g_str_has_prefix (agnameof (v), "l1_"));
      assert_false (g_str_has_prefix (agnameof (v), "l2_"));
    }
  assert_null (node_labelled (g, "log: "));
  assert_non_null (node_labelled (g, "sub: session kept (cut)"));
  assert_int_equal (count_rows (g), rows_shown (mqtt, &only));
  guint sub_sends = 0;
  for (guint i = 0; i < log->len; i++)
    {
      const SesObs *o = &g_array_index (log, SesObs, i);
      sub_sends += o->client == 0 && o->kind == SES_OBS_SEND;
    }
  /* Every packet of sub's is an arrow (the one lost in the cut a node). */
  assert_int_equal (count_arrows (g, NULL) + 1, sub_sends);
  agclose (g);

  /* --hide puback: no PUBACK arrow, every other one still there. */
  SesDiagramFilter hide = { NULL, 0, 1u << SES_PKT_PUBACK, 0, SES_TIME_NONE,
                            SES_TIME_NONE };
  g_autofree char *hdot = ses_diagram_sequence_dot_filtered (mqtt, NULL,
                                                             &hide);
  Agraph_t *all_g = parse_dot (whole);
  g = parse_dot (hdot);
  assert_true (count_arrows (all_g, "PUBACK") > 0);
  assert_int_equal (count_arrows (g, "PUBACK"), 0);
  assert_int_equal (count_arrows (g, NULL),
                    count_arrows (all_g, NULL) - count_arrows (all_g,
                                                               "PUBACK"));
  assert_int_equal (count_rows (g), rows_shown (mqtt, &hide));
  agclose (g);
  agclose (all_g);

  /* --from 505ms --to 2s: pub's first PUBLISH (sent at 0.5 s) arrives at
   * 0.51 s, inside; log's DISCONNECT (sent at 2 s) arrives after. */
  SesDiagramFilter window = { NULL, 0, 0, 0, 505 * SES_US_PER_MS,
                              2 * SES_US_PER_S };
  g_autofree char *wdot = ses_diagram_sequence_dot_filtered (mqtt, NULL,
                                                             &window);
  g = parse_dot (wdot);
  assert_int_equal (count_rows (g), rows_shown (mqtt, &window));
  Agnode_t *in = node_labelled (g, "received PUBLISH id=1 q1 \"20.1\"\\n"
                                   "(sent outside this view)");
  assert_non_null (in);
  assert_true (g_str_has_prefix (agnameof (in), "l3_"));
  assert_non_null (node_labelled (g, "sent DISCONNECT\\n(not received in "
                                     "this view)"));
  for (Agnode_t *v = agfstnode (g); v != NULL; v = agnxtnode (g, v))
    {
      const char *id = agnameof (v), *when = attr (v, "label");
      if (id[0] != 't' || !g_ascii_isdigit (id[1]) || when[0] == '\0')
        continue;
      double t = g_ascii_strtod (when, NULL);
      assert_true (t >= 0.505 && t <= 2.0);
    }
  agclose (g);
  run_clear (&r);
}

/* ---- labels at bursts: coordinates in the SVG ---------------------------- */

/* A node of a rendered SVG: its id (the <title>), its box, and for a
 * lifeline point its centre. */
typedef struct {
  char *id;
  gboolean has_box;
  double x0, y0, x1, y1;
  gboolean has_point;
  double cx, cy;
} SvgNode;

static void
svg_node_clear (gpointer p)
{
  g_free (((SvgNode *) p)->id);
}

/* The numbers of a points="" or d="" attribute, as x,y pairs, into a box. */
static gboolean
svg_box (const char *text, SvgNode *n)
{
  g_autoptr (GRegex) num = g_regex_new ("-?[0-9]+(\\.[0-9]+)?", 0, 0, NULL);
  g_autoptr (GMatchInfo) m = NULL;
  g_regex_match (num, text, 0, &m);
  guint k = 0;
  n->x0 = n->y0 = G_MAXDOUBLE;
  n->x1 = n->y1 = -G_MAXDOUBLE;
  for (; g_match_info_matches (m); g_match_info_next (m, NULL), k++)
    {
      g_autofree char *w = g_match_info_fetch (m, 0);
      double v = g_ascii_strtod (w, NULL);
      if (k % 2 == 0)
        {
          n->x0 = MIN (n->x0, v);
          n->x1 = MAX (n->x1, v);
        }
      else
        {
          n->y0 = MIN (n->y0, v);
          n->y1 = MAX (n->y1, v);
        }
    }
  return k >= 4;
}

/* Every node group of the SVG Graphviz wrote: the first filled polygon or
 * path is its box, an ellipse its point. */
static GArray *
svg_nodes (const char *svg)
{
  GArray *out = g_array_new (FALSE, TRUE, sizeof (SvgNode));
  g_array_set_clear_func (out, svg_node_clear);
  g_autoptr (GRegex) title = g_regex_new ("<title>([^<]*)</title>", 0, 0,
                                          NULL);
  g_autoptr (GRegex) shape = g_regex_new (
      "<(polygon|path) fill=\"(?!none)[^\"]*\" stroke=\"[^\"]*\" "
      "(points|d)=\"([^\"]*)\"", 0, 0, NULL);
  g_autoptr (GRegex) ellipse = g_regex_new (
      "<ellipse [^>]*cx=\"([^\"]*)\" cy=\"([^\"]*)\"", 0, 0, NULL);
  for (const char *p = strstr (svg, "<g id=\"node"); p != NULL;)
    {
      const char *next = strstr (p + 1, "<g id=\"node");
      const char *edge = strstr (p + 1, "<g id=\"edge");
      if (edge != NULL && (next == NULL || edge < next))
        next = edge;
      g_autofree char *chunk = next != NULL ? g_strndup (p, next - p)
                                            : g_strdup (p);
      SvgNode n = { 0 };
      g_autoptr (GMatchInfo) mt = NULL, ms = NULL, me = NULL;
      if (g_regex_match (title, chunk, 0, &mt))
        n.id = g_match_info_fetch (mt, 1);
      if (g_regex_match (shape, chunk, 0, &ms))
        {
          g_autofree char *pts = g_match_info_fetch (ms, 3);
          n.has_box = svg_box (pts, &n);
        }
      if (g_regex_match (ellipse, chunk, 0, &me))
        {
          g_autofree char *cx = g_match_info_fetch (me, 1);
          g_autofree char *cy = g_match_info_fetch (me, 2);
          n.has_point = TRUE;
          n.cx = g_ascii_strtod (cx, NULL);
          n.cy = g_ascii_strtod (cy, NULL);
        }
      if (n.id != NULL)
        g_array_append_val (out, n);
      p = next != NULL && strncmp (next, "<g id=\"node", 11) == 0
            ? next : (next != NULL ? strstr (next, "<g id=\"node") : NULL);
    }
  return out;
}

static gboolean
boxes_overlap (const SvgNode *a, const SvgNode *b)
{
  /* Half a point of slack for rounding in the SVG. */
  return a->x0 < b->x1 - 0.5 && b->x0 < a->x1 - 0.5 && a->y0 < b->y1 - 0.5
         && b->y0 < a->y1 - 0.5;
}

/* Eight messages published at one instant to two subscribers: the
 * broker's copies, the acknowledgements of both hops and the QoS 2
 * exchanges all fall within a few milliseconds. */
static const char burst_text[] =
    "mqtt 5\n"
    "client a id=a\n"
    "client b id=b\n"
    "client pub id=pub\n"
    "at 0s a connect\n"
    "at 0s a subscribe \"t\" qos=2\n"
    "at 0s b connect\n"
    "at 0s b subscribe \"t\" qos=2\n"
    "at 0s pub connect\n"
    "at 1s pub publish \"t\" \"m1\" qos=1\n"
    "at 1s pub publish \"t\" \"m2\" qos=2\n"
    "at 1s pub publish \"t\" \"m3\" qos=0\n"
    "at 1s pub publish \"t\" \"a-longer-payload-4\" qos=1\n"
    "at 1s pub publish \"t\" \"m5\" qos=2\n"
    "at 1s pub publish \"t\" \"m6\" qos=0\n"
    "at 1s pub publish \"t\" \"m7\" qos=1\n"
    "at 1s pub publish \"t\" \"m8\" qos=2\n";

/* Every packet label is a box of its own in the row its packet was sent
 * in, level with the sender's point and beside it on the receiver's side;
 * no label covers another label or any other box; and every lifeline
 * stays straight (one x for all its points). */
static void
test_sequence_burst_labels (void **state)
{
  Run r = run_text (burst_text);
  SesMqtt *mqtt = mqtt_of (&r);
  g_autofree char *dot = ses_diagram_sequence_dot (mqtt, NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) svg = ses_render_to_bytes (dot, "svg", &error);
  g_assert_no_error (error);
  g_autofree char *text = g_strndup (g_bytes_get_data (svg, NULL),
                                     g_bytes_get_size (svg));
  g_autoptr (GArray) nodes = svg_nodes (text);

  /* Lifeline points by lifeline and row, and the x of each lifeline. */
  GHashTable *point = g_hash_table_new (g_str_hash, g_str_equal);
  double line_x[4];
  gboolean line_seen[4] = { FALSE };
  for (guint i = 0; i < nodes->len; i++)
    {
      SvgNode *n = &g_array_index (nodes, SvgNode, i);
      guint l, row;
      if (!n->has_point || sscanf (n->id, "l%u_r%u", &l, &row) != 2)
        continue;
      assert_true (l < 4);
      g_hash_table_insert (point, n->id, n);
      if (!line_seen[l])
        line_x[l] = n->cx;
      line_seen[l] = TRUE;
      if (fabs (line_x[l] - n->cx) > 0.5)
        fail_msg ("lifeline %u bends: x %.1f at %s, %.1f above", l, n->cx,
                  n->id, line_x[l]);
    }

  guint labels = 0;
  for (guint i = 0; i < nodes->len; i++)
    {
      const SvgNode *a = &g_array_index (nodes, SvgNode, i);
      if (!g_str_has_prefix (a->id, "pkt_r"))
        continue;
      labels++;
      assert_true (a->has_box);
      /* The sender's point in that row: the only visible one of the row
       * that is closest to the label. */
      const char *row = a->id + 3;
      double best = G_MAXDOUBLE, cy = 0;
      for (guint l = 0; l < 4; l++)
        {
          g_autofree char *id = g_strdup_printf ("l%u%s", l, row);
          const SvgNode *p = g_hash_table_lookup (point, id);
          if (p == NULL)
            continue;
          double d = MIN (fabs (p->cx - a->x0), fabs (p->cx - a->x1));
          if (d < best)
            {
              best = d;
              cy = p->cy;
            }
        }
      /* Level with its row, and within half an inch of its sender. */
      assert_true (fabs ((a->y0 + a->y1) / 2 - cy) < 1.0);
      if (best > 36.0)
        fail_msg ("%s is %.1f pt from its sender", a->id, best);
      for (guint k = 0; k < nodes->len; k++)
        {
          const SvgNode *b = &g_array_index (nodes, SvgNode, k);
          if (k == i || !b->has_box)
            continue;
          if (boxes_overlap (a, b))
            fail_msg ("label %s overlaps %s", a->id, b->id);
        }
    }
  /* Every packet that arrived has its label. */
  const GArray *log = ses_mqtt_log (mqtt);
  guint received = 0;
  for (guint i = 0; i < log->len; i++)
    received += g_array_index (log, SesObs, i).kind == SES_OBS_RECEIVE;
  assert_true (received >= 60);
  assert_int_equal (labels, received);
  g_hash_table_unref (point);
  run_clear (&r);
}

static void
test_sequence_highlight (void **state)
{
  Run r = run_text (three_clients);
  SesMqtt *mqtt = mqtt_of (&r);
  /* On a note: the duplicate delivery. */
  guint at = find_obs (mqtt, SES_OBS_DELIVER, SES_PKT_F_DUP);
  const SesObs *o = &g_array_index (ses_mqtt_log (mqtt), SesObs, at);
  SesDiagramMark mark = {
    .invariant = "qos2-once", .time_us = o->time_us, .obs_index = at,
    .rule = "5.0 [MQTT-4.3.3-10]",
    .message = "sub received message 2.2 twice although the broker "
               "promised to deliver it once.",
  };
  g_autofree char *dot = ses_diagram_sequence_dot (mqtt, &mark);
  Agraph_t *g = parse_dot (dot);
  Agnode_t *v = find_node (g, "violation");
  assert_non_null (v);
  const char *label = attr (v, "label");
  assert_non_null (strstr (label, "VIOLATED: qos2-once"));
  assert_non_null (strstr (label, "5.0 [MQTT-4.3.3-10]"));
  assert_non_null (strstr (label, "at 5.020s"));
  assert_non_null (strstr (label, "twice"));
  Agnode_t *marked = node_labelled (g, "deliver \"20.4\" q1 (dup)");
  assert_non_null (marked);
  assert_string_equal (attr (marked, "penwidth"), "3");
  assert_string_equal (attr (marked, "color"), "#e00000");
  Agedge_t *link = agedge (g, marked, v, NULL, 0);
  assert_non_null (link);
  assert_string_equal (attr (link, "color"), "#e00000");
  agclose (g);

  /* On a packet: the arrow itself turns red and bold. */
  at = find_obs (mqtt, SES_OBS_RECEIVE, SES_PKT_F_DUP);
  mark.obs_index = at;
  mark.rule = NULL;
  mark.message = NULL;
  g_free (dot);
  dot = ses_diagram_sequence_dot (mqtt, &mark);
  g = parse_dot (dot);
  g_autoptr (GPtrArray) red = edges_where (g, "class", "violation");
  assert_int_equal (red->len, 1);
  assert_string_equal (attr (red->pdata[0], "penwidth"), "3");
  assert_non_null (strstr (arrow_text (g, red->pdata[0]), "dup"));
  assert_non_null (find_node (g, "violation"));
  agclose (g);

  /* On an observation the diagram would leave out: it is drawn. */
  at = find_obs (mqtt, SES_OBS_ACCEPTED, 0);
  mark.obs_index = at;
  g_free (dot);
  dot = ses_diagram_sequence_dot (mqtt, &mark);
  g = parse_dot (dot);
  marked = node_labelled (g, "accepted");
  assert_non_null (marked);
  assert_true (agedge (g, marked, find_node (g, "violation"), NULL, 0)
               != NULL);
  agclose (g);
  run_clear (&r);
}

static void
test_sequence_escapes_payloads (void **state)
{
  Run r = run_text ("mqtt 5\n"
                    "client sub id=s\n"
                    "client pub id=p\n"
                    "at 0s sub connect\n"
                    "at 0s sub subscribe \"t/#\" qos=1\n"
                    "at 1s pub connect\n"
                    "at 2s pub publish \"t/x\" \"a\\\"b\\\\c & <d> \\n\" "
                    "qos=1\n");
  SesMqtt *mqtt = mqtt_of (&r);
  g_autofree char *dot = ses_diagram_sequence_dot (mqtt, NULL);
  Agraph_t *g = parse_dot (dot);
  agclose (g);
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) svg = ses_render_to_bytes (dot, "svg", &error);
  g_assert_no_error (error);
  assert_svg_is_xml (svg);
  run_clear (&r);
}

static void
test_empty_run (void **state)
{
  /* A client that never connects: heads, no rows, no path; still valid. */
  Run r = run_text ("client idle id=nobody\n");
  SesMqtt *mqtt = mqtt_of (&r);
  SesDiagramMark mark = { "no-loss", 0, 0, NULL, "nothing happened" };
  g_autofree char *seq = ses_diagram_sequence_dot (mqtt, &mark);
  Agraph_t *g = parse_dot (seq);
  assert_non_null (find_node (g, "head0"));
  assert_non_null (find_node (g, "violation"));
  agclose (g);
  g_autofree char *life = ses_diagram_lifecycle_dot (mqtt, 0);
  g = parse_dot (life);
  g_autoptr (GPtrArray) path = edges_where (g, "class", "path");
  assert_int_equal (path->len, 0);
  assert_string_equal (attr (find_node (g, "no-session"), "peripheries"),
                       "2");
  agclose (g);
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) svg = ses_render_to_bytes (seq, "svg", &error);
  g_assert_no_error (error);
  assert_svg_is_xml (svg);
  run_clear (&r);
}

/* ---- golden files and files on disk -------------------------------------- */

static void
golden_for (const char *scenario)
{
  Run r = run_file (scenario);
  SesMqtt *mqtt = mqtt_of (&r);
  g_autofree char *stem = g_strndup (scenario, strlen (scenario) - 4);
  SesMqttConfig *cfg = ses_mqtt_config (mqtt);
  for (guint32 s = 0; s < ses_mqtt_config_n_sessions (cfg); s++)
    {
      g_autofree char *name = ses_diagram_session_name (mqtt, s);
      g_autofree char *file = g_strdup_printf ("%s.lifecycle-%s.dot", stem,
                                               name);
      g_autofree char *a = ses_diagram_lifecycle_dot (mqtt, s);
      g_autofree char *b = ses_diagram_lifecycle_dot (mqtt, s);
      assert_string_equal (a, b);
      check_golden (file, a);
    }
  g_autofree char *file = g_strdup_printf ("%s.sequence.dot", stem);
  g_autofree char *a = ses_diagram_sequence_dot (mqtt, NULL);
  check_golden (file, a);
  run_clear (&r);

  /* A second world from scratch gives the same bytes. */
  Run again = run_file (scenario);
  g_autofree char *b = ses_diagram_sequence_dot (mqtt_of (&again), NULL);
  assert_string_equal (a, b);
  run_clear (&again);
}

static void
test_golden_dot (void **state)
{
  golden_for ("03-persistent-session.scn");
  golden_for ("31-takeover-and-will-delay.scn");
  golden_for ("32-broker-restart-volatile.scn");
  g_autofree char *g5 = ses_diagram_generic_lifecycle_dot (SES_MQTT_5);
  check_golden ("generic-lifecycle-5.0.dot", g5);
  g_autofree char *g311 = ses_diagram_generic_lifecycle_dot (SES_MQTT_311);
  check_golden ("generic-lifecycle-3.1.1.dot", g311);
}


static void
test_write_all (void **state)
{
  g_autofree char *tmp = g_dir_make_tmp ("sessim-diagrams-XXXXXX", NULL);
  assert_non_null (tmp);
  g_autofree char *dir = g_build_filename (tmp, "out", "run", NULL);
  Run r = run_text (three_clients);
  SesMqtt *mqtt = mqtt_of (&r);
  g_autoptr (GError) error = NULL;
  const char *formats[] = { "dot", "svg", "png" };
  for (guint f = 0; f < G_N_ELEMENTS (formats); f++)
    {
      assert_true (ses_diagram_write_all (mqtt, "all", formats[f], dir, NULL,
                                          NULL, &error));
      g_assert_no_error (error);
      const char *stems[] = { "lifecycle-sub", "lifecycle-log",
                              "lifecycle-pub", "sequence" };
      for (guint i = 0; i < G_N_ELEMENTS (stems); i++)
        {
          g_autofree char *file = g_strdup_printf ("%s.%s", stems[i],
                                                   formats[f]);
          g_autofree char *path = g_build_filename (dir, file, NULL);
          g_autofree char *data = NULL;
          gsize size = 0;
          assert_true (g_file_get_contents (path, &data, &size, NULL));
          g_autoptr (GBytes) bytes = g_bytes_new (data, size);
          if (f == 0)
            {
              Agraph_t *g = parse_dot (data);
              agclose (g);
            }
          else if (f == 1)
            assert_svg_is_xml (bytes);
          else
            assert_png (bytes);
        }
    }
  /* Only what was asked for. */
  g_autofree char *only = g_build_filename (tmp, "only", NULL);
  assert_true (ses_diagram_write_all (mqtt, "sequence", "dot", only, NULL,
                                      NULL, &error));
  g_autofree char *lc = g_build_filename (only, "lifecycle-sub.dot", NULL);
  assert_false (g_file_test (lc, G_FILE_TEST_EXISTS));
  g_autofree char *sq = g_build_filename (only, "sequence.dot", NULL);
  assert_true (g_file_test (sq, G_FILE_TEST_EXISTS));

  assert_false (ses_diagram_write_all (mqtt, "states", "svg", dir, NULL, NULL,
                                       &error));
  assert_true (g_error_matches (error, SES_ERROR, SES_ERROR_INVALID));
  g_clear_error (&error);
  assert_false (ses_diagram_write_all (mqtt, "all", "pdf", dir, NULL, NULL,
                                       &error));
  assert_true (g_error_matches (error, SES_ERROR, SES_ERROR_UNSUPPORTED));
  g_clear_error (&error);

  g_autofree char *generic = g_build_filename (tmp, "generic.png", NULL);
  assert_true (ses_diagram_generic_lifecycle (SES_MQTT_311, "png", generic,
                                              &error));
  g_autofree char *data = NULL;
  gsize size = 0;
  assert_true (g_file_get_contents (generic, &data, &size, NULL));
  g_autoptr (GBytes) bytes = g_bytes_new (data, size);
  assert_png (bytes);
  run_clear (&r);
  test_remove_tree (tmp);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_dot_builder_text),
    cmocka_unit_test (test_dot_builder_numbers_and_escapes),
    cmocka_unit_test (test_render_errors),
    cmocka_unit_test (test_render_svg_and_png),
    cmocka_unit_test (test_render_graph_as_text),
    cmocka_unit_test (test_lifecycle_persistent_session),
    cmocka_unit_test (test_lifecycle_takeover),
    cmocka_unit_test (test_lifecycle_restart_and_v311),
    cmocka_unit_test (test_generic_lifecycles),
    cmocka_unit_test (test_sequence_structure),
    cmocka_unit_test (test_sequence_filtered),
    cmocka_unit_test (test_sequence_burst_labels),
    cmocka_unit_test (test_sequence_highlight),
    cmocka_unit_test (test_sequence_folds_idle_time),
    cmocka_unit_test (test_sequence_escapes_payloads),
    cmocka_unit_test (test_empty_run),
    cmocka_unit_test (test_golden_dot),
    cmocka_unit_test (test_write_all),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
