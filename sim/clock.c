/* Formatting of virtual time. Kept apart from the world so traces, tests and
 * diagrams print time the same way. */
#include "clock.h"

char *
ses_time_format (SesTime t)
{
  if (t < 0)
    return g_strdup ("-");
  return g_strdup_printf ("%" G_GINT64_FORMAT ".%06" G_GINT64_FORMAT "s",
                          t / SES_US_PER_S, t % SES_US_PER_S);
}
