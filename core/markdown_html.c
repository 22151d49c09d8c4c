/* HTML in Markdown, read a token at a time: tags (their name, whether they
 * close, their attributes), comments, entities. What is an element of HTML
 * is dropped or obeyed by the reader; what only looks like a tag
 * (<pod-name>, <YYYY-MM-DD>: a runbook's placeholders) stays text. Shared
 * by the text panels' layout and the runbook parser. */
#include "warroom/markdown.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* The elements a writer of Markdown puts in it; a name not here is not HTML. */
static const char *const elements[] = {
	"a", "abbr", "b", "big", "blockquote", "body", "br", "caption", "center", "cite", "code", "col",
	"colgroup", "dd", "del", "details", "dfn", "div", "dl", "dt", "em", "figcaption", "figure", "font",
	"footer", "h1", "h2", "h3", "h4", "h5", "h6", "head", "header", "hr", "html", "i", "img", "input",
	"ins", "kbd", "li", "link", "mark", "meta", "nav", "ol", "p", "picture", "pre", "q", "s", "samp",
	"script", "section", "small", "source", "span", "strike", "strong", "style", "sub", "summary", "sup",
	"table", "tbody", "td", "tfoot", "th", "thead", "title", "tr", "tt", "u", "ul", "var", "video", "wbr",
};

bool md_html_element(const char *name, size_t n)
{
	for (size_t i = 0; i < sizeof elements / sizeof elements[0]; i++)
		if (strlen(elements[i]) == n && !strncasecmp(elements[i], name, n))
			return true;
	return false;
}

bool md_html_block_element(const char *name, size_t n)
{
	static const char *const blocks[] = {
		"blockquote", "br", "dd", "details", "div", "dl", "dt", "figure", "h1", "h2", "h3", "h4", "h5", "h6",
		"hr", "li", "ol", "p", "pre", "section", "summary", "table", "tr", "ul",
	};

	for (size_t i = 0; i < sizeof blocks / sizeof blocks[0]; i++)
		if (strlen(blocks[i]) == n && !strncasecmp(blocks[i], name, n))
			return true;
	return false;
}

/* <name attr="v" attr='v' attr=v attr /> as HTML writes a tag: 0 when s is not one. */
static size_t tag(const char *s, size_t len, struct md_html_tok *t)
{
	size_t i = 1;

	if (i < len && s[i] == '/') {
		t->close = true;
		i++;
	}
	if (i >= len || !isalpha((unsigned char)s[i]))
		return 0;
	t->name = s + i;
	while (i < len && (isalnum((unsigned char)s[i]) || s[i] == '-' || s[i] == '_' || s[i] == ':'))
		i++;
	t->nname = (size_t)(s + i - t->name);
	t->attrs = s + i;
	while (i < len && s[i] != '>' && s[i] != '<') {
		if (s[i] == '"' || s[i] == '\'') {
			const char *q = memchr(s + i + 1, s[i], len - i - 1);

			if (!q)
				return 0;
			i = (size_t)(q - s) + 1;
			continue;
		}
		i++;
	}
	if (i >= len || s[i] != '>')
		return 0;
	t->nattrs = (size_t)(s + i - t->attrs);
	t->self = t->nattrs && t->attrs[t->nattrs - 1] == '/';
	/* "<pool location>", "<provider ip from first step>": words, not attributes of an element */
	if (!md_html_element(t->name, t->nname) && t->nattrs && !t->self)
		return 0;
	return i + 1;
}

size_t md_html_token(const char *s, size_t len, struct md_html_tok *t)
{
	memset(t, 0, sizeof *t);
	if (!len || s[0] != '<')
		return 0;
	if (len >= 4 && !strncmp(s, "<!--", 4)) {
		const char *end = NULL;

		for (size_t i = 4; i + 3 <= len; i++)
			if (!strncmp(s + i, "-->", 3)) {
				end = s + i + 3;
				break;
			}
		t->comment = true;
		return end ? (size_t)(end - s) : len;
	}
	if (len >= 2 && (s[1] == '!' || s[1] == '?')) {   /* <!DOCTYPE>, <?xml?> */
		const char *e = memchr(s, '>', len);

		t->comment = true;
		return e ? (size_t)(e - s) + 1 : len;
	}
	return tag(s, len, t);
}

bool md_html_attr(const struct md_html_tok *t, const char *name, char *out, size_t len)
{
	size_t k = strlen(name);
	const char *p = t->attrs, *end = t->attrs + t->nattrs;

	while (p < end) {
		const char *an;
		size_t n;

		while (p < end && (isspace((unsigned char)*p) || *p == '/'))
			p++;
		an = p;
		while (p < end && !isspace((unsigned char)*p) && *p != '=' && *p != '/')
			p++;
		n = (size_t)(p - an);
		while (p < end && isspace((unsigned char)*p))
			p++;
		if (p < end && *p == '=') {
			const char *v, *ve;

			p++;
			while (p < end && isspace((unsigned char)*p))
				p++;
			if (p < end && (*p == '"' || *p == '\'')) {
				char q = *p++;

				v = p;
				while (p < end && *p != q)
					p++;
				ve = p;
				if (p < end)
					p++;
			} else {
				v = p;
				while (p < end && !isspace((unsigned char)*p))
					p++;
				ve = p;
			}
			if (n == k && !strncasecmp(an, name, k)) {
				snprintf(out, len, "%.*s", (int)(ve - v), v);
				return true;
			}
		} else if (n == 0) {
			p++;
		}
	}
	return false;
}

const char *md_html_entity(const char *s, size_t n, size_t *took, char *buf)
{
	static const struct { const char *name, *text; } ents[] = {
		{ "amp;", "&" }, { "lt;", "<" }, { "gt;", ">" }, { "quot;", "\"" }, { "#39;", "'" },
		{ "apos;", "'" }, { "nbsp;", " " }, { "mdash;", "\u2014" }, { "ndash;", "\u2013" },
		{ "hellip;", "\u2026" }, { "copy;", "\u00a9" }, { "rarr;", "\u2192" }, { "larr;", "\u2190" },
	};

	for (size_t i = 0; i < sizeof ents / sizeof ents[0]; i++) {
		size_t k = strlen(ents[i].name);

		if (n >= k && !strncmp(s, ents[i].name, k)) {
			*took = k;
			return ents[i].text;
		}
	}
	if (n > 2 && s[0] == '#' && isdigit((unsigned char)s[1])) {
		size_t k = 1;
		long c = 0;

		while (k < n && k < 6 && isdigit((unsigned char)s[k]))
			c = c * 10 + (s[k++] - '0');
		if (k < n && s[k] == ';' && c >= 0x20 && c < 0x7f) {   /* printable ASCII; the rest stays as written */
			buf[0] = (char)c;
			buf[1] = '\0';
			*took = k + 1;
			return buf;
		}
	}
	*took = 0;
	return "&";
}
