#ifndef TRIAL_H
#define TRIAL_H
/*
 * The search loop: propose -> apply -> measure -> store, trial after trial,
 * the baseline (the job's defaults) first.
 *
 * Invariants, each checked where the loop relies on it:
 *  1. A trial row exists (proposed) before its target is started, and is
 *     moved to running first; its measurements are committed one by one.
 *  2. A trial ends in exactly one of done, failed or timeout. A trial cut
 *     short by SIGINT/SIGTERM, or found running at resume (its process
 *     died), is failed with reason "interrupted" and is retried as a new
 *     trial (origin retry) with the same configuration.
 *  3. "Completed" means ended and not interrupted; the trial budget counts
 *     completed trials, the baseline included.
 *  4. The strategy and racing see propose()/observe() in the same order
 *     whether or not the search was interrupted: resume replays the stored
 *     history. A trial racing asks for (origin repeat) measures a measured
 *     configuration again; the strategy observes it without proposing it.
 *  5. "Best" is racing's incumbent, never a configuration lucky once.
 *
 * This module never prints: progress goes to a callback.
 */
#include <signal.h>
#include <stdint.h>
#include "job.h"
#include "../results/store.h"
#include "../search/strategy.h"
#include "../search/racing.h"

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
};

struct search {
	struct store *st;
	const struct job *job;
	int64_t run_id;
	int64_t budget_trials;
	double budget_seconds;
	uint64_t seed;
	volatile sig_atomic_t *stop;
	void (*progress)(void *ud, const struct progress *p);
	void *progress_ud;

	/* state, private to trial.c */
	const struct strategy_ops *sops;
	struct strategy *strat;
	struct racing *race;		/* which configuration to measure again; the incumbent */
	struct target *tgt;
	double *base;			/* baseline value per objective term */
	int have_base;
	char *base_note;
	double best;
	int64_t best_trial;
	int64_t completed, started_completed, seq;
	double elapsed_before, t0;
	struct pending { int64_t id; union pval *cfg; int baseline; } *pending;
	size_t npending;
	char host[256];
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
