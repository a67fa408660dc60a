#include "paths.h"
#include "../../lib/strbuf.h"

#include <stdlib.h>
#include <string.h>

char *beside_executable(const char *leaf)
{
	struct strbuf sb = STRBUF_INIT;
	char *exe = realpath("/proc/self/exe", NULL);
	char *slash = exe ? strrchr(exe, '/') : NULL;
	if (slash)
		*slash = '\0';
	strbuf_addf(&sb, "%s/%s", exe ? exe : ".", leaf);
	free(exe);
	return strbuf_detach(&sb);
}
