/* Runbook progress in the timeline's SQLite file, on a connection of its
 * own (the timeline's migration made the tables): every change is on disk
 * when the call returns, so a console killed mid-step resumes there. */
#include "warroom/runbook.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "warroom/loop.h"
#include "warroom/text.h"

struct runbook_store {
	sqlite3 *db;
	char err[300];
};

static const char *const state_names[] = {
	[RBS_PENDING] = "pending", [RBS_RUNNING] = "running", [RBS_DONE] = "done", [RBS_FAILED] = "failed",
	[RBS_SKIPPED] = "skipped", [RBS_INTERRUPTED] = "interrupted", [RBS_CANCELLED] = "cancelled",
};

const char *runbook_state_name(enum runbook_state s)
{
	return s <= RBS_CANCELLED ? state_names[s] : "pending";
}

enum runbook_state runbook_state_parse(const char *s)
{
	for (size_t i = 0; i < sizeof state_names / sizeof state_names[0]; i++)
		if (s && strcmp(s, state_names[i]) == 0)
			return (enum runbook_state)i;
	return RBS_PENDING;
}

static int failed(struct runbook_store *st, const char *what)
{
	snprintf(st->err, sizeof st->err, "runbook progress: cannot %s: %s", what, sqlite3_errmsg(st->db));
	return -1;
}

struct runbook_store *runbook_store_open(const char *db_path, char *err, size_t errlen)
{
	struct runbook_store *st = calloc(1, sizeof *st);
	sqlite3_stmt *s = NULL;

	if (!st) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (sqlite3_open_v2(db_path, &st->db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "runbook progress: cannot open %s: %s", db_path,
		         st->db ? sqlite3_errmsg(st->db) : "out of memory");
		sqlite3_close(st->db);
		free(st);
		return NULL;
	}
	sqlite3_busy_timeout(st->db, 5000);
	sqlite3_exec(st->db, "PRAGMA synchronous=FULL", NULL, NULL, NULL);
	if (sqlite3_prepare_v2(st->db, "SELECT 1 FROM runbook_runs LIMIT 1", -1, &s, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "runbook progress: %s has no runbook tables (an older warroom made it?)", db_path);
		sqlite3_finalize(s);
		sqlite3_close(st->db);
		free(st);
		return NULL;
	}
	sqlite3_finalize(s);
	return st;
}

void runbook_store_close(struct runbook_store *st)
{
	if (!st)
		return;
	sqlite3_close(st->db);
	free(st);
}

const char *runbook_store_error(const struct runbook_store *st)
{
	return st ? st->err : "";
}

/* Binds by a little format: i int64, t text, n null-when-negative int64. */
static int exec_bound(struct runbook_store *st, const char *sql, const char *what, const char *fmt, ...)
{
	sqlite3_stmt *s;
	va_list ap;
	int rc, col = 1;

	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK)
		return failed(st, what);
	va_start(ap, fmt);
	for (const char *f = fmt; *f; f++, col++) {
		if (*f == 'i') {
			sqlite3_bind_int64(s, col, va_arg(ap, int64_t));
		} else if (*f == 't') {
			const char *t = va_arg(ap, const char *);

			sqlite3_bind_text(s, col, t ? t : "", -1, SQLITE_TRANSIENT);
		} else {
			int64_t v = va_arg(ap, int64_t);

			if (v < 0)
				sqlite3_bind_null(s, col);
			else
				sqlite3_bind_int64(s, col, v);
		}
	}
	va_end(ap);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return failed(st, what);
	return 0;
}

int64_t runbook_store_begin(struct runbook_store *st, int64_t incident_id, const char *name, const char *path,
                            const char *alert, const char *vars_json)
{
	int64_t now = loop_wall_ms();

	if (sqlite3_exec(st->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return failed(st, "record the runbook's start");
	if (exec_bound(st, "UPDATE runbook_runs SET ended_ms = ?1 WHERE ended_ms IS NULL", "end the last runbook",
	               "i", now) != 0 ||
	    exec_bound(st, "INSERT INTO runbook_runs (incident_id, name, path, alert, vars, started_ms)"
	               " VALUES (?1, ?2, ?3, ?4, ?5, ?6)", "record the runbook's start", "ntttti",
	               incident_id > 0 ? incident_id : (int64_t)-1, name, path, alert, vars_json, now) != 0) {
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	if (sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		failed(st, "record the runbook's start");
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	return sqlite3_last_insert_rowid(st->db);
}

int runbook_store_item(struct runbook_store *st, int64_t run, size_t item, const char *hash, const char *state,
                       int exit_code, int64_t duration_ms, const char *reason)
{
	return exec_bound(st, "INSERT OR REPLACE INTO runbook_items (run_id, item, hash, state, exit_code,"
	                  " duration_ms, reason, updated_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
	                  "record a step", "iittnnti", run, (int64_t)item, hash, state, (int64_t)exit_code,
	                  duration_ms, reason, loop_wall_ms());
}

int runbook_store_vars(struct runbook_store *st, int64_t run, const char *vars_json)
{
	return exec_bound(st, "UPDATE runbook_runs SET vars = ?2 WHERE id = ?1", "record the values given", "it",
	                  run, vars_json);
}

int runbook_store_cursor(struct runbook_store *st, int64_t run, size_t cursor)
{
	return exec_bound(st, "UPDATE runbook_runs SET cursor = ?2 WHERE id = ?1", "record the position", "ii", run,
	                  (int64_t)cursor);
}

static void col(char *dst, size_t len, sqlite3_stmt *s, int c)
{
	const unsigned char *t = sqlite3_column_text(s, c);

	text_copy(dst, len, t ? (const char *)t : "");
}

int runbook_store_latest(struct runbook_store *st, struct runbook_store_run *out)
{
	sqlite3_stmt *s;
	int rc;

	memset(out, 0, sizeof *out);
	if (sqlite3_prepare_v2(st->db, "SELECT id, incident_id, name, path, alert, vars, cursor FROM runbook_runs"
	                       " WHERE ended_ms IS NULL ORDER BY id DESC LIMIT 1", -1, &s, NULL) != SQLITE_OK)
		return failed(st, "read the runbook's progress");
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		const unsigned char *v = sqlite3_column_text(s, 5);

		out->id = sqlite3_column_int64(s, 0);
		out->incident_id = sqlite3_column_int64(s, 1);
		col(out->name, sizeof out->name, s, 2);
		col(out->path, sizeof out->path, s, 3);
		col(out->alert, sizeof out->alert, s, 4);
		out->vars = strdup(v ? (const char *)v : "{}");
		out->cursor = (size_t)sqlite3_column_int64(s, 6);
	}
	sqlite3_finalize(s);
	if (rc == SQLITE_ROW && !out->vars) {
		snprintf(st->err, sizeof st->err, "runbook progress: cannot read the runbook's variables: out of memory");
		return -1;
	}
	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	return failed(st, "read the runbook's progress");
}

int runbook_store_items(struct runbook_store *st, int64_t run, runbook_store_item_fn fn, void *arg)
{
	sqlite3_stmt *s;
	int rc;

	if (sqlite3_prepare_v2(st->db, "SELECT item, hash, state, exit_code, duration_ms, reason FROM runbook_items"
	                       " WHERE run_id = ?1 ORDER BY item", -1, &s, NULL) != SQLITE_OK)
		return failed(st, "read the runbook's steps");
	sqlite3_bind_int64(s, 1, run);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		fn(arg, (size_t)sqlite3_column_int64(s, 0), (const char *)sqlite3_column_text(s, 1),
		   (const char *)sqlite3_column_text(s, 2),
		   sqlite3_column_type(s, 3) == SQLITE_NULL ? -1 : sqlite3_column_int(s, 3),
		   sqlite3_column_type(s, 4) == SQLITE_NULL ? -1 : sqlite3_column_int64(s, 4),
		   (const char *)sqlite3_column_text(s, 5));
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : failed(st, "read the runbook's steps");
}
