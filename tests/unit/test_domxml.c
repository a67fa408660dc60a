/*
 * Golden files: configuration -> domain XML for every value of every VM and
 * disk knob, and the guest knobs on the kernel command line. A changed XML
 * fails here; VMTUNE_UPDATE_GOLDEN=1 rewrites the files (then read the diff).
 * tests/e2e/t08-domxml.sh validates each file with virt-xml-validate.
 */
#include "unit.h"
#include "../../tuner/domxml.h"
#include "../../tuner/topology.h"
#include "../../tuner/err.h"

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

static const struct cat { const char *name, *def; const char *values[6]; } cats[] = {
	{ "vm.pinning", "none", { "none", "compact", "spread", "per-core" } },
	{ "vm.emulatorpin", "none", { "none", "shared", "dedicated" } },
	{ "vm.hugepages", "none", { "none", "2M", "1G" } },
	{ "vm.cpu_model", "default", { "default", "host-passthrough" } },
	{ "vm.machine", "q35", { "pc", "q35" } },
	{ "vm.vcpusched", "other", { "other", "fifo", "rr" } },
	{ "vm.balloon", "on", { "on", "off" } },
	{ "disk.bus", "virtio-blk", { "virtio-blk", "virtio-scsi", "sata" } },
	{ "disk.cache", "none", { "none", "writeback", "writethrough", "directsync", "unsafe" } },
	{ "disk.io", "native", { "native", "threads", "io_uring" } },
	{ "disk.format", "raw", { "raw", "qcow2", "qcow2-prealloc" } },
	{ "guest.thp", "madvise", { "always", "madvise", "never" } },
	{ "guest.fs", "ext4", { "ext4", "xfs", "raw" } },
};

static struct space all_knobs(void)
{
	struct space sp;
	space_init(&sp);
	for (size_t i = 0; i < sizeof(cats) / sizeof(*cats); i++)
		cat_param(&sp, cats[i].name, cats[i].values, cats[i].def);
	int_param(&sp, "vm.vcpus", 1, 8, 2);
	int_param(&sp, "disk.count", 1, 3, 1);
	int_param(&sp, "disk.iothreads", 0, 2, 0);
	int_param(&sp, "guest.swappiness", 0, 200, 60);
	return sp;
}

static struct vm_env env(const char *type)
{
	return (struct vm_env){
		.name = "vmtune-r1-t1", .type = type, .kernel = "/var/lib/vmtune/guest/vmlinuz",
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

/* One golden per value of every knob, the others at their defaults. */
static void every_knob_value(void **state)
{
	(void)state;
	struct space sp = all_knobs();
	char err[ERR_LEN], file[128];
	size_t io;
	space_find(&sp, "disk.io", &io);
	for (size_t k = 0; k < sp.n; k++) {
		const struct param *p = &sp.p[k];
		uint64_t levels = p->type == P_CAT ? p->nvalues : 3;
		for (uint64_t l = 0; l < levels; l++) {
			union pval *cfg = config_defaults(&sp);
			struct strbuf val = STRBUF_INIT;
			if (p->type == P_CAT)
				cfg[k].c = (size_t)l;
			else if (!strcmp(p->name, "guest.swappiness"))
				cfg[k].i = (int64_t)l * 100;
			else
				cfg[k].i = (int64_t)p->min + (int64_t)l;
			/* a pinned emulator needs a pinning layout; a cache other than
			 * none or directsync needs io other than native (QEMU) */
			if (!strcmp(p->name, "vm.emulatorpin"))
				cfg[0].c = 1;
			if (!strcmp(p->name, "disk.cache") && l != 0 && l != 3)
				cfg[io].c = 1;
			pval_format(p, cfg[k], &val);
			snprintf(file, sizeof(file), "%s=%s", p->name, val.buf);
			char *xml = xml_of(&sp, cfg, "qemu", err);
			if (!xml)
				fail_msg("%s: %s", file, err);
			compare(file, xml);
			free(xml);
			free(cfg);
			strbuf_release(&val);
		}
	}
	union pval *cfg = config_defaults(&sp);
	char *xml = xml_of(&sp, cfg, "kvm", err);
	compare("defaults-kvm", xml);
	free(xml);
	cfg[3].c = 1;	/* host-passthrough under KVM stays host-passthrough */
	xml = xml_of(&sp, cfg, "kvm", err);
	assert_non_null(strstr(xml, "<cpu mode=\"host-passthrough\"/>"));
	free(xml);
	free(cfg);
	space_release(&sp);
}

static void layouts(void **state)
{
	(void)state;
	struct space sp = all_knobs();
	union pval *cfg = config_defaults(&sp);
	size_t vcpus;
	char err[ERR_LEN];
	space_find(&sp, "vm.vcpus", &vcpus);
	cfg[vcpus].i = 4;
	cfg[0].c = 1;	/* compact: threads of a core first */
	char *xml = xml_of(&sp, cfg, "qemu", err);
	assert_non_null(strstr(xml, "<vcpupin vcpu=\"1\" cpuset=\"4\"/>"));
	free(xml);
	cfg[0].c = 2;	/* spread: packages first */
	xml = xml_of(&sp, cfg, "qemu", err);
	assert_non_null(strstr(xml, "<vcpupin vcpu=\"0\" cpuset=\"0\"/>"));
	assert_non_null(strstr(xml, "<vcpupin vcpu=\"1\" cpuset=\"2\"/>"));
	free(xml);
	cfg[0].c = 3;	/* per-core: one thread of each core */
	xml = xml_of(&sp, cfg, "qemu", err);
	assert_non_null(strstr(xml, "<vcpupin vcpu=\"1\" cpuset=\"1\"/>"));
	free(xml);
	cfg[vcpus].i = 5;	/* 5 vCPUs, 4 cores */
	assert_null(xml_of(&sp, cfg, "qemu", err));
	assert_string_equal(err, "vm.pinning per-core needs 5 cores, the host has 4");
	cfg[vcpus].i = 8;
	cfg[0].c = 1;
	cfg[1].c = 2;	/* dedicated emulator: nothing left */
	assert_null(xml_of(&sp, cfg, "qemu", err));
	assert_non_null(strstr(err, "needs a CPU the 8 vCPUs leave free"));
	cfg[1].c = 0;
	cfg[0].c = 0;
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_knob_value),
		cmocka_unit_test(layouts),
		cmocka_unit_test(topology_from_capabilities),
	};
	return cmocka_run_group_tests_name("domxml", tests, NULL, NULL);
}
