/* Trails: the sequence of choices that makes a run, written as text so a
 * counterexample can be replayed, read, diffed and mailed. The format:
 *
 *     # any comment
 *     sessim 0.1.0                  the program version that wrote it
 *     scenario path/to/file.scn     the scenario, as given on the command line
 *     seed 1
 *     event 17                      take the pending event with this
 *                                   insertion counter
 *     fault 1 0                     inject fault kind 1 on target 0
 *
 * Choices name events by insertion counter, which is deterministic given
 * the choices before them, so replaying the lines in order reproduces the
 * run exactly. */
#pragma once

#include <glib.h>
#include "world.h"

typedef struct {
  char *version;
  char *scenario;
  guint64 seed;
  GArray *choices; /* (element-type SesChoice) */
} SesTrail;

SesTrail *ses_trail_new (const char *scenario, guint64 seed);
void ses_trail_free (SesTrail *trail);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SesTrail, ses_trail_free)
/* (transfer full) */
char *ses_trail_to_text (const SesTrail *trail);
/* Errors are located: "path:line:col: error: …". */
SesTrail *ses_trail_parse (const char *path, const char *text, gsize length,
                           GError **error);
SesTrail *ses_trail_load (const char *path, GError **error);
