/* Runbook progress: which step the walk is at, what is done of each step
 * and phase, whether a failure stops a step, and why an item cannot run
 * now. It reads the session's insides and calls nothing of its walking
 * (runbook_run.c calls it). */
#include "warroom/runbook.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "runbook_session.h"

/* ---- progress ---- */

/* A choice lives in its options' states: the chosen one's line done, the others skipped. */
int runbook_session_chosen(const struct runbook_session *s, size_t choice)
{
	const struct runbook_choice *c;
	bool first_marked = false, all_skipped = true, any = false;

	if (!s || !s->rb || choice >= s->rb->nchoices)
		return 0;
	c = &s->rb->choices[choice];
	for (size_t i = c->first; i < c->end; i++) {
		if (s->rb->items[i].kind != RB_OPTION)
			continue;
		any = true;
		if (s->rb->items[i].alt == 1)
			first_marked = true;
		if (s->st[i].state == RBS_DONE)
			return s->rb->items[i].alt;
		if (s->st[i].state != RBS_SKIPPED)
			all_skipped = false;
	}
	/* "A Or B": the first option has no line of its own; every other one skipped chose it */
	return any && all_skipped && !first_marked ? 1 : 0;
}

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

/* ---- whether an item can run now ---- */

int runbook_session_can_run(const struct runbook_session *s, size_t *item, char *err, size_t errlen)
{
	const struct runbook_item *it;
	size_t stop;

	if (!s || !s->rb) {
		snprintf(err, errlen, "no runbook is running: {runbook} starts the one for the alert, "
		         ":runbook NAME another");
		return -1;
	}
	if (*item == SIZE_MAX && !runbook_session_next_item(s, item)) {
		if (runbook_read_only(s->rb))
			snprintf(err, errlen, "%s is read only: nothing to run", s->rb->name);
		else
			snprintf(err, errlen, "every step of %s is done", s->rb->name);
		return -1;
	}
	if (*item >= s->rb->nitems) {
		snprintf(err, errlen, "%s has no item %zu", s->rb->name, *item + 1);
		return -1;
	}
	it = &s->rb->items[*item];
	if (it->kind == RB_OPTION && it->choice && s->st[*item].state == RBS_PENDING) {
		/* the next thing to do is a choice: its first command, or what it says */
		for (size_t i = *item; i < s->rb->choices[it->choice - 1].end; i++)
			if (s->rb->items[i].alt == it->alt && (s->rb->items[i].kind == RB_COMMAND ||
			                                       s->rb->items[i].kind == RB_ACTION)) {
				*item = i;
				it = &s->rb->items[i];
				break;
			}
	}
	if (s->runner) {
		snprintf(err, errlen, "a command is running: wait for it, or cancel it ({runbook-stop})");
		return -1;
	}
	if (it->kind == RB_OPTION && it->choice) {
		char name[160];

		runbook_option_name(s->rb, it->choice - 1, it->alt, name, sizeof name);
		snprintf(err, errlen, "%s has nothing to run: {runbook-pick} picks it (the other options are "
		         "skipped)", name);
		return -1;
	}
	if (it->kind != RB_COMMAND && it->kind != RB_ACTION) {
		snprintf(err, errlen, "line %d is a %s, not a command: %s", it->line, runbook_kind_name(it->kind),
		         it->kind == RB_CHECK ? "{runbook-tick} ticks it" : it->kind == RB_DETAILS ? "{select} opens it" :
		         "{runbook-done} marks the step read");
		return -1;
	}
	if (it->choice && runbook_session_chosen(s, it->choice - 1) &&
	    runbook_session_chosen(s, it->choice - 1) != it->alt) {
		char name[160];

		runbook_option_name(s->rb, it->choice - 1, runbook_session_chosen(s, it->choice - 1), name, sizeof name);
		snprintf(err, errlen, "line %d is in an option not chosen (%s was): {runbook-pick} on its option "
		         "picks it instead", it->line, name);
		return -1;
	}
	if (it->kind == RB_COMMAND && it->nph) {
		const struct runbook_placeholder *miss[16];
		size_t n = runbook_session_missing(s, *item, miss, 16), o;

		if (n) {
			o = (size_t)snprintf(err, errlen, "line %d is a template:", it->line);
			for (size_t k = 0; k < n && k < 16 && o < errlen; k++)
				o += (size_t)snprintf(err + o, errlen - o, "%s %s", k ? "," : "", miss[k]->text);
			if (o < errlen)
				snprintf(err + o, errlen - o, " %s no value yet: {runbook-fill} gives %s (it never runs "
				         "with a placeholder left)", n > 1 ? "have" : "has", n > 1 ? "them" : "it");
			return -1;
		}
	}
	if (it->kind == RB_ACTION && s->st[*item].state == RBS_SKIPPED) {
		snprintf(err, errlen, "%s", s->st[*item].reason);
		return -1;
	}
	if (runbook_session_step_stopped(s, it->step, &stop) && stop != *item) {
		char what[120];

		runbook_session_short(&s->rb->items[stop], what, sizeof what);
		snprintf(err, errlen, "step %zu is stopped: `%s` %s; retry it ({runbook-step}), skip it with a "
		         "reason ({runbook-skip}) or mark it done ({runbook-done})", it->step + 1, what,
		         runbook_state_name(s->st[stop].state));
		return -1;
	}
	return 0;
}
