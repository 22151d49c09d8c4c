/* timeline_queue — the console's writes that the database did not take yet.
 *
 * Two reasons keep a write in memory: another process holds the write lock
 * (the loop never waits for it), or the disk refuses it (full, remounted
 * read-only, an I/O error). Either way the write is kept, in order, later
 * writes queue behind it, the views show it, and timeline_flush writes the
 * queue oldest first once the database takes writes again: nothing is lost
 * while the console runs. The command line keeps failing in words instead:
 * it has no later to retry in. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "timeline_priv.h"

/* The console's loop must not wait on another process' write lock: a busy
 * write is queued at once and retried from its timer. Not even a short
 * sleep: on a crowded bastion a 1 ms sleep can cost the keys 30 ms. */
#define BUSY_TIMEOUT_NB_MS 0
/* An incident's own row (declare, SEV, close) cannot be queued: the
 * operator waits for it, this long at most, then is told to try again. */
#define BUSY_TIMEOUT_ROW_MS 50
/* A day of a busy incident is a few thousand events; this bound only stops
 * a runaway writer from taking the machine's memory with it. */
#define QUEUE_MAX 100000

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

int timeline_priv_step_result(struct timeline *tl, int rc, char *err, size_t errlen)
{
	enum timeline_disk d;

	if (rc == SQLITE_DONE)
		return 0;
	if (timeline_priv_busy(rc))
		return 1;
	timeline_priv_write_failed(tl, err, errlen);
	d = disk_trouble(tl->db, rc);
	if (d == TL_DISK_OK)
		return -1;
	tl->disk = d;
	return 2;
}

static void enqueue(struct timeline *tl, struct timeline_pending *p)
{
	if (!tl->queue)
		tl->queue_tail = &tl->queue;
	*tl->queue_tail = p;
	tl->queue_tail = &p->next;
	tl->nqueue++;
	tl->nqueue_events += !p->audit;
	tl->queued++;
}

static struct timeline_pending *pending_new(struct timeline *tl)
{
	struct timeline_pending *p = NULL;

	if (tl->nqueue >= QUEUE_MAX) {
		snprintf(tl->err, sizeof tl->err, "timeline: %zu writes are waiting for %s already; this one is not kept",
		         tl->nqueue, tl->path);
		return NULL;
	}
	p = calloc(1, sizeof *p);
	if (!p)
		snprintf(tl->err, sizeof tl->err, "timeline: out of memory");
	return p;
}

int timeline_priv_enqueue_event(struct timeline *tl, struct timeline_event *ev)
{
	struct timeline_pending *p = pending_new(tl);

	if (!p)
		return -1;
	p->ev = *ev;
	p->ev.id = 0;
	ev->detail_json = NULL;
	enqueue(tl, p);
	return 0;
}

int timeline_priv_enqueue_audit(struct timeline *tl, const struct timeline_audit *a)
{
	struct timeline_pending *p = pending_new(tl);

	if (!p)
		return -1;
	p->audit = true;
	p->a = *a;
	enqueue(tl, p);
	return 0;
}

static void pop(struct timeline *tl)
{
	struct timeline_pending *p = tl->queue;

	tl->queue = p->next;
	tl->nqueue--;
	tl->nqueue_events -= !p->audit;
	free(p->ev.detail_json);
	free(p);
}

void timeline_priv_queue_drop(struct timeline *tl)
{
	while (tl->queue)
		pop(tl);
}

static int write_one(struct timeline *tl, struct timeline_pending *p)
{
	return p->audit ? timeline_priv_insert_audit(tl, &p->a, NULL, 0) :
	       timeline_priv_insert_event(tl, &p->ev, NULL, 0);
}

/* Writes the first n of the queue in one transaction: one sync for all of
 * them, so a backlog costs the loop one disk flush, not one per event.
 * Returns how many went in (0: none, the queue as it was). */
static size_t write_batch(struct timeline *tl, size_t n)
{
	size_t done = 0;
	int rc = sqlite3_step(tl->st[ST_BEGIN]);

	sqlite3_reset(tl->st[ST_BEGIN]);
	if (rc != SQLITE_DONE) {
		/* the lock still another's, or the disk still refusing: next time */
		timeline_priv_step_result(tl, rc, NULL, 0);
		return 0;
	}
	for (struct timeline_pending *p = tl->queue; p && done < n; p = p->next, done++)
		if (write_one(tl, p) != 0)
			break;   /* a failure in tl->err: what is left stays queued, nothing lost */
	if (done > 0) {
		rc = sqlite3_step(tl->st[ST_COMMIT]);
		sqlite3_reset(tl->st[ST_COMMIT]);
		if (timeline_priv_step_result(tl, rc, NULL, 0) != 0)
			done = 0;
	}
	if (!sqlite3_get_autocommit(tl->db)) {
		sqlite3_step(tl->st[ST_ROLLBACK]);
		sqlite3_reset(tl->st[ST_ROLLBACK]);
	}
	for (size_t i = 0; i < done; i++) {
		pop(tl);
		tl->writes++;
	}
	return done;
}

size_t timeline_flush(struct timeline *tl)
{
	if (!tl || !tl->queue)
		return tl ? tl->nqueue : 0;
	/* After a disk refusal the oldest write alone tries first: a disk still
	 * full costs one insert, not the whole backlog written and rolled back. */
	if (tl->disk != TL_DISK_OK && write_batch(tl, 1) == 0)
		return tl->nqueue;
	tl->disk = TL_DISK_OK;
	if (tl->queue)
		write_batch(tl, tl->nqueue);
	if (!tl->queue)
		tl->err[0] = '\0';
	return tl->nqueue;
}

size_t timeline_pending(const struct timeline *tl)
{
	return tl ? tl->nqueue : 0;
}

const char *timeline_unsaved(const struct timeline *tl)
{
	if (!tl || !tl->queue)
		return "";
	switch (tl->disk) {
	case TL_DISK_FULL: return "disk full";
	case TL_DISK_READONLY: return "disk read-only";
	case TL_DISK_IOERR: return "disk I/O error";
	default: return "";
	}
}

size_t timeline_unsaved_events(const struct timeline *tl)
{
	return tl ? tl->nqueue_events : 0;
}

static bool shown_in(const struct timeline_pending *p, int64_t incident_id)
{
	if (p->audit)
		return false;
	return incident_id < 0 || (incident_id == 0 ? p->ev.incident_id <= 0 : p->ev.incident_id == incident_id);
}

size_t timeline_priv_queue_list(struct timeline *tl, int64_t incident_id, size_t offset, size_t limit,
                                struct timeline_event **evs, size_t *cnt, size_t *cap)
{
	size_t total = 0, i = 0;
	const struct timeline_pending **v;

	for (const struct timeline_pending *p = tl->queue; p; p = p->next)
		total += shown_in(p, incident_id);
	if (total <= offset)
		return total;
	/* the queue runs oldest first; the list wants the newest first */
	v = malloc(total * sizeof *v);
	if (!v)
		return (size_t)-1;
	for (const struct timeline_pending *p = tl->queue; p; p = p->next)
		if (shown_in(p, incident_id))
			v[i++] = p;
	for (size_t k = offset; k < total && (!limit || *cnt < limit); k++) {
		const struct timeline_event *src = &v[total - 1 - k]->ev;
		struct timeline_event *e;

		if (*cnt == *cap) {
			size_t ncap = *cap ? *cap * 2 : 32;
			struct timeline_event *n = realloc(*evs, ncap * sizeof *n);

			if (!n) {
				free(v);
				return (size_t)-1;
			}
			*evs = n;
			*cap = ncap;
		}
		e = &(*evs)[(*cnt)++];
		*e = *src;
		e->detail_json = src->detail_json ? strdup(src->detail_json) : NULL;
		if (src->detail_json && !e->detail_json) {
			(*cnt)--;
			free(v);
			return (size_t)-1;
		}
	}
	free(v);
	return total;
}

void timeline_priv_patience(struct timeline *tl, bool on)
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

bool timeline_priv_queueing(const struct timeline *tl)
{
	return tl->queue != NULL;
}

bool timeline_priv_nonblocking(const struct timeline *tl)
{
	return tl->nonblocking;
}
