/* timeline — the incident timeline in SQLite: incidents and their events.
 * An event is durable when timeline_append() returns (WAL, synchronous=FULL).
 * Implemented in core/timeline/: timeline.c over the database layer
 * timeline_db.c, with the queue, schema, audit and redaction beside. */
#ifndef WARROOM_TIMELINE_H
#define WARROOM_TIMELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct timeline;

struct timeline_event {
	int64_t id;
	int64_t incident_id;     /* 0: not tied to an incident */
	int64_t ts_ms;           /* UTC ms; 0 on append = now */
	char actor[64];          /* operator; "" on append = the configured one */
	char kind[24];           /* note, action, rollback, verify, sev, alert, deploy, error */
	char summary[256];
	char *detail_json;       /* optional JSON object text; owned by the list */
};

struct timeline_incident {
	int64_t id;
	char title[256];
	int sev;                 /* 1..4 */
	int64_t opened_ms, closed_ms;  /* closed_ms 0 while open */
	char commander[64];      /* the incident commander: who declared it, unless handed over */
	char status[16];         /* investigating, contained, recovered, resolved */
	char scribe[64];         /* "" until someone takes the role */
	int64_t acked_ms;        /* first response (ack): 0 until acknowledged */
	int64_t contained_ms;    /* mitigated: 0 until contained */
	int64_t recovered_ms;    /* 0 until recovered */
};

/* Opens (creating with mode 0600 and parent folders) and migrates. */
struct timeline *timeline_open(const char *path, const char *actor, char *err, size_t errlen);
void timeline_close(struct timeline *tl);
const char *timeline_path(const struct timeline *tl);

/* Appends; fills ev->id and ev->ts_ms. 0 on success, -1 with err set. A
 * detail with a "once" string is an event that happens once: when its
 * incident has an event of its kind with the same key already (another
 * console wrote it), nothing is added and ev->id is 0. */
int timeline_append(struct timeline *tl, struct timeline_event *ev, char *err, size_t errlen);
/* Convenience: kind + summary (+ optional detail JSON), current incident. */
int timeline_log(struct timeline *tl, const char *kind, const char *summary, const char *detail_json);
/* The same at the time it happened (UTC ms; 0: now): an alert at the time
 * it began to fire, not when someone saw it. */
int timeline_log_at(struct timeline *tl, int64_t ts_ms, const char *kind, const char *summary,
                    const char *detail_json);

/* Newest first. *out is malloc'd; free with timeline_events_free.
 * incident_id 0 lists the events outside any incident; limit 0: no limit. */
int timeline_list(struct timeline *tl, int64_t incident_id /* <0: all */, size_t offset, size_t limit,
                  struct timeline_event **out, size_t *n);
void timeline_events_free(struct timeline_event *evs, size_t n);
/* As timeline_list, one event at a time into fn (valid during the call
 * only), so a long export holds one event, not all of them; timeline_list
 * collects them. fn's non-zero stops the walk and is returned as 1; -1 on
 * error. */
int timeline_each(struct timeline *tl, int64_t incident_id /* <0: all */, size_t offset, size_t limit,
                  int (*fn)(const struct timeline_event *e, void *arg), void *arg);
int64_t timeline_count(struct timeline *tl);
/* The events of one kind (NULL or "": any) holding every word of words
 * (each the beginning of a word of the summary, actor, kind or detail, any
 * case; NULL or "": no word), from the whole database through its word and
 * kind indexes: at most limit (0: 500), newest first; *more says there were
 * more. With neither, the newest (timeline_list). 0, or -1 with
 * timeline_errmsg. */
int timeline_search(struct timeline *tl, const char *kind, const char *words, size_t limit,
                    struct timeline_event **out, size_t *n, bool *more);
/* Monotonic change counter: views re-read only when it moves. It counts this
 * process's writes and notices other processes' (`warroom note` from another
 * shell) through PRAGMA data_version: one cheap query, fine to poll each second. */
uint64_t timeline_generation(const struct timeline *tl);

/* Incidents record no event themselves: the caller logs what it wants.
 * open returns the new id, -1 on error (a second open incident is refused);
 * close and set_sev return 0 or -1. The commander is the actor given at open. */
int64_t timeline_incident_open(struct timeline *tl, const char *title, int sev);
int timeline_incident_close(struct timeline *tl, int64_t id);
int timeline_incident_set_sev(struct timeline *tl, int64_t id, int sev);
/* The first acknowledgement only: 0, or 1 when it was acknowledged already. */
int timeline_incident_ack(struct timeline *tl, int64_t id, int64_t when_ms);
/* The status by name; clock 1 stamps contained, 2 recovered (and contained
 * when it was skipped), once each; 0 stamps nothing. */
int timeline_incident_set_status(struct timeline *tl, int64_t id, const char *status, int clock, int64_t when_ms);
int timeline_incident_set_role(struct timeline *tl, int64_t id, bool scribe, const char *name);
/* The open incident, if any: returns 1 and fills *out, 0 when none
 * (-1 on a read error, *out zeroed). */
int timeline_incident_current(struct timeline *tl, struct timeline_incident *out);
/* Incident id, or the newest (open or closed) for id 0: 1, 0 none, -1 error. */
int timeline_incident_get(struct timeline *tl, int64_t id, struct timeline_incident *out);

/* The console's writes: with nonblocking on, a write that finds another
 * process holding the lock waits a few ms at most, then queues (in memory,
 * in order; later writes queue behind it) and returns 0 with id 0.
 * timeline_flush retries the queue, oldest first, and returns what is still
 * waiting; the console calls it from a timer. timeline_close flushes, waiting
 * as long as it takes. The CLI keeps the default: it waits for the lock. */
void timeline_set_nonblocking(struct timeline *tl, bool on);
size_t timeline_flush(struct timeline *tl);
size_t timeline_pending(const struct timeline *tl);
/* With nonblocking on, a write the disk refuses (full, read-only, an I/O
 * error) queues the same way, and the views list it with id 0; the flush
 * writes the queue once the disk takes it. While writes wait for the disk,
 * timeline_unsaved names why ("disk full", "disk read-only", "disk I/O
 * error"; "" otherwise) and timeline_unsaved_events counts the events (not
 * audit records) kept in memory. */
const char *timeline_unsaved(const struct timeline *tl);
size_t timeline_unsaved_events(const struct timeline *tl);

/* One record per action run (core/actions/actions.c): who ran what, with which
 * arguments, through which front-end, when, how long, and the outcome.
 * Text fields are redacted on the way in. */
struct timeline_audit {
	int64_t id;
	int64_t incident_id;     /* 0 on append: the open incident, if any */
	int64_t started_ms, ended_ms;   /* UTC ms */
	char actor[64];
	char via[32];            /* "console", "command line", "cli" */
	char action[32];
	char args[512];          /* JSON object */
	char confirmation[96];   /* how the question was answered, "" when none */
	char outcome[16];        /* ok, refused, declined, failed, cancelled */
	char summary[256];
	char signals[512];       /* JSON object: the golden signals when it ran, "" when unknown */
};
int timeline_audit_append(struct timeline *tl, struct timeline_audit *a, char *err, size_t errlen);
/* Newest first; *out malloc'd (free()). limit 0: all. */
int timeline_audit_list(struct timeline *tl, size_t limit, struct timeline_audit **out, size_t *n);
/* An event's detail as fields for the screen (timeline_fields.c). */
struct timeline_field {
	char key[64];            /* "to", "argocd.to_id", "lines[2]" */
	char value[1024];        /* as text, strings unquoted; a longer one ends in "…" */
};
/* Flattens a detail JSON object in its own order: nested keys joined with
 * ".", array items as key[i]. Fills at most max fields and returns how many
 * there are in all (more than max: the rest were left out); 0 for no
 * detail; -1 when it is not a JSON object. Never splits a UTF-8 character. */
int timeline_detail_fields(const char *detail_json, struct timeline_field *out, size_t max);

/* Words for the last failure of a call without an err buffer (timeline_log,
 * timeline_list, the incident calls); "" after success. Never holds a secret. */
const char *timeline_errmsg(const struct timeline *tl);
/* Schema version this build writes (PRAGMA user_version after open). */
int timeline_schema_version(void);
/* Copy of text with obvious secrets replaced by "[redacted]": "Bearer xyz",
 * token=/password:/secret... values, URL passwords. malloc'd; NULL on OOM.
 * timeline_append applies it to every summary and detail string. */
char *timeline_redact(const char *text);
/* Checks detail text is one JSON object and returns it compact and redacted
 * (malloc'd, free()); NULL with words in err otherwise. The words never
 * quote the detail. timeline_append runs every detail through it. */
char *timeline_detail_clean(const char *detail_json, char *err, size_t errlen);

#endif
