/* dashboard_live_priv.h — the two phases of a dashboard round, shared by
 * dashboard_live.c (the round's driver, on top), dashboard_live_vars.c
 * (query variables) and dashboard_live_panels.c (the panels' queries). */
#ifndef WARROOM_DASHBOARD_LIVE_PRIV_H
#define WARROOM_DASHBOARD_LIVE_PRIV_H

#include "warroom/dashboard.h"

/* Each phase runs on its own (its answers arrive on the loop) and calls
 * done once, when it is over: stopped when the console stopped the source
 * meanwhile. The driver then starts the next phase or ends the round. */
typedef void (*dash_live_phase_fn)(struct dash_live *l, bool stopped);

/* The query variables in dependency order (dashboard_live_vars.c). */
void dash_live_var_phase(struct dash_live *l, dash_live_phase_fn done);
/* Every panel's queries of the round (dashboard_live_panels.c). */
void dash_live_panel_phase(struct dash_live *l, dash_live_phase_fn done);
/* The round's queries and the panels' data let go (dash_live_free, a
 * dashboard loaded in place of another). */
void dash_live_jobs_free(struct dash_live *l);
void dash_live_pdata_free(struct dash_live *l);

#endif
