/* Rendering graphs in-process with Graphviz's libgvc (never by running
 * `dot`): a graph built with sim/dot.c as it is, or DOT text; and writing
 * the result whole: a temporary file, then a rename.
 * Formats: "dot" (the text itself), "svg", "png". The layout engine is the
 * graph's `layout` attribute, else dot. */
#pragma once

#include <glib.h>

#include "dot.h"

/* TRUE for "dot", "svg" and "png". */
gboolean ses_render_format_supported (const char *format);

/* The rendered bytes. Bad DOT text or a failing layout is a SES_ERROR
 * (SES_ERROR_PARSE, SES_ERROR_UNSUPPORTED for an unknown format) with
 * Graphviz's own message; nothing is printed on stderr. (transfer full) */
GBytes *ses_render_to_bytes (const char *dot_text, const char *format,
                             GError **error);

/* Renders and writes path whole, creating its folder if needed
 * (SES_ERROR_IO when that fails). */
gboolean ses_render_to_file (const char *dot_text, const char *format,
                             const char *path, GError **error);

/* The same for a graph built with sim/dot.c, laid out as built (no text in
 * between); "dot" gives its text, ses_dot_to_string(). */
GBytes *ses_render_dot_to_bytes (const SesDot *dot, const char *format,
                                 GError **error);
gboolean ses_render_dot_to_file (const SesDot *dot, const char *format,
                                 const char *path, GError **error);
