#ifndef BENCH_H
#define BENCH_H
/*
 * The harness every microbenchmark shares: options, timing with
 * clock_gettime(CLOCK_MONOTONIC), threads pinned one per CPU, memory, the
 * host's cache sizes, and output.
 *
 * Output: with --json, only metric lines (DESIGN.md) and note lines
 *   {"note":"no hugetlbfs pages: /proc/sys/vm/nr_hugepages is 0"}
 * which carry no metric: a figure that could not be measured is never
 * printed. Without --json, one human line per metric or note.
 *
 * A benchmark returns 0 when it measured, or bench_fail()'s code when it
 * could not (bad arguments: 2; cannot measure here: 1), after one message
 * on stderr. Everything here is linked statically into the guest.
 */
#include <stddef.h>
#include <stdint.h>
#include <sched.h>

struct bench_ctx {
	const char *name;	/* "membw" */
	int quick;		/* at most QUICK_SECONDS of measuring */
	int json;
	int ncpu;		/* CPUs this process may run on */
	int cpu[CPU_SETSIZE];	/* their numbers */
	int threads;		/* --threads, default ncpu */
	double budget;		/* seconds this benchmark may measure for */
	int unpinned;		/* bench_parallel() leaves placement to the scheduler */
};

#define QUICK_SECONDS 2.0
#define FULL_SECONDS 20.0

/* Emits one metric. rep: the repetition (from 1), or 0 for a summary figure. */
void bench_metric(const struct bench_ctx *b, const char *metric, double value, const char *unit,
		  const char *better, int rep);
void bench_note(const struct bench_ctx *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* "vmbench NAME: message" on stderr; returns code. */
int bench_fail(const struct bench_ctx *b, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

double bench_now(void);
/* Pins the calling thread to one CPU; -1 on failure. */
int bench_pin(int cpu);

/*
 * Runs fn(i, arg) on n threads, thread i pinned to the i-th allowed CPU
 * (round robin when n > ncpu) unless b->unpinned, all released together by
 * a barrier. Returns
 * -1 when a thread cannot be started.
 */
int bench_parallel(const struct bench_ctx *b, int n, void (*fn)(int i, void *arg), void *arg);
/* Waits at the barrier of bench_parallel(): every thread of the run. */
void bench_barrier(void);

/* Anonymous memory, 2 MiB aligned; huge: 0 none, 1 madvise THP, -1 forbid THP. NULL on failure. */
void *bench_map(size_t bytes, int huge);
void bench_unmap(void *p, size_t bytes);
/* Bytes of /proc/meminfo MemAvailable, or -1. */
long long bench_mem_available(void);

struct cache_info {
	long long l1d, l2, llc;	/* bytes; 0 when unknown */
	const char *source;	/* "sysfs", "cpuid", "unknown" */
};
void bench_caches(struct cache_info *ci);

/* Parses "64K", "256MiB", "1G", "4096" into bytes; -1 on error. */
long long bench_parse_size(const char *s);
/* Writes "16KiB", "1MiB", "1GiB" for metric names. */
void bench_size_name(long long bytes, char *out, size_t len);

/* The benchmarks: argv[0] is the benchmark's name, options follow. */
int bench_cpu(struct bench_ctx *b, int argc, char **argv);
int bench_membw(struct bench_ctx *b, int argc, char **argv);
int bench_memlat(struct bench_ctx *b, int argc, char **argv);
int bench_tlb(struct bench_ctx *b, int argc, char **argv);
int bench_io(struct bench_ctx *b, int argc, char **argv);
int bench_pingpong(struct bench_ctx *b, int argc, char **argv);
int bench_net(struct bench_ctx *b, int argc, char **argv);

/*
 * 0..n-1 in the order of one random cycle through all of them (Sattolo's
 * algorithm), malloc'd; NULL when out of memory. Pointer chases walk it.
 */
uint32_t *bench_random_cycle(size_t n, uint64_t seed);

/* Sorting helpers for medians and percentiles of timings. */
void bench_sort(double *x, size_t n);
double bench_median(double *x, size_t n);		/* sorts x */
double bench_percentile(double *x, size_t n, double p);	/* sorts x; p in [0, 100] */

/* A small fast generator (splitmix64), seeded explicitly: runs are repeatable. */
static inline uint64_t bench_rand(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

#endif
