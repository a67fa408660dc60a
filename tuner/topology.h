#ifndef TOPOLOGY_H
#define TOPOLOGY_H
/* The host's CPUs from hwloc, in topology order, for the pinning layouts. */
#include "domxml.h"

struct topology {
	struct host_cpus cpus;
	int *pu, *core, *package;
	int npackages, ncores;
	long long cache[4];	/* bytes of the L1d..L3 of the first CPU, 0 when unknown */
};

int topology_load(struct topology *t, char *err);
void topology_release(struct topology *t);

#endif
