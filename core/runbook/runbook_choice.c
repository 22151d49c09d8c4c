/* Alternatives as runbooks write them: headings "### Option 1" and "###
 * Option 2" (one level, one after another), paragraphs or list items that
 * open with "Option A:", and "Or" between two commands. Each is a choice of
 * one: found once every item is there, recorded in the runbook's choices,
 * its items told their option. A choice with nothing to run in any option
 * is only text to read. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "runbook_parse.h"

/* Past a list item's lead ("2. ", "- ") and spaces. */
static const char *after_lead(const char *s)
{
	const char *p = s;

	while (*p == ' ')
		p++;
	if (*p == '-' && p[1] == ' ')
		return p + 2;
	while (isdigit((unsigned char)*p))
		p++;
	if (p > s && *p == '.' && p[1] == ' ')
		return p + 2;
	return s + strspn(s, " ");
}

bool runbook_option_title(const char *title)
{
	static const char *const words[] = { "option", "alternative", "method", "approach", "plan", "solution" };
	const char *p = after_lead(title);

	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
		size_t k = strlen(words[i]);
		const char *q = p + k;

		if (strncasecmp(p, words[i], k) != 0 || *q != ' ')
			continue;
		q++;
		if (*q == '#')
			q++;
		if (isdigit((unsigned char)*q)) {
			while (isdigit((unsigned char)*q))
				q++;
		} else if (isalpha((unsigned char)*q) && !isalpha((unsigned char)q[1])) {
			q++;
		} else {
			return false;
		}
		return !*q || strchr(" :).-(", *q) || !strncmp(q, "\u2014", 3) || !strncmp(q, "\u2013", 3);
	}
	return false;
}

/* "Or", "or:", "OR", "Or, with the rollout:", "Alternatively, ...": what separates two commands. */
static bool or_text(const char *text)
{
	const char *p = after_lead(text);

	if (!strncasecmp(p, "alternatively", 13) && !isalpha((unsigned char)p[13]))
		return true;
	if (strncasecmp(p, "or", 2) != 0 || isalpha((unsigned char)p[2]))
		return false;
	p += 2;
	while (*p == ' ' || *p == ':' || *p == ',' || *p == '.' || *p == '*' || *p == '_')
		p++;
	/* "or" alone, or a sentence that begins "Or" / "OR" (never one that runs on from a line before) */
	return !*p || text[after_lead(text) - text] == 'O';
}

static bool free_item(const struct runbook *rb, size_t i)
{
	return !rb->items[i].choice;
}

static size_t add_choice(struct build *b, size_t first, size_t end, int nopts)
{
	struct runbook *rb = b->rb;
	struct runbook_choice *nv = realloc(rb->choices, (rb->nchoices + 1) * sizeof *nv);

	if (!nv) {
		b->oom = true;
		return SIZE_MAX;
	}
	rb->choices = nv;
	nv[rb->nchoices].first = first;
	nv[rb->nchoices].end = end;
	nv[rb->nchoices].nopts = nopts;
	nv[rb->nchoices].step = rb->items[first].step;
	nv[rb->nchoices].line = rb->items[first].line;
	return rb->nchoices++;
}

/* Options begin at starts[0..n); the last runs to end. Nothing to run in
 * any of them: no choice. Returns whether it became one. */
static bool make_choice(struct build *b, const size_t *starts, int n, size_t end)
{
	struct runbook *rb = b->rb;
	bool any = false;
	size_t c;

	if (end > rb->nitems)
		end = rb->nitems;
	if (n < 2 || starts[0] >= end)
		return false;
	for (size_t i = starts[0]; i < end; i++)
		any |= runbook_item_actionable(&rb->items[i]);
	if (!any)
		return false;
	c = add_choice(b, starts[0], end, n);
	if (c == SIZE_MAX)
		return false;
	for (int k = 0; k < n; k++)
		for (size_t i = starts[k]; i < (k + 1 < n ? starts[k + 1] : end); i++) {
			rb->items[i].choice = c + 1;
			rb->items[i].alt = k + 1;
		}
	return true;
}

static void heading_groups(struct build *b)
{
	for (int g = 0; g < b->hgroup && g < 64; g++) {
		size_t starts[64];
		int n = 0;

		for (int k = 0; k < b->nhopts && n < 64; k++)
			if (b->hopts[k].group == g)
				starts[n++] = b->hopts[k].item;
		make_choice(b, starts, n, b->hgroup_end[g]);
	}
}

/* "Option A: ..." paragraphs of one depth in a step: each opens an option,
 * the last runs to the end of the step (or to text less deep than they are). */
static void option_paragraphs(struct build *b, size_t first, size_t end)
{
	struct runbook *rb = b->rb;

	for (size_t i = first; i < end; i++) {
		size_t starts[64], last = end;
		int n = 0, depth;

		if (rb->items[i].kind != RB_TEXT || !free_item(rb, i) || !runbook_option_title(rb->items[i].text))
			continue;
		depth = rb->items[i].depth;
		for (size_t k = i; k < end; k++) {
			const struct runbook_item *it = &rb->items[k];

			if (!free_item(rb, k) || it->depth < depth) {
				last = k;
				break;
			}
			if (it->kind == RB_TEXT && it->depth == depth && runbook_option_title(it->text) && n < 64)
				starts[n++] = k;
		}
		if (make_choice(b, starts, n, last)) {
			for (int k = 0; k < n; k++)
				rb->items[starts[k]].kind = RB_OPTION;
			i = last - 1;
		}
	}
}

/* A Or B (Or C ...): each "Or" opens the next option; the first is the
 * command before it, the last ends with its command and what it printed. */
static void or_chains(struct build *b, size_t first, size_t end)
{
	struct runbook *rb = b->rb;
	size_t floor = first;

	for (size_t i = first; i < end; i++) {
		size_t starts[64], a = SIZE_MAX, stop = SIZE_MAX, j;
		int n = 1;

		if (!free_item(rb, i)) {
			floor = i + 1;
			continue;
		}
		if (rb->items[i].kind != RB_TEXT || !or_text(rb->items[i].text))
			continue;
		for (j = i; j-- > floor;)
			if (runbook_item_actionable(&rb->items[j])) {
				a = j;
				break;
			}
		if (a == SIZE_MAX)
			continue;
		starts[0] = a;
		j = i;
		while (j < end && n < 64 && rb->items[j].kind == RB_TEXT && or_text(rb->items[j].text)) {
			size_t k = j + 1;

			while (k < end && free_item(rb, k) && !runbook_item_actionable(&rb->items[k]) &&
			       !(rb->items[k].kind == RB_TEXT && or_text(rb->items[k].text)))
				k++;
			if (k >= end || !free_item(rb, k) || !runbook_item_actionable(&rb->items[k]))
				break;   /* an "Or" with no command after it */
			starts[n++] = j;
			k++;
			while (k < end && free_item(rb, k) && rb->items[k].kind == RB_OUTPUT)
				k++;
			stop = k;
			/* another "Or" before the next command goes on with the chain */
			for (j = k; j < end && free_item(rb, j) && !runbook_item_actionable(&rb->items[j]) &&
			     !(rb->items[j].kind == RB_TEXT && or_text(rb->items[j].text)); j++)
				;
			if (j >= end || !free_item(rb, j) || rb->items[j].kind != RB_TEXT)
				break;
		}
		if (stop != SIZE_MAX && make_choice(b, starts, n, stop)) {
			for (int k = 1; k < n; k++)
				rb->items[starts[k]].kind = RB_OPTION;
			floor = stop;
			i = stop - 1;
		}
	}
}

static int by_first(const void *a, const void *b)
{
	const struct runbook_choice *x = a, *y = b;

	return x->first < y->first ? -1 : x->first > y->first;
}

void runbook_find_choices(struct build *b)
{
	struct runbook *rb = b->rb;

	heading_groups(b);
	for (size_t s = 0; s < rb->nsteps && !b->oom; s++) {
		option_paragraphs(b, rb->steps[s].first, rb->steps[s].first + rb->steps[s].n);
		or_chains(b, rb->steps[s].first, rb->steps[s].first + rb->steps[s].n);
	}
	/* in the order they are met: choices never overlap, so their items follow them */
	if (rb->nchoices > 1)
		qsort(rb->choices, rb->nchoices, sizeof *rb->choices, by_first);
	for (size_t c = 0; c < rb->nchoices; c++)
		for (size_t i = rb->choices[c].first; i < rb->choices[c].end; i++)
			rb->items[i].choice = c + 1;
}
