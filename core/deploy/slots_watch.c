/* slots_watch — the slot model kept by watches instead of rounds: the
 * Service and each Deployment by name, the Service's EndpointSlices by
 * kubernetes.io/service-name, each slot's pods by its label selector (so a
 * namespace of thousands of pods sends only the slots' own changes). Each
 * change is in the cache of its watch (kube_watch.h); the state is rebuilt
 * from the caches on the next loop pass, with the parsers the poller uses,
 * so a burst of events costs one rebuild. What is watched is a table: a
 * kind that plugs in is a row. An Argo Rollout (kubernetes.rollout) is
 * watched by name instead of the Deployments, with its ReplicaSets and pods
 * by its selector, the namespace's AnalysisRuns (its own by ownerReferences,
 * as the poller reads them), and the Services and EndpointSlices it names;
 * those follow the Rollout when it changes them. The source's rounds judge
 * freshness only. */
#include "warroom/slots.h"
#include "warroom/config.h"
#include "warroom/endpoint.h"
#include "warroom/kube.h"
#include "warroom/kube_watch.h"
#include "warroom/loop.h"
#include "warroom/source.h"
#include "warroom/text.h"

#include <cJSON.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* heard from within this long: live (the server sends a bookmark about
 * once a minute on a quiet watch) */
#define LIVE_MS        90000
/* closed this long without resuming: the source says so (a resume takes
 * milliseconds, one after a break 250 ms) */
#define CLOSED_GRACE_MS 1000

enum part {
	W_SERVICE, W_SLICES, W_DEPLOY0, W_PODS0 = W_DEPLOY0 + SLOTS_MAX,
	W_ROLLOUT = W_PODS0 + SLOTS_MAX, W_RS, W_RUNS, W_OTHER, W_COUNT
};

#define ARGO_API "/apis/argoproj.io/v1alpha1"

/* What each part watches: its API, its kind, and how it selects. */
static const struct {
	const char *api, *kind, *what;
	bool by_name;                 /* fieldSelector=metadata.name=… (else a label selector) */
} kinds[W_COUNT] = {
	[W_SERVICE] = { "/api/v1", "services", "the Service", true },
	[W_SLICES] = { "/apis/discovery.k8s.io/v1", "endpointslices", "the EndpointSlices", false },
	[W_DEPLOY0] = { "/apis/apps/v1", "deployments", "Deployment", true },
	[W_DEPLOY0 + 1] = { "/apis/apps/v1", "deployments", "Deployment", true },
	[W_PODS0] = { "/api/v1", "pods", "pods of", false },
	[W_PODS0 + 1] = { "/api/v1", "pods", "pods of", false },
	[W_ROLLOUT] = { ARGO_API, "rollouts", "Rollout", true },
	[W_RS] = { "/apis/apps/v1", "replicasets", "the ReplicaSets of", false },
	[W_RUNS] = { ARGO_API, "analysisruns", "the AnalysisRuns", false },
	[W_OTHER] = { "/apis/discovery.k8s.io/v1", "endpointslices", "the EndpointSlices of", false },
};

struct slots_watcher {
	struct loop *loop;
	struct kube *kube;
	const struct config *cfg;
	slots_update_fn fn;
	void *arg;
	struct source *src;
	struct kube_watch *w[W_COUNT];
	char *sel[W_COUNT];          /* what each watch that may change runs with (a selector, a name) */
	int64_t closed_since[W_COUNT];
	uint64_t rebuild_timer;
	uint64_t grace_timer;        /* a watch closed: judged again once its grace is over */
	struct source *round;        /* a round waiting to end (the first lists' outcome) */
	int64_t pending_wall_ms;     /* the first change not yet in the state */
	int64_t service_wall_ms;     /* the Service's last change arrived */
	struct slots_state state, scratch;
};

static char *part_path(const struct slots_watcher *sw, enum part p, const char *sel)
{
	const char *ns = sw->cfg->kube.namespace_;
	char *ens = endpoint_escape(ns), *esel = NULL, *out = NULL;
	char field[300];

	/* sel: the name (by name, the Services of the slices) when it is not the config's */
	if (p == W_SERVICE || p == W_ROLLOUT || (p >= W_DEPLOY0 && p < W_PODS0)) {
		snprintf(field, sizeof field, "metadata.name=%s",
		         sel ? sel : p == W_SERVICE ? sw->cfg->kube.service : p == W_ROLLOUT ? sw->cfg->kube.rollout
		         : sw->cfg->kube.deployments[p - W_DEPLOY0]);
		esel = endpoint_escape(field);
	} else if (p == W_SLICES || p == W_OTHER) {
		snprintf(field, sizeof field, "kubernetes.io/service-name=%s", sel ? sel : sw->cfg->kube.service);
		esel = endpoint_escape(field);
	} else if (sel && *sel) {
		esel = endpoint_escape(sel);
	}
	if (ens)
		out = text_dup_printf("%s/namespaces/%s/%s%s%s", kinds[p].api, ens, kinds[p].kind,
		                      esel ? (kinds[p].by_name ? "?fieldSelector=" : "?labelSelector=") : "",
		                      esel ? esel : "");
	free(ens);
	free(esel);
	return out;
}

static void rebuild_now(struct loop *loop, void *arg);
static void settle(struct slots_watcher *sw);

/* A watch that closed and has not resumed by the end of its grace: a round
 * now, which says so (rounds come only every refresh otherwise). */
static void grace_over(struct loop *loop, void *arg)
{
	struct slots_watcher *sw = arg;

	(void)loop;
	sw->grace_timer = 0;
	for (int p = 0; p < W_COUNT; p++) {
		struct kube_watch_status s;

		if (!sw->w[p])
			continue;
		kube_watch_status(sw->w[p], &s);
		if (!s.open && !s.polling && !s.paged && s.closed_ms) {
			source_refresh(sw->src);
			return;
		}
	}
}

static void on_change(struct kube_watch *kw, const struct kube_watch_event *ev, void *arg)
{
	struct slots_watcher *sw = arg;
	int64_t now = loop_wall_ms();
	struct kube_watch_status s;

	kube_watch_status(kw, &s);
	if (!ev && !s.open && s.closed_ms && !sw->grace_timer)
		sw->grace_timer = loop_timer_add(sw->loop, s.broken ? 0 : CLOSED_GRACE_MS + 50, 0, grace_over, sw);

	if (ev && kw == sw->w[W_SERVICE])
		sw->service_wall_ms = now;
	if (ev && !sw->pending_wall_ms)
		sw->pending_wall_ms = now;
	/* never inside the watch's callback: the rebuild may replace a watch */
	if (!sw->rebuild_timer)
		sw->rebuild_timer = loop_timer_add(sw->loop, 0, 0, rebuild_now, sw);
}

static struct kube_watch *open_part(struct slots_watcher *sw, enum part p, const char *sel)
{
	char what[200];
	char *path = part_path(sw, p, sel);
	struct kube_watch *kw;
	bool pods = p >= W_PODS0 && p < W_PODS0 + SLOTS_MAX, rollout = sw->cfg->kube.rollout[0] != '\0';
	int slot = pods ? p - W_PODS0 : p - W_DEPLOY0;

	if (!path)
		return NULL;
	if (pods && rollout)
		snprintf(what, sizeof what, "%s rollout %s", kinds[p].what, sw->cfg->kube.rollout);
	else if (pods)
		snprintf(what, sizeof what, "%s %s", kinds[p].what, sw->state.slot[slot].name);
	else if (p >= W_DEPLOY0 && p < W_PODS0)
		snprintf(what, sizeof what, "%s %s", kinds[p].what, sw->cfg->kube.deployments[slot]);
	else if (p == W_ROLLOUT || p == W_RS)
		snprintf(what, sizeof what, "%s %s", kinds[p].what, sw->cfg->kube.rollout);
	else if (p == W_OTHER)
		snprintf(what, sizeof what, "%s %s", kinds[p].what, sel ? sel : "");
	else
		snprintf(what, sizeof what, "%s", kinds[p].what);
	/* a slot's pods: one page of its share, as the poller reads them; a
	 * slot with more (a crowded selector) is listed a page at a time (a
	 * Rollout's pods are one list, as its round reads them) */
	int page = rollout ? SLOTS_MAX_PODS : SLOTS_MAX_PODS / (sw->state.nslots > 1 ? sw->state.nslots : 1);

	kw = kube_watch_new(sw->kube, &(struct kube_watch_opts){ .what = what, .path = path,
	                    .poll_ms = sw->cfg->refresh_ms, .limit = pods ? page : 0 }, on_change, sw);
	free(path);
	return kw;
}

/* One object of a by-name watch as JSON, NULL when it has none. */
static char *only_object(const struct kube_watch *kw)
{
	const cJSON *o = kw ? kube_watch_cache_at(kube_watch_objects(kw), 0) : NULL;

	return o ? cJSON_PrintUnformatted(o) : NULL;
}

static bool listed(const struct kube_watch *kw)
{
	struct kube_watch_status s;

	if (!kw)
		return false;
	kube_watch_status(kw, &s);
	return s.listed;
}

/* A watch that runs with sel (taken: malloc'd): kept while sel is the
 * same, started again when it changed, closed when sel is NULL. */
static void keep_part(struct slots_watcher *sw, enum part p, char *sel)
{
	if (sel && sw->w[p] && sw->sel[p] && strcmp(sel, sw->sel[p]) == 0) {
		free(sel);
		return;
	}
	kube_watch_free(sw->w[p]);
	free(sw->sel[p]);
	sw->sel[p] = sel;
	sw->w[p] = sel ? open_part(sw, p, sel) : NULL;
}

/* Each slot's pods watch runs with the selector the Service implies now:
 * one that changed (not the slot label: a switch keeps it) starts again. */
static void pods_watches(struct slots_watcher *sw, const struct slots_state *st)
{
	for (int i = 0; i < st->nslots; i++) {
		char *sel = slots_pod_selector(st, i);

		if (sel)
			keep_part(sw, W_PODS0 + i, sel);
	}
}

static char *dup_or_null(const char *s)
{
	return s && *s ? strdup(s) : NULL;
}

/* What the Rollout names, watched as it names it now: its Service (the
 * config's, else the active or stable one) and that Service's
 * EndpointSlices, its ReplicaSets and pods by its selector (all of the
 * namespace's when it has none), the other Service's EndpointSlices. */
static void rollout_watches(struct slots_watcher *sw, const struct slots_state *st, const char *other)
{
	keep_part(sw, W_SERVICE, dup_or_null(st->service));
	keep_part(sw, W_SLICES, dup_or_null(st->service));
	keep_part(sw, W_RS, strdup(st->rollout.match_labels));
	keep_part(sw, W_PODS0, strdup(st->rollout.match_labels));
	keep_part(sw, W_OTHER, dup_or_null(other));
}

/* A list-reading parser over a watch's cache; 0, or -1 with its words. */
static int parse_list(const struct kube_watch *kw, int (*parse)(void *, const char *, size_t, char *, size_t),
                      void *into, char *err, size_t errlen)
{
	char *json = kube_watch_cache_list_json(kube_watch_objects(kw));
	int rc = json ? parse(into, json, strlen(json), err, errlen) : -1;

	if (!json)
		text_copy(err, errlen, "out of memory");
	free(json);
	return rc;
}

static int rs_parse(void *st, const char *j, size_t n, char *e, size_t el)
{
	return slots_parse_replicasets(st, j, n, e, el);
}

static int pods_parse(void *st, const char *j, size_t n, char *e, size_t el)
{
	return slots_parse_pods(st, j, n, e, el);
}

static int slices_parse(void *st, const char *j, size_t n, char *e, size_t el)
{
	return slots_parse_endpointslices(st, j, n, e, el);
}

static int runs_parse(void *ro, const char *j, size_t n, char *e, size_t el)
{
	return rollout_parse_analysisruns(ro, j, n, e, el);
}

/* A Rollout's state from the caches, read in the order of its round
 * (rollout_poll.c) with the same parsers; false until each watch listed. */
static bool build_rollout(struct slots_watcher *sw, struct slots_state *st, char *err, size_t errlen)
{
	char why[256] = "", other[sizeof st->service];
	char *json;

	if (!listed(sw->w[W_ROLLOUT]) || !listed(sw->w[W_RUNS]))
		return false;
	json = only_object(sw->w[W_ROLLOUT]);
	if (!json) {   /* an answer, not a failure: the state says so */
		st->rollout.found = false;
		return true;
	}
	if (rollout_parse(&st->rollout, json, strlen(json), why, sizeof why) < 0) {
		free(json);
		snprintf(err, errlen, "rollout %s: %s", st->rollout.name, why);
		return false;
	}
	free(json);
	slots_rollout_setup(st);
	slots_rollout_services(st, other, sizeof other);
	rollout_watches(sw, st, other);
	for (int p = W_SERVICE; p < W_COUNT; p++)
		if (sw->w[p] && !listed(sw->w[p]))
			return false;
	json = only_object(sw->w[W_SERVICE]);
	if (json && slots_parse_service(st, json, strlen(json), why, sizeof why) < 0) {
		free(json);
		snprintf(err, errlen, "service: %s", why);
		return false;
	}
	free(json);
	if (parse_list(sw->w[W_RS], rs_parse, st, why, sizeof why) < 0 ||
	    parse_list(sw->w[W_PODS0], pods_parse, st, why, sizeof why) < 0 ||
	    (sw->w[W_SLICES] && parse_list(sw->w[W_SLICES], slices_parse, st, why, sizeof why) < 0) ||
	    parse_list(sw->w[W_RUNS], runs_parse, &st->rollout, why, sizeof why) < 0) {
		text_copy(err, errlen, why);
		return false;
	}
	if (kube_watch_cache_more(kube_watch_objects(sw->w[W_PODS0])))
		for (int i = 0; i < st->nslots; i++)
			st->slot[i].pods_more = true;
	if (sw->w[W_OTHER]) {
		json = kube_watch_cache_list_json(kube_watch_objects(sw->w[W_OTHER]));
		st->rollout.other_endpoints = json ? rollout_count_endpoints(json, strlen(json)) : -1;
		free(json);
	}
	return true;
}

/* The state from the caches; false until every watch has listed once. */
static bool build(struct slots_watcher *sw, struct slots_state *st, char *err, size_t errlen)
{
	char *json;
	int page = SLOTS_MAX_PODS / (st->nslots > 0 ? st->nslots : 1);

	if (sw->cfg->kube.rollout[0])
		return build_rollout(sw, st, err, errlen);
	if (!listed(sw->w[W_SERVICE]))
		return false;
	for (int i = 0; i < st->nslots; i++)
		if (!listed(sw->w[W_DEPLOY0 + i]))
			return false;
	json = only_object(sw->w[W_SERVICE]);
	if (json && slots_parse_service(st, json, strlen(json), err, errlen) < 0) {
		free(json);
		return false;
	}
	free(json);
	for (int i = 0; i < st->nslots; i++) {
		json = only_object(sw->w[W_DEPLOY0 + i]);
		if (json && slots_parse_deployment(&st->slot[i], json, strlen(json), err, errlen) < 0) {
			free(json);
			return false;
		}
		free(json);
	}
	pods_watches(sw, st);
	if (!listed(sw->w[W_SLICES]))
		return false;
	st->npods = 0;
	for (int i = 0; i < st->nslots; i++) {
		if (!listed(sw->w[W_PODS0 + i]))
			return false;
		json = kube_watch_cache_list_json(kube_watch_objects(sw->w[W_PODS0 + i]));
		if (!json || slots_add_slot_pods(st, i, (size_t)page, json, strlen(json), err, errlen) < 0) {
			free(json);
			return false;
		}
		free(json);
		if (kube_watch_cache_more(kube_watch_objects(sw->w[W_PODS0 + i])))
			st->slot[i].pods_more = true;   /* its counts from the Deployment's status */
	}
	json = kube_watch_cache_list_json(kube_watch_objects(sw->w[W_SLICES]));
	if (!json || slots_parse_endpointslices(st, json, strlen(json), err, errlen) < 0) {
		free(json);
		return false;
	}
	free(json);
	return true;
}

/* Every watch open (or polling) and heard from recently: live. Up while
 * each is open, polls, or was closed for less than a grace (a resume).
 * why: a failure's words first, then a fallback's, then "starting";
 * *failed: some watch has failed words (a round can end on them). */
static bool judge(struct slots_watcher *sw, bool *up, bool *failed, char *why, size_t len)
{
	int64_t now = loop_now_ms();
	bool live = true;
	char err[300] = "", note[300] = "";

	*up = true;
	for (int p = 0; p < W_COUNT; p++) {
		struct kube_watch_status s;

		if (!sw->w[p])
			continue;
		kube_watch_status(sw->w[p], &s);
		if (s.open || ((s.polling || s.paged) && s.listed &&
		               now - s.heard_ms < 3 * (int64_t)sw->cfg->refresh_ms + 5000)) {
			sw->closed_since[p] = 0;
		} else if (!sw->closed_since[p]) {
			sw->closed_since[p] = s.closed_ms ? s.closed_ms : now;
		}
		if (s.polling && s.listed && !note[0]) {
			/* one note for them all: the same credential refuses every watch */
			snprintf(note, sizeof note, "the credentials may not watch: the cluster is listed every %d s",
			         (sw->cfg->refresh_ms + 999) / 1000);
		} else if (s.paged && !s.polling && !note[0]) {
			text_copy(note, sizeof note, s.error);
		} else if (!s.open && !s.polling && s.error[0] && !err[0]) {
			text_copy(err, sizeof err, s.error);
		}
		if (!s.open || !s.heard_ms || now - s.heard_ms > LIVE_MS)
			live = false;
		/* broken (not the server's clean end): down at once, as a failed poll is */
		if (sw->closed_since[p] && (s.broken || now - sw->closed_since[p] > CLOSED_GRACE_MS))
			*up = false;
	}
	*failed = err[0] != '\0';
	text_copy(why, len, err[0] ? err : note[0] ? note : live ? "" : "a watch is starting");
	return live;
}

static void publish(struct slots_watcher *sw)
{
	if (sw->fn)
		sw->fn(&sw->state, sw->arg);
}

static void rebuild_now(struct loop *loop, void *arg)
{
	struct slots_watcher *sw = arg;
	struct slots_state *st = &sw->scratch;
	char err[256] = "";
	bool up, failed;

	(void)loop;
	sw->rebuild_timer = 0;
	slots_init(st, sw->cfg);
	if (!build(sw, st, err, sizeof err)) {
		if (err[0])
			snprintf(sw->state.last_error, sizeof sw->state.last_error, "%s", err);
		settle(sw);   /* a round waiting for the lists ends on their words */
		return;
	}
	slots_derive(st);
	slots_rollout_derive(st);
	st->updated_ms = loop_now_ms();
	st->generation = sw->state.generation + 1;
	st->changed_wall_ms = sw->pending_wall_ms ? sw->pending_wall_ms : loop_wall_ms();
	st->active_seen_wall_ms = sw->state.active_seen_wall_ms;
	if (sw->state.updated_ms && st->active != sw->state.active)
		st->active_seen_wall_ms = sw->service_wall_ms ? sw->service_wall_ms : st->changed_wall_ms;
	st->live = judge(sw, &up, &failed, st->watch_note, sizeof st->watch_note);
	st->last_error[0] = '\0';
	sw->pending_wall_ms = 0;
	sw->state = *st;
	publish(sw);
	settle(sw);
	/* back after a break: said now, not at the next round the backoff put off */
	if (up && !sw->round && source_state(sw->src) == SRC_DOWN)
		source_refresh(sw->src);
}

/* A round's end: freshness only (the watches bring the data). Before the
 * first state the round waits for the lists' first outcome, so it ends on
 * their words, not on "starting". */
static void settle(struct slots_watcher *sw)
{
	char was[sizeof sw->state.watch_note];
	bool was_live = sw->state.live, was_up = !sw->state.last_error[0], up, failed, live;
	struct source *src = sw->round;

	if (!src)
		return;
	text_copy(was, sizeof was, sw->state.watch_note);
	live = judge(sw, &up, &failed, sw->state.watch_note, sizeof sw->state.watch_note);
	if (!sw->state.updated_ms) {
		if (!failed)
			return;
		sw->round = NULL;
		/* told as the poller tells a failed round: a new generation, no data */
		text_copy(sw->state.last_error, sizeof sw->state.last_error, sw->state.watch_note);
		sw->state.generation++;
		source_round_done(src, false, sw->state.watch_note);
		publish(sw);
		return;
	}
	sw->round = NULL;
	sw->state.live = live;
	if (up) {
		/* what the watches hold is the cluster as of now (the state is the
		 * model's own: its age moves without a redraw of the slots) */
		sw->state.updated_ms = loop_now_ms();
		sw->state.last_error[0] = '\0';
	} else {
		text_copy(sw->state.last_error, sizeof sw->state.last_error, sw->state.watch_note);
	}
	source_round_done(src, up, up ? NULL : sw->state.watch_note);
	/* the slots are drawn again only when what they say of freshness changed */
	if (live != was_live || up != was_up || strcmp(was, sw->state.watch_note) != 0)
		publish(sw);
}

static void round_start(struct source *src, void *arg)
{
	struct slots_watcher *sw = arg;

	sw->round = src;
	settle(sw);
}

struct slots_watcher *slots_watcher_new(struct loop *loop, struct kube *kube, const struct config *cfg,
                                        slots_update_fn fn, void *arg)
{
	struct slots_watcher *sw = calloc(1, sizeof *sw);

	if (!sw)
		return NULL;
	sw->loop = loop;
	sw->kube = kube;
	sw->cfg = cfg;
	sw->fn = fn;
	sw->arg = arg;
	slots_init(&sw->state, cfg);
	sw->src = source_new(loop, "kube", round_start, sw);
	if (!sw->src) {
		free(sw);
		return NULL;
	}
	if (cfg->kube.rollout[0]) {
		/* the rest start once the Rollout names them */
		sw->w[W_ROLLOUT] = open_part(sw, W_ROLLOUT, NULL);
		sw->w[W_RUNS] = open_part(sw, W_RUNS, NULL);
		return sw;
	}
	sw->w[W_SERVICE] = open_part(sw, W_SERVICE, NULL);
	sw->w[W_SLICES] = open_part(sw, W_SLICES, NULL);
	for (int i = 0; i < sw->state.nslots; i++)
		sw->w[W_DEPLOY0 + i] = open_part(sw, W_DEPLOY0 + i, NULL);
	/* the pods' watches start once the Service says how to select them */
	return sw;
}

struct source *slots_watcher_source(struct slots_watcher *sw)
{
	return sw->src;
}

void slots_watcher_counts(const struct slots_watcher *sw, struct slots_watch_counts *out)
{
	memset(out, 0, sizeof *out);
	for (int p = 0; p < W_COUNT; p++) {
		struct kube_watch_status s;

		if (!sw->w[p])
			continue;
		kube_watch_status(sw->w[p], &s);
		out->watches++;
		out->open += s.open;
		out->polling += s.polling;
		out->events += s.events;
		out->duplicates += s.duplicates;
		out->bookmarks += s.bookmarks;
		out->relists += s.relists;
		out->resumes += s.resumes;
		out->lists += s.lists;
	}
}

void slots_watcher_free(struct slots_watcher *sw)
{
	if (!sw)
		return;
	source_free(sw->src);
	if (sw->rebuild_timer)
		loop_timer_cancel(sw->loop, sw->rebuild_timer);
	if (sw->grace_timer)
		loop_timer_cancel(sw->loop, sw->grace_timer);
	for (int p = 0; p < W_COUNT; p++)
		kube_watch_free(sw->w[p]);
	for (int p = 0; p < W_COUNT; p++)
		free(sw->sel[p]);
	free(sw);
}
