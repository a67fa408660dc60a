#include "evaltable.h"
#include "../lib/err.h"
#include "../lib/strbuf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int bad(const char *path, const char *what)
{
	fprintf(stderr, "evaltable: %s: %s\n", path, what);
	return -1;
}

/* A header that does not parse: what was opened closed, the message. */
static int cut(FILE *f, struct strbuf *rows, const char *path, const char *what)
{
	fclose(f);
	strbuf_release(rows);
	return bad(path, what);
}

/* One parameter line of the header into p; NULL, or what is wrong with it. */
static const char *read_param(FILE *f, struct param *p, int *numcat)
{
	char word[4096], type[16];
	*numcat = 0;
	if (fscanf(f, "%4095s %15s", word, type) != 2)
		return "a parameter line is cut short";
	p->name = xstrdup(word);
	if (!strcmp(type, "bool")) {
		p->type = P_BOOL;
	} else if (!strcmp(type, "int")) {
		p->type = P_INT;
		if (fscanf(f, "%lf %lf %lf", &p->min, &p->max, &p->step) != 3)
			return "an int without min, max, step";
	} else if (!strcmp(type, "float")) {
		p->type = P_FLOAT;
		if (fscanf(f, "%lf %lf", &p->min, &p->max) != 2)
			return "a float without min, max";
		int c = fgetc(f);
		if (c == ' ' && fscanf(f, "%lf", &p->step) != 1)
			return "a float with a bad step";
		if (c == '\n')
			ungetc(c, f);
	} else if (!strcmp(type, "cat")) {
		p->type = P_CAT;
		if (fscanf(f, "%15s %zu", type, &p->nvalues) != 2 || !p->nvalues)
			return "a categorical without values";
		*numcat = !strcmp(type, "num");
		p->values = xcalloc(p->nvalues, sizeof(char *));
		for (size_t k = 0; k < p->nvalues; k++) {
			if (fscanf(f, "%4095s", word) != 1)
				return "a categorical's values are cut short";
			p->values[k] = xstrdup(word);
		}
	} else {
		return "a parameter of unknown type";
	}
	return NULL;
}

/* Each parameter's scale (its range; 0 for an unordered categorical) and default (the first row). */
static void scale_and_defaults(struct evaltable *t, size_t np, const int *numcat)
{
	for (size_t j = 0; j < np; j++) {
		double lo = t->x[j], hi = t->x[j];
		for (size_t r = 1; r < t->nrow; r++) {
			double v = t->x[r * np + j];
			lo = v < lo ? v : lo;
			hi = v > hi ? v : hi;
		}
		struct param *p = &t->sp.p[j];
		t->scale[j] = p->type == P_CAT && !numcat[j] ? 0 : hi > lo ? hi - lo : 1;
		double v = t->x[j];
		switch (p->type) {
		case P_BOOL: p->def.b = v != 0; break;
		case P_INT: p->def.i = (int64_t)v; break;
		case P_FLOAT: p->def.f = v; break;
		case P_CAT:
			p->def.c = 0;
			for (size_t k = 0; k < p->nvalues; k++)
				if (numcat[j] ? atof(p->values[k]) == v : (double)k == v)
					p->def.c = k;
			break;
		}
	}
}

int evaltable_load(struct evaltable *t, const char *path)
{
	/* read once; the header through stdio, the rows cut with strtod (fscanf
	 * took 0.2 s for 68,640 rows) */
	struct strbuf rows = STRBUF_INIT;
	char dir[16], err[ERR_LEN];
	const char *why;
	size_t np;
	memset(t, 0, sizeof(*t));
	space_init(&t->sp);
	if (strbuf_read_file(&rows, path, (size_t)1 << 30, err))
		return bad(path, err);
	FILE *f = fmemopen(rows.buf, rows.len, "r");
	if (!f)
		return strbuf_release(&rows), bad(path, "cannot read");
	if (fscanf(f, "vmtune-table 1 %15s %zu %zu", dir, &np, &t->nrow) != 3 || !np || !t->nrow)
		return cut(f, &rows, path, "not a prepared table (scripts/eval-search.py prepare)");
	t->maximize = !strcmp(dir, "maximize");
	t->scale = xcalloc(np, sizeof(double));
	int *numcat = xcalloc(np, sizeof(int));
	for (size_t j = 0; j < np; j++) {
		struct param p = { 0 };
		if ((why = read_param(f, &p, &numcat[j])))
			return cut(f, &rows, path, why);
		space_add(&t->sp, &p);
	}
	t->x = xcalloc(t->nrow * np, sizeof(double));
	t->perf = xcalloc(t->nrow, sizeof(double));
	char *at = rows.buf + ftell(f), *end;
	fclose(f);
	for (size_t r = 0; r < t->nrow; r++) {
		for (size_t j = 0; j <= np; j++) {
			double v = strtod(at, &end);
			if (end == at) {
				strbuf_release(&rows);
				return bad(path, "a row is cut short");
			}
			at = end;
			if (j < np)
				t->x[r * np + j] = v;
			else
				t->perf[r] = t->maximize ? -v : v;
		}
	}
	strbuf_release(&rows);
	scale_and_defaults(t, np, numcat);
	free(numcat);
	return 0;
}

/* The value of column j in a configuration, as the table holds it. */
static double column_value(const struct evaltable *t, size_t j, union pval v)
{
	const struct param *p = &t->sp.p[j];
	switch (p->type) {
	case P_BOOL: return v.b;
	case P_INT: return (double)v.i;
	case P_FLOAT: return v.f;
	case P_CAT: return t->scale[j] ? atof(p->values[v.c]) : (double)v.c;
	}
	return 0;
}

size_t evaltable_nearest(const struct evaltable *t, const union pval *cfg)
{
	size_t n = t->sp.n, best = 0;
	double *want = xcalloc(n, sizeof(double)), bestd = -1;
	for (size_t j = 0; j < n; j++)
		want[j] = column_value(t, j, cfg[j]);
	for (size_t r = 0; r < t->nrow; r++) {
		const double *x = &t->x[r * n];
		double d = 0;
		for (size_t j = 0; j < n && (bestd < 0 || d <= bestd); j++)
			d += t->scale[j] ? (x[j] > want[j] ? x[j] - want[j] : want[j] - x[j]) / t->scale[j]
					 : (double)(x[j] != want[j]);
		if (bestd < 0 || d < bestd)
			bestd = d, best = r;
	}
	free(want);
	return best;
}

size_t evaltable_rank(const struct evaltable *t, double v)
{
	size_t k = 0;
	for (size_t r = 0; r < t->nrow; r++)
		k += t->perf[r] < v;
	return k;
}
