#ifndef EVALTABLE_H
#define EVALTABLE_H
/*
 * A measured-configuration table as scripts/eval-search.py prepares it
 * (OUT.tab): the search space its varying columns make, every row, and the
 * nearest row to a configuration, the one rule scripts/table-objective.c
 * and scripts/search-sim.c judge by (and eval-search.py's Table.nearest,
 * summing in the same order): per option |a - b| / (the column's range), or
 * 0/1 for a categorical of words, summed; ties to the first row.
 * Values are "lower is better": a maximised objective is stored negated.
 */
#include <stddef.h>
#include "../lib/space.h"

struct evaltable {
	struct space sp;	/* defaults: the first row */
	size_t nrow;
	double *x;		/* nrow x sp.n */
	double *perf;		/* lower is better */
	double *scale;		/* per column: its range, 0 for a categorical of words */
	int maximize;
};

/* 0, or -1 with a message on stderr. */
int evaltable_load(struct evaltable *t, const char *path);
size_t evaltable_nearest(const struct evaltable *t, const union pval *cfg);
/* Rows strictly better than perf value v (0: the best). */
size_t evaltable_rank(const struct evaltable *t, double v);

#endif
