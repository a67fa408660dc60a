#include "floor.h"
#include "stats.h"
#include "../lib/err.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int trial_score(struct store *st, const struct objective *o, const double *base, int64_t trial,
		double *score, double **per_repeat, size_t *nrep, char *err)
{
	struct sample *smp;
	size_t n, nr;
	double *sc;
	if (store_trial_samples(st, trial, &smp, &n, err))
		return -1;
	int rc = score_repeats(o, base, smp, n, &sc, &nr, err);
	store_samples_free(smp, n);
	if (rc)
		return -1;
	*score = stats_median(sc, nr);
	if (per_repeat)
		*per_repeat = sc, *nrep = nr;
	else
		free(sc);
	return 0;
}

int floor_base(struct store *st, const struct objective *o, const int64_t *ids, size_t n,
	       double *base, char *err)
{
	struct sample *all = NULL, *smp;
	struct sample **keep = xcalloc(n + 1, sizeof(*keep));
	size_t *nkeep = xcalloc(n + 1, sizeof(*nkeep)), nall = 0, ns;
	int rc = 0;
	if (!n) {
		seterr(err, "the noise floor has no measurement");
		rc = -1;
	}
	for (size_t k = 0; k < n && !rc; k++) {
		if (store_trial_samples(st, ids[k], &smp, &ns, err)) {
			rc = -1;
			break;
		}
		keep[k] = smp;
		nkeep[k] = ns;
		all = xrealloc(all, (nall + ns + 1) * sizeof(*all));
		memcpy(all + nall, smp, ns * sizeof(*smp));
		nall += ns;
	}
	if (!rc)
		rc = score_baseline(o, all, nall, base, err);
	for (size_t k = 0; k < n; k++)
		if (keep[k])
			store_samples_free(keep[k], nkeep[k]);
	free(keep);
	free(nkeep);
	free(all);
	return rc;
}

double pooled_sd(const double *x, const int *group, size_t n, double *mean)
{
	double ss = 0, sum = 0;
	size_t groups = 0;
	for (size_t i = 0; i < n; i++) {
		double gsum = 0;
		size_t gn = 0, first = i;
		for (size_t j = 0; j < n; j++)
			if ((group ? group[j] : 0) == (group ? group[i] : 0)) {
				gsum += x[j], gn++;
				if (j < first)
					first = j;
			}
		ss += (x[i] - gsum / (double)gn) * (x[i] - gsum / (double)gn);
		sum += x[i];
		groups += first == i;	/* counted at its first member */
	}
	*mean = n ? sum / (double)n : NAN;
	return n > groups ? sqrt(ss / (double)(n - groups)) : NAN;
}

/* Each trial's host, as a small number (trials on one host share it). */
static int *host_groups(struct store *st, const int64_t *ids, size_t n, char *err)
{
	int *g = xcalloc(n + 1, sizeof(*g));
	char **seen = xcalloc(n + 1, sizeof(*seen));
	struct strbuf host = STRBUF_INIT;
	size_t ns = 0;
	double t;
	for (size_t k = 0; k < n; k++) {
		if (store_trial_place(st, ids[k], &host, &t, err)) {
			free(g);
			g = NULL;
			break;
		}
		for (g[k] = 0; (size_t)g[k] < ns && strcmp(seen[g[k]], host.buf); g[k]++)
			;
		if ((size_t)g[k] == ns)
			seen[ns++] = xstrdup(host.buf);
	}
	for (size_t i = 0; i < ns; i++)
		free(seen[i]);
	free(seen);
	strbuf_release(&host);
	return g;
}

int objective_for_noise(struct store *st, const struct objective *o, double max_cov,
			const int64_t *ids, size_t n, struct objective *out, struct strbuf *said,
			char *err)
{
	/* v[i * n + k]: term i's median in trial k, g its host; each trial read once */
	double *v = xcalloc(o->n * n + 1, sizeof(double));
	int *g = xcalloc(o->n * n + 1, sizeof(int)), *host = host_groups(st, ids, n, err);
	size_t dropped = 0, *nv = xcalloc(o->n + 1, sizeof(*nv));
	struct strbuf list = STRBUF_INIT;
	objective_copy(out, o);
	out->max_cov = max_cov;
	for (size_t k = 0; host && max_cov > 0 && n >= 3 && k < n; k++) {
		struct sample *smp;
		size_t ns;
		if (store_trial_samples(st, ids[k], &smp, &ns, err)) {
			free(host);
			host = NULL;
			break;
		}
		for (size_t i = 0; i < o->n; i++) {
			double x = sample_median(smp, ns, o->t[i].metric, -1);
			if (!isnan(x))
				g[i * n + nv[i]] = host[k], v[i * n + nv[i]++] = x;
		}
		store_samples_free(smp, ns);
	}
	if (!host) {
		free(v);
		free(g);
		free(nv);
		strbuf_release(&list);
		objective_release(out);
		return -1;
	}
	for (size_t i = 0; max_cov > 0 && n >= 3 && i < o->n; i++) {
		/* within each host: hosts that differ are not noise */
		double mean, s = pooled_sd(v + i * n, g + i * n, nv[i], &mean);
		if (nv[i] >= 3 && mean > 0 && s / mean > max_cov) {
			strbuf_addf(&list, "%s%s (%.0f%%)", dropped ? ", " : "", o->t[i].metric,
				    100 * s / mean);
			out->t[i].weight = 0;
			dropped++;
		}
	}
	free(v);
	free(g);
	free(host);
	free(nv);
	if (dropped == o->n) {	/* never every metric: a score of nothing means nothing */
		for (size_t i = 0; i < o->n; i++)
			out->t[i].weight = o->t[i].weight;
		strbuf_addf(said, "every objective metric varies by more than %.0f%% over the noise "
			    "floor: all are kept, and the verdict will be wide", 100 * max_cov);
	} else if (dropped) {
		strbuf_addf(said, "left out of the score, noisier than max_cov %.0f%% over the noise "
			    "floor (still measured and reported): %s", 100 * max_cov, list.buf);
	}
	strbuf_release(&list);
	return 0;
}

static int by_cov(const void *x, const void *y)
{
	double a = ((const struct noise_metric *)x)->cov, b = ((const struct noise_metric *)y)->cov;
	return (b > a) - (b < a);
}

void noise_format(const struct noise *nz, size_t top, struct strbuf *out)
{
	if (nz->n < 2) {
		strbuf_addf(out, "unknown: the defaults were measured %zu time%s", nz->n,
			    nz->n == 1 ? "" : "s");
		return;
	}
	if (!isfinite(nz->score_sd)) {	/* spreads are taken within a host (and level) */
		strbuf_addf(out, "unknown: %zu measurements of the defaults, none twice on one host",
			    nz->n);
		return;
	}
	strbuf_addf(out, "score %.1f%% over %zu measurements of the defaults", 100 * nz->score_sd,
		    nz->n);
	for (size_t i = 0; i < nz->nm && i < top; i++)
		strbuf_addf(out, "%s %s %.0f%%", i ? "," : "; noisiest metrics:", nz->m[i].metric,
			    100 * nz->m[i].cov);
}

void noise_release(struct noise *nz)
{
	for (size_t i = 0; i < nz->nm; i++)
		free(nz->m[i].metric);
	free(nz->m);
	memset(nz, 0, sizeof(*nz));
}

/* The index of metric in mt, added (at the end of m) when it is new. */
static size_t metric_index(struct metric_table *mt, const char *metric)
{
	size_t lo = 0, hi = mt->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int d = strcmp(mt->m[mt->by_name[mid]].metric, metric);
		if (!d)
			return mt->by_name[mid];
		if (d < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	mt->m = xrealloc(mt->m, (mt->n + 1) * sizeof(*mt->m));
	mt->m[mt->n] = (struct metric_values){ .metric = xstrdup(metric), .last = -1 };
	mt->by_name = xrealloc(mt->by_name, (mt->n + 1) * sizeof(*mt->by_name));
	memmove(mt->by_name + lo + 1, mt->by_name + lo, (mt->n - lo) * sizeof(*mt->by_name));
	mt->by_name[lo] = mt->n;
	return mt->n++;
}

int metric_table_add(struct metric_table *mt, struct store *st, int64_t trial, int side,
		     char *err)
{
	struct sample *smp;
	size_t n;
	if (store_trial_samples(st, trial, &smp, &n, err))
		return -1;
	struct sample *sorted = xmalloc((n + 1) * sizeof(*sorted));
	memcpy(sorted, smp, n * sizeof(*smp));
	samples_sort(sorted, n);
	for (size_t k = 0; k < n; k++) {	/* in the order stored: new metrics keep it */
		size_t i = metric_index(mt, smp[k].metric);	/* may move mt->m */
		struct metric_values *mv = &mt->m[i];
		if (mv->last == trial)	/* one value per trial: its median */
			continue;
		mv->last = trial;
		mv->v[side] = xrealloc(mv->v[side], (mv->n[side] + 1) * sizeof(double));
		mv->v[side][mv->n[side]++] = sample_median_sorted(sorted, n, smp[k].metric);
	}
	free(sorted);
	store_samples_free(smp, n);
	return 0;
}

void metric_table_release(struct metric_table *mt)
{
	for (size_t i = 0; i < mt->n; i++) {
		free(mt->m[i].metric);
		free(mt->m[i].v[0]);
		free(mt->m[i].v[1]);
	}
	free(mt->m);
	free(mt->by_name);
	memset(mt, 0, sizeof(*mt));
}

int noise_measure(struct store *st, const int64_t *ids, const double *scores, const int *group,
		  size_t n, struct noise *nz, char *err)
{
	struct metric_table mt = { 0 };
	double *logs = xcalloc(n + 1, sizeof(double)), mean;
	int **g = NULL;		/* g[i][j]: the group of metric i's value j */
	size_t ng = 0;
	int ret = 0;

	memset(nz, 0, sizeof(*nz));
	for (size_t k = 0; k < n && !ret; k++) {
		logs[nz->n++] = log(scores[k]);
		ret = metric_table_add(&mt, st, ids[k], 0, err);
		g = xrealloc(g, (mt.n + 1) * sizeof(*g));
		for (; ng < mt.n; ng++)
			g[ng] = xcalloc(n + 1, sizeof(int));
		for (size_t i = 0; i < mt.n; i++)
			if (mt.m[i].last == ids[k])
				g[i][mt.m[i].n[0] - 1] = group ? group[k] : 0;
	}
	nz->score_sd = pooled_sd(logs, group, nz->n, &mean);
	nz->m = xcalloc(mt.n + 1, sizeof(*nz->m));
	for (size_t i = 0; i < mt.n; i++) {
		struct metric_values *mv = &mt.m[i];
		double s = pooled_sd(mv->v[0], g[i], mv->n[0], &mean);
		if (!isnan(s) && mean > 0) {
			nz->m[nz->nm++] = (struct noise_metric){ .metric = mv->metric, .cov = s / mean };
			mv->metric = NULL;	/* nz owns it */
		}
	}
	qsort(nz->m, nz->nm, sizeof(*nz->m), by_cov);
	for (size_t i = 0; i < ng; i++)
		free(g[i]);
	free(g);
	metric_table_release(&mt);
	free(logs);
	return ret;
}
