/* Prometheus series answers read into prom_matrix (range queries, instant
 * vectors, scalars): labels, samples and the words for every way an answer
 * can be wrong. The requests are prom.c's. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cJSON.h>

#include "warroom/prom.h"
#include "warroom/text.h"

#include "prom_priv.h"

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
		size_t o = strlen(warnings);

		if (cJSON_IsString(it) && warnings && o + 3 < wlen)
			snprintf(warnings + o, wlen - o, "%s%s", o ? "; " : "", it->valuestring);
	}
	return root;
}

static char *sdup(const char *s)
{
	char *c = strdup(s ? s : "");

	if (!c)
		abort();
	return c;
}

/* {k="v", ...} and the label arrays of a series' metric object. */
static void series_labels(struct prom_series *s, const cJSON *metric)
{
	const cJSON *l;
	size_t n = 0, cap = 2, o = 0;
	char *name;

	cJSON_ArrayForEach(l, (cJSON_IsObject(metric) ? metric : NULL))
		n++;
	s->key = calloc(n + 1, sizeof *s->key);
	s->val = calloc(n + 1, sizeof *s->val);
	if (!s->key || !s->val)
		abort();
	cJSON_ArrayForEach(l, (cJSON_IsObject(metric) ? metric : NULL)) {
		const char *v = cJSON_IsString(l) ? l->valuestring : "";

		s->key[s->nlabels] = sdup(l->string);
		s->val[s->nlabels++] = sdup(v);
		cap += strlen(l->string) + strlen(v) + 6;
	}
	name = malloc(cap + 1);
	if (!name)
		abort();
	name[0] = '\0';
	if (s->nlabels) {
		const char *metric_name = prom_series_label(s, "__name__");
		bool first = true;

		o = (size_t)snprintf(name, cap, "%s{", metric_name ? metric_name : "");
		for (size_t i = 0; i < s->nlabels; i++) {
			if (!strcmp(s->key[i], "__name__"))
				continue;
			o += (size_t)snprintf(name + o, cap - o, "%s%s=\"%s\"", first ? "" : ", ", s->key[i], s->val[i]);
			first = false;
		}
		snprintf(name + o, cap - o, "}");
		if (first && metric_name)   /* no label but the name: the name alone */
			name[strlen(metric_name)] = '\0';
	}
	s->name = name;
}

/* Samples [[t, "v"], ...] into the series; -1 with words when one is not a pair. */
static int series_points(struct prom_series *s, const cJSON *values, bool single, char *err, size_t errlen)
{
	const cJSON *pair;
	size_t n = single ? 1 : (size_t)cJSON_GetArraySize(values);

	s->t_ms = calloc(n + 1, sizeof *s->t_ms);
	s->v = calloc(n + 1, sizeof *s->v);
	if (!s->t_ms || !s->v)
		abort();
	if (single) {
		if (prom_priv_sample(values, "sample", &s->v[0], err, errlen) != 0)
			return -1;
		s->t_ms[0] = (int64_t)llround(cJSON_GetArrayItem(values, 0)->valuedouble * 1000.0);
		s->n = 1;
		return 0;
	}
	cJSON_ArrayForEach(pair, values) {
		const cJSON *t;

		if (s->n >= n)
			break;
		if (prom_priv_sample(pair, "range sample", &s->v[s->n], err, errlen) != 0)
			return -1;
		t = cJSON_GetArrayItem(pair, 0);
		if (!cJSON_IsNumber(t)) {
			snprintf(err, errlen, "Prometheus sample time is %s, not a number", prom_priv_json_kind(t));
			return -1;
		}
		s->t_ms[s->n++] = (int64_t)llround(t->valuedouble * 1000.0);
	}
	return 0;
}

void prom_parse_matrix(long status, const char *content_type, const char *body, size_t len,
                       struct prom_matrix *m, char *err, size_t errlen)
{
	cJSON *root;
	const cJSON *data, *type, *result, *it;
	bool matrix;

	memset(m, 0, sizeof *m);
	m->err = err;
	err[0] = '\0';
	root = prom_priv_open_answer(status, content_type, body, len, &m->answered, m->warnings, sizeof m->warnings, err,
	                   errlen);
	if (!root)
		return;
	data = cJSON_GetObjectItemCaseSensitive(root, "data");
	type = cJSON_GetObjectItemCaseSensitive(data, "resultType");
	result = cJSON_GetObjectItemCaseSensitive(data, "result");
	if (!cJSON_IsObject(data) || !cJSON_IsString(type)) {
		snprintf(err, errlen, "Prometheus answer's data is %s, not an object with a resultType",
		         prom_priv_json_kind(data));
		goto out;
	}
	if (!strcmp(type->valuestring, "scalar")) {
		m->s = calloc(1, sizeof *m->s);
		if (!m->s)
			abort();
		m->ns = 1;
		series_labels(&m->s[0], NULL);
		if (series_points(&m->s[0], result, true, err, errlen) == 0)
			m->ok = true;
		goto out;
	}
	matrix = !strcmp(type->valuestring, "matrix");
	if (!matrix && strcmp(type->valuestring, "vector") != 0) {
		snprintf(err, errlen, "Prometheus answered a %.20s, which no panel draws", type->valuestring);
		goto out;
	}
	if (!cJSON_IsArray(result)) {
		snprintf(err, errlen, "Prometheus %s result is %s, not an array", type->valuestring, prom_priv_json_kind(result));
		goto out;
	}
	m->s = calloc(PROM_SERIES_MAX, sizeof *m->s);
	if (!m->s)
		abort();
	cJSON_ArrayForEach(it, result) {
		const cJSON *vals = cJSON_GetObjectItemCaseSensitive(it, matrix ? "values" : "value");

		if (m->ns >= PROM_SERIES_MAX) {
			m->dropped++;
			continue;
		}
		if (!cJSON_IsObject(it) || (matrix && !cJSON_IsArray(vals))) {
			snprintf(err, errlen, "Prometheus %s series is %s, not an object with samples", type->valuestring,
			         prom_priv_json_kind(it));
			goto out;
		}
		series_labels(&m->s[m->ns], cJSON_GetObjectItemCaseSensitive(it, "metric"));
		if (series_points(&m->s[m->ns++], vals, !matrix, err, errlen) != 0)
			goto out;
	}
	m->ok = true;
out:
	if (!m->ok && !err[0])
		snprintf(err, errlen, "Prometheus answer could not be read");
	cJSON_Delete(root);
}

void prom_matrix_free(struct prom_matrix *m)
{
	for (size_t i = 0; i < m->ns; i++) {
		struct prom_series *s = &m->s[i];

		for (size_t k = 0; k < s->nlabels; k++) {
			free(s->key[k]);
			free(s->val[k]);
		}
		free(s->key);
		free(s->val);
		free(s->name);
		free(s->t_ms);
		free(s->v);
	}
	free(m->s);
	m->s = NULL;
	m->ns = 0;
}

const char *prom_series_label(const struct prom_series *s, const char *key)
{
	for (size_t i = 0; i < s->nlabels; i++)
		if (!strcmp(s->key[i], key))
			return s->val[i];
	return NULL;
}
