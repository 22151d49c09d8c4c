/* A variable's values written in one of Grafana's formats (${var:csv},
 * ${var:regex}, ...) or, with none named, as Grafana's Prometheus source
 * writes them into PromQL. The formats are Grafana's documented ones: an
 * unknown name falls back on glob, as Grafana's does. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dashboard_priv.h"
#include "warroom/text.h"

/* As Grafana's Prometheus source escapes a value for a regex: the backslash
 * doubled once more for the PromQL string the regex sits in ("a\\.b" is
 * the regex a\.b). */
static void put_prom_regex(struct text_buf *b, const char *v, const char *name)
{
	(void)name;
	for (; *v; v++) {
		if (*v == '\\') {
			text_buf_str(b, "\\\\\\\\");
			continue;
		}
		if (strchr("^$.|?*+()[]{}'", *v))
			text_buf_str(b, "\\\\");
		text_buf_add(b, v, 1);
	}
}

/* Each character of set in s preceded by esc. */
static void escaped(struct text_buf *b, const char *s, const char *set, const char *esc)
{
	for (; *s; s++) {
		if (strchr(set, *s))
			text_buf_str(b, esc);
		text_buf_add(b, s, 1);
	}
}

/* Each occurrence of c in s written as with. */
static void replaced(struct text_buf *b, const char *s, char c, const char *with)
{
	for (; *s; s++)
		if (*s == c)
			text_buf_str(b, with);
		else
			text_buf_add(b, s, 1);
}

/* encodeURIComponent, strict: only letters, digits and -_.~ stay. */
static void percent(struct text_buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (const unsigned char *u = (const unsigned char *)s; *u; u++) {
		char e[3] = { '%', hex[*u >> 4], hex[*u & 15] };

		if ((*u >= 'a' && *u <= 'z') || (*u >= 'A' && *u <= 'Z') || (*u >= '0' && *u <= '9') ||
		    strchr("-_.~", *u))
			text_buf_add(b, (const char *)u, 1);
		else
			text_buf_add(b, e, 3);
	}
}

static void json_string(struct text_buf *b, const char *s)
{
	text_buf_str(b, "\"");
	for (const unsigned char *u = (const unsigned char *)s; *u; u++) {
		char e[8];

		if (*u == '"' || *u == '\\') {
			e[0] = '\\', e[1] = (char)*u;
			text_buf_add(b, e, 2);
		} else if (*u < 0x20) {
			snprintf(e, sizeof e, "\\u%04x", *u);
			text_buf_str(b, e);
		} else {
			text_buf_add(b, (const char *)u, 1);
		}
	}
	text_buf_str(b, "\"");
}

/* vals joined by sep, each written by one(). */
static void joined(struct text_buf *b, char *const *vals, size_t n, const char *sep,
                   void (*one)(struct text_buf *b, const char *v, const char *name), const char *name)
{
	for (size_t i = 0; i < n; i++) {
		if (i)
			text_buf_str(b, sep);
		one(b, vals[i], name);
	}
}

static void put_raw(struct text_buf *b, const char *v, const char *name)
{
	(void)name;
	text_buf_str(b, v);
}

static void put_regex(struct text_buf *b, const char *v, const char *name)
{
	(void)name;
	escaped(b, v, "\\^$*+?.()|[]{}/", "\\");
}

static void put_lucene(struct text_buf *b, const char *v, const char *name)
{
	(void)name;
	escaped(b, v, "!*+-=<>&|()[]{}^~?:\\/\" \t\n", "\\");
}

static void put_lucene_quoted(struct text_buf *b, const char *v, const char *name)
{
	text_buf_str(b, "\"");
	put_lucene(b, v, name);
	text_buf_str(b, "\"");
}

static void put_doublequote(struct text_buf *b, const char *v, const char *name)
{
	(void)name;
	text_buf_str(b, "\"");
	replaced(b, v, '"', "\\\"");
	text_buf_str(b, "\"");
}

static void put_singlequote(struct text_buf *b, const char *v, const char *name)
{
	(void)name;
	text_buf_str(b, "'");
	replaced(b, v, '\'', "\\'");
	text_buf_str(b, "'");
}

static void put_sqlstring(struct text_buf *b, const char *v, const char *name)
{
	(void)name;
	text_buf_str(b, "'");
	replaced(b, v, '\'', "''");
	text_buf_str(b, "'");
}

static void put_json(struct text_buf *b, const char *v, const char *name)
{
	(void)name;
	json_string(b, v);
}

static void put_queryparam(struct text_buf *b, const char *v, const char *name)
{
	text_buf_str(b, "var-");
	text_buf_str(b, name);
	text_buf_str(b, "=");
	percent(b, v);
}

static void put_distributed(struct text_buf *b, const char *v, const char *name)
{
	text_buf_str(b, name);
	text_buf_str(b, "=");
	text_buf_str(b, v);
}

/* Prometheus' own for a variable that is neither multi-value nor All-able:
 * backslashes and single quotes escaped for the PromQL string. */
static void put_prom_plain(struct text_buf *b, const char *v, const char *name)
{
	(void)name;
	for (; *v; v++)
		if (*v == '\\')
			text_buf_str(b, "\\\\");
		else if (*v == '\'')
			text_buf_str(b, "\\\\'");
		else
			text_buf_add(b, v, 1);
}

void dash_format_values(struct text_buf *b, const char *name, const char *fmt, char *const *vals,
                        char *const *texts, size_t n, bool many, bool prom_regex)
{
	const char *f = fmt ? fmt : "";

	if (!fmt && prom_regex) {
		if (n > 1)
			text_buf_str(b, "(");
		joined(b, vals, n, "|", put_prom_regex, name);
		if (n > 1)
			text_buf_str(b, ")");
	} else if (!fmt) {
		joined(b, vals, n, ",", put_prom_plain, name);
	} else if (!strcmp(f, "raw") || !strcmp(f, "csv")) {
		joined(b, vals, n, ",", put_raw, name);
	} else if (!strcmp(f, "pipe")) {
		joined(b, vals, n, "|", put_raw, name);
	} else if (!strcmp(f, "regex")) {
		if (many && n > 1)
			text_buf_str(b, "(");
		joined(b, vals, n, "|", put_regex, name);
		if (many && n > 1)
			text_buf_str(b, ")");
	} else if (!strcmp(f, "text")) {
		joined(b, texts ? texts : vals, n, " + ", put_raw, name);
	} else if (!strcmp(f, "json")) {
		if (many)
			text_buf_str(b, "[");
		joined(b, vals, n, ", ", put_json, name);
		if (many)
			text_buf_str(b, "]");
	} else if (!strcmp(f, "lucene")) {
		if (!many)
			joined(b, vals, n, "", put_lucene, name);
		else if (!n)
			text_buf_str(b, "__empty__");
		else {
			text_buf_str(b, "(");
			joined(b, vals, n, " OR ", put_lucene_quoted, name);
			text_buf_str(b, ")");
		}
	} else if (!strcmp(f, "percentencode")) {
		struct text_buf all = { 0 };

		joined(&all, vals, n, ",", put_raw, name);
		percent(b, all.s ? all.s : "");
		b->oom = b->oom || all.oom;
		text_buf_free(&all);
	} else if (!strcmp(f, "doublequote")) {
		joined(b, vals, n, ",", put_doublequote, name);
	} else if (!strcmp(f, "singlequote")) {
		joined(b, vals, n, ",", put_singlequote, name);
	} else if (!strcmp(f, "sqlstring")) {
		joined(b, vals, n, ",", put_sqlstring, name);
	} else if (!strcmp(f, "queryparam")) {
		joined(b, vals, n, "&", put_queryparam, name);
	} else if (!strcmp(f, "distributed")) {
		if (n)
			text_buf_str(b, vals[0]);
		for (size_t i = 1; i < n; i++) {
			text_buf_str(b, ",");
			put_distributed(b, vals[i], name);
		}
	} else {   /* glob, and any name Grafana does not know */
		if (n > 1)
			text_buf_str(b, "{");
		joined(b, vals, n, ",", put_raw, name);
		if (n > 1)
			text_buf_str(b, "}");
	}
}
