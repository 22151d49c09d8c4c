/* verify — the seeds' post-deployment verification matrix against one slot's
 * pods directly (smoke tests go to the new pods, not through the ingress):
 * pods N/N ready, GET /health 200, GET /ready 200, /metrics in Prometheus
 * text format, the smoke request, the slot's error ratio under the SLO and
 * its offline queue 0 or stable. Each row keeps what it measured, whether it
 * passed and how long it took. Asynchronous, on the loop. */
#ifndef WARROOM_VERIFY_H
#define WARROOM_VERIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct config;
struct kube;
struct loop;
struct ssh;

enum verify_check {
	VERIFY_PODS, VERIFY_HEALTH, VERIFY_READY, VERIFY_METRICS, VERIFY_SMOKE, VERIFY_ERRORS, VERIFY_QUEUE,
	VERIFY_COUNT
};

struct verify_row {
	const char *check;           /* "Health endpoint" */
	char expected[64];           /* "200 OK" */
	char measured[200];          /* "3/3 pods 200" */
	bool pass;
	int64_t took_ms;
};

struct verify_report {
	char slot[32];
	struct verify_row row[VERIFY_COUNT];
	bool pass;                   /* every row */
	int64_t took_ms;
	char error[300];             /* the matrix could not run: why ("" when it ran) */
};

typedef void (*verify_done_fn)(const struct verify_report *r, void *arg);
struct verify;

/* slot "" picks the slot a smoke test is for: the standby when it has ready
 * pods and a newer rollout, otherwise the one serving traffic. ssh: the
 * bastion's session, for the pods (verify.via_bastion) and Prometheus
 * (prometheus.via_bastion) reached through it; NULL when none. done runs
 * once, from the loop (never from inside verify_start). NULL: out of memory. */
struct verify *verify_start(struct loop *loop, struct kube *kube, struct ssh *ssh, const struct config *cfg,
                            const char *slot, verify_done_fn done, void *arg);
/* Stops a run (done does not run) and frees it; also after done ran. */
void verify_free(struct verify *v);

/* Whether text is the Prometheus text exposition format (comments, samples
 * "name{labels} value [ts]"); why names the first bad line. For tests too. */
bool verify_metrics_text(const char *text, size_t len, int *samples, char *why, size_t whylen);
/* The report as JSON (malloc'd). */
char *verify_report_json(const struct verify_report *r);

#endif
