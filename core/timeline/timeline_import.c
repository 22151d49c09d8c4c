/* timeline_import — `warroom timeline import FILE`: the records a fallback
 * file kept (timeline_fallback.c) brought into a database. The file may
 * hold records the database has already (a flush that got through just
 * before the process died): each is looked for first, by its time, actor,
 * kind, summary and detail (an audit record by its start, actor, action and
 * summary), and skipped when there. All of it goes in one transaction: a
 * file with a broken line adds nothing, and says which line. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "warroom/text.h"
#include "warroom/timeline.h"
#include "timeline_priv.h"

static const char *str(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : "";
}

static int64_t num(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsNumber(v) && v->valuedouble > -9e15 && v->valuedouble < 9e15 ? (int64_t)v->valuedouble : 0;
}

/* Text as the store keeps it: clean, one line, no known secret. */
static void field(char *dst, size_t len, const char *src)
{
	char *s = timeline_scrub(src);

	text_clean(dst, len, s ? s : "", (size_t)-1, 0);
	free(s);
}

/* The incident a record names, if this database has it; the one open now
 * for a record kept while none could be read; else none. */
static int64_t incident_here(struct timeline *tl, int64_t id)
{
	struct timeline_incident inc;
	sqlite3_stmt *s = tl->st[ST_INC_EXISTS];
	int rc;

	if (id == TIMELINE_INCIDENT_OPEN)
		return timeline_db_incident_current(tl, &inc) == 1 ? inc.id : 0;
	if (id <= 0)
		return 0;
	sqlite3_bind_int64(s, 1, id);
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	return rc == SQLITE_ROW ? id : 0;
}

/* 1 when the same record is there, 0 when not, -1 on a read error. */
static int there(sqlite3 *db, const char *sql, const char *const *text, int ntext, int64_t at,
                 const char *detail)
{
	sqlite3_stmt *s;
	int rc;

	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(s, 1, at);
	for (int i = 0; i < ntext; i++)
		sqlite3_bind_text(s, i + 2, text[i], -1, SQLITE_STATIC);
	if (sqlite3_bind_parameter_count(s) > ntext + 1) {   /* an event's detail */
		if (detail)
			sqlite3_bind_text(s, ntext + 2, detail, -1, SQLITE_STATIC);
		else
			sqlite3_bind_null(s, ntext + 2);
	}
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

static int import_event(struct timeline *tl, const cJSON *o, bool *added, char *err, size_t errlen)
{
	struct timeline_event e = { 0 };
	const cJSON *d = cJSON_GetObjectItemCaseSensitive(o, "detail");
	char *detail = NULL, *printed = NULL;
	int rc;

	e.ts_ms = num(o, "ts_ms");
	field(e.actor, sizeof e.actor, str(o, "actor"));
	field(e.kind, sizeof e.kind, str(o, "kind"));
	field(e.summary, sizeof e.summary, str(o, "summary"));
	if (!e.ts_ms || !e.kind[0]) {
		text_errf(err, errlen, "an event without its time or kind");
		return -1;
	}
	if (cJSON_IsObject(d)) {
		printed = cJSON_PrintUnformatted(d);
		/* as timeline_append stores it: compact, clean, no known secret */
		detail = printed ? timeline_priv_detail(printed, false, err, errlen) : NULL;
		cJSON_free(printed);
		if (!detail)
			return -1;
	}
	const char *key[] = { e.actor, e.kind, e.summary };
	rc = there(tl->db, "SELECT 1 FROM events WHERE ts_ms = ?1 AND actor = ?2 AND kind = ?3 AND summary = ?4"
	           " AND detail IS ?5 LIMIT 1", key, 3, e.ts_ms, detail);
	if (rc == 0) {
		e.incident_id = incident_here(tl, num(o, "incident_id"));
		e.detail_json = detail;
		rc = timeline_db_insert_event(tl, &e, err, errlen) == 0 ? 0 : -1;
		*added = rc == 0;
	} else if (rc < 0) {
		timeline_db_read_failed(tl, err, errlen);
	}
	free(detail);
	return rc < 0 ? -1 : 0;
}

static int import_audit(struct timeline *tl, const cJSON *o, bool *added, char *err, size_t errlen)
{
	struct timeline_audit a = { 0 };
	int rc;

	a.started_ms = num(o, "started_ms");
	a.ended_ms = num(o, "ended_ms");
	field(a.actor, sizeof a.actor, str(o, "actor"));
	field(a.via, sizeof a.via, str(o, "via"));
	field(a.action, sizeof a.action, str(o, "action"));
	text_copy(a.args, sizeof a.args, str(o, "args"));
	field(a.confirmation, sizeof a.confirmation, str(o, "confirmation"));
	field(a.outcome, sizeof a.outcome, str(o, "outcome"));
	field(a.summary, sizeof a.summary, str(o, "summary"));
	text_copy(a.signals, sizeof a.signals, str(o, "signals"));
	if (!a.started_ms || !a.action[0]) {
		text_errf(err, errlen, "an audit record without its start or action");
		return -1;
	}
	const char *key[] = { a.actor, a.action, a.summary };
	rc = there(tl->db, "SELECT 1 FROM audit WHERE started_ms = ?1 AND actor = ?2 AND action = ?3"
	           " AND summary = ?4 LIMIT 1", key, 3, a.started_ms, NULL);
	if (rc == 0) {
		a.incident_id = incident_here(tl, num(o, "incident_id"));
		rc = timeline_db_insert_audit(tl, &a, err, errlen) == 0 ? 0 : -1;
		*added = rc == 0;
	} else if (rc < 0) {
		timeline_db_read_failed(tl, err, errlen);
	}
	return rc < 0 ? -1 : 0;
}

static int import_lines(struct timeline *tl, FILE *f, const char *path, size_t *added, size_t *skipped,
                        char *err, size_t errlen)
{
	char *line = NULL, why[512];
	size_t cap = 0;
	long no = 0;
	int rc = 0;

	while (rc == 0 && getline(&line, &cap, f) >= 0) {
		cJSON *o;
		bool in = false;

		no++;
		if (!*text_skip_blanks(line))
			continue;
		o = cJSON_Parse(line);
		why[0] = '\0';
		if (no == 1) {
			if (!o || strcmp(str(o, "warroom"), FALLBACK_MAGIC) != 0)
				snprintf(why, sizeof why, "not a file of unsaved timeline records (its first line says "
				         "what it is: \"warroom\": \"" FALLBACK_MAGIC "\")");
		} else if (!cJSON_IsObject(o)) {
			snprintf(why, sizeof why, "not a JSON object");
		} else if (strcmp(str(o, "type"), "event") == 0) {
			if (import_event(tl, o, &in, why, sizeof why) == 0)
				(in ? (*added)++ : (*skipped)++);
		} else if (strcmp(str(o, "type"), "audit") == 0) {
			if (import_audit(tl, o, &in, why, sizeof why) == 0)
				(in ? (*added)++ : (*skipped)++);
		} else {
			snprintf(why, sizeof why, "a record of unknown type \"%.40s\"", str(o, "type"));
		}
		cJSON_Delete(o);
		if (why[0]) {
			text_errf(err, errlen, "%s, line %ld: %s", path, no, why);
			rc = -1;
		}
	}
	if (rc == 0 && ferror(f)) {
		text_errf(err, errlen, "cannot read %s: %s", path, strerror(errno));
		rc = -1;
	} else if (rc == 0 && no == 0) {
		text_errf(err, errlen, "%s is empty", path);
		rc = -1;
	}
	free(line);
	return rc;
}

int timeline_import(struct timeline *tl, const char *path, size_t *added, size_t *skipped, char *err,
                    size_t errlen)
{
	FILE *f;
	int rc;

	*added = *skipped = 0;
	if (!timeline_db_ready(tl, err, errlen))
		return -1;
	if (!(f = fopen(path, "r"))) {
		text_errf(err, errlen, "cannot read %s: %s", path, strerror(errno));
		return -1;
	}
	if (timeline_db_begin(tl, err, errlen) != 0) {
		fclose(f);
		return -1;
	}
	rc = import_lines(tl, f, path, added, skipped, err, errlen);
	fclose(f);
	if (rc != 0) {
		timeline_db_rollback(tl);
		*added = *skipped = 0;
		return -1;
	}
	if (timeline_db_commit(tl, err, errlen) != 0) {
		*added = *skipped = 0;
		return -1;
	}
	tl->writes += *added;
	return 0;
}
