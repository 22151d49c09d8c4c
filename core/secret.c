/* secret — the secrets the console knows, each registered where it is read,
 * and the scrub every outgoing text goes through (include/warroom/secret.h). */
#define _GNU_SOURCE   /* memmem */
#include "warroom/secret.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct form {
	char *s;
	size_t n;
};

static struct form *forms;
static size_t nforms, cap;
static uint8_t first[256 / 8];   /* the first bytes of the forms: most bytes of a text start none */

static bool known(const char *s, size_t n)
{
	for (size_t i = 0; i < nforms; i++)
		if (forms[i].n == n && memcmp(forms[i].s, s, n) == 0)
			return true;
	return false;
}

/* One exact form. Out of memory it is not kept: the patterns still stand. */
static void add_form(const char *s, size_t n)
{
	char *copy;

	if (n < SECRET_MIN || known(s, n))
		return;
	if (nforms == cap) {
		size_t ncap = cap ? cap * 2 : 32;
		struct form *f = realloc(forms, ncap * sizeof *f);

		if (!f)
			return;
		forms = f;
		cap = ncap;
	}
	if (!(copy = malloc(n + 1)))
		return;
	memcpy(copy, s, n);
	copy[n] = '\0';
	forms[nforms].s = copy;
	forms[nforms++].n = n;
	first[(unsigned char)s[0] / 8] |= (uint8_t)(1u << ((unsigned char)s[0] % 8));
}

/* base64 without its '=' padding: the padded text holds it. */
static void add_base64(const char *s, size_t n, bool url)
{
	static const char std[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	static const char safe[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	const char *t = url ? safe : std;
	const unsigned char *p = (const unsigned char *)s;
	char *out = malloc(n / 3 * 4 + 5);
	size_t o = 0, i = 0;

	if (!out)
		return;
	for (; i + 2 < n; i += 3) {
		out[o++] = t[p[i] >> 2];
		out[o++] = t[(p[i] & 3) << 4 | p[i + 1] >> 4];
		out[o++] = t[(p[i + 1] & 15) << 2 | p[i + 2] >> 6];
		out[o++] = t[p[i + 2] & 63];
	}
	if (i < n) {
		out[o++] = t[p[i] >> 2];
		if (i + 1 < n) {
			out[o++] = t[(p[i] & 3) << 4 | p[i + 1] >> 4];
			out[o++] = t[(p[i + 1] & 15) << 2];
		} else {
			out[o++] = t[(p[i] & 3) << 4];
		}
	}
	add_form(out, o);
	explicit_bzero(out, o);
	free(out);
}

/* Percent-encoded (every byte but the unreserved ones), in upper and lower
 * case hex, and as a JSON string holds it: each only when it differs. */
static void add_escaped(const char *s, size_t n)
{
	char *out = malloc(n * 6 + 1);
	size_t o;

	if (!out)
		return;
	for (int lower = 0; lower < 2; lower++) {
		o = 0;
		for (size_t i = 0; i < n; i++) {
			unsigned char c = (unsigned char)s[i];

			if (isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~')
				out[o++] = (char)c;
			else
				o += (size_t)snprintf(out + o, 4, lower ? "%%%02x" : "%%%02X", c);
		}
		if (o != n)
			add_form(out, o);
	}
	o = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\')
			out[o++] = '\\', out[o++] = (char)c;
		else if (c < 0x20)
			o += (size_t)snprintf(out + o, 7, "\\u%04x", c);
		else
			out[o++] = (char)c;
	}
	if (o != n)
		add_form(out, o);
	explicit_bzero(out, n * 6 + 1);
	free(out);
}

void secret_register(const char *value, size_t len)
{
	if (!value)
		return;
	if (len == (size_t)-1)
		len = strlen(value);
	while (len && isspace((unsigned char)*value))
		value++, len--;
	while (len && isspace((unsigned char)value[len - 1]))
		len--;
	if (len < SECRET_MIN || known(value, len))
		return;
	add_form(value, len);
	add_base64(value, len, false);
	add_base64(value, len, true);
	add_escaped(value, len);
}

static int hexval(int c)
{
	return isdigit(c) ? c - '0' : isxdigit(c) ? (tolower(c) - 'a' + 10) : -1;
}

/* Registers s (n bytes) as written and percent-decoded: a URL holds a
 * password encoded, a request sends it decoded. */
static void register_both(const char *s, size_t n)
{
	char *dec = malloc(n + 1);
	size_t o = 0;

	secret_register(s, n);
	if (!dec)
		return;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '%' && i + 2 < n && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
			dec[o++] = (char)(hexval(s[i + 1]) << 4 | hexval(s[i + 2]));
			i += 2;
		} else {
			dec[o++] = s[i];
		}
	}
	secret_register(dec, o);
	explicit_bzero(dec, n + 1);
	free(dec);
}

void secret_register_url(const char *text)
{
	const char *p = text;

	while (p && (p = strstr(p, "://")) != NULL) {
		const char *u = p + 3, *e = u, *colon = NULL, *at = NULL;

		/* the user info ends at the authority's last '@' (a password may hold one) */
		for (; *e && !strchr("/?# \t\r\n\"'<>", *e); e++) {
			if (*e == ':' && !colon && !at)
				colon = e;
			else if (*e == '@')
				at = e;
		}
		if (colon && at && colon < at) {
			register_both(colon + 1, (size_t)(at - colon - 1));
			/* Basic authorization sends base64 of "user:password" */
			register_both(u, (size_t)(at - u));
		}
		p = e;
	}
}

void secret_register_pem(const char *pem, size_t len)
{
	const char *p = pem, *end;

	if (!pem)
		return;
	if (len == (size_t)-1)
		len = strlen(pem);
	end = pem + len;
	secret_register(pem, len);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);

		if (n && memchr(p, '-', n) == NULL)
			secret_register(p, n);   /* a body line of the key, as a log might quote it */
		p += n + 1;
	}
}

size_t secret_count(void)
{
	return nforms;
}

static bool word_char(unsigned char c)
{
	return isalnum(c);
}

/* The longest form at text[i] (its length), 0 for none. */
static size_t match_at(const char *text, size_t len, size_t i)
{
	unsigned char c = (unsigned char)text[i];
	size_t best = 0;

	if (!(first[c / 8] & (1u << (c % 8))))
		return 0;
	for (size_t k = 0; k < nforms; k++) {
		const struct form *f = &forms[k];

		if (f->n <= best || f->n > len - i || memcmp(text + i, f->s, f->n) != 0)
			continue;
		/* a short value is a secret only as a word of its own */
		if (f->n < SECRET_ANYWHERE && ((i > 0 && word_char((unsigned char)text[i - 1])) ||
		    (i + f->n < len && word_char((unsigned char)text[i + f->n]))))
			continue;
		best = f->n;
	}
	return best;
}

bool secret_found(const char *text, size_t len)
{
	if (!text || !nforms)
		return false;
	len = strnlen(text, len);
	/* one memmem per form: every outgoing text asks, and most hold none */
	for (size_t k = 0; k < nforms; k++) {
		const struct form *f = &forms[k];
		const char *p = text, *end = text + len;

		while ((p = memmem(p, (size_t)(end - p), f->s, f->n)) != NULL) {
			if (f->n >= SECRET_ANYWHERE || match_at(text, len, (size_t)(p - text)))
				return true;
			p++;
		}
	}
	return false;
}

char *secret_scrub_dup(const char *text)
{
	size_t len, o = 0, outcap;
	char *out;

	if (!text)
		return NULL;
	len = strlen(text);
	if (!secret_found(text, len))
		return strdup(text);
	/* each mark stands for at least SECRET_MIN bytes */
	outcap = len + (len / SECRET_MIN + 1) * sizeof SECRET_MARK + 1;
	if (!(out = malloc(outcap)))
		return NULL;
	for (size_t i = 0; i < len; ) {
		size_t m = match_at(text, len, i);

		if (m) {
			memcpy(out + o, SECRET_MARK, sizeof SECRET_MARK - 1);
			o += sizeof SECRET_MARK - 1;
			i += m;
		} else {
			out[o++] = text[i++];
		}
	}
	out[o] = '\0';
	return out;
}

bool secret_scrub_buf(char *buf, size_t size)
{
	char *clean;
	size_t n;

	if (!buf || !size || !secret_found(buf, strnlen(buf, size)))
		return false;
	buf[size - 1] = '\0';
	clean = secret_scrub_dup(buf);
	if (!clean) {
		buf[0] = '\0';   /* out of memory: nothing, rather than the secret */
		return true;
	}
	n = strlen(clean);
	if (n >= size) {
		n = size - 1;
		while (n && ((unsigned char)clean[n] & 0xC0) == 0x80)
			n--;   /* never half a character */
	}
	memcpy(buf, clean, n);
	buf[n] = '\0';
	free(clean);
	return true;
}

void secret_forget_all(void)
{
	for (size_t i = 0; i < nforms; i++) {
		explicit_bzero(forms[i].s, forms[i].n);
		free(forms[i].s);
	}
	free(forms);
	forms = NULL;
	nforms = cap = 0;
	memset(first, 0, sizeof first);
}
