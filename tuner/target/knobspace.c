/*
 * A test-VM job's parameters against the knob catalogue (lib/knobs.h), the
 * libvirt target's check_space(): every parameter must be a knob, every
 * value inside its domain (a misspelt knob would change nothing, and a
 * value outside it would reach a kernel command line or sysfs), and what
 * the appliance cannot do with the job's settings is refused here too.
 */
#include "target.h"
#include "target-libvirt.h"
#include "../../lib/err.h"
#include "../../lib/knobs.h"
#include "hostcost.h"
#include "workload.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define XFS_MIN_MIB 300		/* mkfs.xfs refuses smaller disks */

/* A numeric setting (memory, disk_size), as the target will take it; def when not set. */
static const struct target_setting *setting_of(const struct target_setting *s, size_t n,
					       const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(s[i].key, key))
			return &s[i];
	return NULL;
}

static long setting_long(const struct target_setting *s, size_t n, const char *key, long def)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(s[i].key, key) && s[i].nvals == 1)
			return atol(s[i].vals[0]);
	return def;
}

static int fault(struct space_fault *at, size_t param, int where, size_t value)
{
	*at = (struct space_fault){ .param = param, .at = where, .value = value };
	return -1;
}

/* A categorical parameter: each value in the knob's domain, and one the disks can take. */
static int check_values(const struct knob *k, const struct param *q, size_t i, long mib,
			struct space_fault *at, char *err)
{
	for (size_t v = 0; v < q->nvalues; v++) {
		if (knob_check(k, q->values[v], err))
			return fault(at, i, AT_VALUE, v);
		if (!strcmp(k->name, "guest.fs") && !strcmp(q->values[v], "xfs") && mib < XFS_MIN_MIB)
			return seterr(err, "guest.fs xfs needs data disks of at least %d MiB "
				      "(mkfs.xfs); disk_size is %ld", XFS_MIN_MIB, mib),
			       fault(at, i, AT_VALUE, v);
	}
	return 0;
}

static int check_param(const struct param *q, size_t i, long mib, struct space_fault *at,
		       char *err)
{
	const struct knob *k = knob_find(q->name);
	char dom[160], v[64];
	if (!k) {
		const struct knob *near = knob_nearest(q->name);
		if (near)
			seterr(err, "unknown knob '%s' (did you mean %s? 'vmtune knobs' lists them)",
			       q->name, near->name);
		else
			seterr(err, "unknown knob '%s' ('vmtune knobs' lists them)", q->name);
		return fault(at, i, AT_NAME, 0);
	}
	knob_domain(k, dom, sizeof(dom));
	if (q->type == P_CAT)
		return check_values(k, q, i, mib, at, err);
	if (q->type == P_BOOL) {
		if (k->values[0] && !strcmp(k->values[0], "on") && k->values[1] &&
		    !strcmp(k->values[1], "off") && !k->values[2])
			return 0;
		seterr(err, "%s takes %s, not a bool: declare it categorical or int", k->name, dom);
		return fault(at, i, AT_NAME, 0);
	}
	if (q->type == P_FLOAT || k->values[0]) {
		seterr(err, "%s takes %s: declare it %s", k->name, dom,
		       k->values[0] ? "categorical" : "int");
		return fault(at, i, AT_NAME, 0);
	}
	/* an integer knob: the range must lie within the knob's */
	snprintf(v, sizeof(v), "%.0f", q->min);
	if (knob_check(k, v, err))
		return fault(at, i, AT_MIN, 0);
	snprintf(v, sizeof(v), "%.0f", q->max);
	if (knob_check(k, v, err))
		return fault(at, i, AT_MAX, 0);
	return 0;
}

/* Whether knob can hold value in this job: its default when not searched, else one of its values. */
static int can_be(const struct space *sp, const char *knob, const char *value)
{
	const struct param *p = space_find(sp, knob, NULL);
	if (!p)
		return !strcmp(knob_find(knob)->def, value);
	for (size_t v = 0; p->type == P_CAT && v < p->nvalues; v++)
		if (!strcmp(p->values[v], value))
			return 1;
	return 0;
}

/*
 * A value that can never take effect with what else the job fixes is
 * refused, as a value outside its domain is: huge pages that do not divide
 * the guest's memory; vhost-net and virtio queues without both a virtio
 * NIC and a tap to put them on.
 */
static int check_reachable(const struct space *sp, const struct target_setting *s, size_t n,
			   struct space_fault *at, char *err)
{
	long mib = setting_long(s, n, "memory", LIBVIRT_MEMORY_MIB);
	int nic_ok = can_be(sp, "net.model", "virtio") && can_be(sp, "net.backend", "tap");
	size_t vi;
	const struct param *vc = space_find(sp, "vm.vcpus", &vi);
	long vcpus = vc && vc->type == P_INT ? (long)vc->max : atol(knob_find("vm.vcpus")->def);
	for (size_t i = 0; i < sp->n; i++) {
		const struct param *p = &sp->p[i];
		for (size_t v = 0; p->type == P_CAT && v < p->nvalues; v++) {
			const char *x = p->values[v];
			unsigned long long mask;
			long top;
			if (!strcmp(p->name, "guest.affinity") && !knob_cpulist(x, 64, &mask, &top) &&
			    top >= vcpus)
				return seterr(err, "guest.affinity %s names vCPU %ld; this job's guests "
					      "have at most %ld (vm.vcpus)", x, top, vcpus),
				       fault(at, i, AT_VALUE, v);
			if (!strcmp(p->name, "vm.hugepages") &&
			    ((!strcmp(x, "1G") && mib % 1024) || (!strcmp(x, "2M") && mib % 2)))
				return seterr(err, "vm.hugepages %s cannot back memory of %ld MiB (not a "
					      "multiple of its page)", x, mib), fault(at, i, AT_VALUE, v);
			if (!strcmp(p->name, "net.vhost") && !strcmp(x, "on") && !nic_ok)
				return seterr(err, "net.vhost on needs net.model virtio and net.backend "
					      "tap, which this job never has"), fault(at, i, AT_VALUE, v);
		}
		if (!strcmp(p->name, "guest.affinity") && p->type == P_INT && p->max >= vcpus)
			return seterr(err, "guest.affinity %.0f names a vCPU this job's guests do not have "
				      "(at most %ld: vm.vcpus)", p->max, vcpus), fault(at, i, AT_MAX, 0);
		if (!strcmp(p->name, "net.queues") && p->max > 1 && !nic_ok)
			return seterr(err, "net.queues above 1 needs net.model virtio and net.backend "
				      "tap, which this job never has"), fault(at, i, AT_MAX, 0);
	}
	return 0;
}

/* The benchmarks the guest runs: the job's list, else the default plan. */
static int runs_bench(const struct target_setting *s, size_t n, const char *bench, size_t len)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(s[i].key, "benchmarks")) {
			for (size_t k = 0; k < s[i].nvals; k++)
				if (strlen(s[i].vals[k]) == len && !strncmp(s[i].vals[k], bench, len))
					return 1;
			return 0;
		}
	for (const char *p = LIBVIRT_BENCHMARKS;; p++) {
		size_t k = strcspn(p, ",");
		if (k == len && !strncmp(p, bench, len))
			return 1;
		if (!p[k])
			return 0;
		p += k;
	}
}

/*
 * The job as a whole can measure what it asks: every objective metric is
 * one of a benchmark it runs (a metric is named BENCH.WHAT), and a network
 * knob has the net benchmark to be measured by.
 */
static int workload_measures(const struct workload *wl, const char *m)
{
	if (!wl)
		return 0;
	if (!wl->npat)	/* run prints metric lines: any name may come */
		return 1;
	for (size_t i = 0; i < wl->npat; i++)
		if (!strcmp(wl->pat[i].name, m))
			return 1;
	return 0;
}

static int check_measurable(const struct space *sp, const struct objective *obj,
			    const struct target_setting *s, size_t n, const struct workload *wl,
			    struct space_fault *at, char *err)
{
	int image = setting_of(s, n, "image") != NULL;
	for (size_t t = 0; t < obj->n; t++) {
		const char *m = obj->t[t].metric, *dot = strchr(m, '.');
		if (workload_measures(wl, m) || hostcost_metric(m) || !strcmp(m, "guest.steal"))
			continue;	/* what a VM costs its host, measured by the target */
		if (wl && wl->npat && (image || !dot || !runs_bench(s, n, m, (size_t)(dot - m)))) {
			seterr(err, "objective metric '%s' is none of the workload's metrics", m);
			*at = (struct space_fault){ .at = AT_METRIC, .value = t };
			return -1;
		}
		if (!dot || !runs_bench(s, n, m, (size_t)(dot - m))) {
			seterr(err, "objective metric '%s' is not measured by this job's benchmarks "
			       "(a metric is BENCHMARK.NAME; 'vmtune bench --json' shows them)", m);
			*at = (struct space_fault){ .at = AT_METRIC, .value = t };
			return -1;
		}
	}
	for (size_t i = 0; i < sp->n; i++) {
		const struct knob *k = knob_find(sp->p[i].name);
		if (k && (k->level == KNOB_NET || !strncmp(k->name, "guest.net.", 10)) &&
		    (image || !runs_bench(s, n, "net", 3))) {
			if (image) {
				seterr(err, "%s: a user's image gets no NIC from vmtune (its workload "
				       "runs in the guest)", k->name);
				return fault(at, i, AT_NAME, 0);
			}
			seterr(err, "%s needs the net benchmark to be measured by (target: benchmarks)",
			       k->name);
			return fault(at, i, AT_NAME, 0);
		}
	}
	return 0;
}

/*
 * A user's image runs a workload through its agent: it needs one, the
 * bundled benchmarks stay in the appliance, and guest.fs (the appliance
 * formats data disks) is the workload's setup's to do.
 */
static int check_image(const struct space *sp, const struct target_setting *s, size_t n,
		       const struct workload *wl, struct space_fault *at, char *err)
{
	const struct target_setting *img = setting_of(s, n, "image"), *b = setting_of(s, n, "benchmarks");
	if (!img)
		return 0;
	if (!wl) {
		seterr(err, "image: needs a workload: (what to run in the guest and how its figures "
		       "come out)");
		*at = (struct space_fault){ .at = AT_SETTING, .value = (size_t)(img - s) };
		return -1;
	}
	if (b) {
		seterr(err, "benchmarks: run in the bundled appliance, not in a user's image (yet): "
		       "leave them out, or drop image:");
		*at = (struct space_fault){ .at = AT_SETTING, .value = (size_t)(b - s) };
		return -1;
	}
	for (size_t i = 0; i < sp->n; i++)
		if (!strcmp(sp->p[i].name, "guest.fs")) {
			seterr(err, "guest.fs: the appliance formats its data disks; in a user's image "
			       "the workload's setup does (mkfs in setup)");
			return fault(at, i, AT_NAME, 0);
		}
	return 0;
}

int libvirt_check_space(const struct space *sp, const struct objective *obj,
			const struct target_setting *s, size_t n, const struct workload *wl,
			struct space_fault *at, char *err)
{
	long mib = setting_long(s, n, "disk_size", LIBVIRT_DISK_MIB);
	for (size_t i = 0; i < sp->n; i++)
		if (check_param(&sp->p[i], i, mib, at, err))
			return -1;
	return check_image(sp, s, n, wl, at, err) || check_reachable(sp, s, n, at, err) ||
	       check_measurable(sp, obj, s, n, wl, at, err) ? -1 : 0;
}

/* ---- what the knobs cannot do together ------------------------------------ */

/*
 * The rules QEMU and libvirt impose on the knobs together, as forbidden
 * clauses (lib/space.h): a configuration that breaks one would fail before
 * its VM booted, so no strategy proposes it. A term is a knob and its
 * values: a list ("a,b"), ">N" or "<N" (ints), or "above:KNOB". Over a
 * job: a knob it searches is matched by its values; one it does not holds
 * its default, which either always matches (the term drops out) or never
 * (the clause does).
 */
struct rule_term { const char *knob, *values; };
static const struct {
	struct rule_term t[2];
	const char *why;
} rules[] = {
	{ { { "disk.io", "native" }, { "disk.cache", "writeback,writethrough,unsafe" } },
	  "disk.io native needs disk.cache none or directsync (QEMU)" },
	{ { { "net.vhost", "on" }, { "net.model", "e1000e,rtl8139,vmxnet3" } },
	  "net.vhost on needs net.model virtio" },
	{ { { "net.vhost", "on" }, { "net.backend", "user" } }, "net.vhost on needs net.backend tap" },
	{ { { "net.queues", ">1" }, { "net.model", "e1000e,rtl8139,vmxnet3" } },
	  "net.queues above 1 needs net.model virtio" },
	{ { { "net.queues", ">1" }, { "net.backend", "user" } },
	  "net.queues above 1 needs net.backend tap" },
	{ { { "net.queues", "above:vm.vcpus" } }, "net.queues no more than vm.vcpus" },
	{ { { "vm.emulatorpin", "shared,dedicated" }, { "vm.pinning", "none" } },
	  "vm.emulatorpin needs a vm.pinning layout" },
	{ { { "vm.balloon_autodeflate", "on" }, { "vm.balloon", "off" } },
	  "vm.balloon_autodeflate on needs vm.balloon on" },
	{ { { "vm.balloon_freepage", "on" }, { "vm.balloon", "off" } },
	  "vm.balloon_freepage on needs vm.balloon on" },
	{ { { "vm.balloon_target", "<100" }, { "vm.balloon", "off" } },
	  "vm.balloon_target below 100 needs vm.balloon on" },
};

/* Does text value v of a knob match a term's values? */
static int term_has(const char *values, const char *v)
{
	if (values[0] == '>' || values[0] == '<') {
		long x = atol(v), n = atol(values + 1);
		return values[0] == '>' ? x > n : x < n;
	}
	size_t len = strlen(v);
	for (const char *p = values; *p; p += strcspn(p, ","), p += *p == ',')
		if (strcspn(p, ",") == len && !strncmp(p, v, len))
			return 1;
	return 0;
}

/* A term over the job: 1 it always matches, 0 never, 2 a term of t. */
static int rule_term(const struct space *sp, const struct rule_term *r, struct forbid_term *t)
{
	const struct param *p = space_find(sp, r->knob, &t->param);
	const char *values = r->values;
	char cmp[32];
	if (!strncmp(values, "above:", 6)) {
		const struct param *q = space_find(sp, values + 6, &t->other);
		if (q && p && q->type == P_INT && p->type == P_INT) {
			t->kind = FORBID_ABOVE;
			return 2;
		}
		if (q)	/* searched, but not as an int: no rule to state */
			return 0;
		snprintf(cmp, sizeof(cmp), ">%ld", atol(knob_find(values + 6)->def));
		values = cmp;
	}
	if (!p)
		return term_has(values, knob_find(r->knob)->def);
	t->kind = FORBID_IN;
	t->values = xcalloc(param_levels(p) + 1, sizeof(*t->values));
	for (uint64_t k = 0; k < param_levels(p) && k < 4096; k++) {
		struct strbuf v = STRBUF_INIT;
		union pval x = param_level(p, k);
		if (p->type == P_BOOL)
			strbuf_addstr(&v, x.b ? "on" : "off");
		else
			pval_format(p, x, &v);
		if (term_has(values, v.buf))
			t->values[t->nvalues++] = x;
		strbuf_release(&v);
	}
	return t->nvalues ? 2 : 0;
}

/* guest.affinity naming a vCPU that a searched vm.vcpus may not give. */
static void affinity_rules(struct space *sp)
{
	size_t ai, vi;
	const struct param *a = space_find(sp, "guest.affinity", &ai);
	const struct param *v = space_find(sp, "vm.vcpus", &vi);
	for (size_t k = 0; a && v && a->type == P_CAT && v->type == P_INT && k < a->nvalues; k++) {
		unsigned long long mask;
		long top;
		if (knob_cpulist(a->values[k], 64, &mask, &top) || top < (long)v->min)
			continue;	/* "all", or every vm.vcpus has that vCPU */
		struct forbid f = { .t = xcalloc(2, sizeof(*f.t)), .n = 2 };
		struct strbuf why = STRBUF_INIT;
		f.t[0] = (struct forbid_term){ .param = ai, .values = xcalloc(1, sizeof(union pval)),
					       .nvalues = 1 };
		f.t[0].values[0].c = k;
		f.t[1] = (struct forbid_term){ .param = vi, .values = xcalloc((size_t)top + 2,
									      sizeof(union pval)) };
		for (int64_t n = (int64_t)v->min; n <= top && n <= (int64_t)v->max; n++)
			f.t[1].values[f.t[1].nvalues++].i = n;
		strbuf_addf(&why, "guest.affinity %s needs vm.vcpus above %ld", a->values[k], top);
		f.why = strbuf_detach(&why);
		space_forbid(sp, &f);
	}
}

void libvirt_space_rules(struct space *sp, const struct target_setting *s, size_t n)
{
	(void)s, (void)n;
	for (size_t r = 0; r < sizeof(rules) / sizeof(*rules); r++) {
		struct forbid f = { .t = xcalloc(2, sizeof(*f.t)) };
		int never = 0;
		for (size_t k = 0; k < 2 && rules[r].t[k].knob && !never; k++) {
			int m = rule_term(sp, &rules[r].t[k], &f.t[f.n]);
			f.n += m == 2;
			never = !m;
		}
		/* a clause of no searched knob: the target's fixed settings, refused elsewhere */
		if (!never && f.n) {
			f.why = xstrdup(rules[r].why);
			space_forbid(sp, &f);
			continue;
		}
		for (size_t k = 0; k < 2; k++)
			free(f.t[k].values);
		free(f.t);
	}
	affinity_rules(sp);
}
