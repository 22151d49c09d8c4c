/* What a runbook command gets in its environment: the console's values
 * (namespace, service, slots, versions, the incident) read again for every
 * command, and the run's fixed ones (the alert's labels as ALERT_<NAME>).
 * They are environment entries only, never command text. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "warroom/config.h"
#include "warroom/model.h"
#include "warroom/proc.h"
#include "warroom/slots.h"
#include "warroom/text.h"
#include "warroom/timeline.h"

#include "runbook_session.h"

/* ---- variables ---- */

static void var_name(char *out, size_t len, const char *prefix, const char *label)
{
	size_t o = (size_t)snprintf(out, len, "%s", prefix);

	for (; *label && o + 1 < len; label++)
		out[o++] = isalnum((unsigned char)*label) ? (char)toupper((unsigned char)*label) : '_';
	out[o] = '\0';
}

void runbook_env_labels(cJSON *vars, const char *labels)
{
	const char *p = labels;

	while (p && *p) {
		const char *nl = strchr(p, '\n'), *eq = strchr(p, '=');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		char key[96], name[128], value[512];

		if (eq && (size_t)(eq - p) < n) {
			snprintf(key, sizeof key, "%.*s", (int)(eq - p), p);
			snprintf(value, sizeof value, "%.*s", (int)(n - (size_t)(eq - p) - 1), eq + 1);
			var_name(name, sizeof name, "ALERT_", key);
			cJSON_DeleteItemFromObjectCaseSensitive(vars, name);
			cJSON_AddStringToObject(vars, name, value);
		}
		p = nl ? nl + 1 : NULL;
	}
}

void runbook_env_set(cJSON *o, const char *name, const char *value)
{
	if (!value || !*value)
		return;
	cJSON_DeleteItemFromObjectCaseSensitive(o, name);
	cJSON_AddStringToObject(o, name, value);
}

/* What the console knows now: it changes during the incident (a rollback
 * moves the active slot), so it is read again for every command. */
static void live_vars(const struct runbook_session *s, cJSON *o)
{
	const struct config *c = s->cfg;
	const struct slots_state *st = s->m ? s->m->slots : NULL;
	struct timeline_incident inc;
	char buf[64];

	runbook_env_set(o, "NAMESPACE", c->kube.namespace_);
	runbook_env_set(o, "SERVICE", c->kube.service);
	runbook_env_set(o, "ENVIRONMENT", c->environment);
	runbook_env_set(o, "OPERATOR", c->operator_name);
	runbook_env_set(o, "KUBE_CONTEXT", c->kube.context);
	runbook_env_set(o, "PROMETHEUS_URL", c->prometheus.url);
	runbook_env_set(o, "ALERTMANAGER_URL", c->alertmanager.url);
	runbook_env_set(o, "BLUE_SLOT", c->kube.slots[0]);
	runbook_env_set(o, "GREEN_SLOT", c->kube.slots[1]);
	if (st && st->updated_ms && st->active >= 0 && st->active < st->nslots) {
		int sb = slots_standby(st);

		runbook_env_set(o, "ACTIVE_SLOT", st->slot[st->active].name);
		runbook_env_set(o, "ACTIVE_DEPLOYMENT", st->slot[st->active].deployment);
		runbook_env_set(o, "DEPLOY_VERSION", st->slot[st->active].tag);
		if (sb >= 0) {
			runbook_env_set(o, "STANDBY_SLOT", st->slot[sb].name);
			runbook_env_set(o, "STANDBY_DEPLOYMENT", st->slot[sb].deployment);
			runbook_env_set(o, "PREVIOUS_VERSION", st->slot[sb].tag);
		}
	}
	if (s->tl && timeline_incident_current(s->tl, &inc) == 1) {
		snprintf(buf, sizeof buf, "INC-%lld", (long long)inc.id);
		runbook_env_set(o, "INCIDENT_ID", buf);
		snprintf(buf, sizeof buf, "%d", inc.sev);
		runbook_env_set(o, "INCIDENT_SEV", buf);
	}
}

/* The run's variables: fixed ones (alert labels, the runbook, values given)
 * over the live ones; secret values only where a command gets them. */
static cJSON *all_vars(const struct runbook_session *s, bool secrets)
{
	cJSON *o = cJSON_CreateObject(), *v;

	if (!o)
		return NULL;
	live_vars(s, o);
	cJSON_ArrayForEach(v, s->vars)
		if (cJSON_IsString(v) && !cJSON_GetObjectItemCaseSensitive(o, v->string))
			cJSON_AddStringToObject(o, v->string, v->valuestring);
	cJSON_ArrayForEach(v, s->secrets)
		if (cJSON_IsString(v) && !cJSON_GetObjectItemCaseSensitive(o, v->string))
			cJSON_AddStringToObject(o, v->string, secrets ? v->valuestring : "(hidden)");
	return o;
}

size_t runbook_session_vars(const struct runbook_session *s, char (*out)[256], size_t max)
{
	cJSON *o = all_vars(s, false), *v;
	size_t n = 0;

	cJSON_ArrayForEach(v, o) {
		if (n >= max || !cJSON_IsString(v))
			continue;
		snprintf(out[n++], 256, "%s=%s", v->string, v->valuestring);
	}
	cJSON_Delete(o);
	return n;
}

struct proc_env *runbook_env_command(struct runbook_session *s)
{
	struct proc_env *env = proc_env_new();
	cJSON *o, *v;
	const char *kc = s->cfg->kube.kubeconfig[0] ? s->cfg->kube.kubeconfig : getenv("KUBECONFIG");

	if (!env)
		return NULL;
	proc_env_inherit(env, NULL);
	if (kc && *kc)
		proc_env_set(env, "KUBECONFIG", kc);
	o = all_vars(s, true);
	cJSON_ArrayForEach(v, o)
		if (cJSON_IsString(v))
			proc_env_set(env, v->string, v->valuestring);
	cJSON_Delete(o);
	return env;
}


char **runbook_env_remote(struct runbook_session *s)
{
	cJSON *o = all_vars(s, true), *v;
	size_t n = 0, i = 0;
	char **out;

	cJSON_ArrayForEach(v, o)
		n++;
	out = calloc(n + 1, sizeof *out);
	cJSON_ArrayForEach(v, o) {
		size_t len;

		if (!out || !cJSON_IsString(v))
			continue;
		len = strlen(v->string) + strlen(v->valuestring) + 2;
		if ((out[i] = malloc(len)))
			snprintf(out[i++], len, "%s=%s", v->string, v->valuestring);
	}
	cJSON_Delete(o);
	return out;
}

void runbook_env_remote_free(char **env)
{
	for (char **e = env; e && *e; e++) {
		explicit_bzero(*e, strlen(*e));
		free(*e);
	}
	free(env);
}
