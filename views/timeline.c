/* Timeline: every event of the store, newest first; Enter shows its detail
 * as fields, one per line. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "warroom/model.h"
#include "warroom/view.h"

struct timeline_state {
	struct table tbl;
};

static const struct table_col cols[] = {
	{ "TIME (UTC)", 14, false },
	{ "ACTOR", 12, false },
	{ "KIND", 8, false },
	{ "WHAT", 0, false },
};

/* Below 70 columns: the time without the date, a shorter actor. */
static const struct table_col narrow_cols[] = {
	{ "UTC", 8, false },
	{ "ACTOR", 8, false },
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
		strftime(buf, len, COLS >= 70 ? "%m-%d %H:%M:%S" : "%H:%M:%S", &tm);
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

static void draw(void *state, WINDOW *w, int h, int width, const struct model *m)
{
	struct table *tbl = &((struct timeline_state *)state)->tbl;
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
	tbl->cols = width >= 70 ? cols : narrow_cols;
	tbl->ncols = sizeof cols / sizeof cols[0];
	tbl->nrows = m->nrecent;
	tbl->cell = cell;
	tbl->data = m;
	tbl->show_selection = true;
	table_draw(w, 1, 1, h - 2, width - 2, tbl);
}

/* Dialog lines hold 159 bytes: a long text goes on as many as it takes,
 * each cut after a word (or between characters), never inside one. The
 * dialog wraps each to its width. */
static void add_text(struct dialog *d, enum tui_role role, const char *prefix, const char *text)
{
	char line[sizeof d->lines[0]];
	size_t n = (size_t)snprintf(line, sizeof line, "%s", prefix);

	do {
		size_t take = tui_wrap_next(text, 1 << 20, sizeof line - 1 - n);

		if (d->nlines >= DIALOG_LINES - 1)
			return;
		memcpy(line + n, text, take);
		line[n + take] = '\0';
		dialog_add_line(d, role, "%s", line);
		text += take;
		while (*text == ' ')
			text++;
		n = 0;
	} while (*text);
}

static void show_event(const struct timeline_event *e)
{
	struct timeline_field f[DIALOG_LINES];
	struct dialog d;
	char prefix[sizeof f[0].key + 2];
	int nf = timeline_detail_fields(e->detail_json, f, DIALOG_LINES);
	bool whole_text = nf == 1 && strcmp(f[0].key, "text") == 0;

	dialog_info(&d, e->kind);
	/* a long note's summary is the start of its text: show the text once */
	if (!whole_text)
		add_text(&d, ROLE_NORMAL, "", e->summary);
	dialog_add_line(&d, ROLE_STALE, "by %s, event #%lld", e->actor, (long long)e->id);
	if (nf < 0)
		dialog_add_line(&d, ROLE_WARN, "detail is not a JSON object: warroom timeline --json shows it");
	for (int i = 0; i < nf && i < DIALOG_LINES; i++) {
		if (d.nlines >= DIALOG_LINES - 1) {
			dialog_add_line(&d, ROLE_STALE, "%s more: warroom timeline --json shows every field",
			                tui_glyph(G_ELLIPSIS));
			break;
		}
		snprintf(prefix, sizeof prefix, "%s: ", f[i].key);
		add_text(&d, ROLE_NORMAL, whole_text ? "" : prefix, f[i].value);
	}
	app_show_dialog(&d);
}

static int key(void *state, struct model *m, enum action_id action, int k, int page)
{
	struct table *tbl = &((struct timeline_state *)state)->tbl;

	if (action == ACTION_SELECT && tbl->selected < m->nrecent) {
		show_event(&m->recent[tbl->selected]);
		return VIEW_HANDLED;
	}
	tbl->nrows = m->nrecent;
	return table_move(tbl, action, page) ? VIEW_REDRAW : (action >= ACTION_UP && action <= ACTION_BOTTOM ?
	                                                      VIEW_HANDLED : VIEW_IGNORED);
}

static void open_view(void *state, struct model *m)
{
	struct table *tbl = &((struct timeline_state *)state)->tbl;

	tbl->selected = 0;
	tbl->top = 0;
}

const struct view_ops timeline_view = {
	.name = "timeline",
	.title = "Timeline",
	.about = "every event; Enter opens one",
	.key = '3',
	.state_size = sizeof(struct timeline_state),
	.redraw_on = DIRTY_TIMELINE,
	.open = open_view,
	.draw = draw,
	.on_key = key,
};
