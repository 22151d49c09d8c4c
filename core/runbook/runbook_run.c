/* The runbook session: one runbook walked during an incident. Commands run
 * with `sh -c` and their text as written, here or on the bastion
 * (runbook_runner.c); what the incident knows (namespace, slots, the alert's
 * labels) reaches them as environment variables only, so a hostile pod name
 * or label value is never shell text. Every change is in
 * the store before it is shown, and the timeline tells what ran and how. */
#include "warroom/runbook.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "warroom/actions.h"
#include "warroom/config.h"
#include "warroom/loop.h"
#include "warroom/model.h"
#include "warroom/proc.h"
#include "warroom/slots.h"
#include "warroom/text.h"
#include "warroom/timeline.h"

#include "runbook_session.h"

#define OUTPUT_LOG 4000            /* bytes of each stream the timeline keeps */

/* ---- output ---- */

static void out_clear(struct runbook_session *s)
{
	for (size_t i = 0; i < RUNBOOK_OUT_LINES; i++) {
		free(s->out[i]);
		s->out[i] = NULL;
	}
	s->out_n = s->out_head = 0;
}

static void out_add(struct runbook_session *s, const char *line)
{
	char *red = timeline_redact(line), *clean;
	size_t slot;

	if (!red)
		return;
	clean = red;
	for (char *p = clean; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';   /* escapes never reach the screen */
	if (strlen(clean) >= RUNBOOK_OUT_LINE)
		clean[RUNBOOK_OUT_LINE - 1] = '\0';
	text_fix_utf8(clean);
	slot = (s->out_head + s->out_n) % RUNBOOK_OUT_LINES;
	if (s->out_n == RUNBOOK_OUT_LINES) {
		free(s->out[s->out_head]);
		s->out[s->out_head] = NULL;
		slot = s->out_head;
		s->out_head = (s->out_head + 1) % RUNBOOK_OUT_LINES;
	} else {
		s->out_n++;
	}
	s->out[slot] = clean;
}

size_t runbook_session_output(const struct runbook_session *s, const char **lines, size_t max)
{
	size_t n = 0;

	if (!s)
		return 0;
	for (size_t i = 0; i < s->out_n && n < max; i++)
		lines[n++] = s->out[(s->out_head + i) % RUNBOOK_OUT_LINES];
	return n;
}

/* ---- what was done outside the runbook ---- */

/* An action run with its own key, the `:` line or the command line settles
 * the runbook's line that names it, with that run's outcome. */
static void follow(struct runbook_session *s)
{
	struct runbook_followed f[8];
	size_t n = runbook_follow_audit(s, f, sizeof f / sizeof f[0]);
	char summary[300], what[120];

	for (size_t k = 0; k < n; k++) {
		size_t i = f[k].item;
		cJSON *d = runbook_session_detail(s, i);

		s->st[i].state = f[k].state;
		s->st[i].duration_ms = f[k].duration_ms;
		text_copy(s->st[i].reason, sizeof s->st[i].reason, f[k].state == RBS_DONE ? "" : f[k].summary);
		runbook_session_persist(s, i);
		runbook_session_short(&s->rb->items[i], what, sizeof what);
		snprintf(summary, sizeof summary, "step %zu: warroom %s: %s, run by %s from %s", s->rb->items[i].step + 1,
		         what, f[k].outcome, f[k].actor[0] ? f[k].actor : "?", strcmp(f[k].via, "cli") == 0 ?
		         "the command line" : strcmp(f[k].via, "console") == 0 ? "the console" : f[k].via);
		cJSON_AddStringToObject(d, "outcome", f[k].outcome);
		cJSON_AddStringToObject(d, "by", f[k].actor);
		cJSON_AddStringToObject(d, "via", f[k].via);
		cJSON_AddStringToObject(d, "result", f[k].summary);
		runbook_session_log(s, summary, d);
		cJSON_Delete(d);
	}
	if (n) {
		size_t next;

		if (runbook_session_next_item(s, &next))
			runbook_session_set_cursor(s, next);
		runbook_session_changed(s);
	}
}

/* ---- offers: the runbook for the firing alert ---- */

static void on_model(struct model *m, unsigned what, void *arg)
{
	struct runbook_session *s = arg;
	char name[128] = "", alert[96] = "", labels[MODEL_ALERT_LABELS] = "";
	size_t i = 0;
	struct runbook *rb;

	if (what & DIRTY_TIMELINE)
		follow(s);
	if (!(what & DIRTY_ALERTS))
		return;
	/* the most severe alert's runbook, not the first alert's */
	rb = runbook_lib_offer(s->lib, &m->alerts, &i);
	if (rb) {
		text_copy(name, sizeof name, rb->name);
		text_copy(alert, sizeof alert, m->alerts.a[i].name);
		text_copy(labels, sizeof labels, m->alerts.a[i].labels);
	}
	if (strcmp(name, s->offer_name) != 0 || strcmp(alert, s->offer_alert) != 0) {
		text_copy(s->offer_name, sizeof s->offer_name, name);
		text_copy(s->offer_alert, sizeof s->offer_alert, alert);
		runbook_session_changed(s);
	}
	text_copy(s->offer_labels, sizeof s->offer_labels, labels);
}

const char *runbook_session_offer(const struct runbook_session *s, const char **alert)
{
	if (!s || !s->offer_name[0])
		return NULL;
	if (alert)
		*alert = s->offer_alert;
	return s->offer_name;
}

/* ---- life ---- */

struct runbook_session *runbook_session_new(struct loop *loop, const struct config *cfg, struct timeline *tl,
                                            struct model *m, struct runbook_lib *lib,
                                            runbook_action_fn action)
{
	struct runbook_session *s = calloc(1, sizeof *s);

	if (!s) {
		runbook_lib_free(lib);
		return NULL;
	}
	s->loop = loop;
	s->cfg = cfg;
	s->tl = tl;
	s->m = m;
	s->lib = lib;
	s->action = action;
	if (tl)
		s->store = runbook_store_open(timeline_path(tl), s->store_err, sizeof s->store_err);
	if (m) {
		model_watch_add(m, on_model, s);
		if (!m->runbook)
			m->runbook = s;   /* the views find it through their model */
	}
	return s;
}

static void drop_run(struct runbook_session *s)
{
	free(s->st);
	s->st = NULL;
	s->rb = NULL;
	s->run_id = 0;
	cJSON_Delete(s->vars);
	s->vars = NULL;
	cJSON_Delete(s->secrets);
	s->secrets = NULL;
	s->cursor = 0;
	s->alert[0] = '\0';
}

void runbook_session_free(struct runbook_session *s)
{
	if (!s)
		return;
	if (s->runner) {
		/* the console ends with a command running: say so, as a restart would */
		s->st[s->run_item].state = RBS_CANCELLED;
		text_copy(s->st[s->run_item].reason, sizeof s->st[0].reason, "the console ended while it ran");
		runbook_session_persist(s, s->run_item);
		runbook_runner_free(s->runner);
	}
	if (s->m && s->m->runbook == s)
		s->m->runbook = NULL;
	model_watch_remove(s->m, s);   /* a session freed before its model is watched no more */
	out_clear(s);
	drop_run(s);
	runbook_store_close(s->store);
	runbook_lib_free(s->lib);
	free(s);
}

void runbook_session_set_bastion(struct runbook_session *s, struct ssh *ssh)
{
	if (s)
		s->ssh = ssh;
}

const struct runbook_lib *runbook_session_lib(const struct runbook_session *s)
{
	return s ? s->lib : NULL;
}

const struct runbook *runbook_session_runbook(const struct runbook_session *s)
{
	return s ? s->rb : NULL;
}

const struct runbook_item_state *runbook_session_item(const struct runbook_session *s, size_t i)
{
	return s && s->rb && i < s->rb->nitems ? &s->st[i] : NULL;
}

size_t runbook_session_cursor(const struct runbook_session *s)
{
	return s ? s->cursor : 0;
}

bool runbook_session_running(const struct runbook_session *s, size_t *item)
{
	if (!s || !s->runner)
		return false;
	if (item)
		*item = s->run_item;
	return true;
}

/* Native actions that are not in this build's table are skipped with words. */
static void skip_unavailable(struct runbook_session *s)
{
	for (size_t i = 0; i < s->rb->nitems; i++) {
		const struct runbook_item *it = &s->rb->items[i];
		const struct action *a;
		char name[32];

		if (it->kind != RB_ACTION || s->st[i].state != RBS_PENDING)
			continue;
		runbook_action_split(it, name, sizeof name, NULL);
		a = s->action ? s->action(name) : NULL;
		if (a && a->exec && a->exec->exec)
			continue;
		s->st[i].state = RBS_SKIPPED;
		snprintf(s->st[i].reason, sizeof s->st[i].reason, "%s is not available in this version", name);
		runbook_session_persist(s, i);
	}
}

static int begin_run(struct runbook_session *s, struct runbook *rb)
{
	s->st = calloc(rb->nitems ? rb->nitems : 1, sizeof *s->st);
	if (!s->st)
		return -1;
	for (size_t i = 0; i < rb->nitems; i++)
		s->st[i].exit_code = -1;
	s->rb = rb;
	/* a check ticked in the file itself is done */
	for (size_t i = 0; i < rb->nitems; i++)
		if (rb->items[i].kind == RB_CHECK && rb->items[i].checked)
			s->st[i].state = RBS_DONE;
	return 0;
}

int runbook_session_start(struct runbook_session *s, const char *name, char *err, size_t errlen)
{
	struct runbook *rb = runbook_lib_find(s->lib, name);
	struct timeline_incident inc = { 0 };
	char summary[256], *vj;
	cJSON *d;

	if (!rb) {
		snprintf(err, errlen, "no runbook \"%s\" (warroom runbook list shows them)", name ? name : "");
		return -1;
	}
	if (s->runner) {
		snprintf(err, errlen, "a command of %s is running: cancel it first", s->rb->name);
		return -1;
	}
	drop_run(s);
	out_clear(s);
	if (begin_run(s, rb) != 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	s->vars = cJSON_CreateObject();
	cJSON_AddStringToObject(s->vars, "RUNBOOK", rb->name);
	if (s->offer_name[0] && strcmp(s->offer_name, rb->name) == 0) {
		text_copy(s->alert, sizeof s->alert, s->offer_alert);
		runbook_env_set(s->vars, "ALERT_NAME", s->offer_alert);
		runbook_env_labels(s->vars, s->offer_labels);
	}
	if (s->tl && timeline_incident_current(s->tl, &inc) != 1)
		inc.id = 0;
	vj = cJSON_PrintUnformatted(s->vars);
	if (s->store) {
		s->run_id = runbook_store_begin(s->store, inc.id, rb->name, rb->path, s->alert, vj ? vj : "{}");
		if (s->run_id < 0)
			text_copy(s->store_err, sizeof s->store_err, runbook_store_error(s->store));
	}
	cJSON_free(vj);
	skip_unavailable(s);
	runbook_follow_reset(s);
	runbook_session_next_item(s, &s->cursor);
	snprintf(summary, sizeof summary, "runbook started: %s (%s.md)%s%s", rb->title, rb->name,
	         s->alert[0] ? " for " : "", s->alert);
	d = cJSON_CreateObject();
	cJSON_AddStringToObject(d, "runbook", rb->name);
	cJSON_AddStringToObject(d, "path", rb->path);
	if (s->alert[0])
		cJSON_AddStringToObject(d, "alert", s->alert);
	runbook_session_log(s, summary, d);
	cJSON_Delete(d);
	runbook_session_changed(s);
	return 0;
}

struct resume_ctx {
	struct runbook_session *s;
	size_t interrupted[32];
	size_t ninterrupted;
};

static void resume_item(void *arg, size_t item, const char *hash, const char *state, int exit_code,
                        int64_t duration_ms, const char *reason)
{
	struct resume_ctx *r = arg;
	struct runbook_session *s = r->s;
	char mine[20];

	if (item >= s->rb->nitems)
		return;
	runbook_session_hash(&s->rb->items[item], mine, sizeof mine);
	if (!hash || strcmp(hash, mine) != 0)
		return;   /* the file changed there: that state belongs to another item */
	s->st[item].state = runbook_state_parse(state);
	s->st[item].exit_code = exit_code;
	s->st[item].duration_ms = duration_ms < 0 ? 0 : duration_ms;
	text_copy(s->st[item].reason, sizeof s->st[item].reason, reason ? reason : "");
	if (s->st[item].state == RBS_RUNNING && r->ninterrupted < 32)
		r->interrupted[r->ninterrupted++] = item;
}

int runbook_session_resume(struct runbook_session *s)
{
	struct runbook_store_run run;
	struct resume_ctx r = { .s = s };
	struct runbook *rb;
	char summary[256], what[160];

	if (!s->store || runbook_store_latest(s->store, &run) != 1)
		return 0;
	rb = runbook_lib_find(s->lib, run.name);
	if (!rb || begin_run(s, rb) != 0) {
		free(run.vars);
		return 0;
	}
	s->run_id = run.id;
	s->vars = cJSON_Parse(run.vars ? run.vars : "{}");
	if (!cJSON_IsObject(s->vars)) {
		cJSON_Delete(s->vars);
		s->vars = cJSON_CreateObject();
	}
	free(run.vars);
	text_copy(s->alert, sizeof s->alert, run.alert);
	runbook_store_items(s->store, run.id, resume_item, &r);
	for (size_t k = 0; k < r.ninterrupted; k++) {
		size_t i = r.interrupted[k];
		cJSON *d = runbook_session_detail(s, i);

		s->st[i].state = RBS_INTERRUPTED;
		text_copy(s->st[i].reason, sizeof s->st[i].reason, "was running when the console ended");
		runbook_session_persist(s, i);
		runbook_session_short(&s->rb->items[i], what, sizeof what);
		snprintf(summary, sizeof summary, "interrupted: `%s` was running when the console ended; retry, skip "
		         "or mark it done", what);
		runbook_session_log(s, summary, d);
		cJSON_Delete(d);
	}
	skip_unavailable(s);
	runbook_follow_reset(s);
	s->cursor = run.cursor < rb->nitems ? run.cursor : 0;
	{
		size_t step = runbook_session_current_step(s);

		snprintf(summary, sizeof summary, "runbook resumed: %s at step %zu of %zu%s%s", rb->title, step + 1,
		         rb->nsteps, rb->nsteps ? ", " : "", rb->nsteps ? rb->steps[step < rb->nsteps ? step : 0].title : "");
		runbook_session_log(s, summary, NULL);
	}
	runbook_session_changed(s);
	return 1;
}

/* ---- running ---- */


static void on_line(void *arg, const char *line)
{
	struct runbook_session *s = arg;

	out_add(s, line);
	runbook_session_changed(s);
}

static void on_done(void *arg, const struct proc_result *res)
{
	struct runbook_session *s = arg;
	size_t i = s->run_item;
	struct runbook_item_state *st = &s->st[i];
	const struct runbook_item *it = &s->rb->items[i];
	char summary[256], what[120], took[32];
	runbook_done_fn done = s->done;
	void *done_arg = s->done_arg;
	cJSON *d = runbook_session_detail(s, i);
	bool ok = res->started && res->exited && res->exit_code == 0;

	st->duration_ms = res->duration_ms;
	st->exit_code = res->exited ? res->exit_code : -1;
	if (ok) {
		st->state = RBS_DONE;
		st->reason[0] = '\0';
	} else {
		st->state = res->cancelled ? RBS_CANCELLED : RBS_FAILED;
		if (res->cancelled)
			snprintf(st->reason, sizeof st->reason, "stopped by the operator");
		else if (!res->started)
			snprintf(st->reason, sizeof st->reason, "%s", res->error);
		else if (res->exited)
			snprintf(st->reason, sizeof st->reason, "exit %d", res->exit_code);
		else if (res->timed_out)
			snprintf(st->reason, sizeof st->reason, "timed out");
		else
			snprintf(st->reason, sizeof st->reason, "ended by signal %d", res->signal);
	}
	runbook_session_persist(s, i);
	snprintf(took, sizeof took, "%.1f s", (double)res->duration_ms / 1000.0);
	runbook_session_short(it, what, sizeof what);
	if (ok)
		snprintf(summary, sizeof summary, "step %zu %s: `%s`%s exit 0 in %s", it->step + 1,
		         s->rb->steps[it->step].title, what, it->remote ? " on the bastion" : "", took);
	else
		snprintf(summary, sizeof summary, "step %zu %s: `%s`%s failed (%s) after %s: the step stops until it "
		         "is retried, skipped or marked done", it->step + 1, s->rb->steps[it->step].title, what,
		         it->remote ? " on the bastion" : "", st->reason, took);
	if (it->remote)
		cJSON_AddStringToObject(d, "runner", "bastion");
	if (res->exited)
		cJSON_AddNumberToObject(d, "exit_code", res->exit_code);
	else
		cJSON_AddStringToObject(d, "ended", st->reason);
	cJSON_AddNumberToObject(d, "duration_ms", (double)res->duration_ms);
	if (res->out.len) {
		cJSON_AddStringToObject(d, "stdout", res->out.len > OUTPUT_LOG ? res->out.data + res->out.len - OUTPUT_LOG :
		                        res->out.data);
		if (res->out.len > OUTPUT_LOG || res->out.truncated)
			cJSON_AddBoolToObject(d, "stdout_truncated", true);
	}
	if (res->err.len) {
		cJSON_AddStringToObject(d, "stderr", res->err.len > OUTPUT_LOG ? res->err.data + res->err.len - OUTPUT_LOG :
		                        res->err.data);
		if (res->err.len > OUTPUT_LOG || res->err.truncated)
			cJSON_AddBoolToObject(d, "stderr_truncated", true);
	}
	runbook_session_log(s, summary, d);
	cJSON_Delete(d);
	if (!ok && !res->started)
		out_add(s, res->error);
	{
		char end[240];

		snprintf(end, sizeof end, "-- %s", ok ? "exit 0" : st->reason);
		out_add(s, end);
	}
	s->done = NULL;
	s->done_arg = NULL;
	runbook_runner_free(s->runner);
	s->runner = NULL;
	if (ok) {
		size_t next;

		if (runbook_session_next_item(s, &next))
			runbook_session_set_cursor(s, next);
	}
	runbook_session_changed(s);
	if (done)
		done(done_arg, i, st, summary);
}

int runbook_session_run(struct runbook_session *s, size_t item, runbook_done_fn done, void *arg,
                        char *err, size_t errlen)
{
	const struct runbook_item *it;
	char *command;

	if (runbook_session_can_run(s, &item, err, errlen) != 0)
		return -1;
	it = &s->rb->items[item];
	if (it->kind != RB_COMMAND) {
		snprintf(err, errlen, "line %d is a warroom action: the console runs it as its own action", it->line);
		return -1;
	}
	command = runbook_session_command(s, item);
	if (!command) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	/* running one option's command is choosing it */
	if (it->choice && !runbook_session_chosen(s, it->choice - 1) &&
	    runbook_session_choose(s, item, err, errlen) != 0) {
		free(command);
		return -1;
	}
	out_clear(s);
	s->runner = runbook_runner_start(s, it, command, on_line, on_done, s, err, errlen);
	free(command);
	if (!s->runner)
		return -1;
	s->run_item = item;
	s->done = done;
	s->done_arg = arg;
	s->st[item].state = RBS_RUNNING;
	s->st[item].exit_code = -1;
	s->st[item].reason[0] = '\0';
	runbook_session_persist(s, item);
	s->cursor = item;
	{
		char line[RUNBOOK_OUT_LINE];

		snprintf(line, sizeof line, "%s %s", it->remote ? "bastion$" : "$", it->text);
		for (char *p = line; *p; p++)
			if (*p == '\n')
				*p = ' ';
		out_add(s, line);
	}
	runbook_session_changed(s);
	return 0;
}

void runbook_session_cancel(struct runbook_session *s)
{
	if (!s || !s->runner)
		return;
	s->done = NULL;
	s->done_arg = NULL;
	runbook_runner_cancel(s->runner);   /* on_done still comes, and records it cancelled */
}

int runbook_session_mark(struct runbook_session *s, size_t item, enum runbook_state state, const char *reason,
                         char *summary, size_t slen)
{
	const struct runbook_item *it;
	char what[120];
	cJSON *d;

	if (!s || !s->rb) {
		snprintf(summary, slen, "no runbook is running");
		return -1;
	}
	if (item == SIZE_MAX && !runbook_session_next_item(s, &item)) {
		if (runbook_read_only(s->rb))
			snprintf(summary, slen, "%s is read only: nothing to mark", s->rb->name);
		else
			snprintf(summary, slen, "every step of %s is done", s->rb->name);
		return -1;
	}
	if (item >= s->rb->nitems) {
		snprintf(summary, slen, "%s has no item %zu", s->rb->name, item + 1);
		return -1;
	}
	if (s->runner && s->run_item == item) {
		snprintf(summary, slen, "it is running: cancel it first ({runbook-stop})");
		return -1;
	}
	it = &s->rb->items[item];
	if (it->kind == RB_OPTION && it->choice) {
		snprintf(summary, slen, "that line is an option: {runbook-pick} picks it, and the others are skipped");
		return -1;
	}
	if (it->kind == RB_DETAILS) {
		snprintf(summary, slen, "that line is a folded section: {select} opens it");
		return -1;
	}
	if (it->choice && state == RBS_DONE && runbook_session_chosen(s, it->choice - 1) &&
	    runbook_session_chosen(s, it->choice - 1) != it->alt) {
		snprintf(summary, slen, "line %d is in an option not chosen: {runbook-pick} on its option picks it "
		         "instead", it->line);
		return -1;
	}
	if (it->choice && state == RBS_DONE && !runbook_session_chosen(s, it->choice - 1) &&
	    runbook_session_choose(s, item, summary, slen) != 0)
		return -1;   /* marking one option's line done is choosing that option */
	if (state == RBS_SKIPPED && (!reason || !*reason)) {
		snprintf(summary, slen, "a skip needs a reason: nothing changed");
		return -1;
	}
	if (state == RBS_PENDING && it->kind != RB_CHECK) {
		snprintf(summary, slen, "only a check is unticked");
		return -1;
	}
	s->st[item].state = state;
	text_copy(s->st[item].reason, sizeof s->st[item].reason, reason ? reason : "");
	runbook_session_persist(s, item);
	runbook_session_short(it, what, sizeof what);
	if (it->kind == RB_CHECK && state == RBS_DONE)
		snprintf(summary, slen, "check ticked: %s", what);
	else if (it->kind == RB_CHECK && state == RBS_PENDING)
		snprintf(summary, slen, "check unticked: %s", what);
	else if (state == RBS_SKIPPED)
		snprintf(summary, slen, "skipped in step %zu: `%s`: %s", it->step + 1, what, reason);
	else if (runbook_item_actionable(it))
		snprintf(summary, slen, "marked done in step %zu: `%s`", it->step + 1, what);
	else
		snprintf(summary, slen, "step %zu %s read", it->step + 1, s->rb->steps[it->step].title);
	d = runbook_session_detail(s, item);
	if (reason && *reason)
		cJSON_AddStringToObject(d, "reason", reason);
	runbook_session_log(s, summary, d);
	cJSON_Delete(d);
	{
		size_t next;

		if (state != RBS_PENDING && runbook_session_next_item(s, &next))
			runbook_session_set_cursor(s, next);
	}
	runbook_session_changed(s);
	return 0;
}
