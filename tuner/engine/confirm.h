#ifndef CONFIRM_H
#define CONFIRM_H
/*
 * confirm.c: the confirmation that ends a search: the incumbent and the
 * defaults measured afresh, A B A B, judged by results/compare.c's
 * sequential test. Runs the scheduler over its own queue.
 */
#include "search-int.h"

int search_confirm(struct search *s, enum search_end *end, char *err);

#endif
