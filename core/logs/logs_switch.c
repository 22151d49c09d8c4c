/* When traffic last moved between the slots, for "since the switch": the
 * one place that asks, so that a better-informed deployment model is a
 * change here alone. Today: the deployment watcher's switch time, else the
 * selector change the slot poller saw, else unknown. */
#include <stdio.h>

#include "warroom/deploywatch.h"
#include "warroom/logs.h"
#include "warroom/loop.h"
#include "warroom/model.h"
#include "warroom/slots.h"

int64_t logs_switch_time(const struct model *m, char *from, size_t len)
{
	/* the model's pointer, read as a datum: the watcher sits above the action
	 * layer, which runs `logs` steps */
	const struct deploywatch *d = m ? m->deploywatch : NULL;

	if (len)
		from[0] = '\0';
	if (d && d->switch_wall_ms) {
		snprintf(from, len, "the deployment watch");
		return d->switch_wall_ms;
	}
	if (m && m->slots && m->slots->selector_changed_ms) {
		snprintf(from, len, "the selector change seen");
		return loop_wall_ms() - (loop_now_ms() - m->slots->selector_changed_ms);
	}
	return 0;
}
