#ifndef RUNVIEW_H
#define RUNVIEW_H
/*
 * Room tuner/view: a stored run as the commands show it: this view of its
 * trials, incumbent, noise floor, confirmation and hosts (runview.c), and
 * the plotted report (report.c, the only file that knows gnuplot). It reads
 * the store and re-reads the run's job (tuner/engine/job.h), and includes
 * nothing else of the engine nor the CLI; it never prints (DESIGN.md;
 * scripts/check-layout.sh).
 *
 * A stored run as the reporting commands see it: its job (re-read from the
 * stored text), its trials, and each trial's score computed from the stored
 * measurements against the baseline's (DESIGN.md: scores are never stored).
 */
#include <stdint.h>
#include "../engine/job.h"
#include "../../results/compare.h"
#include "../../results/floor.h"
#include "../../results/importance.h"
#include "../../results/store.h"

struct tview {
	int64_t id, seq, retry_of;
	enum trial_origin origin;
	enum trial_status status;
	char *config, *reason, *stderr_tail, *host;
	double proposed_at, started_at, ended_at;
	int64_t observed;	/* the order the search took its result in; -1: unrecorded */
	double score;		/* NaN: not done, or no baseline */
	double *rep_scores;	/* one per repeat */
	size_t nrep;
	int disturbed;		/* measured while its host's level moved (results/reference.h) */
	double low;		/* then: its score at the lowest level it may have run at */
	int level;		/* a baseline's level (host and period); -1: an outlier, or none */
	double common;		/* a baseline's score against the floor's (all hosts') reference */
};

struct runview {
	int64_t id;
	double max_cov;		/* the run's (0: every objective metric scored) */
	int64_t noise_floor;	/* the run's: baseline results before any is taken in */
	int instances;		/* VMs each trial ran side by side */
	int64_t capacity_of;	/* a step of vmtune capacity: the series' first run (0: not one) */
	struct objective obj;	/* what scores after the noise floor: job.obj less the noisy */
	char *dropped;		/* the line that says which were left out; NULL: none */
	size_t steps;		/* level changes of the hosts' defaults during the search */
	size_t ndisturbed;	/* trials measured in a disturbed period */
	char *name, *accel, *status, *strategy, *host, *job_path;
	uint64_t seed;
	int64_t budget_trials, n_completed, n_done, n_failed;
	double budget_seconds, elapsed, created_at;
	int confirm_repeats, confirm_max;	/* what the run asked of its confirmation */
	struct job job;
	double *base;
	int have_base;
	int64_t baseline_trial;
	struct tview *t;
	size_t n;
};

int runview_load(struct runview *rv, struct store *st, int64_t run, char *err);
/*
 * Every configuration the search measured with a score, as racing saw it
 * (its mean log score over this run's measurements), in the order first
 * measured; the caller frees cfg[i], cfg and y. -1 on a damaged run.
 */
int runview_measured(const struct runview *rv, union pval ***cfg, double **y, size_t *n,
		     char *err);
#define IMPORTANCE_RESAMPLES 1000
/*
 * Knob importance over the measured configurations (results/importance.h),
 * out[] of job.space.n, 95% intervals: 0; 1 when there are too few
 * configurations (*nconfigs says how many) or no variance; -1 on error.
 */
int runview_importance(const struct runview *rv, struct importance *out, size_t *nconfigs,
		       char *err);
struct json_t;
/* runview_importance()'s result (rc 0 or 1) as lines, and as a JSON object. */
void importance_format(const struct space *sp, const struct importance *imp, size_t nconfigs,
		       int rc, struct strbuf *out);
struct json_t *importance_json(const struct space *sp, const struct importance *imp,
			       size_t nconfigs, int rc);
void runview_release(struct runview *rv);
/*
 * Co-located VMs: the lowest score of one of the trial's VMs on its own
 * measurements, and which (1..N); NaN and 0 for a run of one VM a trial.
 */
int runview_worst_vm(const struct runview *rv, struct store *st, int64_t trial, double *worst,
		     int *which, char *err);
/*
 * The configuration named by which, as JSON checked against job's space:
 * "best" (or NULL, rv's incumbent), a trial id of rv, or a file holding a
 * configuration as JSON (rv may then be NULL). -1 with why.
 */
int runview_pick_config(const struct runview *rv, const char *which, const struct job *job,
			char **json, char *err);
/*
 * A measured configuration: every done trial of it, with their per-repeat
 * scores pooled (racing's repeats are trials of their own).
 */
struct cview {
	const struct tview *first;	/* its first done trial */
	double *scores;			/* every repeat of every done trial */
	size_t n;			/* measurements (trials) racing counted */
	size_t nscores;
	double mean;			/* of log scores, as racing keeps it */
};

/*
 * The best as the search reports it (search/racing.h, racing_best(): the
 * run's trials replayed through racing in order) and the runner-up: the
 * other configuration with the highest mean that never failed. 0 when nothing was scored; runner->first
 * is NULL when there is no other configuration.
 */
int runview_best(const struct runview *rv, struct cview *best, struct cview *runner, char *err);
void cview_release(struct cview *c);
/*
 * Indices (into rv->t) of the trials the search observed, in the order it
 * observed them (with parallel slots, not the order of their ids); *n set.
 * The caller frees.
 */
size_t *runview_observed(const struct runview *rv, size_t *n);

/* What one host measured (trials store the host they ran on). */
struct hostview {
	const char *host;
	size_t trials;			/* done and scored */
	double base_mean;		/* mean log score of its baseline trials; NaN: none */
	size_t base_n;
	const struct tview *best;	/* its best-scored trial */
};
/*
 * Per host, in the order of their first trial; *sigma: the noise within a
 * host (pooled sd of log scores of configurations measured more than once
 * on one host; NaN when none was). The caller frees.
 */
struct hostview *runview_hosts(const struct runview *rv, size_t *n, double *sigma);
/*
 * Appends one line per pair of hosts whose baselines differ by more than
 * the noise (beyond 2 standard errors; 5% when the noise is unknown).
 * Returns how many.
 */
int runview_host_warnings(const struct hostview *h, size_t n, double sigma, struct strbuf *out);

/*
 * Appends what the scores are against when the defaults' level moved
 * during the search, or trials were measured while it did (one line, no
 * newline; where: where those trials are marked). Returns 0 when neither.
 */
int runview_drift_format(const struct runview *rv, const char *where, struct strbuf *out);

/*
 * The noise floor (results/floor.h): the baseline's measurements by the
 * search (the noise floor's and racing's; not the confirmation's).
 */
int runview_noise(const struct runview *rv, struct store *st, struct noise *nz, char *err);

/*
 * The confirmation that ended the run (results/compare.h): its fresh
 * measurements of the incumbent (b) and the baseline (a), and the verdict,
 * which comes from them alone.
 */
enum confirm_outcome {
	CONFIRMED_NOT_ASKED,	/* the run had none (confirm: off, or an older vmtune) */
	CONFIRMED_NOTHING,	/* the search's best was the defaults: nothing to confirm */
	CONFIRMED_PENDING,	/* not finished (interrupted: resume finishes it) */
	CONFIRMED_JUDGED,	/* state holds the verdict */
};
struct confirm_metric {
	char *metric;
	enum better better;
	struct comparison c;	/* of the metric's values, b over a */
	int judged;		/* in the family: has a direction, not a vm.* figure of the boot */
	int differs;		/* Benjamini-Hochberg over the family: beyond the noise */
};
/*
 * The metrics of one comparison (b over a), judged as one family:
 * Benjamini-Hochberg at a 5% false discovery rate on Welch's p; a metric
 * that differs has its interval at the level that keeps the false coverage
 * rate there (1 - R q / m), one that does not its interval at `level`.
 */
struct metric_family {
	struct confirm_metric *m;
	size_t n;
	size_t judged, differ;		/* metrics judged, and found to differ */
	double fdr;			/* the false discovery rate they are judged at */
};
/* The family of the metrics of trials a against trials b; -1 with err. */
int runview_family(const struct runview *rv, struct store *st, const int64_t *a, size_t na,
		   const int64_t *b, size_t nb, double level, struct metric_family *f, char *err);
/*
 * The same of a table already read (side 0 a, 1 b), which gives f its
 * metric names; with nz (one for each of mt's metrics), on each metric's
 * noise known better than from a and b alone (compare_pooled()).
 */
struct metric_noise { double sd, df; };
void runview_family_of(const struct runview *rv, struct store *st, struct metric_table *mt,
		       double level, const struct metric_noise *nz, struct metric_family *f);
void metric_family_release(struct metric_family *f);
/* The metrics judged, as a JSON array ({metric, ratio, lo, hi, p, change}). */
struct json_t *metric_family_json(const struct metric_family *f);

struct confirmation {
	enum confirm_outcome outcome;
	enum confirm_state state;
	const struct tview *best;	/* a confirmation trial of the incumbent */
	double *a, *b;			/* scores, per trial */
	size_t na, nb, failed;
	struct comparison c;		/* of the scores */
	struct metric_family f;		/* of its trials' metrics */
};
int runview_confirmation(const struct runview *rv, struct store *st, struct confirmation *cf,
			 char *err);
/* A metric of a family: 1 better, -1 worse, 0 no difference beyond the noise (or no direction). */
int confirm_metric_change(const struct confirm_metric *m);
/* One line: "confirmed: +X% [lo, hi] ..." or "not confirmed: ..." (no newline). */
void confirmation_format(const struct confirmation *cf, struct strbuf *out);
/* For best --format json and export: the noise floor and the confirmation as JSON objects. */
struct json_t *noise_json(const struct noise *nz);
struct json_t *confirmation_json(const struct confirmation *cf);
/* One word for scripts: confirmed, not confirmed, worse, failed, pending, nothing, off. */
const char *confirmation_word(const struct confirmation *cf);
void confirmation_release(struct confirmation *cf);

/*
 * Whether the knobs of a configuration were applied as asked: over every
 * done trial of that configuration, the values its target read back
 * (domain XML, agent, host files) against what was asked.
 */
struct verified {
	size_t trials;		/* done trials of the configuration */
	size_t read;		/* trials that read back at least one knob */
	size_t knobs;		/* distinct knobs read back */
	size_t as_asked;	/* readings equal to what was asked */
	size_t differ;		/* readings that differ (such a trial failed) */
	size_t uncompared;	/* readings with nothing to compare (older runs) */
	char first_differ[160];	/* "knob: asked A, got B" */
};
int runview_verified(const struct runview *rv, struct store *st, const char *config,
		     struct verified *v, char *err);
/* "knobs verified: ..." or "knobs not verified: ..." (no newline). */
void verified_format(const struct verified *v, struct strbuf *out);
struct json_t *verified_json(const struct verified *v);

#endif
