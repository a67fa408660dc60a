/* What one test VM costs its host, sampled while it runs (hostcost.h). */
#include "hostcost.h"
#include "../../lib/clock.h"
#include "../../lib/metric.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const struct {
	const char *name, *unit;
	enum better better;
	int sum;		/* instances add up (else the highest: a host-wide figure; 2: their mean) */
} metrics[] = {
	{ "host.mem.pss_peak", "MiB", BETTER_LOWER, 1 },
	{ "host.mem.per_vm", "MiB", BETTER_LOWER, 2 },
	{ "host.mem.pss_end", "MiB", BETTER_LOWER, 1 },
	{ "host.cpu.time", "s", BETTER_LOWER, 1 },
	{ "host.ksm.saved", "MiB", BETTER_HIGHER, 0 },
	{ "vm.balloon.actual", "MiB", BETTER_UNKNOWN, 1 },
	{ "guest.mem.available", "MiB", BETTER_UNKNOWN, 1 },
	{ "guest.mem.unused", "MiB", BETTER_UNKNOWN, 1 },
};
#define N_METRICS (sizeof(metrics) / sizeof(*metrics))

const char *hostcost_metric_at(size_t i)
{
	return i < N_METRICS ? metrics[i].name : i == N_METRICS ? "guest.steal" : NULL;
}

int hostcost_metric(const char *metric)
{
	for (size_t i = 0; i < N_METRICS; i++)
		if (!strcmp(metrics[i].name, metric))
			return 1;
	return 0;
}

int hostcost_combine(const char *metric, const double *v, size_t n, double *out)
{
	for (size_t i = 0; i < N_METRICS; i++) {
		if (strcmp(metrics[i].name, metric))
			continue;
		double x = metrics[i].sum ? 0 : v[0];
		for (size_t k = 0; k < n; k++)
			x = metrics[i].sum ? x + v[k] : v[k] > x ? v[k] : x;
		*out = metrics[i].sum == 2 && n ? x / (double)n : x;
		return 1;
	}
	return 0;
}

pid_t hostcost_qemu_pid(const char *name)
{
	char path[512], text[32];
	snprintf(path, sizeof(path), "/run/libvirt/qemu/%s.pid", name);
	FILE *f = fopen(path, "r");
	pid_t pid = f && fgets(text, sizeof(text), f) ? (pid_t)atoi(text) : 0;
	if (f)
		fclose(f);
	return pid;
}

static long long ksm_sharing(void)
{
	FILE *f = fopen("/sys/kernel/mm/ksm/pages_sharing", "r");
	long long v = -1;
	if (f && fscanf(f, "%lld", &v) != 1)
		v = -1;
	if (f)
		fclose(f);
	return v;
}

/* Pss plus the huge pages it maps, MiB; < 0 when the process is gone. */
static double pss_mib(pid_t pid)
{
	char path[64], line[256];
	snprintf(path, sizeof(path), "/proc/%d/smaps_rollup", (int)pid);
	FILE *f = fopen(path, "r");
	double kib = 0;
	int seen = 0;
	while (f && fgets(line, sizeof(line), f)) {
		long long v;
		if ((sscanf(line, "Pss: %lld kB", &v) == 1 && (seen = 1)) ||
		    sscanf(line, "Shared_Hugetlb: %lld kB", &v) == 1 ||
		    sscanf(line, "Private_Hugetlb: %lld kB", &v) == 1)
			kib += (double)v;
	}
	if (f)
		fclose(f);
	return seen ? kib / 1024 : -1;
}

/* utime + stime of the process, s; < 0 when gone. */
static double cpu_seconds(pid_t pid)
{
	char path[64], buf[1024];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	FILE *f = fopen(path, "r");
	size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
	if (f)
		fclose(f);
	buf[n] = '\0';
	char *p = strrchr(buf, ')');	/* the command may hold spaces */
	unsigned long long ut, st;
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
		return -1;
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

static void sample(struct hostcost *h)
{
	virDomainMemoryStatStruct st[VIR_DOMAIN_MEMORY_STAT_NR];
	int n = virDomainMemoryStats(h->dom, st, VIR_DOMAIN_MEMORY_STAT_NR, 0);
	double pss = h->pid ? pss_mib(h->pid) : -1, cpu = h->pid ? cpu_seconds(h->pid) : -1;
	long long ksm = ksm_sharing();
	pthread_mutex_lock(&h->lock);
	if (pss >= 0) {
		h->pss_end = pss;
		if (pss > h->pss_peak)
			h->pss_peak = pss;
	}
	if (cpu >= 0)
		h->cpu = cpu;
	if (ksm >= 0 && h->ksm_start >= 0 && ksm > h->ksm_peak)
		h->ksm_peak = ksm;
	for (int i = 0; i < n; i++) {
		double mib = (double)st[i].val / 1024;
		if (st[i].tag == VIR_DOMAIN_MEMORY_STAT_ACTUAL_BALLOON)
			h->actual = mib;
		else if (st[i].tag == VIR_DOMAIN_MEMORY_STAT_AVAILABLE)
			h->available = mib;
		else if (st[i].tag == VIR_DOMAIN_MEMORY_STAT_UNUSED)
			h->unused = mib;
	}
	pthread_mutex_unlock(&h->lock);
}

static void *sampler(void *ud)
{
	struct hostcost *h = ud;
	for (;;) {
		pthread_mutex_lock(&h->lock);
		int stop = h->stop;
		pthread_mutex_unlock(&h->lock);
		if (stop)
			break;
		sample(h);
		usleep((useconds_t)(HOSTCOST_PERIOD * 1e6));
	}
	return NULL;
}

void hostcost_start(struct hostcost *h, virDomainPtr dom, const char *name, int local)
{
	memset(h, 0, sizeof(*h));
	h->dom = dom;
	h->pid = local ? hostcost_qemu_pid(name) : 0;
	h->pss_peak = h->pss_end = h->cpu = -1;
	h->actual = h->available = h->unused = -1;
	h->ksm_start = local ? ksm_sharing() : -1;
	h->ksm_peak = h->ksm_start;
	h->page_kib = sysconf(_SC_PAGESIZE) / 1024;
	pthread_mutex_init(&h->lock, NULL);
	h->running = pthread_create(&h->thread, NULL, sampler, h) == 0;
}

double hostcost_actual(struct hostcost *h)
{
	if (!h->running)
		return h->actual;
	pthread_mutex_lock(&h->lock);
	double a = h->actual;
	pthread_mutex_unlock(&h->lock);
	return a;
}

void hostcost_stop(struct hostcost *h)
{
	if (!h->running)
		return;
	pthread_mutex_lock(&h->lock);
	h->stop = 1;
	pthread_mutex_unlock(&h->lock);
	pthread_join(h->thread, NULL);
	h->running = 0;
	pthread_mutex_destroy(&h->lock);
}

int hostcost_emit(const struct hostcost *h, int instance, const struct trial_sink *sink)
{
	double v[N_METRICS] = {
		h->pss_peak, h->pss_peak, h->pss_end, h->cpu,
		h->ksm_start >= 0 ? (double)(h->ksm_peak - h->ksm_start) * (double)h->page_kib / 1024 : -1,
		h->actual, h->available, h->unused,
	};
	for (size_t i = 0; i < N_METRICS; i++) {
		struct metric m = { .name = metrics[i].name, .value = v[i], .unit = metrics[i].unit,
				    .better = metrics[i].better, .instance = instance };
		if (v[i] >= 0 && sink->metric && sink->metric(sink->ud, &m))
			return -1;
	}
	return 0;
}

double hostcost_mem_available_mib(void)
{
	FILE *f = fopen("/proc/meminfo", "r");
	char line[256];
	double mib = -1;
	long long kib;
	while (f && mib < 0 && fgets(line, sizeof(line), f))
		if (sscanf(line, "MemAvailable: %lld kB", &kib) == 1)
			mib = (double)kib / 1024;
	if (f)
		fclose(f);
	return mib;
}
