/* vmtune trials RUN: one line per trial of a run. */
#include "vmtune.h"
#include "../../lib/err.h"
#include "../view/runview.h"

#include <string.h>

static int trials_main(int argc, char **argv)
{
	const char *db;
	int64_t run;
	char err[ERR_LEN];
	struct runview rv;
	int rc = parse_report_args(&cmd_trials, argc, argv, &db, &run, NULL);
	if (rc)
		return rc < 0 ? EXIT_OK : rc;
	struct store *st = open_store_ro(db);
	if (!st)
		return EXIT_USAGE;
	if (runview_load(&rv, st, run, err)) {
		runview_release(&rv);
		store_close(st);
		return fail(EXIT_USAGE, "%s", err);
	}
	int hosts = 0;	/* several: a column says where each trial ran */
	for (size_t i = 1; i < rv.n && !hosts; i++)
		hosts = rv.t[i].host && rv.t[0].host && strcmp(rv.t[i].host, rv.t[0].host);
	printf("run %lld (%s): measured by %s\n", (long long)run, rv.name, rv.accel);
	printf("%-6s %-4s %-8s %-11s %-9s %-8s ", "trial", "seq", "origin", "status", "score",
	       "seconds");
	if (hosts)
		printf("%-24s ", "host");
	printf("configuration / reason\n");
	for (size_t i = 0; i < rv.n; i++) {
		const struct tview *t = &rv.t[i];
		struct strbuf sb = STRBUF_INIT, secs = STRBUF_INIT;
		format_score(t->score, &sb);
		if (t->disturbed)
			strbuf_addch(&sb, '*');
		if (t->ended_at && t->started_at)
			strbuf_addf(&secs, "%.3f", t->ended_at - t->started_at);
		else
			strbuf_addstr(&secs, "-");
		printf("%-6lld %-4lld %-8s %-11s %-9s %-8s ", (long long)t->id, (long long)t->seq,
		       trial_origin_name(t->origin), trial_status_name(t->status), sb.buf, secs.buf);
		if (hosts)
			printf("%-24s ", t->host ? t->host : "-");
		printf("%s%s%s%s\n", t->config, t->reason ? "  (" : "", t->reason ? t->reason : "",
		       t->reason ? ")" : "");
		strbuf_release(&sb);
		strbuf_release(&secs);
	}
	struct strbuf drift = STRBUF_INIT;
	if (runview_drift_format(&rv, "marked *: the defaults moved between the baselines either "
				 "side", &drift))
		printf("%s\n", drift.buf);
	strbuf_release(&drift);
	runview_release(&rv);
	store_close(st);
	return EXIT_OK;
}

const struct cmd cmd_trials = {
	.name = "trials",
	.fn = trials_main,
	.summary = "list the trials of a run",
	.usage = "vmtune trials RUN [--db FILE]\n"
		 "\n"
		 "One line per trial: id, order, origin (baseline, strategy, retry, repeat),\n"
		 "status, score against the baseline (higher is better; - when none),\n"
		 "duration, the host it ran on (when the run used several), and the\n"
		 "configuration or why the trial failed.\n"
		 "\n"
		 "Each score is against its host's own defaults, at the level nearest in\n"
		 "time (a search with drift: measures them again as it goes); a * after\n"
		 "it marks a trial measured while that level moved.",
};
