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

void dialog_form(struct dialog *d, const char *title, void (*update)(struct dialog *d, void *arg),
                 dialog_fn fn, void *arg)
{
	reset(d, DIALOG_FORM, title, fn, arg);
	d->update = update;
}

struct dialog_field *dialog_add_field(struct dialog *d, const char *label, const char *value)
{
	struct dialog_field *f;

	if (d->nfields >= DIALOG_FIELDS)
		return NULL;
	f = &d->fields[d->nfields++];
	memset(f, 0, sizeof *f);
	snprintf(f->label, sizeof f->label, "%s", label ? label : "");
	snprintf(f->value, sizeof f->value, "%s", value ? value : "");
	f->cursor = strlen(f->value);
	f->offer = -1;
	return f;
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
	for (int i = 0; i < d->nfields; i++)
		if (d->fields[i].secret)
			explicit_bzero(d->fields[i].value, sizeof d->fields[i].value);
}

/* The editing keys of a text field; false for a key that is not one. */
static bool edit_key(char *buf, size_t size, size_t *cursor, int key)
{
	size_t len = strlen(buf);

	switch (key) {
	case KEY_BACKSPACE: case 127: case 8:
		if (*cursor == 0)
			break;
		/* back over a whole UTF-8 sequence: continuation bytes, then its lead */
		{
			size_t start = *cursor;

			do
				start--;
			while (start > 0 && ((unsigned char)buf[start] & 0xc0) == 0x80);
			memmove(buf + start, buf + *cursor, len - *cursor + 1);
			*cursor = start;
		}
		break;
	case 21: /* C-u */
		buf[0] = '\0';
		*cursor = 0;
		break;
	case KEY_LEFT:
		while (*cursor > 0 && (((unsigned char)buf[--*cursor]) & 0xc0) == 0x80)
			;
		break;
	case KEY_RIGHT:
		while (*cursor < len && (((unsigned char)buf[++*cursor]) & 0xc0) == 0x80)
			;
		break;
	case 1: case KEY_HOME: *cursor = 0; break;
	case 5: case KEY_END: *cursor = len; break;
	default:
		if (key < 32 || key >= 256 || key == 127)
			return false;
		if (len + 1 < size) {
			memmove(buf + *cursor + 1, buf + *cursor, len - *cursor + 1);
			buf[(*cursor)++] = (char)key;
		}
	}
	return true;
}

static enum dialog_result input_key(struct dialog *d, int key)
{
	switch (key) {
	case '\r': case '\n': case KEY_ENTER:
		return DIALOG_YES;
	case 27: case 7: /* Esc, C-g */
		return DIALOG_NO;
	default:
		edit_key(d->input, sizeof d->input, &d->cursor, key);
	}
	return DIALOG_OPEN;
}

/* The next value offered for the field, its "NAME=" left out. */
static void offer_next(struct dialog_field *f, int step)
{
	const char *eq;

	if (!f->noffers)
		return;
	f->offer = f->offer < 0 ? (step > 0 ? 0 : f->noffers - 1) : (f->offer + step + f->noffers) % f->noffers;
	eq = strchr(f->offers[f->offer], '=');
	snprintf(f->value, sizeof f->value, "%s", eq ? eq + 1 : f->offers[f->offer]);
	f->cursor = strlen(f->value);
}

static enum dialog_result form_key(struct dialog *d, int key)
{
	struct dialog_field *f = d->nfields ? &d->fields[d->field] : NULL;

	switch (key) {
	case 27: case 7: /* Esc, C-g */
		return DIALOG_NO;
	case '\t': case KEY_DOWN:
		if (d->nfields)
			d->field = (d->field + 1) % d->nfields;
		break;
	case KEY_BTAB: case KEY_UP:
		if (d->nfields)
			d->field = (d->field + d->nfields - 1) % d->nfields;
		break;
	case '\r': case '\n': case KEY_ENTER: {
		int empty = -1;

		for (int i = 0; i < d->nfields && empty < 0; i++)
			if (!d->fields[(d->field + 1 + i) % d->nfields].value[0])
				empty = (d->field + 1 + i) % d->nfields;
		if (empty < 0)
			return DIALOG_YES;   /* every field filled */
		d->field = empty;
		break;
	}
	case 14: /* C-n */
		if (f)
			offer_next(f, 1);
		break;
	case 16: /* C-p */
		if (f)
			offer_next(f, -1);
		break;
	default:
		if (f)
			edit_key(f->value, sizeof f->value, &f->cursor, key);
	}
	if (d->update)
		d->update(d, d->arg);
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
	case DIALOG_FORM:
		return form_key(d, key);
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

/* A form's fields from row y, then what is offered for the one being typed in. */
static void form_draw(WINDOW *w, const struct dialog *d, int y, int x, int inner)
{
	int lw = 0, fw;
	char buf[300];
	const struct dialog_field *cur = d->nfields ? &d->fields[d->field] : NULL;

	for (int i = 0; i < d->nfields; i++)
		if (tui_text_width(d->fields[i].label) > lw)
			lw = tui_text_width(d->fields[i].label);
	if (lw > inner / 2)
		lw = inner / 2;
	fw = inner - lw - 4;
	for (int i = 0; i < d->nfields; i++) {
		const struct dialog_field *f = &d->fields[i];
		bool here = i == d->field;
		const char *shown = f->value;

		/* keep the end of a long value in view */
		while (tui_text_width(shown) > fw - 1 && *shown) {
			shown++;
			while ((*shown & 0xc0) == 0x80)
				shown++;
		}
		tui_put(w, y + i, x, 2, ROLE_ACCENT, here ? tui_glyph(G_ARROW) : " ");
		tui_put(w, y + i, x + 2, lw, here ? ROLE_ACCENT : ROLE_NORMAL, f->label);
		if (f->secret)
			shown = "";
		/* the field's whole width is drawn, so an empty one shows where to type */
		tui_put(w, y + i, x + 3 + lw, fw, here ? ROLE_SELECTED : f->value[0] ? ROLE_NORMAL : ROLE_STALE,
		        f->value[0] || f->secret || here ? shown : "(no value yet)");
	}
	if (cur && cur->noffers) {
		char more[32], one[300];
		int k;

		/* whole offers while they fit, and how many more C-n reaches */
		snprintf(buf, sizeof buf, "offered:");
		for (k = 0; k < cur->noffers; k++) {
			snprintf(one, sizeof one, "%s %s", k ? "," : "", cur->offers[k]);
			snprintf(more, sizeof more, " (+%d)", cur->noffers - k - 1);
			if (tui_text_width(buf) + tui_text_width(one) + (k + 1 < cur->noffers ? tui_text_width(more) : 0) >
			    inner)
				break;
			snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "%s", one);
		}
		if (k < cur->noffers) {
			snprintf(more, sizeof more, " (+%d)", cur->noffers - k);
			snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "%s", more);
		}
		tui_put(w, y + d->nfields, x, inner, ROLE_STALE, buf);
	} else if (cur) {
		tui_put(w, y + d->nfields, x, inner, ROLE_STALE, "nothing the console knows fits: type the value");
	}
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
	if ((d->kind == DIALOG_INPUT || d->kind == DIALOG_FORM) && width < 60)
		width = 60;
	for (int i = 0; i < d->nfields; i++)
		if (tui_text_width(d->fields[i].label) + 40 > width)
			width = tui_text_width(d->fields[i].label) + 40;
	if (width > maxw - 2)
		width = maxw - 2;
	if (width < 10)
		width = maxw;
	inner = width - 4;
	d->rows = 0;
	for (size_t i = 0; i < d->nlines; i++)
		d->rows += wrapped_rows(d->lines[i], inner);
	extra = 4 + (d->kind == DIALOG_INPUT ? 1 : 0) + (d->kind == DIALOG_FORM ? d->nfields + 1 : 0);
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
	case DIALOG_FORM:
		form_draw(w, d, y + h - 3 - d->nfields, x + 2, inner);
		tui_put(w, y + h - 2, x + 2, inner, ROLE_STALE,
		        "Tab next  C-n offered  Enter submit  Esc cancel");
		break;
	default:
		tui_put(w, y + h - 2, x + 2, inner, ROLE_STALE, "Enter or Esc to close");
	}
}
