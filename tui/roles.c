/* What the console's things mean on screen: a SEV and a timeline event's
 * kind as colour roles, decided once for every view, bar and dialog. */
#include <string.h>

#include "warroom/tui.h"

/* The seeds' levels: SEV-1 (pipeline down) and SEV-2 (degraded, >5 %
 * errors) are emergencies with a 5 and 15 minute response; SEV-3 has a
 * workaround and an hour; SEV-4 waits for the next business day. */
enum tui_role tui_sev_role(int sev)
{
	if (sev >= 1 && sev <= 2)
		return ROLE_CRIT;
	return sev == 3 ? ROLE_WARN : ROLE_NORMAL;
}

/* Kinds an operator must not miss stand out. */
enum tui_role tui_event_role(const char *kind)
{
	if (strcmp(kind, "error") == 0 || strcmp(kind, "alert") == 0)
		return ROLE_CRIT;
	if (strcmp(kind, "rollback") == 0 || strcmp(kind, "sev") == 0)
		return ROLE_WARN;
	if (strcmp(kind, "verify") == 0)
		return ROLE_OK;
	if (strcmp(kind, "note") == 0)
		return ROLE_ACCENT;
	return ROLE_NORMAL;
}
