#ifndef PROCSTAT_H
#define PROCSTAT_H
/*
 * The first line of a Linux /proc/stat ("cpu user nice system idle iowait
 * irq softirq steal ..."): every CPU's ticks so far, and the stolen ones.
 * Read in the guest by its agent and, through the guest agent, by the host.
 */
#include <stdio.h>

/* 0 with *total and *steal from text (the file's start); -1, both 0, when it is not that line. */
static inline int procstat_cpu(const char *text, unsigned long long *total,
			       unsigned long long *steal)
{
	unsigned long long v[8];
	*total = *steal = 0;
	if (sscanf(text, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3],
		   &v[4], &v[5], &v[6], &v[7]) != 8)
		return -1;
	for (int i = 0; i < 8; i++)
		*total += v[i];
	*steal = v[7];
	return 0;
}

#endif
