#ifndef SCORE_H
#define SCORE_H
/*
 * The objective (DESIGN.md): a weighted geometric mean over chosen metrics of
 * value / baseline value, each ratio oriented so that higher is better. The
 * baseline is the job's default configuration, so its score is 1 and a
 * score of 1.25 means "25% better than the defaults".
 *
 * Scores are computed here from stored samples, never stored: weights can
 * change after the fact. Per repeat, a metric's value is the median of that
 * repeat's samples; the baseline's value is the median over all its samples.
 */
#include <stddef.h>
#include "../lib/metric.h"

struct objective_term {
	char *metric;
	enum better better;
	double weight;
};

struct objective {
	struct objective_term *t;
	size_t n;
	/*
	 * A metric whose coefficient of variation over the noise floor exceeds
	 * this (a fraction) is left out of the score (weight 0) once the floor
	 * is in; 0 keeps every metric (floor.h: objective_for_noise).
	 */
	double max_cov;
};

struct sample {
	const char *metric;
	int repeat;
	double value;
};

void objective_release(struct objective *o);
/* dst: a copy of src that owns its terms (objective_release() frees it). */
void objective_copy(struct objective *dst, const struct objective *src);

/*
 * Sorts samples by metric, then value: then each metric's samples are a run
 * of their own, and sample_median_sorted() finds them by bisection (readers
 * of trials of many metrics stay n log n).
 */
void samples_sort(struct sample *s, size_t n);
/* Median over every repeat of `metric` in samples sorted by samples_sort(); NaN if none. */
double sample_median_sorted(const struct sample *s, size_t n, const char *metric);

/* Median of the samples of `metric` in `repeat` (in any repeat when < 0); NaN if none. */
double sample_median(const struct sample *s, size_t n, const char *metric, int repeat);

/* Fills base[o->n]; -1 when a metric is missing or not positive. */
int score_baseline(const struct objective *o, const struct sample *s, size_t n,
		   double *base, char *err);

/*
 * One score per repeat present in s, in increasing repeat order: *scores is
 * malloc'd (caller frees), *nrep its length. -1 when a repeat lacks a metric
 * or a value is not positive (a ratio of it means nothing).
 */
int score_repeats(const struct objective *o, const double *base, const struct sample *s,
		  size_t n, double **scores, size_t *nrep, char *err);

#endif
