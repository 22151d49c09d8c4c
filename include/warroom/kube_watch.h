/* kube_watch — list then watch one kind of Kubernetes object, as the API
 * asks a client to: a list gives the objects and a resource version, a watch
 * from that version streams every change after it, one JSON event a line.
 * The objects are kept in a cache keyed by namespace and name, so the owner
 * reads them whole after any event. A 410 Gone (the version fell out of the
 * server's history, as an HTTP status or an ERROR event inside the stream)
 * lists again and hands on only what differs from the cache: no change
 * missed, none twice. Bookmarks move the version; a stream that ends
 * (timeoutSeconds, an idle proxy, a restarted server or bastion) resumes
 * from the last version with backoff; a 403 on the watch (RBAC's `watch`
 * is a verb of its own) falls back to a list every poll interval, and says so.
 * Pure parts (the event parser, the cache, the resume decision) are here for
 * tests; the runtime drives them on the loop through kube_stream.
 * Implemented in core/cluster/: kube_watch_event.c (pure), kube_watch.c. */
#ifndef WARROOM_KUBE_WATCH_H
#define WARROOM_KUBE_WATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cJSON;
struct kube;

enum kube_watch_type {
	KW_ADDED,
	KW_MODIFIED,
	KW_DELETED,
	KW_BOOKMARK,
	KW_ERROR,
};

/* One line of a watch stream, parsed. */
struct kube_watch_event {
	enum kube_watch_type type;
	char rv[32];                 /* the object's metadata.resourceVersion, "" none */
	char key[300];               /* "namespace/name" (ADDED, MODIFIED, DELETED) */
	long code;                   /* ERROR: the Status' code (410: the version is too old) */
	char message[240];           /* ERROR: the Status' reason and message */
	struct cJSON *object;        /* ADDED, MODIFIED, DELETED: the object, owned; else NULL */
};

/* 0, or -1 with words in err (not JSON, no type, an unknown type, an object
 * without a name). The event's object must be freed (kube_watch_event_clear). */
int kube_watch_parse(const char *line, size_t len, struct kube_watch_event *ev, char *err, size_t errlen);
void kube_watch_event_clear(struct kube_watch_event *ev);
const char *kube_watch_type_name(enum kube_watch_type t);
/* Whether resource version a is newer than b. Versions are opaque to a
 * client; etcd's are integers, compared as such, and anything else is
 * taken as newer when it differs. */
bool kube_watch_rv_newer(const char *a, const char *b);

/* ---- the cache ---- */

struct kube_watch_cache;
struct kube_watch_cache *kube_watch_cache_new(void);
void kube_watch_cache_free(struct kube_watch_cache *c);
size_t kube_watch_cache_count(const struct kube_watch_cache *c);
/* The i-th object (0 <= i < count), in the order of their keys. */
const struct cJSON *kube_watch_cache_at(const struct kube_watch_cache *c, size_t i);
const struct cJSON *kube_watch_cache_get(const struct kube_watch_cache *c, const char *key);
/* Applies one event: true when it changed the cache (a new version of an
 * object, an object gone), false for a duplicate or stale one (an ADDED or
 * MODIFIED not newer than what is held, a DELETED of what is not held). The
 * cache takes the event's object (ev->object NULL after) when it keeps it. */
bool kube_watch_cache_apply(struct kube_watch_cache *c, struct kube_watch_event *ev);
/* A whole list replaces the cache: fn runs once per difference, as the
 * event a watch would have sent (ADDED, MODIFIED or DELETED); objects whose
 * version did not change send nothing. The list's metadata.resourceVersion
 * in rv. 0, or -1 with words (not a list). */
typedef void (*kube_watch_diff_fn)(const struct kube_watch_event *ev, void *arg);
int kube_watch_cache_relist(struct kube_watch_cache *c, const char *json, size_t len, char *rv, size_t rvlen,
                            kube_watch_diff_fn fn, void *arg, char *err, size_t errlen);
/* Whether the last list was one page of more (a non-empty metadata.continue). */
bool kube_watch_cache_more(const struct kube_watch_cache *c);
/* The cache as a list ({"items":[...]}) for parsers that read lists; malloc'd. */
char *kube_watch_cache_list_json(const struct kube_watch_cache *c);

/* ---- what follows the end of a stream ---- */

enum kube_watch_next {
	KW_NEXT_RESUME,              /* watch again from the last version, after delay_ms */
	KW_NEXT_RELIST,              /* list again (410: the version is gone), after delay_ms */
	KW_NEXT_POLL,                /* the watch is not allowed: list every poll interval */
	KW_NEXT_RETRY_LIST,          /* the list itself failed: list again after delay_ms */
};

struct kube_watch_end {
	bool listing;                /* the request that ended was the list */
	bool ok;                     /* the server ended the answer (2xx) */
	long status;                 /* its HTTP status, 0 none */
	bool gone;                   /* an ERROR event with code 410 came in the stream */
	int64_t lasted_ms;           /* how long the stream was open */
	int failures;                /* streams in a row that ended without an event */
};

/* The decision and its wait: a clean end after a while resumes at once; a
 * broken one waits 250 ms doubling per failure in a row, at most 4 s (the
 * server or the bastion coming back); 410 lists again; 403 on a watch polls. */
enum kube_watch_next kube_watch_after(const struct kube_watch_end *e, int64_t *delay_ms);

/* ---- the runtime ---- */

struct kube_watch;
/* Runs after every change the watch brought (ev: the event, already in the
 * cache), and with ev NULL after a list that replaced the cache (its
 * differences came first, one call each) and when the watch's state changed
 * (live, polling, down: kube_watch_status). It must not free the watch:
 * whatever replaces a watch does so from the loop (a zero-delay timer). */
typedef void (*kube_watch_fn)(struct kube_watch *w, const struct kube_watch_event *ev, void *arg);

struct kube_watch_opts {
	const char *what;            /* "pods of blue", for words */
	const char *path;            /* the list's path and query ("/api/v1/namespaces/ns/pods?labelSelector=...") */
	int timeout_s;               /* the watch's timeoutSeconds; 0: 300 */
	long idle_ms;                /* no byte for this long: a dead stream; 0: 90000 */
	int poll_ms;                 /* the list's interval when the watch is not allowed; 0: 2000 */
	int limit;                   /* at most this many objects (?limit=); more: no watch, the first
	                              * page listed every poll_ms (a crowded selector stays bounded); 0 all */
};

struct kube_watch *kube_watch_new(struct kube *k, const struct kube_watch_opts *o, kube_watch_fn fn,
                                  void *arg);
void kube_watch_free(struct kube_watch *w);
const struct kube_watch_cache *kube_watch_objects(const struct kube_watch *w);

struct kube_watch_status {
	bool listed;                 /* a list answered once: the cache holds the objects */
	bool open;                   /* the stream is open now */
	bool polling;                /* the watch is not allowed: lists every poll_ms */
	bool paged;                  /* more objects than its limit: its first page listed every poll_ms */
	int64_t heard_ms;            /* monotonic time of its last event, bookmark or list; 0 never */
	int64_t closed_ms;           /* monotonic time its stream ended or its list failed; 0 while open */
	bool broken;                 /* it ended by a failure (not the server's clean end): stale now */
	char rv[32];
	char error[300];             /* why it is not open, "" while it is */
	long status;                 /* the HTTP status of the last request that failed, 0 none */
	/* counters since it began */
	unsigned events, duplicates, bookmarks, relists, resumes, lists;
};
void kube_watch_status(const struct kube_watch *w, struct kube_watch_status *out);
/* The path a watch from rv sends (the list's path and the watch's query); malloc'd. */
char *kube_watch_path(const char *list_path, const char *rv, int timeout_s);

#endif
