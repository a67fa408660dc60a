#include "neighbors.h"
#include "../lib/strbuf.h"

#include <math.h>
#include <stdlib.h>

static void push(struct move **v, size_t *n, size_t *cap, size_t param, union pval value)
{
	if (*n == *cap) {
		*cap = *cap ? 2 * *cap : 32;
		*v = xrealloc(*v, *cap * sizeof(**v));
	}
	(*v)[(*n)++] = (struct move){ param, value };
}

struct move *neighbor_moves(const struct space *sp, const union pval *cfg, size_t *n)
{
	struct move *v = NULL;
	size_t cap = 0;
	*n = 0;
	for (size_t i = 0; i < sp->n; i++) {
		const struct param *p = &sp->p[i];
		uint64_t levels = param_levels(p);
		if (!param_active(sp, cfg, i))
			continue;	/* an inactive parameter is never varied */
		if (p->log && !(levels && levels <= NEIGHBOR_FEW)) {	/* a step in its log */
			double u = param_unit(p, cfg[i]);
			for (int dir = -1; dir <= 1; dir += 2) {
				double w = u + dir * NEIGHBOR_FRACTION;
				union pval x = param_at_unit(p, w);
				if (w >= 0 && w <= 1 && !pval_equal(p, x, cfg[i]))
					push(&v, n, &cap, i, x);
			}
		} else if (levels && levels <= NEIGHBOR_FEW) {
			uint64_t cur = param_index(p, cfg[i]);
			for (uint64_t k = 0; k < levels; k++)
				if (k != cur)
					push(&v, n, &cap, i, param_level(p, k));
		} else if (levels) {
			uint64_t cur = param_index(p, cfg[i]);
			uint64_t d = (uint64_t)fmax(1.0, floor(NEIGHBOR_FRACTION * (double)levels));
			if (cur >= d)
				push(&v, n, &cap, i, param_level(p, cur - d));
			if (cur + d < levels)
				push(&v, n, &cap, i, param_level(p, cur + d));
		} else {
			double d = NEIGHBOR_FRACTION * (p->max - p->min);
			union pval x;
			if (cfg[i].f - d >= p->min) {
				x.f = cfg[i].f - d;
				push(&v, n, &cap, i, x);
			}
			if (cfg[i].f + d < p->max) {
				x.f = cfg[i].f + d;
				push(&v, n, &cap, i, x);
			}
		}
	}
	return v;
}

void move_apply(const struct space *sp, const union pval *from, const struct move *m,
		union pval *cfg)
{
	if (cfg != from)
		for (size_t i = 0; i < sp->n; i++)
			cfg[i] = from[i];
	cfg[m->param] = m->value;
	config_canonical(sp, cfg);
}
