/*
 * In-process companions of scripts/eval-search.sh: the same objective and
 * the same strategy + racing pair the trial loop drives, without the exec
 * target, for quick looks while working on a strategy; and the time to
 * choose the next configuration (scripts/bench-propose.sh).
 *
 *   search-sim table TABLE.tab STRATEGY SEEDS SIGMA
 *                           rank of the reported configuration (racing_best())
 *                           at budgets 20, 50 and 100,
 *                           the baseline measured 3 times first (a job's
 *                           noise floor); TABLE.tab from eval-search.py prepare
 *   search-sim propose TRIALS PARAMS STRATEGY    ms per propose() after
 *                                                TRIALS observations
 * Build: make build/search-sim. SIM_NOISE=K draws another noise sequence;
 * SIM_RANKS=1 prints, per seed and budget, the reported configuration's
 * rank, the best rank measured at all and racing's repeats so far (to tell
 * exploration from racing);
 * SIM_TRACE=SEED prints that seed's measurements and racing's incumbent.
 */
#include "../search/strategy.h"
#include "../search/racing.h"
#include "evaltable.h"
#include "../lib/err.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_randist.h>


#define NOISE_FLOOR 3	/* the baseline's measurements first, as a job's default */

static int table_main(int argc, char **argv)
{
	struct evaltable t;
	char err[ERR_LEN];
	if (argc != 6)
		return fprintf(stderr, "usage: search-sim table TABLE.tab STRATEGY SEEDS SIGMA\n"), 2;
	if (evaltable_load(&t, argv[2]))
		return 2;
	const struct strategy_ops *ops = strategy_find(argv[3]);
	int seeds = atoi(argv[4]);
	double sigma = atof(argv[5]);
	if (!ops || seeds < 1 || seeds > 1000)
		return fprintf(stderr, "no strategy %s, or seeds not in 1..1000\n", argv[3]), 2;
	const struct space *sp = &t.sp;
	static const int budgets[] = { 20, 50, 100 };
	static size_t ranks[3][1000];
	union pval *cfg = config_new(sp);
	const char *stream = getenv("SIM_NOISE");
	for (int seed = 1; seed <= seeds; seed++) {
		struct strategy *s;
		gsl_rng *noise = gsl_rng_alloc(gsl_rng_mt19937);
		gsl_rng_set(noise, (unsigned long)seed * 7919 + (stream ? strtoul(stream, NULL, 10) : 0));
		ops->init(&s, sp, (uint64_t)seed, err);
		struct racing *race = racing_new(sp, RACING_MAX_REPEATS);
		double base = 0, seen_best = 0, floor[NOISE_FLOOR];
		int b = 0, repeats = 0;
		for (int n = 1; n <= 100; n++) {
			if (n <= NOISE_FLOOR)
				memcpy(cfg, config_defaults(sp), sp->n * sizeof(*cfg));
			else if (racing_next(race, cfg))
				repeats++;
			else if (ops->propose(s, NULL, cfg, err))
				break;
			double v = t.perf[evaltable_nearest(&t, cfg)];
			if (n == 1 || v < seen_best)
				seen_best = v;
			if (t.maximize)
				v = -v;
			if (sigma > 0)
				v *= exp(gsl_ran_gaussian(noise, sigma));
			if (n <= NOISE_FLOOR) {
				floor[n - 1] = v;
				base += log(v) / NOISE_FLOOR;
			}
			if (n >= NOISE_FLOOR)	/* scored once the floor is in */
				for (int k = n == NOISE_FLOOR ? 0 : n - 1; k < n; k++) {
					double x = k < NOISE_FLOOR ? floor[k] : v;
					double sc = t.maximize ? x / exp(base) : exp(base) / x;
					ops->observe(s, cfg, 1, sc);
					racing_observe(race, cfg, 1, sc);
				}
			if (getenv("SIM_TRACE") && seed == atoi(getenv("SIM_TRACE"))) {
				struct racing_entry e;	/* n, true rank, measured, incumbent's rank */
				racing_incumbent(race, &e);
				fprintf(stderr, "%3d rank %5zu  %10.4g  inc rank %5zu n=%zu\n", n,
					evaltable_rank(&t, t.perf[evaltable_nearest(&t, cfg)]), v,
					e.cfg ? evaltable_rank(&t, t.perf[evaltable_nearest(&t, e.cfg)]) : 0,
					e.n);
			}
			if (n == budgets[b]) {
				struct racing_entry e;
				racing_best(race, &e);
				ranks[b][seed - 1] = evaltable_rank(&t, t.perf[evaltable_nearest(&t, e.cfg)]);
				if (getenv("SIM_RANKS"))
					fprintf(stderr, "seed %d budget %d: reported %zu, best measured %zu, "
						"%d repeats\n", seed, budgets[b], ranks[b][seed - 1],
						evaltable_rank(&t, seen_best), repeats);
				b++;
			}
		}
		racing_free(race);
		ops->free(s);
		gsl_rng_free(noise);
	}
	for (int k = 0; k < 3; k++) {
		size_t *r = ranks[k], top = 0;
		for (int i = 0; i < seeds; i++)
			for (int j = i + 1; j < seeds; j++)
				if (r[j] < r[i]) {
					size_t x = r[i];
					r[i] = r[j];
					r[j] = x;
				}
		for (int i = 0; i < seeds; i++)
			top += (double)r[i] < 0.01 * (double)t.nrow;
		double med = seeds % 2 ? (double)r[seeds / 2] : (r[seeds / 2 - 1] + r[seeds / 2]) / 2.0;
		printf("%s budget %3d: median rank %6.1f, top 1%% in %zu/%d\n", argv[3], budgets[k], med,
		       top, seeds);
	}
	return 0;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* A mixed space of nparams parameters: bools, categoricals, ints, floats. */
static int propose_main(int argc, char **argv)
{
	char err[ERR_LEN];
	if (argc != 5)
		return fprintf(stderr, "usage: search-sim propose TRIALS PARAMS STRATEGY\n"), 2;
	int trials = atoi(argv[2]), nparams = atoi(argv[3]);
	const struct strategy_ops *ops = strategy_find(argv[4]);
	if (!ops || trials < 1 || nparams < 1)
		return fprintf(stderr, "bad arguments\n"), 2;
	struct space sp;
	space_init(&sp);
	static char *vals[] = { "a", "b", "c", "d" };
	for (int i = 0; i < nparams; i++) {
		char name[16];
		snprintf(name, sizeof(name), "p%d", i);
		struct param p = { .name = strdup(name) };
		switch (i % 4) {
		case 0: p.type = P_BOOL; break;
		case 1:
			p.type = P_CAT;
			p.nvalues = 4;
			p.values = malloc(4 * sizeof(char *));
			for (int k = 0; k < 4; k++)
				p.values[k] = strdup(vals[k]);
			break;
		case 2: p.type = P_INT; p.min = 0; p.max = 1000; p.step = 1; break;
		case 3: p.type = P_FLOAT; p.min = 0; p.max = 1; break;
		}
		space_add(&sp, &p);
	}
	struct strategy *s;
	gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
	union pval *cfg = config_new(&sp);
	ops->init(&s, &sp, 1, err);
	for (int n = 0; n < trials; n++) {	/* observations of random configurations */
		for (size_t i = 0; i < sp.n; i++)
			cfg[i] = param_draw(&sp.p[i], r);
		ops->observe(s, cfg, 1, 0.5 + gsl_rng_uniform(r));
	}
	int reps = 50;
	double total = 0, worst = 0;
	for (int k = 0; k < reps; k++) {
		double t0 = now();
		if (ops->propose(s, NULL, cfg, err))
			return fprintf(stderr, "propose failed\n"), 1;
		double dt = now() - t0;
		total += dt;
		worst = dt > worst ? dt : worst;
		ops->observe(s, cfg, 1, 0.5 + gsl_rng_uniform(r));
	}
	printf("%s: %.3f ms per propose on average, %.3f ms at most (%d proposals) after %d observed "
	       "trials of %d parameters\n", argv[4], total / reps * 1e3, worst * 1e3, reps, trials,
	       nparams);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "table"))
		return table_main(argc, argv);
	if (argc > 1 && !strcmp(argv[1], "propose"))
		return propose_main(argc, argv);
	fprintf(stderr, "usage: search-sim table|propose ...\n");
	return 2;
}
