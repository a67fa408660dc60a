/* vmtune runs: one line per stored run. */
#include "vmtune.h"
#include "../../lib/err.h"
#include "../engine/search.h"

#include <string.h>
#include <time.h>

static int print_run(const struct run_info *ri, void *ud)
{
	char when[32];
	time_t t = (time_t)ri->created_at;
	struct strbuf sb = STRBUF_INIT;
	(void)ud;
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M", localtime(&t));
	if (ri->budget_trials)
		strbuf_addf(&sb, "%lld/%lld", (long long)ri->n_completed, (long long)ri->budget_trials);
	else
		strbuf_addf(&sb, "%lld", (long long)ri->n_completed);
	/* a run left "running" by a process that is gone died: it waits for --resume */
	const char *status = !strcmp(ri->status, "running") &&
			     !run_owner_alive(ri->owner_pid, ri->owner_host, NULL) ? "dead" : ri->status;
	printf("%-5lld %-16s %-20s %-11s %-9s %-6s %5lld %6lld  %s\n", (long long)ri->id, when,
	       ri->name, status, sb.buf, ri->accel, (long long)ri->n_done,
	       (long long)ri->n_failed, ri->strategy);
	strbuf_release(&sb);
	return 0;
}

static int runs_main(int argc, char **argv)
{
	const char *db;
	char err[ERR_LEN];
	int rc = parse_report_args(&cmd_runs, argc, argv, &db, NULL, NULL);
	if (rc)
		return rc < 0 ? EXIT_OK : rc;
	struct store *st = open_store_ro(db);
	if (!st)
		return EXIT_USAGE;
	printf("%-5s %-16s %-20s %-11s %-9s %-6s %5s %6s  %s\n", "run", "started", "name", "status",
	       "trials", "accel", "done", "failed", "strategy");
	rc = store_runs_foreach(st, print_run, NULL, err) ? fail(EXIT_RUNTIME, "%s", err) : EXIT_OK;
	store_close(st);
	return rc;
}

const struct cmd cmd_runs = {
	.name = "runs",
	.fn = runs_main,
	.summary = "list the stored runs",
	.usage = "vmtune runs [--db FILE]\n"
		 "\n"
		 "One line per run: number, start, job name, status, completed trials (of the\n"
		 "budget; drift's measurements of the defaults beyond it are not among them),\n"
		 "how measurements were taken (accel), done and failed trials, strategy.\n"
		 "Status: running, finished, interrupted, failed, or dead (its process died:\n"
		 "'vmtune search --resume RUN' goes on).",
};
