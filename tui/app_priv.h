/* app_priv — the console's one state, owned by tui/app.c (the loop, the
 * windows, painting) and lent to tui/app_actions.c below it (the console as
 * a front-end of the action layer: its questions as dialogs, its progress
 * and outcomes as messages, the `:` line and the keys that start actions). */
#ifndef WARROOM_APP_PRIV_H
#define WARROOM_APP_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "warroom/actions.h"
#include "warroom/model.h"
#include "warroom/sources.h"
#include "warroom/tui.h"

enum { PAINT_STATUS = 1, PAINT_BODY = 2, PAINT_FOOT = 4, PAINT_ALL = 7 };

struct app {
	struct loop *loop;
	struct model model;
	const struct config *cfg;
	WINDOW *w_status, *w_body, *w_foot;
	size_t shown;                 /* the view painted last (an index of views_all) */
	bool said_nowatch;            /* the credentials may not watch: said once on the message line */
	struct sources sources;
	struct actions *actions;      /* every action runs here: see core/actions/actions.c */
	struct incident_watch *watchers;  /* core/incident/incident_watch.c: what follows the model without a screen */
	struct runbook_session *runbook;   /* core/runbook/runbook_run.c: the runbook being walked */
	bool msg_shown;               /* a message is painted: the foot repaints once it expires */
	char banner[300];             /* the deployment window's recommendation, as painted */
	char tl_banner[160];          /* writes the disk refused, as painted */
	struct deploy_core *deploy;
	struct logs *logs;            /* core/logs/: pod logs and Events, the diagnose view's */
	char pending_title[256];
	unsigned paint;
	bool resized, quit;
	bool out_waiting;     /* a frame is still going to the terminal */
	int64_t last_clock_s;
	int exit_code;
};

/* ---- tui/app_actions.c ---- */

/* Lends it the console's state, and gives the views (through ui.h) its way
 * to run an action and to open a view. */
void app_actions_attach(struct app *a);
void app_quit(int code);
/* A key's or the `:` line's action: what the console asks first (a title,
 * a SEV, a note), then the action layer's run. arg: the `:` line's words. */
void app_key_action(enum action_id id, const char *arg);

#endif
