/* timeline_priv — what the timeline store's own files share (core/timeline*.c
 * only; the public API is include/warroom/timeline.h). */
#ifndef WARROOM_TIMELINE_PRIV_H
#define WARROOM_TIMELINE_PRIV_H

#include <stdbool.h>
#include <stddef.h>

#include <sqlite3.h>

#include "warroom/timeline.h"

enum timeline_priv_stmt { TL_STMT_AUDIT_INSERT, TL_STMT_AUDIT_LIST };

sqlite3 *timeline_priv_db(struct timeline *tl);
sqlite3_stmt *timeline_priv_stmt(struct timeline *tl, enum timeline_priv_stmt which);
const char *timeline_priv_actor(const struct timeline *tl);
/* Writes wait in the queue: a new one goes behind them, to keep the order. */
bool timeline_priv_queueing(const struct timeline *tl);
bool timeline_priv_nonblocking(const struct timeline *tl);
int timeline_priv_enqueue_audit(struct timeline *tl, const struct timeline_audit *a);
/* 0 written, 1 busy (another process holds the lock), -1 failed with words. */
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
