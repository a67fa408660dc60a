/* A stored run's ablation, for the commands that show it (ablview.h). */
#include "ablview.h"
#include "../engine/job.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

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
	return rc;
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
			    "Hochberg over the %zu steps at 5%%)\n", a->nsteps);
	if (a->state == ABL_DONE)
		format_minimal(sp, av, out);
	else if (a->state == ABL_STUCK)
		strbuf_addf(out, "ablation stopped: %s\n", a->why);
	else
		strbuf_addf(out, "ablation not finished: %zu of %zu steps (vmtune ablate %lld "
			    "goes on with it)\n", a->nsteps, a->nchanges, (long long)rv->id);
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
		json_array_append_new(steps, json_pack("{s:s, s:s, s:o, s:o, s:b, s:o, s:o}",
			"knob", sp->p[st->param].name, "value", v.buf, "gain", cmp_json(&st->gain),
			"total", cmp_json(&st->total), "carries", st->carries,
			"skipped", names_json(sp, st->skipped, st->nskipped),
			"failed", names_json(sp, st->failed, st->nfailed)));
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
	ablation_release(&av->a);
	store_ablation_release(&av->row);
	free(av->def);
	free(av->target);
	memset(av, 0, sizeof(*av));
}
