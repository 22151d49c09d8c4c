/* timeline — secrets out of the timeline. Notes and action details are typed
 * in a hurry during an incident and sometimes carry a pasted curl line with a
 * token: the value goes, the shape of the line stays, so the entry still reads. */
#include "warroom/timeline.h"
#include "warroom/text.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cJSON.h>

static bool word_is(const char *s, size_t n, const char *w)
{
	return strlen(w) == n && strncasecmp(s, w, n) == 0;
}

static bool word_has(const char *s, size_t n, const char *w)
{
	size_t m = strlen(w);
	for (size_t i = 0; i + m <= n; i++)
		if (strncasecmp(s + i, w, m) == 0)
			return true;
	return false;
}

/* A key whose value is a secret: token, password, api_key, X-Api-Key, ...
 * A bare "key" counts in JSON; in prose "rollback key: R" is no secret. */
static bool secret_name(const char *s, size_t n, bool json)
{
	static const char *const parts[] = {
		"token", "passw", "secret", "authorization", "bearer", "apikey",
		"api_key", "api-key", "credential", "private_key", "private-key",
	};
	for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
		if (word_has(s, n, parts[i]))
			return true;
	if ((json && word_is(s, n, "key")) || word_is(s, n, "pass") || word_is(s, n, "pwd"))
		return true;
	return n > 4 && strchr("_-.", s[n - 4]) && strncasecmp(s + n - 3, "key", 3) == 0;
}

static bool ident_start(int c) { return isalpha(c) || c == '_'; }
static bool ident_char(int c) { return isalnum(c) || c == '_' || c == '-' || c == '.'; }
static bool value_end(int c) { return c == '\0' || isspace(c) || strchr(",;&\"'}<>)", c); }

/* Skips one unquoted or quoted value at s, emitting "[redacted]" for it. */
static const char *redact_value(struct text_buf *b, const char *s)
{
	if (*s == '"' || *s == '\'') {
		char q = *s;
		const char *e = strchr(s + 1, q);
		text_buf_add(b, s, 1);
		text_buf_add(b, "[redacted]", 10);
		if (!e)
			return s + strlen(s);
		text_buf_add(b, e, 1);
		return e + 1;
	}
	const char *e = s;
	while (!value_end((unsigned char)*e))
		e++;
	if (e > s)
		text_buf_add(b, "[redacted]", 10);
	return e;
}

static char *redact_once(const char *text)
{
	struct text_buf b = {0};
	const char *s = text ? text : "";
	while (*s) {
		unsigned char c = (unsigned char)*s;
		bool at_word = s == text || !isalnum((unsigned char)s[-1]);
		/* scheme://user:password@host */
		if (c == ':' && strncmp(s, "://", 3) == 0) {
			const char *u = s + 3, *e = u, *colon = NULL;
			while (*e && !strchr("/@?# \t\r\n\"'", *e)) {
				if (*e == ':' && !colon)
					colon = e;
				e++;
			}
			text_buf_add(&b, s, 3);
			s += 3;
			if (*e == '@' && colon) {
				text_buf_add(&b, u, (size_t)(colon - u) + 1);
				text_buf_add(&b, "[redacted]", 10);
				s = e;
			}
			continue;
		}
		if (at_word && ident_start(c)) {
			const char *w = s, *p = s;
			while (ident_char((unsigned char)*p))
				p++;
			size_t n = (size_t)(p - w);
			text_buf_add(&b, w, n);
			s = p;
			/* "Bearer xyz", in prose or in a header value */
			if (word_is(w, n, "bearer") && (*p == ' ' || *p == '\t')) {
				while (*p == ' ' || *p == '\t')
					p++;
				if (!value_end((unsigned char)*p)) {
					text_buf_add(&b, s, (size_t)(p - s));
					s = redact_value(&b, p);
				}
				continue;
			}
			if (!secret_name(w, n, false))
				continue;
			/* key="v", "key": "v", key=v, key: v */
			if ((*p == '"' || *p == '\'') && w > text && w[-1] == *p)
				p++;
			while (*p == ' ' || *p == '\t')
				p++;
			if (*p != ':' && *p != '=')
				continue;
			p++;
			while (*p == ' ' || *p == '\t')
				p++;
			/* Authorization: Basic xyz — keep the scheme, hide the rest */
			const char *q = p;
			while (isalpha((unsigned char)*q))
				q++;
			if (q > p && *q == ' ' && (word_is(p, (size_t)(q - p), "basic") ||
			    word_is(p, (size_t)(q - p), "bearer") || word_is(p, (size_t)(q - p), "token") ||
			    word_is(p, (size_t)(q - p), "digest")))
				p = q + 1;
			text_buf_add(&b, s, (size_t)(p - s));
			s = redact_value(&b, p);
			continue;
		}
		text_buf_add(&b, s, 1);
		s++;
	}
	return text_buf_take(&b);
}

/* A pass can hide what ended an earlier match (a URL's user info running
 * on into a value just hidden), so the next pass finds more: passes repeat
 * until one changes nothing. Each pass only hides text, so this ends soon;
 * should it not, the whole text goes, which is stable too. */
#define REDACT_PASSES 8

char *timeline_redact(const char *text)
{
	char *cur = redact_once(text);

	for (int i = 0; cur && i < REDACT_PASSES; i++) {
		char *next = redact_once(cur);

		if (!next) {
			free(cur);
			return NULL;
		}
		if (strcmp(next, cur) == 0) {
			free(next);
			return cur;
		}
		free(cur);
		cur = next;
	}
	free(cur);
	return strdup("[redacted]");
}

/* Puts r in it's place, keeping it's key (the key's memory moves over). */
static cJSON *swap_item(cJSON *parent, cJSON *it, cJSON *r)
{
	if (!r)
		return NULL;
	r->string = it->string;
	r->type |= it->type & cJSON_StringIsConst;
	it->string = NULL;
	if (!cJSON_ReplaceItemViaPointer(parent, it, r)) {
		cJSON_Delete(r);
		return NULL;
	}
	return r;
}

/* Redacts a parsed JSON tree in place: secret-named keys lose their value,
 * strings lose their inline secrets. */
static int redact_json(cJSON *node)
{
	for (cJSON *it = node->child; it; it = it->next) {
		if (it->string && secret_name(it->string, strlen(it->string), true)) {
			if (!(it = swap_item(node, it, cJSON_CreateString("[redacted]"))))
				return -1;
		} else if (cJSON_IsString(it)) {
			char *red = timeline_redact(it->valuestring);
			if (!red)
				return -1;
			if (strcmp(red, it->valuestring) != 0)
				it = swap_item(node, it, cJSON_CreateString(red));
			free(red);
			if (!it)
				return -1;
		} else if (cJSON_IsObject(it) || cJSON_IsArray(it)) {
			if (redact_json(it) < 0)
				return -1;
		}
	}
	return 0;
}

static const char *json_type_name(const cJSON *j)
{
	if (cJSON_IsArray(j)) return "an array";
	if (cJSON_IsString(j)) return "a string";
	if (cJSON_IsNumber(j)) return "a number";
	if (cJSON_IsBool(j)) return "a boolean";
	if (cJSON_IsNull(j)) return "null";
	return "not an object";
}

char *timeline_detail_clean(const char *detail, char *err, size_t errlen)
{
	const char *end = NULL;
	cJSON *j = cJSON_ParseWithOpts(detail, &end, 1);
	if (!j) {
		size_t at = end && end >= detail ? (size_t)(end - detail) : 0;
		text_errf(err, errlen, "timeline: detail is not valid JSON (error at byte %zu)", at);
		return NULL;
	}
	if (!cJSON_IsObject(j)) {
		text_errf(err, errlen, "timeline: detail must be a JSON object, got %s", json_type_name(j));
		cJSON_Delete(j);
		return NULL;
	}
	char *out = NULL, *printed = NULL;
	if (redact_json(j) == 0 && (printed = cJSON_PrintUnformatted(j)))
		out = strdup(printed);   /* plain free() for the caller */
	cJSON_free(printed);
	cJSON_Delete(j);
	if (!out)
		text_errf(err, errlen, "timeline: out of memory");
	return out;
}
