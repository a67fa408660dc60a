#include "compare.h"
#include "../lib/strbuf.h"
#include "stats.h"

#include <math.h>
#include <stdlib.h>

/* Logarithms of x; -1 when a value is not positive and finite. */
static int logs(const double *x, size_t n, double **out)
{
	double *y = xmalloc((n ? n : 1) * sizeof(*y));
	*out = y;
	for (size_t i = 0; i < n; i++) {
		if (!(x[i] > 0) || !isfinite(x[i]))
			return -1;
		y[i] = log(x[i]);
	}
	return 0;
}

int compare_samples(const double *a, size_t na, const double *b, size_t nb, double level,
		    struct comparison *c)
{
	double *la, *lb, d, se, df, u, ma, mb;
	int rc = -1;

	*c = (struct comparison){ .na = na, .nb = nb, .ratio = NAN, .lo = NAN, .hi = NAN,
				  .level = level, .p = NAN, .p_t = NAN, .noise = NAN, .detectable = NAN };
	int bad = logs(a, na, &la) | logs(b, nb, &lb);
	if (bad || !na || !nb)
		goto out;
	double sa = stats_sd(la, na, &ma), sb = stats_sd(lb, nb, &mb);
	c->ratio = exp(mb - ma);
	if (stats_welch(la, na, lb, nb, level, &d, &se, &df, &c->lo, &c->hi))
		goto out;
	c->lo = exp(c->lo);
	c->hi = exp(c->hi);
	c->p_t = se > 0 ? stats_t_p(d / se, df) : d == 0 ? 1 : 0;
	c->p = stats_mann_whitney(b, nb, a, na, &u);
	/* the pooled sd, and the shift a two-sided test at this level finds 80% of the time */
	double pdf = (double)(na + nb - 2);
	c->noise = sqrt((sa * sa * (double)(na - 1) + sb * sb * (double)(nb - 1)) / pdf);
	c->detectable = exp((stats_t_quantile(0.5 + level / 2, pdf) + stats_t_quantile(0.8, pdf)) *
			    c->noise * sqrt(1.0 / (double)na + 1.0 / (double)nb)) - 1;
	rc = 0;
out:
	free(la);
	free(lb);
	return rc;
}

int compare_pooled(const double *a, size_t na, const double *b, size_t nb, double sd, double df,
		   double level, size_t ways, struct comparison *c)
{
	double *la, *lb, ma = 0, mb = 0;
	int rc = -1;
	*c = (struct comparison){ .na = na, .nb = nb, .ratio = NAN, .lo = NAN, .hi = NAN,
				  .level = level, .p = NAN, .p_t = NAN, .noise = sd, .detectable = NAN };
	int bad = logs(a, na, &la) | logs(b, nb, &lb);
	if (bad || !na || !nb || !(df > 0) || !(sd >= 0))
		goto out;
	for (size_t i = 0; i < na; i++)
		ma += la[i] / (double)na;
	for (size_t i = 0; i < nb; i++)
		mb += lb[i] / (double)nb;
	double d = mb - ma, se = sd * sqrt(1.0 / (double)na + 1.0 / (double)nb);
	double w = (double)(ways ? ways : 1), hw = stats_t_quantile(1 - (1 - level) / 2 / w, df) * se;
	c->ratio = exp(d);
	c->lo = exp(d - hw);
	c->hi = exp(d + hw);
	c->p_t = se > 0 ? fmin(1, w * stats_t_p(d / se, df)) : d == 0 ? 1 : 0;
	c->p = c->p_t;
	rc = 0;
out:
	free(la);
	free(lb);
	return rc;
}

enum confirm_state confirm_judge(const double *a, size_t na, const double *b, size_t nb,
				 size_t failed, int repeats, int max, size_t *want,
				 struct comparison *c)
{
	size_t first = (size_t)repeats, last = (size_t)(max > repeats ? max : repeats);
	double alpha = last > first ? CONFIRM_ALPHA_TWO : CONFIRM_ALPHA_ONE;
	size_t n = na < nb ? na : nb;

	*want = n < first ? first : last;
	if (n < first || (n > first && n < last)) {
		compare_samples(a, na, b, nb, 1 - alpha, c);
		return failed > last ? CONFIRM_FAILED : CONFIRM_MORE;
	}
	if (compare_samples(a, na, b, nb, 1 - alpha, c))
		return CONFIRM_FAILED;
	if (c->lo > 1)
		return CONFIRM_YES;
	if (c->hi < 1)
		return CONFIRM_WORSE;
	/* the first look cannot tell but leans to b: the second decides */
	if (n < last && c->ratio > 1)
		return failed > last ? CONFIRM_FAILED : CONFIRM_MORE;
	return CONFIRM_NO;
}
