/* timeline_priv — what the timeline store's own files share (core/timeline/
 * only; the public API is include/warroom/timeline.h). The files stand in
 * layers and each calls only the ones below it:
 *
 *   timeline_import.c                 a fallback file's records brought into a database
 *   timeline.c, timeline_incident.c   the public calls: open, events, incidents
 *   timeline_audit.c                  one audit record per action run
 *   timeline_queue.c                  writes kept in memory until the database takes them
 *   timeline_schema.c                 the schema and its migrations, opening the file
 *   timeline_fallback.c               the file that keeps what waits, should the process die
 *   timeline_db.c                     the connection, its statements, errors, busy locks, rows
 */
#ifndef WARROOM_TIMELINE_PRIV_H
#define WARROOM_TIMELINE_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "warroom/timeline.h"

/* The command line waits this long for another writer's lock. */
#define BUSY_TIMEOUT_MS 5000

/* The prepared statements (their SQL in timeline_db.c). */
enum {
	ST_EV_INSERT, ST_EV_LIST, ST_EV_LIST_INC, ST_EV_COUNT,
	ST_INC_INSERT, ST_INC_CURRENT, ST_INC_CLOSE, ST_INC_SEV, ST_INC_EXISTS,
	ST_DATA_VERSION, ST_BEGIN, ST_COMMIT, ST_ROLLBACK, ST_AUDIT_INSERT, ST_AUDIT_LIST, ST_INC_GET,
	ST_N
};

/* A write waiting in memory (timeline_queue.c). */
struct timeline_pending {
	struct timeline_pending *next;
	bool audit;
	struct timeline_event ev;     /* detail_json owned */
	struct timeline_audit a;
};

/* Why the disk took no write: the banner's words. */
enum timeline_disk { TL_DISK_OK, TL_DISK_FULL, TL_DISK_READONLY, TL_DISK_IOERR };

/* The first wait before the database is tried again after it refused to
 * open or to write, doubled after each failure up to the last. */
#define RETRY_FIRST_MS 500
#define RETRY_MAX_MS 16000

struct timeline {
	sqlite3 *db;
	sqlite3_stmt *st[ST_N];
	char path[1024];
	char actor[64];
	uint64_t writes;      /* successful writes of this connection */
	uint64_t queued;      /* writes kept in memory: views re-read when it moves */
	int64_t dv_open;      /* PRAGMA data_version at open */
	int64_t dv_last;      /* last value seen: other connections' commits */
	char err[512];
	bool nonblocking;     /* the console's: a busy write is queued, not waited for */
	enum timeline_disk disk;   /* the last write's disk trouble, until a flush gets through */
	struct timeline_pending *queue, **queue_tail;   /* writes waiting, oldest first */
	size_t nqueue, nqueue_events;

	/* A store opened keeping (timeline_open_keeping) has no connection
	 * (db NULL) while the database cannot be opened: why in open_err, and
	 * the next try not before retry_at_ms. */
	char open_err[512];
	int64_t retry_at_ms;
	int retry_ms;
	uint64_t opened;      /* times the database was opened late: views re-read */

	/* The fallback file (timeline_fallback.c): what is not in the
	 * database is also here, so a process killed meanwhile leaves it. */
	char fb_dir[1024];
	char fb_path[1200];   /* "" until the first write that waits */
	int fb_fd;            /* -1 when not open */
	bool fb_failed;       /* it could not be written: only memory holds the writes */
	size_t fb_only;       /* writes only the file holds (the command line's failed ones) */
};

/* ---- timeline_db.c: the connection --------------------------------------- */

/* Copies at most dstlen-1 bytes without cutting a UTF-8 sequence in two. */
void timeline_db_copy_utf8(char *dst, size_t dstlen, const char *src);
/* Words into tl->err (tl may be NULL) and into err (may be NULL). */
void timeline_db_seterr(struct timeline *tl, char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void timeline_db_clearerr(struct timeline *tl);
void timeline_db_write_failed(struct timeline *tl, char *err, size_t errlen);
void timeline_db_read_failed(struct timeline *tl, char *err, size_t errlen);
/* A write went in: counted for timeline_generation, the last error cleared. */
void timeline_db_wrote(struct timeline *tl);

/* Opens tl->path (which exists); then the schema is brought up to date
 * (timeline_schema.c) and timeline_db_prepare makes the statements.
 * 0, or -1 with words. */
int timeline_db_connect(struct timeline *tl, char *err, size_t errlen);
int timeline_db_prepare(struct timeline *tl, char *err, size_t errlen);
/* Finalizes the statements and closes the connection (NULL-safe parts). */
void timeline_db_disconnect(struct timeline *tl);
/* A transaction of statements that must not wait in the queue. */
int timeline_db_begin(struct timeline *tl, char *err, size_t errlen);
int timeline_db_commit(struct timeline *tl, char *err, size_t errlen);
void timeline_db_rollback(struct timeline *tl);

/* Another process holds the lock. */
bool timeline_db_busy(int rc);
/* Whether the connection is open; words into tl->err and err when not. */
bool timeline_db_ready(struct timeline *tl, char *err, size_t errlen);
/* Outcome of a write's step: 0 written, 1 busy (another process holds the
 * lock), 2 the disk refused it (full, read-only, I/O error: tl->disk says
 * which), -1 failed otherwise; words in err for 2 and -1. */
int timeline_db_step_result(struct timeline *tl, int rc, char *err, size_t errlen);
/* Around a write that cannot be queued (an incident's row): wait a little. */
void timeline_db_patience(struct timeline *tl, bool on);

/* Rows. The writers answer as timeline_db_step_result; the readers copy one
 * row of a stepped statement (an event's detail_json is malloc'd). */
int timeline_db_insert_event(struct timeline *tl, const struct timeline_event *ev, char *err, size_t errlen);
void timeline_db_row_event(sqlite3_stmt *s, struct timeline_event *e);
int timeline_db_insert_audit(struct timeline *tl, const struct timeline_audit *a, char *err, size_t errlen);
void timeline_db_row_audit(sqlite3_stmt *s, struct timeline_audit *a);
/* Steps s (an incident query) and resets it: 1 and *out filled, 0 none,
 * -1 on a read error with words. */
int timeline_db_read_incident(struct timeline *tl, sqlite3_stmt *s, struct timeline_incident *out);
/* The open incident, as timeline_incident_current (tl not NULL). */
int timeline_db_incident_current(struct timeline *tl, struct timeline_incident *out);

/* ---- timeline_redact.c ----------------------------------------------------- */

/* timeline_detail_clean, with the patterns or (a verbatim event's) only
 * the known secrets taken out. */
char *timeline_priv_detail(const char *detail, bool patterns, char *err, size_t errlen);

/* ---- timeline_fallback.c -------------------------------------------------- */

/* The header line's "warroom" value: what import knows the file by. */
#define FALLBACK_MAGIC "warroom unsaved timeline"

/* Appends one write to the fallback file (created at the first, 0600, in
 * fb_dir); 0, or -1 when there is no file to keep it (fb_failed set, words
 * in tl->err). Nothing when fb_dir is "". */
int timeline_fallback_add(struct timeline *tl, const struct timeline_pending *p);
/* After a flush: the file holds what is still queued (written anew), or is
 * removed once nothing waits. */
void timeline_fallback_sync(struct timeline *tl);
/* A record as the file holds it: one JSON object (malloc'd), NULL out of memory. */
char *timeline_fallback_record(const struct timeline_pending *p);

/* ---- timeline_schema.c ---------------------------------------------------- */

/* Brings the schema to the newest version; 0 or -1 with words. */
int timeline_schema_migrate(struct timeline *tl, char *err, size_t errlen);
/* Creates tl->path (and its folders) private if needed, connects, migrates
 * and prepares; the nonblocking settings follow. 0, or -1 with words (the
 * connection closed again). */
int timeline_schema_open(struct timeline *tl, char *err, size_t errlen);
/* Milliseconds on a clock that only moves forward. */
int64_t timeline_mono_ms(void);

/* ---- timeline_queue.c ----------------------------------------------------- */

/* Keeps a write in memory (and in the fallback file); ev's detail_json moves
 * into the queue. -1 when memory (or the queue's bound) is exhausted, with
 * words. An incident_id of TIMELINE_INCIDENT_OPEN is resolved when written. */
int timeline_queue_event(struct timeline *tl, struct timeline_event *ev);
int timeline_queue_audit(struct timeline *tl, const struct timeline_audit *a);
/* timeline_close's end: what could not be written is let go (the fallback
 * file keeps it). */
void timeline_queue_drop(struct timeline *tl);
/* A write the command line could not make: into the fallback file only
 * (the command line has no later to retry in), its path added to err. */
void timeline_queue_to_file(struct timeline *tl, const struct timeline_pending *p, char *err, size_t errlen);
/* The queued events timeline_list shows before the stored ones (they are
 * the newest): those of incident_id (as timeline_list filters) from offset,
 * at most limit (0: all), newest first, appended to *evs. Returns how many
 * queued events match in all, or (size_t)-1 out of memory. */
size_t timeline_queue_list(struct timeline *tl, int64_t incident_id, size_t offset, size_t limit,
                           struct timeline_event **evs, size_t *cnt, size_t *cap);

#endif
