/* dashboard_live_priv.h — the two phases of a dashboard round, shared by
 * dashboard_live.c (panels) and dashboard_live_vars.c (query variables). */
#ifndef WARROOM_DASHBOARD_LIVE_PRIV_H
#define WARROOM_DASHBOARD_LIVE_PRIV_H

#include "warroom/dashboard.h"

/* The query variables in dependency order, then the panels. */
void dash_live_var_phase(struct dash_live *l);
void dash_live_panel_phase(struct dash_live *l);
/* The round is over (also when it was stopped). */
void dash_live_round_finish(struct dash_live *l);

#endif
