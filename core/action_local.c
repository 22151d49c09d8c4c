/* The actions that write only the timeline: note, incident, SEV, resolve.
 * They finish at once; the action layer does the preconditions, the
 * confirmation and the audit record. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "warroom/actions.h"
#include "warroom/text.h"
#include "warroom/timeline.h"

#define EXIT_FAILED 1
#define EXIT_REFUSED 2

/* Every local action writes the timeline; without it there is nothing to do.
 * NULL means the run was finished (and freed): read nothing of it after. */
static struct timeline *need_timeline(struct action_run *run)
{
	const struct action_ctx *c = actions_run_ctx(run);

	if (!c->tl)
		actions_finish_line(run, ACTION_FAILED, EXIT_FAILED, "timeline unavailable: %s",
		                    c->tl_error && *c->tl_error ? c->tl_error : "not opened");
	return c->tl;
}

static const char *skip_blanks(const char *s)
{
	while (s && (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r'))
		s++;
	return s;
}

/* A note whose text does not fit one list line keeps every word in the
 * detail; the summary is that text on one line. */
static void note_exec(struct action_run *run)
{
	const char *in = skip_blanks(actions_run_args(run)->text);
	struct timeline *tl = need_timeline(run);   /* NULL: run is finished and gone */
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
	text = strdup(in);
	if (!text) {
		actions_finish_line(run, ACTION_FAILED, EXIT_FAILED, "out of memory");
		return;
	}
	n = strlen(text);
	while (n > 0 && (text[n - 1] == '\n' || text[n - 1] == '\r' || text[n - 1] == ' '))
		text[--n] = '\0';
	text_fix_utf8(text);
	snprintf(ev.kind, sizeof ev.kind, "note");
	text_one_line(ev.summary, sizeof ev.summary, text);
	if (strcmp(ev.summary, text) != 0) {
		cJSON *o = cJSON_CreateObject();

		if (o && cJSON_AddStringToObject(o, "text", text))
			detail = cJSON_PrintUnformatted(o);
		cJSON_Delete(o);
		ev.detail_json = detail;
	}
	free(text);
	if (timeline_incident_current(tl, &inc) < 0) {
		cJSON_free(detail);
		actions_finish_line(run, ACTION_FAILED, EXIT_FAILED, "%s", timeline_errmsg(tl));
		return;
	}
	ev.incident_id = inc.id;
	if (timeline_append(tl, &ev, err, sizeof err) != 0) {
		cJSON_free(detail);
		actions_finish_line(run, ACTION_FAILED, EXIT_FAILED, "%s", err);
		return;
	}
	cJSON_free(detail);
	actions_finish_line(run, ACTION_OK, 0, "note added to the timeline");
}

static void incident_exec(struct action_run *run)
{
	const struct action_args *a = actions_run_args(run);
	const char *title = skip_blanks(a->text);
	struct timeline *tl = need_timeline(run);
	struct timeline_incident inc;
	char summary[300];
	int64_t id;

	if (!tl)
		return;
	if (timeline_incident_current(tl, &inc) == 1) {
		actions_finish_line(run, ACTION_REFUSED, EXIT_REFUSED, "incident INC-%lld is already open (SEV-%d): "
		                    "change its SEV with S, or resolve it first", (long long)inc.id, inc.sev);
		return;
	}
	if (a->sev < 1 || a->sev > 4) {
		actions_finish_line(run, ACTION_REFUSED, EXIT_REFUSED, "SEV must be 1 to 4");
		return;
	}
	if (!title || !*title) {
		actions_finish_line(run, ACTION_REFUSED, EXIT_REFUSED, "an incident needs a title: nothing declared");
		return;
	}
	id = timeline_incident_open(tl, title, a->sev);
	if (id <= 0) {
		actions_finish_line(run, ACTION_FAILED, EXIT_FAILED, "could not open the incident: %s", timeline_errmsg(tl));
		return;
	}
	snprintf(summary, sizeof summary, "SEV-%d declared: %s", a->sev, title);
	timeline_log(tl, "sev", summary, NULL);
	actions_finish_line(run, ACTION_OK, 0, "INC-%lld declared, SEV-%d", (long long)id, a->sev);
}

static void sev_exec(struct action_run *run)
{
	const struct action_args *a = actions_run_args(run);
	const char *reason = skip_blanks(a->text);
	struct timeline *tl = need_timeline(run);
	struct timeline_incident inc;
	char summary[300];

	if (!tl)
		return;
	if (timeline_incident_current(tl, &inc) != 1) {
		actions_finish_line(run, ACTION_REFUSED, EXIT_REFUSED, "no open incident");
		return;
	}
	if (a->sev < 1 || a->sev > 4) {
		actions_finish_line(run, ACTION_REFUSED, EXIT_REFUSED, "SEV must be 1 to 4");
		return;
	}
	if (inc.sev == a->sev) {
		actions_finish_line(run, ACTION_REFUSED, EXIT_REFUSED, "already SEV-%d", a->sev);
		return;
	}
	if (timeline_incident_set_sev(tl, inc.id, a->sev) != 0) {
		actions_finish_line(run, ACTION_FAILED, EXIT_FAILED, "could not change the SEV: %s", timeline_errmsg(tl));
		return;
	}
	snprintf(summary, sizeof summary, "SEV-%d -> SEV-%d%s%s", inc.sev, a->sev, reason && *reason ? ": " : "",
	         reason ? reason : "");
	timeline_log(tl, "sev", summary, NULL);
	actions_finish_line(run, ACTION_OK, 0, "SEV changed: SEV-%d -> SEV-%d", inc.sev, a->sev);
}

static void resolve_prepare(struct action_run *run)
{
	struct timeline *tl = need_timeline(run);
	struct action_question q = { 0 };
	struct timeline_incident inc;

	if (!tl)
		return;
	if (timeline_incident_current(tl, &inc) != 1) {
		actions_finish_line(run, ACTION_REFUSED, EXIT_REFUSED, "no open incident");
		return;
	}
	snprintf(q.title, sizeof q.title, "Resolve incident");
	snprintf(q.question, sizeof q.question, "Close the open incident?");
	actions_question_line(&q, AROLE_NORMAL, "INC-%lld  SEV-%d  %s", (long long)inc.id, inc.sev, inc.title);
	actions_propose(run, &q);
}

static void resolve_exec(struct action_run *run)
{
	struct timeline *tl = need_timeline(run);
	struct timeline_incident inc;
	char summary[320];

	if (!tl)
		return;
	if (timeline_incident_current(tl, &inc) != 1) {
		actions_finish_line(run, ACTION_REFUSED, EXIT_REFUSED, "no open incident: someone resolved it meanwhile");
		return;
	}
	snprintf(summary, sizeof summary, "INC-%lld resolved: %s", (long long)inc.id, inc.title);
	if (timeline_log(tl, "sev", summary, NULL) != 0 || timeline_incident_close(tl, inc.id) != 0) {
		actions_finish_line(run, ACTION_FAILED, EXIT_FAILED, "could not close INC-%lld: %s", (long long)inc.id,
		                    timeline_errmsg(tl));
		return;
	}
	actions_finish_line(run, ACTION_OK, 0, "INC-%lld resolved", (long long)inc.id);
}

const struct action_exec actions_exec_note = { .exec = note_exec };
const struct action_exec actions_exec_incident = { .exec = incident_exec };
const struct action_exec actions_exec_sev = { .exec = sev_exec };
const struct action_exec actions_exec_resolve = { .prepare = resolve_prepare, .exec = resolve_exec };
