/* Capacity warnings: the seeds' capacity planning triggers (offline queue,
 * request rate, database size, CPU and memory against the pods' requests),
 * each compared with its configured line. A warning stands once its signal
 * is over the line for two samples in a row and clears the same way, so one
 * noisy scrape neither raises nor drops it; core/deploy/deploy_core.c records
 * every crossing in the timeline. Pure: the samples come from outside. */
#include "warroom/deploy.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "warroom/config.h"

#define CAP_FRESH_MS 30000   /* a sample older than this is no measurement */
#define GIB (1024.0 * 1024.0 * 1024.0)

static const char *const names[DCAP_COUNT] = {
	[DCAP_QUEUE] = "queue", [DCAP_RPS] = "rps", [DCAP_DB] = "database", [DCAP_CPU] = "cpu",
	[DCAP_MEMORY] = "memory",
};

const char *deploy_capacity_name(enum deploy_capacity c)
{
	return c < DCAP_COUNT ? names[c] : "unknown";
}

void deploy_capacity_sample(struct deploy *d, enum deploy_capacity c, double v, int64_t now_ms)
{
	if (c >= DCAP_COUNT)
		return;
	d->cap[c].sample = isinf(v) ? NAN : v;
	d->cap[c].sampled_ms = now_ms;
}

static double limit_of(const struct config *cfg, enum deploy_capacity c)
{
	switch (c) {
	case DCAP_QUEUE: return (double)cfg->policy.queue;
	case DCAP_RPS: return (double)cfg->deploy.capacity_rps;
	case DCAP_DB: return cfg->deploy.capacity_db_gb * GIB;
	case DCAP_CPU: return cfg->deploy.capacity_cpu;
	case DCAP_MEMORY: return cfg->deploy.capacity_memory;
	default: return NAN;
	}
}

static void judge(struct deploy_capacity_state *s, double v, double limit, unsigned *ev)
{
	bool over = !isnan(v) && !isnan(limit) && v > limit;

	s->limit = limit;
	/* no measurement keeps what stands: a gap is not a recovery */
	if (isnan(v))
		return;
	s->value = v;
	if (over == s->over) {
		s->streak = 0;
		return;
	}
	if (++s->streak < 2)
		return;
	s->over = over;
	s->streak = 0;
	s->crossed = true;
	*ev |= DEPLOY_EV_CAPACITY;
}

void deploy_capacity_step(struct deploy *d, const struct model_metrics *mm, int64_t now_ms,
                               unsigned *ev)
{
	d->ncapacity = 0;
	for (int i = 0; i < DCAP_COUNT; i++) {
		struct deploy_capacity_state *s = &d->cap[i];
		bool golden = i == DCAP_QUEUE || i == DCAP_RPS;
		int64_t at = golden ? mm->updated_ms : s->sampled_ms;
		double v = golden ? mm->s[i == DCAP_QUEUE ? MET_QUEUE : MET_RPS].last : s->sample;

		s->crossed = false;
		/* each sample counts once; an old one is no measurement (the golden
		 * signals' round is new when it is there: its clock is the loop's) */
		if (at && at != s->judged_ms && (golden || now_ms - at < CAP_FRESH_MS)) {
			s->judged_ms = at;
			judge(s, v, limit_of(d->cfg, (enum deploy_capacity)i), ev);
		}
		if (s->over)
			deploy_capacity_text(d, (enum deploy_capacity)i, d->capacity[d->ncapacity++],
			                          sizeof d->capacity[0]);
	}
}

void deploy_capacity_text(const struct deploy *d, enum deploy_capacity c, char *buf, size_t len)
{
	const struct deploy_capacity_state *s = &d->cap[c];
	const struct config *cfg = d->cfg;
	double v = s->value;
	bool known = !isnan(v);

	switch (c) {
	case DCAP_QUEUE:
		snprintf(buf, len, "offline queue %.0f items, over %ld: investigate TAK connectivity, increase the queue "
		         "size", known ? v : 0, cfg->policy.queue);
		break;
	case DCAP_RPS:
		snprintf(buf, len, "%.0f req/s, over %ld: consider the SQLite to PostgreSQL migration", known ? v : 0,
		         cfg->deploy.capacity_rps);
		break;
	case DCAP_DB:
		snprintf(buf, len, "database %.1f GiB, over %d GiB: expand the PVC or archive old detections",
		         known ? v / GIB : 0, cfg->deploy.capacity_db_gb);
		break;
	case DCAP_CPU:
		snprintf(buf, len, "CPU %.0f %% of requests (busiest pod), over %.0f %%: the HPA adds pods (max 10)",
		         known ? v * 100 : 0, cfg->deploy.capacity_cpu * 100);
		break;
	case DCAP_MEMORY:
		snprintf(buf, len, "memory %.0f %% of requests (busiest pod), over %.0f %%: the HPA adds pods (max 10)",
		         known ? v * 100 : 0, cfg->deploy.capacity_memory * 100);
		break;
	default:
		snprintf(buf, len, "?");
	}
}

char *deploy_capacity_query(const struct config *cfg, enum deploy_capacity c)
{
	const char *q = c == DCAP_DB ? cfg->deploy.capacity_db_query
	              : c == DCAP_CPU ? cfg->deploy.capacity_cpu_query
	              : c == DCAP_MEMORY ? cfg->deploy.capacity_memory_query : "";
	const char *ns = cfg->kube.namespace_;
	size_t n = 0, cap = strlen(q) + 1;
	char *out;

	if (!q[0])
		return NULL;
	for (const char *p = strstr(q, "{namespace}"); p; p = strstr(p + 1, "{namespace}"))
		cap += strlen(ns);
	out = malloc(cap);
	if (!out)
		return NULL;
	while (*q) {
		if (strncmp(q, "{namespace}", 11) == 0) {
			memcpy(out + n, ns, strlen(ns));
			n += strlen(ns);
			q += 11;
		} else {
			out[n++] = *q++;
		}
	}
	out[n] = '\0';
	return out;
}
