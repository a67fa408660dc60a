/*
 * tlb: what huge pages buy. Dependent loads, one per 4 KiB of a buffer far
 * beyond the TLB's reach (--size, 1 GiB; 256 MiB in quick mode), visiting the
 * 4 KiB blocks in a random cycle, each at a different line so the caches
 * see the same pattern whatever the page size. The same walk runs on
 *   tlb.4k       4 KiB pages (transparent huge pages forbidden)
 *   tlb.thp      transparent huge pages (madvise), checked in smaps
 *   tlb.hugetlb  hugetlbfs pages (MAP_HUGETLB), when the system has them
 * in ns per access. Where a page size is not available, a note says why and
 * no figure is printed.
 */
#include "bench.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define BLOCK 4096
#define REPS 5
#define QUICK_SIZE (256LL << 20)
#define FULL_SIZE (1LL << 30)
#define HUGE_2M (2UL << 20)	/* bench_map() aligns to it */

static void *volatile sink;

/*
 * The line used in a block: a hash of the block number, so that with
 * physically contiguous huge pages the lines still spread over every cache
 * set (block % 64 would tie the line to the block's low bits and leave most
 * sets unused, making huge pages look slower than they are).
 */
static size_t line_of(size_t block)
{
	return (size_t)(((uint64_t)block * 0x9e3779b97f4a7c15ULL) >> 58) * 64;
}

/* Links one line of every 4 KiB block of buf into a random cycle. */
static int link_blocks(char *buf, size_t nblocks, uint64_t seed)
{
	uint32_t *idx = bench_random_cycle(nblocks, seed);
	if (!idx)
		return -1;
	for (size_t i = 0; i < nblocks; i++) {
		size_t from = idx[i], to = idx[(i + 1) % nblocks];
		*(void **)(buf + from * BLOCK + line_of(from)) = buf + to * BLOCK + line_of(to);
	}
	free(idx);
	return 0;
}

static double walk(char *buf, size_t nblocks, double slice)
{
	void **p = (void **)(buf + line_of(0));
	double v[REPS];
	/* one full lap warms caches and TLB alike */
	for (size_t i = 0; i < nblocks; i++)
		p = (void **)*p;
	uint64_t loads = nblocks;
	double t0 = bench_now();
	for (uint64_t i = 0; i < loads; i++)
		p = (void **)*p;
	double t = bench_now() - t0;
	loads = (uint64_t)((double)loads * slice / (t > 0 ? t : 1e-9)) + 1;
	for (int r = 0; r < REPS; r++) {
		t0 = bench_now();
		for (uint64_t i = 0; i < loads; i++)
			p = (void **)*p;
		v[r] = (bench_now() - t0) / (double)loads * 1e9;
	}
	sink = p;
	bench_sort(v, REPS);
	return v[0];	/* the best walk: interference only adds time */
}

/* kB of AnonHugePages in the mapping that holds addr (from /proc/self/smaps). */
static long long thp_kb(const void *addr)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	char line[512];
	int inside = 0;
	long long kb = -1;
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		unsigned long lo, hi;
		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2) {
			if (inside)
				break;
			inside = (unsigned long)addr >= lo && (unsigned long)addr < hi;
		} else if (inside && sscanf(line, "AnonHugePages: %lld kB", &kb) == 1) {
			break;
		}
	}
	fclose(f);
	return kb;
}

static int thp_mode(char *out, size_t len)
{
	FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");
	if (!f)
		return -1;
	char *r = fgets(out, (int)len, f);
	fclose(f);
	return r ? 0 : -1;
}

int bench_tlb(struct bench_ctx *b, int argc, char **argv)
{
	long long size = b->quick ? QUICK_SIZE : FULL_SIZE;
	double slice;
	char mode[128];

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--size") && i + 1 < argc) {
			size = bench_parse_size(argv[++i]);
			if (size < (long long)(4 * HUGE_2M))
				return bench_fail(b, 2, "--size wants at least 8M");
		} else {
			return bench_fail(b, 2, "unknown argument '%s'", argv[i]);
		}
	}
	size &= ~(long long)(HUGE_2M - 1);
	long long avail = bench_mem_available();
	if (avail > 0 && size > avail / 3)
		return bench_fail(b, 1, "%lld MiB would not fit in available memory (%lld MiB)",
				  size >> 20, avail >> 20);
	size_t nblocks = (size_t)size / BLOCK;
	slice = b->budget * 0.5 / 3 / REPS;
	bench_pin(b->cpu[0]);

	/* 4 KiB pages */
	char *buf = bench_map((size_t)size, -1);
	if (!buf)
		return bench_fail(b, 1, "cannot map %lld MiB", size >> 20);
	if (link_blocks(buf, nblocks, 42))
		return bench_fail(b, 1, "out of memory");
	bench_metric(b, "tlb.4k", walk(buf, nblocks, slice), "ns", "lower", 0);
	munmap(buf, (size_t)size);

	/* transparent huge pages */
	if (thp_mode(mode, sizeof(mode)) || strstr(mode, "[never]")) {
		bench_note(b, "no transparent huge pages (enabled: %s)",
			   strtok(mode, "\n") ? mode : "absent");
	} else if (!(buf = bench_map((size_t)size, 1))) {
		return bench_fail(b, 1, "cannot map %lld MiB", size >> 20);
	} else {
		if (link_blocks(buf, nblocks, 42))
			return bench_fail(b, 1, "out of memory");
		long long kb = thp_kb(buf);
		if (kb * 1024 < size * 9 / 10)
			bench_note(b, "transparent huge pages asked for but %lld of %lld MiB got them: "
				   "no thp figure", kb > 0 ? kb >> 10 : 0, size >> 20);
		else
			bench_metric(b, "tlb.thp", walk(buf, nblocks, slice), "ns", "lower", 0);
		munmap(buf, (size_t)size);
	}

	/* hugetlbfs */
	buf = mmap(NULL, (size_t)size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | MAP_POPULATE, -1, 0);
	if (buf == MAP_FAILED) {
		bench_note(b, "no hugetlbfs pages for %lld MiB (%s): reserve them with "
			   "vm.nr_hugepages", size >> 20, strerror(errno));
	} else {
		if (link_blocks(buf, nblocks, 42))
			return bench_fail(b, 1, "out of memory");
		bench_metric(b, "tlb.hugetlb", walk(buf, nblocks, slice), "ns", "lower", 0);
		munmap(buf, (size_t)size);
	}
	bench_note(b, "%lld MiB, one access per 4 KiB in a random cycle", size >> 20);
	return 0;
}
