/* The visited set in its three storage modes. Invariant: a set only
 * grows, and what it answers depends only on the fingerprints added and
 * their order (never on addresses or threads), so a search is the same
 * on every run; every figure of the miss estimate is gathered in add(),
 * which one thread calls in the search's serial order. */
#include "stateset.h"
#include "rng.h"

#include <math.h>

struct _SesStateset {
  SesStorage mode;
  guint bits;
  guint hashes;
  guint64 count;
  /* fp64: 64-bit slots, 0 empty (a fingerprint of 0 is stored as 1).
   * hc: 32-bit slots, likewise. bitstate: 64-bit words of bits. */
  gpointer table;
  guint64 mask;          /* slots - 1, or bits - 1 */
  guint64 used;          /* bitstate: bits set */
  /* hc: the stored values new states were compared with, in all. */
  guint64 compared;
  /* bitstate: the sum, over new states, of the fill ratio to the k when
   * each was added. */
  double false_seen;
};

/* hc stops taking states past seven eighths full: linear probing slows
 * down sharply beyond, and every probe is one more chance of a false
 * match. */
#define HC_FULL_NUM 7
#define HC_FULL_DEN 8

SesStateset *
ses_stateset_new (SesStorage mode, guint bits, guint hashes)
{
  SesStateset *s = g_new0 (SesStateset, 1);
  s->mode = mode;
  switch (mode)
    {
    case SES_STORAGE_FP64:
      s->mask = (1u << 10) - 1;
      s->table = g_new0 (guint64, s->mask + 1);
      break;
    case SES_STORAGE_HC:
      g_return_val_if_fail (bits >= SES_STATESET_HC_BITS_MIN
                            && bits <= SES_STATESET_HC_BITS_MAX, NULL);
      s->bits = bits;
      s->mask = (G_GUINT64_CONSTANT (1) << bits) - 1;
      s->table = g_new0 (guint32, s->mask + 1);
      break;
    case SES_STORAGE_BITSTATE:
      g_return_val_if_fail (bits >= SES_STATESET_BITSTATE_BITS_MIN
                            && bits <= SES_STATESET_BITSTATE_BITS_MAX, NULL);
      g_return_val_if_fail (hashes <= SES_STATESET_HASHES_MAX, NULL);
      s->bits = bits;
      s->hashes = hashes != 0 ? hashes : SES_STATESET_HASHES_DEFAULT;
      s->mask = (G_GUINT64_CONSTANT (1) << bits) - 1;
      s->table = g_new0 (guint64, (s->mask >> 6) + 1);
      break;
    default:
      g_return_val_if_reached (NULL);
    }
  return s;
}

void
ses_stateset_free (SesStateset *set)
{
  if (set == NULL)
    return;
  g_free (set->table);
  g_free (set);
}

/* ---- fp64: open addressing over whole fingerprints --------------------- */

static gboolean
fp64_contains (const SesStateset *s, guint64 fp)
{
  const guint64 *slots = s->table;
  if (fp == 0)
    fp = 1;
  for (guint64 i = fp & s->mask;; i = (i + 1) & s->mask)
    {
      if (slots[i] == fp)
        return TRUE;
      if (slots[i] == 0)
        return FALSE;
    }
}

/* Places fp, known absent, in a table with room. */
static void
fp64_place (guint64 *slots, guint64 mask, guint64 fp)
{
  guint64 i = fp & mask;
  while (slots[i] != 0)
    i = (i + 1) & mask;
  slots[i] = fp;
}

static SesStatesetAdd
fp64_add (SesStateset *s, guint64 fp)
{
  if (fp == 0)
    fp = 1;
  if (fp64_contains (s, fp))
    return SES_STATESET_SEEN;
  if ((s->count + 1) * 4 > (s->mask + 1) * 3)
    {
      guint64 mask = (s->mask + 1) * 2 - 1;
      guint64 *bigger = g_new0 (guint64, mask + 1);
      const guint64 *old = s->table;
      for (guint64 i = 0; i <= s->mask; i++)
        if (old[i] != 0)
          fp64_place (bigger, mask, old[i]);
      g_free (s->table);
      s->table = bigger;
      s->mask = mask;
    }
  fp64_place (s->table, s->mask, fp);
  s->count++;
  return SES_STATESET_NEW;
}

/* ---- hc: hash compaction -----------------------------------------------
 * The top `bits` bits of the fingerprint choose the home slot and are not
 * stored; the low 32 bits are (0 stored as 1). Two fingerprints can only
 * be taken for one another if they agree on those 32 bits and the second
 * one's probe, from its home to the first empty slot, meets the first. The
 * table cannot grow: the index bits of what it holds are gone. */

static guint64
hc_home (const SesStateset *s, guint64 fp)
{
  return fp >> (64 - s->bits);
}

static guint32
hc_value (guint64 fp)
{
  guint32 v = (guint32) fp;
  return v != 0 ? v : 1;
}

/* The slot holding fp's value on its probe, or the empty slot ending it;
 * *compared counts the values met on the way. */
static guint64
hc_probe (const SesStateset *s, guint64 fp, guint64 *compared)
{
  const guint32 *slots = s->table;
  guint32 v = hc_value (fp);
  guint64 n = 0;
  guint64 i = hc_home (s, fp);
  while (slots[i] != 0 && slots[i] != v)
    {
      n++;
      i = (i + 1) & s->mask;
    }
  if (compared != NULL)
    *compared = n;
  return i;
}

static SesStatesetAdd
hc_add (SesStateset *s, guint64 fp)
{
  guint32 *slots = s->table;
  guint64 compared;
  guint64 i = hc_probe (s, fp, &compared);
  if (slots[i] != 0)
    return SES_STATESET_SEEN;
  if ((s->count + 1) * HC_FULL_DEN > (s->mask + 1) * HC_FULL_NUM)
    return SES_STATESET_FULL;
  slots[i] = hc_value (fp);
  s->count++;
  s->compared += compared;
  return SES_STATESET_NEW;
}

/* ---- bitstate ------------------------------------------------------------
 * A state sets `hashes` bits, at h1 + i*h2 (i < hashes) modulo the array,
 * from two halves of what the fingerprint gives: double hashing, with h2
 * odd so that the positions differ. It is taken as seen when all are set. */

static guint64
bit_step (guint64 fp)
{
  guint64 state = fp ^ 0x9e3779b97f4a7c15u;
  return ses_splitmix64 (&state) | 1;
}

static gboolean
bits_all_set (const SesStateset *s, guint64 fp)
{
  const guint64 *words = s->table;
  guint64 step = bit_step (fp);
  for (guint i = 0; i < s->hashes; i++)
    {
      guint64 b = (fp + i * step) & s->mask;
      if (!(words[b >> 6] & (G_GUINT64_CONSTANT (1) << (b & 63))))
        return FALSE;
    }
  return TRUE;
}

static SesStatesetAdd
bitstate_add (SesStateset *s, guint64 fp)
{
  if (bits_all_set (s, fp))
    return SES_STATESET_SEEN;
  /* The chance this new state would have been taken for a seen one. */
  s->false_seen += pow (ses_stateset_fill (s), s->hashes);
  guint64 *words = s->table;
  guint64 step = bit_step (fp);
  for (guint i = 0; i < s->hashes; i++)
    {
      guint64 b = (fp + i * step) & s->mask;
      guint64 bit = G_GUINT64_CONSTANT (1) << (b & 63);
      if (!(words[b >> 6] & bit))
        {
          words[b >> 6] |= bit;
          s->used++;
        }
    }
  s->count++;
  return SES_STATESET_NEW;
}

/* ---- the interface ------------------------------------------------------ */

gboolean
ses_stateset_contains (const SesStateset *set, guint64 fp)
{
  switch (set->mode)
    {
    case SES_STORAGE_HC:
      return ((const guint32 *) set->table)[hc_probe (set, fp, NULL)] != 0;
    case SES_STORAGE_BITSTATE:
      return bits_all_set (set, fp);
    case SES_STORAGE_FP64:
    default:
      return fp64_contains (set, fp);
    }
}

SesStatesetAdd
ses_stateset_add (SesStateset *set, guint64 fp)
{
  switch (set->mode)
    {
    case SES_STORAGE_HC:
      return hc_add (set, fp);
    case SES_STORAGE_BITSTATE:
      return bitstate_add (set, fp);
    case SES_STORAGE_FP64:
    default:
      return fp64_add (set, fp);
    }
}

SesStorage
ses_stateset_mode (const SesStateset *set)
{
  return set->mode;
}

guint
ses_stateset_bits (const SesStateset *set)
{
  return set->bits;
}

guint
ses_stateset_hashes (const SesStateset *set)
{
  return set->hashes;
}

guint64
ses_stateset_count (const SesStateset *set)
{
  return set->count;
}

guint64
ses_stateset_bytes (const SesStateset *set)
{
  switch (set->mode)
    {
    case SES_STORAGE_HC:
      return (set->mask + 1) * sizeof (guint32);
    case SES_STORAGE_BITSTATE:
      return ((set->mask >> 6) + 1) * sizeof (guint64);
    case SES_STORAGE_FP64:
    default:
      return (set->mask + 1) * sizeof (guint64);
    }
}

double
ses_stateset_fill (const SesStateset *set)
{
  double size = (double) set->mask + 1.0;
  return (set->mode == SES_STORAGE_BITSTATE ? (double) set->used
                                            : (double) set->count) / size;
}

double
ses_stateset_miss_probability (const SesStateset *set)
{
  /* Birthday bound: n states, n(n-1)/2 pairs, each sharing a 64-bit
   * fingerprint with probability 2^-64. */
  double n = (double) set->count;
  double expected = n * (n - 1.0) / 2.0 / 18446744073709551616.0;
  if (set->mode == SES_STORAGE_HC)
    expected += (double) set->compared / 4294967296.0;
  else if (set->mode == SES_STORAGE_BITSTATE)
    expected += set->false_seen;
  return -expm1 (-expected);
}

const char *
ses_stateset_bound_name (SesStorage mode)
{
  switch (mode)
    {
    case SES_STORAGE_HC:
      return "compacted-hash bound";
    case SES_STORAGE_BITSTATE:
      return "fill-ratio estimate";
    case SES_STORAGE_FP64:
    default:
      return "birthday bound";
    }
}

static const char *const storage_names[] = { "fp64", "hc", "bitstate" };

const char *
ses_storage_name (SesStorage mode)
{
  g_return_val_if_fail ((guint) mode < G_N_ELEMENTS (storage_names), "?");
  return storage_names[mode];
}

gboolean
ses_storage_from_name (const char *name, SesStorage *mode)
{
  for (guint i = 0; i < G_N_ELEMENTS (storage_names); i++)
    if (g_strcmp0 (name, storage_names[i]) == 0)
      {
        *mode = (SesStorage) i;
        return TRUE;
      }
  return FALSE;
}

guint
ses_stateset_default_bits (SesStorage mode, guint64 max_states)
{
  guint bits = 0;
  switch (mode)
    {
    case SES_STORAGE_HC:
      bits = 16;
      while (bits < 26
             && (max_states == 0
                 || (G_GUINT64_CONSTANT (1) << bits) / 4 * 3 < max_states))
        bits++;
      break;
    case SES_STORAGE_BITSTATE:
      bits = 20;
      while (bits < 32
             && (max_states == 0
                 || (G_GUINT64_CONSTANT (1) << bits) / 128 < max_states))
        bits++;
      break;
    case SES_STORAGE_FP64:
    default:
      break;
    }
  return bits;
}
