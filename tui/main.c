/* warroom: the full-screen console, or a headless subcommand. Global options
 * may stand before or after the subcommand. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "warroom/cli.h"
#include "warroom/config.h"
#include "keydoc.h"
#include "warroom/runbook.h"
#include "warroom/ssh.h"
#include "warroom/text.h"
#include "warroom/timeline.h"

static const char usage[] =
	"usage: warroom [OPTIONS]                 full-screen console\n"
	"       warroom note TEXT...              append a note to the timeline (- reads stdin)\n"
	"       warroom timeline [--json] [--limit N]\n"
	"       warroom status [--json]           slots, alerts, signals; exit 0 healthy, 1 degraded, 2 outage\n"
	"       warroom status --follow [--json]  one line per change of the slots as it arrives\n"
	"       warroom rollback [--strategy auto|selector|scale-switch|undo|argocd] [--dry-run] [--yes]\n"
	"       warroom timeline export [--format md|json] [--incident ID] [--output FILE]\n"
	"                                         the postmortem draft of an incident\n"
	"       warroom timeline import FILE...   what a console could not save (unsaved-*.jsonl)\n"
	"       warroom incident --sev N TITLE... declare an incident\n"
	"       warroom incident show|ack|status|role ...   the open incident (warroom incident -h)\n"
	"       warroom ack                       acknowledge the open incident\n"
	"       warroom sev N [REASON...]         change the open incident's SEV\n"
	"       warroom resolve [--yes]           close the open incident\n"
	"       warroom silence [--duration 1h] --comment TEXT [--yes] MATCHER...\n"
	"       warroom expire [--yes] ID         expire a silence\n"
	"       warroom actions [--json]          every action, its keys and preconditions\n"
	"       warroom keys [--markdown|--man]   every key in force (with the config's keys:), as ? lists them\n"
	"       warroom query EXPR [--json]       every series of an instant PromQL query (- reads stdin)\n"
	"       warroom runbook list|show NAME|lint FILE...  the runbooks, one as the console walks it, a check\n"
	"       warroom dashboard show|lint|values FILE   a Grafana dashboard as the console reads it\n"
	"       warroom check [--slot S] [--json] the verification matrix; exit 0 all passed\n"
	"       warroom watch [--window 5m] [--auto-rollback]  the deployment window; 0 passed, 4 rolled back,\n"
	"                                         5 breached without rollback\n"
	"       warroom autosync [--override] [--yes]  re-enable Argo CD auto-sync once Git is fixed\n"
	"       warroom abort|undo|promote [--full]|retry|hold [--yes]\n"
	"                                         the Argo Rollout's actions, verified; exit 0 verified\n"
	"       warroom tick N                    tick item N of the pre-deployment checklist\n"
	"       warroom logs [--slot S|--pod P] [--container C] [--since switch|10m|TIME] [--follow] [--grep RE]\n"
	"                    [--new] [--json]  pod logs by slot, merged by time; --new: what the live slot logs\n"
	"                                         and the other does not\n"
	"       warroom events [--slot S] [--json]  Kubernetes Events by reason and slot\n"
	"       warroom remote [--timeout S] CMD  run a command on the bastion; its exit status\n"
	"\n"
	"options:\n"
	"  --config FILE   configuration (default $XDG_CONFIG_HOME/warroom/config.yaml)\n"
	"  --db FILE       timeline database (default $XDG_STATE_HOME/warroom/timeline.db)\n"
	"  --context NAME  kubeconfig context\n"
	"  --readonly      refuse every action that changes the cluster\n"
	"  --bastion USER@HOST[:PORT]  reach the endpoints marked via_bastion through this SSH host\n"
	"  --help, --version\n";

struct subcmd {
	const char *name;
	int (*fn)(int argc, char **argv, const struct config *cfg);
};

static const struct subcmd subcmds[] = {
	{ "note", cli_note },
	{ "timeline", cli_timeline },
	{ "status", cli_status },
	{ "rollback", cli_rollback },
	{ "incident", cli_incident },
	{ "sev", cli_sev },
	{ "resolve", cli_resolve },
	{ "silence", cli_silence },
	{ "expire", cli_expire },
	{ "ack", cli_ack },
	{ "actions", cli_actions },
	{ "keys", keydoc_cli },
	{ "query", cli_query },
	{ "runbook", cli_runbook },
	{ "dashboard", cli_dashboard },
	{ "watch", cli_watch },
	{ "autosync", cli_autosync },
	{ "abort", cli_rollout_action },
	{ "undo", cli_rollout_action },
	{ "promote", cli_rollout_action },
	{ "promote-full", cli_rollout_action },
	{ "retry", cli_rollout_action },
	{ "hold", cli_rollout_action },
	{ "check", cli_check },
	{ "tick", cli_tick },
	{ "remote", cli_remote },
	{ "logs", cli_logs },
	{ "events", cli_events },
};

/* The subcommands whose requests a bastion would carry: told when it carries none. */
static bool reaches_endpoints(const char *name)
{
	static const char *const names[] = { "status", "rollback", "silence", "expire", "query", "dashboard",
	                                     "check", "watch", "autosync", "abort", "undo", "promote",
	                                     "promote-full", "retry", "hold" };

	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strcmp(name, names[i]) == 0)
			return true;
	return false;
}

static int need_value(int i, int argc, char **argv)
{
	if (i + 1 >= argc) {
		fprintf(stderr, "warroom: %s needs a value\n%s", argv[i], usage);
		return -1;
	}
	return 0;
}

/* Leaving with records the database never took: they are in the fallback
 * file, which is named; should that have failed too, the events kept in
 * memory go to the terminal, the one place left that keeps them. Returns
 * how many were not saved. */
static size_t say_unsaved(struct timeline *tl)
{
	struct timeline_event *evs;
	size_t n, left = timeline_finish(tl);
	const char *why = timeline_unsaved(tl)[0] ? timeline_unsaved(tl) : "another process holds its lock";

	if (!left)
		return 0;
	if (timeline_fallback_path(tl)[0]) {
		fprintf(stderr, "warroom: the timeline could not be saved to %s (%s); %zu record%s %s kept in %s\n"
		        "warroom: warroom timeline import %s brings %s back\n", timeline_path(tl), why,
		        left, left == 1 ? "" : "s", left == 1 ? "is" : "are", timeline_fallback_path(tl),
		        timeline_fallback_path(tl), left == 1 ? "it" : "them");
		return left;
	}
	if (!timeline_unsaved_events(tl) || timeline_list(tl, -1, 0, timeline_unsaved_events(tl), &evs, &n) != 0)
		return left;
	fprintf(stderr, "warroom: the timeline could not be saved (%s); %s %zu event%s %s not written to %s:\n",
	        why, n == 1 ? "this" : "these", n, n == 1 ? "" : "s", n == 1 ? "was" : "were",
	        timeline_path(tl));
	for (size_t i = n; i-- > 0;) {
		time_t t = (time_t)(evs[i].ts_ms / 1000);
		struct tm tm;
		char when[32], line[sizeof evs[i].summary];

		gmtime_r(&t, &tm);
		strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
		text_clean(line, sizeof line, evs[i].summary, (size_t)-1, 0);   /* an alert's text reaches a bare terminal */
		fprintf(stderr, "  %s %s %s %s\n", when, evs[i].actor, evs[i].kind, line);
	}
	timeline_events_free(evs, n);
	return left;
}

int main(int argc, char **argv)
{
	static struct config cfg;
	const char *config_path = NULL, *db = NULL, *context = NULL, *bastion = NULL;
	bool readonly = false, dashdash = false;
	char **rest = calloc((size_t)argc + 1, sizeof *rest);
	int nrest = 0, rc;
	char err[1024], path[1024];
	const struct subcmd *sub = NULL;

	if (!rest)
		return EXIT_FAILED;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (dashdash || a[0] != '-' || strcmp(a, "-") == 0) {
			rest[nrest++] = argv[i];
			continue;
		}
		if (strcmp(a, "--") == 0) {
			dashdash = true;
			rest[nrest++] = argv[i];
		} else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			fputs(usage, stdout);
			free(rest);
			return EXIT_OK;
		} else if (strcmp(a, "--version") == 0) {
			printf("warroom %s\n", WARROOM_VERSION);
			free(rest);
			return EXIT_OK;
		} else if (strcmp(a, "--config") == 0 || strcmp(a, "--db") == 0 || strcmp(a, "--context") == 0) {
			if (need_value(i, argc, argv)) {
				free(rest);
				return EXIT_USAGE;
			}
			if (a[2] == 'c' && a[3] == 'o' && a[4] == 'n' && a[5] == 'f')
				config_path = argv[++i];
			else if (a[2] == 'd')
				db = argv[++i];
			else
				context = argv[++i];
		} else if (strcmp(a, "--bastion") == 0) {
			if (need_value(i, argc, argv)) {
				free(rest);
				return EXIT_USAGE;
			}
			bastion = argv[++i];
		} else if (strcmp(a, "--readonly") == 0) {
			readonly = true;
		} else if (nrest > 0) {
			rest[nrest++] = argv[i];   /* the subcommand's own option */
		} else {
			fprintf(stderr, "warroom: unknown option %s\n%s", a, usage);
			free(rest);
			return EXIT_USAGE;
		}
	}

	if (nrest > 0) {
		for (size_t s = 0; s < sizeof subcmds / sizeof subcmds[0]; s++)
			if (strcmp(rest[0], subcmds[s].name) == 0)
				sub = &subcmds[s];
		if (!sub) {
			fprintf(stderr, "warroom: unknown command \"%s\"\n%s", rest[0], usage);
			free(rest);
			return EXIT_USAGE;
		}
	}

	config_defaults(&cfg);
	if (!config_path) {
		config_default_path(path, sizeof path);
		config_path = path;
	}
	if (config_load(&cfg, config_path, config_path != path, err, sizeof err) != 0) {
		fprintf(stderr, "warroom: %s\n", err);
		free(rest);
		return EXIT_USAGE;
	}
	if (db)
		snprintf(cfg.db_path, sizeof cfg.db_path, "%s", db);
	if (context)
		snprintf(cfg.kube.context, sizeof cfg.kube.context, "%s", context);
	if (readonly)
		cfg.readonly = true;
	config_register_secrets(&cfg);   /* every text this process writes loses them */
	if ((bastion && config_set_bastion(&cfg, bastion, err, sizeof err) != 0) ||
	    config_check_bastion(&cfg, err, sizeof err) != 0) {
		fprintf(stderr, "warroom: %s\n", err);
		free(rest);
		return EXIT_USAGE;
	}

	if (sub && reaches_endpoints(sub->name) && config_bastion_unused(&cfg, false, err, sizeof err))
		fprintf(stderr, "warroom: WARNING: %s\n", err);
	if (sub) {
		rc = sub->fn(nrest, rest, &cfg);
	} else {
		/* whatever the database's state, nothing typed is lost: kept in
		 * memory and in the fallback file until the database takes it */
		struct timeline *tl = timeline_open_keeping(cfg.db_path, cfg.operator_name, err, sizeof err);

		config_state_dir(path, sizeof path);
		timeline_set_fallback_dir(tl, path);
		rc = app_run(&cfg, tl, tl && err[0] ? err : tl ? NULL : "out of memory");
		if (say_unsaved(tl) && rc == EXIT_OK)
			rc = EXIT_FAILED;   /* a script must not take this run for a clean one */
		timeline_close(tl);
	}
	free(rest);
	return rc;
}
