/* Choices: the operator picks one option of a choice ("Option 1 / Option
 * 2", "Or"); every line of the others is skipped with the choice as its
 * reason, and the timeline says what was chosen and what was left. The
 * choice lives in the items' states (the chosen option's line done, the
 * others skipped), so a restarted console knows it. Choosing again changes
 * it: what the old choice skipped comes back, what it left undone is
 * skipped. */
#include "warroom/runbook.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "warroom/text.h"

#include "runbook_session.h"

#define NOT_CHOSEN "not chosen: "

static bool skipped_by_choice(const struct runbook_item_state *st)
{
	return st->state == RBS_SKIPPED && !strncmp(st->reason, NOT_CHOSEN, strlen(NOT_CHOSEN));
}

int runbook_session_choose(struct runbook_session *s, size_t item, char *summary, size_t slen)
{
	const struct runbook_choice *c;
	const struct runbook_item *it;
	char name[160], other[160], left[400] = "", why[200];
	int k, was;
	size_t o = 0;
	cJSON *d, *arr;

	if (!s || !s->rb) {
		snprintf(summary, slen, "no runbook is running");
		return -1;
	}
	if (item >= s->rb->nitems || !s->rb->items[item].choice) {
		snprintf(summary, slen, "that line is no option of a choice");
		return -1;
	}
	if (s->runner && s->rb->items[s->run_item].choice == s->rb->items[item].choice) {
		snprintf(summary, slen, "a command of this choice is running: wait for it, or cancel it ({runbook-stop})");
		return -1;
	}
	it = &s->rb->items[item];
	c = &s->rb->choices[it->choice - 1];
	k = it->alt;
	was = runbook_session_chosen(s, it->choice - 1);
	runbook_option_name(s->rb, it->choice - 1, k, name, sizeof name);
	if (was == k) {
		snprintf(summary, slen, "%s is already the choice", name);
		return -1;
	}
	snprintf(why, sizeof why, NOT_CHOSEN "%s was", name);
	for (size_t i = c->first; i < c->end; i++) {
		const struct runbook_item *x = &s->rb->items[i];
		struct runbook_item_state *st = &s->st[i];

		if (x->alt == k) {
			if (x->kind == RB_OPTION)
				st->state = RBS_DONE;
			else if (skipped_by_choice(st))
				st->state = RBS_PENDING;   /* an earlier choice skipped it: it comes back */
			else
				continue;
			st->reason[0] = '\0';
		} else if (x->kind == RB_OPTION || (runbook_item_actionable(x) && st->state != RBS_DONE &&
		                                    st->state != RBS_RUNNING && st->state != RBS_SKIPPED)) {
			/* a failure in an option left behind no longer holds the step */
			st->state = RBS_SKIPPED;
			text_copy(st->reason, sizeof st->reason, why);
		} else {
			continue;
		}
		runbook_session_persist(s, i);
	}
	d = runbook_session_detail(s, item);
	cJSON_AddNumberToObject(d, "option", k);
	cJSON_AddStringToObject(d, "chosen", name);
	arr = cJSON_AddArrayToObject(d, "skipped");
	for (int j = 1; j <= c->nopts; j++) {
		if (j == k)
			continue;
		runbook_option_name(s->rb, it->choice - 1, j, other, sizeof other);
		cJSON_AddItemToArray(arr, cJSON_CreateString(other));
		if (o < sizeof left)
			o += (size_t)snprintf(left + o, sizeof left - o, "%s%s", o ? "; " : "", other);
	}
	if (was)
		cJSON_AddNumberToObject(d, "was", was);
	if (!strcmp(name, s->rb->steps[it->step].title))
		snprintf(summary, slen, "%s in step %zu: %s; skipped: %s", was ? "choice changed" : "chosen", it->step + 1,
		         name, left);
	else
		snprintf(summary, slen, "%s in step %zu %s: %s; skipped: %s", was ? "choice changed" : "chosen",
		         it->step + 1, s->rb->steps[it->step].title, name, left);
	runbook_session_log(s, summary, d);
	cJSON_Delete(d);
	{
		size_t next = SIZE_MAX;

		/* on to the chosen option's first line to act on, or what is next */
		for (size_t i = c->first; i < c->end && next == SIZE_MAX; i++)
			if (s->rb->items[i].alt == k && runbook_item_actionable(&s->rb->items[i]) &&
			    s->st[i].state == RBS_PENDING)
				next = i;
		if (next != SIZE_MAX || runbook_session_next_item(s, &next))
			runbook_session_set_cursor(s, next);
	}
	runbook_session_changed(s);
	return 0;
}
