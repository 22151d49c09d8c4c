/* Timeline: every event of the store, newest first; Enter shows its detail. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "warroom/model.h"
#include "warroom/view.h"

static struct table tbl;

static const struct table_col cols[] = {
	{ "TIME (UTC)", 14, false },
	{ "ACTOR", 12, false },
	{ "KIND", 8, false },
	{ "WHAT", 0, false },
};

/* Roles for kinds an operator must not miss. */
enum tui_role timeline_kind_role(const char *kind)
{
	if (strcmp(kind, "error") == 0 || strcmp(kind, "alert") == 0)
		return ROLE_CRIT;
	if (strcmp(kind, "rollback") == 0 || strcmp(kind, "sev") == 0)
		return ROLE_WARN;
	if (strcmp(kind, "verify") == 0)
		return ROLE_OK;
	if (strcmp(kind, "note") == 0)
		return ROLE_ACCENT;
	return ROLE_NORMAL;
}

static enum tui_role cell(const void *data, size_t row, size_t col, char *buf, size_t len)
{
	const struct model *m = data;
	const struct timeline_event *e = &m->recent[row];
	time_t t = (time_t)(e->ts_ms / 1000);
	struct tm tm;

	switch (col) {
	case 0:
		gmtime_r(&t, &tm);
		strftime(buf, len, "%m-%d %H:%M:%S", &tm);
		return ROLE_STALE;
	case 1:
		snprintf(buf, len, "%s", e->actor);
		return ROLE_NORMAL;
	case 2:
		snprintf(buf, len, "%s", e->kind);
		return timeline_kind_role(e->kind);
	default:
		snprintf(buf, len, "%s", e->summary);
		return ROLE_NORMAL;
	}
}

static void draw(WINDOW *w, int h, int width, const struct model *m)
{
	char title[96];

	snprintf(title, sizeof title, "Timeline %s %zu event%s%s", tui_glyph(G_DOT), m->nrecent,
	         m->nrecent == 1 ? "" : "s", m->nrecent == MODEL_RECENT ? " (latest)" : "");
	tui_box(w, 0, 0, h, width, title, ROLE_TITLE);
	if (!m->tl) {
		tui_putf(w, 2, 2, width - 4, ROLE_CRIT, "timeline unavailable: %s", m->tl_error);
		return;
	}
	if (m->nrecent == 0) {
		tui_put(w, 2, 2, width - 4, ROLE_STALE, "no events yet: n adds a note, `warroom note TEXT` from a shell");
		return;
	}
	tbl.cols = cols;
	tbl.ncols = sizeof cols / sizeof cols[0];
	tbl.nrows = m->nrecent;
	tbl.cell = cell;
	tbl.data = m;
	tbl.show_selection = true;
	table_draw(w, 1, 1, h - 2, width - 2, &tbl);
}

static int key(struct model *m, enum action_id action, int k, int page)
{
	struct dialog d;

	if (action == ACTION_SELECT && tbl.selected < m->nrecent) {
		const struct timeline_event *e = &m->recent[tbl.selected];
		const char *p = e->detail_json;

		dialog_info(&d, e->kind);
		dialog_add_line(&d, ROLE_NORMAL, "%s", e->summary);
		dialog_add_line(&d, ROLE_STALE, "by %s, event #%lld", e->actor, (long long)e->id);
		/* detail JSON, cut into dialog-wide lines */
		while (p && *p && d.nlines < DIALOG_LINES) {
			size_t n = strlen(p) > 100 ? 100 : strlen(p);
			dialog_add_line(&d, ROLE_NORMAL, "%.*s", (int)n, p);
			p += n;
		}
		app_show_dialog(&d);
		return VIEW_HANDLED;
	}
	tbl.nrows = m->nrecent;
	return table_move(&tbl, action, page) ? VIEW_REDRAW : (action >= ACTION_UP && action <= ACTION_BOTTOM ?
	                                                      VIEW_HANDLED : VIEW_IGNORED);
}

static void open_view(struct model *m)
{
	tbl.selected = 0;
	tbl.top = 0;
}

const struct view_ops timeline_view = {
	.name = "timeline",
	.title = "Timeline",
	.redraw_on = DIRTY_TIMELINE,
	.open = open_view,
	.draw = draw,
	.key = key,
};
