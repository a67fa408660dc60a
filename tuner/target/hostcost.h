#ifndef HOSTCOST_H
#define HOSTCOST_H
/*
 * What one test VM costs its host, sampled while it runs (a thread of its
 * own, every HOSTCOST_PERIOD seconds, from the domain's start to its end),
 * each figure from a documented source:
 *   host.mem.pss_peak, _end  PSS of the domain's QEMU process, MiB:
 *                            /proc/PID/smaps_rollup, Pss plus the huge
 *                            pages it maps (Shared_ and Private_Hugetlb,
 *                            which Pss leaves out); peak and last sample
 *   host.mem.per_vm          the peak per VM: a trial of N VMs, their mean
 *   host.cpu.time            its CPU time, s: utime + stime of
 *                            /proc/PID/stat, at the last sample
 *   host.ksm.saved           KSM's saving over the window, MiB: the highest
 *                            /sys/kernel/mm/ksm/pages_sharing seen, less its
 *                            value at the start (host-wide: what every
 *                            guest of the moment shares)
 *   vm.balloon.actual        the memory the guest holds beside its balloon,
 *   guest.mem.available      MiB, and what it says of it (available,
 *   guest.mem.unused         unused): virDomainMemoryStats, last sample;
 *                            the guest's figures need its balloon driver
 *                            and <stats period>, and are left out without.
 * The QEMU process is this machine's (/run/libvirt/qemu/NAME.pid): a
 * remote host's domain gets the libvirt figures alone.
 */
#include <pthread.h>
#include <sys/types.h>
#include <libvirt/libvirt.h>
#include "target.h"

#define HOSTCOST_PERIOD 0.5

struct hostcost {
	virDomainPtr dom;
	pid_t pid;			/* 0: not this machine's */
	long page_kib;
	pthread_t thread;
	pthread_mutex_t lock;
	int running, stop;
	/* what the samples saw */
	double pss_peak, pss_end;	/* MiB; < 0: none read */
	double cpu;			/* s; < 0: none read */
	long long ksm_start, ksm_peak;	/* pages; < 0: none read */
	double actual, available, unused;	/* MiB; < 0: not given */
};

/* The pid of domain name's QEMU on this machine (/run/libvirt/qemu/NAME.pid); 0: none. */
pid_t hostcost_qemu_pid(const char *name);
/* Starts sampling dom, a domain of this machine (name: its name) when local. */
void hostcost_start(struct hostcost *h, virDomainPtr dom, const char *name, int local);
/* The balloon's size as last sampled, MiB; < 0: not given yet. */
double hostcost_actual(struct hostcost *h);
/* Stops sampling (a last sample first, when the domain still runs). */
void hostcost_stop(struct hostcost *h);
/*
 * The figures to the sink (instance: which VM, 0 one alone); what was
 * never read is left out. -1 when the sink failed.
 */
int hostcost_emit(const struct hostcost *h, int instance, const struct trial_sink *sink);
/* The i-th of these, then the guest's guest.steal; NULL past the last. */
const char *hostcost_metric_at(size_t i);
/* Whether metric is one of these (an objective may name them). */
int hostcost_metric(const char *metric);
/*
 * The trial's figure of a host metric from its instances' (n of them): the
 * sum (memory, CPU time), the mean (per_vm), the highest (KSM: host-wide).
 * 0 for "not one".
 */
int hostcost_combine(const char *metric, const double *v, size_t n, double *out);

/* This machine's available memory (/proc/meminfo MemAvailable), MiB; -1 when unknown. */
double hostcost_mem_available_mib(void);

#endif
