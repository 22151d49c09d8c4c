/* The alerts watcher: during an open incident, an alert that starts
 * firing, resolves or is silenced is written to the timeline, so the
 * incident's record says when each alert came and went without anyone
 * watching the screen. It keeps the last state it saw of each alert. */
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

struct seen {
	char fp[32];
	char name[96];
	enum model_am_state state;
	int64_t since_wall_ms;
};

struct alertmgr_watch {
	bool known;
	uint64_t generation;
	struct seen s[WATCH_MAX];
	size_t n;
	struct seen next[WATCH_MAX];
};

static const struct seen *find(const struct seen *s, size_t n, const char *fp)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(s[i].fp, fp) == 0)
			return &s[i];
	return NULL;
}

static void log_alert(struct model *m, const struct model_am_alert *a, const char *summary)
{
	cJSON *o = cJSON_CreateObject();
	char labels[600], *detail = NULL;
	size_t off = 0;

	labels[0] = '\0';
	for (size_t i = 0; i < a->nlabels && off + 2 < sizeof labels; i++)
		off += (size_t)snprintf(labels + off, sizeof labels - off, "%s%s=%s", i ? ", " : "", a->labels[i].name,
		                        a->labels[i].value);
	if (o) {
		cJSON_AddStringToObject(o, "alert", a->name);
		cJSON_AddStringToObject(o, "severity", a->severity);
		cJSON_AddStringToObject(o, "fingerprint", a->fingerprint);
		cJSON_AddStringToObject(o, "labels", labels);
		if (a->summary[0])
			cJSON_AddStringToObject(o, "summary", a->summary);
		if (a->runbook_url[0])
			cJSON_AddStringToObject(o, "runbook_url", a->runbook_url);
		detail = cJSON_PrintUnformatted(o);
		cJSON_Delete(o);
	}
	timeline_log(m->tl, "alert", summary, detail);
	cJSON_free(detail);
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

static void alerts_watch(struct model *m, unsigned changed, void *arg)
{
	struct alertmgr_watch *w = arg;
	const struct model_am *am = m->am;
	size_t nn = 0, lines = 0, more = 0;
	char summary[300], why[200], took[32];
	int64_t now = loop_wall_ms();

	if (!(changed & DIRTY_ALERTS) || !am || !am->generation || am->generation == w->generation)
		return;
	w->generation = am->generation;
	if (am->answered == 0)
		return;   /* nobody answered: nothing is known to have changed */
	for (size_t i = 0; i < am->n && nn < WATCH_MAX; i++) {
		const struct model_am_alert *a = &am->a[i];
		const struct seen *was = find(w->s, w->n, a->fingerprint);
		struct seen *s = &w->next[nn++];

		snprintf(s->fp, sizeof s->fp, "%s", a->fingerprint);
		snprintf(s->name, sizeof s->name, "%s", a->name);
		s->state = a->state;
		s->since_wall_ms = a->since_wall_ms;
		if (!w->known || !m->has_incident || !m->tl)
			continue;
		summary[0] = '\0';
		if (a->state == AM_ACTIVE && (!was || was->state != AM_ACTIVE))
			snprintf(summary, sizeof summary, "%s firing (%s)%s%s", a->name, a->severity,
			         a->summary[0] ? ": " : "", a->summary);
		else if (a->state == AM_SUPPRESSED && was && was->state == AM_ACTIVE) {
			silenced_words(m, a, why, sizeof why);
			snprintf(summary, sizeof summary, "%s %s", a->name, why);
		}
		if (!summary[0])
			continue;
		if (lines++ < WATCH_LINES)
			log_alert(m, a, summary);
		else
			more++;
	}
	if (w->known && m->has_incident && m->tl) {
		/* gone from every Alertmanager while it fired: resolved */
		for (size_t i = 0; i < w->n; i++) {
			const struct seen *was = &w->s[i];

			if (was->state != AM_ACTIVE || find(w->next, nn, was->fp) || am->total > am->n)
				continue;   /* a list cut short cannot tell a resolved alert from one left out */
			text_age(was->since_wall_ms ? now - was->since_wall_ms : 0, took, sizeof took);
			if (was->since_wall_ms)
				snprintf(summary, sizeof summary, "%s resolved after %s", was->name, took);
			else
				snprintf(summary, sizeof summary, "%s resolved", was->name);
			if (lines++ < WATCH_LINES)
				timeline_log(m->tl, "alert", summary, NULL);
			else
				more++;
		}
		if (more) {
			snprintf(summary, sizeof summary, "%zu more alert changes (the alerts view lists them)", more);
			timeline_log(m->tl, "alert", summary, NULL);
		}
		if (lines)
			model_sync_timeline(m);
	}
	memcpy(w->s, w->next, nn * sizeof w->s[0]);
	w->n = nn;
	w->known = true;
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
