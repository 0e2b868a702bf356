/* The explorer's visited set, in one of three storage modes: whole 64-bit
 * fingerprints (exact up to fingerprint collisions), hash compaction (32
 * bits a state, the table index standing for more) and bitstate (k bits
 * of a bit array a state, SPIN's supertrace). The two compact modes may
 * take a new state for one already seen, and so miss it and what only it
 * leads to; each mode keeps, as states are added, the figures its estimate
 * of that probability needs. */
#pragma once

#include <glib.h>

typedef enum {
  SES_STORAGE_FP64 = 0,   /* 64-bit fingerprints; the table grows */
  SES_STORAGE_HC = 1,     /* 32 bits a state in 2^bits slots, fixed */
  SES_STORAGE_BITSTATE = 2, /* 2^bits bits, `hashes` set a state, fixed */
} SesStorage;

/* The widths --bits may take: hash compaction keeps 32 bits of the
 * fingerprint beside at most 32 index bits; a bit array of 2^40 bits is
 * 128 GiB. */
#define SES_STATESET_HC_BITS_MIN 8
#define SES_STATESET_HC_BITS_MAX 32
#define SES_STATESET_BITSTATE_BITS_MIN 8
#define SES_STATESET_BITSTATE_BITS_MAX 40
#define SES_STATESET_HASHES_MAX 16
/* Bitstate's bits a state when none is given, as SPIN's -k. */
#define SES_STATESET_HASHES_DEFAULT 3

typedef enum {
  SES_STATESET_NEW,    /* not there before; now it is */
  SES_STATESET_SEEN,   /* there already (or taken for one that is) */
  SES_STATESET_FULL,   /* hash compaction only: no room; not added */
} SesStatesetAdd;

typedef struct _SesStateset SesStateset;

/* bits: log2 of the slots (hc) or bits (bitstate); ignored by fp64, whose
 * table starts small and doubles. hashes: bits set a state (bitstate; 0:
 * SES_STATESET_HASHES_DEFAULT). */
SesStateset *ses_stateset_new (SesStorage mode, guint bits, guint hashes);
void ses_stateset_free (SesStateset *set);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SesStateset, ses_stateset_free)

/* Read only: threads may call it at once while nobody adds. */
gboolean ses_stateset_contains (const SesStateset *set, guint64 fp);
SesStatesetAdd ses_stateset_add (SesStateset *set, guint64 fp);

SesStorage ses_stateset_mode (const SesStateset *set);
guint ses_stateset_bits (const SesStateset *set);   /* 0 for fp64 */
guint ses_stateset_hashes (const SesStateset *set); /* 0 unless bitstate */
guint64 ses_stateset_count (const SesStateset *set); /* adds that were NEW */
/* Memory the set holds (its table or bit array, allocated). */
guint64 ses_stateset_bytes (const SesStateset *set);
/* How full: slots used (fp64, hc) or bits set (bitstate), as a fraction. */
double ses_stateset_fill (const SesStateset *set);
/* An estimate of the probability that at least one state added was taken
 * for one already there, so that it and its successors may have been
 * missed. fp64: the birthday bound on 64-bit fingerprints; hc: that, plus
 * for every new state the chance that one of the 32-bit values it was
 * compared with matched; bitstate: that, plus for every new state the
 * chance that its k bits were all set already (the fill ratio to the k,
 * Holzmann's estimate). The sum is an expected number of misses m; the
 * estimate is 1 - exp(-m). */
double ses_stateset_miss_probability (const SesStateset *set);
/* What the estimate is called: "birthday bound", ... (transfer none) */
const char *ses_stateset_bound_name (SesStorage mode);

/* "fp64", "hc", "bitstate". (transfer none) */
const char *ses_storage_name (SesStorage mode);
gboolean ses_storage_from_name (const char *name, SesStorage *mode);
/* A width for a search of at most max_states states (0: no limit): for hc,
 * the smallest table that holds them three quarters full (2^16 to 2^26
 * slots); for bitstate, 128 bits a state (2^20 to 2^32 bits); 0 for fp64. */
guint ses_stateset_default_bits (SesStorage mode, guint64 max_states);
