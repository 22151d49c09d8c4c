/* Runbook progress: which step the walk is at, what is done of each step
 * and phase, and whether a failure stops a step. Read through the session's
 * accessors only. */
#include "warroom/runbook.h"

#include <stdint.h>
#include <stdlib.h>

/* ---- progress ---- */

static bool finished(enum runbook_state st)
{
	return st == RBS_DONE || st == RBS_SKIPPED;
}

static bool stops(enum runbook_state st)
{
	return st == RBS_FAILED || st == RBS_INTERRUPTED || st == RBS_CANCELLED;
}

/* A step with nothing to run or tick is there to read: it counts 0 of 0 and never holds the walk up. */
void runbook_session_step_progress(const struct runbook_session *s, size_t step, size_t *done, size_t *all)
{
	const struct runbook_step *sp;

	*done = *all = 0;
	if (!s || !runbook_session_runbook(s) || step >= runbook_session_runbook(s)->nsteps)
		return;
	sp = &runbook_session_runbook(s)->steps[step];
	for (size_t i = sp->first; i < sp->first + sp->n; i++) {
		if (!runbook_item_actionable(&runbook_session_runbook(s)->items[i]))
			continue;
		(*all)++;
		if (finished(runbook_session_item(s, i)[0].state))
			(*done)++;
	}
}

void runbook_session_phase_progress(const struct runbook_session *s, size_t phase, size_t *done, size_t *all)
{
	*done = *all = 0;
	if (!s || !runbook_session_runbook(s) || phase >= runbook_session_runbook(s)->nphases)
		return;
	for (size_t k = runbook_session_runbook(s)->phases[phase].first; k < runbook_session_runbook(s)->phases[phase].first + runbook_session_runbook(s)->phases[phase].n; k++) {
		size_t d, a;

		runbook_session_step_progress(s, k, &d, &a);
		*done += d;
		*all += a;
	}
}

bool runbook_session_step_stopped(const struct runbook_session *s, size_t step, size_t *item)
{
	const struct runbook_step *sp;

	if (!s || !runbook_session_runbook(s) || step >= runbook_session_runbook(s)->nsteps)
		return false;
	sp = &runbook_session_runbook(s)->steps[step];
	for (size_t i = sp->first; i < sp->first + sp->n; i++)
		if (stops(runbook_session_item(s, i)[0].state)) {
			if (item)
				*item = i;
			return true;
		}
	return false;
}

size_t runbook_session_current_step(const struct runbook_session *s)
{
	if (!s || !runbook_session_runbook(s))
		return 0;
	for (size_t k = 0; k < runbook_session_runbook(s)->nsteps; k++) {
		size_t d, a;

		runbook_session_step_progress(s, k, &d, &a);
		if (d < a)
			return k;
	}
	return runbook_session_runbook(s)->nsteps;   /* every step done */
}

bool runbook_session_next_item(const struct runbook_session *s, size_t *item)
{
	size_t k = runbook_session_current_step(s);
	const struct runbook_step *sp;

	if (!s || !runbook_session_runbook(s) || k >= runbook_session_runbook(s)->nsteps)
		return false;
	sp = &runbook_session_runbook(s)->steps[k];
	if (runbook_session_step_stopped(s, k, item))
		return true;
	for (size_t i = sp->first; i < sp->first + sp->n; i++)
		if (runbook_item_actionable(&runbook_session_runbook(s)->items[i]) && !finished(runbook_session_item(s, i)[0].state)) {
			*item = i;
			return true;
		}
	return false;
}

size_t runbook_session_pick(const struct runbook_session *s, const char *arg)
{
	char *end;
	unsigned long v;
	size_t next = SIZE_MAX;

	if (arg && *arg) {
		v = strtoul(arg, &end, 10);
		if (end != arg && v >= 1)
			return (size_t)v - 1;
		return SIZE_MAX;
	}
	if (s && runbook_session_next_item(s, &next))
		return next;
	return SIZE_MAX;
}

