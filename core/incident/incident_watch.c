/* The core watchers. Each keeps the little it needs to see a change (the
 * last health it saw) and writes the timeline when something began or
 * ended, so the incident's record does not depend on anyone watching. The
 * alerts have their own (core/alerts/alertmgr_watch.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

struct incident_watch *incident_watch_install(struct model *m)
{
	struct incident_watch *w = calloc(1, sizeof *w);

	if (!w)
		return NULL;
	/* alerts are the alerts watcher's (core/alerts/alertmgr_watch.c): one writer, no event twice */
	if (m->nwatch + 2 > MODEL_WATCHERS || model_watch_add(m, outage_watch, w) != 0 ||
	    model_watch_add(m, suggest_watch, w) != 0) {
		free(w);
		return NULL;
	}
	return w;
}

void incident_watch_free(struct incident_watch *w)
{
	free(w);
}
