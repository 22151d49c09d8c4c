/* When traffic last moved between the slots, for "since the switch": the
 * one place that asks. The deployment model's switch (rebuilt from Argo CD,
 * managedFields, Prometheus' traffic or the ReplicaSets, and named by the
 * source that told it), else the Service's managedFields as the slot poller
 * read them (a headless `warroom logs` has no model), else unknown. */
#include <stdio.h>

#include "warroom/deploy.h"
#include "warroom/logs.h"
#include "warroom/model.h"
#include "warroom/slots.h"

int64_t logs_switch_time(const struct model *m, char *from, size_t len)
{
	/* the model's pointer, read as a datum: the deployment model's watcher
	 * sits above the action layer, which runs `logs` steps */
	const struct deploy *d = m ? m->deploy : NULL;

	if (len)
		from[0] = '\0';
	/* a lower bound only (the new build's ReplicaSet): the caller's own
	 * "since its pods started" says the same in truer words */
	if (d && d->rebuilt && d->switch_ms && !d->switch_bound) {
		/* "the switch from Argo CD history" */
		snprintf(from, len, "the switch %s", deploy_source_words(d->switch_source));
		return d->switch_ms;
	}
	if (m && m->slots && m->slots->selector_set_wall_ms && m->slots->active >= 0) {
		snprintf(from, len, "the switch from the Service's managedFields");
		return m->slots->selector_set_wall_ms;
	}
	return 0;
}
