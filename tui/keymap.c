/* Key map: default keys from the action table, overrides from the config. */
#include <stdio.h>
#include <string.h>

#include "warroom/config.h"
#include "warroom/keymap.h"
#include "warroom/tui.h"

#define KEYMAP_MAX 1024   /* curses key codes stay below this */

static enum action_id map[KEYMAP_MAX];

static int bind_list(enum action_id id, const char *specs, char *err, size_t errlen)
{
	char buf[128], *save = NULL;

	snprintf(buf, sizeof buf, "%s", specs);
	for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		int key;

		while (*tok == ' ')
			tok++;
		for (char *end = tok + strlen(tok); end > tok && end[-1] == ' '; )
			*--end = '\0';
		if (!*tok)
			continue;
		key = tui_key_parse(tok);
		if (key < 0 || key >= KEYMAP_MAX) {
			snprintf(err, errlen, "keys: %s: unknown key \"%s\" (try a character, C-x, F1-F12, "
			         "Up, Down, PgUp, PgDn, Home, End, Enter, Esc, Tab, Space)",
			         actions_get(id)->name, tok);
			return -1;
		}
		map[key] = id;
	}
	return 0;
}

int keymap_init(const struct config *cfg, char *err, size_t errlen)
{
	memset(map, 0, sizeof map);
	for (size_t i = 1; i <= actions_count(); i++)
		if (bind_list((enum action_id)i, actions_get((enum action_id)i)->keys, err, errlen))
			return -1;
	/* KEY_ENTER and '\n' mean Enter as much as '\r' does */
	map[KEY_ENTER] = map['\n'] = map['\r'];
	if (!cfg)
		return 0;
	for (size_t k = 0; k < cfg->nkeys; k++) {
		const struct action *a = actions_by_name(cfg->keys[k].action);

		if (!a) {
			snprintf(err, errlen, "keys: unknown action \"%s\" (see the help screen, ?)",
			         cfg->keys[k].action);
			return -1;
		}
		for (int key = 0; key < KEYMAP_MAX; key++)
			if (map[key] == a->id)
				map[key] = ACTION_NONE;
		if (bind_list(a->id, cfg->keys[k].keys, err, errlen))
			return -1;
	}
	return 0;
}

enum action_id keymap_lookup(int key)
{
	return key >= 0 && key < KEYMAP_MAX ? map[key] : ACTION_NONE;
}

const char *keymap_keys(enum action_id id, char *buf, size_t len)
{
	size_t used = 0;
	char name[16];

	buf[0] = '\0';
	for (int key = 0; key < KEYMAP_MAX; key++) {
		if (map[key] != id || key == '\n' || key == KEY_ENTER)
			continue;
		used += (size_t)snprintf(buf + used, used < len ? len - used : 0, "%s%s",
		                         used ? ", " : "", tui_key_name(key, name, sizeof name));
		if (used >= len)
			break;
	}
	return buf;
}
