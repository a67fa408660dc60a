/*
 * In-process companions of scripts/eval-search.sh: the same objective and
 * the same strategy + racing pair the trial loop drives, without the exec
 * target, for quick looks while working on a strategy; and the time to
 * choose the next configuration (scripts/bench-propose.sh).
 *
 *   search-sim table CSV STRATEGY SEEDS SIGMA    rank of the incumbent at
 *                                                budgets 20, 50 and 100
 *   search-sim propose TRIALS PARAMS STRATEGY    ms per propose() after
 *                                                TRIALS observations
 * Build: make build/search-sim. SIM_NOISE=K draws another noise sequence;
 * SIM_NOISE=awk the very draws of scripts/table-objective.awk in
 * eval-search.sh (seed, trial id, repeat 1: trial ids are measurements);
 * SIM_RANKS=1 prints, per seed at budget 50, the reported configuration's
 * rank and the best rank measured at all (to tell exploration from racing);
 * SIM_TRACE=SEED prints that seed's measurements and racing's incumbent.
 */
#include "../search/strategy.h"
#include "../search/racing.h"
#include "../lib/err.h"

#include <math.h>
#include <spawn.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_randist.h>

struct table {
	size_t ncol, nrow;
	unsigned char *opt;	/* nrow x ncol */
	double *perf;
	char **names;
};

static int load(struct table *t, const char *path)
{
	FILE *f = fopen(path, "r");
	char line[8192];
	if (!f || !fgets(line, sizeof(line), f))
		return -1;
	memset(t, 0, sizeof(*t));
	for (char *tok = strtok(line, ",\r\n"); tok; tok = strtok(NULL, ",\r\n")) {
		t->names = realloc(t->names, (t->ncol + 1) * sizeof(char *));
		t->names[t->ncol++] = strdup(tok[0] == '$' ? tok + 1 : tok);
	}
	t->ncol--;	/* the last column is the performance */
	while (fgets(line, sizeof(line), f)) {
		t->opt = realloc(t->opt, (t->nrow + 1) * t->ncol);
		t->perf = realloc(t->perf, (t->nrow + 1) * sizeof(double));
		char *p = line;
		for (size_t c = 0; c < t->ncol; c++) {
			t->opt[t->nrow * t->ncol + c] = (unsigned char)(strtol(p, &p, 10) != 0);
			p++;
		}
		t->perf[t->nrow++] = strtod(p, NULL);
	}
	fclose(f);
	return 0;
}

/* The nearest measured row by Hamming distance, ties to the first. */
static size_t nearest(const struct table *t, const union pval *cfg)
{
	size_t best = 0, bestd = (size_t)-1;
	for (size_t r = 0; r < t->nrow; r++) {
		size_t d = 0;
		for (size_t c = 0; c < t->ncol; c++)
			d += t->opt[r * t->ncol + c] != (unsigned char)cfg[c].b;
		if (d < bestd)
			bestd = d, best = r;
	}
	return best;
}

extern char **environ;

/* z[n] for trials 1..100 of seed, as table-objective.awk draws them (gawk). */
static int awk_noise(int seed, double z[101])
{
	static const char prog[] =
		"BEGIN { for (t = 1; t <= 100; t++) { srand(seed * 1000003 + t * 101 + 1);"
		" u1 = rand(); u2 = rand(); if (u1 < 1e-12) u1 = 1e-12;"
		" printf \"%.17g\\n\", sqrt(-2 * log(u1)) * cos(6.283185307179586 * u2) } }";
	char sv[32];
	int fd[2], status;
	pid_t pid;
	posix_spawn_file_actions_t fa;
	snprintf(sv, sizeof(sv), "seed=%d", seed);
	char *argv[] = { "awk", "-v", sv, (char *)prog, NULL };
	if (pipe(fd))
		return -1;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fd[1], 1);
	posix_spawn_file_actions_addclose(&fa, fd[0]);
	int rc = posix_spawnp(&pid, "awk", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(fd[1]);
	FILE *f = fdopen(fd[0], "r");
	for (int t = 1; t <= 100 && !rc; t++)
		rc = fscanf(f, "%lf", &z[t]) != 1;
	fclose(f);
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status))
		rc = -1;
	return rc ? -1 : 0;
}

static size_t rank_of(const struct table *t, double v)
{
	size_t k = 0;
	for (size_t r = 0; r < t->nrow; r++)
		k += t->perf[r] < v;
	return k;
}

static int table_main(int argc, char **argv)
{
	struct table t;
	char err[ERR_LEN];
	if (argc != 6 || load(&t, argv[2]))
		return fprintf(stderr, "usage: search-sim table CSV STRATEGY SEEDS SIGMA\n"), 2;
	const struct strategy_ops *ops = strategy_find(argv[3]);
	int seeds = atoi(argv[4]);
	double sigma = atof(argv[5]);
	if (!ops)
		return fprintf(stderr, "no strategy %s\n", argv[3]), 2;
	struct space sp;
	space_init(&sp);
	for (size_t c = 0; c < t.ncol; c++) {
		struct param p = { .name = strdup(t.names[c]), .type = P_BOOL };
		p.def.b = t.opt[c];	/* the first row, as eval-search.sh */
		space_add(&sp, &p);
	}
	static const int budgets[] = { 20, 50, 100 };
	static size_t ranks[3][1000];
	union pval *cfg = config_new(&sp);
	for (int seed = 1; seed <= seeds; seed++) {
		struct strategy *s;
		gsl_rng *noise = gsl_rng_alloc(gsl_rng_mt19937);
		const char *stream = getenv("SIM_NOISE");
		double z[101];
		int from_awk = stream && !strcmp(stream, "awk");
		if (from_awk && awk_noise(seed, z))
			return fprintf(stderr, "search-sim: awk failed\n"), 1;
		gsl_rng_set(noise, (unsigned long)seed * 7919 + (stream ? strtoul(stream, NULL, 10) : 0));
		ops->init(&s, &sp, (uint64_t)seed, err);
		struct racing *race = racing_new(&sp, RACING_MAX_REPEATS);
		double base = NAN, seen_best = 0;
		int b = 0;
		for (int n = 1; n <= 100; n++) {
			if (n == 1)
				memcpy(cfg, config_defaults(&sp), sp.n * sizeof(*cfg));
			else if (!racing_next(race, cfg) && ops->propose(s, NULL, cfg, err))
				break;
			double v = t.perf[nearest(&t, cfg)];
			if (n == 1 || v < seen_best)
				seen_best = v;
			if (sigma > 0 && from_awk) {	/* and printed with %.9g, as the awk does */
				char num[64];
				snprintf(num, sizeof(num), "%.9g", v * exp(sigma * z[n]));
				v = strtod(num, NULL);
			} else if (sigma > 0) {
				v *= exp(gsl_ran_gaussian(noise, sigma));
			}
			if (n == 1)
				base = v;
			ops->observe(s, cfg, 1, base / v);
			racing_observe(race, cfg, 1, base / v);
			if (getenv("SIM_TRACE") && seed == atoi(getenv("SIM_TRACE"))) {
				struct racing_entry e;	/* n, true rank, measured, incumbent's rank */
				racing_incumbent(race, &e);
				fprintf(stderr, "%3d rank %4zu  %8.3f  inc rank %4zu n=%zu ", n,
					rank_of(&t, t.perf[nearest(&t, cfg)]), v,
					rank_of(&t, t.perf[nearest(&t, e.cfg)]), e.n);
				for (size_t c = 0; c < t.ncol; c++)
					fputc('0' + cfg[c].b, stderr);
				fputc('\n', stderr);
			}
			if (n == budgets[b]) {
				struct racing_entry e;
				racing_incumbent(race, &e);
				ranks[b][seed - 1] = rank_of(&t, t.perf[nearest(&t, e.cfg)]);
				if (getenv("SIM_RANKS") && budgets[b] == 50)
					fprintf(stderr, "%zu %zu\n", ranks[b][seed - 1], rank_of(&t, seen_best));
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
