/*
 * The ablation after a search (results/ablation.h): its measurements run
 * over the scheduler's own queue, as the confirmation's, stored as trials
 * of origin ablate and ablate-check, which the strategy never observes.
 * Each round reads what the store holds, derives where the path is, and
 * queues what it wants next, so a killed ablation resumes where it stopped.
 */
#include "ablate.h"
#include "schedule.h"
#include "trial.h"
#include "../../results/floor.h"
#include <stdlib.h>
#include <string.h>

struct abl_rows {
	struct search *s;
	struct abl_obs *obs;
	size_t n;
	struct { int64_t id; enum abl_kind kind; const union pval *cfg; } *waiting;
	size_t nwaiting;
	char *err;
};

static enum trial_origin kind_origin(enum abl_kind k)
{
	return k == ABL_CHECK ? ORIGIN_ABLATE_CHECK : k == ABL_BASE ? ORIGIN_ABLATE_BASE : ORIGIN_ABLATE;
}

static int kind_side(enum abl_kind k)
{
	return k == ABL_CHECK ? SIDE_CHECK : k == ABL_BASE ? SIDE_STEP_BASE : SIDE_ABLATE;
}

static int collect(const struct trial_row *t, void *ud)
{
	struct abl_rows *r = ud;
	const struct space *sp = &r->s->o.job->space;
	struct abl_obs o = { .kind = ablation_kind(t->origin), .trial = t->id };
	char msg[ERR_LEN];
	if (t->origin < ORIGIN_ABLATE)
		return 0;
	if (t->status == TS_RUNNING || t->status == TS_INTERRUPTED)
		return 0;	/* says nothing of its configuration: measured again */
	union pval *cfg = config_new(sp);
	if (config_from_json(sp, t->config, cfg, r->err)) {
		free(cfg);
		return -1;
	}
	config_canonical(sp, cfg);
	o.cfg = cfg;
	if (t->status == TS_PROPOSED) {
		o.state = ABL_OBS_WAITING;
		r->waiting = xrealloc(r->waiting, (r->nwaiting + 1) * sizeof(*r->waiting));
		r->waiting[r->nwaiting].id = t->id;
		r->waiting[r->nwaiting].cfg = cfg;	/* r->obs owns it */
		r->waiting[r->nwaiting++].kind = o.kind;
	} else if (t->status == TS_DONE &&
		   !trial_score(r->s->o.st, &r->s->obj, r->s->base, t->id, &o.score, NULL, NULL, msg) &&
		   o.score > 0) {
		o.state = ABL_OBS_DONE;
	} else {
		o.state = ABL_OBS_FAILED;
	}
	r->obs = xrealloc(r->obs, (r->n + 1) * sizeof(*r->obs));
	r->obs[r->n++] = o;
	return 0;
}

static void rows_release(struct abl_rows *r)
{
	for (size_t i = 0; i < r->n; i++)
		free((union pval *)r->obs[i].cfg);
	free(r->obs);
	free(r->waiting);
	r->obs = NULL;
	r->waiting = NULL;
	r->n = r->nwaiting = 0;
}

/* How the stored row measures. */
static struct abl_opts row_opts(const struct ablation_row *row)
{
	return (struct abl_opts){ .repeats = row->repeats, .check_repeats = row->check_repeats,
				  .check_max = row->check_max, .fdr = ABLATION_FDR };
}

/*
 * The configuration the ablation goes to and how it measures: stored with
 * the run, or asked, or the best. 1 when that is the defaults (nothing stored).
 */
static int target_config(struct search *s, union pval *target, struct abl_opts *o, char *err)
{
	const struct space *sp = &s->o.job->space;
	struct ablation_row row;
	struct racing_entry e;
	int rc = store_ablation_get(s->o.st, s->run_id, &row, err);
	if (rc < 0)
		return -1;
	if (rc == 1) {
		rc = config_from_json(sp, row.config, target, err);
		if (!rc && s->o.ablate_config && strcmp(row.config, s->o.ablate_config))
			rc = (seterr(err, "run %lld was ablated toward %s (%s); one ablation per run",
				     (long long)s->run_id, row.config, row.source), -1);
		*o = row_opts(&row);
		store_ablation_release(&row);
		config_canonical(sp, target);
		return rc;
	}
	if (s->o.ablate_config) {
		if (config_from_json(sp, s->o.ablate_config, target, err))
			return -1;
	} else if (s->have_base && racing_best(s->race, &e)) {
		memcpy(target, e.cfg, sp->n * sizeof(*target));
	} else {
		return seterr(err, "run %lld has no best configuration to ablate",
			      (long long)s->run_id), -1;
	}
	config_canonical(sp, target);
	union pval *def = config_defaults(sp);
	config_canonical(sp, def);
	int same = config_equal(sp, def, target);
	free(def);
	if (same)
		return 1;	/* nothing to ablate: nothing stored */
	char *json = config_to_json(sp, target);
	row = (struct ablation_row){ .run = s->run_id, .config = json,
		.source = s->o.ablate_source ? s->o.ablate_source : "the best",
		.repeats = s->o.ablate_repeats > 0 ? s->o.ablate_repeats : JOB_DEFAULT_ABLATE,
		.check_repeats = s->o.confirm_repeats > 0 ? s->o.confirm_repeats : JOB_DEFAULT_CONFIRM,
		.check_max = s->o.confirm_repeats > 0 ? s->o.confirm_max : 2 * JOB_DEFAULT_CONFIRM };
	rc = store_ablation_set(s->o.st, &row, err);
	*o = row_opts(&row);
	free(json);
	return rc;
}

/* Queues the stored waiting trials, then the wanted ones, A B alternated; how many. */
static int queue(struct search *s, const struct abl_rows *r, const struct ablation *a,
		 size_t *queued, char *err)
{
	*queued = 0;
	for (size_t i = 0; i < r->nwaiting; i++) {
		search_push_confirm(s, r->waiting[i].id, r->waiting[i].cfg,
				    kind_side(r->waiting[i].kind));
		(*queued)++;
	}
	size_t most = 0;
	for (size_t i = 0; i < a->nwant; i++)
		most = a->want[i].n > most ? a->want[i].n : most;
	for (size_t rep = 0; rep < most; rep++)	/* round robin: drift falls on every change alike */
		for (size_t i = 0; i < a->nwant; i++) {
			int64_t id;
			if (rep >= a->want[i].n)
				continue;
			if (search_insert_trial(s, kind_origin(a->want[i].kind), 0, a->want[i].cfg, &id,
						err))
				return -1;
			search_push_confirm(s, id, a->want[i].cfg, kind_side(a->want[i].kind));
			(*queued)++;
		}
	return 0;
}

static void say_round(struct search *s, const struct ablation *a, size_t queued)
{
	if (a->checking)
		search_notice(s, "ablation: checking the first %zu of %zu changes against all of "
			      "them, A B alternated (%zu measurements)", a->check_prefix, a->nsteps,
			      queued);
	else
		search_notice(s, "ablation step %zu of %zu: %zu measurements", a->nsteps + 1,
			      a->nchanges, queued);
}

int search_ablate(struct search *s, enum search_end *end, char *err)
{
	const struct space *sp = &s->o.job->space;
	union pval *def = config_defaults(sp), *target = config_new(sp);
	struct abl_rows r = { .s = s, .err = err };
	struct abl_opts o;
	size_t seen = SIZE_MAX;
	int ret = 0;

	*end = SEARCH_BUDGET;
	config_canonical(sp, def);
	int rc = target_config(s, target, &o, err);
	if (rc == 1) {
		search_notice(s, "nothing to ablate: the configuration is the defaults");
		goto out;
	}
	if (rc < 0) {
		ret = -1;
		goto out;
	}
	while (!ret) {
		struct ablation a;
		size_t queued;
		rows_release(&r);
		if (store_trials_foreach(s->o.st, s->run_id, collect, &r, err)) {
			ret = -1;
			break;
		}
		if (ablation_derive(sp, def, target, &o, r.obs, r.n, &a)) {
			search_notice(s, "ablation: %s", a.why);
			ablation_release(&a);
			break;
		}
		if (a.state != ABL_MEASURING) {
			if (a.state == ABL_STUCK)
				ret = (seterr(err, "ablation: %s", a.why), -1);
			ablation_release(&a);
			break;
		}
		if (a.trials == seen)	/* the last round ended nothing */
			ret = (seterr(err, "the ablation's measurements could not run"), -1);
		seen = a.trials;
		if (!ret && !(ret = queue(s, &r, &a, &queued, err)) && !queued)
			ret = (seterr(err, "ablation: nothing to measure, yet not done"), -1);
		if (!ret) {
			say_round(s, &a, queued);
			s->confirming = 1;
			s->confirm_done = 0;
			s->confirm_total = (int64_t)queued;
			ret = search_schedule(s, end, err);
			s->confirming = 0;
		}
		ablation_release(&a);
		if (!ret && *end == SEARCH_INTERRUPTED)
			break;
	}
out:
	rows_release(&r);
	free(def);
	free(target);
	return ret;
}
