#ifndef STATS_H
#define STATS_H
/*
 * Robust statistics over small samples of measurements (GSL underneath).
 * Inputs are never modified; NaN is returned for an empty sample.
 */
#include <stddef.h>
#include <stdint.h>

double stats_median(const double *x, size_t n);
/* Median absolute deviation (unscaled). */
double stats_mad(const double *x, size_t n);
/* The sample sd (n - 1; NaN with fewer than two values), and the mean into *mean. */
double stats_sd(const double *x, size_t n, double *mean);
/*
 * Percentile bootstrap confidence interval of the median at the given level
 * (0.95), from `resamples` resamples drawn with a generator seeded by seed,
 * so the same data give the same interval. Returns -1 when n < 2.
 */
int stats_bootstrap_median_ci(const double *x, size_t n, double level, unsigned resamples,
			      uint64_t seed, double *lo, double *hi);

/*
 * The same for the ratio median(x) / median(y), both resampled: -1 unless
 * both have a value and one of them at least two.
 */
int stats_bootstrap_ratio_ci(const double *x, size_t nx, const double *y, size_t ny,
			     double level, unsigned resamples, uint64_t seed, double *lo,
			     double *hi);

/*
 * Mann-Whitney U test of x against y: *u is U of x (the number of pairs in
 * which x's value is the larger, ties counting half), the return the
 * two-sided p. Exact when there are no ties and nx * ny <= 400, else the
 * normal approximation with the tie correction. NaN when a side is empty.
 */
double stats_mann_whitney(const double *x, size_t nx, const double *y, size_t ny, double *u);

/*
 * Welch's t: the difference of means mean(y) - mean(x) (*d), its standard
 * error (*se), Welch-Satterthwaite degrees of freedom (*df), and the
 * two-sided confidence interval at level [*lo, *hi]. -1 unless both sides
 * have two values; with no spread on either side the interval is the point.
 */
int stats_welch(const double *x, size_t nx, const double *y, size_t ny, double level,
		double *d, double *se, double *df, double *lo, double *hi);
/* The t quantile of probability p with df degrees of freedom. */
double stats_t_quantile(double p, double df);
/* The two-sided p of a t statistic with df degrees of freedom; NaN unless both are numbers. */
double stats_t_p(double t, double df);
/*
 * Benjamini-Hochberg over n p-values: reject[i] set for those that keep the
 * false discovery rate at q (NaN p-values are never rejected, and count in
 * n); returns how many were rejected (R). The intervals of the rejected
 * ones at level 1 - R q / n keep the false coverage rate at q
 * (Benjamini-Yekutieli 2005).
 */
size_t stats_bh(const double *p, size_t n, double q, int *reject);

#endif
