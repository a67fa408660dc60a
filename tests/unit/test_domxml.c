/*
 * Golden files: configuration -> domain XML for every value of every VM and
 * disk knob, and the guest knobs on the kernel command line. A changed XML
 * fails here; VMTUNE_UPDATE_GOLDEN=1 rewrites the files (then read the diff).
 * tests/e2e/t08-domxml.sh validates each file with virt-xml-validate.
 */
#include "unit.h"
#include "../../tuner/target/domxml.h"
#include "../../lib/knobs.h"
#include "../../tuner/target/topology.h"
#include "../../lib/err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GOLDEN "tests/golden/domxml/"

/* 2 packages x 2 cores x 2 threads, in topology order */
static const int pu[] = { 0, 4, 1, 5, 2, 6, 3, 7 };
static const int core[] = { 0, 0, 1, 1, 0, 0, 1, 1 };
static const int pkg[] = { 0, 0, 0, 0, 1, 1, 1, 1 };
static const struct host_cpus host = { 8, pu, core, pkg };
static char *disk_paths[] = { "/var/tmp/vmtune/t1-d0.img", "/var/tmp/vmtune/t1-d1.img",
			      "/var/tmp/vmtune/t1-d2.img" };

static void cat_param(struct space *sp, const char *name, const char *const *values, const char *def)
{
	struct param p = { .name = strdup(name), .type = P_CAT };
	while (values[p.nvalues])
		p.nvalues++;
	p.values = calloc(p.nvalues, sizeof(char *));
	for (size_t i = 0; i < p.nvalues; i++) {
		p.values[i] = strdup(values[i]);
		if (!strcmp(values[i], def))
			p.def.c = i;
	}
	space_add(sp, &p);
}

static void int_param(struct space *sp, const char *name, int min, int max, int def)
{
	struct param p = { .name = strdup(name), .type = P_INT, .min = min, .max = max, .step = 1,
			   .def.i = def };
	space_add(sp, &p);
}

/* Every knob of the catalogue that shapes the domain (all but the host's), at its default. */
static struct space all_knobs(void)
{
	struct space sp;
	space_init(&sp);
	for (size_t i = 0; i < knob_count(); i++) {
		const struct knob *k = knob_at(i);
		if (k->level == KNOB_HOST)
			continue;
		if (k->values[0])
			cat_param(&sp, k->name, k->values, k->def);
		else
			int_param(&sp, k->name, (int)k->min, (int)k->max, atoi(k->def));
	}
	return sp;
}

static size_t at(const struct space *sp, const char *name)
{
	size_t i;
	assert_non_null(space_find(sp, name, &i));
	return i;
}

static int with_network;	/* the plan measures the network: a NIC */

static struct vm_env env(const char *type)
{
	return (struct vm_env){
		.network = with_network, .tap = "vmt1.0",
		.name = "vmtune-r1-t1", .type = type, .kernel = "/var/lib/vmtune/guest/vmlinux",
		.initrd = "/var/lib/vmtune/guest/initrd.img",
		.results_path = "/var/tmp/vmtune/t1.results", .console_path = "/var/tmp/vmtune/t1.console",
		.memory_mib = 1024, .cpus = &host, .disk_paths = disk_paths,
		.guest_words = "vmtune.bench=cpu,io vmtune.quick=1",
	};
}

static char *xml_of(const struct space *sp, const union pval *cfg, const char *type, char *err)
{
	struct dom_spec s;
	struct strbuf out = STRBUF_INIT;
	struct vm_env e = env(type);
	if (domspec_from_config(&s, sp, cfg, &e, err))
		return NULL;
	assert_int_equal(domxml_build(&s, &out, err), 0);
	domspec_release(&s);
	return strbuf_detach(&out);
}

static void compare(const char *file, const char *xml)
{
	char path[256];
	snprintf(path, sizeof(path), GOLDEN "%s.xml", file);
	if (getenv("VMTUNE_UPDATE_GOLDEN")) {
		FILE *f = fopen(path, "w");
		assert_non_null(f);
		fputs(xml, f);
		fclose(f);
		return;
	}
	FILE *f = fopen(path, "r");
	if (!f)
		fail_msg("missing golden file %s (VMTUNE_UPDATE_GOLDEN=1 writes it)", path);
	struct strbuf want = STRBUF_INIT;
	char buf[4096];
	size_t n;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		strbuf_add(&want, buf, n);
	fclose(f);
	if (strcmp(want.buf, xml))
		fail_msg("%s differs:\n%s", path, xml);
	strbuf_release(&want);
}

/*
 * The space of one knob of the catalogue (a choice or an int), and what it
 * needs to be met: a layout for vm.emulatorpin, an I/O mode other than
 * native for disk.cache's host-cached modes (QEMU), a tap and vCPUs enough
 * for net.vhost and net.queues.
 */
static struct space one_knob(const struct knob *k)
{
	struct space sp;
	space_init(&sp);
	if (k->cpulist)	/* all, one vCPU, a set: the guest's two */
		cat_param(&sp, k->name, (const char *const[]){ "all", "1", "0-1", NULL }, k->def);
	else if (k->values[0])
		cat_param(&sp, k->name, k->values, k->def);
	else
		int_param(&sp, k->name, (int)k->min, (int)k->max, atoi(k->def));
	if (!strcmp(k->name, "vm.emulatorpin"))
		cat_param(&sp, "vm.pinning", (const char *const[]){ "compact", NULL }, "compact");
	if (!strcmp(k->name, "disk.cache"))
		cat_param(&sp, "disk.io", (const char *const[]){ "threads", NULL }, "threads");
	if (!strcmp(k->name, "net.vhost") || !strcmp(k->name, "net.queues")) {
		cat_param(&sp, "net.backend", (const char *const[]){ "tap", NULL }, "tap");
		int_param(&sp, "vm.vcpus", 4, 4, 4);
	}
	return sp;
}

/*
 * One golden per value of every knob of the catalogue (three of an int:
 * from its minimum; guest.swappiness 0, 100, 200), the others left out, so
 * at their defaults: a new knob adds its own files and changes no other.
 */
static void every_knob_value(void **state)
{
	(void)state;
	char err[ERR_LEN], file[128];
	for (size_t i = 0; i < knob_count(); i++) {
		const struct knob *k = knob_at(i);
		if (k->level == KNOB_HOST)	/* not in the domain */
			continue;
		struct space sp = one_knob(k);
		const struct param *p = &sp.p[0];
		with_network = k->level == KNOB_NET;
		uint64_t levels = p->type == P_CAT ? p->nvalues : 3;
		for (uint64_t l = 0; l < levels; l++) {
			union pval *cfg = config_defaults(&sp);
			struct strbuf val = STRBUF_INIT;
			if (p->type == P_CAT)
				cfg[0].c = (size_t)l;
			else if (!strcmp(p->name, "guest.swappiness"))
				cfg[0].i = (int64_t)l * 100;
			else
				cfg[0].i = (int64_t)p->min + (int64_t)l;
			pval_format(p, cfg[0], &val);
			snprintf(file, sizeof(file), "%s=%s", p->name, val.buf);
			char *xml = xml_of(&sp, cfg, "qemu", err);
			if (!xml)
				fail_msg("%s: %s", file, err);
			compare(file, xml);
			free(xml);
			free(cfg);
			strbuf_release(&val);
		}
		space_release(&sp);
	}
	with_network = 0;
	struct space sp = all_knobs();
	union pval *cfg = config_defaults(&sp);
	char *xml = xml_of(&sp, cfg, "kvm", err);
	compare("defaults-kvm", xml);
	free(xml);
	cfg[at(&sp, "vm.cpu_model")].c = 1;	/* host-passthrough under KVM stays host-passthrough */
	xml = xml_of(&sp, cfg, "kvm", err);
	assert_non_null(strstr(xml, "<cpu mode=\"host-passthrough\"/>"));
	free(xml);
	free(cfg);
	space_release(&sp);
}

/* vhost and queues only where QEMU can give them; queues no more than vCPUs; a tap only when offered. */
static void nic_constraints(void **state)
{
	(void)state;
	static const struct { const char *model, *backend, *vhost; int queues, vcpus; const char *err; } c[] = {
		{ "virtio", "user", "on", 1, 2, "net.vhost on needs net.model virtio and net.backend tap" },
		{ "virtio", "user", "off", 2, 2, "net.queues above 1 needs net.model virtio and net.backend tap" },
		{ "e1000e", "tap", "off", 2, 2, "net.queues above 1 needs net.model virtio and net.backend tap" },
		{ "rtl8139", "tap", "on", 1, 2, "net.vhost on needs net.model virtio and net.backend tap" },
		{ "virtio", "tap", "off", 3, 2, "net.queues 3 is more than vm.vcpus 2" },
		{ "virtio", "tap", "on", 2, 2, NULL },
		{ "e1000e", "tap", "off", 1, 1, NULL },
	};
	char err[ERR_LEN];
	struct space sp = all_knobs();
	size_t model = at(&sp, "net.model"), backend = at(&sp, "net.backend"), vhost = at(&sp, "net.vhost");
	size_t queues = at(&sp, "net.queues"), vcpus = at(&sp, "vm.vcpus");
	with_network = 1;
	for (size_t i = 0; i < sizeof(c) / sizeof(*c); i++) {
		union pval *cfg = config_defaults(&sp);
		for (size_t v = 0; v < sp.p[model].nvalues; v++)
			if (!strcmp(sp.p[model].values[v], c[i].model))
				cfg[model].c = v;
		cfg[backend].c = !strcmp(c[i].backend, "tap");
		cfg[vhost].c = !strcmp(c[i].vhost, "on");
		cfg[queues].i = c[i].queues;
		cfg[vcpus].i = c[i].vcpus;
		err[0] = '\0';
		char *xml = xml_of(&sp, cfg, "qemu", err);
		if (c[i].err) {
			assert_null(xml);
			assert_string_equal(err, c[i].err);
		} else {
			if (!xml)
				fail_msg("case %zu: %s", i, err);
			assert_non_null(strstr(xml, "<interface type=\"ethernet\">"));
			assert_non_null(strstr(xml, "<target dev=\"vmt1.0\"/>"));
			free(xml);
		}
		free(cfg);
	}
	with_network = 0;
	space_release(&sp);
}

static void layouts(void **state)
{
	(void)state;
	struct space sp = all_knobs();
	union pval *cfg = config_defaults(&sp);
	size_t vcpus = at(&sp, "vm.vcpus"), pin = at(&sp, "vm.pinning"), emu = at(&sp, "vm.emulatorpin");
	char err[ERR_LEN];
	cfg[vcpus].i = 4;
	cfg[pin].c = 1;	/* compact: threads of a core first */
	char *xml = xml_of(&sp, cfg, "qemu", err);
	assert_non_null(strstr(xml, "<vcpupin vcpu=\"1\" cpuset=\"4\"/>"));
	free(xml);
	cfg[pin].c = 2;	/* spread: packages first */
	xml = xml_of(&sp, cfg, "qemu", err);
	assert_non_null(strstr(xml, "<vcpupin vcpu=\"0\" cpuset=\"0\"/>"));
	assert_non_null(strstr(xml, "<vcpupin vcpu=\"1\" cpuset=\"2\"/>"));
	free(xml);
	cfg[pin].c = 3;	/* per-core: one thread of each core */
	xml = xml_of(&sp, cfg, "qemu", err);
	assert_non_null(strstr(xml, "<vcpupin vcpu=\"1\" cpuset=\"1\"/>"));
	free(xml);
	cfg[vcpus].i = 5;	/* 5 vCPUs, 4 cores */
	assert_null(xml_of(&sp, cfg, "qemu", err));
	assert_string_equal(err, "vm.pinning per-core needs 5 cores, the host has 4");
	cfg[vcpus].i = 8;
	cfg[pin].c = 1;
	cfg[emu].c = 2;	/* dedicated emulator: nothing left */
	assert_null(xml_of(&sp, cfg, "qemu", err));
	assert_non_null(strstr(err, "needs a CPU the 8 vCPUs leave free"));
	cfg[emu].c = 0;
	cfg[pin].c = 0;
	size_t cache, io;
	space_find(&sp, "disk.cache", &cache);
	space_find(&sp, "disk.io", &io);
	cfg[cache].c = 1;	/* writeback with native io */
	assert_null(xml_of(&sp, cfg, "qemu", err));
	assert_string_equal(err, "disk.io native needs disk.cache none or directsync (QEMU), not writeback");
	free(cfg);
	space_release(&sp);
}

/*
 * A remote host's topology from its capabilities XML: 2 packages x 2 cores
 * x 2 threads, listed out of order with Linux's interleaved numbering
 * (thread siblings 0+4, 1+5, ...), as libvirt reports it.
 */
static void topology_from_capabilities(void **state)
{
	(void)state;
	static const char caps[] =
		"<capabilities><host><topology><cells num='1'><cell id='0'><cpus num='8'>"
		"<cpu id='7' socket_id='1' die_id='0' core_id='1' siblings='3,7'/>"
		"<cpu id='0' socket_id='0' die_id='0' core_id='0' siblings='0,4'/>"
		"<cpu id='4' socket_id='0' die_id='0' core_id='0' siblings='0,4'/>"
		"<cpu id='1' socket_id='0' die_id='0' core_id='1' siblings='1,5'/>"
		"<cpu id='5' socket_id='0' die_id='0' core_id='1' siblings='1,5'/>"
		"<cpu id='2' socket_id='1' die_id='0' core_id='0' siblings='2,6'/>"
		"<cpu id='6' socket_id='1' die_id='0' core_id='0' siblings='2,6'/>"
		"<cpu id='3' socket_id='1' die_id='0' core_id='1' siblings='3,7'/>"
		"</cpus></cell></cells></topology></host></capabilities>";
	struct topology t;
	char err[ERR_LEN];
	int pin[8];
	static const int want_pu[8] = { 0, 4, 1, 5, 2, 6, 3, 7 },
			 want_core[8] = { 0, 0, 1, 1, 2, 2, 3, 3 };
	assert_int_equal(topology_from_caps(&t, caps, err), 0);
	assert_int_equal(t.cpus.n, 8);
	assert_int_equal(t.ncores, 4);
	assert_int_equal(t.npackages, 2);
	for (int i = 0; i < 8; i++) {
		assert_int_equal(t.pu[i], want_pu[i]);
		assert_int_equal(t.core[i], want_core[i]);
		assert_int_equal(t.package[i], i / 4);
	}
	assert_int_equal(domxml_layout("compact", &t.cpus, 2, pin, err), 0);
	assert_int_equal(pin[0], 0);
	assert_int_equal(pin[1], 4);	/* the sibling thread */
	assert_int_equal(domxml_layout("per-core", &t.cpus, 4, pin, err), 0);
	assert_int_equal(pin[1], 1);
	assert_int_equal(pin[3], 3);
	topology_release(&t);
	assert_int_equal(topology_from_caps(&t, "<capabilities><host/></capabilities>", err), -1);
	assert_string_equal(err, "the host's capabilities list no CPU topology");
	assert_int_equal(topology_from_caps(&t, "not xml", err), -1);
	assert_string_equal(err, "the host's capabilities are not XML");
}

/* The levels every_knob_value walks: each value of a choice, three of an int. */
static void set_level(const struct param *p, union pval *v, uint64_t l)
{
	if (p->type == P_CAT)
		v->c = (size_t)l;
	else
		v->i = (int64_t)p->min + (int64_t)l;
}

/*
 * Every VM and disk knob of the catalogue has a read-back, and it tells
 * apart any two values whose XML differs: a new knob without one, or one
 * that reads the wrong element, fails here.
 */
static void every_knob_reads_back(void **state)
{
	(void)state;
	struct space sp = all_knobs();
	char err[ERR_LEN];
	size_t io = at(&sp, "disk.io"), pinning = at(&sp, "vm.pinning"), vcpus = at(&sp, "vm.vcpus");
	size_t backend = at(&sp, "net.backend");
	struct strbuf a = STRBUF_INIT, b = STRBUF_INIT;
	int knobs = 0;
	with_network = 1;
	for (size_t i = 0; i < knob_count(); i++) {
		const struct knob *k = knob_at(i);
		if (!knob_in_domain(k))
			continue;
		knobs++;
		size_t ki = at(&sp, k->name);
		const struct param *p = &sp.p[ki];
		uint64_t levels = p->type == P_CAT ? p->nvalues : 3;
		for (uint64_t l = 0; l < levels; l++) {
			for (uint64_t m = 0; m < levels; m++) {
				union pval *c1 = config_defaults(&sp), *c2 = config_defaults(&sp);
				set_level(p, &c1[ki], l);
				set_level(p, &c2[ki], m);
				c1[pinning].c = c2[pinning].c = 1;	/* emulatorpin needs a layout */
				c1[io].c = c2[io].c = 1;		/* any cache with threads */
				c1[backend].c = c2[backend].c = 1;	/* vhost and queues need a tap */
				if (strcmp(k->name, "vm.vcpus"))	/* and vCPUs for 3 queues */
					c1[vcpus].i = c2[vcpus].i = 4;
				char *x1 = xml_of(&sp, c1, "qemu", err), *x2 = xml_of(&sp, c2, "qemu", err);
				if (!x1 || !x2)
					fail_msg("%s: %s", k->name, err);
				if (domxml_read(x1, k->name, &a, err) || domxml_read(x2, k->name, &b, err))
					fail_msg("%s: %s", k->name, err);
				assert_true(a.len > 0);
				if (strcmp(x1, x2) && !strcmp(a.buf, b.buf))
					fail_msg("%s: levels %d and %d make different XML but read back "
						 "the same (%s)", k->name, (int)l, (int)m, a.buf);
				free(x1);
				free(x2);
				free(c1);
				free(c2);
			}
		}
	}
	assert_true(knobs >= 16);
	assert_int_equal(domxml_read("<domain/>", "guest.thp", &a, err), -1);
	assert_string_equal(err, "no read-back of guest.thp from a domain's XML");
	assert_int_equal(domxml_read("<pool/>", "vm.vcpus", &a, err), -1);
	assert_string_equal(err, "the domain is no domain XML");
	with_network = 0;
	strbuf_release(&a);
	strbuf_release(&b);
	space_release(&sp);
}

struct seen {
	int n, differ;
	char knob[64], asked[64], actual[64];
};

static int on_verified(void *ud, const char *knob, const char *asked, const char *actual, int same)
{
	struct seen *s = ud;
	s->n++;
	if (!same && !s->differ++) {
		snprintf(s->knob, sizeof(s->knob), "%s", knob);
		snprintf(s->asked, sizeof(s->asked), "%s", asked);
		snprintf(s->actual, sizeof(s->actual), "%s", actual);
	}
	return 0;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	struct strbuf sb = STRBUF_INIT;
	char buf[4096];
	size_t n;
	assert_non_null(f);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		strbuf_add(&sb, buf, n);
	fclose(f);
	return strbuf_detach(&sb);
}

/* text with the first from replaced by to */
static char *doctor(const char *text, const char *from, const char *to)
{
	const char *at = strstr(text, from);
	struct strbuf sb = STRBUF_INIT;
	assert_non_null(at);
	strbuf_add(&sb, text, (size_t)(at - text));
	strbuf_addf(&sb, "%s%s", to, at + strlen(from));
	return strbuf_detach(&sb);
}

/*
 * libvirt 9.0's XML of a running domain (tests/fixtures/live-domain.xml,
 * virsh dumpxml under TCG): a versioned machine type, cpusets rewritten
 * ("0,1" -> "0-1"), memory in KiB, devices and labels added. The knobs it
 * was started with read back the same; a doctored copy does not.
 */
static void live_xml_verified(void **state)
{
	(void)state;
	static const int pu2[] = { 0, 1 }, core2[] = { 0, 1 }, pkg2[] = { 0, 0 };
	static const struct host_cpus two = { 2, pu2, core2, pkg2 };
	static const struct { const char *knob, *value; } asked[] = {
		{ "vm.machine", "pc" }, { "disk.format", "qcow2" }, { "disk.cache", "writeback" },
		{ "disk.io", "threads" }, { "disk.bus", "virtio-scsi" }, { "vm.pinning", "compact" },
		{ "vm.emulatorpin", "shared" }, { "vm.cpu_model", "host-passthrough" },
		{ "vm.balloon", "off" },
	};
	struct space sp = all_knobs();
	union pval *cfg = config_defaults(&sp);
	char err[ERR_LEN];
	for (size_t i = 0; i < sizeof(asked) / sizeof(*asked); i++) {
		const struct param *p = &sp.p[at(&sp, asked[i].knob)];
		for (size_t v = 0; v < p->nvalues; v++)
			if (!strcmp(p->values[v], asked[i].value))
				cfg[at(&sp, asked[i].knob)].c = v;
	}
	cfg[at(&sp, "disk.iothreads")].i = 2;
	struct vm_env e = env("qemu");
	e.cpus = &two;
	struct dom_spec spec;
	struct strbuf want = STRBUF_INIT;
	assert_int_equal(domspec_from_config(&spec, &sp, cfg, &e, err), 0);
	assert_int_equal(domxml_build(&spec, &want, err), 0);
	domspec_release(&spec);
	char *live = slurp("tests/fixtures/live-domain.xml");
	struct seen s = { 0 };
	assert_int_equal(domxml_verify(want.buf, live, &sp, cfg, on_verified, &s, err), 0);
	int vm_disk = 0;
	for (size_t i = 0; i < knob_count(); i++)	/* a target of 100% too: read from the XML */
		vm_disk += knob_in_domain(knob_at(i));
	assert_int_equal(s.n, vm_disk);	/* every VM and disk knob */

	static const struct { const char *from, *to, *knob, *asked, *actual; } doctored[] = {
		{ "machine='pc-i440fx-7.2'", "machine='pc-q35-7.2'", "vm.machine", "pc", "q35" },
		{ "cache='writeback'", "cache='none'", "disk.cache", "writeback", "none" },
		{ "<vcpupin vcpu='1' cpuset='1'/>", "<vcpupin vcpu='1' cpuset='0'/>", "vm.pinning",
		  "compact", "vcpu0:0 vcpu1:0" },
		{ "<memballoon model='none'/>", "<memballoon model='virtio'/>", "vm.balloon", "off", "on" },
		{ "<vcpu placement='static'>2</vcpu>", "<vcpu placement='static'>1</vcpu>", "vm.vcpus",
		  "2", "1" },
		{ "<currentMemory unit='KiB'>524288", "<currentMemory unit='KiB'>262144",
		  "vm.balloon_target", "100", "50" },
	};
	for (size_t i = 0; i < sizeof(doctored) / sizeof(*doctored); i++) {
		char *bad = doctor(live, doctored[i].from, doctored[i].to);
		memset(&s, 0, sizeof(s));
		assert_int_equal(domxml_verify(want.buf, bad, &sp, cfg, on_verified, &s, err), 1);
		assert_string_equal(s.knob, doctored[i].knob);
		assert_string_equal(s.asked, doctored[i].asked);
		assert_string_equal(s.actual, doctored[i].actual);
		free(bad);
	}
	/* 2 MiB pages as libvirt writes them back: 2048 KiB */
	struct strbuf r = STRBUF_INIT;
	assert_int_equal(domxml_read("<domain><memoryBacking><hugepages><page size='2048' unit='KiB'/>"
				     "</hugepages></memoryBacking></domain>", "vm.hugepages", &r, err), 0);
	assert_string_equal(r.buf, "2M");
	strbuf_release(&r);
	free(live);
	free(cfg);
	strbuf_release(&want);
	space_release(&sp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_knob_value),
		cmocka_unit_test(layouts),
		cmocka_unit_test(nic_constraints),
		cmocka_unit_test(every_knob_reads_back),
		cmocka_unit_test(live_xml_verified),
		cmocka_unit_test(topology_from_capabilities),
	};
	return cmocka_run_group_tests_name("domxml", tests, NULL, NULL);
}
