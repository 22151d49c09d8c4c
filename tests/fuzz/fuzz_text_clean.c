/* The one cleaning of text from outside (text_clean): the first byte picks
 * the flags and a cut. Whatever the bytes, the result is valid UTF-8 with
 * no control a terminal would act on (no C0 but the kept tab and line end,
 * no DEL, no C1), cut only between characters (a prefix of the whole
 * result), what the return value says, and clean already: cleaning it again,
 * or asking text_is_clean, agrees. */
#include "fuzz.h"
#include "warroom/text.h"

static void check_text(const unsigned char *s, unsigned flags)
{
	while (*s) {
		size_t n = *s < 0x80 ? 1 : (*s & 0xe0) == 0xc0 ? 2 : (*s & 0xf0) == 0xe0 ? 3 : (*s & 0xf8) == 0xf0 ? 4 : 0;

		if (!n)
			abort();
		if (*s < 0x20 && !(*s == '\n' && (flags & TEXT_CLEAN_LINES)) && !(*s == '\t' && (flags & TEXT_CLEAN_TABS)))
			abort();
		if (*s == 0x7f || (s[0] == 0xc2 && s[1] >= 0x80 && s[1] <= 0x9f))
			abort();
		for (size_t k = 1; k < n; k++)
			if ((s[k] & 0xc0) != 0x80)
				abort();
		s += n;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned flags = size ? data[0] & 3 : 0;
	size_t cut = size ? (size_t)(data[0] >> 2) : 0;
	const char *src = size ? (const char *)data + 1 : "";
	size_t len = size ? size - 1 : 0;
	size_t need = text_clean(NULL, 0, src, len, flags);
	char *whole = malloc(need + 1), *part = malloc(cut + 1), *again;

	if (!whole || !part)
		abort();
	if (text_clean(whole, need + 1, src, len, flags) != need || strlen(whole) != need)
		abort();
	check_text((const unsigned char *)whole, flags);
	if (!text_is_clean(whole, need, flags))
		abort();
	again = text_clean_dup(whole, need, flags);
	if (!again || strcmp(again, whole) != 0)
		abort();
	/* cut: a prefix of the whole, ending between characters */
	if (cut) {
		if (text_clean(part, cut, src, len, flags) != need || strlen(part) >= cut ||
		    strncmp(part, whole, strlen(part)) != 0)
			abort();
		check_text((const unsigned char *)part, flags);
	}
	/* text without a NUL inside is clean exactly when cleaning keeps it */
	if (!memchr(src, '\0', len) && text_is_clean(src, len, flags) != (need == len && memcmp(whole, src, len) == 0))
		abort();
	free(again);
	free(whole);
	free(part);
	return 0;
}
