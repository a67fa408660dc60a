/*
 * Room tuner/guest: a program of its own, static, the guest appliance's
 * /init; it includes lib/ only (the knob catalogue it shares with the host).
 *
 * The guest's /init (DESIGN.md, Guest plan). Mounts proc, sys and dev,
 * loads the modules listed in /lib/modules/load.list, reads the vmtune.*
 * words of /proc/cmdline, applies every guest knob and reads each back
 * (an {"applied":...} line; a knob that did not take is an error), makes the
 * chosen filesystem on the data disks, runs the plan's benchmarks
 * (/bin/vmbench, quick mode when asked) and sends every line to the
 * virtio-serial port org.vmtune.results, then powers off.
 *
 * Any failure: an {"error":...} line, then power off. It never waits
 * forever: vmtune.timeout (seconds, default 600) bounds the whole plan.
 *
 * Kernel words: vmtune.bench=cpu,membw,... vmtune.quick=1 vmtune.timeout=S
 *   vmtune.KNOB=VALUE for each guest.KNOB of the knob catalogue (lib/knobs.c,
 *   `vmtune knobs`): swappiness, hugepages, thp, dirty_ratio, iosched,
 *   readahead_kb, fs; a value outside its knob's domain is an error
 *   vmtune.net_peer=A.B.C.D:PORT: the NIC up as vmtune.net_addr/24 (default
 *   10.0.2.15, QEMU user networking, where the peer 10.0.2.2 is the host's
 *   loopback), and the net benchmark against that peer
 *   vmtune.net_queues=N: a virtio NIC's channels set to N and read back
 *   vmtune.affinity=all|LIST: the vCPUs the benchmarks and the workload run on
 *   (sched_setaffinity on the agent, inherited; read back from the first child)
 *   vmtune.workload=1: after the benchmarks, the job's workload, from the
 *   archive vmtune appended to the initramfs: /vmtune/setup, /vmtune/run,
 *   /vmtune/teardown (each an argv, NUL-separated words) and its files under
 *   /var/lib/vmtune/files. Each line run prints goes to the host as
 *   {"out":"..."}: the host takes the figures out of them (workload.h).
 *   vmtune.test_hang=1 (tests only: sleep instead of working, for the watchdog)
 *   vmtune.results=disk: the lines go instead to the virtio disk whose serial
 *   is vmtune-results, written through from offset 0 (remote hosts: the host
 *   reads it with virDomainBlockPeek and the volume download, never through a
 *   character device stream). That disk is no data disk.
 */
#include "../../lib/err.h"
#include "../../lib/knobs.h"
#include "../../lib/procstat.h"
#include "../../lib/netif.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sched.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PORT_NAME "org.vmtune.results"
#define START_PORT "org.vmtune.start"	/* co-located VMs: the host's go, one byte */
#define RESULTS_SERIAL "vmtune-results"
#define MAX_WORDS 64
#define MAX_DISKS 16

static int port = -1;	/* the results channel; -1 until found */
static int to_disk;	/* vmtune.results=disk: port is that block device */
static off_t disk_off;	/* where the next line goes on it */
static char results_dev[32];	/* its name under /sys/block */

/* ---- output ------------------------------------------------------------ */

static void emit(const char *line)
{
	size_t n = strlen(line);
	if (port >= 0 && to_disk) {	/* one write per line, through to the image */
		char buf[4096];
		int k = snprintf(buf, sizeof(buf), "%s\n", line);
		if (k > 0 && (size_t)k < sizeof(buf) && pwrite(port, buf, (size_t)k, disk_off) == k) {
			disk_off += k;
			fdatasync(port);
		}
	} else if (port >= 0) {
		(void)!write(port, line, n);
		(void)!write(port, "\n", 1);
	}
	/* the serial console keeps a copy for diagnosis */
	fprintf(stderr, "vmtune-agent: %s\n", line);
}

static void json_escape(char *out, size_t len, const char *s)
{
	size_t k = 0;
	for (; *s && k + 7 < len; s++) {
		if (*s == '"' || *s == '\\')
			out[k++] = '\\', out[k++] = *s;
		else if ((unsigned char)*s < 0x20)
			k += (size_t)snprintf(out + k, len - k, "\\u%04x", *s);
		else
			out[k++] = *s;
	}
	out[k] = '\0';
}

static void power_off(void)
{
	sync();
	reboot(RB_POWER_OFF);
	_exit(1);	/* only reached when not pid 1 (tests) */
}

__attribute__((format(printf, 1, 2), noreturn))
static void fail(const char *fmt, ...)
{
	char msg[512], esc[1100], line[1200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	json_escape(esc, sizeof(esc), msg);
	snprintf(line, sizeof(line), "{\"error\":\"%s\"}", esc);
	emit(line);
	power_off();
	for (;;)
		pause();
}

static void on_alarm(int sig)
{
	(void)sig;
	fail("agent timed out");
}

/* ---- small file helpers -------------------------------------------------- */

static int write_file(const char *path, const char *value)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = write(fd, value, strlen(value));
	int e = errno;
	close(fd);
	errno = e;
	return n == (ssize_t)strlen(value) ? 0 : -1;
}

static int read_file(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

/* ---- boot ------------------------------------------------------------------ */

static void mount_basics(void)
{
	mkdir("/proc", 0755);
	mkdir("/sys", 0755);
	mkdir("/dev", 0755);
	mkdir("/tmp", 01777);
	mkdir("/mnt", 0755);
	if (mount("proc", "/proc", "proc", 0, NULL) && errno != EBUSY)
		fail("mount /proc: %s", strerror(errno));
	if (mount("sysfs", "/sys", "sysfs", 0, NULL) && errno != EBUSY)
		fail("mount /sys: %s", strerror(errno));
	if (mount("devtmpfs", "/dev", "devtmpfs", 0, NULL) && errno != EBUSY)
		fail("mount /dev: %s", strerror(errno));
	mount("tmpfs", "/tmp", "tmpfs", 0, NULL);
	mkdir("/dev/hugepages", 0755);
	mount("hugetlbfs", "/dev/hugepages", "hugetlbfs", 0, NULL);
}

/* Interface name up, with IPv4 addr/24 when addr is given. */
static void interface_up(const char *name, const char *addr)
{
	char err[ERR_LEN];
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		fail("%s: %s", name, strerror(errno));
	if (netif_up(fd, name, addr, err))
		fail("%s", err);
	close(fd);
}

/*
 * The guest's NIC, when the plan has a network peer: its first interface
 * other than lo, up as addr (QEMU user networking: 10.0.2.15, the peer
 * 10.0.2.2 the host's loopback; a tap: the address vmtune gave the trial),
 * with a carrier.
 */
static char nic[IFNAMSIZ];	/* the guest's NIC, once nic_up() found it */

static void applied(const char *knob, const char *value);

/* net.model as the guest sees it: the driver that took the NIC, in the knob's words. */
static void nic_model(void)
{
	static const char *const words[][2] = {
		{ "virtio_net", "virtio" }, { "e1000e", "e1000e" }, { "8139cp", "rtl8139" },
		{ "8139too", "rtl8139" }, { "vmxnet3", "vmxnet3" },
	};
	char path[96], link[256];
	snprintf(path, sizeof(path), "/sys/class/net/%s/device/driver", nic);
	ssize_t n = readlink(path, link, sizeof(link) - 1);
	if (n <= 0)
		fail("net: %s has no driver (%s)", nic, strerror(errno));
	link[n] = '\0';
	const char *driver = strrchr(link, '/') ? strrchr(link, '/') + 1 : link, *model = driver;
	for (size_t i = 0; i < sizeof(words) / sizeof(*words); i++)
		if (!strcmp(driver, words[i][0]))
			model = words[i][1];
	applied("net.model", model);	/* the host compares it with what it asked */
}

static void nic_up(const char *addr)
{
	char path[96], carrier[8];
	DIR *d = opendir("/sys/class/net");
	struct dirent *e;
	while (d && (e = readdir(d)))
		if (e->d_name[0] != '.' && strcmp(e->d_name, "lo") && !nic[0])
			snprintf(nic, sizeof(nic), "%s", e->d_name);
	if (d)
		closedir(d);
	if (!nic[0])
		fail("net: the guest has no network interface");
	nic_model();
	interface_up(nic, addr);
	snprintf(path, sizeof(path), "/sys/class/net/%s/carrier", nic);
	for (int i = 0; i < 500; i++) {	/* up to 5 s */
		if (!read_file(path, carrier, sizeof(carrier)) && !strcmp(carrier, "1"))
			return;
		usleep(10000);
	}
	fail("net: %s has no carrier", nic);
}

/*
 * Loads the modules of /lib/modules/load.list in order (those a plan needs
 * only when it does: module_wanted()). The results port is opened as soon as
 * virtio_console is in, so the host hears from the agent early.
 */
static void open_port(void);

/* Opens the results port and says the agent runs: once, as early as the port exists. */
static void announce(void)
{
	if (port >= 0)
		return;
	open_port();
	emit("{\"note\":\"agent started\",\"bench\":\"agent\"}");
}

/*
 * The modules only some plans need, and which: a filesystem's (crc32c_generic:
 * libcrc32c and ext4 ask the crypto API for crc32c, which modules.dep does
 * not list), an I/O scheduler, the NIC drivers of net.model. Any other module
 * of load.list is always loaded.
 */
static int module_wanted(const char *name, const char *fs, const char *iosched, int with_nic)
{
	static const struct { const char *module, *needs; } only[] = {
		{ "crc32c_generic.ko", "fs" }, { "libcrc32c.ko", "xfs" }, { "xfs.ko", "xfs" },
		{ "crc16.ko", "ext4" }, { "mbcache.ko", "ext4" }, { "jbd2.ko", "ext4" },
		{ "ext4.ko", "ext4" }, { "kyber-iosched.ko", "kyber" }, { "bfq.ko", "bfq" },
		{ "failover.ko", "nic" }, { "net_failover.ko", "nic" }, { "virtio_net.ko", "nic" },
		{ "e1000e.ko", "nic" }, { "mii.ko", "nic" }, { "8139cp.ko", "nic" }, { "vmxnet3.ko", "nic" },
	};
	int disk_fs = fs && (!strcmp(fs, "xfs") || !strcmp(fs, "ext4"));
	for (size_t i = 0; i < sizeof(only) / sizeof(*only); i++) {
		const char *n = only[i].needs;
		if (strcmp(name, only[i].module))
			continue;
		return !strcmp(n, "fs") ? disk_fs : !strcmp(n, "nic") ? with_nic
		     : (fs && !strcmp(fs, n)) || (iosched && !strcmp(iosched, n));
	}
	return 1;
}

static void load_modules(const char *fs, const char *iosched, int with_nic)
{
	FILE *f = fopen("/lib/modules/load.list", "r");
	char name[256], path[300];
	if (!f) {
		announce();	/* a kernel with everything built in */
		return;
	}
	while (fscanf(f, "%255s", name) == 1) {
		if (!module_wanted(name, fs, iosched, with_nic))
			continue;
		snprintf(path, sizeof(path), "/lib/modules/%s", name);
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			fail("module %s: %s", name, strerror(errno));
		if (syscall(SYS_finit_module, fd, "", 0) && errno != EEXIST)
			fail("loading module %s: %s", name, strerror(errno));
		close(fd);
		if (!strcmp(name, to_disk ? "virtio_blk.ko" : "virtio_console.ko"))
			announce();
	}
	fclose(f);
	announce();
}

/*
 * Opens /dev/X (write-only) for the entry X of the sysfs folder dir whose
 * file attr reads want; waits for it up to 2 s (its driver may still be
 * probing). X goes to name.
 */
static int open_by_attr(const char *dir, const char *attr, const char *want, char *name,
			size_t len, int flags)
{
	int fd = -1;
	for (int tries = 0; tries < 200 && fd < 0; tries++) {
		DIR *d = opendir(dir);
		struct dirent *e;
		while (d && fd < 0 && (e = readdir(d))) {
			char path[300], value[128], dev[300];
			snprintf(path, sizeof(path), "%s/%s/%s", dir, e->d_name, attr);
			if (e->d_name[0] == '.' || read_file(path, value, sizeof(value)) ||
			    strcmp(value, want))
				continue;
			snprintf(dev, sizeof(dev), "/dev/%s", e->d_name);
			snprintf(name, len, "%s", e->d_name);
			fd = open(dev, flags | O_CLOEXEC);
		}
		if (d)
			closedir(d);
		if (fd < 0)
			usleep(10000);
	}
	return fd;
}

/*
 * The results port appears once virtio_console has probed (/dev/vportNpM,
 * named by its name); the results disk once virtio_blk has (by its serial).
 */
static void open_port(void)
{
	char port_dev[32];
	if (to_disk && (port = open_by_attr("/sys/block", "serial", RESULTS_SERIAL, results_dev,
					     sizeof(results_dev), O_WRONLY)) < 0)
		fail("no disk with serial %s", RESULTS_SERIAL);
	if (!to_disk && (port = open_by_attr("/sys/class/virtio-ports", "name", PORT_NAME,
					      port_dev, sizeof(port_dev), O_WRONLY)) < 0)
		fail("no virtio-serial port named %s", PORT_NAME);
}

/*
 * vmtune.wait=1 (co-located VMs): says it is ready, then waits for the
 * host's go on the start port, so that every instance begins at one instant
 * however their boots went. The plan's alarm still bounds the wait.
 */
static void wait_for_start(void)
{
	char dev[32], c;
	int fd = open_by_attr("/sys/class/virtio-ports", "name", START_PORT, dev, sizeof(dev),
			      O_RDONLY);
	if (fd < 0)
		fail("no virtio-serial port named %s", START_PORT);
	emit("{\"ready\":true}");
	ssize_t n;
	/* no host on the socket yet: the port reads as closed (0), until vmtune connects */
	while ((n = read(fd, &c, 1)) == 0 || (n < 0 && errno == EINTR))
		usleep(5000);
	if (n != 1)
		fail("the start port: %s", strerror(errno));
	close(fd);
}

/* The guest's CPU time so far, and the part of it stolen, in ticks (/proc/stat's cpu line). */
static void cpu_ticks(unsigned long long *total, unsigned long long *steal)
{
	char line[512];
	*total = *steal = 0;
	if (!read_file("/proc/stat", line, sizeof(line)))
		procstat_cpu(line, total, steal);
}

/* The share of the benchmarks' time the hypervisor stole from the guest's vCPUs. */
static void emit_steal(unsigned long long total0, unsigned long long steal0)
{
	unsigned long long total, steal;
	char line[160];
	cpu_ticks(&total, &steal);
	if (!total || total <= total0)
		return;
	snprintf(line, sizeof(line), "{\"metric\":\"guest.steal\",\"value\":%.3f,\"unit\":\"%%\","
		 "\"better\":\"lower\"}", 100.0 * (double)(steal - steal0) / (double)(total - total0));
	emit(line);
}

/* ---- the plan ---------------------------------------------------------------- */

struct plan {
	char *word[MAX_WORDS][2];	/* key (after "vmtune."), value */
	int n;
};

static void read_plan(struct plan *p)
{
	static char cmdline[4096];
	char *save, *w;
	if (read_file("/proc/cmdline", cmdline, sizeof(cmdline)))
		fail("cannot read /proc/cmdline");
	for (w = strtok_r(cmdline, " ", &save); w && p->n < MAX_WORDS; w = strtok_r(NULL, " ", &save)) {
		char *eq = strchr(w, '=');
		if (strncmp(w, "vmtune.", 7) || !eq)
			continue;
		*eq = '\0';
		p->word[p->n][0] = w + 7;
		p->word[p->n][1] = eq + 1;
		p->n++;
	}
}

static const char *get(const struct plan *p, const char *key)
{
	for (int i = 0; i < p->n; i++)
		if (!strcmp(p->word[i][0], key))
			return p->word[i][1];
	return NULL;
}

static void applied(const char *knob, const char *value)
{
	char esc[300], line[400];
	json_escape(esc, sizeof(esc), value);
	snprintf(line, sizeof(line), "{\"applied\":\"%s\",\"value\":\"%s\"}", knob, esc);
	emit(line);
}

/* Reports what the knob reads back; one that did not take (by whom: "the kernel") fails. */
static void read_back(const char *knob, const char *asked, const char *got, const char *by)
{
	applied(knob, got);
	if (strcmp(got, asked))
		fail("%s: asked for '%s', %s has '%s'", knob, asked, by, got);
}

/* Writes value to path, reads it back, reports it; a knob that did not take fails. */
static void set_knob(const char *knob, const char *path, const char *value)
{
	char back[256];
	if (write_file(path, value))
		fail("%s: cannot write '%s' to %s: %s", knob, value, path, strerror(errno));
	if (read_file(path, back, sizeof(back)))
		fail("%s: cannot read %s back", knob, path);
	knob_selected(back);
	read_back(knob, value, back, "the kernel");
}

static int disks(char names[MAX_DISKS][32])
{
	DIR *d = opendir("/sys/block");
	struct dirent *e;
	int n = 0;
	while (d && (e = readdir(d)) && n < MAX_DISKS)
		if ((!strncmp(e->d_name, "vd", 2) || !strncmp(e->d_name, "sd", 2)) &&
		    strcmp(e->d_name, results_dev))	/* the results disk is no data disk */
			snprintf(names[n++], 32, "%s", e->d_name);
	if (d)
		closedir(d);
	/* stable order: vda before vdb */
	for (int i = 0; i < n; i++)
		for (int j = i + 1; j < n; j++)
			if (strcmp(names[j], names[i]) < 0) {
				char t[32];
				memcpy(t, names[i], 32);
				memcpy(names[i], names[j], 32);
				memcpy(names[j], t, 32);
			}
	return n;
}

/* ---- affinity ------------------------------------------------------------ */

static const char *affinity_asked;	/* guest.affinity, once applied */

/* The agent's own CPUs become asked's: every child inherits them. */
static void set_affinity(const char *asked)
{
	unsigned long long mask;
	long top, n = sysconf(_SC_NPROCESSORS_ONLN);
	cpu_set_t set;
	if (knob_cpulist(asked, 64, &mask, &top))
		fail("affinity: '%s' is not a list of vCPUs", asked);
	if (top >= n)
		fail("affinity: %s names vCPU %ld; this guest has %ld", asked, top, n);
	CPU_ZERO(&set);
	for (int c = 0; c < 64 && c < n; c++)
		if (!strcmp(asked, "all") || (mask >> c & 1))
			CPU_SET(c, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		fail("affinity: sched_setaffinity %s: %s", asked, strerror(errno));
	affinity_asked = asked;
}

/* The first child's CPUs, read back once (sched_getaffinity): the knob's applied line. */
static void affinity_back(pid_t pid)
{
	cpu_set_t set;
	unsigned long long mask = 0;
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	char got[128];
	if (!affinity_asked)
		return;
	if (sched_getaffinity(pid, sizeof(set), &set))
		fail("affinity: sched_getaffinity: %s", strerror(errno));
	for (int c = 0; c < 64; c++)
		if (CPU_ISSET(c, &set))
			mask |= 1ULL << c;
	knob_affinity_reading(affinity_asked, mask, n, got, sizeof(got));
	read_back("affinity", affinity_asked, got, "the benchmark's process");
	affinity_asked = NULL;
}

/*
 * Runs argv, its stdout lines to the host: metric lines as they are (wrap
 * 0), or each as {"out":...} (wrap 1: a workload, whose figures the host
 * takes out); stderr to errpath when given. Its exit status.
 */
static int spawn(char *const argv[], int wrap, const char *errpath)
{
	int fd[2], status;
	if (pipe2(fd, O_CLOEXEC))
		fail("pipe: %s", strerror(errno));
	pid_t pid = fork();
	if (pid < 0)
		fail("fork: %s", strerror(errno));
	if (pid == 0) {
		dup2(fd[1], 1);
		int e = errpath ? open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0644) : -1;
		if (e >= 0)
			dup2(e, 2);
		execvp(argv[0], argv);
		fprintf(stderr, "exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(fd[1]);
	affinity_back(pid);
	FILE *f = fdopen(fd[0], "r");
	char line[4096], esc[8200], out[8300];
	while (f && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (wrap) {
			json_escape(esc, sizeof(esc), line);
			snprintf(out, sizeof(out), "{\"out\":\"%s\"}", esc);
			emit(out);
		} else if (line[0] == '{') {
			emit(line);
		}
	}
	if (f)
		fclose(f);
	if (waitpid(pid, &status, 0) < 0)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* Runs argv, forwarding its metric lines; fails when it fails. */
static void run(char *const argv[])
{
	int status = spawn(argv, 0, NULL);
	if (status)
		fail("%s %s failed (status %d)", argv[0], argv[1] ? argv[1] : "", status);
}

/* ---- the workload ------------------------------------------------------- */

#define WL_MAX_ARGS 256

/* /vmtune/STEP: an argv of NUL-separated words; 0 when there is no such step. */
static int read_step(const char *step, char *buf, size_t size, char *argv[WL_MAX_ARGS + 1])
{
	char path[64];
	snprintf(path, sizeof(path), "/vmtune/%s", step);
	int fd = open(path, O_RDONLY | O_CLOEXEC), n = 0;
	if (fd < 0)
		return 0;
	ssize_t len = read(fd, buf, size - 1);
	close(fd);
	if (len <= 0 || buf[len - 1] != '\0')
		fail("workload: %s is not a list of words", path);
	for (char *w = buf; w < buf + len && n < WL_MAX_ARGS; w += strlen(w) + 1)
		argv[n++] = w;
	argv[n] = NULL;
	return n;
}

/* The last lines of path (its stderr), flattened to one line for an error. */
static void tail_of(const char *path, char *out, size_t size)
{
	char buf[400];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	off_t end = fd >= 0 ? lseek(fd, 0, SEEK_END) : 0;
	ssize_t n = fd >= 0 ? pread(fd, buf, sizeof(buf) - 1, end > 399 ? end - 399 : 0) : 0;
	if (fd >= 0)
		close(fd);
	buf[n > 0 ? n : 0] = '\0';
	for (char *p = buf; *p; p++)
		if (*p == '\n')
			*p = ' ';
	snprintf(out, size, "%s", buf);
}

/* setup, run (its lines to the host), teardown; a step that fails fails the plan. */
static void run_workload(void)
{
	static const char *const steps[] = { "setup", "run", "teardown" };
	static char buf[65536];
	char *argv[WL_MAX_ARGS + 1], tail[400];
	for (int s = 0; s < 3; s++) {
		if (!read_step(steps[s], buf, sizeof(buf), argv))
			continue;
		int status = spawn(argv, s == 1, "/tmp/workload.err");
		if (status) {
			tail_of("/tmp/workload.err", tail, sizeof(tail));
			fail("the workload's %s (%s) exited with %d: %s", steps[s], argv[0], status, tail);
		}
	}
}

static void prepare_disks(const char *fs, char paths[MAX_DISKS][64], int *npaths)
{
	char names[MAX_DISKS][32];
	int n = disks(names);
	*npaths = 0;
	for (int i = 0; i < n; i++) {
		char dev[48];
		snprintf(dev, sizeof(dev), "/dev/%s", names[i]);
		if (!fs || !strcmp(fs, "raw")) {
			snprintf(paths[(*npaths)++], 64, "%s", dev);
			continue;
		}
		char mnt[48];
		snprintf(mnt, sizeof(mnt), "/mnt/%s", names[i]);
		mkdir(mnt, 0755);
		if (!strcmp(fs, "ext4")) {
			char *argv[] = { "/sbin/mkfs.ext4", "-q", "-F", dev, NULL };
			run(argv);
		} else if (!strcmp(fs, "xfs")) {
			char *argv[] = { "/sbin/mkfs.xfs", "-q", "-f", dev, NULL };
			run(argv);
		} else {
			fail("fs: unknown filesystem '%s'", fs);
		}
		if (mount(dev, mnt, fs, 0, NULL))
			fail("mount %s on %s: %s", dev, mnt, strerror(errno));
		snprintf(paths[(*npaths)++], 64, "%s/io.dat", mnt);
	}
	applied("fs", fs ? fs : "raw");
}

/* path with its "%s" (a data disk's name) replaced by disk. */
static void disk_path(char *out, size_t size, const char *path, const char *disk)
{
	const char *at = strstr(path, "%s");
	snprintf(out, size, "%.*s%s%s", (int)(at - path), path, disk, at + 2);
}

/* A socket for the NIC's ioctls, ifr naming it; a knob of the NIC without one fails. */
static int nic_socket(const char *knob, struct ifreq *ifr)
{
	if (!nic[0])
		fail("%s: the guest has no network interface (the plan measures no network)", knob);
	snprintf(ifr->ifr_name, sizeof(ifr->ifr_name), "%s", nic);
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		fail("%s: %s", knob, strerror(errno));
	return fd;
}

/* guest.net.mtu: the NIC's MTU, set and read back (SIOCSIFMTU, SIOCGIFMTU). */
static void set_mtu(const char *value)
{
	struct ifreq ifr = { .ifr_mtu = atoi(value) };
	char back[16];
	int fd = nic_socket("net.mtu", &ifr);
	if (ioctl(fd, SIOCSIFMTU, &ifr) < 0)
		fail("net.mtu: cannot set %s on %s: %s", value, nic, strerror(errno));
	if (ioctl(fd, SIOCGIFMTU, &ifr) < 0)
		fail("net.mtu: cannot read %s's back: %s", nic, strerror(errno));
	close(fd);
	snprintf(back, sizeof(back), "%d", ifr.ifr_mtu);
	read_back("net.mtu", value, back, "the kernel");
}

/*
 * net.queues: a virtio NIC's channels (queue pairs in use) set to what the
 * host gave it, through the ethtool ioctl, and read back.
 */
static void set_queues(const char *value)
{
	char err[ERR_LEN], back[16];
	struct ethtool_channels ch = { .cmd = ETHTOOL_GCHANNELS };
	struct ifreq ifr = { .ifr_data = (char *)&ch };
	if (knob_check(knob_find("net.queues"), value, err))
		fail("%s", err);
	int fd = nic_socket("net.queues", &ifr);
	if (ioctl(fd, SIOCETHTOOL, &ifr) < 0)
		fail("net.queues: cannot read %s's channels: %s", nic, strerror(errno));
	if ((__u32)atoi(value) > ch.max_combined)
		fail("net.queues: asked for %s, %s offers at most %u", value, nic, ch.max_combined);
	ch = (struct ethtool_channels){ .cmd = ETHTOOL_SCHANNELS, .combined_count = (__u32)atoi(value) };
	if (ioctl(fd, SIOCETHTOOL, &ifr) < 0)
		fail("net.queues: cannot set %s channels on %s: %s", value, nic, strerror(errno));
	ch = (struct ethtool_channels){ .cmd = ETHTOOL_GCHANNELS };
	if (ioctl(fd, SIOCETHTOOL, &ifr) < 0)
		fail("net.queues: cannot read %s's channels back: %s", nic, strerror(errno));
	close(fd);
	snprintf(back, sizeof(back), "%u", ch.combined_count);
	read_back("net.queues", value, back, "the NIC");
}

/* One ethtool feature (legacy ioctls): set to on, or read into *on; -1 with errno. */
static int feature(int fd, struct ifreq *ifr, __u32 cmd, int on, int *got)
{
	struct ethtool_value ev = { .cmd = cmd, .data = (__u32)on };
	ifr->ifr_data = (char *)&ev;
	if (ioctl(fd, SIOCETHTOOL, ifr) < 0)
		return -1;
	if (got)
		*got = ev.data != 0;
	return 0;
}

/*
 * guest.net.offloads: GSO, GRO and TSO of the NIC on or off, each that the
 * NIC can do (virtio-net on user networking has no TSO, and no GSO under the
 * generic kernel: no scatter-gather); read back as "on", "off" or "mixed".
 */
static void set_offloads(const char *value)
{
	static const struct { __u32 set, get; const char *name; int optional; } f[] = {
		{ ETHTOOL_SGSO, ETHTOOL_GGSO, "gso", 0 }, { ETHTOOL_SGRO, ETHTOOL_GGRO, "gro", 0 },
		{ ETHTOOL_STSO, ETHTOOL_GTSO, "tso", 1 },
	};
	struct ifreq ifr = { 0 };
	int fd = nic_socket("net.offloads", &ifr), on = !strcmp(value, "on"), n_on = 0, n = 0;
	for (size_t i = 0; i < sizeof(f) / sizeof(*f); i++) {
		int got;
		if (feature(fd, &ifr, f[i].set, on, NULL)) {
			if (f[i].optional && errno == EOPNOTSUPP)
				continue;	/* the NIC does not offer it */
			fail("net.offloads: %s %s on %s: %s", f[i].name, value, nic, strerror(errno));
		}
		if (feature(fd, &ifr, f[i].get, 0, &got))
			fail("net.offloads: reading %s back: %s", f[i].name, strerror(errno));
		if (on && !got)	/* taken, and still off: this NIC cannot (GSO without SG: virtio on slirp) */
			continue;
		n++;
		n_on += got;
	}
	close(fd);
	if (!n)
		fail("net.offloads: %s can turn on none of GSO, GRO, TSO", nic);
	const char *back = n_on == n ? "on" : n_on == 0 ? "off" : "mixed";
	applied("net.offloads", back);
	if (strcmp(back, value))
		fail("net.offloads: asked for '%s', the kernel has '%s'", value, back);
}

/*
 * The catalogue's guest knobs (lib/knobs.c, shared with the host): each
 * one on the command line is checked against its domain, written to its
 * file (once per data disk where the path names one) and read back.
 */
static void apply_knobs(const struct plan *p, char disk[MAX_DISKS][32], int ndisks)
{
	char path[128], err[ERR_LEN];
	for (size_t k = 0; k < knob_count(); k++) {
		const struct knob *kb = knob_at(k);
		const char *name = kb->name + strlen("guest."), *v;
		if (kb->level != KNOB_GUEST || !(v = get(p, name)))
			continue;
		if (knob_check(kb, v, err))
			fail("%s", err);
		if (!kb->path) {	/* guest.fs: prepare_disks makes it */
			if (!strcmp(name, "affinity"))
				set_affinity(v);
			else if (!strcmp(name, "net.mtu"))
				set_mtu(v);
			else if (!strcmp(name, "net.offloads"))
				set_offloads(v);
			continue;
		}
		if (!strstr(kb->path, "%s")) {
			set_knob(name, kb->path, v);
			continue;
		}
		for (int i = 0; i < ndisks; i++) {
			disk_path(path, sizeof(path), kb->path, disk[i]);
			set_knob(name, path, v);
		}
	}
}

int main(void)
{
	struct plan p = { 0 };
	char disk[MAX_DISKS][32], paths[MAX_DISKS][64];
	int ndisks, npaths;
	const char *v;

	mount_basics();
	signal(SIGALRM, on_alarm);
	alarm(600);
	read_plan(&p);
	to_disk = (v = get(&p, "results")) && !strcmp(v, "disk");
	load_modules(get(&p, "fs"), get(&p, "iosched"), get(&p, "net_peer") != NULL);
	if ((v = get(&p, "timeout")) && atoi(v) > 0)
		alarm((unsigned)atoi(v));
	if (get(&p, "test_hang"))
		for (;;)
			pause();	/* the host's watchdog must end this */
	ndisks = disks(disk);
	interface_up("lo", NULL);	/* no init system does it here */
	const char *peer = get(&p, "net_peer");
	if (peer)
		nic_up((v = get(&p, "net_addr")) ? v : "10.0.2.15");
	apply_knobs(&p, disk, ndisks);
	if ((v = get(&p, "net_queues")))
		set_queues(v);
	/* not on the command line: the catalogue's default, as the host reads it back */
	prepare_disks((v = get(&p, "fs")) ? v : knob_find("guest.fs")->def, paths, &npaths);
	if ((v = get(&p, "wait")) && !strcmp(v, "1"))
		wait_for_start();
	unsigned long long total0, steal0;
	cpu_ticks(&total0, &steal0);

	static char benches[512];
	snprintf(benches, sizeof(benches), "%s", (v = get(&p, "bench")) ? v : "cpu,membw,memlat,tlb,pingpong");
	int quick = (v = get(&p, "quick")) && strcmp(v, "0");
	char *save;
	for (char *b = strtok_r(benches, ",", &save); b; b = strtok_r(NULL, ",", &save)) {
		char *argv[8 + MAX_DISKS];
		int n = 0;
		argv[n++] = "/bin/vmbench";
		argv[n++] = b;
		argv[n++] = "--json";
		if (quick)
			argv[n++] = "--quick";
		if (!strcmp(b, "io")) {
			if (!npaths)
				fail("io: no data disk");
			for (int i = 0; i < npaths; i++)
				argv[n++] = paths[i];
		}
		if (!strcmp(b, "net") && peer) {	/* else both ends here, on lo */
			argv[n++] = "--connect";
			argv[n++] = (char *)peer;
		}
		argv[n] = NULL;
		run(argv);
	}
	if ((v = get(&p, "workload")) && !strcmp(v, "1"))
		run_workload();
	emit_steal(total0, steal0);
	emit("{\"done\":true}");
	power_off();
	return 0;
}
