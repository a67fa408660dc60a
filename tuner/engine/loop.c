/*
 * The search as a whole (search.h): a new run and its noise floor, a
 * configuration measured for vmtune check, the loop (the scheduler, then
 * the confirmation) and how every run ends: host knobs back, its status.
 */
#include "loop.h"
#include "schedule.h"
#include "confirm.h"
#include "ablate.h"
#include "slot.h"
#include "trial.h"
#include "../target/hostknobs.h"
#include "../../search/warm.h"
#include "../../lib/clock.h"
#include "../../lib/knobs.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct warm_load {
	const struct space *sp;
	union pval **cfg;
	double *score;
	size_t n;
	char *err;
};

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
	return store_run_claim(s->o.st, s->run_id, pid, s->host, run_owner_alive, NULL, &busy, err);
}

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
		if (knob_host_wide(sp->p[i].name))
			return seterr(err, "%s changes the host itself: it needs a single slot on "
				      "this machine (the job has %d slot%s%s)", sp->p[i].name, slots,
				      slots == 1 ? "" : "s", remote ? " and a remote host" : ""), -1;
	return 0;
}

int search_open_parts(struct search *s, char *err)
{
	const struct job *job = s->o.job;
	char msg[ERR_LEN];
	int any = 0;

	s->sops = strategy_find(job->strategy);
	if (!s->sops)
		return seterr(err, "unknown strategy '%s'", job->strategy), -1;
	if (check_host_knobs(job, err))
		return -1;
	if (s->sops->init(&s->strat, &job->space, s->o.seed, err))
		return -1;
	s->race = racing_new(&job->space, search_race_max(s));
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
	struct warm_load w = { .sp = &s->o.job->space, .err = err };
	int rc = store_warm_foreach(s->o.st, s->run_id, warm_row, &w, err);
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
	const struct job *job = s->o.job;
	if (search_open_parts(s, err))
		return -1;
	struct run_info ri = {
		.name = job->name, .job_path = job->path, .job_dir = job->dir,
		.job_text = job->text, .strategy = strategy, .seed = s->o.seed,
		.budget_trials = s->o.budget_trials, .budget_seconds = s->o.budget_seconds,
		.accel = s->accel, .host = s->host,
		.confirm_repeats = s->o.confirm_repeats, .confirm_max = s->o.confirm_max,
		.max_cov = s->o.max_cov, .noise_floor = search_noise_floor(s),
		.instances = job_instances(job), .capacity_of = s->o.capacity_of,
	};
	/* the run and its warm start together: a resume finds both or neither */
	int rc = store_begin(s->o.st, err) || store_run_create(s->o.st, &ri, &s->run_id, err);
	for (size_t i = 0; !rc && i < s->o.nwarm; i++)
		rc = store_warm_add(s->o.st, s->run_id, s->o.warm[i].source, s->o.warm[i].config,
				   s->o.warm[i].score, err);
	if (rc) {
		store_end(s->o.st, 0, NULL);
		s->run_id = 0;
		return -1;
	}
	if (store_end(s->o.st, 1, err) || search_claim(s, getpid(), err))
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
	if (hostknob_restore(s->o.st, &restored, NULL, NULL, NULL, ret ? msg : err) && !ret)
		ret = -1;
	if ((store_run_set_status(s->o.st, s->run_id, status, ret ? msg : err) ||
	     search_claim(s, 0, ret ? msg : err)) && !ret)
		ret = -1;
	return ret;
}

int search_begin(struct search *s, char *err)
{
	const struct job *job = s->o.job;
	if (create_run(s, job->strategy, err))
		return -1;
	s->base_open = 1;	/* until the noise floor is in */
	return search_queue_open(s, 0, err);
}

int search_measure(struct search *s, const union pval *cfg, int n, char *err)
{
	enum search_end end;
	s->repeats = 1;	/* n trials of one run each: n measurements, whatever the job says */
	s->o.budget_trials = n;
	s->o.budget_seconds = 0;
	if (s->o.noise_floor <= 0)	/* all n are the floor (up to the job's), not 1 in 20 */
		s->o.noise_floor = job_noise_floor(s->o.job, 0);
	if (create_run(s, s->o.measure_as ? s->o.measure_as : "check", err))
		return -1;
	s->fixed = cfg;
	int ret = search_schedule(s, &end, err);
	ret = end_run(s, ret, end == SEARCH_INTERRUPTED ? "interrupted" : "finished", err);
	return ret ? -1 : end == SEARCH_INTERRUPTED;
}

/*
 * The ablation, when asked: toward the configuration asked, or toward the
 * best once the confirmation confirmed it (an unconfirmed gain has nothing
 * to take apart: said).
 */
static int ablate_after(struct search *s, enum search_end *end, char *err)
{
	enum search_end e;
	struct ablation_row row;
	int had = store_ablation_get(s->o.st, s->run_id, &row, err);
	if (had < 0)
		return -1;
	store_ablation_release(&row);
	if (!had && !s->o.ablate)
		return 0;	/* not asked, and none begun */
	if (!had && !s->o.ablate_config && s->o.confirm_repeats > 0 && s->confirmed != CONFIRM_YES) {
		if (!s->o.ablate_source) {	/* the job's ablate: on */
			search_notice(s, "no ablation: the confirmation confirmed no gain to take apart");
			return 0;
		}
		search_notice(s, "the confirmation did not confirm the best's gain: its ablation "
			      "takes apart a gain that may be noise");
	}
	int ret = search_ablate(s, &e, err);
	if (!ret && e == SEARCH_INTERRUPTED)
		*end = e;
	return ret;
}

int search_loop(struct search *s, enum search_end *end, char *err)
{
	int ret = search_schedule(s, end, err);
	if (!ret && *end != SEARCH_INTERRUPTED)
		search_rescore(s);
	if (!ret && *end != SEARCH_INTERRUPTED && s->o.confirm_repeats > 0) {
		enum search_end e;
		ret = search_confirm(s, &e, err);
		if (!ret && e == SEARCH_INTERRUPTED)
			*end = e;
	}
	if (!ret && *end != SEARCH_INTERRUPTED)
		ret = ablate_after(s, end, err);
	if (ret)
		*end = SEARCH_BUDGET;
	/* host knobs go back however the search ended */
	return end_run(s, ret, *end == SEARCH_INTERRUPTED ? "interrupted" : "finished", err);
}

static void release(struct search *s)
{
	if (s->strat)
		s->sops->free(s->strat);
	racing_free(s->race);
	s->race = NULL;
	for (size_t i = 0; i < s->ntold; i++)
		free(s->told[i].cfg);
	free(s->told);
	s->told = NULL;
	s->ntold = 0;
	for (size_t i = 0; i < s->nslots; i++) {
		if (s->slots[i].tgt)
			s->o.job->target->close(s->slots[i].tgt);
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
	if (s->have_ref)
		reference_release(&s->ref);
	s->have_ref = 0;
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

struct search *search_new(const struct search_opts *o)
{
	struct search *s = xcalloc(1, sizeof(*s));
	s->o = *o;
	s->run_id = o->run;
	s->repeats = o->job->repeats;
	if (!s->o.ablate && o->job->ablate_repeats) {	/* the job's ablate: */
		s->o.ablate = 1;
		s->o.ablate_repeats = o->job->ablate_repeats;
	}
	if (s->o.ablate && s->o.ablate_repeats <= 0)
		s->o.ablate_repeats = JOB_DEFAULT_ABLATE;
	return s;
}

int64_t search_run(const struct search *s)
{
	return s->run_id;
}

void search_free(struct search *s)
{
	if (!s)
		return;
	release(s);
	free(s);
}

int search_measure_json(const struct search_opts *o, const char *cfg_json, int n, int64_t *run,
			char *err)
{
	const struct space *sp = &o->job->space;
	union pval *cfg = config_new(sp);
	struct search *s = search_new(o);
	int rc = config_from_json(sp, cfg_json, cfg, err) ? -1 : search_measure(s, cfg, n, err);
	*run = s->run_id;
	search_free(s);
	free(cfg);
	return rc;
}
