#ifndef KNOBS_H
#define KNOBS_H
/*
 * The knob catalogue: every knob a test-VM job may search, once. A row is
 * the knob's name (the public interface), its level, its domain (values, or
 * an integer range), its default and one line of help. The job loader
 * checks a libvirt job's parameters against it, domxml.c takes defaults and
 * domains from it, and `vmtune knobs` prints it. No value outside its
 * knob's domain reaches a kernel command line, a sysctl or a sysfs path.
 */
#include <stddef.h>

enum knob_level { KNOB_HOST, KNOB_VM, KNOB_DISK, KNOB_GUEST, KNOB_NET };

struct knob {
	const char *name;
	enum knob_level level;
	const char *def;
	const char *const values[8];	/* empty: an integer from min to max */
	long min, max;
	const char *help;
	/*
	 * How it is applied and read back: a host knob's file on the host, a
	 * guest knob's in the guest ("%s": each data disk); NULL for the VM and
	 * disk knobs (the domain XML) and guest.fs (the agent's mkfs).
	 */
	const char *path;
	/* Beside the host knobs, it changes the host itself (vm.hugepages: its page pool). */
	int host_wide;
	/* Its values are "all" or a list of vCPUs (knob_cpulist()), below max. */
	int cpulist;
};

const char *knob_level_name(enum knob_level l);
/* Whether the knob called name changes the host itself (NULL name, or none such: no). */
int knob_host_wide(const char *name);
/* A knob of the domain XML (vm, disk, net): read back from libvirt's live XML. */
int knob_in_domain(const struct knob *k);
size_t knob_count(void);
const struct knob *knob_at(size_t i);
const struct knob *knob_find(const char *name);
/* The knob whose name is nearest (edit distance <= 3); NULL when none is. */
const struct knob *knob_nearest(const char *name);
/* 0 when value is in the knob's domain; else -1 and why, in err. */
int knob_check(const struct knob *k, const char *value, char *err);
/* "KNOB not applied: asked A, got B" into err (ERR_LEN): a read-back that differs. */
void knob_mismatch(char *err, const char *knob, const char *asked, const char *got);
/*
 * A list of vCPUs in canonical form: ascending numbers and ranges, comma
 * separated ("0", "1-3", "0,2-3"), each below limit; its set in *mask and
 * its highest vCPU in *top. "all" gives mask 0 and top -1. -1 when not one.
 */
int knob_cpulist(const char *s, long limit, unsigned long long *mask, long *top);
/* The canonical list of mask ("0-1,3"), into buf. */
void knob_cpulist_format(unsigned long long mask, char *buf, size_t size);
/*
 * guest.affinity as read back from a process's CPUs (mask) in a guest of
 * ncpus: "all" when asked was all and the mask holds every CPU, else the list.
 */
void knob_affinity_reading(const char *asked, unsigned long long mask, long ncpus, char *buf,
			   size_t size);
/* A kernel file's reading in a knob's words: "always [madvise] never" -> "madvise", no newline. */
void knob_selected(char *s);
/* "none, 2M, 1G" or "0 to 200" into buf. */
void knob_domain(const struct knob *k, char *buf, size_t size);

#endif
