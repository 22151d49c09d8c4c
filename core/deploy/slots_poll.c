/* slots_poll — refreshes the slot model on the loop. A round asks for the
 * service, both Deployments and the EndpointSlices at once, then each slot's
 * pods: the service's selector with that slot's label, one page of at most
 * its share of SLOTS_MAX_PODS (?limit=). A namespace of thousands of pods,
 * even of the same app, costs one small page per slot; when a slot has more
 * pods than its page, its counts come from its Deployment's status. Rounds
 * run on the one source abstraction (no overlap, backoff, age); a failed
 * round keeps the last good data, its age, and the error in words. */
#include "warroom/slots.h"
#include "warroom/config.h"
#include "warroom/kube.h"
#include "warroom/loop.h"
#include "warroom/source.h"

#include "rollout_poll.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ROUND_GUARD_MS 20000

enum part { P_SERVICE, P_SLICES, P_PODS0, P_DEPLOY0 = P_PODS0 + SLOTS_MAX, P_COUNT = P_DEPLOY0 + SLOTS_MAX };

struct body {
	struct slots_poller *p;
	enum part part;
	uint64_t id;
	bool done, ok, not_found;
	char *data;
	size_t len;
	char err[300];
};

struct slots_poller {
	struct loop *loop;
	struct kube *kube;
	const struct config *cfg;
	slots_update_fn fn;
	void *arg;
	struct slots_state state;
	struct slots_state scratch;
	struct body parts[P_COUNT];
	int outstanding;
	bool phase2;
	struct source *src;      /* rounds, their timing, state and age */
	uint64_t guard_timer;
	int64_t round_started_ms;
	struct rollout_round *ro;    /* kubernetes.rollout: its rounds instead */
};

static void round_finish(struct slots_poller *p);
static void publish(struct slots_poller *p, const char *err);
static void start_phase2(struct slots_poller *p);

static void part_reset(struct body *b)
{
	free(b->data);
	b->data = NULL;
	b->len = 0;
	b->done = b->ok = b->not_found = false;
	b->id = 0;
	b->err[0] = '\0';
}

static void on_part(const struct kube_result *res, void *arg)
{
	struct body *b = arg;
	struct slots_poller *p = b->p;
	b->id = 0;
	b->done = true;
	b->ok = res->ok;
	b->not_found = res->status == 404;
	if (res->ok) {
		b->data = malloc(res->len + 1);
		if (b->data) {
			memcpy(b->data, res->body, res->len);
			b->data[res->len] = '\0';
			b->len = res->len;
		} else {
			b->ok = false;
			snprintf(b->err, sizeof b->err, "out of memory");
		}
	} else {
		snprintf(b->err, sizeof b->err, "%s", res->error);
	}
	if (--p->outstanding > 0)
		return;
	if (!p->phase2)
		start_phase2(p);
	else
		round_finish(p);
}

static void ask(struct slots_poller *p, enum part part, uint64_t id)
{
	if (id)
		p->parts[part].id = id, p->outstanding++;
	else
		snprintf(p->parts[part].err, sizeof p->parts[part].err, "could not start a request"),
		p->parts[part].done = true;
}

static const char *first_error(const struct slots_poller *p)
{
	for (int i = 0; i < P_COUNT; i++) {
		const struct body *b = &p->parts[i];
		if (b->done && !b->ok && !b->not_found && b->err[0])
			return b->err;
	}
	return NULL;
}

/* Each slot's share of the pod table: one page of the API's list. */
static int pods_page(const struct slots_state *st)
{
	return SLOTS_MAX_PODS / (st->nslots > 0 ? st->nslots : 1);
}

static void parse_phase1(struct slots_poller *p)
{
	struct slots_state *st = &p->scratch;
	char err[256];
	struct body *b = &p->parts[P_SERVICE];
	if (b->ok && slots_parse_service(st, b->data, b->len, err, sizeof err) < 0)
		snprintf(b->err, sizeof b->err, "service: %s", err), b->ok = false;
	for (int i = 0; i < st->nslots; i++) {
		b = &p->parts[P_DEPLOY0 + i];
		if (b->ok && slots_parse_deployment(&st->slot[i], b->data, b->len, err, sizeof err) < 0)
			snprintf(b->err, sizeof b->err, "deployment %s: %s", st->slot[i].deployment, err), b->ok = false;
	}
}

static void start_phase2(struct slots_poller *p)
{
	p->phase2 = true;
	if (first_error(p)) {
		round_finish(p);
		return;
	}
	parse_phase1(p);
	if (first_error(p)) {
		round_finish(p);
		return;
	}
	for (int i = 0; i < p->scratch.nslots; i++) {
		char *sel = slots_pod_selector(&p->scratch, i);
		struct body *b = &p->parts[P_PODS0 + i];
		if (!sel) {
			snprintf(b->err, sizeof b->err, "out of memory");
			b->done = true;
			continue;
		}
		ask(p, P_PODS0 + i, kube_list_pods_page(p->kube, p->scratch.namespace_, sel[0] ? sel : NULL,
		                                        pods_page(&p->scratch), NULL, on_part, b));
		free(sel);
	}
	if (p->outstanding == 0)
		round_finish(p);
}

static void guard_fired(struct loop *loop, void *arg)
{
	struct slots_poller *p = arg;
	(void)loop;
	p->guard_timer = 0;
	for (int i = 0; i < P_COUNT; i++) {
		struct body *b = &p->parts[i];
		if (b->id) {
			kube_cancel(p->kube, b->id);
			b->id = 0;
			b->done = true;
			snprintf(b->err, sizeof b->err, "the API server at %s did not answer within %d s",
			         kube_server(p->kube), ROUND_GUARD_MS / 1000);
		}
	}
	p->outstanding = 0;
	p->phase2 = true;
	round_finish(p);
}

static void round_start(struct source *src, void *arg)
{
	struct slots_poller *p = arg;

	(void)src;
	p->phase2 = false;
	p->outstanding = 0;
	p->round_started_ms = loop_now_ms();
	for (int i = 0; i < P_COUNT; i++)
		part_reset(&p->parts[i]);
	slots_init(&p->scratch, p->cfg);
	if (p->ro) {
		rollout_round_start(p->ro, &p->scratch);
		return;
	}
	struct slots_state *st = &p->scratch;
	ask(p, P_SERVICE, kube_get_service(p->kube, st->namespace_, st->service, on_part, &p->parts[P_SERVICE]));
	for (int i = 0; i < st->nslots; i++)
		ask(p, P_DEPLOY0 + i, kube_get_deployment(p->kube, st->namespace_, st->slot[i].deployment, on_part,
		                                          &p->parts[P_DEPLOY0 + i]));
	ask(p, P_SLICES, kube_list_endpointslices(p->kube, st->namespace_, st->service, on_part, &p->parts[P_SLICES]));
	p->guard_timer = loop_timer_add(p->loop, ROUND_GUARD_MS, 0, guard_fired, p);
	if (p->outstanding == 0)
		start_phase2(p);
}

static void round_finish(struct slots_poller *p)
{
	if (p->guard_timer) {
		loop_timer_cancel(p->loop, p->guard_timer);
		p->guard_timer = 0;
	}
	struct slots_state *st = &p->scratch;
	const char *err = first_error(p);
	char perr[256] = "";
	if (!err) {
		struct body *b;
		st->npods = 0;
		for (int i = 0; i < st->nslots && !err; i++) {
			b = &p->parts[P_PODS0 + i];
			if (b->ok && slots_add_slot_pods(st, i, (size_t)pods_page(st), b->data, b->len, perr,
			                                 sizeof perr) < 0)
				err = perr;
		}
		b = &p->parts[P_SLICES];
		if (!err && b->ok && slots_parse_endpointslices(st, b->data, b->len, perr, sizeof perr) < 0)
			err = perr;
	}
	publish(p, err);
}

static void rollout_done(const char *err, void *arg)
{
	publish(arg, err);
}

static void publish(struct slots_poller *p, const char *err)
{
	struct slots_state *st = &p->scratch;
	int64_t now = loop_now_ms();
	if (err) {
		snprintf(p->state.last_error, sizeof p->state.last_error, "%s", err);
	} else {
		slots_derive(st);
		slots_rollout_derive(st);
		st->updated_ms = now;
		st->last_error[0] = '\0';
		st->generation = p->state.generation;
		p->state = *st;
	}
	p->state.generation++;
	for (int i = 0; i < P_COUNT; i++)
		part_reset(&p->parts[i]);
	/* the source first: fn may free the poller (a rollback's verification does) */
	source_round_done(p->src, !p->state.last_error[0], p->state.last_error);
	if (p->fn)
		p->fn(&p->state, p->arg);
}

struct slots_poller *slots_poller_new(struct loop *loop, struct kube *kube, const struct config *cfg,
                                      slots_update_fn fn, void *arg)
{
	struct slots_poller *p = calloc(1, sizeof *p);
	if (!p)
		return NULL;
	p->src = source_new(loop, "kube", round_start, p);
	if (!p->src) {
		free(p);
		return NULL;
	}
	p->loop = loop;
	p->kube = kube;
	p->cfg = cfg;
	p->fn = fn;
	p->arg = arg;
	for (int i = 0; i < P_COUNT; i++) {
		p->parts[i].p = p;
		p->parts[i].part = (enum part)i;
	}
	slots_init(&p->state, cfg);
	if (cfg->kube.rollout[0] && !(p->ro = rollout_round_new(loop, kube, rollout_done, p))) {
		slots_poller_free(p);
		return NULL;
	}
	return p;
}

void slots_poller_refresh(struct slots_poller *p)
{
	source_refresh(p->src);
}

struct source *slots_poller_source(struct slots_poller *p)
{
	return p->src;
}

void slots_poller_free(struct slots_poller *p)
{
	if (!p)
		return;
	source_free(p->src);    /* the requests below are cancelled: no late answer */
	rollout_round_free(p->ro);
	if (p->guard_timer)
		loop_timer_cancel(p->loop, p->guard_timer);
	for (int i = 0; i < P_COUNT; i++) {
		if (p->parts[i].id)
			kube_cancel(p->kube, p->parts[i].id);
		part_reset(&p->parts[i]);
	}
	free(p);
}
