/* vmtune export RUN --format csv|json: a run's trials and measurements. */
#include "vmtune.h"
#include "../../lib/err.h"
#include "../view/runview.h"
#include "../view/ablview.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

/* RFC 4180: quote when needed, double the quotes. */
static void csv_field(const char *s)
{
	if (!s)
		return;
	if (!strpbrk(s, ",\"\r\n")) {
		fputs(s, stdout);
		return;
	}
	putchar('"');
	for (; *s; s++) {
		if (*s == '"')
			putchar('"');
		putchar(*s);
	}
	putchar('"');
}

/* The shortest of %.15g, %.16g, %.17g that reads back as the same double. */
static void csv_number(double v)
{
	char text[32];
	if (isnan(v))
		return;
	for (int digits = 15; digits <= 17; digits++) {
		snprintf(text, sizeof(text), "%.*g", digits, v);
		if (strtod(text, NULL) == v)
			break;
	}
	fputs(text, stdout);
}

static int export_csv(struct store *st, const struct runview *rv, char *err)
{
	char **metrics;
	size_t nm;
	union pval *cfg = config_new(&rv->job.space);
	if (store_metric_names(st, rv->id, &metrics, &nm, err)) {
		free(cfg);
		return -1;
	}
	fputs("run,trial,seq,origin,status,reason,host,started_at,ended_at,score", stdout);
	for (size_t i = 0; i < rv->job.space.n; i++)
		putchar(','), csv_field(rv->job.space.p[i].name);
	for (size_t i = 0; i < nm; i++)
		putchar(','), csv_field(metrics[i]);
	putchar('\n');
	for (size_t k = 0; k < rv->n; k++) {
		const struct tview *t = &rv->t[k];
		struct sample *smp = NULL;
		size_t n = 0;
		printf("%lld,%lld,%lld,%s,%s,", (long long)rv->id, (long long)t->id, (long long)t->seq,
		       trial_origin_name(t->origin), trial_status_name(t->status));
		csv_field(t->reason);
		putchar(',');
		csv_field(t->host);
		printf(",%.6f,%.6f,", t->started_at, t->ended_at);
		csv_number(t->score);
		if (config_from_json(&rv->job.space, t->config, cfg, err) ||
		    store_trial_samples(st, t->id, &smp, &n, err))
			goto fail;
		for (size_t i = 0; i < rv->job.space.n; i++) {
			struct strbuf sb = STRBUF_INIT;
			pval_format(&rv->job.space.p[i], cfg[i], &sb);
			putchar(',');
			csv_field(sb.buf);
			strbuf_release(&sb);
		}
		samples_sort(smp, n);
		for (size_t m = 0; m < nm; m++) {
			putchar(',');
			csv_number(sample_median_sorted(smp, n, metrics[m]));
		}
		putchar('\n');
		store_samples_free(smp, n);
	}
	for (size_t i = 0; i < nm; i++)
		free(metrics[i]);
	free(metrics);
	free(cfg);
	return 0;
fail:
	for (size_t i = 0; i < nm; i++)
		free(metrics[i]);
	free(metrics);
	free(cfg);
	return -1;
}

static int add_measurement(const struct measurement_row *m, void *ud)
{
	json_t *o = json_pack("{s:i, s:i, s:s, s:f}", "repeat", m->repeat, "rep", m->rep,
			      "metric", m->metric, "value", m->value);
	if (m->unit)
		json_object_set_new(o, "unit", json_string(m->unit));
	if (m->better != BETTER_UNKNOWN)
		json_object_set_new(o, "better", json_string(better_name(m->better)));
	if (m->instance)	/* one of co-located VMs; none: the trial's own figure */
		json_object_set_new(o, "instance", json_integer(m->instance));
	json_array_append_new(ud, o);
	return 0;
}

/* JSON has no NaN nor infinity: null for either (json_real() would give NULL). */
static json_t *number_or_null(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

static int export_json(struct store *st, const struct runview *rv, char *err)
{
	json_t *trials = json_array();
	for (size_t k = 0; k < rv->n; k++) {
		const struct tview *t = &rv->t[k];
		json_t *ms = json_array();
		if (store_measurements_foreach(st, t->id, add_measurement, ms, err)) {
			json_decref(ms);
			json_decref(trials);
			return -1;
		}
		json_t *cfg = json_loads(t->config, JSON_DECODE_ANY, NULL);
		json_t *o = cfg ? json_pack("{s:I, s:I, s:s, s:s, s:o, s:o, s:o, s:o}",
					    "id", (json_int_t)t->id, "seq", (json_int_t)t->seq,
					    "origin", trial_origin_name(t->origin),
					    "status", trial_status_name(t->status), "config", cfg,
					    "score", number_or_null(t->score),
					    "started_at", number_or_null(t->started_at ? t->started_at : NAN),
					    "ended_at", number_or_null(t->ended_at ? t->ended_at : NAN))
			    : NULL;
		if (!o) {	/* never an export that exits 0 without a trial */
			seterr(err, "trial %lld: cannot export its configuration '%.80s'",
			       (long long)t->id, t->config);
			json_decref(ms);
			json_decref(trials);
			return -1;
		}
		if (t->reason)
			json_object_set_new(o, "reason", json_string(t->reason));
		if (t->stderr_tail)
			json_object_set_new(o, "stderr_tail", json_string(t->stderr_tail));
		if (t->host)
			json_object_set_new(o, "host", json_string(t->host));
		json_object_set_new(o, "measurements", ms);
		json_array_append_new(trials, o);
	}
	json_t *run = json_pack("{s:I, s:s, s:s, s:s, s:s, s:I, s:I, s:f, s:o}",
				"id", (json_int_t)rv->id, "name", rv->name, "status", rv->status,
				"accel", rv->accel, "strategy", rv->strategy,
				"seed", (json_int_t)rv->seed, "budget_trials",
				(json_int_t)rv->budget_trials, "elapsed", rv->elapsed,
				"baseline_trial", rv->have_base ? json_integer(rv->baseline_trial)
								: json_null());
	struct noise nz = { 0 };
	struct confirmation cf = { 0 };
	struct ablview av = { 0 };
	if (runview_noise(rv, st, &nz, err) || runview_confirmation(rv, st, &cf, err) ||
	    ablview_load(rv, st, &av, err)) {
		json_decref(run);
		json_decref(trials);
		noise_release(&nz);
		confirmation_release(&cf);
		ablview_release(&av);
		return -1;
	}
	json_object_set_new(run, "noise_floor", noise_json(&nz));
	json_object_set_new(run, "confirmation", confirmation_json(&cf));
	json_object_set_new(run, "ablation", ablview_json(rv, &av));
	noise_release(&nz);
	confirmation_release(&cf);
	ablview_release(&av);
	json_t *root = json_pack("{s:o, s:o}", "run", run, "trials", trials);
	int rc = json_dumpf(root, stdout, JSON_INDENT(1) | JSON_PRESERVE_ORDER |
			    JSON_REAL_PRECISION(17));
	putchar('\n');
	json_decref(root);
	if (rc)
		seterr(err, "cannot write the export");
	return rc ? -1 : 0;
}

static int export_main(int argc, char **argv)
{
	const char *db, *format = NULL;
	int64_t run;
	char err[ERR_LEN];
	struct runview rv;
	int ret = EXIT_OK;
	int rc = parse_report_args(&cmd_export, argc, argv, &db, &run, &format);
	if (rc)
		return rc < 0 ? EXIT_OK : rc;
	if (!format)
		return usage_error(&cmd_export, "which format? (--format csv or --format json)");
	if (strcmp(format, "csv") && strcmp(format, "json"))
		return usage_error(&cmd_export, "unknown format '%s' (csv or json)", format);
	struct store *st = open_store_ro(db);
	if (!st)
		return EXIT_USAGE;
	if (runview_load(&rv, st, run, err))
		ret = fail(EXIT_USAGE, "%s", err);
	else if ((format[0] == 'c' ? export_csv : export_json)(st, &rv, err))
		ret = fail(EXIT_RUNTIME, "%s", err);
	runview_release(&rv);
	store_close(st);
	if (fflush(stdout))
		ret = fail(EXIT_RUNTIME, "cannot write the export");
	return ret;
}

const struct cmd cmd_export = {
	.name = "export",
	.fn = export_main,
	.summary = "export a run's trials as CSV or JSON",
	.usage = "vmtune export RUN --format csv|json [--db FILE]\n"
		 "\n"
		 "csv: one row per trial: ids, status, reason, times, score, one column per\n"
		 "parameter, then one column per metric (the median of the trial's values).\n"
		 "json: the run, and every trial with its configuration, score and all its\n"
		 "measurements (repeat, rep, metric, value, unit, better).",
};
