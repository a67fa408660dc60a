/*
 * exec target: any command, run once per repeat of a trial (DESIGN.md,
 * Exec target). The command is an argv list, never a shell line; it runs in
 * the job file's directory, in a process group of its own, with
 *
 *   VMTUNE_CONFIG  path of a JSON object of the trial's parameter values
 *   VMTUNE_TRIAL   the trial id
 *   VMTUNE_REPEAT  the repeat, from 1
 *   VMTUNE_HOST    the host of the trial's slot, when the job lists hosts
 *   VMTUNE_P_<NAME> each parameter's value (upper-cased, non-alphanumerics as _)
 *
 * Success is exit status 0 and at least one metric line on stdout. On a
 * timeout or an interrupt the whole process group is killed; whatever the
 * command left running when it exited is killed too.
 */
#include "target.h"
#include "jail.h"
#include "../../lib/clock.h"
#include "../../lib/err.h"
#include "../../lib/metricline.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define MAX_LINE (1 << 20)
#define TAIL_BYTES 8192
#define TAIL_LINES 10
#define TERM_GRACE 2.0		/* seconds between SIGTERM and SIGKILL */
#define EXIT_GRACE 2.0		/* seconds to drain pipes held by leftovers */

struct target {
	char **argv;
	char *workdir;
	char *tmpdir;
	char *config_path;
	char **base_env;	/* environ without VMTUNE_* */
	char *host;		/* VMTUNE_HOST, when given */
	size_t nbase;
	char *jail;		/* the cgroup the trials' processes live in; NULL: none could be made */
};

static const char *const exec_keys[] = { "command", NULL };

static int exec_check(const struct target_setting *s, size_t n, size_t *bad, char *err)
{
	for (size_t i = 0; i < n; i++) {
		if (!strcmp(s[i].key, "command")) {
			if (s[i].nvals == 0 || !*s[i].vals[0]) {
				*bad = i;
				return seterr(err, "expected a command (a list: program and arguments)"), -1;
			}
			return 0;
		}
	}
	*bad = n;
	return seterr(err, "the exec target needs a command"), -1;
}

/* Where exec targets make their temporary folders, and where exec_sweep() looks for them. */
static const char *temp_folder(void)
{
	const char *tmp = getenv("TMPDIR");
	return tmp && *tmp ? tmp : "/tmp";
}

static int exec_open(struct target **out, const struct target_setting *s, size_t n,
		     const char *workdir, const char *host, const struct workload *wl, char *err)
{
	struct target *t = xcalloc(1, sizeof(*t));
	const char *tmp = temp_folder();
	(void)wl;	/* an exec job's command is its workload */
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	for (i = 0; i < n && strcmp(s[i].key, "command"); i++)
		;
	if (i == n)
		return seterr(err, "the exec target needs a command"), free(t), -1;
	t->argv = xcalloc(s[i].nvals + 1, sizeof(char *));
	for (size_t k = 0; k < s[i].nvals; k++)
		t->argv[k] = xstrdup(s[i].vals[k]);
	t->workdir = xstrdup(workdir);
	t->host = host ? xstrdup(host) : NULL;
	/* the pid in the name: vmtune restore removes those of processes that are gone */
	strbuf_addf(&sb, "%s/vmtune-exec.%d.XXXXXX", tmp, (int)getpid());
	t->tmpdir = strbuf_detach(&sb);
	if (!mkdtemp(t->tmpdir)) {
		seterr(err, "cannot create a directory in %s: %s", tmp,
		       strerror(errno));
		free(t->tmpdir);
		t->tmpdir = NULL;
		t->config_path = NULL;
		goto fail;
	}
	strbuf_addf(&sb, "%s/config.json", t->tmpdir);
	t->config_path = strbuf_detach(&sb);
	t->jail = jail_make();
	for (char **e = environ; *e; e++)
		if (strncmp(*e, "VMTUNE_", 7)) {
			t->base_env = xrealloc(t->base_env, (t->nbase + 1) * sizeof(char *));
			t->base_env[t->nbase++] = *e;
		}
	*out = t;
	return 0;
fail:
	for (char **a = t->argv; *a; a++)
		free(*a);
	free(t->argv);
	free(t->workdir);
	free(t->host);
	free(t);
	return -1;
}

static void exec_close(struct target *t)
{
	if (!t)
		return;
	if (t->config_path)
		unlink(t->config_path);
	if (t->tmpdir)
		rmdir(t->tmpdir);
	jail_remove(t->jail);
	for (char **a = t->argv; *a; a++)
		free(*a);
	free(t->argv);
	free(t->workdir);
	free(t->tmpdir);
	free(t->config_path);
	free(t->base_env);
	free(t->host);
	free(t);
}

static const char *exec_accel(struct target *t)
{
	(void)t;
	return "exec";
}

/*
 * Writes the configuration to a fresh file: truncating the previous one in
 * place would make ext4 flush it to disk on close (auto_da_alloc), which
 * costs more than the rest of a trial's bookkeeping.
 */
static int write_config(const char *path, const char *json, char *err)
{
	size_t len = strlen(json);
	int fd;
	if (unlink(path) && errno != ENOENT)
		return seterr(err, "cannot replace %s: %s", path, strerror(errno)), -1;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0)
		return seterr(err, "cannot write %s: %s", path, strerror(errno)), -1;
	struct iovec iov[2] = { { (void *)json, len }, { "\n", 1 } };
	ssize_t n = writev(fd, iov, 2);
	if (close(fd) || n != (ssize_t)len + 1)
		return seterr(err, "cannot write %s: %s", path, n < 0 ? strerror(errno) : "short write"), -1;
	return 0;
}

int exec_sweep(int (*alive)(int64_t pid, const char *host, void *ud), int *removed, char *err)
{
	const char *dir = temp_folder();
	char path[PATH_MAX + 300], host[256] = "";
	gethostname(host, sizeof(host) - 1);
	DIR *d = opendir(dir);
	struct dirent *e;
	int pid, end = 0, left = 0, jails;
	*removed = 0;
	jail_sweep(alive, host, &jails);	/* what a crash left running ends now */
	if (!d)
		return seterr(err, "%s: %s", dir, strerror(errno)), -1;
	while ((e = readdir(d))) {
		/* vmtune-exec.PID.XXXXXX, as mkdtemp made it, of a process that is no vmtune now */
		if (sscanf(e->d_name, "vmtune-exec.%d.%n", &pid, &end) != 1 || !end ||
		    strlen(e->d_name + end) != 6 || pid <= 0 || alive(pid, host, NULL))
			continue;
		snprintf(path, sizeof(path), "%s/%s/config.json", dir, e->d_name);
		unlink(path);	/* all it ever holds */
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (rmdir(path) == 0)
			(*removed)++;
		else if (errno != ENOENT)
			left++;
	}
	closedir(d);
	if (left)
		return seterr(err, "%d temporary folder%s of exec trials in %s hold%s more than vmtune "
			      "put there: left alone", left, left == 1 ? "" : "s", dir,
			      left == 1 ? "s" : ""), -1;
	return 0;
}

/* VMTUNE_P_<NAME>: how a parameter is named in the command's environment (malloc'd). */
static char *exec_env_name(const char *param)
{
	struct strbuf sb = STRBUF_INIT;
	strbuf_addstr(&sb, "VMTUNE_P_");
	for (const char *c = param; *c; c++)
		strbuf_addch(&sb, isalnum((unsigned char)*c) ? toupper((unsigned char)*c) : '_');
	return strbuf_detach(&sb);
}

/* The environment of one run: a NULL-terminated array of malloc'd strings. */
static char **build_env(struct target *t, const struct trial_request *rq)
{
	size_t n = t->nbase + 4 + rq->space->n;
	char **env = xcalloc(n + 1, sizeof(char *));
	size_t k = 0;
	struct strbuf sb = STRBUF_INIT;

	for (size_t i = 0; i < t->nbase; i++)
		env[k++] = xstrdup(t->base_env[i]);
	strbuf_addf(&sb, "VMTUNE_CONFIG=%s", t->config_path);
	env[k++] = strbuf_detach(&sb);
	strbuf_addf(&sb, "VMTUNE_TRIAL=%lld", (long long)rq->trial_id);
	env[k++] = strbuf_detach(&sb);
	strbuf_addf(&sb, "VMTUNE_REPEAT=%d", rq->repeat);
	env[k++] = strbuf_detach(&sb);
	if (t->host) {
		strbuf_addf(&sb, "VMTUNE_HOST=%s", t->host);
		env[k++] = strbuf_detach(&sb);
	}
	for (size_t i = 0; i < rq->space->n; i++) {
		const struct param *p = &rq->space->p[i];
		char *name = exec_env_name(p->name);
		strbuf_addf(&sb, "%s=", name);
		free(name);
		pval_format(p, rq->config[i], &sb);
		env[k++] = strbuf_detach(&sb);
	}
	return env;
}

static void free_env(char **env)
{
	for (char **e = env; *e; e++)
		free(*e);
	free(env);
}

struct stream {
	int fd;
	struct strbuf buf;
	int overlong;	/* discarding the rest of a line longer than MAX_LINE */
};

struct run_state {
	const struct trial_sink *sink;
	struct trial_result *res;
	int sink_failed;
	struct strbuf tail;
};

static void handle_line(struct run_state *rs, const char *line, size_t len)
{
	struct metricline ml;
	if (rs->sink_failed)
		return;
	if (memchr(line, '\0', len)) {	/* "{...}\0garbage": no line of JSON text */
		rs->res->nignored++;
		return;
	}
	switch (metricline_parse(line, &ml)) {
	case ML_METRIC:
		if (rs->sink->metric(rs->sink->ud, &ml.m))
			rs->sink_failed = 1;
		rs->res->nmetrics++;
		break;
	case ML_APPLIED:
		if (rs->sink->applied(rs->sink->ud, ml.knob, NULL, ml.applied_value.buf, 0))
			rs->sink_failed = 1;
		break;
	case ML_NOTE:
	case ML_OUT:	/* the appliance's agent's; a command's figures are its metric lines */
	case ML_OTHER:
		rs->res->nignored++;
		if (rs->sink->ignored)
			rs->sink->ignored(rs->sink->ud, line);
		break;
	}
	metricline_release(&ml);
}

static void keep_tail(struct strbuf *tail, const char *data, size_t n)
{
	strbuf_add(tail, data, n);
	if (tail->len > 2 * TAIL_BYTES) {
		memmove(tail->buf, tail->buf + tail->len - TAIL_BYTES, TAIL_BYTES);
		tail->len = TAIL_BYTES;
		tail->buf[tail->len] = '\0';
	}
}

/* Reads what is there; returns 0 at EOF, 1 otherwise. */
static int pump(struct run_state *rs, struct stream *st, int is_stdout)
{
	char chunk[65536];
	ssize_t n = read(st->fd, chunk, sizeof(chunk));
	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? 1 : 0;
	if (n == 0) {
		if (is_stdout && st->buf.len && !st->overlong)
			handle_line(rs, st->buf.buf, st->buf.len);
		strbuf_reset(&st->buf);
		return 0;
	}
	if (!is_stdout) {
		keep_tail(&rs->tail, chunk, (size_t)n);
		return 1;
	}
	for (ssize_t i = 0, start = 0; i < n; i++) {
		if (chunk[i] != '\n' && i != n - 1)
			continue;
		size_t len = (size_t)(i - start) + (chunk[i] != '\n');
		if (!st->overlong)
			strbuf_add(&st->buf, chunk + start, len);
		if (st->buf.len > MAX_LINE) {
			st->overlong = 1;
			strbuf_reset(&st->buf);
		}
		if (chunk[i] == '\n') {
			if (st->overlong)
				rs->res->nignored++;
			else
				handle_line(rs, st->buf.buf, st->buf.len);
			st->overlong = 0;
			strbuf_reset(&st->buf);
		}
		start = i + 1;
	}
	return 1;
}

/* The last TAIL_LINES lines of what the command wrote on stderr. */
static void finish_tail(struct strbuf *tail, struct strbuf *out)
{
	size_t end = tail->len, lines = 0, i = end;
	while (end && tail->buf[end - 1] == '\n')
		end--;
	for (i = end; i > 0; i--)
		if (tail->buf[i - 1] == '\n' && ++lines == TAIL_LINES)
			break;
	strbuf_add(out, tail->buf + i, end - i);
}

static void describe_status(int status, struct strbuf *out)
{
	if (WIFEXITED(status))
		strbuf_addf(out, "exit status %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		strbuf_addf(out, "killed by signal %d (%s)", WTERMSIG(status),
			    strsignal(WTERMSIG(status)));
}

/* The command, in its own process group (and its jail, where there is one). */
static int spawn(struct target *t, char **env, int out[2], int errp[2], pid_t *pid,
		 struct strbuf *reason)
{
	return jail_spawn(t->jail, t->argv, env, t->workdir, out[1], errp[1], pid, reason);
}

/*
 * Kills every process that carries this slot's VMTUNE_CONFIG in its
 * environment: the trial's descendants, those that left its process group
 * (setsid) included. The slot runs one trial at a time, so any such process
 * is of the trial that is ending. Returns how many it found.
 */
static int kill_escaped(const struct target *t)
{
	char path[64], want[PATH_MAX + 16], *env = NULL;
	size_t cap = 0;
	int found = 0;
	snprintf(want, sizeof(want), "VMTUNE_CONFIG=%s", t->config_path);
	size_t wlen = strlen(want) + 1;	/* with its NUL */
	DIR *d = opendir("/proc");
	struct dirent *e;
	while (d && (e = readdir(d))) {
		pid_t p = (pid_t)atoi(e->d_name);
		if (p <= 1 || p == getpid())
			continue;
		snprintf(path, sizeof(path), "/proc/%d/environ", (int)p);
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		size_t len = 0;
		ssize_t n;
		for (;;) {
			if (len + 4096 > cap)
				env = xrealloc(env, cap = cap ? 2 * cap : 65536);
			if ((n = read(fd, env + len, cap - len)) <= 0)
				break;
			len += (size_t)n;
		}
		close(fd);
		for (size_t at = 0; at + wlen <= len; at += strnlen(env + at, len - at) + 1)
			if (!memcmp(env + at, want, wlen)) {
				kill(p, SIGKILL);
				found++;
				break;
			}
	}
	if (d)
		closedir(d);
	free(env);
	return found;
}

/*
 * What is left of the slot's trial: its jail holds all of it, however it
 * detached; without one, the processes that carry the slot's marker (a
 * scan of every process's environment, which the jail spares each trial).
 */
static void end_leftovers(const struct target *t)
{
	if (t->jail)
		jail_kill(t->jail);
	else
		kill_escaped(t);
}

/* The command's process (group) while a trial runs. */
struct child {
	pid_t pid;
	int pidfd, status, reaped, killed;
	double start, exited_at, term_at, killed_at;
};

/* Ends the command when it must: its timeout, a stop, leftovers holding the pipes. */
static void police(struct target *t, const struct trial_request *rq, struct trial_result *res,
		   struct child *ch, double now)
{
	if (ch->killed && !ch->killed_at)
		ch->killed_at = now;
	if (ch->killed && now - ch->killed_at > 0.2) {	/* something outside the group holds our pipes */
		end_leftovers(t);
		ch->killed_at = now;
	}
	if (!ch->killed && rq->timeout > 0 && now - ch->start > rq->timeout) {
		kill(-ch->pid, SIGKILL);
		jail_kill(t->jail);	/* the trial's every process, however it detached */
		ch->killed = 1;
		res->outcome = OUTCOME_TIMEOUT;
		strbuf_addf(&res->reason, "timed out after %gs", rq->timeout);
	} else if (!ch->killed && rq->stop && *rq->stop) {
		if (!ch->term_at) {
			kill(-ch->pid, SIGTERM);
			ch->term_at = now;
		} else if (now - ch->term_at > TERM_GRACE) {
			kill(-ch->pid, SIGKILL);
			ch->killed = 1;
		}
		res->outcome = OUTCOME_INTERRUPTED;
	} else if (!ch->killed && ch->reaped && now - ch->exited_at > EXIT_GRACE) {
		kill(-ch->pid, SIGKILL);	/* leftovers holding our pipes */
		jail_kill(t->jail);
		ch->killed = 1;
	}
}

/* Reads both pipes until they close and the command is reaped. */
static void collect_output(struct target *t, const struct trial_request *rq,
			   struct trial_result *res, struct child *ch, struct run_state *rs,
			   struct stream *so, struct stream *se)
{
	while (!ch->reaped || so->fd >= 0 || se->fd >= 0) {
		struct pollfd pfd[3];
		int n = 0, wait_ms = 100;
		police(t, rq, res, ch, mono());
		if (so->fd >= 0)
			pfd[n++] = (struct pollfd){ .fd = so->fd, .events = POLLIN };
		if (se->fd >= 0)
			pfd[n++] = (struct pollfd){ .fd = se->fd, .events = POLLIN };
		if (!ch->reaped && ch->pidfd >= 0)
			pfd[n++] = (struct pollfd){ .fd = ch->pidfd, .events = POLLIN };
		else if (!ch->reaped)
			wait_ms = 2;	/* no pidfd: poll the child's state */
		if (poll(pfd, (nfds_t)n, wait_ms) < 0 && errno != EINTR)
			break;
		for (int i = 0; i < n; i++) {
			if (!pfd[i].revents)
				continue;
			if (pfd[i].fd == so->fd && !pump(rs, so, 1)) {
				close(so->fd);
				so->fd = -1;
			} else if (pfd[i].fd == se->fd && !pump(rs, se, 0)) {
				close(se->fd);
				se->fd = -1;
			}
		}
		if (!ch->reaped && waitpid(ch->pid, &ch->status, WNOHANG) == ch->pid) {
			ch->reaped = 1;
			ch->exited_at = mono();
		}
	}
}

/* The trial's outcome once the command is gone, and the reason of a failure. */
static void judge_outcome(const struct run_state *rs, int status, struct trial_result *res)
{
	if (rs->sink_failed) {
		strbuf_reset(&res->reason);
		strbuf_addstr(&res->reason, "could not store a result");
		res->outcome = OUTCOME_FAILED;
	} else if (res->outcome == OUTCOME_INTERRUPTED) {
		strbuf_reset(&res->reason);
		strbuf_addstr(&res->reason, "interrupted");
	} else if (res->outcome == OUTCOME_TIMEOUT) {
		;
	} else if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		describe_status(status, &res->reason);
	} else if (!res->nmetrics) {
		strbuf_addstr(&res->reason, "no metric line");
	} else {
		res->outcome = OUTCOME_DONE;
	}
}

static int exec_run(struct target *t, const struct trial_request *rq,
		    const struct trial_sink *sink, struct trial_result *res)
{
	char err[ERR_LEN];
	int outp[2] = { -1, -1 }, errp[2] = { -1, -1 };
	struct stream so = { .fd = -1, .buf = STRBUF_INIT }, se = { .fd = -1, .buf = STRBUF_INIT };
	struct run_state rs = { .sink = sink, .res = res, .tail = STRBUF_INIT };
	struct child ch = { .pid = -1, .pidfd = -1, .start = mono() };
	char **env = NULL;

	res->outcome = OUTCOME_FAILED;
	if (write_config(t->config_path, rq->config_json, err)) {
		strbuf_addstr(&res->reason, err);
		return 0;
	}
	if (pipe2(outp, O_CLOEXEC) || pipe2(errp, O_CLOEXEC)) {
		strbuf_addf(&res->reason, "cannot create a pipe: %s", strerror(errno));
		goto done;
	}
	env = build_env(t, rq);
	if (spawn(t, env, outp, errp, &ch.pid, &res->reason))
		goto done;
	close(outp[1]);
	close(errp[1]);
	so.fd = outp[0];
	se.fd = errp[0];
	outp[0] = outp[1] = errp[0] = errp[1] = -1;	/* owned by so and se now */
	ch.pidfd = (int)syscall(SYS_pidfd_open, ch.pid, 0);
	collect_output(t, rq, res, &ch, &rs, &so, &se);
	if (!ch.killed)
		kill(-ch.pid, SIGKILL);	/* nothing of the trial outlives it */
	if (ch.pid > 0)
		end_leftovers(t);	/* not even what left its process group or its environment */
	finish_tail(&rs.tail, &res->stderr_tail);
	judge_outcome(&rs, ch.status, res);
done:
	if (ch.pidfd >= 0)
		close(ch.pidfd);
	for (int i = 0; i < 2; i++) {
		if (outp[i] >= 0)
			close(outp[i]);
		if (errp[i] >= 0)
			close(errp[i]);
	}
	if (so.fd >= 0)
		close(so.fd);
	if (se.fd >= 0)
		close(se.fd);
	strbuf_release(&so.buf);
	strbuf_release(&se.buf);
	strbuf_release(&rs.tail);
	if (env)
		free_env(env);
	return rs.sink_failed ? -1 : 0;
}

struct env_name {
	char *name;	/* VMTUNE_P_... */
	size_t i;	/* the parameter's place */
};

static int env_name_cmp(const void *a, const void *b)
{
	const struct env_name *x = a, *y = b;
	int d = strcmp(x->name, y->name);
	return d ? d : x->i < y->i ? -1 : x->i > y->i;
}

/*
 * The command gets each parameter as VMTUNE_P_<NAME> (upper case, every
 * other character '_'): two names that become one would hand over one
 * value for both. Sorted, so that it stays linear-ish in the parameters.
 */
static int exec_check_space(const struct space *sp, const struct objective *obj,
			    const struct target_setting *s, size_t n, const struct workload *wl,
			    struct space_fault *at, char *err)
{
	(void)wl;	/* an exec job has none: its command is its workload */
	struct env_name *v = xcalloc(sp->n ? sp->n : 1, sizeof(*v));
	int rc = 0;
	(void)obj, (void)s, (void)n;
	for (size_t i = 0; i < sp->n; i++) {
		v[i].name = exec_env_name(sp->p[i].name);
		v[i].i = i;
	}
	qsort(v, sp->n, sizeof(*v), env_name_cmp);
	for (size_t k = 1; k < sp->n && !rc; k++)
		if (!strcmp(v[k - 1].name, v[k].name)) {
			seterr(err, "parameters '%s' and '%s' are both %s in the command's environment: "
			       "rename one", sp->p[v[k - 1].i].name, sp->p[v[k].i].name, v[k].name);
			*at = (struct space_fault){ .param = v[k].i, .at = AT_NAME };
			rc = -1;
		}
	for (size_t i = 0; i < sp->n; i++)
		free(v[i].name);
	free(v);
	return rc;
}

const struct target_ops target_exec = {
	.name = "exec",
	.help = "runs a command per trial; config in, metric lines out",
	.keys = exec_keys,
	.check = exec_check,
	.check_space = exec_check_space,
	.open = exec_open,
	.run = exec_run,
	.accel = exec_accel,
	.close = exec_close,
};
