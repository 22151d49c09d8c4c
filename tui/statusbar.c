/* Status bar: environment and service, incident and SEV, connections,
 * refresh age, UTC clock. Drops parts from the right end when narrow. */
#include <stdio.h>
#include <string.h>

#include "warroom/widgets.h"

void statusbar_draw(WINDOW *w, int y, int width, const struct statusbar *s)
{
	int x = 0, right = width;
	int cw = s->clock ? tui_text_width(s->clock) + 1 : 0;
	int rw = s->refreshed ? tui_text_width(s->refreshed) + 2 : 0;
	int nw = s->conn ? tui_text_width(s->conn) + 2 : 0;
	int iw = s->incident ? tui_text_width(s->incident) + 2 : 0;

	tui_put(w, y, 0, width, ROLE_BAR, "");
	if (s->clock && cw < right) {
		right -= cw;
		tui_put(w, y, right, cw, ROLE_BAR, s->clock);
	}
	/* what must never be dropped: the incident and where we are; then
	 * connections, then the refresh age */
	if (s->refreshed && rw + nw + iw + 36 < right) {
		right -= rw;
		tui_put(w, y, right, rw, ROLE_BAR, s->refreshed);
	}
	if (s->conn && nw + iw + 10 < right) {
		right -= nw;
		tui_put(w, y, right, nw, s->conn_role, s->conn);
	}
	if (s->incident && iw < right) {
		right -= iw;
		tui_put(w, y, right, iw, s->incident_role, s->incident);
	}
	if (s->left)
		tui_put(w, y, x, right - x - 1, ROLE_BAR, s->left);
}
