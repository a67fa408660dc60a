/*
 * The scheduler: which trial runs next on which idle slot, hosts that went
 * down tried again, until the budget is spent or the search stops.
 */
#include "schedule.h"
#include "trial.h"
#include "slot.h"
#include "../../lib/clock.h"
#include "../target/hostknobs.h"
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- the scheduler ----------------------------------------------------- */

/* The trial budget holds no more configurations than those running. */
static int trials_spent(const struct search *s)
{
	return s->o.budget_trials && search_budget_used(s) >= s->o.budget_trials;
}

/* A measurement of drift's, waiting to start on slot sl's host (on any: sl NULL). */
static int drift_waiting(const struct search *s, const struct slot *sl)
{
	for (size_t i = 0; i < s->npending; i++) {
		const struct pending *p = &s->pending[i];
		if (!p->started && p->baseline == BASE_DRIFT && (!sl || !p->h || p->h == sl->h))
			return 1;
	}
	return 0;
}

/* Start none: the time is spent, or the trials are and drift measures nothing more. */
static int budget_spent(const struct search *s)
{
	return (s->o.budget_seconds && search_elapsed(s) >= s->o.budget_seconds) ||
	       (trials_spent(s) && !drift_waiting(s, NULL));
}

static int any_down(const struct search *s)
{
	for (size_t i = 0; i < s->nhosts; i++)
		if (!s->hosts[i].up)
			return 1;
	return 0;
}

/* A slot free to start a trial; once the trials are spent, only one drift measures on. */
static struct slot *idle_slot(struct search *s)
{
	int spent = !s->confirming && trials_spent(s);
	for (size_t i = 0; i < s->nslots; i++)
		if (!s->slots[i].busy && s->slots[i].tgt && s->slots[i].h->up &&
		    (!spent || drift_waiting(s, &s->slots[i])))
			return &s->slots[i];
	return NULL;
}

/* Racing's repeat (in cfg), unless that configuration is in flight: then none. */
int search_racing_repeat(struct search *s, const struct busy *busy, union pval *cfg)
{
	return racing_next(s->race, cfg) && !busy_has(&s->o.job->space, cfg, busy);
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
	const struct space *sp = &s->o.job->space;
	int spent = !s->confirming && trials_spent(s);	/* then only drift's run */
	*baseline = *confirm = 0;
	for (size_t i = 0; i < s->npending; i++) {
		struct pending *p = &s->pending[i];
		if (p->started || (p->h && p->h != sl->h) || (spent && p->baseline != BASE_DRIFT))
			continue;
		p->started = 1;
		*id = p->id;
		memcpy(cfg, p->cfg, sp->n * sizeof(*cfg));
		*baseline = p->baseline;
		*confirm = p->confirm;
		return 0;
	}
	if (s->confirming || spent)
		return 1;	/* the confirmation runs what it queued; drift's run beyond the budget */
	if (s->fixed) {
		memcpy(cfg, s->fixed, sp->n * sizeof(*cfg));
		return search_insert_trial(s, ORIGIN_STRATEGY, 0, cfg, id, err);
	}
	const union pval **v = xcalloc(s->nslots + s->npending + s->nheld + 1, sizeof(*v));
	struct busy b;
	int rc;
	live_busy(s, v, &b);
	if (search_racing_repeat(s, &b, cfg)) {
		rc = search_insert_trial(s, ORIGIN_REPEAT, 0, cfg, id, err);
	} else {
		rc = s->sops->propose(s->strat, &b, cfg, err);
		if (rc == 0) {
			config_canonical(sp, cfg);
			size_t f = config_forbidden(sp, cfg);
			if (f)	/* every strategy draws around them: never a trial */
				return free(v), seterr(err, "strategy %s proposed a configuration its "
						       "space forbids (%s): a bug", s->sops->name,
						       sp->forbid[f - 1].why), -1;
			rc = search_insert_trial(s, ORIGIN_STRATEGY, 0, cfg, id, err);
		}
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
		int rc = search_open_host(s, h, msg);
		pthread_mutex_lock(&s->lock);
		if (rc) {
			h->up = 1;
			search_host_down(s, h, msg);
			continue;
		}
		int cleaned = 0, left = 0;	/* what its lost trial left there */
		if (h->uri && hostknob_restore_host(s->o.st, h->uri, &cleaned, &left, msg))
			search_notice(s, "host %s: %s", h->label, msg);
		search_notice(s, "host %s answers again%s", h->label,
			      cleaned ? "; removed what its lost trial left there" : "");
		h->backoff = 0;
	}
}

/*
 * Keeps every slot busy until the budget is spent, the strategy has
 * nothing left, or a stop is asked for; waits for what is running.
 */
int search_schedule(struct search *s, enum search_end *end, char *err)
{
	const struct space *sp = &s->o.job->space;
	union pval *cfg = config_new(sp);
	int ret = 0, exhausted = 0, interrupted = 0;

	pthread_mutex_lock(&s->lock);
	for (;;) {
		struct slot *sl;
		int stopping = (s->o.stop && *s->o.stop) || interrupted;
		while (!ret && !stopping && !exhausted && (s->confirming || !budget_spent(s)) &&
		       (sl = idle_slot(s))) {
			int64_t id;
			int baseline, confirm;
			int rc = next_trial(s, sl, cfg, &id, &baseline, &confirm, err);
			if (rc < 0 || (rc == 0 && trial_start(s, sl, id, cfg, baseline, confirm, err)))
				ret = -1;
			if (rc == 1)
				exhausted = !search_busy(s);
			if (rc)
				break;
		}
		/*
		 * Nothing runs and nothing could start: the end, unless a host is
		 * down (its slots come back, or its pinned baseline waits for it).
		 */
		if (!search_busy(s) && (ret || stopping || exhausted || budget_spent(s) || !any_down(s)))
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
			    trial_finish(s, &s->slots[i], &interrupted, ret ? NULL : err))
				ret = -1;
		if (!ret && !stopping)
			retry_hosts(s);
	}
	pthread_mutex_unlock(&s->lock);
	free(cfg);
	if (ret)
		return -1;
	if (interrupted || (s->o.stop && *s->o.stop))
		*end = SEARCH_INTERRUPTED;
	else if (exhausted)
		*end = SEARCH_EXHAUSTED;
	else
		*end = SEARCH_BUDGET;
	return 0;
}
