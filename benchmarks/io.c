/*
 * io: storage with O_DIRECT, on the files or block devices given (never any
 * other), all of them driven at once, one thread each; figures are summed
 * over devices (latencies pooled).
 *
 *   io.randread.qd1 / .qd32    4 KiB random reads, IOPS
 *   io.randwrite.qd1 / .qd32   4 KiB random writes, IOPS
 *   io.seqread / io.seqwrite   1 MiB sequential at queue depth 4, MB/s
 *   io.fsync.p50 / .p99        fsync after a 4 KiB write, microseconds
 *
 * Engine: io_uring (liburing) keeping the queue full; where io_uring cannot
 * be set up, one thread per queue slot with pread/pwrite. A regular file is
 * created or extended (with random data, so reads are of real blocks) to
 * --size; a block device is refused when it or a partition of it is mounted,
 * used as swap or held by another device.
 *   PATH... [--size BYTES]   (default 1 GiB; 64 MiB in quick mode)
 *           [--phases LIST]  only these, e.g. randread.qd32,seqread
 */
#include "bench.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/fs.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <liburing.h>

#define MAX_DEVS 64
#define QUICK_SIZE (64LL << 20)
#define FULL_SIZE (1LL << 30)
#define SEQ_BS (1 << 20)
#define SEQ_QD 4
#define MAX_QD 32
#define MAX_FSYNCS 200000

struct phase {
	const char *metric, *unit;
	int write, random, qd, fsync;
	size_t bs;
};

static const struct phase phases[] = {
	{ "io.randread.qd1", "IOPS", 0, 1, 1, 0, 4096 },
	{ "io.randread.qd32", "IOPS", 0, 1, 32, 0, 4096 },
	{ "io.randwrite.qd1", "IOPS", 1, 1, 1, 0, 4096 },
	{ "io.randwrite.qd32", "IOPS", 1, 1, 32, 0, 4096 },
	{ "io.seqread", "MB/s", 0, 0, SEQ_QD, 0, SEQ_BS },
	{ "io.seqwrite", "MB/s", 1, 0, SEQ_QD, 0, SEQ_BS },
	{ "io.fsync", "us", 1, 1, 1, 1, 4096 },
};
#define NPHASES (sizeof(phases) / sizeof(*phases))

struct dev {
	const char *path;
	int fd;
	long long size;
	/* results of the current phase */
	uint64_t ops;
	double seconds;
	double *lat;
	size_t nlat;
	char err[256];
};

struct run {
	struct dev *dev;
	int ndev;
	const struct phase *ph;
	double seconds;
	int use_uring;
};

static void *aligned_buf(size_t bs, uint64_t seed)
{
	void *p;
	if (posix_memalign(&p, 4096, bs))
		return NULL;
	for (size_t i = 0; i < bs; i += 8) {
		uint64_t r = bench_rand(&seed);
		memcpy((char *)p + i, &r, 8);
	}
	return p;
}

static long long next_offset(const struct phase *ph, long long size, uint64_t *rng, long long *seq)
{
	long long blocks = size / (long long)ph->bs;
	if (ph->random)
		return (long long)(bench_rand(rng) % (uint64_t)blocks) * (long long)ph->bs;
	long long off = *seq;
	*seq = (off + (long long)ph->bs) % (blocks * (long long)ph->bs);
	return off;
}

static void prep(struct io_uring *ring, const struct phase *ph, struct dev *d, void *buf, int slot,
		 uint64_t *rng, long long *seq)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(ring);
	long long off = next_offset(ph, d->size, rng, seq);
	if (ph->write)
		io_uring_prep_write(sqe, d->fd, buf, (unsigned)ph->bs, (uint64_t)off);
	else
		io_uring_prep_read(sqe, d->fd, buf, (unsigned)ph->bs, (uint64_t)off);
	io_uring_sqe_set_data64(sqe, (uint64_t)slot);
}

/*
 * Keeps qd requests in flight the way fio's io_uring engine does by default:
 * each completion is reaped from the ring (a system call only when the ring
 * is empty) and its replacement submitted at once. Batching both would
 * report more IOPS where the CPU, not the disk, is the limit, and no longer
 * be comparable with what people measure with fio.
 */
static int run_uring(struct dev *d, const struct phase *ph, double seconds, uint64_t seed)
{
	struct io_uring ring;
	void *buf[MAX_QD] = { 0 };
	uint64_t rng = seed;
	long long seq = 0;
	int inflight = 0, stopping = 0, rc = io_uring_queue_init((unsigned)ph->qd, &ring, 0);
	if (rc < 0)
		return snprintf(d->err, sizeof(d->err), "io_uring: %s", strerror(-rc)), -1;
	for (int i = 0; i < ph->qd; i++)
		if (!(buf[i] = aligned_buf(ph->bs, seed + (uint64_t)i))) {
			snprintf(d->err, sizeof(d->err), "out of memory");
			goto out;
		}
	double t0 = bench_now(), deadline = t0 + seconds;
	for (int i = 0; i < ph->qd; i++, inflight++)
		prep(&ring, ph, d, buf[i], i, &rng, &seq);
	io_uring_submit(&ring);
	while (inflight) {
		struct io_uring_cqe *cqe;
		rc = io_uring_wait_cqe(&ring, &cqe);
		if (rc == -EINTR)
			continue;
		if (rc < 0) {
			snprintf(d->err, sizeof(d->err), "io_uring: %s", strerror(-rc));
			break;
		}
		int slot = (int)io_uring_cqe_get_data64(cqe), res = cqe->res;
		io_uring_cqe_seen(&ring, cqe);
		inflight--;
		if (res != (int)ph->bs) {
			if (!d->err[0])
				snprintf(d->err, sizeof(d->err), "%s at queue depth %d: %s",
					 ph->write ? "write" : "read", ph->qd,
					 res < 0 ? strerror(-res) : "short transfer");
			stopping = 1;
			continue;
		}
		d->ops++;
		if (!stopping && bench_now() >= deadline)
			stopping = 1;
		if (!stopping) {
			prep(&ring, ph, d, buf[slot], slot, &rng, &seq);
			io_uring_submit(&ring);
			inflight++;
		}
	}
	d->seconds = bench_now() - t0;
out:
	io_uring_queue_exit(&ring);
	for (int i = 0; i < ph->qd; i++)
		free(buf[i]);
	return d->err[0] ? -1 : 0;
}

/* The fallback: qd threads, each with its own buffer, synchronous calls. */
struct sync_arg {
	struct dev *d;
	const struct phase *ph;
	double deadline;
	uint64_t seed;
	_Atomic uint64_t *ops;
	pthread_mutex_t *lock;
};

static void *sync_worker(void *p)
{
	struct sync_arg *a = p;
	uint64_t rng = a->seed;
	long long seq = (long long)(a->seed % 4) * (long long)a->ph->bs;
	void *buf = aligned_buf(a->ph->bs, a->seed);
	if (!buf)
		return NULL;
	while (bench_now() < a->deadline && !a->d->err[0]) {
		long long off = next_offset(a->ph, a->d->size, &rng, &seq);
		ssize_t n = a->ph->write ? pwrite(a->d->fd, buf, a->ph->bs, off)
					 : pread(a->d->fd, buf, a->ph->bs, off);
		if (n != (ssize_t)a->ph->bs) {
			pthread_mutex_lock(a->lock);
			snprintf(a->d->err, sizeof(a->d->err), "%s: %s", a->ph->write ? "write" : "read",
				 n < 0 ? strerror(errno) : "short transfer");
			pthread_mutex_unlock(a->lock);
			break;
		}
		atomic_fetch_add(a->ops, 1);
	}
	free(buf);
	return NULL;
}

static int run_sync(struct dev *d, const struct phase *ph, double seconds, uint64_t seed)
{
	pthread_t tid[MAX_QD];
	struct sync_arg arg[MAX_QD];
	_Atomic uint64_t ops = 0;
	pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	double t0 = bench_now();
	int n = 0;
	for (int i = 0; i < ph->qd; i++) {
		arg[i] = (struct sync_arg){ d, ph, t0 + seconds, seed + (uint64_t)i * 7919, &ops, &lock };
		if (pthread_create(&tid[i], NULL, sync_worker, &arg[i]))
			break;
		n++;
	}
	for (int i = 0; i < n; i++)
		pthread_join(tid[i], NULL);
	d->ops = ops;
	d->seconds = bench_now() - t0;
	if (n < ph->qd && !d->err[0])
		snprintf(d->err, sizeof(d->err), "cannot start %d threads", ph->qd);
	return d->err[0] ? -1 : 0;
}

static int run_fsync(struct dev *d, const struct phase *ph, double seconds, uint64_t seed)
{
	uint64_t rng = seed;
	long long seq = 0;
	void *buf = aligned_buf(ph->bs, seed);
	double t0 = bench_now(), deadline = t0 + seconds;
	if (!buf || !(d->lat = malloc(MAX_FSYNCS * sizeof(double))))
		return snprintf(d->err, sizeof(d->err), "out of memory"), free(buf), -1;
	while (d->nlat < MAX_FSYNCS && (bench_now() < deadline || d->nlat < 10)) {
		long long off = next_offset(ph, d->size, &rng, &seq);
		if (pwrite(d->fd, buf, ph->bs, off) != (ssize_t)ph->bs) {
			snprintf(d->err, sizeof(d->err), "write: %s", strerror(errno));
			break;
		}
		double t = bench_now();
		if (fsync(d->fd)) {
			snprintf(d->err, sizeof(d->err), "fsync: %s", strerror(errno));
			break;
		}
		d->lat[d->nlat++] = (bench_now() - t) * 1e6;
	}
	d->ops = d->nlat;
	d->seconds = bench_now() - t0;
	free(buf);
	return d->err[0] ? -1 : 0;
}

static void phase_worker(int i, void *arg)
{
	struct run *r = arg;
	struct dev *d = &r->dev[i];
	uint64_t seed = 0x5eed + (uint64_t)i * 104729;
	d->ops = 0;
	d->seconds = 0;
	d->err[0] = '\0';
	if (r->ph->fsync)
		run_fsync(d, r->ph, r->seconds, seed);
	else if (r->use_uring)
		run_uring(d, r->ph, r->seconds, seed);
	else
		run_sync(d, r->ph, r->seconds, seed);
}

/* ---- safety and preparation -------------------------------------------- */

static int sysfs_dev_path(dev_t dev, char *out, size_t len)
{
	char p[64];
	snprintf(p, sizeof(p), "/sys/dev/block/%u:%u", major(dev), minor(dev));
	return realpath(p, out) && strlen(out) < len ? 0 : -1;
}

/* Why the block device cannot be written, or NULL. */
static const char *device_busy(dev_t rdev, char *why, size_t len)
{
	char me[PATH_MAX], other[PATH_MAX], line[4096];
	FILE *f;
	if (sysfs_dev_path(rdev, me, sizeof(me)))
		return snprintf(why, len, "not a known block device"), why;
	size_t mlen = strlen(me);
	if ((f = fopen("/proc/self/mountinfo", "r"))) {
		while (fgets(line, sizeof(line), f)) {
			unsigned ma, mi;
			if (sscanf(line, "%*d %*d %u:%u", &ma, &mi) != 2)
				continue;
			if (sysfs_dev_path(makedev(ma, mi), other, sizeof(other)))
				continue;
			if (!strcmp(other, me) || (!strncmp(other, me, mlen) && other[mlen] == '/')) {
				fclose(f);
				snprintf(why, len, "it or a partition of it is mounted (%u:%u)", ma, mi);
				return why;
			}
		}
		fclose(f);
	}
	if ((f = fopen("/proc/swaps", "r"))) {
		while (fgets(line, sizeof(line), f)) {
			char path[PATH_MAX];
			struct stat st;
			if (sscanf(line, "%4095s", path) == 1 && !stat(path, &st) && S_ISBLK(st.st_mode) &&
			    !sysfs_dev_path(st.st_rdev, other, sizeof(other)) &&
			    (!strcmp(other, me) || (!strncmp(other, me, mlen) && other[mlen] == '/'))) {
				fclose(f);
				return snprintf(why, len, "it is used as swap (%s)", path), why;
			}
		}
		fclose(f);
	}
	snprintf(other, sizeof(other), "%s/holders", me);
	DIR *dir = opendir(other);
	if (dir) {
		struct dirent *e;
		while ((e = readdir(dir)))
			if (e->d_name[0] != '.') {
				snprintf(why, len, "it is held by %s", e->d_name);
				closedir(dir);
				return why;
			}
		closedir(dir);
	}
	return NULL;
}

/* Creates or extends a regular file to size bytes of random data. */
static int fill_file(const char *path, long long size, char *err, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	struct stat st;
	if (fd < 0 || fstat(fd, &st))
		return snprintf(err, len, "%s: %s", path, strerror(errno)), fd >= 0 ? close(fd) : 0, -1;
	char *buf = aligned_buf(SEQ_BS, (uint64_t)st.st_ino);
	if (!buf)
		return close(fd), snprintf(err, len, "out of memory"), -1;
	for (long long off = st.st_size / SEQ_BS * SEQ_BS; off < size; off += SEQ_BS) {
		buf[0] ^= (char)off;
		if (pwrite(fd, buf, SEQ_BS, off) != SEQ_BS) {
			snprintf(err, len, "%s: cannot write: %s", path, strerror(errno));
			free(buf);
			close(fd);
			return -1;
		}
	}
	free(buf);
	if (fsync(fd) || close(fd))
		return snprintf(err, len, "%s: %s", path, strerror(errno)), -1;
	return 0;
}

static int prepare(const struct bench_ctx *b, struct dev *d, long long size, int size_given)
{
	struct stat st;
	char why[PATH_MAX + 64];
	if (stat(d->path, &st) && errno != ENOENT)
		return bench_fail(b, 1, "%s: %s", d->path, strerror(errno));
	if (errno == ENOENT || S_ISREG(st.st_mode)) {
		if (fill_file(d->path, size, why, sizeof(why)))
			return bench_fail(b, 1, "%s", why);
		d->size = size;
	} else if (S_ISBLK(st.st_mode)) {
		if (device_busy(st.st_rdev, why, sizeof(why)))
			return bench_fail(b, 1, "%s: refusing the device: %s", d->path, why);
	} else {
		return bench_fail(b, 2, "%s: neither a regular file nor a block device", d->path);
	}
	d->fd = open(d->path, O_RDWR | O_DIRECT | O_CLOEXEC);
	if (d->fd < 0)
		return bench_fail(b, 1, "%s: %s%s", d->path, errno == EINVAL ? "no O_DIRECT here: " : "",
				  strerror(errno));
	if (S_ISBLK(st.st_mode)) {
		uint64_t bytes = 0;
		if (ioctl(d->fd, BLKGETSIZE64, &bytes))
			return bench_fail(b, 1, "%s: cannot read its size: %s", d->path, strerror(errno));
		d->size = size_given && size < (long long)bytes ? size : (long long)bytes;
	}
	d->size -= d->size % SEQ_BS;
	if (d->size < 4LL * SEQ_BS)
		return bench_fail(b, 1, "%s: too small (%lld bytes)", d->path, d->size);
	return 0;
}

/* Is name (such as "randread.qd32") in the comma-separated list? */
static int phase_listed(const char *list, const char *name)
{
	size_t n = strlen(name);
	for (const char *s = list; s; s = strchr(s, ',') ? strchr(s, ',') + 1 : NULL)
		if (!strncmp(s, name, n) && (s[n] == ',' || !s[n]))
			return 1;
	return 0;
}

int bench_io(struct bench_ctx *b, int argc, char **argv)
{
	struct dev dev[MAX_DEVS];
	int ndev = 0, size_given = 0, nrun = 0;
	const char *only = NULL;
	long long size = b->quick ? QUICK_SIZE : FULL_SIZE;
	struct io_uring probe;

	memset(dev, 0, sizeof(dev));
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--size") && i + 1 < argc) {
			if ((size = bench_parse_size(argv[++i])) < 4LL * SEQ_BS)
				return bench_fail(b, 2, "--size wants at least 4M");
			size_given = 1;
		} else if (!strcmp(argv[i], "--phases") && i + 1 < argc) {
			only = argv[++i];
		} else if (argv[i][0] == '-') {
			return bench_fail(b, 2, "unknown argument '%s'", argv[i]);
		} else if (ndev == MAX_DEVS) {
			return bench_fail(b, 2, "at most %d paths", MAX_DEVS);
		} else {
			dev[ndev++].path = argv[i];
		}
	}
	if (!ndev)
		return bench_fail(b, 2, "which file or device? (vmbench io PATH...)");
	for (int i = 0; i < ndev; i++) {
		int rc = prepare(b, &dev[i], size, size_given);
		if (rc)
			return rc;
	}
	int use_uring = io_uring_queue_init(MAX_QD, &probe, 0) == 0;
	if (use_uring)
		io_uring_queue_exit(&probe);
	int selected[NPHASES];
	for (size_t p = 0; p < NPHASES; p++) {
		selected[p] = !only || phase_listed(only, phases[p].metric + 3);
		nrun += selected[p];
	}
	if (!nrun)
		return bench_fail(b, 2, "--phases names none of randread.qd1, randread.qd32, "
				  "randwrite.qd1, randwrite.qd32, seqread, seqwrite, fsync");
	double seconds = b->budget * 0.9 / nrun;
	/* as fio: the scheduler places submitters, near the disk's interrupts if it likes */
	b->unpinned = 1;
	for (size_t p = 0; p < NPHASES; p++) {
		if (!selected[p])
			continue;
		struct run r = { dev, ndev, &phases[p], seconds, use_uring };
		bench_parallel(b, ndev, phase_worker, &r);
		for (int i = 0; i < ndev; i++)
			if (dev[i].err[0])
				return bench_fail(b, 1, "%s: %s", dev[i].path, dev[i].err);
		if (phases[p].fsync) {
			size_t n = 0;
			for (int i = 0; i < ndev; i++)
				n += dev[i].nlat;
			double *all = malloc(n * sizeof(double));
			if (!all)
				return bench_fail(b, 1, "out of memory");
			n = 0;
			for (int i = 0; i < ndev; i++) {
				memcpy(all + n, dev[i].lat, dev[i].nlat * sizeof(double));
				n += dev[i].nlat;
				free(dev[i].lat);
			}
			bench_metric(b, "io.fsync.p50", bench_percentile(all, n, 50), "us", "lower", 0);
			bench_metric(b, "io.fsync.p99", bench_percentile(all, n, 99), "us", "lower", 0);
			free(all);
			continue;
		}
		double rate = 0;
		for (int i = 0; i < ndev; i++)
			rate += (double)dev[i].ops / dev[i].seconds;
		if (phases[p].bs == SEQ_BS)
			rate *= SEQ_BS / 1e6;
		bench_metric(b, phases[p].metric, rate, phases[p].unit, "higher", 0);
	}
	bench_note(b, "%s, %d path%s, %lld MiB each, O_DIRECT", use_uring ? "io_uring" :
		   "threads with pread/pwrite (no io_uring)", ndev, ndev > 1 ? "s" : "",
		   dev[0].size >> 20);
	for (int i = 0; i < ndev; i++)
		close(dev[i].fd);
	return 0;
}
