/*
 * cpu: throughput of three kinds of work, on one thread and on one thread
 * per CPU (each pinned):
 *   cpu.int     64-bit integer hashing (4 independent lanes), hashes/s
 *   cpu.fp      blocked 96x96 double matrix multiply, flop/s
 *   cpu.branch  data-dependent branches over random bytes (a jump table the
 *               predictor cannot learn), elements/s
 * Each figure is the best of its repetitions (as STREAM reports: whatever
 * else runs on the machine can only slow a repetition down), with the
 * median as .median; each repetition runs a fixed amount of work calibrated
 * to a time slice, so quick mode is bounded by time, not by work.
 */
#include "bench.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REPS_QUICK 3
#define REPS_FULL 7
#define MAT_N 96
#define MAT_B 32
#define BRANCH_BYTES 65536

struct work {
	const char *name, *unit;
	/* Does n units of work; returns a checksum so nothing is optimized away. */
	uint64_t (*run)(uint64_t n, uint64_t seed);
};

static uint64_t mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	return x ^ (x >> 33);
}

static uint64_t work_int(uint64_t n, uint64_t seed)
{
	uint64_t a = seed, b = seed + 1, c = seed + 2, d = seed + 3;
	for (uint64_t i = 0; i < n; i += 4) {
		a = mix(a + i);
		b = mix(b ^ i);
		c = mix(c - i);
		d = mix(d + (i << 1));
	}
	return a ^ b ^ c ^ d;
}

/* n is a number of flops; one multiply is 2 * N^3 of them. */
static uint64_t work_fp(uint64_t n, uint64_t seed)
{
	static __thread double A[MAT_N][MAT_N], B[MAT_N][MAT_N], C[MAT_N][MAT_N];
	uint64_t per = 2ULL * MAT_N * MAT_N * MAT_N, rounds = (n + per - 1) / per;
	for (int i = 0; i < MAT_N; i++)
		for (int j = 0; j < MAT_N; j++) {
			A[i][j] = (double)((i * 31 + j + (int)seed) % 17) / 16;
			B[i][j] = (double)((i + j * 7) % 13) / 12;
		}
	for (uint64_t r = 0; r < rounds; r++) {
		memset(C, 0, sizeof(C));
		for (int ii = 0; ii < MAT_N; ii += MAT_B)
			for (int kk = 0; kk < MAT_N; kk += MAT_B)
				for (int jj = 0; jj < MAT_N; jj += MAT_B)
					for (int i = ii; i < ii + MAT_B; i++)
						for (int k = kk; k < kk + MAT_B; k++) {
							double a = A[i][k];
							for (int j = jj; j < jj + MAT_B; j++)
								C[i][j] += a * B[k][j];
						}
		A[r % MAT_N][0] = C[(r * 7) % MAT_N][(r * 3) % MAT_N] * 1e-9;
	}
	uint64_t out;
	memcpy(&out, &C[MAT_N / 2][MAT_N / 3], sizeof(out));
	return out;
}

static uint64_t work_branch(uint64_t n, uint64_t seed)
{
	static __thread unsigned char data[BRANCH_BYTES];
	uint64_t s = seed, a = 1, b = 2, c = 3;
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (unsigned char)bench_rand(&s);
	for (uint64_t i = 0; i < n; i++) {
		unsigned x = data[i & (BRANCH_BYTES - 1)];
		switch (x & 7) {
		case 0: a += x; break;
		case 1: b ^= a << 1; break;
		case 2: c -= b; break;
		case 3: a = (a << 3) ^ c; break;
		case 4: b += x * 3; break;
		case 5: c ^= a >> 2; break;
		case 6: a -= c + x; break;
		default: b = (b >> 1) + c; break;
		}
		if (x > 200)
			c += a;
	}
	return a ^ b ^ c;
}

static const struct work works[] = {
	{ "int", "ops/s", work_int },
	{ "fp", "flop/s", work_fp },
	{ "branch", "ops/s", work_branch },
};

static volatile uint64_t sink;

/* Units of work that take about `seconds` on one thread. */
static uint64_t calibrate(const struct work *w, double seconds)
{
	uint64_t n = 1 << 16;
	for (;;) {
		double t0 = bench_now();
		sink ^= w->run(n, 1);
		double t = bench_now() - t0;
		if (t > 0.02 || n > (1ULL << 40))
			return (uint64_t)((double)n * seconds / t) + 1;
		n *= 4;
	}
}

struct par {
	const struct work *w;
	uint64_t n;
	double t0[CPU_SETSIZE], t1[CPU_SETSIZE];
};

static void par_run(int i, void *arg)
{
	struct par *p = arg;
	p->t0[i] = bench_now();
	sink ^= p->w->run(p->n, (uint64_t)i + 7);
	p->t1[i] = bench_now();
}

static double measure(const struct bench_ctx *b, const struct work *w, uint64_t n, int threads)
{
	struct par p = { .w = w, .n = n };
	if (threads == 1) {
		double t0 = bench_now();
		sink ^= w->run(n, 7);
		return (double)n / (bench_now() - t0);
	}
	bench_parallel(b, threads, par_run, &p);
	double start = p.t0[0], end = p.t1[0];
	for (int i = 1; i < threads; i++) {
		if (p.t0[i] < start)
			start = p.t0[i];
		if (p.t1[i] > end)
			end = p.t1[i];
	}
	return (double)n * threads / (end - start);
}

int bench_cpu(struct bench_ctx *b, int argc, char **argv)
{
	int reps = b->quick ? REPS_QUICK : REPS_FULL;
	size_t nw = sizeof(works) / sizeof(*works);
	/* 2 modes per work, reps each, plus calibration: slices fill the budget. */
	double slice = b->budget * 0.85 / (double)(nw * 2 * (size_t)reps);
	double v[REPS_FULL];
	char name[64];

	if (argc > 1)
		return bench_fail(b, 2, "unknown argument '%s'", argv[1]);
	bench_pin(b->cpu[0]);
	for (size_t k = 0; k < nw; k++) {
		uint64_t n = calibrate(&works[k], slice);
		for (int mode = 0; mode < 2; mode++) {
			int threads = mode ? b->threads : 1;
			for (int r = 0; r < reps; r++)
				v[r] = measure(b, &works[k], n, threads);
			snprintf(name, sizeof(name), "cpu.%s.%s", works[k].name, mode ? "nt" : "1t");
			double med = bench_median(v, (size_t)reps);	/* sorts v */
			bench_metric(b, name, v[reps - 1], works[k].unit, "higher", 0);
			snprintf(name, sizeof(name), "cpu.%s.%s.median", works[k].name, mode ? "nt" : "1t");
			bench_metric(b, name, med, works[k].unit, "higher", 0);
		}
	}
	if (b->threads > 1)
		bench_note(b, "nt: %d threads, one per CPU", b->threads);
	return 0;
}
