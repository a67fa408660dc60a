/*
 * vmtune search: start a search from a job file (or the embedded default),
 * or resume a stored one.
 */
#include "vmtune.h"
#include "../../lib/err.h"
#include "../engine/job.h"
#include "../view/runview.h"
#include "../view/ablview.h"
#include "../engine/search.h"
#include "../../lib/strbuf.h"
#include "../../search/strategy.h"

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
		strbuf_addf(&sb, "%s %lld/%lld #%lld %s %s", p->phase, (long long)p->confirm_done,
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
/* The noise floor and the verdict; *have_base: whether the defaults were measured. */
static int print_verdict(struct store *st, int64_t run, int *have_base, char *err)
{
	struct runview rv;
	struct noise nz = { 0 };
	struct confirmation cf = { 0 };
	struct ablview av = { 0 };
	struct strbuf sb = STRBUF_INIT;
	int rc = runview_load(&rv, st, run, err) || runview_noise(&rv, st, &nz, err) ||
		 runview_confirmation(&rv, st, &cf, err) || ablview_load(&rv, st, &av, err);
	if (!rc) {
		*have_base = rv.have_base;
		noise_format(&nz, 3, &sb);
		printf("noise floor: %s\n", sb.buf);
		if (rv.dropped)
			printf("%s\n", rv.dropped);
		strbuf_reset(&sb);
		confirmation_format(&cf, &sb);
		printf("%s\n", sb.buf);
		strbuf_reset(&sb);
		ablview_format(&rv, &av, &sb);
		fputs(sb.buf, stdout);
	}
	strbuf_release(&sb);
	ablview_release(&av);
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
	int have_base = 0;
	if (ri.n_done && print_verdict(st, run, &have_base, err))
		return fail(EXIT_RUNTIME, "%s", err);
	printf("see 'vmtune best %lld --db %s'\n", (long long)run, db);
	if (ri.n_completed && !ri.n_done)
		return fail(EXIT_RUNTIME, "no trial of run %lld measured anything (reasons: 'vmtune "
			    "trials %lld --db %s')", (long long)run, (long long)run, db);
	if (ri.n_done && !have_base)	/* scores are against the defaults: none means nothing */
		return fail(EXIT_RUNTIME, "run %lld never measured its defaults, so nothing is scored "
			    "(reasons: 'vmtune trials %lld --db %s')", (long long)run, (long long)run, db);
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
		if (t->origin == ORIGIN_BASELINE || trial_origin_after(t->origin) ||
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
	{ "dry-run", no_argument, NULL, 'D' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* What the command line asked for. */
struct search_args {
	const char *db, *job_file;	/* job_file NULL: the embedded default */
	int64_t trials, seed, resume;	/* seed -1: the job's, or a fresh one */
	double seconds;
	const char *hosts[64], *warm_specs[WARM_RUNS_MAX];
	size_t nhosts, nwarm_specs;
	int no_confirm, dry_run;
};

/* One option of the command line; -1 when it is taken, else the exit code. */
static int parse_opt(const struct cmd *c, int opt, char **argv, struct search_args *a,
		     struct progress_out *po)
{
	switch (opt) {
	case 'd':
		a->db = optarg;
		break;
	case 'n':
		if (parse_i64(optarg, 1, 100000000, &a->trials))
			return usage_error(c, "--trials wants a positive number, got '%s'", optarg);
		break;
	case 't':
		if (duration_parse(optarg, &a->seconds) || a->seconds <= 0)
			return usage_error(c, "--time wants a duration such as 90s, 15m or 8h (1ms to 365d), "
					   "got '%s'", optarg);
		break;
	case 's':
		if (parse_i64(optarg, 0, INT64_MAX, &a->seed))
			return usage_error(c, "--seed wants a number, got '%s'", optarg);
		break;
	case 'r':
		if (parse_run_id(c, optarg, &a->resume))
			return EXIT_USAGE;
		break;
	case 'q':
		po->quiet = 1;
		break;
	case 'C':
		a->no_confirm = 1;
		break;
	case 'D':
		a->dry_run = 1;
		break;
	case 'H':
		if (!*optarg)
			return usage_error(c, "--host wants a libvirt URI");
		if (a->nhosts == sizeof(a->hosts) / sizeof(*a->hosts))
			return usage_error(c, "at most %zu --host", a->nhosts);
		a->hosts[a->nhosts++] = optarg;
		break;
	case 'W':
		if (a->nwarm_specs == WARM_RUNS_MAX)
			return usage_error(c, "at most %d --warm-start", WARM_RUNS_MAX);
		a->warm_specs[a->nwarm_specs++] = optarg;
		break;
	case 'h':
		print_usage(c, stdout);
		return EXIT_OK;
	case ':':
		return usage_error(c, "'%s' needs a value", argv[optind - 1]);
	default:
		return usage_error(c, "unknown option '%s'", argv[optind - 1]);
	}
	return -1;
}

/* -1 when the command line asks for a search, else the exit code (--help: 0). */
static int parse_args(const struct cmd *c, int argc, char **argv, struct search_args *a,
		      struct progress_out *po)
{
	int opt, rc;
	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":hq", long_opts, NULL)) != -1)
		if ((rc = parse_opt(c, opt, argv, a, po)) >= 0)
			return rc;
	if (argc - optind > 1)
		return usage_error(c, "one job file at most");
	if (a->resume && (argc - optind || a->trials || a->seconds || a->seed >= 0 || a->no_confirm))
		return usage_error(c, "--resume takes the run's own job, budget, seed and "
				   "confirmation");
	if (a->resume && a->nwarm_specs)
		return usage_error(c, "--resume takes the run's own warm start");
	if (a->resume && a->dry_run)
		return usage_error(c, "--dry-run checks a job file, not a stored run");
	a->job_file = optind < argc ? argv[optind] : NULL;
	return -1;
}

/* --resume: the stored run's job, budget, seed and confirmation; 0 or the exit code. */
static int open_resumed(const struct search_args *a, struct job *job, struct store **st,
			struct search_opts *o)
{
	char err[ERR_LEN];
	struct run_info ri;
	if (access(a->db, F_OK))
		return fail(EXIT_USAGE, "%s: no such database", a->db);
	int orc = store_open(st, a->db, STORE_CREATE, err);
	if (orc)
		return fail(orc == STORE_EIO ? EXIT_RUNTIME : EXIT_USAGE, "%s", err);
	if (store_run_get(*st, a->resume, &ri, err)) {
		store_close(*st);
		return fail(EXIT_USAGE, "%s", err);
	}
	o->budget_trials = ri.budget_trials;
	o->budget_seconds = ri.budget_seconds;
	o->seed = ri.seed;
	o->confirm_repeats = ri.confirm_repeats;
	o->confirm_max = ri.confirm_max;
	o->max_cov = ri.max_cov;
	o->noise_floor = ri.noise_floor;
	if (job_load_text(job, ri.job_text, ri.job_path, ri.job_dir, err) || job_ready(job, err)) {
		store_close(*st);
		return fail(EXIT_USAGE, "run %lld: stored job: %s", (long long)a->resume, err);
	}
	return 0;
}

/* The job file, or the embedded jobs/default.yaml; -1 with err. */
static int load_job(const struct search_args *a, struct job *job, char *err)
{
	int rc;
	if (a->job_file) {
		rc = job_load_file(job, a->job_file, err);
	} else {
		/* paths start where the file's would */
		char *dir = beside_executable("jobs");
		rc = job_load_text(job, default_job_yaml, "<default job>", dir, err);
		free(dir);
	}
	if (!rc && (rc = job_ready(job, err)))
		job_release(job);
	return rc;
}

/*
 * --dry-run: the job loads and this machine can run it; what it will cost
 * in trials. Touches no database.
 */
static int dry_run(const struct search_args *a)
{
	char err[ERR_LEN];
	struct job job;
	struct strbuf d = STRBUF_INIT;
	if (load_job(a, &job, err))
		return fail(EXIT_USAGE, "%s", err);
	int64_t trials = a->trials ? a->trials : a->seconds ? 0 : job.budget_trials;
	int confirm = a->no_confirm ? 0 : job.confirm_repeats;
	printf("%s: target %s, %zu parameter%s, strategy %s, %d slot%s\n", job.path,
	       job.target->name, job.space.n, job.space.n == 1 ? "" : "s", job.strategy,
	       job_slots(&job), job_slots(&job) == 1 ? "" : "s");
	if (trials)
		printf("trials: %lld, the noise floor's %d included", (long long)trials,
		       job_noise_floor(&job, trials));
	else
		printf("trials: as many as the time allows, the noise floor's %d first",
		       job_noise_floor(&job, 0));
	if (a->seconds || job.budget_seconds) {
		format_duration(a->seconds ? a->seconds : job.budget_seconds, &d);
		printf("; none started after %s", d.buf);
	}
	if (confirm)
		printf("; then the confirmation's %d to %d\n", 2 * confirm, 2 * job.confirm_max);
	else
		printf("; no confirmation\n");
	strbuf_reset(&d);
	format_duration(job.trial_timeout, &d);
	printf("each trial at most %s\n", d.buf);
	if (!job.repeats && job_race_max(&job, trials) == 1)
		printf("racing: off under %d trials (each configuration measured once; the "
		       "confirmation measures the best afresh)\n", JOB_RACE_FROM);
	if (job_drift_every(&job)) {	/* beyond the budget: the strategy gets every trial */
		size_t hosts = job.nhosts ? job.nhosts : 1;
		int64_t floor = job_noise_floor(&job, trials);
		int64_t opening = floor > (int64_t)hosts ? floor : (int64_t)hosts;	/* BASE_OPEN's */
		int64_t open = job_drift_open(&job, trials, opening, hosts);
		printf("drift: the defaults measured ");
		if (open)
			printf("%lld more time%s at the start (a spread to tell a step by), ",
			       (long long)open, open == 1 ? "" : "s");
		printf("again every %d results, when a configuration measured again jumps, and "
		       "after the budget's last", job_drift_every(&job));
		if (trials)
			printf(" (%lld beyond the trials without a jump, %lld at most)",
			       (long long)(open + job_drift_planned(&job, trials, floor)),
			       (long long)job_drift_max(&job, trials, opening, hosts));
		printf("\n");
	} else {
		printf("drift: off (the noise floor's level holds for the whole search)\n");
	}
	if (job.space.nforbid) {	/* never proposed: what the catalogue and the job forbid */
		size_t allowed, total;
		space_allowed(&job.space, 1, 20000, &allowed, &total);
		printf("never proposed, %.1f%% of the space (%zu forbidden clause%s):\n",
		       100.0 * (double)(total - allowed) / (double)total, job.space.nforbid,
		       job.space.nforbid == 1 ? "" : "s");
		for (size_t i = 0; i < job.space.nforbid; i++)
			printf("  %s\n", job.space.forbid[i].why);
	}
	if (job_instances(&job) > 1)	/* N domains at once: on a small host, slower trials */
		printf("each trial boots %d VMs side by side (instances:), scored on their aggregate\n",
		       job_instances(&job));
	strbuf_release(&d);
	job_release(&job);
	return EXIT_OK;
}

/* A new run: the job file's (or the embedded default's) settings and the command line's. */
static int open_new(const struct search_args *a, struct job *job, struct store **st,
		    struct search_opts *o, int *created)
{
	char err[ERR_LEN];
	if (load_job(a, job, err))
		return fail(EXIT_USAGE, "%s", err);
	o->budget_trials = a->trials ? a->trials : job->budget_trials;
	o->budget_seconds = a->seconds ? a->seconds : job->budget_seconds;
	if (a->seconds && !a->trials)
		o->budget_trials = 0;	/* --time alone: run until the time is spent */
	o->seed = a->seed >= 0 ? (uint64_t)a->seed : job->has_seed ? job->seed : fresh_seed();
	o->confirm_repeats = a->no_confirm ? 0 : job->confirm_repeats;
	o->confirm_max = a->no_confirm ? 0 : job->confirm_max;
	o->max_cov = job->obj.max_cov;
	o->noise_floor = job_noise_floor(job, o->budget_trials);
	*created = access(a->db, F_OK) != 0;
	int orc = store_open(st, a->db, STORE_CREATE, err);
	if (orc) {
		job_release(job);
		return fail(orc == STORE_EIO ? EXIT_RUNTIME : EXIT_USAGE, "%s", err);
	}
	return 0;
}

/* The command line's hosts replace the job's. */
static void take_hosts(const struct search_args *a, struct job *job)
{
	if (!a->nhosts)
		return;
	for (size_t i = 0; i < job->nhosts; i++)
		free(job->hosts[i].uri);
	job->nhosts = 0;
	for (size_t i = 0; i < a->nhosts; i++)
		job_add_host(job, a->hosts[i], 1);
}

/* What a search driven from here has: its store and job, this program's progress, signals. */
static void drive(struct search_opts *o, struct store *st, const struct job *job, int64_t run,
		  struct progress_out *po)
{
	o->st = st;
	o->job = job;
	o->run = run;
	o->stop = stop_on_signals();
	o->progress = on_progress;
	o->notice = on_notice;
	o->progress_ud = po;
	signal(SIGPIPE, SIG_IGN);
}

/* Begins or resumes the run, runs it to its end, then its summary; the exit code. */
static int run_search(const struct search_args *a, struct search_opts *o,
		      struct progress_out *po, int created, int *drop_db)
{
	char err[ERR_LEN];
	struct search *s = search_new(o);
	enum search_end end;
	int ret = EXIT_RUNTIME;
	if (a->resume ? search_resume(s, err) : search_begin(s, err)) {
		fail(EXIT_RUNTIME, "%s", err);
		*drop_db = created && !search_run(s);	/* the target could not open: no empty database */
		goto out;
	}
	if (!a->resume && !po->quiet)
		fprintf(stderr, "vmtune: run %lld in %s (seed %llu)\n", (long long)search_run(s),
			a->db, (unsigned long long)o->seed);
	int rc = search_loop(s, &end, err);
	if (po->tty && !po->quiet)
		fputc('\n', stderr);
	if (rc) {
		fail(EXIT_RUNTIME, "%s", err);
		goto out;
	}
	if (end == SEARCH_INTERRUPTED) {
		fail(EXIT_RUNTIME, "interrupted; resume with 'vmtune search --resume %lld --db %s'",
		     (long long)search_run(s), a->db);
		goto out;
	}
	if (end == SEARCH_EXHAUSTED && !po->quiet)
		fprintf(stderr, "vmtune: the strategy has no configuration left to propose\n");
	ret = summarize(o->st, search_run(s), a->db);
out:
	search_free(s);
	return ret;
}

static int search_main(int argc, char **argv)
{
	struct search_args a = { .db = DEFAULT_DB, .seed = -1 };
	struct progress_out po = { .tty = isatty(2) };
	int rc = parse_args(&cmd_search, argc, argv, &a, &po);
	if (rc >= 0)
		return rc;
	if (a.dry_run)
		return dry_run(&a);

	char err[ERR_LEN];
	struct job job;
	struct store *st = NULL;
	struct search_opts o = { 0 };
	int created = 0, drop_db = 0;
	if ((rc = a.resume ? open_resumed(&a, &job, &st, &o) : open_new(&a, &job, &st, &o, &created)))
		return rc;

	struct warm_set warm = { 0 };
	for (size_t i = 0; i < a.nwarm_specs; i++) {
		rc = warm_load(&warm, a.warm_specs[i], a.db, st, &job.space, po.quiet, err);
		if (rc) {
			warm_release(&warm);
			store_close(st);
			job_release(&job);
			if (created)	/* a refused search leaves no database behind */
				remove_db(a.db);
			return fail(rc, "--warm-start %s: %s", a.warm_specs[i], err);
		}
	}
	take_hosts(&a, &job);
	po.hosts = job.nhosts > 1 || (job.nhosts == 1 && job.hosts[0].slots > 1);
	o.warm = warm.v;
	o.nwarm = warm.n;
	drive(&o, st, &job, a.resume, &po);
	rc = run_search(&a, &o, &po, created, &drop_db);
	store_close(st);
	warm_release(&warm);
	job_release(&job);
	if (drop_db)
		remove_db(a.db);
	return rc;
}

const struct cmd cmd_search = {
	.name = "search",
	.fn = search_main,
	.summary = "search a job's space for the best configuration",
	.usage =
	"vmtune search [JOB] [--db FILE] [--trials N] [--time DURATION] [--seed N]\n"
	"              [--host URI]... [--warm-start [FILE:]RUN]... [--no-confirm] [--quiet]\n"
	"              [--dry-run]\n"
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
	"  --trials N        stop after N completed trials (overrides the job's budget;\n"
	"                    drift's measurements of the defaults run beyond it)\n"
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
	"  --dry-run         check the job (and that this machine can run it), say what\n"
	"                    it will cost in trials, and stop: no database, no trial\n"
	"\n"
	"strategies: tpe (default), local, anneal, random, grid. targets: exec, libvirt.\n"
	"SIGINT or SIGTERM stops after marking the running trial interrupted (exit 3).",
};

/* ---- vmtune ablate ------------------------------------------------------ */

static const struct option ablate_long[] = {
	{ "db", required_argument, NULL, 'd' },
	{ "config", required_argument, NULL, 'c' },
	{ "repeats", required_argument, NULL, 'r' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* --config: best, a trial of run, or a file; its JSON and what it is; 0 or the exit code. */
static int ablate_config(struct store *st, int64_t run, const struct job *job, const char *which,
			 char **json, char **source)
{
	char err[ERR_LEN];
	struct runview rv;
	struct strbuf sb = STRBUF_INIT;
	int64_t id;
	if (runview_load(&rv, st, run, err))
		return fail(EXIT_RUNTIME, "%s", err);
	int rc = runview_pick_config(&rv, which, job, json, err);
	runview_release(&rv);
	if (rc)
		return fail(EXIT_USAGE, "--config %s: %s", which, err);
	if (!strcmp(which, "best"))
		strbuf_addstr(&sb, "the best");
	else if (!parse_i64(which, 1, INT64_MAX, &id))
		strbuf_addf(&sb, "trial %lld", (long long)id);
	else
		strbuf_addf(&sb, "%s", which);
	*source = strbuf_detach(&sb);
	return 0;
}

static int ablate_main(int argc, char **argv)
{
	const struct cmd *c = &cmd_ablate;
	struct search_args a = { .db = DEFAULT_DB, .seed = -1 };
	struct progress_out po = { .tty = isatty(2) };
	const char *pick = NULL;	/* the stored ablation's, else the best */
	int64_t repeats = JOB_DEFAULT_ABLATE;
	int opt;
	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":hq", ablate_long, NULL)) != -1) {
		if (opt == 'c')
			pick = optarg;
		else if (opt == 'r' && parse_i64(optarg, 2, 100, &repeats))
			return usage_error(c, "--repeats wants 2 to 100 measurements, got '%s'", optarg);
		else if (opt != 'r' && (opt = parse_opt(c, opt, argv, &a, &po)) >= 0)
			return opt;
	}
	if (argc - optind != 1)
		return usage_error(c, "which run? (vmtune runs lists them)");
	if (parse_run_id(c, argv[optind], &a.resume))
		return EXIT_USAGE;

	struct job job;
	struct store *st = NULL;
	struct search_opts o = { 0 };
	char *json = NULL, *source = NULL;
	int rc, drop_db = 0;
	if ((rc = open_resumed(&a, &job, &st, &o)))
		return rc;
	if (pick && (rc = ablate_config(st, a.resume, &job, pick, &json, &source))) {
		store_close(st);
		job_release(&job);
		return rc;
	}
	drive(&o, st, &job, a.resume, &po);
	o.ablate = 1;
	o.ablate_config = json;
	o.ablate_source = source ? source : "the best";
	o.ablate_repeats = (int)repeats;
	rc = run_search(&a, &o, &po, 0, &drop_db);
	store_close(st);
	job_release(&job);
	free(json);
	free(source);
	return rc;
}

const struct cmd cmd_ablate = {
	.name = "ablate",
	.fn = ablate_main,
	.summary = "which of a run's changes from the defaults carry its gain",
	.usage =
	"vmtune ablate RUN [--db FILE] [--config best|TRIAL|FILE] [--repeats N] [--quiet]\n"
	"\n"
	"Ablation (Fawcett & Hoos 2016) of run RUN: the path from the job's defaults to\n"
	"the configuration. At each step every remaining change is tried alone on top\n"
	"of the path so far, measured N times, and the one that scores best is kept.\n"
	"Each step's gain has a 95% interval against the step before and against the\n"
	"defaults; a step whose gain is beyond the noise (Benjamini-Hochberg over the\n"
	"steps, 5%) carries, the others are passengers. The minimal set, the shortest\n"
	"prefix of the path not worse than all of it, is then kept by a fresh A B\n"
	"against the whole configuration (as the confirmation: 5 each, up to 10).\n"
	"A change whose when: does not hold on the path is skipped at that step.\n"
	"Each step's metrics are judged as one family (Benjamini-Hochberg, 5%).\n"
	"\n"
	"Its trials are stored with the run (origin ablate, ablate-base, ablate-check);\n"
	"the strategy never sees them. Killed, it goes on where it stopped when run\n"
	"again. A run still searching finishes its search and confirmation first.\n"
	"Cost: for k changes, N (k (k + 1) / 2 + k) trials at most (each step's\n"
	"changes and its base measured afresh), then the A B: 10 to 20 trials.\n"
	"\n"
	"  --db FILE          the database (default vmtune.db)\n"
	"  --config best      the run's best configuration (default; what `vmtune best` shows)\n"
	"  --config TRIAL     that trial's configuration\n"
	"  --config FILE      a configuration of the run's job, as JSON\n"
	"  --repeats N        measurements of each change at each step (default 3)\n"
	"  --quiet            no progress output\n"
	"\n"
	"A job's 'ablate: on' runs it after a confirmed gain. 'vmtune best RUN' shows\n"
	"it; 'vmtune apply RUN --minimal' gives only the minimal set.",
};
