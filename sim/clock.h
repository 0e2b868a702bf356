/* Virtual time: a signed count of microseconds since the start of a run.
 * Time never comes from the host; it moves only when the world takes an event. */
#pragma once

#include <glib.h>

typedef gint64 SesTime;

#define SES_TIME_NONE ((SesTime) -1)
#define SES_US_PER_MS ((SesTime) 1000)
#define SES_US_PER_S ((SesTime) 1000000)

static inline SesTime
ses_time_from_s (guint64 seconds)
{
  return (SesTime) seconds * SES_US_PER_S;
}

/* "12.345678s" with exactly six decimals, locale-independent.
 * (transfer full) */
char *ses_time_format (SesTime t);
