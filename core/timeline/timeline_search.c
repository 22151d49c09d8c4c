/* timeline_search — the events of one kind, or holding some words, from the
 * whole database: the word index (events_fts, FTS5, schema v6) answers a
 * word among a million events in milliseconds, the (kind, time) index a
 * kind. A word matches the words that begin with it ("roll" finds
 * "rollback"), in the summary, the actor, the kind or the detail, any case;
 * several words must all be there. Writes still waiting in memory are the
 * newest and are searched too. Beside the public calls (timeline.c): it
 * uses the connection and the queue below them. */
#include "warroom/timeline.h"
#include "timeline_priv.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sqlite3.h>

#define COLS "e.id, e.incident_id, e.ts_ms, e.actor, e.kind, e.summary, e.detail"

/* A word of the search is a run of letters, digits and anything not ASCII;
 * the rest separates words, as the index's tokenizer does. */
static bool word_char(unsigned char c)
{
	return isalnum(c) || c >= 0x80;
}

/* The words as an FTS5 query: each one a quoted prefix ("roll"*), all of
 * them required. Nothing FTS5 reads as syntax gets through. 0 words: "". */
static size_t fts_query(const char *words, char *out, size_t len)
{
	size_t o = 0, n = 0;

	out[0] = '\0';
	for (const unsigned char *p = (const unsigned char *)(words ? words : ""); *p;) {
		const unsigned char *b;

		while (*p && !word_char(*p))
			p++;
		b = p;
		while (*p && word_char(*p))
			p++;
		if (p == b)
			break;
		if (o + (size_t)(p - b) + 6 >= len)
			break;   /* a search longer than the buffer keeps its first words */
		o += (size_t)snprintf(out + o, len - o, "%s\"%.*s\"*", n ? " " : "", (int)(p - b), b);
		n++;
	}
	return n;
}

/* The same words against text, for the writes still in memory: each must
 * begin a word of the event's text. */
static bool has_prefix_word(const char *text, const char *w, size_t wn)
{
	for (const char *p = text; p && *p; p++) {
		if ((p == text || !word_char((unsigned char)p[-1])) && strncasecmp(p, w, wn) == 0)
			return true;
	}
	return false;
}

static bool queued_match(const struct timeline_event *e, const char *kind, const char *words)
{
	if (kind && *kind && strcmp(e->kind, kind) != 0)
		return false;
	for (const char *p = words ? words : ""; *p;) {
		const char *b;

		while (*p && !word_char((unsigned char)*p))
			p++;
		b = p;
		while (*p && word_char((unsigned char)*p))
			p++;
		if (p == b)
			break;
		if (!has_prefix_word(e->summary, b, (size_t)(p - b)) && !has_prefix_word(e->actor, b, (size_t)(p - b)) &&
		    !has_prefix_word(e->kind, b, (size_t)(p - b)) && !has_prefix_word(e->detail_json, b, (size_t)(p - b)))
			return false;
	}
	return true;
}

static int newest_first(const void *a, const void *b)
{
	const struct timeline_event *x = a, *y = b;

	if (x->ts_ms != y->ts_ms)
		return x->ts_ms < y->ts_ms ? 1 : -1;
	if (!x->id || !y->id)
		return !x->id && y->id ? -1 : x->id && !y->id ? 1 : 0;   /* waiting in memory: the newest */
	return x->id < y->id ? 1 : x->id > y->id ? -1 : 0;
}

static bool push(struct timeline_event **evs, size_t *n, size_t *cap, const struct timeline_event *e)
{
	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 64;
		struct timeline_event *p = realloc(*evs, nc * sizeof *p);

		if (!p)
			return false;
		*evs = p;
		*cap = nc;
	}
	(*evs)[(*n)++] = *e;
	return true;
}

int timeline_search(struct timeline *tl, const char *kind, const char *words, size_t limit,
                    struct timeline_event **out, size_t *n, bool *more)
{
	struct timeline_event *evs = NULL, e;
	size_t cnt = 0, cap = 0, queued, kept = 0;
	char q[600];
	size_t nwords = fts_query(words, q, sizeof q);
	bool by_kind = kind && *kind;
	sqlite3_stmt *s = NULL;
	int rc;

	*out = NULL;
	*n = 0;
	if (more)
		*more = false;
	if (!tl || !tl->db) {
		timeline_db_seterr(tl, NULL, 0, "timeline: not open");
		return -1;
	}
	if (!limit)
		limit = 500;
	if (!nwords && !by_kind)
		return timeline_list(tl, -1, 0, limit, out, n);   /* nothing to look for: the newest */
	/* what waits in memory first: it is the newest, and not in the index yet */
	queued = timeline_queue_list(tl, -1, 0, 0, &evs, &cnt, &cap);
	if (queued == (size_t)-1) {
		timeline_events_free(evs, cnt);
		timeline_db_seterr(tl, NULL, 0, "timeline: out of memory");
		return -1;
	}
	for (size_t i = 0; i < cnt; i++) {
		if (queued_match(&evs[i], kind, words) && kept < limit)
			evs[kept++] = evs[i];
		else
			free(evs[i].detail_json);
	}
	cnt = kept;
	/* the index gives its matches newest written first (its rowid) without
	 * sorting them all: a word found a million times costs a page, not a sort */
	if (nwords)
		rc = sqlite3_prepare_v2(tl->db, by_kind ?
		                        "SELECT " COLS " FROM events_fts f JOIN events e ON e.id = f.rowid"
		                        " WHERE events_fts MATCH ?1 AND e.kind = ?2 ORDER BY f.rowid DESC LIMIT ?3" :
		                        "SELECT " COLS " FROM events_fts f JOIN events e ON e.id = f.rowid"
		                        " WHERE events_fts MATCH ?1 ORDER BY f.rowid DESC LIMIT ?3", -1, &s, NULL);
	else
		rc = sqlite3_prepare_v2(tl->db, "SELECT " COLS " FROM events e WHERE e.kind = ?2"
		                        " ORDER BY e.ts_ms DESC, e.id DESC LIMIT ?3", -1, &s, NULL);
	if (rc != SQLITE_OK) {
		timeline_db_seterr(tl, NULL, 0, "timeline: cannot search %s: %s", tl->path, sqlite3_errmsg(tl->db));
		timeline_events_free(evs, cnt);
		return -1;
	}
	if (nwords)
		sqlite3_bind_text(s, 1, q, -1, SQLITE_TRANSIENT);
	if (by_kind)
		sqlite3_bind_text(s, 2, kind, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 3, (sqlite3_int64)(limit - cnt + 1));   /* one more: says there are more */
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		timeline_db_row_event(s, &e);
		if (cnt == limit) {
			free(e.detail_json);
			if (more)
				*more = true;
			continue;
		}
		if (!push(&evs, &cnt, &cap, &e)) {
			free(e.detail_json);
			rc = SQLITE_NOMEM;
			break;
		}
	}
	if (rc != SQLITE_DONE) {
		timeline_db_seterr(tl, NULL, 0, "timeline: cannot search %s: %s", tl->path,
		                   rc == SQLITE_NOMEM ? "out of memory" : sqlite3_errmsg(tl->db));
		sqlite3_finalize(s);
		timeline_events_free(evs, cnt);
		return -1;
	}
	sqlite3_finalize(s);
	if (cnt > 1)
		qsort(evs, cnt, sizeof *evs, newest_first);
	timeline_db_clearerr(tl);
	*out = evs;
	*n = cnt;
	return 0;
}
