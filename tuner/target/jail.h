#ifndef JAIL_H
#define JAIL_H
/*
 * A trial's processes in a cgroup of their own (the v1 freezer hierarchy,
 * /sys/fs/cgroup/freezer/vmtune/PID.N), so that they all end with the
 * trial, however they detach: setsid, a double fork, a cleared environment
 * (environment markers are no boundary). The command joins the cgroup
 * before it is executed, so every descendant is born inside; ending them
 * freezes the cgroup first, so none can fork past the kill.
 *
 * Where no such cgroup can be made (not root, no freezer hierarchy),
 * jail_make() returns NULL and the caller keeps its weaker means.
 */
#include <stdint.h>
#include <sys/types.h>
#include "../../lib/strbuf.h"

/* A new, empty cgroup for one slot's trials (malloc'd path); NULL when none can be had. */
char *jail_make(void);
/*
 * Runs argv[0] (looked up in PATH when it has no '/') with argv and env, in
 * workdir, stdin /dev/null, stdout and stderr on out and err, in a process
 * group of its own, every signal at its default and none blocked; inside
 * jail (NULL: nowhere in particular). -1 with the reason when it cannot.
 */
int jail_spawn(const char *jail, char *const argv[], char *const env[], const char *workdir,
	       int out, int err, pid_t *pid, struct strbuf *reason);
/* Ends every process in jail; how many there were (0 when none or no jail). */
int jail_kill(const char *jail);
/* jail_kill(), then the cgroup removed; frees path. */
void jail_remove(char *path);
/*
 * Ends and removes the cgroups of vmtune processes that are gone (a crash
 * left them; alive(pid) says which are not): vmtune restore. *removed: how many.
 */
int jail_sweep(int (*alive)(int64_t pid, const char *host, void *ud), const char *host,
	       int *removed);

#endif
