/* A user's domain given a configuration's changes (domedit.h). */
#include "domedit.h"
#include "../../lib/err.h"

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdlib.h>
#include <string.h>

/* What each knob owns: an element under parent (NULL: <domain>), or an attribute of each disk's driver. */
struct owned {
	const char *knob, *parent, *child, *attr;
};
static const struct owned owned[] = {
	{ "vm.vcpus", NULL, "vcpu", NULL },
	{ "vm.pinning", "cputune", "vcpupin", NULL },
	{ "vm.emulatorpin", "cputune", "emulatorpin", NULL },
	{ "vm.vcpusched", "cputune", "vcpusched", NULL },
	{ "vm.cpu_shares", "cputune", "shares", NULL },
	{ "vm.cpu_quota", "cputune", "period", NULL },
	{ "vm.cpu_quota", "cputune", "quota", NULL },
	{ "vm.hugepages", NULL, "memoryBacking", NULL },
	{ "vm.cpu_model", NULL, "cpu", NULL },
	{ "vm.balloon", "devices", "memballoon", NULL },
	{ "vm.balloon_autodeflate", "devices", "memballoon", NULL },
	{ "vm.balloon_freepage", "devices", "memballoon", NULL },
	{ "disk.iothreads", NULL, "iothreads", NULL },
	{ "disk.iothreads", "disk", "driver", "iothread" },
	{ "disk.cache", "disk", "driver", "cache" },
	{ "disk.io", "disk", "driver", "io" },
	{ "disk.discard", "disk", "driver", "discard" },
};

/* What a definition change cannot do, by knob or prefix, and why. */
static const struct { const char *knob, *why; } left_alone[] = {
	{ "disk.format", "the image needs converting first (qemu-img convert), then the driver's type" },
	{ "disk.count", "disks are added or removed by hand" },
	{ "disk.bus", "the guest's device names change with the bus" },
	{ "vm.machine", "the guest's hardware changes with the machine type" },
	{ "vm.balloon_target", "a running domain's balloon: virsh setmem" },
	{ "net.", "the trials' NIC was a tap in a namespace of their own" },
	{ "host.", "a setting of the host: vmtune apply --format sysctl gives its line" },
	{ "guest.", "a setting in the guest: vmtune apply --format sysctl gives its line" },
};

static const char *why_left(const char *knob)
{
	for (size_t i = 0; i < sizeof(left_alone) / sizeof(*left_alone); i++) {
		size_t n = strlen(left_alone[i].knob);
		if (left_alone[i].knob[n - 1] == '.' ? !strncmp(knob, left_alone[i].knob, n)
						     : !strcmp(knob, left_alone[i].knob))
			return left_alone[i].why;
	}
	return "not a knob of a domain";
}

static int is(xmlNodePtr n, const char *name)
{
	return n->type == XML_ELEMENT_NODE && !strcmp((const char *)n->name, name);
}

static xmlNodePtr find(xmlNodePtr parent, const char *name)
{
	for (xmlNodePtr n = parent ? parent->children : NULL; n; n = n->next)
		if (is(n, name))
			return n;
	return NULL;
}

/* A disk of the domain's own: device disk (the default), not vmtune's results disk. */
static int data_disk(xmlNodePtr d)
{
	xmlChar *dev = xmlGetProp(d, BAD_CAST "device");
	xmlNodePtr t = find(d, "target");
	xmlChar *tdev = t ? xmlGetProp(t, BAD_CAST "dev") : NULL;
	int ok = is(d, "disk") && (!dev || !strcmp((char *)dev, "disk")) &&
		 !(tdev && !strcmp((char *)tdev, "vdz"));
	xmlFree(dev);
	xmlFree(tdev);
	return ok;
}

/* Every parent/child of def replaced by built's (an empty parent left goes too). */
static void replace_elements(xmlDocPtr d, xmlNodePtr droot, xmlNodePtr broot, const struct owned *o)
{
	xmlNodePtr dp = o->parent ? find(droot, o->parent) : droot;
	xmlNodePtr bp = o->parent ? find(broot, o->parent) : broot;
	for (xmlNodePtr n = dp ? dp->children : NULL, next; n; n = next) {
		next = n->next;
		if (is(n, o->child)) {
			xmlUnlinkNode(n);
			xmlFreeNode(n);
		}
	}
	for (xmlNodePtr n = bp ? bp->children : NULL; n; n = n->next) {
		if (!is(n, o->child))
			continue;
		if (!dp)
			dp = xmlNewChild(droot, NULL, BAD_CAST o->parent, NULL);
		xmlAddChild(dp, xmlDocCopyNode(n, d, 1));
	}
	if (dp && dp != droot && !find(dp, o->child) && !xmlFirstElementChild(dp)) {
		xmlUnlinkNode(dp);
		xmlFreeNode(dp);
	}
}

/* Each of def's disks' driver gets built's first data disk's attribute (or loses it). */
static int set_driver_attr(xmlNodePtr droot, xmlNodePtr broot, const char *attr)
{
	xmlNodePtr bdrv = NULL;
	for (xmlNodePtr n = find(broot, "devices") ? find(broot, "devices")->children : NULL;
	     n && !bdrv; n = n->next)
		if (data_disk(n))
			bdrv = find(n, "driver");
	if (!bdrv)
		return -1;
	xmlChar *v = xmlGetProp(bdrv, BAD_CAST attr);
	int disks = 0;
	for (xmlNodePtr n = find(droot, "devices") ? find(droot, "devices")->children : NULL; n;
	     n = n->next) {
		if (!data_disk(n))
			continue;
		xmlNodePtr drv = find(n, "driver");
		if (!drv)
			drv = xmlNewChild(n, NULL, BAD_CAST "driver", NULL);
		if (v)
			xmlSetProp(drv, BAD_CAST attr, v);
		else
			xmlUnsetProp(drv, BAD_CAST attr);
		disks++;
	}
	xmlFree(v);
	return disks;
}

/* One changed knob into def: what was done, or why not, as a line of notes. */
static void apply_knob(xmlDocPtr d, xmlNodePtr droot, xmlNodePtr broot, const char *knob,
		       const char *value, int *done, struct strbuf *notes)
{
	int took = 0;
	if (!strcmp(knob, "vm.pinning") || !strcmp(knob, "vm.emulatorpin")) {
		xmlChar *dv = xmlNodeGetContent(find(droot, "vcpu")), *bv = xmlNodeGetContent(find(broot, "vcpu"));
		int same = dv && bv && atoi((char *)dv) == atoi((char *)bv);
		if (!same)
			strbuf_addf(notes, "left alone: %s %s: its layout is for %s vCPUs, the domain "
				    "has %s (vm.vcpus with it)\n", knob, value, bv ? (char *)bv : "?",
				    dv ? (char *)dv : "?");
		xmlFree(dv);
		xmlFree(bv);
		if (!same)
			return;
	}
	for (size_t k = 0; k < sizeof(owned) / sizeof(*owned); k++) {
		const struct owned *o = &owned[k];
		if (strcmp(o->knob, knob))
			continue;
		if (!o->attr) {
			if (!done[k]++)
				replace_elements(d, droot, broot, o);
			strbuf_addf(notes, "%s %s: <%s%s%s>\n", knob, value, o->parent ? o->parent : "",
				    o->parent ? "><" : "", o->child);
		} else {
			int n = set_driver_attr(droot, broot, o->attr);
			if (n < 0)
				strbuf_addf(notes, "left alone: %s %s: the configuration has no data disk "
					    "to take it from\n", knob, value);
			else
				strbuf_addf(notes, "%s %s: the driver's %s, on each of the domain's %d "
					    "disk%s\n", knob, value, o->attr, n, n == 1 ? "" : "s");
		}
		took = 1;
	}
	if (!took)
		strbuf_addf(notes, "left alone: %s %s: %s\n", knob, value, why_left(knob));
}

int domedit_merge(const struct space *sp, const union pval *cfg, const char *def,
		  const char *built, struct strbuf *out, struct strbuf *notes, char *err)
{
	xmlDocPtr d = xmlReadMemory(def, (int)strlen(def), "domain.xml", NULL,
				    XML_PARSE_NONET | XML_PARSE_NOBLANKS);
	xmlDocPtr b = xmlReadMemory(built, (int)strlen(built), "built.xml", NULL,
				    XML_PARSE_NONET | XML_PARSE_NOBLANKS);
	int done[sizeof(owned) / sizeof(*owned)] = { 0 }, rc = -1;
	if (!d || !b || !xmlDocGetRootElement(d) || !is(xmlDocGetRootElement(d), "domain")) {
		seterr(err, "%s", d ? "the built domain XML cannot be read" : "the domain's XML cannot "
		       "be read");
		goto out;
	}
	for (size_t i = 0; i < sp->n; i++) {
		const struct param *p = &sp->p[i];
		if (pval_equal(p, cfg[i], p->def) || !param_active(sp, cfg, i))
			continue;	/* not a change: the domain keeps its own */
		struct strbuf v = STRBUF_INIT;
		pval_format(p, cfg[i], &v);
		apply_knob(d, xmlDocGetRootElement(d), xmlDocGetRootElement(b), p->name, v.buf, done,
			   notes);
		strbuf_release(&v);
	}
	xmlChar *mem;
	int len;
	xmlDocDumpFormatMemory(d, &mem, &len, 1);
	strbuf_add(out, (const char *)mem, (size_t)len);
	xmlFree(mem);
	rc = 0;
out:
	xmlFreeDoc(d);
	xmlFreeDoc(b);
	return rc;
}

void domedit_normalize(const char *xml, struct strbuf *out)
{
	xmlDocPtr d = xmlReadMemory(xml, (int)strlen(xml), "domain.xml", NULL,
				    XML_PARSE_NONET | XML_PARSE_NOBLANKS);
	xmlChar *mem;
	int len;
	if (!d) {
		strbuf_addstr(out, xml);
		return;
	}
	xmlDocDumpFormatMemory(d, &mem, &len, 1);
	strbuf_add(out, (const char *)mem, (size_t)len);
	xmlFree(mem);
	xmlFreeDoc(d);
}

static void quiet(void *ud, virErrorPtr e)
{
	(void)ud, (void)e;
}

static int virt_fail(char *err, const char *what)
{
	virErrorPtr e = virGetLastError();
	return seterr(err, "%s: %s", what, e && e->message ? e->message : "libvirt failed"), -1;
}

int domedit_get(const char *uri, const char *name, struct strbuf *xml, int *active,
		struct strbuf *canon, char *err)
{
	virSetErrorFunc(NULL, quiet);
	virConnectPtr c = virConnectOpen(uri);
	if (!c)
		return virt_fail(err, uri ? uri : "the default libvirt connection");
	virDomainPtr dom = virDomainLookupByName(c, name);
	char *u = virConnectGetURI(c);
	strbuf_addstr(canon, u ? u : uri ? uri : "");
	free(u);
	int rc = -1;
	if (!dom) {
		seterr(err, "no domain '%s' on %s", name, canon->buf);
	} else if (!virDomainIsPersistent(dom)) {
		seterr(err, "domain '%s' is transient: it has no definition to edit", name);
	} else {
		char *x = virDomainGetXMLDesc(dom, VIR_DOMAIN_XML_INACTIVE | VIR_DOMAIN_XML_SECURE);
		if (!x) {
			virt_fail(err, name);
		} else {
			strbuf_addstr(xml, x);
			free(x);
			*active = virDomainIsActive(dom) == 1;
			rc = 0;
		}
	}
	if (dom)
		virDomainFree(dom);
	virConnectClose(c);
	return rc;
}

int domedit_define(const char *uri, const char *xml, char *err)
{
	virSetErrorFunc(NULL, quiet);
	virConnectPtr c = virConnectOpen(uri);
	if (!c)
		return virt_fail(err, uri ? uri : "the default libvirt connection");
	virDomainPtr dom = virDomainDefineXML(c, xml);
	int rc = dom ? 0 : virt_fail(err, "libvirt refused the definition");
	if (dom)
		virDomainFree(dom);
	virConnectClose(c);
	return rc;
}
