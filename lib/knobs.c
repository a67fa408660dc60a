#include "knobs.h"
#include "strbuf.h"
#include "err.h"
#include "number.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ENUM(...) { __VA_ARGS__, NULL }
#define INT { NULL }

static const struct knob catalogue[] = {
	{ "host.thp", KNOB_HOST, "madvise", ENUM("always", "madvise", "never"), 0, 0,
	  "the host's transparent huge pages", "/sys/kernel/mm/transparent_hugepage/enabled" },
	{ "host.ksm", KNOB_HOST, "off", ENUM("on", "off"), 0, 0,
	  "the host's kernel samepage merging", "/sys/kernel/mm/ksm/run" },
	{ "host.swappiness", KNOB_HOST, "60", INT, 0, 200, "the host's vm.swappiness", "/proc/sys/vm/swappiness" },
	{ "host.ksm_sleep_ms", KNOB_HOST, "20", INT, 0, 10000,
	  "milliseconds KSM sleeps between scans", "/sys/kernel/mm/ksm/sleep_millisecs" },
	{ "host.ksm_pages_to_scan", KNOB_HOST, "100", INT, 1, 100000,
	  "pages KSM scans before it sleeps", "/sys/kernel/mm/ksm/pages_to_scan" },
	{ "vm.vcpus", KNOB_VM, "2", INT, 1, 64, "virtual CPUs" },
	{ "vm.pinning", KNOB_VM, "none", ENUM("none", "compact", "spread", "per-core"), 0, 0,
	  "vCPU pinning layout over the host's topology (hwloc)" },
	{ "vm.emulatorpin", KNOB_VM, "none", ENUM("none", "shared", "dedicated"), 0, 0,
	  "where QEMU's own threads run" },
	{ "vm.hugepages", KNOB_VM, "none", ENUM("none", "2M", "1G"), 0, 0,
	  "guest memory backed by host huge pages", NULL, 1 },
	{ "vm.cpu_model", KNOB_VM, "default", ENUM("default", "host-passthrough"), 0, 0,
	  "the CPU model the guest sees" },
	{ "vm.machine", KNOB_VM, "q35", ENUM("pc", "q35"), 0, 0, "the machine type" },
	{ "vm.vcpusched", KNOB_VM, "other", ENUM("other", "batch", "idle", "fifo", "rr"), 0, 0,
	  "the host scheduler class of the vCPU threads (SCHED_OTHER, _BATCH, _IDLE, _FIFO, _RR; "
	  "libvirt offers no SCHED_DEADLINE)" },
	{ "vm.balloon", KNOB_VM, "on", ENUM("on", "off"), 0, 0, "the virtio memory balloon" },
	{ "vm.balloon_autodeflate", KNOB_VM, "off", ENUM("off", "on"), 0, 0,
	  "the balloon gives memory back before the guest's OOM killer runs (needs vm.balloon on)" },
	{ "vm.balloon_freepage", KNOB_VM, "off", ENUM("off", "on"), 0, 0,
	  "free page reporting: the guest hands its free pages back to the host (needs vm.balloon "
	  "on)" },
	{ "vm.balloon_target", KNOB_VM, "100", INT, 25, 100,
	  "percent of the memory the guest is ballooned down to once it runs (virDomainSetMemory; "
	  "needs vm.balloon on); read back from the balloon's memory statistics" },
	{ "vm.cpu_shares", KNOB_VM, "1024", INT, 2, 262144,
	  "the VM's CPU weight against other VMs (libvirt cputune shares: the cgroup's cpu.shares)" },
	{ "vm.cpu_quota", KNOB_VM, "0", INT, 0, 100,
	  "percent of one host CPU each vCPU may use per 100 ms (libvirt cputune quota; 0: none)" },
	{ "disk.bus", KNOB_DISK, "virtio-blk", ENUM("virtio-blk", "virtio-scsi", "sata"), 0, 0,
	  "the data disks' bus" },
	{ "disk.cache", KNOB_DISK, "none",
	  ENUM("none", "writeback", "writethrough", "directsync", "unsafe"), 0, 0,
	  "the data disks' host cache mode" },
	{ "disk.io", KNOB_DISK, "native", ENUM("native", "threads", "io_uring"), 0, 0,
	  "the data disks' host I/O mode" },
	{ "disk.format", KNOB_DISK, "raw", ENUM("raw", "qcow2", "qcow2-prealloc"), 0, 0,
	  "the data disks' image format" },
	{ "disk.count", KNOB_DISK, "1", INT, 1, 8, "data disks, spread over the storage folders" },
	{ "disk.discard", KNOB_DISK, "ignore", ENUM("ignore", "unmap"), 0, 0,
	  "whether the guest's discards reach the data disks' images" },
	{ "disk.iothreads", KNOB_DISK, "0", INT, 0, 8, "I/O threads for the data disks" },
	{ "net.model", KNOB_NET, "virtio", ENUM("virtio", "e1000e", "rtl8139", "vmxnet3"), 0, 0,
	  "the NIC the guest sees" },
	{ "net.backend", KNOB_NET, "user", ENUM("user", "tap"), 0, 0,
	  "the NIC's far end: QEMU user networking to the host's loopback, or a tap in a network "
	  "namespace of the trial's own" },
	{ "net.vhost", KNOB_NET, "off", ENUM("off", "on"), 0, 0,
	  "vhost-net for a virtio NIC on a tap (on: QEMU must hold /dev/vhost-net)" },
	{ "net.queues", KNOB_NET, "1", INT, 1, 8,
	  "queue pairs of a virtio NIC on a tap, at most vm.vcpus; the guest's channels set to match" },
	{ "guest.net.mtu", KNOB_GUEST, "1500", INT, 576, 1500,
	  "the MTU of the guest's NIC (QEMU user networking carries at most 1500)" },
	{ "guest.net.offloads", KNOB_GUEST, "on", ENUM("on", "off"), 0, 0,
	  "GSO, GRO and (where the NIC offers it) TSO of the guest's NIC" },
	{ "guest.net.rmem_max", KNOB_GUEST, "212992", INT, 4096, 67108864,
	  "the guest's net.core.rmem_max (bytes)", "/proc/sys/net/core/rmem_max" },
	{ "guest.net.wmem_max", KNOB_GUEST, "212992", INT, 4096, 67108864,
	  "the guest's net.core.wmem_max (bytes)", "/proc/sys/net/core/wmem_max" },
	{ "guest.swappiness", KNOB_GUEST, "60", INT, 0, 200, "the guest's vm.swappiness", "/proc/sys/vm/swappiness" },
	{ "guest.hugepages", KNOB_GUEST, "0", INT, 0, 1048576, "the guest's vm.nr_hugepages", "/proc/sys/vm/nr_hugepages" },
	{ "guest.thp", KNOB_GUEST, "madvise", ENUM("always", "madvise", "never"), 0, 0,
	  "the guest's transparent huge pages", "/sys/kernel/mm/transparent_hugepage/enabled" },
	{ "guest.dirty_ratio", KNOB_GUEST, "20", INT, 1, 100, "the guest's vm.dirty_ratio", "/proc/sys/vm/dirty_ratio" },
	{ "guest.iosched", KNOB_GUEST, "mq-deadline", ENUM("none", "mq-deadline", "kyber", "bfq"),
	  0, 0, "the guest's I/O scheduler of the data disks", "/sys/block/%s/queue/scheduler" },
	{ "guest.readahead_kb", KNOB_GUEST, "128", INT, 0, 65536,
	  "the guest's read-ahead of the data disks (KiB)", "/sys/block/%s/queue/read_ahead_kb" },
	{ "guest.fs", KNOB_GUEST, "raw", ENUM("ext4", "xfs", "raw"), 0, 0,
	  "what the benchmarks write on: a filesystem, or the raw disk" },
	{ "guest.affinity", KNOB_GUEST, "all", { NULL }, 0, 63,
	  "the vCPUs the workload and the bundled benchmarks may run on (sched_setaffinity; "
	  "taskset -c in a user's image): all, one (1) or a set (0-1, 0,2), within vm.vcpus",
	  NULL, 0, 1 },
};

#define N_KNOBS (sizeof(catalogue) / sizeof(*catalogue))

const char *knob_level_name(enum knob_level l)
{
	static const char *const names[] = { "host", "vm", "disk", "guest", "net" };
	return names[l];
}

int knob_host_wide(const char *name)
{
	const struct knob *k = name ? knob_find(name) : NULL;
	return k && (k->level == KNOB_HOST || k->host_wide);
}

int knob_in_domain(const struct knob *k)
{
	return k->level == KNOB_VM || k->level == KNOB_DISK || k->level == KNOB_NET;
}

size_t knob_count(void)
{
	return N_KNOBS;
}

const struct knob *knob_at(size_t i)
{
	return i < N_KNOBS ? &catalogue[i] : NULL;
}

const struct knob *knob_find(const char *name)
{
	for (size_t i = 0; i < N_KNOBS; i++)
		if (!strcmp(catalogue[i].name, name))
			return &catalogue[i];
	return NULL;
}

/* Levenshtein distance, for "did you mean". */
static size_t distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), *row = xcalloc(lb + 1, sizeof(size_t)), d;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t prev = row[0];
		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t cur = row[j], sub = prev + (a[i - 1] != b[j - 1]);
			row[j] = row[j] + 1 < row[j - 1] + 1 ? row[j] + 1 : row[j - 1] + 1;
			if (sub < row[j])
				row[j] = sub;
			prev = cur;
		}
	}
	d = row[lb];
	free(row);
	return d;
}

const struct knob *knob_nearest(const char *name)
{
	const struct knob *best = NULL;
	size_t bd = 4;
	for (size_t i = 0; i < N_KNOBS; i++) {
		size_t d = distance(name, catalogue[i].name);
		if (d < bd) {
			bd = d;
			best = &catalogue[i];
		}
	}
	return best;
}

void knob_mismatch(char *err, const char *knob, const char *asked, const char *got)
{
	seterr(err, "%s not applied: asked %.64s, got %.64s", knob, asked, got);
}

void knob_domain(const struct knob *k, char *buf, size_t size)
{
	size_t off = 0;
	buf[0] = '\0';
	if (k->cpulist) {
		snprintf(buf, size, "all, or vCPUs %ld to %ld as a list such as 1, 0-1 or 0,2", k->min,
			 k->max);
		return;
	}
	if (!k->values[0]) {
		snprintf(buf, size, "%ld to %ld", k->min, k->max);
		return;
	}
	for (size_t i = 0; i < 8 && k->values[i] && off < size; i++)
		off += (size_t)snprintf(buf + off, size - off, "%s%s", i ? ", " : "", k->values[i]);
}

int knob_cpulist(const char *s, long limit, unsigned long long *mask, long *top)
{
	*mask = 0;
	*top = -1;
	if (!strcmp(s, "all"))
		return 0;
	long last = -1;
	while (*s) {
		char *end;
		if (*s < '0' || *s > '9' || (s[0] == '0' && s[1] >= '0' && s[1] <= '9'))
			return -1;	/* canonical: no sign, no space, no leading zero */
		long a = strtol(s, &end, 10), b = a;
		if (*end == '-') {
			if (end[1] < '0' || end[1] > '9' || (end[1] == '0' && end[2] >= '0' && end[2] <= '9'))
				return -1;
			b = strtol(end + 1, &end, 10);
			if (b <= a)
				return -1;
		}
		if (a <= last || b >= limit || b > 63 || (*end && *end != ',') || (*end == ',' && !end[1]))
			return -1;
		for (long c = a; c <= b; c++)
			*mask |= 1ULL << c;
		last = *top = b;
		s = *end ? end + 1 : end;
	}
	return *mask ? 0 : -1;
}

void knob_cpulist_format(unsigned long long mask, char *buf, size_t size)
{
	size_t off = 0;
	buf[0] = '\0';
	for (int c = 0; c < 64 && off < size; c++) {
		if (!(mask >> c & 1))
			continue;
		int e = c;
		while (e + 1 < 64 && mask >> (e + 1) & 1)
			e++;
		off += (size_t)snprintf(buf + off, size - off, off ? ",%d" : "%d", c);
		if (e > c && off < size)
			off += (size_t)snprintf(buf + off, size - off, "-%d", e);
		c = e;
	}
}

void knob_affinity_reading(const char *asked, unsigned long long mask, long ncpus, char *buf,
			   size_t size)
{
	if (!strcmp(asked, "all") && mask == (ncpus >= 64 ? ~0ULL : (1ULL << ncpus) - 1))
		snprintf(buf, size, "all");
	else
		knob_cpulist_format(mask, buf, size);
}

void knob_selected(char *s)
{
	char *a = strchr(s, '['), *b = a ? strchr(a, ']') : NULL;
	if (a && b) {
		memmove(s, a + 1, (size_t)(b - a - 1));
		s[b - a - 1] = '\0';
	}
	size_t n = strlen(s);
	while (n && (s[n - 1] == '\n' || s[n - 1] == ' '))
		s[--n] = '\0';
}

int knob_check(const struct knob *k, const char *value, char *err)
{
	char dom[160];
	unsigned long long mask;
	long top;
	if (k->cpulist) {
		if (!knob_cpulist(value, k->max + 1, &mask, &top))
			return 0;
	} else if (k->values[0]) {
		for (size_t i = 0; i < 8 && k->values[i]; i++)
			if (!strcmp(k->values[i], value))
				return 0;
	} else {
		if (!number_parse(value, k->min, k->max, NULL))	/* canonical: " 60", "060" are not */
			return 0;
	}
	/* the value as printable text: a newline in it must not start a line of the message */
	char shown[96];
	size_t o = 0;
	for (const char *p = value; *p && o + 5 < sizeof(shown); p++) {
		unsigned char ch = (unsigned char)*p;
		if (ch == '\n')
			o += (size_t)snprintf(shown + o, sizeof(shown) - o, "\\n");
		else if (ch < 0x20 || ch == 0x7f)
			o += (size_t)snprintf(shown + o, sizeof(shown) - o, "\\x%02x", ch);
		else
			shown[o++] = (char)ch;
	}
	shown[o] = '\0';
	knob_domain(k, dom, sizeof(dom));
	return seterr(err, "'%s' is not a value of %s (%s)", shown, k->name, dom), -1;
}
