/* The core watchers. Each keeps the little it needs to see a change (the
 * last health it saw) and writes the timeline when something began or
 * ended, so the incident's record does not depend on anyone watching. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "warroom/incident.h"
#include "warroom/loop.h"
#include "warroom/model.h"
#include "warroom/slots.h"
#include "warroom/text.h"
#include "warroom/timeline.h"

struct incident_watch {
	/* outage: no ready pod behind the slot that serves traffic */
	bool known;
	enum slots_health last;
	int64_t began_wall_ms;
	uint64_t generation;
	/* alerts: the firing set last seen, and the incident it was logged in */
	char firing[MODEL_ALERTS][96];
	size_t nfiring;
	bool alerts_known;
	int64_t alerts_incident;
};

static const char *first_critical(const struct slots_state *st)
{
	for (size_t i = 0; i < st->nwarnings; i++)
		if (st->warnings[i].critical)
			return st->warnings[i].text;
	return "no ready pod receives traffic";
}

static void outage_watch(struct model *m, unsigned changed, void *arg)
{
	struct incident_watch *w = arg;
	const struct slots_state *st = m->slots;
	char summary[300], took[32];
	int64_t now = loop_wall_ms();

	if (!(changed & DIRTY_SLOTS) || !st || !st->updated_ms || st->generation == w->generation)
		return;
	w->generation = st->generation;
	if (st->health == SLOTS_HEALTH_UNKNOWN || st->last_error[0])
		return;   /* the API did not answer: nothing is known to have changed */
	if (!w->known) {
		w->known = true;
		w->last = st->health;
		if (st->health == SLOTS_OUTAGE) {
			w->began_wall_ms = now;
			snprintf(summary, sizeof summary, "OUTAGE in progress: %s", first_critical(st));
			timeline_log(m->tl, "slot", summary, NULL);
			model_sync_timeline(m);
		}
		return;
	}
	if (st->health == w->last)
		return;
	if (st->health == SLOTS_OUTAGE) {
		w->began_wall_ms = now;
		snprintf(summary, sizeof summary, "OUTAGE began: %s", first_critical(st));
	} else if (w->last == SLOTS_OUTAGE) {
		const struct slots_slot *a = st->active >= 0 ? &st->slot[st->active] : NULL;

		text_age(now - w->began_wall_ms, took, sizeof took);
		if (a)
			snprintf(summary, sizeof summary, "OUTAGE ended after %s: traffic on %s, %d/%d ready", took, a->name,
			         a->ready, a->desired);
		else
			snprintf(summary, sizeof summary, "OUTAGE ended after %s", took);
	} else {
		summary[0] = '\0';   /* healthy <-> degraded: the panels show it */
	}
	w->last = st->health;
	if (summary[0] && m->tl) {
		timeline_log(m->tl, "slot", summary, NULL);
		model_sync_timeline(m);
	}
}

/* The SEV the signals call for follows every change of slots, signals and
 * alerts; it changes nothing by itself: the operator applies it. */
static void suggest_watch(struct model *m, unsigned changed, void *arg)
{
	struct model_suggestion s;

	(void)arg;
	if (!(changed & (DIRTY_SLOTS | DIRTY_METRICS | DIRTY_ALERTS | DIRTY_STATUS)))
		return;
	incident_suggest(m, &s);
	if (s.sev == m->suggest.sev && strcmp(s.reason, m->suggest.reason) == 0)
		return;
	s.since_wall_ms = s.sev == m->suggest.sev && m->suggest.since_wall_ms ? m->suggest.since_wall_ms :
	                  s.sev ? loop_wall_ms() : 0;
	m->suggest = s;
	model_mark(m, DIRTY_INCIDENT);
}

static bool in_set(char set[][96], size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(set[i], name) == 0)
			return true;
	return false;
}

static void log_alert(struct model *m, const struct model_alert *a, const char *how)
{
	char summary[300], *detail = NULL;
	cJSON *d = cJSON_CreateObject();

	snprintf(summary, sizeof summary, "ALERT %s: %s (%s)%s%s", how, a->name, a->severity[0] ? a->severity : "?",
	         a->summary[0] ? ": " : "", a->summary);
	/* when it began: the postmortem's impact window starts there */
	if (d && cJSON_AddStringToObject(d, "alert", a->name) && cJSON_AddNumberToObject(d, "since_ms",
	                                                                              (double)a->since_wall_ms))
		detail = cJSON_PrintUnformatted(d);
	cJSON_Delete(d);
	timeline_log(m->tl, "alert", summary, detail);
	cJSON_free(detail);
}

/* While an incident is open, alerts that fire and resolve go to its
 * timeline; at the declaration, those already firing (with their start). */
static void alert_watch(struct model *m, unsigned changed, void *arg)
{
	struct incident_watch *w = arg;
	char now_set[MODEL_ALERTS][96];
	size_t n = 0;
	bool wrote = false;
	int64_t inc = m->has_incident ? m->incident.id : 0;

	if (!(changed & (DIRTY_ALERTS | DIRTY_INCIDENT)) || !m->tl)
		return;
	if (m->src[SRC_ALERTMGR].state != SRC_UP || !m->alerts.updated_ms)
		return;   /* an unreachable Alertmanager resolves nothing */
	for (size_t i = 0; i < m->alerts.n && n < MODEL_ALERTS; i++)
		text_copy(now_set[n++], sizeof now_set[0], m->alerts.a[i].name);
	if (inc && inc != w->alerts_incident) {
		/* a new incident: what fires already is part of its story */
		for (size_t i = 0; i < m->alerts.n; i++) {
			log_alert(m, &m->alerts.a[i], "firing");
			wrote = true;
		}
	} else if (inc && w->alerts_known) {
		for (size_t i = 0; i < m->alerts.n; i++)
			if (!in_set(w->firing, w->nfiring, m->alerts.a[i].name)) {
				log_alert(m, &m->alerts.a[i], "firing");
				wrote = true;
			}
		for (size_t i = 0; i < w->nfiring; i++)
			if (!in_set(now_set, n, w->firing[i])) {
				char summary[200];

				snprintf(summary, sizeof summary, "ALERT resolved: %s", w->firing[i]);
				timeline_log(m->tl, "alert", summary, NULL);
				wrote = true;
			}
	}
	memcpy(w->firing, now_set, sizeof now_set[0] * n);
	w->nfiring = n;
	w->alerts_known = true;
	w->alerts_incident = inc;
	if (wrote)
		model_sync_timeline(m);
}

struct incident_watch *incident_watch_install(struct model *m)
{
	struct incident_watch *w = calloc(1, sizeof *w);

	if (!w)
		return NULL;
	if (m->nwatch + 3 > MODEL_WATCHERS || model_watch_add(m, outage_watch, w) != 0 ||
	    model_watch_add(m, suggest_watch, w) != 0 || model_watch_add(m, alert_watch, w) != 0) {
		free(w);
		return NULL;
	}
	return w;
}

void incident_watch_free(struct incident_watch *w)
{
	free(w);
}
