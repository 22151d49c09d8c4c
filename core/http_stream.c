/* http_stream — long-lived answers read line by line on the loop (a
 * followed pod log, a watch). The request engine (http.c) writes the body
 * into this sink from inside curl; the lines go to their callback later,
 * from the loop, when the engine drains the sink. A full read-ahead buffer
 * pauses the transfer until the lines are handed on, so memory stays
 * bounded whatever the server sends; a line longer than the longest one
 * kept is handed on cut, with the number of bytes left out. */
#include <stdlib.h>
#include <string.h>

#include "warroom/http.h"

#include "http_priv.h"

#define STREAM_MAX_LINE    ((size_t)64 << 10)
#define STREAM_MAX_BUFFER  ((size_t)1 << 20)

/* ---- the line assembler ---- */

struct http_lines {
	char *part;            /* the line begun in an earlier chunk */
	size_t len, max;
	size_t cut_bytes;      /* bytes of it past max, dropped */
};

struct http_lines *http_lines_new(size_t max_line)
{
	struct http_lines *l = calloc(1, sizeof *l);

	if (!l)
		return NULL;
	l->max = max_line ? max_line : STREAM_MAX_LINE;
	l->part = malloc(l->max + 1);
	if (!l->part) {
		free(l);
		return NULL;
	}
	return l;
}

void http_lines_free(struct http_lines *l)
{
	if (!l)
		return;
	free(l->part);
	free(l);
}

static void emit(const char *text, size_t len, size_t cut_bytes, bool unterminated, http_line_fn fn, void *arg)
{
	struct http_line line = { .text = text, .len = len, .cut = cut_bytes > 0, .cut_bytes = cut_bytes,
	                          .unterminated = unterminated };

	fn(&line, arg);
}

/* Appends what fits of data to the part line; the rest is counted as cut. */
static void keep(struct http_lines *l, const char *data, size_t n)
{
	size_t room = l->max - l->len, take = n < room ? n : room;

	memcpy(l->part + l->len, data, take);
	l->len += take;
	l->cut_bytes += n - take;
}

/* The part line out: without a "\r" before its "\n". */
static void flush(struct http_lines *l, bool unterminated, http_line_fn fn, void *arg)
{
	size_t len = l->len;

	if (!unterminated && len && l->part[len - 1] == '\r' && !l->cut_bytes)
		len--;
	l->part[len] = '\0';
	emit(l->part, len, l->cut_bytes, unterminated, fn, arg);
	l->len = l->cut_bytes = 0;
}

void http_lines_feed(struct http_lines *l, char *data, size_t n, http_line_fn fn, void *arg)
{
	/* a whole line in data goes out where it lies, its "\n" a NUL for the
	 * callback (the common case: no copy) */
	char *p = data, *end = p + n;

	while (p < end) {
		char *nl = memchr(p, '\n', (size_t)(end - p));

		if (!nl) {
			keep(l, p, (size_t)(end - p));
			return;
		}
		if (l->len || l->cut_bytes || (size_t)(nl - p) > l->max) {
			keep(l, p, (size_t)(nl - p));
			flush(l, false, fn, arg);
		} else {
			size_t len = (size_t)(nl - p);
			char was;

			if (len && p[len - 1] == '\r')
				len--;
			was = p[len];
			p[len] = '\0';
			emit(p, len, 0, false, fn, arg);
			p[len] = was;
		}
		p = nl + 1;
	}
}

void http_lines_end(struct http_lines *l, http_line_fn fn, void *arg)
{
	if (l->len || l->cut_bytes)
		flush(l, true, fn, arg);
}

/* ---- the sink ---- */

struct stream {
	struct http_lines *lines;
	char *buf;             /* read ahead, waiting for the drain */
	size_t len, max;
	http_line_fn on_line;
	void *arg;
	bool stopped;          /* cancelled: no line after that, even mid-drain */
};

static void stream_line(const struct http_line *line, void *arg)
{
	struct stream *s = arg;

	if (!s->stopped)
		s->on_line(line, s->arg);
}

static size_t sink_write(void *state, const char *data, size_t n)
{
	struct stream *s = state;

	/* one chunk larger than the whole buffer is still taken, or nothing moves */
	if (s->len && s->len + n > s->max)
		return HTTP_SINK_PAUSE;
	if (s->len + n > s->max) {
		char *b = realloc(s->buf, s->len + n);

		if (!b)
			return 0;   /* aborts the transfer: out of memory is said as an error */
		s->buf = b;
	}
	memcpy(s->buf + s->len, data, n);
	s->len += n;
	return n;
}

static void sink_drain(void *state, bool last)
{
	struct stream *s = state;
	size_t n = s->len;

	s->len = 0;
	if (n && !s->stopped)
		http_lines_feed(s->lines, s->buf, n, stream_line, s);
	if (last && !s->stopped)
		http_lines_end(s->lines, stream_line, s);
}

static void sink_stop(void *state)
{
	((struct stream *)state)->stopped = true;
}

static void sink_free(void *state)
{
	struct stream *s = state;

	http_lines_free(s->lines);
	free(s->buf);
	free(s);
}

static const struct http_sink stream_sink = { .write = sink_write, .drain = sink_drain, .stop = sink_stop,
                                              .free = sink_free };

uint64_t http_stream_start(struct http *http, const struct http_req *req, http_line_fn on_line, http_done_fn on_end,
                           void *arg)
{
	struct stream *s = calloc(1, sizeof *s);

	if (!s || !on_line || !on_end)
		goto fail;
	s->max = req->max_buffer ? req->max_buffer : STREAM_MAX_BUFFER;
	s->lines = http_lines_new(req->max_line);
	s->buf = malloc(s->max);
	if (!s->lines || !s->buf)
		goto fail;
	s->on_line = on_line;
	s->arg = arg;
	return http_request_sink(http, req, &stream_sink, s, on_end, arg);
fail:
	if (s)
		sink_free(s);
	return 0;
}
