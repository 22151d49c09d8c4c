/* The registered views, in Tab order, and each view's own state. The number
 * keys and the help's list of views come from here. */
#include <stdlib.h>
#include <string.h>

#include "warroom/view.h"

static const struct view_ops *const all[] = {
	&overview_view,
	&slots_view,
	&timeline_view,
	&alerts_view,
	&runbook_view,
	&metrics_view,
	&deploy_view,
	&help_view,
};

#define NVIEWS (sizeof all / sizeof all[0])

static void *state[NVIEWS];

const struct view_ops *const *views_all(size_t *n)
{
	*n = NVIEWS;
	return all;
}

int views_init(void)
{
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

int views_by_key(int key)
{
	for (size_t i = 0; i < NVIEWS; i++)
		if (all[i]->key && all[i]->key == key)
			return (int)i;
	return -1;
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
