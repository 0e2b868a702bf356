/* What the benchmarks share: memory readings from /proc and running one
 * measurement in a child process, so that its memory figures start from a
 * clean heap whatever ran before it. */
#pragma once

#include <glib.h>

/* Resident memory now (after handing cached free pages back), and its peak
 * so far, in KiB; -1 if unknown. */
gint64 bench_rss_kib (void);
gint64 bench_peak_kib (void);
/* CPU time this process has used, in microseconds: unlike the wall clock,
 * it does not count the time other programs on a shared machine hold the
 * cores. */
gint64 bench_cpu_us (void);

/* Runs func (arg, result) in a child process (or in this one when use_fork
 * is FALSE) and copies the child's result_size bytes of result back: they
 * must be plain values. FALSE, with a message on stderr, if the child
 * failed. */
gboolean bench_measure (void (*func) (gconstpointer arg, gpointer result),
                        gconstpointer arg, gpointer result, gsize result_size,
                        gboolean use_fork);
