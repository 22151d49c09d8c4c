/* What views may ask of the console: the message row, the one modal dialog,
 * running an action, opening a view by name. The state of the message and
 * of the dialog lives here; the console paints them and supplies the rest. */
#include <stdarg.h>
#include <stdio.h>

#include "warroom/loop.h"
#include "warroom/ui.h"

static struct {
	struct ui_shell shell;
	char msg[256];
	enum tui_role msg_role;
	int64_t msg_until;
	struct dialog dialog;
	unsigned changes;
} U;

void ui_attach(const struct ui_shell *shell)
{
	U.shell = *shell;
}

void ui_message(enum tui_role role, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(U.msg, sizeof U.msg, fmt, ap);
	va_end(ap);
	U.msg_role = role;
	U.msg_until = loop_now_ms() + (role == ROLE_CRIT ? 8000 : 4000);
	U.changes |= UI_FOOT;
}

void ui_message_clear(void)
{
	U.msg[0] = '\0';
	U.changes |= UI_FOOT;
}

const char *ui_message_at(int64_t now, enum tui_role *role)
{
	if (!U.msg[0] || now >= U.msg_until)
		return NULL;
	if (role)
		*role = U.msg_role;
	return U.msg;
}

/* The dialog's callback may show the next dialog: it gets a copy, and the
 * copy is wiped after (a secret typed there goes with it). */
static void close_dialog(enum dialog_result r)
{
	struct dialog d = U.dialog;

	dialog_close(&U.dialog);
	U.changes |= UI_BODY;
	if (d.kind != DIALOG_NONE && d.fn)
		d.fn(&d, r, d.arg);
	dialog_close(&d);
}

void ui_dialog(const struct dialog *d)
{
	if (U.dialog.kind != DIALOG_NONE)
		close_dialog(DIALOG_NO);
	U.dialog = *d;
	U.changes |= UI_BODY;
}

bool ui_dialog_key(int key)
{
	enum dialog_result r;

	if (U.dialog.kind == DIALOG_NONE)
		return false;
	r = dialog_key(&U.dialog, key);
	if (r != DIALOG_OPEN)
		close_dialog(r);
	U.changes |= UI_BODY;
	return true;
}

void ui_dialog_draw(WINDOW *w)
{
	if (U.dialog.kind != DIALOG_NONE)
		dialog_draw(w, &U.dialog);
}

void ui_run_action(enum action_id id, const char *text)
{
	if (U.shell.run_action)
		U.shell.run_action(id, text, U.shell.arg);
}

unsigned ui_changes(void)
{
	unsigned c = U.changes;

	U.changes = 0;
	return c;
}
