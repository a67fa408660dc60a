#ifndef METRIC_H
#define METRIC_H
/* One measured value, as a metric line carries it (DESIGN.md, Metric line). */

enum better { BETTER_UNKNOWN = 0, BETTER_HIGHER = 1, BETTER_LOWER = -1 };

struct metric {
	const char *name;
	double value;
	const char *unit;	/* may be NULL */
	enum better better;
	int rep;		/* the benchmark's own repetition, 0 if it gave none */
	int instance;		/* co-located VMs: which (1..N); 0: the trial's own figure */
};

static inline const char *better_name(enum better b)
{
	return b == BETTER_HIGHER ? "higher" : b == BETTER_LOWER ? "lower" : "";
}

#endif
