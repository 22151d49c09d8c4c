/* Timeline: every event of the store, newest first; select shows its
 * detail as fields, one per line. kind shows one kind at a time, filter the
 * events with words, both searched in the whole database (the model's
 * filter); now goes back to everything, newest first. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "warroom/model.h"
#include "warroom/view.h"

struct timeline_state {
	struct table tbl;
	struct model *m;                     /* for the search dialog's answer */
	const struct timeline_event *ev;     /* the rows drawn: recent, or what the filter found */
	size_t nev;
	int64_t sel_id;                      /* the event selected: it stays selected as new ones arrive */
};

/* The filter is the model's: it searches the whole database, not the
 * events held in memory, so an old event of a long incident is found. */
static bool filtering(const struct model *m)
{
	return m->found.kind[0] || m->found.words[0];
}

static void rows(struct timeline_state *st, const struct model *m)
{
	st->ev = filtering(m) ? m->found.ev : m->recent;
	st->nev = filtering(m) ? m->found.n : m->nrecent;
	/* newer events above it move the selected one down: follow it */
	if (st->sel_id && (st->tbl.selected >= st->nev || st->ev[st->tbl.selected].id != st->sel_id))
		for (size_t i = 0; i < st->nev; i++)
			if (st->ev[i].id == st->sel_id) {
				st->tbl.top += i > st->tbl.selected ? i - st->tbl.selected : 0;
				st->tbl.selected = i;
				break;
			}
	if (st->tbl.selected >= st->nev)
		st->tbl.selected = st->nev ? st->nev - 1 : 0;
	/* at the newest, it stays at the newest */
	st->sel_id = st->nev && st->tbl.selected ? st->ev[st->tbl.selected].id : 0;
}

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

static enum tui_role cell(const void *data, size_t row, size_t col, char *buf, size_t len)
{
	const struct timeline_state *st = data;
	const struct timeline_event *e = &st->ev[row];
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
		return tui_event_role(e->kind);
	default:
		snprintf(buf, len, "%s", e->summary);
		return ROLE_NORMAL;
	}
}

static void draw(void *state, WINDOW *w, int h, int width, const struct model *m)
{
	struct timeline_state *st = state;
	struct table *tbl = &st->tbl;
	const struct model_found *f = &m->found;
	char title[256];
	size_t n;

	rows(st, m);
	if (filtering(m)) {
		n = (size_t)snprintf(title, sizeof title, "Timeline %s %s%zu event%s match", tui_glyph(G_DOT),
		                     f->more ? "the newest " : "", f->n, f->n == 1 ? "" : "s");
		if (f->kind[0] && n < sizeof title)
			n += (size_t)snprintf(title + n, sizeof title - n, " %s kind %s", tui_glyph(G_DOT), f->kind);
		if (f->words[0] && n < sizeof title)
			snprintf(title + n, sizeof title - n, " %s \"%s\"", tui_glyph(G_DOT), f->words);
	} else {
		snprintf(title, sizeof title, "Timeline %s %zu event%s%s", tui_glyph(G_DOT), m->nrecent,
		         m->nrecent == 1 ? "" : "s", m->nrecent == MODEL_RECENT ? " (latest)" : "");
	}
	tui_box(w, 0, 0, h, width, title, ROLE_TITLE);
	if (!m->tl) {
		tui_putf(w, 2, 2, width - 4, ROLE_CRIT, "timeline unavailable: %s", m->tl_error);
		return;
	}
	if (filtering(m) && f->error[0]) {
		tui_wrap_put(w, 2, 2, h - 3, width - 4, 2, ROLE_CRIT, f->error);
		return;
	}
	if (!filtering(m) && m->nrecent == 0) {
		tui_putf(w, 2, 2, width - 4, ROLE_STALE, "no events yet: %s adds a note, `warroom note TEXT` from "
		         "a shell", keymap_key_for(ACTION_NOTE));
		return;
	}
	if (st->nev == 0) {
		tui_putf(w, 2, 2, width - 4, ROLE_STALE, "no event matches: %s the next kind, %s another word, "
		         "%s all of them", keymap_key_for(ACTION_KIND), keymap_key_for(ACTION_FILTER),
		         keymap_key_for(ACTION_NOW));
		return;
	}
	tbl->cols = width >= 70 ? cols : narrow_cols;
	tbl->ncols = sizeof cols / sizeof cols[0];
	tbl->nrows = st->nev;
	tbl->cell = cell;
	tbl->data = st;
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
	ui_dialog(&d);
}

/* The kind after the current one, in the order they first appear (newest
 * first); after the last, all kinds again. */
static void next_kind(struct model *m)
{
	const char *seen[MODEL_RECENT];
	char kind[24];
	size_t n = 0, at = 0;

	for (size_t i = 0; i < m->nrecent; i++) {
		bool dup = false;

		for (size_t j = 0; j < n && !dup; j++)
			dup = strcmp(seen[j], m->recent[i].kind) == 0;
		if (!dup)
			seen[n++] = m->recent[i].kind;
	}
	if (m->found.kind[0]) {
		for (at = 0; at < n && strcmp(seen[at], m->found.kind) != 0; at++)
			;
		at++;   /* the next one, or past the end: all */
	}
	snprintf(kind, sizeof kind, "%s", at < n ? seen[at] : "");
	model_timeline_filter(m, kind, m->found.words);
	if (kind[0])
		ui_message(ROLE_NORMAL, "timeline: kind %s (%s: the next kind, %s: all)", kind,
		           keymap_key_for(ACTION_KIND), keymap_key_for(ACTION_NOW));
	else
		ui_message(ROLE_NORMAL, "timeline: every kind");
}

static void on_search(const struct dialog *d, enum dialog_result r, void *arg)
{
	struct timeline_state *st = arg;

	if (r != DIALOG_YES || !st->m)
		return;
	st->tbl.selected = st->tbl.top = 0;
	st->sel_id = 0;
	if (!model_timeline_filter(st->m, st->m->found.kind, d->input))
		ui_message(ROLE_CRIT, "timeline: %s", st->m->found.error);
}

static int key(void *state, struct model *m, enum action_id action, int k, int page)
{
	struct timeline_state *st = state;
	struct table *tbl = &st->tbl;
	struct dialog d;

	st->m = m;
	rows(st, m);
	switch (action) {
	case ACTION_KIND:
		tbl->selected = tbl->top = 0;
		st->sel_id = 0;
		next_kind(m);
		return VIEW_REDRAW;
	case ACTION_FILTER:   /* "/" searches here, as it filters the alerts */
		dialog_input(&d, "Search the timeline", "/", m->found.words, on_search, st);
		dialog_add_line(&d, ROLE_STALE, "words, or their beginnings, of the summary, actor, kind or detail: "
		                "every event of the database; empty: every event");
		ui_dialog(&d);
		return VIEW_HANDLED;
	case ACTION_NOW:
		tbl->selected = tbl->top = 0;
		st->sel_id = 0;
		model_timeline_filter(m, "", "");
		return VIEW_REDRAW;
	default:
		break;
	}
	if (action == ACTION_SELECT && tbl->selected < st->nev) {
		show_event(&st->ev[tbl->selected]);
		return VIEW_HANDLED;
	}
	tbl->nrows = st->nev;
	if (table_move(tbl, action, page)) {
		st->sel_id = tbl->selected && tbl->selected < st->nev ? st->ev[tbl->selected].id : 0;
		return VIEW_REDRAW;
	}
	return action >= ACTION_UP && action <= ACTION_BOTTOM ? VIEW_HANDLED : VIEW_IGNORED;
}

static void open_view(void *state, struct model *m)
{
	struct timeline_state *st = state;

	st->m = m;
	st->tbl.selected = 0;
	st->tbl.top = 0;
	st->sel_id = 0;
	rows(st, m);
}

const struct view_ops timeline_view = {
	.name = "timeline",
	.title = "Timeline",
	.about = "every event, each opened whole",
	.key = '3',
	.state_size = sizeof(struct timeline_state),
	.redraw_on = DIRTY_TIMELINE,
	.open = open_view,
	.draw = draw,
	.on_key = key,
};
