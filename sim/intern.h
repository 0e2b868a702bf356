/* String interning: each distinct string gets a small integer id, in order of
 * first appearance (id 0 means "no string"). Model state then holds plain ids,
 * so it can be copied with memcpy and encoded without pointers. Ids depend
 * only on the order strings are interned, which a scenario fixes. */
#pragma once

#include <glib.h>

typedef struct _SesIntern SesIntern;

SesIntern *ses_intern_new (void);
void ses_intern_free (SesIntern *intern);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SesIntern, ses_intern_free)

/* Returns the id of str, adding it if new. str may be NULL: id 0. */
guint32 ses_intern_add (SesIntern *intern, const char *str);
/* Returns the id of str, or 0 if it was never interned. */
guint32 ses_intern_lookup (const SesIntern *intern, const char *str);
/* (transfer none) NULL for id 0 or an unknown id. */
const char *ses_intern_get (const SesIntern *intern, guint32 id);
/* Number of ids handed out, plus one for id 0. */
guint32 ses_intern_size (const SesIntern *intern);
