/* timeline — the incident timeline in SQLite.
 *
 * One file shared by the TUI and `warroom note` run from another shell: WAL so
 * readers never block the writer, busy_timeout so two writers wait for each
 * other, synchronous=FULL so an event is on disk when timeline_append returns.
 * The schema and its migrations are in timeline_schema.c, the writes kept in
 * memory (another's lock, a refusing disk) in timeline_queue.c. */
#include "warroom/timeline.h"
#include "warroom/files.h"
#include "timeline_priv.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cJSON.h>
#include <sqlite3.h>

#define SUMMARY_MAX (sizeof(((struct timeline_event *)0)->summary) - 1)

#define INC_COLS "id, title, sev, opened_ms, closed_ms, commander, status, scribe, acked_ms, contained_ms," \
	" recovered_ms"

static const char *const stmt_sql[ST_N] = {
	[ST_EV_INSERT] = "INSERT INTO events (incident_id, ts_ms, actor, kind, summary, detail)"
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

/* ---- small helpers ---------------------------------------------------- */

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Copies at most dstlen-1 bytes without cutting a UTF-8 sequence in two. */
static void copy_utf8(char *dst, size_t dstlen, const char *src)
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

static void seterr(struct timeline *tl, char *err, size_t errlen, const char *fmt, ...)
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

static void clearerr_tl(struct timeline *tl)
{
	tl->err[0] = '\0';
}

/* "disk I/O error" alone does not tell a full disk from a yanked one. */
static void write_failed(struct timeline *tl, char *err, size_t errlen)
{
	int sys = sqlite3_system_errno(tl->db);
	int code = sqlite3_errcode(tl->db) & 0xff;
	if ((code == SQLITE_IOERR || code == SQLITE_FULL) && sys)
		seterr(tl, err, errlen, "timeline: cannot write %s: %s (%s)", tl->path,
		       sqlite3_errmsg(tl->db), strerror(sys));
	else
		seterr(tl, err, errlen, "timeline: cannot write %s: %s", tl->path, sqlite3_errmsg(tl->db));
}

static void read_failed(struct timeline *tl, char *err, size_t errlen)
{
	seterr(tl, err, errlen, "timeline: cannot read %s: %s", tl->path, sqlite3_errmsg(tl->db));
}

/* Steps a statement that returns no rows, then resets it. */
static int exec_stmt(struct timeline *tl, int which)
{
	sqlite3_stmt *s = tl->st[which];
	int rc = sqlite3_step(s);
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? 0 : -1;
}

static int begin(struct timeline *tl, char *err, size_t errlen)
{
	if (exec_stmt(tl, ST_BEGIN) == 0)
		return 0;
	write_failed(tl, err, errlen);
	return -1;
}

static int commit(struct timeline *tl, char *err, size_t errlen)
{
	if (exec_stmt(tl, ST_COMMIT) == 0)
		return 0;
	write_failed(tl, err, errlen);
	if (!sqlite3_get_autocommit(tl->db))
		exec_stmt(tl, ST_ROLLBACK);
	return -1;
}

static void rollback(struct timeline *tl)
{
	if (!sqlite3_get_autocommit(tl->db))
		exec_stmt(tl, ST_ROLLBACK);
}

/* ---- open, migrate, close ---------------------------------------------- */

static int setup(struct timeline *tl, char *err, size_t errlen)
{
	sqlite3_extended_result_codes(tl->db, 1);
	sqlite3_busy_timeout(tl->db, BUSY_TIMEOUT_MS);
	/* A read first: a file that is not a database fails here, by name. */
	if (timeline_priv_migrate(tl, err, errlen) != 0)
		return -1;
	if (!sqlite3_db_readonly(tl->db, "main")) {
		/* WAL may be refused (some network file systems): the rollback
		 * journal with synchronous=FULL is as durable, only slower. */
		sqlite3_exec(tl->db, "PRAGMA journal_mode=WAL", NULL, NULL, NULL);
	}
	char *msg = NULL;
	if (sqlite3_exec(tl->db, "PRAGMA synchronous=FULL", NULL, NULL, &msg) != SQLITE_OK) {
		seterr(tl, err, errlen, "timeline: cannot open %s: %s", tl->path, msg ? msg : "?");
		sqlite3_free(msg);
		return -1;
	}
	for (int i = 0; i < ST_N; i++) {
		if (sqlite3_prepare_v3(tl->db, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT,
		                       &tl->st[i], NULL) != SQLITE_OK) {
			read_failed(tl, err, errlen);
			return -1;
		}
	}
	sqlite3_stmt *s = tl->st[ST_DATA_VERSION];
	if (sqlite3_step(s) == SQLITE_ROW)
		tl->dv_open = tl->dv_last = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return 0;
}

struct timeline *timeline_open(const char *path, const char *actor, char *err, size_t errlen)
{
	if (!path || !*path) {
		seterr(NULL, err, errlen, "timeline: no database path");
		return NULL;
	}
	struct timeline *tl = calloc(1, sizeof *tl);
	if (!tl) {
		seterr(NULL, err, errlen, "timeline: out of memory");
		return NULL;
	}
	if (snprintf(tl->path, sizeof tl->path, "%s", path) >= (int)sizeof tl->path) {
		seterr(NULL, err, errlen, "timeline: path too long: %s", path);
		free(tl);
		return NULL;
	}
	copy_utf8(tl->actor, sizeof tl->actor, actor && *actor ? actor : "operator");

	/* -wal and -shm are created now or at the first write: keep them private. */
	mode_t old = umask(077);
	int rc = -1;
	char ferr[1100] = "";
	if (files_make_parents(path, ferr, sizeof ferr) != 0 || files_create_private(path, ferr, sizeof ferr) != 0) {
		seterr(NULL, err, errlen, "timeline: %s", ferr);
	} else {
		if (sqlite3_open_v2(path, &tl->db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
			seterr(tl, err, errlen, "timeline: cannot open %s: %s", path,
			       tl->db ? sqlite3_errmsg(tl->db) : "out of memory");
		else
			rc = setup(tl, err, errlen);
	}
	umask(old);
	if (rc != 0) {
		timeline_close(tl);
		return NULL;
	}
	return tl;
}

void timeline_close(struct timeline *tl)
{
	if (!tl)
		return;
	if (tl->queue && tl->db) {
		/* leaving: waiting for the lock is fine now, losing an event is not */
		sqlite3_busy_timeout(tl->db, BUSY_TIMEOUT_MS);
		timeline_flush(tl);
	}
	timeline_priv_queue_drop(tl);
	for (int i = 0; i < ST_N; i++)
		sqlite3_finalize(tl->st[i]);
	if (tl->db) {
		mode_t old = umask(077);
		sqlite3_close(tl->db);
		umask(old);
	}
	free(tl);
}

const char *timeline_path(const struct timeline *tl)
{
	return tl ? tl->path : "";
}

const char *timeline_errmsg(const struct timeline *tl)
{
	return tl ? tl->err : "timeline: not open";
}

/* ---- writes another process' lock would hold up ------------------------ */

int timeline_priv_insert_event(struct timeline *tl, const struct timeline_event *ev, char *err, size_t errlen)
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
	int rc = timeline_priv_step_result(tl, sqlite3_step(s), err, errlen);
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return rc;
}

/* ---- events ------------------------------------------------------------ */

int timeline_append(struct timeline *tl, struct timeline_event *ev, char *err, size_t errlen)
{
	if (!tl || !ev) {
		seterr(tl, err, errlen, "timeline: not open");
		return -1;
	}
	char kind[sizeof ev->kind], actor[sizeof ev->actor], summary[sizeof ev->summary];
	memcpy(kind, ev->kind, sizeof kind);
	kind[sizeof kind - 1] = '\0';
	memcpy(actor, ev->actor, sizeof actor);
	actor[sizeof actor - 1] = '\0';
	memcpy(summary, ev->summary, sizeof summary);
	summary[sizeof summary - 1] = '\0';
	if (!kind[0]) {
		seterr(tl, err, errlen, "timeline: an event needs a kind");
		return -1;
	}
	if (!actor[0])
		memcpy(actor, tl->actor, sizeof actor);

	char *detail = NULL;
	if (ev->detail_json && *ev->detail_json) {
		detail = timeline_detail_clean(ev->detail_json, tl->err, sizeof tl->err);
		if (!detail) {
			if (err && errlen)
				snprintf(err, errlen, "%s", tl->err);
			return -1;
		}
	}
	char *red = timeline_redact(summary);
	if (!red) {
		free(detail);
		seterr(tl, err, errlen, "timeline: out of memory");
		return -1;
	}
	copy_utf8(summary, sizeof summary, red);
	free(red);

	int64_t ts = ev->ts_ms ? ev->ts_ms : now_ms();
	struct timeline_event w = { .incident_id = ev->incident_id, .ts_ms = ts, .detail_json = detail };
	memcpy(w.actor, actor, sizeof actor);
	memcpy(w.kind, kind, sizeof kind);
	memcpy(w.summary, summary, sizeof summary);
	int rc = tl->queue ? 1 : timeline_priv_insert_event(tl, &w, err, errlen);
	if ((rc == 1 || rc == 2) && tl->nonblocking) {
		/* the lock is another's or the disk refuses: keep it, in order, for timeline_flush */
		if (timeline_priv_enqueue_event(tl, &w) != 0) {
			free(detail);
			if (err && errlen)
				snprintf(err, errlen, "%s", tl->err);
			return -1;
		}
		ev->id = 0;
		ev->ts_ms = ts;
		if (!ev->actor[0])
			memcpy(ev->actor, actor, sizeof ev->actor);
		return 0;
	}
	if (rc == 1)
		write_failed(tl, err, errlen);
	free(detail);
	if (rc != 0)
		return -1;
	ev->id = sqlite3_last_insert_rowid(tl->db);
	ev->ts_ms = ts;
	if (!ev->actor[0])
		memcpy(ev->actor, actor, sizeof ev->actor);
	tl->writes++;
	clearerr_tl(tl);
	return 0;
}

int timeline_log(struct timeline *tl, const char *kind, const char *summary, const char *detail_json)
{
	if (!tl)
		return -1;
	struct timeline_event ev = {0};
	struct timeline_incident inc;
	if (timeline_incident_current(tl, &inc) < 0)
		return -1;
	ev.incident_id = inc.id;
	copy_utf8(ev.kind, sizeof ev.kind, kind);
	copy_utf8(ev.summary, sizeof ev.summary, summary);
	/* A summary too long for the list keeps its whole text in the detail. */
	char *full = NULL;
	if (summary && strlen(summary) > SUMMARY_MAX && (!detail_json || !*detail_json)) {
		cJSON *o = cJSON_CreateObject();
		if (o && cJSON_AddStringToObject(o, "text", summary))
			full = cJSON_PrintUnformatted(o);
		cJSON_Delete(o);
	}
	ev.detail_json = full ? full : (char *)detail_json;
	int rc = timeline_append(tl, &ev, NULL, 0);
	cJSON_free(full);
	return rc;
}

static char *col_dup(sqlite3_stmt *s, int col)
{
	const unsigned char *t = sqlite3_column_text(s, col);
	return t ? strdup((const char *)t) : NULL;
}

static void col_copy(char *dst, size_t len, sqlite3_stmt *s, int col)
{
	const unsigned char *t = sqlite3_column_text(s, col);
	copy_utf8(dst, len, t ? (const char *)t : "");
}

static void row_event(sqlite3_stmt *s, struct timeline_event *e)
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

int timeline_each(struct timeline *tl, int64_t incident_id, size_t offset, size_t limit,
                  int (*fn)(const struct timeline_event *e, void *arg), void *arg)
{
	struct timeline_event *evs = NULL, e;
	size_t cnt = 0, cap = 0, sent = 0, queued;
	int rc = SQLITE_DONE, stop = 0;

	if (!tl)
		return -1;
	/* what waits in memory is the newest: it comes first */
	queued = timeline_priv_queue_list(tl, incident_id, offset, limit, &evs, &cnt, &cap);
	if (queued == (size_t)-1) {
		timeline_events_free(evs, cnt);
		seterr(tl, NULL, 0, "timeline: out of memory");
		return -1;
	}
	for (size_t i = 0; i < cnt && !stop; i++, sent++)
		stop = fn(&evs[i], arg);
	timeline_events_free(evs, cnt);
	if (stop || (limit && sent == limit))
		return stop ? 1 : 0;
	/* one statement: one snapshot, whatever is written meanwhile */
	sqlite3_stmt *s = tl->st[incident_id < 0 ? ST_EV_LIST : ST_EV_LIST_INC];
	sqlite3_bind_int64(s, 1, limit ? (sqlite3_int64)(limit - sent) : -1);
	sqlite3_bind_int64(s, 2, (sqlite3_int64)(offset > queued ? offset - queued : 0));
	if (incident_id > 0)
		sqlite3_bind_int64(s, 3, incident_id);
	else if (incident_id == 0)
		sqlite3_bind_null(s, 3);
	while (!stop && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		row_event(s, &e);
		stop = fn(&e, arg);
		free(e.detail_json);
	}
	if (!stop && rc != SQLITE_DONE)
		read_failed(tl, NULL, 0);
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	if (!stop && rc != SQLITE_DONE)
		return -1;
	clearerr_tl(tl);
	return stop ? 1 : 0;
}

struct collect {
	struct timeline_event *evs;
	size_t n, cap;
	bool oom;
};

static int collect_one(const struct timeline_event *e, void *arg)
{
	struct collect *c = arg;

	if (c->n == c->cap) {
		size_t ncap = c->cap ? c->cap * 2 : 32;
		struct timeline_event *p = realloc(c->evs, ncap * sizeof *p);

		if (!p) {
			c->oom = true;
			return 1;
		}
		c->evs = p;
		c->cap = ncap;
	}
	c->evs[c->n] = *e;
	c->evs[c->n].detail_json = e->detail_json ? strdup(e->detail_json) : NULL;
	if (e->detail_json && !c->evs[c->n].detail_json) {
		c->oom = true;
		return 1;
	}
	c->n++;
	return 0;
}

int timeline_list(struct timeline *tl, int64_t incident_id, size_t offset, size_t limit,
                  struct timeline_event **out, size_t *n)
{
	struct collect c = { NULL, 0, 0, false };
	int rc = timeline_each(tl, incident_id, offset, limit, collect_one, &c);

	*out = NULL;
	*n = 0;
	if (c.oom)
		seterr(tl, NULL, 0, "timeline: out of memory");
	if (c.oom || rc < 0) {
		timeline_events_free(c.evs, c.n);
		return -1;
	}
	*out = c.evs;
	*n = c.n;
	return 0;
}

void timeline_events_free(struct timeline_event *evs, size_t n)
{
	if (!evs)
		return;
	for (size_t i = 0; i < n; i++)
		free(evs[i].detail_json);
	free(evs);
}

int64_t timeline_count(struct timeline *tl)
{
	if (!tl)
		return -1;
	sqlite3_stmt *s = tl->st[ST_EV_COUNT];
	int64_t v = -1;
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0) + (int64_t)tl->nqueue_events;
	else
		read_failed(tl, NULL, 0);
	sqlite3_reset(s);
	return v;
}

uint64_t timeline_generation(const struct timeline *tl)
{
	if (!tl)
		return 0;
	/* The struct is ours (malloc'd): the data_version cache is the only
	 * state a const caller moves. */
	struct timeline *m = (struct timeline *)tl;
	sqlite3_stmt *s = m->st[ST_DATA_VERSION];
	if (sqlite3_step(s) == SQLITE_ROW)
		m->dv_last = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return m->writes + m->queued + (uint64_t)(m->dv_last - m->dv_open);
}

/* ---- incidents --------------------------------------------------------- */

static int read_incident(struct timeline *tl, sqlite3_stmt *s, struct timeline_incident *out)
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
		read_failed(tl, NULL, 0);
		found = -1;
	}
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return found;
}

static int read_current(struct timeline *tl, struct timeline_incident *out)
{
	return read_incident(tl, tl->st[ST_INC_CURRENT], out);
}

int timeline_incident_get(struct timeline *tl, int64_t id, struct timeline_incident *out)
{
	if (!tl) {
		memset(out, 0, sizeof *out);
		return -1;
	}
	sqlite3_bind_int64(tl->st[ST_INC_GET], 1, id);
	int rc = read_incident(tl, tl->st[ST_INC_GET], out);
	if (rc >= 0)
		clearerr_tl(tl);
	return rc;
}

int timeline_incident_current(struct timeline *tl, struct timeline_incident *out)
{
	if (!tl) {
		memset(out, 0, sizeof *out);
		return -1;
	}
	int rc = read_current(tl, out);
	if (rc >= 0)
		clearerr_tl(tl);
	return rc;
}

static bool sev_ok(struct timeline *tl, int sev)
{
	if (sev >= 1 && sev <= 4)
		return true;
	seterr(tl, NULL, 0, "timeline: SEV must be 1 to 4, not %d", sev);
	return false;
}

static int64_t incident_insert(struct timeline *tl, const char *t, int sev);

int64_t timeline_incident_open(struct timeline *tl, const char *title, int sev)
{
	if (!tl)
		return -1;
	while (title && isspace((unsigned char)*title))
		title++;
	if (!title || !*title) {
		seterr(tl, NULL, 0, "timeline: an incident needs a title");
		return -1;
	}
	if (!sev_ok(tl, sev))
		return -1;
	char *red = timeline_redact(title);
	if (!red) {
		seterr(tl, NULL, 0, "timeline: out of memory");
		return -1;
	}
	char t[sizeof ((struct timeline_incident *)0)->title];
	copy_utf8(t, sizeof t, red);
	free(red);

	timeline_priv_patience(tl, true);
	int64_t id = incident_insert(tl, t, sev);
	timeline_priv_patience(tl, false);
	return id;
}

static int64_t incident_insert(struct timeline *tl, const char *t, int sev)
{
	if (begin(tl, NULL, 0) != 0)
		return -1;
	struct timeline_incident cur;
	int found = read_current(tl, &cur);
	if (found != 0) {
		if (found > 0)
			seterr(tl, NULL, 0, "timeline: incident #%lld \"%s\" (SEV-%d) is still open; "
			       "close it before opening another", (long long)cur.id, cur.title, cur.sev);
		rollback(tl);
		return -1;
	}
	sqlite3_stmt *s = tl->st[ST_INC_INSERT];
	sqlite3_bind_text(s, 1, t, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 2, sev);
	sqlite3_bind_int64(s, 3, now_ms());
	sqlite3_bind_text(s, 4, tl->actor, -1, SQLITE_STATIC);
	int rc = sqlite3_step(s);
	if (rc != SQLITE_DONE)
		write_failed(tl, NULL, 0);
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	if (rc != SQLITE_DONE) {
		rollback(tl);
		return -1;
	}
	int64_t id = sqlite3_last_insert_rowid(tl->db);
	if (commit(tl, NULL, 0) != 0)
		return -1;
	tl->writes++;
	clearerr_tl(tl);
	return id;
}

/* Runs an UPDATE on one incident; explains a miss (unknown or closed). */
static int incident_update(struct timeline *tl, int which, int64_t id, int64_t value, const char *what)
{
	sqlite3_stmt *s = tl->st[which];
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, value);
	int rc = sqlite3_step(s);
	if (rc != SQLITE_DONE)
		write_failed(tl, NULL, 0);
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return -1;
	if (sqlite3_changes(tl->db) == 0) {
		s = tl->st[ST_INC_EXISTS];
		sqlite3_bind_int64(s, 1, id);
		rc = sqlite3_step(s);
		sqlite3_reset(s);
		seterr(tl, NULL, 0, rc == SQLITE_ROW ? "timeline: cannot %s incident #%lld: already closed"
		       : "timeline: cannot %s incident #%lld: no such incident", what, (long long)id);
		return -1;
	}
	tl->writes++;
	clearerr_tl(tl);
	return 0;
}

int timeline_incident_close(struct timeline *tl, int64_t id)
{
	if (!tl)
		return -1;
	timeline_priv_patience(tl, true);
	int rc = incident_update(tl, ST_INC_CLOSE, id, now_ms(), "close");
	timeline_priv_patience(tl, false);
	return rc;
}

int timeline_incident_set_sev(struct timeline *tl, int64_t id, int sev)
{
	if (!tl || !sev_ok(tl, sev))
		return -1;
	timeline_priv_patience(tl, true);
	int rc = incident_update(tl, ST_INC_SEV, id, sev, "set the SEV of");
	timeline_priv_patience(tl, false);
	return rc;
}

/* ---- for the store's other files (timeline_priv.h) ---------------------- */

sqlite3 *timeline_priv_db(struct timeline *tl)
{
	return tl->db;
}

sqlite3_stmt *timeline_priv_stmt(struct timeline *tl, enum timeline_priv_stmt which)
{
	return tl->st[which == TL_STMT_AUDIT_INSERT ? ST_AUDIT_INSERT : ST_AUDIT_LIST];
}

const char *timeline_priv_actor(const struct timeline *tl)
{
	return tl->actor;
}

void timeline_priv_wrote(struct timeline *tl)
{
	tl->writes++;
	clearerr_tl(tl);
}

void timeline_priv_write_failed(struct timeline *tl, char *err, size_t errlen)
{
	write_failed(tl, err, errlen);
}

void timeline_priv_read_failed(struct timeline *tl)
{
	read_failed(tl, NULL, 0);
}

void timeline_priv_seterr(struct timeline *tl, char *err, size_t errlen, const char *what)
{
	seterr(tl, err, errlen, "%s", what);
}

bool timeline_priv_busy(int rc)
{
	rc &= 0xff;
	return rc == SQLITE_BUSY || rc == SQLITE_LOCKED;
}

void timeline_priv_col_copy(char *dst, size_t len, sqlite3_stmt *s, int col)
{
	col_copy(dst, len, s, col);
}
