/* Prometheus series answers read into prom_matrix (range queries, instant
 * vectors, scalars): labels, samples and the words for every way an answer
 * can be wrong, on the envelope and samples of prom_parse.c. Pure, as that
 * is; the requests are prom.c's. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cJSON.h>

#include "warroom/prom.h"
#include "warroom/text.h"

#include "prom_priv.h"

#define OOM_WORDS "out of memory reading Prometheus' answer"

/* {k="v", ...} and the label arrays of a series' metric object; -1 out of
 * memory (what was taken is the series', for prom_matrix_free). */
static int series_labels(struct prom_series *s, const cJSON *metric, char *err, size_t errlen)
{
	const cJSON *l;
	size_t n = 0, cap = 2, o = 0;
	char *name;

	cJSON_ArrayForEach(l, (cJSON_IsObject(metric) ? metric : NULL))
		n++;
	s->key = calloc(n + 1, sizeof *s->key);
	s->val = calloc(n + 1, sizeof *s->val);
	if (!s->key || !s->val)
		goto oom;
	cJSON_ArrayForEach(l, (cJSON_IsObject(metric) ? metric : NULL)) {
		const char *v = cJSON_IsString(l) ? l->valuestring : "";

		s->key[s->nlabels] = strdup(l->string);
		s->val[s->nlabels] = strdup(v);
		s->nlabels++;   /* counted first: prom_matrix_free frees whichever was taken */
		if (!s->key[s->nlabels - 1] || !s->val[s->nlabels - 1])
			goto oom;
		cap += strlen(l->string) + strlen(v) + 6;
	}
	name = malloc(cap + 1);
	if (!name)
		goto oom;
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
	return 0;
oom:
	snprintf(err, errlen, OOM_WORDS);
	return -1;
}

/* Samples [[t, "v"], ...] into the series; -1 with words when one is not a pair. */
static int series_points(struct prom_series *s, const cJSON *values, bool single, char *err, size_t errlen)
{
	const cJSON *pair;
	size_t n = single ? 1 : (size_t)cJSON_GetArraySize(values);

	s->t_ms = calloc(n + 1, sizeof *s->t_ms);
	s->v = calloc(n + 1, sizeof *s->v);
	if (!s->t_ms || !s->v) {
		snprintf(err, errlen, OOM_WORDS);
		return -1;
	}
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
	struct prom_series *s;
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
		if (!m->s) {
			snprintf(err, errlen, OOM_WORDS);
			goto out;
		}
		m->ns = 1;
		if (series_labels(&m->s[0], NULL, err, errlen) == 0 &&
		    series_points(&m->s[0], result, true, err, errlen) == 0)
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
	if (!m->s) {
		snprintf(err, errlen, OOM_WORDS);
		goto out;
	}
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
		s = &m->s[m->ns++];
		if (series_labels(s, cJSON_GetObjectItemCaseSensitive(it, "metric"), err, errlen) != 0 ||
		    series_points(s, vals, !matrix, err, errlen) != 0)
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
