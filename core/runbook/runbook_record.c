/* The session's record: every change of an item's state in the store
 * before it is shown, every event in the timeline with what the step was
 * (and its references, for the postmortem), the cursor kept, and the
 * views told. The rest of the session calls down to it; it calls nothing
 * of the session. */
#include "warroom/runbook.h"

#include <stdio.h>
#include <string.h>

#include <cJSON.h>

#include "warroom/model.h"
#include "warroom/text.h"
#include "warroom/timeline.h"

#include "runbook_session.h"

void runbook_session_changed(struct runbook_session *s)
{
	if (s->m)
		model_mark(s->m, DIRTY_RUNBOOK);
}

/* A stable mark of an item, so a runbook edited between runs does not hand
 * one item's state to another. */
void runbook_session_hash(const struct runbook_item *it, char *out, size_t len)
{
	uint64_t h = 1469598103934665603ull;

	for (const unsigned char *p = (const unsigned char *)it->text; *p; p++)
		h = (h ^ *p) * 1099511628211ull;
	h = (h ^ (unsigned)it->kind) * 1099511628211ull;
	snprintf(out, len, "%016llx", (unsigned long long)h);
}

void runbook_session_short(const struct runbook_item *it, char *out, size_t len)
{
	const char *nl = strchr(it->text, '\n');
	size_t n = nl ? (size_t)(nl - it->text) : strlen(it->text);

	if (n + 1 > len || nl)
		snprintf(out, len, "%.*s%s", (int)(n + 5 > len ? len - 5 : n), it->text, "...");
	else
		snprintf(out, len, "%s", it->text);
	text_fix_utf8(out);
}

void runbook_session_persist(struct runbook_session *s, size_t i)
{
	char hash[20];

	if (!s->store || s->run_id <= 0 || i >= s->rb->nitems)
		return;
	runbook_session_hash(&s->rb->items[i], hash, sizeof hash);
	if (runbook_store_item(s->store, s->run_id, i, hash, runbook_state_name(s->st[i].state), s->st[i].exit_code,
	                       s->st[i].duration_ms, s->st[i].reason) != 0)
		text_copy(s->store_err, sizeof s->store_err, runbook_store_error(s->store));
}

void runbook_session_log(struct runbook_session *s, const char *summary, cJSON *detail)
{
	char *d = detail ? cJSON_PrintUnformatted(detail) : NULL;

	if (s->tl)
		timeline_log(s->tl, "runbook", summary, d);
	cJSON_free(d);
	if (s->m)
		model_sync_timeline(s->m);
}

cJSON *runbook_session_detail(struct runbook_session *s, size_t i)
{
	const struct runbook_item *it = &s->rb->items[i];
	const struct runbook_step *sp = &s->rb->steps[it->step];
	cJSON *o = cJSON_CreateObject(), *refs = NULL;

	cJSON_AddStringToObject(o, "runbook", s->rb->name);
	cJSON_AddNumberToObject(o, "step", (double)it->step + 1);
	cJSON_AddStringToObject(o, "step_title", sp->title);
	cJSON_AddNumberToObject(o, "line", it->line);
	cJSON_AddStringToObject(o, runbook_kind_name(it->kind), it->text);
	/* the step's references, so an export quoting the step keeps its links */
	for (size_t k = sp->first; k < sp->first + sp->n; k++)
		for (size_t l = s->rb->items[k].first_link; l < s->rb->items[k].first_link + s->rb->items[k].nlinks; l++) {
			const struct runbook_link *lk = &s->rb->links[l];
			cJSON *r;
			bool seen = false;

			if (!lk->n)
				continue;
			if (!refs)
				refs = cJSON_AddArrayToObject(o, "references");
			cJSON_ArrayForEach(r, refs)
				seen |= cJSON_GetObjectItem(r, "n") && cJSON_GetObjectItem(r, "n")->valueint == lk->n;
			if (seen || cJSON_GetArraySize(refs) >= 32)
				continue;
			r = cJSON_CreateObject();
			cJSON_AddNumberToObject(r, "n", lk->n);
			cJSON_AddStringToObject(r, "url", lk->url);
			cJSON_AddItemToArray(refs, r);
		}
	return o;
}

void runbook_session_set_cursor(struct runbook_session *s, size_t i)
{
	if (!s || !s->rb || i >= s->rb->nitems || i == s->cursor)
		return;
	s->cursor = i;
	if (s->store && s->run_id > 0)
		runbook_store_cursor(s->store, s->run_id, i);
	runbook_session_changed(s);
}
