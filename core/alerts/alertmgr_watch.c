/* The alerts watcher: during an open incident, an alert that starts
 * firing, resolves or is silenced is written to the timeline, so the
 * incident's record says when each alert came and went without anyone
 * watching the screen. It is the one writer of alert events: an alert is
 * recorded at the time it began to fire (its startsAt), those already
 * firing when the incident is declared with it, and never twice — not by a
 * console restarted mid-incident, not by two consoles on one database: the
 * timeline is asked what it says of that alert last. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "warroom/alertmgr.h"
#include "warroom/loop.h"
#include "warroom/model.h"
#include "warroom/text.h"
#include "warroom/timeline.h"

#define WATCH_MAX (MODEL_AM_ALERTS + 16)
#define WATCH_LINES 20      /* a storm of alerts writes a line of its own after these */
#define WATCH_LOOKBACK 2000 /* the incident's events read to find what was said of an alert */

struct seen {
	char fp[32];
	char name[96];
	enum model_am_state state;
	int64_t since_wall_ms;
	char silence[48];            /* the silence that hid it, "" none */
};

/* What the timeline said last of one alert (its fingerprint and start). */
struct said {
	char fp[32];
	int64_t since;
	char state[16];
	int64_t order;                /* its event id; a queued write is the newest */
};

struct alertmgr_watch {
	bool known;
	uint64_t generation;
	int64_t incident;             /* the incident whose firing alerts were written */
	struct seen s[WATCH_MAX];
	size_t n;
	struct seen next[WATCH_MAX];
	struct said said[WATCH_MAX];  /* read once a round, when something is to be written */
	size_t nsaid;
	bool said_read;
};

static const struct seen *find(const struct seen *s, size_t n, const char *fp)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(s[i].fp, fp) == 0)
			return &s[i];
	return NULL;
}

static struct said *said_of(struct alertmgr_watch *w, const char *fp, int64_t since)
{
	for (size_t i = 0; i < w->nsaid; i++)
		if (w->said[i].since == since && strcmp(w->said[i].fp, fp) == 0)
			return &w->said[i];
	if (w->nsaid == WATCH_MAX)
		return NULL;
	memset(&w->said[w->nsaid], 0, sizeof w->said[0]);
	text_copy(w->said[w->nsaid].fp, sizeof w->said[0].fp, fp);
	w->said[w->nsaid].since = since;
	w->said[w->nsaid].order = -1;
	return &w->said[w->nsaid++];
}

/* What the incident's timeline says of each alert last: read once a round. */
static void read_said(struct alertmgr_watch *w, struct model *m)
{
	struct timeline_event *evs = NULL;
	size_t n = 0;

	w->nsaid = 0;
	w->said_read = true;
	if (timeline_list(m->tl, m->incident.id, 0, WATCH_LOOKBACK, &evs, &n) != 0)
		return;
	for (size_t i = 0; i < n; i++) {
		cJSON *d;
		const cJSON *f, *s, *st;
		struct said *sd;
		int64_t order = evs[i].id ? evs[i].id : INT64_MAX;

		if (strcmp(evs[i].kind, "alert") != 0 || !evs[i].detail_json)
			continue;
		d = cJSON_Parse(evs[i].detail_json);
		f = cJSON_GetObjectItemCaseSensitive(d, "fingerprint");
		s = cJSON_GetObjectItemCaseSensitive(d, "since_ms");
		st = cJSON_GetObjectItemCaseSensitive(d, "state");
		if (cJSON_IsString(f) && cJSON_IsNumber(s) && cJSON_IsString(st) &&
		    (sd = said_of(w, f->valuestring, (int64_t)s->valuedouble)) && order > sd->order) {
			sd->order = order;
			text_copy(sd->state, sizeof sd->state, st->valuestring);
		}
		cJSON_Delete(d);
	}
	timeline_events_free(evs, n);
}

/* Writes the change unless the timeline said it last already; at is when it
 * happened (0: now). Returns whether it wrote. */
/* The change's key, the same for every console that sees it: the alert
 * (fingerprint and start), what became of it, and the silence involved. */
static bool log_alert(struct alertmgr_watch *w, struct model *m, const struct model_am_alert *a, const char *state,
                      const char *silence, int64_t at, const char *summary)
{
	char once[200];

	cJSON *o;
	char labels[600], *detail = NULL;
	size_t off = 0;
	struct said *sd;

	if (!w->said_read)
		read_said(w, m);
	sd = said_of(w, a->fingerprint, a->since_wall_ms);
	if (sd && strcmp(sd->state, state) == 0)
		return false;   /* said already, by us before a restart or by another console */
	if (sd) {
		text_copy(sd->state, sizeof sd->state, state);
		sd->order = INT64_MAX;
	}
	o = cJSON_CreateObject();
	labels[0] = '\0';
	for (size_t i = 0; i < a->nlabels && off + 2 < sizeof labels; i++)
		off += (size_t)snprintf(labels + off, sizeof labels - off, "%s%s=%s", i ? ", " : "", a->labels[i].name,
		                        a->labels[i].value);
	if (o) {
		snprintf(once, sizeof once, "alert/%s/%lld/%s%s%s", a->fingerprint, (long long)a->since_wall_ms, state,
		         silence && *silence ? "/" : "", silence ? silence : "");
		cJSON_AddStringToObject(o, "alert", a->name);
		cJSON_AddStringToObject(o, "state", state);
		cJSON_AddStringToObject(o, "once", once);
		cJSON_AddStringToObject(o, "severity", a->severity);
		cJSON_AddStringToObject(o, "fingerprint", a->fingerprint);
		/* when it began: the postmortem's impact window starts there */
		cJSON_AddNumberToObject(o, "since_ms", (double)a->since_wall_ms);
		cJSON_AddStringToObject(o, "labels", labels);
		if (a->summary[0])
			cJSON_AddStringToObject(o, "summary", a->summary);
		if (a->runbook_url[0])
			cJSON_AddStringToObject(o, "runbook_url", a->runbook_url);
		detail = cJSON_PrintUnformatted(o);
		cJSON_Delete(o);
	}
	timeline_log_at(m->tl, at, "alert", summary, detail);
	cJSON_free(detail);
	return true;
}

static void silenced_words(const struct model *m, const struct model_am_alert *a, char *buf, size_t len)
{
	const struct model_silence *s = a->nsilenced ? alertmgr_find_silence(m->am, a->silenced_by[0]) : NULL;

	if (s)
		snprintf(buf, len, "silenced by %.8s (%s%s%s)", s->id, s->created_by, s->comment[0] ? ": " : "",
		         s->comment);
	else if (a->nsilenced)
		snprintf(buf, len, "silenced by %.8s", a->silenced_by[0]);
	else if (a->ninhibited)
		snprintf(buf, len, "inhibited by %.8s", a->inhibited_by[0]);
	else if (a->nmuted)
		snprintf(buf, len, "muted by %s", a->muted_by[0]);
	else
		snprintf(buf, len, "suppressed");
}

/* Its start, when Alertmanager gave one that is not in the future. */
static int64_t began(const struct model_am_alert *a, int64_t now)
{
	return a->since_wall_ms > 0 && a->since_wall_ms <= now ? a->since_wall_ms : now;
}

/* A new incident: what fires already is part of its story, from its start. */
static size_t declared(struct alertmgr_watch *w, struct model *m, const struct model_am *am, int64_t now,
                       size_t *more)
{
	char summary[300], why[200];
	size_t lines = 0;

	for (size_t i = 0; i < am->n; i++) {
		const struct model_am_alert *a = &am->a[i];
		bool silenced = a->state == AM_SUPPRESSED && a->nsilenced;

		if (a->state != AM_ACTIVE && !silenced)
			continue;
		if (silenced) {
			silenced_words(m, a, why, sizeof why);
			snprintf(summary, sizeof summary, "%s firing (%s), %s", a->name, a->severity, why);
		} else {
			snprintf(summary, sizeof summary, "%s firing (%s)%s%s", a->name, a->severity,
			         a->summary[0] ? ": " : "", a->summary);
		}
		if (lines >= WATCH_LINES)
			(*more)++;
		else if (log_alert(w, m, a, silenced ? "silenced" : "firing", silenced ? a->silenced_by[0] : NULL,
		                   began(a, now), summary))
			lines++;
	}
	return lines;
}

static void alerts_watch(struct model *m, unsigned changed, void *arg)
{
	struct alertmgr_watch *w = arg;
	const struct model_am *am = m->am;
	size_t nn = 0, lines = 0, more = 0;
	char summary[300], why[200], took[32];
	int64_t now = loop_wall_ms();
	bool logging = w->known && m->has_incident && m->tl;

	if (!am || !am->generation || am->answered == 0)
		return;   /* nobody answered: nothing is known to have changed */
	w->said_read = false;
	/* a new incident, or one open when the console started: the timeline
	 * says which of its alerts were written already */
	if (m->has_incident && m->tl && m->incident.id != w->incident && (changed & (DIRTY_ALERTS | DIRTY_INCIDENT))) {
		w->incident = m->incident.id;
		lines += declared(w, m, am, now, &more);
	}
	if (!(changed & DIRTY_ALERTS) || am->generation == w->generation) {
		if (lines || more)
			goto out;
		return;
	}
	w->generation = am->generation;
	for (size_t i = 0; i < am->n && nn < WATCH_MAX; i++) {
		const struct model_am_alert *a = &am->a[i];
		const struct seen *was = find(w->s, w->n, a->fingerprint);
		struct seen *s = &w->next[nn++];
		bool ok = false;

		snprintf(s->fp, sizeof s->fp, "%s", a->fingerprint);
		snprintf(s->name, sizeof s->name, "%s", a->name);
		s->state = a->state;
		s->since_wall_ms = a->since_wall_ms;
		text_copy(s->silence, sizeof s->silence, a->nsilenced ? a->silenced_by[0] : was ? was->silence : "");
		if (!logging)
			continue;
		if (a->state == AM_ACTIVE && (!was || was->state != AM_ACTIVE)) {
			snprintf(summary, sizeof summary, "%s firing (%s)%s%s", a->name, a->severity,
			         a->summary[0] ? ": " : "", a->summary);
			if (lines >= WATCH_LINES)
				more++;
			/* back from a silence it fires now; new, since it began */
			else if (was && was->state == AM_SUPPRESSED)
				ok = log_alert(w, m, a, "firing", was->silence, now, summary);   /* the silence ended */
			else
				ok = log_alert(w, m, a, "firing", NULL, began(a, now), summary);
		} else if (a->state == AM_SUPPRESSED && was && was->state == AM_ACTIVE) {
			silenced_words(m, a, why, sizeof why);
			snprintf(summary, sizeof summary, "%s %s", a->name, why);
			if (lines >= WATCH_LINES)
				more++;
			else
				ok = log_alert(w, m, a, "silenced", a->nsilenced ? a->silenced_by[0] : NULL, now, summary);
		}
		lines += ok;
	}
	if (logging) {
		/* gone from every Alertmanager while it fired: resolved */
		for (size_t i = 0; i < w->n; i++) {
			const struct seen *was = &w->s[i];
			struct model_am_alert gone = { 0 };

			if (was->state != AM_ACTIVE || find(w->next, nn, was->fp) || am->total > am->n)
				continue;   /* a list cut short cannot tell a resolved alert from one left out */
			text_age(was->since_wall_ms ? now - was->since_wall_ms : 0, took, sizeof took);
			if (was->since_wall_ms)
				snprintf(summary, sizeof summary, "%s resolved after %s", was->name, took);
			else
				snprintf(summary, sizeof summary, "%s resolved", was->name);
			text_copy(gone.name, sizeof gone.name, was->name);
			text_copy(gone.fingerprint, sizeof gone.fingerprint, was->fp);
			gone.since_wall_ms = was->since_wall_ms;
			if (lines >= WATCH_LINES)
				more++;
			else
				lines += log_alert(w, m, &gone, "resolved", NULL, now, summary);
		}
	}
	memcpy(w->s, w->next, nn * sizeof w->s[0]);
	w->n = nn;
	w->known = true;
out:
	if (more) {
		snprintf(summary, sizeof summary, "%zu more alert changes (the alerts view lists them)", more);
		timeline_log(m->tl, "alert", summary, NULL);
	}
	if (lines || more)
		model_sync_timeline(m);
}

struct alertmgr_watch *alertmgr_watch_install(struct model *m)
{
	struct alertmgr_watch *w = calloc(1, sizeof *w);

	if (!w)
		return NULL;
	if (model_watch_add(m, alerts_watch, w) != 0) {
		free(w);
		return NULL;
	}
	return w;
}

void alertmgr_watch_free(struct alertmgr_watch *w, struct model *m)
{
	if (!w)
		return;
	for (size_t i = 0; m && i < m->nwatch; i++) {
		if (m->watch[i].arg != w)
			continue;
		memmove(&m->watch[i], &m->watch[i + 1], (m->nwatch - i - 1) * sizeof m->watch[0]);
		m->nwatch--;
		break;
	}
	free(w);
}
