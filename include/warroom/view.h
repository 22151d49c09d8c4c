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

/* The registered views, in the order Tab reaches them. */
const struct view_ops *const *views_all(size_t *n);
/* Allocates every view's state; 0, or -1 when out of memory. */
int views_init(void);
void views_free(void);
/* The state of view idx (of views_all), NULL when it has none. */
void *views_state(size_t idx);
/* Index of the view a number key opens, or of a view named name (or its
 * number given as text: "2"); -1 when none. */
int views_by_key(int key);
int views_by_name(const char *name);

/* What views may ask of the app. */
void app_message(enum tui_role role, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void app_show_dialog(const struct dialog *d);
/* Runs an action of the table with its text argument, as `:NAME TEXT` does. */
void app_run_action(enum action_id id, const char *text);

/* Colour role of a timeline event kind (shared by the views that list events). */
enum tui_role timeline_kind_role(const char *kind);

extern const struct view_ops overview_view;
extern const struct view_ops slots_view;
extern const struct view_ops timeline_view;
extern const struct view_ops deploy_view;
extern const struct view_ops help_view;
extern const struct view_ops alerts_view;
extern const struct view_ops runbook_view;
extern const struct view_ops metrics_view;

/* The slot model in a few lines (a line per slot, traffic, phase, warnings),
 * for a panel of another view: rows y..y+h-1, columns x..x+width-1. */
void slots_view_summary(WINDOW *w, int y, int x, int h, int width, const struct model *m);
/* Rows the summary needs at width to show every line whole. */
int slots_view_summary_rows(int width, const struct model *m);
/* For a narrow terminal: the slot serving traffic and the health in one row,
 * then the lines of the summary, in rows y..y+h-1. Returns the next free row. */
int slots_view_compact(WINDOW *w, int y, int x, int h, int width, const struct model *m);

#endif
