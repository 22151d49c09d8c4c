/* A timeline that never drops an event. A database that cannot be opened
 * at start (its folder missing and not creatable) still takes the console's
 * writes: they wait in memory, in order, listed, and in a fallback file;
 * once the folder is there they reach the database, the incident open then
 * included, and the file goes. A writer killed with SIGKILL leaves the
 * file; `timeline import` brings it into a database once, however often it
 * runs. The command line fails in words, and keeps what it could not write
 * in the file. */
#include "testutil.h"

#include <dirent.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <sqlite3.h>

#include "warroom/timeline.h"

static char dir[256], fbdir[300], blocker[300], path[400];

static int setup(void **state)
{
	FILE *f;

	(void)state;
	testutil_tmpdir(dir, sizeof dir);
	snprintf(fbdir, sizeof fbdir, "%s/state/warroom", dir);
	/* a file where the database's folder should be: no folder can be made there */
	snprintf(blocker, sizeof blocker, "%s/mnt", dir);
	snprintf(path, sizeof path, "%s/warroom/timeline.db", blocker);
	f = fopen(blocker, "w");
	assert_non_null(f);
	fclose(f);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	testutil_rmtree(dir);
	return 0;
}

static void note(struct timeline *tl, const char *summary)
{
	struct timeline_event ev = { .incident_id = TIMELINE_INCIDENT_OPEN };
	char err[512];

	snprintf(ev.kind, sizeof ev.kind, "note");
	snprintf(ev.summary, sizeof ev.summary, "%s", summary);
	if (timeline_append(tl, &ev, err, sizeof err) != 0)
		fail_msg("append: %s", err);
}

static void audit(struct timeline *tl, const char *summary)
{
	struct timeline_audit a = { .started_ms = 1765000000000, .ended_ms = 1765000000100 };
	char err[512];

	snprintf(a.actor, sizeof a.actor, "alice");
	snprintf(a.via, sizeof a.via, "console");
	snprintf(a.action, sizeof a.action, "note");
	snprintf(a.outcome, sizeof a.outcome, "ok");
	snprintf(a.summary, sizeof a.summary, "%s", summary);
	if (timeline_audit_append(tl, &a, err, sizeof err) != 0)
		fail_msg("audit: %s", err);
}

/* The fallback files in fbdir: how many, the last one's path. */
static int fallback_files(char *last, size_t len)
{
	DIR *d = opendir(fbdir);
	struct dirent *e;
	int n = 0;

	while (d && (e = readdir(d))) {
		if (strncmp(e->d_name, "unsaved-", 8) == 0 && strstr(e->d_name, ".jsonl") &&
		    !strstr(e->d_name, ".tmp")) {
			n++;
			if (last)
				snprintf(last, len, "%s/%s", fbdir, e->d_name);
		}
	}
	if (d)
		closedir(d);
	return n;
}

static size_t flush_soon(struct timeline *tl)
{
	size_t left = timeline_flush(tl);

	for (int i = 0; left && i < 600; i++) {
		usleep(50 * 1000);
		left = timeline_flush(tl);
	}
	return left;
}

static void summaries_are(struct timeline *tl, const char *const *oldest_first, size_t n)
{
	struct timeline_event *evs;
	size_t got;

	assert_int_equal(timeline_list(tl, -1, 0, 0, &evs, &got), 0);
	assert_int_equal(got, n);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(evs[i].summary, oldest_first[n - 1 - i]);
	timeline_events_free(evs, got);
}

static void a_database_that_cannot_be_opened_keeps_every_write(void **state)
{
	static const char *const want[] = { "typed while the folder was missing", "and another" };
	char err[512], kept[400], text[4096];
	struct timeline *tl, *other;
	struct timeline_event *evs;
	struct stat sb;
	size_t n;
	int64_t inc;
	uint64_t gen;
	FILE *f;

	(void)state;
	tl = timeline_open_keeping(path, "alice", err, sizeof err);
	assert_non_null(tl);
	assert_false(timeline_is_open(tl));
	assert_non_null(strstr(err, "cannot create folder"));
	timeline_set_fallback_dir(tl, fbdir);
	timeline_set_nonblocking(tl, true);
	assert_string_equal(timeline_unsaved(tl), "database not open");   /* said before anything is typed */

	note(tl, want[0]);
	audit(tl, "note added");
	note(tl, want[1]);
	assert_int_equal(timeline_pending(tl), 3);
	assert_int_equal(timeline_unsaved_events(tl), 2);
	summaries_are(tl, want, 2);
	assert_int_equal(timeline_count(tl), 2);
	assert_int_equal(timeline_incident_open(tl, "cannot be declared yet", 2), -1);
	assert_non_null(strstr(timeline_errmsg(tl), "is not open"));
	/* and in a file of their own, private */
	assert_int_equal(fallback_files(kept, sizeof kept), 1);
	assert_string_equal(timeline_fallback_path(tl), kept);
	assert_int_equal(stat(kept, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	f = fopen(kept, "r");
	assert_non_null(f);
	text[fread(text, 1, sizeof text - 1, f)] = '\0';
	fclose(f);
	assert_non_null(strstr(text, "\"warroom\":\"warroom unsaved timeline\""));
	assert_non_null(strstr(text, want[0]));
	assert_non_null(strstr(text, "\"type\":\"audit\""));

	/* still missing: nothing lost, nothing written */
	assert_int_equal(timeline_flush(tl), 3);
	/* the folder appears (a late mount, an operator's mkdir); someone declares an incident there */
	assert_int_equal(unlink(blocker), 0);
	other = timeline_open(path, "bob", err, sizeof err);
	assert_non_null(other);
	inc = timeline_incident_open(other, "checkout errors", 2);
	assert_true(inc > 0);
	gen = timeline_generation(tl);
	assert_int_equal(flush_soon(tl), 0);
	assert_true(timeline_is_open(tl));
	assert_string_equal(timeline_unsaved(tl), "");
	assert_true(timeline_generation(tl) != gen);   /* the views read again */
	assert_int_equal(fallback_files(NULL, 0), 0);  /* all in the database: the file is gone */
	assert_string_equal(timeline_fallback_path(tl), "");
	/* in the database, in order, in the incident open when they got there */
	summaries_are(other, want, 2);
	assert_int_equal(timeline_list(other, inc, 0, 0, &evs, &n), 0);
	assert_int_equal(n, 2);
	timeline_events_free(evs, n);
	timeline_close(other);
	assert_int_equal(timeline_finish(tl), 0);
	timeline_close(tl);
}

/* A console killed while its database refuses: what it kept is in the file. */
static void killed_writer(void)
{
	char err[512];
	struct timeline *tl = timeline_open_keeping(path, "alice", err, sizeof err);

	timeline_set_fallback_dir(tl, fbdir);
	timeline_set_nonblocking(tl, true);
	note(tl, "first");
	note(tl, "second \x1b]52;c;ZWNobw==\x07 cleaned");
	audit(tl, "note added");
	note(tl, "third");
	kill(getpid(), SIGKILL);
	_exit(3);
}

static void a_killed_writer_leaves_its_file_and_import_brings_it_back_once(void **state)
{
	static const char *const want[] = { "already there", "first", "second \u241b cleaned", "third" };
	char kept[400], other[420], err[512];
	struct timeline *tl;
	struct timeline_audit *al;
	size_t added, skipped, n;
	int status;
	pid_t pid;
	FILE *f;

	(void)state;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		killed_writer();
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	assert_int_equal(fallback_files(kept, sizeof kept), 1);

	/* another database, which one of them reached before the kill */
	snprintf(other, sizeof other, "%s/good/timeline.db", dir);
	tl = timeline_open(other, "bob", err, sizeof err);
	assert_non_null(tl);
	{
		struct timeline_event ev = { .ts_ms = 1 };

		snprintf(ev.kind, sizeof ev.kind, "note");
		snprintf(ev.summary, sizeof ev.summary, "already there");
		assert_int_equal(timeline_append(tl, &ev, err, sizeof err), 0);
	}
	assert_int_equal(timeline_import(tl, kept, &added, &skipped, err, sizeof err), 0);
	assert_int_equal(added, 4);    /* three events and the audit record */
	assert_int_equal(skipped, 0);
	summaries_are(tl, want, 4);
	assert_int_equal(timeline_audit_list(tl, 0, &al, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(al[0].summary, "note added");
	free(al);
	/* again: all of it is there already */
	assert_int_equal(timeline_import(tl, kept, &added, &skipped, err, sizeof err), 0);
	assert_int_equal(added, 0);
	assert_int_equal(skipped, 4);
	summaries_are(tl, want, 4);

	/* a broken line adds nothing and says where */
	f = fopen(kept, "a");
	assert_non_null(f);
	fputs("{\"type\":\"event\",\"ts_ms\":5,\"kind\":\"note\",\"summary\":\"new\"}\nnot json\n", f);
	fclose(f);
	assert_int_equal(timeline_import(tl, kept, &added, &skipped, err, sizeof err), -1);
	assert_non_null(strstr(err, ", line 7: not a JSON object"));
	summaries_are(tl, want, 4);
	/* nor is any file taken for one */
	assert_int_equal(timeline_import(tl, other, &added, &skipped, err, sizeof err), -1);
	assert_non_null(strstr(err, "not a file of unsaved timeline records"));
	timeline_close(tl);
}

/* The command line has no later: a failed write fails, and the file keeps it. */
static void the_command_line_fails_and_keeps_it_in_the_file(void **state)
{
	struct timeline_event ev = { .incident_id = TIMELINE_INCIDENT_OPEN };
	char err[1024], kept[400];
	struct timeline *tl;

	(void)state;
	tl = timeline_open_keeping(path, "alice", err, sizeof err);
	assert_non_null(tl);
	timeline_set_fallback_dir(tl, fbdir);
	snprintf(ev.kind, sizeof ev.kind, "note");
	snprintf(ev.summary, sizeof ev.summary, "from a shell");
	assert_int_equal(timeline_append(tl, &ev, err, sizeof err), -1);
	assert_int_equal(fallback_files(kept, sizeof kept), 1);
	assert_non_null(strstr(err, "is not open: cannot create folder"));
	assert_non_null(strstr(err, kept));
	assert_int_equal(timeline_finish(tl), 1);
	assert_string_equal(timeline_fallback_path(tl), kept);
	timeline_close(tl);
	assert_int_equal(fallback_files(NULL, 0), 1);   /* left for the import */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(a_database_that_cannot_be_opened_keeps_every_write, setup, teardown),
		cmocka_unit_test_setup_teardown(a_killed_writer_leaves_its_file_and_import_brings_it_back_once, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(the_command_line_fails_and_keeps_it_in_the_file, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
