/* export — the postmortem draft. One JSON document is built from the
 * incident row, its events and its audit records; the Markdown is drawn
 * from that same document, so both say the same. */
#include "warroom/export.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cJSON.h>

#include "warroom/actions.h"
#include "warroom/config.h"
#include "warroom/files.h"
#include "warroom/incident.h"
#include "warroom/loop.h"
#include "warroom/model.h"
#include "warroom/policy.h"
#include "warroom/text.h"
#include "warroom/timeline.h"

static void iso(char *buf, size_t len, int64_t ms)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Every string leaves redacted, whatever was stored before redaction existed. */
static void add_str(cJSON *o, const char *key, const char *val)
{
	char *red = timeline_redact(val ? val : "");

	cJSON_AddStringToObject(o, key, red ? red : "");
	free(red);
}

static void add_time(cJSON *o, const char *key, int64_t ms)
{
	char buf[32];

	if (!ms) {
		cJSON_AddNullToObject(o, key);
		return;
	}
	iso(buf, sizeof buf, ms);
	cJSON_AddStringToObject(o, key, buf);
}

static void add_secs(cJSON *o, const char *key, int64_t from_ms, int64_t to_ms)
{
	if (!from_ms || !to_ms || to_ms < from_ms)
		cJSON_AddNullToObject(o, key);
	else
		cJSON_AddNumberToObject(o, key, (double)((to_ms - from_ms) / 1000));
}

/* A stored JSON text as an item (redacted strings), or null. */
static cJSON *parse_detail(const char *json)
{
	char *red;
	cJSON *d;

	if (!json || !*json)
		return cJSON_CreateNull();
	red = timeline_redact(json);
	d = cJSON_Parse(red ? red : json);
	free(red);
	return d ? d : cJSON_CreateNull();
}

static double num(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

static const char *str(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* ---- the document ---- */

struct facts {
	struct timeline_incident inc;
	int64_t first_signal_ms;       /* the earliest alert or outage, 0 none */
	char first_signal[200];
	char environment[64], service[128];   /* as declared; "" when the declaration did not say */
};

/* An alert's startsAt or an outage's beginning: when the impact began. */
static void note_signal(struct facts *f, const struct timeline_event *e, const cJSON *d)
{
	int64_t at = 0;

	const char *state = str(d, "state");

	/* an alert that began to fire (older records: "ALERT firing: ...") */
	if (strcmp(e->kind, "alert") == 0 && ((state && (strcmp(state, "firing") == 0 || strcmp(state, "silenced") == 0)) ||
	                                      strncmp(e->summary, "ALERT firing", 12) == 0)) {
		double since = num(d, "since_ms");

		at = isfinite(since) && since > 0 ? (int64_t)since : e->ts_ms;
	} else if (strcmp(e->kind, "slot") == 0 && strncmp(e->summary, "OUTAGE", 6) == 0 &&
	           strstr(e->summary, "ended") == NULL) {
		at = e->ts_ms;
	}
	if (at && (!f->first_signal_ms || at < f->first_signal_ms)) {
		f->first_signal_ms = at;
		text_copy(f->first_signal, sizeof f->first_signal, e->summary);
	}
}

static cJSON *events_part(struct timeline *tl, struct facts *f, cJSON *doc)
{
	struct timeline_event *evs = NULL;
	size_t n = 0;
	cJSON *tlj = cJSON_AddArrayToObject(doc, "timeline");
	cJSON *sev = cJSON_AddArrayToObject(doc, "sev_history");
	cJSON *fu = cJSON_AddArrayToObject(doc, "follow_ups");
	cJSON *pins = cJSON_AddArrayToObject(doc, "log_lines");

	if (timeline_list(tl, f->inc.id, 0, 0, &evs, &n) != 0)
		return NULL;
	for (size_t k = n; k-- > 0;) {   /* oldest first */
		const struct timeline_event *e = &evs[k];
		cJSON *o = cJSON_CreateObject(), *d = parse_detail(e->detail_json);

		add_time(o, "at", e->ts_ms);
		add_str(o, "actor", e->actor);
		add_str(o, "kind", e->kind);
		add_str(o, "summary", e->summary);
		note_signal(f, e, d);
		if (strcmp(e->kind, "sev") == 0 && !isfinite(num(d, "from")) && str(d, "environment")) {
			text_copy(f->environment, sizeof f->environment, str(d, "environment"));
			text_copy(f->service, sizeof f->service, str(d, "service") ? str(d, "service") : "");
		}
		if (strcmp(e->kind, "sev") == 0 && isfinite(num(d, "sev"))) {
			cJSON *h = cJSON_CreateObject();

			add_time(h, "at", e->ts_ms);
			if (isfinite(num(d, "from")))
				cJSON_AddNumberToObject(h, "from", num(d, "from"));
			else
				cJSON_AddNullToObject(h, "from");
			cJSON_AddNumberToObject(h, "sev", num(d, "sev"));
			add_str(h, "by", e->actor);
			add_str(h, "reason", str(d, "reason") ? str(d, "reason") : isfinite(num(d, "from")) ? "" : "declared");
			cJSON_AddItemToArray(sev, h);
		}
		if (strncmp(e->summary, "follow-up: ", 11) == 0) {
			cJSON *h = cJSON_CreateObject();

			add_time(h, "at", e->ts_ms);
			add_str(h, "by", e->actor);
			add_str(h, "text", e->summary + 11);
			cJSON_AddItemToArray(fu, h);
		}
		/* log lines pinned in the diagnose view: quoted by the draft */
		if (strcmp(e->kind, "logs") == 0 && cJSON_IsArray(cJSON_GetObjectItem(d, "pinned"))) {
			cJSON *h = cJSON_CreateObject();

			add_time(h, "at", e->ts_ms);
			add_str(h, "by", e->actor);
			cJSON_AddItemToObject(h, "lines", cJSON_Duplicate(cJSON_GetObjectItem(d, "pinned"), true));
			cJSON_AddItemToArray(pins, h);
		}
		cJSON_AddItemToObject(o, "detail", d);
		cJSON_AddItemToArray(tlj, o);
	}
	timeline_events_free(evs, n);
	return tlj;
}

static int actions_part(struct timeline *tl, const struct facts *f, cJSON *doc)
{
	struct timeline_audit *a = NULL;
	size_t n = 0;
	cJSON *arr = cJSON_AddArrayToObject(doc, "actions");

	if (timeline_audit_list(tl, 0, &a, &n) != 0)
		return -1;
	for (size_t k = n; k-- > 0;) {
		cJSON *o;
		char words[sizeof a[k].summary * 2];

		if (a[k].incident_id != f->inc.id)
			continue;
		o = cJSON_CreateObject();
		add_time(o, "started", a[k].started_ms);
		add_time(o, "ended", a[k].ended_ms);
		cJSON_AddNumberToObject(o, "duration_ms", (double)(a[k].ended_ms - a[k].started_ms));
		add_str(o, "actor", a[k].actor);
		add_str(o, "via", a[k].via);
		add_str(o, "action", a[k].action);
		cJSON_AddItemToObject(o, "args", parse_detail(a[k].args));
		add_str(o, "confirmation", a[k].confirmation);
		add_str(o, "outcome", a[k].outcome);
		/* keys the summary names are the commands that do the same */
		actions_text_expand(a[k].summary, words, sizeof words, NULL, NULL);
		add_str(o, "summary", words);
		cJSON_AddItemToObject(o, "signals", parse_detail(a[k].signals));
		cJSON_AddItemToArray(arr, o);
	}
	free(a);
	return 0;
}

static void summary_part(const struct config *cfg, const struct facts *f, cJSON *doc, int64_t now)
{
	const struct timeline_incident *inc = &f->inc;
	cJSON *o = cJSON_AddObjectToObject(doc, "incident"), *d, *w;
	char ref[32], line[600], took[32];
	int64_t end = inc->closed_ms ? inc->closed_ms : now;
	int64_t detected = f->first_signal_ms && f->first_signal_ms < inc->opened_ms ? f->first_signal_ms : inc->opened_ms;
	int64_t impact_end = inc->recovered_ms ? inc->recovered_ms : inc->closed_ms;

	snprintf(ref, sizeof ref, "INC-%lld", (long long)inc->id);
	cJSON_AddNumberToObject(o, "id", (double)inc->id);
	cJSON_AddStringToObject(o, "ref", ref);
	add_str(o, "title", inc->title);
	cJSON_AddNumberToObject(o, "sev", inc->sev);
	add_str(o, "status", inc->closed_ms ? "resolved" : inc->status);
	add_str(o, "commander", inc->commander);
	add_str(o, "scribe", inc->scribe);
	/* the incident's own, whatever config the export runs with */
	add_str(o, "environment", f->environment[0] ? f->environment : cfg ? cfg->environment : "");
	add_str(o, "service", f->environment[0] ? f->service : cfg ? cfg->kube.service : "");
	add_time(o, "opened", inc->opened_ms);
	add_time(o, "acknowledged", inc->acked_ms);
	add_time(o, "contained", inc->contained_ms);
	add_time(o, "recovered", inc->recovered_ms);
	add_time(o, "closed", inc->closed_ms);
	cJSON_AddNumberToObject(o, "respond_within_min", policy_sev_response_min(cfg, inc->sev));

	d = cJSON_AddObjectToObject(doc, "durations_s");
	add_secs(d, "total", inc->opened_ms, end);
	add_secs(d, "response", inc->opened_ms, inc->acked_ms);
	add_secs(d, "detection_to_mitigation", detected, inc->contained_ms);
	add_secs(d, "mitigation_to_recovery", inc->contained_ms, inc->recovered_ms);
	cJSON_AddBoolToObject(d, "ongoing", inc->closed_ms == 0);

	w = cJSON_AddObjectToObject(doc, "impact_window");
	add_time(w, "start", detected);
	add_str(w, "start_by", detected == inc->opened_ms && (!f->first_signal_ms || f->first_signal_ms >= inc->opened_ms)
	        ? "the declaration" : f->first_signal);
	add_time(w, "end", impact_end);
	add_secs(w, "duration_s", detected, impact_end ? impact_end : now);

	text_age(end - inc->opened_ms, took, sizeof took);
	snprintf(line, sizeof line, "SEV-%d %s \"%s\" in %s, %s %s%s; incident commander %s%s%s.", inc->sev, ref,
	         inc->title, f->environment[0] ? f->environment : cfg ? cfg->environment : "?",
	         inc->closed_ms ? "resolved after" : "open for", took,
	         inc->closed_ms ? "" : " so far", inc->commander[0] ? inc->commander : "nobody",
	         inc->scribe[0] ? ", scribe " : "", inc->scribe);
	add_str(doc, "summary", line);
}

static cJSON *build(struct timeline *tl, const struct config *cfg, int64_t id, int64_t *out_id, char *err,
                    size_t errlen)
{
	struct facts f;
	cJSON *doc;
	int rc;
	int64_t now = loop_wall_ms();
	char when[32];

	memset(&f, 0, sizeof f);
	rc = id ? timeline_incident_get(tl, id, &f.inc) : timeline_incident_current(tl, &f.inc);
	if (rc == 0 && !id)
		rc = timeline_incident_get(tl, 0, &f.inc);
	if (rc != 1 || (id && f.inc.id != id)) {
		if (rc < 0)
			snprintf(err, errlen, "%s", timeline_errmsg(tl));
		else if (id)
			snprintf(err, errlen, "no incident INC-%lld in %s", (long long)id, timeline_path(tl));
		else
			snprintf(err, errlen, "no incident in %s yet: declare one first", timeline_path(tl));
		return NULL;
	}
	if (out_id)
		*out_id = f.inc.id;
	doc = cJSON_CreateObject();
	if (!doc) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	iso(when, sizeof when, now);
	cJSON_AddStringToObject(doc, "generated", when);
	add_str(doc, "generated_by", cfg ? cfg->operator_name : "");
	/* the events first: the impact window needs the first signal */
	if (!events_part(tl, &f, doc) || actions_part(tl, &f, doc) != 0) {
		snprintf(err, errlen, "%s", timeline_errmsg(tl));
		cJSON_Delete(doc);
		return NULL;
	}
	summary_part(cfg, &f, doc, now);
	return doc;
}

/* ---- Markdown ---- */

/* text_buf_printf by a short name: the document below is one long run of them. */
static void put(struct text_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct text_buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	text_buf_vprintf(b, fmt, ap);
	va_end(ap);
}

/* A table cell: one line, pipes escaped. */
static const char *cell(char *out, size_t len, const char *s)
{
	size_t o = 0;

	for (; s && *s && o + 3 < len; s++) {
		if (*s == '|')
			out[o++] = '\\';
		out[o++] = (*s == '\n' || *s == '\r' || *s == '\t') ? ' ' : *s;
	}
	out[o] = '\0';
	return out;
}

static const char *or_dash(const char *s)
{
	return s && *s ? s : "—";
}

/* "2026-12-01T20:01:02Z" -> "2026-12-01 20:01:02Z" */
static const char *when(char *out, size_t len, const cJSON *o, const char *key)
{
	const char *s = str(o, key);

	if (!s)
		return "—";
	text_copy(out, len, s);
	if (strlen(out) > 10)
		out[10] = ' ';
	return out;
}

static const char *span(char *out, size_t len, const cJSON *o, const char *key)
{
	double s = num(o, key);

	if (!isfinite(s))
		return "not recorded";
	text_age((int64_t)s * 1000, out, len);
	return out;
}

static void signals_text(char *out, size_t len, const cJSON *s)
{
	size_t n = 0;
	static const struct { const char *key, *fmt; double scale; } f[] = {
		{ "rps", "req/s %.1f", 1 }, { "error_ratio", "5xx %.1f%%", 100 }, { "p95_s", "p95 %.0fms", 1000 },
		{ "p99_s", "p99 %.0fms", 1000 }, { "queue", "queue %.0f", 1 },
	};

	out[0] = '\0';
	for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) {
		double v = num(s, f[i].key);

		if (!isfinite(v))
			continue;
		n += (size_t)snprintf(out + n, n < len ? len - n : 0, n ? ", " : "");
		n += (size_t)snprintf(out + n, n < len ? len - n : 0, f[i].fmt, v * f[i].scale);
	}
	if (!out[0])
		snprintf(out, len, "—");
}

/* The pinned log lines, each pin a fenced block longer than any run of
 * backticks in its lines, so no line can end it. */
static void log_lines(struct text_buf *b, const cJSON *doc)
{
	const cJSON *it, *l;
	char c1[64], c3[512];

	if (cJSON_GetArraySize(cJSON_GetObjectItem(doc, "log_lines")) == 0)
		return;
	put(b, "\n## Log lines pinned\n");
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(doc, "log_lines")) {
		int fence = 3;

		cJSON_ArrayForEach(l, cJSON_GetObjectItem(it, "lines")) {
			int run = 0;

			for (const char *p = cJSON_IsString(l) ? l->valuestring : ""; *p; p++) {
				run = *p == '`' ? run + 1 : 0;
				if (run >= fence)
					fence = run + 1;
			}
		}
		put(b, "\n%s, pinned by %s:\n\n%.*s\n", when(c1, sizeof c1, it, "at"), cell(c3, sizeof c3, str(it, "by")),
		    fence, "````````````````````````````````");
		cJSON_ArrayForEach(l, cJSON_GetObjectItem(it, "lines"))
			if (cJSON_IsString(l))
				put(b, "%s\n", l->valuestring);
		put(b, "%.*s\n", fence, "````````````````````````````````");
	}
}

/* The runbook steps the timeline quotes keep their links: each step's
 * references once, under the timeline. */
static void references(struct text_buf *b, const cJSON *doc)
{
	const cJSON *ev;
	char seen[64][160], c1[300], c2[300];
	size_t nseen = 0;
	bool head = false;

	cJSON_ArrayForEach(ev, cJSON_GetObjectItem(doc, "timeline")) {
		const cJSON *d = cJSON_GetObjectItem(ev, "detail"), *refs = cJSON_GetObjectItem(d, "references"), *r;
		char key[160];
		bool dup = false;

		if (!cJSON_IsArray(refs) || !cJSON_GetArraySize(refs) || !str(d, "runbook"))
			continue;
		snprintf(key, sizeof key, "%s#%.0f", str(d, "runbook"), num(d, "step"));
		for (size_t i = 0; i < nseen; i++)
			dup |= !strcmp(seen[i], key);
		if (dup)
			continue;
		if (nseen < 64)
			snprintf(seen[nseen++], sizeof seen[0], "%s", key);
		if (!head)
			put(b, "\n## Runbook references\n\n");
		head = true;
		put(b, "- %s step %.0f %s:", cell(c1, sizeof c1, str(d, "runbook")), num(d, "step"),
		    cell(c2, sizeof c2, or_dash(str(d, "step_title"))));
		cJSON_ArrayForEach(r, refs) {
			char *red = timeline_redact(str(r, "url") ? str(r, "url") : "");

			/* an autolink's brackets hold the address whole; nothing in it may close them */
			for (char *p = red; p && *p; p++)
				if (*p == '<' || *p == '>' || *p == ' ' || (unsigned char)*p < 0x20)
					*p = '_';
			put(b, " [%.0f] <%s>", num(r, "n"), red ? red : "");
			free(red);
		}
		put(b, "\n");
	}
}

static char *markdown(const cJSON *doc)
{
	const cJSON *inc = cJSON_GetObjectItem(doc, "incident"), *d = cJSON_GetObjectItem(doc, "durations_s");
	const cJSON *w = cJSON_GetObjectItem(doc, "impact_window"), *it;
	struct text_buf b = { 0 };
	char c1[64], c2[64], c3[512], c4[512], c5[300], c6[64];

	put(&b, "# Postmortem draft: %s — %s\n\n", str(inc, "ref"), str(inc, "title"));
	put(&b, "**SEV-%.0f** · status **%s** · environment %s · service %s\n\n", num(inc, "sev"), str(inc, "status"),
	    or_dash(str(inc, "environment")), or_dash(str(inc, "service")));
	put(&b, "## Summary\n\n%s\n\n", str(doc, "summary"));
	put(&b, "| | |\n|---|---|\n");
	put(&b, "| Incident commander | %s |\n", cell(c3, sizeof c3, or_dash(str(inc, "commander"))));
	put(&b, "| Scribe | %s |\n", cell(c3, sizeof c3, or_dash(str(inc, "scribe"))));
	put(&b, "| Declared | %s |\n", when(c1, sizeof c1, inc, "opened"));
	put(&b, "| Acknowledged | %s (response %s, target %.0f min) |\n", when(c1, sizeof c1, inc, "acknowledged"),
	    span(c2, sizeof c2, d, "response"), num(inc, "respond_within_min"));
	put(&b, "| Contained | %s |\n", when(c1, sizeof c1, inc, "contained"));
	put(&b, "| Recovered | %s |\n", when(c1, sizeof c1, inc, "recovered"));
	put(&b, "| Resolved | %s |\n", when(c1, sizeof c1, inc, "closed"));
	put(&b, "| Duration | %s%s |\n", span(c2, sizeof c2, d, "total"),
	    cJSON_IsTrue(cJSON_GetObjectItem(d, "ongoing")) ? " (ongoing)" : "");
	put(&b, "| Detection to mitigation | %s |\n", span(c2, sizeof c2, d, "detection_to_mitigation"));
	put(&b, "| Mitigation to recovery | %s |\n", span(c2, sizeof c2, d, "mitigation_to_recovery"));
	put(&b, "| Impact window | %s to %s (%s), from %s |\n\n", when(c1, sizeof c1, w, "start"),
	    str(w, "end") ? when(c6, sizeof c6, w, "end") : "ongoing", span(c2, sizeof c2, w, "duration_s"),
	    cell(c3, sizeof c3, str(w, "start_by")));

	put(&b, "## SEV history\n\n| time (UTC) | change | by | reason |\n|---|---|---|---|\n");
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(doc, "sev_history")) {
		if (isfinite(num(it, "from")))
			snprintf(c2, sizeof c2, "SEV-%.0f → SEV-%.0f", num(it, "from"), num(it, "sev"));
		else
			snprintf(c2, sizeof c2, "SEV-%.0f", num(it, "sev"));
		put(&b, "| %s | %s | %s | %s |\n", when(c1, sizeof c1, it, "at"), c2, cell(c3, sizeof c3, str(it, "by")),
		    cell(c4, sizeof c4, or_dash(str(it, "reason"))));
	}

	put(&b, "\n## Timeline\n\n| time (UTC) | actor | kind | what |\n|---|---|---|---|\n");
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(doc, "timeline"))
		put(&b, "| %s | %s | %s | %s |\n", when(c1, sizeof c1, it, "at"), cell(c3, sizeof c3, str(it, "actor")),
		    cell(c2, sizeof c2, str(it, "kind")), cell(c4, sizeof c4, str(it, "summary")));

	references(&b, doc);
	log_lines(&b, doc);

	put(&b, "\n## Actions\n\n| started (UTC) | by | via | action | outcome | took | signals then | summary |\n"
	    "|---|---|---|---|---|---|---|---|\n");
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(doc, "actions")) {
		char took[32];

		text_age((int64_t)num(it, "duration_ms"), took, sizeof took);
		signals_text(c5, sizeof c5, cJSON_GetObjectItem(it, "signals"));
		put(&b, "| %s | %s | %s | %s | %s | %s | %s | %s |\n", when(c1, sizeof c1, it, "started"),
		    cell(c3, sizeof c3, str(it, "actor")), cell(c6, sizeof c6, str(it, "via")),
		    cell(c2, sizeof c2, str(it, "action")), str(it, "outcome"), took, c5,
		    cell(c4, sizeof c4, str(it, "summary")));
	}

	put(&b, "\n## Follow-ups\n\n");
	if (cJSON_GetArraySize(cJSON_GetObjectItem(doc, "follow_ups")) == 0)
		put(&b, "- none recorded\n");
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(doc, "follow_ups"))
		put(&b, "- [ ] %s (%s, %s)\n", cell(c4, sizeof c4, str(it, "text")), when(c1, sizeof c1, it, "at"),
		    cell(c3, sizeof c3, str(it, "by")));
	put(&b, "\n## Root cause\n\n_To be written._\n\n## What went well, what did not\n\n_To be written._\n\n"
	    "---\nGenerated %s by %s from the warroom timeline.\n", str(doc, "generated"), or_dash(str(doc, "generated_by")));
	return text_buf_take(&b);
}

char *export_incident(struct timeline *tl, const struct config *cfg, int64_t id, enum export_format fmt,
                      int64_t *incident_id, char *err, size_t errlen)
{
	cJSON *doc;
	char *out, *s;

	if (!tl) {
		snprintf(err, errlen, "timeline not open");
		return NULL;
	}
	doc = build(tl, cfg, id, incident_id, err, errlen);
	if (!doc)
		return NULL;
	if (fmt == EXPORT_JSON) {
		s = cJSON_Print(doc);
		out = s ? malloc(strlen(s) + 2) : NULL;
		if (out)
			sprintf(out, "%s\n", s);
		cJSON_free(s);
	} else {
		out = markdown(doc);
	}
	cJSON_Delete(doc);
	if (!out)
		snprintf(err, errlen, "out of memory");
	else
		text_fix_utf8(out);
	return out;
}

void export_signals_json(const struct model *m, char *json, size_t len)
{
	static const char *const keys[MET_COUNT] = {
		[MET_RPS] = "rps", [MET_ERRORS] = "error_ratio", [MET_P95] = "p95_s", [MET_P99] = "p99_s",
		[MET_QUEUE] = "queue",
	};
	size_t n;

	if (!len)
		return;
	n = (size_t)snprintf(json, len, "{");
	for (int i = 0; i < MET_COUNT && n < len; i++) {
		double v = m->metrics.s[i].last;

		if (isfinite(v))   /* NaN and Inf are not JSON */
			n += (size_t)snprintf(json + n, len - n, "%s\"%s\":%.6g", n > 1 ? "," : "", keys[i], v);
	}
	if (n < len)
		n += (size_t)snprintf(json + n, len - n, "}");
	if (n <= 2 || n >= len)
		json[0] = '\0';   /* nothing known, or cut: say nothing rather than half */
}

/* ---- files ---- */

int export_write_private(const char *path, const char *text, char *err, size_t errlen)
{
	size_t len = strlen(text), off = 0;
	int fd;

	if (files_make_parents(path, err, errlen) != 0)
		return -1;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
		return -1;
	}
	/* an existing file keeps its mode on open: make it private too */
	if (fchmod(fd, 0600) != 0) {
		snprintf(err, errlen, "cannot make %s private: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	while (off < len) {
		ssize_t w = write(fd, text + off, len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
			close(fd);
			return -1;
		}
		off += (size_t)w;
	}
	if (fsync(fd) != 0 || close(fd) != 0) {
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

void export_logs_dir(const struct timeline *tl, const struct config *cfg, char *buf, size_t len)
{
	config_logs_dir(cfg, tl ? timeline_path(tl) : NULL, buf, len);
}

int export_incident_files(struct timeline *tl, const struct config *cfg, int64_t id, char *md_path, size_t len,
                          char *err, size_t errlen)
{
	char dir[1100];

	enum export_format fmts[2] = { EXPORT_MD, EXPORT_JSON };
	int64_t got = 0;

	export_logs_dir(tl, cfg, dir, sizeof dir);

	for (int i = 0; i < 2; i++) {
		char path[1200];
		char *text = export_incident(tl, cfg, id, fmts[i], &got, err, errlen);
		int rc;

		if (!text)
			return -1;
		snprintf(path, sizeof path, "%s/postmortem/INC-%lld.%s", dir, (long long)got,
		         fmts[i] == EXPORT_MD ? "md" : "json");
		rc = export_write_private(path, text, err, errlen);
		free(text);
		if (rc != 0)
			return -1;
		if (i == 0)
			text_copy(md_path, len, path);
		id = got;   /* the JSON is of the same incident, whatever opened meanwhile */
	}
	return 0;
}

/* The plan event of the newest rollback run ("rollback ... confirmed by"). */
static cJSON *last_plan(struct timeline *tl)
{
	struct timeline_event *evs = NULL;
	size_t n = 0;
	cJSON *plan = NULL;

	if (timeline_list(tl, -1, 0, 200, &evs, &n) != 0)
		return NULL;
	for (size_t i = 0; i < n && !plan; i++) {
		cJSON *d;

		if (strcmp(evs[i].kind, "rollback") != 0 || !evs[i].detail_json)
			continue;
		d = cJSON_Parse(evs[i].detail_json);
		if (d && str(d, "strategy"))
			plan = d;
		else
			cJSON_Delete(d);
	}
	timeline_events_free(evs, n);
	return plan;
}

/* The commit restored: Argo CD's revision of the state rolled back to; without
 * Argo CD, the target's rollout revision ("r7"), as the deployment log says it. */
static void commit_of(const cJSON *plan, char *buf, size_t len)
{
	const char *rev = plan ? str(plan, "argocd_to_revision") : NULL;
	double r = plan ? num(plan, "target_revision") : NAN;

	if (rev && *rev)
		text_copy(buf, len, rev);
	else if (isfinite(r) && r > 0)
		snprintf(buf, len, "r%.0f", r);
	else
		buf[0] = '\0';
}

int export_rollback_log(struct timeline *tl, const struct config *cfg, const struct action_result *res,
                        char *path, size_t len, char *err, size_t errlen)
{
	cJSON *o = cJSON_CreateObject(), *plan = tl ? last_plan(tl) : NULL;
	struct timeline_incident inc;
	char stamp[32], fname[32], commit[80], dir[1100], *text;
	const char *image, *colon;
	int64_t now = loop_wall_ms();
	time_t t = (time_t)(now / 1000);
	struct tm tm;
	int rc;

	if (!o) {
		snprintf(err, errlen, "out of memory");
		cJSON_Delete(plan);
		return -1;
	}
	iso(stamp, sizeof stamp, now);
	gmtime_r(&t, &tm);
	strftime(fname, sizeof fname, "%Y%m%dT%H%M%SZ", &tm);
	image = plan ? str(plan, "target_image") : NULL;
	colon = image ? strrchr(image, ':') : NULL;
	cJSON_AddStringToObject(o, "timestamp", stamp);
	add_str(o, "environment", cfg->environment);
	add_str(o, "version", colon ? colon + 1 : "");
	commit_of(plan, commit, sizeof commit);
	add_str(o, "commit", commit);
	add_str(o, "operator", cfg->operator_name);
	add_str(o, "strategy", plan ? str(plan, "strategy") : "");
	add_str(o, "type", "rollback");
	add_str(o, "status", res->outcome == ACTION_OK ? "success" : actions_outcome_name(res->outcome));
	add_str(o, "verification", res->summary);
	add_str(o, "service", cfg->kube.service);
	add_str(o, "namespace", cfg->kube.namespace_);
	add_str(o, "from", plan ? str(plan, "from") : "");
	add_str(o, "to", plan ? str(plan, "to") : "");
	add_str(o, "image", image ? image : "");
	cJSON_AddNumberToObject(o, "duration_ms", (double)res->duration_ms);
	if (res->followup[0])
		add_str(o, "followup", res->followup);
	if (tl && timeline_incident_current(tl, &inc) == 1) {
		char ref[32];

		snprintf(ref, sizeof ref, "INC-%lld", (long long)inc.id);
		cJSON_AddStringToObject(o, "incident", ref);
	}
	cJSON_Delete(plan);
	text = cJSON_Print(o);
	cJSON_Delete(o);
	if (!text) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	export_logs_dir(tl, cfg, dir, sizeof dir);
	snprintf(path, len, "%s/deployments/rollback_%s.json", dir, fname);
	rc = export_write_private(path, text, err, errlen);
	cJSON_free(text);
	return rc;
}
