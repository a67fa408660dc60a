#include "space.h"
#include "err.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

static const char *const type_names[] = {
	[P_INT] = "int", [P_FLOAT] = "float", [P_CAT] = "categorical", [P_BOOL] = "bool",
};

const char *param_type_name(enum param_type t)
{
	return type_names[t];
}

int param_type_parse(const char *s, enum param_type *t)
{
	for (size_t i = 0; i < sizeof(type_names) / sizeof(*type_names); i++)
		if (!strcmp(s, type_names[i])) {
			*t = (enum param_type)i;
			return 0;
		}
	return -1;
}

int param_name_valid(const char *name)
{
	if (!isalpha((unsigned char)name[0]))
		return -1;
	for (const char *s = name; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("_.-", *s))
			return -1;
	return 0;
}

uint64_t param_levels(const struct param *p)
{
	switch (p->type) {
	case P_BOOL:
		return 2;
	case P_CAT:
		return p->nvalues;
	case P_INT:	/* in integers: bounds within 2^53 are exact */
		return (uint64_t)((int64_t)p->max - (int64_t)p->min) / (uint64_t)p->step + 1;
	case P_FLOAT:
		if (p->step <= 0)
			return 0;
		return (uint64_t)floor((p->max - p->min) / p->step + 1e-9) + 1;
	}
	return 0;
}

/* Rounds away the binary noise of min + k * step (0.1 * 3 -> 0.3). */
static double grid_value(double min, double step, uint64_t k)
{
	double v = min + (double)k * step;
	return round(v * 1e12) / 1e12;
}

union pval param_level(const struct param *p, uint64_t k)
{
	union pval v;
	switch (p->type) {
	case P_BOOL:
		v.b = (int)k;
		break;
	case P_CAT:
		v.c = (size_t)k;
		break;
	case P_INT:
		v.i = (int64_t)p->min + (int64_t)k * (int64_t)p->step;
		break;
	case P_FLOAT:
		v.f = grid_value(p->min, p->step, k);
		break;
	}
	return v;
}

/* The log scale's ends: an int's integers are cells of width 1 about them. */
static void log_ends(const struct param *p, double *lo, double *hi)
{
	double w = p->type == P_INT ? 0.5 : 0;
	*lo = log(p->min - w);
	*hi = log(p->max + w);
}

double param_unit(const struct param *p, union pval v)
{
	double x = p->type == P_INT ? (double)v.i : v.f, lo, hi;
	if (p->max <= p->min)
		return 0.5;
	if (!p->log)
		return (x - p->min) / (p->max - p->min);
	log_ends(p, &lo, &hi);
	double u = (log(x) - lo) / (hi - lo);
	return u < 0 ? 0 : u > 1 ? 1 : u;
}

union pval param_at_unit(const struct param *p, double u)
{
	union pval v;
	uint64_t levels = param_levels(p);
	double lo, hi;
	u = u < 0 ? 0 : u > 1 ? 1 : u;
	if (p->log) {
		log_ends(p, &lo, &hi);
		double x = exp(lo + u * (hi - lo));
		if (p->type == P_INT) {
			v.i = (int64_t)llround(x);
			v.i = v.i < (int64_t)p->min ? (int64_t)p->min : v.i > (int64_t)p->max
			      ? (int64_t)p->max : v.i;
			return v;
		}
		v.f = x < p->min ? p->min : x;
	} else if (levels) {
		uint64_t k = (uint64_t)llround(u * (double)(levels - 1));
		return param_level(p, k < levels ? k : levels - 1);
	} else {
		v.f = p->min + u * (p->max - p->min);
	}
	if (v.f >= p->max)
		v.f = nextafter(p->max, p->min);
	return v;
}

uint64_t param_index(const struct param *p, union pval v)
{
	switch (p->type) {
	case P_BOOL:
		return (uint64_t)v.b;
	case P_CAT:
		return v.c;
	case P_INT:
		return (uint64_t)((v.i - (int64_t)p->min) / (int64_t)p->step);
	case P_FLOAT:
		return p->step > 0 ? (uint64_t)llround((v.f - p->min) / p->step) : 0;
	}
	return 0;
}

int param_value_check(const struct param *p, union pval v, char *err)
{
	switch (p->type) {
	case P_BOOL:
		if (v.b != 0 && v.b != 1)
			return seterr(err, "'%s' must be true or false", p->name), -1;
		return 0;
	case P_CAT:
		if (v.c >= p->nvalues)
			return seterr(err, "'%s' has no value number %zu", p->name, v.c), -1;
		return 0;
	case P_INT:
		if ((double)v.i < p->min || (double)v.i > p->max)
			return seterr(err, "'%s' value %lld is outside [%.0f, %.0f]", p->name,
				      (long long)v.i, p->min, p->max), -1;
		if (((int64_t)v.i - (int64_t)p->min) % (int64_t)p->step)
			return seterr(err, "'%s' value %lld is not min + a multiple of step %.0f",
				      p->name, (long long)v.i, p->step), -1;
		return 0;
	case P_FLOAT:
		if (!isfinite(v.f) || v.f < p->min || v.f > p->max)
			return seterr(err, "'%s' value %g is outside [%g, %g]", p->name, v.f,
				      p->min, p->max), -1;
		if (p->step > 0) {
			double k = (v.f - p->min) / p->step;
			if (fabs(k - round(k)) > 1e-6)
				return seterr(err, "'%s' value %g is not min + a multiple of step %g",
					      p->name, v.f, p->step), -1;
		}
		return 0;
	}
	return -1;
}

int pval_equal(const struct param *p, union pval a, union pval b)
{
	switch (p->type) {
	case P_BOOL: return a.b == b.b;
	case P_CAT: return a.c == b.c;
	case P_INT: return a.i == b.i;
	case P_FLOAT: return a.f == b.f;
	}
	return 0;
}

void pval_format(const struct param *p, union pval v, struct strbuf *out)
{
	switch (p->type) {
	case P_BOOL:
		strbuf_addstr(out, v.b ? "true" : "false");
		break;
	case P_CAT:
		strbuf_addstr(out, p->values[v.c]);
		break;
	case P_INT:
		strbuf_addf(out, "%lld", (long long)v.i);
		break;
	case P_FLOAT:
		strbuf_addf(out, "%.15g", v.f);
		break;
	}
}

int pval_parse(const struct param *p, const char *s, union pval *v, char *err)
{
	char *end;
	switch (p->type) {
	case P_BOOL:
		if (!strcmp(s, "true"))
			v->b = 1;
		else if (!strcmp(s, "false"))
			v->b = 0;
		else
			return seterr(err, "expected true or false for '%s', got '%s'", p->name, s), -1;
		break;
	case P_CAT:
		for (size_t i = 0; i < p->nvalues; i++)
			if (!strcmp(s, p->values[i])) {
				v->c = i;
				return param_value_check(p, *v, err);
			}
		return seterr(err, "'%s' is not one of the values of '%s'", s, p->name), -1;
	case P_INT: {
		long long x = strtoll(s, &end, 10);
		if (!*s || *end)
			return seterr(err, "expected an integer for '%s', got '%s'", p->name, s), -1;
		v->i = x;
		break;
	}
	case P_FLOAT:
		v->f = strtod(s, &end);
		if (!*s || *end || !isfinite(v->f))
			return seterr(err, "expected a number for '%s', got '%s'", p->name, s), -1;
		break;
	}
	return param_value_check(p, *v, err);
}

void space_init(struct space *sp)
{
	memset(sp, 0, sizeof(*sp));
}

void space_release(struct space *sp)
{
	for (size_t i = 0; i < sp->n; i++) {
		free(sp->p[i].name);
		for (size_t k = 0; k < sp->p[i].nvalues; k++)
			free(sp->p[i].values[k]);
		free(sp->p[i].values);
		free(sp->p[i].when);
	}
	free(sp->p);
	for (size_t i = 0; i < sp->nforbid; i++) {
		for (size_t k = 0; k < sp->forbid[i].n; k++)
			free(sp->forbid[i].t[k].values);
		free(sp->forbid[i].t);
		free(sp->forbid[i].why);
	}
	free(sp->forbid);
	space_init(sp);
}

void space_forbid(struct space *sp, struct forbid *f)
{
	sp->forbid = xrealloc(sp->forbid, (sp->nforbid + 1) * sizeof(*sp->forbid));
	sp->forbid[sp->nforbid++] = *f;
	memset(f, 0, sizeof(*f));
}

static int term_matches(const struct space *sp, const union pval *cfg,
			const struct forbid_term *t)
{
	const struct param *p = &sp->p[t->param];
	if (!param_active(sp, cfg, t->param))
		return 0;
	if (t->kind == FORBID_ABOVE)
		return param_active(sp, cfg, t->other) && cfg[t->param].i > cfg[t->other].i;
	for (size_t k = 0; k < t->nvalues; k++)
		if (pval_equal(p, cfg[t->param], t->values[k]))
			return 1;
	return 0;
}

size_t config_forbidden(const struct space *sp, const union pval *cfg)
{
	for (size_t i = 0; i < sp->nforbid; i++) {
		size_t k = 0;
		while (k < sp->forbid[i].n && term_matches(sp, cfg, &sp->forbid[i].t[k]))
			k++;
		if (k == sp->forbid[i].n && k)
			return i + 1;
	}
	return 0;
}

int param_active(const struct space *sp, const union pval *cfg, size_t i)
{
	const struct param *p = &sp->p[i];
	if (!p->parent)
		return 1;
	size_t up = p->parent - 1;
	if (!param_active(sp, cfg, up))
		return 0;
	for (size_t k = 0; k < p->nwhen; k++)
		if (pval_equal(&sp->p[up], cfg[up], p->when[k]))
			return 1;
	return 0;
}

double float_canonical(double f)
{
	char text[32];
	snprintf(text, sizeof(text), "%.15g", f);
	return strtod(text, NULL);
}

void config_canonical(const struct space *sp, union pval *cfg)
{
	for (size_t i = 0; i < sp->n; i++) {	/* parents come first */
		if (!param_active(sp, cfg, i))
			cfg[i] = sp->p[i].def;
		else if (sp->p[i].type == P_FLOAT)	/* a resume compares it exactly */
			cfg[i].f = float_canonical(cfg[i].f);
	}
}

void space_add(struct space *sp, struct param *p)
{
	sp->p = xrealloc(sp->p, (sp->n + 1) * sizeof(*sp->p));
	sp->p[sp->n++] = *p;
}

const struct param *space_find(const struct space *sp, const char *name, size_t *index)
{
	for (size_t i = 0; i < sp->n; i++)
		if (!strcmp(sp->p[i].name, name)) {
			if (index)
				*index = i;
			return &sp->p[i];
		}
	return NULL;
}

union pval *config_new(const struct space *sp)
{
	return xcalloc(sp->n, sizeof(union pval));
}

union pval *config_defaults(const struct space *sp)
{
	union pval *c = config_new(sp);
	for (size_t i = 0; i < sp->n; i++)
		c[i] = sp->p[i].def;
	return c;
}

union pval *config_dup(const struct space *sp, const union pval *src)
{
	union pval *c = config_new(sp);
	memcpy(c, src, sp->n * sizeof(*c));
	return c;
}

int config_equal(const struct space *sp, const union pval *a, const union pval *b)
{
	for (size_t i = 0; i < sp->n; i++)
		if (!pval_equal(&sp->p[i], a[i], b[i]))
			return 0;
	return 1;
}

static json_t *pval_json(const struct param *p, union pval v)
{
	switch (p->type) {
	case P_BOOL: return json_boolean(v.b);
	case P_CAT: return json_string(p->values[v.c]);
	case P_INT: return json_integer(v.i);
	case P_FLOAT: return json_real(v.f);
	}
	return json_null();
}

char *config_to_json(const struct space *sp, const union pval *c)
{
	json_t *o = json_object();
	for (size_t i = 0; i < sp->n; i++)
		json_object_set_new(o, sp->p[i].name, pval_json(&sp->p[i], c[i]));
	char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15));
	json_decref(o);
	if (!s)
		abort();
	return s;
}

static int json_pval(const struct param *p, json_t *j, union pval *v, char *err)
{
	switch (p->type) {
	case P_BOOL:
		if (!json_is_boolean(j))
			return seterr(err, "'%s' must be true or false", p->name), -1;
		v->b = json_is_true(j);
		break;
	case P_CAT:
		if (!json_is_string(j))
			return seterr(err, "'%s' must be a string", p->name), -1;
		return pval_parse(p, json_string_value(j), v, err);
	case P_INT:
		if (!json_is_integer(j))
			return seterr(err, "'%s' must be an integer", p->name), -1;
		v->i = json_integer_value(j);
		break;
	case P_FLOAT:
		if (!json_is_number(j))
			return seterr(err, "'%s' must be a number", p->name), -1;
		/* as config_to_json() writes it: a configuration read is the one stored */
		v->f = float_canonical(json_number_value(j));
		break;
	}
	return param_value_check(p, *v, err);
}

int config_from_json(const struct space *sp, const char *text, union pval *c, char *err)
{
	json_error_t jerr;
	json_t *o = json_loads(text, 0, &jerr);
	int ret = -1;
	if (!o || !json_is_object(o)) {
		seterr(err, "configuration is not a JSON object");
		goto done;
	}
	for (size_t i = 0; i < sp->n; i++) {
		json_t *j = json_object_get(o, sp->p[i].name);
		if (!j) {
			seterr(err, "configuration lacks parameter '%s'", sp->p[i].name);
			goto done;
		}
		if (json_pval(&sp->p[i], j, &c[i], err))
			goto done;
	}
	if (json_object_size(o) != sp->n) {
		seterr(err, "configuration has parameters the job does not");
		goto done;
	}
	ret = 0;
done:
	json_decref(o);
	return ret;
}
