/*
 * vmtune doctor: checks each prerequisite of a test-VM search and prints,
 * for each that fails, what fixes it. Exit 1 when a check failed.
 */
#include "vmtune.h"
#include "../../lib/clock.h"
#include "../../lib/err.h"

#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#define HUGETLBFS_MAGIC 0x958458f6
#define QEMU_CONF "/etc/libvirt/qemu.conf"
#define KVM_FIX "bash scripts/setup-host.sh (as Debian's udev rule does: chgrp kvm /dev/kvm; " \
	"chmod 0660 /dev/kvm; QEMU's user in group kvm)"

static int failed;
__attribute__((format(printf, 3, 4)))
static void report(int ok, const char *fix, const char *fmt, ...)
{
	va_list ap;
	printf("%-5s ", ok ? "ok" : "FAIL");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	if (!ok) {
		printf("      fix: %s\n", fix);
		failed++;
	}
}

static void quiet(void *ud, virErrorPtr e)
{
	(void)ud, (void)e;
}

static int on_path(const char *prog)
{
	const char *path = getenv("PATH");
	char buf[4096];
	for (const char *p = path ? path : "/usr/bin:/bin"; p && *p;) {
		const char *colon = strchr(p, ':');
		size_t n = colon ? (size_t)(colon - p) : strlen(p);
		snprintf(buf, sizeof(buf), "%.*s/%s", (int)n, p, prog);
		if (!access(buf, X_OK))
			return 1;
		p = colon ? colon + 1 : NULL;
	}
	return 0;
}

/* The value of "KEY = "VALUE"" in qemu.conf into out (empty when unset). */
static void qemu_conf(const char *key, char *out, size_t size)
{
	FILE *f = fopen(QEMU_CONF, "r");
	char line[256], k[64], v[128];
	out[0] = '\0';
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, " %63[a-z_] = \"%127[^\"]\"", k, v) == 2 && !strcmp(k, key))
			snprintf(out, size, "%s", v);
	if (f)
		fclose(f);
}

/*
 * Whether user, running with group as its group, may read and write st's
 * file. As libvirt starts QEMU: that group, the user's primary group and
 * the groups that list the user.
 */
static int user_may_rw(const struct stat *st, const char *user, const char *group)
{
	struct passwd *pw = getpwnam(user);
	struct group *gr = group[0] ? getgrnam(group) : NULL;
	gid_t groups[256];
	int n = 256, member;
	mode_t bits;

	if (!pw)
		return 0;
	if (pw->pw_uid == 0)
		return 1;
	member = gr && gr->gr_gid == st->st_gid;
	if (getgrouplist(user, pw->pw_gid, groups, &n) < 0)
		n = 256;	/* more groups than that: the first 256 are in */
	for (int i = 0; i < n; i++)
		member |= groups[i] == st->st_gid;
	if (st->st_uid == pw->pw_uid)
		bits = st->st_mode >> 6;
	else if (member)
		bits = st->st_mode >> 3;
	else
		bits = st->st_mode;
	return (bits & 06) == 06;
}

static void owner_mode(const struct stat *st, char *out, size_t size)
{
	struct passwd *pw = getpwuid(st->st_uid);
	struct group *gr = getgrgid(st->st_gid);
	char u[32], g[32];
	snprintf(u, sizeof(u), "%s", pw ? pw->pw_name : "?");
	snprintf(g, sizeof(g), "%s", gr ? gr->gr_name : "?");
	snprintf(out, size, "%s:%s %04o", u, g, (unsigned)(st->st_mode & 07777));
}

/*
 * KVM as libvirtd sees it and as QEMU's user does: where they differ,
 * libvirt 9.0 finds its QEMU capabilities stale on every call.
 */
static void check_kvm(const char *dev, const char *user, const char *group)
{
	struct stat st;
	char om[96];
	if (stat(dev, &st)) {
		report(1, "", "accelerator: no %s: TCG (QEMU emulation)", dev);
		return;
	}
	owner_mode(&st, om, sizeof(om));
	int root = !access(dev, R_OK | W_OK), qemu = user_may_rw(&st, user, group);
	if (root && !qemu)
		report(0, KVM_FIX, "%s (%s): this user can open it, QEMU's user %s cannot, so libvirt "
		       "probes QEMU again on every call (~80 s per domain start)", dev, om, user);
	else
		report(1, "", "accelerator: %s (%s) %s: a search with accel: auto probes whether it "
		       "boots the guest, else uses TCG", dev, om,
		       qemu ? "open to QEMU's user" : "closed to this user and QEMU's: TCG");
}

/*
 * Two capability lookups in a row. The first may probe QEMU (after an
 * upgrade or a fix); a second as slow means libvirt probes on every call.
 */
static void check_lookups(virConnectPtr conn, double max)
{
	double t[2];
	char *caps;
	for (int i = 0; i < 2; i++) {
		double t0 = mono();
		caps = virConnectGetDomainCapabilities(conn, NULL, NULL, NULL, NULL, 0);
		t[i] = mono() - t0;
		if (!caps) {
			virErrorPtr e = virGetLastError();
			report(0, "bash scripts/setup-host.sh (installs QEMU)",
			       "libvirt's domain capabilities: %s", e && e->message ? e->message : "none");
			return;
		}
		free(caps);
	}
	report(t[0] <= max || t[1] <= max,
	       "the likely cause: KVM access that differs between libvirtd's probe (root) and QEMU's "
	       "user; " KVM_FIX ", then run vmtune doctor again",
	       "capability lookups %.3f s, %.3f s (the slow path: over %g s each, when libvirt "
	       "probes QEMU on every call)", t[0], t[1], max);
}

/* What can take here, said, not failed: the tap path, and the boundary of an exec trial. */
static void notes(void)
{
	int tun = !access("/dev/net/tun", R_OK | W_OK), vhost = !access("/dev/vhost-net", R_OK | W_OK);
	struct stat st;
	int jail = !geteuid() && !stat("/sys/fs/cgroup/freezer", &st) && S_ISDIR(st.st_mode);
	printf("%-5s /dev/net/tun: %s\n", tun ? "ok" : "note",
	       tun ? "there (net.backend tap)" : "missing: a trial with net.backend tap fails (modprobe tun)");
	printf("%-5s /dev/vhost-net: %s\n", vhost ? "ok" : "note", vhost ? "there (net.vhost on)"
	       : "missing: a trial with net.vhost on fails as not applied (modprobe vhost_net)");
	printf("%-5s exec trials' processes: %s\n", jail ? "ok" : "note", jail
	       ? "each trial's in a freezer cgroup of its own: they all end with it"
	       : "no freezer cgroup to put them in (root and cgroup v1's freezer): a process that "
		 "leaves its group and clears VMTUNE_CONFIG can outlive its trial");
}

static const struct option long_opts[] = {
	{ "uri", required_argument, NULL, 'u' },
	{ "storage", required_argument, NULL, 's' },
	{ "kvm", required_argument, NULL, 'k' },
	{ "max-lookup", required_argument, NULL, 'm' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static int doctor_main(int argc, char **argv)
{
	const struct cmd *c = &cmd_doctor;
	const char *uri = "qemu:///system", *storage = "/var/tmp/vmtune", *kvmdev = "/dev/kvm";
	double max_lookup = 1;
	char *end;
	int opt;

	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":h", long_opts, NULL)) != -1) {
		switch (opt) {
		case 'u': uri = optarg; break;
		case 's': storage = optarg; break;
		case 'k': kvmdev = optarg; break;
		case 'm':
			max_lookup = strtod(optarg, &end);
			if (end == optarg || *end || !(max_lookup >= 0 && max_lookup <= 3600))
				return usage_error(c, "--max-lookup is seconds from 0 to 3600, e.g. 1");
			break;
		case 'h': print_usage(c, stdout); return EXIT_OK;
		case ':': return usage_error(c, "'%s' needs a value", argv[optind - 1]);
		default: return usage_error(c, "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return usage_error(c, "unexpected argument '%s'", argv[optind]);

	/* libvirt */
	virSetErrorFunc(NULL, quiet);
	virConnectPtr conn = virConnectOpen(uri);
	virErrorPtr e = conn ? NULL : virGetLastError();
	report(conn != NULL, "bash scripts/setup-host.sh (installs libvirt, starts virtlogd and libvirtd)",
	       "libvirt reachable at %s%s%s", uri, conn ? "" : ": ",
	       conn ? "" : e && e->message ? e->message : "no answer");
	if (conn)
		check_lookups(conn, max_lookup);

	/* QEMU's user, and KVM as it sees it */
	char user[128], group[128];
	qemu_conf("user", user, sizeof(user));
	qemu_conf("group", group, sizeof(group));
	report(!strcmp(user, "libvirt-qemu"),
	       "bash scripts/setup-host.sh (sets user = \"libvirt-qemu\" in " QEMU_CONF ")",
	       "QEMU runs as libvirt-qemu (as root, libvirt re-probes QEMU for ~80 s per start)");
	check_kvm(kvmdev, user[0] ? user : "libvirt-qemu", group);

	/* hugetlbfs */
	struct statfs sf;
	int huge = !statfs("/dev/hugepages", &sf) && (unsigned long)sf.f_type == HUGETLBFS_MAGIC;
	report(huge, "mount -t hugetlbfs hugetlbfs /dev/hugepages (setup-host.sh does)",
	       "hugetlbfs mounted on /dev/hugepages (for vm.hugepages)");

	notes();

	/* the guest appliance */
	char *manifest = beside_executable("build/guest/manifest");
	char line[256], kernel[128] = "";
	FILE *f = fopen(manifest, "r");
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "kernel %127s", kernel) == 1)
			break;
	if (f)
		fclose(f);
	report(kernel[0] != 0, "make guest (needs network to Debian's archive for apt-get download)",
	       "guest appliance %s%s%s", manifest, kernel[0] ? ": kernel " : " missing", kernel);
	free(manifest);

	/* reports */
	report(on_path("gnuplot"), "apt-get install gnuplot-nox", "gnuplot on PATH (for reports)");

	/* permissions */
	struct stat st;
	int dir = !stat(storage, &st) && S_ISDIR(st.st_mode) && !access(storage, W_OK);
	report(dir || (errno == ENOENT && !access("/var/tmp", W_OK)),
	       "mkdir -p the storage folder, writable by this user",
	       "storage %s writable%s", storage, dir ? "" : " (it will be created)");
	report(!geteuid(), "run searches of the test VM as root (host knobs, huge pages, libvirt)",
	       "running as root");
	if (conn)
		virConnectClose(conn);
	printf("%s\n", failed ? "some checks failed: see the fixes above" : "all checks passed");
	return failed ? EXIT_CHECK : EXIT_OK;
}

const struct cmd cmd_doctor = {
	.name = "doctor",
	.fn = doctor_main,
	.summary = "check the prerequisites of a test-VM search",
	.usage = "vmtune doctor [--uri URI] [--storage DIR] [--kvm DEVICE] [--max-lookup SECONDS]\n"
		 "\n"
		 "Checks libvirt, the speed of its capability lookups (two in a row, each over\n"
		 "--max-lookup seconds, default 1, is the slow path: libvirt probing QEMU on every\n"
		 "call), QEMU's user and its access to KVM (--kvm, default /dev/kvm), hugetlbfs,\n"
		 "the guest appliance, gnuplot and permissions, and prints the fix of each that\n"
		 "fails (exit 1). /dev/net/tun and /dev/vhost-net (net.backend tap, net.vhost on)\n"
		 "are noted, not failed: a search without those knobs needs neither.",
};
