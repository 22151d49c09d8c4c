/* `warroom silence` and `warroom expire`: the silence actions headless, with
 * amtool's habits (1 h unless --duration, a comment required). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "warroom/actions.h"
#include "warroom/cli.h"

static const char silence_usage[] =
	"usage: warroom silence [--duration 1h] --comment TEXT [--yes] MATCHER...\n"
	"       MATCHER as Alertmanager writes them: alertname=HighErrorRate 'severity=~\"crit.*\"' env!=dev\n";

static bool flag(const char *a, const char *s, const char *l)
{
	return strcmp(a, s) == 0 || strcmp(a, l) == 0;
}

/* "--name=value" or "--name value": the value, or NULL when a is not it. */
static const char *option(int argc, char **argv, int *i, const char *s, const char *l)
{
	size_t n = strlen(l);

	if (strncmp(argv[*i], l, n) == 0 && argv[*i][n] == '=')
		return argv[*i] + n + 1;
	if (flag(argv[*i], s, l) && *i + 1 < argc)
		return argv[++*i];
	return NULL;
}

int cli_silence(int argc, char **argv, const struct config *cfg)
{
	struct action_args args = { 0 };
	const char *duration = NULL, *comment = NULL, *v;
	size_t cap = 64, o = 0;
	char *matchers = NULL, *text = NULL;
	bool yes = false;
	int rc;

	for (int i = 1; i < argc; i++)
		cap += strlen(argv[i]) + 4;
	matchers = calloc(1, cap);
	text = calloc(1, cap + 64);
	if (!matchers || !text) {
		free(matchers);
		free(text);
		fprintf(stderr, "warroom silence: out of memory\n");
		return EXIT_FAILED;
	}
	for (int i = 1; i < argc; i++) {
		if (flag(argv[i], "-h", "--help")) {
			fputs(silence_usage, stdout);
			free(matchers);
			free(text);
			return EXIT_OK;
		} else if (flag(argv[i], "-y", "--yes")) {
			yes = true;
		} else if ((v = option(argc, argv, &i, "-d", "--duration"))) {
			duration = v;
		} else if ((v = option(argc, argv, &i, "-c", "--comment"))) {
			comment = v;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			fprintf(stderr, "warroom silence: unknown option %s\n%s", argv[i], silence_usage);
			free(matchers);
			free(text);
			return EXIT_USAGE;
		} else {
			o += (size_t)snprintf(matchers + o, cap - o, "%s%s", o ? ", " : "", argv[i]);
		}
	}
	/* the action says what is missing (and --readonly refuses first) */
	if (o || duration || comment)
		snprintf(text, cap + 64, "{%s} %s %s", matchers, duration ? duration : "1h", comment ? comment : "");
	args.text = text[0] ? text : NULL;
	args.unattended = yes;
	rc = cli_run_action(ACTION_SILENCE, &args, yes, cfg, "silence");
	free(matchers);
	free(text);
	return rc;
}

int cli_expire(int argc, char **argv, const struct config *cfg)
{
	struct action_args args = { 0 };
	bool yes = false;

	for (int i = 1; i < argc; i++) {
		if (flag(argv[i], "-h", "--help")) {
			puts("usage: warroom expire [--yes] SILENCE-ID   expire a silence now");
			return EXIT_OK;
		} else if (flag(argv[i], "-y", "--yes")) {
			yes = true;
		} else if (argv[i][0] == '-' || args.text) {
			fprintf(stderr, "usage: warroom expire [--yes] SILENCE-ID   expire a silence now\n");
			return EXIT_USAGE;
		} else {
			args.text = argv[i];
		}
	}
	args.unattended = yes;
	return cli_run_action(ACTION_EXPIRE, &args, yes, cfg, "expire");
}
