#include "topology.h"
#include "../../lib/strbuf.h"
#include "../../lib/err.h"

#include <stdlib.h>
#include <string.h>
#include <hwloc.h>
#include <libxml/parser.h>
#include <libxml/xpath.h>

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
	t->pu = xcalloc((size_t)n, sizeof(int));
	t->core = xcalloc((size_t)n, sizeof(int));
	t->package = xcalloc((size_t)n, sizeof(int));
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

struct capcpu { int id, socket, core, cell; };

static int by_place(const void *a, const void *b)
{
	const struct capcpu *x = a, *y = b;
	if (x->socket != y->socket)
		return x->socket - y->socket;
	if (x->core != y->core)
		return x->core - y->core;
	return x->id - y->id;
}

static int int_attr(xmlNodePtr n, const char *name, int *out)
{
	xmlChar *v = xmlGetProp(n, (const xmlChar *)name);
	char *end;
	long x = v ? strtol((const char *)v, &end, 10) : 0;
	int ok = v && *v && !*end && x >= 0 && x < 1 << 20;
	xmlFree(v);
	if (ok)
		*out = (int)x;
	return ok ? 0 : -1;
}

/*
 * <capabilities><host><topology><cells><cell id=..><cpus><cpu id socket_id
 * core_id siblings/>: sorted into the order hwloc gives (package, core,
 * thread), cores and packages numbered in that order.
 */
int topology_from_caps(struct topology *t, const char *caps_xml, char *err)
{
	xmlDocPtr doc = xmlReadMemory(caps_xml, (int)strlen(caps_xml), "capabilities.xml", NULL,
				      XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	xmlXPathContextPtr x = doc ? xmlXPathNewContext(doc) : NULL;
	xmlXPathObjectPtr r = x ? xmlXPathEvalExpression(
		(const xmlChar *)"/capabilities/host/topology/cells/cell/cpus/cpu", x) : NULL;
	struct capcpu *c = NULL;
	int n = r && r->nodesetval ? r->nodesetval->nodeNr : 0, ret = -1;

	memset(t, 0, sizeof(*t));
	if (!doc) {
		seterr(err, "the host's capabilities are not XML");
		goto out;
	}
	if (n <= 0) {
		seterr(err, "the host's capabilities list no CPU topology");
		goto out;
	}
	c = xcalloc((size_t)n, sizeof(*c));
	t->pu = xcalloc((size_t)n, sizeof(int));
	t->core = xcalloc((size_t)n, sizeof(int));
	t->package = xcalloc((size_t)n, sizeof(int));
	for (int i = 0; i < n; i++) {
		xmlNodePtr cpu = r->nodesetval->nodeTab[i];
		if (int_attr(cpu, "id", &c[i].id) || int_attr(cpu, "socket_id", &c[i].socket) ||
		    int_attr(cpu, "core_id", &c[i].core)) {
			seterr(err, "the host's capabilities: a <cpu> without id, socket_id, core_id");
			goto out;
		}
	}
	qsort(c, (size_t)n, sizeof(*c), by_place);
	for (int i = 0; i < n; i++) {
		int new_pkg = i == 0 || c[i].socket != c[i - 1].socket;
		int new_core = new_pkg || c[i].core != c[i - 1].core;
		t->npackages += new_pkg;
		t->ncores += new_core;
		t->pu[i] = c[i].id;
		t->core[i] = t->ncores - 1;
		t->package[i] = t->npackages - 1;
	}
	t->cpus = (struct host_cpus){ n, t->pu, t->core, t->package };
	ret = 0;
out:
	free(c);
	xmlXPathFreeObject(r);
	xmlXPathFreeContext(x);
	xmlFreeDoc(doc);
	if (ret)
		topology_release(t);
	return ret;
}

void topology_release(struct topology *t)
{
	free(t->pu);
	free(t->core);
	free(t->package);
	t->pu = t->core = t->package = NULL;
}
