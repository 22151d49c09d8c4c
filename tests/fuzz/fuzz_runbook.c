/* Runbook Markdown: phases, steps and items (commands, checks, warroom
 * actions, sections, options) with their warnings; every item's action
 * split as the runner splits it; links, placeholders, sections and choices
 * pointing where they say; every template filled for its preview, every
 * step's references and every option named. Only text that cannot be a
 * runbook may fail, with words. */
#include "fuzz.h"
#include "warroom/runbook.h"

static const char *value(const char *var, void *arg)
{
	return var[0] == 'V' ? "v'\"$(x)" : NULL;
}

static void check_structure(const struct runbook *rb)
{
	const struct runbook_link *refs[64];
	char name[200];

	for (size_t i = 0; i < rb->nitems; i++) {
		const struct runbook_item *it = &rb->items[i];
		size_t len = strlen(it->text);
		char *preview;

		if (it->fold && (it->fold - 1 >= i || rb->items[it->fold - 1].kind != RB_DETAILS))
			abort();
		if (it->choice && (it->choice > rb->nchoices || it->alt < 1 || it->alt > rb->choices[it->choice - 1].nopts))
			abort();
		if (it->first_link + it->nlinks > rb->nlinks || it->first_ph + it->nph > rb->nplaceholders)
			abort();
		for (size_t k = it->first_link; k < it->first_link + it->nlinks; k++)
			if (rb->links[k].item != i || rb->links[k].off + rb->links[k].len > len)
				abort();
		if (it->kind != RB_COMMAND)
			continue;
		preview = runbook_command_preview(rb, i, value, NULL);
		if (!preview)
			abort();
		free(preview);
	}
	for (size_t l = 0; l < rb->nlinks; l++)
		for (const unsigned char *p = (const unsigned char *)rb->links[l].url; *p; p++)
			if (*p < 0x20 || *p == 0x7f)
				abort();
	for (size_t c = 0; c < rb->nchoices; c++) {
		if (rb->choices[c].first >= rb->choices[c].end || rb->choices[c].end > rb->nitems ||
		    rb->choices[c].nopts < 2)
			abort();
		for (int k = 1; k <= rb->choices[c].nopts; k++)
			runbook_option_name(rb, c, k, name, sizeof name);
	}
	for (size_t s = 0; s < rb->nsteps; s++)
		if (runbook_step_refs(rb, s, refs, 64) > 64)
			abort();
}

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
	check_structure(rb);
	runbook_free(rb);
	return 0;
}
