#ifndef FOREST_H
#define FOREST_H
/*
 * A comparison's metrics as a forest plot: each judged metric's change (b
 * over a) with its interval, on a log axis (a ratio of 2 and one of 1/2 lie
 * as far from 1), the metrics that differ beyond the noise in colour; and
 * the same as a table, folded under the plot in the page.
 */
#include "runview.h"

/* forest.dat: one row a judged metric, top to bottom; returns how many. */
size_t forest_data(const struct metric_family *f, struct strbuf *dat);
/* Its plot into NAME.FORMAT, with ticks chosen over the intervals' range. */
void forest_gp(const struct metric_family *f, struct strbuf *gp, const char *format,
	       const char *name, const char *title, size_t rows);
/* Every judged metric as a table: markdown, and HTML folded in <details>. */
void forest_table(const struct metric_family *f, struct strbuf *md, struct strbuf *html);

#endif
