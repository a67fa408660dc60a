#ifndef REPORT_H
#define REPORT_H
/*
 * The plotted report of a run: data files and one gnuplot script written
 * into a folder, gnuplot run there as a program (never through a shell),
 * then index.html (self-contained: the images are embedded) and report.md.
 *
 *   convergence   score of each trial and the incumbent's so far; failures marked
 *   knob-N        the score's distribution for each value of parameter N
 *   bench         every metric, baseline against best, with 95% CIs
 *   memlat, tlb   latency curves, baseline against best (when measured)
 *   timeline      each trial's boot and benchmark time, failures marked
 *
 * The script (report.gp) is generated text: it names files relative to the
 * folder and holds no times or paths, so it is golden-file tested.
 */
#include "runview.h"

struct report_opts {
	const char *out;	/* the folder, created if missing */
	const char *format;	/* "png" or "svg" */
	const char *gnuplot;	/* the program; NULL: "gnuplot" from PATH */
	int script_only;	/* write data and report.gp, do not render */
};

struct report_result {
	size_t images;
	double render_seconds;	/* gnuplot's run */
};

int report_write(struct store *st, const struct runview *rv, const struct report_opts *o,
		 struct report_result *res, char *err);

#endif
