/* What an incident leaves open when it is resolved: a silence set during it
 * that still hides its alerts, and Argo CD auto-sync a rollback turned off.
 * Read from the timeline, so the console and the command line say the same
 * whoever set them. */
#include "warroom/incident.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cJSON.h>

#include "warroom/text.h"
#include "warroom/timeline.h"

#define FOLLOWUP_PREFIX "follow-up: re-enable auto-sync"
#define CLOSED_PREFIX "follow-up closed: auto-sync"
#define READ_EVENTS 2000   /* an incident's worth, newest first */
#define EXPIRED_MAX 64

static const char *str(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* Expired silences are known by id; older records name only its first 8. */
static bool expired(char ids[][48], size_t n, const char *id)
{
	for (size_t i = 0; i < n; i++)
		if (strncmp(ids[i], id, strlen(ids[i]) < 8 ? strlen(ids[i]) : 8) == 0)
			return true;
	return false;
}

static void clock_text(int64_t ms, char *buf, size_t len)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	gmtime_r(&t, &tm);
	snprintf(buf, len, "%02d:%02dZ", tm.tm_hour, tm.tm_min);
}

size_t incident_followups(struct timeline *tl, int64_t now_wall_ms, struct incident_followup *out, size_t max)
{
	struct timeline_event *evs = NULL;
	char gone[EXPIRED_MAX][48];
	size_t n = 0, ngone = 0, got = 0;
	bool autosync_seen = false;

	if (!tl || timeline_list(tl, -1, 0, READ_EVENTS, &evs, &n) != 0)
		return 0;
	for (size_t i = 0; i < n && got < max; i++) {   /* newest first: a later end is met before its start */
		const struct timeline_event *e = &evs[i];

		if (!autosync_seen && strcmp(e->kind, "action") == 0) {
			if (strncmp(e->summary, CLOSED_PREFIX, strlen(CLOSED_PREFIX)) == 0) {
				autosync_seen = true;
			} else if (strncmp(e->summary, FOLLOWUP_PREFIX, strlen(FOLLOWUP_PREFIX)) == 0) {
				cJSON *d = e->detail_json ? cJSON_Parse(e->detail_json) : NULL;

				autosync_seen = true;
				out[got].kind = INCIDENT_FOLLOWUP_AUTOSYNC;
				snprintf(out[got++].text, sizeof out[0].text, "Argo CD auto-sync on %.100s is off since the "
				         "rollback ({autosync} re-enables it once Git is fixed)",
				         str(d, "application") ? str(d, "application") : "the application");
				cJSON_Delete(d);
			}
		}
		if (strcmp(e->kind, "silence") == 0 && e->detail_json) {
			cJSON *d = cJSON_Parse(e->detail_json);
			const char *id = str(d, "silence");
			const cJSON *until = cJSON_GetObjectItemCaseSensitive(d, "until_ms");
			char at[16];

			if (id && cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(d, "expired"))) {
				if (ngone < EXPIRED_MAX)
					text_copy(gone[ngone++], sizeof gone[0], id);
			} else if (id && cJSON_IsNumber(until) && until->valuedouble > (double)now_wall_ms &&
			           !expired(gone, ngone, id)) {
				clock_text((int64_t)until->valuedouble, at, sizeof at);
				out[got].kind = INCIDENT_FOLLOWUP_SILENCE;
				snprintf(out[got++].text, sizeof out[0].text, "silence %.40s on %.80s until %s hides a recurrence "
				         "({expire} ends it)", id, str(d, "matchers") ? str(d, "matchers") : "?", at);
			}
			cJSON_Delete(d);
		} else if (strcmp(e->kind, "silence") == 0 && strstr(e->summary, " expired by ") &&
		           strncmp(e->summary, "silence ", 8) == 0 && ngone < EXPIRED_MAX) {
			snprintf(gone[ngone++], sizeof gone[0], "%.8s", e->summary + 8);
		}
	}
	timeline_events_free(evs, n);
	return got;
}
