/* Help: generated from the action table and the live key map, so it cannot
 * drift from the bindings. */
#include <stdio.h>
#include <string.h>

#include "warroom/keymap.h"
#include "warroom/model.h"
#include "warroom/view.h"

static size_t top;

/* Preconditions as one letter each, explained in the legend line. */
static void line_for(enum action_id id, char *keys, size_t klen, char *tags, size_t tlen)
{
	const struct action *a = actions_get(id);

	keymap_keys(id, keys, klen);
	if (!keys[0])
		snprintf(keys, klen, ":%s", a->name);
	snprintf(tags, tlen, "%c%c%c", (a->flags & ACT_MUTATES) ? 'W' : ' ', (a->flags & ACT_CONFIRM) ? 'C' : ' ',
	         (a->flags & ACT_NEEDS_INC) ? 'I' : ' ');
}

static void view_help(char *buf, size_t len, enum action_id id)
{
	size_t n;
	const struct view_ops *const *v = views_all(&n);
	size_t idx = (size_t)(id - ACTION_VIEW_1);

	if (id >= ACTION_VIEW_1 && id <= ACTION_VIEW_6) {
		if (idx < n)
			snprintf(buf, len, "Go to the %s view", v[idx]->title);
		else
			buf[0] = '\0';
		return;
	}
	snprintf(buf, len, "%s", actions_get(id)->help);
}

static const char legend[] =
	"W changes the cluster, refused --readonly  C confirm first  I needs incident";

static void draw(WINDOW *w, int h, int width, const struct model *m)
{
	char keys[64], tags[8], help[160];
	int y = 1, row = 0, last = h - 2;
	size_t count = actions_count();

	tui_box(w, 0, 0, h, width, "Keys (generated from the action table; override in config keys:)", ROLE_TITLE);
	if (top > count)
		top = count;
	if (m->readonly && y < last)
		tui_put(w, y++, 2, width - 4, ROLE_WARN, "read-only mode: actions marked W are refused");
	for (size_t i = 1; i <= count && y < last; i++) {
		const struct action *a = actions_get((enum action_id)i);

		view_help(help, sizeof help, a->id);
		if (!help[0])
			continue;
		if ((size_t)row++ < top)
			continue;
		line_for(a->id, keys, sizeof keys, tags, sizeof tags);
		tui_put(w, y, 2, 16, ROLE_KEY, keys);
		tui_put(w, y, 19, 11, ROLE_NORMAL, a->name);
		tui_put(w, y, 31, 3, (a->flags & ACT_MUTATES) ? ROLE_WARN : ROLE_STALE, tags);
		tui_put(w, y, 35, width - 37, ROLE_NORMAL, help);
		y++;
	}
	tui_put(w, last, 2, width - 4, ROLE_STALE, legend);
	if (row < (int)count || top > 0)
		tui_put_right(w, h - 1, 2, width - 4, ROLE_STALE, " j/k scroll  q back ");
}

static int key(struct model *m, enum action_id action, int k, int page)
{
	switch (action) {
	case ACTION_DOWN: case ACTION_PAGE_DOWN:
		top += action == ACTION_DOWN ? 1 : (size_t)page;
		if (top >= actions_count())
			top = actions_count() - 1;
		return VIEW_REDRAW;
	case ACTION_UP: case ACTION_PAGE_UP:
		top = top > (action == ACTION_UP ? 1u : (size_t)page) ? top - (action == ACTION_UP ? 1u : (size_t)page) : 0;
		return VIEW_REDRAW;
	case ACTION_TOP:
		top = 0;
		return VIEW_REDRAW;
	default:
		return VIEW_IGNORED;
	}
}

static void open_help(struct model *m)
{
	top = 0;
}

const struct view_ops help_view = {
	.name = "help",
	.title = "Help",
	.redraw_on = 0,
	.open = open_help,
	.draw = draw,
	.key = key,
};
