#ifndef GAGENT_H
#define GAGENT_H
/*
 * The QEMU guest agent (org.qemu.guest_agent.0) of a running domain,
 * spoken through libvirt (virDomainQemuAgentCommand): the channel into a
 * user's image that needs no network. Commands are built with jansson,
 * file contents and output travel in base64 (nettle).
 *
 * Every call is bounded: a command waits at most GA_CALL_SECONDS for its
 * answer, a program run with ga_exec at most its timeout. On error, err
 * says what the agent or libvirt said.
 */
#include <signal.h>
#include <stddef.h>
#include <libvirt/libvirt.h>
#include "../../lib/strbuf.h"

#define GA_CALL_SECONDS 30

/*
 * Waits until the agent answers guest-ping, at most seconds: 0 it answered,
 * -1 it did not (err), 1 *stop became non-zero.
 */
int ga_wait(virDomainPtr dom, double seconds, volatile sig_atomic_t *stop, char *err);
/* Writes len bytes of data to the guest's path (made or truncated). */
int ga_write_file(virDomainPtr dom, const char *path, const void *data, size_t len, char *err);
/* The guest's path, whole (at most max bytes). -1 with err; *missing set when it does not exist. */
int ga_read_file(virDomainPtr dom, const char *path, size_t max, struct strbuf *out, int *missing,
		 char *err);

struct ga_exec {
	int exited, exitcode, signal;	/* signal: the one that ended it, 0 none */
	struct strbuf out, err;		/* what it printed (the agent keeps up to 16 MiB of each) */
};

enum { GA_EXEC_DONE = 0, GA_EXEC_TIMEOUT = 1, GA_EXEC_STOPPED = 2 };
/*
 * Runs argv in the guest (argv[0] looked up in the guest's PATH), its
 * output captured, and waits for it, at most timeout seconds (0: no
 * bound): GA_EXEC_DONE (see r->exitcode), GA_EXEC_TIMEOUT, GA_EXEC_STOPPED
 * (*stop), -1 with err when the agent could not start it.
 */
int ga_exec(virDomainPtr dom, char *const argv[], double timeout, volatile sig_atomic_t *stop,
	    struct ga_exec *r, char *err);
/* ga_exec in two: start argv (its guest pid in *pid), then wait for it as ga_exec does. */
int ga_spawn(virDomainPtr dom, char *const argv[], long long *pid, char *err);
int ga_reap(virDomainPtr dom, long long pid, double timeout, volatile sig_atomic_t *stop,
	    struct ga_exec *r, char *err);
void ga_exec_init(struct ga_exec *r);
void ga_exec_release(struct ga_exec *r);

#endif
