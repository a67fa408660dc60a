#ifndef COMPARE_H
#define COMPARE_H
/*
 * Two samples of one positive quantity, a (the reference) and b: how much b
 * differs, and whether the noise lets anyone tell. Worked on logarithms,
 * where multiplicative noise is additive: the ratio is of geometric means,
 * its confidence interval Welch's t on the logs; Mann-Whitney's p is given
 * beside it (no assumption about the noise's shape).
 *
 * The confirmation that ends a search (DESIGN.md) is a two-stage sequential
 * test on such a comparison: `repeats` fresh measurements of each side, and
 * when they cannot tell yet but point to an improvement, more up to `max`.
 * Each look is made at Pocock's level for two looks (0.0294, for 0.05
 * overall), so an A/A pair is confirmed in at most 2.5% of runs (the
 * improving side of a 95% interval) whichever stage ends it.
 */
#include <stddef.h>

struct comparison {
	size_t na, nb;
	double ratio;		/* geometric mean of b over that of a */
	double lo, hi;		/* its confidence interval */
	double level;		/* of that interval */
	double p;		/* Mann-Whitney, two-sided */
	double p_t;		/* Welch's t on the logs, two-sided: the interval's own test */
	double noise;		/* pooled sd of the logs: about the coefficient of variation */
	double detectable;	/* the smallest change (as ratio - 1) found 80% of the time */
};

/*
 * Fills c; -1 when a side has fewer than two values or a value is not
 * positive (c->ratio may still be set when both sides have one).
 */
int compare_samples(const double *a, size_t na, const double *b, size_t nb, double level,
		    struct comparison *c);

/*
 * The same comparison when the noise is known better than from a and b
 * alone: sd the pooled sd of the logs over many groups, with df degrees of
 * freedom (results/ablation.h pools every configuration an ablation
 * measured). ways: how many comparisons a was chosen among; the interval
 * and p are Bonferroni's over them, so that the one picked is still covered.
 */
int compare_pooled(const double *a, size_t na, const double *b, size_t nb, double sd, double df,
		   double level, size_t ways, struct comparison *c);

#define CONFIRM_ALPHA_ONE 0.05		/* one look */
#define CONFIRM_ALPHA_TWO 0.0294	/* each of two looks (Pocock) */

enum confirm_state {
	CONFIRM_MORE,		/* measure on: each side up to *want */
	CONFIRM_YES,		/* b is better: the interval lies above 1 */
	CONFIRM_NO,		/* no difference beyond the noise */
	CONFIRM_WORSE,		/* b is worse: the interval lies below 1 */
	CONFIRM_FAILED,		/* the measurements could not be compared */
};

/*
 * Judges the confirmation's scores (higher is better) so far; *want: how
 * many measurements each side needs before the next look. c is filled at
 * every look. More than max failed measurements end it: CONFIRM_FAILED.
 */
enum confirm_state confirm_judge(const double *a, size_t na, const double *b, size_t nb,
				 size_t failed, int repeats, int max, size_t *want,
				 struct comparison *c);

#endif
