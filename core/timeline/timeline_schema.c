/* timeline_schema — the timeline's schema and its migrations. The version
 * lives in PRAGMA user_version; migrations[] is applied in order from the
 * file's version to the newest, in one transaction. */
#include <stdio.h>

#include "timeline_priv.h"

/* Version N of the schema is migrations[N-1]. Add a version by appending. */
static const char *const migrations[] = {
	/* v1: incidents and their events; at most one incident open at a time */
	"CREATE TABLE incidents ("
	"  id INTEGER PRIMARY KEY,"
	"  title TEXT NOT NULL,"
	"  sev INTEGER NOT NULL CHECK (sev BETWEEN 1 AND 4),"
	"  opened_ms INTEGER NOT NULL,"
	"  closed_ms INTEGER,"
	"  commander TEXT NOT NULL DEFAULT '');"
	"CREATE UNIQUE INDEX incidents_one_open ON incidents ((closed_ms IS NULL))"
	"  WHERE closed_ms IS NULL;"
	"CREATE TABLE events ("
	"  id INTEGER PRIMARY KEY,"
	"  incident_id INTEGER REFERENCES incidents(id),"
	"  ts_ms INTEGER NOT NULL,"
	"  actor TEXT NOT NULL,"
	"  kind TEXT NOT NULL,"
	"  summary TEXT NOT NULL,"
	"  detail TEXT);"
	"CREATE INDEX events_ts ON events (ts_ms);",
	/* v2: the per-incident view reads one incident's events in time order */
	"CREATE INDEX events_incident_ts ON events (incident_id, ts_ms);",
	/* v3: one audit record per action run, whatever its outcome */
	"CREATE TABLE audit ("
	"  id INTEGER PRIMARY KEY,"
	"  incident_id INTEGER REFERENCES incidents(id),"
	"  started_ms INTEGER NOT NULL,"
	"  ended_ms INTEGER NOT NULL,"
	"  actor TEXT NOT NULL,"
	"  via TEXT NOT NULL,"
	"  action TEXT NOT NULL,"
	"  args TEXT,"
	"  confirmation TEXT NOT NULL DEFAULT '',"
	"  outcome TEXT NOT NULL,"
	"  summary TEXT NOT NULL);"
	"CREATE INDEX audit_started ON audit (started_ms);",
	/* runbook progress: the runbook walked, and each item's state, so a
	 * console that died resumes at its step */
	"CREATE TABLE runbook_runs ("
	"  id INTEGER PRIMARY KEY,"
	"  incident_id INTEGER REFERENCES incidents(id),"
	"  name TEXT NOT NULL,"
	"  path TEXT NOT NULL,"
	"  alert TEXT NOT NULL DEFAULT '',"
	"  vars TEXT,"
	"  started_ms INTEGER NOT NULL,"
	"  ended_ms INTEGER,"
	"  cursor INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE runbook_items ("
	"  run_id INTEGER NOT NULL REFERENCES runbook_runs(id),"
	"  item INTEGER NOT NULL,"
	"  hash TEXT NOT NULL,"
	"  state TEXT NOT NULL,"
	"  exit_code INTEGER,"
	"  duration_ms INTEGER,"
	"  reason TEXT NOT NULL DEFAULT '',"
	"  updated_ms INTEGER NOT NULL,"
	"  PRIMARY KEY (run_id, item));",
	/* v4: an incident's status, scribe and clocks (first response, contained,
	 * recovered), and the golden signals as they were when an action ran */
	"ALTER TABLE incidents ADD COLUMN status TEXT NOT NULL DEFAULT 'investigating';"
	"ALTER TABLE incidents ADD COLUMN scribe TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE incidents ADD COLUMN acked_ms INTEGER;"
	"ALTER TABLE incidents ADD COLUMN contained_ms INTEGER;"
	"ALTER TABLE incidents ADD COLUMN recovered_ms INTEGER;"
	"ALTER TABLE audit ADD COLUMN signals TEXT;",
	/* v6: the timeline view searches the whole database, not the events in
	 * memory: a word index (FTS5, kept by triggers) and one by kind */
	"CREATE VIRTUAL TABLE events_fts USING fts5(summary, actor, kind, detail, content='events',"
	"  content_rowid='id');"
	"CREATE TRIGGER events_fts_insert AFTER INSERT ON events BEGIN"
	"  INSERT INTO events_fts (rowid, summary, actor, kind, detail)"
	"  VALUES (new.id, new.summary, new.actor, new.kind, new.detail); END;"
	"CREATE TRIGGER events_fts_delete AFTER DELETE ON events BEGIN"
	"  INSERT INTO events_fts (events_fts, rowid, summary, actor, kind, detail)"
	"  VALUES ('delete', old.id, old.summary, old.actor, old.kind, old.detail); END;"
	"CREATE TRIGGER events_fts_update AFTER UPDATE ON events BEGIN"
	"  INSERT INTO events_fts (events_fts, rowid, summary, actor, kind, detail)"
	"  VALUES ('delete', old.id, old.summary, old.actor, old.kind, old.detail);"
	"  INSERT INTO events_fts (rowid, summary, actor, kind, detail)"
	"  VALUES (new.id, new.summary, new.actor, new.kind, new.detail); END;"
	"INSERT INTO events_fts (events_fts) VALUES ('rebuild');"
	"CREATE INDEX events_kind_ts ON events (kind, ts_ms);"
	/* an event that happened once is recorded once, whichever console on
	 * the database saw it: its detail's "once" key is unique in its incident */
	"CREATE UNIQUE INDEX events_once ON events (incident_id, kind,"
	"  (CASE WHEN json_valid(detail) THEN json_extract(detail, '$.once') END))"
	"  WHERE (CASE WHEN json_valid(detail) THEN json_extract(detail, '$.once') END) IS NOT NULL;",
};
#define SCHEMA_VERSION ((int)(sizeof migrations / sizeof migrations[0]))

static int user_version(struct timeline *tl, int *v)
{
	sqlite3_stmt *s;
	if (sqlite3_prepare_v2(tl->db, "PRAGMA user_version", -1, &s, NULL) != SQLITE_OK)
		return -1;
	int rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*v = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	return rc == SQLITE_ROW ? 0 : -1;
}

/* Brings the schema to SCHEMA_VERSION; two processes may race: the version
 * is re-read under the write lock. */
int timeline_schema_migrate(struct timeline *tl, char *err, size_t errlen)
{
	int v = 0;
	if (user_version(tl, &v) != 0) {
		int code = sqlite3_errcode(tl->db) & 0xff;
		if (code == SQLITE_NOTADB || code == SQLITE_CORRUPT)
			timeline_db_seterr(tl, err, errlen, "timeline: %s is not a timeline database (%s)",
			       tl->path, sqlite3_errmsg(tl->db));
		else
			timeline_db_seterr(tl, err, errlen, "timeline: cannot read %s: %s", tl->path,
			                   sqlite3_errmsg(tl->db));
		return -1;
	}
	if (v == SCHEMA_VERSION)
		return 0;
	if (v > SCHEMA_VERSION) {
		timeline_db_seterr(tl, err, errlen, "timeline: %s has schema version %d, newer than this warroom "
		       "understands (%d); use a newer warroom", tl->path, v, SCHEMA_VERSION);
		return -1;
	}
	char *msg = NULL;
	if (sqlite3_exec(tl->db, "BEGIN IMMEDIATE", NULL, NULL, &msg) != SQLITE_OK)
		goto fail;
	if (user_version(tl, &v) != 0)
		goto fail;
	for (; v < SCHEMA_VERSION; v++) {
		if (sqlite3_exec(tl->db, migrations[v], NULL, NULL, &msg) != SQLITE_OK)
			goto fail;
	}
	char sql[64];
	snprintf(sql, sizeof sql, "PRAGMA user_version = %d", SCHEMA_VERSION);
	if (sqlite3_exec(tl->db, sql, NULL, NULL, &msg) != SQLITE_OK ||
	    sqlite3_exec(tl->db, "COMMIT", NULL, NULL, &msg) != SQLITE_OK)
		goto fail;
	return 0;
fail:
	timeline_db_seterr(tl, err, errlen, "timeline: cannot upgrade %s to schema version %d: %s", tl->path,
	       SCHEMA_VERSION, msg ? msg : sqlite3_errmsg(tl->db));
	sqlite3_free(msg);
	if (!sqlite3_get_autocommit(tl->db))
		sqlite3_exec(tl->db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

int timeline_schema_version(void)
{
	return SCHEMA_VERSION;
}
