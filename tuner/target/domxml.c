#include "domxml.h"
#include "../../lib/strbuf.h"
#include "../../lib/err.h"
#include "../../lib/knobs.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xpath.h>

/* ---- knobs of a configuration ------------------------------------------- */

/* The knob's value in the configuration as text, or its default; -1 outside its domain. */
int domspec_knob(const struct space *sp, const union pval *cfg, const char *name,
		 struct strbuf *out, char *err)
{
	size_t i;
	const struct knob *k = knob_find(name);
	strbuf_reset(out);
	const struct param *p = space_find(sp, name, &i);
	if (p) {
		pval_format(p, cfg[i], out);
		if (p->type == P_BOOL)	/* on/off knobs may be declared as bools */
			strbuf_reset(out), strbuf_addstr(out, cfg[i].b ? "on" : "off");
	} else {
		strbuf_addstr(out, k->def);
	}
	return knob_check(k, out->buf, err);
}

int domspec_disk_count(const struct space *sp, const union pval *cfg)
{
	struct strbuf v = STRBUF_INIT;
	int n = domspec_knob(sp, cfg, "disk.count", &v, NULL) ? 1 : atoi(v.buf);
	strbuf_release(&v);
	return n;
}

/* ---- pinning layouts over the host's CPUs --------------------------------- */

int domxml_layout(const char *name, const struct host_cpus *h, unsigned vcpus, int *pin,
		  char *err)
{
	if ((int)vcpus > h->n)
		return seterr(err, "vm.pinning %s needs %u CPUs, the host has %d", name, vcpus,
			      h->n), -1;
	if (!strcmp(name, "compact")) {
		for (unsigned v = 0; v < vcpus; v++)
			pin[v] = h->pu[v];
		return 0;
	}
	if (!strcmp(name, "per-core")) {
		unsigned v = 0;
		for (int i = 0; i < h->n && v < vcpus; i++)
			if (!i || h->core[i] != h->core[i - 1] || h->package[i] != h->package[i - 1])
				pin[v++] = h->pu[i];
		if (v < vcpus)
			return seterr(err, "vm.pinning per-core needs %u cores, the host has %u",
				      vcpus, v), -1;
		return 0;
	}
	/* spread: round robin over packages, then over cores, then threads */
	int used[4096] = { 0 };
	for (unsigned v = 0; v < vcpus; v++) {
		int best = -1, best_load = 1 << 30;
		for (int i = 0; i < h->n; i++) {
			if (used[i])
				continue;
			int load = 0;	/* vCPUs already on this PU's package, then core */
			for (int j = 0; j < h->n; j++)
				if (used[j])
					load += (h->package[j] == h->package[i]) * 1000 +
						(h->package[j] == h->package[i] && h->core[j] == h->core[i]);
			if (load < best_load)
				best = i, best_load = load;
		}
		used[best] = 1;
		pin[v] = h->pu[best];
	}
	return 0;
}

static char *cpuset_of(const int *pin, unsigned n)
{
	struct strbuf sb = STRBUF_INIT;
	for (unsigned i = 0; i < n; i++) {
		int seen = 0;
		for (unsigned j = 0; j < i; j++)
			seen |= pin[j] == pin[i];
		if (!seen)
			strbuf_addf(&sb, "%s%d", sb.len ? "," : "", pin[i]);
	}
	return strbuf_detach(&sb);
}

static int pinning(struct dom_spec *s, const char *lay, const char *emu, const struct host_cpus *h,
		   char *err)
{
	int pin[4096];
	if (!strcmp(lay, "none")) {
		if (strcmp(emu, "none"))
			return seterr(err, "vm.emulatorpin %s needs a vm.pinning layout", emu), -1;
		return 0;
	}
	if (s->vcpus > 4096 || domxml_layout(lay, h, s->vcpus, pin, err))
		return -1;
	s->vcpupin = xcalloc(s->vcpus, sizeof(char *));
	for (unsigned v = 0; v < s->vcpus; v++) {
		struct strbuf sb = STRBUF_INIT;
		strbuf_addf(&sb, "%d", pin[v]);
		s->vcpupin[v] = strbuf_detach(&sb);
	}
	if (!strcmp(emu, "shared")) {
		s->emulatorpin = cpuset_of(pin, s->vcpus);
	} else if (!strcmp(emu, "dedicated")) {
		for (int i = h->n - 1; i >= 0 && !s->emulatorpin; i--) {
			int taken = 0;
			for (unsigned v = 0; v < s->vcpus; v++)
				taken |= pin[v] == h->pu[i];
			if (!taken)
				s->emulatorpin = cpuset_of(&h->pu[i], 1);
		}
		if (!s->emulatorpin)
			return seterr(err, "vm.emulatorpin dedicated needs a CPU the %u vCPUs leave free",
				      s->vcpus), -1;
	}
	return 0;
}

/* ---- configuration -> spec ------------------------------------------------ */

/* The guest's kernel command line; NULL (err set) when a guest value is outside its domain. */
static char *cmdline(const struct space *sp, const union pval *cfg, const char *extra,
		     unsigned queues, char *err)
{
	struct strbuf sb = STRBUF_INIT;
	/*
	 * Boot faster under emulation without changing what the benchmarks see:
	 * trust the TSC and the CPU's RNG, skip crypto self-tests and the timer
	 * check, one UART, and expedited RCU during boot only (measured under
	 * TCG here: about 3.3 s -> 2.8 s to the agent's first line).
	 */
	strbuf_addstr(&sb, "console=ttyS0 quiet panic=-1 tsc=reliable no_timer_check "
		      "cryptomgr.notests random.trust_cpu=on 8250.nr_uarts=1 "
		      "rcupdate.rcu_expedited=1 rcupdate.rcu_normal_after_boot=1");
	struct strbuf v = STRBUF_INIT;
	for (size_t k = 0; k < knob_count(); k++) {	/* the catalogue's guest knobs */
		const struct knob *g = knob_at(k);
		size_t i;
		const struct param *p = space_find(sp, g->name, &i);
		if (g->level != KNOB_GUEST || !p)
			continue;
		strbuf_reset(&v);
		pval_format(p, cfg[i], &v);
		if (knob_check(g, v.buf, err)) {	/* never on a command line */
			strbuf_release(&v);
			strbuf_release(&sb);
			return NULL;
		}
		strbuf_addf(&sb, " vmtune.%s=%s", g->name + 6, v.buf);
	}
	strbuf_release(&v);
	if (queues)	/* a virtio NIC: the guest sets its channels to match, and reads them back */
		strbuf_addf(&sb, " vmtune.net_queues=%u", queues);
	if (extra && *extra)
		strbuf_addf(&sb, " %s", extra);
	return strbuf_detach(&sb);
}

/*
 * The NIC (net.*): its model, on QEMU user networking (the host's loopback
 * behind it) or on the tap env names; vhost and queues only where QEMU can
 * give them (a virtio NIC on a tap), queues no more than vCPUs.
 */
static int nic(struct dom_spec *s, const struct space *sp, const union pval *cfg,
	       const struct vm_env *env, char *err)
{
	/* the appliance's kernel drives each (virtio_net, e1000e, 8139cp, vmxnet3) */
	static const char *const models[] = { "virtio", "e1000e", "rtl8139", "vmxnet3" };
	struct strbuf v = STRBUF_INIT;
	int rc = -1, tap, vhost, virtio;
	if (domspec_knob(sp, cfg, "net.model", &v, err))
		goto out;
	for (int k = 0; k < 4; k++)
		if (!strcmp(v.buf, models[k]))
			s->nic = models[k];
	virtio = !strcmp(s->nic, "virtio");
	if (domspec_knob(sp, cfg, "net.backend", &v, err))
		goto out;
	tap = !strcmp(v.buf, "tap");
	if (tap && !env->tap) {
		seterr(err, "net.backend tap: this target makes no tap");
		goto out;
	}
	s->tap = tap ? env->tap : NULL;
	if (domspec_knob(sp, cfg, "net.vhost", &v, err))
		goto out;
	vhost = !strcmp(v.buf, "on");
	if (domspec_knob(sp, cfg, "net.queues", &v, err))
		goto out;
	s->nic_queues = (unsigned)atoi(v.buf);
	if ((vhost || s->nic_queues > 1) && !(tap && virtio)) {
		seterr(err, "%s needs net.model virtio and net.backend tap",
		       vhost ? "net.vhost on" : "net.queues above 1");
		goto out;
	}
	if (s->nic_queues > s->vcpus) {
		seterr(err, "net.queues %u is more than vm.vcpus %u", s->nic_queues, s->vcpus);
		goto out;
	}
	/* libvirt's own default on a tap is vhost where it can: say which, always */
	s->nic_driver = !(tap && virtio) ? NULL : vhost ? "vhost" : "qemu";
	if (!virtio)
		s->nic_queues = 0;	/* no channels for the guest to set */
	rc = 0;
out:
	strbuf_release(&v);
	return rc;
}

#define KNOB(name) do { if (domspec_knob(sp, cfg, name, &v, err)) goto fail; } while (0)

/* The vCPUs' scheduling class, the VM's CPU weight and quota. */
static int cpu_knobs(struct dom_spec *s, const struct space *sp, const union pval *cfg,
		     struct strbuf *v, char *err)
{
	static const char *const classes[] = { "batch", "idle", "fifo", "rr" };
	if (domspec_knob(sp, cfg, "vm.vcpusched", v, err))
		return -1;
	for (int k = 0; k < 4; k++)
		if (!strcmp(v->buf, classes[k]))
			s->vcpusched = classes[k];
	if (domspec_knob(sp, cfg, "vm.cpu_shares", v, err))
		return -1;
	s->cpu_shares = (unsigned)atoi(v->buf);
	if (domspec_knob(sp, cfg, "vm.cpu_quota", v, err))
		return -1;
	s->cpu_quota = (unsigned)atoi(v->buf);
	return 0;
}

/* The balloon's attributes and target: each needs the balloon. */
static int balloon_knobs(struct dom_spec *s, const struct space *sp, const union pval *cfg,
			 struct strbuf *v, char *err)
{
	static const char *const knobs[] = { "vm.balloon_autodeflate", "vm.balloon_freepage",
					     "vm.balloon_target" };
	for (int k = 0; k < 3; k++) {
		if (domspec_knob(sp, cfg, knobs[k], v, err))
			return -1;
		int on = k < 2 ? !strcmp(v->buf, "on") : 0;
		if (k == 0)
			s->balloon_autodeflate = on;
		else if (k == 1)
			s->balloon_freepage = on;
		else
			s->balloon_target = (unsigned)atoi(v->buf);
		if (!s->balloon && (on || (k == 2 && s->balloon_target < 100)))
			return seterr(err, "%s %s needs vm.balloon on", knobs[k], v->buf), -1;
	}
	return 0;
}

int domspec_from_config(struct dom_spec *s, const struct space *sp, const union pval *cfg,
			const struct vm_env *env, char *err)
{
	struct strbuf v = STRBUF_INIT, lay = STRBUF_INIT;
	memset(s, 0, sizeof(*s));
	s->name = env->name;
	s->type = env->type;
	s->kernel = env->kernel;
	s->initrd = env->initrd;
	s->results_path = env->results_path;
	s->results_disk = env->results_disk;
	s->console_path = env->console_path;
	s->memory_mib = env->memory_mib;
	s->root = env->root;
	s->root_backing = env->root_backing;
	s->root_backing_format = env->root_backing_format;
	s->start_path = env->start_path;

	KNOB("vm.vcpus");
	s->vcpus = (unsigned)atoi(v.buf);
	if (!s->vcpus)
		return seterr(err, "vm.vcpus must be at least 1"), strbuf_release(&v), -1;
	KNOB("guest.affinity");
	unsigned long long mask;
	long top;
	if (knob_cpulist(v.buf, 64, &mask, &top) || top >= (long)s->vcpus) {
		seterr(err, "guest.affinity %s names vCPU %ld; this configuration has %u vCPU%s",
		       v.buf, top, s->vcpus, s->vcpus == 1 ? "" : "s");
		goto fail;
	}
	KNOB("vm.machine");
	s->machine = !strcmp(v.buf, "pc") ? "pc" : "q35";
	KNOB("vm.hugepages");
	s->hugepages = !strcmp(v.buf, "2M") ? "2M" : !strcmp(v.buf, "1G") ? "1G" : NULL;
	KNOB("vm.cpu_model");
	/* TCG cannot pass the host CPU through: its closest is every feature it emulates */
	s->cpu_mode = strcmp(v.buf, "host-passthrough") ? NULL
		    : !strcmp(s->type, "kvm") ? "host-passthrough" : "maximum";
	KNOB("vm.balloon");
	s->balloon = !strcmp(v.buf, "on");
	if (balloon_knobs(s, sp, cfg, &v, err) || cpu_knobs(s, sp, cfg, &v, err))
		goto fail;
	KNOB("vm.pinning");
	strbuf_addstr(&lay, v.buf);
	KNOB("vm.emulatorpin");
	if (pinning(s, lay.buf, v.buf, env->cpus, err))
		goto fail;

	int n = domspec_disk_count(sp, cfg);
	KNOB("disk.iothreads");
	s->iothreads = (unsigned)atoi(v.buf);
	s->ndisks = (size_t)n;
	s->disks = xcalloc(s->ndisks ? s->ndisks : 1, sizeof(*s->disks));
	static const char *const buses[] = { "virtio-blk", "virtio-scsi", "sata" };
	static const char *const caches[] = { "none", "writeback", "writethrough", "directsync", "unsafe" };
	static const char *const ios[] = { "native", "threads", "io_uring" };
	const char *bus = NULL, *cache = NULL, *io = NULL;
	KNOB("disk.bus");
	for (int k = 0; k < 3; k++)
		if (!strcmp(v.buf, buses[k]))
			bus = buses[k];
	KNOB("disk.cache");
	for (int k = 0; k < 5; k++)
		if (!strcmp(v.buf, caches[k]))
			cache = caches[k];
	KNOB("disk.io");
	for (int k = 0; k < 3; k++)
		if (!strcmp(v.buf, ios[k]))
			io = ios[k];
	if (!strcmp(io, "native") && strcmp(cache, "none") && strcmp(cache, "directsync")) {
		seterr(err, "disk.io native needs disk.cache none or directsync (QEMU), not %s", cache);
		goto fail;
	}
	KNOB("disk.discard");
	const char *discard = !strcmp(v.buf, "unmap") ? "unmap" : "ignore";
	KNOB("disk.format");
	const char *format = strncmp(v.buf, "qcow2", 5) ? "raw" : "qcow2";
	for (size_t d = 0; d < s->ndisks; d++)
		s->disks[d] = (struct dom_disk){
			.path = env->disk_paths[d], .format = format, .bus = bus, .cache = cache,
			.io = io, .discard = discard, .iothread = s->iothreads ? (int)(d % s->iothreads) + 1 : 0,
		};
	if (env->network && nic(s, sp, cfg, env, err))
		goto fail;
	if (!(s->cmdline = cmdline(sp, cfg, env->guest_words, s->nic_queues, err)))
		goto fail;
	strbuf_release(&v);
	strbuf_release(&lay);
	return 0;
fail:
	strbuf_release(&v);
	strbuf_release(&lay);
	domspec_release(s);
	return -1;
}

void domspec_release(struct dom_spec *s)
{
	if (s->vcpupin)
		for (unsigned v = 0; v < s->vcpus; v++)
			free(s->vcpupin[v]);
	free(s->vcpupin);
	free(s->emulatorpin);
	free(s->cmdline);
	free(s->disks);
	memset(s, 0, sizeof(*s));
}

/* ---- spec -> XML ----------------------------------------------------------- */

static xmlNodePtr child(xmlNodePtr parent, const char *name, const char *text)
{
	return xmlNewTextChild(parent, NULL, BAD_CAST name, text ? BAD_CAST text : NULL);
}

__attribute__((format(printf, 3, 4)))
static void attr(xmlNodePtr node, const char *name, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	xmlNewProp(node, BAD_CAST name, BAD_CAST sb.buf);
	strbuf_release(&sb);
}

/* A file on the host when path is given, else a pty (a remote host's console). */
static xmlNodePtr chardev(xmlNodePtr devices, const char *kind, const char *path)
{
	xmlNodePtr c = child(devices, kind, NULL);
	attr(c, "type", path ? "file" : "pty");
	if (path)
		attr(child(c, "source", NULL), "path", "%s", path);
	return c;
}

/* The raw disk a remote host's agent writes its results to, through to the image. */
static void results_disk(xmlNodePtr devices, const char *path)
{
	xmlNodePtr d = child(devices, "disk", NULL);
	attr(d, "type", "file");
	attr(d, "device", "disk");
	xmlNodePtr drv = child(d, "driver", NULL);
	attr(drv, "name", "qemu");
	attr(drv, "type", "raw");
	attr(drv, "cache", "directsync");
	attr(child(d, "source", NULL), "file", "%s", path);
	xmlNodePtr tgt = child(d, "target", NULL);
	attr(tgt, "dev", "vdz");
	attr(tgt, "bus", "virtio");
	child(d, "serial", "vmtune-results");
}

void domxml_disk_dev(int virtio, size_t d, int root, char dev[8])
{
	snprintf(dev, 8, "%s%c", virtio ? "vd" : "sd", 'a' + (int)d + (virtio && root));
}

/* A user's image: the overlay, its backing file named so that libvirt never relabels it. */
static void root_disk(xmlNodePtr devices, const struct dom_spec *s)
{
	xmlNodePtr d = child(devices, "disk", NULL);
	attr(d, "type", "file");
	attr(d, "device", "disk");
	xmlNodePtr drv = child(d, "driver", NULL);
	attr(drv, "name", "qemu");
	attr(drv, "type", "qcow2");
	if (s->ndisks) {	/* the data disks' cache and I/O mode: the knobs hold for it too */
		attr(drv, "cache", "%s", s->disks[0].cache);
		attr(drv, "io", "%s", s->disks[0].io);
	}
	attr(child(d, "source", NULL), "file", "%s", s->root);
	xmlNodePtr bs = child(d, "backingStore", NULL);
	attr(bs, "type", "file");
	attr(child(bs, "format", NULL), "type", "%s", s->root_backing_format);
	xmlNodePtr src = child(bs, "source", NULL);
	attr(src, "file", "%s", s->root_backing);
	xmlNodePtr sl = child(src, "seclabel", NULL);
	attr(sl, "model", "dac");
	attr(sl, "relabel", "no");
	child(bs, "backingStore", NULL);
	xmlNodePtr tgt = child(d, "target", NULL);
	attr(tgt, "dev", "vda");
	attr(tgt, "bus", "virtio");
	child(d, "serial", "vmtune-root");
	attr(child(d, "boot", NULL), "order", "1");
}

static void disks(xmlNodePtr devices, const struct dom_spec *s)
{
	int scsi = 0;
	if (s->root)
		root_disk(devices, s);
	for (size_t d = 0; d < s->ndisks; d++) {
		const struct dom_disk *k = &s->disks[d];
		xmlNodePtr disk = child(devices, "disk", NULL);
		attr(disk, "type", "file");
		attr(disk, "device", "disk");
		xmlNodePtr drv = child(disk, "driver", NULL);
		attr(drv, "name", "qemu");
		attr(drv, "type", "%s", k->format);
		attr(drv, "cache", "%s", k->cache);
		attr(drv, "io", "%s", k->io);
		if (strcmp(k->discard, "ignore"))	/* QEMU's default */
			attr(drv, "discard", "%s", k->discard);
		if (k->iothread && !strcmp(k->bus, "virtio-blk"))
			attr(drv, "iothread", "%d", k->iothread);
		attr(child(disk, "source", NULL), "file", "%s", k->path);
		xmlNodePtr tgt = child(disk, "target", NULL);
		char dev[8];
		int virtio = !strcmp(k->bus, "virtio-blk");
		domxml_disk_dev(virtio, d, s->root != NULL, dev);
		attr(tgt, "dev", "%s", dev);
		attr(tgt, "bus", "%s", virtio ? "virtio" : !strcmp(k->bus, "sata") ? "sata" : "scsi");
		scsi |= !strcmp(k->bus, "virtio-scsi");
	}
	if (scsi) {
		xmlNodePtr c = child(devices, "controller", NULL);
		attr(c, "type", "scsi");
		attr(c, "index", "0");
		attr(c, "model", "virtio-scsi");
		if (s->iothreads)
			attr(child(c, "driver", NULL), "iothread", "1");
	}
}

/* Appends doc from its root element on (no XML declaration, as libvirt's own files). */
static int serialize(xmlDocPtr doc, const char *root, struct strbuf *out, char *err)
{
	xmlChar *mem = NULL;
	int len = 0;
	xmlDocDumpFormatMemoryEnc(doc, &mem, &len, "UTF-8", 1);
	xmlFreeDoc(doc);
	if (!mem)
		return seterr(err, "cannot serialize %s> XML", root), -1;
	const char *start = strstr((const char *)mem, root);
	strbuf_addstr(out, start ? start : (const char *)mem);
	xmlFree(mem);
	return 0;
}

static xmlNodePtr new_doc(xmlDocPtr *doc, const char *root)
{
	xmlNodePtr n;
	*doc = xmlNewDoc(BAD_CAST "1.0");
	n = xmlNewNode(NULL, BAD_CAST root);
	if (!*doc || !n)
		abort();
	xmlDocSetRootElement(*doc, n);
	return n;
}

/* The balloon, its attributes, and its memory statistics every second (hostcost.h). */
static void memballoon(xmlNodePtr dev, const struct dom_spec *s)
{
	xmlNodePtr n = child(dev, "memballoon", NULL);
	attr(n, "model", "%s", s->balloon ? "virtio" : "none");
	if (s->balloon_autodeflate)
		attr(n, "autodeflate", "on");
	if (s->balloon_freepage)
		attr(n, "freePageReporting", "on");
	if (s->balloon)
		attr(child(n, "stats", NULL), "period", "1");
}

/* <cputune>: pinning, the emulator's CPUs, CPU weight and quota, the vCPUs' class. */
static void cputune(xmlNodePtr dom, const struct dom_spec *s)
{
	xmlNodePtr n;
	char num[32];
	if (!(s->vcpupin || s->emulatorpin || s->vcpusched || (s->cpu_shares && s->cpu_shares != 1024) ||
	      s->cpu_quota))
		return;
	xmlNodePtr ct = child(dom, "cputune", NULL);
	for (unsigned v = 0; s->vcpupin && v < s->vcpus; v++) {
		n = child(ct, "vcpupin", NULL);
		attr(n, "vcpu", "%u", v);
		attr(n, "cpuset", "%s", s->vcpupin[v]);
	}
	if (s->emulatorpin)
		attr(child(ct, "emulatorpin", NULL), "cpuset", "%s", s->emulatorpin);
	if (s->cpu_shares && s->cpu_shares != 1024) {
		snprintf(num, sizeof(num), "%u", s->cpu_shares);
		child(ct, "shares", num);
	}
	if (s->cpu_quota) {
		child(ct, "period", "100000");
		snprintf(num, sizeof(num), "%u", s->cpu_quota * 1000);
		child(ct, "quota", num);
	}
	if (s->vcpusched) {
		n = child(ct, "vcpusched", NULL);
		attr(n, "vcpus", "0-%u", s->vcpus - 1);
		attr(n, "scheduler", "%s", s->vcpusched);
		if (!strcmp(s->vcpusched, "fifo") || !strcmp(s->vcpusched, "rr"))
			attr(n, "priority", "1");	/* the real-time classes only */
	}
}

int domxml_build(const struct dom_spec *s, struct strbuf *out, char *err)
{
	xmlDocPtr doc;
	xmlNodePtr dom = new_doc(&doc, "domain"), n;

	attr(dom, "type", "%s", s->type);
	child(dom, "name", s->name);
	char num[32];
	snprintf(num, sizeof(num), "%u", s->memory_mib);
	attr(child(dom, "memory", num), "unit", "MiB");
	if (s->balloon_target && s->balloon_target < 100) {
		snprintf(num, sizeof(num), "%u", s->memory_mib * s->balloon_target / 100);
		attr(child(dom, "currentMemory", num), "unit", "MiB");
	}
	if (s->hugepages) {
		n = child(child(child(dom, "memoryBacking", NULL), "hugepages", NULL), "page", NULL);
		attr(n, "size", "%s", !strcmp(s->hugepages, "2M") ? "2" : "1");
		attr(n, "unit", "%s", !strcmp(s->hugepages, "2M") ? "M" : "G");
	}
	snprintf(num, sizeof(num), "%u", s->vcpus);
	attr(child(dom, "vcpu", num), "placement", "static");
	if (s->iothreads) {
		snprintf(num, sizeof(num), "%u", s->iothreads);
		child(dom, "iothreads", num);
	}
	cputune(dom, s);
	xmlNodePtr os = child(dom, "os", NULL);
	n = child(os, "type", "hvm");
	attr(n, "arch", "x86_64");
	attr(n, "machine", "%s", s->machine);
	if (!s->root) {	/* the appliance: direct kernel boot; an image boots its own loader */
		child(os, "kernel", s->kernel);
		child(os, "initrd", s->initrd);
		child(os, "cmdline", s->cmdline);
	}
	if (s->cpu_mode) {
		n = child(dom, "cpu", NULL);
		attr(n, "mode", "%s", s->cpu_mode);
	}
	child(dom, "on_poweroff", "destroy");
	child(dom, "on_reboot", "destroy");
	child(dom, "on_crash", "destroy");
	xmlNodePtr dev = child(dom, "devices", NULL);
	disks(dev, s);
	chardev(dev, "serial", s->console_path);
	if (s->root) {	/* the guest agent: libvirt picks the socket */
		n = child(dev, "channel", NULL);
		attr(n, "type", "unix");
		xmlNodePtr tgt = child(n, "target", NULL);
		attr(tgt, "type", "virtio");
		attr(tgt, "name", "org.qemu.guest_agent.0");
	} else if (s->results_disk) {
		results_disk(dev, s->results_disk);
	} else {
		n = chardev(dev, "channel", s->results_path);
		xmlNodePtr tgt = child(n, "target", NULL);
		attr(tgt, "type", "virtio");
		attr(tgt, "name", "org.vmtune.results");
	}
	if (s->start_path) {	/* QEMU listens; the guest's agent waits for a byte */
		n = child(dev, "channel", NULL);
		attr(n, "type", "unix");
		xmlNodePtr src = child(n, "source", NULL);
		attr(src, "mode", "bind");
		attr(src, "path", "%s", s->start_path);
		xmlNodePtr tgt = child(n, "target", NULL);
		attr(tgt, "type", "virtio");
		attr(tgt, "name", "org.vmtune.start");
	}
	if (s->nic) {
		n = child(dev, "interface", NULL);
		attr(n, "type", "%s", s->tap ? "ethernet" : "user");
		if (s->tap)	/* libvirt makes it; vmtune moves it into the trial's namespace */
			attr(child(n, "target", NULL), "dev", "%s", s->tap);
		attr(child(n, "model", NULL), "type", "%s", s->nic);
		if (s->nic_driver) {
			xmlNodePtr drv = child(n, "driver", NULL);
			attr(drv, "name", "%s", s->nic_driver);
			if (s->nic_queues > 1)
				attr(drv, "queues", "%u", s->nic_queues);
		}
	}
	memballoon(dev, s);

	return serialize(doc, "<domain", out, err);
}

int domxml_pool(const char *name, const char *path, struct strbuf *out, char *err)
{
	xmlDocPtr doc;
	xmlNodePtr pool = new_doc(&doc, "pool");
	attr(pool, "type", "dir");
	child(pool, "name", name);
	xmlNodePtr tgt = child(pool, "target", NULL);
	child(tgt, "path", path);
	child(child(tgt, "permissions", NULL), "mode", "0755");
	return serialize(doc, "<pool", out, err);
}

int domxml_volume(const char *name, const char *format, unsigned long long bytes,
		  const struct vol_backing *backing, struct strbuf *out, char *err)
{
	xmlDocPtr doc;
	xmlNodePtr vol = new_doc(&doc, "volume");
	char size[32];
	child(vol, "name", name);
	snprintf(size, sizeof(size), "%llu", bytes);
	attr(child(vol, "capacity", size), "unit", "bytes");
	xmlNodePtr tgt = child(vol, "target", NULL);
	attr(child(tgt, "format", NULL), "type", "%s", !strcmp(format, "raw") ? "raw" : "qcow2");
	/* an overlay holds what the trial wrote over a user's image: its owner's only */
	child(child(tgt, "permissions", NULL), "mode", backing ? "0600" : "0644");
	if (backing) {
		xmlNodePtr bs = child(vol, "backingStore", NULL);
		child(bs, "path", backing->path);
		attr(child(bs, "format", NULL), "type", "%s", backing->format);
	}
	return serialize(doc, "<volume", out, err);
}

/* ---- live XML -> knobs: what a running domain has --------------------------- */

/* string(expr) of the document, into out. */
static void xstr(xmlXPathContextPtr x, const char *expr, struct strbuf *out)
{
	xmlXPathObjectPtr o = xmlXPathEvalExpression(BAD_CAST expr, x);
	xmlChar *s = o ? xmlXPathCastToString(o) : NULL;
	strbuf_addstr(out, s ? (const char *)s : "");
	xmlFree(s);
	xmlXPathFreeObject(o);
}

/* A cpuset ("0-2,^1,5") as the CPUs it holds, ascending: "0,2,5". libvirt rewrites "0,1" as "0-1". */
static void cpuset_canon(const char *set, struct strbuf *out)
{
	unsigned char in[4096] = { 0 };
	for (const char *p = set; *p;) {
		int neg = *p == '^';
		char *end;
		long a = strtol(p + neg, &end, 10), b = a;
		if (end == p + neg)
			break;
		if (*end == '-')
			b = strtol(end + 1, &end, 10);
		for (long c = a; c <= b && c >= 0 && c < 4096; c++)
			in[c] = !neg;
		p = *end == ',' ? end + 1 : end;
		if (*end != ',')
			break;
	}
	size_t start = out->len;
	for (int c = 0; c < 4096; c++)
		if (in[c])
			strbuf_addf(out, "%s%d", out->len > start ? "," : "", c);
}

/* Each node's string(rel), distinct, in document order, comma separated; empty: none. */
static void each(xmlXPathContextPtr x, const char *nodes, const char *rel, struct strbuf *out)
{
	xmlXPathObjectPtr o = xmlXPathEvalExpression(BAD_CAST nodes, x);
	xmlNodeSetPtr ns = o ? o->nodesetval : NULL;
	xmlNodePtr keep = x->node;
	struct strbuf v = STRBUF_INIT, seen = STRBUF_INIT;	/* seen: ",a,b," */
	strbuf_addch(&seen, ',');
	for (int i = 0; ns && i < ns->nodeNr; i++) {
		x->node = ns->nodeTab[i];
		strbuf_reset(&v);
		strbuf_addch(&v, ',');
		xstr(x, rel, &v);
		strbuf_addch(&v, ',');
		if (v.len > 2 && !strstr(seen.buf, v.buf)) {
			strbuf_addf(out, "%s%.*s", out->len ? "," : "", (int)(v.len - 2), v.buf + 1);
			strbuf_addstr(&seen, v.buf + 1);
		}
	}
	x->node = keep;
	strbuf_release(&v);
	strbuf_release(&seen);
	xmlXPathFreeObject(o);
}

#define DATA_DISKS "/domain/devices/disk[@device='disk'][not(target/@dev='vdz')][not(serial='vmtune-root')]"

static void rd_vcpus(xmlXPathContextPtr x, struct strbuf *out)
{
	xstr(x, "normalize-space(/domain/vcpu)", out);
}

static void rd_pinning(xmlXPathContextPtr x, struct strbuf *out)
{
	xmlXPathObjectPtr o = xmlXPathEvalExpression(BAD_CAST "/domain/cputune/vcpupin", x);
	xmlNodeSetPtr ns = o ? o->nodesetval : NULL;
	for (int i = 0; ns && i < ns->nodeNr; i++) {
		xmlChar *v = xmlGetProp(ns->nodeTab[i], BAD_CAST "vcpu"),
			*set = xmlGetProp(ns->nodeTab[i], BAD_CAST "cpuset");
		strbuf_addf(out, "%svcpu%s:", i ? " " : "", v ? (const char *)v : "?");
		cpuset_canon(set ? (const char *)set : "", out);
		xmlFree(v);
		xmlFree(set);
	}
	if (!out->len)
		strbuf_addstr(out, "none");
	xmlXPathFreeObject(o);
}

static void rd_emulatorpin(xmlXPathContextPtr x, struct strbuf *out)
{
	struct strbuf set = STRBUF_INIT;
	xstr(x, "/domain/cputune/emulatorpin/@cpuset", &set);
	if (set.len)
		cpuset_canon(set.buf, out);
	else
		strbuf_addstr(out, "none");
	strbuf_release(&set);
}

static void rd_hugepages(xmlXPathContextPtr x, struct strbuf *out)
{
	struct strbuf size = STRBUF_INIT, unit = STRBUF_INIT;
	xstr(x, "/domain/memoryBacking/hugepages/page/@size", &size);
	xstr(x, "/domain/memoryBacking/hugepages/page/@unit", &unit);
	if (!size.len) {
		xstr(x, "name(/domain/memoryBacking/hugepages)", &unit);
		strbuf_addstr(out, unit.len ? "default" : "none");	/* <hugepages/>: the host's default size */
	} else {
		static const struct { const char *u; unsigned long long k; } units[] = {
			{ "", 1024 }, { "b", 1ULL << 0 }, { "bytes", 1 }, { "K", 1024 }, { "KiB", 1024 },
			{ "M", 1 << 20 }, { "MiB", 1 << 20 }, { "G", 1 << 30 }, { "GiB", 1 << 30 },
		};
		unsigned long long bytes = 0, n = strtoull(size.buf, NULL, 10);
		for (size_t i = 0; i < sizeof(units) / sizeof(*units); i++)
			if (!strcmp(unit.buf, units[i].u))
				bytes = n * units[i].k;
		if (bytes == 2ULL << 20)
			strbuf_addstr(out, "2M");
		else if (bytes == 1ULL << 30)
			strbuf_addstr(out, "1G");
		else
			strbuf_addf(out, "%s%s", size.buf, unit.buf);
	}
	strbuf_release(&size);
	strbuf_release(&unit);
}

/*
 * vmtune asks no CPU for "default"; libvirt writes the one it chose as a
 * custom model (qemu64): both read as the hypervisor's default.
 */
static void rd_cpu_model(xmlXPathContextPtr x, struct strbuf *out)
{
	xstr(x, "/domain/cpu/@mode", out);
	if (!out->len || !strcmp(out->buf, "custom")) {
		strbuf_reset(out);
		strbuf_addstr(out, "default");
	}
}

static void rd_machine(xmlXPathContextPtr x, struct strbuf *out)
{
	struct strbuf m = STRBUF_INIT;
	xstr(x, "/domain/os/type/@machine", &m);
	/* libvirt names the versioned type it chose: pc-q35-7.2, pc-i440fx-7.2 */
	if (!strcmp(m.buf, "q35") || !strncmp(m.buf, "pc-q35-", 7))
		strbuf_addstr(out, "q35");
	else if (!strcmp(m.buf, "pc") || !strncmp(m.buf, "pc-i440fx-", 10))
		strbuf_addstr(out, "pc");
	else
		strbuf_addstr(out, m.buf);
	strbuf_release(&m);
}

static void rd_vcpusched(xmlXPathContextPtr x, struct strbuf *out)
{
	xstr(x, "/domain/cputune/vcpusched/@scheduler", out);
	if (!out->len)
		strbuf_addstr(out, "other");
}

static void rd_balloon(xmlXPathContextPtr x, struct strbuf *out)
{
	struct strbuf m = STRBUF_INIT;
	xstr(x, "/domain/devices/memballoon/@model", &m);
	strbuf_addstr(out, m.len && strcmp(m.buf, "none") ? "on" : "off");
	strbuf_release(&m);
}

static void rd_onoff(xmlXPathContextPtr x, const char *path, struct strbuf *out)
{
	struct strbuf m = STRBUF_INIT;
	xstr(x, path, &m);
	strbuf_addstr(out, !strcmp(m.buf, "on") ? "on" : "off");
	strbuf_release(&m);
}

static void rd_autodeflate(xmlXPathContextPtr x, struct strbuf *out)
{
	rd_onoff(x, "/domain/devices/memballoon/@autodeflate", out);
}

static void rd_freepage(xmlXPathContextPtr x, struct strbuf *out)
{
	rd_onoff(x, "/domain/devices/memballoon/@freePageReporting", out);
}

/* An element's amount in KiB, by its unit attribute (libvirt's: KiB when none). */
static double kib_of(xmlXPathContextPtr x, const char *el)
{
	struct strbuf p = STRBUF_INIT, v = STRBUF_INIT, u = STRBUF_INIT;
	strbuf_addf(&p, "normalize-space(/domain/%s)", el);
	xstr(x, p.buf, &v);
	strbuf_reset(&p);
	strbuf_addf(&p, "/domain/%s/@unit", el);
	xstr(x, p.buf, &u);
	double k = v.len ? atof(v.buf) : -1;
	const char *unit = u.len ? u.buf : "KiB";
	if (!strcmp(unit, "MiB") || !strcmp(unit, "M"))
		k *= 1024;
	else if (!strcmp(unit, "GiB") || !strcmp(unit, "G"))
		k *= 1024 * 1024;
	else if (!strcmp(unit, "b") || !strcmp(unit, "bytes"))
		k /= 1024;
	strbuf_release(&p);
	strbuf_release(&v);
	strbuf_release(&u);
	return k;
}

/* currentMemory as a percent of memory (none said: all of it). */
static void rd_balloon_target(xmlXPathContextPtr x, struct strbuf *out)
{
	double mem = kib_of(x, "memory"), cur = kib_of(x, "currentMemory");
	strbuf_addf(out, "%.0f", cur > 0 && mem > 0 ? 100 * cur / mem : 100);
}

static void rd_cpu_shares(xmlXPathContextPtr x, struct strbuf *out)
{
	xstr(x, "normalize-space(/domain/cputune/shares)", out);
	if (!out->len)
		strbuf_addstr(out, "1024");	/* the cgroup's default weight */
}

static void rd_cpu_quota(xmlXPathContextPtr x, struct strbuf *out)
{
	struct strbuf q = STRBUF_INIT, p = STRBUF_INIT;
	xstr(x, "normalize-space(/domain/cputune/quota)", &q);
	xstr(x, "normalize-space(/domain/cputune/period)", &p);
	double quota = q.len ? atof(q.buf) : 0, period = p.len ? atof(p.buf) : 100000;
	strbuf_addf(out, "%.0f", quota > 0 && period > 0 ? 100 * quota / period : 0);
	strbuf_release(&q);
	strbuf_release(&p);
}

static void rd_bus(xmlXPathContextPtr x, struct strbuf *out)
{
	struct strbuf b = STRBUF_INIT;
	each(x, DATA_DISKS, "target/@bus", &b);
	/* libvirt's virtio is virtio-blk; scsi is vmtune's virtio-scsi controller */
	for (char *p = strtok(b.buf, ","); p; p = strtok(NULL, ","))
		strbuf_addf(out, "%s%s", out->len ? "," : "", !strcmp(p, "virtio") ? "virtio-blk"
			    : !strcmp(p, "scsi") ? "virtio-scsi" : p);
	strbuf_release(&b);
}

static void rd_cache(xmlXPathContextPtr x, struct strbuf *out)
{
	each(x, DATA_DISKS, "driver/@cache", out);
}

static void rd_io(xmlXPathContextPtr x, struct strbuf *out)
{
	each(x, DATA_DISKS, "driver/@io", out);
}

static void rd_format(xmlXPathContextPtr x, struct strbuf *out)
{
	each(x, DATA_DISKS, "driver/@type", out);
}

static void rd_discard(xmlXPathContextPtr x, struct strbuf *out)
{
	each(x, DATA_DISKS, "driver/@discard", out);
	if (!out->len)	/* none said: QEMU's default */
		strbuf_addstr(out, "ignore");
}

static void rd_net_model(xmlXPathContextPtr x, struct strbuf *out)
{
	xstr(x, "/domain/devices/interface/model/@type", out);
	if (!out->len)	/* no NIC: the plan measures no network */
		strbuf_addstr(out, "none");
}

#define NIC "/domain/devices/interface"

static void rd_net_backend(xmlXPathContextPtr x, struct strbuf *out)
{
	xstr(x, NIC "/@type", out);
	if (!strcmp(out->buf, "ethernet")) {
		strbuf_reset(out);
		strbuf_addstr(out, "tap");
	} else if (!out->len) {
		strbuf_addstr(out, "none");
	}
}

/* What libvirt was told; whether QEMU holds /dev/vhost-net is the target's to check. */
static void rd_net_vhost(xmlXPathContextPtr x, struct strbuf *out)
{
	xstr(x, NIC "/driver/@name", out);
	int on = !strcmp(out->buf, "vhost");
	strbuf_reset(out);
	strbuf_addstr(out, on ? "on" : "off");
}

static void rd_net_queues(xmlXPathContextPtr x, struct strbuf *out)
{
	xstr(x, NIC "/driver/@queues", out);
	if (!out->len)
		strbuf_addstr(out, "1");
}

static void rd_count(xmlXPathContextPtr x, struct strbuf *out)
{
	xstr(x, "count(" DATA_DISKS ")", out);
}

static void rd_iothreads(xmlXPathContextPtr x, struct strbuf *out)
{
	xstr(x, "normalize-space(/domain/iothreads)", out);
	if (!out->len)
		strbuf_addstr(out, "0");
	/* and which disks use them, so that a dropped iothread= is seen */
	struct strbuf use = STRBUF_INIT;
	each(x, DATA_DISKS, "driver/@iothread", &use);
	if (use.len)
		strbuf_addf(out, " (disks on %s)", use.buf);
	strbuf_release(&use);
}

/*
 * How each VM and disk knob of the catalogue is read back from a domain's
 * XML. A knob's reading is compared between the XML vmtune asked for and
 * the XML libvirt runs: the same reading, the knob took.
 */
static const struct { const char *knob; void (*read)(xmlXPathContextPtr, struct strbuf *); } readers[] = {
	{ "vm.vcpus", rd_vcpus }, { "vm.pinning", rd_pinning }, { "vm.emulatorpin", rd_emulatorpin },
	{ "vm.hugepages", rd_hugepages }, { "vm.cpu_model", rd_cpu_model }, { "vm.machine", rd_machine },
	{ "vm.vcpusched", rd_vcpusched }, { "vm.balloon", rd_balloon },
	{ "vm.balloon_autodeflate", rd_autodeflate }, { "vm.balloon_freepage", rd_freepage },
	{ "vm.balloon_target", rd_balloon_target }, { "vm.cpu_shares", rd_cpu_shares },
	{ "vm.cpu_quota", rd_cpu_quota }, { "disk.bus", rd_bus },
	{ "disk.cache", rd_cache }, { "disk.io", rd_io }, { "disk.format", rd_format },
	{ "disk.discard", rd_discard }, { "disk.count", rd_count }, { "disk.iothreads", rd_iothreads },
	{ "net.model", rd_net_model }, { "net.backend", rd_net_backend }, { "net.vhost", rd_net_vhost },
	{ "net.queues", rd_net_queues },
};

static xmlDocPtr parse_domain(const char *xml, const char *what, char *err)
{
	xmlDocPtr doc = xmlReadMemory(xml, (int)strlen(xml), NULL, NULL,
				      XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	xmlNodePtr root = doc ? xmlDocGetRootElement(doc) : NULL;
	if (!root || strcmp((const char *)root->name, "domain")) {
		xmlFreeDoc(doc);
		return seterr(err, "%s is no domain XML", what), NULL;
	}
	return doc;
}

/* The reader of knob, or NULL (err set) when the XML tells nothing of it. */
static void (*reader_of(const char *knob, char *err))(xmlXPathContextPtr, struct strbuf *)
{
	for (size_t i = 0; i < sizeof(readers) / sizeof(*readers); i++)
		if (!strcmp(readers[i].knob, knob))
			return readers[i].read;
	seterr(err, "no read-back of %s from a domain's XML", knob);
	return NULL;
}

/* A domain's XML parsed once, for every knob's reader. */
struct parsed {
	xmlDocPtr doc;
	xmlXPathContextPtr x;
};

static int parse(struct parsed *p, const char *xml, char *err)
{
	p->doc = parse_domain(xml, "the domain", err);
	p->x = p->doc ? xmlXPathNewContext(p->doc) : NULL;
	return p->x ? 0 : -1;
}

static void parsed_free(struct parsed *p)
{
	xmlXPathFreeContext(p->x);
	xmlFreeDoc(p->doc);
}

int domxml_read(const char *xml, const char *knob, struct strbuf *out, char *err)
{
	struct parsed p;
	void (*read)(xmlXPathContextPtr, struct strbuf *) = reader_of(knob, err);
	if (!read || parse(&p, xml, err))
		return -1;
	strbuf_reset(out);
	read(p.x, out);
	parsed_free(&p);
	return 0;
}

int domxml_verify(const char *asked_xml, const char *live_xml, const struct space *sp,
		  const union pval *cfg, domxml_verified_fn *fn, void *ud, char *err)
{
	struct strbuf want = STRBUF_INIT, got = STRBUF_INIT, asked = STRBUF_INIT;
	struct parsed a = { 0 }, l = { 0 };
	int differ = 0, rc = parse(&a, asked_xml, err) || parse(&l, live_xml, err) ? -1 : 0;
	for (size_t k = 0; k < knob_count() && !rc; k++) {
		const struct knob *kb = knob_at(k);
		void (*read)(xmlXPathContextPtr, struct strbuf *);
		if (!knob_in_domain(kb))
			continue;
		if (!(read = reader_of(kb->name, err)) || domspec_knob(sp, cfg, kb->name, &asked, err)) {
			rc = -1;
			break;
		}
		/*
		 * A target below all of memory: the guest inflates its balloon as
		 * it boots, and the target reads it from the balloon's statistics.
		 */
		if (!strcmp(kb->name, "vm.balloon_target") && atoi(asked.buf) < 100)
			continue;
		strbuf_reset(&want);
		strbuf_reset(&got);
		read(a.x, &want);
		read(l.x, &got);
		int same = !strcmp(want.buf, got.buf);
		differ += !same;
		rc = fn(ud, kb->name, asked.buf, got.buf, same) ? -1 : 0;
	}
	parsed_free(&a);
	parsed_free(&l);
	strbuf_release(&want);
	strbuf_release(&got);
	strbuf_release(&asked);
	return rc < 0 ? -1 : differ;
}
