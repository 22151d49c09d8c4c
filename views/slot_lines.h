/* slot_lines — the slot model in lines, as the Slots view and the
 * overview's panel both draw it: the slots' colours and health, the lines
 * under the slot rows (traffic, phase, staleness, warnings), and the
 * overview's summary of them. Below both views; private to views/. */
#ifndef WARROOM_SLOT_LINES_H
#define WARROOM_SLOT_LINES_H

#include <stdbool.h>
#include <stddef.h>

#include "warroom/model.h"
#include "warroom/slots.h"
#include "warroom/view.h"

#define SLOT_LINES_MAX (4 + SLOTS_MAX_WARNINGS)

struct slot_lines {
	char text[SLOT_LINES_MAX][320];
	enum tui_role role[SLOT_LINES_MAX];
	size_t n;
};

/* A slot's own colour: blue, green, or the accent for other names. */
enum tui_role slot_lines_role(const char *name);
enum tui_role slot_lines_health_role(enum slots_health h);
/* The data is stale: its last refresh failed, or Kubernetes is down. */
bool slot_lines_stale(const struct model *m, const struct slots_state *st);
/* "green" as "GREEN", within len. */
void slot_lines_upper(char *dst, size_t len, const char *src);
/* A slot's name as the rows show it: "GREEN"; an Argo Rollout's set by its
 * role, six columns at most (STABLE, CANARY, LIVE, NEW, OLD), its hash in
 * the lines under the rows. */
void slot_lines_name(char *dst, size_t len, const struct slots_slot *s);
/* Traffic, phase (or the rollback that explains it), staleness, warnings
 * (critical first). full: the Slots view's, which names the selector. */
void slot_lines_build(struct slot_lines *in, const struct model *m, const struct slots_state *st, bool full);
/* Draws them wrapped in rows y..last-1; what does not fit whole becomes one
 * "+N more" row ending in where. Returns the next free row. */
int slot_lines_draw(WINDOW *w, const struct slot_lines *in, int y, int last, int x, int width,
                    const char *where);

/* The overview's Slots panel: a line per slot, then the lines, in rows
 * y..y+h-1 and columns x..x+width-1. */
void slot_lines_summary(WINDOW *w, int y, int x, int h, int width, const struct model *m);
/* Rows the summary needs at width to show every line whole. */
int slot_lines_summary_rows(int width, const struct model *m);
/* For a narrow terminal: the slot serving traffic and the health in one row,
 * the standby (the rollback target) in one, then the lines, in rows
 * y..y+h-1. Returns the next free row. */
int slot_lines_compact(WINDOW *w, int y, int x, int h, int width, const struct model *m);

#endif
