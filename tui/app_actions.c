/* The console as a front-end of the action layer: the layer's questions as
 * dialogs, its progress and outcomes as messages (the keys they name as
 * bound); the keys and the `:` line that start actions, with what the
 * console asks before (a title, a SEV, a note). The state is the console's,
 * lent by tui/app.c (app_priv.h); views are reached through the registry. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "warroom/actions.h"
#include "app.h"
#include "warroom/config.h"
#include "warroom/deploy.h"
#include "warroom/incident.h"
#include "warroom/keymap.h"
#include "warroom/loop.h"
#include "warroom/model.h"
#include "warroom/runbook.h"
#include "warroom/rollback.h"
#include "warroom/sources.h"
#include "warroom/timeline.h"
#include "warroom/tui.h"
#include "warroom/ui.h"
#include "warroom/views.h"
#include "warroom/widgets.h"

#include "app_priv.h"

static struct app *app;
#define A (*app)   /* the console's state, lent by app.c: read as app.c reads it */

static enum tui_role role_of(enum action_role r)
{
	switch (r) {
	case AROLE_ACCENT: return ROLE_ACCENT;
	case AROLE_OK: return ROLE_OK;
	case AROLE_WARN: return ROLE_WARN;
	case AROLE_CRIT: return ROLE_CRIT;
	case AROLE_STALE: return ROLE_STALE;
	default: return ROLE_NORMAL;
	}
}

/* The action layer's words, with the keys they name as bound here. */
static const char *words(const char *text, char *buf, size_t len)
{
	keymap_expand(text, buf, len);
	return buf;
}

static void on_question_closed(const struct dialog *d, enum dialog_result r, void *arg)
{
	actions_answer(A.actions, d->id, r == DIALOG_YES, "y in the console");
}

/* A question that wants its word typed: what was typed is the answer. */
static void on_typed_closed(const struct dialog *d, enum dialog_result r, void *arg)
{
	actions_answer_typed(A.actions, d->id, r == DIALOG_YES ? d->input : "", "typed in the console");
}

static void ui_ask(uint64_t run, const struct action_question *q, void *arg)
{
	struct dialog d;
	char title[sizeof q->title], question[sizeof q->question], line[ACTION_LINE], prompt[160];

	ui_message_clear();
	if (q->typed[0]) {
		/* y is not an answer here: the version (or slot) must be typed */
		snprintf(prompt, sizeof prompt, "%s Type %s:", words(q->question, question, sizeof question), q->typed);
		dialog_input(&d, words(q->title, title, sizeof title), prompt, "", on_typed_closed, NULL);
		d.danger = true;
	} else {
		dialog_confirm(&d, words(q->title, title, sizeof title), words(q->question, question, sizeof question),
		               q->danger, on_question_closed, NULL);
	}
	d.id = run;
	for (size_t i = 0; i < q->nlines; i++) {
		words(q->lines[i].text, line, sizeof line);
		if (q->lines[i].role == AROLE_WARN)
			dialog_add_line(&d, ROLE_WARN, "%s %s", tui_glyph(G_WARN), line);
		else
			dialog_add_line(&d, role_of(q->lines[i].role), "%s", line);
	}
	ui_dialog(&d);
}

static void ui_progress(uint64_t run, enum action_role role, const char *text, void *arg)
{
	char line[ACTION_LINE];

	ui_message(role_of(role), "%s", words(text, line, sizeof line));
}

static void ui_done(const struct action_result *res, void *arg)
{
	const struct action *a = actions_get(res->id);
	struct dialog d;
	char summary[ACTION_LINE], line[ACTION_LINE], title[sizeof res->title];

	words(res->summary, summary, sizeof summary);
	model_sync_timeline(&A.model);
	runbook_session_action_done(A.runbook, res);
	if (res->outcome == ACTION_OK && a && (a->flags & ACT_MUTATES))
		sources_refresh(&A.sources);
	if (res->nlines) {
		bool said = false;   /* the summary is among the lines: not twice */

		dialog_info(&d, res->title[0] ? words(res->title, title, sizeof title) : a ? a->help : "");
		for (size_t i = 0; i < res->nlines; i++) {
			dialog_add_line(&d, role_of(res->lines[i].role), "%s",
			                words(res->lines[i].text, line, sizeof line));
			said = said || strcmp(res->lines[i].text, res->summary) == 0;
		}
		if (!said)
			dialog_add_line(&d, res->outcome == ACTION_OK ? ROLE_OK : ROLE_CRIT, "%s", summary);
		ui_dialog(&d);
	}
	switch (res->outcome) {
	case ACTION_OK: ui_message(ROLE_OK, "%s", summary); break;
	case ACTION_DECLINED: case ACTION_CANCELLED: ui_message(ROLE_WARN, "%s", summary); break;
	default: ui_message(ROLE_CRIT, "%s", summary);
	}
	A.paint |= PAINT_ALL;
}

static const struct action_ui console_ui = { .ask = ui_ask, .progress = ui_progress, .done = ui_done };

static void start(enum action_id id, const char *text, int sev)
{
	struct action_args args = { .text = text, .sev = sev };

	actions_run(A.actions, id, &args, &console_ui);
}

static int parse_sev(const char *s)
{
	while (*s == ' ')
		s++;
	if ((s[0] == 'S' || s[0] == 's') && (s[1] == 'E' || s[1] == 'e') && (s[2] == 'V' || s[2] == 'v'))
		s += 3 + (s[3] == '-');
	return (s[0] >= '1' && s[0] <= '4' && (s[1] == '\0' || s[1] == ' ')) ? s[0] - '0' : 0;
}

/* "2 reason words" -> the reason */
static const char *after_sev(const char *s)
{
	while (*s == ' ')
		s++;
	while (*s && *s != ' ')
		s++;
	while (*s == ' ')
		s++;
	return s;
}

static void ask_input(const char *title, const char *prompt, const char *initial, dialog_fn fn)
{
	struct dialog d;

	dialog_input(&d, title, prompt, initial, fn, NULL);
	ui_dialog(&d);
}

static void run_command(const char *line);

static void on_command(const struct dialog *d, enum dialog_result r, void *arg)
{
	if (r == DIALOG_YES)
		run_command(d->input);
}

static void on_note(const struct dialog *d, enum dialog_result r, void *arg)
{
	if (r == DIALOG_YES)
		start(ACTION_NOTE, d->input, 0);
}

static void on_checklist_item(const struct dialog *d, enum dialog_result r, void *arg)
{
	if (r == DIALOG_YES)
		start(ACTION_TICK, d->input, 0);
}

static void on_incident_sev(const struct dialog *d, enum dialog_result r, void *arg)
{
	if (r == DIALOG_YES)
		start(ACTION_INCIDENT, A.pending_title, parse_sev(d->input));
}

/* The declare dialog starts on the SEV the signals suggest, and says why;
 * without a suggestion, on SEV-2. The operator decides. */
static void ask_sev(void)
{
	const struct model_suggestion *s = &A.model.suggest;
	struct dialog d;
	char initial[4];

	snprintf(initial, sizeof initial, "%d", s->sev ? s->sev : 2);
	dialog_input(&d, "Declare incident", "SEV (1-4, if unsure the higher):", initial, on_incident_sev, NULL);
	dialog_add_line(&d, ROLE_NORMAL, "%s", A.pending_title);
	if (s->sev)
		dialog_add_line(&d, tui_sev_role(s->sev), "suggested SEV-%d: %s", s->sev, s->reason);
	else
		dialog_add_line(&d, ROLE_STALE, "the signals suggest no SEV: choose by the runbook's table");
	ui_dialog(&d);
}

static void on_incident_title(const struct dialog *d, enum dialog_result r, void *arg)
{
	if (r != DIALOG_YES)
		return;
	if (!d->input[0]) {
		ui_message(ROLE_WARN, "an incident needs a title: nothing declared");
		return;
	}
	snprintf(A.pending_title, sizeof A.pending_title, "%s", d->input);
	ask_sev();
}

static void on_status(const struct dialog *d, enum dialog_result r, void *arg)
{
	if (r == DIALOG_YES)
		start(ACTION_STATUS, d->input, 0);
}

static void on_role(const struct dialog *d, enum dialog_result r, void *arg)
{
	if (r == DIALOG_YES)
		start(ACTION_ROLE, d->input, 0);
}

static void on_sev(const struct dialog *d, enum dialog_result r, void *arg)
{
	if (r == DIALOG_YES)
		app_key_action(ACTION_SEV, d->input);
}

static void show(size_t idx)
{
	views_show(idx, &A.model);
}

static size_t view_named(const char *name)
{
	int idx = views_by_name(name);

	return idx >= 0 ? (size_t)idx : 0;
}

/* `:view NAME` or `:view 2`: the registry knows the names and keys. */
static void open_view_named(const char *name)
{
	int idx = views_by_name(name);

	if (idx >= 0)
		show((size_t)idx);
	else
		ui_message(ROLE_WARN, "no view \"%s\" (%s lists the views and their keys)", name ? name : "",
		           keymap_key_for(ACTION_HELP));
}

static void run_command(const char *line)
{
	char name[64];
	const char *arg;
	const struct action *a;
	size_t n = 0, nviews;
	const struct view_ops *const *views = views_all(&nviews);

	while (*line == ' ' || *line == ':')
		line++;
	while (line[n] && line[n] != ' ' && n + 1 < sizeof name) {
		name[n] = line[n];
		n++;
	}
	name[n] = '\0';
	arg = line + n;
	while (*arg == ' ')
		arg++;
	if (!name[0])
		return;
	if (strcmp(name, "q") == 0 || strcmp(name, "q!") == 0 || strcmp(name, "quit") == 0) {
		app_quit(EXIT_OK);
		return;
	}
	/* `:NAME` of a view opens it: :timeline, :overview */
	for (size_t i = 0; i < nviews; i++)
		/* `:runbook NAME` is the action of that name: `:runbook` alone the view */
		if ((strcmp(views[i]->name, name) == 0 && !(*arg && actions_by_name(name))) ||
		    (strcmp(name, "view") == 0 && strcmp(views[i]->name, arg) == 0)) {
			show(i);
			return;
		}
	a = actions_by_name(name);
	if (!a) {
		ui_message(ROLE_CRIT, "unknown command \"%s\" (%s lists every action)", name,
		           keymap_key_for(ACTION_HELP));
		return;
	}
	if (*arg && !(a->flags & ACT_TAKES_ARG)) {
		ui_message(ROLE_WARN, "%s takes no argument", a->name);
		return;
	}
	app_key_action(a->id, *arg ? arg : NULL);
}

void app_key_action(enum action_id id, const char *arg)
{
	char why[256];
	const struct action *a = actions_get(id);
	size_t nviews, cur = views_current(), help = view_named("help");

	views_all(&nviews);
	/* Not to prompt for a title that would be refused, a refusal comes first;
	 * it is the action layer's own, so it is said and audited as any other. */
	if (a && a->exec->exec && !actions_check(actions_ctx(A.actions), id, why, sizeof why)) {
		start(id, arg, 0);
		return;
	}
	switch (id) {
	case ACTION_HELP:
		show(cur == help ? views_previous() : help);
		break;
	case ACTION_QUIT:
		if (cur != 0)
			show(cur == help ? views_previous() : 0);
		else
			app_quit(EXIT_OK);
		break;
	case ACTION_QUIT_NOW:
		app_quit(EXIT_OK);
		break;
	case ACTION_VIEW_NEXT:
		show((cur + 1) % nviews);
		break;
	case ACTION_VIEW_PREV:
		show((cur + nviews - 1) % nviews);
		break;
	case ACTION_VIEW:
		open_view_named(arg);
		break;
	case ACTION_COMMAND:
		ask_input("Command", ":", "", on_command);
		break;
	case ACTION_NOTE:
		if (arg)
			start(ACTION_NOTE, arg, 0);
		else
			ask_input("Note for the timeline", "Note:", "", on_note);
		break;
	case ACTION_INCIDENT:
		if (A.model.has_incident) {
			ui_message(ROLE_WARN, "INC-%lld is open (SEV-%d): change its SEV with %s",
			           (long long)A.model.incident.id, A.model.incident.sev,
			           keymap_key_for(ACTION_SEV));
		} else if (arg) {
			snprintf(A.pending_title, sizeof A.pending_title, "%s", arg);
			ask_sev();
		} else {
			ask_input("Declare incident", "Title:", "", on_incident_title);
		}
		break;
	case ACTION_SEV:
		if (arg) {
			start(ACTION_SEV, after_sev(arg), parse_sev(arg));
		} else {
			char sev[8];

			snprintf(sev, sizeof sev, "%d", A.model.incident.sev);
			ask_input("Change SEV", "SEV (1-4), then the reason:", sev, on_sev);
		}
		break;
	case ACTION_RESOLVE:
		start(ACTION_RESOLVE, NULL, 0);
		break;
	case ACTION_ACK:
		start(ACTION_ACK, NULL, 0);
		break;
	case ACTION_EXPORT:
		start(ACTION_EXPORT, arg, 0);
		break;
	case ACTION_STATUS:
		if (arg)
			start(ACTION_STATUS, arg, 0);
		else
			ask_input("Incident status", "investigating, contained or recovered (then why):",
			          strcmp(A.model.incident.status, "contained") == 0 ? "recovered" :
			          strcmp(A.model.incident.status, "recovered") == 0 ? "" : "contained", on_status);
		break;
	case ACTION_ROLE:
		if (arg)
			start(ACTION_ROLE, arg, 0);
		else
			ask_input("Hand a role over", "ic NAME or scribe NAME:", "scribe ", on_role);
		break;
	case ACTION_ROLLBACK:
		start(ACTION_ROLLBACK, arg, 0);
		break;
	case ACTION_SILENCE:
	case ACTION_EXPIRE:
		if (arg)
			start(id, arg, 0);
		else
			ui_message(ROLE_WARN, "%s: pick it in the alerts view (%s), or :%s %s", a->name,
			           keymap_view_key("alerts"), a->name,
			           id == ACTION_SILENCE ? "{alertname=\"X\"} 1h why" : "ID");
		break;
	case ACTION_PANE: case ACTION_SCOPE: case ACTION_CONTAINER: case ACTION_EXCLUDE: case ACTION_HIGHLIGHT:
	case ACTION_FOLLOW:
		ui_message(ROLE_WARN, "%s works in the diagnose view (%s)", a->name, keymap_view_key("diagnose"));
		break;
	case ACTION_PIN: case ACTION_LOGS: case ACTION_EVENTS:
		start(id, arg, 0);
		break;
	case ACTION_FILTER: case ACTION_KIND:
	case ACTION_ALERTS_LIST:
		ui_message(ROLE_WARN, "%s works in the alerts and timeline views (%s, %s)", a->name,
		           keymap_view_key("alerts"), keymap_view_key("timeline"));
		break;
	case ACTION_RUNBOOK: case ACTION_RUNBOOK_STEP: case ACTION_RUNBOOK_CHECK: case ACTION_RUNBOOK_DONE:
	case ACTION_RUNBOOK_SKIP: case ACTION_RUNBOOK_CANCEL: case ACTION_RUNBOOK_PICK: case ACTION_RUNBOOK_FILL:
		if (app_runbook_key(A.runbook, A.actions, &console_ui, id, arg, cur == view_named("runbook")))
			show(view_named("runbook"));
		break;
	case ACTION_SELECT:
		/* select on a runbook line: run it, tick it, or choose the option (a section opens in the view) */
		if (cur == view_named("runbook") && runbook_session_runbook(A.runbook)) {
			const struct runbook *rb = runbook_session_runbook(A.runbook);
			size_t c = runbook_session_cursor(A.runbook);
			enum runbook_kind k = c < rb->nitems ? rb->items[c].kind : RB_TEXT;

			app_runbook_key(A.runbook, A.actions, &console_ui, k == RB_CHECK ? ACTION_RUNBOOK_CHECK :
			                k == RB_OPTION ? ACTION_RUNBOOK_PICK : ACTION_RUNBOOK_STEP, NULL, true);
		}
		break;
	case ACTION_AUTOSYNC:
	case ACTION_CHECK:
	case ACTION_ABORT: case ACTION_UNDO: case ACTION_PROMOTE: case ACTION_PROMOTE_FULL: case ACTION_RETRY:
	case ACTION_HOLD:
		start(id, arg, 0);
		break;
	case ACTION_TICK:
		if (arg)
			start(ACTION_TICK, arg, 0);
		else
			ask_input("Pre-deployment checklist", "Item ticked (1-9):", "", on_checklist_item);
		break;
	case ACTION_REFRESH:
		model_sync_timeline(&A.model);
		sources_retry(&A.sources);
		ui_message(ROLE_NORMAL, "refreshing");
		break;
	case ACTION_REDRAW:
		clearok(curscr, TRUE);
		A.paint = PAINT_ALL;
		break;
	default:
		break;
	}
}

void app_quit(int code)
{
	A.quit = true;
	A.exit_code = code;
	loop_stop(A.loop);
}

/* What views ask of the console through ui.h. */
static void shell_run_action(enum action_id id, const char *text, void *arg)
{
	start(id, text, 0);
}

void app_actions_attach(struct app *a)
{
	const struct ui_shell shell = { .run_action = shell_run_action };

	app = a;
	ui_attach(&shell);
}
