#include "stats.h"
#include "../lib/strbuf.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>

static double *sorted_copy(const double *x, size_t n)
{
	double *y = xmalloc(n * sizeof(*y));
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
	double *d = xmalloc(n * sizeof(*d));
	for (size_t i = 0; i < n; i++)
		d[i] = fabs(x[i] - m);
	double mad = stats_median(d, n);
	free(d);
	return mad;
}

double stats_sd(const double *x, size_t n, double *mean)
{
	*mean = n ? gsl_stats_mean(x, 1, n) : NAN;
	return n > 1 ? gsl_stats_sd_m(x, 1, n, *mean) : NAN;
}

static double resampled_median(gsl_rng *r, const double *x, size_t n, double *s)
{
	for (size_t i = 0; i < n; i++)
		s[i] = x[gsl_rng_uniform_int(r, n)];
	gsl_sort(s, 1, n);
	return gsl_stats_median_from_sorted_data(s, 1, n);
}

int stats_bootstrap_median_ci(const double *x, size_t n, double level, unsigned resamples,
			      uint64_t seed, double *lo, double *hi)
{
	if (n < 2 || resamples < 10 || level <= 0 || level >= 1)
		return -1;
	gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
	if (!r)
		abort();
	gsl_rng_set(r, (unsigned long)seed);
	double *meds = xmalloc(resamples * sizeof(*meds));
	double *s = xmalloc(n * sizeof(*s));
	for (unsigned b = 0; b < resamples; b++)
		meds[b] = resampled_median(r, x, n, s);
	gsl_sort(meds, 1, resamples);
	double a = (1 - level) / 2;
	*lo = gsl_stats_quantile_from_sorted_data(meds, 1, resamples, a);
	*hi = gsl_stats_quantile_from_sorted_data(meds, 1, resamples, 1 - a);
	free(s);
	free(meds);
	gsl_rng_free(r);
	return 0;
}

int stats_bootstrap_ratio_ci(const double *x, size_t nx, const double *y, size_t ny,
			     double level, unsigned resamples, uint64_t seed, double *lo,
			     double *hi)
{
	if (!nx || !ny || (nx < 2 && ny < 2) || resamples < 10 || level <= 0 || level >= 1)
		return -1;
	gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
	if (!r)
		abort();
	gsl_rng_set(r, (unsigned long)seed);
	double *ratio = xmalloc(resamples * sizeof(*ratio));
	double *s = xmalloc((nx > ny ? nx : ny) * sizeof(*s));
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

/* P(U <= k) for sizes m, n under the null, no ties: counts of c(i, j, u). */
static double u_cdf(size_t m, size_t n, double k)
{
	size_t mn = m * n, w = mn + 1;
	double *c = xcalloc((m + 1) * (n + 1) * w, sizeof(double)), total = 0, below = 0;
#define C(i, j, u) c[((i) * (n + 1) + (j)) * w + (u)]
	for (size_t i = 0; i <= m; i++)
		for (size_t j = 0; j <= n; j++)
			for (size_t u = 0; u <= i * j; u++) {
				if (!i || !j) {
					C(i, j, u) = u == 0;
					continue;
				}
				/* the largest value is x's (adds j to U) or y's */
				C(i, j, u) = (u >= j ? C(i - 1, j, u - j) : 0) + C(i, j - 1, u);
			}
	for (size_t u = 0; u <= mn; u++) {
		total += C(m, n, u);
		if ((double)u <= k + 1e-9)
			below += C(m, n, u);
	}
#undef C
	free(c);
	return below / total;
}

double stats_mann_whitney(const double *x, size_t nx, const double *y, size_t ny, double *u)
{
	if (!nx || !ny)
		return NAN;
	double U = 0;
	int ties = 0;
	for (size_t i = 0; i < nx; i++)
		for (size_t j = 0; j < ny; j++) {
			if (x[i] > y[j])
				U += 1;
			else if (x[i] == y[j])
				U += 0.5, ties = 1;
		}
	*u = U;
	double mn = (double)nx * (double)ny, p;
	if (!ties && mn <= 400) {
		double lo = u_cdf(nx, ny, U), hi = 1 - u_cdf(nx, ny, U - 1);
		p = 2 * fmin(lo, hi);
	} else {
		/* tie-corrected variance from the pooled ranks */
		size_t n = nx + ny;
		double *all = xmalloc(n * sizeof(*all)), t = 0;
		memcpy(all, x, nx * sizeof(*x));
		memcpy(all + nx, y, ny * sizeof(*y));
		gsl_sort(all, 1, n);
		for (size_t i = 0; i < n;) {
			size_t k = i;
			while (k < n && all[k] == all[i])
				k++;
			double g = (double)(k - i);
			t += g * g * g - g;
			i = k;
		}
		free(all);
		double var = mn / 12.0 * ((double)(n + 1) - t / ((double)n * (double)(n - 1)));
		if (var <= 0)
			return 1;
		double z = (fabs(U - mn / 2) - 0.5) / sqrt(var);
		p = 2 * gsl_cdf_ugaussian_Q(z > 0 ? z : 0);
	}
	return p > 1 ? 1 : p;
}

double stats_t_p(double t, double df)
{
	if (isnan(t) || !(df > 0))
		return NAN;
	return 2 * gsl_cdf_tdist_Q(fabs(t), df);
}

static const double *bh_p;

static int by_p(const void *a, const void *b)
{
	double x = bh_p[*(const size_t *)a], y = bh_p[*(const size_t *)b];
	if (isnan(x) || isnan(y))
		return isnan(x) - isnan(y);
	return x < y ? -1 : x > y;
}

size_t stats_bh(const double *p, size_t n, double q, int *reject)
{
	size_t *ord = xcalloc(n + 1, sizeof(*ord)), r = 0;
	for (size_t i = 0; i < n; i++) {
		ord[i] = i;
		reject[i] = 0;
	}
	bh_p = p;
	qsort(ord, n, sizeof(*ord), by_p);
	for (size_t k = n; k > 0 && !r; k--)	/* the largest k with p(k) <= k q / n */
		if (!isnan(p[ord[k - 1]]) && p[ord[k - 1]] <= (double)k * q / (double)n)
			r = k;
	for (size_t k = 0; k < r; k++)
		reject[ord[k]] = 1;
	free(ord);
	return r;
}

double stats_t_quantile(double p, double df)
{
	return gsl_cdf_tdist_Pinv(p, df);
}

int stats_welch(const double *x, size_t nx, const double *y, size_t ny, double level,
		double *d, double *se, double *df, double *lo, double *hi)
{
	if (nx < 2 || ny < 2 || level <= 0 || level >= 1)
		return -1;
	double vx = gsl_stats_variance(x, 1, nx) / (double)nx;
	double vy = gsl_stats_variance(y, 1, ny) / (double)ny;
	*d = gsl_stats_mean(y, 1, ny) - gsl_stats_mean(x, 1, nx);
	*se = sqrt(vx + vy);
	if (*se == 0) {
		*df = (double)(nx + ny - 2);
		*lo = *hi = *d;
		return 0;
	}
	*df = (vx + vy) * (vx + vy) / (vx * vx / (double)(nx - 1) + vy * vy / (double)(ny - 1));
	double t = stats_t_quantile(0.5 + level / 2, *df);
	*lo = *d - t * *se;
	*hi = *d + t * *se;
	return 0;
}
