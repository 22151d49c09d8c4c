/* Shared by the fuzz harnesses: libFuzzer hands bytes that are not
 * NUL-terminated; the parsers that take C strings get a terminated copy. */
#ifndef WARROOM_FUZZ_H
#define WARROOM_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static inline char *fuzz_cstr(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/* Every error text must be terminated and inside its buffer. */
static inline void fuzz_check_err(const char *err, size_t len)
{
	if (!memchr(err, '\0', len))
		abort();
}

#endif
