#ifndef CLOCK_H
#define CLOCK_H
/* Seconds on the monotonic clock: for durations, never for dates. */
#include <time.h>

static inline double mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

#endif
