/* The registered views, in number-key order. */
#include "warroom/view.h"

static const struct view_ops *const all[] = {
	&overview_view,
	&slots_view,
	&timeline_view,
	&help_view,
};

const struct view_ops *const *views_all(size_t *n)
{
	*n = sizeof all / sizeof all[0];
	return all;
}
