/* vmtune restore: puts back the host knobs a search changed, after a crash. */
#include "vmtune.h"
#include "../../lib/err.h"
#include "../target/hostknobs.h"
#include "../engine/search.h"

#include <unistd.h>

/* A run a live vmtune drives: restore would pull its domain and host knobs from under it. */
static int live_owner(const struct run_info *ri, void *ud)
{
	int64_t *found = ud;	/* run, process */
	if (ri->owner_pid && run_owner_alive(ri->owner_pid, ri->owner_host ? ri->owner_host : "", NULL)) {
		found[0] = ri->id;
		found[1] = ri->owner_pid;
		return 1;
	}
	return 0;
}

static int restore_main(int argc, char **argv)
{
	const char *db;
	char err[ERR_LEN];
	struct store *st;
	int count = 0, left = 0, foreign = 0;
	char foreign_msg[ERR_LEN] = "";
	int rc = parse_report_args(&cmd_restore, argc, argv, &db, NULL, NULL);
	if (rc)
		return rc < 0 ? EXIT_OK : rc;
	if (access(db, F_OK))
		return fail(EXIT_USAGE, "%s: no such database", db);
	if (store_open(&st, db, STORE_CREATE, err))
		return fail(EXIT_USAGE, "%s", err);
	int64_t live[2] = { 0, 0 };
	if (store_runs_foreach(st, live_owner, live, err) < 0 && !live[0]) {
		store_close(st);
		return fail(EXIT_RUNTIME, "%s", err);
	}
	if (live[0]) {
		rc = fail(EXIT_RUNTIME, "run %lld is being run by process %lld: restore would undo "
			  "what it uses; stop it first (it restores on its own way out)",
			  (long long)live[0], (long long)live[1]);
		store_close(st);
		return rc;
	}
	rc = hostknob_restore(st, &count, &left, &foreign, foreign_msg, err);
	store_close(st);
	if (rc)
		return fail(EXIT_RUNTIME, "%s", err);
	printf("restored %d host knob value%s\n", count, count == 1 ? "" : "s");
	int swept, sweep_rc = exec_sweep(run_owner_alive, &swept, err);
	if (swept)
		printf("removed %d temporary folder%s of exec trials whose vmtune is gone\n", swept,
		       swept == 1 ? "" : "s");
	if (sweep_rc)
		return fail(EXIT_RUNTIME, "%s", err);
	if (foreign)
		return fail(EXIT_RUNTIME, "%s%s", foreign_msg,
			    foreign > 1 ? " (and more rows like it)" : "");
	if (left)
		return fail(EXIT_RUNTIME, "%d data disk volume%s of unreachable hosts left; run "
			    "'vmtune restore' again once they answer", left, left == 1 ? "" : "s");
	return EXIT_OK;
}

const struct cmd cmd_restore = {
	.name = "restore",
	.fn = restore_main,
	.summary = "put back the host knobs a crashed search changed",
	.usage = "vmtune restore [--db FILE]\n"
		 "\n"
		 "Writes back every original host knob value (host.thp, host.ksm,\n"
		 "host.swappiness, reserved huge pages) that the database's journal holds\n"
		 "and no search has restored yet: after kill -9, a crash or a power cut;\n"
		 "destroys the domains and removes the data disks (files, or volumes of a\n"
		 "remote host's pool) such a search left. A remote host that cannot be\n"
		 "reached keeps its volumes in the journal: exit 3, run it again later.\n"
		 "Refused (exit 3) while a live vmtune process drives a run of the database.\n"
		 "Also removes the temporary folders of exec trials whose vmtune is gone\n"
		 "($TMPDIR or /tmp, vmtune-exec.PID.*).\n"
		 "Only rows vmtune writes are undone: a knob's own file (the catalogue, a plain\n"
		 "value), a data disk it named, a domain or volume it named; any other row is\n"
		 "said and left alone (exit 3).",
};
