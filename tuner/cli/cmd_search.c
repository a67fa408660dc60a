/*
 * vmtune search: start a search from a job file (or the embedded default),
 * or resume a stored one.
 */
#include "vmtune.h"
#include "../../lib/err.h"
#include "../engine/job.h"
#include "../view/runview.h"
#include "../engine/search.h"
#include "../../lib/strbuf.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

extern const char default_job_yaml[];

struct progress_out {
	int tty;
	int noted;
	int quiet;
	int hosts;	/* more than one slot: say where each trial ran */
};

static void on_progress(void *ud, const struct progress *p)
{
	struct progress_out *po = ud;
	struct strbuf sb = STRBUF_INIT;

	if (po->quiet)
		return;
	if (p->note && !po->noted) {
		fprintf(stderr, "%svmtune: %s\n", po->tty ? "\r\033[K" : "", p->note);
		po->noted = 1;
	}
	if (p->floor_total) {	/* a baseline result of the noise floor */
		strbuf_addf(&sb, "noise floor %lld/%lld #%lld %s", (long long)p->floor_done,
			    (long long)p->floor_total, (long long)p->trial_id,
			    trial_status_name(p->status));
		if (p->reason)
			strbuf_addf(&sb, " (%s)", p->reason);
		strbuf_addstr(&sb, "  elapsed ");
		format_duration(p->elapsed, &sb);
		fprintf(stderr, po->tty ? "\r\033[K%s" : "%s\n", sb.buf);
		strbuf_release(&sb);
		return;
	}
	if (p->side) {	/* a measurement of the confirmation */
		strbuf_addf(&sb, "confirm %lld/%lld #%lld %s %s", (long long)p->confirm_done,
			    (long long)p->confirm_total, (long long)p->trial_id,
			    trial_status_name(p->status), p->side);
		if (p->reason)
			strbuf_addf(&sb, " (%s)", p->reason);
		strbuf_addstr(&sb, " score ");
		format_score(p->score, &sb);
		strbuf_addstr(&sb, "  elapsed ");
		format_duration(p->elapsed, &sb);
		if (p->eta >= 0) {
			strbuf_addstr(&sb, "  eta ");
			format_duration(p->eta, &sb);
		}
		fprintf(stderr, po->tty ? "\r\033[K%s" : "%s\n", sb.buf);
		strbuf_release(&sb);
		return;
	}
	if (p->budget)
		strbuf_addf(&sb, "trial %lld/%lld", (long long)p->completed, (long long)p->budget);
	else
		strbuf_addf(&sb, "trial %lld", (long long)p->completed);
	if (!po->tty) {
		strbuf_addf(&sb, " #%lld %s", (long long)p->trial_id, trial_status_name(p->status));
		if (po->hosts && p->host)
			strbuf_addf(&sb, " on %s", p->host);
		if (p->reason)
			strbuf_addf(&sb, " (%s)", p->reason);
		strbuf_addstr(&sb, " score ");
		format_score(p->score, &sb);
	}
	strbuf_addstr(&sb, "  best ");
	format_score(p->best, &sb);
	if (!isnan(p->best))
		strbuf_addf(&sb, " (#%lld)", (long long)p->best_trial);
	strbuf_addstr(&sb, "  elapsed ");
	format_duration(p->elapsed, &sb);
	if (p->eta >= 0) {
		strbuf_addstr(&sb, "  eta ");
		format_duration(p->eta, &sb);
	}
	if (po->tty)
		fprintf(stderr, "\r\033[K%s", sb.buf);
	else
		fprintf(stderr, "%s\n", sb.buf);
	strbuf_release(&sb);
}

static void on_notice(void *ud, const char *msg)
{
	struct progress_out *po = ud;
	if (po->quiet)
		return;
	fprintf(stderr, "%svmtune: %s\n", po->tty ? "\r\033[K" : "", msg);
}

static uint64_t fresh_seed(void)
{
	uint64_t seed;
	if (getrandom(&seed, sizeof(seed), 0) != sizeof(seed))
		seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	return seed & 0x7fffffffffffffffULL;	/* stored as a signed SQLite integer */
}

/* Removes a database this command created, with SQLite's side files. */
static void remove_db(const char *db)
{
	static const char *const side[] = { "", "-wal", "-shm", "-journal" };
	for (size_t i = 0; i < sizeof(side) / sizeof(*side); i++) {
		struct strbuf p = STRBUF_INIT;
		strbuf_addf(&p, "%s%s", db, side[i]);
		unlink(p.buf);
		strbuf_release(&p);
	}
}

/* The noise floor and the confirmation's verdict: the headline of the run. */
static int print_verdict(struct store *st, int64_t run, char *err)
{
	struct runview rv;
	struct noise nz = { 0 };
	struct confirmation cf = { 0 };
	struct strbuf sb = STRBUF_INIT;
	int rc = runview_load(&rv, st, run, err) || runview_noise(&rv, st, &nz, err) ||
		 runview_confirmation(&rv, st, &cf, err);
	if (!rc) {
		noise_format(&nz, 3, &sb);
		printf("noise floor: %s\n", sb.buf);
		if (rv.dropped)
			printf("%s\n", rv.dropped);
		strbuf_reset(&sb);
		confirmation_format(&cf, &sb);
		printf("%s\n", sb.buf);
	}
	strbuf_release(&sb);
	confirmation_release(&cf);
	noise_release(&nz);
	runview_release(&rv);
	return rc ? -1 : 0;
}

static int summarize(struct store *st, int64_t run, const char *db)
{
	struct run_info ri;
	char err[ERR_LEN];
	if (store_run_get(st, run, &ri, err))
		return fail(EXIT_RUNTIME, "%s", err);
	printf("run %lld (%s, %s): %lld completed, %lld done, %lld failed\n", (long long)run,
	       ri.name, ri.accel, (long long)ri.n_completed, (long long)ri.n_done,
	       (long long)ri.n_failed);
	if (ri.n_done && print_verdict(st, run, err))
		return fail(EXIT_RUNTIME, "%s", err);
	printf("see 'vmtune best %lld --db %s'\n", (long long)run, db);
	if (ri.n_completed && !ri.n_done)
		return fail(EXIT_RUNTIME, "no trial of run %lld measured anything (reasons: 'vmtune "
			    "trials %lld --db %s')", (long long)run, (long long)run, db);
	return EXIT_OK;
}

/* ---- warm start -------------------------------------------------------- */

#define WARM_RUNS_MAX 16

struct warm_set {
	struct warm_in *v;
	size_t n;
	char **owned;		/* the strings v points to */
	size_t nowned;
};

static const char *own(struct warm_set *w, char *str)
{
	w->owned = xrealloc(w->owned, (w->nowned + 1) * sizeof(*w->owned));
	return w->owned[w->nowned++] = str;
}

static void warm_release(struct warm_set *w)
{
	for (size_t i = 0; i < w->nowned; i++)
		free(w->owned[i]);
	free(w->owned);
	free(w->v);
	memset(w, 0, sizeof(*w));
}

/* The names of a that b lacks, comma-separated, into out. */
static void names_missing(const struct space *a, const struct space *b, struct strbuf *out)
{
	for (size_t i = 0; i < a->n; i++)
		if (!space_find(b, a->p[i].name, NULL))
			strbuf_addf(out, "%s%s", out->len ? ", " : "", a->p[i].name);
}

/*
 * Adds the measurements of run SPEC ("RUN", a run of the search's database
 * db, or "FILE:RUN", of another) that fit space: its searched trials and
 * their repeats, done, scored; not its baseline or confirmation (scored
 * against its own baseline, they are kept apart). The run must search the
 * same knobs; a configuration with a value outside this job's domain is
 * left out (and counted). Returns 0, or an exit code with err set.
 */
static int warm_load(struct warm_set *w, const char *spec, const char *db, struct store *st,
		     const struct space *sp, int quiet, char *err)
{
	const char *colon = strrchr(spec, ':'), *path = db, *run_arg = spec;
	char *file = NULL;
	struct store *src = st;
	struct runview rv;
	int64_t run;
	char *end;
	if (colon) {
		file = xstrndup(spec, (size_t)(colon - spec));
		path = file;
		run_arg = colon + 1;
	}
	errno = 0;
	run = strtoll(run_arg, &end, 10);
	if (!*run_arg || *end || errno || run < 1) {
		free(file);
		return seterr(err, "wants RUN or FILE:RUN, a run id such as 3"), EXIT_USAGE;
	}
	if (file && strcmp(file, db)) {
		if (access(file, F_OK)) {
			seterr(err, "%s: no such database", file);
			free(file);
			return EXIT_USAGE;
		}
		int rc = store_open(&src, file, STORE_READONLY, err);
		if (rc) {
			free(file);
			return rc == STORE_EIO ? EXIT_RUNTIME : EXIT_USAGE;
		}
	}
	int ret = EXIT_USAGE;
	if (runview_load(&rv, src, run, err))
		goto out;
	struct strbuf only_there = STRBUF_INIT, only_here = STRBUF_INIT;
	names_missing(&rv.job.space, sp, &only_there);
	names_missing(sp, &rv.job.space, &only_here);
	if (only_there.len || only_here.len) {
		seterr(err, "run %lld searched other knobs (only there: %s; only here: %s); a warm "
		       "start needs the same", (long long)run, only_there.len ? only_there.buf : "none",
		       only_here.len ? only_here.buf : "none");
		strbuf_release(&only_there);
		strbuf_release(&only_here);
		runview_release(&rv);
		goto out;
	}
	strbuf_release(&only_there);
	strbuf_release(&only_here);
	union pval *cfg = config_new(sp);
	size_t taken = 0, outside = 0;
	char msg[ERR_LEN];
	struct strbuf sb = STRBUF_INIT;
	strbuf_addf(&sb, "%s:%lld", path, (long long)run);
	const char *source = own(w, strbuf_detach(&sb));
	for (size_t i = 0; i < rv.n; i++) {
		const struct tview *t = &rv.t[i];
		if (t->origin == ORIGIN_BASELINE || t->origin == ORIGIN_CONFIRM ||
		    t->status != TS_DONE || !(t->score > 0) || !isfinite(t->score))
			continue;
		if (config_from_json(sp, t->config, cfg, msg)) {
			outside++;
			continue;
		}
		w->v = xrealloc(w->v, (w->n + 1) * sizeof(*w->v));
		w->v[w->n++] = (struct warm_in){ .source = source,
						 .config = own(w, config_to_json(sp, cfg)),
						 .score = t->score };
		taken++;
	}
	free(cfg);
	runview_release(&rv);
	if (!taken) {
		seterr(err, "run %lld has no scored measurement of this job's space%s", (long long)run,
		       outside ? " (every one has a value outside it)" : "");
		goto out;
	}
	if (!quiet) {
		fprintf(stderr, "vmtune: warm start from run %lld of %s: %zu measurements", (long long)run,
			path, taken);
		if (outside)
			fprintf(stderr, " (%zu with a value outside this job's space left out)", outside);
		fputc('\n', stderr);
	}
	ret = 0;
out:
	if (src != st)
		store_close(src);
	free(file);
	return ret;
}

static const struct option long_opts[] = {
	{ "db", required_argument, NULL, 'd' },
	{ "trials", required_argument, NULL, 'n' },
	{ "time", required_argument, NULL, 't' },
	{ "seed", required_argument, NULL, 's' },
	{ "resume", required_argument, NULL, 'r' },
	{ "host", required_argument, NULL, 'H' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "no-confirm", no_argument, NULL, 'C' },
	{ "warm-start", required_argument, NULL, 'W' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static int search_main(int argc, char **argv)
{
	const struct cmd *c = &cmd_search;
	const char *db = DEFAULT_DB;
	int64_t trials = 0, seed = -1, resume = 0;
	double seconds = 0;
	struct progress_out po = { .tty = isatty(2) };
	const char *hosts[64], *warm_specs[WARM_RUNS_MAX];
	size_t nhosts = 0, nwarm_specs = 0;
	int opt, no_confirm = 0;

	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":hq", long_opts, NULL)) != -1) {
		switch (opt) {
		case 'd':
			db = optarg;
			break;
		case 'n':
			if (parse_i64(optarg, 1, 100000000, &trials))
				return usage_error(c, "--trials wants a positive number, got '%s'", optarg);
			break;
		case 't':
			if (duration_parse(optarg, &seconds) || seconds <= 0)
				return usage_error(c, "--time wants a duration such as 90s, 15m or 8h (1ms to 365d), "
						   "got '%s'", optarg);
			break;
		case 's':
			if (parse_i64(optarg, 0, INT64_MAX, &seed))
				return usage_error(c, "--seed wants a number, got '%s'", optarg);
			break;
		case 'r':
			if (parse_run_id(c, optarg, &resume))
				return EXIT_USAGE;
			break;
		case 'q':
			po.quiet = 1;
			break;
		case 'C':
			no_confirm = 1;
			break;
		case 'H':
			if (!*optarg)
				return usage_error(c, "--host wants a libvirt URI");
			if (nhosts == sizeof(hosts) / sizeof(*hosts))
				return usage_error(c, "at most %zu --host", nhosts);
			hosts[nhosts++] = optarg;
			break;
		case 'W':
			if (nwarm_specs == WARM_RUNS_MAX)
				return usage_error(c, "at most %d --warm-start", WARM_RUNS_MAX);
			warm_specs[nwarm_specs++] = optarg;
			break;
		case 'h':
			print_usage(c, stdout);
			return EXIT_OK;
		case ':':
			return usage_error(c, "'%s' needs a value", argv[optind - 1]);
		default:
			return usage_error(c, "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (argc - optind > 1)
		return usage_error(c, "one job file at most");
	if (resume && (argc - optind || trials || seconds || seed >= 0 || no_confirm))
		return usage_error(c, "--resume takes the run's own job, budget, seed and "
				   "confirmation");
	if (resume && nwarm_specs)
		return usage_error(c, "--resume takes the run's own warm start");

	struct job job;
	char err[ERR_LEN];
	struct store *st = NULL;
	struct search_opts o = { 0 };
	struct search *s = NULL;
	int ret = EXIT_RUNTIME, created = 0, drop_db = 0;

	if (resume) {
		struct run_info ri;
		if (access(db, F_OK))
			return fail(EXIT_USAGE, "%s: no such database", db);
		int orc = store_open(&st, db, STORE_CREATE, err);
		if (orc)
			return fail(orc == STORE_EIO ? EXIT_RUNTIME : EXIT_USAGE, "%s", err);
		if (store_run_get(st, resume, &ri, err)) {
			store_close(st);
			return fail(EXIT_USAGE, "%s", err);
		}
		o.budget_trials = ri.budget_trials;
		o.budget_seconds = ri.budget_seconds;
		o.seed = ri.seed;
		o.confirm_repeats = ri.confirm_repeats;
		o.confirm_max = ri.confirm_max;
		o.max_cov = ri.max_cov;
		o.noise_floor = ri.noise_floor;
		if (job_load_text(&job, ri.job_text, ri.job_path, ri.job_dir, err) ||
		    job_ready(&job, err)) {
			store_close(st);
			return fail(EXIT_USAGE, "run %lld: stored job: %s", (long long)resume, err);
		}
	} else {
		int rc;
		if (optind < argc) {
			rc = job_load_file(&job, argv[optind], err);
		} else {
			/* the embedded jobs/default.yaml: paths start where the file's would */
			char *dir = beside_executable("jobs");
			rc = job_load_text(&job, default_job_yaml, "<default job>", dir, err);
			free(dir);
		}
		if (!rc && (rc = job_ready(&job, err)))
			job_release(&job);
		if (rc)
			return fail(EXIT_USAGE, "%s", err);
		o.budget_trials = trials ? trials : job.budget_trials;
		o.budget_seconds = seconds ? seconds : job.budget_seconds;
		if (seconds && !trials)
			o.budget_trials = 0;	/* --time alone: run until the time is spent */
		o.seed = seed >= 0 ? (uint64_t)seed : job.has_seed ? job.seed : fresh_seed();
		o.confirm_repeats = no_confirm ? 0 : job.confirm_repeats;
		o.confirm_max = no_confirm ? 0 : job.confirm_max;
		o.max_cov = job.obj.max_cov;
		o.noise_floor = job.noise_floor;
		created = access(db, F_OK) != 0;
		int orc = store_open(&st, db, STORE_CREATE, err);
		if (orc) {
			job_release(&job);
			return fail(orc == STORE_EIO ? EXIT_RUNTIME : EXIT_USAGE, "%s", err);
		}
	}

	struct warm_set warm = { 0 };
	for (size_t i = 0; i < nwarm_specs; i++) {
		int rc = warm_load(&warm, warm_specs[i], db, st, &job.space, po.quiet, err);
		if (rc) {
			warm_release(&warm);
			store_close(st);
			job_release(&job);
			return fail(rc, "--warm-start %s: %s", warm_specs[i], err);
		}
	}
	o.warm = warm.v;
	o.nwarm = warm.n;

	if (nhosts) {	/* the command line's hosts replace the job's */
		for (size_t i = 0; i < job.nhosts; i++)
			free(job.hosts[i].uri);
		job.nhosts = 0;
		for (size_t i = 0; i < nhosts; i++)
			job_add_host(&job, hosts[i], 1);
	}
	po.hosts = job.nhosts > 1 || (job.nhosts == 1 && job.hosts[0].slots > 1);
	o.st = st;
	o.job = &job;
	o.run = resume;
	o.stop = stop_on_signals();
	o.progress = on_progress;
	o.notice = on_notice;
	o.progress_ud = &po;
	signal(SIGPIPE, SIG_IGN);
	s = search_new(&o);
	if (resume ? search_resume(s, err) : search_begin(s, err)) {
		fail(EXIT_RUNTIME, "%s", err);
		if (created && !search_run(s))
			drop_db = 1;	/* the target could not open: leave no empty database */
		goto out;
	}
	if (!resume && !po.quiet)
		fprintf(stderr, "vmtune: run %lld in %s (seed %llu)\n", (long long)search_run(s), db,
			(unsigned long long)o.seed);
	enum search_end end;
	int rc = search_loop(s, &end, err);
	if (po.tty && !po.quiet)
		fputc('\n', stderr);
	if (rc) {
		fail(EXIT_RUNTIME, "%s", err);
		goto out;
	}
	if (end == SEARCH_INTERRUPTED) {
		fail(EXIT_RUNTIME, "interrupted; resume with 'vmtune search --resume %lld --db %s'",
		     (long long)search_run(s), db);
		goto out;
	}
	if (end == SEARCH_EXHAUSTED && !po.quiet)
		fprintf(stderr, "vmtune: the strategy has no configuration left to propose\n");
	ret = summarize(st, search_run(s), db);
out:
	search_free(s);
	store_close(st);
	warm_release(&warm);
	job_release(&job);
	if (drop_db)
		remove_db(db);
	return ret;
}

const struct cmd cmd_search = {
	.name = "search",
	.fn = search_main,
	.summary = "search a job's space for the best configuration",
	.usage =
	"vmtune search [JOB] [--db FILE] [--trials N] [--time DURATION] [--seed N]\n"
	"              [--host URI]... [--warm-start [FILE:]RUN]... [--no-confirm] [--quiet]\n"
	"   or: vmtune search --resume RUN [--db FILE] [--host URI]...\n"
	"\n"
	"Runs the job file JOB (YAML; without one, the embedded default job), storing\n"
	"every trial and measurement in the database as it arrives. Three phases: the\n"
	"noise floor (the baseline, the job's defaults, measured noise_floor times,\n"
	"default 3), the search, and the confirmation (the best configuration and the\n"
	"baseline measured afresh, alternated, 5 times each, up to 10 when that cannot\n"
	"tell): the verdict, confirmed or not, comes from those measurements alone.\n"
	"Progress goes to stderr.\n"
	"\n"
	"  --db FILE         the SQLite database (default vmtune.db, created if missing)\n"
	"  --trials N        stop after N completed trials (overrides the job's budget)\n"
	"  --time DURATION   stop starting trials after DURATION (90s, 15m, 8h)\n"
	"  --seed N          the strategy's seed (default: the job's, else a fresh one)\n"
	"  --resume RUN      continue run RUN: keeps its completed trials, re-runs the\n"
	"                    interrupted one, stops at the run's budget\n"
	"  --host URI        run trials on this libvirt host (repeatable; a URI given\n"
	"                    twice gets two slots); replaces the job's hosts: list.\n"
	"                    Each slot runs one trial at a time; a host that stops\n"
	"                    answering is left out, its trial retried elsewhere, and\n"
	"                    it is tried again later\n"
	"  --warm-start RUN  seed the strategy with run RUN's measurements (FILE:RUN: a\n"
	"                    run of another database; repeatable): it must search the\n"
	"                    same knobs; configurations outside this job's domains are\n"
	"                    left out, its baseline is not taken (scores are against\n"
	"                    the baseline of their own run); its best configurations\n"
	"                    are measured first\n"
	"  --no-confirm      end without the confirmation (the job's confirm: off)\n"
	"  --quiet           no progress output\n"
	"\n"
	"strategies: tpe (default), local, anneal, random, grid. targets: exec, libvirt.\n"
	"SIGINT or SIGTERM stops after marking the running trial interrupted (exit 3).",
};
