#ifndef NEIGHBORS_H
#define NEIGHBORS_H
/*
 * One-knob moves, shared by local and anneal: a parameter with few levels
 * moves to each of its other levels; one with many levels (or a continuous
 * float) moves a step, or NEIGHBOR_FRACTION of its range, either way.
 */
#include <stddef.h>
#include "../lib/space.h"

#define NEIGHBOR_FEW 8
#ifndef NEIGHBOR_FRACTION
#define NEIGHBOR_FRACTION 0.05
#endif

struct move {
	size_t param;
	union pval value;
};

/* Every one-knob move from cfg (active parameters only); *n set, caller frees. */
struct move *neighbor_moves(const struct space *sp, const union pval *cfg, size_t *n);
/* cfg = from with the move made; parameters it deactivates go to their default. */
void move_apply(const struct space *sp, const union pval *from, const struct move *m,
		union pval *cfg);

#endif
