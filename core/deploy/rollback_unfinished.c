/* rollback_unfinished — a rollback whose process died between "confirmed"
 * and its outcome leaves the cluster in a state nobody verified. The next
 * start says so in words and records it, once. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "warroom/rollback.h"
#include "warroom/timeline.h"
#include "warroom/text.h"

/* How far back to look: a rollback writes a few tens of events at most. */
#define LOOK_BACK 400

int rollback_unfinished_check(struct timeline *tl, char *words, size_t len)
{
	if (len)
		words[0] = '\0';
	if (!tl)
		return 0;
	struct timeline_event *evs = NULL;
	size_t n = 0;
	if (timeline_list(tl, -1, 0, LOOK_BACK, &evs, &n) != 0)
		return -1;
	int found = 0;
	for (size_t i = 0; i < n; i++) {   /* newest first */
		const struct timeline_event *ev = &evs[i];
		if (strcmp(ev->kind, "rollback") != 0)
			continue;
		if (ev->detail_json && strstr(ev->detail_json, "\"outcome\""))
			break;   /* the newest rollback ended, or was reported already */
		if (strncmp(ev->summary, "rollback ", 9) == 0 && strstr(ev->summary, " confirmed by ")) {
			time_t t = (time_t)(ev->ts_ms / 1000);
			struct tm tm;
			char when[32] = "?";
			if (gmtime_r(&t, &tm))
				strftime(when, sizeof when, "%Y-%m-%d %H:%M:%SZ", &tm);
			snprintf(words, len, "interrupted rollback: \"%s\" at %s never finished; "
			         "check which slot serves traffic before acting again", ev->summary, when);
			found = 1;
			break;
		}
	}
	timeline_events_free(evs, n);
	if (found && timeline_log(tl, "rollback", words, "{\"outcome\":\"interrupted\"}") != 0)
		return -1;
	return found;
}
