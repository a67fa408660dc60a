#ifndef STORE_H
#define STORE_H
/*
 * The SQLite store: one file per project, WAL mode, schema versioned with
 * PRAGMA user_version and upgraded by migrations on open. This is the only
 * module that knows SQL; every statement binds its parameters.
 *
 * Durability: every call that writes commits before it returns, so a
 * process killed at any moment loses at most the call in flight.
 *
 * Trial states only move forward (store_trial_transition() refuses any
 * other move):
 *
 *     proposed -> running -> done | failed | timeout | interrupted
 *     proposed -> failed            (could not even be started)
 *
 * interrupted: the search stopped (SIGINT, SIGTERM), the trial's host
 * stopped answering, or resume found it running with its process gone
 * (store_trials_interrupt()); it says nothing of its configuration and is
 * run again as a new trial (origin retry).
 *
 * Errors: functions return 0 or -1 with a message in err (err.h). Strings in
 * rows handed to callbacks live only during the callback.
 */
#include <stddef.h>
#include <stdint.h>
#include "../lib/metric.h"
#include "score.h"
#include "../lib/strbuf.h"

#define STORE_SCHEMA_VERSION 11
/* PRAGMA application_id of vmtune's databases ("vmtn"): vmtune writes to no other file. */
#define STORE_APPLICATION_ID 0x766d746e

struct store;

enum store_mode {
	STORE_CREATE,	/* read-write; the file is created if missing */
	STORE_READONLY,	/* the file must exist; nothing is ever written */
};
/*
 * store_open() returns 0, -1 (the path or the file is not a usable
 * database: a usage error) or STORE_EIO (the disk failed it: I/O error,
 * disk full; a runtime error).
 */
enum { STORE_EIO = -2 };

/*
 * TS_INTERRUPTED: the trial stopped for a reason of the search, not of its
 * configuration (SIGINT, kill -9 then resume, its host lost): it says
 * nothing of the configuration, and runs again.
 */
enum trial_status { TS_PROPOSED, TS_RUNNING, TS_DONE, TS_FAILED, TS_TIMEOUT, TS_INTERRUPTED };

/*
 * confirm: a fresh measurement of the incumbent or the baseline after the
 * search; ablate, ablate_base, ablate_check: a change tried at a step of an
 * ablation's path, the step's base measured beside it, and the fresh A B
 * that keeps its minimal set. The strategy and racing observe none of
 * these (trial_origin_after()).
 */
enum trial_origin { ORIGIN_BASELINE, ORIGIN_STRATEGY, ORIGIN_RETRY, ORIGIN_REPEAT, ORIGIN_CONFIRM,
		    ORIGIN_ABLATE, ORIGIN_ABLATE_CHECK, ORIGIN_ABLATE_BASE };
/* Measured after the search, for a verdict of its own: never the strategy's. */
static inline int trial_origin_after(enum trial_origin o)
{
	return o >= ORIGIN_CONFIRM;
}

/* Whether the search took a trial in: completed, and not measured after it. */
static inline int trial_taken_in(enum trial_status s, enum trial_origin o)
{
	return s != TS_PROPOSED && s != TS_RUNNING && s != TS_INTERRUPTED && !trial_origin_after(o);
}

/*
 * The order the search took results in (trials.observed; unrecorded, -1:
 * older sequential runs, first), then by id: for qsort comparators of the
 * live search's replay and of a view's.
 */
static inline int trial_taken_cmp(int64_t obs_a, int64_t id_a, int64_t obs_b, int64_t id_b)
{
	if ((obs_a < 0) != (obs_b < 0))
		return obs_a < 0 ? -1 : 1;
	if (obs_a != obs_b)
		return obs_a < obs_b ? -1 : 1;
	return (id_a > id_b) - (id_a < id_b);
}

const char *trial_status_name(enum trial_status s);
int trial_status_parse(const char *s, enum trial_status *out);
const char *trial_origin_name(enum trial_origin o);

struct run_info {
	int64_t id;
	const char *name;
	const char *job_path;	/* as given on the command line, for display */
	const char *job_dir;	/* absolute: the exec target's working directory */
	const char *job_text;	/* the whole job file: resume needs nothing else */
	const char *strategy;
	uint64_t seed;
	int64_t budget_trials;	/* 0: none */
	double budget_seconds;	/* 0: none */
	const char *status;	/* running, finished, interrupted, failed */
	const char *accel;	/* how the measurements were taken: exec, kvm, tcg */
	const char *host;
	double created_at, updated_at, elapsed;
	int64_t owner_pid;	/* the process driving the run, 0 when none */
	const char *owner_host;	/* where that process runs */
	int confirm_repeats;	/* confirmation: measurements of each side; 0: none */
	int confirm_max;	/* of each side when the first look cannot tell */
	double max_cov;		/* the objective's, as the run applies it; 0: none */
	int64_t noise_floor;	/* baseline results before any is taken in (older runs: 1) */
	int instances;		/* VMs each trial ran side by side (1: one; older runs: 1) */
	int64_t capacity_of;	/* vmtune capacity: the series' first run (0: not a step of one) */
	/* counts (n_completed: of the search's budget, the confirmation and drift's
	 * measurements of the defaults left out), filled by store_run_get() and store_runs_foreach() */
	int64_t n_done, n_failed, n_completed, n_trials;
};

struct trial_row {
	int64_t id, run_id, seq, retry_of;
	enum trial_origin origin;
	const char *config;
	enum trial_status status;
	const char *reason;	/* NULL unless failed or timeout */
	const char *stderr_tail;
	const char *host;
	double proposed_at, started_at, ended_at;	/* 0 when not reached */
	int64_t proposed_after;	/* results the search had taken in when proposing it; -1: unknown */
	int64_t observed;	/* 1-based order in which the search took its result in; -1: not */
};

int store_open(struct store **out, const char *path, enum store_mode mode, char *err);
void store_close(struct store *st);
const char *store_path(const struct store *st);

int store_run_create(struct store *st, const struct run_info *ri, int64_t *id, char *err);
/* The strings in *ri stay valid until the next store_run_get() or store_close(). */
int store_run_get(struct store *st, int64_t id, struct run_info *ri, char *err);
int store_run_set_status(struct store *st, int64_t id, const char *status, char *err);
/*
 * Makes pid on host the run's owner, in one transaction with the check:
 * when another owner is recorded and alive(owner pid, owner host, ud) says
 * it still runs, fails with *busy_pid set. pid 0 releases the run.
 */
int store_run_claim(struct store *st, int64_t id, int64_t pid, const char *host,
		    int (*alive)(int64_t pid, const char *host, void *ud), void *ud,
		    int64_t *busy_pid, char *err);
int store_run_add_elapsed(struct store *st, int64_t id, double seconds, char *err);
int store_runs_foreach(struct store *st, int (*fn)(const struct run_info *, void *), void *ud,
		       char *err);

/* proposed_after: results taken in so far (-1: not recorded). */
int store_trial_insert(struct store *st, int64_t run, int64_t seq, enum trial_origin origin,
		       int64_t retry_of, const char *config, int64_t proposed_after, int64_t *id,
		       char *err);
/*
 * What is written between store_begin() and store_end(st, 1) is stored
 * all or nothing; store_end(st, 0) drops it.
 */
/*
 * A run's ablation (vmtune ablate): the configuration its path goes to (JSON),
 * where that came from ("best", "trial N"), its repeats per step and its
 * check's. One per run; get returns 1 with it, 0 when the run has none.
 */
struct ablation_row {
	int64_t run;
	const char *config, *source;
	int repeats, check_repeats, check_max;
};
int store_ablation_set(struct store *st, const struct ablation_row *a, char *err);
int store_ablation_get(struct store *st, int64_t run, struct ablation_row *a, char *err);
void store_ablation_release(struct ablation_row *a);
/*
 * vmtune apply --domain: a libvirt domain's definition (uri, name) as it was
 * before a change, kept until --undo puts it back (the newest first).
 * top returns 1 with the newest, 0 when none is kept.
 */
int store_undo_push(struct store *st, const char *uri, const char *name, const char *xml,
		    int64_t run, int64_t *id, char *err);
int store_undo_top(struct store *st, const char *uri, const char *name, int64_t *id,
		   struct strbuf *xml, char *err);
int store_undo_drop(struct store *st, int64_t id, char *err);
int store_begin(struct store *st, char *err);
int store_end(struct store *st, int commit, char *err);
/*
 * A run's warm start: a measurement of an earlier run (source: "DB:RUN")
 * the strategy was seeded with, its configuration's JSON and its score.
 */
int store_warm_add(struct store *st, int64_t run, const char *source, const char *config,
		   double score, char *err);
/* In the order stored; fn's non-zero return stops and is returned. */
int store_warm_foreach(struct store *st, int64_t run,
		       int (*fn)(const char *source, const char *config, double score, void *ud),
		       void *ud, char *err);
/* The search took the trial's result in as its order-th (1-based). */
int store_trial_observed(struct store *st, int64_t id, int64_t order, char *err);
/* proposed -> running, on the given host. */
int store_trial_start(struct store *st, int64_t id, const char *host, char *err);
int store_trial_transition(struct store *st, int64_t id, enum trial_status from,
			   enum trial_status to, const char *reason, const char *stderr_tail,
			   char *err);
/* What a VM target leaves with a trial: the domain XML it asked for, libvirt's
 * XML of the running domain (NULL: none) and its console log path. */
int store_trial_artifacts(struct store *st, int64_t id, const char *domain_xml,
			  const char *live_xml, const char *console_path, char *err);
/* running -> interrupted for every trial of the run (its process died); *count of them. */
int store_trials_interrupt(struct store *st, int64_t run, int *count, char *err);
int store_trials_foreach(struct store *st, int64_t run,
			 int (*fn)(const struct trial_row *, void *), void *ud, char *err);
int store_trial_get_retry(struct store *st, int64_t trial, int64_t *retry_id, char *err);
/* Where and when (started_at, wall clock; 0: not started) trial ran. */
int store_trial_place(struct store *st, int64_t trial, struct strbuf *host, double *started,
		      char *err);

int store_measurement(struct store *st, int64_t trial, int repeat, const struct metric *m,
		      char *err);
/*
 * A knob's value as the target read it back after applying it (value),
 * what the trial asked for (asked; NULL: not known) and whether the two
 * agree (ok 1 or 0; -1: not compared, rows of schema 7 and before).
 */
struct applied_row {
	int repeat;
	const char *knob, *asked, *value;
	int ok;
};
int store_applied(struct store *st, int64_t trial, int repeat, const struct applied_row *a,
		  char *err);
int store_applied_foreach(struct store *st, int64_t trial,
			  int (*fn)(const struct applied_row *, void *), void *ud, char *err);

struct measurement_row {
	int repeat, rep;
	int instance;		/* 1..N: one of the trial's VMs; 0: the trial's own figure */
	const char *metric, *unit;	/* unit may be NULL */
	enum better better;
	double value, at;
};
int store_measurements_foreach(struct store *st, int64_t trial,
			       int (*fn)(const struct measurement_row *, void *), void *ud,
			       char *err);

/*
 * All samples of a trial, its own figures (instance 0: one VM's, or the
 * aggregate over several); free with store_samples_free().
 */
int store_trial_samples(struct store *st, int64_t trial, struct sample **out, size_t *n,
			char *err);
/* The samples of one of a trial's instances (1..N) alone. */
int store_instance_samples(struct store *st, int64_t trial, int instance, struct sample **out,
			   size_t *n, char *err);
void store_samples_free(struct sample *s, size_t n);
/* Distinct metric names measured in a run, sorted; free each and the array. */
int store_metric_names(struct store *st, int64_t run, char ***names, size_t *n, char *err);

/*
 * Named baselines (vmtune check): a run's configuration and the measurements
 * of its done trials there (all of them, or trial_id's alone when set).
 */
struct baseline {
	char *name, *config;
	int64_t run_id, trial_id;	/* trial_id 0: every done trial of config */
	double created_at;
};
/* -1 with "exists" in err when the name is taken and replace is 0. */
int store_baseline_save(struct store *st, const struct baseline *b, int replace, char *err);
int store_baseline_get(struct store *st, const char *name, struct baseline *b, char *err);
int store_baseline_list(struct store *st, struct baseline **out, size_t *n, char *err);
void store_baseline_release(struct baseline *b);
/* The direction a run's measurements of metric give (BETTER_UNKNOWN when none). */
int store_metric_better(struct store *st, int64_t run, const char *metric, enum better *b,
			char *err);

/*
 * The undo journal: what a search changed or made that must not outlive a
 * crash. A row is typed: JOURNAL_FILE, a host knob's file (path) and its
 * original value, kept until restored (recording a path that is pending is
 * a no-op, so the first original stays); JOURNAL_IMAGE, a data disk vmtune
 * made (path); JOURNAL_DOMAIN and JOURNAL_VOLUME, a domain or a volume
 * (path: its name) on libvirt host `host`; JOURNAL_PEER, the process of a
 * network benchmark's peer on this machine (path: its pid).
 */
enum journal_kind { JOURNAL_FILE, JOURNAL_IMAGE, JOURNAL_DOMAIN, JOURNAL_VOLUME, JOURNAL_PEER };
struct journal_entry {
	int64_t id, run_id;
	enum journal_kind kind;
	const char *knob;	/* JOURNAL_FILE: the knob; else "" */
	const char *path, *original;
	const char *host;	/* JOURNAL_DOMAIN, JOURNAL_VOLUME: the libvirt URI */
};
const char *journal_kind_name(enum journal_kind k);
/* Ignores e->id and e->run_id. */
int store_journal_record(struct store *st, int64_t run, const struct journal_entry *e, char *err);
int store_journal_foreach_pending(struct store *st,
				  int (*fn)(const struct journal_entry *, void *), void *ud,
				  char *err);
int store_journal_mark_restored(struct store *st, int64_t id, char *err);
/* Marks the pending entry of kind and path restored (an undo its maker did itself). */
int store_journal_mark_path(struct store *st, enum journal_kind kind, const char *path, char *err);

#endif
