/* The core watchers. Each keeps the little it needs to see a change (the
 * last health it saw) and writes the timeline when something began or
 * ended, so the incident's record does not depend on anyone watching. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "warroom/loop.h"
#include "warroom/model.h"
#include "warroom/slots.h"
#include "warroom/text.h"
#include "warroom/timeline.h"
#include "warroom/watch.h"

struct watch_core {
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
	struct watch_core *w = arg;
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

struct watch_core *watch_core_install(struct model *m)
{
	struct watch_core *w = calloc(1, sizeof *w);

	if (!w)
		return NULL;
	if (model_watch_add(m, outage_watch, w) != 0) {
		free(w);
		return NULL;
	}
	return w;
}

void watch_core_free(struct watch_core *w)
{
	free(w);
}
