/* Native actions of a runbook (```warroom rollback): the front-end starts
 * the action of the table it names, with that action's own question, and
 * tells the session when it started and how it ended; the line's state and
 * the timeline follow. */
#include "warroom/runbook.h"

#include <stdio.h>

#include <cJSON.h>

#include "warroom/actions.h"
#include "warroom/text.h"

#include "runbook_session.h"

void runbook_session_native_started(struct runbook_session *s, size_t item, uint64_t run)
{
	char why[300];

	if (!s || !s->rb || item >= s->rb->nitems)
		return;
	/* starting one option's action is choosing that option, as running its command is */
	if (s->rb->items[item].choice && !runbook_session_chosen(s, s->rb->items[item].choice - 1))
		runbook_session_choose(s, item, why, sizeof why);
	s->native_run = run;
	s->native_item = item;
	s->st[item].state = RBS_RUNNING;
	runbook_session_persist(s, item);
	runbook_session_changed(s);
}

void runbook_session_action_done(struct runbook_session *s, const struct action_result *res)
{
	size_t i;
	char summary[300], what[120];
	cJSON *d;

	if (!s || !s->rb || !s->native_run || res->run != s->native_run)
		return;
	i = s->native_item;
	s->native_run = 0;
	s->st[i].state = res->outcome == ACTION_OK ? RBS_DONE : res->outcome == ACTION_DECLINED ? RBS_PENDING :
	                 res->outcome == ACTION_CANCELLED ? RBS_CANCELLED : RBS_FAILED;
	s->st[i].duration_ms = res->duration_ms;
	text_copy(s->st[i].reason, sizeof s->st[i].reason, res->outcome == ACTION_OK ? "" : res->summary);
	runbook_session_persist(s, i);
	runbook_session_short(&s->rb->items[i], what, sizeof what);
	snprintf(summary, sizeof summary, "step %zu: warroom %s: %s", s->rb->items[i].step + 1, what,
	         actions_outcome_name(res->outcome));
	d = runbook_session_detail(s, i);
	cJSON_AddStringToObject(d, "outcome", actions_outcome_name(res->outcome));
	runbook_session_log(s, summary, d);
	cJSON_Delete(d);
	runbook_session_changed(s);
}
