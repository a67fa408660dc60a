#ifndef TRIAL_H
#define TRIAL_H
/*
 * trial.c: one trial's state machine. A trial row is inserted (proposed),
 * queued (pending or confirm), started on a slot (running), and finished:
 * done, failed or timeout, observed by the strategy and racing (or held
 * until the noise floor is in), or interrupted and queued again as a retry.
 * Calls slot.c and state.c; called by the scheduler, the confirmation,
 * resume and the loop.
 */
#include "search-int.h"

int search_insert_trial(struct search *s, enum trial_origin origin, int64_t retry_of,
			const union pval *cfg, int64_t *id, char *err);
void search_push_pending(struct search *s, int64_t id, const union pval *cfg, int baseline);
/*
 * The baselines the search opens with (search_open_baselines(), then
 * search_drift_open()'s), from the from-th on: one on each host first when
 * there are several, then the rest wherever a slot is free.
 */
int search_queue_open(struct search *s, int64_t from, char *err);
void search_push_confirm(struct search *s, int64_t id, const union pval *cfg, int side);
int trial_start(struct search *s, struct slot *sl, int64_t id, const union pval *cfg,
		int baseline, int confirm, char *err);
int trial_finish(struct search *s, struct slot *sl, int *interrupted, char *err);
int search_score_done(struct search *s, int64_t id, int is_baseline, double *score,
		      struct strbuf *reason);
/*
 * A result taken in: the strategy and racing observe it; after a baseline
 * the results so far are scored again (search_rescore()).
 */
int search_account(struct search *s, int64_t id, const union pval *cfg, enum trial_status st,
		   double score, int baseline, int record, char *err);
void search_baseline_note(struct search *s, int64_t id, enum trial_status st, const char *why);
/* The noise floor: baseline results in; once all are, what was held is taken in. */
int search_floor_result(struct search *s, int64_t id, enum trial_status st);
int search_floor_in(struct search *s, int record, char *err);
/*
 * With drift on, after each baseline and after the search: the results so
 * far scored again as a view of the run scores them (each against its
 * host's level nearest in time, results/reference.h), the strategy told
 * the changes and racing replayed on them, so that the incumbent the
 * confirmation measures is the one `vmtune best` names.
 */
void search_rescore(struct search *s);
void search_hold(struct search *s, int64_t id, const union pval *cfg, enum trial_status st,
		 const char *host, int baseline);

#endif
