#ifndef TARGET_LIBVIRT_H
#define TARGET_LIBVIRT_H
/*
 * The libvirt target's parts in files of their own: its check_space()
 * (knobspace.c), and its default data disk size.
 */
#include <stddef.h>
#include "target.h"

/* The data disks and the guest's memory when disk_size and memory are not set (MiB). */
#define LIBVIRT_DISK_MIB 256
#define LIBVIRT_MEMORY_MIB 1024
#define LIBVIRT_MAX_INSTANCES 64	/* instances: co-located VMs of one trial */
/* The guest's plan when the job lists no benchmarks. */
#define LIBVIRT_BENCHMARKS "cpu,membw,memlat,tlb,io,pingpong"

/* Every parameter a knob of the catalogue, every value in its domain (knobspace.c). */
/* The catalogue's rules over a job's knobs, as forbidden clauses (knobspace.c). */
void libvirt_space_rules(struct space *sp, const struct target_setting *s, size_t n);
int libvirt_check_space(const struct space *sp, const struct objective *obj,
			const struct target_setting *s, size_t n, const struct workload *wl,
			struct space_fault *at, char *err);

#endif
