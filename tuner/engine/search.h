#ifndef SEARCH_H
#define SEARCH_H
/*
 * Room tuner/engine: the search. It owns the job file (job.h) and the loop
 * and its phases (search-int.h lists its files and their order); this
 * header is all that the rooms above it (view, cli) see of the loop. It
 * includes tuner/target, search/, results/ and lib/ only: never a view or
 * the CLI (DESIGN.md; scripts/check-layout.sh).
 *
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
 * The engine never prints: progress goes to a callback. Its state is
 * private (search-int.h): a caller fills a struct search_opts and gets a
 * struct search from search_new().
 */
#include <signal.h>
#include <stdint.h>
#include "job.h"
#include "../../results/store.h"
#include "../../results/capacity.h"

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
	/* a measurement after the search: its phase, which side, of how many */
	const char *phase;		/* "confirm" or "ablate" */
	const char *side;		/* best, baseline; path, check; NULL: a search trial */
	int64_t confirm_done, confirm_total;
	/* a baseline result of the noise floor, before anything is scored */
	int64_t floor_done, floor_total;
};

/* A warm start's earlier measurement (vmtune search --warm-start), stored with a new run. */
struct warm_in {
	const char *source;	/* "DB:RUN" */
	const char *config;	/* JSON of this job's space */
	double score;
};

/* What a caller asks of a search; search_new() copies it (the pointers stay the caller's). */
struct search_opts {
	struct store *st;
	const struct job *job;
	int64_t run;			/* search_resume(): the stored run to go on with */
	int64_t budget_trials;		/* 0: none (budget_seconds alone) */
	double budget_seconds;		/* 0: none */
	uint64_t seed;
	int confirm_repeats, confirm_max;	/* the confirmation; 0: none */
	double max_cov;			/* noisy objective metrics left out after the floor; 0: none */
	int64_t noise_floor;		/* baseline results that open the search; 0: the job's */
	volatile sig_atomic_t *stop;	/* becomes non-zero: the search stops (interrupted) */
	void (*progress)(void *ud, const struct progress *p);
	/* A host went down or came back, a start was slow (one line, no newline). */
	void (*notice)(void *ud, const char *msg);
	void *progress_ud;
	const struct warm_in *warm;	/* a new run's warm start */
	size_t nwarm;
	/* search_measure(): the run's strategy ("check" when NULL), and the capacity series it is a step of */
	const char *measure_as;
	int64_t capacity_of;
	/* the ablation after the confirmation (results/ablation.h): 0 none */
	int ablate;
	const char *ablate_config;	/* its configuration's JSON; NULL: the run's best */
	const char *ablate_source;	/* what that is, said: "best", "trial 12" */
	int ablate_repeats;		/* measurements of each change at each step */
};

struct search;

enum search_end { SEARCH_BUDGET, SEARCH_EXHAUSTED, SEARCH_INTERRUPTED };

/* A search of o->job, nothing opened yet (search_free() frees it). */
struct search *search_new(const struct search_opts *o);
/* The run it drives: 0 before search_begin() or search_measure() made one. */
int64_t search_run(const struct search *s);
/* New run: creates the run row from the job and opens the strategy and the target. */
int search_begin(struct search *s, char *err);
/* Existing run o->run: marks dead trials interrupted and replays history. */
int search_resume(struct search *s, char *err);
/* Runs trials until the budget is spent, then the confirmation; -1 on a runtime failure. */
int search_loop(struct search *s, enum search_end *end, char *err);
/*
 * A new run (strategy "check") measuring cfg in n trials of one run each, for
 * vmtune check and vmtune baseline save --measure: 0 when done, 1 when
 * interrupted, -1 on a runtime failure.
 */
int search_measure(struct search *s, const union pval *cfg, int n, char *err);
/* search_measure() of the configuration cfg_json, in a search of its own; *run: its run. */
int search_measure_json(const struct search_opts *o, const char *cfg_json, int n, int64_t *run,
			char *err);
void search_free(struct search *s);

/*
 * Is process pid on host a vmtune still running? A run's owner on another
 * host counts as gone: the database is a local file.
 */
int run_owner_alive(int64_t pid, const char *host, void *ud);

/*
 * vmtune capacity: how many VMs of one configuration fit on this host. It
 * measures the configuration with 1 instance, then 2, 4, ..., then bisects
 * between the most that kept `keep` of the one-instance score and the
 * fewest that did not. Each step is a run of its own (strategy "capacity",
 * runs.capacity_of the first step's), measured `repeats` times, so it has
 * an interval (results/capacity.h). It stops at `max` instances, and before
 * a step whose VMs would need more than the host's available memory (N x
 * the most host memory a VM held in the steps so far).
 */

struct capacity_opts {
	struct store *st;
	struct job *job;		/* its target's instances: is set per step */
	const char *cfg_json;		/* the configuration, as JSON of the job's space */
	int repeats;			/* measurements of each step */
	double keep;			/* a fraction of the one-instance score */
	int max;			/* the most instances to try */
	uint64_t seed;
	volatile sig_atomic_t *stop;
	void (*step_done)(void *ud, const struct cap_step *s);
	void *ud;
};

enum capacity_stop { CAP_BELOW_KEEP, CAP_MEMORY, CAP_MAX };

struct capacity {
	int64_t head;			/* the first step's run: the series */
	struct cap_step *steps;		/* in the order measured */
	size_t n;
	struct cap_step *refs;		/* one VM measured again after each step of N > 1 */
	size_t nrefs;
	int fits;			/* the most instances measured at or above keep */
	int fails;			/* the fewest below keep, or over the memory; 0: none */
	enum capacity_stop why;
	double mem_avail_mib;		/* the host's, when the memory stopped it */
};

/* 0 done, 1 interrupted (what was measured stays), -1 with err. */
int capacity_measure(const struct capacity_opts *o, struct capacity *out, char *err);
void capacity_release(struct capacity *c);
/* The job's objective without the host metrics (sums over the VMs, not one VM's speed). */
void capacity_objective(const struct objective *obj, struct objective *out);


#endif
