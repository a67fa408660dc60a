#include "jail.h"
#include "../../lib/err.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define JAIL_ROOT "/sys/fs/cgroup/freezer/vmtune"
#define JAIL_KILL_SECONDS 1.0	/* how long ending a jail's processes may take */

static unsigned jail_seq;

static int write_file(const char *dir, const char *leaf, const char *text)
{
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/%s", dir, leaf);
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = write(fd, text, strlen(text));
	close(fd);
	return n == (ssize_t)strlen(text) ? 0 : -1;
}

char *jail_make(void)
{
	char path[PATH_MAX];
	if (mkdir(JAIL_ROOT, 0755) && errno != EEXIST)
		return NULL;
	snprintf(path, sizeof(path), JAIL_ROOT "/%d.%u", (int)getpid(),
		 __atomic_fetch_add(&jail_seq, 1, __ATOMIC_RELAXED));
	if (mkdir(path, 0755))
		return NULL;
	return xstrdup(path);
}

/* The executable argv0 names, as execvp would find it; NULL when none (errno set). */
static char *resolve(const char *argv0)
{
	if (strchr(argv0, '/'))
		return xstrdup(argv0);	/* relative to the command's folder: resolved there */
	const char *path = getenv("PATH");
	struct strbuf sb = STRBUF_INIT;
	for (const char *p = path ? path : "/usr/bin:/bin"; ; p++) {
		const char *end = strchr(p, ':');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		strbuf_reset(&sb);
		strbuf_addf(&sb, "%.*s/%s", (int)len, len ? p : ".", argv0);
		if (!access(sb.buf, X_OK))
			return strbuf_detach(&sb);
		if (!end)
			break;
		p = end;
	}
	strbuf_release(&sb);
	errno = ENOENT;
	return NULL;
}

/*
 * The child, between vfork and exec: it shares the parent's memory, so it
 * calls only async-signal-safe functions and touches nothing but its stack
 * (its signal dispositions are its own; every signal is blocked until it
 * has set them to their default).
 */
static void child(const char *jail_procs, const char *file, char *const argv[],
		  char *const env[], const char *workdir, int out, int err, int report)
{
	struct sigaction dfl;
	sigset_t none;
	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	for (int sig = 1; sig < NSIG; sig++)
		sigaction(sig, &dfl, NULL);	/* fails for SIGKILL and SIGSTOP: fine */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	int fd = jail_procs ? open(jail_procs, O_WRONLY | O_CLOEXEC) : -1;
	if (jail_procs && (fd < 0 || write(fd, "0", 1) != 1))
		goto fail;
	if (fd >= 0)
		close(fd);
	setpgid(0, 0);
	int in = open("/dev/null", O_RDONLY | O_CLOEXEC);	/* dup2 keeps 0 open across exec */
	if (in < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0 || chdir(workdir))
		goto fail;
	execve(file, argv, env);
fail:;
	int e = errno;
	(void)!write(report, &e, sizeof(e));
	_exit(127);
}

/* vfork, as posix_spawn does (no copy of the parent's memory), in a frame of its own. */
static __attribute__((noinline)) pid_t start(const char *jail_procs, const char *file,
					      char *const argv[], char *const env[],
					      const char *workdir, int out, int err, int report)
{
	sigset_t all, old;	/* no handler of the parent's runs in the child */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	pid_t pid = vfork();
	if (pid == 0)
		child(jail_procs, file, argv, env, workdir, out, err, report);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return pid;
}

int jail_spawn(const char *jail, char *const argv[], char *const env[], const char *workdir,
	       int out, int err, pid_t *pid, struct strbuf *reason)
{
	char procs[PATH_MAX];
	int rep[2], e = 0;
	char *file = resolve(argv[0]);
	if (!file) {
		strbuf_addf(reason, "cannot run '%s': %s", argv[0], strerror(errno));
		return -1;
	}
	if (jail)
		snprintf(procs, sizeof(procs), "%s/cgroup.procs", jail);
	if (pipe2(rep, O_CLOEXEC)) {
		strbuf_addf(reason, "cannot create a pipe: %s", strerror(errno));
		free(file);
		return -1;
	}
	*pid = start(jail ? procs : NULL, file, argv, env, workdir, out, err, rep[1]);
	close(rep[1]);
	if (*pid < 0)
		e = errno;
	else if (read(rep[0], &e, sizeof(e)) == sizeof(e))	/* exec failed: the child said why */
		waitpid(*pid, NULL, 0);
	else
		e = 0;
	close(rep[0]);
	free(file);
	if (e) {
		strbuf_addf(reason, "cannot run '%s': %s", argv[0], strerror(e));
		return -1;
	}
	return 0;
}

/* Every pid in the jail gets SIGKILL; how many there were. */
static int kill_procs(const char *jail)
{
	char path[PATH_MAX];
	int n = 0, p;
	snprintf(path, sizeof(path), "%s/cgroup.procs", jail);
	FILE *f = fopen(path, "re");
	while (f && fscanf(f, "%d", &p) == 1) {
		kill((pid_t)p, SIGKILL);
		n++;
	}
	if (f)
		fclose(f);
	return n;
}

int jail_kill(const char *jail)
{
	struct timespec pause = { 0, 1000000 };
	int first = -1;
	if (!jail)
		return 0;
	/* frozen, none can fork past the kill; SIGKILL takes them once thawed */
	for (double waited = 0; waited < JAIL_KILL_SECONDS; waited += 0.001) {
		write_file(jail, "freezer.state", "FROZEN");
		int n = kill_procs(jail);
		write_file(jail, "freezer.state", "THAWED");
		if (first < 0)
			first = n;
		if (!n)
			break;
		nanosleep(&pause, NULL);
	}
	return first;
}

void jail_remove(char *path)
{
	if (!path)
		return;
	jail_kill(path);
	for (int i = 0; i < 100 && rmdir(path) && errno == EBUSY; i++)
		usleep(10000);	/* the last exits are being reaped */
	free(path);
}

int jail_sweep(int (*alive)(int64_t pid, const char *host, void *ud), const char *host,
	       int *removed)
{
	DIR *d = opendir(JAIL_ROOT);
	struct dirent *e;
	*removed = 0;
	while (d && (e = readdir(d))) {
		int pid;
		if (e->d_name[0] == '.' || sscanf(e->d_name, "%d.", &pid) != 1 || pid <= 0 ||
		    alive(pid, host, NULL))
			continue;
		struct strbuf sb = STRBUF_INIT;
		strbuf_addf(&sb, JAIL_ROOT "/%s", e->d_name);
		jail_remove(strbuf_detach(&sb));
		(*removed)++;
	}
	if (d)
		closedir(d);
	return 0;
}
