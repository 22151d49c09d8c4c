/* `warroom runbook list|show|lint`: the runbook library from a shell. Show
 * prints a runbook as the console walks it; lint says what a runbook's
 * author should know (exit 0 clean, 1 warnings, 2 unreadable). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "warroom/actions.h"
#include "warroom/cli.h"
#include "warroom/config.h"
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

static void show(const struct runbook *rb)
{
	put_safe(rb->title);
	printf("\n%s\n", rb->path);
	for (size_t j = 0; j < rb->nalerts; j++) {
		printf("%s", j ? ", " : "alerts: ");
		put_safe(rb->alerts[j]);
		printf(j + 1 == rb->nalerts ? "\n" : "");
	}
	for (size_t p = 0; p < rb->nphases; p++) {
		const struct runbook_phase *ph = &rb->phases[p];

		printf("\n%zu ", p + 1);
		put_safe(ph->title);
		printf("\n");
		for (size_t k = ph->first; k < ph->first + ph->n; k++) {
			const struct runbook_step *st = &rb->steps[k];

			printf("  step %zu ", k + 1);
			put_safe(st->title);
			printf("\n");
			for (size_t i = st->first; i < st->first + st->n; i++) {
				const struct runbook_item *it = &rb->items[i];
				char lead[24];

				switch (it->kind) {
				case RB_COMMAND: snprintf(lead, sizeof lead, it->remote ? "bastion$ " : "$ "); break;
				case RB_CHECK: snprintf(lead, sizeof lead, "%s ", it->checked ? "[x]" : "[ ]"); break;
				case RB_ACTION: snprintf(lead, sizeof lead, "warroom "); break;
				case RB_OUTPUT: snprintf(lead, sizeof lead, "| "); break;
				case RB_CODE: snprintf(lead, sizeof lead, "  "); break;
				default: lead[0] = '\0';
				}
				lines(lead, it->text, it->depth);
			}
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
		counts(rb, &c, &k, &a);
		printf("%s: %s: %zu phases, %zu steps, %zu commands, %zu checks, %zu actions%s\n", argv[i],
		       rb->nwarnings ? "loads with warnings" : "ok", rb->nphases, rb->nsteps, c, k, a,
		       c + k + a ? "" : " (nothing to run or tick: a runbook to read)");
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
