/* The runbook's keys in the console: what the runbook's actions (run, tick,
 * done, skip, stop) act on (the cursor's line or the next one), a reason
 * asked for a skip, and a warroom line started as the native action it
 * names, with its own question. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "warroom/actions.h"
#include "warroom/app.h"
#include "warroom/runbook.h"
#include "warroom/tui.h"
#include "warroom/ui.h"
#include "warroom/widgets.h"

static struct {
	struct runbook_session *s;
	struct actions *q;
	const struct action_ui *ui;
} R;

static void start(enum action_id id, const char *text)
{
	struct action_args args = { .text = text };

	actions_run(R.q, id, &args, R.ui);
}

static void on_skip(const struct dialog *d, enum dialog_result r, void *arg)
{
	char text[300];

	if (r != DIALOG_YES)
		return;
	snprintf(text, sizeof text, "#%zu %s", (size_t)d->id + 1, d->input);
	start(ACTION_RUNBOOK_SKIP, text);
}

/* The cursor's line when it can be acted on, else the next one; SIZE_MAX none. */
static size_t runbook_target(bool (*fits)(const struct runbook_item *))
{
	const struct runbook *rb = runbook_session_runbook(R.s);
	size_t c = runbook_session_cursor(R.s), next;
	const struct runbook_item_state *st = runbook_session_item(R.s, c);

	if (!rb)
		return SIZE_MAX;
	if (c < rb->nitems && fits(&rb->items[c]) && st->state != RBS_DONE && st->state != RBS_SKIPPED)
		return c;
	if (runbook_session_next_item(R.s, &next) && fits(&rb->items[next]))
		return next;
	return SIZE_MAX;
}

static bool fits_run(const struct runbook_item *it)
{
	return it->kind == RB_COMMAND || it->kind == RB_ACTION;
}

static bool fits_any(const struct runbook_item *it)
{
	return runbook_item_actionable(it);
}

/* The run key: a command goes to runbook-step (shown, confirmed); a
 * warroom line starts that action itself, with its own question. */
static void runbook_run_key(const char *arg)
{
	const struct runbook *rb = runbook_session_runbook(R.s);
	size_t item = arg ? runbook_session_pick(R.s, arg) : runbook_target(fits_run);
	char num[32], name[32];
	const char *rest;

	if (!rb || item == SIZE_MAX || item >= rb->nitems) {
		start(ACTION_RUNBOOK_STEP, arg);   /* the action layer says why not */
		return;
	}
	if (rb->items[item].kind == RB_ACTION) {
		const struct action *a;

		runbook_action_split(&rb->items[item], name, sizeof name, &rest);
		a = actions_by_name(name);
		if (!a || !a->exec->exec) {
			ui_message(ROLE_WARN, "warroom %s is not available in this version: skipped", name);
			return;
		}
		struct action_args args = { .text = *rest ? rest : NULL };
		runbook_session_native_started(R.s, item, actions_run(R.q, a->id, &args, R.ui));
		return;
	}
	snprintf(num, sizeof num, "#%zu", item + 1);
	start(ACTION_RUNBOOK_STEP, num);
}

bool app_runbook_key(struct runbook_session *s, struct actions *q, const struct action_ui *ui, enum action_id id,
                     const char *arg, bool in_view)
{
	const struct runbook *rb;
	size_t item;
	char num[32];

	R.s = s;
	R.q = q;
	R.ui = ui;
	rb = runbook_session_runbook(s);
	switch (id) {
	case ACTION_RUNBOOK:
		start(ACTION_RUNBOOK, arg);
		return true;
	case ACTION_RUNBOOK_STEP:
		runbook_run_key(arg);
		break;
	case ACTION_RUNBOOK_CANCEL:
		if (actions_running(R.q, ACTION_RUNBOOK_STEP))
			actions_cancel(R.q, actions_running(R.q, ACTION_RUNBOOK_STEP));
		else
			ui_message(ROLE_NORMAL, "no runbook command is running");
		break;
	case ACTION_RUNBOOK_SKIP:
		if (arg || !rb) {
			start(id, arg);
			break;
		}
		item = runbook_target(fits_any);
		if (item == SIZE_MAX) {
			start(id, NULL);
			break;
		}
		{
			struct dialog d;

			dialog_input(&d, "Skip this runbook line", "Reason:", "", on_skip, NULL);
			d.id = item;
			ui_dialog(&d);
		}
		break;
	default:   /* check, done: the cursor's line when it is one to act on */
		if (!arg && in_view && rb && runbook_session_cursor(R.s) < rb->nitems &&
		    runbook_item_actionable(&rb->items[runbook_session_cursor(R.s)])) {
			snprintf(num, sizeof num, "#%zu", runbook_session_cursor(R.s) + 1);
			arg = num;
		}
		start(id, arg);
		break;
	}
	return false;
}

