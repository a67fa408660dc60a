/*
 * grid: every combination of the parameters' values in mixed-radix order,
 * the last parameter varying fastest, skipping those already observed (the
 * baseline). A float without a step contributes GRID_FLOAT_LEVELS evenly
 * spaced values including both bounds. The seed plays no part.
 */
#include "strategy.h"
#include "../lib/strbuf.h"
#include "../lib/err.h"

#include <stdlib.h>

#define GRID_FLOAT_LEVELS 5

struct strategy {
	const struct space *sp;
	uint64_t *levels, *digit;
	int done;
	struct seen *seen;
};

static uint64_t levels_of(const struct param *p)
{
	uint64_t l = param_levels(p);
	return l ? l : GRID_FLOAT_LEVELS;
}

static union pval value_of(const struct param *p, uint64_t k)
{
	if (param_levels(p))
		return param_level(p, k);
	union pval v;
	v.f = k == GRID_FLOAT_LEVELS - 1 ? p->max
		: p->min + (p->max - p->min) * (double)k / (GRID_FLOAT_LEVELS - 1);
	return v;
}

static int grid_init(struct strategy **out, const struct space *sp, uint64_t seed, char *err)
{
	struct strategy *s = xcalloc(1, sizeof(*s));
	(void)seed, (void)err;
	s->sp = sp;
	s->levels = xcalloc(sp->n ? sp->n : 1, sizeof(*s->levels));
	s->digit = xcalloc(sp->n ? sp->n : 1, sizeof(*s->digit));
	for (size_t i = 0; i < sp->n; i++)
		s->levels[i] = levels_of(&sp->p[i]);
	s->seen = seen_new(sp);
	*out = s;
	return 0;
}

/* Advances the counter; 0 when it wrapped around (the grid is done). */
static int advance(struct strategy *s)
{
	for (size_t i = s->sp->n; i-- > 0;) {
		if (++s->digit[i] < s->levels[i])
			return 1;
		s->digit[i] = 0;
	}
	return 0;
}

/* Proposals are marked seen as they are made: a busy one is never proposed again. */
static int grid_propose(struct strategy *s, const struct busy *busy, union pval *cfg,
			  char *err)
{
	(void)err, (void)busy;
	while (!s->done) {
		for (size_t i = 0; i < s->sp->n; i++)
			cfg[i] = value_of(&s->sp->p[i], s->digit[i]);
		config_canonical(s->sp, cfg);	/* inactive combinations fold into one */
		s->done = !advance(s);
		if (!config_forbidden(s->sp, cfg) && !seen_add(s->seen, cfg))
			return 0;
	}
	return 1;
}

static void grid_observe(struct strategy *s, const union pval *cfg, int ok, double score)
{
	(void)ok, (void)score;
	seen_add(s->seen, cfg);
}

static void grid_free(struct strategy *s)
{
	if (!s)
		return;
	free(s->levels);
	free(s->digit);
	seen_free(s->seen);
	free(s);
}

const struct strategy_ops strategy_grid = {
	.name = "grid",
	.help = "every combination in order (floats without a step: 5 levels)",
	.init = grid_init,
	.propose = grid_propose,
	.observe = grid_observe,
	.free = grid_free,
};
