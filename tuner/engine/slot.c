/*
 * A slot runs one trial in a thread of its own: every repeat of it on its
 * target, each result stored as it arrives (the sink), under the search's lock.
 */
#include "slot.h"
#include "../../lib/clock.h"
#include "../../results/floor.h"
#include "../../lib/knobs.h"
#include "../target/hostknobs.h"
#include "../../results/stats.h"
#include <pthread.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the sink: results are stored as they arrive, from the slots' threads -- */

struct sink_ctx {
	struct search *s;
	int64_t trial;
	int repeat;
	const union pval *cfg;	/* what the trial asked for */
	char mismatch[ERR_LEN];	/* what fails the trial though it ran: a knob not applied, ... */
	char err[ERR_LEN];
	char **names;		/* the trial's distinct metric names, sorted */
	size_t nnames;
};

/*
 * Whether a metric of this name may be taken: the trial's first
 * TRIAL_MAX_METRICS names are; one more fails the trial (the store and
 * every reader stay bounded, whatever a command prints).
 */
static int metric_name_ok(struct sink_ctx *c, const char *name)
{
	size_t lo = 0, hi = c->nnames;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int d = strcmp(c->names[mid], name);
		if (!d)
			return 1;
		if (d < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (c->nnames == TRIAL_MAX_METRICS) {
		if (!c->mismatch[0])
			snprintf(c->mismatch, sizeof(c->mismatch), "more than %d distinct metric names "
				 "in one trial (the limit)", TRIAL_MAX_METRICS);
		return 0;
	}
	c->names = xrealloc(c->names, (c->nnames + 1) * sizeof(*c->names));
	memmove(c->names + lo + 1, c->names + lo, (c->nnames - lo) * sizeof(*c->names));
	c->names[lo] = xstrdup(name);
	c->nnames++;
	return 1;
}

/*
 * A define+start slower than this is the slow path seen on fresh hosts
 * (libvirt probing QEMU on every call: 80 s a start where 0.4 s is usual).
 */
#define SLOW_START 5.0

static int sink_metric(void *ud, const struct metric *m)
{
	struct sink_ctx *c = ud;
	struct search *s = c->s;
	if (!metric_name_ok(c, m->name))
		return 0;
	pthread_mutex_lock(&s->lock);
	int rc = store_measurement(s->o.st, c->trial, c->repeat, m, c->err);
	if (!strcmp(m->name, "vm.define_start") && m->value > SLOW_START && !s->warned_slow_start) {
		s->warned_slow_start = 1;
		search_notice(s, "trial %lld: defining and starting the VM took %.1f s (over %g s): "
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
	const struct space *sp = &c->s->o.job->space;
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
	} else if (!asked && !p && c->s->o.job->target->knob_defaults &&
		   (k = knob_find(knob))) {	/* not searched: its default */
		a.asked = k->def;
		a.ok = !strcmp(k->def, actual);
	}
	if (!a.ok && !c->mismatch[0])
		knob_mismatch(c->mismatch, knob, a.asked, actual);
	pthread_mutex_lock(&c->s->lock);
	int rc = store_applied(c->s->o.st, c->trial, c->repeat, &a, c->err);
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
	rc = hostknob_apply(c->s->o.st, c->s->run_id, knob, value, &back, err);
	struct applied_row a = { .repeat = c->repeat, .knob = knob, .asked = value,
				 .value = back.buf, .ok = !rc };
	if (back.len && store_applied(c->s->o.st, c->trial, c->repeat, &a, c->err) && !rc) {
		seterr(err, "%s", c->err);
		rc = -1;
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
		[UNDO_VOLUME] = JOURNAL_VOLUME, [UNDO_PEER] = JOURNAL_PEER,
	};
	struct sink_ctx *c = ud;
	struct journal_entry e = { .kind = kinds[kind], .path = what, .host = host };
	int rc;
	pthread_mutex_lock(&c->s->lock);
	if (done)
		rc = store_journal_mark_path(c->s->o.st, e.kind, what, err);
	else
		rc = store_journal_record(c->s->o.st, c->s->run_id, &e, err);
	pthread_mutex_unlock(&c->s->lock);
	return rc;
}

/*
 * Adaptive repeats: whether the 95% CI half-width of the trial's score over
 * its runs so far is within the job's ci (on logarithms; the baseline the
 * score is taken against is the same for every run, so it does not count).
 */

static int precise_enough(struct search *s, int64_t trial)
{
	double score, *per = NULL, *ones = search_unit_base(&s->obj);
	size_t n = 0;
	char msg[ERR_LEN];
	int ok = 0;
	pthread_mutex_lock(&s->lock);
	int rc = trial_score(s->o.st, &s->obj, ones, trial, &score, &per, &n, msg);
	pthread_mutex_unlock(&s->lock);
	if (!rc && n >= 2) {
		double m;
		for (size_t i = 0; i < n; i++)
			per[i] = log(per[i]);
		double hw = stats_t_quantile(0.975, (double)(n - 1)) * stats_sd(per, n, &m) /
			    sqrt((double)n);
		ok = exp(hw) - 1 <= s->o.job->repeats_ci;
	}
	free(per);
	free(ones);
	return ok;
}

/* A slot's thread: every repeat of its trial, then it says it is finished. */
void *slot_work(void *arg)
{
	struct slot *sl = arg;
	struct search *s = sl->s;
	const struct job *job = s->o.job;
	struct sink_ctx sc = { .s = s, .trial = sl->id, .cfg = sl->cfg };
	struct trial_sink sink = { .ud = &sc, .metric = sink_metric, .applied = sink_applied,
				   .host = sink_host, .undo = sink_undo };

	for (int r = 1; r <= (s->repeats ? s->repeats : 1); r++) {
		if (r > job->repeats_min && job->repeats_ci > 0 && precise_enough(s, sl->id))
			break;
		struct trial_request rq = {
			.trial_id = sl->id, .repeat = r, .space = &job->space, .config = sl->cfg,
			.config_json = sl->json, .timeout = job->trial_timeout, .stop = s->o.stop,
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
			sl->rc = store_trial_artifacts(s->o.st, sl->id, sl->res.domain_xml.buf,
						       sl->res.live_xml.buf, sl->res.console_path.buf,
						       sl->err);
			pthread_mutex_unlock(&s->lock);
			if (sl->rc)
				break;
		}
		if (sl->res.outcome != OUTCOME_DONE)
			break;
	}
	for (size_t i = 0; i < sc.nnames; i++)
		free(sc.names[i]);
	free(sc.names);
	pthread_mutex_lock(&s->lock);
	sl->finished = 1;
	pthread_cond_signal(&s->cond);
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

/* ---- hosts: their slots opened together, down and up together ---------- */

#define HOST_RETRY_FIRST 5.0	/* seconds before a host that went down is tried again */
#define HOST_RETRY_MAX 300.0

/* Closes the targets of host h's slots that run nothing (its connection is gone). */
void search_close_idle(struct search *s, const struct hoststate *h)
{
	for (size_t i = 0; i < s->nslots; i++)
		if (s->slots[i].h == h && !s->slots[i].busy && s->slots[i].tgt) {
			s->o.job->target->close(s->slots[i].tgt);
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

/* Opens every slot of host h; on failure none is left open. */
int search_open_host(struct search *s, struct hoststate *h, char *err)
{
	const struct job *job = s->o.job;
	for (size_t i = 0; i < s->nslots; i++) {
		struct slot *sl = &s->slots[i];
		if (sl->h != h || sl->tgt)
			continue;
		if (job->target->open(&sl->tgt, job->tset, job->ntset, job->dir, h->uri,
				      job->has_workload ? &job->wl : NULL, err)) {
			search_close_idle(s, h);	/* the one that failed too: it is not busy */
			return -1;
		}
		if (!s->accel)
			s->accel = xstrdup(job->target->accel(sl->tgt));
	}
	h->up = 1;
	return 0;
}
