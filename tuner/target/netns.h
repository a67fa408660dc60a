#ifndef NETNS_H
#define NETNS_H
/*
 * A trial's own network namespace (net.backend tap). The namespace is the
 * peer's: it is made by unshare(CLONE_NEWNET) in the peer process and lives
 * exactly as long as that process, so stopping the journaled peer removes
 * it. The tap is QEMU's (libvirt makes it, not persistent): it goes with the
 * domain, in whichever namespace it then is.
 */
#include <sys/types.h>

/* Runs argv[0] with argv in a new network namespace, its stdout on out_fd. */
int netns_spawn(char *const argv[], int out_fd, pid_t *pid, char *err);
/* Moves the interface ifname of this namespace into pid's (netlink RTM_NEWLINK). */
int netns_move(const char *ifname, pid_t pid, char *err);
/* An AF_INET datagram socket of pid's network namespace, for its interfaces' ioctls. */
int netns_socket(pid_t pid, char *err);

#endif
