/* Seeded pseudo-random streams.
 *
 * Algorithm: xoshiro256** (Blackman & Vigna, 2018), its four words filled by
 * splitmix64 from (seed, stream). Only 64-bit integer arithmetic, so the
 * stream is the same on every platform and compiler. Separate streams keep,
 * for instance, a fault draw from shifting the scheduling draws. */
#pragma once

#include <glib.h>

typedef enum {
  SES_RNG_STREAM_SCHEDULE = 1,
  SES_RNG_STREAM_FAULTS = 2,
  SES_RNG_STREAM_WORKLOAD = 3,
  SES_RNG_STREAM_DEBUG = 4,
} SesRngStream;

typedef struct {
  guint64 s[4];
} SesRng;

void ses_rng_init (SesRng *rng, guint64 seed, guint64 stream);
guint64 ses_rng_next (SesRng *rng);
/* Uniform in [0, bound); bound must be > 0. Unbiased (rejection sampling). */
guint64 ses_rng_below (SesRng *rng, guint64 bound);
/* TRUE with probability ppm / 1 000 000. */
gboolean ses_rng_chance_ppm (SesRng *rng, guint32 ppm);
guint64 ses_splitmix64 (guint64 *state);
