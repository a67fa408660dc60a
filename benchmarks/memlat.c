/*
 * memlat: latency of dependent loads (lmbench's lat_mem_rd idea). One
 * pointer per 64-byte line, the lines linked in a random cycle (Sattolo's
 * algorithm), so no prefetcher can guess the next address; ns per load at
 * every working set from --min (16 KiB) to --max (1 GiB, 256 MiB in quick
 * mode), doubling, so the cache levels show as steps. The buffer asks for
 * transparent huge pages, so that the steps are the caches' rather than
 * the TLB's (the tlb benchmark measures that). Each figure is the best of
 * REPS timed walks: interference only ever adds time.
 */
#include "bench.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LINE 64
#define REPS 5
#define QUICK_MAX (256LL << 20)

static void *volatile sink;

/* Links the first n lines of buf into one random cycle. */
static int link_cycle(char *buf, size_t n, uint64_t seed)
{
	uint32_t *idx = bench_random_cycle(n, seed);
	if (!idx)
		return -1;
	for (size_t i = 0; i < n; i++)
		*(void **)(buf + (size_t)idx[i] * LINE) = buf + (size_t)idx[(i + 1) % n] * LINE;
	free(idx);
	return 0;
}

/*
 * Walks loads links on from *at and leaves *at where it stopped: a walk
 * shorter than the cycle goes on to lines not yet touched, where starting
 * again from the same line would re-walk a prefix the last walk left in the
 * cache (on a busy machine the calibrated walk of 256 MiB got that short:
 * 9.6 ns a load where DRAM takes 140).
 */
static double chase(void **at, uint64_t loads)
{
	void **p = *at;
	double t0 = bench_now();
	for (uint64_t i = 0; i < loads; i += 16) {
#define L p = (void **)*p;
		L L L L L L L L L L L L L L L L
#undef L
	}
	double t = bench_now() - t0;
	sink = p;
	*at = p;
	return t;
}

int bench_memlat(struct bench_ctx *b, int argc, char **argv)
{
	long long min = 16LL << 10, max = b->quick ? QUICK_MAX : 1LL << 30;
	char name[64], sz[32];

	for (int i = 1; i < argc; i++) {
		long long *dst = !strcmp(argv[i], "--min") ? &min : !strcmp(argv[i], "--max") ? &max : NULL;
		if (!dst || i + 1 == argc)
			return bench_fail(b, 2, "unknown argument '%s'", argv[i]);
		if ((*dst = bench_parse_size(argv[++i])) < 4096)
			return bench_fail(b, 2, "%s wants a size of at least 4K", argv[i - 1]);
	}
	if (min > max)
		return bench_fail(b, 2, "--min is above --max");
	long long avail = bench_mem_available();
	while (avail > 0 && max > avail / 2 && max > min)
		max /= 2;
	char *buf = bench_map((size_t)max, 1);
	if (!buf)
		return bench_fail(b, 1, "cannot map %lld bytes", max);
	memset(buf, 0, (size_t)max);
	bench_pin(b->cpu[0]);

	int nsizes = 0;
	for (long long s = min; s <= max; s *= 2)
		nsizes++;
	double slice = b->budget * 0.6 / nsizes / REPS;	/* the rest goes to linking */
	for (long long s = min; s <= max; s *= 2) {
		size_t n = (size_t)s / LINE;
		double v[REPS];
		if (link_cycle(buf, n, (uint64_t)s))
			return bench_fail(b, 1, "out of memory linking %lld bytes", s);
		/* warm up: walk the cycle once (or as far as the slice allows), then calibrate */
		void *at = buf;
		uint64_t loads = 1 << 12;
		double t = chase(&at, loads);
		while (t < slice / 4 && loads < n) {
			loads *= 2;
			t = chase(&at, loads);
		}
		loads = (uint64_t)((double)loads * slice / (t > 0 ? t : 1e-9)) + 16;
		for (int r = 0; r < REPS; r++)
			v[r] = chase(&at, loads) / (double)loads * 1e9;
		bench_size_name(s, sz, sizeof(sz));
		snprintf(name, sizeof(name), "memlat.%s", sz);
		bench_sort(v, REPS);
		bench_metric(b, name, v[0], "ns", "lower", 0);
	}
	bench_unmap(buf, (size_t)max);
	struct cache_info ci;
	char l1[32], l2[32], llc[32];
	bench_caches(&ci);
	bench_size_name(ci.l1d, l1, sizeof(l1));
	bench_size_name(ci.l2, l2, sizeof(l2));
	bench_size_name(ci.llc, llc, sizeof(llc));
	bench_note(b, "caches: L1d %s, L2 %s, LLC %s (from %s)", l1, l2, llc, ci.source);
	return 0;
}
