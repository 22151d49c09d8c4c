/* Help: the key map's list (the action table, the config's overrides and
 * the views' keys), so it cannot drift from the bindings. Descriptions wrap. */
#include <stdio.h>
#include <string.h>

#include "warroom/keymap.h"
#include "warroom/model.h"
#include "warroom/view.h"

struct help_state {
	size_t top;          /* first entry shown */
	size_t shown;        /* entries the last draw showed whole: a page, so none is skipped */
};

static const char legend[] = KEYMAP_LEGEND;

static void draw(void *state, WINDOW *w, int h, int width, const struct model *m)
{
	struct help_state *hs = state;
	struct keymap_entry e;
	int y = 1, iw = width - 4, lrows = tui_wrap_rows(legend, iw, 2), last = h - 1 - lrows;
	size_t count = keymap_entries(), i;
	bool wide = width >= 70;
	const char *title = "Keys (generated from the action table; override in config keys:)";

	if (tui_text_width(title) + 6 > width)
		title = "Keys (override in config keys:)";
	tui_box(w, 0, 0, h, width, title, ROLE_TITLE);
	if (hs->top >= count)
		hs->top = count - 1;
	if (m->readonly && y < last)
		y += tui_wrap_put(w, y, 2, last - y, iw, 2, ROLE_WARN, "read-only mode: actions marked W are refused");
	for (i = hs->top; i < count && y < last && keymap_entry(i, &e); i++) {
		int kx = 2 + (e.view ? 2 : 0), hx = wide ? 36 : 6;
		int rows = wide ? tui_wrap_rows(e.help, width - 2 - hx, 0) : 1 + tui_wrap_rows(e.help, width - 2 - hx, 0);

		/* an entry is shown whole or not at all (scroll for it) */
		if (y + rows > last && y > 1)
			break;
		tui_put(w, y, kx, 18 - kx, ROLE_KEY, e.keys);
		tui_put(w, y, 19, 12, ROLE_NORMAL, e.name);
		tui_put(w, y, 32, 3, (e.flags & ACT_MUTATES) ? ROLE_WARN : ROLE_STALE, e.tags);
		if (!wide)
			y++;
		y += tui_wrap_put(w, y, hx, last - y, width - 2 - hx, 0, ROLE_NORMAL, e.help);
	}
	hs->shown = i - hs->top;
	tui_wrap_put(w, last, 2, lrows, iw, 2, ROLE_STALE, legend);
	if (i < count || hs->top > 0) {
		char keys[96];

		snprintf(keys, sizeof keys, " %s/%s scroll  %s back ", keymap_key_for(ACTION_DOWN),
		         keymap_key_for(ACTION_UP), keymap_key_for(ACTION_QUIT));
		tui_put_right(w, h - 1, 2, width - 4, ROLE_STALE, keys);
	}
}

static int key(void *state, struct model *m, enum action_id action, int k, int page)
{
	struct help_state *hs = state;
	size_t count = keymap_entries(), step = action == ACTION_UP || action == ACTION_DOWN ? 1 :
	                                        hs->shown ? hs->shown : (size_t)page;

	switch (action) {
	case ACTION_DOWN: case ACTION_PAGE_DOWN:
		hs->top += step;
		if (hs->top >= count)
			hs->top = count - 1;
		return VIEW_REDRAW;
	case ACTION_UP: case ACTION_PAGE_UP:
		hs->top = hs->top > step ? hs->top - step : 0;
		return VIEW_REDRAW;
	case ACTION_TOP:
		hs->top = 0;
		return VIEW_REDRAW;
	default:
		return VIEW_IGNORED;
	}
}

static void open_help(void *state, struct model *m)
{
	struct help_state *hs = state;

	hs->top = 0;
}

const struct view_ops help_view = {
	.name = "help",
	.title = "Help",
	.about = "every key",
	.key = '4',
	.state_size = sizeof(struct help_state),
	.redraw_on = 0,
	.open = open_help,
	.draw = draw,
	.on_key = key,
};
