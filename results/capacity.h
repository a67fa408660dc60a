#ifndef CAPACITY_H
#define CAPACITY_H
/*
 * vmtune capacity's figures: how one configuration holds up as N copies of
 * it share the host. A series is runs of the same configuration, one per N
 * (runs.instances, runs.capacity_of: the first step's run, N = 1).
 *
 * A step's score is its trials' own figures (instance 0: the aggregate over
 * the N VMs, results/aggregate.h) scored against one VM alone, so N = 1
 * scores about 1 and 0.8 says each VM keeps 80% of what it had alone. One VM
 * is measured again after each step of N > 1, and a step is scored against
 * the one-VM runs either side of it in time: a host whose own speed moves
 * during the series (a neighbour, a throttled CPU) does not read as what the
 * VMs cost each other. Those later one-VM runs are the series' references,
 * each scored against the first: how far the host moved. obj is the job's objective without host metrics (those are sums
 * over the VMs, not one VM's speed).
 */
#include <stdint.h>
#include <stddef.h>
#include "score.h"
#include "store.h"

struct cap_step {
	int instances;
	int64_t run;
	size_t n;		/* done trials */
	double score, lo, hi;	/* median score and its 95% bootstrap interval; NaN: none */
	double worst;		/* median over trials of the worst VM's own score */
	double mem_mib;		/* host.mem.pss_peak per VM (median over trials); NaN: none */
	double cpu_s;		/* host.cpu.time per VM */
	int reference;		/* one VM measured again, scored against the first one-VM run */
};

/* The reference: each objective metric's median over the done trials of one-VM runs. */
int capacity_base(struct store *st, const struct objective *obj, const int64_t *runs,
		  size_t nruns, double *base, char *err);
/* One trial's score from one VM's own samples (instance 1..N; 0: the trial's); NaN when none. */
double capacity_score(struct store *st, const struct objective *obj, const double *base,
		      int64_t trial, int instance, char *err);
/* Step run (of instances VMs) against base. */
int capacity_step(struct store *st, const struct objective *obj, const double *base, int64_t run,
		  int instances, uint64_t seed, struct cap_step *out, char *err);
/* The runs of series head (its first run), in the order measured; free *runs. */
int capacity_series(struct store *st, int64_t head, int64_t **runs, int **instances, size_t *n,
		    char *err);
/* Each run of series head scored, in the order measured (steps and references; free *steps). */
int capacity_steps(struct store *st, const struct objective *obj, int64_t head, uint64_t seed,
		   struct cap_step **steps, size_t *n, char *err);

#endif
