/* xoshiro256** seeded with splitmix64. Integer-only, so every platform
 * produces the same stream for the same (seed, stream) pair; the known-answer
 * test in tests/test-rng.c pins it. */
#include "rng.h"

guint64
ses_splitmix64 (guint64 *state)
{
  guint64 z = (*state += G_GUINT64_CONSTANT (0x9e3779b97f4a7c15));
  z = (z ^ (z >> 30)) * G_GUINT64_CONSTANT (0xbf58476d1ce4e5b9);
  z = (z ^ (z >> 27)) * G_GUINT64_CONSTANT (0x94d049bb133111eb);
  return z ^ (z >> 31);
}

void
ses_rng_init (SesRng *rng, guint64 seed, guint64 stream)
{
  /* Mix the stream number in through a second splitmix step so that
   * neighbouring (seed, stream) pairs give unrelated states. */
  guint64 sm = seed;
  guint64 salt = stream * G_GUINT64_CONSTANT (0xd1b54a32d192ed03);
  sm ^= ses_splitmix64 (&salt);
  for (int i = 0; i < 4; i++)
    rng->s[i] = ses_splitmix64 (&sm);
  /* xoshiro must not start from all zeros; splitmix64 makes that
   * practically impossible, but keep the guarantee explicit. */
  if ((rng->s[0] | rng->s[1] | rng->s[2] | rng->s[3]) == 0)
    rng->s[0] = 1;
}

static inline guint64
rotl (guint64 x, int k)
{
  return (x << k) | (x >> (64 - k));
}

guint64
ses_rng_next (SesRng *rng)
{
  guint64 *s = rng->s;
  guint64 result = rotl (s[1] * 5, 7) * 9;
  guint64 t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl (s[3], 45);
  return result;
}

guint64
ses_rng_below (SesRng *rng, guint64 bound)
{
  g_return_val_if_fail (bound > 0, 0);
  /* Reject the top sliver that would bias the modulo. */
  guint64 limit = G_MAXUINT64 - (G_MAXUINT64 % bound + 1) % bound;
  guint64 x;
  do
    x = ses_rng_next (rng);
  while (x > limit);
  return x % bound;
}

gboolean
ses_rng_chance_ppm (SesRng *rng, guint32 ppm)
{
  if (ppm == 0)
    return FALSE;
  return ses_rng_below (rng, 1000000) < ppm;
}
