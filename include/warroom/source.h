/* source — the one poller every data source runs on: start at an interval,
 * refresh now, stop; rounds never overlap (a refresh during a round runs one
 * more round after it); after consecutive failures the wait doubles up to a
 * cap, and is back to normal after a success (refresh now ignores it); the
 * data's age, the last error in words, and a state. A round is a callback
 * that starts asynchronous work and later calls source_round_done().
 *
 * The registry keeps the sources in order under their names; the status bar
 * and the panels read each one's state, age and error from it.
 * Implemented in core/source.c. */
#ifndef WARROOM_SOURCE_H
#define WARROOM_SOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "warroom/model.h"   /* enum source_state */

struct loop;
struct source;

#define SOURCE_BACKOFF_MAX_FACTOR 8     /* the wait grows to 8 intervals at most */
#define SOURCE_BACKOFF_MAX_MS 60000     /* and never past a minute (unless the interval is longer) */
#define SOURCE_DEFAULT_INTERVAL_MS 2000

/* Starts a round's work; it must end in exactly one source_round_done(),
 * now or later (from a callback on the loop). */
typedef void (*source_round_fn)(struct source *src, void *arg);
/* Runs when the source's state, age or error changed. */
typedef void (*source_change_fn)(struct source *src, void *arg);

/* A source in state SRC_IDLE; nothing runs until source_start. */
struct source *source_new(struct loop *loop, const char *name, source_round_fn round, void *arg);
/* A first round on the next loop pass, then one every interval_ms
 * (SOURCE_DEFAULT_INTERVAL_MS when <= 0), counted from each round's start. */
void source_start(struct source *src, int interval_ms);
/* A round now, whatever the backoff; during a round, one more right after it.
 * Works before source_start too (a one-off read), not after source_stop. */
void source_refresh(struct source *src);
/* No round starts after this; the answer of a round in flight is dropped
 * when it arrives. The source keeps its state and can be started again. */
void source_stop(struct source *src);
/* Stops and frees. The round's owner must make sure no late
 * source_round_done() can arrive after this (cancel or stop first). */
void source_free(struct source *src);

/* The end of a round: ok, or the failure in words (err may be NULL). */
void source_round_done(struct source *src, bool ok, const char *err);
/* Marks the source down without a round (a client that could not open). */
void source_set_error(struct source *src, const char *err);
/* Marks the source as not configured. */
void source_set_unconfigured(struct source *src);

const char *source_name(const struct source *src);
enum source_state source_state(const struct source *src);
bool source_busy(const struct source *src);
bool source_running(const struct source *src);
int source_failures(const struct source *src);        /* consecutive */
/* The wait before the next scheduled round: the interval, doubled per failure. */
int64_t source_next_wait_ms(const struct source *src);
/* The status the model shows (state, age, error). */
void source_status(const struct source *src, struct source_status *out);

/* One change callback per source; the registry takes it when it adopts one. */
void source_on_change(struct source *src, source_change_fn fn, void *arg);

/* ---- the registry ---- */

#define SOURCE_REGISTRY_MAX 16

struct source_registry {
	struct source *src[SOURCE_REGISTRY_MAX];
	size_t n;
	source_change_fn fn;       /* called for every change of any source */
	void *arg;
};

void source_registry_init(struct source_registry *reg, source_change_fn fn, void *arg);
/* Appends a source (not owned: its creator frees it). Index, or -1 when full
 * or the name is taken. */
int source_registry_add(struct source_registry *reg, struct source *src);
void source_registry_refresh(struct source_registry *reg);
void source_registry_stop(struct source_registry *reg);

#endif
