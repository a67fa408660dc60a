#include "job.h"
#include "../../lib/knobs.h"
#include "../../lib/err.h"
#include "../../search/racing.h"
#include "../../search/strategy.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

struct ctx {
	const char *path;
	yaml_document_t doc;
	struct job *job;
	char *err;
};

/* Sets "path:line:col: message" and returns -1. */
__attribute__((format(printf, 3, 4)))
static int fail(struct ctx *c, const yaml_node_t *n, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;
	if (n)
		strbuf_addf(&sb, "%s:%zu:%zu: ", c->path, n->start_mark.line + 1,
			    n->start_mark.column + 1);
	else
		strbuf_addf(&sb, "%s: ", c->path);
	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	/* one line, whatever the file put in a key or a value it quotes: \n, \t, \x01 */
	struct strbuf line = STRBUF_INIT;
	for (const unsigned char *p = (const unsigned char *)sb.buf; *p; p++)
		if (*p == '\n')
			strbuf_addstr(&line, "\\n");
		else if (*p == '\t')
			strbuf_addstr(&line, "\\t");
		else if (*p < 0x20 || *p == 0x7f)
			strbuf_addf(&line, "\\x%02x", *p);
		else
			strbuf_addch(&line, (char)*p);
	seterr(c->err, "%s", line.buf);
	strbuf_release(&line);
	strbuf_release(&sb);
	return -1;
}

static yaml_node_t *node(struct ctx *c, int id)
{
	return yaml_document_get_node(&c->doc, id);
}

static const char *kind_name(const yaml_node_t *n)
{
	switch (n->type) {
	case YAML_SCALAR_NODE: return "a scalar";
	case YAML_SEQUENCE_NODE: return "a list";
	case YAML_MAPPING_NODE: return "a mapping";
	default: return "nothing";
	}
}

static int is_null(const yaml_node_t *n)
{
	if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return 0;
	const char *s = (const char *)n->data.scalar.value;
	return !*s || !strcmp(s, "~") || !strcmp(s, "null");
}

static int want_scalar(struct ctx *c, yaml_node_t *n, const char *what, const char **out)
{
	if (n->type != YAML_SCALAR_NODE || is_null(n))
		return fail(c, n, "expected %s, got %s", what, is_null(n) ? "nothing" : kind_name(n));
	*out = (const char *)n->data.scalar.value;
	return 0;
}

static int want_string(struct ctx *c, yaml_node_t *n, const char *what, char **out)
{
	const char *s;
	if (want_scalar(c, n, what, &s))
		return -1;
	free(*out);
	*out = xstrdup(s);
	return 0;
}

static int want_double(struct ctx *c, yaml_node_t *n, const char *what, double *out)
{
	const char *s;
	char *end;
	if (want_scalar(c, n, what, &s))
		return -1;
	errno = 0;
	*out = strtod(s, &end);
	if (end == s || *end || errno || !isfinite(*out))
		return fail(c, n, "expected %s, got '%s'", what, s);
	return 0;
}

static int want_int(struct ctx *c, yaml_node_t *n, const char *what, long long lo, long long hi,
		    long long *out)
{
	const char *s;
	char *end;
	if (want_scalar(c, n, what, &s))
		return -1;
	errno = 0;
	*out = strtoll(s, &end, 10);
	if (end == s || *end || errno)
		return fail(c, n, "expected %s, got '%s'", what, s);
	if (*out < lo || *out > hi)
		return fail(c, n, "expected %s between %lld and %lld, got %lld", what, lo, hi, *out);
	return 0;
}

static int want_duration(struct ctx *c, yaml_node_t *n, const char *what, double *out)
{
	const char *s;
	if (want_scalar(c, n, what, &s))
		return -1;
	if (duration_parse(s, out) || *out <= 0)
		return fail(c, n, "expected %s such as 90s, 15m or 8h (1ms to 365d), got '%s'", what, s);
	return 0;
}

/*
 * Walks a mapping, calling fn for each pair after checking that the key is a
 * scalar, known (listed in keys) and not a duplicate.
 */
typedef int (*pair_fn)(struct ctx *c, const char *key, yaml_node_t *k, yaml_node_t *v, void *ud);

static int walk_mapping(struct ctx *c, yaml_node_t *n, const char *what,
			const char *const *keys, pair_fn fn, void *ud)
{
	if (n->type != YAML_MAPPING_NODE)
		return fail(c, n, "expected %s (a mapping), got %s", what, kind_name(n));
	yaml_node_pair_t *start = n->data.mapping.pairs.start, *top = n->data.mapping.pairs.top;
	for (yaml_node_pair_t *p = start; p < top; p++) {
		yaml_node_t *k = node(c, p->key), *v = node(c, p->value);
		const char *key;
		if (k->type != YAML_SCALAR_NODE)
			return fail(c, k, "expected a key in %s, got %s", what, kind_name(k));
		key = (const char *)k->data.scalar.value;
		for (yaml_node_pair_t *q = start; q < p; q++)
			if (!strcmp(key, (const char *)node(c, q->key)->data.scalar.value))
				return fail(c, k, "duplicate key '%s' in %s", key, what);
		if (keys) {
			size_t i;
			for (i = 0; keys[i]; i++)
				if (!strcmp(keys[i], key))
					break;
			if (!keys[i]) {
				struct strbuf sb = STRBUF_INIT;
				for (i = 0; keys[i]; i++)
					strbuf_addf(&sb, "%s%s", i ? ", " : "", keys[i]);
				int r = fail(c, k, "unknown key '%s' in %s (expected one of: %s)",
					     key, what, sb.buf);
				strbuf_release(&sb);
				return r;
			}
		}
		if (fn(c, key, k, v, ud))
			return -1;
	}
	return 0;
}

static yaml_node_t *lookup(struct ctx *c, yaml_node_t *map, const char *key)
{
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++)
		if (!strcmp((const char *)node(c, p->key)->data.scalar.value, key))
			return node(c, p->value);
	return NULL;
}

#define INT_PARAM_LIMIT 9007199254740992LL	/* 2^53 */

/* ---- parameters ------------------------------------------------------- */

static const char *const param_keys[] = { "type", "min", "max", "step", "values", "default",
					   "when", "log", NULL };

static int param_bounds(struct ctx *c, yaml_node_t *spec, struct param *p)
{
	yaml_node_t *mn = lookup(c, spec, "min"), *mx = lookup(c, spec, "max");
	yaml_node_t *st = lookup(c, spec, "step");
	if (!mn || !mx)
		return fail(c, spec, "%s parameter '%s' needs min and max",
			    param_type_name(p->type), p->name);
	if (p->type == P_INT) {
		/* within +-2^53, every integer is exact as a double: no value outside [min, max] */
		long long a, b, s = 1;
		if (want_int(c, mn, "an integer min", -INT_PARAM_LIMIT, INT_PARAM_LIMIT, &a) ||
		    want_int(c, mx, "an integer max", -INT_PARAM_LIMIT, INT_PARAM_LIMIT, &b) ||
		    (st && want_int(c, st, "an integer step", 1, INT_PARAM_LIMIT, &s)))
			return -1;
		p->min = (double)a, p->max = (double)b, p->step = (double)s;
	} else {
		if (want_double(c, mn, "a number min", &p->min) ||
		    want_double(c, mx, "a number max", &p->max) ||
		    (st && want_double(c, st, "a number step", &p->step)))
			return -1;
		if (st && !(p->step > 0))
			return fail(c, st, "expected a step above 0");
	}
	if (!(p->min < p->max))
		return fail(c, mx, "empty domain: max must be above min (%g)", p->min);
	if (!isfinite(p->max - p->min))
		return fail(c, mx, "the range [%g, %g] of '%s' is wider than a double holds", p->min,
			    p->max, p->name);
	if (p->type == P_FLOAT)	/* then every value's stored form lies within them, finite */
		for (int k = 0; k < 2; k++) {
			double b = k ? p->max : p->min, r = float_canonical(b);
			if (r != b && isfinite(r))
				return fail(c, k ? mx : mn, "%s %.17g of '%s' has more than the 15 "
					    "significant digits a float keeps: write %.15g", k ? "max" : "min",
					    b, p->name, r);
			if (r != b)
				return fail(c, k ? mx : mn, "%s %.17g of '%s' is beyond the largest double "
					    "once kept to the 15 significant digits a float keeps",
					    k ? "max" : "min", b, p->name);
		}
	if (st && p->type == P_FLOAT && (p->max - p->min) / p->step >= (double)INT_PARAM_LIMIT)
		return fail(c, st, "step %g makes more than 2^53 values of [%g, %g]", p->step, p->min,
			    p->max);
	if (st && p->type == P_FLOAT && param_levels(p) < 2)
		return fail(c, st, "step %g leaves one value in [%g, %g]", p->step, p->min, p->max);
	return 0;
}

static int param_values(struct ctx *c, yaml_node_t *spec, struct param *p)
{
	yaml_node_t *vals = lookup(c, spec, "values");
	if (!vals)
		return fail(c, spec, "categorical parameter '%s' needs values", p->name);
	if (vals->type != YAML_SEQUENCE_NODE)
		return fail(c, vals, "expected a list of values, got %s", kind_name(vals));
	size_t n = (size_t)(vals->data.sequence.items.top - vals->data.sequence.items.start);
	if (n == 0)
		return fail(c, vals, "empty domain: values lists nothing");
	if (n > JOB_MAX_VALUES)
		return fail(c, vals, "more than %d values (the limit)", JOB_MAX_VALUES);
	p->values = xcalloc(n, sizeof(char *));
	for (size_t i = 0; i < n; i++) {
		yaml_node_t *v = node(c, vals->data.sequence.items.start[i]);
		if (want_string(c, v, "a value (a scalar)", &p->values[i]))
			return -1;
		p->nvalues = i + 1;
		for (size_t k = 0; k < i; k++)
			if (!strcmp(p->values[k], p->values[i]))
				return fail(c, v, "duplicate value '%s'", p->values[i]);
	}
	return 0;
}

static int param_default(struct ctx *c, yaml_node_t *spec, struct param *p)
{
	yaml_node_t *d = lookup(c, spec, "default");
	char msg[ERR_LEN];
	const char *s;
	if (!d)
		return fail(c, spec, "parameter '%s' needs a default", p->name);
	if (want_scalar(c, d, "a default value", &s))
		return -1;
	if (pval_parse(p, s, &p->def, msg))
		return fail(c, d, "bad default: %s", msg);
	return 0;
}

/* when: {PARENT: [VALUE, ...]}: active only while an earlier PARENT holds one of them. */
static int param_when(struct ctx *c, yaml_node_t *spec, struct param *p)
{
	yaml_node_t *w = lookup(c, spec, "when");
	const struct space *sp = &c->job->space;
	char msg[ERR_LEN];
	size_t up;
	if (!w)
		return 0;
	if (w->type != YAML_MAPPING_NODE ||
	    w->data.mapping.pairs.top - w->data.mapping.pairs.start != 1)
		return fail(c, w, "expected 'when: {PARAMETER: [VALUE, ...]}' naming one parameter");
	yaml_node_t *k = node(c, w->data.mapping.pairs.start->key);
	yaml_node_t *vals = node(c, w->data.mapping.pairs.start->value);
	const char *name;
	if (want_scalar(c, k, "a parameter's name as the key of 'when'", &name))
		return -1;
	const struct param *parent = space_find(sp, name, &up);
	if (!parent || up + 1 >= sp->n)
		return fail(c, k, "'when' names '%s', which is not a parameter listed before '%s'",
			    name, p->name);
	if (vals->type != YAML_SEQUENCE_NODE || vals->data.sequence.items.top ==
						    vals->data.sequence.items.start)
		return fail(c, vals, "expected a list of values of '%s'", name);
	size_t n = (size_t)(vals->data.sequence.items.top - vals->data.sequence.items.start);
	p->when = xcalloc(n, sizeof(*p->when));
	for (size_t i = 0; i < n; i++) {
		yaml_node_t *v = node(c, vals->data.sequence.items.start[i]);
		const char *s;
		if (want_scalar(c, v, "a value", &s))
			return -1;
		if (pval_parse(parent, s, &p->when[i], msg))
			return fail(c, v, "'when' value of '%s': %s", name, msg);
		p->nwhen = i + 1;
	}
	p->parent = up + 1;
	return 0;
}

/* log: true: drawn, modelled and moved in the log of the value (lib/space.h). */
static int param_log(struct ctx *c, yaml_node_t *spec, struct param *p)
{
	yaml_node_t *l = lookup(c, spec, "log");
	const char *v;
	if (!l)
		return 0;
	if (want_scalar(c, l, "true or false", &v))
		return -1;
	if (strcmp(v, "true") && strcmp(v, "false"))
		return fail(c, l, "expected true or false, got '%s'", v);
	p->log = !strcmp(v, "true");
	if (!p->log)
		return 0;
	if (!(p->min > 0))
		return fail(c, l, "log: true needs min above 0 ('%s' has min %g)", p->name, p->min);
	if ((p->type == P_INT && p->step != 1) || (p->type == P_FLOAT && p->step > 0))
		return fail(c, l, "log: true takes no step: the values lie evenly in their log");
	return 0;
}

/* Keys that make no sense for a type are errors, not silently ignored. */
static int param_extra_keys(struct ctx *c, yaml_node_t *spec, const struct param *p)
{
	static const char *const numeric_only[] = { "min", "max", "step", "log", NULL };
	for (size_t i = 0; numeric_only[i]; i++) {
		yaml_node_t *n = lookup(c, spec, numeric_only[i]);
		if (n && (p->type == P_CAT || p->type == P_BOOL))
			return fail(c, n, "'%s' is not a key of a %s parameter", numeric_only[i],
				    param_type_name(p->type));
	}
	yaml_node_t *v = lookup(c, spec, "values");
	if (v && p->type != P_CAT)
		return fail(c, v, "'values' is not a key of a %s parameter", param_type_name(p->type));
	return 0;
}

static int no_op(struct ctx *c, const char *key, yaml_node_t *k, yaml_node_t *v, void *ud)
{
	(void)c, (void)key, (void)k, (void)v, (void)ud;
	return 0;
}

static int parse_param(struct ctx *c, const char *key, yaml_node_t *k, yaml_node_t *spec, void *ud)
{
	struct param p = { 0 };
	const char *type;
	(void)ud;
	if (param_name_valid(key))
		return fail(c, k, "bad parameter name '%s' (letters, digits, '_', '.', '-'; "
			    "starting with a letter)", key);
	if (walk_mapping(c, spec, "a parameter", param_keys, no_op, NULL))
		return -1;
	yaml_node_t *t = lookup(c, spec, "type");
	if (!t)
		return fail(c, spec, "parameter '%s' needs a type (int, float, categorical, bool)", key);
	if (want_scalar(c, t, "a type", &type))
		return -1;
	if (param_type_parse(type, &p.type))
		return fail(c, t, "unknown type '%s' (expected int, float, categorical or bool)", type);
	p.name = xstrdup(key);
	/* Added first so that space_release() frees whatever was filled in. */
	space_add(&c->job->space, &p);
	struct param *q = &c->job->space.p[c->job->space.n - 1];
	if (param_extra_keys(c, spec, q))
		return -1;
	if ((q->type == P_INT || q->type == P_FLOAT) && param_bounds(c, spec, q))
		return -1;
	if (q->type == P_CAT && param_values(c, spec, q))
		return -1;
	if (param_log(c, spec, q))
		return -1;
	if (param_when(c, spec, q))
		return -1;
	return param_default(c, spec, q);
}

/* ---- objective -------------------------------------------------------- */

static const char *const objective_keys[] = { "metric", "goal", "metrics", "max_cov", NULL };
static const char *const term_keys[] = { "metric", "better", "weight", NULL };

static int add_term(struct ctx *c, yaml_node_t *at, const char *metric, enum better b, double w)
{
	struct objective *o = &c->job->obj;
	for (size_t i = 0; i < o->n; i++)
		if (!strcmp(o->t[i].metric, metric))
			return fail(c, at, "metric '%s' appears twice in the objective", metric);
	o->t = xrealloc(o->t, (o->n + 1) * sizeof(*o->t));
	o->t[o->n].metric = xstrdup(metric);
	o->t[o->n].better = b;
	o->t[o->n].weight = w;
	o->n++;
	return 0;
}

static int parse_term(struct ctx *c, yaml_node_t *n)
{
	const char *metric, *better;
	double w = 1;
	enum better b;
	if (walk_mapping(c, n, "an objective metric", term_keys, no_op, NULL))
		return -1;
	yaml_node_t *m = lookup(c, n, "metric"), *bt = lookup(c, n, "better");
	yaml_node_t *wt = lookup(c, n, "weight");
	if (!m || !bt)
		return fail(c, n, "an objective metric needs metric and better");
	if (want_scalar(c, m, "a metric name", &metric) ||
	    want_scalar(c, bt, "higher or lower", &better))
		return -1;
	if (!strcmp(better, "higher"))
		b = BETTER_HIGHER;
	else if (!strcmp(better, "lower"))
		b = BETTER_LOWER;
	else
		return fail(c, bt, "expected higher or lower, got '%s'", better);
	if (wt && want_double(c, wt, "a weight", &w))
		return -1;
	if (!(w > 0))
		return fail(c, wt, "expected a weight above 0, got %g", w);
	return add_term(c, m, metric, b, w);
}

/* max_cov: "25%", 0.25 or off */
static int parse_max_cov(struct ctx *c, yaml_node_t *n)
{
	const char *v;
	char *end;
	if (want_scalar(c, n, "a percentage such as 25% or off", &v))
		return -1;
	if (!strcmp(v, "off")) {
		c->job->obj.max_cov = 0;
		return 0;
	}
	double x = strtod(v, &end);
	if (end != v && *end == '%' && !end[1])
		x /= 100;
	else if (end == v || *end)
		return fail(c, n, "expected a percentage such as 25%% or off, got '%s'", v);
	if (!(x > 0 && x <= 10))
		return fail(c, n, "expected a percentage above 0 and at most 1000%%, got '%s'", v);
	c->job->obj.max_cov = x;
	return 0;
}

static int parse_objective(struct ctx *c, yaml_node_t *n)
{
	if (walk_mapping(c, n, "the objective", objective_keys, no_op, NULL))
		return -1;
	yaml_node_t *mc = lookup(c, n, "max_cov");
	if (mc && parse_max_cov(c, mc))
		return -1;
	yaml_node_t *m = lookup(c, n, "metric"), *g = lookup(c, n, "goal");
	yaml_node_t *ms = lookup(c, n, "metrics");
	if (ms && (m || g))
		return fail(c, ms, "give either metrics or metric and goal, not both");
	if (ms) {
		if (ms->type != YAML_SEQUENCE_NODE)
			return fail(c, ms, "expected a list of metrics, got %s", kind_name(ms));
		if (ms->data.sequence.items.top == ms->data.sequence.items.start)
			return fail(c, ms, "the objective lists no metric");
		for (yaml_node_item_t *i = ms->data.sequence.items.start;
		     i < ms->data.sequence.items.top; i++)
			if (parse_term(c, node(c, *i)))
				return -1;
		return 0;
	}
	const char *metric, *goal;
	if (!m || !g)
		return fail(c, n, "the objective needs metric and goal (or a list of metrics)");
	if (want_scalar(c, m, "a metric name", &metric) ||
	    want_scalar(c, g, "minimize or maximize", &goal))
		return -1;
	if (strcmp(goal, "minimize") && strcmp(goal, "maximize"))
		return fail(c, g, "expected minimize or maximize, got '%s'", goal);
	return add_term(c, m, metric, !strcmp(goal, "minimize") ? BETTER_LOWER : BETTER_HIGHER, 1);
}

/* ---- target ----------------------------------------------------------- */

static int parse_setting(struct ctx *c, const char *key, yaml_node_t *k, yaml_node_t *v, void *ud)
{
	struct job *job = c->job;
	(void)ud;
	if (!strcmp(key, "kind"))
		return 0;
	if (!strcmp(key, "timeout"))
		return want_duration(c, v, "a per-trial timeout", &job->trial_timeout);
	const char *const *keys = job->target->keys;
	size_t i;
	for (i = 0; keys[i]; i++)
		if (!strcmp(keys[i], key))
			break;
	if (!keys[i])
		return fail(c, k, "unknown key '%s' for target kind '%s'", key, job->target->name);
	job->tset = xrealloc(job->tset, (job->ntset + 1) * sizeof(*job->tset));
	struct target_setting *s = &job->tset[job->ntset++];
	memset(s, 0, sizeof(*s));
	s->key = xstrdup(key);
	s->line = (int)k->start_mark.line + 1;
	s->col = (int)k->start_mark.column + 1;
	if (v->type == YAML_SEQUENCE_NODE) {
		s->is_list = 1;
		for (yaml_node_item_t *it = v->data.sequence.items.start;
		     it < v->data.sequence.items.top; it++) {
			s->vals = xrealloc(s->vals, (s->nvals + 1) * sizeof(char *));
			s->vals[s->nvals] = NULL;
			if (want_string(c, node(c, *it), "a scalar", &s->vals[s->nvals]))
				return -1;
			s->nvals++;
		}
		return 0;
	}
	s->vals = xcalloc(1, sizeof(char *));
	if (want_string(c, v, "a scalar or a list of scalars", &s->vals[0]))
		return -1;
	s->nvals = 1;
	for (const char *const *pk = job->target->path_keys; pk && *pk; pk++)
		if (!strcmp(*pk, key) && s->vals[0][0] != '/') {	/* from the job's folder */
			struct strbuf abs = STRBUF_INIT;
			strbuf_addf(&abs, "%s/%s", job->dir, s->vals[0]);
			free(s->vals[0]);
			s->vals[0] = strbuf_detach(&abs);
		}
	return 0;
}

static int parse_target(struct ctx *c, yaml_node_t *n)
{
	const char *kind;
	if (n->type != YAML_MAPPING_NODE)
		return fail(c, n, "expected the target (a mapping), got %s", kind_name(n));
	if (walk_mapping(c, n, "the target", NULL, no_op, NULL))
		return -1;
	yaml_node_t *k = lookup(c, n, "kind");
	if (!k)
		return fail(c, n, "the target needs a kind");
	if (want_scalar(c, k, "a target kind", &kind))
		return -1;
	if (!(c->job->target = target_find(kind)))
		return fail(c, k, "unknown target kind '%s'", kind);
	if (walk_mapping(c, n, "the target", NULL, parse_setting, NULL))
		return -1;
	size_t bad = 0;
	char msg[ERR_LEN] = "";
	if (c->job->target->check(c->job->tset, c->job->ntset, &bad, msg)) {
		if (bad < c->job->ntset) {
			const struct target_setting *s = &c->job->tset[bad];
			seterr(c->err, "%s:%d:%d: %s", c->path, s->line, s->col, msg);
			return -1;
		}
		return fail(c, n, "%s", msg);
	}
	return 0;
}

/* ---- workload ---------------------------------------------------------- */

static const char *const workload_keys[] = { "setup", "run", "teardown", "files", "metrics", NULL };
static const char *const pattern_keys[] = { "name", "pattern", "better", "unit", NULL };

/* A step: a non-empty list of words, run as is (never through a shell). */
static int parse_step(struct ctx *c, yaml_node_t *v, const char *key, char ***out)
{
	if (v->type != YAML_SEQUENCE_NODE || v->data.sequence.items.top == v->data.sequence.items.start)
		return fail(c, v, "expected %s as a list of words (program, then its arguments), "
			    "not a shell line", key);
	size_t n = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
	if (n > WORKLOAD_MAX_ARGS)
		return fail(c, v, "%s: more than %d words", key, WORKLOAD_MAX_ARGS);
	*out = xcalloc(n + 1, sizeof(char *));
	for (size_t i = 0; i < n; i++) {
		yaml_node_t *w = node(c, v->data.sequence.items.start[i]);
		if (want_string(c, w, "a word", &(*out)[i]))
			return -1;
		if (w->data.scalar.length != strlen((*out)[i]) || (!i && !*(*out)[i]))
			return fail(c, w, "%s: a word with a NUL byte, or an empty program", key);
	}
	return 0;
}

static int metric_name_ok(const char *s)
{
	size_t n = strlen(s);
	if (!n || n > 128)
		return 0;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("._-", *s))
			return 0;
	return 1;
}

static int parse_pattern(struct ctx *c, yaml_node_t *n)
{
	struct workload *wl = &c->job->wl;
	const char *better;
	if (walk_mapping(c, n, "a workload metric", pattern_keys, no_op, NULL))
		return -1;
	yaml_node_t *nm = lookup(c, n, "name"), *pt = lookup(c, n, "pattern");
	yaml_node_t *bt = lookup(c, n, "better"), *un = lookup(c, n, "unit");
	if (!nm || !pt || !bt)
		return fail(c, n, "a workload metric needs name, pattern and better");
	if (wl->npat >= WORKLOAD_MAX_METRICS)
		return fail(c, n, "more than %d workload metrics", WORKLOAD_MAX_METRICS);
	wl->pat = xrealloc(wl->pat, (wl->npat + 1) * sizeof(*wl->pat));
	struct wl_pattern *p = &wl->pat[wl->npat++];
	memset(p, 0, sizeof(*p));
	p->line = (int)n->start_mark.line + 1;
	p->col = (int)n->start_mark.column + 1;
	if (want_string(c, nm, "a metric name", &p->name) ||
	    want_string(c, pt, "a regular expression", &p->pattern) ||
	    want_scalar(c, bt, "higher or lower", &better) ||
	    (un && want_string(c, un, "a unit", &p->unit)))
		return -1;
	if (!metric_name_ok(p->name))
		return fail(c, nm, "a metric name is 1 to 128 letters, digits, '.', '_' or '-'");
	for (size_t i = 0; i + 1 < wl->npat; i++)
		if (!strcmp(wl->pat[i].name, p->name))
			return fail(c, nm, "metric '%s' appears twice in the workload", p->name);
	if (strcmp(better, "higher") && strcmp(better, "lower"))
		return fail(c, bt, "expected higher or lower, got '%s'", better);
	p->better = !strcmp(better, "higher") ? BETTER_HIGHER : BETTER_LOWER;
	char msg[ERR_LEN];
	if (wl_pattern_compile(p, msg))
		return fail(c, pt, "%s", msg);
	return 0;
}

static int count_file(void *ud, const char *rel, int is_dir, const char *abs, size_t size,
		      char *err)
{
	(void)ud, (void)rel, (void)is_dir, (void)size;
	if (access(abs, R_OK))
		return seterr(err, "files: cannot read %s: %s", abs, strerror(errno)), -1;
	return 0;
}

/* files: a folder, relative to the job's, within the bounds (workload.h). */
static int parse_files(struct ctx *c, yaml_node_t *v)
{
	struct workload *wl = &c->job->wl;
	const char *f;
	struct stat st;
	char msg[ERR_LEN];
	if (want_scalar(c, v, "a folder", &f))
		return -1;
	struct strbuf abs = STRBUF_INIT;
	if (f[0] == '/')
		strbuf_addstr(&abs, f);
	else
		strbuf_addf(&abs, "%s/%s", c->job->dir, f);
	wl->files = strbuf_detach(&abs);
	if (stat(wl->files, &st) || !S_ISDIR(st.st_mode))
		return fail(c, v, "files: '%s' is not a folder", wl->files);
	if (workload_walk(wl->files, count_file, NULL, msg))
		return fail(c, v, "%s", msg);
	return 0;
}

static int parse_workload_key(struct ctx *c, const char *key, yaml_node_t *k, yaml_node_t *v,
			      void *ud)
{
	(void)k, (void)ud;
	for (int s = 0; s < 3; s++)
		if (!strcmp(key, workload_step_name[s]))
			return parse_step(c, v, key, &c->job->wl.step[s]);
	if (!strcmp(key, "files"))
		return parse_files(c, v);
	if (v->type != YAML_SEQUENCE_NODE || v->data.sequence.items.top == v->data.sequence.items.start)
		return fail(c, v, "expected metrics as a list of {name, pattern, better, unit}");
	for (yaml_node_item_t *i = v->data.sequence.items.start; i < v->data.sequence.items.top; i++)
		if (parse_pattern(c, node(c, *i)))
			return -1;
	return 0;
}

static int parse_workload(struct ctx *c, yaml_node_t *v)
{
	c->job->wl.line = (int)v->start_mark.line + 1;
	c->job->wl.col = (int)v->start_mark.column + 1;
	c->job->has_workload = 1;
	if (walk_mapping(c, v, "the workload", workload_keys, parse_workload_key, NULL))
		return -1;
	if (!c->job->wl.step[WL_RUN])
		return fail(c, v, "the workload needs run (a list of words)");
	return 0;
}

/* ---- top level -------------------------------------------------------- */

static const char *const top_keys[] = {
	"name", "target", "parameters", "objective", "strategy", "budget", "repeats", "seed",
	"hosts", "confirm", "noise_floor", "workload", "ablate", "forbidden", "drift", NULL
};
static const char *const host_keys[] = { "uri", "slots", NULL };

#define MAX_SLOTS 64

static int parse_host(struct ctx *c, yaml_node_t *n)
{
	char *uri = NULL;
	long long slots = 1;
	if (n->type == YAML_SCALAR_NODE) {
		if (want_string(c, n, "a libvirt URI", &uri))
			return -1;
	} else {
		if (n->type != YAML_MAPPING_NODE)
			return fail(c, n, "expected a URI or {uri: URI, slots: N}, got %s",
				    kind_name(n));
		if (walk_mapping(c, n, "a host", host_keys, no_op, NULL))
			return -1;
		yaml_node_t *u = lookup(c, n, "uri"), *sl = lookup(c, n, "slots");
		if (!u)
			return fail(c, n, "a host needs a uri");
		if ((sl && want_int(c, sl, "a number of slots", 1, MAX_SLOTS, &slots)) ||
		    want_string(c, u, "a libvirt URI", &uri))
			return -1;
	}
	if (!*uri) {
		free(uri);
		return fail(c, n, "empty host URI");
	}
	for (size_t i = 0; i < c->job->nhosts; i++)
		if (!strcmp(c->job->hosts[i].uri, uri)) {
			free(uri);
			return fail(c, n, "host '%s' is listed twice (give it slots instead)",
				    c->job->hosts[i].uri);
		}
	job_add_host(c->job, uri, (int)slots);
	c->job->hosts[c->job->nhosts - 1].line = (int)n->start_mark.line + 1;
	c->job->hosts[c->job->nhosts - 1].col = (int)n->start_mark.column + 1;
	free(uri);
	return 0;
}

void job_add_host(struct job *job, const char *uri, int slots)
{
	for (size_t i = 0; i < job->nhosts; i++)
		if (!strcmp(job->hosts[i].uri, uri)) {
			job->hosts[i].slots += slots;
			return;
		}
	job->hosts = xrealloc(job->hosts, (job->nhosts + 1) * sizeof(*job->hosts));
	job->hosts[job->nhosts++] = (struct job_host){ .uri = xstrdup(uri), .slots = slots };
}

int job_slots(const struct job *job)
{
	int n = 0;
	for (size_t i = 0; i < job->nhosts; i++)
		n += job->hosts[i].slots;
	return n ? n : 1;
}
static const char *const budget_keys[] = { "trials", "time", NULL };

static int parse_budget(struct ctx *c, const char *key, yaml_node_t *k, yaml_node_t *v, void *ud)
{
	long long n;
	(void)k, (void)ud;
	if (!strcmp(key, "time"))
		return want_duration(c, v, "a time budget", &c->job->budget_seconds);
	if (want_int(c, v, "a number of trials", 1, 100000000, &n))
		return -1;
	c->job->budget_trials = n;
	return 0;
}

static const char *const confirm_keys[] = { "repeats", "max", NULL };
static const char *const adaptive_keys[] = { "min", "max", "ci", NULL };

/* repeats: {min: 2, max: 8, ci: 2%} */
static int parse_adaptive(struct ctx *c, yaml_node_t *v)
{
	struct job *job = c->job;
	long long lo, hi;
	const char *ci;
	char *end;
	if (walk_mapping(c, v, "repeats", adaptive_keys, no_op, NULL))
		return -1;
	yaml_node_t *mn = lookup(c, v, "min"), *mx = lookup(c, v, "max"), *cn = lookup(c, v, "ci");
	if (!mn || !mx || !cn)
		return fail(c, v, "adaptive repeats need min, max and ci, e.g. {min: 2, max: 8, ci: 2%%}");
	if (want_int(c, mn, "a number of runs", 2, 1000, &lo) ||
	    want_int(c, mx, "a number of runs", 2, 1000, &hi) ||
	    want_scalar(c, cn, "a percentage such as 2%", &ci))
		return -1;
	if (hi < lo)
		return fail(c, mx, "max (%lld) is below min (%lld)", hi, lo);
	double x = strtod(ci, &end);
	if (end == ci || strcmp(end, "%") || !(x > 0 && x < 100))
		return fail(c, cn, "expected a percentage above 0 and below 100, such as 2%%, got '%s'", ci);
	job->repeats = (int)hi;
	job->repeats_min = (int)lo;
	job->repeats_ci = x / 100;
	return 0;
}

static int parse_confirm(struct ctx *c, yaml_node_t *v)
{
	struct job *job = c->job;
	long long n;
	if (v->type == YAML_SCALAR_NODE && (!strcmp((const char *)v->data.scalar.value, "off") ||
					    !strcmp((const char *)v->data.scalar.value, "false"))) {
		job->confirm_repeats = job->confirm_max = 0;
		return 0;
	}
	if (v->type != YAML_MAPPING_NODE)
		return fail(c, v, "expected off or {repeats: N, max: M}, got %s", kind_name(v));
	if (walk_mapping(c, v, "confirm", confirm_keys, no_op, NULL))
		return -1;
	yaml_node_t *r = lookup(c, v, "repeats"), *m = lookup(c, v, "max");
	if (r) {
		if (want_int(c, r, "a number of measurements of each side", 2, 100, &n))
			return -1;
		job->confirm_repeats = (int)n;
		job->confirm_max = 2 * (int)n;
	}
	if (m) {
		if (want_int(c, m, "a number of measurements of each side", 2, 200, &n))
			return -1;
		if (n < job->confirm_repeats)
			return fail(c, m, "max (%lld) is below repeats (%d)", n, job->confirm_repeats);
		job->confirm_max = (int)n;
	}
	return 0;
}

/*
 * A setting that is on, off or {KEY: N} (ablate: {repeats: N}, drift:
 * {every: N}): *out 0 when off, dflt when on or N not given, else N
 * (what: N's description, between min and max).
 */
struct switch_key {
	const char *name, *key, *what;
	int dflt, min, max;
};

static int parse_switch(struct ctx *c, yaml_node_t *v, const struct switch_key *k, int *out)
{
	const char *keys[] = { k->key, NULL };
	long long n;
	const char *s = v->type == YAML_SCALAR_NODE ? (const char *)v->data.scalar.value : NULL;
	if (s && (!strcmp(s, "off") || !strcmp(s, "false"))) {
		*out = 0;
		return 0;
	}
	if (s && (!strcmp(s, "on") || !strcmp(s, "true"))) {
		*out = k->dflt;
		return 0;
	}
	if (v->type != YAML_MAPPING_NODE)
		return fail(c, v, "expected on, off or {%s: N}, got %s", k->key, kind_name(v));
	if (walk_mapping(c, v, k->name, keys, no_op, NULL))
		return -1;
	yaml_node_t *e = lookup(c, v, k->key);
	*out = k->dflt;
	if (e && want_int(c, e, k->what, k->min, k->max, &n))
		return -1;
	if (e)
		*out = (int)n;
	return 0;
}

/* ablate: on | off | {repeats: N} */
static const struct switch_key ablate_switch = {
	"ablate", "repeats", "a number of measurements of each change at each step",
	JOB_DEFAULT_ABLATE, 2, 100,
};
/* drift: on | off | {every: K}: the defaults measured again every K results */
static const struct switch_key drift_switch = {
	"drift", "every", "a period in results", JOB_DEFAULT_DRIFT, 2, 1000,
};

static int parse_top(struct ctx *c, const char *key, yaml_node_t *k, yaml_node_t *v, void *ud)
{
	struct job *job = c->job;
	long long n;
	(void)k, (void)ud;
	if (!strcmp(key, "name")) {
		if (v->type == YAML_SCALAR_NODE && !is_null(v) && !v->data.scalar.length)
			return fail(c, v, "expected a name (not empty)");
		return want_string(c, v, "a name", &job->name);
	}
	if (!strcmp(key, "target"))
		return parse_target(c, v);
	if (!strcmp(key, "parameters")) {
		if (v->type == YAML_MAPPING_NODE &&
		    v->data.mapping.pairs.top == v->data.mapping.pairs.start)
			return fail(c, v, "parameters lists nothing");
		if (v->type == YAML_MAPPING_NODE &&
		    v->data.mapping.pairs.top - v->data.mapping.pairs.start > JOB_MAX_PARAMS)
			return fail(c, v, "more than %d parameters (the limit)", JOB_MAX_PARAMS);
		return walk_mapping(c, v, "parameters", NULL, parse_param, NULL);
	}
	if (!strcmp(key, "objective"))
		return parse_objective(c, v);
	if (!strcmp(key, "workload"))
		return parse_workload(c, v);
	if (!strcmp(key, "strategy")) {
		if (want_string(c, v, "a strategy name", &job->strategy))
			return -1;
		if (!strategy_find(job->strategy))
			return fail(c, v, "unknown strategy '%s' (see 'vmtune help search')",
				    job->strategy);
		return 0;
	}
	if (!strcmp(key, "budget")) {
		job->budget_trials = 0;
		if (walk_mapping(c, v, "the budget", budget_keys, parse_budget, NULL))
			return -1;
		if (!job->budget_trials && !job->budget_seconds)
			return fail(c, v, "the budget needs trials or time");
		return 0;
	}
	if (!strcmp(key, "repeats")) {
		if (v->type == YAML_SCALAR_NODE && !strcmp((const char *)v->data.scalar.value, "auto")) {
			job->repeats = 0;
			return 0;
		}
		if (v->type == YAML_MAPPING_NODE)
			return parse_adaptive(c, v);
		if (want_int(c, v, "'auto' or a number of repeats", 1, 1000, &n))
			return -1;
		job->repeats = (int)n;
		return 0;
	}
	if (!strcmp(key, "confirm"))
		return parse_confirm(c, v);
	if (!strcmp(key, "ablate"))
		return parse_switch(c, v, &ablate_switch, &job->ablate_repeats);
	if (!strcmp(key, "forbidden"))
		return 0;	/* once every parameter is known: parse_forbidden() */
	if (!strcmp(key, "drift"))
		return parse_switch(c, v, &drift_switch, &job->drift_every);
	if (!strcmp(key, "noise_floor")) {
		if (want_int(c, v, "a number of measurements of the baseline", 1, 100, &n))
			return -1;
		job->noise_floor = (int)n;
		return 0;
	}
	if (!strcmp(key, "hosts")) {
		if (v->type != YAML_SEQUENCE_NODE || v->data.sequence.items.top ==
		    v->data.sequence.items.start)
			return fail(c, v, "expected a list of hosts");
		for (yaml_node_item_t *i = v->data.sequence.items.start;
		     i < v->data.sequence.items.top; i++)
			if (parse_host(c, node(c, *i)))
				return -1;
		return 0;
	}
	/* seed */
	if (want_int(c, v, "a seed", 0, LLONG_MAX, &n))
		return -1;
	job->seed = (uint64_t)n;
	job->has_seed = 1;
	return 0;
}

/* ---- forbidden combinations ---------------------------------------------- */

/* PARAM: [VALUE, ...] or PARAM: {above: OTHER}: one term of a clause. */
static int forbid_term(struct ctx *c, yaml_node_t *k, yaml_node_t *v, struct forbid_term *t)
{
	const struct space *sp = &c->job->space;
	const char *name, *other;
	char msg[ERR_LEN];
	if (want_scalar(c, k, "a parameter's name", &name))
		return -1;
	const struct param *p = space_find(sp, name, &t->param);
	if (!p)
		return fail(c, k, "forbidden: '%s' is not a parameter of this job", name);
	if (v->type == YAML_MAPPING_NODE) {
		yaml_node_t *a = lookup(c, v, "above");
		const struct param *q;
		if (!a || v->data.mapping.pairs.top - v->data.mapping.pairs.start != 1)
			return fail(c, v, "expected [VALUE, ...] or {above: PARAMETER}");
		if (want_scalar(c, a, "a parameter's name", &other))
			return -1;
		if (!(q = space_find(sp, other, &t->other)) || q->type != P_INT || p->type != P_INT)
			return fail(c, a, "'above' compares two int parameters: '%s' and '%s'", name,
				    other);
		t->kind = FORBID_ABOVE;
		return 0;
	}
	if (v->type != YAML_SEQUENCE_NODE || v->data.sequence.items.top == v->data.sequence.items.start)
		return fail(c, v, "expected a list of values of '%s', or {above: PARAMETER}", name);
	size_t n = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
	t->kind = FORBID_IN;
	t->values = xcalloc(n, sizeof(*t->values));
	for (size_t i = 0; i < n; i++) {
		yaml_node_t *x = node(c, v->data.sequence.items.start[i]);
		const char *txt;
		if (want_scalar(c, x, "a value", &txt))
			return -1;
		if (pval_parse(p, txt, &t->values[i], msg) || param_value_check(p, t->values[i], msg))
			return fail(c, x, "forbidden: a value of '%s': %s", name, msg);
		t->nvalues = i + 1;
	}
	return 0;
}

/* "x above y and m c or d": a clause as said to the user. */
static void forbid_text(const struct space *sp, const struct forbid *f, struct strbuf *out)
{
	for (size_t k = 0; k < f->n; k++) {
		const struct forbid_term *t = &f->t[k];
		strbuf_addf(out, "%s%s ", k ? " and " : "", sp->p[t->param].name);
		if (t->kind == FORBID_ABOVE)
			strbuf_addf(out, "above %s", sp->p[t->other].name);
		for (size_t i = 0; t->kind == FORBID_IN && i < t->nvalues; i++) {
			strbuf_addstr(out, i ? " or " : "");
			pval_format(&sp->p[t->param], t->values[i], out);
		}
	}
}

/* forbidden: [{PARAM: [VALUE, ...], PARAM: {above: OTHER}, ...}, ...]: a clause a mapping. */
static int parse_forbidden(struct ctx *c, yaml_node_t *root)
{
	yaml_node_t *list = lookup(c, root, "forbidden");
	if (!list)
		return 0;
	if (list->type != YAML_SEQUENCE_NODE)
		return fail(c, list, "expected a list of clauses, each {PARAMETER: [VALUE, ...], ...}");
	for (yaml_node_item_t *i = list->data.sequence.items.start; i < list->data.sequence.items.top;
	     i++) {
		yaml_node_t *cl = node(c, *i);
		struct forbid f = { .line = (int)cl->start_mark.line + 1,
				    .col = (int)cl->start_mark.column + 1 };
		struct strbuf why = STRBUF_INIT;
		int rc = 0;
		if (cl->type != YAML_MAPPING_NODE || cl->data.mapping.pairs.top == cl->data.mapping.pairs.start)
			return fail(c, cl, "expected a clause {PARAMETER: [VALUE, ...], ...}");
		size_t n = (size_t)(cl->data.mapping.pairs.top - cl->data.mapping.pairs.start);
		f.t = xcalloc(n, sizeof(*f.t));
		for (size_t k = 0; k < n && !rc; k++) {
			yaml_node_pair_t *pr = &cl->data.mapping.pairs.start[k];
			rc = forbid_term(c, node(c, pr->key), node(c, pr->value), &f.t[k]);
			f.n = k + 1;
		}
		forbid_text(&c->job->space, &f, &why);
		strbuf_addf(&why, " (line %d)", f.line);
		f.why = strbuf_detach(&why);
		space_forbid(&c->job->space, &f);	/* owned now, also when a term failed */
		if (rc)
			return -1;
	}
	return 0;
}

/*
 * The defaults must be allowed (the baseline is measured), and enough of
 * the space: a space (almost) entirely forbidden would make every strategy
 * draw forever. Counted over every configuration of a small space, else
 * over FORBID_DRAWS random ones.
 */
#define FORBID_DRAWS 20000
#define FORBID_MIN_SHARE 0.001

static int check_forbidden(struct ctx *c, yaml_node_t *root)
{
	struct space *sp = &c->job->space;
	if (!sp->nforbid)
		return 0;
	union pval *cfg = config_defaults(sp);
	size_t f = config_forbidden(sp, cfg), allowed = 0, total = 0;
	yaml_node_t *at = lookup(c, root, "forbidden") ? lookup(c, root, "forbidden")
						       : lookup(c, root, "parameters");
	if (f) {
		free(cfg);
		return seterr(c->err, "%s:%d:%d: the job's defaults are forbidden (%s): the baseline "
			      "could never be measured", c->path, sp->forbid[f - 1].line ?
			      sp->forbid[f - 1].line : (int)at->start_mark.line + 1,
			      sp->forbid[f - 1].line ? sp->forbid[f - 1].col : 1, sp->forbid[f - 1].why),
		       -1;
	}
	space_allowed(sp, 1, FORBID_DRAWS, &allowed, &total);
	free(cfg);
	if ((double)allowed >= FORBID_MIN_SHARE * (double)total && allowed > 1)
		return 0;
	return fail(c, at, "the forbidden clauses leave %s (%zu of %zu %sconfigurations "
		    "allowed): nothing to search", allowed > 1 ? "almost nothing of the space" :
		    "only the defaults", allowed, total, space_size(sp) &&
		    space_size(sp) <= FORBID_DRAWS ? "" : "random ");
}

/*
 * The parameters against what the target can apply (its check_space()),
 * the fault named where it stands: a parameter's name, one of its values,
 * its min or its max.
 */
static int check_space(struct ctx *c, yaml_node_t *root)
{
	const struct target_ops *t = c->job->target;
	struct space_fault at = { 0 };
	char msg[ERR_LEN];
	if (!t->check_space ||
	    !t->check_space(&c->job->space, &c->job->obj, c->job->tset, c->job->ntset,
			    c->job->has_workload ? &c->job->wl : NULL, &at, msg))
		return 0;
	if (at.at == AT_WORKLOAD)
		return fail(c, lookup(c, root, "workload") ? lookup(c, root, "workload") : root, "%s", msg);
	if (at.at == AT_SETTING) {
		const struct target_setting *s = &c->job->tset[at.value];
		return seterr(c->err, "%s:%d:%d: %s", c->path, s->line, s->col, msg), -1;
	}
	if (at.at == AT_METRIC) {	/* the objective's metric: or its term in the list */
		yaml_node_t *o = lookup(c, root, "objective"), *m = lookup(c, o, "metric");
		yaml_node_t *ms = m ? NULL : lookup(c, o, "metrics");
		if (ms)
			m = lookup(c, node(c, ms->data.sequence.items.start[at.value]), "metric");
		return fail(c, m ? m : o, "%s", msg);
	}
	yaml_node_t *ps = lookup(c, root, "parameters");
	yaml_node_pair_t *pair = &ps->data.mapping.pairs.start[at.param];
	yaml_node_t *where = node(c, pair->key), *spec = node(c, pair->value), *n = NULL;
	if (at.at == AT_VALUE && (n = lookup(c, spec, "values")))
		n = node(c, n->data.sequence.items.start[at.value]);
	else if (at.at == AT_MIN || at.at == AT_MAX)
		n = lookup(c, spec, at.at == AT_MIN ? "min" : "max");
	return fail(c, n ? n : where, "%s", msg);
}

static int parse_document(struct ctx *c, yaml_node_t *root)
{
	if (!root || is_null(root))
		return fail(c, NULL, "empty job file");
	if (walk_mapping(c, root, "the job", top_keys, parse_top, NULL))
		return -1;
	static const char *const required[] = { "target", "parameters", "objective" };
	for (size_t i = 0; i < 3; i++)
		if (!lookup(c, root, required[i]))
			return fail(c, root, "the job needs '%s'", required[i]);
	yaml_node_t *wl = lookup(c, root, "workload");
	if (wl && !c->job->target->takes_workload)
		return fail(c, wl, "workload: runs in a test VM (target kind libvirt); an %s job's "
			    "command is its workload", c->job->target->name);
	if (parse_forbidden(c, root) || check_space(c, root))
		return -1;
	if (c->job->target->space_rules)	/* what its knobs cannot do together */
		c->job->target->space_rules(&c->job->space, c->job->tset, c->job->ntset);
	return check_forbidden(c, root);
}

static char *base_name(const char *path)
{
	const char *b = strrchr(path, '/');
	b = b ? b + 1 : path;
	size_t n = strlen(b);
	const char *dot = strrchr(b, '.');
	if (dot && dot != b)
		n = (size_t)(dot - b);
	return xstrndup(b, n);
}

static void job_defaults(struct job *job)
{
	memset(job, 0, sizeof(*job));
	space_init(&job->space);
	job->trial_timeout = JOB_DEFAULT_TIMEOUT;
	job->budget_trials = JOB_DEFAULT_TRIALS;
	job->repeats = 0;	/* auto: racing decides */
	job->confirm_repeats = JOB_DEFAULT_CONFIRM;
	job->confirm_max = 2 * JOB_DEFAULT_CONFIRM;
	job->noise_floor = 0;	/* the budget's: job_noise_floor() */
	job->drift_every = -1;	/* the target's default: job_drift_every() */
	job->obj.max_cov = JOB_DEFAULT_MAX_COV;
	job->strategy = xstrdup("tpe");
}

/*
 * The limits that bound the work before libyaml builds a document: size,
 * line length, nesting (one pass over libyaml's events, stopped at the
 * first level too deep). Syntax errors are left to the loader.
 */
static int within_limits(const char *text, const char *path, char *err)
{
	size_t line = 1, len = strlen(text);
	if (len > JOB_MAX_BYTES)
		return seterr(err, "%s: larger than 1 MiB (the limit of a job file)", path), -1;
	for (const char *l = text, *p = text;; p++)
		if (*p == '\n' || !*p) {
			if (p - l > JOB_MAX_LINE)
				return seterr(err, "%s:%zu: a line longer than %d characters (the limit)",
					      path, line, JOB_MAX_LINE), -1;
			if (!*p)
				break;
			l = p + 1;
			line++;
		}
	yaml_parser_t ps;
	yaml_event_t ev;
	int depth = 0, rc = 0, end = 0;
	yaml_parser_initialize(&ps);
	yaml_parser_set_input_string(&ps, (const unsigned char *)text, len);
	while (!end && !rc && yaml_parser_parse(&ps, &ev)) {
		if ((ev.type == YAML_SEQUENCE_START_EVENT || ev.type == YAML_MAPPING_START_EVENT) &&
		    ++depth > JOB_MAX_DEPTH) {
			seterr(err, "%s:%zu:%zu: nested deeper than %d levels (the limit)", path,
			       ev.start_mark.line + 1, ev.start_mark.column + 1, JOB_MAX_DEPTH);
			rc = -1;
		} else if (ev.type == YAML_SEQUENCE_END_EVENT || ev.type == YAML_MAPPING_END_EVENT) {
			depth--;
		}
		end = ev.type == YAML_STREAM_END_EVENT;
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&ps);
	return rc;
}

int job_load_text(struct job *job, const char *text, const char *path, const char *dir,
		  char *err)
{
	struct ctx c = { .path = path, .job = job, .err = err };
	yaml_parser_t parser;
	int ret = -1;

	job_defaults(job);
	if (within_limits(text, path, err)) {
		job_release(job);
		return -1;
	}
	job->path = xstrdup(path);
	job->dir = xstrdup(dir);
	job->text = xstrdup(text);
	yaml_parser_initialize(&parser);
	yaml_parser_set_input_string(&parser, (const unsigned char *)job->text, strlen(job->text));
	if (!yaml_parser_load(&parser, &c.doc)) {
		seterr(err, "%s:%zu:%zu: YAML syntax error: %s%s%s", path,
		       parser.problem_mark.line + 1, parser.problem_mark.column + 1,
		       parser.problem ? parser.problem : "unknown",
		       parser.context ? " " : "", parser.context ? parser.context : "");
		yaml_parser_delete(&parser);
		goto done;
	}
	yaml_parser_delete(&parser);
	ret = parse_document(&c, yaml_document_get_root_node(&c.doc));
	yaml_document_delete(&c.doc);
	if (!ret && !job->name)
		job->name = base_name(path);
done:
	if (ret)
		job_release(job);
	return ret;
}

int job_drift_every(const struct job *job)
{
	if (job->drift_every >= 0)
		return job->drift_every;
	return strcmp(job->target->name, "exec") ? JOB_DEFAULT_DRIFT : 0;
}

int64_t job_drift_max(const struct job *job, int64_t trials, int64_t open, size_t hosts)
{
	int every = job_drift_every(job);
	if (!every)
		return 0;
	return trials ? job_drift_open(job, trials, open, hosts) + 2 * (trials / every) + 2 : INT64_MAX;
}

int job_drift_follows(const struct job *job, int64_t trials)
{
	int64_t every = job_drift_every(job);
	return every && (!trials || trials >= 2 * every);
}

int64_t job_drift_open(const struct job *job, int64_t trials, int64_t open, size_t hosts)
{
	int64_t need = (int64_t)hosts + JOB_DRIFT_DOF;
	return job_drift_follows(job, trials) && need > open ? need - open : 0;
}

int64_t job_drift_planned(const struct job *job, int64_t trials, int64_t floor)
{
	int64_t every = job_drift_every(job), after = trials - floor;
	if (!every || after <= 0)
		return 0;
	return after / every + (job_drift_follows(job, trials) ? after % every != 0
							       : 2 * (after % every) >= every);
}

int job_noise_floor(const struct job *job, int64_t trials)
{
	if (job->noise_floor > 0)
		return job->noise_floor;
	if (!trials)
		return JOB_DEFAULT_NOISE_FLOOR;
	int64_t f = trials / 20;
	return f < 1 ? 1 : f > JOB_DEFAULT_NOISE_FLOOR ? JOB_DEFAULT_NOISE_FLOOR : (int)f;
}

int job_race_max(const struct job *job, int64_t trials)
{
	if (job->repeats || (trials > 0 && trials < JOB_RACE_FROM))
		return 1;
	return RACING_MAX_REPEATS;
}

int job_instances(const struct job *job)
{
	for (size_t i = 0; i < job->ntset; i++)
		if (!strcmp(job->tset[i].key, "instances") && job->tset[i].nvals == 1)
			return atoi(job->tset[i].vals[0]);
	return 1;
}

int job_set_target(struct job *job, const char *key, const char *value, char *err)
{
	size_t i = 0, bad;
	while (i < job->ntset && strcmp(job->tset[i].key, key))
		i++;
	if (i == job->ntset) {
		const char *const *keys = job->target->keys;
		size_t k = 0;
		while (keys[k] && strcmp(keys[k], key))
			k++;
		if (!keys[k])
			return seterr(err, "target kind '%s' has no setting '%s'", job->target->name,
				      key), -1;
		job->tset = xrealloc(job->tset, (job->ntset + 1) * sizeof(*job->tset));
		job->tset[job->ntset++] = (struct target_setting){ .key = xstrdup(key) };
	}
	struct target_setting *s = &job->tset[i];
	for (size_t k = 0; k < s->nvals; k++)
		free(s->vals[k]);
	s->vals = xrealloc(s->vals, sizeof(char *));
	s->vals[0] = xstrdup(value);
	s->nvals = 1;
	s->is_list = 0;
	char msg[ERR_LEN] = "";
	if (job->target->check(job->tset, job->ntset, &bad, msg))
		return seterr(err, "%s: %s", key, msg), -1;
	return 0;
}

int job_ready(const struct job *job, char *err)
{
	size_t bad = 0;
	char msg[ERR_LEN] = "";
	if (!job->target->ready || !job->target->ready(job->tset, job->ntset, &job->space, &bad, msg))
		return 0;
	if (bad < job->ntset)
		seterr(err, "%s:%d:%d: %s", job->path, job->tset[bad].line, job->tset[bad].col, msg);
	else
		seterr(err, "%s: %s", job->path, msg);
	return -1;
}

int job_load_file(struct job *job, const char *path, char *err)
{
	struct strbuf sb = STRBUF_INIT;
	char *dir, *abs, msg[ERR_LEN];
	int ret;

	if (strbuf_read_file(&sb, path, JOB_MAX_BYTES, msg)) {
		strbuf_release(&sb);
		return seterr(err, "%s: cannot read job file: %s", path, msg), -1;
	}
	if (memchr(sb.buf, '\0', sb.len)) {
		strbuf_release(&sb);
		return seterr(err, "%s: not a text file", path), -1;
	}
	abs = realpath(path, NULL);
	if (!abs) {
		strbuf_release(&sb);
		return seterr(err, "%s: %s", path, strerror(errno)), -1;
	}
	dir = strrchr(abs, '/');
	if (dir == abs)
		dir[1] = '\0';
	else
		*dir = '\0';
	ret = job_load_text(job, sb.buf, path, abs, err);
	free(abs);
	strbuf_release(&sb);
	return ret;
}

void job_release(struct job *job)
{
	free(job->path);
	free(job->dir);
	free(job->text);
	free(job->name);
	free(job->strategy);
	space_release(&job->space);
	objective_release(&job->obj);
	workload_release(&job->wl);
	for (size_t i = 0; i < job->ntset; i++) {
		free(job->tset[i].key);
		for (size_t k = 0; k < job->tset[i].nvals; k++)
			free(job->tset[i].vals[k]);
		free(job->tset[i].vals);
	}
	free(job->tset);
	for (size_t i = 0; i < job->nhosts; i++)
		free(job->hosts[i].uri);
	free(job->hosts);
	memset(job, 0, sizeof(*job));
}

int duration_parse(const char *s, double *seconds)
{
	double total = 0;
	int any = 0;
	while (*s) {
		char *end;
		double v = strtod(s, &end);
		if (end == s || v < 0 || !isfinite(v))
			return -1;
		s = end;
		double unit;
		if (!strncmp(s, "ms", 2))
			unit = 0.001, s += 2;
		else if (*s == 's')
			unit = 1, s++;
		else if (*s == 'm')
			unit = 60, s++;
		else if (*s == 'h')
			unit = 3600, s++;
		else if (*s == 'd')
			unit = 86400, s++;
		else if (!*s && !any)
			unit = 1;
		else
			return -1;
		total += v * unit;
		any = 1;
	}
	/* from 1 ms (a timer can tell) to a year (a count of seconds fits anything) */
	if (!any || !(total >= 0.001 && total <= 365 * 86400.0))
		return -1;
	*seconds = total;
	return 0;
}
