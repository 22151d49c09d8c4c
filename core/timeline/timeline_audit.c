/* timeline_audit — one record per action run: who ran what, with which
 * arguments, through which front-end, when, how long, the outcome and the
 * golden signals at that moment. Queued like events when another process
 * holds the write lock. */
#include <stdlib.h>
#include <string.h>

#include "timeline_priv.h"

/* ---- audit ------------------------------------------------------------- */

/* Binds a text column after redaction; the copy lives until the statement is reset. */
static void bind_redacted(sqlite3_stmt *s, int col, const char *text)
{
	char *red = timeline_redact(text ? text : "");

	sqlite3_bind_text(s, col, red ? red : "", -1, SQLITE_TRANSIENT);
	free(red);
}

int timeline_priv_insert_audit(struct timeline *tl, struct timeline_audit *a, char *err, size_t errlen)
{
	sqlite3_stmt *s = timeline_priv_stmt(tl, TL_STMT_AUDIT_INSERT);
	if (a->incident_id > 0)
		sqlite3_bind_int64(s, 1, a->incident_id);
	else
		sqlite3_bind_null(s, 1);
	sqlite3_bind_int64(s, 2, a->started_ms);
	sqlite3_bind_int64(s, 3, a->ended_ms);
	sqlite3_bind_text(s, 4, a->actor[0] ? a->actor : timeline_priv_actor(tl), -1, SQLITE_TRANSIENT);
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
	int rc = timeline_priv_step_result(tl, sqlite3_step(s), err, errlen);
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return rc;
}

int timeline_audit_append(struct timeline *tl, struct timeline_audit *a, char *err, size_t errlen)
{
	if (!tl || !a) {
		timeline_priv_seterr(tl, err, errlen, "timeline: not open");
		return -1;
	}
	struct timeline_incident inc;
	if (a->incident_id == 0 && timeline_incident_current(tl, &inc) == 1)
		a->incident_id = inc.id;
	int rc = timeline_priv_queueing(tl) ? 1 : timeline_priv_insert_audit(tl, a, err, errlen);
	if ((rc == 1 || rc == 2) && timeline_priv_nonblocking(tl)) {
		/* queued behind the others (or until the disk takes it); timeline_flush writes it */
		if (timeline_priv_enqueue_audit(tl, a) != 0)
			return -1;
		a->id = 0;
		return 0;
	}
	if (rc == 1)
		timeline_priv_write_failed(tl, err, errlen);
	if (rc != 0)
		return -1;
	a->id = sqlite3_last_insert_rowid(timeline_priv_db(tl));
	timeline_priv_wrote(tl);
	return 0;
}

int timeline_audit_list(struct timeline *tl, size_t limit, struct timeline_audit **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	if (!tl)
		return -1;
	sqlite3_stmt *s = timeline_priv_stmt(tl, TL_STMT_AUDIT_LIST);
	size_t cap = 0;
	int rc;
	sqlite3_bind_int64(s, 1, limit ? (sqlite3_int64)limit : -1);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (*n == cap) {
			size_t nc = cap ? cap * 2 : 16;
			struct timeline_audit *grown = realloc(*out, nc * sizeof **out);
			if (!grown)
				break;
			*out = grown;
			cap = nc;
		}
		struct timeline_audit *a = &(*out)[(*n)++];
		memset(a, 0, sizeof *a);
		a->id = sqlite3_column_int64(s, 0);
		a->incident_id = sqlite3_column_int64(s, 1);
		a->started_ms = sqlite3_column_int64(s, 2);
		a->ended_ms = sqlite3_column_int64(s, 3);
		timeline_priv_col_copy(a->actor, sizeof a->actor, s, 4);
		timeline_priv_col_copy(a->via, sizeof a->via, s, 5);
		timeline_priv_col_copy(a->action, sizeof a->action, s, 6);
		timeline_priv_col_copy(a->args, sizeof a->args, s, 7);
		timeline_priv_col_copy(a->confirmation, sizeof a->confirmation, s, 8);
		timeline_priv_col_copy(a->outcome, sizeof a->outcome, s, 9);
		timeline_priv_col_copy(a->summary, sizeof a->summary, s, 10);
		timeline_priv_col_copy(a->signals, sizeof a->signals, s, 11);
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		timeline_priv_read_failed(tl);
		free(*out);
		*out = NULL;
		*n = 0;
		return -1;
	}
	return 0;
}
