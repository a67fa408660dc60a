/*
 * The exec-target workload of scripts/eval-search.sh: the value of the
 * measured row of a prepared table nearest to the trial's configuration
 * (scripts/evaltable.h), times lognormal noise exp(N(0, sigma)) drawn from
 * (seed, trial, repeat), as one metric line named "value". With DRIFT, the
 * host's level steps through 1.0, 0.8, 1.2 every DRIFT trials (by trial
 * id): a drift of +-20% that the configuration has nothing to do with.
 *   table-objective TABLE.tab SIGMA SEED [DRIFT]  (VMTUNE_CONFIG, VMTUNE_TRIAL,
 *                                                  VMTUNE_REPEAT from vmtune)
 */
#include "evaltable.h"
#include "../lib/err.h"
#include "../lib/strbuf.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static uint64_t splitmix(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static double unit(uint64_t *s)
{
	return ((double)(splitmix(s) >> 11) + 0.5) / 9007199254740992.0;	/* (0, 1) */
}

int main(int argc, char **argv)
{
	struct evaltable t;
	struct strbuf sb = STRBUF_INIT;
	char err[ERR_LEN];
	const char *path = getenv("VMTUNE_CONFIG");
	if (argc != 4 && argc != 5)
		return fprintf(stderr, "usage: table-objective TABLE.tab SIGMA SEED [DRIFT]\n"), 2;
	if (!path)
		return fprintf(stderr, "table-objective: no VMTUNE_CONFIG\n"), 2;
	if (evaltable_load(&t, argv[1]))
		return 2;
	union pval *cfg = config_new(&t.sp);
	if (strbuf_read_file(&sb, path, 1 << 20, err) || config_from_json(&t.sp, sb.buf, cfg, err))
		return fprintf(stderr, "table-objective: %s\n", err), 2;
	double sigma = atof(argv[2]), v = t.perf[evaltable_nearest(&t, cfg)];
	if (t.maximize)
		v = -v;
	if (sigma > 0) {
		const char *trial = getenv("VMTUNE_TRIAL"), *rep = getenv("VMTUNE_REPEAT");
		uint64_t s = strtoull(argv[3], NULL, 10) * 1000003ULL +
			     (trial ? strtoull(trial, NULL, 10) : 0) * 101ULL +
			     (rep ? strtoull(rep, NULL, 10) : 0);
		double u1 = unit(&s), u2 = unit(&s);
		v *= exp(sigma * sqrt(-2 * log(u1)) * cos(6.283185307179586 * u2));
	}
	if (argc == 5 && atoll(argv[4]) > 0) {
		static const double level[] = { 1.0, 0.8, 1.2 };
		const char *trial = getenv("VMTUNE_TRIAL");
		v *= level[(trial ? strtoull(trial, NULL, 10) : 0) / (uint64_t)atoll(argv[4]) % 3];
	}
	printf("{\"metric\":\"value\",\"value\":%.17g,\"better\":\"%s\"}\n", v,
	       t.maximize ? "higher" : "lower");
	return 0;
}
