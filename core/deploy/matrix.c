/* The verification matrix: one round of reads from the cluster (service,
 * both deployments, the pods), then every check against the chosen slot's
 * ready pods at once, each row timed. Its own HTTP engine, so a run can be
 * stopped by freeing it whatever is in flight. */
#include "warroom/matrix.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "warroom/config.h"
#include "warroom/http.h"
#include "warroom/kube.h"
#include "warroom/loop.h"
#include "warroom/prom.h"
#include "warroom/slots.h"
#include "warroom/ssh.h"

#define VERIFY_TIMEOUT_MS 5000

struct matrix;

/* One request in flight: which check it answers and for which pod. */
struct vreq {
	struct matrix *v;
	enum matrix_check check;
	int pod;
	int which;                   /* prom: 0 errors, 1 queue now, 2 queue before */
	int64_t started;
};

struct matrix {
	struct loop *loop;
	struct kube *kube;
	struct ssh *ssh;             /* the bastion, for the pods and Prometheus marked via_bastion */
	const struct config *cfg;
	struct http *http;
	struct prom *prom;
	char prom_why[300];          /* why there is none */
	matrix_done_fn done;
	void *arg;
	char want_slot[32];
	struct slots_state st;
	int slot;
	int pending;
	bool dying;
	uint64_t timer;
	/* deployments, the service, each slot's pods */
	uint64_t kreq[2 * SLOTS_MAX + 1];
	struct vreq *krec[2 * SLOTS_MAX + 1];   /* freed here when a cancel keeps its callback from running */
	int64_t started;
	int pods[SLOTS_MAX_PODS];    /* ready pods of the slot (indices into st.pods) */
	int npods;
	int ok[MATRIX_COUNT], answered[MATRIX_COUNT];
	char first_bad[MATRIX_COUNT][160];
	double prom_v[3];
	bool prom_ok[3];
	char prom_err[160];
	struct matrix_report rep;
};

static const char *const check_names[MATRIX_COUNT] = {
	[MATRIX_PODS] = "Pods running", [MATRIX_HEALTH] = "Health endpoint", [MATRIX_READY] = "Ready endpoint",
	[MATRIX_METRICS] = "Metrics endpoint", [MATRIX_SMOKE] = "Smoke request", [MATRIX_ERRORS] = "Error rate",
	[MATRIX_QUEUE] = "Queue depth",
};

/* ---- the text format ---- */

static bool metric_name_char(int c, bool first)
{
	return isalpha(c) || c == '_' || c == ':' || (!first && isdigit(c));
}

bool matrix_metrics_text(const char *text, size_t len, int *samples, char *why, size_t whylen)
{
	size_t i = 0;
	int line = 0, n = 0;

	while (i < len) {
		size_t end = i, j;
		char num[64];
		size_t k = 0;

		while (end < len && text[end] != '\n')
			end++;
		line++;
		j = i;
		if (j == end || text[j] == '#')
			goto next;
		if (!metric_name_char((unsigned char)text[j], true)) {
			snprintf(why, whylen, "line %d does not start with a metric name", line);
			return false;
		}
		while (j < end && metric_name_char((unsigned char)text[j], false))
			j++;
		if (j < end && text[j] == '{') {
			bool quoted = false;

			for (j++; j < end && (quoted || text[j] != '}'); j++) {
				if (text[j] == '\\' && quoted)
					j++;
				else if (text[j] == '"')
					quoted = !quoted;
			}
			if (j >= end) {
				snprintf(why, whylen, "line %d: labels not closed", line);
				return false;
			}
			j++;
		}
		if (j >= end || text[j] != ' ') {
			snprintf(why, whylen, "line %d: no value after the name", line);
			return false;
		}
		while (j < end && text[j] == ' ')
			j++;
		while (j < end && text[j] != ' ' && k < sizeof num - 1)
			num[k++] = text[j++];
		num[k] = '\0';
		if (!k || (isnan(prom_parse_number(num)) && strcmp(num, "NaN") != 0)) {
			snprintf(why, whylen, "line %d: \"%s\" is not a sample value", line, num);
			return false;
		}
		n++;
next:
		i = end + 1;
	}
	if (samples)
		*samples = n;
	if (!n) {
		snprintf(why, whylen, "no samples");
		return false;
	}
	return true;
}

/* ---- the end ---- */

static void row_set(struct matrix *v, enum matrix_check c, bool pass, int64_t took, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static void row_set(struct matrix *v, enum matrix_check c, bool pass, int64_t took, const char *fmt, ...)
{
	struct matrix_row *r = &v->rep.row[c];
	va_list ap;

	r->pass = pass;
	r->took_ms = took;
	va_start(ap, fmt);
	vsnprintf(r->measured, sizeof r->measured, fmt, ap);
	va_end(ap);
}

static void deliver(struct loop *loop, void *arg)
{
	struct matrix *v = arg;

	(void)loop;
	v->timer = 0;
	v->rep.pass = !v->rep.error[0];
	for (int i = 0; i < MATRIX_COUNT && v->rep.pass; i++)
		v->rep.pass = v->rep.row[i].pass;
	v->rep.took_ms = loop_now_ms() - v->started;
	v->done(&v->rep, v->arg);
}

/* done runs from a timer, never from inside an HTTP callback: the caller may
 * free the run (and its HTTP engine) there. */
static void finish(struct matrix *v)
{
	if (!v->timer && !v->dying)
		v->timer = loop_timer_add(v->loop, 0, 0, deliver, v);
}

static void fail_all(struct matrix *v, const char *fmt, const char *what)
{
	snprintf(v->rep.error, sizeof v->rep.error, fmt, what);
	for (int i = 0; i < MATRIX_COUNT; i++)
		if (!v->rep.row[i].measured[0])
			row_set(v, (enum matrix_check)i, false, 0, "not run");
	finish(v);
}

/* ---- phase 2: the checks ---- */

static void pod_rows_done(struct matrix *v, enum matrix_check c, int64_t took)
{
	if (v->answered[c] < v->npods)
		return;
	if (v->ok[c] == v->npods)
		row_set(v, c, true, took, "%d/%d pods 200", v->ok[c], v->npods);
	else
		row_set(v, c, false, took, "%d/%d pods 200; %s", v->ok[c], v->npods, v->first_bad[c]);
}

static void prom_rows(struct matrix *v, int64_t took)
{
	double e = v->prom_v[0], q = v->prom_v[1], q0 = v->prom_v[2];
	double line = v->cfg->policy.error_ratio;
	char perr[sizeof v->prom_err];

	snprintf(perr, sizeof perr, "%s", v->prom_err);

	if (!v->prom_ok[0])
		row_set(v, MATRIX_ERRORS, false, took, "%s", perr);
	else if (isnan(e))
		row_set(v, MATRIX_ERRORS, true, took, "0 %% (no 5xx)");
	else
		row_set(v, MATRIX_ERRORS, e < line, took, "%.2f %% since its pods started", e * 100);
	if (!v->prom_ok[1])
		row_set(v, MATRIX_QUEUE, false, took, "%s", perr);
	else if (isnan(q) || q == 0)
		row_set(v, MATRIX_QUEUE, true, took, "0 items");
	else if (!isnan(q0) && q <= q0)
		row_set(v, MATRIX_QUEUE, true, took, "%.0f items, stable (%.0f 30 s ago)", q, q0);
	else
		row_set(v, MATRIX_QUEUE, false, took, "%.0f items, growing (%s 30 s ago)", q, isnan(q0) ? "none" : "fewer");
}

static void one_done(struct matrix *v)
{
	if (--v->pending == 0)
		finish(v);
}

static void got_http(const struct http_resp *resp, void *arg)
{
	struct vreq *r = arg;
	struct matrix *v = r->v;
	int64_t took = loop_now_ms() - r->started;
	enum matrix_check c = r->check;
	char pname[sizeof v->st.pods[0].name];

	snprintf(pname, sizeof pname, "%s", v->st.pods[r->pod].name);
	free(r);
	if (v->dying)
		return;
	if (c == MATRIX_HEALTH || c == MATRIX_READY) {
		v->answered[c]++;
		if (resp->err == HTTP_OK && resp->status == 200)
			v->ok[c]++;
		else if (!v->first_bad[c][0])
			snprintf(v->first_bad[c], sizeof v->first_bad[c], "%s: %s", pname,
			         resp->err == HTTP_OK ? (resp->status == 503 ? "503" : "not 200") : resp->errmsg);
		pod_rows_done(v, c, took);
	} else if (c == MATRIX_METRICS) {
		char why[160] = "";
		int n = 0;

		if (resp->err != HTTP_OK || resp->status != 200)
			row_set(v, c, false, took, "%s: %s", pname, resp->err == HTTP_OK ? "not 200" : resp->errmsg);
		else if (matrix_metrics_text(resp->body, resp->len, &n, why, sizeof why))
			row_set(v, c, true, took, "%d samples parse", n);
		else
			row_set(v, c, false, took, "not Prometheus text: %s", why);
	} else if (c == MATRIX_SMOKE) {
		if (resp->err != HTTP_OK)
			row_set(v, c, false, took, "%s: %s", pname, resp->errmsg);
		else
			row_set(v, c, resp->status == v->cfg->verify.smoke_status, took, "%ld from %s%s", resp->status,
			        pname, resp->content_type && strstr(resp->content_type, "xml") ? " (CoT XML)" : "");
	}
	one_done(v);
}

static void got_prom(const struct prom_answer *a, void *arg)
{
	struct vreq *r = arg;
	struct matrix *v = r->v;
	int64_t took = loop_now_ms() - r->started;
	int w = r->which;

	free(r);
	if (v->dying)
		return;
	v->prom_ok[w] = a->ok;
	v->prom_v[w] = a->ok ? a->v : NAN;
	if (!a->ok && !v->prom_err[0])
		snprintf(v->prom_err, sizeof v->prom_err, "Prometheus: %s", a->err);
	if (w == 2)
		v->prom_ok[1] = v->prom_ok[1] && a->ok;
	v->answered[MATRIX_ERRORS]++;
	if (v->answered[MATRIX_ERRORS] == 3)
		prom_rows(v, took);
	one_done(v);
}

static void pod_url(const struct matrix *v, const struct slots_pod *p, const char *path, char *buf, size_t len)
{
	const char *tpl = v->cfg->verify.pod_url, *at = strstr(tpl, "{ip}");

	if (at)
		snprintf(buf, len, "%.*s%s%s%s", (int)(at - tpl), tpl, p->ip, at + 4, path);
	else
		snprintf(buf, len, "%s%s", tpl, path);
}

static struct vreq *vreq(struct matrix *v, enum matrix_check c, int pod, int which)
{
	struct vreq *r = calloc(1, sizeof *r);

	if (r) {
		r->v = v;
		r->check = c;
		r->pod = pod;
		r->which = which;
		r->started = loop_now_ms();
		v->pending++;
	}
	return r;
}

static void send_http(struct matrix *v, enum matrix_check c, int pod, const char *method, const char *path,
                      const char *body)
{
	struct vreq *r = vreq(v, c, pod, 0);
	char url[1024], route[600], terr[300];
	struct http_req req = { .method = method, .url = url, .body = body, .timeout_ms = VERIFY_TIMEOUT_MS };

	if (!r)
		return;
	if (body)
		req.content_type = "application/json";
	pod_url(v, &v->st.pods[pod], path, url, sizeof url);
	if (v->cfg->verify.via_bastion) {
		/* a tunnel per pod address; the same target again reuses its listener */
		if (!v->ssh || ssh_route_url(v->ssh, url, NULL, 0, route, sizeof route, terr, sizeof terr) != 0) {
			v->pending--;
			free(r);
			row_set(v, c, false, 0, "through the bastion: %s", v->ssh ? terr : "no bastion session");
			return;
		}
		req.connect_to = route;
	}
	if (!http_request(v->http, &req, got_http, r)) {
		v->pending--;
		free(r);
		row_set(v, c, false, 0, "cannot send %s", url);
	}
}

static void send_prom(struct matrix *v, int which, const char *expr)
{
	struct vreq *r = vreq(v, MATRIX_ERRORS, 0, which);

	if (!r)
		return;
	if (!prom_query(v->prom, expr, got_prom, r)) {
		v->pending--;
		free(r);
		v->answered[MATRIX_ERRORS]++;
		snprintf(v->prom_err, sizeof v->prom_err, "cannot ask Prometheus");
	}
}

static int pick_slot(const struct matrix *v)
{
	const struct slots_state *st = &v->st;
	int sb = slots_standby(st);

	if (v->want_slot[0])
		return slots_index(st, v->want_slot);
	if (slots_standby_newer(st) && sb >= 0)
		return sb;
	return st->active >= 0 ? st->active : 0;
}

static void checks(struct matrix *v)
{
	const struct slots_slot *s;
	const char *label = v->cfg->kube.slot_label;
	char q[512];

	slots_derive(&v->st);
	v->slot = pick_slot(v);
	if (v->slot < 0) {
		fail_all(v, "no slot \"%s\" in the config", v->want_slot);
		return;
	}
	s = &v->st.slot[v->slot];
	snprintf(v->rep.slot, sizeof v->rep.slot, "%s", s->name);
	for (size_t i = 0; i < v->st.npods && v->npods < SLOTS_MAX_PODS; i++)
		if (v->st.pods[i].slot == v->slot && v->st.pods[i].ready && !v->st.pods[i].terminating &&
		    v->st.pods[i].ip[0])
			v->pods[v->npods++] = (int)i;
	row_set(v, MATRIX_PODS, s->desired > 0 && v->npods >= s->desired, 0, "%d/%d Ready", v->npods, s->desired);
	v->pending = 1;   /* held until everything is out */
	if (v->npods == 0) {
		for (int c = MATRIX_HEALTH; c <= MATRIX_SMOKE; c++)
			row_set(v, (enum matrix_check)c, false, 0, "no ready pod of %s to ask", s->name);
	} else {
		for (int i = 0; i < v->npods; i++) {
			send_http(v, MATRIX_HEALTH, v->pods[i], "GET", "/health", NULL);
			send_http(v, MATRIX_READY, v->pods[i], "GET", "/ready", NULL);
		}
		send_http(v, MATRIX_METRICS, v->pods[0], "GET", "/metrics", NULL);
		send_http(v, MATRIX_SMOKE, v->pods[0], v->cfg->verify.smoke_method, v->cfg->verify.smoke_path,
		          strcmp(v->cfg->verify.smoke_method, "GET") ? v->cfg->verify.smoke_body : NULL);
	}
	if (!v->prom) {
		row_set(v, MATRIX_ERRORS, false, 0, "%s", v->prom_why);
		row_set(v, MATRIX_QUEUE, false, 0, "%s", v->prom_why);
	} else {
		/* the slot's own counters: a new slot's whole record from its first
		 * scrape, where a rate would still miss its new series */
		snprintf(q, sizeof q, "sum(http_requests_total{%s=\"%s\",status=~\"5..\"}) / "
		         "sum(http_requests_total{%s=\"%s\"})", label, s->name, label, s->name);
		send_prom(v, 0, q);
		snprintf(q, sizeof q, "sum(offline_queue_depth{%s=\"%s\"})", label, s->name);
		send_prom(v, 1, q);
		snprintf(q, sizeof q, "sum(offline_queue_depth{%s=\"%s\"} offset 30s)", label, s->name);
		send_prom(v, 2, q);
	}
	one_done(v);
}

/* ---- phase 1: what the cluster says ---- */

static void send_kube(struct matrix *v, int which);

static void got_kube(const struct kube_result *res, void *arg)
{
	struct vreq *r = arg;
	struct matrix *v = r->v;
	char err[256] = "";
	int which = r->which;

	free(r);
	if (v->dying)
		return;
	v->kreq[which] = 0;
	v->krec[which] = NULL;
	if (!res->ok) {
		if (!v->rep.error[0])
			snprintf(v->rep.error, sizeof v->rep.error, "Kubernetes: %s", res->error);
	} else if (which < SLOTS_MAX) {
		if (slots_parse_deployment(&v->st.slot[which], res->body, res->len, err, sizeof err) == 0) {
			v->st.slot[which].found = true;
			send_kube(v, SLOTS_MAX + 1 + which);   /* its pods, by its own selector */
		}
	} else if (which == SLOTS_MAX) {
		slots_parse_service(&v->st, res->body, res->len, err, sizeof err);
	} else {
		slots_add_slot_pods(&v->st, which - SLOTS_MAX - 1, (size_t)(SLOTS_MAX_PODS / v->st.nslots), res->body,
		                    res->len, err, sizeof err);
	}
	if (err[0] && !v->rep.error[0])
		snprintf(v->rep.error, sizeof v->rep.error, "%s", err);
	if (--v->pending > 0)
		return;
	if (v->rep.error[0]) {
		char e[sizeof v->rep.error];

		snprintf(e, sizeof e, "%s", v->rep.error);
		fail_all(v, "%s", e);
		return;
	}
	checks(v);
}

static void send_kube(struct matrix *v, int which)
{
	struct vreq *r = vreq(v, MATRIX_PODS, 0, which);
	const char *ns = v->cfg->kube.namespace_;
	uint64_t id;

	if (!r)
		return;
	if (which < SLOTS_MAX)
		id = kube_get_deployment(v->kube, ns, v->st.slot[which].deployment, got_kube, r);
	else if (which == SLOTS_MAX)
		id = kube_get_service(v->kube, ns, v->cfg->kube.service, got_kube, r);
	else {
		/* the slot's own pods by its Deployment's selector, one page: a
		 * crowded namespace, or another service's slots, cost nothing */
		const struct slots_slot *sl = &v->st.slot[which - SLOTS_MAX - 1];
		char sel[sizeof sl->match_labels] = "";
		if (sl->match_labels[0])
			snprintf(sel, sizeof sel, "%s", sl->match_labels);
		else if (v->st.nslots == 2)
			snprintf(sel, sizeof sel, "%s=%s", v->cfg->kube.slot_label, sl->name);
		id = kube_list_pods_page(v->kube, ns, sel[0] ? sel : NULL, SLOTS_MAX_PODS / v->st.nslots, NULL, got_kube,
		                         r);
	}
	if (!id) {
		v->pending--;
		free(r);
		snprintf(v->rep.error, sizeof v->rep.error, "cannot ask the Kubernetes API");
		return;
	}
	v->kreq[which] = id;
	v->krec[which] = r;
}

struct matrix *matrix_start(struct loop *loop, struct kube *kube, struct ssh *ssh, const struct config *cfg,
                            const char *slot, matrix_done_fn done, void *arg)
{
	struct matrix *v = calloc(1, sizeof *v);
	char err[300];

	if (!v)
		return NULL;
	v->loop = loop;
	v->kube = kube;
	v->ssh = ssh;
	v->cfg = cfg;
	v->done = done;
	v->arg = arg;
	v->started = loop_now_ms();
	snprintf(v->want_slot, sizeof v->want_slot, "%s", slot ? slot : "");
	for (int i = 0; i < MATRIX_COUNT; i++)
		v->rep.row[i].check = check_names[i];
	snprintf(v->rep.row[MATRIX_PODS].expected, sizeof v->rep.row[0].expected, "N/N Ready");
	snprintf(v->rep.row[MATRIX_HEALTH].expected, sizeof v->rep.row[0].expected, "200 OK");
	snprintf(v->rep.row[MATRIX_READY].expected, sizeof v->rep.row[0].expected, "200 OK");
	snprintf(v->rep.row[MATRIX_METRICS].expected, sizeof v->rep.row[0].expected, "Prometheus text format");
	snprintf(v->rep.row[MATRIX_SMOKE].expected, sizeof v->rep.row[0].expected, "%s %.30s: %d",
	         cfg->verify.smoke_method, cfg->verify.smoke_path, cfg->verify.smoke_status);
	snprintf(v->rep.row[MATRIX_ERRORS].expected, sizeof v->rep.row[0].expected, "< %g %%",
	         cfg->policy.error_ratio * 100);
	snprintf(v->rep.row[MATRIX_QUEUE].expected, sizeof v->rep.row[0].expected, "0 (or stable)");
	slots_init(&v->st, cfg);
	v->http = http_new(loop);
	if (!v->http) {
		free(v);
		return NULL;
	}
	snprintf(v->prom_why, sizeof v->prom_why, "Prometheus is not configured (prometheus.url)");
	if (cfg->prometheus.url[0] && !(v->prom = prom_new(v->http, &cfg->prometheus, err, sizeof err)))
		snprintf(v->prom_why, sizeof v->prom_why, "%s", err);
	if (v->prom && cfg->prometheus.via_bastion) {
		char route[600];

		/* no route, no Prometheus rows: never the direct path the config ruled out */
		snprintf(err, sizeof err, "no bastion session");
		if (!ssh || ssh_route_url(ssh, cfg->prometheus.url, NULL, 0, route, sizeof route, err, sizeof err) != 0 ||
		    prom_set_connect_to(v->prom, route) != 0) {
			snprintf(v->prom_why, sizeof v->prom_why, "Prometheus through the bastion: %s", err);
			prom_free(v->prom);
			v->prom = NULL;
		}
	}
	if (!kube) {
		v->pending = 1;
		fail_all(v, "%s", "the Kubernetes API is not reachable (kubeconfig)");
		return v;
	}
	v->pending = 1;
	for (int i = 0; i < v->st.nslots; i++)
		send_kube(v, i);
	send_kube(v, SLOTS_MAX);   /* each slot's pods once its Deployment answered */
	/* the hold: answers come from the loop, after this returns */
	if (--v->pending == 0) {
		if (v->rep.error[0]) {
			char e[sizeof v->rep.error];

			snprintf(e, sizeof e, "%s", v->rep.error);
			fail_all(v, "%s", e);
		} else {
			checks(v);
		}
	}
	return v;
}

void matrix_free(struct matrix *v)
{
	if (!v)
		return;
	v->dying = true;
	if (v->timer)
		loop_timer_cancel(v->loop, v->timer);
	for (int i = 0; i < 2 * SLOTS_MAX + 1; i++)
		if (v->kreq[i] && v->kube && kube_cancel(v->kube, v->kreq[i]))
			free(v->krec[i]);   /* its callback does not run */
	http_free(v->http);   /* the callbacks see dying and free their records */
	prom_free(v->prom);
	free(v);
}

char *matrix_report_json(const struct matrix_report *r)
{
	cJSON *o = cJSON_CreateObject(), *rows = cJSON_CreateArray();
	char *s;

	if (!o || !rows) {
		cJSON_Delete(o);
		cJSON_Delete(rows);
		return NULL;
	}
	cJSON_AddStringToObject(o, "slot", r->slot);
	cJSON_AddBoolToObject(o, "pass", r->pass);
	cJSON_AddNumberToObject(o, "took_ms", (double)r->took_ms);
	if (r->error[0])
		cJSON_AddStringToObject(o, "error", r->error);
	for (int i = 0; i < MATRIX_COUNT; i++) {
		cJSON *x = cJSON_CreateObject();

		cJSON_AddStringToObject(x, "check", r->row[i].check);
		cJSON_AddStringToObject(x, "expected", r->row[i].expected);
		cJSON_AddStringToObject(x, "measured", r->row[i].measured);
		cJSON_AddBoolToObject(x, "pass", r->row[i].pass);
		cJSON_AddNumberToObject(x, "took_ms", (double)r->row[i].took_ms);
		cJSON_AddItemToArray(rows, x);
	}
	cJSON_AddItemToObject(o, "checks", rows);
	s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return s;
}
