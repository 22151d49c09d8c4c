/* prom_parse — Prometheus answers read, with no request in sight: the
 * envelope (status, errorType, error, warnings), numbers as Prometheus
 * writes them ("NaN", "+Inf"), one [time, "value"] sample, and an instant
 * query's one number from a scalar or a vector; the words for every way an
 * answer can be wrong, HTML from a proxy and empty bodies included. Pure
 * functions over the body's bytes, the fuzzers' surface: the series reader
 * (prom_series.c) builds on it, the requests (prom.c) and the poller
 * (prom_poller.c) above both. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cJSON.h>

#include "warroom/prom.h"
#include "warroom/text.h"

#include "prom_priv.h"

double prom_parse_number(const char *s)
{
	char *end;
	double v;

	if (!s)
		return NAN;
	if (strcasecmp(s, "NaN") == 0)
		return NAN;
	if (strcmp(s, "+Inf") == 0 || strcmp(s, "Inf") == 0)
		return INFINITY;
	if (strcmp(s, "-Inf") == 0)
		return -INFINITY;
	v = strtod(s, &end);
	return (end == s || *end) ? NAN : v;
}

/* What a JSON value is, for words: "a number", "an object". */
const char *prom_priv_json_kind(const cJSON *v)
{
	if (!v)
		return "missing";
	if (cJSON_IsString(v))
		return "a string";
	if (cJSON_IsNumber(v))
		return "a number";
	if (cJSON_IsBool(v))
		return "a boolean";
	if (cJSON_IsNull(v))
		return "null";
	if (cJSON_IsArray(v))
		return "an array";
	if (cJSON_IsObject(v))
		return "an object";
	return "unreadable";
}

/* A [time, "value"] pair's value; -1 with words when it is not one. */
int prom_priv_sample(const cJSON *pair, const char *what, double *out, char *err, size_t errlen)
{
	const cJSON *v;

	if (!cJSON_IsArray(pair) || cJSON_GetArraySize(pair) != 2) {
		snprintf(err, errlen, "Prometheus %s is %s, not a [time, value] pair", what,
		         cJSON_IsArray(pair) ? "an array of another length" : prom_priv_json_kind(pair));
		return -1;
	}
	v = cJSON_GetArrayItem(pair, 1);
	if (!cJSON_IsString(v)) {
		snprintf(err, errlen, "Prometheus %s value is %s, not a string", what, prom_priv_json_kind(v));
		return -1;
	}
	*out = prom_parse_number(v->valuestring);
	if (isnan(*out) && strcasecmp(v->valuestring, "NaN") != 0) {
		snprintf(err, errlen, "Prometheus %s value \"%.40s\" is not a number", what, v->valuestring);
		return -1;
	}
	return 0;
}

/* The answer's JSON when Prometheus says success (its warnings copied), or
 * NULL with words: the same words prom_parse_response has. */
cJSON *prom_priv_open_answer(long status, const char *ctype, const char *body, size_t len, bool *answered,
                          char *warnings, size_t wlen, char *err, size_t errlen)
{
	struct prom_answer a;
	cJSON *root;
	const cJSON *st, *w, *it;

	*answered = false;
	if (warnings && wlen)
		warnings[0] = '\0';
	root = body && !text_looks_html(ctype, body, len) ? cJSON_ParseWithLength(body, len) : NULL;
	st = cJSON_IsObject(root) ? cJSON_GetObjectItemCaseSensitive(root, "status") : NULL;
	if (!cJSON_IsString(st) || strcmp(st->valuestring, "success") != 0) {
		cJSON_Delete(root);
		/* not a success: the instant parser has the words for every case */
		prom_parse_response(status, ctype, body, len, &a, err, errlen);
		*answered = a.answered;
		if (!err[0])
			snprintf(err, errlen, "Prometheus answered no result");
		return NULL;
	}
	*answered = true;
	w = cJSON_GetObjectItemCaseSensitive(root, "warnings");
	cJSON_ArrayForEach(it, (cJSON_IsArray(w) ? w : NULL)) {
		size_t o = warnings ? strlen(warnings) : 0;

		if (cJSON_IsString(it) && warnings && o + 3 < wlen)
			snprintf(warnings + o, wlen - o, "%s%s", o ? "; " : "", it->valuestring);
	}
	return root;
}

/* The envelope of a parsed answer; *empty when a vector had no series. */
static int parse_envelope(const cJSON *root, double *out, bool *empty, char *err, size_t errlen)
{
	const cJSON *status, *data, *type, *result;

	*out = NAN;
	*empty = false;
	status = cJSON_GetObjectItemCaseSensitive(root, "status");
	if (!cJSON_IsString(status)) {
		snprintf(err, errlen, "Prometheus answer's status is %s, not a string (is this the Prometheus API?)",
		         prom_priv_json_kind(status));
		return -1;
	}
	if (strcmp(status->valuestring, "success") != 0) {
		const cJSON *et = cJSON_GetObjectItemCaseSensitive(root, "errorType");
		const cJSON *e = cJSON_GetObjectItemCaseSensitive(root, "error");

		snprintf(err, errlen, "Prometheus: %s: %s", cJSON_IsString(et) ? et->valuestring : status->valuestring,
		         cJSON_IsString(e) && e->valuestring[0] ? e->valuestring : "no reason given");
		return -1;
	}
	data = cJSON_GetObjectItemCaseSensitive(root, "data");
	if (!cJSON_IsObject(data)) {
		snprintf(err, errlen, "Prometheus answer's data is %s, not an object", prom_priv_json_kind(data));
		return -1;
	}
	type = cJSON_GetObjectItemCaseSensitive(data, "resultType");
	result = cJSON_GetObjectItemCaseSensitive(data, "result");
	if (!cJSON_IsString(type)) {
		snprintf(err, errlen, "Prometheus answer's resultType is %s, not a string", prom_priv_json_kind(type));
		return -1;
	}
	if (strcmp(type->valuestring, "scalar") == 0)
		return prom_priv_sample(result, "scalar", out, err, errlen);
	if (strcmp(type->valuestring, "vector") != 0) {
		snprintf(err, errlen, "Prometheus answered a %s where one number was expected", type->valuestring);
		return -1;
	}
	if (!cJSON_IsArray(result)) {
		snprintf(err, errlen, "Prometheus vector result is %s, not an array", prom_priv_json_kind(result));
		return -1;
	}
	const cJSON *first = cJSON_GetArrayItem(result, 0);
	if (!first) {
		*empty = true;   /* no series: no data, not an error */
		return 0;
	}
	if (!cJSON_IsObject(first)) {
		snprintf(err, errlen, "Prometheus vector sample is %s, not an object", prom_priv_json_kind(first));
		return -1;
	}
	return prom_priv_sample(cJSON_GetObjectItemCaseSensitive(first, "value"), "sample", out, err, errlen);
}

int prom_parse_value(const char *json, size_t len, double *out, char *err, size_t errlen)
{
	cJSON *root = json ? cJSON_ParseWithLength(json, len) : NULL;
	bool empty;
	int rc = -1;

	*out = NAN;
	if (!cJSON_IsObject(root))
		snprintf(err, errlen, "Prometheus answered with something that is not JSON");
	else
		rc = parse_envelope(root, out, &empty, err, errlen);
	cJSON_Delete(root);
	return rc;
}

void prom_parse_response(long status, const char *content_type, const char *body, size_t len,
                         struct prom_answer *a, char *err, size_t errlen)
{
	char words[100], code[32] = "";
	cJSON *root;

	memset(a, 0, sizeof *a);
	a->v = NAN;
	a->err = err;
	err[0] = '\0';
	if (!body)
		body = "", len = 0;
	if (status != 200)
		snprintf(code, sizeof code, " HTTP %ld", status);
	if (text_looks_html(content_type, body, len)) {
		text_html_title(body, len, words, sizeof words);
		snprintf(err, errlen, "Prometheus answered%s%s an HTML page (a proxy?), not JSON%s%s", code,
		         code[0] ? " with" : "", words[0] ? ": " : "", words);
		return;
	}
	root = cJSON_ParseWithLength(body, len);
	if (cJSON_IsObject(root) && cJSON_GetObjectItemCaseSensitive(root, "status")) {
		/* Prometheus' own envelope, also on 4xx and 5xx (bad_data is a 400) */
		a->answered = true;
		a->ok = parse_envelope(root, &a->v, &a->empty, err, errlen) == 0;
		cJSON_Delete(root);
		return;
	}
	cJSON_Delete(root);
	text_first_words(body, len, words, sizeof words);
	if (status != 200)
		snprintf(err, errlen, "Prometheus answered HTTP %ld%s%s", status, words[0] ? ": " : " with an empty body",
		         words);
	else if (!len)
		snprintf(err, errlen, "Prometheus answered an empty body, not JSON");
	else if (root)
		snprintf(err, errlen, "Prometheus answered JSON without a status (is this the Prometheus API?): %s", words);
	else
		snprintf(err, errlen, "Prometheus answered something that is not JSON: %s", words);
}
