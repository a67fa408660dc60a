/* vmtune topology: the host's CPUs as hwloc sees them, and where each pinning layout puts vCPUs. */
#include "vmtune.h"
#include "../../lib/strbuf.h"
#include "../../lib/err.h"
#include "../target/topology.h"

#include <stdlib.h>
#include <string.h>

static int topology_main(int argc, char **argv)
{
	const struct cmd *c = &cmd_topology;
	struct topology t = { 0 };
	char err[ERR_LEN];
	int64_t vcpus = 0;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			print_usage(c, stdout);
			return EXIT_OK;
		} else if (!strcmp(argv[i], "--vcpus") && i + 1 < argc) {
			if (parse_i64(argv[++i], 1, 4096, &vcpus))
				return usage_error(c, "--vcpus wants a number from 1 to 4096");
		} else {
			return usage_error(c, "unknown argument '%s'", argv[i]);
		}
	}
	if (topology_load(&t, err))
		return fail(EXIT_RUNTIME, "%s", err);
	printf("packages %d, cores %d, CPUs %d\n", t.npackages, t.ncores, t.cpus.n);
	for (int l = 1; l < 4; l++)
		if (t.cache[l])
			printf("L%d cache %lld KiB\n", l, t.cache[l] >> 10);
	printf("%-5s %-5s %s\n", "cpu", "core", "package");
	for (int i = 0; i < t.cpus.n; i++)
		printf("%-5d %-5d %d\n", t.pu[i], t.core[i], t.package[i]);
	unsigned n = vcpus ? (unsigned)vcpus : (unsigned)t.cpus.n;
	int *pin = xcalloc(n, sizeof(int));
	static const char *const layouts[] = { "compact", "spread", "per-core" };
	printf("vm.pinning layouts for %u vCPUs:\n", n);
	for (size_t k = 0; k < 3; k++) {
		printf("  %-9s", layouts[k]);
		if (domxml_layout(layouts[k], &t.cpus, n, pin, err))
			printf(" not possible: %s\n", err);
		else {
			for (unsigned v = 0; v < n; v++)
				printf(" %u->%d", v, pin[v]);
			putchar('\n');
		}
	}
	free(pin);
	topology_release(&t);
	return EXIT_OK;
}

const struct cmd cmd_topology = {
	.name = "topology",
	.fn = topology_main,
	.summary = "show the host's CPUs, caches and each pinning layout",
	.usage = "vmtune topology [--vcpus N]\n"
		 "\n"
		 "Packages, cores and CPUs as hwloc sees this host, its caches, and for each\n"
		 "vm.pinning layout (compact, spread, per-core) the host CPU of every vCPU\n"
		 "(N vCPUs; default one per host CPU), or why the layout cannot be met.",
};
