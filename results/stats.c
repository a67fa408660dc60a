#include "stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>

static double *sorted_copy(const double *x, size_t n)
{
	double *y = malloc(n * sizeof(*y));
	if (!y)
		abort();
	memcpy(y, x, n * sizeof(*y));
	gsl_sort(y, 1, n);
	return y;
}

double stats_median(const double *x, size_t n)
{
	if (!n)
		return NAN;
	double *y = sorted_copy(x, n);
	double m = gsl_stats_median_from_sorted_data(y, 1, n);
	free(y);
	return m;
}

double stats_mad(const double *x, size_t n)
{
	if (!n)
		return NAN;
	double m = stats_median(x, n);
	double *d = malloc(n * sizeof(*d));
	if (!d)
		abort();
	for (size_t i = 0; i < n; i++)
		d[i] = fabs(x[i] - m);
	double mad = stats_median(d, n);
	free(d);
	return mad;
}

int stats_bootstrap_median_ci(const double *x, size_t n, double level, unsigned resamples,
			      uint64_t seed, double *lo, double *hi)
{
	if (n < 2 || resamples < 10 || level <= 0 || level >= 1)
		return -1;
	gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(r, (unsigned long)seed);
	double *meds = malloc(resamples * sizeof(*meds));
	double *s = malloc(n * sizeof(*s));
	if (!r || !meds || !s)
		abort();
	for (unsigned b = 0; b < resamples; b++) {
		for (size_t i = 0; i < n; i++)
			s[i] = x[gsl_rng_uniform_int(r, n)];
		gsl_sort(s, 1, n);
		meds[b] = gsl_stats_median_from_sorted_data(s, 1, n);
	}
	gsl_sort(meds, 1, resamples);
	double a = (1 - level) / 2;
	*lo = gsl_stats_quantile_from_sorted_data(meds, 1, resamples, a);
	*hi = gsl_stats_quantile_from_sorted_data(meds, 1, resamples, 1 - a);
	free(s);
	free(meds);
	gsl_rng_free(r);
	return 0;
}

static double resampled_median(gsl_rng *r, const double *x, size_t n, double *s)
{
	for (size_t i = 0; i < n; i++)
		s[i] = x[gsl_rng_uniform_int(r, n)];
	gsl_sort(s, 1, n);
	return gsl_stats_median_from_sorted_data(s, 1, n);
}

int stats_bootstrap_ratio_ci(const double *x, size_t nx, const double *y, size_t ny,
			     double level, unsigned resamples, uint64_t seed, double *lo,
			     double *hi)
{
	if (!nx || !ny || (nx < 2 && ny < 2) || resamples < 10 || level <= 0 || level >= 1)
		return -1;
	gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(r, (unsigned long)seed);
	double *ratio = malloc(resamples * sizeof(*ratio));
	double *s = malloc((nx > ny ? nx : ny) * sizeof(*s));
	if (!r || !ratio || !s)
		abort();
	for (unsigned b = 0; b < resamples; b++) {
		double mx = resampled_median(r, x, nx, s);
		ratio[b] = mx / resampled_median(r, y, ny, s);
	}
	gsl_sort(ratio, 1, resamples);
	double a = (1 - level) / 2;
	*lo = gsl_stats_quantile_from_sorted_data(ratio, 1, resamples, a);
	*hi = gsl_stats_quantile_from_sorted_data(ratio, 1, resamples, 1 - a);
	free(s);
	free(ratio);
	gsl_rng_free(r);
	return 0;
}
