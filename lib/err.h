#ifndef ERR_H
#define ERR_H
/*
 * Error reporting for modules that never print (redis anet.c style): the
 * caller passes a buffer of ERR_LEN bytes, a failing function returns -1 and
 * leaves a one-line, lower-case message without a full stop in it.
 * A NULL buffer is allowed and means "don't tell me".
 */
#include <stdio.h>

#define ERR_LEN 512

#define seterr(err, ...) \
	((err) ? (void)snprintf((err), ERR_LEN, __VA_ARGS__) : (void)0)

#endif
