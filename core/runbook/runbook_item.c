/* runbook_item — what an item of a parsed runbook says, read back: the
 * name of its kind, whether it is something to run or mark, and an action
 * item's name and arguments ("rollback --strategy undo"). For the parser's
 * check of the actions it knows, the session that runs items, and the
 * screens; it depends on nothing but the structure. */
#include "warroom/runbook.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

bool runbook_item_actionable(const struct runbook_item *it)
{
	return it->kind == RB_COMMAND || it->kind == RB_CHECK || it->kind == RB_ACTION;
}

const char *runbook_kind_name(enum runbook_kind k)
{
	static const char *const names[] = {
		[RB_TEXT] = "text", [RB_CODE] = "code", [RB_OUTPUT] = "output",
		[RB_COMMAND] = "command", [RB_CHECK] = "check", [RB_ACTION] = "action",
		[RB_DETAILS] = "section", [RB_OPTION] = "option",
	};
	return k <= RB_OPTION ? names[k] : "?";
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

bool runbook_item_navigable(const struct runbook_item *it)
{
	return runbook_item_actionable(it) || it->kind == RB_DETAILS || (it->kind == RB_OPTION && it->choice);
}

bool runbook_read_only(const struct runbook *rb)
{
	for (size_t i = 0; i < rb->nitems; i++)
		if (runbook_item_actionable(&rb->items[i]))
			return false;
	return true;
}

size_t runbook_step_refs(const struct runbook *rb, size_t step, const struct runbook_link **out, size_t max)
{
	size_t n = 0;
	int next = 1;

	if (step >= rb->nsteps)
		return 0;
	/* in number order, each number once (a URL met twice kept its first number) */
	for (bool found = true; found && n < max;) {
		found = false;
		for (size_t i = rb->steps[step].first; i < rb->steps[step].first + rb->steps[step].n && !found; i++)
			for (size_t k = rb->items[i].first_link; k < rb->items[i].first_link + rb->items[i].nlinks; k++)
				if (rb->links[k].n == next) {
					out[n++] = &rb->links[k];
					next++;
					found = true;
					break;
				}
	}
	return n;
}

bool runbook_item_folded(const struct runbook *rb, size_t item, bool (*folded)(size_t details, void *arg),
                         void *arg)
{
	/* each section holding it, innermost first: one folded hides it */
	for (size_t f = item < rb->nitems ? rb->items[item].fold : 0, hops = 0; f && hops < 32; hops++) {
		if (folded(f - 1, arg))
			return true;
		f = rb->items[f - 1].fold;
	}
	return false;
}

void runbook_option_name(const struct runbook *rb, size_t choice, int k, char *out, size_t len)
{
	const struct runbook_choice *c = choice < rb->nchoices ? &rb->choices[choice] : NULL;

	snprintf(out, len, "option %d", k);
	for (size_t i = c ? c->first : 0; c && i < c->end; i++) {
		const struct runbook_item *it = &rb->items[i];
		const char *t = it->text, *nl;

		if (it->alt != k)
			continue;
		while (*t == ' ' || *t == '-' || *t == '*')
			t++;
		if (it->kind == RB_OPTION && strlen(t) > 3 && strncasecmp(t, "or", 2) != 0) {
			snprintf(out, len, "%s", t);
			return;
		}
		if (runbook_item_actionable(it)) {
			nl = strchr(it->text, '\n');
			snprintf(out, len, "%s%s `%.*s%s`", k == 1 ? "" : "or ", it->kind == RB_CHECK ? "check" : "run",
			         (int)(nl ? nl - it->text : (long)strlen(it->text)) > 60 ? 60 :
			         (int)(nl ? nl - it->text : (long)strlen(it->text)), it->text,
			         (nl || strlen(it->text) > 60) ? "..." : "");
			return;
		}
	}
}
