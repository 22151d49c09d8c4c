/* rollout_poll — one round of a Rollout's slots (rollout_poll.c) for the
 * slot poller (slots_poll.c): the Rollout first, then at once its Service,
 * the Service's EndpointSlices, its ReplicaSets, its pods and the
 * namespace's AnalysisRuns. Private to core/deploy/. */
#ifndef WARROOM_ROLLOUT_POLL_H
#define WARROOM_ROLLOUT_POLL_H

struct kube;
struct loop;
struct slots_state;

struct rollout_round;
/* err: NULL when every answer was read into st, else words. */
typedef void (*rollout_round_fn)(const char *err, void *arg);

struct rollout_round *rollout_round_new(struct loop *loop, struct kube *kube, rollout_round_fn fn, void *arg);
/* Fills st (slots_init'ed for the Rollout) and calls fn once, from the loop. */
void rollout_round_start(struct rollout_round *r, struct slots_state *st);
/* Cancels what is in flight (fn does not run) and frees r. */
void rollout_round_free(struct rollout_round *r);

#endif
