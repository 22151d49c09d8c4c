/* view — one screen per file in views/, each exporting a view_ops table.
 * Views draw from the model only and receive actions, not raw keys; what
 * they may ask of the console is in ui.h, the keys to name in keymap.h.
 * Implemented by each file of views/; their registry is views.h. */
#ifndef WARROOM_VIEW_H
#define WARROOM_VIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <curses.h>

#include "warroom/actions.h"
#include "warroom/keymap.h"
#include "warroom/ui.h"
#include "warroom/widgets.h"

struct model;

enum view_reaction {
	VIEW_IGNORED = 0,   /* not for this view: the app handles it */
	VIEW_HANDLED = 1,
	VIEW_REDRAW  = 2,
};

/* Every hook gets the view's own state: state_size zeroed bytes the
 * registry allocates once and keeps while the console runs (NULL when 0). */
struct view_ops {
	const char *name;      /* "overview": for `:view NAME` and the help */
	const char *title;     /* "Overview" */
	const char *about;     /* what it shows, for the help: "both slots and their pods" */
	int key;               /* the number key that opens it: '1' */
	size_t state_size;
	unsigned redraw_on;    /* model dirty bits that repaint this view */
	void (*open)(void *state, struct model *m);
	void (*close)(void *state);
	/* Draws into w's region (0,0)-(h,width). */
	void (*draw)(void *state, WINDOW *w, int h, int width, const struct model *m);
	/* page: rows a page-move covers in the current layout. */
	int (*on_key)(void *state, struct model *m, enum action_id action, int key, int page);
};

#endif
