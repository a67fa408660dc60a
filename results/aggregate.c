/* A trial's figure from its co-located instances' (aggregate.h). */
#include "aggregate.h"
#include "stats.h"

#include <string.h>

static const char *const names[] = { [AGG_MEDIAN] = "median", [AGG_MIN] = "min", [AGG_MEAN] = "mean" };

int aggregate_parse(const char *word, enum aggregate *out)
{
	for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++)
		if (!strcmp(word, names[i])) {
			*out = (enum aggregate)i;
			return 0;
		}
	return -1;
}

const char *aggregate_name(enum aggregate a)
{
	return names[a];
}

double aggregate_of(enum aggregate a, enum better better, double *v, size_t n)
{
	if (a == AGG_MEAN) {
		double s = 0;
		for (size_t i = 0; i < n; i++)
			s += v[i];
		return s / (double)n;
	}
	if (a == AGG_MIN && better != BETTER_UNKNOWN) {
		double w = v[0];
		for (size_t i = 1; i < n; i++)
			if (better == BETTER_HIGHER ? v[i] < w : v[i] > w)
				w = v[i];
		return w;
	}
	return stats_median(v, n);
}
