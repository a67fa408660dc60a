/*
 * A trial inside a user's image through the guest agent (inguest.h).
 */
#include "inguest.h"
#include "gagent.h"
#include "../../lib/clock.h"
#include "../../lib/err.h"
#include "../../lib/knobs.h"
#include "../../lib/procstat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define KNOB_FILE_MAX 4096	/* a sysctl or sysfs file read back */
#define TAIL_BYTES 1000		/* of a failing step's stderr */

/* Fails the trial with why (outcome FAILED unless already said). */
static int fail(struct inguest *g, const char *why)
{
	if (!g->res->reason.len)
		strbuf_addstr(&g->res->reason, why);
	return -1;
}

/* Seconds left before the deadline (at least 1); 0 means no bound. */
static double left(const struct inguest *g)
{
	if (g->deadline <= 0)
		return 0;
	double l = g->deadline - mono();
	return l > 1 ? l : 1;
}

/* One guest knob at one file: written, read back, stored as applied. */
static int set_knob(struct inguest *g, const char *knob, const char *path, const char *value)
{
	char err[ERR_LEN];
	struct strbuf back = STRBUF_INIT, why = STRBUF_INIT;
	int missing, rc = 0;
	if (ga_read_file(g->dom, path, KNOB_FILE_MAX, &back, &missing, err) && missing) {
		strbuf_addf(&why, "%s not applied: the guest has no %s", knob, path);
		rc = fail(g, why.buf);
	} else if (ga_write_file(g->dom, path, value, strlen(value), err)) {
		strbuf_addf(&why, "%s not applied: %s", knob, err);
		rc = fail(g, why.buf);
	} else {
		strbuf_reset(&back);
		if (ga_read_file(g->dom, path, KNOB_FILE_MAX, &back, &missing, err)) {
			strbuf_addf(&why, "%s: cannot read %s back: %s", knob, path, err);
			rc = fail(g, why.buf);
		} else {
			knob_selected(back.buf);
			back.len = strlen(back.buf);
			if (g->sink->applied && g->sink->applied(g->sink->ud, knob, NULL, back.buf, 0))
				g->sink_failed = 1, rc = -1;
			else if (strcmp(back.buf, value)) {
				knob_mismatch(err, knob, value, back.buf);
				rc = fail(g, err);
			}
		}
	}
	strbuf_release(&back);
	strbuf_release(&why);
	return rc;
}

/* Every guest knob of the configuration that has a file: at it, or at each disk's. */
static int apply_knobs(struct inguest *g)
{
	struct strbuf v = STRBUF_INIT, path = STRBUF_INIT;
	int rc = 0;
	for (size_t i = 0; i < g->sp->n && !rc; i++) {
		const struct knob *kb = knob_find(g->sp->p[i].name);
		if (!kb || kb->level != KNOB_GUEST || !kb->path)
			continue;
		strbuf_reset(&v);
		pval_format(&g->sp->p[i], g->cfg[i], &v);
		char err[ERR_LEN];
		if (knob_check(kb, v.buf, err))
			return strbuf_release(&v), strbuf_release(&path), fail(g, err);
		if (!strstr(kb->path, "%s")) {
			rc = set_knob(g, kb->name, kb->path, v.buf);
			continue;
		}
		const char *at = strstr(kb->path, "%s");
		for (size_t d = 0; g->disks[d] && !rc; d++) {
			strbuf_reset(&path);
			strbuf_add(&path, kb->path, (size_t)(at - kb->path));
			strbuf_addf(&path, "%s%s", g->disks[d], at + 2);
			rc = set_knob(g, kb->name, path.buf, v.buf);
		}
	}
	strbuf_release(&v);
	strbuf_release(&path);
	return rc;
}

/* argv under guest.affinity: taskset -c LIST argv (no shell), or argv as is for all. */
static char **with_affinity(const struct inguest *g, char *const argv[])
{
	size_t n = 0, k = 0;
	while (argv[n])
		n++;
	char **out = xcalloc(n + 4, sizeof(char *));
	if (strcmp(g->affinity, "all")) {
		out[k++] = "taskset";
		out[k++] = "-c";
		out[k++] = (char *)g->affinity;
	}
	for (size_t i = 0; i < n; i++)
		out[k++] = argv[i];
	return out;
}

/* The vCPUs a process's status (/proc/PID/status) allows, in the knob's words; -1 when absent. */
static int allowed(const struct inguest *g, const char *status, char *out, size_t size)
{
	const char *at = strstr(status, "Cpus_allowed_list:");
	char list[128];
	unsigned long long mask;
	long top;
	if (!at || sscanf(at, "Cpus_allowed_list: %127s", list) != 1 ||
	    knob_cpulist(list, 64, &mask, &top))
		return -1;
	knob_affinity_reading(g->affinity, mask, (long)g->vcpus, out, size);
	return 0;
}

/*
 * guest.affinity read back from the run process itself, once taskset has
 * exec'd it; from a process started as the workload is when run ended
 * before it could be read. Stored as applied; a difference fails the trial.
 */
static int affinity_back(struct inguest *g, long long pid)
{
	char path[64], got[128] = "", err[ERR_LEN];
	struct strbuf st = STRBUF_INIT;
	int missing;
	snprintf(path, sizeof(path), "/proc/%lld/status", pid);
	for (int i = 0; i < 40 && !got[0]; i++) {
		strbuf_reset(&st);
		if (ga_read_file(g->dom, path, 1 << 16, &st, &missing, err))
			break;	/* gone already */
		if (!strstr(st.buf, "Name:\ttaskset") && allowed(g, st.buf, got, sizeof(got)))
			break;
		if (!got[0])
			usleep(50000);
	}
	if (!got[0]) {
		char *cat[] = { "cat", "/proc/self/status", NULL }, **argv = with_affinity(g, cat);
		struct ga_exec r;
		ga_exec_init(&r);
		if (ga_exec(g->dom, argv, left(g), g->stop, &r, err) || r.exitcode ||
		    allowed(g, r.out.buf, got, sizeof(got)))
			snprintf(got, sizeof(got), "unknown");
		ga_exec_release(&r);
		free(argv);
	}
	strbuf_release(&st);
	if (g->sink->applied && g->sink->applied(g->sink->ud, "guest.affinity", NULL, got, 0)) {
		g->sink_failed = 1;
		return -1;
	}
	if (strcmp(got, g->affinity)) {
		knob_mismatch(err, "guest.affinity", g->affinity, got);
		return fail(g, err);
	}
	return 0;
}

/*
 * Runs argv in the guest under guest.affinity; 0 when it exited 0, else the
 * trial fails saying why. check: the affinity is read back from it.
 */
static int run_step(struct inguest *g, const char *what, char *const cmd[], int check,
		    struct ga_exec *r)
{
	char err[ERR_LEN];
	struct strbuf why = STRBUF_INIT;
	char **argv = with_affinity(g, cmd);
	long long pid;
	int rc = ga_spawn(g->dom, argv, &pid, err);
	if (!rc && check && affinity_back(g, pid)) {
		free(argv);
		strbuf_release(&why);
		return -1;
	}
	if (!rc)
		rc = ga_reap(g->dom, pid, left(g), g->stop, r, err);
	free(argv);
	if (rc == GA_EXEC_TIMEOUT) {
		g->res->outcome = OUTCOME_TIMEOUT;
		strbuf_addf(&why, "timed out in the workload's %s", what);
	} else if (rc == GA_EXEC_STOPPED) {
		g->res->outcome = OUTCOME_INTERRUPTED;
		strbuf_addstr(&why, "interrupted");
	} else if (rc < 0) {
		strbuf_addf(&why, "the workload's %s (%s) could not start: %s", what, cmd[0], err);
	} else if (r->signal || r->exitcode) {
		if (r->signal)
			strbuf_addf(&why, "the workload's %s (%s) was killed by signal %d", what,
				    cmd[0], r->signal);
		else
			strbuf_addf(&why, "the workload's %s (%s) exited with %d", what, cmd[0],
				    r->exitcode);
		text_tail(r->err.len ? r->err.buf : r->out.buf, TAIL_BYTES, &g->res->stderr_tail);
	}
	int failed = why.len ? fail(g, why.buf) : 0;
	strbuf_release(&why);
	return failed;
}

/* A helper program of the guest's (mkdir, chmod) that must succeed; -1 with what. */
static int guest_tool(struct inguest *g, char *const argv[], const char *what, char *err)
{
	struct ga_exec r;
	ga_exec_init(&r);
	int rc = ga_exec(g->dom, argv, left(g), g->stop, &r, err) || r.exitcode
		 ? (seterr(err, "files: cannot %s in the guest", what), -1) : 0;
	ga_exec_release(&r);
	return rc;
}

struct copy {
	struct inguest *g;
	struct strbuf data;
};

/* One file or folder of files: into the guest, under WORKLOAD_GUEST_DIR. */
static int copy_one(void *ud, const char *rel, int is_dir, const char *abs, size_t size, char *err)
{
	struct copy *c = ud;
	struct strbuf to = STRBUF_INIT;
	int rc = 0;
	strbuf_addf(&to, "%s/%s", WORKLOAD_GUEST_DIR, rel);
	if (is_dir) {
		char *argv[] = { "mkdir", "-p", to.buf, NULL };
		rc = guest_tool(c->g, argv, "make a folder", err);
	} else {
		rc = workload_read(abs, size, &c->data, err) ||
		     ga_write_file(c->g->dom, to.buf, c->data.buf, c->data.len, err) ? -1 : 0;
		/* a script keeps its execute bit: the agent's files are made 0666 & ~umask */
		if (!rc && !access(abs, X_OK)) {
			char *argv[] = { "chmod", "+x", to.buf, NULL };
			rc = guest_tool(c->g, argv, "make a script executable", err);
		}
	}
	strbuf_release(&to);
	return rc;
}

static int copy_files(struct inguest *g)
{
	char msg[ERR_LEN], *err = msg;
	char *argv[] = { "mkdir", "-p", WORKLOAD_GUEST_DIR, NULL };
	struct copy c = { .g = g, .data = STRBUF_INIT };
	int rc = guest_tool(g, argv, "make " WORKLOAD_GUEST_DIR, err) ||
		 workload_walk(g->wl->files, copy_one, &c, err) ? -1 : 0;
	strbuf_release(&c.data);
	return rc ? fail(g, err) : 0;
}

/* The guest's CPU ticks, all and stolen, from its /proc/stat (0 when unread). */
static void guest_ticks(struct inguest *g, unsigned long long *total, unsigned long long *steal)
{
	struct strbuf st = STRBUF_INIT;
	char err[ERR_LEN];
	int missing;
	*total = *steal = 0;
	if (!ga_read_file(g->dom, "/proc/stat", 65536, &st, &missing, err))
		procstat_cpu(st.buf, total, steal);
	strbuf_release(&st);
}

/* guest.steal over run: the share of the guest's CPU time the hypervisor stole, %. */
static void steal_out(struct inguest *g, unsigned long long total0, unsigned long long steal0)
{
	unsigned long long total, steal;
	guest_ticks(g, &total, &steal);
	if (!total0 || total <= total0)
		return;
	struct metric m = { .name = "guest.steal", .unit = "%", .better = BETTER_LOWER,
			    .value = 100.0 * (double)(steal - steal0) / (double)(total - total0) };
	if (g->sink->metric && g->sink->metric(g->sink->ud, &m))
		g->sink_failed = 1;
}

/* setup, run (its figures taken), teardown; teardown runs whenever setup did. */
static int run_workload(struct inguest *g)
{
	const struct workload *wl = g->wl;
	struct ga_exec r;
	char err[ERR_LEN];
	int rc = 0;
	ga_exec_init(&r);
	if (wl->step[WL_SETUP])
		rc = run_step(g, "setup", wl->step[WL_SETUP], 0, &r);
	if (!rc && g->go && g->go(g->go_ud))
		rc = -1;
	if (!rc) {
		ga_exec_release(&r);
		ga_exec_init(&r);
		unsigned long long total0, steal0;
		guest_ticks(g, &total0, &steal0);
		rc = run_step(g, "run", wl->step[WL_RUN], 1, &r);
		if (!rc)
			steal_out(g, total0, steal0);
		if (!rc) {
			int t = workload_take_output(wl, r.out.buf, g->sink, g->res, err);
			if (t == -2)
				g->sink_failed = 1;
			if (t) {
				text_tail(r.out.buf, TAIL_BYTES, &g->res->stderr_tail);
				rc = fail(g, err);
			}
		}
		if (wl->step[WL_TEARDOWN] && g->res->outcome != OUTCOME_INTERRUPTED) {
			struct ga_exec t;
			ga_exec_init(&t);
			int trc = run_step(g, "teardown", wl->step[WL_TEARDOWN], 0, &t);
			rc = rc ? rc : trc;
			ga_exec_release(&t);
		}
	}
	ga_exec_release(&r);
	return rc;
}

void inguest_run(struct inguest *g)
{
	char err[ERR_LEN];
	struct trial_result *res = g->res;
	double bound = g->boot_timeout;
	if (g->deadline > 0 && g->deadline - mono() < bound)
		bound = g->deadline - mono();
	res->outcome = OUTCOME_FAILED;
	int w = ga_wait(g->dom, bound, g->stop, err);
	if (w == 1) {
		res->outcome = OUTCOME_INTERRUPTED;
		fail(g, "interrupted");
		return;
	}
	if (w) {
		if (strstr(err, "no guest agent answered")) {
			g->no_agent = 1;
			strbuf_addf(&res->reason, "%s: the image needs qemu-guest-agent (Debian/Ubuntu: "
				    "apt install qemu-guest-agent)", err);
		} else {
			fail(g, err);
		}
		return;
	}
	if (apply_knobs(g) || (g->wl && g->wl->files && copy_files(g)) ||
	    (g->wl && run_workload(g)))
		return;
	if (!res->nmetrics)
		fail(g, "no metric: the workload's run printed no metric line");
	else
		res->outcome = OUTCOME_DONE;
}
