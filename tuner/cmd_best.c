/* vmtune best RUN: the best configuration of a run, its score and its 95% CI. */
#include "vmtune.h"
#include "err.h"
#include "runview.h"
#include "../results/stats.h"

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
	store_samples_free(smp, n);
	return 0;
}

static int best_main(int argc, char **argv)
{
	const char *db;
	int64_t run;
	char err[ERR_LEN];
	struct runview rv;
	int ret = EXIT_OK;
	int rc = parse_report_args(&cmd_best, argc, argv, &db, &run, NULL);
	if (rc)
		return rc < 0 ? EXIT_OK : rc;
	struct store *st = open_store_ro(db);
	if (!st)
		return EXIT_USAGE;
	if (runview_load(&rv, st, run, err)) {
		ret = fail(EXIT_USAGE, "%s", err);
		goto out;
	}
	const struct tview *b = runview_best(&rv);
	if (!b) {
		ret = fail(EXIT_RUNTIME, "run %lld has no scored trial%s", (long long)run,
			   rv.have_base ? "" : " (the baseline was not measured)");
		goto out;
	}
	printf("run %lld (%s): best of %lld completed trials, measured by %s\n", (long long)run,
	       rv.name, (long long)rv.n_completed, rv.accel);
	printf("trial %lld: score %.4f", (long long)b->id, b->score);
	double lo, hi;
	if (b->nrep >= 2 && !stats_bootstrap_median_ci(b->rep_scores, b->nrep, 0.95,
						       BOOTSTRAP_RESAMPLES, rv.seed, &lo, &hi))
		printf("  95%% CI [%.4f, %.4f] over %zu repeats", lo, hi, b->nrep);
	else
		printf("  (%zu repeat%s: no confidence interval)", b->nrep, b->nrep == 1 ? "" : "s");
	printf("\n  score = weighted geometric mean of the objective's ratios to the baseline;"
	       " 1 = as good as the defaults, higher is better\n");
	printf("configuration:\n");
	union pval *cfg = config_new(&rv.job.space);
	if (config_from_json(&rv.job.space, b->config, cfg, err)) {
		free(cfg);
		ret = fail(EXIT_RUNTIME, "trial %lld: %s", (long long)b->id, err);
		goto out;
	}
	for (size_t i = 0; i < rv.job.space.n; i++) {
		const struct param *p = &rv.job.space.p[i];
		struct strbuf v = STRBUF_INIT, d = STRBUF_INIT;
		pval_format(p, cfg[i], &v);
		pval_format(p, p->def, &d);
		if (strcmp(v.buf, d.buf))
			printf("  %-24s %-16s (default %s)\n", p->name, v.buf, d.buf);
		else
			printf("  %-24s %s\n", p->name, v.buf);
		strbuf_release(&v);
		strbuf_release(&d);
	}
	free(cfg);
	if (print_metrics(st, &rv, b, err))
		ret = fail(EXIT_RUNTIME, "%s", err);
out:
	runview_release(&rv);
	store_close(st);
	return ret;
}

const struct cmd cmd_best = {
	.name = "best",
	.fn = best_main,
	.summary = "show the best configuration of a run",
	.usage = "vmtune best RUN [--db FILE]\n"
		 "\n"
		 "The trial with the highest score: its configuration (with the defaults it\n"
		 "departs from), its score with a 95% bootstrap confidence interval over its\n"
		 "repeats, and each objective metric against the baseline.",
};
