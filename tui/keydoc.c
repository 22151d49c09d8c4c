/* `warroom keys`: the key map's list, as the help screen shows it, for a
 * terminal, for the README (Markdown) and for the man page (roff). */
#include <stdio.h>
#include <string.h>

#include "warroom/config.h"
#include "keydoc.h"
#include "warroom/keymap.h"
#include "warroom/views.h"

enum format { TEXT, MARKDOWN, MAN };

/* The preconditions in words, as `warroom actions` says them. */
static void needs(unsigned flags, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s%s%s%s", flags & ACT_MUTATES ? "changes the cluster" : "",
	         (flags & ACT_MUTATES) && (flags & (ACT_CONFIRM | ACT_NEEDS_INC)) ? ", " : "",
	         flags & ACT_CONFIRM ? "confirm" : "", (flags & ACT_CONFIRM) && (flags & ACT_NEEDS_INC) ? ", " : "",
	         flags & ACT_NEEDS_INC ? "needs an incident" : "");
}

/* Text for a Markdown table cell: a bar would end the cell. */
static void md_text(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '|')
			fputc('\\', f);
		fputc(*s, f);
	}
}

/* Text for roff: a backslash is an escape, a hyphen in a key is a minus. */
static void man_text(FILE *f, const char *s, bool key)
{
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\e", f);
		else if (*s == '-' && key)
			fputs("\\-", f);
		else
			fputc(*s, f);
	}
}

/* Calls each key of "?, F1" (a key is never a comma: specs are split on it). */
static void each_key(const char *keys, void (*fn)(FILE *f, const char *key, int n), FILE *f)
{
	char buf[64], *save = NULL;
	int n = 0;

	snprintf(buf, sizeof buf, "%s", keys);
	for (char *k = strtok_r(buf, ", ", &save); k; k = strtok_r(NULL, ", ", &save))
		fn(f, k, n++);
}

static void md_key(FILE *f, const char *key, int n)
{
	fprintf(f, "%s`%s`", n ? " " : "", key);
}

static void man_key(FILE *f, const char *key, int n)
{
	fputs(n ? ", \\fB" : "\\fB", f);
	man_text(f, key, true);
	fputs("\\fR", f);
}

static void print_entry(FILE *f, enum format fmt, const struct keymap_entry *e)
{
	char why[96];

	needs(e->flags, why, sizeof why);
	switch (fmt) {
	case MARKDOWN:
		fputs("| ", f);
		each_key(e->keys, md_key, f);
		fprintf(f, " | %s%s | ", e->view ? "view " : "", e->name);
		md_text(f, e->help);
		fputs(" | ", f);
		md_text(f, why);
		fputs(" |\n", f);
		break;
	case MAN:
		fputs(".TP\n", f);
		each_key(e->keys, man_key, f);
		fprintf(f, "  \\fI%s%s\\fR\n\\&", e->view ? "view " : "", e->name);
		man_text(f, e->help, false);
		if (why[0]) {
			fputs(" [", f);
			man_text(f, why, false);
			fputc(']', f);
		}
		fputc('\n', f);
		break;
	default:
		fprintf(f, "%s%-*s %-14s %-3s %s\n", e->view ? "  " : "", e->view ? 16 : 18, e->keys, e->name, e->tags,
		        e->help);
	}
}

int keydoc_cli(int argc, char **argv, const struct config *cfg)
{
	enum format fmt = TEXT;
	size_t nviews;
	const struct view_ops *const *views = views_all(&nviews);
	struct keymap_entry e;
	char err[256];

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--markdown") == 0) {
			fmt = MARKDOWN;
		} else if (strcmp(argv[i], "--man") == 0) {
			fmt = MAN;
		} else {
			fprintf(stderr, "usage: warroom keys [--markdown | --man]   every key in force, as the help "
			        "screen lists them\n");
			return strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0 ? 0 : 2;
		}
	}
	if (keymap_init(cfg, views, nviews, err, sizeof err)) {
		fprintf(stderr, "warroom: %s%s%s\n", cfg->path[0] ? cfg->path : "", cfg->path[0] ? ": " : "", err);
		return 2;
	}
	if (fmt == MARKDOWN)
		puts("| key | action | what it does | |\n|---|---|---|---|");
	for (size_t i = 0; keymap_entry(i, &e); i++)
		print_entry(stdout, fmt, &e);
	if (fmt == TEXT)
		puts(KEYMAP_LEGEND);
	return fflush(stdout) == 0 ? 0 : 1;
}
