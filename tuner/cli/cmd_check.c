/*
 * vmtune check: the CI regression gate. Measures a configuration now (a new
 * run of strategy "check", stored like any other) and compares every metric
 * with a named baseline's stored measurements: the relative change of the
 * medians with a bootstrap CI, and the Mann-Whitney U test. A metric has
 * regressed when it moved the worse way by more than --max-regression and
 * the test says the move is real (p < CHECK_ALPHA).
 */
#include "vmtune.h"
#include "../../lib/err.h"
#include "../view/runview.h"
#include "../engine/search.h"
#include "../../results/compare.h"
#include "../../results/stats.h"

#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <libxml/xmlwriter.h>

#define CHECK_ALPHA 0.05
#define CHECK_RESAMPLES 2000
#define CHECK_MIN_BASE 3	/* measurements of the baseline a gate needs to be able to fail */

struct verdict {
	char *metric;
	enum better better;
	double *base, *now;
	size_t nbase, nnow;
	double mbase, mnow, change, lo, hi, p;
	double detects;		/* the smallest change these data find 80% of the time */
	int regressed;
};

static void add_sample(struct verdict **v, size_t *n, const char *metric, double x, int now)
{
	size_t i = 0;
	while (i < *n && strcmp((*v)[i].metric, metric))
		i++;
	if (i == *n) {
		*v = xrealloc(*v, (*n + 1) * sizeof(**v));
		(*v)[(*n)++] = (struct verdict){ .metric = xstrdup(metric) };
	}
	struct verdict *d = &(*v)[i];
	double **arr = now ? &d->now : &d->base;
	size_t *len = now ? &d->nnow : &d->nbase;
	*arr = xrealloc(*arr, (*len + 1) * sizeof(double));
	(*arr)[(*len)++] = x;
}

/* Every measurement of the done trials of rv whose config is cfg (trial only, if set). */
static int gather(struct store *st, const struct runview *rv, const char *cfg, int64_t trial,
		  int now, struct verdict **v, size_t *n, char *err)
{
	for (size_t i = 0; i < rv->n; i++) {
		const struct tview *t = &rv->t[i];
		struct sample *smp;
		size_t ns;
		if (t->status != TS_DONE || strcmp(t->config, cfg) || (trial && t->id != trial))
			continue;
		if (store_trial_samples(st, t->id, &smp, &ns, err))
			return -1;
		for (size_t k = 0; k < ns; k++)
			add_sample(v, n, smp[k].metric, smp[k].value, now);
		store_samples_free(smp, ns);
	}
	return 0;
}

static int write_junit(const char *path, const char *name, const struct verdict *v, size_t n,
		       double seconds, char *err)
{
	xmlTextWriterPtr w = xmlNewTextWriterFilename(path, 0);
	size_t failures = 0, tests = 0;
	char buf[64];
	if (!w)
		return seterr(err, "cannot write %s", path), -1;
	for (size_t i = 0; i < n; i++) {
		tests += v[i].nbase && v[i].nnow;
		failures += v[i].regressed;
	}
	int rc = xmlTextWriterSetIndent(w, 1) < 0 ||
		 xmlTextWriterStartDocument(w, NULL, "UTF-8", NULL) < 0 ||
		 xmlTextWriterStartElement(w, BAD_CAST "testsuites") < 0 ||
		 xmlTextWriterStartElement(w, BAD_CAST "testsuite") < 0;
	struct strbuf suite = STRBUF_INIT;
	strbuf_addf(&suite, "vmtune check %s", name);
	snprintf(buf, sizeof(buf), "%zu", tests);
	rc = rc || xmlTextWriterWriteAttribute(w, BAD_CAST "name", BAD_CAST suite.buf) < 0 ||
	     xmlTextWriterWriteAttribute(w, BAD_CAST "tests", BAD_CAST buf) < 0;
	snprintf(buf, sizeof(buf), "%zu", failures);
	rc = rc || xmlTextWriterWriteAttribute(w, BAD_CAST "failures", BAD_CAST buf) < 0 ||
	     xmlTextWriterWriteAttribute(w, BAD_CAST "errors", BAD_CAST "0") < 0;
	snprintf(buf, sizeof(buf), "%.3f", seconds);
	rc = rc || xmlTextWriterWriteAttribute(w, BAD_CAST "time", BAD_CAST buf) < 0;
	for (size_t i = 0; i < n && !rc; i++) {
		const struct verdict *d = &v[i];
		if (!d->nbase || !d->nnow)
			continue;
		struct strbuf msg = STRBUF_INIT;
		strbuf_addf(&msg, "%s changed %+.2f%% (95%% CI [%+.2f%%, %+.2f%%]), median %g -> %g, "
			    "Mann-Whitney p = %.4f", d->metric, 100 * d->change, 100 * d->lo,
			    100 * d->hi, d->mbase, d->mnow, d->p);
		rc = xmlTextWriterStartElement(w, BAD_CAST "testcase") < 0 ||
		     xmlTextWriterWriteAttribute(w, BAD_CAST "classname", BAD_CAST suite.buf) < 0 ||
		     xmlTextWriterWriteAttribute(w, BAD_CAST "name", BAD_CAST d->metric) < 0 ||
		     xmlTextWriterWriteAttribute(w, BAD_CAST "time", BAD_CAST "0") < 0;
		if (!rc && d->regressed)
			rc = xmlTextWriterStartElement(w, BAD_CAST "failure") < 0 ||
			     xmlTextWriterWriteAttribute(w, BAD_CAST "message", BAD_CAST msg.buf) < 0 ||
			     xmlTextWriterWriteAttribute(w, BAD_CAST "type", BAD_CAST "regression") < 0 ||
			     xmlTextWriterWriteString(w, BAD_CAST msg.buf) < 0 ||
			     xmlTextWriterEndElement(w) < 0;
		else if (!rc)
			rc = xmlTextWriterWriteElement(w, BAD_CAST "system-out", BAD_CAST msg.buf) < 0;
		rc = rc || xmlTextWriterEndElement(w) < 0;
		strbuf_release(&msg);
	}
	rc = rc || xmlTextWriterEndDocument(w) < 0;
	xmlFreeTextWriter(w);
	strbuf_release(&suite);
	if (rc)
		return seterr(err, "cannot write %s", path), -1;
	return 0;
}

static const struct option long_opts[] = {
	{ "db", required_argument, NULL, 'd' },
	{ "baseline", required_argument, NULL, 'b' },
	{ "config", required_argument, NULL, 'c' },
	{ "repeats", required_argument, NULL, 'r' },
	{ "max-regression", required_argument, NULL, 'm' },
	{ "junit", required_argument, NULL, 'j' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* Why the JUnit file cannot be written where it is asked for; NULL when it can. */
static const char *junit_unwritable(const char *path)
{
	struct stat st;
	char *dir = xstrdup(path), *slash = strrchr(dir, '/');
	const char *why = NULL;
	if (!*path)
		why = "an empty path";
	else if (stat(path, &st) == 0 && !S_ISREG(st.st_mode))
		why = "not a regular file";
	else if (slash && (*slash = '\0', access(slash == dir ? "/" : dir, W_OK)))
		why = "its folder is missing or not writable";
	else if (!slash && access(".", W_OK))
		why = "this folder is not writable";
	free(dir);
	return why;
}

/* What the command line asked for. */
struct check_args {
	const char *db, *name, *which, *junit;
	int64_t repeats;
	double max_reg;		/* percent */
	int quiet;
};

/* -1 when the command line asks for a check, else the exit code (--help: 0). */
static int parse_args(const struct cmd *c, int argc, char **argv, struct check_args *a)
{
	int opt;
	char *end;
	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":hq", long_opts, NULL)) != -1) {
		switch (opt) {
		case 'd': a->db = optarg; break;
		case 'b': a->name = optarg; break;
		case 'c': a->which = optarg; break;
		case 'j': a->junit = optarg; break;
		case 'q': a->quiet = 1; break;
		case 'r':
			if (parse_i64(optarg, 2, 1000, &a->repeats))
				return usage_error(c, "--repeats is a number from 2 to 1000");
			break;
		case 'm':
			a->max_reg = strtod(optarg, &end);
			if (end == optarg || *end || !(a->max_reg >= 0 && a->max_reg < 1000))
				return usage_error(c, "--max-regression is a percentage, e.g. 5");
			break;
		case 'h': print_usage(c, stdout); return EXIT_OK;
		case ':': return usage_error(c, "'%s' needs a value", argv[optind - 1]);
		default: return usage_error(c, "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return usage_error(c, "unexpected argument '%s'", argv[optind]);
	if (!a->name)
		return usage_error(c, "which baseline? (--baseline NAME; see 'vmtune baseline list')");
	const char *why = a->junit ? junit_unwritable(a->junit) : NULL;
	if (why)	/* said before anything is measured */
		return usage_error(c, "--junit %s: %s", a->junit, why);
	return -1;
}

/* One check: the baseline's run and measurements, then the new run's. */
struct check {
	const struct check_args *a;
	struct store *st;
	struct baseline b;
	struct run_info ri;
	struct job job;
	int64_t run;			/* the new run */
	struct runview brv, nrv;	/* the baseline's run, the new one */
	struct verdict *v;
	size_t nv;
	size_t fewest;			/* the fewest measurements of a metric in the baseline */
	char *cfg_json;			/* the configuration measured now */
	char err[ERR_LEN];
};

/* The baseline, its stored job and measurements; -1 when loaded, else the exit code. */
static int load_baseline(struct check *k)
{
	const char *name = k->a->name;
	char *err = k->err;
	if (store_baseline_get(k->st, name, &k->b, err) ||
	    store_run_get(k->st, k->b.run_id, &k->ri, err))
		return fail(EXIT_USAGE, "%s", err);
	if (job_load_text(&k->job, k->ri.job_text, k->ri.job_path, k->ri.job_dir, err))
		return fail(EXIT_USAGE, "run %lld: stored job: %s", (long long)k->b.run_id, err);
	if (job_ready(&k->job, err)) {	/* it runs trials */
		job_release(&k->job);
		memset(&k->job, 0, sizeof(k->job));
		return fail(EXIT_USAGE, "run %lld: stored job: %s", (long long)k->b.run_id, err);
	}
	if (runview_load(&k->brv, k->st, k->b.run_id, err))
		return fail(EXIT_RUNTIME, "%s", err);
	if (!k->a->which && !strcmp(k->brv.strategy, "check"))
		k->cfg_json = xstrdup(k->b.config);	/* measured by baseline save --measure */
	else if (runview_pick_config(&k->brv, k->a->which, &k->job, &k->cfg_json, err))
		return fail(EXIT_USAGE, "%s", err);
	if (gather(k->st, &k->brv, k->b.config, k->b.trial_id, 0, &k->v, &k->nv, err))
		return fail(EXIT_RUNTIME, "%s", err);
	if (!k->nv)
		return fail(EXIT_USAGE, "baseline %s has no measurements", name);
	/* a gate that cannot fail says so instead of passing */
	k->fewest = SIZE_MAX;
	for (size_t i = 0; i < k->nv; i++)
		if (k->v[i].nbase < k->fewest)
			k->fewest = k->v[i].nbase;
	if (k->fewest < CHECK_MIN_BASE)
		return fail(EXIT_USAGE, "baseline %s has %zu measurement%s of a metric: too few to tell "
			    "a regression from noise (at least %d; save one with 'vmtune baseline save "
			    "%s %lld --measure 5')", name, k->fewest, k->fewest == 1 ? "" : "s",
			    CHECK_MIN_BASE, name, (long long)k->b.run_id);
	return -1;
}

/* The configuration measured now, in a run of its own; -1 when measured, else the exit code. */
static int measure(struct check *k)
{
	if (!k->a->quiet)
		fprintf(stderr, "vmtune: measuring %s %lld times for baseline %s\n", k->cfg_json,
			(long long)k->a->repeats, k->a->name);
	struct search_opts o = { .st = k->st, .job = &k->job, .seed = k->ri.seed,
				 .stop = stop_on_signals() };
	int rc = search_measure_json(&o, k->cfg_json, (int)k->a->repeats, &k->run, k->err);
	if (rc)
		return rc < 0 ? fail(EXIT_RUNTIME, "%s", k->err)
			      : fail(EXIT_RUNTIME, "interrupted; nothing was judged");
	if (runview_load(&k->nrv, k->st, k->run, k->err) ||
	    gather(k->st, &k->nrv, k->cfg_json, 0, 1, &k->v, &k->nv, k->err))
		return fail(EXIT_RUNTIME, "%s", k->err);
	return -1;
}

/* One metric's verdict, and its row of the table. */
static void judge_metric(const struct check *k, struct verdict *d)
{
	double max_reg = k->a->max_reg, u;
	if (store_metric_better(k->st, k->b.run_id, d->metric, &d->better, NULL))
		d->better = BETTER_UNKNOWN;
	d->mbase = stats_median(d->base, d->nbase);
	d->mnow = stats_median(d->now, d->nnow);
	d->p = stats_mann_whitney(d->now, d->nnow, d->base, d->nbase, &u);
	d->change = d->mnow / d->mbase - 1;
	if (stats_bootstrap_ratio_ci(d->now, d->nnow, d->base, d->nbase, 0.95, CHECK_RESAMPLES,
				     k->ri.seed, &d->lo, &d->hi))
		d->lo = d->hi = d->change + 1;
	d->lo -= 1;
	d->hi -= 1;
	double worse = d->better == BETTER_LOWER ? d->change
		       : d->better == BETTER_HIGHER ? -d->change : 0;
	d->regressed = worse > max_reg / 100 && d->p < CHECK_ALPHA;
	struct comparison cmp;
	d->detects = compare_samples(d->base, d->nbase, d->now, d->nnow, 1 - CHECK_ALPHA, &cmp)
		     ? NAN : cmp.detectable;
	struct strbuf ci = STRBUF_INIT;
	strbuf_addf(&ci, "[%+.1f%%, %+.1f%%]", 100 * d->lo, 100 * d->hi);
	printf("%-26s %12.6g %12.6g %+8.1f%%  %-21s %7.4f %7.1f%%  %s\n", d->metric, d->mbase,
	       d->mnow, 100 * d->change, ci.buf, d->p, 100 * d->detects,
	       d->regressed ? "REGRESSION"
	       : d->better == BETTER_UNKNOWN ? "(no direction: not judged)" : "ok");
	strbuf_release(&ci);
}

/* Every metric measured on both sides judged; the exit code. */
static int judge(struct check *k)
{
	const struct check_args *a = k->a;
	size_t judged = 0, regressed = 0, blind = 0;
	printf("check of baseline %s (run %lld) against run %lld: %s\n", a->name,
	       (long long)k->b.run_id, (long long)k->run, k->cfg_json);
	printf("%-26s %12s %12s %9s  %-21s %7s %8s  %s\n", "metric", "baseline", "now", "change",
	       "95% CI", "p", "detects", "verdict");
	for (size_t i = 0; i < k->nv; i++) {
		struct verdict *d = &k->v[i];
		if (!d->nbase || !d->nnow)
			continue;
		judged++;
		judge_metric(k, d);
		regressed += d->regressed;
		if (d->better != BETTER_UNKNOWN && !(d->detects <= a->max_reg / 100))
			blind++;
	}
	if (!judged)
		return fail(EXIT_RUNTIME, "no metric measured both now and in baseline %s", a->name);
	if (a->junit && write_junit(a->junit, a->name, k->v, k->nv, k->nrv.elapsed, k->err))
		return fail(EXIT_RUNTIME, "%s", k->err);
	printf("%zu metric%s judged, %zu regressed by more than %g%% (p < %g)\n", judged,
	       judged == 1 ? "" : "s", regressed, a->max_reg, CHECK_ALPHA);
	if (blind)
		printf("warning: for %zu metric%s the noise and %zu + %lld measurements detect only "
		       "changes larger than %g%% (column 'detects'): more --repeats, or a baseline "
		       "of more measurements, narrow it\n", blind, blind == 1 ? "" : "s", k->fewest,
		       (long long)a->repeats, a->max_reg);
	return regressed ? EXIT_CHECK : EXIT_OK;
}

static int check_main(int argc, char **argv)
{
	struct check_args a = { .db = DEFAULT_DB, .repeats = 5, .max_reg = 5 };
	int ret = parse_args(&cmd_check, argc, argv, &a);
	if (ret >= 0)
		return ret;
	struct check k = { .a = &a };
	if (access(a.db, F_OK))
		return fail(EXIT_USAGE, "%s: no such database", a.db);
	if (store_open(&k.st, a.db, STORE_CREATE, k.err))
		return fail(EXIT_USAGE, "%s", k.err);
	if ((ret = load_baseline(&k)) < 0 && (ret = measure(&k)) < 0)
		ret = judge(&k);
	for (size_t i = 0; i < k.nv; i++) {
		free(k.v[i].metric);
		free(k.v[i].base);
		free(k.v[i].now);
	}
	free(k.v);
	free(k.cfg_json);
	runview_release(&k.brv);	/* safe on a zeroed or half-loaded view */
	runview_release(&k.nrv);
	if (k.job.path)
		job_release(&k.job);
	store_baseline_release(&k.b);
	store_close(k.st);
	return ret;
}

const struct cmd cmd_check = {
	.name = "check",
	.fn = check_main,
	.summary = "measure a configuration now and fail on a regression against a baseline",
	.usage =
	"vmtune check --baseline NAME [--config best|TRIAL|FILE] [--repeats N]\n"
	"             [--max-regression PCT] [--junit FILE] [--db FILE] [--quiet]\n"
	"\n"
	"Measures the configuration N times now (default 5; a new run, stored) and\n"
	"compares every metric with the baseline's stored measurements: the change\n"
	"of the medians with a 95% bootstrap CI, and the Mann-Whitney U test. A\n"
	"metric regressed when it moved the worse way by more than PCT (default 5)\n"
	"and p < 0.05; 'detects' is the smallest change the data at hand find 80% of\n"
	"the time, and a warning names the metrics where it exceeds PCT. A baseline\n"
	"of fewer than 3 measurements is refused (exit 2): it could not fail.\n"
	"--config: best (the baseline run's best, default), a trial id\n"
	"of that run, or a file holding a configuration as JSON.\n"
	"\n"
	"Exit: 0 no regression, 1 a regression, 2 bad input, 3 could not measure.\n"
	"--junit writes JUnit XML, one testcase per metric.\n",
};
