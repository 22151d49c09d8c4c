/* The runbook parser's insides, shared by core/runbook/runbook_build.c (the
 * structure built), core/runbook/runbook_fence.c (code fences and front
 * matter, on the builder) and core/runbook/runbook.c (the walk over cmark's
 * blocks, on both). Not an API: include/warroom/runbook.h is. */
#ifndef WARROOM_CORE_RUNBOOK_PARSE_H
#define WARROOM_CORE_RUNBOOK_PARSE_H

#include <stdbool.h>
#include <stddef.h>

#include <cmark-gfm.h>

#include "warroom/markdown.h"
#include "warroom/runbook.h"

struct build {
	struct runbook *rb;
	size_t cap_items, cap_steps, cap_phases;
	int line_off;            /* lines of front matter before the Markdown */
	int phase_level;         /* headings at or above are phases */
	cmark_node *title_heading;
	long cur_phase, cur_step;
	bool full;               /* RUNBOOK_MAX_ITEMS reached */
	int nest;                /* blocks inside blocks, now */
	bool too_deep;
	bool oom;
	int block_runner;        /* the fence being read: -1 as the front matter says, 0 here, 1 the bastion */
};

/* core/runbook/runbook_build.c */
void runbook_warn(struct build *b, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* A phase or step from a heading; a step before any phase opens "Overview". */
size_t runbook_new_phase(struct build *b, const char *title, int line);
void runbook_new_step(struct build *b, const char *title, int line);
void runbook_add_item(struct build *b, enum runbook_kind kind, const char *text, size_t len, const char *lang,
                      bool checked, int line, int depth);
char *runbook_clean_text(const char *s, size_t n, bool keep_newlines, bool keep_tabs);
int runbook_line_of(struct build *b, cmark_node *n);

/* core/runbook/runbook_fence.c */
void runbook_code_block(struct build *b, cmark_node *n, int depth);
/* "---" first, up to a line of "---" or "...": returns the Markdown's start. */
size_t runbook_split_front_matter(struct build *b, const char *text, size_t len);

#endif
