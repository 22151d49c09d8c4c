/* Prometheus' alerting rules: which are healthy, which fail to evaluate,
 * and the alerts waiting out their `for` before Alertmanager hears of them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "warroom/alertmgr.h"
#include "warroom/endpoint.h"
#include "prom_rules.h"
#include "warroom/text.h"

static const char *str(const cJSON *o, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

	return cJSON_IsString(v) && v->valuestring ? v->valuestring : "";
}

static void put(char *dst, size_t len, const char *src)
{
	text_one_line(dst, len, src);
	text_fix_utf8(dst);
}

static int rule_rank(const struct model_rule *r)
{
	if (strcmp(r->health, "err") == 0)
		return 0;
	if (strcmp(r->state, "firing") == 0)
		return 1;
	if (strcmp(r->state, "pending") == 0)
		return 2;
	return 3;
}

static int rule_cmp(const void *x, const void *y)
{
	const struct model_rule *a = x, *b = y;
	int d = rule_rank(a) - rule_rank(b);

	if (d)
		return d;
	d = strcmp(a->group, b->group);
	return d ? d : strcmp(a->name, b->name);
}

static void add_pending(const cJSON *al, const struct config *cfg, struct model_am *am, struct model_am_alert *a)
{
	if (strcmp(str(al, "state"), "pending") != 0 || !alertmgr_read_alert(al, cfg, a))
		return;
	a->state = AM_PENDING;
	a->since_wall_ms = text_parse_time(str(al, "activeAt"));
	a->from = 0;
	alertmgr_add_alert(am, a);
}

int prom_rules_parse(const char *json, size_t len, const struct config *cfg, struct model_am *am,
                     char *err, size_t errlen)
{
	cJSON *root = cJSON_ParseWithLength(json, len);
	const cJSON *groups, *g;
	struct model_am_alert *a = NULL;

	if (!cJSON_IsObject(root)) {
		snprintf(err, errlen, "Prometheus rules: the answer is not JSON");
		goto fail;
	}
	if (strcmp(str(root, "status"), "success") != 0) {
		if (str(root, "error")[0])
			snprintf(err, errlen, "Prometheus rules: %s: %.160s", str(root, "errorType")[0] ?
			         str(root, "errorType") : "error", str(root, "error"));
		else
			snprintf(err, errlen, "Prometheus rules: the answer is not a success");
		goto fail;
	}
	groups = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(root, "data"), "groups");
	if (!cJSON_IsArray(groups)) {
		snprintf(err, errlen, "Prometheus rules: the answer has no list of rule groups");
		goto fail;
	}
	a = malloc(sizeof *a);
	if (!a) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	am->nrules = am->rules_total = am->rules_in_error = 0;
	cJSON_ArrayForEach(g, groups) {
		const cJSON *r;

		cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(g, "rules")) {
			struct model_rule rule;
			const cJSON *al;

			/* recording rules have no alerts; a rule without a type is an old alerting one */
			if (!cJSON_IsObject(r) || strcmp(str(r, "type"), "recording") == 0 || !str(r, "name")[0])
				continue;
			memset(&rule, 0, sizeof rule);
			put(rule.name, sizeof rule.name, str(r, "name"));
			put(rule.group, sizeof rule.group, str(g, "name"));
			put(rule.state, sizeof rule.state, str(r, "state")[0] ? str(r, "state") : "inactive");
			put(rule.health, sizeof rule.health, str(r, "health")[0] ? str(r, "health") : "unknown");
			put(rule.last_error, sizeof rule.last_error, str(r, "lastError"));
			cJSON_ArrayForEach(al, cJSON_GetObjectItemCaseSensitive(r, "alerts")) {
				rule.pending += strcmp(str(al, "state"), "pending") == 0;
				rule.firing += strcmp(str(al, "state"), "firing") == 0;
				add_pending(al, cfg, am, a);
			}
			am->rules_total++;
			if (strcmp(rule.health, "err") == 0)
				am->rules_in_error++;
			if (am->nrules < MODEL_AM_RULES) {
				am->rules[am->nrules++] = rule;
			} else if (rule_rank(&rule) == 0) {
				/* a full list keeps the rules in error */
				for (size_t i = am->nrules; i-- > 0;)
					if (rule_rank(&am->rules[i]) > 0) {
						am->rules[i] = rule;
						break;
					}
			}
		}
	}
	qsort(am->rules, am->nrules, sizeof am->rules[0], rule_cmp);
	free(a);
	cJSON_Delete(root);
	return 0;
fail:
	free(a);
	cJSON_Delete(root);
	return -1;
}

static const char *const rules_query[] = { "type", "alert", NULL };

uint64_t prom_rules_get(const struct endpoint *ep, struct http *http, http_done_fn fn, void *arg,
                        char *err, size_t errlen)
{
	return endpoint_get(ep, http, "/api/v1/rules", rules_query, fn, arg, err, errlen);
}
