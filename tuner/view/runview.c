#include "runview.h"
#include "../../lib/err.h"
#include "../../lib/number.h"
#include "../../results/capacity.h"
#include "../../results/floor.h"
#include "../../results/reference.h"
#include "../../results/stats.h"
#include "../../search/racing.h"
#include "../../search/strategy.h"

#include <jansson.h>
#include <unistd.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

static int collect(const struct trial_row *r, void *ud)
{
	struct runview *rv = ud;
	rv->t = xrealloc(rv->t, (rv->n + 1) * sizeof(*rv->t));
	rv->t[rv->n++] = (struct tview){
		.id = r->id, .seq = r->seq, .retry_of = r->retry_of, .origin = r->origin,
		.status = r->status, .config = xstrdup(r->config),
		.reason = dup_or_null(r->reason), .stderr_tail = dup_or_null(r->stderr_tail),
		.host = dup_or_null(r->host), .proposed_at = r->proposed_at,
		.started_at = r->started_at, .ended_at = r->ended_at, .score = NAN,
		.observed = r->observed,
	};
	return 0;
}

/* A trial measures the baseline when it is the baseline or a retry of one. */
static int is_baseline(const struct runview *rv, const struct tview *t)
{
	if (t->origin == ORIGIN_BASELINE)
		return 1;
	if (t->origin != ORIGIN_RETRY)
		return 0;
	for (size_t i = 0; i < rv->n; i++)
		if (rv->t[i].id == t->retry_of)
			return is_baseline(rv, &rv->t[i]);
	return 0;
}

/* The run whose trials qsort() is ordering (by_observed, by_ended). */
static const struct runview *order_rv;

static int by_ended(const void *a, const void *b)
{
	const struct tview *x = &order_rv->t[*(const size_t *)a], *y = &order_rv->t[*(const size_t *)b];
	return (x->ended_at > y->ended_at) - (x->ended_at < y->ended_at);
}

static int load(struct runview *rv, struct store *st, int64_t run, char *err);

/* A run that cannot be read (a damaged or foreign file) leaves nothing allocated. */
int runview_load(struct runview *rv, struct store *st, int64_t run, char *err)
{
	memset(rv, 0, sizeof(*rv));
	if (load(rv, st, run, err) == 0)
		return 0;
	runview_release(rv);
	return -1;
}

/*
 * Every done trial's score: the search's own against its host's level
 * nearest in time (results/reference.h: the floor's measurements, then the
 * other baselines in the order the search took them in), a measurement
 * after the search against the floor's reference (both sides ran on one host).
 */
static int score_all(struct runview *rv, struct store *st, const int64_t *floor, size_t nfloor,
		     const size_t *obs, size_t nobs, char *err)
{
	const struct objective *o = rv->obj.n ? &rv->obj : &rv->job.obj;
	struct reference ref;
	int rc = 0;
	reference_init(&ref, o);
	for (size_t k = 0; k < nfloor && !rc; k++)
		rc = reference_add(&ref, st, floor[k], 1, err);
	for (size_t k = 0; k < nobs && !rc; k++) {
		const struct tview *t = &rv->t[obs[k]];
		if (is_baseline(rv, t) && t->status == TS_DONE)
			rc = reference_add(&ref, st, t->id, 0, err);
	}
	rv->steps = rc ? 0 : reference_steps(&ref);
	for (size_t i = 0; i < rv->n; i++) {	/* each baseline's level: its noise is within it */
		struct tview *t = &rv->t[i];
		t->level = reference_level_of(&ref, t->id);
		t->common = NAN;	/* and the hosts side by side: against one reference */
		if (!rc && is_baseline(rv, t) && t->status == TS_DONE &&
		    trial_score(st, o, rv->base, t->id, &t->common, NULL, NULL, NULL))
			t->common = NAN;
	}
	for (size_t i = 0; !rc && i < rv->n; i++) {
		struct tview *t = &rv->t[i];
		if (t->status != TS_DONE)
			continue;
		if (trial_origin_after(t->origin) ?
		    trial_score(st, o, rv->base, t->id, &t->score, &t->rep_scores, &t->nrep, NULL) :
		    reference_score(&ref, st, t->id, REF_NEAR, &t->score, &t->rep_scores, &t->nrep,
				    &t->disturbed, NULL))
			t->score = NAN;
		t->low = t->score;
		if (t->disturbed && reference_score_low(&ref, st, t->id, &t->low, NULL))
			t->low = t->score;
		rv->ndisturbed += t->disturbed;
	}
	reference_release(&ref);
	return rc;
}

static int load(struct runview *rv, struct store *st, int64_t run, char *err)
{
	struct run_info ri;
	if (store_run_get(st, run, &ri, err))
		return -1;
	rv->id = ri.id;
	rv->name = xstrdup(ri.name);
	rv->accel = xstrdup(ri.accel);
	rv->status = xstrdup(ri.status);
	rv->strategy = xstrdup(ri.strategy);
	rv->host = xstrdup(ri.host);
	rv->job_path = xstrdup(ri.job_path);
	rv->seed = ri.seed;
	rv->budget_trials = ri.budget_trials;
	rv->budget_seconds = ri.budget_seconds;
	rv->n_completed = ri.n_completed;
	rv->n_done = ri.n_done;
	rv->n_failed = ri.n_failed;
	rv->elapsed = ri.elapsed;
	rv->created_at = ri.created_at;
	rv->confirm_repeats = ri.confirm_repeats;
	rv->max_cov = ri.max_cov;
	rv->noise_floor = ri.noise_floor;
	rv->instances = ri.instances > 0 ? ri.instances : 1;
	rv->capacity_of = ri.capacity_of;
	rv->confirm_max = ri.confirm_max;
	if (job_load_text(&rv->job, ri.job_text, ri.job_path, ri.job_dir, err))
		return -1;
	if (store_trials_foreach(st, run, collect, rv, err))
		return -1;
	rv->base = xcalloc(rv->job.obj.n ? rv->job.obj.n : 1, sizeof(double));
	/*
	 * The reference is the first baseline result the search took in that
	 * could be scored, as trial.c does (one baseline per host with several).
	 */
	size_t nobs, *obs = runview_observed(rv, &nobs);
	for (size_t k = 0; k < nobs && !rv->have_base; k++) {
		struct tview *t = &rv->t[obs[k]];
		struct sample *smp;
		size_t n;
		if (!is_baseline(rv, t))
			continue;
		if (!rv->baseline_trial || t->status == TS_DONE)
			rv->baseline_trial = t->id;
		if (t->status != TS_DONE)
			continue;
		if (store_trial_samples(st, t->id, &smp, &n, err)) {
			free(obs);
			return -1;
		}
		rv->have_base = score_baseline(&rv->job.obj, smp, n, rv->base, NULL) == 0;
		store_samples_free(smp, n);
	}
	/*
	 * The noise floor: the run's first noise_floor baseline results, in the
	 * order they ended. When they are all in, the live search took nothing
	 * in before and scored everything after with objective_for_noise()'s
	 * objective (trial.c): so are all scores here.
	 */
	int64_t floor = rv->noise_floor;
	size_t nb = 0, nids = 0, *b = xcalloc(rv->n + 1, sizeof(*b));
	int64_t *ids = xcalloc(rv->n + 1, sizeof(*ids));
	for (size_t i = 0; i < rv->n; i++) {
		const struct tview *t = &rv->t[i];
		if (is_baseline(rv, t) && !trial_origin_after(t->origin) && t->status != TS_PROPOSED &&
		    t->status != TS_RUNNING && t->status != TS_INTERRUPTED)
			b[nb++] = i;
	}
	order_rv = rv;
	qsort(b, nb, sizeof(*b), by_ended);
	for (size_t k = 0; k < nb && (int64_t)k < floor; k++)
		if (rv->t[b[k]].status == TS_DONE)
			ids[nids++] = rv->t[b[k]].id;
	int rc = 0;
	struct strbuf said = STRBUF_INIT;
	if ((int64_t)nb >= floor) {
		rc = objective_for_noise(st, &rv->job.obj, rv->max_cov, ids, nids, &rv->obj, &said, err);
		if (!rc && nids)	/* the reference: the floor's, as trial.c takes it */
			rv->have_base = floor_base(st, &rv->job.obj, ids, nids, rv->base, NULL) == 0;
	}
	if (said.len)
		rv->dropped = strbuf_detach(&said);
	strbuf_release(&said);
	if (!rc && rv->have_base)
		rc = score_all(rv, st, ids, nids, obs, nobs, err);
	free(b);
	free(ids);
	free(obs);
	return rc;
}



void runview_release(struct runview *rv)
{
	free(rv->name);
	free(rv->accel);
	free(rv->status);
	free(rv->strategy);
	free(rv->host);
	free(rv->job_path);
	free(rv->dropped);
	objective_release(&rv->obj);
	if (rv->job.path)
		job_release(&rv->job);
	for (size_t i = 0; i < rv->n; i++) {
		free(rv->t[i].config);
		free(rv->t[i].reason);
		free(rv->t[i].stderr_tail);
		free(rv->t[i].host);
		free(rv->t[i].rep_scores);
	}
	free(rv->t);
	free(rv->base);
	memset(rv, 0, sizeof(*rv));
}

/* Pools the scores of every done trial of cfg. */
static void gather(const struct runview *rv, const union pval *cfg, union pval *tmp,
		   struct cview *c)
{
	memset(c, 0, sizeof(*c));
	for (size_t i = 0; i < rv->n; i++) {
		const struct tview *t = &rv->t[i];
		if (isnan(t->score) || trial_origin_after(t->origin) ||
		    config_from_json(&rv->job.space, t->config, tmp, NULL) ||
		    !config_equal(&rv->job.space, tmp, cfg))
			continue;
		if (!c->first)
			c->first = t;
		c->scores = xrealloc(c->scores, (c->nscores + t->nrep) * sizeof(double));
		memcpy(c->scores + c->nscores, t->rep_scores, t->nrep * sizeof(double));
		c->nscores += t->nrep;
	}
}

static int by_observed(const void *a, const void *b)
{
	const struct tview *x = &order_rv->t[*(const size_t *)a], *y = &order_rv->t[*(const size_t *)b];
	return trial_taken_cmp(x->observed, x->id, y->observed, y->id);
}

size_t *runview_observed(const struct runview *rv, size_t *n)
{
	size_t *v = xcalloc(rv->n + 1, sizeof(*v));
	*n = 0;
	for (size_t i = 0; i < rv->n; i++) {
		const struct tview *t = &rv->t[i];
		if (!trial_taken_in(t->status, t->origin))
			continue;	/* not completed, or the confirmation's: the search never observed it */
		v[(*n)++] = i;
	}
	order_rv = rv;
	qsort(v, *n, sizeof(*v), by_observed);
	return v;
}

/* Racing replayed through the run's results, in the order the search took them in. */
static struct racing *replay_racing(const struct runview *rv, char *err)
{
	const struct space *sp = &rv->job.space;
	struct racing *race = racing_new(sp, job_race_max(&rv->job, rv->budget_trials));
	union pval *cfg = config_new(sp);
	size_t nobs, *obs = runview_observed(rv, &nobs);
	for (size_t k = 0; k < nobs && race; k++) {
		const struct tview *t = &rv->t[obs[k]];
		if (config_from_json(sp, t->config, cfg, err)) {
			racing_free(race);
			race = NULL;
			break;
		}
		racing_observe_moved(race, cfg, t->status == TS_DONE && !isnan(t->score), t->score,
				     t->disturbed, t->low);
	}
	free(obs);
	free(cfg);
	return race;
}

int runview_measured(const struct runview *rv, union pval ***cfg, double **y, size_t *n,
		     char *err)
{
	struct racing *race = replay_racing(rv, err);
	struct racing_entry e;
	*cfg = NULL;
	*y = NULL;
	*n = 0;
	if (!race)
		return -1;
	size_t m = racing_count(race);
	*cfg = xcalloc(m + 1, sizeof(**cfg));
	*y = xcalloc(m + 1, sizeof(**y));
	for (size_t i = 0; i < m; i++) {
		racing_get(race, i, &e);
		if (e.failed || !e.n)
			continue;
		(*cfg)[*n] = config_dup(&rv->job.space, e.cfg);
		(*y)[(*n)++] = e.mean;
	}
	racing_free(race);
	return 0;
}

int runview_importance(const struct runview *rv, struct importance *out, size_t *nconfigs,
		       char *err)
{
	union pval **cfg;
	double *y;
	size_t n;
	if (runview_measured(rv, &cfg, &y, &n, err))
		return -1;
	int rc = importance_of(&rv->job.space, (const union pval *const *)cfg, y, n, 0.95,
			       IMPORTANCE_RESAMPLES, rv->seed, out);
	for (size_t i = 0; i < n; i++)
		free(cfg[i]);
	free(cfg);
	free(y);
	*nconfigs = n;
	return rc ? 1 : 0;
}

void importance_format(const struct space *sp, const struct importance *imp, size_t nconfigs,
		       int rc, struct strbuf *out)
{
	if (rc) {
		if (nconfigs < IMPORTANCE_MIN)
			strbuf_addf(out, "knob importance: %zu configuration%s measured, %d needed to "
				    "estimate it\n", nconfigs, nconfigs == 1 ? "" : "s", IMPORTANCE_MIN);
		else
			strbuf_addf(out, "knob importance: the %zu configurations measured all scored "
				    "the same\n", nconfigs);
		return;
	}
	strbuf_addf(out, "knob importance (the share of the score's variance over the %zu "
		    "configurations measured that each knob explains alone; 95%% CI):\n", nconfigs);
	for (size_t i = 0; i < sp->n; i++)
		strbuf_addf(out, "  %-32s %5.1f%%  [%.1f%%, %.1f%%]\n", sp->p[imp[i].param].name,
			    100 * imp[i].share, 100 * imp[i].lo, 100 * imp[i].hi);
}

json_t *importance_json(const struct space *sp, const struct importance *imp, size_t nconfigs,
			int rc)
{
	json_t *o = json_object(), *knobs = rc ? json_null() : json_array();
	json_object_set_new(o, "configurations", json_integer((json_int_t)nconfigs));
	for (size_t i = 0; !rc && i < sp->n; i++) {
		json_t *k = json_object(), *ci = json_array();
		json_object_set_new(k, "knob", json_string(sp->p[imp[i].param].name));
		json_object_set_new(k, "share", json_real(imp[i].share));
		json_array_append_new(ci, json_real(imp[i].lo));
		json_array_append_new(ci, json_real(imp[i].hi));
		json_object_set_new(k, "ci95", ci);
		json_array_append_new(knobs, k);
	}
	json_object_set_new(o, "knobs", knobs);
	if (rc)
		json_object_set_new(o, "note", json_string(nconfigs < IMPORTANCE_MIN
			? "too few configurations measured" : "every configuration scored the same"));
	return o;
}

/* A measured result with a host: what the noise within a host is taken from. */
static int host_result(const struct tview *t)
{
	return t->host && t->status == TS_DONE && !isnan(t->score) && !trial_origin_after(t->origin);
}

/*
 * The noise within one host: the pooled sd of the log scores of every
 * configuration measured more than once on the same host (racing's own
 * estimate would count a difference between hosts as noise), each host's
 * from a history of its results.
 */
static double within_host_sigma(const struct runview *rv)
{
	const struct space *sp = &rv->job.space;
	union pval *cfg = config_new(sp);
	char *taken = xcalloc(rv->n + 1, 1), err[ERR_LEN];
	double ss = 0;
	size_t df = 0;
	for (size_t i = 0; i < rv->n; i++) {
		if (taken[i] || !host_result(&rv->t[i]))
			continue;
		struct history *h = history_new(sp);
		for (size_t j = i; j < rv->n; j++) {
			const struct tview *b = &rv->t[j];
			if (!host_result(b) || strcmp(rv->t[i].host, b->host))
				continue;
			taken[j] = 1;
			if (!config_from_json(sp, b->config, cfg, err))
				history_add(h, cfg, 1, b->score);
		}
		size_t d;
		double sigma = history_sigma(h, &d);
		if (d) {
			ss += sigma * sigma * (double)d;
			df += d;
		}
		history_free(h);
	}
	free(taken);
	free(cfg);
	return df ? sqrt(ss / (double)df) : NAN;
}

struct hostview *runview_hosts(const struct runview *rv, size_t *n, double *sigma)
{
	struct hostview *h = NULL;
	*sigma = within_host_sigma(rv);
	*n = 0;
	for (size_t i = 0; i < rv->n; i++) {
		const struct tview *t = &rv->t[i];
		size_t k;
		if (!host_result(t))
			continue;
		for (k = 0; k < *n && strcmp(h[k].host, t->host); k++)
			;
		if (k == *n) {
			h = xrealloc(h, (*n + 1) * sizeof(*h));
			h[(*n)++] = (struct hostview){ .host = t->host, .base_mean = NAN };
		}
		h[k].trials++;
		if (!h[k].best || t->score > h[k].best->score)
			h[k].best = t;
		if (is_baseline(rv, t) && !isnan(t->common)) {
			double x = log(t->common);	/* each host scores against its own */
			h[k].base_mean = h[k].base_n ? h[k].base_mean + (x - h[k].base_mean) /
							 (double)(h[k].base_n + 1) : x;
			h[k].base_n++;
		}
	}
	return h;
}

int runview_drift_format(const struct runview *rv, const char *where, struct strbuf *out)
{
	if (!rv->steps && !rv->ndisturbed)
		return 0;
	strbuf_addf(out, "the defaults' level moved %zu time%s during the search; each trial is "
		    "scored against its host's level nearest in time, %zu measured while it moved "
		    "(%s)", rv->steps, rv->steps == 1 ? "" : "s", rv->ndisturbed, where);
	return 1;
}

int runview_host_warnings(const struct hostview *h, size_t n, double sigma, struct strbuf *out)
{
	int warned = 0;
	for (size_t a = 0; a < n; a++)
		for (size_t b = a + 1; b < n; b++) {
			if (!h[a].base_n || !h[b].base_n)
				continue;
			double d = h[b].base_mean - h[a].base_mean;
			double se = isnan(sigma) ? NAN
				: sigma * sqrt(1.0 / (double)h[a].base_n + 1.0 / (double)h[b].base_n);
			if (isnan(se) ? fabs(d) <= log(1.05) : fabs(d) <= 2 * se)
				continue;
			strbuf_addf(out, "warning: the baseline on %s differs from that on %s by %+.1f%% ",
				    h[b].host, h[a].host, 100 * (exp(d) - 1));
			if (isnan(se))
				strbuf_addstr(out, "(noise unknown: nothing was measured twice)");
			else
				strbuf_addf(out, "(noise: %.1f%%)", 100 * (exp(2 * se) - 1));
			strbuf_addstr(out, ": each host's trials are scored against its own defaults\n");
			warned++;
		}
	return warned;
}

int runview_best(const struct runview *rv, struct cview *best, struct cview *runner, char *err)
{
	const struct space *sp = &rv->job.space;
	struct racing *race = replay_racing(rv, err);
	union pval *tmp = config_new(sp);
	struct racing_entry top, e;
	int ret = -1;

	memset(best, 0, sizeof(*best));
	memset(runner, 0, sizeof(*runner));
	if (!race)
		goto out;
	ret = 0;
	if (!racing_best(race, &top))
		goto out;
	gather(rv, top.cfg, tmp, best);
	best->n = top.n;
	best->mean = top.mean;
	long second = -1;
	struct racing_entry r2 = { 0 };
	for (size_t i = 0; i < racing_count(race); i++) {
		racing_get(race, i, &e);
		if (e.failed || !e.n || config_equal(sp, e.cfg, top.cfg))
			continue;
		if (second < 0 || e.mean > r2.mean) {
			second = (long)i;
			r2 = e;
		}
	}
	if (second >= 0) {
		gather(rv, r2.cfg, tmp, runner);
		runner->n = r2.n;
		runner->mean = r2.mean;
	}
	ret = best->first ? 1 : 0;
out:
	racing_free(race);
	free(tmp);
	return ret;
}

void cview_release(struct cview *c)
{
	free(c->scores);
	memset(c, 0, sizeof(*c));
}

/* ---- the noise floor ---------------------------------------------------- */

int runview_noise(const struct runview *rv, struct store *st, struct noise *nz, char *err)
{
	int64_t *ids = xcalloc(rv->n + 1, sizeof(*ids));
	double *scores = xcalloc(rv->n + 1, sizeof(*scores));
	int *level = xcalloc(rv->n + 1, sizeof(*level));
	size_t n = 0;
	for (size_t i = 0; i < rv->n; i++) {
		const struct tview *t = &rv->t[i];
		if (!is_baseline(rv, t) || t->status != TS_DONE || isnan(t->score) || t->level < 0)
			continue;	/* an outlier of its host's level is a moment, not its noise */
		ids[n] = t->id;
		level[n] = t->level;
		scores[n++] = t->score;
	}
	int rc = noise_measure(st, ids, scores, level, n, nz, err);
	free(ids);
	free(scores);
	free(level);
	return rc;
}






/* ---- the confirmation ---------------------------------------------------- */

#define METRIC_FDR 0.05

/* The family's verdicts (confirm_metric_change()). */
static void judge_family(struct metric_family *f, const struct metric_table *mt,
			 const struct metric_noise *nz)
{
	double *p = xcalloc(f->n + 1, sizeof(double));
	int *rej = xcalloc(f->n + 1, sizeof(int));
	size_t *at = xcalloc(f->n + 1, sizeof(size_t)), n = 0;
	for (size_t i = 0; i < f->n; i++) {
		struct confirm_metric *m = &f->m[i];
		m->judged = m->better != BETTER_UNKNOWN && strncmp(m->metric, "vm.", 3) &&
			    isfinite(m->c.ratio);
		if (m->judged) {
			at[n] = i;
			p[n++] = m->c.p_t;
		}
	}
	f->fdr = METRIC_FDR;
	f->judged = n;
	f->differ = stats_bh(p, n, METRIC_FDR, rej);
	for (size_t k = 0; k < n; k++) {
		struct confirm_metric *m = &f->m[at[k]];
		const struct metric_values *col = &mt->m[at[k]];
		m->differs = rej[k];
		double level = 1 - (double)f->differ * METRIC_FDR / (double)n;
		if (!rej[k])
			continue;
		if (nz)	/* its interval at the level that keeps the false coverage rate */
			compare_pooled(col->v[0], col->n[0], col->v[1], col->n[1], nz[at[k]].sd,
				       nz[at[k]].df, level, 1, &m->c);
		else
			compare_samples(col->v[0], col->n[0], col->v[1], col->n[1], level, &m->c);
	}
	free(p);
	free(rej);
	free(at);
}

void runview_family_of(const struct runview *rv, struct store *st, struct metric_table *mt,
		       double level, const struct metric_noise *nz, struct metric_family *f)
{
	f->m = xcalloc(mt->n + 1, sizeof(*f->m));
	f->n = mt->n;
	for (size_t i = 0; i < mt->n; i++) {
		struct confirm_metric *m = &f->m[i];
		m->metric = mt->m[i].metric;
		mt->m[i].metric = NULL;	/* f owns it */
		if (store_metric_better(st, rv->id, m->metric, &m->better, NULL))
			m->better = BETTER_UNKNOWN;
		for (size_t k = 0; k < rv->job.obj.n && m->better == BETTER_UNKNOWN; k++)
			if (!strcmp(rv->job.obj.t[k].metric, m->metric))
				m->better = rv->job.obj.t[k].better;	/* the job says */
		if (nz)
			compare_pooled(mt->m[i].v[0], mt->m[i].n[0], mt->m[i].v[1], mt->m[i].n[1],
				       nz[i].sd, nz[i].df, level, 1, &m->c);
		else
			compare_samples(mt->m[i].v[0], mt->m[i].n[0], mt->m[i].v[1], mt->m[i].n[1],
					level, &m->c);
	}
	judge_family(f, mt, nz);
}

int runview_family(const struct runview *rv, struct store *st, const int64_t *a, size_t na,
		   const int64_t *b, size_t nb, double level, struct metric_family *f, char *err)
{
	struct metric_table mt = { 0 };
	int ret = 0;
	memset(f, 0, sizeof(*f));
	for (size_t i = 0; i < na + nb && !ret; i++)
		ret = metric_table_add(&mt, st, i < na ? a[i] : b[i - na], i >= na, err);
	if (!ret)
		runview_family_of(rv, st, &mt, level, NULL, f);
	metric_table_release(&mt);
	return ret;
}

void metric_family_release(struct metric_family *f)
{
	for (size_t i = 0; i < f->n; i++)
		free(f->m[i].metric);
	free(f->m);
	memset(f, 0, sizeof(*f));
}

int runview_confirmation(const struct runview *rv, struct store *st, struct confirmation *cf,
			 char *err)
{
	const struct space *sp = &rv->job.space;
	union pval *def = config_defaults(sp), *tmp = config_new(sp);
	int64_t *ids[2] = { xcalloc(rv->n + 1, sizeof(int64_t)), xcalloc(rv->n + 1, sizeof(int64_t)) };
	size_t want;
	int ret = 0;

	memset(cf, 0, sizeof(*cf));
	cf->outcome = rv->confirm_repeats > 0 ? CONFIRMED_PENDING : CONFIRMED_NOT_ASKED;
	for (size_t i = 0; i < rv->n && !ret; i++) {
		const struct tview *t = &rv->t[i];
		if (t->origin != ORIGIN_CONFIRM)
			continue;
		if (config_from_json(sp, t->config, tmp, err)) {
			ret = -1;
			break;
		}
		int side = !config_equal(sp, tmp, def);
		if (side && !cf->best)
			cf->best = t;
		if (t->status != TS_DONE || isnan(t->score)) {
			cf->failed += t->status != TS_PROPOSED && t->status != TS_INTERRUPTED;
			continue;
		}
		double **arr = side ? &cf->b : &cf->a;
		size_t *len = side ? &cf->nb : &cf->na;
		*arr = xrealloc(*arr, (*len + 1) * sizeof(double));
		ids[side][*len] = t->id;
		(*arr)[(*len)++] = t->score;
	}
	if (ret)
		goto out;
	if (cf->outcome == CONFIRMED_PENDING && !cf->best && rv->status &&
	    !strcmp(rv->status, "finished")) {
		cf->outcome = CONFIRMED_NOTHING;	/* a finished run confirmed nothing */
		goto out;
	}
	if (cf->outcome == CONFIRMED_NOT_ASKED || !cf->best)
		goto out;
	cf->state = confirm_judge(cf->a, cf->na, cf->b, cf->nb, cf->failed, rv->confirm_repeats,
				  rv->confirm_max, &want, &cf->c);
	if (cf->state != CONFIRM_MORE)
		cf->outcome = CONFIRMED_JUDGED;
	ret = runview_family(rv, st, ids[0], cf->na, ids[1], cf->nb,
			     cf->c.level > 0 ? cf->c.level : 0.95, &cf->f, err);
out:
	free(ids[0]);
	free(ids[1]);
	free(def);
	free(tmp);
	return ret;
}

void confirmation_format(const struct confirmation *cf, struct strbuf *out)
{
	const struct comparison *c = &cf->c;
	switch (cf->outcome) {
	case CONFIRMED_NOT_ASKED:
		strbuf_addstr(out, "not confirmed: the run measured no confirmation (confirm: off); "
			      "its best was chosen and judged on the same measurements");
		return;
	case CONFIRMED_NOTHING:
		strbuf_addstr(out, "nothing to confirm: no configuration beat the defaults");
		return;
	case CONFIRMED_PENDING:
		strbuf_addf(out, "not confirmed yet: %zu + %zu of the confirmation's measurements "
			    "(resume the run to finish it)", cf->nb, cf->na);
		return;
	case CONFIRMED_JUDGED:
		break;
	}
	switch (cf->state) {
	case CONFIRM_YES:
		strbuf_addf(out, "confirmed: %+.1f%% [%+.1f%%, %+.1f%%]", 100 * (c->ratio - 1),
			    100 * (c->lo - 1), 100 * (c->hi - 1));
		break;
	case CONFIRM_WORSE:
		strbuf_addf(out, "not confirmed: WORSE than the defaults, %+.1f%% [%+.1f%%, %+.1f%%]",
			    100 * (c->ratio - 1), 100 * (c->lo - 1), 100 * (c->hi - 1));
		break;
	case CONFIRM_NO:
		strbuf_addf(out, "not confirmed: no difference beyond the noise (%+.1f%% [%+.1f%%, "
			    "%+.1f%%]; this noise and %zu + %zu measurements detect changes of about "
			    "%.0f%% or more)", 100 * (c->ratio - 1), 100 * (c->lo - 1),
			    100 * (c->hi - 1), c->nb, c->na, 100 * c->detectable);
		return;
	default:
		strbuf_addf(out, "not confirmed: the confirmation's measurements failed (%zu failed; "
			    "%zu + %zu done)", cf->failed, cf->nb, cf->na);
		return;
	}
	strbuf_addf(out, " against the defaults, %zu + %zu fresh measurements alternated, "
		    "Mann-Whitney p %.3f", c->nb, c->na, c->p);
}

static json_t *number_or_null(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

json_t *noise_json(const struct noise *nz)
{
	return json_pack("{s:I, s:o}", "n", (json_int_t)nz->n, "score_sd",
			 number_or_null(nz->score_sd));
}

json_t *confirmation_json(const struct confirmation *cf)
{
	const struct comparison *c = &cf->c;
	json_t *o = json_pack("{s:s, s:I, s:I, s:I}", "verdict", confirmation_word(cf), "n_best",
			      (json_int_t)cf->nb, "n_baseline", (json_int_t)cf->na, "failed",
			      (json_int_t)cf->failed);
	if (cf->best) {
		json_object_set_new(o, "trial", json_integer(cf->best->id));
		json_object_set_new(o, "config", json_loads(cf->best->config, 0, NULL));
	}
	const char *const keys[] = { "ratio", "lo", "hi", "level", "p", "detectable" };
	const double vals[] = { c->ratio, c->lo, c->hi, c->level, c->p, c->detectable };
	for (size_t i = 0; i < sizeof(keys) / sizeof(*keys); i++)
		json_object_set_new(o, keys[i], number_or_null(vals[i]));
	json_object_set_new(o, "metrics", metric_family_json(&cf->f));
	json_object_set_new(o, "fdr", number_or_null(cf->f.fdr));
	return o;
}

json_t *metric_family_json(const struct metric_family *f)
{
	json_t *m = json_array();
	for (size_t i = 0; i < f->n; i++) {
		const struct confirm_metric *x = &f->m[i];
		if (!x->judged)
			continue;
		json_array_append_new(m, json_pack("{s:s, s:o, s:o, s:o, s:o, s:i}", "metric", x->metric,
			"ratio", number_or_null(x->c.ratio), "lo", number_or_null(x->c.lo), "hi",
			number_or_null(x->c.hi), "p", number_or_null(x->c.p_t), "change",
			confirm_metric_change(x)));
	}
	return m;
}

int confirm_metric_change(const struct confirm_metric *m)
{
	if (!m->judged || !m->differs)
		return 0;
	return (m->c.ratio > 1) == (m->better == BETTER_HIGHER) ? 1 : -1;
}

const char *confirmation_word(const struct confirmation *cf)
{
	switch (cf->outcome) {
	case CONFIRMED_NOT_ASKED: return "off";
	case CONFIRMED_NOTHING: return "nothing";
	case CONFIRMED_PENDING: return "pending";
	case CONFIRMED_JUDGED: break;
	}
	return cf->state == CONFIRM_YES ? "confirmed" : cf->state == CONFIRM_NO ? "not confirmed"
	       : cf->state == CONFIRM_WORSE ? "worse" : "failed";
}

void confirmation_release(struct confirmation *cf)
{
	metric_family_release(&cf->f);
	free(cf->a);
	free(cf->b);
	memset(cf, 0, sizeof(*cf));
}

/* ---- were the best's knobs applied as asked ------------------------------- */

struct verify_ctx {
	struct verified *v;
	struct strbuf knobs;	/* ",a,b," seen */
	int any;
};

static int count_applied(const struct applied_row *a, void *ud)
{
	struct verify_ctx *c = ud;
	struct strbuf key = STRBUF_INIT;
	c->any = 1;
	strbuf_addf(&key, ",%s,", a->knob);
	if (!strstr(c->knobs.buf, key.buf)) {
		strbuf_addf(&c->knobs, "%s,", a->knob);
		c->v->knobs++;
	}
	strbuf_release(&key);
	if (a->ok < 0) {
		c->v->uncompared++;
	} else if (a->ok) {
		c->v->as_asked++;
	} else if (!c->v->differ++) {
		snprintf(c->v->first_differ, sizeof(c->v->first_differ), "%s: asked %.40s, got %.40s",
			 a->knob, a->asked ? a->asked : "?", a->value);
	}
	return 0;
}

int runview_verified(const struct runview *rv, struct store *st, const char *config,
		     struct verified *v, char *err)
{
	struct verify_ctx c = { .v = v, .knobs = STRBUF_INIT };
	int rc = 0;
	memset(v, 0, sizeof(*v));
	strbuf_addch(&c.knobs, ',');
	for (size_t i = 0; i < rv->n && !rc; i++) {
		const struct tview *t = &rv->t[i];
		if (t->status != TS_DONE || strcmp(t->config, config))
			continue;
		v->trials++;
		c.any = 0;
		rc = store_applied_foreach(st, t->id, count_applied, &c, err);
		v->read += c.any;
	}
	strbuf_release(&c.knobs);
	return rc;
}

void verified_format(const struct verified *v, struct strbuf *out)
{
	if (!v->read)
		strbuf_addf(out, "knobs not verified: the target read nothing back in %zu trial%s",
			    v->trials, v->trials == 1 ? "" : "s");
	else if (v->differ)
		strbuf_addf(out, "knobs NOT as asked: %zu reading%s differ (%s)", v->differ,
			    v->differ == 1 ? "" : "s", v->first_differ);
	else if (v->uncompared)
		strbuf_addf(out, "knobs read back but not compared (a run made before vmtune compared "
			    "them): %zu knob%s in %zu of %zu trials", v->knobs, v->knobs == 1 ? "" : "s",
			    v->read, v->trials);
	else
		strbuf_addf(out, "knobs verified: %zu knob%s read back as asked in %zu of %zu trial%s "
			    "(%zu readings)", v->knobs, v->knobs == 1 ? "" : "s", v->read, v->trials,
			    v->trials == 1 ? "" : "s", v->as_asked);
}

json_t *verified_json(const struct verified *v)
{
	json_t *o = json_pack("{s:b,s:I,s:I,s:I,s:I,s:I,s:I}", "verified",
			      v->read && !v->differ && !v->uncompared, "trials", (json_int_t)v->trials,
			      "trials_read", (json_int_t)v->read, "knobs", (json_int_t)v->knobs,
			      "as_asked", (json_int_t)v->as_asked, "differ", (json_int_t)v->differ,
			      "uncompared", (json_int_t)v->uncompared);
	if (v->differ)
		json_object_set_new(o, "first_differ", json_string(v->first_differ));
	return o;
}

int runview_pick_config(const struct runview *rv, const char *which, const struct job *job,
			char **json, char *err)
{
	long trial;
	if (!which || !strcmp(which, "best")) {
		struct cview best, runner;
		int rc = runview_best(rv, &best, &runner, err);
		if (rc > 0)
			*json = xstrdup(best.first->config);
		else if (!rc)
			seterr(err, "run %lld has no scored trial", (long long)rv->id);
		cview_release(&best);
		cview_release(&runner);
		return rc > 0 ? 0 : -1;
	}
	if (rv && !number_parse(which, 1, LONG_MAX, &trial)) {
		for (size_t i = 0; i < rv->n; i++)
			if (rv->t[i].id == trial)
				*json = xstrdup(rv->t[i].config);
		if (!*json)
			return seterr(err, "run %lld has no trial %lld", (long long)rv->id,
				      (long long)trial), -1;
		return 0;
	}
	/* a file holding a configuration as JSON */
	struct strbuf sb = STRBUF_INIT;
	char msg[ERR_LEN];
	if (access(which, F_OK)) {
		strbuf_release(&sb);
		return seterr(err, "--config %s: not best, a trial id or a readable file", which), -1;
	}
	if (strbuf_read_file(&sb, which, JOB_MAX_BYTES, msg)) {
		strbuf_release(&sb);
		return seterr(err, "--config %s: %s", which, msg), -1;
	}
	union pval *cfg = config_new(&job->space);
	if (config_from_json(&job->space, sb.buf, cfg, msg)) {
		seterr(err, "%s: %s", which, msg);
		free(cfg);
		strbuf_release(&sb);
		return -1;
	}
	*json = config_to_json(&job->space, cfg);
	free(cfg);
	strbuf_release(&sb);
	return 0;
}

int runview_worst_vm(const struct runview *rv, struct store *st, int64_t trial, double *worst,
		     int *which, char *err)
{
	*worst = NAN;
	*which = 0;
	for (int i = 1; rv->have_base && i <= rv->instances && rv->instances > 1; i++) {
		double v = capacity_score(st, &rv->obj, rv->base, trial, i, err);
		if (isfinite(v) && (!isfinite(*worst) || v < *worst)) {
			*worst = v;
			*which = i;
		}
	}
	return 0;
}
