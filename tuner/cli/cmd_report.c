/* vmtune report RUN: the plotted report of a run (tuner/report.c). */
#include "vmtune.h"
#include "../../lib/err.h"
#include "../view/report.h"
#include "../view/runview.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static const struct option long_opts[] = {
	{ "db", required_argument, NULL, 'd' },
	{ "out", required_argument, NULL, 'o' },
	{ "format", required_argument, NULL, 'f' },
	{ "script-only", no_argument, NULL, 's' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static int report_main(int argc, char **argv)
{
	const struct cmd *c = &cmd_report;
	const char *db = DEFAULT_DB, *out = NULL;
	struct report_opts o = { .format = "png" };
	int64_t run;
	int opt;

	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":h", long_opts, NULL)) != -1) {
		switch (opt) {
		case 'd': db = optarg; break;
		case 'o': out = optarg; break;
		case 'f': o.format = optarg; break;
		case 's': o.script_only = 1; break;
		case 'h': print_usage(c, stdout); return EXIT_OK;
		case ':': return usage_error(c, "'%s' needs a value", argv[optind - 1]);
		default: return usage_error(c, "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind != argc - 1)
		return usage_error(c, optind == argc ? "which run? (see 'vmtune runs')"
						     : "one run at a time");
	if (parse_run_id(c, argv[optind], &run))
		return EXIT_USAGE;
	if (strcmp(o.format, "png") && strcmp(o.format, "svg"))
		return usage_error(c, "--format is png or svg, not '%s'", o.format);
	if (out && !*out)
		return usage_error(c, "--out wants a folder");
	struct strbuf dir = STRBUF_INIT;
	if (out)
		strbuf_addstr(&dir, out);
	else
		strbuf_addf(&dir, "report-%lld", (long long)run);
	o.out = dir.buf;
	o.gnuplot = getenv("VMTUNE_GNUPLOT");	/* tests point it at a missing program */

	char err[ERR_LEN];
	struct runview rv;
	struct report_result res;
	int ret = EXIT_OK;
	struct store *st = open_store_ro(db);
	if (!st) {
		strbuf_release(&dir);
		return EXIT_USAGE;
	}
	if (runview_load(&rv, st, run, err))
		ret = fail(EXIT_USAGE, "%s", err);
	else if (report_write(st, &rv, &o, &res, err))
		ret = fail(EXIT_RUNTIME, "%s", err);
	else if (o.script_only)
		printf("%s/report.gp and its data written (not rendered)\n", dir.buf);
	else
		printf("%s/index.html: %zu plots (gnuplot %.2f s), and %s/report.md\n", dir.buf,
		       res.images, res.render_seconds, dir.buf);
	if (rv.job.path)
		runview_release(&rv);
	store_close(st);
	strbuf_release(&dir);
	return ret;
}

const struct cmd cmd_report = {
	.name = "report",
	.fn = report_main,
	.summary = "plot a run: convergence, knob effects, benchmarks, timeline",
	.usage =
	"vmtune report RUN [--db FILE] [--out DIR] [--format png|svg] [--script-only]\n"
	"\n"
	"Writes DIR (default report-RUN): index.html (self-contained, the plots\n"
	"embedded), report.md (the best configuration, its improvement over the\n"
	"baseline with a 95% CI, the accelerator, host, versions, failures with their\n"
	"reasons), the plots, their data and report.gp, the gnuplot script that drew\n"
	"them. gnuplot runs as a program (apt-get install gnuplot-nox).\n"
	"\n"
	"  --format png|svg  the plots' format (default png)\n"
	"  --script-only     write the data and report.gp without running gnuplot\n",
};
