/* timeline_audit — one record per action run: who ran what, with which
 * arguments, through which front-end, when, how long, the outcome and the
 * golden signals at that moment. Queued like events when another process
 * holds the write lock. */
#include <stdlib.h>

#include "timeline_priv.h"

int timeline_audit_append(struct timeline *tl, struct timeline_audit *a, char *err, size_t errlen)
{
	if (!tl || !a) {
		timeline_db_seterr(tl, err, errlen, "timeline: not open");
		return -1;
	}
	struct timeline_incident inc;
	if (a->incident_id == 0 && !tl->db)   /* the open incident when written: none can be read now */
		a->incident_id = TIMELINE_INCIDENT_OPEN;
	else if (a->incident_id == 0 && timeline_db_incident_current(tl, &inc) == 1)
		a->incident_id = inc.id;
	int rc = !tl->db ? 2 : tl->queue ? 1 : timeline_db_insert_audit(tl, a, err, errlen);
	if ((rc == 1 || rc == 2) && tl->nonblocking) {
		/* queued behind the others (or until the disk takes it); timeline_flush writes it */
		if (timeline_queue_audit(tl, a) != 0)
			return -1;
		a->id = 0;
		return 0;
	}
	if (rc == 1)
		timeline_db_write_failed(tl, err, errlen);
	else if (rc == 2 && !tl->db)
		timeline_db_ready(tl, err, errlen);
	if (rc != 0) {
		struct timeline_pending p = { .audit = true, .a = *a };

		timeline_queue_to_file(tl, &p, err, errlen);
		return -1;
	}
	a->id = sqlite3_last_insert_rowid(tl->db);
	timeline_db_wrote(tl);
	return 0;
}

int timeline_audit_list(struct timeline *tl, size_t limit, struct timeline_audit **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	if (!tl || !timeline_db_ready(tl, NULL, 0))
		return -1;
	sqlite3_stmt *s = tl->st[ST_AUDIT_LIST];
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
		timeline_db_row_audit(s, &(*out)[(*n)++]);
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		timeline_db_read_failed(tl, NULL, 0);
		free(*out);
		*out = NULL;
		*n = 0;
		return -1;
	}
	return 0;
}
