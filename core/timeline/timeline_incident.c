/* timeline_incident — the incident row's later writes: the first
 * acknowledgement, the status with its clocks, the roles. The incident's
 * meaning (names, the response clock) is core/incident/'s; this is storage. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "warroom/text.h"
#include "warroom/timeline.h"
#include "timeline_priv.h"

/* A busy lock is retried a few times, each waiting a little
 * (timeline_db_patience): an operator's change must not be lost to another's write. */
#define BUSY_TRIES 3

/* Runs one UPDATE of incident id; returns the rows changed or -1. */
static int update(struct timeline *tl, const char *sql, int64_t id, int64_t v, const char *text, int64_t v2)
{
	sqlite3 *db = tl->db;
	sqlite3_stmt *s = NULL;
	int rc = SQLITE_ERROR;

	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK) {
		timeline_db_write_failed(tl, NULL, 0);
		return -1;
	}
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, v);
	if (text)
		sqlite3_bind_text(s, 3, text, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 4, v2);
	timeline_db_patience(tl, true);
	for (int i = 0; i < BUSY_TRIES; i++) {
		rc = sqlite3_step(s);
		sqlite3_reset(s);
		if (!timeline_db_busy(rc))
			break;
	}
	timeline_db_patience(tl, false);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE) {
		timeline_db_write_failed(tl, NULL, 0);
		return -1;
	}
	rc = sqlite3_changes(db);
	timeline_db_wrote(tl);
	return rc;
}

static int must_be_open(struct timeline *tl, int64_t id)
{
	struct timeline_incident inc;

	if (!timeline_db_ready(tl, NULL, 0))
		return -1;
	if (timeline_incident_get(tl, id, &inc) != 1 || inc.id != id) {
		timeline_db_seterr(tl, NULL, 0, "timeline: no such incident");
		return -1;
	}
	if (inc.closed_ms) {
		timeline_db_seterr(tl, NULL, 0, "timeline: the incident is closed already");
		return -1;
	}
	return 0;
}

int timeline_incident_ack(struct timeline *tl, int64_t id, int64_t when_ms)
{
	int n;

	if (!tl || must_be_open(tl, id) != 0)
		return -1;
	n = update(tl, "UPDATE incidents SET acked_ms = ?2 WHERE id = ?1 AND acked_ms IS NULL", id, when_ms, NULL, 0);
	return n < 0 ? -1 : n == 0 ? 1 : 0;
}

int timeline_incident_set_status(struct timeline *tl, int64_t id, const char *status, int clock, int64_t when_ms)
{
	if (!tl || !status || must_be_open(tl, id) != 0)
		return -1;
	/* recovered implies contained: the clocks stay in order */
	if (update(tl, "UPDATE incidents SET status = ?3,"
	           " contained_ms = CASE WHEN ?4 BETWEEN 1 AND 2 THEN coalesce(contained_ms, ?2) ELSE contained_ms END,"
	           " recovered_ms = CASE WHEN ?4 = 2 THEN coalesce(recovered_ms, ?2) ELSE recovered_ms END"
	           " WHERE id = ?1", id, when_ms, status, (int64_t)clock) < 0)
		return -1;
	return 0;
}

int timeline_incident_set_role(struct timeline *tl, int64_t id, bool scribe, const char *name)
{
	char *red;
	int rc;

	if (!tl || !name || !*name || must_be_open(tl, id) != 0) {
		if (tl && (!name || !*name))
			timeline_db_seterr(tl, NULL, 0, "timeline: a role needs a name");
		return -1;
	}
	red = timeline_redact(name);
	if (!red)
		return -1;
	text_clean_buf(red, strlen(red) + 1, 0);   /* a name is one line */
	rc = update(tl, scribe ? "UPDATE incidents SET scribe = ?3 WHERE id = ?1"
	            : "UPDATE incidents SET commander = ?3 WHERE id = ?1", id, 0, red, 0);
	free(red);
	return rc < 0 ? -1 : 0;
}
