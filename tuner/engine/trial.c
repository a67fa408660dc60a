#include "trial.h"
#include "slot.h"
#include "../../lib/knobs.h"
#include "../../lib/clock.h"
#include "../target/hostknobs.h"
#include "../../results/floor.h"
#include "../../search/warm.h"
#include "../../results/compare.h"
#include "../../results/stats.h"

#include <errno.h>
#include <stdarg.h>
#include <pthread.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- one trial -------------------------------------------------------- */

#define BASELINE_RETRIES 2	/* a run's failed baselines run again at most this often */

/*
 * Scores a trial that ran to the end. A missing objective metric turns it
 * into a failure (reason filled); for the baseline it sets s->base.
 */
int search_score_done(struct search *s, int64_t id, int is_baseline, double *score,
		      struct strbuf *reason)
{
	const struct objective *o = &s->obj;
	char msg[ERR_LEN];
	double *ones = search_unit_base(o);
	int rc = 0;

	*score = NAN;
	if (is_baseline && !s->have_base) {	/* the first baseline result is the reference */
		struct sample *smp;
		size_t n;
		if (store_trial_samples(s->o.st, id, &smp, &n, msg)) {
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
	/*
	 * Checks every repeat has every metric, positive; scored against its
	 * host's level now once the floor is in (a measurement after the search
	 * against the floor's: both its sides ran on one host), else against
	 * base if known.
	 */
	if (!rc && s->have_ref && s->ref.ns && !s->confirming) {
		if ((is_baseline && reference_add(&s->ref, s->o.st, id, 0, msg)) ||
		    reference_score(&s->ref, s->o.st, id, REF_NOW, score, NULL, NULL, NULL, msg))
			rc = -1;
		if (rc)
			strbuf_addstr(reason, msg);
	} else if (!rc && trial_score(s->o.st, o, s->have_base ? s->base : ones, id, score, NULL,
				      NULL, msg)) {
		strbuf_addstr(reason, msg);
		rc = -1;
	}
	if (!s->have_base)
		*score = NAN;
	free(ones);
	return rc;
}

/*
 * Seconds for `left` more trials at the pace of the last completions,
 * timed when they ended (results held for the noise floor are reported
 * together): the first trials (cold caches, new disks) are slower.
 */
static double eta(const struct search *s, int64_t left)
{
	int64_t n = s->ended, w = n < ETA_WINDOW ? n : ETA_WINDOW;
	if (n <= 0)
		return -1;
	double since = n == w ? s->t0 : s->done_at[(n - w) % (ETA_WINDOW + 1)];
	return (s->done_at[n % (ETA_WINDOW + 1)] - since) / (double)w * (double)(left > 0 ? left : 0);
}

/* The trials the progress line counts to: the budget's, and drift's so far beyond it. */
static int64_t progress_budget(const struct search *s)
{
	return s->o.budget_trials ? s->o.budget_trials + search_drift_count(s) : 0;
}

static void report(struct search *s, int64_t id, enum trial_status status, const char *reason,
		   double score, const char *host)
{
	struct progress p = {
		.trial_id = id, .status = status, .reason = reason, .score = score,
		.completed = s->completed, .budget = progress_budget(s), .best = s->best,
		.best_trial = s->best_trial, .elapsed = search_elapsed(s), .eta = -1,
		.note = s->have_base ? NULL : s->base_note, .host = host,
	};
	if (s->o.budget_trials && s->ended > 0) {
		/* the search's trials left, then the confirmation's first look */
		p.eta = eta(s, s->o.budget_trials - search_budget_used(s) +
			       2 * (int64_t)s->o.confirm_repeats);
		if (s->o.budget_seconds && p.eta > s->o.budget_seconds - p.elapsed)
			p.eta = s->o.budget_seconds - p.elapsed;
		if (p.eta < 0)
			p.eta = 0;
	}
	if (s->o.progress)
		s->o.progress(s->o.progress_ud, &p);
}

static const char *const side_name[] = {
	[SIDE_BASELINE] = "baseline", [SIDE_BEST] = "best", [SIDE_ABLATE] = "change",
	[SIDE_CHECK] = "check", [SIDE_STEP_BASE] = "base",
};

/* The origin of a trial measured after the search, by its side. */
static enum trial_origin side_origin(int side)
{
	return side == SIDE_ABLATE ? ORIGIN_ABLATE : side == SIDE_CHECK ? ORIGIN_ABLATE_CHECK
	       : side == SIDE_STEP_BASE ? ORIGIN_ABLATE_BASE : ORIGIN_CONFIRM;
}

/* A confirmation or ablation trial ended: the progress line says which side, of how many. */
static void report_confirm(struct search *s, const struct slot *sl, enum trial_status status,
			   const char *reason, double score)
{
	struct progress p = {
		.trial_id = sl->id, .status = status, .reason = reason, .score = score,
		.completed = s->completed, .budget = progress_budget(s), .best = s->best,
		.best_trial = s->best_trial, .elapsed = search_elapsed(s), .eta = -1,
		.host = sl->h->label, .side = side_name[sl->confirm],
		.phase = sl->confirm >= SIDE_ABLATE ? "ablate" : "confirm",
		.confirm_done = s->confirm_done, .confirm_total = s->confirm_total,
	};
	p.eta = eta(s, s->confirm_total - s->confirm_done);
	if (s->o.progress)
		s->o.progress(s->o.progress_ud, &p);
}

/* The noise floor is in: says how noisy the score and the metrics are. */
static void noise_notice(struct search *s)
{
	size_t n = 0;
	double *scores = xcalloc((size_t)s->floor_done + 1, sizeof(double));
	int64_t *ids = xcalloc((size_t)s->floor_done + 1, sizeof(int64_t));
	int *level = xcalloc((size_t)s->floor_done + 1, sizeof(int));
	struct noise nz;
	struct strbuf sb = STRBUF_INIT;
	for (int64_t k = 0; s->have_ref && k < s->floor_done; k++)	/* as a stored run's view */
		if (!reference_score(&s->ref, s->o.st, s->floor_ids[k], REF_NEAR, &scores[n], NULL,
				     NULL, NULL, NULL) && !isnan(scores[n])) {
			level[n] = reference_level_of(&s->ref, s->floor_ids[k]);
			ids[n++] = s->floor_ids[k];
		}
	if (!noise_measure(s->o.st, ids, scores, level, n, &nz, NULL)) {
		noise_format(&nz, 3, &sb);
		search_notice(s, "noise floor: %s", sb.buf);
		noise_release(&nz);
	}
	free(scores);
	free(ids);
	free(level);
	strbuf_release(&sb);
}

/* One more baseline result while the noise floor is open; 1 when that completes it. */
int search_floor_result(struct search *s, int64_t id, enum trial_status st)
{
	if (st == TS_DONE) {	/* what the floor is measured from, in the order it came */
		s->floor_ids = xrealloc(s->floor_ids, (size_t)(s->floor_done + 1) * sizeof(int64_t));
		s->floor_ids[s->floor_done++] = id;
	}
	return ++s->floor_seen >= search_noise_floor(s);
}

/*
 * The noise floor is in: every score from here on (and the results that
 * waited for it) leaves out the objective's noisy metrics, as
 * runview_load() scores a run whose floor is in; a live search says how
 * noisy things are and what was left out.
 */
int search_floor_in(struct search *s, int record, char *err)
{
	struct objective o = { 0 };
	struct strbuf said = STRBUF_INIT;
	size_t ndone = (size_t)s->floor_done;
	if (objective_for_noise(s->o.st, &s->o.job->obj, s->o.max_cov, s->floor_ids, ndone, &o, &said,
				err)) {
		strbuf_release(&said);
		return -1;
	}
	if (o.n) {
		objective_release(&s->obj);
		s->obj = o;
	}
	/* the reference: every measurement of the floor, not its first; each host its own */
	if (ndone && !floor_base(s->o.st, &s->o.job->obj, s->floor_ids, ndone, s->base, NULL)) {
		s->have_base = 1;
		free(s->base_note);
		s->base_note = NULL;
	}
	if (s->have_ref)
		reference_release(&s->ref);
	reference_init(&s->ref, &s->obj);
	s->have_ref = 1;
	for (size_t k = 0; k < ndone; k++)
		if (reference_add(&s->ref, s->o.st, s->floor_ids[k], 1, err)) {
			strbuf_release(&said);
			return -1;
		}
	s->base_open = 0;
	if (record && ndone > 1)
		noise_notice(s);
	if (record && said.len)
		search_notice(s, "%s", said.buf);
	strbuf_release(&said);
	return 0;
}

/* Trial id is one of the noise floor's measurements. */
static int floor_member(const struct search *s, int64_t id)
{
	for (int64_t k = 0; k < s->floor_done; k++)
		if (s->floor_ids[k] == id)
			return 1;
	return 0;
}

/* What the search would report now (search/racing.h, racing_best()) and its latest trial. */
static void search_note_best(struct search *s)
{
	struct racing_entry best;
	if (!racing_best(s->race, &best))
		return;
	s->best = exp(best.mean);
	for (size_t i = s->ntold; i-- > 0;)
		if (config_equal(&s->o.job->space, s->told[i].cfg, best.cfg)) {
			s->best_trial = s->told[i].id;
			break;
		}
}

/*
 * Records a finished trial with the strategy and the best-so-far; a live
 * one (record) also stores the order it was observed in.
 */
int search_account(struct search *s, int64_t id, const union pval *cfg, enum trial_status st,
		   double score, int baseline, int record, char *err)
{
	s->sops->observe(s->strat, cfg, st == TS_DONE, score);
	racing_observe(s->race, cfg, st == TS_DONE, score);
	s->completed++;
	s->told = xrealloc(s->told, (s->ntold + 1) * sizeof(*s->told));
	s->told[s->ntold++] = (struct told){ .id = id, .cfg = config_dup(&s->o.job->space, cfg),
					     .score = score, .done = st == TS_DONE };
	search_note_best(s);
	if (baseline && st == TS_DONE && !floor_member(s, id))
		search_rescore(s);
	return record ? store_trial_observed(s->o.st, id, s->completed, err) : 0;
}

void search_baseline_note(struct search *s, int64_t id, enum trial_status st, const char *why)
{
	struct strbuf sb = STRBUF_INIT;
	free(s->base_note);
	strbuf_addf(&sb, "baseline trial %lld %s", (long long)id, trial_status_name(st));
	if (why)
		strbuf_addf(&sb, " (%s)", why);
	strbuf_addstr(&sb, ": no scores");
	s->base_note = strbuf_detach(&sb);
}

int search_insert_trial(struct search *s, enum trial_origin origin, int64_t retry_of,
			const union pval *cfg, int64_t *id, char *err)
{
	char *json = config_to_json(&s->o.job->space, cfg);
	int rc = store_trial_insert(s->o.st, s->run_id, ++s->seq, origin, retry_of, json,
				    origin == ORIGIN_RETRY ? -1 : s->completed, id, err);
	free(json);
	return rc;
}

void search_push_pending(struct search *s, int64_t id, const union pval *cfg, int baseline)
{
	s->pending = xrealloc(s->pending, (s->npending + 1) * sizeof(*s->pending));
	s->pending[s->npending] = (struct pending){
		.id = id, .cfg = config_dup(&s->o.job->space, cfg), .baseline = baseline,
	};
	s->npending++;
}

/*
 * A trial measured after the search, waiting to run (enum after_side).
 * With several hosts, every one on the first host: hosts differ
 * (t14's is 20% slower), and a baseline measured on one and the incumbent
 * on another would compare the hosts, not the configurations.
 */
void search_push_confirm(struct search *s, int64_t id, const union pval *cfg, int side)
{
	search_push_pending(s, id, cfg, 0);
	s->pending[s->npending - 1].confirm = side;
	if (s->nhosts > 1)
		s->pending[s->npending - 1].h = &s->hosts[0];
}

/* A result that came back before the noise floor was in: observed once it is. */
void search_hold(struct search *s, int64_t id, const union pval *cfg, enum trial_status st,
		 const char *host, int baseline)
{
	s->held = xrealloc(s->held, (s->nheld + 1) * sizeof(*s->held));
	s->held[s->nheld++] = (struct held){ .id = id, .st = st, .host = host, .baseline = baseline,
					     .cfg = config_dup(&s->o.job->space, cfg) };
}

/* Results that came back before the noise floor was in, scored and observed now, in turn. */
static int take_held(struct search *s, char *err)
{
	char msg[ERR_LEN];
	int ret = 0;
	for (size_t i = 0; i < s->nheld; i++) {
		struct held *h = &s->held[i];
		double score = NAN;
		if (!ret && h->st == TS_DONE && s->have_base &&
		    reference_score(&s->ref, s->o.st, h->id, REF_NOW, &score, NULL, NULL, NULL, msg))
			score = NAN;
		if (!ret && search_account(s, h->id, h->cfg, h->st, score, h->baseline, 1, err))
			ret = -1;
		if (!ret)
			report(s, h->id, h->st, NULL, score, h->host);
		free(h->cfg);
	}
	s->nheld = 0;
	return ret;
}

/* The slot's host stopped answering: its trial is interrupted and queued again. */
static int host_lost(struct search *s, struct slot *sl, char *err)
{
	struct trial_result *res = &sl->res;
	struct strbuf why = STRBUF_INIT;
	int64_t retry;
	int ret = 0;
	strbuf_addf(&why, "host %s stopped answering: %s", sl->h->label, res->reason.buf);
	search_host_down(s, sl->h, res->reason.buf);
	search_close_idle(s, sl->h);
	if (store_trial_transition(s->o.st, sl->id, TS_RUNNING, TS_INTERRUPTED, why.buf, NULL, err) ||
	    store_run_add_elapsed(s->o.st, s->run_id, mono() - sl->t_start, err) ||
	    search_insert_trial(s, sl->confirm ? side_origin(sl->confirm) : ORIGIN_RETRY,
				sl->confirm ? 0 : sl->id, sl->cfg, &retry, err))
		ret = -1;
	else
		sl->confirm ? search_push_confirm(s, retry, sl->cfg, sl->confirm)
			    : search_push_pending(s, retry, sl->cfg, sl->baseline);
	strbuf_release(&why);
	return ret;
}

/* The trial's final status from its outcome (a done trial that cannot be scored failed). */
static enum trial_status final_status(struct search *s, struct slot *sl, double *score)
{
	switch (sl->res.outcome) {
	case OUTCOME_DONE:
		return search_score_done(s, sl->id, sl->baseline, score, &sl->res.reason) ? TS_FAILED
											  : TS_DONE;
	case OUTCOME_TIMEOUT:
		return TS_TIMEOUT;
	case OUTCOME_INTERRUPTED:
		return TS_INTERRUPTED;
	default:
		return TS_FAILED;
	}
}

/*
 * A baseline that failed (a flaky command, a slow boot) runs again, as an
 * interrupted trial does, BASELINE_RETRIES times at most: without it the
 * run had no scores. 1 when queued again.
 */
static int retry_baseline(struct search *s, struct slot *sl, enum trial_status final, char *err)
{
	int64_t retry;
	if (!sl->baseline || final == TS_DONE || s->base_retries >= BASELINE_RETRIES)
		return 0;
	s->base_retries++;
	if (search_insert_trial(s, ORIGIN_RETRY, sl->id, sl->cfg, &retry, err))
		return -1;
	search_push_pending(s, retry, sl->cfg, sl->baseline);
	if (s->nhosts > 1)	/* on its host: each host has its own */
		s->pending[s->npending - 1].h = sl->h;
	return 1;
}

/* A result while the noise floor is not in: held, scored and observed once it is. */
static int floor_open_result(struct search *s, struct slot *sl, enum trial_status final,
			     char *err)
{
	search_hold(s, sl->id, sl->cfg, final, sl->h->label, sl->baseline != 0);
	if (sl->baseline && s->o.progress) {	/* said now: the floor takes a while */
		struct progress p = {
			.trial_id = sl->id, .status = final, .score = NAN, .best = NAN,
			.reason = final == TS_DONE ? NULL : sl->res.reason.buf, .eta = -1,
			.elapsed = search_elapsed(s), .host = sl->h->label,
			.floor_done = s->floor_seen + 1, .floor_total = search_noise_floor(s),
		};
		s->o.progress(s->o.progress_ud, &p);
	}
	if (sl->baseline && search_floor_result(s, sl->id, final) &&
	    (search_floor_in(s, 1, err) || take_held(s, err)))
		return -1;
	return 0;
}

/* The defaults, stored and queued (kind: BASE_OPEN or BASE_DRIFT); on host h when there are several. */
static int queue_defaults(struct search *s, int kind, struct hoststate *h, char *err)
{
	union pval *def = config_defaults(&s->o.job->space);
	int64_t id;
	int rc = search_insert_trial(s, ORIGIN_BASELINE, 0, def, &id, err);
	if (!rc) {
		search_push_pending(s, id, def, kind);
		if (h && s->nhosts > 1)
			s->pending[s->npending - 1].h = h;
	}
	free(def);
	return rc;
}

int search_queue_open(struct search *s, int64_t from, char *err)
{
	int64_t open = search_open_baselines(s), all = open + search_drift_open(s);
	for (int64_t k = from; k < all; k++)
		if (queue_defaults(s, k < open ? BASE_OPEN : BASE_DRIFT,
				   k < (int64_t)s->nhosts ? &s->hosts[k] : NULL, err))
			return -1;
	return 0;
}

/* The defaults, queued to be measured next on host h: drift's, beyond the budget. */
static int queue_baseline(struct search *s, struct hoststate *h, char *err)
{
	if (queue_defaults(s, BASE_DRIFT, h, err))
		return -1;
	h->base_queued = 1;
	return 0;
}

/* A slot of host h has a trial running. */
static int host_busy(const struct search *s, const struct hoststate *h)
{
	for (size_t i = 0; i < s->nslots; i++)
		if (s->slots[i].busy && s->slots[i].h == h)
			return 1;
	return 0;
}

/*
 * Drift (job.h: drift): each host's defaults are measured again every
 * `every` results on it, at once after one that opened a new level off
 * the old at 5% (to tell a step from an outlier; one off at 20% only
 * waits for the next), after a configuration measured again
 * scores beyond the level threshold from its earlier mean (prev, a log,
 * over nprev measurements: a jump, which its configuration cannot explain),
 * and after the budget's last trial. They run beyond the trial budget, up
 * to job_drift_max() of them: the strategy gets every trial it was given.
 */
static int drift_watch(struct search *s, struct slot *sl, enum trial_status st, double score,
		       double prev, size_t nprev, char *err)
{
	struct hoststate *h = sl->h;
	int every = job_drift_every(s->o.job);
	if (!every || !s->have_ref || s->fixed)
		return 0;
	if (search_drift_count(s) >= job_drift_max(s->o.job, s->o.budget_trials,
						    search_open_baselines(s), s->nhosts)) {
		if (!s->drift_said++)
			search_notice(s, "drift: the defaults were measured again %lld times, all "
				      "this budget allows; the level is not followed further",
				      (long long)search_drift_count(s));
		return 0;
	}
	if (sl->baseline) {
		h->since_base = 0;
		h->base_queued = 0;
		if (st == TS_DONE && s->ref.jumped == 2) {
			search_notice(s, "the defaults measured %.3f of their level on %s (trial #%lld): "
				      "measured again, to tell a step from an outlier", s->ref.jump,
				      h->label, (long long)sl->id);
			return queue_baseline(s, h, err);
		}
		return 0;
	}
	h->since_base++;
	if (h->base_queued)
		return 0;
	/*
	 * The budget's last trial on this host closes the series (the last
	 * results get a level after them); in a search too short to follow the
	 * level, once half a period has passed.
	 */
	if (s->o.budget_trials && search_budget_used(s) >= s->o.budget_trials) {
		int due = job_drift_follows(s->o.job, s->o.budget_trials) || 2 * h->since_base >= every;
		return host_busy(s, h) || !due ? 0 : queue_baseline(s, h, err);
	}
	int jumped = st == TS_DONE && score > 0 && !isnan(prev) && h->since_base >= 2 &&
		     fabs(log(score) - prev) > reference_threshold(&s->ref, nprev);
	return h->since_base < every && !jumped ? 0 : queue_baseline(s, h, err);
}

/* A finished trial's result taken in: stored, then held, confirmed or observed. */
static int take_result(struct search *s, struct slot *sl, int *interrupted, char *err)
{
	struct trial_result *res = &sl->res;
	double score = NAN;
	enum trial_status final = final_status(s, sl, &score);
	const char *why = final == TS_DONE ? NULL : res->reason.buf;
	int rc;

	if (sl->baseline && final != TS_DONE && final != TS_INTERRUPTED)
		search_baseline_note(s, sl->id, final, res->reason.buf);
	if (store_trial_transition(s->o.st, sl->id, TS_RUNNING, final, why,
				   res->stderr_tail.len ? res->stderr_tail.buf : NULL, err) ||
	    store_run_add_elapsed(s->o.st, s->run_id, mono() - sl->t_start, err))
		return -1;
	if (res->outcome == OUTCOME_INTERRUPTED) {
		*interrupted = 1;
		return 0;
	}
	if (res->stop_search)	/* the next trials would fail the same way */
		return seterr(err, "trial #%lld: %s; the search stops (vmtune resume picks it up "
			      "once that is fixed)", (long long)sl->id, res->reason.buf), -1;
	if ((rc = retry_baseline(s, sl, final, err)))
		return rc < 0 ? -1 : 0;
	s->ended++;	/* when it ended: the ETA's pace */
	s->done_at[s->ended % (ETA_WINDOW + 1)] = mono();
	if (sl->confirm) {	/* the strategy and racing never see these */
		s->confirm_done++;
		report_confirm(s, sl, final, why, score);
		return 0;
	}
	if (s->base_open)
		return floor_open_result(s, sl, final, err);
	struct racing_entry e;	/* the configuration's mean log score so far, if measured */
	int seen = racing_find(s->race, sl->cfg, &e) && e.n;
	double prev = seen ? e.mean : NAN;
	s->drift_taken += sl->baseline == BASE_DRIFT;
	if (search_account(s, sl->id, sl->cfg, final, score, sl->baseline != 0, 1, err))
		return -1;
	report(s, sl->id, final, why, score, sl->h->label);
	return drift_watch(s, sl, final, score, prev, seen ? e.n : 0, err);
}

/*
 * Takes in a slot's finished trial (the thread is done with it): stores its
 * end, scores it, tells the strategy and racing. A trial whose host went
 * away is retried elsewhere. Returns -1 on a runtime failure.
 */
int trial_finish(struct search *s, struct slot *sl, int *interrupted, char *err)
{
	int ret;
	pthread_join(sl->th, NULL);
	sl->busy = sl->finished = 0;
	if (sl->rc) {	/* the store failed, not the configuration: a resume runs it again */
		seterr(err, "%s", sl->err);
		store_trial_transition(s->o.st, sl->id, TS_RUNNING, TS_INTERRUPTED,
				       "interrupted: could not store a result", NULL, NULL);
		ret = -1;
	} else if (sl->res.outcome == OUTCOME_HOST_LOST) {
		ret = host_lost(s, sl, err);
	} else {
		ret = take_result(s, sl, interrupted, err);
	}
	trial_result_release(&sl->res);
	trial_result_init(&sl->res);
	free(sl->json);
	sl->json = NULL;
	return ret;
}

/* Starts trial id on slot sl, in a thread of its own. */
int trial_start(struct search *s, struct slot *sl, int64_t id, const union pval *cfg,
		int baseline, int confirm, char *err)
{
	if (store_trial_start(s->o.st, id, sl->h->label, err))
		return -1;
	memcpy(sl->cfg, cfg, s->o.job->space.n * sizeof(*cfg));
	sl->json = config_to_json(&s->o.job->space, cfg);
	sl->id = id;
	sl->baseline = baseline;
	sl->confirm = confirm;
	sl->rc = 0;
	sl->t_start = mono();
	sl->busy = 1;
	sl->finished = 0;
	int rc = pthread_create(&sl->th, NULL, slot_work, sl);
	if (rc) {
		sl->busy = 0;
		store_trial_transition(s->o.st, id, TS_RUNNING, TS_INTERRUPTED, "interrupted", NULL, NULL);
		return seterr(err, "cannot start a thread: %s", strerror(rc)), -1;
	}
	return 0;
}

/* ---- when the level moved ------------------------------------------------ */

/*
 * Every result taken in so far scored again against its host's level
 * nearest in time (results/reference.h), as a baseline may just have
 * placed a step before them: the strategy is told each changed score
 * (told at once against the level known then, it steered for up to a
 * period on scores 20% off), and racing is replayed with the results
 * taken while the level moved marked (search/racing.h: none of them is
 * the incumbent until measured again). In the order the results were
 * taken in, so a resume that replays them does the same at the same
 * points. Nothing to do while drift is off: the floor's level holds.
 */
void search_rescore(struct search *s)
{
	const struct space *sp = &s->o.job->space;
	if (!s->have_ref || s->fixed || !job_drift_every(s->o.job))
		return;
	racing_free(s->race);
	s->race = racing_new(sp, search_race_max(s));
	for (size_t i = 0; i < s->ntold; i++) {
		struct told *t = &s->told[i];
		double now = NAN, low = NAN;
		int moved = 0;
		if (t->done && reference_score(&s->ref, s->o.st, t->id, REF_NEAR, &now, NULL, NULL,
					       &moved, NULL))
			now = NAN;
		if (moved && reference_score_low(&s->ref, s->o.st, t->id, &low, NULL))
			low = now;
		if (now > 0 && t->score > 0 && now != t->score) {
			if (s->sops->retell)
				s->sops->retell(s->strat, t->cfg, t->score, now);
			t->score = now;
		}
		racing_observe_moved(s->race, t->cfg, t->done && !isnan(now), now, moved, low);
	}
	search_note_best(s);
}

/* ---- set-up ----------------------------------------------------------- */


/* ---- measuring one configuration (vmtune check) ---------------------- */

/* ---- the loop --------------------------------------------------------- */
