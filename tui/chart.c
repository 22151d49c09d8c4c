/* Charts: a one-row sparkline and a braille plot (2x4 dots a cell) in UTF-8;
 * block and ASCII characters otherwise. NaN values leave a gap. */
#include <math.h>
#include <string.h>

#include "warroom/widgets.h"

static const char *const blocks[8] = { "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█" };
static const char ascii_levels[] = "_.-~=*#@";

static double norm(double v, double lo, double hi)
{
	if (isnan(v))
		return NAN;
	if (!(hi > lo))
		return v > lo ? 1.0 : 0.0;
	v = (v - lo) / (hi - lo);
	return v < 0 ? 0 : v > 1 ? 1 : v;
}

/* The value shown in column c of width cols: the newest values on the right. */
static double sample(const double *v, size_t n, int c, int cols)
{
	long i = (long)n - (long)cols + c;

	return (i < 0 || !v) ? NAN : v[i];
}

void chart_spark(WINDOW *w, int y, int x, int width, const double *v, size_t n,
                 double lo, double hi, enum tui_role role)
{
	bool utf8 = tui_caps()->utf8;

	wattrset(w, tui_attr(role));
	for (int c = 0; c < width; c++) {
		double f = norm(sample(v, n, c, width), lo, hi);
		int lvl;

		wmove(w, y, x + c);
		if (isnan(f)) {
			waddch(w, ' ');
			continue;
		}
		lvl = (int)lround(f * 7);
		if (utf8)
			waddstr(w, blocks[lvl]);
		else
			waddch(w, (chtype)ascii_levels[lvl]);
	}
	wattrset(w, A_NORMAL);
}

/* Braille: U+2800 + dot bits; dots 1-3,7 in the left column, 4-6,8 right. */
static void braille_cell(char out[4], unsigned bits)
{
	unsigned cp = 0x2800 + bits;

	out[0] = (char)(0xe0 | (cp >> 12));
	out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
	out[2] = (char)(0x80 | (cp & 0x3f));
	out[3] = '\0';
}

void chart_plot(WINDOW *w, int y, int x, int h, int width, const double *v, size_t n,
                double lo, double hi, enum tui_role role)
{
	static const unsigned left[4] = { 0x40, 0x04, 0x02, 0x01 };   /* bottom to top */
	static const unsigned right[4] = { 0x80, 0x20, 0x10, 0x08 };
	bool utf8 = tui_caps()->utf8;

	if (h < 1 || width < 1)
		return;
	if (h == 1) {
		chart_spark(w, y, x, width, v, n, lo, hi, role);
		return;
	}
	wattrset(w, tui_attr(role));
	for (int c = 0; c < width; c++) {
		int dots = utf8 ? 4 : 1, sub = utf8 ? 2 : 1;
		int level[2];

		for (int s = 0; s < sub; s++) {
			double f = norm(sample(v, n, c * sub + s, width * sub), lo, hi);

			level[s] = isnan(f) ? -1 : (int)lround(f * (h * dots - 1));
		}
		for (int r = 0; r < h; r++) {
			int row = h - 1 - r;   /* r counted from the bottom */

			wmove(w, y + row, x + c);
			if (utf8) {
				unsigned bits = 0;
				char cell[4];

				for (int s = 0; s < 2; s++)
					for (int d = 0; d < 4; d++)
						if (level[s] >= 0 && r * 4 + d <= level[s])
							bits |= s ? right[d] : left[d];
				if (!bits) {
					waddch(w, ' ');
					continue;
				}
				braille_cell(cell, bits);
				waddstr(w, cell);
			} else {
				waddch(w, level[0] >= 0 && r <= level[0] ? (chtype)'#' : (chtype)' ');
			}
		}
	}
	wattrset(w, A_NORMAL);
}
