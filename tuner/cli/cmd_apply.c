/*
 * vmtune apply RUN: the winning settings, ready for production VMs. The XML
 * fragment comes from the same domxml.c that built the trials' domains (on
 * this host's topology), cut to what a production domain takes from it; the
 * sysctl/sysfs lines from the knob catalogue's paths.
 */
#include "vmtune.h"
#include "../../lib/err.h"
#include "../target/domxml.h"
#include "../target/hostknobs.h"
#include "../../lib/knobs.h"
#include "../view/runview.h"
#include "../target/topology.h"

#include <stdlib.h>
#include <string.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

/* Where a host or guest knob lives (the catalogue); NULL for any other parameter. */
static const char *knob_path(const char *knob)
{
	const struct knob *k = knob_find(knob);
	return k ? k->path : NULL;
}

/* A value printed for a shell: bare when plain, else single-quoted. */
static void shell_word(struct strbuf *out, const char *s)
{
	if (*s && strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") ==
			  strlen(s)) {
		strbuf_addstr(out, s);
		return;
	}
	strbuf_addch(out, '\'');
	for (; *s; s++)
		if (*s == '\'')
			strbuf_addstr(out, "'\\''");
		else
			strbuf_addch(out, *s);
	strbuf_addch(out, '\'');
}

/* One knob's line: a sysctl for /proc/sys, else a sysfs setting. */
static void knob_line(const char *path, const char *v, int shell, struct strbuf *out)
{
	if (!strncmp(path, "/proc/sys/", 10)) {
		struct strbuf name = STRBUF_INIT;
		for (const char *c = path + 10; *c; c++)
			strbuf_addch(&name, *c == '/' ? '.' : *c);
		if (shell) {
			strbuf_addf(out, "sysctl -w %s=", name.buf);
			shell_word(out, v);
			strbuf_addch(out, '\n');
		} else {
			strbuf_addf(out, "%s = %s\n", name.buf, v);
		}
		strbuf_release(&name);
	} else if (strstr(path, "%s")) {	/* /sys/block/%s/...: each data disk */
		const char *rest = strchr(path + strlen("/sys/block/"), '/') + 1;
		if (shell) {
			strbuf_addstr(out, "for d in /sys/block/vd*; do echo ");
			shell_word(out, v);
			strbuf_addf(out, " > \"$d/%s\"; done\n", rest);
		} else {
			strbuf_addf(out, "block/vd*/%s = %s    # sysfs, each data disk\n", rest, v);
		}
	} else if (shell) {
		strbuf_addstr(out, "echo ");
		shell_word(out, v);
		strbuf_addf(out, " > %s\n", path);
	} else {
		strbuf_addf(out, "%s = %s    # sysfs (/etc/sysfs.conf)\n", path + strlen("/sys/"), v);
	}
}

/* -1 (err set) when a value is outside its knob's domain: nothing of it is printed. */
static int knob_lines(const struct space *sp, const union pval *cfg, const char *side, int shell,
		      struct strbuf *out, char *err)
{
	int header = 0;
	size_t prefix = strlen(side);
	for (size_t i = 0; i < sp->n; i++) {
		const struct param *p = &sp->p[i];
		if (strncmp(p->name, side, prefix) || !param_active(sp, cfg, i))
			continue;
		const char *path = knob_path(p->name);
		const struct knob *k = knob_find(p->name);
		struct strbuf v = STRBUF_INIT;
		pval_format(p, cfg[i], &v);
		if (k && knob_check(k, v.buf, err)) {	/* never a line of its own on a sysctl.d */
			strbuf_release(&v);
			return -1;
		}
		if (!header++)
			strbuf_addf(out, "# %s\n", !strcmp(side, "host.") ? "on the host"
								   : "in the guest");
		if (path)
			knob_line(path, !strcmp(side, "host.") ? hostknob_value(p->name, v.buf) : v.buf,
				  shell, out);
		else if (!strcmp(p->name, "guest.affinity") && strcmp(v.buf, "all"))
			strbuf_addf(out, "# %s = %s: start the workload under taskset -c %s (or "
				    "CPUAffinity=%s in its systemd unit)\n", p->name, v.buf, v.buf, v.buf);
		else
			strbuf_addf(out, "# %s = %s (no sysctl or sysfs setting: %s)\n", p->name, v.buf,
				    !strcmp(p->name, "guest.fs") ? "the data disks' filesystem"
				    : !strcmp(p->name, "guest.affinity") ? "every vCPU, as by default"
				    : "apply by hand");
		strbuf_release(&v);
	}
	return 0;
}

/* The parts of a built domain a production domain takes. */
static int xml_fragment(const struct space *sp, const union pval *cfg, struct strbuf *out,
			char *err)
{
	struct topology topo;
	struct dom_spec spec;
	struct strbuf xml = STRBUF_INIT;
	int nd = domspec_disk_count(sp, cfg), rc = -1;
	char **disks = xcalloc((size_t)nd + 1, sizeof(char *));
	for (int d = 0; d < nd; d++) {
		struct strbuf p = STRBUF_INIT;
		strbuf_addf(&p, "/var/lib/libvirt/images/data%d.img", d);
		disks[d] = strbuf_detach(&p);
	}
	if (topology_load(&topo, err))
		goto out_disks;
	struct vm_env env = { .name = "production", .type = "kvm", .kernel = "", .initrd = "",
			      .results_path = "/dev/null", .console_path = "/dev/null",
			      .memory_mib = 1024, .cpus = &topo.cpus, .disk_paths = disks };
	if (domspec_from_config(&spec, sp, cfg, &env, err))
		goto out_topo;
	rc = domxml_build(&spec, &xml, err);
	domspec_release(&spec);
	if (rc)
		goto out_topo;
	rc = -1;
	xmlDocPtr doc = xmlReadMemory(xml.buf, (int)xml.len, "domain.xml", NULL, XML_PARSE_NONET);
	if (!doc) {
		seterr(err, "cannot read back the built domain XML");
		goto out_topo;
	}
	static const char *const keep[] = { "vcpu", "iothreads", "cputune", "memoryBacking", "cpu",
					    NULL };
	xmlBufferPtr buf = xmlBufferCreate();
	strbuf_addstr(out, "<!-- for the domain's <domain> element -->\n");
	for (xmlNodePtr n = xmlDocGetRootElement(doc)->children; n; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		for (size_t k = 0; keep[k]; k++)
			if (!strcmp((const char *)n->name, keep[k])) {
				xmlBufferEmpty(buf);
				xmlNodeDump(buf, doc, n, 0, 1);
				strbuf_addf(out, "%s\n", (const char *)xmlBufferContent(buf));
			}
		if (strcmp((const char *)n->name, "devices"))
			continue;
		for (xmlNodePtr d = n->children; d; d = d->next) {
			if (d->type != XML_ELEMENT_NODE)
				continue;
			if (!strcmp((const char *)d->name, "memballoon")) {
				strbuf_addstr(out, "<!-- in <devices> -->\n");
				xmlBufferEmpty(buf);
				xmlNodeDump(buf, doc, d, 0, 1);
				strbuf_addf(out, "%s\n", (const char *)xmlBufferContent(buf));
			}
			if (strcmp((const char *)d->name, "disk"))
				continue;
			for (xmlNodePtr x = d->children; x; x = x->next)
				if (x->type == XML_ELEMENT_NODE &&
				    (!strcmp((const char *)x->name, "driver") ||
				     !strcmp((const char *)x->name, "target"))) {
					if (!strcmp((const char *)x->name, "driver"))
						strbuf_addstr(out, "<!-- in each data <disk> -->\n");
					xmlBufferEmpty(buf);
					xmlNodeDump(buf, doc, x, 0, 1);
					strbuf_addf(out, "%s\n", (const char *)xmlBufferContent(buf));
				}
			break;	/* one disk shows the driver all data disks get */
		}
	}
	xmlBufferFree(buf);
	xmlFreeDoc(doc);
	rc = 0;
out_topo:
	topology_release(&topo);
out_disks:
	for (int d = 0; d < nd; d++)
		free(disks[d]);
	free(disks);
	strbuf_release(&xml);
	return rc;
}

/*
 * Whether json is the configuration the run's confirmation confirmed; when
 * not, says so (a warning, or with require an error: *ret EXIT_CHECK, and
 * 1 is returned so that nothing is printed).
 */
static int confirmed_or_say(struct store *st, const struct runview *rv, const char *json,
			    int require, int *ret)
{
	struct confirmation cf;
	struct strbuf why = STRBUF_INIT;
	char err[ERR_LEN];
	int confirmed = 0, stop = 0;
	if (runview_confirmation(rv, st, &cf, err)) {
		strbuf_addstr(&why, err);
	} else {
		confirmed = cf.outcome == CONFIRMED_JUDGED && cf.state == CONFIRM_YES &&
			    !strcmp(cf.best->config, json);
		if (!confirmed && cf.outcome == CONFIRMED_JUDGED && cf.state == CONFIRM_YES)
			strbuf_addstr(&why, "not confirmed: the confirmation confirmed another "
				      "configuration");
		else
			confirmation_format(&cf, &why);
	}
	if (!confirmed && require) {
		*ret = fail(EXIT_CHECK, "run %lld: %s", (long long)rv->id, why.buf);
		stop = 1;
	} else if (!confirmed) {
		fprintf(stderr, "vmtune: warning: run %lld: %s; it may do no better than the "
			"defaults\n", (long long)rv->id, why.buf);
	}
	strbuf_release(&why);
	confirmation_release(&cf);
	return stop;
}

static int apply_main(int argc, char **argv)
{
	const struct cmd *c = &cmd_apply;
	const char *db = DEFAULT_DB, *format = NULL, *run_arg = NULL;
	int64_t run, trial = 0;
	int require = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			print_usage(c, stdout);
			return EXIT_OK;
		} else if (!strcmp(a, "--require-confirmed")) {
			require = 1;
		} else if (!strcmp(a, "--db") || !strcmp(a, "--format") || !strcmp(a, "--trial")) {
			if (i + 1 == argc)
				return usage_error(c, "'%s' needs a value", a);
			const char *v = argv[++i];
			if (a[2] == 'd')
				db = v;
			else if (a[2] == 'f')
				format = v;
			else if (parse_i64(v, 1, INT64_MAX, &trial))
				return usage_error(c, "--trial needs a trial id");
		} else if (a[0] == '-') {
			return usage_error(c, "unknown option '%s'", a);
		} else if (!run_arg) {
			run_arg = a;
		} else {
			return usage_error(c, "unexpected argument '%s'", a);
		}
	}
	if (!run_arg)
		return usage_error(c, "which run? (see 'vmtune runs')");
	if (parse_run_id(c, run_arg, &run))
		return EXIT_USAGE;
	if (!format || (strcmp(format, "xml") && strcmp(format, "sysctl") && strcmp(format, "shell")))
		return usage_error(c, "--format is xml, sysctl or shell");

	char err[ERR_LEN];
	struct runview rv;
	struct cview best, runner;
	struct strbuf out = STRBUF_INIT;
	const char *json = NULL;
	int ret = EXIT_OK;
	struct store *st = open_store_ro(db);
	if (!st)
		return EXIT_USAGE;
	memset(&best, 0, sizeof(best));
	memset(&runner, 0, sizeof(runner));
	if (runview_load(&rv, st, run, err)) {
		store_close(st);
		return fail(EXIT_USAGE, "%s", err);
	}
	if (trial) {
		for (size_t i = 0; i < rv.n; i++)
			if (rv.t[i].id == trial)
				json = rv.t[i].config;
		if (!json)
			ret = fail(EXIT_USAGE, "run %lld has no trial %lld", (long long)run,
				   (long long)trial);
	} else {
		int rc = runview_incumbent(&rv, &best, &runner, err);
		if (rc > 0)
			json = best.first->config;
		else
			ret = rc < 0 ? fail(EXIT_RUNTIME, "%s", err)
				     : fail(EXIT_RUNTIME, "run %lld has no scored trial", (long long)run);
	}
	if (json && confirmed_or_say(st, &rv, json, require, &ret))
		json = NULL;
	if (json) {
		const struct space *sp = &rv.job.space;
		union pval *cfg = config_new(sp);
		if (config_from_json(sp, json, cfg, err)) {
			ret = fail(EXIT_RUNTIME, "%s", err);
		} else if (!strcmp(format, "xml")) {
			if (xml_fragment(sp, cfg, &out, err))
				ret = fail(EXIT_RUNTIME, "%s", err);
		} else {
			int shell = !strcmp(format, "shell");
			if (shell)
				strbuf_addstr(&out, "#!/bin/sh\nset -e\n");
			strbuf_addf(&out, "# vmtune apply: run %lld, %s\n", (long long)run, json);
			if (knob_lines(sp, cfg, "host.", shell, &out, err) ||
			    knob_lines(sp, cfg, "guest.", shell, &out, err))
				ret = fail(EXIT_RUNTIME, "run %lld: %s", (long long)run, err);
		}
		free(cfg);
		if (!ret)
			fputs(out.buf, stdout);
	}
	strbuf_release(&out);
	cview_release(&best);
	cview_release(&runner);
	runview_release(&rv);
	store_close(st);
	return ret;
}

const struct cmd cmd_apply = {
	.name = "apply",
	.fn = apply_main,
	.summary = "print a run's best settings for production VMs",
	.usage =
	"vmtune apply RUN [--trial N] --format xml|sysctl|shell [--require-confirmed] [--db FILE]\n"
	"\n"
	"The best configuration of RUN (or trial N's) as:\n"
	"  xml     libvirt domain XML: <vcpu>, <cputune> (pins for this host's\n"
	"          topology), <memoryBacking>, <cpu>, <iothreads>, the disk <driver>\n"
	"  sysctl  sysctl.d lines and /etc/sysfs.conf lines, host and guest\n"
	"  shell   a script setting them now (run the host part on the host, the\n"
	"          guest part in the guest)\n"
	"A configuration the run's confirmation did not confirm gets a warning line on\n"
	"stderr; with --require-confirmed it is not printed and the exit is 1.\n",
};
