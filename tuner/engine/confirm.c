/*
 * The confirmation that ends a search: the incumbent and the defaults
 * measured afresh, A B A B, judged by results/compare.c's sequential test.
 */
#include "confirm.h"
#include "schedule.h"
#include "trial.h"
#include "../../results/floor.h"
#include "../../results/compare.h"
#include <stdlib.h>

/* ---- the confirmation (results/compare.h) ------------------------------ */

/* The run's confirmation trials as stored: done ones scored, waiting ones, failures. */
struct confirm_rows {
	struct search *s;
	const union pval *def;
	union pval *tmp, *best;	/* best: the incumbent being confirmed, once known */
	double *score[2];	/* [0] the baseline's, [1] the incumbent's */
	size_t n[2], failed;
	struct { int64_t id; int side; } *waiting;
	size_t nwaiting;
	char *err;
};

static int confirm_collect(const struct trial_row *t, void *ud)
{
	struct confirm_rows *c = ud;
	const struct space *sp = &c->s->o.job->space;
	char msg[ERR_LEN];
	double score;
	if (t->origin != ORIGIN_CONFIRM)
		return 0;
	if (config_from_json(sp, t->config, c->tmp, c->err))
		return -1;
	int side = !config_equal(sp, c->tmp, c->def);
	if (side && !c->best)
		c->best = config_dup(sp, c->tmp);
	if (t->status == TS_PROPOSED) {
		c->waiting = xrealloc(c->waiting, (c->nwaiting + 1) * sizeof(*c->waiting));
		c->waiting[c->nwaiting].id = t->id;
		c->waiting[c->nwaiting++].side = side;
	} else if (t->status == TS_DONE &&
		   !trial_score(c->s->o.st, &c->s->obj, c->s->base, t->id, &score, NULL, NULL, msg)) {
		c->score[side] = xrealloc(c->score[side], (c->n[side] + 1) * sizeof(double));
		c->score[side][c->n[side]++] = score;
	} else if (t->status != TS_INTERRUPTED) {
		c->failed++;
	}
	return 0;
}

static void confirm_rows_release(struct confirm_rows *c)
{
	free(c->score[0]);
	free(c->score[1]);
	free(c->waiting);
	c->score[0] = c->score[1] = NULL;
	c->waiting = NULL;
	c->n[0] = c->n[1] = c->failed = c->nwaiting = 0;
}

/*
 * Ends a search: the incumbent and the baseline measured afresh, alternated,
 * confirm_repeats times each, then up to confirm_max while the first look
 * cannot tell but leans to the incumbent. Everything it knows is in the
 * store, so a resumed run carries on where it stopped.
 */
int search_confirm(struct search *s, enum search_end *end, char *err)
{
	const struct space *sp = &s->o.job->space;
	union pval *def = config_defaults(sp);
	struct confirm_rows c = { .s = s, .def = def, .tmp = config_new(sp), .err = err };
	size_t seen = SIZE_MAX, want, prev_want = 0;
	struct comparison cmp;
	int ret = 0;

	*end = SEARCH_BUDGET;
	for (;;) {
		confirm_rows_release(&c);
		if (store_trials_foreach(s->o.st, s->run_id, confirm_collect, &c, err)) {
			ret = -1;
			break;
		}
		if (!c.best) {	/* nothing measured yet: the search's best */
			struct racing_entry e;
			if (!s->have_base || !racing_best(s->race, &e) ||
			    config_equal(sp, e.cfg, def)) {
				search_notice(s, "nothing to confirm: no configuration beat the defaults");
				s->confirmed = CONFIRM_NO;
				break;
			}
			c.best = config_dup(sp, e.cfg);
			search_notice(s, "confirming trial %lld's configuration: it and the defaults measured "
				      "afresh, alternated, %d times each (up to %d when that cannot tell)",
				      (long long)s->best_trial, s->o.confirm_repeats, s->o.confirm_max);
		}
		enum confirm_state st = confirm_judge(c.score[0], c.n[0], c.score[1], c.n[1], c.failed,
						      s->o.confirm_repeats, s->o.confirm_max, &want, &cmp);
		if (st == CONFIRM_FAILED && c.failed > (size_t)s->o.confirm_max)
			search_notice(s, "confirmation: %zu measurements failed; it stops", c.failed);
		if (st != CONFIRM_MORE) {
			s->confirmed = st;
			break;
		}
		size_t now = c.n[0] + c.n[1] + c.failed;
		if (now == seen) {
			seterr(err, "the confirmation's measurements could not run");
			ret = -1;
			break;
		}
		if (want > (size_t)s->o.confirm_repeats && prev_want == (size_t)s->o.confirm_repeats)
			search_notice(s, "confirmation: %zu + %zu measurements cannot tell yet (%+.1f%%): "
				      "measuring up to %zu each", c.n[1], c.n[0], 100 * (cmp.ratio - 1), want);
		seen = now;
		prev_want = want;
		/* queued A B A B ..., the stored waiting ones first */
		size_t q[2] = { c.n[0], c.n[1] };
		for (size_t i = 0; i < c.nwaiting; i++) {
			search_push_confirm(s, c.waiting[i].id, c.waiting[i].side ? c.best : def,
					    1 + c.waiting[i].side);
			q[c.waiting[i].side]++;
		}
		while (q[0] < want || q[1] < want) {
			int side = q[0] > q[1] || q[0] >= want;
			int64_t id;
			if (search_insert_trial(s, ORIGIN_CONFIRM, 0, side ? c.best : def, &id, err)) {
				ret = -1;
				break;
			}
			search_push_confirm(s, id, side ? c.best : def, 1 + side);
			q[side]++;
		}
		if (ret)
			break;
		s->confirming = 1;
		s->confirm_done = (int64_t)(c.n[0] + c.n[1]);
		s->confirm_total = 2 * (int64_t)want;
		enum search_end e;
		ret = search_schedule(s, &e, err);
		s->confirming = 0;
		if (ret)
			break;
		if (e == SEARCH_INTERRUPTED) {
			*end = e;
			break;
		}
	}
	confirm_rows_release(&c);
	free(c.best);
	free(c.tmp);
	free(def);
	return ret;
}
