/* The headless reads: `warroom logs` and `warroom events` on a terminal or
 * in a pipeline, and the same as a runbook's native step, whose report goes
 * to the timeline. Arguments to a session's options, one read on its own
 * session until every stream ended, and what it found in lines or JSON. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "warroom/config.h"
#include "warroom/logs.h"
#include "warroom/loop.h"
#include "warroom/text.h"

#define NEW_SHOWN 10

/* ---- arguments ---- */

static int value(int argc, char **argv, int *i, char *dst, size_t len, char *err, size_t errlen)
{
	const char *a = argv[*i], *eq = strchr(a, '=');

	if (eq && strncmp(a, "--", 2) == 0) {
		text_copy(dst, len, eq + 1);
		return 0;
	}
	if (*i + 1 >= argc) {
		snprintf(err, errlen, "%s needs a value", a);
		return -1;
	}
	text_copy(dst, len, argv[++*i]);
	return 0;
}

static bool is(const char *a, const char *name)
{
	size_t n = strlen(name);

	return strncmp(a, name, n) == 0 && (a[n] == '\0' || a[n] == '=');
}

int logs_args_parse(int argc, char **argv, bool events, struct logs_args *a, char *err, size_t errlen)
{
	char num[32];

	memset(a, 0, sizeof *a);
	a->events = events;
	snprintf(a->since, sizeof a->since, "switch");
	for (int i = 1; i < argc; i++) {
		const char *s = argv[i];
		int rc = 0;

		if (is(s, "--slot"))
			rc = value(argc, argv, &i, a->slot, sizeof a->slot, err, errlen);
		else if (is(s, "--json"))
			a->json = true;
		else if (events)
			goto unknown;
		else if (is(s, "--pod"))
			rc = value(argc, argv, &i, a->pod, sizeof a->pod, err, errlen);
		else if (is(s, "--container") || strcmp(s, "-c") == 0)
			rc = value(argc, argv, &i, a->container, sizeof a->container, err, errlen);
		else if (is(s, "--since"))
			rc = value(argc, argv, &i, a->since, sizeof a->since, err, errlen);
		else if (is(s, "--grep"))
			rc = value(argc, argv, &i, a->grep, sizeof a->grep, err, errlen);
		else if (is(s, "--follow") || strcmp(s, "-f") == 0)
			a->follow = true;
		else if (is(s, "--new"))
			a->new_only = true;
		else if (is(s, "--tail")) {
			char *end;

			rc = value(argc, argv, &i, num, sizeof num, err, errlen);
			a->tail = rc ? 0 : (int)strtol(num, &end, 10);
			if (!rc && (*end || a->tail <= 0 || a->tail > 1000000)) {
				snprintf(err, errlen, "--tail wants a number of lines, not \"%s\"", num);
				return -1;
			}
		} else
			goto unknown;
		if (rc)
			return -1;
		continue;
unknown:
		snprintf(err, errlen, "unknown argument \"%s\"", s);
		return -1;
	}
	if (a->slot[0] && a->pod[0]) {
		snprintf(err, errlen, "--slot and --pod: one or the other");
		return -1;
	}
	if (a->follow && a->new_only) {
		snprintf(err, errlen, "--new reads to the end: leave --follow out");
		return -1;
	}
	return 0;
}

int logs_args_from_text(const char *text, bool events, struct logs_args *a, char *err, size_t errlen)
{
	char buf[512], *argv[32], *save = NULL;
	int argc = 0;

	text_copy(buf, sizeof buf, text);
	argv[argc++] = events ? "events" : "logs";
	for (char *t = strtok_r(buf, " \t", &save); t && argc < 32; t = strtok_r(NULL, " \t", &save))
		argv[argc++] = t;
	return logs_args_parse(argc, argv, events, a, err, errlen);
}

/* "90s", "10m", "2h", "1d": ms, or -1 */
static int64_t duration_ms(const char *s)
{
	int64_t ms = text_duration_ms(s, false);

	return ms > 0 ? ms : -1;
}

/* A session's options for them (a slot the config does not have, a time
 * that is none: -1 with words). now_ms: UTC. */
static int args_opts(const struct logs_args *a, const struct config *cfg, int64_t now_ms, struct logs_opts *o,
                     char *err, size_t errlen)
{
	int64_t d;

	memset(o, 0, sizeof *o);
	o->slot = -1;
	if (a->slot[0]) {
		for (int i = 0; i < CONFIG_MAX_SLOTS; i++)
			if (cfg->kube.deployments[i][0] && strcmp(cfg->kube.slots[i], a->slot) == 0)
				o->slot = i;
		if (o->slot < 0) {
			snprintf(err, errlen, "no slot \"%s\" in the config (kubernetes.slots: %s, %s)", a->slot,
			         cfg->kube.slots[0], cfg->kube.slots[1]);
			return -1;
		}
	}
	text_copy(o->pod, sizeof o->pod, a->pod);
	text_copy(o->container, sizeof o->container, a->container);
	o->follow = a->follow;
	o->compare = a->new_only;
	if (a->tail) {
		o->start = LOGS_FROM_TAIL;
		o->tail = a->tail;
	} else if (!a->since[0] || strcmp(a->since, "switch") == 0) {
		o->start = LOGS_FROM_SWITCH;
	} else if ((d = duration_ms(a->since)) > 0) {
		o->start = LOGS_FROM_TIME;
		o->since_ms = now_ms - d;
	} else if ((o->since_ms = text_parse_time(a->since)) > 0) {
		o->start = LOGS_FROM_TIME;
	} else {
		snprintf(err, errlen, "--since wants \"switch\", a duration (10m, 2h) or a time "
		         "(2025-01-02T15:04:05Z), not \"%s\"", a->since);
		return -1;
	}
	return 0;
}

/* ---- one read ---- */

struct logs_run {
	struct logs *l;
	struct loop *loop;
	uint64_t timer;
	logs_run_fn done;
	void *arg;
	bool events;
};

static void run_check(struct loop *loop, void *arg)
{
	struct logs_run *r = arg;

	if (!logs_done(r->l))
		return;
	logs_flush(r->l);
	loop_timer_cancel(loop, r->timer);
	r->timer = 0;
	if (r->done)
		r->done(r, r->arg);
}

struct logs_run *logs_run_start(struct loop *loop, struct kube *kube, const struct config *cfg,
                                const struct logs_args *a, logs_line_fn on_line, void *line_arg, logs_run_fn done,
                                void *arg, char *err, size_t errlen)
{
	struct logs_run *r = calloc(1, sizeof *r);
	struct logs_opts o;

	if (!r || args_opts(a, cfg, loop_wall_ms(), &o, err, errlen) != 0 ||
	    !(r->l = logs_new(loop, kube, cfg, NULL))) {
		if (r && !err[0])
			snprintf(err, errlen, "out of memory");
		free(r);
		return NULL;
	}
	r->loop = loop;
	r->done = done;
	r->arg = arg;
	r->events = a->events;
	logs_on_line(r->l, on_line, line_arg);
	if (a->events)
		logs_watch_events(r->l, 0);
	else
		logs_follow(r->l, &o);
	if (!a->follow)
		r->timer = loop_timer_add(loop, 100, 100, run_check, r);
	return r;
}

const struct logs_state *logs_run_state(const struct logs_run *r)
{
	return logs_state(r->l);
}

bool logs_run_failed(const struct logs_run *r)
{
	const struct logs_state *st = logs_state(r->l);
	size_t failed = 0, used = 0;

	if (r->events)
		return st->events_error[0] != '\0';
	for (size_t i = 0; i < st->nstreams; i++) {
		used += st->streams[i].priv != NULL;
		failed += st->streams[i].priv && st->streams[i].health == LOGS_FAILED;
	}
	return (st->pods_error[0] && !used) || (used && failed == used);
}

void logs_run_free(struct logs_run *r)
{
	if (!r)
		return;
	if (r->timer)
		loop_timer_cancel(r->loop, r->timer);
	logs_free(r->l);
	free(r);
}

/* ---- what it found ---- */

static void clock_of(int64_t ms, char *buf, size_t len)
{
	char t[40];

	logs_format_time(ms * 1000000, t, sizeof t);
	snprintf(buf, len, "%.8s", t + 11);
}

void logs_line_text(const struct logs_state *st, const struct logs_rec *rec, bool json, char *buf, size_t len)
{
	const struct logs_source *src = &st->sources[rec->source];
	const char *slot = rec->slot < st->nslots ? st->slot_names[rec->slot] : "-";
	bool several = false;
	char t[40];

	logs_format_time(rec->ts_ns, t, sizeof t);
	if (!json) {
		/* the container is named when its pod has more than one */
		for (size_t i = 0; i < st->nsources && !several; i++)
			several = i != rec->source && strcmp(st->sources[i].pod, src->pod) == 0;
		snprintf(buf, len, "%.23sZ %s/%s%s%s %s%s", t, slot, src->label, several ? ":" : "",
		         several ? src->container : "", rec->text, rec->flags & LOGS_REC_CUT ? " [cut]" : "");
		return;
	}
	{
		cJSON *o = cJSON_CreateObject();
		char *s;

		cJSON_AddStringToObject(o, "ts", t);
		cJSON_AddStringToObject(o, "slot", slot);
		cJSON_AddStringToObject(o, "pod", src->pod);
		cJSON_AddStringToObject(o, "container", src->container);
		cJSON_AddStringToObject(o, "line", rec->text);
		if (rec->flags & LOGS_REC_CUT)
			cJSON_AddBoolToObject(o, "cut", true);
		s = cJSON_PrintUnformatted(o);
		text_copy(buf, len, s ? s : "{}");
		cJSON_free(s);
		cJSON_Delete(o);
	}
}

static const char *slot_name(const struct logs_state *st, int slot)
{
	return slot >= 0 && (size_t)slot < st->nslots ? st->slot_names[slot] : "other";
}

static void out_f(logs_out_fn out, void *arg, enum logs_out_role role, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void out_f(logs_out_fn out, void *arg, enum logs_out_role role, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	out(role, line, arg);
}

static void report_new(const struct logs_state *st, int64_t now, logs_out_fn out, void *arg)
{
	struct logs_new nw[NEW_SHOWN];
	size_t n = logs_new_in_live(st, nw, NEW_SHOWN);
	int other = st->nslots == 2 && st->live >= 0 ? 1 - st->live : -1;
	char first[16], since[16];

	if (st->live < 0) {
		out(LOGS_OUT_WARN, "what is new needs the slot the Service sends traffic to: its selector names none", arg);
		return;
	}
	clock_of(st->from_ms ? st->from_ms : now, since, sizeof since);
	out_f(out, arg, LOGS_OUT_ACCENT, "New in %s since %s (%s): %zu template%s", st->slot_names[st->live], since,
	      st->switch_from[0] ? st->switch_from : "the traffic switch", n, n == 1 ? "" : "s");
	if (other >= 0 && st->tmpls.total[other][0] + st->tmpls.total[other][1] == 0)
		out_f(out, arg, LOGS_OUT_WARN, "  %s logged nothing to compare with: every template counts as new",
		      st->slot_names[other]);
	for (size_t i = 0; i < n; i++) {
		clock_of(nw[i].first_ns / 1000000, first, sizeof first);
		if (nw[i].times > 0)
			out_f(out, arg, i == 0 ? LOGS_OUT_CRIT : LOGS_OUT_WARN, "%u\xc3\x97 %s \xe2\x80\x94 %.0f\xc3\x97 %s's "
			      "rate, first %s", nw[i].live, nw[i].t->text, nw[i].times, slot_name(st, other), first);
		else
			out_f(out, arg, i == 0 ? LOGS_OUT_CRIT : LOGS_OUT_WARN, "%u\xc3\x97 %s \xe2\x80\x94 %s only, first %s",
			      nw[i].live, nw[i].t->text, st->slot_names[st->live], first);
		out_f(out, arg, LOGS_OUT_STALE, "    e.g. %.200s", nw[i].t->example);
	}
	if (!n)
		out_f(out, arg, LOGS_OUT_NORMAL, "  nothing: every template %s logs, %s logs as often (%zu compared)",
		      st->slot_names[st->live], slot_name(st, other), st->tmpls.n);
}

static void report_streams(const struct logs_state *st, int64_t now_mono, logs_out_fn out, void *arg)
{
	char words[300];

	for (size_t i = 0; i < st->nstreams; i++) {
		const struct logs_stream *s = &st->streams[i];
		const struct logs_source *src = &st->sources[s->source];

		if (!s->priv || (s->health == LOGS_ENDED && !s->reason[0] && strcmp(s->why, "read to the end") == 0) ||
		    s->health == LOGS_LIVE || s->health == LOGS_QUIET)
			continue;
		logs_stream_words(s, now_mono, words, sizeof words);
		out_f(out, arg, s->health == LOGS_FAILED || s->health == LOGS_CRASHED ? LOGS_OUT_CRIT : LOGS_OUT_WARN,
		      "%s/%s %s: %s", slot_name(st, src->slot), src->label, src->container, words);
	}
	for (size_t i = 0; i < st->nstreams; i++) {
		const struct logs_stream *s = &st->streams[i];

		if (!s->priv || !s->reason[0])
			continue;
		out_f(out, arg, LOGS_OUT_WARN, "%s/%s last ended %s, exit %d (%d restart%s); its previous instance's last "
		      "lines%s%s:", slot_name(st, st->sources[s->source].slot), st->sources[s->source].label, s->reason,
		      s->exit_code, s->restarts, s->restarts == 1 ? "" : "s", s->prev_error[0] ? ": " : "", s->prev_error);
		for (size_t k = 0; k < s->nprev; k++)
			out_f(out, arg, LOGS_OUT_STALE, "    %s", s->prev[k]);
	}
	if (st->not_followed)
		out_f(out, arg, LOGS_OUT_WARN, "%zu container%s not followed (over logs.max_streams): %s", st->not_followed,
		      st->not_followed == 1 ? "" : "s", st->not_followed_names);
	if (st->pods_error[0])
		out_f(out, arg, LOGS_OUT_CRIT, "pods: %s", st->pods_error);
}

static void report_events(const struct logs_state *st, int slot, int64_t now, logs_out_fn out, void *arg)
{
	struct logs_reason r[32];
	char age[24];
	size_t n;

	if (st->events_error[0]) {
		out_f(out, arg, LOGS_OUT_CRIT, "events: %s", st->events_error);
		return;
	}
	out_f(out, arg, LOGS_OUT_ACCENT, "Events (%s): %zu, in %zu groups%s", st->events.api, st->events.events,
	      st->events.n, st->events.left_out ? " (more left out)" : "");
	for (int s = -1; s < (int)st->nslots; s++) {
		int want = s < 0 ? (int)st->nslots : s;   /* the slots first, then the rest */

		if (slot >= 0 && want != slot)
			continue;
		n = logs_events_by_reason(&st->events, want == (int)st->nslots ? LOGS_NO_SLOT_OF : want, r, 32);
		if (!n)
			continue;
		out_f(out, arg, LOGS_OUT_NORMAL, "%s:", want == (int)st->nslots ? "not of a slot" : st->slot_names[want]);
		for (size_t i = 0; i < n; i++) {
			text_age(now - r[i].last_ms, age, sizeof age);
			out_f(out, arg, r[i].warning ? LOGS_OUT_WARN : LOGS_OUT_NORMAL, "  %-7s %-22s \xc3\x97%-4u %zu object%s, "
			      "last %s ago", r[i].warning ? "Warning" : "Normal", r[i].reason, r[i].count, r[i].objects,
			      r[i].objects == 1 ? "" : "s", age);
		}
	}
	for (size_t i = 0; i < st->events.n; i++) {
		const struct logs_event_group *g = &st->events.g[i];

		if (slot >= 0 && g->slot != slot)
			continue;
		text_age(now - g->last_ms, age, sizeof age);
		out_f(out, arg, g->warning ? LOGS_OUT_WARN : LOGS_OUT_STALE, "  %s %s %s/%s \xc3\x97%u %s ago: %s",
		      slot_name(st, g->slot), g->reason, g->kind, g->name, g->count, age, g->message);
	}
}

static cJSON *json_new(const struct logs_state *st)
{
	struct logs_new nw[NEW_SHOWN];
	size_t n = logs_new_in_live(st, nw, NEW_SHOWN);
	cJSON *arr = cJSON_CreateArray();
	char t[40];

	for (size_t i = 0; i < n; i++) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddNumberToObject(o, "count", nw[i].live);
		cJSON_AddStringToObject(o, "template", nw[i].t->text);
		cJSON_AddNumberToObject(o, "other_count", nw[i].other);
		cJSON_AddNumberToObject(o, "times_other_rate", nw[i].times);
		logs_format_time(nw[i].first_ns, t, sizeof t);
		cJSON_AddStringToObject(o, "first", t);
		cJSON_AddStringToObject(o, "example", nw[i].t->example);
		cJSON_AddItemToArray(arr, o);
	}
	return arr;
}

static cJSON *json_streams(const struct logs_state *st, int64_t now_mono)
{
	cJSON *arr = cJSON_CreateArray();
	char words[300];

	for (size_t i = 0; i < st->nstreams; i++) {
		const struct logs_stream *s = &st->streams[i];
		cJSON *o, *prev;

		if (!s->priv)
			continue;
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "pod", st->sources[s->source].pod);
		cJSON_AddStringToObject(o, "container", st->sources[s->source].container);
		cJSON_AddStringToObject(o, "slot", slot_name(st, st->sources[s->source].slot));
		cJSON_AddStringToObject(o, "health", logs_health_name(s->health));
		logs_stream_words(s, now_mono, words, sizeof words);
		cJSON_AddStringToObject(o, "words", words);
		cJSON_AddNumberToObject(o, "lines", (double)s->lines);
		cJSON_AddNumberToObject(o, "restarts", s->restarts);
		if (s->reason[0]) {
			cJSON_AddStringToObject(o, "last_termination", s->reason);
			cJSON_AddNumberToObject(o, "exit_code", s->exit_code);
			prev = cJSON_AddArrayToObject(o, "previous_lines");
			for (size_t k = 0; k < s->nprev; k++)
				cJSON_AddItemToArray(prev, cJSON_CreateString(s->prev[k]));
		}
		cJSON_AddItemToArray(arr, o);
	}
	return arr;
}

static cJSON *json_events(const struct logs_state *st, int slot)
{
	cJSON *o = cJSON_CreateObject(), *arr = cJSON_AddArrayToObject(o, "groups");
	char t[40];

	cJSON_AddStringToObject(o, "api", st->events.api);
	if (st->events_error[0])
		cJSON_AddStringToObject(o, "error", st->events_error);
	for (size_t i = 0; i < st->events.n; i++) {
		const struct logs_event_group *g = &st->events.g[i];
		cJSON *e;

		if (slot >= 0 && g->slot != slot)
			continue;
		e = cJSON_CreateObject();
		cJSON_AddStringToObject(e, "slot", g->slot >= 0 ? slot_name(st, g->slot) : "");
		cJSON_AddStringToObject(e, "type", g->warning ? "Warning" : "Normal");
		cJSON_AddStringToObject(e, "reason", g->reason);
		cJSON_AddStringToObject(e, "kind", g->kind);
		cJSON_AddStringToObject(e, "name", g->name);
		cJSON_AddNumberToObject(e, "count", g->count);
		logs_format_time(g->last_ms * 1000000, t, sizeof t);
		cJSON_AddStringToObject(e, "last", t);
		cJSON_AddStringToObject(e, "message", g->message);
		cJSON_AddItemToArray(arr, e);
	}
	return o;
}

void logs_report(const struct logs_state *st, const struct logs_args *a, int64_t now_ms, logs_out_fn out,
                 void *arg)
{
	int slot = -1;
	int64_t mono = loop_now_ms();

	for (size_t i = 0; a->slot[0] && i < st->nslots; i++)
		if (strcmp(st->slot_names[i], a->slot) == 0)
			slot = (int)i;
	if (a->json) {
		cJSON *o = a->events ? json_events(st, slot) : cJSON_CreateObject();
		char *s;

		if (!a->events) {
			cJSON_AddStringToObject(o, "live", st->live >= 0 ? st->slot_names[st->live] : "");
			cJSON_AddStringToObject(o, "from", st->switch_from);
			if (a->new_only)
				cJSON_AddItemToObject(o, "new", json_new(st));
			cJSON_AddItemToObject(o, "streams", json_streams(st, mono));
			cJSON_AddNumberToObject(o, "dropped", (double)st->ring.dropped);
		}
		s = cJSON_PrintUnformatted(o);
		out(LOGS_OUT_NORMAL, s ? s : "{}", arg);
		cJSON_free(s);
		cJSON_Delete(o);
		return;
	}
	if (a->events) {
		report_events(st, slot, now_ms, out, arg);
		return;
	}
	if (a->new_only)
		report_new(st, now_ms, out, arg);
	report_streams(st, mono, out, arg);
}
