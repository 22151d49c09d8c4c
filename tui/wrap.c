/* Word wrap: rows cut after a space when there is one, never inside a UTF-8
 * character, so nothing the operator needs ends mid-word at a panel edge. */
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "warroom/widgets.h"

static bool cont_byte(char c)
{
	return ((unsigned char)c & 0xc0) == 0x80;
}

size_t tui_wrap_next(const char *s, int width, size_t maxbytes)
{
	size_t len = strlen(s), off = 0, cut = 0;
	int cols = 0;
	mbstate_t st;

	memset(&st, 0, sizeof st);
	if (!maxbytes)
		maxbytes = (size_t)-1;
	while (off < len) {
		int cw;
		size_t n = tui_next_char(s + off, len - off, &st, &cw);

		if (!n || cols + cw > width || off + n > maxbytes)
			break;
		cols += cw;
		off += n;
		if (s[off - 1] == ' ')
			cut = off;
	}
	/* without a UTF-8 locale a character is several "characters": keep it whole */
	while (off > 0 && off < len && cont_byte(s[off]))
		off--;
	if (off >= len || s[off] == ' ')
		return off ? off : len;
	if (cut)
		return cut;
	if (off)
		return off;
	/* not even one character fits: take one anyway so callers progress */
	for (off = 1; off < len && cont_byte(s[off]); off++)
		;
	return off;
}

static const char *skip_spaces(const char *s)
{
	while (*s == ' ')
		s++;
	return s;
}

int tui_wrap_rows(const char *s, int width, int indent)
{
	int rows = 0;

	if (!s || !*s)
		return 1;
	for (bool first = true; *s; first = false) {
		int w = first ? width : width - indent;

		s = skip_spaces(s + tui_wrap_next(s, w > 1 ? w : 1, 0));
		rows++;
	}
	return rows;
}

int tui_wrap_put(WINDOW *w, int y, int x, int h, int width, int indent, enum tui_role role, const char *s)
{
	char buf[1024];
	int rows = 0;

	if (!s)
		s = "";
	if (h <= 0 || width <= 0)
		return 0;
	for (bool first = true; rows < h && (first || *s); first = false) {
		int cw = first ? width : width - indent, cx = first ? x : x + indent;
		size_t n = tui_wrap_next(s, cw > 1 ? cw : 1, sizeof buf - 1);

		memcpy(buf, s, n);
		buf[n] = '\0';
		/* a last row that cannot hold the rest says so */
		if (rows == h - 1 && s[n] && *skip_spaces(s + n)) {
			size_t k = tui_wrap_next(s, (cw > 2 ? cw : 2) - 1, sizeof buf - 8);
			memcpy(buf, s, k);
			strcpy(buf + k, tui_glyph(G_ELLIPSIS));
		}
		if (!first)
			tui_put(w, y + rows, x, indent, role, "");
		tui_put(w, y + rows, cx, cw, role, buf);
		s = skip_spaces(s + n);
		rows++;
	}
	return rows;
}
