/* vmtune best RUN: the best configuration of a run, its score and its 95% CI. */
#include "vmtune.h"
#include "../target/hostcost.h"
#include "../../lib/err.h"
#include "../view/runview.h"
#include "../view/ablview.h"
#include "../../results/stats.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define BOOTSTRAP_RESAMPLES 2000

static int print_metrics(struct store *st, const struct runview *rv, const struct tview *t,
			 char *err)
{
	struct sample *smp;
	size_t n;
	if (store_trial_samples(st, t->id, &smp, &n, err))
		return -1;
	printf("objective (median of the trial, against the baseline, trial %lld):\n",
	       (long long)rv->baseline_trial);
	for (size_t i = 0; i < rv->job.obj.n; i++) {
		const struct objective_term *o = &rv->job.obj.t[i];
		double v = sample_median(smp, n, o->metric, -1);
		printf("  %-24s %14.6g  baseline %14.6g  %+7.2f%%  (%s is better, weight %g)\n",
		       o->metric, v, rv->base[i], 100 * (v / rv->base[i] - 1), better_name(o->better),
		       o->weight);
	}
	struct sample *bs;
	size_t nb;
	if (store_trial_samples(st, rv->baseline_trial, &bs, &nb, err)) {
		store_samples_free(smp, n);
		return -1;
	}
	const char *m;
	for (size_t i = 0, said = 0; (m = hostcost_metric_at(i)); i++) {
		double v = sample_median(smp, n, m, -1), b = sample_median(bs, nb, m, -1);
		if (!isfinite(v))
			continue;
		if (!said++)
			printf("what it costs the host (median of the trial; the baseline's):\n");
		printf("  %-24s %14.6g  baseline %14.6g\n", m, v, b);
	}
	store_samples_free(bs, nb);
	store_samples_free(smp, n);
	return 0;
}

/* Prints the parameters of cfg_json; only those that differ from other_json when given. */
static int print_config(const struct runview *rv, const char *cfg_json, const char *other_json,
			char *err)
{
	const struct space *sp = &rv->job.space;
	union pval *cfg = config_new(sp), *other = config_new(sp);
	int rc = config_from_json(sp, cfg_json, cfg, err) ||
		 (other_json && config_from_json(sp, other_json, other, err));
	for (size_t i = 0; !rc && i < sp->n; i++) {
		const struct param *p = &sp->p[i];
		struct strbuf v = STRBUF_INIT, d = STRBUF_INIT;
		pval_format(p, cfg[i], &v);
		pval_format(p, other_json ? other[i] : p->def, &d);
		if (other_json) {
			if (strcmp(v.buf, d.buf))
				printf("  %-24s %-16s (best: %s)\n", p->name, v.buf, d.buf);
		} else if (strcmp(v.buf, d.buf)) {
			printf("  %-24s %-16s (default %s)\n", p->name, v.buf, d.buf);
		} else {
			printf("  %-24s %s\n", p->name, v.buf);
		}
		strbuf_release(&v);
		strbuf_release(&d);
	}
	free(cfg);
	free(other);
	return rc ? -1 : 0;
}

/* The objective's metrics as the confirmation measured them, and how many others moved. */
static void print_confirmed_metrics(const struct confirmation *cf)
{
	size_t others = 0;
	if (cf->outcome != CONFIRMED_JUDGED || !cf->best)
		return;
	printf("per metric, as the confirmation measured them (the best over the defaults, "
	       "%.0f%% CI; judged together, Benjamini-Hochberg at a %.0f%% false discovery rate "
	       "over %zu metrics: %zu differ):\n", 100 * cf->c.level, 100 * cf->f.fdr, cf->f.judged,
	       cf->f.differ);
	for (size_t i = 0; i < cf->f.n; i++) {
		const struct confirm_metric *m = &cf->f.m[i];
		const struct comparison *c = &m->c;
		int change = confirm_metric_change(m);
		if (!isfinite(c->ratio))
			continue;
		if (m->better == BETTER_UNKNOWN || !strncmp(m->metric, "vm.", 3)) {
			others++;
			continue;
		}
		printf("  %-24s %+7.1f%% [%+.1f%%, %+.1f%%]  p %.3f  %s\n", m->metric,
		       100 * (c->ratio - 1), 100 * (c->lo - 1), 100 * (c->hi - 1), c->p_t,
		       change > 0 ? "better" : change < 0 ? "WORSE" : "no difference beyond the noise");
	}
	if (others)
		printf("  (%zu metric%s without a direction not judged)\n", others, others == 1 ? "" : "s");
}

/* Several hosts: what each measured, and a warning when their baselines differ. */
static void print_hosts(const struct runview *rv)
{
	double sigma;
	size_t n;
	struct hostview *h = runview_hosts(rv, &n, &sigma);
	struct strbuf w = STRBUF_INIT;
	if (n > 1) {
		printf("hosts (scores against the baseline of trial %lld):\n",
		       (long long)rv->baseline_trial);
		for (size_t i = 0; i < n; i++) {
			printf("  %-36s %4zu trials  baseline ", h[i].host, h[i].trials);
			if (h[i].base_n)
				printf("%.4f", exp(h[i].base_mean));
			else
				printf("%-6s", "-");
			printf("  best %.4f (trial %lld)\n", h[i].best->score, (long long)h[i].best->id);
		}
		runview_host_warnings(h, n, sigma, &w);
		fputs(w.buf, stdout);
	}
	strbuf_release(&w);
	free(h);
}

/* "noise_floor", "confirmation", "knobs" and "ablation" objects, each with a leading comma. */
static void print_json_trust(const struct runview *rv, const struct noise *nz,
			     const struct confirmation *cf, const struct verified *v,
			     const struct ablview *av)
{
	json_t *o[4] = { noise_json(nz), confirmation_json(cf), verified_json(v),
			 ablview_json(rv, av) };
	const char *const keys[4] = { "noise_floor", "confirmation", "knobs", "ablation" };
	for (int i = 0; i < 4; i++) {
		char *text = json_dumps(o[i], JSON_ENCODE_ANY | JSON_COMPACT | JSON_PRESERVE_ORDER |
					      JSON_REAL_PRECISION(17));
		printf(",\"%s\":%s", keys[i], text);
		free(text);
		json_decref(o[i]);
	}
}

/* A number as JSON has it: null where a double is not finite (JSON has no inf, no NaN). */
static void json_number(double v)
{
	if (isfinite(v))
		printf("%.17g", v);
	else
		fputs("null", stdout);
}

static void print_json(const struct runview *rv, const struct cview *b, double score, int have_ci,
		       double lo, double hi, const struct noise *nz, const struct confirmation *cf,
		       const struct verified *v, const struct ablview *av,
		       const struct importance *imp, size_t nimp, int imp_rc)
{
	double sigma;
	size_t n;
	struct hostview *h = runview_hosts(rv, &n, &sigma);
	struct strbuf w = STRBUF_INIT;
	printf("{\"run\":%lld,\"trial\":%lld,\"score\":", (long long)rv->id, (long long)b->first->id);
	json_number(score);
	printf(",\"repeats\":%zu,", b->n);
	if (have_ci) {
		printf("\"ci95\":[");
		json_number(lo);
		putchar(',');
		json_number(hi);
		printf("],");
	}
	printf("\"accel\":\"%s\",\"config\":%s,\"hosts\":[", rv->accel, b->first->config);
	for (size_t i = 0; i < n; i++) {
		json_t *host = json_string(h[i].host);
		char *q = json_dumps(host, JSON_ENCODE_ANY);
		printf("%s{\"host\":%s,\"trials\":%zu,\"best_trial\":%lld,\"best\":", i ? "," : "",
		       q, h[i].trials, (long long)h[i].best->id);
		json_number(h[i].best->score);
		if (h[i].base_n) {
			printf(",\"baseline\":");
			json_number(exp(h[i].base_mean));
		}
		printf("}");
		free(q);
		json_decref(host);
	}
	printf("],\"host_warnings\":%d", runview_host_warnings(h, n, sigma, &w));
	printf(",\"drift\":{\"steps\":%zu,\"disturbed\":%zu}", rv->steps, rv->ndisturbed);
	print_json_trust(rv, nz, cf, v, av);
	json_t *io = importance_json(&rv->job.space, imp, nimp, imp_rc);
	char *text = json_dumps(io, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(17));
	printf(",\"importance\":%s}\n", text);
	free(text);
	json_decref(io);
	strbuf_release(&w);
	free(h);
}

/* The run, the confirmation's verdict, the noise floor, whether the knobs took. */
static void print_verdicts(const struct runview *rv, const struct confirmation *cf,
			   const struct noise *nz, const struct verified *v)
{
	struct strbuf line = STRBUF_INIT;
	printf("run %lld (%s): best of %lld completed trials, measured by %s\n", (long long)rv->id,
	       rv->name, (long long)rv->n_completed, rv->accel);
	confirmation_format(cf, &line);
	printf("%s\n", line.buf);
	strbuf_reset(&line);
	noise_format(nz, 3, &line);
	printf("noise floor: %s\n", line.buf);
	strbuf_reset(&line);
	if (runview_drift_format(rv, "vmtune trials marks them", &line))
		printf("drift: %s\n", line.buf);	/* what the scores are against */
	strbuf_reset(&line);
	verified_format(v, &line);
	printf("%s\n", line.buf);
	if (rv->dropped)
		printf("%s\n", rv->dropped);
	print_confirmed_metrics(cf);
	strbuf_release(&line);
}

/* How the run's trials scored their co-located VMs (the target's aggregate:). */
static const char *aggregate_word(const struct runview *rv)
{
	for (size_t i = 0; i < rv->job.ntset; i++)
		if (!strcmp(rv->job.tset[i].key, "aggregate") && rv->job.tset[i].nvals == 1)
			return rv->job.tset[i].vals[0];
	return "median";
}

/* The search's own estimate of the best (biased upward: it chose it). */
static void print_estimate(const struct cview *b, double score, int have_ci, double lo, double hi)
{
	printf("search's estimate (chosen and judged on the same measurements: biased upward)\n");
	printf("trial %lld: score %.4f", (long long)b->first->id, score);
	if (have_ci)
		printf("  95%% CI [%.4f, %.4f] over %zu repeats", lo, hi, b->nscores);
	else
		printf("  (%zu repeat%s: no confidence interval)", b->nscores,
		       b->nscores == 1 ? "" : "s");
	printf("\n  score = weighted geometric mean of the objective's ratios to the baseline;"
	       " 1 = as good as the defaults, higher is better\n");
	if (b->n > 1 && b->n != b->nscores)
		printf("  measured in %zu trials (racing repeats)\n", b->n);
}

/* The runner-up and whether it is significantly worse than the best; -1 with err. */
static int print_runner_up(const struct runview *rv, const struct cview *b, const struct cview *r,
			   char *err)
{
	double rs = stats_median(r->scores, r->nscores), rlo, rhi;
	printf("runner-up: trial %lld, score %.4f over %zu repeat%s; ", (long long)r->first->id,
	       rs, r->nscores, r->nscores == 1 ? "" : "s");
	if (stats_bootstrap_ratio_ci(r->scores, r->nscores, b->scores, b->nscores, 0.95,
				     BOOTSTRAP_RESAMPLES, rv->seed, &rlo, &rhi))
		printf("too few repeats to tell whether it is worse\n");
	else if (rhi >= 1)
		printf("NOT significantly worse (95%% CI of its ratio to the best [%.4f, %.4f])\n",
		       rlo, rhi);
	else
		printf("significantly worse (95%% CI of its ratio to the best [%.4f, %.4f])\n",
		       rlo, rhi);
	return print_config(rv, r->first->config, b->first->config, err);
}

static int best_main(int argc, char **argv)
{
	const char *db, *format = "text";
	int64_t run;
	char err[ERR_LEN];
	struct runview rv;
	struct cview b, r;
	struct noise nz = { 0 };
	struct confirmation cf = { 0 };
	struct ablview av = { 0 };
	struct verified v;
	struct importance *imp = NULL;
	int ret = EXIT_OK;
	int rc = parse_report_args(&cmd_best, argc, argv, &db, &run, &format);
	if (rc)
		return rc < 0 ? EXIT_OK : rc;
	if (strcmp(format, "text") && strcmp(format, "json"))
		return usage_error(&cmd_best, "--format is text or json, not '%s'", format);
	struct store *st = open_store_ro(db);
	if (!st)
		return EXIT_USAGE;
	memset(&b, 0, sizeof(b));
	memset(&r, 0, sizeof(r));
	if (runview_load(&rv, st, run, err)) {
		ret = fail(EXIT_USAGE, "%s", err);
		goto out;
	}
	rc = runview_best(&rv, &b, &r, err);
	if (rc < 0) {
		ret = fail(EXIT_RUNTIME, "%s", err);
		goto out;
	}
	if (!rc) {
		ret = fail(EXIT_RUNTIME, "run %lld has no scored trial%s", (long long)run,
			   rv.have_base ? "" : " (the baseline was not measured)");
		goto out;
	}
	if (runview_noise(&rv, st, &nz, err) || runview_confirmation(&rv, st, &cf, err) ||
	    runview_verified(&rv, st, b.first->config, &v, err) || ablview_load(&rv, st, &av, err)) {
		ret = fail(EXIT_RUNTIME, "%s", err);
		goto out;
	}
	size_t nimp;
	imp = xcalloc(rv.job.space.n + 1, sizeof(*imp));
	int imp_rc = runview_importance(&rv, imp, &nimp, err);
	if (imp_rc < 0) {
		ret = fail(EXIT_RUNTIME, "%s", err);
		goto out;
	}
	double score = stats_median(b.scores, b.nscores), lo = NAN, hi = NAN;
	int have_ci = !stats_bootstrap_median_ci(b.scores, b.nscores, 0.95, BOOTSTRAP_RESAMPLES,
						 rv.seed, &lo, &hi);
	if (!strcmp(format, "json")) {
		print_json(&rv, &b, score, have_ci, lo, hi, &nz, &cf, &v, &av, imp, nimp, imp_rc);
		goto out;
	}
	print_verdicts(&rv, &cf, &nz, &v);
	print_estimate(&b, score, have_ci, lo, hi);
	double worst;
	int which;
	if (rv.instances > 1 && !runview_worst_vm(&rv, st, b.first->id, &worst, &which, err) &&
	    isfinite(worst))
		printf("  %d VMs a trial, scored on their %s; its worst VM (%d) scores %.4f\n",
		       rv.instances, aggregate_word(&rv), which, worst);
	printf("configuration:\n");
	if (print_config(&rv, b.first->config, NULL, err)) {
		ret = fail(EXIT_RUNTIME, "trial %lld: %s", (long long)b.first->id, err);
		goto out;
	}
	if (r.first && print_runner_up(&rv, &b, &r, err)) {
		ret = fail(EXIT_RUNTIME, "trial %lld: %s", (long long)r.first->id, err);
		goto out;
	}
	if (print_metrics(st, &rv, b.first, err))
		ret = fail(EXIT_RUNTIME, "%s", err);
	struct strbuf line = STRBUF_INIT;
	importance_format(&rv.job.space, imp, nimp, imp_rc, &line);
	ablview_format(&rv, &av, &line);
	fputs(line.buf, stdout);
	strbuf_release(&line);
	print_hosts(&rv);
out:
	free(imp);
	ablview_release(&av);
	confirmation_release(&cf);
	noise_release(&nz);
	cview_release(&b);
	cview_release(&r);
	runview_release(&rv);
	store_close(st);
	return ret;
}

const struct cmd cmd_best = {
	.name = "best",
	.fn = best_main,
	.summary = "show the best configuration of a run",
	.usage = "vmtune best RUN [--db FILE] [--format text|json]\n"
		 "\n"
		 "First the verdict of the run's confirmation (the best and the defaults\n"
		 "measured afresh after the search: confirmed, or no difference beyond the\n"
		 "noise), the noise floor and each metric's confirmed change; then the\n"
		 "best: of the configurations measured, the one with the highest mean score\n"
		 "once each mean is shrunk towards the mean of all by as much as the noise\n"
		 "could explain, so one measured once and lucky does not lead one measured\n"
		 "often (search/racing.h). Its configuration (with the defaults it departs from), its\n"
		 "score with a 95% bootstrap confidence interval over all its repeats, the\n"
		 "runner-up and whether it is significantly worse, and each objective metric\n"
		 "against the baseline. With trials on several hosts, what each host measured\n"
		 "(its baseline and best) and a warning when the hosts' baselines differ by\n"
		 "more than the noise. Then the knobs' importance: the share of the score's\n"
		 "variance over the configurations the search measured that each knob explains\n"
		 "alone, with a 95% bootstrap interval (10 configurations at least). --format\n"
		 "json prints one line for scripts.",
};
