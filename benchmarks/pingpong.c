/*
 * pingpong: round-trip latency between two threads pinned to two CPUs,
 * passing a counter back and forth through one shared cache line. The
 * figure on which vCPU pinning layouts differ most (same core, same
 * socket, across sockets, or a vCPU not running at all).
 *   --cpus A,B   the two CPUs (default: the first two allowed)
 */
#include "bench.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REPS_QUICK 5
#define REPS_FULL 11
#define CHECK_EVERY 1024

static struct {
	_Alignas(64) _Atomic uint64_t turn;
	_Alignas(64) _Atomic int stop;
	_Alignas(64) uint64_t rounds;
	double seconds;
	int cpu[2];
} pp;

static void player(int i, void *arg)
{
	(void)arg;
	bench_pin(pp.cpu[i]);
	if (i == 0) {
		double t0 = bench_now(), deadline = t0 + pp.seconds;
		uint64_t n = 0;
		for (;;) {
			atomic_store_explicit(&pp.turn, 2 * n + 1, memory_order_release);
			while (atomic_load_explicit(&pp.turn, memory_order_acquire) != 2 * n + 2)
				;
			n++;
			if (n % CHECK_EVERY == 0 && bench_now() > deadline)
				break;
		}
		pp.seconds = bench_now() - t0;
		pp.rounds = n;
		atomic_store(&pp.stop, 1);
		atomic_store_explicit(&pp.turn, 0, memory_order_release);
	} else {
		uint64_t n = 0;
		while (!atomic_load_explicit(&pp.stop, memory_order_relaxed)) {
			if (atomic_load_explicit(&pp.turn, memory_order_acquire) == 2 * n + 1) {
				atomic_store_explicit(&pp.turn, 2 * n + 2, memory_order_release);
				n++;
			}
		}
	}
}

int bench_pingpong(struct bench_ctx *b, int argc, char **argv)
{
	int reps = b->quick ? REPS_QUICK : REPS_FULL;
	double v[REPS_FULL];

	pp.cpu[0] = b->cpu[0];
	pp.cpu[1] = b->ncpu > 1 ? b->cpu[1] : -1;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--cpus") && i + 1 < argc) {
			if (sscanf(argv[++i], "%d,%d", &pp.cpu[0], &pp.cpu[1]) != 2 || pp.cpu[0] < 0 ||
			    pp.cpu[1] < 0 || pp.cpu[0] == pp.cpu[1])
				return bench_fail(b, 2, "--cpus wants two different CPUs: A,B");
		} else {
			return bench_fail(b, 2, "unknown argument '%s'", argv[i]);
		}
	}
	if (pp.cpu[1] < 0)
		return bench_fail(b, 1, "needs two CPUs, this process may use one");
	for (int r = 0; r < reps; r++) {
		atomic_store(&pp.turn, 0);
		atomic_store(&pp.stop, 0);
		pp.seconds = b->budget * 0.9 / reps;
		bench_parallel(b, 2, player, NULL);
		if (!pp.rounds)
			return bench_fail(b, 1, "no round trip completed");
		v[r] = pp.seconds / (double)pp.rounds * 1e9;
	}
	double med = bench_median(v, (size_t)reps);	/* sorts v */
	bench_metric(b, "pingpong.rtt", v[0], "ns", "lower", 0);
	bench_metric(b, "pingpong.rtt.median", med, "ns", "lower", 0);
	bench_note(b, "CPUs %d and %d", pp.cpu[0], pp.cpu[1]);
	return 0;
}
