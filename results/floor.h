#ifndef FLOOR_H
#define FLOOR_H
/*
 * Scoring from the store, and the noise floor: what the search loop
 * (tuner/engine) and the views of a stored run (tuner/view) both compute,
 * so that neither needs the other. A trial's score is never stored
 * (score.h); it is computed here from its stored samples.
 *
 * The noise floor is the baseline measured noise_floor times before
 * anything is scored: once it is in, the reference is each metric's median
 * over every sample of its done trials (floor_base), and an objective
 * metric noisier than max_cov across them leaves the score
 * (objective_for_noise). The live search, its resume and a view of the
 * stored run switch to both at the same point, so they score alike.
 *
 * Needs the store and an objective only; never prints (err.h).
 */
#include <stddef.h>
#include <stdint.h>
#include "score.h"
#include "store.h"
#include "../lib/strbuf.h"

/*
 * Score of one stored trial against baseline values: the median of its
 * repeats' scores. per_repeat (may be NULL): every repeat's score, malloc'd
 * for the caller, *nrep of them.
 */
int trial_score(struct store *st, const struct objective *o, const double *base, int64_t trial,
		double *score, double **per_repeat, size_t *nrep, char *err);

/*
 * The reference the scores are taken against once the noise floor is in:
 * each objective metric's median over every sample of the floor's done
 * trials (ids), not one measurement's. -1 when a metric is missing.
 */
int floor_base(struct store *st, const struct objective *o, const int64_t *ids, size_t n,
	       double *base, char *err);

/*
 * The objective once a run's noise floor is in: o, with weight 0 for each
 * metric whose coefficient of variation over the floor's done trials (ids),
 * pooled within each host, exceeds max_cov; all kept when every one is (or
 * with fewer than three trials). *said: one line naming what was left out
 * (nothing when none).
 */
int objective_for_noise(struct store *st, const struct objective *o, double max_cov,
			const int64_t *ids, size_t n, struct objective *out, struct strbuf *said,
			char *err);

/*
 * Each metric's median per trial, over a set of trials in two groups
 * (side 0 and 1: the baseline and the incumbent of a confirmation; the
 * noise floor uses side 0 alone). Metrics in the order first seen.
 */
struct metric_values {
	char *metric;
	double *v[2];
	size_t n[2];
	int64_t last;		/* the trial it last took a value of */
};
struct metric_table {
	struct metric_values *m;
	size_t n;
	size_t *by_name;	/* indices into m, sorted by metric: lookups by bisection */
};
/* Adds trial's median of each of its metrics to side (0 or 1). */
int metric_table_add(struct metric_table *mt, struct store *st, int64_t trial, int side,
		     char *err);
void metric_table_release(struct metric_table *mt);

/*
 * How noisy the noise floor is: score_sd is the sd of the log scores of the
 * baseline's measurements (about the score's coefficient of variation),
 * each metric's cov its sd over its mean across those trials, noisiest first.
 */
struct noise_metric {
	char *metric;
	double cov;
};
struct noise {
	size_t n;			/* baseline measurements with a score */
	double score_sd;		/* NaN with fewer than two */
	struct noise_metric *m;
	size_t nm;
};
/*
 * Over n done baseline trials (ids) and their scores; group (NULL: one):
 * each trial's level (a host, a period of one level: results/reference.h).
 * The spreads are pooled within groups: a difference between hosts, or a
 * step of the level, is not noise.
 */
int noise_measure(struct store *st, const int64_t *ids, const double *scores, const int *group,
		  size_t n, struct noise *nz, char *err);
/*
 * The sd of x (n values) about each one's group mean (group NULL: one
 * group), pooled; *mean: the mean of all. NaN with no more values than groups.
 */
double pooled_sd(const double *x, const int *group, size_t n, double *mean);
/* "score 4.2% over 3 measurements; noisiest: a 40%, b 12%" (top: metrics named). */
void noise_format(const struct noise *nz, size_t top, struct strbuf *out);
void noise_release(struct noise *nz);

#endif
