#ifndef TOPOLOGY_H
#define TOPOLOGY_H
/* The host's CPUs from hwloc, in topology order, for the pinning layouts. */
#include "domxml.h"

struct topology {
	struct host_cpus cpus;
	int *pu, *core, *package;
	int npackages, ncores;
};

int topology_load(struct topology *t, char *err);
void topology_release(struct topology *t);

#endif
