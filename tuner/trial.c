#include "trial.h"
#include "err.h"
#include "hostknobs.h"
#include "../results/stats.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int trial_score(struct store *st, const struct objective *o, const double *base, int64_t trial,
		double *score, double **per_repeat, size_t *nrep, char *err)
{
	struct sample *smp;
	size_t n, nr;
	double *sc;
	if (store_trial_samples(st, trial, &smp, &n, err))
		return -1;
	int rc = score_repeats(o, base, smp, n, &sc, &nr, err);
	store_samples_free(smp, n);
	if (rc)
		return -1;
	*score = stats_median(sc, nr);
	if (per_repeat)
		*per_repeat = sc, *nrep = nr;
	else
		free(sc);
	return 0;
}

int run_owner_alive(int64_t pid, const char *host, void *ud)
{
	char me[256] = "", path[64], comm[64] = "";
	FILE *f;
	(void)ud;
	if (gethostname(me, sizeof(me) - 1) || strcmp(me, host))
		return 0;
	if (kill((pid_t)pid, 0) && errno != EPERM)
		return 0;
	snprintf(path, sizeof(path), "/proc/%lld/comm", (long long)pid);
	if (!(f = fopen(path, "r")))
		return 0;
	if (!fgets(comm, sizeof(comm), f))
		comm[0] = '\0';
	fclose(f);
	return !strncmp(comm, "vmtune", 6);
}

static int claim(struct search *s, int64_t pid, char *err)
{
	int64_t busy;
	return store_run_claim(s->st, s->run_id, pid, s->host, run_owner_alive, NULL, &busy, err);
}

/* ---- the sink: results are stored as they arrive ----------------------- */

struct sink_ctx {
	struct search *s;
	int64_t trial;
	int repeat;
	char err[ERR_LEN];
};

static int sink_metric(void *ud, const struct metric *m)
{
	struct sink_ctx *c = ud;
	return store_measurement(c->s->st, c->trial, c->repeat, m, c->err);
}

static int sink_applied(void *ud, const char *knob, const char *value)
{
	struct sink_ctx *c = ud;
	return store_applied(c->s->st, c->trial, c->repeat, knob, value, c->err);
}

static int sink_host(void *ud, const char *knob, const char *value, char *err)
{
	struct sink_ctx *c = ud;
	if (!strncmp(knob, "host.hugepages-", 15))
		return hostknob_reserve_hugepages(c->s->st, c->s->run_id, knob + 15, atol(value), err);
	return hostknob_set(c->s->st, c->s->run_id, knob, value, err);
}

static int sink_undo(void *ud, const char *kind, const char *what, const char *how, int done,
		     char *err)
{
	struct sink_ctx *c = ud;
	if (done)
		return store_journal_mark_path(c->s->st, what, err);
	return store_journal_record(c->s->st, c->s->run_id, kind, what, how ? how : "", err);
}

/* ---- one trial -------------------------------------------------------- */

static double elapsed(const struct search *s)
{
	return s->elapsed_before + (mono() - s->t0);
}

/*
 * Scores a trial that ran to the end. A missing objective metric turns it
 * into a failure (reason filled); for the baseline it sets s->base.
 */
static int score_done(struct search *s, int64_t id, int is_baseline, double *score,
		      struct strbuf *reason)
{
	const struct objective *o = &s->job->obj;
	char msg[ERR_LEN];
	double *ones = xmalloc(o->n * sizeof(double));
	int rc = 0;

	*score = NAN;
	for (size_t i = 0; i < o->n; i++)
		ones[i] = 1;
	if (is_baseline) {
		struct sample *smp;
		size_t n;
		if (store_trial_samples(s->st, id, &smp, &n, msg)) {
			rc = -1;
			strbuf_addstr(reason, msg);
		} else {
			if (score_baseline(o, smp, n, s->base, msg) == 0) {
				s->have_base = 1;
				free(s->base_note);
				s->base_note = NULL;
			}
			store_samples_free(smp, n);
		}
	}
	/* Checks every repeat has every metric, positive; scored against base if known. */
	if (!rc && trial_score(s->st, o, s->have_base ? s->base : ones, id, score, NULL, NULL, msg)) {
		strbuf_addstr(reason, msg);
		rc = -1;
	}
	if (!s->have_base)
		*score = NAN;
	free(ones);
	return rc;
}

static void report(struct search *s, int64_t id, enum trial_status status, const char *reason,
		   double score)
{
	struct progress p = {
		.trial_id = id, .status = status, .reason = reason, .score = score,
		.completed = s->completed, .budget = s->budget_trials, .best = s->best,
		.best_trial = s->best_trial, .elapsed = elapsed(s), .eta = -1,
		.note = s->have_base ? NULL : s->base_note,
	};
	int64_t done_now = s->completed - s->started_completed;
	if (s->budget_trials && done_now > 0) {
		double per = (mono() - s->t0) / (double)done_now;
		p.eta = per * (double)(s->budget_trials - s->completed);
		if (s->budget_seconds && p.eta > s->budget_seconds - p.elapsed)
			p.eta = s->budget_seconds - p.elapsed;
		if (p.eta < 0)
			p.eta = 0;
	}
	if (s->progress)
		s->progress(s->progress_ud, &p);
}

/* Records a finished trial with the strategy and the best-so-far. */
static void account(struct search *s, int64_t id, const union pval *cfg, enum trial_status st,
		    double score)
{
	struct racing_entry inc;
	s->sops->observe(s->strat, cfg, st == TS_DONE, score);
	racing_observe(s->race, cfg, st == TS_DONE, score);
	s->completed++;
	if (racing_incumbent(s->race, &inc)) {
		if (config_equal(&s->job->space, inc.cfg, cfg))
			s->best_trial = id;
		s->best = exp(inc.mean);
	}
}

/* Runs every repeat of a proposed trial; returns 1 when interrupted. */
static int run_trial(struct search *s, int64_t id, const union pval *cfg, int is_baseline,
		     char *err)
{
	const struct job *job = s->job;
	char *json = config_to_json(&job->space, cfg);
	struct sink_ctx sc = { .s = s, .trial = id };
	struct trial_sink sink = { .ud = &sc, .metric = sink_metric, .applied = sink_applied,
				   .host = sink_host, .undo = sink_undo };
	struct trial_result res;
	enum trial_status final = TS_DONE;
	double score = NAN;
	int ret = 0;
	double t_start = mono();

	trial_result_init(&res);
	if (store_trial_start(s->st, id, s->host, err)) {
		ret = -1;
		goto out;
	}
	for (int r = 1; r <= (job->repeats ? job->repeats : 1); r++) {
		struct trial_request rq = {
			.trial_id = id, .repeat = r, .space = &job->space, .config = cfg,
			.config_json = json, .timeout = job->trial_timeout, .stop = s->stop,
		};
		sc.repeat = r;
		trial_result_release(&res);
		trial_result_init(&res);
		if (job->target->run(s->tgt, &rq, &sink, &res)) {
			seterr(err, "%s", sc.err);
			store_trial_transition(s->st, id, TS_RUNNING, TS_FAILED, "could not store a result",
					       NULL, NULL);
			ret = -1;
			goto out;
		}
		if (res.domain_xml.len &&
		    store_trial_artifacts(s->st, id, res.domain_xml.buf, res.console_path.buf, err)) {
			ret = -1;
			goto out;
		}
		if (res.outcome != OUTCOME_DONE)
			break;
	}
	switch (res.outcome) {
	case OUTCOME_DONE:
		if (score_done(s, id, is_baseline, &score, &res.reason))
			final = TS_FAILED;
		break;
	case OUTCOME_TIMEOUT:
		final = TS_TIMEOUT;
		break;
	case OUTCOME_FAILED:
	case OUTCOME_INTERRUPTED:
		final = TS_FAILED;
		break;
	}
	if (is_baseline && final != TS_DONE) {
		free(s->base_note);
		struct strbuf sb = STRBUF_INIT;
		strbuf_addf(&sb, "baseline trial %lld %s (%s): no scores", (long long)id,
			    trial_status_name(final), res.reason.buf);
		s->base_note = strbuf_detach(&sb);
	}
	if (store_trial_transition(s->st, id, TS_RUNNING, final,
				   final == TS_DONE ? NULL : res.reason.buf,
				   res.stderr_tail.len ? res.stderr_tail.buf : NULL, err) ||
	    store_run_add_elapsed(s->st, s->run_id, mono() - t_start, err)) {
		ret = -1;
		goto out;
	}
	if (res.outcome == OUTCOME_INTERRUPTED) {
		ret = 1;
		goto out;
	}
	account(s, id, cfg, final, score);
	report(s, id, final, final == TS_DONE ? NULL : res.reason.buf, score);
out:
	trial_result_release(&res);
	free(json);
	return ret;
}

/* ---- set-up ----------------------------------------------------------- */

static int open_parts(struct search *s, char *err)
{
	const struct job *job = s->job;
	s->sops = strategy_find(job->strategy);
	if (!s->sops)
		return seterr(err, "unknown strategy '%s'", job->strategy), -1;
	if (s->sops->init(&s->strat, &job->space, s->seed, err))
		return -1;
	s->race = racing_new(&job->space, job->repeats ? 1 : RACING_MAX_REPEATS);
	if (job->target->open(&s->tgt, job->tset, job->ntset, job->dir, err))
		return -1;
	s->base = xcalloc(job->obj.n ? job->obj.n : 1, sizeof(double));
	s->best = NAN;
	if (gethostname(s->host, sizeof(s->host) - 1))
		strcpy(s->host, "localhost");
	s->t0 = mono();
	return 0;
}

static int insert_trial(struct search *s, enum trial_origin origin, int64_t retry_of,
			const union pval *cfg, int64_t *id, char *err)
{
	char *json = config_to_json(&s->job->space, cfg);
	int rc = store_trial_insert(s->st, s->run_id, ++s->seq, origin, retry_of, json, id, err);
	free(json);
	return rc;
}

static void push_pending(struct search *s, int64_t id, const union pval *cfg, int baseline)
{
	s->pending = xrealloc(s->pending, (s->npending + 1) * sizeof(*s->pending));
	s->pending[s->npending].id = id;
	s->pending[s->npending].cfg = config_dup(&s->job->space, cfg);
	s->pending[s->npending].baseline = baseline;
	s->npending++;
}

/* Opens the strategy and target, then the run's row, owned by this process. */
static int create_run(struct search *s, const char *strategy, char *err)
{
	const struct job *job = s->job;
	if (open_parts(s, err))
		return -1;
	char *accel = xstrdup(job->target->accel(s->tgt));
	struct run_info ri = {
		.name = job->name, .job_path = job->path, .job_dir = job->dir,
		.job_text = job->text, .strategy = strategy, .seed = s->seed,
		.budget_trials = s->budget_trials, .budget_seconds = s->budget_seconds,
		.accel = accel, .host = s->host,
	};
	int rc = store_run_create(s->st, &ri, &s->run_id, err);
	free(accel);
	return rc || claim(s, getpid(), err) ? -1 : 0;
}

/*
 * However a run ended (ret: the caller's result so far): host knobs back,
 * its status, no owner. A failure here is reported only when none was.
 */
static int end_run(struct search *s, int ret, const char *status, char *err)
{
	char msg[ERR_LEN];
	int restored;
	if (ret)
		status = "failed";
	if (hostknob_restore(s->st, &restored, ret ? msg : err) && !ret)
		ret = -1;
	if ((store_run_set_status(s->st, s->run_id, status, ret ? msg : err) ||
	     claim(s, 0, ret ? msg : err)) && !ret)
		ret = -1;
	return ret;
}

int search_begin(struct search *s, char *err)
{
	const struct job *job = s->job;
	if (create_run(s, job->strategy, err))
		return -1;
	union pval *def = config_defaults(&job->space);
	int64_t id;
	int rc = insert_trial(s, ORIGIN_BASELINE, 0, def, &id, err);
	if (!rc)
		push_pending(s, id, def, 1);
	free(def);
	return rc;
}

/* A stored trial, copied out of the store's callback. */
struct row {
	int64_t id, retry_of;
	enum trial_origin origin;
	enum trial_status status;
	int interrupted;
	char *config;
};

struct rows {
	struct row *v;
	size_t n;
};

static int collect(const struct trial_row *t, void *ud)
{
	struct rows *r = ud;
	r->v = xrealloc(r->v, (r->n + 1) * sizeof(*r->v));
	r->v[r->n++] = (struct row){
		.id = t->id, .retry_of = t->retry_of, .origin = t->origin, .status = t->status,
		.interrupted = t->reason && !strcmp(t->reason, "interrupted"),
		.config = xstrdup(t->config),
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

/* Brings one stored trial (and its retries) into the state of the search. */
static int replay(struct search *s, const struct rows *r, const struct row *t,
		  const union pval *cfg, char *err)
{
	const struct row *l = last_attempt(r, t);
	int64_t id;
	double score = NAN;

	if (l->status == TS_PROPOSED) {
		push_pending(s, l->id, cfg, t->origin == ORIGIN_BASELINE);
		return 0;
	}
	if (l->interrupted) {
		if (insert_trial(s, ORIGIN_RETRY, l->id, cfg, &id, err))
			return -1;
		push_pending(s, id, cfg, t->origin == ORIGIN_BASELINE);
		return 0;
	}
	if (l->status == TS_DONE) {
		struct strbuf why = STRBUF_INIT;
		score_done(s, l->id, t->origin == ORIGIN_BASELINE, &score, &why);
		strbuf_release(&why);
	} else if (t->origin == ORIGIN_BASELINE) {
		free(s->base_note);
		struct strbuf sb = STRBUF_INIT;
		strbuf_addf(&sb, "baseline trial %lld %s: no scores", (long long)l->id,
			    trial_status_name(l->status));
		s->base_note = strbuf_detach(&sb);
	}
	account(s, l->id, cfg, l->status, score);
	return 0;
}

int search_resume(struct search *s, char *err)
{
	const struct job *job = s->job;
	struct rows r = { 0 };
	struct run_info ri;
	union pval *cfg = config_new(&job->space), *want = config_new(&job->space);
	int interrupted, ret = -1;
	char msg[ERR_LEN];

	if (store_run_get(s->st, s->run_id, &ri, err))
		goto out;
	s->elapsed_before = ri.elapsed;
	/* first: a run some live process drives is not touched at all */
	if (gethostname(s->host, sizeof(s->host) - 1))
		strcpy(s->host, "localhost");
	if (claim(s, getpid(), err))
		goto out;
	if (store_trials_interrupt(s->st, s->run_id, &interrupted, err) ||
	    store_trials_foreach(s->st, s->run_id, collect, &r, err) ||
	    store_run_set_status(s->st, s->run_id, "running", err))
		goto out;
	if (open_parts(s, err))
		goto out;
	s->seq = (int64_t)r.n;
	if (!r.n || r.v[0].origin != ORIGIN_BASELINE) {
		union pval *def = config_defaults(&job->space);
		int64_t id;
		int rc = insert_trial(s, ORIGIN_BASELINE, 0, def, &id, err);
		if (!rc)
			push_pending(s, id, def, 1);
		free(def);
		if (rc)
			goto out;
	}
	for (size_t i = 0; i < r.n; i++) {
		const struct row *t = &r.v[i];
		if (t->origin == ORIGIN_RETRY)
			continue;
		if (config_from_json(&job->space, t->config, cfg, msg)) {
			seterr(err, "run %lld, trial %lld: %s", (long long)s->run_id,
			       (long long)t->id, msg);
			goto out;
		}
		if (t->origin == ORIGIN_REPEAT) {
			if (!racing_next(s->race, want) || !config_equal(&job->space, cfg, want)) {
				seterr(err, "run %lld: racing no longer repeats trial %lld's "
				       "configuration; cannot resume", (long long)s->run_id,
				       (long long)t->id);
				goto out;
			}
		} else if (t->origin == ORIGIN_STRATEGY) {
			if (racing_next(s->race, want) || s->sops->propose(s->strat, want, err) != 0 ||
			    !config_equal(&job->space, cfg, want)) {
				seterr(err, "run %lld: strategy '%s' no longer proposes trial %lld's "
				       "configuration; cannot resume", (long long)s->run_id,
				       job->strategy, (long long)t->id);
				goto out;
			}
		}
		if (replay(s, &r, t, cfg, err))
			goto out;
	}
	s->started_completed = s->completed;
	ret = 0;
out:
	for (size_t i = 0; i < r.n; i++)
		free(r.v[i].config);
	free(r.v);
	free(cfg);
	free(want);
	return ret;
}

/* ---- measuring one configuration (vmtune check) ---------------------- */

int search_measure(struct search *s, const union pval *cfg, int n, char *err)
{
	s->budget_trials = n;
	s->budget_seconds = 0;
	if (create_run(s, "check", err))
		return -1;
	int ret = 0, interrupted = 0, rc;
	for (int i = 0; i < n && !ret && !interrupted; i++) {
		int64_t id;
		if (insert_trial(s, ORIGIN_STRATEGY, 0, cfg, &id, err)) {
			ret = -1;
			break;
		}
		rc = run_trial(s, id, cfg, 0, err);
		if (rc < 0)
			ret = -1;
		interrupted = rc == 1 || (s->stop && *s->stop);
	}
	ret = end_run(s, ret, interrupted ? "interrupted" : "finished", err);
	return ret ? -1 : interrupted;
}

/* ---- the loop --------------------------------------------------------- */

int search_loop(struct search *s, enum search_end *end, char *err)
{
	const struct space *sp = &s->job->space;
	union pval *cfg = config_new(sp);
	size_t next_pending = 0;
	int ret = 0;

	*end = SEARCH_BUDGET;
	for (;;) {
		int64_t id;
		int is_baseline = 0, rc;

		if (s->stop && *s->stop) {
			*end = SEARCH_INTERRUPTED;
			break;
		}
		if (s->budget_trials && s->completed >= s->budget_trials)
			break;
		if (s->budget_seconds && elapsed(s) >= s->budget_seconds)
			break;
		if (next_pending < s->npending) {
			struct pending *p = &s->pending[next_pending++];
			id = p->id;
			memcpy(cfg, p->cfg, sp->n * sizeof(*cfg));
			is_baseline = p->baseline;
		} else if (racing_next(s->race, cfg)) {
			if (insert_trial(s, ORIGIN_REPEAT, 0, cfg, &id, err)) {
				ret = -1;
				break;
			}
		} else {
			rc = s->sops->propose(s->strat, cfg, err);
			if (rc < 0) {
				ret = -1;
				break;
			}
			if (rc == 1) {
				*end = SEARCH_EXHAUSTED;
				break;
			}
			if (insert_trial(s, ORIGIN_STRATEGY, 0, cfg, &id, err)) {
				ret = -1;
				break;
			}
		}
		rc = run_trial(s, id, cfg, is_baseline, err);
		if (rc < 0) {
			ret = -1;
			break;
		}
		if (rc == 1) {
			*end = SEARCH_INTERRUPTED;
			break;
		}
	}
	free(cfg);
	/* host knobs go back however the search ended */
	return end_run(s, ret, *end == SEARCH_INTERRUPTED ? "interrupted" : "finished", err);
}

void search_release(struct search *s)
{
	if (s->strat)
		s->sops->free(s->strat);
	racing_free(s->race);
	s->race = NULL;
	if (s->tgt)
		s->job->target->close(s->tgt);
	for (size_t i = 0; i < s->npending; i++)
		free(s->pending[i].cfg);
	free(s->pending);
	free(s->base);
	free(s->base_note);
	s->strat = NULL;
	s->tgt = NULL;
	s->pending = NULL;
	s->npending = 0;
	s->base = NULL;
	s->base_note = NULL;
}
