/* app — private to tui/: the full-screen console for main.c (the loop, the
 * views, the key map; tui/app.c), the bastion's questions as dialogs
 * (tui/bastion.c) and the runbook keys (tui/app_runbook.c). */
#ifndef WARROOM_APP_H
#define WARROOM_APP_H

#include <stdbool.h>

#include "warroom/actions.h"

struct config;
struct model;
struct sources;
struct timeline;

/* Runs until the operator quits or a terminating signal arrives; the terminal
 * is restored on every path. tl may be NULL (tl_error says why). */
int app_run(const struct config *cfg, struct timeline *tl, const char *tl_error);

/* The bastion's questions as dialogs (tui/bastion.c); ssh may be NULL. */
struct ssh;
void app_bastion_ui(struct ssh *ssh);
/* A warning at start when a bastion is configured but carries nothing: no
 * endpoint marked via_bastion and no runbook step that runs on it. */
struct runbook_lib;
void app_bastion_unused(const struct config *cfg, const struct runbook_lib *lib);

/* A runbook key (tui/app_runbook.c): starts the action its line needs
 * through q with ui; in_view: the runbook view is open (its cursor counts).
 * true when the runbook view should open. */
struct runbook_session;
bool app_runbook_key(struct runbook_session *s, struct actions *q, const struct action_ui *ui, enum action_id id,
                     const char *arg, bool in_view);

#endif
