#include "number.h"

#include <errno.h>
#include <stdlib.h>

int number_parse(const char *s, long lo, long hi, long *out)
{
	const char *d = s[0] == '-' ? s + 1 : s;
	char *end;
	if (*d < '0' || *d > '9' || (d[0] == '0' && d[1]) || (s[0] == '-' && d[0] == '0'))
		return -1;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (*end || errno || v < lo || v > hi)
		return -1;
	if (out)
		*out = v;
	return 0;
}
