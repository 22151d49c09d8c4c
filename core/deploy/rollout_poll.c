/* rollout_poll — one round of a Rollout's slots: the Rollout names the
 * ReplicaSets (by hash) and, unless the config does, the Service; then the
 * Service, its EndpointSlices, the ReplicaSets, the pods and the
 * AnalysisRuns are asked at once. A Rollout that is not there is an answer
 * (the state says so), not a failed round. */
#include "rollout_poll.h"

#include "warroom/kube.h"
#include "warroom/loop.h"
#include "warroom/slots.h"
#include "warroom/text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GUARD_MS 20000

enum rpart { R_ROLLOUT, R_SERVICE, R_SLICES, R_RS, R_PODS, R_RUNS, R_OTHER, R_COUNT };

struct rbody {
	struct rollout_round *r;
	uint64_t id;
	bool done, ok, not_found;
	char *data;
	size_t len;
	char err[300];
};

struct rollout_round {
	struct loop *loop;
	struct kube *kube;
	rollout_round_fn fn;
	void *arg;
	struct slots_state *st;
	struct rbody parts[R_COUNT];
	int outstanding;
	bool phase2;
	uint64_t guard;
};

static const char *const part_name[R_COUNT] = {
	"rollout", "service", "endpoint slices", "replica sets", "pods", "analysis runs", "the other service",
};

static void reset(struct rbody *b)
{
	free(b->data);
	b->data = NULL;
	b->len = 0;
	b->done = b->ok = b->not_found = false;
	b->id = 0;
	b->err[0] = '\0';
}

static void cancel_all(struct rollout_round *r)
{
	for (int i = 0; i < R_COUNT; i++) {
		if (r->parts[i].id)
			kube_cancel(r->kube, r->parts[i].id);
		reset(&r->parts[i]);
	}
	if (r->guard)
		loop_timer_cancel(r->loop, r->guard);
	r->guard = 0;
	r->outstanding = 0;
}

static void finish(struct rollout_round *r, const char *err)
{
	char words[320];
	text_copy(words, sizeof words, err);
	cancel_all(r);
	r->fn(err ? words : NULL, r->arg);
}

/* The answers into the state; NULL, or the first error in words (in buf). */
static const char *parse_all(struct rollout_round *r, char *buf, size_t len)
{
	struct slots_state *st = r->st;
	char err[256];
	for (int i = 0; i < R_COUNT; i++) {
		struct rbody *b = &r->parts[i];
		if (b->done && !b->ok && !b->not_found && b->err[0]) {
			snprintf(buf, len, "%s: %s", part_name[i], b->err);
			return buf;
		}
	}
	struct rbody *b = &r->parts[R_SERVICE];
	if (b->ok && slots_parse_service(st, b->data, b->len, err, sizeof err) < 0)
		goto bad;
	b = &r->parts[R_RS];
	if (b->ok && slots_parse_replicasets(st, b->data, b->len, err, sizeof err) < 0)
		goto bad;
	b = &r->parts[R_PODS];
	if (b->ok && slots_parse_pods(st, b->data, b->len, err, sizeof err) < 0)
		goto bad;
	b = &r->parts[R_SLICES];
	if (b->ok && slots_parse_endpointslices(st, b->data, b->len, err, sizeof err) < 0)
		goto bad;
	b = &r->parts[R_RUNS];
	if (b->ok && rollout_parse_analysisruns(&st->rollout, b->data, b->len, err, sizeof err) < 0)
		goto bad;
	b = &r->parts[R_OTHER];
	if (b->ok)
		st->rollout.other_endpoints = rollout_count_endpoints(b->data, b->len);
	return NULL;
bad:
	snprintf(buf, len, "%s: %s", part_name[b - r->parts], err);
	return buf;
}

static void start_phase2(struct rollout_round *r);

static void on_part(const struct kube_result *res, void *arg)
{
	struct rbody *b = arg;
	struct rollout_round *r = b->r;
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
			text_copy(b->err, sizeof b->err, "out of memory");
		}
	} else {
		text_copy(b->err, sizeof b->err, res->error);
	}
	if (--r->outstanding > 0)
		return;
	if (!r->phase2) {
		start_phase2(r);
		return;
	}
	char buf[320];
	finish(r, parse_all(r, buf, sizeof buf));
}

static void ask(struct rollout_round *r, enum rpart part, uint64_t id)
{
	if (id)
		r->parts[part].id = id, r->outstanding++;
	else
		text_copy(r->parts[part].err, sizeof r->parts[part].err, "could not start a request"),
		r->parts[part].done = true;
}

static void start_phase2(struct rollout_round *r)
{
	struct slots_state *st = r->st;
	struct rbody *b = &r->parts[R_ROLLOUT];
	char err[256];
	r->phase2 = true;
	if (b->not_found) {
		st->rollout.found = false;
		finish(r, NULL);
		return;
	}
	if (!b->ok) {
		snprintf(err, sizeof err, "rollout %s: %s", st->rollout.name, b->err);
		finish(r, err);
		return;
	}
	if (rollout_parse(&st->rollout, b->data, b->len, err, sizeof err) < 0) {
		char words[320];
		snprintf(words, sizeof words, "rollout %s: %s", st->rollout.name, err);
		finish(r, words);
		return;
	}
	char other[sizeof st->service];
	slots_rollout_setup(st);
	slots_rollout_services(st, other, sizeof other);
	const char *sel = st->rollout.match_labels[0] ? st->rollout.match_labels : NULL;
	if (st->service[0]) {
		ask(r, R_SERVICE, kube_get_service(r->kube, st->namespace_, st->service, on_part, &r->parts[R_SERVICE]));
		ask(r, R_SLICES, kube_list_endpointslices(r->kube, st->namespace_, st->service, on_part,
		                                          &r->parts[R_SLICES]));
	}
	ask(r, R_RS, kube_list_replicasets(r->kube, st->namespace_, sel, on_part, &r->parts[R_RS]));
	ask(r, R_PODS, kube_list_pods_page(r->kube, st->namespace_, sel, SLOTS_MAX_PODS, NULL, on_part,
	                                   &r->parts[R_PODS]));
	ask(r, R_RUNS, kube_list_analysisruns(r->kube, st->namespace_, on_part, &r->parts[R_RUNS]));
	if (other[0])
		ask(r, R_OTHER, kube_list_endpointslices(r->kube, st->namespace_, other, on_part, &r->parts[R_OTHER]));
	if (r->outstanding == 0) {
		char buf[320];
		finish(r, parse_all(r, buf, sizeof buf));
	}
}

static void guard_fired(struct loop *loop, void *arg)
{
	struct rollout_round *r = arg;
	char err[200];
	(void)loop;
	r->guard = 0;
	snprintf(err, sizeof err, "the API server at %s did not answer within %d s", kube_server(r->kube),
	         GUARD_MS / 1000);
	finish(r, err);
}

struct rollout_round *rollout_round_new(struct loop *loop, struct kube *kube, rollout_round_fn fn, void *arg)
{
	struct rollout_round *r = calloc(1, sizeof *r);
	if (!r)
		return NULL;
	r->loop = loop;
	r->kube = kube;
	r->fn = fn;
	r->arg = arg;
	for (int i = 0; i < R_COUNT; i++)
		r->parts[i].r = r;
	return r;
}

void rollout_round_start(struct rollout_round *r, struct slots_state *st)
{
	cancel_all(r);
	r->st = st;
	r->phase2 = false;
	r->guard = loop_timer_add(r->loop, GUARD_MS, 0, guard_fired, r);
	ask(r, R_ROLLOUT, kube_get_rollout(r->kube, st->namespace_, st->rollout.name, on_part,
	                                   &r->parts[R_ROLLOUT]));
	if (r->outstanding == 0)
		finish(r, "could not start a request for the rollout");
}

void rollout_round_free(struct rollout_round *r)
{
	if (!r)
		return;
	cancel_all(r);
	free(r);
}
