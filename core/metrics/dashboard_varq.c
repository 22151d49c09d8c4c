/* A query variable's query read into the Prometheus call it needs
 * (label_values, query_result, metrics, label_names, or a series
 * selector), and the regex a variable filters its values with: JavaScript's
 * syntax, as dashboards write it, run as POSIX ERE. */
#include <ctype.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "warroom/dashboard.h"
#include "warroom/text.h"

static bool name_char(char c)
{
	return isalnum((unsigned char)c) || c == '_';
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

/* The text between name( and the matching ), malloc'd, or NULL (*oom set
 * when it was there but memory ran out). */
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

			*oom = *oom || !arg;
			return arg;
		}
	}
	return NULL;
}

/* A series selector: a metric name, {matchers}, or both. */
static bool selector(const char *q)
{
	char quote = 0;
	bool any = false;

	q = skip_ws(q);
	while (name_char(*q) || *q == ':')
		q++, any = true;
	q = skip_ws(q);
	if (*q == '{') {
		for (q++; *q && (quote || *q != '}'); q++) {
			if (quote && *q == '\\' && q[1])
				q++;
			else if (quote && *q == quote)
				quote = 0;
			else if (!quote && (*q == '"' || *q == '\'' || *q == '`'))
				quote = *q;
		}
		if (*q != '}')
			return false;
		q++;
		any = true;
	}
	return any && !*skip_ws(q);
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

static int parse(const char *q, struct dash_varq_parsed *out, char *err, size_t errlen, bool *oom)
{
	char *a;

	memset(out, 0, sizeof *out);
	out->kind = VARQ_BAD;
	if (!q || !*skip_ws(q)) {
		out->kind = VARQ_LIST;
		out->arg = strdup("");
		return 0;
	}
	if ((a = call_arg(q, "label_values", oom))) {
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
	if ((a = call_arg(q, "query_result", oom))) {
		trim(a);
		out->kind = VARQ_QUERY_RESULT;
		out->arg = a;
		return 0;
	}
	if ((a = call_arg(q, "metrics", oom))) {
		trim(a);
		out->kind = VARQ_METRICS;
		out->arg = a;
		return 0;
	}
	if ((a = call_arg(q, "label_names", oom))) {
		trim(a);
		out->kind = VARQ_LABEL_NAMES;
		out->arg = a;
		return 0;
	}
	for (const char *const *f = (const char *const[]){ "label_values", "query_result", "metrics", "label_names",
	                                                     NULL }; *f; f++)
		if (!strncmp(skip_ws(q), *f, strlen(*f)) && *skip_ws(skip_ws(q) + strlen(*f)) == '(') {
			snprintf(err, errlen, "\"%.60s\" is not %s(...) as Grafana reads it; the variable keeps its values",
			         q, *f);
			return -1;
		}
	if (!selector(q)) {
		snprintf(err, errlen, "\"%.60s\" is neither label_values, query_result, metrics, label_names nor a series "
		         "selector; the variable keeps its values", q);
		return -1;
	}
	/* Grafana lists the selector's series (name{labels}) for the regex to pick from */
	out->kind = VARQ_SERIES;
	out->arg = strdup(skip_ws(q));
	if (out->arg)
		trim(out->arg);
	return 0;
}

int dashboard_varq_parse(const char *q, struct dash_varq_parsed *out, char *err, size_t errlen)
{
	bool oom = false;
	int rc = parse(q, out, err, errlen, &oom);

	if (oom || (rc == 0 && !out->arg)) {
		free(out->arg);
		memset(out, 0, sizeof *out);
		out->kind = VARQ_BAD;
		snprintf(err, errlen, "out of memory reading the variable's query");
		return -1;
	}
	return rc;
}
