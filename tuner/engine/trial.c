#include "search-int.h"
#include "../../lib/knobs.h"
#include "../../lib/clock.h"
#include "../target/hostknobs.h"
#include "../view/runview.h"
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

#define HOST_RETRY_FIRST 5.0	/* seconds before a host that went down is tried again */
#define HOST_RETRY_MAX 300.0

/* A baseline of 1 for every objective term: scores as plain geometric means. */
double *search_unit_base(const struct objective *o)
{
	double *b = xmalloc((o->n + 1) * sizeof(double));
	for (size_t i = 0; i < o->n; i++)
		b[i] = 1;
	return b;
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

int search_claim(struct search *s, int64_t pid, char *err)
{
	int64_t busy;
	return store_run_claim(s->st, s->run_id, pid, s->host, run_owner_alive, NULL, &busy, err);
}

void search_notice(struct search *s, const char *fmt, ...)
{
	char msg[ERR_LEN];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (s->notice)
		s->notice(s->progress_ud, msg);
}

/* ---- one trial -------------------------------------------------------- */

#define BASELINE_RETRIES 2	/* a run's failed baselines run again at most this often */

int64_t search_noise_floor(const struct search *s)
{
	int64_t floor = s->noise_floor > 0 ? s->noise_floor : s->job->noise_floor;
	return s->budget_trials && floor > s->budget_trials ? s->budget_trials : floor;
}

double search_elapsed(const struct search *s)
{
	return s->elapsed_before + (mono() - s->t0);
}

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

static void report(struct search *s, int64_t id, enum trial_status status, const char *reason,
		   double score, const char *host)
{
	struct progress p = {
		.trial_id = id, .status = status, .reason = reason, .score = score,
		.completed = s->completed, .budget = s->budget_trials, .best = s->best,
		.best_trial = s->best_trial, .elapsed = search_elapsed(s), .eta = -1,
		.note = s->have_base ? NULL : s->base_note, .host = host,
	};
	if (s->budget_trials && s->ended > 0) {
		/* the search's trials left, then the confirmation's first look */
		p.eta = eta(s, s->budget_trials - s->started_completed - s->search_ended +
			       2 * (int64_t)s->confirm_repeats);
		if (s->budget_seconds && p.eta > s->budget_seconds - p.elapsed)
			p.eta = s->budget_seconds - p.elapsed;
		if (p.eta < 0)
			p.eta = 0;
	}
	if (s->progress)
		s->progress(s->progress_ud, &p);
}

/* A confirmation trial ended: the progress line says which side, of how many. */
static void report_confirm(struct search *s, const struct slot *sl, enum trial_status status,
			   const char *reason, double score)
{
	struct progress p = {
		.trial_id = sl->id, .status = status, .reason = reason, .score = score,
		.completed = s->completed, .budget = s->budget_trials, .best = s->best,
		.best_trial = s->best_trial, .elapsed = search_elapsed(s), .eta = -1,
		.host = sl->h->label, .side = sl->confirm == 2 ? "best" : "baseline",
		.confirm_done = s->confirm_done, .confirm_total = s->confirm_total,
	};
	p.eta = eta(s, s->confirm_total - s->confirm_done);
	if (s->progress)
		s->progress(s->progress_ud, &p);
}

/*
 * Records a finished trial with the strategy and the best-so-far; a live
 * one (record) also stores the order it was observed in.
 */
/* The noise floor is in: says how noisy the score and the metrics are. */
static void noise_notice(struct search *s)
{
	struct runview rv;
	struct noise nz;
	struct strbuf sb = STRBUF_INIT;
	char msg[ERR_LEN];
	if (!runview_load(&rv, s->st, s->run_id, msg) && !runview_noise(&rv, s->st, &nz, msg)) {
		noise_format(&nz, 3, &sb);
		search_notice(s, "noise floor: %s", sb.buf);
		noise_release(&nz);
	}
	runview_release(&rv);
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
	if (objective_for_noise(s->st, &s->job->obj, s->max_cov, s->floor_ids, ndone, &o, &said,
				err)) {
		strbuf_release(&said);
		return -1;
	}
	if (o.n) {
		objective_release(&s->obj);
		s->obj = o;
	}
	/* the reference: every measurement of the floor, not its first */
	if (ndone && !floor_base(s->st, &s->job->obj, s->floor_ids, ndone, s->base, NULL)) {
		s->have_base = 1;
		free(s->base_note);
		s->base_note = NULL;
	}
	s->base_open = 0;
	if (record && ndone > 1)
		noise_notice(s);
	if (record && said.len)
		search_notice(s, "%s", said.buf);
	strbuf_release(&said);
	return 0;
}

int search_account(struct search *s, int64_t id, const union pval *cfg, enum trial_status st,
		   double score, int record, char *err)
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
	return record ? store_trial_observed(s->st, id, s->completed, err) : 0;
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
	char *json = config_to_json(&s->job->space, cfg);
	int rc = store_trial_insert(s->st, s->run_id, ++s->seq, origin, retry_of, json,
				    origin == ORIGIN_RETRY ? -1 : s->completed, id, err);
	free(json);
	return rc;
}

void search_push_pending(struct search *s, int64_t id, const union pval *cfg, int baseline)
{
	s->pending = xrealloc(s->pending, (s->npending + 1) * sizeof(*s->pending));
	s->pending[s->npending] = (struct pending){
		.id = id, .cfg = config_dup(&s->job->space, cfg), .baseline = baseline,
	};
	s->npending++;
}

/*
 * A confirmation trial, waiting to run: side 1 the baseline, 2 the
 * incumbent. With several hosts, every one on the first host: hosts differ
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

/* Closes the targets of host h's slots that run nothing (its connection is gone). */
static void close_idle(struct search *s, const struct hoststate *h)
{
	for (size_t i = 0; i < s->nslots; i++)
		if (s->slots[i].h == h && !s->slots[i].busy && s->slots[i].tgt) {
			s->job->target->close(s->slots[i].tgt);
			s->slots[i].tgt = NULL;
		}
}

void search_host_down(struct search *s, struct hoststate *h, const char *why)
{
	if (!h->up)
		return;
	h->up = 0;
	h->backoff = h->backoff ? h->backoff * 2 : HOST_RETRY_FIRST;
	if (h->backoff > HOST_RETRY_MAX)
		h->backoff = HOST_RETRY_MAX;
	h->retry_at = mono() + h->backoff;
	search_notice(s, "host %s stopped answering (%s); its trials go to the other slots, "
		      "retrying it in %gs", h->label, why, h->backoff);
}

/* A result that came back before the noise floor was in: observed once it is. */
void search_hold(struct search *s, int64_t id, const union pval *cfg, enum trial_status st,
		 const char *host)
{
	s->held = xrealloc(s->held, (s->nheld + 1) * sizeof(*s->held));
	s->held[s->nheld++] = (struct held){ .id = id, .st = st, .host = host,
					     .cfg = config_dup(&s->job->space, cfg) };
}

/* Results that came back before the noise floor was in, scored and observed now, in turn. */
static int take_held(struct search *s, char *err)
{
	const struct objective *o = &s->obj;
	char msg[ERR_LEN];
	int ret = 0;
	for (size_t i = 0; i < s->nheld; i++) {
		struct held *h = &s->held[i];
		double score = NAN;
		if (!ret && h->st == TS_DONE && s->have_base &&
		    trial_score(s->st, o, s->base, h->id, &score, NULL, NULL, msg))
			score = NAN;
		if (!ret && search_account(s, h->id, h->cfg, h->st, score, 1, err))
			ret = -1;
		if (!ret)
			report(s, h->id, h->st, NULL, score, h->host);
		free(h->cfg);
	}
	s->nheld = 0;
	return ret;
}

/*
 * Takes in a slot's finished trial (the thread is done with it): stores its
 * end, scores it, tells the strategy and racing. A trial whose host went
 * away is retried elsewhere. Returns -1 on a runtime failure.
 */
int trial_finish(struct search *s, struct slot *sl, int *interrupted, char *err)
{
	struct trial_result *res = &sl->res;
	enum trial_status final = TS_DONE;
	double score = NAN;
	int ret = 0;

	pthread_join(sl->th, NULL);
	sl->busy = sl->finished = 0;
	if (sl->rc) {	/* the store failed, not the configuration: a resume runs it again */
		seterr(err, "%s", sl->err);
		store_trial_transition(s->st, sl->id, TS_RUNNING, TS_INTERRUPTED,
				       "interrupted: could not store a result", NULL, NULL);
		ret = -1;
		goto out;
	}
	if (res->outcome == OUTCOME_HOST_LOST) {
		struct strbuf why = STRBUF_INIT;
		int64_t retry;
		strbuf_addf(&why, "host %s stopped answering: %s", sl->h->label, res->reason.buf);
		search_host_down(s, sl->h, res->reason.buf);
		close_idle(s, sl->h);
		if (store_trial_transition(s->st, sl->id, TS_RUNNING, TS_INTERRUPTED, why.buf, NULL,
					   err) ||
		    store_run_add_elapsed(s->st, s->run_id, mono() - sl->t_start, err) ||
		    search_insert_trial(s, sl->confirm ? ORIGIN_CONFIRM : ORIGIN_RETRY,
					sl->confirm ? 0 : sl->id, sl->cfg, &retry, err))
			ret = -1;
		else
			sl->confirm ? search_push_confirm(s, retry, sl->cfg, sl->confirm)
				    : search_push_pending(s, retry, sl->cfg, sl->baseline);
		strbuf_release(&why);
		goto out;
	}
	switch (res->outcome) {
	case OUTCOME_DONE:
		if (search_score_done(s, sl->id, sl->baseline, &score, &res->reason))
			final = TS_FAILED;
		break;
	case OUTCOME_TIMEOUT:
		final = TS_TIMEOUT;
		break;
	case OUTCOME_INTERRUPTED:
		final = TS_INTERRUPTED;
		break;
	default:
		final = TS_FAILED;
		break;
	}
	if (sl->baseline && final != TS_DONE && final != TS_INTERRUPTED)
		search_baseline_note(s, sl->id, final, res->reason.buf);
	if (store_trial_transition(s->st, sl->id, TS_RUNNING, final,
				   final == TS_DONE ? NULL : res->reason.buf,
				   res->stderr_tail.len ? res->stderr_tail.buf : NULL, err) ||
	    store_run_add_elapsed(s->st, s->run_id, mono() - sl->t_start, err)) {
		ret = -1;
		goto out;
	}
	if (res->outcome == OUTCOME_INTERRUPTED) {
		*interrupted = 1;
		goto out;
	}
	if (sl->baseline && final != TS_DONE && s->base_retries < BASELINE_RETRIES) {
		/*
		 * A baseline that failed (a flaky command, a slow boot): run again,
		 * as an interrupted trial is. Without it the run had no scores.
		 */
		int64_t retry;
		s->base_retries++;
		if (search_insert_trial(s, ORIGIN_RETRY, sl->id, sl->cfg, &retry, err)) {
			ret = -1;
			goto out;
		}
		search_push_pending(s, retry, sl->cfg, 1);
		if (s->nhosts > 1)	/* on its host: each host has its own */
			s->pending[s->npending - 1].h = sl->h;
		goto out;
	}
	s->ended++;	/* when it ended: the ETA's pace */
	s->done_at[s->ended % (ETA_WINDOW + 1)] = mono();
	s->search_ended += !sl->confirm;
	if (sl->confirm) {	/* the strategy and racing never see the confirmation */
		s->confirm_done++;
		report_confirm(s, sl, final, final == TS_DONE ? NULL : res->reason.buf, score);
		goto out;
	}
	if (s->base_open) {	/* the noise floor is not in: scored and observed once it is */
		search_hold(s, sl->id, sl->cfg, final, sl->h->label);
		if (sl->baseline && s->progress) {	/* said now: the floor takes a while */
			struct progress p = {
				.trial_id = sl->id, .status = final, .score = NAN, .best = NAN,
				.reason = final == TS_DONE ? NULL : res->reason.buf, .eta = -1,
				.elapsed = search_elapsed(s), .host = sl->h->label,
				.floor_done = s->floor_seen + 1, .floor_total = search_noise_floor(s),
			};
			s->progress(s->progress_ud, &p);
		}
		if (sl->baseline && search_floor_result(s, sl->id, final) &&
		    (search_floor_in(s, 1, err) || take_held(s, err)))
			ret = -1;
		goto out;
	}
	if (search_account(s, sl->id, sl->cfg, final, score, 1, err)) {
		ret = -1;
		goto out;
	}
	report(s, sl->id, final, final == TS_DONE ? NULL : res->reason.buf, score, sl->h->label);
out:
	trial_result_release(res);
	trial_result_init(res);
	free(sl->json);
	sl->json = NULL;
	return ret;
}

/* Starts trial id on slot sl, in a thread of its own. */
int trial_start(struct search *s, struct slot *sl, int64_t id, const union pval *cfg,
		int baseline, int confirm, char *err)
{
	if (store_trial_start(s->st, id, sl->h->label, err))
		return -1;
	memcpy(sl->cfg, cfg, s->job->space.n * sizeof(*cfg));
	sl->json = config_to_json(&s->job->space, cfg);
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
		store_trial_transition(s->st, id, TS_RUNNING, TS_INTERRUPTED, "interrupted", NULL, NULL);
		return seterr(err, "cannot start a thread: %s", strerror(rc)), -1;
	}
	return 0;
}

/* ---- set-up ----------------------------------------------------------- */

/* Knobs that change the host itself: only with one slot, on this machine. */
static int check_host_knobs(const struct job *job, char *err)
{
	const struct space *sp = &job->space;
	int slots = job_slots(job), remote = 0;
	for (size_t i = 0; i < job->nhosts; i++)
		remote |= uri_is_remote(job->hosts[i].uri);
	if (slots < 2 && !remote)
		return 0;
	for (size_t i = 0; i < sp->n; i++)
		if (!strncmp(sp->p[i].name, "host.", 5) || !strcmp(sp->p[i].name, "vm.hugepages"))
			return seterr(err, "%s changes the host itself: it needs a single slot on "
				      "this machine (the job has %d slot%s%s)", sp->p[i].name, slots,
				      slots == 1 ? "" : "s", remote ? " and a remote host" : ""), -1;
	return 0;
}

/* Opens every slot of host h; on failure none is left open. */
int search_open_host(struct search *s, struct hoststate *h, char *err)
{
	const struct job *job = s->job;
	for (size_t i = 0; i < s->nslots; i++) {
		struct slot *sl = &s->slots[i];
		if (sl->h != h || sl->tgt)
			continue;
		if (job->target->open(&sl->tgt, job->tset, job->ntset, job->dir, h->uri, err)) {
			close_idle(s, h);	/* the one that failed too: it is not busy */
			return -1;
		}
		if (!s->accel)
			s->accel = xstrdup(job->target->accel(sl->tgt));
	}
	h->up = 1;
	return 0;
}

int search_open_parts(struct search *s, char *err)
{
	const struct job *job = s->job;
	char msg[ERR_LEN];
	int any = 0;

	s->sops = strategy_find(job->strategy);
	if (!s->sops)
		return seterr(err, "unknown strategy '%s'", job->strategy), -1;
	if (check_host_knobs(job, err))
		return -1;
	if (s->sops->init(&s->strat, &job->space, s->seed, err))
		return -1;
	s->race = racing_new(&job->space, job->repeats ? 1 : RACING_MAX_REPEATS);
	s->base = xcalloc(job->obj.n ? job->obj.n : 1, sizeof(double));
	objective_copy(&s->obj, &job->obj);	/* a copy: the noise floor may leave metrics out */
	s->best = NAN;
	if (gethostname(s->host, sizeof(s->host) - 1))
		strcpy(s->host, "localhost");
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->cond, NULL);
	s->threads = 1;

	s->nhosts = job->nhosts ? job->nhosts : 1;
	s->hosts = xcalloc(s->nhosts, sizeof(*s->hosts));
	s->nslots = (size_t)job_slots(job);
	s->slots = xcalloc(s->nslots, sizeof(*s->slots));
	for (size_t i = 0, k = 0; i < s->nhosts; i++) {
		struct hoststate *h = &s->hosts[i];
		h->uri = job->nhosts ? job->hosts[i].uri : NULL;
		h->label = h->uri ? h->uri : s->host;
		for (int j = 0; j < (job->nhosts ? job->hosts[i].slots : 1); j++, k++) {
			s->slots[k].s = s;
			s->slots[k].h = h;
			s->slots[k].cfg = config_new(&job->space);
			trial_result_init(&s->slots[k].res);
		}
	}
	/* A host that cannot be reached now is tried again later, unless none can. */
	for (size_t i = 0; i < s->nhosts; i++) {
		struct hoststate *h = &s->hosts[i];
		if (!search_open_host(s, h, any || i + 1 < s->nhosts ? msg : err)) {
			any = 1;
			continue;
		}
		if (any || i + 1 < s->nhosts) {
			h->up = 1;	/* so that search_host_down() says so */
			search_host_down(s, h, msg);
		}
	}
	if (!any && s->nhosts > 1)
		return seterr(err, "no host could be reached (the last: %s)", msg), -1;
	if (!any)
		return -1;
	s->t0 = mono();
	return 0;
}

struct warm_load {
	const struct space *sp;
	union pval **cfg;
	double *score;
	size_t n;
	char *err;
};

static int warm_row(const char *source, const char *config, double score, void *ud)
{
	struct warm_load *w = ud;
	union pval *c = config_new(w->sp);
	char msg[ERR_LEN];
	if (config_from_json(w->sp, config, c, msg)) {
		free(c);
		seterr(w->err, "warm start from %s: %s", source, msg);
		return -1;
	}
	w->cfg = xrealloc(w->cfg, (w->n + 1) * sizeof(*w->cfg));
	w->score = xrealloc(w->score, (w->n + 1) * sizeof(*w->score));
	w->cfg[w->n] = c;
	w->score[w->n++] = score;
	return 0;
}

/*
 * The run's warm start, as stored: the strategy is seeded with it (and
 * proposes its best configurations first). Nothing when there is none.
 */
int search_warm_start(struct search *s, char *err)
{
	struct warm_load w = { .sp = &s->job->space, .err = err };
	int rc = store_warm_foreach(s->st, s->run_id, warm_row, &w, err);
	if (!rc && w.n) {
		s->strat = warm_wrap(s->sops, s->strat, w.sp, (const union pval *const *)w.cfg,
				     w.score, w.n);
		s->sops = &strategy_warm;
	}
	for (size_t i = 0; i < w.n; i++)
		free(w.cfg[i]);
	free(w.cfg);
	free(w.score);
	return rc ? -1 : 0;
}

/* Opens the strategy and target, then the run's row, owned by this process. */
static int create_run(struct search *s, const char *strategy, char *err)
{
	const struct job *job = s->job;
	if (search_open_parts(s, err))
		return -1;
	struct run_info ri = {
		.name = job->name, .job_path = job->path, .job_dir = job->dir,
		.job_text = job->text, .strategy = strategy, .seed = s->seed,
		.budget_trials = s->budget_trials, .budget_seconds = s->budget_seconds,
		.accel = s->accel, .host = s->host,
		.confirm_repeats = s->confirm_repeats, .confirm_max = s->confirm_max,
		.max_cov = s->max_cov, .noise_floor = search_noise_floor(s),
	};
	/* the run and its warm start together: a resume finds both or neither */
	int rc = store_begin(s->st, err) || store_run_create(s->st, &ri, &s->run_id, err);
	for (size_t i = 0; !rc && i < s->nwarm; i++)
		rc = store_warm_add(s->st, s->run_id, s->warm[i].source, s->warm[i].config,
				   s->warm[i].score, err);
	if (rc) {
		store_end(s->st, 0, NULL);
		s->run_id = 0;
		return -1;
	}
	if (store_end(s->st, 1, err) || search_claim(s, getpid(), err))
		return -1;
	return search_warm_start(s, err);
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
	if (hostknob_restore(s->st, &restored, NULL, NULL, NULL, ret ? msg : err) && !ret)
		ret = -1;
	if ((store_run_set_status(s->st, s->run_id, status, ret ? msg : err) ||
	     search_claim(s, 0, ret ? msg : err)) && !ret)
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
	int rc = 0;
	s->base_open = 1;	/* until the noise floor is in */
	for (size_t i = 0; i < s->nhosts && !rc; i++) {	/* one per host when there are several */
		rc = search_insert_trial(s, ORIGIN_BASELINE, 0, def, &id, err);
		if (!rc)
			search_push_pending(s, id, def, 1);
		if (!rc && s->nhosts > 1)
			s->pending[s->npending - 1].h = &s->hosts[i];
	}
	/* the noise floor: the baseline measured noise_floor times in all, before anything else */
	for (int64_t k = (int64_t)s->nhosts; k < search_noise_floor(s) && !rc; k++) {
		rc = search_insert_trial(s, ORIGIN_BASELINE, 0, def, &id, err);
		if (!rc)
			search_push_pending(s, id, def, 1);
	}
	free(def);
	return rc;
}

/* ---- measuring one configuration (vmtune check) ---------------------- */

int search_measure(struct search *s, const union pval *cfg, int n, char *err)
{
	enum search_end end;
	s->budget_trials = n;
	s->budget_seconds = 0;
	if (create_run(s, "check", err))
		return -1;
	s->fixed = cfg;
	int ret = search_schedule(s, &end, err);
	ret = end_run(s, ret, end == SEARCH_INTERRUPTED ? "interrupted" : "finished", err);
	return ret ? -1 : end == SEARCH_INTERRUPTED;
}

/* ---- the loop --------------------------------------------------------- */

int search_loop(struct search *s, enum search_end *end, char *err)
{
	int ret = search_schedule(s, end, err);
	if (!ret && *end != SEARCH_INTERRUPTED && s->confirm_repeats > 0) {
		enum search_end e;
		ret = search_confirm(s, &e, err);
		if (!ret && e == SEARCH_INTERRUPTED)
			*end = e;
	}
	if (ret)
		*end = SEARCH_BUDGET;
	/* host knobs go back however the search ended */
	return end_run(s, ret, *end == SEARCH_INTERRUPTED ? "interrupted" : "finished", err);
}

void search_release(struct search *s)
{
	if (s->strat)
		s->sops->free(s->strat);
	racing_free(s->race);
	s->race = NULL;
	for (size_t i = 0; i < s->nslots; i++) {
		if (s->slots[i].tgt)
			s->job->target->close(s->slots[i].tgt);
		free(s->slots[i].cfg);
		free(s->slots[i].json);
		trial_result_release(&s->slots[i].res);
	}
	free(s->slots);
	free(s->hosts);
	if (s->threads) {
		pthread_mutex_destroy(&s->lock);
		pthread_cond_destroy(&s->cond);
	}
	for (size_t i = 0; i < s->npending; i++)
		free(s->pending[i].cfg);
	free(s->pending);
	for (size_t i = 0; i < s->nheld; i++)
		free(s->held[i].cfg);
	free(s->held);
	s->held = NULL;
	s->nheld = 0;
	free(s->base);
	free(s->base_note);
	free(s->floor_ids);
	s->floor_ids = NULL;
	s->floor_seen = s->floor_done = 0;
	objective_release(&s->obj);
	free(s->accel);
	s->strat = NULL;
	s->slots = NULL;
	s->nslots = 0;
	s->hosts = NULL;
	s->threads = 0;
	s->pending = NULL;
	s->npending = 0;
	s->base = NULL;
	s->base_note = NULL;
	s->accel = NULL;
}
