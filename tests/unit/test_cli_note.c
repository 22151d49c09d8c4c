/* `warroom note` and `warroom timeline`: what a shell user sees — exit codes,
 * silence on success, words on stderr, the list format and the JSON. Each run
 * is a child process with its own stdin, stdout and stderr, like the real one. */
#include "testutil.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <time.h>

#include <cJSON.h>

#include "warroom/cli.h"
#include "warroom/config.h"
#include "warroom/timeline.h"

static char dir[512];
static struct config cfg;
static char out[65536], errout[8192];

static int setup(void **state)
{
	testutil_tmpdir(dir, sizeof dir);
	setenv("XDG_STATE_HOME", dir, 1);   /* where a note that cannot be saved is kept */
	config_defaults(&cfg);
	snprintf(cfg.db_path, sizeof cfg.db_path, "%s/state/timeline.db", dir);
	snprintf(cfg.operator_name, sizeof cfg.operator_name, "alice");
	return 0;
}

static int teardown(void **state)
{
	testutil_rmtree(dir);
	return 0;
}

static void slurp(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	size_t n = f ? fread(buf, 1, len - 1, f) : 0;
	buf[n] = '\0';
	if (f)
		fclose(f);
}

/* Runs fn(argv) in a child with stdin_text on stdin; fills out and errout. */
static int run(int (*fn)(int, char **, const struct config *), const char *stdin_text, ...)
{
	char *argv[32];
	int argc = 0;
	va_list ap;
	va_start(ap, stdin_text);
	for (const char *a; (a = va_arg(ap, const char *)) && argc < 31; )
		argv[argc++] = (char *)a;
	va_end(ap);
	argv[argc] = NULL;

	char in[700], o[700], e[700];
	snprintf(in, sizeof in, "%s/stdin", dir);
	snprintf(o, sizeof o, "%s/stdout", dir);
	snprintf(e, sizeof e, "%s/stderr", dir);
	FILE *f = fopen(in, "w");
	assert_non_null(f);
	fputs(stdin_text ? stdin_text : "", f);
	fclose(f);

	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int fi = open(in, O_RDONLY), fo = open(o, O_WRONLY | O_CREAT | O_TRUNC, 0600),
		    fe = open(e, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (fi < 0 || fo < 0 || fe < 0 || dup2(fi, 0) < 0 || dup2(fo, 1) < 0 || dup2(fe, 2) < 0)
			_exit(99);
		int rc = fn(argc, argv, &cfg);
		fflush(stdout);
		fflush(stderr);
		_exit(rc);
	}
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	slurp(o, out, sizeof out);
	slurp(e, errout, sizeof errout);
	return WEXITSTATUS(status);
}

static struct timeline *open_tl(void)
{
	char err[512];
	struct timeline *tl = timeline_open(cfg.db_path, "bob", err, sizeof err);
	if (!tl)
		fail_msg("%s", err);
	return tl;
}

/* The newest event, copied out (detail freed). */
static struct timeline_event newest(char *detail, size_t len)
{
	struct timeline *tl = open_tl();
	struct timeline_event *evs, ev;
	size_t n;
	assert_int_equal(timeline_list(tl, -1, 0, 1, &evs, &n), 0);
	assert_int_equal(n, 1);
	ev = evs[0];
	snprintf(detail, len, "%s", evs[0].detail_json ? evs[0].detail_json : "");
	ev.detail_json = NULL;
	timeline_events_free(evs, n);
	timeline_close(tl);
	return ev;
}

static int64_t count(void)
{
	struct timeline *tl = open_tl();
	int64_t n = timeline_count(tl);
	timeline_close(tl);
	return n;
}

static void test_note_is_quiet_and_joins_words(void **state)
{
	char detail[1024];
	assert_int_equal(run(cli_note, NULL, "note", "rolled", "back", "to blue", NULL), 0);
	assert_string_equal(out, "");
	assert_string_equal(errout, "");
	struct timeline_event ev = newest(detail, sizeof detail);
	assert_string_equal(ev.kind, "note");
	assert_string_equal(ev.summary, "rolled back to blue");
	assert_string_equal(ev.actor, "alice");
	assert_int_equal(ev.incident_id, 0);
	assert_string_equal(detail, "");

	/* "--" lets a note start with a dash */
	assert_int_equal(run(cli_note, NULL, "note", "--", "-5%", "errors", "after", "switch", NULL), 0);
	assert_string_equal(newest(detail, sizeof detail).summary, "-5% errors after switch");
}

static void test_note_goes_to_open_incident(void **state)
{
	char detail[1024];
	struct timeline *tl = open_tl();
	int64_t id = timeline_incident_open(tl, "error spike", 2);
	assert_true(id > 0);
	timeline_close(tl);
	assert_int_equal(run(cli_note, NULL, "note", "paged the DBA", NULL), 0);
	assert_int_equal(newest(detail, sizeof detail).incident_id, id);
}

static void test_note_without_text_is_usage(void **state)
{
	assert_int_equal(run(cli_note, NULL, "note", NULL), 2);
	assert_string_equal(out, "");
	assert_non_null(strstr(errout, "usage: warroom note"));
	assert_int_equal(run(cli_note, NULL, "note", "  ", "", NULL), 2);
	assert_non_null(strstr(errout, "usage"));
	assert_int_equal(run(cli_note, "\n\n", "note", "-", NULL), 2);
	assert_non_null(strstr(errout, "stdin was empty"));
	assert_int_equal(count(), 0);
}

static void test_note_from_stdin(void **state)
{
	char detail[1024];
	assert_int_equal(run(cli_note, "pod api-green-7f9 OOMKilled\n\trestarts: 4\n", "note", "-", NULL), 0);
	assert_string_equal(out, "");
	struct timeline_event ev = newest(detail, sizeof detail);
	assert_string_equal(ev.summary, "pod api-green-7f9 OOMKilled restarts: 4");
	/* the lines as typed are kept whole in the detail */
	cJSON *j = cJSON_Parse(detail);
	assert_non_null(j);
	assert_string_equal(cJSON_GetObjectItem(j, "text")->valuestring, "pod api-green-7f9 OOMKilled\n\trestarts: 4");
	cJSON_Delete(j);
}

static void test_long_note_kept_whole(void **state)
{
	char text[1000], detail[2048];
	for (size_t i = 0; i < sizeof text - 1; i++)
		text[i] = "abcdefghij"[i % 10];
	text[sizeof text - 1] = '\0';
	assert_int_equal(run(cli_note, NULL, "note", text, NULL), 0);
	struct timeline_event ev = newest(detail, sizeof detail);
	assert_int_equal(strlen(ev.summary), 255);
	assert_memory_equal(ev.summary, text, 255);
	assert_non_null(strstr(detail, text));
}

static void test_note_redacts_and_fails_in_words(void **state)
{
	char detail[1024];
	assert_int_equal(run(cli_note, NULL, "note", "tried", "curl -H 'Authorization: Bearer eyJabc'", NULL), 0);
	struct timeline_event ev = newest(detail, sizeof detail);
	assert_null(strstr(ev.summary, "eyJabc"));
	assert_non_null(strstr(ev.summary, "Bearer [redacted]"));

	/* a database that cannot be opened: never exit 0, and the note is not lost */
	snprintf(cfg.db_path, sizeof cfg.db_path, "/dev/null/state/timeline.db");
	assert_int_equal(run(cli_note, NULL, "note", "x marks the spot", NULL), 1);
	assert_string_equal(out, "");
	assert_non_null(strstr(errout, "warroom note: timeline: /dev/null/state/timeline.db is not open: "
	                       "cannot create folder /dev/null: Not a directory; kept in "));
	assert_non_null(strstr(errout, "warroom timeline import"));
	{
		char path[700], *p = strstr(errout, "kept in "), *e;
		char kept[4096];

		assert_non_null(p);
		snprintf(path, sizeof path, "%s", p + 8);
		e = strstr(path, ".jsonl");
		assert_non_null(e);
		e[6] = '\0';
		assert_int_equal(strncmp(path, dir, strlen(dir)), 0);   /* under $XDG_STATE_HOME/warroom */
		slurp(path, kept, sizeof kept);
		assert_non_null(strstr(kept, "\"summary\":\"x marks the spot\""));
	}
}

static int64_t utc_ms(int y, int mo, int d, int h, int mi, int s)
{
	struct tm tm = {.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h, .tm_min = mi, .tm_sec = s};
	return (int64_t)timegm(&tm) * 1000;
}

static void add(struct timeline *tl, int64_t ts, const char *actor, const char *kind, const char *summary,
                const char *detail)
{
	struct timeline_event ev = {.ts_ms = ts, .detail_json = (char *)detail};
	snprintf(ev.actor, sizeof ev.actor, "%s", actor);
	snprintf(ev.kind, sizeof ev.kind, "%s", kind);
	snprintf(ev.summary, sizeof ev.summary, "%s", summary);
	char err[256];
	if (timeline_append(tl, &ev, err, sizeof err) != 0)
		fail_msg("%s", err);
}

static void test_timeline_text(void **state)
{
	/* an empty timeline prints nothing */
	assert_int_equal(run(cli_timeline, NULL, "timeline", NULL), 0);
	assert_string_equal(out, "");

	struct timeline *tl = open_tl();
	add(tl, utc_ms(2026, 11, 21, 14, 3, 10), "alice", "note", "text", NULL);
	timeline_close(tl);
	assert_int_equal(run(cli_timeline, NULL, "timeline", NULL), 0);
	assert_string_equal(out, "2026-11-21 14:03:10Z  alice  note  text\n");
	assert_string_equal(errout, "");

	tl = open_tl();
	add(tl, utc_ms(2026, 11, 21, 14, 2, 5), "argo-sync", "deploy", "traffic switched blue -> green", NULL);
	add(tl, utc_ms(2026, 11, 21, 14, 4, 0), "bob", "sev", "SEV-2 declared\x1b[2J", NULL);
	timeline_close(tl);
	assert_int_equal(run(cli_timeline, NULL, "timeline", NULL), 0);
	assert_string_equal(out,
		"2026-11-21 14:04:00Z  bob        sev     SEV-2 declared\u241b\n"   /* the escape is a mark */
		"2026-11-21 14:03:10Z  alice      note    text\n"
		"2026-11-21 14:02:05Z  argo-sync  deploy  traffic switched blue -> green\n");

	assert_int_equal(run(cli_timeline, NULL, "timeline", "--limit", "1", NULL), 0);
	assert_string_equal(out, "2026-11-21 14:04:00Z  bob  sev  SEV-2 declared\u241b\n");
	assert_int_equal(run(cli_timeline, NULL, "timeline", "--limit=0", NULL), 0);
	assert_int_equal(strlen(out) > 0 && out[strlen(out) - 1] == '\n', 1);
	assert_int_equal(run(cli_timeline, NULL, "timeline", "--limit", "many", NULL), 2);
	assert_non_null(strstr(errout, "--limit"));
	assert_int_equal(run(cli_timeline, NULL, "timeline", "--colour", NULL), 2);
	assert_non_null(strstr(errout, "usage: warroom timeline"));
}

static void test_timeline_json(void **state)
{
	assert_int_equal(run(cli_timeline, NULL, "timeline", "--json", NULL), 0);
	assert_string_equal(out, "[]\n");

	struct timeline *tl = open_tl();
	int64_t inc = timeline_incident_open(tl, "spike", 2);
	add(tl, utc_ms(2026, 11, 21, 14, 3, 10) + 250, "alice", "note", "first", NULL);
	struct timeline_event ev = {.ts_ms = utc_ms(2026, 11, 21, 14, 5, 0), .incident_id = inc,
	                            .detail_json = "{\"from\":\"green\",\"to\":\"blue\",\"seconds\":41}"};
	strcpy(ev.kind, "rollback");
	strcpy(ev.summary, "rolled back to blue \"fast\"");
	assert_int_equal(timeline_append(tl, &ev, NULL, 0), 0);
	timeline_close(tl);

	assert_int_equal(run(cli_timeline, NULL, "timeline", "--json", "--limit", "10", NULL), 0);
	assert_string_equal(errout, "");
	cJSON *arr = cJSON_Parse(out);
	assert_non_null(arr);
	assert_true(cJSON_IsArray(arr));
	assert_int_equal(cJSON_GetArraySize(arr), 2);
	cJSON *a = cJSON_GetArrayItem(arr, 0), *b = cJSON_GetArrayItem(arr, 1);
	assert_string_equal(cJSON_GetObjectItem(a, "kind")->valuestring, "rollback");
	assert_string_equal(cJSON_GetObjectItem(a, "summary")->valuestring, "rolled back to blue \"fast\"");
	assert_string_equal(cJSON_GetObjectItem(a, "ts")->valuestring, "2026-11-21T14:05:00.000Z");
	assert_int_equal((int64_t)cJSON_GetObjectItem(a, "incident_id")->valuedouble, inc);
	assert_int_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(a, "detail"), "seconds")->valueint, 41);
	assert_string_equal(cJSON_GetObjectItem(a, "actor")->valuestring, "bob");
	assert_string_equal(cJSON_GetObjectItem(b, "ts")->valuestring, "2026-11-21T14:03:10.250Z");
	assert_true((int64_t)cJSON_GetObjectItem(b, "ts_ms")->valuedouble == utc_ms(2026, 11, 21, 14, 3, 10) + 250);
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(b, "incident_id")));
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(b, "detail")));
	assert_true(cJSON_GetObjectItem(b, "id")->valuedouble < cJSON_GetObjectItem(a, "id")->valuedouble);
	cJSON_Delete(arr);
}

/* A note written from the shell is seen by a console that has the file open. */
static void test_console_notices_shell_note(void **state)
{
	struct timeline *tui = open_tl();
	uint64_t g = timeline_generation(tui);
	assert_int_equal(run(cli_note, NULL, "note", "from another shell", NULL), 0);
	assert_true(timeline_generation(tui) > g);
	assert_int_equal(timeline_count(tui), 1);
	timeline_close(tui);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_note_is_quiet_and_joins_words, setup, teardown),
		cmocka_unit_test_setup_teardown(test_note_goes_to_open_incident, setup, teardown),
		cmocka_unit_test_setup_teardown(test_note_without_text_is_usage, setup, teardown),
		cmocka_unit_test_setup_teardown(test_note_from_stdin, setup, teardown),
		cmocka_unit_test_setup_teardown(test_long_note_kept_whole, setup, teardown),
		cmocka_unit_test_setup_teardown(test_note_redacts_and_fails_in_words, setup, teardown),
		cmocka_unit_test_setup_teardown(test_timeline_text, setup, teardown),
		cmocka_unit_test_setup_teardown(test_timeline_json, setup, teardown),
		cmocka_unit_test_setup_teardown(test_console_notices_shell_note, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
