/* Running an action once the table (core/actions/actions.c) gave its row:
 * preconditions, the confirmation question, asynchronous execution on the
 * loop and one audit record per run; and what handlers (core/actions/action_*.c)
 * call while they work. Below the table and its handlers: it knows rows by
 * what they hold, never by the table. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "warroom/actions.h"
#include "warroom/config.h"
#include "warroom/loop.h"
#include "warroom/secret.h"
#include "warroom/text.h"
#include "warroom/timeline.h"

const char *actions_outcome_name(enum action_outcome o)
{
	static const char *const names[] = {
		[ACTION_OK] = "ok", [ACTION_REFUSED] = "refused", [ACTION_DECLINED] = "declined",
		[ACTION_FAILED] = "failed", [ACTION_CANCELLED] = "cancelled",
	};
	return o <= ACTION_CANCELLED ? names[o] : "?";
}

/* plan_only: a dry run reads and changes nothing, so read-only allows it */
bool actions_check_row(const struct action_ctx *ctx, const struct action *a, bool plan_only, char *why,
                       size_t whylen)
{
	struct timeline_incident inc;

	if (why && whylen)
		why[0] = '\0';
	if (!a) {
		snprintf(why, whylen, "no such action");
		return false;
	}
	if ((a->flags & ACT_MUTATES) && ctx->readonly && !plan_only) {
		snprintf(why, whylen, "%s refused: read-only mode (--readonly) forbids changing the cluster", a->name);
		return false;
	}
	if (a->flags & ACT_NEEDS_INC) {
		if (!ctx->tl) {
			snprintf(why, whylen, "%s needs the timeline: %s", a->name,
			         ctx->tl_error && *ctx->tl_error ? ctx->tl_error : "not opened");
			return false;
		}
		if (timeline_incident_current(ctx->tl, &inc) != 1) {
			snprintf(why, whylen, "%s needs an open incident: declare one first (I, or :incident TITLE)",
			         a->name);
			return false;
		}
	}
	return true;
}

/* ---- runs ---- */

enum waiting { WAIT_NONE, WAIT_PROPOSAL, WAIT_ANSWER };

struct action_run {
	struct actions *q;
	struct action_run *next;
	uint64_t id;
	const struct action *a;
	struct action_args args;
	char *text;                  /* args.text, owned */
	struct action_ui ui;
	int64_t started_ms, started_wall_ms;
	enum waiting waiting;
	action_answer_fn answer_fn;
	bool answer_yes, confirmed;
	char confirmation[96];
	char typed[64];              /* the question wants this typed: y alone is no */
	uint64_t timer;
	void (*deferred)(struct action_run *run);
	struct action_result pending;   /* a refusal waiting for its turn on the loop */
	void *state;
	char signals[512];              /* the golden signals when it started */
	int64_t incident_id;            /* open when it started: resolve's record stays with it */
};

struct actions {
	struct action_ctx ctx;
	struct action_run *runs;
	uint64_t next_id;
};

struct actions *actions_new(const struct action_ctx *ctx)
{
	struct actions *q = calloc(1, sizeof *q);

	if (!q)
		return NULL;
	q->ctx = *ctx;
	q->next_id = 1;
	return q;
}

const struct action_ctx *actions_ctx(const struct actions *q)
{
	return &q->ctx;
}

static struct action_run *find(const struct actions *q, uint64_t id)
{
	for (struct action_run *r = q->runs; r; r = r->next)
		if (r->id == id)
			return r;
	return NULL;
}

uint64_t actions_running(const struct actions *q, enum action_id id)
{
	for (struct action_run *r = q->runs; r; r = r->next)
		if (r->a->id == id)
			return r->id;
	return 0;
}

/* Another run of the same action, older than this one. */
static bool busy_elsewhere(const struct action_run *run)
{
	for (const struct action_run *r = run->next; r; r = r->next)
		if (r->a == run->a)
			return true;
	return false;
}

static void unlink_run(struct action_run *run)
{
	for (struct action_run **p = &run->q->runs; *p; p = &(*p)->next)
		if (*p == run) {
			*p = run->next;
			return;
		}
}

static char *args_json(const struct action_run *run)
{
	cJSON *o = cJSON_CreateObject();
	char *s;

	if (!o)
		return NULL;
	if (run->args.text && *run->args.text) {
		/* typed at a key, the : line or a shell: each handler cleans (or refuses) what it
		 * keeps of it; the audit record keeps it whole, cleaned as everything stored is */
		char *clean = text_clean_dup(run->args.text, (size_t)-1, TEXT_CLEAN_LINES | TEXT_CLEAN_TABS);

		cJSON_AddStringToObject(o, "text", clean ? clean : "");
		free(clean);
	}
	if (run->args.sev)
		cJSON_AddNumberToObject(o, "sev", run->args.sev);
	if (run->args.dry_run)
		cJSON_AddBoolToObject(o, "dry_run", true);
	if (run->args.unattended)
		cJSON_AddBoolToObject(o, "unattended", true);
	s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return s;
}

static void audit(const struct action_run *run, const struct action_result *res)
{
	struct timeline_audit rec = { 0 };
	char *args;

	if (!run->q->ctx.tl)
		return;
	rec.started_ms = run->started_wall_ms;
	rec.ended_ms = loop_wall_ms();
	text_copy(rec.actor, sizeof rec.actor, run->q->ctx.actor ? run->q->ctx.actor : "");
	text_copy(rec.via, sizeof rec.via, run->q->ctx.via ? run->q->ctx.via : "");
	text_copy(rec.action, sizeof rec.action, run->a->name);
	args = args_json(run);
	text_copy(rec.args, sizeof rec.args, args ? args : "{}");
	cJSON_free(args);
	text_copy(rec.confirmation, sizeof rec.confirmation, run->confirmation);
	text_copy(rec.outcome, sizeof rec.outcome, actions_outcome_name(res->outcome));
	text_copy(rec.summary, sizeof rec.summary, res->summary);
	text_copy(rec.signals, sizeof rec.signals, run->signals);
	rec.incident_id = run->incident_id;
	/* the audit trail must not stop an action: a failed write is said elsewhere */
	timeline_audit_append(run->q->ctx.tl, &rec, NULL, 0);
}

static void free_run(struct action_run *run)
{
	if (run->timer)
		loop_timer_cancel(run->q->ctx.loop, run->timer);
	free(run->text);
	free(run);
}

void actions_finish(struct action_run *run, const struct action_result *res)
{
	struct action_result out = *res;
	struct action_ui ui = run->ui;

	/* what a run says goes to a screen, a terminal and the audit: no secret the console knows */
	secret_scrub_buf(out.summary, sizeof out.summary);
	secret_scrub_buf(out.followup, sizeof out.followup);
	for (size_t i = 0; i < out.nlines && i < ACTION_LINES; i++)
		secret_scrub_buf(out.lines[i].text, sizeof out.lines[i].text);

	/* the layer may end a run the handler still holds state for (declined) */
	if (run->state && run->a->exec->cancel)
		run->a->exec->cancel(run);
	out.id = run->a->id;
	out.run = run->id;
	out.duration_ms = actions_run_elapsed_ms(run);
	audit(run, &out);
	unlink_run(run);
	free_run(run);
	if (ui.done)
		ui.done(&out, ui.arg);
}

void actions_finish_line(struct action_run *run, enum action_outcome outcome, enum action_exit exit_code,
                         const char *fmt, ...)
{
	struct action_result *res = calloc(1, sizeof *res);
	va_list ap;

	if (!res)
		return;
	res->outcome = outcome;
	res->exit_code = exit_code;
	va_start(ap, fmt);
	vsnprintf(res->summary, sizeof res->summary, fmt, ap);
	va_end(ap);
	actions_finish(run, res);
	free(res);
}

/* Every step after actions_run() happens from the loop, never inside the
 * caller's own call: front-ends need not be re-entrant. */
static void on_deferred(struct loop *loop, void *arg)
{
	struct action_run *run = arg;
	void (*fn)(struct action_run *) = run->deferred;

	run->timer = 0;
	run->deferred = NULL;
	if (fn)
		fn(run);
}

static void defer(struct action_run *run, void (*fn)(struct action_run *))
{
	run->deferred = fn;
	if (!run->timer)
		run->timer = loop_timer_add(run->q->ctx.loop, 0, 0, on_deferred, run);
}

static void finish_pending(struct action_run *run)
{
	struct action_result res = run->pending;

	actions_finish(run, &res);
}

static void do_exec(struct action_run *run)
{
	run->a->exec->exec(run);
}

static void do_start(struct action_run *run)
{
	const struct action_exec *x = run->a->exec;
	struct action_question q;

	if (x->prepare) {
		x->prepare(run);
		return;
	}
	if (run->a->flags & ACT_CONFIRM) {
		/* a confirm row without its own question still asks */
		memset(&q, 0, sizeof q);
		text_copy(q.title, sizeof q.title, run->a->help);
		snprintf(q.question, sizeof q.question, "Run %s?", run->a->name);
		actions_propose(run, &q);
		return;
	}
	do_exec(run);
}

uint64_t actions_start_row(struct actions *q, const struct action *a, const struct action_args *args,
                           const struct action_ui *ui)
{
	struct action_run *run = calloc(1, sizeof *run);
	char why[300];

	if (!run)
		return 0;
	run->q = q;
	run->id = q->next_id++;
	run->a = a;
	if (args)
		run->args = *args;
	if (run->args.text) {
		run->text = strdup(run->args.text);
		run->args.text = run->text;
	}
	if (ui)
		run->ui = *ui;
	run->started_ms = loop_now_ms();
	run->started_wall_ms = loop_wall_ms();
	if (q->ctx.signals)
		q->ctx.signals(run->signals, sizeof run->signals, q->ctx.signals_arg);
	if (q->ctx.tl) {
		struct timeline_incident inc;

		if (timeline_incident_current(q->ctx.tl, &inc) == 1)
			run->incident_id = inc.id;
	}
	if (!run->a) {
		free_run(run);
		return 0;
	}
	run->next = q->runs;
	q->runs = run;
	if (args && args->text && !run->text) {
		run->pending.outcome = ACTION_FAILED;
		run->pending.exit_code = EXIT_FAILED;
		snprintf(run->pending.summary, sizeof run->pending.summary, "%s: out of memory for its text: "
		         "nothing ran", run->a->name);
		defer(run, finish_pending);
	} else if (!run->a->exec->exec) {
		run->pending.outcome = ACTION_REFUSED;
		run->pending.exit_code = EXIT_REFUSED;
		snprintf(run->pending.summary, sizeof run->pending.summary, "%s is a key of the console, not an action "
		         "that runs headless", run->a->name);
		defer(run, finish_pending);
	} else if ((run->a->flags & ACT_MUTATES) && run->next && busy_elsewhere(run)) {
		/* one change of the cluster at a time: the second would plan on the first's state */
		run->pending.outcome = ACTION_REFUSED;
		run->pending.exit_code = EXIT_REFUSED;
		snprintf(run->pending.summary, sizeof run->pending.summary, "a %s is already being planned or running",
		         run->a->name);
		defer(run, finish_pending);
	} else if (!actions_check_row(&q->ctx, a, run->args.dry_run, why, sizeof why)) {
		run->pending.outcome = ACTION_REFUSED;
		run->pending.exit_code = EXIT_REFUSED;
		text_copy(run->pending.summary, sizeof run->pending.summary, why);
		defer(run, finish_pending);
	} else {
		defer(run, do_start);
	}
	return run->id;
}

static void ask_ui(struct action_run *run, const struct action_question *q)
{
	text_copy(run->typed, sizeof run->typed, q->typed);
	if (!run->ui.ask) {
		run->pending.outcome = ACTION_REFUSED;
		run->pending.exit_code = EXIT_REFUSED;
		snprintf(run->pending.summary, sizeof run->pending.summary, "%s needs a confirmation, and nothing "
		         "here can ask for one: nothing changed", run->a->name);
		run->waiting = WAIT_NONE;
		defer(run, finish_pending);
		return;
	}
	run->ui.ask(run->id, q, run->ui.arg);
}

void actions_propose(struct action_run *run, const struct action_question *q)
{
	if (!(run->a->flags & ACT_CONFIRM)) {
		defer(run, do_exec);
		return;
	}
	run->waiting = WAIT_PROPOSAL;
	/* who is answering, and where the answer is recorded */
	struct action_question *full = malloc(sizeof *full);
	struct timeline_incident inc;

	if (!full) {
		ask_ui(run, q);
		return;
	}
	*full = *q;
	if (run->q->ctx.tl && timeline_incident_current(run->q->ctx.tl, &inc) == 1)
		actions_question_line(full, AROLE_STALE, "confirmed as %s, recorded in INC-%lld (SEV-%d): %s",
		                      run->q->ctx.actor ? run->q->ctx.actor : "?", (long long)inc.id, inc.sev, inc.title);
	else
		actions_question_line(full, AROLE_STALE, "confirmed as %s, recorded in the timeline%s",
		                      run->q->ctx.actor ? run->q->ctx.actor : "?",
		                      run->q->ctx.tl ? " (no incident is open)" : " (unavailable: steps are shown only)");
	ask_ui(run, full);
	free(full);
}

void actions_ask(struct action_run *run, const struct action_question *q, action_answer_fn fn)
{
	run->waiting = WAIT_ANSWER;
	run->answer_fn = fn;
	ask_ui(run, q);
}

static void log_declined(struct action_run *run)
{
	char summary[200];

	if (!run->q->ctx.tl || !(run->a->flags & ACT_MUTATES))
		return;
	snprintf(summary, sizeof summary, "%s plan shown and declined by %s", run->a->name,
	         run->q->ctx.actor ? run->q->ctx.actor : "the operator");
	timeline_log(run->q->ctx.tl, "action", summary, NULL);
}

static void on_answer(struct action_run *run)
{
	enum waiting w = run->waiting;
	action_answer_fn fn = run->answer_fn;

	run->waiting = WAIT_NONE;
	run->answer_fn = NULL;
	if (w == WAIT_PROPOSAL) {
		if (!run->answer_yes) {
			log_declined(run);
			actions_finish_line(run, ACTION_DECLINED, EXIT_REFUSED, "not confirmed: nothing changed");
			return;
		}
		run->confirmed = true;
		do_exec(run);
	} else if (w == WAIT_ANSWER && fn) {
		fn(run, run->answer_yes);
	}
}

static void answer(struct actions *q, uint64_t id, bool yes, const char *typed, const char *how)
{
	struct action_run *run = find(q, id);
	char why[160];

	if (!run || run->waiting == WAIT_NONE || run->deferred)
		return;
	/* a question that wants its word typed takes nothing else for a yes */
	if (yes && run->typed[0] && (!typed || strcmp(typed, run->typed) != 0)) {
		snprintf(why, sizeof why, "%s: not the typed %s", how && *how ? how : "answered", run->typed);
		yes = false;
		how = why;
	} else if (yes && run->typed[0]) {
		snprintf(why, sizeof why, "%s, typed %s", how && *how ? how : "answered", run->typed);
		how = why;
	}
	run->answer_yes = yes;
	if (run->waiting == WAIT_PROPOSAL)
		snprintf(run->confirmation, sizeof run->confirmation, "%s (%s)", yes ? "yes" : "no",
		         how && *how ? how : "answered");
	defer(run, on_answer);
}

void actions_answer(struct actions *q, uint64_t id, bool yes, const char *how)
{
	answer(q, id, yes, NULL, how);
}

void actions_answer_typed(struct actions *q, uint64_t id, const char *typed, const char *how)
{
	answer(q, id, typed && *typed, typed, how);
}

static void cancel_run(struct action_run *run)
{
	if (run->a->exec->cancel)
		run->a->exec->cancel(run);
	run->state = NULL;
}

void actions_cancel(struct actions *q, uint64_t id)
{
	struct action_run *run = find(q, id);

	if (!run)
		return;
	cancel_run(run);
	actions_finish_line(run, ACTION_CANCELLED, EXIT_FAILED, "%s cancelled", run->a->name);
}

void actions_free(struct actions *q)
{
	if (!q)
		return;
	while (q->runs) {
		struct action_run *run = q->runs;

		cancel_run(run);
		run->ui.done = NULL;   /* the front-end is going away */
		actions_finish_line(run, ACTION_CANCELLED, EXIT_FAILED, "%s cancelled: the program ended", run->a->name);
	}
	free(q);
}

/* ---- for handlers ---- */

const struct action_ctx *actions_run_ctx(const struct action_run *run)
{
	return &run->q->ctx;
}

const struct action_args *actions_run_args(const struct action_run *run)
{
	return &run->args;
}

int64_t actions_run_elapsed_ms(const struct action_run *run)
{
	return loop_now_ms() - run->started_ms;
}

void *actions_run_state(const struct action_run *run)
{
	return run->state;
}

void actions_run_set_state(struct action_run *run, void *state)
{
	run->state = state;
}

const char *actions_run_confirmation(const struct action_run *run)
{
	return run->confirmation;
}

void actions_progress(struct action_run *run, enum action_role role, const char *fmt, ...)
{
	char text[ACTION_LINE];
	va_list ap;

	if (!run->ui.progress)
		return;
	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	secret_scrub_buf(text, sizeof text);
	run->ui.progress(run->id, role, text, run->ui.arg);
}

static void add_line(struct action_line *lines, size_t *n, enum action_role role, const char *fmt, va_list ap)
{
	if (*n >= ACTION_LINES)
		return;
	lines[*n].role = role;
	vsnprintf(lines[*n].text, sizeof lines[*n].text, fmt, ap);
	secret_scrub_buf(lines[*n].text, sizeof lines[*n].text);
	(*n)++;
}

void actions_question_line(struct action_question *q, enum action_role role, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	add_line(q->lines, &q->nlines, role, fmt, ap);
	va_end(ap);
}

void actions_result_line(struct action_result *r, enum action_role role, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	add_line(r->lines, &r->nlines, role, fmt, ap);
	va_end(ap);
}

struct timeline *actions_need_timeline(struct action_run *run)
{
	const struct action_ctx *c = &run->q->ctx;

	if (!c->tl)
		actions_finish_line(run, ACTION_FAILED, EXIT_FAILED, "timeline unavailable: %s",
		                    c->tl_error && *c->tl_error ? c->tl_error : "not opened");
	return c->tl;
}
