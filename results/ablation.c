/* The ablation's path, minimal set and next measurements, from its measurements (ablation.h). */
#include "ablation.h"
#include "stats.h"
#include "../lib/strbuf.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* What obs hold of one configuration, on the path or in the check. */
struct tally {
	double *v;
	int64_t *id;		/* the trials of v */
	size_t n, failed, waiting;
};

static void tally(const struct space *sp, const struct abl_obs *obs, size_t nobs,
		  const union pval *cfg, enum abl_kind kind, struct tally *t)
{
	memset(t, 0, sizeof(*t));
	t->v = xcalloc(nobs + 1, sizeof(double));
	t->id = xcalloc(nobs + 1, sizeof(int64_t));
	for (size_t i = 0; i < nobs; i++) {
		if (obs[i].kind != kind || !config_equal(sp, obs[i].cfg, cfg))
			continue;
		if (obs[i].state == ABL_OBS_DONE) {
			t->id[t->n] = obs[i].trial;
			t->v[t->n++] = obs[i].score;
		}
		else if (obs[i].state == ABL_OBS_FAILED)
			t->failed++;
		else
			t->waiting++;
	}
}

static void tally_release(struct tally *t)
{
	free(t->v);
	free(t->id);
}

static void want(struct ablation *a, const struct space *sp, const union pval *cfg,
		 enum abl_kind kind, size_t n)
{
	if (!n)
		return;
	a->want = xrealloc(a->want, (a->nwant + 1) * sizeof(*a->want));
	a->want[a->nwant++] = (struct abl_want){ config_dup(sp, cfg), kind, n };
}

/* More of cfg while fewer than r are done or waiting; 1 while it is not complete. */
static int need(struct ablation *a, const struct space *sp, const union pval *cfg,
		enum abl_kind kind, const struct tally *t, size_t r)
{
	if (t->n + t->waiting < r)
		want(a, sp, cfg, kind, r - t->n - t->waiting);
	return t->n < r;
}

static double mean_log(const double *v, size_t n)
{
	double s = 0;
	for (size_t i = 0; i < n; i++)
		s += log(v[i] > 0 ? v[i] : 1e-300);
	return n ? s / (double)n : -INFINITY;
}

/* One configuration's spread about its own mean, into the pooled noise (ss, df). */
static void pool(double *ss, size_t *df, const double *v, size_t n)
{
	double m = mean_log(v, n);
	for (size_t i = 0; i < n; i++)
		*ss += (log(v[i]) - m) * (log(v[i]) - m);
	*df += n ? n - 1 : 0;
}

static void push(size_t **v, size_t *n, size_t x)
{
	*v = xrealloc(*v, (*n + 1) * sizeof(**v));
	(*v)[(*n)++] = x;
}

/*
 * One step from path (taken[i]: change i is on it): every remaining change
 * measured, the best kept. 1 when it took one, 0 while measuring, -1 stuck.
 */
static int step(struct ablation *a, const struct space *sp, const union pval *path,
		const union pval *target, const struct abl_opts *o, const struct abl_obs *obs,
		size_t nobs, int *taken)
{
	struct abl_step st = { 0 };
	struct tally best_t = { 0 }, base;
	size_t best = SIZE_MAX, waiting = 0, df = 0;
	double best_m = -INFINITY, ss = 0;
	union pval *cfg = config_new(sp), *best_cfg = NULL;
	tally(sp, obs, nobs, path, ABL_BASE, &base);
	if (base.failed && base.n < (size_t)o->repeats) {
		seterr(a->why, "step %zu: the path so far failed", a->nsteps + 1);
		tally_release(&base);
		free(cfg);
		return -1;
	}
	waiting += need(a, sp, path, ABL_BASE, &base, (size_t)o->repeats);
	for (size_t k = 0; k < a->nchanges; k++) {
		size_t p = a->changes[k];
		struct tally t;
		if (taken[k])
			continue;
		memcpy(cfg, path, sp->n * sizeof(*cfg));
		cfg[p] = target[p];
		config_canonical(sp, cfg);
		if (!param_active(sp, cfg, p) || config_equal(sp, cfg, path)) {
			push(&st.skipped, &st.nskipped, p);
			continue;
		}
		if (config_forbidden(sp, cfg)) {	/* a combination its space forbids: no trial */
			push(&st.forbidden, &st.nforbidden, p);
			continue;
		}
		tally(sp, obs, nobs, cfg, ABL_PATH, &t);
		if (t.failed && t.n < (size_t)o->repeats) {
			push(&st.failed, &st.nfailed, p);
		} else if (need(a, sp, cfg, ABL_PATH, &t, (size_t)o->repeats)) {
			waiting++;
		} else if (pool(&ss, &df, t.v, t.n), st.ways++, mean_log(t.v, t.n) > best_m) {
			best_m = mean_log(t.v, t.n);
			best = k;
			tally_release(&best_t);
			best_t = t;
			free(best_cfg);
			best_cfg = config_dup(sp, cfg);
			t.v = NULL;
			t.id = NULL;
		}
		tally_release(&t);
	}
	free(cfg);
	int rc = 1;
	if (waiting) {
		rc = 0;
	} else if (best == SIZE_MAX) {
		seterr(a->why, "step %zu: %s", a->nsteps + 1, st.nfailed ?
		       "every remaining change failed on the path" : st.nforbidden ?
		       "every remaining change makes a combination the space forbids" :
		       "no remaining change takes effect on the path");
		rc = -1;
	}
	if (rc != 1) {
		free(st.skipped);
		free(st.failed);
		free(st.forbidden);
		tally_release(&best_t);
		free(best_cfg);
		tally_release(&base);
		return rc;
	}
	pool(&ss, &df, base.v, base.n);
	st.base = base.v;
	st.base_trials = base.id;
	st.nbase = base.n;
	if (!a->nsteps) {	/* the first step's base: the defaults */
		a->def_scores = xcalloc(base.n + 1, sizeof(double));
		memcpy(a->def_scores, base.v, base.n * sizeof(double));
		a->ndef = base.n;
	}
	taken[best] = 1;
	st.param = a->changes[best];
	st.cfg = best_cfg;
	st.scores = best_t.v;
	st.trials = best_t.id;
	st.n = best_t.n;
	a->ss += ss;
	a->df += df;
	a->steps = xrealloc(a->steps, (a->nsteps + 1) * sizeof(*a->steps));
	a->steps[a->nsteps++] = st;
	return 1;
}

/*
 * Each step's gain, on the noise pooled over every configuration the path
 * measured (one noise, many degrees of freedom: 3 + 3 measurements alone
 * give an interval 2.5 times as wide), Bonferroni over the changes it was
 * picked among: the best of several is picked for a gain that is partly
 * luck, and its interval still covers what it truly gains.
 */
static void gains(struct ablation *a)
{
	double sd = a->df ? sqrt(a->ss / (double)a->df) : NAN;
	for (size_t k = 0; k < a->nsteps; k++) {
		struct abl_step *st = &a->steps[k];
		const double *prev = st->base;
		size_t nprev = st->nbase;
		if (a->df) {
			compare_pooled(prev, nprev, st->scores, st->n, sd, (double)a->df, 0.95,
				       st->ways, &st->gain);
			compare_pooled(a->def_scores, a->ndef, st->scores, st->n, sd, (double)a->df,
				       0.95, st->ways, &st->total);
		} else {
			compare_samples(prev, nprev, st->scores, st->n, 0.95, &st->gain);
			compare_samples(a->def_scores, a->ndef, st->scores, st->n, 0.95, &st->total);
		}
	}
}

/* The steps whose gain is beyond the noise, over the path's steps (Benjamini-Hochberg). */
static void mark_carries(struct ablation *a, double fdr)
{
	double *p = xcalloc(a->nsteps + 1, sizeof(double));
	int *rej = xcalloc(a->nsteps + 1, sizeof(int));
	for (size_t k = 0; k < a->nsteps; k++)
		p[k] = a->steps[k].gain.p_t;
	stats_bh(p, a->nsteps, fdr, rej);
	for (size_t k = 0; k < a->nsteps; k++)
		a->steps[k].carries = rej[k] && a->steps[k].gain.ratio > 1;
	free(p);
	free(rej);
}

/* A prefix's measurements: as the next step's base (no luck picked them), the whole path's own. */
static const double *prefix_scores(const struct ablation *a, size_t k, size_t *n)
{
	if (k < a->nsteps) {
		*n = a->steps[k].nbase;
		return a->steps[k].base;
	}
	*n = a->steps[k - 1].n;
	return a->steps[k - 1].scores;
}

/* The fresh A B of prefix k against the whole path, from prefix `from` on. */
static void check(struct ablation *a, const struct space *sp, const union pval *def,
		  const struct abl_opts *o, const struct abl_obs *obs, size_t nobs, size_t from)
{
	const union pval *full = a->steps[a->nsteps - 1].cfg;
	struct tally ta, tb;
	tally(sp, obs, nobs, full, ABL_CHECK, &ta);
	for (size_t k = from; k < a->nsteps; k++) {
		const union pval *cfg = k ? a->steps[k - 1].cfg : def;
		size_t want_n;
		tally(sp, obs, nobs, cfg, ABL_CHECK, &tb);
		a->checking = 1;
		a->check_prefix = k;
		a->check_state = confirm_judge(ta.v, ta.n, tb.v, tb.n, ta.failed + tb.failed,
					       o->check_repeats, o->check_max, &want_n, &a->check);
		if (a->check_state == CONFIRM_MORE) {	/* A B A B: the engine alternates */
			need(a, sp, full, ABL_CHECK, &ta, want_n);
			need(a, sp, cfg, ABL_CHECK, &tb, want_n);
		}
		tally_release(&tb);
		if (a->check_state != CONFIRM_WORSE)
			break;
		a->rejected++;
	}
	tally_release(&ta);
	switch (a->check_state) {
	case CONFIRM_MORE:
		a->state = ABL_MEASURING;
		break;
	case CONFIRM_FAILED:
		a->state = ABL_STUCK;
		seterr(a->why, "the fresh A B's measurements failed");
		break;
	default:
		a->state = ABL_DONE;
		/* every shorter prefix lost: the whole path */
		a->minimal = a->check_state == CONFIRM_WORSE ? a->nsteps : a->check_prefix;
	}
}

int ablation_derive(const struct space *sp, const union pval *def, const union pval *target,
		    const struct abl_opts *o, const struct abl_obs *obs, size_t nobs,
		    struct ablation *a)
{
	memset(a, 0, sizeof(*a));
	for (size_t i = 0; i < sp->n; i++)
		if (!pval_equal(&sp->p[i], def[i], target[i]))
			push(&a->changes, &a->nchanges, i);
	for (size_t i = 0; i < nobs; i++)
		a->trials += obs[i].state != ABL_OBS_WAITING;
	if (!a->nchanges) {
		a->state = ABL_STUCK;
		return seterr(a->why, "the configuration is the defaults: nothing to ablate"), -1;
	}
	int rc = 1;
	int *taken = xcalloc(a->nchanges, sizeof(int));
	union pval *path = config_dup(sp, def);
	while (a->nsteps < a->nchanges && rc == 1)
		if ((rc = step(a, sp, path, target, o, obs, nobs, taken)) == 1)
			memcpy(path, a->steps[a->nsteps - 1].cfg, sp->n * sizeof(*path));
	free(taken);
	free(path);
	gains(a);
	a->state = rc < 0 ? ABL_STUCK : ABL_MEASURING;
	if (rc != 1)
		return 0;
	mark_carries(a, o->fdr);
	/* the shortest prefix the path's own measurements do not find worse than the whole */
	size_t k0 = 0, nf, nk;
	const double *full = prefix_scores(a, a->nsteps, &nf);
	for (; k0 < a->nsteps; k0++) {
		struct comparison c;
		const double *v = prefix_scores(a, k0, &nk);
		if (!compare_pooled(full, nf, v, nk, sqrt(a->ss / (double)a->df), (double)a->df, 0.95,
				    1, &c) && !(c.hi < 1))
			break;
	}
	if (k0 == a->nsteps) {
		a->state = ABL_DONE;
		a->minimal = a->nsteps;
		return 0;
	}
	check(a, sp, def, o, obs, nobs, k0);
	return 0;
}

void ablation_release(struct ablation *a)
{
	for (size_t k = 0; k < a->nsteps; k++) {
		free(a->steps[k].cfg);
		free(a->steps[k].scores);
		free(a->steps[k].base);
		free(a->steps[k].trials);
		free(a->steps[k].base_trials);
		free(a->steps[k].skipped);
		free(a->steps[k].failed);
		free(a->steps[k].forbidden);
	}
	for (size_t i = 0; i < a->nwant; i++)
		free(a->want[i].cfg);
	free(a->want);
	free(a->steps);
	free(a->changes);
	free(a->def_scores);
	memset(a, 0, sizeof(*a));
}
