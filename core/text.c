#define _GNU_SOURCE   /* memmem */
/* Small text helpers shared by every layer. */
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "warroom/secret.h"
#include "warroom/text.h"

void text_copy(char *dst, size_t len, const char *src)
{
	if (len)
		snprintf(dst, len, "%s", src ? src : "");
}

int64_t text_duration_ms(const char *s, bool bare_seconds)
{
	static const struct { const char *u; double ms; } units[] = {
		{ "ms", 1 }, { "s", 1e3 }, { "m", 6e4 }, { "h", 3.6e6 }, { "d", 8.64e7 }, { "w", 6.048e8 },
		{ "y", 3.1536e10 },
	};
	double total = 0;
	bool any = false;

	if (!s || !*s)
		return -1;
	while (*s) {
		char *end;
		double n;
		size_t ul = 0;
		double mult = -1;

		if (!isdigit((unsigned char)*s) && *s != '.')
			return -1;   /* no sign, no blank, no "inf" */
		n = strtod(s, &end);
		if (end == s || !isfinite(n))
			return -1;
		while (isalpha((unsigned char)end[ul]))
			ul++;
		for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
			if (strlen(units[i].u) == ul && !strncmp(end, units[i].u, ul))
				mult = units[i].ms;
		if (ul == 0 && !any && !end[0] && bare_seconds)
			mult = 1e3;
		if (mult < 0)
			return -1;
		total += n * mult;
		if (total > 100 * 3.1536e10)
			return -1;
		any = true;
		s = end + ul;
	}
	return (int64_t)llround(total);
}

void text_age(int64_t ms, char *buf, size_t len)
{
	int64_t s = ms > 0 ? ms / 1000 : 0;

	if (s < 120)
		snprintf(buf, len, "%llds", (long long)s);
	else if (s < 7200)
		snprintf(buf, len, "%lldm", (long long)(s / 60));
	else if (s < 172800)
		snprintf(buf, len, "%lldh", (long long)(s / 3600));
	else
		snprintf(buf, len, "%lldd", (long long)(s / 86400));
}

int64_t text_parse_time(const char *s)
{
	struct tm tm;
	const char *p;
	int64_t ms = 0;
	long off = 0;

	memset(&tm, 0, sizeof tm);
	if (!s || !(p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm)))
		return 0;
	if (*p == '.') {
		int digits = 0;

		for (p++; *p >= '0' && *p <= '9'; p++, digits++)
			if (digits < 3)
				ms = ms * 10 + (*p - '0');
		for (; digits > 0 && digits < 3; digits++)
			ms *= 10;
	}
	if (*p == '+' || *p == '-') {
		int h = 0, m = 0;

		if (sscanf(p + 1, "%2d:%2d", &h, &m) >= 1)
			off = (*p == '-' ? -1 : 1) * (h * 3600L + m * 60L);
	}
	return ((int64_t)timegm(&tm) - off) * 1000 + ms;
}

void text_errf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	text_hide_url_passwords(err);
}

/* The first words of a body, on one line, for an error text. */
#define WORDS_LOOK 4096
void text_first_words(const char *body, size_t len, char *buf, size_t buflen)
{
	char clean[WORDS_LOOK + 80];
	size_t o = 0, max = buflen > 84 ? 80 : buflen - 4, n;
	bool space = false, cut;

	/* enough to take out a whole echoed token before the cut: an answer may be megabytes */
	n = text_clean(clean, sizeof clean, body, len < WORDS_LOOK ? len : WORDS_LOOK, 0);
	cut = len > WORDS_LOOK || n >= sizeof clean;
	secret_scrub_buf(clean, sizeof clean);
	for (const char *p = clean; *p; p++) {
		if (*p == ' ') {
			space = o > 0;
			continue;
		}
		if (o + (space ? 1 : 0) >= max) {
			cut = true;
			break;
		}
		if (space)
			buf[o++] = ' ';
		space = false;
		buf[o++] = *p;
	}
	/* never end inside a UTF-8 sequence */
	if (cut) {
		while (o && ((unsigned char)buf[o - 1] & 0xC0) == 0x80)
			o--;
		if (o && (unsigned char)buf[o - 1] >= 0xC0)
			o--;
		buf[o++] = '.', buf[o++] = '.', buf[o++] = '.';
	}
	buf[o] = '\0';
}

bool text_looks_html(const char *ctype, const char *body, size_t len)
{
	size_t i = 0;

	if (ctype && strncasecmp(ctype, "text/html", 9) == 0)
		return true;
	while (i < len && (body[i] == ' ' || body[i] == '\t' || body[i] == '\r' || body[i] == '\n'))
		i++;
	return i < len && body[i] == '<';
}

/* The text of <title>, if the page has one. */
void text_html_title(const char *body, size_t len, char *buf, size_t buflen)
{
	const char *t = body ? memmem(body, len, "<title>", 7) : NULL;
	const char *e;

	buf[0] = '\0';
	if (!t)
		t = body ? memmem(body, len, "<TITLE>", 7) : NULL;
	if (!t)
		return;
	t += 7;
	e = memchr(t, '<', len - (size_t)(t - body));
	if (e)
		text_first_words(t, (size_t)(e - t), buf, buflen);
}

int text_hide_url_passwords(char *s)
{
	int changed = 0;
	char *p = s;

	while (p && (p = strstr(p, "://")) != NULL) {
		char *e = p + 3, *colon = NULL, *at = NULL;

		/* the user info ends at the authority's last '@' (a password may hold one) */
		for (; *e && !strchr("/?# \t\r\n\"'<>", *e); e++) {
			if (*e == ':' && !colon && !at)
				colon = e;
			else if (*e == '@')
				at = e;
		}
		if (colon && at && colon < at) {
			memmove(colon, at, strlen(at) + 1);
			changed = 1;
			e = colon;
		}
		p = e;
	}
	return changed;
}

char *text_join(int argc, char **argv, int from)
{
	size_t len = 1;
	char *s;

	if (from >= argc)
		return NULL;
	for (int i = from; i < argc; i++)
		len += strlen(argv[i]) + 1;
	if (!(s = malloc(len)))
		return NULL;
	s[0] = '\0';
	for (int i = from; i < argc; i++) {
		if (i > from)
			strcat(s, " ");
		strcat(s, argv[i]);
	}
	return s;
}

const char *text_skip_blanks(const char *s)
{
	while (s && (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r'))
		s++;
	return s;
}

/* ---- regexes that regcomp can take ---- */

#define REGEX_MAX_LEN 1000
#define REGEX_MAX_COUNT 1000
#define REGEX_MAX_ATOMS 20000.0
#define REGEX_MAX_DEPTH 100

/* A bracket expression from its '[': the byte after its ']' (or the end). */
static const char *skip_bracket(const char *p)
{
	p++;
	if (*p == '^')
		p++;
	if (*p == ']')
		p++;   /* a leading ']' is a member */
	while (*p && *p != ']') {
		if (*p == '[' && (p[1] == ':' || p[1] == '.' || p[1] == '=')) {
			const char *e = strchr(p + 2, p[1]);

			p = e && e[1] == ']' ? e + 2 : p + 1;
			continue;
		}
		p++;
	}
	return *p ? p + 1 : p;
}

int text_regex_check(const char *pat, char *err, size_t errlen)
{
	double size[REGEX_MAX_DEPTH + 1] = { 0 };   /* atoms so far in each open group */
	double last = 0;                            /* the atom or group a quantifier would repeat */
	bool repeated = false;                      /* last was repeated already */
	int depth = 0;
	const char *p = pat;

	if (strlen(pat) > REGEX_MAX_LEN) {
		text_errf(err, errlen, "the regex is longer than %d bytes", REGEX_MAX_LEN);
		return -1;
	}
	while (*p) {
		double times = 0;

		switch (*p) {
		case '(':
			if (depth == REGEX_MAX_DEPTH) {
				text_errf(err, errlen, "the regex nests groups deeper than %d", REGEX_MAX_DEPTH);
				return -1;
			}
			size[++depth] = 0;
			last = 0, repeated = false, p++;
			continue;
		case ')':
			if (depth == 0) {
				last = 1, repeated = false, size[0] += 1, p++;   /* regcomp says what it makes of it */
				continue;
			}
			last = size[depth--];
			size[depth] += last;
			repeated = false, p++;
			if (size[depth] > REGEX_MAX_ATOMS) {
				text_errf(err, errlen, "the regex would grow past %.0f parts when compiled", REGEX_MAX_ATOMS);
				return -1;
			}
			continue;
		case '*': case '?': times = 1; break;
		case '+': times = 2; break;
		case '{': {
			char *e;
			long a = strtol(p + 1, &e, 10), b = a;

			if (e == p + 1 || (*e != ',' && *e != '}')) {
				last = 1, repeated = false, size[depth] += 1, p++;   /* a plain '{' */
				continue;
			}
			if (*e == ',')
				b = e[1] == '}' ? a : strtol(e + 1, &e, 10);
			else
				e--;
			if (a > REGEX_MAX_COUNT || b > REGEX_MAX_COUNT || a < 0 || b < 0) {
				text_errf(err, errlen, "the regex repeats something more than %d times", REGEX_MAX_COUNT);
				return -1;
			}
			times = (double)(a > b ? a : b) + 1;
			p = strchr(e, '}') ? strchr(e, '}') : e;
			break;
		}
		case '[':
			p = skip_bracket(p);
			last = 1, repeated = false, size[depth] += 1;
			continue;
		case '\\':
			p += p[1] ? 2 : 1;
			last = 1, repeated = false, size[depth] += 1;
			continue;
		case '|':
			last = 0, repeated = false, p++;
			continue;
		default:
			last = 1, repeated = false, size[depth] += 1, p++;
			continue;
		}
		/* a quantifier: what it repeats grows by its count */
		if (repeated) {
			text_errf(err, errlen, "the regex repeats a repetition (nested repetition operator)");
			return -1;
		}
		size[depth] += last * (times - 1);
		last *= times;
		repeated = true;
		if (size[depth] > REGEX_MAX_ATOMS || last > REGEX_MAX_ATOMS) {
			text_errf(err, errlen, "the regex would grow past %.0f parts when compiled", REGEX_MAX_ATOMS);
			return -1;
		}
		p++;
	}
	return 0;
}

char *text_dup_printf(const char *fmt, ...)
{
	va_list ap;
	int n;
	char *s;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	s = n >= 0 ? malloc((size_t)n + 1) : NULL;
	if (s) {
		va_start(ap, fmt);
		vsnprintf(s, (size_t)n + 1, fmt, ap);
		va_end(ap);
	}
	return s;
}

/* ---- the growing string ---- */

/* Room for n more bytes and the NUL; false (and oom, for good) when there is none. */
static bool buf_room(struct text_buf *b, size_t n)
{
	size_t cap;
	char *s;

	if (b->oom)
		return false;
	if (n >= SIZE_MAX / 2 - b->n) {
		b->oom = true;
		return false;
	}
	if (b->n + n + 1 <= b->cap)
		return true;
	cap = b->cap ? b->cap : 64;
	while (cap < b->n + n + 1)
		cap *= 2;
	s = realloc(b->s, cap);
	if (!s) {
		b->oom = true;
		return false;
	}
	b->s = s;
	b->cap = cap;
	return true;
}

void text_buf_add(struct text_buf *b, const char *s, size_t n)
{
	if (!buf_room(b, n))
		return;
	if (n)
		memcpy(b->s + b->n, s, n);
	b->n += n;
	b->s[b->n] = '\0';
}

void text_buf_str(struct text_buf *b, const char *s)
{
	if (s)
		text_buf_add(b, s, strlen(s));
}

void text_buf_vprintf(struct text_buf *b, const char *fmt, va_list ap)
{
	va_list again;
	int need;

	va_copy(again, ap);
	need = vsnprintf(NULL, 0, fmt, ap);
	if (need >= 0 && buf_room(b, (size_t)need)) {
		vsnprintf(b->s + b->n, b->cap - b->n, fmt, again);
		b->n += (size_t)need;
	}
	va_end(again);
}

void text_buf_printf(struct text_buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	text_buf_vprintf(b, fmt, ap);
	va_end(ap);
}

void text_buf_reset(struct text_buf *b)
{
	b->n = 0;
	if (b->s)
		b->s[0] = '\0';
}

char *text_buf_take(struct text_buf *b)
{
	char *s = b->s;

	if (b->oom) {
		text_buf_free(b);
		return NULL;
	}
	if (!s)
		s = strdup("");
	memset(b, 0, sizeof *b);
	return s;
}

void text_buf_free(struct text_buf *b)
{
	free(b->s);
	memset(b, 0, sizeof *b);
}
