/* text — small text helpers every layer shares: bounded copies, ages in the
 * operator's units, RFC 3339 times, and the one growing string (text_buf).
 * Implemented in core/text.c. */
#ifndef WARROOM_TEXT_H
#define WARROOM_TEXT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Copies src (NULL: "") into dst, truncated to fit len. */
void text_copy(char *dst, size_t len, const char *src);
/* An age as "45s", "12m", "3h", "2d" (seconds up to 2 minutes, ...). */
void text_age(int64_t ms, char *buf, size_t len);
/* "2026-11-21T14:03:10.123Z", with or without a fraction, Z or an offset,
 * as UTC ms since the epoch; 0 when it cannot be read. */
int64_t text_parse_time(const char *s);
/* A duration as Prometheus and Go write one ("90s", "1h30m", "250ms", "1.5h";
 * units ms s m h d w y), in ms; bare_seconds: a plain number is seconds.
 * -1 when it is none, negative or over 100 years; "0s" is 0. */
int64_t text_duration_ms(const char *s, bool bare_seconds);

/* The one cleaning of text from outside (text_clean.c), done where it
 * enters: a server's answer, a Kubernetes field, an alert's labels and
 * annotations, a command's output, a note, a title. Nothing in the result
 * can drive a terminal: an escape sequence (CSI, OSC, OSC 52 included, DCS,
 * SOS, PM, APC, ESC with its final byte) or a C1 control (U+0080-U+009F,
 * U+009B being CSI) becomes one "␛", every other C0 control and DEL its
 * Control Picture ("␇", "␡"), a byte that is not UTF-8 '?'. Blanks: by
 * default the text is one line, each run of tabs and line ends one space
 * (none at either end); TEXT_CLEAN_LINES keeps line ends ("\r\n" and a lone
 * "\r" as "\n"), TEXT_CLEAN_TABS keeps tabs. */
#define TEXT_CLEAN_LINES 1u
#define TEXT_CLEAN_TABS  2u
/* Writes at most dstlen-1 bytes and a NUL, never cutting a character or a
 * mark; returns the length the whole text needs (as snprintf). src stops at
 * srclen or its NUL. */
size_t text_clean(char *dst, size_t dstlen, const char *src, size_t srclen, unsigned flags);
/* The same, malloc'd whole; NULL out of memory. */
char *text_clean_dup(const char *src, size_t srclen, unsigned flags);
/* In place in a buffer of size bytes, cut to fit (out of memory: emptied). */
void text_clean_buf(char *buf, size_t size, unsigned flags);
/* Whether text_clean would leave s as it is. */
bool text_is_clean(const char *s, size_t len, unsigned flags);

/* Words for the operator into err (NULL or 0 length: nowhere). */
void text_errf(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* The first words of a body on one line (runs of blanks and controls are
 * one space, at most 80 bytes, "..." when cut), for error words. */
void text_first_words(const char *body, size_t len, char *buf, size_t buflen);
/* Whether an answer is an HTML page (by its type or its first byte): a
 * proxy's or an ingress' error page, not the API; and its <title> ("" none). */
bool text_looks_html(const char *ctype, const char *body, size_t len);
void text_html_title(const char *body, size_t len, char *buf, size_t buflen);
/* In place: every "scheme://user:password@host" in s loses ":password", so
 * error words and panels can quote a URL without its credentials. True
 * when something was taken out. */
int text_hide_url_passwords(char *s);
/* Whether an extended regex is safe to hand to regcomp: glibc copies a
 * repeated part once per repetition, so "a++++" or "((a+)+)+" grows
 * exponentially and a regex from a server or a dashboard could take the
 * console's memory. Refused, in words: a repetition of a repetition ("nested
 * repetition", as RE2 (Prometheus', Alertmanager's) refuses it), a count over
 * 1000, more than 1000 bytes, or an expansion past 20,000 atoms. 0 or -1. */
int text_regex_check(const char *pat, char *err, size_t errlen);
/* printf into a malloc'd string of the length it needs; NULL out of memory. */
char *text_dup_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* argv[from..] joined by single spaces, malloc'd; NULL when there are none. */
char *text_join(int argc, char **argv, int from);

/* s past its leading spaces, tabs and line ends (NULL stays NULL). */
const char *text_skip_blanks(const char *s);

/* A growing string, for text whose length is known only once written.
 * Appends never fail: the first allocation that fails sets oom, and every
 * later append is dropped, so a caller checks once at the end (the
 * out-of-memory policy in docs/styleguide.md). s is NULL until something
 * was added, and always NUL-terminated after; n is its length. */
struct text_buf {
	char *s;
	size_t n, cap;
	bool oom;
};
void text_buf_add(struct text_buf *b, const char *s, size_t n);
/* s as a C string; NULL adds nothing. */
void text_buf_str(struct text_buf *b, const char *s);
void text_buf_printf(struct text_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void text_buf_vprintf(struct text_buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* Empty again, the memory kept for the next text. */
void text_buf_reset(struct text_buf *b);
/* The text, malloc'd ("" when nothing was added), the buffer left empty;
 * NULL when an append ran out of memory. */
char *text_buf_take(struct text_buf *b);
void text_buf_free(struct text_buf *b);

#endif
