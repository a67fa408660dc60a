#ifndef ABLATION_H
#define ABLATION_H
/*
 * Ablation (Fawcett & Hoos 2016): which of a configuration's changes from
 * the defaults carry its gain. The path starts at the defaults; at each
 * step every remaining change is tried alone on top of the path so far,
 * measured `repeats` times beside the path so far measured afresh (the
 * step's base: the best of several was picked for a gain that is partly
 * luck, and measured against its own earlier figures the next step would
 * inherit that luck as a loss), and the one that scores best is kept. Each
 * step's gain has an interval against its base and against the
 * defaults (compare_pooled(): the noise pooled over every configuration
 * the path measured, Bonferroni over the changes the step picked among);
 * a step whose gain is beyond the noise,
 * Benjamini-Hochberg over the path's steps at a 5% false discovery rate,
 * "carries", the others are passengers.
 *
 * The minimal set is the shortest prefix of the path that the path's own
 * measurements (each prefix's as the next step's base) do not find worse
 * than the whole configuration; a fresh
 * A B of the two (confirm_judge(), as the confirmation) then keeps it, or
 * finds it worse and tries the next prefix.
 *
 * Everything is derived from the measurements alone (ablation_derive()), in
 * the order the path takes: what a stored run holds says where the
 * ablation is and what it must measure next, so a killed one goes on where
 * it stopped and a view shows the same path the engine took.
 *
 * A change that does not take effect on the path (its `when:` does not
 * hold there) is skipped at that step and said, as is one that makes a
 * combination the space forbids there (never measured); one whose
 * measurement fails on the path is left out of that step and tried at the
 * next.
 */
#include <stddef.h>
#include <stdint.h>
#include "compare.h"
#include "store.h"
#include "../lib/space.h"
#include "../lib/err.h"

enum abl_obs_state { ABL_OBS_DONE, ABL_OBS_FAILED, ABL_OBS_WAITING };

/*
 * What a measurement is for: a change tried at a step (path), the step's
 * base measured afresh beside its changes (base: the path so far, the
 * defaults at the first step), or the fresh A B of the minimal set (check).
 */
enum abl_kind { ABL_PATH, ABL_CHECK, ABL_BASE };

/* What a stored trial of an ablation measured, by its origin (ORIGIN_ABLATE and after). */
static inline enum abl_kind ablation_kind(enum trial_origin o)
{
	return o == ORIGIN_ABLATE_CHECK ? ABL_CHECK : o == ORIGIN_ABLATE_BASE ? ABL_BASE : ABL_PATH;
}

/* One measurement, as stored (a trial of origin ablate or ablate-check). */
struct abl_obs {
	const union pval *cfg;		/* canonical (config_canonical()) */
	enum abl_kind kind;
	enum abl_obs_state state;
	double score;			/* ABL_OBS_DONE: higher is better */
	int64_t trial;
};

struct abl_step {
	size_t param;			/* the change it took: a parameter's index */
	union pval *cfg;		/* the path after it */
	double *scores;			/* the change's, at this step */
	int64_t *trials;		/* theirs */
	size_t n;
	double *base;			/* the step before, measured afresh at this step */
	int64_t *base_trials;
	size_t nbase;
	struct comparison gain;		/* over the step before (b over a) */
	struct comparison total;	/* over the defaults */
	int carries;			/* its gain is beyond the noise */
	size_t ways;			/* changes measured at this step: it was picked among them */
	size_t *skipped, nskipped;	/* changes whose when: did not hold on the path */
	size_t *failed, nfailed;	/* changes whose measurement failed on the path */
	size_t *forbidden, nforbidden;	/* changes that make a forbidden combination on it */
};

/* Measurements wanted next, in this order: n more of cfg. */
struct abl_want {
	union pval *cfg;
	enum abl_kind kind;
	size_t n;
};

enum abl_state {
	ABL_MEASURING,		/* want holds the next measurements */
	ABL_DONE,		/* the path and the minimal set are known */
	ABL_STUCK,		/* it cannot go on: why */
};

struct ablation {
	enum abl_state state;
	size_t *changes, nchanges;	/* the parameters that differ from the defaults */
	double *def_scores;
	size_t ndef;
	struct abl_step *steps;		/* the path so far */
	size_t nsteps;
	size_t minimal;			/* ABL_DONE: the minimal set is the first `minimal` steps */
	int checking;			/* the fresh A B is on (or was: check holds its last look) */
	size_t check_prefix;		/* the prefix it judges */
	enum confirm_state check_state;
	struct comparison check;	/* the prefix (b) over the whole configuration (a) */
	size_t rejected;		/* prefixes the A B found worse */
	struct abl_want *want;
	size_t nwant;
	size_t trials;			/* measurements ended (done or failed) */
	double ss;			/* the path's noise: squared deviations of log scores */
	size_t df;			/* about each configuration's mean, and their degrees */
	char why[ERR_LEN];		/* ABL_STUCK */
};

#define ABLATION_FDR 0.05	/* the steps' false discovery rate: which ones carry */

struct abl_opts {
	int repeats;			/* of each change at each step, and of the defaults */
	int check_repeats, check_max;	/* the fresh A B, as confirm_judge() */
	double fdr;			/* the steps' false discovery rate (0.05) */
};

/*
 * The ablation from def to target (both canonical) as far as obs take it;
 * -1 when target equals def (nothing to ablate: said in a->why).
 */
int ablation_derive(const struct space *sp, const union pval *def, const union pval *target,
		    const struct abl_opts *o, const struct abl_obs *obs, size_t nobs,
		    struct ablation *a);
void ablation_release(struct ablation *a);

#endif
