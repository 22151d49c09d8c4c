/* Runbook Markdown: phases, steps and items (commands, checks, warroom
 * actions) with their warnings; every item's action split as the runner
 * splits it. Only text that cannot be a runbook may fail, with words. */
#include "fuzz.h"
#include "warroom/runbook.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256] = "", name[64] = "";
	struct runbook *rb = runbook_parse((const char *)data, size, "fuzz", "fuzz.md", err, sizeof err);

	fuzz_check_err(err, sizeof err);
	if (!rb)
		return 0;
	for (size_t i = 0; i < rb->nitems; i++) {
		const char *rest = NULL;

		if (runbook_item_actionable(&rb->items[i]))
			runbook_action_split(&rb->items[i], name, sizeof name, &rest);
		if (!memchr(name, '\0', sizeof name))
			abort();
	}
	runbook_free(rb);
	return 0;
}
