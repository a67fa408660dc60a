/*
 * libvirt target: each repeat of a trial boots the guest appliance
 * (scripts/build-guest.sh) in a transient domain built from the trial's
 * configuration (domxml.c), reads the agent's lines from the results
 * channel as they arrive, and destroys the domain when it is done, when the
 * trial's time is up (timeout) or when the search is stopped. Data disks are
 * made per trial over the storage paths and removed after it; the serial
 * console is kept per trial, its path stored with the trial.
 *
 * Settings:
 *   uri: qemu:///system      storage: [/var/tmp/vmtune]   memory: 1024 (MiB)
 *   benchmarks: [cpu, membw, memlat, tlb, io, pingpong]   quick: true   (net too: the
 *   guest's own loopback)
 *   guest: <folder of vmlinux and initrd.img>  (default build/guest beside vmtune)
 *   accel: auto | kvm | qemu   (auto: kvm when a probe boot shows it works)
 *   disk_size: 256 (MiB per data disk)
 *   kernel_words: [...]  more words for the guest's kernel command line (tests:
 *                        vmtune.test_hang=1 makes the agent hang, for the watchdog)
 * Overheads are stored as metrics: vm.define_start (s), vm.first_line (s).
 *
 * A remote host (a URI naming a server, e.g. qemu+tcp://rack2/system) gets
 * everything through the libvirt API: the appliance is uploaded into the
 * storage pool "vmtune" (made when missing) under names that carry its
 * sha256, only when that exact image is not there yet; data disks are
 * volumes of that pool; the agent writes its lines to a raw results disk
 * of the pool (vmtune.results=disk), read with virDomainBlockPeek while the
 * guest runs and downloaded once it is gone; pinning layouts come from the
 * host's capabilities XML. Host knobs are refused for remote hosts
 * (trial.c). When the connection to a host is lost, the trial comes back
 * as OUTCOME_HOST_LOST; its domain and volumes stay in the journal until
 * the host answers again. (No channel stream, no AUTODESTROY: libvirt 9.0
 * deadlocks in virChrdevFree when a lost connection's channel stream meets
 * the end of its domain.)
 */
#include "target.h"
#include "target-libvirt.h"
#include "../../lib/clock.h"
#include "../../lib/err.h"
#include "domxml.h"
#include "../../lib/knobs.h"
#include "../../lib/number.h"
#include "../../lib/metricline.h"
#include "../../lib/netif.h"
#include "hostcost.h"
#include "image.h"
#include "instances.h"
#include "inguest.h"
#include "netns.h"
#include "paths.h"
#include "topology.h"
#include "workload.h"
#include "wlpack.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <pwd.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <net/if.h>

extern char **environ;

#define MAX_STORAGE 16
#define PROBE_SECONDS 20.0
#define POOL_NAME "vmtune"
#define POOL_PATH "/var/lib/libvirt/images/vmtune"
/* net.backend tap: the trial's /24, in a namespace of its own (the peer's side and the guest's) */
#define TAP_PEER_ADDR "10.0.3.1"
#define TAP_GUEST_ADDR "10.0.3.2"
#define KEEPALIVE_SECONDS 5	/* a host silent for 4 of these is gone */

struct target {
	virConnectPtr conn;
	int remote;
	virStoragePoolPtr pool;	/* remote hosts: where the appliance and data disks live */
	char *uri, *guest_dir, *benchmarks, *accel, *kernel_words;
	int network;		/* this trial's guest gets a NIC (the plan measures the network) */
	pid_t netns;		/* net.backend tap: the peer whose namespace gets the tap; 0: none */
	char tap[IFNAMSIZ];	/* and the tap's name */
	char *storage[MAX_STORAGE];
	size_t nstorage;
	char *workdir;		/* storage[0]/vmtune-PID: kernel, initrd, trial files */
	char *kernel, *initrd;
	unsigned memory_mib, disk_mib;
	int quick;
	struct topology topo;
	/* A user's image (image:): trials boot overlays of it and run the workload through its agent. */
	char *image;
	const char *image_fmt;
	unsigned long long image_bytes;
	double boot_timeout;
	const struct workload *wl;
	int packed;		/* the appliance: initrd is the workdir's, with the workload */
	int agent_misses;	/* trials in a row whose agent never answered */
	int instances;		/* VMs per trial, side by side (instances:) */
	enum aggregate agg;	/* and the trial's figure from theirs (aggregate:) */
};

static const char *const libvirt_keys[] = {
	"uri", "storage", "memory", "benchmarks", "quick", "guest", "accel", "disk_size",
	"kernel_words", "image", "boot_timeout", "instances", "aggregate", NULL
};
static const char *const libvirt_paths[] = { "image", NULL };

#define BOOT_TIMEOUT 300.0	/* seconds for a user's image to boot until its agent answers */

/* boot_timeout: seconds, or N followed by s or m; 5 s to 1 h. */
static int boot_seconds(const struct target_setting *s, double *out, char *err)
{
	char *end;
	double v = s->nvals == 1 && !s->is_list ? strtod(s->vals[0], &end) : -1;
	if (v > 0 && *end == 'm' && !end[1])
		v *= 60;
	else if (v > 0 && *end && strcmp(end, "s"))
		v = -1;
	if (!(v >= 5 && v <= 3600))
		return seterr(err, "expected boot_timeout from 5s to 60m (such as 180s or 3m)"), -1;
	*out = v;
	return 0;
}

static const struct target_setting *setting(const struct target_setting *s, size_t n,
					    const char *key, size_t *at)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(s[i].key, key)) {
			if (at)
				*at = i;
			return &s[i];
		}
	return NULL;
}

static int check_number(const struct target_setting *s, long lo, long hi, long *out, char *err)
{
	if (s->nvals != 1 || s->is_list || number_parse(s->vals[0], lo, hi, out))
		return seterr(err, "expected %s from %ld to %ld", s->key, lo, hi), -1;
	return 0;
}

/*
 * What reaches the guest's kernel command line from the settings comes from
 * a closed set: vmbench's benchmarks (benchmarks/bench.c), each once, and
 * the test words the agent knows.
 */
static const char *const bench_names[] = { "cpu", "membw", "memlat", "tlb", "io", "pingpong",
					   "net", NULL };
static const char *const test_words[] = { "vmtune.test_hang=1", NULL };

static int one_of(const char *v, const char *const *set)
{
	for (size_t i = 0; set[i]; i++)
		if (!strcmp(v, set[i]))
			return 1;
	return 0;
}

/* A list of words of set, each once; *at: the value at fault. */
static int check_words(const struct target_setting *s, const char *const *set, const char *what,
		       char *err)
{
	if (!s->nvals)
		return seterr(err, "%s: an empty list", s->key), -1;
	for (size_t i = 0; i < s->nvals; i++) {
		if (!one_of(s->vals[i], set)) {
			struct strbuf all = STRBUF_INIT;
			for (size_t k = 0; set[k]; k++)
				strbuf_addf(&all, "%s%s", k ? ", " : "", set[k]);
			seterr(err, "%s: '%.64s' is not %s (%s)", s->key, s->vals[i], what, all.buf);
			strbuf_release(&all);
			return -1;
		}
		for (size_t k = 0; k < i; k++)
			if (!strcmp(s->vals[k], s->vals[i]))
				return seterr(err, "%s: '%s' is listed twice", s->key, s->vals[i]), -1;
	}
	return 0;
}

/*
 * instances: co-located VMs of one trial, on this machine's libvirt (their
 * start signal is a socket here), without the net benchmark (its peer is
 * one per trial).
 */
static int check_instances(const struct target_setting *s, size_t n,
			   const struct target_setting *x, char *err)
{
	long v;
	if (check_number(x, 1, LIBVIRT_MAX_INSTANCES, &v, err))
		return -1;
	const struct target_setting *u = setting(s, n, "uri", NULL), *b = setting(s, n, "benchmarks", NULL);
	if (v > 1 && u && uri_is_remote(u->vals[0]))
		return seterr(err, "instances: co-located VMs run on this machine's libvirt only, "
			      "not %s", u->vals[0]), -1;
	for (size_t i = 0; v > 1 && b && i < b->nvals; i++)
		if (!strcmp(b->vals[i], "net"))
			return seterr(err, "instances: the net benchmark has one peer per trial; "
				      "co-located VMs measure without it"), -1;
	return 0;
}

static int libvirt_check(const struct target_setting *s, size_t n, size_t *bad, char *err)
{
	for (size_t i = 0; i < n; i++) {
		*bad = i;
		const char *k = s[i].key, *v = s[i].nvals ? s[i].vals[0] : "";
		if (!strcmp(k, "memory") && check_number(&s[i], 128, 1 << 20, NULL, err))
			return -1;
		if (!strcmp(k, "disk_size") && check_number(&s[i], 16, 1 << 24, NULL, err))
			return -1;
		if (!strcmp(k, "quick") && (s[i].nvals != 1 || (strcmp(v, "true") && strcmp(v, "false"))))
			return seterr(err, "expected quick: true or false"), -1;
		if (!strcmp(k, "accel") && (s[i].nvals != 1 || (strcmp(v, "auto") && strcmp(v, "kvm") &&
								 strcmp(v, "qemu"))))
			return seterr(err, "expected accel: auto, kvm or qemu"), -1;
		if (!strcmp(k, "storage")) {
			if (!s[i].nvals || s[i].nvals > MAX_STORAGE)
				return seterr(err, "expected 1 to %d storage paths", MAX_STORAGE), -1;
		}
		if (!strcmp(k, "benchmarks") && check_words(&s[i], bench_names, "a benchmark", err))
			return -1;
		if (!strcmp(k, "kernel_words") && check_words(&s[i], test_words, "a test word", err))
			return -1;
		double secs;
		if (!strcmp(k, "boot_timeout") && boot_seconds(&s[i], &secs, err))
			return -1;
		if (!strcmp(k, "image") && (s[i].nvals != 1 || s[i].is_list || !*v))
			return seterr(err, "expected image: the path of a disk image"), -1;
		enum aggregate agg;
		if (!strcmp(k, "aggregate") && (s[i].nvals != 1 || s[i].is_list ||
						aggregate_parse(v, &agg)))
			return seterr(err, "expected aggregate: median, min or mean"), -1;
		if (!strcmp(k, "instances") && check_instances(s, n, &s[i], err))
			return -1;
	}
	*bad = n;
	return 0;
}

static virConnectPtr open_quiet(const char *uri, char *err);

/* A user's image: a disk image QEMU can read, that no running domain writes. */
static int image_ready(const struct target_setting *s, size_t n, const char *path, char *err)
{
	const char *fmt;
	unsigned long long bytes;
	if (image_probe(path, &fmt, &bytes, err))
		return -1;
	const struct target_setting *u = setting(s, n, "uri", NULL);
	virConnectPtr conn = open_quiet(u ? u->vals[0] : "qemu:///system", err);
	if (!conn)
		return -1;
	int rc = image_in_use(conn, path, err);
	virConnectClose(conn);
	return rc;
}

/* Whether the job's space may ask knob for something other than value. */
static int may_leave(const struct space *sp, const char *knob, const char *value)
{
	size_t i;
	const struct param *p = sp ? space_find(sp, knob, &i) : NULL;
	for (size_t k = 0; p && p->type == P_CAT && k < p->nvalues; k++)
		if (strcmp(p->values[k], value))
			return 1;
	return 0;
}

/*
 * Huge pages of size kib the host could hand out: free ones, and what its
 * available memory could become (an upper bound: 1 GiB pages need it
 * unfragmented). Checked before the memory itself: a pool already reserved
 * is not in MemAvailable.
 */
static long long pages_reservable(long kib)
{
	char path[128];
	snprintf(path, sizeof(path), "/sys/kernel/mm/hugepages/hugepages-%ldkB/free_hugepages", kib);
	FILE *f = fopen(path, "r");
	long long free_pages = 0, avail = (long long)(hostcost_mem_available_mib() * 1024);
	if (f && fscanf(f, "%lld", &free_pages) != 1)
		free_pages = 0;
	if (f)
		fclose(f);
	return free_pages + (avail > 0 ? avail / kib : 0);
}

/*
 * Room on this machine for the job's VMs, before anything starts: N of them
 * within its available memory, their huge pages within what it can reserve,
 * and, with pinning asked for, N within its CPUs. The figures say why.
 */
static int room_for(const struct target_setting *s, size_t n, const struct space *sp,
		    size_t *bad, char *err)
{
	size_t at = n;
	const struct target_setting *x = setting(s, n, "instances", &at), *u = setting(s, n, "uri", NULL);
	if (u && uri_is_remote(u->vals[0]))
		return 0;	/* its host's, not this machine's */
	long long inst = x ? atoll(x->vals[0]) : 1;
	long long avail = (long long)(hostcost_mem_available_mib() * 1024);
	long long mib = (x = setting(s, n, "memory", NULL)) ? atoll(x->vals[0]) : LIBVIRT_MEMORY_MIB;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	*bad = at < n ? at : (setting(s, n, "memory", &at) ? at : n);
	static const struct { const char *size; long kib; } sizes[] = { { "2M", 2048 }, { "1G", 1048576 } };
	for (int k = 0; k < 2; k++) {
		size_t i;
		const struct param *p = sp ? space_find(sp, "vm.hugepages", &i) : NULL;
		int asked = 0;
		for (size_t v = 0; p && p->type == P_CAT && v < p->nvalues; v++)
			asked |= !strcmp(p->values[v], sizes[k].size);
		long long need = inst * ((mib * 1024 + sizes[k].kib - 1) / sizes[k].kib), can;
		if (asked && need > (can = pages_reservable(sizes[k].kib)))
			return seterr(err, "vm.hugepages %s: %lld instance%s x %lld MiB need %lld pages "
				      "of %s; this host can reserve %lld", sizes[k].size, inst,
				      inst == 1 ? "" : "s", mib, need, sizes[k].size, can), -1;
	}
	if (avail > 0 && inst * mib > avail / 1024)
		return seterr(err, "%lld instance%s x memory %lld MiB = %lld MiB, over this host's "
			      "available %lld MiB (MemAvailable)", inst, inst == 1 ? "" : "s", mib,
			      inst * mib, avail / 1024), -1;
	if (inst > cpus && may_leave(sp, "vm.pinning", "none"))
		return seterr(err, "%lld instances with vm.pinning: over this host's %ld CPUs", inst,
			      cpus), -1;
	return 0;
}

/* What running trials needs of this machine: the storage folders exist, the image is fit, room. */
static int libvirt_ready(const struct target_setting *s, size_t n, const struct space *sp,
			 size_t *bad, char *err)
{
	if (room_for(s, n, sp, bad, err))
		return -1;
	for (size_t i = 0; i < n; i++) {
		*bad = i;
		for (size_t j = 0; !strcmp(s[i].key, "storage") && j < s[i].nvals; j++) {
			struct stat st;
			if (stat(s[i].vals[j], &st) || !S_ISDIR(st.st_mode))
				return seterr(err, "storage path '%s' is not a folder", s[i].vals[j]), -1;
		}
		if (!strcmp(s[i].key, "image") && image_ready(s, n, s[i].vals[0], err))
			return -1;
	}
	*bad = n;
	return 0;
}

/* Lets QEMU, running as libvirt-qemu, write what it must. */
static void hand_to_qemu(const char *path)
{
	struct passwd *pw = getpwnam("libvirt-qemu");
	if (pw && !getuid())
		(void)!chown(path, pw->pw_uid, pw->pw_gid);
}

static int copy_file(const char *from, const char *final, char *err)
{
	char to[4096];
	snprintf(to, sizeof(to), "%s.%d.tmp", final, (int)getpid());
	FILE *in = fopen(from, "rb"), *out = in ? fopen(to, "wb") : NULL;
	char buf[65536];
	size_t n;
	if (!in || !out) {
		seterr(err, "cannot copy %s to %s: %s", from, to, strerror(errno));
		if (in)
			fclose(in);
		return -1;
	}
	int short_write = 0;
	while (!short_write && (n = fread(buf, 1, sizeof(buf), in)) > 0)
		short_write = fwrite(buf, 1, n, out) != n;
	short_write |= ferror(in);
	fclose(in);
	if (fclose(out) || short_write || chmod(to, 0644) || rename(to, final)) {
		seterr(err, "cannot write %s: %s", final, strerror(errno));
		unlink(to);
		return -1;
	}
	return 0;
}

static char *path_join(const char *a, const char *b)
{
	struct strbuf sb = STRBUF_INIT;
	strbuf_addf(&sb, "%s/%s", a, b);
	return strbuf_detach(&sb);
}

static void quiet_errors(void *ud, virErrorPtr e)
{
	(void)ud, (void)e;	/* libvirt's messages reach the user through err */
}

static const char *last_error(void)
{
	virErrorPtr e = virGetLastError();
	return e && e->message ? e->message : "unknown libvirt error";
}

struct colocated;
static int run_plan(struct target *t, const char *name, const char *type, const char *words,
		    double timeout, const struct space *sp, const union pval *cfg,
		    const struct trial_request *rq, const struct colocated *co,
		    const struct trial_sink *sink, struct trial_result *res);

/* Boots the appliance under KVM with an empty plan: kvm only if it finishes. */
static const char *probe_accel(struct target *t)
{
	struct space sp;
	struct trial_result res;
	struct trial_sink sink = { 0 };
	space_init(&sp);
	trial_result_init(&res);
	run_plan(t, "vmtune-probe", "kvm", "vmtune.bench=", PROBE_SECONDS, &sp, NULL, NULL, NULL,
		 &sink, &res);
	const char *accel = res.outcome == OUTCOME_DONE ? "kvm" : "qemu";
	trial_result_release(&res);
	return accel;
}

/*
 * libvirt's event loop, in a thread of its own: it sends the keepalives that
 * tell a host that stopped answering from a slow one.
 */
static void *event_loop(void *ud)
{
	(void)ud;
	for (;;)
		virEventRunDefaultImpl();
	return NULL;
}

static void start_event_loop(void)
{
	pthread_t th;
	if (virEventRegisterDefaultImpl() == 0 && pthread_create(&th, NULL, event_loop, NULL) == 0)
		pthread_detach(th);
}

/* A connection to uri with libvirt's own error printing off; NULL with err set. */
static virConnectPtr open_quiet(const char *uri, char *err)
{
	virSetErrorFunc(NULL, quiet_errors);
	virConnectPtr conn = virConnectOpen(uri);
	if (!conn)
		seterr(err, "cannot connect to %s: %s", uri, last_error());
	return conn;
}

static int connect_host(struct target *t, char *err)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, start_event_loop);
	if (!(t->conn = open_quiet(t->uri, err)))
		return -1;
	virConnectSetKeepAlive(t->conn, KEEPALIVE_SECONDS, 3);
	return 0;
}

/* The sha256 the appliance's manifest gives file (64 hex digits), or -1. */
static int manifest_sha(const char *guest_dir, const char *file, char sha[65])
{
	char *mf = path_join(guest_dir, "manifest"), line[256], name[128];
	FILE *f = fopen(mf, "r");
	int rc = -1;
	free(mf);
	while (f && rc && fgets(line, sizeof(line), f))
		if (sscanf(line, "sha256 %127s %64s", name, sha) == 2 && !strcmp(name, file) &&
		    strlen(sha) == 64)
			rc = 0;
	if (f)
		fclose(f);
	return rc;
}

/* The pool POOL_NAME on the host, defined, built and started when missing. */
static int ensure_pool(struct target *t, char *err)
{
	t->pool = virStoragePoolLookupByName(t->conn, POOL_NAME);
	if (!t->pool) {
		struct strbuf xml = STRBUF_INIT;
		if (domxml_pool(POOL_NAME, POOL_PATH, &xml, err))
			return -1;
		t->pool = virStoragePoolDefineXML(t->conn, xml.buf, 0);
		strbuf_release(&xml);
		if (!t->pool || virStoragePoolBuild(t->pool, 0) < 0)
			return seterr(err, "%s: cannot make storage pool %s: %s", t->uri, POOL_NAME,
				      last_error()), -1;
		virStoragePoolSetAutostart(t->pool, 1);
	}
	int active = virStoragePoolIsActive(t->pool);
	if (active == 0 && virStoragePoolCreate(t->pool, 0) < 0)
		return seterr(err, "%s: cannot start storage pool %s: %s", t->uri, POOL_NAME,
			      last_error()), -1;
	virStoragePoolRefresh(t->pool, 0);
	return 0;
}

/* A new volume of the pool (over backing, when given); NULL with err. */
static virStorageVolPtr make_volume(struct target *t, const char *name, const char *format,
				    unsigned long long bytes, const struct vol_backing *backing,
				    char *err)
{
	struct strbuf xml = STRBUF_INIT;
	virStorageVolPtr vol = NULL;
	if (domxml_volume(name, format, bytes, backing, &xml, err) == 0) {
		unsigned flags = !strcmp(format, "qcow2-prealloc")
			? VIR_STORAGE_VOL_CREATE_PREALLOC_METADATA : 0;
		vol = virStorageVolCreateXML(t->pool, xml.buf, flags);
		if (!vol)
			seterr(err, "%s: cannot make volume %s: %s", t->uri, name, last_error());
	}
	strbuf_release(&xml);
	return vol;
}

/* Deletes *vol from its pool, if any, and forgets it. */
static void drop_volume(virStorageVolPtr *vol)
{
	if (!*vol)
		return;
	virStorageVolDelete(*vol, 0);
	virStorageVolFree(*vol);
	*vol = NULL;
}

static int upload(struct target *t, virStorageVolPtr vol, const char *path, char *err)
{
	FILE *f = fopen(path, "rb");
	virStreamPtr st = f ? virStreamNew(t->conn, 0) : NULL;
	char buf[256 * 1024];
	size_t n;
	int rc = -1;
	if (!f)
		return seterr(err, "cannot read %s: %s", path, strerror(errno)), -1;
	if (!st || virStorageVolUpload(vol, st, 0, 0, 0) < 0)
		goto out;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		for (size_t off = 0; off < n;) {
			int k = virStreamSend(st, buf + off, n - off);
			if (k < 0) {
				virStreamAbort(st);
				goto out;
			}
			off += (size_t)k;
		}
	rc = ferror(f) ? virStreamAbort(st), -1 : virStreamFinish(st) < 0 ? -1 : 0;
out:
	if (rc)
		seterr(err, "%s: cannot upload %s: %s", t->uri, path, last_error());
	if (st)
		virStreamFree(st);
	fclose(f);
	return rc;
}

/*
 * The appliance file `file` of the guest folder as a volume named
 * PREFIX-SHA256 of the pool: uploaded only when that exact image is not
 * there yet. A marker volume (NAME.ok) is made after a complete upload, so a
 * partial one is never taken for the image. *path: its path on the host.
 */
static int ensure_image(struct target *t, const char *file, const char *prefix, char **path,
			char *err)
{
	char sha[65];
	struct strbuf name = STRBUF_INIT, ok = STRBUF_INIT;
	virStorageVolPtr vol, mark;
	int rc = -1;
	if (manifest_sha(t->guest_dir, file, sha))
		return seterr(err, "no sha256 of %s in %s/manifest (make guest)", file, t->guest_dir),
		       -1;
	strbuf_addf(&name, "%s-%s", prefix, sha);
	strbuf_addf(&ok, "%s.ok", name.buf);
	vol = virStorageVolLookupByName(t->pool, name.buf);
	mark = virStorageVolLookupByName(t->pool, ok.buf);
	if (!vol || !mark) {
		char *local = path_join(t->guest_dir, file);
		struct stat st;
		drop_volume(&mark);
		drop_volume(&vol);	/* a partial upload */
		if (stat(local, &st))
			seterr(err, "cannot read %s: %s", local, strerror(errno));
		else if ((vol = make_volume(t, name.buf, "raw", (unsigned long long)st.st_size, NULL,
						       err)) &&
			 upload(t, vol, local, err) == 0)
			mark = make_volume(t, ok.buf, "raw", 4096, NULL, err);
		free(local);
		if (!mark)
			drop_volume(&vol);
	}
	if (vol && mark && (*path = virStorageVolGetPath(vol)))
		rc = 0;
	if (vol)
		virStorageVolFree(vol);
	if (mark)
		virStorageVolFree(mark);
	strbuf_release(&name);
	strbuf_release(&ok);
	return rc;
}

/* The host's CPUs for pinning layouts: hwloc here, the capabilities XML of a remote host. */
static int host_topology(struct target *t, char *err)
{
	if (!t->remote)
		return topology_load(&t->topo, err);
	char *caps = virConnectGetCapabilities(t->conn);
	if (!caps)
		return seterr(err, "%s: cannot read capabilities: %s", t->uri, last_error()), -1;
	int rc = topology_from_caps(&t->topo, caps, err);
	free(caps);
	return rc;
}

/* A remote host: its topology, its pool, the appliance in it. */
static int open_remote(struct target *t, char *err)
{
	if (connect_host(t, err) || host_topology(t, err) || ensure_pool(t, err) ||
	    ensure_image(t, "vmlinux", "vmlinux", &t->kernel, err) ||
	    ensure_image(t, "initrd.img", "initrd", &t->initrd, err))
		return -1;
	if (!strcmp(t->accel, "auto")) {
		free(t->accel);
		t->accel = xstrdup(probe_accel(t));
	}
	return 0;
}

/*
 * The appliance is copied where QEMU can read it, whatever the checkout's
 * folders allow, under names that carry the manifest's stamp: a cache
 * shared by searches, never a leftover of one. A workload rides on a copy
 * of the initramfs, packed once per search in the workdir.
 */
static int local_appliance(struct target *t, char *err)
{
	struct strbuf sb = STRBUF_INIT;
	char *k = path_join(t->guest_dir, "vmlinux"), *i = path_join(t->guest_dir, "initrd.img");
	char *mf = path_join(t->guest_dir, "manifest"), stamp[80] = "unstamped";
	FILE *f = fopen(mf, "r");
	char line[160];
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "stamp %12s", stamp) == 1)
			break;
	if (f)
		fclose(f);
	free(mf);
	struct strbuf cache = STRBUF_INIT;
	strbuf_addf(&cache, "%s/.vmtune-guest", t->storage[0]);
	mkdir(cache.buf, 0755);
	strbuf_addf(&sb, "%s/vmlinux-%s", cache.buf, stamp);
	t->kernel = strbuf_detach(&sb);
	strbuf_addf(&sb, "%s/initrd-%s.img", cache.buf, stamp);
	t->initrd = strbuf_detach(&sb);
	strbuf_release(&cache);
	int rc = 0;
	if (access(t->kernel, R_OK) || access(t->initrd, R_OK) || !strcmp(stamp, "unstamped"))
		rc = copy_file(k, t->kernel, err) || copy_file(i, t->initrd, err);
	free(k);
	free(i);
	if (rc) {
		seterr(err, "no guest appliance in %s (make guest)", t->guest_dir);
		return -1;
	}
	if (t->wl) {	/* the workload rides on the initramfs, packed once per search */
		strbuf_addf(&sb, "%s/initrd-workload.img", t->workdir);
		char *packed = strbuf_detach(&sb);
		if (workload_pack(t->wl, t->initrd, packed, err)) {
			unlink(packed);
			free(packed);
			return -1;
		}
		hand_to_qemu(packed);
		free(t->initrd);
		t->initrd = packed;
		t->packed = 1;
	}
	return 0;
}

static int open_image(struct target *t, char *err);

static int libvirt_open(struct target **out, const struct target_setting *s, size_t n,
			const char *workdir, const char *host, const struct workload *wl, char *err)
{
	struct target *t = xcalloc(1, sizeof(*t));
	const struct target_setting *x;
	struct strbuf sb = STRBUF_INIT;
	(void)workdir;

	t->uri = xstrdup(host ? host : (x = setting(s, n, "uri", NULL)) ? x->vals[0]
						     : "qemu:///system");
	t->memory_mib = (x = setting(s, n, "memory", NULL)) ? (unsigned)atoi(x->vals[0]) : LIBVIRT_MEMORY_MIB;
	t->disk_mib = (x = setting(s, n, "disk_size", NULL)) ? (unsigned)atoi(x->vals[0]) : LIBVIRT_DISK_MIB;
	t->quick = !(x = setting(s, n, "quick", NULL)) || !strcmp(x->vals[0], "true");
	t->accel = xstrdup((x = setting(s, n, "accel", NULL)) ? x->vals[0] : "auto");
	if ((x = setting(s, n, "benchmarks", NULL))) {
		for (size_t i = 0; i < x->nvals; i++)
			strbuf_addf(&sb, "%s%s", i ? "," : "", x->vals[i]);
		t->benchmarks = strbuf_detach(&sb);
	} else {	/* a workload runs alone unless the job lists benchmarks too */
		t->benchmarks = xstrdup(wl ? "" : LIBVIRT_BENCHMARKS);
	}
	if ((x = setting(s, n, "kernel_words", NULL)))
		for (size_t i = 0; i < x->nvals; i++)
			strbuf_addf(&sb, " %s", x->vals[i]);
	t->kernel_words = strbuf_detach(&sb);
	if ((x = setting(s, n, "storage", NULL)))
		for (size_t i = 0; i < x->nvals; i++)
			t->storage[t->nstorage++] = xstrdup(x->vals[i]);
	else
		t->storage[t->nstorage++] = xstrdup("/var/tmp/vmtune");
	if ((x = setting(s, n, "guest", NULL))) {
		t->guest_dir = xstrdup(x->vals[0]);
	} else {
		t->guest_dir = beside_executable("build/guest");
	}
	t->boot_timeout = BOOT_TIMEOUT;
	if ((x = setting(s, n, "boot_timeout", NULL)) && boot_seconds(x, &t->boot_timeout, err))
		return free(t), -1;
	t->wl = wl;
	t->instances = (x = setting(s, n, "instances", NULL)) ? atoi(x->vals[0]) : 1;
	if ((x = setting(s, n, "aggregate", NULL)))
		aggregate_parse(x->vals[0], &t->agg);
	*out = t;	/* from here on, close() cleans up whatever was made */
	t->remote = uri_is_remote(t->uri);
	if (t->remote && t->instances > 1) {
		strbuf_release(&sb);
		return seterr(err, "%s: co-located VMs (instances: %d) run on this machine's libvirt "
			      "only", t->uri, t->instances), -1;
	}
	if ((x = setting(s, n, "image", NULL)))
		t->image = xstrdup(x->vals[0]);
	if (t->image && t->remote) {
		strbuf_release(&sb);
		return open_image(t, err);
	}
	if (t->remote && wl) {
		strbuf_release(&sb);
		return seterr(err, "%s: a workload in the bundled appliance runs on this machine's "
			      "libvirt only (a user's image runs it on any host)", t->uri), -1;
	}
	if (t->remote) {
		strbuf_release(&sb);
		return open_remote(t, err);
	}

	mkdir(t->storage[0], 0755);
	strbuf_addf(&sb, "%s/vmtune-%d", t->storage[0], (int)getpid());
	t->workdir = strbuf_detach(&sb);
	if (mkdir(t->workdir, 0755) && errno != EEXIST)
		return seterr(err, "cannot make %s: %s", t->workdir, strerror(errno)), -1;
	hand_to_qemu(t->workdir);
	if (t->image)	/* the console logs go to the workdir; there is no appliance */
		return open_image(t, err);
	if (local_appliance(t, err) || host_topology(t, err) || connect_host(t, err))
		return -1;
	if (!strcmp(t->accel, "auto")) {
		free(t->accel);
		t->accel = xstrdup(probe_accel(t));
	}
	return 0;
}

/* A user's image: no appliance; overlays are volumes of the pool vmtune, on any host. */
static int open_image(struct target *t, char *err)
{
	if (image_probe(t->image, &t->image_fmt, &t->image_bytes, err) || connect_host(t, err) ||
	    ensure_pool(t, err) || host_topology(t, err))
		return -1;
	if (!strcmp(t->accel, "auto")) {	/* the appliance's probe says nothing of an image */
		free(t->accel);
		t->accel = xstrdup("qemu");
	}
	return 0;
}

static void libvirt_close(struct target *t)
{
	if (!t)
		return;
	if (t->pool)
		virStoragePoolFree(t->pool);
	if (t->conn)
		virConnectClose(t->conn);
	if (t->packed)
		unlink(t->initrd);
	if (t->workdir)
		rmdir(t->workdir);	/* only when no console log is kept in it */
	topology_release(&t->topo);
	for (size_t i = 0; i < t->nstorage; i++)
		free(t->storage[i]);
	free(t->uri);
	free(t->guest_dir);
	free(t->benchmarks);
	free(t->accel);
	free(t->kernel_words);
	free(t->workdir);
	free(t->kernel);
	free(t->initrd);
	free(t->image);
	free(t);
}

static const char *libvirt_accel(struct target *t)
{
	return !strcmp(t->accel, "kvm") ? "kvm" : "tcg";
}

/* ---- data disks --------------------------------------------------------------- */

static int make_disk(const char *path, const char *format, unsigned mib, char *err)
{
	if (!strcmp(format, "raw")) {
		int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (fd < 0 || ftruncate(fd, (off_t)mib << 20) || close(fd))
			return seterr(err, "cannot make disk %s: %s", path, strerror(errno)), -1;
		hand_to_qemu(path);
		return 0;
	}
	char size[32];
	snprintf(size, sizeof(size), "%uM", mib);
	char *argv[] = { "qemu-img", "create", "-q", "-f", "qcow2", "-o",
			 !strcmp(format, "qcow2-prealloc") ? "preallocation=metadata" : "preallocation=off",
			 (char *)path, size, NULL };
	pid_t pid;
	int status;
	if (posix_spawnp(&pid, "qemu-img", NULL, NULL, argv, environ) ||
	    waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status))
		return seterr(err, "qemu-img could not make %s", path), -1;
	hand_to_qemu(path);
	return 0;
}

static const char *disk_format(const struct space *sp, const union pval *cfg)
{
	size_t i;
	const struct param *p = sp ? space_find(sp, "disk.format", &i) : NULL;
	return p && p->type == P_CAT ? p->values[cfg[i].c] : "raw";
}

/* ---- host knobs ------------------------------------------------------------------ */

/* host.* parameters, and the huge pages vm.hugepages needs, through the journal. */
static int apply_host(const struct space *sp, const union pval *cfg, unsigned memory_mib,
		      const struct trial_sink *sink, char *err)
{
	struct strbuf v = STRBUF_INIT;
	int rc = 0;
	for (size_t i = 0; i < sp->n && !rc; i++) {
		if (strncmp(sp->p[i].name, "host.", 5))
			continue;
		strbuf_reset(&v);
		pval_format(&sp->p[i], cfg[i], &v);
		rc = sink->host(sink->ud, sp->p[i].name, v.buf, err);
	}
	size_t h;
	const struct param *p = space_find(sp, "vm.hugepages", &h);
	const char *size = p && p->type == P_CAT ? p->values[cfg[h].c] : "none";
	if (!rc && strcmp(size, "none")) {
		int giga = !strcmp(size, "1G");
		strbuf_reset(&v);
		strbuf_addf(&v, "%u", giga ? (memory_mib + 1023) / 1024 : (memory_mib + 1) / 2);
		rc = sink->host(sink->ud, giga ? "host.hugepages-1G" : "host.hugepages-2M", v.buf, err);
	}
	/* a size this trial does not use: what an earlier trial reserved goes back */
	if (!rc && p && strcmp(size, "2M"))
		rc = sink->host(sink->ud, "host.hugepages-2M", NULL, err);
	if (!rc && p && strcmp(size, "1G"))
		rc = sink->host(sink->ud, "host.hugepages-1G", NULL, err);
	strbuf_release(&v);
	return rc;
}

/* ---- one boot ------------------------------------------------------------------ */

struct reader {
	int fd;			/* the results file (this machine) */
	virDomainPtr dom;	/* or, remote hosts, the results disk of dom, */
	virStorageVolPtr vol;	/* its volume */
	unsigned long long off;	/* and how much of it was read */
	struct strbuf partial;
	int done, error, first;
	int ready;		/* the guest waits for the start signal */
	struct strbuf error_msg;
	struct strbuf out;	/* a workload's output ({"out":...} lines), for its figures */
};

/*
 * What the agent wrote to the results disk since the last look: the disk is
 * zeros beyond its lines. Through virDomainBlockPeek while the domain runs.
 */
static ssize_t peek(struct reader *r, char *buf, size_t len)
{
	if (!r->dom || virDomainBlockPeek(r->dom, "vdz", r->off, len, buf, 0) < 0)
		return 0;	/* not now: the volume's download takes the rest */
	size_t n = strnlen(buf, len);
	r->off += n;
	return (ssize_t)n;
}

/* The rest of the results disk once the domain is gone: the volume, downloaded. */
static void download_rest(struct reader *r, virConnectPtr conn)
{
	virStreamPtr st = virStreamNew(conn, 0);
	char buf[65536];
	int k = -1, more = 1;
	if (st && virStorageVolDownload(r->vol, st, r->off, 0, 0) == 0) {
		while (more && (k = virStreamRecv(st, buf, sizeof(buf))) > 0) {
			size_t n = strnlen(buf, (size_t)k);
			strbuf_add(&r->partial, buf, n);
			r->off += n;
			r->first |= n > 0;
			more = n == (size_t)k;
		}
		if (k == 0)
			virStreamFinish(st);
		else
			virStreamAbort(st);
	}
	if (st)
		virStreamFree(st);
}

static void take_lines(struct reader *r, const struct trial_sink *sink, struct trial_result *res)
{
	char buf[65536];
	ssize_t n;
	while ((n = r->vol ? peek(r, buf, sizeof(buf)) : read(r->fd, buf, sizeof(buf))) > 0) {
		strbuf_add(&r->partial, buf, (size_t)n);
		r->first = 1;
	}
	char *line = r->partial.buf, *nl;
	while ((nl = strchr(line, '\n'))) {
		*nl = '\0';
		struct metricline ml;
		switch (metricline_parse(line, &ml)) {
		case ML_METRIC:
			if (sink->metric && sink->metric(sink->ud, &ml.m))
				r->error = 2;
			res->nmetrics++;
			break;
		case ML_APPLIED: {
			char knob[128];
			snprintf(knob, sizeof(knob), "guest.%s", ml.knob);
			/* net.model, net.queues: the guest's side of a knob of the domain */
			if (!knob_find(knob) && knob_find(ml.knob))
				snprintf(knob, sizeof(knob), "%s", ml.knob);
			if (sink->applied && sink->applied(sink->ud, knob, NULL, ml.applied_value.buf, 0))
				r->error = 2;
			break;
		}
		case ML_OUT:
			strbuf_addf(&r->out, "%s\n", ml.out);
			break;
		default:
			if (strstr(line, "\"done\":true"))
				r->done = 1;
			else if (!strcmp(line, "{\"ready\":true}"))
				r->ready = 1;
			else if (!strncmp(line, "{\"error\":", 9) && !r->error) {
				r->error = 1;
				strbuf_addstr(&r->error_msg, line);
			} else
				res->nignored++;
			break;
		}
		metricline_release(&ml);
		line = nl + 1;
	}
	size_t left = strlen(line);
	memmove(r->partial.buf, line, left + 1);
	r->partial.len = left;
}

/*
 * One boot of the test VM, in phases: prepare (its disks and, remote
 * hosts, the results disk), boot (the domain XML, host knobs, start, and
 * the live XML compared with what was asked), watch (the agent's lines
 * until the guest powers off, fails, times out or is stopped), classify
 * (the outcome), clean up (whatever was made, journal rows closed).
 */
struct boot {
	struct target *t;
	const char *name;
	const struct space *sp;
	const union pval *cfg;
	const struct trial_request *rq;	/* NULL: the probe, which journals nothing */
	const struct trial_sink *sink;
	struct trial_result *res;
	struct strbuf results, console, words;
	int ndisks;
	char **disks;			/* paths of the data disks */
	virStorageVolPtr *vols;		/* remote hosts: their volumes */
	char *results_vol_path;
	virStorageVolPtr overlay;	/* a user's image: the trial's copy-on-write view of it */
	char *overlay_path;
	char **guest_disks;		/* and the names the guest gives its disks, NULL-ended */
	struct reader r;
	/* co-located VMs: which (1..N, 0 alone), their gate, the start socket, go sent */
	int instance, went;
	struct gate *gate;
	struct strbuf start;
	/* a balloon target: the appliance's benchmarks start once the balloon holds it */
	double balloon_mib, settle_from;
	struct hostcost cost;	/* what it costs the host, sampled while it runs */
	int costing;
	virDomainPtr dom;
	double t0, started;		/* before and after the domain was created */
	int sink_failed, killed;
	char mismatch[ERR_LEN];		/* the first knob libvirt did not take */
	char err[ERR_LEN];
};

/* Whether the guest waits for go: co-located VMs, or a balloon target. */
static int waits_for_go(const struct boot *b)
{
	return b->gate || b->balloon_mib > 0;
}

/* Fails the boot with err: -1. */
static int fail(struct boot *b, const char *why)
{
	strbuf_addstr(&b->res->reason, why);
	return -1;
}

/* A volume of the host's pool, journaled before it is made. */
static virStorageVolPtr journaled_volume(struct boot *b, const char *vname, const char *format,
					 unsigned long long bytes, const struct vol_backing *backing)
{
	if (b->rq && b->sink->undo(b->sink->ud, UNDO_VOLUME, vname, b->t->uri, 0, b->err))
		return NULL;
	virStorageVolPtr v = make_volume(b->t, vname, format, bytes, backing, b->err);
	if (!v && b->rq)
		b->sink->undo(b->sink->ud, UNDO_VOLUME, vname, NULL, 1, b->err);
	return v;
}

/* A user's image: the overlay the trial boots, a volume of the pool, journaled; the guest's disk names. */
static int make_overlay(struct boot *b)
{
	struct target *t = b->t;
	struct strbuf vname = STRBUF_INIT, bus = STRBUF_INIT;
	const struct vol_backing image = { t->image, t->image_fmt };
	strbuf_addf(&vname, "%s-root.qcow2", b->name);
	b->overlay = journaled_volume(b, vname.buf, "qcow2", t->image_bytes, &image);
	strbuf_release(&vname);
	if (!b->overlay || !(b->overlay_path = virStorageVolGetPath(b->overlay)))
		return fail(b, b->overlay ? last_error() : b->err);
	/* the root disk, then the data disks, named as domxml.c names them */
	int virtio = domspec_knob(b->sp, b->cfg, "disk.bus", &bus, NULL) ||
		     !strcmp(bus.buf, "virtio-blk");
	strbuf_release(&bus);
	b->guest_disks = xcalloc((size_t)b->ndisks + 2, sizeof(*b->guest_disks));
	b->guest_disks[0] = xstrdup("vda");
	for (int d = 0; d < b->ndisks; d++) {
		char dev[8];
		domxml_disk_dev(virtio, (size_t)d, 1, dev);
		b->guest_disks[d + 1] = xstrdup(dev);
	}
	return 0;
}

static int prepare(struct boot *b)
{
	struct target *t = b->t;
	for (int d = 0; d < b->ndisks; d++) {
		struct strbuf p = STRBUF_INIT;
		if (t->remote) {	/* volumes of the host's pool */
			strbuf_addf(&p, "%s-d%d.img", b->name, d);
			b->vols[d] = journaled_volume(b, p.buf, disk_format(b->sp, b->cfg),
						      (unsigned long long)t->disk_mib << 20, NULL);
			strbuf_release(&p);
			if (!b->vols[d] || !(b->disks[d] = virStorageVolGetPath(b->vols[d])))
				return fail(b, b->vols[d] ? last_error() : b->err);
			continue;
		}
		strbuf_addf(&p, "%s/%s-d%d.img", t->storage[(size_t)d % t->nstorage], b->name, d);
		b->disks[d] = strbuf_detach(&p);
		if ((b->rq && b->sink->undo(b->sink->ud, UNDO_IMAGE, b->disks[d], NULL, 0, b->err)) ||
		    make_disk(b->disks[d], disk_format(b->sp, b->cfg), t->disk_mib, b->err))
			return fail(b, b->err);
	}
	if (t->image)
		return make_overlay(b);
	if (t->remote) {	/* the agent's lines come back on a disk of their own */
		struct strbuf p = STRBUF_INIT;
		strbuf_addf(&p, "%s-results.img", b->name);
		b->r.vol = journaled_volume(b, p.buf, "raw", 1 << 20, NULL);
		strbuf_release(&p);
		if (!b->r.vol || !(b->results_vol_path = virStorageVolGetPath(b->r.vol)))
			return fail(b, b->r.vol ? last_error() : b->err);
		strbuf_addstr(&b->words, " vmtune.results=disk");
	}
	return 0;
}

/*
 * Whether the QEMU of domain name holds /dev/vhost-net open: libvirt 9.0
 * keeps <driver name='vhost'/> in the live XML even where it could not open
 * it (measured: no /dev/vhost-net on the host, the domain starts without).
 */
static int qemu_has_vhost(const char *name)
{
	char path[PATH_MAX], link[64];
	int pid = (int)hostcost_qemu_pid(name), found = 0;
	snprintf(path, sizeof(path), "/proc/%d/fd", pid);
	DIR *d = pid > 0 ? opendir(path) : NULL;
	struct dirent *e;
	while (d && !found && (e = readdir(d))) {
		snprintf(path, sizeof(path), "/proc/%d/fd/%s", pid, e->d_name);
		ssize_t n = readlink(path, link, sizeof(link) - 1);
		found = n > 0 && (link[n] = '\0', !strcmp(link, "/dev/vhost-net"));
	}
	if (d)
		closedir(d);
	return found;
}

static int verified(void *ud, const char *knob, const char *asked, const char *actual, int same)
{
	struct boot *b = ud;
	if (same && !strcmp(knob, "net.vhost") && !strcmp(asked, "on") && !qemu_has_vhost(b->name)) {
		actual = "off (QEMU holds no /dev/vhost-net)";
		same = 0;
	}
	if (!same && !b->mismatch[0])
		knob_mismatch(b->mismatch, knob, asked, actual);
	return b->sink->applied && b->sink->applied(b->sink->ud, knob, asked, actual, same);
}

/*
 * What libvirt runs, compared knob by knob with what was asked: a VM or
 * disk knob it did not take fails the trial before any benchmark runs.
 */
static int verify_live(struct boot *b)
{
	char *live = virDomainGetXMLDesc(b->dom, 0);
	if (!live)
		return fail(b, last_error());
	strbuf_addstr(&b->res->live_xml, live);
	free(live);
	int differ = domxml_verify(b->res->domain_xml.buf, b->res->live_xml.buf, b->sp, b->cfg,
				   verified, b, b->err);
	if (differ < 0) {
		b->sink_failed = 1;	/* the sink could not store it */
		return fail(b, b->err);
	}
	return differ || b->mismatch[0] ? fail(b, b->mismatch) : 0;	/* vhost: QEMU's files say */
}

/*
 * QEMU has opened the trial's tap (libvirt made it here): it moves into the
 * peer's namespace and gets the peer's side of the trial's /24 there, so
 * the guest's traffic reaches nothing but the peer.
 */
static int tap_into_namespace(struct target *t, char *err)
{
	if (netns_move(t->tap, t->netns, err))
		return -1;
	int sock = netns_socket(t->netns, err);
	if (sock < 0)
		return -1;
	int rc = netif_up(sock, t->tap, TAP_PEER_ADDR, err);
	close(sock);
	return rc;
}

static int boot(struct boot *b, const char *type)
{
	struct target *t = b->t;
	struct dom_spec spec;
	struct vm_env env = {
		.results_disk = b->results_vol_path, .guest_words = b->words.buf,
		.name = b->name, .type = type, .kernel = t->kernel, .initrd = t->initrd,
		.results_path = t->remote ? NULL : b->results.buf,
		.console_path = t->remote ? NULL : b->console.buf, .memory_mib = t->memory_mib,
		.cpus = &t->topo.cpus, .disk_paths = b->disks, .network = t->network,
		.tap = t->netns ? t->tap : NULL, .root = b->overlay_path, .root_backing = t->image,
		.root_backing_format = t->image_fmt, .start_path = waits_for_go(b) ? b->start.buf : NULL,
	};
	if (domspec_from_config(&spec, b->sp, b->cfg, &env, b->err))
		return fail(b, b->err);
	int rc = domxml_build(&spec, &b->res->domain_xml, b->err);
	domspec_release(&spec);
	if (rc)
		return fail(b, b->err);
	if (!t->remote)
		strbuf_addstr(&b->res->console_path, b->console.buf);
	/* co-located VMs: the trial applied them once for all */
	if (b->rq && !t->remote && !b->gate && apply_host(b->sp, b->cfg, t->memory_mib, b->sink, b->err))
		return fail(b, b->err);
	if (b->rq && b->sink->undo(b->sink->ud, UNDO_DOMAIN, b->name, t->uri, 0, b->err))
		return fail(b, b->err);
	b->t0 = mono();
	/*
	 * Not AUTODESTROY, and no channel stream for remote hosts: libvirt 9.0
	 * deadlocks (virChrdevFree) when the domain of a lost connection's
	 * channel stream ends. A domain of a lost host stays in the journal and
	 * is destroyed when the host answers again (or by vmtune restore); its
	 * plan's own deadline ends it meanwhile.
	 */
	b->dom = virDomainCreateXML(t->conn, b->res->domain_xml.buf, 0);
	b->r.dom = b->dom;
	b->started = mono();
	if (!b->dom) {
		strbuf_addf(&b->res->reason, "libvirt: %s", last_error());
		return -1;
	}
	if (b->rq) {
		hostcost_start(&b->cost, b->dom, b->name, !t->remote);
		b->costing = 1;
	}
	if (t->netns && tap_into_namespace(t, b->err))
		return fail(b, b->err);
	struct metric m = { .name = "vm.define_start", .value = b->started - b->t0, .unit = "s",
			    .better = BETTER_LOWER };
	if (b->rq && b->sink->metric && b->sink->metric(b->sink->ud, &m))
		b->sink_failed = 1;
	return b->rq ? verify_live(b) : 0;
}

/* The start signal: one byte to the guest's start port, through the socket QEMU listens on. */
static int send_go(struct boot *b)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	snprintf(a.sun_path, sizeof(a.sun_path), "%s", b->start.buf);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0), rc = -1;
	if (fd >= 0 && !connect(fd, (struct sockaddr *)&a, sizeof(a)) && write(fd, "g", 1) == 1)
		rc = 0;
	if (rc)
		strbuf_addf(&b->res->reason, "cannot say go to the guest (%s): %s", b->start.buf,
			    strerror(errno));
	if (fd >= 0)
		close(fd);
	return rc;
}

/* Slack of a balloon's read-back: 2% of the target, at least 8 MiB. */
static double balloon_slack(double want)
{
	return want * 0.02 > 8 ? want * 0.02 : 8;
}

/*
 * Whether the guest's balloon is still on its way to its target: its
 * driver inflates it after boot, slowly under TCG, and the benchmarks
 * measure the ballooned guest. At most BALLOON_SETTLE_S, then go anyway
 * (the read-back fails the trial if the balloon never got there).
 */
#define BALLOON_SETTLE_S 60
static int ballooning(struct boot *b)
{
	double have = hostcost_actual(&b->cost);
	if (!b->settle_from)
		b->settle_from = mono();
	if (have >= 0 && fabs(have - b->balloon_mib) <= balloon_slack(b->balloon_mib))
		return 0;
	return mono() - b->settle_from < BALLOON_SETTLE_S;
}

/*
 * Co-located VMs: once this guest is ready, wait for the others, then say
 * go. 1 while it waits, 0 once said (or nothing to say), -1 when the trial
 * is over (another instance ended before it was ready, or go failed).
 */
static int start_signal(struct boot *b)
{
	if (!waits_for_go(b) || b->went || !b->r.ready)
		return 0;
	if (b->balloon_mib > 0 && ballooning(b))
		return 1;
	switch (b->gate ? gate_poll(b->gate, b->instance) : GATE_GO) {
	case GATE_WAIT:
		return 1;
	case GATE_ABANDON:
		strbuf_addstr(&b->res->reason, "another instance ended before its guest was ready");
		return -1;
	case GATE_GO:
		break;
	}
	b->went = 1;
	return send_go(b);
}

static void watch(struct boot *b, double timeout)
{
	struct target *t = b->t;
	struct reader *r = &b->r;
	double first_at = 0;
	for (int i = 0; i < 200 && r->fd < 0 && !t->remote; i++) {	/* QEMU makes the file as it starts */
		r->fd = open(b->results.buf, O_RDONLY | O_CLOEXEC);
		if (r->fd < 0)
			usleep(10000);
	}
	for (;;) {
		if (r->fd >= 0 || r->vol)
			take_lines(r, b->sink, b->res);
		if (r->first && !first_at) {
			first_at = mono();
			struct metric m = { .name = "vm.first_line", .value = first_at - b->started,
					    .unit = "s", .better = BETTER_LOWER };
			if (b->rq && b->sink->metric && b->sink->metric(b->sink->ud, &m))
				b->sink_failed = 1;
		}
		int state, reason;
		if (virDomainGetState(b->dom, &state, &reason, 0) < 0 || state == VIR_DOMAIN_SHUTOFF ||
		    state == VIR_DOMAIN_CRASHED)
			break;
		if (start_signal(b) < 0) {
			;	/* said */
		} else if (state == VIR_DOMAIN_PAUSED && reason == VIR_DOMAIN_PAUSED_IOERROR) {
			strbuf_addstr(&b->res->reason, "the guest paused on an I/O error");
		} else if (state == VIR_DOMAIN_PAUSED) {
			strbuf_addstr(&b->res->reason, "the guest stopped (emulation failure?)");
		} else if (timeout > 0 && mono() - b->t0 > timeout) {
			b->res->outcome = OUTCOME_TIMEOUT;
			strbuf_addf(&b->res->reason, "timed out after %gs", timeout);
		} else if (b->rq && b->rq->stop && *b->rq->stop) {
			b->res->outcome = OUTCOME_INTERRUPTED;
			strbuf_addstr(&b->res->reason, "interrupted");
		} else {
			usleep(20000);
			continue;
		}
		b->killed = 1;
		virDomainDestroy(b->dom);
		break;
	}
	if (r->vol && virConnectIsAlive(t->conn) == 1) {
		r->dom = NULL;	/* gone or going: the volume has the rest */
		download_rest(r, t->conn);
	}
	if (r->fd >= 0 || r->vol)
		take_lines(r, b->sink, b->res);
}

/* The outcome of a boot that got as far as watching its guest. */
static void classify(struct boot *b)
{
	struct trial_result *res = b->res;
	int rc;
	if (b->sink_failed || b->r.error == 2) {
		strbuf_reset(&res->reason);
		strbuf_addstr(&res->reason, "could not store a result");
		res->outcome = OUTCOME_FAILED;
	} else if (b->killed) {
		;	/* said when it was killed */
	} else if (b->r.error) {
		strbuf_addf(&res->reason, "guest: %s", b->r.error_msg.buf);
	} else if (!b->r.done) {
		strbuf_addstr(&res->reason, "the guest stopped before its plan was done");
	} else if (b->t->wl && (rc = workload_take_output(b->t->wl, b->r.out.buf, b->sink, res,
							   b->err))) {
		if (rc == -2)
			b->sink_failed = 1;
		text_tail(b->r.out.buf, 1000, &res->stderr_tail);
		strbuf_addstr(&res->reason, b->err);
	} else if (!res->nmetrics && b->sp->n) {
		strbuf_addstr(&res->reason, "no metric line");
	} else {
		res->outcome = OUTCOME_DONE;
	}
}

/* Whatever the boot made goes, and its journal rows with it; a lost host's stay. */
static void clean_up(struct boot *b)
{
	struct target *t = b->t;
	const struct trial_sink *sink = b->sink;
	int journaled = b->rq && sink->undo;
	if (b->dom) {	/* transient: destroying it undefines it */
		int state, why, gone;
		if (virDomainDestroy(b->dom) == 0)
			gone = 1;
		else if (virDomainGetState(b->dom, &state, &why, 0) < 0)
			gone = virConnectIsAlive(t->conn) == 1;	/* no such domain any more */
		else
			gone = state == VIR_DOMAIN_SHUTOFF;
		virDomainFree(b->dom);
		if (journaled && gone)	/* else the journal keeps it, for when the host is back */
			sink->undo(sink->ud, UNDO_DOMAIN, b->name, NULL, 1, b->err);
	} else if (journaled) {
		sink->undo(sink->ud, UNDO_DOMAIN, b->name, NULL, 1, b->err);
	}
	if (b->r.vol) {
		const char *vname = virStorageVolGetName(b->r.vol);
		if (virStorageVolDelete(b->r.vol, 0) == 0 && journaled && vname)
			sink->undo(sink->ud, UNDO_VOLUME, vname, NULL, 1, b->err);
		virStorageVolFree(b->r.vol);
	}
	free(b->results_vol_path);
	if (b->overlay) {
		const char *vname = virStorageVolGetName(b->overlay);
		if (virStorageVolDelete(b->overlay, 0) == 0 && journaled && vname)
			sink->undo(sink->ud, UNDO_VOLUME, vname, NULL, 1, b->err);
		virStorageVolFree(b->overlay);
	}
	free(b->overlay_path);
	for (size_t d = 0; b->guest_disks && b->guest_disks[d]; d++)
		free(b->guest_disks[d]);
	free(b->guest_disks);
	if (b->r.fd >= 0)
		close(b->r.fd);
	for (int d = 0; d < b->ndisks; d++) {
		if (b->vols && b->vols[d]) {
			const char *vname = virStorageVolGetName(b->vols[d]);
			/* a host that went away keeps it in the journal, for vmtune restore */
			if (virStorageVolDelete(b->vols[d], 0) == 0 && journaled && vname)
				sink->undo(sink->ud, UNDO_VOLUME, vname, NULL, 1, b->err);
			virStorageVolFree(b->vols[d]);
		} else if (b->disks[d] && !unlink(b->disks[d]) && journaled) {
			sink->undo(sink->ud, UNDO_IMAGE, b->disks[d], NULL, 1, b->err);
		}
		free(b->disks[d]);
	}
	free(b->disks);
	free(b->vols);
	if (!t->remote) {
		if (!b->rq)	/* the probe keeps nothing */
			unlink(b->console.buf);
		unlink(b->results.buf);
	}
	strbuf_release(&b->results);
	strbuf_release(&b->console);
	strbuf_release(&b->words);
	strbuf_release(&b->r.partial);
	strbuf_release(&b->r.error_msg);
	strbuf_release(&b->r.out);
}

/* A user's image, booted: the trial through its guest agent; two silent agents in a row stop the search. */
/* A user's image, co-located: its setup is done; run starts when every instance's is. */
static int image_go(void *ud)
{
	struct boot *b = ud;
	b->r.ready = 1;
	for (;;) {
		int s = start_signal(b);
		if (s <= 0)
			return s;
		if (b->rq && b->rq->stop && *b->rq->stop) {
			b->res->outcome = OUTCOME_INTERRUPTED;
			strbuf_addstr(&b->res->reason, "interrupted");
			return -1;
		}
		usleep(20000);
	}
}

static void in_guest(struct boot *b, double timeout)
{
	struct strbuf aff = STRBUF_INIT, vcpus = STRBUF_INIT;
	domspec_knob(b->sp, b->cfg, "guest.affinity", &aff, NULL);	/* checked by domspec */
	domspec_knob(b->sp, b->cfg, "vm.vcpus", &vcpus, NULL);
	struct inguest g = {
		.dom = b->dom, .sp = b->sp, .cfg = b->cfg, .wl = b->t->wl, .disks = (const char *const *)b->guest_disks,
		.affinity = aff.buf, .vcpus = (unsigned)atoi(vcpus.buf),
		.boot_timeout = b->t->boot_timeout, .deadline = timeout > 0 ? b->t0 + timeout : 0,
		.stop = b->rq ? b->rq->stop : NULL, .sink = b->sink, .res = b->res,
		.go = b->gate ? image_go : NULL, .go_ud = b,
	};
	inguest_run(&g);
	strbuf_release(&aff);
	strbuf_release(&vcpus);
	if (g.sink_failed)
		b->sink_failed = 1;
	/* atomic: co-located VMs of one trial end in threads of their own */
	int misses = g.no_agent ? __atomic_add_fetch(&b->t->agent_misses, 1, __ATOMIC_RELAXED) : 0;
	if (!g.no_agent)
		__atomic_store_n(&b->t->agent_misses, 0, __ATOMIC_RELAXED);
	if (misses >= 2)
		b->res->stop_search = 1;
}

/* Co-located VMs: which of them a boot is (1..N), and their gate. */
struct colocated {
	int instance;
	struct gate *gate;
};

/* What the boot cost its host, to the sink (0 alone, else its instance number). */
static void cost_out(struct boot *b)
{
	if (!b->costing)
		return;
	hostcost_stop(&b->cost);
	b->costing = 0;
	if (hostcost_emit(&b->cost, b->instance, b->sink))
		b->sink_failed = 1;
}

/* The memory vm.balloon_target asks the guest down to, MiB; 0: none asked. */
static double balloon_target_mib(const struct target *t, const struct space *sp,
				 const union pval *cfg)
{
	struct strbuf v = STRBUF_INIT;
	double mib = 0;
	if (!domspec_knob(sp, cfg, "vm.balloon_target", &v, NULL) && atoi(v.buf) < 100)
		mib = t->memory_mib * atof(v.buf) / 100;
	strbuf_release(&v);
	return mib;
}

/*
 * vm.balloon_target, read back from the balloon's statistics once the trial
 * ran: the guest must hold what was asked (within 2% or 8 MiB), else its
 * balloon driver never inflated, and the trial fails.
 */
static void balloon_back(struct boot *b)
{
	struct strbuf asked = STRBUF_INIT, got = STRBUF_INIT;
	if (!b->rq || b->res->outcome != OUTCOME_DONE ||
	    domspec_knob(b->sp, b->cfg, "vm.balloon_target", &asked, NULL) || atoi(asked.buf) >= 100) {
		strbuf_release(&asked);
		return;
	}
	double want = b->t->memory_mib * atof(asked.buf) / 100, have = b->cost.actual;
	int same = have >= 0 && fabs(have - want) <= balloon_slack(want);
	if (have >= 0)
		strbuf_addf(&got, "%.0f", 100 * have / b->t->memory_mib);
	else
		strbuf_addstr(&got, "unknown (no balloon statistics)");
	if (b->sink->applied && b->sink->applied(b->sink->ud, "vm.balloon_target", asked.buf, got.buf,
						 same))
		b->sink_failed = 1;
	if (!same) {
		b->res->outcome = OUTCOME_FAILED;
		strbuf_reset(&b->res->reason);
		strbuf_addf(&b->res->reason, "vm.balloon_target not applied: asked %s%% (%.0f MiB), the "
			    "guest holds %s%s (its balloon driver?)", asked.buf, want, got.buf,
			    have >= 0 ? "%" : "");
	}
	strbuf_release(&asked);
	strbuf_release(&got);
}

static int run_plan(struct target *t, const char *name, const char *type, const char *words,
		    double timeout, const struct space *sp, const union pval *cfg,
		    const struct trial_request *rq, const struct colocated *co,
		    const struct trial_sink *sink, struct trial_result *res)
{
	static const union pval none;
	struct space empty;
	struct boot b = {
		.t = t, .name = name, .sp = sp, .cfg = cfg, .rq = rq, .sink = sink, .res = res,
		.results = STRBUF_INIT, .console = STRBUF_INIT, .words = STRBUF_INIT,
		.r = { .fd = -1, .partial = STRBUF_INIT, .error_msg = STRBUF_INIT, .out = STRBUF_INIT },
		.start = STRBUF_INIT, .instance = co ? co->instance : 0, .gate = co ? co->gate : NULL,
	};
	if (!sp || !sp->n) {
		space_init(&empty);
		b.sp = &empty;
		b.cfg = &none;
	}
	b.ndisks = domspec_disk_count(b.sp, b.cfg);
	b.disks = xcalloc((size_t)b.ndisks + 1, sizeof(char *));
	if (t->remote)
		b.vols = xcalloc((size_t)b.ndisks + 1, sizeof(*b.vols));
	strbuf_addf(&b.results, "%s/%s.results", t->workdir, name);
	strbuf_addf(&b.console, "%s/%s.console", t->workdir, name);
	strbuf_addf(&b.start, "%s/%s.start", t->workdir, name);
	strbuf_addstr(&b.words, words);
	b.balloon_mib = t->image || !rq ? 0 : balloon_target_mib(t, sp, cfg);
	if (waits_for_go(&b) && !t->image)	/* the appliance's agent waits for go */
		strbuf_addstr(&b.words, " vmtune.wait=1");
	if (!t->remote) {	/* remote hosts: no file here */
		unlink(b.results.buf);
		unlink(b.console.buf);
		unlink(b.start.buf);
	}
	res->outcome = OUTCOME_FAILED;
	if (!prepare(&b) && !boot(&b, type)) {
		if (t->image) {
			in_guest(&b, timeout);
			cost_out(&b);
		} else {
			watch(&b, timeout);
			cost_out(&b);
			classify(&b);
		}
		balloon_back(&b);
	}
	if (b.costing) {	/* it started, then failed before its trial ran */
		hostcost_stop(&b.cost);
		b.costing = 0;
	}
	if (t->conn && virConnectIsAlive(t->conn) != 1) {	/* says nothing of the configuration */
		strbuf_reset(&res->reason);
		strbuf_addf(&res->reason, "lost the connection to %s", t->uri);
		res->outcome = OUTCOME_HOST_LOST;
	}
	int rc = b.sink_failed ? -1 : 0;
	clean_up(&b);
	if (!t->remote)
		unlink(b.start.buf);
	strbuf_release(&b.start);
	return rc;
}

/* ---- the network peer ------------------------------------------------------ */

/* Whether the plan measures the network (benchmark net): the guest gets a NIC and a peer. */
static int plan_has_net(const struct target *t)
{
	struct strbuf list = STRBUF_INIT;
	strbuf_addf(&list, ",%s,", t->benchmarks);
	int yes = strstr(list.buf, ",net,") != NULL;
	strbuf_release(&list);
	return yes;
}

/*
 * Starts `vmbench net --server` on a port of its choosing, bounded by
 * max_seconds even if nothing stops it. On this machine's loopback, which
 * the guest reaches as 10.0.2.2 through QEMU's user networking; or, in_netns,
 * in a network namespace of its own, where only the trial's tap will be:
 * either way the trial's traffic never leaves the host. Journaled once it
 * runs. *port set.
 */
static int start_peer(const struct trial_sink *sink, int journal, double max_seconds, int in_netns,
		      pid_t *pid, int *port, char *err)
{
	char *vmbench = beside_executable("vmbench"), secs[32], line[256];
	char *argv[] = { vmbench, "net", "--server", "--bind", in_netns ? "0.0.0.0" : "127.0.0.1",
			 "--json", "--max-seconds", secs, NULL };
	int fd[2], rc = 0;
	snprintf(secs, sizeof(secs), "%d", (int)max_seconds + 1);
	if (pipe2(fd, O_CLOEXEC)) {
		free(vmbench);
		return seterr(err, "network peer: %s", strerror(errno)), -1;
	}
	if (in_netns) {
		rc = netns_spawn(argv, fd[1], pid, err) ? -1 : 0;
	} else {
		posix_spawn_file_actions_t fa;
		posix_spawn_file_actions_init(&fa);
		posix_spawn_file_actions_adddup2(&fa, fd[1], 1);
		rc = posix_spawn(pid, vmbench, &fa, NULL, argv, environ);
		posix_spawn_file_actions_destroy(&fa);
		if (rc)
			seterr(err, "cannot start the network peer (vmbench): %s", strerror(rc));
	}
	close(fd[1]);
	free(vmbench);
	if (rc) {
		close(fd[0]);
		return -1;
	}
	FILE *f = fdopen(fd[0], "r");	/* its first line says its port: "serving on A.B.C.D:PORT" */
	*port = 0;
	if (f && fgets(line, sizeof(line), f)) {
		const char *at = strstr(line, "serving on "), *colon = at ? strchr(at, ':') : NULL;
		*port = colon ? atoi(colon + 1) : 0;
	}
	if (f)
		fclose(f);
	else
		close(fd[0]);
	char what[32];
	snprintf(what, sizeof(what), "%d", (int)*pid);
	if (*port <= 0 || (journal && sink->undo(sink->ud, UNDO_PEER, what, NULL, 0, err))) {
		if (*port <= 0)
			seterr(err, "the network peer (vmbench net --server) said no port");
		kill(*pid, SIGTERM);
		waitpid(*pid, NULL, 0);
		return -1;
	}
	return 0;
}

static void stop_peer(const struct trial_sink *sink, int journal, pid_t pid)
{
	char what[32], err[ERR_LEN];
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	snprintf(what, sizeof(what), "%d", (int)pid);
	if (journal)
		sink->undo(sink->ud, UNDO_PEER, what, NULL, 1, err);
}

/* ---- co-located VMs --------------------------------------------------------- */

struct colocation {
	struct target *t;
	const char *name, *words;
	const struct trial_request *rq;
};

static int run_instance(void *ud, int instance, struct gate *g, const struct trial_sink *sink,
			struct trial_result *res)
{
	struct colocation *c = ud;
	struct colocated co = { .instance = instance, .gate = g };
	struct strbuf name = STRBUF_INIT;
	strbuf_addf(&name, "%s-i%d", c->name, instance);
	int rc = run_plan(c->t, name.buf, !strcmp(c->t->accel, "kvm") ? "kvm" : "qemu", c->words,
			  c->rq->timeout, c->rq->space, c->rq->config, c->rq, &co, sink, res);
	strbuf_release(&name);
	return rc;
}

/*
 * instances: N domains of the configuration at once, each with its own
 * disks (and overlay), its guest waiting for the start signal; the host
 * knobs (and the huge pages of all N) applied once for all of them.
 */
static int run_colocated(struct target *t, const char *name, const char *words,
			 const struct trial_request *rq, const struct trial_sink *sink,
			 struct trial_result *res)
{
	char err[ERR_LEN];
	struct colocation c = { .t = t, .name = name, .words = words, .rq = rq };
	if (apply_host(rq->space, rq->config, t->memory_mib * (unsigned)t->instances, sink, err)) {
		res->outcome = OUTCOME_FAILED;
		strbuf_addstr(&res->reason, err);
		return 0;
	}
	return instances_run(t->instances, t->agg, run_instance, &c, sink, res);
}

static int libvirt_run(struct target *t, const struct trial_request *rq,
		       const struct trial_sink *sink, struct trial_result *res)
{
	struct strbuf name = STRBUF_INIT, words = STRBUF_INIT;
	char err[ERR_LEN];
	pid_t peer = 0;
	int port, rc = 0, net = !t->image && plan_has_net(t), tap = 0;
	static unsigned taps;	/* the trials' taps, numbered: names stay unique and short */
	strbuf_addf(&name, "vmtune-%d-t%lld-r%d", (int)getpid(), (long long)rq->trial_id, rq->repeat);
	strbuf_addf(&words, "vmtune.bench=%s vmtune.quick=%d%s", t->benchmarks, t->quick,
		    t->kernel_words);
	if (t->wl)
		strbuf_addstr(&words, " vmtune.workload=1");
	if (rq->timeout > 0)	/* the agent's own deadline is a backstop to the watchdog here */
		strbuf_addf(&words, " vmtune.timeout=%d", (int)rq->timeout + 30);
	if (net && t->remote) {
		res->outcome = OUTCOME_FAILED;
		strbuf_addstr(&res->reason, "the net benchmark's peer runs on this machine: not with a "
			      "remote host");
		goto out;
	}
	if (net) {
		struct strbuf backend = STRBUF_INIT;
		tap = !domspec_knob(rq->space, rq->config, "net.backend", &backend, NULL) &&
		      !strcmp(backend.buf, "tap");
		strbuf_release(&backend);
	}
	if (net && start_peer(sink, 1, rq->timeout > 0 ? rq->timeout + 60 : 3600, tap, &peer, &port,
			      err)) {
		res->outcome = OUTCOME_FAILED;
		strbuf_addstr(&res->reason, err);
		goto out;
	}
	if (net && tap)	/* the peer's namespace, where the tap goes once QEMU has it */
		strbuf_addf(&words, " vmtune.net_addr=" TAP_GUEST_ADDR " vmtune.net_peer=" TAP_PEER_ADDR
			    ":%d", port);
	else if (net)	/* QEMU's user networking: the guest's 10.0.2.2 is the host's 127.0.0.1 */
		strbuf_addf(&words, " vmtune.net_addr=10.0.2.15 vmtune.net_peer=10.0.2.2:%d", port);
	t->network = net;
	t->netns = tap ? peer : 0;
	snprintf(t->tap, sizeof(t->tap), "vmt%d.%u", (int)getpid(),
		 __atomic_fetch_add(&taps, 1, __ATOMIC_RELAXED) % 10000);
	if (t->instances > 1) {
		rc = run_colocated(t, name.buf, words.buf, rq, sink, res);
		goto out;
	}
	rc = run_plan(t, name.buf, !strcmp(t->accel, "kvm") ? "kvm" : "qemu", words.buf,
		      rq->timeout, rq->space, rq->config, rq, NULL, sink, res);
	if (net)
		stop_peer(sink, 1, peer);
out:
	strbuf_release(&name);
	strbuf_release(&words);
	return rc;
}

/*
 * Deletes a leftover data-disk volume of a remote host's pool; 0 if already
 * gone, 1 when the host cannot be reached (try again later), -1 on another
 * failure.
 */
static int target_libvirt_delete_volume(const char *uri, const char *name, char *err)
{
	virConnectPtr conn = open_quiet(uri, err);
	if (!conn)
		return 1;
	virStoragePoolPtr pool = virStoragePoolLookupByName(conn, POOL_NAME);
	virStorageVolPtr vol = pool ? virStorageVolLookupByName(pool, name) : NULL;
	int rc = 0;
	if (vol && virStorageVolDelete(vol, 0) < 0) {
		seterr(err, "%s: cannot delete volume %s: %s", uri, name, last_error());
		rc = -1;
	}
	if (vol)
		virStorageVolFree(vol);
	if (pool)
		virStoragePoolFree(pool);
	virConnectClose(conn);
	return rc;
}

/*
 * Destroys a leftover domain of a crashed search or a lost host; 0 if already
 * gone, 1 when its host cannot be reached.
 */
static int target_libvirt_destroy(const char *uri, const char *name, char *err)
{
	virConnectPtr conn = open_quiet(uri, err);
	if (!conn)
		return 1;
	virDomainPtr dom = virDomainLookupByName(conn, name);
	int rc = 0;
	if (dom) {
		int state, reason;
		if (virDomainGetState(dom, &state, &reason, 0) == 0 && state != VIR_DOMAIN_SHUTOFF &&
		    virDomainDestroy(dom) < 0) {
			virErrorPtr e = virGetLastError();
			if (!e || e->code != VIR_ERR_NO_DOMAIN) {	/* it may just have powered off */
				seterr(err, "cannot destroy %s: %s", name, last_error());
				rc = -1;
			}
		}
		virDomainFree(dom);
	}
	virConnectClose(conn);
	return rc;
}

/* A crashed search's domain or remote volume (vmtune restore). */
static int libvirt_undo(enum undo_kind kind, const char *what, const char *host, char *err)
{
	if (kind == UNDO_DOMAIN)
		return target_libvirt_destroy(host, what, err);
	if (kind == UNDO_VOLUME)
		return target_libvirt_delete_volume(host, what, err);
	return TARGET_NOT_MINE;
}

const struct target_ops target_libvirt = {
	.name = "libvirt",
	.help = "boots the guest appliance, or a user's image, per trial through libvirt",
	.keys = libvirt_keys,
	.knob_defaults = 1,
	.takes_workload = 1,
	.path_keys = libvirt_paths,
	.check = libvirt_check,
	.check_space = libvirt_check_space,
	.space_rules = libvirt_space_rules,
	.ready = libvirt_ready,
	.open = libvirt_open,
	.run = libvirt_run,
	.undo = libvirt_undo,
	.accel = libvirt_accel,
	.close = libvirt_close,
};
