/* app_priv — the console's one state, shared by tui/app.c (the loop, the
 * windows, painting and keys) and tui/app_actions.c (the console as a
 * front-end of the action layer: its questions as dialogs, its progress and
 * outcomes as messages, the `:` line and the keys that start actions). */
#ifndef WARROOM_APP_PRIV_H
#define WARROOM_APP_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "warroom/actions.h"
#include "warroom/model.h"
#include "warroom/sources.h"
#include "warroom/tui.h"
#include "warroom/view.h"
#include "warroom/widgets.h"

enum { PAINT_STATUS = 1, PAINT_BODY = 2, PAINT_FOOT = 4, PAINT_ALL = 7 };

struct app {
	struct loop *loop;
	struct model model;
	const struct config *cfg;
	WINDOW *w_status, *w_body, *w_foot;
	const struct view_ops *const *views;
	size_t nviews, cur, back;
	struct dialog dialog;
	struct sources sources;
	struct actions *actions;      /* every action runs here: see core/actions/actions.c */
	struct incident_watch *watchers;  /* core/incident/incident_watch.c: what follows the model without a screen */
	struct runbook_session *runbook;   /* core/runbook/runbook_run.c: the runbook being walked */
	char msg[256];
	char banner[300];             /* the deployment window's recommendation, as painted */
	char tl_banner[160];          /* writes the disk refused, as painted */
	struct deploywatch_core *deploy;
	enum tui_role msg_role;
	int64_t msg_until;
	char pending_title[256];
	unsigned paint;
	bool resized, quit;
	bool out_waiting;     /* a frame is still going to the terminal */
	int64_t last_clock_s;
	int exit_code;
};

extern struct app app_state;
#define A app_state   /* one console per process: both files read it as A */

void app_open_view(size_t idx);
size_t app_view_index(const struct view_ops *v);
void app_quit(int code);
/* A key's or the `:` line's action: what the console asks first (a title,
 * a SEV, a note), then the action layer's run. arg: the `:` line's words. */
void app_key_action(enum action_id id, const char *arg);

#endif
