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
	double mem_per_vm;	/* the most host memory a VM held so far, MiB; 0: unknown */
};

/* One run of n instances, of the series (the first: the series' head); 1: interrupted. */
static int measure(struct cap_run *r, int n, int64_t *run, char *err)
{
	const struct capacity_opts *o = r->o;
	char num[16];
	snprintf(num, sizeof(num), "%d", n);
	if (job_set_target(o->job, "instances", num, err))
		return -1;
	struct search_opts so = { .st = o->st, .job = o->job, .seed = o->seed, .stop = o->stop,
				  .measure_as = "capacity", .capacity_of = r->c->head };
	int rc = search_measure_json(&so, o->cfg_json, o->repeats, run, err);
	if (!rc && !r->c->head)
		r->c->head = *run;
	return rc;
}

/* Appends run's figures, out of the series' (all, nall), to *to. */
static int pick(struct cap_run *r, const struct cap_step *all, size_t nall, int64_t run,
		struct cap_step **to, size_t *n, char *err)
{
	size_t i = 0;
	while (i < nall && all[i].run != run)
		i++;
	struct cap_step s = i < nall ? all[i] : (struct cap_step){ .score = NAN };
	if (!isfinite(s.score))
		return seterr(err, "%d instance%s: no measurement came back (vmtune trials %lld)",
			      s.instances, s.instances == 1 ? "" : "s", (long long)run), -1;
	*to = xrealloc(*to, (*n + 1) * sizeof(**to));
	(*to)[(*n)++] = s;
	if (isfinite(s.mem_mib) && s.mem_mib > r->mem_per_vm)
		r->mem_per_vm = s.mem_mib;
	if (r->o->step_done)
		r->o->step_done(r->o->ud, &s);
	return 0;
}

/*
 * One step: n instances, then (n > 1) one VM again, the step scored against the one-VM runs
 * either side of it, the series scored once for both. 1: interrupted (what was measured stays).
 */
static int step(struct cap_run *r, int n, char *err)
{
	int64_t run = 0, ref = 0;
	struct cap_step *all = NULL;
	size_t nall = 0;
	int rc = measure(r, n, &run, err);
	if (!rc && n > 1)
		rc = measure(r, 1, &ref, err);
	if (!rc)
		rc = capacity_steps(r->o->st, &r->obj, r->c->head, r->o->seed, &all, &nall, err);
	if (!rc)
		rc = pick(r, all, nall, run, &r->c->steps, &r->c->n, err);
	if (!rc && ref)
		rc = pick(r, all, nall, ref, &r->c->refs, &r->c->nrefs, err);
	free(all);
	return rc;
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
	return rc;
}

void capacity_release(struct capacity *c)
{
	free(c->steps);
	free(c->refs);
	memset(c, 0, sizeof(*c));
}
