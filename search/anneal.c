/*
 * anneal: simulated annealing over one-knob moves. The current
 * configuration moves to a proposed neighbour when that scores better, or
 * with probability exp(delta / T) when it scores worse by delta (in log
 * score); T starts at ANNEAL_T0 and cools by ANNEAL_COOL per observation.
 * A neighbour already observed is never proposed; when all are, a random
 * configuration is.
 */
#include "strategy.h"
#include "../lib/strbuf.h"
#include "neighbors.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_randist.h>

#define ANNEAL_T0 0.05
#define ANNEAL_COOL 0.95
#define ANNEAL_TMIN 1e-4

struct strategy {
	const struct space *sp;
	gsl_rng *rng;
	struct history *h;
	uint64_t size;
	union pval *cur, *last;
	int have_cur, have_last;
	double cur_v, t;
};

static int anneal_init(struct strategy **out, const struct space *sp, uint64_t seed, char *err)
{
	struct strategy *s = xcalloc(1, sizeof(*s));
	(void)err;
	s->rng = strategy_rng(seed);
	s->sp = sp;
	s->h = history_new(sp);
	s->size = space_size(sp);
	s->cur = config_new(sp);
	s->last = config_new(sp);
	s->t = ANNEAL_T0;
	*out = s;
	return 0;
}

static int propose_from(struct strategy *s, union pval *cfg, char *err)
{
	const struct space *sp = s->sp;
	int rc = 1;
	(void)err;
	if (s->size && history_count(s->h) >= s->size)
		return 1;
	if (s->have_cur) {
		size_t n;
		struct move *m = neighbor_moves(sp, s->cur, &n);
		if (n > 1)
			gsl_ran_shuffle(s->rng, m, n, sizeof(*m));
		for (size_t k = 0; k < n && rc; k++) {
			move_apply(sp, s->cur, &m[k], cfg);
			rc = history_taken(s->h, cfg);
		}
		free(m);
	}
	if (rc && (rc = draw_unseen(sp, s->rng, s->h, cfg)))
		return 1;
	memcpy(s->last, cfg, sp->n * sizeof(*cfg));
	s->have_last = 1;
	return 0;
}

/* Proposes from the history with the busy configurations lied in. */
static int anneal_propose(struct strategy *s, const struct busy *busy, union pval *cfg, char *err)
{
	return propose_lied(&s->h, busy, propose_from, s, cfg, err);
}

static void anneal_observe(struct strategy *s, const union pval *cfg, int ok, double score)
{
	const struct space *sp = s->sp;
	double v = history_value(s->h, history_add(s->h, cfg, ok, score));
	if (s->have_cur && config_equal(sp, cfg, s->cur)) {
		s->cur_v = v;	/* measured again */
		return;
	}
	if (!s->have_cur || s->cur_v == -INFINITY) {
		if (v > -INFINITY || !s->have_cur) {
			memcpy(s->cur, cfg, sp->n * sizeof(*cfg));
			s->cur_v = v;
			s->have_cur = 1;
		}
		return;
	}
	if (!s->have_last || !config_equal(sp, cfg, s->last))
		return;
	s->have_last = 0;
	double delta = v - s->cur_v;
	if (v > -INFINITY && (delta >= 0 || gsl_rng_uniform(s->rng) < exp(delta / s->t))) {
		memcpy(s->cur, cfg, sp->n * sizeof(*cfg));
		s->cur_v = v;
	}
	s->t = fmax(ANNEAL_TMIN, s->t * ANNEAL_COOL);
}

static void anneal_retell(struct strategy *s, const union pval *cfg, double was, double now)
{
	long i = history_retell(s->h, cfg, was, now);
	if (i >= 0 && s->have_cur && config_equal(s->sp, cfg, s->cur))	/* where it stands, re-valued */
		s->cur_v = history_value(s->h, (size_t)i);
}

static void anneal_free(struct strategy *s)
{
	if (!s)
		return;
	gsl_rng_free(s->rng);
	history_free(s->h);
	free(s->cur);
	free(s->last);
	free(s);
}

const struct strategy_ops strategy_anneal = {
	.name = "anneal",
	.help = "simulated annealing over one-knob moves",
	.init = anneal_init,
	.propose = anneal_propose,
	.observe = anneal_observe,
	.retell = anneal_retell,
	.free = anneal_free,
};
