/* Keys named in text: core writes an action's name in braces, "{sev}", and
 * each front-end says how to start that action there. A leaf below the
 * table, the handlers and the run machinery alike: it reads the names from
 * ACTION_LIST itself, so any of them may use it. */
#include <stdio.h>
#include <string.h>

#include "warroom/actions.h"

static const struct { const char *name; unsigned flags; } rows[] = {
	{ "", 0 },
#define ACTION_TEXT_ROW(id, name, keys, flags, exec, help) { name, flags },
	ACTION_LIST(ACTION_TEXT_ROW)
#undef ACTION_TEXT_ROW
};

/* `warroom NAME` for an action the CLI runs, else `:NAME` (the console's
 * command line). */
static const char *actions_text_command(enum action_id id, char *buf, size_t len, void *arg)
{
	if (id <= ACTION_NONE || id >= ACTION_COUNT)
		return "";
	snprintf(buf, len, "%s%s", (rows[id].flags & ACT_CLI) ? "warroom " : ":", rows[id].name);
	return buf;
}

/* The action of the name between braces at in ("{sev} ..."), ACTION_NONE
 * when there is none; *end is the closing brace. */
static enum action_id named(const char *in, const char **end)
{
	size_t n;

	*end = in[0] == '{' ? strchr(in + 1, '}') : NULL;
	if (!*end)
		return ACTION_NONE;
	n = (size_t)(*end - in - 1);
	for (size_t i = 1; i < ACTION_COUNT; i++)
		if (strlen(rows[i].name) == n && strncmp(rows[i].name, in + 1, n) == 0)
			return (enum action_id)i;
	return ACTION_NONE;
}

void actions_text_expand(const char *in, char *out, size_t len, actions_word_fn word, void *arg)
{
	size_t o = 0;

	if (!len)
		return;
	while (*in && o + 1 < len) {
		const char *end;
		enum action_id id = named(in, &end);
		char buf[64];

		if (id == ACTION_NONE) {
			out[o++] = *in++;
			continue;
		}
		o += (size_t)snprintf(out + o, len - o, "%s", word ? word(id, buf, sizeof buf, arg) :
		                      actions_text_command(id, buf, sizeof buf, arg));
		if (o >= len)
			o = len - 1;
		in = end + 1;
	}
	out[o] = '\0';
}
