#include "score.h"
#include "../lib/strbuf.h"
#include "stats.h"
#include "../lib/err.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void objective_release(struct objective *o)
{
	for (size_t i = 0; i < o->n; i++)
		free(o->t[i].metric);
	free(o->t);
	o->t = NULL;
	o->n = 0;
}

void objective_copy(struct objective *dst, const struct objective *src)
{
	dst->n = src->n;
	dst->max_cov = src->max_cov;
	dst->t = xmalloc((src->n + 1) * sizeof(*dst->t));
	for (size_t i = 0; i < src->n; i++) {
		dst->t[i] = src->t[i];
		dst->t[i].metric = xstrdup(src->t[i].metric);
	}
}

double sample_median(const struct sample *s, size_t n, const char *metric, int repeat)
{
	double *v = xmalloc((n ? n : 1) * sizeof(*v));
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (!strcmp(s[i].metric, metric) && (repeat < 0 || s[i].repeat == repeat))
			v[k++] = s[i].value;
	double m = stats_median(v, k);
	free(v);
	return m;
}

int score_baseline(const struct objective *o, const struct sample *s, size_t n,
		   double *base, char *err)
{
	for (size_t t = 0; t < o->n; t++) {
		base[t] = sample_median(s, n, o->t[t].metric, -1);
		if (isnan(base[t]))
			return seterr(err, "baseline has no metric '%s'", o->t[t].metric), -1;
		if (!(base[t] > 0))
			return seterr(err, "baseline metric '%s' is %g, not positive",
				      o->t[t].metric, base[t]), -1;
	}
	return 0;
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

int score_repeats(const struct objective *o, const double *base, const struct sample *s,
		  size_t n, double **scores, size_t *nrep, char *err)
{
	int *reps = xmalloc((n ? n : 1) * sizeof(*reps));
	size_t nr = 0;
	for (size_t i = 0; i < n; i++)
		reps[nr++] = s[i].repeat;
	qsort(reps, nr, sizeof(*reps), cmp_int);
	size_t u = 0;
	for (size_t i = 0; i < nr; i++)
		if (!u || reps[u - 1] != reps[i])
			reps[u++] = reps[i];

	double *sc = xmalloc((u ? u : 1) * sizeof(*sc));
	double wsum = 0;
	for (size_t t = 0; t < o->n; t++)
		wsum += o->t[t].weight;
	for (size_t r = 0; r < u; r++) {
		double acc = 0;
		for (size_t t = 0; t < o->n; t++) {
			double v = sample_median(s, n, o->t[t].metric, reps[r]);
			if (isnan(v)) {
				seterr(err, "repeat %d has no metric '%s'", reps[r], o->t[t].metric);
				goto fail;
			}
			if (!(v > 0)) {
				seterr(err, "metric '%s' is %g, not positive", o->t[t].metric, v);
				goto fail;
			}
			double ratio = o->t[t].better == BETTER_LOWER ? base[t] / v : v / base[t];
			acc += o->t[t].weight * log(ratio);
		}
		sc[r] = exp(acc / wsum);
		if (!isfinite(sc[r]) || !(sc[r] > 0)) {	/* a score must round-trip, be printed, compare */
			seterr(err, "the score of repeat %d is beyond what a double holds (its "
			       "metrics' ratios to the baseline's overflow)", reps[r]);
			goto fail;
		}
	}
	if (!u) {
		seterr(err, "no measurements");
		goto fail;
	}
	free(reps);
	*scores = sc;
	*nrep = u;
	return 0;
fail:
	free(reps);
	free(sc);
	return -1;
}

static int by_metric_value(const void *a, const void *b)
{
	const struct sample *x = a, *y = b;
	int d = strcmp(x->metric, y->metric);
	return d ? d : (x->value > y->value) - (x->value < y->value);
}

void samples_sort(struct sample *s, size_t n)
{
	qsort(s, n, sizeof(*s), by_metric_value);
}

double sample_median_sorted(const struct sample *s, size_t n, const char *metric)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {	/* the first sample of metric */
		size_t mid = (lo + hi) / 2;
		if (strcmp(s[mid].metric, metric) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	size_t end = lo;
	while (end < n && !strcmp(s[end].metric, metric))
		end++;
	if (end == lo)
		return NAN;
	size_t k = end - lo;	/* sorted by value within the metric */
	return k % 2 ? s[lo + k / 2].value : (s[lo + k / 2 - 1].value + s[lo + k / 2].value) / 2;
}
