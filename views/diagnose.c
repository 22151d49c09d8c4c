/* Diagnose: the pods' logs of both slots merged by time, each line prefixed
 * by its slot in the slot's colour and a short pod name; over them, each
 * stream's health, what the live slot logs that the other does not (the
 * diagnose step's first question) and the Events' warnings. A pane at a time
 * below: the lines, what is new, the events, the streams. Holding the lines
 * (pause, or moving up) keeps them still while what comes is kept and
 * counted; follow goes back to the newest. Lines are filtered, hidden and
 * highlighted by regex, limited to a slot, a pod or a container, marked and
 * pinned to the timeline. It draws from the session's state alone. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "warroom/logs.h"
#include "warroom/loop.h"
#include "warroom/model.h"
#include "warroom/text.h"
#include "warroom/view.h"

#include "slot_lines.h"

enum pane { PANE_LINES, PANE_NEW, PANE_EVENTS, PANE_STREAMS, PANE_COUNT };
enum scope { SCOPE_BOTH, SCOPE_LIVE, SCOPE_OTHER, SCOPE_POD, SCOPE_COUNT };

#define MARKS 50
#define NEW_ROWS 32

struct diag_state {
	enum pane pane;
	enum scope scope;
	char pod[128];
	char container[64];
	bool held;                   /* the lines stay still; what comes is kept */
	uint64_t cursor;             /* the selected line (held) */
	uint64_t top;                /* the first line shown (held) */
	uint64_t held_end;           /* the ring's end when held */
	uint64_t marks[MARKS];
	size_t nmarks;
	size_t n;                    /* lines in scope and through the filters (see idx) */
	uint64_t scanned, key;
	struct table tbl;
	struct logs_new nw[NEW_ROWS];
	size_t nnew;
	const struct logs_state *ls; /* for the tables' cells */
	struct model *m;
	int rows;                    /* the lines pane's rows at the last draw */
};

/* What holds memory of its own lives here, not in the state the registry
 * frees: the filters' compiled regexes and the index of the lines shown
 * (the sequence numbers, oldest first). The view is one. */
static struct logs_filter line_filter;
static uint64_t *idx;
static size_t idx_cap;

/* ---- the lines in scope ---- */

static int other_slot(const struct logs_state *ls)
{
	return ls->nslots == 2 && ls->live >= 0 ? 1 - ls->live : -1;
}

static bool in_scope(const struct diag_state *st, const struct logs_state *ls, const struct logs_rec *r)
{
	const struct logs_source *src = &ls->sources[r->source];

	if (st->container[0] && strcmp(src->container, st->container) != 0)
		return false;
	switch (st->scope) {
	case SCOPE_LIVE: return ls->live >= 0 && r->slot == ls->live;
	case SCOPE_OTHER: return r->slot == other_slot(ls);
	case SCOPE_POD: return strcmp(src->pod, st->pod) == 0;
	default: return true;
	}
}

static uint64_t scope_key(const struct diag_state *st, const struct logs_state *ls)
{
	uint64_t h = logs_hash(st->pod, strlen(st->pod)) ^ (logs_hash(st->container, strlen(st->container)) << 1);

	return h ^ (line_filter.gen * 1000003u) ^ ((uint64_t)st->scope << 40) ^ ((uint64_t)(ls->live + 1) << 48);
}

static size_t lower_bound(const struct diag_state *st, uint64_t seq)
{
	size_t lo = 0, hi = st->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (idx[mid] < seq)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void reindex(struct diag_state *st, const struct logs_state *ls)
{
	uint64_t first = logs_ring_first(&ls->ring), end = logs_ring_end(&ls->ring), key = scope_key(st, ls);
	size_t gone;

	if (key != st->key || end < st->scanned) {
		st->n = 0;
		st->scanned = first;
		st->key = key;
	}
	gone = lower_bound(st, first);
	if (gone) {
		memmove(idx, idx + gone, (st->n - gone) * sizeof *idx);
		st->n -= gone;
	}
	if (st->scanned < first)
		st->scanned = first;
	for (; st->scanned < end; st->scanned++) {
		const struct logs_rec *r = logs_ring_get(&ls->ring, st->scanned);

		if (!r || !in_scope(st, ls, r) || !logs_filter_match(&line_filter, r->text))
			continue;
		if (st->n == idx_cap) {
			size_t cap = idx_cap ? idx_cap * 2 : 4096;
			uint64_t *grown = realloc(idx, cap * sizeof *grown);

			if (!grown)
				break;
			idx = grown;
			idx_cap = cap;
		}
		idx[st->n++] = st->scanned;
	}
}

static bool marked(const struct diag_state *st, uint64_t seq)
{
	for (size_t i = 0; i < st->nmarks; i++)
		if (st->marks[i] == seq)
			return true;
	return false;
}

/* ---- the header ---- */

static enum tui_role health_role(enum logs_health h)
{
	switch (h) {
	case LOGS_LIVE: return ROLE_OK;
	case LOGS_RECONNECTING: case LOGS_CONNECTING: return ROLE_WARN;
	case LOGS_CRASHED: case LOGS_FAILED: return ROLE_CRIT;
	default: return ROLE_STALE;
	}
}

static const char *slot_of(const struct logs_state *ls, int slot)
{
	return slot >= 0 && (size_t)slot < ls->nslots ? ls->slot_names[slot] : "-";
}

/* The longest slot name: lines keep their columns whatever their slot. */
static int slot_width(const struct logs_state *ls)
{
	int w = 1;

	for (size_t i = 0; i < ls->nslots; i++)
		if (tui_text_width(ls->slot_names[i]) > w)
			w = tui_text_width(ls->slot_names[i]);
	return w;
}

static void scope_words(const struct diag_state *st, const struct logs_state *ls, char *buf, size_t len)
{
	switch (st->scope) {
	case SCOPE_LIVE: snprintf(buf, len, "%s (live)", slot_of(ls, ls->live)); break;
	case SCOPE_OTHER: snprintf(buf, len, "%s", slot_of(ls, other_slot(ls))); break;
	case SCOPE_POD: snprintf(buf, len, "pod %s", st->pod); break;
	default: snprintf(buf, len, "both slots"); break;
	}
	if (st->container[0])
		snprintf(buf + strlen(buf), len - strlen(buf), ", container %s", st->container);
}

/* Every stream as "green/7xk2q live" in its health's colour, on at most rows rows. */
static int streams_strip(WINDOW *w, int y, int x, int width, int rows, const struct logs_state *ls, int64_t now)
{
	int cx = x, row = 0;

	for (size_t i = 0; i < ls->nstreams; i++) {
		const struct logs_stream *s = &ls->streams[i];
		const struct logs_source *src = &ls->sources[s->source];
		char words[200], item[260];
		int need;

		if (!s->priv)
			continue;
		logs_stream_words(s, now, words, sizeof words);
		if (s->health == LOGS_RECONNECTING || s->health == LOGS_ENDED || s->health == LOGS_FAILED)
			snprintf(words, sizeof words, "%s", logs_health_name(s->health));   /* the streams pane says why */
		snprintf(item, sizeof item, "%s/%s %s", slot_of(ls, src->slot), src->label, words);
		need = tui_text_width(item) + 2;
		if (cx + need > x + width && cx > x) {
			if (++row >= rows) {
				tui_put(w, y + row - 1, x + width - 2, 2, ROLE_STALE, tui_glyph(G_ELLIPSIS));
				return rows;
			}
			cx = x;
		}
		tui_put(w, y + row, cx, width - (cx - x), slot_lines_role(slot_of(ls, src->slot)), slot_of(ls, src->slot));
		tui_putf(w, y + row, cx + tui_text_width(slot_of(ls, src->slot)), width - (cx - x) -
		         tui_text_width(slot_of(ls, src->slot)), ROLE_STALE, "/%s", src->label);
		tui_put(w, y + row, cx + tui_text_width(item) - tui_text_width(words), tui_text_width(words) + 1,
		        health_role(s->health), words);
		cx += need;
	}
	if (ls->not_followed && row < rows)
		tui_putf(w, y + row, cx, width - (cx - x), ROLE_STALE, "+%zu not followed", ls->not_followed);
	if (!ls->nstreams)
		tui_put(w, y, x, width, ROLE_STALE, ls->pods_error[0] ? ls->pods_error : "reading the slots' pods");
	return row + 1;
}

static void clock_of(int64_t ns, bool ms, char *buf, size_t len)
{
	char t[40];

	logs_format_time(ns, t, sizeof t);
	snprintf(buf, len, "%.*s", ms ? 12 : 8, t + 11);
}

static int new_rows(WINDOW *w, int y, int x, int width, int rows, const struct logs_state *ls,
                    struct diag_state *st)
{
	char first[16], line[400];
	int other = other_slot(ls), drawn = 0;

	st->nnew = logs_new_in_live(ls, st->nw, NEW_ROWS);
	if (ls->live < 0) {
		tui_put(w, y, x, width, ROLE_STALE, "New in this version: the Service's selector names no slot");
		return 1;
	}
	if (!st->nnew) {
		tui_putf(w, y, x, width, ROLE_STALE, "New in %s: %s", ls->slot_names[ls->live], ls->backfilled ?
		         "nothing its lines say that the other slot's do not" : "reading its lines since the start");
		return 1;
	}
	for (size_t i = 0; i < st->nnew && drawn < rows; i++, drawn++) {
		clock_of(st->nw[i].first_ns, false, first, sizeof first);
		if (st->nw[i].times > 0)
			snprintf(line, sizeof line, "%u%s %s %s %.0f%s %s's rate, first %s", st->nw[i].live, "\xc3\x97",
			         st->nw[i].t->text, "\xe2\x80\x94", st->nw[i].times, "\xc3\x97", slot_of(ls, other), first);
		else
			snprintf(line, sizeof line, "%u%s %s %s %s only, first %s", st->nw[i].live, "\xc3\x97",
			         st->nw[i].t->text, "\xe2\x80\x94", ls->slot_names[ls->live], first);
		if (i == 0) {
			char first_line[480];

			/* the first, whole on two rows when one is too narrow for it */
			snprintf(first_line, sizeof first_line, "New in %s: %s", ls->slot_names[ls->live], line);
			drawn += tui_wrap_put(w, y, x, tui_text_width(first_line) > width && rows < 3 ? 2 : 1, width, 2,
			                      ROLE_CRIT, first_line) - 1;
		} else {
			tui_putf(w, y + drawn, x, width, ROLE_WARN, "  %s", line);
		}
	}
	return drawn;
}

static void events_row(WINDOW *w, int y, int x, int width, const struct logs_state *ls)
{
	struct logs_reason r[6];
	size_t n = logs_events_by_reason(&ls->events, -1, r, 6), used = 0;
	char line[400];

	if (ls->events_error[0]) {
		tui_putf(w, y, x, width, ROLE_CRIT, "Events: %s", ls->events_error);
		return;
	}
	if (!ls->events_ms) {
		tui_put(w, y, x, width, ROLE_STALE, "Events: reading");
		return;
	}
	used = (size_t)snprintf(line, sizeof line, "Events:");
	for (size_t i = 0; i < n && r[i].warning && used < sizeof line; i++)
		used += (size_t)snprintf(line + used, sizeof line - used, "%s %s %s%u %s", i ? "," : "", r[i].reason,
		                         "\xc3\x97", r[i].count, r[i].slot >= 0 ? slot_of(ls, r[i].slot) : "");
	if (!n || !r[0].warning)
		snprintf(line + used, sizeof line - used, " no warnings (%zu event%s)", ls->events.events,
		         ls->events.events == 1 ? "" : "s");
	tui_put(w, y, x, width, n && r[0].warning ? ROLE_WARN : ROLE_STALE, line);
}

/* ---- the lines ---- */

static void draw_line(WINDOW *w, int y, int x, int width, const struct diag_state *st, const struct logs_state *ls,
                      uint64_t seq, bool selected)
{
	const struct logs_rec *r = logs_ring_get(&ls->ring, seq);
	const struct logs_source *src;
	char t[16], text[1024];
	int cx = x;
	enum tui_role role;

	if (!r)
		return;
	src = &ls->sources[r->source];
	clock_of(r->ts_ns, width >= 120, t, sizeof t);
	tui_put(w, y, cx, 2, marked(st, seq) ? ROLE_ACCENT : ROLE_STALE, marked(st, seq) ? "*" : " ");
	cx += 1;
	tui_put(w, y, cx, width - (cx - x), selected ? ROLE_SELECTED : ROLE_STALE, t);
	cx += tui_text_width(t) + 1;
	tui_put(w, y, cx, width - (cx - x), selected ? ROLE_SELECTED : slot_lines_role(slot_of(ls, r->slot)),
	        slot_of(ls, r->slot));
	cx += slot_width(ls) + 1;
	tui_putf(w, y, cx, width - (cx - x), selected ? ROLE_SELECTED : ROLE_STALE, "%-5.5s", src->label);
	cx += 6;
	logs_line_compact(r->text, r->len, text, sizeof text - 16);
	if (r->flags & LOGS_REC_CUT)
		snprintf(text + strlen(text), sizeof text - strlen(text), " [cut]");
	role = selected ? ROLE_SELECTED : logs_filter_highlight(&line_filter, r->text) ? ROLE_ACCENT :
	       strstr(text, "error") == text || strstr(text, "fatal") == text ? ROLE_CRIT :
	       strstr(text, "warn") == text ? ROLE_WARN : ROLE_NORMAL;
	if (cx < x + width)
		tui_put(w, y, cx, width - (cx - x), role, text);
}

/* The held window: the cursor in view, the top where it was. */
static size_t held_top(struct diag_state *st, int rows)
{
	size_t top = lower_bound(st, st->top), cur = lower_bound(st, st->cursor);

	if (cur >= st->n && st->n)
		cur = st->n - 1;
	if (cur < top)
		top = cur;
	if (rows > 0 && cur >= top + (size_t)rows)
		top = cur - (size_t)rows + 1;
	if (st->n)
		st->cursor = idx[cur];
	st->top = top < st->n ? idx[top] : st->top;
	return top;
}

static void draw_lines(WINDOW *w, int y, int x, int h, int width, struct diag_state *st, const struct logs_state *ls)
{
	size_t top;
	char foot[300], mib[32], fl[200] = "";
	size_t used = 0;

	st->rows = h - 1;
	for (int p = 0; p < LOGS_FILTER_PARTS; p++)
		if (line_filter.on[p])
			used += (size_t)snprintf(fl + used, used < sizeof fl ? sizeof fl - used : 0, " %s%s", p == LOGS_INCLUDE ?
			                         "/" : p == LOGS_EXCLUDE ? "-" : "h:", line_filter.pat[p]);
	snprintf(mib, sizeof mib, "%.1f of %zu MiB", (double)ls->ring.used / (1 << 20), ls->ring.cap >> 20);
	snprintf(foot, sizeof foot, "%zu of %zu lines %s %s %s %llu dropped%s%s", st->n, ls->ring.n, tui_glyph(G_DOT), mib,
	         tui_glyph(G_DOT), (unsigned long long)ls->ring.dropped, fl[0] ? " \xc2\xb7" : "", fl);
	if (st->held) {
		uint64_t more = logs_ring_end(&ls->ring) - st->held_end;

		snprintf(foot + strlen(foot), sizeof foot - strlen(foot), " %s HELD: %llu new, %s follows", tui_glyph(G_DOT),
		         (unsigned long long)more, keymap_key_for(ACTION_FOLLOW));
	}
	tui_put(w, y, x, width, st->held ? ROLE_WARN : ROLE_STALE, foot);
	y++;
	h--;
	if (!st->n) {
		tui_putf(w, y, x, width, ROLE_STALE, "%s", ls->ring.n ? "no line in this scope matches the filters" :
		         ls->nstreams ? "no line yet since the start" : "");
		return;
	}
	if (st->held) {
		top = held_top(st, h);
	} else {
		top = st->n > (size_t)h ? st->n - (size_t)h : 0;
		st->cursor = idx[st->n - 1];
	}
	for (int row = 0; row < h && top + (size_t)row < st->n; row++)
		draw_line(w, y + row, x, width, st, ls, idx[top + (size_t)row], st->held && idx[top + (size_t)row] ==
		          st->cursor);
}

/* ---- the other panes ---- */

static enum tui_role event_cell(const void *data, size_t row, size_t col, char *buf, size_t len)
{
	const struct diag_state *st = data;
	const struct logs_event_group *g = &st->ls->events.g[row];

	switch (col) {
	case 0: snprintf(buf, len, "%s", g->warning ? "Warning" : "Normal"); return g->warning ? ROLE_WARN : ROLE_STALE;
	case 1: snprintf(buf, len, "%s", g->reason); return g->warning ? ROLE_WARN : ROLE_NORMAL;
	case 2: snprintf(buf, len, "%s", slot_of(st->ls, g->slot)); return slot_lines_role(slot_of(st->ls, g->slot));
	case 3: snprintf(buf, len, "%u", g->count); return ROLE_NORMAL;
	case 4: text_age(loop_wall_ms() - g->last_ms, buf, len); return ROLE_STALE;
	case 5: snprintf(buf, len, "%s/%s", g->kind, g->name); return ROLE_NORMAL;
	default: snprintf(buf, len, "%s", g->message); return ROLE_STALE;
	}
}

static enum tui_role stream_cell(const void *data, size_t row, size_t col, char *buf, size_t len)
{
	const struct diag_state *st = data;
	const struct logs_stream *s = &st->ls->streams[row];
	const struct logs_source *src = &st->ls->sources[s->source];

	switch (col) {
	case 0: snprintf(buf, len, "%s", slot_of(st->ls, src->slot)); return slot_lines_role(slot_of(st->ls, src->slot));
	case 1: snprintf(buf, len, "%s", src->pod); return ROLE_NORMAL;
	case 2: snprintf(buf, len, "%s", src->container); return ROLE_STALE;
	case 3: snprintf(buf, len, "%llu", (unsigned long long)s->lines); return ROLE_NORMAL;
	default: logs_stream_words(s, loop_now_ms(), buf, len); return health_role(s->health);
	}
}

static const struct table_col event_cols[] = { { "TYPE", 7, false }, { "REASON", 16, false }, { "SLOT", 5, false },
                                               { "COUNT", 5, true }, { "LAST", 4, false }, { "OBJECT", 40, false },
                                               { "MESSAGE", 0, false } };
static const struct table_col event_cols_narrow[] = { { "TYPE", 7, false }, { "REASON", 16, false },
                                                      { "SLOT", 5, false }, { "COUNT", 5, true }, { "LAST", 4, false },
                                                      { "OBJECT", 0, false } };
static const struct table_col stream_cols[] = { { "SLOT", 5, false }, { "POD", 36, false }, { "CONTAINER", 14, false },
                                                { "LINES", 7, true }, { "HEALTH", 0, false } };

/* What is new, one entry a few rows: its count, where and since when, then
 * its template whole (wrapped), the selected one marked. */
static int new_entry_rows(const struct logs_new *n, int width)
{
	int r = tui_wrap_rows(n->t->text, width - 4, 0);

	return 1 + (r > 3 ? 3 : r);
}

static void draw_new(WINDOW *w, int y, int x, int h, int width, struct diag_state *st, const struct logs_state *ls)
{
	struct table *t = &st->tbl;
	char head[200], first[16];
	int row = 0, need = 0;

	t->nrows = st->nnew;
	if (!st->nnew) {
		tui_putf(w, y, x, width, ROLE_STALE, "nothing new in %s yet", slot_of(ls, ls->live));
		return;
	}
	if (t->selected >= st->nnew)
		t->selected = st->nnew - 1;
	if (t->top > t->selected)
		t->top = t->selected;
	for (size_t i = t->top; i <= t->selected; i++)
		need += new_entry_rows(&st->nw[i], width);
	while (need > h && t->top < t->selected)
		need -= new_entry_rows(&st->nw[t->top++], width);
	for (size_t i = t->top; i < st->nnew && row < h; i++) {
		const struct logs_new *n = &st->nw[i];
		bool sel = i == t->selected;

		clock_of(n->first_ns, false, first, sizeof first);
		if (n->times > 0)
			snprintf(head, sizeof head, "%s %u\xc3\x97  %.0f\xc3\x97 %s's rate  first %s", sel ? tui_glyph(G_PLAY) : " ",
			         n->live, n->times, slot_of(ls, other_slot(ls)), first);
		else
			snprintf(head, sizeof head, "%s %u\xc3\x97  %s only  first %s", sel ? tui_glyph(G_PLAY) : " ", n->live,
			         slot_of(ls, ls->live), first);
		tui_put(w, y + row++, x, width, sel ? ROLE_SELECTED : ROLE_NORMAL, head);
		if (row < h)
			row += tui_wrap_put(w, y + row, x + 4, h - row < 3 ? h - row : 3, width - 4, 0, i == 0 ? ROLE_CRIT :
			                    ROLE_WARN, n->t->text);
	}
}

static void draw_table(WINDOW *w, int y, int x, int h, int width, struct diag_state *st, const struct logs_state *ls)
{
	struct table *t = &st->tbl;

	st->ls = ls;
	t->data = st;
	t->show_selection = true;
	switch (st->pane) {
	case PANE_EVENTS:
		t->cols = width >= 120 ? event_cols : event_cols_narrow;
		t->ncols = width >= 120 ? 7 : 6;
		t->nrows = ls->events.n;
		t->cell = event_cell;
		break;
	default:
		t->cols = stream_cols;
		t->ncols = 5;
		t->nrows = ls->nstreams;
		t->cell = stream_cell;
		break;
	}
	if (t->selected >= t->nrows)
		t->selected = t->nrows ? t->nrows - 1 : 0;
	table_draw(w, y, x, h, width, t);
}

static void draw(void *state, WINDOW *w, int h, int width, const struct model *m)
{
	struct diag_state *st = state;
	const struct logs_state *ls = logs_state(m->logs);
	static const char *const panes[] = { "", " \xc2\xb7 new in this version", " \xc2\xb7 events",
	                                     " \xc2\xb7 streams" };
	char title[400], scope[200], since[16], why[96] = "";
	int64_t now = loop_now_ms();
	int y = 1, inner = width - 2, big = h >= 36;

	if (!ls) {
		snprintf(title, sizeof title, "Diagnose %s no Kubernetes", tui_glyph(G_DOT));
		tui_box(w, 0, 0, h, width, title, ROLE_TITLE);
		tui_wrap_put(w, 2, 2, h - 3, width - 4, 0, ROLE_STALE, m->src[SRC_KUBE].error[0] ? m->src[SRC_KUBE].error :
		             "the pods' logs and the Events come from the Kubernetes API: kubernetes: in the config");
		return;
	}
	reindex(st, ls);
	scope_words(st, ls, scope, sizeof scope);
	clock_of(ls->from_ms * 1000000, false, since, sizeof since);
	if (ls->switch_ms)
		snprintf(why, sizeof why, " (the switch)");
	else if (ls->from_ms && ls->live >= 0)
		snprintf(why, sizeof why, " (%s's pods started)", ls->slot_names[ls->live]);
	/* the title whole: what does not fit is left out, from the least needed */
	for (int v = 0; v < 5; v++) {
		char dot[8];

		snprintf(dot, sizeof dot, " %s ", tui_glyph(G_DOT));
		snprintf(title, sizeof title, "Diagnose%s%s%s%s%s%s%s", v < 3 ? dot : "", v < 3 ? scope : "",
		         v < 2 ? dot : "", v < 2 ? (ls->from_ms ? "since " : "the last lines") : "",
		         v < 2 && ls->from_ms ? since : "", v < 1 ? why : "", v < 4 ? panes[st->pane] : "");
		if (tui_text_width(title) + 6 <= width)
			break;
	}
	tui_box(w, 0, 0, h, width, title, ROLE_TITLE);
	y += streams_strip(w, y, 1, inner, big ? 2 : 1, ls, now);
	y += new_rows(w, y, 1, inner, big ? 3 : 1, ls, st);
	events_row(w, y++, 1, inner, ls);
	if (y >= h - 2)
		return;
	if (st->pane == PANE_LINES)
		draw_lines(w, y, 1, h - 1 - y, inner, st, ls);
	else if (st->pane == PANE_NEW)
		draw_new(w, y, 1, h - 1 - y, inner, st, ls);
	else
		draw_table(w, y, 1, h - 1 - y, inner, st, ls);
}

/* ---- keys ---- */

static void on_regex(const struct dialog *d, enum dialog_result r, void *arg)
{
	char err[200];

	if (r != DIALOG_YES)
		return;
	if (logs_filter_set(&line_filter, (enum logs_filter_part)d->id, d->input, err, sizeof err) != 0)
		ui_message(ROLE_CRIT, "%s: %s", d->input, err);
}

static void ask_regex(struct diag_state *st, enum logs_filter_part part)
{
	static const char *const titles[] = { "Show only the lines matching", "Hide the lines matching",
	                                      "Highlight the lines matching" };
	struct dialog d;

	dialog_input(&d, titles[part], "regex:", line_filter.pat[part], on_regex, st);
	d.id = (uint64_t)part;
	dialog_add_line(&d, ROLE_STALE, "extended regex, blind to case unless it has a capital; empty: none");
	ui_dialog(&d);
}

static void hold(struct diag_state *st, const struct logs_state *ls)
{
	if (st->held)
		return;
	st->held = true;
	st->held_end = logs_ring_end(&ls->ring);
	st->top = st->n > (size_t)st->rows ? idx[st->n - (size_t)st->rows] : st->n ? idx[0] : 0;
}

static void move_cursor(struct diag_state *st, const struct logs_state *ls, enum action_id a, int page)
{
	size_t cur;

	hold(st, ls);
	if (!st->n)
		return;
	cur = lower_bound(st, st->cursor);
	if (cur >= st->n)
		cur = st->n - 1;
	switch (a) {
	case ACTION_UP: cur = cur ? cur - 1 : 0; break;
	case ACTION_DOWN: cur = cur + 1 < st->n ? cur + 1 : cur; break;
	case ACTION_PAGE_UP: cur = cur > (size_t)page ? cur - (size_t)page : 0; break;
	case ACTION_PAGE_DOWN: cur = cur + (size_t)page < st->n ? cur + (size_t)page : st->n - 1; break;
	case ACTION_TOP: cur = 0; break;
	default: break;
	}
	st->cursor = idx[cur];
}

static void toggle_mark(struct diag_state *st)
{
	for (size_t i = 0; i < st->nmarks; i++) {
		if (st->marks[i] == st->cursor) {
			st->marks[i] = st->marks[--st->nmarks];
			return;
		}
	}
	if (st->nmarks < MARKS)
		st->marks[st->nmarks++] = st->cursor;
	else
		ui_message(ROLE_WARN, "%d lines are marked, the most one pin keeps", MARKS);
}

static int by_seq(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* The marked lines (or the selected one) as the timeline keeps them. */
static void pin(struct diag_state *st, const struct logs_state *ls)
{
	char *text = malloc(MARKS * 520), line[512];
	size_t n = 0, len = 0;

	if (!text)
		return;
	if (!st->nmarks && st->n)
		st->marks[st->nmarks++] = st->cursor;
	qsort(st->marks, st->nmarks, sizeof st->marks[0], by_seq);
	for (size_t i = 0; i < st->nmarks; i++) {
		const struct logs_rec *r = logs_ring_get(&ls->ring, st->marks[i]);

		if (!r)
			continue;
		logs_line_text(ls, r, false, line, sizeof line);
		len += (size_t)snprintf(text + len, MARKS * 520 - len, "%s%s", n ? "\n" : "", line);
		n++;
	}
	st->nmarks = 0;
	if (n)
		ui_run_action(ACTION_PIN, text);
	else
		ui_message(ROLE_WARN, "the marked lines left the buffer: nothing pinned");
	free(text);
}

static void next_container(struct diag_state *st, const struct logs_state *ls)
{
	const char *next = NULL;

	/* the names in order, then every container again */
	for (size_t i = 0; i < ls->nsources; i++) {
		const char *c = ls->sources[i].container;

		if (strcmp(c, st->container) > 0 && (!next || strcmp(c, next) < 0))
			next = c;
	}
	text_copy(st->container, sizeof st->container, next ? next : "");
	ui_message(ROLE_NORMAL, "diagnose: %s%s", next ? "container " : "every container", next ? next : "");
}

static void details(struct diag_state *st, const struct logs_state *ls)
{
	struct dialog d;
	size_t i = st->tbl.selected;

	if (st->pane == PANE_NEW && i < st->nnew) {
		dialog_info(&d, "New in this version");
		dialog_add_line(&d, ROLE_CRIT, "%s", st->nw[i].t->text);
		dialog_add_line(&d, ROLE_NORMAL, "%u times on %s since the start, %u on %s", st->nw[i].live,
		                slot_of(ls, ls->live), st->nw[i].other, slot_of(ls, other_slot(ls)));
		dialog_add_line(&d, ROLE_STALE, "the first:");
		dialog_add_line(&d, ROLE_NORMAL, "%s", st->nw[i].t->example);
	} else if (st->pane == PANE_EVENTS && i < ls->events.n) {
		const struct logs_event_group *g = &ls->events.g[i];

		dialog_info(&d, g->reason);
		dialog_add_line(&d, g->warning ? ROLE_WARN : ROLE_NORMAL, "%s %s/%s, %u times", g->warning ? "Warning" :
		                "Normal", g->kind, g->name, g->count);
		dialog_add_line(&d, ROLE_NORMAL, "%s", g->message);
	} else if (st->pane == PANE_STREAMS && i < ls->nstreams) {
		const struct logs_stream *s = &ls->streams[i];
		char words[300];

		logs_stream_words(s, loop_now_ms(), words, sizeof words);
		dialog_info(&d, ls->sources[s->source].pod);
		dialog_add_line(&d, health_role(s->health), "%s", words);
		if (s->reason[0])
			dialog_add_line(&d, ROLE_WARN, "its last instance ended %s, exit %d; its last lines%s%s:", s->reason,
			                s->exit_code, s->prev_error[0] ? ": " : "", s->prev_error);
		for (size_t k = 0; k < s->nprev; k++) {
			char line[LOGS_TEXT];

			logs_line_compact(s->prev[k], strlen(s->prev[k]), line, sizeof line);
			dialog_add_line(&d, ROLE_STALE, "%s", line);
		}
	} else {
		return;
	}
	ui_dialog(&d);
}

static int key(void *state, struct model *m, enum action_id action, int k, int page)
{
	struct diag_state *st = state;
	const struct logs_state *ls = logs_state(m->logs);

	if (!ls)
		return VIEW_IGNORED;
	reindex(st, ls);
	switch (action) {
	case ACTION_PANE:
		st->pane = (st->pane + 1) % PANE_COUNT;
		st->tbl.selected = st->tbl.top = 0;
		return VIEW_REDRAW;
	case ACTION_SCOPE:
		st->scope = (st->scope + 1) % SCOPE_COUNT;
		if (st->scope == SCOPE_POD) {
			const struct logs_rec *r = logs_ring_get(&ls->ring, st->cursor);

			if (!r)
				st->scope = SCOPE_BOTH;
			else
				text_copy(st->pod, sizeof st->pod, ls->sources[r->source].pod);
		}
		return VIEW_REDRAW;
	case ACTION_CONTAINER:
		next_container(st, ls);
		return VIEW_REDRAW;
	case ACTION_FILTER:
		ask_regex(st, LOGS_INCLUDE);
		return VIEW_HANDLED;
	case ACTION_EXCLUDE:
		ask_regex(st, LOGS_EXCLUDE);
		return VIEW_HANDLED;
	case ACTION_HIGHLIGHT:
		ask_regex(st, LOGS_HIGHLIGHT);
		return VIEW_HANDLED;
	case ACTION_PAUSE:
		if (st->held)
			st->held = false;
		else
			hold(st, ls);
		return VIEW_REDRAW;
	case ACTION_FOLLOW:
	case ACTION_BOTTOM:
		if (st->pane != PANE_LINES)
			break;
		st->held = false;
		return VIEW_REDRAW;
	case ACTION_PIN:
		pin(st, ls);
		return VIEW_REDRAW;
	case ACTION_SELECT:
		if (st->pane != PANE_LINES) {
			details(st, ls);
			return VIEW_HANDLED;
		}
		hold(st, ls);
		toggle_mark(st);
		return VIEW_REDRAW;
	default:
		break;
	}
	if (st->pane != PANE_LINES)
		return table_move(&st->tbl, action, page) ? VIEW_REDRAW : action >= ACTION_UP && action <= ACTION_BOTTOM ?
		       VIEW_HANDLED : VIEW_IGNORED;
	if (action >= ACTION_UP && action <= ACTION_TOP) {
		move_cursor(st, ls, action, page);
		return VIEW_REDRAW;
	}
	return VIEW_IGNORED;
}

static void open_view(void *state, struct model *m)
{
	struct diag_state *st = state;
	struct logs_opts o = { .slot = -1, .start = LOGS_FROM_SWITCH, .follow = true, .compare = true };

	st->m = m;
	if (m->logs)
		logs_follow(m->logs, &o);
}

static void close_view(void *state)
{
	struct diag_state *st = state;

	/* the streams rest while nobody reads them; they resume from their last line */
	if (st->m && st->m->logs)
		logs_pause_streams(st->m->logs);
}

const struct view_ops diagnose_view = {
	.name = "diagnose",
	.title = "Diagnose",
	.about = "both slots' logs merged, what is new in this version, the events",
	.key = '9',
	.state_size = sizeof(struct diag_state),
	.redraw_on = DIRTY_LOGS,
	.open = open_view,
	.close = close_view,
	.draw = draw,
	.on_key = key,
};
