/*
 * random: each parameter drawn uniformly from its domain (a continuous float
 * uniformly from [min, max)), never the same configuration twice. The
 * generator is GSL's MT19937 seeded with the job's seed, so one seed gives
 * one sequence on every machine.
 */
#include "strategy.h"
#include "../lib/strbuf.h"
#include "../lib/err.h"

#include <stdlib.h>
#include <gsl/gsl_rng.h>

/* Draws before concluding that what remains of the space is out of reach. */
#define MAX_DRAWS 100000

struct strategy {
	const struct space *sp;
	gsl_rng *rng;
	struct seen *seen;
	uint64_t size;
};

static int random_init(struct strategy **out, const struct space *sp, uint64_t seed, char *err)
{
	struct strategy *s = xcalloc(1, sizeof(*s));
	(void)err;
	s->rng = strategy_rng(seed);
	s->sp = sp;
	s->seen = seen_new(sp);
	s->size = space_size(sp);
	*out = s;
	return 0;
}

/* Proposals are marked seen as they are made: a busy one is never proposed again. */
static int random_propose(struct strategy *s, const struct busy *busy, union pval *cfg,
			  char *err)
{
	(void)err, (void)busy;
	if (s->size && seen_count(s->seen) >= s->size)
		return 1;
	for (int k = 0; k < MAX_DRAWS; k++) {
		for (size_t i = 0; i < s->sp->n; i++)
			cfg[i] = param_draw(&s->sp->p[i], s->rng);
		config_canonical(s->sp, cfg);
		if (!config_forbidden(s->sp, cfg) && !seen_add(s->seen, cfg))
			return 0;
	}
	return 1;
}

static void random_observe(struct strategy *s, const union pval *cfg, int ok, double score)
{
	(void)ok, (void)score;
	seen_add(s->seen, cfg);
}

static void random_free(struct strategy *s)
{
	if (!s)
		return;
	gsl_rng_free(s->rng);
	seen_free(s->seen);
	free(s);
}

const struct strategy_ops strategy_random = {
	.name = "random",
	.help = "uniform random configurations, none twice",
	.init = random_init,
	.propose = random_propose,
	.observe = random_observe,
	.free = random_free,
};
