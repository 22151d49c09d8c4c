/* Dialogs: confirm (y/n), text input and info; one modal at a time. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "warroom/widgets.h"

static void reset(struct dialog *d, enum dialog_kind kind, const char *title, dialog_fn fn, void *arg)
{
	memset(d, 0, sizeof *d);
	d->kind = kind;
	d->fn = fn;
	d->arg = arg;
	snprintf(d->title, sizeof d->title, "%s", title ? title : "");
}

void dialog_confirm(struct dialog *d, const char *title, const char *question, bool danger, dialog_fn fn,
                    void *arg)
{
	reset(d, DIALOG_CONFIRM, title, fn, arg);
	snprintf(d->prompt, sizeof d->prompt, "%s", question ? question : "Proceed?");
	d->danger = danger;
}

void dialog_input(struct dialog *d, const char *title, const char *prompt, const char *initial, dialog_fn fn,
                  void *arg)
{
	reset(d, DIALOG_INPUT, title, fn, arg);
	snprintf(d->prompt, sizeof d->prompt, "%s", prompt ? prompt : "");
	snprintf(d->input, sizeof d->input, "%s", initial ? initial : "");
	d->cursor = strlen(d->input);
}

void dialog_info(struct dialog *d, const char *title)
{
	reset(d, DIALOG_INFO, title, NULL, NULL);
}

void dialog_add_line(struct dialog *d, enum tui_role role, const char *fmt, ...)
{
	va_list ap;

	if (d->nlines >= DIALOG_LINES)
		return;
	va_start(ap, fmt);
	vsnprintf(d->lines[d->nlines], sizeof d->lines[0], fmt, ap);
	va_end(ap);
	d->roles[d->nlines++] = role;
}

void dialog_close(struct dialog *d)
{
	d->kind = DIALOG_NONE;
	if (d->secret)
		explicit_bzero(d->input, sizeof d->input);
	d->secret = false;
}

static enum dialog_result input_key(struct dialog *d, int key)
{
	size_t len = strlen(d->input);

	switch (key) {
	case '\r': case '\n': case KEY_ENTER:
		return DIALOG_YES;
	case 27: case 7: /* Esc, C-g */
		return DIALOG_NO;
	case KEY_BACKSPACE: case 127: case 8:
		if (d->cursor == 0)
			break;
		/* back over a whole UTF-8 sequence: continuation bytes, then its lead */
		{
			size_t start = d->cursor;

			do
				start--;
			while (start > 0 && ((unsigned char)d->input[start] & 0xc0) == 0x80);
			memmove(d->input + start, d->input + d->cursor, len - d->cursor + 1);
			d->cursor = start;
		}
		break;
	case 21: /* C-u */
		d->input[0] = '\0';
		d->cursor = 0;
		break;
	case KEY_LEFT:
		while (d->cursor > 0 && (((unsigned char)d->input[--d->cursor]) & 0xc0) == 0x80)
			;
		break;
	case KEY_RIGHT:
		while (d->cursor < len && (((unsigned char)d->input[++d->cursor]) & 0xc0) == 0x80)
			;
		break;
	case 1: case KEY_HOME: d->cursor = 0; break;
	case 5: case KEY_END: d->cursor = len; break;
	default:
		if (key >= 32 && key < 256 && key != 127 && len + 1 < sizeof d->input) {
			memmove(d->input + d->cursor + 1, d->input + d->cursor, len - d->cursor + 1);
			d->input[d->cursor++] = (char)key;
		}
	}
	return DIALOG_OPEN;
}

/* Scrolling keys of a dialog whose body does not fit; true when used. */
static bool scroll_key(struct dialog *d, int key)
{
	int page = d->shown > 1 ? d->shown - 1 : 1;

	switch (key) {
	case 'j': case KEY_DOWN: d->top++; break;
	case 'k': case KEY_UP: d->top--; break;
	case ' ': case KEY_NPAGE: case 6: d->top += page; break;   /* C-f */
	case KEY_PPAGE: case 2: d->top -= page; break;             /* C-b */
	case 'g': case KEY_HOME: d->top = 0; break;
	case 'G': case KEY_END: d->top = d->rows; break;
	default: return false;
	}
	/* clamped at the next draw, which knows the rows */
	if (d->top < 0)
		d->top = 0;
	d->unseen_y = false;
	return true;
}

enum dialog_result dialog_key(struct dialog *d, int key)
{
	switch (d->kind) {
	case DIALOG_CONFIRM:
		if (key == 'y' || key == 'Y') {
			if (!d->seen_all) {
				d->unseen_y = true;
				return DIALOG_OPEN;
			}
			return DIALOG_YES;
		}
		if (key == 'n' || key == 'N' || key == 27 || key == 'q')
			return DIALOG_NO;
		scroll_key(d, key);
		return DIALOG_OPEN;
	case DIALOG_INPUT:
		/* a typed confirmation of something destructive: its plan read to
		 * the end first, scrolled with the keys that type nothing */
		if (d->danger && (key == KEY_DOWN || key == KEY_UP || key == KEY_NPAGE || key == KEY_PPAGE)) {
			scroll_key(d, key);
			return DIALOG_OPEN;
		}
		if (d->danger && !d->seen_all && (key == '\r' || key == '\n' || key == KEY_ENTER)) {
			d->unseen_y = true;
			return DIALOG_OPEN;
		}
		return input_key(d, key);
	case DIALOG_INFO:
		if (d->rows > d->shown && scroll_key(d, key))
			return DIALOG_OPEN;
		return (key == 27 || key == 'q' || key == '\r' || key == '\n' || key == KEY_ENTER ||
		        key == ' ') ? DIALOG_NO : DIALOG_OPEN;
	default:
		return DIALOG_NO;
	}
}

/* Byte length of the next wrapped row of s that fits width columns: cut at
 * the last space when there is one. */
static size_t wrap_row(const char *s, int width)
{
	size_t len = strlen(s), fit = 0, cut = 0;

	while (fit < len) {
		size_t n = 1;

		while (fit + n < len && ((unsigned char)s[fit + n] & 0xc0) == 0x80)
			n++;
		if (tui_text_width_n(s, fit + n) > width)
			break;
		fit += n;
		if (s[fit - 1] == ' ')
			cut = fit;
	}
	if (fit >= len || !cut)
		return fit ? fit : (len ? 1 : 0);
	return cut;
}

static int wrapped_rows(const char *s, int width)
{
	int rows = 0;

	do {
		size_t n = wrap_row(s, width);
		s += n;
		rows++;
	} while (*s);
	return rows;
}

void dialog_draw(WINDOW *w, struct dialog *d)
{
	int maxw = getmaxx(w), maxh = getmaxy(w);
	int width = tui_text_width(d->title) + 6, h, y, x, inner, row, avail, extra;
	char footer[200], buf[512];

	if (d->kind == DIALOG_NONE)
		return;
	for (size_t i = 0; i < d->nlines; i++) {
		int lw = tui_text_width(d->lines[i]) + 4;
		if (lw > width)
			width = lw;
	}
	if (tui_text_width(d->prompt) + 24 > width)
		width = tui_text_width(d->prompt) + 24;
	if (d->kind == DIALOG_INPUT && width < 60)
		width = 60;
	if (width > maxw - 2)
		width = maxw - 2;
	if (width < 10)
		width = maxw;
	inner = width - 4;
	d->rows = 0;
	for (size_t i = 0; i < d->nlines; i++)
		d->rows += wrapped_rows(d->lines[i], inner);
	extra = 4 + (d->kind == DIALOG_INPUT ? 1 : 0);
	h = d->rows + extra;
	if (h > maxh)
		h = maxh;
	avail = h - extra;
	/* a body that does not fit gives its last row to the "more" line */
	d->shown = d->rows > avail ? avail - 1 : d->rows;
	if (d->shown < 0)
		d->shown = 0;
	if (d->top > d->rows - d->shown)
		d->top = d->rows - d->shown;
	if (d->top < 0)
		d->top = 0;
	if (d->top + d->shown >= d->rows)
		d->seen_all = true;
	y = (maxh - h) / 2;
	x = (maxw - width) / 2;
	tui_fill(w, y, x, h, width);
	tui_box(w, y, x, h, width, d->title, d->danger ? ROLE_CRIT : ROLE_TITLE);
	row = 0;
	for (size_t i = 0; i < d->nlines; i++) {
		const char *s = d->lines[i];

		do {
			size_t n = wrap_row(s, inner);

			if (row >= d->top && row < d->top + d->shown) {
				snprintf(buf, sizeof buf, "%.*s", (int)n, s);
				tui_put(w, y + 1 + row - d->top, x + 2, inner, d->roles[i], buf);
			}
			row++;
			s += n;
		} while (*s);
	}
	if (d->rows > d->shown && d->shown > 0) {
		bool below = d->top + d->shown < d->rows;

		snprintf(footer, sizeof footer, "%s (lines %d-%d of %d)  j/k Space scroll",
		         below ? "more below" : "end", d->top + 1, d->top + d->shown, d->rows);
		tui_put(w, y + 1 + d->shown, x + 2, inner, below ? ROLE_WARN : ROLE_STALE, footer);
	}
	switch (d->kind) {
	case DIALOG_CONFIRM:
		if (d->unseen_y && !d->seen_all)
			snprintf(footer, sizeof footer, "read to the end first (Space)  [n] no");
		else
			snprintf(footer, sizeof footer, "%s  [y] yes  [n] no", d->prompt);
		tui_put(w, y + h - 2, x + 2, inner, d->danger || d->unseen_y ? ROLE_CRIT : ROLE_ACCENT, footer);
		break;
	case DIALOG_INPUT: {
		int pw = tui_text_width(d->prompt);
		int fw = inner - pw - 1;
		const char *shown = d->input;
		int tw = tui_text_width(d->input);

		/* keep the end of a long input in view */
		while (tw > fw - 1 && *shown) {
			shown++;
			while ((*shown & 0xc0) == 0x80)
				shown++;
			tw = tui_text_width(shown);
		}
		tui_put(w, y + h - 3, x + 2, pw + 1, d->danger ? ROLE_CRIT : ROLE_ACCENT, d->prompt);
		tui_put(w, y + h - 3, x + 3 + pw, fw, ROLE_SELECTED, d->secret ? "" : shown);
		if (d->unseen_y && !d->seen_all)
			tui_put(w, y + h - 2, x + 2, inner, ROLE_CRIT, "read to the end first (PgDn)   Esc cancel");
		else
			tui_put(w, y + h - 2, x + 2, inner, ROLE_STALE, "Enter accept   Esc cancel   C-u clear");
		break;
	}
	default:
		tui_put(w, y + h - 2, x + 2, inner, ROLE_STALE, "Enter or Esc to close");
	}
}
