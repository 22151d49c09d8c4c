/* app — the full-screen console: the loop, the views, the key map. */
#ifndef WARROOM_APP_H
#define WARROOM_APP_H

struct config;
struct model;
struct sources;
struct timeline;

/* Runs until the operator quits or a terminating signal arrives; the terminal
 * is restored on every path. tl may be NULL (tl_error says why). */
int app_run(const struct config *cfg, struct timeline *tl, const char *tl_error);

void app_message_clear(void);
/* The bastion's questions as dialogs (tui/bastion.c); ssh may be NULL. */
struct ssh;
void app_bastion_ui(struct ssh *ssh);

#endif
