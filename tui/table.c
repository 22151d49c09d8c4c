/* Table widget: a header, rows from a cell callback, scrolling, selection. */
#include <string.h>

#include "warroom/actions.h"
#include "warroom/widgets.h"

static void clamp(struct table *t, int h)
{
	if (t->nrows == 0) {
		t->selected = t->top = 0;
		return;
	}
	if (t->selected >= t->nrows)
		t->selected = t->nrows - 1;
	if (h <= 0)
		return;
	if (t->selected < t->top)
		t->top = t->selected;
	if (t->selected >= t->top + (size_t)h)
		t->top = t->selected - (size_t)h + 1;
	if (t->top + (size_t)h > t->nrows)
		t->top = t->nrows > (size_t)h ? t->nrows - (size_t)h : 0;
}

void table_draw(WINDOW *w, int y, int x, int h, int width, struct table *t)
{
	int fixed = 0, flex = 0, body = h - 1;
	int widths[16];
	char cell[512];

	if (h < 1 || width < 4 || t->ncols == 0 || t->ncols > 16)
		return;
	for (size_t c = 0; c < t->ncols; c++) {
		if (t->cols[c].width)
			fixed += t->cols[c].width + 1;
		else
			flex++;
	}
	for (size_t c = 0; c < t->ncols; c++) {
		widths[c] = t->cols[c].width;
		if (!widths[c])
			widths[c] = flex ? (width - fixed - (int)flex) / flex : 0;
		if (widths[c] < 1)
			widths[c] = 1;
	}
	/* header */
	for (int cx = x, c = 0; c < (int)t->ncols && cx < x + width; c++) {
		int cw = widths[c] < x + width - cx ? widths[c] : x + width - cx;

		if (t->cols[c].right)
			tui_put_right(w, y, cx, cw, ROLE_TITLE, t->cols[c].title);
		else
			tui_put(w, y, cx, cw, ROLE_TITLE, t->cols[c].title);
		cx += widths[c];
		if (cx < x + width)
			tui_put(w, y, cx++, 1, ROLE_NORMAL, " ");
	}
	clamp(t, body);
	for (int r = 0; r < body; r++) {
		size_t row = t->top + (size_t)r;
		bool sel = t->show_selection && row == t->selected;
		int cx = x;

		if (row >= t->nrows) {
			tui_put(w, y + 1 + r, x, width, ROLE_NORMAL, "");
			continue;
		}
		for (size_t c = 0; c < t->ncols && cx < x + width; c++) {
			int cw = widths[c] < x + width - cx ? widths[c] : x + width - cx;
			enum tui_role role;

			cell[0] = '\0';
			role = t->cell(t->data, row, c, cell, sizeof cell);
			if (sel)
				role = ROLE_SELECTED;
			if (t->cols[c].right) {
				tui_put(w, y + 1 + r, cx, cw, sel ? ROLE_SELECTED : ROLE_NORMAL, "");
				tui_put_right(w, y + 1 + r, cx, cw, role, cell);
			} else {
				tui_put(w, y + 1 + r, cx, cw, role, cell);
			}
			cx += widths[c];
			if (cx < x + width)
				tui_put(w, y + 1 + r, cx++, 1, sel ? ROLE_SELECTED : ROLE_NORMAL, " ");
		}
		if (cx < x + width)
			tui_put(w, y + 1 + r, cx, x + width - cx, sel ? ROLE_SELECTED : ROLE_NORMAL, "");
	}
	if (t->nrows > (size_t)body && body > 0) {
		char more[32];

		snprintf(more, sizeof more, " %zu/%zu ", t->selected + 1, t->nrows);
		tui_put_right(w, y, x, width, ROLE_STALE, more);
	}
}

bool table_move(struct table *t, int action, int page)
{
	size_t old = t->selected, top = t->top;

	if (t->nrows == 0)
		return false;
	if (page < 1)
		page = 1;
	switch (action) {
	case ACTION_UP:        if (t->selected) t->selected--; break;
	case ACTION_DOWN:      if (t->selected + 1 < t->nrows) t->selected++; break;
	case ACTION_PAGE_UP:   t->selected = t->selected > (size_t)page ? t->selected - (size_t)page : 0; break;
	case ACTION_PAGE_DOWN: t->selected += (size_t)page; break;
	case ACTION_TOP:       t->selected = 0; break;
	case ACTION_BOTTOM:    t->selected = t->nrows - 1; break;
	default:               return false;
	}
	if (t->selected >= t->nrows)
		t->selected = t->nrows - 1;
	return old != t->selected || top != t->top;
}
