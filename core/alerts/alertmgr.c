/* Alertmanager API v2: firing alerts into the model. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "warroom/alertmgr.h"
#include "warroom/config.h"
#include "warroom/endpoint.h"
#include "warroom/http.h"
#include "warroom/loop.h"
#include "warroom/policy.h"
#include "prom_rules.h"
#include "warroom/source.h"
#include "warroom/text.h"

static const char *label(const cJSON *labels, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(labels, name);

	return cJSON_IsString(v) ? v->valuestring : "";
}

/* "name=value" lines, whole labels only: a cut one would be a wrong value. */
static void labels_text(char *buf, size_t len, const cJSON *labels)
{
	const cJSON *l;
	size_t used = 0;

	buf[0] = '\0';
	cJSON_ArrayForEach(l, labels) {
		int n;

		if (!cJSON_IsString(l) || !l->string || strchr(l->valuestring, '\n'))
			continue;
		n = snprintf(buf + used, len - used, "%s=%s\n", l->string, l->valuestring);
		if (n < 0 || (size_t)n >= len - used) {
			buf[used] = '\0';
			continue;
		}
		used += (size_t)n;
	}
}

static bool critical(const struct config *cfg, const char *sev)
{
	return policy_severity_is_critical(cfg, sev);
}

int64_t alertmgr_parse_time(const char *s)
{
	return text_parse_time(s);
}

static bool before(const struct config *cfg, const struct model_alert *x, const struct model_alert *y)
{
	bool cx = critical(cfg, x->severity), cy = critical(cfg, y->severity);

	if (cx != cy)
		return cx;
	return x->since_wall_ms < y->since_wall_ms;
}

/* Critical first, then the oldest. An insertion sort: the policy is the
 * comparison's context, which qsort has no room for, and n is small. */
static void sort_alerts(const struct config *cfg, struct model_alert *a, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		struct model_alert x = a[i];
		size_t j = i;

		for (; j > 0 && before(cfg, &x, &a[j - 1]); j--)
			a[j] = a[j - 1];
		a[j] = x;
	}
}

int alertmgr_parse_alerts(const char *json, size_t len, const struct config *cfg, struct model_alerts *out,
                          char *err, size_t errlen)
{
	cJSON *root = cJSON_ParseWithLength(json, len);
	const cJSON *al;
	struct model_alerts tmp;

	if (!cJSON_IsArray(root)) {
		snprintf(err, errlen, "Alertmanager answered with something that is not a list of alerts");
		cJSON_Delete(root);
		return -1;
	}
	memset(&tmp, 0, sizeof tmp);
	cJSON_ArrayForEach(al, root) {
		const cJSON *labels = cJSON_GetObjectItemCaseSensitive(al, "labels");
		const cJSON *ann = cJSON_GetObjectItemCaseSensitive(al, "annotations");
		const cJSON *st = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(al, "status"), "state");
		const cJSON *starts = cJSON_GetObjectItemCaseSensitive(al, "startsAt");
		const char *sev = label(labels, "severity");
		struct model_alert *a;

		if (cJSON_IsString(st) && strcmp(st->valuestring, "active") != 0)
			continue;   /* suppressed or unprocessed: not firing for the operator */
		tmp.total++;
		if (critical(cfg, sev))
			tmp.critical++;
		else if (strcmp(sev, "warning") == 0)
			tmp.warning++;
		if (tmp.n == MODEL_ALERTS) {
			/* keep the critical ones when there are too many to show */
			if (!critical(cfg, sev))
				continue;
			sort_alerts(cfg, tmp.a, tmp.n);
			if (critical(cfg, tmp.a[tmp.n - 1].severity))
				continue;
			tmp.n--;
		}
		a = &tmp.a[tmp.n++];
		snprintf(a->name, sizeof a->name, "%s", label(labels, "alertname"));
		snprintf(a->severity, sizeof a->severity, "%s", sev[0] ? sev : "none");
		snprintf(a->group, sizeof a->group, "%s", label(labels, "group"));
		snprintf(a->summary, sizeof a->summary, "%s", label(ann, "summary")[0] ? label(ann, "summary") :
		         label(ann, "description"));
		a->since_wall_ms = cJSON_IsString(starts) ? alertmgr_parse_time(starts->valuestring) : 0;
		snprintf(a->runbook_url, sizeof a->runbook_url, "%s", label(ann, "runbook_url"));
		labels_text(a->labels, sizeof a->labels, labels);
	}
	cJSON_Delete(root);
	sort_alerts(cfg, tmp.a, tmp.n);
	tmp.updated_ms = out->updated_ms;
	*out = tmp;
	return 0;
}

enum req_kind { REQ_ALERTS, REQ_GROUPS, REQ_SILENCES, REQ_RULES, REQ_KINDS };
#define NREQS (MODEL_AM_SOURCES * 3 + 1)

/* One request of a full round; its answer is kept until the round is whole,
 * so the groups are read after the alerts they name. */
struct am_req {
	struct alertmgr *am;
	enum req_kind kind;
	unsigned src;
	uint64_t id;
	bool ok;
	char *body;
	size_t len;
	char err[300];
};

struct alertmgr {
	const struct config *cfg;   /* which severities are critical */
	struct http *http;
	struct source *src;
	struct endpoint ep;
	struct model_alerts *out;
	alertmgr_fn fn;
	void *arg;
	uint64_t id;              /* the request in flight */
	bool closing;
	/* the full poller (alertmgr_enable_full) */
	struct model_am *full, *build;
	struct endpoint more[MODEL_AM_SOURCES - 1];   /* alertmanager.urls after the first */
	size_t nmore;
	struct endpoint prom;
	bool has_prom;
	struct am_req req[NREQS];
	int outstanding;
};

static const char *const alerts_query[] = {
	"active", "true", "silenced", "false", "inhibited", "false", NULL,
};

/* The start of an error body on one line (Alertmanager's are bare strings). */
static void body_words(char *buf, size_t len, const char *body)
{
	size_t o = 0;

	for (; body && *body && o + 4 < len && o < 80; body++)
		buf[o++] = (unsigned char)*body < 0x20 ? ' ' : *body;
	while (o && ((unsigned char)buf[o - 1] & 0xC0) == 0x80)
		o--;   /* no half UTF-8 sequence at the end */
	if (o && (unsigned char)buf[o - 1] >= 0xC0)
		o--;
	buf[o] = '\0';
}

/* The words for an answer that is not a 200, or "" for one. */
static void answer_words(const struct http_resp *r, const char *who, char *err, size_t errlen)
{
	char words[96];

	err[0] = '\0';
	if (r->err != HTTP_OK) {
		snprintf(err, errlen, "%s: %s", who, r->errmsg);
	} else if (r->status != 200 && text_looks_html(r->content_type, r->body, r->len)) {
		text_html_title(r->body, r->len, words, sizeof words);
		snprintf(err, errlen, "%s answered HTTP %ld with an HTML page (a proxy?), not its API%s%s", who, r->status,
		         words[0] ? ": " : "", words);
	} else if (r->status != 200) {
		body_words(words, sizeof words, r->body);
		snprintf(err, errlen, "%s answered HTTP %ld%s%s", who, r->status, words[0] ? ": " : "", words);
	}
}

static void poll_done(const struct http_resp *r, void *arg)
{
	struct alertmgr *am = arg;
	char err[300] = "";
	bool ok = false;

	am->id = 0;
	if (am->closing) {
		source_round_done(am->src, false, "stopped");   /* dropped: the source is stopped */
		return;
	}
	answer_words(r, "Alertmanager", err, sizeof err);
	if (!err[0])
		ok = alertmgr_parse_alerts(r->body, r->len, am->cfg, am->out, err, sizeof err) == 0;
	if (ok)
		am->out->updated_ms = loop_now_ms();
	source_round_done(am->src, ok, err);
	if (am->fn)
		am->fn(ok, err, am->arg);
}

static const struct endpoint *source_ep(const struct alertmgr *am, unsigned src)
{
	return src == 0 ? &am->ep : &am->more[src - 1];
}

static void drop_bodies(struct alertmgr *am)
{
	for (size_t i = 0; i < NREQS; i++) {
		free(am->req[i].body);
		am->req[i].body = NULL;
		am->req[i].len = 0;
	}
}

/* Entries [0, used) of one array from src, and dst's entries past src's
 * count back to zero: the other entries were never written, so the pages of
 * a quiet Alertmanager's 200 alerts are never touched. */
#define AM_COPY_USED(dst, src, arr, cnt)                                                          \
	do {                                                                                      \
		memcpy((dst)->arr, (src)->arr, (src)->cnt * sizeof (src)->arr[0]);                \
		if ((dst)->cnt > (src)->cnt)                                                      \
			memset(&(dst)->arr[(src)->cnt], 0, ((dst)->cnt - (src)->cnt) * sizeof (dst)->arr[0]); \
	} while (0)

void alertmgr_am_copy(struct model_am *dst, const struct model_am *src)
{
	AM_COPY_USED(dst, src, a, n);
	AM_COPY_USED(dst, src, groups, ngroups);
	AM_COPY_USED(dst, src, silences, nsilences);
	AM_COPY_USED(dst, src, rules, nrules);
	dst->n = src->n;
	dst->total = src->total;
	dst->ngroups = src->ngroups;
	dst->nsilences = src->nsilences;
	dst->nrules = src->nrules;
	dst->rules_total = src->rules_total;
	dst->rules_in_error = src->rules_in_error;
	dst->rules_wanted = src->rules_wanted;
	memcpy(dst->rules_error, src->rules_error, sizeof dst->rules_error);
	memcpy(dst->url, src->url, sizeof dst->url);
	memcpy(dst->error, src->error, sizeof dst->error);
	dst->nsources = src->nsources;
	dst->answered = src->answered;
	dst->generation = src->generation;
	dst->updated_ms = src->updated_ms;
}

void alertmgr_am_clear(struct model_am *am)
{
	memset(am->a, 0, am->n * sizeof am->a[0]);
	memset(am->groups, 0, am->ngroups * sizeof am->groups[0]);
	memset(am->silences, 0, am->nsilences * sizeof am->silences[0]);
	memset(am->rules, 0, am->nrules * sizeof am->rules[0]);
	am->n = am->total = am->ngroups = am->nsilences = am->nrules = 0;
	am->rules_total = am->rules_in_error = 0;
	am->rules_wanted = false;
	memset(am->rules_error, 0, sizeof am->rules_error);
	memset(am->url, 0, sizeof am->url);
	memset(am->error, 0, sizeof am->error);
	am->nsources = am->answered = 0;
	am->generation = 0;
	am->updated_ms = 0;
}

/* Every answer is in: the state is built in order (alerts, then what names
 * them) and replaces the last one when an Alertmanager answered. */
static void full_round_end(struct alertmgr *am)
{
	struct model_am *b = am->build;
	size_t nsrc = 1 + am->nmore;
	char err[300] = "";
	bool ok;

	b->answered = 0;
	for (unsigned i = 0; i < nsrc; i++) {
		struct am_req *q = &am->req[i * 3 + REQ_ALERTS];

		if (q->ok && alertmgr_parse_all(q->body, q->len, am->cfg, i, b, q->err, sizeof q->err) != 0)
			q->ok = false;
		snprintf(b->error[i], sizeof b->error[i], "%s", q->err);
		b->answered += q->ok;
	}
	for (unsigned i = 0; i < nsrc; i++) {
		struct am_req *g = &am->req[i * 3 + REQ_GROUPS], *s = &am->req[i * 3 + REQ_SILENCES];

		if (!am->req[i * 3 + REQ_ALERTS].ok)
			continue;
		if (g->ok && alertmgr_parse_groups(g->body, g->len, b, g->err, sizeof g->err) != 0)
			g->ok = false;
		if (s->ok && alertmgr_parse_silences(s->body, s->len, i, b, s->err, sizeof s->err) != 0)
			s->ok = false;
		if (!b->error[i][0] && (g->err[0] || s->err[0]))
			snprintf(b->error[i], sizeof b->error[i], "%s", g->err[0] ? g->err : s->err);
	}
	if (am->has_prom) {
		struct am_req *q = &am->req[NREQS - 1];

		b->rules_wanted = true;
		if (q->ok && prom_rules_parse(q->body, q->len, am->cfg, b, q->err, sizeof q->err) != 0)
			q->ok = false;
		snprintf(b->rules_error, sizeof b->rules_error, "%s", q->err);
	}
	drop_bodies(am);
	ok = b->answered > 0;
	for (unsigned i = 0; i < nsrc && !err[0]; i++)
		if (b->error[i][0])
			snprintf(err, sizeof err, "%s", b->error[i]);
	if (ok) {
		alertmgr_sort(b);
		b->generation = am->full->generation + 1;
		b->updated_ms = loop_now_ms();
		alertmgr_am_copy(am->full, b);
		alertmgr_summarize(am->full, am->cfg, am->out);
		am->out->updated_ms = b->updated_ms;
		if (b->answered < nsrc)
			err[0] = '\0';   /* the other of the pair answered: the state says which failed */
	} else {
		/* every Alertmanager failed: the last good state stays, with today's errors */
		memcpy(am->full->error, b->error, sizeof b->error);
		snprintf(am->full->rules_error, sizeof am->full->rules_error, "%s", b->rules_error);
	}
	source_round_done(am->src, ok, err);
	if (am->fn)
		am->fn(ok, err, am->arg);
}

static void full_done(const struct http_resp *r, void *arg)
{
	struct am_req *q = arg;
	struct alertmgr *am = q->am;
	char who[160];

	q->id = 0;
	if (q->kind == REQ_RULES)
		snprintf(who, sizeof who, "Prometheus rules");
	else if (am->nmore)
		snprintf(who, sizeof who, "Alertmanager %s", am->build->url[q->src]);
	else
		snprintf(who, sizeof who, "Alertmanager");
	answer_words(r, who, q->err, sizeof q->err);
	q->ok = !q->err[0];
	if (q->ok && !am->closing) {
		q->body = malloc(r->len + 1);
		if (q->body) {
			memcpy(q->body, r->body, r->len);
			q->body[r->len] = '\0';
			q->len = r->len;
		} else {
			q->ok = false;
			snprintf(q->err, sizeof q->err, "out of memory");
		}
	}
	if (--am->outstanding > 0)
		return;
	if (am->closing) {
		drop_bodies(am);
		source_round_done(am->src, false, "stopped");
		return;
	}
	full_round_end(am);
}

static const char *const all_query[] = { NULL };

static void full_start(struct alertmgr *am)
{
	static const char *const paths[] = { "/api/v2/alerts", "/api/v2/alerts/groups", "/api/v2/silences" };
	size_t nsrc = 1 + am->nmore;
	char urls[MODEL_AM_SOURCES][128];

	memcpy(urls, am->full->url, sizeof urls);
	alertmgr_am_clear(am->build);
	memcpy(am->build->url, urls, sizeof urls);
	am->build->nsources = nsrc;
	/* every request is counted before the first can answer (answers come from the loop) */
	am->outstanding = 1;
	for (unsigned i = 0; i < nsrc; i++)
		for (int k = 0; k < 3; k++) {
			struct am_req *q = &am->req[i * 3 + (unsigned)k];

			memset(q, 0, sizeof *q);
			q->am = am;
			q->kind = (enum req_kind)k;
			q->src = i;
			q->id = endpoint_get(source_ep(am, i), am->http, paths[k], all_query, full_done, q, q->err,
			                     sizeof q->err);
			am->outstanding += q->id != 0;
		}
	if (am->has_prom) {
		struct am_req *q = &am->req[NREQS - 1];

		memset(q, 0, sizeof *q);
		q->am = am;
		q->kind = REQ_RULES;
		q->id = prom_rules_get(&am->prom, am->http, full_done, q, q->err, sizeof q->err);
		am->outstanding += q->id != 0;
	}
	if (--am->outstanding == 0)
		full_round_end(am);   /* not one request could start: each says why */
}

static void poll_start(struct source *src, void *arg)
{
	struct alertmgr *am = arg;
	char err[300];

	if (am->full) {
		full_start(am);
		return;
	}
	am->id = endpoint_get(&am->ep, am->http, "/api/v2/alerts", alerts_query, poll_done, am, err, sizeof err);
	if (!am->id)
		source_round_done(src, false, err);
}

size_t alertmgr_config_urls(const struct config *cfg, const char **urls, size_t max)
{
	size_t n = 0;

	if (cfg->alertmanager.url[0] && n < max)
		urls[n++] = cfg->alertmanager.url;
	for (size_t i = 0; i < cfg->nalertmanager_urls && n < max; i++) {
		bool dup = false;

		for (size_t j = 0; j < n; j++)
			dup |= strcmp(urls[j], cfg->alertmanager_urls[i]) == 0;
		if (!dup && cfg->alertmanager_urls[i][0])
			urls[n++] = cfg->alertmanager_urls[i];
	}
	return n;
}

/* A URL as the view may show it: no user info, no query. */
static void shown_url(char *dst, size_t len, const char *url)
{
	const char *at = strchr(url, '@'), *host = strstr(url, "://");
	size_t n;

	if (at && host && at > host)
		snprintf(dst, len, "%.*s%s", (int)(host + 3 - url), url, at + 1);
	else
		snprintf(dst, len, "%s", url);
	n = strcspn(dst, "?#");
	dst[n] = '\0';
}

int alertmgr_enable_full(struct alertmgr *am, char *err, size_t errlen)
{
	const char *urls[MODEL_AM_SOURCES];
	size_t n = alertmgr_config_urls(am->cfg, urls, MODEL_AM_SOURCES);

	if (am->full)
		return 0;
	am->full = calloc(1, sizeof *am->full);
	am->build = calloc(1, sizeof *am->build);
	if (!am->full || !am->build) {
		free(am->full);
		free(am->build);
		am->full = am->build = NULL;
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (size_t i = 1; i < n; i++) {
		struct config_endpoint ce = am->cfg->alertmanager;

		snprintf(ce.url, sizeof ce.url, "%s", urls[i]);
		if (endpoint_init(&am->more[am->nmore], "Alertmanager", &ce, 5000, 8u << 20, err, errlen) != 0) {
			free(am->full);
			free(am->build);
			am->full = am->build = NULL;
			return -1;
		}
		if (am->ep.connect_to && endpoint_set_connect_to(&am->more[am->nmore], am->ep.connect_to) != 0) {
			endpoint_free(&am->more[am->nmore]);
			free(am->full);
			free(am->build);
			am->full = am->build = NULL;
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		am->nmore++;
	}
	for (size_t i = 0; i < n; i++)
		shown_url(am->full->url[i], sizeof am->full->url[i], urls[i]);
	am->full->nsources = n ? n : 1;
	/* rules are a bonus: without a Prometheus the alerts view still works */
	if (am->cfg->prometheus.url[0]) {
		char why[300];

		am->has_prom = endpoint_init(&am->prom, "Prometheus", &am->cfg->prometheus, 5000, 8u << 20, why,
		                             sizeof why) == 0;
		/* the route names each host it covers: Prometheus's too, when it is tunnelled */
		if (am->has_prom && am->ep.connect_to && endpoint_set_connect_to(&am->prom, am->ep.connect_to) != 0) {
			endpoint_free(&am->prom);
			am->has_prom = false;
			snprintf(why, sizeof why, "out of memory");
		}
		if (!am->has_prom) {
			am->full->rules_wanted = true;
			snprintf(am->full->rules_error, sizeof am->full->rules_error, "%s", why);
		}
	}
	return 0;
}

const struct model_am *alertmgr_full(const struct alertmgr *am)
{
	return am ? am->full : NULL;
}

struct alertmgr *alertmgr_new(struct loop *loop, struct http *http, const struct config *cfg,
                              struct model_alerts *out, alertmgr_fn fn, void *arg, char *err, size_t errlen)
{
	struct alertmgr *am = calloc(1, sizeof *am);
	const struct config_endpoint *ep = &cfg->alertmanager;

	if (!am) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (endpoint_init(&am->ep, "Alertmanager", ep, 5000, 8u << 20, err, errlen) != 0) {
		free(am);
		return NULL;
	}
	am->src = source_new(loop, "alerts", poll_start, am);
	if (!am->src) {
		endpoint_free(&am->ep);
		free(am);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	am->cfg = cfg;
	am->http = http;
	am->out = out;
	am->fn = fn;
	am->arg = arg;
	return am;
}

struct source *alertmgr_source(struct alertmgr *am)
{
	return am->src;
}

int alertmgr_set_connect_to(struct alertmgr *am, const char *connect_to)
{
	for (size_t i = 0; i < am->nmore; i++)
		if (endpoint_set_connect_to(&am->more[i], connect_to) != 0)
			return -1;
	if (am->has_prom && endpoint_set_connect_to(&am->prom, connect_to) != 0)
		return -1;
	return endpoint_set_connect_to(&am->ep, connect_to);
}

void alertmgr_stop(struct alertmgr *am)
{
	if (!am)
		return;
	am->closing = true;
	source_stop(am->src);
}

void alertmgr_free(struct alertmgr *am)
{
	if (!am)
		return;
	if (am->id)
		http_forget(am->http, am->id);   /* its answer must not find us */
	for (size_t i = 0; i < NREQS; i++)
		if (am->req[i].id)
			http_forget(am->http, am->req[i].id);
	drop_bodies(am);
	source_free(am->src);
	endpoint_free(&am->ep);
	for (size_t i = 0; i < am->nmore; i++)
		endpoint_free(&am->more[i]);
	if (am->has_prom)
		endpoint_free(&am->prom);
	free(am->full);
	free(am->build);
	free(am);
}
