/* A stored run's ablation, for the commands that show it (ablview.h). */
#include "ablview.h"
#include "plot.h"
#include "../engine/job.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* A metric's noise pooled over the groups the path measured: squared deviations of its logs. */
struct pooled {
	const char *metric;
	double ss;
	size_t df;
};

static void pool_metric(struct pooled **p, size_t *n, const struct metric_values *mv)
{
	size_t i = 0;
	while (i < *n && strcmp((*p)[i].metric, mv->metric))
		i++;
	if (i == *n) {
		*p = xrealloc(*p, (*n + 1) * sizeof(**p));
		(*p)[(*n)++] = (struct pooled){ .metric = mv->metric };
	}
	for (int side = 0; side < 2; side++) {
		double m = 0;
		size_t k = mv->n[side], ok = 1;
		for (size_t j = 0; j < k; j++) {
			ok &= mv->v[side][j] > 0;
			m += log(mv->v[side][j] > 0 ? mv->v[side][j] : 1);
		}
		if (k < 2 || !ok)
			continue;
		m /= (double)k;
		for (size_t j = 0; j < k; j++)
			(*p)[i].ss += (log(mv->v[side][j]) - m) * (log(mv->v[side][j]) - m);
		(*p)[i].df += k - 1;
	}
}

/*
 * Each step's metrics, its change over its base, as one family; each
 * metric on its noise pooled over every group the path measured, as the
 * score's gain is (3 + 3 measurements alone would find next to nothing).
 */
static int step_families(const struct runview *rv, struct store *st, struct ablview *av,
			 char *err)
{
	size_t n = av->a.nsteps, np = 0;
	struct metric_table *mt = xcalloc(n + 1, sizeof(*mt));
	struct pooled *p = NULL;
	int rc = 0;
	for (size_t k = 0; k < n && !rc; k++) {
		const struct abl_step *s = &av->a.steps[k];
		for (size_t i = 0; i < s->nbase + s->n && !rc; i++)
			rc = metric_table_add(&mt[k], st, i < s->nbase ? s->base_trials[i] :
					      s->trials[i - s->nbase], i >= s->nbase, err);
		for (size_t i = 0; i < mt[k].n && !rc; i++)
			pool_metric(&p, &np, &mt[k].m[i]);
	}
	av->fam = xcalloc(n + 1, sizeof(*av->fam));
	for (size_t k = 0; k < n && !rc; k++) {
		struct metric_noise *nz = xcalloc(mt[k].n + 1, sizeof(*nz));
		for (size_t i = 0; i < mt[k].n; i++)
			for (size_t j = 0; j < np; j++)
				if (!strcmp(p[j].metric, mt[k].m[i].metric) && p[j].df)
					nz[i] = (struct metric_noise){ sqrt(p[j].ss / (double)p[j].df),
								       (double)p[j].df };
		runview_family_of(rv, st, &mt[k], 0.95, nz, &av->fam[k]);
		free(nz);
	}
	free(p);	/* its names were mt's, now the families' */
	for (size_t k = 0; k < n; k++)
		metric_table_release(&mt[k]);
	free(mt);
	return rc;
}

int ablview_load(const struct runview *rv, struct store *st, struct ablview *av, char *err)
{
	const struct space *sp = &rv->job.space;
	memset(av, 0, sizeof(*av));
	int rc = store_ablation_get(st, rv->id, &av->row, err);
	if (rc <= 0)
		return rc;
	av->has = 1;
	rc = 0;
	av->def = config_defaults(sp);
	av->target = config_new(sp);
	config_canonical(sp, av->def);
	if (config_from_json(sp, av->row.config, av->target, err))
		return -1;
	config_canonical(sp, av->target);
	struct abl_obs *obs = xcalloc(rv->n + 1, sizeof(*obs));
	size_t n = 0;
	for (size_t i = 0; i < rv->n && !rc; i++) {
		const struct tview *t = &rv->t[i];
		if (t->origin < ORIGIN_ABLATE || t->status == TS_RUNNING ||
		    t->status == TS_INTERRUPTED)
			continue;
		union pval *cfg = config_new(sp);
		if ((rc = config_from_json(sp, t->config, cfg, err))) {
			free(cfg);
			break;
		}
		config_canonical(sp, cfg);
		obs[n++] = (struct abl_obs){
			.cfg = cfg, .kind = ablation_kind(t->origin), .trial = t->id,
			.state = t->status == TS_PROPOSED ? ABL_OBS_WAITING
			       : t->status == TS_DONE && t->score > 0 ? ABL_OBS_DONE : ABL_OBS_FAILED,
			.score = t->score,
		};
	}
	struct abl_opts o = { .repeats = av->row.repeats, .check_repeats = av->row.check_repeats,
			      .check_max = av->row.check_max, .fdr = ABLATION_FDR };
	if (!rc)
		ablation_derive(sp, av->def, av->target, &o, obs, n, &av->a);
	for (size_t i = 0; i < n; i++)
		free((union pval *)obs[i].cfg);
	free(obs);
	return rc ? rc : step_families(rv, st, av, err);
}

char *ablview_minimal_json(const struct runview *rv, const struct ablview *av)
{
	const struct ablation *a = &av->a;
	if (!av->has || a->state != ABL_DONE)
		return NULL;
	return config_to_json(&rv->job.space, a->minimal ? a->steps[a->minimal - 1].cfg : av->def);
}

/* "knob value" of the change a step took. */
static void change_text(const struct space *sp, const union pval *target, size_t p,
			struct strbuf *out)
{
	strbuf_addf(out, "%s ", sp->p[p].name);
	pval_format(&sp->p[p], target[p], out);
}

static void pct(const struct comparison *c, struct strbuf *out)
{
	if (isfinite(c->lo))
		strbuf_addf(out, "%+.1f%% [%+.1f%%, %+.1f%%]", 100 * (c->ratio - 1), 100 * (c->lo - 1),
			    100 * (c->hi - 1));
	else if (isfinite(c->ratio))
		strbuf_addf(out, "%+.1f%%", 100 * (c->ratio - 1));
	else
		strbuf_addstr(out, "-");
}

static void names(const struct space *sp, const size_t *p, size_t n, struct strbuf *out)
{
	for (size_t i = 0; i < n; i++)
		strbuf_addf(out, "%s%s", i ? ", " : "", sp->p[p[i]].name);
}

/* The metrics a step's change moved beyond the noise, judged as one family. */
static void format_metrics(const struct metric_family *f, struct strbuf *out)
{
	if (!f->differ)
		return;
	strbuf_addf(out, "       metrics: %zu of %zu differ", f->differ, f->judged);
	for (size_t i = 0, n = 0; i < f->n; i++) {
		const struct confirm_metric *m = &f->m[i];
		int change = confirm_metric_change(m);
		if (!change)
			continue;
		strbuf_addf(out, "%s%s %s ", n++ ? ", " : ": ", m->metric, change > 0 ? "better" : "WORSE");
		pct(&m->c, out);
	}
	strbuf_addch(out, '\n');
}

static void format_step(const struct space *sp, const struct ablview *av, size_t k,
			struct strbuf *out)
{
	const struct abl_step *st = &av->a.steps[k];
	struct strbuf ch = STRBUF_INIT, g = STRBUF_INIT, t = STRBUF_INIT;
	change_text(sp, av->target, st->param, &ch);
	pct(&st->gain, &g);
	pct(&st->total, &t);
	strbuf_addf(out, "  %-4zu %-30s %-28s %-28s %s\n", k + 1, ch.buf, g.buf, t.buf,
		    st->carries ? "carries" : "passenger");
	if (st->nskipped) {
		strbuf_addstr(out, "       skipped, its when: does not hold on the path: ");
		names(sp, st->skipped, st->nskipped, out);
		strbuf_addch(out, '\n');
	}
	if (st->nfailed) {
		strbuf_addstr(out, "       left out, failed on the path: ");
		names(sp, st->failed, st->nfailed, out);
		strbuf_addch(out, '\n');
	}
	if (st->nforbidden) {
		strbuf_addstr(out, "       not tried, a combination the space forbids on the path: ");
		names(sp, st->forbidden, st->nforbidden, out);
		strbuf_addch(out, '\n');
	}
	format_metrics(&av->fam[k], out);
	strbuf_release(&ch);
	strbuf_release(&g);
	strbuf_release(&t);
}

static void format_minimal(const struct space *sp, const struct ablview *av, struct strbuf *out)
{
	const struct ablation *a = &av->a;
	strbuf_addf(out, "minimal set: %zu of %zu changes", a->minimal, a->nsteps);
	for (size_t k = 0; k < a->minimal; k++) {
		strbuf_addstr(out, k ? ", " : " (");
		change_text(sp, av->target, a->steps[k].param, out);
	}
	strbuf_addstr(out, a->minimal ? ")" : "");
	if (!a->checking) {
		strbuf_addstr(out, a->minimal == a->nsteps ? ": every shorter prefix of the path "
			      "measured worse than all of them\n" : "\n");
		return;
	}
	strbuf_addf(out, "; a fresh A B of the first %zu against all %zu: ", a->check_prefix,
		    a->nsteps);
	pct(&a->check, out);
	strbuf_addf(out, " (%zu + %zu), %s", a->check.nb, a->check.na,
		    a->check_state == CONFIRM_WORSE ? "worse" : a->check_state == CONFIRM_YES ?
		    "better" : "no difference beyond the noise");
	if (a->rejected)
		strbuf_addf(out, "; %zu shorter prefix%s measured worse", a->rejected,
			    a->rejected == 1 ? "" : "es");
	strbuf_addch(out, '\n');
}

void ablview_format(const struct runview *rv, const struct ablview *av, struct strbuf *out)
{
	const struct space *sp = &rv->job.space;
	const struct ablation *a = &av->a;
	if (!av->has)
		return;
	strbuf_addf(out, "ablation from the defaults to %s: %zu changes, %d measurements of each "
		    "at each step; %zu trials\n", av->row.source, a->nchanges, av->row.repeats,
		    a->trials);
	if (a->nsteps)
		strbuf_addf(out, "  %-4s %-30s %-28s %-28s\n", "step", "change", "gain over the step "
			    "before", "over the defaults");
	for (size_t k = 0; k < a->nsteps; k++)
		format_step(sp, av, k, out);
	if (a->nsteps)
		strbuf_addf(out, "  (95%% intervals; carries: a gain beyond the noise, Benjamini-"
			    "Hochberg over the %zu steps at 5%%; a step's metrics that differ, its "
			    "change over its base, judged together at a 5%% false discovery rate)\n", a->nsteps);
	if (a->state == ABL_DONE)
		format_minimal(sp, av, out);
	else if (a->state == ABL_STUCK)
		strbuf_addf(out, "ablation stopped: %s\n", a->why);
	else
		strbuf_addf(out, "ablation not finished: %zu of %zu steps (vmtune ablate %lld "
			    "goes on with it)\n", a->nsteps, a->nchanges, (long long)rv->id);
}

/* ---- in the report -------------------------------------------------------- */

/* The step's metrics that differ, for the report's table. */
static void differing(const struct metric_family *f, struct strbuf *out)
{
	for (size_t i = 0, n = 0; i < f->n; i++) {
		int change = confirm_metric_change(&f->m[i]);
		if (!change)
			continue;
		strbuf_addf(out, "%s%s %s ", n++ ? ", " : "", f->m[i].metric, change > 0 ? "better" :
			    "WORSE");
		pct(&f->m[i].c, out);
	}
	if (f->judged && !f->differ)
		strbuf_addf(out, "none of %zu", f->judged);
}

void ablview_section(const struct runview *rv, const struct ablview *av, struct strbuf *md,
		     struct strbuf *html)
{
	const struct space *sp = &rv->job.space;
	const struct ablation *a = &av->a;
	struct strbuf all = STRBUF_INIT;
	if (!av->has)
		return;
	ablview_format(rv, av, &all);
	strbuf_addf(md, "\n## Ablation\n\n```\n%s```\n", all.buf);
	strbuf_addstr(html, "<h2>Ablation</h2>\n<p>");
	char *nl = strchr(all.buf, '\n');	/* its first line */
	if (nl)
		*nl = 0;
	html_escape(html, all.buf);
	strbuf_addstr(html, "</p>\n<table><tr><th>step</th><th>change</th><th>gain over the step "
			    "before</th><th>over the defaults</th><th></th><th>metrics that differ "
			    "(its change over its base)</th></tr>\n");
	for (size_t k = 0; k < a->nsteps; k++) {
		const struct abl_step *st = &a->steps[k];
		struct strbuf c = STRBUF_INIT;
		change_text(sp, av->target, st->param, &c);
		strbuf_addf(html, "<tr%s><td>%zu</td><td>", k < a->minimal && a->state == ABL_DONE ?
			    " class=\"changed\"" : "", k + 1);
		html_escape(html, c.buf);
		strbuf_reset(&c);
		pct(&st->gain, &c);
		strbuf_addf(html, "</td><td>%s</td><td>", c.buf);
		strbuf_reset(&c);
		pct(&st->total, &c);
		strbuf_addf(html, "%s</td><td>%s</td><td>", c.buf, st->carries ? "carries" : "passenger");
		strbuf_reset(&c);
		differing(&av->fam[k], &c);
		html_escape(html, c.buf);
		strbuf_addstr(html, "</td></tr>\n");
		strbuf_release(&c);
	}
	strbuf_addstr(html, "</table>\n<p id=\"minimal\">");
	strbuf_reset(&all);
	if (a->state == ABL_DONE)
		format_minimal(sp, av, &all);
	else if (a->state == ABL_STUCK)
		strbuf_addf(&all, "ablation stopped: %s", a->why);
	else
		strbuf_addf(&all, "ablation not finished: %zu of %zu steps", a->nsteps, a->nchanges);
	html_escape(html, all.buf);
	strbuf_addstr(html, "</p>\n");
	strbuf_release(&all);
}

size_t ablview_waterfall(const struct runview *rv, const struct ablview *av, struct strbuf *dat)
{
	const struct ablation *a = &av->a;
	double prev = 1;
	if (!av->has || !a->nsteps)
		return 0;
	strbuf_addstr(dat, "# x label from to total lo hi colour (over the defaults)\n0 \"defaults\" "
			   "1 1 1 NaN NaN 11184810\n");
	for (size_t k = 0; k < a->nsteps; k++) {
		const struct abl_step *st = &a->steps[k];
		struct strbuf c = STRBUF_INIT;
		strbuf_addch(&c, '+');
		change_text(&rv->job.space, av->target, st->param, &c);
		strbuf_addf(dat, "%zu ", k + 1);
		gp_string(dat, c.buf);
		strbuf_addf(dat, " %.6g %.6g %.6g %.6g %.6g %d\n", prev, st->total.ratio,
			    st->total.ratio, st->total.lo, st->total.hi,
			    st->carries ? 0x228833 : 0xbbbbbb);
		prev = st->total.ratio;
		strbuf_release(&c);
	}
	strbuf_addf(dat, "%zu \"best\" 1 %.6g %.6g %.6g %.6g %d\n", a->nsteps + 1, prev, prev,
		    a->steps[a->nsteps - 1].total.lo, a->steps[a->nsteps - 1].total.hi, 0x4477aa);
	return a->nsteps + 2;
}

void ablview_waterfall_gp(const struct ablview *av, struct strbuf *gp, const char *format,
			  size_t rows)
{
	const struct ablation *a = &av->a;
	double lo = 1, hi = 1;
	for (size_t k = 0; k < a->nsteps; k++) {
		const struct comparison *c = &a->steps[k].total;
		lo = fmin(lo, isfinite(c->lo) ? c->lo : c->ratio);
		hi = fmax(hi, isfinite(c->hi) ? c->hi : c->ratio);
	}
	lo /= 1.05;
	hi *= 1.05;
	gp_plot_header(gp, format, "waterfall", 900, 440);
	strbuf_addstr(gp, "set title 'Ablation: from the defaults to the best, a change a step'\n"
			  "unset key\nset logscale y\nset ylabel 'score over the defaults (log scale; "
			  "95% CI)'\nset xtics rotate by -30 noenhanced font ',9'\n");
	strbuf_addf(gp, "set yrange [%g:%g]\n", lo, hi);
	gp_log_ticks(gp, 'y', lo, hi);
	strbuf_addf(gp, "set xrange [-0.6:%zu.6]\nset style fill solid 0.7 border -1\n"
			"set arrow from graph 0, first 1 to graph 1, first 1 nohead dt 2 lc rgb '#555555'\n",
		    rows - 1);
	if (a->state == ABL_DONE && a->minimal < a->nsteps)	/* where the minimal set ends */
		strbuf_addf(gp, "set arrow from %zu.5, graph 0 to %zu.5, graph 1 nohead dt 3 lw 2 "
				"lc rgb '#cc3311'\nset label 'minimal set' at %zu.45, graph 0.95 right "
				"tc rgb '#cc3311'\n", a->minimal, a->minimal, a->minimal);
	strbuf_addstr(gp, "plot 'waterfall.dat' using 1:4:($1 - 0.35):($1 + 0.35):(($3 < $4) ? $3 : $4):"
			  "(($3 < $4) ? $4 : $3):8:xtic(2) with boxxyerror lc rgb variable, \\\n"
			  "     '' using 1:5:6:7 with yerrorbars pt 7 ps 0.6 lc rgb '#222222'\n");
}

static json_t *cmp_json(const struct comparison *c)
{
	json_t *o = json_object();
	const char *const k[] = { "ratio", "lo", "hi", "p" };
	const double v[] = { c->ratio, c->lo, c->hi, c->p_t };
	for (size_t i = 0; i < 4; i++)
		json_object_set_new(o, k[i], isfinite(v[i]) ? json_real(v[i]) : json_null());
	return o;
}

static json_t *names_json(const struct space *sp, const size_t *p, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_string(sp->p[p[i]].name));
	return a;
}

json_t *ablview_json(const struct runview *rv, const struct ablview *av)
{
	const struct space *sp = &rv->job.space;
	const struct ablation *a = &av->a;
	if (!av->has)
		return json_null();
	json_t *o = json_pack("{s:s, s:o, s:i, s:I, s:s}", "source", av->row.source, "config",
			      json_loads(av->row.config, 0, NULL), "repeats", av->row.repeats,
			      "trials", (json_int_t)a->trials, "state", a->state == ABL_DONE ?
			      "done" : a->state == ABL_STUCK ? "stopped" : "measuring");
	json_t *steps = json_array();
	for (size_t k = 0; k < a->nsteps; k++) {
		const struct abl_step *st = &a->steps[k];
		struct strbuf v = STRBUF_INIT;
		pval_format(&sp->p[st->param], av->target[st->param], &v);
		json_array_append_new(steps, json_pack("{s:s, s:s, s:o, s:o, s:b, s:o, s:o, s:o, s:o}",
			"knob", sp->p[st->param].name, "value", v.buf, "gain", cmp_json(&st->gain),
			"total", cmp_json(&st->total), "carries", st->carries,
			"skipped", names_json(sp, st->skipped, st->nskipped),
			"failed", names_json(sp, st->failed, st->nfailed),
			"forbidden", names_json(sp, st->forbidden, st->nforbidden),
			"metrics", metric_family_json(&av->fam[k])));
		strbuf_release(&v);
	}
	json_object_set_new(o, "steps", steps);
	if (a->state == ABL_DONE) {
		char *m = ablview_minimal_json(rv, av);
		json_object_set_new(o, "minimal", json_pack("{s:I, s:o, s:o}", "changes",
			(json_int_t)a->minimal, "config", json_loads(m, 0, NULL), "check",
			a->checking ? cmp_json(&a->check) : json_null()));
		free(m);
	}
	if (a->state == ABL_STUCK)
		json_object_set_new(o, "why", json_string(a->why));
	return o;
}

void ablview_release(struct ablview *av)
{
	for (size_t k = 0; av->fam && k < av->a.nsteps; k++)
		metric_family_release(&av->fam[k]);
	free(av->fam);
	ablation_release(&av->a);
	store_ablation_release(&av->row);
	free(av->def);
	free(av->target);
	memset(av, 0, sizeof(*av));
}
