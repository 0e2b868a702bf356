/* Graphs to SVG or PNG through libgvc, in this process: a graph built with
 * cgraph (sim/dot.c) is laid out as it is, DOT text is read first. Graphviz reports
 * problems through cgraph's error hook; we take them over for the duration
 * of a call so that nothing reaches stderr and a failure carries Graphviz's
 * own words. The output depends only on the text (and the Graphviz version
 * and fonts): the SVG has no timestamp, the PNG has no time chunk. */
#include "render.h"

#include <errno.h>
#include <string.h>

#include <gvc.h>

#include "dot.h"
#include "error.h"

gboolean
ses_render_format_supported (const char *format)
{
  return g_strcmp0 (format, "dot") == 0 || g_strcmp0 (format, "svg") == 0
         || g_strcmp0 (format, "png") == 0;
}

/* Graphviz's messages during one call. cgraph's hook is process-wide and
 * takes no user data, so the collector is too; rendering is not meant to
 * run on two threads at once. */
static GString *gv_messages;

static int
collect_message (char *text)
{
  if (gv_messages != NULL)
    g_string_append (gv_messages, text);
  return 0;
}

/* One Graphviz context for the whole process, never freed. Graphviz 2.43's
 * pango text layout caches a pointer to the last font name it measured,
 * and that name lives in the context's font dictionary: freeing the
 * context and making a new one leaves the cache pointing at freed memory
 * (AddressSanitizer finds the read in textspan_size). Keeping the context
 * also saves loading the plugins on every call. */
static GVC_t *
shared_context (void)
{
  static GVC_t *gvc;
  if (g_once_init_enter (&gvc))
    g_once_init_leave (&gvc, gvContext ());
  return gvc;
}

static char *
messages_text (void)
{
  g_autofree char *text = g_strdup (gv_messages->str);
  return g_strdup (g_strstrip (text));
}

/* Lays out g and renders it in format ("svg" or "png"); a failure is a
 * SES_ERROR with Graphviz's own words. The message hook is already ours. */
static GBytes *
layout_and_render (Agraph_t *g, const char *format, GError **error)
{
  GVC_t *gvc = shared_context ();
  const char *engine = agget (g, (char *) "layout");
  if (engine == NULL || engine[0] == '\0')
    engine = "dot";
  if (gvLayout (gvc, g, engine) != 0)
    {
      g_autofree char *why = messages_text ();
      g_set_error (error, SES_ERROR, SES_ERROR_INVALID,
                   "Graphviz layout '%s' failed: %s", engine,
                   why[0] ? why : "no reason given");
      return NULL;
    }
  GBytes *result = NULL;
  char *data = NULL;
  unsigned int length = 0;
  /* Cairo draws antialiased PNGs; the plain renderer is the fallback. */
  int rc = strcmp (format, "png") == 0
             ? gvRenderData (gvc, g, "png:cairo", &data, &length)
             : gvRenderData (gvc, g, "svg", &data, &length);
  if (rc != 0 && strcmp (format, "png") == 0)
    {
      gvFreeRenderData (data);
      data = NULL;
      rc = gvRenderData (gvc, g, "png", &data, &length);
    }
  if (rc != 0 || data == NULL)
    {
      g_autofree char *why = messages_text ();
      g_set_error (error, SES_ERROR, SES_ERROR_UNSUPPORTED,
                   "Graphviz cannot render %s: %s", format,
                   why[0] ? why : "no renderer");
    }
  else
    result = g_bytes_new (data, length);
  gvFreeRenderData (data);
  gvFreeLayout (gvc, g);
  return result;
}

static gboolean
check_format (const char *format, GError **error)
{
  if (ses_render_format_supported (format))
    return TRUE;
  g_set_error (error, SES_ERROR, SES_ERROR_UNSUPPORTED,
               "unknown diagram format '%s' (use dot, svg or png)",
               format != NULL ? format : "");
  return FALSE;
}

/* Every message goes to our hook (warnings included, so none is kept in
 * cgraph's temporary file or printed); agerrors() tells errors apart. */
static agusererrf
hook_messages (agerrlevel_t *old_level)
{
  gv_messages = g_string_new (NULL);
  agusererrf old_hook = agseterrf (collect_message);
  *old_level = agseterr (AGWARN);
  agreseterrors ();
  return old_hook;
}

static void
unhook_messages (agusererrf old_hook, agerrlevel_t old_level)
{
  agseterr (old_level);
  agseterrf (old_hook);
  agreseterrors ();
  g_string_free (gv_messages, TRUE);
  gv_messages = NULL;
}

GBytes *
ses_render_to_bytes (const char *dot_text, const char *format, GError **error)
{
  g_return_val_if_fail (dot_text != NULL, NULL);
  if (!check_format (format, error))
    return NULL;
  if (strcmp (format, "dot") == 0)
    return g_bytes_new (dot_text, strlen (dot_text));

  agerrlevel_t old_level;
  agusererrf old_hook = hook_messages (&old_level);
  GBytes *result = NULL;
  Agraph_t *g = agmemread (dot_text);
  if (g == NULL || agerrors () > 0)
    {
      g_autofree char *why = messages_text ();
      g_set_error (error, SES_ERROR, SES_ERROR_PARSE,
                   "Graphviz cannot read the DOT text: %s",
                   why[0] ? why : "syntax error");
    }
  else
    result = layout_and_render (g, format, error);
  if (g != NULL)
    agclose (g);
  unhook_messages (old_hook, old_level);
  return result;
}

GBytes *
ses_render_dot_to_bytes (const SesDot *dot, const char *format,
                         GError **error)
{
  g_return_val_if_fail (dot != NULL, NULL);
  if (!check_format (format, error))
    return NULL;
  if (strcmp (format, "dot") == 0)
    {
      char *text = ses_dot_to_string (dot);
      return g_bytes_new_take (text, strlen (text));
    }
  agerrlevel_t old_level;
  agusererrf old_hook = hook_messages (&old_level);
  Agraph_t *g = ses_dot_to_graph (dot);
  GBytes *result = layout_and_render (g, format, error);
  agclose (g);
  unhook_messages (old_hook, old_level);
  return result;
}

/* Writes bytes to file whole, creating its folder. */
static gboolean
write_whole (GBytes *bytes, const char *file, GError **error)
{
  g_autofree char *dir = g_path_get_dirname (file);
  if (g_mkdir_with_parents (dir, 0755) != 0)
    {
      int saved = errno;
      g_set_error (error, SES_ERROR, SES_ERROR_IO, "cannot create %s: %s",
                   dir, g_strerror (saved));
      return FALSE;
    }
  gsize size = 0;
  const char *data = g_bytes_get_data (bytes, &size);
  g_autoptr (GError) ferr = NULL;
  /* g_file_set_contents writes a temporary file and renames it. */
  if (!g_file_set_contents (file, data != NULL ? data : "", (gssize) size,
                            &ferr))
    {
      g_set_error (error, SES_ERROR, SES_ERROR_IO, "%s", ferr->message);
      return FALSE;
    }
  return TRUE;
}

gboolean
ses_render_dot_to_file (const SesDot *dot, const char *format,
                        const char *file, GError **error)
{
  g_autoptr (GBytes) bytes = ses_render_dot_to_bytes (dot, format, error);
  if (bytes == NULL)
    {
      g_prefix_error (error, "%s: ", file);
      return FALSE;
    }
  return write_whole (bytes, file, error);
}

gboolean
ses_render_to_file (const char *dot_text, const char *format,
                    const char *file, GError **error)
{
  g_autoptr (GBytes) bytes = ses_render_to_bytes (dot_text, format, error);
  if (bytes == NULL)
    {
      g_prefix_error (error, "%s: ", file);
      return FALSE;
    }
  return write_whole (bytes, file, error);
}
