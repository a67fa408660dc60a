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

/* This host, from hwloc. */
int topology_load(struct topology *t, char *err);
/* Another host, from its libvirt capabilities XML (cells, cores, siblings). */
int topology_from_caps(struct topology *t, const char *caps_xml, char *err);
void topology_release(struct topology *t);

#endif
