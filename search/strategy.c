#include "strategy.h"

#include <stdlib.h>
#include <string.h>

extern const struct strategy_ops strategy_random;
extern const struct strategy_ops strategy_grid;

static const struct strategy_ops *const strategies[] = {
	&strategy_random,
	&strategy_grid,
	NULL,
};

const struct strategy_ops *strategy_find(const char *name)
{
	for (size_t i = 0; strategies[i]; i++)
		if (!strcmp(strategies[i]->name, name))
			return strategies[i];
	return NULL;
}

const struct strategy_ops *const *strategy_list(void)
{
	return strategies;
}

uint64_t space_size(const struct space *sp)
{
	uint64_t n = 1;
	for (size_t i = 0; i < sp->n; i++) {
		uint64_t l = param_levels(&sp->p[i]);
		if (!l || n > (UINT64_C(1) << 62) / l)
			return 0;
		n *= l;
	}
	return n;
}

/* Open addressing over 64-bit hashes of the values; configs kept for equality. */
struct seen {
	const struct space *sp;
	union pval **slot;
	size_t cap, n;
};

static uint64_t config_hash(const struct space *sp, const union pval *c)
{
	uint64_t h = 1469598103934665603ULL;
	for (size_t i = 0; i < sp->n; i++) {
		const struct param *p = &sp->p[i];
		uint64_t v;
		if (p->type == P_FLOAT) {
			double f = c[i].f == 0 ? 0 : c[i].f;	/* -0.0 == 0.0 */
			memcpy(&v, &f, sizeof(v));
		} else {
			v = p->type == P_INT ? (uint64_t)c[i].i
			  : p->type == P_CAT ? (uint64_t)c[i].c : (uint64_t)c[i].b;
		}
		for (int b = 0; b < 8; b++) {
			h ^= (v >> (8 * b)) & 0xff;
			h *= 1099511628211ULL;
		}
	}
	return h;
}

struct seen *seen_new(const struct space *sp)
{
	struct seen *s = calloc(1, sizeof(*s));
	if (!s)
		abort();
	s->sp = sp;
	s->cap = 64;
	s->slot = calloc(s->cap, sizeof(*s->slot));
	if (!s->slot)
		abort();
	return s;
}

static size_t find(const struct seen *s, const union pval *c)
{
	size_t i = config_hash(s->sp, c) & (s->cap - 1);
	while (s->slot[i] && !config_equal(s->sp, s->slot[i], c))
		i = (i + 1) & (s->cap - 1);
	return i;
}

static void grow(struct seen *s)
{
	union pval **old = s->slot;
	size_t oldcap = s->cap;
	s->cap *= 2;
	s->slot = calloc(s->cap, sizeof(*s->slot));
	if (!s->slot)
		abort();
	for (size_t i = 0; i < oldcap; i++)
		if (old[i])
			s->slot[find(s, old[i])] = old[i];
	free(old);
}

int seen_add(struct seen *s, const union pval *cfg)
{
	if (2 * (s->n + 1) > s->cap)
		grow(s);
	size_t i = find(s, cfg);
	if (s->slot[i])
		return 1;
	s->slot[i] = config_dup(s->sp, cfg);
	s->n++;
	return 0;
}

int seen_has(const struct seen *s, const union pval *cfg)
{
	return s->slot[find(s, cfg)] != NULL;
}

size_t seen_count(const struct seen *s)
{
	return s->n;
}

void seen_free(struct seen *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->cap; i++)
		free(s->slot[i]);
	free(s->slot);
	free(s);
}
