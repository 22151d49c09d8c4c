/* source — the one poller: a timer that starts rounds, never two at once,
 * with backoff, age and the last error; and the registry of sources. */
#include "warroom/source.h"
#include "warroom/loop.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct source {
	struct loop *loop;
	char name[32];
	source_round_fn round;
	void *arg;
	source_change_fn change;
	void *change_arg;

	int interval_ms;
	bool running;            /* rounds come by the timer */
	bool stopped;            /* source_stop: nothing starts any more */
	bool busy;               /* a round is in flight */
	bool again;              /* a refresh came during the round */
	uint64_t epoch;          /* bumps on stop: older rounds' answers are dropped */
	uint64_t round_epoch;    /* the epoch the round in flight started in */
	uint64_t timer;
	int64_t round_started_ms;
	int failures;

	enum source_state state;
	int64_t updated_ms;
	char error[SOURCE_ERROR];
};

static void notify(struct source *s)
{
	if (s->change)
		s->change(s, s->change_arg);
}

struct source *source_new(struct loop *loop, const char *name, source_round_fn round, void *arg)
{
	struct source *s = calloc(1, sizeof *s);

	if (!s)
		return NULL;
	s->loop = loop;
	snprintf(s->name, sizeof s->name, "%s", name ? name : "?");
	s->round = round;
	s->arg = arg;
	s->state = SRC_IDLE;
	s->interval_ms = SOURCE_DEFAULT_INTERVAL_MS;
	return s;
}

static void cancel_timer(struct source *s)
{
	if (s->timer)
		loop_timer_cancel(s->loop, s->timer);
	s->timer = 0;
}

int64_t source_next_wait_ms(const struct source *s)
{
	int64_t wait = s->interval_ms;
	int64_t cap = (int64_t)s->interval_ms * SOURCE_BACKOFF_MAX_FACTOR;

	if (cap > SOURCE_BACKOFF_MAX_MS)
		cap = SOURCE_BACKOFF_MAX_MS;
	if (cap < s->interval_ms)
		cap = s->interval_ms;
	for (int i = 0; i < s->failures && wait < cap; i++)
		wait *= 2;
	return wait < cap ? wait : cap;
}

static void round_start(struct source *s);

static void timer_fired(struct loop *loop, void *arg)
{
	struct source *s = arg;

	(void)loop;
	s->timer = 0;
	round_start(s);
}

/* The next round at the wait after the start of the last one, or now when
 * that moment has passed already. */
static void schedule(struct source *s, int64_t delay_ms)
{
	cancel_timer(s);
	if (s->stopped || (!s->running && !s->again))
		return;
	if (delay_ms < 0)
		delay_ms = 0;
	s->timer = loop_timer_add(s->loop, delay_ms, 0, timer_fired, s);
}

static void round_start(struct source *s)
{
	if (s->stopped || !s->round)
		return;   /* stopped, or a placeholder for a client that could not open */
	if (s->busy) {
		s->again = true;
		return;
	}
	cancel_timer(s);
	s->busy = true;
	s->again = false;
	s->round_epoch = s->epoch;
	s->round_started_ms = loop_now_ms();
	if (s->state == SRC_IDLE || s->state == SRC_UNCONFIGURED) {
		s->state = SRC_CONNECTING;
		notify(s);
	}
	s->round(s, s->arg);   /* may end the round at once */
}

void source_round_done(struct source *s, bool ok, const char *err)
{
	if (!s->busy)
		return;
	s->busy = false;
	if (s->round_epoch != s->epoch) {
		/* a round from before a stop: its answer is not wanted */
		if (s->running || s->again)
			schedule(s, 0);
		return;
	}
	if (ok) {
		s->failures = 0;
		s->state = SRC_UP;
		s->updated_ms = loop_now_ms();
		s->error[0] = '\0';
	} else {
		s->failures++;
		s->state = SRC_DOWN;
		snprintf(s->error, sizeof s->error, "%s", err && *err ? err : "the request failed");
	}
	if (s->again) {
		/* a timer, not a call: a round that ends inside its own start never recurses */
		schedule(s, 0);
	} else {
		schedule(s, s->round_started_ms + source_next_wait_ms(s) - loop_now_ms());
	}
	notify(s);
}

void source_start(struct source *s, int interval_ms)
{
	s->interval_ms = interval_ms > 0 ? interval_ms : SOURCE_DEFAULT_INTERVAL_MS;
	s->running = true;
	s->stopped = false;
	if (s->busy)
		s->again = true;   /* a round from before a stop is still out */
	else
		schedule(s, 0);
}

void source_refresh(struct source *s)
{
	if (s->stopped)
		return;
	if (s->busy) {
		s->again = true;
		return;
	}
	round_start(s);
}

void source_stop(struct source *s)
{
	if (!s)
		return;
	s->running = false;
	s->stopped = true;
	s->again = false;
	s->epoch++;
	cancel_timer(s);
}

void source_free(struct source *s)
{
	if (!s)
		return;
	source_stop(s);
	free(s);
}

void source_set_error(struct source *s, const char *err)
{
	s->state = SRC_DOWN;
	snprintf(s->error, sizeof s->error, "%s", err && *err ? err : "unavailable");
	notify(s);
}

void source_set_unconfigured(struct source *s)
{
	s->state = SRC_UNCONFIGURED;
	s->error[0] = '\0';
	notify(s);
}

const char *source_name(const struct source *s) { return s->name; }
enum source_state source_state(const struct source *s) { return s->state; }
bool source_busy(const struct source *s) { return s->busy; }
bool source_running(const struct source *s) { return s->running; }
int source_failures(const struct source *s) { return s->failures; }

void source_status(const struct source *s, struct source_status *out)
{
	out->state = s->state;
	out->updated_ms = s->updated_ms;
	snprintf(out->error, sizeof out->error, "%s", s->error);
}

void source_on_change(struct source *s, source_change_fn fn, void *arg)
{
	s->change = fn;
	s->change_arg = arg;
}

/* ---- the registry ---- */

void source_registry_init(struct source_registry *reg, source_change_fn fn, void *arg)
{
	memset(reg, 0, sizeof *reg);
	reg->fn = fn;
	reg->arg = arg;
}

static void registry_change(struct source *s, void *arg)
{
	struct source_registry *reg = arg;

	if (reg->fn)
		reg->fn(s, reg->arg);
}

static struct source *registry_find(const struct source_registry *reg, const char *name)
{
	for (size_t i = 0; i < reg->n; i++)
		if (strcmp(reg->src[i]->name, name) == 0)
			return reg->src[i];
	return NULL;
}

int source_registry_add(struct source_registry *reg, struct source *src)
{
	if (!src || reg->n == SOURCE_REGISTRY_MAX || registry_find(reg, src->name))
		return -1;
	reg->src[reg->n] = src;
	source_on_change(src, registry_change, reg);
	return (int)reg->n++;
}

void source_registry_refresh(struct source_registry *reg)
{
	for (size_t i = 0; i < reg->n; i++)
		source_refresh(reg->src[i]);
}

void source_registry_stop(struct source_registry *reg)
{
	for (size_t i = 0; i < reg->n; i++)
		source_stop(reg->src[i]);
}
