/* vmtune capacity's figures, from stored runs (capacity.h). */
#include "capacity.h"
#include "stats.h"
#include "../lib/err.h"
#include "../lib/strbuf.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct done_ids {
	int64_t *id;
	size_t n;
};

static int take_done(const struct trial_row *t, void *ud)
{
	struct done_ids *d = ud;
	if (t->status == TS_DONE) {
		d->id = xrealloc(d->id, (d->n + 1) * sizeof(*d->id));
		d->id[d->n++] = t->id;
	}
	return 0;
}

static int done_trials(struct store *st, int64_t run, struct done_ids *d, char *err)
{
	memset(d, 0, sizeof(*d));
	return store_trials_foreach(st, run, take_done, d, err);
}

int capacity_base(struct store *st, const struct objective *obj, const int64_t *runs,
		  size_t nruns, double *base, char *err)
{
	struct sample *all = NULL;
	size_t nall = 0, ntrials = 0;
	int rc = 0;
	for (size_t r = 0; !rc && r < nruns; r++) {
		struct done_ids d;
		rc = done_trials(st, runs[r], &d, err);
		for (size_t k = 0; !rc && k < d.n; k++) {
			struct sample *s;
			size_t n;
			if ((rc = store_trial_samples(st, d.id[k], &s, &n, err)))
				break;
			all = xrealloc(all, (nall + n + 1) * sizeof(*all));
			ntrials++;
			for (size_t i = 0; i < n; i++)
				all[nall++] = (struct sample){ xstrdup(s[i].metric), (int)ntrials,
							       s[i].value };
			store_samples_free(s, n);
		}
		free(d.id);
	}
	if (!rc && !ntrials)
		rc = (seterr(err, "run %lld: no done trial of one instance to compare with",
			     nruns ? (long long)runs[0] : 0LL), -1);
	if (!rc)
		rc = score_baseline(obj, all, nall, base, err);
	store_samples_free(all, nall);
	return rc;
}

/* The median score over the repeats in samples s; NaN when none. */
static double score_samples(const struct objective *obj, const double *base,
			    const struct sample *s, size_t n, char *err)
{
	size_t nrep;
	double *sc = NULL, v = NAN;
	if (n && !score_repeats(obj, base, s, n, &sc, &nrep, err) && nrep)
		v = stats_median(sc, nrep);
	free(sc);
	return v;
}

double capacity_score(struct store *st, const struct objective *obj, const double *base,
		      int64_t trial, int instance, char *err)
{
	struct sample *s;
	size_t n;
	if (store_instance_samples(st, trial, instance, &s, &n, err))
		return NAN;
	double v = score_samples(obj, base, s, n, err);
	store_samples_free(s, n);
	return v;
}

int capacity_step(struct store *st, const struct objective *obj, const double *base, int64_t run,
		  int instances, uint64_t seed, struct cap_step *out, char *err)
{
	struct done_ids d;
	if (done_trials(st, run, &d, err))
		return -1;
	*out = (struct cap_step){ .instances = instances, .run = run, .score = NAN, .lo = NAN,
				  .hi = NAN, .worst = NAN, .mem_mib = NAN, .cpu_s = NAN };
	double *sc = xcalloc(d.n + 1, sizeof(double)), *wo = xcalloc(d.n + 1, sizeof(double));
	double *mem = xcalloc(d.n + 1, sizeof(double)), *cpu = xcalloc(d.n + 1, sizeof(double));
	size_t ns = 0, nw = 0, nm = 0, nc = 0;
	for (size_t k = 0; k < d.n; k++) {
		struct sample *s;
		size_t n;
		if (store_trial_samples(st, d.id[k], &s, &n, err))
			continue;
		double v = score_samples(obj, base, s, n, err), w = instances > 1 ? NAN : v;
		if (isfinite(v))
			sc[ns++] = v;
		for (int i = 1; instances > 1 && i <= instances; i++) {	/* the worst VM's own */
			double x = capacity_score(st, obj, base, d.id[k], i, err);
			if (isfinite(x) && (!isfinite(w) || x < w))
				w = x;
		}
		if (isfinite(w))
			wo[nw++] = w;
		double m = sample_median(s, n, "host.mem.pss_peak", -1);
		double c = sample_median(s, n, "host.cpu.time", -1);
		if (isfinite(m))
			mem[nm++] = m / instances;
		if (isfinite(c))
			cpu[nc++] = c / instances;
		store_samples_free(s, n);
	}
	out->n = d.n;
	if (ns) {
		out->score = stats_median(sc, ns);
		if (stats_bootstrap_median_ci(sc, ns, 0.95, 2000, seed, &out->lo, &out->hi))
			out->lo = out->hi = NAN;	/* one measurement: no interval */
	}
	out->worst = nw ? stats_median(wo, nw) : NAN;
	out->mem_mib = nm ? stats_median(mem, nm) : NAN;
	out->cpu_s = nc ? stats_median(cpu, nc) : NAN;
	free(sc);
	free(wo);
	free(mem);
	free(cpu);
	free(d.id);
	return 0;
}

struct series {
	int64_t head;
	int64_t *runs;
	int *inst;
	size_t n;
};

static int take_run(const struct run_info *ri, void *ud)
{
	struct series *s = ud;
	if (ri->id != s->head && ri->capacity_of != s->head)
		return 0;
	size_t i = s->n;
	s->runs = xrealloc(s->runs, (s->n + 1) * sizeof(*s->runs));
	s->inst = xrealloc(s->inst, (s->n + 1) * sizeof(*s->inst));
	while (i > 0 && s->runs[i - 1] > ri->id) {	/* in the order measured */
		s->runs[i] = s->runs[i - 1];
		s->inst[i] = s->inst[i - 1];
		i--;
	}
	s->runs[i] = ri->id;
	s->inst[i] = ri->instances;
	s->n++;
	return 0;
}

int capacity_series(struct store *st, int64_t head, int64_t **runs, int **instances, size_t *n,
		    char *err)
{
	struct series s = { .head = head };
	if (store_runs_foreach(st, take_run, &s, err)) {
		free(s.runs);
		free(s.inst);
		return -1;
	}
	*runs = s.runs;
	*instances = s.inst;
	*n = s.n;
	return 0;
}

/* The one-VM runs that step i is scored against, their count: for N > 1, the nearest in time
 * before it and after it; for one VM, the first (a later one-VM run is the first measured
 * again: it says how far the host's own speed moved). */
static size_t references_of(const int64_t *runs, const int *inst, size_t n, size_t i,
			    int64_t ref[2])
{
	size_t k = 0;
	if (inst[i] == 1)
		return ref[0] = runs[0], 1;
	for (size_t j = i; j-- > 0;)
		if (inst[j] == 1) {
			ref[k++] = runs[j];
			break;
		}
	for (size_t j = i + 1; j < n; j++)
		if (inst[j] == 1) {
			ref[k++] = runs[j];
			break;
		}
	return k;
}

int capacity_steps(struct store *st, const struct objective *obj, int64_t head, uint64_t seed,
		   struct cap_step **steps, size_t *nsteps, char *err)
{
	int64_t *runs = NULL;
	int *inst = NULL;
	size_t n = 0;
	*steps = NULL;
	*nsteps = 0;
	if (capacity_series(st, head, &runs, &inst, &n, err))
		return -1;
	int rc = 0;
	double *base = xcalloc(obj->n + 1, sizeof(double));
	for (size_t i = 0; i < n; i++) {
		int64_t ref[2];
		size_t nref = references_of(runs, inst, n, i, ref);
		struct cap_step c;
		if (!nref || capacity_base(st, obj, ref, nref, base, err)) {
			if (!i) {	/* the first one-VM run has no done trial: nothing to score */
				rc = -1;
				break;
			}
			continue;
		}
		if ((rc = capacity_step(st, obj, base, runs[i], inst[i], seed, &c, err)))
			break;
		c.reference = i > 0 && inst[i] == 1;
		*steps = xrealloc(*steps, (*nsteps + 1) * sizeof(**steps));
		(*steps)[(*nsteps)++] = c;
	}
	free(base);
	free(runs);
	free(inst);
	if (rc) {
		free(*steps);
		*steps = NULL;
		*nsteps = 0;
	}
	return rc;
}
