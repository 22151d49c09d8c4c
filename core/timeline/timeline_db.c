/* timeline_db — the timeline's SQLite connection, at the bottom of the store.
 *
 * One file shared by the TUI and `warroom note` run from another shell: WAL so
 * readers never block the writer, busy_timeout so two writers wait for each
 * other, synchronous=FULL so an event is on disk when timeline_append returns.
 * Here are the connection and its prepared statements, the words for a
 * failure, what a write's step means (written, busy, a refusing disk), how
 * long a write waits for another's lock, and the rows as C structs (an
 * event, an incident, an audit record) read and written one at a time. The
 * schema (timeline_schema.c), the queue (timeline_queue.c), the audit
 * records (timeline_audit.c) and the public calls (timeline.c) build on it;
 * it calls none of them. */
#include "warroom/timeline.h"
#include "timeline_priv.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sqlite3.h>

/* The console's loop must not wait on another process' write lock: a busy
 * write is queued at once and retried from its timer. Not even a short
 * sleep: on a crowded bastion a 1 ms sleep can cost the keys 30 ms. */
#define BUSY_TIMEOUT_NB_MS 0
/* An incident's own row (declare, SEV, close) cannot be queued: the
 * operator waits for it, this long at most, then is told to try again. */
#define BUSY_TIMEOUT_ROW_MS 50

#define INC_COLS "id, title, sev, opened_ms, closed_ms, commander, status, scribe, acked_ms, contained_ms," \
	" recovered_ms"

static const char *const stmt_sql[ST_N] = {
	/* OR IGNORE: an event whose detail carries a "once" key another writer
	 * recorded already (events_once, schema v6) is that event, not a second */
	[ST_EV_INSERT] = "INSERT OR IGNORE INTO events (incident_id, ts_ms, actor, kind, summary, detail)"
	                 " VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	[ST_EV_LIST] = "SELECT id, incident_id, ts_ms, actor, kind, summary, detail FROM events"
	               " ORDER BY ts_ms DESC, id DESC LIMIT ?1 OFFSET ?2",
	[ST_EV_LIST_INC] = "SELECT id, incident_id, ts_ms, actor, kind, summary, detail FROM events"
	                   " WHERE incident_id IS ?3 ORDER BY ts_ms DESC, id DESC LIMIT ?1 OFFSET ?2",
	[ST_EV_COUNT] = "SELECT count(*) FROM events",
	[ST_INC_INSERT] = "INSERT INTO incidents (title, sev, opened_ms, commander) VALUES (?1, ?2, ?3, ?4)",
	[ST_INC_CURRENT] = "SELECT " INC_COLS " FROM incidents WHERE closed_ms IS NULL ORDER BY id DESC LIMIT 1",
	[ST_INC_GET] = "SELECT " INC_COLS " FROM incidents WHERE ?1 = 0 OR id = ?1 ORDER BY id DESC LIMIT 1",
	[ST_INC_CLOSE] = "UPDATE incidents SET closed_ms = ?2 WHERE id = ?1 AND closed_ms IS NULL",
	[ST_INC_SEV] = "UPDATE incidents SET sev = ?2 WHERE id = ?1",
	[ST_INC_EXISTS] = "SELECT closed_ms IS NULL FROM incidents WHERE id = ?1",
	[ST_DATA_VERSION] = "PRAGMA data_version",
	[ST_BEGIN] = "BEGIN IMMEDIATE",
	[ST_COMMIT] = "COMMIT",
	[ST_ROLLBACK] = "ROLLBACK",
	[ST_AUDIT_INSERT] = "INSERT INTO audit (incident_id, started_ms, ended_ms, actor, via, action, args,"
	                    " confirmation, outcome, summary, signals)"
	                    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
	[ST_AUDIT_LIST] = "SELECT id, incident_id, started_ms, ended_ms, actor, via, action, args, confirmation,"
	                  " outcome, summary, signals FROM audit ORDER BY id DESC LIMIT ?1",
};

/* ---- words ------------------------------------------------------------- */

void timeline_db_copy_utf8(char *dst, size_t dstlen, const char *src)
{
	size_t n = src ? strlen(src) : 0;
	if (dstlen == 0)
		return;
	if (n >= dstlen) {
		n = dstlen - 1;
		while (n > 0 && ((unsigned char)src[n] & 0xC0) == 0x80)
			n--;
	}
	if (n)
		memcpy(dst, src, n);
	dst[n] = '\0';
}

void timeline_db_seterr(struct timeline *tl, char *err, size_t errlen, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	if (tl)
		snprintf(tl->err, sizeof tl->err, "%s", buf);
	if (err && errlen)
		snprintf(err, errlen, "%s", buf);
}

void timeline_db_clearerr(struct timeline *tl)
{
	tl->err[0] = '\0';
}

/* "disk I/O error" alone does not tell a full disk from a yanked one. */
void timeline_db_write_failed(struct timeline *tl, char *err, size_t errlen)
{
	int sys = sqlite3_system_errno(tl->db);
	int code = sqlite3_errcode(tl->db) & 0xff;
	if ((code == SQLITE_IOERR || code == SQLITE_FULL) && sys)
		timeline_db_seterr(tl, err, errlen, "timeline: cannot write %s: %s (%s)", tl->path,
		                   sqlite3_errmsg(tl->db), strerror(sys));
	else
		timeline_db_seterr(tl, err, errlen, "timeline: cannot write %s: %s", tl->path,
		                   sqlite3_errmsg(tl->db));
}

void timeline_db_read_failed(struct timeline *tl, char *err, size_t errlen)
{
	timeline_db_seterr(tl, err, errlen, "timeline: cannot read %s: %s", tl->path, sqlite3_errmsg(tl->db));
}

void timeline_db_wrote(struct timeline *tl)
{
	tl->writes++;
	timeline_db_clearerr(tl);
}

/* ---- the connection ---------------------------------------------------- */

int timeline_db_connect(struct timeline *tl, char *err, size_t errlen)
{
	if (sqlite3_open_v2(tl->path, &tl->db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
		timeline_db_seterr(tl, err, errlen, "timeline: cannot open %s: %s", tl->path,
		                   tl->db ? sqlite3_errmsg(tl->db) : "out of memory");
		return -1;
	}
	sqlite3_extended_result_codes(tl->db, 1);
	sqlite3_busy_timeout(tl->db, BUSY_TIMEOUT_MS);
	return 0;
}

int timeline_db_prepare(struct timeline *tl, char *err, size_t errlen)
{
	if (!sqlite3_db_readonly(tl->db, "main")) {
		/* WAL may be refused (some network file systems): the rollback
		 * journal with synchronous=FULL is as durable, only slower. */
		sqlite3_exec(tl->db, "PRAGMA journal_mode=WAL", NULL, NULL, NULL);
	}
	char *msg = NULL;
	if (sqlite3_exec(tl->db, "PRAGMA synchronous=FULL", NULL, NULL, &msg) != SQLITE_OK) {
		timeline_db_seterr(tl, err, errlen, "timeline: cannot open %s: %s", tl->path, msg ? msg : "?");
		sqlite3_free(msg);
		return -1;
	}
	for (int i = 0; i < ST_N; i++) {
		if (sqlite3_prepare_v3(tl->db, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT,
		                       &tl->st[i], NULL) != SQLITE_OK) {
			timeline_db_read_failed(tl, err, errlen);
			return -1;
		}
	}
	sqlite3_stmt *s = tl->st[ST_DATA_VERSION];
	if (sqlite3_step(s) == SQLITE_ROW)
		tl->dv_open = tl->dv_last = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return 0;
}

void timeline_db_disconnect(struct timeline *tl)
{
	for (int i = 0; i < ST_N; i++) {
		sqlite3_finalize(tl->st[i]);
		tl->st[i] = NULL;
	}
	if (tl->db) {
		mode_t old = umask(077);
		sqlite3_close(tl->db);
		umask(old);
		tl->db = NULL;
	}
}

/* Steps a statement that returns no rows, then resets it. */
static int exec_stmt(struct timeline *tl, int which)
{
	sqlite3_stmt *s = tl->st[which];
	int rc = sqlite3_step(s);
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? 0 : -1;
}

int timeline_db_begin(struct timeline *tl, char *err, size_t errlen)
{
	if (exec_stmt(tl, ST_BEGIN) == 0)
		return 0;
	timeline_db_write_failed(tl, err, errlen);
	return -1;
}

int timeline_db_commit(struct timeline *tl, char *err, size_t errlen)
{
	if (exec_stmt(tl, ST_COMMIT) == 0)
		return 0;
	timeline_db_write_failed(tl, err, errlen);
	if (!sqlite3_get_autocommit(tl->db))
		exec_stmt(tl, ST_ROLLBACK);
	return -1;
}

void timeline_db_rollback(struct timeline *tl)
{
	if (!sqlite3_get_autocommit(tl->db))
		exec_stmt(tl, ST_ROLLBACK);
}

/* ---- busy locks and refusing disks -------------------------------------- */

bool timeline_db_busy(int rc)
{
	rc &= 0xff;
	return rc == SQLITE_BUSY || rc == SQLITE_LOCKED;
}

/* The errno of the last failed system call on the file, from the VFS: the
 * connection's own (sqlite3_system_errno) is often gone by the time a write
 * failure has been rolled back. */
static int file_errno(sqlite3 *db, bool journal)
{
	sqlite3_file *f = NULL;
	int e = 0;

	if (journal) {
		if (sqlite3_file_control(db, "main", SQLITE_FCNTL_JOURNAL_POINTER, &f) != SQLITE_OK || !f ||
		    !f->pMethods || f->pMethods->xFileControl(f, SQLITE_FCNTL_LAST_ERRNO, &e) != SQLITE_OK)
			e = 0;
	} else if (sqlite3_file_control(db, "main", SQLITE_FCNTL_LAST_ERRNO, &e) != SQLITE_OK) {
		e = 0;
	}
	return e;
}

static enum timeline_disk disk_trouble(sqlite3 *db, int rc)
{
	int sys = sqlite3_system_errno(db);

	if (!sys)
		sys = file_errno(db, true);
	if (!sys)
		sys = file_errno(db, false);
	switch (rc & 0xff) {
	case SQLITE_FULL:
		return TL_DISK_FULL;
	case SQLITE_READONLY:
		return TL_DISK_READONLY;
	case SQLITE_IOERR:
	case SQLITE_CANTOPEN:
		if (sys == ENOSPC || sys == EFBIG || sys == EDQUOT)
			return TL_DISK_FULL;
		if (sys == EROFS || sys == EPERM || sys == EACCES)
			return TL_DISK_READONLY;
		return TL_DISK_IOERR;
	default:
		return TL_DISK_OK;
	}
}

int timeline_db_step_result(struct timeline *tl, int rc, char *err, size_t errlen)
{
	enum timeline_disk d;

	if (rc == SQLITE_DONE)
		return 0;
	if (timeline_db_busy(rc))
		return 1;
	timeline_db_write_failed(tl, err, errlen);
	d = disk_trouble(tl->db, rc);
	if (d == TL_DISK_OK)
		return -1;
	tl->disk = d;
	return 2;
}

void timeline_db_patience(struct timeline *tl, bool on)
{
	if (tl->nonblocking)
		sqlite3_busy_timeout(tl->db, on ? BUSY_TIMEOUT_ROW_MS : BUSY_TIMEOUT_NB_MS);
}

void timeline_set_nonblocking(struct timeline *tl, bool on)
{
	if (!tl)
		return;
	tl->nonblocking = on;
	sqlite3_busy_timeout(tl->db, on ? BUSY_TIMEOUT_NB_MS : BUSY_TIMEOUT_MS);
	/* checkpoints (copying the WAL into the file, syncing it) are left to the
	 * connections that may wait: the command line, and this one at close */
	sqlite3_exec(tl->db, on ? "PRAGMA wal_autocheckpoint=0" : "PRAGMA wal_autocheckpoint=1000", NULL, NULL, NULL);
}

/* ---- rows --------------------------------------------------------------- */

static char *col_dup(sqlite3_stmt *s, int col)
{
	const unsigned char *t = sqlite3_column_text(s, col);
	return t ? strdup((const char *)t) : NULL;
}

static void col_copy(char *dst, size_t len, sqlite3_stmt *s, int col)
{
	const unsigned char *t = sqlite3_column_text(s, col);
	timeline_db_copy_utf8(dst, len, t ? (const char *)t : "");
}

int timeline_db_insert_event(struct timeline *tl, const struct timeline_event *ev, char *err, size_t errlen)
{
	sqlite3_stmt *s = tl->st[ST_EV_INSERT];
	if (ev->incident_id > 0)
		sqlite3_bind_int64(s, 1, ev->incident_id);
	else
		sqlite3_bind_null(s, 1);
	sqlite3_bind_int64(s, 2, ev->ts_ms);
	sqlite3_bind_text(s, 3, ev->actor, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, ev->kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 5, ev->summary, -1, SQLITE_STATIC);
	if (ev->detail_json)
		sqlite3_bind_text(s, 6, ev->detail_json, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(s, 6);
	int rc = timeline_db_step_result(tl, sqlite3_step(s), err, errlen);
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return rc;
}

void timeline_db_row_event(sqlite3_stmt *s, struct timeline_event *e)
{
	memset(e, 0, sizeof *e);
	e->id = sqlite3_column_int64(s, 0);
	e->incident_id = sqlite3_column_int64(s, 1);
	e->ts_ms = sqlite3_column_int64(s, 2);
	col_copy(e->actor, sizeof e->actor, s, 3);
	col_copy(e->kind, sizeof e->kind, s, 4);
	col_copy(e->summary, sizeof e->summary, s, 5);
	e->detail_json = col_dup(s, 6);
}

int timeline_db_read_incident(struct timeline *tl, sqlite3_stmt *s, struct timeline_incident *out)
{
	memset(out, 0, sizeof *out);
	int rc = sqlite3_step(s), found = 0;
	if (rc == SQLITE_ROW) {
		out->id = sqlite3_column_int64(s, 0);
		col_copy(out->title, sizeof out->title, s, 1);
		out->sev = sqlite3_column_int(s, 2);
		out->opened_ms = sqlite3_column_int64(s, 3);
		out->closed_ms = sqlite3_column_int64(s, 4);
		col_copy(out->commander, sizeof out->commander, s, 5);
		col_copy(out->status, sizeof out->status, s, 6);
		col_copy(out->scribe, sizeof out->scribe, s, 7);
		out->acked_ms = sqlite3_column_int64(s, 8);
		out->contained_ms = sqlite3_column_int64(s, 9);
		out->recovered_ms = sqlite3_column_int64(s, 10);
		found = 1;
	} else if (rc != SQLITE_DONE) {
		timeline_db_read_failed(tl, NULL, 0);
		found = -1;
	}
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return found;
}

int timeline_db_incident_current(struct timeline *tl, struct timeline_incident *out)
{
	int rc = timeline_db_read_incident(tl, tl->st[ST_INC_CURRENT], out);
	if (rc >= 0)
		timeline_db_clearerr(tl);
	return rc;
}

/* Binds a text column after redaction; the copy lives until the statement is reset. */
static void bind_redacted(sqlite3_stmt *s, int col, const char *text)
{
	char *red = timeline_redact(text ? text : "");

	sqlite3_bind_text(s, col, red ? red : "", -1, SQLITE_TRANSIENT);
	free(red);
}

int timeline_db_insert_audit(struct timeline *tl, const struct timeline_audit *a, char *err, size_t errlen)
{
	sqlite3_stmt *s = tl->st[ST_AUDIT_INSERT];
	if (a->incident_id > 0)
		sqlite3_bind_int64(s, 1, a->incident_id);
	else
		sqlite3_bind_null(s, 1);
	sqlite3_bind_int64(s, 2, a->started_ms);
	sqlite3_bind_int64(s, 3, a->ended_ms);
	sqlite3_bind_text(s, 4, a->actor[0] ? a->actor : tl->actor, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 5, a->via, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 6, a->action, -1, SQLITE_TRANSIENT);
	bind_redacted(s, 7, a->args);
	bind_redacted(s, 8, a->confirmation);
	sqlite3_bind_text(s, 9, a->outcome, -1, SQLITE_TRANSIENT);
	bind_redacted(s, 10, a->summary);
	if (a->signals[0])
		sqlite3_bind_text(s, 11, a->signals, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(s, 11);
	int rc = timeline_db_step_result(tl, sqlite3_step(s), err, errlen);
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return rc;
}

void timeline_db_row_audit(sqlite3_stmt *s, struct timeline_audit *a)
{
	memset(a, 0, sizeof *a);
	a->id = sqlite3_column_int64(s, 0);
	a->incident_id = sqlite3_column_int64(s, 1);
	a->started_ms = sqlite3_column_int64(s, 2);
	a->ended_ms = sqlite3_column_int64(s, 3);
	col_copy(a->actor, sizeof a->actor, s, 4);
	col_copy(a->via, sizeof a->via, s, 5);
	col_copy(a->action, sizeof a->action, s, 6);
	col_copy(a->args, sizeof a->args, s, 7);
	col_copy(a->confirmation, sizeof a->confirmation, s, 8);
	col_copy(a->outcome, sizeof a->outcome, s, 9);
	col_copy(a->summary, sizeof a->summary, s, 10);
	col_copy(a->signals, sizeof a->signals, s, 11);
}
