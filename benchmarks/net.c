/*
 * net: TCP between two ends, measured as iperf3 and sockperf measure it.
 *   net.tcp_send       MB/s (10^6 bytes) the client streams to the peer,
 *                      counted by the peer, until the peer has all of it
 *   net.tcp_recv       MB/s the peer streams to the client, counted by it
 *   net.rr.p50/.p99    us, round trip of a 1-byte request and its 1-byte
 *                      reply (TCP_NODELAY); half of it is what sockperf
 *                      ping-pong and qperf tcp_lat call latency
 * Options: --phases send,recv,rr (default all three); --seconds S (each
 * phase once for S seconds, instead of the budget's repeats).
 * Modes:
 *   vmbench net                      both ends here, over loopback (127.0.0.1)
 *   vmbench net --connect ADDR:PORT  the client, against a peer
 *   vmbench net --server [--bind ADDR] [--port PORT] [--max-seconds S]
 *                                    the peer: serves clients until killed,
 *                                    or for S seconds; says its port first
 * ADDR is an IPv4 number: nothing is looked up.
 */
#include "bench.h"

#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define BUF_BYTES (128 * 1024)	/* one write, as iperf3's default */
#define MAX_RTTS (1 << 20)
#define WARMUP_RTTS 200

/* A request: what the peer does on this connection, and for how long. */
struct request {
	char magic[4];		/* "VMBN" */
	uint8_t op;		/* 'S' sink, 'R' source, 'P' echo */
	uint8_t pad[3];
	uint32_t ms;		/* 'R': how long to send, network order */
};

static int full_io(int fd, void *buf, size_t len, int writing)
{
	char *p = buf;
	while (len) {
		ssize_t n = writing ? write(fd, p, len) : read(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static void nodelay(int fd)
{
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

/* ---- the peer ------------------------------------------------------------ */

static void *serve(void *arg)
{
	int fd = (int)(intptr_t)arg;
	struct request rq;
	char *buf = malloc(BUF_BYTES);
	if (!buf || full_io(fd, &rq, sizeof(rq), 0) || memcmp(rq.magic, "VMBN", 4))
		goto out;
	if (rq.op == 'S') {
		uint64_t total = 0;
		ssize_t n;
		while ((n = read(fd, buf, BUF_BYTES)) > 0 || (n < 0 && errno == EINTR))
			total += n > 0 ? (uint64_t)n : 0;
		uint64_t be = htobe64(total);
		full_io(fd, &be, sizeof(be), 1);
	} else if (rq.op == 'R') {
		memset(buf, 0x5a, BUF_BYTES);
		double end = bench_now() + ntohl(rq.ms) / 1e3;
		while (bench_now() < end && !full_io(fd, buf, BUF_BYTES, 1))
			;
		shutdown(fd, SHUT_WR);
		while (read(fd, buf, BUF_BYTES) > 0)	/* until the client closes */
			;
	} else if (rq.op == 'P') {
		char c;
		nodelay(fd);
		while (!full_io(fd, &c, 1, 0) && !full_io(fd, &c, 1, 1))
			;
	}
out:
	free(buf);
	close(fd);
	return NULL;
}

/* Accepts until the listener is shut down; one thread per connection. */
static void *accept_loop(void *arg)
{
	int lfd = (int)(intptr_t)arg;
	for (;;) {
		int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			return NULL;
		}
		pthread_t th;
		if (pthread_create(&th, NULL, serve, (void *)(intptr_t)fd))
			close(fd);
		else
			pthread_detach(th);
	}
}

/* A listening socket on addr (its port 0: any), the port it got in *port. */
static int listen_on(struct sockaddr_in *addr, int *port)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;
	socklen_t len = sizeof(*addr);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)addr, sizeof(*addr)) || listen(fd, 16) ||
	    getsockname(fd, (struct sockaddr *)addr, &len)) {
		close(fd);
		return -1;
	}
	*port = ntohs(addr->sin_port);
	return fd;
}

/* ---- the client ---------------------------------------------------------- */

static int dial(const struct sockaddr_in *peer, uint8_t op, double seconds)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct request rq = { .magic = "VMBN", .op = op, .ms = htonl((uint32_t)(seconds * 1e3)) };
	if (fd < 0)
		return -1;
	if (op == 'P')
		nodelay(fd);
	if (connect(fd, (const struct sockaddr *)peer, sizeof(*peer)) ||
	    full_io(fd, &rq, sizeof(rq), 1)) {
		close(fd);
		return -1;
	}
	return fd;
}

/* MB/s the peer received of what this end sent for seconds; < 0 on failure. */
static double stream_send(const struct sockaddr_in *peer, double seconds, char *buf)
{
	int fd = dial(peer, 'S', seconds);
	uint64_t be;
	if (fd < 0)
		return -1;
	double t0 = bench_now();
	while (bench_now() - t0 < seconds)
		if (full_io(fd, buf, BUF_BYTES, 1)) {
			close(fd);
			return -1;
		}
	shutdown(fd, SHUT_WR);
	int rc = full_io(fd, &be, sizeof(be), 0);
	double t = bench_now() - t0;	/* until the peer had every byte */
	close(fd);
	return rc ? -1 : (double)be64toh(be) / t / 1e6;
}

/* MB/s this end received of what the peer sent for seconds; < 0 on failure. */
static double stream_recv(const struct sockaddr_in *peer, double seconds, char *buf)
{
	int fd = dial(peer, 'R', seconds);
	uint64_t total = 0;
	ssize_t n;
	if (fd < 0)
		return -1;
	double t0 = bench_now();
	while ((n = read(fd, buf, BUF_BYTES)) > 0 || (n < 0 && errno == EINTR))
		total += n > 0 ? (uint64_t)n : 0;
	double t = bench_now() - t0;
	close(fd);
	return n < 0 || !total ? -1 : (double)total / t / 1e6;
}

/* Round trips of one byte for seconds, in us, appended to rtt; -1 on failure. */
static int round_trips(const struct sockaddr_in *peer, double seconds, double *rtt, size_t *n)
{
	int fd = dial(peer, 'P', seconds);
	char c = 'x';
	if (fd < 0)
		return -1;
	for (int i = 0; i < WARMUP_RTTS; i++)
		if (full_io(fd, &c, 1, 1) || full_io(fd, &c, 1, 0)) {
			close(fd);
			return -1;
		}
	double end = bench_now() + seconds;
	while (*n < MAX_RTTS) {
		double t = bench_now();
		if (t > end)
			break;
		if (full_io(fd, &c, 1, 1) || full_io(fd, &c, 1, 0)) {
			close(fd);
			return -1;
		}
		rtt[(*n)++] = (bench_now() - t) * 1e6;
	}
	close(fd);
	return 0;
}

#define PH_SEND 1
#define PH_RECV 2
#define PH_RR 4

static int client(struct bench_ctx *b, const struct sockaddr_in *peer, int phases, double seconds)
{
	int reps = seconds > 0 ? 1 : b->quick ? 1 : 3;
	double phase = seconds > 0 ? seconds : b->budget * 0.3 / reps, send[3], recv[3];
	char *buf = malloc(BUF_BYTES), where[64];
	double *rtt = malloc(MAX_RTTS * sizeof(double));
	size_t n = 0;
	int rc = 0;
	if (!buf || !rtt) {
		rc = bench_fail(b, 1, "out of memory");
		goto out;
	}
	memset(buf, 0xa5, BUF_BYTES);
	snprintf(where, sizeof(where), "%s:%d", inet_ntoa(peer->sin_addr), ntohs(peer->sin_port));
	for (int r = 0; r < reps; r++) {
		errno = 0;
		if (((phases & PH_SEND) && (send[r] = stream_send(peer, phase, buf)) < 0) ||
		    ((phases & PH_RECV) && (recv[r] = stream_recv(peer, phase, buf)) < 0) ||
		    ((phases & PH_RR) && round_trips(peer, phase, rtt, &n))) {
			rc = bench_fail(b, 1, "the peer at %s: %s", where,
					errno ? strerror(errno) : "closed the connection");
			goto out;
		}
	}
	if ((phases & PH_RR) && n < 100) {
		rc = bench_fail(b, 1, "%zu round trips with %s: too few to tell a percentile", n, where);
		goto out;
	}
	if (phases & PH_SEND)
		bench_metric(b, "net.tcp_send", bench_median(send, (size_t)reps), "MB/s", "higher", 0);
	if (phases & PH_RECV)
		bench_metric(b, "net.tcp_recv", bench_median(recv, (size_t)reps), "MB/s", "higher", 0);
	if (phases & PH_RR) {
		bench_metric(b, "net.rr.p50", bench_percentile(rtt, n, 50), "us", "lower", 0);
		bench_metric(b, "net.rr.p99", bench_percentile(rtt, n, 99), "us", "lower", 0);
	}
	bench_note(b, "TCP with %s, %d x %.1f s a phase, %zu round trips", where, reps, phase, n);
out:
	free(buf);
	free(rtt);
	return rc;
}

static int parse_phases(const char *list, int *out)
{
	char copy[64], *save, *tok;
	*out = 0;
	snprintf(copy, sizeof(copy), "%s", list);
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (!strcmp(tok, "send"))
			*out |= PH_SEND;
		else if (!strcmp(tok, "recv"))
			*out |= PH_RECV;
		else if (!strcmp(tok, "rr"))
			*out |= PH_RR;
		else
			return -1;
	}
	return *out ? 0 : -1;
}

/* ---- options ------------------------------------------------------------- */

static int parse_addr(const char *text, struct sockaddr_in *a, int need_port)
{
	char host[64];
	const char *colon = strrchr(text, ':');
	long port = 0;
	memset(a, 0, sizeof(*a));
	a->sin_family = AF_INET;
	if (colon) {
		char *end;
		port = strtol(colon + 1, &end, 10);
		if (*end || end == colon + 1 || port < 1 || port > 65535)
			return -1;
	}
	if ((need_port && !colon) || (size_t)((colon ? colon : text + strlen(text)) - text) >= sizeof(host))
		return -1;
	snprintf(host, sizeof(host), "%.*s", (int)((colon ? colon : text + strlen(text)) - text), text);
	if (inet_pton(AF_INET, host, &a->sin_addr) != 1)
		return -1;
	a->sin_port = htons((uint16_t)port);
	return 0;
}

int bench_net(struct bench_ctx *b, int argc, char **argv)
{
	struct sockaddr_in addr = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int server = 0, connect_to = 0, port = 0, phases = PH_SEND | PH_RECV | PH_RR;
	long max_seconds = 0;
	double seconds = 0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--server")) {
			server = 1;
		} else if (!strcmp(argv[i], "--connect") && i + 1 < argc) {
			if (parse_addr(argv[++i], &addr, 1))
				return bench_fail(b, 2, "--connect wants IPv4ADDR:PORT, not '%s'", argv[i]);
			connect_to = 1;
		} else if (!strcmp(argv[i], "--bind") && i + 1 < argc) {
			if (parse_addr(argv[++i], &addr, 0) || addr.sin_port)
				return bench_fail(b, 2, "--bind wants an IPv4 address, not '%s'", argv[i]);
		} else if (!strcmp(argv[i], "--port") && i + 1 < argc) {
			char *end;
			port = (int)strtol(argv[++i], &end, 10);
			if (*end || port < 1 || port > 65535)
				return bench_fail(b, 2, "--port wants 1 to 65535, not '%s'", argv[i]);
		} else if (!strcmp(argv[i], "--phases") && i + 1 < argc) {
			if (parse_phases(argv[++i], &phases))
				return bench_fail(b, 2, "--phases wants a list of send, recv, rr, not '%s'",
						  argv[i]);
		} else if (!strcmp(argv[i], "--seconds") && i + 1 < argc) {
			char *end;
			seconds = strtod(argv[++i], &end);
			if (*end || !(seconds >= 0.1 && seconds <= 3600))
				return bench_fail(b, 2, "--seconds wants 0.1 to 3600, not '%s'", argv[i]);
		} else if (!strcmp(argv[i], "--max-seconds") && i + 1 < argc) {
			char *end;
			max_seconds = strtol(argv[++i], &end, 10);
			if (*end || max_seconds < 1)
				return bench_fail(b, 2, "--max-seconds wants a positive number of seconds");
		} else {
			return bench_fail(b, 2, "unknown argument '%s'", argv[i]);
		}
	}
	if (server && connect_to)
		return bench_fail(b, 2, "--server and --connect exclude each other");
	signal(SIGPIPE, SIG_IGN);	/* an end that goes away is an error of a write */
	if (connect_to)
		return client(b, &addr, phases, seconds);
	addr.sin_port = htons((uint16_t)port);
	int lfd = listen_on(&addr, &port);
	if (lfd < 0)
		return bench_fail(b, 1, "cannot listen on %s:%d: %s", inet_ntoa(addr.sin_addr),
				  ntohs(addr.sin_port), strerror(errno));
	if (server) {
		bench_note(b, "serving on %s:%d", inet_ntoa(addr.sin_addr), port);
		fflush(stdout);
		if (max_seconds)
			alarm((unsigned)max_seconds);	/* a peer left behind ends by itself */
		accept_loop((void *)(intptr_t)lfd);
		return bench_fail(b, 1, "accept: %s", strerror(errno));
	}
	/* both ends here: the peer in a thread, over loopback */
	pthread_t th;
	if (pthread_create(&th, NULL, accept_loop, (void *)(intptr_t)lfd)) {
		close(lfd);
		return bench_fail(b, 1, "cannot start the peer's thread");
	}
	int rc = client(b, &addr, phases, seconds);
	shutdown(lfd, SHUT_RDWR);	/* ends the accept loop */
	pthread_join(th, NULL);
	close(lfd);
	return rc;
}
