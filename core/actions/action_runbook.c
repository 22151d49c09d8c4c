/* The runbook's actions: start a runbook, run a step's command (shown and
 * confirmed: the question is the action layer's), tick a check, mark an
 * item done or skip it with a reason. They find the console's session
 * in their action_ctx; the action layer audits every run. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "warroom/actions.h"
#include "warroom/runbook.h"
#include "warroom/text.h"

static struct runbook_session *session(struct action_run *run)
{
	struct runbook_session *s = actions_run_ctx(run)->runbook;

	if (!s)
		actions_finish_line(run, ACTION_REFUSED, EXIT_REFUSED, "runbooks are walked in the console: "
		                    "warroom runbook show NAME prints one");
	return s;
}

/* "#12 rest" or "12": the item (0-based) and the rest; SIZE_MAX when none is named. */
static size_t item_arg(const char *text, const char **rest)
{
	const char *p = text ? text : "";
	char *end;
	unsigned long v;

	while (*p == ' ')
		p++;
	if (rest)
		*rest = p;
	if (*p == '#')
		p++;
	else if (rest)
		return SIZE_MAX;   /* a skip's reason may start with a number */
	v = strtoul(p, &end, 10);
	if (end == p || v == 0 || (*end && *end != ' '))
		return SIZE_MAX;
	while (*end == ' ')
		end++;
	if (rest)
		*rest = end;
	return (size_t)v - 1;
}

/* No number: the cursor's item when it fits, else the next one. */
static size_t resolve(const struct runbook_session *s, size_t item, bool (*fits)(const struct runbook_item *))
{
	const struct runbook *rb = runbook_session_runbook(s);
	size_t c = runbook_session_cursor(s), next;
	const struct runbook_item_state *st;

	if (item != SIZE_MAX || !rb)
		return item;
	st = runbook_session_item(s, c);
	if (c < rb->nitems && fits(&rb->items[c]) && st && st->state != RBS_DONE && st->state != RBS_SKIPPED)
		return c;
	if (runbook_session_next_item(s, &next) && fits(&rb->items[next]))
		return next;
	/* a check: the first one not ticked in the current step; never one of a choice not made (the operator's) */
	for (size_t k = runbook_session_current_step(s); k < rb->nsteps; k++) {
		for (size_t i = rb->steps[k].first; i < rb->steps[k].first + rb->steps[k].n; i++)
			if (fits(&rb->items[i]) && runbook_session_item(s, i)->state == RBS_PENDING &&
			    (!rb->items[i].choice || runbook_session_chosen(s, rb->items[i].choice - 1)))
				return i;
		break;
	}
	return SIZE_MAX;
}

static bool any_item(const struct runbook_item *it)
{
	return true;
}

static bool is_command(const struct runbook_item *it)
{
	return it->kind == RB_COMMAND || it->kind == RB_ACTION;
}

static bool is_check(const struct runbook_item *it)
{
	return it->kind == RB_CHECK;
}

/* ---- runbook: start one ---- */

static void runbook_exec(struct action_run *run)
{
	struct runbook_session *s = session(run);
	const char *name = actions_run_args(run)->text, *alert = "";
	char err[300];

	if (!s)
		return;
	while (name && *name == ' ')
		name++;
	if (!name || !*name) {
		name = runbook_session_offer(s, &alert);
		if (!name) {
			actions_finish_line(run, ACTION_REFUSED, EXIT_REFUSED, "no firing alert names one of our runbooks: "
			                    ":runbook NAME starts one (warroom runbook list shows them)");
			return;
		}
	}
	if (runbook_session_start(s, name, err, sizeof err) != 0) {
		actions_finish_line(run, ACTION_REFUSED, EXIT_REFUSED, "%s", err);
		return;
	}
	actions_finish_line(run, ACTION_OK, EXIT_OK, "runbook %s started%s%s", runbook_session_runbook(s)->name,
	                    *alert ? " for " : "", alert);
}

/* ---- runbook-step: show, confirm, run ---- */

struct step_state {
	struct runbook_session *s;
	size_t item;
	bool running;
};

static void step_prepare(struct action_run *run)
{
	struct runbook_session *s = session(run);
	struct action_question q = { 0 };
	const struct runbook *rb;
	const struct runbook_item *it;
	const struct runbook_item_state *st;
	struct step_state *ss;
	size_t item;
	char err[400], vars[32][256], *command;
	size_t nv;

	if (!s)
		return;
	item = resolve(s, item_arg(actions_run_args(run)->text, NULL), is_command);
	if (runbook_session_can_run(s, &item, err, sizeof err) != 0) {
		actions_finish_line(run, ACTION_REFUSED, EXIT_REFUSED, "%s", err);
		return;
	}
	rb = runbook_session_runbook(s);
	it = &rb->items[item];
	if (it->kind == RB_ACTION) {
		actions_finish_line(run, ACTION_REFUSED, EXIT_REFUSED, "line %d is the warroom action \"%s\": the console "
		                    "runs it as its own action ({runbook-step} on it)", it->line, it->text);
		return;
	}
	st = runbook_session_item(s, item);
	command = runbook_session_command(s, item);
	if (!command) {
		actions_finish_line(run, ACTION_FAILED, EXIT_FAILED, "out of memory");
		return;
	}
	snprintf(q.title, sizeof q.title, "%s %s step %zu: %s", rb->title, st->state == RBS_PENDING ? "-" : "- retry,",
	         it->step + 1, rb->steps[it->step].title);
	snprintf(q.question, sizeof q.question, it->remote ? "Run this command on the bastion?" : "Run this command?");
	/* the command exactly as it runs, line by line */
	for (const char *p = command; *p;) {
		const char *nl = strchr(p, '\n');
		int n = nl ? (int)(nl - p) : (int)strlen(p);

		actions_question_line(&q, AROLE_ACCENT, "%s %.*s", p == command ? "$" : " ", n, p);
		p = nl ? nl + 1 : p + n;
	}
	actions_question_line(&q, AROLE_STALE, "sh -c%s, as written in %s.md line %d%s", it->remote ?
	                      " on the bastion" : "", rb->name, it->line, it->nph ?
	                      ", each placeholder a variable of its environment" : "");
	if (it->choice && !runbook_session_chosen(s, it->choice - 1)) {
		char name[160];

		for (int k = 1; k <= rb->choices[it->choice - 1].nopts; k++) {
			runbook_option_name(rb, it->choice - 1, k, name, sizeof name);
			actions_question_line(&q, k == it->alt ? AROLE_WARN : AROLE_STALE, "%s %s", k == it->alt ?
			                      "chooses" : "skips", name);
		}
	}
	if (st->state != RBS_PENDING && st->reason[0])
		actions_question_line(&q, AROLE_WARN, "last run: %s", st->reason);
	/* the variables it uses, as the environment gives them */
	nv = runbook_session_vars(s, vars, 32);
	for (size_t i = 0; i < nv; i++) {
		char name[64];
		const char *eq = strchr(vars[i], '=');
		char ref1[70], ref2[72];

		snprintf(name, sizeof name, "%.*s", (int)(eq ? eq - vars[i] : 0), vars[i]);
		snprintf(ref1, sizeof ref1, "$%s", name);
		snprintf(ref2, sizeof ref2, "${%s", name);
		if (name[0] && (strstr(command, ref1) || strstr(command, ref2)))
			actions_question_line(&q, AROLE_STALE, "env %s", vars[i]);
	}
	free(command);
	ss = calloc(1, sizeof *ss);
	if (!ss) {
		actions_finish_line(run, ACTION_FAILED, EXIT_FAILED, "out of memory");
		return;
	}
	ss->s = s;
	ss->item = item;
	actions_run_set_state(run, ss);
	actions_propose(run, &q);
}

static void step_done(void *arg, size_t item, const struct runbook_item_state *st, const char *summary)
{
	struct action_run *run = arg;
	struct step_state *ss = actions_run_state(run);

	ss->running = false;
	actions_run_set_state(run, NULL);
	free(ss);
	if (st->state == RBS_DONE)
		actions_finish_line(run, ACTION_OK, EXIT_OK, "%s", summary);
	else
		actions_finish_line(run, ACTION_FAILED, EXIT_FAILED, "%s", summary);
}

static void step_exec(struct action_run *run)
{
	struct step_state *ss = actions_run_state(run);
	char err[400];

	if (!ss) {
		actions_finish_line(run, ACTION_FAILED, EXIT_FAILED, "lost the step to run");
		return;
	}
	if (runbook_session_run(ss->s, ss->item, step_done, run, err, sizeof err) != 0) {
		actions_run_set_state(run, NULL);
		free(ss);
		actions_finish_line(run, ACTION_REFUSED, EXIT_REFUSED, "%s", err);
		return;
	}
	ss->running = true;
}

static void step_cancel(struct action_run *run)
{
	struct step_state *ss = actions_run_state(run);

	if (!ss)
		return;
	if (ss->running)
		runbook_session_cancel(ss->s);
	actions_run_set_state(run, NULL);
	free(ss);
}

/* ---- marks ---- */

static void mark(struct action_run *run, enum runbook_state state, bool (*fits)(const struct runbook_item *))
{
	struct runbook_session *s = session(run);
	const char *reason = NULL;
	const struct runbook_item_state *st;
	char summary[300];
	size_t item;

	if (!s)
		return;
	if (!runbook_session_runbook(s)) {
		actions_finish_line(run, ACTION_REFUSED, EXIT_REFUSED, "no runbook is running: {runbook} starts the "
		                    "one for the alert, :runbook NAME another");
		return;
	}
	item = item_arg(actions_run_args(run)->text, state == RBS_SKIPPED ? &reason : NULL);
	item = resolve(s, item, fits);
	if (item == SIZE_MAX) {
		actions_finish_line(run, ACTION_REFUSED, EXIT_REFUSED, state == RBS_DONE && fits == is_check ?
		                    "no check to tick here" : "nothing left to mark in this runbook");
		return;
	}
	st = runbook_session_item(s, item);
	if (fits == is_check) {
		const struct runbook *rb = runbook_session_runbook(s);

		if (item >= rb->nitems || rb->items[item].kind != RB_CHECK) {
			actions_finish_line(run, ACTION_REFUSED, EXIT_REFUSED, "that line is not a check");
			return;
		}
		state = st && st->state == RBS_DONE ? RBS_PENDING : RBS_DONE;   /* a tick toggles */
	}
	if (runbook_session_mark(s, item, state, reason, summary, sizeof summary) != 0) {
		actions_finish_line(run, ACTION_REFUSED, EXIT_REFUSED, "%s", summary);
		return;
	}
	actions_finish_line(run, ACTION_OK, EXIT_OK, "%s", summary);
}

static void check_exec(struct action_run *run)
{
	mark(run, RBS_DONE, is_check);
}

static void done_exec(struct action_run *run)
{
	mark(run, RBS_DONE, any_item);
}

static void skip_exec(struct action_run *run)
{
	mark(run, RBS_SKIPPED, any_item);
}

/* ---- choices and values ---- */

/* "#12": that line's option; "2": option 2 of the choice at the cursor (or the next one to make). */
static void pick_exec(struct action_run *run)
{
	struct runbook_session *s = session(run);
	const char *arg = actions_run_args(run)->text, *p;
	const struct runbook *rb;
	size_t item = SIZE_MAX, c, next;
	char summary[400];

	if (!s)
		return;
	rb = runbook_session_runbook(s);
	if (!rb) {
		actions_finish_line(run, ACTION_REFUSED, EXIT_REFUSED, "no runbook is running");
		return;
	}
	p = arg ? arg : "";
	while (*p == ' ')
		p++;
	c = runbook_session_cursor(s);
	if (*p == '#') {
		item = item_arg(p, NULL);
	} else if (c < rb->nitems && rb->items[c].choice && !*p) {
		item = c;
	} else {
		size_t ch = c < rb->nitems && rb->items[c].choice ? rb->items[c].choice : 0;
		long k = *p ? strtol(p, NULL, 10) : 0;

		if (!ch && runbook_session_next_item(s, &next) && next < rb->nitems)
			ch = rb->items[next].choice;
		if (!ch) {
			actions_finish_line(run, ACTION_REFUSED, EXIT_REFUSED, "no choice here: move to an option first");
			return;
		}
		if (k < 1 || k > rb->choices[ch - 1].nopts) {
			actions_finish_line(run, ACTION_REFUSED, EXIT_REFUSED, "which option? 1 to %d (:runbook-pick 2)",
			                    rb->choices[ch - 1].nopts);
			return;
		}
		for (size_t i = rb->choices[ch - 1].first; i < rb->choices[ch - 1].end && item == SIZE_MAX; i++)
			if (rb->items[i].alt == (int)k)
				item = i;
	}
	if (runbook_session_choose(s, item, summary, sizeof summary) != 0) {
		actions_finish_line(run, ACTION_REFUSED, EXIT_REFUSED, "%s", summary);
		return;
	}
	actions_finish_line(run, ACTION_OK, EXIT_OK, "%s", summary);
}

/* "<pod-name>=web-1", one a line; a leading "#12" names the command they are for. */
static void fill_exec(struct action_run *run)
{
	struct runbook_session *s = session(run);
	const char *text = actions_run_args(run)->text;
	char summary[400];

	if (!s)
		return;
	if (text && *text == '#')
		text += strcspn(text, " \n");
	while (text && (*text == ' ' || *text == '\n'))
		text++;
	if (runbook_session_set_values(s, text, summary, sizeof summary) != 0) {
		actions_finish_line(run, ACTION_REFUSED, EXIT_REFUSED, "%s", summary);
		return;
	}
	actions_finish_line(run, ACTION_OK, EXIT_OK, "%s", summary);
}

const struct action_exec actions_exec_runbook = { .exec = runbook_exec };
const struct action_exec actions_exec_runbook_step = { .prepare = step_prepare, .exec = step_exec,
                                                       .cancel = step_cancel };
const struct action_exec actions_exec_runbook_check = { .exec = check_exec };
const struct action_exec actions_exec_runbook_done = { .exec = done_exec };
const struct action_exec actions_exec_runbook_skip = { .exec = skip_exec };
const struct action_exec actions_exec_runbook_pick = { .exec = pick_exec };
const struct action_exec actions_exec_runbook_fill = { .exec = fill_exec };
