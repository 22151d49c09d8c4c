/* matrix — the seeds' post-deployment verification matrix against one slot's
 * pods directly (smoke tests go to the new pods, not through the ingress):
 * pods N/N ready, GET /health 200, GET /ready 200, /metrics in Prometheus
 * text format, the smoke request, the slot's error ratio under the SLO and
 * its offline queue 0 or stable. Each row keeps what it measured, whether it
 * passed and how long it took. Asynchronous, on the loop.
 * Implemented in core/deploy/matrix.c. */
#ifndef WARROOM_MATRIX_H
#define WARROOM_MATRIX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct config;
struct kube;
struct loop;
struct ssh;

enum matrix_check {
	MATRIX_PODS, MATRIX_HEALTH, MATRIX_READY, MATRIX_METRICS, MATRIX_SMOKE, MATRIX_ERRORS, MATRIX_QUEUE,
	MATRIX_COUNT
};

struct matrix_row {
	const char *check;           /* "Health endpoint" */
	char expected[64];           /* "200 OK" */
	char measured[200];          /* "3/3 pods 200" */
	bool pass;
	int64_t took_ms;
};

struct matrix_report {
	char slot[32];
	struct matrix_row row[MATRIX_COUNT];
	bool pass;                   /* every row */
	int64_t took_ms;
	char error[300];             /* the matrix could not run: why ("" when it ran) */
};

typedef void (*matrix_done_fn)(const struct matrix_report *r, void *arg);
struct matrix;

/* slot "" picks the slot a smoke test is for: the standby when it has ready
 * pods and a newer rollout, otherwise the one serving traffic. ssh: the
 * bastion's session, for the pods (verify.via_bastion) and Prometheus
 * (prometheus.via_bastion) reached through it; NULL when none. done runs
 * once, from the loop (never from inside matrix_start). NULL: out of memory. */
struct matrix *matrix_start(struct loop *loop, struct kube *kube, struct ssh *ssh, const struct config *cfg,
                            const char *slot, matrix_done_fn done, void *arg);
/* Stops a run (done does not run) and frees it; also after done ran. */
void matrix_free(struct matrix *v);

/* Whether text is the Prometheus text exposition format (comments, samples
 * "name{labels} value [ts]"); why names the first bad line. For tests too. */
bool matrix_metrics_text(const char *text, size_t len, int *samples, char *why, size_t whylen);
/* The report as JSON (malloc'd). */
char *matrix_report_json(const struct matrix_report *r);

#endif
