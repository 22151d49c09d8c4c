/* incident — status, roles, first response and the response clock of the
 * open incident, and the SEV the live signals suggest. The columns live in
 * the timeline database (schema v4), beside what timeline.c keeps. */
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
#include "timeline_priv.h"

/* A busy lock is retried a few times, each waiting a little (timeline's
 * patience): an operator's change must not be lost to another's write. */
#define BUSY_TRIES 3

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

/* ---- writes ---- */

/* Runs one UPDATE of incident id; returns the rows changed or -1. */
static int update(struct timeline *tl, const char *sql, int64_t id, int64_t v, const char *text, int64_t v2)
{
	sqlite3 *db = timeline_priv_db(tl);
	sqlite3_stmt *s = NULL;
	int rc = SQLITE_ERROR;

	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK) {
		timeline_priv_write_failed(tl, NULL, 0);
		return -1;
	}
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, v);
	if (text)
		sqlite3_bind_text(s, 3, text, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 4, v2);
	timeline_priv_patience(tl, true);
	for (int i = 0; i < BUSY_TRIES; i++) {
		rc = sqlite3_step(s);
		sqlite3_reset(s);
		if (!timeline_priv_busy(rc))
			break;
	}
	timeline_priv_patience(tl, false);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE) {
		timeline_priv_write_failed(tl, NULL, 0);
		return -1;
	}
	rc = sqlite3_changes(db);
	timeline_priv_wrote(tl);
	return rc;
}

static int must_be_open(struct timeline *tl, int64_t id)
{
	struct timeline_incident inc;

	if (timeline_incident_get(tl, id, &inc) != 1 || inc.id != id) {
		timeline_priv_seterr(tl, NULL, 0, "timeline: no such incident");
		return -1;
	}
	if (inc.closed_ms) {
		timeline_priv_seterr(tl, NULL, 0, "timeline: the incident is closed already");
		return -1;
	}
	return 0;
}

int incident_ack(struct timeline *tl, int64_t id, int64_t when_ms)
{
	int n;

	if (!tl || must_be_open(tl, id) != 0)
		return -1;
	n = update(tl, "UPDATE incidents SET acked_ms = ?2 WHERE id = ?1 AND acked_ms IS NULL", id, when_ms, NULL, 0);
	return n < 0 ? -1 : n == 0 ? 1 : 0;
}

int incident_set_status(struct timeline *tl, int64_t id, enum incident_status st, int64_t when_ms)
{
	if (!tl || st >= INCIDENT_STATUS_COUNT || must_be_open(tl, id) != 0)
		return -1;
	/* recovered implies contained: the clocks stay in order */
	if (update(tl, "UPDATE incidents SET status = ?3,"
	           " contained_ms = CASE WHEN ?4 BETWEEN 1 AND 2 THEN coalesce(contained_ms, ?2) ELSE contained_ms END,"
	           " recovered_ms = CASE WHEN ?4 = 2 THEN coalesce(recovered_ms, ?2) ELSE recovered_ms END"
	           " WHERE id = ?1", id, when_ms, status_names[st], (int64_t)st) < 0)
		return -1;
	return 0;
}

int incident_set_role(struct timeline *tl, int64_t id, enum incident_role role, const char *name)
{
	char *red;
	int rc;

	if (!tl || !name || !*name || must_be_open(tl, id) != 0) {
		if (tl && (!name || !*name))
			timeline_priv_seterr(tl, NULL, 0, "timeline: a role needs a name");
		return -1;
	}
	red = timeline_redact(name);
	if (!red)
		return -1;
	rc = update(tl, role == INCIDENT_SCRIBE ? "UPDATE incidents SET scribe = ?3 WHERE id = ?1"
	            : "UPDATE incidents SET commander = ?3 WHERE id = ?1", id, 0, red, 0);
	free(red);
	return rc < 0 ? -1 : 0;
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

/* The failing share of TAK pushes, from the rule's summary ("100% of TAK
 * pushes fail"); NAN when it does not say. */
static double tak_fail_pct(const struct model_alert *a)
{
	char *end;
	double v = strtod(a->summary, &end);

	return end != a->summary && *end == '%' ? v : NAN;
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

static void signal_reasons(const struct model *m, struct pick *p)
{
	double err = m->metrics.s[MET_ERRORS].last, queue = m->metrics.s[MET_QUEUE].last;
	const struct model_alert *tak = firing(m, "TAKPushFailures");
	const struct model_alert *growing = firing(m, "OfflineQueueGrowing");

	if (m->src[SRC_PROM].state == SRC_UP && isfinite(err) && err > INCIDENT_ERROR_RATIO_SEV2)
		consider(p, 2, "error ratio %.1f %% is over 5 %%", err * 100);
	if (tak) {
		double pct = tak_fail_pct(tak);

		if (isfinite(pct) && pct >= 99.5)
			consider(p, 1, "no detections reaching TAK: every push fails%s", isfinite(queue) && queue > 0 ?
			         ", they queue offline" : "");
		else if (growing || (isfinite(queue) && queue > 0))
			consider(p, 2, "TAK pushes failing and queuing (%s)", tak->summary);
	} else if (growing && isfinite(queue) && queue > 0) {
		consider(p, 2, "TAK pushes failing and queuing: %.0f items in the offline queue", queue);
	}
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
