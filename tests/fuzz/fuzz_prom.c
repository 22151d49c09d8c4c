/* Prometheus answers: prom_parse_response and prom_parse_matrix (range
 * queries) over status and Content-Type chosen by the first byte, and
 * prom_parse_value on the body. A matrix keeps its series within bounds,
 * each with as many times as values. */
#include <math.h>
#include <stdio.h>

#include "fuzz.h"
#include "warroom/prom.h"

static const long statuses[] = { 200, 400, 422, 500, 503, 302, 0, 204 };
static const char *const types[] = { "application/json", "text/html; charset=utf-8", NULL, "text/plain", "" };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned sel = size ? data[0] : 0;
	const char *body = size ? (const char *)data + 1 : "";
	size_t len = size ? size - 1 : 0;
	char err[256];
	double v;
	struct prom_answer a;

	prom_parse_value(body, len, &v, err, sizeof err);
	fuzz_check_err(err, sizeof err);
	memset(&a, 0, sizeof a);
	err[0] = '\0';
	prom_parse_response(statuses[sel % 8], types[(sel >> 3) % 5], body, len, &a, err, sizeof err);
	fuzz_check_err(err, sizeof err);
	if (a.err && strlen(a.err) > 4096)
		abort();
	/* A short error buffer must still be terminated. */
	char tiny[8];
	prom_parse_response(statuses[sel % 8], types[(sel >> 3) % 5], body, len, &a, tiny, sizeof tiny);
	fuzz_check_err(tiny, sizeof tiny);
	struct prom_matrix m;
	memset(&m, 0, sizeof m);
	err[0] = '\0';
	prom_parse_matrix(statuses[sel % 8], types[(sel >> 3) % 5], body, len, &m, err, sizeof err);
	fuzz_check_err(err, sizeof err);
	if (m.ns > PROM_SERIES_MAX || (m.ns && !m.s))
		abort();
	for (size_t i = 0; i < m.ns; i++)
		if (m.s[i].n && (!m.s[i].t_ms || !m.s[i].v))
			abort();
	for (size_t i = 0; i < m.ns; i++)
		(void)prom_series_label(&m.s[i], "job");
	prom_matrix_free(&m);
	char *s = fuzz_cstr((const uint8_t *)body, len);
	(void)prom_parse_number(s);
	free(s);
	return 0;
}
