/* What the log streams need of the pods and the Service: each pod's slot,
 * its containers, whether they run, how often they restarted and how their
 * last instance ended (OOMKilled, Error and its exit code); the Service's
 * selector and the slot it sends traffic to; and the slot of any object of
 * the namespace by its name, for the Events of pods that are gone. */
#include <stdio.h>
#include <string.h>

#include <cJSON.h>

#include "warroom/config.h"
#include "warroom/json.h"
#include "warroom/logs.h"
#include "warroom/text.h"

static void container(const cJSON *cs, struct logs_container *c)
{
	const cJSON *state = json_get(cs, "state"), *last = json_get(json_get(cs, "lastState"), "terminated");
	const cJSON *run = json_get(state, "running"), *wait = json_get(state, "waiting");

	memset(c, 0, sizeof *c);
	text_copy(c->name, sizeof c->name, json_str(cs, "name"));
	c->ready = cJSON_IsTrue(json_get(cs, "ready"));
	c->restarts = json_int(cs, "restartCount", 0);
	c->running = cJSON_IsObject(run);
	if (c->running)
		c->started_ms = text_parse_time(json_str(run, "startedAt") ? json_str(run, "startedAt") : "");
	if (cJSON_IsObject(wait))
		text_copy(c->waiting, sizeof c->waiting, json_str(wait, "reason") ? json_str(wait, "reason") : "Waiting");
	/* a container that ended and was not restarted has its end in state */
	if (!cJSON_IsObject(last) && cJSON_IsObject(json_get(state, "terminated")))
		last = json_get(state, "terminated");
	if (cJSON_IsObject(last)) {
		text_copy(c->last_reason, sizeof c->last_reason, json_str(last, "reason") ? json_str(last, "reason") : "Error");
		c->last_exit = json_int(last, "exitCode", 0);
		c->last_finished_ms = json_str(last, "finishedAt") ? text_parse_time(json_str(last, "finishedAt")) : 0;
	}
}

int logs_parse_pods(const char *json, size_t len, const char *slot_label, const char (*slots)[32], size_t nslots,
                    struct logs_pods *out, char *err, size_t errlen)
{
	cJSON *root = cJSON_ParseWithLength(json, len);
	const cJSON *items = json_get(root, "items"), *it;

	memset(out, 0, sizeof *out);
	if (!cJSON_IsArray(items)) {
		snprintf(err, errlen, "the API server's answer is not a PodList");
		cJSON_Delete(root);
		return -1;
	}
	cJSON_ArrayForEach(it, items) {
		const cJSON *meta = json_get(it, "metadata"), *status = json_get(it, "status"), *cs;
		const char *slot = json_str(json_get(meta, "labels"), slot_label);
		struct logs_pod *p;

		if (out->n == LOGS_MAX_PODS) {
			out->more++;
			continue;
		}
		p = &out->p[out->n++];
		memset(p, 0, sizeof *p);
		text_copy(p->name, sizeof p->name, json_str(meta, "name"));
		p->slot = -1;
		for (size_t i = 0; slot && i < nslots; i++)
			if (strcmp(slots[i], slot) == 0)
				p->slot = (int)i;
		/* one Deployment, no slot label: its pods are the one slot's */
		if (nslots == 1 && !slot)
			p->slot = 0;
		text_copy(p->phase, sizeof p->phase, json_str(status, "phase"));
		p->deleting = json_str(meta, "deletionTimestamp") != NULL;
		p->created_ms = json_str(meta, "creationTimestamp") ? text_parse_time(json_str(meta, "creationTimestamp")) : 0;
		cJSON_ArrayForEach(cs, json_get(status, "containerStatuses")) {
			if (p->nc < LOGS_MAX_CONTAINERS)
				container(cs, &p->c[p->nc++]);
		}
		/* a pod not started yet lists its containers in spec only */
		if (!p->nc) {
			cJSON_ArrayForEach(cs, json_get(json_get(it, "spec"), "containers")) {
				if (p->nc < LOGS_MAX_CONTAINERS) {
					memset(&p->c[p->nc], 0, sizeof p->c[0]);
					text_copy(p->c[p->nc].name, sizeof p->c[0].name, json_str(cs, "name"));
					text_copy(p->c[p->nc].waiting, sizeof p->c[0].waiting, "ContainerCreating");
					p->nc++;
				}
			}
		}
	}
	cJSON_Delete(root);
	return 0;
}

int logs_parse_service(const char *json, size_t len, const char *slot_label, char *selector, size_t sellen,
                       char *live, size_t livelen, char *err, size_t errlen)
{
	cJSON *root = cJSON_ParseWithLength(json, len);
	const cJSON *sel = json_get(json_get(root, "spec"), "selector"), *kv;
	size_t n = 0;

	selector[0] = live[0] = '\0';
	if (!cJSON_IsObject(root) || !json_get(root, "spec")) {
		snprintf(err, errlen, "the API server's answer is not a Service");
		cJSON_Delete(root);
		return -1;
	}
	cJSON_ArrayForEach(kv, sel) {
		if (!cJSON_IsString(kv))
			continue;
		if (strcmp(kv->string, slot_label) == 0) {
			text_copy(live, livelen, kv->valuestring);
			continue;
		}
		n += (size_t)snprintf(selector + n, n < sellen ? sellen - n : 0, "%s%s=%s", n ? "," : "", kv->string,
		                      kv->valuestring);
	}
	if (n >= sellen)
		selector[0] = '\0';   /* cut, it would select the wrong pods: none is better */
	cJSON_Delete(root);
	return 0;
}

int logs_slot_of_name(const struct config *cfg, const char *name)
{
	for (int i = 0; i < CONFIG_MAX_SLOTS; i++) {
		const char *d = cfg->kube.deployments[i];
		size_t dl = strlen(d);

		if (!dl || strncmp(name, d, dl) != 0)
			continue;
		/* the Deployment itself, or "deployment-hash[-suffix]", never a longer name's prefix */
		if (name[dl] == '\0' || (name[dl] == '-' && strchr(name + dl + 1, '-') == strrchr(name + dl + 1, '-')))
			return cfg->kube.slots[i][0] || i == 0 ? i : -1;
	}
	return -1;
}
