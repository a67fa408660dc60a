#ifndef NUMBER_H
#define NUMBER_H
/*
 * Integers as text, one way only: an optional '-', then decimal digits with
 * no leading zero ("0" itself excepted). No '+', no blank, no other base:
 * such a value is passed on as it was written (to a kernel command line, a
 * sysctl, sysfs, domain XML) and must mean one number to every reader.
 */

/* 0 with *out (may be NULL) when s is such an integer within [lo, hi]; else -1. */
int number_parse(const char *s, long lo, long hi, long *out);

#endif
