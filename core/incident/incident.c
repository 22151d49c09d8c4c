/* incident — status, roles, first response and the response clock of the
 * open incident, and the SEV the live signals suggest. The columns live in
 * the timeline database (schema v4); core/timeline/timeline_incident.c writes them. */
#include "warroom/incident.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "warroom/config.h"
#include "warroom/policy.h"
#include "warroom/slots.h"
#include "warroom/text.h"

static const char *const status_names[INCIDENT_STATUS_COUNT] = {
	[INCIDENT_INVESTIGATING] = "investigating",
	[INCIDENT_CONTAINED] = "contained",
	[INCIDENT_RECOVERED] = "recovered",
	[INCIDENT_RESOLVED] = "resolved",
};

const char *incident_status_name(enum incident_status st)
{
	return st < INCIDENT_STATUS_COUNT ? status_names[st] : "?";
}

int incident_status_parse(const char *s)
{
	if (!s)
		return -1;
	for (int i = 0; i < INCIDENT_STATUS_COUNT; i++)
		if (strcasecmp(s, status_names[i]) == 0)
			return i;
	if (strcasecmp(s, "mitigated") == 0)
		return INCIDENT_CONTAINED;
	return -1;
}

int incident_role_parse(const char *s)
{
	if (!s)
		return -1;
	if (strcasecmp(s, "ic") == 0 || strcasecmp(s, "commander") == 0 || strcasecmp(s, "incident-commander") == 0)
		return INCIDENT_COMMANDER;
	if (strcasecmp(s, "scribe") == 0)
		return INCIDENT_SCRIBE;
	return -1;
}

const char *incident_role_name(enum incident_role role)
{
	return role == INCIDENT_SCRIBE ? "scribe" : "incident commander";
}

/* ---- the response clock ---- */

void incident_clock(const struct config *cfg, const struct timeline_incident *inc, int64_t now_wall_ms,
                    struct incident_clock *out)
{
	int64_t until = inc->acked_ms ? inc->acked_ms : now_wall_ms;

	memset(out, 0, sizeof *out);
	out->target_min = policy_sev_response_min(cfg, inc->sev);
	out->acked = inc->acked_ms != 0;
	out->elapsed_s = (until - inc->opened_ms) / 1000;
	if (out->elapsed_s < 0)
		out->elapsed_s = 0;
	out->left_s = (int64_t)out->target_min * 60 - out->elapsed_s;
	out->overdue = !out->acked && out->target_min > 0 && out->left_s < 0;
}

static void mmss(char *buf, size_t len, int64_t s)
{
	if (s < 0)
		s = -s;
	if (s >= 3600)
		snprintf(buf, len, "%lld:%02lld:%02lld", (long long)(s / 3600), (long long)(s / 60 % 60),
		         (long long)(s % 60));
	else
		snprintf(buf, len, "%lld:%02lld", (long long)(s / 60), (long long)(s % 60));
}

void incident_clock_text(const struct incident_clock *c, char *buf, size_t len)
{
	char t[32], target[16];

	if (c->target_min >= 60 && c->target_min % 60 == 0)
		snprintf(target, sizeof target, "%dh", c->target_min / 60);
	else
		snprintf(target, sizeof target, "%dm", c->target_min);
	if (c->acked) {
		mmss(t, sizeof t, c->elapsed_s);
		snprintf(buf, len, "acked in %s", t);
	} else if (c->target_min == 0) {
		snprintf(buf, len, "ack next business day");
	} else if (c->left_s >= 0) {
		mmss(t, sizeof t, c->left_s);
		snprintf(buf, len, "ack %s: %s left", target, t);
	} else {
		mmss(t, sizeof t, c->left_s);
		snprintf(buf, len, "ack %s: %s OVERDUE", target, t);
	}
}

/* The status is stored by name, with its clock: contained 1, recovered 2. */
int incident_set_status(struct timeline *tl, int64_t id, enum incident_status st, int64_t when_ms)
{
	if (st >= INCIDENT_STATUS_COUNT)
		return -1;
	return timeline_incident_set_status(tl, id, status_names[st],
	                                    st == INCIDENT_CONTAINED ? 1 : st == INCIDENT_RECOVERED ? 2 : 0, when_ms);
}

/* ---- SEV suggestions ---- */

struct pick {
	int sev;
	char reason[240];
};

static void consider(struct pick *p, int sev, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* The higher SEV wins; reasons of the same level are all said. */
static void consider(struct pick *p, int sev, const char *fmt, ...)
{
	char why[240];
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	vsnprintf(why, sizeof why, fmt, ap);
	va_end(ap);
	if (p->sev && sev > p->sev)
		return;
	if (!p->sev || sev < p->sev) {
		p->sev = sev;
		text_copy(p->reason, sizeof p->reason, why);
		return;
	}
	n = strlen(p->reason);
	snprintf(p->reason + n, sizeof p->reason - n, "; %s", why);
}

static const struct model_alert *firing(const struct model *m, const char *name)
{
	for (size_t i = 0; i < m->alerts.n; i++)
		if (strcmp(m->alerts.a[i].name, name) == 0)
			return &m->alerts.a[i];
	return NULL;
}

static void slots_reasons(const struct model *m, struct pick *p)
{
	const struct slots_state *st = m->slots;
	const struct slots_slot *a;

	if (!st || !st->updated_ms || st->last_error[0] || st->health == SLOTS_HEALTH_UNKNOWN)
		return;   /* what the API did not say is not evidence */
	if (st->active >= 0 && st->active < st->nslots) {
		a = &st->slot[st->active];
		if (a->ready == 0 && st->endpoints_ready == 0) {
			consider(p, 1, "no ready pod behind the active slot %s (0/%d ready%s)", a->name, a->desired,
			         a->crashlooping ? ", crash-looping" : "");
			return;
		}
	}
	if (st->health == SLOTS_OUTAGE)
		for (size_t i = 0; i < st->nwarnings; i++)
			if (st->warnings[i].critical) {
				consider(p, 1, "%s", st->warnings[i].text);
				return;
			}
}

/* TAK from the live push counters: every push failing is SEV-1 at the
 * next scrape; an alert's summary is minutes behind and never evidence. */
static void tak_reasons(const struct model *m, struct pick *p)
{
	double fail = m->metrics.tak_failing.last, queue = m->metrics.s[MET_QUEUE].last;   /* a share: 0..1 */
	bool prom = m->src[SRC_PROM].state == SRC_UP;
	bool queuing = (prom && isfinite(queue) && queue > 0) || firing(m, "OfflineQueueGrowing");

	if (prom && isfinite(fail) && fail >= 0 && fail <= 1) {
		/* the counters answered: they decide, whatever an alert still says */
		if (fail >= INCIDENT_TAK_ALL_FAIL)
			consider(p, 1, "no detections reaching TAK: every push fails%s", queuing ?
			         ", they queue offline" : "");
		else if (fail > INCIDENT_TAK_FAILING && queuing)
			consider(p, 2, "TAK pushes failing and queuing: %.0f %% fail, %.0f items in the offline queue",
			         fail * 100, isfinite(queue) ? queue : 0);
	} else if (firing(m, "TAKPushFailures") && queuing) {
		consider(p, 2, "TAK pushes failing and queuing (TAKPushFailures firing)");
	} else if (firing(m, "OfflineQueueGrowing") && prom && isfinite(queue) && queue > 0) {
		consider(p, 2, "TAK pushes failing and queuing: %.0f items in the offline queue", queue);
	}
}

static void signal_reasons(const struct model *m, struct pick *p)
{
	double err = m->metrics.s[MET_ERRORS].last;

	if (m->src[SRC_PROM].state == SRC_UP && isfinite(err) && err > INCIDENT_ERROR_RATIO_SEV2)
		consider(p, 2, "error ratio %.1f %% is over 5 %%", err * 100);
	tak_reasons(m, p);
}

void incident_suggest(const struct model *m, struct model_suggestion *out)
{
	struct pick p = { 0 };

	memset(out, 0, sizeof *out);
	slots_reasons(m, &p);
	signal_reasons(m, &p);
	out->sev = p.sev;
	text_copy(out->reason, sizeof out->reason, p.reason);
}
