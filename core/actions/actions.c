/* The action table: every row of ACTION_LIST with its handler. It sits above
 * the handlers (core/actions/action_*.c) and the run machinery they use
 * (core/actions/actions_run.c); front-ends start an action here by its id. */
#include <string.h>

#include "warroom/actions.h"

const struct action_exec actions_exec_none = { 0 };

static const struct action table[] = {
	{ ACTION_NONE, "", "", 0, "", NULL },
#define ACTION_ROW(id, name, keys, flags, exec, help) \
	{ ACTION_##id, name, keys, flags, help, &actions_exec_##exec },
	ACTION_LIST(ACTION_ROW)
#undef ACTION_ROW
};

const struct action *actions_get(enum action_id id)
{
	if (id <= ACTION_NONE || id >= ACTION_COUNT)
		return NULL;
	return &table[id];
}

const struct action *actions_by_name(const char *name)
{
	for (size_t i = 1; i < ACTION_COUNT; i++)
		if (strcmp(table[i].name, name) == 0)
			return &table[i];
	return NULL;
}

size_t actions_count(void)
{
	return ACTION_COUNT - 1;
}

bool actions_check(const struct action_ctx *ctx, enum action_id id, char *why, size_t whylen)
{
	return actions_check_row(ctx, actions_get(id), false, why, whylen);
}

uint64_t actions_run(struct actions *q, enum action_id id, const struct action_args *args,
                     const struct action_ui *ui)
{
	return actions_start_row(q, actions_get(id), args, ui);
}
