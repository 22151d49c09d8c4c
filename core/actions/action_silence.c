/* The silence and expire actions: a silence created on Alertmanager with the
 * operator's matchers, duration and comment (as amtool: 1 h by default, a
 * comment required, created by the operator), then read back to prove it is
 * active; a silence expired and read back to prove it ended. The action
 * layer does the preconditions (--readonly), the question and the audit. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cJSON.h>

#include "warroom/actions.h"
#include "warroom/alertmgr.h"
#include "warroom/config.h"
#include "warroom/endpoint.h"
#include "warroom/http.h"
#include "warroom/loop.h"
#include "warroom/ssh.h"
#include "warroom/text.h"
#include "warroom/timeline.h"

#define DEFAULT_SECS 3600

#define SILENCE_USAGE "silence {MATCHERS} [DURATION] COMMENT, e.g. " \
	"{alertname=\"HighErrorRate\"} 1h rollback under way"

struct sil {
	struct action_run *run;
	struct loop *loop;
	struct http *http;
	struct endpoint ep[MODEL_AM_SOURCES];
	size_t nep, cur;
	uint64_t req, timer;
	bool expire;
	/* what is asked for */
	struct alertmgr_matchers ms;
	char matchers[700];
	long secs;
	char comment[400];
	char id[64];
	/* the request being tried on each Alertmanager in turn */
	char method[8], path[160], *body;
	void (*then)(struct sil *s, const struct http_resp *r);
	char tried[300];            /* the last Alertmanager's failure */
	struct action_result res;   /* the outcome, given on the next loop pass */
};

static void finish_now(struct loop *loop, void *arg)
{
	struct sil *s = arg;
	struct action_result res = s->res;

	s->timer = 0;
	actions_finish(s->run, &res);   /* frees s through the cancel hook */
}

/* The outcome is given from a timer, never from inside an HTTP callback:
 * finishing frees the HTTP engine that is calling. */
static void finish(struct sil *s, enum action_outcome o, enum action_exit code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void finish(struct sil *s, enum action_outcome o, enum action_exit code, const char *fmt, ...)
{
	va_list ap;

	s->res.outcome = o;
	s->res.exit_code = code;
	va_start(ap, fmt);
	vsnprintf(s->res.summary, sizeof s->res.summary, fmt, ap);
	va_end(ap);
	if (!s->timer)
		s->timer = loop_timer_add(s->loop, 0, 0, finish_now, s);
}

static void sil_free(struct sil *s)
{
	if (!s)
		return;
	if (s->timer)
		loop_timer_cancel(s->loop, s->timer);
	s->then = NULL;
	if (s->http)
		http_free(s->http);   /* a request in flight calls back with then NULL */
	for (size_t i = 0; i < s->nep; i++)
		endpoint_free(&s->ep[i]);
	alertmgr_matchers_free(&s->ms);
	free(s->body);
	free(s);
}

static void sil_cancel(struct action_run *run)
{
	sil_free(actions_run_state(run));
	actions_run_set_state(run, NULL);
}

/* Marked via_bastion: through its tunnel or not at all, never directly. */
static int route_via_bastion(const struct action_ctx *c, struct endpoint *ep, const char *url, char *err,
                             size_t errlen)
{
	char route[600], why[300] = "out of memory";

	if (!c->ssh) {
		snprintf(err, errlen, "Alertmanager is reached through the bastion, which is not available");
		return -1;
	}
	if (ssh_route_url(c->ssh, url, NULL, 0, route, sizeof route, why, sizeof why) != 0 ||
	    endpoint_set_connect_to(ep, route) != 0) {
		snprintf(err, errlen, "Alertmanager: %s", why);
		return -1;
	}
	return 0;
}

static struct sil *sil_new(struct action_run *run, char *err, size_t errlen)
{
	const struct action_ctx *c = actions_run_ctx(run);
	const char *urls[MODEL_AM_SOURCES];
	size_t n = alertmgr_config_urls(c->cfg, urls, MODEL_AM_SOURCES);
	struct sil *s;

	if (!n) {
		snprintf(err, errlen, "no Alertmanager configured (alertmanager.url)");
		return NULL;
	}
	s = calloc(1, sizeof *s);
	if (!s || !(s->http = http_new(c->loop))) {
		free(s);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	s->run = run;
	s->loop = c->loop;
	for (size_t i = 0; i < n; i++) {
		struct config_endpoint ce = c->cfg->alertmanager;

		snprintf(ce.url, sizeof ce.url, "%s", urls[i]);
		if (endpoint_init(&s->ep[s->nep], "Alertmanager", &ce, 10000, 1u << 20, err, errlen) != 0) {
			sil_free(s);
			return NULL;
		}
		s->nep++;
		if (ce.via_bastion && route_via_bastion(c, &s->ep[s->nep - 1], urls[i], err, errlen) != 0) {
			sil_free(s);
			return NULL;
		}
	}
	actions_run_set_state(run, s);
	return s;
}

static void try_current(struct sil *s);

/* An Alertmanager that cannot be reached or fails inside is skipped for the
 * next one; any answer of its own (200, 400, 404) is the answer. */
static void on_answer(const struct http_resp *r, void *arg)
{
	struct sil *s = arg;
	void (*then)(struct sil *, const struct http_resp *) = s->then;
	char words[120];

	s->req = 0;
	if (!then)
		return;   /* stopping */
	if ((r->err != HTTP_OK || r->status >= 500) && s->cur + 1 < s->nep) {
		s->cur++;
		try_current(s);
		return;
	}
	if (r->err != HTTP_OK) {
		snprintf(s->tried, sizeof s->tried, "Alertmanager: %s", r->errmsg);
		finish(s, ACTION_FAILED, EXIT_UNREACHABLE, "%s", s->tried);
		return;
	}
	if (r->status != 200 && r->status != 404) {
		text_one_line(words, sizeof words, r->body ? r->body : "");
		text_fix_utf8(words);
		finish(s, r->status >= 400 && r->status < 500 ? ACTION_REFUSED : ACTION_FAILED,
		       r->status >= 400 && r->status < 500 ? EXIT_REFUSED : EXIT_FAILED,
		       "Alertmanager answered HTTP %ld%s%s", r->status, words[0] ? ": " : "", words);
		return;
	}
	then(s, r);
}

static void try_current(struct sil *s)
{
	char err[300];

	s->req = endpoint_send(&s->ep[s->cur], s->http, s->method, s->path, s->body ? "application/json" : NULL,
	                       s->body, NULL, on_answer, s, err, sizeof err);
	if (!s->req) {
		if (s->cur + 1 < s->nep) {
			s->cur++;
			try_current(s);
			return;
		}
		finish(s, ACTION_FAILED, EXIT_FAILED, "%s", err);
	}
}

/* The same request on each Alertmanager in turn, from the first. */
static void ask(struct sil *s, const char *method, const char *path, char *body,
                void (*then)(struct sil *, const struct http_resp *))
{
	snprintf(s->method, sizeof s->method, "%s", method);
	snprintf(s->path, sizeof s->path, "%s", path);
	free(s->body);
	s->body = body;
	s->then = then;
	s->cur = 0;
	try_current(s);
}

static void rfc3339(int64_t ms, char *buf, size_t len)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	gmtime_r(&t, &tm);
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
	         tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(ms % 1000));
}

static void clock_of(int64_t ms, char *buf, size_t len)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	gmtime_r(&t, &tm);
	snprintf(buf, len, "%02d:%02d UTC", tm.tm_hour, tm.tm_min);
}

static const char *skip_ws(const char *s)
{
	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
		s++;
	return s;
}

/* `{MATCHERS} [DURATION] COMMENT`; without braces the matchers are the
 * first word (blanks only inside quotes). */
int actions_silence_parse(const char *text, struct alertmgr_matchers *ms, char *matchers, size_t mlen, long *secs,
                       char *comment, size_t clen, char *err, size_t errlen)
{
	const char *p = skip_ws(text ? text : ""), *end, *rest;
	bool q = false;
	char word[64];
	size_t n;

	memset(ms, 0, sizeof *ms);
	if (!*p) {
		snprintf(err, errlen, "a silence needs matchers and a comment: %s", SILENCE_USAGE);
		return -1;
	}
	for (end = p; *end; end++) {
		if (q && *end == '\\' && end[1]) {
			end++;
			continue;
		}
		if (*end == '"')
			q = !q;
		else if (!q && p[0] == '{' && *end == '}') {
			end++;
			break;
		} else if (!q && p[0] != '{' && (*end == ' ' || *end == '\t'))
			break;
	}
	if ((size_t)(end - p) >= mlen) {
		snprintf(err, errlen, "the matchers are too long");
		return -1;
	}
	memcpy(matchers, p, (size_t)(end - p));
	matchers[end - p] = '\0';
	if (alertmgr_matchers_parse(matchers, ms, err, errlen) != 0)
		return -1;
	if (!ms->n) {
		snprintf(err, errlen, "a silence needs at least one matcher: %s", SILENCE_USAGE);
		return -1;
	}
	n = 0;
	for (size_t i = 0; i < ms->n; i++)
		n += alertmgr_matcher_matches_empty(ms, i);
	if (n == ms->n) {
		snprintf(err, errlen, "these matchers match every alert (each matches an empty label): "
		         "Alertmanager refuses such a silence; name the alert, e.g. alertname=\"X\"");
		alertmgr_matchers_free(ms);
		return -1;
	}
	rest = skip_ws(end);
	*secs = DEFAULT_SECS;
	n = strcspn(rest, " \t");
	if (n && n < sizeof word) {
		memcpy(word, rest, n);
		word[n] = '\0';
		if (alertmgr_parse_duration(word) > 0) {
			*secs = alertmgr_parse_duration(word);
			rest = skip_ws(rest + n);
		}
	}
	text_one_line(comment, clen, rest);
	text_fix_utf8(comment);
	for (n = strlen(comment); n && comment[n - 1] == ' '; n--)
		comment[n - 1] = '\0';
	if (!comment[0]) {
		snprintf(err, errlen, "a silence needs a comment (who is on it, why): %s", SILENCE_USAGE);
		alertmgr_matchers_free(ms);
		return -1;
	}
	alertmgr_matchers_format(ms->m, ms->n, matchers, mlen);
	return 0;
}

static void duration_words(long secs, char *buf, size_t len)
{
	if (secs % 86400 == 0)
		snprintf(buf, len, "%ldd", secs / 86400);
	else if (secs % 3600 == 0)
		snprintf(buf, len, "%ldh", secs / 3600);
	else if (secs >= 3600)
		snprintf(buf, len, "%ldh%02ldm", secs / 3600, secs % 3600 / 60);
	else if (secs % 60 == 0)
		snprintf(buf, len, "%ldm", secs / 60);
	else
		snprintf(buf, len, "%lds", secs);
}

/* ---- silence ---- */

static void silence_prepare(struct action_run *run)
{
	const struct action_ctx *c = actions_run_ctx(run);
	struct action_question qn = { 0 };
	char err[400], dur[32], until[32];
	struct sil *s = sil_new(run, err, sizeof err);

	if (!s) {
		actions_finish_line(run, ACTION_REFUSED, EXIT_REFUSED, "silence refused: %s", err);
		return;
	}
	if (actions_silence_parse(actions_run_args(run)->text, &s->ms, s->matchers, sizeof s->matchers, &s->secs,
	                       s->comment, sizeof s->comment, err, sizeof err) != 0) {
		finish(s, ACTION_REFUSED, EXIT_REFUSED, "silence refused: %s", err);
		return;
	}
	duration_words(s->secs, dur, sizeof dur);
	clock_of(loop_wall_ms() + s->secs * 1000, until, sizeof until);
	snprintf(qn.title, sizeof qn.title, "Silence alerts");
	snprintf(qn.question, sizeof qn.question, "Create this silence for %s?", dur);
	actions_question_line(&qn, AROLE_ACCENT, "matchers: %s", s->matchers);
	actions_question_line(&qn, AROLE_NORMAL, "for %s, until %s", dur, until);
	actions_question_line(&qn, AROLE_NORMAL, "comment: %s", s->comment);
	actions_question_line(&qn, AROLE_NORMAL, "created by %s on %s%s", c->actor && *c->actor ? c->actor : "?",
	                      s->ep[0].base, s->nep > 1 ? " (the first that answers)" : "");
	actions_question_line(&qn, AROLE_WARN, "matching alerts stop notifying anyone until it ends");
	actions_propose(run, &qn);
}

static void silence_verified(struct sil *s, const struct http_resp *r)
{
	const struct action_ctx *c = actions_run_ctx(s->run);
	cJSON *o = cJSON_ParseWithLength(r->body, r->len);
	const cJSON *st = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(o, "status"), "state");
	char dur[32], until[32], line[ACTION_LINE], detail[1200];
	bool active = r->status == 200 && cJSON_IsString(st) && strcmp(st->valuestring, "active") == 0;

	cJSON_Delete(o);
	duration_words(s->secs, dur, sizeof dur);
	clock_of(loop_wall_ms() + s->secs * 1000, until, sizeof until);
	if (!active) {
		finish(s, ACTION_FAILED, EXIT_FAILED, "silence %s was created but Alertmanager does not show it active",
		       s->id);
		return;
	}
	snprintf(line, sizeof line, "silence %.8s for %s by %s: %s (%s)", s->id, dur,
	         c->actor && *c->actor ? c->actor : "?", s->matchers, s->comment);
	if (c->tl) {
		cJSON *d = cJSON_CreateObject();
		char *js;

		cJSON_AddStringToObject(d, "silence", s->id);
		cJSON_AddStringToObject(d, "matchers", s->matchers);
		cJSON_AddStringToObject(d, "comment", s->comment);
		cJSON_AddStringToObject(d, "until", until);
		/* the resolve dialog names a silence still open at the end */
		cJSON_AddNumberToObject(d, "until_ms", (double)(loop_wall_ms() + s->secs * 1000));
		js = cJSON_PrintUnformatted(d);
		snprintf(detail, sizeof detail, "%s", js ? js : "{}");
		cJSON_free(js);
		cJSON_Delete(d);
		timeline_log(c->tl, "silence", line, detail);
	}
	finish(s, ACTION_OK, EXIT_OK, "silence %s active for %s, until %s: %s", s->id, dur, until, s->matchers);
}

static void silence_created(struct sil *s, const struct http_resp *r)
{
	cJSON *o = cJSON_ParseWithLength(r->body, r->len);
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(o, "silenceID");
	char path[160];

	if (r->status != 200 || !cJSON_IsString(id) || !id->valuestring[0] || strlen(id->valuestring) >= sizeof s->id) {
		cJSON_Delete(o);
		finish(s, ACTION_FAILED, EXIT_FAILED, "Alertmanager did not answer with a silence id (HTTP %ld)", r->status);
		return;
	}
	text_copy(s->id, sizeof s->id, id->valuestring);
	cJSON_Delete(o);
	/* read back from the one that took it: gossip to the other may lag */
	{
		char *e = endpoint_escape(s->id), err[300];

		snprintf(path, sizeof path, "/api/v2/silence/%s", e ? e : s->id);
		free(e);
		snprintf(s->path, sizeof s->path, "%s", path);
		snprintf(s->method, sizeof s->method, "GET");
		free(s->body);
		s->body = NULL;
		s->then = silence_verified;
		s->req = endpoint_send(&s->ep[s->cur], s->http, "GET", path, NULL, NULL, NULL, on_answer, s, err,
		                       sizeof err);
		if (!s->req)
			finish(s, ACTION_FAILED, EXIT_FAILED, "silence %s created; reading it back failed: %s", s->id, err);
	}
}

static void silence_exec(struct action_run *run)
{
	const struct action_ctx *c = actions_run_ctx(run);
	struct sil *s = actions_run_state(run);
	cJSON *o = cJSON_CreateObject(), *arr = cJSON_AddArrayToObject(o, "matchers");
	char starts[40], ends[40];
	int64_t now = loop_wall_ms();

	for (size_t i = 0; i < s->ms.n; i++) {
		cJSON *m = cJSON_CreateObject();

		cJSON_AddStringToObject(m, "name", s->ms.m[i].name);
		cJSON_AddStringToObject(m, "value", s->ms.m[i].value);
		cJSON_AddBoolToObject(m, "isRegex", s->ms.m[i].is_regex);
		cJSON_AddBoolToObject(m, "isEqual", s->ms.m[i].is_equal);
		cJSON_AddItemToArray(arr, m);
	}
	rfc3339(now, starts, sizeof starts);
	rfc3339(now + s->secs * 1000, ends, sizeof ends);
	cJSON_AddStringToObject(o, "startsAt", starts);
	cJSON_AddStringToObject(o, "endsAt", ends);
	cJSON_AddStringToObject(o, "createdBy", c->actor && *c->actor ? c->actor : "warroom");
	cJSON_AddStringToObject(o, "comment", s->comment);
	ask(s, "POST", "/api/v2/silences", cJSON_PrintUnformatted(o), silence_created);
	cJSON_Delete(o);
}

/* ---- expire ---- */

static bool silence_id_ok(const char *id)
{
	if (!*id || strlen(id) >= 64)
		return false;
	for (; *id; id++)
		if (!isalnum((unsigned char)*id) && *id != '-')
			return false;
	return true;
}

static void expire_found(struct sil *s, const struct http_resp *r)
{
	struct action_question qn = { 0 };
	struct model_am *one;     /* the parser's place for one silence: too big for the stack */
	char err[200], ends[32];
	const struct model_silence *sil;
	cJSON *arr;
	char *list;

	if (r->status == 404) {
		finish(s, ACTION_REFUSED, EXIT_REFUSED, "no silence %s on Alertmanager", s->id);
		return;
	}
	/* the list parser reads one silence wrapped in a list */
	arr = cJSON_CreateArray();
	cJSON_AddItemToArray(arr, cJSON_ParseWithLength(r->body, r->len));
	list = cJSON_PrintUnformatted(arr);
	cJSON_Delete(arr);
	one = calloc(1, sizeof *one);
	if (!one || !list || alertmgr_parse_silences(list, strlen(list), 0, one, err, sizeof err) != 0 ||
	    !one->nsilences) {
		cJSON_free(list);
		free(one);
		finish(s, ACTION_FAILED, EXIT_FAILED, "Alertmanager's answer for silence %s is not a silence", s->id);
		return;
	}
	cJSON_free(list);
	sil = &one->silences[0];
	if (sil->state == SIL_EXPIRED) {
		free(one);
		finish(s, ACTION_REFUSED, EXIT_REFUSED, "silence %s has already expired", s->id);
		return;
	}
	alertmgr_matchers_format(sil->m, sil->nm, s->matchers, sizeof s->matchers);
	text_copy(s->comment, sizeof s->comment, sil->comment);
	clock_of(sil->ends_wall_ms, ends, sizeof ends);
	snprintf(qn.title, sizeof qn.title, "Expire silence");
	snprintf(qn.question, sizeof qn.question, "Expire this silence now?");
	actions_question_line(&qn, AROLE_ACCENT, "silence %s (%s)", sil->id, sil->state == SIL_ACTIVE ? "active" :
	                      "pending");
	actions_question_line(&qn, AROLE_NORMAL, "matchers: %s", s->matchers);
	actions_question_line(&qn, AROLE_NORMAL, "by %s: %s", sil->created_by, sil->comment);
	actions_question_line(&qn, AROLE_NORMAL, "would end at %s", ends);
	actions_question_line(&qn, AROLE_WARN, "the alerts it silences notify their receivers again");
	free(one);
	s->then = NULL;
	actions_propose(s->run, &qn);
}

static void expire_prepare(struct action_run *run)
{
	char err[300], id[128], path[160];
	struct sil *s = sil_new(run, err, sizeof err);

	if (!s) {
		actions_finish_line(run, ACTION_REFUSED, EXIT_REFUSED, "expire refused: %s", err);
		return;
	}
	text_one_line(id, sizeof id, skip_ws(actions_run_args(run)->text ? actions_run_args(run)->text : ""));
	id[strcspn(id, " ")] = '\0';
	if (!silence_id_ok(id)) {
		finish(s, ACTION_REFUSED, EXIT_REFUSED, "expire needs a silence id: expire ID (the alerts view lists them)");
		return;
	}
	s->expire = true;
	text_copy(s->id, sizeof s->id, id);
	snprintf(path, sizeof path, "/api/v2/silence/%s", id);
	ask(s, "GET", path, NULL, expire_found);
}

static void expire_verified(struct sil *s, const struct http_resp *r)
{
	const struct action_ctx *c = actions_run_ctx(s->run);
	cJSON *o = cJSON_ParseWithLength(r->body, r->len);
	const cJSON *st = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(o, "status"), "state");
	bool expired = r->status == 200 && cJSON_IsString(st) && strcmp(st->valuestring, "expired") == 0;
	char line[ACTION_LINE];

	cJSON_Delete(o);
	if (!expired) {
		finish(s, ACTION_FAILED, EXIT_FAILED, "silence %s: Alertmanager does not show it expired", s->id);
		return;
	}
	snprintf(line, sizeof line, "silence %.8s expired by %s: %s", s->id, c->actor && *c->actor ? c->actor : "?",
	         s->matchers);
	if (c->tl) {
		char detail[200];

		snprintf(detail, sizeof detail, "{\"silence\":\"%s\",\"expired\":true}", s->id);
		timeline_log(c->tl, "silence", line, detail);
	}
	finish(s, ACTION_OK, EXIT_OK, "silence %s expired: %s", s->id, s->matchers);
}

static void expire_deleted(struct sil *s, const struct http_resp *r)
{
	char path[160], err[300];

	if (r->status == 404) {
		finish(s, ACTION_REFUSED, EXIT_REFUSED, "no silence %s on Alertmanager", s->id);
		return;
	}
	snprintf(path, sizeof path, "/api/v2/silence/%s", s->id);
	s->then = expire_verified;
	s->req = endpoint_send(&s->ep[s->cur], s->http, "GET", path, NULL, NULL, NULL, on_answer, s, err, sizeof err);
	if (!s->req)
		finish(s, ACTION_FAILED, EXIT_FAILED, "silence %s expired; reading it back failed: %s", s->id, err);
}

static void expire_exec(struct action_run *run)
{
	struct sil *s = actions_run_state(run);
	char path[160];

	snprintf(path, sizeof path, "/api/v2/silence/%s", s->id);
	ask(s, "DELETE", path, NULL, expire_deleted);
}

const struct action_exec actions_exec_silence = {
	.prepare = silence_prepare, .exec = silence_exec, .cancel = sil_cancel,
};
const struct action_exec actions_exec_expire = {
	.prepare = expire_prepare, .exec = expire_exec, .cancel = sil_cancel,
};
