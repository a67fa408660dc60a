/*
 * vmbench: the bundled microbenchmarks in one static program (the guest's
 * initramfs holds it), and the harness they share.
 *
 *   vmbench BENCH [--quick] [--json] [--threads N] [options of BENCH]
 */
#include "bench.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

static const struct {
	const char *name;
	int (*fn)(struct bench_ctx *, int, char **);
	const char *usage;
} benches[] = {
	{ "cpu", bench_cpu, "integer hash, blocked matrix multiply and branchy code, ops/s: one "
	  "thread and one per CPU" },
	{ "membw", bench_membw, "STREAM copy, scale, add, triad in MB/s  [--size BYTES per array] "
	  "[--llc BYTES]" },
	{ "memlat", bench_memlat, "dependent loads over a random cycle, ns per load, 16 KiB to 1 GiB "
	  "[--min BYTES] [--max BYTES]" },
	{ "tlb", bench_tlb, "one access per page in random order, ns: 4 KiB pages, THP, hugetlbfs "
	  "[--size BYTES]" },
	{ "io", bench_io, "O_DIRECT: 4 KiB random IOPS at QD 1 and 32, 1 MiB sequential MB/s, fsync "
	  "latency  PATH... [--size BYTES] [--create]" },
	{ "pingpong", bench_pingpong, "round trip between two threads on two CPUs through one cache "
	  "line, ns" },
	{ "net", bench_net, "TCP stream MB/s both ways and 1-byte round trip p50/p99 us; both ends "
	  "over loopback, or [--connect ADDR:PORT] | [--server [--bind ADDR] [--port P] "
	  "[--max-seconds S]]" },
};
#define NBENCH (sizeof(benches) / sizeof(*benches))

/* ---- output ----------------------------------------------------------- */

static void json_string(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			printf("\\u%04x", *s);
		else
			putchar(*s);
	}
	putchar('"');
}

void bench_metric(const struct bench_ctx *b, const char *metric, double value, const char *unit,
		  const char *better, int rep)
{
	if (!isfinite(value))
		return;	/* never a made-up figure; callers check, this is the last guard */
	if (b->json) {
		printf("{\"metric\":");
		json_string(metric);
		printf(",\"value\":%.6g,\"unit\":", value);
		json_string(unit);
		printf(",\"better\":\"%s\"", better);
		if (rep)
			printf(",\"rep\":%d", rep);
		printf("}\n");
	} else {
		printf("%-28s %14.6g %-6s", metric, value, unit);
		if (rep)
			printf(" (rep %d)", rep);
		putchar('\n');
	}
	fflush(stdout);
}

void bench_note(const struct bench_ctx *b, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (b->json) {
		printf("{\"note\":");
		json_string(msg);
		printf(",\"bench\":\"%s\"}\n", b->name);
	} else {
		printf("# %s: %s\n", b->name, msg);
	}
	fflush(stdout);
}

int bench_fail(const struct bench_ctx *b, int code, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "vmbench %s: ", b->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return code;
}

/* ---- time, threads, memory ------------------------------------------- */

double bench_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int bench_pin(int cpu)
{
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return pthread_setaffinity_np(pthread_self(), sizeof(set), &set) ? -1 : 0;
}

static pthread_barrier_t barrier;

void bench_barrier(void)
{
	pthread_barrier_wait(&barrier);
}

struct thread_arg {
	int i, cpu;
	void (*fn)(int, void *);
	void *arg;
};

static void *thread_main(void *p)
{
	struct thread_arg *t = p;
	if (t->cpu >= 0)
		bench_pin(t->cpu);
	bench_barrier();
	t->fn(t->i, t->arg);
	return NULL;
}

int bench_parallel(const struct bench_ctx *b, int n, void (*fn)(int i, void *arg), void *arg)
{
	pthread_t *tid = calloc((size_t)n, sizeof(*tid));
	struct thread_arg *ta = calloc((size_t)n, sizeof(*ta));
	int started = 0, ret = 0;
	if (!tid || !ta)
		return -1;
	pthread_barrier_init(&barrier, NULL, (unsigned)n);
	for (int i = 0; i < n; i++) {
		ta[i] = (struct thread_arg){ .i = i, .cpu = b->unpinned ? -1 : b->cpu[i % b->ncpu],
					     .fn = fn, .arg = arg };
		if (pthread_create(&tid[i], NULL, thread_main, &ta[i])) {
			ret = -1;
			break;
		}
		started++;
	}
	if (ret) {
		/* the barrier cannot be met: nothing sensible to measure */
		fprintf(stderr, "vmbench %s: cannot start thread %d of %d\n", b->name, started + 1, n);
		exit(1);
	}
	for (int i = 0; i < started; i++)
		pthread_join(tid[i], NULL);
	pthread_barrier_destroy(&barrier);
	free(tid);
	free(ta);
	return ret;
}

void *bench_map(size_t bytes, int huge)
{
	/* 2 MiB aligned, so that huge pages (or their absence) cover all of it */
	size_t align = 2UL << 20, len = bytes + align;
	char *raw = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (raw == MAP_FAILED)
		return NULL;
	char *p = (char *)(((unsigned long)raw + align - 1) & ~(align - 1));
	if (p > raw)
		munmap(raw, (size_t)(p - raw));
	if (raw + len > p + bytes)
		munmap(p + bytes, (size_t)(raw + len - (p + bytes)));
	if (huge > 0)
		madvise(p, bytes, MADV_HUGEPAGE);
	else if (huge < 0)
		madvise(p, bytes, MADV_NOHUGEPAGE);
	return p;
}

void bench_unmap(void *p, size_t bytes)
{
	if (p)
		munmap(p, bytes);
}

static long long meminfo(const char *key)
{
	FILE *f = fopen("/proc/meminfo", "r");
	char line[256];
	long long v = -1;
	size_t n = strlen(key);
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, n) && line[n] == ':') {
			v = strtoll(line + n + 1, NULL, 10) * 1024;
			break;
		}
	fclose(f);
	return v;
}

long long bench_mem_available(void)
{
	return meminfo("MemAvailable");
}

/* ---- caches ----------------------------------------------------------- */

static long long read_size(const char *path)
{
	FILE *f = fopen(path, "r");
	char buf[64];
	long long v = 0;
	if (!f)
		return 0;
	if (fgets(buf, sizeof(buf), f))
		v = bench_parse_size(buf);
	fclose(f);
	return v > 0 ? v : 0;
}

static int read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	char *r = fgets(buf, (int)len, f);
	fclose(f);
	if (!r)
		return -1;
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

static int caches_sysfs(struct cache_info *ci)
{
	char path[128], type[32], level[8];
	int found = 0;
	for (int i = 0; i < 16; i++) {
		snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu0/cache/index%d/level", i);
		if (read_line(path, level, sizeof(level)))
			break;
		snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu0/cache/index%d/type", i);
		if (read_line(path, type, sizeof(type)) || !strcmp(type, "Instruction"))
			continue;
		snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu0/cache/index%d/size", i);
		long long sz = read_size(path);
		int lv = atoi(level);
		if (lv == 1)
			ci->l1d = sz;
		else if (lv == 2)
			ci->l2 = sz;
		if (lv >= 2 && sz > 0)
			ci->llc = sz;	/* the highest level seen last wins */
		found = 1;
	}
	return found && ci->l1d ? 0 : -1;
}

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
/* CPUID leaf 4 (Intel) or 0x8000001D (AMD), then AMD's legacy leaves. */
static int caches_cpuid(struct cache_info *ci)
{
	unsigned a, b, c, d, max_ext;
	static const unsigned leaves[] = { 4, 0x8000001d };
	__cpuid(0x80000000, max_ext, b, c, d);
	for (size_t l = 0; l < 2; l++) {
		if (leaves[l] > 0x80000000 && max_ext < leaves[l])
			continue;
		for (unsigned i = 0; i < 8; i++) {
			__cpuid_count(leaves[l], i, a, b, c, d);
			unsigned type = a & 31, level = (a >> 5) & 7;
			if (!type)
				break;
			if (type == 2)
				continue;	/* instruction cache */
			long long sz = (long long)(((b >> 22) & 0x3ff) + 1) * (((b >> 12) & 0x3ff) + 1) *
				       ((b & 0xfff) + 1) * (c + 1);
			if (level == 1)
				ci->l1d = sz;
			else if (level == 2)
				ci->l2 = sz;
			if (level >= 2)
				ci->llc = sz;
		}
		if (ci->l1d)
			return 0;
	}
	if (max_ext >= 0x80000006) {
		__cpuid(0x80000005, a, b, c, d);
		ci->l1d = (long long)(c >> 24) * 1024;
		__cpuid(0x80000006, a, b, c, d);
		ci->l2 = (long long)(c >> 16) * 1024;
		ci->llc = (long long)(d >> 18) * 512 * 1024;
		if (!ci->llc)
			ci->llc = ci->l2;
		return ci->l1d ? 0 : -1;
	}
	return -1;
}
#else
static int caches_cpuid(struct cache_info *ci)
{
	(void)ci;
	return -1;
}
#endif

void bench_caches(struct cache_info *ci)
{
	memset(ci, 0, sizeof(*ci));
	if (!caches_sysfs(ci)) {
		ci->source = "sysfs";
		return;
	}
	memset(ci, 0, sizeof(*ci));
	if (!caches_cpuid(ci)) {
		ci->source = "cpuid";
		return;
	}
	memset(ci, 0, sizeof(*ci));
	ci->source = "unknown";
}

/* ---- small helpers ------------------------------------------------------ */

long long bench_parse_size(const char *s)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (end == s || errno || v < 0)
		return -1;
	while (isspace((unsigned char)*end))
		end++;
	long long mul = 1;
	switch (toupper((unsigned char)*end)) {
	case 'K': mul = 1LL << 10; end++; break;
	case 'M': mul = 1LL << 20; end++; break;
	case 'G': mul = 1LL << 30; end++; break;
	case 'T': mul = 1LL << 40; end++; break;
	}
	if (mul > 1 && (*end == 'i' || *end == 'I'))
		end++;
	if (mul > 1 && (*end == 'b' || *end == 'B'))
		end++;
	while (isspace((unsigned char)*end))
		end++;
	if (*end)
		return -1;
	return (long long)(v * (double)mul);
}

void bench_size_name(long long bytes, char *out, size_t len)
{
	if (bytes >= (1LL << 30) && !(bytes % (1LL << 30)))
		snprintf(out, len, "%lldGiB", bytes >> 30);
	else if (bytes >= (1LL << 20) && !(bytes % (1LL << 20)))
		snprintf(out, len, "%lldMiB", bytes >> 20);
	else if (bytes >= 1024 && !(bytes % 1024))
		snprintf(out, len, "%lldKiB", bytes >> 10);
	else
		snprintf(out, len, "%lldB", bytes);
}

uint32_t *bench_random_cycle(size_t n, uint64_t seed)
{
	uint32_t *idx = malloc((n ? n : 1) * sizeof(*idx));
	if (!idx)
		return NULL;
	for (size_t i = 0; i < n; i++)
		idx[i] = (uint32_t)i;
	for (size_t i = n - 1; i > 0 && n; i--) {
		size_t j = bench_rand(&seed) % i;	/* j < i: one cycle, never a shorter loop */
		uint32_t t = idx[i];
		idx[i] = idx[j];
		idx[j] = t;
	}
	return idx;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

void bench_sort(double *x, size_t n)
{
	qsort(x, n, sizeof(*x), cmp_double);
}

double bench_median(double *x, size_t n)
{
	if (!n)
		return NAN;
	bench_sort(x, n);
	return n % 2 ? x[n / 2] : (x[n / 2 - 1] + x[n / 2]) / 2;
}

double bench_percentile(double *x, size_t n, double p)
{
	if (!n)
		return NAN;
	bench_sort(x, n);
	double pos = p / 100 * (double)(n - 1);
	size_t lo = (size_t)pos;
	if (lo + 1 >= n)
		return x[n - 1];
	return x[lo] + (pos - (double)lo) * (x[lo + 1] - x[lo]);
}

/* ---- main ------------------------------------------------------------- */

static void usage(FILE *f)
{
	fprintf(f, "usage: vmbench BENCH [--quick] [--json] [--threads N] [options]\n\n"
		   "  --quick       measure for at most %.0f s (CI, guests under emulation)\n"
		   "  --json        print only metric lines and note lines\n"
		   "  --threads N   threads of the multi-threaded parts (default: one per CPU)\n\n"
		   "benchmarks:\n", QUICK_SECONDS);
	for (size_t i = 0; i < NBENCH; i++)
		fprintf(f, "  %-9s %s\n", benches[i].name, benches[i].usage);
}

int main(int argc, char **argv)
{
	struct bench_ctx b = { .budget = FULL_SECONDS };
	char **rest = calloc((size_t)argc + 1, sizeof(char *));
	int nrest = 0, bi = -1;
	cpu_set_t set;

	if (!rest)
		return 1;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(argv[i], "--quick")) {
			b.quick = 1;
			b.budget = QUICK_SECONDS;
		} else if (!strcmp(argv[i], "--json")) {
			b.json = 1;
		} else if (!strcmp(argv[i], "--threads")) {
			if (i + 1 == argc || (b.threads = atoi(argv[++i])) < 1 || b.threads > CPU_SETSIZE) {
				fprintf(stderr, "vmbench: --threads wants a number from 1 to %d\n", CPU_SETSIZE);
				return 2;
			}
		} else if (bi < 0 && argv[i][0] != '-') {
			for (size_t k = 0; k < NBENCH; k++)
				if (!strcmp(argv[i], benches[k].name))
					bi = (int)k;
			if (bi < 0) {
				fprintf(stderr, "vmbench: no benchmark '%s' (see vmbench --help)\n", argv[i]);
				return 2;
			}
			rest[nrest++] = argv[i];
		} else {
			rest[nrest++] = argv[i];
		}
	}
	if (bi < 0) {
		usage(stderr);
		return 2;
	}
	if (sched_getaffinity(0, sizeof(set), &set))
		CPU_ZERO(&set);
	for (int c = 0; c < CPU_SETSIZE; c++)
		if (CPU_ISSET(c, &set))
			b.cpu[b.ncpu++] = c;
	if (!b.ncpu)
		b.cpu[b.ncpu++] = 0;
	if (!b.threads)
		b.threads = b.ncpu;
	b.name = benches[bi].name;
	int rc = benches[bi].fn(&b, nrest, rest);
	free(rest);
	return rc;
}
