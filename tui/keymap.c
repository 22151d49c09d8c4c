/* Key map: default keys from the action table, overrides from the config,
 * the views' number keys from the registry's list. Hints and the help ask
 * it which key does what, so they always name the keys in force. */
#include <stdio.h>
#include <string.h>

#include "warroom/config.h"
#include "warroom/keymap.h"
#include "warroom/tui.h"
#include "warroom/view.h"

#define KEYMAP_MAX 1024   /* curses key codes stay below this */
#define KEYMAP_VIEWS 16

static struct {
	enum action_id map[KEYMAP_MAX];
	char specs[ACTION_COUNT][128];     /* each action's key specs, as written */
	char first[ACTION_COUNT][24];      /* the hint for each action */
	const struct view_ops *const *views;
	size_t nviews;
	char view_key[KEYMAP_VIEWS][40];
} K;

static void trim(char **tok)
{
	while (**tok == ' ')
		(*tok)++;
	for (char *end = *tok + strlen(*tok); end > *tok && end[-1] == ' '; )
		*--end = '\0';
}

static int bind_list(enum action_id id, const char *specs, char *err, size_t errlen)
{
	char buf[128], *save = NULL;

	snprintf(buf, sizeof buf, "%s", specs);
	snprintf(K.specs[id], sizeof K.specs[id], "%s", specs);
	for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		int key;

		trim(&tok);
		if (!*tok)
			continue;
		key = tui_key_parse(tok);
		if (key < 0 || key >= KEYMAP_MAX) {
			snprintf(err, errlen, "keys: %s: unknown key \"%s\" (try a character, C-x, F1-F12, "
			         "Up, Down, PgUp, PgDn, Home, End, Enter, Esc, Tab, Space)",
			         actions_get(id)->name, tok);
			return -1;
		}
		K.map[key] = id;
	}
	return 0;
}

/* Calls fn for each key of id's specs still bound to it, in their order,
 * each once; stops when fn returns false. */
static void each_key(enum action_id id, bool (*fn)(int key, void *arg), void *arg)
{
	char buf[128], *save = NULL;
	int seen[16];
	size_t nseen = 0;

	snprintf(buf, sizeof buf, "%s", K.specs[id]);
	for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		int key;
		bool dup = false;

		trim(&tok);
		key = *tok ? tui_key_parse(tok) : -1;
		if (key < 0 || key >= KEYMAP_MAX || K.map[key] != id)
			continue;
		for (size_t i = 0; i < nseen && !dup; i++)
			dup = seen[i] == key;
		if (dup)
			continue;
		if (nseen < sizeof seen / sizeof seen[0])
			seen[nseen++] = key;
		if (!fn(key, arg))
			return;
	}
}

static bool take_first(int key, void *arg)
{
	int *first = arg;

	*first = key;
	return false;
}

static void make_hints(void)
{
	char name[16];

	for (size_t i = 1; i < ACTION_COUNT; i++) {
		int key = -1;

		each_key((enum action_id)i, take_first, &key);
		if (key >= 0)
			snprintf(K.first[i], sizeof K.first[i], "%s", tui_key_name(key, name, sizeof name));
		else
			snprintf(K.first[i], sizeof K.first[i], ":%s", actions_get((enum action_id)i)->name);
	}
	for (size_t v = 0; v < K.nviews && v < KEYMAP_VIEWS; v++) {
		if (K.views[v]->key && K.map[K.views[v]->key] == ACTION_NONE)
			snprintf(K.view_key[v], sizeof K.view_key[v], "%c", K.views[v]->key);
		else
			snprintf(K.view_key[v], sizeof K.view_key[v], ":%s", K.views[v]->name);
	}
}

int keymap_init(const struct config *cfg, const struct view_ops *const *views, size_t nviews, char *err,
                size_t errlen)
{
	memset(&K, 0, sizeof K);
	K.views = views;
	K.nviews = nviews;
	for (size_t i = 1; i <= actions_count(); i++)
		if (bind_list((enum action_id)i, actions_get((enum action_id)i)->keys, err, errlen))
			return -1;
	for (size_t k = 0; cfg && k < cfg->nkeys; k++) {
		const struct action *a = actions_by_name(cfg->keys[k].action);

		if (!a) {
			snprintf(err, errlen, "keys: unknown action \"%s\" (warroom actions lists them)",
			         cfg->keys[k].action);
			return -1;
		}
		for (int key = 0; key < KEYMAP_MAX; key++)
			if (K.map[key] == a->id)
				K.map[key] = ACTION_NONE;
		if (bind_list(a->id, cfg->keys[k].keys, err, errlen))
			return -1;
	}
	/* KEY_ENTER and '\n' mean Enter as much as '\r' does, unless bound themselves */
	if (K.map[KEY_ENTER] == ACTION_NONE)
		K.map[KEY_ENTER] = K.map['\r'];
	if (K.map['\n'] == ACTION_NONE)
		K.map['\n'] = K.map['\r'];
	make_hints();
	return 0;
}

enum action_id keymap_lookup(int key)
{
	return key >= 0 && key < KEYMAP_MAX ? K.map[key] : ACTION_NONE;
}

int keymap_view(int key)
{
	if (keymap_lookup(key) != ACTION_NONE)
		return -1;
	for (size_t v = 0; v < K.nviews; v++)
		if (K.views[v]->key && K.views[v]->key == key)
			return (int)v;
	return -1;
}

struct list { char *buf; size_t len, used; };

static bool add_key(int key, void *arg)
{
	struct list *l = arg;
	char name[16];

	l->used += (size_t)snprintf(l->buf + l->used, l->used < l->len ? l->len - l->used : 0, "%s%s",
	                            l->used ? ", " : "", tui_key_name(key, name, sizeof name));
	return l->used < l->len;
}

const char *keymap_keys(enum action_id id, char *buf, size_t len)
{
	struct list l = { buf, len, 0 };

	buf[0] = '\0';
	if (id > ACTION_NONE && id < ACTION_COUNT)
		each_key(id, add_key, &l);
	return buf;
}

const char *keymap_key_for(enum action_id id)
{
	return id > ACTION_NONE && id < ACTION_COUNT ? K.first[id] : "";
}

const char *keymap_view_key(const char *name)
{
	for (size_t v = 0; v < K.nviews && v < KEYMAP_VIEWS; v++)
		if (strcmp(K.views[v]->name, name) == 0)
			return K.view_key[v];
	return "";
}

static const char *key_word(enum action_id id, char *buf, size_t len, void *arg)
{
	return keymap_key_for(id);
}

void keymap_expand(const char *in, char *out, size_t len)
{
	actions_text_expand(in, out, len, key_word, NULL);
}

/* ---- the help's list ---- */

static void action_entry(const struct action *a, struct keymap_entry *e)
{
	memset(e, 0, sizeof *e);
	keymap_keys(a->id, e->keys, sizeof e->keys);
	if (!e->keys[0])
		snprintf(e->keys, sizeof e->keys, ":%s", a->name);
	snprintf(e->name, sizeof e->name, "%s", a->name);
	snprintf(e->tags, sizeof e->tags, "%c%c%c", (a->flags & ACT_MUTATES) ? 'W' : ' ',
	         (a->flags & ACT_CONFIRM) ? 'C' : ' ', (a->flags & ACT_NEEDS_INC) ? 'I' : ' ');
	snprintf(e->help, sizeof e->help, "%s", a->help);
	e->flags = a->flags;
}

static void view_entry(size_t v, struct keymap_entry *e)
{
	const struct view_ops *o = K.views[v];

	memset(e, 0, sizeof *e);
	snprintf(e->keys, sizeof e->keys, "%s", v < KEYMAP_VIEWS ? K.view_key[v] : "");
	snprintf(e->name, sizeof e->name, "%s", o->name);
	snprintf(e->help, sizeof e->help, "%s%s%s", o->title, o->about ? ": " : "", o->about ? o->about : "");
	e->view = true;
}

size_t keymap_entries(void)
{
	return actions_count() + K.nviews;
}

bool keymap_entry(size_t i, struct keymap_entry *e)
{
	for (size_t id = 1; id <= actions_count(); id++) {
		const struct action *a = actions_get((enum action_id)id);

		if (i-- == 0) {
			action_entry(a, e);
			return true;
		}
		if (a->id != ACTION_VIEW)
			continue;
		if (i < K.nviews) {
			view_entry(i, e);
			return true;
		}
		i -= K.nviews;
	}
	return false;
}
