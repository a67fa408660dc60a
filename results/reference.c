#include "reference.h"
#include "floor.h"
#include "stats.h"
#include "../lib/err.h"
#include "../lib/strbuf.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void reference_init(struct reference *r, const struct objective *o)
{
	memset(r, 0, sizeof(*r));
	objective_copy(&r->o, o);
}

void reference_release(struct reference *r)
{
	for (size_t i = 0; i < r->ns; i++) {
		free(r->s[i].host);
		free(r->s[i].ids);
		free(r->s[i].level);
	}
	for (size_t i = 0; i < r->nb; i++)
		free(r->bhost[i]);
	free(r->s);
	free(r->b);
	free(r->bhost);
	objective_release(&r->o);
	memset(r, 0, sizeof(*r));
}

/*
 * The two-sided levels of the tests: 5%, and 20% for the first sign of a
 * step, which costs one measurement more to confirm or dismiss.
 */
#define AT5 0.05
#define AT20 0.20

/*
 * The threshold in the log for a difference whose standard error is se
 * standard deviations, over the spread ss with dof degrees of freedom, at
 * least REF_MIN_STEP; INFINITY without a spread (no step can be told from
 * noise).
 */
static double threshold(double alpha, double ss, size_t dof, double se)
{
	if (!dof)
		return INFINITY;
	double thr = stats_t_quantile(1 - alpha / 2, (double)dof) * sqrt(ss / (double)dof) * se;
	return thr > REF_MIN_STEP ? thr : REF_MIN_STEP;
}

/* One measurement's against a level over n: sqrt(1 + 1/n). */
static double se_one(size_t n)
{
	return sqrt(1 + 1.0 / (double)(n ? n : 1));
}

double reference_threshold(const struct reference *r, size_t n)
{
	return threshold(AT5, r->ss, r->dof, se_one(n));
}

/* The log score of trial id against level; NaN when it cannot be scored. */
static double log_score(const struct reference *r, struct store *st, int64_t id,
			const double *level)
{
	double score;
	if (trial_score(st, &r->o, level, id, &score, NULL, NULL, NULL) || !(score > 0))
		return NAN;
	return log(score);
}

static int seg_new(struct reference *r, const char *host, int floor)
{
	r->s = xrealloc(r->s, (r->ns + 1) * sizeof(*r->s));
	r->s[r->ns] = (struct ref_seg){ .host = xstrdup(host), .floor = floor,
					.tentative = !floor,
					.level = xcalloc(r->o.n + 1, sizeof(double)) };
	return (int)r->ns++;
}

/*
 * Adds member id to segment k, and to its level while the level takes
 * members: a floor's takes the floor's measurements (floor), and later
 * ones up to REF_LEVEL_N (a floor of one measurement was the level of the
 * whole search, its noise in every score); a later level its first
 * REF_LEVEL_N.
 */
static int seg_join(struct reference *r, struct store *st, int k, int64_t id, int floor,
		    char *err)
{
	struct ref_seg *g = &r->s[k];
	g->ids = xrealloc(g->ids, (g->n + 1) * sizeof(*g->ids));
	g->ids[g->n++] = id;
	if (!(g->floor && floor) && g->nlevel >= REF_LEVEL_N)
		return 0;
	g->nlevel = g->n;
	return floor_base(st, &r->o, g->ids, g->nlevel, g->level, err);
}

/* The floor's spread: each floor member's log score against its host's level. */
static void floor_spread(struct reference *r, struct store *st, double *ss, size_t *dof)
{
	*ss = 0;
	*dof = 0;
	for (size_t k = 0; k < r->ns; k++) {
		const struct ref_seg *g = &r->s[k];
		if (!g->floor || g->n < 2)
			continue;
		for (size_t i = 0; i < g->n; i++) {
			double x = log_score(r, st, g->ids[i], g->level);
			if (!isnan(x))
				*ss += x * x;
		}
		*dof += g->n - 1;
	}
}

/*
 * The segment of the host's last baseline that is not an outlier; -1:
 * none. settled: and not a step yet to be confirmed either.
 */
static int current(const struct reference *r, const char *host, int settled)
{
	for (size_t i = r->nb; i-- > 0;)
		if (r->b[i].seg >= 0 && !strcmp(r->bhost[i], host) &&
		    !(settled && r->s[r->b[i].seg].tentative))
			return r->b[i].seg;
	return -1;
}

/* The segment before seg on its host; -1: none. */
static int before(const struct reference *r, int seg)
{
	for (int k = seg - 1; k >= 0; k--)
		if (!strcmp(r->s[k].host, r->s[seg].host) && r->s[k].n)
			return k;
	return -1;
}

/* A later baseline: joins its host's segment, opens a new one, or ends a tentative one. */
static int place_later(struct reference *r, struct store *st, size_t bi, const char *host,
		       char *err)
{
	int64_t id = r->b[bi].id;
	int cur = current(r, host, 0), prev;
	double x;
	r->jumped = 0;
	if (cur < 0) {	/* a host whose floor measurement failed: this is its first */
		r->b[bi].seg = seg_new(r, host, 0);
		r->s[r->b[bi].seg].tentative = 0;
		return seg_join(r, st, r->b[bi].seg, id, 0, err);
	}
	x = log_score(r, st, id, r->s[cur].level);
	if (r->s[cur].tentative && (prev = before(r, cur)) >= 0) {
		/*
		 * The measurement after a new level's first: if the level moved,
		 * the two measured one level, and this one's difference from the
		 * new level is noise that the test takes in (x^2 n/(n+1), one
		 * degree of freedom more). The step is confirmed when the new
		 * level's members, this one included, lie off the old level at 5%
		 * (their mean, against the old level's) and this one alone does at
		 * 20%, on the same side: the first was chosen for lying off, so it
		 * cannot carry the test alone. When this one lies near the old
		 * level, the first was an outlier if it lay off at 5% (`sure`),
		 * else noise: its members rejoin the old level.
		 */
		const struct ref_seg *g = &r->s[cur], *o = &r->s[prev];
		double xp = log_score(r, st, id, o->level), mean = xp;
		double ss = r->ss + (isnan(x) ? 0 : x * x * (double)g->n / (double)(g->n + 1));
		size_t dof = r->dof + !isnan(x);
		for (size_t i = 0; i < g->n; i++)
			mean += log_score(r, st, g->ids[i], o->level);
		mean /= (double)(g->n + 1);
		double se = sqrt(1.0 / (double)(g->n + 1) + 1.0 / (double)(o->nlevel ? o->nlevel : 1));
		if (!isnan(mean) && fabs(mean) > threshold(AT5, ss, dof, se) && mean * xp > 0 &&
		    fabs(xp) > threshold(AT20, ss, dof, se_one(o->nlevel))) {
			r->s[cur].tentative = 0;	/* a step, confirmed */
			r->ss = ss, r->dof = dof;
			r->b[bi].seg = cur;
			return seg_join(r, st, cur, id, 0, err);
		}
		if (!isnan(xp) && fabs(xp) <= threshold(AT5, ss, dof, se_one(o->nlevel))) {
			int sure = g->sure;
			r->s[cur].n = 0;
			for (size_t i = 0; i < bi; i++) {
				if (r->b[i].seg != cur)
					continue;
				r->b[i].seg = -1;
				if (sure)
					continue;
				double xm = log_score(r, st, r->b[i].id, o->level);
				if (!isnan(xm))
					r->ss += xm * xm, r->dof++;
				r->b[i].seg = prev;
				if (seg_join(r, st, prev, r->b[i].id, 0, err))
					return -1;
			}
			r->ss += xp * xp, r->dof++;
			r->b[bi].seg = prev;
			return seg_join(r, st, prev, id, 0, err);
		}
	} else if (!isnan(x) && fabs(x) <= threshold(AT20, r->ss, r->dof, se_one(r->s[cur].nlevel))) {
		r->ss += x * x, r->dof++;
		r->b[bi].seg = cur;
		return seg_join(r, st, cur, id, 0, err);
	}
	/* a new level, tentative: sure (2) when it lies off the old at 5% too */
	r->jumped = isnan(x) || fabs(x) > reference_threshold(r, r->s[cur].nlevel) ? 2 : 1;
	r->jump = exp(x);
	r->b[bi].seg = seg_new(r, host, 0);
	r->s[r->b[bi].seg].sure = r->jumped == 2;
	return seg_join(r, st, r->b[bi].seg, id, 0, err);
}

int reference_add(struct reference *r, struct store *st, int64_t id, int floor, char *err)
{
	struct strbuf host = STRBUF_INIT;
	double t;
	int rc = -1;
	for (size_t i = 0; i < r->nb; i++)
		if (r->b[i].id == id)
			return 0;	/* a resume replays the floor's again */
	if (store_trial_place(st, id, &host, &t, err))
		goto out;
	r->b = xrealloc(r->b, (r->nb + 1) * sizeof(*r->b));
	r->bhost = xrealloc(r->bhost, (r->nb + 1) * sizeof(*r->bhost));
	r->b[r->nb] = (struct ref_base){ .id = id, .t = t, .seg = -1 };
	r->bhost[r->nb] = xstrdup(host.buf);
	size_t bi = r->nb++;
	if (!floor) {
		rc = place_later(r, st, bi, host.buf, err);
		goto out;
	}
	int k = -1;
	for (size_t i = 0; i < r->ns && k < 0; i++)
		if (r->s[i].floor && !strcmp(r->s[i].host, host.buf))
			k = (int)i;
	if (k < 0)
		k = seg_new(r, host.buf, 1);
	r->b[bi].seg = k;
	if ((rc = seg_join(r, st, k, id, 1, err)) == 0)
		floor_spread(r, st, &r->ss, &r->dof);
out:
	strbuf_release(&host);
	return rc;
}

int reference_level_of(const struct reference *r, int64_t id)
{
	for (size_t i = 0; i < r->nb; i++)
		if (r->b[i].id == id)
			return r->b[i].seg;
	return -1;
}

size_t reference_steps(const struct reference *r)
{
	size_t n = 0;
	for (size_t k = 0; k < r->ns; k++)
		n += r->s[k].n && !r->s[k].floor && !r->s[k].tentative && before(r, (int)k) >= 0;
	return n;
}

/*
 * The segment trial time t on host reads against, knowing every baseline:
 * the nearest in time that is neither an outlier nor an unconfirmed step.
 * *disturbed: the baselines either side differ in segment, or one is an
 * outlier or an unconfirmed step. side[2]: their segments (-1: none, an
 * outlier).
 */
static int near(const struct reference *r, const char *host, double t, int *disturbed, int *side)
{
	int best = -1, lo = -1, hi = -1;
	for (size_t i = 0; i < r->nb; i++) {
		if (strcmp(r->bhost[i], host))
			continue;
		if (r->b[i].seg >= 0 && !r->s[r->b[i].seg].tentative &&
		    (best < 0 || fabs(r->b[i].t - t) < fabs(r->b[best].t - t)))
			best = (int)i;
		if (r->b[i].t <= t && (lo < 0 || r->b[i].t >= r->b[lo].t))
			lo = (int)i;
		if (r->b[i].t > t && (hi < 0 || r->b[i].t < r->b[hi].t))
			hi = (int)i;
	}
	*disturbed = 0;
	side[0] = lo >= 0 ? r->b[lo].seg : -1;
	side[1] = hi >= 0 ? r->b[hi].seg : -1;
	if (lo >= 0 && hi >= 0)
		*disturbed = r->b[lo].seg != r->b[hi].seg || r->b[lo].seg < 0;
	else if (lo >= 0)
		*disturbed = r->b[lo].seg < 0 || r->s[r->b[lo].seg].tentative;
	return best < 0 ? -1 : r->b[best].seg;
}

/* Trial id's host, time and the segment it reads against (as reference_score()). */
static int place(const struct reference *r, struct store *st, int64_t id, enum ref_when when,
		 int *seg, int *dist, int *side, char *err)
{
	struct strbuf host = STRBUF_INIT;
	double t;
	if (store_trial_place(st, id, &host, &t, err)) {
		strbuf_release(&host);
		return -1;
	}
	side[0] = side[1] = -1;
	*dist = 0;
	*seg = when == REF_NOW ? current(r, host.buf, 1) : near(r, host.buf, t, dist, side);
	for (size_t i = 0; i < r->nb; i++)
		if (r->b[i].id == id && r->b[i].seg >= 0)	/* a baseline: its own level */
			*seg = r->b[i].seg, *dist = 0;
	for (size_t k = 0; *seg < 0 && k < r->ns; k++)	/* a host without a baseline: the first's */
		if (r->s[k].floor && r->s[k].n)
			*seg = (int)k;
	strbuf_release(&host);
	if (*seg < 0)
		return seterr(err, "no baseline measurement to score against"), -1;
	return 0;
}

int reference_score(const struct reference *r, struct store *st, int64_t id, enum ref_when when,
		    double *score, double **per_repeat, size_t *nrep, int *disturbed, char *err)
{
	int seg, dist, side[2];
	if (place(r, st, id, when, &seg, &dist, side, err))
		return -1;
	if (disturbed)
		*disturbed = dist;
	return trial_score(st, &r->o, r->s[seg].level, id, score, per_repeat, nrep, err);
}

int reference_score_low(const struct reference *r, struct store *st, int64_t id, double *low,
			char *err)
{
	int seg, dist, side[2];
	if (place(r, st, id, REF_NEAR, &seg, &dist, side, err) ||
	    trial_score(st, &r->o, r->s[seg].level, id, low, NULL, NULL, err))
		return -1;
	for (int k = 0; k < 2 && dist; k++) {
		double x;
		if (side[k] >= 0 && !trial_score(st, &r->o, r->s[side[k]].level, id, &x, NULL, NULL,
						  NULL) && x < *low)
			*low = x;
	}
	return 0;
}
