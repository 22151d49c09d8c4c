/* `warroom runbook list|show|lint`: the runbook library from a shell. Show
 * prints a runbook as the console walks it; lint says what a runbook's
 * author should know (exit 0 clean, 1 warnings, 2 unreadable). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "warroom/actions.h"
#include "warroom/cli.h"
#include "warroom/config.h"
#include "warroom/hyperlink.h"
#include "warroom/runbook.h"
#include "warroom/text.h"

static const char usage[] =
	"usage: warroom runbook list            the runbooks: shipped ones and the config's folders\n"
	"       warroom runbook show NAME|FILE  its phases, steps, commands and checks\n"
	"       warroom runbook lint FILE...    what would not run as its author meant\n";

static void counts(const struct runbook *rb, size_t *cmds, size_t *checks, size_t *acts)
{
	*cmds = *checks = *acts = 0;
	for (size_t i = 0; i < rb->nitems; i++) {
		*cmds += rb->items[i].kind == RB_COMMAND;
		*checks += rb->items[i].kind == RB_CHECK;
		*acts += rb->items[i].kind == RB_ACTION;
	}
}

/* What a file holds may not be shown raw on a terminal. */
static void put_safe(const char *s)
{
	for (; *s; s++)
		fputc((unsigned char)*s < 0x20 && *s != '\n' && *s != '\t' ? '?' : *s, stdout);
}

static int list(const struct config *cfg)
{
	struct runbook_lib *lib = runbook_lib_load(cfg);

	if (!lib) {
		fprintf(stderr, "warroom runbook: out of memory\n");
		return EXIT_FAILED;
	}
	for (size_t i = 0; i < lib->n; i++) {
		const struct runbook *rb = lib->v[i];
		size_t c, k, a;

		counts(rb, &c, &k, &a);
		printf("%-32s ", rb->name);
		put_safe(rb->title);
		printf("  (%zu phases, %zu steps, %zu commands, %zu checks", rb->nphases, rb->nsteps, c, k);
		if (a)
			printf(", %zu actions", a);
		printf(")");
		for (size_t j = 0; j < rb->nalerts; j++) {
			printf("%s", j ? ", " : "  alerts: ");
			put_safe(rb->alerts[j]);
		}
		printf("\n");
	}
	if (lib->n == 0)
		printf("no runbooks in %s%s\n", cfg->runbook_dir, cfg->nrunbook_paths ? " nor the runbooks: paths" : "");
	for (size_t i = 0; i < lib->nerrors; i++)
		fprintf(stderr, "warroom runbook: %s\n", lib->errors[i]);
	runbook_lib_free(lib);
	return EXIT_OK;
}

static void indent(int depth)
{
	for (int i = 0; i < depth; i++)
		fputs("  ", stdout);
}

/* A multi-line text, each line after the first under the first. */
static void lines(const char *lead, const char *text, int depth)
{
	for (const char *p = text; *p;) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		char *one = strndup(p, n);

		indent(depth + 2);
		fputs(p == text ? lead : "  ", stdout);
		if (one)
			put_safe(one);
		fputc('\n', stdout);
		free(one);
		p = nl ? nl + 1 : p + n;
	}
}

/* One line of text whose links are hyperlinks where the terminal shows them. */
static void linked_text(const struct runbook *rb, const struct runbook_item *it, bool osc8)
{
	const char *t = it->text;
	size_t at = 0, len = strlen(t);
	char open[1100];

	for (size_t k = it->first_link; osc8 && k < it->first_link + it->nlinks; k++) {
		const struct runbook_link *l = &rb->links[k];
		char *part;

		if (l->off < at || l->off + l->len > len || !hyperlink_open(open, sizeof open, l->url))
			continue;
		part = strndup(t + at, l->off - at);
		if (part)
			put_safe(part);
		free(part);
		fputs(open, stdout);
		part = strndup(t + l->off, l->len);
		if (part)
			put_safe(part);
		free(part);
		fputs(hyperlink_close(), stdout);
		at = l->off + l->len;
	}
	put_safe(t + at);
}

static void references(const struct runbook *rb, size_t step, bool osc8)
{
	const struct runbook_link **refs = rb->nlinks ? calloc(rb->nlinks, sizeof *refs) : NULL;
	size_t n = refs ? runbook_step_refs(rb, step, refs, rb->nlinks) : 0;
	char open[1100];

	for (size_t r = 0; r < n; r++) {
		bool on = osc8 && hyperlink_open(open, sizeof open, refs[r]->url);

		printf("      [%d] %s", refs[r]->n, on ? open : "");
		put_safe(refs[r]->url);
		printf("%s\n", on ? hyperlink_close() : "");
	}
	free(refs);
}

/* What an item shows before its text, and how deep: a folded section's
 * items under its summary. */
static int item_depth(const struct runbook *rb, const struct runbook_item *it)
{
	int d = it->depth;

	for (size_t f = it->fold, hops = 0; f && hops < 16; hops++, f = rb->items[f - 1].fold)
		d++;
	return d;
}

/* An option written as a heading: the first item of its step, the step's title. */
static bool heading_option(const struct runbook *rb, size_t i)
{
	const struct runbook_item *it = &rb->items[i];

	return it->kind == RB_OPTION && i == rb->steps[it->step].first &&
	       !strcmp(it->text, rb->steps[it->step].title);
}

static void show_item(const struct runbook *rb, size_t i, bool osc8)
{
	const struct runbook_item *it = &rb->items[i];
	int depth = item_depth(rb, it);
	char lead[64];

	if (it->choice && i == rb->choices[it->choice - 1].first && !heading_option(rb, i)) {
		indent(depth + 2);
		printf("one of %d (the others are skipped):\n", rb->choices[it->choice - 1].nopts);
	}
	if (heading_option(rb, i))
		return;   /* its step's title says it */
	switch (it->kind) {
	case RB_COMMAND: snprintf(lead, sizeof lead, it->remote ? "bastion$ " : "$ "); break;
	case RB_CHECK: snprintf(lead, sizeof lead, "%s ", it->checked ? "[x]" : "[ ]"); break;
	case RB_ACTION: snprintf(lead, sizeof lead, "warroom "); break;
	case RB_OUTPUT: snprintf(lead, sizeof lead, "| "); break;
	case RB_CODE: snprintf(lead, sizeof lead, "  "); break;
	case RB_DETAILS: snprintf(lead, sizeof lead, "[+] "); break;
	case RB_OPTION:
		if (it->choice)
			snprintf(lead, sizeof lead, "option %d: ", it->alt);
		else
			lead[0] = '\0';
		break;
	default: lead[0] = '\0';
	}
	if (it->nlinks && !strchr(it->text, '\n')) {
		indent(depth + 2);
		fputs(lead, stdout);
		linked_text(rb, it, osc8);
		fputc('\n', stdout);
	} else {
		lines(lead, it->text, depth);
	}
	if (it->kind == RB_COMMAND && it->nph) {
		indent(depth + 3);
		printf("fill in before it runs:");
		for (size_t k = it->first_ph; k < it->first_ph + it->nph; k++) {
			printf(" ");
			put_safe(rb->placeholders[k].text);
		}
		printf("\n");
	}
}

static void show(const struct runbook *rb)
{
	bool osc8 = hyperlink_ok(STDOUT_FILENO);

	put_safe(rb->title);
	printf("\n%s\n", rb->path);
	for (size_t j = 0; j < rb->nalerts; j++) {
		printf("%s", j ? ", " : "alerts: ");
		put_safe(rb->alerts[j]);
		printf(j + 1 == rb->nalerts ? "\n" : "");
	}
	if (runbook_read_only(rb))
		printf("read only: nothing to run\n");
	for (size_t p = 0; p < rb->nphases; p++) {
		const struct runbook_phase *ph = &rb->phases[p];

		printf("\n%zu ", p + 1);
		put_safe(ph->title);
		printf("\n");
		for (size_t k = ph->first; k < ph->first + ph->n; k++) {
			const struct runbook_step *st = &rb->steps[k];
			const struct runbook_item *first = st->n ? &rb->items[st->first] : NULL;

			if (first && heading_option(rb, st->first) && first->choice) {
				if (st->first == rb->choices[first->choice - 1].first)
					printf("  one of %d (the others are skipped):\n", rb->choices[first->choice - 1].nopts);
				printf("  option %d, step %zu ", first->alt, k + 1);
			} else {
				printf("  step %zu ", k + 1);
			}
			put_safe(st->title);
			printf("\n");
			for (size_t i = st->first; i < st->first + st->n; i++)
				show_item(rb, i, osc8);
			references(rb, k, osc8);
		}
	}
}

static struct runbook *find_or_load(const struct config *cfg, const char *what, struct runbook_lib **libp,
                                    char *err, size_t errlen)
{
	struct stat st;

	*libp = NULL;
	if (strchr(what, '/') || stat(what, &st) == 0)
		return runbook_load(what, err, errlen);
	*libp = runbook_lib_load(cfg);
	struct runbook *rb = runbook_lib_find(*libp, what);
	if (!rb)
		snprintf(err, errlen, "no runbook \"%s\" (warroom runbook list shows them)", what);
	return rb;
}

/* The first line of a command, shortened, for lint's lines. */
static void first_line(const char *text, char *out, size_t len)
{
	size_t n = strcspn(text, "\n");

	if (n > 60 || text[n])
		snprintf(out, len, "%.*s...", (int)(n > 60 ? 60 : n), text);
	else
		snprintf(out, len, "%s", text);
}

/* What a runbook's author should know beyond its warnings: templates,
 * choices and links, a line each. */
static void lint_notes(const char *file, const struct runbook *rb)
{
	char what[80], name[200];

	for (size_t i = 0; i < rb->nitems; i++) {
		const struct runbook_item *it = &rb->items[i];

		if (it->kind != RB_COMMAND || !it->nph)
			continue;
		first_line(it->text, what, sizeof what);
		printf("%s: line %d: placeholders", file, it->line);
		for (size_t k = it->first_ph; k < it->first_ph + it->nph; k++) {
			printf("%s", k > it->first_ph ? ", " : " ");
			put_safe(rb->placeholders[k].text);
			if (rb->placeholders[k].alert)
				printf(" (from the alert's labels)");
		}
		printf(" in `");
		put_safe(what);
		printf("`: the console asks for their values before it runs\n");
	}
	for (size_t c = 0; c < rb->nchoices; c++) {
		printf("%s: line %d: one of %d:", file, rb->choices[c].line, rb->choices[c].nopts);
		for (int k = 1; k <= rb->choices[c].nopts; k++) {
			runbook_option_name(rb, c, k, name, sizeof name);
			printf("%s", k > 1 ? " | " : " ");
			put_safe(name);
		}
		printf(": the operator picks one, the others are skipped\n");
	}
	for (size_t l = 0; l < rb->nlinks; l++) {
		const struct runbook_link *lk = &rb->links[l];

		if (lk->n)
			printf("%s: line %d: link [%d] ", file, lk->line, lk->n);
		else
			printf("%s: line %d: link ", file, lk->line);
		put_safe(lk->url);
		printf("\n");
	}
}

static int lint(int argc, char **argv)
{
	int rc = EXIT_OK;

	if (argc < 3) {
		fputs(usage, stderr);
		return EXIT_USAGE;
	}
	for (int i = 2; i < argc; i++) {
		char err[600];
		struct runbook *rb = runbook_load(argv[i], err, sizeof err);
		size_t c, k, a;

		if (!rb) {
			fprintf(stderr, "%s\n", err);
			rc = EXIT_UNREADABLE;
			continue;
		}
		for (size_t w = 0; w < rb->nwarnings; w++) {
			printf("%s: ", argv[i]);
			put_safe(rb->warnings[w]);
			printf("\n");
		}
		lint_notes(argv[i], rb);
		counts(rb, &c, &k, &a);
		printf("%s: %s: %zu phases, %zu steps, %zu commands, %zu checks, %zu actions, %zu choices, "
		       "%zu placeholders, %zu links%s\n", argv[i], rb->nwarnings ? "loads with warnings" : "ok",
		       rb->nphases, rb->nsteps, c, k, a, rb->nchoices, rb->nplaceholders, rb->nlinks,
		       runbook_read_only(rb) ? " (read only: nothing to run)" : "");
		if (rb->nwarnings && rc == EXIT_OK)
			rc = EXIT_WARNINGS;
		runbook_free(rb);
	}
	return rc;
}

int cli_runbook(int argc, char **argv, const struct config *cfg)
{
	const char *verb = argc > 1 ? argv[1] : "";

	if (strcmp(verb, "-h") == 0 || strcmp(verb, "--help") == 0) {
		fputs(usage, stdout);
		return EXIT_OK;
	}
	if (strcmp(verb, "list") == 0 && argc == 2)
		return list(cfg);
	if (strcmp(verb, "show") == 0 && argc == 3) {
		struct runbook_lib *lib;
		char err[600];
		struct runbook *rb = find_or_load(cfg, argv[2], &lib, err, sizeof err);

		if (!rb) {
			fprintf(stderr, "warroom runbook: %s\n", err);
			runbook_lib_free(lib);
			return EXIT_USAGE;
		}
		show(rb);
		if (lib)
			runbook_lib_free(lib);
		else
			runbook_free(rb);
		return fflush(stdout) == 0 ? EXIT_OK : EXIT_FAILED;
	}
	if (strcmp(verb, "lint") == 0)
		return lint(argc, argv);
	fputs(usage, stderr);
	return EXIT_USAGE;
}
