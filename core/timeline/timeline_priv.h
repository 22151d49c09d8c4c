/* timeline_priv — what the timeline store's own files share (core/timeline*.c
 * only; the public API is include/warroom/timeline.h). */
#ifndef WARROOM_TIMELINE_PRIV_H
#define WARROOM_TIMELINE_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "warroom/timeline.h"

enum timeline_priv_stmt { TL_STMT_AUDIT_INSERT, TL_STMT_AUDIT_LIST };

/* The command line waits this long for another writer's lock. */
#define BUSY_TIMEOUT_MS 5000

/* The prepared statements (their SQL in timeline.c). */
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
};

/* Brings the schema to the newest version (timeline_schema.c); 0 or -1 with words. */
int timeline_priv_migrate(struct timeline *tl, char *err, size_t errlen);

/* Outcome of a write's step: 0 written, 1 busy (another process holds the
 * lock), 2 the disk refused it (full, read-only, I/O error: tl->disk says
 * which), -1 failed otherwise; words in err for 2 and -1. */
int timeline_priv_step_result(struct timeline *tl, int rc, char *err, size_t errlen);
int timeline_priv_insert_event(struct timeline *tl, const struct timeline_event *ev, char *err, size_t errlen);
/* Keeps a write in memory; ev's detail_json moves into the queue. -1 when
 * memory (or the queue's bound) is exhausted, with words. */
int timeline_priv_enqueue_event(struct timeline *tl, struct timeline_event *ev);
/* timeline_close's end: what could not be written is let go. */
void timeline_priv_queue_drop(struct timeline *tl);
/* The queued events timeline_list shows before the stored ones (they are
 * the newest): those of incident_id (as timeline_list filters) from offset,
 * at most limit (0: all), newest first, appended to *evs. Returns how many
 * queued events match in all, or (size_t)-1 out of memory. */
size_t timeline_priv_queue_list(struct timeline *tl, int64_t incident_id, size_t offset, size_t limit,
                                struct timeline_event **evs, size_t *cnt, size_t *cap);

sqlite3 *timeline_priv_db(struct timeline *tl);
sqlite3_stmt *timeline_priv_stmt(struct timeline *tl, enum timeline_priv_stmt which);
const char *timeline_priv_actor(const struct timeline *tl);
/* Writes wait in the queue: a new one goes behind them, to keep the order. */
bool timeline_priv_queueing(const struct timeline *tl);
bool timeline_priv_nonblocking(const struct timeline *tl);
int timeline_priv_enqueue_audit(struct timeline *tl, const struct timeline_audit *a);
/* As timeline_priv_step_result. */
int timeline_priv_insert_audit(struct timeline *tl, struct timeline_audit *a, char *err, size_t errlen);
void timeline_priv_wrote(struct timeline *tl);
/* Around a write that cannot be queued (an incident's row): wait a little. */
void timeline_priv_patience(struct timeline *tl, bool on);
void timeline_priv_write_failed(struct timeline *tl, char *err, size_t errlen);
void timeline_priv_read_failed(struct timeline *tl);
void timeline_priv_seterr(struct timeline *tl, char *err, size_t errlen, const char *what);
bool timeline_priv_busy(int rc);
void timeline_priv_col_copy(char *dst, size_t len, sqlite3_stmt *s, int col);

#endif
