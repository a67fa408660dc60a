#ifndef STRATEGY_H
#define STRATEGY_H
/*
 * The contract of a search strategy. The trial loop calls, strictly in turn,
 * propose() then observe() for the same configuration, starting with
 * observe() of the baseline (the job's defaults). Between them it may call
 * observe() for a configuration observed before (racing measured it again):
 * a strategy updates what it knows of that configuration. A strategy's proposals
 * depend only on its seed and on what it observed, so replaying the stored
 * history through the same calls rebuilds its state exactly (resume).
 *
 * propose() returns 0 with *cfg filled, 1 when the space holds nothing more
 * to propose, -1 on error (message in err). Strategies never print.
 *
 * With parallel slots several proposals are out at once: propose() is told
 * which configurations were proposed and not yet observed (busy), never
 * proposes one of them, and model-based strategies treat them as observed
 * with the worst score so far (a constant liar), so that a batch spreads
 * out instead of piling on one spot. The order of propose() and observe()
 * calls is the record resume replays.
 * Registered in strategies[] in strategy.c.
 */
#include <stddef.h>
#include <stdint.h>
#include "../lib/space.h"

struct strategy;

/* Proposed, not yet observed: in flight on other slots. */
struct busy {
	const union pval *const *cfg;
	size_t n;
};
/* 1 when cfg is one of b's (b may be NULL: nothing in flight). */
int busy_has(const struct space *sp, const union pval *cfg, const struct busy *b);

struct strategy_ops {
	const char *name;
	const char *help;
	int (*init)(struct strategy **s, const struct space *sp, uint64_t seed, char *err);
	/* busy may be NULL: nothing in flight. */
	int (*propose)(struct strategy *s, const struct busy *busy, union pval *cfg, char *err);
	/* ok == 0: the trial failed and score is NaN; a NaN score can also mean "no baseline". */
	void (*observe)(struct strategy *s, const union pval *cfg, int ok, double score);
	/*
	 * Optional (NULL: the strategy keeps no scores): one measurement of
	 * cfg observed as was is now scored as now (the level it was taken
	 * against moved: tuner/engine, results/reference.h).
	 */
	void (*retell)(struct strategy *s, const union pval *cfg, double was, double now);
	void (*free)(struct strategy *s);
};

const struct strategy_ops *strategy_find(const char *name);
const struct strategy_ops *const *strategy_list(void);

/*
 * A set of configurations, kept by strategies that must not propose the same
 * one twice. Configurations are compared by value.
 */
struct seen;
struct seen *seen_new(const struct space *sp);
/* Returns 1 when cfg was already in the set, 0 when it was added now. */
int seen_add(struct seen *s, const union pval *cfg);
int seen_has(const struct seen *s, const union pval *cfg);
size_t seen_count(const struct seen *s);
void seen_free(struct seen *s);

/*
 * What a strategy observed: every configuration once, with the mean of the
 * logarithms of its scores (higher is better) over its measurements, or
 * -INFINITY once one of them failed. Entries keep the order of first
 * observation.
 */
struct history;
struct history *history_new(const struct space *sp);
/* Returns the entry's index. */
size_t history_add(struct history *h, const union pval *cfg, int ok, double score);
size_t history_count(const struct history *h);
/* One measurement of cfg, added with score was, now scored now; cfg's entry (-1: none). */
long history_retell(struct history *h, const union pval *cfg, double was, double now);
const union pval *history_config(const struct history *h, size_t i);
double history_value(const struct history *h, size_t i);
/* Measurements with a score of entry i (0 once one failed). */
size_t history_n(const struct history *h, size_t i);
/*
 * The noise: pooled standard deviation of the log scores of every entry
 * measured more than once, with its degrees of freedom in *dof (when not
 * NULL); NaN when none was.
 */
double history_sigma(const struct history *h, size_t *dof);
/* Every entry's index, best first (ties: first observed first), into order. */
void history_order(const struct history *h, size_t *order);
/* Index of the best entry; -1 when none has a score. */
long history_best(const struct history *h);
int history_has(const struct history *h, const union pval *cfg);
/* Not to be proposed: observed, or forbidden by one of the space's clauses. */
int history_taken(const struct history *h, const union pval *cfg);
/*
 * A copy of h with every busy configuration it lacks added after its own
 * entries, scored the worst score of h (failed when h has none): the
 * constant liar. NULL when busy is NULL or empty.
 */
struct history *history_lied(const struct history *h, const struct busy *busy);
/*
 * Calls propose(s, cfg, err) with *h swapped for history_lied(*h, busy)
 * meanwhile: how tpe, local and anneal honour busy.
 */
int propose_lied(struct history **h, const struct busy *busy,
		 int (*propose)(struct strategy *s, union pval *cfg, char *err),
		 struct strategy *s, union pval *cfg, char *err);
void history_free(struct history *h);

/* GSL's MT19937 seeded with seed: one seed, one sequence on every machine. */
void *strategy_rng(uint64_t seed);
/* A uniformly drawn value of p (continuous floats uniformly in [min, max)). */
union pval param_draw(const struct param *p, void *gsl_rng);
/* Uniform in [0, n), n >= 1, any n of 64 bits (GSL's own draw stops at 2^32). */
uint64_t rng_below(void *gsl_rng, uint64_t n);
/* A random allowed configuration not in h; 1 when none could be found. */
int draw_unseen(const struct space *sp, void *gsl_rng, const struct history *h, union pval *cfg);

/* Product of the parameters' level counts; 0 when continuous or above 2^62. */
uint64_t space_size(const struct space *sp);
/*
 * How much of sp its forbidden clauses allow: over every configuration when
 * there are at most `draws`, else over `draws` random ones (seeded).
 */
void space_allowed(const struct space *sp, uint64_t seed, size_t draws, size_t *allowed,
		   size_t *total);

#endif
