/* Timeline: every event of the store, newest first; select shows its
 * detail as fields, one per line. kind shows one kind at a time, filter the
 * events with a word, now goes back to everything, newest first. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "warroom/model.h"
#include "warroom/view.h"

struct timeline_state {
	struct table tbl;
	char kind[24];               /* "" all kinds */
	char search[128];            /* "" no search; matched ignoring ASCII case */
	size_t rows[MODEL_RECENT];   /* indexes of m->recent shown, newest first */
	size_t nrows;
	const struct model *m;       /* for the cells and the search dialog */
	uint64_t gen;                /* the model's recent_gen the rows reflect */
};

static bool has_word(const char *text, const char *word)
{
	size_t n = strlen(word);

	for (; *text; text++) {
		size_t i = 0;

		while (i < n && text[i] && tolower((unsigned char)text[i]) == tolower((unsigned char)word[i]))
			i++;
		if (i == n)
			return true;
	}
	return n == 0;
}

static bool matches(const struct timeline_state *st, const struct timeline_event *e)
{
	if (st->kind[0] && strcmp(e->kind, st->kind) != 0)
		return false;
	return !st->search[0] || has_word(e->summary, st->search) || has_word(e->actor, st->search) ||
	       has_word(e->kind, st->search) || (e->detail_json && has_word(e->detail_json, st->search));
}

static void refilter(struct timeline_state *st, const struct model *m)
{
	st->m = m;
	st->nrows = 0;
	for (size_t i = 0; i < m->nrecent; i++)
		if (matches(st, &m->recent[i]))
			st->rows[st->nrows++] = i;
	st->gen = m->recent_gen;
	if (st->tbl.selected >= st->nrows)
		st->tbl.selected = st->nrows ? st->nrows - 1 : 0;
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
	const struct timeline_event *e = &st->m->recent[st->rows[row]];
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
	char title[256];
	size_t n;

	refilter(st, m);
	if (st->kind[0] || st->search[0]) {
		n = (size_t)snprintf(title, sizeof title, "Timeline %s %zu of %zu events", tui_glyph(G_DOT), st->nrows,
		                     m->nrecent);
		if (st->kind[0] && n < sizeof title)
			n += (size_t)snprintf(title + n, sizeof title - n, " %s kind %s", tui_glyph(G_DOT), st->kind);
		if (st->search[0] && n < sizeof title)
			snprintf(title + n, sizeof title - n, " %s \"%s\"", tui_glyph(G_DOT), st->search);
	} else {
		snprintf(title, sizeof title, "Timeline %s %zu event%s%s", tui_glyph(G_DOT), m->nrecent,
		         m->nrecent == 1 ? "" : "s", m->nrecent == MODEL_RECENT ? " (latest)" : "");
	}
	tui_box(w, 0, 0, h, width, title, ROLE_TITLE);
	if (!m->tl) {
		tui_putf(w, 2, 2, width - 4, ROLE_CRIT, "timeline unavailable: %s", m->tl_error);
		return;
	}
	if (m->nrecent == 0) {
		tui_putf(w, 2, 2, width - 4, ROLE_STALE, "no events yet: %s adds a note, `warroom note TEXT` from "
		         "a shell", keymap_key_for(ACTION_NOTE));
		return;
	}
	if (st->nrows == 0) {
		tui_putf(w, 2, 2, width - 4, ROLE_STALE, "no event matches: %s the next kind, %s another word, "
		         "%s all of them", keymap_key_for(ACTION_KIND), keymap_key_for(ACTION_FILTER),
		         keymap_key_for(ACTION_NOW));
		return;
	}
	tbl->cols = width >= 70 ? cols : narrow_cols;
	tbl->ncols = sizeof cols / sizeof cols[0];
	tbl->nrows = st->nrows;
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
static void next_kind(struct timeline_state *st, const struct model *m)
{
	const char *seen[MODEL_RECENT];
	size_t n = 0, at = 0;

	for (size_t i = 0; i < m->nrecent; i++) {
		bool dup = false;

		for (size_t j = 0; j < n && !dup; j++)
			dup = strcmp(seen[j], m->recent[i].kind) == 0;
		if (!dup)
			seen[n++] = m->recent[i].kind;
	}
	if (st->kind[0]) {
		for (at = 0; at < n && strcmp(seen[at], st->kind) != 0; at++)
			;
		at++;   /* the next one, or past the end: all */
	}
	snprintf(st->kind, sizeof st->kind, "%s", at < n ? seen[at] : "");
	if (st->kind[0])
		ui_message(ROLE_NORMAL, "timeline: kind %s (%s: the next kind, %s: all)", st->kind,
		           keymap_key_for(ACTION_KIND), keymap_key_for(ACTION_NOW));
	else
		ui_message(ROLE_NORMAL, "timeline: every kind");
}

static void on_search(const struct dialog *d, enum dialog_result r, void *arg)
{
	struct timeline_state *st = arg;

	if (r != DIALOG_YES)
		return;
	snprintf(st->search, sizeof st->search, "%s", d->input);
	st->tbl.selected = st->tbl.top = 0;
	if (st->m)
		refilter(st, st->m);
}

static int key(void *state, struct model *m, enum action_id action, int k, int page)
{
	struct timeline_state *st = state;
	struct table *tbl = &st->tbl;
	struct dialog d;

	if (st->gen != m->recent_gen || st->m != m)
		refilter(st, m);
	switch (action) {
	case ACTION_KIND:
		next_kind(st, m);
		tbl->selected = tbl->top = 0;
		refilter(st, m);
		return VIEW_REDRAW;
	case ACTION_FILTER:   /* "/" searches here, as it filters the alerts */
		dialog_input(&d, "Search the timeline", "/", st->search, on_search, st);
		dialog_add_line(&d, ROLE_STALE, "summary, actor, kind or detail; empty: every event");
		ui_dialog(&d);
		return VIEW_HANDLED;
	case ACTION_NOW:
		st->kind[0] = st->search[0] = '\0';
		tbl->selected = tbl->top = 0;
		refilter(st, m);
		return VIEW_REDRAW;
	default:
		break;
	}
	if (action == ACTION_SELECT && tbl->selected < st->nrows) {
		show_event(&m->recent[st->rows[tbl->selected]]);
		return VIEW_HANDLED;
	}
	tbl->nrows = st->nrows;
	return table_move(tbl, action, page) ? VIEW_REDRAW : (action >= ACTION_UP && action <= ACTION_BOTTOM ?
	                                                      VIEW_HANDLED : VIEW_IGNORED);
}

static void open_view(void *state, struct model *m)
{
	struct table *tbl = &((struct timeline_state *)state)->tbl;

	tbl->selected = 0;
	tbl->top = 0;
	refilter(state, m);
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
