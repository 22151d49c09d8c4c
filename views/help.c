/* Help: generated from the action table, the live key map and the view
 * registry, so it cannot drift from the bindings. Descriptions wrap. */
#include <stdio.h>
#include <string.h>

#include "warroom/keymap.h"
#include "warroom/model.h"
#include "warroom/view.h"

struct help_state {
	size_t top;          /* first entry shown */
};

/* One line of the list: an action, or a view under the view action. */
struct entry {
	char keys[64];
	char name[32];
	char tags[8];
	char help[200];
	bool mutates;
	bool sub;            /* a view: indented under "view" */
};

/* Preconditions as one letter each, explained in the legend line. */
static void action_entry(const struct action *a, struct entry *e)
{
	memset(e, 0, sizeof *e);
	keymap_keys(a->id, e->keys, sizeof e->keys);
	if (!e->keys[0])
		snprintf(e->keys, sizeof e->keys, ":%s", a->name);
	snprintf(e->name, sizeof e->name, "%s", a->name);
	snprintf(e->tags, sizeof e->tags, "%c%c%c", (a->flags & ACT_MUTATES) ? 'W' : ' ',
	         (a->flags & ACT_CONFIRM) ? 'C' : ' ', (a->flags & ACT_NEEDS_INC) ? 'I' : ' ');
	snprintf(e->help, sizeof e->help, "%s", a->help);
	e->mutates = a->flags & ACT_MUTATES;
}

/* Entry i of the list; false past its end. The views follow the view action. */
static bool entry_at(size_t i, struct entry *e)
{
	size_t nv, count = actions_count();
	const struct view_ops *const *v = views_all(&nv);

	for (size_t id = 1; id <= count; id++) {
		const struct action *a = actions_get((enum action_id)id);

		if (i-- == 0) {
			action_entry(a, e);
			return true;
		}
		if (a->id != ACTION_VIEW)
			continue;
		if (i < nv) {
			memset(e, 0, sizeof *e);
			/* a number key the config gave to an action no longer opens the view */
			if (v[i]->key && keymap_lookup(v[i]->key) == ACTION_NONE)
				snprintf(e->keys, sizeof e->keys, "%c", v[i]->key);
			else
				snprintf(e->keys, sizeof e->keys, ":%s", v[i]->name);
			snprintf(e->name, sizeof e->name, "%s", v[i]->name);
			snprintf(e->help, sizeof e->help, "%s%s%s", v[i]->title, v[i]->about ? ": " : "",
			         v[i]->about ? v[i]->about : "");
			e->sub = true;
			return true;
		}
		i -= nv;
	}
	return false;
}

static size_t entry_count(void)
{
	size_t nv;

	views_all(&nv);
	return actions_count() + nv;
}

static const char legend[] =
	"W changes the cluster, refused --readonly  C confirm first  I needs incident";

static void draw(void *state, WINDOW *w, int h, int width, const struct model *m)
{
	struct help_state *hs = state;
	struct entry e;
	int y = 1, iw = width - 4, lrows = tui_wrap_rows(legend, iw, 2), last = h - 1 - lrows;
	size_t count = entry_count(), i;
	bool wide = width >= 70;
	const char *title = "Keys (generated from the action table; override in config keys:)";

	if (tui_text_width(title) + 6 > width)
		title = "Keys (override in config keys:)";
	tui_box(w, 0, 0, h, width, title, ROLE_TITLE);
	if (hs->top >= count)
		hs->top = count - 1;
	if (m->readonly && y < last)
		y += tui_wrap_put(w, y, 2, last - y, iw, 2, ROLE_WARN, "read-only mode: actions marked W are refused");
	for (i = hs->top; i < count && y < last && entry_at(i, &e); i++) {
		int kx = 2 + (e.sub ? 2 : 0), hx = wide ? 36 : 6;
		int rows = wide ? tui_wrap_rows(e.help, width - 2 - hx, 0) : 1 + tui_wrap_rows(e.help, width - 2 - hx, 0);

		/* an entry is shown whole or not at all (scroll for it) */
		if (y + rows > last && y > 1)
			break;
		tui_put(w, y, kx, 18 - kx, ROLE_KEY, e.keys);
		tui_put(w, y, 19, 12, ROLE_NORMAL, e.name);
		tui_put(w, y, 32, 3, e.mutates ? ROLE_WARN : ROLE_STALE, e.tags);
		if (!wide)
			y++;
		y += tui_wrap_put(w, y, hx, last - y, width - 2 - hx, 0, ROLE_NORMAL, e.help);
	}
	tui_wrap_put(w, last, 2, lrows, iw, 2, ROLE_STALE, legend);
	if (i < count || hs->top > 0)
		tui_put_right(w, h - 1, 2, width - 4, ROLE_STALE, " j/k scroll  q back ");
}

static int key(void *state, struct model *m, enum action_id action, int k, int page)
{
	struct help_state *hs = state;
	size_t count = entry_count(), step = action == ACTION_UP || action == ACTION_DOWN ? 1 : (size_t)page;

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
