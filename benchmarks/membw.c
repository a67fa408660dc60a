/*
 * membw: STREAM's four kernels (McCalpin) over three arrays of doubles,
 * one thread per CPU, each thread first-touching and then working on its own
 * slice of every array, so pages live where their user runs.
 *
 *   copy  c = a        16 bytes per element (as STREAM counts: read + write)
 *   scale b = s * c    16
 *   add   c = a + b    24
 *   triad a = b + s*c  24
 *
 * Reported as STREAM does: the best repetition in MB/s (10^6 bytes), plus
 * the median. Arrays are at least 4x the last-level cache (STREAM's rule)
 * unless --size says otherwise, or memory or quick mode forbids it, which a
 * note then says.
 *   --size BYTES  per array     --llc BYTES  the last-level cache size to use
 */
#include "bench.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REPS_QUICK 5
#define REPS_FULL 20
#define QUICK_MAX_ARRAY (64LL << 20)
#define MIN_ARRAY (4LL << 20)

enum { COPY, SCALE, ADD, TRIAD, NKERNELS };
static const char *const kname[] = { "copy", "scale", "add", "triad" };
static const int kbytes[] = { 16, 16, 24, 24 };	/* per element */

struct stream {
	double *a, *b, *c;
	size_t n;
	int threads, reps;
	double times[NKERNELS][REPS_FULL];
};

static void slice(const struct stream *s, int i, size_t *lo, size_t *hi)
{
	/* slices on 4 KiB boundaries: a page is touched by one thread only */
	size_t per = (s->n / (size_t)s->threads) & ~(size_t)511;
	*lo = per * (size_t)i;
	*hi = i == s->threads - 1 ? s->n : *lo + per;
}

static void worker(int i, void *arg)
{
	struct stream *s = arg;
	const double q = 3.0;
	size_t lo, hi;
	slice(s, i, &lo, &hi);
	for (size_t j = lo; j < hi; j++) {
		s->a[j] = 1.0;
		s->b[j] = 2.0;
		s->c[j] = 0.0;
	}
	for (int r = 0; r < s->reps; r++) {
		for (int k = 0; k < NKERNELS; k++) {
			double t0 = 0;
			bench_barrier();
			if (i == 0)
				t0 = bench_now();
			switch (k) {
			case COPY:
				memcpy(s->c + lo, s->a + lo, (hi - lo) * sizeof(double));
				break;
			case SCALE:
				for (size_t j = lo; j < hi; j++)
					s->b[j] = q * s->c[j];
				break;
			case ADD:
				for (size_t j = lo; j < hi; j++)
					s->c[j] = s->a[j] + s->b[j];
				break;
			case TRIAD:
				for (size_t j = lo; j < hi; j++)
					s->a[j] = s->b[j] + q * s->c[j];
				break;
			}
			bench_barrier();
			if (i == 0)
				s->times[k][r] = bench_now() - t0;
		}
	}
}

/* STREAM's check: every element followed the same arithmetic. */
static int check(const struct stream *s)
{
	double a = 1, b = 2, c = 0;
	for (int r = 0; r < s->reps; r++) {
		c = a;
		b = 3 * c;
		c = a + b;
		a = b + 3 * c;
	}
	for (size_t j = 0; j < s->n; j += s->n / 97 + 1)
		if (fabs(s->a[j] - a) > 1e-9 * fabs(a) || fabs(s->b[j] - b) > 1e-9 * fabs(b) ||
		    fabs(s->c[j] - c) > 1e-9 * fabs(c))
			return -1;
	return 0;
}

int bench_membw(struct bench_ctx *b, int argc, char **argv)
{
	struct stream s = { .threads = b->threads, .reps = b->quick ? REPS_QUICK : REPS_FULL };
	struct cache_info ci;
	long long size = 0, llc = 0;
	char name[64], sz[32];

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--size") && i + 1 < argc) {
			if ((size = bench_parse_size(argv[++i])) < MIN_ARRAY / 64)
				return bench_fail(b, 2, "--size wants bytes per array, at least 64K");
		} else if (!strcmp(argv[i], "--llc") && i + 1 < argc) {
			if ((llc = bench_parse_size(argv[++i])) <= 0)
				return bench_fail(b, 2, "--llc wants a size in bytes, such as 32M");
		} else {
			return bench_fail(b, 2, "unknown argument '%s'", argv[i]);
		}
	}
	bench_caches(&ci);
	if (!llc)
		llc = ci.llc;
	if (!size) {
		if (!llc)
			return bench_fail(b, 1, "last-level cache size unknown (no sysfs, no cpuid): "
					  "give --llc or --size");
		size = 4 * llc;
		if (size < MIN_ARRAY)
			size = MIN_ARRAY;
		long long avail = bench_mem_available();
		if (avail > 0 && 3 * size > avail / 2) {
			size = avail / 6;
			bench_size_name(size, sz, sizeof(sz));
			bench_note(b, "arrays cut to %s each by available memory: below 4x the "
				   "last-level cache", sz);
		}
		if (b->quick && size > QUICK_MAX_ARRAY) {
			size = QUICK_MAX_ARRAY;
			bench_note(b, "quick: arrays of 64MiB, below 4x the last-level cache "
				   "(%lld MiB, %s)", llc >> 20, ci.source);
		}
	}
	s.n = (size_t)size / sizeof(double);
	if ((size_t)s.threads * 512 > s.n)
		s.threads = 1;
	s.a = bench_map(s.n * sizeof(double), 0);
	s.b = bench_map(s.n * sizeof(double), 0);
	s.c = bench_map(s.n * sizeof(double), 0);
	if (!s.a || !s.b || !s.c)
		return bench_fail(b, 1, "cannot map 3 arrays of %lld bytes", size);
	bench_parallel(b, s.threads, worker, &s);
	if (check(&s))
		return bench_fail(b, 1, "results do not validate: the figures would mean nothing");
	for (int k = 0; k < NKERNELS; k++) {
		/* the first repetition warms up, as in STREAM */
		double *t = s.times[k] + 1, best = INFINITY;
		size_t n = (size_t)s.reps - 1;
		for (size_t r = 0; r < n; r++)
			if (t[r] < best)
				best = t[r];
		double bytes = (double)kbytes[k] * (double)s.n;
		snprintf(name, sizeof(name), "membw.%s", kname[k]);
		bench_metric(b, name, bytes / best / 1e6, "MB/s", "higher", 0);
		snprintf(name, sizeof(name), "membw.%s.median", kname[k]);
		bench_metric(b, name, bytes / bench_median(t, n) / 1e6, "MB/s", "higher", 0);
	}
	bench_size_name((long long)(s.n * sizeof(double)), sz, sizeof(sz));
	bench_note(b, "arrays of %s, %d threads, best of %d", sz, s.threads, s.reps - 1);
	bench_unmap(s.a, s.n * sizeof(double));
	bench_unmap(s.b, s.n * sizeof(double));
	bench_unmap(s.c, s.n * sizeof(double));
	return 0;
}
