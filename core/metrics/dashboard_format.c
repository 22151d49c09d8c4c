/* A variable's values written in one of Grafana's formats (${var:csv},
 * ${var:regex}, ...) or, with none named, as Grafana's Prometheus source
 * writes them into PromQL; and the growing string they are written into.
 * The formats are Grafana's documented ones: an unknown name falls back
 * on glob, as Grafana's does. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dashboard_priv.h"

void dash_sb_add(struct dash_sb *b, const char *s, size_t n)
{
	if (b->n + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 64;
		char *ns;

		while (cap < b->n + n + 1)
			cap *= 2;
		ns = realloc(b->s, cap);
		if (!ns)
			abort();
		b->s = ns;
		b->cap = cap;
	}
	memcpy(b->s + b->n, s, n);
	b->n += n;
	b->s[b->n] = '\0';
}

void dash_sb_str(struct dash_sb *b, const char *s)
{
	dash_sb_add(b, s, strlen(s));
}

void dashboard_regex_escape(const char *s, char *out, size_t outlen)
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

/* Each character of set in s preceded by esc. */
static void escaped(struct dash_sb *b, const char *s, const char *set, const char *esc)
{
	for (; *s; s++) {
		if (strchr(set, *s))
			dash_sb_str(b, esc);
		dash_sb_add(b, s, 1);
	}
}

/* Each occurrence of c in s written as with. */
static void replaced(struct dash_sb *b, const char *s, char c, const char *with)
{
	for (; *s; s++)
		if (*s == c)
			dash_sb_str(b, with);
		else
			dash_sb_add(b, s, 1);
}

/* encodeURIComponent, strict: only letters, digits and -_.~ stay. */
static void percent(struct dash_sb *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (const unsigned char *u = (const unsigned char *)s; *u; u++) {
		char e[3] = { '%', hex[*u >> 4], hex[*u & 15] };

		if ((*u >= 'a' && *u <= 'z') || (*u >= 'A' && *u <= 'Z') || (*u >= '0' && *u <= '9') ||
		    strchr("-_.~", *u))
			dash_sb_add(b, (const char *)u, 1);
		else
			dash_sb_add(b, e, 3);
	}
}

static void json_string(struct dash_sb *b, const char *s)
{
	dash_sb_str(b, "\"");
	for (const unsigned char *u = (const unsigned char *)s; *u; u++) {
		char e[8];

		if (*u == '"' || *u == '\\') {
			e[0] = '\\', e[1] = (char)*u;
			dash_sb_add(b, e, 2);
		} else if (*u < 0x20) {
			snprintf(e, sizeof e, "\\u%04x", *u);
			dash_sb_str(b, e);
		} else {
			dash_sb_add(b, (const char *)u, 1);
		}
	}
	dash_sb_str(b, "\"");
}

/* vals joined by sep, each written by one(). */
static void joined(struct dash_sb *b, char *const *vals, size_t n, const char *sep,
                   void (*one)(struct dash_sb *b, const char *v, const char *name), const char *name)
{
	for (size_t i = 0; i < n; i++) {
		if (i)
			dash_sb_str(b, sep);
		one(b, vals[i], name);
	}
}

static void put_raw(struct dash_sb *b, const char *v, const char *name)
{
	(void)name;
	dash_sb_str(b, v);
}

static void put_prom_regex(struct dash_sb *b, const char *v, const char *name)
{
	size_t cap = strlen(v) * 4 + 8;
	char *esc = malloc(cap);

	(void)name;
	if (!esc)
		abort();
	dashboard_regex_escape(v, esc, cap);
	dash_sb_str(b, esc);
	free(esc);
}

static void put_regex(struct dash_sb *b, const char *v, const char *name)
{
	(void)name;
	escaped(b, v, "\\^$*+?.()|[]{}/", "\\");
}

static void put_lucene(struct dash_sb *b, const char *v, const char *name)
{
	(void)name;
	escaped(b, v, "!*+-=<>&|()[]{}^~?:\\/\" \t\n", "\\");
}

static void put_lucene_quoted(struct dash_sb *b, const char *v, const char *name)
{
	dash_sb_str(b, "\"");
	put_lucene(b, v, name);
	dash_sb_str(b, "\"");
}

static void put_doublequote(struct dash_sb *b, const char *v, const char *name)
{
	(void)name;
	dash_sb_str(b, "\"");
	replaced(b, v, '"', "\\\"");
	dash_sb_str(b, "\"");
}

static void put_singlequote(struct dash_sb *b, const char *v, const char *name)
{
	(void)name;
	dash_sb_str(b, "'");
	replaced(b, v, '\'', "\\'");
	dash_sb_str(b, "'");
}

static void put_sqlstring(struct dash_sb *b, const char *v, const char *name)
{
	(void)name;
	dash_sb_str(b, "'");
	replaced(b, v, '\'', "''");
	dash_sb_str(b, "'");
}

static void put_json(struct dash_sb *b, const char *v, const char *name)
{
	(void)name;
	json_string(b, v);
}

static void put_queryparam(struct dash_sb *b, const char *v, const char *name)
{
	dash_sb_str(b, "var-");
	dash_sb_str(b, name);
	dash_sb_str(b, "=");
	percent(b, v);
}

static void put_distributed(struct dash_sb *b, const char *v, const char *name)
{
	dash_sb_str(b, name);
	dash_sb_str(b, "=");
	dash_sb_str(b, v);
}

/* Prometheus' own for a variable that is neither multi-value nor All-able:
 * backslashes and single quotes escaped for the PromQL string. */
static void put_prom_plain(struct dash_sb *b, const char *v, const char *name)
{
	(void)name;
	for (; *v; v++)
		if (*v == '\\')
			dash_sb_str(b, "\\\\");
		else if (*v == '\'')
			dash_sb_str(b, "\\\\'");
		else
			dash_sb_add(b, v, 1);
}

void dashboard_format_values(char **out, size_t *len, const char *name, const char *fmt, char *const *vals,
                             char *const *texts, size_t n, bool many, bool prom_regex)
{
	struct dash_sb b = { *out, *len, *out ? *len + 1 : 0 };
	const char *f = fmt ? fmt : "";

	dash_sb_str(&b, "");
	if (!fmt && prom_regex) {
		if (n > 1)
			dash_sb_str(&b, "(");
		joined(&b, vals, n, "|", put_prom_regex, name);
		if (n > 1)
			dash_sb_str(&b, ")");
	} else if (!fmt) {
		joined(&b, vals, n, ",", put_prom_plain, name);
	} else if (!strcmp(f, "raw") || !strcmp(f, "csv")) {
		joined(&b, vals, n, ",", put_raw, name);
	} else if (!strcmp(f, "pipe")) {
		joined(&b, vals, n, "|", put_raw, name);
	} else if (!strcmp(f, "regex")) {
		if (many && n > 1)
			dash_sb_str(&b, "(");
		joined(&b, vals, n, "|", put_regex, name);
		if (many && n > 1)
			dash_sb_str(&b, ")");
	} else if (!strcmp(f, "text")) {
		joined(&b, texts ? texts : vals, n, " + ", put_raw, name);
	} else if (!strcmp(f, "json")) {
		if (many)
			dash_sb_str(&b, "[");
		joined(&b, vals, n, ", ", put_json, name);
		if (many)
			dash_sb_str(&b, "]");
	} else if (!strcmp(f, "lucene")) {
		if (!many)
			joined(&b, vals, n, "", put_lucene, name);
		else if (!n)
			dash_sb_str(&b, "__empty__");
		else {
			dash_sb_str(&b, "(");
			joined(&b, vals, n, " OR ", put_lucene_quoted, name);
			dash_sb_str(&b, ")");
		}
	} else if (!strcmp(f, "percentencode")) {
		struct dash_sb all = { 0 };

		dash_sb_str(&all, "");
		joined(&all, vals, n, ",", put_raw, name);
		percent(&b, all.s);
		free(all.s);
	} else if (!strcmp(f, "doublequote")) {
		joined(&b, vals, n, ",", put_doublequote, name);
	} else if (!strcmp(f, "singlequote")) {
		joined(&b, vals, n, ",", put_singlequote, name);
	} else if (!strcmp(f, "sqlstring")) {
		joined(&b, vals, n, ",", put_sqlstring, name);
	} else if (!strcmp(f, "queryparam")) {
		joined(&b, vals, n, "&", put_queryparam, name);
	} else if (!strcmp(f, "distributed")) {
		if (n)
			dash_sb_str(&b, vals[0]);
		for (size_t i = 1; i < n; i++) {
			dash_sb_str(&b, ",");
			put_distributed(&b, vals[i], name);
		}
	} else {   /* glob, and any name Grafana does not know */
		if (n > 1)
			dash_sb_str(&b, "{");
		joined(&b, vals, n, ",", put_raw, name);
		if (n > 1)
			dash_sb_str(&b, "}");
	}
	*out = b.s;
	*len = b.n;
}
