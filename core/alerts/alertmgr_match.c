/* Alertmanager matchers as the operator types them (`/` in the alerts view,
 * a silence's matchers): the syntax of amtool and the Alertmanager UI. */
#include <ctype.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "warroom/alertmgr.h"
#include "warroom/text.h"

static const char *skip_ws(const char *s)
{
	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
		s++;
	return s;
}

static bool name_char(char c, bool first)
{
	return isalpha((unsigned char)c) || c == '_' || (!first && (isdigit((unsigned char)c) || c == '.' || c == ':'));
}

/* A quoted value with Go's escapes; s points after the opening quote.
 * Returns the character after the closing quote, NULL when unterminated. */
static const char *quoted(const char *s, char *out, size_t len, bool *toolong)
{
	size_t o = 0;

	for (; *s && *s != '"'; s++) {
		char c = *s;

		if (c == '\\') {
			s++;
			switch (*s) {
			case 'n': c = '\n'; break;
			case 't': c = '\t'; break;
			case '\\': c = '\\'; break;
			case '"': c = '"'; break;
			case '\0': return NULL;
			default: c = *s;
			}
		}
		if (o + 1 >= len) {
			*toolong = true;
			continue;
		}
		out[o++] = c;
	}
	out[o] = '\0';
	return *s == '"' ? s + 1 : NULL;
}

static int compile(struct alertmgr_matchers *ms, size_t i, char *err, size_t errlen)
{
	/* Alertmanager anchors every regex: the whole value must match */
	size_t need = strlen(ms->m[i].value) + 8;
	char *pat = malloc(need), why0[128];
	regex_t *re = calloc(1, sizeof *re);
	int rc;

	if (!pat || !re) {
		free(pat);
		free(re);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	snprintf(pat, need, "^(%s)$", ms->m[i].value);
	if (text_regex_check(pat, why0, sizeof why0) != 0) {
		free(pat);
		free(re);
		snprintf(err, errlen, "matcher %zu: %s: %s", i + 1, ms->m[i].name, why0);
		return -1;
	}
	rc = regcomp(re, pat, REG_EXTENDED | REG_NOSUB);
	free(pat);
	if (rc != 0) {
		char why[128];

		regerror(rc, re, why, sizeof why);
		free(re);
		snprintf(err, errlen, "matcher %zu: %s: not a regular expression: %s", i + 1, ms->m[i].name, why);
		return -1;
	}
	ms->re[i] = re;
	return 0;
}

int alertmgr_matchers_parse(const char *s, struct alertmgr_matchers *out, char *err, size_t errlen)
{
	bool brace;

	memset(out, 0, sizeof *out);
	s = skip_ws(s ? s : "");
	brace = *s == '{';
	if (brace)
		s = skip_ws(s + 1);
	while (*s && *s != '}') {
		struct model_am_matcher *m;
		size_t n = 0;
		bool toolong = false;

		if (out->n == ALERTMGR_MATCHERS) {
			snprintf(err, errlen, "at most %d matchers", ALERTMGR_MATCHERS);
			goto fail;
		}
		m = &out->m[out->n];
		if (!name_char(*s, true)) {
			snprintf(err, errlen, "matcher %zu: expected a label name, got \"%.20s\"", out->n + 1, s);
			goto fail;
		}
		while (name_char(s[n], n == 0))
			n++;
		if (n >= sizeof m->name) {
			snprintf(err, errlen, "matcher %zu: label name too long", out->n + 1);
			goto fail;
		}
		memcpy(m->name, s, n);
		m->name[n] = '\0';
		s = skip_ws(s + n);
		if (s[0] == '=' && s[1] == '~') {
			m->is_regex = true, m->is_equal = true, s += 2;
		} else if (s[0] == '!' && s[1] == '~') {
			m->is_regex = true, m->is_equal = false, s += 2;
		} else if (s[0] == '!' && s[1] == '=') {
			m->is_regex = false, m->is_equal = false, s += 2;
		} else if (s[0] == '=') {
			m->is_regex = false, m->is_equal = true, s += 1 + (s[1] == '=');
		} else {
			snprintf(err, errlen, "matcher %zu: expected =, !=, =~ or !~ after %s", out->n + 1, m->name);
			goto fail;
		}
		s = skip_ws(s);
		if (*s == '"') {
			s = quoted(s + 1, m->value, sizeof m->value, &toolong);
			if (!s) {
				snprintf(err, errlen, "matcher %zu: %s: the quoted value has no closing quote", out->n + 1,
				         m->name);
				goto fail;
			}
		} else {
			/* a bare value is one word: blanks only inside quotes */
			while (s[0] && s[0] != ',' && s[0] != '}' && s[0] != ' ' && s[0] != '\t') {
				size_t o = strlen(m->value);

				if (s[0] == '"') {
					snprintf(err, errlen, "matcher %zu: %s: a quote inside a bare value", out->n + 1, m->name);
					goto fail;
				}
				if (o + 1 < sizeof m->value) {
					m->value[o] = s[0];
					m->value[o + 1] = '\0';
				} else {
					toolong = true;
				}
				s++;
			}
			for (n = strlen(m->value); n > 0 && (m->value[n - 1] == ' ' || m->value[n - 1] == '\t'); n--)
				m->value[n - 1] = '\0';
		}
		if (toolong) {
			snprintf(err, errlen, "matcher %zu: %s: value longer than %zu bytes", out->n + 1, m->name,
			         sizeof m->value - 1);
			goto fail;
		}
		out->n++;
		if (m->is_regex && compile(out, out->n - 1, err, errlen) != 0)
			goto fail;
		s = skip_ws(s);
		if (*s == ',')
			s = skip_ws(s + 1);
		else if (*s && *s != '}') {
			snprintf(err, errlen, "matcher %zu: expected a comma before \"%.20s\"", out->n, s);
			goto fail;
		}
	}
	if (*s == '}') {
		if (!brace) {
			snprintf(err, errlen, "a closing brace without an opening one");
			goto fail;
		}
		s = skip_ws(s + 1);
		brace = false;
	}
	if (brace) {
		snprintf(err, errlen, "the opening brace is not closed");
		goto fail;
	}
	if (*s) {
		snprintf(err, errlen, "unexpected \"%.20s\" after the matchers", s);
		goto fail;
	}
	return 0;
fail:
	alertmgr_matchers_free(out);
	return -1;
}

void alertmgr_matchers_free(struct alertmgr_matchers *ms)
{
	for (size_t i = 0; i < ALERTMGR_MATCHERS; i++) {
		if (ms->re[i]) {
			regfree(ms->re[i]);
			free(ms->re[i]);
			ms->re[i] = NULL;
		}
	}
	ms->n = 0;
}

static bool one(const struct alertmgr_matchers *ms, size_t i, const char *v)
{
	const struct model_am_matcher *m = &ms->m[i];
	bool hit;

	if (m->is_regex)
		hit = ms->re[i] && regexec(ms->re[i], v, 0, NULL, 0) == 0;
	else
		hit = strcmp(v, m->value) == 0;
	return m->is_equal ? hit : !hit;
}

bool alertmgr_matchers_match(const struct alertmgr_matchers *ms, const struct model_am_alert *a)
{
	for (size_t i = 0; i < ms->n; i++)
		if (!one(ms, i, alertmgr_label(a, ms->m[i].name)))
			return false;
	return true;
}

bool alertmgr_matcher_matches_empty(const struct alertmgr_matchers *ms, size_t i)
{
	return i < ms->n && one(ms, i, "");
}

static const char *op(const struct model_am_matcher *m)
{
	return m->is_regex ? (m->is_equal ? "=~" : "!~") : (m->is_equal ? "=" : "!=");
}

void alertmgr_matchers_format(const struct model_am_matcher *m, size_t n, char *buf, size_t len)
{
	size_t o = 0;

	if (len)
		buf[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		char v[600];
		size_t k = 0;

		for (const char *p = m[i].value; *p && k + 3 < sizeof v; p++) {
			if (*p == '"' || *p == '\\')
				v[k++] = '\\';
			if (*p == '\n') {
				v[k++] = '\\';
				v[k++] = 'n';
				continue;
			}
			v[k++] = *p;
		}
		v[k] = '\0';
		o += (size_t)snprintf(buf + (o < len ? o : len), o < len ? len - o : 0, "%s%s%s\"%s\"", i ? ", " : "",
		                      m[i].name, op(&m[i]), v);
	}
}

size_t alertmgr_alert_matchers(const struct model_am_alert *a, struct model_am_matcher *out, size_t max)
{
	size_t n = 0, used = 0;

	/* alertname first; then the labels that still fit a command line whole */
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < a->nlabels && n < max; i++) {
			const struct model_label *l = &a->labels[i];
			bool is_name = strcmp(l->name, "alertname") == 0;
			size_t cost = strlen(l->name) + strlen(l->value) + 6;

			if (l->cut || (pass == 0) != is_name || (n && used + cost > 400))
				continue;
			snprintf(out[n].name, sizeof out[n].name, "%s", l->name);
			snprintf(out[n].value, sizeof out[n].value, "%s", l->value);
			out[n].is_regex = false;
			out[n].is_equal = true;
			used += cost;
			n++;
		}
	}
	return n;
}

long alertmgr_parse_duration(const char *s)
{
	int64_t ms = text_duration_ms(s, false);

	return ms >= 1000 ? (long)(ms / 1000) : -1;
}
