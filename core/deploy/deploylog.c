/* The deployment log: the runbook's JSON, written where only the operator
 * reads it (it names who deployed what). */
#include "deploylog.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cJSON.h>

#include "warroom/config.h"
#include "warroom/files.h"

/* The folder: deploy.log_dir, or "deployments" in the logs folder, with the rollback logs. */
static void deploylog_dir(const struct config *cfg, char *buf, size_t len)
{
	char logs[1024];

	if (cfg->deploy.log_dir[0]) {
		snprintf(buf, len, "%s", cfg->deploy.log_dir);
		return;
	}
	/* with the rollback logs: one deployments folder beside the database */
	config_logs_dir(cfg, NULL, logs, sizeof logs);
	snprintf(buf, len, "%s/deployments", logs);
}

static void iso(int64_t wall_ms, char *buf, size_t len, const char *fmt)
{
	time_t t = (time_t)(wall_ms / 1000);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, fmt, &tm);
}

int deploylog_write(const struct config *cfg, const struct deploylog_entry *e, char *path, size_t pathlen,
                    char *err, size_t errlen)
{
	char dir[1024], stamp[32], when[32], sw[32];
	cJSON *o = cJSON_CreateObject();
	char *text;
	FILE *f;
	int n;

	if (!o) {
		snprintf(err, errlen, "out of memory for the deployment log");
		return -1;
	}
	iso(e->wall_ms, stamp, sizeof stamp, "%Y%m%dT%H%M%SZ");
	iso(e->wall_ms, when, sizeof when, "%Y-%m-%dT%H:%M:%SZ");
	cJSON_AddStringToObject(o, "timestamp", when);
	cJSON_AddStringToObject(o, "environment", cfg->environment[0] ? cfg->environment : "production");
	cJSON_AddStringToObject(o, "version", e->version ? e->version : "");
	cJSON_AddStringToObject(o, "previous_version", e->previous ? e->previous : "");
	/* the runbook's commit: the rollout revision is what the cluster knows */
	if (e->revision > 0) {
		char rev[32];

		snprintf(rev, sizeof rev, "r%ld", e->revision);
		cJSON_AddStringToObject(o, "commit", rev);
	} else {
		cJSON_AddStringToObject(o, "commit", "");
	}
	cJSON_AddStringToObject(o, "operator", cfg->operator_name);
	cJSON_AddStringToObject(o, "strategy", "blue-green");
	cJSON_AddStringToObject(o, "from_slot", e->from_slot ? e->from_slot : "");
	cJSON_AddStringToObject(o, "to_slot", e->to_slot ? e->to_slot : "");
	if (e->switch_wall_ms) {
		iso(e->switch_wall_ms, sw, sizeof sw, "%Y-%m-%dT%H:%M:%SZ");
		cJSON_AddStringToObject(o, "traffic_switch", sw);
	}
	cJSON_AddNumberToObject(o, "monitoring_window_s", e->window_s);
	cJSON_AddStringToObject(o, "status", e->status);
	if (e->reason && e->reason[0])
		cJSON_AddStringToObject(o, "reason", e->reason);
	text = cJSON_Print(o);
	cJSON_Delete(o);
	if (!text) {
		snprintf(err, errlen, "out of memory for the deployment log");
		return -1;
	}
	deploylog_dir(cfg, dir, sizeof dir);
	n = snprintf(path, pathlen, "%s/deploy_%s.json", dir, stamp);
	if (n < 0 || (size_t)n >= pathlen) {
		snprintf(err, errlen, "deployment log folder %s: path too long", dir);
		free(text);
		return -1;
	}
	if (files_make_parents(path, err, errlen) != 0 || files_create_private(path, err, errlen) != 0) {
		free(text);
		return -1;
	}
	f = fopen(path, "w");
	if (f) {
		bool ok = fputs(text, f) != EOF && fputc('\n', f) != EOF;

		if (fclose(f) != 0 || !ok)
			f = NULL;
	}
	if (!f) {
		snprintf(err, errlen, "cannot write the deployment log %s: %s", path, strerror(errno));
		free(text);
		return -1;
	}
	free(text);
	return 0;
}
