/* What the deployment model's files share and no one else needs. */
#ifndef WARROOM_DEPLOY_PRIV_H
#define WARROOM_DEPLOY_PRIV_H

#include "warroom/deploy.h"

/* The line a rule compares its value with (the baseline's, the SLO's). */
double deploy_rule_limit(const struct deploy *d, enum deploy_rule r);
/* Why a rule fired, in words, with how long it has held at now_ms:
 * "errors 7.8 % > 5 % for 9 s". */
void deploy_reason_words(const struct deploy *d, enum deploy_rule r, int64_t now_ms, char *buf, size_t len);

/* The switch before the one at when, as the sources agreeing on it say; 0. */
int64_t deploy_switch_before(const struct deploy_evidence *ev, const char *active, int64_t when);

/* The watcher's questions to the cluster and Prometheus (deploy_query.c):
 * kick runs on the loop after an answer came, for the model to step. */
struct deploy_query;
struct deploy_query *deploy_query_new(const struct deploy_io *io, struct deploy *d, const struct model *m,
                                      void (*kick)(void *arg), void *arg);
/* Asks what is due and hands the answers that came to the model: the builds
 * and traffic once slots are known, the baseline and the rules' past once a
 * switch is, the live slot's signals of the last round. */
void deploy_query_step(struct deploy_query *q, int64_t now_ms);
/* Every question of the rebuild answered (or failed). */
bool deploy_query_settled(const struct deploy_query *q);
/* Cancels the cluster's request in flight (before the client is freed). */
void deploy_query_stop(struct deploy_query *q);
/* Answers still to come free it when they arrive. */
void deploy_query_free(struct deploy_query *q);

/* An Argo Rollout's part of the model (deploy_rollout.c): the stage from its
 * status, with the slot traffic moved to and the one it left (-1); the
 * analysis rule (words of the failed run); the target (abort or undo). */
enum deploy_stage deploy_rollout_stage(struct deploy *d, const struct slots_state *st, int64_t now_ms,
                                       int *to, int *from);
bool deploy_rollout_analysis(const struct slots_state *st, char *words, size_t len, int64_t *since_ms);
void deploy_rollout_target(const struct deploy *d, const struct slots_state *st, struct deploy_target *t);

#endif
