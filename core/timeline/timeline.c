/* timeline — the incident timeline in SQLite: the public calls on top of
 * the store. Opening and closing, appending and listing events, declaring,
 * closing and re-grading incidents. The connection, its statements and the
 * rows are in timeline_db.c, the schema and its migrations in
 * timeline_schema.c, the writes kept in memory (another's lock, a refusing
 * disk) in timeline_queue.c; the incident row's later writes are in
 * timeline_incident.c. */
#include "warroom/timeline.h"
#include "warroom/files.h"
#include "timeline_priv.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <cJSON.h>
#include <sqlite3.h>

#define SUMMARY_MAX (sizeof(((struct timeline_event *)0)->summary) - 1)

/* ---- small helpers ---------------------------------------------------- */

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- open, migrate, close ---------------------------------------------- */

struct timeline *timeline_open(const char *path, const char *actor, char *err, size_t errlen)
{
	if (!path || !*path) {
		timeline_db_seterr(NULL, err, errlen, "timeline: no database path");
		return NULL;
	}
	struct timeline *tl = calloc(1, sizeof *tl);
	if (!tl) {
		timeline_db_seterr(NULL, err, errlen, "timeline: out of memory");
		return NULL;
	}
	if (snprintf(tl->path, sizeof tl->path, "%s", path) >= (int)sizeof tl->path) {
		timeline_db_seterr(NULL, err, errlen, "timeline: path too long: %s", path);
		free(tl);
		return NULL;
	}
	timeline_db_copy_utf8(tl->actor, sizeof tl->actor, actor && *actor ? actor : "operator");

	/* -wal and -shm are created now or at the first write: keep them private. */
	mode_t old = umask(077);
	int rc = -1;
	char ferr[1100] = "";
	if (files_make_parents(path, ferr, sizeof ferr) != 0 || files_create_private(path, ferr, sizeof ferr) != 0) {
		timeline_db_seterr(NULL, err, errlen, "timeline: %s", ferr);
	} else {
		/* A read first (the schema's version): a file that is not a
		 * database fails there, by name. */
		if (timeline_db_connect(tl, err, errlen) == 0 && timeline_schema_migrate(tl, err, errlen) == 0)
			rc = timeline_db_prepare(tl, err, errlen);
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
	timeline_queue_drop(tl);
	timeline_db_disconnect(tl);
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

/* ---- events ------------------------------------------------------------ */

int timeline_append(struct timeline *tl, struct timeline_event *ev, char *err, size_t errlen)
{
	if (!tl || !ev) {
		timeline_db_seterr(tl, err, errlen, "timeline: not open");
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
		timeline_db_seterr(tl, err, errlen, "timeline: an event needs a kind");
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
		timeline_db_seterr(tl, err, errlen, "timeline: out of memory");
		return -1;
	}
	timeline_db_copy_utf8(summary, sizeof summary, red);
	free(red);

	int64_t ts = ev->ts_ms ? ev->ts_ms : now_ms();
	struct timeline_event w = { .incident_id = ev->incident_id, .ts_ms = ts, .detail_json = detail };
	memcpy(w.actor, actor, sizeof actor);
	memcpy(w.kind, kind, sizeof kind);
	memcpy(w.summary, summary, sizeof summary);
	int rc = tl->queue ? 1 : timeline_db_insert_event(tl, &w, err, errlen);
	if ((rc == 1 || rc == 2) && tl->nonblocking) {
		/* the lock is another's or the disk refuses: keep it, in order, for timeline_flush */
		if (timeline_queue_event(tl, &w) != 0) {
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
		timeline_db_write_failed(tl, err, errlen);
	free(detail);
	if (rc != 0)
		return -1;
	ev->id = sqlite3_changes(tl->db) ? sqlite3_last_insert_rowid(tl->db) : 0;   /* 0: recorded once already */
	ev->ts_ms = ts;
	if (!ev->actor[0])
		memcpy(ev->actor, actor, sizeof ev->actor);
	tl->writes++;
	timeline_db_clearerr(tl);
	return 0;
}

int timeline_log(struct timeline *tl, const char *kind, const char *summary, const char *detail_json)
{
	return timeline_log_at(tl, 0, kind, summary, detail_json);
}

int timeline_log_at(struct timeline *tl, int64_t ts_ms, const char *kind, const char *summary,
                    const char *detail_json)
{
	if (!tl)
		return -1;
	struct timeline_event ev = { .ts_ms = ts_ms };
	struct timeline_incident inc;
	if (timeline_incident_current(tl, &inc) < 0)
		return -1;
	ev.incident_id = inc.id;
	timeline_db_copy_utf8(ev.kind, sizeof ev.kind, kind);
	timeline_db_copy_utf8(ev.summary, sizeof ev.summary, summary);
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

int timeline_each(struct timeline *tl, int64_t incident_id, size_t offset, size_t limit,
                  int (*fn)(const struct timeline_event *e, void *arg), void *arg)
{
	struct timeline_event *evs = NULL, e;
	size_t cnt = 0, cap = 0, sent = 0, queued;
	int rc = SQLITE_DONE, stop = 0;

	if (!tl)
		return -1;
	/* what waits in memory is the newest: it comes first */
	queued = timeline_queue_list(tl, incident_id, offset, limit, &evs, &cnt, &cap);
	if (queued == (size_t)-1) {
		timeline_events_free(evs, cnt);
		timeline_db_seterr(tl, NULL, 0, "timeline: out of memory");
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
		timeline_db_row_event(s, &e);
		stop = fn(&e, arg);
		free(e.detail_json);
	}
	if (!stop && rc != SQLITE_DONE)
		timeline_db_read_failed(tl, NULL, 0);
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	if (!stop && rc != SQLITE_DONE)
		return -1;
	timeline_db_clearerr(tl);
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
		timeline_db_seterr(tl, NULL, 0, "timeline: out of memory");
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
		timeline_db_read_failed(tl, NULL, 0);
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

int timeline_incident_get(struct timeline *tl, int64_t id, struct timeline_incident *out)
{
	if (!tl) {
		memset(out, 0, sizeof *out);
		return -1;
	}
	sqlite3_bind_int64(tl->st[ST_INC_GET], 1, id);
	int rc = timeline_db_read_incident(tl, tl->st[ST_INC_GET], out);
	if (rc >= 0)
		timeline_db_clearerr(tl);
	return rc;
}

int timeline_incident_current(struct timeline *tl, struct timeline_incident *out)
{
	if (!tl) {
		memset(out, 0, sizeof *out);
		return -1;
	}
	int rc = timeline_db_read_incident(tl, tl->st[ST_INC_CURRENT], out);
	if (rc >= 0)
		timeline_db_clearerr(tl);
	return rc;
}

static bool sev_ok(struct timeline *tl, int sev)
{
	if (sev >= 1 && sev <= 4)
		return true;
	timeline_db_seterr(tl, NULL, 0, "timeline: SEV must be 1 to 4, not %d", sev);
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
		timeline_db_seterr(tl, NULL, 0, "timeline: an incident needs a title");
		return -1;
	}
	if (!sev_ok(tl, sev))
		return -1;
	char *red = timeline_redact(title);
	if (!red) {
		timeline_db_seterr(tl, NULL, 0, "timeline: out of memory");
		return -1;
	}
	char t[sizeof ((struct timeline_incident *)0)->title];
	timeline_db_copy_utf8(t, sizeof t, red);
	free(red);

	timeline_db_patience(tl, true);
	int64_t id = incident_insert(tl, t, sev);
	timeline_db_patience(tl, false);
	return id;
}

static int64_t incident_insert(struct timeline *tl, const char *t, int sev)
{
	if (timeline_db_begin(tl, NULL, 0) != 0)
		return -1;
	struct timeline_incident cur;
	int found = timeline_db_read_incident(tl, tl->st[ST_INC_CURRENT], &cur);
	if (found != 0) {
		if (found > 0)
			timeline_db_seterr(tl, NULL, 0, "timeline: incident #%lld \"%s\" (SEV-%d) is still open; "
			       "close it before opening another", (long long)cur.id, cur.title, cur.sev);
		timeline_db_rollback(tl);
		return -1;
	}
	sqlite3_stmt *s = tl->st[ST_INC_INSERT];
	sqlite3_bind_text(s, 1, t, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 2, sev);
	sqlite3_bind_int64(s, 3, now_ms());
	sqlite3_bind_text(s, 4, tl->actor, -1, SQLITE_STATIC);
	int rc = sqlite3_step(s);
	if (rc != SQLITE_DONE)
		timeline_db_write_failed(tl, NULL, 0);
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	if (rc != SQLITE_DONE) {
		timeline_db_rollback(tl);
		return -1;
	}
	int64_t id = sqlite3_last_insert_rowid(tl->db);
	if (timeline_db_commit(tl, NULL, 0) != 0)
		return -1;
	tl->writes++;
	timeline_db_clearerr(tl);
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
		timeline_db_write_failed(tl, NULL, 0);
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return -1;
	if (sqlite3_changes(tl->db) == 0) {
		s = tl->st[ST_INC_EXISTS];
		sqlite3_bind_int64(s, 1, id);
		rc = sqlite3_step(s);
		sqlite3_reset(s);
		timeline_db_seterr(tl, NULL, 0, rc == SQLITE_ROW ? "timeline: cannot %s incident #%lld: already closed"
		                   : "timeline: cannot %s incident #%lld: no such incident", what, (long long)id);
		return -1;
	}
	tl->writes++;
	timeline_db_clearerr(tl);
	return 0;
}

int timeline_incident_close(struct timeline *tl, int64_t id)
{
	if (!tl)
		return -1;
	timeline_db_patience(tl, true);
	int rc = incident_update(tl, ST_INC_CLOSE, id, now_ms(), "close");
	timeline_db_patience(tl, false);
	return rc;
}

int timeline_incident_set_sev(struct timeline *tl, int64_t id, int sev)
{
	if (!tl || !sev_ok(tl, sev))
		return -1;
	timeline_db_patience(tl, true);
	int rc = incident_update(tl, ST_INC_SEV, id, sev, "set the SEV of");
	timeline_db_patience(tl, false);
	return rc;
}
