#ifndef METRICLINE_H
#define METRICLINE_H
/*
 * Parser of the lines a benchmark or target prints (DESIGN.md, Metric line):
 *
 *   {"metric":"membw.triad","value":11873.2,"unit":"MB/s","better":"higher","rep":1}
 *   {"applied":"swappiness","value":10}
 *   {"note":"no hugetlbfs pages: ...","bench":"tlb"}   (what could not be measured)
 *   {"out":"GET: 10309.28 requests per second"}   (a line of a workload's output,
 *                                                  sent by the appliance's agent)
 *
 * Anything else is ML_OTHER: logged by the caller and ignored, never guessed.
 * A line that is a metric object with a bad field (value not a finite
 * number, better not higher/lower, ...) is ML_OTHER too.
 */
#include "metric.h"
#include "strbuf.h"

enum ml_kind { ML_OTHER, ML_METRIC, ML_APPLIED, ML_NOTE, ML_OUT };

struct metricline {
	enum ml_kind kind;
	struct metric m;		/* ML_METRIC: strings point into the line's JSON */
	const char *knob;		/* ML_APPLIED */
	const char *note;		/* ML_NOTE */
	const char *out;		/* ML_OUT */
	struct strbuf applied_value;	/* ML_APPLIED: the value as text */
	void *json;			/* owned; metricline_release() frees it */
};

enum ml_kind metricline_parse(const char *line, struct metricline *out);
void metricline_release(struct metricline *ml);

#endif
