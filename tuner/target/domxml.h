#ifndef DOMXML_H
#define DOMXML_H
/*
 * A test VM's libvirt domain XML, built with libxml2 (never printf) from a
 * struct dom_spec, and the spec from a trial's configuration.
 *
 * The knobs (DESIGN.md, knob catalogue) a configuration may carry, with
 * what they become:
 *   vm.vcpus        <vcpu>                      vm.pinning  <vcpupin> per vCPU
 *   vm.emulatorpin  <emulatorpin>               vm.hugepages <memoryBacking>
 *   vm.cpu_model    <cpu mode=...>              vm.machine  <type machine=...>
 *   vm.vcpusched    <vcpusched>                 vm.balloon  <memballoon>
 *   vm.balloon_autodeflate, vm.balloon_freepage   <memballoon autodeflate freePageReporting>
 *   vm.balloon_target  <currentMemory>: libvirt balloons the guest down as it starts
 *   vm.cpu_shares, vm.cpu_quota   <cputune><shares>, <period> and <quota>
 *   disk.bus/cache/io/format/count/iothreads    <disk>, <driver>, <iothreads>
 *   net.model/backend/vhost/queues  <interface type='user' or 'ethernet'>, <driver>
 *                   (only when the plan measures the network)
 *   guest.*         vmtune.* words of the kernel command line
 * Knobs a configuration leaves out take the catalogue's defaults.
 */
#include <stddef.h>
#include "../../lib/space.h"
#include "../../lib/strbuf.h"

struct dom_disk {
	const char *path;
	const char *format;	/* raw, qcow2 */
	const char *bus;	/* virtio-blk, virtio-scsi, sata */
	const char *cache;	/* none, writeback, writethrough, directsync, unsafe */
	const char *io;		/* native, threads, io_uring */
	const char *discard;	/* ignore, unmap */
	int iothread;		/* 1.. or 0 for none */
};

struct dom_spec {
	const char *name;
	const char *type;	/* kvm, qemu */
	const char *machine;	/* pc, q35 */
	unsigned memory_mib, vcpus, iothreads;
	char **vcpupin;		/* vcpus cpusets, or NULL */
	char *emulatorpin;	/* cpuset, or NULL */
	const char *vcpusched;	/* NULL, fifo, rr */
	const char *hugepages;	/* NULL, 2M, 1G */
	const char *cpu_mode;	/* NULL (hypervisor default), host-passthrough, maximum */
	const char *nic;	/* NULL: none; virtio, e1000e, rtl8139, vmxnet3 */
	const char *tap;	/* NULL: QEMU user networking; else the tap libvirt makes */
	const char *nic_driver;	/* NULL, qemu, vhost (a virtio NIC on a tap) */
	unsigned nic_queues;	/* a virtio NIC's queue pairs; 0: not virtio */
	int balloon;
	int balloon_autodeflate, balloon_freepage;	/* <memballoon> attributes */
	unsigned balloon_target;	/* percent of memory_mib: <currentMemory> */
	unsigned cpu_shares;		/* <cputune><shares>; 0: libvirt's default */
	unsigned cpu_quota;		/* percent of a host CPU per vCPU; 0: none */
	const char *kernel, *initrd;
	char *cmdline;
	/*
	 * A user's image: the guest boots its own bootloader from root, an
	 * overlay (qcow2) whose backing file root_backing (of its format) is
	 * never relabelled; the guest agent's channel replaces the results
	 * channel, and data disks follow the root disk (vdb, ...).
	 */
	const char *root, *root_backing, *root_backing_format;
	const char *results_path, *console_path, *results_disk;
	/* co-located VMs: the start port's socket (QEMU listens, vmtune says go); NULL: none */
	const char *start_path;
	struct dom_disk *disks;
	size_t ndisks;
};

/* The host's CPUs in topology order: pu[i] on core[i] of package[i]. */
struct host_cpus {
	int n;
	const int *pu, *core, *package;
};

/* What the trial's VM is made of besides its configuration. */
struct vm_env {
	/*
	 * results_path: the results channel's file on this machine; or, remote
	 * hosts, results_disk: a raw volume the agent writes its lines to (disk
	 * "vdz", serial vmtune-results, written through), and console_path NULL
	 * (a pty).
	 */
	const char *name, *type, *kernel, *initrd, *results_path, *console_path, *results_disk;
	unsigned memory_mib;
	const struct host_cpus *cpus;
	char **disk_paths;	/* one per data disk, disk.count of them */
	const char *guest_words;	/* extra vmtune.* words: the benchmark plan */
	int network;		/* a NIC (net.model) to a peer */
	const char *tap;	/* the tap's name, for net.backend tap; NULL: no tap here */
	const char *root, *root_backing, *root_backing_format;	/* a user's image (dom_spec) */
	const char *start_path;	/* dom_spec */
};

/* pin[v] = the host CPU of vCPU v under layout (compact, spread, per-core); -1 if impossible. */
int domxml_layout(const char *layout, const struct host_cpus *h, unsigned vcpus, int *pin,
		  char *err);

/* The knob's value in the configuration as text, or its default; -1 outside its domain. */
int domspec_knob(const struct space *sp, const union pval *cfg, const char *name,
		 struct strbuf *out, char *err);
/* Number of data disks the configuration asks for (disk.count, default 1). */
int domspec_disk_count(const struct space *sp, const union pval *cfg);
/*
 * Fills *s from a configuration; -1 with a message when the configuration
 * cannot be met on this host (a pinning layout needing more CPUs, ...).
 * Free with domspec_release().
 */
int domspec_from_config(struct dom_spec *s, const struct space *sp, const union pval *cfg,
			const struct vm_env *env, char *err);
void domspec_release(struct dom_spec *s);

int domxml_build(const struct dom_spec *s, struct strbuf *out, char *err);

/*
 * What a domain's XML says of a VM or disk knob (vm.*, disk.*), in the
 * knob's words where the XML tells them apart ("q35" of pc-q35-7.2, "2M" of
 * 2048 KiB pages); a layout reads as its CPU sets ("vcpu0:0 vcpu1:1").
 */
int domxml_read(const char *xml, const char *knob, struct strbuf *out, char *err);

/*
 * Compares every VM and disk knob between the XML asked for and the XML
 * libvirt runs (virDomainGetXMLDesc): fn gets the knob, the value the
 * configuration asked for, the live reading, and whether the live reading
 * is the asked XML's. Returns how many differ, -1 on error (err set) or
 * when fn returns non-zero.
 */
typedef int domxml_verified_fn(void *ud, const char *knob, const char *asked, const char *actual,
			       int same);
int domxml_verify(const char *asked_xml, const char *live_xml, const struct space *sp,
		  const union pval *cfg, domxml_verified_fn *fn, void *ud, char *err);

/* A libvirt storage pool of type dir at path. */
int domxml_pool(const char *name, const char *path, struct strbuf *out, char *err);
/*
 * The name (target dev) of data disk d: vda.. on virtio-blk, sda.. on SATA
 * and SCSI; after a user's image's root disk (root: it is vda), from vdb.
 * The guest's kernel names them alike.
 */
void domxml_disk_dev(int virtio, size_t d, int root, char dev[8]);
/* A copy-on-write volume's backing file and its format (raw, qcow2). */
struct vol_backing {
	const char *path, *format;
};
/*
 * A volume of format raw, qcow2 or qcow2-prealloc (qcow2 made with metadata
 * preallocated); with backing, a qcow2 overlay of it (a trial's view of a
 * user's image).
 */
int domxml_volume(const char *name, const char *format, unsigned long long bytes,
		  const struct vol_backing *backing, struct strbuf *out, char *err);

#endif
