/* What the runbook learns from the audit trail: an action run outside it
 * (R, `:rollback`, `warroom rollback` from another shell) is the runbook's
 * own warroom line when it names the same action, so the walk says what was
 * done instead of asking for it again. Reads the audit records that are new
 * since it last looked and decides which line each one settles; the walk
 * (runbook_run.c) applies that. Below the walk: it calls nothing of it. */
#include "warroom/runbook.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "warroom/text.h"
#include "warroom/timeline.h"

#include "runbook_session.h"

#define FOLLOW_READ 32   /* records read at a time: more than arrive between two refreshes */

static enum runbook_state state_of(const char *outcome)
{
	if (strcmp(outcome, "ok") == 0)
		return RBS_DONE;
	if (strcmp(outcome, "failed") == 0)
		return RBS_FAILED;
	if (strcmp(outcome, "cancelled") == 0)
		return RBS_CANCELLED;
	return RBS_PENDING;   /* refused, declined: nothing was done */
}

/* The first line of the runbook naming the action that still waits for it. */
static bool line_for(const struct runbook_session *s, const char *action, size_t *item)
{
	char name[32];

	for (size_t i = 0; i < s->rb->nitems; i++) {
		const struct runbook_item *it = &s->rb->items[i];
		enum runbook_state st = s->st[i].state;

		if (it->kind != RB_ACTION || st == RBS_DONE || st == RBS_SKIPPED || st == RBS_RUNNING)
			continue;
		runbook_action_split(it, name, sizeof name, NULL);
		if (strcmp(name, action) == 0) {
			*item = i;
			return true;
		}
	}
	return false;
}

/* The line the session runs itself reports through runbook_session_action_done. */
static bool own_run(const struct runbook_session *s, const char *action)
{
	char name[32];

	if (!s->native_run || s->native_item >= s->rb->nitems)
		return false;
	runbook_action_split(&s->rb->items[s->native_item], name, sizeof name, NULL);
	return strcmp(name, action) == 0;
}

void runbook_follow_reset(struct runbook_session *s)
{
	struct timeline_audit *a = NULL;
	size_t n = 0;

	s->audit_seen = 0;
	if (s->tl && timeline_audit_list(s->tl, 1, &a, &n) == 0 && n)
		s->audit_seen = a[0].id;
	free(a);
}

size_t runbook_follow_audit(struct runbook_session *s, struct runbook_followed *out, size_t max)
{
	struct timeline_audit *a = NULL;
	size_t n = 0, got = 0;

	if (!s->tl || !s->rb || timeline_audit_list(s->tl, FOLLOW_READ, &a, &n) != 0)
		return 0;
	for (size_t k = n; k-- > 0;) {   /* oldest first */
		struct runbook_followed *f;
		enum runbook_state st;
		size_t item, j;

		if (a[k].id <= s->audit_seen)
			continue;
		s->audit_seen = a[k].id;
		st = state_of(a[k].outcome);
		if (st == RBS_PENDING || strstr(a[k].args, "\"dry_run\":true") || own_run(s, a[k].action) ||
		    !line_for(s, a[k].action, &item))
			continue;
		/* two records for one line (a retry): the later one decides */
		for (j = 0; j < got && out[j].item != item; j++)
			;
		if (j == got && got == max)
			continue;
		f = &out[j];
		got += j == got;
		f->item = item;
		f->state = st;
		f->duration_ms = a[k].ended_ms - a[k].started_ms;
		text_copy(f->action, sizeof f->action, a[k].action);
		text_copy(f->outcome, sizeof f->outcome, a[k].outcome);
		text_copy(f->actor, sizeof f->actor, a[k].actor);
		text_copy(f->via, sizeof f->via, a[k].via);
		text_copy(f->summary, sizeof f->summary, a[k].summary);
	}
	free(a);
	return got;
}
