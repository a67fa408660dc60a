/*
 * local: local search from the incumbent (the best configuration observed).
 * Every one-knob move from it first, in a seeded random order, then pairs of
 * moves on two different knobs; when a move finds a better configuration the
 * search moves there. When the neighbourhood holds nothing unobserved, a
 * random configuration is tried (a restart), until a better one turns up.
 */
#include "strategy.h"
#include "../lib/strbuf.h"
#include "neighbors.h"

#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_randist.h>

struct strategy {
	const struct space *sp;
	gsl_rng *rng;
	struct history *h;
	uint64_t size;
	union pval *center;
	long center_id;		/* history entry of center; -1 before the first */
	struct move *moves;
	size_t nmoves, next, pi, pj;
};

static int local_init(struct strategy **out, const struct space *sp, uint64_t seed, char *err)
{
	struct strategy *s = xcalloc(1, sizeof(*s));
	(void)err;
	s->rng = strategy_rng(seed);
	s->sp = sp;
	s->h = history_new(sp);
	s->size = space_size(sp);
	s->center = config_new(sp);
	s->center_id = -1;
	*out = s;
	return 0;
}

static void recenter(struct strategy *s, long best)
{
	memcpy(s->center, history_config(s->h, (size_t)best), s->sp->n * sizeof(*s->center));
	s->center_id = best;
	free(s->moves);
	s->moves = neighbor_moves(s->sp, s->center, &s->nmoves);
	if (s->nmoves > 1)
		gsl_ran_shuffle(s->rng, s->moves, s->nmoves, sizeof(*s->moves));
	s->next = 0;
	s->pi = 0;
	s->pj = 1;
}

static int propose_from(struct strategy *s, union pval *cfg, char *err)
{
	const struct space *sp = s->sp;
	(void)err;
	if (s->size && history_count(s->h) >= s->size)
		return 1;
	long best = history_best(s->h);
	if (best < 0)
		return draw_unseen(sp, s->rng, s->h, cfg);
	if (best != s->center_id)
		recenter(s, best);
	while (s->next < s->nmoves) {
		move_apply(sp, s->center, &s->moves[s->next++], cfg);
		if (!history_taken(s->h, cfg))
			return 0;
	}
	for (; s->pi < s->nmoves; s->pi++, s->pj = s->pi + 1) {
		while (s->pj < s->nmoves) {
			const struct move *a = &s->moves[s->pi], *b = &s->moves[s->pj++];
			if (a->param == b->param)
				continue;
			move_apply(sp, s->center, a, cfg);
			if (!param_active(sp, cfg, b->param))
				continue;	/* the first move switched the second's knob off */
			move_apply(sp, cfg, b, cfg);
			if (!history_taken(s->h, cfg))
				return 0;
		}
	}
	return draw_unseen(sp, s->rng, s->h, cfg);
}

/* Proposes from the history with the busy configurations lied in. */
static int local_propose(struct strategy *s, const struct busy *busy, union pval *cfg, char *err)
{
	return propose_lied(&s->h, busy, propose_from, s, cfg, err);
}

static void local_observe(struct strategy *s, const union pval *cfg, int ok, double score)
{
	history_add(s->h, cfg, ok, score);
}

static void local_free(struct strategy *s)
{
	if (!s)
		return;
	gsl_rng_free(s->rng);
	history_free(s->h);
	free(s->center);
	free(s->moves);
	free(s);
}

static void local_retell(struct strategy *s, const union pval *cfg, double was, double now)
{
	history_retell(s->h, cfg, was, now);
}

const struct strategy_ops strategy_local = {
	.name = "local",
	.help = "local search from the best so far: one-knob moves, then pairs",
	.init = local_init,
	.propose = local_propose,
	.observe = local_observe,
	.retell = local_retell,
	.free = local_free,
};
