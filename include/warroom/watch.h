/* watch — the core watchers: they follow the model after every update and
 * act on what they see, without a screen, in the console and headless alike.
 * The first records the service's outages in the timeline as they begin and
 * end; the deployment-window monitor and the SEV suggestions join here. */
#ifndef WARROOM_WATCH_H
#define WARROOM_WATCH_H

struct model;
struct watch_core;

/* Installs the core watchers on m (which must have its timeline set, or
 * NULL to record nothing). Free after the model's last update. */
struct watch_core *watch_core_install(struct model *m);
void watch_core_free(struct watch_core *w);

#endif
