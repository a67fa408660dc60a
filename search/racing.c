#include "racing.h"
#include "../lib/strbuf.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_cdf.h>

struct entry {
	union pval *cfg;
	size_t n, failed;
	double mean, m2;	/* Welford, over log scores */
	int moved;		/* all of them taken while the level moved: at their low */
	double high;		/* then: their mean at the level nearest in time */
};

struct racing {
	const struct space *sp;
	int max;
	struct entry *e;
	size_t n, cap;
	long inc, want;		/* entry indexes, -1 for none */
};

struct racing *racing_new(const struct space *sp, int max_repeats)
{
	struct racing *r = xcalloc(1, sizeof(*r));
	r->sp = sp;
	r->max = max_repeats < 1 ? 1 : max_repeats;
	r->inc = r->want = -1;
	return r;
}

void racing_free(struct racing *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n; i++)
		free(r->e[i].cfg);
	free(r->e);
	free(r);
}

/* cfg's entry; -1: never measured. */
static long find(const struct racing *r, const union pval *cfg)
{
	for (size_t i = r->n; i-- > 0;)
		if (config_equal(r->sp, r->e[i].cfg, cfg))
			return (long)i;
	return -1;
}

static long find_or_add(struct racing *r, const union pval *cfg)
{
	long i = find(r, cfg);
	if (i >= 0)
		return i;
	if (r->n == r->cap) {
		r->cap = r->cap ? 2 * r->cap : 64;
		r->e = xrealloc(r->e, r->cap * sizeof(*r->e));
	}
	r->e[r->n] = (struct entry){ .cfg = config_dup(r->sp, cfg) };
	return (long)r->n++;
}

double racing_sigma(const struct racing *r)
{
	double m2 = 0;
	size_t dof = 0;
	for (size_t i = 0; i < r->n; i++)
		if (r->e[i].n > 1 && !r->e[i].moved) {
			m2 += r->e[i].m2;
			dof += r->e[i].n - 1;
		}
	return dof ? sqrt(m2 / (double)dof) : NAN;
}

/* How much larger the noise could be than measured: its 95% upper bound over it. */
static double sigma_bound(const struct racing *r)
{
	size_t dof = 0;
	for (size_t i = 0; i < r->n; i++)
		if (r->e[i].n > 1 && !r->e[i].moved)
			dof += r->e[i].n - 1;
	return dof ? sqrt((double)dof / gsl_cdf_chisq_Pinv(0.05, (double)dof)) : INFINITY;
}

/* The incumbent is gone (it failed): the best-measured of the rest takes over. */
static long successor(const struct racing *r)
{
	long best = -1;
	for (size_t i = 0; i < r->n; i++) {
		const struct entry *c = &r->e[i];
		if (c->failed || !c->n)
			continue;
		if (best < 0 || c->n > r->e[best].n ||
		    (c->n == r->e[best].n && c->mean > r->e[best].mean))
			best = (long)i;
	}
	return best;
}

/*
 * A configuration measured only while the level moved, not the incumbent,
 * whose mean at the level nearest in time leads the incumbent's: the best
 * of them (-1: none), measured fewer than RACING_MAX_REPEATS times.
 */
static long moved_leader(const struct racing *r)
{
	long best = -1;
	if (r->inc < 0)
		return -1;
	for (size_t i = 0; i < r->n; i++) {
		const struct entry *c = &r->e[i];
		if (c->failed || !c->moved || (long)i == r->inc || c->n >= RACING_MAX_REPEATS ||
		    c->high <= r->e[r->inc].mean)
			continue;
		if (best < 0 || c->high > r->e[best].high)
			best = (long)i;
	}
	return best;
}

int racing_next(struct racing *r, union pval *cfg)
{
	long i = r->want >= 0 ? r->want : moved_leader(r);
	if (i < 0)
		return 0;
	memcpy(cfg, r->e[i].cfg, r->sp->n * sizeof(*cfg));
	return 1;
}

void racing_observe(struct racing *r, const union pval *cfg, int ok, double score)
{
	racing_observe_moved(r, cfg, ok, score, 0, score);
}

void racing_observe_moved(struct racing *r, const union pval *cfg, int ok, double score,
			  int moved, double low)
{
	long i = find_or_add(r, cfg);
	struct entry *c = &r->e[i];

	if (!ok || !(score > 0) || !isfinite(score)) {
		c->failed++;
		if (i == r->inc)
			r->inc = successor(r);
		r->want = -1;
		return;
	}
	if (c->failed) {	/* out of the race; a measurement it still gets counts for nothing */
		r->want = -1;
		return;
	}
	if (moved && c->n && !c->moved) {	/* it has one taken while the level held */
		r->want = -1;
		return;
	}
	if (moved) {	/* at its low; at the nearest level, what asks for it again */
		c->moved = 1;
		c->high += (log(score) - c->high) / (double)(c->n + 1);
		score = low;
		if (!(score > 0) || !isfinite(score))
			score = exp(c->high);
	} else if (c->moved) {	/* the first taken while the level held: it alone counts */
		c->moved = 0;
		c->n = 0;
		c->mean = c->m2 = 0;
	}
	double x = log(score), d = x - c->mean;
	c->n++;
	c->mean += d / (double)c->n;
	c->m2 += d * (x - c->mean);

	if (r->inc < 0) {
		r->inc = i;
		r->want = r->max > 1 ? i : -1;	/* a second look tells the noise */
		return;
	}
	if (i == r->inc) {
		r->want = -1;
		return;
	}
	struct entry *inc = &r->e[r->inc];
	if (r->max == 1) {	/* no re-measuring: the best mean, however many each has */
		if (c->mean > inc->mean)
			r->inc = i;
		r->want = -1;
		return;
	}
	double diff = c->mean - inc->mean, sigma = racing_sigma(r);
	double se = isnan(sigma) ? INFINITY : sigma * sqrt(1.0 / c->n + 1.0 / inc->n);
	/* close: the noise could hide which of the two is the better */
	int close = fabs(diff) < RACING_Z * se;
	/* at max measurements a challenger is judged: the defaults' incumbent
	 * may have more (drift measures them again), it never needs more */
	if (c->n >= inc->n || c->n >= (size_t)r->max || se == 0 ||
	    diff > RACING_WIN_Z * se * sigma_bound(r)) {
		/* se 0: repeats measured no noise at all; a lead far beyond the
		 * noise (at its 95% upper bound) needs no repeat to be believed;
		 * otherwise, over as many measurements, a lead of RACING_PROMOTE
		 * standard errors: less, and among many near-equals the luckiest
		 * would take over, and more trials would report worse ones */
		if (diff > 0 && (se == 0 || diff > RACING_PROMOTE * se))
			r->inc = i;
	} else if (diff >= -RACING_Z * se && !(se == 0 && diff <= 0)) {
		r->want = i;	/* still competitive: measure it again */
		return;
	}
	inc = &r->e[r->inc];
	r->want = close && inc->n < (size_t)r->max ? r->inc : -1;
}

static void fill(const struct entry *c, struct racing_entry *out)
{
	*out = (struct racing_entry){ .cfg = c->cfg, .n = c->n, .failed = c->failed,
				      .mean = c->mean, .moved = c->moved };
}

int racing_incumbent(const struct racing *r, struct racing_entry *e)
{
	if (r->inc < 0)
		return 0;
	fill(&r->e[r->inc], e);
	return 1;
}

/* Whether c may be reported: scored, never failed, not only measured while the level moved. */
static int reportable(const struct entry *c)
{
	return !c->failed && c->n && !c->moved;
}

int racing_best(const struct racing *r, struct racing_entry *e)
{
	if (r->inc < 0)
		return 0;
	long best = r->inc;
	double sigma = racing_sigma(r), mu = 0, ss = 0, inv = 0;
	size_t k = 0;
	if (r->max == 1 || isnan(sigma) || sigma == 0)
		goto out;	/* nothing measured twice, or no noise: the incumbent */
	for (size_t i = 0; i < r->n; i++) {	/* the means' mean and spread (Welford) */
		const struct entry *c = &r->e[i];
		if (!reportable(c))
			continue;
		double d = c->mean - mu;
		mu += d / (double)++k;
		ss += d * (c->mean - mu);
		inv += 1.0 / (double)c->n;
	}
	if (k < 3)
		goto out;
	/* the prior's variance: the spread of the means less the noise's share of it */
	double s2 = sigma * sigma, top = -INFINITY,
	       tau2 = fmax(ss / (double)(k - 1) - s2 * inv / (double)k, RACING_PRIOR_MIN * s2);
	for (size_t i = 0; i < r->n; i++) {
		const struct entry *c = &r->e[i];
		double w = (double)c->n / s2, post = (w * c->mean + mu / tau2) / (w + 1 / tau2);
		if (reportable(c) && post > top)
			top = post, best = (long)i;
	}
out:
	fill(&r->e[best], e);
	return 1;
}

size_t racing_count(const struct racing *r)
{
	return r->n;
}

void racing_get(const struct racing *r, size_t i, struct racing_entry *e)
{
	fill(&r->e[i], e);
}

int racing_find(const struct racing *r, const union pval *cfg, struct racing_entry *e)
{
	long i = find(r, cfg);
	if (i >= 0)
		fill(&r->e[i], e);
	return i >= 0;
}
