/* runbook_lines — the runbook being walked as the lines the Runbook view
 * shows: phases and steps with their progress, commands, checks, text
 * wrapped to the width, folded sections closed or open, a choice's options,
 * a template's placeholders, and each step's numbered references. */
#ifndef WARROOM_VIEWS_RUNBOOK_LINES_H
#define WARROOM_VIEWS_RUNBOOK_LINES_H

#include <stdbool.h>
#include <stddef.h>

#include "warroom/runbook.h"
#include "warroom/tui.h"

struct rb_line {
	long item;              /* the item the line belongs to, -1 for a heading */
	enum tui_role role;
	int x;
	char *text;
	/* the item's own text on this row, for its links: bytes [from, to) of
	 * it, drawn from column tx; from == to when the row shows none */
	size_t from, to;
	int tx;
	const char *url;        /* a reference's row: its address */
};

struct rb_lines {
	struct rb_line *v;
	size_t n, cap;
};

/* Whether the operator opened section (an RB_DETAILS item). */
typedef bool (*rb_open_fn)(size_t section, void *arg);

void runbook_lines_build(struct rb_lines *l, const struct runbook_session *s, const struct runbook *rb,
                         int width, rb_open_fn open, void *arg);
void runbook_lines_free(struct rb_lines *l);

#endif
