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
#include "../view/ablview.h"
#include "../target/topology.h"
#include "../target/domedit.h"

extern char **environ;

#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
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

/* The domain the trials of cfg ran, as domxml.c builds it on this host's topology. */
static int built_domain(const struct space *sp, const union pval *cfg, struct strbuf *xml,
			char *err)
{
	struct topology topo;
	struct dom_spec spec;
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
	if (!domspec_from_config(&spec, sp, cfg, &env, err)) {
		rc = domxml_build(&spec, xml, err);
		domspec_release(&spec);
	}
	topology_release(&topo);
out_disks:
	for (int d = 0; d < nd; d++)
		free(disks[d]);
	free(disks);
	return rc;
}

/* The parts of a built domain a production domain takes. */
static int xml_fragment(const struct space *sp, const union pval *cfg, struct strbuf *out,
			char *err)
{
	struct strbuf xml = STRBUF_INIT;
	int rc = -1;
	if (built_domain(sp, cfg, &xml, err))
		goto out;
	xmlDocPtr doc = xmlReadMemory(xml.buf, (int)xml.len, "domain.xml", NULL, XML_PARSE_NONET);
	if (!doc) {
		seterr(err, "cannot read back the built domain XML");
		goto out;
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
out:
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

/* --minimal: the ablation's minimal set (the caller frees); NULL after saying why. */
static char *minimal_set(struct store *st, const struct runview *rv, int *ret)
{
	struct ablview av;
	char err[ERR_LEN], *json = NULL;
	if (ablview_load(rv, st, &av, err)) {
		*ret = fail(EXIT_RUNTIME, "%s", err);
	} else if (!av.has) {
		*ret = fail(EXIT_USAGE, "run %lld was never ablated, so it has no minimal set "
			    "('vmtune ablate %lld' finds it)", (long long)rv->id, (long long)rv->id);
	} else if (!(json = ablview_minimal_json(rv, &av))) {
		*ret = fail(EXIT_USAGE, "the ablation of run %lld has not found its minimal set yet "
			    "(%s; 'vmtune ablate %lld' goes on with it)", (long long)rv->id,
			    av.a.state == ABL_STUCK ? av.a.why : "not finished", (long long)rv->id);
	} else {
		fprintf(stderr, "vmtune: the minimal set of run %lld: %zu of its %zu changes\n",
			(long long)rv->id, av.a.minimal, av.a.nsteps);
	}
	ablview_release(&av);
	return json;
}

/* What the command line asked for. */
struct apply_args {
	const char *db, *format, *run_arg, *domain, *undo, *uri;
	int64_t run, trial;
	int require, minimal, yes;
};

/* An option that takes a value: it into a; 0 or the exit code. */
static int take_value(const char *o, const char *v, struct apply_args *a)
{
	if (!strcmp(o, "--db"))
		a->db = v;
	else if (!strcmp(o, "--format"))
		a->format = v;
	else if (!strcmp(o, "--domain"))
		a->domain = v;
	else if (!strcmp(o, "--undo"))
		a->undo = v;
	else if (!strcmp(o, "--connect"))
		a->uri = v;
	else if (parse_i64(v, 1, INT64_MAX, &a->trial))
		return usage_error(&cmd_apply, "--trial needs a trial id");
	return 0;
}

/* Which of the modes the options ask for, and whether they fit it; -1 or the exit code. */
static int check_mode(struct apply_args *a)
{
	const struct cmd *c = &cmd_apply;
	if (a->undo)
		return a->run_arg || a->domain || a->format || a->minimal || a->trial ?
			usage_error(c, "--undo NAME puts NAME's definition back: no RUN, --domain, "
				    "--format, --minimal or --trial") : -1;
	if (!a->run_arg)
		return usage_error(c, "which run? (see 'vmtune runs')");
	if (parse_run_id(c, a->run_arg, &a->run))
		return EXIT_USAGE;
	if (a->minimal && a->trial)
		return usage_error(c, "--minimal is the ablation's configuration, --trial another");
	if (a->domain)
		return a->format ? usage_error(c, "--domain edits the domain; --format prints") : -1;
	if (a->yes || a->uri)
		return usage_error(c, "--yes and --connect go with --domain or --undo");
	if (!a->format || (strcmp(a->format, "xml") && strcmp(a->format, "sysctl") &&
			   strcmp(a->format, "shell")))
		return usage_error(c, "--format is xml, sysctl or shell (or --domain NAME)");
	return -1;
}

/* -1 when the command line holds, else the exit code (--help: 0). */
static int parse_apply(int argc, char **argv, struct apply_args *a)
{
	static const char *const valued[] = { "--db", "--format", "--trial", "--domain", "--undo",
					      "--connect", NULL };
	for (int i = 1; i < argc; i++) {
		const char *o = argv[i];
		size_t k = 0;
		while (valued[k] && strcmp(o, valued[k]))
			k++;
		if (valued[k]) {
			if (i + 1 == argc)
				return usage_error(&cmd_apply, "'%s' needs a value", o);
			if (take_value(o, argv[++i], a))
				return EXIT_USAGE;
		} else if (!strcmp(o, "-h") || !strcmp(o, "--help")) {
			print_usage(&cmd_apply, stdout);
			return EXIT_OK;
		} else if (!strcmp(o, "--require-confirmed")) {
			a->require = 1;
		} else if (!strcmp(o, "--minimal")) {
			a->minimal = 1;
		} else if (!strcmp(o, "--yes")) {
			a->yes = 1;
		} else if (o[0] == '-') {
			return usage_error(&cmd_apply, "unknown option '%s'", o);
		} else if (!a->run_arg) {
			a->run_arg = o;
		} else {
			return usage_error(&cmd_apply, "unexpected argument '%s'", o);
		}
	}
	return check_mode(a);
}

/* The configuration to apply (JSON; *own: to free); NULL after saying why (*ret). */
static const char *pick(struct store *st, const struct runview *rv, const struct apply_args *a,
			struct cview *best, struct cview *runner, char **own, int *ret)
{
	char err[ERR_LEN];
	const char *json = NULL;
	if (a->minimal)
		return *own = minimal_set(st, rv, ret);
	if (a->trial) {
		for (size_t i = 0; i < rv->n; i++)
			if (rv->t[i].id == a->trial)
				json = rv->t[i].config;
		if (!json)
			*ret = fail(EXIT_USAGE, "run %lld has no trial %lld", (long long)a->run,
				    (long long)a->trial);
	} else {
		int rc = runview_best(rv, best, runner, err);
		if (rc > 0)
			json = best->first->config;
		else
			*ret = rc < 0 ? fail(EXIT_RUNTIME, "%s", err)
				      : fail(EXIT_RUNTIME, "run %lld has no scored trial", (long long)a->run);
	}
	if (json && confirmed_or_say(st, rv, json, a->require, ret))
		json = NULL;
	return json;
}

/* --format: the settings printed; the exit code. */
static int print_format(const struct space *sp, const union pval *cfg, const struct apply_args *a,
			const char *json)
{
	char err[ERR_LEN];
	struct strbuf out = STRBUF_INIT;
	int ret = EXIT_OK;
	if (!strcmp(a->format, "xml")) {
		if (xml_fragment(sp, cfg, &out, err))
			ret = fail(EXIT_RUNTIME, "%s", err);
	} else {
		int shell = !strcmp(a->format, "shell");
		if (shell)
			strbuf_addstr(&out, "#!/bin/sh\nset -e\n");
		strbuf_addf(&out, "# vmtune apply: run %lld, %s\n", (long long)a->run, json);
		if (knob_lines(sp, cfg, "host.", shell, &out, err) ||
		    knob_lines(sp, cfg, "guest.", shell, &out, err))
			ret = fail(EXIT_RUNTIME, "run %lld: %s", (long long)a->run, err);
	}
	if (!ret)
		fputs(out.buf, stdout);
	strbuf_release(&out);
	return ret;
}

/* ---- --domain and --undo ------------------------------------------------- */

/* A unified diff of two definitions (diff -u, run without a shell), to stdout. */
static int show_diff(const char *name, const char *before, const char *after)
{
	char fa[] = "/tmp/vmtune-apply-XXXXXX", fb[] = "/tmp/vmtune-apply-XXXXXX";
	struct strbuf la = STRBUF_INIT, lb = STRBUF_INIT;
	int da = mkstemp(fa), db = da < 0 ? -1 : mkstemp(fb), rc = -1, status;
	pid_t pid;
	if (da >= 0 && db >= 0 && write(da, before, strlen(before)) == (ssize_t)strlen(before) &&
	    write(db, after, strlen(after)) == (ssize_t)strlen(after)) {
		strbuf_addf(&la, "%s (now)", name);
		strbuf_addf(&lb, "%s (after)", name);
		char *argv[] = { "diff", "-u", "--label", la.buf, "--label", lb.buf, fa, fb, NULL };
		fflush(stdout);
		if (!posix_spawnp(&pid, "diff", NULL, NULL, argv, environ) &&
		    waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) <= 1)
			rc = 0;
	}
	if (da >= 0)
		close(da), unlink(fa);
	if (db >= 0)
		close(db), unlink(fb);
	strbuf_release(&la);
	strbuf_release(&lb);
	return rc;
}

/* --yes, or a y on the terminal; 0 (said, *ret set) when not. */
static int agreed(const struct apply_args *a, const char *question, int *ret)
{
	char line[16] = "";
	if (a->yes)
		return 1;
	if (!isatty(0)) {
		*ret = fail(EXIT_USAGE, "not done: no terminal to ask '%s' on (--yes does it without "
			    "asking)", question);
		return 0;
	}
	fprintf(stderr, "%s? [y/N] ", question);
	if (!fgets(line, sizeof(line), stdin) || (line[0] != 'y' && line[0] != 'Y')) {
		fprintf(stderr, "vmtune: not done\n");
		*ret = EXIT_OK;
		return 0;
	}
	return 1;
}

/* The store to keep a definition in: read-write, and it must exist. */
static struct store *open_store_rw(const char *db)
{
	struct store *st;
	char err[ERR_LEN];
	if (access(db, F_OK))
		return fail(EXIT_USAGE, "%s: no such database", db), NULL;
	int rc = store_open(&st, db, STORE_CREATE, err);
	return rc ? (fail(EXIT_USAGE, "%s", err), NULL) : st;
}

/* The diff, the question, the old definition kept, the new one defined; the exit code. */
static int redefine(const struct apply_args *a, const char *uri, const char *def, const char *next,
		    int active)
{
	char err[ERR_LEN];
	struct strbuf before = STRBUF_INIT;
	int ret = EXIT_OK;
	int64_t id;
	domedit_normalize(def, &before);
	if (!strcmp(before.buf, next)) {
		printf("nothing to change: %s's definition has these settings already\n", a->domain);
	} else if (show_diff(a->domain, before.buf, next)) {
		ret = fail(EXIT_RUNTIME, "cannot show the change (diff)");
	} else if (agreed(a, "change this domain's definition", &ret)) {
		struct store *st = open_store_rw(a->db);
		if (!st) {
			ret = EXIT_USAGE;
		} else if (store_undo_push(st, uri, a->domain, def, a->run, &id, err)) {
			ret = fail(EXIT_RUNTIME, "%s", err);
		} else if (domedit_define(uri, next, err)) {
			store_undo_drop(st, id, NULL);
			ret = fail(EXIT_RUNTIME, "%s: %s", a->domain, err);
		} else {
			printf("%s's definition changed; 'vmtune apply --undo %s' puts it back\n",
			       a->domain, a->domain);
			if (active)
				printf("%s runs now: the change takes effect at its next start (a "
				       "shutdown, then a start)\n", a->domain);
		}
		if (st)
			store_close(st);
	}
	strbuf_release(&before);
	return ret;
}

/* --domain NAME: the changed knobs into the domain's persistent definition. */
static int to_domain(const struct apply_args *a, const struct space *sp, const union pval *cfg)
{
	char err[ERR_LEN];
	struct strbuf def = STRBUF_INIT, built = STRBUF_INIT, next = STRBUF_INIT,
		      notes = STRBUF_INIT, uri = STRBUF_INIT;
	int active = 0, ret;
	if (domedit_get(a->uri, a->domain, &def, &active, &uri, err)) {
		ret = fail(EXIT_USAGE, "%s", err);
	} else if (built_domain(sp, cfg, &built, err) ||
		   domedit_merge(sp, cfg, def.buf, built.buf, &next, &notes, err)) {
		ret = fail(EXIT_RUNTIME, "%s", err);
	} else {
		printf("run %lld onto domain %s (%s), its changes from the defaults:\n%s",
		       (long long)a->run, a->domain, uri.buf, notes.len ? notes.buf :
		       "(none: the configuration is the defaults)\n");
		ret = redefine(a, uri.buf, def.buf, next.buf, active);
	}
	strbuf_release(&def);
	strbuf_release(&built);
	strbuf_release(&next);
	strbuf_release(&notes);
	strbuf_release(&uri);
	return ret;
}

/* --undo NAME: the definition kept before the last apply --domain, back. */
static int undo_domain(const struct apply_args *a)
{
	char err[ERR_LEN];
	struct strbuf cur = STRBUF_INIT, kept = STRBUF_INIT, uri = STRBUF_INIT,
		      before = STRBUF_INIT, after = STRBUF_INIT;
	int active = 0, ret = EXIT_OK, rc;
	int64_t id;
	struct store *st = open_store_rw(a->db);
	if (!st)
		return EXIT_USAGE;
	if (domedit_get(a->uri, a->undo, &cur, &active, &uri, err)) {
		ret = fail(EXIT_USAGE, "%s", err);
	} else if ((rc = store_undo_top(st, uri.buf, a->undo, &id, &kept, err)) <= 0) {
		ret = rc < 0 ? fail(EXIT_RUNTIME, "%s", err)
			     : fail(EXIT_USAGE, "%s keeps no definition of domain %s on %s to put "
				    "back", a->db, a->undo, uri.buf);
	} else {
		domedit_normalize(cur.buf, &before);
		domedit_normalize(kept.buf, &after);
		if (show_diff(a->undo, before.buf, after.buf))
			ret = fail(EXIT_RUNTIME, "cannot show the change (diff)");
		else if (!agreed(a, "put this definition back", &ret))
			;	/* said */
		else if (domedit_define(uri.buf, kept.buf, err))
			ret = fail(EXIT_RUNTIME, "%s: %s", a->undo, err);
		else if (store_undo_drop(st, id, err))
			ret = fail(EXIT_RUNTIME, "%s", err);
		else
			printf("%s's definition is back as it was%s\n", a->undo, active ?
			       " (it runs now: at its next start)" : "");
	}
	store_close(st);
	strbuf_release(&cur);
	strbuf_release(&kept);
	strbuf_release(&uri);
	strbuf_release(&before);
	strbuf_release(&after);
	return ret;
}

static int apply_main(int argc, char **argv)
{
	struct apply_args a = { .db = DEFAULT_DB };
	int ret = parse_apply(argc, argv, &a);
	if (ret >= 0)
		return ret;
	if (a.undo)
		return undo_domain(&a);
	char err[ERR_LEN];
	struct runview rv;
	struct cview best = { 0 }, runner = { 0 };
	char *own = NULL;
	struct store *st = open_store_ro(a.db);
	if (!st)
		return EXIT_USAGE;
	if (runview_load(&rv, st, a.run, err)) {
		store_close(st);
		return fail(EXIT_USAGE, "%s", err);
	}
	ret = EXIT_OK;
	const char *json = pick(st, &rv, &a, &best, &runner, &own, &ret);
	if (json) {
		const struct space *sp = &rv.job.space;
		union pval *cfg = config_new(sp);
		if (config_from_json(sp, json, cfg, err))
			ret = fail(EXIT_RUNTIME, "%s", err);
		else
			ret = a.domain ? to_domain(&a, sp, cfg) : print_format(sp, cfg, &a, json);
		free(cfg);
	}
	free(own);
	cview_release(&best);
	cview_release(&runner);
	runview_release(&rv);
	store_close(st);
	return ret;
}

const struct cmd cmd_apply = {
	.name = "apply",
	.fn = apply_main,
	.summary = "a run's best settings for production VMs, printed or applied to a domain",
	.usage =
	"vmtune apply RUN [--trial N | --minimal] --format xml|sysctl|shell [--require-confirmed]\n"
	"                 [--db FILE]\n"
	"   or: vmtune apply RUN [--trial N | --minimal] --domain NAME [--connect URI] [--yes]\n"
	"   or: vmtune apply --undo NAME [--connect URI] [--yes] [--db FILE]\n"
	"\n"
	"The best configuration of RUN (or trial N's; with --minimal, the minimal set of\n"
	"its ablation, 'vmtune ablate': only the changes that keep the gain) as:\n"
	"  xml     libvirt domain XML: <vcpu>, <cputune> (pins for this host's\n"
	"          topology), <memoryBacking>, <cpu>, <iothreads>, the disk <driver>\n"
	"  sysctl  sysctl.d lines and /etc/sysfs.conf lines, host and guest\n"
	"  shell   a script setting them now (run the host part on the host, the\n"
	"          guest part in the guest)\n"
	"A configuration the run's confirmation did not confirm gets a warning line on\n"
	"stderr; with --require-confirmed it is not printed and the exit is 1.\n"
	"\n"
	"--domain NAME edits that libvirt domain's persistent definition (through the\n"
	"API: virDomainGetXMLDesc, virDomainDefineXML), changing only what the\n"
	"configuration's changes from the defaults own: <vcpu>, <cputune>'s pins,\n"
	"scheduler, shares and quota, <memoryBacking>, <cpu>, <iothreads>, the\n"
	"<memballoon>, and each disk's driver cache, io, discard and iothread. It shows\n"
	"the diff and asks (--yes: does not ask); the definition before is kept in the\n"
	"database, and 'vmtune apply --undo NAME' puts it back. What a definition cannot\n"
	"do is said and left alone: a disk's format (convert the image first), the\n"
	"number of disks, their bus, the machine type, the network, and the host's and\n"
	"the guest's own settings (--format sysctl gives their lines). A running\n"
	"domain gets the change at its next start.\n"
	"  --connect URI   the libvirt connection (default: libvirt's own)\n",
};
