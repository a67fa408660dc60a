/* vmtune restore: puts back the host knobs a search changed, after a crash. */
#include "vmtune.h"
#include "../lib/err.h"
#include "hostknobs.h"

#include <unistd.h>

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
	rc = hostknob_restore(st, &count, &left, &foreign, foreign_msg, err);
	store_close(st);
	if (rc)
		return fail(EXIT_RUNTIME, "%s", err);
	printf("restored %d host knob value%s\n", count, count == 1 ? "" : "s");
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
		 "Only rows vmtune writes are undone: a knob's own file (the catalogue, a plain\n"
		 "value), a data disk it named, a domain or volume it named; any other row is\n"
		 "said and left alone (exit 3).",
};
