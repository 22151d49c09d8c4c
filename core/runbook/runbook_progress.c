/* Runbook progress: which step the walk is at, what is done of each step
 * and phase, and whether a failure stops a step. It reads the session's
 * insides and calls nothing of its walking (runbook_run.c calls it). */
#include "warroom/runbook.h"

#include <stdint.h>
#include <stdlib.h>

#include "runbook_session.h"

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
	if (!s || !s->rb || step >= s->rb->nsteps)
		return;
	sp = &s->rb->steps[step];
	for (size_t i = sp->first; i < sp->first + sp->n; i++) {
		if (!runbook_item_actionable(&s->rb->items[i]))
			continue;
		(*all)++;
		if (finished(s->st[i].state))
			(*done)++;
	}
}

void runbook_session_phase_progress(const struct runbook_session *s, size_t phase, size_t *done, size_t *all)
{
	*done = *all = 0;
	if (!s || !s->rb || phase >= s->rb->nphases)
		return;
	for (size_t k = s->rb->phases[phase].first; k < s->rb->phases[phase].first + s->rb->phases[phase].n; k++) {
		size_t d, a;

		runbook_session_step_progress(s, k, &d, &a);
		*done += d;
		*all += a;
	}
}

bool runbook_session_step_stopped(const struct runbook_session *s, size_t step, size_t *item)
{
	const struct runbook_step *sp;

	if (!s || !s->rb || step >= s->rb->nsteps)
		return false;
	sp = &s->rb->steps[step];
	for (size_t i = sp->first; i < sp->first + sp->n; i++)
		if (stops(s->st[i].state)) {
			if (item)
				*item = i;
			return true;
		}
	return false;
}

size_t runbook_session_current_step(const struct runbook_session *s)
{
	if (!s || !s->rb)
		return 0;
	for (size_t k = 0; k < s->rb->nsteps; k++) {
		size_t d, a;

		runbook_session_step_progress(s, k, &d, &a);
		if (d < a)
			return k;
	}
	return s->rb->nsteps;   /* every step done */
}

bool runbook_session_next_item(const struct runbook_session *s, size_t *item)
{
	size_t k = runbook_session_current_step(s);
	const struct runbook_step *sp;

	if (!s || !s->rb || k >= s->rb->nsteps)
		return false;
	sp = &s->rb->steps[k];
	if (runbook_session_step_stopped(s, k, item))
		return true;
	for (size_t i = sp->first; i < sp->first + sp->n; i++)
		if (runbook_item_actionable(&s->rb->items[i]) && !finished(s->st[i].state)) {
			size_t c = s->rb->items[i].choice;

			/* a choice not made yet: the operator is at its first option */
			*item = c && !runbook_session_chosen(s, c - 1) ? s->rb->choices[c - 1].first : i;
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

