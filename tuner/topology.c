#include "topology.h"
#include "err.h"

#include <stdlib.h>
#include <hwloc.h>

static int index_of(hwloc_topology_t topo, hwloc_obj_t pu, hwloc_obj_type_t type)
{
	hwloc_obj_t o = hwloc_get_ancestor_obj_by_type(topo, type, pu);
	return o ? (int)o->logical_index : 0;
}

int topology_load(struct topology *t, char *err)
{
	hwloc_topology_t topo;
	if (hwloc_topology_init(&topo) || hwloc_topology_load(topo))
		return seterr(err, "hwloc cannot read this host's topology"), -1;
	int n = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_PU);
	if (n <= 0) {
		hwloc_topology_destroy(topo);
		return seterr(err, "hwloc sees no CPU"), -1;
	}
	t->pu = calloc((size_t)n, sizeof(int));
	t->core = calloc((size_t)n, sizeof(int));
	t->package = calloc((size_t)n, sizeof(int));
	if (!t->pu || !t->core || !t->package)
		abort();
	for (int i = 0; i < n; i++) {	/* logical order: package, core, thread */
		hwloc_obj_t pu = hwloc_get_obj_by_type(topo, HWLOC_OBJ_PU, (unsigned)i);
		t->pu[i] = (int)pu->os_index;
		t->core[i] = index_of(topo, pu, HWLOC_OBJ_CORE);
		t->package[i] = index_of(topo, pu, HWLOC_OBJ_PACKAGE);
	}
	static const hwloc_obj_type_t caches[4] = { HWLOC_OBJ_L1CACHE, HWLOC_OBJ_L1CACHE,
						    HWLOC_OBJ_L2CACHE, HWLOC_OBJ_L3CACHE };
	hwloc_obj_t pu0 = hwloc_get_obj_by_type(topo, HWLOC_OBJ_PU, 0);
	for (int l = 1; l < 4; l++) {
		hwloc_obj_t c = hwloc_get_ancestor_obj_by_type(topo, caches[l], pu0);
		t->cache[l] = c && c->attr ? (long long)c->attr->cache.size : 0;
	}
	t->npackages = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_PACKAGE);
	t->ncores = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_CORE);
	t->cpus = (struct host_cpus){ n, t->pu, t->core, t->package };
	hwloc_topology_destroy(topo);
	return 0;
}

void topology_release(struct topology *t)
{
	free(t->pu);
	free(t->core);
	free(t->package);
}
