#include "importance.h"
#include "../lib/strbuf.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_rng.h>

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* The value of a parameter on a line, for binning. */
static double numeric(const struct param *p, union pval v)
{
	return p->type == P_INT ? (double)v.i : p->type == P_FLOAT ? v.f : 0;
}

/* Each configuration's group for parameter j, 0..k-1; returns k. */
static size_t groups_of(const struct space *sp, size_t j, const union pval *const *cfg, size_t n,
			size_t *g)
{
	const struct param *p = &sp->p[j];
	uint64_t levels = param_levels(p);
	size_t k;
	if (levels && levels <= IMPORTANCE_MAX_LEVELS) {
		k = (size_t)levels + 1;		/* the last: inactive */
		for (size_t i = 0; i < n; i++)
			g[i] = param_active(sp, cfg[i], j) ? (size_t)param_index(p, cfg[i][j]) : k - 1;
		return k;
	}
	if (p->type == P_CAT) {	/* many values, no order: the most measured ones, the rest together */
		size_t *count = xcalloc(levels, sizeof(size_t)), top[IMPORTANCE_MAX_LEVELS - 1];
		size_t ntop = 0;
		for (size_t i = 0; i < n; i++)
			if (param_active(sp, cfg[i], j))
				count[cfg[i][j].c]++;
		while (ntop < IMPORTANCE_MAX_LEVELS - 1) {
			size_t best = 0;
			for (size_t c = 1; c < levels; c++)
				if (count[c] > count[best])
					best = c;
			if (!count[best])
				break;
			top[ntop++] = best;
			count[best] = 0;
		}
		free(count);
		k = IMPORTANCE_MAX_LEVELS + 1;	/* the top levels, the rest, inactive */
		for (size_t i = 0; i < n; i++) {
			size_t c = 0;
			if (!param_active(sp, cfg[i], j)) {
				g[i] = k - 1;
				continue;
			}
			while (c < ntop && top[c] != cfg[i][j].c)
				c++;
			g[i] = c;	/* ntop (or beyond the top ones): the rest */
		}
		return k;
	}
	double *v = xmalloc((n + 1) * sizeof(double)), cut[IMPORTANCE_BINS - 1];
	size_t m = 0;
	for (size_t i = 0; i < n; i++)
		if (param_active(sp, cfg[i], j))
			v[m++] = numeric(p, cfg[i][j]);
	qsort(v, m, sizeof(double), cmp_double);
	for (size_t b = 0; b + 1 < IMPORTANCE_BINS; b++)
		cut[b] = m ? v[(b + 1) * m / IMPORTANCE_BINS] : 0;
	free(v);
	k = IMPORTANCE_BINS + 1;
	for (size_t i = 0; i < n; i++) {
		if (!param_active(sp, cfg[i], j)) {
			g[i] = k - 1;
			continue;
		}
		double x = numeric(p, cfg[i][j]);
		size_t b = 0;
		while (b + 1 < IMPORTANCE_BINS && x >= cut[b])
			b++;
		g[i] = b;
	}
	return k;
}

/*
 * Every knob's share over the configurations idx[0..m): the main effects
 * fitted together (backfitting: each knob's group means of what the others
 * leave, in turn, until they settle), so that a large effect of one knob is
 * not noise in another's groups. A knob's share is the variance of its
 * fitted effect less what its groups would fit of pure noise, over the
 * total. eff: room for np x IMPORTANCE_GROUPS, res: m.
 */
static void shares(const struct space *sp, const double *y, const size_t *g, const size_t *k,
		   size_t n, const size_t *idx, size_t m, double *eff, double *res, double *sum,
		   size_t *cnt, double *out)
{
	size_t np = sp->n, dof = 1;
	double mean = 0, total = 0;
	for (size_t i = 0; i < m; i++)
		mean += y[idx[i]] / (double)m;
	for (size_t i = 0; i < m; i++) {
		res[i] = y[idx[i]] - mean;
		total += res[i] * res[i];
	}
	memset(eff, 0, np * IMPORTANCE_GROUPS * sizeof(*eff));
	if (!(total > 0)) {
		memset(out, 0, np * sizeof(*out));
		return;
	}
	for (int it = 0; it < IMPORTANCE_ITERATIONS; it++) {
		double moved = 0;
		for (size_t j = 0; j < np; j++) {
			const size_t *gj = &g[j * n];
			double *ej = &eff[j * IMPORTANCE_GROUPS], center = 0;
			memset(sum, 0, k[j] * sizeof(*sum));
			memset(cnt, 0, k[j] * sizeof(*cnt));
			for (size_t i = 0; i < m; i++) {	/* what the others leave */
				sum[gj[idx[i]]] += res[i] + ej[gj[idx[i]]];
				cnt[gj[idx[i]]]++;
			}
			for (size_t c = 0; c < k[j]; c++)
				center += cnt[c] ? sum[c] / (double)m : 0;
			for (size_t i = 0; i < m; i++) {
				size_t c = gj[idx[i]];
				double e = sum[c] / (double)cnt[c] - center;
				res[i] += ej[c] - e;
			}
			for (size_t c = 0; c < k[j]; c++) {
				double e = cnt[c] ? sum[c] / (double)cnt[c] - center : 0;
				moved = fmax(moved, fabs(e - ej[c]));
				ej[c] = e;
			}
		}
		if (moved < 1e-9 * sqrt(total / (double)m))
			break;
	}
	double resid = 0;
	for (size_t i = 0; i < m; i++)
		resid += res[i] * res[i];
	size_t *used = xmalloc(np * sizeof(size_t));
	for (size_t j = 0; j < np; j++) {
		const size_t *gj = &g[j * n];
		memset(cnt, 0, k[j] * sizeof(*cnt));
		for (size_t i = 0; i < m; i++)
			cnt[gj[idx[i]]]++;
		used[j] = 0;
		for (size_t c = 0; c < k[j]; c++)
			used[j] += cnt[c] > 0;
		dof += used[j] - 1;
	}
	double noise = m > dof ? resid / (double)(m - dof) : 0;
	for (size_t j = 0; j < np; j++) {
		const size_t *gj = &g[j * n];
		const double *ej = &eff[j * IMPORTANCE_GROUPS];
		double ss = 0;
		for (size_t i = 0; i < m; i++)
			ss += ej[gj[idx[i]]] * ej[gj[idx[i]]];
		double e = (ss - (double)(used[j] - 1) * noise) / total;
		out[j] = e < 0 ? 0 : e > 1 ? 1 : e;
	}
	free(used);
}

static int by_share(const void *a, const void *b)
{
	const struct importance *x = a, *y = b;
	if (x->share != y->share)
		return x->share > y->share ? -1 : 1;
	return x->param < y->param ? -1 : 1;
}

int importance_of(const struct space *sp, const union pval *const *cfg, const double *y,
		  size_t n, double level, unsigned resamples, uint64_t seed,
		  struct importance *out)
{
	if (n < IMPORTANCE_MIN)
		return -1;
	size_t differ = 0;
	for (size_t i = 1; i < n; i++)
		differ += y[i] != y[0];
	if (!differ || !sp->n)
		return -1;
	size_t np = sp->n;
	size_t *g = xmalloc(np * n * sizeof(size_t)), *k = xmalloc(np * sizeof(size_t));
	size_t *idx = xmalloc(n * sizeof(size_t)), *cnt = xmalloc(IMPORTANCE_GROUPS * sizeof(size_t));
	double *sum = xmalloc(IMPORTANCE_GROUPS * sizeof(double)), *res = xmalloc(n * sizeof(double));
	double *eff = xmalloc(np * IMPORTANCE_GROUPS * sizeof(double)), *one = xmalloc(np * sizeof(double));
	double *boot = xmalloc((resamples + 1) * sizeof(double) * np);
	gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
	if (!r)
		abort();
	gsl_rng_set(r, (unsigned long)seed);
	for (size_t j = 0; j < np; j++)
		k[j] = groups_of(sp, j, cfg, n, &g[j * n]);
	for (size_t i = 0; i < n; i++)
		idx[i] = i;
	shares(sp, y, g, k, n, idx, n, eff, res, sum, cnt, one);
	for (size_t j = 0; j < np; j++)
		out[j] = (struct importance){ .param = j, .share = one[j] };
	for (unsigned b = 0; b < resamples; b++) {
		for (size_t i = 0; i < n; i++)
			idx[i] = (size_t)gsl_rng_uniform_int(r, n);
		shares(sp, y, g, k, n, idx, n, eff, res, sum, cnt, one);
		for (size_t j = 0; j < np; j++)
			boot[j * resamples + b] = one[j];
	}
	for (size_t j = 0; j < np && resamples; j++) {
		double *s = &boot[j * resamples];
		qsort(s, resamples, sizeof(double), cmp_double);
		double a = (1 - level) / 2;
		out[j].lo = fmin(out[j].share, s[(size_t)floor(a * (resamples - 1))]);
		out[j].hi = fmax(out[j].share, s[(size_t)ceil((1 - a) * (resamples - 1))]);
	}
	qsort(out, sp->n, sizeof(*out), by_share);
	gsl_rng_free(r);
	free(g), free(k), free(idx), free(cnt), free(sum), free(res), free(eff), free(one), free(boot);
	return 0;
}
