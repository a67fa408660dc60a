#ifndef SEARCH_INT_H
#define SEARCH_INT_H
/*
 * The private state of a search, which the engine's files share and nothing
 * above them sees (the public interface is search.h). The engine's files,
 * each a layer that calls only those below it:
 *
 *   capacity.c  vmtune capacity: a run of search_measure() per step (search.h)
 *   loop.c      search_new(), a new run, search_measure(), the loop, the end
 *   resume.c    a stored run replayed (search_resume())
 *   ablate.c    the ablation after it (results/ablation.h)
 *   confirm.c   the confirmation that ends a search
 *   schedule.c  which trial runs next on which idle slot, until the budget is spent
 *   trial.c     one trial's state machine: insert, queue, start, finish, score
 *   slot.c      a slot's thread, its target instance, the sink; hosts down and up
 *   state.c     what all of them use: notices, the clock, the unit baseline
 *   job.c       the job file (job.h), below all of them
 *
 * Each file's functions are declared in its own header (trial.h, slot.h,
 * ...), so that the includes show who calls whom, and tests/layout.sh
 * keeps them free of circles.
 */
#include <pthread.h>
#include "search.h"
#include "../target/target.h"
#include "../../search/strategy.h"
#include "../../search/racing.h"
#include "../../results/compare.h"
#include "../../results/reference.h"
#include "../../lib/err.h"

struct hoststate {
	const char *uri;	/* NULL: the target's own default */
	const char *label;	/* what trials store as their host */
	int up;
	double retry_at, backoff;
	int64_t since_base;	/* the search's results on it since its last baseline */
	int base_queued;	/* a baseline waits to run on it */
};

/* A measurement of the defaults: one that opens the search, or drift's (beyond the budget). */
enum { BASE_OPEN = 1, BASE_DRIFT = 2 };

struct slot {
	struct search *s;
	struct hoststate *h;
	struct target *tgt;	/* NULL while its host is down */
	pthread_t th;
	int busy, finished;	/* under s->lock */
	int64_t id;
	union pval *cfg;
	char *json;
	int baseline;		/* the defaults: BASE_OPEN or BASE_DRIFT; 0: not */
	int confirm;		/* measured after the search: enum after_side */
	double t_start;
	int rc;			/* -1: a result could not be stored */
	char err[ERR_LEN];
	struct trial_result res;
};

/*
 * What a trial measured after the search is (slot.confirm, pending.confirm):
 * a side of the confirmation, a step of an ablation's path or its check.
 */
enum after_side { SIDE_NONE, SIDE_BASELINE, SIDE_BEST, SIDE_ABLATE, SIDE_CHECK, SIDE_STEP_BASE };

#define ETA_WINDOW 5	/* the ETA's pace: over the last this many completions */

/* The state of one search: only the engine's files see it. */
struct search {
	struct search_opts o;		/* what the caller asked (search_new()) */
	int64_t run_id;			/* the run: o.run, or the one search_begin() made */
	int repeats;			/* runs per trial (adaptive: at most); 0: auto */
	const struct strategy_ops *sops;
	struct strategy *strat;
	struct racing *race;		/* which configuration to measure again; the incumbent */
	struct slot *slots;
	size_t nslots;
	struct hoststate *hosts;
	size_t nhosts;
	int threads;			/* lock and cond made */
	pthread_mutex_t lock;		/* the store, and every slot's busy/finished */
	pthread_cond_t cond;		/* a slot finished */
	char *accel;
	double *base;			/* baseline value per objective term */
	int have_base;
	char *base_note;
	double best;
	int64_t best_trial;
	int64_t completed, seq;
	double elapsed_before, t0;
	int64_t ended;			/* trials ended in this process */
	double done_at[ETA_WINDOW + 1];	/* when the last of them ended: the ETA's pace */
	/* stored trials to run before any new one; h: only on that host */
	struct pending {
		int64_t id;
		union pval *cfg;
		int baseline, started, confirm;
		struct hoststate *h;
	} *pending;
	size_t npending;
	const union pval *fixed;	/* vmtune check: the one configuration to measure */
	int base_open;			/* the noise floor is not in: results wait for it */
	int warned_slow_start;		/* said once that a define+start was slow */
	int confirming;			/* the confirmation or the ablation: only its queued trials */
	enum confirm_state confirmed;	/* the confirmation's verdict; CONFIRM_MORE: none */
	int64_t floor_seen;		/* baseline results in (done or not): the noise floor */
	int64_t drift_taken;		/* BASE_DRIFT results taken in: beyond the trial budget */
	int drift_said;			/* said that drift's allowance is spent */
	struct told {			/* each result taken in, in order, as last told */
		int64_t id;
		union pval *cfg;
		double score;
		int done;
	} *told;
	size_t ntold;
	int base_retries;		/* failed baselines run again (BASELINE_RETRIES at most) */
	int64_t *floor_ids, floor_done;	/* the done ones */
	struct objective obj;		/* what scores: the job's, then objective_for_noise()'s */
	struct reference ref;		/* each host's level over time, once the floor is in */
	int have_ref;
	int64_t confirm_done, confirm_total;	/* for the progress line */
	struct held {
		int64_t id;
		union pval *cfg;
		enum trial_status st;
		const char *host;
		int baseline;
	} *held;
	size_t nheld;			/* results that came back before the noise floor was in */
	char host[256];			/* this machine: the run's owner */
};

/* ---- state.c ---------------------------------------------------------- */

/* A host went down or came back, a start was slow: to the notice callback. */
void search_notice(struct search *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Seconds of the run so far, those of earlier processes included. */
double search_elapsed(const struct search *s);
/* A baseline of 1 for every objective term: scores as plain geometric means. */
double *search_unit_base(const struct objective *o);
/* Baseline results that open the search: the run's (the job's, within the budget). */
int64_t search_noise_floor(const struct search *s);
/* The baselines the search opens with (BASE_OPEN): the noise floor's, one on each host at least. */
int64_t search_open_baselines(const struct search *s);
/* Drift's measurements of the defaults after those (BASE_DRIFT): job_drift_open(). */
int64_t search_drift_open(const struct search *s);
/* Racing's most measurements of one configuration: the job's fixed repeats, or job_race_max(). */
int search_race_max(const struct search *s);
/* Slots with a trial running now. */
size_t search_busy(const struct search *s);
/* Drift's measurements of the defaults (BASE_DRIFT): taken in, running, or queued. */
int64_t search_drift_count(const struct search *s);
/*
 * The trials the trial budget counts: taken in or running, drift's
 * measurements of the defaults left out (they run beyond it, job_drift_max()).
 */
int64_t search_budget_used(const struct search *s);

#endif
