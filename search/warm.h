#ifndef WARM_H
#define WARM_H
/*
 * Warm start: a strategy seeded with the measurements of earlier runs.
 *
 * warm_wrap() feeds every earlier measurement (a configuration of this
 * space and its score, as observe() takes them) to the strategy s, before
 * anything of this run, and returns a strategy (ops: strategy_warm) that
 * proposes first the WARM_FIRST best earlier configurations (by their mean
 * log score), so that this run measures them itself (racing and the
 * reported best only count this run's measurements), then whatever s
 * proposes. Owns s from then on. Deterministic: the same earlier
 * measurements and the same calls give the same proposals (resume).
 */
#include "strategy.h"

#define WARM_FIRST 3

struct strategy *warm_wrap(const struct strategy_ops *ops, struct strategy *s,
			   const struct space *sp, const union pval *const *cfg,
			   const double *score, size_t n);
extern const struct strategy_ops strategy_warm;

#endif
