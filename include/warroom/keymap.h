/* keymap — keys to actions and to views: the action table's default keys,
 * the config's `keys:` overrides and the views' number keys. Everything that
 * names a key on screen (hints, help, `warroom keys`) asks it here, so no
 * text names a key the operator does not have. Implemented in tui/keymap.c. */
#ifndef WARROOM_KEYMAP_H
#define WARROOM_KEYMAP_H

#include <stdbool.h>
#include <stddef.h>

#include "warroom/actions.h"

struct config;
struct view_ops;

/* Builds the map. Overrides replace an action's default keys; a key taken
 * from another action is moved. A view's number key opens it unless the
 * config gave that key to an action. Errors name the action or the key spec. */
int keymap_init(const struct config *cfg, const struct view_ops *const *views, size_t nviews, char *err,
                size_t errlen);
enum action_id keymap_lookup(int key);
/* The index (of the views given) of the view key opens, or -1. */
int keymap_view(int key);
/* The keys bound to an action, in the order the table or the config wrote
 * them, for help and hints: "C-r, F5". */
const char *keymap_keys(enum action_id id, char *buf, size_t len);

/* ---- hints ----
 * The returned text stays valid until keymap_init runs again, so several
 * fit in one printf. */

/* The first key bound to id ("x", "C-x"), or ":name" (the command line)
 * when the config left it none. */
const char *keymap_key_for(enum action_id id);
/* The key that opens the view named name ("6"), or ":name" when its number
 * went to an action. */
const char *keymap_view_key(const char *name);
/* in with every "{NAME}" of an action (the core's way to name a key) as
 * its key; other braces are left as they are. */
void keymap_expand(const char *in, char *out, size_t len);

/* ---- the help's list: the actions in table order, the views under "view" ---- */

struct keymap_entry {
	char keys[64];       /* "?, F1"; ":role" when unbound */
	char name[32];       /* the action's name, or the view's under "view" */
	char tags[8];        /* "WCI": changes the cluster, confirm first, needs an incident */
	char help[200];
	unsigned flags;      /* the action's ACT_* flags (0 for a view) */
	bool view;           /* a view: listed under the view action */
};

/* What the tags mean, under the list. */
#define KEYMAP_LEGEND "W changes the cluster, refused --readonly  C confirm first  I needs incident"

size_t keymap_entries(void);
/* Entry i; false past the end. */
bool keymap_entry(size_t i, struct keymap_entry *e);

#endif
