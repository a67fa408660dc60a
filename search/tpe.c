/*
 * tpe: the Tree-structured Parzen Estimator (Bergstra et al. 2011), for
 * mixed int, float, categorical and bool parameters.
 *
 * After TPE_STARTUP seeded uniform draws, the observed ones are
 * split into the good (the best gamma(n) of them) and the rest, and each
 * parameter gets two densities, l from the good and g from the rest:
 *  - a bool, a categorical of at most TPE_MAX_CAT levels, an int or stepped
 *    float of two: level counts plus a uniform prior;
 *  - any other: a mixture of Gaussians on [0, 1] (the domain rescaled), one
 *    per observation with a bandwidth from its neighbours' distances, plus a
 *    wide prior component; an int or stepped float is drawn on the same
 *    scale and rounded to its level.
 * TPE_CANDIDATES configurations are drawn from l and the one maximising
 * l(x) / g(x) that was never observed is proposed. Besides such draws, a
 * proposal can be a one-knob move: from the best configuration so far, the
 * most promising by the same l(x) / g(x); or from the anchor, an untried one
 * in a seeded random order (the marginals l and g can steer away from a knob
 * that matters only together with others); or a draw from a joint model (a
 * product kernel around one of the good configurations, ranked by the joint
 * l/g, as BOHB's multivariate KDE), which sees how knobs interact. Which of
 * the four comes next is Thompson sampling over how often each found a new
 * best, so each gets the turns where it pays: scripts/eval-search.sh measures
 * the whole against random search and Optuna.
 *
 * A share of proposals are uniform draws instead: at least TPE_EXPLORE,
 * more where those draws show a landscape with real differences (beyond the
 * noise) but no locality (a draw's score says little of its nearest other
 * draw's): there a model steering towards the good ones spends the budget
 * on their surroundings, where a table's nearest measured row, or a knob
 * finer than its effect, gives the same score again; uniform draws find
 * new ones. Both are judged on the uniform draws alone, the only unbiased
 * sample of the space (explore_share()). The thresholds were chosen with
 * scripts/search-sim on the tables of ../shared/datasets.
 *
 * Configurations are scored by their mean log score over every measurement
 * (racing's repeats included); a failed configuration counts among the bad.
 * The anchor is the best configuration, but under noise it moves only when
 * another beats it by TPE_ANCHOR_Z standard errors (the noise pooled from
 * repeated configurations, at its 95% upper bound while few repeats tell
 * it): otherwise the random moves would restart from whichever
 * configuration was luckiest last, and never work through the knobs of one
 * good configuration. Without noise (or before a repeat) it is the best.
 * A conditional parameter is modelled from the observations in which it was
 * active, and counts only in candidates in which it is.
 */
#include "strategy.h"
#include "../lib/strbuf.h"
#include "neighbors.h"
#include "../lib/err.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_cdf.h>

#ifndef TPE_STARTUP
#define TPE_STARTUP 6		/* random configurations after the baseline */
#endif
#ifndef TPE_CANDIDATES
#define TPE_CANDIDATES 48	/* draws from l per round */
#endif
#define TPE_ROUNDS 20		/* rounds of draws before falling back to random */
#define TPE_MAX_CAT 32
#ifndef TPE_PRIOR
#define TPE_PRIOR 1.0		/* weight of the prior in each density */
#endif
#ifndef TPE_GAMMA
#define TPE_GAMMA 0.10		/* share of the observations that are good */
#endif
#define TPE_REACH 8.0		/* bandwidths beyond which a component counts for nothing */
#ifndef TPE_EXPLORE
#define TPE_EXPLORE 0.1		/* the least share of uniform draws */
#endif
#ifndef TPE_EXPLORE_MAX
#define TPE_EXPLORE_MAX 0.9
#endif
#ifndef TPE_EXPLORE_UNKNOWN
#define TPE_EXPLORE_UNKNOWN 0.5	/* while the locality is not known */
#endif
#ifndef TPE_LOCALITY_GAIN
#define TPE_LOCALITY_GAIN 3.0
#endif
#define TPE_LOCALITY_MIN 8
#define TPE_LOCALITY_MAX 200
#ifndef TPE_ANCHOR_Z
#define TPE_ANCHOR_Z 3.0	/* standard errors a new best must gain to become the anchor */
#endif

/* How a proposal was made; each earns credit when it finds a new best. */
enum op { OP_DRAW, OP_RATIO_MOVE, OP_RANDOM_MOVE, OP_JOINT, OP_UNIFORM, NOPS };

struct strategy {
	const struct space *sp;
	gsl_rng *rng;
	struct history *h;
	uint64_t size;
	double wins[NOPS], tries[NOPS];
	/* proposals not yet observed, to credit their operators */
	union pval **out;
	int *out_op;
	size_t nout;
	long anchor;		/* history index; -1 before any score */
	size_t *uni, nuni;	/* history indexes of the uniform draws */
	size_t foreign;		/* configurations observed that it never proposed (the baseline, a warm start) */
};

static int tpe_init(struct strategy **out, const struct space *sp, uint64_t seed, char *err)
{
	struct strategy *s = xcalloc(1, sizeof(*s));
	(void)err;
	s->rng = strategy_rng(seed);
	s->sp = sp;
	s->h = history_new(sp);
	s->size = space_size(sp);
	s->anchor = -1;
	*out = s;
	return 0;
}

/*
 * Parameters modelled by level counts: bools and categoricals. An int or a
 * stepped float of more than two levels is ordered, and a kernel over its
 * range uses that order (neighbouring levels of a good one are likely good),
 * as Optuna's TPE does; counted as unrelated levels, 31 of them took tpe
 * twice as far from the top of a smooth hill (tests/unit/test_strategy.c),
 * and on 7z's table (scripts/search-sim, 80 seeds) the median rank after 50
 * and 100 trials was 326 and 26 where it is now 186.5 and 13.
 */
static int discrete(const struct param *p)
{
	uint64_t l = param_levels(p);
	if (p->type == P_INT || p->type == P_FLOAT)
		return l && l <= 2;
	return l && l <= TPE_MAX_CAT;
}

/* ---- one parameter's pair of densities ----------------------------------- */

struct mixture {		/* continuous: n observations plus the prior */
	const double *mu, *sd;
	size_t n;
	double maxsd;
	double *norm;		/* mass of each component inside [0, 1] */
};

struct model {
	const struct param *p;
	int disc;
	uint64_t levels;
	double *l, *g;		/* discrete: normalised level probabilities */
	struct mixture ml, mg;	/* continuous */
	double *mu_l, *sd_l, *mu_g, *sd_g;
};

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/*
 * Components sorted by mean (their weights are equal, so order is free),
 * with bandwidths as Optuna's: the larger gap to a neighbour, clipped; the
 * prior last.
 */
static void mixture_init(struct mixture *m, double *mu, double *sd, size_t n)
{
	qsort(mu, n, sizeof(*mu), cmp_double);
	double lo = 1.0 / fmin(100.0, 1.0 + (double)n);
	m->maxsd = 0;
	for (size_t k = 0; k < n; k++) {
		double left = k ? mu[k] - mu[k - 1] : mu[k];
		double right = k + 1 < n ? mu[k + 1] - mu[k] : 1.0 - mu[k];
		sd[k] = fmin(1.0, fmax(lo, fmax(left, right)));
		m->maxsd = fmax(m->maxsd, sd[k]);
	}
	mu[n] = 0.5;		/* the prior */
	sd[n] = 1.0;
	m->mu = mu;
	m->sd = sd;
	m->n = n;
	m->norm = xmalloc((n + 1) * sizeof(double));
	for (size_t i = 0; i <= n; i++)
		m->norm[i] = gsl_cdf_gaussian_P(1.0 - mu[i], sd[i]) - gsl_cdf_gaussian_P(-mu[i], sd[i]);
}

/* Weight of component i: observations 1 each, the prior TPE_PRIOR. */
static double weight(const struct mixture *m, size_t i)
{
	return i == m->n ? TPE_PRIOR : 1.0;
}

/*
 * Density at u. Components farther than TPE_REACH of the widest bandwidth
 * add nothing a double can tell, so only those near u are summed: with 1000
 * observations this is what keeps propose() within its 10 ms.
 */
static double mixture_density(const struct mixture *m, double u)
{
	double total = TPE_PRIOR * gsl_ran_gaussian_pdf(u - 0.5, 1.0) / m->norm[m->n];
	double reach = TPE_REACH * m->maxsd;
	size_t lo = 0, hi = m->n;
	while (lo < hi) {	/* the first mean >= u - reach */
		size_t mid = lo + (hi - lo) / 2;
		if (m->mu[mid] < u - reach)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = lo; i < m->n && m->mu[i] <= u + reach; i++)
		total += gsl_ran_gaussian_pdf(u - m->mu[i], m->sd[i]) / m->norm[i];
	return total / ((double)m->n + TPE_PRIOR);
}

static double mixture_draw(const struct mixture *m, gsl_rng *r)
{
	double wsum = (double)m->n + TPE_PRIOR, x = gsl_rng_uniform(r) * wsum;
	size_t i = 0;
	while (i < m->n && x >= weight(m, i)) {
		x -= weight(m, i);
		i++;
	}
	for (int k = 0; k < 1000; k++) {
		double u = m->mu[i] + gsl_ran_gaussian(r, m->sd[i]);
		if (u >= 0 && u <= 1)
			return u;
	}
	return gsl_rng_uniform(r);
}

static double model_logratio(const struct model *md, union pval v)
{
	if (md->disc) {
		uint64_t k = param_index(md->p, v);
		return log(md->l[k]) - log(md->g[k]);
	}
	/* a level's mass is its density times its width, the same in l and g */
	double u = param_unit(md->p, v);
	return log(mixture_density(&md->ml, u)) - log(mixture_density(&md->mg, u));
}

static union pval model_draw(const struct model *md, gsl_rng *r)
{
	if (md->disc) {
		double x = gsl_rng_uniform(r);
		uint64_t k = 0;
		while (k + 1 < md->levels && x >= md->l[k])
			x -= md->l[k++];
		return param_level(md->p, k);
	}
	return param_at_unit(md->p, mixture_draw(&md->ml, r));
}

/*
 * The densities of parameter pi from the observations in which it is active
 * (order: best first; the first ngood of those are the good).
 */
static void model_build(struct model *md, const struct space *sp, const struct history *h,
			const size_t *order, size_t n, size_t ngood, size_t pi)
{
	const struct param *p = &sp->p[pi];
	size_t nl = 0, ng = 0;
	memset(md, 0, sizeof(*md));
	md->p = p;
	md->disc = discrete(p);
	if (md->disc) {
		md->levels = param_levels(p);
		md->l = xmalloc(md->levels * sizeof(double));
		md->g = xmalloc(md->levels * sizeof(double));
		for (uint64_t k = 0; k < md->levels; k++)
			md->l[k] = md->g[k] = TPE_PRIOR / (double)md->levels;
		for (size_t j = 0; j < n; j++) {
			const union pval *c = history_config(h, order[j]);
			uint64_t k = param_index(p, c[pi]);
			if (k >= md->levels || !param_active(sp, c, pi))
				continue;
			(j < ngood ? md->l : md->g)[k] += 1.0;
			*(j < ngood ? &nl : &ng) += 1;
		}
		for (uint64_t k = 0; k < md->levels; k++) {
			md->l[k] /= TPE_PRIOR + (double)nl;
			md->g[k] /= TPE_PRIOR + (double)ng;
		}
		return;
	}
	md->mu_l = xmalloc((ngood + 1) * sizeof(double));
	md->sd_l = xmalloc((ngood + 1) * sizeof(double));
	md->mu_g = xmalloc((n - ngood + 1) * sizeof(double));
	md->sd_g = xmalloc((n - ngood + 1) * sizeof(double));
	for (size_t j = 0; j < n; j++) {
		const union pval *c = history_config(h, order[j]);
		if (!param_active(sp, c, pi))
			continue;
		double u = param_unit(p, c[pi]);
		if (j < ngood)
			md->mu_l[nl++] = u;
		else
			md->mu_g[ng++] = u;
	}
	mixture_init(&md->ml, md->mu_l, md->sd_l, nl);
	mixture_init(&md->mg, md->mu_g, md->sd_g, ng);
}

static void model_release(struct model *md)
{
	free(md->l);
	free(md->g);
	free(md->mu_l);
	free(md->sd_l);
	free(md->mu_g);
	free(md->sd_g);
	free(md->ml.norm);
	free(md->mg.norm);
}

/* ---- the strategy ---------------------------------------------------------- */

/* The number of good observations out of n: 10%, at least 1, at most 25. */
static size_t gamma_of(size_t n)
{
	size_t g = (size_t)ceil(TPE_GAMMA * (double)n);
	return g < 1 ? 1 : g > 25 ? 25 : g;
}

/* Keeps cand in cfg when it is unobserved and the most promising so far. */
static void consider(const struct model *md, const struct space *sp, const struct history *h,
		     const union pval *cand, union pval *cfg, double *best, int *found)
{
	double score = 0;
	for (size_t i = 0; i < sp->n; i++)
		if (param_active(sp, cand, i))
			score += model_logratio(&md[i], cand[i]);
	if (score > *best && !history_taken(h, cand)) {
		*best = score;
		memcpy(cfg, cand, sp->n * sizeof(*cfg));
		*found = 1;
	}
}

/*
 * Which way to propose next: Thompson sampling over the operators' records
 * (a Beta(1 + wins, 1 + misses) draw each), so a table where moves from the
 * best pay gets more of them, and one where the model's draws pay, more of
 * those. Seeded, and a function of what was observed: replay gives the same.
 */
static int pick_op(struct strategy *s)
{
	int best = 0;
	double top = -1;
	for (int k = 0; k < OP_UNIFORM; k++) {
		double x = gsl_ran_beta(s->rng, 1 + s->wins[k], 1 + s->tries[k] - s->wins[k]);
		if (x > top)
			top = x, best = k;
	}
	return best;
}

/* ---- the joint model (multivariate, as BOHB's) ------------------------- */

#define JOINT_EPS 0.15		/* a discrete kernel's chance of another level */
#define JOINT_SD 0.15		/* a continuous kernel's bandwidth on [0, 1] */

/* log k(x | at): the product over active parameters of one-parameter kernels. */
static double joint_logk(const struct space *sp, const union pval *x, const union pval *at,
			 const double *lsame, const double *lother)
{
	double lk = 0;
	for (size_t j = 0; j < sp->n; j++) {
		const struct param *p = &sp->p[j];
		if (p->parent && !param_active(sp, x, j))
			continue;
		if (lsame[j] <= 0) {	/* discrete */
			int same = p->type == P_BOOL ? x[j].b == at[j].b
				 : p->type == P_CAT ? x[j].c == at[j].c
				 : param_index(p, x[j]) == param_index(p, at[j]);
			lk += same ? lsame[j] : lother[j];
		} else {
			double d = param_unit(p, x[j]) - param_unit(p, at[j]);
			lk -= d * d * lsame[j];
		}
	}
	return lk;
}

/*
 * log of the mean kernel over rows order[from, to), with a flat prior worth
 * one row. lsame/lother: per parameter, the discrete kernel's two logs, or
 * for a continuous one lsame = 1 / (2 sd^2) (> 0).
 */
static double joint_logdensity(const struct space *sp, const struct history *h, const size_t *order,
			       size_t from, size_t to, const union pval *x, const double *lsame,
			       const double *lother, double *lk)
{
	double m = 0, sum = 0;
	lk[0] = 0;	/* the prior: every point equally likely (up to a constant) */
	for (size_t j = 0; j < sp->n; j++)
		if (lsame[j] <= 0 && param_active(sp, x, j))
			lk[0] -= log((double)param_levels(&sp->p[j]));
	m = lk[0];
	for (size_t i = from; i < to; i++) {
		lk[i - from + 1] = joint_logk(sp, x, history_config(h, order[i]), lsame, lother);
		if (lk[i - from + 1] > m)
			m = lk[i - from + 1];
	}
	for (size_t i = 0; i <= to - from; i++)
		sum += exp(lk[i] - m);
	return m + log(sum / (double)(to - from + 1));
}

/* A draw around one of the good configurations. */
static void joint_draw(struct strategy *s, const size_t *order, size_t ngood, union pval *x)
{
	const struct space *sp = s->sp;
	const union pval *at = history_config(s->h, order[gsl_rng_uniform_int(s->rng, ngood)]);
	for (size_t j = 0; j < sp->n; j++) {
		const struct param *p = &sp->p[j];
		uint64_t levels = param_levels(p);
		if (discrete(p)) {
			x[j] = at[j];
			if (levels > 1 && gsl_rng_uniform(s->rng) < JOINT_EPS) {
				uint64_t k = rng_below(s->rng, levels - 1);
				if (k >= param_index(p, at[j]))
					k++;
				x[j] = param_level(p, k);
			}
		} else {
			double u = param_unit(p, at[j]) + gsl_ran_gaussian(s->rng, JOINT_SD);
			x[j] = param_at_unit(p, u < 0 ? 0 : u > 1 ? 1 : u);
		}
	}
	config_canonical(sp, x);
}

/* Distance of two configurations: per parameter 0/1, or the gap on [0, 1]. */
static double config_distance(const struct space *sp, const union pval *a, const union pval *b)
{
	double d = 0;
	for (size_t j = 0; j < sp->n; j++) {
		const struct param *p = &sp->p[j];
		int ia = param_active(sp, a, j), ib = param_active(sp, b, j);
		if (!ia || !ib)
			d += ia != ib;
		else if (p->type == P_BOOL || p->type == P_CAT)
			d += !pval_equal(p, a[j], b[j]);
		else
			d += fabs(param_unit(p, a[j]) - param_unit(p, b[j]));
	}
	return d;
}

static void ranks_of(const double *x, size_t n, double *rank)
{
	for (size_t i = 0; i < n; i++) {
		double below = 0, same = 0;
		for (size_t j = 0; j < n; j++) {
			below += x[j] < x[i];
			same += x[j] == x[i];
		}
		rank[i] = below + (same - 1) / 2;	/* ties share their mean rank */
	}
}

/*
 * What the uniform draws (the last TPE_LOCALITY_MAX of them: only these are
 * an unbiased sample of the space) tell of the landscape:
 *  - *rho, its locality: the rank correlation of each draw's score with
 *    that of the nearest other draw (Spearman). Near 0 the scores have no
 *    structure a model could follow (a random landscape, or one finer than
 *    the samples); near 1 neighbours predict each other.
 *  - *signal: the share of the draws' variance that the noise (pooled from
 *    repeats) does not explain. Near 0 the space is a plateau, as far as
 *    the draws can tell, and more draws would learn nothing.
 * 0, or -1 with fewer than TPE_LOCALITY_MIN scored draws.
 */
static int landscape(const struct strategy *s, double *rho, double *signal)
{
	size_t n = 0, idx[TPE_LOCALITY_MAX];
	for (size_t k = s->nuni; k-- > 0 && n < TPE_LOCALITY_MAX;)
		if (isfinite(history_value(s->h, s->uni[k])))
			idx[n++] = s->uni[k];
	if (n < TPE_LOCALITY_MIN)
		return -1;
	double y[TPE_LOCALITY_MAX], pred[TPE_LOCALITY_MAX], ry[TPE_LOCALITY_MAX],
	       rp[TPE_LOCALITY_MAX], mean = 0, var = 0;
	for (size_t i = 0; i < n; i++) {
		double best = INFINITY;
		y[i] = history_value(s->h, idx[i]);
		mean += y[i] / (double)n;
		for (size_t j = 0; j < n; j++) {
			if (j == i)
				continue;
			double d = config_distance(s->sp, history_config(s->h, idx[i]),
						   history_config(s->h, idx[j]));
			if (d < best)
				best = d, pred[i] = history_value(s->h, idx[j]);
		}
	}
	for (size_t i = 0; i < n; i++)
		var += (y[i] - mean) * (y[i] - mean) / (double)(n - 1);
	double sigma = history_sigma(s->h, NULL);
	if (isnan(sigma))
		sigma = 0;
	*signal = var > 0 ? fmax(0, 1 - sigma * sigma / var) : 0;
	ranks_of(y, n, ry);
	ranks_of(pred, n, rp);
	double my = (double)(n - 1) / 2, sxy = 0, sxx = 0, syy = 0;
	for (size_t i = 0; i < n; i++) {
		sxy += (ry[i] - my) * (rp[i] - my);
		sxx += (ry[i] - my) * (ry[i] - my);
		syy += (rp[i] - my) * (rp[i] - my);
	}
	*rho = sxx > 0 && syy > 0 ? sxy / sqrt(sxx * syy) : 0;
	return 0;
}

/*
 * The share of proposals drawn uniformly: a floor of exploration, raised as
 * far as the draws show a landscape with differences but no locality, where
 * no model beats more draws. On a plateau (every difference within the
 * noise) it stays at the floor: there moves from the anchor, one knob at a
 * time, are what finds the one knob that matters.
 */
static double explore_share(const struct strategy *s)
{
	double rho, signal;
	if (landscape(s, &rho, &signal))	/* seeded by earlier runs: exploit what they found */
		return s->foreign > 1 ? TPE_EXPLORE : TPE_EXPLORE_UNKNOWN;
	double lack = fmin(1, fmax(0, 1 - TPE_LOCALITY_GAIN * rho));
	return TPE_EXPLORE + (TPE_EXPLORE_MAX - TPE_EXPLORE) * signal * lack;
}

/* Remembers which operator proposed cfg, to credit it when cfg is observed. */
static void note_out(struct strategy *s, const union pval *cfg, int op)
{
	s->out = xrealloc(s->out, (s->nout + 1) * sizeof(*s->out));
	s->out_op = xrealloc(s->out_op, (s->nout + 1) * sizeof(*s->out_op));
	s->out[s->nout] = config_dup(s->sp, cfg);
	s->out_op[s->nout++] = op;
}

static int propose_from(struct strategy *s, union pval *cfg, char *err)
{
	const struct space *sp = s->sp;
	size_t n = history_count(s->h);
	(void)err;
	if (s->size && n >= s->size)
		return 1;
	if (n < TPE_STARTUP || !sp->n || gsl_rng_uniform(s->rng) < explore_share(s)) {
		if (draw_unseen(sp, s->rng, s->h, cfg))
			return 1;
		note_out(s, cfg, OP_UNIFORM);
		return 0;
	}
	int op = pick_op(s);

	size_t *order = xmalloc(n * sizeof(*order));
	struct model *md = xcalloc(sp->n, sizeof(*md));
	union pval *cand = config_new(sp);
	history_order(s->h, order);
	size_t ngood = gamma_of(n);
	for (size_t i = 0; i < sp->n; i++)
		model_build(&md[i], sp, s->h, order, n, ngood, i);

	double best = -INFINITY;
	int found = 0;
	if (op == OP_RATIO_MOVE || op == OP_RANDOM_MOVE) {	/* a move from the best or the anchor */
		long top = op == OP_RANDOM_MOVE ? s->anchor : history_best(s->h);
		size_t nm = 0;
		struct move *m = top < 0 ? NULL
			: neighbor_moves(sp, history_config(s->h, (size_t)top), &nm);
		const union pval *from = top < 0 ? NULL : history_config(s->h, (size_t)top);
		if (op == OP_RANDOM_MOVE) {	/* an untried one, in a seeded random order */
			if (nm > 1)
				gsl_ran_shuffle(s->rng, m, nm, sizeof(*m));
			for (size_t k = 0; k < nm && !found; k++) {
				move_apply(sp, from, &m[k], cfg);
				found = !history_taken(s->h, cfg);
			}
		} else {		/* the most promising one by l(x) / g(x) */
			for (size_t k = 0; k < nm; k++) {
				move_apply(sp, from, &m[k], cand);
				consider(md, sp, s->h, cand, cfg, &best, &found);
			}
		}
		free(m);
	}
	if (op == OP_JOINT) {	/* draws around the good ones, ranked by the joint l/g */
		double jbest = -INFINITY, *lsame = xmalloc(sp->n * sizeof(double)),
		       *lother = xmalloc(sp->n * sizeof(double)), *lk = xmalloc((n + 1) * sizeof(double));
		for (size_t j = 0; j < sp->n; j++) {
			uint64_t levels = param_levels(&sp->p[j]);
			if (discrete(&sp->p[j])) {
				lsame[j] = log(levels > 1 ? 1 - JOINT_EPS : 1);
				lother[j] = levels > 1 ? log(JOINT_EPS / (double)(levels - 1)) : 0;
			} else {
				lsame[j] = 0.5 / (JOINT_SD * JOINT_SD);
				lother[j] = 0;
			}
		}
		for (int round = 0; round < TPE_ROUNDS && !found; round++)
			for (int c = 0; c < TPE_CANDIDATES; c++) {
				joint_draw(s, order, ngood, cand);
				if (history_taken(s->h, cand))
					continue;
				double sc = joint_logdensity(sp, s->h, order, 0, ngood, cand, lsame,
							     lother, lk) -
					    joint_logdensity(sp, s->h, order, ngood, n, cand, lsame,
							     lother, lk);
				if (sc > jbest) {
					jbest = sc;
					memcpy(cfg, cand, sp->n * sizeof(*cfg));
					found = 1;
				}
			}
		free(lsame);
		free(lother);
		free(lk);
	}
	if (!found)
		op = OP_DRAW;
	for (int round = 0; round < TPE_ROUNDS && !found; round++)
		for (int c = 0; c < TPE_CANDIDATES; c++) {
			for (size_t i = 0; i < sp->n; i++)
				cand[i] = model_draw(&md[i], s->rng);
			config_canonical(sp, cand);
			consider(md, sp, s->h, cand, cfg, &best, &found);
		}
	for (size_t i = 0; i < sp->n; i++)
		model_release(&md[i]);
	free(md);
	free(order);
	free(cand);
	if (!found)
		return draw_unseen(sp, s->rng, s->h, cfg);
	note_out(s, cfg, op);
	return 0;
}

/* Proposes from the history with the busy configurations lied in. */
static int tpe_propose(struct strategy *s, const struct busy *busy, union pval *cfg, char *err)
{
	return propose_lied(&s->h, busy, propose_from, s, cfg, err);
}

/* The anchor follows the best only by a gain the noise does not explain. */
static void move_anchor(struct strategy *s)
{
	long b = history_best(s->h), a = s->anchor;
	if (a < 0 || b < 0 || !history_n(s->h, (size_t)a)) {
		s->anchor = b;
		return;
	}
	size_t dof;
	double sigma = history_sigma(s->h, &dof), margin = 0;
	if (sigma > 0)	/* at its 95% upper bound: a few repeats can look quiet by chance */
		margin = TPE_ANCHOR_Z * sigma *
			 sqrt((double)dof / gsl_cdf_chisq_Pinv(0.05, (double)dof)) *
			 sqrt(1.0 / (double)history_n(s->h, (size_t)b) +
			      1.0 / (double)history_n(s->h, (size_t)a));
	if (history_value(s->h, (size_t)b) > history_value(s->h, (size_t)a) + margin)
		s->anchor = b;
}

static void tpe_observe(struct strategy *s, const union pval *cfg, int ok, double score)
{
	long before = history_best(s->h);
	double was = before < 0 ? -INFINITY : history_value(s->h, (size_t)before);
	size_t known = history_count(s->h), i = history_add(s->h, cfg, ok, score), k = 0;
	while (k < s->nout && !config_equal(s->sp, cfg, s->out[k]))
		k++;
	s->foreign += k == s->nout && history_count(s->h) > known;
	if (k < s->nout) {
		s->tries[s->out_op[k]] += 1;
		if (history_value(s->h, i) > was)
			s->wins[s->out_op[k]] += 1;
		if (s->out_op[k] == OP_UNIFORM) {
			s->uni = xrealloc(s->uni, (s->nuni + 1) * sizeof(*s->uni));
			s->uni[s->nuni++] = i;
		}
		free(s->out[k]);
		s->out[k] = s->out[--s->nout];
		s->out_op[k] = s->out_op[s->nout];
	}
	move_anchor(s);
}

static void tpe_free(struct strategy *s)
{
	if (!s)
		return;
	gsl_rng_free(s->rng);
	history_free(s->h);
	for (size_t k = 0; k < s->nout; k++)
		free(s->out[k]);
	free(s->out);
	free(s->out_op);
	free(s->uni);
	free(s);
}

static void tpe_retell(struct strategy *s, const union pval *cfg, double was, double now)
{
	history_retell(s->h, cfg, was, now);
}

const struct strategy_ops strategy_tpe = {
	.name = "tpe",
	.help = "Tree-structured Parzen Estimator after a seeded random start (the default)",
	.init = tpe_init,
	.propose = tpe_propose,
	.observe = tpe_observe,
	.retell = tpe_retell,
	.free = tpe_free,
};
