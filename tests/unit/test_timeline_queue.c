/* The console's writes never wait on another process' write lock: while
 * another connection holds it, appends return at once and queue in order;
 * the flush writes them oldest first once the lock is free, and nothing is
 * lost, closing included. A disk that refuses writes (full, read-only)
 * queues them the same way: the views list them, the banner's words name
 * the trouble, and the flush writes them once the disk is back. */
#include "testutil.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "warroom/timeline.h"

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void note(struct timeline *tl, const char *summary)
{
	struct timeline_event ev = { 0 };
	char err[256];

	snprintf(ev.kind, sizeof ev.kind, "note");
	snprintf(ev.summary, sizeof ev.summary, "%s", summary);
	if (timeline_append(tl, &ev, err, sizeof err) != 0)
		fail_msg("append: %s", err);
}

static sqlite3 *hold_lock(const char *path)
{
	sqlite3 *db;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
	return db;
}

static void busy_writes_queue_in_order_and_flush(void **state)
{
	char dir[256], path[400], err[256];
	struct timeline *tl;
	struct timeline_event *evs;
	struct timeline_audit a = { 0 }, *al;
	size_t n;
	sqlite3 *other;
	int64_t t0;

	(void)state;
	testutil_tmpdir(dir, sizeof dir);
	snprintf(path, sizeof path, "%s/t.db", dir);
	tl = timeline_open(path, "alice", err, sizeof err);
	assert_non_null(tl);
	timeline_set_nonblocking(tl, true);
	note(tl, "first");
	assert_int_equal(timeline_pending(tl), 0);

	other = hold_lock(path);
	t0 = mono_ms();
	note(tl, "second");
	snprintf(a.action, sizeof a.action, "note");
	snprintf(a.outcome, sizeof a.outcome, "ok");
	snprintf(a.summary, sizeof a.summary, "queued audit");
	assert_int_equal(timeline_audit_append(tl, &a, err, sizeof err), 0);
	note(tl, "third");
	/* three writes behind another's lock: milliseconds, not the 5 s timeout */
	assert_true(mono_ms() - t0 < 100);
	assert_int_equal(timeline_pending(tl), 3);
	assert_int_equal(timeline_flush(tl), 3);   /* still locked: kept */

	assert_int_equal(sqlite3_exec(other, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
	/* a write made while others wait goes behind them */
	note(tl, "fourth");
	assert_int_equal(timeline_pending(tl), 4);
	assert_int_equal(timeline_flush(tl), 0);
	assert_int_equal(timeline_list(tl, -1, 0, 0, &evs, &n), 0);
	assert_int_equal(n, 4);
	assert_string_equal(evs[0].summary, "fourth");
	assert_string_equal(evs[1].summary, "third");
	assert_string_equal(evs[2].summary, "second");
	assert_string_equal(evs[3].summary, "first");
	assert_true(evs[2].id < evs[1].id);
	timeline_events_free(evs, n);
	assert_int_equal(timeline_audit_list(tl, 0, &al, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(al[0].summary, "queued audit");
	free(al);

	/* closing with writes queued waits for the lock rather than losing them */
	assert_int_equal(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
	note(tl, "at exit");
	assert_int_equal(timeline_pending(tl), 1);
	assert_int_equal(sqlite3_exec(other, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
	timeline_close(tl);
	sqlite3_close(other);
	tl = timeline_open(path, "alice", err, sizeof err);
	assert_non_null(tl);
	assert_int_equal(timeline_count(tl), 5);
	timeline_close(tl);
	testutil_rmtree(dir);
}

/* ---- a disk that refuses writes ---------------------------------------- */

/* RLIMIT_FSIZE is per process: the full-disk case runs in a child, which
 * reports a failed check by its exit code and words on a pipe. */
static void in_child(int (*fn)(int fd, const char *path), const char *path)
{
	int p[2], status;
	char msg[1024] = "";
	size_t got = 0;
	ssize_t r;
	pid_t pid;

	assert_int_equal(pipe(p), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(p[0]);
		_exit(fn(p[1], path));
	}
	close(p[1]);
	while (got < sizeof msg - 1 && (r = read(p[0], msg + got, sizeof msg - 1 - got)) > 0)
		got += (size_t)r;
	msg[got] = '\0';
	close(p[0]);
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

/* The store waits longer after each refusal before it tries the disk again:
 * flush as the console's timer does until nothing waits (or 20 s). */
static size_t flush_soon(struct timeline *tl)
{
	size_t left = timeline_flush(tl);

	for (int i = 0; left && i < 400; i++) {
		usleep(50 * 1000);
		left = timeline_flush(tl);
	}
	return left;
}

static int note_nb(struct timeline *tl, const char *summary, const char *detail)
{
	struct timeline_event ev = { 0 };
	char err[256];

	snprintf(ev.kind, sizeof ev.kind, "note");
	snprintf(ev.summary, sizeof ev.summary, "%s", summary);
	ev.detail_json = (char *)detail;
	return timeline_append(tl, &ev, err, sizeof err);
}

/* Summaries newest first must read want[0..n-1] (oldest first). */
static int order_is(struct timeline *tl, int fd, const char *const *want, size_t n)
{
	struct timeline_event *evs;
	size_t got;
	int rc = 0;

	if (timeline_list(tl, -1, 0, 0, &evs, &got) != 0)
		return say(fd, 20, timeline_errmsg(tl));
	if (got != n)
		rc = say(fd, 21, "wrong number of events listed");
	for (size_t i = 0; rc == 0 && i < n; i++)
		if (strcmp(evs[i].summary, want[n - 1 - i]) != 0)
			rc = say(fd, 22, evs[i].summary);
	timeline_events_free(evs, got);
	return rc;
}

static int full_disk_child(int fd, const char *path)
{
	static char detail[8192];
	static const char *want[64];
	static char names[64][32];
	struct rlimit rl = { 96 * 1024, RLIM_INFINITY };
	struct timeline_audit a = { 0 };
	struct timeline_event *evs;
	char err[512] = "";
	size_t n = 0, nev;
	struct timeline *tl = timeline_open(path, "alice", err, sizeof err);

	if (!tl)
		return say(fd, 2, err);
	timeline_set_nonblocking(tl, true);
	signal(SIGXFSZ, SIG_IGN);   /* past the limit write() says EFBIG, as a full disk says ENOSPC */
	memset(detail, 'a', sizeof detail);
	memcpy(detail, "{\"blob\":\"", 9);
	memcpy(detail + sizeof detail - 3, "\"}", 3);
	if (setrlimit(RLIMIT_FSIZE, &rl) != 0)
		return say(fd, 3, "setrlimit");
	/* fill the disk: every append still returns 0 */
	while (timeline_pending(tl) == 0 && n < 40) {
		snprintf(names[n], sizeof names[n], "filler %zu", n);
		want[n] = names[n];
		if (note_nb(tl, names[n++], detail) != 0)
			return say(fd, 4, timeline_errmsg(tl));
	}
	if (timeline_pending(tl) == 0)
		return say(fd, 5, "the disk never filled");
	if (strcmp(timeline_unsaved(tl), "disk full") != 0)
		return say(fd, 6, timeline_unsaved(tl));
	/* later writes queue behind, audit records too; all are listed */
	for (int i = 0; i < 3; i++) {
		snprintf(names[n], sizeof names[n], "while full %d", i);
		want[n] = names[n];
		if (note_nb(tl, names[n++], NULL) != 0)
			return say(fd, 7, timeline_errmsg(tl));
	}
	snprintf(a.via, sizeof a.via, "console");
	snprintf(a.action, sizeof a.action, "note");
	snprintf(a.outcome, sizeof a.outcome, "ok");
	if (timeline_audit_append(tl, &a, err, sizeof err) != 0)
		return say(fd, 8, err);
	if (timeline_unsaved_events(tl) != 4 || timeline_pending(tl) != 5)
		return say(fd, 9, "not every refused write is kept");
	if (timeline_count(tl) != (int64_t)n)
		return say(fd, 10, "the count leaves out the kept events");
	if (order_is(tl, fd, want, n) != 0)
		return 11;
	if (timeline_list(tl, -1, 0, 1, &evs, &nev) != 0 || nev != 1 || evs[0].id != 0)
		return say(fd, 12, "the newest listed is not the kept one");
	timeline_events_free(evs, nev);
	/* still full: the flush keeps everything */
	if (timeline_flush(tl) != 5 || strcmp(timeline_unsaved(tl), "disk full") != 0)
		return say(fd, 13, "a flush on a full disk lost or cleared something");
	/* the disk is back */
	rl.rlim_cur = RLIM_INFINITY;
	if (setrlimit(RLIMIT_FSIZE, &rl) != 0)
		return say(fd, 14, "setrlimit back");
	if (flush_soon(tl) != 0)
		return say(fd, 15, timeline_errmsg(tl));
	if (timeline_unsaved(tl)[0] || timeline_unsaved_events(tl) != 0)
		return say(fd, 16, "the banner stays after the flush");
	timeline_close(tl);
	/* on disk, in order, as another process reads it */
	tl = timeline_open(path, "bob", err, sizeof err);
	if (!tl)
		return say(fd, 17, err);
	if (order_is(tl, fd, want, n) != 0)
		return 18;
	timeline_close(tl);
	return say(fd, 0, "");
}

static void full_disk_keeps_events_in_memory_and_writes_them_back(void **state)
{
	char dir[256], path[400];

	(void)state;
	testutil_tmpdir(dir, sizeof dir);
	snprintf(path, sizeof path, "%s/t.db", dir);
	in_child(full_disk_child, path);
	testutil_rmtree(dir);
}

/* The immutable flag stands in for a read-only file system: as root,
 * permissions stop nothing, and a remount waits for the writers to go. */
static int set_immutable(const char *path, bool on)
{
	int fd = open(path, O_RDONLY), flags = 0, rc = -1;

	if (fd < 0)
		return -1;
	if (ioctl(fd, FS_IOC_GETFLAGS, &flags) == 0) {
		flags = on ? flags | FS_IMMUTABLE_FL : flags & ~FS_IMMUTABLE_FL;
		rc = ioctl(fd, FS_IOC_SETFLAGS, &flags);
	}
	close(fd);
	return rc;
}

static void readonly_disk_keeps_events_and_writes_them_back(void **state)
{
	static const char *const want[] = { "before", "read-only 1", "read-only 2", "after" };
	char dir[256], path[400], wal[420], err[256];
	struct timeline *tl;
	struct timeline_event *evs;
	size_t n;

	(void)state;
	testutil_tmpdir(dir, sizeof dir);
	snprintf(path, sizeof path, "%s/t.db", dir);
	snprintf(wal, sizeof wal, "%s-wal", path);
	tl = timeline_open(path, "alice", err, sizeof err);
	assert_non_null(tl);
	timeline_set_nonblocking(tl, true);
	note(tl, "before");
	if (set_immutable(wal, true) != 0) {
		timeline_close(tl);
		testutil_rmtree(dir);
		print_message("skipped: cannot make a file immutable here (%s)\n", strerror(errno));
		skip();
	}
	assert_int_equal(note_nb(tl, "read-only 1", NULL), 0);
	assert_int_equal(note_nb(tl, "read-only 2", NULL), 0);
	assert_string_equal(timeline_unsaved(tl), "disk read-only");
	assert_int_equal(timeline_unsaved_events(tl), 2);
	assert_int_equal(timeline_flush(tl), 2);
	assert_int_equal(set_immutable(wal, false), 0);
	assert_int_equal(note_nb(tl, "after", NULL), 0);
	assert_int_equal(flush_soon(tl), 0);
	assert_string_equal(timeline_unsaved(tl), "");
	timeline_close(tl);
	tl = timeline_open(path, "bob", err, sizeof err);
	assert_non_null(tl);
	assert_int_equal(timeline_list(tl, -1, 0, 0, &evs, &n), 0);
	assert_int_equal(n, 4);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(evs[i].summary, want[n - 1 - i]);
	timeline_events_free(evs, n);
	timeline_close(tl);
	testutil_rmtree(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(busy_writes_queue_in_order_and_flush),
		cmocka_unit_test(full_disk_keeps_events_in_memory_and_writes_them_back),
		cmocka_unit_test(readonly_disk_keeps_events_and_writes_them_back),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
