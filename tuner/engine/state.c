/* What every file of the engine uses: notices, the clock, the unit baseline (search-int.h). */
#include "search-int.h"
#include "../../lib/clock.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

/* A baseline of 1 for every objective term: scores as plain geometric means. */
double *search_unit_base(const struct objective *o)
{
	double *b = xmalloc((o->n + 1) * sizeof(double));
	for (size_t i = 0; i < o->n; i++)
		b[i] = 1;
	return b;
}

void search_notice(struct search *s, const char *fmt, ...)
{
	char msg[ERR_LEN];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (s->o.notice)
		s->o.notice(s->o.progress_ud, msg);
}

int64_t search_noise_floor(const struct search *s)
{
	int64_t floor = s->o.noise_floor > 0 ? s->o.noise_floor
					      : job_noise_floor(s->o.job, s->o.budget_trials);
	return s->o.budget_trials && floor > s->o.budget_trials ? s->o.budget_trials : floor;
}

size_t search_busy(const struct search *s)
{
	size_t n = 0;
	for (size_t i = 0; i < s->nslots; i++)
		n += s->slots[i].busy;
	return n;
}

int search_race_max(const struct search *s)
{
	return s->repeats ? 1 : job_race_max(s->o.job, s->o.budget_trials);
}

int64_t search_open_baselines(const struct search *s)
{
	int64_t floor = search_noise_floor(s);
	return floor > (int64_t)s->nhosts ? floor : (int64_t)s->nhosts;
}

int64_t search_drift_open(const struct search *s)
{
	return job_drift_open(s->o.job, s->o.budget_trials, search_open_baselines(s), s->nhosts);
}

int64_t search_drift_count(const struct search *s)
{
	int64_t n = s->drift_taken;
	for (size_t i = 0; i < s->nslots; i++)
		n += s->slots[i].busy && s->slots[i].baseline == BASE_DRIFT;
	for (size_t i = 0; i < s->npending; i++)
		n += !s->pending[i].started && s->pending[i].baseline == BASE_DRIFT;
	return n;
}

int64_t search_budget_used(const struct search *s)
{
	int64_t n = s->completed - s->drift_taken;
	for (size_t i = 0; i < s->nslots; i++)
		n += s->slots[i].busy && s->slots[i].baseline != BASE_DRIFT;
	return n;
}

double search_elapsed(const struct search *s)
{
	return s->elapsed_before + (mono() - s->t0);
}
