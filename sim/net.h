/* Simulated network connections.
 *
 * There is one connection slot per client. Each (re)connection opens a new
 * generation of its slot; a stale generation is simply dead, so an end that
 * still believes in an old connection (half-open) sends into the void. A
 * connection is two FIFO queues, one per direction, with a fixed latency.
 * Messages are opaque fixed-size byte blobs, copied in and out, so the net is
 * cheap to copy and to encode and knows nothing of what it carries.
 *
 * The net never schedules anything itself: send and close return the time at
 * which something arrives, and the world turns that into an event. */
#pragma once

#include <glib.h>
#include "clock.h"
#include "encode.h"

typedef enum {
  SES_NET_CLIENT = 0, /* the end that opened the connection */
  SES_NET_SERVER = 1,
} SesNetEnd;

#define SES_NET_PEER(end) ((SesNetEnd) (1 - (end)))

typedef enum {
  SES_NET_ARRIVAL_NONE,    /* stale event: nothing arrives */
  SES_NET_ARRIVAL_MESSAGE, /* a message arrived; copied to out */
  SES_NET_ARRIVAL_CLOSE,   /* the peer closed cleanly; this end is now down */
} SesNetArrival;

typedef struct _SesNet SesNet;

SesNet *ses_net_new (guint n_slots, gsize msg_size);
void ses_net_free (SesNet *net);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SesNet, ses_net_free)
SesNet *ses_net_copy (const SesNet *net);
/* Makes dest (NULL: a new net) a copy of src in dest's block while it
 * has room (a bigger block otherwise; a new one if dest has another
 * number of slots or message size), leaving each queue a little room to
 * grow; returns it. A net copied into again and again stops allocating. */
SesNet *ses_net_copy_into (SesNet *dest, const SesNet *src);

guint ses_net_n_slots (const SesNet *net);
gsize ses_net_msg_size (const SesNet *net);
void ses_net_set_latency (SesNet *net, guint slot, SesTime latency_us);
/* Starts loading slot's record into the cache, for an arrival soon to
 * come. A hint: nothing happens for a slot out of range. */
void ses_net_prefetch (const SesNet *net, guint slot);
/* Starts loading the entry that arrives next at end `to` of slot, once the
 * slot itself is in the cache (ses_net_prefetch, an event earlier). */
void ses_net_prefetch_head (const SesNet *net, guint slot, SesNetEnd to);
SesTime ses_net_get_latency (const SesNet *net, guint slot);

/* Opens a new generation on slot, dropping whatever the previous one still
 * had in flight. Returns the new generation (never 0). */
guint32 ses_net_open (SesNet *net, guint slot);
guint32 ses_net_generation (const SesNet *net, guint slot);
/* Whether this end of the slot's current generation believes it is open. */
gboolean ses_net_is_up (const SesNet *net, guint slot, guint32 gen,
                        SesNetEnd end);
/* Whether packets can still cross (no cut, no half-open, no close). */
gboolean ses_net_wire_up (const SesNet *net, guint slot, guint32 gen);
guint ses_net_in_flight (const SesNet *net, guint slot, SesNetEnd toward);
/* The i-th message in flight toward `toward` (0: the next to arrive), or
 * NULL past the last one or for a close; valid until the net changes. Lets
 * a model say what a cut is about to destroy. (transfer none) */
const void *ses_net_peek (const SesNet *net, guint slot, SesNetEnd toward,
                          guint i);

/* Queues msg from `from` to its peer. Returns the arrival time, or
 * SES_TIME_NONE if the message is lost (stale generation, or a wire that is
 * down because of a cut or half-open). */
SesTime ses_net_send (SesNet *net, guint slot, guint32 gen, SesNetEnd from,
                      const void *msg, SesTime now);
/* Clean close by `from`: that end is down at once; the peer learns of it
 * after everything already in flight toward it. Returns when it learns, or
 * SES_TIME_NONE if it never will (the wire is down). */
SesTime ses_net_close (SesNet *net, guint slot, guint32 gen, SesNetEnd from,
                       SesTime now);
/* Takes what arrives at `to` now. */
SesNetArrival ses_net_arrive (SesNet *net, guint slot, guint32 gen,
                              SesNetEnd to, void *out);
/* Cut: everything in flight is lost and both ends are down. Returns a bit
 * mask (1 << end) of the ends that were up, which the caller must notify. */
guint ses_net_cut (SesNet *net, guint slot, guint32 gen);
/* Half-open: everything in flight is lost; the aware end is down, the
 * unaware end goes on believing. Returns TRUE if the aware end was up and
 * must be notified. */
gboolean ses_net_half_open (SesNet *net, guint slot, guint32 gen,
                            SesNetEnd unaware);
/* Marks `end` down without telling the peer (a crash, or giving up on a
 * half-open connection). */
void ses_net_abandon (SesNet *net, guint slot, guint32 gen, SesNetEnd end);

/* Canonical bytes of the whole net; arrival times relative to now. */
void ses_net_encode (const SesNet *net, SesTime now, GByteArray *out);
void ses_net_encode_to (const SesNet *net, SesTime now, SesEncoder *out);
