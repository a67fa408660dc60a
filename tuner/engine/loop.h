#ifndef LOOP_H
#define LOOP_H
/*
 * loop.c's set-up, which resume.c shares: the strategy, racing and the
 * slots opened; the run claimed by this process; its warm start.
 */
#include "search-int.h"

int search_open_parts(struct search *s, char *err);
/* The run is this process's (pid), or nobody's (0). */
int search_claim(struct search *s, int64_t pid, char *err);
/* The run's stored warm start seeds the strategy. */
int search_warm_start(struct search *s, char *err);

#endif
