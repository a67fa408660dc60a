#ifndef SCHEDULE_H
#define SCHEDULE_H
/*
 * schedule.c: which trial runs next on which idle slot (queued ones first,
 * then racing's repeats, then the strategy's proposals), hosts that went
 * down tried again, until the budget is spent or the search stops.
 */
#include "search-int.h"

int search_schedule(struct search *s, enum search_end *end, char *err);
/* Racing's next repeat, unless that configuration is in flight (busy). */
int search_racing_repeat(struct search *s, const struct busy *busy, union pval *cfg);

#endif
