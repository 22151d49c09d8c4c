/* keymap — keys to actions, built from the action table's default keys and
 * the config's `keys:` overrides. */
#ifndef WARROOM_KEYMAP_H
#define WARROOM_KEYMAP_H

#include <stddef.h>

#include "warroom/actions.h"

struct config;

/* Builds the map. Overrides replace an action's default keys; a key taken
 * from another action is moved. Errors name the action or the key spec. */
int keymap_init(const struct config *cfg, char *err, size_t errlen);
enum action_id keymap_lookup(int key);
/* The keys bound to an action, for help and hints: "C-r, F5". */
const char *keymap_keys(enum action_id id, char *buf, size_t len);

#endif
