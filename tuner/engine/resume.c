/*
 * Resume: a stored run's history replayed to the strategy and racing in
 * the order it happened, then what has no result yet queued to run.
 */
#include "search.h"
#include "loop.h"
#include "confirm.h"
#include "schedule.h"
#include "trial.h"
#include "../../lib/knobs.h"
#include "../../lib/clock.h"
#include "../target/hostknobs.h"
#include "../../results/floor.h"
#include "../../results/compare.h"
#include "../../results/stats.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- resume: the stored history, replayed in the order it happened ------ */

/* A stored trial, copied out of the store's callback. */
struct row {
	int64_t id, retry_of, proposed_after, observed;
	double ended_at;
	enum trial_origin origin;
	enum trial_status status;
	int interrupted;
	char *config;
	union pval *cfg;
	const struct row *last;	/* its last attempt */
	int taken;		/* observed by the replay already */
	int baseline;		/* of the defaults: BASE_OPEN or BASE_DRIFT (by its place); 0: not */
};

struct rows {
	struct row *v;
	size_t n;
	size_t all;	/* with the confirmation's, which the replay leaves to search_confirm() */
};

static int collect(const struct trial_row *t, void *ud)
{
	struct rows *r = ud;
	r->all++;
	if (trial_origin_after(t->origin))
		return 0;
	r->v = xrealloc(r->v, (r->n + 1) * sizeof(*r->v));
	r->v[r->n++] = (struct row){
		.id = t->id, .retry_of = t->retry_of, .origin = t->origin, .status = t->status,
		.interrupted = t->status == TS_INTERRUPTED, .config = xstrdup(t->config),
		.proposed_after = t->proposed_after, .observed = t->observed,
		.ended_at = t->ended_at,
	};
	return 0;
}

/* The last attempt of a trial: follows retry_of links forward. */
static const struct row *last_attempt(const struct rows *r, const struct row *t)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->v[i].retry_of == t->id)
			return last_attempt(r, &r->v[i]);
	return t;
}

static int has_result(const struct row *t)
{
	return t->last->status != TS_PROPOSED && !t->last->interrupted;
}

static const struct rows *by_end_rows;
static int by_end(const void *a, const void *b)
{
	const struct row *x = by_end_rows->v[*(const size_t *)a].last;
	const struct row *y = by_end_rows->v[*(const size_t *)b].last;
	return (x->ended_at > y->ended_at) - (x->ended_at < y->ended_at);
}

/*
 * The noise floor as the stored run has it: its first noise_floor baseline
 * results, in the order they ended. When they are all in, the objective is
 * the one that leaves the noisy metrics out, before anything is replayed,
 * as it was when the live search took anything in.
 */
static int open_floor(struct search *s, const struct rows *r, char *err)
{
	size_t *b = xcalloc(r->n + 1, sizeof(*b)), nb = 0, complete = 0;
	for (size_t i = 0; i < r->n; i++)
		if (r->v[i].origin == ORIGIN_BASELINE && has_result(&r->v[i]))
			b[nb++] = i;
	by_end_rows = r;
	qsort(b, nb, sizeof(*b), by_end);
	s->base_open = 1;
	for (size_t k = 0; k < nb && !complete; k++)
		complete = search_floor_result(s, r->v[b[k]].last->id, r->v[b[k]].last->status);
	free(b);
	return complete ? search_floor_in(s, 0, err) : 0;
}

/* Observes one stored result (a chain's last attempt) again; record: for the first time. */
static int replay_result(struct search *s, struct row *t, int record, char *err)
{
	const struct row *l = t->last;
	double score = NAN;
	t->taken = 1;
	if (l->status == TS_DONE) {
		struct strbuf why = STRBUF_INIT;
		search_score_done(s, l->id, t->origin == ORIGIN_BASELINE, &score, &why);
		strbuf_release(&why);
	} else if (t->origin == ORIGIN_BASELINE) {
		search_baseline_note(s, l->id, l->status, NULL);
	}
	s->drift_taken += t->baseline == BASE_DRIFT;
	return search_account(s, l->id, t->cfg, l->status, score, t->origin == ORIGIN_BASELINE,
			      record, err);
}

/*
 * Observes, in their stored order, the results the search had taken in
 * before it proposed trial `upto` (every one before it when that order was
 * not recorded: runs of an older vmtune were sequential).
 */
static int replay_until(struct search *s, struct rows *r, size_t upto, char *err)
{
	int64_t limit = upto < r->n ? r->v[upto].proposed_after : INT64_MAX;
	for (;;) {
		struct row *next = NULL;
		for (size_t i = 0; i < r->n; i++) {
			struct row *t = &r->v[i];
			int64_t o = t->last->observed;
			if (t->origin == ORIGIN_RETRY || t->taken || !has_result(t))
				continue;
			/* unrecorded: observed as soon as it ran (older runs), or held for the baseline */
			if (o < 0 ? t->proposed_after >= 0 || i >= upto : limit < 0 || o > limit)
				continue;
			/* unrecorded ones (observed as soon as run) first, in trial order */
			if (!next || (o < 0 ? next->last->observed >= 0 :
				      next->last->observed >= 0 && o < next->last->observed))
				next = t;
		}
		if (!next)
			return 0;
		if (replay_result(s, next, 0, err))
			return -1;
	}
}

/* Configurations proposed before trial upto whose results were not yet taken in. */
static void replay_busy(struct rows *r, size_t upto, const union pval **v, struct busy *b)
{
	b->n = 0;
	for (size_t i = 0; i < upto; i++)
		if (r->v[i].origin != ORIGIN_RETRY && !r->v[i].taken)
			v[b->n++] = r->v[i].cfg;
	b->cfg = v;
}

/*
 * Each stored trial's configuration and last attempt; a baseline's kind by
 * its place (in trial order): the search opened with the first ones.
 */
static int parse_rows(struct search *s, struct rows *r, char *err)
{
	const struct space *sp = &s->o.job->space;
	char msg[ERR_LEN];
	int64_t nbase = 0;
	for (size_t i = 0; i < r->n; i++) {
		struct row *t = &r->v[i];
		if (t->origin == ORIGIN_BASELINE)
			t->baseline = nbase++ < search_open_baselines(s) ? BASE_OPEN : BASE_DRIFT;
		t->last = last_attempt(r, t);
		t->cfg = config_new(sp);
		if (config_from_json(sp, t->config, t->cfg, msg))
			return seterr(err, "run %lld, trial %lld: %s", (long long)s->run_id,
				      (long long)t->id, msg), -1;
	}
	return 0;
}

/*
 * The baselines the search begins with, all of them: a run stopped while
 * it stored them (a crash, a failing disk) has fewer, and without them its
 * noise floor would never be in.
 */
static int queue_missing_baselines(struct search *s, const struct rows *r, char *err)
{
	int64_t nbase = 0;
	for (size_t i = 0; i < r->n; i++)
		nbase += r->v[i].origin == ORIGIN_BASELINE;
	return search_queue_open(s, nbase, err);
}

/*
 * The history replayed in the order it happened: before each stored
 * proposal or repeat, what had come back by then; each must be what the
 * strategy or racing would ask for again.
 */
static int replay_history(struct search *s, struct rows *r, char *err)
{
	const struct space *sp = &s->o.job->space;
	const union pval **bv = xcalloc(r->n + 1, sizeof(*bv));
	union pval *want = config_new(sp);
	struct busy busy;
	int ret = -1;
	for (size_t i = 0; i < r->n; i++) {
		const struct row *t = &r->v[i];
		if (t->origin == ORIGIN_RETRY)
			continue;
		if (replay_until(s, r, i, err))
			goto out;
		replay_busy(r, i, bv, &busy);
		int repeat = search_racing_repeat(s, &busy, want);
		if (t->origin == ORIGIN_REPEAT && (!repeat || !config_equal(sp, t->cfg, want))) {
			seterr(err, "run %lld: racing no longer repeats trial %lld's configuration; "
			       "cannot resume", (long long)s->run_id, (long long)t->id);
			goto out;
		}
		if (t->origin == ORIGIN_STRATEGY &&
		    (repeat || s->sops->propose(s->strat, &busy, want, err) != 0 ||
		     (config_canonical(sp, want), !config_equal(sp, t->cfg, want)))) {
			seterr(err, "run %lld: strategy '%s' no longer proposes trial %lld's "
			       "configuration; cannot resume", (long long)s->run_id,
			       s->o.job->strategy, (long long)t->id);
			goto out;
		}
	}
	ret = replay_until(s, r, r->n, err);
out:
	free(bv);
	free(want);
	return ret;
}

/*
 * Results that were waiting for the noise floor: they still are, or are
 * taken in now. Then what has no result yet runs: proposed trials as they
 * are, interrupted ones again.
 */
static int queue_rest(struct search *s, struct rows *r, char *err)
{
	for (size_t i = 0; i < r->n; i++) {
		struct row *t = &r->v[i];
		if (t->origin == ORIGIN_RETRY || t->taken || !has_result(t))
			continue;
		if (s->base_open) {
			search_hold(s, t->last->id, t->cfg, t->last->status, NULL,
				    t->origin == ORIGIN_BASELINE);
			t->taken = 1;
		} else if (replay_result(s, t, 1, err)) {
			return -1;
		}
	}
	for (size_t i = 0; i < r->n; i++) {
		const struct row *t = &r->v[i], *l = t->last;
		int64_t id;
		if (t->origin == ORIGIN_RETRY || has_result(t))
			continue;
		if (l->status == TS_PROPOSED) {
			search_push_pending(s, l->id, t->cfg, t->baseline);
			continue;
		}
		if (search_insert_trial(s, ORIGIN_RETRY, l->id, t->cfg, &id, err))
			return -1;
		search_push_pending(s, id, t->cfg, t->baseline);
	}
	return 0;
}

int search_resume(struct search *s, char *err)
{
	struct rows r = { 0 };
	struct run_info ri;
	int interrupted, ret = -1;

	if (store_run_get(s->o.st, s->run_id, &ri, err))
		goto out;
	s->elapsed_before = ri.elapsed;
	/* first: a run some live process drives is not touched at all */
	if (gethostname(s->host, sizeof(s->host) - 1))
		strcpy(s->host, "localhost");
	if (search_claim(s, getpid(), err))
		goto out;
	if (store_trials_interrupt(s->o.st, s->run_id, &interrupted, err) ||
	    store_trials_foreach(s->o.st, s->run_id, collect, &r, err) ||
	    store_run_set_status(s->o.st, s->run_id, "running", err))
		goto out;
	if (search_open_parts(s, err) || search_warm_start(s, err))
		goto out;
	s->seq = (int64_t)r.all;
	if (parse_rows(s, &r, err) || open_floor(s, &r, err) || queue_missing_baselines(s, &r, err) ||
	    replay_history(s, &r, err) || queue_rest(s, &r, err))
		goto out;
	ret = 0;
out:
	for (size_t i = 0; i < r.n; i++) {
		free(r.v[i].config);
		free(r.v[i].cfg);
	}
	free(r.v);
	return ret;
}
