#ifndef TRIAL_H
#define TRIAL_H
/*
 * The search loop: propose -> apply -> measure -> store, trial after trial,
 * the baseline (the job's defaults) first.
 *
 * Slots: every host of the job (or the target's own, one slot) runs as many
 * trials at once as it has slots, each in a thread of its own with its own
 * target instance. Only this module's main thread proposes, scores and
 * observes; the threads store measurements as they arrive, under one lock
 * (the store is one SQLite connection). A host that stops answering is
 * marked down, its trial is interrupted and retried on another slot, and
 * the host is tried again after a pause (5 s, doubling to 5 min).
 *
 * Invariants, each checked where the loop relies on it:
 *  1. A trial row exists (proposed) before its target is started, and is
 *     moved to running first; its measurements are committed one by one.
 *  2. A trial ends in exactly one of done, failed, timeout or interrupted.
 *     A trial cut short by SIGINT/SIGTERM, or found running at resume (its
 *     process died), or whose host stopped answering, is interrupted (it
 *     says nothing of its configuration) and is retried as a new trial
 *     (origin retry) with the same configuration.
 *  3. "Completed" means done, failed or timeout; the trial budget counts
 *     completed trials, the baseline included.
 *  4. The strategy and racing see propose()/observe() in the same order
 *     whether or not the search was interrupted: each trial stores how many
 *     results had been observed when it was proposed and in which order its
 *     own was, and resume replays that. A trial racing asks for (origin
 *     repeat) measures a measured configuration again; the strategy observes
 *     it without proposing it. A configuration in flight on one slot is
 *     never sent to another, as a proposal or as a repeat.
 *  5. "Best" is racing's incumbent, never a configuration lucky once.
 *  6. With several hosts, the baseline is measured once on each (so that
 *     `best` and reports can tell hosts apart); scores are against the one
 *     whose result came in first.
 *
 * This module never prints: progress goes to a callback.
 */
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include "job.h"
#include "../../results/store.h"
#include "../../search/strategy.h"
#include "../../search/racing.h"

struct progress {
	int64_t trial_id;
	enum trial_status status;
	const char *reason;		/* failed or timeout */
	double score;			/* NaN when none */
	int64_t completed, budget;	/* budget 0: none */
	double best;			/* NaN when none yet */
	int64_t best_trial;
	double elapsed, eta;		/* seconds; eta < 0 when unknown */
	const char *note;		/* e.g. why there are no scores */
	const char *host;		/* where the trial ran */
	/* a measurement of the confirmation: which side, of how many */
	const char *side;		/* "best" or "baseline"; NULL: a search trial */
	int64_t confirm_done, confirm_total;
	/* a baseline result of the noise floor, before anything is scored */
	int64_t floor_done, floor_total;
};

#define ETA_WINDOW 5	/* the ETA's pace: over the last this many completions */

struct search {
	struct store *st;
	const struct job *job;
	int64_t run_id;
	int64_t budget_trials;
	double budget_seconds;
	uint64_t seed;
	int confirm_repeats, confirm_max;	/* the confirmation; 0: none */
	double max_cov;			/* noisy objective metrics left out after the floor; 0: none */
	int64_t noise_floor;		/* baseline results that open the search (the run's) */
	volatile sig_atomic_t *stop;
	void (*progress)(void *ud, const struct progress *p);
	/* A host went down or came back, a start was slow (one line, no newline). */
	void (*notice)(void *ud, const char *msg);
	void *progress_ud;
	/* A new run's warm start: earlier measurements (vmtune search --warm-start), stored with it. */
	const struct warm_in {
		const char *source;	/* "DB:RUN" */
		const char *config;	/* JSON of this job's space */
		double score;
	} *warm;
	size_t nwarm;

	/* state, private to the loop's files (search-int.h) */
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
	int64_t completed, started_completed, seq;
	double elapsed_before, t0;
	int64_t ended, search_ended;	/* trials ended in this process; of them, the search's */
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
	int confirming;			/* the confirmation runs: only its queued trials */
	int64_t floor_seen;		/* baseline results in (done or not): the noise floor */
	int base_retries;		/* failed baselines run again (BASELINE_RETRIES at most) */
	int64_t *floor_ids, floor_done;	/* the done ones */
	struct objective obj;		/* what scores: the job's, then objective_for_noise()'s */
	int64_t confirm_done, confirm_total;	/* for the progress line */
	struct held { int64_t id; union pval *cfg; enum trial_status st; const char *host; } *held;
	size_t nheld;			/* results that came back before the noise floor was in */
	char host[256];			/* this machine: the run's owner */
};

enum search_end { SEARCH_BUDGET, SEARCH_EXHAUSTED, SEARCH_INTERRUPTED };

/*
 * New run: creates the run row from the job (job->seed must be set) and
 * opens the target. The caller fills st, job, budget, seed, stop, progress.
 */
int search_begin(struct search *s, char *err);
/* Existing run s->run_id: marks dead trials interrupted and replays history. */
int search_resume(struct search *s, char *err);
/*
 * A new run (strategy "check") measuring cfg in n trials, for vmtune check:
 * 0 when done, 1 when interrupted, -1 on a runtime failure.
 */
int search_measure(struct search *s, const union pval *cfg, int n, char *err);
/* Runs trials until the budget is spent; -1 on a runtime failure. */
int search_loop(struct search *s, enum search_end *end, char *err);
void search_release(struct search *s);

/*
 * Is process pid on host a vmtune still running? A run's owner on another
 * host counts as gone: the database is a local file.
 */
int run_owner_alive(int64_t pid, const char *host, void *ud);

/* Score of one stored trial against baseline values (median over repeats). */
int trial_score(struct store *st, const struct objective *o, const double *base, int64_t trial,
		double *score, double **per_repeat, size_t *nrep, char *err);

#endif
