/* kube_watch — one kind of object listed, then watched, on the loop: the
 * list through kube_request, the watch through kube_stream (the bastion's
 * route and the credentials of every request), each line an event applied
 * to the cache and handed to the owner. What follows a stream's end is
 * kube_watch_after()'s (kube_watch_event.c): resume, list again, or poll. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "warroom/kube.h"
#include "warroom/kube_watch.h"
#include "warroom/loop.h"
#include "warroom/text.h"

#include "kube_priv.h"

#define DEFAULT_TIMEOUT_S 300
#define DEFAULT_IDLE_MS   90000
#define DEFAULT_POLL_MS   2000

struct kube_watch {
	struct kube *k;
	char *what, *path;
	int timeout_s, poll_ms, limit;
	long idle_ms;
	kube_watch_fn fn;
	void *arg;
	struct kube_watch_cache *cache;
	bool listing;            /* req is the list, not the stream */
	uint64_t req;
	uint64_t timer;
	uint64_t idle_timer;     /* silent past idle_ms: dead (one loop timer, not curl's check each second) */
	int64_t line_ms;         /* the stream's last line, or its start */
	bool gone;               /* an ERROR 410 came in this stream */
	bool heard;              /* this stream brought an event or a bookmark */
	char bad[200];           /* this stream sent what is no watch event: its words */
	int failures;
	int64_t opened_ms;
	struct kube_watch_status st;
};

static void start_list(struct kube_watch *w);
static void start_watch(struct kube_watch *w);

static void tell(struct kube_watch *w, const struct kube_watch_event *ev)
{
	if (w->fn)
		w->fn(w, ev, w->arg);
}

static void timer_fired(struct loop *loop, void *arg)
{
	struct kube_watch *w = arg;

	(void)loop;
	w->timer = 0;
	if (w->listing) {
		start_list(w);
	} else {
		start_watch(w);
		if (w->st.open)
			tell(w, NULL);   /* open again: its owner may say so */
	}
}

static void later(struct kube_watch *w, bool list, int64_t delay_ms)
{
	w->listing = list;
	if (w->timer)
		loop_timer_cancel(kube_loop(w->k), w->timer);
	w->timer = loop_timer_add(kube_loop(w->k), delay_ms, 0, timer_fired, w);
}

static void on_diff(const struct kube_watch_event *ev, void *arg)
{
	struct kube_watch *w = arg;

	w->st.events++;
	tell(w, ev);
}

static void on_list(const struct kube_result *res, void *arg)
{
	struct kube_watch *w = arg;
	char err[300];
	struct kube_watch_end e = { .listing = true, .ok = res->ok, .status = res->status };
	int64_t delay;

	w->req = 0;
	if (res->ok && kube_watch_cache_relist(w->cache, res->body, res->len, w->st.rv, sizeof w->st.rv, on_diff, w,
	                                       err, sizeof err) == 0) {
		w->st.listed = true;
		w->st.lists++;
		w->st.heard_ms = loop_now_ms();
		w->st.paged = w->limit && kube_watch_cache_more(w->cache);
		if (w->st.paged && !w->st.polling) {
			snprintf(w->st.error, sizeof w->st.error, "%s: more than %d: the first %d listed every %d s",
			         w->what, w->limit, w->limit, (w->poll_ms + 999) / 1000);
			later(w, true, w->poll_ms);
		} else if (w->st.polling) {
			later(w, true, w->poll_ms);
		} else {
			w->st.error[0] = '\0';
			start_watch(w);
		}
		tell(w, NULL);
		return;
	}
	if (!res->ok)
		text_copy(err, sizeof err, res->error);
	w->st.status = res->status;
	if (!w->st.closed_ms)
		w->st.closed_ms = loop_now_ms();
	w->st.broken = true;
	e.ok = false;
	e.failures = ++w->failures;
	kube_watch_after(&e, &delay);
	/* no answer at all (the route, the server) is the API server's failure, not this object's */
	if (res->status)
		snprintf(w->st.error, sizeof w->st.error, "%s: %s", w->what, err);
	else
		text_copy(w->st.error, sizeof w->st.error, err);
	later(w, true, w->st.polling && delay < w->poll_ms ? w->poll_ms : delay);
	tell(w, NULL);
}

static void start_list(struct kube_watch *w)
{
	char *page = w->limit ? text_dup_printf("%s%slimit=%d", w->path, strchr(w->path, '?') ? "&" : "?", w->limit)
	                      : NULL;

	w->listing = true;
	w->req = w->limit && !page ? 0 : kube_request(w->k, "GET", page ? page : w->path, NULL, NULL, on_list, w);
	free(page);
	if (!w->req) {
		snprintf(w->st.error, sizeof w->st.error, "%s: could not start the request", w->what);
		later(w, true, 1000);
	}
}

static void on_line(const struct http_line *line, void *arg)
{
	struct kube_watch *w = arg;
	struct kube_watch_event ev;
	char err[200];

	if (line->cut) {
		/* an object past the line limit cannot be read: said, and the stream counts as failed */
		if (!w->bad[0])
			snprintf(w->bad, sizeof w->bad, "a watch event larger than the size limit (%zu KiB kept of %zu)",
			         line->len >> 10, (line->len + line->cut_bytes) >> 10);
		return;
	}
	if (!line->len)
		return;
	if (kube_watch_parse(line->text, line->len, &ev, err, sizeof err) != 0) {
		/* a line torn by a broken stream (its resume brings the event again), or a
		 * stream that is no watch at all (a proxy's page): said when the stream ends */
		if (!line->unterminated && !w->bad[0])
			snprintf(w->bad, sizeof w->bad, "the watch's answer is not JSON events: %s", err);
		return;
	}
	w->line_ms = loop_now_ms();
	/* an event or a bookmark is word from a working watch; an ERROR is not
	 * (a server that keeps answering 410 is listed again with backoff) */
	if (ev.type != KW_ERROR) {
		w->heard = true;
		w->st.heard_ms = w->line_ms;
	}
	switch (ev.type) {
	case KW_BOOKMARK:
		w->st.bookmarks++;
		if (kube_watch_rv_newer(ev.rv, w->st.rv))
			text_copy(w->st.rv, sizeof w->st.rv, ev.rv);
		break;
	case KW_ERROR:
		if (ev.code == 410)
			w->gone = true;
		else
			snprintf(w->st.error, sizeof w->st.error, "%s: the watch ended: %s", w->what, ev.message);
		break;
	default:
		if (kube_watch_rv_newer(ev.rv, w->st.rv))
			text_copy(w->st.rv, sizeof w->st.rv, ev.rv);
		if (kube_watch_cache_apply(w->cache, &ev)) {
			w->st.events++;
			tell(w, &ev);
		} else {
			w->st.duplicates++;
		}
	}
	kube_watch_event_clear(&ev);
}

static void on_end(const struct kube_result *res, void *arg)
{
	struct kube_watch *w = arg;
	struct kube_watch_end e = { .ok = res->ok, .status = res->status, .gone = w->gone,
	                            .lasted_ms = loop_now_ms() - w->opened_ms };
	int64_t delay;

	w->req = 0;
	w->st.open = false;
	w->st.closed_ms = loop_now_ms();
	w->st.status = res->ok ? 0 : res->status;
	if (w->idle_timer) {
		loop_timer_cancel(kube_loop(w->k), w->idle_timer);
		w->idle_timer = 0;
	}
	if (!w->bad[0] && (w->heard || (res->ok && e.lasted_ms >= 1000 && !w->gone)))
		w->failures = 0;
	else
		w->failures++;
	if (w->bad[0])
		e.ok = false;
	w->st.broken = !e.ok;
	e.failures = w->failures;
	switch (kube_watch_after(&e, &delay)) {
	case KW_NEXT_POLL:
		/* said once: the state stays polling for the watch's life */
		w->st.polling = true;
		snprintf(w->st.error, sizeof w->st.error, "the credentials may not watch %s: polling every %d s",
		         w->what, (w->poll_ms + 999) / 1000);
		later(w, true, w->poll_ms);
		break;
	case KW_NEXT_RELIST:
		w->st.relists++;
		snprintf(w->st.error, sizeof w->st.error, "%s: the version watched is gone from the server's history: "
		         "listing again", w->what);
		later(w, true, delay);
		break;
	default:
		w->st.resumes++;
		if (w->bad[0])
			snprintf(w->st.error, sizeof w->st.error, "%s: %s", w->what, w->bad);
		else if (!res->ok)
			snprintf(w->st.error, sizeof w->st.error, "%s: the watch broke off: %s", w->what, res->error);
		else
			snprintf(w->st.error, sizeof w->st.error, "%s: the server ended the watch", w->what);
		later(w, false, delay);
	}
	tell(w, NULL);
}

/* No line for idle_ms (a bookmark comes about once a minute): a dead
 * tunnel or a proxy that holds the connection open; end it as broken. */
static void idle_check(struct loop *loop, void *arg)
{
	struct kube_watch *w = arg;
	char words[120];

	(void)loop;
	if (!w->req || w->listing || loop_now_ms() - w->line_ms < w->idle_ms)
		return;
	kube_cancel(w->k, w->req);   /* no end from it: it ends here */
	w->req = 0;
	snprintf(words, sizeof words, "no word from the API server for %ld s", w->idle_ms / 1000);
	on_end(&(struct kube_result){ .ok = false, .err = HTTP_ETIMEOUT, .body = "", .error = words }, w);
}

static void start_watch(struct kube_watch *w)
{
	char *path = kube_watch_path(w->path, w->st.rv, w->timeout_s);

	w->listing = false;
	w->gone = w->heard = false;
	w->bad[0] = '\0';
	w->opened_ms = w->line_ms = loop_now_ms();
	w->req = path ? kube_stream(w->k, path, 0, on_line, on_end, w) : 0;
	free(path);
	if (!w->req) {
		snprintf(w->st.error, sizeof w->st.error, "%s: could not start the watch", w->what);
		later(w, false, 1000);
		return;
	}
	w->st.open = true;
	w->st.closed_ms = 0;
	w->st.broken = false;
	w->st.error[0] = '\0';
	if (!w->idle_timer)
		w->idle_timer = loop_timer_add(kube_loop(w->k), w->idle_ms / 3, w->idle_ms / 3, idle_check, w);
}

struct kube_watch *kube_watch_new(struct kube *k, const struct kube_watch_opts *o, kube_watch_fn fn,
                                  void *arg)
{
	struct kube_watch *w = calloc(1, sizeof *w);

	if (!w)
		return NULL;
	w->k = k;
	w->what = strdup(o->what ? o->what : "objects");
	w->path = strdup(o->path);
	w->cache = kube_watch_cache_new();
	if (!w->what || !w->path || !w->cache) {
		kube_watch_free(w);
		return NULL;
	}
	w->timeout_s = o->timeout_s > 0 ? o->timeout_s : DEFAULT_TIMEOUT_S;
	w->idle_ms = o->idle_ms > 0 ? o->idle_ms : DEFAULT_IDLE_MS;
	w->poll_ms = o->poll_ms > 0 ? o->poll_ms : DEFAULT_POLL_MS;
	w->limit = o->limit > 0 ? o->limit : 0;
	w->fn = fn;
	w->arg = arg;
	start_list(w);
	return w;
}

void kube_watch_free(struct kube_watch *w)
{
	if (!w)
		return;
	if (w->req)
		kube_cancel(w->k, w->req);   /* no line and no end after this */
	if (w->timer)
		loop_timer_cancel(kube_loop(w->k), w->timer);
	if (w->idle_timer)
		loop_timer_cancel(kube_loop(w->k), w->idle_timer);
	kube_watch_cache_free(w->cache);
	free(w->what);
	free(w->path);
	free(w);
}

const struct kube_watch_cache *kube_watch_objects(const struct kube_watch *w)
{
	return w->cache;
}

void kube_watch_status(const struct kube_watch *w, struct kube_watch_status *out)
{
	*out = w->st;
}
