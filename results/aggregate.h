#ifndef AGGREGATE_H
#define AGGREGATE_H
/*
 * Co-located VMs: a trial's figure of a metric from its instances' figures
 * (each the median of that instance's own samples). The job names how
 * (target setting aggregate:):
 *   median  the typical instance (the default)
 *   min     the worst instance: the lowest of a higher-is-better metric,
 *           the highest of a lower-is-better one
 *   mean    the average instance
 * A metric without a direction takes the median under min.
 */
#include <stddef.h>
#include "../lib/metric.h"

enum aggregate { AGG_MEDIAN, AGG_MIN, AGG_MEAN };

/* "median", "min", "mean" -> *out; -1 for any other word. */
int aggregate_parse(const char *word, enum aggregate *out);
const char *aggregate_name(enum aggregate a);
/* The aggregate of v[0..n-1] (n >= 1; v is reordered). */
double aggregate_of(enum aggregate a, enum better better, double *v, size_t n);

#endif
