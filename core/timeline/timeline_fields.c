/* timeline — an event's detail JSON as fields for the screen: "to: blue",
 * "lines[2]: ...". Views never parse JSON; they get these pairs. */
#include "warroom/timeline.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include <cJSON.h>

struct walk {
	struct timeline_field *out;
	size_t max, n;
};

/* Copies src into dst whole, or cut at a character boundary with "…" so
 * the cut is never silent and never half a UTF-8 character. */
static void copy_marked(char *dst, size_t len, const char *src)
{
	static const char more[] = "\xe2\x80\xa6";   /* … */
	size_t n = strlen(src);

	if (n < len) {
		memcpy(dst, src, n + 1);
		return;
	}
	n = len - sizeof more;
	while (n > 0 && ((unsigned char)src[n] & 0xc0) == 0x80)
		n--;
	memcpy(dst, src, n);
	memcpy(dst + n, more, sizeof more);
}

static void add(struct walk *w, const char *key, const char *value)
{
	if (w->n < w->max) {
		copy_marked(w->out[w->n].key, sizeof w->out[w->n].key, key);
		copy_marked(w->out[w->n].value, sizeof w->out[w->n].value, value);
	}
	w->n++;
}

static void walk(struct walk *w, const char *key, const cJSON *v, int depth)
{
	char buf[64], sub[192];
	const cJSON *c;
	int i = 0;

	if (cJSON_IsString(v)) {
		add(w, key, v->valuestring);
	} else if (cJSON_IsNumber(v)) {
		double d = v->valuedouble;
		if (d == floor(d) && fabs(d) < 1e15)
			snprintf(buf, sizeof buf, "%.0f", d);
		else
			snprintf(buf, sizeof buf, "%g", d);
		add(w, key, buf);
	} else if (cJSON_IsBool(v)) {
		add(w, key, cJSON_IsTrue(v) ? "true" : "false");
	} else if (cJSON_IsNull(v)) {
		add(w, key, "null");
	} else if ((cJSON_IsObject(v) || cJSON_IsArray(v)) && !v->child) {
		add(w, key, cJSON_IsArray(v) ? "(none)" : "(empty)");
	} else if (depth >= 8) {
		char *s = cJSON_PrintUnformatted(v);   /* deeper than anyone reads: as JSON */
		add(w, key, s ? s : "");
		cJSON_free(s);
	} else {
		for (c = v->child; c; c = c->next, i++) {
			if (cJSON_IsArray(v))
				snprintf(sub, sizeof sub, "%s[%d]", key, i);
			else
				snprintf(sub, sizeof sub, "%s%s%s", key, *key ? "." : "", c->string ? c->string : "?");
			walk(w, sub, c, depth + 1);
		}
	}
}

int timeline_detail_fields(const char *detail_json, struct timeline_field *out, size_t max)
{
	struct walk w = { out, out ? max : 0, 0 };
	cJSON *root;

	if (!detail_json || !*detail_json)
		return 0;
	root = cJSON_Parse(detail_json);
	if (!cJSON_IsObject(root)) {
		cJSON_Delete(root);
		return -1;
	}
	walk(&w, "", root, 0);
	cJSON_Delete(root);
	return (int)w.n;
}
