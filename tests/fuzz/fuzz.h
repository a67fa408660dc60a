#ifndef FUZZ_H
#define FUZZ_H
/*
 * The fuzzing harnesses (tests/fuzz/fuzz_*.c): each defines libFuzzer's
 * entry point. `make fuzz` builds them with clang's libFuzzer, ASan and
 * UBSan and runs each for FUZZ_SECONDS over its corpus; the unit tier builds
 * them with replay.c instead, which feeds them every seed and regression
 * input under tests/fuzz/corpus/NAME/, so a finding fixed once stays fixed
 * without clang.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The input as a C string; NULL when it holds a NUL (no text reader takes those). */
static inline char *fuzz_text(const uint8_t *data, size_t size)
{
	if (memchr(data, '\0', size))
		return NULL;
	char *s = malloc(size + 1);
	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/* A property the input broke: a crash libFuzzer reports with the input. */
#define fuzz_assert(cond) do { if (!(cond)) abort(); } while (0)

#endif
