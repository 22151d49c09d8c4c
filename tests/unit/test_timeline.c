/* The timeline store: order, paging, incidents, schema upgrades, file
 * permissions, redaction, refusals with words, and durability across SIGKILL. */
#include "testutil.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <sqlite3.h>

#include "warroom/timeline.h"

static char dir[512];

static int setup(void **state)
{
	testutil_tmpdir(dir, sizeof dir);
	return 0;
}

static int teardown(void **state)
{
	testutil_rmtree(dir);
	return 0;
}

static void db_path(char *buf, size_t len, const char *rel)
{
	snprintf(buf, len, "%s/%s", dir, rel);
}

static struct timeline *open_ok(const char *path, const char *actor)
{
	char err[512] = "";
	struct timeline *tl = timeline_open(path, actor, err, sizeof err);
	if (!tl)
		fail_msg("timeline_open(%s): %s", path, err);
	return tl;
}

static int64_t append(struct timeline *tl, const char *kind, const char *summary, int64_t ts)
{
	struct timeline_event ev = {.ts_ms = ts};
	snprintf(ev.kind, sizeof ev.kind, "%s", kind);
	snprintf(ev.summary, sizeof ev.summary, "%s", summary);
	char err[512] = "";
	if (timeline_append(tl, &ev, err, sizeof err) != 0)
		fail_msg("append: %s", err);
	return ev.id;
}

/* Reads one integer with a plain sqlite connection, as an outside tool would. */
static int64_t sql_int(const char *path, const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *s;
	int64_t v = -1;
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(db);
	return v;
}

static void test_append_list_newest_first(void **state)
{
	char path[600];
	db_path(path, sizeof path, "state/warroom/timeline.db");
	struct timeline *tl = open_ok(path, "alice");
	assert_string_equal(timeline_path(tl), path);

	append(tl, "note", "first", 1000);
	append(tl, "deploy", "third", 3000);
	append(tl, "alert", "second", 2000);
	struct timeline_event ev = {.ts_ms = 2000};
	strcpy(ev.kind, "action");
	strcpy(ev.actor, "bob");
	strcpy(ev.summary, "same ts, later id");
	assert_int_equal(timeline_append(tl, &ev, NULL, 0), 0);
	assert_true(ev.id > 0);

	/* ts 0 means now, and "now" is newer than the fixed ones */
	struct timeline_event now = {0};
	strcpy(now.kind, "note");
	strcpy(now.summary, "now");
	assert_int_equal(timeline_append(tl, &now, NULL, 0), 0);
	assert_true(now.ts_ms > 1700000000000LL);
	assert_string_equal(now.actor, "alice");

	struct timeline_event *evs;
	size_t n;
	assert_int_equal(timeline_list(tl, -1, 0, 0, &evs, &n), 0);
	assert_int_equal(n, 5);
	assert_int_equal(timeline_count(tl), 5);
	assert_string_equal(evs[0].summary, "now");
	assert_string_equal(evs[1].summary, "third");
	assert_string_equal(evs[2].summary, "same ts, later id");
	assert_string_equal(evs[2].actor, "bob");
	assert_string_equal(evs[3].summary, "second");
	assert_string_equal(evs[3].actor, "alice");
	assert_string_equal(evs[3].kind, "alert");
	assert_string_equal(evs[4].summary, "first");
	assert_int_equal(evs[4].ts_ms, 1000);
	assert_null(evs[4].detail_json);
	assert_int_equal(evs[4].incident_id, 0);
	timeline_events_free(evs, n);
	timeline_close(tl);

	/* reopened, the same five */
	tl = open_ok(path, "carol");
	assert_int_equal(timeline_count(tl), 5);
	timeline_close(tl);
}

static void test_offset_limit(void **state)
{
	char path[600];
	db_path(path, sizeof path, "t.db");
	struct timeline *tl = open_ok(path, "alice");
	for (int i = 1; i <= 10; i++) {
		char s[32];
		snprintf(s, sizeof s, "n%d", i);
		append(tl, "note", s, i * 1000);
	}
	struct timeline_event *evs;
	size_t n;
	assert_int_equal(timeline_list(tl, -1, 3, 4, &evs, &n), 0);
	assert_int_equal(n, 4);
	assert_string_equal(evs[0].summary, "n7");
	assert_string_equal(evs[3].summary, "n4");
	timeline_events_free(evs, n);

	assert_int_equal(timeline_list(tl, -1, 8, 5, &evs, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(evs[1].summary, "n1");
	timeline_events_free(evs, n);

	assert_int_equal(timeline_list(tl, -1, 20, 5, &evs, &n), 0);
	assert_int_equal(n, 0);
	timeline_events_free(evs, n);
	timeline_close(tl);
}

struct walk {
	char seen[16][32];
	size_t n, stop_at;
};

static int walk_one(const struct timeline_event *e, void *arg)
{
	struct walk *w = arg;

	snprintf(w->seen[w->n++], sizeof w->seen[0], "%s", e->summary);
	return w->n == w->stop_at;
}

/* An export walks the events one at a time, newest first, as listing them would. */
static void test_each_walks_newest_first(void **state)
{
	(void)state;
	char path[600];
	db_path(path, sizeof path, "t.db");
	struct timeline *tl = open_ok(path, "alice");
	for (int i = 1; i <= 10; i++) {
		char s[32];
		snprintf(s, sizeof s, "n%d", i);
		append(tl, "note", s, i * 1000);
	}
	struct walk w = { .stop_at = 0 };
	assert_int_equal(timeline_each(tl, -1, 0, 0, walk_one, &w), 0);
	assert_int_equal(w.n, 10);
	assert_string_equal(w.seen[0], "n10");
	assert_string_equal(w.seen[9], "n1");
	struct walk l = { .stop_at = 0 };
	assert_int_equal(timeline_each(tl, -1, 0, 4, walk_one, &l), 0);
	assert_int_equal(l.n, 4);
	assert_string_equal(l.seen[3], "n7");
	struct walk st = { .stop_at = 2 };   /* the callback stops it */
	assert_int_equal(timeline_each(tl, -1, 0, 0, walk_one, &st), 1);
	assert_int_equal(st.n, 2);
	timeline_close(tl);
}

static void test_incidents(void **state)
{
	char path[600];
	db_path(path, sizeof path, "t.db");
	struct timeline *tl = open_ok(path, "alice");
	struct timeline_incident inc;

	assert_int_equal(timeline_incident_current(tl, &inc), 0);
	append(tl, "note", "before the incident", 0);

	assert_int_equal(timeline_incident_open(tl, "", 2), -1);
	assert_non_null(strstr(timeline_errmsg(tl), "title"));
	assert_int_equal(timeline_incident_open(tl, "x", 5), -1);
	assert_non_null(strstr(timeline_errmsg(tl), "1 to 4"));

	int64_t id = timeline_incident_open(tl, "error spike after deploy 1.5.0", 2);
	assert_true(id > 0);
	assert_int_equal(timeline_incident_current(tl, &inc), 1);
	assert_int_equal(inc.id, id);
	assert_int_equal(inc.sev, 2);
	assert_int_equal(inc.closed_ms, 0);
	assert_true(inc.opened_ms > 0);
	assert_string_equal(inc.commander, "alice");
	assert_string_equal(inc.title, "error spike after deploy 1.5.0");

	/* a second open incident is refused, and says which one is open */
	assert_int_equal(timeline_incident_open(tl, "another", 3), -1);
	assert_non_null(strstr(timeline_errmsg(tl), "still open"));
	assert_non_null(strstr(timeline_errmsg(tl), "error spike"));

	assert_int_equal(timeline_incident_set_sev(tl, id, 1), 0);
	assert_int_equal(timeline_incident_current(tl, &inc), 1);
	assert_int_equal(inc.sev, 1);
	assert_int_equal(timeline_incident_set_sev(tl, id, 0), -1);
	assert_int_equal(timeline_incident_set_sev(tl, id + 100, 2), -1);
	assert_non_null(strstr(timeline_errmsg(tl), "no such incident"));

	/* timeline_log ties events to the open incident */
	assert_int_equal(timeline_log(tl, "sev", "SEV-1 declared", "{\"from\":2,\"to\":1}"), 0);
	assert_string_equal(timeline_errmsg(tl), "");

	struct timeline_event *evs;
	size_t n;
	assert_int_equal(timeline_list(tl, id, 0, 0, &evs, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(evs[0].incident_id, id);
	assert_string_equal(evs[0].kind, "sev");
	assert_string_equal(evs[0].detail_json, "{\"from\":2,\"to\":1}");
	timeline_events_free(evs, n);
	assert_int_equal(timeline_list(tl, 0, 0, 0, &evs, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(evs[0].summary, "before the incident");
	timeline_events_free(evs, n);

	assert_int_equal(timeline_incident_close(tl, id), 0);
	assert_int_equal(timeline_incident_current(tl, &inc), 0);
	assert_int_equal(timeline_incident_close(tl, id), -1);
	assert_non_null(strstr(timeline_errmsg(tl), "already closed"));
	assert_int_equal(timeline_incident_close(tl, 999), -1);
	assert_non_null(strstr(timeline_errmsg(tl), "no such incident"));

	/* after the close, events are outside any incident again */
	assert_int_equal(timeline_log(tl, "note", "after", NULL), 0);
	assert_int_equal(timeline_list(tl, -1, 0, 1, &evs, &n), 0);
	assert_int_equal(evs[0].incident_id, 0);
	timeline_events_free(evs, n);

	int64_t id2 = timeline_incident_open(tl, "next one", 4);
	assert_true(id2 > id);
	assert_int_equal(sql_int(path, "SELECT closed_ms > 0 FROM incidents WHERE id = 1"), 1);
	timeline_close(tl);
}

static void test_long_summary_keeps_text_in_detail(void **state)
{
	char path[600], text[600];
	db_path(path, sizeof path, "t.db");
	struct timeline *tl = open_ok(path, "alice");
	memset(text, 'x', sizeof text - 1);
	text[sizeof text - 1] = '\0';
	memcpy(text + 250, "\xc3\xa9\xc3\xa9\xc3\xa9", 6);   /* é straddling the cut */
	assert_int_equal(timeline_log(tl, "note", text, NULL), 0);
	struct timeline_event *evs;
	size_t n;
	assert_int_equal(timeline_list(tl, -1, 0, 0, &evs, &n), 0);
	assert_int_equal(n, 1);
	size_t len = strlen(evs[0].summary);
	assert_true(len <= 255 && len >= 250);
	assert_int_equal(len % 2, 0);   /* 250 x's, then whole 2-byte é's only */
	assert_non_null(evs[0].detail_json);
	assert_non_null(strstr(evs[0].detail_json, text + 300));
	timeline_events_free(evs, n);
	timeline_close(tl);
}

static void test_file_modes(void **state)
{
	char path[600], sub[600], wal[620];
	db_path(sub, sizeof sub, "new");
	db_path(path, sizeof path, "new/deeper/timeline.db");
	mode_t old = umask(0);   /* the modes must not depend on the umask */
	struct timeline *tl = open_ok(path, "alice");
	umask(old);
	append(tl, "note", "x", 0);

	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(stat(sub, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	snprintf(wal, sizeof wal, "%s-wal", path);
	assert_int_equal(stat(wal, &st), 0);   /* WAL mode */
	assert_int_equal(st.st_mode & 0077, 0);
	snprintf(wal, sizeof wal, "%s-shm", path);
	assert_int_equal(stat(wal, &st), 0);
	assert_int_equal(st.st_mode & 0077, 0);
	timeline_close(tl);
	assert_int_equal(sql_int(path, "PRAGMA user_version"), timeline_schema_version());
}

static void test_migrate_from_empty_file(void **state)
{
	char path[600];
	db_path(path, sizeof path, "empty.db");
	int fd = open(path, O_CREAT | O_WRONLY, 0600);
	assert_true(fd >= 0);
	close(fd);
	struct timeline *tl = open_ok(path, "alice");
	append(tl, "note", "x", 0);
	timeline_close(tl);
	assert_true(timeline_schema_version() >= 2);
	assert_int_equal(sql_int(path, "PRAGMA user_version"), timeline_schema_version());
	assert_int_equal(sql_int(path, "SELECT count(*) FROM sqlite_master WHERE name IN "
	                 "('incidents', 'events', 'events_ts', 'events_incident_ts')"), 4);
}

/* A file as the first release wrote it: schema version 1, with data. */
static void test_migrate_from_v1_file(void **state)
{
	char path[600];
	db_path(path, sizeof path, "v1.db");
	sqlite3 *db;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	const char *v1 =
		"CREATE TABLE incidents (id INTEGER PRIMARY KEY, title TEXT NOT NULL,"
		"  sev INTEGER NOT NULL CHECK (sev BETWEEN 1 AND 4), opened_ms INTEGER NOT NULL,"
		"  closed_ms INTEGER, commander TEXT NOT NULL DEFAULT '');"
		"CREATE UNIQUE INDEX incidents_one_open ON incidents ((closed_ms IS NULL))"
		"  WHERE closed_ms IS NULL;"
		"CREATE TABLE events (id INTEGER PRIMARY KEY, incident_id INTEGER REFERENCES incidents(id),"
		"  ts_ms INTEGER NOT NULL, actor TEXT NOT NULL, kind TEXT NOT NULL, summary TEXT NOT NULL,"
		"  detail TEXT);"
		"CREATE INDEX events_ts ON events (ts_ms);"
		"PRAGMA user_version = 1;"
		"INSERT INTO incidents VALUES (7, 'old incident', 2, 1000, NULL, 'zoe');"
		"INSERT INTO events VALUES (1, 7, 1500, 'zoe', 'note', 'written by v1', NULL);";
	assert_int_equal(sqlite3_exec(db, v1, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);

	struct timeline *tl = open_ok(path, "alice");
	struct timeline_incident inc;
	assert_int_equal(timeline_incident_current(tl, &inc), 1);
	assert_int_equal(inc.id, 7);
	assert_string_equal(inc.commander, "zoe");
	struct timeline_event *evs;
	size_t n;
	assert_int_equal(timeline_list(tl, 7, 0, 0, &evs, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(evs[0].summary, "written by v1");
	timeline_events_free(evs, n);
	timeline_close(tl);
	assert_int_equal(sql_int(path, "PRAGMA user_version"), timeline_schema_version());
	assert_int_equal(sql_int(path, "SELECT count(*) FROM sqlite_master WHERE name = 'events_incident_ts'"), 1);
}

static void test_newer_schema_refused(void **state)
{
	char path[600], err[512] = "";
	db_path(path, sizeof path, "future.db");
	sqlite3 *db;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_null(timeline_open(path, "alice", err, sizeof err));
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, "newer"));
}

static void test_redact_text(void **state)
{
	static const struct { const char *in, *out; } cases[] = {
		{"curl -H 'Authorization: Bearer abc.def-123' x", "curl -H 'Authorization: Bearer [redacted]' x"},
		{"used bearer eyJhbGciOi then", "used bearer [redacted] then"},
		{"token=s3cr3t&user=bob", "token=[redacted]&user=bob"},
		{"password: hunter2 done", "password: [redacted] done"},
		{"{\"api_key\": \"AKIA123\", \"n\": 1}", "{\"api_key\": \"[redacted]\", \"n\": 1}"},
		{"X-Api-Key: zzz", "X-Api-Key: [redacted]"},
		{"AWS_SECRET_ACCESS_KEY=abc", "AWS_SECRET_ACCESS_KEY=[redacted]"},
		{"Authorization: Basic dXNlcjpwYXNz", "Authorization: Basic [redacted]"},
		{"see https://bob:pw0rd@git.example.com/x", "see https://bob:[redacted]@git.example.com/x"},
		/* hiding a value can join a URL's user info to a later '@': one more pass */
		{"https://u:pw,token=a/b,x@host", "https://u:[redacted]@host"},
		/* ordinary words stay */
		{"key point: rollback to blue", "key point: rollback to blue"},
		{"monkey: banana; https://example.com:8443/a", "monkey: banana; https://example.com:8443/a"},
		{"traffic switched blue -> green", "traffic switched blue -> green"},
		{"tokens 5", "tokens 5"},
		{"rollback key: R", "rollback key: R"},
		{"", ""},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *r = timeline_redact(cases[i].in);
		assert_non_null(r);
		if (strcmp(r, cases[i].out) != 0)
			fail_msg("redact(%s) = %s, want %s", cases[i].in, r, cases[i].out);
		/* redacting twice changes nothing */
		char *r2 = timeline_redact(r);
		assert_string_equal(r2, r);
		free(r2);
		free(r);
	}
}

static void test_append_redacts(void **state)
{
	char path[600];
	db_path(path, sizeof path, "t.db");
	struct timeline *tl = open_ok(path, "alice");
	struct timeline_event ev = {0};
	strcpy(ev.kind, "action");
	strcpy(ev.summary, "argocd sync with Authorization: Bearer abc123tok");
	ev.detail_json = "{\"key\":\"k3y\",\"token\":\"s3cr3t\",\"nested\":{\"Password\":\"pw1\",\"list\":[{\"secret\":7}]},"
	                 "\"url\":\"https://u:pw2@h/x\",\"msg\":\"sent Bearer xyz789\",\"replicas\":3}";
	char err[256] = "";
	assert_int_equal(timeline_append(tl, &ev, err, sizeof err), 0);

	struct timeline_event *evs;
	size_t n;
	assert_int_equal(timeline_list(tl, -1, 0, 0, &evs, &n), 0);
	assert_int_equal(n, 1);
	const char *gone[] = {"abc123tok", "s3cr3t", "pw1", "pw2", "xyz789", ":7", "k3y"};
	for (size_t i = 0; i < sizeof gone / sizeof gone[0]; i++) {
		assert_null(strstr(evs[0].summary, gone[i]));
		assert_null(strstr(evs[0].detail_json, gone[i]));
	}
	assert_string_equal(evs[0].summary, "argocd sync with Authorization: Bearer [redacted]");
	assert_non_null(strstr(evs[0].detail_json, "\"token\":\"[redacted]\""));
	assert_non_null(strstr(evs[0].detail_json, "\"replicas\":3"));
	assert_non_null(strstr(evs[0].detail_json, "https://u:[redacted]@h/x"));
	timeline_events_free(evs, n);
	timeline_close(tl);
	/* nothing of it in the file either (the WAL was checkpointed at close) */
	char cmd[700];
	snprintf(cmd, sizeof cmd, "grep -q -a -e s3cr3t -e abc123tok -e pw1 '%s'", path);
	assert_int_not_equal(system(cmd), 0);
}

static void test_detail_must_be_object(void **state)
{
	char path[600];
	db_path(path, sizeof path, "t.db");
	struct timeline *tl = open_ok(path, "alice");
	struct timeline_event ev = {0};
	strcpy(ev.kind, "note");
	strcpy(ev.summary, "x");
	char err[256] = "";

	ev.detail_json = "{\"a\": 1";
	assert_int_equal(timeline_append(tl, &ev, err, sizeof err), -1);
	assert_non_null(strstr(err, "not valid JSON"));
	ev.detail_json = "[1, 2]";
	assert_int_equal(timeline_append(tl, &ev, err, sizeof err), -1);
	assert_string_equal(err, "timeline: detail must be a JSON object, got an array");
	ev.detail_json = "\"password=hunter2\"";
	assert_int_equal(timeline_append(tl, &ev, err, sizeof err), -1);
	assert_null(strstr(err, "hunter2"));
	assert_int_equal(timeline_log(tl, "note", "x", "42"), -1);
	assert_non_null(strstr(timeline_errmsg(tl), "got a number"));
	ev.kind[0] = '\0';
	ev.detail_json = NULL;
	assert_int_equal(timeline_append(tl, &ev, err, sizeof err), -1);
	assert_non_null(strstr(err, "kind"));
	assert_int_equal(timeline_count(tl), 0);
	timeline_close(tl);
}

static void test_unusable_paths(void **state)
{
	char path[600], err[512] = "";
	assert_null(timeline_open("/dev/null/x/timeline.db", "alice", err, sizeof err));
	assert_non_null(strstr(err, "/dev/null"));
	assert_non_null(strstr(err, "Not a directory"));

	/* garbage bytes: named, not crashed on, not overwritten */
	db_path(path, sizeof path, "garbage.db");
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	for (int i = 0; i < 4096; i++)
		fputc((i * 7919) & 0xff, f);
	fclose(f);
	err[0] = '\0';
	assert_null(timeline_open(path, "alice", err, sizeof err));
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, "not a timeline database"));
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, 4096);

	/* a folder where the file should be */
	db_path(path, sizeof path, "adir");
	assert_int_equal(mkdir(path, 0700), 0);
	err[0] = '\0';
	assert_null(timeline_open(path, "alice", err, sizeof err));
	assert_non_null(strstr(err, path));
	err[0] = '\0';
	assert_null(timeline_open("", "alice", err, sizeof err));
	assert_string_not_equal(err, "");
}

/* Runs fn in a child; its exit status is the result, its message comes back
 * on a pipe so a failure says why. */
static void in_child(int (*fn)(int fd, const char *path), const char *path)
{
	int p[2];
	assert_int_equal(pipe(p), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(p[0]);
		_exit(fn(p[1], path));
	}
	close(p[1]);
	char msg[1024] = "";
	size_t got = 0;
	ssize_t r;
	while (got < sizeof msg - 1 && (r = read(p[0], msg + got, sizeof msg - 1 - got)) > 0)
		got += (size_t)r;
	msg[got] = '\0';
	close(p[0]);
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fail_msg("child failed (status %d): %s", status, msg);
}

static int say(int fd, int rc, const char *msg)
{
	if (write(fd, msg, strlen(msg)) < 0)
		rc = 99;
	return rc;
}

/* Opened read-only by the OS, the store still reads and refuses writes in words. */
static int readonly_child(int fd, const char *path)
{
	if (geteuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0))
		return say(fd, 1, "cannot drop root");
	char err[512] = "";
	struct timeline *tl = timeline_open(path, "nobody", err, sizeof err);
	if (!tl)
		return say(fd, 2, err);
	if (timeline_count(tl) != 1)
		return say(fd, 3, "count on a read-only file");
	struct timeline_event ev = {0};
	strcpy(ev.kind, "note");
	strcpy(ev.summary, "x");
	if (timeline_append(tl, &ev, err, sizeof err) == 0)
		return say(fd, 4, "append succeeded on a read-only file");
	char want[900];
	snprintf(want, sizeof want, "timeline: cannot write %s: attempt to write a readonly database", path);
	if (strcmp(err, want) != 0)
		return say(fd, 5, err);
	if (timeline_incident_open(tl, "x", 2) != -1 || !strstr(timeline_errmsg(tl), "readonly"))
		return say(fd, 6, timeline_errmsg(tl));
	timeline_close(tl);

	/* a folder this user cannot write: refused, with the path */
	char other[700];
	snprintf(other, sizeof other, "%s", path);
	*strrchr(other, '/') = '\0';
	strcpy(strrchr(other, '/'), "/locked/new/timeline.db");
	if (timeline_open(other, "nobody", err, sizeof err))
		return say(fd, 7, "opened in an unwritable folder");
	*strrchr(other, '/') = '\0';
	snprintf(want, sizeof want, "timeline: cannot create folder %s: Permission denied", other);
	if (strcmp(err, want) != 0)
		return say(fd, 8, err);
	return 0;
}

static void test_readonly_file(void **state)
{
	char sub[600], path[700];
	db_path(sub, sizeof sub, "ro");
	snprintf(path, sizeof path, "%s/timeline.db", sub);
	struct timeline *tl = open_ok(path, "alice");
	append(tl, "note", "x", 0);
	timeline_close(tl);
	assert_int_equal(chmod(dir, 0755), 0);
	assert_int_equal(chmod(sub, 0777), 0);
	assert_int_equal(chmod(path, 0444), 0);
	char locked[700];
	db_path(locked, sizeof locked, "locked");
	assert_int_equal(mkdir(locked, 0555), 0);
	assert_int_equal(chmod(locked, 0555), 0);
	in_child(readonly_child, path);
}

/* A disk that fills up (RLIMIT_FSIZE stands in for it): refused in words. */
static int full_disk_child(int fd, const char *path)
{
	char err[512] = "";
	struct timeline *tl = timeline_open(path, "alice", err, sizeof err);
	if (!tl)
		return say(fd, 2, err);
	signal(SIGXFSZ, SIG_IGN);
	struct rlimit rl = {256 * 1024, 256 * 1024};
	if (setrlimit(RLIMIT_FSIZE, &rl) != 0)
		return say(fd, 3, "setrlimit");
	static char detail[16384];
	memset(detail, 'a', sizeof detail);
	memcpy(detail, "{\"blob\":\"", 9);
	memcpy(detail + sizeof detail - 3, "\"}", 3);
	struct timeline_event ev = {0};
	strcpy(ev.kind, "note");
	strcpy(ev.summary, "filler");
	ev.detail_json = detail;
	int i;
	for (i = 0; i < 200; i++)
		if (timeline_append(tl, &ev, err, sizeof err) != 0)
			break;
	if (i == 200)
		return say(fd, 4, "never failed");
	char want[700];
	snprintf(want, sizeof want, "timeline: cannot write %s: ", path);
	if (strncmp(err, want, strlen(want)) != 0)
		return say(fd, 5, err);
	/* what was written before is still readable */
	if (timeline_count(tl) != i)
		return say(fd, 6, timeline_errmsg(tl));
	timeline_close(tl);
	return say(fd, 0, err);
}

static void test_full_disk(void **state)
{
	char path[600];
	db_path(path, sizeof path, "full.db");
	in_child(full_disk_child, path);
}

/* The note is on disk once append returns: a SIGKILL right after loses nothing. */
static void test_durable_across_sigkill(void **state)
{
	char path[600];
	db_path(path, sizeof path, "durable.db");
	int p[2];
	assert_int_equal(pipe(p), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(p[0]);
		char err[512];
		struct timeline *tl = timeline_open(path, "alice", err, sizeof err);
		struct timeline_event ev = {0};
		strcpy(ev.kind, "note");
		strcpy(ev.summary, "survives SIGKILL");
		if (!tl || timeline_append(tl, &ev, err, sizeof err) != 0)
			_exit(1);
		if (write(p[1], "k", 1) != 1)
			_exit(2);
		sleep(60);
		_exit(3);
	}
	close(p[1]);
	struct pollfd pfd = {.fd = p[0], .events = POLLIN};
	assert_int_equal(poll(&pfd, 1, 10000), 1);
	char c = 0;
	assert_int_equal(read(p[0], &c, 1), 1);
	assert_int_equal(c, 'k');
	assert_int_equal(kill(pid, SIGKILL), 0);
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	close(p[0]);

	struct timeline *tl = open_ok(path, "bob");
	struct timeline_event *evs;
	size_t n;
	assert_int_equal(timeline_list(tl, -1, 0, 0, &evs, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(evs[0].summary, "survives SIGKILL");
	assert_string_equal(evs[0].actor, "alice");
	timeline_events_free(evs, n);
	timeline_close(tl);
}

/* The TUI's handle notices what another handle (another shell) wrote. */
static void test_generation_sees_other_writers(void **state)
{
	char path[600];
	db_path(path, sizeof path, "t.db");
	struct timeline *tui = open_ok(path, "alice");
	struct timeline *shell = open_ok(path, "bob");
	uint64_t g0 = timeline_generation(tui);
	assert_int_equal(timeline_generation(tui), g0);
	append(shell, "note", "from the other shell", 0);
	uint64_t g1 = timeline_generation(tui);
	assert_true(g1 > g0);
	assert_int_equal(timeline_generation(tui), g1);
	append(tui, "note", "own write", 0);
	uint64_t g2 = timeline_generation(tui);
	assert_true(g2 > g1);
	/* a failed write moves nothing */
	assert_int_equal(timeline_log(tui, "note", "x", "[]"), -1);
	assert_int_equal(timeline_generation(tui), g2);
	timeline_close(shell);
	timeline_close(tui);
}

/* Two processes appending at once: both wait their turn, nothing is lost. */
static void test_two_writers(void **state)
{
	char path[600];
	db_path(path, sizeof path, "t.db");
	struct timeline *tl = open_ok(path, "alice");
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char err[512];
		struct timeline *c = timeline_open(path, "bob", err, sizeof err);
		if (!c)
			_exit(1);
		for (int i = 0; i < 40; i++)
			if (timeline_log(c, "note", "child", NULL) != 0)
				_exit(2);
		timeline_close(c);
		_exit(0);
	}
	for (int i = 0; i < 40; i++)
		assert_int_equal(timeline_log(tl, "note", "parent", NULL), 0);
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_int_equal(timeline_count(tl), 80);
	timeline_close(tl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_append_list_newest_first, setup, teardown),
		cmocka_unit_test_setup_teardown(test_offset_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_each_walks_newest_first, setup, teardown),
		cmocka_unit_test_setup_teardown(test_incidents, setup, teardown),
		cmocka_unit_test_setup_teardown(test_long_summary_keeps_text_in_detail, setup, teardown),
		cmocka_unit_test_setup_teardown(test_file_modes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_migrate_from_empty_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_migrate_from_v1_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_newer_schema_refused, setup, teardown),
		cmocka_unit_test(test_redact_text),
		cmocka_unit_test_setup_teardown(test_append_redacts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_detail_must_be_object, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unusable_paths, setup, teardown),
		cmocka_unit_test_setup_teardown(test_readonly_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_full_disk, setup, teardown),
		cmocka_unit_test_setup_teardown(test_durable_across_sigkill, setup, teardown),
		cmocka_unit_test_setup_teardown(test_generation_sees_other_writers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_two_writers, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
