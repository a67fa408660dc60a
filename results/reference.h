#ifndef REFERENCE_H
#define REFERENCE_H
/*
 * What a trial's score is taken against, host by host and over time
 * (issue 30): the defaults, measured by the noise floor and again during
 * the search. Each host's baseline measurements, in the order the search
 * took them in, fall into segments of one level:
 *
 *  - the host's own noise-floor measurements are its first segment (so
 *    hosts that differ by 20% each have their own reference, and that
 *    difference is never counted as noise);
 *  - a later baseline joins its host's current segment when its score
 *    against the segment's level lies within the threshold
 *    (reference_threshold(): Student's t at 5% on the baselines' own
 *    spread within their segments, widened for a level taken over few
 *    measurements, never below REF_MIN_STEP; with no spread measured yet,
 *    a floor of one measurement a host, it joins, and so gives the first);
 *    otherwise it opens a new, tentative one. The next baseline, judged
 *    with the two's difference taken into the spread (if the level moved,
 *    they measured one level), confirms the step when it lies near the new
 *    level and off the old; near the old level, the tentative one was an
 *    outlier, a disturbed moment, and counts for nothing (or, when it lay
 *    off at 20% only, noise: it rejoins the old level);
 *  - a segment's level is each objective metric's median over its first
 *    REF_LEVEL_N members (the floor's: over all of the floor's, and later
 *    members while they are fewer than REF_LEVEL_N).
 *
 * Two readings: reference_now() is what the search scores a result
 * against when it takes it in (the host's latest baseline's segment: what
 * was known then, so a resume that replays the results in their order
 * scores them alike); reference_near() is what a view of the run scores a
 * trial against, knowing every baseline: the segment of the one nearest
 * in time on its host, and whether the trial lies in a disturbed period
 * (the baselines either side of it in different segments, or one of them
 * an outlier or a step not yet confirmed). Without a level change the two
 * agree, and both equal the noise floor's reference.
 */
#include <stddef.h>
#include <stdint.h>
#include "score.h"
#include "store.h"

#define REF_LEVEL_N 3		/* members a later segment's level is taken over */
#define REF_MIN_STEP 0.05	/* the threshold is never below this in the log (5%) */

struct ref_base {
	int64_t id;
	double t;		/* started_at */
	int seg;		/* its segment; -1: an outlier */
};

struct ref_seg {
	char *host;
	int64_t *ids;		/* members, in the order added */
	size_t n, nlevel;	/* of them, the level's */
	double *level;		/* per objective term */
	int floor, tentative;
	int sure;		/* tentative and off the old level at 5%: if the next
				 * goes back, an outlier; else its members rejoin */
};

struct reference {
	struct objective o;
	struct ref_base *b;	/* every baseline added, in order */
	char **bhost;
	size_t nb;
	struct ref_seg *s;
	size_t ns;
	double ss;		/* squared log scores of members against their level */
	size_t dof;
	int jumped;		/* the last baseline added opened a tentative segment
				 * (off its level at 20%); 2: off at 5% too */
	double jump;		/* then: its score against the level it left */
};

void reference_init(struct reference *r, const struct objective *o);
void reference_release(struct reference *r);

/*
 * Adds done baseline trial id (in the order the search took it in);
 * floor: one of the noise floor's measurements.
 */
int reference_add(struct reference *r, struct store *st, int64_t id, int floor, char *err);

/*
 * The threshold, in the log, beyond which one measurement lies off a level
 * taken over n: t(dof, 5%) sd sqrt(1 + 1/n), at least REF_MIN_STEP;
 * INFINITY while no spread was measured (no step can be told from noise).
 */
double reference_threshold(const struct reference *r, size_t n);

enum ref_when { REF_NOW, REF_NEAR };
/*
 * Trial id's score (the median of its repeats'; per_repeat as
 * trial_score()) against its host's reference, read as `when` says.
 * *disturbed (may be NULL): measured in a disturbed period (REF_NEAR).
 * -1 when the host, and the run, have no reference.
 */
int reference_score(const struct reference *r, struct store *st, int64_t id, enum ref_when when,
		    double *score, double **per_repeat, size_t *nrep, int *disturbed, char *err);

/*
 * Trial id's score at the lowest of the levels it may have run at: the
 * nearest's, and in a disturbed period those of the baselines either side
 * (an unconfirmed step's included). A step cannot raise it; it equals
 * REF_NEAR's score outside a disturbed period.
 */
int reference_score_low(const struct reference *r, struct store *st, int64_t id, double *low,
			char *err);

/* Baseline id's segment (a level on one host); -1: an outlier, or not a baseline added. */
int reference_level_of(const struct reference *r, int64_t id);

/* The number of segments beyond each host's first: how often the level moved. */
size_t reference_steps(const struct reference *r);

#endif
