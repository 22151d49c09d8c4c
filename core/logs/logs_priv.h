/* logs_priv — what core/logs/'s session files share: the session (logs.c:
 * scope, pods, merging, events) above its streams (logs_stream.c: one
 * container's log followed, resumed, and its previous instance read). The
 * streams call nothing of the session: they write its fields (their queues,
 * `changed`) and the session's timers read them. */
#ifndef WARROOM_LOGS_PRIV_H
#define WARROOM_LOGS_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "warroom/logs.h"

#define LOGS_AT_LAST 16              /* lines of one timestamp remembered, for a resume */

/* Lines of one read waiting to be merged by time (oldest first). */
struct logs_pend {
	struct logs_pend *next;
	int64_t ts_ns;
	uint32_t len;
	uint8_t flags;
	char text[];
};

struct logs_queue {
	struct logs_pend *head, *tail;
	size_t n, bytes;
	int64_t newest_ns;               /* the last line queued */
};

struct logs_stream_priv {
	struct logs *l;
	uint64_t req;                    /* the followed read, kube_cancel's id */
	uint64_t prev_req;               /* the previous instance's read */
	uint64_t timer;                  /* the next try */
	int backoff_ms;
	bool want;                       /* in scope: followed while it exists */
	bool holding;                    /* its backlog is still arriving: the merge waits for it */
	int64_t started_ms;              /* monotonic, the read began */
	int64_t last_data_ms;            /* monotonic, the last line of any read */
	int seen_restarts;               /* the restart count the previous instance was read for */
	bool running;                    /* as the last pod read says: a follow that ends while not is a crash */
	bool prev_done;
	uint64_t at_last[LOGS_AT_LAST];  /* hashes of the lines at last_ts_ns, for the next resume */
	size_t nat;
	int64_t prev_last_ns;            /* the previous instance's lines up to this were seen */
	struct logs_queue q, pq;         /* the current instance's lines, the previous one's */
};

struct logs {
	struct logs_state st;
	struct loop *loop;
	struct kube *kube;
	const struct config *cfg;
	struct model *m;
	logs_line_fn on_line;
	void *on_line_arg;
	size_t max_streams;
	int quiet_s;
	uint64_t pods_req, svc_req, events_req;
	uint64_t pods_timer, flush_timer, health_timer, events_timer;
	int events_interval_ms;
	bool events_v1;                  /* the server has no events.k8s.io: core v1 */
	struct kube_watch *events_watch; /* kubernetes.watch: listed once, then watched */
	uint64_t events_apply_timer;     /* the watch's changes, read on the next pass */
	bool events_once_done;
	char selector[256];              /* the Service's, without the slot label */
	bool following;
	bool started;                    /* the streams began (after the first pods) */
	int64_t last_mark_ms;
	bool changed;                    /* a redraw is due (at most every redraw interval) */
	bool pods_soon;                  /* a stream ended: read the pods again now, not in 3 s */
	size_t pend_bytes;               /* every queue's */
	int64_t from_ms[LOGS_SLOTS];     /* where each slot's streams begin, UTC ms; 0: their tail */
	int64_t from_other_ms;           /* a pod of no slot's (one pod asked for by name) */
	int tail;                        /* lines per container when a start is 0 */
};

/* ---- logs_stream.c ---- */

/* Starts (or resumes) following stream s of the session; its pod's state in pod. */
void logs_stream_start(struct logs *l, struct logs_stream *s);
/* Stops it (no callback after), keeping where it was for a resume. */
void logs_stream_stop(struct logs *l, struct logs_stream *s);
/* Pods were read again: s's container ran, crashed or left. */
void logs_stream_pod(struct logs *l, struct logs_stream *s, const struct logs_pod *pod,
                     const struct logs_container *c);
void logs_stream_free(struct logs *l, struct logs_stream *s);
/* Health from the clock: live or quiet. True when it changed. */
bool logs_stream_tick(struct logs *l, struct logs_stream *s, int64_t now_ms);

#endif
