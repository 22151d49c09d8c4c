/* URLs: endpoint_join of a configured base, an API path and query pairs, the
 * input split at NUL bytes into base, path, then names and values. A joined
 * URL must carry no raw space or control byte from the query. */
#include "fuzz.h"
#include "warroom/endpoint.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 2);
	if (!buf)
		abort();
	memcpy(buf, data, size);
	buf[size] = '\0';
	buf[size + 1] = '\0';
	const char *parts[10];
	size_t n = 0;
	for (char *p = buf; p <= buf + size && n < 10; p += strlen(p) + 1)
		parts[n++] = p;
	const char *base = n > 0 ? parts[0] : "";
	const char *path = n > 1 ? parts[1] : "";
	const char *query[9];
	size_t q = 0;
	for (size_t i = 2; i + 1 < n && q + 2 < 9; i += 2) {
		query[q++] = parts[i];
		query[q++] = parts[i + 1];
	}
	query[q] = NULL;
	char err[256];
	char *url = endpoint_join(base, path, q ? query : NULL, err, sizeof err);
	if (url)
		free(url);
	else
		fuzz_check_err(err, sizeof err);
	char *e = endpoint_escape(path);
	if (e) {
		for (const char *c = e; *c; c++)
			if ((unsigned char)*c <= ' ' || (unsigned char)*c >= 0x7f)
				abort();
		free(e);
	}
	char *form = endpoint_form(q ? query : (const char *const[]){ NULL });
	free(form);
	free(buf);
	return 0;
}
