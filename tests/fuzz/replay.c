/*
 * Without libFuzzer: feeds a harness every file of the folders given (or
 * of tests/fuzz/corpus/NAME when none are), one TAP line each. The seeds
 * and every input a fuzzing run found and we fixed live there, so the unit
 * tier keeps them fixed.
 */
#include "fuzz.h"
#include <dirent.h>
#include <stdio.h>

#ifndef FUZZ_NAME
#error "FUZZ_NAME: the harness's name"
#endif

static int n;

static int one(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return printf("not ok %d - %s: cannot read\n", ++n, path), 1;
	size_t cap = 1 << 16, len = 0, got;
	uint8_t *buf = malloc(cap);
	while (buf && (got = fread(buf + len, 1, cap - len, f)) > 0)
		if ((len += got) == cap)
			buf = realloc(buf, cap *= 2);
	fclose(f);
	if (!buf)
		abort();
	LLVMFuzzerTestOneInput(buf, len);	/* a finding crashes here, the file named above */
	free(buf);
	printf("ok %d - %s\n", ++n, path);
	fflush(stdout);
	return 0;
}

int main(int argc, char **argv)
{
	const char *def[] = { NULL, "tests/fuzz/corpus/" FUZZ_NAME };
	int bad = 0;
	if (argc < 2) {
		argv = (char **)def;
		argc = 2;
	}
	for (int a = 1; a < argc; a++) {
		DIR *d = opendir(argv[a]);
		struct dirent *e;
		if (!d) {
			printf("not ok %d - %s: no such folder\n", ++n, argv[a]);
			bad = 1;
			continue;
		}
		while ((e = readdir(d))) {
			char path[4096];
			if (e->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/%s", argv[a], e->d_name);
			bad |= one(path);
		}
		closedir(d);
	}
	printf("1..%d\n", n);
	return bad || !n;	/* no input at all proves nothing */
}
