#ifndef ABLATE_H
#define ABLATE_H
/*
 * ablate.c: the ablation after a search (results/ablation.h), toward the
 * configuration search_opts.ablate_config names or the run's best, stored
 * with the run (one per run). Runs the scheduler over its own queue, as the
 * confirmation does; a killed one resumes where it stopped.
 */
#include "search-int.h"
#include "../../results/ablation.h"

int search_ablate(struct search *s, enum search_end *end, char *err);
#endif
