/* views — the registry of the views (views/views.c), above every view:
 * their order, their state, which one is shown. Only the console's shell
 * (tui/app*.c, `warroom keys`) uses it; a view never names another. */
#ifndef WARROOM_VIEWS_H
#define WARROOM_VIEWS_H

#include <stddef.h>

#include "warroom/view.h"

struct model;

/* The registered views, in the order Tab reaches them. */
const struct view_ops *const *views_all(size_t *n);
/* Allocates every view's state; 0, or -1 when out of memory. */
int views_init(void);
void views_free(void);
/* The state of view idx (of views_all), NULL when it has none. */
void *views_state(size_t idx);
/* Index of the view named name, or of the one its number opens given as
 * text ("2"); -1 when none. */
int views_by_name(const char *name);

/* The view shown (an index of views_all), and the one before it. */
size_t views_current(void);
size_t views_previous(void);
/* Shows view idx: the shown one closes, idx opens with m. */
void views_show(size_t idx, struct model *m);

#endif
