#ifndef JOB_H
#define JOB_H
/*
 * The job file (YAML) turned into a struct job, fully validated: a job that
 * loads is one that can run. Every error names file:line:column and what was
 * expected; unknown keys are errors.
 *
 *   name: compress-demo            # optional: the file's base name
 *   target:                        # required
 *     kind: exec
 *     command: [./workload.sh, --fast]
 *     timeout: 2m                  # per trial; default 10m
 *   parameters:                    # required, in search order
 *     level: {type: int, min: 1, max: 9, step: 1, default: 6}
 *     ratio: {type: float, min: 0, max: 1, step: 0.1, default: 0.5}
 *     tool:  {type: categorical, values: [gzip, xz], default: gzip}
 *     fast:  {type: bool, default: false}
 *     window: {type: int, min: 1, max: 8, default: 4, when: {tool: [xz]}}
 *                                  # exists only while tool is xz
 *   objective:                     # required: one of the two forms
 *                                  # (either takes max_cov: 25%, the default: a
 *                                  # metric noisier than that over the noise floor
 *                                  # is left out of the score, and that is said;
 *                                  # off keeps every metric)
 *     metric: x264.time
 *     goal: minimize
 *   # objective:
 *   #   metrics:
 *   #     - {metric: compress.mbps, better: higher, weight: 1}
 *   strategy: random               # default random
 *   budget: {trials: 50, time: 8h} # default 20 trials
 *   repeats: auto                  # default: racing measures a configuration
 *                                  # again while it is competitive (up to 5);
 *                                  # N: every trial runs N times, no racing;
 *                                  # {min: 2, max: 8, ci: 2%}: each trial runs
 *                                  # until its score's 95% CI half-width is
 *                                  # 2% or it ran max times, no racing
 *   noise_floor: 3                 # default: 1 in 20 of a trial budget, 1 to 3
 *                                  # (3 for a time budget): the baseline is measured
 *                                  # this many times before anything else: the noise
 *   confirm: {repeats: 5, max: 10} # default: the search ends with the incumbent
 *                                  # and the baseline measured afresh, alternated,
 *                                  # 5 times each, up to max when that cannot
 *                                  # tell (results/compare.h); off: no confirmation
 *   drift: {every: 10}             # default: VM targets every 10, exec off: the
 *                                  # defaults measured again every N results and
 *                                  # after a result that jumps; each trial is scored
 *                                  # against its host's level nearest in time
 *                                  # (results/reference.h); on: every 10. These
 *                                  # run beyond the trial budget (job_drift_max()),
 *                                  # and a search of two periods or more opens
 *                                  # with enough to tell a step from noise
 *                                  # (job_drift_open())
 *   ablate: on                     # default off: after a confirmed gain, which of
 *                                  # the best's changes carry it (results/ablation.h);
 *                                  # {repeats: N}: N measurements per change and step
 *                                  # (default 3)
 *   workload:                      # a test VM's own workload, in the guest
 *     run: [redis-benchmark, -q]   # (tuner/target/workload.h)
 *   seed: 42                       # default: chosen at start and stored
 *   hosts:                         # default: the target's own (one slot)
 *     - qemu:///system             # a libvirt URI, one slot
 *     - {uri: qemu+ssh://rack2/system, slots: 2}
 *                                  # exec target: the command runs here with
 *                                  # VMTUNE_HOST set to the URI
 */
#include <stdint.h>
#include "../../lib/space.h"
#include "../target/target.h"
#include "../target/workload.h"
#include "../../results/score.h"

struct job_host {
	char *uri;
	int slots;		/* trials at once on it */
	int line, col;		/* 0 when given on the command line */
};

struct job {
	char *path;		/* as shown in messages */
	char *dir;		/* absolute directory the job's relative paths start from */
	char *text;		/* the YAML source */
	char *name;
	struct space space;
	struct objective obj;
	const struct target_ops *target;
	struct target_setting *tset;
	size_t ntset;
	double trial_timeout;
	char *strategy;
	int64_t budget_trials;
	double budget_seconds;
	int repeats;		/* runs per trial (adaptive: at most); 0: auto (1 run, racing) */
	int repeats_min;	/* adaptive: at least this many, then until */
	double repeats_ci;	/* the score's 95% CI half-width is this fraction; 0: fixed */
	int noise_floor;	/* measurements of the baseline first; 0: job_noise_floor() */
	int confirm_repeats;	/* confirmation: measurements of each side; 0: off */
	int confirm_max;
	int drift_every;	/* the defaults measured again every this many results; -1: default */
	int ablate_repeats;	/* the ablation after the confirmation: repeats per step; 0: off */
	uint64_t seed;
	int has_seed;
	struct job_host *hosts;	/* empty: the target's own host, one slot */
	size_t nhosts;
	struct workload wl;	/* the user's workload in the guest (workload.h) */
	int has_workload;
};

/* The limits of a job file (README, Limits): past one, an error naming the place. */
#define JOB_MAX_BYTES (1 << 20)	/* the file; a --config file too */
#define JOB_MAX_LINE 262144	/* characters of a line */
#define JOB_MAX_DEPTH 16	/* mappings and lists within each other */
#define JOB_MAX_PARAMS 1000	/* parameters */
#define JOB_MAX_VALUES 10000	/* values of a categorical parameter */

#define JOB_DEFAULT_TRIALS 20
#define JOB_DEFAULT_DRIFT 10	/* results between measurements of the defaults (VM targets) */
#define JOB_DRIFT_DOF 3		/* the opening spread's degrees of freedom with drift on */
#define JOB_DEFAULT_ABLATE 3	/* measurements of each change at each step of an ablation */
#define JOB_DEFAULT_TIMEOUT 600.0
#define JOB_DEFAULT_CONFIRM 5
#define JOB_DEFAULT_NOISE_FLOOR 3
#define JOB_RACE_FROM 30		/* trials: fewer measure each configuration once */
#define JOB_DEFAULT_MAX_COV 0.25	/* objective metrics noisier over the floor are left out */

/* Reads and validates path; -1 with "path:line:col: message" in err. */
int job_load_file(struct job *job, const char *path, char *err);
/*
 * Whether this machine can run the job's trials (its target's ready():
 * storage folders exist, ...); -1 with "file:line:col: why". Commands that
 * run trials call it; reading a stored run does not need it.
 */
int job_ready(const struct job *job, char *err);
/* Same from text; path is only used in messages, dir for relative paths. */
int job_load_text(struct job *job, const char *text, const char *path, const char *dir,
		  char *err);
void job_release(struct job *job);
/* Appends a host (the command line's --host); an URI already listed gains a slot. */
void job_add_host(struct job *job, const char *uri, int slots);
/* Slots over all hosts; 1 when no host is listed. */
int job_slots(const struct job *job);
/* The VMs each trial runs side by side (the target's instances:, 1 when none). */
int job_instances(const struct job *job);
/* Results between measurements of the defaults during the search; 0: never (exec's default). */
int job_drift_every(const struct job *job);
/*
 * The most measurements of the defaults drift adds beyond a budget of
 * trials (0: a time budget, which bounds them itself: INT64_MAX): those at
 * the start (job_drift_open() after open baselines on hosts), then two a
 * period and two more (a step told from an outlier, the series closed);
 * 0 when drift is off.
 */
int64_t job_drift_max(const struct job *job, int64_t trials, int64_t open, size_t hosts);
/*
 * Whether a search of trials (0: a time budget) follows the level through
 * its middle: drift is on and the trials span two periods at least. Such a
 * search opens with job_drift_open()'s measurements and closes its series
 * after any trial since the last; a shorter one closes it only after half a
 * period (its closing measurement only marks the trials before it).
 */
int job_drift_follows(const struct job *job, int64_t trials);
/*
 * Drift's measurements of the defaults at the start, beyond the open
 * baselines (open: the noise floor's, one a host at least) and the trial
 * budget: as many as give the spread JOB_DRIFT_DOF degrees of freedom. A
 * step is told from noise by Student's t on that spread; over one or two
 * degrees of freedom the threshold lay beyond +-25% (t is 12.7 and 4.3),
 * the steps went unseen, joined the level and widened the spread further.
 * 0 unless the search follows the level (job_drift_follows()).
 */
int64_t job_drift_open(const struct job *job, int64_t trials, int64_t open, size_t hosts);
/*
 * Drift's measurements a search of trials takes without a jump (those
 * every period and the one closing the series), floor: its noise floor.
 */
int64_t job_drift_planned(const struct job *job, int64_t trials, int64_t floor);
/*
 * The noise floor of a search of trials (0: a time budget): the job's, else
 * 1 in 20 of the trials, from 1 to 3 (3 for a time budget). The floor is a
 * fixed cost: 3 of 20 trials was what lost budget 20 to the peers.
 */
int job_noise_floor(const struct job *job, int64_t trials);
/*
 * Racing's most measurements of one configuration in a search of trials
 * (0: a time budget): 1, no racing, when the job fixes its repeats or the
 * trials are under JOB_RACE_FROM; else RACING_MAX_REPEATS. At 20 trials
 * racing's repeats took 3 to 6 of them, and the confirmation, outside the
 * budget, measures the best afresh anyway.
 */
int job_race_max(const struct job *job, int64_t trials);
/*
 * Sets the target setting key to the scalar value (added when the job has
 * none), checked as the job file's would be; -1 with why.
 */
int job_set_target(struct job *job, const char *key, const char *value, char *err);

/* "90s", "15m", "8h", "2d", "1h30m", "1.5h", "250ms" or plain seconds; 1 ms to 365 days. */
int duration_parse(const char *s, double *seconds);

#endif
