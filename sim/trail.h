/* Trails: the sequence of choices that makes a run, written as text so a
 * counterexample can be replayed, read, diffed and mailed. The format:
 *
 *     # any comment
 *     sessim 0.1.0                  the program version that wrote it
 *     build "v0.1.0-12-g1136c6d"    (optional) the build that wrote it
 *                                   (`git describe`); older trails lack it
 *     scenario path/to/file.scn     the scenario, as given on the command line
 *     digest "sha256:…"             (optional) the scenario's bytes when
 *                                   the trail was written
 *     seed 1
 *     embed "mqtt 5"                (optional) the scenario itself, one
 *                                   line each, so the trail stands alone
 *     event 17  # 1.010000s …       take the pending event with this
 *                                   insertion counter (the comment says
 *                                   what it was; it is not read back)
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
  char *build;     /* (nullable) the build that wrote it, `git describe` of
                      its checkout; the engine only carries it (the
                      application knows its build) */
  char *scenario;
  guint64 seed;
  GArray *choices; /* (element-type SesChoice) */
  char *digest;    /* (nullable) of the scenario's bytes, "sha256:HEX"; the
                      engine only carries it (the application computes it) */
  char *embedded;  /* (nullable) the scenario's text, byte for byte */
  GPtrArray *notes; /* (nullable) (element-type utf8) a comment for each
                       choice, written after it; not read back */
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
