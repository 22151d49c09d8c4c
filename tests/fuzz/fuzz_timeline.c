/* Timeline detail JSON: cleaning (one compact, redacted object), the fields
 * the detail view shows, and the redaction of free text. A cleaned detail
 * must still be one object the field view reads, and redaction is
 * idempotent: a second pass over redacted text changes nothing. */
#include "fuzz.h"
#include "warroom/timeline.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_cstr(data, size);
	char err[256];
	char *clean = timeline_detail_clean(s, err, sizeof err);
	if (clean) {
		static struct timeline_field f[16];
		int n = timeline_detail_fields(clean, f, 16);
		if (n < 0)
			abort();
		for (int i = 0; i < n && i < 16; i++)
			if (!memchr(f[i].key, '\0', sizeof f[i].key) || !memchr(f[i].value, '\0', sizeof f[i].value))
				abort();
		char *again = timeline_detail_clean(clean, err, sizeof err);
		if (!again)
			abort();
		free(again);
		free(clean);
	} else {
		fuzz_check_err(err, sizeof err);
	}
	static struct timeline_field g[4];
	(void)timeline_detail_fields(s, g, 4);
	char *r = timeline_redact(s);
	if (r) {
		if (strlen(r) > 16 * size + 64)
			abort();
		char *r2 = timeline_redact(r);
		if (r2 && strcmp(r, r2) != 0)
			abort();
		free(r2);
		free(r);
	}
	free(s);
	return 0;
}
