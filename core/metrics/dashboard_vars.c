/* Template variables: $v, ${v}, ${v:format}, [[v]] and the built-ins
 * expanded; the order in which dependent variables resolve (a cycle is an
 * error in words); a selection; the regex a query variable filters with;
 * and the query variable's query read into the Prometheus call it needs. */
#include <ctype.h>
#include <math.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "warroom/dashboard.h"
#include "warroom/text.h"

/* The regex-escaped form of a value (Grafana's "regex" format). */
static void dashboard_regex_escape(const char *s, char *out, size_t outlen)
{
	size_t o = 0;

	/* as Grafana's Prometheus source: the backslash doubled once more for the
	 * PromQL string the regex sits in ("a\\.b" is the regex a\.b) */
	for (; *s && o + 5 < outlen; s++) {
		if (*s == '\\') {
			memcpy(out + o, "\\\\\\\\", 4);
			o += 4;
			continue;
		}
		if (strchr("^$.|?*+()[]{}'", *s))
			out[o++] = '\\', out[o++] = '\\';
		out[o++] = *s;
	}
	out[o] = '\0';
}

static bool name_char(char c)
{
	return isalnum((unsigned char)c) || c == '_';
}

/* One variable's values in a format. */
static void put_values(struct text_buf *b, const struct dash_var *v, const char *fmt)
{
	char *const *vals = v->cur_all ? v->opt : v->cur;
	size_t n = v->cur_all ? v->nopt : v->ncur;
	char esc[1024];
	bool regex_fmt;

	if (v->cur_all && v->all_value) {   /* allValue is written as is */
		text_buf_str(b, v->all_value);
		return;
	}
	if (!fmt)
		fmt = (v->multi || v->include_all) ? "regex" : "raw";
	regex_fmt = !strcmp(fmt, "regex");
	if (!strcmp(fmt, "raw") || !strcmp(fmt, "text") || (!regex_fmt && strcmp(fmt, "pipe") &&
	    strcmp(fmt, "csv") && strcmp(fmt, "json") && strcmp(fmt, "doublequote") &&
	    strcmp(fmt, "singlequote") && strcmp(fmt, "glob"))) {
		for (size_t i = 0; i < n; i++) {
			if (i)
				text_buf_str(b, ",");
			text_buf_str(b, vals[i]);
		}
		return;
	}
	if (regex_fmt && n > 1)
		text_buf_str(b, "(");
	if (!strcmp(fmt, "glob") && n > 1)
		text_buf_str(b, "{");
	if (!strcmp(fmt, "json"))
		text_buf_str(b, "[");
	for (size_t i = 0; i < n; i++) {
		if (i)
			text_buf_str(b, regex_fmt || !strcmp(fmt, "pipe") ? "|" : ",");
		if (regex_fmt) {
			dashboard_regex_escape(vals[i], esc, sizeof esc);
			text_buf_str(b, esc);
		} else if (!strcmp(fmt, "json") || !strcmp(fmt, "doublequote")) {
			text_buf_str(b, "\"");
			text_buf_str(b, vals[i]);
			text_buf_str(b, "\"");
		} else if (!strcmp(fmt, "singlequote")) {
			text_buf_str(b, "'");
			text_buf_str(b, vals[i]);
			text_buf_str(b, "'");
		} else {
			text_buf_str(b, vals[i]);
		}
	}
	if (!strcmp(fmt, "json"))
		text_buf_str(b, "]");
	if (!strcmp(fmt, "glob") && n > 1)
		text_buf_str(b, "}");
	if (regex_fmt && n > 1)
		text_buf_str(b, ")");
}

static const struct dash_var *find_var(const struct dashboard *d, const char *name, size_t len)
{
	for (size_t i = 0; d && i < d->nv; i++)
		if (strlen(d->v[i].name) == len && !strncmp(d->v[i].name, name, len))
			return &d->v[i];
	return NULL;
}

/* A built-in's text, or false. */
static bool builtin(const struct dash_env *env, const char *name, size_t len, char *buf, size_t buflen)
{
	int64_t iv = env ? env->interval_ms : 15000, scrape = env && env->scrape_ms > 0 ? env->scrape_ms : 15000;
	int64_t range = env ? env->range_ms : 3600000;

#define IS(s) (len == sizeof(s) - 1 && !strncmp(name, s, len))
	if (IS("__interval"))
		dashboard_duration_str(iv, buf, buflen);
	else if (IS("__interval_ms"))
		snprintf(buf, buflen, "%lld", (long long)iv);
	else if (IS("__range"))
		snprintf(buf, buflen, "%llds", (long long)(range / 1000));
	else if (IS("__range_s"))
		snprintf(buf, buflen, "%lld", (long long)(range / 1000));
	else if (IS("__range_ms"))
		snprintf(buf, buflen, "%lld", (long long)range);
	else if (IS("__rate_interval"))
		dashboard_duration_str(dashboard_rate_interval_ms(iv, scrape), buf, buflen);
	else
		return false;
#undef IS
	return true;
}

/* The variable reference at s: its name, format and length, or 0. */
static size_t parse_ref(const char *s, const char **name, size_t *nlen, char *fmt, size_t fmtlen)
{
	const char *p, *e;

	fmt[0] = '\0';
	if (s[0] == '$' && s[1] == '{') {
		e = strchr(s + 2, '}');
		if (!e)
			return 0;
		p = memchr(s + 2, ':', (size_t)(e - s - 2));
		*name = s + 2;
		*nlen = (size_t)((p ? p : e) - (s + 2));
		if (p)
			snprintf(fmt, fmtlen, "%.*s", (int)(e - p - 1), p + 1);
		return (size_t)(e - s + 1);
	}
	if (s[0] == '[' && s[1] == '[') {
		e = strstr(s + 2, "]]");
		if (!e)
			return 0;
		p = memchr(s + 2, ':', (size_t)(e - s - 2));
		*name = s + 2;
		*nlen = (size_t)((p ? p : e) - (s + 2));
		if (p)
			snprintf(fmt, fmtlen, "%.*s", (int)(e - p - 1), p + 1);
		for (size_t i = 0; i < *nlen; i++)
			if (!name_char((*name)[i]))
				return 0;
		return (size_t)(e - s + 2);
	}
	if (s[0] == '$' && name_char(s[1])) {
		*name = s + 1;
		for (*nlen = 0; name_char(s[1 + *nlen]); (*nlen)++)
			;
		return 1 + *nlen;
	}
	return 0;
}

char *dashboard_expand(const struct dashboard *d, const struct dash_env *env, const char *expr)
{
	struct text_buf b = { 0 };
	const char *s = expr ? expr : "";

	while (*s) {
		const char *name;
		size_t nlen, n;
		char fmt[32], tmp[64];
		const struct dash_var *v;

		n = parse_ref(s, &name, &nlen, fmt, sizeof fmt);
		if (!n) {
			text_buf_add(&b, s, 1);
			s++;
			continue;
		}
		if (builtin(env, name, nlen, tmp, sizeof tmp)) {
			text_buf_str(&b, tmp);
		} else if ((v = find_var(d, name, nlen))) {
			if (v->type == VAR_INTERVAL && v->ncur && !strcmp(v->cur[0], "auto"))
				builtin(env, "__interval", 10, tmp, sizeof tmp), text_buf_str(&b, tmp);
			else
				put_values(&b, v, fmt[0] ? fmt : NULL);
		} else {
			/* a $name that is no variable ($1 in label_replace, a typo): as written */
			text_buf_add(&b, s, n);
		}
		s += n;
	}
	return text_buf_take(&b);
}

void dashboard_refs(const char *expr, void (*fn)(const char *name, size_t len, void *arg), void *arg)
{
	const char *s = expr ? expr : "";

	while (*s) {
		const char *name;
		size_t nlen, n;
		char fmt[32];

		n = parse_ref(s, &name, &nlen, fmt, sizeof fmt);
		if (!n) {
			s++;
			continue;
		}
		if (nlen && strncmp(name, "__", 2) != 0)
			fn(name, nlen, arg);
		s += n;
	}
}

struct deps {
	const struct dashboard *d;
	bool *m;       /* m[i] : this variable refers to variable i */
	size_t self;
	bool self_ref;
};

static void dep_fn(const char *name, size_t len, void *arg)
{
	struct deps *dp = arg;

	for (size_t i = 0; i < dp->d->nv; i++)
		if (strlen(dp->d->v[i].name) == len && !strncmp(dp->d->v[i].name, name, len)) {
			if (i == dp->self)
				dp->self_ref = true;
			else
				dp->m[i] = true;
		}
}

int dashboard_order_vars(struct dashboard *d)
{
	size_t n = d->nv, done = 0;
	bool *dep = calloc(n * n + 1, sizeof *dep), *placed = calloc(n + 1, sizeof *placed);
	int rc = 0;

	if (!dep || !placed) {
		for (size_t i = 0; i < n; i++)
			d->order[i] = (int)i;
		snprintf(d->order_error, sizeof d->order_error,
		         "out of memory ordering the variables: they keep the dashboard's values");
		free(dep);
		free(placed);
		return -1;
	}
	d->order_error[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		struct deps dp = { d, dep + i * n, i, false };

		dashboard_refs(d->v[i].query, dep_fn, &dp);
		dashboard_refs(d->v[i].regex, dep_fn, &dp);
		if (dp.self_ref && !d->order_error[0])
			snprintf(d->order_error, sizeof d->order_error, "variable %s refers to itself", d->v[i].name);
	}
	/* dependencies first, the JSON's order otherwise */
	while (done < n) {
		bool progress = false;

		for (size_t i = 0; i < n; i++) {
			bool ready = !placed[i];

			for (size_t j = 0; ready && j < n; j++)
				if (dep[i * n + j] && !placed[j])
					ready = false;
			if (ready) {
				placed[i] = true;
				d->order[done++] = (int)i;
				progress = true;
			}
		}
		if (!progress)
			break;
	}
	if (done < n) {
		/* name the cycle: walk from an unplaced variable along unplaced deps */
		size_t at = 0, len = 0;
		char words[sizeof d->order_error] = "";
		size_t seen[DASH_VAR_VALUES + 1];

		for (size_t i = 0; i < n; i++)
			if (!placed[i]) {
				at = i;
				break;
			}
		for (size_t steps = 0; steps <= n && len < DASH_VAR_VALUES; steps++) {
			bool repeat = false;

			for (size_t k = 0; k < len; k++)
				if (seen[k] == at)
					repeat = true;
			seen[len++] = at;
			if (repeat)
				break;
			for (size_t j = 0; j < n; j++)
				if (dep[at * n + j] && !placed[j]) {
					at = j;
					break;
				}
		}
		for (size_t k = 0; k < len; k++) {
			size_t o = strlen(words);

			snprintf(words + o, sizeof words - o, "%s%s", k ? " -> " : "", d->v[seen[k]].name);
		}
		snprintf(d->order_error, sizeof d->order_error,
		         "variables depend on each other in a cycle (%s): they keep the dashboard's values", words);
		for (size_t i = 0; i < n; i++)
			if (!placed[i])
				d->order[done++] = (int)i;
		rc = -1;
	}
	free(dep);
	free(placed);
	return rc;
}

struct dash_var *dashboard_var(struct dashboard *d, const char *name)
{
	for (size_t i = 0; i < d->nv; i++)
		if (!strcmp(d->v[i].name, name))
			return &d->v[i];
	return NULL;
}

static void clear_list(char **arr, size_t *n)
{
	for (size_t i = 0; i < *n; i++)
		free(arr[i]);
	*n = 0;
}

int dashboard_var_set(struct dashboard *d, const char *name, const char *values, char *err, size_t errlen)
{
	struct dash_var *v = dashboard_var(d, name);
	char *list, *save = NULL;
	size_t count = 0;

	if (!v) {
		snprintf(err, errlen, "the dashboard has no variable %s", name);
		return -1;
	}
	if (!strcmp(values, "All") || !strcmp(values, "$__all")) {
		if (!v->include_all) {
			snprintf(err, errlen, "variable %s has no All option", name);
			return -1;
		}
		clear_list(v->cur, &v->ncur);
		v->cur_all = true;
		return 0;
	}
	for (const char *p = values; *p; p++)
		count += *p == ',';
	if (count && !v->multi && v->type != VAR_TEXTBOX && v->type != VAR_CONSTANT) {
		snprintf(err, errlen, "variable %s takes one value", name);
		return -1;
	}
	clear_list(v->cur, &v->ncur);
	v->cur_all = false;
	if (v->type == VAR_TEXTBOX || v->type == VAR_CONSTANT || !v->multi) {
		if (!(v->cur[v->ncur] = strdup(values)))
			goto oom;
		v->ncur++;
		return 0;
	}
	list = strdup(values);
	if (!list)
		goto oom;
	for (char *t = strtok_r(list, ",", &save); t && v->ncur < DASH_VAR_VALUES; t = strtok_r(NULL, ",", &save)) {
		if (!(v->cur[v->ncur] = strdup(t))) {
			free(list);
			goto oom;
		}
		v->ncur++;
	}
	free(list);
	return 0;
oom:
	clear_list(v->cur, &v->ncur);
	snprintf(err, errlen, "out of memory setting variable %s", name);
	return -1;
}

void dashboard_var_options(struct dash_var *v, char *const *vals, size_t n)
{
	size_t keep = 0;

	if (n == 0 && v->ncur)
		return;   /* nothing resolved: the value set (JSON, config, console) stands */
	clear_list(v->opt, &v->nopt);
	for (size_t i = 0; i < n && v->nopt < DASH_VAR_VALUES; i++) {
		if (!(v->opt[v->nopt] = strdup(vals[i]))) {
			snprintf(v->error, sizeof v->error, "out of memory for the variable's values");
			break;
		}
		v->nopt++;
	}
	if (v->cur_all)
		return;
	for (size_t i = 0; i < v->ncur; i++) {
		bool there = false;

		for (size_t k = 0; k < v->nopt; k++)
			there = there || !strcmp(v->opt[k], v->cur[i]);
		if (there)
			v->cur[keep++] = v->cur[i];
		else
			free(v->cur[i]);
	}
	v->ncur = keep;
	if (!v->ncur && v->include_all)
		v->cur_all = true;
	else if (!v->ncur && v->nopt && (v->cur[0] = strdup(v->opt[0])))
		v->ncur = 1;
}

/* JavaScript regex into POSIX ERE, the parts dashboards use. */
static void js_to_ere(const char *in, char *out, size_t outlen, bool *icase)
{
	size_t o = 0;

	for (const char *s = in; *s && o + 16 < outlen; s++) {
		if (s[0] == '(' && s[1] == '?') {
			if (s[2] == ':') {
				out[o++] = '(';
				s += 2;
				continue;
			}
			if (s[2] == 'i' && (s[3] == ':' || s[3] == ')')) {
				*icase = true;
				if (s[3] == ':')
					out[o++] = '(';
				s += 3;
				continue;
			}
			if (s[2] == '<' || s[2] == 'P') {   /* (?<name> or (?P<name> */
				const char *e = strchr(s, '>');

				if (e) {
					out[o++] = '(';
					s = e;
					continue;
				}
			}
		}
		if (s[0] == '\\' && s[1]) {
			const char *cls = NULL;

			switch (s[1]) {
			case 'd': cls = "[0-9]"; break;
			case 'D': cls = "[^0-9]"; break;
			case 'w': cls = "[A-Za-z0-9_]"; break;
			case 'W': cls = "[^A-Za-z0-9_]"; break;
			case 's': cls = "[[:space:]]"; break;
			case 'S': cls = "[^[:space:]]"; break;
			default: break;
			}
			if (cls) {
				o += (size_t)snprintf(out + o, outlen - o, "%s", cls);
				s++;
				continue;
			}
			out[o++] = *s++;
		}
		out[o++] = *s;
	}
	out[o] = '\0';
}

int dashboard_var_regex(const char *regex, const char *raw, char *out, size_t outlen, char *err, size_t errlen)
{
	char pat[1024], ere[2048], why0[128];
	bool icase = false;
	regex_t re;
	regmatch_t m[2];
	int rc;
	const char *r = regex ? regex : "";

	if (!*r) {
		text_copy(out, outlen, raw);
		return 1;
	}
	if (r[0] == '/') {
		const char *end = strrchr(r, '/');

		if (end > r) {
			snprintf(pat, sizeof pat, "%.*s", (int)(end - r - 1), r + 1);
			icase = strchr(end, 'i') != NULL;
		} else {
			text_copy(pat, sizeof pat, r + 1);
		}
	} else {
		text_copy(pat, sizeof pat, r);
	}
	js_to_ere(pat, ere, sizeof ere, &icase);
	if (text_regex_check(ere, why0, sizeof why0) != 0) {
		snprintf(err, errlen, "regex %.60s cannot be used: %s", r, why0);
		return -1;
	}
	rc = regcomp(&re, ere, REG_EXTENDED | (icase ? REG_ICASE : 0));
	if (rc != 0) {
		char why[120];

		regerror(rc, &re, why, sizeof why);
		snprintf(err, errlen, "regex %.60s cannot be used: %s", r, why);
		return -1;
	}
	rc = regexec(&re, raw, 2, m, 0);
	if (rc == 0) {
		if (m[1].rm_so >= 0)
			snprintf(out, outlen, "%.*s", (int)(m[1].rm_eo - m[1].rm_so), raw + m[1].rm_so);
		else
			text_copy(out, outlen, raw);
	}
	regfree(&re);
	return rc == 0 ? 1 : 0;
}

static const char *skip_ws(const char *s)
{
	while (*s && isspace((unsigned char)*s))
		s++;
	return s;
}

/* The text between name( and the matching ), malloc'd, or NULL (oom set
 * when that is for want of memory). */
static char *call_arg(const char *q, const char *name, bool *oom)
{
	size_t n = strlen(name), depth = 0, start;
	char quote = 0;

	q = skip_ws(q);
	if (strncmp(q, name, n) != 0)
		return NULL;
	q = skip_ws(q + n);
	if (*q != '(')
		return NULL;
	start = 1;
	for (size_t i = 0; q[i]; i++) {
		char c = q[i];

		if (quote) {
			if (c == '\\' && q[i + 1])
				i++;
			else if (c == quote)
				quote = 0;
			continue;
		}
		if (c == '"' || c == '\'' || c == '`')
			quote = c;
		else if (c == '(' || c == '{' || c == '[')
			depth++;
		else if ((c == ')' || c == '}' || c == ']') && --depth == 0) {
			if (*skip_ws(q + i + 1))
				return NULL;   /* something after the call */
			char *arg = strndup(q + start, i - start);

			*oom = !arg;
			return arg;
		}
	}
	return NULL;
}

static void trim(char *s)
{
	size_t n = strlen(s), i = 0;

	while (n && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	while (isspace((unsigned char)s[i]))
		i++;
	memmove(s, s + i, n - i + 1);
}

int dashboard_varq_parse(const char *q, struct dash_varq_parsed *out, char *err, size_t errlen)
{
	char *a;
	bool oom = false;

	memset(out, 0, sizeof *out);
	out->kind = VARQ_BAD;
	if (!q || !*skip_ws(q)) {
		out->kind = VARQ_LIST;
		out->arg = strdup("");
		return 0;
	}
	if ((a = call_arg(q, "label_values", &oom))) {
		/* the label is after the last comma outside braces and quotes */
		int depth = 0;
		char quote = 0;
		char *comma = NULL;

		for (char *p = a; *p; p++) {
			if (quote) {
				if (*p == '\\' && p[1])
					p++;
				else if (*p == quote)
					quote = 0;
			} else if (*p == '"' || *p == '\'') {
				quote = *p;
			} else if (*p == '{' || *p == '(' || *p == '[') {
				depth++;
			} else if (*p == '}' || *p == ')' || *p == ']') {
				depth--;
			} else if (*p == ',' && depth == 0) {
				comma = p;
			}
		}
		if (comma) {
			*comma = '\0';
			text_copy(out->label, sizeof out->label, comma + 1);
			trim(out->label);
			trim(a);
			out->kind = VARQ_SERIES_LABEL;
			out->arg = a;
		} else {
			trim(a);
			text_copy(out->label, sizeof out->label, a);
			free(a);
			out->kind = VARQ_LABEL_VALUES;
			out->arg = strdup("");
		}
		for (const char *p = out->label; *p; p++)
			if (!name_char(*p)) {
				snprintf(err, errlen, "label_values: \"%.60s\" is not a label name", out->label);
				free(out->arg);
				out->arg = NULL;
				out->kind = VARQ_BAD;
				return -1;
			}
		if (!out->label[0]) {
			snprintf(err, errlen, "label_values() names no label");
			free(out->arg);
			out->arg = NULL;
			out->kind = VARQ_BAD;
			return -1;
		}
		return 0;
	}
	if (!oom && (a = call_arg(q, "query_result", &oom))) {
		trim(a);
		out->kind = VARQ_QUERY_RESULT;
		out->arg = a;
		return 0;
	}
	if (!oom && (a = call_arg(q, "metrics", &oom))) {
		trim(a);
		out->kind = VARQ_METRICS;
		out->arg = a;
		return 0;
	}
	if (!oom && (a = call_arg(q, "label_names", &oom))) {
		free(a);
		snprintf(err, errlen, "label_names() is not resolved by this console; the variable keeps its values");
		return -1;
	}
	if (oom) {
		snprintf(err, errlen, "out of memory reading the variable's query");
		return -1;
	}
	snprintf(err, errlen, "\"%.60s\" is not label_values, query_result or metrics; the variable keeps its values",
	         q);
	return -1;
}
