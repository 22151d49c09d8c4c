/* `warroom abort|undo|promote [--full]|promote-full|retry|hold
 * [--yes]`: the Argo Rollout's actions headless, through the same action
 * rows as the console's keys (preflight, question, audit, verification). */
#include <stdio.h>
#include <string.h>

#include "warroom/actions.h"
#include "warroom/cli.h"

static const char usage[] =
	"usage: warroom abort|undo|promote [--full]|retry|hold [--yes]\n"
	"       acts on the Argo Rollout (kubernetes.rollout) as the kubectl plugin does: prints the\n"
	"       preflight, asks Proceed? [y/N] (or --yes), sends, and waits until the change shows;\n"
	"       exit 0 only when it is verified (abort and undo: traffic back on the stable pods)\n";

int cli_rollout_action(int argc, char **argv, const struct config *cfg)
{
	const struct action *a = actions_by_name(argv[0]);
	bool yes = false, full = false;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--yes") == 0 || strcmp(argv[i], "-y") == 0)
			yes = true;
		else if (strcmp(argv[i], "--full") == 0 && a && a->id == ACTION_PROMOTE)
			full = true;
		else {
			fprintf(stderr, "%s", usage);
			return EXIT_USAGE;
		}
	}
	if (!a) {
		fprintf(stderr, "%s", usage);
		return EXIT_USAGE;
	}
	if (full)
		a = actions_get(ACTION_PROMOTE_FULL);
	struct action_args args = { .unattended = yes };
	return cli_run_action(a->id, &args, yes, cfg, a->name);
}
