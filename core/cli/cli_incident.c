/* cli_incident — `warroom incident [declare]|show|ack|status|role|sev|resolve`,
 * `warroom sev`, `resolve`, `ack` and `timeline export`: the incident from a
 * shell, through the same actions as the console's keys (cli_run_action(),
 * audited), and its postmortem draft. */
#include "warroom/cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cJSON.h>

#include "warroom/config.h"
#include "warroom/export.h"
#include "warroom/incident.h"
#include "warroom/loop.h"
#include "warroom/text.h"
#include "warroom/timeline.h"

static const char export_usage[] =
	"usage: warroom timeline export [--format md|json] [--incident ID] [--output FILE]\n"
	"       the postmortem draft of the open incident (or the newest, or INC-ID); stdout by default\n";

static void stamp(char *buf, size_t len, int64_t ms)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (!ms) {
		snprintf(buf, len, "-");
		return;
	}
	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%d %H:%M:%SZ", &tm);
}

static int parse_sev(const char *s)
{
	if ((s[0] == 'S' || s[0] == 's') && (s[1] == 'E' || s[1] == 'e') && (s[2] == 'V' || s[2] == 'v'))
		s += 3 + (s[3] == '-');
	return s[0] >= '1' && s[0] <= '4' && s[1] == '\0' ? s[0] - '0' : 0;
}

int cli_sev(int argc, char **argv, const struct config *cfg)
{
	struct action_args args = { 0 };
	char *reason;
	int rc;

	if (argc < 2 || !(args.sev = parse_sev(argv[1]))) {
		fprintf(stderr, "usage: warroom sev 1|2|3|4 [REASON...]   change the open incident's SEV\n");
		return EXIT_USAGE;
	}
	reason = text_join(argc, argv, 2);
	args.text = reason;
	rc = cli_run_action(ACTION_SEV, &args, false, cfg, "sev");
	free(reason);
	return rc;
}

int cli_resolve(int argc, char **argv, const struct config *cfg)
{
	bool yes = argc > 1 && (strcmp(argv[1], "--yes") == 0 || strcmp(argv[1], "-y") == 0);

	if (argc > (yes ? 2 : 1)) {
		fprintf(stderr, "usage: warroom resolve [--yes]   close the open incident\n");
		return EXIT_USAGE;
	}
	return cli_run_action(ACTION_RESOLVE, NULL, yes, cfg, "resolve");
}

static int show(int argc, char **argv, const struct config *cfg)
{
	bool json = argc > 2 && strcmp(argv[2], "--json") == 0;
	char err[1024], t[5][32], clk[64], title[300];
	struct timeline_incident inc;
	struct incident_clock c;
	struct timeline *tl = timeline_open(cfg->db_path, cfg->operator_name, err, sizeof err);
	int rc;

	if (!tl) {
		fprintf(stderr, "warroom incident: %s\n", err);
		return EXIT_FAILED;
	}
	rc = timeline_incident_current(tl, &inc);
	if (rc != 1) {
		if (rc < 0)
			fprintf(stderr, "warroom incident: %s\n", timeline_errmsg(tl));
		else if (json)
			puts("null");
		else
			puts("no open incident");
		timeline_close(tl);
		return rc < 0 ? EXIT_FAILED : EXIT_OK;
	}
	incident_clock(cfg, &inc, loop_wall_ms(), &c);
	incident_clock_text(&c, clk, sizeof clk);
	if (json) {
		cJSON *o = cJSON_CreateObject();
		char *s, *clean;

		cJSON_AddNumberToObject(o, "id", (double)inc.id);
		cJSON_AddStringToObject(o, "title", inc.title);
		cJSON_AddNumberToObject(o, "sev", inc.sev);
		cJSON_AddStringToObject(o, "status", inc.status);
		cJSON_AddStringToObject(o, "commander", inc.commander);
		cJSON_AddStringToObject(o, "scribe", inc.scribe);
		cJSON_AddNumberToObject(o, "opened_ms", (double)inc.opened_ms);
		cJSON_AddNumberToObject(o, "acked_ms", (double)inc.acked_ms);
		cJSON_AddNumberToObject(o, "contained_ms", (double)inc.contained_ms);
		cJSON_AddNumberToObject(o, "recovered_ms", (double)inc.recovered_ms);
		cJSON_AddNumberToObject(o, "respond_within_min", c.target_min);
		cJSON_AddBoolToObject(o, "response_overdue", c.overdue);
		s = cJSON_PrintUnformatted(o);
		cJSON_Delete(o);
		clean = s ? text_clean_dup(s, strlen(s), 0) : NULL;
		puts(clean ? clean : "null");
		free(clean);
		cJSON_free(s);
	} else {
		stamp(t[0], sizeof t[0], inc.opened_ms);
		stamp(t[1], sizeof t[1], inc.acked_ms);
		stamp(t[2], sizeof t[2], inc.contained_ms);
		stamp(t[3], sizeof t[3], inc.recovered_ms);
		text_clean(title, sizeof title, inc.title, (size_t)-1, 0);
		printf("INC-%lld  SEV-%d  %s\n", (long long)inc.id, inc.sev, title);
		printf("status     %s\ncommander  %s\nscribe     %s\n", inc.status, inc.commander,
		       inc.scribe[0] ? inc.scribe : "-");
		printf("opened     %s\nacked      %s (%s)\ncontained  %s\nrecovered  %s\n", t[0], t[1], clk, t[2], t[3]);
	}
	timeline_close(tl);
	return EXIT_OK;
}

static int usage(void)
{
	fprintf(stderr, "usage: warroom incident --sev 1|2|3|4 TITLE...     declare an incident\n"
	        "       warroom incident show [--json]               the open incident: SEV, status, clocks, roles\n"
	        "       warroom incident ack                         first response: stops the response clock\n"
	        "       warroom incident status investigating|contained|recovered [REASON...]\n"
	        "       warroom incident role ic|scribe [NAME]       hand a role over (NAME: default you)\n"
	        "       warroom incident sev N [REASON...]           change the SEV\n"
	        "       warroom incident resolve [--yes]             close it\n");
	return EXIT_USAGE;
}

static int incident_sub(int argc, char **argv, const struct config *cfg)
{
	const char *sub = argv[1];
	struct action_args args = { 0 };
	char *text;
	int rc;

	if (strcmp(sub, "show") == 0)
		return show(argc, argv, cfg);
	if (strcmp(sub, "ack") == 0)
		return argc == 2 ? cli_run_action(ACTION_ACK, NULL, false, cfg, "incident ack") : usage();
	if (strcmp(sub, "sev") == 0)
		return cli_sev(argc - 1, argv + 1, cfg);
	if (strcmp(sub, "resolve") == 0)
		return cli_resolve(argc - 1, argv + 1, cfg);
	if (strcmp(sub, "status") != 0 && strcmp(sub, "role") != 0)
		return usage();
	if (argc < 3)
		return usage();
	text = text_join(argc, argv, 2);
	if (!text)
		return EXIT_FAILED;
	args.text = text;
	rc = cli_run_action(sub[0] == 's' ? ACTION_STATUS : ACTION_ROLE, &args, false, cfg,
	                    sub[0] == 's' ? "incident status" : "incident role");
	free(text);
	return rc;
}

int cli_incident(int argc, char **argv, const struct config *cfg)
{
	struct action_args args = { .sev = 0 };
	int i = 1, rc;
	char *title;

	if (argc > 1 && argv[1][0] != '-' && strcmp(argv[1], "declare") != 0)
		return incident_sub(argc, argv, cfg);
	if (argc > 1 && strcmp(argv[1], "declare") == 0)
		i = 2;
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--sev") == 0 && i + 1 < argc) {
			args.sev = parse_sev(argv[++i]);
		} else if (strncmp(argv[i], "--sev=", 6) == 0) {
			args.sev = parse_sev(argv[i] + 6);
		} else if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		} else {
			break;
		}
	}
	title = text_join(argc, argv, i);
	if (!title || !args.sev) {
		fprintf(stderr, "usage: warroom incident --sev 1|2|3|4 TITLE...\n"
		        "       declare an incident; if unsure of the SEV, take the higher (the lower number)\n");
		free(title);
		return EXIT_USAGE;
	}
	args.text = title;
	rc = cli_run_action(ACTION_INCIDENT, &args, false, cfg, "incident");
	free(title);
	return rc;
}

int cli_ack(int argc, char **argv, const struct config *cfg)
{
	if (argc > 1) {
		fprintf(stderr, "usage: warroom ack   acknowledge the open incident (its response clock stops)\n");
		return EXIT_USAGE;
	}
	return cli_run_action(ACTION_ACK, NULL, false, cfg, "ack");
}

int cli_timeline_export(int argc, char **argv, const struct config *cfg)
{
	enum export_format fmt = EXPORT_MD;
	const char *output = NULL;
	int64_t id = 0, got = 0;
	char err[1024], *text, *end;
	struct timeline *tl;
	int rc = EXIT_OK;

	for (int i = 2; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			fputs(export_usage, stdout);
			return EXIT_OK;
		}
		if (!v || (strcmp(a, "--format") && strcmp(a, "--incident") && strcmp(a, "--output"))) {
			fprintf(stderr, "warroom timeline export: %s \"%s\"\n%s", v ? "unknown argument" : "no value after",
			        a, export_usage);
			return EXIT_USAGE;
		}
		i++;
		if (strcmp(a, "--format") == 0) {
			if (strcmp(v, "md") == 0 || strcmp(v, "markdown") == 0) {
				fmt = EXPORT_MD;
			} else if (strcmp(v, "json") == 0) {
				fmt = EXPORT_JSON;
			} else {
				fprintf(stderr, "warroom timeline export: --format is md or json, not \"%s\"\n", v);
				return EXIT_USAGE;
			}
		} else if (strcmp(a, "--incident") == 0) {
			errno = 0;
			id = strtoll(v + (strncmp(v, "INC-", 4) == 0 ? 4 : 0), &end, 10);
			if (errno || *end || id <= 0) {
				fprintf(stderr, "warroom timeline export: --incident wants an incident number (INC-3 or 3), "
				        "not \"%s\"\n", v);
				return EXIT_USAGE;
			}
		} else {
			output = v;
		}
	}
	tl = timeline_open(cfg->db_path, cfg->operator_name, err, sizeof err);
	if (!tl) {
		fprintf(stderr, "warroom timeline export: %s\n", err);
		return EXIT_FAILED;
	}
	text = export_incident(tl, cfg, id, fmt, &got, err, sizeof err);
	timeline_close(tl);
	if (!text) {
		fprintf(stderr, "warroom timeline export: %s\n", err);
		return EXIT_FAILED;
	}
	if (output && strcmp(output, "-") != 0) {
		if (export_write_private(output, text, err, sizeof err) != 0) {
			fprintf(stderr, "warroom timeline export: %s\n", err);
			rc = EXIT_FAILED;
		}
	} else if (fputs(text, stdout) == EOF || fflush(stdout) != 0) {
		fprintf(stderr, "warroom timeline export: cannot write the output: %s\n", strerror(errno));
		rc = EXIT_FAILED;
	}
	free(text);
	return rc;
}
