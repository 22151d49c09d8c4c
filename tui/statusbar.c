/* Status bar: environment and service, incident and SEV, connections,
 * refresh age, UTC clock. When the row is crowded the right-hand parts take
 * their short forms, then drop, before the left (where we are) is cut;
 * only a source that is down is kept at the left's expense. */
#include <stdio.h>
#include <string.h>

#include "warroom/widgets.h"

static int part_w(const char *s)
{
	return s ? tui_text_width(s) + 2 : 0;
}

void statusbar_draw(WINDOW *w, int y, int width, const struct statusbar *s)
{
	int right = width;
	int aw = s->alert ? tui_text_width(s->alert) + 2 : 0;
	int lw = s->left ? tui_text_width(s->left) + 1 : 0;
	const char *inc_short = s->incident_short ? s->incident_short : s->incident;
	const char *conn_short = s->conn_short ? s->conn_short : s->conn;
	const char *clk_short = s->clock_short ? s->clock_short : s->clock;
	/* richest first: the first that leaves the left whole wins; the
	 * incident's id and clock outlast the wall clock's seconds */
	const struct { const char *inc, *conn, *refreshed, *clock; } forms[] = {
		{ s->incident, s->conn, s->refreshed, s->clock },
		{ s->incident, s->conn, NULL, s->clock },
		{ s->incident, conn_short, NULL, s->clock },
		{ inc_short, conn_short, NULL, s->clock },
		{ inc_short, conn_short, NULL, clk_short },
		{ inc_short, NULL, NULL, clk_short },
	};
	/* nothing fits with the left whole: a source that is down stays in
	 * sight, and the left is cut for it (an operator must not read a
	 * silent bar while every server is gone) */
	size_t pick = sizeof forms / sizeof forms[0] - (s->conn_role == ROLE_CRIT ? 2 : 1);
	int cw;

	for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
		if (!forms[i].conn && s->conn && s->conn_role == ROLE_CRIT)
			continue;
		cw = forms[i].clock ? tui_text_width(forms[i].clock) + 1 : 0;
		if (cw + aw + part_w(forms[i].inc) + part_w(forms[i].conn) + part_w(forms[i].refreshed) + lw <= width) {
			pick = i;
			break;
		}
	}
	cw = forms[pick].clock ? tui_text_width(forms[pick].clock) + 1 : 0;
	tui_put(w, y, 0, width, ROLE_BAR, "");
	if (forms[pick].clock && cw < right) {
		right -= cw;
		tui_put(w, y, right, cw, ROLE_BAR, forms[pick].clock);
	}
	/* a standing rollback recommendation before anything else */
	if (s->alert && aw < right) {
		right -= aw;
		tui_put(w, y, right, aw - 1, ROLE_CRIT, s->alert);
	}
	/* what must never be dropped: the incident and where we are; then
	 * connections, then the refresh age */
	if (forms[pick].refreshed) {
		right -= part_w(forms[pick].refreshed);
		tui_put(w, y, right, part_w(forms[pick].refreshed), ROLE_BAR, forms[pick].refreshed);
	}
	if (forms[pick].conn && part_w(forms[pick].conn) + part_w(forms[pick].inc) + 10 < right) {
		right -= part_w(forms[pick].conn);
		tui_put(w, y, right, part_w(forms[pick].conn), s->conn_role, forms[pick].conn);
	}
	if (forms[pick].inc && part_w(forms[pick].inc) < right) {
		right -= part_w(forms[pick].inc);
		tui_put(w, y, right, part_w(forms[pick].inc), s->incident_role, forms[pick].inc);
	}
	if (s->left)
		tui_put(w, y, 0, right - 1, ROLE_BAR, s->left);
}
