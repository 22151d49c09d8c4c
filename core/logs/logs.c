/* The log session: which containers are followed (the pod asked for, then
 * the live slot's, then the other slot's, at most max_streams), from where
 * (the traffic switch, the other slot ten minutes before it so what its
 * version logged can be told apart, or a tail or a time), the pods read
 * again every few seconds (a new pod is followed, a gone one ends, a crash
 * reads the previous instance), the lines of every stream merged by time
 * into the ring and counted by template, the Events read, and redraws
 * asked for at most every LOGS_REDRAW_MS however fast lines come. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "warroom/config.h"
#include "warroom/kube.h"
#include "warroom/kube_watch.h"
#include "warroom/logs.h"
#include "warroom/loop.h"
#include "warroom/model.h"
#include "warroom/text.h"

#include "logs_priv.h"

#define LOGS_REDRAW_MS 250           /* a flood of lines redraws this often at most */
#define FLUSH_MS 50
#define MERGE_BUDGET 2000            /* lines merged per flush: 40,000 a second, and a key waits 10 ms at most */
#define PODS_MS 3000
#define CONNECT_HOLD_MS 2000         /* a stream's first answer is waited for this long */
#define BACKLOG_GAP_MS 300           /* a backlog arrives without a pause longer than this */
#define LIVE_EDGE_MS 3000            /* a line this close to now is the live edge */
#define PEND_MAX ((size_t)4 << 20)   /* bytes waiting to be merged before they go at once */
#define BACKFILL_MAX_MS (60LL * 60 * 1000)
#define OTHER_BEFORE_MS (10LL * 60 * 1000)
#define NEW_RATIO 4.0                /* a template this many times more frequent is new too */

static void changed(struct logs *l)
{
	l->changed = true;
}

/* ---- sources and streams ---- */

static uint16_t source_for(struct logs *l, const struct logs_pod *pod, const char *container)
{
	struct logs_state *st = &l->st;
	struct logs_source *src;
	const char *dash;

	for (size_t i = 0; i < st->nsources; i++)
		if (strcmp(st->sources[i].pod, pod->name) == 0 && strcmp(st->sources[i].container, container) == 0)
			return (uint16_t)i;
	if (st->nsources >= 65535)
		return 65535;
	if (st->nsources % 64 == 0) {
		struct logs_source *n = realloc(st->sources, (st->nsources + 64) * sizeof *n);

		if (!n)
			return 65535;
		st->sources = n;
	}
	src = &st->sources[st->nsources];
	memset(src, 0, sizeof *src);
	text_copy(src->pod, sizeof src->pod, pod->name);
	text_copy(src->container, sizeof src->container, container);
	dash = strrchr(pod->name, '-');
	text_copy(src->label, sizeof src->label, dash && dash[1] ? dash + 1 : pod->name);
	src->slot = pod->slot;
	return (uint16_t)st->nsources++;
}

static struct logs_stream *stream_for(struct logs *l, uint16_t source)
{
	struct logs_state *st = &l->st;
	struct logs_stream *s = NULL;

	for (size_t i = 0; i < st->nstreams; i++)
		if (st->streams[i].priv && st->streams[i].source == source)
			return &st->streams[i];
	if (st->nstreams < LOGS_MAX_STREAMS) {
		s = &st->streams[st->nstreams++];
	} else {
		/* full: an ended one's place, nothing waits on it */
		for (size_t i = 0; i < st->nstreams && !s; i++) {
			struct logs_stream *e = &st->streams[i];

			if ((e->health == LOGS_ENDED || e->health == LOGS_FAILED) && !e->priv->req && !e->priv->prev_req &&
			    !e->priv->timer && !e->priv->q.n && !e->priv->pq.n)
				s = e;
		}
		if (!s)
			return NULL;
		logs_stream_free(l, s);
	}
	memset(s, 0, sizeof *s);
	s->priv = calloc(1, sizeof *s->priv);
	if (!s->priv)
		return NULL;
	s->priv->l = l;
	s->source = source;
	return s;
}

static const struct logs_pod *pod_named(const struct logs_state *st, const char *name)
{
	for (size_t i = 0; i < st->pods.n; i++)
		if (strcmp(st->pods.p[i].name, name) == 0)
			return &st->pods.p[i];
	return NULL;
}

static const struct logs_container *container_named(const struct logs_pod *p, const char *name)
{
	for (size_t i = 0; p && i < p->nc; i++)
		if (strcmp(p->c[i].name, name) == 0)
			return &p->c[i];
	return NULL;
}

struct cand {
	const struct logs_pod *pod;
	const struct logs_container *c;
	int prio;
};

static int by_prio(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;
	int n;

	if (x->prio != y->prio)
		return x->prio - y->prio;
	n = strcmp(x->pod->name, y->pod->name);
	return n ? n : strcmp(x->c->name, y->c->name);
}

/* The containers to follow now, in order; the rest are named as not followed. */
static void sync_streams(struct logs *l)
{
	struct logs_state *st = &l->st;
	const struct logs_opts *o = &st->opts;
	struct cand *cands = calloc(LOGS_MAX_PODS * LOGS_MAX_CONTAINERS, sizeof *cands);
	size_t nc = 0, names = 0;
	bool *keep = calloc(LOGS_MAX_STREAMS, sizeof *keep);

	if (!cands || !keep) {
		free(cands);
		free(keep);
		return;
	}
	for (size_t i = 0; i < st->pods.n; i++) {
		const struct logs_pod *p = &st->pods.p[i];
		bool asked = o->pod[0] && strcmp(o->pod, p->name) == 0;

		if (o->pod[0] && !asked && !o->compare)
			continue;
		if (!asked && (p->slot < 0 || (o->slot >= 0 && p->slot != o->slot && !o->compare)))
			continue;
		for (size_t k = 0; k < p->nc; k++) {
			if (o->container[0] && strcmp(o->container, p->c[k].name) != 0)
				continue;
			cands[nc].pod = p;
			cands[nc].c = &p->c[k];
			cands[nc].prio = asked ? 0 : (o->slot >= 0 && p->slot == o->slot) ? 1 : p->slot == st->live ? 2 : 3;
			cands[nc].prio = cands[nc].prio * 2 + p->deleting;
			nc++;
		}
	}
	qsort(cands, nc, sizeof *cands, by_prio);
	st->not_followed = 0;
	st->not_followed_names[0] = '\0';
	for (size_t i = 0; i < nc; i++) {
		uint16_t src = source_for(l, cands[i].pod, cands[i].c->name);
		struct logs_stream *s;

		if (src == 65535)
			continue;
		if (i >= l->max_streams) {
			st->not_followed++;
			if (names < sizeof st->not_followed_names)
				names += (size_t)snprintf(st->not_followed_names + names, sizeof st->not_followed_names - names,
				                          "%s%s/%s", names ? ", " : "", cands[i].pod->slot >= 0 ?
				                          st->slot_names[cands[i].pod->slot] : "-", st->sources[src].label);
			continue;
		}
		s = stream_for(l, src);
		if (!s)
			continue;
		keep[s - st->streams] = true;
		if (!s->priv->want && s->health != LOGS_ENDED && s->health != LOGS_FAILED) {
			s->priv->want = true;
			/* a container that exists has a log, running or ended (a one-off read wants it too) */
			if (cands[i].c->running || cands[i].c->last_reason[0] || !o->follow)
				logs_stream_start(l, s);
			else
				s->health = LOGS_CONNECTING;
			changed(l);
		}
		logs_stream_pod(l, s, cands[i].pod, cands[i].c);
	}
	for (size_t i = 0; i < st->nstreams; i++) {
		struct logs_stream *s = &st->streams[i];
		const struct logs_pod *p;

		if (!s->priv || keep[i])
			continue;
		p = pod_named(st, st->sources[s->source].pod);
		if (!p || !container_named(p, st->sources[s->source].container)) {
			logs_stream_pod(l, s, NULL, NULL);
		} else if (s->priv->want) {
			logs_stream_stop(l, s);
			s->health = LOGS_NOT_FOLLOWED;
			changed(l);
		}
	}
	free(cands);
	free(keep);
}

/* ---- where the lines begin ---- */

static void words_time(int64_t ms, char *buf, size_t len)
{
	char t[40];

	logs_format_time(ms * 1000000, t, sizeof t);
	snprintf(buf, len, "%.8s", t + 11);
}

static void set_start(struct logs *l)
{
	struct logs_state *st = &l->st;
	int64_t now = loop_wall_ms(), from = 0, oldest = 0;
	char at[16];

	memset(l->from_ms, 0, sizeof l->from_ms);
	l->from_other_ms = 0;
	st->switch_ms = logs_switch_time(l->m, st->switch_from, sizeof st->switch_from);
	if (st->opts.start == LOGS_FROM_TIME) {
		for (int i = 0; i < LOGS_SLOTS; i++)
			l->from_ms[i] = st->opts.since_ms;
		l->from_other_ms = st->from_ms = st->opts.since_ms;
	} else if (st->opts.start == LOGS_FROM_SWITCH) {
		if (st->switch_ms) {
			from = st->switch_ms;
		} else if (st->live >= 0) {
			/* no switch seen: since the live slot's pods started, its version's whole life */
			for (size_t i = 0; i < st->pods.n; i++)
				if (st->pods.p[i].slot == st->live && st->pods.p[i].created_ms &&
				    (!oldest || st->pods.p[i].created_ms < oldest))
					oldest = st->pods.p[i].created_ms;
			from = oldest;
			if (from) {
				words_time(from, at, sizeof at);
				snprintf(st->switch_from, sizeof st->switch_from, "switch time unknown: since %s's pods started "
				         "%s", st->slot_names[st->live], at);
			}
		}
		if (from && from < now - BACKFILL_MAX_MS)
			from = now - BACKFILL_MAX_MS;
		st->from_ms = l->from_other_ms = from;
		for (int i = 0; i < LOGS_SLOTS; i++)
			l->from_ms[i] = from && i != st->live ? from - OTHER_BEFORE_MS : from;
		if (!from)
			snprintf(st->switch_from, sizeof st->switch_from, "switch time unknown: the last %d lines of each "
			         "container", l->tail);
	}
	st->tmpls.switch_ns = st->switch_ms * 1000000;
	st->tmpls.live = st->live;
}

/* ---- pods ---- */

static void pods_round(struct logs *l);

static void on_pods(const struct kube_result *res, void *arg)
{
	struct logs *l = arg;
	struct logs_state *st = &l->st;
	char err[240];

	l->pods_req = 0;
	if (!res->ok) {
		text_copy(st->pods_error, sizeof st->pods_error, res->error);
	} else if (logs_parse_pods(res->body, res->len, l->cfg->kube.slot_label, l->cfg->kube.slots, st->nslots,
	                           &st->pods, err, sizeof err) != 0) {
		text_copy(st->pods_error, sizeof st->pods_error, err);
	} else {
		int64_t sw = logs_switch_time(l->m, err, sizeof err);

		st->pods_error[0] = '\0';
		if (!l->started) {
			set_start(l);
			l->started = true;
		} else if (st->opts.start == LOGS_FROM_SWITCH && sw && sw != st->switch_ms) {
			/* traffic moved (or its time became known): what is new is new since then */
			struct logs_opts o = st->opts;

			l->started = false;
			logs_follow(l, &o);
			return;
		}
		if (l->following)
			sync_streams(l);
	}
	changed(l);
}

static void on_service(const struct kube_result *res, void *arg)
{
	struct logs *l = arg;
	struct logs_state *st = &l->st;
	char live[32], err[240], sel[320];
	size_t n;

	l->svc_req = 0;
	if (res->ok && logs_parse_service(res->body, res->len, l->cfg->kube.slot_label, l->selector, sizeof l->selector,
	                                  live, sizeof live, err, sizeof err) == 0) {
		st->live = -1;
		for (size_t i = 0; i < st->nslots; i++)
			if (strcmp(st->slot_names[i], live) == 0)
				st->live = (int)i;
		if (st->nslots == 1)
			st->live = 0;
		st->tmpls.live = st->live;
	} else if (!res->ok && res->status != 404) {
		text_copy(st->pods_error, sizeof st->pods_error, res->error);
	}
	if (!l->kube)
		return;
	/* the Service's selector without the slot label, and both slots' label values */
	n = (size_t)snprintf(sel, sizeof sel, "%s", l->selector);
	if (st->nslots == 2)
		snprintf(sel + n, sizeof sel - n, "%s%s in (%s,%s)", n ? "," : "", l->cfg->kube.slot_label,
		         st->slot_names[0], st->slot_names[1]);
	l->pods_req = kube_list_pods_page(l->kube, l->cfg->kube.namespace_, sel[0] ? sel : NULL, LOGS_MAX_PODS, NULL,
	                                  on_pods, l);
}

static void pods_round(struct logs *l)
{
	if (!l->kube || l->pods_req || l->svc_req)
		return;
	l->svc_req = kube_get_service(l->kube, l->cfg->kube.namespace_, l->cfg->kube.service, on_service, l);
}

static void pods_tick(struct loop *loop, void *arg)
{
	pods_round(arg);
}

/* ---- merging by time ---- */

static bool holds(const struct logs_stream *s, int64_t now, int64_t wall_ns)
{
	const struct logs_stream_priv *p = s->priv;

	if (!p)
		return false;
	if (p->prev_req)
		return true;
	if (!p->req)
		return false;
	if (!p->last_data_ms)
		return now - p->started_ms < CONNECT_HOLD_MS;
	return now - p->last_data_ms < BACKLOG_GAP_MS && p->q.newest_ns < wall_ns - LIVE_EDGE_MS * 1000000LL;
}

static struct logs_queue *oldest_head(struct logs *l, int64_t limit, struct logs_stream **from)
{
	struct logs_queue *best = NULL;

	for (size_t i = 0; i < l->st.nstreams; i++) {
		struct logs_stream *s = &l->st.streams[i];
		struct logs_queue *qs[2];

		if (!s->priv)
			continue;
		qs[0] = &s->priv->pq;
		qs[1] = &s->priv->q;
		for (int k = 0; k < 2; k++) {
			if (qs[k]->head && qs[k]->head->ts_ns <= limit && (!best || qs[k]->head->ts_ns < best->head->ts_ns)) {
				best = qs[k];
				*from = s;
			}
		}
	}
	return best;
}

static void emit(struct logs *l, struct logs_stream *s, struct logs_pend *p)
{
	struct logs_state *st = &l->st;
	const struct logs_source *src = &st->sources[s->source];
	uint8_t slot = src->slot >= 0 && src->slot < LOGS_SLOTS ? (uint8_t)src->slot : LOGS_NO_SLOT;
	uint64_t seq = logs_ring_add(&st->ring, p->ts_ns, s->source, slot, p->flags, p->text, p->len);

	if (slot != LOGS_NO_SLOT)
		logs_tmpls_add(&st->tmpls, slot, p->ts_ns, p->text, p->len);
	if (l->on_line && seq != UINT64_MAX)
		l->on_line(st, logs_ring_get(&st->ring, seq), l->on_line_arg);
}

static void merge(struct logs *l, bool all)
{
	struct logs_state *st = &l->st;
	int64_t now = loop_now_ms(), wall_ns = loop_wall_ms() * 1000000LL, limit = INT64_MAX;
	bool any_holding = false, emitted = false;
	struct logs_stream *s = NULL;
	struct logs_queue *q;

	for (size_t i = 0; i < st->nstreams && !all; i++) {
		const struct logs_stream *h = &st->streams[i];

		if (!holds(h, now, wall_ns))
			continue;
		any_holding = true;
		/* a stream still sending its backlog holds the others at its newest line */
		if (h->priv->q.newest_ns < limit)
			limit = h->priv->q.n ? h->priv->q.newest_ns : h->last_ts_ns;
		if (h->priv->prev_req && h->priv->pq.newest_ns < limit)
			limit = h->priv->pq.newest_ns;
	}
	if (l->pend_bytes > PEND_MAX)
		limit = INT64_MAX;
	for (size_t n = 0; (all || n < MERGE_BUDGET) && (q = oldest_head(l, limit, &s)) != NULL; n++) {
		struct logs_pend *p = q->head;

		q->head = p->next;
		if (!q->head)
			q->tail = NULL;
		q->n--;
		q->bytes -= p->len;
		l->pend_bytes -= p->len;
		emit(l, s, p);
		free(p);
		emitted = true;
	}
	if (emitted)
		changed(l);
	if (!any_holding && l->started && !st->backfilled && st->nstreams) {
		st->backfilled = true;
		changed(l);
	}
}

/* Asks for a redraw when something changed, at most every LOGS_REDRAW_MS. */
static void mark(struct logs *l)
{
	int64_t now = loop_now_ms();

	if (!l->changed || now - l->last_mark_ms < LOGS_REDRAW_MS)
		return;
	l->changed = false;
	l->last_mark_ms = now;
	l->st.gen++;
	if (l->m)
		model_mark(l->m, DIRTY_LOGS);
}

static void flush_tick(struct loop *loop, void *arg)
{
	struct logs *l = arg;

	if (l->pods_soon && l->following) {
		l->pods_soon = false;
		pods_round(l);
	}
	merge(l, false);
	mark(l);
}

static void health_tick(struct loop *loop, void *arg)
{
	struct logs *l = arg;
	int64_t now = loop_now_ms();

	for (size_t i = 0; i < l->st.nstreams; i++) {
		struct logs_stream *s = &l->st.streams[i];

		if (s->priv && (logs_stream_tick(l, s, now) || s->health == LOGS_QUIET))
			changed(l);   /* "quiet 12 s" counts on */
	}
	mark(l);
}

void logs_flush(struct logs *l)
{
	merge(l, true);
	l->last_mark_ms = 0;
	mark(l);
}

/* ---- events ---- */

static void events_round(struct logs *l);

static void on_events(const struct kube_result *res, void *arg)
{
	struct logs *l = arg;
	struct logs_state *st = &l->st;
	char err[240];

	l->events_req = 0;
	if (!res->ok && res->status == 404 && !l->events_v1) {
		l->events_v1 = true;   /* a server without events.k8s.io/v1: the core API's */
		events_round(l);
		return;
	}
	l->events_once_done = true;
	if (!res->ok)
		text_copy(st->events_error, sizeof st->events_error, res->error);
	else if (logs_parse_events(res->body, res->len, l->cfg, &st->events, err, sizeof err) != 0)
		text_copy(st->events_error, sizeof st->events_error, err);
	else {
		st->events_error[0] = '\0';
		st->events_ms = loop_now_ms();
		if (!st->events.api[0])
			text_copy(st->events.api, sizeof st->events.api, l->events_v1 ? "v1" : "events.k8s.io/v1");
	}
	changed(l);
	l->last_mark_ms = 0;   /* events come seldom: drawn at once */
	mark(l);
}

static void events_round(struct logs *l)
{
	char path[400];

	if (!l->kube || l->events_req)
		return;
	snprintf(path, sizeof path, l->events_v1 ? "/api/v1/namespaces/%s/events?limit=500" :
	         "/apis/events.k8s.io/v1/namespaces/%s/events?limit=500", l->cfg->kube.namespace_);
	l->events_req = kube_request(l->kube, "GET", path, NULL, NULL, on_events, l);
}

static void events_tick(struct loop *loop, void *arg)
{
	events_round(arg);
}

/* ---- events watched (kubernetes.watch): the list once, then each change ---- */

static void events_watch_start(struct logs *l);

static void events_apply(struct loop *loop, void *arg)
{
	struct logs *l = arg;
	struct logs_state *st = &l->st;
	struct kube_watch_status s;
	char err[240], *json;

	(void)loop;
	l->events_apply_timer = 0;
	if (!l->events_watch)
		return;
	kube_watch_status(l->events_watch, &s);
	if (!s.listed && s.status == 404 && !l->events_v1) {
		l->events_v1 = true;   /* a server without events.k8s.io/v1: the core API's */
		kube_watch_free(l->events_watch);
		l->events_watch = NULL;
		events_watch_start(l);
		return;
	}
	if (!s.listed) {
		if (s.error[0]) {
			text_copy(st->events_error, sizeof st->events_error, s.error);
			l->events_once_done = true;
			changed(l);
			mark(l);
		}
		return;
	}
	l->events_once_done = true;
	json = kube_watch_cache_list_json(kube_watch_objects(l->events_watch));
	if (!json)
		text_copy(st->events_error, sizeof st->events_error, "out of memory");
	else if (logs_parse_events(json, strlen(json), l->cfg, &st->events, err, sizeof err) != 0)
		text_copy(st->events_error, sizeof st->events_error, err);
	else {
		st->events_error[0] = '\0';
		st->events_ms = loop_now_ms();
		if (!st->events.api[0])
			text_copy(st->events.api, sizeof st->events.api, l->events_v1 ? "v1" : "events.k8s.io/v1");
	}
	free(json);
	changed(l);
	l->last_mark_ms = 0;   /* events come seldom: drawn at once */
	mark(l);
}

static void on_events_change(struct kube_watch *w, const struct kube_watch_event *ev, void *arg)
{
	struct logs *l = arg;

	(void)w;
	(void)ev;
	/* never inside the watch's callback: the apply may replace the watch */
	if (!l->events_apply_timer)
		l->events_apply_timer = loop_timer_add(l->loop, 0, 0, events_apply, l);
}

static void events_watch_start(struct logs *l)
{
	char path[400];

	snprintf(path, sizeof path, l->events_v1 ? "/api/v1/namespaces/%s/events" :
	         "/apis/events.k8s.io/v1/namespaces/%s/events", l->cfg->kube.namespace_);
	/* at most 500, as the list reads them; a namespace with more is listed a page every interval */
	l->events_watch = kube_watch_new(l->kube, &(struct kube_watch_opts){ .what = "the Events", .path = path,
	                                 .poll_ms = l->events_interval_ms, .limit = 500 }, on_events_change, l);
	if (!l->events_watch)
		text_copy(l->st.events_error, sizeof l->st.events_error, "out of memory");
}

void logs_watch_events(struct logs *l, int interval_ms)
{
	if (l->events_timer)
		loop_timer_cancel(l->loop, l->events_timer);
	l->events_timer = 0;
	l->events_interval_ms = interval_ms;
	if (!l->kube) {
		text_copy(l->st.events_error, sizeof l->st.events_error, "no Kubernetes client");
		l->events_once_done = true;
		return;
	}
	if (interval_ms > 0 && l->cfg->kube.watch) {
		if (!l->events_watch)
			events_watch_start(l);
		return;
	}
	events_round(l);
	if (interval_ms > 0)
		l->events_timer = loop_timer_add(l->loop, interval_ms, interval_ms, events_tick, l);
}

/* ---- the session ---- */

struct logs *logs_new(struct loop *loop, struct kube *kube, const struct config *cfg, struct model *m)
{
	struct logs *l = calloc(1, sizeof *l);
	struct logs_state *st;

	if (!l)
		return NULL;
	st = &l->st;
	l->loop = loop;
	l->kube = kube;
	l->cfg = cfg;
	l->m = m;
	l->max_streams = cfg->logs.max_streams > 0 && cfg->logs.max_streams <= LOGS_MAX_STREAMS ?
	                 (size_t)cfg->logs.max_streams : 10;
	l->quiet_s = cfg->logs.quiet_s > 0 ? cfg->logs.quiet_s : 10;
	l->tail = cfg->logs.tail_lines > 0 ? cfg->logs.tail_lines : 200;
	for (int i = 0; i < LOGS_SLOTS && i < CONFIG_MAX_SLOTS; i++) {
		if (!cfg->kube.deployments[i][0])
			continue;
		text_copy(st->slot_names[st->nslots], sizeof st->slot_names[0], cfg->kube.slots[i][0] ? cfg->kube.slots[i] :
		          cfg->kube.deployments[i]);
		st->nslots++;
	}
	st->live = -1;
	st->opts.slot = -1;
	if (logs_ring_init(&st->ring, (size_t)(cfg->logs.buffer_mib > 0 ? cfg->logs.buffer_mib : 8) << 20) != 0 ||
	    logs_tmpls_init(&st->tmpls) != 0) {
		logs_free(l);
		return NULL;
	}
	return l;
}

static void stop_all(struct logs *l)
{
	for (size_t i = 0; i < l->st.nstreams; i++)
		logs_stream_free(l, &l->st.streams[i]);
	l->st.nstreams = 0;
	if (l->pods_req)
		kube_cancel(l->kube, l->pods_req);
	if (l->svc_req)
		kube_cancel(l->kube, l->svc_req);
	l->pods_req = l->svc_req = 0;
	if (l->pods_timer)
		loop_timer_cancel(l->loop, l->pods_timer);
	if (l->flush_timer)
		loop_timer_cancel(l->loop, l->flush_timer);
	if (l->health_timer)
		loop_timer_cancel(l->loop, l->health_timer);
	l->pods_timer = l->flush_timer = l->health_timer = 0;
}

void logs_free(struct logs *l)
{
	if (!l)
		return;
	stop_all(l);
	if (l->events_req)
		kube_cancel(l->kube, l->events_req);
	if (l->events_timer)
		loop_timer_cancel(l->loop, l->events_timer);
	if (l->events_apply_timer)
		loop_timer_cancel(l->loop, l->events_apply_timer);
	kube_watch_free(l->events_watch);
	logs_ring_free(&l->st.ring);
	logs_tmpls_free(&l->st.tmpls);
	free(l->st.sources);
	free(l);
}

const struct logs_state *logs_state(const struct logs *l)
{
	return l ? &l->st : NULL;
}

void logs_on_line(struct logs *l, logs_line_fn fn, void *arg)
{
	l->on_line = fn;
	l->on_line_arg = arg;
}

static bool same_start(const struct logs_opts *a, const struct logs_opts *b)
{
	return a->start == b->start && a->tail == b->tail && a->since_ms == b->since_ms && a->follow == b->follow;
}

void logs_follow(struct logs *l, const struct logs_opts *o)
{
	struct logs_state *st = &l->st;
	bool again = !l->started || !same_start(&st->opts, o);

	if (again) {
		stop_all(l);
		logs_ring_free(&st->ring);
		logs_ring_init(&st->ring, (size_t)(l->cfg->logs.buffer_mib > 0 ? l->cfg->logs.buffer_mib : 8) << 20);
		logs_tmpls_clear(&st->tmpls);
		st->not_followed = 0;
		st->backfilled = false;
		l->started = false;
	}
	st->opts = *o;
	if (o->tail > 0)
		l->tail = o->tail;
	l->following = true;
	if (!l->flush_timer)
		l->flush_timer = loop_timer_add(l->loop, FLUSH_MS, FLUSH_MS, flush_tick, l);
	if (!l->health_timer)
		l->health_timer = loop_timer_add(l->loop, 1000, 1000, health_tick, l);
	if (!l->pods_timer && o->follow)
		l->pods_timer = loop_timer_add(l->loop, PODS_MS, PODS_MS, pods_tick, l);
	if (l->started)
		sync_streams(l);
	else
		pods_round(l);
	changed(l);
}

void logs_pause_streams(struct logs *l)
{
	l->following = false;
	for (size_t i = 0; i < l->st.nstreams; i++) {
		struct logs_stream *s = &l->st.streams[i];

		if (s->priv && s->priv->want) {
			logs_stream_stop(l, s);
			s->priv->want = false;
			s->health = LOGS_PENDING;
		}
	}
	if (l->pods_timer)
		loop_timer_cancel(l->loop, l->pods_timer);
	l->pods_timer = 0;
	/* what arrived is merged by the flush timer, which goes on */
}

bool logs_done(const struct logs *l)
{
	const struct logs_state *st = &l->st;

	if (l->events_interval_ms == 0 && l->events_req)
		return false;
	if (!l->following)
		return l->events_once_done || !l->events_req;
	if (!l->started || l->pods_req || l->svc_req || st->opts.follow)
		return false;
	for (size_t i = 0; i < st->nstreams; i++) {
		const struct logs_stream *s = &st->streams[i];

		if (s->priv && (s->priv->req || s->priv->prev_req || s->priv->timer || s->priv->q.n || s->priv->pq.n))
			return false;
	}
	return true;
}

const char *logs_health_name(enum logs_health h)
{
	static const char *const names[] = {
		[LOGS_PENDING] = "waiting", [LOGS_CONNECTING] = "connecting", [LOGS_LIVE] = "live",
		[LOGS_QUIET] = "quiet", [LOGS_RECONNECTING] = "reconnecting", [LOGS_CRASHED] = "crashed",
		[LOGS_ENDED] = "ended", [LOGS_FAILED] = "failed", [LOGS_NOT_FOLLOWED] = "not followed",
	};

	return h <= LOGS_NOT_FOLLOWED ? names[h] : "?";
}

void logs_stream_words(const struct logs_stream *s, int64_t now_ms, char *buf, size_t len)
{
	int64_t since = s->last_line_ms ? s->last_line_ms : s->priv ? s->priv->started_ms : 0;
	char age[24];

	switch (s->health) {
	case LOGS_QUIET:
		text_age(since ? now_ms - since : 0, age, sizeof age);
		snprintf(buf, len, "quiet %s", age);
		break;
	case LOGS_CRASHED:
		if (s->reason[0])
			snprintf(buf, len, "crashed: %s exit %d, %d restart%s%s%s", s->reason, s->exit_code, s->restarts,
			         s->restarts == 1 ? "" : "s", s->why[0] ? ", " : "", s->why);
		else
			snprintf(buf, len, "crashed%s%s", s->why[0] ? ": " : "", s->why);
		break;
	case LOGS_RECONNECTING: case LOGS_ENDED: case LOGS_FAILED:
		snprintf(buf, len, "%s%s%s", logs_health_name(s->health), s->why[0] ? ": " : "", s->why);
		break;
	default:
		snprintf(buf, len, "%s", logs_health_name(s->health));
		break;
	}
}

size_t logs_new_in_live(const struct logs_state *st, struct logs_new *out, size_t max)
{
	int other = st->nslots == 2 && st->live >= 0 ? 1 - st->live : -1;

	return logs_tmpls_new(&st->tmpls, st->live, other, NEW_RATIO, out, max);
}
