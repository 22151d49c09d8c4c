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

/* The rollback flow (tui/app_rollback.c). Its dialogs carry these tags; the
 * app hands a confirmed one back through app_rollback_confirmed(). */
enum { APP_TAG_ROLLBACK = 100, APP_TAG_SWITCH_BACK = 101 };
void app_rollback_bind(struct sources *s, struct model *m, const struct config *cfg);
void app_rollback_start(const char *strategy);   /* NULL: auto */
void app_rollback_confirmed(int tag);
void app_rollback_cancel(void);
void app_message_clear(void);

#endif
