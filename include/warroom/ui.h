/* ui — what a view may ask of the console: a line in the message row, one
 * modal dialog, an action of the table run. It sits below the views and
 * knows none of them: the console (tui/app.c) draws the message and the
 * dialog from here and, through ui_attach, says how an action runs (a view
 * opens another with the `view` action). Implemented in tui/ui.c. */
#ifndef WARROOM_UI_H
#define WARROOM_UI_H

#include <stdbool.h>
#include <stdint.h>
#include <curses.h>

#include "warroom/actions.h"
#include "warroom/tui.h"
#include "warroom/widgets.h"

/* A message for the bottom row: 4 s, 8 s when critical. */
void ui_message(enum tui_role role, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void ui_message_clear(void);
/* Shows d; a dialog it replaces is answered no, so nothing waits on it forever. */
void ui_dialog(const struct dialog *d);
/* Runs an action of the table with its text argument, as `:NAME TEXT` does. */
void ui_run_action(enum action_id id, const char *text);

/* ---- for the console ---- */

struct ui_shell {
	void (*run_action)(enum action_id id, const char *text, void *arg);
	void *arg;
};

void ui_attach(const struct ui_shell *shell);
/* The message in force at now (the loop's clock, ms) and its role; NULL once
 * it has expired or was cleared. */
const char *ui_message_at(int64_t now, enum tui_role *role);
/* Feeds a key to the dialog; false when none is shown (the key is the view's). */
bool ui_dialog_key(int key);
void ui_dialog_draw(WINDOW *w);

/* What changed since the last call, for the console's painting. */
enum { UI_FOOT = 1, UI_BODY = 2 };
unsigned ui_changes(void);

#endif
