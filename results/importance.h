#ifndef IMPORTANCE_H
#define IMPORTANCE_H
/*
 * Knob importance: how much of the variance of the score over a run's
 * measured configurations each knob explains on its own (its main effect,
 * the first-order term of a functional ANOVA), with a bootstrap confidence
 * interval.
 *
 * A knob's configurations are grouped by its value (a level each for up to
 * IMPORTANCE_MAX_LEVELS levels; else, for a categorical, its most measured
 * values and the rest together, for a number IMPORTANCE_BINS bins between
 * the sample's quantiles; inactive, for a conditional knob, a group of its
 * own). The knobs' main effects are fitted together (an additive model,
 * by backfitting), so that one knob's large effect is not counted as noise
 * in another's groups, and a knob's share is the variance of its effect
 * less what its k groups would fit of pure noise ((k - 1) residual mean
 * squares), over the score's total variance, clamped to [0, 1]. The
 * interval: percentiles of the share over resamples of the configurations
 * (with replacement, seeded: the same data give the same interval),
 * widened to hold the estimate.
 *
 * Shares are of the configurations the search measured, which a strategy
 * chooses unevenly: on a uniform sample (strategy random) they estimate the
 * knobs' variance shares over the space; a knob the search fixed early
 * shows little variance to explain. Knobs that act only together share the
 * interaction, which no main effect holds: the shares may sum below 1.
 * Computes; never prints.
 */
#include <stddef.h>
#include <stdint.h>
#include "../lib/space.h"

#define IMPORTANCE_MIN 10	/* configurations needed, fewer: no estimate */
#define IMPORTANCE_MAX_LEVELS 16
#define IMPORTANCE_BINS 4
#define IMPORTANCE_GROUPS (IMPORTANCE_MAX_LEVELS + 1)	/* levels or bins, and inactive */
#define IMPORTANCE_ITERATIONS 50

struct importance {
	size_t param;		/* index in the space */
	double share;		/* of the variance, 0..1 */
	double lo, hi;		/* its confidence interval */
};

/*
 * cfg[i], y[i]: n measured configurations and their scores (mean log
 * score). Fills out[0..sp->n) sorted by share, largest first. Returns 0, or
 * -1 with fewer than IMPORTANCE_MIN configurations or no variance at all.
 */
int importance_of(const struct space *sp, const union pval *const *cfg, const double *y,
		  size_t n, double level, unsigned resamples, uint64_t seed,
		  struct importance *out);

#endif
