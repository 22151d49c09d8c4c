/* The actions that write only the timeline: the note (the incident's own
 * are in action_incident.c). They finish at once; the action layer does the preconditions, the
 * confirmation and the audit record. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "warroom/actions.h"
#include "warroom/text.h"
#include "warroom/timeline.h"

/* A note whose text does not fit one list line keeps every word in the
 * detail; the summary is that text on one line. */
static void note_exec(struct action_run *run)
{
	/* the args first: without a store need_timeline ends (and frees) the run */
	const char *in = text_skip_blanks(actions_run_args(run)->text);
	struct timeline *tl = actions_need_timeline(run);
	struct timeline_event ev = { 0 };
	struct timeline_incident inc;
	char err[512], *text, *detail = NULL;
	size_t n;

	if (!tl)
		return;
	if (!in || !*in) {
		actions_finish_line(run, ACTION_REFUSED, EXIT_REFUSED, "empty note: nothing written");
		return;
	}
	/* typed or pasted: the one cleaning of text from outside, lines kept */
	text = text_clean_dup(in, strlen(in), TEXT_CLEAN_LINES | TEXT_CLEAN_TABS);
	if (!text) {
		actions_finish_line(run, ACTION_FAILED, EXIT_FAILED, "out of memory");
		return;
	}
	n = strlen(text);
	while (n > 0 && (text[n - 1] == '\n' || text[n - 1] == ' ' || text[n - 1] == '\t'))
		text[--n] = '\0';
	snprintf(ev.kind, sizeof ev.kind, "note");
	text_clean(ev.summary, sizeof ev.summary, text, n, 0);
	if (strcmp(ev.summary, text) != 0) {
		cJSON *o = cJSON_CreateObject();

		if (o && cJSON_AddStringToObject(o, "text", text))
			detail = cJSON_PrintUnformatted(o);
		cJSON_Delete(o);
		ev.detail_json = detail;
	}
	free(text);
	/* a database that cannot say now (not open yet): the incident open when the note reaches it */
	ev.incident_id = timeline_incident_current(tl, &inc) < 0 ? TIMELINE_INCIDENT_OPEN : inc.id;
	if (timeline_append(tl, &ev, err, sizeof err) != 0) {
		cJSON_free(detail);
		actions_finish_line(run, ACTION_FAILED, EXIT_FAILED, "%s", err);
		return;
	}
	cJSON_free(detail);
	actions_finish_line(run, ACTION_OK, EXIT_OK, "note added to the timeline");
}

const struct action_exec actions_exec_note = { .exec = note_exec };
