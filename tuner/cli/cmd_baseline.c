/* vmtune baseline save|list: named baselines for vmtune check. */
#include "vmtune.h"
#include "../../lib/err.h"
#include "../view/runview.h"
#include "../engine/search.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* What baseline save was asked. */
struct save_args {
	const char *name;
	int64_t run, trial, measure;
	int force;
};

/* -1 when the command line is a baseline save, else the exit code. */
static int parse_save(int argc, char **argv, struct save_args *a)
{
	const struct cmd *c = &cmd_baseline;
	const char *run_arg = NULL;
	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--trial")) {
			if (i + 1 == argc || parse_i64(argv[++i], 1, INT64_MAX, &a->trial))
				return usage_error(c, "--trial needs a trial id");
		} else if (!strcmp(argv[i], "--measure")) {
			if (i + 1 == argc || parse_i64(argv[++i], 3, 1000, &a->measure))
				return usage_error(c, "--measure needs a number of measurements, 3 to 1000");
		} else if (!strcmp(argv[i], "--force")) {
			a->force = 1;
		} else if (argv[i][0] == '-') {
			return usage_error(c, "unknown option '%s'", argv[i]);
		} else if (!a->name) {
			a->name = argv[i];
		} else if (!run_arg) {
			run_arg = argv[i];
		} else {
			return usage_error(c, "unexpected argument '%s'", argv[i]);
		}
	}
	if (!a->name || !run_arg)
		return usage_error(c, "baseline save needs a NAME and a RUN");
	if (!*a->name || strlen(a->name) > 100 || a->name[0] == '.' || a->name[0] == '-' ||
	    strspn(a->name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") !=
		    strlen(a->name))
		return usage_error(c, "a baseline name is 1 to 100 letters, digits, '.', '_' or '-', "
				   "not starting with '.' or '-'");
	if (parse_run_id(c, run_arg, &a->run))
		return EXIT_USAGE;
	return -1;
}

/* The configuration measured now, in a run of its own (*run); -1 when done, else the exit code. */
static int measure_baseline(struct store *st, const struct save_args *a, const struct runview *rv,
			    const char *config, int64_t *run)
{
	char err[ERR_LEN];
	struct baseline old;
	if (!a->force && !store_baseline_get(st, a->name, &old, NULL)) {
		store_baseline_release(&old);
		return fail(EXIT_USAGE, "baseline %s exists (--force replaces it)", a->name);
	}
	fprintf(stderr, "vmtune: measuring %s %lld times for baseline %s\n", config,
		(long long)a->measure, a->name);
	struct search_opts o = { .st = st, .job = &rv->job, .seed = rv->seed,
				 .stop = stop_on_signals() };
	int rc = search_measure_json(&o, config, (int)a->measure, run, err);
	if (rc)
		return rc < 0 ? fail(EXIT_RUNTIME, "%s", err)
			      : fail(EXIT_RUNTIME, "interrupted; no baseline saved");
	return -1;
}

static int save(int argc, char **argv, const char *db)
{
	struct save_args a = { 0 };
	int ret = parse_save(argc, argv, &a);
	if (ret >= 0)
		return ret;
	const char *name = a.name;
	int64_t run = a.run, trial = a.trial, measure = a.measure;
	int force = a.force;

	char err[ERR_LEN];
	struct store *st;
	struct runview rv;
	struct cview best, runner;
	ret = EXIT_OK;
	if (access(db, F_OK))
		return fail(EXIT_USAGE, "%s: no such database", db);
	if (store_open(&st, db, STORE_CREATE, err))
		return fail(EXIT_USAGE, "%s", err);
	memset(&best, 0, sizeof(best));
	memset(&runner, 0, sizeof(runner));
	if (runview_load(&rv, st, run, err)) {
		ret = fail(EXIT_USAGE, "%s", err);
		goto out_store;
	}
	struct baseline b = { .name = (char *)name, .run_id = run, .trial_id = trial };
	const struct tview *t = NULL;
	if (trial) {
		for (size_t i = 0; i < rv.n; i++)
			if (rv.t[i].id == trial)
				t = &rv.t[i];
		if (!t || t->status != TS_DONE) {
			ret = fail(EXIT_USAGE, "run %lld has no done trial %lld", (long long)run,
				   (long long)trial);
			goto out;
		}
	} else {
		int rc = runview_best(&rv, &best, &runner, err);
		if (rc <= 0) {
			ret = rc < 0 ? fail(EXIT_RUNTIME, "%s", err)
				     : fail(EXIT_USAGE, "run %lld has no scored trial to save",
					    (long long)run);
			goto out;
		}
		t = best.first;
	}
	b.config = t->config;
	if (measure) {	/* measured now, in a run of its own, instead of the trials' */
		b.trial_id = 0;
		if ((ret = measure_baseline(st, &a, &rv, t->config, &b.run_id)) >= 0)
			goto out;
		ret = EXIT_OK;
	}
	if (store_baseline_save(st, &b, force, err)) {
		ret = fail(EXIT_USAGE, "%s", err);
		goto out;
	}
	if (measure)
		printf("baseline %s: run %lld's %s, measured %lld times now in run %lld\n", name,
		       (long long)run, trial ? "trial" : "best configuration", (long long)measure,
		       (long long)b.run_id);
	else
		printf("baseline %s: run %lld, %s %lld\n", name, (long long)run,
		       trial ? "trial" : "its best configuration, first measured in trial",
		       (long long)t->id);
out:
	cview_release(&best);
	cview_release(&runner);
	runview_release(&rv);
out_store:
	store_close(st);
	return ret;
}

static int list(const char *db)
{
	char err[ERR_LEN];
	struct baseline *b;
	size_t n;
	struct store *st = open_store_ro(db);
	if (!st)
		return EXIT_USAGE;
	if (store_baseline_list(st, &b, &n, err)) {
		store_close(st);
		return fail(EXIT_RUNTIME, "%s", err);
	}
	printf("%-20s %5s %7s  %-19s  %s\n", "name", "run", "trial", "saved", "configuration");
	for (size_t i = 0; i < n; i++) {
		char when[32];
		time_t t = (time_t)b[i].created_at;
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", localtime(&t));
		struct strbuf name = STRBUF_INIT, cfg = STRBUF_INIT;	/* an older vmtune's: any bytes */
		format_printable(b[i].name, &name);
		format_printable(b[i].config, &cfg);
		printf("%-20s %5lld %7s  %-19s  %s\n", name.buf, (long long)b[i].run_id,
		       b[i].trial_id ? "" : "best", when, cfg.buf);
		strbuf_release(&name);
		strbuf_release(&cfg);
		if (b[i].trial_id)
			printf("%-20s %5s %7lld\n", "", "", (long long)b[i].trial_id);
		store_baseline_release(&b[i]);
	}
	free(b);
	store_close(st);
	return EXIT_OK;
}

static int baseline_main(int argc, char **argv)
{
	const struct cmd *c = &cmd_baseline;
	const char *db = DEFAULT_DB;
	char **rest = xcalloc((size_t)argc + 1, sizeof(char *));
	int nrest = 0, ret;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			free(rest);
			print_usage(c, stdout);
			return EXIT_OK;
		} else if (!strcmp(argv[i], "--db")) {
			if (i + 1 == argc) {
				free(rest);
				return usage_error(c, "'--db' needs a value");
			}
			db = argv[++i];
		} else {
			rest[nrest++] = argv[i];
		}
	}
	if (!nrest)
		ret = usage_error(c, "save or list?");
	else if (!strcmp(rest[0], "save"))
		ret = save(nrest - 1, rest + 1, db);
	else if (!strcmp(rest[0], "list") && nrest == 1)
		ret = list(db);
	else
		ret = usage_error(c, "unknown subcommand '%s'", rest[0]);
	free(rest);
	return ret;
}

const struct cmd cmd_baseline = {
	.name = "baseline",
	.fn = baseline_main,
	.summary = "name a run's configuration as the baseline vmtune check compares with",
	.usage =
	"vmtune baseline save NAME RUN [--trial N] [--measure N] [--force] [--db FILE]\n"
	"   or: vmtune baseline list [--db FILE]\n"
	"\n"
	"save: NAME stands for RUN's best configuration (as `vmtune best` shows it) and the\n"
	"measurements of all its trials, or, with --trial, for trial N alone.\n"
	"--measure N measures that configuration N times now (a run of its own, as\n"
	"vmtune check does) and keeps those measurements instead. vmtune check needs\n"
	"a baseline of at least 3 measurements. --force replaces a baseline of that\n"
	"name.\n",
};
