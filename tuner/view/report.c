#include "report.h"
#include "plot.h"
#include "forest.h"
#include "ablview.h"
#include "../../lib/clock.h"
#include "../../lib/err.h"
#include "../../results/stats.h"
#include "../../search/racing.h"
#include "../../results/capacity.h"
#include "../engine/search.h"
#include "../target/hostcost.h"

#include "../../lib/version.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <sqlite3.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>
#include <libvirt/libvirt.h>

#define CI_RESAMPLES 2000

extern char **environ;

/* ---- small helpers ------------------------------------------------------ */

static int write_file(const char *dir, const char *name, const struct strbuf *sb, char *err)
{
	struct strbuf path = STRBUF_INIT;
	strbuf_addf(&path, "%s/%s", dir, name);
	FILE *f = fopen(path.buf, "w");
	int rc = !f;
	if (f) {
		rc = fwrite(sb->buf, 1, sb->len, f) != sb->len;
		rc |= fclose(f) != 0;
	}
	if (rc)
		seterr(err, "cannot write %s: %s", path.buf, strerror(errno));
	strbuf_release(&path);
	return rc ? -1 : 0;
}

/* ---- what is plotted ------------------------------------------------------ */

struct metric_pair {
	char *name;
	double *base, *best;
	size_t nbase, nbest;
};

struct data {
	const struct runview *rv;
	struct cview best, runner;
	int have_best;
	struct metric_pair *m;
	size_t nm;
	char *best_config;	/* JSON */
	struct confirmation cf;
	struct noise nz;
	struct verified v;	/* the best's knobs, read back */
	int confirm_only;	/* the plots compare the confirmation's measurements alone */
	struct bench_group { char *name; struct strbuf dat; double lo, hi; } *g;
	size_t ng;
	struct ablview av;	/* the run's ablation, if it has one */
	size_t nforest;		/* rows of the verdict's forest plot */
	size_t nwaterfall;	/* bars of the ablation's */
};

static struct metric_pair *pair_of(struct data *d, const char *name)
{
	for (size_t i = 0; i < d->nm; i++)
		if (!strcmp(d->m[i].name, name))
			return &d->m[i];
	d->m = xrealloc(d->m, (d->nm + 1) * sizeof(*d->m));
	d->m[d->nm] = (struct metric_pair){ .name = xstrdup(name) };
	return &d->m[d->nm++];
}

static void push(double **v, size_t *n, double x)
{
	*v = xrealloc(*v, (*n + 1) * sizeof(double));
	(*v)[(*n)++] = x;
}

/* Samples of every done trial whose configuration is cfg_json, into side 0 (base) or 1. */
static int collect(struct store *st, struct data *d, const char *cfg_json, int side, char *err)
{
	const struct runview *rv = d->rv;
	for (size_t i = 0; i < rv->n; i++) {
		const struct tview *t = &rv->t[i];
		struct sample *smp;
		size_t n;
		if (t->status != TS_DONE || strcmp(t->config, cfg_json) ||
		    (d->confirm_only && t->origin != ORIGIN_CONFIRM))
			continue;
		if (store_trial_samples(st, t->id, &smp, &n, err))
			return -1;
		for (size_t k = 0; k < n; k++) {
			struct metric_pair *p = pair_of(d, smp[k].metric);
			if (side)
				push(&p->best, &p->nbest, smp[k].value);
			else
				push(&p->base, &p->nbase, smp[k].value);
		}
		store_samples_free(smp, n);
	}
	return 0;
}

static void data_release(struct data *d)
{
	cview_release(&d->best);
	cview_release(&d->runner);
	for (size_t i = 0; i < d->nm; i++) {
		free(d->m[i].name);
		free(d->m[i].base);
		free(d->m[i].best);
	}
	free(d->m);
	free(d->best_config);
	for (size_t i = 0; i < d->ng; i++) {
		free(d->g[i].name);
		strbuf_release(&d->g[i].dat);
	}
	free(d->g);
	confirmation_release(&d->cf);
	noise_release(&d->nz);
	ablview_release(&d->av);
}

/* memlat.16KiB -> 16 (KiB); 0 when the name is not such a size. */
static double size_kib(const char *name, const char *prefix)
{
	size_t l = strlen(prefix);
	char *end;
	if (strncmp(name, prefix, l))
		return 0;
	double v = strtod(name + l, &end);
	if (end == name + l)
		return 0;
	if (!strcmp(end, "KiB"))
		return v;
	if (!strcmp(end, "MiB"))
		return v * 1024;
	if (!strcmp(end, "GiB"))
		return v * 1024 * 1024;
	return 0;
}

static int by_kib(const void *a, const void *b)
{
	double x = size_kib((*(struct metric_pair *const *)a)->name, "memlat.");
	double y = size_kib((*(struct metric_pair *const *)b)->name, "memlat.");
	return (x > y) - (x < y);
}

/* ---- data files --------------------------------------------------------- */

/* Returns the number of scored trials written to conv. */
static size_t convergence_data(const struct data *d, struct strbuf *conv, struct strbuf *failed)
{
	size_t scored = 0;
	const struct runview *rv = d->rv;
	const struct space *sp = &rv->job.space;
	struct racing *race = racing_new(sp, job_race_max(&rv->job, rv->budget_trials));
	union pval *cfg = config_new(sp);
	strbuf_addstr(conv, "# trial_seq score best_score disturbed\n");
	strbuf_addstr(failed, "# trial_seq status\n");
	size_t nobs, *obs = runview_observed(rv, &nobs);	/* as the search took them in */
	for (size_t k = 0; k < nobs; k++) {
		const struct tview *t = &rv->t[obs[k]];
		if (config_from_json(sp, t->config, cfg, NULL))
			continue;
		racing_observe_moved(race, cfg, t->status == TS_DONE && !isnan(t->score), t->score,
				     t->disturbed, t->low);
		struct racing_entry inc;
		double best = racing_best(race, &inc) ? exp(inc.mean) : NAN;
		if (t->status == TS_DONE && !isnan(t->score)) {
			strbuf_addf(conv, "%lld %.6g %.6g %d\n", (long long)t->seq, t->score, best,
				    t->disturbed);
			scored++;
		} else if (t->status != TS_DONE) {	/* done but unscored: no baseline */
			strbuf_addf(failed, "%lld %s\n", (long long)t->seq, trial_status_name(t->status));
		}
	}
	racing_free(race);
	free(obs);
	free(cfg);
	return scored;
}

/*
 * Per value of parameter k (in the order first seen): the five-number
 * summary of the scores of the trials that had it, for candlesticks.
 * Returns the number of values written (0: no scored trial had the
 * parameter active).
 */
static size_t knob_data(const struct runview *rv, size_t k, struct strbuf *out)
{
	const struct space *sp = &rv->job.space;
	union pval *cfg = config_new(sp);
	struct level { char *value; double *s; size_t n; } *lv = NULL;
	size_t nlv = 0;
	for (size_t i = 0; i < rv->n; i++) {
		const struct tview *t = &rv->t[i];
		if (isnan(t->score) || config_from_json(sp, t->config, cfg, NULL) ||
		    !param_active(sp, cfg, k))
			continue;
		struct strbuf v = STRBUF_INIT;
		pval_format(&sp->p[k], cfg[k], &v);
		size_t j = 0;
		while (j < nlv && strcmp(lv[j].value, v.buf))
			j++;
		if (j == nlv) {
			lv = xrealloc(lv, (nlv + 1) * sizeof(*lv));
			lv[nlv++] = (struct level){ .value = strbuf_detach(&v) };
		}
		strbuf_release(&v);
		push(&lv[j].s, &lv[j].n, t->score);
	}
	strbuf_addf(out, "# index value min q1 median q3 max trials, parameter %s\n", sp->p[k].name);
	for (size_t j = 0; j < nlv; j++) {
		double *x = lv[j].s;
		size_t n = lv[j].n;
		gsl_sort(x, 1, n);
		strbuf_addf(out, "%zu ", j + 1);
		gp_string(out, lv[j].value);
		strbuf_addf(out, " %.6g %.6g %.6g %.6g %.6g %zu\n", x[0],
			    gsl_stats_quantile_from_sorted_data(x, 1, n, 0.25),
			    gsl_stats_median_from_sorted_data(x, 1, n),
			    gsl_stats_quantile_from_sorted_data(x, 1, n, 0.75), x[n - 1], n);
		free(lv[j].value);
		free(lv[j].s);
	}
	free(lv);
	free(cfg);
	return nlv;
}

/* Median and 95% CI of x, each divided by scale. */
static void median_ci(const double *x, size_t n, double scale, uint64_t seed, double v[3])
{
	v[0] = stats_median(x, n) / scale;
	if (stats_bootstrap_median_ci(x, n, 0.95, CI_RESAMPLES, seed, &v[1], &v[2]))
		v[1] = v[2] = v[0] * scale;
	v[1] /= scale;
	v[2] /= scale;
}

/*
 * Metrics measured on both sides, relative to the baseline's median, one
 * group per benchmark (the name before the first dot): a panel each.
 * Returns the number of groups.
 */
static size_t bench_data(struct data *d)
{
	for (size_t i = 0; i < d->nm; i++) {
		const struct metric_pair *p = &d->m[i];
		double med = stats_median(p->base, p->nbase), b[3], w[3];
		const char *dot = strchr(p->name, '.');
		size_t glen = dot ? (size_t)(dot - p->name) : strlen(p->name), k, len = strlen(p->name);
		if (!p->nbase || !p->nbest || !(med > 0))
			continue;
		/* memlat has its curve; a summary "x.median" repeats x's bar */
		if (!strncmp(p->name, "memlat.", 7) ||
		    (len > 7 && !strcmp(p->name + len - 7, ".median")))
			continue;
		for (k = 0; k < d->ng; k++)
			if (strlen(d->g[k].name) == glen && !strncmp(d->g[k].name, p->name, glen))
				break;
		if (k == d->ng) {
			d->g = xrealloc(d->g, (d->ng + 1) * sizeof(*d->g));
			d->g[k].name = xstrndup(p->name, glen);
			d->g[k].lo = d->g[k].hi = 1;
			strbuf_init(&d->g[k].dat);
			strbuf_addstr(&d->g[k].dat, "# metric base base_lo base_hi best best_lo best_hi "
					  "(ratios to the baseline's median)\n");
			d->ng++;
		}
		median_ci(p->base, p->nbase, med, d->rv->seed, b);
		median_ci(p->best, p->nbest, med, d->rv->seed, w);
		for (int j = 0; j < 3; j++) {	/* the panel's range, for its log axis */
			d->g[k].lo = fmin(d->g[k].lo, fmin(b[j], w[j]) > 0 ? fmin(b[j], w[j]) : 1);
			d->g[k].hi = fmax(d->g[k].hi, fmax(b[j], w[j]));
		}
		gp_string(&d->g[k].dat, dot ? dot + 1 : p->name);
		strbuf_addf(&d->g[k].dat, " %.6g %.6g %.6g %.6g %.6g %.6g\n", b[0], b[1], b[2], w[0],
			    w[1], w[2]);
	}
	return d->ng;
}

static size_t memlat_data(const struct data *d, struct strbuf *out)
{
	struct metric_pair **v = xcalloc(d->nm + 1, sizeof(*v));
	size_t n = 0;
	for (size_t i = 0; i < d->nm; i++)
		if (size_kib(d->m[i].name, "memlat.") > 0 && d->m[i].nbase && d->m[i].nbest)
			v[n++] = &d->m[i];
	qsort(v, n, sizeof(*v), by_kib);
	strbuf_addstr(out, "# working_set_kib baseline_ns best_ns\n");
	for (size_t i = 0; i < n; i++)
		strbuf_addf(out, "%g %.6g %.6g\n", size_kib(v[i]->name, "memlat."),
			    stats_median(v[i]->base, v[i]->nbase), stats_median(v[i]->best, v[i]->nbest));
	free(v);
	return n;
}

static size_t tlb_data(const struct data *d, struct strbuf *out)
{
	size_t n = 0;
	strbuf_addstr(out, "# pages baseline_ns best_ns\n");
	for (size_t i = 0; i < d->nm; i++) {
		const struct metric_pair *p = &d->m[i];
		if (strncmp(p->name, "tlb.", 4) || !p->nbase || !p->nbest)
			continue;
		gp_string(out, p->name + 4);
		strbuf_addf(out, " %.6g %.6g\n", stats_median(p->base, p->nbase),
			    stats_median(p->best, p->nbest));
		n++;
	}
	return n;
}

/* Per trial: start (s from the run's first), boot and benchmark lengths, failed. */
static int timeline_data(struct store *st, const struct runview *rv, struct strbuf *out,
			 char *err)
{
	double t0 = NAN;
	for (size_t i = 0; i < rv->n; i++)
		if (rv->t[i].started_at > 0 && !(rv->t[i].started_at >= t0))
			t0 = rv->t[i].started_at;
	strbuf_addstr(out, "# trial_seq start boot bench failed\n");
	for (size_t i = 0; i < rv->n; i++) {
		const struct tview *t = &rv->t[i];
		if (!(t->started_at > 0) || !(t->ended_at >= t->started_at))
			continue;
		double len = t->ended_at - t->started_at, boot = 0;
		struct sample *smp;
		size_t n;
		if (store_trial_samples(st, t->id, &smp, &n, err))
			return -1;
		double ds = sample_median(smp, n, "vm.define_start", 1);
		double fl = sample_median(smp, n, "vm.first_line", 1);
		store_samples_free(smp, n);
		if (!isnan(ds) && !isnan(fl))
			boot = fmin(len, ds + fl);
		strbuf_addf(out, "%lld %.3f %.3f %.3f %d\n", (long long)t->seq, t->started_at - t0, boot,
			    len - boot, t->status != TS_DONE);
	}
	return 0;
}

/* ---- the gnuplot script ------------------------------------------------------ */

/* ---- the capacity planner's plots ------------------------------------------ */


/* The objective's terms that are not host metrics, with their base values. */
static size_t speed_terms(const struct runview *rv, struct objective *o, double **base)
{
	o->t = xcalloc(rv->obj.n + 1, sizeof(*o->t));
	o->n = 0;
	o->max_cov = 0;
	*base = xcalloc(rv->obj.n + 1, sizeof(double));
	for (size_t i = 0; i < rv->obj.n; i++)
		if (!hostcost_metric(rv->obj.t[i].metric)) {
			(*base)[o->n] = rv->base[i];
			o->t[o->n++] = rv->obj.t[i];	/* borrowed: freed with rv */
		}
	return o->n;
}

struct point {
	double x, y;
	int64_t trial;
};

static int by_x(const void *a, const void *b)
{
	const struct point *p = a, *q = b;
	return p->x < q->x ? -1 : p->x > q->x ? 1 : (p->y > q->y) - (p->y < q->y);
}

/*
 * tradeoff.dat: each scored trial's speed (its score over the objective's
 * non-host metrics) against the host memory a VM held (host.mem.pss_peak
 * over the run's instances); front.dat: the Pareto front, the trials no
 * other beats on both. Returns the points.
 */
static size_t tradeoff_data(struct store *st, const struct runview *rv, struct strbuf *dat,
			    struct strbuf *front, char *err)
{
	struct objective o;
	double *base;
	struct point *p = xcalloc(rv->n + 1, sizeof(*p));
	size_t n = 0;
	if (rv->have_base && speed_terms(rv, &o, &base))
		for (size_t i = 0; i < rv->n; i++) {
			const struct tview *t = &rv->t[i];
			struct sample *smp;
			size_t ns, nrep;
			double *sc = NULL;
			if (t->status != TS_DONE || store_trial_samples(st, t->id, &smp, &ns, err))
				continue;
			double mem = sample_median(smp, ns, "host.mem.pss_peak", -1);
			if (isfinite(mem) && !score_repeats(&o, base, smp, ns, &sc, &nrep, err) && nrep)
				p[n++] = (struct point){ mem / rv->instances, stats_median(sc, nrep), t->id };
			free(sc);
			store_samples_free(smp, ns);
		}
	if (rv->have_base && o.n) {
		free(o.t);
		free(base);
	}
	qsort(p, n, sizeof(*p), by_x);
	double best = -INFINITY;
	for (size_t i = 0; i < n; i++) {
		strbuf_addf(dat, "%.6g %.6g %lld\n", p[i].x, p[i].y, (long long)p[i].trial);
		if (p[i].y > best) {	/* less memory than any better one */
			best = p[i].y;
			strbuf_addf(front, "%.6g %.6g %lld\n", p[i].x, p[i].y, (long long)p[i].trial);
		}
	}
	free(p);
	return n;
}

/* capacity.dat: a capacity series' steps (N, score, lo, hi, worst, host MiB and CPU s per VM). */
static size_t capacity_data(struct store *st, const struct runview *rv, struct strbuf *dat,
			    char *err)
{
	int64_t head = rv->capacity_of ? rv->capacity_of : rv->id;
	struct cap_step *c = NULL;
	size_t n = 0, k = 0;
	struct objective o;
	if (strcmp(rv->strategy, "capacity"))
		return 0;
	capacity_objective(&rv->job.obj, &o);
	if (capacity_steps(st, &o, head, rv->seed, &c, &n, err))
		n = 0;
	int most = 0;
	for (size_t i = 0; i < n; i++)
		most = c[i].instances > most ? c[i].instances : most;
	for (int inst = 1; inst <= most; inst++)	/* in order of N */
		for (size_t i = 0; i < n; i++) {
			if (c[i].reference || c[i].instances != inst || !isfinite(c[i].score))
				continue;
			strbuf_addf(dat, "%d %.6g %.6g %.6g %.6g %.6g %.6g\n", c[i].instances,
				    c[i].score, c[i].lo, c[i].hi, c[i].worst, c[i].mem_mib,
				    c[i].cpu_s);
			k++;
		}
	objective_release(&o);
	free(c);
	return k;
}

static void gp_planner(struct strbuf *gp, const char *format, size_t ntrade, size_t ncap)
{
	if (ntrade) {
		gp_plot_header(gp, format, "tradeoff", 720, 440);
		strbuf_addstr(gp, "set title 'Speed against host memory per VM (Pareto front)'\n"
				  "set xlabel 'host memory per VM (MiB, PSS peak)'\n"
				  "set ylabel 'score without host metrics (1 = the defaults)'\n"
				  "set key top right\n"
				  "plot 'tradeoff.dat' using 1:2 with points pt 7 ps 0.8 lc rgb '#4477aa' "
				  "title 'trial', \\\n"
				  "     'front.dat' using 1:2 with linespoints pt 6 ps 1.6 lw 2 "
				  "lc rgb '#cc3311' title 'Pareto front'\n");
	}
	if (ncap) {
		gp_plot_header(gp, format, "capacity", 720, 440);
		strbuf_addstr(gp, "set title 'Capacity: what each VM keeps as VMs are added'\n"
				  "set xlabel 'VMs side by side'\nset ylabel 'score of one VM alone = 1'\n"
				  "set y2label 'host memory per VM (MiB)'\nset y2tics\nset yrange [0:*]\n"
				  "set y2range [0:*]\nset xtics 1\nset key bottom left\n"
				  "plot 'capacity.dat' using 1:2:3:4 with yerrorlines pt 7 lw 2 "
				  "lc rgb '#228833' title 'score (95% CI)', \\\n"
				  "     '' using 1:5 with linespoints pt 2 lc rgb '#cc3311' title 'worst VM', "
				  "\\\n     '' using 1:6 axes x1y2 with linespoints pt 5 dt 2 "
				  "lc rgb '#4477aa' title 'host MiB per VM'\n");
	}
}

static void gp_script(struct strbuf *gp, const struct data *d, const char *format, size_t nconv,
		      const int *knob_plotted, size_t nbench, size_t nmemlat, size_t ntlb)
{
	const struct runview *rv = d->rv;
	strbuf_addstr(gp, "# vmtune report: generated; every file named here is in this folder\n"
			  "set datafile missing 'NaN'\nset encoding utf8\n");

	gp_plot_header(gp, format, "convergence", 900, 420);
	if (!nconv)	/* nothing scored: say so, and show where the trials failed */
		strbuf_addstr(gp, "set title 'Convergence: no trial was scored (was the baseline "
				  "measured?)'\nset xlabel 'trial'\nunset ytics\nset yrange [0:1]\n"
				  "plot 'failed.dat' using 1:(0.03) with points pt 2 ps 1.2 "
				  "lc rgb '#cc3311' title 'failed', 2 notitle\n");
	else
	strbuf_addstr(gp, "set title 'Convergence: score of each trial and the best'\n"
			  "set xlabel 'trial'\nset ylabel 'score (1 = the defaults, higher is better)'\n"
			  "set y2range [0:1]\nunset y2tics\n"
			  "plot 'convergence.dat' using 1:($4 > 0 ? NaN : $2) with points pt 7 ps 0.6 "
			  "lc rgb '#4477aa' title 'trial', \\\n"
			  "     'convergence.dat' using 1:($4 > 0 ? $2 : NaN) with points pt 6 ps 0.9 "
			  "lc rgb '#ee7733' title 'measured while the level moved', \\\n"
			  "     'convergence.dat' using 1:3 with steps lw 2 lc rgb '#228833' "
			  "title 'best', \\\n"
			  "     'failed.dat' using 1:(0.03) axes x1y2 with points pt 2 ps 1.2 "
			  "lc rgb '#cc3311' title 'failed'\n");

	for (size_t k = 0; k < rv->job.space.n; k++) {
		const struct param *p = &rv->job.space.p[k];
		char name[32];
		if (!knob_plotted[k])
			continue;
		snprintf(name, sizeof(name), "knob-%zu", k);
		gp_plot_header(gp, format, name, 520, 360);
		strbuf_addstr(gp, "set title ");
		gp_string(gp, p->name);
		strbuf_addstr(gp, " noenhanced\nset ylabel 'score'\nset xlabel ''\nunset key\n"
				  "set boxwidth 0.5\nset style fill solid 0.3\nset offsets 0.5, 0.5, 0, 0\n"
				  "set xtics rotate by -35 noenhanced\n");
		strbuf_addf(gp, "plot '%s.dat' using 1:4:3:7:6:xtic(2) with candlesticks whiskerbars "
				"lc rgb '#4477aa', \\\n"
				"     '' using 1:5:5:5:5 with candlesticks lw 2 lc rgb '#222222'\n",
			    name);
	}

	if (nbench) {	/* a small panel per benchmark, three to a row, ratios on a log axis */
		size_t cols = nbench < 3 ? nbench : 3, rows = (nbench + 2) / 3;
		gp_plot_header(gp, format, "bench", 960, 60 + 300 * (int)rows);
		strbuf_addf(gp, "set multiplot layout %zu,%zu title 'Benchmarks: best against the "
				"baseline (medians, 95%% CI; %s)'\n"
				"set logscale y\nset offsets 0.5, 0.5, 0, 0\n"
				"set xtics rotate by -30 noenhanced font ',9'\n"
				"set ylabel 'ratio to the baseline (log scale)' font ',9'\n"
				"set key top right font ',9'\n",
			    rows, cols, d->confirm_only ? "measured in the confirmation"
							: "every measurement of the two");
		for (size_t k = 0; k < nbench; k++) {
			strbuf_addstr(gp, "set title ");
			gp_string(gp, d->g[k].name);
			strbuf_addf(gp, " noenhanced\nset yrange [%g:%g]\n", d->g[k].lo / 1.05,
				    d->g[k].hi * 1.05);
			gp_log_ticks(gp, 'y', d->g[k].lo / 1.05, d->g[k].hi * 1.05);
			strbuf_addf(gp, "%s"
					"plot 'bench-%zu.dat' using ($0 - 0.12):2:3:4:xtic(1) with yerrorbars "
					"pt 7 ps 0.6 lc rgb '#999999' title 'baseline', \\\n"
					"     '' using ($0 + 0.12):5:6:7 with yerrorbars pt 7 ps 0.6 "
					"lc rgb '#228833' title 'best', \\\n"
					"     1 with lines dt 2 lc rgb '#555555' notitle\n",
				    k == 1 ? "unset key\n" : "", k);
		}
		strbuf_addstr(gp, "unset multiplot\n");
	}
	if (nmemlat) {
		gp_plot_header(gp, format, "memlat", 720, 420);
		strbuf_addstr(gp, "set title 'memlat: latency against working set'\n"
				  "set logscale xy\nset xlabel 'working set (KiB)'\nset ylabel 'ns per load'\n"
				  "plot 'memlat.dat' using 1:2 with linespoints pt 7 lc rgb '#bbbbbb' "
				  "title 'baseline', \\\n"
				  "     '' using 1:3 with linespoints pt 7 lc rgb '#228833' title 'best'\n");
	}
	if (ntlb) {
		gp_plot_header(gp, format, "tlb", 560, 380);
		strbuf_addstr(gp, "set title 'tlb: one access per page, by page kind'\n"
				  "set ylabel 'ns per access'\nset style data histogram\n"
				  "set style histogram clustered gap 1\nset style fill solid 0.6 border -1\n"
				  "set yrange [0:*]\nset key top right\n"
				  "plot 'tlb.dat' using 2:xtic(1) lc rgb '#bbbbbb' title 'baseline', \\\n"
				  "     '' using 3 lc rgb '#228833' title 'best'\n");
	}

	gp_plot_header(gp, format, "timeline", 900, 420);
	strbuf_addstr(gp, "set title 'Timeline of the trials'\n"
			  "set xlabel 'seconds since the first trial'\n"
			  "set ylabel 'trial'\nset yrange [0:*]\n"
			  "plot 'timeline.dat' using 2:1:3:(0) with vectors nohead lw 4 lc rgb '#ee7733' "
			  "title 'boot', \\\n"
			  "     '' using ($2 + $3):1:4:(0) with vectors nohead lw 4 lc rgb '#4477aa' "
			  "title 'benchmark', \\\n"
			  "     '' using ($5 > 0 ? $2 + $3 + $4 : NaN):1 with points pt 2 ps 1.2 lc rgb '#cc3311' "
			  "title 'failed'\n");
}

/* The plots the page shows in its sections: the verdict's forest, the ablation's waterfall. */
static void gp_verdicts(struct strbuf *gp, const struct data *d, const char *format)
{
	if (d->nforest)
		forest_gp(&d->cf.f, gp, format, "forest", "Per metric, as the confirmation measured "
			  "them: best over baseline", d->nforest);
	if (d->nwaterfall)
		ablview_waterfall_gp(&d->av, gp, format, d->nwaterfall);
}

/* ---- rendering ---------------------------------------------------------- */

static int run_gnuplot(const char *program, const char *dir, char *err)
{
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int status;
	char *argv[] = { (char *)program, "report.gp", NULL };
	struct strbuf log = STRBUF_INIT;
	strbuf_addf(&log, "%s/gnuplot.log", dir);
	posix_spawn_file_actions_init(&fa);	/* in order: opens first, then into dir */
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, log.buf, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	posix_spawn_file_actions_addchdir_np(&fa, dir);
	int rc = posix_spawnp(&pid, program, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc) {
		strbuf_release(&log);
		seterr(err, "cannot run %s: %s (install gnuplot: apt-get install gnuplot-nox)", program,
		       strerror(rc));
		return -1;
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		struct strbuf msg = STRBUF_INIT;
		read_all(log.buf, &msg);
		char *nl = msg.len ? strrchr(msg.buf, '\n') : NULL;
		while (nl && nl > msg.buf && !nl[1]) {	/* the last non-empty line */
			*nl = '\0';
			nl = strrchr(msg.buf, '\n');
		}
		seterr(err, "gnuplot failed (%s/gnuplot.log): %s", dir,
		       msg.len ? (nl ? nl + 1 : msg.buf) : "no message");
		strbuf_release(&msg);
		strbuf_release(&log);
		return -1;
	}
	strbuf_release(&log);
	return 0;
}

/* ---- the pages ------------------------------------------------------------ */

static void config_rows(const struct runview *rv, const char *json, struct strbuf *html,
			struct strbuf *md)
{
	const struct space *sp = &rv->job.space;
	union pval *cfg = config_new(sp);
	if (config_from_json(sp, json, cfg, NULL)) {
		free(cfg);
		return;
	}
	strbuf_addstr(md, "| parameter | value | default |\n|---|---|---|\n");
	strbuf_addstr(html, "<table><tr><th>parameter</th><th>value</th><th>default</th></tr>\n");
	for (size_t i = 0; i < sp->n; i++) {
		struct strbuf v = STRBUF_INIT, d = STRBUF_INIT;
		pval_format(&sp->p[i], cfg[i], &v);
		pval_format(&sp->p[i], sp->p[i].def, &d);
		int changed = strcmp(v.buf, d.buf) != 0;
		strbuf_addf(md, "| %s | %s%s%s | %s |\n", sp->p[i].name, changed ? "**" : "", v.buf,
			    changed ? "**" : "", d.buf);
		strbuf_addf(html, "<tr%s><td>", changed ? " class=\"changed\"" : "");
		html_escape(html, sp->p[i].name);
		strbuf_addstr(html, "</td><td>");
		html_escape(html, v.buf);
		strbuf_addstr(html, "</td><td>");
		html_escape(html, d.buf);
		strbuf_addstr(html, "</td></tr>\n");
		strbuf_release(&v);
		strbuf_release(&d);
	}
	strbuf_addstr(html, "</table>\n");
	free(cfg);
}

static void versions(struct strbuf *md, struct strbuf *html, const char *gnuplot)
{
	struct utsname u;
	unsigned long lv = 0;
	struct strbuf sb = STRBUF_INIT;
	strbuf_addf(&sb, "vmtune %s; SQLite %s", VMTUNE_VERSION, sqlite3_libversion());
	if (!virGetVersion(&lv, NULL, NULL))
		strbuf_addf(&sb, "; libvirt %lu.%lu.%lu", lv / 1000000, lv / 1000 % 1000, lv % 1000);
	if (!uname(&u))
		strbuf_addf(&sb, "; kernel %s", u.release);
	if (gnuplot)
		strbuf_addf(&sb, "; plots by %s", gnuplot);
	strbuf_addf(md, "- versions: %s\n", sb.buf);
	strbuf_addstr(html, "<li>versions: ");
	html_escape(html, sb.buf);
	strbuf_addstr(html, "</li>\n");
	strbuf_release(&sb);
}

/* With trials on several hosts: each host's trials, baseline and best; the warning. */
static void hosts(const struct runview *rv, struct strbuf *md, struct strbuf *html)
{
	double sigma;
	size_t n;
	struct hostview *h = runview_hosts(rv, &n, &sigma);
	struct strbuf w = STRBUF_INIT;
	if (n < 2)
		goto out;
	strbuf_addf(md, "\n## Hosts\n\n| host | trials | baseline | best |\n|---|---|---|---|\n");
	strbuf_addstr(html, "<h2>Hosts</h2>\n<table><tr><th>host</th><th>trials</th>"
			    "<th>baseline</th><th>best</th></tr>\n");
	for (size_t i = 0; i < n; i++) {
		char base[32] = "-", best[64];
		if (h[i].base_n)
			snprintf(base, sizeof(base), "%.4f", exp(h[i].base_mean));
		snprintf(best, sizeof(best), "%.4f (trial %lld)", h[i].best->score,
			 (long long)h[i].best->id);
		strbuf_addf(md, "| %s | %zu | %s | %s |\n", h[i].host, h[i].trials, base, best);
		strbuf_addstr(html, "<tr><td>");
		html_escape(html, h[i].host);
		strbuf_addf(html, "</td><td>%zu</td><td>%s</td><td>%s</td></tr>\n", h[i].trials, base,
			    best);
	}
	strbuf_addstr(html, "</table>\n");
	if (runview_host_warnings(h, n, sigma, &w)) {
		strbuf_addf(md, "\n%s", w.buf);
		strbuf_addstr(html, "<p class=\"warning\">");
		html_escape(html, w.buf);
		strbuf_addstr(html, "</p>\n");
	}
out:
	strbuf_release(&w);
	free(h);
}

/* Which knobs the score's variance came from (runview_importance()). */
static int importance(const struct runview *rv, struct strbuf *md, struct strbuf *html, char *err)
{
	const struct space *sp = &rv->job.space;
	struct importance *imp = xcalloc(sp->n + 1, sizeof(*imp));
	struct strbuf text = STRBUF_INIT;
	size_t n;
	int rc = runview_importance(rv, imp, &n, err);
	if (rc < 0) {
		free(imp);
		return -1;
	}
	strbuf_addstr(md, "\n## Knob importance\n\n");
	strbuf_addstr(html, "<h2>Knob importance</h2>\n");
	if (rc) {
		importance_format(sp, imp, n, rc, &text);
		strbuf_addf(md, "%s", text.buf);
		strbuf_addstr(html, "<p id=\"importance\">");
		html_escape(html, text.buf);
		strbuf_addstr(html, "</p>\n");
	} else {
		strbuf_addf(md, "The share of the score's variance over the %zu configurations "
			    "measured that each knob explains alone, with its 95%% bootstrap "
			    "interval (of the configurations the strategy chose, not of the whole "
			    "space).\n\n| knob | share | 95%% CI |\n|---|---|---|\n", n);
		strbuf_addf(html, "<p>The share of the score's variance over the %zu configurations "
			    "measured that each knob explains alone, with its 95%% bootstrap "
			    "interval (of the configurations the strategy chose, not of the whole "
			    "space).</p>\n<table id=\"importance\"><tr><th>knob</th><th>share</th>"
			    "<th>95%% CI</th></tr>\n", n);
		for (size_t i = 0; i < sp->n; i++) {
			const struct importance *k = &imp[i];
			strbuf_addf(md, "| %s | %.1f%% | [%.1f%%, %.1f%%] |\n", sp->p[k->param].name,
				    100 * k->share, 100 * k->lo, 100 * k->hi);
			strbuf_addstr(html, "<tr><td>");
			html_escape(html, sp->p[k->param].name);
			strbuf_addf(html, "</td><td>%.1f%%</td><td>[%.1f%%, %.1f%%]</td></tr>\n",
				    100 * k->share, 100 * k->lo, 100 * k->hi);
		}
		strbuf_addstr(html, "</table>\n");
	}
	strbuf_release(&text);
	free(imp);
	return 0;
}

static void failures(const struct runview *rv, struct strbuf *md, struct strbuf *html)
{
	size_t n = 0;
	for (size_t i = 0; i < rv->n; i++)
		n += rv->t[i].status == TS_FAILED || rv->t[i].status == TS_TIMEOUT;
	strbuf_addf(md, "\n## Failures (%zu)\n\n", n);
	strbuf_addf(html, "<h2>Failures (%zu)</h2>\n", n);
	if (!n)
		return;
	strbuf_addstr(html, "<table><tr><th>trial</th><th>status</th><th>reason</th></tr>\n");
	for (size_t i = 0; i < rv->n; i++) {
		const struct tview *t = &rv->t[i];
		if (t->status != TS_FAILED && t->status != TS_TIMEOUT)
			continue;
		const char *why = t->reason ? t->reason : "";
		strbuf_addf(md, "- trial %lld %s: %s\n", (long long)t->id, trial_status_name(t->status),
			    why);
		strbuf_addf(html, "<tr><td>%lld</td><td>%s</td><td>", (long long)t->id,
			    trial_status_name(t->status));
		html_escape(html, why);
		strbuf_addstr(html, "</td></tr>\n");
	}
	strbuf_addstr(html, "</table>\n");
}

static const char *const captions[][2] = {
	{ "convergence", "Score of each trial (dots; open where the defaults' level moved "
			 "around it) and of the best so far as reported (line); failed trials "
			 "marked at the bottom." },
	{ "bench", "Every metric of the best configuration against the baseline, one panel "
		   "per benchmark, as ratios of the baseline's median, with 95% bootstrap CIs "
		   "(memlat: its own plot)." },
	{ "memlat", "Memory latency against working set: the cache levels, baseline and best." },
	{ "tlb", "One access per page: what huge pages changed." },
	{ "timeline", "Each trial: boot (VM start to the agent's first line) and benchmarks; "
		      "failures marked." },
	{ "tradeoff", "Each trial's score (the objective's VM metrics alone) against the host "
		      "memory one VM held; the Pareto front joins the trials no other beats on "
		      "both, the planner's choice of speed against density." },
	{ "capacity", "vmtune capacity: each VM's score against one VM alone as VMs are added "
		      "(median, 95% interval), the worst VM's, and the host memory per VM." },
};

/* The headline: the confirmation's verdict, the noise floor, each metric as confirmed (a forest). */
static int verdict(const struct data *d, const struct report_opts *o, struct strbuf *md,
		   struct strbuf *html, char *err)
{
	struct strbuf line = STRBUF_INIT, noise = STRBUF_INIT;
	int rc = 0;
	confirmation_format(&d->cf, &line);
	noise_format(&d->nz, 3, &noise);
	strbuf_addf(md, "\n## Verdict\n\n**%s**\n\nnoise floor: %s\n", line.buf, noise.buf);
	strbuf_addstr(html, "<h2>Verdict</h2>\n<p id=\"verdict\"><b>");
	html_escape(html, line.buf);
	strbuf_addstr(html, "</b></p>\n<p id=\"noise\">noise floor: ");
	html_escape(html, noise.buf);
	strbuf_addstr(html, "</p>\n");
	if (d->have_best) {
		strbuf_reset(&line);
		verified_format(&d->v, &line);
		strbuf_addf(md, "\n%s\n", line.buf);
		strbuf_addstr(html, "<p id=\"knobs\">");
		html_escape(html, line.buf);
		strbuf_addstr(html, "</p>\n");
	}
	strbuf_reset(&line);
	if (runview_drift_format(d->rv, "open marks in the convergence plot", &line)) {
		strbuf_addf(md, "\ndrift: %s\n", line.buf);
		strbuf_addstr(html, "<p id=\"drift\">drift: ");
		html_escape(html, line.buf);
		strbuf_addstr(html, "</p>\n");
	}
	if (d->rv->dropped) {
		strbuf_addf(md, "\n%s\n", d->rv->dropped);
		strbuf_addstr(html, "<p id=\"dropped\">");
		html_escape(html, d->rv->dropped);
		strbuf_addstr(html, "</p>\n");
	}
	if (d->nforest) {
		const struct metric_family *f = &d->cf.f;
		strbuf_addf(md, "\n![forest](forest.%s)\n", o->format);
		if (plot_embed(html, o->out, "forest", o->format, "Each metric of the confirmation's "
			       "measurements, best over baseline, with its interval: 95%, or for a "
			       "metric that differs the level that keeps the false coverage rate at "
			       "5%. Ratios on a log axis.", err))
			rc = -1;
		forest_table(f, md, html);
		strbuf_addf(md, "\nThe %zu metrics are judged together (Benjamini-Hochberg, a %.0f%% "
			    "false discovery rate, on Welch's p): %zu differ; the interval of one that "
			    "does keeps the false coverage rate at %.0f%%.\n", f->judged,
			    100 * f->fdr, f->differ, 100 * f->fdr);
		strbuf_addf(html, "<p>The %zu metrics are judged together (Benjamini-Hochberg, a %.0f%% "
			    "false discovery rate, on Welch's p): %zu differ; the interval of one that "
			    "does keeps the false coverage rate at %.0f%%.</p>\n", f->judged,
			    100 * f->fdr, f->differ, 100 * f->fdr);
	}
	strbuf_release(&line);
	strbuf_release(&noise);
	return rc;
}

static int pages(const struct data *d, const struct report_opts *o, const char **images,
		 size_t nimages, const char *gnuplot, char *err)
{
	const struct runview *rv = d->rv;
	struct strbuf md = STRBUF_INIT, html = STRBUF_INIT, head = STRBUF_INIT;
	const char *accel = !strcmp(rv->accel, "kvm") ? "KVM"
			    : !strcmp(rv->accel, "tcg") ? "TCG (emulation: not KVM figures)"
			    : rv->accel;
	int rc = 0;

	strbuf_addf(&md, "# vmtune report: run %lld (%s)\n\n", (long long)rv->id, rv->name);
	strbuf_addstr(&html, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">\n<title>vmtune "
			     "report</title>\n<style>body{font-family:sans-serif;max-width:960px;"
			     "margin:2em auto;color:#222}table{border-collapse:collapse}td,th{"
			     "border:1px solid #ccc;padding:2px 8px;text-align:left}tr.changed td{"
			     "font-weight:bold}img{max-width:100%}figure{margin:1.5em 0}"
			     "#broken{color:#cc3311}</style>\n</head>\n<body>\n");
	strbuf_addf(&html, "<h1>vmtune report: run %lld (", (long long)rv->id);
	html_escape(&html, rv->name);
	strbuf_addstr(&html, ")</h1>\n<p id=\"broken\"></p>\n<ul>\n");
	strbuf_addf(&head, "strategy %s, %lld completed trials (%lld done, %lld failed), seed %llu",
		    rv->strategy, (long long)rv->n_completed, (long long)rv->n_done,
		    (long long)rv->n_failed, (unsigned long long)rv->seed);
	strbuf_addf(&md, "- accelerator: %s\n- host: %s\n- %s\n", accel, rv->host, head.buf);
	strbuf_addstr(&html, "<li>accelerator: ");
	html_escape(&html, accel);
	strbuf_addstr(&html, "</li>\n<li>host: ");
	html_escape(&html, rv->host);
	strbuf_addstr(&html, "</li>\n<li>");
	html_escape(&html, head.buf);
	strbuf_addstr(&html, "</li>\n");
	versions(&md, &html, gnuplot);
	strbuf_addstr(&html, "</ul>\n");

	rc = verdict(d, o, &md, &html, err);
	if (d->have_best) {
		double lo, hi, med = stats_median(d->best.scores, d->best.nscores);
		struct strbuf line = STRBUF_INIT;
		strbuf_addf(&line, "trial %lld: score %.4f (%+.1f%% against the defaults)",
			    (long long)d->best.first->id, med, 100 * (med - 1));
		if (!stats_bootstrap_median_ci(d->best.scores, d->best.nscores, 0.95, CI_RESAMPLES,
					       rv->seed, &lo, &hi))
			strbuf_addf(&line, ", 95%% CI [%+.1f%%, %+.1f%%] over %zu repeats",
				    100 * (lo - 1), 100 * (hi - 1), d->best.nscores);
		else
			strbuf_addf(&line, ", %zu repeat: no confidence interval", d->best.nscores);
		strbuf_addf(&md, "\n## Best configuration\n\nThe search's own estimate (chosen and "
			    "judged on the same measurements, so biased upward; the verdict above is "
			    "not):\n\n%s\n\n", line.buf);
		strbuf_addstr(&html, "<h2>Best configuration</h2>\n<p>The search's own estimate "
				     "(chosen and judged on the same measurements, so biased upward; "
				     "the verdict above is not):</p>\n<p id=\"best\">");
		html_escape(&html, line.buf);
		strbuf_addstr(&html, "</p>\n");
		config_rows(rv, d->best_config, &html, &md);
		strbuf_release(&line);
	} else {
		strbuf_addstr(&md, "\n## Best configuration\n\nnone: no trial was scored\n");
		strbuf_addstr(&html, "<h2>Best configuration</h2>\n<p id=\"best\">none: no trial was "
				     "scored</p>\n");
	}
	ablview_section(rv, &d->av, &md, &html);
	if (d->nwaterfall && !rc) {
		strbuf_addf(&md, "\n![waterfall](waterfall.%s)\n", o->format);
		rc = plot_embed(&html, o->out, "waterfall", o->format, "The path from the defaults to "
				"the best: each bar a change added, from the score before it to the "
				"score after (over the defaults, log scale, 95% CI); green carries, grey "
				"a passenger; the dotted line ends the minimal set.", err);
	}
	if (importance(rv, &md, &html, err))
		rc = -1;
	hosts(rv, &md, &html);
	failures(rv, &md, &html);

	strbuf_addstr(&html, "<h2>Plots</h2>\n");
	strbuf_addstr(&md, "\n## Plots\n\n");
	for (size_t i = 0; i < nimages && !rc; i++) {
		const char *cap = "The score for each value of this parameter over the trials that "
				  "had it: box from quartile to quartile, median, whiskers to the extremes.";
		for (size_t k = 0; k < sizeof(captions) / sizeof(*captions); k++)
			if (!strcmp(captions[k][0], images[i]))
				cap = captions[k][1];
		strbuf_addf(&md, "![%s](%s.%s)\n", images[i], images[i], o->format);
		rc = plot_embed(&html, o->out, images[i], o->format, cap, err);
	}
	/* says so on the page when an image did not load; and how far it overflows the window */
	strbuf_addstr(&html, "<script>window.addEventListener('load',function(){var b=0,im="
			     "document.images;for(var i=0;i<im.length;i++)if(!im[i].complete||"
			     "im[i].naturalWidth===0)b++;document.body.setAttribute('data-images',"
			     "im.length);document.body.setAttribute('data-broken',b);document.body."
			     "setAttribute('data-overflow',Math.max(0,document.documentElement."
			     "scrollWidth-window.innerWidth));if(b)document."
			     "getElementById('broken').textContent=b+' image(s) failed to load';});"
			     "</script>\n</body></html>\n");
	if (!rc)
		rc = write_file(o->out, "report.md", &md, err) || write_file(o->out, "index.html", &html, err);
	strbuf_release(&md);
	strbuf_release(&html);
	strbuf_release(&head);
	return rc ? -1 : 0;
}

/* ---- the whole ------------------------------------------------------------ */

static int bench_files(const struct data *d, const char *dir, char *err)
{
	for (size_t k = 0; k < d->ng; k++) {
		char name[32];
		snprintf(name, sizeof(name), "bench-%zu.dat", k);
		if (write_file(dir, name, &d->g[k].dat, err))
			return -1;
	}
	return 0;
}

/* What the report shows: the best, the noise, the verdict, and their measurements. */
static int load_data(struct store *st, struct data *d, char *err)
{
	const struct runview *rv = d->rv;
	int rc = runview_best(rv, &d->best, &d->runner, err);
	if (rc < 0 || runview_noise(rv, st, &d->nz, err) || runview_confirmation(rv, st, &d->cf, err))
		return -1;
	d->have_best = rc;
	if (d->have_best && runview_verified(rv, st, d->best.first->config, &d->v, err))
		return -1;
	if (ablview_load(rv, st, &d->av, err))
		return -1;
	d->confirm_only = d->cf.na && d->cf.nb;	/* then the plots show what was confirmed */
	if (rv->have_base) {
		union pval *dv = config_defaults(&rv->job.space);
		char *def = config_to_json(&rv->job.space, dv);
		rc = collect(st, d, def, 0, err);
		free(def);
		free(dv);
		if (rc)
			return -1;
	}
	if (d->have_best) {
		d->best_config = xstrdup(d->confirm_only ? d->cf.best->config : d->best.first->config);
		if (collect(st, d, d->best_config, 1, err))
			return -1;
	}
	return 0;
}

/* knob-K.dat for each knob K; names[K] "knob-K" (the caller frees), plotted[K] when it has values. */
static int knob_files(const struct runview *rv, const char *out, char **names, int *plotted,
		      char *err)
{
	for (size_t k = 0; k < rv->job.space.n; k++) {
		struct strbuf kd = STRBUF_INIT, name = STRBUF_INIT, file = STRBUF_INIT;
		plotted[k] = knob_data(rv, k, &kd) > 0;
		strbuf_addf(&name, "knob-%zu", k);
		strbuf_addf(&file, "%s.dat", name.buf);
		int rc = write_file(out, file.buf, &kd, err);
		strbuf_release(&kd);
		strbuf_release(&file);
		names[k] = strbuf_detach(&name);
		if (rc)
			return -1;
	}
	return 0;
}

int report_write(struct store *st, const struct runview *rv, const struct report_opts *o,
		 struct report_result *res, char *err)
{
	struct data d = { .rv = rv };
	struct strbuf conv = STRBUF_INIT, failed = STRBUF_INIT,
		      memlat = STRBUF_INIT, tlb = STRBUF_INIT, timeline = STRBUF_INIT,
		      gp = STRBUF_INIT, prog = STRBUF_INIT, trade = STRBUF_INIT, front = STRBUF_INIT,
		      cap = STRBUF_INIT, forest = STRBUF_INIT, fall = STRBUF_INIT;
	const char **images = xcalloc(rv->job.space.n + 8, sizeof(char *));
	char **knob_names = xcalloc(rv->job.space.n + 1, sizeof(char *));
	int *knob_plotted = xcalloc(rv->job.space.n + 1, sizeof(int));
	size_t nimages = 0;
	int ret = -1;

	memset(res, 0, sizeof(*res));
	if (mkdir(o->out, 0755) && errno != EEXIST) {
		seterr(err, "cannot create %s: %s", o->out, strerror(errno));
		goto out;
	}
	if (load_data(st, &d, err))
		goto out;

	size_t nconv = convergence_data(&d, &conv, &failed);
	size_t nbench = bench_data(&d), nmemlat = memlat_data(&d, &memlat);
	size_t ntlb = tlb_data(&d, &tlb);
	if (timeline_data(st, rv, &timeline, err))
		goto out;
	size_t ntrade = tradeoff_data(st, rv, &trade, &front, err);
	size_t ncap = capacity_data(st, rv, &cap, err);
	if (d.cf.outcome == CONFIRMED_JUDGED)
		d.nforest = forest_data(&d.cf.f, &forest);
	d.nwaterfall = ablview_waterfall(rv, &d.av, &fall);
	if (write_file(o->out, "convergence.dat", &conv, err) ||
	    write_file(o->out, "failed.dat", &failed, err) ||
	    bench_files(&d, o->out, err) ||
	    write_file(o->out, "memlat.dat", &memlat, err) ||
	    write_file(o->out, "tlb.dat", &tlb, err) ||
	    write_file(o->out, "timeline.dat", &timeline, err) ||
	    write_file(o->out, "tradeoff.dat", &trade, err) ||
	    write_file(o->out, "front.dat", &front, err) ||
	    write_file(o->out, "capacity.dat", &cap, err) ||
	    write_file(o->out, "forest.dat", &forest, err) ||
	    write_file(o->out, "waterfall.dat", &fall, err))
		goto out;
	images[nimages++] = "convergence";
	if (knob_files(rv, o->out, knob_names, knob_plotted, err))
		goto out;
	for (size_t k = 0; k < rv->job.space.n; k++)
		if (knob_plotted[k])
			images[nimages++] = knob_names[k];
	if (nbench)
		images[nimages++] = "bench";
	if (nmemlat)
		images[nimages++] = "memlat";
	if (ntlb)
		images[nimages++] = "tlb";
	images[nimages++] = "timeline";
	if (ntrade)
		images[nimages++] = "tradeoff";
	if (ncap)
		images[nimages++] = "capacity";
	gp_script(&gp, &d, o->format, nconv, knob_plotted, nbench, nmemlat, ntlb);
	gp_planner(&gp, o->format, ntrade, ncap);
	gp_verdicts(&gp, &d, o->format);
	if (write_file(o->out, "report.gp", &gp, err))
		goto out;
	if (o->script_only) {
		ret = 0;
		goto out;
	}
	double t0 = mono();
	if (run_gnuplot(o->gnuplot ? o->gnuplot : "gnuplot", o->out, err))
		goto out;
	res->render_seconds = mono() - t0;
	strbuf_addstr(&prog, o->gnuplot ? o->gnuplot : "gnuplot");
	if (pages(&d, o, images, nimages, prog.buf, err))
		goto out;
	res->images = nimages + !!d.nforest + !!d.nwaterfall;
	ret = 0;
out:
	for (size_t k = 0; k < rv->job.space.n; k++)
		free(knob_names[k]);
	free(knob_names);
	free(knob_plotted);
	free(images);
	strbuf_release(&conv);
	strbuf_release(&failed);
	strbuf_release(&memlat);
	strbuf_release(&tlb);
	strbuf_release(&timeline);
	strbuf_release(&trade);
	strbuf_release(&front);
	strbuf_release(&cap);
	strbuf_release(&forest);
	strbuf_release(&fall);
	strbuf_release(&gp);
	strbuf_release(&prog);
	data_release(&d);
	return ret;
}
