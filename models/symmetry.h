/* Symmetry reduction for the model checker: clients that are
 * interchangeable (the same settings and the same script but for their
 * names) are explored once up to renaming, as TLC's symmetry sets do.
 *
 * The classes are worked out once from the configuration; the explorer then
 * stores, for each state, the fingerprint of one canonical renaming of it
 * (ses_symmetry_fingerprint), while the worlds it keeps and the trail it
 * builds stay concrete, so a counterexample replays as found. */
#pragma once

#include <glib.h>
#include "explore.h"
#include "invariant.h"
#include "mqtt.h"

typedef struct _SesSymmetry SesSymmetry;

/* The classes of interchangeable clients of cfg, from which a world must
 * have been built (ses_mqtt_world_new settles the order of its actions).
 * Two clients are interchangeable when their settings, scripts, fault
 * settings (faults_on: bit per client, 0: all; by_client and
 * client_budgets as in SesCheckOptions) agree, each has a named ClientId
 * of its own, and neither publishes or leaves a will: messages name their
 * publisher, which a renaming would then have to follow. Any other client
 * is in a class of its own. (transfer full) */
SesSymmetry *ses_symmetry_new (SesMqttConfig *cfg, guint32 faults_on,
                               guint32 by_client,
                               const guint8 (*client_budgets)
                                 [SES_EXPLORE_TARGETS]);
void ses_symmetry_free (SesSymmetry *sym);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SesSymmetry, ses_symmetry_free)

/* The classes of two or more clients (element-type GArray of guint32
 * client indexes, ascending), in the order of their first member.
 * (transfer none) */
const GPtrArray *ses_symmetry_classes (const SesSymmetry *sym);

/* The fingerprint of world (a world of sym's configuration) and inv (its
 * judge; NULL: none, digest 0) up to a renaming of interchangeable
 * clients: that of the state with the members of each class put in a
 * canonical order, every reference to them renamed. Only members whose
 * scripted actions are all done take part: the script still to run names
 * the others. spent[class][client] are the faults each client has had in
 * the classes budgeted per client, part of what orders them; rename[c] is
 * set to the name client c takes (identity for c beyond the clients and
 * for clients not renamed). Combines the world's part and the judge's
 * (ses_invariants_digest_renamed) as the explorer combines
 * ses_world_fingerprint() and the monitor's digest, but is not that value
 * even where nothing is renamed: a search uses one or the other for every
 * state. Safe on distinct worlds from several threads at once. */
guint64 ses_symmetry_fingerprint (const SesSymmetry *sym, SesWorld *world,
                                  const SesInvariants *inv,
                                  const guint8 (*spent)[SES_EXPLORE_TARGETS],
                                  guint8 *rename);
/* The same, and appends to bytes the canonical world encoding it hashes
 * (ses_world_encode()'s layout, renamed), for tests. */
guint64 ses_symmetry_encode (const SesSymmetry *sym, SesWorld *world,
                             const SesInvariants *inv,
                             const guint8 (*spent)[SES_EXPLORE_TARGETS],
                             guint8 *rename, GByteArray *bytes);
