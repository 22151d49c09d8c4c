/* The model: what the views draw, with the age of every datum. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "warroom/config.h"
#include "warroom/loop.h"
#include "warroom/model.h"

static const char *const source_names[SRC_COUNT] = {
	[SRC_KUBE] = "kube", [SRC_PROM] = "prom", [SRC_ALERTMGR] = "alerts", [SRC_ARGOCD] = "argocd",
	[SRC_BASTION] = "bastion",
};

const char *model_source_name(enum source_id id)
{
	return id < SRC_COUNT ? source_names[id] : "?";
}

void model_init(struct model *m, const struct config *cfg, struct timeline *tl)
{
	memset(m, 0, sizeof *m);
	m->cfg = cfg;
	m->tl = tl;
	m->readonly = cfg ? cfg->readonly : false;
	if (cfg) {
		/* a source is CONNECTING once a poller runs for it (sources.c) */
		m->src[SRC_KUBE].state = cfg->kube.service[0] ? SRC_IDLE : SRC_UNCONFIGURED;
		m->src[SRC_PROM].state = cfg->prometheus.url[0] ? SRC_IDLE : SRC_UNCONFIGURED;
		m->src[SRC_ALERTMGR].state = cfg->alertmanager.url[0] ? SRC_IDLE : SRC_UNCONFIGURED;
		m->src[SRC_ARGOCD].state = cfg->argocd.url[0] ? SRC_IDLE : SRC_UNCONFIGURED;
		m->src[SRC_BASTION].state = cfg->ssh.host[0] ? SRC_IDLE : SRC_UNCONFIGURED;
	}
	m->bastion_rtt_ms = -1;
	for (int i = 0; i < MET_COUNT; i++)
		m->metrics.s[i].last = NAN;
	m->metrics.tak_failing.last = NAN;
	m->recent_gen = (uint64_t)-1;
	m->dirty = DIRTY_ALL;
	model_sync_timeline(m);
}

static void free_recent(struct model *m)
{
	for (size_t i = 0; i < m->nrecent; i++) {
		free(m->recent[i].detail_json);
		m->recent[i].detail_json = NULL;
	}
	m->nrecent = 0;
}

static void free_found(struct model *m)
{
	timeline_events_free(m->found.ev, m->found.n);
	m->found.ev = NULL;
	m->found.n = 0;
	m->found.more = false;
}

void model_free(struct model *m)
{
	free_recent(m);
	free_found(m);
}

static bool search(struct model *m)
{
	struct model_found *f = &m->found;
	struct timeline_event *evs = NULL;
	size_t n = 0;
	bool more = false;

	free_found(m);
	f->error[0] = '\0';
	f->gen = m->tl ? timeline_generation(m->tl) : 0;
	if (!f->kind[0] && !f->words[0])
		return true;
	if (!m->tl) {
		snprintf(f->error, sizeof f->error, "timeline unavailable: %s", m->tl_error);
		return false;
	}
	if (timeline_search(m->tl, f->kind, f->words, MODEL_FOUND, &evs, &n, &more) != 0) {
		snprintf(f->error, sizeof f->error, "%s", timeline_errmsg(m->tl));
		return false;
	}
	f->ev = evs;
	f->n = n;
	f->more = more;
	return true;
}

bool model_timeline_filter(struct model *m, const char *kind, const char *words)
{
	bool ok;

	snprintf(m->found.kind, sizeof m->found.kind, "%s", kind ? kind : "");
	snprintf(m->found.words, sizeof m->found.words, "%s", words ? words : "");
	ok = search(m);
	model_mark(m, DIRTY_TIMELINE);
	return ok;
}

bool model_sync_timeline(struct model *m)
{
	struct timeline_event *evs = NULL;
	struct timeline_incident inc;
	size_t n = 0;
	uint64_t gen;
	int has;

	if (!m->tl)
		return false;
	gen = timeline_generation(m->tl);
	if (gen == m->recent_gen)
		return false;
	m->recent_gen = gen;

	has = timeline_incident_current(m->tl, &inc);
	m->has_incident = has == 1;
	if (m->has_incident)
		m->incident = inc;
	else
		memset(&m->incident, 0, sizeof m->incident);

	free_recent(m);
	if (timeline_list(m->tl, -1, 0, MODEL_RECENT, &evs, &n) == 0) {
		for (size_t i = 0; i < n && i < MODEL_RECENT; i++) {
			m->recent[i] = evs[i];
			evs[i].detail_json = NULL;   /* ownership moves to the model */
		}
		m->nrecent = n < MODEL_RECENT ? n : MODEL_RECENT;
		timeline_events_free(evs, n);
	}
	if (m->found.kind[0] || m->found.words[0])
		search(m);   /* an event that matches appears as it is written */
	model_mark(m, DIRTY_TIMELINE | DIRTY_INCIDENT | DIRTY_STATUS);
	return true;
}

int model_watch_add(struct model *m, model_watch_fn fn, void *arg)
{
	if (m->nwatch == MODEL_WATCHERS)
		return -1;
	m->watch[m->nwatch].fn = fn;
	m->watch[m->nwatch].arg = arg;
	m->nwatch++;
	return 0;
}

void model_watch_remove(struct model *m, void *arg)
{
	for (size_t i = 0; m && i < m->nwatch; i++) {
		if (m->watch[i].arg != arg)
			continue;
		memmove(&m->watch[i], &m->watch[i + 1], (m->nwatch - i - 1) * sizeof m->watch[0]);
		m->nwatch--;
		return;
	}
}

/* A watcher's own writes mark the model again: run those in further rounds,
 * a bounded number of them, never recursively. */
static void run_watchers(struct model *m)
{
	if (m->in_watch)
		return;
	m->in_watch = true;
	for (int round = 0; round < 4 && m->watch_pending; round++) {
		unsigned changed = m->watch_pending;

		m->watch_pending = 0;
		for (size_t i = 0; i < m->nwatch; i++)
			m->watch[i].fn(m, changed, m->watch[i].arg);
	}
	m->watch_pending = 0;
	m->in_watch = false;
}

void model_mark(struct model *m, unsigned dirty)
{
	m->dirty |= dirty;
	m->watch_pending |= dirty;
	run_watchers(m);
}

void model_source_status(struct model *m, enum source_id id, const struct source_status *st)
{
	if (id >= SRC_COUNT)
		return;
	m->src[id] = *st;
	if (st->updated_ms > m->last_refresh_ms)
		m->last_refresh_ms = st->updated_ms;
	m->dirty |= DIRTY_STATUS;
}

int64_t model_source_age_s(const struct model *m, enum source_id id, int64_t now_ms)
{
	if (!m->src[id].updated_ms)
		return -1;
	return (now_ms - m->src[id].updated_ms) / 1000;
}

void model_series_push(struct model_series *s, double v)
{
	if (s->n == MODEL_SERIES) {
		memmove(s->v, s->v + 1, (MODEL_SERIES - 1) * sizeof s->v[0]);
		s->n--;
	}
	s->v[s->n++] = v;
	s->last = v;
}
