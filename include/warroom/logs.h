/* logs — pod logs and Kubernetes Events by slot (core/logs/).
 *
 * A session follows the containers of one slot's pods, of both slots or of
 * one pod through the API server's pods/{pod}/log (follow, timestamps,
 * sinceTime, tailLines, previous), each stream resumed from the last
 * timestamp it saw when it breaks (no line shown twice), with its health
 * said: live, quiet for N s, reconnecting, crashed (with the previous
 * instance's last lines and its termination reason), ended. The lines of
 * every stream are merged by timestamp into one ring bounded in bytes, whose
 * dropped lines are counted; each line is reduced to a template counted per
 * slot, so the templates the live slot logs and the other does not (or far
 * more often) are known: what is new in this version. The namespace's
 * Events are grouped by reason and object, each tied to its slot through
 * its pod, ReplicaSet or Deployment.
 *
 * The console's session is the model's (m->logs, set by its owner); the
 * views read it and change only what it follows. The headless `warroom logs`
 * and `events`, and the runbook's native steps, run one of their own. */
#ifndef WARROOM_LOGS_H
#define WARROOM_LOGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <regex.h>

struct config;
struct kube;
struct loop;
struct model;

#define LOGS_SLOTS 2                 /* blue-green: the config's slots */
#define LOGS_MAX_PODS 64
#define LOGS_MAX_CONTAINERS 4        /* per pod */
#define LOGS_MAX_STREAMS 64          /* the most a session follows, whatever the config says */
#define LOGS_PREV_LINES 12           /* a crashed container's last lines kept */
#define LOGS_TEXT 240                /* a line as kept for a stream's summary or an example */
#define LOGS_TMPL_TEXT 200           /* a template's text */
#define LOGS_TMPL_MAX 1024           /* templates counted; later ones count as "other" */

/* ---- one log line (core/logs/logs_line.c) ---- */

/* "2025-01-02T15:04:05.123456789Z text": the RFC 3339 time the API server
 * puts before each line (timestamps=true) as ns since the epoch, and where
 * the text starts. False (ts 0, text the whole line) when there is none. */
bool logs_line_time(const char *line, size_t len, int64_t *ts_ns, size_t *text_at);
/* RFC 3339 with nanoseconds, as the kubelet writes it, into buf (31 bytes and more). */
void logs_format_time(int64_t ts_ns, char *buf, size_t len);
/* The line reduced to its template: numbers, hex ids, UUIDs, IP addresses,
 * durations, times and quoted strings become <n>, <hex>, <uuid>, <ip>,
 * <dur>, <ts> and <s>; a JSON line becomes its level, message and error
 * reduced the same way. out gets at most len - 1 bytes. */
void logs_template(const char *line, size_t len, char *out, size_t outlen);
/* A line to read on a screen: a JSON line as "level message key=value ...",
 * without what the prefix says already (time, pod, slot, version); other
 * lines as they are. Returns the length written. */
size_t logs_line_compact(const char *line, size_t len, char *out, size_t outlen);
/* 64-bit FNV-1a: templates' and lines' identity. */
uint64_t logs_hash(const char *s, size_t len);

/* ---- the ring (core/logs/logs_ring.c) ---- */

enum logs_rec_flag {
	LOGS_REC_CUT     = 1u << 0,  /* the line was longer than kept: its first bytes */
	LOGS_REC_NO_TIME = 1u << 1,  /* the line came without a time: the stream's last */
};

struct logs_rec {
	int64_t ts_ns;
	uint32_t len;
	uint16_t source;             /* index of the session's sources: pod and container */
	uint8_t slot;                /* 0, 1, or LOGS_NO_SLOT */
	uint8_t flags;
	char text[];                 /* NUL-terminated, len bytes */
};
#define LOGS_NO_SLOT 0xff

/* Lines in a byte-bounded ring: the oldest leave when a new one needs room,
 * and are counted. Each line has a sequence number that never repeats. */
struct logs_ring {
	char *buf;
	size_t cap, used;
	size_t wr, rd;               /* byte offsets: the next write, the oldest record */
	uint32_t *idx;               /* the records' offsets, oldest first (a circle of icap) */
	size_t icap, ifirst, n;
	uint64_t first_seq;          /* the oldest line kept */
	uint64_t dropped;            /* lines that left to make room */
	uint64_t dropped_bytes;
};

int logs_ring_init(struct logs_ring *r, size_t bytes);
void logs_ring_free(struct logs_ring *r);
/* Appends a copy (text cut to a quarter of the ring at most); its sequence
 * number, or UINT64_MAX when out of memory. */
uint64_t logs_ring_add(struct logs_ring *r, int64_t ts_ns, uint16_t source, uint8_t slot, uint8_t flags,
                       const char *text, size_t len);
/* Sequence numbers of the oldest kept and of the next line. */
uint64_t logs_ring_first(const struct logs_ring *r);
uint64_t logs_ring_end(const struct logs_ring *r);
/* A line by its sequence number; NULL once it left (or not yet there). */
const struct logs_rec *logs_ring_get(const struct logs_ring *r, uint64_t seq);

/* ---- templates (core/logs/logs_tmpl.c) ---- */

struct logs_tmpl {
	char text[LOGS_TMPL_TEXT];
	uint64_t hash;
	/* lines per slot, before the traffic switch [0] and since it [1] */
	uint32_t count[LOGS_SLOTS][2];
	int64_t first_ns[LOGS_SLOTS];      /* first seen since the switch, per slot; 0 never */
	char example[LOGS_TEXT];           /* the first line of it the live slot logged since the switch */
};

struct logs_tmpls {
	struct logs_tmpl *t;
	size_t n;
	uint32_t *hidx;                    /* open addressing: index + 1 into t, 0 empty */
	size_t hcap;
	uint64_t total[LOGS_SLOTS][2];     /* every line counted */
	uint64_t other[LOGS_SLOTS][2];     /* lines whose template found no room */
	int64_t switch_ns;                 /* 0: unknown, every line counts as since */
	int live;                          /* whose example is kept: the live slot, -1 none */
};

/* What is new in the live slot: its templates the other slot never logged,
 * or logs over ratio times as often (as a share of each one's lines). */
struct logs_new {
	const struct logs_tmpl *t;
	uint32_t live, other;              /* since the switch; the other slot: all it logged */
	double times;                      /* live share over the other's; 0: the live slot only */
	int64_t first_ns;                  /* first seen on the live slot since the switch */
};

int logs_tmpls_init(struct logs_tmpls *ts);
void logs_tmpls_free(struct logs_tmpls *ts);
void logs_tmpls_clear(struct logs_tmpls *ts);
void logs_tmpls_add(struct logs_tmpls *ts, int slot, int64_t ts_ns, const char *text, size_t len);
/* Ranked by count, at most max; live and other are slot indexes. */
size_t logs_tmpls_new(const struct logs_tmpls *ts, int live, int other, double ratio, struct logs_new *out,
                      size_t max);

/* ---- filters (core/logs/logs_filter.c) ---- */

enum logs_filter_part { LOGS_INCLUDE, LOGS_EXCLUDE, LOGS_HIGHLIGHT, LOGS_FILTER_PARTS };

/* Extended regexes, case-blind unless they hold a capital letter. */
struct logs_filter {
	char pat[LOGS_FILTER_PARTS][128];
	regex_t re[LOGS_FILTER_PARTS];
	bool on[LOGS_FILTER_PARTS];
	uint64_t gen;                      /* moves on every change */
};

void logs_filter_init(struct logs_filter *f);
void logs_filter_free(struct logs_filter *f);
/* "" clears that part. 0, or -1 with words (the regex is refused). */
int logs_filter_set(struct logs_filter *f, enum logs_filter_part part, const char *pattern, char *err,
                    size_t errlen);
/* Included and not excluded. */
bool logs_filter_match(const struct logs_filter *f, const char *text);
bool logs_filter_highlight(const struct logs_filter *f, const char *text);

/* ---- pods and the service (core/logs/logs_pods.c) ---- */

struct logs_container {
	char name[64];
	bool running, ready;
	char waiting[48];                  /* CrashLoopBackOff, ContainerCreating, "" */
	int restarts;
	char last_reason[32];              /* the last termination: OOMKilled, Error, Completed; "" none */
	int last_exit;
	int64_t last_finished_ms;          /* UTC ms */
	int64_t started_ms;                /* the running instance's start, UTC ms; 0 unknown */
};

struct logs_pod {
	char name[128];
	int slot;                          /* index of the config's slots, -1 none of ours */
	char phase[16];
	bool deleting;
	int64_t created_ms;                /* UTC ms */
	struct logs_container c[LOGS_MAX_CONTAINERS];
	size_t nc;
};

struct logs_pods {
	struct logs_pod p[LOGS_MAX_PODS];
	size_t n;
	size_t more;                       /* matched but left out */
};

/* A PodList; each pod's slot from its slot_label's value among slots. */
int logs_parse_pods(const char *json, size_t len, const char *slot_label, const char (*slots)[32], size_t nslots,
                    struct logs_pods *out, char *err, size_t errlen);
/* A Service: its selector without the slot label ("app=x") and the slot it
 * sends traffic to ("" none). */
int logs_parse_service(const char *json, size_t len, const char *slot_label, char *selector, size_t sellen,
                       char *live, size_t livelen, char *err, size_t errlen);
/* The slot an object of the namespace belongs to by its name: a Deployment
 * of the config's, or a ReplicaSet or pod it made ("name-hash[-suffix]").
 * -1 when none. */
int logs_slot_of_name(const struct config *cfg, const char *name);

/* ---- Events (core/logs/logs_events.c) ---- */

#define LOGS_EVENT_GROUPS 128

struct logs_event_group {
	char reason[64];
	char kind[24];                     /* the object: Pod, ReplicaSet, Deployment */
	char name[128];
	int slot;                          /* -1: none of the slots' */
	bool warning;
	uint32_t count;
	int64_t first_ms, last_ms;         /* UTC ms */
	char message[LOGS_TEXT];           /* the latest */
};

struct logs_events {
	struct logs_event_group g[LOGS_EVENT_GROUPS];   /* warnings first, then the latest first */
	size_t n;
	size_t events;                     /* objects read, more than the groups */
	size_t left_out;                   /* groups that did not fit */
	char api[24];                      /* "events.k8s.io/v1" or "v1": the one the server answered */
};

/* An EventList of either API (events.k8s.io/v1's regarding, note, series,
 * deprecatedCount; v1's involvedObject, message, count), grouped by reason
 * and object. */
int logs_parse_events(const char *json, size_t len, const struct config *cfg, struct logs_events *out, char *err,
                      size_t errlen);

/* Per reason within one slot (-1: every slot; LOGS_NO_SLOT_OF: the objects
 * of none of the slots): the reasons, warnings first. */
#define LOGS_NO_SLOT_OF (-2)
struct logs_reason {
	char reason[64];
	bool warning;
	uint32_t count;
	size_t objects;
	int64_t last_ms;
	int slot;
};
size_t logs_events_by_reason(const struct logs_events *ev, int slot, struct logs_reason *out, size_t max);
/* Warnings seen within the last window_ms before now (UTC ms). */
size_t logs_events_recent_warnings(const struct logs_events *ev, int64_t now_ms, int64_t window_ms);
/* The warnings of the last LOGS_EVENTS_RECENT_MS in one line for the overview:
 * "BackOff ×12 green, Unhealthy ×4 green"; false when there is none. */
#define LOGS_EVENTS_RECENT_MS (10 * 60 * 1000)
struct logs_state;
bool logs_events_summary(const struct logs_state *st, int64_t now_ms, char *buf, size_t len);

/* ---- the session (core/logs/logs.c, logs_stream.c) ---- */

enum logs_health {
	LOGS_PENDING = 0,                  /* not asked yet */
	LOGS_CONNECTING,
	LOGS_LIVE,                         /* a line within quiet_s */
	LOGS_QUIET,                        /* connected, nothing for quiet_s or more */
	LOGS_RECONNECTING,                 /* broke off: resuming from its last time */
	LOGS_CRASHED,                      /* the container died and waits to restart */
	LOGS_ENDED,                        /* the pod or the container is gone, or a read without follow ended */
	LOGS_FAILED,                       /* refused by the API server: why says it */
	LOGS_NOT_FOLLOWED,                 /* over the most streams at once */
};

/* Who a line came from: never reused while the session lives. */
struct logs_source {
	char pod[128];
	char container[64];
	char label[24];                    /* the pod's short name: its last part */
	int slot;
};

struct logs_stream {
	uint16_t source;
	enum logs_health health;
	char why[200];                     /* the last failure or end, in words */
	uint64_t lines;
	int64_t last_line_ms;              /* monotonic, 0 none yet */
	int64_t last_ts_ns;                /* the newest line's time */
	int restarts;
	/* a container that terminated: the pod status' lastState and the
	 * previous instance's last lines */
	char reason[32];
	int exit_code;
	int64_t finished_ms;
	char prev[LOGS_PREV_LINES][LOGS_TEXT];
	size_t nprev;
	char prev_error[160];
	struct logs_stream_priv *priv;     /* the session's own */
};

enum logs_start { LOGS_FROM_SWITCH = 0, LOGS_FROM_TAIL, LOGS_FROM_TIME };

struct logs_opts {
	int slot;                          /* a slot's index, -1 both */
	char pod[128];                     /* one pod ("": the slots') */
	char container[64];                /* one container ("": every one) */
	enum logs_start start;
	int tail;                          /* LOGS_FROM_TAIL: lines per container */
	int64_t since_ms;                  /* LOGS_FROM_TIME: UTC ms */
	bool follow;
	bool compare;                      /* the other slot's pods too, for what is new (the console's way) */
};

/* What the views draw; the session writes it. */
struct logs_state {
	struct logs_opts opts;
	char slot_names[LOGS_SLOTS][32];
	size_t nslots;
	int live;                          /* the slot the Service sends traffic to, -1 unknown */
	int64_t switch_ms;                 /* UTC ms of the traffic switch, 0 unknown */
	char switch_from[80];              /* how it is known: "the switch from Argo CD history", ... */
	int64_t from_ms;                   /* where the lines begin (UTC ms), 0 the tail */
	struct logs_ring ring;
	struct logs_source *sources;
	size_t nsources;
	struct logs_stream streams[LOGS_MAX_STREAMS];
	size_t nstreams;
	size_t not_followed;               /* containers in scope over the most streams */
	char not_followed_names[200];      /* "green/7xk2q, blue/p0q7b" */
	struct logs_tmpls tmpls;
	struct logs_pods pods;
	char pods_error[240];
	struct logs_events events;
	char events_error[240];
	int64_t events_ms;                 /* monotonic, the last good events read; 0 never */
	bool backfilled;                   /* every stream caught up with now at least once */
	uint64_t gen;                      /* moves whenever something above changed */
};

struct logs;

/* A session on kube (the Kubernetes client; NULL: every stream fails in
 * words). m may be NULL (headless); with it, the session marks DIRTY_LOGS at
 * most every redraw_ms while lines arrive, and takes the switch time from it. */
struct logs *logs_new(struct loop *loop, struct kube *kube, const struct config *cfg, struct model *m);
void logs_free(struct logs *l);
const struct logs_state *logs_state(const struct logs *l);
/* Lines as they are merged into the ring, for the headless front-ends. */
typedef void (*logs_line_fn)(const struct logs_state *st, const struct logs_rec *rec, void *arg);
void logs_on_line(struct logs *l, logs_line_fn fn, void *arg);

/* Follows what o says (the streams in scope start, the others stop); the
 * ring and the counts go on. A new scope or starting point begins again. */
void logs_follow(struct logs *l, const struct logs_opts *o);
/* Stops every stream; each resumes from its last line on the next follow. */
void logs_pause_streams(struct logs *l);
/* Reads the Events every interval_ms (0: once). */
void logs_watch_events(struct logs *l, int interval_ms);
/* Without follow: every stream has ended (and the events were read once). */
bool logs_done(const struct logs *l);
/* Lines not yet merged go to the ring now (the headless end). */
void logs_flush(struct logs *l);

const char *logs_health_name(enum logs_health h);     /* "live", "quiet", ... */
/* "live", "quiet 34 s", "reconnecting: ...", "crashed: OOMKilled exit 137" */
void logs_stream_words(const struct logs_stream *s, int64_t now_ms, char *buf, size_t len);
/* What is new in the live slot now (see logs_tmpls_new), ranked. */
size_t logs_new_in_live(const struct logs_state *st, struct logs_new *out, size_t max);

/* ---- headless reads: `warroom logs`, `warroom events` and runbook steps
 * (core/logs/logs_report.c) ---- */

struct logs_args {
	char slot[32];                     /* "": both */
	char pod[128];
	char container[64];
	char since[64];                    /* "switch" (the default), "10m", an RFC 3339 time */
	int tail;                          /* --tail N: the last N lines of each container instead */
	char grep[128];
	bool follow, new_only, json;
	bool events;                       /* the events command: --slot and --json only */
};

/* argv[0] is the command's name. 0, or -1 with words (usage). */
int logs_args_parse(int argc, char **argv, bool events, struct logs_args *a, char *err, size_t errlen);
/* The same from one line of text ("--slot green --new"), as a runbook step gives it. */
int logs_args_from_text(const char *text, bool events, struct logs_args *a, char *err, size_t errlen);

/* One read (or a follow until freed) on its own session. */
struct logs_run;
typedef void (*logs_run_fn)(struct logs_run *r, void *arg);
/* done runs once, from the loop, when every stream ended and the Events
 * were read (never with --follow). NULL with words in err. */
struct logs_run *logs_run_start(struct loop *loop, struct kube *kube, const struct config *cfg,
                                const struct logs_args *a, logs_line_fn on_line, void *line_arg, logs_run_fn done,
                                void *arg, char *err, size_t errlen);
const struct logs_state *logs_run_state(const struct logs_run *r);
/* Whether a stream failed for good or the API server could not be asked. */
bool logs_run_failed(const struct logs_run *r);
void logs_run_free(struct logs_run *r);

enum logs_out_role { LOGS_OUT_NORMAL, LOGS_OUT_ACCENT, LOGS_OUT_WARN, LOGS_OUT_CRIT, LOGS_OUT_STALE };
typedef void (*logs_out_fn)(enum logs_out_role role, const char *line, void *arg);
/* What a read found, line by line: for logs, what is new in the live slot
 * (--new) and the streams that did not end well; for events, the reasons
 * per slot and every group. json: one JSON document, in one call. */
void logs_report(const struct logs_state *st, const struct logs_args *a, int64_t now_ms, logs_out_fn out,
                 void *arg);
/* A line as `warroom logs` prints it: "2025-01-02T15:04:05.123Z green/7xk2q text", or one JSON object. */
void logs_line_text(const struct logs_state *st, const struct logs_rec *rec, bool json, char *buf, size_t len);

/* ---- the traffic switch (core/logs/logs_switch.c) ---- */

/* When traffic last moved between the slots, as the model knows it (UTC ms,
 * 0 unknown), and from where ("the deployment watch"). */
int64_t logs_switch_time(const struct model *m, char *from, size_t len);

#endif
