/* vmtune capacity: 1, 2, 4, ... instances, then a bisection (capacity.h). */
#include "search.h"
#include "../target/hostcost.h"
#include "../../lib/err.h"
#include "../../lib/strbuf.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void capacity_objective(const struct objective *obj, struct objective *out)
{
	objective_copy(out, obj);
	size_t k = 0;
	for (size_t i = 0; i < out->n; i++) {
		if (hostcost_metric(out->t[i].metric)) {
			free(out->t[i].metric);
			continue;
		}
		out->t[k++] = out->t[i];
	}
	out->n = k;
}

struct cap_run {
	const struct capacity_opts *o;
	struct capacity *c;
	struct objective obj;
	double *base;
	double mem_per_vm;	/* the most host memory a VM held so far, MiB; 0: unknown */
};

/* One step: N instances measured, scored against the first step. 1: interrupted. */
static int step(struct cap_run *r, int n, char *err)
{
	const struct capacity_opts *o = r->o;
	char num[16];
	snprintf(num, sizeof(num), "%d", n);
	if (job_set_target(o->job, "instances", num, err))
		return -1;
	struct search_opts so = { .st = o->st, .job = o->job, .seed = o->seed, .stop = o->stop,
				  .measure_as = "capacity", .capacity_of = r->c->head };
	int64_t run = 0;
	int rc = search_measure_json(&so, o->cfg_json, o->repeats, &run, err);
	if (rc)
		return rc;
	if (!r->c->head) {
		r->c->head = run;
		r->base = xcalloc(r->obj.n + 1, sizeof(double));
		if (capacity_base(o->st, &r->obj, run, r->base, err))
			return -1;
	}
	struct cap_step s;
	if (capacity_step(o->st, &r->obj, r->base, run, n, o->seed, &s, err))
		return -1;
	if (!isfinite(s.score))
		return seterr(err, "%d instance%s: no measurement came back (vmtune trials %lld)", n,
			      n == 1 ? "" : "s", (long long)run), -1;
	r->c->steps = xrealloc(r->c->steps, (r->c->n + 1) * sizeof(*r->c->steps));
	r->c->steps[r->c->n++] = s;
	if (isfinite(s.mem_mib) && s.mem_mib > r->mem_per_vm)
		r->mem_per_vm = s.mem_mib;
	if (o->step_done)
		o->step_done(o->ud, &s);
	return 0;
}

/* Whether n VMs would fit the host's available memory now, by what one held so far. */
static int fits_memory(struct cap_run *r, int n)
{
	double avail = hostcost_mem_available_mib();
	if (avail <= 0 || r->mem_per_vm <= 0 || n * r->mem_per_vm <= avail)
		return 1;
	r->c->mem_avail_mib = avail;
	return 0;
}

int capacity_measure(const struct capacity_opts *o, struct capacity *out, char *err)
{
	struct cap_run r = { .o = o, .c = out };
	memset(out, 0, sizeof(*out));
	capacity_objective(&o->job->obj, &r.obj);
	if (!r.obj.n) {
		objective_release(&r.obj);
		return seterr(err, "the objective names only host metrics: capacity needs one of the "
			      "VMs' own"), -1;
	}
	int rc = step(&r, 1, err), good = 1, bad = 0, next = 2;
	out->why = CAP_MAX;
	while (!rc && good < o->max) {
		if (next > o->max)
			next = o->max;
		if (!fits_memory(&r, next)) {
			bad = next;
			out->why = CAP_MEMORY;
		} else if (!(rc = step(&r, next, err))) {
			if (out->steps[out->n - 1].score >= o->keep) {
				good = next;
			} else {
				bad = next;
				out->why = CAP_BELOW_KEEP;
			}
		}
		if (bad && bad - good <= 1)
			break;
		next = bad ? (good + bad) / 2 : 2 * next;
	}
	out->fits = good;
	out->fails = bad;
	objective_release(&r.obj);
	free(r.base);
	return rc;
}

void capacity_release(struct capacity *c)
{
	free(c->steps);
	memset(c, 0, sizeof(*c));
}
