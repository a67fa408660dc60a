#include "strategy.h"
#include "../lib/strbuf.h"

#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <gsl/gsl_rng.h>

extern const struct strategy_ops strategy_tpe;
extern const struct strategy_ops strategy_local;
extern const struct strategy_ops strategy_anneal;
extern const struct strategy_ops strategy_random;
extern const struct strategy_ops strategy_grid;

static const struct strategy_ops *const strategies[] = {
	&strategy_tpe,
	&strategy_local,
	&strategy_anneal,
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
	struct seen *s = xcalloc(1, sizeof(*s));
	s->sp = sp;
	s->cap = 64;
	s->slot = xcalloc(s->cap, sizeof(*s->slot));
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
	s->slot = xcalloc(s->cap, sizeof(*s->slot));
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

/* ---- history ------------------------------------------------------------ */

struct history {
	const struct space *sp;
	struct seen *index;	/* lookup; entries below in observation order */
	union pval **cfg;
	double *sum, *sumsq;	/* of log scores */
	size_t *n, *failed;
	size_t count, cap;
};

struct history *history_new(const struct space *sp)
{
	struct history *h = xcalloc(1, sizeof(*h));
	h->sp = sp;
	h->index = seen_new(sp);
	return h;
}

static long history_find(const struct history *h, const union pval *cfg)
{
	if (!seen_has(h->index, cfg))
		return -1;
	for (size_t i = h->count; i-- > 0;)
		if (config_equal(h->sp, h->cfg[i], cfg))
			return (long)i;
	return -1;
}

size_t history_add(struct history *h, const union pval *cfg, int ok, double score)
{
	long i = history_find(h, cfg);
	if (i < 0) {
		if (h->count == h->cap) {
			h->cap = h->cap ? 2 * h->cap : 64;
			h->cfg = xrealloc(h->cfg, h->cap * sizeof(*h->cfg));
			h->sum = xrealloc(h->sum, h->cap * sizeof(*h->sum));
			h->sumsq = xrealloc(h->sumsq, h->cap * sizeof(*h->sumsq));
			h->n = xrealloc(h->n, h->cap * sizeof(*h->n));
			h->failed = xrealloc(h->failed, h->cap * sizeof(*h->failed));
		}
		i = (long)h->count++;
		h->cfg[i] = config_dup(h->sp, cfg);
		h->sum[i] = h->sumsq[i] = 0;
		h->n[i] = h->failed[i] = 0;
		seen_add(h->index, cfg);
	}
	if (ok && score > 0 && isfinite(score)) {
		double x = log(score);
		h->sum[i] += x;
		h->sumsq[i] += x * x;
		h->n[i]++;
	} else {
		h->failed[i]++;
	}
	return (size_t)i;
}

long history_retell(struct history *h, const union pval *cfg, double was, double now)
{
	long i = history_find(h, cfg);
	if (i < 0 || !h->n[i] || !(was > 0) || !(now > 0) || !isfinite(was) || !isfinite(now))
		return i;
	double a = log(was), b = log(now);
	h->sum[i] += b - a;
	h->sumsq[i] += b * b - a * a;
	return i;
}

size_t history_count(const struct history *h)
{
	return h->count;
}

const union pval *history_config(const struct history *h, size_t i)
{
	return h->cfg[i];
}

double history_value(const struct history *h, size_t i)
{
	if (h->failed[i] || !h->n[i])
		return -INFINITY;
	return h->sum[i] / (double)h->n[i];
}

size_t history_n(const struct history *h, size_t i)
{
	return h->failed[i] ? 0 : h->n[i];
}

double history_sigma(const struct history *h, size_t *dof_out)
{
	double ss = 0;
	size_t dof = 0;
	for (size_t i = 0; i < h->count; i++)
		if (history_n(h, i) > 1) {
			double d = h->sumsq[i] - h->sum[i] * h->sum[i] / (double)h->n[i];
			ss += d > 0 ? d : 0;	/* rounding can leave a hair below 0 */
			dof += h->n[i] - 1;
		}
	if (dof_out)
		*dof_out = dof;
	return dof ? sqrt(ss / (double)dof) : NAN;
}

long history_best(const struct history *h)
{
	long best = -1;
	for (size_t i = 0; i < h->count; i++) {
		double v = history_value(h, i);
		if (v > -INFINITY && (best < 0 || v > history_value(h, (size_t)best)))
			best = (long)i;
	}
	return best;
}

int history_taken(const struct history *h, const union pval *cfg)
{
	return history_has(h, cfg) || config_forbidden(h->sp, cfg);
}

int history_has(const struct history *h, const union pval *cfg)
{
	return seen_has(h->index, cfg);
}

struct history *history_lied(const struct history *h, const struct busy *busy)
{
	if (!busy || !busy->n)
		return NULL;
	struct history *c = history_new(h->sp);
	double worst = INFINITY;
	for (size_t i = 0; i < h->count; i++) {
		size_t j = history_add(c, h->cfg[i], 0, NAN);
		c->sum[j] = h->sum[i];
		c->sumsq[j] = h->sumsq[i];
		c->n[j] = h->n[i];
		c->failed[j] = h->failed[i];
		double v = history_value(h, i);
		if (v > -INFINITY && v < worst)
			worst = v;
	}
	for (size_t k = 0; k < busy->n; k++)
		if (history_find(c, busy->cfg[k]) < 0)
			history_add(c, busy->cfg[k], worst < INFINITY, exp(worst));
	return c;
}

int propose_lied(struct history **h, const struct busy *busy,
		 int (*propose)(struct strategy *s, union pval *cfg, char *err),
		 struct strategy *s, union pval *cfg, char *err)
{
	struct history *real = *h, *lied = history_lied(real, busy);
	if (lied)
		*h = lied;
	int rc = propose(s, cfg, err);
	*h = real;
	history_free(lied);
	return rc;
}

void history_free(struct history *h)
{
	if (!h)
		return;
	for (size_t i = 0; i < h->count; i++)
		free(h->cfg[i]);
	free(h->cfg);
	free(h->sum);
	free(h->sumsq);
	free(h->n);
	free(h->failed);
	seen_free(h->index);
	free(h);
}

void *strategy_rng(uint64_t seed)
{
	gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(r, (unsigned long)seed);
	return r;
}

uint64_t rng_below(void *rng, uint64_t n)
{
	gsl_rng *r = rng;
	if (n <= 0xffffffffULL)	/* mt19937 gives 32 bits: GSL's own draw */
		return gsl_rng_uniform_int(r, (unsigned long)n);
	/* two 32-bit draws; above the last whole multiple of n, draw again (no bias) */
	uint64_t limit = UINT64_MAX - UINT64_MAX % n, x;
	do
		x = (uint64_t)gsl_rng_get(r) << 32 | (uint64_t)gsl_rng_get(r);
	while (x >= limit);
	return x % n;
}

union pval param_draw(const struct param *p, void *rng)
{
	gsl_rng *r = rng;
	uint64_t levels = param_levels(p);
	if (p->log)	/* evenly in the log of the value */
		return param_at_unit(p, gsl_rng_uniform(r));
	if (levels)
		return param_level(p, rng_below(r, levels));
	union pval v;
	v.f = p->min + gsl_rng_uniform(r) * (p->max - p->min);
	return v;
}

int draw_unseen(const struct space *sp, void *rng, const struct history *h, union pval *cfg)
{
	for (int k = 0; k < 100000; k++) {
		for (size_t i = 0; i < sp->n; i++)
			cfg[i] = param_draw(&sp->p[i], rng);
		config_canonical(sp, cfg);
		if (!history_taken(h, cfg))
			return 0;
	}
	return 1;
}

static const struct history *order_h;
static int by_value_desc(const void *a, const void *b)
{
	double x = history_value(order_h, *(const size_t *)a);
	double y = history_value(order_h, *(const size_t *)b);
	if (x != y)
		return x > y ? -1 : 1;
	return *(const size_t *)a < *(const size_t *)b ? -1 : 1;	/* stable: first seen first */
}

void history_order(const struct history *h, size_t *order)
{
	size_t n = history_count(h);
	for (size_t i = 0; i < n; i++)
		order[i] = i;
	order_h = h;
	qsort(order, n, sizeof(*order), by_value_desc);
}

int busy_has(const struct space *sp, const union pval *cfg, const struct busy *b)
{
	for (size_t i = 0; b && i < b->n; i++)
		if (config_equal(sp, cfg, b->cfg[i]))
			return 1;
	return 0;
}

void space_allowed(const struct space *sp, uint64_t seed, size_t draws, size_t *allowed,
		   size_t *total)
{
	uint64_t size = space_size(sp);
	int every = size && size <= draws;
	union pval *cfg = config_new(sp), *raw = config_new(sp);
	void *rng = strategy_rng(seed);
	*allowed = *total = 0;
	for (size_t k = 0; k < (every ? (size_t)size : draws); k++) {
		uint64_t rest = k;
		for (size_t i = 0; i < sp->n; i++) {
			if (every) {	/* every one, in turn */
				uint64_t levels = param_levels(&sp->p[i]);
				cfg[i] = param_level(&sp->p[i], rest % levels);
				rest /= levels;
			} else {
				cfg[i] = param_draw(&sp->p[i], rng);
			}
		}
		memcpy(raw, cfg, sp->n * sizeof(*cfg));
		config_canonical(sp, cfg);
		if (every && !config_equal(sp, raw, cfg))
			continue;	/* an inactive parameter off its default: counted once */
		(*total)++;
		*allowed += !config_forbidden(sp, cfg);
	}
	gsl_rng_free(rng);
	free(cfg);
	free(raw);
}
