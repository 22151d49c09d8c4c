/* Dialogs: confirm (y/n), text input and info; one modal at a time. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "warroom/widgets.h"

static void reset(struct dialog *d, enum dialog_kind kind, int tag, const char *title)
{
	memset(d, 0, sizeof *d);
	d->kind = kind;
	d->tag = tag;
	snprintf(d->title, sizeof d->title, "%s", title ? title : "");
}

void dialog_confirm(struct dialog *d, int tag, const char *title, const char *question, bool danger)
{
	reset(d, DIALOG_CONFIRM, tag, title);
	snprintf(d->prompt, sizeof d->prompt, "%s", question ? question : "Proceed?");
	d->danger = danger;
}

void dialog_input(struct dialog *d, int tag, const char *title, const char *prompt, const char *initial)
{
	reset(d, DIALOG_INPUT, tag, title);
	snprintf(d->prompt, sizeof d->prompt, "%s", prompt ? prompt : "");
	snprintf(d->input, sizeof d->input, "%s", initial ? initial : "");
	d->cursor = strlen(d->input);
}

void dialog_info(struct dialog *d, int tag, const char *title)
{
	reset(d, DIALOG_INFO, tag, title);
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

enum dialog_result dialog_key(struct dialog *d, int key)
{
	switch (d->kind) {
	case DIALOG_CONFIRM:
		if (key == 'y' || key == 'Y')
			return DIALOG_YES;
		if (key == 'n' || key == 'N' || key == 27 || key == 'q')
			return DIALOG_NO;
		return DIALOG_OPEN;
	case DIALOG_INPUT:
		return input_key(d, key);
	case DIALOG_INFO:
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

void dialog_draw(WINDOW *w, const struct dialog *d)
{
	int maxw = getmaxx(w), maxh = getmaxy(w);
	int width = tui_text_width(d->title) + 6, h, y, x, inner, row, body = 0;
	char footer[160], buf[256];

	if (d->kind == DIALOG_NONE)
		return;
	for (size_t i = 0; i < d->nlines; i++) {
		int lw = tui_text_width(d->lines[i]) + 4;
		if (lw > width)
			width = lw;
	}
	if (tui_text_width(d->prompt) + 4 > width)
		width = tui_text_width(d->prompt) + 4;
	if (d->kind == DIALOG_INPUT && width < 60)
		width = 60;
	if (width > maxw - 2)
		width = maxw - 2;
	if (width < 10)
		width = maxw;
	inner = width - 4;
	for (size_t i = 0; i < d->nlines; i++)
		body += wrapped_rows(d->lines[i], inner);
	h = body + 4 + (d->kind == DIALOG_INPUT ? 1 : 0);
	if (h > maxh)
		h = maxh;
	y = (maxh - h) / 2;
	x = (maxw - width) / 2;
	tui_fill(w, y, x, h, width);
	tui_box(w, y, x, h, width, d->title, d->danger ? ROLE_CRIT : ROLE_TITLE);
	row = 0;
	for (size_t i = 0; i < d->nlines; i++) {
		const char *s = d->lines[i];

		do {
			size_t n = wrap_row(s, inner);

			if (row >= h - 4 - (d->kind == DIALOG_INPUT ? 1 : 0))
				break;
			snprintf(buf, sizeof buf, "%.*s", (int)n, s);
			tui_put(w, y + 1 + row++, x + 2, inner, d->roles[i], buf);
			s += n;
		} while (*s);
	}
	switch (d->kind) {
	case DIALOG_CONFIRM:
		snprintf(footer, sizeof footer, "%s  [y] yes  [n] no", d->prompt);
		tui_put(w, y + h - 2, x + 2, inner, d->danger ? ROLE_CRIT : ROLE_ACCENT, footer);
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
		tui_put(w, y + h - 3, x + 2, pw + 1, ROLE_ACCENT, d->prompt);
		tui_put(w, y + h - 3, x + 3 + pw, fw, ROLE_SELECTED, shown);
		tui_put(w, y + h - 2, x + 2, inner, ROLE_STALE, "Enter accept   Esc cancel   C-u clear");
		break;
	}
	default:
		tui_put(w, y + h - 2, x + 2, inner, ROLE_STALE, "Enter or Esc to close");
	}
}
