/* timeline_queue — the console's writes that the database did not take yet.
 *
 * Three reasons keep a write in memory: another process holds the write
 * lock (the loop never waits for it), the disk refuses it (full, remounted
 * read-only, an I/O error), or the database could not be opened at all (its
 * folder missing, a read-only or full disk at start). Whichever, the write
 * is kept, in order, later writes queue behind it, the views show it, the
 * fallback file holds it too (timeline_fallback.c), and timeline_flush
 * writes the queue oldest first once the database takes writes again,
 * opening it first if need be, waiting longer after each refusal: nothing
 * is lost while the console runs, nor when it is killed. The command line
 * keeps failing in words instead (its failed writes go to the fallback file
 * only): it has no later to retry in. How long a write waits for the lock
 * and what a failed step means are the connection's (timeline_db.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "warroom/timeline.h"
#include "timeline_priv.h"

/* A day of a busy incident is a few thousand events; this bound only stops
 * a runaway writer from taking the machine's memory with it. */
#define QUEUE_MAX 100000

static void enqueue(struct timeline *tl, struct timeline_pending *p)
{
	if (!tl->queue)
		tl->queue_tail = &tl->queue;
	*tl->queue_tail = p;
	tl->queue_tail = &p->next;
	tl->nqueue++;
	tl->nqueue_events += !p->audit;
	tl->queued++;
	/* should the file fail too, memory still holds it, and the exit says so */
	timeline_fallback_add(tl, p);
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

int timeline_queue_event(struct timeline *tl, struct timeline_event *ev)
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

int timeline_queue_audit(struct timeline *tl, const struct timeline_audit *a)
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

void timeline_queue_drop(struct timeline *tl)
{
	while (tl->queue)
		pop(tl);
}

static int write_one(struct timeline *tl, struct timeline_pending *p)
{
	int64_t *inc = p->audit ? &p->a.incident_id : &p->ev.incident_id;

	if (*inc == TIMELINE_INCIDENT_OPEN) {
		struct timeline_incident cur;

		/* kept while the database was not open: the incident open now */
		*inc = timeline_db_incident_current(tl, &cur) == 1 ? cur.id : 0;
	}
	return p->audit ? timeline_db_insert_audit(tl, &p->a, NULL, 0) :
	       timeline_db_insert_event(tl, &p->ev, NULL, 0);
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
		timeline_db_step_result(tl, rc, NULL, 0);
		return 0;
	}
	for (struct timeline_pending *p = tl->queue; p && done < n; p = p->next, done++)
		if (write_one(tl, p) != 0)
			break;   /* a failure in tl->err: what is left stays queued, nothing lost */
	if (done > 0) {
		rc = sqlite3_step(tl->st[ST_COMMIT]);
		sqlite3_reset(tl->st[ST_COMMIT]);
		if (timeline_db_step_result(tl, rc, NULL, 0) != 0)
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

/* Another try is due after a refusal, the wait doubled for the next one. */
static bool retry_due(struct timeline *tl)
{
	return timeline_mono_ms() >= tl->retry_at_ms;
}

static void retry_later(struct timeline *tl)
{
	tl->retry_ms = tl->retry_ms ? tl->retry_ms * 2 : RETRY_FIRST_MS;
	if (tl->retry_ms > RETRY_MAX_MS)
		tl->retry_ms = RETRY_MAX_MS;
	tl->retry_at_ms = timeline_mono_ms() + tl->retry_ms;
}

/* A store kept without its database: open it now if it will. */
static bool reopen(struct timeline *tl)
{
	char err[sizeof tl->open_err + 16];

	if (!retry_due(tl))
		return false;
	if (timeline_schema_open(tl, err, sizeof err) != 0) {
		snprintf(tl->open_err, sizeof tl->open_err, "%s",
		         strncmp(err, "timeline: ", 10) == 0 ? err + 10 : err);
		retry_later(tl);
		return false;
	}
	tl->open_err[0] = '\0';
	tl->retry_ms = 0;
	tl->retry_at_ms = 0;
	tl->opened++;   /* what the views show comes from the database now */
	return true;
}

size_t timeline_flush(struct timeline *tl)
{
	size_t before;

	if (!tl)
		return 0;
	if (!tl->db && !reopen(tl))
		return tl->nqueue;
	if (!tl->queue)
		return 0;
	before = tl->nqueue;
	/* After a disk refusal the oldest write alone tries first, and not
	 * before its time: a disk still full costs one insert now and then, not
	 * the whole backlog written and rolled back four times a second. */
	if (tl->disk != TL_DISK_OK) {
		if (!retry_due(tl))
			return tl->nqueue;
		if (write_batch(tl, 1) == 0) {
			retry_later(tl);
			return tl->nqueue;
		}
	}
	tl->disk = TL_DISK_OK;
	tl->retry_ms = 0;
	tl->retry_at_ms = 0;
	if (tl->queue)
		write_batch(tl, tl->nqueue);
	if (tl->disk != TL_DISK_OK)
		retry_later(tl);
	if (!tl->queue)
		tl->err[0] = '\0';
	if (tl->nqueue != before)
		timeline_fallback_sync(tl);
	return tl->nqueue;
}

size_t timeline_pending(const struct timeline *tl)
{
	return tl ? tl->nqueue : 0;
}

const char *timeline_unsaved(const struct timeline *tl)
{
	if (tl && !tl->db)
		return "database not open";   /* whatever is typed now is not saved */
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

size_t timeline_queue_list(struct timeline *tl, int64_t incident_id, size_t offset, size_t limit,
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

void timeline_queue_to_file(struct timeline *tl, const struct timeline_pending *p, char *err, size_t errlen)
{
	size_t n;

	if (!tl->fb_dir[0] || timeline_fallback_add(tl, p) != 0)
		return;
	tl->fb_only++;
	if (err && errlen && (n = strlen(err)) + 1 < errlen)
		snprintf(err + n, errlen - n, "; kept in %s (warroom timeline import brings it back)", tl->fb_path);
}
