#include "trial.h"
#include "../lib/knobs.h"
#include "../lib/clock.h"
#include "../lib/err.h"
#include "hostknobs.h"
#include "runview.h"
#include "../results/compare.h"
#include "../results/stats.h"

#include <errno.h>
#include <stdarg.h>
#include <pthread.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

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

/* ---- hosts and slots ---------------------------------------------------- */

#define HOST_RETRY_FIRST 5.0	/* seconds before a host that went down is tried again */
#define HOST_RETRY_MAX 300.0

struct hoststate {
	const char *uri;	/* NULL: the target's own default */
	const char *label;	/* what trials store as their host */
	int up;
	double retry_at, backoff;
};

struct slot {
	struct search *s;
	struct hoststate *h;
	struct target *tgt;	/* NULL while its host is down */
	pthread_t th;
	int busy, finished;	/* under s->lock */
	int64_t id;
	union pval *cfg;
	char *json;
	int baseline;
	int confirm;		/* a measurement of the confirmation */
	double t_start;
	int rc;			/* -1: a result could not be stored */
	char err[ERR_LEN];
	struct trial_result res;
};

static void notice(struct search *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void notice(struct search *s, const char *fmt, ...)
{
	char msg[ERR_LEN];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (s->notice)
		s->notice(s->progress_ud, msg);
}

/* ---- the sink: results are stored as they arrive, from the slots' threads -- */

struct sink_ctx {
	struct search *s;
	int64_t trial;
	int repeat;
	const union pval *cfg;	/* what the trial asked for */
	char mismatch[ERR_LEN];	/* the first knob whose read-back differs: the trial fails */
	char err[ERR_LEN];
};

/*
 * A define+start slower than this is the slow path seen on fresh hosts
 * (libvirt probing QEMU on every call: 80 s a start where 0.4 s is usual).
 */
#define SLOW_START 5.0

static int sink_metric(void *ud, const struct metric *m)
{
	struct sink_ctx *c = ud;
	struct search *s = c->s;
	pthread_mutex_lock(&s->lock);
	int rc = store_measurement(s->st, c->trial, c->repeat, m, c->err);
	if (!strcmp(m->name, "vm.define_start") && m->value > SLOW_START && !s->warned_slow_start) {
		s->warned_slow_start = 1;
		notice(s, "trial %lld: defining and starting the VM took %.1f s (over %g s): "
		       "libvirt may be probing QEMU on every call; see 'vmtune doctor'",
		       (long long)c->trial, m->value, SLOW_START);
	}
	pthread_mutex_unlock(&s->lock);
	return rc;
}

/*
 * A value the target read back after applying it: stored beside what the
 * trial asked for, and a difference fails the trial ("asked A, got B"). A
 * target that compared them itself says so (asked, same); else the asked
 * value is the trial's parameter of that name, while active.
 */
static int sink_applied(void *ud, const char *knob, const char *asked, const char *actual,
			int same)
{
	struct sink_ctx *c = ud;
	const struct space *sp = &c->s->job->space;
	struct strbuf want = STRBUF_INIT;
	struct applied_row a = { .repeat = c->repeat, .knob = knob, .asked = asked, .value = actual,
				 .ok = asked ? same : -1 };
	size_t i;
	const struct param *p;
	const struct knob *k;
	if (!asked && (p = space_find(sp, knob, &i)) && param_active(sp, c->cfg, i)) {
		pval_format(p, c->cfg[i], &want);
		a.asked = want.buf;
		a.ok = !strcmp(want.buf, actual);
	} else if (!asked && !p && (k = knob_find(knob))) {	/* not searched: its default */
		a.asked = k->def;
		a.ok = !strcmp(k->def, actual);
	}
	if (!a.ok && !c->mismatch[0])
		snprintf(c->mismatch, sizeof(c->mismatch), "%s not applied: asked %.64s, got %.64s",
			 knob, a.asked, actual);
	pthread_mutex_lock(&c->s->lock);
	int rc = store_applied(c->s->st, c->trial, c->repeat, &a, c->err);
	pthread_mutex_unlock(&c->s->lock);
	strbuf_release(&want);
	return rc;
}

/* A host knob, journaled, written and read back; stored as applied like the others. */
static int sink_host(void *ud, const char *knob, const char *value, char *err)
{
	struct sink_ctx *c = ud;
	struct strbuf back = STRBUF_INIT;
	int rc;
	pthread_mutex_lock(&c->s->lock);
	if (!strncmp(knob, "host.hugepages-", 15)) {
		rc = hostknob_reserve_hugepages(c->s->st, c->s->run_id, knob + 15, atol(value), err);
	} else {
		rc = hostknob_set(c->s->st, c->s->run_id, knob, value, &back, err);
		struct applied_row a = { .repeat = c->repeat, .knob = knob, .asked = value,
					 .value = back.buf, .ok = !rc };
		if (back.len && store_applied(c->s->st, c->trial, c->repeat, &a, c->err) && !rc) {
			seterr(err, "%s", c->err);
			rc = -1;
		}
	}
	pthread_mutex_unlock(&c->s->lock);
	strbuf_release(&back);
	return rc;
}

static int sink_undo(void *ud, enum undo_kind kind, const char *what, const char *host, int done,
		     char *err)
{
	static const enum journal_kind kinds[] = {
		[UNDO_IMAGE] = JOURNAL_IMAGE, [UNDO_DOMAIN] = JOURNAL_DOMAIN,
		[UNDO_VOLUME] = JOURNAL_VOLUME,
	};
	struct sink_ctx *c = ud;
	struct journal_entry e = { .kind = kinds[kind], .path = what, .host = host };
	int rc;
	pthread_mutex_lock(&c->s->lock);
	if (done)
		rc = store_journal_mark_path(c->s->st, e.kind, what, err);
	else
		rc = store_journal_record(c->s->st, c->s->run_id, &e, err);
	pthread_mutex_unlock(&c->s->lock);
	return rc;
}

/*
 * Adaptive repeats: whether the 95% CI half-width of the trial's score over
 * its runs so far is within the job's ci (on logarithms; the baseline the
 * score is taken against is the same for every run, so it does not count).
 */
/* A baseline of 1 for every objective term: scores as plain geometric means. */
static double *unit_base(const struct objective *o)
{
	double *b = xmalloc((o->n + 1) * sizeof(double));
	for (size_t i = 0; i < o->n; i++)
		b[i] = 1;
	return b;
}

static int precise_enough(struct search *s, int64_t trial)
{
	double score, *per = NULL, *ones = unit_base(&s->obj);
	size_t n = 0;
	char msg[ERR_LEN];
	int ok = 0;
	pthread_mutex_lock(&s->lock);
	int rc = trial_score(s->st, &s->obj, ones, trial, &score, &per, &n, msg);
	pthread_mutex_unlock(&s->lock);
	if (!rc && n >= 2) {
		double m;
		for (size_t i = 0; i < n; i++)
			per[i] = log(per[i]);
		double hw = stats_t_quantile(0.975, (double)(n - 1)) * stats_sd(per, n, &m) /
			    sqrt((double)n);
		ok = exp(hw) - 1 <= s->job->repeats_ci;
	}
	free(per);
	free(ones);
	return ok;
}

/* A slot's thread: every repeat of its trial, then it says it is finished. */
static void *work(void *arg)
{
	struct slot *sl = arg;
	struct search *s = sl->s;
	const struct job *job = s->job;
	struct sink_ctx sc = { .s = s, .trial = sl->id, .cfg = sl->cfg };
	struct trial_sink sink = { .ud = &sc, .metric = sink_metric, .applied = sink_applied,
				   .host = sink_host, .undo = sink_undo };

	for (int r = 1; r <= (job->repeats ? job->repeats : 1); r++) {
		if (r > job->repeats_min && job->repeats_ci > 0 && precise_enough(s, sl->id))
			break;
		struct trial_request rq = {
			.trial_id = sl->id, .repeat = r, .space = &job->space, .config = sl->cfg,
			.config_json = sl->json, .timeout = job->trial_timeout, .stop = s->stop,
		};
		sc.repeat = r;
		trial_result_release(&sl->res);
		trial_result_init(&sl->res);
		if (job->target->run(sl->tgt, &rq, &sink, &sl->res)) {
			seterr(sl->err, "%s", sc.err);
			sl->rc = -1;
			break;
		}
		if (sc.mismatch[0] && sl->res.outcome == OUTCOME_DONE) {	/* not what was asked */
			sl->res.outcome = OUTCOME_FAILED;
			strbuf_reset(&sl->res.reason);
			strbuf_addstr(&sl->res.reason, sc.mismatch);
		}
		if (sl->res.domain_xml.len) {
			pthread_mutex_lock(&s->lock);
			sl->rc = store_trial_artifacts(s->st, sl->id, sl->res.domain_xml.buf,
						       sl->res.live_xml.buf, sl->res.console_path.buf,
						       sl->err);
			pthread_mutex_unlock(&s->lock);
			if (sl->rc)
				break;
		}
		if (sl->res.outcome != OUTCOME_DONE)
			break;
	}
	pthread_mutex_lock(&s->lock);
	sl->finished = 1;
	pthread_cond_signal(&s->cond);
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

/* ---- one trial -------------------------------------------------------- */

/* Baseline results that open the search: the run's (the job's, within the budget). */
static int64_t noise_floor(const struct search *s)
{
	int64_t floor = s->noise_floor > 0 ? s->noise_floor : s->job->noise_floor;
	return s->budget_trials && floor > s->budget_trials ? s->budget_trials : floor;
}

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
	const struct objective *o = &s->obj;
	char msg[ERR_LEN];
	double *ones = unit_base(o);
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
		.best_trial = s->best_trial, .elapsed = elapsed(s), .eta = -1,
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
		.best_trial = s->best_trial, .elapsed = elapsed(s), .eta = -1,
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
		notice(s, "noise floor: %s", sb.buf);
		noise_release(&nz);
	}
	runview_release(&rv);
	strbuf_release(&sb);
}

/* One more baseline result while the noise floor is open; 1 when that completes it. */
static int floor_result(struct search *s, int64_t id, enum trial_status st)
{
	if (st == TS_DONE) {	/* what the floor is measured from, in the order it came */
		s->floor_ids = xrealloc(s->floor_ids, (size_t)(s->floor_done + 1) * sizeof(int64_t));
		s->floor_ids[s->floor_done++] = id;
	}
	return ++s->floor_seen >= noise_floor(s);
}

/*
 * The noise floor is in: every score from here on (and the results that
 * waited for it) leaves out the objective's noisy metrics, as
 * runview_load() scores a run whose floor is in; a live search says how
 * noisy things are and what was left out.
 */
static int floor_in(struct search *s, int record, char *err)
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
		notice(s, "%s", said.buf);
	strbuf_release(&said);
	return 0;
}

static int account(struct search *s, int64_t id, const union pval *cfg, enum trial_status st,
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

static void baseline_note(struct search *s, int64_t id, enum trial_status st, const char *why)
{
	struct strbuf sb = STRBUF_INIT;
	free(s->base_note);
	strbuf_addf(&sb, "baseline trial %lld %s", (long long)id, trial_status_name(st));
	if (why)
		strbuf_addf(&sb, " (%s)", why);
	strbuf_addstr(&sb, ": no scores");
	s->base_note = strbuf_detach(&sb);
}

static int insert_trial(struct search *s, enum trial_origin origin, int64_t retry_of,
			const union pval *cfg, int64_t *id, char *err)
{
	char *json = config_to_json(&s->job->space, cfg);
	int rc = store_trial_insert(s->st, s->run_id, ++s->seq, origin, retry_of, json,
				    origin == ORIGIN_RETRY ? -1 : s->completed, id, err);
	free(json);
	return rc;
}

static void push_pending(struct search *s, int64_t id, const union pval *cfg, int baseline)
{
	s->pending = xrealloc(s->pending, (s->npending + 1) * sizeof(*s->pending));
	s->pending[s->npending] = (struct pending){
		.id = id, .cfg = config_dup(&s->job->space, cfg), .baseline = baseline,
	};
	s->npending++;
}

/* A confirmation trial, waiting to run: side 1 the baseline, 2 the incumbent. */
static void push_confirm(struct search *s, int64_t id, const union pval *cfg, int side)
{
	push_pending(s, id, cfg, 0);
	s->pending[s->npending - 1].confirm = side;
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

static void host_down(struct search *s, struct hoststate *h, const char *why)
{
	if (!h->up)
		return;
	h->up = 0;
	h->backoff = h->backoff ? h->backoff * 2 : HOST_RETRY_FIRST;
	if (h->backoff > HOST_RETRY_MAX)
		h->backoff = HOST_RETRY_MAX;
	h->retry_at = mono() + h->backoff;
	notice(s, "host %s stopped answering (%s); its trials go to the other slots, "
	       "retrying it in %gs", h->label, why, h->backoff);
}

/* A result that came back before the noise floor was in: observed once it is. */
static void hold(struct search *s, int64_t id, const union pval *cfg, enum trial_status st,
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
		if (!ret && account(s, h->id, h->cfg, h->st, score, 1, err))
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
static int finish(struct search *s, struct slot *sl, int *interrupted, char *err)
{
	struct trial_result *res = &sl->res;
	enum trial_status final = TS_DONE;
	double score = NAN;
	int ret = 0;

	pthread_join(sl->th, NULL);
	sl->busy = sl->finished = 0;
	if (sl->rc) {
		seterr(err, "%s", sl->err);
		store_trial_transition(s->st, sl->id, TS_RUNNING, TS_FAILED,
				       "could not store a result", NULL, NULL);
		ret = -1;
		goto out;
	}
	if (res->outcome == OUTCOME_HOST_LOST) {
		struct strbuf why = STRBUF_INIT;
		int64_t retry;
		strbuf_addf(&why, "host %s stopped answering: %s", sl->h->label, res->reason.buf);
		host_down(s, sl->h, res->reason.buf);
		close_idle(s, sl->h);
		if (store_trial_transition(s->st, sl->id, TS_RUNNING, TS_INTERRUPTED, why.buf, NULL,
					   err) ||
		    store_run_add_elapsed(s->st, s->run_id, mono() - sl->t_start, err) ||
		    insert_trial(s, sl->confirm ? ORIGIN_CONFIRM : ORIGIN_RETRY,
				 sl->confirm ? 0 : sl->id, sl->cfg, &retry, err))
			ret = -1;
		else
			sl->confirm ? push_confirm(s, retry, sl->cfg, sl->confirm)
				    : push_pending(s, retry, sl->cfg, sl->baseline);
		strbuf_release(&why);
		goto out;
	}
	switch (res->outcome) {
	case OUTCOME_DONE:
		if (score_done(s, sl->id, sl->baseline, &score, &res->reason))
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
		baseline_note(s, sl->id, final, res->reason.buf);
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
	s->ended++;	/* when it ended: the ETA's pace */
	s->done_at[s->ended % (ETA_WINDOW + 1)] = mono();
	s->search_ended += !sl->confirm;
	if (sl->confirm) {	/* the strategy and racing never see the confirmation */
		s->confirm_done++;
		report_confirm(s, sl, final, final == TS_DONE ? NULL : res->reason.buf, score);
		goto out;
	}
	if (s->base_open) {	/* the noise floor is not in: scored and observed once it is */
		hold(s, sl->id, sl->cfg, final, sl->h->label);
		if (sl->baseline && s->progress) {	/* said now: the floor takes a while */
			struct progress p = {
				.trial_id = sl->id, .status = final, .score = NAN, .best = NAN,
				.reason = final == TS_DONE ? NULL : res->reason.buf, .eta = -1,
				.elapsed = elapsed(s), .host = sl->h->label,
				.floor_done = s->floor_seen + 1, .floor_total = noise_floor(s),
			};
			s->progress(s->progress_ud, &p);
		}
		if (sl->baseline && floor_result(s, sl->id, final) &&
		    (floor_in(s, 1, err) || take_held(s, err)))
			ret = -1;
		goto out;
	}
	if (account(s, sl->id, sl->cfg, final, score, 1, err)) {
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
static int start(struct search *s, struct slot *sl, int64_t id, const union pval *cfg,
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
	int rc = pthread_create(&sl->th, NULL, work, sl);
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
static int open_host(struct search *s, struct hoststate *h, char *err)
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

static int open_parts(struct search *s, char *err)
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
		if (!open_host(s, h, any || i + 1 < s->nhosts ? msg : err)) {
			any = 1;
			continue;
		}
		if (any || i + 1 < s->nhosts) {
			h->up = 1;	/* so that host_down() says so */
			host_down(s, h, msg);
		}
	}
	if (!any && s->nhosts > 1)
		return seterr(err, "no host could be reached (the last: %s)", msg), -1;
	if (!any)
		return -1;
	s->t0 = mono();
	return 0;
}

/* Opens the strategy and target, then the run's row, owned by this process. */
static int create_run(struct search *s, const char *strategy, char *err)
{
	const struct job *job = s->job;
	if (open_parts(s, err))
		return -1;
	struct run_info ri = {
		.name = job->name, .job_path = job->path, .job_dir = job->dir,
		.job_text = job->text, .strategy = strategy, .seed = s->seed,
		.budget_trials = s->budget_trials, .budget_seconds = s->budget_seconds,
		.accel = s->accel, .host = s->host,
		.confirm_repeats = s->confirm_repeats, .confirm_max = s->confirm_max,
		.max_cov = s->max_cov, .noise_floor = noise_floor(s),
	};
	int rc = store_run_create(s->st, &ri, &s->run_id, err);
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
	if (hostknob_restore(s->st, &restored, NULL, NULL, NULL, ret ? msg : err) && !ret)
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
	int rc = 0;
	s->base_open = 1;	/* until the noise floor is in */
	for (size_t i = 0; i < s->nhosts && !rc; i++) {	/* one per host when there are several */
		rc = insert_trial(s, ORIGIN_BASELINE, 0, def, &id, err);
		if (!rc)
			push_pending(s, id, def, 1);
		if (!rc && s->nhosts > 1)
			s->pending[s->npending - 1].h = &s->hosts[i];
	}
	/* the noise floor: the baseline measured noise_floor times in all, before anything else */
	for (int64_t k = (int64_t)s->nhosts; k < noise_floor(s) && !rc; k++) {
		rc = insert_trial(s, ORIGIN_BASELINE, 0, def, &id, err);
		if (!rc)
			push_pending(s, id, def, 1);
	}
	free(def);
	return rc;
}

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
};

struct rows {
	struct row *v;
	size_t n;
	size_t all;	/* with the confirmation's, which the replay leaves to confirm() */
};

static int collect(const struct trial_row *t, void *ud)
{
	struct rows *r = ud;
	r->all++;
	if (t->origin == ORIGIN_CONFIRM)
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
		complete = floor_result(s, r->v[b[k]].last->id, r->v[b[k]].last->status);
	free(b);
	return complete ? floor_in(s, 0, err) : 0;
}

/* Observes one stored result (a chain's last attempt) again; record: for the first time. */
static int replay_result(struct search *s, struct row *t, int record, char *err)
{
	const struct row *l = t->last;
	double score = NAN;
	t->taken = 1;
	if (l->status == TS_DONE) {
		struct strbuf why = STRBUF_INIT;
		score_done(s, l->id, t->origin == ORIGIN_BASELINE, &score, &why);
		strbuf_release(&why);
	} else if (t->origin == ORIGIN_BASELINE) {
		baseline_note(s, l->id, l->status, NULL);
	}
	return account(s, l->id, t->cfg, l->status, score, record, err);
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

static int config_in(const struct space *sp, const union pval *cfg, const struct busy *b)
{
	for (size_t i = 0; i < b->n; i++)
		if (config_equal(sp, cfg, b->cfg[i]))
			return 1;
	return 0;
}

/* Racing's repeat (in cfg), unless that configuration is in flight: then none. */
static int racing_repeat(struct search *s, const struct busy *busy, union pval *cfg)
{
	return racing_next(s->race, cfg) && !config_in(&s->job->space, cfg, busy);
}

int search_resume(struct search *s, char *err)
{
	const struct job *job = s->job;
	const struct space *sp = &job->space;
	struct rows r = { 0 };
	struct run_info ri;
	union pval *want = config_new(sp);
	const union pval **bv = NULL;
	struct busy busy;
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
	s->seq = (int64_t)r.all;
	bv = xcalloc(r.n + 1, sizeof(*bv));
	for (size_t i = 0; i < r.n; i++) {
		struct row *t = &r.v[i];
		t->last = last_attempt(&r, t);
		t->cfg = config_new(sp);
		if (config_from_json(sp, t->config, t->cfg, msg)) {
			seterr(err, "run %lld, trial %lld: %s", (long long)s->run_id,
			       (long long)t->id, msg);
			goto out;
		}
	}
	if (open_floor(s, &r, err))
		goto out;
	if (!r.n || r.v[0].origin != ORIGIN_BASELINE) {
		union pval *def = config_defaults(sp);
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
		if (replay_until(s, &r, i, err))
			goto out;
		replay_busy(&r, i, bv, &busy);
		int repeat = racing_repeat(s, &busy, want);
		if (t->origin == ORIGIN_REPEAT) {
			if (!repeat || !config_equal(sp, t->cfg, want)) {
				seterr(err, "run %lld: racing no longer repeats trial %lld's "
				       "configuration; cannot resume", (long long)s->run_id,
				       (long long)t->id);
				goto out;
			}
		} else if (t->origin == ORIGIN_STRATEGY) {
			if (repeat || s->sops->propose(s->strat, &busy, want, err) != 0 ||
			    !config_equal(sp, t->cfg, want)) {
				seterr(err, "run %lld: strategy '%s' no longer proposes trial %lld's "
				       "configuration; cannot resume", (long long)s->run_id,
				       job->strategy, (long long)t->id);
				goto out;
			}
		}
	}
	if (replay_until(s, &r, r.n, err))
		goto out;
	/* results that were waiting for the noise floor: they still are, or are taken in now */
	for (size_t i = 0; i < r.n; i++) {
		struct row *t = &r.v[i];
		if (t->origin == ORIGIN_RETRY || t->taken || !has_result(t))
			continue;
		if (s->base_open) {
			hold(s, t->last->id, t->cfg, t->last->status, NULL);
			t->taken = 1;
		} else if (replay_result(s, t, 1, err)) {
			goto out;
		}
	}
	/* what has no result yet runs now: proposed ones as they are, interrupted ones again */
	for (size_t i = 0; i < r.n; i++) {
		const struct row *t = &r.v[i], *l = t->last;
		int64_t id;
		if (t->origin == ORIGIN_RETRY || has_result(t))
			continue;
		if (l->status == TS_PROPOSED) {
			push_pending(s, l->id, t->cfg, t->origin == ORIGIN_BASELINE);
			continue;
		}
		if (insert_trial(s, ORIGIN_RETRY, l->id, t->cfg, &id, err))
			goto out;
		push_pending(s, id, t->cfg, t->origin == ORIGIN_BASELINE);
	}
	s->started_completed = s->completed;
	ret = 0;
out:
	for (size_t i = 0; i < r.n; i++) {
		free(r.v[i].config);
		free(r.v[i].cfg);
	}
	free(r.v);
	free(bv);
	free(want);
	return ret;
}

/* ---- the scheduler ----------------------------------------------------- */

static size_t running(const struct search *s)
{
	size_t n = 0;
	for (size_t i = 0; i < s->nslots; i++)
		n += s->slots[i].busy;
	return n;
}

/* The budget holds no more trials than those running: start none. */
static int budget_spent(const struct search *s)
{
	return (s->budget_trials && s->completed + (int64_t)running(s) >= s->budget_trials) ||
	       (s->budget_seconds && elapsed(s) >= s->budget_seconds);
}

static int any_down(const struct search *s)
{
	for (size_t i = 0; i < s->nhosts; i++)
		if (!s->hosts[i].up)
			return 1;
	return 0;
}

static struct slot *idle_slot(struct search *s)
{
	for (size_t i = 0; i < s->nslots; i++)
		if (!s->slots[i].busy && s->slots[i].tgt && s->slots[i].h->up)
			return &s->slots[i];
	return NULL;
}

/* Proposed and not observed: running on a slot, waiting to, or held for the baseline. */
static void live_busy(struct search *s, const union pval **v, struct busy *b)
{
	b->n = 0;
	for (size_t i = 0; i < s->nslots; i++)
		if (s->slots[i].busy)
			v[b->n++] = s->slots[i].cfg;
	for (size_t i = 0; i < s->npending; i++)
		if (!s->pending[i].started)
			v[b->n++] = s->pending[i].cfg;
	for (size_t i = 0; i < s->nheld; i++)
		v[b->n++] = s->held[i].cfg;
	b->cfg = v;
}

/*
 * The next trial to start: a stored one waiting, racing's repeat, or the
 * strategy's proposal. 0 with *id set, 1 when there is nothing to start
 * now, -1 on error.
 */
static int next_trial(struct search *s, const struct slot *sl, union pval *cfg, int64_t *id,
		      int *baseline, int *confirm, char *err)
{
	const struct space *sp = &s->job->space;
	*baseline = *confirm = 0;
	for (size_t i = 0; i < s->npending; i++) {
		struct pending *p = &s->pending[i];
		if (p->started || (p->h && p->h != sl->h))
			continue;
		p->started = 1;
		*id = p->id;
		memcpy(cfg, p->cfg, sp->n * sizeof(*cfg));
		*baseline = p->baseline;
		*confirm = p->confirm;
		return 0;
	}
	if (s->confirming)
		return 1;	/* the confirmation runs what it queued, nothing else */
	if (s->fixed) {
		memcpy(cfg, s->fixed, sp->n * sizeof(*cfg));
		return insert_trial(s, ORIGIN_STRATEGY, 0, cfg, id, err);
	}
	const union pval **v = xcalloc(s->nslots + s->npending + s->nheld + 1, sizeof(*v));
	struct busy b;
	int rc;
	live_busy(s, v, &b);
	if (racing_repeat(s, &b, cfg)) {
		rc = insert_trial(s, ORIGIN_REPEAT, 0, cfg, id, err);
	} else {
		rc = s->sops->propose(s->strat, &b, cfg, err);
		if (rc == 0)
			rc = insert_trial(s, ORIGIN_STRATEGY, 0, cfg, id, err);
	}
	free(v);
	return rc;
}

/* Hosts whose pause is over are tried again (without the lock: opening can take long). */
static void retry_hosts(struct search *s)
{
	char msg[ERR_LEN];
	for (size_t i = 0; i < s->nhosts; i++) {
		struct hoststate *h = &s->hosts[i];
		int busy = 0;
		if (h->up || mono() < h->retry_at)
			continue;
		for (size_t k = 0; k < s->nslots; k++)
			busy |= s->slots[k].h == h && s->slots[k].busy;
		if (busy)
			continue;	/* its last trial has not come back yet */
		pthread_mutex_unlock(&s->lock);
		int rc = open_host(s, h, msg);
		pthread_mutex_lock(&s->lock);
		if (rc) {
			h->up = 1;
			host_down(s, h, msg);
			continue;
		}
		int cleaned = 0, left = 0;	/* what its lost trial left there */
		if (h->uri && hostknob_restore_host(s->st, h->uri, &cleaned, &left, msg))
			notice(s, "host %s: %s", h->label, msg);
		notice(s, "host %s answers again%s", h->label,
		       cleaned ? "; removed what its lost trial left there" : "");
		h->backoff = 0;
	}
}

/*
 * Keeps every slot busy until the budget is spent, the strategy has
 * nothing left, or a stop is asked for; waits for what is running.
 */
static int schedule(struct search *s, enum search_end *end, char *err)
{
	const struct space *sp = &s->job->space;
	union pval *cfg = config_new(sp);
	int ret = 0, exhausted = 0, interrupted = 0;

	pthread_mutex_lock(&s->lock);
	for (;;) {
		struct slot *sl;
		int stopping = (s->stop && *s->stop) || interrupted;
		while (!ret && !stopping && !exhausted && (s->confirming || !budget_spent(s)) &&
		       (sl = idle_slot(s))) {
			int64_t id;
			int baseline, confirm;
			int rc = next_trial(s, sl, cfg, &id, &baseline, &confirm, err);
			if (rc < 0 || (rc == 0 && start(s, sl, id, cfg, baseline, confirm, err)))
				ret = -1;
			if (rc == 1)
				exhausted = !running(s);
			if (rc)
				break;
		}
		/*
		 * Nothing runs and nothing could start: the end, unless a host is
		 * down (its slots come back, or its pinned baseline waits for it).
		 */
		if (!running(s) && (ret || stopping || exhausted || budget_spent(s) || !any_down(s)))
			break;
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 200 * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&s->cond, &s->lock, &ts);
		for (size_t i = 0; i < s->nslots; i++)
			if (s->slots[i].busy && s->slots[i].finished &&
			    finish(s, &s->slots[i], &interrupted, ret ? NULL : err))
				ret = -1;
		if (!ret && !stopping)
			retry_hosts(s);
	}
	pthread_mutex_unlock(&s->lock);
	free(cfg);
	if (ret)
		return -1;
	if (interrupted || (s->stop && *s->stop))
		*end = SEARCH_INTERRUPTED;
	else if (exhausted)
		*end = SEARCH_EXHAUSTED;
	else
		*end = SEARCH_BUDGET;
	return 0;
}

/* ---- the confirmation (results/compare.h) ------------------------------ */

/* The run's confirmation trials as stored: done ones scored, waiting ones, failures. */
struct confirm_rows {
	struct search *s;
	const union pval *def;
	union pval *tmp, *best;	/* best: the incumbent being confirmed, once known */
	double *score[2];	/* [0] the baseline's, [1] the incumbent's */
	size_t n[2], failed;
	struct { int64_t id; int side; } *waiting;
	size_t nwaiting;
	char *err;
};

static int confirm_collect(const struct trial_row *t, void *ud)
{
	struct confirm_rows *c = ud;
	const struct space *sp = &c->s->job->space;
	char msg[ERR_LEN];
	double score;
	if (t->origin != ORIGIN_CONFIRM)
		return 0;
	if (config_from_json(sp, t->config, c->tmp, c->err))
		return -1;
	int side = !config_equal(sp, c->tmp, c->def);
	if (side && !c->best)
		c->best = config_dup(sp, c->tmp);
	if (t->status == TS_PROPOSED) {
		c->waiting = xrealloc(c->waiting, (c->nwaiting + 1) * sizeof(*c->waiting));
		c->waiting[c->nwaiting].id = t->id;
		c->waiting[c->nwaiting++].side = side;
	} else if (t->status == TS_DONE &&
		   !trial_score(c->s->st, &c->s->obj, c->s->base, t->id, &score, NULL, NULL, msg)) {
		c->score[side] = xrealloc(c->score[side], (c->n[side] + 1) * sizeof(double));
		c->score[side][c->n[side]++] = score;
	} else if (t->status != TS_INTERRUPTED) {
		c->failed++;
	}
	return 0;
}

static void confirm_rows_release(struct confirm_rows *c)
{
	free(c->score[0]);
	free(c->score[1]);
	free(c->waiting);
	c->score[0] = c->score[1] = NULL;
	c->waiting = NULL;
	c->n[0] = c->n[1] = c->failed = c->nwaiting = 0;
}

/*
 * Ends a search: the incumbent and the baseline measured afresh, alternated,
 * confirm_repeats times each, then up to confirm_max while the first look
 * cannot tell but leans to the incumbent. Everything it knows is in the
 * store, so a resumed run carries on where it stopped.
 */
static int confirm(struct search *s, enum search_end *end, char *err)
{
	const struct space *sp = &s->job->space;
	union pval *def = config_defaults(sp);
	struct confirm_rows c = { .s = s, .def = def, .tmp = config_new(sp), .err = err };
	size_t seen = SIZE_MAX, want, prev_want = 0;
	struct comparison cmp;
	int ret = 0;

	*end = SEARCH_BUDGET;
	for (;;) {
		confirm_rows_release(&c);
		if (store_trials_foreach(s->st, s->run_id, confirm_collect, &c, err)) {
			ret = -1;
			break;
		}
		if (!c.best) {	/* nothing measured yet: the search's incumbent */
			struct racing_entry e;
			if (!s->have_base || !racing_incumbent(s->race, &e) ||
			    config_equal(sp, e.cfg, def)) {
				notice(s, "nothing to confirm: no configuration beat the defaults");
				break;
			}
			c.best = config_dup(sp, e.cfg);
			notice(s, "confirming trial %lld's configuration: it and the defaults measured "
			       "afresh, alternated, %d times each (up to %d when that cannot tell)",
			       (long long)s->best_trial, s->confirm_repeats, s->confirm_max);
		}
		enum confirm_state st = confirm_judge(c.score[0], c.n[0], c.score[1], c.n[1], c.failed,
						      s->confirm_repeats, s->confirm_max, &want, &cmp);
		if (st == CONFIRM_FAILED && c.failed > (size_t)s->confirm_max)
			notice(s, "confirmation: %zu measurements failed; it stops", c.failed);
		if (st != CONFIRM_MORE)
			break;
		size_t now = c.n[0] + c.n[1] + c.failed;
		if (now == seen) {
			seterr(err, "the confirmation's measurements could not run");
			ret = -1;
			break;
		}
		if (want > (size_t)s->confirm_repeats && prev_want == (size_t)s->confirm_repeats)
			notice(s, "confirmation: %zu + %zu measurements cannot tell yet (%+.1f%%): "
			       "measuring up to %zu each", c.n[1], c.n[0], 100 * (cmp.ratio - 1), want);
		seen = now;
		prev_want = want;
		/* queued A B A B ..., the stored waiting ones first */
		size_t q[2] = { c.n[0], c.n[1] };
		for (size_t i = 0; i < c.nwaiting; i++) {
			push_confirm(s, c.waiting[i].id, c.waiting[i].side ? c.best : def,
				     1 + c.waiting[i].side);
			q[c.waiting[i].side]++;
		}
		while (q[0] < want || q[1] < want) {
			int side = q[0] > q[1] || q[0] >= want;
			int64_t id;
			if (insert_trial(s, ORIGIN_CONFIRM, 0, side ? c.best : def, &id, err)) {
				ret = -1;
				break;
			}
			push_confirm(s, id, side ? c.best : def, 1 + side);
			q[side]++;
		}
		if (ret)
			break;
		s->confirming = 1;
		s->confirm_done = (int64_t)(c.n[0] + c.n[1]);
		s->confirm_total = 2 * (int64_t)want;
		enum search_end e;
		ret = schedule(s, &e, err);
		s->confirming = 0;
		if (ret)
			break;
		if (e == SEARCH_INTERRUPTED) {
			*end = e;
			break;
		}
	}
	confirm_rows_release(&c);
	free(c.best);
	free(c.tmp);
	free(def);
	return ret;
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
	int ret = schedule(s, &end, err);
	ret = end_run(s, ret, end == SEARCH_INTERRUPTED ? "interrupted" : "finished", err);
	return ret ? -1 : end == SEARCH_INTERRUPTED;
}

/* ---- the loop --------------------------------------------------------- */

int search_loop(struct search *s, enum search_end *end, char *err)
{
	int ret = schedule(s, end, err);
	if (!ret && *end != SEARCH_INTERRUPTED && s->confirm_repeats > 0) {
		enum search_end e;
		ret = confirm(s, &e, err);
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
