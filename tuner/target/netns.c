#include "netns.h"
#include "../../lib/err.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sys/socket.h>

int netns_spawn(char *const argv[], int out_fd, pid_t *pid, char *err)
{
	int fd[2];	/* the child's word that unshare failed (errno), or EOF on exec */
	if (pipe2(fd, O_CLOEXEC))
		return seterr(err, "%s", strerror(errno)), -1;
	*pid = fork();
	if (*pid < 0) {
		close(fd[0]);
		close(fd[1]);
		return seterr(err, "fork: %s", strerror(errno)), -1;
	}
	if (!*pid) {	/* only system calls here: the parent has threads */
		int e;
		if (unshare(CLONE_NEWNET) == 0 && dup2(out_fd, 1) == 1)
			execv(argv[0], argv);
		e = errno;
		if (write(fd[1], &e, sizeof(e)) < 0)
			_exit(127);
		_exit(127);
	}
	close(fd[1]);
	int e = 0;
	ssize_t n = read(fd[0], &e, sizeof(e));
	close(fd[0]);
	if (n == (ssize_t)sizeof(e))
		return seterr(err, "a network namespace for %s: %s", argv[0], strerror(e)), -1;
	return 0;
}

int netns_move(const char *ifname, pid_t pid, char *err)
{
	char buf[8192];	/* one request, one ack: far less than a page */
	unsigned idx = if_nametoindex(ifname), seq = 1;
	if (!idx)
		return seterr(err, "no interface %s: %s", ifname, strerror(errno)), -1;
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_NEWLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = seq;
	struct ifinfomsg *ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
	ifm->ifi_family = AF_UNSPEC;
	ifm->ifi_index = (int)idx;
	mnl_attr_put_u32(nlh, IFLA_NET_NS_PID, (uint32_t)pid);

	struct mnl_socket *nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	int rc = -1;
	if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0 ||
	    mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
		seterr(err, "netlink: %s", strerror(errno));
	} else {
		ssize_t n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		/* the kernel's answer: an ack, or an error whose errno mnl_cb_run returns */
		if (n < 0 || mnl_cb_run(buf, (size_t)n, seq, mnl_socket_get_portid(nl), NULL, NULL) < 0)
			seterr(err, "moving %s into the namespace of pid %d: %s", ifname, (int)pid,
			       strerror(errno));
		else
			rc = 0;
	}
	if (nl)
		mnl_socket_close(nl);
	return rc;
}

int netns_socket(pid_t pid, char *err)
{
	char path[64];
	int sock = -1, self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC), there;
	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
	there = open(path, O_RDONLY | O_CLOEXEC);
	if (self < 0 || there < 0) {
		seterr(err, "%s: %s", self < 0 ? "/proc/thread-self/ns/net" : path, strerror(errno));
	} else if (setns(there, CLONE_NEWNET)) {
		seterr(err, "entering the namespace of pid %d: %s", (int)pid, strerror(errno));
	} else {
		/* a socket belongs to the namespace it was made in, whatever the thread's is next */
		sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		int e = errno;
		if (setns(self, CLONE_NEWNET)) {	/* this thread would speak to libvirt from there */
			fprintf(stderr, "vmtune: cannot return to my network namespace: %s\n",
				strerror(errno));
			abort();
		}
		if (sock < 0)
			seterr(err, "a socket in the namespace of pid %d: %s", (int)pid, strerror(e));
	}
	if (self >= 0)
		close(self);
	if (there >= 0)
		close(there);
	return sock;
}
