/* One container's log, followed: read from the session's starting point
 * (pods/{pod}/log?follow=true&timestamps=true&sinceTime=...), resumed from
 * the last time seen when it breaks, without a line twice (the lines of that
 * same time already seen are remembered), its health said in words; and
 * when the container crashed, its previous instance's last lines
 * (previous=true) with the termination the pod status gives. The lines wait
 * in queues the session merges by time; nothing here calls the session. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "warroom/config.h"
#include "warroom/kube.h"
#include "warroom/loop.h"
#include "warroom/logs.h"
#include "warroom/text.h"

#include "logs_priv.h"

#define IDLE_MS 120000               /* no byte for this long: the tunnel or proxy is gone */
#define BACKOFF_MAX_MS 30000
#define PREV_TAIL 1000               /* the previous instance's lines read at most */

static void set_health(struct logs *l, struct logs_stream *s, enum logs_health h, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void set_health(struct logs *l, struct logs_stream *s, enum logs_health h, const char *fmt, ...)
{
	char why[sizeof s->why] = "";
	va_list ap;

	if (fmt) {
		va_start(ap, fmt);
		vsnprintf(why, sizeof why, fmt, ap);
		va_end(ap);
	}
	if (s->health == h && strcmp(s->why, why) == 0)
		return;
	s->health = h;
	text_copy(s->why, sizeof s->why, why);
	l->changed = true;
}

static const struct logs_source *source_of(const struct logs *l, const struct logs_stream *s)
{
	return &l->st.sources[s->source];
}

/* ---- the queues the session merges ---- */

static void queue_push(struct logs *l, struct logs_queue *q, int64_t ts_ns, uint8_t flags, const char *text,
                       size_t len)
{
	struct logs_pend *p = malloc(sizeof *p + len + 1);

	if (!p) {
		/* out of memory: the line is lost, and counted as the ring's dropped ones are */
		l->st.ring.dropped++;
		return;
	}
	p->next = NULL;
	p->ts_ns = ts_ns;
	p->len = (uint32_t)len;
	p->flags = flags;
	memcpy(p->text, text, len);
	p->text[len] = '\0';
	if (q->tail)
		q->tail->next = p;
	else
		q->head = p;
	q->tail = p;
	q->n++;
	q->bytes += len;
	q->newest_ns = ts_ns;
	l->pend_bytes += len;
}

static void queue_clear(struct logs *l, struct logs_queue *q)
{
	while (q->head) {
		struct logs_pend *p = q->head;

		q->head = p->next;
		l->pend_bytes -= p->len;
		free(p);
	}
	memset(q, 0, sizeof *q);
}

/* Text from outside: controls never reach a terminal or the timeline. */
static size_t clean(char *dst, size_t cap, const char *src, size_t len)
{
	char tmp[4096];
	size_t n = len < sizeof tmp - 1 ? len : sizeof tmp - 1;

	memcpy(tmp, src, n);
	tmp[n] = '\0';
	text_one_line(dst, cap, tmp);
	text_fix_utf8(dst);
	return strlen(dst);
}

/* ---- the followed read ---- */

/* Whether a line of this time was already seen (the overlap of a resume). */
static bool seen(struct logs_stream *s, int64_t ts, uint64_t h)
{
	struct logs_stream_priv *p = s->priv;

	if (ts < s->last_ts_ns)
		return true;
	if (ts > s->last_ts_ns) {
		p->nat = 0;
		return false;
	}
	for (size_t i = 0; i < p->nat; i++)
		if (p->at_last[i] == h)
			return true;
	return false;
}

static void on_line(const struct http_line *line, void *arg)
{
	struct logs_stream *s = arg;
	struct logs_stream_priv *p = s->priv;
	struct logs *l = p->l;
	int64_t ts;
	size_t at, n;
	uint8_t flags = line->cut ? LOGS_REC_CUT : 0;
	char text[4096];
	uint64_t h;

	/* a follow broken off mid-line: the resume brings it whole */
	if (line->unterminated && l->st.opts.follow)
		return;
	if (!logs_line_time(line->text, line->len, &ts, &at)) {
		ts = s->last_ts_ns;
		flags |= LOGS_REC_NO_TIME;
	}
	h = logs_hash(line->text + at, line->len - at);
	if (seen(s, ts, h))
		return;
	if (p->nat < LOGS_AT_LAST)
		p->at_last[p->nat++] = h;
	s->last_ts_ns = ts;
	n = clean(text, sizeof text, line->text + at, line->len - at);
	queue_push(l, &p->q, ts, flags, text, n);
	s->lines++;
	s->last_line_ms = p->last_data_ms = loop_now_ms();
	p->backoff_ms = 0;
	if (s->health != LOGS_LIVE)
		set_health(l, s, LOGS_LIVE, NULL);
}

/* Where its lines begin (UTC ms; 0: its tail). */
static int64_t start_of(const struct logs *l, const struct logs_stream *s)
{
	const struct logs_source *src = source_of(l, s);

	return src->slot >= 0 && src->slot < LOGS_SLOTS ? l->from_ms[src->slot] : l->from_other_ms;
}

static void path_of(const struct logs *l, const struct logs_stream *s, bool previous, char *buf, size_t len)
{
	const struct logs_source *src = source_of(l, s);
	int64_t from = s->last_ts_ns ? s->last_ts_ns / 1000000 : start_of(l, s);
	size_t n;
	char t[40];

	n = (size_t)snprintf(buf, len, "/api/v1/namespaces/%s/pods/%s/log?container=%s&timestamps=true",
	                     l->cfg->kube.namespace_, src->pod, src->container);
	if (previous) {
		/* its end, whatever was seen of it: the lines not seen yet are told apart by time */
		snprintf(buf + n, n < len ? len - n : 0, "&previous=true&tailLines=%d", PREV_TAIL);
		return;
	}
	if (l->st.opts.follow)
		n += (size_t)snprintf(buf + n, n < len ? len - n : 0, "&follow=true");
	if (from) {
		/* whole seconds: what every API server takes; the overlap is dropped as seen */
		logs_format_time(from / 1000 * 1000000000, t, sizeof t);
		snprintf(t + 19, sizeof t - 19, "Z");
		snprintf(buf + n, n < len ? len - n : 0, "&sinceTime=%s", t);
	} else {
		snprintf(buf + n, n < len ? len - n : 0, "&tailLines=%d", l->tail);
	}
}

static void retry_later(struct logs *l, struct logs_stream *s);

static bool says(const char *error, const char *what)
{
	return error && strstr(error, what) != NULL;
}

static void on_end(const struct kube_result *res, void *arg)
{
	struct logs_stream *s = arg;
	struct logs_stream_priv *p = s->priv;
	struct logs *l = p->l;
	const struct logs_source *src = source_of(l, s);
	char when[40] = "its start";

	p->req = 0;
	p->holding = false;
	l->changed = true;
	if (s->last_ts_ns) {
		logs_format_time(s->last_ts_ns, when, sizeof when);
		memmove(when, when + 11, 9);   /* HH:MM:SS */
		when[8] = '\0';
	}
	if (res->ok) {
		if (!l->st.opts.follow) {
			set_health(l, s, LOGS_ENDED, "read to the end");
			return;
		}
		l->pods_soon = true;
		if (!p->running && s->reason[0]) {
			/* the container ended: the next pod read starts it again once it runs */
			set_health(l, s, LOGS_CRASHED, "not running");
			return;
		}
		/* a server or proxy ending a follow is no end of the log (stern#362) */
		set_health(l, s, LOGS_RECONNECTING, "the API server ended the stream: resuming from %s", when);
		retry_later(l, s);
		return;
	}
	if (res->status == 404 && !says(res->error, "container")) {
		set_health(l, s, LOGS_ENDED, "pod %s is gone", src->pod);
		p->want = false;
		return;
	}
	if (says(res->error, "is not valid for pod") || (res->status == 404 && says(res->error, "container"))) {
		set_health(l, s, LOGS_FAILED, "no container %s in pod %s", src->container, src->pod);
		p->want = false;
		return;
	}
	if (res->status == 400 && (says(res->error, "waiting to start") || says(res->error, "ContainerCreating") ||
	                           says(res->error, "PodInitializing") || says(res->error, "terminated"))) {
		/* not running now: the next pod read starts it again once it runs */
		set_health(l, s, s->reason[0] ? LOGS_CRASHED : LOGS_CONNECTING, "%s", res->error);
		return;
	}
	if (res->status == 401 || res->status == 403) {
		set_health(l, s, LOGS_FAILED, "%s", res->error);
		p->want = false;
		return;
	}
	set_health(l, s, LOGS_RECONNECTING, "%s; resuming from %s", res->error, when);
	retry_later(l, s);
}

static void retry_now(struct loop *loop, void *arg)
{
	struct logs_stream *s = arg;

	s->priv->timer = 0;
	if (s->priv->want)
		logs_stream_start(s->priv->l, s);
}

static void retry_later(struct logs *l, struct logs_stream *s)
{
	struct logs_stream_priv *p = s->priv;

	p->backoff_ms = p->backoff_ms ? p->backoff_ms * 2 : 1000;
	if (p->backoff_ms > BACKOFF_MAX_MS)
		p->backoff_ms = BACKOFF_MAX_MS;
	if (!p->timer)
		p->timer = loop_timer_add(l->loop, p->backoff_ms, 0, retry_now, s);
}

void logs_stream_start(struct logs *l, struct logs_stream *s)
{
	struct logs_stream_priv *p = s->priv;
	char path[1024];

	p->want = true;
	if (p->req || p->timer)
		return;
	if (!l->kube) {
		set_health(l, s, LOGS_FAILED, "no Kubernetes client: see the kube source's error");
		return;
	}
	path_of(l, s, false, path, sizeof path);
	p->started_ms = loop_now_ms();
	p->holding = true;
	p->req = kube_stream(l->kube, path, IDLE_MS, on_line, on_end, s);
	if (!p->req)
		set_health(l, s, LOGS_FAILED, "out of memory");
	else if (s->health != LOGS_RECONNECTING && s->health != LOGS_CRASHED)
		set_health(l, s, LOGS_CONNECTING, NULL);
}

void logs_stream_stop(struct logs *l, struct logs_stream *s)
{
	struct logs_stream_priv *p = s->priv;

	p->want = false;
	p->holding = false;
	if (p->req)
		kube_cancel(l->kube, p->req);
	if (p->prev_req)
		kube_cancel(l->kube, p->prev_req);
	if (p->timer)
		loop_timer_cancel(l->loop, p->timer);
	p->req = p->prev_req = p->timer = 0;
}

void logs_stream_free(struct logs *l, struct logs_stream *s)
{
	if (!s->priv)
		return;
	logs_stream_stop(l, s);
	queue_clear(l, &s->priv->q);
	queue_clear(l, &s->priv->pq);
	free(s->priv);
	s->priv = NULL;
}

/* ---- the previous instance ---- */

static void on_prev_line(const struct http_line *line, void *arg)
{
	struct logs_stream *s = arg;
	struct logs_stream_priv *p = s->priv;
	int64_t ts;
	size_t at, n;
	char text[4096];

	if (!logs_line_time(line->text, line->len, &ts, &at))
		ts = p->prev_last_ns;
	n = clean(text, sizeof text, line->text + at, line->len - at);
	/* its last lines, whatever was seen of them */
	if (s->nprev == LOGS_PREV_LINES) {
		memmove(s->prev[0], s->prev[1], (LOGS_PREV_LINES - 1) * sizeof s->prev[0]);
		s->nprev--;
	}
	text_copy(s->prev[s->nprev++], sizeof s->prev[0], text);
	/* and the ones the followed read missed before it died (after the start), merged */
	if (ts > p->prev_last_ns && ts / 1000000 >= start_of(p->l, s)) {
		queue_push(p->l, &p->pq, ts, line->cut ? LOGS_REC_CUT : 0, text, n);
		p->prev_last_ns = ts;
		if (ts > s->last_ts_ns)
			s->last_ts_ns = ts;
	}
}

static void on_prev_end(const struct kube_result *res, void *arg)
{
	struct logs_stream *s = arg;
	struct logs_stream_priv *p = s->priv;

	p->prev_req = 0;
	p->prev_done = true;
	if (!res->ok)
		text_copy(s->prev_error, sizeof s->prev_error, res->status == 400 ? "no previous instance" : res->error);
	else
		s->prev_error[0] = '\0';
	p->l->changed = true;
}

static void read_previous(struct logs *l, struct logs_stream *s)
{
	struct logs_stream_priv *p = s->priv;
	char path[1024];

	if (p->prev_req || !l->kube)
		return;
	path_of(l, s, true, path, sizeof path);
	s->nprev = 0;
	p->prev_last_ns = s->last_ts_ns;
	p->prev_req = kube_stream(l->kube, path, IDLE_MS, on_prev_line, on_prev_end, s);
}

void logs_stream_pod(struct logs *l, struct logs_stream *s, const struct logs_pod *pod,
                     const struct logs_container *c)
{
	struct logs_stream_priv *p = s->priv;

	if (!pod || !c) {
		if (s->health != LOGS_ENDED && s->health != LOGS_NOT_FOLLOWED) {
			logs_stream_stop(l, s);
			set_health(l, s, LOGS_ENDED, "pod %s is gone", source_of(l, s)->pod);
		}
		return;
	}
	s->restarts = c->restarts;
	p->running = c->running;
	if (c->last_reason[0]) {
		text_copy(s->reason, sizeof s->reason, c->last_reason);
		s->exit_code = c->last_exit;
		s->finished_ms = c->last_finished_ms;
	}
	/* it crashed since it was last read: its previous instance's last lines */
	if (c->restarts > p->seen_restarts && c->last_reason[0]) {
		p->seen_restarts = c->restarts;
		read_previous(l, s);
	}
	if (!c->running && c->last_reason[0] && s->health != LOGS_FAILED && s->health != LOGS_ENDED && !p->req) {
		set_health(l, s, LOGS_CRASHED, "%s", c->waiting[0] ? c->waiting : "not running");
		return;
	}
	/* the pods were read, so the API server answers again: a stream waiting out its backoff goes now */
	if (c->running && p->timer && s->health == LOGS_RECONNECTING && p->backoff_ms > 1000) {
		loop_timer_cancel(l->loop, p->timer);
		p->timer = 0;
	}
	if (c->running && p->want && !p->req && !p->timer && s->health != LOGS_FAILED && s->health != LOGS_ENDED)
		logs_stream_start(l, s);
}

bool logs_stream_tick(struct logs *l, struct logs_stream *s, int64_t now_ms)
{
	enum logs_health before = s->health;

	if (s->health == LOGS_LIVE && now_ms - s->last_line_ms >= (int64_t)l->quiet_s * 1000)
		s->health = LOGS_QUIET;
	if (s->health == LOGS_CONNECTING && s->priv && s->priv->req && s->last_line_ms == 0 &&
	    now_ms - s->priv->started_ms >= (int64_t)l->quiet_s * 1000)
		s->health = LOGS_QUIET;   /* connected, and nothing logged since the start */
	return s->health != before;
}
