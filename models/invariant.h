/* The wire judge: properties every run must keep, decided from what
 * crosses the wire and from the configuration only, never from the broker
 * model's state or its own account of what it did. It keeps a reference of
 * what the broker must hold (sessions and their deadlines, subscriptions,
 * owed copies, ids in use, wills, quotas) and of what each client believes,
 * checks every wire event as it comes and, for loss, judges at quiescence
 * (a session's client connected, nothing in flight). A broken invariant is
 * a result (SesViolation), never an error or an abort: the same code judges
 * `run`, `check` and a recorded trace (`sessim judge`). docs/invariants.md lists each
 * one with the rules it enforces. */
#pragma once

#include <glib.h>
#include "mqtt.h"
#include "world.h"

typedef enum {
  SES_INV_NO_LOSS = 0,          /* "no-loss": QoS 1/2 never lost while the
                                   session lives */
  SES_INV_QOS2_ONCE,            /* "qos2-once": QoS 2 delivered at most once */
  SES_INV_QOS1_AT_LEAST_ONCE,   /* "qos1-at-least-once" */
  SES_INV_ORDER,                /* "order": per publisher and topic */
  SES_INV_SESSION_PRESENT,      /* "session-present": CONNACK flag correct */
  SES_INV_PACKET_ID,            /* "packet-id": unique while in flight */
  SES_INV_DUP,                  /* "dup": DUP set exactly on resends */
  SES_INV_SESSION_EXPIRY,       /* "session-expiry": ended at expiry, never
                                   resumed after */
  SES_INV_WILL,                 /* "will": published when and only when due */
  SES_INV_RECEIVE_MAXIMUM,      /* "receive-maximum" */
  SES_INV_MESSAGE_EXPIRY,       /* "message-expiry": expired copies never
                                   delivered */
  SES_INV_TAKEOVER,             /* "takeover": 5.0 DISCONNECT 0x8E to the
                                   connection taken over */
  SES_INV_SUBSCRIPTION,         /* "subscription": copies only to matching
                                   subscriptions, at most the granted QoS */
  SES_INV_KEEP_ALIVE,           /* "keep-alive": the broker closes an idle
                                   connection at 1.5 x Keep Alive, not before */
  SES_INV_COHERENCE,            /* "coherence": a client's belief about its
                                   session matches the session it is in */
  SES_INV_COMPLETION,           /* "completion": at quiescence no QoS 1/2
                                   exchange is left half done */
  SES_INV_COUNT,
} SesInvariantId;

typedef struct {
  SesInvariantId id;
  SesTime time_us;     /* when it broke */
  guint64 obs_index;   /* index in the observation stream of the
                          observation that showed it (for the trace) */
  const char *rule;    /* "5.0 [MQTT-3.1.2-4]" or NULL */
  char *message;       /* one sentence: what happened, to whom */
} SesViolation;

typedef struct _SesInvariants SesInvariants;

/* Names, in SesInvariantId order, and lookup. */
const char *ses_invariant_name (SesInvariantId id);
/* One sentence saying what the invariant protects. */
const char *ses_invariant_summary (SesInvariantId id);
gboolean ses_invariant_lookup (const char *name, SesInvariantId *out);

/* Watches one run. `disabled` has bit (1 << id) set for each invariant
 * switched off. Installs itself as the model's observer. */
SesInvariants *ses_invariants_new (SesWorld *world, guint32 disabled);
/* A judge of a recorded stream (a trace read back, a real broker's run):
 * the same checks, fed by the caller with ses_invariants_observe() and
 * ended with ses_invariants_finish_at(). Observation indexes count from 0.
 * It takes a reference on cfg. */
SesInvariants *ses_invariants_new_for_config (SesMqttConfig *cfg,
                                              guint32 disabled);
/* TRUE for the observations the judge reads: packets as they leave and
 * reach either end of a connection (or are lost), closes each end sees,
 * faults the scenario or the driver injected, and what a client's
 * application gets or its library decides. Everything else is the broker
 * model's account of itself, which the judge never reads. */
gboolean ses_invariants_reads (SesObsKind kind);
void ses_invariants_free (SesInvariants *inv);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SesInvariants, ses_invariants_free)
/* Feeds one observation to the checks. The observer that `new` installs
 * calls it; a caller may also judge a recorded or hand-made stream with it
 * (observations count from the model's observation counter at `new`). */
void ses_invariants_observe (SesInvariants *inv, const SesObs *obs);
/* Called with the rule ("5.0 [MQTT-3.1.2-4]") of every observation that
 * cites one, for rule coverage. Copies inherit it, so with a parallel
 * search it is called from several threads at once. */
typedef void (*SesRuleSink) (const char *rule, gpointer data);
/* Lets deadlines (session expiry, will delay, keep alive) be met this far
 * off either way: for a real broker's trace, whose timers and clock are not
 * the reference's instants (conform). 0 (the default): exact. */
void ses_invariants_set_tolerance (SesInvariants *inv, SesTime tolerance_us);
void ses_invariants_set_rule_sink (SesInvariants *inv, SesRuleSink sink,
                                   gpointer data);
/* The checks that need the end of the run: call once the run has stopped. */
void ses_invariants_finish (SesInvariants *inv);
/* The same for a judge made with ses_invariants_new_for_config(): the run
 * ended at end_us (no earlier than the last observation). */
void ses_invariants_finish_at (SesInvariants *inv, SesTime end_us);
/* For the model checker, which copies the world at every step and merges
 * the paths that reach the same state.
 *
 * A deep copy of inv, attached to world: a copy of inv's world made with
 * ses_world_copy() (same configuration; not inv's own world). The copy
 * installs itself as the observer of world's model, replacing the pointer
 * that model inherited from the original, and keeps the violations found
 * so far. Copies and the original then go on independently, and may be
 * freed in any order; what never changes during the run is shared by all
 * of them (reference-counted atomically), the rest is one allocation, so
 * distinct checkers may be copied, digested, fed and freed from different
 * threads at once, and one checker copied from several. Free the copy
 * before its world. (transfer full) */
SesInvariants *ses_invariants_copy (const SesInvariants *inv, SesWorld *world);
/* ses_invariants_copy without a reference on what the run shares: free it
 * while inv, or another checker of the same run made by
 * ses_invariants_new() or ses_invariants_copy(), still lives (the
 * explorer's states; see ses_world_copy_borrowing()). (transfer full) */
SesInvariants *ses_invariants_copy_borrowing (const SesInvariants *inv,
                                              SesWorld *world);
/* The same copy made into dest, a copy of the same run's checker (or
 * NULL: a new one), reusing dest's block when the copy fits in it; the
 * explorer's scratch child is copied into again for every successor it
 * tries. dest's own world, if it was another, may already be gone: dest
 * never reads it. Returns the copy (dest, or what replaced it).
 * (transfer full) */
SesInvariants *ses_invariants_copy_into (SesInvariants *dest,
                                         const SesInvariants *inv,
                                         SesWorld *world);
/* A 64-bit digest of the state that can still change a later verdict: two
 * checkers that may judge some continuation differently have different
 * digests; two that judge every continuation alike have equal digests as
 * far as practical. Leaves out history that cannot matter (violations
 * already found, observation indexes, times that only appear in messages,
 * caches, settled copies); times count from the world's clock, as in
 * ses_world_encode(). Independent of addresses and hash table order. To be
 * combined with ses_world_fingerprint() of inv's world. */
guint64 ses_invariants_digest (const SesInvariants *inv);
/* The same digest, of the state with clients and sessions renamed (for the
 * checker's symmetry reduction): client client_order[i] (session
 * session_order[i]) takes place i, and every reference to a client
 * (session) goes through client_rename (session_rename), the inverse
 * permutation. Message origins are left as they are: the caller renames
 * only clients that publish nothing. It leaves out whose connection set a
 * will while the session holds none (a stale slot that would tell renamed
 * twins apart), so even with identities it may differ from
 * ses_invariants_digest(): use one or the other throughout a search. */
guint64 ses_invariants_digest_renamed (const SesInvariants *inv,
                                       const guint32 *client_order,
                                       const guint32 *client_rename,
                                       const guint32 *session_order,
                                       const guint32 *session_rename);
/* A digest of what the judge holds about one client and the session it
 * alone connects as, that does not depend on the client's index: for
 * ordering interchangeable clients. */
guint64 ses_invariants_client_digest (const SesInvariants *inv,
                                      guint32 client, guint32 session);
/* (element-type SesViolation) in the order found; at most one per
 * (invariant, message) so a broken rule does not flood the report. Valid
 * until inv is next fed, finished or freed (an empty one is shared, and
 * must not be changed). */
const GArray *ses_invariants_violations (const SesInvariants *inv);
