/* The one cleaning of text from outside: a server's answer, a Kubernetes
 * field, an alert's labels, a command's output, a note or a title typed by
 * someone. It runs where such text enters, so what the console keeps can go
 * to a terminal, a file or the database as it is. A terminal must never see
 * a control from outside: an escape sequence can clear the screen, move the
 * cursor over a panel's border, rename the window or write the clipboard
 * (OSC 52). So every control becomes a visible mark instead (ECMA-48's
 * ranges; C1 in its UTF-8 form too, U+009B being CSI). */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "warroom/text.h"

/* The marks: an escape (a sequence, or a C1 control, an escape's 8-bit
 * form) is U+241B "␛"; another C0 control its Control Picture (U+2400 +
 * code, "␇"), DEL U+2421 "␡"; a byte that is not UTF-8 '?'. */
#define MARK_ESC "\xe2\x90\x9b"
#define MARK_LEN 3

/* Length of the valid UTF-8 sequence at s (at most n bytes), 0 when it is
 * not one: no overlong forms, no surrogates, nothing past U+10FFFF. */
static size_t utf8_valid(const unsigned char *s, size_t n)
{
	unsigned char lo = 0x80, hi = 0xBF;
	size_t len;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xC2 && s[0] <= 0xDF)
		len = 2;
	else if (s[0] >= 0xE0 && s[0] <= 0xEF)
		len = 3, lo = s[0] == 0xE0 ? 0xA0 : 0x80, hi = s[0] == 0xED ? 0x9F : 0xBF;
	else if (s[0] >= 0xF0 && s[0] <= 0xF4)
		len = 4, lo = s[0] == 0xF0 ? 0x90 : 0x80, hi = s[0] == 0xF4 ? 0x8F : 0xBF;
	else
		return 0;
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if ((s[i] & 0xC0) != 0x80)
			return 0;
	return len;
}

/* The C1 control at s (UTF-8 C2 80..9F): its code, or 0. */
static unsigned c1_at(const unsigned char *s, size_t n)
{
	return n >= 2 && s[0] == 0xC2 && s[1] >= 0x80 && s[1] <= 0x9F ? s[1] : 0;
}

/* A control string's body (OSC, DCS, SOS, PM, APC) from s: up to its
 * terminator, BEL or ST (ESC \ or U+009C), which goes with it. Any other
 * control ends it too and stays, so a missing terminator costs the
 * sequence, not the rest of the text. */
static size_t skip_string(const unsigned char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		if (s[i] == 0x07)
			return i + 1;
		if (s[i] == 0x1B)
			return i + 1 < n && s[i + 1] == '\\' ? i + 2 : i;
		if (c1_at(s + i, n - i) == 0x9C)
			return i + 2;
		if (s[i] < 0x20 || s[i] == 0x7F || c1_at(s + i, n - i))
			return i;
		i++;
	}
	return i;
}

/* A CSI's parameters, intermediates and final byte from s. */
static size_t skip_csi(const unsigned char *s, size_t n)
{
	size_t i = 0;

	while (i < n && s[i] >= 0x30 && s[i] <= 0x3F)
		i++;
	while (i < n && s[i] >= 0x20 && s[i] <= 0x2F)
		i++;
	return i < n && s[i] >= 0x40 && s[i] <= 0x7E ? i + 1 : i;
}

/* What follows an introducer (ESC's next byte, or a C1's code as 0x40 +
 * its low bits): how many bytes of s belong to the sequence. */
static size_t skip_after(unsigned char intro, const unsigned char *s, size_t n)
{
	switch (intro) {
	case '[':
		return skip_csi(s, n);
	case ']': case 'P': case 'X': case '^': case '_':
		return skip_string(s, n);
	default:
		return 0;
	}
}

/* An escape sequence at s (ESC or a C1): its whole length. */
static size_t escape_len(const unsigned char *s, size_t n)
{
	unsigned c1 = c1_at(s, n);
	size_t i;

	if (c1)
		return 2 + skip_after((unsigned char)(c1 - 0x40), s + 2, n - 2);
	/* ESC alone, ESC + one final (ESC c, ESC 7), ESC + intermediates + final (ESC ( B) */
	if (n < 2)
		return 1;
	if (s[1] == '[' || s[1] == ']' || s[1] == 'P' || s[1] == 'X' || s[1] == '^' || s[1] == '_')
		return 2 + skip_after(s[1], s + 2, n - 2);
	for (i = 1; i < n && s[i] >= 0x20 && s[i] <= 0x2F; i++)
		;
	return i < n && s[i] >= 0x30 && s[i] <= 0x7E ? i + 1 : 1;
}

struct out {
	char *dst;
	size_t cap;
	size_t used;        /* bytes written to dst */
	size_t len;         /* what the whole text needs */
};

/* Appends a whole piece or, once one does not fit, nothing more: the text
 * is never cut inside a character or a mark. */
static void put(struct out *o, const char *s, size_t n)
{
	if (o->used == o->len && o->used + n < o->cap) {
		memcpy(o->dst + o->used, s, n);
		o->used += n;
	}
	o->len += n;
}

static void put_picture(struct out *o, unsigned char c)
{
	char m[MARK_LEN] = { '\xe2', '\x90', 0 };

	/* U+2400 + c for C0, U+2421 for DEL */
	m[2] = c == 0x7F ? '\xa1' : (char)(0x80 + c);
	put(o, m, MARK_LEN);
}

static bool blank_control(unsigned char c)
{
	return c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

size_t text_clean(char *dst, size_t dstlen, const char *src, size_t srclen, unsigned flags)
{
	const unsigned char *s = (const unsigned char *)(src ? src : "");
	struct out o = { dst, dstlen, 0, 0 };
	bool lines = flags & TEXT_CLEAN_LINES, tabs = flags & TEXT_CLEAN_TABS;
	bool pending = false;     /* one line: a run of blanks waits to be one space */
	size_t i = 0;

	while (i < srclen && s[i]) {
		size_t n = srclen - i, k;

		if (blank_control(s[i])) {
			if (s[i] == '\t' && tabs)
				put(&o, "\t", 1);
			else if (lines && (s[i] == '\n' || s[i] == '\r'))
				put(&o, "\n", 1);   /* "\r\n" is one line end, as is a lone "\r" */
			else if (lines)
				put(&o, " ", 1);
			else
				pending = true;
			i += s[i] == '\r' && n > 1 && s[i + 1] == '\n' ? 2 : 1;
			continue;
		}
		if (pending && o.len > 0)
			put(&o, " ", 1);   /* none at either end */
		pending = false;
		if (s[i] == 0x1B || c1_at(s + i, n)) {
			k = escape_len(s + i, n);
			put(&o, MARK_ESC, MARK_LEN);
		} else if (s[i] < 0x20 || s[i] == 0x7F) {
			k = 1;
			put_picture(&o, s[i]);
		} else if ((k = utf8_valid(s + i, n)) == 0) {
			k = 1;
			put(&o, "?", 1);
		} else {
			put(&o, (const char *)s + i, k);
		}
		i += k;
	}
	if (o.cap)
		o.dst[o.used] = '\0';
	return o.len;
}

char *text_clean_dup(const char *src, size_t srclen, unsigned flags)
{
	size_t need = text_clean(NULL, 0, src, srclen, flags);
	char *out = malloc(need + 1);

	if (out)
		text_clean(out, need + 1, src, srclen, flags);
	return out;
}

void text_clean_buf(char *buf, size_t size, unsigned flags)
{
	char small[1024], *copy = small;
	size_t n;

	if (!buf || !size)
		return;
	n = strnlen(buf, size - 1);
	if (text_is_clean(buf, n, flags))
		return;
	if (n >= sizeof small && !(copy = malloc(n + 1))) {
		buf[0] = '\0';   /* out of memory: nothing unclean is left behind */
		return;
	}
	memcpy(copy, buf, n);
	copy[n] = '\0';
	text_clean(buf, size, copy, n, flags);
	if (copy != small)
		free(copy);
}

bool text_is_clean(const char *s, size_t len, unsigned flags)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	bool lines = flags & TEXT_CLEAN_LINES, tabs = flags & TEXT_CLEAN_TABS;

	for (size_t i = 0; i < len && p[i]; ) {
		size_t k;

		if (p[i] < 0x20 || p[i] == 0x7F) {
			if (!(p[i] == '\t' && tabs) && !(p[i] == '\n' && lines))
				return false;
			i++;
			continue;
		}
		if (p[i] < 0x80) {
			i++;
			continue;
		}
		if (c1_at(p + i, len - i) || (k = utf8_valid(p + i, len - i)) == 0)
			return false;
		i += k;
	}
	return true;
}
