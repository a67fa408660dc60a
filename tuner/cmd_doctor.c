/*
 * vmtune doctor: checks each prerequisite of a test-VM search and prints,
 * for each that fails, what fixes it. Exit 1 when a check failed.
 */
#include "vmtune.h"
#include "err.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#define HUGETLBFS_MAGIC 0x958458f6

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

static int doctor_main(int argc, char **argv)
{
	const struct cmd *c = &cmd_doctor;
	const char *uri = "qemu:///system", *storage = "/var/tmp/vmtune";
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			print_usage(c, stdout);
			return EXIT_OK;
		} else if ((!strcmp(argv[i], "--uri") || !strcmp(argv[i], "--storage")) && i + 1 < argc) {
			*(argv[i][2] == 'u' ? &uri : &storage) = argv[i + 1];
			i++;
		} else {
			return usage_error(c, "unknown argument '%s'", argv[i]);
		}
	}

	/* libvirt */
	virSetErrorFunc(NULL, quiet);
	virConnectPtr conn = virConnectOpen(uri);
	virErrorPtr e = conn ? NULL : virGetLastError();
	report(conn != NULL, "bash scripts/setup-host.sh (installs libvirt, starts virtlogd and libvirtd)",
	       "libvirt reachable at %s%s%s", uri, conn ? "" : ": ",
	       conn ? "" : e && e->message ? e->message : "no answer");

	/* the accelerator: /dev/kvm existing proves nothing; a search probes a boot */
	int kvm = !access("/dev/kvm", R_OK | W_OK);
	report(1, "", "accelerator: %s", kvm ? "/dev/kvm present: a search with accel: auto probes "
	       "whether it boots the guest, else uses TCG" : "no /dev/kvm: TCG (QEMU emulation)");

	/* QEMU's user */
	FILE *f = fopen("/etc/libvirt/qemu.conf", "r");
	char line[256];
	int user = 0;
	while (f && fgets(line, sizeof(line), f))
		user |= !strncmp(line, "user = \"libvirt-qemu\"", 21);
	if (f)
		fclose(f);
	report(user, "bash scripts/setup-host.sh (sets user = \"libvirt-qemu\" in /etc/libvirt/qemu.conf)",
	       "QEMU runs as libvirt-qemu (as root, libvirt re-probes QEMU for ~80 s per start)");

	/* hugetlbfs */
	struct statfs sf;
	int huge = !statfs("/dev/hugepages", &sf) && (unsigned long)sf.f_type == HUGETLBFS_MAGIC;
	report(huge, "mount -t hugetlbfs hugetlbfs /dev/hugepages (setup-host.sh does)",
	       "hugetlbfs mounted on /dev/hugepages (for vm.hugepages)");

	/* the guest appliance */
	char *manifest = beside_executable("build/guest/manifest");
	char kernel[128] = "";
	f = fopen(manifest, "r");
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
	.usage = "vmtune doctor [--uri URI] [--storage DIR]\n"
		 "\n"
		 "Checks libvirt, the accelerator, QEMU's user, hugetlbfs, the guest appliance,\n"
		 "gnuplot and permissions, and prints the fix of each that fails (exit 1).",
};
