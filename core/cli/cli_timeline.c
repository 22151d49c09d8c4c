/* cli — `warroom note` and `warroom timeline`: the timeline from a shell.
 *
 * A note from another terminal lands in the same SQLite file the console
 * reads; the console notices it through timeline_generation(). Both commands
 * are quiet on success and speak on stderr otherwise, so they fit in scripts
 * (`kubectl logs ... | warroom note -`). */
#include "warroom/cli.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cJSON.h>

#include "warroom/config.h"
#include "warroom/secret.h"
#include "warroom/text.h"
#include "warroom/timeline.h"

#define NOTE_STDIN_MAX (64 * 1024)
#define LIST_DEFAULT 50

static const char note_usage[] =
	"usage: warroom note TEXT...     append a note to the timeline (the open incident's, if any)\n"
	"       warroom note -           the note is read from stdin\n";
static const char timeline_usage[] =
	"usage: warroom timeline [--json] [--limit N]\n"
	"       newest first; N events (default 50, 0 for all)\n"
	"       warroom timeline export [--format md|json] [--incident ID] [--output FILE]\n"
	"       warroom timeline import FILE   records a console could not save (unsaved-*.jsonl)\n"
	"                                      into the database, skipping those already there\n";

static char *read_stdin(char *why, size_t whylen)
{
	char *buf = malloc(NOTE_STDIN_MAX + 1);
	size_t got = 0, r;
	if (!buf) {
		snprintf(why, whylen, "out of memory");
		return NULL;
	}
	while (got < NOTE_STDIN_MAX && (r = fread(buf + got, 1, NOTE_STDIN_MAX - got, stdin)) > 0)
		got += r;
	if (ferror(stdin)) {
		snprintf(why, whylen, "cannot read stdin: %s", strerror(errno));
		free(buf);
		return NULL;
	}
	if (got == NOTE_STDIN_MAX && fgetc(stdin) != EOF) {
		snprintf(why, whylen, "stdin is longer than %d KiB; attach a file's path instead",
		         NOTE_STDIN_MAX / 1024);
		free(buf);
		return NULL;
	}
	buf[got] = '\0';
	if (strlen(buf) != got) {
		snprintf(why, whylen, "stdin holds NUL bytes: not text");
		free(buf);
		return NULL;
	}
	return buf;
}

static bool blank(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s > ' ')
			return false;
	return true;
}

static struct timeline *open_timeline(const struct config *cfg, const char *cmd)
{
	char err[1024];
	struct timeline *tl = timeline_open(cfg->db_path, cfg->operator_name, err, sizeof err);
	if (!tl)
		fprintf(stderr, "warroom %s: %s\n", cmd, err);
	return tl;
}

int cli_note(int argc, char **argv, const struct config *cfg)
{
	int first = 1;
	if (argc > 1 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
		fputs(note_usage, stdout);
		return EXIT_OK;
	}
	if (argc > 1 && strcmp(argv[1], "--") == 0)
		first = 2;

	char why[256] = "", *text;
	bool from_stdin = argc == first + 1 && strcmp(argv[first], "-") == 0;
	if (from_stdin)
		text = read_stdin(why, sizeof why);
	else if (argc <= first)
		text = strdup("");
	else
		text = text_join(argc, argv, first);
	if (!text) {
		fprintf(stderr, "warroom note: %s\n", why[0] ? why : "out of memory");
		return EXIT_FAILED;
	}
	if (blank(text)) {
		free(text);
		if (from_stdin) {
			fprintf(stderr, "warroom note: stdin was empty: nothing written\n");
			return EXIT_USAGE;
		}
		fputs(note_usage, stderr);
		return EXIT_USAGE;
	}
	struct action_args args = { .text = text };
	int rc = cli_run_action(ACTION_NOTE, &args, false, cfg, "note");
	free(text);
	return rc;
}

static void format_ts(char *buf, size_t len, int64_t ms, bool iso)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	if (!gmtime_r(&t, &tm)) {
		snprintf(buf, len, "?");
		return;
	}
	if (!iso) {
		strftime(buf, len, "%Y-%m-%d %H:%M:%SZ", &tm);
		return;
	}
	size_t n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, len - n, ".%03dZ", (int)(((ms % 1000) + 1000) % 1000));
}

/* Characters, not bytes: what the terminal's columns count (near enough). */
static size_t text_width(const char *s)
{
	size_t w = 0;
	for (; *s; s++)
		w += ((unsigned char)*s & 0xC0) != 0x80;
	return w;
}

/* What others wrote may hold escapes: never pass them to the terminal. */
static void print_safe(const char *s, size_t pad)
{
	char line[1024];
	text_clean(line, sizeof line, s, (size_t)-1, 0);
	secret_scrub_buf(line, sizeof line);
	fputs(line, stdout);
	for (size_t w = text_width(line); w < pad; w++)
		fputc(' ', stdout);
}

static int print_text(const struct timeline_event *evs, size_t n)
{
	size_t wa = 0, wk = 0;
	for (size_t i = 0; i < n; i++) {
		size_t a = text_width(evs[i].actor), k = text_width(evs[i].kind);
		wa = a > wa ? a : wa;
		wk = k > wk ? k : wk;
	}
	for (size_t i = 0; i < n; i++) {
		char ts[32];
		format_ts(ts, sizeof ts, evs[i].ts_ms, false);
		fputs(ts, stdout);
		fputs("  ", stdout);
		print_safe(evs[i].actor, wa);
		fputs("  ", stdout);
		print_safe(evs[i].kind, wk);
		fputs("  ", stdout);
		print_safe(evs[i].summary, 0);
		fputc('\n', stdout);
	}
	return EXIT_OK;
}

static cJSON *event_json(const struct timeline_event *e)
{
	char ts[40];
	cJSON *o = cJSON_CreateObject();
	if (!o)
		return NULL;
	format_ts(ts, sizeof ts, e->ts_ms, true);
	cJSON_AddNumberToObject(o, "id", (double)e->id);
	cJSON_AddStringToObject(o, "ts", ts);
	cJSON_AddNumberToObject(o, "ts_ms", (double)e->ts_ms);
	if (e->incident_id > 0)
		cJSON_AddNumberToObject(o, "incident_id", (double)e->incident_id);
	else
		cJSON_AddNullToObject(o, "incident_id");
	cJSON_AddStringToObject(o, "actor", e->actor);
	cJSON_AddStringToObject(o, "kind", e->kind);
	cJSON_AddStringToObject(o, "summary", e->summary);
	cJSON *d = e->detail_json ? cJSON_Parse(e->detail_json) : NULL;
	cJSON_AddItemToObject(o, "detail", d ? d : cJSON_CreateNull());
	return o;
}

/* One event at a time: the same bytes as printing the whole array, without
 * holding a JSON tree and a string of every event (an export of 100,000
 * events peaked at about 177 MiB that way). */
struct json_out {
	size_t n;
	bool failed;
};

static int print_one_json(const struct timeline_event *e, void *arg)
{
	struct json_out *j = arg;
	cJSON *o = event_json(e);
	char *s = o ? cJSON_PrintUnformatted(o) : NULL;
	/* JSON escapes C0 itself; C1 and bad bytes in a row older than the cleaning are not for a terminal */
	char *clean = s ? text_clean_dup(s, strlen(s), 0) : NULL;

	cJSON_Delete(o);
	cJSON_free(s);
	if (!clean) {
		j->failed = true;
		return 1;
	}
	fputs(j->n++ ? "," : "[", stdout);
	fputs(clean, stdout);
	free(clean);
	return 0;
}

/* `warroom timeline import FILE...`: what a console or a command could not
 * save, back into the database. */
static int timeline_import_cmd(int argc, char **argv, const struct config *cfg)
{
	struct timeline *tl;
	int rc = EXIT_OK;

	if (argc < 3 || argv[2][0] == '-') {
		fprintf(stderr, "usage: warroom timeline import FILE...   (the unsaved-*.jsonl a console left)\n");
		return argc > 2 && (strcmp(argv[2], "-h") == 0 || strcmp(argv[2], "--help") == 0) ? EXIT_OK : EXIT_USAGE;
	}
	if (!(tl = open_timeline(cfg, "timeline import")))
		return EXIT_FAILED;
	for (int i = 2; i < argc; i++) {
		char err[1024];
		size_t added, skipped;

		if (timeline_import(tl, argv[i], &added, &skipped, err, sizeof err) != 0) {
			fprintf(stderr, "warroom timeline import: %s\n", err);
			rc = EXIT_FAILED;
			continue;
		}
		printf("%s: %zu record%s imported into %s, %zu there already\n", argv[i], added, added == 1 ? "" : "s",
		       timeline_path(tl), skipped);
	}
	timeline_close(tl);
	return rc;
}

/* One event at a time from the database: a long export holds one. */
static int print_json(struct timeline *tl, size_t limit)
{
	struct json_out j = { 0, false };
	int rc = timeline_each(tl, -1, 0, limit, print_one_json, &j);

	if (j.failed) {   /* no closing bracket: a cut export must not parse as whole */
		fprintf(stderr, "warroom timeline: out of memory\n");
		return EXIT_FAILED;
	}
	if (rc < 0) {
		fprintf(stderr, "warroom timeline: %s\n", timeline_errmsg(tl));
		return EXIT_FAILED;
	}
	fputs(j.n ? "]\n" : "[]\n", stdout);
	return EXIT_OK;
}

int cli_timeline(int argc, char **argv, const struct config *cfg)
{
	bool json = false;
	long limit = LIST_DEFAULT;

	if (argc > 1 && strcmp(argv[1], "export") == 0)
		return cli_timeline_export(argc, argv, cfg);
	if (argc > 1 && strcmp(argv[1], "import") == 0)
		return timeline_import_cmd(argc, argv, cfg);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *val = NULL;
		if (strcmp(a, "--json") == 0) {
			json = true;
			continue;
		}
		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			fputs(timeline_usage, stdout);
			return EXIT_OK;
		}
		if (strcmp(a, "--limit") == 0 || strcmp(a, "-n") == 0)
			val = i + 1 < argc ? argv[++i] : "";
		else if (strncmp(a, "--limit=", 8) == 0)
			val = a + 8;
		if (!val) {
			fprintf(stderr, "warroom timeline: unknown argument \"%s\"\n%s", a, timeline_usage);
			return EXIT_USAGE;
		}
		char *end;
		errno = 0;
		limit = strtol(val, &end, 10);
		if (errno || end == val || *end || limit < 0) {
			fprintf(stderr, "warroom timeline: --limit wants a number of events (0 for all), not \"%s\"\n",
			        val);
			return EXIT_USAGE;
		}
	}

	struct timeline *tl = open_timeline(cfg, "timeline");
	if (!tl)
		return EXIT_FAILED;
	struct timeline_event *evs = NULL;
	size_t n = 0;
	int rc = EXIT_FAILED;
	if (json)
		rc = print_json(tl, (size_t)limit);
	else if (timeline_list(tl, -1, 0, (size_t)limit, &evs, &n) != 0)
		fprintf(stderr, "warroom timeline: %s\n", timeline_errmsg(tl));
	else
		rc = print_text(evs, n);
	timeline_events_free(evs, n);
	timeline_close(tl);
	if (fflush(stdout) != 0 && rc == EXIT_OK) {
		fprintf(stderr, "warroom timeline: cannot write the output: %s\n", strerror(errno));
		rc = EXIT_FAILED;
	}
	return rc;
}
