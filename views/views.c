/* The registered views, in Tab order, each view's own state and which one
 * is shown. The number keys (through the key map) and the help's list of
 * views come from here; it sits above the views, which never name another. */
#include <stdlib.h>
#include <string.h>

#include "warroom/views.h"

extern const struct view_ops overview_view, slots_view, timeline_view, deploy_view, help_view, alerts_view,
	runbook_view, metrics_view, diagnose_view;

static const struct view_ops *const all[] = {
	&overview_view,
	&slots_view,
	&timeline_view,
	&alerts_view,
	&runbook_view,
	&metrics_view,
	&deploy_view,
	&diagnose_view,
	&help_view,
};

#define NVIEWS (sizeof all / sizeof all[0])

static void *state[NVIEWS];
static size_t cur, prev;

const struct view_ops *const *views_all(size_t *n)
{
	*n = NVIEWS;
	return all;
}

int views_init(void)
{
	cur = prev = 0;
	for (size_t i = 0; i < NVIEWS; i++) {
		if (state[i] || !all[i]->state_size)
			continue;
		state[i] = calloc(1, all[i]->state_size);
		if (!state[i]) {
			views_free();
			return -1;
		}
	}
	return 0;
}

void views_free(void)
{
	for (size_t i = 0; i < NVIEWS; i++) {
		free(state[i]);
		state[i] = NULL;
	}
}

void *views_state(size_t idx)
{
	return idx < NVIEWS ? state[idx] : NULL;
}

int views_by_name(const char *name)
{
	if (!name || !*name)
		return -1;
	for (size_t i = 0; i < NVIEWS; i++)
		if (strcmp(all[i]->name, name) == 0 || (all[i]->key && !name[1] && name[0] == all[i]->key))
			return (int)i;
	return -1;
}

size_t views_current(void)
{
	return cur;
}

size_t views_previous(void)
{
	return prev;
}

void views_show(size_t idx, struct model *m)
{
	if (idx >= NVIEWS || idx == cur)
		return;
	if (all[cur]->close)
		all[cur]->close(state[cur]);
	prev = cur;   /* where q from help returns */
	cur = idx;
	if (all[idx]->open)
		all[idx]->open(state[idx], m);
}
