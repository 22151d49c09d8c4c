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
#include "warroom/text.h"

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
	/* links met in the text being read, given to the item it becomes */
	struct pending_link { size_t off, len; char *url; int n; int line; } plinks[64];
	size_t nplinks;
	int plinks_line;
	/* <details> sections open: their RB_DETAILS items, plus 1 */
	size_t folds[16];
	int nfolds;
	/* options written as headings ("### Option 1"): a group open at a level */
	struct heading_option { size_t item; int group; } hopts[128];
	int nhopts, hgroup, hgroup_level;
	size_t hgroup_end[64];   /* items end where a group closes, by group */
};

/* core/runbook/runbook_build.c */
void runbook_warn(struct build *b, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* A phase or step from a heading; a step before any phase opens "Overview". */
size_t runbook_new_phase(struct build *b, const char *title, int line);
void runbook_new_step(struct build *b, const char *title, int line, int level);
/* The step an item would be added to, made when there is none yet. */
void runbook_ensure_step(struct build *b, int line);
void runbook_add_item(struct build *b, enum runbook_kind kind, const char *text, size_t len, const char *lang,
                      bool checked, int line, int depth);
char *runbook_clean_text(const char *s, size_t n, bool keep_newlines, bool keep_tabs);
int runbook_line_of(struct build *b, cmark_node *n);

/* Inline text with its links kept apart (the words, "[n]" after them, the
 * address pending for the next item added). */
void runbook_inline(struct build *b, struct text_buf *sb, cmark_node *n);
void runbook_pending_link(struct build *b, size_t off, size_t len, const char *url, bool bare, int line);
void runbook_drop_links(struct build *b);
/* Opens and closes <details> sections: items added in between are in the fold. */
void runbook_fold_open(struct build *b, const char *summary, int line);
void runbook_fold_close(struct build *b, int line);

/* core/runbook/runbook_html.c: an HTML block as text items, sections and links */
void runbook_html_block(struct build *b, const char *html, int line, int depth);

/* core/runbook/runbook_refs.c: the Markdown read, its references resolved
 * (a list of links naming them counts as their definitions); what stays
 * "[words][ref]" said in warnings */
cmark_node *runbook_markdown(const char *text, size_t len, bool *oom);
void runbook_unresolved_links(struct build *b);

/* core/runbook/runbook_choice.c: alternatives found once the items are all there */
bool runbook_option_title(const char *title);
void runbook_find_choices(struct build *b);
/* core/runbook/runbook_ph.c: the placeholders of every command */
void runbook_find_placeholders(struct build *b);
struct runbook_ph_hit {
	enum runbook_ph_kind kind;
	size_t off, len;         /* in the command's text */
	char quote;              /* where it stands: 0, '\'', '"'; 'h' / 'H' a here-document (unquoted / quoted) */
	const char *name;        /* RBP_VAR: the variable's name, nlen bytes */
	size_t nlen;
};
typedef void (*runbook_ph_fn)(void *arg, const struct runbook_ph_hit *h);
/* Every placeholder of a command's text, in order, each time it occurs
 * ($VAR: only those the command does not set and no shell provides). */
void runbook_ph_scan(const char *cmd, runbook_ph_fn fn, void *arg);
void runbook_ph_var(enum runbook_ph_kind kind, const char *text, size_t n, char *out, size_t len);
/* One of the console's variables (runbook_env.c sets them for every command). */
bool runbook_console_var(const char *name, size_t n);

/* core/runbook/runbook_fence.c */
void runbook_code_block(struct build *b, cmark_node *n, int depth);
/* "---" first, up to a line of "---" or "...": returns the Markdown's start. */
size_t runbook_split_front_matter(struct build *b, const char *text, size_t len);

#endif
