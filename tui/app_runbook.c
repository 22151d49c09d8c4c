/* The runbook's keys in the console: what the runbook's actions (run, tick,
 * done, skip, stop) act on (the cursor's line or the next one), a reason
 * asked for a skip, and a warroom line started as the native action it
 * names, with its own question. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "warroom/actions.h"
#include "app.h"
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

/* ---- the placeholder form ---- */

static struct {
	size_t item;
	bool run;                 /* the run key opened it: the command is proposed once the values are in */
	const struct dialog *d;   /* while the preview is drawn */
} F;

static const char *form_value(const char *var, void *arg)
{
	const struct dialog *d = arg;
	const struct runbook *rb = runbook_session_runbook(R.s);

	for (int i = 0; rb && i < d->nfields; i++)
		if (!strcmp(d->fields[i].key, var))
			return d->fields[i].secret && d->fields[i].value[0] ? "(hidden)" : d->fields[i].value;
	return NULL;
}

/* The body: the command with the values typed so far, as it will run. */
static void form_update(struct dialog *d, void *arg)
{
	const struct runbook *rb = runbook_session_runbook(R.s);
	char *preview = rb ? runbook_command_preview(rb, F.item, form_value, d) : NULL;
	size_t filled = 0;

	d->nlines = 0;
	dialog_add_line(d, ROLE_STALE, "The command as it will run:");
	for (const char *p = preview ? preview : ""; *p;) {
		const char *nl = strchr(p, '\n');
		int n = nl ? (int)(nl - p) : (int)strlen(p);

		dialog_add_line(d, ROLE_ACCENT, "%s %.*s", p == preview ? "$" : " ", n, p);
		p = nl ? nl + 1 : p + n;
	}
	free(preview);
	for (int i = 0; i < d->nfields; i++)
		filled += d->fields[i].value[0] != '\0';
	dialog_add_line(d, ROLE_STALE, "%zu of %d filled; each value reaches the command as an environment "
	                "variable, never as shell text", filled, d->nfields);
}

static void on_form(const struct dialog *d, enum dialog_result r, void *arg)
{
	char text[DIALOG_FIELDS * 330 + 32], num[32];
	size_t o;

	if (r != DIALOG_YES)
		return;
	o = (size_t)snprintf(text, sizeof text, "#%zu", F.item + 1);
	for (int i = 0; i < d->nfields && o < sizeof text; i++)
		o += (size_t)snprintf(text + o, sizeof text - o, "\n%s=%s", d->fields[i].key,
		                      d->fields[i].value);
	start(ACTION_RUNBOOK_FILL, text);
	explicit_bzero(text, sizeof text);
	if (F.run) {
		snprintf(num, sizeof num, "#%zu", F.item + 1);
		start(ACTION_RUNBOOK_STEP, num);
	}
}

/* A field for each placeholder the operator fills (not those the console's
 * variables or the environment give), with what it holds now and the
 * incident's variables offered; false when the command has none. */
static bool open_form(size_t item, bool run)
{
	const struct runbook *rb = runbook_session_runbook(R.s);
	const struct runbook_item *it = rb && item < rb->nitems ? &rb->items[item] : NULL;
	const struct runbook_placeholder *miss[DIALOG_FIELDS];
	size_t nmiss = it ? runbook_session_missing(R.s, item, miss, DIALOG_FIELDS) : 0;
	struct dialog d;
	char title[128];

	if (!it || it->kind != RB_COMMAND || !it->nph)
		return false;
	F.item = item;
	F.run = run;
	snprintf(title, sizeof title, "Values for line %d of %s.md", it->line, rb->name);
	dialog_form(&d, title, form_update, on_form, NULL);
	for (size_t k = it->first_ph; k < it->first_ph + it->nph; k++) {
		const struct runbook_placeholder *p = &rb->placeholders[k];
		char now[256], offers[DIALOG_OFFERS][256];
		size_t exact, n;
		bool ask = false, dup = false;
		struct dialog_field *f;

		for (size_t j = 0; j < nmiss && j < DIALOG_FIELDS; j++)
			ask |= miss[j] == p || !strcmp(miss[j]->var, p->var);
		runbook_session_value(R.s, p, now, sizeof now);
		for (int j = 0; j < d.nfields; j++)
			dup |= !strcmp(d.fields[j].key, p->var);
		if ((!ask && !now[0]) || dup)
			continue;   /* the console gives it */
		n = runbook_session_offers(R.s, p, offers, DIALOG_OFFERS, &exact);
		f = dialog_add_field(&d, p->text, now);
		if (!f)
			break;
		f->secret = runbook_placeholder_secret(p);
		for (size_t j = 0; j < n; j++)
			memcpy(f->offers[j], offers[j], sizeof offers[j]);
		f->noffers = (int)n;
		snprintf(f->key, sizeof f->key, "%s", p->var);   /* the variable it is given as */
		if (!now[0] && exact) {
			const char *eq = strchr(offers[0], '=');

			snprintf(f->value, sizeof f->value, "%s", eq ? eq + 1 : "");
			f->cursor = strlen(f->value);
			f->offer = 0;
		}
	}
	if (!d.nfields)
		return false;
	form_update(&d, NULL);
	d.id = item;
	ui_dialog(&d);
	return true;
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
	/* a template asks for its values first, then proposes the command */
	if (rb->items[item].kind == RB_COMMAND && runbook_session_missing(R.s, item, NULL, 0) &&
	    open_form(item, true))
		return;
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
	case ACTION_RUNBOOK_FILL:
		item = runbook_session_cursor(R.s);
		if (arg || !rb || item >= rb->nitems) {
			start(id, arg);
		} else if (!open_form(item, false) && !(runbook_session_next_item(R.s, &item) && open_form(item, false))) {
			ui_message(ROLE_NORMAL, "no placeholder to fill here: a command with <pod-name>, /path/to/x, "
			           "YOUR_X or an unset $VAR has");
		}
		break;
	case ACTION_RUNBOOK_PICK:
		item = runbook_session_cursor(R.s);
		if (!arg && rb && item < rb->nitems && rb->items[item].choice) {
			snprintf(num, sizeof num, "#%zu", item + 1);
			arg = num;
		}
		start(id, arg);
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

