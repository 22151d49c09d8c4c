/* view — one screen per file in views/, each exporting a view_ops table.
 * Views draw from the model only and receive actions, not raw keys. */
#ifndef WARROOM_VIEW_H
#define WARROOM_VIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <curses.h>

#include "warroom/actions.h"
#include "warroom/widgets.h"

struct model;

enum view_reaction {
	VIEW_IGNORED = 0,   /* not for this view: the app handles it */
	VIEW_HANDLED = 1,
	VIEW_REDRAW  = 2,
};

struct view_ops {
	const char *name;      /* "overview": for `:view NAME` and the help */
	const char *title;     /* "Overview" */
	unsigned redraw_on;    /* model dirty bits that repaint this view */
	void (*open)(struct model *m);
	void (*close)(void);
	/* Draws into w's region (0,0)-(h,width). */
	void (*draw)(WINDOW *w, int h, int width, const struct model *m);
	/* page: rows a page-move covers in the current layout. */
	int (*key)(struct model *m, enum action_id action, int key, int page);
};

/* The registered views, in the order number keys reach them. */
const struct view_ops *const *views_all(size_t *n);

/* What views may ask of the app. */
void app_message(enum tui_role role, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void app_show_dialog(const struct dialog *d);

/* Colour role of a timeline event kind (shared by the views that list events). */
enum tui_role timeline_kind_role(const char *kind);

extern const struct view_ops overview_view;
extern const struct view_ops slots_view;
extern const struct view_ops timeline_view;
extern const struct view_ops help_view;

/* The slot model in a few lines (a line per slot, traffic, phase, warnings),
 * for a panel of another view: rows y..y+h-1, columns x..x+width-1. */
void slots_view_summary(WINDOW *w, int y, int x, int h, int width, const struct model *m);

#endif
