/* runbook_item — what an item of a parsed runbook says, read back: the
 * name of its kind, whether it is something to run or mark, and an action
 * item's name and arguments ("rollback --strategy undo"). For the parser's
 * check of the actions it knows, the session that runs items, and the
 * screens; it depends on nothing but the structure. */
#include "warroom/runbook.h"

#include <stdio.h>

bool runbook_item_actionable(const struct runbook_item *it)
{
	return it->kind == RB_COMMAND || it->kind == RB_CHECK || it->kind == RB_ACTION;
}

const char *runbook_kind_name(enum runbook_kind k)
{
	static const char *const names[] = {
		[RB_TEXT] = "text", [RB_CODE] = "code", [RB_OUTPUT] = "output",
		[RB_COMMAND] = "command", [RB_CHECK] = "check", [RB_ACTION] = "action",
	};
	return k <= RB_ACTION ? names[k] : "?";
}

void runbook_action_split(const struct runbook_item *it, char *name, size_t nlen, const char **rest)
{
	const char *s = it->text;
	size_t n = 0;

	while (*s == ' ')
		s++;
	while (s[n] && s[n] != ' ' && s[n] != '\n')
		n++;
	snprintf(name, nlen, "%.*s", (int)n, s);
	s += n;
	while (*s == ' ')
		s++;
	if (rest)
		*rest = s;
}
