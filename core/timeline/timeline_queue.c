/* timeline_queue — the console's writes that the database did not take yet.
 *
 * Two reasons keep a write in memory: another process holds the write lock
 * (the loop never waits for it), or the disk refuses it (full, remounted
 * read-only, an I/O error). Either way the write is kept, in order, later
 * writes queue behind it, the views show it, and timeline_flush writes the
 * queue oldest first once the database takes writes again: nothing is lost
 * while the console runs. The command line keeps failing in words instead:
 * it has no later to retry in. How long a write waits for the lock and
 * what a failed step means are the connection's (timeline_db.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
