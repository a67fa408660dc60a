#ifndef RACING_H
#define RACING_H
/*
 * Racing (intensification, as SMAC and irace do it): on noisy scores, which
 * configuration to measure next, and which measured one is the incumbent.
 *
 * Scores are higher-is-better ratios; racing works on their logarithms,
 * where multiplicative noise is additive. The noise (sigma) is the pooled
 * standard deviation of every configuration measured more than once.
 *
 *  - The first configuration with a score is the incumbent; it is measured
 *    once more straight away, so that the noise is known.
 *  - A challenger (any other configuration) is measured again only while it
 *    is competitive: its mean is not below the incumbent's by more than
 *    RACING_Z standard errors. It becomes the incumbent when it has at
 *    least as many measurements as the incumbent and a mean higher by
 *    RACING_PROMOTE standard errors (a lead noise would rarely give: among
 *    many near-equal configurations, a mere higher mean crowned the
 *    luckiest, and a longer search reported worse ones), or sooner when
 *    its lead is beyond doubt: the repeats measured no noise at
 *    all, or it leads by RACING_WIN_Z standard errors with the noise at its
 *    95% upper bound (a lead far beyond the noise would only be confirmed
 *    by repeats: without this, every new best on a landscape of large
 *    differences cost as many trials as the incumbent had measurements).
 *  - After a race the incumbent gets one more measurement (up to max) when
 *    the two were within RACING_Z standard errors of each other, so the
 *    configuration that will be reported is the best-measured one. With no
 *    noise nothing is close and nothing is measured twice but the first.
 *  - A configuration that failed once is out of the race.
 *
 * Racing re-measures at any noise. Measured against measuring each
 * configuration once (scripts/search-sim, the five tables of
 * ../shared/datasets, 80 seeds, 20/50/100 trials): at a noise of 0.05 its
 * repeats took 18-33% of 100 trials and its median rank was worse in 8 of
 * 15 cells, better in 4; at 0.2 it was better after 100 trials on four
 * tables of five, where without repeats the rank grew with the budget on
 * two. Switching it off below a noise of 0.1 (2 degrees of freedom from the
 * noise floor decide) was tried and left: over six draws of the noise at
 * 20 seeds it was worse than the better Optuna sampler in 8 cells on
 * average (racing: 6.8), and on PostgreSQL, whose best 300 rows lie within
 * 0.8%, the luckiest of more configurations made a larger budget report a
 * worse one in every draw (racing: in three of six). A promotion at a lead
 * of 0.5 standard errors was tried too and left: in build/search-sim it
 * looked better (ranks 0.95 times over the 30 cells of 80 seeds), through
 * the exec target it was not (scripts/eval-search.sh, sigma 0.05, budgets
 * 50 and 100, 80 seeds: the geometric mean over those 10 cells 1.07
 * against 1.05; redis at 100 trials 2.96 [1.40, 5.79] against 2.34).
 *
 * The state depends only on the sequence of observe() calls, so replaying a
 * stored run through it gives the same decisions (resume, `vmtune best`).
 * The engine passes 1 under 30 trials (tuner/engine/job.h, job_race_max():
 * at budget 20 the repeats cost more ranks than they saved).
 * max_repeats 1 turns re-measuring off: racing then only keeps the best
 * mean, whatever the number of measurements behind it (the baseline has
 * the noise floor's).
 */
#include <stddef.h>
#include "../lib/space.h"

#ifndef RACING_MAX_REPEATS
#define RACING_MAX_REPEATS 5	/* measurements per configuration, repeats: auto */
#endif
#ifndef RACING_WIN_Z
#define RACING_WIN_Z 3.0	/* standard errors ahead: the incumbent without repeats */
#endif
#ifndef RACING_PROMOTE
#define RACING_PROMOTE 1.0	/* standard errors ahead over as many measurements: the incumbent */
#endif
#ifndef RACING_PRIOR_MIN
#define RACING_PRIOR_MIN 0.01	/* the least prior variance of racing_best(), in noise variances */
#endif
#ifndef RACING_Z
#define RACING_Z 0.25		/* standard errors below the incumbent: dropped */
#endif

struct racing;

struct racing *racing_new(const struct space *sp, int max_repeats);
void racing_free(struct racing *r);

/* 1 with *cfg filled when the next measurement should repeat a measured
 * configuration; 0 when a new one should be proposed. */
int racing_next(struct racing *r, union pval *cfg);
/* One measurement of cfg: ok 0 (or a NaN score) for a failure. */
void racing_observe(struct racing *r, const union pval *cfg, int ok, double score);
/*
 * moved: the measurement was taken while the level it is scored against
 * moved (results/reference.h: a disturbed period), so its score (at the
 * level nearest in time) may be off by the step; low is its score at the
 * lowest level it may have run at. Such measurements count, at their low,
 * only while their configuration has no other: a step never crowns one (at
 * the nearest level, a step of 20% crowned configurations 20% worse than
 * measured). When its mean at the nearest level would lead the
 * incumbent's, racing_next() asks for it again, at any max_repeats; one
 * taken while the level held then replaces them.
 */
void racing_observe_moved(struct racing *r, const union pval *cfg, int ok, double score,
			  int moved, double low);

struct racing_entry {
	const union pval *cfg;
	size_t n;		/* measurements with a score */
	size_t failed;
	double mean;		/* of log scores */
	int moved;		/* n and mean are of measurements taken while the level moved, at their low */
};

/* The incumbent; 0 when nothing has a score yet. */
int racing_incumbent(const struct racing *r, struct racing_entry *e);
/*
 * What a search reports as its best (0 when nothing has a score yet): of the
 * configurations measured while the level held, the one whose mean log
 * score is highest once shrunk towards the mean of all (empirical Bayes: a
 * normal prior, its variance the spread of the means less the noise's share
 * of it, at least RACING_PRIOR_MIN of the noise's). A configuration measured
 * once leads only by as much as its lead survives the noise; one measured
 * often keeps its mean. Without noise (or before a repeat tells it) it is
 * the incumbent, and so it is where racing measures nothing twice (max 1:
 * only the defaults have repeats, and the shrinking would favour them for
 * their count alone; with drift's measurements of the defaults it moved
 * X264's cell at 20 trials, sigma 0.05, from 1.58 [0.77, 2.52] times its
 * ranks without drift to 1.61 [1.08, 2.84]). The incumbent is racing's
 * own: whom a challenger must beat, measured again while close. It
 * reported worse under noise: among
 * many near-equal configurations, the survivor of pairwise races (each
 * crowning at a lead of RACING_PROMOTE standard errors) is not the best
 * estimate of them all (build/search-sim, sigma 0.05, 80 seeds: the
 * median rank on 7z 828 and 207.5 at 50 and 100 trials against 652.5 and
 * 190.5, X264 14.5 against 7.5, redis 286 against 212.5; PostgreSQL, whose
 * best 300 rows lie within 0.8%, 273 against 331).
 */
int racing_best(const struct racing *r, struct racing_entry *e);
/* The noise estimate (sd of log scores); NaN until a configuration has two. */
double racing_sigma(const struct racing *r);
/* Every measured configuration, in the order first measured. */
size_t racing_count(const struct racing *r);
void racing_get(const struct racing *r, size_t i, struct racing_entry *e);
/* cfg's entry: 1 with *e filled when it was measured (or failed), else 0. */
int racing_find(const struct racing *r, const union pval *cfg, struct racing_entry *e);

#endif
