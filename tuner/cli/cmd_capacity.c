/*
 * vmtune capacity JOB: how many VMs of one configuration fit on this host,
 * each keeping --keep of what it measures alone. The steps (1, 2, 4, ...,
 * then a bisection) are runs of their own in the database, measured with
 * repeats (tuner/engine/capacity.h); the answer comes with its intervals.
 */
#include "vmtune.h"
#include "../../lib/err.h"
#include "../engine/search.h"
#include "../view/runview.h"
#include "../target/target-libvirt.h"

#include <getopt.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

struct cap_args {
	const char *job_path, *db, *which, *format;
	int64_t run;		/* whose best or trial; 0: the job's newest search */
	double keep;
	int64_t max, repeats;
};

static const struct option long_opts[] = {
	{ "db", required_argument, NULL, 'd' },
	{ "run", required_argument, NULL, 'r' },
	{ "config", required_argument, NULL, 'c' },
	{ "keep", required_argument, NULL, 'k' },
	{ "max", required_argument, NULL, 'm' },
	{ "repeats", required_argument, NULL, 'n' },
	{ "format", required_argument, NULL, 'f' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* "90%" or "90": a percent from 1 to 100, as a fraction. */
static int parse_keep(const char *s, double *out)
{
	char *end;
	double v = strtod(s, &end);
	if (end == s || (*end && strcmp(end, "%")) || !(v >= 1 && v <= 100))
		return -1;
	*out = v / 100;
	return 0;
}

static int parse_args(int argc, char **argv, struct cap_args *a)
{
	const struct cmd *c = &cmd_capacity;
	int opt;
	*a = (struct cap_args){ .db = DEFAULT_DB, .keep = 0.9, .max = 8, .repeats = 3,
				.format = "text" };
	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", long_opts, NULL)) != -1) {
		switch (opt) {
		case 'd': a->db = optarg; break;
		case 'c': a->which = optarg; break;
		case 'r':
			if (parse_run_id(c, optarg, &a->run))
				return EXIT_USAGE;
			break;
		case 'k':
			if (parse_keep(optarg, &a->keep))
				return usage_error(c, "--keep needs a percent from 1 to 100, such as 90%%");
			break;
		case 'm':
			if (parse_i64(optarg, 1, LIBVIRT_MAX_INSTANCES, &a->max))
				return usage_error(c, "--max needs a number of instances, 1 to %d",
						   LIBVIRT_MAX_INSTANCES);
			break;
		case 'n':
			if (parse_i64(optarg, 2, 50, &a->repeats))
				return usage_error(c, "--repeats needs 2 to 50 (an interval needs 2)");
			break;
		case 'f':
			if (strcmp(optarg, "text") && strcmp(optarg, "json"))
				return usage_error(c, "--format is text or json");
			a->format = optarg;
			break;
		case 'h': print_usage(c, stdout); return -1;
		default: return usage_error(c, "unknown option");
		}
	}
	if (optind != argc - 1)
		return usage_error(c, optind < argc ? "one job file" : "which job? (a job file)");
	a->job_path = argv[optind];
	return 0;
}

struct newest {
	const char *name;
	int64_t run;
};

static int take_newest(const struct run_info *ri, void *ud)
{
	struct newest *n = ud;
	if (!strcmp(ri->name, n->name) && strcmp(ri->strategy, "check") &&
	    strcmp(ri->strategy, "capacity") && ri->id > n->run)
		n->run = ri->id;
	return 0;
}

/* The configuration to measure, as JSON; -1 when found, else the exit code. */
static int pick(const struct cap_args *a, struct store *st, const struct job *job, char **json)
{
	char err[ERR_LEN];
	struct runview rv;
	if (a->which && !strcmp(a->which, "defaults")) {
		union pval *cfg = config_defaults(&job->space);
		*json = config_to_json(&job->space, cfg);
		free(cfg);
		return -1;
	}
	int64_t run = a->run;
	struct newest n = { .name = job->name };
	if (!run && store_runs_foreach(st, take_newest, &n, err))
		return fail(EXIT_RUNTIME, "%s", err);
	if (!run && !(run = n.run) && (!a->which || !strcmp(a->which, "best") ||
				       strspn(a->which, "0123456789") == strlen(a->which)))
		return fail(EXIT_USAGE, "%s: no search of job '%s' to take a configuration from "
			    "(--run RUN, or --config defaults or FILE)", a->db, job->name);
	if (run && runview_load(&rv, st, run, err))
		return fail(EXIT_USAGE, "%s", err);
	int rc = runview_pick_config(run ? &rv : NULL, a->which, job, json, err);
	if (run)
		runview_release(&rv);
	return rc ? fail(EXIT_USAGE, "%s", err) : -1;
}

static void on_step(void *ud, const struct cap_step *s)
{
	(void)ud;
	if (s->reference) {
		fprintf(stderr, "capacity: one VM again: %.3f [%.3f, %.3f] of its first figures "
			"(%zu measurements, run %lld)\n", s->score, s->lo, s->hi, s->n,
			(long long)s->run);
		return;
	}
	fprintf(stderr, "capacity: %d instance%s: score %.3f [%.3f, %.3f] of one's, worst VM %.3f, "
		"%.0f MiB of host memory per VM (%zu measurements, run %lld)\n", s->instances,
		s->instances == 1 ? "" : "s", s->score, s->lo, s->hi, s->worst, s->mem_mib, s->n,
		(long long)s->run);
}

static const struct cap_step *step_of(const struct capacity *c, int n)
{
	for (size_t i = 0; i < c->n; i++)
		if (c->steps[i].instances == n)
			return &c->steps[i];
	return NULL;
}

/* The answer, in words, with its uncertainty. */
static void answer(const struct capacity *c, double keep, int64_t max, struct strbuf *out,
		   int *certain)
{
	const struct cap_step *ok = step_of(c, c->fits), *no = c->fails ? step_of(c, c->fails) : NULL;
	*certain = ok && (c->fits == 1 || ok->lo >= keep) && (!no || no->hi < keep);
	strbuf_addf(out, "fits %s%d VM%s", c->why == CAP_MAX ? "at least " : "", c->fits,
		    c->fits == 1 ? "" : "s");
	if (ok && c->fits > 1)
		strbuf_addf(out, ": at %d each keeps %.0f%% [%.0f%%, %.0f%%] of its one-VM score",
			    c->fits, 100 * ok->score, 100 * ok->lo, 100 * ok->hi);
	if (no)
		strbuf_addf(out, "; at %d, %.0f%% [%.0f%%, %.0f%%], below %.0f%%", c->fails,
			    100 * no->score, 100 * no->lo, 100 * no->hi, 100 * keep);
	else if (c->why == CAP_MEMORY)
		strbuf_addf(out, "; %d would need more than the host's available %.0f MiB", c->fails,
			    c->mem_avail_mib);
	else if (c->why == CAP_MAX)
		strbuf_addf(out, " (--max %lld reached)", (long long)max);
	if (!*certain)
		strbuf_addf(out, "\nuncertain: an interval crosses %.0f%%; more --repeats narrow it",
			    100 * keep);
	double lo = 1, hi = 1;
	for (size_t i = 0; i < c->nrefs; i++) {
		const struct cap_step *r = &c->refs[i];
		if (r->hi < 1 || r->lo > 1) {	/* its interval leaves out the first's figures */
			lo = fmin(lo, r->score);
			hi = fmax(hi, r->score);
		}
	}
	if (lo < 1 || hi > 1)
		strbuf_addf(out, "\nthe host's own speed moved: one VM alone measured %.0f%% to %.0f%% "
			    "of its first figures between steps; each step is scored against the "
			    "one-VM runs either side of it", 100 * lo, 100 * hi);
}

static json_t *num(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

static json_t *steps_json(const struct cap_step *st, size_t n)
{
	json_t *steps = json_array();
	for (size_t i = 0; i < n; i++) {
		const struct cap_step *s = &st[i];
		json_array_append_new(steps, json_pack("{s:i, s:I, s:I, s:o, s:o, s:o, s:o, s:o, s:o}",
			"instances", s->instances, "run", (json_int_t)s->run, "measurements",
			(json_int_t)s->n, "score", num(s->score), "lo", num(s->lo), "hi", num(s->hi),
			"worst", num(s->worst), "host_mem_mib_per_vm", num(s->mem_mib),
			"host_cpu_s_per_vm", num(s->cpu_s)));
	}
	return steps;
}

static void print_json(const struct capacity *c, const struct cap_args *a, const char *cfg,
		       const char *accel, int certain)
{
	json_t *steps = steps_json(c->steps, c->n);
	static const char *const why[] = { "below keep", "memory", "max" };
	json_t *o = json_pack("{s:I, s:s, s:s, s:f, s:i, s:i, s:s, s:b, s:o, s:o}", "series",
			      (json_int_t)c->head, "config", cfg, "accel", accel, "keep", a->keep,
			      "fits", c->fits, "fails", c->fails, "stopped_by", why[c->why],
			      "certain", certain, "steps", steps, "references",
			      steps_json(c->refs, c->nrefs));
	char *text = json_dumps(o, JSON_INDENT(2) | JSON_SORT_KEYS);
	printf("%s\n", text);
	free(text);
	json_decref(o);
}

static void print_text(const struct capacity *c, const struct cap_args *a, const char *name,
		       const char *cfg, const char *accel, const struct strbuf *ans)
{
	printf("capacity of %s on this host (%s%s), keep %.0f%% of one VM's score\nconfig %s\n%s\n",
	       name, accel, !strcmp(accel, "tcg") ? ": TCG's figures, not KVM's" : "",
	       100 * a->keep, cfg, ans->buf);
	printf("%9s %7s  %-16s %8s %12s %13s %5s\n", "instances", "score", "95% CI", "worst VM",
	       "host MiB/VM", "host CPU s/VM", "run");
	for (int n = 1; n <= LIBVIRT_MAX_INSTANCES; n++) {
		const struct cap_step *s = step_of(c, n);
		if (!s)
			continue;
		struct strbuf ci = STRBUF_INIT;
		strbuf_addf(&ci, "[%.3f, %.3f]", s->lo, s->hi);
		printf("%9d %7.3f  %-16s %8.3f %12.1f %13.2f %5lld\n", n, s->score, ci.buf, s->worst,
		       s->mem_mib, s->cpu_s, (long long)s->run);
		strbuf_release(&ci);
	}
	for (size_t i = 0; i < c->nrefs; i++)
		printf("%9s %7.3f  [%.3f, %.3f]  one VM again, against its first figures (run %lld)\n",
		       "1", c->refs[i].score, c->refs[i].lo, c->refs[i].hi, (long long)c->refs[i].run);
	printf("see 'vmtune report %lld --db %s'\n", (long long)c->head, a->db);
}

static int cmd_capacity_fn(int argc, char **argv)
{
	struct cap_args a;
	int rc = parse_args(argc, argv, &a);
	if (rc)
		return rc < 0 ? EXIT_OK : rc;
	struct job job;
	char err[ERR_LEN];
	if (job_load_file(&job, a.job_path, err))
		return fail(EXIT_USAGE, "%s", err);
	if (strcmp(job.target->name, "libvirt")) {
		rc = fail(EXIT_USAGE, "%s: capacity measures VMs side by side: a libvirt job, not %s",
			  a.job_path, job.target->name);
		job_release(&job);
		return rc;
	}
	struct store *st = NULL;
	char *cfg = NULL;
	struct capacity c = { 0 };
	if (job_set_target(&job, "instances", "1", err) || job_ready(&job, err)) {
		rc = fail(EXIT_USAGE, "%s", err);
		goto out;
	}
	if (store_open(&st, a.db, STORE_CREATE, err)) {
		rc = fail(EXIT_RUNTIME, "%s", err);
		goto out;
	}
	if ((rc = pick(&a, st, &job, &cfg)) >= 0)
		goto out;
	fprintf(stderr, "vmtune: capacity of %s: %s, %lld measurements a step, up to %lld VMs\n",
		job.name, cfg, (long long)a.repeats, (long long)a.max);
	struct capacity_opts o = { .st = st, .job = &job, .cfg_json = cfg, .repeats = (int)a.repeats,
				   .keep = a.keep, .max = (int)a.max, .seed = job.seed,
				   .stop = stop_on_signals(), .step_done = on_step };
	rc = capacity_measure(&o, &c, err);
	if (rc) {
		rc = rc < 0 ? fail(EXIT_RUNTIME, "%s", err)
			    : fail(EXIT_RUNTIME, "interrupted; the steps measured are stored");
		goto out;
	}
	struct run_info ri;
	const char *accel = store_run_get(st, c.head, &ri, err) ? "?" : ri.accel;
	struct strbuf ans = STRBUF_INIT;
	int certain;
	answer(&c, a.keep, a.max, &ans, &certain);
	if (!strcmp(a.format, "json"))
		print_json(&c, &a, cfg, accel, certain);
	else
		print_text(&c, &a, job.name, cfg, accel, &ans);
	strbuf_release(&ans);
	rc = EXIT_OK;
out:
	capacity_release(&c);
	free(cfg);
	if (st)
		store_close(st);
	job_release(&job);
	return rc;
}

const struct cmd cmd_capacity = {
	"capacity", cmd_capacity_fn, "how many VMs of a configuration fit on this host",
	"vmtune capacity JOB [--db FILE] [--run RUN] [--config best|TRIAL|FILE|defaults]\n"
	"                    [--keep 90%] [--max N] [--repeats N] [--format text|json]\n"
	"Measures the configuration with 1 VM, then 2, 4, ... side by side (the job's\n"
	"target with instances: N), then bisects, each step measured --repeats times\n"
	"(default 3). Each step's score is what each VM keeps of its one-VM figures\n"
	"(the job's objective, host metrics left out), with a 95% interval. After\n"
	"each step of N > 1, one VM is measured again (--repeats times more), and\n"
	"the step is scored against the one-VM runs either side of it, so a host\n"
	"whose own speed moves is not read as what the VMs cost. It stops\n"
	"when that drops below --keep (default 90%), at --max (default 8), or before\n"
	"a step whose VMs would need more than the host's available memory (by the\n"
	"host memory a VM held so far). Prints the answer with its uncertainty, then\n"
	"N against score, the worst VM's score, host memory and CPU per VM.\n"
	"  --config  best (default: the best of --run, or of the job's newest\n"
	"            search in --db), a trial id, a JSON file, or defaults\n"
	"  --format  json: the table as JSON\n"
	"Each step is a run of its own (vmtune runs); 'vmtune report SERIES' plots it.",
};
