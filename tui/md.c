/* A Markdown document (markdown.h) drawn in a box: headings in the title
 * colour, paragraphs and list items wrapped under their text, code and
 * table rows cut at the edge so their columns stay aligned. */
#include "warroom/markdown.h"
#include "warroom/widgets.h"

static enum tui_role role_of(enum md_style st)
{
	switch (st) {
	case MD_HEADING: case MD_TABLE_HEAD: return ROLE_TITLE;
	case MD_CODE: return ROLE_ACCENT;
	case MD_QUOTE: return ROLE_STALE;
	case MD_RULE: return ROLE_BORDER;
	default: return ROLE_NORMAL;
	}
}

static bool wraps(enum md_style st)
{
	return st == MD_TEXT || st == MD_HEADING || st == MD_QUOTE;
}

/* Rows block b takes at width, its gap included. */
static int block_rows(const struct md_block *b, int width)
{
	int room = width - b->indent - tui_text_width(b->lead);

	return (b->gap ? 1 : 0) + (wraps(b->style) && room > 0 ? tui_wrap_rows(b->text, room, 0) : 1);
}

int tui_md_rows(const struct md_doc *d, int width)
{
	int rows = 0;

	for (size_t i = 0; i < d->n; i++)
		rows += block_rows(&d->b[i], width);
	return rows;
}

int tui_md_draw(WINDOW *w, int y, int x, int h, int width, const struct md_doc *d)
{
	int row = 0;

	for (size_t i = 0; i < d->n && row < h; i++) {
		const struct md_block *b = &d->b[i];
		int lw = tui_text_width(b->lead), tx = x + b->indent + lw, room = width - b->indent - lw;
		enum tui_role role = role_of(b->style);

		if (b->gap && row > 0 && ++row >= h)
			break;
		if (room < 1)
			room = 1, tx = x + width - 1;
		if (lw && b->indent < width)
			tui_put(w, y + row, x + b->indent, width - b->indent, role, b->lead);
		if (b->style == MD_RULE) {
			for (int k = 0; k < width - b->indent; k++)
				tui_put(w, y + row, x + b->indent + k, 1, role, tui_glyph(G_HLINE));
			row++;
		} else if (wraps(b->style)) {
			row += tui_wrap_put(w, y + row, tx, h - row, room, 0, role, b->text);
		} else {
			tui_put(w, y + row, tx, room, role, b->text);
			row++;
		}
	}
	return row;
}
