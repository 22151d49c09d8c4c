/* Status bar: environment and service, incident and SEV, connections,
 * refresh age, UTC clock. When the row is crowded the right-hand parts take
 * their short forms, then drop, before the left (where we are) is cut. */
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
	int cw = s->clock ? tui_text_width(s->clock) + 1 : 0;
	int aw = s->alert ? tui_text_width(s->alert) + 2 : 0;
	int lw = s->left ? tui_text_width(s->left) + 1 : 0;
	const char *inc_short = s->incident_short ? s->incident_short : s->incident;
	const char *conn_short = s->conn_short ? s->conn_short : s->conn;
	/* richest first: the first that leaves the left whole wins */
	const struct { const char *inc, *conn, *refreshed; } forms[] = {
		{ s->incident, s->conn, s->refreshed },
		{ s->incident, s->conn, NULL },
		{ s->incident, conn_short, NULL },
		{ inc_short, conn_short, NULL },
	};
	size_t pick = sizeof forms / sizeof forms[0] - 1;

	for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++)
		if (cw + aw + part_w(forms[i].inc) + part_w(forms[i].conn) + part_w(forms[i].refreshed) + lw <= width) {
			pick = i;
			break;
		}
	tui_put(w, y, 0, width, ROLE_BAR, "");
	if (s->clock && cw < right) {
		right -= cw;
		tui_put(w, y, right, cw, ROLE_BAR, s->clock);
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
