/* Gauge: a bar for value/max with its label and the number at the end. */
#include <math.h>
#include <stdio.h>

#include "warroom/widgets.h"

void gauge_draw(WINDOW *w, int y, int x, int width, double value, double max,
                const char *label, enum tui_role role)
{
	char num[32];
	int lw = label ? tui_text_width(label) + 1 : 0;
	int nw, bw, fill;
	double f;

	if (isnan(value))
		snprintf(num, sizeof num, " n/a");
	else
		snprintf(num, sizeof num, " %.0f%%", max > 0 ? 100.0 * value / max : 0.0);
	nw = tui_text_width(num);
	bw = width - lw - nw - 2;
	if (label)
		tui_put(w, y, x, lw, ROLE_NORMAL, label);
	if (bw < 1) {
		tui_put(w, y, x + lw, width - lw, role, num);
		return;
	}
	f = (isnan(value) || max <= 0) ? 0 : value / max;
	f = f < 0 ? 0 : f > 1 ? 1 : f;
	fill = (int)lround(f * bw);
	tui_put(w, y, x + lw, 1, ROLE_BORDER, "[");
	for (int i = 0; i < bw; i++)
		tui_put(w, y, x + lw + 1 + i, 1, i < fill ? role : ROLE_STALE,
		        i < fill ? (tui_caps()->utf8 ? "█" : "#") : (tui_caps()->utf8 ? "·" : "."));
	tui_put(w, y, x + lw + 1 + bw, 1, ROLE_BORDER, "]");
	tui_put(w, y, x + lw + 2 + bw, nw, role, num);
}
