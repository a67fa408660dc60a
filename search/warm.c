#include "warm.h"
#include "../lib/strbuf.h"
#include "../lib/err.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct strategy {
	const struct strategy_ops *ops;	/* the strategy seeded */
	struct strategy *inner;
	const struct space *sp;
	union pval **first;		/* the best earlier configurations, best first */
	size_t nfirst, next;
	struct seen *mine;		/* observed in this run */
};

struct strategy *warm_wrap(const struct strategy_ops *ops, struct strategy *s,
			   const struct space *sp, const union pval *const *cfg,
			   const double *score, size_t n)
{
	struct strategy *w = xcalloc(1, sizeof(*w));
	struct history *h = history_new(sp);
	size_t *order = xcalloc(n + 1, sizeof(*order));
	*w = (struct strategy){ .ops = ops, .inner = s, .sp = sp, .mine = seen_new(sp) };
	for (size_t i = 0; i < n; i++) {
		int ok = score[i] > 0 && isfinite(score[i]);
		ops->observe(s, cfg[i], ok, ok ? score[i] : NAN);
		history_add(h, cfg[i], ok, ok ? score[i] : NAN);
	}
	size_t m = history_count(h);
	history_order(h, order);
	w->first = xcalloc(WARM_FIRST, sizeof(*w->first));
	for (size_t i = 0; i < m && w->nfirst < WARM_FIRST; i++)
		if (isfinite(history_value(h, order[i])))
			w->first[w->nfirst++] = config_dup(sp, history_config(h, order[i]));
	free(order);
	history_free(h);
	return w;
}

static int warm_propose(struct strategy *w, const struct busy *busy, union pval *cfg, char *err)
{
	while (w->next < w->nfirst) {
		const union pval *c = w->first[w->next++];
		if (seen_has(w->mine, c) || busy_has(w->sp, c, busy) || config_forbidden(w->sp, c))
			continue;
		memcpy(cfg, c, w->sp->n * sizeof(*cfg));
		return 0;
	}
	return w->ops->propose(w->inner, busy, cfg, err);
}

static void warm_observe(struct strategy *w, const union pval *cfg, int ok, double score)
{
	seen_add(w->mine, cfg);
	w->ops->observe(w->inner, cfg, ok, score);
}

static void warm_free(struct strategy *w)
{
	if (!w)
		return;
	w->ops->free(w->inner);
	for (size_t i = 0; i < w->nfirst; i++)
		free(w->first[i]);
	free(w->first);
	seen_free(w->mine);
	free(w);
}

/* Made by warm_wrap() only. */
static int warm_init(struct strategy **s, const struct space *sp, uint64_t seed, char *err)
{
	(void)s, (void)sp, (void)seed;
	seterr(err, "a warm start wraps a strategy (warm_wrap)");
	return -1;
}

const struct strategy_ops strategy_warm = {
	.name = "warm",
	.help = "a strategy seeded with earlier runs' measurements (vmtune search --warm-start)",
	.init = warm_init,
	.propose = warm_propose,
	.observe = warm_observe,
	.free = warm_free,
};
