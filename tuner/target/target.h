#ifndef TARGET_H
#define TARGET_H
/*
 * Room tuner/target: where a trial runs. It owns the target contract (this
 * header) and the targets (target-exec.c, target-libvirt.c with
 * knobspace.c), and what they need on a host: the domain XML (domxml.c),
 * host knobs and the journal that undoes them (hostknobs.c), a trial's
 * network namespace (netns.c), pinning layouts (topology.c), paths.c. It
 * includes lib/, search/ and results/ only: never the engine, a view or the
 * CLI, which drive it through these ops (DESIGN.md; scripts/check-layout.sh).
 *
 * The contract every target implements (fio ioengine_ops style): a name, the
 * settings it accepts in the job's `target:` mapping, a pure check of those
 * settings, and open/run/close.
 *
 * run() measures one repeat of one trial. Results go to the sink as they
 * arrive (the caller stores and commits each one); the outcome and, for a
 * failure, a one-line reason and the last lines of the target's stderr go
 * to *res. run() returns -1 only when the sink failed (the store is
 * broken): the caller then stops the search. A failing trial is not an
 * error of run(): it returns 0 with res->outcome saying so.
 *
 * Targets never print. Registered in targets[] in target.c.
 */
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include "../../lib/space.h"
#include "../../lib/strbuf.h"
#include "../../lib/metric.h"
#include "../../results/score.h"

struct target_setting {
	char *key;
	char **vals;		/* a scalar is one value with is_list == 0 */
	size_t nvals;
	int is_list;
	int line, col;		/* where the key stands in the job file */
};

struct trial_request {
	int64_t trial_id;
	int repeat;			/* 1-based */
	const struct space *space;
	const union pval *config;
	const char *config_json;
	double timeout;			/* seconds; 0 means none */
	volatile sig_atomic_t *stop;	/* becomes non-zero: abandon the trial */
};

enum undo_kind { UNDO_IMAGE, UNDO_DOMAIN, UNDO_VOLUME, UNDO_PEER };

/* Distinct metric names one trial may produce; past it, the trial fails (README, Limits). */
#define TRIAL_MAX_METRICS 1000

struct trial_sink {
	void *ud;
	int (*metric)(void *ud, const struct metric *m);
	/*
	 * A knob's value as the target read it back (actual). asked NULL: the
	 * sink compares actual with the trial's configuration itself (a guest's
	 * or a command's read-back); else the target compared them (same).
	 */
	int (*applied)(void *ud, const char *knob, const char *asked, const char *actual, int same);
	void (*ignored)(void *ud, const char *line);
	/*
	 * Changes a host knob (host.thp, host.ksm, host.swappiness) or, for
	 * "host.hugepages-2M"/"-1G", reserves that many pages, journaled so it
	 * is undone when the search ends; value NULL gives back what earlier
	 * trials of the run reserved. -1 with err: the trial cannot run.
	 */
	int (*host)(void *ud, const char *knob, const char *value, char *err);
	/*
	 * Journals what must not outlive a crash: UNDO_IMAGE (what: a data
	 * disk's path), UNDO_DOMAIN (what: its name, host: the libvirt URI) or
	 * UNDO_VOLUME (a remote data disk: its name in pool vmtune, host: the
	 * URI) or UNDO_PEER (what: the pid of a network peer here), before it is
	 * made (done 0; a peer: once it runs), and again once it is gone (done 1).
	 */
	int (*undo)(void *ud, enum undo_kind kind, const char *what, const char *host, int done,
		    char *err);
};

/* A libvirt URI naming a server (qemu+tcp://host/system), not this machine's daemon. */
int uri_is_remote(const char *uri);

/*
 * OUTCOME_HOST_LOST: the host stopped answering (its connection is gone);
 * the trial says nothing about the configuration and runs again elsewhere.
 */
enum trial_outcome { OUTCOME_DONE, OUTCOME_FAILED, OUTCOME_TIMEOUT, OUTCOME_INTERRUPTED,
		     OUTCOME_HOST_LOST };

struct trial_result {
	enum trial_outcome outcome;
	struct strbuf reason;
	struct strbuf stderr_tail;
	unsigned nmetrics;
	unsigned nignored;
	struct strbuf domain_xml;	/* targets that build a VM: what they started */
	struct strbuf live_xml;		/* and what libvirt ran (virDomainGetXMLDesc) */
	struct strbuf console_path;	/* where the VM's serial console was kept */
	/*
	 * The target says the trials after this one would fail the same way
	 * (a guest agent that never answers, twice in a row): the search stops,
	 * its reason this trial's.
	 */
	int stop_search;
};

struct target;
struct workload;

/* Where in the job a parameter's fault lies (check_space()): for the job loader to name it. */
struct space_fault {
	size_t param;		/* index into the space */
	enum { AT_NAME, AT_VALUE, AT_MIN, AT_MAX, AT_METRIC, AT_WORKLOAD, AT_SETTING } at;
	/* AT_VALUE: index into its values; AT_METRIC: the objective's term; AT_SETTING: the setting */
	size_t value;
};

struct target_ops {
	const char *name;
	const char *help;
	const char *const *keys;	/* settings accepted besides kind and timeout */
	/*
	 * Knobs of the catalogue the job does not search are applied at their
	 * default (the libvirt target): a read-back of one is compared with
	 * that. Else (the exec target) such a read-back is stored, not judged.
	 */
	int knob_defaults;
	/* Whether the job may give a workload: (workload.h) for this target to run. */
	int takes_workload;
	/* Settings that name files: the job loader resolves them against the job's folder. */
	const char *const *path_keys;
	/* Validates settings; on error *bad is the index of the setting at fault. */
	int (*check)(const struct target_setting *s, size_t n, size_t *bad, char *err);
	/*
	 * The job's parameters against what this target can apply (the libvirt
	 * target: the knob catalogue; the exec target: the command's
	 * environment), and its objective against what the settings can
	 * measure (wl: the job's workload, NULL for none). May be NULL: any
	 * parameter and metric go.
	 */
	int (*check_space)(const struct space *sp, const struct objective *obj,
			   const struct target_setting *s, size_t n, const struct workload *wl,
			   struct space_fault *at, char *err);
	/*
	 * Adds to the job's space, as forbidden clauses (lib/space.h), what this
	 * target's knobs cannot do together (the libvirt target: QEMU's and
	 * libvirt's rules): no strategy proposes a trial that would fail so.
	 * May be NULL.
	 */
	void (*space_rules)(struct space *sp, const struct target_setting *s, size_t n);
	/*
	 * What running trials needs of this machine (folders that exist, room
	 * for the job's VMs, ...), apart from check(): reading a stored run
	 * needs none of it. sp: the job's parameters. May be NULL.
	 */
	int (*ready)(const struct target_setting *s, size_t n, const struct space *sp, size_t *bad,
		     char *err);
	/*
	 * workdir: where relative paths in the settings are resolved. host: the
	 * host (a libvirt URI) this instance runs trials on; NULL for the
	 * target's own default. wl: the job's workload, NULL for none (only a
	 * target that takes_workload gets one); it outlives the target. One
	 * instance per slot; instances run trials in parallel threads, each
	 * only ever from one thread at a time.
	 */
	int (*open)(struct target **t, const struct target_setting *s, size_t n,
		    const char *workdir, const char *host, const struct workload *wl, char *err);
	int (*run)(struct target *t, const struct trial_request *rq,
		   const struct trial_sink *sink, struct trial_result *res);
	/*
	 * Removes what a crashed search of this target left (vmtune restore):
	 * kind and what as its sink's undo() journaled them. 0 done (or gone
	 * already), 1 its host cannot be reached (try again later), -1 failed,
	 * TARGET_NOT_MINE for a kind it does not make. May be NULL.
	 */
	int (*undo)(enum undo_kind kind, const char *what, const char *host, char *err);
	/* How measurements are taken, stored with the run: "exec", "kvm", "tcg". */
	const char *(*accel)(struct target *t);
	void (*close)(struct target *t);
};

const struct target_ops *target_find(const char *name);
#define TARGET_NOT_MINE (-2)
/* The undo() of whichever target makes kind; TARGET_NOT_MINE when none does. */
int target_undo(enum undo_kind kind, const char *what, const char *host, char *err);
/*
 * Removes the temporary folders ($TMPDIR or /tmp, vmtune-exec.PID.*) of exec
 * targets whose process is gone (alive: run_owner_alive), as a crash left
 * them; -1 when one holds files vmtune did not put there (left alone).
 */
int exec_sweep(int (*alive)(int64_t pid, const char *host, void *ud), int *removed, char *err);
/* NULL-terminated list, for help texts. */
const struct target_ops *const *target_list(void);

void trial_result_init(struct trial_result *res);
void trial_result_release(struct trial_result *res);

#endif
