#ifndef SEARCH_INT_H
#define SEARCH_INT_H
/*
 * What the files of the search loop share and nothing else sees: trial.c
 * (set-up, the loop, and one trial's state machine: start, finish, score,
 * the noise floor), slot.c (a trial's thread and its sink), schedule.c,
 * resume.c and confirm.c. The public interface is trial.h.
 */
#include "trial.h"
#include "../target/target.h"
#include "../../lib/err.h"

struct hoststate {
	const char *uri;	/* NULL: the target's own default */
	const char *label;	/* what trials store as their host */
	int up;
	double retry_at, backoff;
};

struct slot {
	struct search *s;
	struct hoststate *h;
	struct target *tgt;	/* NULL while its host is down */
	pthread_t th;
	int busy, finished;	/* under s->lock */
	int64_t id;
	union pval *cfg;
	char *json;
	int baseline;
	int confirm;		/* a measurement of the confirmation */
	double t_start;
	int rc;			/* -1: a result could not be stored */
	char err[ERR_LEN];
	struct trial_result res;
};

/* The run's stored warm start seeds the strategy (trial.c). */
int search_warm_start(struct search *s, char *err);

/* A host went down or came back, a start was slow: to the notice callback. */
void search_notice(struct search *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* slot.c: a slot's thread (pthread_create's), every repeat of its trial. */
void *slot_work(void *arg);

/* trial.c: set-up */
int search_claim(struct search *s, int64_t pid, char *err);
int search_open_parts(struct search *s, char *err);
int search_open_host(struct search *s, struct hoststate *h, char *err);
void search_host_down(struct search *s, struct hoststate *h, const char *why);
double search_elapsed(const struct search *s);
/* A baseline of 1 for every objective term: scores as plain geometric means. */
double *search_unit_base(const struct objective *o);

/*
 * trial.c: one trial's state machine. A trial row is inserted (proposed),
 * queued (pending or confirm), started on a slot (running), and finished:
 * done, failed or timeout, observed by the strategy and racing (or held
 * until the noise floor is in), or interrupted and queued again as a retry.
 */
int search_insert_trial(struct search *s, enum trial_origin origin, int64_t retry_of,
			const union pval *cfg, int64_t *id, char *err);
void search_push_pending(struct search *s, int64_t id, const union pval *cfg, int baseline);
/* Baseline results that open the search: the run's (the job's, within the budget). */
int64_t search_noise_floor(const struct search *s);
void search_push_confirm(struct search *s, int64_t id, const union pval *cfg, int side);
int trial_start(struct search *s, struct slot *sl, int64_t id, const union pval *cfg,
		int baseline, int confirm, char *err);
int trial_finish(struct search *s, struct slot *sl, int *interrupted, char *err);
int search_score_done(struct search *s, int64_t id, int is_baseline, double *score,
		      struct strbuf *reason);
int search_account(struct search *s, int64_t id, const union pval *cfg, enum trial_status st,
		   double score, int record, char *err);
void search_baseline_note(struct search *s, int64_t id, enum trial_status st, const char *why);
/* The noise floor: baseline results in; once all are, what was held is taken in. */
int search_floor_result(struct search *s, int64_t id, enum trial_status st);
int search_floor_in(struct search *s, int record, char *err);
void search_hold(struct search *s, int64_t id, const union pval *cfg, enum trial_status st,
		 const char *host);

/* schedule.c */
int search_schedule(struct search *s, enum search_end *end, char *err);
/* Racing's next repeat, unless that configuration is in flight (busy). */
int search_racing_repeat(struct search *s, const struct busy *busy, union pval *cfg);

/* confirm.c */
int search_confirm(struct search *s, enum search_end *end, char *err);

#endif
